#!/bin/bash
# The lab itself. The swap topology must reproduce the problem arpkit exists
# for: after an address moves to another server, a router with a slow ARP cache
# keeps sending the moved (secondary) address to the old MAC, so it is
# unreachable. And teardown must leave nothing behind, even when a lab script
# fails or is killed.
set -uo pipefail
# shellcheck source=tests/lab/lab.sh
. "$(dirname "$0")/../lab/lab.sh"

lab_init

# shellcheck disable=SC2317  # called through t_assert_exit
root_links_hold_lab_macs() {
	ip -o link show | grep -qiE '02:00:00:00:0[01]:'
}

check_lab_basics() {
	t_assert_eq 1 "$(lab_exec old sysctl -n net.ipv6.conf.eth0.disable_ipv6)" \
		"IPv6 is disabled on lab interfaces"
	t_assert_eq 14400000 "$(lab_exec router sysctl -n net.ipv4.neigh.eth0.base_reachable_time_ms)" \
		"the router's ARP entries on eth0 last hours"
	t_assert_eq "$SWAP_OLD_MAC" "$(lab_mac old eth0)" "old's eth0 has its fixed MAC"
	t_assert_exit -m "the root namespace holds no lab interface" 1 root_links_hold_lab_macs
}

check_migration_problem() {
	local ip
	for ip in "$SWAP_PRIMARY" "$SWAP_VIP"; do
		t_assert_exit -m "client reaches $ip on old" 0 \
			lab_wait_for 5 lab_exec client ping -c1 -W1 -q "$ip"
		t_assert_eq "$SWAP_OLD_MAC" "$(lab_neigh_mac router "$ip")" \
			"router maps $ip to old's MAC"
	done
	lab_swap_move
	t_assert_eq "$SWAP_VIP" "$(lab_exec new ip -4 -o addr show label eth0:vip | awk '{ sub("/.*", "", $4); print $4 }')" \
		"new holds the VIP as eth0:vip"
	t_assert_exit -m "after the move the client cannot reach $SWAP_VIP" 1 \
		lab_exec client ping -c1 -W1 -q "$SWAP_VIP"
	t_assert_eq "$SWAP_OLD_MAC" "$(lab_neigh_mac router "$SWAP_VIP")" \
		"router still maps $SWAP_VIP to old's MAC"
	t_assert_eq "" "$(lab_neigh_mac router 192.0.2.99)" "no MAC for an address never seen"
}

# A hub (ageing_time 0) hands a third port the unicast traffic between two others.
check_flood_switch() {
	local before after
	lab_switch hub --flood >/dev/null
	lab_plug h1 eth0 hub
	lab_plug h2 eth0 hub
	lab_plug mirror eth0 hub
	lab_exec h1 ip addr add 203.0.113.1/24 dev eth0
	lab_exec h2 ip addr add 203.0.113.2/24 dev eth0
	lab_wait_for 5 lab_exec h1 ping -c1 -W1 -q 203.0.113.2 >/dev/null
	before=$(lab_exec mirror cat /sys/class/net/eth0/statistics/rx_packets)
	lab_exec h1 ping -c5 -i0.01 -W1 -q 203.0.113.2 >/dev/null
	after=$(lab_exec mirror cat /sys/class/net/eth0/statistics/rx_packets)
	if ((after - before >= 10)); then
		t_pass "a --flood switch mirrors unicast to every port"
	else
		t_fail "a --flood switch mirrors unicast to every port" "mirror saw $((after - before)) packets, want >= 10"
	fi
}

check_wait_for_is_bounded() {
	local start=$SECONDS
	t_assert_exit -m "lab_wait_for gives up on a command that never succeeds" 1 lab_wait_for 0.3 false
	t_assert_exit -m "lab_wait_for returns once the command succeeds" 0 lab_wait_for 5 true
	if ((SECONDS - start <= 2)); then
		t_pass "lab_wait_for keeps to its timeout"
	else
		t_fail "lab_wait_for keeps to its timeout" "took $((SECONDS - start)) s"
	fi
}

# shellcheck disable=SC2317  # called through lab_wait_for
pid_gone() {
	! kill -0 "$1" 2>/dev/null
}

check_teardown_on_failure() {
	local id_file=$LAB_TMP/failed-lab status=0 id pid
	(
		lab_init
		lab_swap_topology
		lab_bg old sleep 60
		echo "$LAB_ID $LAB_BG_PID" >"$id_file"
		exit 3
	) || status=$?
	read -r id pid <"$id_file"
	t_assert_eq 3 "$status" "a failing lab script keeps its exit status"
	t_assert_eq "" "$(lab_list_ns "$id")" "no namespace of the failed lab remains"
	t_assert_exit -m "its background process is gone" 0 lab_wait_for 2 pid_gone "$pid"
}

check_teardown_on_term() {
	local id_file=$LAB_TMP/killed-lab status=0 id pid
	(
		lab_init
		lab_ns victim >/dev/null
		lab_bg victim sleep 60
		echo "$LAB_ID $LAB_BG_PID" >"$id_file.tmp"
		mv "$id_file.tmp" "$id_file"
		wait
	) &
	pid=$!
	lab_wait_for 10 test -s "$id_file"
	kill -TERM "$pid"
	wait "$pid" || status=$?
	read -r id pid <"$id_file"
	t_assert_eq 143 "$status" "a lab killed with TERM exits 143"
	t_assert_eq "" "$(lab_list_ns "$id")" "no namespace of the killed lab remains"
	t_assert_exit -m "its background process is gone" 0 lab_wait_for 2 pid_gone "$pid"
}

check_teardown_is_idempotent() {
	local status=0 id_file=$LAB_TMP/twice
	(
		lab_init
		lab_ns once >/dev/null
		echo "$LAB_ID" >"$id_file"
		lab_teardown
		lab_teardown
	) || status=$?
	t_assert_eq 0 "$status" "lab_teardown can run twice"
	t_assert_eq "" "$(lab_list_ns "$(<"$id_file")")" "and removes the namespaces the first time"
}

lab_swap_topology
check_lab_basics
check_migration_problem
check_flood_switch
check_wait_for_is_bounded
check_teardown_on_failure
check_teardown_on_term
check_teardown_is_idempotent
t_done
