#!/bin/bash
# arpkit watch: its database and its edges. A database that is not ours, or is
# corrupt, is refused untouched (exit 2); kill -9 loses at most about the last
# second of sightings and never corrupts the file; hooks never block capture;
# several interfaces in one process; SIGUSR1 counters; bad input exits 2. A database
# watch cannot write is refused at open; a corrupt one is named in one line; rows for
# hundreds of other interfaces do not stop watch from watching eth0.
set -uo pipefail
# shellcheck source=tests/lab/lab.sh
. "${LAB_LIB:-$(dirname "$0")/../lab/lab.sh}"
ARPKIT=${ARPKIT:-$(dirname "$0")/../../build/arpkit}

command -v sqlite3 >/dev/null || t_skip "sqlite3 (CLI) is not installed"
command -v arping >/dev/null || t_skip "arping (iputils) is not installed"

lab_init

# A small capture of real-looking ARP: a host announcing, another answering.
make_capture() {
	python3 - "$1" <<'EOF'
import struct, sys
def arp(op, sha, spa, tha, tpa, dst):
    eth = bytes.fromhex(dst.replace(":", "")) + bytes.fromhex(sha.replace(":", "")) + b"\x08\x06"
    body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + bytes.fromhex(sha.replace(":", "")) + \
        bytes(map(int, spa.split("."))) + bytes.fromhex(tha.replace(":", "")) + bytes(map(int, tpa.split(".")))
    return (eth + body).ljust(60, b"\0")
frames = []
for i in range(20):
    frames.append(arp(1, "02:00:00:00:01:%02x" % i, "192.0.2.%d" % (i + 1), "00:00:00:00:00:00",
                      "192.0.2.%d" % (i + 1), "ff:ff:ff:ff:ff:ff"))
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for n, fr in enumerate(frames):
        f.write(struct.pack("<IIII", 1700000000 + n, 0, len(fr), len(fr)) + fr)
EOF
}

check_usage_errors() {
	t_assert_exit -m "an unknown option exits 2" 2 "$ARPKIT" watch --bogus
	t_assert_exit -m "a bad --net exits 2" 2 "$ARPKIT" watch -r /dev/null --net 10.0.0.0/33
	t_assert_exit -m "--db with --no-db exits 2" 2 "$ARPKIT" watch --db x --no-db -r /dev/null
	t_assert_exit -m "a missing capture file exits 2" 2 "$ARPKIT" watch -r "$LAB_TMP/none.pcap"
	t_assert_exit -m "--help exits 0" 0 "$ARPKIT" watch --help
	if "$ARPKIT" watch --help | grep -q -- "--flip-flop-window"; then
		t_pass "--help documents the windows"
	else
		t_fail "--help documents the windows"
	fi
}

check_foreign_and_corrupt() {
	local cap=$LAB_TMP/small.pcap foreign=$LAB_TMP/foreign.db ours=$LAB_TMP/ours.db
	local before err status
	make_capture "$cap"
	sqlite3 "$foreign" "CREATE TABLE hosts (name TEXT); INSERT INTO hosts VALUES ('x');"
	before=$(md5sum <"$foreign")
	status=0
	err=$("$ARPKIT" watch -r "$cap" --db "$foreign" 2>&1 >/dev/null) || status=$?
	t_assert_eq 2 "$status" "another program's database exits 2"
	if [[ $err == *"is not an arpkit watch database"* ]]; then
		t_pass "and says it is not ours"
	else
		t_fail "and says it is not ours" "$err"
	fi
	t_assert_eq "$before" "$(md5sum <"$foreign")" "and leaves it untouched"
	printf 'not a database at all\n%.0s' {1..300} >"$foreign"
	t_assert_exit -m "a text file as database exits 2" 2 "$ARPKIT" watch -r "$cap" --db "$foreign"

	t_assert_exit -m "watch -r builds its own database" 0 "$ARPKIT" watch -q -r "$cap" --db "$ours"
	t_assert_eq 20 "$(sqlite3 "$ours" 'SELECT count(*) FROM station')" "with every station in it"
	t_assert_eq 0 "$("$ARPKIT" watch -r "$cap" --db "$ours" 2>/dev/null | grep -c new-station)" \
		"a second run over the same database finds no new station"
	# Enough rows for several pages, all folded into the main file, then scribbled on.
	sqlite3 "$ours" "PRAGMA journal_mode=DELETE; WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3000) INSERT INTO station SELECT '10.1.' || (x / 250) || '.' || (x % 250), -1, 'x', '02:00:00:00:00:01', NULL, 0, 0, 0 FROM n;" >/dev/null
	python3 - "$ours" <<'EOF'
import os, sys
path = sys.argv[1]
size = os.path.getsize(path)
with open(path, "r+b") as f:
    for off in range(4096 + 100, size, 512):
        f.seek(off)
        f.write(b"garbage!" * 3)
EOF
	status=0
	err=$("$ARPKIT" watch -r "$cap" --db "$ours" 2>&1 >/dev/null) || status=$?
	t_assert_eq 2 "$status" "a corrupt database exits 2"
	if [[ $err == *"corrupt"* ]]; then
		t_pass "and says it is corrupt"
	else
		t_fail "and says it is corrupt" "$err"
	fi
	t_assert_eq 1 "$(wc -l <<<"$err")" "in one line"
}

