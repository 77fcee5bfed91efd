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
	[LVS_NEIGH_ENTRY] = "neighbour-entry",
};

const char *lvs_check_name(enum lvs_check check)
{
	return (unsigned)check < LVS_CHECK_COUNT && check_names[check] ? check_names[check] : "?";
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

	return ifc && ifc->loopback && !is_loopback_net(addr->addr.v4);
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

void lvs_findings_free(lvs_finding_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		free(list->items[i].vips);
		free(list->items[i].problem);
	}
	free(list->items);
	memset(list, 0, sizeof(*list));
}

/* Room for one more item in a VEC-shaped array: the array (moved, perhaps),
 * or NULL when out of memory, the old one then left as it was. */
static void *reserve_one(void *items, size_t count, size_t *cap, size_t size)
{
	size_t grown = *cap ? *cap * 2 : 8;

	if (count < *cap)
		return items;
	items = realloc(items, grown * size);
	if (items)
		*cap = grown;
	return items;
}

/* The VIPs a finding is about, each once, in the order the host lists them. */
typedef VEC(struct in_addr) vip_list;

static int vip_list_add(vip_list *list, struct in_addr vip)
{
	struct in_addr *items;

	for (size_t i = 0; i < list->count; i++)
		if (list->items[i].s_addr == vip.s_addr)
			return 0;
	items = reserve_one(list->items, list->count, &list->cap, sizeof(vip));
	if (!items)
		return -ENOMEM;
	list->items = items;
	list->items[list->count++] = vip;
	return 0;
}

static struct lvs_finding *add_finding(lvs_finding_list *out, enum lvs_check check,
				       const char *iface, const struct in_addr *vips,
				       size_t vip_count)
{
	struct lvs_finding *f = reserve_one(out->items, out->count, &out->cap, sizeof(*f));

	if (!f)
		return NULL;
	out->items = f;
	f = &out->items[out->count];
	memset(f, 0, sizeof(*f));
	if (vip_count) {
		f->vips = malloc(vip_count * sizeof(*f->vips));
		if (!f->vips)
			return NULL;
		memcpy(f->vips, vips, vip_count * sizeof(*f->vips));
		f->vip_count = vip_count;
	}
	f->check = check;
	snprintf(f->iface, sizeof(f->iface), "%s", iface ? iface : "");
	out->count++;
	return f;
}

static struct lvs_finding *add_vip_finding(lvs_finding_list *out, enum lvs_check check,
					   const char *iface, struct in_addr vip)
{
	return add_finding(out, check, iface, &vip, 1);
}

/* Appends to the finding's problem text, which grows as needed: 0 or -ENOMEM. */
__attribute__((format(printf, 2, 3)))
static int say(struct lvs_finding *f, const char *fmt, ...)
{
	size_t used = f->problem ? strlen(f->problem) : 0;
	va_list ap;
	char *text;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		return -EINVAL;
	text = realloc(f->problem, used + (size_t)len + 1);
	if (!text)
		return -ENOMEM;
	f->problem = text;
	va_start(ap, fmt);
	vsnprintf(text + used, (size_t)len + 1, fmt, ap);
	va_end(ap);
	return 0;
}

/* "192.0.2.100, 192.0.2.101": every VIP of the finding, none left out. */
static int say_vips(struct lvs_finding *f, const char *when_none)
{
	char text[IPV4_STRLEN];
	int err = f->vip_count ? 0 : say(f, "%s", when_none);

	for (size_t i = 0; i < f->vip_count && !err; i++)
		err = say(f, "%s%s", i ? ", " : "", ipv4_format(f->vips[i], text));
	return err;
}

