#!/bin/bash
# arpkit daemon split in two: the worker, which parses netlink, frames and metrics
# requests, holds no capability in any set and runs under its seccomp list; a
# helper holds CAP_NET_RAW alone, under its own list, with no descriptor but its
# socket to the worker. An interface that appears after the start still gets its
# packet socket (from the helper: the worker could not open one) and its address
# announced and confirmed at the router. Either process ending ends the other.
# Each forbidden call kills the worker with SIGSYS. As the systemd unit runs it
# (an unprivileged user, CAP_NET_RAW and CAP_SETPCAP ambient, no_new_privs) it
# works the same and ends with the same privileges.
set -uo pipefail
# shellcheck source=tests/lab/lab.sh
. "${LAB_LIB:-$(dirname "$0")/../lab/lab.sh}"
# shellcheck source=tests/integration/sandbox-lib.bash
. "$(dirname "$0")/sandbox-lib.bash"
ARPKIT=${ARPKIT:-$(dirname "$0")/../../build/arpkit}

command -v setpriv >/dev/null || t_skip "setpriv (util-linux) is not installed"
((EUID == 0)) || t_skip "needs root"

NODE_MAC=02:00:00:00:0c:0c
LATE_MAC=02:00:00:00:0c:1d
CAP_NET_RAW_HEX=0000000000002000
METRICS=127.0.0.1:9567
MOVED_METRICS=127.0.0.1:9568
LOG=

lab_init
lab_switch lan >/dev/null
lab_plug router eth0 lan 02:00:00:00:00:01
lab_router_sticky router eth0
lab_router_drop_garp router eth0
lab_plug node eth0 lan "$NODE_MAC"
lab__run router ip addr add 10.30.0.1/16 dev eth0
lab__run node ip addr add 10.30.0.2/16 dev eth0
lab__run node ip route add default via 10.30.0.1
# Two interfaces of node will share the subnet: each answers only for its own.
lab__run node sysctl -qw net.ipv4.conf.all.arp_ignore=1

# shellcheck disable=SC2317  # called through lab_wait_for
log_has() { grep -q -- "$1" "$LOG" 2>/dev/null; }
# shellcheck disable=SC2317
router_maps() { [[ $(lab_neigh_mac router "$1") == "$2" ]]; }
# shellcheck disable=SC2317
gone() { ! kill -0 "$1" 2>/dev/null; }

# start_daemon NAME [WRAPPER...] -- ARGS...: the daemon in node (its log in LOG),
# WORKER and HELPER set once it has started.
start_daemon() {
	local name=$1 kids
	shift
	local -a wrapper=()
	while [[ $1 != -- ]]; do
		wrapper+=("$1")
		shift
	done
	shift
	LOG=$LAB_TMP/$name.log
	lab_bg node "${wrapper[@]}" "$ARPKIT" daemon "$@" 2>"$LOG"
	WORKER=$LAB_BG_PID
	t_assert_exit -m "$name: the daemon starts" 0 lab_wait_for 10 log_has "started: watching"
	kids=$(children_of "$WORKER")
	HELPER=${kids:-0}
	t_assert_eq 1 "$(wc -w <<<"$kids")" "$name: the worker has one child, the privileged helper"
}

# The packet sockets a process holds: its socket inodes listed in /proc/net/packet.
packet_sockets_of() {
	local pid=$1
	lab_exec node awk 'NR > 1 { print $NF }' /proc/net/packet | sort >"$LAB_TMP/packet.inodes"
	fd_targets "$pid" | sed -n 's/.* socket:\[\([0-9]*\)\]$/\1/p' | sort |
		comm -12 - "$LAB_TMP/packet.inodes" | wc -l
}

fetch_metrics() { # ADDR:PORT
	# shellcheck disable=SC2016  # expanded by the inner shell
	lab_exec node bash -c 'exec 3<>/dev/tcp/${1%:*}/${1#*:} || exit 1
		printf "GET /metrics HTTP/1.0\r\n\r\n" >&3
		timeout 5 cat <&3' _ "$1"
}

check_premise() {
	t_assert_unconfined_calls node
	# Without CAP_NET_RAW no process here opens a packet socket: a worker with no
	# capability could not open one for an interface that appears later by itself.
	t_assert_exit -m "control: without CAP_NET_RAW a packet socket is refused here" 1 \
		lab_exec node setpriv --bounding-set=-all --inh-caps=-all python3 -c '
import socket, sys
try:
    socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
except PermissionError:
    sys.exit(1)'
}

check_split() {
	t_assert_no_caps "$WORKER" "the worker holds no capability in any set (CapInh/Prm/Eff/Bnd/Amb all 0)"
	t_assert_filtered "$WORKER" "the worker runs under its seccomp filter, no_new_privs set"
	t_assert_caps "$HELPER" "$CAP_NET_RAW_HEX" "the helper holds CAP_NET_RAW alone (permitted, effective; no bounding set)"
	t_assert_filtered "$HELPER" "the helper runs under its own seccomp filter"
	if [[ $(fd_targets "$HELPER" | grep -vcE '^[012] ') == 1 && $(fd_targets "$HELPER" | grep -c ' socket:') == 1 ]]; then
		t_pass "the helper holds stdio and its one socket to the worker: no netlink, no packet socket, no listener"
	else
		t_fail "the helper holds stdio and its one socket to the worker" "$(fd_targets "$HELPER" | tr '\n' ';')"
	fi
	t_assert_eq 1 "$(packet_sockets_of "$WORKER")" "the worker holds eth0's packet socket"
	t_assert_eq 0 "$(packet_sockets_of "$HELPER")" "the helper kept no packet socket of its own"
}

