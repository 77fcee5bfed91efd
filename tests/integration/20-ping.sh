#!/bin/bash
# arpkit ping in a namespace lab: replies with the right MAC and a sane RTT, silence
# within the deadline, two holders of one address (conflict), RFC 5227 DAD agreeing
# with iputils arping, timing of -f/-c/-w, Ctrl-C, -U/-A (the frame they send, and
# the target's replies awaited and printed as iputils arping does), -I with an
# address label, and bad input refused with exit 2, one line on stderr and not one
# frame sent.
set -uo pipefail
. "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=tests/integration/20-ping-lib.bash
. "$(dirname "$0")/20-ping-lib.bash"

ME_MAC=02:00:00:00:00:01
A_MAC=02:00:00:00:00:10
B_MAC=02:00:00:00:00:20
C_MAC=02:00:00:00:00:30
D_MAC=02:00:00:00:00:40
ME=192.0.2.5 A=192.0.2.10 B=192.0.2.20 FREE=192.0.2.77

lab_init
lab_switch lan >/dev/null
lab_plug me eth0 lan "$ME_MAC"
lab_plug a eth0 lan "$A_MAC"
lab_plug b eth0 lan "$B_MAC"
lab_plug c eth0 lan "$C_MAC"
lab_plug d eth0 lan "$D_MAC"
lab_exec me ip addr add "$ME/24" dev eth0
lab_exec me ip addr add 192.0.2.6/24 dev eth0
lab_exec me ip route add 198.51.100.0/24 via 192.0.2.1
lab_exec a ip addr add "$A/24" dev eth0
lab_exec b ip addr add "$B/24" dev eth0
lab_exec c ip addr add 192.0.2.30/24 dev eth0
lab_exec d ip addr add 192.0.2.40/24 dev eth0

check_live_host() {
	local summary
	timed me "$ARPKIT" ping -c 3 -i 200 --json "$A"
	t_assert_eq 0 "$STATUS" "a live host answers: exit 0"
	t_assert_eq 4 "$(wc -l <"$LAB_TMP/out")" "three reply objects and a summary"
	check_reply_object "$A_MAC" "$A"
	summary=$(tail -n1 "$LAB_TMP/out")
	t_assert_eq summary "$(json_field "$summary" type)" "the last object is the summary"
	t_assert_eq 3 "$(json_field "$summary" sent)" "summary: 3 sent"
	t_assert_eq 3 "$(json_field "$summary" received)" "summary: 3 received"
	t_assert_eq "$(lab_mac a eth0)" "$(json_field "$summary" mac)" "summary lists the one responder"
	# -c 3 -i 200: requests at 0, 0.2, 0.4 s, then 0.1 s for a second responder.
	in_range "-c 3 -i 200 ends soon after the last reply (ms)" "$ELAPSED" 400 1400

	timed me "$ARPKIT" ping -c 1 "$A"
	grep -q "reply from $A at $A_MAC .* seq=1 time=[0-9.]* ms" "$LAB_TMP/out" &&
		t_pass "text output: the reply line" || t_fail "text output: the reply line" "$(cat "$LAB_TMP/out")"
	grep -q "1 request sent, 1 reply received from 1 responder$" "$LAB_TMP/out" &&
		t_pass "text output: the summary" || t_fail "text output: the summary" "$(cat "$LAB_TMP/out")"
	t_assert_eq "$ME_MAC" "$(lab_neigh_mac a "$ME")" "the host learnt our MAC from the request"

	timed me "$ARPKIT" ping -S 0.0.0.0 -c 1 --json "$B"
	t_assert_eq 0 "$STATUS" "-S 0.0.0.0 gets a reply too"
	t_assert_eq "$B_MAC" "$(json_field "$(head -n1 "$LAB_TMP/out")" mac)" "-S 0.0.0.0: right MAC"
}

check_absent_host() {
	timed me "$ARPKIT" ping -w 2 "$FREE"
	t_assert_eq 1 "$STATUS" "an absent address: exit 1"
	in_range "-w 2 ends at the deadline (ms)" "$ELAPSED" 1900 3500
	grep -q "^2 requests sent, 0 replies received" "$LAB_TMP/out" &&
		t_pass "-w 2 sent a request per second" || t_fail "-w 2 sent a request per second" "$(cat "$LAB_TMP/out")"

	# -c 2 -i 300: the last request gets a full second to be answered.
	timed me "$ARPKIT" ping -c 2 -i 300 "$FREE"
	t_assert_eq 1 "$STATUS" "-c 2 to an absent address: exit 1"
	in_range "-c 2 -i 300 waits a second after the last request (ms)" "$ELAPSED" 1250 2500

	timed me "$ARPKIT" ping -c 5 -w 0.5 "$FREE"
	t_assert_eq 1 "$STATUS" "-w cuts -c short: exit 1"
	in_range "-c 5 -w 0.5 ends at the deadline (ms)" "$ELAPSED" 450 1500
}

