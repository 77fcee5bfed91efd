/* arpkit ping: who answers for an address (all of them), is it free (RFC 5227 DAD),
 * and the unsolicited ARP that iputils arping scripts send. */
#include <errno.h>
#include <getopt.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "arping.h"
#include "caps.h"
#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "link.h"
#include "netlink.h"
#include "netsel.h"
#include "number.h"
#include "output.h"
#include "ping_out.h"
#include "vendor.h"

#define CMD "ping"
#define MAX_COUNT 1000000ul
#define MAX_DEADLINE_MS (7ull * 24 * 3600 * 1000)

struct ping_cmd {
	/* options */
	const char *ifname;
	struct arping_config cfg;
	bool source_given, json, quiet;
	struct ipaddr target, source;
	const char *target_text;

	/* network state */
	struct nl nl;
	struct nl_snapshot net;
	const struct nl_link *iface;
	struct link io;
	struct vendor_db *vendors;

	/* the run */
	struct loop_stop stop;
	struct arping_run *run;
	struct out out;
	struct ping_view view;
};

static const char usage_text[] =
	"Usage: arpkit ping [-I IFACE] [-c COUNT] [-w DEADLINE] [-i INTERVAL] [-S SOURCE]\n"
	"                   [-f] [-D] [-U | -A] [-q] [--json] TARGET\n"
	"\n"
	"Ask who answers for the IPv4 address TARGET with ARP requests (always broadcast,\n"
	"so every holder answers), print each reply with its MAC, vendor and round-trip\n"
	"time, and mark replies from a second MAC as a CONFLICT.\n"
	"\n"
	"  -I, --interface IF  interface, or an address label (eth0:vip) for its\n"
	"                      interface (default: the one the route to TARGET uses;\n"
	"                      TARGET must be on-link)\n"
	"  -c, --count N       send N requests (DAD: N probes), then wait for the last\n"
	"                      replies (default: until -w or Ctrl-C; DAD: 3)\n"
	"  -w, --deadline S    stop after S seconds, fractions allowed (DAD: compress the\n"
	"                      RFC 5227 schedule to end by then)\n"
	"  -i, --interval MS   milliseconds between requests (default 1000; DAD: the\n"
	"                      RFC 5227 random spacing)\n"
	"  -S, -s, --source IP sender IP of the requests (default: this host's address on\n"
	"                      TARGET's subnet; 0.0.0.0 allowed; otherwise it must be an\n"
	"                      address of this host)\n"
	"  -f, --first         stop at the first reply\n"
	"  -D, --dad           duplicate address detection (RFC 5227 probes from 0.0.0.0):\n"
	"                      exit 0 when TARGET is free, 1 when someone uses or probes it\n"
	"  -U, --unsolicited   send unsolicited ARP requests \"who-has TARGET tell\n"
	"                      SOURCE\" (default SOURCE: TARGET, which this host must\n"
	"                      hold: gratuitous ARP); replies are printed as they come\n"
	"  -A, --advert        the same with ARP replies \"SOURCE is-at MAC\"\n"
	"  -b                  accepted for iputils arping scripts; requests are always\n"
	"                      broadcast anyway\n"
	"  -q, --quiet         print nothing; only the exit status tells\n"
	"      --json          one JSON object per reply, then a summary object\n"
	"  -h, --help          this text\n"
	"\n"
	"Exit status: 0 a reply came (DAD: TARGET is free; -U/-A: sent, replies or not),\n"
	"1 no reply (DAD: TARGET is in use), 2 usage or system error (nothing is sent;\n"
	"DAD: also interrupted before it finished).\n"
	"To move an address between hosts, use 'arpkit announce': it sends both forms,\n"
	"probes first and proves the neighbours learnt it.\n";

enum { OPT_JSON = 256 };

