#!/bin/bash
# arpkit hide: the LVS "ARP problem" reproduced and cured.
#
#   client --eth0--eth1-- router --eth0-- [lan br0] --+-- director eth0 (VIP on eth0)
#   198.51.100.10        .1 / 192.0.2.1                +-- rs1, rs2, rs3 eth0 (VIP on lo)
#
# With the VIP on the real servers' lo and default sysctls, every real server
# answers ARP for it. After `hide add` on each, only the director does, audit is
# clean on each real server, and the router maps the VIP to the director. While
# `hide add` runs, a probe loop never hears the real server; doing the same by
# hand in the wrong order (address first) does. Bad input and a missing
# privilege change nothing.
set -uo pipefail
# shellcheck source=tests/lab/lab.sh
. "${LAB_LIB:-$(dirname "$0")/../lab/lab.sh}"
ARPKIT=${ARPKIT:?set ARPKIT to the arpkit binary}
# shellcheck source=tests/integration/50-lvs-lab.bash
. "$(dirname "$0")/50-lvs-lab.bash"

VIP=192.0.2.100
DIRECTOR_MAC=$LVS_DIRECTOR_MAC
RS_MACS=([1]=02:00:00:00:00:21 [2]=02:00:00:00:00:22 [3]=02:00:00:00:00:23)

lvs_topology() {
	lvs_front "$VIP"
	local i
	for i in 1 2 3; do
		lab_plug "rs$i" eth0 lan "${RS_MACS[i]}"
		run "rs$i" ip addr add "192.0.2.2$i/24" dev eth0
		run "rs$i" ip route add default via 192.0.2.1
	done
}

# Addresses and the settings hide manages, to compare before and after.
host_state() {
	lab_exec "$1" ip -4 -o addr show | awk '{ print $2, $4, $6 }'
	local scope key
	for scope in all eth0; do
		for key in arp_ignore arp_announce; do
			echo "$scope.$key=$(lab_exec "$1" sysctl -n "net.ipv4.conf.$scope.$key")"
		done
	done
}

sysctl_pair() {
	echo "$(lab_exec "$1" sysctl -n "net.ipv4.conf.$2.arp_ignore")/$(lab_exec "$1" sysctl -n "net.ipv4.conf.$2.arp_announce")"
}

check_problem() {
	local i out status=0 mac
	for i in 1 2 3; do
		run "rs$i" ip addr add "$VIP/32" dev lo
	done
	lab_wait_for 5 lab_exec router ping -c1 -W1 -q 192.0.2.10 >/dev/null
	out=$(lab_exec router "$ARPKIT" audit --vip "$VIP" -I eth0 --json) || status=$?
	t_assert_eq 1 "$status" "with default sysctls, audit from the router exits 1"
	t_assert_eq "$DIRECTOR_MAC ${RS_MACS[1]} ${RS_MACS[2]} ${RS_MACS[3]} " "$(responder_macs <<<"$out")" \
		"the director and all three real servers answer ARP for the VIP"
	if grep -q '"check":"arp-responders".*4 MACs answer ARP' <<<"$out" &&
		grep -q 'arpkit hide add 192.0.2.100' <<<"$out"; then
		t_pass "audit names the ARP problem and its fix"
	else
		t_fail "audit names the ARP problem and its fix" "$out"
	fi

	out=$(lab_exec rs1 "$ARPKIT" audit) || status=$?
	if grep -q '^FINDING arp_ignore \[eth0\]' <<<"$out" && grep -q '^FINDING arp_announce \[eth0\]' <<<"$out"; then
		t_pass "audit on a real server with default sysctls finds arp_ignore and arp_announce"
	else
		t_fail "audit on a real server with default sysctls finds arp_ignore and arp_announce" "$out"
	fi

	# Which MAC the router ends up with is a race among four answers.
	lab_exec router ip neigh flush dev eth0
	t_assert_exit -m "the client reaches the VIP" 0 lab_exec client ping -c1 -W2 -q "$VIP" >/dev/null
	mac=$(lab_neigh_mac router "$VIP")
	case " $DIRECTOR_MAC ${RS_MACS[*]} " in
	*" $mac "*)
		if [[ $mac == "$DIRECTOR_MAC" ]]; then
			t_pass "the router caches one of the answers ($mac, the director, won this race)"
		else
			t_pass "the router caches one of the answers ($mac, a real server: the ARP problem)"
		fi
		;;
	*) t_fail "the router caches one of the answers" "router has '$mac'" ;;
	esac
	for i in 1 2 3; do
		run "rs$i" ip addr del "$VIP/32" dev lo
	done
}