# Without root's override of file modes (as the unprivileged user a packaged watch -r
# runs as), a read-only database used to be accepted, then fail at the first flush,
# twice, leaving -wal and -shm files. It must be refused at open.
check_read_only_db() {
	local cap=$LAB_TMP/small.pcap dir=$LAB_TMP/ro db before err status=0
	db=$dir/watch.db
	make_capture "$cap"
	mkdir -m 0777 "$dir"
	chmod 0755 "$LAB_TMP"
	t_assert_exit -m "watch -r builds a database to make read-only" 0 "$ARPKIT" watch -q -r "$cap" --db "$db"
	rm -f "$db-wal" "$db-shm"
	sqlite3 "$db" "DELETE FROM station WHERE ip = '192.0.2.1';"
	chmod 0444 "$db"
	before=$(md5sum <"$db")
	err=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$ARPKIT" watch -q -r "$cap" --db "$db" 2>&1 >/dev/null) || status=$?
	t_assert_eq 2 "$status" "a database the user cannot write exits 2"
	t_assert_eq 1 "$(wc -l <<<"$err")" "with one line on stderr"
	if [[ $err == *"read-only"* && $err == *"$db"* ]]; then
		t_pass "which names the file and says it is read-only"
	else
		t_fail "which names the file and says it is read-only" "$err"
	fi
	t_assert_eq "$before" "$(md5sum <"$db")" "the file is untouched"
	if [[ -e $db-wal || -e $db-shm ]]; then
		t_fail "no -wal or -shm file is left behind" "$(ls "$dir")"
	else
		t_pass "no -wal or -shm file is left behind"
	fi
	chmod 0700 "$LAB_TMP"
}

