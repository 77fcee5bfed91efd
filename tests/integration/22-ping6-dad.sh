#!/bin/bash
# arpkit ping -D for an IPv6 TARGET: RFC 4862 duplicate address detection, checked
# against the kernel's own DAD in the same lab (an address arpkit calls in use fails
# the kernel's DAD, one it calls free passes it), its probes on the wire shaped as the
# kernel's (from ::, to the solicited-node group, hop limit 255, no source link-layer
# option, a nonce), timing, JSON, another node's DAD at the same time, and our own
# probe looped back by the switch (RFC 7527), which fails a DAD without a nonce.
set -uo pipefail
. "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=tests/integration/20-ping-lib.bash
. "$(dirname "$0")/20-ping-lib.bash"

ping6_lab tcpdump

# shellcheck disable=SC2317  # called through lab_wait_for
state_is() { # STATE ROLE ADDR
	[[ $(lab_addr6_state "$2" eth0 "$3") == "$1" ]]
}

# kernel_dad ROLE ADDR: ROLE adds ADDR with the kernel's DAD (one probe) and prints
# how it came out: dadfailed or ready (tentative if DAD did not end within 4 s).
kernel_dad() {
	lab_dad "$1" eth0 1
	lab__run "$1" ip -6 addr add "$2/64" dev eth0
	# Tentative (or failed already): not ready at once, so DAD does run.
	[[ $(lab_addr6_state "$1" eth0 "$2") != ready ]] || lab_die "$2 on $1 skipped DAD"
	lab_wait_for 4 state_is dadfailed "$1" "$2" || lab_wait_for 0.1 state_is ready "$1" "$2"
	lab_addr6_state "$1" eth0 "$2"
	lab__run "$1" ip -6 addr del "$2/64" dev eth0
	lab_dad "$1" eth0 0
}

# probe_shape: the first probe of a capture (tcpdump -e -vv), without what differs
# from probe to probe: the time, the source MAC, the address asked for (and so its
# solicited-node group) and the nonce's value.
probe_shape() {
	grep -A1 -m1 'neighbor solicitation' | sed -E \
		-e 's/^.*> 33:33:ff:[0-9a-f:]{8},/> GROUP-MAC,/' -e 's/ff02::1:ff[0-9a-f:]+:/GROUP:/' \
		-e 's/who has .*/who has ADDR/' -e 's/^[[:space:]]+//'
}

check_agrees_with_the_kernel() {
	t_assert_eq ready "$(lab_addr6_state a eth0 "$A6")" "a holds $A6"
	timed me "$ARPKIT" ping -D "$A6"
	t_assert_eq 1 "$STATUS" "DAD of a held address: exit 1"
	expect_line "it names the holder" "^$A6 is in use: $A_MAC .* claims it, [0-9.]+ ms after probe 1$" "$LAB_TMP/out"
	expect_line "and says so" "^$A6 is in use by $A_MAC$" "$LAB_TMP/out"
	t_assert_eq dadfailed "$(kernel_dad c "$A6")" "the kernel's DAD of $A6 on c fails too"

	timed me "$ARPKIT" ping -D "$FREE6"
	t_assert_eq 0 "$STATUS" "DAD of a free address: exit 0"
	expect_line "the header: RFC 4862's one probe and RetransTimer" \
		"^DAD $FREE6 on eth0 \($ME_MAC\): 1 probe from :: over 1.0 s$" "$LAB_TMP/out"
	expect_line "it says free" "^$FREE6 is free on eth0$" "$LAB_TMP/out"
	in_range "one probe, then RetransTimer (1 s) of listening (ms)" "$ELAPSED" 950 2000
	t_assert_eq ready "$(kernel_dad c "$FREE6")" "the kernel's DAD of $FREE6 on c passes too"
}

