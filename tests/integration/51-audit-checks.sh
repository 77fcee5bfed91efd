#!/bin/bash
# arpkit audit: each LVS misconfiguration planted once on a clean lab, found by
# audit as exactly that finding, and cured by running the fix audit printed.
#
#   router eth0 --[lan br0]--+-- director eth0 (VIP on eth0)
#                            +-- rs1 eth0 (VIP hidden on lo) -- eth1 -- backend
#
# backend plays a director that forwards to rs1 through a second interface: with
# strict rp_filter there, rs1 drops those packets (the kernel's own counter says
# so), and the fix audit prints lets them in.
set -uo pipefail
# shellcheck source=tests/lab/lab.sh
. "${LAB_LIB:-$(dirname "$0")/../lab/lab.sh}"
ARPKIT=${ARPKIT:?set ARPKIT to the arpkit binary}
# shellcheck source=tests/integration/50-lvs-lab.bash
. "$(dirname "$0")/50-lvs-lab.bash"

VIP=192.0.2.100
DIRECTOR_MAC=02:00:00:00:00:10

topology() {
	lab_switch lan >/dev/null
	lab_plug router eth0 lan 02:00:00:00:00:01
	lab_plug director eth0 lan "$DIRECTOR_MAC"
	lab_plug rs1 eth0 lan 02:00:00:00:00:21
	lab_wire rs1 eth1 backend eth0 02:00:00:00:09:02 02:00:00:00:09:01
	run router ip addr add 192.0.2.1/24 dev eth0
	run director ip addr add 192.0.2.10/24 dev eth0
	run director ip addr add "$VIP/32" dev eth0
	run rs1 ip addr add 192.0.2.21/24 dev eth0
	run rs1 ip route add default via 192.0.2.1
	run rs1 ip addr add 10.9.0.2/24 dev eth1
	run backend ip addr add 10.9.0.1/24 dev eth0
	run backend ip addr add 203.0.113.50/32 dev lo
	run backend ip route add "$VIP/32" via 10.9.0.2
	# Like a director: ARP from its own address on the link, not the far source.
	run backend sysctl -qw net.ipv4.conf.all.arp_announce=2
	run rs1 "$ARPKIT" hide add "$VIP" >/dev/null
}

# The checks named in audit --json output, sorted, space separated.
found_checks() {
	grep '"type":"finding"' | grep -o '"check":"[^"]*"' | cut -d'"' -f4 | sort | tr '\n' ' '
}

found_fixes() {
	grep '"type":"finding"' | grep -o '"fix":"[^"]*"' | cut -d'"' -f4 | sort -u
}

# expect ROLE "CHECK..." FIX-TEXT DESC [AUDIT-ARGS...]: audit on ROLE exits 1 with
# exactly those findings, one fix contains FIX-TEXT; then every fix printed is
# run on ROLE and audit must come back clean.
expect() {
	local role=$1 checks=$2 fix_text=$3 desc=$4 out status=0 fixes fix
	shift 4
	out=$(lab_exec "$role" "$ARPKIT" audit --json "$@") || status=$?
	t_assert_eq 1 "$status" "$desc: audit exits 1"
	t_assert_eq "$checks" "$(found_checks <<<"$out")" "$desc: found as $checks"
	fixes=$(found_fixes <<<"$out")
	if grep -qF -- "$fix_text" <<<"$fixes"; then
		t_pass "$desc: the fix is '$fix_text'"
	else
		t_fail "$desc: the fix is '$fix_text'" "fixes: $fixes"
	fi
	while IFS= read -r fix; do
		[[ -n $fix ]] && lab_exec "$role" bash -c "$fix" >/dev/null
	done <<<"$fixes"
	t_assert_exit -m "$desc: after the fix, audit is clean" 0 lab_exec "$role" "$ARPKIT" audit "$@" >/dev/null
}

# netstat_value ROLE FILE GROUP NAME: a kernel counter from /proc/net/netstat or
# /proc/net/snmp (a header line of names, then a line of values) in ROLE's namespace.
netstat_value() {
	lab_exec "$1" cat "$2" | awk -v group="$3:" -v name="$4" '
		$1 == group && !header { for (i = 2; i <= NF; i++) col[$i] = i; header = 1; next }
		$1 == group && header { print $(col[name]); exit }'
}

