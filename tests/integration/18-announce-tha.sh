#!/bin/bash
# The gratuitous request's target hardware address, on the wire. RFC 5227 sets it to
# zeros (arpkit's default); keepalived, Pacemaker's send_arp and arping -U set the
# broadcast address, and some devices update their cache for only one of the two.
# --tha zero|broadcast|both chooses; tcpdump decodes each at the switch port, and a
# router that takes gratuitous ARP (Linux, which takes both) follows each form
# alone. The new server has no route, so no peer is asked: only the gratuitous
# request can have moved the router.
set -uo pipefail
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/10-announce-lab.bash"

lab_init
swap_moved
lab__run new ip route del default
garp=$(garp_requests_for "$SWAP_VIP")

# announce_tha THA: one gratuitous request per --tha, nothing else asked of anyone.
announce_tha() {
	lab__run router ip neigh replace "$SWAP_VIP" lladdr "$SWAP_OLD_MAC" dev eth0 nud reachable
	t_assert_eq "$SWAP_OLD_MAC" "$(lab_neigh_mac router "$SWAP_VIP")" "--tha $1: before, the router maps old"
	cap_start lan new
	t_assert_exit -m "--tha $1 exits 0" 0 lab_exec new "$ARPKIT" announce -I eth0 --form request \
		--tha "$1" --no-probe --no-verify -c 1 -q "$SWAP_VIP"
	cap_stop
	cap_read -e -v "$garp" | sed 's/^/# /'
}

announce_tha zero
t_assert_eq 1 "$(cap_count "$garp and $ARP_THA_ZERO")" "--tha zero: one request with target hardware 00:00:00:00:00:00"
t_assert_eq 0 "$(cap_count "$garp and not $ARP_THA_ZERO")" "--tha zero: no other request"
t_assert_eq 0 "$(cap_read -v "$garp" | grep -c '(ff:ff:ff:ff:ff:ff)')" "--tha zero: tcpdump shows no target MAC"
t_assert_eq 1 "$(cap_count)" "--tha zero: one frame in all"
t_assert_eq "$SWAP_NEW_MAC" "$(lab_neigh_mac router "$SWAP_VIP")" "--tha zero: the router maps new"

announce_tha broadcast
t_assert_eq 1 "$(cap_count "$garp and $ARP_THA_BROADCAST")" "--tha broadcast: one request with target hardware ff:ff:ff:ff:ff:ff"
t_assert_eq 0 "$(cap_count "$garp and not $ARP_THA_BROADCAST")" "--tha broadcast: no other request"
t_assert_eq 1 "$(cap_read -v "$garp" | grep -c "who-has $SWAP_VIP (ff:ff:ff:ff:ff:ff) tell $SWAP_VIP")" \
	"--tha broadcast: tcpdump decodes the broadcast target MAC"
t_assert_eq "$SWAP_NEW_MAC" "$(lab_neigh_mac router "$SWAP_VIP")" "--tha broadcast: the router maps new"
ours=$(cap_read -x "$garp" | awk '/^\t0x/ { for (i = 2; i <= NF; i++) hex = hex $i } END { print substr(hex, 1, 56) }')

# The same frame as iputils arping -U (which Pacemaker's send_arp is built from).
cap_start lan new
lab_exec new arping -q -U -c 1 -I eth0 "$SWAP_VIP"
cap_stop
theirs=$(cap_read -x "$garp" | awk '/^\t0x/ { for (i = 2; i <= NF; i++) hex = hex $i } END { print substr(hex, 1, 56) }')
t_assert_eq 56 "${#theirs}" "arping -U's request was captured (28 bytes of ARP)"
t_assert_eq "$theirs" "$ours" "--tha broadcast sends arping -U's ARP request, byte for byte"

announce_tha both
t_assert_eq 1 "$(cap_count "$garp and $ARP_THA_ZERO")" "--tha both: one request with zeros"
t_assert_eq 1 "$(cap_count "$garp and $ARP_THA_BROADCAST")" "--tha both: one request with broadcast"
t_assert_eq "$SWAP_NEW_MAC" "$(lab_neigh_mac router "$SWAP_VIP")" "--tha both: the router maps new"

# The default is RFC 5227's, and the gratuitous reply keeps RFC 5944's form
# (target hardware = sender hardware), whatever --tha says of the request.
cap_start lan new
lab_exec new "$ARPKIT" announce -I eth0 --tha broadcast --no-probe --no-verify -c 1 -q "$SWAP_VIP" >/dev/null
lab_exec new "$ARPKIT" announce -I eth0 --no-probe --no-verify -c 1 -q "$SWAP_VIP" >/dev/null
cap_stop
t_assert_eq 1 "$(cap_count "$garp and $ARP_THA_ZERO")" "the default request has zeros"
t_assert_eq 2 "$(cap_count "$(garp_replies_for "$SWAP_VIP") and arp[18:4] = 0x02000000 and arp[22:2] = 0x0020")" \
	"the gratuitous reply's target hardware is our MAC in both runs"

t_assert_refused lan new "bad --tha" "--tha 'sideways' is not zero, broadcast or both" \
	"$ARPKIT" announce -I eth0 --tha sideways "$SWAP_VIP"
t_done
