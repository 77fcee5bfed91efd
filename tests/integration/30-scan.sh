#!/bin/bash
# arpkit scan on a switched lab: the same (IP, MAC) pairs as arp-scan, including a
# namespace that answers for a whole /23; vendors and the --vendor filter; two
# hosts on one address flagged as a conflict; targets at the edges; a target file
# with bad lines; JSON, --stream and --write; only silent targets retried.
#
#   scan   10.50.0.1/16    02:00:00:00:aa:01 (default route via eth0)
#   pi     10.50.0.10      b8:27:eb:12:34:56 (a Raspberry Pi prefix)
#   blk    10.50.0.20      02:00:00:00:bb:01, and every address of 10.50.2.0/23
#   c1/c2  10.50.0.30      00:11:22:00:00:01 / 00:11:22:00:00:02 (a conflict)
set -uo pipefail
# shellcheck source=tests/lab/lab.sh
. "${LAB_LIB:-$(dirname "$0")/../lab/lab.sh}"
: "${ARPKIT:?set ARPKIT to the binary under test}"

command -v arp-scan >/dev/null || t_skip "arp-scan is not installed"
command -v tcpdump >/dev/null || t_skip "tcpdump is not installed"

lab_init
lab_raise_neigh_limits
lab_switch lan >/dev/null
lab_plug scan eth0 lan 02:00:00:00:aa:01
lab_plug pi eth0 lan b8:27:eb:12:34:56
lab_plug blk eth0 lan 02:00:00:00:bb:01
lab_plug c1 eth0 lan 00:11:22:00:00:01
lab_plug c2 eth0 lan 00:11:22:00:00:02
lab__run scan ip addr add 10.50.0.1/16 dev eth0
lab__run scan ip route add default via 10.50.0.254 dev eth0
lab__run pi ip addr add 10.50.0.10/16 dev eth0
lab__run blk ip addr add 10.50.0.20/16 dev eth0
lab__run blk ip route add local 10.50.2.0/23 dev lo table local
lab__run c1 ip addr add 10.50.0.30/16 dev eth0
lab__run c2 ip addr add 10.50.0.30/16 dev eth0

out=$LAB_TMP/out err=$LAB_TMP/err
FAST=(--timeout 150 --retry 1)

# scan ARGS...: runs arpkit scan in the scanner namespace; stdout in $out,
# stderr in $err, the exit status in $status.
scan() {
	status=0
	lab_exec scan "$ARPKIT" scan "$@" >"$out" 2>"$err" || status=$?
}

pairs() { cut -f1,2 "$1" | LC_ALL=C sort -u; }

check_same_as_arp_scan() {
	local ours=$LAB_TMP/ours theirs=$LAB_TMP/theirs
	scan -I eth0 --retry 3 10.50.0.0/22
	t_assert_eq 0 "$status" "scan of 10.50.0.0/22 exits 0"
	pairs "$out" >"$ours"
	lab_exec scan arp-scan -I eth0 -q -x --retry 3 10.50.0.0/22 >"$LAB_TMP/as.raw" 2>/dev/null
	pairs "$LAB_TMP/as.raw" >"$theirs"
	t_assert_eq 516 "$(wc -l <"$ours")" "scan finds 512 block addresses, pi, blk and both conflict holders"
	if diff -q "$ours" "$theirs" >/dev/null; then
		t_pass "scan and arp-scan find the same (IP, MAC) pairs"
	else
		t_fail "scan and arp-scan find the same (IP, MAC) pairs" \
			"$(diff "$ours" "$theirs" | head -5 | tr '\n' ' ')"
	fi
	t_assert_eq "10.50.0.10 10.50.0.20 10.50.0.30 10.50.0.30 10.50.2.0" \
		"$(head -5 "$out" | cut -f1 | tr '\n' ' ' | sed 's/ $//')" "output is sorted by address"
	t_assert_eq "10.50.3.255" "$(tail -1 "$out" | cut -f1)" "the block's last address answered"
	grep -q "1024 targets on eth0, 515 responders, 1 conflict" "$err" &&
		t_pass "summary counts targets, responders and conflicts" ||
		t_fail "summary counts targets, responders and conflicts" "$(cat "$err")"
}

