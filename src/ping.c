/* arpkit ping: who answers for an address (all of them), is it free (duplicate
 * address detection), and the unsolicited frames iputils arping scripts send; over
 * ARP for an IPv4 TARGET, over Neighbor Discovery for an IPv6 one. */
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
#include "sysctl.h"
#include "vendor.h"

#define CMD "ping"
#define MAX_COUNT 1000000ul
#define MAX_DEADLINE_MS (7ull * 24 * 3600 * 1000)

struct ping_cmd {
	/* options */
	const char *ifname;
	const char *zone;           /* TARGET%ZONE: the interface of an IPv6 TARGET */
	struct arping_config cfg;
	bool source_given, json, quiet;
	struct ipaddr target, source;
	const char *target_text, *source_text;
	unsigned need;              /* enum netsel_need: what the interface must have */

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
	"Ask who answers for TARGET and print each reply with its MAC, vendor and\n"
	"round-trip time; replies from a second MAC are marked CONFLICT. An IPv4 TARGET\n"
	"is asked with ARP requests (always broadcast, so every holder answers), an IPv6\n"
	"one with Neighbor Solicitations to its solicited-node group (every holder\n"
	"answers with a solicited Neighbor Advertisement), as ndisc6 -m asks.\n"
	"\n"
	"  -I, --interface IF  interface, or an address label (eth0:vip) for its\n"
	"                      interface (default: the one the route to TARGET uses;\n"
	"                      TARGET must be on-link). A link-local IPv6 TARGET needs\n"
	"                      it, or its zone: fe80::1%eth0\n"
	"  -c, --count N       send N requests (DAD: N probes), then wait for the last\n"
	"                      replies (default: until -w or Ctrl-C; DAD: 3 for IPv4,\n"
	"                      1 for IPv6)\n"
	"  -w, --deadline S    stop after S seconds, fractions allowed (DAD: compress the\n"
	"                      schedule to end by then)\n"
	"  -i, --interval MS   milliseconds between requests (default 1000; DAD: the\n"
	"                      RFC 5227 random spacing for IPv4, RFC 4862's RetransTimer,\n"
	"                      1000, for IPv6)\n"
	"  -S, -s, --source IP sender address of the requests (default: this host's\n"
	"                      address on TARGET's subnet; 0.0.0.0 allowed; otherwise an\n"
	"                      address of this host, usable now; for a link-local TARGET\n"
	"                      a link-local one; :: only with -D)\n"
	"  -f, --first         stop at the first reply\n"
	"  -D, --dad           duplicate address detection (RFC 5227 probes from 0.0.0.0;\n"
	"                      RFC 4862 solicitations from ::): exit 0 when TARGET is\n"
	"                      free, 1 when someone uses or probes it\n"
	"  -U, --unsolicited   IPv4: send unsolicited ARP requests \"who-has TARGET tell\n"
	"                      SOURCE\" (default SOURCE: TARGET, which this host must\n"
	"                      hold: gratuitous ARP). IPv6: for SOURCE = TARGET the\n"
	"                      unsolicited Neighbor Advertisement (IPv6 has no other\n"
	"                      gratuitous form), else a solicitation for TARGET from\n"
	"                      SOURCE. Replies are printed as they come\n"
	"  -A, --advert        IPv4: the same with ARP replies \"SOURCE is-at MAC\";\n"
	"                      IPv6: the unsolicited Neighbor Advertisement for SOURCE\n"
	"                      to ff02::1 (Override set; Router when forwarding)\n"
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

static bool is_ipv6(const struct ping_cmd *c)
{
	return c->target.family == AF_INET6;
}

/* What the frames are, for the messages. */
static const char *protocol(const struct ping_cmd *c)
{
	return is_ipv6(c) ? "Neighbor Discovery" : "ARP";
}

static bool is_usable_target(const struct ipaddr *a)
{
	static const uint8_t v4_mapped[12] = {[10] = 0xff, [11] = 0xff};

	/* Nobody answers ARP for these: unspecified, loopback, multicast, reserved,
	 * limited broadcast. Nor Neighbor Discovery for unspecified, loopback, multicast
	 * or IPv4-mapped addresses. */
	if (a->family == AF_INET) {
		uint32_t host = ntohl(a->v4.s_addr);

		return host != 0 && (host >> 24) != 127 && (host >> 28) < 14;
	}
	return !ipv6_is_unspecified(&a->v6) && !ipv6_is_multicast(&a->v6) &&
	       !IN6_IS_ADDR_LOOPBACK(&a->v6) && memcmp(a->v6.s6_addr, v4_mapped, 12) != 0;
}

/* TARGET, or for IPv6 TARGET%ZONE (as ping and ndisc6 take a link-local address). */
static int parse_target(struct ping_cmd *c)
{
	const char *text = c->target_text, *zone = strchr(text, '%');
	size_t len = zone ? (size_t)(zone - text) : strlen(text);
	char addr[INET6_ADDRSTRLEN];

	if (len >= sizeof(addr))
		len = 0;
	memcpy(addr, text, len);
	addr[len] = '\0';
	if (ipaddr_parse(addr, AF_UNSPEC, &c->target) < 0)
		return cli_usage_error(CMD, "invalid target address %s (an IPv4 address, as "
					    "192.0.2.10, or an IPv6 one, as 2001:db8::10 or "
					    "fe80::1%%eth0)", QUOTE(text));
	if (zone && (!is_ipv6(c) || zone[1] == '\0'))
		return cli_usage_error(CMD, "invalid target address %s (only an IPv6 address has a "
					    "%%zone, the name of its interface)", QUOTE(text));
	c->zone = zone ? zone + 1 : NULL;
	if (!is_usable_target(&c->target))
		return cli_usage_error(CMD, is_ipv6(c)
				       ? "%s cannot be asked for with Neighbor Discovery "
					 "(unspecified, loopback, multicast or IPv4-mapped)"
				       : "%s cannot be asked for with ARP (unspecified, loopback, "
					 "multicast or broadcast)", QUOTE(text));
	return 0;
}

/* -S, read once TARGET's family is known: the source is of the same family. */
static int parse_source(struct ping_cmd *c)
{
	int family = c->target.family;

	if (!c->source_given)
		return 0;
	if (ipaddr_parse(c->source_text, family, &c->source) < 0) {
		struct ipaddr other;
		bool other_family = ipaddr_parse(c->source_text, AF_UNSPEC, &other) == 0;

		return cli_usage_error(CMD, "invalid source address %s%s", QUOTE(c->source_text),
				       !other_family ? ""
				       : family == AF_INET6 ? " (TARGET is IPv6: an IPv6 source)"
							    : " (TARGET is IPv4: an IPv4 source)");
	}
	if (family == AF_INET6 && ipv6_is_multicast(&c->source.v6))
		return cli_usage_error(CMD, "invalid source address %s (multicast)",
				       QUOTE(c->source_text));
	return 0;
}

static bool is_unsolicited(enum arping_mode mode)
{
	return mode == ARPING_MODE_UNSOLICITED_REQUEST || mode == ARPING_MODE_UNSOLICITED_REPLY;
}

/* What the flags ask for, once TARGET and -S are read, and what that needs. */
static int choose_mode(struct ping_cmd *c, bool dad, bool unsolicited_request,
		       bool unsolicited_reply, bool interval_given)
{
	struct arping_config *cfg = &c->cfg;

	if (dad && (unsolicited_request || unsolicited_reply))
		return cli_usage_error(CMD, "-D asks whether an address is free; -U/-A claim it: "
					    "choose one");
	/* iputils: -A is -U with replies, so both together mean replies. */
	cfg->mode = dad ? ARPING_MODE_DAD
		  : unsolicited_reply ? ARPING_MODE_UNSOLICITED_REPLY
		  : unsolicited_request ? ARPING_MODE_UNSOLICITED_REQUEST : ARPING_MODE_PING;
	if (dad) {
		if (c->source_given && !ipaddr_is_unspecified(&c->source))
			return cli_usage_error(CMD, is_ipv6(c) ? "-D probes from :: (RFC 4862); drop -S"
							       : "-D probes from 0.0.0.0 (RFC 5227); "
								 "drop -S");
		if (cfg->count > ARPING_DAD_MAX_PROBES)
			return cli_usage_error(CMD, "-D sends at most %d probes", ARPING_DAD_MAX_PROBES);
		/* Without -i, the family's RFC schedule. */
		if (!interval_given)
			cfg->interval_ns = 0;
	} else if (is_ipv6(c) && c->source_given && ipaddr_is_unspecified(&c->source)) {
		return cli_usage_error(CMD, "-S :: is for -D only: a solicitation from :: is a "
					    "duplicate address probe, answered to all nodes");
	}
	/* Asking needs an address to ask from; over IPv6 the interface must have one. */
	c->need = NETSEL_NEED_UP;
	if (is_ipv6(c) && cfg->mode == ARPING_MODE_PING)
		c->need |= NETSEL_NEED_IPV6;
	return 0;
}

static int parse_options(struct ping_cmd *c, int argc, char **argv)
{
	bool dad = false, unsolicited_request = false, unsolicited_reply = false;
	bool interval_given = false;
	struct arping_config *cfg = &c->cfg;
	unsigned long n;
	uint64_t ms;
	int opt, status;

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
			c->source_text = optarg;
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
	status = parse_target(c);
	if (!status)
		status = parse_source(c);
	if (!status)
		status = choose_mode(c, dad, unsolicited_request, unsolicited_reply, interval_given);
	return status;
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
	return cli_check_link(CMD, &c->net, c->iface, c->need, " (which holds it)");
}

/* The kernel's route to TARGET (it knows policy routing); through oif when one is
 * chosen and TARGET is IPv6: a link-local address is on every interface, and only
 * the interface says which link is meant. */
static int route_to_target(struct ping_cmd *c, int oif, struct nl_route *route)
{
	if (is_ipv6(c))
		return nl_route_to_dev(&c->nl, &c->target, oif, route);
	return nl_route_to(&c->nl, &c->target, route);
}

/* The interface the kernel routes TARGET through, if ARP (or Neighbor Discovery) can
 * reach TARGET there. */
static int iface_by_route(struct ping_cmd *c, struct nl_route *route)
{
	char text[IPADDR_STRLEN], gw[IPADDR_STRLEN];
	int err = route_to_target(c, 0, route);

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
			       "answers %s for it", text, protocol(c));
		return EXIT_TROUBLE;
	}
	if (!ipaddr_is_unspecified(&route->gateway)) {
		cli_error(CMD, "%s is not on a local subnet (routed via %s): %s only reaches "
			       "the local link; name the interface with -I to ask anyway", text,
			  ipaddr_format(&route->gateway, gw), protocol(c));
		return EXIT_TROUBLE;
	}
	c->iface = netsel_link_by_index(&c->net, route->oif);
	return cli_check_link(CMD, &c->net, c->iface, c->need, " (the route's)");
}