# Prints the number of ARP replies for the VIP from MAC in a tcpdump -e log.
replies_from() {
	grep -ci "^$2 > .*Reply $VIP is-at" "$1"
}

start_capture() {
	lab_bg router tcpdump -i eth0 -t -nn -e -l -U arp >"$LAB_TMP/$1.arp" 2>"$LAB_TMP/$1.err"
	CAPTURE_PID=$LAB_BG_PID
	lab_wait_for 10 grep -q "listening on" "$LAB_TMP/$1.err" || lab_die "tcpdump did not start"
}

stop_capture() {
	sleep 0.3
	kill -INT "$CAPTURE_PID" 2>/dev/null
	wait "$CAPTURE_PID" 2>/dev/null
}

# A probe loop: the router asks for the VIP about every 20 ms for ~3 s.
start_probes() {
	lab_bg router bash -c "for ((n = 0; n < 150; n++)); do arping -q -c1 -w1 -I eth0 $VIP; sleep 0.01; done"
	PROBE_PID=$LAB_BG_PID
}

check_ordering() {
	local replies director_replies
	start_capture ordering
	start_probes
	sleep 0.8
	t_assert_exit -m "hide add on rs1 succeeds" 0 lab_exec rs1 "$ARPKIT" hide add "$VIP"
	sleep 0.8
	kill "$PROBE_PID" 2>/dev/null
	wait "$PROBE_PID" 2>/dev/null
	stop_capture
	replies=$(replies_from "$LAB_TMP/ordering.arp" "${RS_MACS[1]}")
	director_replies=$(replies_from "$LAB_TMP/ordering.arp" "$DIRECTOR_MAC")
	if ((director_replies >= 20)); then
		t_pass "the probe loop ran through hide add ($director_replies replies from the director)"
	else
		t_fail "the probe loop ran through hide add" "only $director_replies director replies"
	fi
	t_assert_eq 0 "$replies" "while hide add ran, rs1 never answered ARP for the VIP"
	t_assert_eq "lo $VIP/32 host" "$(lab_exec rs1 ip -4 -o addr show dev lo | awk -v vip="$VIP/32" '$4 == vip { print $2, $4, $6 }')" \
		"rs1 holds the VIP on lo, scope host"

	# The same recipe by hand in the wrong order: the address first.
	start_capture wrong-order
	start_probes
	sleep 0.5
	run rs2 ip addr add "$VIP/32" dev lo
	sleep 0.5
	run rs2 sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
	sleep 0.5
	kill "$PROBE_PID" 2>/dev/null
	wait "$PROBE_PID" 2>/dev/null
	stop_capture
	replies=$(replies_from "$LAB_TMP/wrong-order.arp" "${RS_MACS[2]}")
	if ((replies >= 1)); then
		t_pass "address first, sysctls second: rs2 answered ARP for the VIP ($replies times)"
	else
		t_fail "address first, sysctls second: rs2 answered ARP for the VIP" "no reply from rs2 seen"
	fi
}

check_cured() {
	local i out status mac
	out=$(lab_exec rs2 "$ARPKIT" hide add "$VIP")
	t_assert_eq "set net.ipv4.conf.eth0.arp_ignore 0 -> 1
set net.ipv4.conf.eth0.arp_announce 0 -> 2" "$out" \
		"hide add on rs2 completes the hand-made recipe: only eth0 was missing"
	run rs3 "$ARPKIT" hide add "$VIP" >/dev/null
	for i in 1 2 3; do
		t_assert_eq "1/2 1/2" "$(sysctl_pair "rs$i" all) $(sysctl_pair "rs$i" eth0)" \
			"rs$i: arp_ignore/arp_announce are 1/2 on all and eth0"
		t_assert_exit -m "audit on rs$i is clean" 0 lab_exec "rs$i" "$ARPKIT" audit
		t_assert_exit -m "audit -I eth0 on rs$i (the VIPs on lo) is clean" 0 \
			lab_exec "rs$i" "$ARPKIT" audit -I eth0
	done
	# The router's own entry may still hold a real server's answer from the demo
	# above (audit reports that too): start from a fresh one.
	lab_exec router ip neigh flush dev eth0
	status=0
	out=$(lab_exec router "$ARPKIT" audit --vip "$VIP" -I eth0 --json) || status=$?
	t_assert_eq 0 "$status" "audit from the router is clean"
	t_assert_eq "$DIRECTOR_MAC " "$(responder_macs <<<"$out")" "only the director answers ARP for the VIP"

	lab_exec router ip neigh flush dev eth0
	t_assert_exit -m "the client reaches the VIP" 0 lab_exec client ping -c2 -W2 -q "$VIP" >/dev/null
	t_assert_eq "$DIRECTOR_MAC" "$(lab_neigh_mac router "$VIP")" "the router maps the VIP to the director"

	out=$(lab_exec rs1 "$ARPKIT" hide add "$VIP")
	t_assert_eq "nothing to change" "$out" "hide add again: nothing to change"
	out=$(lab_exec rs1 "$ARPKIT" hide show)
	if grep -qx "hidden VIP $VIP/32 on lo" <<<"$out" && grep -q '^eth0 .*effective 1).*effective 2)  hides$' <<<"$out"; then
		t_pass "hide show lists the VIP and the effective settings"
	else
		t_fail "hide show lists the VIP and the effective settings" "$out"
	fi
	mac=$(lab_exec rs1 "$ARPKIT" hide show --json)
	if grep -q '"hidden_vips":\[{"address":"192.0.2.100","prefixlen":32,"device":"lo","host_scope":true,"label":null,"scope":"host"}\],"answered_vips":\[\]' <<<"$mac"; then
		t_pass "hide show --json lists the VIP"
	else
		t_fail "hide show --json lists the VIP" "$mac"
	fi
}