check_vendors() {
	scan "${FAST[@]}" 10.50.0.0/27
	t_assert_eq "10.50.0.10	b8:27:eb:12:34:56	Raspberry Pi Foundation" \
		"$(grep '^10.50.0.10	' "$out")" "a Raspberry Pi prefix is named"
	t_assert_eq "(locally administered)" "$(grep '^10.50.0.20	' "$out" | cut -f3)" \
		"a locally administered MAC says so"
	scan "${FAST[@]}" --vendor rASPberry 10.50.0.0/27
	t_assert_eq "10.50.0.10" "$(cut -f1 "$out" | tr '\n' ' ' | sed 's/ $//')" \
		"--vendor keeps only matching replies, in any case"
	grep -q "3 responders (1 shown)" "$err" && t_pass "the summary tells how many were shown" ||
		t_fail "the summary tells how many were shown" "$(cat "$err")"
	printf '# lab\n02:00:00:00:bb:01/48 block-host\n' >"$LAB_TMP/vendors"
	scan "${FAST[@]}" --vendor-file "$LAB_TMP/vendors" 10.50.0.20
	t_assert_eq "block-host" "$(cut -f3 "$out")" "--vendor-file overrides the registry"
	printf 'zz:zz nonsense\n' >"$LAB_TMP/badvendors"
	scan "${FAST[@]}" --vendor-file "$LAB_TMP/badvendors" 10.50.0.20
	t_assert_eq 2 "$status" "a bad vendor file is an error"
}

check_conflict() {
	scan "${FAST[@]}" 10.50.0.29-10.50.0.31
	t_assert_eq 2 "$(grep -c '^10.50.0.30	.*	CONFLICT$' "$out")" "both holders of 10.50.0.30 are flagged"
	t_assert_eq "00:11:22:00:00:01 00:11:22:00:00:02" \
		"$(cut -f2 "$out" | sort | tr '\n' ' ' | sed 's/ $//')" "both MACs are listed"
	scan "${FAST[@]}" --json 10.50.0.8-10.50.0.31
	if python3 - "$out" <<'EOF'; then
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
assert len(rows) == 4, rows
for r in rows:
    assert set(r) == {"ip", "mac", "vendor", "rtt_ms", "conflict", "family"}, r
    assert r["family"] == "ipv4", r
    assert r["conflict"] == (r["ip"] == "10.50.0.30"), r
    assert isinstance(r["rtt_ms"], float) and 0 <= r["rtt_ms"] < 1000, r
assert [r["ip"] for r in rows] == ["10.50.0.10", "10.50.0.20", "10.50.0.30", "10.50.0.30"]
EOF
		t_pass "--json: one object per reply with ip, mac, vendor, rtt_ms, conflict, family"
	else
		t_fail "--json: one object per reply with ip, mac, vendor, rtt_ms, conflict, family" "$(cat "$out")"
	fi
}

check_edges() {
	scan "${FAST[@]}" 10.50.0.10/32
	t_assert_eq "10.50.0.10" "$(cut -f1 "$out")" "/32 scans one address"
	grep -q "^arpkit scan: 1 target on eth0" "$err" && t_pass "/32 is one target" ||
		t_fail "/32 is one target" "$(cat "$err")"
	scan "${FAST[@]}" 10.50.0.20/31
	grep -q "2 targets on eth0, 1 responder" "$err" && t_pass "/31 is two targets" ||
		t_fail "/31 is two targets" "$(cat "$err")"
	scan "${FAST[@]}" 10.50.3.250-10.50.4.5
	t_assert_eq 6 "$(wc -l <"$out")" "a range across a /24 boundary: the block's last 6 answer"
	scan "${FAST[@]}" 10.50.0.10 10.50.0.10 10.50.0.10/32 10.50.0.8-10.50.0.12 10.50.0.12
	grep -q "5 targets on eth0" "$err" && t_pass "duplicates and overlaps count once" ||
		t_fail "duplicates and overlaps count once" "$(cat "$err")"
	t_assert_eq 1 "$(wc -l <"$out")" "a duplicated target is listed once"
	scan 10.50.0.9-10.50.0.1
	t_assert_eq 2 "$status" "a backwards range is a usage error"
	scan 10.50.0.0/16 300.1.1.1
	t_assert_eq 2 "$status" "a bad address is a usage error"
	scan 1.0.0.0/7
	t_assert_eq 2 "$status" "more than a /8 is refused"
	scan
	t_assert_eq 2 "$status" "no targets is a usage error"
}

