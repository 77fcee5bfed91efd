#include "lvs_audit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const check_names[LVS_CHECK_COUNT] = {
	[LVS_LO_MASK] = "lo-mask",
	[LVS_VIP_ON_ARP_IFACE] = "vip-on-arp-interface",
	[LVS_ARP_IGNORE] = "arp_ignore",
	[LVS_ARP_IGNORE_ALL] = "arp_ignore-all",
	[LVS_ARP_ANNOUNCE] = "arp_announce",
	[LVS_ARP_ANNOUNCE_ALL] = "arp_announce-all",
	[LVS_RP_FILTER] = "rp_filter",
	[LVS_PROXY_ARP] = "proxy_arp",
	[LVS_DROP_GRATUITOUS_ARP] = "drop_gratuitous_arp",
	[LVS_ARP_ACCEPT] = "arp_accept",
	[LVS_PERMANENT_NEIGH] = "permanent-neighbour",
	[LVS_RESPONDERS] = "arp-responders",
};

const char *lvs_check_name(enum lvs_check check)
{
	return (unsigned)check < LVS_CHECK_COUNT ? check_names[check] : "?";
}

const char *lvs_vip_unusable(struct in_addr addr)
{
	uint32_t a = ntohl(addr.s_addr);

	if (a == 0xffffffffu)
		return "the broadcast address";
	if (a >> 24 == 0)
		return "in 0.0.0.0/8 (\"this network\")";
	if (a >> 24 == 127)
		return "a loopback address (127.0.0.0/8)";
	if (a >> 28 == 0xe)
		return "a multicast address";
	if (a >> 28 == 0xf)
		return "in the reserved 240.0.0.0/4";
	return NULL;
}

int lvs_vip_set_add(struct lvs_vip_set *set, const char *text, const char **why)
{
	const char *slash = strchr(text, '/');
	char plain[IPV4_STRLEN];
	size_t len = slash ? (size_t)(slash - text) : strlen(text);
	struct in_addr vip;

	if (slash && strcmp(slash, "/32")) {
		*why = "a hidden VIP is always a /32";
		return -EINVAL;
	}
	if (len >= sizeof(plain)) {
		*why = "not an IPv4 address";
		return -EINVAL;
	}
	memcpy(plain, text, len);
	plain[len] = '\0';
	*why = ipv4_parse(plain, &vip) < 0 ? "not an IPv4 address" : lvs_vip_unusable(vip);
	if (*why)
		return -EINVAL;
	for (unsigned i = 0; i < set->count; i++)
		if (set->addr[i].s_addr == vip.s_addr)
			return 0;
	if (set->count == LVS_MAX_VIPS)
		return -ENOSPC;
	set->addr[set->count++] = vip;
	return 0;
}

static bool is_loopback_net(struct in_addr addr)
{
	return ntohl(addr.s_addr) >> 24 == 127;
}

bool lvs_addr_is_hidden_vip(const struct nl_addr *addr)
{
	return addr->prefixlen == 32 && addr->scope == RT_SCOPE_HOST && !is_loopback_net(addr->addr);
}

static const struct lvs_iface *iface_by_index(const struct lvs_host *host, int ifindex)
{
	for (size_t i = 0; i < host->iface_count; i++)
		if (host->ifaces[i].ifindex == ifindex)
			return &host->ifaces[i];
	return NULL;
}

/* An address on a loopback device that is not loopback itself: a VIP kept off the wire. */
static bool is_lo_vip(const struct lvs_host *host, const struct nl_addr *addr)
{
	const struct lvs_iface *ifc = iface_by_index(host, addr->ifindex);

	return ifc && ifc->loopback && !is_loopback_net(addr->addr);
}

bool lvs_host_is_real_server(const struct lvs_host *host)
{
	if (host->force_real_server)
		return true;
	for (size_t i = 0; i < host->addr_count; i++)
		if (is_lo_vip(host, &host->addrs[i]))
			return true;
	return false;
}

