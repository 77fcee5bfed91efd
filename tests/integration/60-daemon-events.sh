#!/bin/bash
# arpkit daemon without any HA engine: a plain `ip addr add` is announced and
# confirmed, link down/up and a MAC change re-announce, another MAC claiming a held
# address is a conflict answered at most once per 5 s, 500 addresses added while the
# daemon is stopped are all announced after a netlink overrun, SIGHUP re-announces
# nothing, metrics are served, SIGTERM exits 0. The router drops gratuitous ARP and
# keeps its entries for hours, so only what the daemon does can move it.
set -uo pipefail
# shellcheck source=tests/lab/lab.sh
. "${LAB_LIB:-$(dirname "$0")/../lab/lab.sh}"

ARPKIT=${ARPKIT:-$(dirname "$0")/../../build/arpkit}
NODE_MAC=02:00:00:00:0c:0c
NEW_MAC=02:00:00:00:0c:0d
INTRUDER_MAC=02:00:00:00:0e:0e
LOG=
METRICS=127.0.0.1:9567

lab_init
lab_switch lan >/dev/null
lab_plug router eth0 lan 02:00:00:00:00:01
lab_router_sticky router eth0
lab_router_drop_garp router eth0
lab_plug node eth0 lan "$NODE_MAC"
lab_plug intruder eth0 lan "$INTRUDER_MAC"
lab__run router ip addr add 10.30.0.1/16 dev eth0
lab__run node ip addr add 10.30.0.2/16 dev eth0
lab__run node ip route add default via 10.30.0.1
lab__run intruder ip addr add 10.30.0.9/16 dev eth0
lab_raise_neigh_limits

# shellcheck disable=SC2317  # called through lab_wait_for
log_has() {
	grep -q -- "$1" "$LOG" 2>/dev/null
}

# shellcheck disable=SC2317
router_maps() {
	[[ $(lab_neigh_mac router "$1") == "$2" ]]
}

