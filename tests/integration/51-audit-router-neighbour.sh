#!/bin/bash
# arpkit audit on the router: its own neighbour table maps the VIP to a real
# server that never answers for it (issue 10 item 4).
#
#   client --eth0--eth1-- router --eth0-- [lan br0] --+-- director eth0 (VIP on eth0)
#   198.51.100.10        .1 / 192.0.2.1                +-- rs1 eth0 (VIP on lo, arp_ignore=1,
#                                                                    arp_announce=0)
#
# rs1 hides the VIP from ARP requests but, with arp_announce=0, asks "who-has
# ROUTER tell VIP" when it talks to the router from the VIP; Linux learns the
# sender of any request addressed to it, so the router then sends the VIP's
# traffic to rs1. Only the director answers ARP for the VIP, so the network
# check alone sees nothing wrong. The lab shows the poisoning first, then audit
# names rs1's MAC and vendor and exits 1; after `hide add` on rs1 and a fresh
# entry on the router, rs1 talking from the VIP no longer moves it, and audit
# is clean.
set -uo pipefail
# shellcheck source=tests/lab/lab.sh
. "${LAB_LIB:-$(dirname "$0")/../lab/lab.sh}"
ARPKIT=${ARPKIT:?set ARPKIT to the arpkit binary}
# shellcheck source=tests/integration/50-lvs-lab.bash
. "$(dirname "$0")/50-lvs-lab.bash"

VIP=192.0.2.100
DIRECTOR_MAC=$LVS_DIRECTOR_MAC
RS_MAC=b8:27:eb:00:00:21 # a Raspberry Pi prefix, for the vendor name

topology() {
	lvs_front "$VIP"
	lab_router_sticky router eth0
	lab_plug rs1 eth0 lan "$RS_MAC"
	run rs1 ip addr add 192.0.2.21/24 dev eth0
	run rs1 ip route add default via 192.0.2.1
	# Half the recipe: hidden from requests, but free to send ARP from the VIP.
	run rs1 sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.eth0.arp_ignore=1
	run rs1 ip addr add "$VIP/32" dev lo scope host
}

# rs1 answers a client from the VIP: its first packet to the router needs the
# router's MAC, and the ARP request for it carries the source it is sending from.
rs1_talks_from_vip() {
	run rs1 ip neigh flush dev eth0
	lab_exec rs1 ping -c1 -W1 -q -I "$VIP" 192.0.2.1 >/dev/null 2>&1
}

check_baseline() {
	t_assert_exit -m "the router reaches the VIP" 0 quiet lab_exec router ping -c1 -W2 -q "$VIP"
	t_assert_eq "$DIRECTOR_MAC" "$(lab_neigh_mac router "$VIP")" "the router maps the VIP to the director"
	t_assert_exit -m "audit from the router is clean" 0 \
		quiet lab_exec router "$ARPKIT" audit --vip "$VIP" -I eth0
}

