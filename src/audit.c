/*
 * arpkit audit: is this host set up right for an LVS cluster, and who answers ARP
 * for the VIPs? Local checks read addresses, routes, neighbours and the
 * net.ipv4.conf settings (no privilege needed); the network check (-I) asks for
 * each VIP and counts every MAC that answers: exactly one, the director's, is right.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arping.h"
#include "audit_out.h"
#include "caps.h"
#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "link.h"
#include "lvs_audit.h"
#include "netlink.h"
#include "netsel.h"
#include "output.h"
#include "sysctl.h"
#include "vendor.h"

#define CMD "audit"

struct audit_cmd {
	const char *ifname;
	const char *vendor_file;
	bool json, force_real_server;
	struct lvs_vip_set vips; /* named with --vip */
	unsigned requests;
	uint64_t wait_ns;

	struct nl nl;
	struct nl_snapshot net;
	struct lvs_iface *ifaces;
	size_t iface_count;
	struct lvs_conf all;
	struct lvs_host host;
	lvs_finding_list findings;
	struct audit_lo_vip *lo_vips;
	size_t lo_vip_count;

	const struct nl_link *probe_link;
	struct link io;
	struct arping_run *run;
	struct audit_probe *probes;
	unsigned probe_count;
	nl_neigh_list neighs_after;
	struct vendor_db *vendors;
};

static const char usage_text[] =
	"Usage: arpkit audit [--vip VIP]... [-I IFACE] [--json] [OPTIONS]\n"
	"\n"
	"Check this host for the LVS \"ARP problem\" and what causes it, and print the\n"
	"exact fix for each finding, naming every VIP it is about. Local checks (no\n"
	"privilege needed):\n"
	"  - a VIP on lo with a mask other than /32\n"
	"  - on a real server, a VIP on an interface that answers ARP\n"
	"  - arp_ignore / arp_announce that let an interface answer for a VIP (3\n"
	"    answers one not of scope host) or send ARP from one, or set on the wrong\n"
	"    scope (the kernel acts on the max of net.ipv4.conf.all and the interface)\n"
	"  - strict rp_filter on an interface other than the default route's\n"
	"  - proxy_arp on; drop_gratuitous_arp on (blocks failover announcements)\n"
	"  - arp_accept on where this host talks to a --vip it does not hold\n"
	"  - a permanent (static) neighbour entry for a VIP\n"
	"Network check (-I): send ARP requests for each VIP out of IFACE and count every\n"
	"MAC that answers within --wait; exactly one (the director's) is expected, and\n"
	"this host's neighbour entry for the VIP on IFACE must map it to that MAC.\n"
	"\n"
	"      --vip VIP       a VIP to check (repeatable; default: the VIPs on lo)\n"
	"  -I, --interface IF  run the network check on IF, or on the interface of the\n"
	"                      address labelled IF (eth0:vip); needs CAP_NET_RAW\n"
	"      --real-server   treat this host as a real server even with no VIP on lo\n"
	"  -c, --count N       ARP requests per VIP (default 3)\n"
	"  -w, --wait MS       listen this long for answers (default 1000)\n"
	"      --vendor-file F extra MAC prefix names (see arpkit(8))\n"
	"      --json          one JSON object per line: host, finding, arp, verdict\n"
	"  -h, --help          this text\n"
	"\n"
	"A host with a non-loopback address on lo is a real server; the real-server\n"
	"checks apply to it. Exit status: 0 clean, 1 findings, 2 usage or system error.\n";

enum { OPT_VIP = 256, OPT_REAL_SERVER, OPT_JSON, OPT_VENDOR_FILE };