check_first_reply() {
	timed me "$ARPKIT" ping -f -i 2000 --json "$A"
	t_assert_eq 0 "$STATUS" "-f: exit 0"
	t_assert_eq 1 "$(json_field "$(tail -n1 "$LAB_TMP/out")" received)" "-f stops at one reply"
	in_range "-f returns at once (ms)" "$ELAPSED" 0 900
}

check_two_holders() {
	local summary
	lab_exec b ip addr add "$A/24" dev eth0
	timed me "$ARPKIT" ping -c 2 -i 200 "$A"
	t_assert_eq 0 "$STATUS" "two holders: exit 0 (replies came)"
	grep -q "$A_MAC" "$LAB_TMP/out" && grep -q "$B_MAC" "$LAB_TMP/out" &&
		t_pass "both MACs are listed" || t_fail "both MACs are listed" "$(cat "$LAB_TMP/out")"
	grep -q "^reply from $A at .* CONFLICT" "$LAB_TMP/out" &&
		t_pass "the second MAC's reply is marked CONFLICT" ||
		t_fail "the second MAC's reply is marked CONFLICT" "$(cat "$LAB_TMP/out")"
	grep -q "from 2 responders: CONFLICT" "$LAB_TMP/out" &&
		t_pass "the summary says CONFLICT" || t_fail "the summary says CONFLICT" "$(cat "$LAB_TMP/out")"

	timed me "$ARPKIT" ping -c 2 -i 200 --json "$A"
	summary=$(tail -n1 "$LAB_TMP/out")
	t_assert_eq true "$(json_field "$summary" conflict)" "--json summary: conflict true"
	t_assert_eq 4 "$(json_field "$summary" received)" "--json summary: 4 replies"
	[[ $summary == *"\"mac\":\"$A_MAC\""* && $summary == *"\"mac\":\"$B_MAC\""* ]] &&
		t_pass "--json summary lists both responders" || t_fail "--json summary lists both responders" "$summary"
	t_assert_eq 2 "$(grep -c '"conflict":true' <(head -n4 "$LAB_TMP/out"))" \
		"--json: one reply per request is marked conflict"

	# DAD names both.
	timed me "$ARPKIT" ping -D -c 1 -i 200 "$A"
	t_assert_eq 1 "$STATUS" "DAD of a doubly held address: exit 1"
	grep -q "is in use by .*$A_MAC" "$LAB_TMP/out" && grep -q "is in use by .*$B_MAC" "$LAB_TMP/out" &&
		t_pass "DAD names both holders" || t_fail "DAD names both holders" "$(cat "$LAB_TMP/out")"
	lab_exec b ip addr del "$A/24" dev eth0
}

# iputils arping -D: exit 0 when nobody answers (free), 1 when someone does.
check_dad_agrees_with_iputils() {
	local addr expect ours theirs
	for addr in "$A" "$FREE"; do
		expect=0
		[[ $addr == "$A" ]] && expect=1
		timed me "$ARPKIT" ping -D -w 1.5 "$addr"
		ours=$STATUS
		theirs=0
		lab_exec me arping -q -D -c 2 -w 3 -I eth0 "$addr" || theirs=$?
		t_assert_eq "$expect" "$ours" "DAD $addr: arpkit exits $expect"
		t_assert_eq "$ours" "$theirs" "DAD $addr: iputils arping -D agrees"
	done
	grep -q "^$FREE is free on eth0$" "$LAB_TMP/out" && t_pass "DAD says free" ||
		t_fail "DAD says free" "$(cat "$LAB_TMP/out")"
	in_range "DAD -w 1.5 keeps to the deadline (ms)" "$ELAPSED" 1400 2500

	timed me "$ARPKIT" ping -D --json -c 2 -i 100 "$A"
	t_assert_eq "$A_MAC" "$(json_field "$(head -n1 "$LAB_TMP/out")" mac)" "DAD --json names the holder"
	t_assert_eq false "$(json_field "$(tail -n1 "$LAB_TMP/out")" free)" "DAD --json: free false"
	in_range "DAD stops at the first answer (ms)" "$ELAPSED" 0 700
}

