#!/bin/bash
# arpkit hide with arp_ignore=3, a common recipe ("never answer for an address of
# scope host"), and a VIP already on lo with scope global: the kernel answers
# for it (issue 10 item 2).
#
#   client --eth0--eth1-- router --eth0-- [lan br0] --+-- director eth0 (VIP on eth0)
#   198.51.100.10        .1 / 192.0.2.1                +-- rs1 eth0 (VIP on lo:1, scope global)
#
# The lab first shows the fault: rs1 answers ARP for the VIP, and `hide show`
# does not call it hidden. `hide add` keeps all=3 and re-adds the VIP with scope
# host, label kept. A probe loop and an address monitor running through it show
# that rs1's answers stop when the old address goes and never come back; the
# kernel refuses the other order. Then the router maps the VIP to the director,
# and nothing answers for it from rs1. A scope-global VIP hide was not asked
# about makes it set arp_ignore=1 instead of keeping 3.
set -uo pipefail
# shellcheck source=tests/lab/lab.sh
. "${LAB_LIB:-$(dirname "$0")/../lab/lab.sh}"
ARPKIT=${ARPKIT:?set ARPKIT to the arpkit binary}
# shellcheck source=tests/integration/50-lvs-lab.bash
. "$(dirname "$0")/50-lvs-lab.bash"

VIP=192.0.2.100
HIDDEN_VIP=192.0.2.101
DIRECTOR_MAC=$LVS_DIRECTOR_MAC
RS_MAC=02:00:00:00:00:21

topology() {
	lvs_front "$VIP" "$HIDDEN_VIP"
	lab_plug rs1 eth0 lan "$RS_MAC"
	run rs1 ip addr add 192.0.2.21/24 dev eth0
	run rs1 ip route add default via 192.0.2.1
	# The recipe: answer only for addresses not of scope host, never send ARP
	# from a VIP. One VIP as the recipe wants it, one added the usual way.
	run rs1 sysctl -qw net.ipv4.conf.all.arp_ignore=3 net.ipv4.conf.all.arp_announce=2
	run rs1 ip addr add "$HIDDEN_VIP/32" dev lo scope host label lo:2
	run rs1 ip addr add "$VIP/32" dev lo label lo:1
}

# "ADDR/LEN scope SCOPE LABEL" of ADDR on rs1's lo, or nothing.
lo_entry() {
	lab_exec rs1 ip -4 -o addr show dev lo | awk -v want="$1/32" '
		$4 == want {
			for (i = 5; i < NF; i++)
				if ($i == "scope") { label = $(i + 2); sub(/\\$/, "", label); print $4, "scope", $(i + 1), label }
		}'
}

check_fault() {
	local out
	t_assert_eq "$VIP/32 scope global lo:1" "$(lo_entry "$VIP")" "rs1 holds the VIP on lo:1 with scope global"
	t_assert_eq "3" "$(lab_exec rs1 sysctl -n net.ipv4.conf.all.arp_ignore)" "rs1 has all.arp_ignore=3"
	out=$(arping_from_router "$VIP" 3)
	if [[ $out == *"$RS_MAC"* ]]; then
		t_pass "the fault: rs1 answers ARP for the VIP ($out)"
	else
		t_fail "the fault: rs1 answers ARP for the VIP" "arping heard: '$out'"
	fi
	t_assert_eq "$DIRECTOR_MAC " "$(arping_from_router "$HIDDEN_VIP" 2)" \
		"for the scope-host VIP only the director answers"

	out=$(lab_exec rs1 "$ARPKIT" hide show)
	if grep -qx "VIP $VIP/32 on lo label lo:1, scope global, NOT hidden: answered on eth0 (arp_ignore in force 3 replies for any address not of scope host); fix: arpkit hide add $VIP" <<<"$out" &&
		grep -qx "hidden VIP $HIDDEN_VIP/32 on lo label lo:2" <<<"$out" &&
		grep -q "^eth0 .*(effective 3).*answers ARP for $VIP\$" <<<"$out" && ! grep -q 'hides$' <<<"$out"; then
		t_pass "hide show says the VIP is not hidden and which interface answers"
	else
		t_fail "hide show says the VIP is not hidden and which interface answers" "$out"
	fi
	out=$(lab_exec rs1 "$ARPKIT" hide show --json)
	if grep -q "\"answered_vips\":\[{\"address\":\"$VIP\",\"prefixlen\":32,\"device\":\"lo\",\"host_scope\":false,\"label\":\"lo:1\",\"scope\":\"global\",\"answered_on\":\[\"eth0\"\]}\]" <<<"$out" &&
		grep -q '"hides":false' <<<"$out"; then
		t_pass "hide show --json lists the VIP as answered, not hidden"
	else
		t_fail "hide show --json lists the VIP as answered, not hidden" "$out"
	fi

	# Why hide deletes before it adds: the kernel keeps one address per address
	# and mask on a device, and a replace keeps the scope.
	t_assert_exit -m "the kernel refuses a second $VIP/32 with scope host on lo" 2 \
		quiet lab_exec rs1 ip addr add "$VIP/32" dev lo scope host
	run rs1 ip addr replace "$VIP/32" dev lo scope host label lo:1
	t_assert_eq "$VIP/32 scope global lo:1" "$(lo_entry "$VIP")" "ip addr replace keeps scope global"
}

