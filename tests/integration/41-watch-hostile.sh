#!/bin/bash
# arpkit watch under a hostile flood (issue 12): for a bounded time (ROUNDS rounds of 19
# kinds at RATE frames/s, about 3 s) a generator sends malformed frames of every kind
# (truncated ARP, bad lengths, bad opcodes, wrong hardware and protocol types, multicast
# senders, runts, VLAN headers cut short, IPv4 with bad IHL, total length, checksum or
# version, jumbo junk), ARP probes, table-full churn on random VLANs and stale-cache
# bait from random MACs, while a legitimate address moves in the middle of it.
#
# Asserted: the sanitized binary does not crash; watch's counters match, exactly, what
# the senders sent (the generator's own counts, and the switch's port counters for the
# legitimate hosts), less the kinds the kernel never hands to a packet socket or the
# ring's filter refuses; the kernel dropped nothing at this rate; the move is reported
# and is real (the router follows it).
set -uo pipefail
# shellcheck source=tests/lab/lab.sh
. "${LAB_LIB:-$(dirname "$0")/../lab/lab.sh}"
ARPKIT=${ARPKIT:-$(dirname "$0")/../../build/arpkit}
REPO=${ARPKIT_REPO:-$(cd "$(dirname "$0")/../.." && pwd)}

command -v arping >/dev/null || t_skip "arping (iputils) is not installed"
command -v cc >/dev/null || t_skip "no C compiler for the generator"

RATE=${WATCH_HOSTILE_RATE:-20000}
ROUNDS=${WATCH_HOSTILE_ROUNDS:-3000}
MAX_STATIONS=2000
VIP=192.0.2.50 BAIT_VIP=192.0.2.51
MAC_R=02:00:00:00:00:01 MAC_A=02:00:00:00:00:0a MAC_B=02:00:00:00:00:0b
MAC_GEN=02:66:00:00:00:00 MAC_MON=02:00:00:00:00:fe

lab_init
cc -O2 -o "$LAB_TMP/hostilegen" "$REPO/bench/watch/hostilegen.c" || lab_die "cannot build the generator"

run() {
	lab_exec "$@" || lab_die "failed in $1: ${*:2}"
}

build_lab() {
	local role
	lab_switch lan --flood >/dev/null
	lab_plug r eth0 lan "$MAC_R"
	lab_plug a eth0 lan "$MAC_A"
	lab_plug b eth0 lan "$MAC_B"
	lab_plug gen eth0 lan "$MAC_GEN"
	lab_plug mon eth0 lan "$MAC_MON"
	# Jumbo frames must cross the switch to be junk at the watcher, not drops on the way.
	for role in gen mon; do
		run lan ip link set "p-$role" mtu 9000
		run "$role" ip link set eth0 mtu 9000
	done
	run lan ip link set br0 mtu 9000
	# A switch forwards what it gets; bridge netfilter would check IPv4 headers first.
	run lan sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-arptables=0 \
		net.bridge.bridge-nf-call-ip6tables=0
	for role in r a b mon; do
		run "$role" sysctl -qw net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.eth0.arp_announce=2
	done
	run r ip addr add 192.0.2.1/24 dev eth0
	run a ip addr add 192.0.2.10/24 dev eth0
	run b ip addr add 192.0.2.11/24 dev eth0
	run mon ip addr add 192.0.2.254/24 dev eth0
}

# The last counters object watch printed on stderr (SIGUSR1 or exit).
counters() {
	grep '"counters"' "$1" | tail -1
}

legit_frames() {
	echo $(($(lab_frames_from lan r) + $(lab_frames_from lan a) + $(lab_frames_from lan b)))
}

build_lab
out=$LAB_TMP/events.json err=$LAB_TMP/watch.err sent=$LAB_TMP/sent.txt
lab_bg mon "$ARPKIT" watch -I eth0 --no-db --json --max-stations "$MAX_STATIONS" >"$out" 2>"$err"
WATCH_PID=$LAB_BG_PID
sleep 1.5

# Before the flood: a holds both addresses; BAIT_VIP has moved to b, so frames sent to
# a's MAC for it are stale-cache bait; the router maps VIP to a.
run a ip addr add "$VIP/24" dev eth0
run a ip addr add "$BAIT_VIP/24" dev eth0
run a arping -q -U -c1 -I eth0 "$VIP"
run a arping -q -U -c1 -I eth0 "$BAIT_VIP"
run r ping -c1 -W2 -q "$VIP" >/dev/null
sleep 2.5
run a ip addr del "$BAIT_VIP/24" dev eth0
run b ip addr add "$BAIT_VIP/24" dev eth0
run b arping -q -U -c1 -I eth0 "$BAIT_VIP"
t_assert_eq "$MAC_A" "$(lab_neigh_mac r "$VIP")" "before the flood the router maps $VIP to a"
sleep 2.5