/* "02:00:00:00:00:10 (Vendor)"; registry placeholders come bracketed already. */
static int say_mac(struct lvs_finding *f, const struct mac *mac, const char *vendor)
{
	char text[MAC_STRLEN];

	if (!vendor)
		vendor = "(unknown)";
	return say(f, vendor[0] == '(' ? "%s %s" : "%s (%s)", mac_format(mac, text), vendor);
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
static void append_sysctl(char *fix, size_t cap, const char *scope, enum sysctl_key key,
			  int value)
{
	char name[SYSCTL_NAME_MAX];

	if (!sysctl_name(name, sizeof(name), scope, key))
		return;
	append(fix, cap, "%s%s=%d", fix[0] ? " " : "sysctl -w ", name, value);
}

static int value_of(const struct lvs_conf *conf, enum sysctl_key key)
{
	return conf->value[key];
}

static bool known(int value)
{
	return value != LVS_CONF_UNKNOWN;
}

static bool is_vip(const struct lvs_host *host, struct in_addr addr)
{
	for (size_t v = 0; v < host->vip_count; v++)
		if (host->vips[v].s_addr == addr.s_addr)
			return true;
	for (size_t i = 0; i < host->addr_count; i++)
		if (host->addrs[i].addr.v4.s_addr == addr.s_addr && is_lo_vip(host, &host->addrs[i]))
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
		f = add_vip_finding(out, LVS_LO_MASK, ifc->name, a->addr.v4);
		ipv4_format(a->addr.v4, addr);
		subnet.s_addr = htonl(ntohl(a->addr.v4.s_addr) & ipv4_netmask(a->prefixlen));
		if (!f || say(f, "%s/%u on %s: a mask other than /32 makes all of %s/%u local "
				 "to this host, which then cannot reach the other hosts of that "
				 "subnet (router, director, clients)", addr, a->prefixlen,
			      ifc->name, ipv4_format(subnet, net), a->prefixlen))
			return -ENOMEM;
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

		if (!ifc || !ifc->arp || !is_vip(host, a->addr.v4))
			continue;
		f = add_vip_finding(out, LVS_VIP_ON_ARP_IFACE, ifc->name, a->addr.v4);
		ipv4_format(a->addr.v4, addr);
		if (!f || say(f, "VIP %s is on %s, where the kernel answers ARP for it "
				 "whatever arp_ignore says: this real server claims the VIP from "
				 "the director", addr, ifc->name))
			return -ENOMEM;
		snprintf(f->fix, sizeof(f->fix), "ip addr del %s/%u dev %s", addr, a->prefixlen,
			 ifc->name);
	}
	return 0;
}

/*
 * Does `value` of key leave a VIP exposed: answered (arp_ignore) or usable as the
 * sender of this host's ARP requests (arp_announce)? 1 with the VIPs concerned in
 * out (when out is not NULL), 0, or -ENOMEM. arp_ignore depends on each VIP's
 * scope; with no VIP on a loopback device yet, the value must hide one of any
 * scope, and the VIPs concerned are those named on the command line.
 */
static int exposes(const struct lvs_host *host, enum sysctl_key key, int value, vip_list *out)
{
	bool any_lo_vip = false, exposed = false;

	for (size_t i = 0; i < host->addr_count; i++) {
		const struct nl_addr *a = &host->addrs[i];
		bool answered;

		if (!is_lo_vip(host, a))
			continue;
		any_lo_vip = true;
		answered = key == SYSCTL_ARP_IGNORE ? !sysctl_arp_ignore_hides(value, a->scope)
						    : !sysctl_arp_announce_hides(value);
		if (!answered)
			continue;
		exposed = true;
		if (out && vip_list_add(out, a->addr.v4))
			return -ENOMEM;
	}
	if (any_lo_vip)
		return exposed;
	exposed = key == SYSCTL_ARP_IGNORE ? !sysctl_arp_ignore_hides(value, RT_SCOPE_UNIVERSE)
					   : !sysctl_arp_announce_hides(value);
	for (size_t v = 0; v < host->vip_count && exposed && out; v++)
		if (vip_list_add(out, host->vips[v]))
			return -ENOMEM;
	return exposed;
}

/* Unreadable settings are reported as unknown, never guessed. */
static void describe_values(char *buf, size_t cap, int effective, int all, const char *iface,
			    int own)
{
	snprintf(buf, cap, "%d (max of all=%d, %s=%d)", effective, all, iface, own);
}

static int say_exposed_iface(struct lvs_finding *f, enum sysctl_key key,
			     const struct lvs_iface *ifc, int effective, const char *values)
{
	const char *them = f->vip_count == 1 ? "it" : "them";
	int err;

	if (key == SYSCTL_ARP_ANNOUNCE) {
		err = say(f, "arp_announce on %s is %s: ARP requests this host sends out of %s "
			     "may carry ", ifc->name, values, ifc->name);
		err = err ? err : say_vips(f, "its VIPs");
		return err ? err : say(f, " as the sender, and every neighbour that hears one "
					  "maps the VIP to this real server");
	}
	err = say(f, "arp_ignore on %s is %s, which %s: %s answers ARP for ", ifc->name, values,
		  sysctl_arp_ignore_meaning(effective), ifc->name);
	err = err ? err : say_vips(f, "its VIPs");
	if (!err && effective == 3 && f->vip_count) {
		err = say(f, ", not of scope host, so this real server claims %s from the "
			     "director (`arpkit hide add ", them);
		err = err ? err : say_vips(f, "");
		return err ? err : say(f, "` re-adds %s with scope host instead)", them);
	}
	return err ? err : say(f, ", so this real server claims %s from the director", them);
}

