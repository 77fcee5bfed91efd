#!/bin/bash
# arpkit watch must never lie (issue 10, items 1 and 4), live on a mirror port and from
# tcpdump's capture of the same traffic:
#
#   1. A fast failover: a answers the router for the VIP, dies, and b announces the VIP
#      milliseconds later. That is a move (changed-mac), not a conflict; a neighbour
#      whose entry still points at a is stale, one that resolved b is not; when the
#      stale neighbour is fixed the story closes (stale-cache-cleared); the later move
#      back is a flip-flop.
#   2. The LVS ARP leak: a real server with the VIP on lo, arp_ignore=1 and
#      arp_announce=0 asks for the router *from the VIP*, and the router (and every
#      neighbour) now maps the VIP to the real server. watch says arp-leak, naming the
#      VIP, the leaking MAC and the director that answers for it, and keeps the
#      director as holder.
#   3. A genuine move whose new host only sends requests (no announcement), its old
#      holder dead: a move (changed-mac), not a leak.
#
# Each part first shows the lab reproduces the situation (timings on the wire, the
# router's neighbour table), then asserts the events and the stored holder.
set -uo pipefail
# shellcheck source=tests/lab/lab.sh
. "${LAB_LIB:-$(dirname "$0")/../lab/lab.sh}"
ARPKIT=${ARPKIT:-$(dirname "$0")/../../build/arpkit}
# shellcheck source=tests/integration/40-watch-lib.bash
. "$(dirname "$0")/40-watch-lib.bash"

command -v tcpdump >/dev/null || t_skip "tcpdump is not installed"
command -v arping >/dev/null || t_skip "arping (iputils) is not installed"
command -v sqlite3 >/dev/null || t_skip "sqlite3 (CLI) is not installed"

lab_init

GW=192.0.2.1 VIP=192.0.2.50 LVS_VIP=192.0.2.100 ADDR=192.0.2.60
MAC_R=02:00:00:00:00:01 MAC_A=02:00:00:00:00:0a MAC_B=02:00:00:00:00:0b
MAC_C=02:00:00:00:00:0c MAC_D=02:00:00:00:00:0d MAC_MON=02:00:00:00:00:fe
MAC_DIR=02:00:00:00:00:40 MAC_RS=02:00:00:00:00:41 MAC_L=02:00:00:00:00:42
MAC_E=02:00:00:00:00:e0 MAC_F=02:00:00:00:00:f0
DB=$LAB_TMP/watch.db CAP=$LAB_TMP/capture.pcap LIVE=$LAB_TMP/live.txt

run() {
	lab_exec "$@" || lab_die "failed in $1: ${*:2}"
}

build_lab() {
	local spec role mac ip
	lab_switch lan --flood >/dev/null
	for spec in "r $MAC_R $GW" "a $MAC_A 192.0.2.10" "b $MAC_B 192.0.2.11" \
		"c $MAC_C 192.0.2.20" "d $MAC_D 192.0.2.30" "mon $MAC_MON 192.0.2.254" \
		"dir $MAC_DIR 192.0.2.40" "rs $MAC_RS 192.0.2.41" "l $MAC_L 192.0.2.42" \
		"e $MAC_E 192.0.2.61" "f $MAC_F -"; do
		read -r role mac ip <<<"$spec"
		lab_plug "$role" eth0 lan "$mac"
		[[ $ip == - ]] || run "$role" ip addr add "$ip/24" dev eth0
		# Requests from the primary address only, so no host claims an address by
		# surprise; the real server and f are set up below as the story needs.
		run "$role" sysctl -qw net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.eth0.arp_announce=2
	done
	# The LVS pair: the director answers for the VIP; the real server holds it on lo,
	# does not answer for it (arp_ignore=1) but asks from it (arp_announce=0).
	run dir ip addr add "$LVS_VIP/32" dev eth0
	run rs ip addr add "$LVS_VIP/32" dev lo
	run rs sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.eth0.arp_ignore=1 \
		net.ipv4.conf.all.arp_announce=0 net.ipv4.conf.eth0.arp_announce=0
	run rs ip route add default via "$GW"
}

# Seconds between the first frames matching two patterns in the capture.
gap_between() { # PATTERN_1 PATTERN_2
	tcpdump -r "$CAP" -nn -e -tt arp 2>/dev/null | awk -v p1="$1" -v p2="$2" '
		index($0, p1) && !t1 { t1 = $1 }
		t1 && index($0, p2) && !t2 { t2 = $1 }
		END { if (t1 && t2) printf "%.3f\n", t2 - t1; else print "none" }'
}

