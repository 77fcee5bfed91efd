#!/bin/bash
# Duplicate address detection and the NA's flags, on the wire.
#   - an address added with DAD on is tentative for a while: announce, started at
#     once, waits for DAD to finish and sends nothing for the address before (the
#     capture at the switch port shows the kernel's two DAD probes, 1 s apart, and
#     arpkit's first frame for the address only once DAD is over, 1 s after the
#     last of them); then it proves the address as usual;
#   - with a --dad-wait shorter than DAD: "tentative", exit 1, never announced;
#   - an optimistic address (RFC 4429) is announced at once, without Override;
#   - on an interface that forwards, the NA carries the Router flag.
set -uo pipefail
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/10-announce-lab.bash"

need_ipv6_capture

lab_init
swap6_moved
TENTATIVE=2001:db8:1::12 SHORT=2001:db8:1::13 OPTIMISTIC=2001:db8:1::14 ROUTED=2001:db8:1::15
# Two DAD probes: the address stays tentative for a random 0-1 s, then 2 x 1 s. The
# kernel's probes carry a nonce (enhanced_dad), arpkit's do not: 32 bytes against 24.
lab_dad new eth0 2
lab__run new sysctl -qw net.ipv6.conf.eth0.enhanced_dad=1
t_assert_eq 0 "$(lab_exec new sysctl -n net.ipv6.conf.eth0.ndisc_notify)" \
	"the kernel sends no NA of its own when DAD ends (ndisc_notify=0)"
KERNEL_DAD_PROBE="$ND_DAD_PROBE and ip6[4:2] = 32"
OUR_DAD_PROBE="$ND_DAD_PROBE and ip6[4:2] = 24"

out=$LAB_TMP/out err=$LAB_TMP/err
# shellcheck disable=SC2317  # called through t_assert_exit
announce_json() { # ARGS...: announce on new, JSON in $out, stderr in $err
	lab_exec new "$ARPKIT" announce -I eth0 --json "$@" >"$out" 2>"$err"
}

check_tentative_waited_for() {
	local kernel last ours first_ours wait_ms
	cap_start lan new
	lab__run new ip -6 addr add "$TENTATIVE/64" dev eth0
	t_assert_eq tentative "$(lab_addr6_state new eth0 "$TENTATIVE")" "$TENTATIVE is tentative"
	t_assert_exit -m "announce waits for DAD, then confirms (exit 0)" 0 announce_json "$TENTATIVE"
	cap_stop
	t_assert_eq ready "$(lab_addr6_state new eth0 "$TENTATIVE")" "DAD is over"
	grep -q "$TENTATIVE on eth0 is tentative (duplicate address detection is running): waiting up to 5000 ms" "$err" &&
		t_pass "stderr says it waits for DAD, and how long at most" ||
		t_fail "stderr says it waits for DAD, and how long at most" "$(cat "$err")"
	wait_ms=$(grep -o '"dad_wait_ms":[0-9.]*' "$out" | cut -d: -f2)
	awk -v w="${wait_ms:-0}" 'BEGIN { exit !(w >= 1900 && w < 5000) }' &&
		t_pass "the wait is reported: dad_wait_ms $wait_ms (2 probes, 1 s apart, 1 s after the last)" ||
		t_fail "the wait is reported: dad_wait_ms" "$(cat "$out")"
	t_assert_eq 1 "$(grep -c "\"address\":\"$TENTATIVE\".*\"result\":\"confirmed\"" "$out")" \
		"$TENTATIVE is confirmed once ready"

	kernel=$(nd_lines tgt "$TENTATIVE" "$KERNEL_DAD_PROBE")
	t_assert_eq 2 "$(grep -c . <<<"$kernel")" "the kernel sent its two DAD probes"
	last=$(first_time "$(tail -1 <<<"$kernel")")
	# Everything arpkit sent about the address: its probe, the NA, frames from it.
	ours=$( (nd_lines tgt "$TENTATIVE" "$OUR_DAD_PROBE"; nd_lines tgt "$TENTATIVE" "$ND_NA"
		nd_lines src "$TENTATIVE" icmp6) | sort -n)
	t_assert_eq 1 "$(nd_lines tgt "$TENTATIVE" "$ND_NA" | grep -c .)" "one NA for $TENTATIVE"
	first_ours=$(first_time "$ours")
	# DAD ends retrans_time (1 s) after the kernel's last probe; nothing of arpkit's
	# may come before (0.9 s: a margin for the capture's timestamps, far from the
	# 0-2 s an announce that did not wait would show).
	awk -v a="${first_ours:-0}" -v k="${last:-0}" 'BEGIN { exit !(k > 0 && a - k >= 0.9) }' &&
		t_pass "no frame for $TENTATIVE before DAD was over (first $(awk -v a="$first_ours" -v k="$last" 'BEGIN { printf "%.3f", a - k }') s after the kernel's last probe)" ||
		t_fail "no frame for $TENTATIVE before DAD was over" "kernel's last probe: $last" "$ours"
	t_assert_eq "$SWAP_NEW_MAC" "$(lab_neigh_mac router "$TENTATIVE" eth0)" \
		"the router maps $TENTATIVE to the new MAC"
}

