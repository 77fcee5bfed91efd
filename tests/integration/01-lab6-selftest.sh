#!/bin/bash
# The IPv6 lab. The IPv6 swap topology must reproduce the fault the IPv6 announce
# tests are about, with trusted tools only (ping, ip, ndptool, ndisc6, tcpdump):
#   - after both addresses move to a new server that has not spoken, the router,
#     which keeps neighbour entries for hours, still maps them to the old MAC and
#     a far client cannot reach them;
#   - an unsolicited NA from the new server (ndptool: Override set, the target
#     link-layer option carrying the new MAC) does not fix that, because the
#     router has drop_unsolicited_na=1: with 0 the same NA does;
#   - a Neighbor Solicitation from the moved address (ndisc6 -s ADDR ROUTER IF)
#     does fix it, drop_unsolicited_na notwithstanding.
# And the helpers the IPv6 tests build on: IPv6 off in plain lab namespaces and
# quiet in IPv6 ones, DAD per interface (tentative, nodad, a duplicate).
set -uo pipefail
# shellcheck source=tests/lab/lab.sh
. "$(dirname "$0")/../lab/lab.sh"

command -v ndptool >/dev/null || t_skip "ndptool (libndp-tools) is not installed"
command -v ndisc6 >/dev/null || t_skip "ndisc6 is not installed"
command -v tcpdump >/dev/null || t_skip "tcpdump is not installed"
[[ -d /proc/sys/net/ipv6 ]] || t_skip "this kernel has no IPv6"

lab_init

# shellcheck disable=SC2317  # called through t_assert_exit and lab_wait_for
reaches() { # ROLE ADDR
	lab_exec "$1" ping -6 -c1 -W1 -q "$2" >/dev/null 2>&1
}

# shellcheck disable=SC2317
maps_to() { # MAC ADDR: the router's entry for ADDR on eth0 holds MAC
	[[ $(lab_neigh_mac router "$2" eth0) == "$1" ]]
}

check_lab_basics() {
	t_assert_eq 0 "$(lab_exec old sysctl -n net.ipv6.conf.eth0.disable_ipv6)" \
		"IPv6 is on where lab_ipv6 turned it on"
	t_assert_eq 0 "$(lab_exec new sysctl -n net.ipv6.conf.eth0.accept_dad)" \
		"DAD is off by default in an IPv6 lab"
	t_assert_eq 0 "$(lab_exec new sysctl -n net.ipv6.conf.eth0.router_solicitations)" \
		"hosts send no Router Solicitation"
	lab_ns plain >/dev/null
	t_assert_eq 1 "$(lab_exec plain sysctl -n net.ipv6.conf.default.disable_ipv6)" \
		"a namespace made with lab_ns still has IPv6 off"
	t_assert_eq 1 "$(lab_exec router sysctl -n net.ipv6.conf.eth0.forwarding)" "the router forwards IPv6"
	t_assert_eq 14400000 "$(lab_exec router sysctl -n net.ipv6.neigh.eth0.base_reachable_time_ms)" \
		"the router's IPv6 entries on eth0 stay reachable for hours"
	t_assert_eq 14400 "$(lab_exec router sysctl -n net.ipv6.neigh.eth0.delay_first_probe_time)" \
		"and go unverified for hours"
	t_assert_eq 14400 "$(lab_exec router sysctl -n net.ipv6.neigh.eth0.gc_stale_time)" \
		"and are not collected for hours"
	t_assert_eq 1 "$(lab_exec router sysctl -n net.ipv6.conf.eth0.drop_unsolicited_na)" \
		"the router drops unsolicited NAs on eth0"
	t_assert_eq ready "$(lab_addr6_state old eth0 "$SWAP6_VIP")" "old's VIP is ready at once"
	# What a refusal test counts: once the MLD reports of setup are over, an IPv6
	# host sends nothing unasked.
	local before
	sleep 0.3
	before=$(lab_frames_from lan new)
	sleep 1
	t_assert_eq "$before" "$(lab_frames_from lan new)" "new sends nothing unasked once set up"
	t_assert_eq "" "$(lab_addr6_state new eth0 "$SWAP6_VIP")" "new holds no VIP yet"
}

