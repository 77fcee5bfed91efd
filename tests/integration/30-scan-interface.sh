#!/bin/bash
# arpkit scan without -I and without a default route: as arp-scan does, the only
# interface that uses ARP, is up and has an IPv4 address is scanned, and a note
# names it; with several, or none, the scan refuses with a hint and sends nothing.
#
#   scan  eth0 -> lan   10.61.0.1/24          host 10.61.0.2/24 on lan
#         eth1 -> lan2  no address at first, later 10.62.0.1/24
#         lo            127.0.0.1 (no ARP: never a candidate)
set -uo pipefail
# shellcheck source=tests/lab/lab.sh
. "${LAB_LIB:-$(dirname "$0")/../lab/lab.sh}"
: "${ARPKIT:?set ARPKIT to the binary under test}"

lab_init
lab_switch lan >/dev/null
lab_switch lan2 >/dev/null
lab_plug scan eth0 lan 02:00:00:00:aa:01
lab_plug scan eth1 lan2 02:00:00:00:aa:02
lab_plug host eth0 lan 02:00:00:00:bb:02
lab__run scan ip link set lo up
lab__run scan ip addr add 10.61.0.1/24 dev eth0
lab__run host ip addr add 10.61.0.2/24 dev eth0

out=$LAB_TMP/out err=$LAB_TMP/err
scan() {
	status=0
	lab_exec scan "$ARPKIT" scan --timeout 200 --retry 1 "$@" >"$out" 2>"$err" || status=$?
}

# The situation: no default route in the scanner's namespace.
t_assert_eq "" "$(lab_exec scan ip -4 route show default)" "the lab: the scanner has no default route"

# One candidate: eth1 is up but has no address, lo does not use ARP.
scan 10.61.0.2
t_assert_eq 0 "$status" "one candidate: the scan runs"
t_assert_eq "10.61.0.2	02:00:00:00:bb:02" "$(cut -f1,2 "$out")" "one candidate: the host on eth0's network is found"
t_assert_eq 1 "$(grep -c 'note: no default route; scanning on eth0, the only interface using ARP with an IPv4 address' "$err")" \
	"one candidate: one note names eth0"
grep -q "^arpkit scan: 1 target on eth0, 1 responder" "$err" && t_pass "one candidate: the summary says eth0" ||
	t_fail "one candidate: the summary says eth0" "$(cat "$err")"
scan -q 10.61.0.2
t_assert_eq "10.61.0.2" "$(cut -f1 "$out")" "-q: the same scan"
t_assert_eq 0 "$(wc -c <"$err")" "-q: no note on stderr"

# Two candidates: refused with both names, and not one frame on either cable.
lab__run scan ip addr add 10.62.0.1/24 dev eth1
before2=$(lab_frames_from lan2 scan)
t_assert_refused lan scan "two candidates" "no default route, and 2 interfaces could be scanned (eth0, eth1); name one with -I" \
	"$ARPKIT" scan --timeout 200 --retry 1 10.61.0.2
t_assert_eq "$before2" "$(lab_frames_from lan2 scan)" "two candidates: no frame sent on eth1 either"
scan -I eth0 10.61.0.2
t_assert_eq "10.61.0.2" "$(cut -f1 "$out")" "two candidates: -I eth0 scans"

# An interface that is down is not a candidate, whatever its address.
lab__run scan ip link set eth1 down
scan 10.61.0.2
t_assert_eq "10.61.0.2" "$(cut -f1 "$out")" "eth1 down: eth0 is the only candidate again"
grep -q "scanning on eth0" "$err" && t_pass "eth1 down: the note names eth0" ||
	t_fail "eth1 down: the note names eth0" "$(cat "$err")"

# No candidate at all: refused with the hint.
lab__run scan ip addr flush dev eth0
t_assert_refused lan scan "no candidate" "no interface using ARP has an IPv4 address; name one with -I" \
	"$ARPKIT" scan --timeout 200 --retry 1 10.61.0.2

# A default route still decides when there is one, and no note is printed.
lab__run scan ip link set eth1 up
lab__run scan ip addr add 10.61.0.1/24 dev eth0
lab__run scan ip route add default via 10.62.0.254 dev eth1
scan 10.61.0.2
grep -q " on eth1," "$err" && t_pass "with a default route, its interface is scanned" ||
	t_fail "with a default route, its interface is scanned" "$(cat "$err")"
t_assert_eq 0 "$(grep -c 'note:' "$err")" "with a default route, no note"
t_done