check_baseline() {
	local out
	t_assert_exit -m "rs1 after hide add: audit is clean" 0 lab_exec rs1 "$ARPKIT" audit
	out=$(lab_exec rs1 "$ARPKIT" audit --json)
	t_assert_eq '{"type":"verdict","findings":0,"clean":true}' "$(tail -1 <<<"$out")" "audit --json ends with a clean verdict"
	if grep -q '"type":"host","role":"real-server"' <<<"$out"; then
		t_pass "audit --json says rs1 is a real server"
	else
		t_fail "audit --json says rs1 is a real server" "$out"
	fi
	t_assert_exit -m "the router: audit --vip is clean" 0 lab_exec router "$ARPKIT" audit --vip "$VIP"
	t_assert_exit -m "the director: audit --vip -I eth0 is clean (it answers itself)" 0 \
		lab_exec director "$ARPKIT" audit --vip "$VIP" -I eth0
}

check_real_server_plants() {
	run rs1 ip addr add 192.0.2.101/24 dev lo
	expect rs1 "lo-mask " "ip addr del 192.0.2.101/24 dev lo && ip addr add 192.0.2.101/32 dev lo scope host" \
		"a VIP on lo as a /24"
	run rs1 ip addr del 192.0.2.101/32 dev lo

	run rs1 ip addr add "$VIP/32" dev eth0
	expect rs1 "vip-on-arp-interface " "ip addr del $VIP/32 dev eth0" "the VIP also on eth0"

	run rs1 ip addr del "$VIP/32" dev lo
	run rs1 ip addr add "$VIP/32" dev eth0
	t_assert_exit -m "VIP only on eth0, not said to be a real server: taken for a director" 0 \
		lab_exec rs1 "$ARPKIT" audit --vip "$VIP"
	expect rs1 "vip-on-arp-interface " "ip addr del $VIP/32 dev eth0" "the VIP only on eth0 with --real-server" \
		--real-server --vip "$VIP"
	run rs1 ip addr add "$VIP/32" dev lo scope host

	run rs1 sysctl -qw net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.eth0.arp_ignore=0 \
		net.ipv4.conf.eth1.arp_ignore=0 net.ipv4.conf.lo.arp_ignore=1
	expect rs1 "arp_ignore arp_ignore " "sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.eth0.arp_ignore=1" \
		"arp_ignore set on lo instead of all and the interfaces"
	run rs1 sysctl -qw net.ipv4.conf.lo.arp_ignore=0

	run rs1 sysctl -qw net.ipv4.conf.all.arp_ignore=0
	expect rs1 "arp_ignore-all " "sysctl -w net.ipv4.conf.all.arp_ignore=1" "arp_ignore missing on all"

	run rs1 sysctl -qw net.ipv4.conf.all.arp_announce=1 net.ipv4.conf.eth0.arp_announce=1 \
		net.ipv4.conf.eth1.arp_announce=1
	expect rs1 "arp_announce arp_announce " "net.ipv4.conf.eth0.arp_announce=2" "arp_announce 1 instead of 2"

	run rs1 sysctl -qw net.ipv4.conf.eth0.proxy_arp=1
	expect rs1 "proxy_arp " "sysctl -w net.ipv4.conf.eth0.proxy_arp=0" "proxy_arp on eth0"
}

