#!/bin/bash
# Dual stack in one run: the old server holds two IPv4 and two IPv6 addresses; all
# four move to the new server, whose router keeps both kinds of entries for hours,
# drops gratuitous ARP and unsolicited NAs. `arpkit announce` with no argument at
# all (every interface, both families) must prove all of them in one run, and the
# router's tables must map all four to the new MAC. -4 and -6 pick one family.
set -uo pipefail
. "$(dirname "$0")/../lab/lab.sh"

[[ -d /proc/sys/net/ipv6 ]] || t_skip "this kernel has no IPv6"

lab_init
lab_swap_dual_topology
lab_router_drop_garp router eth0
V4=("$SWAP_PRIMARY" "$SWAP_VIP") V6=("$SWAP6_PRIMARY" "$SWAP6_VIP")

# shellcheck disable=SC2317  # called through t_assert_exit and lab_wait_for
reaches() { # ADDR
	local family=-4
	[[ $1 == *:* ]] && family=-6
	lab_exec client ping "$family" -c1 -W1 -q "$1" >/dev/null 2>&1
}

for ip in "${V4[@]}" "${V6[@]}"; do
	lab_wait_for 5 reaches "$ip" || lab_die "the client cannot reach $ip before the move"
done
lab_swap_move
lab_swap6_move
for ip in "${V4[@]}" "${V6[@]}"; do
	t_assert_exit -m "after the move $ip is dark" 1 reaches "$ip"
	t_assert_eq "$SWAP_OLD_MAC" "$(lab_neigh_mac router "$ip" eth0)" "the router still maps $ip to old"
done

out=$LAB_TMP/out err=$LAB_TMP/err
lab_exec new "$ARPKIT" announce --json >"$out" 2>"$err"
t_assert_eq 0 "$?" "announce with no argument proves every address of both families (exit 0)"
for ip in "${V4[@]}"; do
	t_assert_eq 1 "$(grep -c "\"address\":\"$ip\",\"interface\":\"eth0\",\"mac\":\"$SWAP_NEW_MAC\",\"family\":\"ipv4\",\"result\":\"confirmed\".*\"peer\":\"$SWAP_GW\"" "$out")" \
		"$ip: IPv4, confirmed through the IPv4 gateway"
done
for ip in "${V6[@]}"; do
	t_assert_eq 1 "$(grep -c "\"address\":\"$ip\",\"interface\":\"eth0\",\"mac\":\"$SWAP_NEW_MAC\",\"family\":\"ipv6\",\"result\":\"confirmed\".*\"peer\":\"$SWAP6_GW_LL\"" "$out")" \
		"$ip: IPv6, confirmed through the IPv6 router"
done
grep -q "5 addresses: 5 confirmed" "$err" &&
	t_pass "five addresses (new's link-local one too), all confirmed, in one run" ||
	t_fail "five addresses (new's link-local one too), all confirmed, in one run" "$(cat "$err")" "$(cat "$out")"
for ip in "${V4[@]}" "${V6[@]}"; do
	t_assert_eq "$SWAP_NEW_MAC" "$(lab_neigh_mac router "$ip" eth0)" "the router maps $ip to the new MAC"
	t_assert_exit -m "the client reaches $ip" 0 reaches "$ip"
done

lab_exec new "$ARPKIT" announce -4 --json -q >"$out"
t_assert_eq "2 0" "$(grep -c '"family":"ipv4","result":"confirmed"' "$out") $(grep -c '"family":"ipv6"' "$out")" \
	"-4: the two IPv4 addresses alone"
lab_exec new "$ARPKIT" announce -6 --json -q >"$out"
t_assert_eq "3 0" "$(grep -c '"family":"ipv6","result":"confirmed"' "$out") $(grep -c '"family":"ipv4"' "$out")" \
	"-6: the three IPv6 addresses alone"
t_done
