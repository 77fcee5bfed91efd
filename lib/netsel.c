#include "netsel.h"

#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <string.h>

const struct nl_link *netsel_link_by_index(const struct nl_snapshot *s, int ifindex)
{
	for (size_t i = 0; i < s->links.count; i++)
		if (s->links.items[i].ifindex == ifindex)
			return &s->links.items[i];
	return NULL;
}

static const struct nl_link *link_named(const struct nl_snapshot *s, const char *name,
					size_t len)
{
	if (len >= IF_NAMESIZE)
		return NULL;
	for (size_t i = 0; i < s->links.count; i++) {
		const char *have = s->links.items[i].name;

		if (strlen(have) == len && !memcmp(have, name, len))
			return &s->links.items[i];
	}
	return NULL;
}

const struct nl_link *netsel_link_by_name(const struct nl_snapshot *s, const char *name,
					  enum netsel_match *how)
{
	enum netsel_match unused;
	const struct nl_link *link = link_named(s, name, strlen(name));
	const char *colon = strchr(name, ':');

	if (!how)
		how = &unused;
	*how = NETSEL_MATCH_NONE;
	if (link) {
		*how = NETSEL_MATCH_NAME;
		return link;
	}
	if (!colon)
		return NULL;
	for (size_t i = 0; i < s->addrs.count; i++) {
		const struct nl_addr *a = &s->addrs.items[i];

		if (strcmp(a->label, name))
			continue;
		link = netsel_link_by_index(s, a->ifindex);
		if (link) {
			*how = NETSEL_MATCH_LABEL;
			return link;
		}
	}
	link = link_named(s, name, (size_t)(colon - name));
	if (link)
		*how = NETSEL_MATCH_DEVICE;
	return link;
}

static bool usable_addr(const struct nl_addr *a, int ifindex, int family)
{
	return (!ifindex || a->ifindex == ifindex) && a->addr.family == family &&
	       a->scope != RT_SCOPE_HOST;
}

enum netsel_verdict netsel_check_arp_link(const struct nl_snapshot *s, const struct nl_link *link,
					  unsigned need)
{
	if (!link)
		return NETSEL_LINK_UNKNOWN;
	if (!nl_link_is_arp_capable(link))
		return NETSEL_LINK_NOT_ARP;
	if ((need & NETSEL_NEED_UP) && !(link->flags & IFF_UP))
		return NETSEL_LINK_DOWN;
	if (need & NETSEL_NEED_IPV4) {
		for (size_t i = 0; i < s->addrs.count; i++)
			if (usable_addr(&s->addrs.items[i], link->ifindex, AF_INET))
				return NETSEL_LINK_OK;
		return NETSEL_LINK_NO_ADDRESS;
	}
	return NETSEL_LINK_OK;
}

const struct nl_link *netsel_next_arp_link(const struct nl_snapshot *s, size_t *cursor)
{
	while (*cursor < s->links.count) {
		const struct nl_link *link = &s->links.items[(*cursor)++];

		if (netsel_check_arp_link(s, link, NETSEL_NEED_UP) == NETSEL_LINK_OK)
			return link;
	}
	return NULL;
}

const struct nl_addr *netsel_held(const struct nl_snapshot *s, int ifindex,
				  const struct ipaddr *addr)
{
	for (size_t i = 0; i < s->addrs.count; i++) {
		const struct nl_addr *a = &s->addrs.items[i];

		if ((!ifindex || a->ifindex == ifindex) && ipaddr_equal(&a->addr, addr))
			return a;
	}
	return NULL;
}

/* Is a a better subnet for the same address than best: longer, or primary over secondary. */
static bool better_subnet(const struct nl_addr *a, const struct nl_addr *best)
{
	if (!best || a->prefixlen != best->prefixlen)
		return !best || a->prefixlen > best->prefixlen;
	return best->secondary && !a->secondary;
}

/* netsel_on_link, optionally passing over the address equal to skip. */
static const struct nl_addr *subnet_of(const struct nl_snapshot *s, int ifindex,
				       const struct ipaddr *addr, const struct ipaddr *skip)
{
	const struct nl_addr *best = NULL;

	for (size_t i = 0; i < s->addrs.count; i++) {
		const struct nl_addr *a = &s->addrs.items[i];

		if (!usable_addr(a, ifindex, addr->family) ||
		    !ipaddr_in_subnet(addr, &a->addr, a->prefixlen) ||
		    (skip && ipaddr_equal(&a->addr, skip)))
			continue;
		if (better_subnet(a, best))
			best = a;
	}
	return best;
}

const struct nl_addr *netsel_on_link(const struct nl_snapshot *s, int ifindex,
				     const struct ipaddr *addr)
{
	return subnet_of(s, ifindex, addr, NULL);
}

const struct nl_route *netsel_route_for(const struct nl_snapshot *s, int ifindex,
					const struct ipaddr *target)
{
	const struct nl_route *best = NULL;

	for (size_t i = 0; i < s->routes.count; i++) {
		const struct nl_route *r = &s->routes.items[i];

		if ((ifindex && r->oif != ifindex) || r->type != RTN_UNICAST ||
		    !ipaddr_in_subnet(target, &r->dst, r->dst_len))
			continue;
		if (!best || r->dst_len > best->dst_len)
			best = r;
	}
	return best;
}

static bool usable_prefsrc(const struct nl_route *r, int ifindex, int family)
{
	return r && r->oif == ifindex && r->type == RTN_UNICAST && r->prefsrc.family == family &&
	       !ipaddr_is_unspecified(&r->prefsrc);
}

struct ipaddr netsel_default_source(const struct nl_snapshot *s, int ifindex,
				    const struct ipaddr *target, const struct nl_route *route)
{
	const struct nl_addr *a = subnet_of(s, ifindex, target, target);

	if (a)
		return a->addr;
	if (!route)
		route = netsel_route_for(s, ifindex, target);
	if (usable_prefsrc(route, ifindex, target->family))
		return route->prefsrc;
	for (size_t i = 0; i < s->addrs.count; i++) {
		a = &s->addrs.items[i];
		if (usable_addr(a, ifindex, target->family) && !a->secondary)
			return a->addr;
	}
	return ipaddr_any(target->family);
}

size_t netsel_gateways(const struct nl_snapshot *s, int ifindex, int family, struct ipaddr *out,
		       size_t max)
{
	size_t count = 0;

	for (size_t i = 0; i < s->routes.count && count < max; i++) {
		const struct nl_route *r = &s->routes.items[i];
		bool seen = false;

		if (r->oif != ifindex || r->gateway.family == AF_UNSPEC ||
		    (family != AF_UNSPEC && r->gateway.family != family))
			continue;
		for (size_t k = 0; k < count && !seen; k++)
			seen = ipaddr_equal(&out[k], &r->gateway);
		if (!seen)
			out[count++] = r->gateway;
	}
	return count;
}

int netsel_default_ifindex(const struct nl_snapshot *s, int family)
{
	for (size_t i = 0; i < s->routes.count; i++) {
		const struct nl_route *r = &s->routes.items[i];

		if (r->dst_len == 0 && r->dst.family == family && r->oif > 0)
			return r->oif;
	}
	return 0;
}
