/* arpkit ping: who answers for an address (all of them), is it free (RFC 5227 DAD),
 * and the unsolicited ARP that iputils arping scripts send. */
#include <errno.h>
#include <getopt.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "arping.h"
#include "caps.h"
#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "frame.h"
#include "link.h"
#include "netlink.h"
#include "number.h"
#include "output.h"
#include "vendor.h"

#define CMD "ping"
#define DEFAULT_INTERVAL_NS NS_PER_SEC
#define MIN_LINGER_NS NS_PER_SEC          /* the last request gets at least this long */
#define SETTLE_NS (100 * NS_PER_MS)       /* after an answer, time for a second responder */
#define MAX_COUNT 1000000ul
#define MAX_DEADLINE_MS (7ull * 24 * 3600 * 1000)

enum ping_mode {
	MODE_PING,
	MODE_DAD,
	MODE_UNSOLICITED_REQUEST, /* -U */
	MODE_UNSOLICITED_REPLY,   /* -A */
};

struct dad_outcome {
	bool conflict;
	enum arping_verdict kind;
	struct mac mac;
	unsigned seq;
};

struct ping_cmd {
	/* options */
	const char *ifname;
	unsigned long count;          /* 0: unlimited */
	uint64_t deadline_ns;         /* 0: none */
	uint64_t interval_ns;
	bool interval_given, source_given, first_only, json, quiet;
	enum ping_mode mode;
	struct in_addr target, source;
	const char *target_text;

	/* network state */
	struct nl nl;
	struct nl_link iface;
	nl_addr_list addrs;           /* every IPv4 address of the host */
	struct link io;
	struct vendor_db *vendors;

	/* run state */
	struct arping_match match;
	struct arping_tally tally;
	struct arping_clock clock;
	struct arping_dad_plan plan;
	struct dad_outcome dad;
	struct json j;
	bool interrupted;
	uint64_t elapsed_ns;
	struct link_tx tx;
	struct link_rx rx;
};

static const char usage_text[] =
	"Usage: arpkit ping [-I IFACE] [-c COUNT] [-w DEADLINE] [-i INTERVAL] [-S SOURCE]\n"
	"                   [-f] [-D] [-U | -A] [-q] [--json] TARGET\n"
	"\n"
	"Ask who answers for the IPv4 address TARGET with ARP requests (always broadcast,\n"
	"so every holder answers), print each reply with its MAC, vendor and round-trip\n"
	"time, and mark replies from a second MAC as a CONFLICT.\n"
	"\n"
	"  -I, --interface IF  interface (default: the one the route to TARGET uses;\n"
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
	"  -U, --unsolicited   send unsolicited (gratuitous) ARP requests for SOURCE\n"
	"                      (default SOURCE: TARGET, which this host must hold); no\n"
	"                      replies are expected\n"
	"  -A, --advert        the same with ARP replies\n"
	"  -b                  accepted for iputils arping scripts; requests are always\n"
	"                      broadcast anyway\n"
	"  -q, --quiet         print nothing; only the exit status tells\n"
	"      --json          one JSON object per reply, then a summary object\n"
	"  -h, --help          this text\n"
	"\n"
	"Exit status: 0 a reply came (DAD: TARGET is free; -U/-A: sent), 1 no reply\n"
	"(DAD: TARGET is in use), 2 usage or system error (nothing is sent; DAD: also\n"
	"interrupted before it finished).\n"
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

