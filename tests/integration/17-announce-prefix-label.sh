#!/bin/bash
# What a new user pastes from `ip addr`: ADDR/PREFIX, and the label eth0:vip. Both
# are understood (the prefix checked against the one configured, the label taken
# as its device and, without addresses, as its addresses), and each mistake is
# refused with one line that says what to give instead, exit 2, and not one frame.
set -uo pipefail
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/10-announce-lab.bash"

lab_init
swap_moved

# The lab reproduces the fault: the moved VIP is dark, the router maps the old MAC.
t_assert_exit -m "after the move $SWAP_VIP is dark" 1 lab_exec client ping -c1 -W1 -q "$SWAP_VIP"
t_assert_eq "$SWAP_OLD_MAC" "$(lab_neigh_mac router "$SWAP_VIP")" "router maps $SWAP_VIP to old"

# ADDR/PREFIX as `ip addr` shows it.
out=$LAB_TMP/out status=0
lab_exec new "$ARPKIT" announce -I eth0 --json -q "$SWAP_VIP/24" >"$out" || status=$?
t_assert_eq 0 "$status" "$SWAP_VIP/24 is accepted (exit 0)"
t_assert_eq 1 "$(grep -c "\"address\":\"$SWAP_VIP\",.*\"result\":\"confirmed\"" "$out")" \
	"$SWAP_VIP/24 is announced as $SWAP_VIP and confirmed"
t_assert_eq "$SWAP_NEW_MAC" "$(lab_neigh_mac router "$SWAP_VIP")" "the router maps $SWAP_VIP to new"
t_assert_exit -m "the client reaches $SWAP_VIP" 0 lab_exec client ping -c1 -W1 -q "$SWAP_VIP"

# -I eth0:vip: the label's device, and only the label's address. The router is
# given the old MAC back for both addresses, as after another failover.
for ip in "$SWAP_PRIMARY" "$SWAP_VIP"; do
	lab__run router ip neigh replace "$ip" lladdr "$SWAP_OLD_MAC" dev eth0 nud reachable
done
status=0
lab_exec new "$ARPKIT" announce -I eth0:vip --json -q >"$out" || status=$?
t_assert_eq 0 "$status" "-I eth0:vip is accepted (exit 0)"
t_assert_eq 1 "$(grep -c '"result":' "$out")" "-I eth0:vip announces one address"
t_assert_eq 1 "$(grep -c "\"address\":\"$SWAP_VIP\",\"interface\":\"eth0\",.*\"result\":\"confirmed\"" "$out")" \
	"-I eth0:vip announces $SWAP_VIP on eth0, confirmed"
t_assert_eq "$SWAP_NEW_MAC" "$(lab_neigh_mac router "$SWAP_VIP")" "the router maps $SWAP_VIP to new"
t_assert_eq "$SWAP_OLD_MAC" "$(lab_neigh_mac router "$SWAP_PRIMARY")" \
	"the primary, not labelled eth0:vip, was left alone"
status=0
lab_exec new "$ARPKIT" announce -I eth0:vip --json -q "$SWAP_PRIMARY/24" >"$out" || status=$?
t_assert_eq 0 "$status" "-I eth0:vip with an address of eth0 is accepted (exit 0)"
t_assert_eq "$SWAP_NEW_MAC" "$(lab_neigh_mac router "$SWAP_PRIMARY")" "the router maps $SWAP_PRIMARY to new"

# An address not held has no prefix here to compare: with --force, any is taken.
t_assert_exit -m "--force with an address not held and a /32 exits 0" 0 \
	lab_exec new "$ARPKIT" announce -I eth0 --force --no-verify --no-probe -c 1 -q 192.0.2.77/32

# The refusals: one line, exit 2, nothing sent.
check_refused() { # DESC PATTERN CMD...
	t_assert_refused lan new "$@"
}
check_refused "prefix other than the configured one" \
	"'$SWAP_VIP/25': the prefix is /24 on eth0 ($SWAP_VIP/24); give $SWAP_VIP or $SWAP_VIP/24" \
	"$ARPKIT" announce -I eth0 "$SWAP_VIP/25"
check_refused "prefix mismatch without -I" "the prefix is /24 on eth0" \
	"$ARPKIT" announce "$SWAP_PRIMARY/16"
check_refused "prefix out of range" "invalid IPv4 address '$SWAP_VIP/33'" \
	"$ARPKIT" announce -I eth0 "$SWAP_VIP/33"
check_refused "empty prefix" "invalid IPv4 address '$SWAP_VIP/'" \
	"$ARPKIT" announce -I eth0 "$SWAP_VIP/"
check_refused "a label no address carries" \
	"no address carries the label 'eth0:gone'; to announce on its device, use -I eth0" \
	"$ARPKIT" announce -I eth0:gone
check_refused "a label no address carries, with an address" "no address carries the label 'eth0:gone'" \
	"$ARPKIT" announce -I eth0:gone "$SWAP_VIP"
check_refused "a label on an unknown device" "unknown interface 'nope0:vip'" \
	"$ARPKIT" announce -I nope0:vip
check_refused "a label, an address not held" "192.0.2.77 is not configured on eth0:vip" \
	"$ARPKIT" announce -I eth0:vip 192.0.2.77/24
t_done
