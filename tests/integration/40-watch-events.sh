#!/bin/bash
# arpkit watch, live on a mirror port: real hosts go through every event the issue
# names (new stations, a move, a move back, two hosts answering for one address, a
# sender outside the subnet, a neighbour still sending to the old MAC). tcpdump
# captures the same traffic: `watch -r` on the file must report the same events,
# and arpwatch on the file must find the same new stations and flip-flops. A
# restart with the same database reports no known station as new.
set -uo pipefail
# shellcheck source=tests/lab/lab.sh
. "${LAB_LIB:-$(dirname "$0")/../lab/lab.sh}"
ARPKIT=${ARPKIT:-$(dirname "$0")/../../build/arpkit}
# shellcheck source=tests/integration/40-watch-lib.bash
. "$(dirname "$0")/40-watch-lib.bash"

command -v tcpdump >/dev/null || t_skip "tcpdump is not installed"
command -v arping >/dev/null || t_skip "arping (iputils) is not installed"

lab_init

MAC_A=02:00:00:00:00:0a MAC_B=02:00:00:00:00:0b MAC_C=02:00:00:00:00:0c
MAC_D=02:00:00:00:00:0d MAC_E=02:00:00:00:00:0e MAC_MON=02:00:00:00:00:fe
IP_A=192.0.2.10 IP_B=192.0.2.11 IP_C=192.0.2.20 IP_D=192.0.2.30 IP_E=198.51.100.5
VIP=192.0.2.50 SHARED=192.0.2.60
DB=$LAB_TMP/watch.db CAP=$LAB_TMP/capture.pcap

build_lab() {
	local role mac
	lab_switch lan --flood >/dev/null
	for role in a b c d e mon; do
		case $role in
		a) mac=$MAC_A ;; b) mac=$MAC_B ;; c) mac=$MAC_C ;;
		d) mac=$MAC_D ;; e) mac=$MAC_E ;; mon) mac=$MAC_MON ;;
		esac
		lab_plug "$role" eth0 lan "$mac"
		# Requests from the primary address only, so a host never claims the
		# VIP by surprise (arp_announce 2): every claim below is one we make.
		lab_exec "$role" sysctl -qw net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.eth0.arp_announce=2
	done
	lab_exec a ip addr add "$IP_A/24" dev eth0
	lab_exec b ip addr add "$IP_B/24" dev eth0
	lab_exec c ip addr add "$IP_C/24" dev eth0
	lab_exec d ip addr add "$IP_D/24" dev eth0
	lab_exec e ip addr add "$IP_E/24" dev eth0
	lab_exec mon ip addr add 192.0.2.254/24 dev eth0
}

# Starts the watcher on mon (text events to $1), with the lab's database.
start_watch() {
	lab_bg mon "$ARPKIT" watch -I eth0 --db "$DB" >"$1" 2>"$1.err"
	WATCH_PID=$LAB_BG_PID
	sleep 1.5
}

