#!/bin/bash
# Split brain: the old server is still up with the addresses. The probe (sender
# 0.0.0.0) draws its answer, so announce must name the other MAC and exit 1.
set -uo pipefail
. "$(dirname "$0")/../lab/lab.sh"

lab_init
lab_swap_topology
lab_wait_for 5 lab_exec client ping -c1 -W1 -q "$SWAP_VIP" >/dev/null
# The move without taking old down.
lab_exec new ip addr add "$SWAP_PRIMARY/24" dev eth0
lab_exec new ip addr add "$SWAP_VIP/24" dev eth0 label eth0:vip

err=$LAB_TMP/err
t_assert_exit -m "announce exits 1 on a conflict" 1 \
	lab_exec new "$ARPKIT" announce -I eth0 --json -c 1 --wait 200 "$SWAP_VIP" \
	>"$LAB_TMP/out" 2>"$err"
grep -q "conflict: $SWAP_VIP is also claimed by $SWAP_OLD_MAC" "$err" &&
	t_pass "the conflict is named on stderr (address and the other MAC)" ||
	t_fail "the conflict is named on stderr (address and the other MAC)" "$(cat "$err")"
t_assert_eq 1 "$(grep -c "\"conflict_macs\":\[\"$SWAP_OLD_MAC\"\]" "$LAB_TMP/out")" \
	"JSON lists the other MAC in conflict_macs"

# The old holder stays silent unless asked: without the probe nothing draws it
# out, which shows the conflict above came from the probe. (new has no route, so
# nothing could verify the address: --no-verify makes exit 0 mean "no conflict".)
t_assert_exit -m "with --no-probe the quiet old holder goes unseen (exit 0)" 0 \
	lab_exec new "$ARPKIT" announce -I eth0 --no-probe --no-verify -c 1 --wait 200 -q "$SWAP_VIP"
t_done
