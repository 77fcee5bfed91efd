#!/bin/bash
# The swap: a server is replaced by another that keeps its primary and a labelled
# secondary. The router's slow ARP cache keeps the old MAC, so the secondary is
# dark; one `arpkit announce` on the new server must make both reachable again
# and leave the router's neighbour table pointing at the new MAC.
# With --drop-garp the router ignores gratuitous ARP (drop_gratuitous_arp=1), so
# only the directed request "who-has GW tell ADDRESS" can fix it.
set -uo pipefail
. "$(dirname "$0")/../lab/lab.sh"

drop_garp=false
[[ ${1:-} == --drop-garp ]] && drop_garp=true

lab_init
lab_swap_topology
$drop_garp && lab_router_drop_garp router eth0

for ip in "$SWAP_PRIMARY" "$SWAP_VIP"; do
	t_assert_exit -m "before the move the client reaches $ip" 0 \
		lab_wait_for 5 lab_exec client ping -c1 -W1 -q "$ip"
done
lab_swap_move

# The lab must reproduce the problem, or the rest proves nothing.
t_assert_exit -m "after the move $SWAP_VIP is dark" 1 lab_exec client ping -c1 -W1 -q "$SWAP_VIP"
t_assert_eq "$SWAP_OLD_MAC" "$(lab_neigh_mac router "$SWAP_VIP")" "router still maps $SWAP_VIP to old"

out=$LAB_TMP/announce.json
t_assert_exit -m "announce confirms every address (exit 0)" 0 \
	lab_exec new "$ARPKIT" announce -I eth0 --json -q >"$out"
t_assert_eq 2 "$(grep -c '"result":"confirmed"' "$out")" "both addresses reported confirmed"
t_assert_eq 1 "$(grep -c "\"address\":\"$SWAP_VIP\",\"interface\":\"eth0\",\"mac\":\"$SWAP_NEW_MAC\"" "$out")" \
	"the secondary is reported with interface and MAC"
t_assert_eq 2 "$(grep -c "\"peer\":\"$SWAP_GW\",\"peer_mac\":\"$SWAP_ROUTER_MAC\",\"confirmed\":true" "$out")" \
	"the gateway is the default peer and answered"
for ip in "$SWAP_PRIMARY" "$SWAP_VIP"; do
	t_assert_eq "$SWAP_NEW_MAC" "$(lab_neigh_mac router "$ip")" "router maps $ip to the new MAC"
	t_assert_exit -m "the client reaches $ip" 0 lab_exec client ping -c1 -W1 -q "$ip"
done
cat "$out"

# A second run on a healthy network is quick and still proves it, in text form.
text=$(lab_exec new "$ARPKIT" announce -I eth0 "$SWAP_VIP" 2>/dev/null)
status=$?
t_assert_eq 0 "$status" "announcing one named address exits 0"
[[ $text == "$SWAP_VIP"*eth0*confirmed*"peer $SWAP_GW at $SWAP_ROUTER_MAC rtt"* ]] &&
	t_pass "text line names address, interface, result and peer" ||
	t_fail "text line names address, interface, result and peer" "$text"

# Without a peer to ask there is nothing to verify: announced and reported as sent.
text=$(lab_exec new "$ARPKIT" announce -I eth0 --no-verify -c 1 2>/dev/null)
t_assert_eq 2 "$(grep -c ' sent ' <<<"$text")" "--no-verify reports sent"

# A peer that never answers leaves the address unproven: exit 1, peer-silent.
t_assert_exit -m "a silent --peer makes the exit status 1" 1 \
	lab_exec new "$ARPKIT" announce -I eth0 --peer 192.0.2.200 -c 2 -i 100 --wait 200 -q "$SWAP_VIP"
text=$(lab_exec new "$ARPKIT" announce -I eth0 --peer 192.0.2.200 -c 1 --wait 200 -q "$SWAP_VIP")
[[ $text == *peer-silent*"peer 192.0.2.200 silent"* ]] && t_pass "the silent peer is named" ||
	t_fail "the silent peer is named" "$text"
t_done