static int check_exposed_iface(const struct lvs_host *host, enum sysctl_key key,
			       const struct lvs_iface *ifc, const vip_list *exposed,
			       lvs_finding_list *out)
{
	const char *name = sysctl_key_name(key);
	int target = key == SYSCTL_ARP_IGNORE ? SYSCTL_HIDE_ARP_IGNORE : SYSCTL_HIDE_ARP_ANNOUNCE;
	int all = value_of(&host->all, key), own = value_of(&ifc->conf, key);
	int effective = sysctl_effective(key, all, own), err;
	struct lvs_finding *f;
	char values[96];

	f = add_finding(out, key == SYSCTL_ARP_IGNORE ? LVS_ARP_IGNORE : LVS_ARP_ANNOUNCE,
			ifc->name, exposed->items, exposed->count);
	if (!f)
		return -ENOMEM;
	describe_values(values, sizeof(values), effective, all, ifc->name, own);
	err = say_exposed_iface(f, key, ifc, effective, values);
	/* The kernel never reads lo's value for ARP arriving elsewhere: say so when
	 * that is the setting someone made. */
	for (size_t k = 0; k < host->iface_count && !err; k++) {
		int lo_value = value_of(&host->ifaces[k].conf, key);

		if (!host->ifaces[k].loopback || !known(lo_value))
			continue;
		err = exposes(host, key, lo_value, NULL);
		if (err == 0)
			err = say(f, " (%s=%d on %s has no effect: the kernel reads the interface "
				     "the ARP traffic uses, and `all`)", name, lo_value,
				  host->ifaces[k].name);
		else if (err == 1)
			err = 0;
	}
	if (err)
		return err;
	if (exposes(host, key, all, NULL))
		append_sysctl(f->fix, sizeof(f->fix), "all", key, target);
	if (exposes(host, key, own, NULL))
		append_sysctl(f->fix, sizeof(f->fix), ifc->name, key, target);
	return 0;
}

static int check_exposed_all(const struct lvs_host *host, enum sysctl_key key,
			     const vip_list *exposed, lvs_finding_list *out)
{
	const char *name = sysctl_key_name(key);
	int all = value_of(&host->all, key);
	enum lvs_check check = key == SYSCTL_ARP_IGNORE ? LVS_ARP_IGNORE_ALL : LVS_ARP_ANNOUNCE_ALL;
	struct lvs_finding *f = add_finding(out, check, "all", exposed->items, exposed->count);
	int err;

	if (!f)
		return -ENOMEM;
	err = say(f, "%s is set on each interface but net.ipv4.conf.all.%s is %d: an interface "
		     "that appears later (a bond, a VLAN, a new NIC) %s ", name, name, all,
		  key == SYSCTL_ARP_IGNORE ? "answers ARP for" : "may send ARP from");
	err = err ? err : say_vips(f, "its VIPs");
	append_sysctl(f->fix, sizeof(f->fix), "all", key,
		      key == SYSCTL_ARP_IGNORE ? SYSCTL_HIDE_ARP_IGNORE : SYSCTL_HIDE_ARP_ANNOUNCE);
	return err;
}

/* arp_ignore or arp_announce: every ARP interface must keep every VIP to itself, and
 * `all` too, for the interfaces still to come. */
