/* arpkit announce: push moved addresses to the neighbours' caches (ARP and Neighbor
 * Discovery), and prove it. */
#include <errno.h>
#include <getopt.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "announce.h"
#include "announce_out.h"
#include "caps.h"
#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "frame.h"
#include "netlink.h"
#include "output.h"
#include "quote.h"
#include "sysctl.h"

#define CMD "announce"
#define MAX_PEERS 64

/* The families of the addresses announced on an interface (bits). */
enum {
	HAS_IPV4 = 1 << 0,
	HAS_IPV6 = 1 << 1,
};

struct chosen_iface {
	struct nl_link info;
	struct link io;     /* opened only when it holds a target */
	struct in_addr peers[MAX_PEERS];
	unsigned peer_count;
	struct in6_addr peers6[MAX_PEERS];
	unsigned peer6_count;
	bool ipv6_router;   /* net.ipv6.conf.IF.forwarding: NAs carry the Router flag */
	unsigned families;  /* HAS_* of its targets */
	unsigned run_index; /* its index in the engine, once open */
};

struct wanted_target {
	struct ipaddr addr;
	enum announce_addr_state state;
	unsigned iface;     /* into chosen */
};

struct announce_cmd {
	const char *ifname;
	const char *label;  /* -I named an address label: only its addresses by default */
	int family;         /* AF_UNSPEC, or AF_INET (-4) / AF_INET6 (-6) alone */
	bool force, json, quiet, verify_off;
	struct announce_config cfg;
	struct ipaddr extra_peers[MAX_PEERS];
	unsigned extra_peer_count;
	char **addr_args;
	int addr_arg_count;

	struct nl nl;
	struct nl events;   /* address events, while tentative addresses are waited for */
	struct nl_snapshot net;
	struct chosen_iface *chosen;
	unsigned chosen_count;
	struct wanted_target *targets;
	size_t target_count;
};

static const char usage_text[] =
	"Usage: arpkit announce [-I IFACE] [OPTIONS] [ADDRESS[/PREFIX]...]\n"
	"\n"
	"Tell every neighbour that ADDRESS now lives at this host's MAC, and prove it.\n"
	"IPv4, for each address: an RFC 5227 probe for another holder, then per round a\n"
	"gratuitous ARP request and reply (broadcast) and a request \"who-has PEER tell\n"
	"ADDRESS\" to each peer; then an ICMP echo from ADDRESS to each peer whose reply\n"
	"must come back to this host.\n"
	"IPv6, the same over Neighbor Discovery: a duplicate address detection probe (NS\n"
	"from ::), then per round an unsolicited NA to ff02::1 (Override set unless the\n"
	"address is optimistic, Router set when the interface forwards) and an NS for each\n"
	"peer from ADDRESS (which even routers with drop_unsolicited_na=1 learn from);\n"
	"then an ICMPv6 echo from ADDRESS to each peer. A tentative address is waited for\n"
	"(duplicate address detection running) and never announced before it is ready.\n"
	"\n"
	"  ADDRESS[/PREFIX]   an IPv4 or IPv6 address held on the interface (default: all\n"
	"                     of them: IPv4 primary and secondary, IPv6 global and\n"
	"                     link-local, deprecated ones excepted); a /PREFIX pasted from\n"
	"                     `ip addr` must be the prefix configured there; a link-local\n"
	"                     IPv6 address needs -I\n"
	"  -I, --interface IF the interface, or an address label such as eth0:vip (its\n"
	"                     device; by default only the label's addresses); default:\n"
	"                     every up, ARP-capable, non-loopback interface\n"
	"  -4, -6             without ADDRESS: only the IPv4, or only the IPv6 addresses\n"
	"      --peer ADDR    also ask and verify through ADDR (repeatable; default peers\n"
	"                     are the gateways of the routes through the interface, and for\n"
	"                     IPv6 its routers); a link-local peer needs -I\n"
	"      --force        announce an address this host does not hold (hijacks traffic)\n"
	"      --form F       request, reply or both (default both). IPv6 has one form,\n"
	"                     the unsolicited NA (never with the Solicited flag), sent\n"
	"                     with reply and both; request sends none, and peers learn\n"
	"                     from the NS alone\n"
	"      --tha T        target hardware address of the gratuitous ARP request: zero\n"
	"                     (RFC 5227, the default), broadcast (as keepalived, Pacemaker\n"
	"                     and arping -U send it) or both (two requests per round); ARP\n"
	"                     only (an NA always carries this host's MAC)\n"
	"  -c, --count N      rounds (default 3, and an address stops once confirmed);\n"
	"                     an explicit N sends all N rounds, confirmed or not\n"
	"  -i, --interval MS  between rounds (default 1000)\n"
	"      --doubling     double the interval after each round\n"
	"      --rate PPS     frame rate cap over all interfaces, or 'max' (default 50000)\n"
	"      --no-verify    announce only, skip the echo proof\n"
	"      --no-probe     skip the probe for another holder\n"
	"      --probe-wait MS listen this long for an answer to the probe (default 50)\n"
	"      --dad-wait MS  wait this long for tentative IPv6 addresses (default 5000)\n"
	"      --wait MS      after the last round, wait this long for replies (default 1000)\n"
	"      --json         one JSON object per address\n"
	"  -q, --quiet        no summary line on stderr\n"
	"  -h, --help         this text\n"
	"\n"
	"Results, and the exit status each gives:\n"
	"  confirmed    every peer's echo reply came back to this host: proven (0)\n"
	"  unconfirmed  a peer answered (ARP or NA), but its echo reply did not reach\n"
	"               this host (1)\n"
	"  peer-silent  a peer never answered (1)\n"
	"  unverified   nothing to verify through: no gateway route, no IPv6 router and\n"
	"               no --peer (1)\n"
	"  sent         announced without proof, as --no-verify asked (0)\n"
	"  tentative    IPv6: duplicate address detection had not finished within\n"
	"               --dad-wait; not announced (1)\n"
	"  dad-failed   IPv6: the kernel's duplicate address detection found another\n"
	"               holder; not announced (1, a conflict)\n"
	"  CONFLICT MAC another MAC answered the probe or claimed the address (1, with\n"
	"               any result)\n"
	"Exit status: 0 every address confirmed (or sent with --no-verify), 1 any other\n"
	"result or a conflict, 2 usage or system error (nothing is sent), or interrupted.\n";

