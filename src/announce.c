/* arpkit announce: push moved addresses to the neighbours' ARP caches, and prove it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>
#include <unistd.h>

#include "announce.h"
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
	"Usage: arpkit announce [-I IFACE] [OPTIONS] [ADDRESS...]\n"
	"\n"
	"Tell every neighbour that ADDRESS now lives at this host's MAC, and prove it.\n"
	"For each address: an RFC 5227 probe for another holder, then per round a\n"
	"gratuitous ARP request and reply (broadcast) and a request \"who-has PEER tell\n"
	"ADDRESS\" to each peer; then an ICMP echo from ADDRESS to each peer whose reply\n"
	"must come back to this host.\n"
	"\n"
	"  ADDRESS            an IPv4 address held on the interface (default: all of them,\n"
	"                     primary and secondary)\n"
	"  -I, --interface IF the interface (default: every up, ARP-capable, non-loopback one)\n"
	"      --peer ADDR    also ask and verify through ADDR (repeatable; default peers\n"
	"                     are the gateways of the routes through the interface)\n"
	"      --force        announce an address this host does not hold (hijacks traffic)\n"
	"      --form F       request, reply or both (default both)\n"
	"  -c, --count N      rounds (default 3); an address stops once confirmed\n"
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
	"Results: confirmed (the echo reply came back to us), unconfirmed (the peer\n"
	"answered ARP, its echo reply did not reach us), peer-silent (a peer never\n"
	"answered), sent (no verification). Another MAC answering the probe or claiming\n"
	"the address is a conflict.\n"
	"Exit status: 0 all confirmed (or sent with --no-verify), 1 some not confirmed or\n"
	"a conflict, 2 usage or system error (nothing is sent), or interrupted.\n";

enum {
	OPT_PEER = 256, OPT_FORCE, OPT_FORM, OPT_RATE, OPT_NO_VERIFY, OPT_NO_PROBE,
	OPT_PROBE_WAIT, OPT_WAIT, OPT_JSON, OPT_DOUBLING,
};

static const struct option long_options[] = {
	{"interface", required_argument, NULL, 'I'},
	{"peer", required_argument, NULL, OPT_PEER},
	{"force", no_argument, NULL, OPT_FORCE},
	{"form", required_argument, NULL, OPT_FORM},
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
		case 'c':
			if (!cli_parse_ulong(CMD, "--count", optarg, 1, 100, &n))
				return EXIT_TROUBLE;
			c->cfg.rounds = (unsigned)n;
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

static int choose_interfaces(struct announce_cmd *c)
{
	const struct nl_link *l;

	c->chosen = calloc(c->net.links.count ? c->net.links.count : 1, sizeof(*c->chosen));
	if (!c->chosen)
		return EXIT_TROUBLE;
	if (c->ifname) {
		if (cli_select_link(CMD, &c->net, c->ifname, 0, &l))
			return EXIT_TROUBLE;
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

static const struct nl_addr *find_held(const struct announce_cmd *c, int ifindex,
				       struct in_addr addr)
{
	for (size_t i = 0; i < c->net.addrs.count; i++)
		if (c->net.addrs.items[i].ifindex == ifindex &&
		    c->net.addrs.items[i].addr.v4.s_addr == addr.s_addr)
			return &c->net.addrs.items[i];
	return NULL;
}

/* An interface whose configured subnets contain addr (for --force and peers). */
static int iface_on_link(const struct announce_cmd *c, struct in_addr addr)
{
	for (unsigned k = 0; k < c->chosen_count; k++)
		for (size_t i = 0; i < c->net.addrs.count; i++) {
			const struct nl_addr *a = &c->net.addrs.items[i];

			if (a->ifindex == c->chosen[k].info.ifindex &&
			    ipv4_in_subnet(addr, a->addr.v4, a->prefixlen))
				return (int)k;
		}
	return -1;
}

/* Repeats are fine: the engine keeps each (interface, address) once. */
static int add_target(struct announce_cmd *c, struct in_addr addr, unsigned iface)
{
	c->targets[c->target_count].addr = addr;
	c->targets[c->target_count].iface = iface;
	c->target_count++;
	return 0;
}

static int choose_targets(struct announce_cmd *c)
{
	char text[IPV4_STRLEN];

	c->targets = calloc((size_t)c->addr_arg_count + c->net.addrs.count + 1, sizeof(*c->targets));
	if (!c->targets)
		return EXIT_TROUBLE;
	for (int a = 0; a < c->addr_arg_count; a++) {
		struct in_addr addr;
		int found = -1;

		if (ipv4_parse(c->addr_args[a], &addr) < 0)
			return cli_usage_error(CMD, "invalid IPv4 address '%s'", c->addr_args[a]);
		for (unsigned k = 0; k < c->chosen_count && found < 0; k++)
			if (find_held(c, c->chosen[k].info.ifindex, addr))
				found = (int)k;
		if (found < 0 && c->force)
			found = c->ifname ? 0 : iface_on_link(c, addr);
		if (found < 0) {
			if (c->force)
				cli_error(CMD, "%s is on no subnet of any interface; name one with -I",
					  ipv4_format(addr, text));
			else
				cli_error(CMD, "%s is not configured on %s; announcing an address this "
					       "host does not hold hijacks its traffic (--force to do it "
					       "anyway)", ipv4_format(addr, text),
					  c->ifname ? c->ifname : "any ARP interface");
			return EXIT_TROUBLE;
		}
		add_target(c, addr, (unsigned)found);
	}
	if (c->addr_arg_count == 0) {
		for (unsigned k = 0; k < c->chosen_count; k++)
			for (size_t i = 0; i < c->net.addrs.count; i++) {
				const struct nl_addr *a = &c->net.addrs.items[i];

				if (a->ifindex == c->chosen[k].info.ifindex && a->scope != RT_SCOPE_HOST)
					add_target(c, a->addr.v4, k);
			}
		if (c->target_count == 0) {
			cli_error(CMD, "no IPv4 address on %s to announce",
				  c->ifname ? c->ifname : "any ARP interface");
			return EXIT_TROUBLE;
		}
	}
	return 0;
}