# An interface plugged in after the start: its socket must come from the helper.
check_late_interface() {
	lab_plug node eth1 lan "$LATE_MAC"
	t_assert_eq "" "$(lab_neigh_mac router 10.30.1.2)" "before: the router knows nothing of 10.30.1.2"
	lab__run node ip addr add 10.30.1.2/16 dev eth1
	t_assert_exit -m "an interface that appeared later: its address is announced and confirmed" 0 \
		lab_wait_for 10 log_has "^arpkit daemon: 10.30.1.2 eth1 confirmed .*(added)"
	t_assert_exit -m "and the router maps 10.30.1.2 to eth1's MAC" 0 \
		lab_wait_for 5 router_maps 10.30.1.2 "$LATE_MAC"
	t_assert_eq 2 "$(packet_sockets_of "$WORKER")" "the worker now holds packet sockets for eth0 and eth1"
	t_assert_no_caps "$WORKER" "and still no capability: the helper opened eth1's"
	t_assert_eq 0 "$(packet_sockets_of "$HELPER")" "the helper kept none"
}

check_services() {
	local text
	text=$(fetch_metrics "$METRICS")
	t_assert_exit -m "metrics are served by the sandboxed worker" 0 \
		grep -qE '^arpkit_confirmations_total [1-9]' <<<"$text"
	# A reload that moves the metrics listener: a new TCP socket, bound and
	# listening, made under the filter.
	echo "metrics $MOVED_METRICS" >"$CONF"
	kill -HUP "$WORKER"
	t_assert_exit -m "SIGHUP reloads under the filter" 0 lab_wait_for 5 log_has "reloaded: watching"
	text=$(fetch_metrics "$MOVED_METRICS")
	t_assert_exit -m "and the metrics move to their new address" 0 \
		grep -qE '^arpkit_confirmations_total [1-9]' <<<"$text"
	lab__run node ip addr add 10.30.0.60/16 dev eth0
	t_assert_exit -m "after the reload an address is still announced" 0 \
		lab_wait_for 10 log_has "10.30.0.60 eth0 confirmed"
	t_assert_filtered "$WORKER" "the worker is alive and filtered"
}

check_helper_dies() {
	local status=0
	kill -KILL "$HELPER"
	t_assert_exit -m "the helper killed: the worker exits at once" 0 lab_wait_for 3 gone "$WORKER"
	wait "$WORKER" || status=$?
	t_assert_eq 2 "$status" "with exit 2 (the service manager restarts it)"
	t_assert_exit -m "saying why" 0 log_has "the privileged helper that opens packet sockets stopped"
}

check_worker_dies() {
	start_daemon worker-killed -- -I eth0
	kill -KILL "$WORKER"
	wait "$WORKER" 2>/dev/null
	t_assert_exit -m "the worker killed: the helper ends too, no orphan" 0 lab_wait_for 3 gone "$HELPER"
}

check_probes() {
	local probe status
	for probe in "${SANDBOX_PROBES[@]}"; do
		status=0
		LOG=$LAB_TMP/probe-$probe.log
		lab_exec node "$ARPKIT" daemon -I eth0 --sandbox-probe "$probe" 2>"$LOG" || status=$?
		t_assert_sigsys "$status" "$LOG" "the worker attempting $probe once sandboxed dies of SIGSYS"
	done
}

# As systemd/arpkit.service runs it: DynamicUser (here nobody), CAP_NET_RAW and
# CAP_SETPCAP ambient and bounding, NoNewPrivileges.
check_as_the_unit() {
	local status=0
	lab__run node ip addr del 10.30.1.2/16 dev eth1
	start_daemon unit setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all,+net_raw,+setpcap --ambient-caps=-all,+net_raw,+setpcap \
		--bounding-set=-all,+net_raw,+setpcap --no-new-privs -- -I eth1 --peer 10.30.0.1
	t_assert_eq 65534 "$(proc_field "$WORKER" Uid)" "unit: the worker runs as the unprivileged user"
	t_assert_no_caps "$WORKER" "unit: the worker holds no capability, bounding set included"
	t_assert_caps "$HELPER" "$CAP_NET_RAW_HEX" "unit: the helper holds CAP_NET_RAW alone"
	lab__run node ip addr add 10.30.1.3/16 dev eth1
	t_assert_exit -m "unit: an address is announced and confirmed" 0 \
		lab_wait_for 10 log_has "10.30.1.3 eth1 confirmed"
	t_assert_exit -m "unit: the router maps it" 0 lab_wait_for 5 router_maps 10.30.1.3 "$LATE_MAC"
	kill -TERM "$WORKER"
	wait "$WORKER" || status=$?
	t_assert_eq 0 "$status" "unit: SIGTERM stops it with exit 0"
	t_assert_exit -m "unit: and the helper with it" 0 lab_wait_for 3 gone "$HELPER"
}

check_premise
CONF=$LAB_TMP/daemon.conf
echo "metrics $METRICS" >"$CONF"
start_daemon main -- --config "$CONF" --peer 10.30.0.1
check_split
check_late_interface
check_services
check_helper_dies
check_worker_dies
check_probes
check_as_the_unit
t_done
