#!/bin/bash
# arpkit watch under least privilege, live and from a capture, with every feature
# on (--db, --exec, --syslog, --json): the process that parses frames holds no
# capability in any set and runs under its seccomp allow-list; its hooks come from
# a launcher that holds no capability, no packet socket and no filter; events,
# hooks, syslog lines and the database all still work; a terminal on stdout still
# works; and each forbidden call (execve, a packet socket, opening a file for
# writing, ptrace) kills watch with SIGSYS, where an unconfined process in the same
# place makes it without trouble.
set -uo pipefail
# shellcheck source=tests/lab/lab.sh
. "${LAB_LIB:-$(dirname "$0")/../lab/lab.sh}"
# shellcheck source=tests/integration/sandbox-lib.bash
. "$(dirname "$0")/sandbox-lib.bash"
ARPKIT=${ARPKIT:-$(dirname "$0")/../../build/arpkit}

command -v arping >/dev/null || t_skip "arping (iputils) is not installed"
command -v tcpdump >/dev/null || t_skip "tcpdump is not installed"
command -v sqlite3 >/dev/null || t_skip "sqlite3 (CLI) is not installed"
command -v unshare >/dev/null && command -v nsenter >/dev/null ||
	t_skip "unshare and nsenter (util-linux) are needed"
((EUID == 0)) || t_skip "needs root"

lab_init

MAC_A=02:00:00:00:00:0a MAC_B=02:00:00:00:00:0b
IP_A=192.0.2.10 IP_B=192.0.2.11
DB=$LAB_TMP/watch.db CAP=$LAB_TMP/capture.pcap
HOOKS=$LAB_TMP/hooks.log SYSLOG=$LAB_TMP/syslog.log

lab_switch lan --flood >/dev/null
lab_plug a eth0 lan "$MAC_A"
lab_plug b eth0 lan "$MAC_B"
lab_plug mon eth0 lan 02:00:00:00:00:fe
lab__run a ip addr add "$IP_A/24" dev eth0
lab__run b ip addr add "$IP_B/24" dev eth0
lab__run mon ip addr add 192.0.2.254/24 dev eth0