static int check_hiding_key(const struct lvs_host *host, enum sysctl_key key,
			    lvs_finding_list *out)
{
	int all = value_of(&host->all, key), err = 0;
	bool every_iface_hides = true, any_iface = false;
	vip_list exposed = { 0 };

	if (!known(all))
		return 0;
	for (size_t i = 0; i < host->iface_count && !err; i++) {
		const struct lvs_iface *ifc = &host->ifaces[i];
		int own = value_of(&ifc->conf, key);

		if (!ifc->arp || !known(own))
			continue;
		any_iface = true;
		exposed.count = 0;
		err = exposes(host, key, sysctl_effective(key, all, own), &exposed);
		if (err == 1) {
			every_iface_hides = false;
			err = check_exposed_iface(host, key, ifc, &exposed, out);
		} else if (err == 0) {
			err = exposes(host, key, own, NULL);
			every_iface_hides &= err == 0;
			err = err < 0 ? err : 0;
		}
	}
	if (!err && any_iface && every_iface_hides) {
		exposed.count = 0;
		err = exposes(host, key, all, &exposed);
		if (err == 1)
			err = check_exposed_all(host, key, &exposed, out);
	}
	free(exposed.items);
	return err;
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
		f = add_finding(out, LVS_RP_FILTER, ifc->name, NULL, 0);
		describe_values(values, sizeof(values), effective, all, ifc->name, own);
		if (!f || say(f, "rp_filter on %s is %s, strict, but the default route "
				 "leaves through %s: client packets the director forwards to a VIP "
				 "through %s are dropped, because the route back to the client "
				 "does not use %s", ifc->name, values, default_iface, ifc->name,
			      ifc->name))
			return -ENOMEM;
		/* Loose mode on the interface wins over a strict `all`: the kernel takes the max. */
		append_sysctl(f->fix, sizeof(f->fix), ifc->name, SYSCTL_RP_FILTER, 2);
	}
	return 0;
}

/* proxy_arp and drop_gratuitous_arp: on when `all` or the interface says so. */
static int check_or_key(const struct lvs_host *host, enum sysctl_key key, lvs_finding_list *out)
{
	int all = value_of(&host->all, key), err;

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
				ifc->name, NULL, 0);
		if (!f)
			return -ENOMEM;
		if (key == SYSCTL_PROXY_ARP)
			err = say(f, "proxy_arp is on for %s (all=%d, %s=%d): with forwarding "
				     "on, this real server answers ARP for addresses it routes "
				     "elsewhere and claims them from their owners", ifc->name, all,
				  ifc->name, own);
		else
			err = say(f, "drop_gratuitous_arp is on for %s (all=%d, %s=%d): this "
				     "host ignores the announcement a director or gateway sends "
				     "when it takes over an address, and keeps sending to the "
				     "failed machine until its cache entry expires", ifc->name, all,
				  ifc->name, own);
		if (err)
			return err;
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
		if (host->addrs[i].addr.v4.s_addr == addr.s_addr)
			return true;
	return false;
}

static bool iface_on_subnet(const struct lvs_host *host, int ifindex, struct in_addr addr)
{
	for (size_t i = 0; i < host->addr_count; i++)
		if (host->addrs[i].ifindex == ifindex &&
		    ipv4_in_subnet(addr, host->addrs[i].addr.v4, host->addrs[i].prefixlen))
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

			if (!ifc->arp || !known(own) ||
			    !iface_on_subnet(host, ifc->ifindex, host->vips[v]))
				continue;
			effective = sysctl_effective(SYSCTL_ARP_ACCEPT, all, own);
			if (effective == 0)
				continue;
			f = add_vip_finding(out, LVS_ARP_ACCEPT, ifc->name, host->vips[v]);
			if (!f || say(f, "arp_accept on %s is %d (max of all=%d, %s=%d): "
					 "any gratuitous ARP for %s creates a cache entry here, "
					 "so a real server that announces the VIP by mistake is "
					 "believed without being asked (failover announcements "
					 "do not need it: existing entries are updated "
					 "regardless)", ifc->name, effective, all, ifc->name, own,
				      ipv4_format(host->vips[v], addr)))
				return -ENOMEM;
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

		if (!(n->state & (NUD_PERMANENT | NUD_NOARP)) || !is_vip(host, n->dst.v4) || !ifc)
			continue;
		f = add_vip_finding(out, LVS_PERMANENT_NEIGH, ifc->name, n->dst.v4);
		if (!f)
			return -ENOMEM;
		f->has_mac = n->has_lladdr;
		f->mac = n->lladdr;
		ipv4_format(n->dst.v4, addr);
		if (say(f, "a static ARP entry maps VIP %s to %s on %s: no announcement can move "
			   "it when the director fails over (remove it from the boot configuration "
			   "too)", addr, n->has_lladdr ? mac_format(&n->lladdr, mac) : "no address",
			ifc->name))
			return -ENOMEM;
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

static int say_responders(struct lvs_finding *f, const struct lvs_vip_check *c)
{
	int err = 0;

	for (size_t i = 0; i < c->responder_count && !err; i++) {
		err = say(f, "%s", i ? ", " : "");
		err = err ? err : say_mac(f, &c->responders[i].mac, c->responders[i].vendor);
		if (!err && c->responders[i].self)
			err = say(f, " [this host]");
	}
	return err;
}

static int responders_finding(const struct lvs_vip_check *c, lvs_finding_list *out)
{
	struct lvs_finding *f = add_vip_finding(out, LVS_RESPONDERS, c->iface, c->vip);
	char addr[IPV4_STRLEN];
	int err;

	if (!f)
		return -ENOMEM;
	ipv4_format(c->vip, addr);
	if (c->responder_count == 0) {
		snprintf(f->fix, sizeof(f->fix), "ip addr add %s/32 dev IFACE  # on the director",
			 addr);
		return say(f, "nobody answers ARP for VIP %s on %s: the director is down, or not "
			      "on this segment", addr, c->iface);
	}
	snprintf(f->fix, sizeof(f->fix), "arpkit hide add %s  # on each real server above", addr);
	err = say(f, "%zu MACs answer ARP for VIP %s on %s, the ARP problem: ",
		  c->responder_count, addr, c->iface);
	err = err ? err : say_responders(f, c);
	return err ? err : say(f, "; only the director may answer, the others are real servers "
				  "that do not hide it");
}

bool lvs_neigh_is_learnt(const struct nl_neigh *entry)
{
	return entry->has_lladdr &&
	       (entry->state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE));
}

