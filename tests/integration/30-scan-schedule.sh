#!/bin/bash
# arpkit scan's retry schedule on a sparse /24: each silent target is asked again a
# timeout after its own previous request (never sooner, and without waiting for the
# whole round), and a host that answers a second late is still found with the
# defaults, even as the last target of the scan.
#
#   scan  10.60.0.1/24   02:00:00:00:aa:01
#   fast  10.60.0.10     the kernel answers at once
#   slow  10.60.0.254    no address; tests/lab/vlan-responder.py answers for it 1 s late
#         (this kernel has no netem to delay a veth)
set -uo pipefail
# shellcheck source=tests/lab/lab.sh
. "${LAB_LIB:-$(dirname "$0")/../lab/lab.sh}"
: "${ARPKIT:?set ARPKIT to the binary under test}"

command -v python3 >/dev/null || t_skip "python3 is not installed"
command -v tcpdump >/dev/null || t_skip "tcpdump is not installed"
command -v arp-scan >/dev/null || t_skip "arp-scan is not installed"
responder=$(cd "$(dirname "$0")/../lab" && pwd)/vlan-responder.py
SLOW_MS=1000

lab_init
lab_switch lan >/dev/null
lab_plug scan eth0 lan 02:00:00:00:aa:01
lab_plug fast eth0 lan 02:00:00:00:0f:01
lab_plug slow eth0 lan 02:00:00:00:51:01
lab__run scan ip addr add 10.60.0.1/24 dev eth0
lab__run fast ip addr add 10.60.0.10/24 dev eth0
lab_bg slow python3 "$responder" --delay "$SLOW_MS" --lifetime 120 eth0 untagged \
	02:00:00:00:51:01 10.60.0.254 >"$LAB_TMP/responder" 2>&1
lab_wait_for 10 grep -q ready "$LAB_TMP/responder" ||
	t_fail "the slow responder starts" "$(cat "$LAB_TMP/responder")"

out=$LAB_TMP/out err=$LAB_TMP/err

# The lab first: one request and half a second is not enough for the slow host,
# two seconds are (arp-scan, independent of arpkit, --retry 1 = one request).
lab_exec scan arp-scan -q -x -I eth0 --retry 1 --timeout 500 10.60.0.254 >"$out" 2>/dev/null
t_assert_eq "" "$(cut -f1 "$out")" "the lab: the slow host does not answer within 500 ms"
lab_exec scan arp-scan -q -x -I eth0 --retry 1 --timeout 2000 10.60.0.254 >"$out" 2>/dev/null
t_assert_eq "10.60.0.254" "$(cut -f1 "$out")" "the lab: the slow host answers within 2 s"

# requests PCAP: "TIME TARGET" for every request in the capture, time in ms.
requests() {
	tcpdump -tt -n -r "$1" 2>/dev/null |
		awk '/Request who-has/ { printf "%.3f %s\n", $1 * 1000, $5 }'
}

# Defaults: the slow host, the last one answering in the /24, is found.
status=0
lab_exec scan "$ARPKIT" scan -I eth0 --write "$LAB_TMP/default.pcap" 10.60.0.0/24 \
	>"$out" 2>"$err" || status=$?
t_assert_eq 0 "$status" "scan with the defaults exits 0"
t_assert_eq "10.60.0.10 02:00:00:00:0f:01,10.60.0.254 02:00:00:00:51:01" \
	"$(cut -f1,2 "$out" | tr '\t\n' ' ,' | sed 's/,$//')" \
	"the defaults find the host that answers a second late, and the fast one"

# Every silent target is asked three times (--retry 2), each request at least the
# timeout (400 ms) after the previous one to the same target; the scan lasts at least
# a timeout past its last request.
requests "$LAB_TMP/default.pcap" >"$LAB_TMP/default.req"
if awk -v t=400 '
	{ n[$2]++; if ($2 in last && $1 - last[$2] < t - 1) { print "early: " $0; bad = 1 } last[$2] = $1 }
	END {
		for (a in n) if (a != "10.60.0.10" && a != "10.60.0.254" && n[a] != 3) { print a " asked " n[a] " times"; bad = 1 }
		if (length(n) != 256) { print length(n) " targets"; bad = 1 }
		exit bad
	}' "$LAB_TMP/default.req" >"$LAB_TMP/why"; then
	t_pass "silent targets get 3 requests, each a timeout after the previous one"
else
	t_fail "silent targets get 3 requests, each a timeout after the previous one" "$(head -3 "$LAB_TMP/why")"
fi
t_assert_eq 1 "$(grep -c ' 10.60.0.10$' "$LAB_TMP/default.req")" "the host that answered is asked once"
span=$(awk 'NR == 1 { first = $1 } { last = $1 } END { printf "%d", last - first }' "$LAB_TMP/default.req")
elapsed=$(sed -n 's/.*, \([0-9.]*\) s$/\1/p' "$err" | awk '{ printf "%d", $1 * 1000 }')
if [[ -n $elapsed ]] && ((elapsed >= span + 400 - 1)); then
	t_pass "the scan waits a timeout after its last request ($span ms of requests, $elapsed ms in all)"
else
	t_fail "the scan waits a timeout after its last request" "span $span ms, elapsed '$elapsed'" "$(cat "$err")"
fi

# Per-target timers, not whole-round waits: at 500 frames/s round 0 takes ~0.5 s,
# longer than the 300 ms timeout, so round 1 follows round 0 at once and the first
# target's second request comes about one round after its first. A wait after the
# round would put it a round plus a timeout later.
status=0
lab_exec scan "$ARPKIT" scan -q -I eth0 --rate 500 --timeout 300 --retry 1 \
	--write "$LAB_TMP/paced.pcap" 10.60.0.0/24 >"$out" 2>"$err" || status=$?
t_assert_eq 0 "$status" "a paced scan exits 0"
requests "$LAB_TMP/paced.pcap" >"$LAB_TMP/paced.req"
read -r round gap < <(awk '
	$2 == "10.60.0.0" { if (!f) f = $1; else if (!g) g = $1 - f }
	$2 == "10.60.0.255" && !e { e = $1 }
	END { printf "%d %d\n", e - f, g }' "$LAB_TMP/paced.req")
if ((round >= 300 && gap >= 300 - 1 && gap < round + 150)); then
	t_pass "round 1 does not wait for round 0's end plus a timeout (round $round ms, retry after $gap ms)"
else
	t_fail "round 1 does not wait for round 0's end plus a timeout" "round $round ms, target 0 retried after $gap ms"
fi
t_done
