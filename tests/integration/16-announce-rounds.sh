#!/bin/bash
# --count N is a promise of N rounds. Switches and appliances that need repetition
# are why send_arp users ask for "5 ARPs", keepalived for garp_master_repeat and
# Pacemaker for arp_count: an explicit --count sends all N rounds even after the
# address is confirmed, while the default (3) still stops at the proof. Counted
# at the switch port, decoded by tcpdump. "no echo reply" is said only of a peer
# an echo was sent to.
set -uo pipefail
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/10-announce-lab.bash"

lab_init
swap_moved
t_assert_eq "$SWAP_OLD_MAC" "$(lab_neigh_mac router "$SWAP_VIP")" "before: router maps $SWAP_VIP to old"

# --count 5: the proof comes in the first round, as in every healthy network.
out=$LAB_TMP/out status=0
cap_start lan new
start=$(date +%s%N)
lab_exec new "$ARPKIT" announce -I eth0 --count 5 -i 200 --no-probe --json -q "$SWAP_VIP" >"$out" ||
	status=$?
took_ms=$((($(date +%s%N) - start) / 1000000))
cap_stop
cat "$out"
t_assert_eq 0 "$status" "--count 5 exits 0"
t_assert_eq 1 "$(grep -c '"result":"confirmed"' "$out")" "--count 5: confirmed"
elapsed=$(sed -n 's/.*"elapsed_ms":\([0-9.]*\).*/\1/p' "$out")
awk -v e="$elapsed" 'BEGIN { exit !(e < 200) }' &&
	t_pass "confirmed in the first round (${elapsed} ms), where announce used to stop" ||
	t_fail "confirmed in the first round" "elapsed_ms $elapsed"
t_assert_eq "$SWAP_NEW_MAC" "$(lab_neigh_mac router "$SWAP_VIP")" "the router maps $SWAP_VIP to new"
t_assert_eq 5 "$(cap_count "$(garp_requests_for "$SWAP_VIP")")" "--count 5: five gratuitous requests on the wire"
t_assert_eq 5 "$(cap_count "$(garp_replies_for "$SWAP_VIP")")" "--count 5: five gratuitous replies on the wire"
t_assert_eq 5 "$(cap_count "$(directed_requests "$SWAP_GW" "$SWAP_VIP")")" \
	"--count 5: five requests to the router"
t_assert_eq 1 "$(cap_count 'icmp[icmptype] = icmp-echo')" "one echo: the proof is not repeated"
((took_ms >= 800)) && t_pass "the five rounds took their four intervals (${took_ms} ms)" ||
	t_fail "the five rounds took their four intervals" "${took_ms} ms"
cap_read -e -v | sed 's/^/# /'

# The default: three rounds at most, and it stops once confirmed.
lab__run router ip neigh replace "$SWAP_VIP" lladdr "$SWAP_OLD_MAC" dev eth0 nud reachable
cap_start lan new
status=0
lab_exec new "$ARPKIT" announce -I eth0 -i 500 --no-probe --json -q "$SWAP_VIP" >"$out" || status=$?
cap_stop
t_assert_eq 0 "$status" "the default exits 0"
t_assert_eq 1 "$(grep -c '"result":"confirmed"' "$out")" "default: confirmed"
t_assert_eq "$SWAP_NEW_MAC" "$(lab_neigh_mac router "$SWAP_VIP")" "the router maps $SWAP_VIP to new again"
t_assert_eq 1 "$(cap_count "$(garp_requests_for "$SWAP_VIP")")" \
	"default: one gratuitous request, then it stopped at the proof"

# With verification off, a peer that answered ARP got no echo: the line must not say
# "no echo reply". (Two rounds: without verification the run does not wait after
# the last one, so the answer to the first is what it sees.)
text=$(lab_exec new "$ARPKIT" announce -I eth0 --no-verify --no-probe -c 2 -i 100 "$SWAP_VIP" 2>/dev/null)
[[ $text == *"sent"*"peer $SWAP_GW at $SWAP_ROUTER_MAC"* && $text != *"no echo reply"* ]] &&
	t_pass "--no-verify: the peer that answered is shown without 'no echo reply'" ||
	t_fail "--no-verify: the peer that answered is shown without 'no echo reply'" "$text"
lab_exec new "$ARPKIT" announce -I eth0 --no-verify --no-probe -c 2 -i 100 --json "$SWAP_VIP" >"$out" 2>/dev/null
t_assert_eq 1 "$(grep -c '"confirmed":false,"rtt_ms":null,"state":"answered"' "$out")" \
	"--no-verify JSON: the peer answered, no echo"

# An echo that went out and never came back does say it: the router drops the
# replies' way back (its echo replies to the VIP are filtered out on the way).
lab__run router ip route add prohibit "$SWAP_VIP/32"
lab_exec new "$ARPKIT" announce -I eth0 --no-probe -c 1 --wait 200 --json "$SWAP_VIP" >"$out" 2>/dev/null
lab__run router ip route del prohibit "$SWAP_VIP/32"
t_assert_eq 1 "$(grep -c '"result":"unconfirmed".*"confirmed":false,"rtt_ms":null,"state":"no-echo-reply"' "$out")" \
	"an echo without reply: unconfirmed, no-echo-reply"
t_done
