/* arpkit scan: find every host on the wire, with vendors and conflicts. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "capwriter.h"
#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "netlink.h"
#include "output.h"
#include "rxring.h"
#include "scan.h"
#include "scan_out.h"
#include "targets.h"
#include "txring.h"
#include "vendor.h"

#define CMD "scan"
#define DEFAULT_RATE 2000
#define DEFAULT_RETRIES 2
#define DEFAULT_TIMEOUT_MS 400
#define PROGRESS_AFTER_NS NS_PER_SEC
#define PROGRESS_TICK_NS (200 * NS_PER_MS)
/* Small blocks: a reply is seen once its block is handed over, and --rate max
 * paces itself on replies (at most 384 in flight, ~30 replies fill a page). */
#define SCAN_RX_BLOCK_SIZE 4096u
#define SCAN_RX_RING_BYTES (4u << 20)
#define SCAN_RX_RETIRE_MS 1
#define SCAN_RING_MIN_TARGETS 1024

struct scan_cmd {
	const char *ifname;
	const char *vendor_pattern;
	const char *vendor_file;
	const char *pcap_path;
	bool localnet, json, stream, quiet;
	int family;                  /* AF_UNSPEC (both), or -4 / -6 */
	struct ipaddr source4, source6; /* -s, of either family; AF_UNSPEC when not given */
	bool scan4, scan6;           /* the families this scan asks (decided with the targets) */
	bool discover6;              /* --localnet over IPv6: echo to ff02::1, NS/NA heard */
	struct scan_config cfg;
	char **target_args;
	int target_arg_count;
	const char *target_files[16];
	unsigned target_file_count;

	struct targets targets;
	struct nl nl;
	struct nl_snapshot net;
	const struct nl_link *link; /* into net */
	struct link io;
	struct txring tx_ring;
	struct rxring rx_ring;
	struct vendor_db *vendors;
	struct capwriter *pcap;
	int pcap_err;
	uint64_t realtime_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC, for pcap stamps */
	struct out out;
	bool progress_shown;
	uint32_t shown;
	struct mac vendor_mac;       /* the last MAC looked up, and its vendor: */
	const char *vendor_name;     /* replies come in runs of one MAC (a proxy) */
};

static const char usage_text[] =
	"Usage: arpkit scan [-I IFACE] [--localnet] [TARGET...] [-f FILE] [OPTIONS]\n"
	"\n"
	"Ask every target address who holds it, over ARP (IPv4) or Neighbor Discovery\n"
	"(IPv6), and list the answers with the maker of each MAC. An address answered by\n"
	"more than one MAC is a conflict.\n"
	"\n"
	"  TARGET             A.B.C.D, a block A.B.C.D/N (every address in it) or a\n"
	"                     range A.B.C.D-E.F.G.H; IPv6 the same way (2001:db8::10,\n"
	"                     2001:db8::/112, 2001:db8::1-2001:db8::ff), at most 65,536\n"
	"                     addresses an item; duplicates and overlaps count once\n"
	"  -f, --file FILE    read targets from FILE ('-' for stdin): blank-separated,\n"
	"                     '#' starts a comment; bad items are reported (10 per\n"
	"                     file, then a count); lines up to 64 KiB, files 64 MiB\n"
	"  -l, --localnet     every IPv4 subnet configured on the interface, and its IPv6\n"
	"                     hosts: those that answer an echo to ff02::1 (all nodes)\n"
	"                     and every address heard in Neighbor Discovery meanwhile\n"
	"  -4, -6             IPv4 or IPv6 only (default: the families of the targets;\n"
	"                     --localnet both, IPv6 where the interface has it)\n"
	"  -I, --interface IF the interface (default: the default route's; without one,\n"
	"                     the only interface using ARP with an address of the family)\n"
	"  -s, --source ADDR  sender address of its family (default: the interface's\n"
	"                     address for the first target, 0.0.0.0 for ARP if it has\n"
	"                     none; IPv6: a link-local one for link-local targets)\n"
	"      --rate PPS     frames per second (default 2000), or 'max': as fast as\n"
	"                     the link takes, at most 384 requests in flight\n"
	"      --retry N      ask silent targets again, up to N more times (default 2)\n"
	"      --timeout MS   per target, the wait after each request before it is asked\n"
	"                     again or given up (default 400): a silent target is asked\n"
	"                     at 0, 400 and 800 ms and has 1200 ms in all to answer\n"
	"      --vlan ID      tag requests with 802.1Q VLAN ID (1-4094) on a trunk, and\n"
	"                     accept only replies tagged with it\n"
	"      --vendor PAT   show only replies whose vendor contains PAT (any case)\n"
	"      --vendor-file FILE  vendor overrides: 'PREFIX NAME' lines, e.g.\n"
	"                     'b8:27:eb Pi' or '00:11:22:33:44:55/48 web-1'\n"
	"      --stream       print each reply as it arrives instead of sorted at the end\n"
	"      --json         one JSON object per reply: ip, mac, vendor, rtt_ms, conflict,\n"
	"                     family (\"ipv4\" or \"ipv6\")\n"
	"      --write FILE   save every frame sent and received as a pcap file\n"
	"  -q, --quiet        no summary or progress on stderr\n"
	"  -h, --help         this text\n"
	"\n"
	"Output: one line per reply, 'IP<TAB>MAC<TAB>VENDOR' (IPv4 first, IPv6 in RFC 5952\n"
	"form), with a fourth field 'CONFLICT' on every line of an address more than one\n"
	"MAC answered. Only silent targets are asked again; the scan ends once every\n"
	"target answered (and, with --localnet over IPv6, the last echo's timeout is\n"
	"over) or the last request's timeout is over. A summary goes to stderr.\n"
	"Exit status: 0 the scan completed (whatever the number of replies), 2 usage or\n"
	"system error (bad input: nothing is sent), or interrupted.\n";