# shellcheck disable=SC2317
router_maps_range() {
	local mac=$1 want=$2
	(($(lab_exec router ip -4 neigh show dev eth0 | awk -v mac="$mac" '
		$1 ~ /^10\.30\.(1|2)\./ && $3 == mac { n++ } END { print n + 0 }') >= want))
}

count_lines() {
	grep -c -- "$1" "$LOG" 2>/dev/null
}

# start_daemon LOGNAME ARGS...: the daemon in node's namespace, text log in LOG.
start_daemon() {
	LOG=$LAB_TMP/$1.log
	shift
	lab_bg node "$ARPKIT" daemon "$@" 2>"$LOG"
	DAEMON=$LAB_BG_PID
	t_assert_exit -m "the daemon starts ($*)" 0 lab_wait_for 10 log_has "started: watching"
}

stop_daemon() {
	local status=0
	kill -TERM "$DAEMON"
	wait "$DAEMON" || status=$?
	t_assert_eq 0 "$status" "SIGTERM stops the daemon with exit 0"
	t_assert_exit -m "and it says so" 0 log_has "stopped by signal 15"
}

fetch_metrics() {
	# shellcheck disable=SC2016  # expanded by the inner shell
	lab_exec node bash -c 'exec 3<>/dev/tcp/${1%:*}/${1#*:} || exit 1
		printf "GET /metrics HTTP/1.0\r\n\r\n" >&3
		timeout 5 cat <&3' _ "$METRICS"
}

check_usage_errors() {
	t_assert_exit -m "an unknown interface is refused with exit 2" 2 \
		lab_exec node "$ARPKIT" daemon -I nosuch0
	t_assert_exit -m "metrics on the wildcard address are refused with exit 2" 2 \
		lab_exec node "$ARPKIT" daemon --metrics 0.0.0.0:9567
	t_assert_exit -m "metrics on an address the host lacks are refused with exit 2" 2 \
		lab_exec node "$ARPKIT" daemon --metrics 192.0.2.77:9567
	t_assert_exit -m "a bad --refresh is refused with exit 2" 2 \
		lab_exec node "$ARPKIT" daemon --refresh soon
	printf 'interface eth0\nbogus 1\n' >"$LAB_TMP/bad.conf"
	t_assert_exit -m "a bad config line is refused with exit 2" 2 \
		lab_exec node "$ARPKIT" daemon --config "$LAB_TMP/bad.conf"
}

check_secondary() {
	lab__run node ip addr add 10.30.0.50/16 dev eth0
	t_assert_exit -m "ip addr add of a secondary: the daemon logs it confirmed" 0 \
		lab_wait_for 5 log_has "^arpkit daemon: 10.30.0.50 eth0 confirmed .*(added)"
	t_assert_exit -m "and the router maps it to the node" 0 \
		lab_wait_for 2 router_maps 10.30.0.50 "$NODE_MAC"
}

check_link_bounce() {
	# A wrong entry the router would keep for hours...
	lab__run router ip neigh replace 10.30.0.50 lladdr 02:de:ad:00:00:01 dev eth0 nud reachable
	# The cable, pulled and plugged back at the switch: carrier goes and comes.
	lab__run lan ip link set p-node down
	t_assert_exit -m "carrier loss is noticed" 0 lab_wait_for 5 log_has "eth0: link down"
	lab__run lan ip link set p-node up
	t_assert_exit -m "link down/up: the daemon re-announces" 0 \
		lab_wait_for 5 log_has "10.30.0.50 eth0 confirmed .*(link-up)"
	t_assert_exit -m "and the router maps 10.30.0.50 to the node again" 0 \
		lab_wait_for 2 router_maps 10.30.0.50 "$NODE_MAC"
}

check_mac_change() {
	lab__run node ip link set eth0 address "$NEW_MAC"
	t_assert_exit -m "a MAC change is logged" 0 \
		lab_wait_for 5 log_has "eth0: MAC changed from $NODE_MAC to $NEW_MAC"
	t_assert_exit -m "and re-announced: the router maps 10.30.0.50 to the new MAC" 0 \
		lab_wait_for 5 router_maps 10.30.0.50 "$NEW_MAC"
	t_assert_exit -m "and the primary 10.30.0.2 too" 0 \
		lab_wait_for 5 router_maps 10.30.0.2 "$NEW_MAC"
}

check_conflict() {
	local k conflicts reannounced
	# Split brain: the intruder also holds 10.30.0.50 and keeps saying so
	# (who-has 10.30.0.1 tell 10.30.0.50, which the router learns from).
	lab__run intruder ip addr add 10.30.0.50/16 dev eth0
	for ((k = 0; k < 10; k++)); do
		lab_exec intruder arping -q -c1 -w1 -I eth0 -s 10.30.0.50 10.30.0.1
		sleep 0.1
	done
	t_assert_exit -m "the conflict is logged with both MACs" 0 \
		log_has "10.30.0.50 eth0 conflict: claimed by $INTRUDER_MAC, held here at $NEW_MAC"
	conflicts=$(count_lines "10.30.0.50 eth0 conflict")
	t_assert_eq 1 "$conflicts" "ten claims within 2 s make one conflict line (rate limit)"
	lab__run intruder ip addr del 10.30.0.50/16 dev eth0
	t_assert_exit -m "the address is re-announced and the router swings back" 0 \
		lab_wait_for 8 router_maps 10.30.0.50 "$NEW_MAC"
	reannounced=$(count_lines "10.30.0.50 eth0 confirmed .*(conflict)")
	if ((reannounced >= 1 && reannounced <= 2)); then
		t_pass "the conflict was answered with $reannounced re-announcement(s), not a storm"
	else
		t_fail "the conflict was answered by at most 2 re-announcements" "got $reannounced"
	fi
}

check_metrics() {
	local text
	text=$(fetch_metrics)
	t_assert_exit -m "metrics: confirmations are counted" 0 \
		grep -qE '^arpkit_confirmations_total [1-9]' <<<"$text"
	t_assert_exit -m "metrics: the conflict is counted" 0 \
		grep -qE '^arpkit_conflicts_total [1-9]' <<<"$text"
	t_assert_exit -m "metrics: convergence per interface" 0 \
		grep -qE '^arpkit_last_convergence_seconds\{interface="eth0"\} [0-9.]+$' <<<"$text"
}

check_reload() {
	local before after
	echo "refresh 0" >"$LAB_TMP/daemon.conf"
	lab_wait_for 3 false
	before=$(count_lines " eth0 confirmed ")
	kill -HUP "$DAEMON"
	t_assert_exit -m "SIGHUP reloads" 0 lab_wait_for 5 log_has "reloaded: watching eth0"
	sleep 1
	after=$(count_lines " eth0 confirmed ")
	t_assert_eq "$before" "$after" "SIGHUP re-announces nothing that did not change"
	lab__run node ip addr add 10.30.0.51/16 dev eth0
	t_assert_exit -m "after the reload new addresses are still announced" 0 \
		lab_wait_for 5 log_has "10.30.0.51 eth0 confirmed"
}

check_overrun() {
	local k batch=$LAB_TMP/addrs.batch
	for ((k = 0; k < 500; k++)); do
		echo "addr add 10.30.$((1 + k / 250)).$((k % 250 + 1))/16 dev eth0"
	done >"$batch"
	kill -STOP "$DAEMON"
	lab__run node ip -batch "$batch"
	kill -CONT "$DAEMON"
	t_assert_exit -m "the overrun is noticed and the daemon re-dumps" 0 \
		lab_wait_for 10 log_has "netlink overrun: re-dumping"
	t_assert_exit -m "all 500 addresses added while it was stopped are announced (router table)" 0 \
		lab_wait_for 20 router_maps_range "$NEW_MAC" 500
	# shellcheck disable=SC2016  # evaluated on every try
	t_assert_exit -m "each one is logged" 0 \
		lab_wait_for 5 eval '(($(count_lines "^arpkit daemon: 10\.30\.[12]\..* eth0 confirmed") >= 500))'
}

check_usage_errors
printf 'refresh 0\n' >"$LAB_TMP/daemon.conf"
start_daemon main -I eth0 --metrics "$METRICS" --config "$LAB_TMP/daemon.conf"
check_secondary
check_link_bounce
check_mac_change
check_conflict
check_metrics
check_reload
stop_daemon

# A tiny netlink buffer (a hidden test option) so 500 additions must overflow it.
start_daemon overrun -I eth0 --netlink-rcvbuf 4096
check_overrun
stop_daemon
t_done
