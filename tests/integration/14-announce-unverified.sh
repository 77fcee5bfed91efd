#!/bin/bash
# Nothing to verify through is not success. The swap behind a router that drops
# gratuitous ARP and keeps its entries for hours, and the new server has no gateway
# route: `arpkit announce` has no default peer. Its gratuitous ARP changes nothing
# on that router, so the address stays dark; the announce must say `unverified`,
# exit 1 and tell how to get a proof, and `--peer ROUTER` must then prove it (the
# router's own table maps the new MAC).
set -uo pipefail
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/10-announce-lab.bash"

lab_init
swap_moved
lab_router_drop_garp router eth0
lab__run new ip route del default

# The fault as operators met it: announce runs, the router still sends to the old MAC.
for ip in "$SWAP_PRIMARY" "$SWAP_VIP"; do
	t_assert_eq "$SWAP_OLD_MAC" "$(lab_neigh_mac router "$ip")" "before: router maps $ip to old"
done
out=$LAB_TMP/out err=$LAB_TMP/err status=0
lab_exec new "$ARPKIT" announce -I eth0 --json -c 2 -i 200 --wait 300 >"$out" 2>"$err" || status=$?
for ip in "$SWAP_PRIMARY" "$SWAP_VIP"; do
	t_assert_eq "$SWAP_OLD_MAC" "$(lab_neigh_mac router "$ip")" \
		"after the announce the router still maps $ip to old (the lab reproduces the fault)"
done
t_assert_exit -m "and $SWAP_VIP is still dark from the client" 1 \
	lab_exec client ping -c1 -W1 -q "$SWAP_VIP"

# What announce says about it now.
t_assert_eq 1 "$status" "announce exits 1: nothing proved the move"
t_assert_eq 2 "$(grep -c '"result":"unverified"' "$out")" "both addresses are reported unverified"
t_assert_eq 0 "$(grep -c '"result":"sent"' "$out")" "none is reported sent"
t_assert_eq 1 "$(grep -c 'unverified on eth0: no peer to prove them through; add --peer ROUTER' "$err")" \
	"one stderr line says how to get a proof"
grep -q '2 addresses: 0 confirmed, 0 unconfirmed, 0 peer-silent, 2 unverified, 0 sent; 0 in conflict' "$err" &&
	t_pass "the summary counts every result kind" ||
	t_fail "the summary counts every result kind" "$(cat "$err")"
t_assert_eq 2 "$(wc -l <"$err")" "stderr holds the hint and the summary, nothing else"

# Text form, quiet: the result is on the line, the hint still on stderr.
text=$(lab_exec new "$ARPKIT" announce -I eth0 -q -c 1 --wait 100 "$SWAP_VIP" 2>"$err")
[[ $text == "$SWAP_VIP"*eth0*unverified* ]] && t_pass "the text line says unverified" ||
	t_fail "the text line says unverified" "$text"
t_assert_eq 1 "$(wc -l <"$err")" "with -q only the hint is on stderr"

# --no-verify asks for no proof: sent, exit 0, no hint; and still nothing changed.
t_assert_exit -m "--no-verify exits 0" 0 \
	lab_exec new "$ARPKIT" announce -I eth0 --no-verify -c 1 "$SWAP_VIP" >"$out" 2>"$err"
[[ $(cat "$out") == "$SWAP_VIP"*eth0*sent* ]] && t_pass "--no-verify reports sent" ||
	t_fail "--no-verify reports sent" "$(cat "$out")"
t_assert_eq 0 "$(grep -c 'no peer to prove' "$err")" "--no-verify prints no hint"
grep -q '1 address: 0 confirmed, 0 unconfirmed, 0 peer-silent, 0 unverified, 1 sent;' "$err" &&
	t_pass "--no-verify's summary counts it as sent" ||
	t_fail "--no-verify's summary counts it as sent" "$(cat "$err")"
t_assert_eq "$SWAP_OLD_MAC" "$(lab_neigh_mac router "$SWAP_VIP")" "--no-verify did not move the router either"

# The hint followed: the router as peer proves both, and its table says so.
t_assert_exit -m "with --peer ROUTER announce exits 0" 0 \
	lab_exec new "$ARPKIT" announce -I eth0 --peer "$SWAP_GW" --json -q >"$out" 2>"$err"
t_assert_eq 2 "$(grep -c "\"result\":\"confirmed\",.*\"peer\":\"$SWAP_GW\",\"peer_mac\":\"$SWAP_ROUTER_MAC\",\"confirmed\":true" "$out")" \
	"both addresses confirmed through the router"
t_assert_eq 0 "$(wc -c <"$err")" "no hint once there is a peer"
for ip in "$SWAP_PRIMARY" "$SWAP_VIP"; do
	t_assert_eq "$SWAP_NEW_MAC" "$(lab_neigh_mac router "$ip")" "the router now maps $ip to the new MAC"
done
cat "$out"
t_done
