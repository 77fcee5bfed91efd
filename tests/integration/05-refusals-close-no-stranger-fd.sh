#!/bin/bash
# A refused invocation closes only what it opened: never stdin, stdout or stderr
# (a zero-filled link array once made announce's cleanup close fd 0), and no close()
# of a descriptor that was never open (EBADF). Every command, several refusals each,
# traced with strace; they run in a lab namespace, though a refusal sends nothing.
set -uo pipefail
. "$(dirname "$0")/../lab/lab.sh"

command -v strace >/dev/null || t_skip "strace is not installed (scripts/install-deps)"
lab_init
lab_swap_topology
lab_swap_move

# check DESC ARGS...: arpkit ARGS, run in new under strace, refuses with exit 2,
# sends nothing, and its close() calls (of every process it starts) touch no
# descriptor it did not open.
check() {
	local desc=$1 trace=$LAB_TMP/trace before after status=0 strangers
	shift
	before=$(lab_frames_from lan new)
	# LeakSanitizer cannot work under ptrace; the other tests run it.
	lab_exec new env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=close,socket,openat -o "$trace" \
		"$ARPKIT" "$@" </dev/null >"$LAB_TMP/out" 2>"$LAB_TMP/err" || status=$?
	after=$(lab_frames_from lan new)
	t_assert_eq 2 "$status" "$desc: refused (exit 2)"
	t_assert_eq "$before" "$after" "$desc: no frame sent"
	if ! grep -q 'close(' "$trace"; then
		t_fail "$desc: traced" "no close() in the trace: $(head -c 300 "$trace")"
		return
	fi
	strangers=$(grep -E 'close\([012]\)|close\([0-9]+\) += -1 EBADF' "$trace")
	if [[ -z $strangers ]]; then
		t_pass "$desc: closes no stranger's descriptor"
	else
		t_fail "$desc: closes no stranger's descriptor" "$strangers" "$(cat "$LAB_TMP/err")"
	fi
}

check "announce, a bad address after a good one" announce -I eth0 "$SWAP_PRIMARY" not-an-ip
check "announce, a bad option" announce --no-such-option
check "announce, an unknown interface" announce -I nope0 "$SWAP_PRIMARY"
check "announce, loopback" announce -I lo 127.0.0.1
check "announce, an address not held" announce -I eth0 "$SWAP_PRIMARY" 192.0.2.77
check "announce, a peer off the link" announce -I eth0 --peer 198.51.100.1

check "ping, a bad option" ping --no-such-option 192.0.2.1
check "ping, a bad target" ping -I eth0 not-an-ip
check "ping, an unknown interface" ping -I nope0 "$SWAP_GW"
check "ping, loopback" ping -I lo "$SWAP_GW"
check "ping, a source not held" ping -I eth0 -S 192.0.2.99 "$SWAP_GW"

check "scan, a bad option" scan --no-such-option
check "scan, a bad target" scan -I eth0 not-a-target
check "scan, an unknown interface" scan -I nope0 192.0.2.0/30
check "scan, loopback" scan -I lo 127.0.0.0/30

check "watch, a bad option" watch --no-such-option
check "watch, an unknown interface" watch --no-db -I nope0
check "watch, loopback" watch --no-db -I lo

check "hide, a bad option" hide --no-such-option
check "hide, a bad VIP" hide add not-an-ip
check "hide, an unknown device" hide add 192.0.2.50 --dev nope0

check "audit, a bad option" audit --no-such-option
check "audit, a bad VIP" audit --vip not-an-ip
check "audit, an unknown interface" audit -I nope0 --vip "$SWAP_VIP"

check "daemon, a bad option" daemon --no-such-option
check "daemon, an unknown interface" daemon -I nope0
check "daemon, loopback" daemon -I lo

t_done