check_before_the_move() {
	local ip
	for ip in "$SWAP6_PRIMARY" "$SWAP6_VIP"; do
		t_assert_exit -m "client reaches $ip on old" 0 lab_wait_for 5 reaches client "$ip"
		t_assert_eq "$SWAP_OLD_MAC" "$(lab_neigh_mac router "$ip" eth0)" \
			"router maps $ip to old's MAC"
	done
}

check_after_the_move() {
	local ip
	lab_swap6_move
	for ip in "$SWAP6_PRIMARY" "$SWAP6_VIP"; do
		t_assert_eq ready "$(lab_addr6_state new eth0 "$ip")" "new holds $ip, ready"
		t_assert_exit -m "after the move the client cannot reach $ip" 1 reaches client "$ip"
		t_assert_eq "$SWAP_OLD_MAC" "$(lab_neigh_mac router "$ip" eth0)" \
			"after the move the router still maps $ip to old's MAC"
	done
}

# The NA ndptool sends, as the router's eth0 saw it (tcpdump -vv), must be what a
# receiver would act on: to all-nodes, hop limit 255, Override, the new MAC as target
# link-layer address. Prints the decoded NA for ADDR, or nothing.
captured_na() { # PCAP ADDR
	tcpdump -r "$1" -nn -vv 2>/dev/null | awk -v tgt="tgt is $2," '
		index($0, "neighbor advertisement") && index($0, tgt) { print; getline; print; exit }'
}

send_unsolicited_na() { # ADDR PCAP
	lab_bg router tcpdump -Z root -i eth0 -nn -U --immediate-mode -w "$2" \
		'icmp6 and ip6[40] == 136' 2>/dev/null
	lab_wait_for 5 test -s "$2" || lab_die "tcpdump did not start"
	t_assert_exit -m "ndptool sends an unsolicited NA for $1" 0 \
		lab_exec new ndptool -i eth0 -t na -U -T "$1" send
	sleep 0.3
	kill -INT "$LAB_BG_PID" 2>/dev/null
	wait "$LAB_BG_PID" 2>/dev/null
}

check_unsolicited_na_is_dropped() {
	local pcap=$LAB_TMP/na-primary.pcap na
	send_unsolicited_na "$SWAP6_PRIMARY" "$pcap"
	na=$(captured_na "$pcap" "$SWAP6_PRIMARY")
	if [[ $na == *"> ff02::1:"* && $na == *"hlim 255"* && $na == *"Flags [override]"* &&
		$na == *"destination link-address option"*"$SWAP_NEW_MAC"* ]]; then
		t_pass "the router received the NA: to ff02::1, hop limit 255, Override, target MAC $SWAP_NEW_MAC"
	else
		t_fail "the router received the NA: to ff02::1, hop limit 255, Override, target MAC $SWAP_NEW_MAC" \
			"decoded: ${na:-nothing}"
	fi
	t_assert_eq "$SWAP_OLD_MAC" "$(lab_neigh_mac router "$SWAP6_PRIMARY" eth0)" \
		"with drop_unsolicited_na=1 the router still maps $SWAP6_PRIMARY to old's MAC"
	t_assert_exit -m "and the client still cannot reach $SWAP6_PRIMARY" 1 \
		reaches client "$SWAP6_PRIMARY"
}

check_solicitation_fixes_it() {
	t_assert_eq "$SWAP_ROUTER_MAC" \
		"$(lab_exec new ndisc6 -q -r 1 -w 1000 -s "$SWAP6_PRIMARY" "$SWAP6_GW" eth0)" \
		"ndisc6 -s $SWAP6_PRIMARY asks the router from the moved address, and it answers"
	t_assert_exit -m "the solicitation maps $SWAP6_PRIMARY to new's MAC at the router" 0 \
		lab_wait_for 2 maps_to "$SWAP_NEW_MAC" "$SWAP6_PRIMARY"
	t_assert_exit -m "the client reaches $SWAP6_PRIMARY on new" 0 \
		lab_wait_for 5 reaches client "$SWAP6_PRIMARY"
	t_assert_eq "$SWAP_OLD_MAC" "$(lab_neigh_mac router "$SWAP6_VIP" eth0)" \
		"one address asked for moves one entry: $SWAP6_VIP still maps to old's MAC"
}

