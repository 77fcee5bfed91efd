#!/bin/bash
# Split brain over IPv6: the old server is still up with the address.
#   - added on the new server without DAD (as failover tools add a VIP): the
#     DAD-style probe (NS from ::) draws the old holder's NA, so announce must name
#     its MAC and exit 1;
#   - added with DAD on: the kernel's DAD fails (dadfailed), which is a conflict:
#     exit 1, the other holder named through the probe, and nothing announced for
#     the address (no NA, no NS from it).
set -uo pipefail
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/10-announce-lab.bash"

need_ipv6_capture
command -v ndisc6 >/dev/null || t_skip "ndisc6 is not installed"

lab_init
lab_swap6_topology
lab_wait_for 5 lab_exec client ping -6 -c1 -W1 -q "$SWAP6_VIP" >/dev/null ||
	lab_die "the client cannot reach $SWAP6_VIP on old"
# The move without taking old down.
lab__run new ip -6 addr add "$SWAP6_VIP/64" dev eth0 nodad
lab__run new ip -6 route add default via "$SWAP6_GW_LL" dev eth0
t_assert_eq ready "$(lab_addr6_state old eth0 "$SWAP6_VIP")" "old still holds $SWAP6_VIP"
t_assert_eq ready "$(lab_addr6_state new eth0 "$SWAP6_VIP")" "new holds it too (no DAD)"

err=$LAB_TMP/err
# shellcheck disable=SC2317  # called through t_assert_exit
announce_json() { # ARGS...: announce on new, JSON in $LAB_TMP/out, stderr in $err
	lab_exec new "$ARPKIT" announce -I eth0 --json "$@" >"$LAB_TMP/out" 2>"$err"
}
t_assert_exit -m "announce exits 1 on a conflict" 1 announce_json -c 1 --wait 200 "$SWAP6_VIP"
grep -q "conflict: $SWAP6_VIP is also claimed by $SWAP_OLD_MAC" "$err" &&
	t_pass "the conflict is named on stderr (address and the other MAC)" ||
	t_fail "the conflict is named on stderr (address and the other MAC)" "$(cat "$err")"
t_assert_eq 1 "$(grep -c "\"family\":\"ipv6\".*\"conflict_macs\":\[\"$SWAP_OLD_MAC\"\]" "$LAB_TMP/out")" \
	"JSON lists the other MAC in conflict_macs"

# The old holder stays silent unless asked: without the probe nothing draws it out
# (Linux does not answer an NA for its own address), which shows the conflict above
# came from the probe. (--no-verify: exit 0 means "no conflict seen".)
t_assert_exit -m "with --no-probe the quiet old holder goes unseen (exit 0)" 0 \
	announce_json --no-probe --no-verify -c 1 --wait 200 -q "$SWAP6_VIP"

# The same address added with DAD: the kernel finds old and marks it dadfailed.
# shellcheck disable=SC2317  # called through lab_wait_for
dad_failed() {
	[[ $(lab_addr6_state new eth0 "$SWAP6_VIP") == dadfailed ]]
}
lab__run new ip -6 addr del "$SWAP6_VIP/64" dev eth0
lab_dad new eth0 1
lab__run new ip -6 addr add "$SWAP6_VIP/64" dev eth0
t_assert_exit -m "with DAD on, the kernel finds old: dadfailed" 0 lab_wait_for 5 dad_failed
# The runs above moved the router's entry to new; old takes it back (a solicitation
# from the address), so the router shows whether the next run hijacks it again.
lab_exec old ndisc6 -q -r 1 -w 1000 -s "$SWAP6_VIP" "$SWAP6_GW_LL" eth0 >/dev/null
t_assert_eq "$SWAP_OLD_MAC" "$(lab_neigh_mac router "$SWAP6_VIP" eth0)" \
	"the router maps $SWAP6_VIP to old again"
cap_start lan new
t_assert_exit -m "announcing a dadfailed address exits 1" 1 announce_json -c 1 --wait 200 "$SWAP6_VIP"
cap_stop
t_assert_eq 1 "$(grep -c "\"address\":\"$SWAP6_VIP\".*\"result\":\"dad-failed\".*\"conflict_macs\":\[\"$SWAP_OLD_MAC\"\]" "$LAB_TMP/out")" \
	"reported dad-failed, the old holder (which answered the probe) named"
grep -q "conflict: $SWAP6_VIP failed duplicate address detection" "$err" &&
	t_pass "stderr says DAD failed" || t_fail "stderr says DAD failed" "$(cat "$err")"
grep -q "0 confirmed.*1 dad-failed; 1 in conflict" "$err" &&
	t_pass "the summary counts it dad-failed and in conflict" ||
	t_fail "the summary counts it dad-failed and in conflict" "$(cat "$err")"
t_assert_eq 1 "$(nd_lines tgt "$SWAP6_VIP" "$ND_DAD_PROBE" | grep -c .)" "it was probed once"
t_assert_eq 0 "$(nd_lines tgt "$SWAP6_VIP" "$ND_NA" | grep -c .)" "and never announced: no NA"
t_assert_eq 0 "$(nd_lines src "$SWAP6_VIP" icmp6 | grep -c .)" "nothing sent from it"
t_assert_eq "$SWAP_OLD_MAC" "$(lab_neigh_mac router "$SWAP6_VIP" eth0)" \
	"the router still maps it to old, the holder: nothing was hijacked"
t_done