start_capture() {
	lab_bg router tcpdump -i eth0 -tt -nn -e -l -U arp >"$LAB_TMP/$1.arp" 2>"$LAB_TMP/$1.err"
	CAPTURE_PID=$LAB_BG_PID
	lab_wait_for 10 grep -q "listening on" "$LAB_TMP/$1.err" || lab_die "tcpdump did not start"
}

# stop_bg PID [SIGNAL]: background jobs start with SIGINT ignored, so TERM by
# default; tcpdump takes INT and flushes what it captured.
stop_bg() {
	kill "-${2:-TERM}" "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# Epoch seconds of each ARP reply for the VIP from MAC in a tcpdump -tt -e log.
reply_times() {
	awk -v mac="$2" -v vip="$VIP" '$2 == mac && /Reply/ && $0 ~ ("Reply " vip " is-at") { print $1 }' "$1"
}

# Epoch seconds of the first `ip -ts monitor` line matching PATTERN.
event_time() {
	local stamp
	stamp=$(grep -m1 -E "$2" "$1" | sed -n 's/^\[\([^]]*\)\].*/\1/p')
	[[ -n $stamp ]] && date -d "$stamp" +%s.%6N
}

check_hide_add() {
	local out status=0 deleted added last first count director
	lab_bg rs1 ip -ts monitor address >"$LAB_TMP/monitor.log"
	MONITOR_PID=$LAB_BG_PID
	start_capture readd
	lab_bg router bash -c "for ((n = 0; n < 150; n++)); do arping -q -c1 -w1 -I eth0 $VIP; sleep 0.01; done"
	PROBE_PID=$LAB_BG_PID
	sleep 0.8
	out=$(lab_exec rs1 "$ARPKIT" hide add "$VIP" "$HIDDEN_VIP") || status=$?
	sleep 0.8
	stop_bg "$PROBE_PID"
	sleep 0.3
	stop_bg "$CAPTURE_PID" INT
	stop_bg "$MONITOR_PID"

	t_assert_eq 0 "$status" "hide add exits 0"
	t_assert_eq "set net.ipv4.conf.eth0.arp_ignore 0 -> 1
set net.ipv4.conf.eth0.arp_announce 0 -> 2
re-added $VIP/32 to lo with scope host, label lo:1 (with scope global it was answered: arp_ignore 3 on all replies for any address not of scope host)" \
		"$out" "hide add keeps all=3, completes eth0 and says why it re-adds the VIP"
	t_assert_eq "3" "$(lab_exec rs1 sysctl -n net.ipv4.conf.all.arp_ignore)" "all.arp_ignore=3 is kept: it hides scope host"
	t_assert_eq "$VIP/32 scope host lo:1" "$(lo_entry "$VIP")" "the VIP is on lo:1 with scope host now"
	t_assert_eq "$HIDDEN_VIP/32 scope host lo:2" "$(lo_entry "$HIDDEN_VIP")" "the VIP hidden already is untouched"

	deleted=$(event_time "$LAB_TMP/monitor.log" "Deleted .* inet $VIP/32 scope global")
	added=$(event_time "$LAB_TMP/monitor.log" "^\[[^]]*\] [0-9]+: lo +inet $VIP/32 scope host")
	if [[ -n $deleted && -n $added ]] && awk -v d="$deleted" -v a="$added" 'BEGIN { exit !(d <= a) }'; then
		t_pass "the old address went first ($deleted), the host-scope one came after ($added)"
	else
		t_fail "the old address went first, the host-scope one came after" "$(cat "$LAB_TMP/monitor.log")"
	fi
	count=$(reply_times "$LAB_TMP/readd.arp" "$RS_MAC" | wc -l)
	first=$(reply_times "$LAB_TMP/readd.arp" "$RS_MAC" | head -1)
	last=$(reply_times "$LAB_TMP/readd.arp" "$RS_MAC" | tail -1)
	director=$(reply_times "$LAB_TMP/readd.arp" "$DIRECTOR_MAC" | awk -v d="${deleted:-0}" '$1 > d' | wc -l)
	if ((count >= 3)); then
		t_pass "the fault was live in the probe loop: rs1 answered $count times before hide add"
	else
		t_fail "the fault was live in the probe loop" "rs1 answered $count times"
	fi
	if ((director >= 10)); then
		t_pass "the probe loop ran on after the change ($director director answers)"
	else
		t_fail "the probe loop ran on after the change" "$director director answers after $deleted"
	fi
	# A reply rs1 sent before the delete reaches the router within a few ms;
	# the monitor saw the delete at or after the moment it happened.
	if [[ -n $last && -n $deleted ]] && awk -v l="$last" -v d="$deleted" 'BEGIN { exit !(l <= d + 0.02) }'; then
		t_pass "rs1's last answer ($last, first $first) came before the delete ($deleted): none during or after the change"
	else
		t_fail "rs1 never answered from the delete on" "last answer $last, delete $deleted"
	fi
}

check_cured() {
	local out
	t_assert_eq "$DIRECTOR_MAC " "$(arping_from_router "$VIP" 3)" "now only the director answers ARP for the VIP"
	lab_exec router ip neigh flush dev eth0
	t_assert_exit -m "the client reaches the VIP" 0 quiet lab_exec client ping -c2 -W2 -q "$VIP"
	t_assert_eq "$DIRECTOR_MAC" "$(lab_neigh_mac router "$VIP")" "the router maps the VIP to the director"

	out=$(lab_exec rs1 "$ARPKIT" hide show)
	if grep -qx "hidden VIP $VIP/32 on lo label lo:1" <<<"$out" &&
		grep -qx "hidden VIP $HIDDEN_VIP/32 on lo label lo:2" <<<"$out" &&
		grep -q '^eth0 .*(effective 3).*(effective 2)  hides$' <<<"$out"; then
		t_pass "hide show: both VIPs hidden, labels shown, eth0 hides"
	else
		t_fail "hide show: both VIPs hidden, labels shown, eth0 hides" "$out"
	fi
	t_assert_eq "nothing to change" "$(lab_exec rs1 "$ARPKIT" hide add "$VIP" "$HIDDEN_VIP")" "hide add again: nothing to change"
	t_assert_exit -m "audit on rs1 is clean" 0 quiet lab_exec rs1 "$ARPKIT" audit
}

# A scope-global VIP hide was not asked about: 3 would answer for it, so hide
# sets arp_ignore=1 rather than keep 3, and leaves that address alone.
check_unnamed_global_vip() {
	local out
	run rs1 ip addr add 192.0.2.102/32 dev lo
	run director ip addr add 192.0.2.102/32 dev eth0
	out=$(arping_from_router 192.0.2.102 2)
	if [[ $out == *"$RS_MAC"* ]]; then
		t_pass "the fault: rs1 answers for a scope-global VIP added by hand ($out)"
	else
		t_fail "the fault: rs1 answers for a scope-global VIP added by hand" "arping heard: '$out'"
	fi
	out=$(lab_exec rs1 "$ARPKIT" hide add 192.0.2.103)
	t_assert_eq "set net.ipv4.conf.all.arp_ignore 3 -> 1
added 192.0.2.103/32 to lo" "$out" "hide add of another VIP sets all.arp_ignore=1: 3 would answer for 192.0.2.102"
	t_assert_eq "$DIRECTOR_MAC " "$(arping_from_router 192.0.2.102 2)" "rs1 no longer answers for it"
	t_assert_eq "192.0.2.102/32 scope global lo" "$(lo_entry 192.0.2.102)" "and that address is left as it was"
	out=$(lab_exec rs1 "$ARPKIT" hide show)
	if grep -qx "hidden VIP 192.0.2.102/32 on lo, scope global" <<<"$out"; then
		t_pass "hide show: the hand-made VIP is hidden, its scope shown"
	else
		t_fail "hide show: the hand-made VIP is hidden, its scope shown" "$out"
	fi
}

# --json for a re-add: eth0 set to 3 by hand answers for a scope-global VIP.
check_readd_json() {
	local out
	run rs1 ip addr del 192.0.2.102/32 dev lo
	run rs1 sysctl -qw net.ipv4.conf.eth0.arp_ignore=3
	run rs1 ip addr add 192.0.2.104/32 dev lo label lo:4
	out=$(lab_exec rs1 "$ARPKIT" hide add 192.0.2.104 --json)
	t_assert_eq '{"action":"add","changes":[{"address":"192.0.2.104","prefixlen":32,"device":"lo","label":"lo:4","change":"re-added","scope":"host","from_scope":"global"}],"changed":true,"error":null}' \
		"$out" "hide add --json reports the re-add"
	t_assert_eq "192.0.2.104/32 scope host lo:4" "$(lo_entry 192.0.2.104)" "192.0.2.104 is on lo:4 with scope host"
}

lab_init
topology
check_fault
check_hide_add
check_cured
check_unnamed_global_vip
check_readd_json
t_done
