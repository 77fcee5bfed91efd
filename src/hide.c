/*
 * arpkit hide: make this host an LVS real server for a VIP. It must accept packets
 * for the VIP, so the VIP goes on lo, but it must never answer ARP for it nor use
 * it as the sender of its own ARP requests, or the router maps the VIP to this
 * host instead of the director. The sysctls go first and the address second:
 * the other order leaves a moment in which this host answers ARP for the VIP.
 * Whether a VIP is answered depends on the arp_ignore in force (the max of `all`
 * and the interface) and, for 3, on the VIP's scope; hide reasons about both, and
 * says "hides" only for what the kernel keeps quiet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "cli.h"
#include "commands.h"
#include "hide_out.h"
#include "lvs_audit.h"
#include "netlink.h"
#include "netsel.h"
#include "output.h"
#include "sysctl.h"

#define CMD "hide"
#define PERSIST_DEFAULT "/etc/sysctl.d/90-arpkit-lvs.conf"

enum hide_action { HIDE_ADD, HIDE_DEL, HIDE_SHOW };

/* A scope (all, or an interface) whose arp_ignore/arp_announce hide manages. */
struct managed_scope {
	char name[IF_NAMESIZE];
	int ifindex; /* 0 for all */
	int value[2]; /* arp_ignore, arp_announce: the scope's own values */
};

static const enum sysctl_key managed_keys[2] = { SYSCTL_ARP_IGNORE, SYSCTL_ARP_ANNOUNCE };

struct hide_cmd {
	enum hide_action action;
	const char *dev_name;
	const char *persist_file;
	bool persist, keep_sysctls, json;
	struct lvs_vip_set vips;

	struct nl nl;
	struct nl_snapshot net;
	const struct nl_link *dev;
	const char *new_label;        /* --dev named a label: the label of the VIPs added */
	struct managed_scope *scopes; /* scopes[0] is all */
	unsigned scope_count;

	struct out out;
	unsigned changes;
};

static const char usage_text[] =
	"Usage: arpkit hide add VIP... [--dev DEV] [--persist [--persist-file PATH]]\n"
	"                              [--json]\n"
	"       arpkit hide del VIP... [--dev DEV] [--keep-sysctls] [--json]\n"
	"       arpkit hide show [--dev DEV] [--json]\n"
	"\n"
	"Configure this host as an LVS real server (direct routing or tunnelling): it\n"
	"accepts packets for each VIP but never answers ARP for it, so only the director\n"
	"does.\n"
	"\n"
	"  add    set net.ipv4.conf.{all,IFACE}.arp_ignore=1 and arp_announce=2 on every\n"
	"         up, ARP-capable interface whose value does not already keep the VIPs\n"
	"         quiet, THEN add VIP/32 scope host to DEV (in that order: the address\n"
	"         first would answer ARP until the sysctls land). A VIP already on DEV\n"
	"         with another scope that the arp_ignore in force answers for (3 answers\n"
	"         any address not of scope host) is re-added with scope host, its label\n"
	"         kept. Idempotent; prints each change, or \"nothing to change\".\n"
	"  del    remove VIP/32 from DEV; when no VIP remains on lo (or DEV), reset\n"
	"         arp_ignore and arp_announce to the kernel defaults (0).\n"
	"  show   the VIPs on DEV and lo, each \"hidden\" or \"NOT hidden\" with the\n"
	"         interfaces that answer ARP for it, and per interface the values the\n"
	"         kernel acts on (the max of `all` and the interface's own).\n"
	"\n"
	"  -d, --dev DEV        the device that holds the VIPs (default lo; must not do ARP);\n"
	"                       a label (lo:vip) names its device and labels the VIPs added\n"
	"      --keep-sysctls   del: leave arp_ignore and arp_announce as they are\n"
	"      --persist        add: write the sysctls to " PERSIST_DEFAULT "\n"
	"                       and print the matching address configuration (ip,\n"
	"                       ifupdown, systemd-networkd) instead of changing anything now\n"
	"      --persist-file PATH  write there instead (implies --persist)\n"
	"      --json           one JSON object\n"
	"  -h, --help           this text\n"
	"\n"
	"A VIP is a unicast address: not 0.0.0.0/8, 127.0.0.0/8, multicast, 240.0.0.0/4,\n"
	"255.255.255.255, nor a subnet broadcast or an address of an ARP interface here.\n"
	"Needs CAP_NET_ADMIN (add and del; --persist needs only write access to PATH).\n"
	"Exit status: 0 done (or nothing to change), 2 usage error, bad input, missing\n"
	"privilege or system error; with bad input or no privilege nothing is changed.\n";

