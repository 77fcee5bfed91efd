#!/bin/bash
# arpkit scan over Neighbor Discovery, beside ARP, checked against independent
# references in the same lab: ndisc6 (one NS per target, every answer with -m) for
# explicit targets, and for --localnet the kernel's own neighbour table after
# `ping -6 ff02::1%eth0`. Vendors, a host answering for two addresses, two hosts on
# one address (CONFLICT), -4/-6, JSON, the limits, and the host --localnet cannot
# find (it ignores multicast echo) found when named.
#
#   scan   10.70.0.1/24  2001:db8:70::1/64   02:00:00:00:aa:01
#   pi     10.70.0.10    2001:db8:70::10     b8:27:eb:00:00:10 (a Raspberry Pi prefix)
#   two    10.70.0.20    2001:db8:70::20 and ::21 (one host, two addresses)
#   c1/c2                2001:db8:70::30 on both (00:11:22:00:00:31 / :32): a conflict
#   v4     10.70.0.40    IPv6 off
#   quiet                2001:db8:70::50, net.ipv6.icmp.echo_ignore_multicast=1
# Every IPv6 host has its link-local address too. The switch floods multicast.
set -uo pipefail
# shellcheck source=tests/lab/lab.sh
. "${LAB_LIB:-$(dirname "$0")/../lab/lab.sh}"
: "${ARPKIT:?set ARPKIT to the binary under test}"

command -v ndisc6 >/dev/null || t_skip "ndisc6 is not installed"
command -v tcpdump >/dev/null || t_skip "tcpdump is not installed"
command -v python3 >/dev/null || t_skip "python3 is not installed"
[[ -d /proc/sys/net/ipv6 ]] || t_skip "this kernel has no IPv6"

P=2001:db8:70
lab_init
lab_ipv6 scan pi two c1 c2 quiet
lab_switch lan >/dev/null
ip -n "$LAB_ID-lan" link set br0 type bridge mcast_snooping 0 || lab_die "cannot turn MLD snooping off"
lab_plug scan eth0 lan 02:00:00:00:aa:01
lab_plug pi eth0 lan b8:27:eb:00:00:10
lab_plug two eth0 lan 02:00:00:00:00:20
lab_plug c1 eth0 lan 00:11:22:00:00:31
lab_plug c2 eth0 lan 00:11:22:00:00:32
lab_plug v4 eth0 lan 02:00:00:00:00:40
lab_plug quiet eth0 lan 02:00:00:00:00:50
lab__run scan ip addr add 10.70.0.1/24 dev eth0
lab__run scan ip -6 addr add "$P::1/64" dev eth0
lab__run pi ip addr add 10.70.0.10/24 dev eth0
lab__run pi ip -6 addr add "$P::10/64" dev eth0
lab__run two ip addr add 10.70.0.20/24 dev eth0
lab__run two ip -6 addr add "$P::20/64" dev eth0
lab__run two ip -6 addr add "$P::21/64" dev eth0
lab__run c1 ip -6 addr add "$P::30/64" dev eth0
lab__run c2 ip -6 addr add "$P::30/64" dev eth0
lab__run v4 ip addr add 10.70.0.40/24 dev eth0
lab__run quiet ip -6 addr add "$P::50/64" dev eth0
lab__run quiet sysctl -qw net.ipv6.icmp.echo_ignore_multicast=1

out=$LAB_TMP/out err=$LAB_TMP/err
scan() {
	status=0
	lab_exec scan "$ARPKIT" scan -I eth0 --timeout 200 --retry 1 "$@" >"$out" 2>"$err" || status=$?
}
pairs() { cut -f1,2 "$1" | tr '\t' ' ' | LC_ALL=C sort -u; }
# The link-local address a host's kernel made for itself.
link_local() { lab_exec "$1" ip -6 -o addr show dev eth0 scope link | awk '{ sub("/.*", "", $4); print $4 }'; }

ll_pi=$(link_local pi) ll_two=$(link_local two) ll_quiet=$(link_local quiet)
[[ -n $ll_pi && -n $ll_two && -n $ll_quiet ]] || lab_die "the hosts have no link-local address"