check_wait_runs_out() {
	cap_start lan new
	lab__run new ip -6 addr add "$SHORT/64" dev eth0
	t_assert_exit -m "a --dad-wait shorter than DAD: exit 1" 1 announce_json --dad-wait 300 "$SHORT"
	cap_stop
	t_assert_eq 1 "$(grep -c "\"address\":\"$SHORT\".*\"result\":\"tentative\",\"elapsed_ms\":[0-9.]*,\"dad_wait_ms\":300" "$out")" \
		"reported tentative after the 300 ms asked for"
	grep -q "1 address still tentative after 300 ms" "$err" &&
		t_pass "stderr says it was still tentative, and what to do" ||
		t_fail "stderr says it was still tentative, and what to do" "$(cat "$err")"
	t_assert_eq 0 "$( (nd_lines tgt "$SHORT" "$OUR_DAD_PROBE"; nd_lines tgt "$SHORT" "$ND_NA"
		nd_lines src "$SHORT" icmp6) | grep -c .)" "nothing was sent for $SHORT"
}

check_optimistic() {
	local na
	lab_dad --optimistic new eth0 2
	cap_start lan new
	lab__run new ip -6 addr add "$OPTIMISTIC/64" dev eth0 optimistic
	t_assert_eq optimistic "$(lab_addr6_state new eth0 "$OPTIMISTIC")" "$OPTIMISTIC is optimistic"
	t_assert_exit -m "an optimistic address is announced at once (exit 0)" 0 \
		announce_json -c 1 "$OPTIMISTIC"
	cap_stop
	grep -q '"dad_wait_ms":null' "$out" && t_pass "not waited for" || t_fail "not waited for" "$(cat "$out")"
	na=$(nd_lines tgt "$OPTIMISTIC" "$ND_NA")
	[[ $na == *"Flags [none]"* ]] && t_pass "its NA has no Override flag (RFC 4429)" ||
		t_fail "its NA has no Override flag (RFC 4429)" "$na"
	lab_dad new eth0 0
}

check_router_flag() {
	local na
	lab__run new ip -6 addr add "$ROUTED/64" dev eth0
	lab__run new sysctl -qw net.ipv6.conf.eth0.forwarding=1
	cap_start lan new
	t_assert_exit -m "announce on a forwarding interface (exit 0)" 0 announce_json -c 1 "$ROUTED"
	cap_stop
	lab__run new sysctl -qw net.ipv6.conf.eth0.forwarding=0
	na=$(nd_lines tgt "$ROUTED" "$ND_NA")
	[[ $na == *"Flags [router, override]"* ]] && t_pass "its NA carries Router and Override" ||
		t_fail "its NA carries Router and Override" "$na"
}

check_tentative_waited_for
check_wait_runs_out
check_optimistic
check_router_flag
t_done