/*
 * The interface named on the command line: -I, or TARGET's %zone (a name, or an index
 * as RFC 4007 allows), or both when they name the same interface. NULL with 0 when
 * neither was given.
 */
static int named_iface(struct ping_cmd *c, const struct nl_link **link)
{
	const char *name = c->ifname, *zone = c->zone;

	*link = NULL;
	if (zone && zone[strspn(zone, "0123456789")] == '\0') {
		const struct nl_link *by_index = netsel_link_by_index(&c->net, atoi(zone));

		if (by_index)
			zone = by_index->name;
	}
	if (zone && name) {
		const struct nl_link *a = netsel_link_by_name(&c->net, name, NULL);
		const struct nl_link *b = netsel_link_by_name(&c->net, zone, NULL);

		if (a && b && a->ifindex != b->ifindex) {
			cli_error(CMD, "-I %s and the zone of %s name different interfaces",
				  QUOTE(c->ifname), QUOTE(c->target_text));
			return EXIT_TROUBLE;
		}
	}
	return cli_select_link(CMD, &c->net, zone ? zone : name, c->need, link);
}

/* -I (or the zone) names it (an address label names its interface); -U/-A: the holder
 * of what is announced; else the route's. *routed: route is the kernel's route to
 * TARGET. */
static int choose_iface(struct ping_cmd *c, struct nl_route *route, bool *routed)
{
	char text[IPADDR_STRLEN];
	int status;

	*routed = false;
	if (c->ifname || c->zone) {
		status = named_iface(c, &c->iface);
		*routed = status == 0 && route_to_target(c, c->iface->ifindex, route) == 0;
		return status;
	}
	if (is_ipv6(c) && ipv6_is_link_local(&c->target.v6)) {
		cli_error(CMD, "%s is link-local: it names no link by itself; give the interface "
			       "with -I IF or as %s%%IF", ipaddr_format(&c->target, text), text);
		return EXIT_TROUBLE;
	}
	if (is_unsolicited(c->cfg.mode))
		return iface_holding_source(c);
	status = iface_by_route(c, route);
	*routed = status == 0;
	return status;
}

