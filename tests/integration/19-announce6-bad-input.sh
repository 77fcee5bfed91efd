#!/bin/bash
# Bad IPv6 input gets one clear line on stderr and exit 2, and not one frame leaves
# (counted at the switch port, once the MLD reports of setup are over).
set -uo pipefail
. "$(dirname "$0")/../lab/lab.sh"

[[ -d /proc/sys/net/ipv6 ]] || t_skip "this kernel has no IPv6"

lab_init
lab_swap6_topology
lab_swap6_move
# An up interface without IPv6.
lab__run new ip link add veth-x type veth peer name veth-y
lab__run new sysctl -qw net.ipv6.conf.veth-x.disable_ipv6=1
lab__run new ip link set veth-x up

# shellcheck disable=SC2317  # called through lab_wait_for
quiet_for_300ms() {
	local before
	before=$(lab_frames_from lan new)
	sleep 0.3
	[[ $(lab_frames_from lan new) == "$before" ]]
}
lab_wait_for 5 quiet_for_300ms || lab_die "new keeps sending after setup"

check_refused() { # DESC PATTERN CMD...
	t_assert_refused lan new "$@"
}

check_refused "malformed IPv6" "invalid IPv6 address '2001:db8::1::2'" \
	"$ARPKIT" announce -I eth0 2001:db8::1::2
check_refused "IPv6 prefix out of range" "invalid IPv6 address '$SWAP6_VIP/129'" \
	"$ARPKIT" announce -I eth0 "$SWAP6_VIP/129"
check_refused "a terminal escape in an address is shown escaped" "invalid IPv6 address '2001:db8::1.x1b.2J'" \
	"$ARPKIT" announce -I eth0 $'2001:db8::1\e[2J'
check_refused "a zone is not an address" "invalid IPv6 address 'fe80::ff:fe00:20%eth0'" \
	"$ARPKIT" announce fe80::ff:fe00:20%eth0
check_refused "link-local without an interface" "'fe80::ff:fe00:20' is link-local: it names no link by itself; give its interface with -I" \
	"$ARPKIT" announce fe80::ff:fe00:20
check_refused "multicast" "'ff02::1' is not a unicast address" \
	"$ARPKIT" announce -I eth0 ff02::1
check_refused "unspecified" "'::' is not a unicast address" "$ARPKIT" announce -I eth0 ::
check_refused "address not held" "2001:db8:1::77 is not configured on eth0" \
	"$ARPKIT" announce -I eth0 2001:db8:1::77
check_refused "held, another prefix" "the prefix is /64 on eth0 ($SWAP6_VIP/64)" \
	"$ARPKIT" announce -I eth0 "$SWAP6_VIP/48"
check_refused "-4 with an IPv6 address" "'$SWAP6_VIP' is an IPv6 address, and -4 asks for IPv4 alone" \
	"$ARPKIT" announce -4 -I eth0 "$SWAP6_VIP"
check_refused "-6 and no IPv6 address" "no IPv6 address on veth-x to announce" \
	"$ARPKIT" announce -6 -I veth-x
check_refused "link-local peer without an interface" "peer fe80::1 is link-local" \
	"$ARPKIT" announce --peer fe80::1 "$SWAP6_VIP"
check_refused "multicast peer" "peer ff02::2 is not a unicast address" \
	"$ARPKIT" announce -I eth0 --peer ff02::2 "$SWAP6_VIP"
check_refused "peer off the link" "peer 2001:db8:9::1 is on no subnet of eth0" \
	"$ARPKIT" announce -I eth0 --peer 2001:db8:9::1 "$SWAP6_VIP"
check_refused "invalid peer" "invalid peer address '2001:db8::g'" \
	"$ARPKIT" announce --peer 2001:db8::g
check_refused "bad --dad-wait" "--dad-wait 'soon' is not a number" \
	"$ARPKIT" announce --dad-wait soon
# --form request sends no NA: an IPv6 address with no peer to solicit would be told
# to nobody. The NS-only form needs a router or --peer.
lab__run new ip -6 route del default via "$SWAP6_GW_LL" dev eth0
check_refused "--form request without an IPv6 peer" "--form request sends no Neighbor Advertisement" \
	"$ARPKIT" announce -I eth0 --form request "$SWAP6_VIP"
check_refused "no privileges" "needs CAP_NET_RAW" \
	setpriv --inh-caps=-all --bounding-set=-all -- "$ARPKIT" announce -I eth0 "$SWAP6_VIP"
t_done