static struct lvs_finding *add_finding(lvs_finding_list *out, enum lvs_check check,
				       const char *iface, struct in_addr vip)
{
	struct lvs_finding *f;

	if (out->count == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 8;
		struct lvs_finding *items = realloc(out->items, cap * sizeof(*items));

		if (!items)
			return NULL;
		out->items = items;
		out->cap = cap;
	}
	f = &out->items[out->count++];
	memset(f, 0, sizeof(*f));
	f->check = check;
	snprintf(f->iface, sizeof(f->iface), "%s", iface ? iface : "");
	f->vip = vip;
	return f;
}

__attribute__((format(printf, 3, 4)))
static void append(char *buf, size_t cap, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, cap - used, fmt, ap);
	va_end(ap);
}

/* Adds "NAME=VALUE" to a "sysctl -w ..." command line. */
static void append_sysctl(char *fix, size_t cap, const char *scope, enum sysctl_key key, int value)
{
	char name[SYSCTL_NAME_MAX];

	if (!sysctl_name(name, sizeof(name), scope, key))
		return;
	append(fix, cap, "%s%s=%d", fix[0] ? " " : "sysctl -w ", name, value);
}

static const struct in_addr no_vip;

static int value_of(const struct lvs_conf *conf, enum sysctl_key key)
{
	return conf->value[key];
}

static bool known(int value)
{
	return value != LVS_CONF_UNKNOWN;
}

/* The VIPs held on loopback devices, as text for messages: "192.0.2.100, 192.0.2.101". */
static void describe_lo_vips(const struct lvs_host *host, char *buf, size_t cap)
{
	char text[IPV4_STRLEN];
	unsigned shown = 0, more = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < host->addr_count; i++) {
		if (!is_lo_vip(host, &host->addrs[i]))
			continue;
		if (shown == 3) {
			more++;
			continue;
		}
		append(buf, cap, "%s%s", shown ? ", " : "", ipv4_format(host->addrs[i].addr, text));
		shown++;
	}
	if (more)
		append(buf, cap, " and %u more", more);
	if (!shown)
		for (size_t v = 0; v < host->vip_count && v < 3; v++)
			append(buf, cap, "%s%s", v ? ", " : "", ipv4_format(host->vips[v], text));
	if (!buf[0])
		snprintf(buf, cap, "its VIPs");
}

static bool is_vip(const struct lvs_host *host, struct in_addr addr)
{
	for (size_t v = 0; v < host->vip_count; v++)
		if (host->vips[v].s_addr == addr.s_addr)
			return true;
	for (size_t i = 0; i < host->addr_count; i++)
		if (host->addrs[i].addr.s_addr == addr.s_addr && is_lo_vip(host, &host->addrs[i]))
			return true;
	return false;
}

static int check_lo_masks(const struct lvs_host *host, lvs_finding_list *out)
{
	char addr[IPV4_STRLEN], net[IPV4_STRLEN];

	for (size_t i = 0; i < host->addr_count; i++) {
		const struct nl_addr *a = &host->addrs[i];
		const struct lvs_iface *ifc = iface_by_index(host, a->ifindex);
		struct lvs_finding *f;
		struct in_addr subnet;

		if (!is_lo_vip(host, a) || a->prefixlen == 32)
			continue;
		f = add_finding(out, LVS_LO_MASK, ifc->name, a->addr);
		if (!f)
			return -ENOMEM;
		ipv4_format(a->addr, addr);
		subnet.s_addr = htonl(ntohl(a->addr.s_addr) & ipv4_netmask(a->prefixlen));
		snprintf(f->problem, sizeof(f->problem),
			 "%s/%u on %s: a mask other than /32 makes all of %s/%u local to this host, "
			 "which then cannot reach the other hosts of that subnet (router, director, "
			 "clients)", addr, a->prefixlen, ifc->name, ipv4_format(subnet, net),
			 a->prefixlen);
		snprintf(f->fix, sizeof(f->fix),
			 "ip addr del %s/%u dev %s && ip addr add %s/32 dev %s scope host", addr,
			 a->prefixlen, ifc->name, addr, ifc->name);
	}
	return 0;
}