static int parse_options(struct ping_cmd *c, int argc, char **argv)
{
	bool dad = false, unsolicited_request = false, unsolicited_reply = false;
	uint64_t ms;
	int opt;

	c->interval_ns = DEFAULT_INTERVAL_NS;
	while ((opt = getopt_long(argc, argv, "+I:c:w:i:S:s:fDUAbqh", long_options, NULL)) != -1) {
		switch (opt) {
		case 'I':
			c->ifname = optarg;
			break;
		case 'c':
			if (!cli_parse_ulong(CMD, "--count", optarg, 1, MAX_COUNT, &c->count))
				return EXIT_TROUBLE;
			break;
		case 'w':
			if (parse_seconds_ms(optarg, MAX_DEADLINE_MS, &ms) < 0 || ms == 0)
				return cli_usage_error(CMD, "--deadline '%s' is not a number of seconds "
							    "(0.001 to %llu)", optarg,
						       (unsigned long long)(MAX_DEADLINE_MS / 1000));
			c->deadline_ns = ms * NS_PER_MS;
			break;
		case 'i': {
			unsigned long n;

			if (!cli_parse_ulong(CMD, "--interval", optarg, 1, 3600000, &n))
				return EXIT_TROUBLE;
			c->interval_ns = n * NS_PER_MS;
			c->interval_given = true;
			break;
		}
		case 'S':
		case 's':
			if (ipv4_parse(optarg, &c->source) < 0)
				return cli_usage_error(CMD, "invalid source address '%s'", optarg);
			c->source_given = true;
			break;
		case 'f':
			c->first_only = true;
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
	if (ipv4_parse(c->target_text, &c->target) < 0)
		return cli_usage_error(CMD, "invalid target address '%s' (an IPv4 address, as "
					    "192.0.2.10)", c->target_text);
	if (!is_usable_target(c->target))
		return cli_usage_error(CMD, "'%s' cannot be asked for with ARP (unspecified, "
					    "loopback, multicast or broadcast)", c->target_text);
	if (dad && (unsolicited_request || unsolicited_reply))
		return cli_usage_error(CMD, "-D asks whether an address is free; -U/-A claim it: "
					    "choose one");
	/* iputils: -A is -U with replies, so both together mean replies. */
	c->mode = dad ? MODE_DAD
		      : unsolicited_reply ? MODE_UNSOLICITED_REPLY
		      : unsolicited_request ? MODE_UNSOLICITED_REQUEST : MODE_PING;
	if (c->mode == MODE_DAD && c->source_given && c->source.s_addr != 0)
		return cli_usage_error(CMD, "-D probes from 0.0.0.0 (RFC 5227); drop -S");
	if (c->mode == MODE_DAD && c->count > ARPING_DAD_MAX_PROBES)
		return cli_usage_error(CMD, "-D sends at most %d probes", ARPING_DAD_MAX_PROBES);
	if (c->first_only && (c->mode == MODE_UNSOLICITED_REQUEST ||
			      c->mode == MODE_UNSOLICITED_REPLY))
		return cli_usage_error(CMD, "-f waits for a reply; -U/-A expect none");
	return 0;
}

static int load_network_state(struct ping_cmd *c)
{
	int err = nl_open(&c->nl, 0);

	if (!err)
		err = nl_dump_addrs(&c->nl, 0, &c->addrs);
	if (err) {
		cli_error(CMD, "cannot read interfaces and addresses (netlink): %s", strerror(-err));
		return EXIT_TROUBLE;
	}
	return 0;
}

static const struct nl_addr *find_held(const struct ping_cmd *c, int ifindex /* 0: any */,
				       struct in_addr addr)
{
	for (size_t i = 0; i < c->addrs.count; i++) {
		const struct nl_addr *a = &c->addrs.items[i];

		if ((!ifindex || a->ifindex == ifindex) && a->addr.v4.s_addr == addr.s_addr)
			return a;
	}
	return NULL;
}

static int check_iface(const struct nl_link *l, const char *why)
{
	if (!nl_link_is_arp_capable(l)) {
		cli_error(CMD, "interface %s%s does not use ARP (loopback, point-to-point or "
			       "NOARP)", QUOTE(l->name), why);
		return EXIT_TROUBLE;
	}
	if (!(l->flags & IFF_UP)) {
		cli_error(CMD, "interface %s%s is down", QUOTE(l->name), why);
		return EXIT_TROUBLE;
	}
	return 0;
}

static int iface_by_name(struct ping_cmd *c)
{
	int err = nl_get_link_by_name(&c->nl, c->ifname, &c->iface);

	if (err == -ENODEV) {
		cli_error(CMD, "unknown interface %s", QUOTE(c->ifname));
		return EXIT_TROUBLE;
	}
	if (err) {
		cli_error(CMD, "cannot read interface %s: %s", QUOTE(c->ifname), strerror(-err));
		return EXIT_TROUBLE;
	}
	return check_iface(&c->iface, "");
}

static int iface_by_index(struct ping_cmd *c, int ifindex, const char *why)
{
	int err = nl_get_link_by_index(&c->nl, ifindex, &c->iface);

	if (err) {
		cli_error(CMD, "cannot read interface %d: %s", ifindex, strerror(-err));
		return EXIT_TROUBLE;
	}
	return check_iface(&c->iface, why);
}

/* -U/-A announce an address this host holds: the interface is the one holding it. */
static int iface_holding_source(struct ping_cmd *c)
{
	struct in_addr claimed = c->source_given ? c->source : c->target;
	const struct nl_addr *held = find_held(c, 0, claimed);
	char text[IPV4_STRLEN];

	if (!held) {
		cli_error(CMD, "%s is not an address of this host; announcing it would hijack its "
			       "traffic (arpkit announce --force does that on purpose)",
			  ipv4_format(claimed, text));
		return EXIT_TROUBLE;
	}
	return iface_by_index(c, held->ifindex, " (which holds it)");
}

/* The interface the kernel routes TARGET through, if ARP can reach TARGET there. */
static int iface_by_route(struct ping_cmd *c, struct nl_route *route)
{
	char text[IPV4_STRLEN], gw[IPV4_STRLEN];
	struct ipaddr target = ipaddr_v4(c->target);
	int err = nl_route_to(&c->nl, &target, route);

	ipv4_format(c->target, text);
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
	if (route->gateway.v4.s_addr != 0) {
		cli_error(CMD, "%s is not on a local subnet (routed via %s): ARP only reaches "
			       "the local link; name the interface with -I to ask anyway", text,
			  ipv4_format(route->gateway.v4, gw));
		return EXIT_TROUBLE;
	}
	return iface_by_index(c, route->oif, " (the route's)");
}

static bool route_prefsrc_usable(const struct nl_route *route, int ifindex)
{
	return route->oif == ifindex && route->prefsrc.v4.s_addr != 0 && route->type == RTN_UNICAST;
}

/* Default sender IP: our address on TARGET's subnet, else the route's preferred
 * source, else the interface's primary address, else 0.0.0.0. */
static struct in_addr default_source(const struct ping_cmd *c, const struct nl_route *route)
{
	const struct nl_addr *primary = NULL;
	struct in_addr none = {0};

	for (size_t i = 0; i < c->addrs.count; i++) {
		const struct nl_addr *a = &c->addrs.items[i];

		if (a->ifindex != c->iface.ifindex || a->scope == RT_SCOPE_HOST)
			continue;
		if (ipv4_in_subnet(c->target, a->addr.v4, a->prefixlen))
			return a->addr.v4;
		if (!primary && !a->secondary)
			primary = a;
	}
	if (route && route_prefsrc_usable(route, c->iface.ifindex))
		return route->prefsrc.v4;
	return primary ? primary->addr.v4 : none;
}

static int choose_iface_and_source(struct ping_cmd *c)
{
	struct nl_route route;
	struct ipaddr target = ipaddr_v4(c->target);
	bool routed = false;
	char text[IPV4_STRLEN];
	int status;

	memset(&route, 0, sizeof(route));
	if (c->ifname) {
		status = iface_by_name(c);
		routed = status == 0 && nl_route_to(&c->nl, &target, &route) == 0;
	} else if (c->mode == MODE_UNSOLICITED_REQUEST || c->mode == MODE_UNSOLICITED_REPLY) {
		status = iface_holding_source(c);
	} else {
		status = iface_by_route(c, &route);
		routed = status == 0;
	}
	if (status)
		return status;

	switch (c->mode) {
	case MODE_DAD:
		c->source.s_addr = 0;
		break;
	case MODE_UNSOLICITED_REQUEST:
	case MODE_UNSOLICITED_REPLY:
		if (!c->source_given)
			c->source = c->target;
		if (!find_held(c, c->iface.ifindex, c->source)) {
			cli_error(CMD, "%s is not an address of %s; announcing it would hijack its "
				       "traffic (arpkit announce --force does that on purpose)",
				  ipv4_format(c->source, text), c->iface.name);
			return EXIT_TROUBLE;
		}
		break;
	case MODE_PING:
		if (!c->source_given) {
			c->source = default_source(c, routed ? &route : NULL);
		} else if (c->source.s_addr != 0 && !find_held(c, 0, c->source)) {
			/* The target would learn SOURCE -> our MAC from the request. */
			cli_error(CMD, "-S %s is not an address of this host; a request from it "
				       "would point TARGET's ARP entry for it at this host (use "
				       "0.0.0.0 or one of this host's addresses)",
				  ipv4_format(c->source, text));
			return EXIT_TROUBLE;
		}
		break;
	}
	return 0;
}

static void load_vendors(struct ping_cmd *c)
{
	/* Vendors are decoration: without the registry every MAC is "(unknown)". */
	if (!c->quiet && vendor_db_load(&c->vendors, NULL, NULL) < 0)
		c->vendors = NULL;
}

static const char *vendor_of(const struct ping_cmd *c, const struct mac *mac)
{
	return c->vendors ? vendor_lookup(c->vendors, mac) : VENDOR_UNKNOWN;
}

/* "(Acme)" for text output; the registry's own placeholders already have parentheses. */
static const char *vendor_paren(const struct ping_cmd *c, const struct mac *mac, char *buf,
				size_t cap)
{
	const char *v = vendor_of(c, mac);

	if (v[0] == '(')
		return v;
	snprintf(buf, cap, "(%s)", v);
	return buf;
}

static const char *plural(unsigned n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void plan_run(struct ping_cmd *c, uint64_t start)
{
	struct arping_clock *k = &c->clock;

	memset(k, 0, sizeof(*k));
	k->deadline_ns = c->deadline_ns;
	k->count = (unsigned)c->count;
	k->stop_on_reply = c->first_only;
	k->settle_ns = UINT64_MAX;
	if (c->mode == MODE_DAD) {
		uint32_t draws[ARPING_DAD_MAX_PROBES];
		unsigned probes = c->count ? (unsigned)c->count : ARPING_PROBE_NUM;

		if (getrandom(draws, sizeof(draws), 0) != (ssize_t)sizeof(draws))
			for (unsigned i = 0; i < probes; i++)
				draws[i] = (uint32_t)(now_ns() * 2654435761u >> 7);
		arping_dad_plan(&c->plan, probes, c->interval_given ? c->interval_ns : 0,
				c->deadline_ns, draws);
		k->count = probes;
		k->linger_ns = c->plan.end_ns - c->plan.offset_ns[probes - 1];
		arping_clock_start(k, start, start + c->plan.offset_ns[0]);
		return;
	}
	if (c->mode == MODE_PING) {
		k->linger_ns = c->interval_ns > MIN_LINGER_NS ? c->interval_ns : MIN_LINGER_NS;
		k->settle_ns = c->interval_ns < SETTLE_NS ? c->interval_ns : SETTLE_NS;
	}
	arping_clock_start(k, start, start);
}

static size_t build_frame(const struct ping_cmd *c, uint8_t *buf)
{
	struct arp_frame f;

	switch (c->mode) {
	case MODE_DAD:
		arp_make_probe(&f, &c->io.mac, c->target);
		break;
	case MODE_UNSOLICITED_REPLY:
		/* iputils -A: SOURCE is-at our MAC, target IP TARGET, THA = SHA. */
		arp_make_announce_reply(&f, &c->io.mac, c->source);
		f.tpa = c->target;
		break;
	case MODE_UNSOLICITED_REQUEST:
	case MODE_PING:
	default:
		arp_make_request(&f, &c->io.mac, c->source, c->target, &mac_broadcast);
		break;
	}
	return arp_encode(&f, buf, FRAME_MAX);
}

static int send_one(struct ping_cmd *c)
{
	uint8_t *slot = link_tx_slot(&c->tx);
	uint64_t sent_at, next;
	int err;

	link_tx_commit(&c->tx, build_frame(c, slot));
	err = link_tx_flush(&c->io, &c->tx);
	if (err < 0)
		return err;
	/* The RTT starts when the frame has left sendmmsg (veth delivers inside it). */
	sent_at = now_ns();
	if (c->mode == MODE_DAD && c->clock.sent + 1 < c->plan.probes)
		next = c->clock.start_ns + c->plan.offset_ns[c->clock.sent + 1];
	else
		next = sent_at + c->interval_ns;
	arping_clock_sent(&c->clock, sent_at, next);
	return 0;
}

static void print_reply(struct ping_cmd *c, const struct mac *mac, unsigned seq, uint64_t rtt_ns,
			bool conflict, const char *kind)
{
	char ip[IPV4_STRLEN], text[MAC_STRLEN], first[MAC_STRLEN], vendor[128];

	if (c->quiet)
		return;
	ipv4_format(c->target, ip);
	mac_format(mac, text);
	if (c->json) {
		json_object_begin(&c->j, NULL);
		json_string(&c->j, "type", c->mode == MODE_DAD ? "conflict" : "reply");
		json_uint(&c->j, "seq", seq);
		json_string(&c->j, "ip", ip);
		json_string(&c->j, "mac", text);
		json_string(&c->j, "vendor", vendor_of(c, mac));
		json_uint(&c->j, "rtt_us", rtt_ns / NS_PER_US);
		json_bool(&c->j, "conflict", conflict);
		if (kind)
			json_string(&c->j, "kind", kind);
		json_object_end(&c->j);
	} else if (c->mode == MODE_DAD) {
		printf("%s is in use: %s %s %s, %.3f ms after probe %u\n", ip, text,
		       vendor_paren(c, mac, vendor, sizeof(vendor)), kind, ns_to_ms(rtt_ns), seq);
	} else {
		printf("reply from %s at %s %s seq=%u time=%.3f ms", ip, text,
		       vendor_paren(c, mac, vendor, sizeof(vendor)), seq, ns_to_ms(rtt_ns));
		if (conflict)
			printf("  CONFLICT: %s answered first",
			       mac_format(&c->tally.responders[0].mac, first));
		putchar('\n');
	}
	fflush(stdout);
}

static void on_frame(struct ping_cmd *c, const struct link_rx_frame *rxf)
{
	struct arp_frame f;
	enum arping_verdict verdict;
	uint64_t rtt;
	struct arping_seen seen;

	if (arp_decode(rxf->data, rxf->len, &f) < 0)
		return;
	verdict = arping_classify(&c->match, &f);
	/* A reply before our first request answers someone else; but DAD listens from
	 * the start, the random wait included (RFC 5227 2.1.1). */
	if (verdict == ARPING_IGNORE || (verdict == ARPING_REPLY && c->clock.sent == 0))
		return;
	rtt = c->clock.sent && rxf->time_ns > c->clock.last_send_ns
		      ? rxf->time_ns - c->clock.last_send_ns : 0;
	seen = arping_tally_add(&c->tally, &f.sha, c->clock.sent, rtt);
	if (verdict == ARPING_REPLY) {
		arping_clock_answered(&c->clock, rxf->time_ns);
		print_reply(c, &f.sha, c->clock.sent, rtt, seen.conflict, NULL);
		return;
	}
	if (!c->dad.conflict) {
		c->dad.conflict = true;
		c->dad.kind = verdict;
		c->dad.mac = f.sha;
		c->dad.seq = c->clock.sent;
	}
	print_reply(c, &f.sha, c->clock.sent, rtt, true,
		    verdict == ARPING_CLAIM ? "claims it" : "is probing for it too");
}

static int receive(struct ping_cmd *c)
{
	int n;

	/* Bounded: a flood cannot keep us here past a few batches per wake-up. */
	for (int round = 0; round < 16; round++) {
		n = link_rx_read(&c->io, &c->rx);
		if (n <= 0)
			return n;
		for (unsigned i = 0; i < c->rx.count; i++)
			on_frame(c, &c->rx.frame[i]);
		if (n < LINK_BATCH)
			return 0;
	}
	return 0;
}

static void print_header(const struct ping_cmd *c)
{
	char target[IPV4_STRLEN], source[IPV4_STRLEN], mac[MAC_STRLEN];

	if (c->quiet || c->json)
		return;
	ipv4_format(c->target, target);
	ipv4_format(c->source, source);
	mac_format(&c->io.mac, mac);
	switch (c->mode) {
	case MODE_DAD:
		printf("DAD %s on %s (%s): %u probe%s from 0.0.0.0 over %.1f s\n", target,
		       c->iface.name, mac, c->plan.probes, c->plan.probes == 1 ? "" : "s",
		       ns_to_ms(c->plan.end_ns) / 1000.0);
		break;
	case MODE_UNSOLICITED_REQUEST:
	case MODE_UNSOLICITED_REPLY:
		printf("UNSOLICITED ARP %s: %s is-at %s on %s\n",
		       c->mode == MODE_UNSOLICITED_REPLY ? "replies" : "requests", source, mac,
		       c->iface.name);
		break;
	case MODE_PING:
		printf("ARPING %s from %s %s (%s)\n", target, source, c->iface.name, mac);
		break;
	}
	fflush(stdout);
}

static int run(struct ping_cmd *c)
{
	sigset_t stops, unblocked;
	struct pollfd pfd;
	uint64_t start, now, wake = 0;
	int err = 0;

	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	/* Blocked except inside ppoll, so a Ctrl-C can never slip in between the flag
	 * check and the wait. */
	sigprocmask(SIG_BLOCK, &stops, &unblocked);
	cli_catch_signals(NULL);

	c->match.target = c->target;
	c->match.source = c->source;
	c->match.self = c->io.mac;
	c->match.dad = c->mode == MODE_DAD;
	arping_tally_init(&c->tally);
	json_init(&c->j, stdout);
	start = now_ns();
	plan_run(c, start);
	print_header(c);

	pfd.fd = c->io.fd;
	pfd.events = POLLIN;
	while (!cli_stop_signal && !c->dad.conflict) {
		struct timespec ts;
		uint64_t wait;
		enum arping_step step;

		now = now_ns();
		step = arping_clock_step(&c->clock, now, &wake);
		if (step == ARPING_DONE)
			break;
		if (step == ARPING_SEND) {
			err = send_one(c);
			if (err < 0)
				break;
			continue;
		}
		wait = wake > now ? wake - now : 0;
		ts.tv_sec = (time_t)(wait / NS_PER_SEC);
		ts.tv_nsec = (long)(wait % NS_PER_SEC);
		if (ppoll(&pfd, 1, &ts, &unblocked) < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (pfd.revents & (POLLERR | POLLNVAL)) {
			err = -EIO;
			break;
		}
		if (pfd.revents & POLLIN) {
			err = receive(c);
			if (err < 0)
				break;
		}
	}
	c->elapsed_ns = now_ns() - start;
	c->interrupted = cli_stop_signal != 0;
	sigprocmask(SIG_SETMASK, &unblocked, NULL);
	if (err < 0) {
		cli_error(CMD, "%s on %s failed: %s", c->clock.sent ? "receiving" : "sending",
			  c->iface.name, strerror(-err));
		return EXIT_TROUBLE;
	}
	return 0;
}

static void json_responders(struct ping_cmd *c)
{
	char mac[MAC_STRLEN];

	json_array_begin(&c->j, "responders");
	for (unsigned i = 0; i < c->tally.responder_count; i++) {
		const struct arping_responder *r = &c->tally.responders[i];

		json_object_begin(&c->j, NULL);
		json_string(&c->j, "mac", mac_format(&r->mac, mac));
		json_string(&c->j, "vendor", vendor_of(c, &r->mac));
		json_uint(&c->j, "count", r->count);
		json_uint(&c->j, "first_seq", r->first_seq);
		json_bool(&c->j, "conflict", i > 0 || c->mode == MODE_DAD);
		json_object_end(&c->j);
	}
	json_array_end(&c->j);
}

static void json_rtt(struct json *j, const char *key, bool have, uint64_t ns)
{
	if (have)
		json_uint(j, key, ns / NS_PER_US);
	else
		json_null(j, key);
}

static const char *mode_name(enum ping_mode mode)
{
	switch (mode) {
	case MODE_DAD: return "dad";
	case MODE_UNSOLICITED_REQUEST: return "unsolicited-request";
	case MODE_UNSOLICITED_REPLY: return "unsolicited-reply";
	case MODE_PING: default: return "ping";
	}
}

static void report_json(struct ping_cmd *c)
{
	char text[IPV4_STRLEN];
	bool have = c->tally.received > 0;

	json_object_begin(&c->j, NULL);
	json_string(&c->j, "type", "summary");
	json_string(&c->j, "mode", mode_name(c->mode));
	json_string(&c->j, "ip", ipv4_format(c->target, text));
	json_string(&c->j, "source", ipv4_format(c->source, text));
	json_string(&c->j, "interface", c->iface.name);
	json_uint(&c->j, "sent", c->clock.sent);
	json_uint(&c->j, "received", c->tally.received);
	json_bool(&c->j, "conflict", c->mode == MODE_DAD ? c->dad.conflict
							 : arping_tally_conflict(&c->tally));
	if (c->mode == MODE_DAD)
		json_bool(&c->j, "free", !c->dad.conflict && !c->interrupted);
	json_rtt(&c->j, "rtt_min_us", have, c->tally.rtt_min_ns);
	json_rtt(&c->j, "rtt_avg_us", have, arping_tally_rtt_avg_ns(&c->tally));
	json_rtt(&c->j, "rtt_max_us", have, c->tally.rtt_max_ns);
	json_double(&c->j, "elapsed_ms", ns_to_ms(c->elapsed_ns), 3);
	json_bool(&c->j, "interrupted", c->interrupted);
	json_responders(c);
	json_object_end(&c->j);
}

static void report_text(const struct ping_cmd *c)
{
	char ip[IPV4_STRLEN], mac[MAC_STRLEN], vendor[128];
	const struct arping_tally *t = &c->tally;

	ipv4_format(c->target, ip);
	if (c->mode == MODE_UNSOLICITED_REQUEST || c->mode == MODE_UNSOLICITED_REPLY) {
		printf("%u unsolicited ARP %s sent for %s on %s\n", c->clock.sent,
		       c->mode == MODE_UNSOLICITED_REPLY ? "replies" : "requests",
		       ipv4_format(c->source, ip), c->iface.name);
		return;
	}
	printf("--- %s %s on %s%s ---\n", ip, c->mode == MODE_DAD ? "duplicate address check"
							     : "ARP ping",
	       c->iface.name, c->interrupted ? " (interrupted)" : "");
	printf("%u %s sent, %u %s received from %u %s", t->sent,
	       c->mode == MODE_DAD ? plural(t->sent, "probe", "probes")
				   : plural(t->sent, "request", "requests"),
	       t->received,
	       c->mode == MODE_DAD ? plural(t->received, "answer", "answers")
				   : plural(t->received, "reply", "replies"),
	       t->responder_count, plural(t->responder_count, "responder", "responders"));
	if (c->mode == MODE_PING && arping_tally_conflict(t))
		printf(": CONFLICT, %s is answered by more than one MAC", ip);
	putchar('\n');
	for (unsigned i = 0; i < t->responder_count; i++) {
		const struct arping_responder *r = &t->responders[i];

		printf("  %s  %u %s, first at seq %u  %s%s\n", mac_format(&r->mac, mac), r->count,
		       plural(r->count, "reply", "replies"), r->first_seq,
		       vendor_paren(c, &r->mac, vendor, sizeof(vendor)),
		       i > 0 && c->mode == MODE_PING ? "  CONFLICT" : "");
	}
	if (t->dropped_responders)
		printf("  ... and %u more MACs\n", t->dropped_responders);
	if (c->mode == MODE_DAD) {
		if (c->dad.conflict) {
			printf("%s is in use by %s", ip, mac_format(&c->dad.mac, mac));
			for (unsigned i = 0; i < t->responder_count; i++)
				if (!mac_equal(&t->responders[i].mac, &c->dad.mac))
					printf(", %s", mac_format(&t->responders[i].mac, mac));
			putchar('\n');
		}
		else if (c->interrupted)
			printf("%s: check interrupted, not known to be free\n", ip);
		else
			printf("%s is free on %s\n", ip, c->iface.name);
	} else if (t->received) {
		printf("rtt min/avg/max = %.3f/%.3f/%.3f ms\n", ns_to_ms(t->rtt_min_ns),
		       ns_to_ms(arping_tally_rtt_avg_ns(t)), ns_to_ms(t->rtt_max_ns));
	}
}

static int exit_status(const struct ping_cmd *c)
{
	switch (c->mode) {
	case MODE_DAD:
		if (c->dad.conflict)
			return EXIT_NEGATIVE;
		return c->interrupted ? EXIT_TROUBLE : EXIT_OK;
	case MODE_UNSOLICITED_REQUEST:
	case MODE_UNSOLICITED_REPLY:
		return EXIT_OK;
	case MODE_PING:
	default:
		return c->tally.received ? EXIT_OK : EXIT_NEGATIVE;
	}
}

static int report(struct ping_cmd *c)
{
	c->tally.sent = c->clock.sent;
	if (!c->quiet) {
		if (c->json)
			report_json(c);
		else
			report_text(c);
	}
	return cli_finish_output(CMD, exit_status(c));
}

static int open_and_run(struct ping_cmd *c)
{
	/* Everything is checked; only now ask for the privilege and open the socket. */
	int status = cli_require_caps(CMD, CAPS_NET_RAW);

	if (status == 0)
		status = cli_open_link(CMD, &c->io, c->iface.name, LINK_FILTER_ARP);
	if (status == 0)
		status = cli_limit_caps(CMD, CAPS_NONE);
	if (status == 0)
		status = run(c);
	if (status == 0)
		status = report(c);
	return status;
}

static void cleanup(struct ping_cmd *c)
{
	link_close(&c->io);
	if (c->vendors)
		vendor_db_free(c->vendors);
	free(c->addrs.items);
	if (c->nl.sock)
		nl_close(&c->nl);
}

int cmd_ping(int argc, char **argv)
{
	/* The receive batch is ~100 KiB: on the heap, not the stack. */
	struct ping_cmd *c = calloc(1, sizeof(*c));
	int status;

	if (!c) {
		cli_error(CMD, "out of memory");
		return EXIT_TROUBLE;
	}
	link_init(&c->io);
	status = parse_options(c, argc, argv);
	if (status < 0) {
		free(c);
		return EXIT_OK;
	}
	if (status == 0)
		status = load_network_state(c);
	if (status == 0)
		status = choose_iface_and_source(c);
	if (status == 0) {
		load_vendors(c);
		status = open_and_run(c);
	}
	cleanup(c);
	free(c);
	return status;
}
