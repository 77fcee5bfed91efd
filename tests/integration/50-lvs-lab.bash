# shellcheck shell=bash
# What the LVS labs of 50-hide-*.sh and 51-audit-*.sh share:
#
#   client --eth0--eth1-- router --eth0-- [lan br0] --+-- director eth0 (VIP on eth0)
#   198.51.100.10        .1 / 192.0.2.1                +-- the real servers, plugged by each test
#
# Needs tests/lab/lab.sh sourced and lab_init called.

LVS_ROUTER_MAC=02:00:00:00:00:01
LVS_DIRECTOR_MAC=02:00:00:00:00:10

run() {
	lab_exec "$@" || lab_die "failed in $1: ${*:2}"
}

# For t_assert_exit: the command's output goes, the assertion's line stays.
quiet() {
	"$@" >/dev/null 2>&1
}

# lvs_front VIP...: the switch, the router (forwarding) with the client behind
# it, and the director holding each VIP as a /32 on eth0.
lvs_front() {
	local vip
	lab_switch lan >/dev/null
	lab_plug router eth0 lan "$LVS_ROUTER_MAC"
	lab_wire router eth1 client eth0 02:00:00:00:01:01 02:00:00:00:01:10
	lab_plug director eth0 lan "$LVS_DIRECTOR_MAC"
	run router sysctl -qw net.ipv4.ip_forward=1
	run router ip addr add 192.0.2.1/24 dev eth0
	run router ip addr add 198.51.100.1/24 dev eth1
	run client ip addr add 198.51.100.10/24 dev eth0
	run client ip route add default via 198.51.100.1
	run director ip addr add 192.0.2.10/24 dev eth0
	for vip in "$@"; do
		run director ip addr add "$vip/32" dev eth0
	done
	run director ip route add default via 192.0.2.1
}

# arping_from_router ADDR [COUNT]: the MACs that answer the router's broadcast
# requests for ADDR (COUNT replies or COUNT seconds, default 2), sorted and
# space-terminated; -b keeps arping from going unicast to the first that answers.
arping_from_router() {
	local count=${2:-2}
	lab_exec router arping -b -c "$count" -w "$count" -I eth0 "$1" 2>/dev/null |
		awk '/reply from/ { gsub(/[][]/, "", $5); print $5 }' | sort -u | tr '\n' ' '
}

# Distinct MACs among the responders of the "arp" line of audit --json output.
responder_macs() {
	grep '"type":"arp"' | grep -o '"responders":\[[^]]*\]' | grep -o '"mac":"[^"]*"' |
		cut -d'"' -f4 | sort -u | tr '\n' ' '
}