static int check_vips_on_arp_ifaces(const struct lvs_host *host, lvs_finding_list *out)
{
	char addr[IPV4_STRLEN];

	for (size_t i = 0; i < host->addr_count; i++) {
		const struct nl_addr *a = &host->addrs[i];
		const struct lvs_iface *ifc = iface_by_index(host, a->ifindex);
		struct lvs_finding *f;

		if (!ifc || !ifc->arp || !is_vip(host, a->addr))
			continue;
		f = add_finding(out, LVS_VIP_ON_ARP_IFACE, ifc->name, a->addr);
		if (!f)
			return -ENOMEM;
		ipv4_format(a->addr, addr);
		snprintf(f->problem, sizeof(f->problem),
			 "VIP %s is on %s, where the kernel answers ARP for it whatever arp_ignore "
			 "says: this real server claims the VIP from the director", addr, ifc->name);
		snprintf(f->fix, sizeof(f->fix), "ip addr del %s/%u dev %s", addr, a->prefixlen,
			 ifc->name);
	}
	return 0;
}

/* Does arp_ignore `value` hide every VIP held on a loopback device? */
static bool ignore_hides_all(const struct lvs_host *host, int value)
{
	bool any = false;

	for (size_t i = 0; i < host->addr_count; i++) {
		if (!is_lo_vip(host, &host->addrs[i]))
			continue;
		any = true;
		if (!sysctl_arp_ignore_hides(value, host->addrs[i].scope == RT_SCOPE_HOST))
			return false;
	}
	return any || sysctl_arp_ignore_hides(value, false);
}

static bool hides(const struct lvs_host *host, enum sysctl_key key, int value)
{
	return key == SYSCTL_ARP_IGNORE ? ignore_hides_all(host, value)
					: sysctl_arp_announce_hides(value);
}

/* Unreadable settings are reported as unknown, never guessed. */
static void describe_values(char *buf, size_t cap, int effective, int all, const char *iface,
			    int own)
{
	snprintf(buf, cap, "%d (max of all=%d, %s=%d)", effective, all, iface, own);
}

static int check_hiding_key(const struct lvs_host *host, enum sysctl_key key, lvs_finding_list *out)
{
	const char *name = sysctl_key_name(key);
	int target = key == SYSCTL_ARP_IGNORE ? SYSCTL_HIDE_ARP_IGNORE : SYSCTL_HIDE_ARP_ANNOUNCE;
	int all = value_of(&host->all, key);
	bool all_hides = known(all) && hides(host, key, all), every_iface_hides = true, any_iface = false;
	char vips[128], values[96];

	describe_lo_vips(host, vips, sizeof(vips));
	for (size_t i = 0; i < host->iface_count; i++) {
		const struct lvs_iface *ifc = &host->ifaces[i];
		int own = value_of(&ifc->conf, key), effective;
		struct lvs_finding *f;
		int lo_value;

		if (!ifc->arp || !known(own) || !known(all))
			continue;
		any_iface = true;
		effective = sysctl_effective(key, all, own);
		if (hides(host, key, effective)) {
			every_iface_hides &= hides(host, key, own);
			continue;
		}
		every_iface_hides = false;
		f = add_finding(out, key == SYSCTL_ARP_IGNORE ? LVS_ARP_IGNORE : LVS_ARP_ANNOUNCE,
				ifc->name, no_vip);
		if (!f)
			return -ENOMEM;
		describe_values(values, sizeof(values), effective, all, ifc->name, own);
		if (key == SYSCTL_ARP_IGNORE)
			snprintf(f->problem, sizeof(f->problem),
				 "arp_ignore on %s is %s: %s answers ARP for %s, so this real server "
				 "claims the VIP from the director", ifc->name, values, ifc->name, vips);
		else
			snprintf(f->problem, sizeof(f->problem),
				 "arp_announce on %s is %s: ARP requests this host sends out of %s "
				 "may carry %s as the sender, and every neighbour that hears one "
				 "maps the VIP to this real server", ifc->name, values, ifc->name, vips);
		/* The kernel never reads lo's value for ARP arriving elsewhere: say so
		 * when that is the setting someone made. */
		for (size_t k = 0; k < host->iface_count; k++) {
			if (!host->ifaces[k].loopback)
				continue;
			lo_value = value_of(&host->ifaces[k].conf, key);
			if (known(lo_value) && hides(host, key, lo_value))
				append(f->problem, sizeof(f->problem),
				       " (%s=%d on %s has no effect: the kernel reads the interface the "
				       "ARP traffic uses, and `all`)", name, lo_value, host->ifaces[k].name);
		}
		if (!hides(host, key, all))
			append_sysctl(f->fix, sizeof(f->fix), "all", key, target);
		if (!hides(host, key, own))
			append_sysctl(f->fix, sizeof(f->fix), ifc->name, key, target);
	}
	if (any_iface && every_iface_hides && !all_hides && known(all)) {
		enum lvs_check check = key == SYSCTL_ARP_IGNORE ? LVS_ARP_IGNORE_ALL
								 : LVS_ARP_ANNOUNCE_ALL;
		struct lvs_finding *f = add_finding(out, check, "all", no_vip);

		if (!f)
			return -ENOMEM;
		snprintf(f->problem, sizeof(f->problem),
			 "%s is set on each interface but net.ipv4.conf.all.%s is %d: an interface "
			 "that appears later (a bond, a VLAN, a new NIC) answers for %s", name, name,
			 all, vips);
		append_sysctl(f->fix, sizeof(f->fix), "all", key, target);
	}
	return 0;
}

