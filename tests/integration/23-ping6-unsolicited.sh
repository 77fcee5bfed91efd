#!/bin/bash
# arpkit ping -U/-A for IPv6, checked on the wire (captured at the switch port) and
# by what a neighbour's cache does with it: -A (and -U for our own address) sends
# IPv6's one gratuitous form, the unsolicited NA to ff02::1 with our MAC and Override
# (Router when the interface forwards; no Override for an optimistic address), which
# moves an existing entry unless the neighbour drops unsolicited NAs; -U -S SOURCE
# TARGET sends a solicitation for TARGET from SOURCE, which TARGET learns from even
# then, and answers.
set -uo pipefail
. "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=tests/integration/20-ping-lib.bash
. "$(dirname "$0")/20-ping-lib.bash"

ping6_lab tcpdump
WRONG_MAC=02:00:00:00:00:99

# shellcheck disable=SC2317  # called through lab_wait_for
a_maps() { # ADDR MAC: a's entry for ADDR holds MAC
	[[ $(lab_neigh_mac a "$1" eth0) == "$2" ]]
}

# stale_entry ADDR: a maps ADDR to a wrong MAC (an entry left from before a move).
stale_entry() {
	lab__run a ip -6 neigh replace "$1" lladdr "$WRONG_MAC" dev eth0 nud stale
	t_assert_eq "$WRONG_MAC" "$(lab_neigh_mac a "$1" eth0)" "before: a maps $1 to $WRONG_MAC"
}

# na_on_wire FLAGS ADDR: how many NAs for ADDR left me to all-nodes with hop limit 255,
# FLAGS as tcpdump prints them and our MAC as target link-layer address.
na_on_wire() {
	cap_read -e -vv "$ND_NA" |
		grep -A1 "> 33:33:00:00:00:01, .*(hlim 255, .*$2 > ff02::1: .*neighbor advertisement, length 32, tgt is $2, Flags \[$1\]$" |
		grep -c "destination link-address option (2), length 8 (1): $ME_MAC$"
}

check_advert() {
	stale_entry "$ME6"
	cap_start lan me
	timed me "$ARPKIT" ping -A -c 1 "$ME6"
	cap_stop
	t_assert_eq 0 "$STATUS" "ping -A -c 1 $ME6: exit 0"
	t_assert_eq "UNSOLICITED NA on eth0 ($ME_MAC): neighbor advertisement to ff02::1, tgt is $ME6, Flags [override], target link-address $ME_MAC" \
		"$(head -n1 "$LAB_TMP/out")" "ping -A prints the NA it sends"
	t_assert_eq 1 "$(na_on_wire override "$ME6")" "and that NA went out: to ff02::1, hop limit 255, Override, our MAC"
	t_assert_eq 1 "$(cap_count)" "and nothing else"
	expect_line "the summary" "^1 advertisement sent, 0 responses received from 0 responders$" "$LAB_TMP/out"
	in_range "-A -c 1 listens a second, as for IPv4 (ms)" "$ELAPSED" 900 2000
	t_assert_exit -m "a now maps $ME6 to our MAC" 0 lab_wait_for 1 a_maps "$ME6" "$ME_MAC"

	# -U for our own address: IPv6 has no gratuitous solicitation; the same NA.
	stale_entry "$ME6"
	cap_start lan me
	timed me "$ARPKIT" ping -U -c 1 --json "$ME6"
	cap_stop
	t_assert_eq 0 "$STATUS" "ping -U -c 1 $ME6: exit 0"
	t_assert_eq unsolicited-request "$(json_field "$(tail -n1 "$LAB_TMP/out")" mode)" "-U --json: mode unsolicited-request"
	t_assert_eq unsolicited-na "$(json_field "$(tail -n1 "$LAB_TMP/out")" frame)" "-U --json: the frame was the unsolicited NA"
	t_assert_eq 1 "$(na_on_wire override "$ME6")" "-U sent the same NA"
	t_assert_exit -m "a maps $ME6 to our MAC again" 0 lab_wait_for 1 a_maps "$ME6" "$ME_MAC"
}