# RFC 5227: a random 0-1 s wait, 3 probes 1-2 s apart from 0.0.0.0, then 2 s.
check_dad_rfc_timing() {
	local pcap=$LAB_TMP/dad.pcap start
	lab_bg a tcpdump -Z root -i eth0 -nn -U -w "$pcap" arp and arp[14:4] = 0 2>/dev/null
	sleep 1
	timed me "$ARPKIT" ping -D "$FREE"
	sleep 0.3
	kill -INT "$LAB_BG_PID" 2>/dev/null
	wait "$LAB_BG_PID" 2>/dev/null
	t_assert_eq 0 "$STATUS" "DAD with the RFC schedule: free"
	in_range "RFC schedule: 2 x PROBE_MIN + ANNOUNCE_WAIT <= elapsed <= PROBE_WAIT + 2 x PROBE_MAX + ANNOUNCE_WAIT (ms)" \
		"$ELAPSED" 3950 7600
	mapfile -t times < <(tcpdump -r "$pcap" -nn -tt 2>/dev/null | awk '/Request who-has '"$FREE"' tell 0.0.0.0/ { split($1, t, "."); print t[1] * 1000 + substr(t[2], 1, 3) }')
	t_assert_eq 3 "${#times[@]}" "3 probes from 0.0.0.0 on the wire"
	if ((${#times[@]} == 3)); then
		in_range "probe gap 1 (ms)" $((times[1] - times[0])) 950 2100
		in_range "probe gap 2 (ms)" $((times[2] - times[1])) 950 2100
	fi
}

# Two hosts probing for one address at once: at least one backs off and names the other.
check_simultaneous_probes() {
	local sc=0 sd=0
	lab_exec c "$ARPKIT" ping -D -c 3 -i 150 192.0.2.99 >"$LAB_TMP/c.out" 2>&1 &
	local pc=$!
	lab_exec d "$ARPKIT" ping -D -c 3 -i 150 192.0.2.99 >"$LAB_TMP/d.out" 2>&1 &
	local pd=$!
	wait "$pc" || sc=$?
	wait "$pd" || sd=$?
	if { ((sc == 1)) && grep -q "$D_MAC.*is probing for it too" "$LAB_TMP/c.out"; } ||
		{ ((sd == 1)) && grep -q "$C_MAC.*is probing for it too" "$LAB_TMP/d.out"; }; then
		t_pass "a rival probe is a conflict that names the other MAC"
	else
		t_fail "a rival probe is a conflict that names the other MAC" "c: exit $sc $(cat "$LAB_TMP/c.out")" "d: exit $sd $(cat "$LAB_TMP/d.out")"
	fi
	t_assert_exit -m "neither run is an error" 0 test "$sc" -lt 2 -a "$sd" -lt 2
}

check_sigint() {
	local pid status=0
	# ip netns exec execs arpkit, so $! is arpkit itself (a function would fork a shell).
	ip netns exec "$LAB_ID-me" "$ARPKIT" ping -i 200 "$A" >"$LAB_TMP/int.out" 2>&1 &
	pid=$!
	sleep 1.1
	kill -INT "$pid"
	wait "$pid" || status=$?
	t_assert_eq 0 "$status" "Ctrl-C after replies: exit 0"
	grep -q "^--- $A ARP ping on eth0 (interrupted) ---$" "$LAB_TMP/int.out" &&
		t_pass "Ctrl-C prints the summary" || t_fail "Ctrl-C prints the summary" "$(cat "$LAB_TMP/int.out")"
	grep -Eq "^([3-7]) requests sent, \\1 replies received from 1 responder" "$LAB_TMP/int.out" &&
		t_pass "the summary counts what was sent before Ctrl-C" ||
		t_fail "the summary counts what was sent before Ctrl-C" "$(cat "$LAB_TMP/int.out")"

	status=0
	ip netns exec "$LAB_ID-me" "$ARPKIT" ping --json "$FREE" >"$LAB_TMP/int.out" 2>&1 &
	pid=$!
	sleep 0.5
	kill -INT "$pid"
	wait "$pid" || status=$?
	t_assert_eq 1 "$status" "Ctrl-C without replies: exit 1"
	t_assert_eq true "$(json_field "$(tail -n1 "$LAB_TMP/int.out")" interrupted)" "--json summary after Ctrl-C"
}

# -U / -A rewrite a neighbour's existing entry, as iputils arping -U/-A do.
check_unsolicited() {
	local flag
	for flag in -U -A; do
		lab_exec a ip neigh replace 192.0.2.6 lladdr 02:00:00:00:00:99 dev eth0 nud stale
		timed me "$ARPKIT" ping "$flag" -c 1 192.0.2.6
		t_assert_eq 0 "$STATUS" "$flag: exit 0"
		t_assert_eq "$ME_MAC" "$(lab_neigh_mac a 192.0.2.6)" "$flag: the neighbour now maps 192.0.2.6 to us"
	done
}

# capture_on ROLE: ARP seen by ROLE's eth0, as tcpdump prints it, into $LAB_TMP/arp.txt
# until capture_stop.
capture_on() {
	lab_bg "$1" tcpdump -i eth0 -nn -l arp >"$LAB_TMP/arp.txt" 2>/dev/null
	sleep 1
}

capture_stop() {
	sleep 0.3
	kill -INT "$LAB_BG_PID" 2>/dev/null
	wait "$LAB_BG_PID" 2>/dev/null
}

# Issue 10 item 8: -U/-A say which frame they send, and with -c wait for and print
# the target's replies. iputils arping first, to show what it does; then arpkit,
# its output checked against the frames on the wire.
check_unsolicited_shows_frame_and_replies() {
	local status=0
	lab_exec me arping -U -c 2 -I eth0 -s 192.0.2.6 "$A" >"$LAB_TMP/iputils.out" 2>&1 || status=$?
	t_assert_eq 0 "$status" "iputils arping -U -c 2 -s 192.0.2.6 $A: exit 0"
	t_assert_eq 2 "$(grep -ci "^Unicast reply from $A \[$A_MAC\]" "$LAB_TMP/iputils.out")" \
		"iputils arping -U waits for and prints the target's 2 replies"

	capture_on a
	timed me "$ARPKIT" ping -U -c 2 -S 192.0.2.6 "$A"
	capture_stop
	t_assert_eq 0 "$STATUS" "ping -U -c 2 -S 192.0.2.6 $A: exit 0"
	t_assert_eq "UNSOLICITED ARP on eth0 ($ME_MAC): request who-has $A tell 192.0.2.6" \
		"$(head -n1 "$LAB_TMP/out")" "ping -U prints the frame it sends"
	t_assert_eq 2 "$(grep -c "Request who-has $A tell 192.0.2.6" "$LAB_TMP/arp.txt")" \
		"and that frame is what went out, twice"
	expect_line "the reply to request 1 is printed" "^reply from $A at $A_MAC .* seq=1 time=[0-9.]+ ms$" "$LAB_TMP/out"
	expect_line "the reply to request 2 is printed" "^reply from $A at $A_MAC .* seq=2 time=[0-9.]+ ms$" "$LAB_TMP/out"
	expect_line "the summary counts both" "^2 requests sent, 2 responses received from 1 responder$" "$LAB_TMP/out"
	in_range "ping -U -c 2 waits for the last reply, then stops (ms)" "$ELAPSED" 900 2500

	timed me "$ARPKIT" ping -U -c 1 -S 192.0.2.6 --json "$A"
	t_assert_eq 0 "$STATUS" "ping -U --json: exit 0"
	t_assert_eq "$A_MAC" "$(json_field "$(head -n1 "$LAB_TMP/out")" mac)" "ping -U --json: the reply object"
	t_assert_eq unsolicited-request "$(json_field "$(tail -n1 "$LAB_TMP/out")" mode)" "ping -U --json: the summary's mode"
	t_assert_eq 1 "$(json_field "$(tail -n1 "$LAB_TMP/out")" received)" "ping -U --json: 1 received"

	timed me "$ARPKIT" ping -U -f -S 192.0.2.6 "$A"
	t_assert_eq 0 "$STATUS" "ping -U -f, as iputils arping -U -f: exit 0"
	in_range "ping -U -f stops at the first reply (ms)" "$ELAPSED" 0 900

	# -A: no host answers an ARP reply; iputils still listens one interval.
	status=0
	lab_exec me arping -A -c 1 -I eth0 192.0.2.6 >"$LAB_TMP/iputils.out" 2>&1 || status=$?
	t_assert_eq 0 "$status" "iputils arping -A -c 1 192.0.2.6: exit 0"
	expect_line "iputils arping -A: no response" "^Received 0 response" "$LAB_TMP/iputils.out"

	capture_on a
	timed me "$ARPKIT" ping -A -c 1 192.0.2.6
	capture_stop
	t_assert_eq 0 "$STATUS" "ping -A -c 1 192.0.2.6: exit 0"
	t_assert_eq "UNSOLICITED ARP on eth0 ($ME_MAC): reply 192.0.2.6 is-at $ME_MAC" \
		"$(head -n1 "$LAB_TMP/out")" "ping -A prints the frame it sends"
	t_assert_eq 1 "$(grep -c "Reply 192.0.2.6 is-at $ME_MAC" "$LAB_TMP/arp.txt")" "and that frame went out"
	expect_line "ping -A: the summary" "^1 reply sent, 0 responses received from 0 responders$" "$LAB_TMP/out"
	in_range "ping -A -c 1 listens for a second, as iputils does (ms)" "$ELAPSED" 900 2000

	timed me "$ARPKIT" ping -U -c 1 192.0.2.6
	t_assert_eq "UNSOLICITED ARP on eth0 ($ME_MAC): request who-has 192.0.2.6 tell 192.0.2.6" \
		"$(head -n1 "$LAB_TMP/out")" "ping -U without -S: the gratuitous request"
}

# Issue 10 item 8: -I eth0:label is the label's interface. iputils arping refuses it.
check_interface_label() {
	local status=0
	lab_exec me ip addr add 192.0.2.7/24 dev eth0 label eth0:lbl
	lab_exec me arping -c 1 -I eth0:lbl "$A" >"$LAB_TMP/iputils.out" 2>&1 || status=$?
	t_assert_eq 2 "$status" "iputils arping -I eth0:lbl: exit 2 (it knows no labels)"

	timed me "$ARPKIT" ping -c 1 -I eth0:lbl "$A"
	t_assert_eq 0 "$STATUS" "ping -I eth0:lbl: exit 0"
	expect_line "ping -I eth0:lbl asks on eth0" "^ARPING $A from 192.0.2.5 eth0 \($ME_MAC\)$" "$LAB_TMP/out"
	expect_line "and gets the reply" "^reply from $A at $A_MAC " "$LAB_TMP/out"

	lab_exec a ip neigh replace 192.0.2.7 lladdr 02:00:00:00:00:99 dev eth0 nud stale
	timed me "$ARPKIT" ping -U -c 1 -I eth0:lbl 192.0.2.7
	t_assert_eq 0 "$STATUS" "ping -U -I eth0:lbl 192.0.2.7: exit 0"
	t_assert_eq "$ME_MAC" "$(lab_neigh_mac a 192.0.2.7)" "the neighbour now maps the labelled address to us"

	# A label that no address carries (left in a script after its address went)
	# still names the interface before the colon.
	timed me "$ARPKIT" ping -c 1 -I eth0:gone "$A"
	t_assert_eq 0 "$STATUS" "ping -I eth0:gone (no such label): asks on eth0, exit 0"
	lab_exec me ip addr del 192.0.2.7/24 dev eth0
}

check_refused() { # DESC PATTERN CMD...
	t_assert_refused lan me "$@"
}

check_bad_input() {
	check_refused "invalid target" "invalid target address '192.0.2.300'" "$ARPKIT" ping 192.0.2.300
	check_refused "broadcast target" "cannot be asked for with ARP" "$ARPKIT" ping 255.255.255.255
	check_refused "no target" "TARGET is missing" "$ARPKIT" ping -c 1
	check_refused "unknown interface" "unknown interface 'nope0'" "$ARPKIT" ping -I nope0 "$A"
	check_refused "a label of an unknown interface" "unknown interface 'nope0:x'" "$ARPKIT" ping -I nope0:x "$A"
	check_refused "loopback" "interface 'lo' does not use ARP" "$ARPKIT" ping -I lo "$A"
	check_refused "own address" "is an address of this host" "$ARPKIT" ping "$ME"
	check_refused "off-link target" "not on a local subnet" "$ARPKIT" ping 198.51.100.7
	check_refused "bad count" "--count '0' is out of range" "$ARPKIT" ping -c 0 "$A"
	check_refused "bad deadline" "--deadline 'soon'" "$ARPKIT" ping -w soon "$A"
	check_refused "spoofed source" "-S 192.0.2.44 is not an address of this host" \
		"$ARPKIT" ping -S 192.0.2.44 "$A"
	check_refused "-U for an address not held" "is not an address of this host" \
		"$ARPKIT" ping -U "$A"
	check_refused "-D with -U" "choose one" "$ARPKIT" ping -D -U "$A"
	if command -v capsh >/dev/null; then
		check_refused "no privileges (capsh)" "needs CAP_NET_RAW" \
			capsh --drop=cap_net_raw -- -c "exec $ARPKIT ping -c 1 $A"
	fi
	check_refused "no privileges (setpriv)" "needs CAP_NET_RAW" \
		setpriv --inh-caps=-all --bounding-set=-all -- "$ARPKIT" ping -c 1 "$A"
}

check_live_host
check_absent_host
check_first_reply
check_two_holders
check_dad_agrees_with_iputils
check_dad_rfc_timing
check_simultaneous_probes
check_sigint
check_unsolicited
check_unsolicited_shows_frame_and_replies
check_interface_label
check_bad_input
t_done