check_bad_input() {
	local before after bad status
	before=$(host_state rs1)
	for bad in 224.0.0.5 127.0.0.2 0.0.0.0 255.255.255.255 192.0.2.255 10.1 192.0.2.101/24 192.0.2.21 nonsense; do
		status=0
		lab_exec rs1 "$ARPKIT" hide add 192.0.2.150 "$bad" >/dev/null 2>&1 || status=$?
		t_assert_eq 2 "$status" "hide add '$bad' is refused with exit 2"
	done
	status=0
	lab_exec rs1 "$ARPKIT" hide add 192.0.2.150 --dev eth0 >/dev/null 2>&1 || status=$?
	t_assert_eq 2 "$status" "hide add --dev eth0 (an ARP interface) is refused with exit 2"
	status=0
	lab_exec rs1 "$ARPKIT" hide add 192.0.2.150 --dev nosuch0 >/dev/null 2>&1 || status=$?
	t_assert_eq 2 "$status" "hide add --dev of an unknown device exits 2"
	status=0
	lab_exec rs1 setpriv --inh-caps=-all --bounding-set=-all -- "$ARPKIT" hide add 192.0.2.150 \
		>/dev/null 2>"$LAB_TMP/nopriv.err" || status=$?
	t_assert_eq 2 "$status" "hide add without CAP_NET_ADMIN exits 2"
	t_assert_exit -m "and says it needs CAP_NET_ADMIN" 0 grep -q "needs CAP_NET_ADMIN" "$LAB_TMP/nopriv.err"
	status=0
	lab_exec rs1 setpriv --inh-caps=-all --bounding-set=-all -- "$ARPKIT" hide del "$VIP" \
		>/dev/null 2>&1 || status=$?
	t_assert_eq 2 "$status" "hide del without CAP_NET_ADMIN exits 2"
	after=$(host_state rs1)
	t_assert_eq "$before" "$after" "after every refusal rs1's addresses and sysctls are unchanged"
}

check_persist() {
	local before after file=$LAB_TMP/90-arpkit-lvs.conf out
	before=$(host_state rs1)
	out=$(lab_exec rs1 "$ARPKIT" hide add 192.0.2.150 --persist-file "$file")
	after=$(host_state rs1)
	t_assert_eq "$before" "$after" "--persist changes nothing on the running host"
	if grep -qx 'net.ipv4.conf.all.arp_ignore = 1' "$file" && grep -qx 'net.ipv4.conf.all.arp_announce = 2' "$file" &&
		grep -qx 'net.ipv4.conf.eth0.arp_ignore = 1' "$file" && grep -qx 'net.ipv4.conf.eth0.arp_announce = 2' "$file"; then
		t_pass "--persist writes the sysctl.d recipe for all and eth0"
	else
		t_fail "--persist writes the sysctl.d recipe for all and eth0" "$(cat "$file")"
	fi
	if grep -qx 'ip addr add 192.0.2.150/32 dev lo scope host' <<<"$out" && grep -qx 'Scope=host' <<<"$out"; then
		t_pass "--persist prints the ip and networkd configuration for the VIP"
	else
		t_fail "--persist prints the ip and networkd configuration for the VIP" "$out"
	fi
	# sysctl(8) reads the file back: it is valid sysctl.d syntax.
	t_assert_exit -m "sysctl -p accepts the file" 0 lab_exec rs1 sysctl -q -p "$file"
	out=$(lab_exec rs1 "$ARPKIT" hide add 192.0.2.150 --persist-file "$file" | head -1)
	t_assert_eq "up to date: $file" "$out" "--persist again: the file is up to date"
}

