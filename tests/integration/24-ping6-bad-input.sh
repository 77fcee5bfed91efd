#!/bin/bash
# Bad input for an IPv6 TARGET gets one clear line on stderr and exit 2, and not one
# frame leaves (counted at the switch port, once the MLD reports of setup are over).
set -uo pipefail
. "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=tests/integration/20-ping-lib.bash
. "$(dirname "$0")/20-ping-lib.bash"

ping6_lab
# A tentative address and an up interface without IPv6. The kernel's DAD sends its
# one probe at once (router_solicitation_delay 0) and then waits RetransTimer, here 100 s,
# in silence: the address stays tentative while nothing is sent.
lab__run me sysctl -qw net.ipv6.conf.eth0.router_solicitation_delay=0 \
	net.ipv6.neigh.eth0.retrans_time_ms=100000
lab_dad me eth0 1
lab__run me ip -6 addr add 2001:db8:1::8/64 dev eth0
lab__run me ip link add veth-x type veth peer name veth-y
lab__run me sysctl -qw net.ipv6.conf.veth-x.disable_ipv6=1
lab__run me ip link set veth-x up
lab_wait_for 5 quiet_for_300ms lan me || lab_die "me keeps sending after setup"
[[ $(lab_addr6_state me eth0 2001:db8:1::8) == tentative ]] || lab_die "2001:db8:1::8 is not tentative"

check_refused() { # DESC PATTERN CMD...
	t_assert_refused lan me "$@"
}

check_refused "malformed IPv6" "invalid target address '2001:db8::1::2'" \
	"$ARPKIT" ping 2001:db8::1::2
check_refused "an empty zone" "invalid target address '$A_LL%'" "$ARPKIT" ping "$A_LL%"
check_refused "a zone on an IPv4 address" "only an IPv6 address has a %zone" \
	"$ARPKIT" ping 192.0.2.1%eth0
check_refused "link-local without an interface" "$A_LL is link-local: it names no link by itself; give the interface with -I IF or as $A_LL%IF" \
	"$ARPKIT" ping "$A_LL"
check_refused "the zone names no interface" "unknown interface 'nope0'" "$ARPKIT" ping "$A_LL%nope0"
check_refused "-I and the zone disagree" "-I 'veth-x' and the zone of '$A_LL%eth0' name different interfaces" \
	"$ARPKIT" ping -I veth-x "$A_LL%eth0"
check_refused "multicast" "'ff02::1' cannot be asked for with Neighbor Discovery" "$ARPKIT" ping -I eth0 ff02::1
check_refused "unspecified" "'::' cannot be asked for with Neighbor Discovery" "$ARPKIT" ping -I eth0 ::
check_refused "loopback" "'::1' cannot be asked for with Neighbor Discovery" "$ARPKIT" ping ::1
check_refused "IPv4-mapped" "'::ffff:192.0.2.1' cannot be asked for with Neighbor Discovery" \
	"$ARPKIT" ping ::ffff:192.0.2.1
check_refused "-S not held" "-S $FREE6 is not an address of this host; a solicitation from it would point TARGET's neighbour entry for it at this host" \
	"$ARPKIT" ping -S "$FREE6" "$A6"
check_refused "-S link-local of another host" "-S $A_LL is not an address of this host on eth0" \
	"$ARPKIT" ping -S "$A_LL" "$A6"
check_refused "-S global for a link-local target" "-S $ME6 is not link-local" \
	"$ARPKIT" ping -S "$ME6" "$A_LL%eth0"
check_refused "-S of the other family" "invalid source address '192.0.2.5' (TARGET is IPv6: an IPv6 source)" \
	"$ARPKIT" ping -S 192.0.2.5 "$A6"
check_refused "-S multicast" "invalid source address 'ff02::1' (multicast)" "$ARPKIT" ping -S ff02::1 "$A6"
check_refused "-S :: without -D" "-S :: is for -D only" "$ARPKIT" ping -S :: "$A6"
check_refused "-D with a source" "-D probes from :: (RFC 4862); drop -S" "$ARPKIT" ping -D -S "$ME6" "$FREE6"
check_refused "-S tentative" "2001:db8:1::8 is tentative on eth0" "$ARPKIT" ping -S 2001:db8:1::8 "$A6"
check_refused "-U for an address not held" "$A6 is not an address of this host" "$ARPKIT" ping -U "$A6"
check_refused "-A for a tentative address" "2001:db8:1::8 is tentative on eth0" "$ARPKIT" ping -A 2001:db8:1::8
check_refused "off-link target" "$OFFLINK6 is not on a local subnet (routed via $A_LL): Neighbor Discovery only reaches the local link" \
	"$ARPKIT" ping "$OFFLINK6"
check_refused "own address" "$ME6 is an address of this host" "$ARPKIT" ping "$ME6"
check_refused "an interface without IPv6" "interface 'veth-x' has no IPv6 address" \
	"$ARPKIT" ping -I veth-x "$A6"
check_refused "no privileges" "needs CAP_NET_RAW" \
	setpriv --inh-caps=-all --bounding-set=-all -- "$ARPKIT" ping -c 1 "$A6"
t_done