# A syslog daemon for the test only: /dev/log exists in a private mount namespace
# (an overlay on /dev), where a small receiver appends each message to SYSLOG. The
# host's /dev is untouched; the namespace ends with the receiver.
start_syslog() {
	# shellcheck disable=SC2016  # expanded by the inner shell
	lab_bg mon unshare --mount --propagation private bash -c '
		set -e
		mkdir -p "$1/dev"
		mount -t tmpfs lab-dev "$1/dev"
		mkdir "$1/dev/upper" "$1/dev/work"
		mount -t overlay lab-dev -o "lowerdir=/dev,upperdir=$1/dev/upper,workdir=$1/dev/work" /dev
		exec python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(\"/dev/log\")
with open(sys.argv[1], \"a\", buffering=1) as out:
    while True:
        out.write(s.recv(65536).decode(errors=\"replace\") + \"\\n\")
" "$2"' _ "$LAB_TMP" "$SYSLOG"
	SYSLOG_PID=$LAB_BG_PID
	# shellcheck disable=SC2317
	syslog_up() { lab_exec mon nsenter --mount="/proc/$SYSLOG_PID/ns/mnt" test -S /dev/log; }
	t_assert_exit -m "the test's syslog receiver is up" 0 lab_wait_for 10 syslog_up
}

# shellcheck disable=SC2317
has_line() { grep -q -- "$2" "$1" 2>/dev/null; }

check_premise() {
	# What the parsing process gives up: it starts with capabilities (root here).
	if [[ $(proc_field $$ CapEff) != 0000000000000000 ]]; then
		t_pass "the test starts watch with capabilities (CapEff $(proc_field $$ CapEff))"
	else
		t_fail "the test starts watch with capabilities" "CapEff is empty: run as root"
	fi
	t_assert_unconfined_calls mon
}

check_live() {
	local out=$LAB_TMP/live.json err=$LAB_TMP/live.err pid launcher status=0
	start_syslog
	lab_bg mon tcpdump -i eth0 -U -w "$CAP" -s 0 arp
	TCPDUMP_PID=$LAB_BG_PID
	# The hook records what it was given, and the filter it runs under (none).
	lab_bg mon nsenter --mount="/proc/$SYSLOG_PID/ns/mnt" "$ARPKIT" watch -I eth0 --db "$DB" \
		--json --syslog --exec-rate 100 \
		--exec "echo \"\$ARPKIT_EVENT \$ARPKIT_IP \$ARPKIT_MAC \$ARPKIT_INTERFACE \$(grep -c '^Seccomp:[[:space:]]*0' /proc/self/status)\" >>$HOOKS" \
		>"$out" 2>"$err"
	pid=$LAB_BG_PID
	sleep 1.5
	t_assert_no_caps "$pid" "watch holds no capability in any set (CapInh/Prm/Eff/Bnd/Amb all 0)"
	t_assert_filtered "$pid" "watch runs under its seccomp filter, no_new_privs set"
	mapfile -t kids < <(children_of "$pid")
	t_assert_eq 1 "${#kids[@]}" "watch has one child, the hook launcher"
	launcher=${kids[0]:-0}
	t_assert_no_caps "$launcher" "the hook launcher holds no capability"
	t_assert_eq 0 "$(proc_field "$launcher" Seccomp)" "the hook launcher has no filter (hooks run like any program)"
	# Its descriptors: stdio and its one socket to watch; not a packet socket, not
	# the database, not netlink.
	# Its descriptors: stdio, the signalfd it reaps hooks with, and one socket (to
	# watch); not a packet socket, not the database, not netlink.
	if [[ $(fd_targets "$launcher" | grep -vcE '^[012] |signalfd') == 1 &&
		$(fd_targets "$launcher" | grep -c ' socket:') == 1 ]]; then
		t_pass "the launcher holds stdio, its signalfd and one socket (to watch), nothing else"
	else
		t_fail "the launcher holds stdio, its signalfd and one socket (to watch), nothing else" \
			"$(fd_targets "$launcher" | tr '\n' ';')"
	fi

	lab_exec a arping -q -U -c1 -I eth0 "$IP_A"
	lab_exec b arping -q -U -c1 -I eth0 "$IP_B"
	t_assert_exit -m "events reach stdout (JSON)" 0 lab_wait_for 10 has_line "$out" "\"ip\":\"$IP_B\""
	t_assert_exit -m "the hook ran for a's new station" 0 \
		lab_wait_for 10 has_line "$HOOKS" "new-station $IP_A $MAC_A eth0 1"
	t_assert_exit -m "and for b's, unconfined (Seccomp 0 in the hook)" 0 \
		lab_wait_for 10 has_line "$HOOKS" "new-station $IP_B $MAC_B eth0 1"
	t_assert_exit -m "syslog got the event from arpkit-watch[$pid]" 0 \
		lab_wait_for 10 has_line "$SYSLOG" "arpkit-watch\[$pid\]: new-station $IP_A"
	t_assert_filtered "$pid" "watch is still alive and filtered after the events"

	kill -TERM "$pid"
	wait "$pid" || status=$?
	kill -INT "$TCPDUMP_PID" 2>/dev/null
	wait "$TCPDUMP_PID" 2>/dev/null
	t_assert_eq 0 "$status" "SIGTERM stops the sandboxed watch with exit 0"
	if grep -q '"hooks_run":[1-9][0-9]*,"hooks_dropped":0,"hooks_failed":0' "$err"; then
		t_pass "the counters report the hooks run, none dropped or failed"
	else
		t_fail "the counters report the hooks run, none dropped or failed" "$(tail -c 600 "$err")"
	fi
	t_assert_eq 0 "$(children_of "$pid" 2>/dev/null | wc -l)" "no process is left behind"
	t_assert_eq 2 "$(sqlite3 "$DB" "select count(*) from station where ip in ('$IP_A', '$IP_B')" 2>&1)" \
		"the database holds both stations, written under the filter"
	if [[ -e $DB-wal || -e $DB-shm ]]; then
		t_fail "SQLite removed its -wal and -shm at close" "$(ls -l "$DB"*)"
	else
		t_pass "SQLite removed its -wal and -shm at close"
	fi
}

check_offline() {
	local fifo=$LAB_TMP/feed out=$LAB_TMP/offline.txt pid status=0
	mkfifo "$fifo"
	# A capture from a pipe: its header first, then a pause (watch waits for the
	# first frame, sandboxed by then) so /proc can be looked at, then the frames.
	"$ARPKIT" watch -r - --db "$LAB_TMP/offline.db" <"$fifo" >"$out" 2>"$out.err" &
	pid=$!
	exec 4>"$fifo"
	head -c 24 "$CAP" >&4
	sleep 1
	t_assert_no_caps "$pid" "watch -r holds no capability"
	t_assert_filtered "$pid" "watch -r runs under its seccomp filter"
	tail -c +25 "$CAP" >&4
	exec 4>&-
	wait "$pid" || status=$?
	t_assert_eq 0 "$status" "watch -r from the pipe exits 0 at its end"
	if grep -q " new-station $IP_B $MAC_B " "$out"; then
		t_pass "watch -r reports the capture's events"
	else
		t_fail "watch -r reports the capture's events" "$(cat "$out" "$out.err")"
	fi
}

# stdio asks whether stdout is a terminal (ioctl TCGETS) at its first write; the
# filter allows that one question.
check_terminal() {
	local out=$LAB_TMP/tty.txt status=0
	if ! command -v script >/dev/null; then
		t_pass "(script(1) is not installed: terminal check skipped)"
		return
	fi
	script -qec "$ARPKIT watch -r $CAP --no-db" /dev/null >"$out" 2>&1 || status=$?
	t_assert_eq 0 "$status" "watch -r with a terminal on stdout exits 0"
	if grep -q " new-station $IP_A " "$out"; then
		t_pass "and prints its events to the terminal"
	else
		t_fail "and prints its events to the terminal" "$(head -c 600 "$out")"
	fi
}

check_probes() {
	local probe status err=$LAB_TMP/probe.err
	for probe in "${SANDBOX_PROBES[@]}"; do
		status=0
		lab_exec mon "$ARPKIT" watch -I eth0 --no-db --sandbox-probe "$probe" \
			>/dev/null 2>"$err" || status=$?
		t_assert_sigsys "$status" "$err" "live watch attempting $probe dies of SIGSYS"
	done
	status=0
	"$ARPKIT" watch -r "$CAP" --no-db --sandbox-probe execve >/dev/null 2>"$err" || status=$?
	t_assert_sigsys "$status" "$err" "watch -r attempting execve dies of SIGSYS"
	status=0
	lab_exec mon "$ARPKIT" watch -I eth0 --no-db --exec true --syslog --sandbox-probe open-write \
		>/dev/null 2>"$err" || status=$?
	t_assert_sigsys "$status" "$err" "with --exec and --syslog too, opening a file for writing dies"
	t_assert_exit -m "an unknown probe is a usage error" 2 \
		"$ARPKIT" watch -r "$CAP" --sandbox-probe nonsense
}

check_premise
check_live
check_offline
check_terminal
check_probes
t_done
