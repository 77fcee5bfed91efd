#include "netsel.h"

#include <linux/if.h>
#include <linux/neighbour.h>
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

/* An address that is there for the link: an IPv6 one whose DAD failed is not. */
static bool live_addr(const struct nl_addr *a, int ifindex, int family)
{
	return usable_addr(a, ifindex, family) && nl_addr_state(a) != NL_ADDR_DADFAILED;
}

static bool is_link_local6(const struct ipaddr *a)
{
	return a->family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&a->v6);
}

static bool has_live_addr(const struct nl_snapshot *s, int ifindex, int family)
{
	for (size_t i = 0; i < s->addrs.count; i++)
		if (live_addr(&s->addrs.items[i], ifindex, family))
			return true;
	return false;
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
	if ((need & NETSEL_NEED_IPV4) && !has_live_addr(s, link->ifindex, AF_INET))
		return NETSEL_LINK_NO_ADDRESS;
	if ((need & NETSEL_NEED_IPV6) && !has_live_addr(s, link->ifindex, AF_INET6))
		return NETSEL_LINK_NO_IPV6;
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

size_t netsel_arp_links(const struct nl_snapshot *s, unsigned need, const struct nl_link **out,
			size_t max)
{
	const struct nl_link *link;
	size_t count = 0;

	for (size_t i = 0; (link = netsel_next_arp_link(s, &i));) {
		if (netsel_check_arp_link(s, link, need) != NETSEL_LINK_OK)
			continue;
		if (count < max)
			out[count] = link;
		count++;
	}
	return count;
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

		if (!live_addr(a, ifindex, addr->family) ||
		    !ipaddr_in_subnet(addr, &a->addr, a->prefixlen) ||
		    (skip && ipaddr_equal(&a->addr, skip)))
			continue;
		if (better_subnet(a, best))
			best = a;
	}
	return best;
}

/* The interface's first link-local address whose DAD has not failed. */
static const struct nl_addr *link_local_of(const struct nl_snapshot *s, int ifindex)
{
	for (size_t i = 0; i < s->addrs.count; i++) {
		const struct nl_addr *a = &s->addrs.items[i];

		if (live_addr(a, ifindex, AF_INET6) && is_link_local6(&a->addr))
			return a;
	}
	return NULL;
}

