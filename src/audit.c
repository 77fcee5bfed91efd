/*
 * arpkit audit: is this host set up right for an LVS cluster, and who answers ARP
 * for the VIPs? Local checks read addresses, routes, neighbours and the
 * net.ipv4.conf settings (no privilege needed); the network check (-I) asks for
 * each VIP and counts every MAC that answers: exactly one, the director's, is right.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "frame.h"
#include "link.h"
#include "lvs_audit.h"
#include "netlink.h"
#include "output.h"
#include "sysctl.h"
#include "vendor.h"

#define CMD "audit"
#define MAX_RESPONDERS 32

struct vip_probe {
	struct in_addr vip;
	struct lvs_responder responders[MAX_RESPONDERS];
	size_t count;
	unsigned other_claims; /* distinct MACs beyond MAX_RESPONDERS */
	/* This host's neighbour entry for the VIP on the probe link, read before the
	 * requests went out (their answers may replace it), and again after. */
	const struct nl_neigh *entry;
	const char *entry_vendor;
	const struct nl_neigh *entry_after;
	bool ok; /* no finding from the network check */
};

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

	const struct nl_link *probe_link;
	struct link io;
	struct vip_probe *probes;
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
	"  -I, --interface IF  run the network check on IF (needs CAP_NET_RAW)\n"
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

static int check_interface(struct audit_cmd *c)
{
	if (!c->ifname)
		return 0;
	for (size_t i = 0; i < c->net.links.count; i++)
		if (!strcmp(c->net.links.items[i].name, c->ifname))
			c->probe_link = &c->net.links.items[i];
	if (!c->probe_link) {
		cli_error(CMD, "unknown interface %s", QUOTE(c->ifname));
		return EXIT_TROUBLE;
	}
	if (!nl_link_is_arp_capable(c->probe_link)) {
		cli_error(CMD, "interface %s does not use ARP (loopback, point-to-point or NOARP)",
			  QUOTE(c->ifname));
		return EXIT_TROUBLE;
	}
	if (!(c->probe_link->flags & IFF_UP)) {
		cli_error(CMD, "interface %s is down", QUOTE(c->ifname));
		return EXIT_TROUBLE;
	}
	return 0;
}

static bool on_loopback(const struct audit_cmd *c, int ifindex)
{
	for (size_t i = 0; i < c->iface_count; i++)
		if (c->ifaces[i].ifindex == ifindex)
			return c->ifaces[i].loopback;
	return false;
}