/*
 * An IPv6 source must be usable now (RFC 4862 5.4: never a tentative address; a
 * dadfailed one belongs to someone else) and, when our MAC goes with it (a
 * solicitation's source option), not optimistic (RFC 4429 3.3: that could take the
 * address from its owner's neighbours). An NA for an optimistic address goes out
 * without Override instead.
 */
static int check_ipv6_source(struct ping_cmd *c, const struct nl_addr *held)
{
	char text[IPADDR_STRLEN];
	bool na = c->cfg.mode != ARPING_MODE_PING && ipaddr_equal(&c->source, &c->target);

	ipaddr_format(&c->source, text);
	switch (nl_addr_state(held)) {
	case NL_ADDR_DADFAILED:
		cli_error(CMD, "%s failed duplicate address detection on %s: another node holds "
			       "it", text, c->iface->name);
		return EXIT_TROUBLE;
	case NL_ADDR_TENTATIVE:
		cli_error(CMD, "%s is tentative on %s (duplicate address detection is still "
			       "running); it may not be used or announced until it is over", text,
			  c->iface->name);
		return EXIT_TROUBLE;
	case NL_ADDR_OPTIMISTIC:
		if (!na) {
			cli_error(CMD, "%s is optimistic on %s (RFC 4429): a solicitation from it "
				       "with this host's MAC could take it from its owner; wait "
				       "until duplicate address detection is over", text,
				  c->iface->name);
			return EXIT_TROUBLE;
		}
		c->cfg.na_flags &= (uint8_t)~NDP_NA_OVERRIDE;
		break;
	case NL_ADDR_DEPRECATED:
	case NL_ADDR_READY:
	default:
		break;
	}
	return 0;
}

