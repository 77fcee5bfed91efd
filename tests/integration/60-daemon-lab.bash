# shellcheck shell=bash
# The failover lab shared by 60-daemon-keepalived.sh and bench/failover/run:
#
#   client 198.51.100.10 --eth0--eth1-- router --eth0-- [lan br0] --+-- a eth0 10.20.0.2
#                                      .1 / 10.20.0.1/15           +-- b eth0 10.20.0.3
#
# a and b run Debian's keepalived (VRRP over unicast between them, one instance,
# a with the higher priority) sharing N VIPs 10.21.X.Y/15. The router forwards
# between the LAN and the client, keeps ARP entries for hours (lab_router_sticky)
# and may drop gratuitous ARP (fo_router_drop_garp).
#
# Needs tests/lab/lab.sh sourced and lab_init called.

FO_A_MAC=02:00:00:00:0a:0a
FO_B_MAC=02:00:00:00:0b:0b
FO_ROUTER_MAC=02:00:00:00:00:01
FO_CLIENT=198.51.100.10

# fo_vip K: the K-th VIP (1-based), 10.21.0.0/16 upwards, avoiding .0 and .255.
fo_vip() {
	local k=$(($1 - 1))
	echo "10.21.$((k / 250)).$((k % 250 + 1))"
}

fo_topology() {
	lab_switch lan >/dev/null || exit 1
	lab_plug router eth0 lan "$FO_ROUTER_MAC"
	lab_router_sticky router eth0
	lab_wire router eth1 client eth0 02:00:00:00:01:01 02:00:00:00:01:10
	lab_plug a eth0 lan "$FO_A_MAC"
	lab_plug b eth0 lan "$FO_B_MAC"
	lab__run router ip addr add 10.20.0.1/15 dev eth0
	lab__run router ip addr add 198.51.100.1/24 dev eth1
	lab__run client ip addr add "$FO_CLIENT/24" dev eth0
	lab__run client ip route add default via 198.51.100.1
	lab__run a ip addr add 10.20.0.2/15 dev eth0
	lab__run b ip addr add 10.20.0.3/15 dev eth0
	lab__run a ip route add default via 10.20.0.1
	lab__run b ip route add default via 10.20.0.1
	# Thousands of VIPs, each a neighbour of the router.
	lab_raise_neigh_limits
}

# fo_cable NODE up|down: NODE's cable, pulled or plugged back at the switch. The node
# sees carrier go (its routes stay, as with a real NIC), and keepalived goes FAULT.
fo_cable() {
	lab__run lan ip link set "p-$1" "$2"
}

fo_router_drop_garp() {
	lab_router_drop_garp router eth0
}

# fo_keepalived NODE PRIORITY VIPS: writes NODE's config and starts keepalived in
# the foreground in NODE's namespace (pid files unique to this lab); its log is
# $LAB_TMP/keepalived-NODE.log.
fo_keepalived() {
	local node=$1 prio=$2 count=$3 self peer conf=$LAB_TMP/keepalived-$1.conf k
	case $node in
	a) self=10.20.0.2 peer=10.20.0.3 ;;
	b) self=10.20.0.3 peer=10.20.0.2 ;;
	esac
	{
		cat <<-CONF
		global_defs {
		    router_id fo-$node-$LAB_ID
		    vrrp_version 3
		    script_user root
		    enable_script_security
		}
		vrrp_instance VI_1 {
		    state BACKUP
		    interface eth0
		    virtual_router_id 51
		    priority $prio
		    advert_int 1
		    unicast_src_ip $self
		    unicast_peer {
		        $peer
		    }
		    virtual_ipaddress {
		        $(fo_vip 1)/15 dev eth0
		    }
		    virtual_ipaddress_excluded {
		CONF
		for ((k = 2; k <= count; k++)); do
			echo "        $(fo_vip "$k")/15 dev eth0"
		done
		echo "    }"
		echo "}"
	} >"$conf"
	lab_bg "$node" keepalived -n -l --vrrp -f "$conf" \
		-p "$LAB_TMP/ka-$node.pid" -r "$LAB_TMP/ka-vrrp-$node.pid" \
		-c "$LAB_TMP/ka-chk-$node.pid" >"$LAB_TMP/keepalived-$node.log" 2>&1
}

# fo_vips_on NODE: how many VIPs NODE holds.
fo_vips_on() {
	lab_exec "$1" ip -4 -o addr show dev eth0 2>/dev/null | awk '$4 ~ /^10\.21\./ { n++ } END { print n + 0 }'
}

# fo_router_maps MAC: how many VIPs the router maps to MAC (usable entries only).
fo_router_maps() {
	lab_exec router ip -4 neigh show dev eth0 | awk -v mac="$1" '
		$1 ~ /^10\.21\./ && $3 == mac && $0 !~ /FAILED|INCOMPLETE/ { n++ } END { print n + 0 }'
}

# fo_learn_vips COUNT: the router resolves every VIP (pings in parallel batches),
# so its table maps them to whoever holds them now.
fo_learn_vips() {
	local count=$1
	lab_exec router bash -c '
		count=$1
		for ((k = 0; k < count; k++)); do
			ping -c1 -W2 -q "10.21.$((k / 250)).$((k % 250 + 1))" >/dev/null 2>&1 &
			if (((k + 1) % 200 == 0)); then wait; fi
		done
		wait' _ "$count"
}

fo_now_us() {
	local t=${EPOCHREALTIME//[!0-9]/}
	echo "$t"
}

# fo_measure NEW_NODE NEW_MAC COUNT TIMEOUT_S: after a failover was triggered, polls
# until NEW_NODE holds all COUNT VIPs and the router maps them all to NEW_MAC, or
# TIMEOUT_S passes. Prints "FIRST_US ALL_US CONVERGED_US" (epoch microseconds; "-"
# for what never happened).
fo_measure() {
	local node=$1 mac=$2 count=$3 limit_us=$(($4 * 1000000)) start now held mapped
	local first=- all=- converged=-
	start=$(fo_now_us)
	while true; do
		now=$(fo_now_us)
		((now - start < limit_us)) || break
		if [[ $all == - ]]; then
			held=$(fo_vips_on "$node")
			[[ $first == - ]] && ((held > 0)) && first=$now
			((held >= count)) && all=$now
		fi
		if [[ $first != - ]]; then
			mapped=$(fo_router_maps "$mac")
			if ((mapped >= count)); then
				converged=$(fo_now_us)
				[[ $all != - ]] || all=$converged
				break
			fi
		else
			sleep 0.005
		fi
	done
	echo "$first $all $converged"
}

# fo_wait_master NODE COUNT TIMEOUT_S: NODE holds all COUNT VIPs.
fo_wait_master() {
	local node=$1 count=$2
	# shellcheck disable=SC2317
	fo__holds_all() { (($(fo_vips_on "$node") >= count)); }
	lab_wait_for "$3" fo__holds_all
}

# fo_wait_released NODE TIMEOUT_S: NODE holds no VIP.
fo_wait_released() {
	local node=$1
	# shellcheck disable=SC2317
	fo__holds_none() { (($(fo_vips_on "$node") == 0)); }
	lab_wait_for "$2" fo__holds_none
}