enum {
	OPT_RATE = 256, OPT_RETRY, OPT_TIMEOUT, OPT_VLAN, OPT_VENDOR, OPT_VENDOR_FILE,
	OPT_STREAM, OPT_JSON, OPT_WRITE,
};

static const struct option long_options[] = {
	{"interface", required_argument, NULL, 'I'},
	{"file", required_argument, NULL, 'f'},
	{"localnet", no_argument, NULL, 'l'},
	{"ipv4", no_argument, NULL, '4'},
	{"ipv6", no_argument, NULL, '6'},
	{"source", required_argument, NULL, 's'},
	{"rate", required_argument, NULL, OPT_RATE},
	{"retry", required_argument, NULL, OPT_RETRY},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"vlan", required_argument, NULL, OPT_VLAN},
	{"vendor", required_argument, NULL, OPT_VENDOR},
	{"vendor-file", required_argument, NULL, OPT_VENDOR_FILE},
	{"stream", no_argument, NULL, OPT_STREAM},
	{"json", no_argument, NULL, OPT_JSON},
	{"write", required_argument, NULL, OPT_WRITE},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int parse_options(struct scan_cmd *c, int argc, char **argv)
{
	unsigned long n;
	int opt, family;

	c->cfg.rate = DEFAULT_RATE;
	c->cfg.retries = DEFAULT_RETRIES;
	c->cfg.timeout_ns = DEFAULT_TIMEOUT_MS * NS_PER_MS;
	c->cfg.vlan = VLAN_NONE;
	c->family = AF_UNSPEC;
	while ((opt = getopt_long(argc, argv, "I:f:l46s:qh", long_options, NULL)) != -1) {
		switch (opt) {
		case 'I':
			c->ifname = optarg;
			break;
		case 'f':
			if (c->target_file_count == sizeof(c->target_files) / sizeof(c->target_files[0]))
				return cli_usage_error(CMD, "too many -f files");
			c->target_files[c->target_file_count++] = optarg;
			break;
		case 'l':
			c->localnet = true;
			break;
		case '4':
		case '6':
			family = opt == '4' ? AF_INET : AF_INET6;
			if (c->family != AF_UNSPEC && c->family != family)
				return cli_usage_error(CMD, "-4 and -6 exclude each other");
			c->family = family;
			break;
		case 's': {
			struct ipaddr a;

			if (ipaddr_parse(optarg, AF_UNSPEC, &a) < 0 ||
			    (a.family == AF_INET6 && ipaddr_is_unspecified(&a)))
				return cli_usage_error(CMD, "invalid --source address %s",
						       QUOTE(optarg));
			if ((a.family == AF_INET ? c->source4 : c->source6).family != AF_UNSPEC)
				return cli_usage_error(CMD, "one --source address per family");
			*(a.family == AF_INET ? &c->source4 : &c->source6) = a;
			break;
		}
		case OPT_RATE:
			if (!strcmp(optarg, "max"))
				c->cfg.rate = 0;
			else if (!cli_parse_ulong(CMD, "--rate", optarg, 1, 100000000, &n))
				return EXIT_TROUBLE;
			else
				c->cfg.rate = n;
			break;
		case OPT_RETRY:
			if (!cli_parse_ulong(CMD, "--retry", optarg, 0, 10, &n))
				return EXIT_TROUBLE;
			c->cfg.retries = (unsigned)n;
			break;
		case OPT_TIMEOUT:
			if (!cli_parse_ulong(CMD, "--timeout", optarg, 1, 600000, &n))
				return EXIT_TROUBLE;
			c->cfg.timeout_ns = n * NS_PER_MS;
			break;
		case OPT_VLAN:
			if (!cli_parse_ulong(CMD, "--vlan", optarg, 1, 4094, &n))
				return EXIT_TROUBLE;
			c->cfg.vlan = (int)n;
			break;
		case OPT_VENDOR:
			c->vendor_pattern = optarg;
			break;
		case OPT_VENDOR_FILE:
			c->vendor_file = optarg;
			break;
		case OPT_STREAM:
			c->stream = true;
			break;
		case OPT_JSON:
			c->json = true;
			break;
		case OPT_WRITE:
			c->pcap_path = optarg;
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
	c->target_args = argv + optind;
	c->target_arg_count = argc - optind;
	return 0;
}

static const char *target_error_text(int err)
{
	switch (err) {
	case -ERANGE:
		return "the range ends before it starts";
	case -E2BIG:
		return "more addresses than a scan takes (a /8 at most)";
	case -EMSGSIZE:
		return "an IPv6 block or range holds at most 65,536 addresses (a /112); --localnet "
		       "finds the IPv6 hosts of a whole link without going through its prefix";
	case -EADDRNOTAVAIL:
		return "no neighbour holds it (an IPv6 address in ::/64, such as ::1 or an "
		       "IPv4-mapped one, or multicast)";
	default:
		return "not an address, an ADDRESS/N block or an ADDRESS-ADDRESS range (IPv4 "
		       "A.B.C.D or IPv6)";
	}
}

/* A file full of junk gets this many lines of it, then one line with the count. */
#define BAD_TARGETS_SHOWN 10

struct file_context {
	const char *name;
	unsigned bad;
};

static void report_bad_line(void *ctx, unsigned line, const char *item, int err)
{
	struct file_context *f = ctx;

	if (f->bad++ < BAD_TARGETS_SHOWN)
		cli_error(CMD, "%s:%u: invalid target %s: %s", f->name, line, QUOTE(item),
			  target_error_text(err));
}

static int read_target_file(struct scan_cmd *c, const char *path)
{
	struct file_context ctx = {.name = strcmp(path, "-") ? path : "(stdin)"};
	struct line_reader in;
	char why[64];
	int err = 0;

	if (strcmp(path, "-"))
		err = line_reader_open(&in, path, TARGETS_LINE_MAX, TARGETS_FILE_MAX);
	else
		line_reader_init(&in, stdin, TARGETS_LINE_MAX, TARGETS_FILE_MAX);
	if (err) {
		cli_error(CMD, "cannot read target file %s: %s", QUOTE(path), strerror(-err));
		return EXIT_TROUBLE;
	}
	err = targets_read(&c->targets, &in, report_bad_line, &ctx);
	if (err && err != -EINVAL && err != -ENOMEM) {
		if (in.line > 0 && err != -EFBIG && err != -EISDIR)
			cli_error(CMD, "%s:%u: %s", ctx.name, in.line,
				  line_reader_error(&in, err, why, sizeof(why)));
		else
			cli_error(CMD, "cannot read target file %s: %s", QUOTE(path),
				  line_reader_error(&in, err, why, sizeof(why)));
	}
	line_reader_free(&in);
	if (ctx.bad > BAD_TARGETS_SHOWN)
		cli_error(CMD, "%s: %u more invalid targets not shown (%u in all)", ctx.name,
			  ctx.bad - BAD_TARGETS_SHOWN, ctx.bad);
	if (err == -ENOMEM)
		cli_error(CMD, "reading target file %s: %s", QUOTE(path), strerror(ENOMEM));
	return err ? EXIT_TROUBLE : 0;
}

/* Command-line and file targets: all syntax is checked before anything else. */
static int parse_targets(struct scan_cmd *c)
{
	targets_init(&c->targets);
	for (int i = 0; i < c->target_arg_count; i++) {
		int err = targets_add_spec(&c->targets, c->target_args[i]);

		if (err == -ENOMEM)
			return EXIT_TROUBLE;
		if (err)
			return cli_usage_error(CMD, "invalid target %s: %s", QUOTE(c->target_args[i]),
					       target_error_text(err));
	}
	for (unsigned i = 0; i < c->target_file_count; i++) {
		int status = read_target_file(c, c->target_files[i]);

		if (status)
			return status;
	}
	if (!c->target_arg_count && !c->target_file_count && !c->localnet)
		return cli_usage_error(CMD, "no targets (give addresses, -f FILE or --localnet)");
	if (c->targets.range_count == 0 && !c->localnet) {
		if (c->target_file_count == 1)
			cli_error(CMD, "no targets: %s holds no address", QUOTE(c->target_files[0]));
		else
			cli_error(CMD, "no targets: the target files hold no address");
		return EXIT_TROUBLE;
	}
	return 0;
}

/* The family the interface must have an address of: IPv4 when the scan asks IPv4. */
static int link_family(const struct scan_cmd *c)
{
	return c->scan4 ? AF_INET : AF_INET6;
}

static const char *family_name(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

/*
 * No default route (a lab, an isolated segment): as arp-scan does, the only interface
 * that could be scanned, one that uses ARP, is up and has an address of the family
 * (IPv4, or IPv6 for an IPv6-only scan), and say which. Several are refused with their
 * names: a scan never guesses a network.
 */
static int choose_sole_link(struct scan_cmd *c)
{
	enum { NAMES_SHOWN = 8 };
	const struct nl_link *found[NAMES_SHOWN];
	char names[NAMES_SHOWN * (IF_NAMESIZE + 2) + sizeof(", ...")] = "";
	const char *family = family_name(link_family(c));
	unsigned need = NETSEL_NEED_UP | (c->scan4 ? NETSEL_NEED_IPV4 : NETSEL_NEED_IPV6);
	size_t count = netsel_arp_links(&c->net, need, found, NAMES_SHOWN), used = 0;

	if (count == 0) {
		cli_error(CMD, "no default route to take the interface from, and no interface "
			  "using ARP has an %s address; name one with -I", family);
		return EXIT_TROUBLE;
	}
	if (count > 1) {
		for (size_t i = 0; i < count && i < NAMES_SHOWN; i++)
			used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
						 i ? ", " : "", found[i]->name);
		if (count > NAMES_SHOWN)
			snprintf(names + used, sizeof(names) - used, ", ...");
		cli_error(CMD, "no default route, and %zu interfaces could be scanned (%s); name one "
			  "with -I", count, names);
		return EXIT_TROUBLE;
	}
	if (!c->quiet)
		cli_error(CMD, "note: no default route; scanning on %s, the only interface using "
			  "ARP with an %s address", found[0]->name, family);
	c->link = found[0];
	return 0;
}

/* -I, else the default route's interface (of the scan's first family, else of the
 * other), else the only one that could be meant. */
static int choose_interface(struct scan_cmd *c)
{
	int family = link_family(c), ifindex;

	if (c->ifname)
		return cli_select_link(CMD, &c->net, c->ifname, NETSEL_NEED_UP, &c->link);
	ifindex = netsel_default_ifindex(&c->net, family);
	if (!ifindex && c->scan4 && c->scan6)
		ifindex = netsel_default_ifindex(&c->net, AF_INET6);
	if (!ifindex)
		return choose_sole_link(c);
	c->link = netsel_link_by_index(&c->net, ifindex);
	return cli_check_link(CMD, &c->net, c->link, NETSEL_NEED_UP, NULL);
}

/*
 * The families asked: those of the targets given; --localnet adds IPv4 (its subnets)
 * and IPv6 (discovery, where the interface has IPv6: decided in add_localnet); -4 and
 * -6 restrict, and a target of the other family is then an error.
 */
static int choose_families(struct scan_cmd *c)
{
	bool listed4 = targets_has_family(&c->targets, AF_INET);
	bool listed6 = targets_has_family(&c->targets, AF_INET6);

	if ((c->family == AF_INET && listed6) || (c->family == AF_INET6 && listed4))
		return cli_usage_error(CMD, "-%c, but %s targets are given",
				       c->family == AF_INET ? '4' : '6',
				       family_name(c->family == AF_INET ? AF_INET6 : AF_INET));
	c->scan4 = listed4 || (c->localnet && c->family != AF_INET6);
	c->scan6 = listed6 || (c->localnet && c->family == AF_INET6);
	return 0;
}

/* --localnet: every IPv4 subnet of the interface (unless -6), and IPv6 discovery where
 * the interface has an IPv6 address ready to send from (unless -4). */
static int add_localnet(struct scan_cmd *c)
{
	const struct nl_addr *a;
	unsigned added = 0;

	for (size_t i = 0; c->family != AF_INET6 &&
	     (a = netsel_next_addr(&c->net, c->link->ifindex, AF_INET, NL_ADDR_READY, &i));) {
		uint32_t mask = ipv4_netmask(a->prefixlen), net = ntohl(a->addr.v4.s_addr) & mask;
		struct ipaddr first = ipaddr_v4((struct in_addr){htonl(net)});
		struct ipaddr last = ipaddr_v4((struct in_addr){htonl(net | ~mask)});
		int err = targets_add_range(&c->targets, &first, &last);

		if (err == -E2BIG) {
			char text[IPV4_STRLEN];

			cli_error(CMD, "--localnet: %s/%u is larger than a scan takes (a /8 at most)",
				  ipv4_format(a->addr.v4, text), a->prefixlen);
			return EXIT_TROUBLE;
		}
		if (err)
			return EXIT_TROUBLE;
		added++;
	}
	c->scan4 = targets_has_family(&c->targets, AF_INET);
	if (c->family != AF_INET) {
		size_t i = 0;

		c->discover6 = netsel_next_addr(&c->net, c->link->ifindex, AF_INET6, NL_ADDR_READY,
						&i) != NULL;
		c->scan6 |= c->discover6;
	}
	if (c->family == AF_INET6 && !c->discover6) {
		cli_error(CMD, "--localnet -6: interface %s has no IPv6 address ready to send from",
			  QUOTE(c->link->name));
		return EXIT_TROUBLE;
	}
	if (!added && !c->discover6) {
		cli_error(CMD, "--localnet: no IPv4 subnet on %s%s", QUOTE(c->link->name),
			  c->family == AF_INET ? "" : ", and no IPv6 address ready");
		return EXIT_TROUBLE;
	}
	return 0;
}

static int finish_targets(struct scan_cmd *c)
{
	int err = targets_finish(&c->targets);

	if (err == -E2BIG) {
		cli_error(CMD, "%u+ targets: more than a scan takes (%u at most)", TARGETS_MAX,
			  TARGETS_MAX);
		return EXIT_TROUBLE;
	}
	if (err) {
		cli_error(CMD, "%s", strerror(-err));
		return EXIT_TROUBLE;
	}
	return 0;
}

/* -s of the family, else netsel's default source for target (:: when none). */
static struct ipaddr source_for(const struct scan_cmd *c, const struct ipaddr *target)
{
	const struct ipaddr *given = target->family == AF_INET ? &c->source4 : &c->source6;

	if (given->family != AF_UNSPEC)
		return *given;
	return netsel_default_source(&c->net, c->link->ifindex, target, NULL);
}

/* Discovery's echo requests: from the link-local source, and from one address of each
 * other IPv6 prefix of the interface, so hosts answer from their address there too. */
static void choose_echo_sources(struct scan_cmd *c, const struct ipaddr *link_local)
{
	struct scan_config *cfg = &c->cfg;
	const struct nl_addr *a;

	cfg->echo_ident = (uint16_t)getpid();
	cfg->echo_source[cfg->echo_count++] = link_local->v6;
	if (c->source6.family != AF_UNSPEC)
		return;
	for (size_t i = 0; cfg->echo_count < SCAN_ECHO_SOURCES_MAX &&
	     (a = netsel_next_addr(&c->net, c->link->ifindex, AF_INET6, NL_ADDR_READY, &i));) {
		bool seen = ipv6_is_link_local(&a->addr.v6);

		for (unsigned k = 0; k < cfg->echo_count && !seen; k++) {
			struct ipaddr have = ipaddr_v6(&cfg->echo_source[k]);

			seen = ipaddr_in_subnet(&have, &a->addr, a->prefixlen);
		}
		if (!seen)
			cfg->echo_source[cfg->echo_count++] = a->addr.v6;
	}
}

/*
 * The sender addresses: for ARP, -s or the default source for the first IPv4 target
 * (0.0.0.0 when the interface has none: the RFC 5227 probe form, which hosts answer
 * too); for NS, -s or the default source for the first IPv6 target, and a link-local
 * one for link-local targets and ff02::1. An NS must come from an address of ours,
 * which the neighbour answers to: none ready is an error.
 */
static int choose_sources(struct scan_cmd *c)
{
	struct ipaddr first, all_nodes = ipaddr_v6(&ipv6_all_nodes), link_local, global;

	if (c->scan4 && targets_first(&c->targets, AF_INET, &first))
		c->cfg.source = source_for(c, &first).v4;
	if (!c->scan6)
		return 0;
	link_local = source_for(c, &all_nodes);
	global = targets_first(&c->targets, AF_INET6, &first) ? source_for(c, &first) : link_local;
	if (ipaddr_is_unspecified(&link_local) || ipaddr_is_unspecified(&global)) {
		cli_error(CMD, "interface %s has no IPv6 address ready to send a Neighbor "
			  "Solicitation from (is DAD still running?)", QUOTE(c->link->name));
		return EXIT_TROUBLE;
	}
	c->cfg.source6 = global.v6;
	c->cfg.source6_ll = link_local.v6;
	if (c->discover6)
		choose_echo_sources(c, &link_local);
	return 0;
}

static int load_vendors(struct scan_cmd *c)
{
	return cli_load_vendors(CMD, &c->vendors, c->vendor_file, NULL) ? EXIT_TROUBLE : 0;
}

static int open_pcap(struct scan_cmd *c)
{
	struct timespec real, mono;
	int err;

	if (!c->pcap_path)
		return 0;
	err = capwriter_open(&c->pcap, c->pcap_path);
	if (err) {
		cli_error(CMD, "cannot create '%s': %s", c->pcap_path, strerror(-err));
		return EXIT_TROUBLE;
	}
	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	c->realtime_offset_ns = ((uint64_t)real.tv_sec * NS_PER_SEC + (uint64_t)real.tv_nsec) -
				((uint64_t)mono.tv_sec * NS_PER_SEC + (uint64_t)mono.tv_nsec);
	return 0;
}

static void on_frame(void *ctx, bool outgoing, const uint8_t *frame, size_t len, size_t wire_len,
		     uint64_t time_ns)
{
	struct scan_cmd *c = ctx;
	int err;

	(void)outgoing;
	if (!c->pcap || c->pcap_err)
		return;
	err = capwriter_add(c->pcap, frame, len, wire_len, time_ns + c->realtime_offset_ns);
	if (err)
		c->pcap_err = err;
}

static bool vendor_wanted(const struct scan_cmd *c, const char *vendor)
{
	return !c->vendor_pattern || strcasestr(vendor, c->vendor_pattern);
}

static const char *vendor_of(struct scan_cmd *c, const struct mac *mac)
{
	if (!c->vendor_name || !mac_equal(mac, &c->vendor_mac)) {
		c->vendor_mac = *mac;
		c->vendor_name = vendor_lookup(c->vendors, mac);
	}
	return c->vendor_name;
}

/* A reply, unless --vendor hides it. */
static void show_reply(struct scan_cmd *c, const struct scan_reply *r)
{
	const char *vendor = vendor_of(c, &r->mac);

	if (!vendor_wanted(c, vendor))
		return;
	c->shown++;
	scan_out_reply(&c->out, r, vendor);
}

static void clear_progress(struct scan_cmd *c)
{
	if (c->progress_shown) {
		scan_out_clear_progress(stderr);
		c->progress_shown = false;
	}
}

static void on_reply(void *ctx, const struct scan_reply *reply)
{
	struct scan_cmd *c = ctx;

	clear_progress(c);
	show_reply(c, reply);
	fflush(stdout);
}

static void on_tick(void *ctx, const struct scan_progress *p)
{
	struct scan_cmd *c = ctx;

	if (p->elapsed_ns < PROGRESS_AFTER_NS)
		return;
	scan_out_progress(stderr, p);
	c->progress_shown = true;
}

/* Sorted by address, IPv4 first: the listed targets' indexes are in address order,
 * the found ones are sorted in. */
static int print_sorted(struct scan_cmd *c, const struct scan_run *run)
{
	size_t count;
	const struct scan_reply *replies = scan_run_replies(run, &count);
	uint32_t *order = NULL;

	if (c->targets.found_count) {
		order = malloc(c->targets.total * sizeof(*order));
		if (!order) {
			cli_error(CMD, "%s", strerror(ENOMEM));
			return EXIT_TROUBLE;
		}
		targets_sorted(&c->targets, order);
	}
	for (uint32_t k = 0; k < c->targets.total; k++) {
		uint32_t t = order ? order[k] : k;

		for (uint32_t i = scan_run_first_reply(run, t); i != SCAN_NONE; i = replies[i].next)
			show_reply(c, &replies[i]);
	}
	free(order);
	return 0;
}

static void print_summary(const struct scan_cmd *c, const struct scan_run *run, uint64_t elapsed)
{
	struct scan_summary summary = {
		.targets = c->targets.total,
		.ipv6_targets = c->targets.ipv6_total + (uint32_t)c->targets.found_count,
		.discovery = c->discover6,
		.ifname = c->link->name,
		.counters = scan_run_counters(run),
		.filtered = c->vendor_pattern != NULL,
		.shown = c->shown,
		.elapsed_ns = elapsed,
	};

	if (!c->quiet)
		scan_out_summary(stderr, &summary);
}

/*
 * Shared-memory rings when the kernel has them, for scans big enough to earn their
 * set-up: a TX ring sends a batch in one system call without per-frame message
 * headers, and the receive ring is filled without a system call per reply (see
 * bench/README.md). Each ring costs RCU grace periods (sleep, no CPU) to set up
 * and tear down, tens of ms in all, which a small scan would feel. Either failing
 * leaves the sendmmsg/recvmmsg path, which works everywhere.
 */
static void open_rings(struct scan_cmd *c, struct txring **tx, struct rxring **rx)
{
	/* The EtherType of every frame sent; 0 when both families go out: the kernel then
	 * reads each frame's own. An NS does not fit the default 128-byte slot. */
	uint16_t protocol = c->cfg.vlan != VLAN_NONE ? ETHERTYPE_VLAN :
			    c->scan4 && c->scan6 ? 0 : c->scan6 ? ETHERTYPE_IPV6 : ETHERTYPE_ARP;
	unsigned frame_size = c->scan6 ? 2 * TXRING_DEFAULT_FRAME_SIZE : TXRING_DEFAULT_FRAME_SIZE;

	*tx = NULL;
	*rx = NULL;
	if (c->targets.total < SCAN_RING_MIN_TARGETS)
		return;
	if (txring_open(&c->tx_ring, c->io.ifindex, protocol, frame_size, TXRING_DEFAULT_FRAMES,
			false) == 0)
		*tx = &c->tx_ring;
	if (rxring_attach(&c->rx_ring, c->io.fd, SCAN_RX_BLOCK_SIZE,
			  SCAN_RX_RING_BYTES / SCAN_RX_BLOCK_SIZE, SCAN_RX_RETIRE_MS) == 0)
		*rx = &c->rx_ring;
}

/* Only what the scan can use wakes it: ARP and NDP as asked, echo replies to discover. */
static enum link_filter link_filter(const struct scan_cmd *c)
{
	if (!c->scan6)
		return LINK_FILTER_ARP;
	if (c->discover6)
		return c->scan4 ? LINK_FILTER_ARP_NDP_ECHO : LINK_FILTER_NDP_ECHO;
	return c->scan4 ? LINK_FILTER_ARP_NDP : LINK_FILTER_NDP;
}

static int run_scan(struct scan_cmd *c)
{
	struct scan_hooks hooks = {
		.on_frame = c->pcap ? on_frame : NULL,
		.on_reply = c->stream ? on_reply : NULL,
		.on_tick = !c->quiet && output_is_tty(stderr) ? on_tick : NULL,
		.tick_ns = PROGRESS_TICK_NS,
		.ctx = c,
	};
	struct scan_run *run = NULL;
	struct txring *tx_ring = NULL;
	struct rxring *rx_ring = NULL;
	struct loop_stop stop;
	uint64_t start;
	int status, err;

	/* Everything is checked; only now ask for the privilege and open the socket. */
	status = cli_require_caps(CMD, CAPS_NET_RAW);
	if (status == 0)
		status = cli_open_link(CMD, &c->io, c->link->name, link_filter(c));
	if (status == 0)
		open_rings(c, &tx_ring, &rx_ring);
	if (status == 0)
		status = cli_limit_caps(CMD, CAPS_NONE);
	if (status)
		return status;
	err = scan_run_create(&run, &c->cfg, &c->targets, &c->io, &c->io.mac, &hooks);
	if (err) {
		cli_error(CMD, "%s", strerror(-err));
		return EXIT_TROUBLE;
	}
	scan_run_use_rings(run, tx_ring, rx_ring);
	/* Sorted output comes all at once: big writes, not one per 4 KiB. */
	if (!c->stream)
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	out_init(&c->out, stdout, c->json ? OUT_JSON : OUT_TEXT);
	cli_catch_signals(&stop);
	start = now_ns();
	scan_run_start(run, start);
	err = scan_run_wait(run, &stop);
	clear_progress(c);
	status = c->stream ? EXIT_OK : print_sorted(c, run);
	fflush(stdout);
	print_summary(c, run, now_ns() - start);
	if (err) {
		cli_error(CMD, "sending failed: %s", strerror(-err));
		status = EXIT_TROUBLE;
	} else if (cli_stop_signal) {
		cli_error(CMD, "interrupted");
		status = EXIT_TROUBLE;
	}
	if (c->pcap) {
		int close_err = capwriter_close(c->pcap);

		c->pcap = NULL;
		if (c->pcap_err || close_err) {
			cli_error(CMD, "cannot write '%s': %s", c->pcap_path, strerror(EIO));
			status = EXIT_TROUBLE;
		}
	}
	scan_run_free(run);
	return cli_finish_output(CMD, status);
}

static void cleanup(struct scan_cmd *c)
{
	rxring_close(&c->rx_ring);
	txring_close(&c->tx_ring);
	link_close(&c->io);
	capwriter_close(c->pcap);
	vendor_db_free(c->vendors);
	targets_free(&c->targets);
	nl_snapshot_free(&c->net);
	if (c->nl.sock)
		nl_close(&c->nl);
}

int cmd_scan(int argc, char **argv)
{
	struct scan_cmd c;
	int status;

	memset(&c, 0, sizeof(c));
	link_init(&c.io);
	txring_init(&c.tx_ring);
	rxring_init(&c.rx_ring);
	status = parse_options(&c, argc, argv);
	if (status < 0)
		return EXIT_OK;
	if (status == 0)
		status = parse_targets(&c);
	if (status == 0)
		status = choose_families(&c);
	if (status == 0)
		status = cli_read_network(CMD, &c.nl, &c.net,
					  NL_LINKS | NL_ADDRS | NL_ROUTES | NL_IPV4 | NL_IPV6);
	if (status == 0)
		status = choose_interface(&c);
	if (status == 0 && c.localnet)
		status = add_localnet(&c);
	if (status == 0)
		status = finish_targets(&c);
	if (status == 0)
		status = choose_sources(&c);
	if (status == 0)
		status = load_vendors(&c);
	if (status == 0)
		status = open_pcap(&c);
	if (status == 0)
		status = run_scan(&c);
	cleanup(&c);
	return status;
}