static bool any_default_route(const struct lvs_host *host, const char **name)
{
	for (size_t i = 0; i < host->iface_count; i++)
		if (host->ifaces[i].default_route) {
			*name = host->ifaces[i].name;
			return true;
		}
	return false;
}

/*
 * Strict mode (1) drops a packet unless the route back to its source leaves through
 * the interface it came in on. Clients reach a real server from anywhere, and the
 * route back to them is the default route; so strict mode on any other interface
 * drops what the director forwards there (and all LVS-TUN traffic, which arrives
 * on the tunnel device). Loose mode (2) checks only that a route back exists.
 */
static int check_rp_filter(const struct lvs_host *host, lvs_finding_list *out)
{
	int all = value_of(&host->all, SYSCTL_RP_FILTER);
	const char *default_iface;
	char values[96];

	if (!known(all) || !any_default_route(host, &default_iface))
		return 0;
	for (size_t i = 0; i < host->iface_count; i++) {
		const struct lvs_iface *ifc = &host->ifaces[i];
		int own = value_of(&ifc->conf, SYSCTL_RP_FILTER), effective;
		struct lvs_finding *f;

		if (!ifc->up || ifc->loopback || ifc->default_route || !known(own))
			continue;
		effective = sysctl_effective(SYSCTL_RP_FILTER, all, own);
		if (effective != 1)
			continue;
		f = add_finding(out, LVS_RP_FILTER, ifc->name, no_vip);
		if (!f)
			return -ENOMEM;
		describe_values(values, sizeof(values), effective, all, ifc->name, own);
		snprintf(f->problem, sizeof(f->problem),
			 "rp_filter on %s is %s, strict, but the default route leaves through %s: "
			 "client packets the director forwards to a VIP through %s are dropped, "
			 "because the route back to the client does not use %s", ifc->name, values,
			 default_iface, ifc->name, ifc->name);
		/* Loose mode on the interface wins over a strict `all`: the kernel takes the max. */
		append_sysctl(f->fix, sizeof(f->fix), ifc->name, SYSCTL_RP_FILTER, 2);
	}
	return 0;
}

