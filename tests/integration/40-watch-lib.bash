# shellcheck shell=bash
# Helpers for the watch tests (sourced, not run): watch's text events as sets.

# Events as "EVENT IP MAC OLD_MAC", sorted, for set comparisons.
event_set() {
	awk 'NF >= 7 && $1 ~ /^[0-9]{4}-/ { print $2, $3, $4, $5 }' "$1" | sort -u
}

has_event() { # FILE EVENT IP MAC OLD_MAC
	grep -qxF "$2 $3 $4 $5" <(event_set "$1")
}

assert_event() { # DESC FILE EVENT IP MAC OLD_MAC
	if has_event "$2" "$3" "$4" "$5" "$6"; then
		t_pass "$1"
	else
		t_fail "$1" "no '$3 $4 $5 $6' in:" "$(event_set "$2" | tr '\n' ';')"
	fi
}

assert_no_event() { # DESC FILE REGEX (on "EVENT IP MAC OLD_MAC")
	local found
	found=$(event_set "$2" | grep -E "$3")
	if [[ -z $found ]]; then
		t_pass "$1"
	else
		t_fail "$1" "${found//$'\n'/; }"
	fi
}

# assert_offline_matches LIVE_EVENTS CAPTURE [WATCH_OPTION...]: watch -r on the capture
# taken beside the live watcher exits 0 and reports the same set of events.
assert_offline_matches() {
	local live=$1 cap=$2 offline=$LAB_TMP/offline.txt status=0
	shift 2
	"$ARPKIT" watch -r "$cap" -I eth0 "$@" >"$offline" 2>"$offline.err" || status=$?
	t_assert_eq 0 "$status" "watch -r on tcpdump's capture exits 0"
	if [[ $(event_set "$live") == "$(event_set "$offline")" ]]; then
		t_pass "watch -r reports the same events as live ($(event_set "$live" | wc -l) distinct)"
	else
		t_fail "watch -r reports the same events as live" \
			"$(diff <(event_set "$live") <(event_set "$offline") | tr '\n' ';')"
	fi
}