# A database with rows for 300 interfaces (more than the engine's 255 slots) used to
# fill every slot before the live interfaces were named, so -I eth0 was refused as an
# invalid name. Live interfaces come first; other interfaces' rows stay untouched.
check_many_stored_interfaces() {
	local db=$LAB_TMP/many.db out=$LAB_TMP/many.txt pid status=0
	sqlite3 "$db" "PRAGMA application_id = $((0x61726b77)); PRAGMA user_version = 1;
		CREATE TABLE station (ip TEXT NOT NULL, vlan INTEGER NOT NULL, interface TEXT NOT NULL,
		 mac TEXT NOT NULL, prev_mac TEXT, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
		 mac_since_ns INTEGER NOT NULL, PRIMARY KEY (ip, vlan, interface)) WITHOUT ROWID;
		WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < 299)
		 INSERT INTO station SELECT '10.9.' || (x / 250) || '.' || (x % 250 + 1), -1, 'if' || x,
		 '02:00:00:00:09:01', NULL, 1600000000, 1600000000, 0 FROM n;
		INSERT INTO station VALUES ('192.0.2.1', -1, 'eth0', '02:00:00:00:04:01', NULL,
		 1600000000, 1600000000, 0);"
	lab_switch lan3 --flood >/dev/null
	lab_plug mon3 eth0 lan3 02:00:00:00:04:fe
	lab_plug h3 eth0 lan3 02:00:00:00:04:01
	lab_exec mon3 ip addr add 192.0.2.254/24 dev eth0
	lab_exec h3 ip addr add 192.0.2.1/24 dev eth0
	lab_exec h3 ip addr add 192.0.2.2/24 dev eth0
	lab_bg mon3 "$ARPKIT" watch -I eth0 --db "$db" >"$out" 2>"$out.err"
	pid=$LAB_BG_PID
	sleep 1.5
	lab_exec h3 arping -q -U -c1 -I eth0 192.0.2.1
	lab_exec h3 arping -q -U -c1 -I eth0 192.0.2.2
	sleep 0.5
	kill -TERM "$pid"
	wait "$pid" || status=$?
	t_assert_eq 0 "$status" "with rows for 300 other interfaces stored, watch -I eth0 runs (exit 0 on SIGTERM)"
	if grep -q "invalid interface" "$out.err"; then
		t_fail "eth0 is not refused" "$(cat "$out.err")"
	else
		t_pass "eth0 is not refused"
	fi
	t_assert_eq "192.0.2.2" "$(awk '$2 == "new-station" { print $3 }' "$out" | tr '\n' ' ' | sed 's/ $//')" \
		"the stored eth0 station is restored (only the other address is new)"
	t_assert_eq 300 "$(sqlite3 "$db" "SELECT count(*) FROM station WHERE interface LIKE 'if%'")" \
		"the other interfaces' rows are left in the database"
	t_assert_eq 2 "$(sqlite3 "$db" "SELECT count(*) FROM station WHERE interface = 'eth0'")" \
		"and eth0's stations are stored"
}

check_truncated_capture() {
	local cap=$LAB_TMP/cut.pcap out status=0
	make_capture "$cap"
	truncate -s -30 "$cap"
	out=$("$ARPKIT" watch -r "$cap" 2>&1) || status=$?
	t_assert_eq 2 "$status" "a capture cut short exits 2"
	t_assert_eq 19 "$(grep -c ' new-station 192' <<<"$out")" "after reporting the frames before the cut"
}

check_hooks_never_block() {
	local cap=$LAB_TMP/small.pcap log=$LAB_TMP/hooks.log start elapsed counters
	make_capture "$cap"
	start=$SECONDS
	# shellcheck disable=SC2016 # the hook's shell expands these, not ours
	"$ARPKIT" watch -q --json -r "$cap" --exec-rate 3 \
		--exec 'echo "$ARPKIT_EVENT $ARPKIT_IP $ARPKIT_MAC $ARPKIT_INTERFACE" >>'"$log"'; sleep 30' \
		2>"$LAB_TMP/hooks.err" >/dev/null
	elapsed=$((SECONDS - start))
	if ((elapsed <= 6)); then
		t_pass "hooks that take 30 s do not hold up watch (${elapsed}s)"
	else
		t_fail "hooks that take 30 s do not hold up watch" "took ${elapsed}s"
	fi
	counters=$(tail -1 "$LAB_TMP/hooks.err")
	if python3 -c 'import json,sys; c=json.loads(sys.argv[1])["counters"]; assert c["hooks_run"]==3 and c["hooks_dropped"]==c["events"]["new-station"]+c["events"]["gratuitous"]-3, c' "$counters"; then
		t_pass "3 hooks run (rate 3/s), the rest dropped and counted"
	else
		t_fail "3 hooks run (rate 3/s), the rest dropped and counted" "$counters"
	fi
	lab_wait_for 3 test "$(wc -l <"$log" 2>/dev/null || echo 0)" -eq 3
	if grep -qE '^(new-station|gratuitous) 192\.0\.2\.[0-9]+ 02:00:00:00:01:[0-9a-f]{2} pcap$' "$log"; then
		t_pass "hooks get the event in ARPKIT_* variables"
	else
		t_fail "hooks get the event in ARPKIT_* variables" "$(cat "$log")"
	fi
}