static const struct lvs_responder *find_responder(const struct lvs_vip_check *c,
						  const struct mac *mac)
{
	for (size_t i = 0; i < c->responder_count; i++)
		if (mac_equal(&c->responders[i].mac, mac))
			return &c->responders[i];
	return NULL;
}

/*
 * Linux learns a mapping not only from answers but from any ARP request sent to it:
 * "who-has ROUTER tell VIP" from a real server whose arp_announce is not 2 maps the
 * VIP to that real server here, although it never answers for the VIP. The network
 * check alone cannot see that; this host's own table shows it.
 */
static int neighbour_finding(const struct lvs_vip_check *c, lvs_finding_list *out)
{
	const struct nl_neigh *n = c->entry;
	char addr[IPV4_STRLEN], mac[MAC_STRLEN], now[MAC_STRLEN];
	bool answers;
	struct lvs_finding *f;
	int err;

	if (!n || !lvs_neigh_is_learnt(n) || c->responder_count == 0)
		return 0;
	answers = find_responder(c, &n->lladdr) != NULL;
	if (answers && c->responder_count == 1)
		return 0;
	f = add_vip_finding(out, LVS_NEIGH_ENTRY, c->iface, c->vip);
	if (!f)
		return -ENOMEM;
	f->mac = n->lladdr;
	f->has_mac = true;
	ipv4_format(c->vip, addr);
	mac_format(&n->lladdr, mac);
	err = say(f, "this host's neighbour table maps VIP %s on %s to ", addr, c->iface);
	err = err ? err : say_mac(f, &n->lladdr, c->entry_vendor);
	if (!err && answers) {
		err = say(f, ", one of the %zu MACs that answer ARP for it: the entry follows "
			     "whichever answer came last, so traffic for the VIP may go to a real "
			     "server", c->responder_count);
		snprintf(f->fix, sizeof(f->fix),
			 "arpkit hide add %s  # on each real server that answers; then here: ip "
			 "neigh del %s dev %s", addr, addr, c->iface);
	} else if (!err) {
		err = say(f, ", which does not answer ARP for it; %s ", c->responder_count == 1
			  ? "the MAC that does is" : "the MACs that do are");
		err = err ? err : say_responders(f, c);
		err = err ? err : say(f, ": traffic for the VIP goes to %s, not to the "
					 "director. A host that does not answer for a VIP is "
					 "believed to hold it when it sends ARP from it: a real "
					 "server whose arp_announce is not 2 asking \"who-has "
					 "<this host> tell %s\" (or a former holder announcing "
					 "it)", mac, addr);
		snprintf(f->fix, sizeof(f->fix),
			 "arpkit hide add %s  # on the real server with MAC %s: it sets "
			 "arp_announce=2 there; then here: ip neigh del %s dev %s", addr, mac, addr,
			 c->iface);
	}
	if (!err && c->entry_after && c->entry_after->has_lladdr &&
	    !mac_equal(&c->entry_after->lladdr, &n->lladdr))
		err = say(f, " (the answers to this check have since replaced the entry with %s; "
			     "it comes back each time %s sends ARP from the VIP)",
			  mac_format(&c->entry_after->lladdr, now), mac);
	return err;
}

int lvs_network_findings(const struct lvs_vip_check *check, lvs_finding_list *out)
{
	int err = check->responder_count == 1 ? 0 : responders_finding(check, out);

	return err ? err : neighbour_finding(check, out);
}