failover() {
	run a ip addr add "$VIP/24" dev eth0
	run c ping -c1 -W2 -q 192.0.2.10 >/dev/null # c is known by its address
	run r ping -c1 -W2 -q "$VIP" >/dev/null
	FAILOVER_ROUTER_BEFORE=$(lab_neigh_mac r "$VIP")
	# c keeps the old MAC (a neighbour with a long-lived entry).
	run c ip neigh replace "$VIP" lladdr "$MAC_A" nud permanent dev eth0
	# The failover: a answers one more request and dies; b announces at once.
	run r arping -q -c1 -w1 -I eth0 "$VIP"
	run a ip link set eth0 down
	run b ip addr add "$VIP/24" dev eth0
	run b arping -q -U -c1 -I eth0 "$VIP"
	FAILOVER_ROUTER_AFTER=$(lab_neigh_mac r "$VIP")
	# c keeps sending to a, past the end of the window.
	lab_bg c ping -c 20 -i 0.2 -W1 -q "$VIP"
	STALE_PING_PID=$LAB_BG_PID
	# d resolves the VIP afresh: it sends to b, the right MAC.
	run d ping -c3 -i0.3 -W1 -q "$VIP" >/dev/null
	STALE_STATUS=0
	wait "$STALE_PING_PID" || STALE_STATUS=$?
	# c is fixed: its next packets go to b.
	run c ip neigh replace "$VIP" lladdr "$MAC_B" nud permanent dev eth0
	run c ping -c2 -i0.3 -W1 -q "$VIP" >/dev/null
	run c ip neigh del "$VIP" dev eth0
	sleep 2.5
	# Back to a, announced, b quiet for longer than the window.
	run b ip addr del "$VIP/24" dev eth0
	run a ip link set eth0 up # a kept its addresses while down
	sleep 0.5
	run a arping -q -U -c1 -I eth0 "$VIP"
}

lvs_leak() {
	lab_bg l ping -c 60 -i 0.2 -W1 -q "$LVS_VIP"
	LVS_CLIENT_PID=$LAB_BG_PID
	run r ping -c1 -W2 -q "$LVS_VIP" >/dev/null
	LVS_ROUTER_BEFORE=$(lab_neigh_mac r "$LVS_VIP")
	sleep 1
	# The real server answers a client from the VIP: it asks for the router from the VIP.
	run rs ip neigh flush dev eth0
	run rs ping -c1 -W2 -q -I "$LVS_VIP" "$GW" >/dev/null
	LVS_ROUTER_AFTER=$(lab_neigh_mac r "$LVS_VIP")
	sleep 3
}

request_only_move() {
	run e ip addr add "$ADDR/24" dev eth0
	run r ping -c1 -W2 -q "$ADDR" >/dev/null
	MOVE_ROUTER_BEFORE=$(lab_neigh_mac r "$ADDR")
	run e ip link set eth0 down
	sleep 2.5
	# f takes the address and only ever asks (no announcement).
	run f ip addr add "$ADDR/24" dev eth0
	run f ping -c1 -W2 -q "$GW" >/dev/null
	MOVE_ROUTER_AFTER=$(lab_neigh_mac r "$ADDR")
	sleep 3
}

check_failover() {
	local out=$1 gap
	t_assert_eq "$MAC_A" "$FAILOVER_ROUTER_BEFORE" "failover: the router first maps $VIP to a"
	t_assert_eq "$MAC_B" "$FAILOVER_ROUTER_AFTER" "failover: after b's announcement the router maps it to b"
	gap=$(gap_between "Reply $VIP is-at $MAC_A" "$MAC_B > ff:ff:ff:ff:ff:ff")
	if [[ $gap != none ]] && awk -v g="$gap" 'BEGIN { exit !(g >= 0 && g < 2) }'; then
		t_pass "failover: b announced ${gap}s after a's last answer (inside the 2 s window)"
	else
		t_fail "failover: b announced inside the window after a's last answer" "gap: $gap"
	fi
	# ping exits 1 when no reply came: all of c's packets went to the dead a.
	t_assert_eq 1 "$STALE_STATUS" "failover: c's pinned entry really sends to the dead a (its ping gets no reply)"
	assert_event "failover: changed-mac to b, not a conflict" "$out" changed-mac "$VIP" "$MAC_B" "$MAC_A"
	assert_no_event "failover: no conflict for $VIP" "$out" "^conflict $VIP "
	if grep -E " stale-cache $VIP $MAC_B $MAC_A " "$out" | grep -qF "$MAC_C (192.0.2.20) still sends to $MAC_A"; then
		t_pass "failover: stale-cache names c, still sending to a"
	else
		t_fail "failover: stale-cache names c, still sending to a" "$(grep -F " $VIP " "$out" | tr '\n' ';')"
	fi
	if grep -E " stale-cache $VIP " "$out" | grep -qF "$MAC_D "; then
		t_fail "failover: no stale-cache for d, which sends to b" "$(grep stale-cache "$out")"
	else
		t_pass "failover: no stale-cache for d, which sends to b"
	fi
	if grep -E " stale-cache-cleared $VIP $MAC_B $MAC_A " "$out" | grep -qF "$MAC_C (192.0.2.20) now sends to the holder"; then
		t_pass "failover: stale-cache-cleared when c sends to b"
	else
		t_fail "failover: stale-cache-cleared when c sends to b" "$(grep -F " $VIP " "$out" | tr '\n' ';')"
	fi
	assert_event "failover: the move back is a flip-flop" "$out" flip-flop "$VIP" "$MAC_A" "$MAC_B"
}