const struct nl_addr *netsel_on_link(const struct nl_snapshot *s, int ifindex,
				     const struct ipaddr *addr)
{
	if (is_link_local6(addr))
		return ifindex ? link_local_of(s, ifindex) : NULL;
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

/* RFC 6724 3.1: the scope of an IPv6 address, in RFC 4291 2.7's values. */
static int ipv6_scope(const struct in6_addr *a)
{
	if (IN6_IS_ADDR_MULTICAST(a))
		return a->s6_addr[1] & 0x0f;
	if (IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_LOOPBACK(a))
		return 0x2;
	if (IN6_IS_ADDR_SITELOCAL(a))
		return 0x5;
	return 0xe;
}

/* RFC 6724 2.2 CommonPrefixLen(S, D), up to the length of S's prefix. */
static unsigned common_prefix(const struct nl_addr *source, const struct in6_addr *d)
{
	unsigned len = 128;

	for (unsigned i = 0; i < 16; i++) {
		unsigned diff = source->addr.v6.s6_addr[i] ^ d->s6_addr[i];

		if (diff) {
			len = i * 8 + (unsigned)__builtin_clz(diff) - 24;
			break;
		}
	}
	return len < source->prefixlen ? len : source->prefixlen;
}

/* RFC 6724 rule 2: is scope a more appropriate than scope b for a destination of
 * scope d? The smallest scope that is at least d's, else the largest. */
static bool scope_better(int a, int b, int d)
{
	if (a == b)
		return false;
	return a < b ? a >= d : b < d;
}

/* A source candidate for IPv6: usable now, even if deprecated or optimistic. */
static bool source_candidate6(const struct nl_addr *a, int ifindex)
{
	return usable_addr(a, ifindex, AF_INET6) &&
	       (nl_addr_state(a) & (NL_ADDR_READY | NL_ADDR_OPTIMISTIC | NL_ADDR_DEPRECATED));
}

/* Is a a better source than best for d: RFC 6724 rules 2, 3 and 8, in that order. */
static bool better_source6(const struct nl_addr *a, const struct nl_addr *best,
			   const struct in6_addr *d)
{
	if (!best)
		return true;
	int sa = ipv6_scope(&a->addr.v6), sb = ipv6_scope(&best->addr.v6);
	if (sa != sb)
		return scope_better(sa, sb, ipv6_scope(d));
	bool avoid_a = nl_addr_state(a) != NL_ADDR_READY;
	bool avoid_b = nl_addr_state(best) != NL_ADDR_READY;
	if (avoid_a != avoid_b)
		return avoid_b;
	return common_prefix(a, d) > common_prefix(best, d);
}

/* The best candidate other than target; with on_link, only those that put target
 * on-link (a link-local one for a link-local target, else a prefix containing it). */
static const struct nl_addr *best_source6(const struct nl_snapshot *s, int ifindex,
					  const struct ipaddr *target, bool on_link)
{
	const struct nl_addr *best = NULL;
	bool link_local = is_link_local6(target);

	for (size_t i = 0; i < s->addrs.count; i++) {
		const struct nl_addr *a = &s->addrs.items[i];

		if (!source_candidate6(a, ifindex) || ipaddr_equal(&a->addr, target))
			continue;
		if (on_link && !(link_local ? is_link_local6(&a->addr)
					    : ipaddr_in_subnet(target, &a->addr, a->prefixlen)))
			continue;
		if (better_source6(a, best, &target->v6))
			best = a;
	}
	return best;
}

/* netsel_default_source for an IPv6 target (netsel.h has the rules). */
static struct ipaddr default_source6(const struct nl_snapshot *s, int ifindex,
				     const struct ipaddr *target, const struct nl_route *route)
{
	const struct nl_addr *a = best_source6(s, ifindex, target, true);

	if (a)
		return a->addr;
	if (!route)
		route = netsel_route_for(s, ifindex, target);
	if (usable_prefsrc(route, ifindex, AF_INET6)) {
		a = netsel_held(s, ifindex, &route->prefsrc);
		if (a && source_candidate6(a, ifindex))
			return a->addr;
	}
	a = best_source6(s, ifindex, target, false);
	if (a)
		return a->addr;
	a = netsel_held(s, ifindex, target);
	if (a && source_candidate6(a, ifindex))
		return a->addr;
	return ipaddr_any(AF_INET6);
}

struct ipaddr netsel_default_source(const struct nl_snapshot *s, int ifindex,
				    const struct ipaddr *target, const struct nl_route *route)
{
	if (target->family == AF_INET6)
		return default_source6(s, ifindex, target, route);

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

/* Adds addr to out[0..*count) unless it is there already. */
static void add_once(struct ipaddr *out, size_t *count, const struct ipaddr *addr)
{
	for (size_t k = 0; k < *count; k++)
		if (ipaddr_equal(&out[k], addr))
			return;
	out[(*count)++] = *addr;
}

size_t netsel_gateways(const struct nl_snapshot *s, int ifindex, int family, struct ipaddr *out,
		       size_t max)
{
	size_t count = 0;

	for (size_t i = 0; i < s->routes.count && count < max; i++) {
		const struct nl_route *r = &s->routes.items[i];

		if (r->oif != ifindex || r->gateway.family == AF_UNSPEC ||
		    (family != AF_UNSPEC && r->gateway.family != family))
			continue;
		add_once(out, &count, &r->gateway);
	}
	return count;
}

/* A neighbour entry that holds a link-layer address the kernel would use or verify. */
static bool neigh_resolved(const struct nl_neigh *n)
{
	return n->has_lladdr && n->state != NUD_NONE &&
	       !(n->state & (NUD_INCOMPLETE | NUD_FAILED | NUD_NOARP));
}

size_t netsel_ipv6_routers(const struct nl_snapshot *s, int ifindex, struct ipaddr *out,
			   size_t max)
{
	size_t count = netsel_gateways(s, ifindex, AF_INET6, out, max);

	for (size_t i = 0; i < s->neighs.count && count < max; i++) {
		const struct nl_neigh *n = &s->neighs.items[i];

		if (n->ifindex == ifindex && n->dst.family == AF_INET6 &&
		    (n->flags & NTF_ROUTER) && neigh_resolved(n))
			add_once(out, &count, &n->dst);
	}
	return count;
}

const struct nl_addr *netsel_next_addr(const struct nl_snapshot *s, int ifindex, int family,
				       unsigned states, size_t *cursor)
{
	while (*cursor < s->addrs.count) {
		const struct nl_addr *a = &s->addrs.items[(*cursor)++];

		if ((ifindex && a->ifindex != ifindex) || a->scope == RT_SCOPE_HOST ||
		    (family != AF_UNSPEC && a->addr.family != family))
			continue;
		if (nl_addr_state(a) & states)
			return a;
	}
	return NULL;
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