enum {
	OPT_PEER = 256, OPT_FORCE, OPT_FORM, OPT_RATE, OPT_NO_VERIFY, OPT_NO_PROBE,
	OPT_PROBE_WAIT, OPT_WAIT, OPT_JSON, OPT_DOUBLING, OPT_THA, OPT_DAD_WAIT,
};

static const struct option long_options[] = {
	{"interface", required_argument, NULL, 'I'},
	{"peer", required_argument, NULL, OPT_PEER},
	{"force", no_argument, NULL, OPT_FORCE},
	{"form", required_argument, NULL, OPT_FORM},
	{"tha", required_argument, NULL, OPT_THA},
	{"count", required_argument, NULL, 'c'},
	{"interval", required_argument, NULL, 'i'},
	{"doubling", no_argument, NULL, OPT_DOUBLING},
	{"rate", required_argument, NULL, OPT_RATE},
	{"no-verify", no_argument, NULL, OPT_NO_VERIFY},
	{"no-probe", no_argument, NULL, OPT_NO_PROBE},
	{"probe-wait", required_argument, NULL, OPT_PROBE_WAIT},
	{"dad-wait", required_argument, NULL, OPT_DAD_WAIT},
	{"wait", required_argument, NULL, OPT_WAIT},
	{"json", no_argument, NULL, OPT_JSON},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int parse_form(const char *text, unsigned *form)
{
	if (!strcmp(text, "request"))
		*form = ANNOUNCE_FORM_REQUEST;
	else if (!strcmp(text, "reply"))
		*form = ANNOUNCE_FORM_REPLY;
	else if (!strcmp(text, "both"))
		*form = ANNOUNCE_FORM_BOTH;
	else
		return -EINVAL;
	return 0;
}

static int parse_tha(const char *text, unsigned *tha)
{
	if (!strcmp(text, "zero"))
		*tha = ANNOUNCE_THA_ZERO;
	else if (!strcmp(text, "broadcast"))
		*tha = ANNOUNCE_THA_BROADCAST;
	else if (!strcmp(text, "both"))
		*tha = ANNOUNCE_THA_BOTH;
	else
		return -EINVAL;
	return 0;
}


static int parse_options(struct announce_cmd *c, int argc, char **argv)
{
	unsigned long n;
	int opt;

	announce_config_default(&c->cfg);
	c->cfg.echo_ident = (uint16_t)getpid();
	c->family = AF_UNSPEC;
	while ((opt = getopt_long(argc, argv, "+I:c:i:qh46", long_options, NULL)) != -1) {
		switch (opt) {
		case 'I':
			c->ifname = optarg;
			break;
		case '4':
		case '6':
			c->family = opt == '4' ? AF_INET : AF_INET6;
			break;
		case OPT_PEER:
			if (c->extra_peer_count == MAX_PEERS)
				return cli_usage_error(CMD, "too many --peer (at most %d)", MAX_PEERS);
			if (ipaddr_parse(optarg, AF_UNSPEC, &c->extra_peers[c->extra_peer_count]) < 0)
				return cli_usage_error(CMD, "invalid peer address %s", QUOTE(optarg));
			c->extra_peer_count++;
			break;
		case OPT_FORCE:
			c->force = true;
			break;
		case OPT_FORM:
			if (parse_form(optarg, &c->cfg.form) < 0)
				return cli_usage_error(CMD, "--form %s is not request, reply or both",
						       QUOTE(optarg));
			break;
		case OPT_THA:
			if (parse_tha(optarg, &c->cfg.request_tha) < 0)
				return cli_usage_error(CMD, "--tha %s is not zero, broadcast or both",
						       QUOTE(optarg));
			break;
		case 'c':
			if (!cli_parse_ulong(CMD, "--count", optarg, 1, 100, &n))
				return EXIT_TROUBLE;
			c->cfg.rounds = (unsigned)n;
			/* Asked for by number: as send_arp, garp_master_repeat and arp_count
			 * do, every round goes out, whatever the proof says. */
			c->cfg.every_round = true;
			break;
		case 'i':
			if (!cli_parse_ulong(CMD, "--interval", optarg, 1, 3600000, &n))
				return EXIT_TROUBLE;
			c->cfg.interval_ns = n * NS_PER_MS;
			break;
		case OPT_DOUBLING:
			c->cfg.doubling = true;
			break;
		case OPT_RATE:
			if (!strcmp(optarg, "max"))
				c->cfg.rate = 0;
			else if (!cli_parse_ulong(CMD, "--rate", optarg, 1, 100000000, &n))
				return EXIT_TROUBLE;
			else
				c->cfg.rate = n;
			break;
		case OPT_NO_VERIFY:
			c->verify_off = true;
			break;
		case OPT_NO_PROBE:
			c->cfg.probe = false;
			break;
		case OPT_PROBE_WAIT:
			if (!cli_parse_ulong(CMD, "--probe-wait", optarg, 0, 60000, &n))
				return EXIT_TROUBLE;
			c->cfg.probe_wait_ns = n * NS_PER_MS;
			break;
		case OPT_DAD_WAIT:
			if (!cli_parse_ulong(CMD, "--dad-wait", optarg, 0, 600000, &n))
				return EXIT_TROUBLE;
			c->cfg.dad_wait_ns = n * NS_PER_MS;
			break;
		case OPT_WAIT:
			if (!cli_parse_ulong(CMD, "--wait", optarg, 0, 600000, &n))
				return EXIT_TROUBLE;
			c->cfg.final_wait_ns = n * NS_PER_MS;
			break;
		case OPT_JSON:
			c->json = true;
			break;
		case 'q':
			c->quiet = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		default:
			return cli_usage_error(CMD, "invalid option");
		}
	}
	c->addr_args = argv + optind;
	c->addr_arg_count = argc - optind;
	return 0;
}

static const char *family_name(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

/* The network state to read: the families asked for; IPv6 routers are also among
 * the neighbours. */
static unsigned network_parts(const struct announce_cmd *c)
{
	unsigned parts = NL_LINKS | NL_ADDRS | NL_ROUTES;

	if (c->family != AF_INET6)
		parts |= NL_IPV4;
	if (c->family != AF_INET)
		parts |= NL_IPV6 | NL_NEIGHS;
	return parts;
}

static void add_chosen(struct announce_cmd *c, const struct nl_link *l)
{
	struct chosen_iface *ifc = &c->chosen[c->chosen_count++];

	ifc->info = *l;
	link_init(&ifc->io);
}

/*
 * -I takes an interface or an address label ("eth0:vip", as `ip addr` and ifconfig
 * aliases show it): the label's device, and without ADDRESS arguments the addresses
 * that carry the label. A label that no address carries is refused rather than taken
 * for its whole device: announce's answer is a proof about addresses, and a label
 * left in a failover script after its address went would otherwise prove other
 * addresses than the ones meant.
 */
static int choose_interfaces(struct announce_cmd *c)
{
	const struct nl_link *l;
	enum netsel_match how;

	c->chosen = calloc(c->net.links.count ? c->net.links.count : 1, sizeof(*c->chosen));
	if (!c->chosen)
		return EXIT_TROUBLE;
	if (c->ifname) {
		if (cli_select_link(CMD, &c->net, c->ifname, NETSEL_NEED_UP, &l))
			return EXIT_TROUBLE;
		netsel_link_by_name(&c->net, c->ifname, &how);
		if (how == NETSEL_MATCH_DEVICE) {
			cli_error(CMD, "no address carries the label %s; to announce on its device, "
				       "use -I %s", QUOTE(c->ifname), l->name);
			return EXIT_TROUBLE;
		}
		if (how == NETSEL_MATCH_LABEL)
			c->label = c->ifname;
		add_chosen(c, l);
		return 0;
	}
	for (size_t i = 0; (l = netsel_next_arp_link(&c->net, &i));)
		add_chosen(c, l);
	if (c->chosen_count == 0) {
		cli_error(CMD, "no interface is up and ARP-capable");
		return EXIT_TROUBLE;
	}
	return 0;
}

/* The chosen interface holding addr, where it has prefixlen if one holds it so
 * (prefixlen < 0: any); -1 if none holds it. */
static int chosen_holder(const struct announce_cmd *c, const struct ipaddr *addr, int prefixlen,
			 const struct nl_addr **held)
{
	int found = -1;

	for (unsigned k = 0; k < c->chosen_count; k++) {
		const struct nl_addr *a = netsel_held(&c->net, c->chosen[k].info.ifindex, addr);

		if (!a || (found >= 0 && (prefixlen < 0 || (int)a->prefixlen != prefixlen)))
			continue;
		found = (int)k;
		*held = a;
		if (prefixlen < 0 || (int)a->prefixlen == prefixlen)
			break;
	}
	return found;
}

/* The chosen interface with a subnet containing addr, the longest prefix first (for a
 * link-local IPv6 address: the first with IPv6); -1 if none: the neighbour protocol
 * cannot reach addr from here. */
static int chosen_on_link(const struct announce_cmd *c, const struct ipaddr *addr,
			  const struct nl_addr **subnet)
{
	const struct nl_addr *best = NULL;
	int found = -1;

	for (unsigned k = 0; k < c->chosen_count; k++) {
		const struct nl_addr *a = netsel_on_link(&c->net, c->chosen[k].info.ifindex, addr);

		if (a && (!best || a->prefixlen > best->prefixlen)) {
			best = a;
			found = (int)k;
		}
	}
	*subnet = best;
	return found;
}

/* ADDRESS, or ADDRESS/PREFIX as `ip addr` shows it (*prefixlen -1 without one). */
static int parse_address(const char *text, struct ipaddr *addr, int *prefixlen)
{
	unsigned bits;

	*prefixlen = -1;
	if (!strchr(text, '/'))
		return ipaddr_parse(text, AF_UNSPEC, addr);
	if (ipaddr_parse_cidr(text, AF_UNSPEC, addr, &bits) < 0)
		return -EINVAL;
	*prefixlen = (int)bits;
	return 0;
}

/* An address one host can hold and announce: not unspecified, not multicast (nor the
 * IPv4 limited broadcast). */
static bool is_unicast(const struct ipaddr *a)
{
	if (ipaddr_is_unspecified(a))
		return false;
	if (a->family == AF_INET6)
		return !ipv6_is_multicast(&a->v6);
	return !IN_MULTICAST(ntohl(a->v4.s_addr)) && a->v4.s_addr != INADDR_BROADCAST;
}

static bool is_link_local(const struct ipaddr *a)
{
	return a->family == AF_INET6 && ipv6_is_link_local(&a->v6);
}

/* Repeats are fine: the engine keeps each (interface, address) once. */
static void add_target(struct announce_cmd *c, const struct ipaddr *addr,
		       enum announce_addr_state state, unsigned iface)
{
	struct wanted_target *t = &c->targets[c->target_count++];

	t->addr = *addr;
	t->state = state;
	t->iface = iface;
	c->chosen[iface].families |= addr->family == AF_INET6 ? HAS_IPV6 : HAS_IPV4;
}

/* What an ADDRESS argument may not be, whatever this host holds: 0 or EXIT_TROUBLE. */
static int check_named_address(const struct announce_cmd *c, const char *text,
			       const struct ipaddr *addr)
{
	if (c->family != AF_UNSPEC && addr->family != c->family)
		return cli_usage_error(CMD, "%s is an %s address, and -%c asks for %s alone", QUOTE(text),
				       family_name(addr->family), c->family == AF_INET ? '4' : '6',
				       family_name(c->family));
	if (!is_unicast(addr)) {
		cli_error(CMD, "%s is not a unicast address: only an address one host holds can "
			       "be announced", QUOTE(text));
		return EXIT_TROUBLE;
	}
	if (is_link_local(addr) && !c->ifname) {
		cli_error(CMD, "%s is link-local: it names no link by itself; give its interface "
			       "with -I", QUOTE(text));
		return EXIT_TROUBLE;
	}
	return 0;
}

/* One ADDRESS argument: the chosen interface that holds it (or, with --force, whose
 * subnet contains it); a /PREFIX must be the one it is configured with there. */
static int choose_named_target(struct announce_cmd *c, const char *text)
{
	char addr_text[IPADDR_STRLEN], have_text[IPADDR_STRLEN];
	const struct nl_addr *held = NULL;
	struct ipaddr target;
	int prefixlen, k;

	if (parse_address(text, &target, &prefixlen) < 0)
		return cli_usage_error(CMD, "invalid %s address %s",
				       strchr(text, ':') ? "IPv6" : "IPv4", QUOTE(text));
	if (check_named_address(c, text, &target))
		return EXIT_TROUBLE;
	ipaddr_format(&target, addr_text);
	k = chosen_holder(c, &target, prefixlen, &held);
	if (k < 0 && c->force) {
		/* Not held here: no prefix of its own to check a /PREFIX against. */
		const struct nl_addr *subnet;

		k = chosen_on_link(c, &target, &subnet);
		if (k < 0 && c->ifname)
			k = 0; /* told where: on no subnet of it is the user's call */
	}
	if (k < 0) {
		if (c->force)
			cli_error(CMD, "%s is on no subnet of any interface; name one with -I", addr_text);
		else
			cli_error(CMD, "%s is not configured on %s; announcing an address this host "
				       "does not hold hijacks its traffic (--force to do it anyway)",
				  addr_text, c->ifname ? c->ifname : "any ARP interface");
		return EXIT_TROUBLE;
	}
	if (prefixlen >= 0 && held && (int)held->prefixlen != prefixlen) {
		cli_error(CMD, "%s: the prefix is /%u on %s (%s/%u); give %s or %s/%u", QUOTE(text),
			  held->prefixlen, c->chosen[k].info.name,
			  ipaddr_format(&held->addr, have_text), held->prefixlen, addr_text,
			  addr_text, held->prefixlen);
		return EXIT_TROUBLE;
	}
	add_target(c, &target, held ? announce_addr_state_of(held) : ANNOUNCE_ADDR_READY,
		   (unsigned)k);
	return 0;
}

/* Without ADDRESS arguments: every address held on the chosen interfaces (only the
 * label's, for -I LABEL) of the families asked for, scope host excepted: IPv4 primary
 * and secondary; IPv6 global and link-local, ready or optimistic, and also the
 * tentative ones (waited for) and those whose DAD failed (conflicts); deprecated
 * addresses are not for new use and are left out. */
static int choose_held_targets(struct announce_cmd *c)
{
	const unsigned states = NL_ADDR_ANNOUNCEABLE | NL_ADDR_TENTATIVE | NL_ADDR_DADFAILED;

	for (unsigned k = 0; k < c->chosen_count; k++) {
		const struct nl_addr *a;

		for (size_t i = 0; (a = netsel_next_addr(&c->net, c->chosen[k].info.ifindex, c->family,
							 states, &i));)
			if (!c->label || !strcmp(a->label, c->label))
				add_target(c, &a->addr, announce_addr_state_of(a), k);
	}
	if (c->target_count)
		return 0;
	cli_error(CMD, "no %s address on %s to announce",
		  c->family == AF_UNSPEC ? "IPv4 or IPv6" : family_name(c->family),
		  c->ifname ? c->ifname : "any ARP interface");
	return EXIT_TROUBLE;
}

static int choose_targets(struct announce_cmd *c)
{
	int status = 0;

	c->targets = calloc((size_t)c->addr_arg_count + c->net.addrs.count + 1, sizeof(*c->targets));
	if (!c->targets)
		return EXIT_TROUBLE;
	for (int a = 0; a < c->addr_arg_count && status == 0; a++)
		status = choose_named_target(c, c->addr_args[a]);
	if (status == 0 && c->addr_arg_count == 0)
		status = choose_held_targets(c);
	return status;
}

static void add_peer(struct chosen_iface *ifc, const struct ipaddr *peer)
{
	if (peer->family == AF_INET6) {
		for (unsigned i = 0; i < ifc->peer6_count; i++)
			if (!memcmp(&ifc->peers6[i], &peer->v6, sizeof(peer->v6)))
				return;
		if (ifc->peer6_count < MAX_PEERS)
			ifc->peers6[ifc->peer6_count++] = peer->v6;
		return;
	}
	for (unsigned i = 0; i < ifc->peer_count; i++)
		if (ifc->peers[i].s_addr == peer->v4.s_addr)
			return;
	if (ifc->peer_count < MAX_PEERS)
		ifc->peers[ifc->peer_count++] = peer->v4;
}

/* A --peer: on the chosen interface whose subnet holds it (a link-local one: -I's). */
static int choose_extra_peer(struct announce_cmd *c, const struct ipaddr *peer)
{
	char text[IPADDR_STRLEN];
	const struct nl_addr *subnet;
	int k;

	ipaddr_format(peer, text);
	if (!is_unicast(peer))
		return cli_usage_error(CMD, "peer %s is not a unicast address", text);
	if (is_link_local(peer) && !c->ifname) {
		cli_error(CMD, "peer %s is link-local: it names no link by itself; give its "
			       "interface with -I", text);
		return EXIT_TROUBLE;
	}
	/* Neighbour protocols reach only the link: a peer off it could never answer. */
	k = chosen_on_link(c, peer, &subnet);
	if (k < 0) {
		cli_error(CMD, "peer %s is on no subnet of %s", text,
			  c->ifname ? c->ifname : "any chosen interface");
		return EXIT_TROUBLE;
	}
	add_peer(&c->chosen[k], peer);
	return 0;
}

/* The gateways of each interface's routes (and its IPv6 routers), then --peer. */
static int choose_peers(struct announce_cmd *c)
{
	struct ipaddr found[MAX_PEERS];

	for (unsigned k = 0; k < c->chosen_count; k++) {
		struct chosen_iface *ifc = &c->chosen[k];
		size_t n = netsel_gateways(&c->net, ifc->info.ifindex, AF_INET, found, MAX_PEERS);

		for (size_t g = 0; g < n; g++)
			add_peer(ifc, &found[g]);
		n = netsel_ipv6_routers(&c->net, ifc->info.ifindex, found, MAX_PEERS);
		for (size_t g = 0; g < n; g++)
			add_peer(ifc, &found[g]);
	}
	for (unsigned p = 0; p < c->extra_peer_count; p++)
		if (choose_extra_peer(c, &c->extra_peers[p]))
			return EXIT_TROUBLE;
	return 0;
}

/*
 * What each interface with IPv6 addresses needs beyond peers: whether it forwards
 * (the NA's Router flag), and for --form request, a peer to solicit: that form sends
 * no NA, so an IPv6 address without a peer would be announced to nobody.
 */
static int check_ipv6_interfaces(struct announce_cmd *c)
{
	for (unsigned k = 0; k < c->chosen_count; k++) {
		struct chosen_iface *ifc = &c->chosen[k];

		if (!(ifc->families & HAS_IPV6))
			continue;
		if (sysctl_ipv6_forwarding(SYSCTL_CONF6_ROOT, ifc->info.name, &ifc->ipv6_router) < 0)
			ifc->ipv6_router = false;
		if (c->cfg.form == ANNOUNCE_FORM_REQUEST && ifc->peer6_count == 0) {
			cli_error(CMD, "--form request sends no Neighbor Advertisement, and %s has no "
				       "IPv6 peer to solicit: its IPv6 addresses would be told to "
				       "nobody; add --peer ROUTER, or use --form both", ifc->info.name);
			return EXIT_TROUBLE;
		}
	}
	return 0;
}

static const struct chosen_iface *chosen_by_ifindex(const struct announce_cmd *c, int ifindex)
{
	for (unsigned k = 0; k < c->chosen_count; k++)
		if (c->chosen[k].info.ifindex == ifindex)
			return &c->chosen[k];
	return NULL;
}

/* A fresh record of an address we wait for: its state now. */
static void refresh_target(struct announce_cmd *c, const struct nl_addr *a)
{
	for (size_t i = 0; i < c->target_count; i++) {
		struct wanted_target *t = &c->targets[i];

		if (t->state == ANNOUNCE_ADDR_TENTATIVE &&
		    c->chosen[t->iface].info.ifindex == a->ifindex && ipaddr_equal(&t->addr, &a->addr))
			t->state = announce_addr_state_of(a);
	}
}

/*
 * Tentative addresses are waited for through the kernel's address events. The
 * subscription comes first, then a fresh read of the addresses: DAD that ended before
 * it is in that read, DAD that ends after it is an event, none is missed between.
 */
static int watch_tentative(struct announce_cmd *c)
{
	nl_addr_list now = {0};
	size_t waiting = 0;
	int err;

	for (size_t i = 0; i < c->target_count; i++)
		waiting += c->targets[i].state == ANNOUNCE_ADDR_TENTATIVE;
	if (waiting == 0)
		return 0;
	err = nl_open(&c->events, RTMGRP_IPV6_IFADDR);
	if (!err)
		err = nl_dump_addrs_family(&c->nl, AF_INET6, 0, &now);
	if (err) {
		cli_error(CMD, "cannot follow duplicate address detection (netlink): %s",
			  strerror(-err));
		vec_free(&now);
		return EXIT_TROUBLE;
	}
	for (size_t i = 0; i < now.count; i++)
		refresh_target(c, &now.items[i]);
	vec_free(&now);
	for (size_t i = 0; i < c->target_count && !c->quiet; i++)
		if (c->targets[i].state == ANNOUNCE_ADDR_TENTATIVE)
			announce_out_dad_wait(stderr, &c->targets[i].addr,
					      c->chosen[c->targets[i].iface].info.name,
					      c->cfg.dad_wait_ns);
	return 0;
}

struct dad_events {
	const struct announce_cmd *c;
	struct announce_run *run;
	uint64_t now;
};

/* An address record from the kernel, for the engine (it takes what it waits for). */
static void tell_engine(const struct dad_events *d, const struct nl_addr *a)
{
	const struct chosen_iface *ifc = chosen_by_ifindex(d->c, a->ifindex);

	if (ifc && ifc->io.fd >= 0 && a->addr.family == AF_INET6)
		announce_run_addr_state(d->run, ifc->run_index, &a->addr, announce_addr_state_of(a),
					d->now);
}

static void on_addr_event(const struct nlmsghdr *nlh, void *ctx)
{
	struct nl_addr a;

	if (nlh->nlmsg_type == RTM_NEWADDR && nl_parse_addr(nlh, &a) == 0)
		tell_engine(ctx, &a);
}

/* The event socket is readable: DAD completing or failing. Events the kernel dropped
 * (-ENOBUFS) are made up for by reading the addresses again. */
static void read_addr_events(void *ctx, struct announce_run *run, uint64_t now)
{
	struct announce_cmd *c = ctx;
	struct dad_events d = {c, run, now};
	nl_addr_list list = {0};

	if (nl_read_events(&c->events, on_addr_event, &d) != -ENOBUFS)
		return;
	if (nl_dump_addrs_family(&c->nl, AF_INET6, 0, &list) == 0)
		for (size_t i = 0; i < list.count; i++)
			tell_engine(&d, &list.items[i]);
	vec_free(&list);
}

/* The chosen interface behind an engine target (the engine counts open ones only). */
static const struct chosen_iface *iface_of(const struct announce_cmd *c,
					   const struct announce_target *t)
{
	for (unsigned k = 0; k < c->chosen_count; k++)
		if (c->chosen[k].io.fd >= 0 && c->chosen[k].run_index == t->iface)
			return &c->chosen[k];
	return NULL;
}

/* The interfaces with an unverified address, each once, in order; how many. */
static size_t unverified_ifaces(const struct announce_cmd *c, const struct announce_target *t,
				size_t count, const char **names)
{
	size_t n = 0;

	for (unsigned k = 0; k < c->chosen_count; k++) {
		const struct chosen_iface *ifc = &c->chosen[k];

		for (size_t i = 0; i < count; i++)
			if (t[i].result == ANNOUNCE_UNVERIFIED && iface_of(c, &t[i]) == ifc) {
				names[n++] = ifc->info.name;
				break;
			}
	}
	return n;
}

static int report(const struct announce_cmd *c, const struct announce_run *run, uint64_t elapsed)
{
	size_t count;
	const struct announce_target *targets = announce_run_targets(run, &count);
	const char **names = calloc(c->chosen_count ? c->chosen_count : 1, sizeof(*names));
	struct announce_tally tally;
	struct out o;

	if (!names) {
		cli_error(CMD, "out of memory");
		return EXIT_TROUBLE;
	}
	announce_run_tally(run, &tally);
	out_init(&o, stdout, c->json ? OUT_JSON : OUT_TEXT);
	for (size_t i = 0; i < count; i++) {
		const struct chosen_iface *ifc = iface_of(c, &targets[i]);

		announce_out_target(&o, &targets[i], ifc ? ifc->info.name : NULL,
				    ifc ? &ifc->info.mac : NULL);
		announce_out_conflicts(stderr, &targets[i]);
	}
	fflush(stdout);
	if (tally.by_result[ANNOUNCE_UNVERIFIED])
		announce_out_unverified_hint(stderr, tally.by_result[ANNOUNCE_UNVERIFIED], names,
					     unverified_ifaces(c, targets, count, names));
	if (tally.by_result[ANNOUNCE_TENTATIVE])
		announce_out_tentative_hint(stderr, tally.by_result[ANNOUNCE_TENTATIVE],
					    c->cfg.dad_wait_ns);
	if (!c->quiet)
		announce_out_summary(stderr, &tally, announce_run_counters(run)->frames_sent, elapsed);
	free(names);
	return cli_finish_output(CMD, announce_tally_is_negative(&tally) ? EXIT_NEGATIVE : EXIT_OK);
}

/* What the link's filter passes: the frames of its addresses' families. */
static enum link_filter filter_for(unsigned families)
{
	switch (families) {
	case HAS_IPV4 | HAS_IPV6:
		return LINK_FILTER_ARP_NDP_ECHO;
	case HAS_IPV6:
		return LINK_FILTER_NDP_ECHO;
	default:
		return LINK_FILTER_ARP_ICMP;
	}
}

/* Opens each interface that holds a target, in the order they were named, and
 * describes it to the engine; how many in *open_count. 0 or EXIT_TROUBLE. */
static int open_interfaces(struct announce_cmd *c, struct announce_iface *ifaces,
			   unsigned *open_count)
{
	*open_count = 0;
	for (size_t i = 0; i < c->target_count; i++) {
		struct chosen_iface *ifc = &c->chosen[c->targets[i].iface];
		struct announce_iface *run_ifc = &ifaces[*open_count];

		if (ifc->io.fd >= 0)
			continue;
		if (cli_open_link(CMD, &ifc->io, ifc->info.name, filter_for(ifc->families)))
			return EXIT_TROUBLE;
		ifc->run_index = (*open_count)++;
		run_ifc->link = &ifc->io;
		run_ifc->peers = ifc->peers;
		run_ifc->peer_count = ifc->peer_count;
		run_ifc->peers6 = ifc->peers6;
		run_ifc->peer6_count = ifc->peer6_count;
		run_ifc->ipv6_router = ifc->ipv6_router;
		run_ifc->vlan = VLAN_NONE;
	}
	return 0;
}

static int run_announce(struct announce_cmd *c)
{
	struct announce_iface *ifaces = calloc(c->chosen_count, sizeof(*ifaces));
	struct announce_watch watch = {nl_fd(&c->events), read_addr_events, c};
	struct announce_run *run = NULL;
	struct loop_stop stop;
	unsigned open_count = 0;
	int status, err;
	uint64_t start;

	if (!ifaces)
		return EXIT_TROUBLE;
	/* Everything is checked; only now ask for the privilege and open sockets. */
	status = cli_require_caps(CMD, CAPS_NET_RAW);
	if (status == 0)
		status = open_interfaces(c, ifaces, &open_count);
	if (status == 0)
		status = cli_limit_caps(CMD, CAPS_NONE);
	if (status) {
		free(ifaces);
		return status;
	}

	c->cfg.verify = !c->verify_off;
	err = announce_run_create(&run, &c->cfg, ifaces, open_count);
	for (size_t i = 0; i < c->target_count && !err; i++)
		err = announce_run_add_ip(run, c->chosen[c->targets[i].iface].run_index,
					  &c->targets[i].addr, c->targets[i].state);
	if (err) {
		cli_error(CMD, "%s", strerror(-err));
		announce_run_free(run);
		free(ifaces);
		return EXIT_TROUBLE;
	}
	cli_catch_signals(&stop);
	start = now_ns();
	err = announce_run_start(run, start);
	if (!err)
		err = announce_run_wait_watch(run, &stop, c->events.sock ? &watch : NULL);
	if (err == -ENOMEM) {
		cli_error(CMD, "out of memory");
		status = EXIT_TROUBLE;
	} else if (err) {
		cli_error(CMD, "sending failed: %s", strerror(-err));
		status = EXIT_TROUBLE;
	} else if (cli_stop_signal) {
		cli_error(CMD, "interrupted");
		status = EXIT_TROUBLE;
	} else {
		status = report(c, run, now_ns() - start);
	}
	announce_run_free(run);
	free(ifaces);
	return status;
}

static void cleanup(struct announce_cmd *c)
{
	for (unsigned k = 0; k < c->chosen_count; k++)
		link_close(&c->chosen[k].io);
	free(c->chosen);
	free(c->targets);
	nl_snapshot_free(&c->net);
	if (c->nl.sock)
		nl_close(&c->nl);
	if (c->events.sock)
		nl_close(&c->events);
}

int cmd_announce(int argc, char **argv)
{
	struct announce_cmd c;
	int status;

	memset(&c, 0, sizeof(c));
	status = parse_options(&c, argc, argv);
	if (status < 0)
		return EXIT_OK;
	if (status == 0)
		status = cli_read_network(CMD, &c.nl, &c.net, network_parts(&c));
	if (status == 0)
		status = choose_interfaces(&c);
	if (status == 0)
		status = choose_targets(&c);
	if (status == 0)
		status = choose_peers(&c);
	if (status == 0)
		status = check_ipv6_interfaces(&c);
	if (status == 0)
		status = watch_tentative(&c);
	if (status == 0)
		status = run_announce(&c);
	cleanup(&c);
	return status;
}