static const struct option long_options[] = {
	{"vip", required_argument, NULL, OPT_VIP},
	{"interface", required_argument, NULL, 'I'},
	{"real-server", no_argument, NULL, OPT_REAL_SERVER},
	{"count", required_argument, NULL, 'c'},
	{"wait", required_argument, NULL, 'w'},
	{"vendor-file", required_argument, NULL, OPT_VENDOR_FILE},
	{"json", no_argument, NULL, OPT_JSON},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int add_vip(struct audit_cmd *c, const char *text)
{
	const char *why;

	switch (lvs_vip_set_add(&c->vips, text, &why)) {
	case 0:
		return 0;
	case -ENOSPC:
		return cli_usage_error(CMD, "too many VIPs (at most %d)", LVS_MAX_VIPS);
	default:
		return cli_usage_error(CMD, "'%s' is not a VIP: %s", text, why);
	}
}

static int parse_options(struct audit_cmd *c, int argc, char **argv)
{
	unsigned long n;
	int opt, status;

	c->requests = 3;
	c->wait_ns = 1000 * NS_PER_MS;
	while ((opt = getopt_long(argc, argv, "I:c:w:h", long_options, NULL)) != -1) {
		switch (opt) {
		case OPT_VIP:
			status = add_vip(c, optarg);
			if (status)
				return status;
			break;
		case 'I':
			c->ifname = optarg;
			break;
		case OPT_REAL_SERVER:
			c->force_real_server = true;
			break;
		case 'c':
			if (!cli_parse_ulong(CMD, "--count", optarg, 1, 20, &n))
				return EXIT_TROUBLE;
			c->requests = (unsigned)n;
			break;
		case 'w':
			if (!cli_parse_ulong(CMD, "--wait", optarg, 100, 60000, &n))
				return EXIT_TROUBLE;
			c->wait_ns = n * NS_PER_MS;
			break;
		case OPT_VENDOR_FILE:
			c->vendor_file = optarg;
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
	/* "--vip A B C" reads naturally; the words after the options are VIPs too. */
	for (int i = optind; i < argc; i++) {
		status = add_vip(c, argv[i]);
		if (status)
			return status;
	}
	return 0;
}

/* An unreadable setting stays LVS_CONF_UNKNOWN and its checks are skipped; the first
 * error is returned for the caller that cannot do without. */
static int read_conf(const char *scope, struct lvs_conf *conf)
{
	int first_err = 0;

	for (unsigned k = 0; k < SYSCTL_KEY_COUNT; k++) {
		int err = sysctl_read(SYSCTL_CONF_ROOT, scope, (enum sysctl_key)k, &conf->value[k]);

		if (err < 0) {
			conf->value[k] = LVS_CONF_UNKNOWN;
			first_err = first_err ? first_err : err;
		}
	}
	return first_err;
}

static int load_state(struct audit_cmd *c)
{
	int err;

	if (cli_read_network(CMD, &c->nl, &c->net, NL_LINKS | NL_ADDRS | NL_ROUTES | NL_NEIGHS))
		return EXIT_TROUBLE;
	c->ifaces = calloc(c->net.links.count ? c->net.links.count : 1, sizeof(*c->ifaces));
	if (!c->ifaces)
		return EXIT_TROUBLE;
	err = read_conf("all", &c->all);
	if (err) {
		cli_error(CMD, "cannot read %s/all: %s", SYSCTL_CONF_ROOT, strerror(-err));
		return EXIT_TROUBLE;
	}
	for (size_t i = 0; i < c->net.links.count; i++) {
		const struct nl_link *l = &c->net.links.items[i];
		struct lvs_iface *ifc = &c->ifaces[c->iface_count++];

		snprintf(ifc->name, sizeof(ifc->name), "%s", l->name);
		ifc->ifindex = l->ifindex;
		ifc->up = l->flags & IFF_UP;
		ifc->loopback = l->flags & IFF_LOOPBACK;
		ifc->arp = ifc->up && nl_link_is_arp_capable(l);
		for (size_t r = 0; r < c->net.routes.count; r++)
			if (c->net.routes.items[r].dst_len == 0 && c->net.routes.items[r].oif == l->ifindex)
				ifc->default_route = true;
		read_conf(l->name, &ifc->conf);
	}
	return 0;
}

/* -I: the interface (a label names its interface), up and speaking ARP. */
static int check_interface(struct audit_cmd *c)
{
	if (!c->ifname)
		return 0;
	return cli_select_link(CMD, &c->net, c->ifname, NETSEL_NEED_UP, &c->probe_link);
}

static bool on_loopback(const struct audit_cmd *c, int ifindex)
{
	const struct nl_link *l = netsel_link_by_index(&c->net, ifindex);

	return l && (l->flags & IFF_LOOPBACK);
}

static bool is_loopback_net(struct in_addr a)
{
	return (ntohl(a.s_addr) >> 24) == 127;
}

static bool is_lo_vip(const struct audit_cmd *c, const struct nl_addr *a)
{
	return a->addr.family == AF_INET && on_loopback(c, a->ifindex) &&
	       !is_loopback_net(a->addr.v4);
}

/* The VIPs to ask for: those named, else those held on lo. */
static int choose_probe_vips(struct audit_cmd *c)
{
	c->probes = calloc(LVS_MAX_VIPS, sizeof(*c->probes));
	if (!c->probes)
		return EXIT_TROUBLE;
	for (unsigned v = 0; v < c->vips.count; v++)
		c->probes[c->probe_count++].vip = c->vips.addr[v];
	for (size_t i = 0; i < c->net.addrs.count && c->vips.count == 0; i++) {
		const struct nl_addr *a = &c->net.addrs.items[i];
		bool seen = false;

		if (!is_lo_vip(c, a))
			continue;
		for (unsigned p = 0; p < c->probe_count; p++)
			seen |= c->probes[p].vip.s_addr == a->addr.v4.s_addr;
		if (!seen && c->probe_count < LVS_MAX_VIPS)
			c->probes[c->probe_count++].vip = a->addr.v4;
	}
	if (c->probe_count == 0) {
		cli_error(CMD, "-I needs a VIP to ask for: name one with --vip (none is on lo)");
		return EXIT_TROUBLE;
	}
	return 0;
}

/*
 * Requests for every VIP go out `requests` times, spread over the first half of the
 * wait, so a lost frame or a slow host is not missed; every reply during the whole
 * wait counts (the arping engine, asking for all VIPs at once, each from this host's
 * source for it on the interface: an RFC 5227 probe when it has none).
 */
static int plan_network_check(struct audit_cmd *c)
{
	struct arping_config cfg;
	int err;

	arping_config_default(&cfg, ARPING_MODE_PING);
	cfg.count = c->requests;
	cfg.interval_ns = c->wait_ns / 2 / c->requests;
	cfg.linger_ns = c->wait_ns - (c->requests - 1) * cfg.interval_ns;
	cfg.full_linger = true;
	err = arping_run_create(&c->run, &cfg, &c->io);
	for (unsigned p = 0; p < c->probe_count && !err; p++) {
		struct ipaddr vip = ipaddr_v4(c->probes[p].vip);
		struct ipaddr source = netsel_default_source(&c->net, c->probe_link->ifindex,
							     &vip, NULL);

		err = arping_run_add(c->run, &vip, &source);
	}
	if (err) {
		cli_error(CMD, "cannot set up the network check: %s", strerror(-err));
		return EXIT_TROUBLE;
	}
	return 0;
}

/* The responders of each VIP, from the run's tallies; this host last when it holds
 * the VIP on the interface (the director): its kernel answers the others, not us. */
static void collect_responders(struct audit_cmd *c)
{
	size_t count;
	const struct arping_target *targets = arping_run_targets(c->run, &count);

	for (unsigned p = 0; p < c->probe_count && p < count; p++) {
		const struct arping_tally *tally = &targets[p].tally;
		struct audit_probe *probe = &c->probes[p];
		struct ipaddr vip = ipaddr_v4(probe->vip);

		for (unsigned r = 0; r < tally->responder_count; r++) {
			probe->responders[r].mac = tally->responders[r].mac;
			probe->responders[r].replies = tally->responders[r].count;
		}
		probe->count = tally->responder_count;
		probe->other_claims = tally->dropped_responders;
		if (netsel_held(&c->net, c->probe_link->ifindex, &vip)) {
			probe->responders[probe->count].mac = c->io.mac;
			probe->responders[probe->count].self = true;
			probe->count++;
		}
	}
}

static int network_check(struct audit_cmd *c)
{
	struct loop_stop stop;
	int err, status = plan_network_check(c);

	if (status)
		return status;
	cli_catch_signals(&stop);
	err = arping_run_start(c->run, now_ns());
	if (!err)
		err = arping_run_wait(c->run, &stop);
	if (err) {
		cli_error(CMD, "network check on %s failed: %s", c->probe_link->name, strerror(-err));
		return EXIT_TROUBLE;
	}
	if (arping_run_summary(c->run)->interrupted) {
		cli_error(CMD, "interrupted");
		return EXIT_TROUBLE;
	}
	collect_responders(c);
	return 0;
}

static int open_probe_link(struct audit_cmd *c)
{
	int status = cli_require_caps(CMD, CAPS_NET_RAW);

	if (!status)
		status = cli_open_link(CMD, &c->io, c->probe_link->name, LINK_FILTER_ARP);
	if (!status)
		status = cli_limit_caps(CMD, CAPS_NONE);
	return status;
}

static void name_vendors(struct audit_cmd *c)
{
	if (cli_load_vendors(CMD, &c->vendors, c->vendor_file, "; MACs are shown without them"))
		c->vendors = NULL;
	for (unsigned p = 0; p < c->probe_count && c->vendors; p++) {
		struct audit_probe *probe = &c->probes[p];

		for (size_t r = 0; r < probe->count; r++)
			probe->responders[r].vendor = vendor_lookup(c->vendors,
								    &probe->responders[r].mac);
		if (probe->entry)
			probe->entry_vendor = vendor_lookup(c->vendors, &probe->entry->lladdr);
	}
}

/* The entry with a MAC for vip on the probe link, in a neighbour table dump. */
static const struct nl_neigh *find_entry(const struct audit_cmd *c, const nl_neigh_list *neighs,
					 struct in_addr vip)
{
	for (size_t i = 0; i < neighs->count; i++) {
		const struct nl_neigh *n = &neighs->items[i];

		if (n->ifindex == c->probe_link->ifindex && n->dst.v4.s_addr == vip.s_addr &&
		    n->has_lladdr)
			return n;
	}
	return NULL;
}

/* Before any request goes out: the answers can replace what the table holds. */
static void read_entries_before(struct audit_cmd *c)
{
	for (unsigned p = 0; p < c->probe_count; p++)
		c->probes[p].entry = find_entry(c, &c->net.neighs, c->probes[p].vip);
}

/* Best effort: without the second dump the finding only lacks its note. */
static void read_entries_after(struct audit_cmd *c)
{
	if (nl_dump_neighs(&c->nl, c->probe_link->ifindex, &c->neighs_after) < 0)
		return;
	for (unsigned p = 0; p < c->probe_count; p++)
		c->probes[p].entry_after = find_entry(c, &c->neighs_after, c->probes[p].vip);
}

static const char *host_role(const struct audit_cmd *c)
{
	if (lvs_host_is_real_server(&c->host))
		return "real-server";
	for (unsigned v = 0; v < c->vips.count; v++)
		for (size_t i = 0; i < c->net.addrs.count; i++)
			if (c->net.addrs.items[i].addr.v4.s_addr == c->vips.addr[v].s_addr &&
			    !on_loopback(c, c->net.addrs.items[i].ifindex))
				return "director";
	return "other";
}

/* The addresses on loopback devices outside 127/8, as the report lists them. */
static int list_lo_vips(struct audit_cmd *c)
{
	c->lo_vips = calloc(c->net.addrs.count ? c->net.addrs.count : 1, sizeof(*c->lo_vips));
	if (!c->lo_vips)
		return EXIT_TROUBLE;
	for (size_t i = 0; i < c->net.addrs.count; i++) {
		const struct nl_addr *a = &c->net.addrs.items[i];

		if (!is_lo_vip(c, a))
			continue;
		c->lo_vips[c->lo_vip_count].addr = a;
		c->lo_vips[c->lo_vip_count++].device = netsel_link_by_index(&c->net, a->ifindex)->name;
	}
	return 0;
}

static int report(struct audit_cmd *c)
{
	struct out o;
	struct audit_report r = {
		.role = host_role(c),
		.lo_vips = c->lo_vips,
		.lo_vip_count = c->lo_vip_count,
		.iface = c->run ? c->probe_link->name : NULL,
		.probes = c->probes,
		.probe_count = c->run ? c->probe_count : 0,
		.findings = &c->findings,
	};

	out_init(&o, stdout, c->json ? OUT_JSON : OUT_TEXT);
	audit_out_report(&o, &r);
	return cli_finish_output(CMD, c->findings.count ? EXIT_NEGATIVE : EXIT_OK);
}

static int add_network_findings(struct audit_cmd *c)
{
	for (unsigned p = 0; p < c->probe_count; p++) {
		struct audit_probe *probe = &c->probes[p];
		struct lvs_vip_check check = {
			.vip = probe->vip,
			.iface = c->probe_link->name,
			.responders = probe->responders,
			.responder_count = probe->count,
			.entry = probe->entry,
			.entry_vendor = probe->entry_vendor,
			.entry_after = probe->entry_after,
		};
		size_t before = c->findings.count;

		if (lvs_network_findings(&check, &c->findings) < 0) {
			cli_error(CMD, "out of memory");
			return EXIT_TROUBLE;
		}
		probe->ok = c->findings.count == before;
		probe->show_entry = !probe->ok && probe->entry && lvs_neigh_is_learnt(probe->entry);
	}
	return 0;
}

static int run(struct audit_cmd *c)
{
	int status = load_state(c);

	if (!status)
		status = check_interface(c);
	if (!status && c->ifname)
		status = choose_probe_vips(c);
	if (status)
		return status;
	c->host = (struct lvs_host){
		.all = c->all,
		.ifaces = c->ifaces,
		.iface_count = c->iface_count,
		.addrs = c->net.addrs.items,
		.addr_count = c->net.addrs.count,
		.neighs = c->net.neighs.items,
		.neigh_count = c->net.neighs.count,
		.vips = c->vips.addr,
		.vip_count = c->vips.count,
		.force_real_server = c->force_real_server,
	};
	if (lvs_audit(&c->host, &c->findings) < 0) {
		cli_error(CMD, "out of memory");
		return EXIT_TROUBLE;
	}
	if (c->ifname) {
		read_entries_before(c);
		status = open_probe_link(c);
		if (!status)
			status = network_check(c);
		if (status)
			return status;
		read_entries_after(c);
		name_vendors(c);
		status = add_network_findings(c);
		if (status)
			return status;
	}
	status = list_lo_vips(c);
	return status ? status : report(c);
}

int cmd_audit(int argc, char **argv)
{
	struct audit_cmd c;
	int status;

	memset(&c, 0, sizeof(c));
	link_init(&c.io);
	status = parse_options(&c, argc, argv);
	if (status < 0)
		return EXIT_OK;
	if (status == 0)
		status = run(&c);
	arping_run_free(c.run);
	link_close(&c.io);
	vendor_db_free(c.vendors);
	free(c.probes);
	free(c.lo_vips);
	lvs_findings_free(&c.findings);
	free(c.neighs_after.items);
	free(c.ifaces);
	nl_snapshot_free(&c.net);
	if (c.nl.sock)
		nl_close(&c.nl);
	return status;
}
