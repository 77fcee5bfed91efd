#!/bin/bash
# The engines' waits let SIGINT and SIGTERM in at once: announce and scan, stopped in
# the middle of a long wait, exit 2 saying "interrupted" within a moment, not when
# the wait would have ended. (Each blocks the signals outside its waits; a wait that
# forgot to unblock them would never see one.)
set -uo pipefail
. "$(dirname "$0")/../lab/lab.sh"

lab_init
lab_swap_topology
lab_swap_move

# stopped SIGNAL DESC ARGS...: arpkit ARGS, started in new, gets SIGNAL after 0.5 s
# and must be gone within 2 s more, with exit 2 and "interrupted".
stopped() {
	local signal=$1 desc=$2 pid status=0 start elapsed_ms
	shift 2
	# ip netns exec execs arpkit, so $! is arpkit itself.
	ip netns exec "$LAB_ID-new" "$ARPKIT" "$@" >"$LAB_TMP/out" 2>"$LAB_TMP/err" &
	pid=$!
	sleep 0.5
	start=${EPOCHREALTIME/[^0-9]/}
	kill -"$signal" "$pid"
	for _ in $(seq 40); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	elapsed_ms=$(((${EPOCHREALTIME/[^0-9]/} - start) / 1000))
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		t_fail "$desc: gone within 2 s of SIG$signal" "still running"
	else
		t_pass "$desc: gone within 2 s of SIG$signal (${elapsed_ms} ms)"
	fi
	wait "$pid" || status=$?
	t_assert_eq 2 "$status" "$desc: exit 2"
	grep -q "interrupted" "$LAB_TMP/err" && t_pass "$desc: says interrupted" ||
		t_fail "$desc: says interrupted" "$(cat "$LAB_TMP/err")"
}

# Rounds 20 s apart, nothing to confirm: the engine sits in its wait for the next one.
stopped INT "announce" announce -I eth0 --no-probe --no-verify -c 3 -i 20000 "$SWAP_VIP"
stopped TERM "announce" announce -I eth0 --no-probe --no-verify -c 3 -i 20000 "$SWAP_VIP"
# A silent target and a 20 s wait for its reply.
stopped INT "scan" scan -I eth0 --retry 0 --timeout 20000 192.0.2.200
stopped TERM "scan" scan -I eth0 --retry 0 --timeout 20000 192.0.2.200
t_done
