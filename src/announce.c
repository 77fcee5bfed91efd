/* arpkit announce: push moved addresses to the neighbours' ARP caches, and prove it. */
#include <errno.h>
#include <getopt.h>
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
#include "netlink.h"
#include "output.h"

#define CMD "announce"
#define MAX_PEERS 64

struct chosen_iface {
	struct nl_link info;
	struct link io;     /* opened only when it holds a target */
	struct in_addr peers[MAX_PEERS];
	unsigned peer_count;
	unsigned run_index; /* its index in the engine, once open */
};

struct wanted_target {
	struct in_addr addr;
	unsigned iface;     /* into chosen */
};

struct announce_cmd {
	const char *ifname;
	const char *label;  /* -I named an address label: only its addresses by default */
	bool force, json, quiet, verify_off;
	struct announce_config cfg;
	struct in_addr extra_peers[MAX_PEERS];
	unsigned extra_peer_count;
	char **addr_args;
	int addr_arg_count;

	struct nl nl;
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
	"For each address: an RFC 5227 probe for another holder, then per round a\n"
	"gratuitous ARP request and reply (broadcast) and a request \"who-has PEER tell\n"
	"ADDRESS\" to each peer; then an ICMP echo from ADDRESS to each peer whose reply\n"
	"must come back to this host.\n"
	"\n"
	"  ADDRESS[/PREFIX]   an IPv4 address held on the interface (default: all of them,\n"
	"                     primary and secondary); a /PREFIX pasted from `ip addr`\n"
	"                     must be the prefix configured there\n"
	"  -I, --interface IF the interface, or an address label such as eth0:vip (its\n"
	"                     device; by default only the label's addresses); default:\n"
	"                     every up, ARP-capable, non-loopback interface\n"
	"      --peer ADDR    also ask and verify through ADDR (repeatable; default peers\n"
	"                     are the gateways of the routes through the interface)\n"
	"      --force        announce an address this host does not hold (hijacks traffic)\n"
	"      --form F       request, reply or both (default both)\n"
	"      --tha T        target hardware address of the gratuitous request: zero\n"
	"                     (RFC 5227, the default), broadcast (as keepalived, Pacemaker\n"
	"                     and arping -U send it) or both (two requests per round)\n"
	"  -c, --count N      rounds (default 3, and an address stops once confirmed);\n"
	"                     an explicit N sends all N rounds, confirmed or not\n"
	"  -i, --interval MS  between rounds (default 1000)\n"
	"      --doubling     double the interval after each round\n"
	"      --rate PPS     frame rate cap over all interfaces, or 'max' (default 50000)\n"
	"      --no-verify    announce only, skip the echo proof\n"
	"      --no-probe     skip the RFC 5227 probe for another holder\n"
	"      --probe-wait MS listen this long for an answer to the probe (default 50)\n"
	"      --wait MS      after the last round, wait this long for replies (default 1000)\n"
	"      --json         one JSON object per address\n"
	"  -q, --quiet        no summary line on stderr\n"
	"  -h, --help         this text\n"
	"\n"
	"Results, and the exit status each gives:\n"
	"  confirmed    every peer's echo reply came back to this host: proven (0)\n"
	"  unconfirmed  a peer answered ARP, but its echo reply did not reach this host (1)\n"
	"  peer-silent  a peer never answered ARP (1)\n"
	"  unverified   nothing to verify through: no gateway route and no --peer (1)\n"
	"  sent         announced without proof, as --no-verify asked (0)\n"
	"  CONFLICT MAC another MAC answered the probe or claimed the address (1, with\n"
	"               any result)\n"
	"Exit status: 0 every address confirmed (or sent with --no-verify), 1 any other\n"
	"result or a conflict, 2 usage or system error (nothing is sent), or interrupted.\n";

enum {
	OPT_PEER = 256, OPT_FORCE, OPT_FORM, OPT_RATE, OPT_NO_VERIFY, OPT_NO_PROBE,
	OPT_PROBE_WAIT, OPT_WAIT, OPT_JSON, OPT_DOUBLING, OPT_THA,
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
	while ((opt = getopt_long(argc, argv, "+I:c:i:qh", long_options, NULL)) != -1) {
		switch (opt) {
		case 'I':
			c->ifname = optarg;
			break;
		case OPT_PEER:
			if (c->extra_peer_count == MAX_PEERS)
				return cli_usage_error(CMD, "too many --peer (at most %d)", MAX_PEERS);
			if (ipv4_parse(optarg, &c->extra_peers[c->extra_peer_count]) < 0)
				return cli_usage_error(CMD, "invalid peer address '%s'", optarg);
			c->extra_peer_count++;
			break;
		case OPT_FORCE:
			c->force = true;
			break;
		case OPT_FORM:
			if (parse_form(optarg, &c->cfg.form) < 0)
				return cli_usage_error(CMD, "--form '%s' is not request, reply or both",
						       optarg);
			break;
		case OPT_THA:
			if (parse_tha(optarg, &c->cfg.request_tha) < 0)
				return cli_usage_error(CMD, "--tha '%s' is not zero, broadcast or both",
						       optarg);
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
			cli_error(CMD, "no address carries the label '%s'; to announce on its device, "
				       "use -I %s", c->ifname, l->name);
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

/* The chosen interface with a subnet containing addr, the longest prefix first; -1 if
 * none: ARP cannot reach addr from here. */
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
static int parse_address(const char *text, struct in_addr *addr, int *prefixlen)
{
	unsigned bits;

	*prefixlen = -1;
	if (!strchr(text, '/'))
		return ipv4_parse(text, addr);
	if (ipv4_parse_cidr(text, addr, &bits) < 0)
		return -EINVAL;
	*prefixlen = (int)bits;
	return 0;
}

/* Repeats are fine: the engine keeps each (interface, address) once. */
static void add_target(struct announce_cmd *c, struct in_addr addr, unsigned iface)
{
	c->targets[c->target_count].addr = addr;
	c->targets[c->target_count].iface = iface;
	c->target_count++;
}

/* One ADDRESS argument: the chosen interface that holds it (or, with --force, whose
 * subnet contains it); a /PREFIX must be the one it is configured with there. */
static int choose_named_target(struct announce_cmd *c, const char *text)
{
	char addr_text[IPV4_STRLEN], have_text[IPV4_STRLEN];
	const struct nl_addr *held = NULL;
	struct in_addr addr;
	struct ipaddr target;
	int prefixlen, k;

	if (parse_address(text, &addr, &prefixlen) < 0)
		return cli_usage_error(CMD, "invalid IPv4 address '%s'", text);
	target = ipaddr_v4(addr);
	ipv4_format(addr, addr_text);
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
		cli_error(CMD, "'%s': the prefix is /%u on %s (%s/%u); give %s or %s/%u", text,
			  held->prefixlen, c->chosen[k].info.name,
			  ipv4_format(held->addr.v4, have_text), held->prefixlen, addr_text,
			  addr_text, held->prefixlen);
		return EXIT_TROUBLE;
	}
	add_target(c, addr, (unsigned)k);
	return 0;
}

/* Without ADDRESS arguments: every address held on the chosen interfaces (only the
 * label's, for -I LABEL), primary and secondary, scope host excepted. */
static int choose_held_targets(struct announce_cmd *c)
{
	for (unsigned k = 0; k < c->chosen_count; k++) {
		const struct nl_addr *a;

		for (size_t i = 0; (a = netsel_next_addr(&c->net, c->chosen[k].info.ifindex, AF_INET,
							 NL_ADDR_ANNOUNCEABLE, &i));)
			if (!c->label || !strcmp(a->label, c->label))
				add_target(c, a->addr.v4, k);
	}
	if (c->target_count)
		return 0;
	cli_error(CMD, "no IPv4 address on %s to announce",
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

static void add_peer(struct chosen_iface *ifc, struct in_addr peer)
{
	for (unsigned i = 0; i < ifc->peer_count; i++)
		if (ifc->peers[i].s_addr == peer.s_addr)
			return;
	if (ifc->peer_count < MAX_PEERS)
		ifc->peers[ifc->peer_count++] = peer;
}

/* The gateways of each interface's routes, then --peer on the interface whose subnet
 * holds it. */
static int choose_peers(struct announce_cmd *c)
{
	struct ipaddr gateways[MAX_PEERS];
	char text[IPV4_STRLEN];

	for (unsigned k = 0; k < c->chosen_count; k++) {
		size_t n = netsel_gateways(&c->net, c->chosen[k].info.ifindex, AF_INET, gateways,
					   MAX_PEERS);

		for (size_t g = 0; g < n; g++)
			add_peer(&c->chosen[k], gateways[g].v4);
	}
	for (unsigned p = 0; p < c->extra_peer_count; p++) {
		struct ipaddr peer = ipaddr_v4(c->extra_peers[p]);
		const struct nl_addr *subnet;
		/* ARP reaches only the link: a peer off it could never answer. */
		int k = chosen_on_link(c, &peer, &subnet);

		if (k < 0) {
			cli_error(CMD, "peer %s is on no subnet of %s", ipv4_format(c->extra_peers[p], text),
				  c->ifname ? c->ifname : "any chosen interface");
			return EXIT_TROUBLE;
		}
		add_peer(&c->chosen[k], c->extra_peers[p]);
	}
	return 0;
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
	if (!c->quiet)
		announce_out_summary(stderr, &tally, announce_run_counters(run)->frames_sent, elapsed);
	free(names);
	return cli_finish_output(CMD, announce_tally_is_negative(&tally) ? EXIT_NEGATIVE : EXIT_OK);
}

static int run_announce(struct announce_cmd *c)
{
	struct announce_iface *ifaces = calloc(c->chosen_count, sizeof(*ifaces));
	struct announce_run *run = NULL;
	struct loop_stop stop;
	unsigned open_count = 0;
	int status, err;
	uint64_t start;

	if (!ifaces)
		return EXIT_TROUBLE;
	/* Everything is checked; only now ask for the privilege and open sockets. */
	status = cli_require_caps(CMD, CAPS_NET_RAW);
	/* An interface is opened for its first target, in the order they were named. */
	for (size_t i = 0; i < c->target_count && status == 0; i++) {
		struct chosen_iface *ifc = &c->chosen[c->targets[i].iface];

		if (ifc->io.fd >= 0)
			continue;
		status = cli_open_link(CMD, &ifc->io, ifc->info.name, LINK_FILTER_ARP_ICMP);
		if (status)
			break;
		ifc->run_index = open_count;
		ifaces[open_count].link = &ifc->io;
		ifaces[open_count].peers = ifc->peers;
		ifaces[open_count].peer_count = ifc->peer_count;
		ifaces[open_count].vlan = VLAN_NONE;
		open_count++;
	}
	if (status == 0)
		status = cli_limit_caps(CMD, CAPS_NONE);
	if (status) {
		free(ifaces);
		return status;
	}

	c->cfg.verify = !c->verify_off;
	err = announce_run_create(&run, &c->cfg, ifaces, open_count);
	for (size_t i = 0; i < c->target_count && !err; i++)
		err = announce_run_add(run, c->chosen[c->targets[i].iface].run_index, c->targets[i].addr);
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
		err = announce_run_wait(run, &stop);
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
		status = cli_read_network(CMD, &c.nl, &c.net, NL_LINKS | NL_ADDRS | NL_ROUTES);
	if (status == 0)
		status = choose_interfaces(&c);
	if (status == 0)
		status = choose_targets(&c);
	if (status == 0)
		status = choose_peers(&c);
	if (status == 0)
		status = run_announce(&c);
	cleanup(&c);
	return status;
}
