# shellcheck shell=bash
# Checks shared by the least-privilege tests (42-watch-sandbox, 61-daemon-privsep):
# what /proc says about a running process's capabilities, seccomp state and
# descriptors, and how a sandboxed process ends when it makes a forbidden call.
#
# Needs tests/lab/lab.sh sourced (the t_* assertions).

# The probes arpkit's hidden --sandbox-probe knows (lib/sandbox.h).
SANDBOX_PROBES=(execve packet-socket open-write ptrace)
# A process killed by SIGSYS, as the shell reports it.
SIGSYS_STATUS=$((128 + 31))

# proc_field PID FIELD: FIELD's value in /proc/PID/status ("" if PID is gone).
proc_field() {
	awk -v field="$2:" '$1 == field { print $2 }' "/proc/$1/status" 2>/dev/null
}

# children_of PID: PID's child processes, one per line.
children_of() {
	tr ' ' '\n' <"/proc/$1/task/$1/children" 2>/dev/null | grep .
}

# fd_targets PID: what each of PID's descriptors points at, one per line, as
# "FD TARGET" (socket:[N], a path, pipe:[N], anon_inode:...).
fd_targets() {
	local fd
	for fd in /proc/"$1"/fd/*; do
		echo "${fd##*/} $(readlink "$fd")"
	done
}

# t_assert_caps PID HEX DESC: PID's permitted and effective sets are exactly HEX,
# and its inheritable, ambient and bounding sets are empty.
t_assert_caps() {
	local pid=$1 want=$2 desc=$3 set value
	local -a wrong=()
	for set in CapPrm CapEff CapInh CapAmb CapBnd; do
		value=$(proc_field "$pid" "$set")
		case $set in
		CapPrm | CapEff) [[ $value == "$want" ]] || wrong+=("$set=$value (want $want)") ;;
		*) [[ $value == 0000000000000000 ]] || wrong+=("$set=$value (want none)") ;;
		esac
	done
	if ((${#wrong[@]} == 0)); then
		t_pass "$desc"
	else
		t_fail "$desc" "${wrong[@]}"
	fi
}

# t_assert_no_caps PID DESC: not one capability in any set, bounding set included.
t_assert_no_caps() {
	t_assert_caps "$1" 0000000000000000 "$2"
}

# t_assert_filtered PID DESC: PID runs under a seccomp filter (mode 2) with
# no_new_privs set.
t_assert_filtered() {
	local mode nnp
	mode=$(proc_field "$1" Seccomp)
	nnp=$(proc_field "$1" NoNewPrivs)
	if [[ $mode == 2 && $nnp == 1 ]]; then
		t_pass "$2"
	else
		t_fail "$2" "Seccomp: '$mode' (want 2), NoNewPrivs: '$nnp' (want 1)"
	fi
}

# t_assert_sigsys STATUS STDERR_FILE DESC: a process ended killed by SIGSYS, and
# never said the call got through.
t_assert_sigsys() {
	local status=$1 err=$2 desc=$3
	if ((status == SIGSYS_STATUS)) && ! grep -q 'let a forbidden call through' "$err"; then
		t_pass "$desc"
	else
		t_fail "$desc" "exit status $status (want $SIGSYS_STATUS: SIGSYS)" "$(head -c 600 "$err")"
	fi
}

# t_assert_unconfined_calls ROLE: the probes' calls, made by an ordinary process in
# ROLE's namespace, go through: the kernel allows them here, so a sandboxed arpkit
# that dies on them dies of its filter, nothing else. (ptrace is left out: tracing
# anything real from a test is not done; unconfined it reaches the kernel like the
# others.)
t_assert_unconfined_calls() {
	local role=$1
	t_assert_exit -m "control: an unconfined process in $role may execve" 0 \
		lab_exec "$role" /bin/true
	t_assert_exit -m "control: and open a packet socket" 0 \
		lab_exec "$role" python3 -c 'import socket; socket.socket(socket.AF_PACKET, socket.SOCK_RAW)'
	t_assert_exit -m "control: and open a file for writing" 0 \
		lab_exec "$role" python3 -c 'open("/dev/null", "w")'
}