check_lvs_leak() {
	local out=$1
	t_assert_eq "$MAC_DIR" "$LVS_ROUTER_BEFORE" "LVS: the router first maps the VIP to the director"
	t_assert_eq "$MAC_RS" "$LVS_ROUTER_AFTER" "LVS: the real server's request poisons the router (VIP -> real server)"
	assert_event "LVS: arp-leak names the VIP, the real server and the director" "$out" \
		arp-leak "$LVS_VIP" "$MAC_RS" "$MAC_DIR"
	assert_no_event "LVS: no move, flip-flop or conflict for the VIP" "$out" \
		"^(changed-mac|flip-flop|conflict) $LVS_VIP "
	t_assert_eq "$MAC_DIR" "$(sqlite3 "$DB" "SELECT mac FROM station WHERE ip = '$LVS_VIP'")" \
		"LVS: the director stays the holder in the database"
}

check_request_only_move() {
	local out=$1
	t_assert_eq "$MAC_E" "$MOVE_ROUTER_BEFORE" "request-only move: the router first maps $ADDR to e"
	t_assert_eq "$MAC_F" "$MOVE_ROUTER_AFTER" "request-only move: f's request moves the router to f"
	assert_event "request-only move: changed-mac to f" "$out" changed-mac "$ADDR" "$MAC_F" "$MAC_E"
	assert_no_event "request-only move: no arp-leak" "$out" "^arp-leak $ADDR "
	t_assert_eq "$MAC_F" "$(sqlite3 "$DB" "SELECT mac FROM station WHERE ip = '$ADDR'")" \
		"request-only move: f is the holder in the database"
}

check_offline_matches() {
	local offline=$LAB_TMP/offline.txt
	assert_offline_matches "$LIVE" "$CAP"
	"$ARPKIT" watch -r "$CAP" --json >"$offline.json" 2>/dev/null
	if python3 - "$offline.json" <<'EOF'; then
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
leak = [e for e in events if e["event"] == "arp-leak"]
assert leak and leak[0]["mac"] == "02:00:00:00:00:41" and leak[0]["old_mac"] == "02:00:00:00:00:40", leak
cleared = [e for e in events if e["event"] == "stale-cache-cleared"]
assert cleared and cleared[0]["sender_mac"] == "02:00:00:00:00:0c", cleared
assert cleared[0]["sender_ip"] == "192.0.2.20" and cleared[0]["old_mac"] == "02:00:00:00:00:0a", cleared
EOF
		t_pass "--json: arp-leak and stale-cache-cleared carry their MACs"
	else
		t_fail "--json: arp-leak and stale-cache-cleared carry their MACs"
	fi
}

build_lab
lab_bg mon tcpdump -i eth0 -U -w "$CAP" -s 0 arp or ip
TCPDUMP_PID=$LAB_BG_PID
lab_bg mon "$ARPKIT" watch -I eth0 --db "$DB" >"$LIVE" 2>"$LIVE.err"
WATCH_PID=$LAB_BG_PID
sleep 1.5
failover
lvs_leak
request_only_move
sleep 0.5
kill -TERM "$WATCH_PID"
wait "$WATCH_PID"
t_assert_eq 0 "$?" "watch exits 0 on SIGTERM"
kill -INT "$TCPDUMP_PID"
wait "$TCPDUMP_PID" 2>/dev/null
check_failover "$LIVE"
check_lvs_leak "$LIVE"
check_request_only_move "$LIVE"
check_offline_matches
t_done