/* proxy_arp and drop_gratuitous_arp: on when `all` or the interface says so. */
static int check_or_key(const struct lvs_host *host, enum sysctl_key key, lvs_finding_list *out)
{
	int all = value_of(&host->all, key);

	if (!known(all))
		return 0;
	for (size_t i = 0; i < host->iface_count; i++) {
		const struct lvs_iface *ifc = &host->ifaces[i];
		int own = value_of(&ifc->conf, key);
		struct lvs_finding *f;

		if (!ifc->arp || !known(own) || !sysctl_effective(key, all, own))
			continue;
		f = add_finding(out,
				key == SYSCTL_PROXY_ARP ? LVS_PROXY_ARP : LVS_DROP_GRATUITOUS_ARP,
				ifc->name, no_vip);
		if (!f)
			return -ENOMEM;
		if (key == SYSCTL_PROXY_ARP)
			snprintf(f->problem, sizeof(f->problem),
				 "proxy_arp is on for %s (all=%d, %s=%d): with forwarding on, this real "
				 "server answers ARP for addresses it routes elsewhere and claims them "
				 "from their owners", ifc->name, all, ifc->name, own);
		else
			snprintf(f->problem, sizeof(f->problem),
				 "drop_gratuitous_arp is on for %s (all=%d, %s=%d): this host ignores the "
				 "announcement a director or gateway sends when it takes over an address, "
				 "and keeps sending to the failed machine until its cache entry expires",
				 ifc->name, all, ifc->name, own);
		if (all)
			append_sysctl(f->fix, sizeof(f->fix), "all", key, 0);
		if (own)
			append_sysctl(f->fix, sizeof(f->fix), ifc->name, key, 0);
	}
	return 0;
}

static bool held_locally(const struct lvs_host *host, struct in_addr addr)
{
	for (size_t i = 0; i < host->addr_count; i++)
		if (host->addrs[i].addr.s_addr == addr.s_addr)
			return true;
	return false;
}

static bool iface_on_subnet(const struct lvs_host *host, int ifindex, struct in_addr addr)
{
	for (size_t i = 0; i < host->addr_count; i++)
		if (host->addrs[i].ifindex == ifindex &&
		    ipv4_in_subnet(addr, host->addrs[i].addr, host->addrs[i].prefixlen))
			return true;
	return false;
}

/*
 * arp_accept does not decide whether failover works: a gratuitous ARP updates an
 * entry that exists whatever arp_accept says (ip-sysctl.rst; arp_process()). What
 * it adds is entries for addresses never asked about, so on a host that talks to
 * the VIP a real server's stray announcement is believed at once. Checked for the
 * VIPs named with --vip that this host does not hold itself.
 */
static int check_arp_accept(const struct lvs_host *host, lvs_finding_list *out)
{
	int all = value_of(&host->all, SYSCTL_ARP_ACCEPT);
	char addr[IPV4_STRLEN];

	if (!known(all))
		return 0;
	for (size_t v = 0; v < host->vip_count; v++) {
		if (held_locally(host, host->vips[v]))
			continue;
		for (size_t i = 0; i < host->iface_count; i++) {
			const struct lvs_iface *ifc = &host->ifaces[i];
			int own = value_of(&ifc->conf, SYSCTL_ARP_ACCEPT), effective;
			struct lvs_finding *f;

			if (!ifc->arp || !known(own) || !iface_on_subnet(host, ifc->ifindex, host->vips[v]))
				continue;
			effective = sysctl_effective(SYSCTL_ARP_ACCEPT, all, own);
			if (effective == 0)
				continue;
			f = add_finding(out, LVS_ARP_ACCEPT, ifc->name, host->vips[v]);
			if (!f)
				return -ENOMEM;
			snprintf(f->problem, sizeof(f->problem),
				 "arp_accept on %s is %d (max of all=%d, %s=%d): any gratuitous ARP for "
				 "%s creates a cache entry here, so a real server that announces the VIP "
				 "by mistake is believed without being asked (failover announcements do "
				 "not need it: existing entries are updated regardless)", ifc->name,
				 effective, all, ifc->name, own, ipv4_format(host->vips[v], addr));
			if (all)
				append_sysctl(f->fix, sizeof(f->fix), "all", SYSCTL_ARP_ACCEPT, 0);
			if (own)
				append_sysctl(f->fix, sizeof(f->fix), ifc->name,
					      SYSCTL_ARP_ACCEPT, 0);
		}
	}
	return 0;
}

