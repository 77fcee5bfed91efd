#!/bin/bash
# arpkit daemon beside keepalived: two VRRP nodes share 200 VIPs, the router drops
# gratuitous ARP and keeps its entries for hours. Without the daemon a failover
# leaves the router sending every VIP to the dead master; with `arpkit daemon` on
# both nodes the router follows within 1 s of the VIPs appearing, both ways.
set -uo pipefail
# shellcheck source=tests/lab/lab.sh
. "${LAB_LIB:-$(dirname "$0")/../lab/lab.sh}"
# shellcheck source=tests/integration/60-daemon-lab.bash
. "$(dirname "$0")/60-daemon-lab.bash"

ARPKIT=${ARPKIT:-$(dirname "$0")/../../build/arpkit}
VIPS=200
SAMPLE=("$(fo_vip 1)" "$(fo_vip 100)" "$(fo_vip $VIPS)")

command -v keepalived >/dev/null || t_skip "keepalived is not installed"
lab_init
fo_topology
fo_router_drop_garp

# shellcheck disable=SC2317  # called through lab_wait_for
client_reaches_sample() {
	local ip
	for ip in "${SAMPLE[@]}"; do
		lab_exec client ping -c1 -W1 -q "$ip" >/dev/null || return 1
	done
}

# shellcheck disable=SC2317
log_has() {
	grep -q -- "$2" "$1" 2>/dev/null
}

# check_converged LABEL FIRST ALL CONVERGED: within 1 s of the VIPs appearing.
check_converged() {
	local label=$1 first=$2 all=$3 conv=$4
	if [[ $first == - || $conv == - ]]; then
		t_fail "$label: the router maps all $VIPS VIPs to the new master" \
			"VIPs appeared: $first, converged: $conv (epoch us)"
		return
	fi
	echo "# $label: all VIPs present $(((all - first) / 1000)) ms after the first;" \
		"router converged $(((conv - first) / 1000)) ms after the first appeared"
	if ((conv - first <= 1000000)); then
		t_pass "$label: the router maps all $VIPS VIPs to the new master within 1 s"
	else
		t_fail "$label: the router maps all $VIPS VIPs to the new master within 1 s" \
			"took $(((conv - first) / 1000)) ms"
	fi
}

fo_keepalived a 150 $VIPS
fo_keepalived b 100 $VIPS
t_assert_exit -m "keepalived makes a the master of $VIPS VIPs" 0 fo_wait_master a $VIPS 30
fo_learn_vips $VIPS
t_assert_eq $VIPS "$(fo_router_maps $FO_A_MAC)" "the router maps every VIP to a"

# The failure, reproduced: keepalived alone.
fo_cable a down
t_assert_exit -m "without the daemon, b takes the VIPs" 0 fo_wait_master b $VIPS 30
sleep 2
t_assert_eq $VIPS "$(fo_router_maps $FO_A_MAC)" \
	"without the daemon, 2 s later the router still maps all $VIPS VIPs to the dead master"
t_assert_exit -m "and the client cannot reach ${SAMPLE[0]}" 1 \
	lab_exec client ping -c1 -W1 -q "${SAMPLE[0]}"

# Back to a (it preempts); the router's stale entries happen to be right again.
fo_cable a up
t_assert_exit -m "a takes the VIPs back" 0 fo_wait_master a $VIPS 30
t_assert_exit -m "b releases them" 0 fo_wait_released b 30
t_assert_exit -m "the client reaches the sample VIPs on a" 0 lab_wait_for 10 client_reaches_sample

# Now with the daemon on both nodes.
lab_bg a "$ARPKIT" daemon -I eth0 2>"$LAB_TMP/daemon-a.log"
daemon_a=$LAB_BG_PID
lab_bg b "$ARPKIT" daemon -I eth0 2>"$LAB_TMP/daemon-b.log"
daemon_b=$LAB_BG_PID
t_assert_exit -m "the daemon on a starts" 0 lab_wait_for 10 log_has "$LAB_TMP/daemon-a.log" "started: watching eth0"
t_assert_exit -m "the daemon on b starts" 0 lab_wait_for 10 log_has "$LAB_TMP/daemon-b.log" "started: watching eth0"
# a announces what it holds at start; let that run finish.
lab_wait_for 10 log_has "$LAB_TMP/daemon-a.log" "$(fo_vip $VIPS) eth0 confirmed" >/dev/null

fo_cable a down
read -r first all conv < <(fo_measure b $FO_B_MAC $VIPS 30)
check_converged "failover to b" "$first" "$all" "$conv"
t_assert_exit -m "the client reaches the sample VIPs on b" 0 lab_wait_for 5 client_reaches_sample
confirmed_b=$(grep -c '^arpkit daemon: 10\.21\..* eth0 confirmed .*(added)' "$LAB_TMP/daemon-b.log")
t_assert_eq $VIPS "$confirmed_b" "b's daemon logs every VIP as confirmed"

fo_cable a up
read -r first all conv < <(fo_measure a $FO_A_MAC $VIPS 30)
check_converged "fail back to a" "$first" "$all" "$conv"
t_assert_exit -m "b releases the VIPs" 0 fo_wait_released b 30
t_assert_exit -m "the client reaches the sample VIPs on a again" 0 lab_wait_for 5 client_reaches_sample
sleep 1
t_assert_eq $VIPS "$(fo_router_maps $FO_A_MAC)" "a second later the router still maps every VIP to a"

kill -TERM "$daemon_a" "$daemon_b"
status_a=0 status_b=0
wait "$daemon_a" || status_a=$?
wait "$daemon_b" || status_b=$?
t_assert_eq "0 0" "$status_a $status_b" "both daemons exit 0 on SIGTERM"
t_done