check_target_file() {
	local file=$LAB_TMP/targets
	printf '# lab hosts\n10.50.0.10 10.50.0.20\n10.50.0.300\n\n10.50.0.30-10.50.0.29\n10.50.2.0/23 # the block\nhost\n' >"$file"
	scan -f "$file"
	t_assert_eq 2 "$status" "a target file with bad lines exits 2"
	t_assert_eq "" "$(cat "$out")" "nothing is scanned when the file has bad lines"
	t_assert_eq 3 "$(grep -c "$file:[0-9]*: invalid target" "$err")" "every bad line is reported"
	grep -q "$file:3: invalid target '10.50.0.300'" "$err" &&
		grep -q "$file:5: invalid target '10.50.0.30-10.50.0.29'" "$err" &&
		grep -q "$file:7: invalid target 'host'" "$err" &&
		t_pass "bad lines are reported with their line numbers" ||
		t_fail "bad lines are reported with their line numbers" "$(cat "$err")"
	printf '10.50.0.10\n10.50.0.20 # blk\n' | lab_exec scan "$ARPKIT" scan "${FAST[@]}" -f - >"$out" 2>"$err"
	t_assert_eq "10.50.0.10 10.50.0.20" "$(cut -f1 "$out" | tr '\n' ' ' | sed 's/ $//')" \
		"targets are read from stdin with -f -"
}

check_retry_and_pcap() {
	local pcap=$LAB_TMP/scan.pcap
	# 5 targets, 1 answers: round 0 asks 5, each of the 2 retries asks the 4 silent.
	scan --timeout 100 --retry 2 --write "$pcap" 10.50.0.8-10.50.0.12
	t_assert_eq 0 "$status" "scan --write exits 0"
	t_assert_eq 13 "$(tcpdump -n -r "$pcap" 2>/dev/null | grep -c 'Request who-has')" \
		"only silent targets are asked again (5 + 4 + 4 requests in the pcap)"
	t_assert_eq 1 "$(tcpdump -n -r "$pcap" 2>/dev/null | grep -c 'Request who-has 10.50.0.10 ')" \
		"the target that answered is asked once"
	t_assert_eq 1 "$(tcpdump -n -r "$pcap" 2>/dev/null | grep -c 'Reply 10.50.0.10 is-at b8:27:eb:12:34:56')" \
		"tcpdump reads the pcap: pi's reply is in it"
	grep -q "13 frames sent in 3 rounds" "$err" && t_pass "the summary counts frames and rounds" ||
		t_fail "the summary counts frames and rounds" "$(cat "$err")"
}

check_ends_early() {
	local start=$EPOCHREALTIME elapsed
	scan --timeout 5000 10.50.0.10 10.50.0.20
	elapsed=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
	if ((status == 0 && elapsed < 2500)); then
		t_pass "the scan ends as soon as every target answered"
	else
		t_fail "the scan ends as soon as every target answered" "status $status, ${elapsed} ms"
	fi
}

check_stream_and_default_interface() {
	scan "${FAST[@]}" --stream 10.50.0.0/27
	t_assert_eq "10.50.0.10 10.50.0.20 10.50.0.30 10.50.0.30" \
		"$(cut -f1 "$out" | sort | tr '\n' ' ' | sed 's/ $//')" "--stream prints every reply"
	grep -q " on eth0," "$err" && t_pass "the default route's interface is the default" ||
		t_fail "the default route's interface is the default" "$(cat "$err")"
	scan -I lo 10.50.0.10
	t_assert_eq 2 "$status" "a non-ARP interface is refused"
	grep -q "does not use ARP" "$err" && t_pass "the refusal says why" || t_fail "the refusal says why" "$(cat "$err")"
	scan -I nosuch0 10.50.0.10
	t_assert_eq 2 "$status" "an unknown interface is refused"
	scan --rate 0 10.50.0.10
	t_assert_eq 2 "$status" "--rate 0 is a usage error"
}

check_same_as_arp_scan
check_vendors
check_conflict
check_edges
check_target_file
check_retry_and_pcap
check_ends_early
check_stream_and_default_interface
t_done
