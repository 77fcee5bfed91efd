#!/bin/bash
# Bad input gets one clear line on stderr and exit 2, and not one frame leaves.
set -uo pipefail
. "$(dirname "$0")/../lab/lab.sh"

lab_init
lab_swap_topology
lab_swap_move
lab_exec new ip link add veth-x type veth peer name veth-y
lab_exec new ip link set veth-x up

check_refused() { # DESC PATTERN CMD...
	t_assert_refused lan new "$@"
}

check_refused "unknown interface" "unknown interface 'nope0'" "$ARPKIT" announce -I nope0
check_refused "loopback" "does not use ARP" "$ARPKIT" announce -I lo 127.0.0.1
check_refused "invalid address" "invalid IPv4 address '192.0.2.300'" \
	"$ARPKIT" announce -I eth0 192.0.2.300
check_refused "address not held" "192.0.2.77 is not configured on eth0" \
	"$ARPKIT" announce -I eth0 192.0.2.77
check_refused "address held on another interface" "is not configured on veth-x" \
	"$ARPKIT" announce -I veth-x "$SWAP_VIP"
check_refused "bad count" "--count '0' is out of range" "$ARPKIT" announce -c 0
check_refused "bad form" "--form 'both-ways'" "$ARPKIT" announce --form both-ways
check_refused "invalid peer" "invalid peer address" "$ARPKIT" announce --peer 1.2.3
check_refused "peer off the link" "peer 198.51.100.1 is on no subnet of eth0" \
	"$ARPKIT" announce -I eth0 --peer 198.51.100.1
check_refused "no privileges" "needs CAP_NET_RAW" \
	setpriv --inh-caps=-all --bounding-set=-all -- "$ARPKIT" announce -I eth0 "$SWAP_VIP"

# --force is the way to announce an address we do not hold, and it does send.
before=$(lab_frames_from lan new)
lab_exec new "$ARPKIT" announce -I eth0 --force --no-verify -c 1 -q 192.0.2.77 >/dev/null
t_assert_exit -m "--force announces an address not held" 0 test "$(lab_frames_from lan new)" -gt "$before"
t_done
