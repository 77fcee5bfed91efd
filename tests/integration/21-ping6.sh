#!/bin/bash
# arpkit ping for an IPv6 TARGET over Neighbor Discovery, in a namespace lab: a live
# host answers with its MAC and a sane RTT, the same responders ndisc6 -m reports
# side by side; an absent address is silent within -w (ndisc6 agrees); two hosts
# holding one address are both listed and the second marked CONFLICT (text and
# JSON); a link-local TARGET is asked on the interface its %zone or -I names, from a
# link-local source.
set -uo pipefail
. "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=tests/integration/20-ping-lib.bash
. "$(dirname "$0")/20-ping-lib.bash"

ping6_lab ndisc6

# ndisc6_macs ADDR: the MACs ndisc6 -m hears answer for ADDR on me's eth0, sorted.
ndisc6_macs() {
	lab_exec me ndisc6 -m -n -q -r 1 -w 500 "$1" eth0 | sort
}

# responder_macs: the MACs of the --json summary's responders, sorted.
responder_macs() {
	tail -n1 "$LAB_TMP/out" | grep -o '"mac":"[^"]*"' | cut -d'"' -f4 | sort -u
}

check_live_host() {
	local summary source
	lab__run a ip -6 neigh flush dev eth0
	t_assert_eq "" "$(lab_neigh_mac a "$ME6" eth0)$(lab_neigh_mac a "$ME6_2" eth0)" \
		"before: the host knows no MAC for our addresses"
	timed me "$ARPKIT" ping -c 3 -i 200 --json "$A6"
	t_assert_eq 0 "$STATUS" "a live IPv6 host answers: exit 0"
	t_assert_eq 4 "$(wc -l <"$LAB_TMP/out")" "three reply objects and a summary"
	check_reply_object "$(lab_mac a eth0)" "$A6"
	t_assert_eq ipv6 "$(json_field "$(head -n1 "$LAB_TMP/out")" family)" "the reply says family ipv6"
	summary=$(tail -n1 "$LAB_TMP/out")
	t_assert_eq summary "$(json_field "$summary" type)" "the last object is the summary"
	t_assert_eq ipv6 "$(json_field "$summary" family)" "summary: family ipv6"
	t_assert_eq ns "$(json_field "$summary" frame)" "summary: the frames were neighbor solicitations"
	t_assert_eq 3 "$(json_field "$summary" sent)" "summary: 3 sent"
	t_assert_eq 3 "$(json_field "$summary" received)" "summary: 3 received"
	t_assert_eq "$A_MAC" "$(responder_macs)" "summary lists the one responder"
	in_range "the average RTT is at most the longest (us)" "$(json_field "$summary" rtt_avg_us)" \
		0 "$(json_field "$summary" rtt_max_us)"
	in_range "-c 3 -i 200 ends soon after the last reply (ms)" "$ELAPSED" 400 1400
	# The solicitation carries our MAC for our source: the host learnt it.
	source=$(json_field "$summary" source)
	t_assert_eq "$ME_MAC" "$(lab_neigh_mac a "$source" eth0)" \
		"the host learnt our MAC for $source from the solicitation"
	t_assert_eq "$(ndisc6_macs "$A6")" "$(responder_macs)" "ndisc6 -m hears the same responder"

	timed me "$ARPKIT" ping -c 1 "$A6"
	expect_line "text: the header" "^NDP PING $A6 from 2001:db8:1::[56] eth0 \($ME_MAC\)$" "$LAB_TMP/out"
	expect_line "text: the reply line" "^reply from $A6 at $A_MAC .* seq=1 time=[0-9.]+ ms$" "$LAB_TMP/out"
	expect_line "text: the summary" "^1 solicitation sent, 1 reply received from 1 responder$" "$LAB_TMP/out"

	timed me "$ARPKIT" ping -f -i 2000 "$A6"
	t_assert_eq 0 "$STATUS" "-f: exit 0"
	in_range "-f returns at the first reply (ms)" "$ELAPSED" 0 900
}