# Issue 10 item 3: one scope-global VIP among twelve of scope host, with
# arp_ignore=3. The findings name that VIP and only it.
check_exact_vips() {
	local out v culprit=192.0.2.150 rs_mac=02:00:00:00:00:21
	for v in $(seq 101 111); do
		run rs1 ip addr add "192.0.2.$v/32" dev lo scope host
	done
	run rs1 ip addr add "$culprit/32" dev lo
	run rs1 sysctl -qw net.ipv4.conf.all.arp_ignore=3 net.ipv4.conf.eth0.arp_ignore=3 \
		net.ipv4.conf.eth1.arp_ignore=3
	t_assert_eq "$rs_mac " "$(arping_from_router "$culprit")" "the fault: rs1 answers ARP for $culprit"
	t_assert_eq "" "$(arping_from_router 192.0.2.105)" "and for none of the scope-host VIPs (192.0.2.105)"
	out=$(lab_exec rs1 "$ARPKIT" audit --json)
	t_assert_eq '["192.0.2.150"] ["192.0.2.150"] ' \
		"$(grep '"check":"arp_ignore"' <<<"$out" | grep -o '"vips":\[[^]]*\]' | cut -d: -f2 | tr '\n' ' ')" \
		"each arp_ignore finding is about $culprit only"
	if grep '"check":"arp_ignore"' <<<"$out" | grep -q '192\.0\.2\.1[01][0-9]\|more'; then
		t_fail "no arp_ignore finding names a hidden VIP or hides one in \"more\"" "$out"
	else
		t_pass "no arp_ignore finding names a hidden VIP or hides one in \"more\""
	fi
	expect rs1 "arp_ignore arp_ignore " "sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.eth0.arp_ignore=1" \
		"a scope-global VIP among twelve of scope host, arp_ignore=3"
	t_assert_eq "" "$(arping_from_router "$culprit")" "after the fix rs1 no longer answers for $culprit"
	for v in $(seq 101 111) 150; do
		run rs1 ip addr del "192.0.2.$v/32" dev lo
	done
}

# A packet for the VIP from a far client that arrives through eth1.
send_through_eth1() {
	lab_exec backend ping -c1 -W1 -q -I 203.0.113.50 "$VIP" >/dev/null 2>&1
	sleep 0.2
}

check_rp_filter() {
	local dropped_before dropped_after echos_before echos_after
	run rs1 sysctl -qw net.ipv4.conf.eth0.rp_filter=1
	t_assert_exit -m "strict rp_filter on eth0, the default route's interface, is no finding" 0 \
		lab_exec rs1 "$ARPKIT" audit
	run rs1 sysctl -qw net.ipv4.conf.eth0.rp_filter=0 net.ipv4.conf.eth1.rp_filter=1

	dropped_before=$(netstat_value rs1 /proc/net/netstat TcpExt IPReversePathFilter)
	send_through_eth1
	dropped_after=$(netstat_value rs1 /proc/net/netstat TcpExt IPReversePathFilter)
	if ((dropped_after > dropped_before)); then
		t_pass "strict rp_filter on eth1 drops what arrives there for the VIP (IPReversePathFilter $dropped_before -> $dropped_after)"
	else
		t_fail "strict rp_filter on eth1 drops what arrives there for the VIP" "IPReversePathFilter $dropped_before -> $dropped_after"
	fi
	expect rs1 "rp_filter " "sysctl -w net.ipv4.conf.eth1.rp_filter=2" "strict rp_filter on eth1"
	echos_before=$(netstat_value rs1 /proc/net/snmp Icmp InEchos)
	send_through_eth1
	echos_after=$(netstat_value rs1 /proc/net/snmp Icmp InEchos)
	if ((echos_after > echos_before)); then
		t_pass "after the fix rs1 accepts the packet (InEchos $echos_before -> $echos_after)"
	else
		t_fail "after the fix rs1 accepts the packet" "InEchos $echos_before -> $echos_after"
	fi
}

check_router_plants() {
	run router sysctl -qw net.ipv4.conf.eth0.drop_gratuitous_arp=1
	expect router "drop_gratuitous_arp " "sysctl -w net.ipv4.conf.eth0.drop_gratuitous_arp=0" \
		"drop_gratuitous_arp on the router" --vip "$VIP"

	run router sysctl -qw net.ipv4.conf.all.arp_accept=1
	expect router "arp_accept " "sysctl -w net.ipv4.conf.all.arp_accept=0" "arp_accept on the router" --vip "$VIP"

	run router ip neigh replace "$VIP" lladdr "$DIRECTOR_MAC" dev eth0 nud permanent
	expect router "permanent-neighbour " "ip neigh del $VIP dev eth0" "a static ARP entry for the VIP" --vip "$VIP"
	t_assert_eq "" "$(lab_exec router ip neigh show "$VIP" nud permanent)" "the fix removed the static entry"
}

