# shellcheck shell=bash
# Network-namespace lab for arpkit's integration tests, demo and benchmarks.
#
# Source this file, call lab_init, then build a topology:
#
#   . tests/lab/lab.sh
#   lab_init                        # unique LAB_ID, teardown on EXIT/INT/TERM
#   lab_switch lan                  # namespace "$LAB_ID-lan" holding bridge br0
#   lab_plug host eth0 lan          # namespace "$LAB_ID-host", eth0 on the bridge
#   lab_exec host ip addr add 192.0.2.5/24 dev eth0
#
# Safety: every frame a lab sends stays inside namespaces this file creates.
# Veth pairs are created with both ends already inside their namespaces, so the
# root namespace never holds a lab interface, not even for a moment. Nothing here
# touches the root namespace except lab_raise_neigh_limits (a sysctl, no traffic).
#
# Teardown is guaranteed by traps and is idempotent: it kills every process in
# the lab's namespaces (lab_bg's and any other) and deletes the namespaces. Roles
# are named per lab, so a namespace is "$LAB_ID-ROLE" and two labs never clash.
#
# State: LAB_ID, LAB_TMP (a scratch directory removed at teardown; tests may put
# files there) and LAB_BG_PID (the last lab_bg process). Created namespaces are
# recorded under LAB_TMP, so functions called from a command substitution such
# as ns=$(lab_ns web) still register for teardown.
# A lab setup error inside such a subshell terminates the owning script (TERM),
# so a half-built lab never goes unnoticed.
#
# Test helpers (t_*) print "ok - DESC" / "not ok - DESC"; t_done summarises and
# exits non-zero on failure. They count in the current shell only: assert in the
# test's main shell, not in a subshell.

# Where ip(8) keeps named namespaces.
LAB_NETNS_DIR=/var/run/netns

lab_die() {
	echo "lab: $*" >&2
	if [[ -n ${LAB_OWNER_PID:-} && $BASHPID != "$LAB_OWNER_PID" ]]; then
		kill -TERM "$LAB_OWNER_PID" 2>/dev/null
	fi
	exit 1
}

lab__require_init() {
	[[ -n ${LAB_TMP:-} && -d $LAB_TMP ]] || lab_die "call lab_init first (${FUNCNAME[1]})"
}

lab__check_role() {
	[[ $1 =~ ^[A-Za-z0-9_][A-Za-z0-9_-]*$ ]] || lab_die "bad role name: '$1'"
}

lab__check_ifname() {
	[[ $1 =~ ^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,14}$ && $1 != *:* ]] ||
		lab_die "bad interface name (1-15 chars, no ':'): '$1'"
}

# Sets REPLY to the namespace of ROLE, which must exist in this lab.
lab__resolve() {
	lab__require_init
	lab__check_role "$1"
	REPLY="$LAB_ID-$1"
	[[ -e $LAB_NETNS_DIR/$REPLY ]] || lab_die "no role '$1' in lab $LAB_ID (create it with lab_ns)"
}