# A neighbour that drops unsolicited NAs (drop_unsolicited_na=1) keeps its entry
# after -A; a solicitation from the address (-U -S) moves it, and is answered.
check_solicitation_form() {
	lab__run a sysctl -qw net.ipv6.conf.eth0.drop_unsolicited_na=1
	stale_entry "$ME6"
	timed me "$ARPKIT" ping -A -c 1 "$ME6"
	t_assert_eq 0 "$STATUS" "ping -A: exit 0"
	sleep 0.3
	t_assert_eq "$WRONG_MAC" "$(lab_neigh_mac a "$ME6" eth0)" \
		"the fault: with drop_unsolicited_na=1 the NA leaves a's entry wrong"

	cap_start lan me
	timed me "$ARPKIT" ping -U -c 1 -S "$ME6" "$A6"
	cap_stop
	t_assert_eq 0 "$STATUS" "ping -U -S $ME6 $A6: exit 0"
	t_assert_eq "UNSOLICITED NS on eth0 ($ME_MAC): neighbor solicitation, who has $A6, from $ME6, source link-address $ME_MAC" \
		"$(head -n1 "$LAB_TMP/out")" "ping -U -S prints the solicitation it sends"
	t_assert_eq 1 "$(cap_read -e -vv "$ND_NS" |
		grep -A1 "> 33:33:ff:00:00:10, .*(hlim 255, .*$ME6 > ff02::1:ff00:10: .*who has $A6$" |
		grep -c "source link-address option (1), length 8 (1): $ME_MAC$")" \
		"and that solicitation went out: from $ME6 to $A6's group, hop limit 255, our MAC"
	expect_line "a's answer is printed" "^reply from $A6 at $A_MAC .* seq=1 time=[0-9.]+ ms$" "$LAB_TMP/out"
	expect_line "the summary counts it" "^1 solicitation sent, 1 response received from 1 responder$" "$LAB_TMP/out"
	t_assert_eq "$ME_MAC" "$(lab_neigh_mac a "$ME6" eth0)" "a learnt $ME6 at our MAC from the solicitation"
	lab__run a sysctl -qw net.ipv6.conf.eth0.drop_unsolicited_na=0
}

# The flags follow the address and the interface.
check_flags() {
	lab__run me sysctl -qw net.ipv6.conf.eth0.forwarding=1
	cap_start lan me
	timed me "$ARPKIT" ping -A -c 1 "$ME6"
	cap_stop
	expect_line "a forwarding interface: the Router flag" "^UNSOLICITED NA .* Flags \[router, override\]," "$LAB_TMP/out"
	t_assert_eq 1 "$(na_on_wire "router, override" "$ME6")" "on the wire: Flags [router, override]"
	lab__run me sysctl -qw net.ipv6.conf.eth0.forwarding=0

	lab_dad --optimistic me eth0 3
	lab__run me ip -6 addr add 2001:db8:1::7/64 dev eth0 optimistic
	t_assert_eq optimistic "$(lab_addr6_state me eth0 2001:db8:1::7)" "2001:db8:1::7 is optimistic"
	cap_start lan me
	timed me "$ARPKIT" ping -A -c 1 2001:db8:1::7
	cap_stop
	t_assert_eq 0 "$STATUS" "ping -A for an optimistic address: exit 0"
	expect_line "an optimistic address: no Override (RFC 4429)" "^UNSOLICITED NA .* Flags none," "$LAB_TMP/out"
	t_assert_eq 1 "$(na_on_wire none 2001:db8:1::7)" "on the wire: Flags [none]"
	lab__run me ip -6 addr del 2001:db8:1::7/64 dev eth0
	lab_dad me eth0 0
}

check_advert
check_solicitation_form
check_flags
t_done