# The reference for explicit targets: ndisc6 asks each one, and prints every MAC that
# answers (-m), exit 0 when one did.
targets=("$P::1:1" "$P::10" "$P::20" "$P::21" "$P::30" "$P::50" "$P::99" "$ll_pi")
check_explicit_targets() {
	local t mac ref=$LAB_TMP/ref
	: >"$ref"
	for t in "${targets[@]}"; do
		lab_exec scan ndisc6 -q -m -r 2 -w 300 "$t" eth0 2>/dev/null | while read -r mac; do
			echo "$t ${mac,,}"
		done >>"$ref"
	done
	LC_ALL=C sort -u -o "$ref" "$ref"
	# The lab first: ndisc6 sees the conflict and the host with two addresses.
	t_assert_eq 2 "$(grep -c "^$P::30 " "$ref")" "the lab: ndisc6 gets two MACs for $P::30"
	t_assert_eq "02:00:00:00:00:20 02:00:00:00:00:20" "$(grep -E "^$P::2[01] " "$ref" | cut -d' ' -f2 | tr '\n' ' ' | sed 's/ $//')" \
		"the lab: ndisc6 gets one host's MAC for $P::20 and ::21"
	printf '%s\n' "${targets[@]}" >"$LAB_TMP/targets6"
	scan -f "$LAB_TMP/targets6"
	t_assert_eq 0 "$status" "scan of explicit IPv6 targets exits 0"
	if diff <(pairs "$out") "$ref" >"$LAB_TMP/diff"; then
		t_pass "scan finds the same (address, MAC) pairs as ndisc6 for every target ($(wc -l <"$ref") pairs)"
	else
		t_fail "scan finds the same (address, MAC) pairs as ndisc6 for every target" "$(cat "$LAB_TMP/diff")"
	fi
	t_assert_eq "$P::10	b8:27:eb:00:00:10	Raspberry Pi Foundation" "$(grep "^$P::10	" "$out")" \
		"an IPv6 line: RFC 5952 address, MAC, vendor"
	t_assert_eq 2 "$(grep -c "^$P::30	.*	CONFLICT$" "$out")" "both holders of $P::30 are flagged CONFLICT"
	t_assert_eq 0 "$(grep -E "^$P::2[01]	" "$out" | grep -c CONFLICT)" \
		"one host answering for two addresses is no conflict"
	grep -q "^arpkit scan: 8 targets (0 IPv4, 8 IPv6) on eth0, 6 responders, 1 conflict" "$err" &&
		t_pass "the summary counts IPv6 targets, responders and the conflict" ||
		t_fail "the summary counts IPv6 targets, responders and the conflict" "$(cat "$err")"
}

# Both families in one run, IPv4 lines first; ranges and blocks; JSON.
check_both_families() {
	scan 10.70.0.8-10.70.0.12 "$P::8-$P::12" 10.70.0.20 "$P::20/127"
	t_assert_eq "10.70.0.10 10.70.0.20 $P::10 $P::20 $P::21" "$(cut -f1 "$out" | tr '\n' ' ' | sed 's/ $//')" \
		"IPv4 and IPv6 targets in one scan, sorted, IPv4 first"
	scan --json 10.70.0.10 "$P::30" "$P::10"
	if python3 - "$out" "$P" <<'EOF'; then
import json, sys
p = sys.argv[2]
rows = [json.loads(line) for line in open(sys.argv[1])]
assert [(r["ip"], r["family"]) for r in rows] == [
    ("10.70.0.10", "ipv4"), (p + "::10", "ipv6"), (p + "::30", "ipv6"), (p + "::30", "ipv6")], rows
for r in rows:
    assert set(r) == {"ip", "mac", "vendor", "rtt_ms", "conflict", "family"}, r
    assert r["conflict"] == (r["ip"] == p + "::30"), r
    assert isinstance(r["rtt_ms"], float) and 0 <= r["rtt_ms"] < 1000, r
EOF
		t_pass "--json: family ipv4/ipv6, the same fields, the conflict flagged"
	else
		t_fail "--json: family ipv4/ipv6, the same fields, the conflict flagged" "$(cat "$out")"
	fi
}

# What goes on the wire: an NS to each target's solicited-node group, hop limit 255,
# from our address with our MAC as source link-layer option.
check_wire() {
	scan --write "$LAB_TMP/ns.pcap" "$P::99"
	if tcpdump -r "$LAB_TMP/ns.pcap" -nn -vv 2>/dev/null | grep -A1 "$P::1 > ff02::1:ff00:99" |
		grep -q "hlim 255\|who has $P::99"; then
		t_pass "the NS goes from $P::1 to ff02::1:ff00:99 (tcpdump reads the pcap)"
	else
		t_fail "the NS goes from $P::1 to ff02::1:ff00:99" "$(tcpdump -r "$LAB_TMP/ns.pcap" -nn -vv 2>&1 | head -6)"
	fi
	t_assert_eq 2 "$(tcpdump -r "$LAB_TMP/ns.pcap" -nn 2>/dev/null | grep -c "neighbor solicitation, who has $P::99")" \
		"a silent IPv6 target is asked retries + 1 times"
}

