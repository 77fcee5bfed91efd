#!/bin/bash
# arpkit scan --vlan on a trunk. This kernel has no 8021q module, so no VLAN
# sub-interface can answer; tests/lab/vlan-responder.py stands in for one on the
# far side: an AF_PACKET responder that answers ARP requests tagged with its VID
# only. The scan must tag its requests (checked on the wire with tcpdump -e),
# take the tagged replies of its VLAN, and ignore other VLANs and untagged ones.
#
#   scan  eth0 10.9.0.1/29  --- veth ---  trunk eth0 10.9.0.5/29 (plain kernel host)
#         responders on trunk: VID 42 answers 10.9.0.2, 10.9.0.3 as 02:00:00:00:42:01
#                              VID 43 answers 10.9.0.2, 10.9.0.4 as 02:00:00:00:43:01
set -uo pipefail
# shellcheck source=tests/lab/lab.sh
. "${LAB_LIB:-$(dirname "$0")/../lab/lab.sh}"
: "${ARPKIT:?set ARPKIT to the binary under test}"

command -v python3 >/dev/null || t_skip "python3 is not installed"
command -v tcpdump >/dev/null || t_skip "tcpdump is not installed"
responder=$(cd "$(dirname "$0")/../lab" && pwd)/vlan-responder.py

lab_init
lab_wire scan eth0 trunk eth0 02:00:00:00:aa:01 02:00:00:00:00:05
lab__run scan ip addr add 10.9.0.1/29 dev eth0
lab__run trunk ip addr add 10.9.0.5/29 dev eth0

for spec in "42 02:00:00:00:42:01 10.9.0.2 10.9.0.3" "43 02:00:00:00:43:01 10.9.0.2 10.9.0.4"; do
	# shellcheck disable=SC2086  # the spec is split on purpose
	lab_bg trunk python3 "$responder" --lifetime 150 eth0 $spec >"$LAB_TMP/responder.$$.${spec%% *}" 2>&1
done
ready() { grep -q ready "$LAB_TMP/responder.$$.42" && grep -q ready "$LAB_TMP/responder.$$.43"; }
lab_wait_for 10 ready || t_fail "the VLAN responders start" "$(cat "$LAB_TMP"/responder.*)"

out=$LAB_TMP/out err=$LAB_TMP/err
scan() {
	status=0
	lab_exec scan "$ARPKIT" scan -I eth0 --timeout 200 --retry 1 "$@" >"$out" 2>"$err" || status=$?
}
pairs() { cut -f1,2 "$out" | tr '\t' ' ' | tr '\n' ',' | sed 's/,$//'; }

# The wire, seen from the trunk side: tcpdump -e prints the 802.1Q tag.
lab_bg trunk timeout 30 tcpdump -l -e -n -i eth0 -c 200 arp or vlan >"$LAB_TMP/wire" 2>/dev/null
sleep 1

scan --vlan 42 --write "$LAB_TMP/v42.pcap" 10.9.0.0/29
t_assert_eq 0 "$status" "scan --vlan 42 exits 0"
t_assert_eq "10.9.0.2 02:00:00:00:42:01,10.9.0.3 02:00:00:00:42:01" "$(pairs)" \
	"--vlan 42 finds exactly VLAN 42's hosts"
scan --vlan 43 10.9.0.0/29
t_assert_eq "10.9.0.2 02:00:00:00:43:01,10.9.0.4 02:00:00:00:43:01" "$(pairs)" \
	"--vlan 43 finds exactly VLAN 43's hosts"
scan 10.9.0.0/29
t_assert_eq "10.9.0.5 02:00:00:00:00:05" "$(pairs)" \
	"untagged, only the plain host answers (the responders ignore untagged requests)"
scan --vlan 44 10.9.0.0/29
t_assert_eq "" "$(pairs)" "nobody answers on VLAN 44"
scan --localnet
t_assert_eq "10.9.0.5 02:00:00:00:00:05" "$(pairs)" "--localnet scans the interface's subnet"
grep -q "8 targets on eth0" "$err" && t_pass "--localnet takes the whole /29" ||
	t_fail "--localnet takes the whole /29" "$(cat "$err")"
scan --vlan 4095 10.9.0.2
t_assert_eq 2 "$status" "--vlan 4095 is out of range"

t_assert_exit -m "the pcap of --vlan 42 shows the tag on requests and replies" 0 \
	bash -c "tcpdump -e -n -r '$LAB_TMP/v42.pcap' 2>/dev/null | grep 'vlan 42' | grep -q 'Request who-has 10.9.0.2' &&
		tcpdump -e -n -r '$LAB_TMP/v42.pcap' 2>/dev/null | grep 'vlan 42' | grep -q 'Reply 10.9.0.3 is-at 02:00:00:00:42:01'"
sleep 0.5
if grep 'vlan 42' "$LAB_TMP/wire" | grep -q 'Request who-has 10.9.0.3 tell 10.9.0.1'; then
	t_pass "on the wire (tcpdump -e on the far side) the requests carry 802.1Q VLAN 42"
else
	t_fail "on the wire (tcpdump -e on the far side) the requests carry 802.1Q VLAN 42" \
		"$(head -5 "$LAB_TMP/wire")"
fi
t_done