# The probes as they left me, and the kernel's own for comparison.
check_probes_on_the_wire() {
	local ours theirs nonces
	cap_start lan me
	timed me "$ARPKIT" ping -D -c 3 -i 300 "$FREE6"
	cap_stop
	t_assert_eq 0 "$STATUS" "-D -c 3 -i 300: free"
	ours=$(cap_read -e -vv -tt "$ND_DAD_PROBE")
	t_assert_eq 3 "$(grep -c 'neighbor solicitation' <<<"$ours")" "3 solicitations on the wire"
	t_assert_eq 3 "$(grep -c "> 33:33:ff:00:00:77, .*(hlim 255, .* :: > ff02::1:ff00:77: .*who has $FREE6$" <<<"$ours")" \
		"each from ::, to the solicited-node group's MAC and address, hop limit 255"
	t_assert_eq 0 "$(grep -c 'source link-address option' <<<"$ours")" "none carries a source link-layer option"
	t_assert_eq 3 "$(grep -c 'unknown option (14), length 8 (1)' <<<"$ours")" "each carries a nonce (option 14)"
	nonces=$(grep -A1 'unknown option (14)' <<<"$ours" | grep 0x0000 | sort -u | wc -l)
	t_assert_eq 1 "$nonces" "one nonce for the run, as the kernel keeps one per DAD"
	mapfile -t times < <(grep 'neighbor solicitation' <<<"$ours" | awk '{ split($1, t, "."); print t[1] * 1000 + substr(t[2], 1, 3) }')
	if ((${#times[@]} == 3)); then
		in_range "probe gap 1 is -i 300 (ms)" $((times[1] - times[0])) 280 450
		in_range "probe gap 2 is -i 300 (ms)" $((times[2] - times[1])) 280 450
	fi

	cap_start lan c
	kernel_dad c 2001:db8:1::78 >/dev/null
	cap_stop
	theirs=$(cap_read -e -vv "$ND_NS")
	t_assert_eq "$(probe_shape <<<"$theirs")" "$(probe_shape <<<"$ours")" \
		"our probe is shaped as the kernel's own DAD probe"
}

check_json_and_deadline() {
	timed me "$ARPKIT" ping -D --json -c 2 -i 100 "$A6"
	t_assert_eq 1 "$STATUS" "DAD --json of a held address: exit 1"
	t_assert_eq "$A_MAC" "$(json_field "$(head -n1 "$LAB_TMP/out")" mac)" "DAD --json names the holder"
	t_assert_eq "claims it" "$(json_field "$(head -n1 "$LAB_TMP/out")" kind)" "DAD --json: the holder's NA claims it"
	t_assert_eq false "$(json_field "$(tail -n1 "$LAB_TMP/out")" free)" "DAD --json: free false"
	t_assert_eq dad-ns "$(json_field "$(tail -n1 "$LAB_TMP/out")" frame)" "DAD --json: the frames were DAD probes"
	t_assert_eq ipv6 "$(json_field "$(tail -n1 "$LAB_TMP/out")" family)" "DAD --json: family ipv6"
	in_range "DAD stops at the first answer (ms)" "$ELAPSED" 0 700

	timed me "$ARPKIT" ping -D -c 3 -w 0.5 "$FREE6"
	t_assert_eq 0 "$STATUS" "-D -c 3 -w 0.5: free"
	expect_line "-w compresses the schedule" "^DAD $FREE6 on eth0 \($ME_MAC\): 3 probes from :: over 0.5 s$" "$LAB_TMP/out"
	in_range "-w 0.5 keeps to the deadline (ms)" "$ELAPSED" 450 1300
}

# Another node's DAD for the same address while ours listens (RFC 4862 5.4.3): the
# kernel on c starts probing after our first probe left (so it never saw one of ours),
# we see its probe and back off, naming it; c, having heard no one, keeps the address.
# Then the other way round: our probe reaches c while its address is tentative, and
# the kernel takes it for another node's DAD (the nonce is not its own): dadfailed.
check_simultaneous_dad() {
	local out=$LAB_TMP/rival.out pid status=0 start
	start=$(now_ms)
	ip netns exec "$LAB_ID-me" "$ARPKIT" ping -D -c 3 -i 3000 2001:db8:1::99 >"$out" 2>&1 &
	pid=$!
	sleep 0.5
	lab_dad c eth0 1
	lab__run c ip -6 addr add 2001:db8:1::99/64 dev eth0
	wait "$pid" || status=$?
	t_assert_eq 1 "$status" "a rival DAD: exit 1"
	expect_line "it names the rival" "^2001:db8:1::99 is in use: $C_MAC .* is probing for it too" "$out"
	in_range "it stopped at the rival's probe, before its own second one (ms)" $(($(now_ms) - start)) 400 2900
	t_assert_exit -m "c, which never heard our probe, keeps the address" 0 \
		lab_wait_for 3 state_is ready c 2001:db8:1::99
	lab__run c ip -6 addr del 2001:db8:1::99/64 dev eth0

	lab_dad c eth0 3
	lab__run c ip -6 addr add 2001:db8:1::98/64 dev eth0
	t_assert_eq tentative "$(lab_addr6_state c eth0 2001:db8:1::98)" "c's address is tentative"
	timed me "$ARPKIT" ping -D -c 1 -i 200 2001:db8:1::98
	t_assert_exit -m "our probe fails the kernel's DAD on c" 0 \
		lab_wait_for 2 state_is dadfailed c 2001:db8:1::98
	lab__run c ip -6 addr del 2001:db8:1::98/64 dev eth0
	lab_dad c eth0 0
}

# A switch port reflecting what it receives (hairpin) brings our own probe back. The
# fault first: the kernel's DAD without RFC 7527's nonce takes its own probe for
# another node's and fails; with the nonce (enhanced_dad) it passes. arpkit's probes
# carry a nonce: the address is free.
check_looped_back_probe() {
	lab__run lan bridge link set dev p-me hairpin on
	lab__run me sysctl -qw net.ipv6.conf.all.enhanced_dad=0 net.ipv6.conf.eth0.enhanced_dad=0
	t_assert_eq dadfailed "$(kernel_dad me 2001:db8:1::81)" \
		"the fault: on a looping port, DAD without a nonce fails on its own probe"
	lab__run me sysctl -qw net.ipv6.conf.all.enhanced_dad=1 net.ipv6.conf.eth0.enhanced_dad=1
	t_assert_eq ready "$(kernel_dad me 2001:db8:1::82)" "with the nonce the kernel's DAD passes"
	lab_bg me tcpdump -i eth0 -Q in -n -U --immediate-mode -w "$LAB_TMP/back.pcap" \
		"ether src $ME_MAC and $ND_DAD_PROBE" 2>"$LAB_TMP/back.err"
	lab_wait_for 5 grep -q "listening on" "$LAB_TMP/back.err" || lab_die "tcpdump did not start"
	timed me "$ARPKIT" ping -D -c 2 -i 200 "$FREE6"
	sleep 0.3
	kill -TERM "$LAB_BG_PID" 2>/dev/null
	wait "$LAB_BG_PID" 2>/dev/null
	t_assert_eq 2 "$(tcpdump -r "$LAB_TMP/back.pcap" -n 2>/dev/null | grep -c "who has $FREE6")" \
		"the switch brought both our probes back to eth0"
	t_assert_eq 0 "$STATUS" "arpkit's DAD on the looping port: free (its nonce)"
	expect_line "it says free" "^$FREE6 is free on eth0$" "$LAB_TMP/out"
	lab__run lan bridge link set dev p-me hairpin off
}

check_agrees_with_the_kernel
check_probes_on_the_wire
check_json_and_deadline
check_simultaneous_dad
check_looped_back_probe
t_done