check_poisoned() {
	local out status=0
	rs1_talks_from_vip
	t_assert_eq "$RS_MAC" "$(lab_neigh_mac router "$VIP")" \
		"the fault: rs1 talking from the VIP moved the router's entry to rs1"
	# Past the kernel's locktime (1 s), so the director's answers to audit's
	# requests replace the entry, as they would on any router.
	sleep 1.2
	out=$(lab_exec router "$ARPKIT" audit --vip "$VIP" -I eth0) || status=$?
	t_assert_eq 1 "$status" "audit from the poisoned router exits 1"
	if grep -qx "ARP $VIP on eth0: 1 MAC answers $DIRECTOR_MAC (locally administered); this host maps it to $RS_MAC (Raspberry Pi Foundation)" <<<"$out"; then
		t_pass "the ARP line: only the director answers, the router maps the VIP to rs1"
	else
		t_fail "the ARP line: only the director answers, the router maps the VIP to rs1" "$out"
	fi
	if grep -q "^FINDING neighbour-entry \[eth0\]: this host's neighbour table maps VIP $VIP on eth0 to $RS_MAC (Raspberry Pi Foundation), which does not answer ARP for it; the MAC that does is $DIRECTOR_MAC (locally administered): traffic for the VIP goes to $RS_MAC" <<<"$out"; then
		t_pass "the finding names rs1's MAC and vendor, and the director's"
	else
		t_fail "the finding names rs1's MAC and vendor, and the director's" "$out"
	fi
	if grep -qx "    fix: arpkit hide add $VIP  # on the real server with MAC $RS_MAC: it sets arp_announce=2 there; then here: ip neigh del $VIP dev eth0" <<<"$out"; then
		t_pass "the fix names the real server by its MAC and arp_announce=2"
	else
		t_fail "the fix names the real server by its MAC and arp_announce=2" "$out"
	fi
	if grep -q "since replaced the entry with $DIRECTOR_MAC" <<<"$out"; then
		t_pass "the finding says the check's answers replaced the entry since"
	else
		t_fail "the finding says the check's answers replaced the entry since" "$out"
	fi
	t_assert_eq "$DIRECTOR_MAC" "$(lab_neigh_mac router "$VIP")" "as they did: the router maps the VIP to the director again"
	t_assert_exit -m "the text ends with the count" 0 grep -qx "verdict: 1 finding" <<<"$out"

	rs1_talks_from_vip
	t_assert_eq "$RS_MAC" "$(lab_neigh_mac router "$VIP")" "rs1 talking from the VIP again poisons the router again"
	status=0
	out=$(lab_exec router "$ARPKIT" audit --vip "$VIP" -I eth0 --json) || status=$?
	t_assert_eq 1 "$status" "audit --json exits 1"
	t_assert_eq "$DIRECTOR_MAC " "$(responder_macs <<<"$out")" \
		"the network check alone sees only the director (what audit used to call clean)"
	# Learnt from a request: stale, or delay once the router sent the echo reply.
	if grep -Eq "\"type\":\"arp\".*\"neighbour\":\\{\"mac\":\"$RS_MAC\",\"vendor\":\"Raspberry Pi Foundation\",\"state\":\"(stale|delay)\"\\},\"ok\":false" <<<"$out" &&
		grep -q "\"type\":\"finding\",\"check\":\"neighbour-entry\",\"interface\":\"eth0\",\"vip\":\"$VIP\",\"vips\":\[\"$VIP\"\],\"mac\":\"$RS_MAC\"" <<<"$out"; then
		t_pass "audit --json: the arp line's neighbour and the finding name rs1's MAC"
	else
		t_fail "audit --json: the arp line's neighbour and the finding name rs1's MAC" "$out"
	fi
}

check_fixed() {
	local out status=0
	out=$(lab_exec rs1 "$ARPKIT" hide add "$VIP")
	if grep -qx "set net.ipv4.conf.all.arp_announce 0 -> 2" <<<"$out"; then
		t_pass "hide add on rs1 sets arp_announce=2"
	else
		t_fail "hide add on rs1 sets arp_announce=2" "$out"
	fi
	run router ip neigh del "$VIP" dev eth0
	t_assert_exit -m "the router reaches the VIP" 0 quiet lab_exec router ping -c1 -W2 -q "$VIP"
	t_assert_eq "$DIRECTOR_MAC" "$(lab_neigh_mac router "$VIP")" "the router's fresh entry maps the VIP to the director"
	rs1_talks_from_vip
	t_assert_eq "$DIRECTOR_MAC" "$(lab_neigh_mac router "$VIP")" \
		"rs1 talking from the VIP no longer moves the router's entry"
	out=$(lab_exec router "$ARPKIT" audit --vip "$VIP" -I eth0) || status=$?
	t_assert_eq 0 "$status" "audit from the router is clean"
	if grep -qx "ARP $VIP on eth0: 1 MAC answers $DIRECTOR_MAC (locally administered): ok" <<<"$out" &&
		grep -qx "verdict: clean" <<<"$out"; then
		t_pass "and says so: one answer, the router's entry agrees"
	else
		t_fail "and says so: one answer, the router's entry agrees" "$out"
	fi
}

lab_init
topology
check_baseline
check_poisoned
check_fixed
t_done
