# shellcheck shell=bash
# What the ping tests share beyond tests/lab/lab.sh: reading their output (a JSON
# field, a line, a time bound), running a command timed, the IPv6 ping lab, and
# (from 10-announce-lab.bash) the capture at a switch port.
#
#   timed me "$ARPKIT" ping -c 1 --json "$A6"   # STATUS, ELAPSED (ms), $LAB_TMP/out
#   json_field "$(head -n1 "$LAB_TMP/out")" mac
#   in_range "the RTT is sane" "$rtt" 0 200000
#   expect_line "the summary" "^1 solicitation sent" "$LAB_TMP/out"

# shellcheck disable=SC2034  # STATUS, ELAPSED and the lab's names are for the tests
# shellcheck source=tests/integration/10-announce-lab.bash
. "$(dirname "${BASH_SOURCE[0]}")/10-announce-lab.bash"

# json_field LINE KEY: the scalar value of KEY in a one-line JSON object.
json_field() {
	local v
	v=$(grep -o "\"$2\":\(\"[^\"]*\"\|[^,}]*\)" <<<"$1" | head -n1)
	v=${v#*:}
	v=${v#\"}
	echo "${v%\"}"
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# in_range DESC VALUE LOW HIGH
in_range() {
	if (($2 >= $3 && $2 <= $4)); then
		t_pass "$1 ($2 in [$3, $4])"
	else
		t_fail "$1" "$2 not in [$3, $4]"
	fi
}

# timed ROLE CMD...: runs CMD, sets STATUS and ELAPSED (ms); stdout in $LAB_TMP/out.
timed() {
	local start
	start=$(now_ms)
	STATUS=0
	lab_exec "$@" >"$LAB_TMP/out" 2>"$LAB_TMP/err" || STATUS=$?
	ELAPSED=$(($(now_ms) - start))
}

# check_reply_object MAC IP: the first line of $LAB_TMP/out is the --json reply to
# request 1, from MAC for IP, the only responder, with a sane RTT.
check_reply_object() {
	local reply
	reply=$(head -n1 "$LAB_TMP/out")
	t_assert_eq "$1" "$(json_field "$reply" mac)" "the reply names the host's MAC"
	t_assert_eq "$2" "$(json_field "$reply" ip)" "the reply names the target"
	t_assert_eq 1 "$(json_field "$reply" seq)" "the first reply answers seq 1"
	t_assert_eq false "$(json_field "$reply" conflict)" "one responder is no conflict"
	in_range "the RTT is sane, in microseconds" "$(json_field "$reply" rtt_us)" 0 200000
}

# expect_line DESC PATTERN FILE: some line of FILE matches the extended regex.
expect_line() {
	if grep -Eq -- "$2" "$3"; then
		t_pass "$1"
	else
		t_fail "$1" "no line matches: $2" "$(cat "$3")"
	fi
}

# The IPv6 ping lab: four hosts on one switch that floods multicast (no MLD
# snooping, as a switch without a querier), IPv6 on and quiet (lab_ipv6: no DAD,
# no Router Solicitation until a test turns DAD on with lab_dad).
#
#   me 2001:db8:1::5/64, ::6/64   a 2001:db8:1::10/64   b 2001:db8:1::20/64   c (none)
#
# me routes 2001:db8:9::/64 via a's link-local address (an off-link prefix). The
# link-local addresses (from the MACs) are in ME_LL, A_LL. ping6_lab returns once
# setup's MLD reports are over: from then on an IPv6 host sends nothing unasked.
ME_MAC=02:00:00:00:00:01 A_MAC=02:00:00:00:00:10 B_MAC=02:00:00:00:00:20
C_MAC=02:00:00:00:00:30
ME6=2001:db8:1::5 ME6_2=2001:db8:1::6 A6=2001:db8:1::10 B6=2001:db8:1::20
FREE6=2001:db8:1::77 OFFLINK6=2001:db8:9::7

# link_local ROLE: the link-local address of ROLE's eth0.
link_local() {
	lab_exec "$1" ip -6 -o addr show dev eth0 scope link |
		awk '{ sub(/\/.*/, "", $4); print $4; exit }'
}

# frames_from SWITCH ROLE...: the frames all ROLEs have sent into SWITCH.
frames_from() {
	local switch=$1 role total=0
	shift
	for role; do
		total=$((total + $(lab_frames_from "$switch" "$role")))
	done
	echo "$total"
}

# shellcheck disable=SC2317  # called through lab_wait_for
quiet_for_300ms() { # SWITCH ROLE...
	local before
	before=$(frames_from "$@")
	sleep 0.3
	[[ $(frames_from "$@") == "$before" ]]
}

# ping6_lab [TOOL...]: builds it; skips the test without IPv6 or one of the TOOLs.
ping6_lab() {
	local tool
	[[ -d /proc/sys/net/ipv6 ]] || t_skip "this kernel has no IPv6"
	for tool; do
		command -v "$tool" >/dev/null || t_skip "$tool is not installed"
	done
	lab_init
	lab_ipv6 me a b c
	lab_switch lan >/dev/null
	ip -n "$LAB_ID-lan" link set br0 type bridge mcast_snooping 0 ||
		lab_die "cannot turn MLD snooping off"
	lab_plug me eth0 lan "$ME_MAC"
	lab_plug a eth0 lan "$A_MAC"
	lab_plug b eth0 lan "$B_MAC"
	lab_plug c eth0 lan "$C_MAC"
	lab__run me ip -6 addr add "$ME6/64" dev eth0
	lab__run me ip -6 addr add "$ME6_2/64" dev eth0
	lab__run a ip -6 addr add "$A6/64" dev eth0
	lab__run b ip -6 addr add "$B6/64" dev eth0
	ME_LL=$(link_local me)
	A_LL=$(link_local a)
	[[ -n $ME_LL && -n $A_LL ]] || lab_die "no link-local addresses"
	lab__run me ip -6 route add 2001:db8:9::/64 via "$A_LL" dev eth0
	lab_wait_for 5 quiet_for_300ms lan me a b c || lab_die "the hosts keep sending after setup"
}