static int check_permanent_neighbours(const struct lvs_host *host, lvs_finding_list *out)
{
	char addr[IPV4_STRLEN], mac[MAC_STRLEN];

	for (size_t i = 0; i < host->neigh_count; i++) {
		const struct nl_neigh *n = &host->neighs[i];
		const struct lvs_iface *ifc = iface_by_index(host, n->ifindex);
		struct lvs_finding *f;

		if (!(n->state & (NUD_PERMANENT | NUD_NOARP)) || !is_vip(host, n->dst) || !ifc)
			continue;
		f = add_finding(out, LVS_PERMANENT_NEIGH, ifc->name, n->dst);
		if (!f)
			return -ENOMEM;
		ipv4_format(n->dst, addr);
		snprintf(f->problem, sizeof(f->problem),
			 "a static ARP entry maps VIP %s to %s on %s: no announcement can move it "
			 "when the director fails over (remove it from the boot configuration too)",
			 addr, n->has_lladdr ? mac_format(&n->lladdr, mac) : "no address", ifc->name);
		snprintf(f->fix, sizeof(f->fix), "ip neigh del %s dev %s", addr, ifc->name);
	}
	return 0;
}

int lvs_audit(const struct lvs_host *host, lvs_finding_list *out)
{
	bool real_server = lvs_host_is_real_server(host);
	int err = check_lo_masks(host, out);

	if (!err && real_server)
		err = check_vips_on_arp_ifaces(host, out);
	if (!err && real_server)
		err = check_hiding_key(host, SYSCTL_ARP_IGNORE, out);
	if (!err && real_server)
		err = check_hiding_key(host, SYSCTL_ARP_ANNOUNCE, out);
	if (!err && real_server)
		err = check_rp_filter(host, out);
	if (!err && real_server)
		err = check_or_key(host, SYSCTL_PROXY_ARP, out);
	if (!err)
		err = check_or_key(host, SYSCTL_DROP_GRATUITOUS_ARP, out);
	if (!err)
		err = check_arp_accept(host, out);
	if (!err)
		err = check_permanent_neighbours(host, out);
	return err;
}

bool lvs_responders_finding(struct in_addr vip, const char *iface,
			    const struct lvs_responder *responders, size_t count,
			    struct lvs_finding *out)
{
	char addr[IPV4_STRLEN], mac[MAC_STRLEN];

	if (count == 1)
		return false;
	memset(out, 0, sizeof(*out));
	out->check = LVS_RESPONDERS;
	out->vip = vip;
	snprintf(out->iface, sizeof(out->iface), "%s", iface);
	ipv4_format(vip, addr);
	if (count == 0) {
		snprintf(out->problem, sizeof(out->problem),
			 "nobody answers ARP for VIP %s on %s: the director is down, or not on "
			 "this segment", addr, iface);
		snprintf(out->fix, sizeof(out->fix), "ip addr add %s/32 dev IFACE  # on the director",
			 addr);
		return true;
	}
	snprintf(out->problem, sizeof(out->problem),
		 "%zu MACs answer ARP for VIP %s on %s, the ARP problem: ", count, addr, iface);
	for (size_t i = 0; i < count; i++) {
		const char *vendor = responders[i].vendor ? responders[i].vendor : "(unknown)";
		bool bracketed = vendor[0] == '(';

		append(out->problem, sizeof(out->problem), "%s%s %s%s%s%s", i ? ", " : "",
		       mac_format(&responders[i].mac, mac), bracketed ? "" : "(", vendor,
		       bracketed ? "" : ")", responders[i].self ? " [this host]" : "");
	}
	append(out->problem, sizeof(out->problem),
	       "; only the director may answer, the others are real servers that do not hide it");
	snprintf(out->fix, sizeof(out->fix), "arpkit hide add %s  # on each real server above", addr);
	return true;
}