# Snapshot: the senders' counters, then watch's.
legit_before=$(legit_frames)
gen_before=$(lab_frames_from lan gen)
kill -USR1 "$WATCH_PID"
lab_wait_for 5 grep -q '"counters"' "$err" || lab_die "watch printed no counters on SIGUSR1"
before=$(counters "$err")

lab_exec gen "$LAB_TMP/hostilegen" eth0 "$RATE" "$ROUNDS" "$BAIT_VIP" "$MAC_A" >"$sent" &
GEN_PID=$!
sleep 1.2
# The legitimate move, in the middle of the flood: a's address goes to b, announced.
run a ip addr del "$VIP/24" dev eth0
run b ip addr add "$VIP/24" dev eth0
run b arping -q -U -c1 -I eth0 "$VIP"
ROUTER_AFTER=$(lab_neigh_mac r "$VIP")
wait "$GEN_PID"
t_assert_eq 0 "$?" "the generator ran to its end"
sleep 1
legit_after=$(legit_frames)
gen_after=$(lab_frames_from lan gen)
kill -TERM "$WATCH_PID"
wait "$WATCH_PID"
t_assert_eq 0 "$?" "the sanitized watch survives the flood and exits 0 on SIGTERM"
if grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' "$err"; then
	t_fail "no sanitizer report" "$(grep -m3 -E 'Sanitizer|runtime error' "$err")"
else
	t_pass "no sanitizer report"
fi
after=$(counters "$err")

t_assert_eq "$MAC_B" "$ROUTER_AFTER" "the move is real: the router maps $VIP to b"
if python3 - "$out" "$VIP" "$MAC_B" "$MAC_A" <<'EOF'; then
import json, sys
path, vip, new, old = sys.argv[1:]
events = [json.loads(line) for line in open(path)]
moves = [e for e in events if e["event"] == "changed-mac" and e["ip"] == vip]
assert len(moves) == 1 and moves[0]["mac"] == new and moves[0]["old_mac"] == old, moves
EOF
	t_pass "the move in the middle of the flood is reported: changed-mac $VIP b from a"
else
	t_fail "the move in the middle of the flood is reported" "$(grep -F "\"$VIP\"" "$out")"
fi

# Exact accounting: each kind's counter against what was sent.
if python3 - "$sent" "$before" "$after" "$((legit_after - legit_before))" \
	"$((gen_after - gen_before))" "$MAX_STATIONS" "$RATE" <<'EOF'; then
import json, sys
sent_path, before, after, legit, gen_port, max_stations, rate = sys.argv[1:]
sent = {}
for line in open(sent_path):
    k, v = line.split()
    sent[k] = float(v) if k == "seconds" else int(v)
b = json.loads(before)["counters"]
a = json.loads(after)["counters"]
legit, gen_port, max_stations = int(legit), int(gen_port), int(max_stations)
d = lambda k: a[k] - b[k]
kinds = [k for k in sent if k not in ("refused", "seconds")]
total = sum(sent[k] for k in kinds)
problems = []
def check(what, got, want):
    if got != want:
        problems.append(f"{what}: watch {got}, expected {want}")
check("generator frames through its switch port", gen_port, total)
check("frames refused by the generator's kernel", sent["refused"], 0)
malformed = ["arp_bad_hlen", "arp_bad_op", "arp_multicast_sender", "ipv4_bad_ihl",
             "ipv4_bad_checksum", "ipv4_bad_total_length", "ipv4_version_6", "jumbo_arp_junk",
             "jumbo_ipv4_junk"]
# Never reach watch: an 802.1Q header cut short is freed by the receiving kernel before
# any packet socket; the ring's filter (lib/filter.c) refuses ARP shorter than its
# payload and IPv4 shorter than its header. watch's own checks of those are unit-tested.
unseen = ["vlan_cut", "arp_truncated", "runt", "vlan_arp_truncated", "ipv4_truncated"]
check("frames", d("frames"), total - sum(sent[k] for k in unseen) + legit)
check("malformed", d("malformed"), sum(sent[k] for k in malformed))
check("other", d("other"), sent["arp_bad_htype"] + sent["arp_bad_ptype"])
check("probes", d("probes"), sent["arp_probe"])
check("arp", d("arp"), sent["arp_probe"] + sent["churn"] + legit)
check("ipv4", d("ipv4"), sent["bait"])
check("stale-cache events", a["events"]["stale-cache"] - b["events"]["stale-cache"], sent["bait"])
room = max_stations - b["stations"]
check("stations", a["stations"], max_stations if sent["churn"] >= room else b["stations"] + sent["churn"])
check("table_full", d("table_full"), max(0, sent["churn"] - room))
check("kernel_drops", a["kernel_drops"], 0)
if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"{total} hostile frames in {sent['seconds']:.1f} s (offered {rate}/s), {legit} legitimate")
EOF
	t_pass "watch's counters match the senders' exactly, no kernel drops at $RATE frames/s"
else
	t_fail "watch's counters match the senders' exactly, no kernel drops at $RATE frames/s" \
		"before: $before" "after: $after" "sent: $(tr '\n' ' ' <"$sent")"
fi
t_done
