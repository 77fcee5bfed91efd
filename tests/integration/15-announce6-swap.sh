#!/bin/bash
# The IPv6 swap: a server is replaced by another that keeps its global address and
# a second one. The router keeps neighbour entries for hours and drops unsolicited
# NAs (drop_unsolicited_na=1), so after the move both addresses are dark, and an
# unsolicited NA alone (the keepalived and ndptool way) would not change that. One
# `arpkit announce` on the new server must make both reachable and leave the
# router's `ip -6 neigh` mapping both to the new MAC; what it sent is decoded at the
# switch port: the DAD-style probe, the unsolicited NA, the NS for the router from
# each address, the echo.
set -uo pipefail
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/10-announce-lab.bash"

need_ipv6_capture

lab_init
swap6_moved

# shellcheck disable=SC2317  # called through t_assert_exit
reaches() { # ADDR
	lab_exec client ping -6 -c1 -W1 -q "$1" >/dev/null 2>&1
}

# The lab must reproduce the problem, or the rest proves nothing.
t_assert_eq 1 "$(lab_exec router sysctl -n net.ipv6.conf.eth0.drop_unsolicited_na)" \
	"the router drops unsolicited NAs"
for ip in "$SWAP6_PRIMARY" "$SWAP6_VIP"; do
	t_assert_exit -m "after the move $ip is dark" 1 reaches "$ip"
	t_assert_eq "$SWAP_OLD_MAC" "$(lab_neigh_mac router "$ip" eth0)" "the router still maps $ip to old"
done

out=$LAB_TMP/announce.json
cap_start lan new
lab_exec new "$ARPKIT" announce -I eth0 --json -q >"$out"
t_assert_eq 0 "$?" "announce confirms every address (exit 0)"
cap_stop
for ip in "$SWAP6_PRIMARY" "$SWAP6_VIP"; do
	t_assert_eq 1 "$(grep -c "\"address\":\"$ip\",\"interface\":\"eth0\",\"mac\":\"$SWAP_NEW_MAC\",\"family\":\"ipv6\",\"result\":\"confirmed\"" "$out")" \
		"$ip is reported confirmed, IPv6, with interface and MAC"
	t_assert_eq 1 "$(grep "\"address\":\"$ip\"" "$out" | grep -c "\"peer\":\"$SWAP6_GW_LL\",\"peer_mac\":\"$SWAP_ROUTER_MAC\",\"confirmed\":true")" \
		"$ip is proven through the router's link-local address, the default route's gateway"
	t_assert_eq "$SWAP_NEW_MAC" "$(lab_neigh_mac router "$ip" eth0)" "the router maps $ip to the new MAC"
	t_assert_exit -m "the client reaches $ip" 0 reaches "$ip"
done
t_assert_eq 3 "$(grep -c '"family":"ipv6","result":"confirmed"' "$out")" \
	"without ADDRESS: both moved addresses and new's link-local address, all confirmed"
cat "$out"

# What went on the wire, per moved address.
for ip in "$SWAP6_PRIMARY" "$SWAP6_VIP"; do
	probe=$(nd_lines tgt "$ip" "$ND_DAD_PROBE")
	t_assert_eq 1 "$(grep -c . <<<"$probe")" "one DAD-style probe for $ip"
	[[ $probe == *"hlim 255"*"payload length: 24) :: > ff02::1:ff00:"* ]] &&
		t_pass "the probe is from :: to the solicited-node group, without options" ||
		t_fail "the probe is from :: to the solicited-node group, without options" "$probe"
	na=$(nd_lines tgt "$ip" "$ND_NA")
	t_assert_eq 1 "$(grep -c . <<<"$na")" "one unsolicited NA for $ip"
	[[ $na == *"hlim 255"*"$ip > ff02::1:"*"Flags [override]"*"destination link-address option"*"$SWAP_NEW_MAC"* ]] &&
		t_pass "the NA: hop limit 255, to ff02::1, Override alone (new does not forward), the new MAC" ||
		t_fail "the NA: hop limit 255, to ff02::1, Override alone (new does not forward), the new MAC" "$na"
	ns=$(nd_lines src "$ip" "$ND_NS")
	[[ $ns == *"hlim 255"*"who has $SWAP6_GW_LL"*"source link-address option"*"$SWAP_NEW_MAC"* ]] &&
		t_pass "an NS for the router from $ip with the source link-layer option" ||
		t_fail "an NS for the router from $ip with the source link-layer option" "$ns"
	t_assert_eq 1 "$(nd_lines src "$ip" "$ECHO6_REQUEST" | grep -c "$ip > $SWAP6_GW_LL")" \
		"one echo request from $ip to the router"
done

# A second run on a healthy network, in text form.
text=$(lab_exec new "$ARPKIT" announce -I eth0 "$SWAP6_VIP" 2>/dev/null)
t_assert_eq 0 "$?" "announcing one named IPv6 address exits 0"
[[ $text == "$SWAP6_VIP"*eth0*confirmed*"peer $SWAP6_GW_LL at $SWAP_ROUTER_MAC rtt"* ]] &&
	t_pass "text line names address, interface, result and peer" ||
	t_fail "text line names address, interface, result and peer" "$text"
# ADDR/PREFIX as `ip -6 addr` shows it.
lab_exec new "$ARPKIT" announce -I eth0 -q "$SWAP6_VIP/64" >/dev/null
t_assert_eq 0 "$?" "ADDR/64 as ip -6 addr shows it"

# A peer that never answers leaves the address unproven: exit 1, peer-silent.
text=$(lab_exec new "$ARPKIT" announce -I eth0 --peer 2001:db8:1::200 -c 1 --wait 200 -q "$SWAP6_VIP")
t_assert_eq 1 "$?" "a silent --peer makes the exit status 1"
[[ $text == *peer-silent*"peer 2001:db8:1::200 silent"* ]] && t_pass "the silent peer is named" ||
	t_fail "the silent peer is named" "$text"
t_done