# --localnet: the reference is the scanner's own neighbour table after a ping to
# all-nodes; every entry it learns must be found with the same MAC.
check_localnet() {
	local ref=$LAB_TMP/neigh
	# Every cache empty, so each host that answers must ask for the scanner's MAC
	# first: its solicitation is what the scanner's kernel learns it from.
	for role in scan pi two c1 c2 quiet; do
		lab__run "$role" ip -6 neigh flush dev eth0
	done
	lab_exec scan ping -6 -c 2 -i 0.3 -W 1 "ff02::1%eth0" >/dev/null 2>&1
	sleep 0.3
	lab_exec scan ip -6 neigh show dev eth0 | awk '$2 == "lladdr" && $0 !~ /FAILED|INCOMPLETE/ { print $1, $3 }' |
		LC_ALL=C sort -u >"$ref"
	t_assert_eq "$ll_pi b8:27:eb:00:00:10" "$(grep "^$ll_pi " "$ref")" \
		"the lab: ping -6 ff02::1 teaches the kernel pi's link-local address"
	t_assert_eq "" "$(grep "^$ll_quiet " "$ref")" \
		"the lab: the host ignoring multicast echo stays unknown to the kernel"
	scan --localnet
	t_assert_eq 0 "$status" "scan --localnet exits 0"
	pairs "$out" >"$LAB_TMP/ours"
	if [[ -z $(LC_ALL=C comm -23 "$ref" "$LAB_TMP/ours") ]]; then
		t_pass "--localnet finds every neighbour the kernel learned, with its MAC ($(wc -l <"$ref") entries)"
	else
		t_fail "--localnet finds every neighbour the kernel learned, with its MAC" \
			"missing: $(LC_ALL=C comm -23 "$ref" "$LAB_TMP/ours" | tr '\n' ',')"
	fi
	for want in "10.70.0.10 b8:27:eb:00:00:10" "10.70.0.40 02:00:00:00:00:40" \
		"$P::10 b8:27:eb:00:00:10" "$ll_two 02:00:00:00:00:20" "$P::30 00:11:22:00:00:31" \
		"$P::30 00:11:22:00:00:32"; do
		grep -qxF "$want" "$LAB_TMP/ours" && t_pass "--localnet finds $want" ||
			t_fail "--localnet finds $want" "$(cat "$out")"
	done
	t_assert_eq "" "$(grep -E "^($ll_quiet|$P::50) " "$LAB_TMP/ours")" \
		"--localnet misses the host that ignores multicast echo (as the man page says)"
	t_assert_eq "" "$(grep -E "^($P::1|10.70.0.1|fe80::ff:fe00:aa01) " "$LAB_TMP/ours")" \
		"--localnet does not list the scanner itself"
	grep -q "on eth0.*IPv6 discovery: [0-9]* echo replies" "$err" &&
		t_pass "the summary tells what discovery heard" || t_fail "the summary tells what discovery heard" "$(cat "$err")"
	scan -6 --localnet
	t_assert_eq "" "$(cut -f1 "$out" | grep -v :)" "-6 --localnet: IPv6 lines only"
	scan -4 --localnet
	t_assert_eq "10.70.0.10 10.70.0.20 10.70.0.40" "$(cut -f1 "$out" | tr '\n' ' ' | sed 's/ $//')" \
		"-4 --localnet: the IPv4 subnet only"
	# Named, the quiet host answers its NS like any other.
	scan "$P::50" "$ll_quiet"
	t_assert_eq "$P::50 02:00:00:00:00:50,$ll_quiet 02:00:00:00:00:50" \
		"$(pairs "$out" | tr '\n' ',' | sed 's/,$//')" "the quiet host is found when its addresses are targets"
}

check_refusals() {
	t_assert_refused lan scan "a /64" "at most 65,536 addresses (a /112); --localnet finds" \
		"$ARPKIT" scan -I eth0 "$P::/64"
	t_assert_refused lan scan "a multicast target" "no neighbour holds it" "$ARPKIT" scan -I eth0 ff02::1
	t_assert_refused lan scan "-4 with an IPv6 target" "-4, but IPv6 targets are given" \
		"$ARPKIT" scan -I eth0 -4 "$P::10"
	t_assert_refused lan v4 "IPv6 targets where the interface has no IPv6" \
		"has no IPv6 address ready to send a Neighbor Solicitation" "$ARPKIT" scan -I eth0 "$P::10"
	t_assert_refused lan v4 "-6 --localnet without IPv6" "no IPv6 address ready to send from" \
		"$ARPKIT" scan -I eth0 -6 --localnet
}

check_explicit_targets
check_both_families
check_wire
check_localnet
check_refusals
t_done
