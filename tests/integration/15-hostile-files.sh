#!/bin/bash
# Files, names and vendor lists written by someone else (issue 12 items 5-9, issue 10
# item 9): every refusal is one clear line with the bad text quoted and bounded, exit
# 2, and not one frame sent; and scan names vendors from the freshest registry.
set -uo pipefail
. "$(dirname "$0")/../lab/lab.sh"

lab_init
lab_switch lan >/dev/null
lab_plug scanner eth0 lan 02:00:00:00:15:01
lab_plug pi eth0 lan d8:3a:dd:00:15:02
lab_plug vm eth0 lan 52:54:00:00:15:03
lab_exec scanner ip addr add 192.0.2.1/24 dev eth0
lab_exec pi ip addr add 192.0.2.2/24 dev eth0
lab_exec vm ip addr add 192.0.2.3/24 dev eth0

refused() { # DESC PATTERN CMD...
	t_assert_refused lan scanner "$@"
}

# stderr of the last refusal: no escape byte reaches the terminal, and it stays short.
assert_tame_stderr() { # DESC MAX_BYTES
	local err=$LAB_TMP/refused.err
	if LC_ALL=C grep -q $'\x1b' "$err"; then
		t_fail "$1: no escape byte on stderr" "$(od -c "$err" | head -5)"
	else
		t_pass "$1: no escape byte on stderr"
	fi
	t_assert_exit -m "$1: stderr under $2 bytes" 0 test "$(wc -c <"$err")" -lt "$2"
}

# Item 5: an empty target list used to abort the sanitized build (qsort(NULL, 0)).
refused "empty target file" "no targets: '/dev/null' holds no address" \
	"$ARPKIT" scan -I eth0 -f /dev/null
printf '# nothing but comments\n\n' >"$LAB_TMP/comments"
refused "target file of comments" "holds no address" "$ARPKIT" scan -I eth0 -f "$LAB_TMP/comments"

# Items 6 and 8: bounded lines, binary input, directories.
refused "a directory as target file" "cannot read target file '$LAB_TMP': Is a directory" \
	"$ARPKIT" scan -I eth0 -f "$LAB_TMP"
refused "/dev/zero as target file" "/dev/zero:1: a NUL byte: not a text file" \
	timeout 10 "$ARPKIT" scan -I eth0 -f /dev/zero
head -c $((10 << 20)) /dev/zero | tr '\0' 'x' >"$LAB_TMP/huge-line"
refused "a 10 MB line" "huge-line:1: line longer than 64 KiB" \
	"$ARPKIT" scan -I eth0 -f "$LAB_TMP/huge-line"
assert_tame_stderr "a 10 MB line" 200

# Item 7: an item under the line limit is quoted and cut; control bytes escaped.
{ printf '192.0.2.1\x1b[2J\x1b]0;owned\x07'; head -c 60000 /dev/zero | tr '\0' 'y'; echo; } \
	>"$LAB_TMP/escapes"
refused "escape sequences in a target file" \
	"escapes:1: invalid target '192.0.2.1\\\\x1b\\[2J\\\\x1b\\]0;owned\\\\x07yyy" \
	"$ARPKIT" scan -I eth0 -f "$LAB_TMP/escapes"
assert_tame_stderr "escape sequences in a target file" 400
refused "escape sequences in an interface name" "unknown interface 'nope\\\\x1b\\[2J'" \
	"$ARPKIT" scan -I $'nope\e[2J' 192.0.2.2
assert_tame_stderr "escape sequences in an interface name" 200

# Item 7: a file full of junk gets 10 lines of it, then one line with the count.
for i in $(seq 1 25); do echo "junk-$i"; done >"$LAB_TMP/junk"
status=0
lab_exec scanner "$ARPKIT" scan -I eth0 -f "$LAB_TMP/junk" >/dev/null 2>"$LAB_TMP/junk.err" || status=$?
t_assert_eq 2 "$status" "a junk target file exits 2"
t_assert_eq 11 "$(wc -l <"$LAB_TMP/junk.err")" "10 bad lines are shown, then one count line"
t_assert_exit -m "the count line says how many more" 0 \
	grep -q "junk: 15 more invalid targets not shown (25 in all)" "$LAB_TMP/junk.err"

# The vendor override file: hostile names, directories.
printf 'd8:3a:dd Evil\x1b[2J\n' >"$LAB_TMP/vendors"
refused "escape sequence in a vendor override" \
	"vendors:1: invalid vendor override line: a name with control characters" \
	"$ARPKIT" scan -I eth0 --vendor-file "$LAB_TMP/vendors" 192.0.2.2
assert_tame_stderr "escape sequence in a vendor override" 200
refused "a directory as vendor file" "cannot load vendors from '$LAB_TMP': Is a directory" \
	"$ARPKIT" scan -I eth0 --vendor-file "$LAB_TMP" 192.0.2.2

# Item 9 and item 8: the daemon's configuration.
for i in $(seq 1 64); do echo "peer 10.0.$((i / 200)).$((i % 200 + 1))"; done >"$LAB_TMP/daemon.conf"
refused "--peer beyond the config's 64 peers" "too many peers" \
	timeout 20 "$ARPKIT" daemon -c "$LAB_TMP/daemon.conf" --peer 192.0.2.9
refused "a directory as config" "cannot read config '$LAB_TMP': Is a directory" \
	timeout 20 "$ARPKIT" daemon -c "$LAB_TMP"
printf 'interface eth0\npeer %600s\n' 192.0.2.9 >"$LAB_TMP/long.conf"
refused "a config line over 511 bytes" "line 2: line longer than 511 bytes" \
	timeout 20 "$ARPKIT" daemon -c "$LAB_TMP/long.conf"
printf 'refresh \x1b[2J\n' >"$LAB_TMP/escape.conf"
refused "escape sequence in a config value" "line 1: refresh '\\\\x1b\\[2J': invalid value" \
	timeout 20 "$ARPKIT" daemon -c "$LAB_TMP/escape.conf"

# Issue 10 item 9: the vendor of a Raspberry Pi 5 (d8:3a:dd, only in arp-scan's newer
# ieee-oui.txt) and of a QEMU guest (52:54:00, arp-scan's mac-vendor.txt).
if [[ -r /usr/share/arp-scan/ieee-oui.txt && -r /etc/arp-scan/mac-vendor.txt ]]; then
	out=$(lab_exec scanner "$ARPKIT" scan -I eth0 -q 192.0.2.2 192.0.2.3)
	t_assert_eq $'192.0.2.2\td8:3a:dd:00:15:02\tRaspberry Pi Trading Ltd\n192.0.2.3\t52:54:00:00:15:03\tQEMU' \
		"$out" "scan names the Pi 5 and the QEMU guest as arp-scan does"
	printf 'd8:3a:dd Lab Pi\n' >"$LAB_TMP/override"
	out=$(lab_exec scanner "$ARPKIT" scan -I eth0 -q --vendor-file "$LAB_TMP/override" 192.0.2.2)
	t_assert_eq $'192.0.2.2\td8:3a:dd:00:15:02\tLab Pi' "$out" "the override file beats every registry"
else
	t_pass "# arp-scan's data files are not installed: vendor names not checked"
fi
t_done