# The control: it was drop_unsolicited_na, not the NA, that kept the entry.
check_na_works_without_drop() {
	lab_router6_drop_unsolicited_na router eth0 0
	send_unsolicited_na "$SWAP6_VIP" "$LAB_TMP/na-vip.pcap"
	t_assert_exit -m "with drop_unsolicited_na=0 the same NA maps $SWAP6_VIP to new's MAC" 0 \
		lab_wait_for 2 maps_to "$SWAP_NEW_MAC" "$SWAP6_VIP"
	t_assert_exit -m "and the client reaches $SWAP6_VIP on new" 0 \
		lab_wait_for 5 reaches client "$SWAP6_VIP"
	lab_router6_drop_unsolicited_na router eth0 1
}

# shellcheck disable=SC2317  # called through lab_wait_for
state_is() { # STATE ROLE IFACE ADDR
	[[ $(lab_addr6_state "$2" "$3" "$4") == "$1" ]]
}

# DAD per interface: tentative then ready; nodad ready at once; a duplicate fails.
check_dad_helpers() {
	lab_ipv6 d1 d2
	lab_switch dadlan >/dev/null
	lab_plug d1 eth0 dadlan 02:00:00:00:00:31
	lab_plug d2 eth0 dadlan 02:00:00:00:00:32
	lab_dad d1 eth0 2
	t_assert_eq 1 "$(lab_exec d1 sysctl -n net.ipv6.conf.eth0.accept_dad)" "lab_dad turns DAD on"
	t_assert_eq 2 "$(lab_exec d1 sysctl -n net.ipv6.conf.eth0.dad_transmits)" "with the probes asked for"
	lab__run d1 ip -6 addr add 2001:db8:3::1/64 dev eth0
	t_assert_eq tentative "$(lab_addr6_state d1 eth0 2001:db8:3::1)" "an address added with DAD is tentative"
	lab__run d1 ip -6 addr add 2001:db8:3::2/64 dev eth0 nodad
	t_assert_eq ready "$(lab_addr6_state d1 eth0 2001:db8:3::2)" "nodad: ready at once"
	t_assert_exit -m "DAD ends within 1 s + 2 probes x 1 s" 0 \
		lab_wait_for 6 state_is ready d1 eth0 2001:db8:3::1
	lab_dad --optimistic d1 eth0 2
	lab__run d1 ip -6 addr add 2001:db8:3::3/64 dev eth0 optimistic
	t_assert_eq optimistic "$(lab_addr6_state d1 eth0 2001:db8:3::3)" \
		"lab_dad --optimistic: an optimistic address is usable while DAD runs"
	lab__run d2 ip -6 addr add 2001:db8:3::9/64 dev eth0
	lab__run d1 ip -6 addr add 2001:db8:3::9/64 dev eth0
	t_assert_exit -m "an address d2 holds fails DAD on d1" 0 \
		lab_wait_for 5 state_is dadfailed d1 eth0 2001:db8:3::9
	t_assert_eq ready "$(lab_addr6_state d2 eth0 2001:db8:3::9)" "and d2 keeps it"
	lab_dad d1 eth0 0
	t_assert_eq 0 "$(lab_exec d1 sysctl -n net.ipv6.conf.eth0.accept_dad)" "lab_dad ROLE IFACE 0 turns DAD off"
}

lab_swap6_topology
check_lab_basics
check_before_the_move
check_after_the_move
check_unsolicited_na_is_dropped
check_solicitation_fixes_it
check_na_works_without_drop
check_dad_helpers
t_done
