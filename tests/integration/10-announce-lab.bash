# shellcheck shell=bash
# What the announce tests share beyond tests/lab/lab.sh: the swap with the router's
# entries learned first, and a capture at a switch port, so a test counts and
# decodes the frames that really went on the wire.
#
#   swap_moved                 # lab_swap_topology, router learns old, lab_swap_move
#   swap6_moved                # the same for IPv6 (lab_swap6_topology, lab_swap6_move)
#   cap_start lan new          # tcpdump on lan's port p-new, everything new sends
#   lab_exec new "$ARPKIT" announce ...
#   cap_stop
#   cap_count 'arp[6:2] = 1'   # frames from new matching a BPF filter
#
# tcpdump runs in the switch's namespace (it sends nothing); the capture file lives
# in LAB_TMP and is read back with tcpdump -r, which touches no network.

# swap_moved: the swap lab after the move, with the router's entries for both
# addresses learned from the old server first (the client reached both), so the
# router holds the old MAC the test must see replaced.
swap_moved() {
	local ip
	lab_swap_topology
	for ip in "$SWAP_PRIMARY" "$SWAP_VIP"; do
		lab_wait_for 5 lab_exec client ping -c1 -W1 -q "$ip" >/dev/null ||
			lab_die "the client cannot reach $ip before the move"
	done
	lab_swap_move
}

# need_ipv6_capture: skips the test where an IPv6 lab with captures cannot run.
need_ipv6_capture() {
	command -v tcpdump >/dev/null || t_skip "tcpdump is not installed"
	[[ -d /proc/sys/net/ipv6 ]] || t_skip "this kernel has no IPv6"
}

# swap6_moved: the IPv6 swap lab after the move; the router (drop_unsolicited_na=1)
# learned both addresses from the old server first.
swap6_moved() {
	local ip
	lab_swap6_topology
	for ip in "$SWAP6_PRIMARY" "$SWAP6_VIP"; do
		lab_wait_for 5 lab_exec client ping -6 -c1 -W1 -q "$ip" >/dev/null ||
			lab_die "the client cannot reach $ip before the move"
	done
	lab_swap6_move
}

# cap_start SWITCH ROLE: starts capturing what ROLE sends into SWITCH (its port).
cap_start() {
	local switch=${1:?usage: cap_start SWITCH ROLE} role=${2:?usage: cap_start SWITCH ROLE}
	CAP_FILE=$LAB_TMP/cap-$role-$RANDOM.pcap
	CAP_MAC=$(lab_mac "$role" eth0)
	lab_bg "$switch" tcpdump -i "p-$role" -n -U --immediate-mode -w "$CAP_FILE" 2>"$CAP_FILE.err"
	CAP_PID=$LAB_BG_PID
	lab_wait_for 5 grep -q "listening on" "$CAP_FILE.err" ||
		lab_die "tcpdump did not start on $switch/p-$role: $(cat "$CAP_FILE.err")"
}

# cap_stop: ends the capture once the last frames are written (--immediate-mode
# hands each frame over at once, -U writes it), and checks that tcpdump wrote every
# frame its filter took: a capture that lost frames proves nothing.
cap_stop() {
	local captured received
	sleep 0.3
	kill -TERM "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
	captured=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured$/\1/p' "$CAP_FILE.err")
	received=$(sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter$/\1/p' "$CAP_FILE.err")
	[[ -n $captured && $captured == "$received" ]] ||
		lab_die "the capture lost frames: $(tr '\n' ' ' <"$CAP_FILE.err")"
}

# cap_read [TCPDUMP_ARGS...] [FILTER]: the captured frames sent by the role, decoded.
cap_read() {
	local filter="ether src $CAP_MAC"
	if (($#)) && [[ ${!#} != -* ]]; then
		filter="$filter and (${!#})"
		set -- "${@:1:$#-1}"
	fi
	tcpdump -r "$CAP_FILE" -n "$@" "$filter" 2>/dev/null
}

# cap_count [FILTER]: how many frames the role sent that match FILTER.
cap_count() {
	cap_read "$@" | grep -c '^[0-9]'
}

# BPF filters for the frames of an announce (offsets into the ARP header).
ARP_REQUEST='arp[6:2] = 1'
ARP_REPLY='arp[6:2] = 2'
# sender protocol address = target protocol address: a gratuitous frame
ARP_GRATUITOUS='arp[14:4] = arp[24:4]'
ARP_THA_ZERO='arp[18:4] = 0 and arp[22:2] = 0'
ARP_THA_BROADCAST='arp[18:4] = 0xffffffff and arp[22:2] = 0xffff'
# garp_requests_for IP: the filter of gratuitous requests for IP
garp_requests_for() {
	echo "arp and $ARP_REQUEST and $ARP_GRATUITOUS and arp[24:4] = $(ip_hex "$1")"
}
garp_replies_for() {
	echo "arp and $ARP_REPLY and $ARP_GRATUITOUS and arp[24:4] = $(ip_hex "$1")"
}
# directed_requests PEER ADDR: "who-has PEER tell ADDR"
directed_requests() {
	echo "arp and $ARP_REQUEST and arp[24:4] = $(ip_hex "$1") and arp[14:4] = $(ip_hex "$2")"
}
ip_hex() {
	local IFS=.
	# shellcheck disable=SC2086  # split the dotted quad
	printf '0x%02x%02x%02x%02x' $1
}

# Neighbor Discovery and ICMPv6 as BPF filters. arpkit's frames carry no extension
# header, so the ICMPv6 type is the byte after the IPv6 header; ip6[4:2] is the
# payload length (24 for an NS without options, 32 with one option).
ND_NS='icmp6 and ip6[40] = 135'
ND_NA='icmp6 and ip6[40] = 136'
ECHO6_REQUEST='icmp6 and ip6[40] = 128'
ND_DAD_PROBE="$ND_NS and ip6[8:4] = 0 and ip6[12:4] = 0 and ip6[16:4] = 0 and ip6[20:4] = 0"

# nd_lines tgt|src ADDR FILTER: the captured frames the role sent that match FILTER,
# decoded (-tt -vv, one line per frame with its options joined to it), about ADDR:
# tgt, an NA or NS whose target is ADDR ("tgt is ADDR", "who has ADDR"); src, a
# frame from ADDR.
nd_lines() {
	local kind=$1 addr=$2 filter=$3
	cap_read -tt -vv "$filter" | awk -v kind="$kind" -v addr="$addr" '
		function about(l) {
			if (kind == "src")
				return index(l, " " addr " > ") > 0
			return index(l, "tgt is " addr ",") > 0 || index(l " ", "who has " addr " ") > 0
		}
		/^[0-9]/ { if (line != "" && about(line)) print line; line = $0; next }
		{ line = line " " $0 }
		END { if (line != "" && about(line)) print line }'
}

# first_time LINES: the capture time (seconds since the epoch) of the first line.
first_time() {
	awk 'NR == 1 { print $1 }' <<<"$1"
}