stop_pid() {
	kill -"${2:-TERM}" "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

drive_traffic() {
	# New stations: c asks for a and b, they answer.
	lab_exec c ping -c1 -W2 -q "$IP_A" >/dev/null
	lab_exec c ping -c1 -W2 -q "$IP_B" >/dev/null
	# The VIP starts on a, announced.
	lab_exec a ip addr add "$VIP/24" dev eth0
	lab_exec a arping -q -U -c1 -I eth0 "$VIP"
	sleep 2.5 # longer than the conflict window: what follows is a move
	# The VIP moves to b, announced: changed-mac.
	lab_exec a ip addr del "$VIP/24" dev eth0
	lab_exec b ip addr add "$VIP/24" dev eth0
	lab_exec b arping -q -U -c1 -I eth0 "$VIP"
	# c's entry stays pinned to a's MAC: its packets go to the old holder.
	lab_exec c ip neigh replace "$VIP" lladdr "$MAC_A" nud permanent dev eth0
	STALE_PING=0
	lab_exec c ping -c2 -i0.3 -W1 -q "$VIP" >/dev/null || STALE_PING=$?
	lab_exec c ip neigh del "$VIP" dev eth0
	sleep 2.5
	# Back to a within the flip-flop window.
	lab_exec b ip addr del "$VIP/24" dev eth0
	lab_exec a ip addr add "$VIP/24" dev eth0
	lab_exec a arping -q -U -c1 -I eth0 "$VIP"
	# Two hosts on one address, both answering c's arping.
	lab_exec a ip addr add "$SHARED/24" dev eth0
	lab_exec b ip addr add "$SHARED/24" dev eth0
	SHARED_REPLIERS=$(lab_exec c arping -c2 -w4 -I eth0 "$SHARED" | grep -oiE '\[[0-9a-f:]{17}\]' | sort -u | wc -l)
	# A sender outside the subnet.
	lab_exec e arping -q -U -c1 -I eth0 "$IP_E"
	sleep 1
}

check_live_events() {
	local out=$1
	t_assert_eq 1 "$STALE_PING" "c's pinned entry really sends to the old holder (ping fails)"
	t_assert_eq 2 "$SHARED_REPLIERS" "two hosts really answer for $SHARED"
	assert_event "new-station for a" "$out" new-station "$IP_A" "$MAC_A" -
	assert_event "new-station for b" "$out" new-station "$IP_B" "$MAC_B" -
	assert_event "new-station for c" "$out" new-station "$IP_C" "$MAC_C" -
	assert_event "new-station for the VIP on a" "$out" new-station "$VIP" "$MAC_A" -
	assert_event "gratuitous announcement of the VIP" "$out" gratuitous "$VIP" "$MAC_A" -
	assert_event "changed-mac when the VIP moves to b" "$out" changed-mac "$VIP" "$MAC_B" "$MAC_A"
	assert_event "stale-cache: c still sends the VIP to a" "$out" stale-cache "$VIP" "$MAC_B" "$MAC_A"
	if grep -E " stale-cache $VIP " "$out" | grep -qF "$MAC_C ($IP_C) still sends to $MAC_A"; then
		t_pass "stale-cache names the sender c by MAC and IP"
	else
		t_fail "stale-cache names the sender c by MAC and IP" "$(grep stale-cache "$out")"
	fi
	assert_event "flip-flop when the VIP goes back to a" "$out" flip-flop "$VIP" "$MAC_A" "$MAC_B"
	if grep -qE " conflict $SHARED ($MAC_A $MAC_B|$MAC_B $MAC_A) " "$out"; then
		t_pass "conflict when a and b both answer for $SHARED"
	else
		t_fail "conflict when a and b both answer for $SHARED" "$(grep -F "$SHARED" "$out")"
	fi
	assert_event "bogon for a sender outside 192.0.2.0/24" "$out" bogon "$IP_E" "$MAC_E" -
	if grep -qE " bogon 192\.0\.2\." "$out"; then
		t_fail "no bogon inside the subnet" "$(grep bogon "$out")"
	else
		t_pass "no bogon inside the subnet"
	fi
	t_assert_eq 1 "$(grep -c " new-station $VIP " "$out")" "the VIP is new only once"
	if grep -qE 'kernel drops 0($|;)' "$out.err"; then
		t_pass "counters at exit report zero kernel drops"
	else
		t_fail "counters at exit report zero kernel drops" "$(cat "$out.err")"
	fi
}

check_offline_matches() {
	local live=$1 offline=$LAB_TMP/offline.txt
	assert_offline_matches "$live" "$CAP" --net 192.0.2.0/24
	"$ARPKIT" watch -r "$CAP" --json >"$offline.json" 2>/dev/null
	if python3 - "$offline.json" <<'EOF'; then
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
keys = {"event", "time", "ip", "mac", "old_mac", "interface", "vlan", "detail"}
assert events and all(keys <= e.keys() for e in events), "missing keys"
stale = [e for e in events if e["event"] == "stale-cache"]
assert stale and stale[0]["sender_mac"] == "02:00:00:00:00:0c", stale
assert stale[0]["sender_ip"] == "192.0.2.20", stale
assert all(e["vlan"] is None and e["interface"] == "pcap" for e in events)
EOF
		t_pass "--json objects carry every field (stale-cache sender too)"
	else
		t_fail "--json objects carry every field (stale-cache sender too)"
	fi
}

# arpwatch reports by mail; -d sends the reports to stderr instead, -Q never mails.
check_arpwatch_agrees() {
	local live=$1 dat=$LAB_TMP/arp.dat report=$LAB_TMP/arpwatch.txt ours theirs
	: >"$dat"
	timeout 60 arpwatch -d -N -Q -r "$CAP" -f "$dat" >"$report" 2>&1
	theirs=$(awk '/^Subject: new station/ { want = 1 } want && /ip address:/ { ip = $3 }
		want && /^ *ethernet address:/ { print ip, $3; want = 0 }' "$report" | sort -u)
	ours=$(awk '$2 == "new-station" { print $3, $4 }' "$live" | sort -u)
	if [[ -n $theirs && $ours == "$theirs" ]]; then
		t_pass "arpwatch finds the same new stations ($(wc -l <<<"$ours"))"
	else
		t_fail "arpwatch finds the same new stations" "ours: ${ours//$'\n'/; }" "arpwatch: ${theirs//$'\n'/; }"
	fi
	theirs=$(awk '/^Subject: flip flop/ { want = 1 } want && /ip address:/ { ip = $3 }
		want && /^ *ethernet address:/ { print ip, $3; want = 0 }' "$report" | sort -u)
	ours=$(awk '$2 == "flip-flop" && $3 != "'"$SHARED"'" { print $3, $4 }' "$live" | sort -u)
	theirs=$(grep -v "^$SHARED " <<<"$theirs")
	if [[ -n $theirs && $ours == "$theirs" ]]; then
		t_pass "arpwatch finds the same flip-flops ($theirs)"
	else
		t_fail "arpwatch finds the same flip-flops" "ours: ${ours//$'\n'/; }" "arpwatch: ${theirs//$'\n'/; }"
	fi
}

check_restart_same_db() {
	local out=$LAB_TMP/restart.txt
	start_watch "$out"
	lab_exec c ip neigh flush dev eth0
	lab_exec c ping -c1 -W2 -q "$IP_A" >/dev/null
	lab_exec c ping -c1 -W2 -q "$IP_B" >/dev/null
	lab_exec a arping -q -U -c1 -I eth0 "$VIP"
	lab_exec d arping -q -U -c1 -I eth0 "$IP_D"
	sleep 1
	stop_pid "$WATCH_PID"
	assert_event "after a restart a new host is still new" "$out" new-station "$IP_D" "$MAC_D" -
	t_assert_eq "$IP_D" "$(awk '$2 == "new-station" { print $3 }' "$out" | sort -u | tr '\n' ' ' | sed 's/ $//')" \
		"after a restart with the same database, only the new host is new"
	if grep -qE " (changed-mac|flip-flop) " "$out"; then
		t_fail "no move is reported for hosts that did not move" "$(cat "$out")"
	else
		t_pass "no move is reported for hosts that did not move"
	fi
}

build_lab
live=$LAB_TMP/live.txt
lab_bg mon tcpdump -i eth0 -U -w "$CAP" -s 0 arp or ip
TCPDUMP_PID=$LAB_BG_PID
start_watch "$live"
drive_traffic
stop_pid "$WATCH_PID"
stop_pid "$TCPDUMP_PID" INT
check_live_events "$live"
check_offline_matches "$live"
check_arpwatch_agrees "$live"
check_restart_same_db
t_done