static void add_peer(struct chosen_iface *ifc, struct in_addr peer)
{
	for (unsigned i = 0; i < ifc->peer_count; i++)
		if (ifc->peers[i].s_addr == peer.s_addr)
			return;
	if (ifc->peer_count < MAX_PEERS)
		ifc->peers[ifc->peer_count++] = peer;
}

static int choose_peers(struct announce_cmd *c)
{
	char text[IPV4_STRLEN];

	for (size_t r = 0; r < c->net.routes.count; r++) {
		const struct nl_route *route = &c->net.routes.items[r];

		if (route->gateway.v4.s_addr == 0)
			continue;
		for (unsigned k = 0; k < c->chosen_count; k++)
			if (c->chosen[k].info.ifindex == route->oif)
				add_peer(&c->chosen[k], route->gateway.v4);
	}
	for (unsigned p = 0; p < c->extra_peer_count; p++) {
		/* ARP reaches only the link: a peer off it could never answer. */
		int k = iface_on_link(c, c->extra_peers[p]);

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

static void print_text(const struct announce_cmd *c, const struct announce_target *t)
{
	const struct chosen_iface *ifc = iface_of(c, t);
	char addr[IPV4_STRLEN], mac[MAC_STRLEN];
	printf("%-15s %-10s %-11s %8.1f ms", ipv4_format(t->addr, addr), ifc ? ifc->info.name : "?",
	       announce_result_name(t->result), ns_to_ms(t->elapsed_ns));
	for (unsigned p = 0; p < t->peer_count; p++) {
		const struct announce_peer *peer = &t->peers[p];

		printf("  peer %s", ipv4_format(peer->peer, addr));
		if (!peer->arp_answered)
			printf(" silent");
		else if (!peer->confirmed)
			printf(" at %s, no echo reply", mac_format(&peer->peer_mac, mac));
		else
			printf(" at %s rtt %.3f ms", mac_format(&peer->peer_mac, mac),
			       ns_to_ms(peer->rtt_ns));
	}
	for (unsigned i = 0; i < t->conflict_count; i++)
		printf("  CONFLICT %s", mac_format(&t->conflict_macs[i], mac));
	putchar('\n');
}

static void print_json(struct json *j, const struct announce_cmd *c, const struct announce_target *t)
{
	const struct chosen_iface *ifc = iface_of(c, t);
	char text[MAC_STRLEN > IPV4_STRLEN ? MAC_STRLEN : IPV4_STRLEN];
	json_object_begin(j, NULL);
	json_string(j, "address", ipv4_format(t->addr, text));
	json_string(j, "interface", ifc ? ifc->info.name : NULL);
	json_string(j, "mac", ifc ? mac_format(&ifc->info.mac, text) : NULL);
	json_string(j, "result", announce_result_name(t->result));
	json_double(j, "elapsed_ms", ns_to_ms(t->elapsed_ns), 3);
	json_array_begin(j, "peers");
	for (unsigned p = 0; p < t->peer_count; p++) {
		const struct announce_peer *peer = &t->peers[p];

		json_object_begin(j, NULL);
		json_string(j, "peer", ipv4_format(peer->peer, text));
		if (peer->arp_answered)
			json_string(j, "peer_mac", mac_format(&peer->peer_mac, text));
		else
			json_null(j, "peer_mac");
		json_bool(j, "confirmed", peer->confirmed);
		if (peer->confirmed)
			json_double(j, "rtt_ms", ns_to_ms(peer->rtt_ns), 3);
		else
			json_null(j, "rtt_ms");
		json_object_end(j);
	}
	json_array_end(j);
	json_array_begin(j, "conflict_macs");
	for (unsigned i = 0; i < t->conflict_count; i++)
		json_string(j, NULL, mac_format(&t->conflict_macs[i], text));
	json_array_end(j);
	json_object_end(j);
}

static int report(const struct announce_cmd *c, const struct announce_run *run, uint64_t elapsed)
{
	size_t count, confirmed = 0, conflicts = 0, negative = 0;
	const struct announce_target *targets = announce_run_targets(run, &count);
	struct json j;
	char addr[IPV4_STRLEN], mac[MAC_STRLEN];

	json_init(&j, stdout);
	for (size_t i = 0; i < count; i++) {
		const struct announce_target *t = &targets[i];

		if (c->json)
			print_json(&j, c, t);
		else
			print_text(c, t);
		confirmed += t->result == ANNOUNCE_CONFIRMED;
		negative += t->result != ANNOUNCE_CONFIRMED && t->result != ANNOUNCE_SENT;
		conflicts += t->conflict_count > 0;
		for (unsigned k = 0; k < t->conflict_count; k++)
			cli_error(CMD, "conflict: %s is also claimed by %s (is the old holder still up?)",
				  ipv4_format(t->addr, addr), mac_format(&t->conflict_macs[k], mac));
	}
	fflush(stdout);
	if (!c->quiet)
		fprintf(stderr, "arpkit announce: %zu address%s, %zu confirmed, %zu not confirmed, "
				"%zu in conflict; %llu frames in %.1f ms\n",
			count, count == 1 ? "" : "es", confirmed, negative, conflicts,
			(unsigned long long)announce_run_counters(run)->frames_sent, ns_to_ms(elapsed));
	return cli_finish_output(CMD, negative || conflicts ? EXIT_NEGATIVE : EXIT_OK);
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