/* The NA's Router flag follows the interface: a router's NA without it makes every
 * neighbour drop it from its default router list (RFC 4861 7.2.5). */
static int set_router_flag(struct ping_cmd *c)
{
	bool forwards = false;
	int err = sysctl_ipv6_forwarding(SYSCTL_CONF6_ROOT, c->iface->name, &forwards);

	if (err) {
		cli_error(CMD, "cannot read net.ipv6.conf.%s.forwarding (for the Router flag): %s",
			  c->iface->name, strerror(-err));
		return EXIT_TROUBLE;
	}
	if (forwards)
		c->cfg.na_flags |= NDP_NA_ROUTER;
	return 0;
}

static int choose_unsolicited_source(struct ping_cmd *c)
{
	const struct nl_addr *held;

	if (!c->source_given)
		c->source = c->target;
	held = netsel_held(&c->net, c->iface->ifindex, &c->source);
	if (!held) {
		refuse_hijack(&c->source, c->iface->name);
		return EXIT_TROUBLE;
	}
	if (!is_ipv6(c))
		return 0;
	if (check_ipv6_source(c, held))
		return EXIT_TROUBLE;
	return set_router_flag(c);
}

/* The target learns SOURCE -> our MAC from the request: -S must be ours. */
static int check_given_source(struct ping_cmd *c)
{
	char text[IPADDR_STRLEN];
	const struct nl_addr *held;
	bool link_local = is_ipv6(c) && ipv6_is_link_local(&c->source.v6);

	if (ipaddr_is_unspecified(&c->source))
		return 0; /* 0.0.0.0: IPv4 only (parse_options) */
	ipaddr_format(&c->source, text);
	/* A link-local source is an address of this link only. */
	held = netsel_held(&c->net, link_local ? c->iface->ifindex : 0, &c->source);
	if (!held) {
		cli_error(CMD, "-S %s is not an address of this host%s%s; a %s from it would "
			       "point TARGET's %s entry for it at this host (use %sone of this "
			       "host's addresses)", text,
			  link_local ? " on " : "", link_local ? c->iface->name : "",
			  is_ipv6(c) ? "solicitation" : "request",
			  is_ipv6(c) ? "neighbour" : "ARP", is_ipv6(c) ? "" : "0.0.0.0 or ");
		return EXIT_TROUBLE;
	}
	if (is_ipv6(c) && ipv6_is_link_local(&c->target.v6) && !link_local) {
		cli_error(CMD, "-S %s is not link-local: a link-local TARGET is asked from a "
			       "link-local address of %s (RFC 6724 scope)", text, c->iface->name);
		return EXIT_TROUBLE;
	}
	return is_ipv6(c) ? check_ipv6_source(c, held) : 0;
}