static bool is_loopback_net(struct in_addr a)
{
	return (ntohl(a.s_addr) >> 24) == 127;
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

		if (!on_loopback(c, a->ifindex) || is_loopback_net(a->addr.v4))
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

/* The address our requests come from: IFACE's primary, else an RFC 5227 probe. */
static struct in_addr sender_address(const struct audit_cmd *c)
{
	struct in_addr none = { 0 };

	for (size_t i = 0; i < c->net.addrs.count; i++) {
		const struct nl_addr *a = &c->net.addrs.items[i];

		if (a->ifindex == c->probe_link->ifindex && !a->secondary &&
		    a->scope == RT_SCOPE_UNIVERSE)
			return a->addr.v4;
	}
	return none;
}

static bool holds_on_probe_link(const struct audit_cmd *c, struct in_addr vip)
{
	for (size_t i = 0; i < c->net.addrs.count; i++)
		if (c->net.addrs.items[i].ifindex == c->probe_link->ifindex &&
		    c->net.addrs.items[i].addr.v4.s_addr == vip.s_addr)
			return true;
	return false;
}

static void record_reply(struct audit_cmd *c, const struct arp_frame *f)
{
	for (unsigned p = 0; p < c->probe_count; p++) {
		struct vip_probe *probe = &c->probes[p];

		if (probe->vip.s_addr != f->spa.s_addr)
			continue;
		for (size_t r = 0; r < probe->count; r++)
			if (mac_equal(&probe->responders[r].mac, &f->sha)) {
				probe->responders[r].replies++;
				return;
			}
		if (probe->count == MAX_RESPONDERS) {
			probe->other_claims++;
			return;
		}
		probe->responders[probe->count].mac = f->sha;
		probe->responders[probe->count].replies = 1;
		probe->count++;
		return;
	}
}

static int send_requests(struct audit_cmd *c, struct in_addr sender)
{
	struct link_tx *tx = calloc(1, sizeof(*tx));
	int err = 0;

	if (!tx)
		return -ENOMEM;
	for (unsigned p = 0; p < c->probe_count && !err; p++) {
		struct arp_frame f;
		uint8_t *slot = link_tx_slot(tx);

		if (!slot) {
			err = link_tx_flush(&c->io, tx);
			slot = err < 0 ? NULL : link_tx_slot(tx);
			err = err < 0 ? err : 0;
			if (!slot)
				break;
		}
		if (sender.s_addr)
			arp_make_request(&f, &c->io.mac, sender, c->probes[p].vip, &mac_broadcast);
		else
			arp_make_probe(&f, &c->io.mac, c->probes[p].vip);
		link_tx_commit(tx, arp_encode(&f, slot, FRAME_MAX));
	}
	if (!err && tx->count)
		err = link_tx_flush(&c->io, tx);
	free(tx);
	return err < 0 ? err : 0;
}

static int drain_replies(struct audit_cmd *c, struct link_rx *rx)
{
	int got;

	while ((got = link_rx_read(&c->io, rx)) > 0) {
		for (unsigned i = 0; i < rx->count; i++) {
			struct arp_frame f;

			if (arp_decode(rx->frame[i].data, rx->frame[i].len, &f) == 0 &&
			    f.op == ARP_OP_REPLY && !mac_equal(&f.sha, &c->io.mac))
				record_reply(c, &f);
		}
		if (got < LINK_BATCH)
			break;
	}
	return got < 0 ? got : 0;
}

/*
 * Requests go out `requests` times, spread over the first half of the wait, so a
 * lost frame or a slow host is not missed; every reply during the whole wait counts.
 */
static int network_check(struct audit_cmd *c)
{
	struct in_addr sender = sender_address(c);
	struct link_rx *rx = calloc(1, sizeof(*rx));
	uint64_t start = now_ns(), interval = c->wait_ns / 2 / c->requests, next = start;
	unsigned sent = 0;
	int err = 0;

	if (!rx)
		return EXIT_TROUBLE;
	cli_catch_signals(NULL);
	while (!err && !cli_stop_signal) {
		uint64_t now = now_ns();
		struct pollfd pfd = { .fd = c->io.fd, .events = POLLIN };
		uint64_t until;

		if (now >= start + c->wait_ns)
			break;
		if (sent < c->requests && now >= next) {
			err = send_requests(c, sender);
			sent++;
			next += interval;
			continue;
		}
		until = sent < c->requests && next < start + c->wait_ns ? next : start + c->wait_ns;
		if (poll(&pfd, 1, (int)((until - now) / NS_PER_MS) + 1) < 0 && errno != EINTR)
			err = -errno;
		else if (pfd.revents & POLLIN)
			err = drain_replies(c, rx);
	}
	free(rx);
	if (err) {
		cli_error(CMD, "network check on %s failed: %s", c->ifname, strerror(-err));
		return EXIT_TROUBLE;
	}
	if (cli_stop_signal) {
		cli_error(CMD, "interrupted");
		return EXIT_TROUBLE;
	}
	/* The kernel here would answer for a VIP held on IFACE itself (the director). */
	for (unsigned p = 0; p < c->probe_count; p++) {
		struct vip_probe *probe = &c->probes[p];

		if (holds_on_probe_link(c, probe->vip) && probe->count < MAX_RESPONDERS) {
			probe->responders[probe->count].mac = c->io.mac;
			probe->responders[probe->count].self = true;
			probe->count++;
		}
	}
	return 0;
}

static int open_probe_link(struct audit_cmd *c)
{
	int status = cli_require_caps(CMD, CAPS_NET_RAW);

	if (!status)
		status = cli_open_link(CMD, &c->io, c->ifname, LINK_FILTER_ARP);
	if (!status)
		status = cli_limit_caps(CMD, CAPS_NONE);
	return status;
}

static void name_vendors(struct audit_cmd *c)
{
	if (cli_load_vendors(CMD, &c->vendors, c->vendor_file, "; MACs are shown without them"))
		c->vendors = NULL;
	for (unsigned p = 0; p < c->probe_count && c->vendors; p++) {
		struct vip_probe *probe = &c->probes[p];

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
			if (c->net.addrs.items[i].addr.v4.s_addr == c->vips.addr[v].s_addr && !on_loopback(c, c->net.addrs.items[i].ifindex))
				return "director";
	return "other";
}

static const char *iface_name(const struct audit_cmd *c, int ifindex)
{
	for (size_t i = 0; i < c->iface_count; i++)
		if (c->ifaces[i].ifindex == ifindex)
			return c->ifaces[i].name;
	return "?";
}

static void report_host_text(const struct audit_cmd *c)
{
	char text[IPV4_STRLEN];
	unsigned shown = 0;

	printf("host: %s", host_role(c));
	for (size_t i = 0; i < c->net.addrs.count; i++) {
		const struct nl_addr *a = &c->net.addrs.items[i];

		if (!on_loopback(c, a->ifindex) || is_loopback_net(a->addr.v4))
			continue;
		printf("%s%s/%u on %s", shown++ ? ", " : "; VIPs ", ipv4_format(a->addr.v4, text),
		       a->prefixlen, iface_name(c, a->ifindex));
	}
	putchar('\n');
}

static void report_host_json(const struct audit_cmd *c, struct json *j)
{
	char text[IPV4_STRLEN];

	json_object_begin(j, NULL);
	json_string(j, "type", "host");
	json_string(j, "role", host_role(c));
	json_array_begin(j, "lo_vips");
	for (size_t i = 0; i < c->net.addrs.count; i++) {
		const struct nl_addr *a = &c->net.addrs.items[i];

		if (!on_loopback(c, a->ifindex) || is_loopback_net(a->addr.v4))
			continue;
		json_object_begin(j, NULL);
		json_string(j, "address", ipv4_format(a->addr.v4, text));
		json_uint(j, "prefixlen", a->prefixlen);
		json_string(j, "device", iface_name(c, a->ifindex));
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

static void report_finding(const struct audit_cmd *c, struct json *j, const struct lvs_finding *f)
{
	char text[IPV4_STRLEN], mac[MAC_STRLEN];

	if (!c->json) {
		printf("FINDING %s%s%s%s: %s\n    fix: %s\n", lvs_check_name(f->check),
		       f->iface[0] ? " [" : "", f->iface, f->iface[0] ? "]" : "", f->problem, f->fix);
		return;
	}
	json_object_begin(j, NULL);
	json_string(j, "type", "finding");
	json_string(j, "check", lvs_check_name(f->check));
	json_string(j, "interface", f->iface[0] ? f->iface : NULL);
	json_string(j, "vip", f->vip_count == 1 ? ipv4_format(f->vips[0], text) : NULL);
	json_array_begin(j, "vips");
	for (size_t i = 0; i < f->vip_count; i++)
		json_string(j, NULL, ipv4_format(f->vips[i], text));
	json_array_end(j);
	json_string(j, "mac", f->has_mac ? mac_format(&f->mac, mac) : NULL);
	json_string(j, "problem", f->problem);
	json_string(j, "fix", f->fix);
	json_object_end(j);
}

static void print_mac(const struct mac *m, const char *vendor)
{
	char mac[MAC_STRLEN];

	if (!vendor)
		vendor = VENDOR_UNKNOWN;
	printf(vendor[0] == '(' ? "%s %s" : "%s (%s)", mac_format(m, mac), vendor);
}

static const char *neigh_state_name(uint16_t state)
{
	static const struct { uint16_t state; const char *name; } names[] = {
		{ NUD_PERMANENT, "permanent" }, { NUD_NOARP, "noarp" },
		{ NUD_REACHABLE, "reachable" }, { NUD_STALE, "stale" },
		{ NUD_DELAY, "delay" }, { NUD_PROBE, "probe" },
		{ NUD_INCOMPLETE, "incomplete" }, { NUD_FAILED, "failed" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (state & names[i].state)
			return names[i].name;
	return "none";
}

static void report_probe_text(const struct audit_cmd *c, const struct vip_probe *p)
{
	char text[IPV4_STRLEN];

	printf("ARP %s on %s: %zu MAC%s answer%s", ipv4_format(p->vip, text), c->ifname,
	       p->count, p->count == 1 ? "" : "s", p->count == 1 ? "s" : "");
	for (size_t r = 0; r < p->count; r++) {
		printf("%s ", r ? "," : "");
		print_mac(&p->responders[r].mac, p->responders[r].vendor);
		printf("%s", p->responders[r].self ? " [this host]" : "");
	}
	if (p->other_claims)
		printf(", and %u more", p->other_claims);
	if (!p->ok && p->entry && lvs_neigh_is_learnt(p->entry)) {
		printf("; this host maps it to ");
		print_mac(&p->entry->lladdr, p->entry_vendor);
	}
	printf("%s\n", p->ok ? ": ok" : "");
}

static void report_probe(const struct audit_cmd *c, struct json *j, const struct vip_probe *p)
{
	char text[IPV4_STRLEN], mac[MAC_STRLEN];

	if (!c->json) {
		report_probe_text(c, p);
		return;
	}
	json_object_begin(j, NULL);
	json_string(j, "type", "arp");
	json_string(j, "vip", ipv4_format(p->vip, text));
	json_string(j, "interface", c->ifname);
	json_array_begin(j, "responders");
	for (size_t r = 0; r < p->count; r++) {
		json_object_begin(j, NULL);
		json_string(j, "mac", mac_format(&p->responders[r].mac, mac));
		json_string(j, "vendor", p->responders[r].vendor);
		json_uint(j, "replies", p->responders[r].replies);
		json_bool(j, "self", p->responders[r].self);
		json_object_end(j);
	}
	json_array_end(j);
	if (p->entry) {
		json_object_begin(j, "neighbour");
		json_string(j, "mac", mac_format(&p->entry->lladdr, mac));
		json_string(j, "vendor", p->entry_vendor);
		json_string(j, "state", neigh_state_name(p->entry->state));
		json_object_end(j);
	} else {
		json_null(j, "neighbour");
	}
	json_bool(j, "ok", p->ok);
	json_object_end(j);
}

static int report(struct audit_cmd *c)
{
	struct json j;

	json_init(&j, stdout);
	if (c->json)
		report_host_json(c, &j);
	else
		report_host_text(c);
	for (unsigned p = 0; p < c->probe_count && c->io.fd >= 0; p++)
		report_probe(c, &j, &c->probes[p]);
	for (size_t i = 0; i < c->findings.count; i++)
		report_finding(c, &j, &c->findings.items[i]);
	if (c->json) {
		json_object_begin(&j, NULL);
		json_string(&j, "type", "verdict");
		json_uint(&j, "findings", c->findings.count);
		json_bool(&j, "clean", c->findings.count == 0);
		json_object_end(&j);
	} else if (c->findings.count) {
		printf("verdict: %zu finding%s\n", c->findings.count, c->findings.count == 1 ? "" : "s");
	} else {
		printf("verdict: clean\n");
	}
	return cli_finish_output(CMD, c->findings.count ? EXIT_NEGATIVE : EXIT_OK);
}

static int add_network_findings(struct audit_cmd *c)
{
	for (unsigned p = 0; p < c->probe_count; p++) {
		struct vip_probe *probe = &c->probes[p];
		struct lvs_vip_check check = {
			.vip = probe->vip,
			.iface = c->ifname,
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
	return report(c);
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
	link_close(&c.io);
	vendor_db_free(c.vendors);
	free(c.probes);
	lvs_findings_free(&c.findings);
	free(c.neighs_after.items);
	free(c.ifaces);
	nl_snapshot_free(&c.net);
	if (c.nl.sock)
		nl_close(&c.nl);
	return status;
}