# Live, two interfaces on two switches; a host announces one address every 0.1 s
# while watch is killed with SIGKILL.
check_kill_9_and_two_interfaces() {
	local db=$LAB_TMP/live.db out=$LAB_TMP/live.txt log=$LAB_TMP/sent.log i pid kill_us
	local missing=0 late=0 stamp
	lab_switch lan1 --flood >/dev/null
	lab_switch lan2 --flood >/dev/null
	lab_plug mon eth0 lan1 02:00:00:00:02:fe
	lab_plug mon eth1 lan2 02:00:00:00:03:fe
	lab_plug h1 eth0 lan1 02:00:00:00:02:01
	lab_plug h2 eth0 lan2 02:00:00:00:03:01
	lab_exec mon ip addr add 192.0.2.254/24 dev eth0
	lab_exec mon ip addr add 198.51.100.254/24 dev eth1
	lab_exec h2 ip addr add 198.51.100.1/24 dev eth0
	for i in $(seq 1 40); do
		lab_exec h1 ip addr add "192.0.2.$i/24" dev eth0
	done
	: >"$log"
	lab_bg mon "$ARPKIT" watch -I eth0 -I eth1 --db "$db" >"$out" 2>"$out.err"
	pid=$LAB_BG_PID
	sleep 1.5
	lab_exec h2 arping -q -U -c1 -I eth0 198.51.100.1
	(
		for i in $(seq 1 40); do
			lab_exec h1 arping -q -U -c1 -I eth0 "192.0.2.$i"
			echo "$i ${EPOCHREALTIME//[!0-9]/}" >>"$log"
			sleep 0.1
		done
	) &
	local sender=$!
	lab_wait_for 30 test "$(wc -l <"$log" 2>/dev/null || echo 0)" -ge 25
	kill -USR1 "$pid"
	sleep 0.3
	kill_us=${EPOCHREALTIME//[!0-9]/}
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	wait "$sender"
	if grep -q "arpkit watch: .* frames" "$out.err"; then
		t_pass "SIGUSR1 prints the counters"
	else
		t_fail "SIGUSR1 prints the counters" "$(cat "$out.err")"
	fi
	if grep -q " new-station 198.51.100.1 02:00:00:00:03:01 - eth1 " "$out" &&
		grep -q " new-station 192.0.2.1 02:00:00:00:02:01 - eth0 " "$out"; then
		t_pass "one process watches two interfaces, each event names its own"
	else
		t_fail "one process watches two interfaces, each event names its own" "$(head -5 "$out")"
	fi
	t_assert_eq ok "$(sqlite3 "$db" 'PRAGMA integrity_check')" "after kill -9 the database passes integrity_check"
	while read -r i stamp; do
		if ((stamp <= kill_us - 1500000)); then
			[[ -n $(sqlite3 "$db" "SELECT mac FROM station WHERE ip = '192.0.2.$i' AND interface = 'eth0'") ]] ||
				missing=$((missing + 1))
		else
			late=$((late + 1))
		fi
	done <"$log"
	t_assert_eq 0 "$missing" "every station seen more than 1.5 s before kill -9 is in the database ($late later ones may be lost)"
	t_assert_eq 1 "$(sqlite3 "$db" "SELECT count(*) FROM station WHERE ip = '198.51.100.1' AND interface = 'eth1'")" \
		"the second interface's station is stored under its name"
	# Reopen after the crash: a clean start, and what was stored is not new.
	lab_bg mon "$ARPKIT" watch -I eth0 --db "$db" >"$out.2" 2>&1
	pid=$LAB_BG_PID
	sleep 1.5
	lab_exec h1 arping -q -U -c1 -I eth0 192.0.2.1
	sleep 0.5
	kill -TERM "$pid"
	wait "$pid"
	t_assert_eq 0 "$?" "watch reopens the database after kill -9 and exits 0 on SIGTERM"
	t_assert_eq "" "$(grep -E '^[0-9-]+T.* new-station ' "$out.2")" "stations stored before the crash are not new"
}

check_usage_errors
check_foreign_and_corrupt
check_read_only_db
check_many_stored_interfaces
check_truncated_capture
check_hooks_never_block
check_kill_9_and_two_interfaces
t_done