static int choose_ping_source(struct ping_cmd *c, const struct nl_route *route)
{
	const struct nl_addr *held;

	if (c->source_given)
		return check_given_source(c);
	c->source = netsel_default_source(&c->net, c->iface->ifindex, &c->target, route);
	if (!is_ipv6(c))
		return 0;
	held = netsel_held(&c->net, c->iface->ifindex, &c->source);
	if (!held) {
		/* No usable address there: a question from :: would be a DAD probe. */
		cli_error(CMD, "%s has no usable IPv6 address to ask from%s (-D asks from ::)",
			  c->iface->name, ipv6_is_link_local(&c->target.v6)
			  ? " (a link-local TARGET needs a link-local one)" : "");
		return EXIT_TROUBLE;
	}
	return check_ipv6_source(c, held);
}

static int choose_source(struct ping_cmd *c, const struct nl_route *route)
{
	switch (c->cfg.mode) {
	case ARPING_MODE_DAD:
		c->source = ipaddr_any(c->target.family);
		return 0;
	case ARPING_MODE_UNSOLICITED_REQUEST:
	case ARPING_MODE_UNSOLICITED_REPLY:
		return choose_unsolicited_source(c);
	case ARPING_MODE_PING:
	default:
		return choose_ping_source(c, route);
	}
}

static int select_network(struct ping_cmd *c)
{
	struct nl_route route;
	bool routed;
	int status = cli_read_network(CMD, &c->nl, &c->net, NL_LINKS | NL_ADDRS |
					   (is_ipv6(c) ? NL_IPV6 : NL_IPV4));

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

/* DAD's random waits (RFC 5227) and nonce (RFC 7527): from the kernel, else from
 * the clock. */
static void draw_dad_schedule(struct arping_config *cfg)
{
	if (getrandom(cfg->draws, sizeof(cfg->draws), 0) != (ssize_t)sizeof(cfg->draws))
		for (unsigned i = 0; i < ARPING_DAD_MAX_PROBES; i++)
			cfg->draws[i] = (uint32_t)((now_ns() + i) * 2654435761u >> 7);
	if (getrandom(cfg->nonce, sizeof(cfg->nonce), 0) != (ssize_t)sizeof(cfg->nonce))
		for (unsigned i = 0; i < NDP_NONCE_LEN; i++)
			cfg->nonce[i] = (uint8_t)(cfg->draws[i] ^ (now_ns() >> (8 * i)));
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
	err = arping_run_join(c->run);
	if (err) {
		cli_error(CMD, "cannot listen to the multicast groups of %s on %s: %s",
			  QUOTE(c->target_text), c->iface->name, strerror(-err));
		return EXIT_TROUBLE;
	}
	out_init(&c->out, stdout, c->json ? OUT_JSON : OUT_TEXT);
	c->view = (struct ping_view){
		.out = &c->out,
		.mode = c->cfg.mode,
		.ifname = c->iface->name,
		.self = c->io.mac,
		.na_flags = c->cfg.na_flags,
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
		status = cli_open_link(CMD, &c->io, c->iface->name,
				       is_ipv6(c) ? LINK_FILTER_NDP : LINK_FILTER_ARP);
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