check_absent_host() {
	local status=0
	timed me "$ARPKIT" ping -w 2 "$FREE6"
	t_assert_eq 1 "$STATUS" "an absent IPv6 address: exit 1"
	in_range "-w 2 ends at the deadline (ms)" "$ELAPSED" 1900 3500
	expect_line "-w 2 sent a solicitation per second" "^2 solicitations sent, 0 replies received" "$LAB_TMP/out"
	lab_exec me ndisc6 -n -q -r 1 -w 500 "$FREE6" eth0 >/dev/null 2>&1 || status=$?
	t_assert_eq 2 "$status" "ndisc6 hears no answer either (its exit 2)"
}

check_two_holders() {
	local summary
	lab__run b ip -6 addr add "$A6/64" dev eth0
	# The fault, as a trusted tool sees it: two MACs answer for one address.
	t_assert_eq "$(printf '%s\n' "$A_MAC" "$B_MAC" | sort)" "$(ndisc6_macs "$A6")" \
		"ndisc6 -m hears both holders of $A6"

	timed me "$ARPKIT" ping -c 2 -i 200 "$A6"
	t_assert_eq 0 "$STATUS" "two holders: exit 0 (replies came)"
	grep -q "$A_MAC" "$LAB_TMP/out" && grep -q "$B_MAC" "$LAB_TMP/out" &&
		t_pass "both MACs are listed" || t_fail "both MACs are listed" "$(cat "$LAB_TMP/out")"
	expect_line "the second MAC's reply is marked CONFLICT" \
		"^reply from $A6 at .* CONFLICT: .* answered first$" "$LAB_TMP/out"
	expect_line "the summary says CONFLICT" \
		"^2 solicitations sent, 4 replies received from 2 responders: CONFLICT, $A6 is answered by more than one MAC$" \
		"$LAB_TMP/out"
	expect_line "the second responder's line is marked" "^  02:00:00:00:00:[12]0  2 replies, .*  CONFLICT$" "$LAB_TMP/out"

	timed me "$ARPKIT" ping -c 2 -i 200 --json "$A6"
	summary=$(tail -n1 "$LAB_TMP/out")
	t_assert_eq true "$(json_field "$summary" conflict)" "--json summary: conflict true"
	t_assert_eq 4 "$(json_field "$summary" received)" "--json summary: 4 replies"
	t_assert_eq "$(ndisc6_macs "$A6")" "$(responder_macs)" \
		"--json summary lists both responders, as ndisc6 -m does"
	t_assert_eq 2 "$(grep -c '"conflict":true' <(head -n4 "$LAB_TMP/out"))" \
		"--json: one reply per solicitation is marked conflict"
	lab__run b ip -6 addr del "$A6/64" dev eth0
}

check_link_local() {
	local zone
	timed me "$ARPKIT" ping -c 1 "$A_LL%eth0"
	t_assert_eq 0 "$STATUS" "$A_LL%eth0: exit 0"
	expect_line "asked from our link-local address on eth0" \
		"^NDP PING $A_LL from $ME_LL eth0 \($ME_MAC\)$" "$LAB_TMP/out"
	expect_line "and answered by a" "^reply from $A_LL at $A_MAC " "$LAB_TMP/out"

	timed me "$ARPKIT" ping -c 1 -I eth0 --json "$A_LL"
	t_assert_eq 0 "$STATUS" "-I eth0 $A_LL: exit 0"
	t_assert_eq "$A_MAC" "$(json_field "$(head -n1 "$LAB_TMP/out")" mac)" "-I eth0: a's MAC"

	# RFC 4007 lets the zone be the interface's index.
	zone=$(lab_exec me cat /sys/class/net/eth0/ifindex)
	timed me "$ARPKIT" ping -c 1 "$A_LL%$zone"
	t_assert_eq 0 "$STATUS" "$A_LL%$zone (eth0's index): exit 0"
	t_assert_eq "$(ndisc6_macs "$A_LL")" "$A_MAC" "ndisc6 hears the same MAC for $A_LL"
}

check_live_host
check_absent_host
check_two_holders
check_link_local
t_done