enum { OPT_KEEP = 256, OPT_PERSIST, OPT_PERSIST_FILE, OPT_JSON };

static const struct option long_options[] = {
	{"dev", required_argument, NULL, 'd'},
	{"keep-sysctls", no_argument, NULL, OPT_KEEP},
	{"persist", no_argument, NULL, OPT_PERSIST},
	{"persist-file", required_argument, NULL, OPT_PERSIST_FILE},
	{"json", no_argument, NULL, OPT_JSON},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int parse_action(struct hide_cmd *c, const char *word)
{
	if (!strcmp(word, "add"))
		c->action = HIDE_ADD;
	else if (!strcmp(word, "del") || !strcmp(word, "delete"))
		c->action = HIDE_DEL;
	else if (!strcmp(word, "show") || !strcmp(word, "list"))
		c->action = HIDE_SHOW;
	else
		return cli_usage_error(CMD, "unknown action '%s' (add, del or show)", word);
	return 0;
}

static int parse_vip(struct hide_cmd *c, const char *text)
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

static int parse_options(struct hide_cmd *c, int argc, char **argv)
{
	int opt, status;

	c->dev_name = "lo";
	while ((opt = getopt_long(argc, argv, "d:h", long_options, NULL)) != -1) {
		switch (opt) {
		case 'd':
			c->dev_name = optarg;
			break;
		case OPT_KEEP:
			c->keep_sysctls = true;
			break;
		case OPT_PERSIST:
			c->persist = true;
			break;
		case OPT_PERSIST_FILE:
			if (!*optarg)
				return cli_usage_error(CMD, "--persist-file needs a path");
			c->persist = true;
			c->persist_file = optarg;
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
	if (optind >= argc)
		return cli_usage_error(CMD, "missing action (add, del or show)");
	status = parse_action(c, argv[optind++]);
	if (status)
		return status;
	for (int i = optind; i < argc; i++) {
		status = parse_vip(c, argv[i]);
		if (status)
			return status;
	}
	if (c->action != HIDE_SHOW && c->vips.count == 0)
		return cli_usage_error(CMD, "%s needs at least one VIP", argv[optind - 1]);
	if (c->action == HIDE_SHOW && c->vips.count)
		return cli_usage_error(CMD, "show takes no VIP");
	if (c->persist && c->action != HIDE_ADD)
		return cli_usage_error(CMD, "--persist goes with add (to undo it, delete %s)",
				       c->persist_file ? c->persist_file : PERSIST_DEFAULT);
	if (c->keep_sysctls && c->action != HIDE_DEL)
		return cli_usage_error(CMD, "--keep-sysctls goes with del");
	if (!c->persist_file)
		c->persist_file = PERSIST_DEFAULT;
	return 0;
}

static int load_state(struct hide_cmd *c)
{
	return cli_read_network(CMD, &c->nl, &c->net, NL_LINKS | NL_ADDRS);
}

static int reload_addrs(struct hide_cmd *c)
{
	int err;

	c->net.addrs.count = 0;
	err = nl_dump_addrs(&c->nl, 0, &c->net.addrs);
	if (err)
		cli_error(CMD, "cannot read addresses (netlink): %s", strerror(-err));
	return err ? EXIT_TROUBLE : 0;
}

/* The interfaces the kernel answers ARP on now: up, ARP-capable. */
static bool carries_arp(const struct hide_cmd *c, const struct nl_link *l)
{
	return netsel_check_arp_link(&c->net, l, NETSEL_NEED_UP) == NETSEL_LINK_OK;
}

static bool is_hiding_device(const struct hide_cmd *c, const struct nl_link *l)
{
	return (l->flags & IFF_LOOPBACK) || (c->dev && l->ifindex == c->dev->ifindex);
}

/*
 * --dev: a device that does no ARP, or an address label on one ("lo:vip", as ifconfig
 * aliases are written), which names its device and becomes the label of the VIPs
 * added; a label no address carries yet is the usual case on the first add.
 */
static int choose_device(struct hide_cmd *c)
{
	enum netsel_match how;

	c->dev = netsel_link_by_name(&c->net, c->dev_name, &how);
	if (!c->dev) {
		cli_error(CMD, "unknown device %s", QUOTE(c->dev_name));
		return EXIT_TROUBLE;
	}
	if (nl_link_is_arp_capable(c->dev)) {
		cli_error(CMD, "'%s' answers ARP: a hidden VIP goes on lo (or another device that "
			       "does no ARP)", c->dev_name);
		return EXIT_TROUBLE;
	}
	if (how == NETSEL_MATCH_LABEL || how == NETSEL_MATCH_DEVICE) {
		if (strlen(c->dev_name) >= IF_NAMESIZE)
			return cli_usage_error(CMD, "the label %s is longer than %d characters",
					       QUOTE(c->dev_name), IF_NAMESIZE - 1);
		c->new_label = c->dev_name;
	}
	return 0;
}

/* Refuse what would not be a hidden VIP, before anything is changed. */
static int check_vips_against_host(const struct hide_cmd *c)
{
	char vip[IPV4_STRLEN];

	for (unsigned v = 0; v < c->vips.count; v++) {
		ipv4_format(c->vips.addr[v], vip);
		for (size_t i = 0; i < c->net.addrs.count; i++) {
			const struct nl_addr *a = &c->net.addrs.items[i];
			const struct nl_link *l = netsel_link_by_index(&c->net, a->ifindex);
			uint32_t host_bits = ~ipv4_netmask(a->prefixlen);

			if (!l)
				continue;
			if (a->prefixlen < 31 && nl_link_is_arp_capable(l) &&
			    (ntohl(c->vips.addr[v].s_addr) & host_bits) == host_bits &&
			    ipv4_in_subnet(c->vips.addr[v], a->addr.v4, a->prefixlen))
				return cli_usage_error(CMD, "'%s' is not a VIP: the broadcast address "
							    "of %s's subnet", vip, l->name);
			if (a->addr.v4.s_addr != c->vips.addr[v].s_addr || c->action != HIDE_ADD)
				continue;
			if (nl_link_is_arp_capable(l)) {
				cli_error(CMD, "%s is configured on %s, which answers ARP for it; a "
					       "hidden VIP lives only on %s (remove it first: ip addr "
					       "del %s/%u dev %s)", vip, l->name, c->dev->name, vip,
					  a->prefixlen, l->name);
				return EXIT_TROUBLE;
			}
			if (l->ifindex == c->dev->ifindex && a->prefixlen != 32) {
				cli_error(CMD, "%s/%u is already on %s, with a mask that makes its whole "
					       "subnet local; replace it: ip addr del %s/%u dev %s",
					  vip, a->prefixlen, l->name, vip, a->prefixlen, l->name);
				return EXIT_TROUBLE;
			}
		}
	}
	return 0;
}

/* all, then every interface that carries ARP now; with their current values. */
static int read_scopes(struct hide_cmd *c)
{
	c->scopes = calloc(c->net.links.count + 1, sizeof(*c->scopes));
	if (!c->scopes)
		return EXIT_TROUBLE;
	snprintf(c->scopes[0].name, sizeof(c->scopes[0].name), "all");
	c->scope_count = 1;
	for (size_t i = 0; i < c->net.links.count; i++) {
		const struct nl_link *l = &c->net.links.items[i];

		if (!carries_arp(c, l))
			continue;
		snprintf(c->scopes[c->scope_count].name, IF_NAMESIZE, "%s", l->name);
		c->scopes[c->scope_count].ifindex = l->ifindex;
		c->scope_count++;
	}
	for (unsigned s = 0; s < c->scope_count; s++)
		for (unsigned k = 0; k < 2; k++) {
			int err = sysctl_read(SYSCTL_CONF_ROOT, c->scopes[s].name, managed_keys[k],
					      &c->scopes[s].value[k]);

			if (err) {
				cli_error(CMD, "cannot read net.ipv4.conf.%s.%s: %s", c->scopes[s].name,
					  sysctl_key_name(managed_keys[k]), strerror(-err));
				return EXIT_TROUBLE;
			}
		}
	return 0;
}

static int set_sysctl(struct hide_cmd *c, struct managed_scope *s, unsigned k, int value)
{
	char name[SYSCTL_NAME_MAX];
	int err;

	sysctl_name(name, sizeof(name), s->name, managed_keys[k]);
	err = sysctl_write(SYSCTL_CONF_ROOT, s->name, managed_keys[k], value);
	if (err) {
		cli_error(CMD, "cannot set %s to %d: %s", name, value, strerror(-err));
		return EXIT_TROUBLE;
	}
	hide_out_change(&c->out, &(struct hide_change){
		.kind = HIDE_SYSCTL_SET, .sysctl = name, .from = s->value[k], .to = value,
	});
	s->value[k] = value;
	c->changes++;
	return 0;
}

static void report_vip(struct hide_cmd *c, enum hide_change_kind kind, struct in_addr vip,
		       const char *label)
{
	hide_out_change(&c->out, &(struct hide_change){
		.kind = kind, .vip = vip, .device = c->dev->name, .label = label,
	});
	c->changes++;
}

/* The VIP as a /32 on the hiding device, or NULL. */
static const struct nl_addr *on_dev_as_32(const struct hide_cmd *c, struct in_addr vip)
{
	for (size_t i = 0; i < c->net.addrs.count; i++) {
		const struct nl_addr *a = &c->net.addrs.items[i];

		if (a->ifindex == c->dev->ifindex && a->addr.v4.s_addr == vip.s_addr && a->prefixlen == 32)
			return a;
	}
	return NULL;
}

static bool is_named(const struct hide_cmd *c, struct in_addr addr)
{
	for (unsigned v = 0; v < c->vips.count; v++)
		if (c->vips.addr[v].s_addr == addr.s_addr)
			return true;
	return false;
}

static const char *scope_name(unsigned char scope, char buf[8])
{
	switch (scope) {
	case RT_SCOPE_UNIVERSE:
		return "global";
	case RT_SCOPE_SITE:
		return "site";
	case RT_SCOPE_LINK:
		return "link";
	case RT_SCOPE_HOST:
		return "host";
	case RT_SCOPE_NOWHERE:
		return "nowhere";
	default:
		snprintf(buf, 8, "%u", scope);
		return buf;
	}
}

/* A label of its own ("lo:1"); the kernel reports the device name when there is none. */
static const char *own_label(const struct nl_addr *a, const struct nl_link *l)
{
	return a->label[0] && strcmp(a->label, l->name) ? a->label : NULL;
}

/* The arp_ignore (k 0) or arp_announce (k 1) the kernel acts on for scope s, s > 0;
 * for s 0, the value of `all`, which is what an interface that comes later gets. */
static int in_force(const struct hide_cmd *c, unsigned s, unsigned k)
{
	return sysctl_effective(managed_keys[k], c->scopes[0].value[k], c->scopes[s].value[k]);
}

/* Does the ARP interface (or `all`) of scope s answer for an address of this scope? */
static bool answers_for(const struct hide_cmd *c, unsigned s, unsigned char scope)
{
	return !sysctl_arp_ignore_hides(in_force(c, s, 0), scope);
}

/* Any address kept on lo outside 127/8 needs the sysctls, whatever its mask or
 * scope (hide makes /32 scope host, people also add them by hand). */
static bool is_lo_vip(const struct hide_cmd *c, const struct nl_addr *a)
{
	const struct nl_link *l = netsel_link_by_index(&c->net, a->ifindex);

	return l && is_hiding_device(c, l) && (ntohl(a->addr.v4.s_addr) >> 24) != 127;
}

/*
 * Does this value of a scope, on its own, keep every VIP quiet once add is done?
 * The VIPs named are then of scope host; the others on lo keep their scope. So a
 * stricter arp_ignore (2, 8, or 3 when every VIP is of scope host) is kept, and a
 * 3 that would answer for a VIP of scope global left by hand is not.
 * arp_announce has only one such value.
 */
static bool value_hides(const struct hide_cmd *c, unsigned k, int value)
{
	if (k == 1)
		return sysctl_arp_announce_hides(value);
	if (!sysctl_arp_ignore_hides(value, RT_SCOPE_HOST))
		return false;
	for (size_t i = 0; i < c->net.addrs.count; i++) {
		const struct nl_addr *a = &c->net.addrs.items[i];

		if (is_lo_vip(c, a) && !is_named(c, a->addr.v4) &&
		    !sysctl_arp_ignore_hides(value, a->scope))
			return false;
	}
	return true;
}

/*
 * `all` first: the kernel takes the max of all and the interface, so from that
 * write on, every interface hides the VIP, including one that comes up meanwhile.
 * Only values that do not hide are changed, to 1 and 2; the hiding values are
 * closed under max, so no write leaves an interface answering that did not before.
 */
static int set_hiding_sysctls(struct hide_cmd *c)
{
	static const int target[2] = { SYSCTL_HIDE_ARP_IGNORE, SYSCTL_HIDE_ARP_ANNOUNCE };
	int status = 0;

	for (unsigned s = 0; s < c->scope_count && !status; s++)
		for (unsigned k = 0; k < 2 && !status; k++)
			if (!value_hides(c, k, c->scopes[s].value[k]))
				status = set_sysctl(c, &c->scopes[s], k, target[k]);
	return status;
}

static void report_readd(struct hide_cmd *c, struct in_addr vip, const char *label,
			 unsigned char old_scope, unsigned answering)
{
	char scope[8];
	int value = in_force(c, answering, 0);

	hide_out_change(&c->out, &(struct hide_change){
		.kind = HIDE_VIP_READDED, .vip = vip, .device = c->dev->name, .label = label,
		.from_scope = scope_name(old_scope, scope), .arp_ignore = value,
		.arp_ignore_meaning = sysctl_arp_ignore_meaning(value),
		.answered_on = c->scopes[answering].name,
	});
	c->changes++;
}

/*
 * The kernel keeps one address per address and mask on a device: a second VIP/32
 * with scope host is refused while the old one is there, and a replace
 * (NLM_F_REPLACE, `ip addr replace`) keeps the old scope. So the old address goes
 * first and the new one follows in the next request. In between, for one netlink
 * round trip, the host does not hold the VIP: it neither answers ARP for it nor
 * accepts its packets. From then on the arp_ignore in force (already set) keeps the
 * host-scope VIP quiet. Adding first, were it allowed, would leave the old
 * address answering until it went.
 */
static int readd_with_host_scope(struct hide_cmd *c, const struct nl_addr *old,
				 unsigned answering)
{
	char text[IPV4_STRLEN], label_buf[IF_NAMESIZE], scope[8];
	const char *label = own_label(old, c->dev);
	unsigned char old_scope = old->scope;
	struct in_addr vip = old->addr.v4;
	int err, restored;

	if (label)
		label = strcpy(label_buf, label);
	ipv4_format(vip, text);
	err = nl_addr_del(&c->nl, c->dev->ifindex, vip, 32);
	if (err) {
		cli_error(CMD, "cannot remove %s/32 from %s to add it back with scope host: %s",
			  text, c->dev->name, strerror(-err));
		return EXIT_TROUBLE;
	}
	err = nl_addr_add(&c->nl, c->dev->ifindex, vip, 32, RT_SCOPE_HOST, label);
	if (!err) {
		report_readd(c, vip, label, old_scope, answering);
		return 0;
	}
	restored = nl_addr_add(&c->nl, c->dev->ifindex, vip, 32, old_scope, label);
	cli_error(CMD, "cannot add %s/32 back to %s with scope host: %s; %s", text, c->dev->name,
		  strerror(-err), restored ? "restoring it as it was failed too"
					   : "it is back as it was");
	if (restored)
		cli_error(CMD, "the VIP is gone; restore it by hand: ip addr add %s/32 dev %s "
			       "scope %s%s%s", text, c->dev->name, scope_name(old_scope, scope),
			  label ? " label " : "", label ? label : "");
	return EXIT_TROUBLE;
}

/* Adds the VIP, or re-adds it with scope host when the arp_ignore in force, on an
 * interface or on `all`, answers for it as it is. One that is quiet already stays:
 * a re-add would only drop its packets for a moment. */
static int place_vip(struct hide_cmd *c, struct in_addr vip)
{
	const struct nl_addr *old = on_dev_as_32(c, vip);
	char text[IPV4_STRLEN];
	int err;

	if (old) {
		for (unsigned s = 0; s < c->scope_count; s++)
			if (answers_for(c, s, old->scope))
				return readd_with_host_scope(c, old, s);
		return 0;
	}
	err = nl_addr_add(&c->nl, c->dev->ifindex, vip, 32, RT_SCOPE_HOST, c->new_label);
	if (err) {
		cli_error(CMD, "cannot add %s/32 to %s: %s", ipv4_format(vip, text), c->dev->name,
			  strerror(-err));
		return EXIT_TROUBLE;
	}
	report_vip(c, HIDE_VIP_ADDED, vip, c->new_label);
	return 0;
}

static int run_add(struct hide_cmd *c)
{
	int status = set_hiding_sysctls(c);

	for (unsigned v = 0; v < c->vips.count && !status; v++)
		status = place_vip(c, c->vips.addr[v]);
	return status;
}

static size_t count_hidden_vips(const struct hide_cmd *c)
{
	size_t count = 0;

	for (size_t i = 0; i < c->net.addrs.count; i++) {
		if (is_lo_vip(c, &c->net.addrs.items[i]))
			count++;
	}
	return count;
}

static int run_del(struct hide_cmd *c)
{
	static const int kernel_default[2] = { SYSCTL_KERNEL_DEFAULT_ARP_IGNORE,
					       SYSCTL_KERNEL_DEFAULT_ARP_ANNOUNCE };
	size_t remaining;
	int status = 0;

	/* The address goes first: once it is gone there is nothing left to answer for. */
	for (unsigned v = 0; v < c->vips.count; v++) {
		const struct nl_addr *old = on_dev_as_32(c, c->vips.addr[v]);
		char text[IPV4_STRLEN];
		int err;

		if (!old)
			continue;
		err = nl_addr_del(&c->nl, c->dev->ifindex, c->vips.addr[v], 32);
		if (err && err != -EADDRNOTAVAIL) {
			cli_error(CMD, "cannot remove %s/32 from %s: %s", ipv4_format(c->vips.addr[v], text),
				  c->dev->name, strerror(-err));
			return EXIT_TROUBLE;
		}
		if (!err)
			report_vip(c, HIDE_VIP_REMOVED, c->vips.addr[v], own_label(old, c->dev));
	}
	if (c->keep_sysctls)
		return 0;
	status = reload_addrs(c);
	if (status)
		return status;
	remaining = count_hidden_vips(c);
	if (remaining) {
		hide_out_sysctls_kept(&c->out, remaining);
		return 0;
	}
	for (unsigned s = 0; s < c->scope_count && !status; s++)
		for (unsigned k = 0; k < 2 && !status; k++)
			if (c->scopes[s].value[k] != kernel_default[k])
				status = set_sysctl(c, &c->scopes[s], k, kernel_default[k]);
	return status;
}

static bool vip_answered(const struct hide_cmd *c, const struct nl_addr *a)
{
	for (unsigned s = 1; s < c->scope_count; s++)
		if (answers_for(c, s, a->scope))
			return true;
	return false;
}

/* show's verdicts, decided here and laid out by hide_out_show. */
struct show_model {
	struct hide_vip_view *vips;
	struct hide_scope_view *scopes;
	bool *answers;
	struct hide_show show;
};

static void describe_vip(const struct hide_cmd *c, const struct nl_addr *a,
			 struct hide_vip_view *v)
{
	const struct nl_link *l = netsel_link_by_index(&c->net, a->ifindex);
	char scope[8];

	v->addr = a->addr.v4;
	v->prefixlen = a->prefixlen;
	v->device = l->name;
	v->label = own_label(a, l);
	snprintf(v->scope, sizeof(v->scope), "%s", scope_name(a->scope, scope));
	v->host_scope = a->scope == RT_SCOPE_HOST;
	v->answered = vip_answered(c, a);
	v->fixable = a->prefixlen == 32 && a->ifindex == c->dev->ifindex;
	v->fix_dev = strcmp(c->dev->name, "lo") ? c->dev->name : NULL;
}

static void describe_scope(const struct hide_cmd *c, unsigned s, size_t vip_count,
			   bool answers_a_vip, struct hide_scope_view *v)
{
	const struct managed_scope *sc = &c->scopes[s];

	v->name = sc->name;
	v->arp_ignore = sc->value[0];
	v->arp_announce = sc->value[1];
	v->arp_ignore_in_force = in_force(c, s, 0);
	v->arp_announce_in_force = in_force(c, s, 1);
	v->arp_ignore_meaning = sysctl_arp_ignore_meaning(v->arp_ignore_in_force);
	/* With no VIP yet: would it answer for one as hide adds them? */
	v->answers_new_vips = s > 0 && !vip_count && answers_for(c, s, RT_SCOPE_HOST);
	v->may_send_from_vip = !sysctl_arp_announce_hides(v->arp_announce_in_force);
	v->hides = !answers_a_vip && !v->answers_new_vips && !v->may_send_from_vip;
}

static int build_show(const struct hide_cmd *c, struct show_model *m)
{
	size_t vip_count = count_hidden_vips(c), v = 0;

	m->vips = calloc(vip_count ? vip_count : 1, sizeof(*m->vips));
	m->scopes = calloc(c->scope_count, sizeof(*m->scopes));
	m->answers = calloc(c->scope_count * (vip_count ? vip_count : 1), sizeof(*m->answers));
	if (!m->vips || !m->scopes || !m->answers) {
		cli_error(CMD, "out of memory");
		return EXIT_TROUBLE;
	}
	for (size_t i = 0; i < c->net.addrs.count; i++) {
		const struct nl_addr *a = &c->net.addrs.items[i];

		if (!is_lo_vip(c, a))
			continue;
		describe_vip(c, a, &m->vips[v]);
		for (unsigned s = 1; s < c->scope_count; s++)
			m->answers[s * vip_count + v] = answers_for(c, s, a->scope);
		v++;
	}
	for (unsigned s = 0; s < c->scope_count; s++) {
		bool answers_a_vip = false;

		for (size_t k = 0; k < vip_count; k++)
			answers_a_vip |= m->answers[s * vip_count + k];
		describe_scope(c, s, vip_count, answers_a_vip, &m->scopes[s]);
	}
	m->show = (struct hide_show){
		.vips = m->vips, .vip_count = vip_count,
		.scopes = m->scopes, .scope_count = c->scope_count,
		.answers = m->answers,
	};
	return 0;
}

static int run_show(struct hide_cmd *c)
{
	struct show_model m = {0};
	int status = build_show(c, &m);

	if (!status)
		hide_out_show(&c->out, &m.show);
	free(m.vips);
	free(m.scopes);
	free(m.answers);
	return status ? status : cli_finish_output(CMD, EXIT_OK);
}

/* The sysctl.d file: the same recipe as add, applied at boot before the network. */
static int persist_content(const struct hide_cmd *c, char *buf, size_t cap)
{
	char name[SYSCTL_NAME_MAX], vip[IPV4_STRLEN];
	size_t used = 0;
	int n;

#define EMIT(...)                                                                    \
	do {                                                                         \
		n = snprintf(buf + used, cap - used, __VA_ARGS__);                   \
		if (n < 0 || (size_t)n >= cap - used)                                \
			return -ENOSPC;                                              \
		used += (size_t)n;                                                   \
	} while (0)

	EMIT("# Written by arpkit hide add --persist: this host is an LVS real server.\n"
	     "# Never answer ARP for an address held on %s (the VIPs), and never use one\n"
	     "# as the sender of an ARP request. The kernel acts on the max of `all` and\n"
	     "# the interface's own value; both are set so that neither a new interface\n"
	     "# nor a later change to one of them brings the answers back.\n"
	     "# VIPs:", c->dev->name);
	for (unsigned v = 0; v < c->vips.count; v++)
		EMIT(" %s/32", ipv4_format(c->vips.addr[v], vip));
	EMIT("\n");
	for (unsigned s = 0; s < c->scope_count; s++)
		for (unsigned k = 0; k < 2; k++)
			EMIT("%s = %d\n",
			     sysctl_name(name, sizeof(name), c->scopes[s].name, managed_keys[k]),
			     k == 0 ? SYSCTL_HIDE_ARP_IGNORE : SYSCTL_HIDE_ARP_ANNOUNCE);
#undef EMIT
	return (int)used;
}

static bool file_holds(const char *path, const char *content, size_t len)
{
	char buf[8192];
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	got = read(fd, buf, sizeof(buf));
	close(fd);
	return got >= 0 && (size_t)got == len && !memcmp(buf, content, len);
}

static int write_file_atomically(const char *path, const char *content, size_t len)
{
	char tmp[4096];
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.arpkit-tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, content, len) != (ssize_t)len)
		err = -(errno ? errno : EIO);
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/* The label the VIP has on the device now (else the one --dev gives new VIPs), kept
 * in the configuration printed. */
static const char *current_label(const struct hide_cmd *c, struct in_addr vip)
{
	const struct nl_addr *a = on_dev_as_32(c, vip);

	return a ? own_label(a, c->dev) : c->new_label;
}

static int run_persist(struct hide_cmd *c)
{
	char content[8192];
	const char *labels[LVS_MAX_VIPS];
	int len = persist_content(c, content, sizeof(content)), err;
	bool same;

	if (len < 0) {
		cli_error(CMD, "too many interfaces for %s", c->persist_file);
		return EXIT_TROUBLE;
	}
	same = file_holds(c->persist_file, content, (size_t)len);
	err = same ? 0 : write_file_atomically(c->persist_file, content, (size_t)len);
	if (err) {
		cli_error(CMD, "cannot write %s: %s", c->persist_file, strerror(-err));
		return EXIT_TROUBLE;
	}
	for (unsigned v = 0; v < c->vips.count; v++)
		labels[v] = current_label(c, c->vips.addr[v]);
	hide_out_persist(&c->out, &(struct hide_persist){
		.path = c->persist_file, .changed = !same, .device = c->dev->name,
		.vips = c->vips.addr, .labels = labels, .vip_count = c->vips.count,
	});
	return 0;
}

static int run(struct hide_cmd *c)
{
	int status = load_state(c);

	if (!status)
		status = choose_device(c);
	if (!status)
		status = check_vips_against_host(c);
	if (!status)
		status = read_scopes(c);
	if (status)
		return status;
	out_init(&c->out, stdout, c->json ? OUT_JSON : OUT_TEXT);
	if (c->action == HIDE_SHOW)
		return run_show(c);
	if (c->persist)
		return cli_finish_output(CMD, run_persist(c));
	/* Everything is checked; nothing has changed yet. */
	status = cli_require_caps(CMD, CAPS_NET_ADMIN);
	if (status)
		return status;
	hide_out_changes_begin(&c->out, c->action == HIDE_ADD ? "add" : "del");
	status = c->action == HIDE_ADD ? run_add(c) : run_del(c);
	hide_out_changes_end(&c->out, c->changes,
			     status ? "failed part way; the changes listed were made" : NULL);
	return cli_finish_output(CMD, status);
}

int cmd_hide(int argc, char **argv)
{
	struct hide_cmd c;
	int status;

	memset(&c, 0, sizeof(c));
	status = parse_options(&c, argc, argv);
	if (status < 0)
		return EXIT_OK;
	if (status == 0)
		status = run(&c);
	free(c.scopes);
	nl_snapshot_free(&c.net);
	if (c.nl.sock)
		nl_close(&c.nl);
	return status;
}