check_network() {
	local out status=0
	out=$(lab_exec router "$ARPKIT" audit --vip 192.0.2.199 -I eth0 -w 500) || status=$?
	t_assert_eq 1 "$status" "a VIP nobody answers for: audit exits 1"
	if grep -q '^FINDING arp-responders \[eth0\]: nobody answers ARP for VIP 192.0.2.199' <<<"$out"; then
		t_pass "and says nobody answers"
	else
		t_fail "and says nobody answers" "$out"
	fi
	out=$(lab_exec router "$ARPKIT" audit --vip "$VIP" -I eth0)
	if grep -qx "ARP $VIP on eth0: 1 MAC answers $DIRECTOR_MAC (locally administered): ok" <<<"$out"; then
		t_pass "one answer, from the director: ok"
	else
		t_fail "one answer, from the director: ok" "$out"
	fi
	# Issue 10 item 8: -I with an address label is that address's interface.
	run router ip addr add 192.0.2.2/24 dev eth0 label eth0:lbl
	out=$(lab_exec router "$ARPKIT" audit --vip "$VIP" -I eth0:lbl)
	if grep -qx "ARP $VIP on eth0: 1 MAC answers $DIRECTOR_MAC (locally administered): ok" <<<"$out"; then
		t_pass "audit -I eth0:lbl checks on eth0"
	else
		t_fail "audit -I eth0:lbl checks on eth0" "$out"
	fi
	run router ip addr del 192.0.2.2/24 dev eth0
}

# The network check waits through the shared loop: Ctrl-C and SIGTERM end a long
# wait at once, exit 2, "interrupted".
check_network_stopped() {
	local signal pid status start elapsed_ms
	for signal in INT TERM; do
		status=0
		# ip netns exec execs arpkit, so $! is arpkit itself.
		ip netns exec "$LAB_ID-router" "$ARPKIT" audit --vip 192.0.2.199 -I eth0 -w 20000 \
			>/dev/null 2>"$LAB_TMP/stop.err" &
		pid=$!
		sleep 0.5
		start=${EPOCHREALTIME/[^0-9]/}
		kill -"$signal" "$pid"
		wait "$pid" || status=$?
		elapsed_ms=$(((${EPOCHREALTIME/[^0-9]/} - start) / 1000))
		if ((elapsed_ms < 2000)); then
			t_pass "audit -I stopped by SIG$signal at once (${elapsed_ms} ms)"
		else
			t_fail "audit -I stopped by SIG$signal at once" "${elapsed_ms} ms"
		fi
		t_assert_eq 2 "$status" "audit -I stopped by SIG$signal: exit 2"
		t_assert_exit -m "and says interrupted" 0 grep -q "interrupted" "$LAB_TMP/stop.err"
	done
}

check_bad_input() {
	local arg status
	for arg in "--vip 224.0.0.1" "--vip 10.1" "--vip 127.0.0.1" "-I nosuch0 --vip $VIP" "-I lo --vip $VIP" \
		"--wait 5" "--count 0" "--bogus" "-I eth0"; do
		status=0
		# shellcheck disable=SC2086  # the words are the arguments
		lab_exec router "$ARPKIT" audit $arg >/dev/null 2>&1 || status=$?
		t_assert_eq 2 "$status" "audit $arg exits 2"
	done
	status=0
	lab_exec router setpriv --inh-caps=-all --bounding-set=-all -- "$ARPKIT" audit --vip "$VIP" -I eth0 \
		>/dev/null 2>"$LAB_TMP/nopriv.err" || status=$?
	t_assert_eq 2 "$status" "the network check without CAP_NET_RAW exits 2"
	t_assert_exit -m "and says it needs CAP_NET_RAW" 0 grep -q "needs CAP_NET_RAW" "$LAB_TMP/nopriv.err"
	t_assert_exit -m "the local checks need no privilege" 0 \
		lab_exec rs1 setpriv --inh-caps=-all --bounding-set=-all -- "$ARPKIT" audit
}

lab_init
topology
check_baseline
check_real_server_plants
check_exact_vips
check_rp_filter
check_router_plants
check_network
check_network_stopped
check_bad_input
t_done