check_del() {
	local out
	run rs1 "$ARPKIT" hide add 192.0.2.101 >/dev/null
	out=$(lab_exec rs1 "$ARPKIT" hide del "$VIP")
	t_assert_eq "removed $VIP/32 from lo
arp_ignore and arp_announce kept: 1 hidden VIP remains" "$out" "hide del keeps the sysctls while a hidden VIP remains"
	out=$(lab_exec rs1 "$ARPKIT" hide del 192.0.2.101 --keep-sysctls)
	t_assert_eq "removed 192.0.2.101/32 from lo" "$out" "hide del --keep-sysctls removes only the address"
	t_assert_eq "1/2 1/2" "$(sysctl_pair rs1 all) $(sysctl_pair rs1 eth0)" "and the sysctls stay"
	t_assert_exit -m "hide del of the last VIP succeeds" 0 lab_exec rs3 "$ARPKIT" hide del "$VIP"
	t_assert_eq "0/0 0/0" "$(sysctl_pair rs3 all) $(sysctl_pair rs3 eth0)" \
		"with no hidden VIP left, hide del restores the kernel defaults"
	t_assert_eq "" "$(lab_exec rs3 ip -4 -o addr show dev lo | grep -F "$VIP/32")" "and the VIP is gone from lo"
	out=$(lab_exec rs3 "$ARPKIT" hide del "$VIP")
	t_assert_eq "nothing to change" "$out" "hide del again: nothing to change"
	# A VIP added to lo by hand (scope global) needs the sysctls just as much.
	run rs2 ip addr add 192.0.2.102/32 dev lo
	out=$(lab_exec rs2 "$ARPKIT" hide del "$VIP" | tail -1)
	t_assert_eq "arp_ignore and arp_announce kept: 1 hidden VIP remains" "$out" \
		"hide del keeps the sysctls for a VIP added to lo by hand"
	t_assert_eq "1/2 1/2" "$(sysctl_pair rs2 all) $(sysctl_pair rs2 eth0)" "rs2 still hides it"
}

# Issue 10 item 8: --dev lo:vip (the ifconfig alias spelling) is lo, and the VIPs
# hide adds carry that label. First the fault a labelled VIP added by hand shows.
check_dev_label() {
	local vip=192.0.2.160 out
	run rs3 ip addr add "$vip/32" dev lo label lo:vip
	t_assert_eq "${RS_MACS[3]} " "$(arping_from_router "$vip")" "a VIP added to lo:vip by hand: rs3 answers ARP for it"
	run rs3 ip addr del "$vip/32" dev lo
	out=$(lab_exec rs3 "$ARPKIT" hide add "$vip" --dev lo:vip | tail -1)
	t_assert_eq "added $vip/32 to lo, label lo:vip" "$out" "hide add --dev lo:vip adds the VIP to lo with that label"
	t_assert_eq "lo $vip/32 host lo:vip" \
		"$(lab_exec rs3 ip -4 -o addr show dev lo | awk -v vip="$vip/32" '$4 == vip { sub(/\\$/, "", $7); print $2, $4, $6, $7 }')" \
		"the kernel holds it on lo, scope host, labelled lo:vip"
	t_assert_eq "" "$(arping_from_router "$vip")" "and nobody answers ARP for it"
	if lab_exec rs3 "$ARPKIT" hide show | grep -qx "hidden VIP $vip/32 on lo label lo:vip"; then
		t_pass "hide show: hidden, with its label"
	else
		t_fail "hide show: hidden, with its label" "$(lab_exec rs3 "$ARPKIT" hide show)"
	fi
	t_assert_exit -m "hide add --dev eth0:vip is refused (eth0 answers ARP)" 2 \
		quiet lab_exec rs3 "$ARPKIT" hide add 192.0.2.161 --dev eth0:vip
	out=$(lab_exec rs3 "$ARPKIT" hide del "$vip" --dev lo:vip --keep-sysctls)
	t_assert_eq "removed $vip/32 from lo" "$out" "hide del --dev lo:vip removes it"
}

lab_init
lvs_topology
check_problem
check_ordering
check_cured
check_bad_input
check_persist
check_del
check_dev_label
t_done