static const struct option long_options[] = {
	{"interface", required_argument, NULL, 'I'},
	{"count", required_argument, NULL, 'c'},
	{"deadline", required_argument, NULL, 'w'},
	{"interval", required_argument, NULL, 'i'},
	{"source", required_argument, NULL, 'S'},
	{"first", no_argument, NULL, 'f'},
	{"dad", no_argument, NULL, 'D'},
	{"unsolicited", no_argument, NULL, 'U'},
	{"advert", no_argument, NULL, 'A'},
	{"quiet", no_argument, NULL, 'q'},
	{"json", no_argument, NULL, OPT_JSON},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static bool is_usable_target(struct in_addr a)
{
	uint32_t host = ntohl(a.s_addr);

	/* Nobody answers ARP for these: unspecified, loopback, multicast, reserved,
	 * limited broadcast. */
	return host != 0 && (host >> 24) != 127 && (host >> 28) < 14;
}

static bool is_unsolicited(enum arping_mode mode)
{
	return mode == ARPING_MODE_UNSOLICITED_REQUEST || mode == ARPING_MODE_UNSOLICITED_REPLY;
}

static int parse_options(struct ping_cmd *c, int argc, char **argv)
{
	bool dad = false, unsolicited_request = false, unsolicited_reply = false;
	bool interval_given = false;
	struct arping_config *cfg = &c->cfg;
	unsigned long n;
	uint64_t ms;
	int opt;

	arping_config_default(cfg, ARPING_MODE_PING);
	while ((opt = getopt_long(argc, argv, "+I:c:w:i:S:s:fDUAbqh", long_options, NULL)) != -1) {
		switch (opt) {
		case 'I':
			c->ifname = optarg;
			break;
		case 'c':
			if (!cli_parse_ulong(CMD, "--count", optarg, 1, MAX_COUNT, &n))
				return EXIT_TROUBLE;
			cfg->count = (unsigned)n;
			break;
		case 'w':
			if (parse_seconds_ms(optarg, MAX_DEADLINE_MS, &ms) < 0 || ms == 0)
				return cli_usage_error(CMD, "--deadline '%s' is not a number of seconds "
							    "(0.001 to %llu)", optarg,
						       (unsigned long long)(MAX_DEADLINE_MS / 1000));
			cfg->deadline_ns = ms * NS_PER_MS;
			break;
		case 'i':
			if (!cli_parse_ulong(CMD, "--interval", optarg, 1, 3600000, &n))
				return EXIT_TROUBLE;
			cfg->interval_ns = n * NS_PER_MS;
			interval_given = true;
			break;
		case 'S':
		case 's':
			if (ipaddr_parse(optarg, AF_INET, &c->source) < 0)
				return cli_usage_error(CMD, "invalid source address '%s'", optarg);
			c->source_given = true;
			break;
		case 'f':
			cfg->stop_on_reply = true;
			break;
		case 'D':
			dad = true;
			break;
		case 'U':
			unsolicited_request = true;
			break;
		case 'A':
			unsolicited_reply = true;
			break;
		case 'b':
			break;
		case 'q':
			c->quiet = true;
			break;
		case OPT_JSON:
			c->json = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		default:
			return cli_usage_error(CMD, "invalid option");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(CMD, optind == argc ? "TARGET is missing"
							   : "only one TARGET, please");
	c->target_text = argv[optind];
	if (ipaddr_parse(c->target_text, AF_INET, &c->target) < 0)
		return cli_usage_error(CMD, "invalid target address '%s' (an IPv4 address, as "
					    "192.0.2.10)", c->target_text);
	if (!is_usable_target(c->target.v4))
		return cli_usage_error(CMD, "'%s' cannot be asked for with ARP (unspecified, "
					    "loopback, multicast or broadcast)", c->target_text);
	if (dad && (unsolicited_request || unsolicited_reply))
		return cli_usage_error(CMD, "-D asks whether an address is free; -U/-A claim it: "
					    "choose one");
	/* iputils: -A is -U with replies, so both together mean replies. */
	cfg->mode = dad ? ARPING_MODE_DAD
		  : unsolicited_reply ? ARPING_MODE_UNSOLICITED_REPLY
		  : unsolicited_request ? ARPING_MODE_UNSOLICITED_REQUEST : ARPING_MODE_PING;
	if (dad) {
		if (c->source_given && !ipaddr_is_unspecified(&c->source))
			return cli_usage_error(CMD, "-D probes from 0.0.0.0 (RFC 5227); drop -S");
		if (cfg->count > ARPING_DAD_MAX_PROBES)
			return cli_usage_error(CMD, "-D sends at most %d probes", ARPING_DAD_MAX_PROBES);
		/* Without -i, the RFC 5227 random spacing. */
		if (!interval_given)
			cfg->interval_ns = 0;
	}
	return 0;
}

static void refuse_hijack(const struct ipaddr *addr, const char *where)
{
	char text[IPADDR_STRLEN];

	cli_error(CMD, "%s is not an address of %s; announcing it would hijack its traffic "
		       "(arpkit announce --force does that on purpose)",
		  ipaddr_format(addr, text), where);
}

/* -U/-A announce an address this host holds: the interface is the one holding it. */
static int iface_holding_source(struct ping_cmd *c)
{
	const struct ipaddr *claimed = c->source_given ? &c->source : &c->target;
	const struct nl_addr *held = netsel_held(&c->net, 0, claimed);

	if (!held) {
		refuse_hijack(claimed, "this host");
		return EXIT_TROUBLE;
	}
	c->iface = netsel_link_by_index(&c->net, held->ifindex);
	return cli_check_link(CMD, &c->net, c->iface, NETSEL_NEED_UP, " (which holds it)");
}

/* The interface the kernel routes TARGET through (it knows policy routing), if ARP
 * can reach TARGET there. */
static int iface_by_route(struct ping_cmd *c, struct nl_route *route)
{
	char text[IPADDR_STRLEN], gw[IPADDR_STRLEN];
	int err = nl_route_to(&c->nl, &c->target, route);

	ipaddr_format(&c->target, text);
	if (err == -ENETUNREACH || err == -EHOSTUNREACH) {
		cli_error(CMD, "no route to %s; name the interface with -I", text);
		return EXIT_TROUBLE;
	}
	if (err) {
		cli_error(CMD, "cannot look up the route to %s: %s", text, strerror(-err));
		return EXIT_TROUBLE;
	}
	if (route->type == RTN_LOCAL) {
		cli_error(CMD, "%s is an address of this host (routed through lo); name the "
			       "interface to ask on with -I", text);
		return EXIT_TROUBLE;
	}
	if (route->type != RTN_UNICAST) {
		cli_error(CMD, "%s is a broadcast or otherwise non-unicast address here; nobody "
			       "answers ARP for it", text);
		return EXIT_TROUBLE;
	}
	if (!ipaddr_is_unspecified(&route->gateway)) {
		cli_error(CMD, "%s is not on a local subnet (routed via %s): ARP only reaches "
			       "the local link; name the interface with -I to ask anyway", text,
			  ipaddr_format(&route->gateway, gw));
		return EXIT_TROUBLE;
	}
	c->iface = netsel_link_by_index(&c->net, route->oif);
	return cli_check_link(CMD, &c->net, c->iface, NETSEL_NEED_UP, " (the route's)");
}

/* -I names it (an address label names its interface); -U/-A: the holder of what is
 * announced; else the route's. *routed: route is the kernel's route to TARGET. */
static int choose_iface(struct ping_cmd *c, struct nl_route *route, bool *routed)
{
	int status;

	*routed = false;
	if (c->ifname) {
		status = cli_select_link(CMD, &c->net, c->ifname, NETSEL_NEED_UP, &c->iface);
		*routed = status == 0 && nl_route_to(&c->nl, &c->target, route) == 0;
		return status;
	}
	if (is_unsolicited(c->cfg.mode))
		return iface_holding_source(c);
	status = iface_by_route(c, route);
	*routed = status == 0;
	return status;
}

static int choose_source(struct ping_cmd *c, const struct nl_route *route)
{
	char text[IPADDR_STRLEN];

	switch (c->cfg.mode) {
	case ARPING_MODE_DAD:
		c->source = ipaddr_any(AF_INET);
		break;
	case ARPING_MODE_UNSOLICITED_REQUEST:
	case ARPING_MODE_UNSOLICITED_REPLY:
		if (!c->source_given)
			c->source = c->target;
		if (!netsel_held(&c->net, c->iface->ifindex, &c->source)) {
			refuse_hijack(&c->source, c->iface->name);
			return EXIT_TROUBLE;
		}
		break;
	case ARPING_MODE_PING:
		if (!c->source_given) {
			c->source = netsel_default_source(&c->net, c->iface->ifindex, &c->target,
							  route);
		} else if (!ipaddr_is_unspecified(&c->source) &&
			   !netsel_held(&c->net, 0, &c->source)) {
			/* The target would learn SOURCE -> our MAC from the request. */
			cli_error(CMD, "-S %s is not an address of this host; a request from it "
				       "would point TARGET's ARP entry for it at this host (use "
				       "0.0.0.0 or one of this host's addresses)",
				  ipaddr_format(&c->source, text));
			return EXIT_TROUBLE;
		}
		break;
	}
	return 0;
}

static int select_network(struct ping_cmd *c)
{
	struct nl_route route;
	bool routed;
	int status = cli_read_network(CMD, &c->nl, &c->net, NL_LINKS | NL_ADDRS);

	memset(&route, 0, sizeof(route));
	if (!status)
		status = choose_iface(c, &route, &routed);
	if (!status)
		status = choose_source(c, routed ? &route : NULL);
	return status;
}

static void load_vendors(struct ping_cmd *c)
{
	/* Vendors are decoration: without the registry every MAC is "(unknown)". */
	if (vendor_db_load(&c->vendors, NULL, NULL) < 0)
		c->vendors = NULL;
}

/* DAD's random waits (RFC 5227): from the kernel, else from the clock. */
static void draw_dad_schedule(struct arping_config *cfg)
{
	if (getrandom(cfg->draws, sizeof(cfg->draws), 0) == (ssize_t)sizeof(cfg->draws))
		return;
	for (unsigned i = 0; i < ARPING_DAD_MAX_PROBES; i++)
		cfg->draws[i] = (uint32_t)((now_ns() + i) * 2654435761u >> 7);
}

static int prepare_run(struct ping_cmd *c)
{
	int err;

	if (c->cfg.mode == ARPING_MODE_DAD)
		draw_dad_schedule(&c->cfg);
	err = arping_run_create(&c->run, &c->cfg, &c->io);
	if (!err)
		err = arping_run_add(c->run, &c->target, &c->source);
	if (err) {
		cli_error(CMD, "cannot set up the run: %s", strerror(-err));
		return EXIT_TROUBLE;
	}
	out_init(&c->out, stdout, c->json ? OUT_JSON : OUT_TEXT);
	c->view = (struct ping_view){
		.out = &c->out,
		.mode = c->cfg.mode,
		.ifname = c->iface->name,
		.self = c->io.mac,
		.run = c->run,
		.vendors = c->vendors,
	};
	if (!c->quiet)
		arping_run_observe(c->run, ping_out_event, &c->view);
	return 0;
}

static int run(struct ping_cmd *c)
{
	int err;

	cli_catch_signals(&c->stop);
	err = arping_run_start(c->run, now_ns());
	if (!err && !c->quiet)
		ping_out_header(&c->view);
	if (!err)
		err = arping_run_wait(c->run, &c->stop);
	if (err < 0) {
		cli_error(CMD, "%s on %s failed: %s",
			  arping_run_summary(c->run)->sent ? "receiving" : "sending", c->iface->name,
			  strerror(-err));
		return EXIT_TROUBLE;
	}
	return 0;
}

static int exit_status(const struct ping_cmd *c)
{
	size_t count;

	switch (arping_run_outcome(c->run, arping_run_targets(c->run, &count))) {
	case ARPING_SILENT:
	case ARPING_IN_USE:
		return EXIT_NEGATIVE;
	case ARPING_UNKNOWN:
		return EXIT_TROUBLE;
	case ARPING_ANSWERED:
	case ARPING_FREE:
	case ARPING_SENT:
	default:
		return EXIT_OK;
	}
}

static int open_and_run(struct ping_cmd *c)
{
	/* Everything is checked; only now ask for the privilege and open the socket. */
	int status = cli_require_caps(CMD, CAPS_NET_RAW);

	if (status == 0)
		status = cli_open_link(CMD, &c->io, c->iface->name, LINK_FILTER_ARP);
	if (status == 0)
		status = cli_limit_caps(CMD, CAPS_NONE);
	if (status == 0)
		status = prepare_run(c);
	if (status == 0)
		status = run(c);
	if (status)
		return status;
	if (!c->quiet)
		ping_out_summary(&c->view);
	return cli_finish_output(CMD, exit_status(c));
}

static void cleanup(struct ping_cmd *c)
{
	arping_run_free(c->run);
	link_close(&c->io);
	if (c->vendors)
		vendor_db_free(c->vendors);
	nl_snapshot_free(&c->net);
	if (c->nl.sock)
		nl_close(&c->nl);
}

int cmd_ping(int argc, char **argv)
{
	struct ping_cmd c;
	int status;

	memset(&c, 0, sizeof(c));
	link_init(&c.io);
	status = parse_options(&c, argc, argv);
	if (status < 0)
		return EXIT_OK;
	if (status == 0)
		status = select_network(&c);
	if (status == 0) {
		if (!c.quiet)
			load_vendors(&c);
		status = open_and_run(&c);
	}
	cleanup(&c);
	return status;
}