# Microseconds since the epoch; EPOCHREALTIME's separator follows the locale.
lab__now_us() {
	REPLY=${EPOCHREALTIME//[!0-9]/}
}

lab__seconds_to_us() {
	[[ $1 =~ ^([0-9]+)(\.([0-9]*))?$ ]] || lab_die "bad duration in seconds: '$1'"
	local whole=${BASH_REMATCH[1]} frac="${BASH_REMATCH[3]}000000"
	REPLY=$((10#$whole * 1000000 + 10#${frac:0:6}))
}

lab_init() {
	if ((EUID != 0)); then
		echo "lab: the namespace lab needs root (ip netns); run the integration tests as root" >&2
		exit 1
	fi
	local tool
	for tool in ip sysctl timeout awk; do
		command -v "$tool" >/dev/null || lab_die "missing tool '$tool' (run scripts/install-deps)"
	done
	# A lab inherited from a parent shell belongs to the parent; only our own
	# earlier lab is torn down here.
	if [[ ${LAB_OWNER_PID:-} == "$BASHPID" ]]; then
		lab_teardown
	fi
	LAB_OWNER_PID=$BASHPID
	local tries
	for ((tries = 0; ; tries++)); do
		((tries < 50)) || lab_die "cannot find an unused lab id"
		LAB_ID="ak${BASHPID}x$RANDOM"
		[[ -z $(lab_list_ns "$LAB_ID") ]] && break
	done
	LAB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/$LAB_ID.XXXXXX") || lab_die "cannot create a scratch directory"
	: >"$LAB_TMP/namespaces"
	LAB_BG_PID=
	LAB_BG_PIDS=()
	if [[ -n ${LAB_REGISTRY:-} ]]; then
		echo "$LAB_ID $LAB_TMP" >>"$LAB_REGISTRY"
	fi
	export LAB_ID LAB_TMP
	trap lab_teardown EXIT
	trap 'lab_teardown; exit 129' HUP
	trap 'lab_teardown; exit 130' INT
	trap 'lab_teardown; exit 143' TERM
}

# Prints the namespaces whose names start with "ID-", one per line.
lab_list_ns() {
	ip netns list 2>/dev/null | awk -v prefix="$1-" 'index($1, prefix) == 1 { print $1 }'
}

# Kills every process inside the given namespaces, then deletes them in the
# order given. TERM first, KILL for whatever is still there after ~2 s.
lab_purge_ns() {
	local ns pids round
	for ((round = 0; round < 60; round++)); do
		pids=()
		for ns; do
			[[ -e $LAB_NETNS_DIR/$ns ]] || continue
			mapfile -t -O "${#pids[@]}" pids < <(ip netns pids "$ns" 2>/dev/null)
		done
		((${#pids[@]})) || break
		if ((round < 40)); then
			kill -TERM "${pids[@]}" 2>/dev/null
		else
			kill -KILL "${pids[@]}" 2>/dev/null
		fi
		sleep 0.05
	done
	for ns; do
		if [[ -e $LAB_NETNS_DIR/$ns ]]; then
			ip netns del "$ns" 2>/dev/null || echo "lab: could not delete namespace $ns" >&2
		fi
	done
	return 0
}

# Waits for a child that should be dead already, at most ~1 s so a process
# stuck in the kernel cannot hang the teardown.
lab__reap() {
	local tries
	for ((tries = 0; tries < 20; tries++)); do
		if ! kill -0 "$1" 2>/dev/null || [[ $(ps -o stat= -p "$1" 2>/dev/null) == Z* ]]; then
			wait "$1" 2>/dev/null
			return 0
		fi
		sleep 0.05
	done
	return 0
}

lab_teardown() {
	[[ -n ${LAB_TMP:-} && -n ${LAB_ID:-} ]] || return 0
	local - ns pid ordered=() leftover=()
	set +e
	if [[ -s $LAB_TMP/namespaces ]]; then
		mapfile -t ordered < <(tac "$LAB_TMP/namespaces")
	fi
	# Anything with our prefix that the record missed goes too.
	mapfile -t leftover < <(lab_list_ns "$LAB_ID")
	for ns in "${leftover[@]}"; do
		[[ " ${ordered[*]} " == *" $ns "* ]] || ordered+=("$ns")
	done
	if ((${#ordered[@]})); then
		lab_purge_ns "${ordered[@]}"
	fi
	# The purge killed every lab_bg process with its namespace; reap those
	# still in our job table so bash does not report them. Nothing is killed by
	# pid here: a pid that already ended may belong to someone else by now.
	local -a jobs_now=()
	mapfile -t jobs_now < <(jobs -p)
	for pid in "${LAB_BG_PIDS[@]}"; do
		[[ " ${jobs_now[*]} " == *" $pid "* ]] && lab__reap "$pid"
	done
	LAB_BG_PIDS=()
	rm -rf -- "$LAB_TMP"
	LAB_TMP=
	return 0
}

# Creates (once) the namespace for ROLE and prints its name. IPv6 is disabled
# in every lab namespace so no router or neighbour solicitations add noise;
# rp_filter is pinned to 0 whatever the host's defaults are.
lab_ns() {
	lab__require_init
	local role=${1:?usage: lab_ns ROLE} ns
	lab__check_role "$role"
	ns="$LAB_ID-$role"
	if ! grep -qxF -- "$ns" "$LAB_TMP/namespaces"; then
		ip netns add "$ns" || lab_die "cannot create namespace $ns"
		echo "$ns" >>"$LAB_TMP/namespaces"
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 >/dev/null ||
			lab_die "cannot set rp_filter in $ns"
		if [[ -d /proc/sys/net/ipv6 ]]; then
			ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
				net.ipv6.conf.default.disable_ipv6=1 >/dev/null ||
				lab_die "cannot disable IPv6 in $ns"
		fi
		ip -n "$ns" link set lo up || lab_die "cannot bring lo up in $ns"
	fi
	echo "$ns"
}

lab_exec() {
	lab__resolve "${1:?usage: lab_exec ROLE CMD...}"
	shift
	ip netns exec "$REPLY" "$@"
}

# Starts CMD in ROLE's namespace in the background; its pid is in LAB_BG_PID.
# Teardown kills it (and everything else in the namespace). Call it in the
# test's own shell, not in a command substitution (that would wait for CMD).
lab_bg() {
	lab__resolve "${1:?usage: lab_bg ROLE CMD...}"
	shift
	ip netns exec "$REPLY" "$@" &
	LAB_BG_PID=$!
	LAB_BG_PIDS+=("$LAB_BG_PID")
}

# lab_switch ROLE [--flood]: a namespace holding bridge br0 (STP off, no
# forwarding delay). --flood sets ageing_time 0: the bridge learns nothing and
# floods every frame to every port, so any port works as a mirror port.
lab_switch() {
	local role=${1:?usage: lab_switch ROLE [--flood]} ns
	local -a ageing=()
	case ${2:-} in
	"") ;;
	--flood) ageing=(ageing_time 0) ;;
	*) lab_die "lab_switch: unknown option '$2'" ;;
	esac
	ns=$(lab_ns "$role") || exit 1
	ip -n "$ns" link add br0 type bridge stp_state 0 forward_delay 0 "${ageing[@]}" ||
		lab_die "cannot create bridge in $ns"
	ip -n "$ns" link set br0 up || lab_die "cannot bring br0 up in $ns"
	echo "$ns"
}

# lab_plug HOST_ROLE IFNAME SWITCH_ROLE [MAC]: a veth from HOST_ROLE (named
# IFNAME there, optional MAC) to a port of SWITCH_ROLE's br0 named p-HOST_ROLE.
lab_plug() {
	local host_role=${1:?usage: lab_plug HOST_ROLE IFNAME SWITCH_ROLE [MAC]}
	local ifname=${2:?usage: lab_plug HOST_ROLE IFNAME SWITCH_ROLE [MAC]}
	local switch_role=${3:?usage: lab_plug HOST_ROLE IFNAME SWITCH_ROLE [MAC]}
	local mac=${4:-} host_ns switch_ns port n
	local -a address=()
	lab__check_ifname "$ifname"
	lab__resolve "$switch_role"
	switch_ns=$REPLY
	ip -n "$switch_ns" link show dev br0 >/dev/null 2>&1 ||
		lab_die "'$switch_role' is not a switch (make it with lab_switch)"
	host_ns=$(lab_ns "$host_role") || exit 1
	port="p-$host_role"
	port=${port:0:15}
	for ((n = 2; ; n++)); do
		ip -n "$switch_ns" link show dev "$port" >/dev/null 2>&1 || break
		((n < 100)) || lab_die "no free port name on $switch_role for $host_role"
		port="p$n-$host_role"
		port=${port:0:15}
	done
	[[ -z $mac ]] || address=(address "$mac")
	ip link add "$ifname" netns "$host_ns" "${address[@]}" type veth \
		peer name "$port" netns "$switch_ns" ||
		lab_die "cannot plug $host_role/$ifname into $switch_role"
	ip -n "$switch_ns" link set "$port" master br0 up || lab_die "cannot attach $port to br0"
	ip -n "$host_ns" link set "$ifname" up || lab_die "cannot bring $ifname up in $host_ns"
}

# lab_wire ROLE_A IF_A ROLE_B IF_B [MAC_A [MAC_B]]: a direct veth, both ends up.
lab_wire() {
	local usage="usage: lab_wire ROLE_A IF_A ROLE_B IF_B [MAC_A [MAC_B]]"
	local role_a=${1:?$usage} if_a=${2:?$usage} role_b=${3:?$usage} if_b=${4:?$usage}
	local ns_a ns_b
	local -a address_a=() address_b=()
	lab__check_ifname "$if_a"
	lab__check_ifname "$if_b"
	[[ -z ${5:-} ]] || address_a=(address "$5")
	[[ -z ${6:-} ]] || address_b=(address "$6")
	ns_a=$(lab_ns "$role_a") || exit 1
	ns_b=$(lab_ns "$role_b") || exit 1
	ip link add "$if_a" netns "$ns_a" "${address_a[@]}" type veth \
		peer name "$if_b" netns "$ns_b" "${address_b[@]}" ||
		lab_die "cannot wire $role_a/$if_a to $role_b/$if_b"
	ip -n "$ns_a" link set "$if_a" up || lab_die "cannot bring $if_a up in $ns_a"
	ip -n "$ns_b" link set "$if_b" up || lab_die "cannot bring $if_b up in $ns_b"
}

# gc_thresh1/2/3 exist only in the initial namespace and bound the one ARP
# table (and the one IPv6 neighbour table) every namespace shares, so benches with
# many neighbours need them high. They are raised, never lowered, and deliberately
# not restored: labs of overlapping runs share them, and restoring from one run
# would pull the limits out from under another that is still running. Sends nothing.
lab_raise_neigh_limits() {
	local -a wanted=(4096 16384 32768)
	local i file current family
	for family in ipv4 ipv6; do
		[[ -d /proc/sys/net/$family ]] || continue
		for i in 3 2 1; do
			file=/proc/sys/net/$family/neigh/default/gc_thresh$i
			current=$(<"$file") || lab_die "cannot read $file"
			if ((current < wanted[i - 1])); then
				echo "${wanted[i - 1]}" >"$file" || lab_die "cannot raise $file"
			fi
		done
	done
}

# lab_router_sticky ROLE IFACE: ROLE forwards, and its ARP entries on IFACE stay
# REACHABLE for hours and, once STALE, go unverified for hours: the slow cache
# of a real router that keeps sending to a MAC which no longer holds the address.
lab_router_sticky() {
	local role=${1:?usage: lab_router_sticky ROLE IFACE} iface=${2:?usage: lab_router_sticky ROLE IFACE}
	lab_exec "$role" sysctl -qw net.ipv4.ip_forward=1 \
		"net/ipv4/neigh/$iface/base_reachable_time_ms=14400000" \
		"net/ipv4/neigh/$iface/gc_stale_time=14400" \
		"net/ipv4/neigh/$iface/delay_first_probe_time=14400" >/dev/null ||
		lab_die "cannot make $role/$iface sticky"
}

lab_router_drop_garp() {
	local role=${1:?usage: lab_router_drop_garp ROLE IFACE} iface=${2:?usage: lab_router_drop_garp ROLE IFACE}
	lab_exec "$role" sysctl -qw "net/ipv4/conf/$iface/drop_gratuitous_arp=1" >/dev/null ||
		lab_die "cannot set drop_gratuitous_arp on $role/$iface"
}

# lab_neigh_mac ROLE IP [IFACE]: prints the MAC ROLE's neighbour table holds for
# IP (IPv4, or IPv6: `ip -6 neigh`), on IFACE if given (a link-local IPv6 address
# is only meaningful with one); nothing if there is no entry or it is INCOMPLETE
# or FAILED.
lab_neigh_mac() {
	local usage="usage: lab_neigh_mac ROLE IP [IFACE]"
	local role=${1:?$usage} ip=${2:?$usage} family=-4
	local -a dev=()
	[[ $ip == *:* ]] && family=-6
	[[ -z ${3:-} ]] || dev=(dev "$3")
	lab_exec "$role" ip "$family" neigh show to "$ip" "${dev[@]}" | awk '
		{
			mac = ""; unusable = 0
			for (i = 1; i <= NF; i++) {
				if ($i == "lladdr") mac = $(i + 1)
				if ($i == "FAILED" || $i == "INCOMPLETE") unusable = 1
			}
			if (mac != "" && !unusable) { print mac; exit }
		}'
}

lab_mac() {
	local role=${1:?usage: lab_mac ROLE IFACE} iface=${2:?usage: lab_mac ROLE IFACE}
	lab__resolve "$role"
	ip -n "$REPLY" -o link show dev "$iface" |
		awk '{ for (i = 1; i < NF; i++) if ($i ~ /^link\//) { print $(i + 1); exit } }'
}

# lab_wait_for TIMEOUT_S CMD...: runs CMD every 50 ms until it succeeds (0) or
# TIMEOUT_S (may be fractional) has passed (1). CMD itself must be bounded.
lab_wait_for() {
	local deadline
	lab__seconds_to_us "${1:?usage: lab_wait_for TIMEOUT_S CMD...}"
	shift
	deadline=$REPLY
	lab__now_us
	deadline=$((deadline + REPLY))
	while true; do
		"$@" && return 0
		lab__now_us
		((REPLY < deadline)) || return 1
		sleep 0.05
	done
}

# The canonical migration lab:
#
#   client 198.51.100.10 --eth0--eth1-- router --eth0-- [lan br0] --+-- old eth0
#                                      .1 / 192.0.2.1               +-- new eth0
#
# old holds 192.0.2.10/24 and 192.0.2.11/24 (label eth0:vip); new is plugged
# in, up, and silent, with no addresses until lab_swap_move. The router's ARP
# entries on eth0 are sticky (lab_router_sticky).
lab_swap_topology() {
	lab__swap_wire
	lab__swap_ipv4
}

# The namespaces, links and MACs of the migration lab, without addresses.
lab__swap_wire() {
	export SWAP_ROUTER_MAC=02:00:00:00:00:01 SWAP_OLD_MAC=02:00:00:00:00:10
	export SWAP_NEW_MAC=02:00:00:00:00:20
	export LAB_NS_LAN LAB_NS_ROUTER LAB_NS_CLIENT LAB_NS_OLD LAB_NS_NEW
	LAB_NS_LAN=$(lab_switch lan) || exit 1
	LAB_NS_ROUTER=$(lab_ns router) || exit 1
	LAB_NS_CLIENT=$(lab_ns client) || exit 1
	LAB_NS_OLD=$(lab_ns old) || exit 1
	LAB_NS_NEW=$(lab_ns new) || exit 1

	lab_plug router eth0 lan "$SWAP_ROUTER_MAC"
	lab_router_sticky router eth0
	lab_wire router eth1 client eth0 02:00:00:00:01:01 02:00:00:00:01:10
	lab_plug old eth0 lan "$SWAP_OLD_MAC"
	lab_plug new eth0 lan "$SWAP_NEW_MAC"
}

lab__swap_ipv4() {
	export SWAP_GW=192.0.2.1 SWAP_PRIMARY=192.0.2.10 SWAP_VIP=192.0.2.11
	export SWAP_CLIENT=198.51.100.10 SWAP_CLIENT_GW=198.51.100.1
	lab__run router ip addr add "$SWAP_GW/24" dev eth0
	lab__run router ip addr add "$SWAP_CLIENT_GW/24" dev eth1
	lab__run client ip addr add "$SWAP_CLIENT/24" dev eth0
	lab__run client ip route add default via "$SWAP_CLIENT_GW"
	lab__run old ip addr add "$SWAP_PRIMARY/24" dev eth0
	lab__run old ip addr add "$SWAP_VIP/24" dev eth0 label eth0:vip
	lab__run old ip route add default via "$SWAP_GW"
}

# The move: old's link goes down and new takes both addresses. Adding addresses
# and a route sends nothing, so every cache in the lab still points at old.
lab_swap_move() {
	lab__run old ip link set eth0 down
	lab__run new ip addr add "$SWAP_PRIMARY/24" dev eth0
	lab__run new ip addr add "$SWAP_VIP/24" dev eth0 label eth0:vip
	lab__run new ip route add default via "$SWAP_GW"
}

# ---- IPv6 ----
#
# lab_ns leaves IPv6 off. lab_ipv6 ROLE turns it on in ROLE's namespace (made if
# need be), for the interfaces it has and those plugged in later, and keeps it
# quiet:
#   accept_dad=0            addresses are usable at once; lab_dad turns DAD on for
#                           one interface (the kernel runs DAD when `all` or the
#                           interface says so, so `all` stays 0)
#   router_solicitations=0  no Router Solicitation: nothing teaches a router about
#                           a host before the test does
#   mldv1/mldv2_unsolicited_report_interval=10 ms: the MLD reports an interface
#                           sends when it comes up or joins a solicited-node group
#                           (a new address) are over within milliseconds, not
#                           seconds; they teach no neighbour cache anything, but a
#                           test counting frames at a switch port waits them out.
# Nothing else an IPv6 host sends unasked: no NA when an address appears
# (ndisc_notify stays 0), no RS, no DAD probe. Per interface knobs live under
# net.ipv6.conf.IF.* and net.ipv6.neigh.IF.* (a namespace other than the first has
# no net.ipv6.neigh.default).
#
# The kernel knobs a receiver of Neighbor Advertisements has (net/ipv6/ndisc.c):
#   drop_unsolicited_na=1   an NA without the Solicited flag is dropped before
#                           anything reads it: no entry is created or updated,
#                           whatever its Override flag or target link-layer
#                           address say (it takes precedence over the next one);
#   accept_untracked_na     what an NA does for an address the cache has no entry
#                           for: 0 nothing (RFC 4861); 1 a router (forwarding on
#                           that interface) creates a STALE entry from the target
#                           link-layer option (RFC 9131); 2 the same, only when the
#                           NA's source is in a subnet of the interface. An NA for
#                           an entry that exists updates it in any case (STALE, or
#                           REACHABLE when solicited; the MAC changes only with the
#                           Override flag or from an INCOMPLETE entry);
#   ndisc_notify=1          is on the sender's side: the kernel itself sends an
#                           unsolicited NA (to ff02::1, Override set, Router set
#                           when forwarding) when an address finishes DAD (or is
#                           added without it) and when the interface's MAC changes
#                           or the driver asks peers to be notified (bonding
#                           failover). Off by default.
# A Neighbor Solicitation is what every receiver learns from: one from ADDR with
# the source link-layer option creates or updates the receiver's entry for ADDR
# (STALE with that MAC), drop_unsolicited_na notwithstanding. `ndisc6 -s ADDR
# TARGET IF` sends one.

# lab_ipv6 ROLE...: IPv6 on, quiet, in each ROLE's namespace (see above).
lab_ipv6() {
	local role ns conf knob
	local -a knobs=(disable_ipv6=0 accept_dad=0 router_solicitations=0
		mldv1_unsolicited_report_interval=10 mldv2_unsolicited_report_interval=10)
	local -a confs settings
	[[ -d /proc/sys/net/ipv6 ]] || lab_die "this kernel has no IPv6"
	for role in "${@:?usage: lab_ipv6 ROLE...}"; do
		ns=$(lab_ns "$role") || exit 1
		# all and default first: all.disable_ipv6=0 turns every interface on,
		# default is what interfaces made later start from.
		mapfile -t confs < <(ip netns exec "$ns" ls /proc/sys/net/ipv6/conf |
			grep -vxE 'all|default')
		settings=()
		for conf in all default "${confs[@]}"; do
			for knob in "${knobs[@]}"; do
				settings+=("net/ipv6/conf/$conf/$knob")
			done
		done
		ip netns exec "$ns" sysctl -qw "${settings[@]}" >/dev/null ||
			lab_die "cannot turn IPv6 on in $ns"
	done
}

# lab_dad [--optimistic] ROLE IFACE [TRANSMITS]: Duplicate Address Detection on
# IFACE with TRANSMITS probes (default 1); 0 turns it off again. An address added
# there is tentative for a random 0-1 s (router_solicitation_delay) plus
# TRANSMITS x 1 s (net.ipv6.neigh.IFACE.retrans_time_ms). `ip addr add ... nodad`
# skips DAD for one address. --optimistic sets optimistic_dad=1, without which the
# kernel ignores `ip addr add ... optimistic` (RFC 4429: usable while DAD runs).
lab_dad() {
	local usage="usage: lab_dad [--optimistic] ROLE IFACE [TRANSMITS]" optimistic=0
	if [[ ${1:-} == --optimistic ]]; then
		optimistic=1
		shift
	fi
	local role=${1:?$usage} iface=${2:?$usage} transmits=${3:-1}
	[[ $transmits =~ ^[0-9]+$ ]] || lab_die "lab_dad: bad TRANSMITS '$transmits'"
	lab_exec "$role" sysctl -qw "net/ipv6/conf/$iface/accept_dad=$((transmits > 0))" \
		"net/ipv6/conf/$iface/dad_transmits=$transmits" \
		"net/ipv6/conf/$iface/optimistic_dad=$optimistic" >/dev/null ||
		lab_die "cannot set DAD on $role/$iface"
}

# lab_router6_sticky ROLE IFACE: ROLE forwards IPv6, and its neighbour entries on
# IFACE stay REACHABLE for hours and, once STALE, go unverified for hours (the
# IPv6 twin of lab_router_sticky; the same three knobs, per interface, under
# net.ipv6.neigh.IFACE). A forwarding interface ignores Router Advertisements,
# so none can bring base_reachable_time back down (an RA's Reachable Time would).
lab_router6_sticky() {
	local usage="usage: lab_router6_sticky ROLE IFACE"
	local role=${1:?$usage} iface=${2:?$usage}
	lab_exec "$role" sysctl -qw net.ipv6.conf.all.forwarding=1 \
		"net/ipv6/neigh/$iface/base_reachable_time_ms=14400000" \
		"net/ipv6/neigh/$iface/gc_stale_time=14400" \
		"net/ipv6/neigh/$iface/delay_first_probe_time=14400" >/dev/null ||
		lab_die "cannot make $role/$iface sticky for IPv6"
}

# lab_router6_drop_unsolicited_na ROLE IFACE [0|1]: drop_unsolicited_na on IFACE
# (default 1): ROLE then learns nothing from unsolicited NAs there.
lab_router6_drop_unsolicited_na() {
	local usage="usage: lab_router6_drop_unsolicited_na ROLE IFACE [0|1]"
	local role=${1:?$usage} iface=${2:?$usage} value=${3:-1}
	[[ $value == [01] ]] || lab_die "lab_router6_drop_unsolicited_na: bad value '$value'"
	lab_exec "$role" sysctl -qw "net/ipv6/conf/$iface/drop_unsolicited_na=$value" >/dev/null ||
		lab_die "cannot set drop_unsolicited_na on $role/$iface"
}

# lab_addr6_state ROLE IFACE ADDR: what ADDR on ROLE's IFACE is good for, in the
# words (and the order of precedence) of nl_addr_state: dadfailed, tentative (DAD
# running, not optimistic), deprecated, optimistic, ready; nothing if not held.
lab_addr6_state() {
	local usage="usage: lab_addr6_state ROLE IFACE ADDR"
	local role=${1:?$usage} iface=${2:?$usage} addr=${3:?$usage}
	lab_exec "$role" ip -6 -o addr show dev "$iface" to "$addr/128" | awk '
		NR == 1 {
			for (i = 1; i <= NF; i++) flag[$i] = 1
			if ("dadfailed" in flag) print "dadfailed"
			else if (("tentative" in flag) && !("optimistic" in flag)) print "tentative"
			else if ("deprecated" in flag) print "deprecated"
			else if ("optimistic" in flag) print "optimistic"
			else print "ready"
		}'
}

# The migration lab for IPv6 (lab_swap_dual_topology: with IPv4 too, as
# lab_swap_topology has it):
#
#   client 2001:db8:2::10 --eth0--eth1-- router --eth0-- [lan br0] --+-- old eth0
#                          2001:db8:2::1    2001:db8:1::1, fe80::1   +-- new eth0
#
# old holds 2001:db8:1::10/64 and 2001:db8:1::11/64, with a default route via
# the router's link-local fe80::1; new is plugged in, up, silent, and holds only
# its link-local address until lab_swap6_move. The router's neighbour entries on
# eth0 are sticky (lab_router6_sticky) and it drops unsolicited NAs there
# (lab_router6_drop_unsolicited_na). IPv6 is quiet everywhere (lab_ipv6: no DAD,
# no RS); the switch floods multicast (no MLD snooping), as a switch without a
# querier does.
lab_swap6_topology() {
	export SWAP6_GW=2001:db8:1::1 SWAP6_GW_LL=fe80::1 SWAP6_PRIMARY=2001:db8:1::10
	export SWAP6_VIP=2001:db8:1::11 SWAP6_CLIENT=2001:db8:2::10 SWAP6_CLIENT_GW=2001:db8:2::1
	lab_ipv6 router client old new
	lab__swap_wire
	ip -n "$LAB_NS_LAN" link set br0 type bridge mcast_snooping 0 ||
		lab_die "cannot turn MLD snooping off on $LAB_NS_LAN's br0"
	lab_router6_sticky router eth0
	lab_router6_drop_unsolicited_na router eth0 1
	lab__run router ip -6 addr add "$SWAP6_GW/64" dev eth0
	lab__run router ip -6 addr add "$SWAP6_GW_LL/64" dev eth0
	lab__run router ip -6 addr add "$SWAP6_CLIENT_GW/64" dev eth1
	lab__run client ip -6 addr add "$SWAP6_CLIENT/64" dev eth0
	lab__run client ip -6 route add default via "$SWAP6_CLIENT_GW"
	lab__run old ip -6 addr add "$SWAP6_PRIMARY/64" dev eth0
	lab__run old ip -6 addr add "$SWAP6_VIP/64" dev eth0
	lab__run old ip -6 route add default via "$SWAP6_GW_LL" dev eth0
}

# Both migration labs in one: old holds the IPv4 and the IPv6 addresses.
lab_swap_dual_topology() {
	lab_swap6_topology
	lab__swap_ipv4
}

# The IPv6 move: old's link goes down (its IPv6 addresses go with it) and new
# takes both addresses and the default route. Nothing is sent (no DAD, no
# ndisc_notify), so the router still maps both addresses to old. A dual-stack
# lab calls lab_swap_move too, for the IPv4 addresses.
lab_swap6_move() {
	lab__run old ip link set eth0 down
	lab__run new ip -6 addr add "$SWAP6_PRIMARY/64" dev eth0
	lab__run new ip -6 addr add "$SWAP6_VIP/64" dev eth0
	lab__run new ip -6 route add default via "$SWAP6_GW_LL" dev eth0
}

lab__run() {
	lab_exec "$@" || lab_die "failed in $1: ${*:2}"
}

# Assertions.

T_PASSED=${T_PASSED:-0}
T_FAILED=${T_FAILED:-0}

t_pass() {
	T_PASSED=$((T_PASSED + 1))
	echo "ok - $*"
}

# t_fail DESC [DETAIL...]: each DETAIL is printed on its own "#" line.
t_fail() {
	T_FAILED=$((T_FAILED + 1))
	echo "not ok - $1"
	shift
	local detail
	for detail; do
		echo "#   $detail"
	done
}

# t_assert_eq EXPECTED ACTUAL DESC
t_assert_eq() {
	if [[ $1 == "$2" ]]; then
		t_pass "$3"
	else
		t_fail "$3" "expected: '$1'" "actual:   '$2'"
	fi
}

# t_assert_exit [-m DESC] EXPECTED CMD...: runs CMD in this shell and checks its
# exit status exactly.
t_assert_exit() {
	local desc=
	if [[ ${1:-} == -m ]]; then
		desc=$2
		shift 2
	fi
	local expected=${1:?usage: t_assert_exit [-m DESC] EXPECTED CMD...} status=0
	shift
	[[ -n $desc ]] || desc="\`$*\` exits $expected"
	"$@" || status=$?
	if ((status == expected)); then
		t_pass "$desc"
	else
		t_fail "$desc" "expected exit $expected, got $status"
	fi
}

# Skips the whole test (the runner counts exit 77 as skipped).
t_skip() {
	echo "# skip: $*"
	exit 77
}

t_done() {
	echo "# $T_PASSED passed, $T_FAILED failed"
	if ((T_FAILED > 0)); then
		exit 1
	fi
	if ((T_PASSED == 0)); then
		echo "# no assertion ran"
		exit 1
	fi
	exit 0
}

# Frames ROLE has sent into SWITCH (the rx counter of its port there). Lab
# namespaces run without IPv6, so nothing is sent unless a command sends it; one
# with IPv6 (lab_ipv6) sends MLD reports for some milliseconds after an interface
# comes up or gains an address, and nothing else unasked.
lab_frames_from() { # SWITCH ROLE
	lab_exec "$1" cat "/sys/class/net/p-$2/statistics/rx_packets"
}

# t_assert_refused SWITCH ROLE DESC PATTERN CMD...: CMD, run in ROLE, must refuse
# its input the way every arpkit command does: exit 2, one line on stderr that
# contains PATTERN, nothing on stdout, and not one frame into SWITCH.
t_assert_refused() {
	local switch=$1 role=$2 desc=$3 pattern=$4 before after status=0
	shift 4
	before=$(lab_frames_from "$switch" "$role")
	lab_exec "$role" "$@" >"$LAB_TMP/refused.out" 2>"$LAB_TMP/refused.err" || status=$?
	after=$(lab_frames_from "$switch" "$role")
	t_assert_eq 2 "$status" "$desc: exit 2"
	t_assert_eq 1 "$(wc -l <"$LAB_TMP/refused.err")" "$desc: one line on stderr"
	if grep -q -- "$pattern" "$LAB_TMP/refused.err"; then
		t_pass "$desc: says '$pattern'"
	else
		t_fail "$desc: says '$pattern'" "$(cat "$LAB_TMP/refused.err")"
	fi
	t_assert_eq "$before" "$after" "$desc: no frame sent"
	t_assert_eq 0 "$(wc -c <"$LAB_TMP/refused.out")" "$desc: nothing on stdout"
}
