/*
 * Network selection: which interface, which source address and which peers a command
 * uses, read from one nl_snapshot. No I/O, never prints: every answer is a pointer into
 * the snapshot (valid while it lives), a value, or a typed verdict, and the command
 * decides what to say (src/cli.c has the standard wording).
 *
 * What each call reads: links (NL_LINKS), addresses (NL_ADDRS), routes (NL_ROUTES),
 * neighbours (NL_NEIGHS), of the families loaded (NL_IPV4, NL_IPV6). A part that was
 * not loaded is simply empty: no addresses, no routes. Every answer is of the family
 * of the address asked about, or of the family asked for; an IPv6 snapshot for the
 * IPv6 calls:
 *
 *	cli_read_network(CMD, &nl, &net, NL_LINKS | NL_ADDRS | NL_ROUTES | NL_NEIGHS |
 *					 NL_IPV4 | NL_IPV6);
 *	ipaddr_parse("fe80::1", AF_INET6, &router);
 *	source = netsel_default_source(&net, link->ifindex, &router, NULL);  // fe80::...
 *	n = netsel_ipv6_routers(&net, link->ifindex, peers, MAX_PEERS);
 *	for (size_t i = 0; (a = netsel_next_addr(&net, link->ifindex, AF_INET6,
 *						 NL_ADDR_ANNOUNCEABLE, &i));)
 *		...                            // every address to announce now
 *	for (size_t i = 0; (a = netsel_next_addr(&net, link->ifindex, AF_INET6,
 *						 NL_ADDR_TENTATIVE, &i));)
 *		...                            // every address to wait for (DAD)
 *
 *	struct nl_snapshot net = {0};
 *	const struct nl_link *link;
 *	struct ipaddr target, source;
 *
 *	cli_read_network(CMD, &nl, &net, NL_LINKS | NL_ADDRS | NL_ROUTES);
 *	if (cli_select_link(CMD, &net, "eth0:vip", NETSEL_NEED_UP, &link))
 *		return EXIT_TROUBLE;           // "unknown interface 'eth0:vip'", ...
 *	ipaddr_parse("192.0.2.10", AF_INET, &target);
 *	if (!netsel_on_link(&net, link->ifindex, &target))
 *		...                            // ARP would not reach it there
 *	source = netsel_default_source(&net, link->ifindex, &target, NULL);
 *	for (size_t i = 0; (link = netsel_next_arp_link(&net, &i));)
 *		...                            // every up, ARP-capable interface
 */
#ifndef ARPKIT_NETSEL_H
#define ARPKIT_NETSEL_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "netlink.h"

/* How a name was found (netsel_link_by_name). */
enum netsel_match {
	NETSEL_MATCH_NONE,
	NETSEL_MATCH_NAME,   /* an interface of that name */
	NETSEL_MATCH_LABEL,  /* an address label ("eth0:vip"): the interface holding it */
	NETSEL_MATCH_DEVICE, /* "eth0:x" with no such label: the interface before the ':' */
};

/*
 * An interface by name, or by an address label. Interface names never contain ':'
 * (the kernel refuses them), so a name with one is a label: the interface holding
 * the address labelled so. A label that no address carries still names the device
 * before the ':' when that exists ("eth0:0" left in a script after its address went,
 * as ifconfig aliases are written); *how says which way it matched, for a command
 * that must refuse the lenient form. how may be NULL. NULL when nothing matches.
 */
const struct nl_link *netsel_link_by_name(const struct nl_snapshot *s, const char *name,
					  enum netsel_match *how);
const struct nl_link *netsel_link_by_index(const struct nl_snapshot *s, int ifindex);

/* What a command needs of its link beyond speaking ARP (bits). */
enum netsel_need {
	NETSEL_NEED_UP = 1 << 0,   /* administratively up (IFF_UP) */
	NETSEL_NEED_IPV4 = 1 << 1, /* an IPv4 address on it, not of scope host */
	NETSEL_NEED_IPV6 = 1 << 2, /* an IPv6 address on it, not of scope host, DAD not
				    * failed (a link-local one counts; a tentative one too:
				    * it is there, to be waited for) */
};

/* Whether a link can send ARP, checked in this order. */
enum netsel_verdict {
	NETSEL_LINK_OK,
	NETSEL_LINK_UNKNOWN,    /* link is NULL: no such interface */
	NETSEL_LINK_NOT_ARP,    /* !nl_link_is_arp_capable: loopback, point-to-point (not
				 * Ethernet), NOARP, or no MAC; the kernel runs no Neighbor
				 * Discovery there either */
	NETSEL_LINK_DOWN,       /* NETSEL_NEED_UP and not up */
	NETSEL_LINK_NO_ADDRESS, /* NETSEL_NEED_IPV4 and no IPv4 address on it */
	NETSEL_LINK_NO_IPV6,    /* NETSEL_NEED_IPV6 and no IPv6 address on it */
};

enum netsel_verdict netsel_check_arp_link(const struct nl_snapshot *s, const struct nl_link *link,
					  unsigned need);

/* The next up, ARP-capable link from *cursor on (start with 0); NULL at the end. */
const struct nl_link *netsel_next_arp_link(const struct nl_snapshot *s, size_t *cursor);

/* The up, ARP-capable links that also meet need (enum netsel_need bits), in the
 * kernel's order: fills out with the first max of them and returns how many there
 * are in all (max 0 only counts them). "The only interface that could be meant" is a
 * count of 1. */
size_t netsel_arp_links(const struct nl_snapshot *s, unsigned need, const struct nl_link **out,
			size_t max);

/* Does this host hold addr: on ifindex, or on any interface with ifindex 0? The
 * address record, or NULL. In any state (a tentative or dadfailed IPv6 address is
 * held: nl_addr_state tells what it is good for). An IPv6 link-local address can be
 * on several interfaces at once: ask with the interface. */
const struct nl_addr *netsel_held(const struct nl_snapshot *s, int ifindex,
				  const struct ipaddr *addr);

/*
 * On-link: the address on ifindex (0: any interface) whose subnet contains addr, the
 * longest prefix first, a primary before a secondary of the same prefix; NULL when
 * no subnet does (ARP cannot reach addr there). Scope host addresses define no link
 * and are passed over. The record's ifindex says which interface.
 *
 * IPv6 differs in two ways. A link-local addr (fe80::/10) is on-link on every
 * interface that has IPv6 and on none by prefix: the answer is the interface's own
 * link-local address (the first the kernel lists), and NULL with ifindex 0, since a
 * link-local address names no link by itself. And an address whose DAD failed
 * defines no subnet (the kernel took its prefix route away). Prefixes that are
 * on-link only by a route (a Router Advertisement's prefix with no address of ours
 * in it, RFC 5942) are not seen here: netsel_route_for finds those routes.
 */
const struct nl_addr *netsel_on_link(const struct nl_snapshot *s, int ifindex,
				     const struct ipaddr *addr);

/* The main-table route the snapshot gives for target through ifindex (0: any): the
 * longest prefix of target's family that contains it; NULL if none. */
const struct nl_route *netsel_route_for(const struct nl_snapshot *s, int ifindex,
					const struct ipaddr *target);

/*
 * The source address to ask target from on ifindex, one rule for every command:
 *   1. our address on ifindex whose subnet contains target (as netsel_on_link), other
 *      than target itself: the address the neighbour already knows us by;
 *   2. else the preferred source of the route to target through ifindex: route when
 *      the caller has one (nl_route_to, which knows policy routing), else
 *      netsel_route_for; a route through another interface is not used;
 *   3. else the primary address of ifindex (not secondary, not scope host), the first
 *      the kernel lists;
 *   4. else unspecified (0.0.0.0 or ::): for ARP the RFC 5227 probe form, which
 *      teaches no neighbour anything.
 * Only addresses of target's family count. Rules 2 and 3 may give target itself when
 * this host holds it (asking for our own address is a conflict check).
 *
 * For an IPv6 target the candidates are our IPv6 addresses on ifindex that may be a
 * source now: not of scope host, not tentative, DAD not failed (nl_addr_state:
 * READY, OPTIMISTIC or DEPRECATED). Then, of RFC 6724 section 5, this subset:
 *   1. a candidate whose prefix contains target, other than target itself (for a
 *      link-local target: a link-local address, "same interface" being on-link),
 *      chosen as in 3;
 *   2. else the route's preferred source (route as above; for IPv6 nl_route_to's
 *      reply carries the kernel's own choice there) when it is a candidate;
 *   3. else the best candidate other than target by these rules in order: rule 2,
 *      appropriate scope (the smallest scope at least the target's, so a link-local
 *      source for a link-local or link-scope multicast target, a global one for a
 *      global target); rule 3, avoid deprecated addresses (and optimistic ones, as
 *      Linux does, RFC 4429 3.3); rule 8, the longest prefix in common with target,
 *      counted up to the candidate's own prefix length; then the kernel's order.
 *      Rules 1 (prefer target itself), 4-6 (home, interface, label: one interface,
 *      the default policy table gives no preference among our own prefixes here)
 *      and 7 (temporary addresses) are not applied;
 *   4. else target itself when it is a candidate (a conflict check, as for IPv4);
 *   5. else :: (the RFC 4862 DAD form).
 */
struct ipaddr netsel_default_source(const struct nl_snapshot *s, int ifindex,
				    const struct ipaddr *target, const struct nl_route *route);

/* The gateways of the routes through ifindex (family, or AF_UNSPEC for any), each
 * once, in route order: the neighbours whose caches matter most. Fills at most max;
 * returns how many it filled. IPv6 gateways are mostly link-local: with ifindex they
 * name one router; Router Advertisement default routes (RTPROT_RA) count like any. */
size_t netsel_gateways(const struct nl_snapshot *s, int ifindex, int family, struct ipaddr *out,
		       size_t max);

/*
 * The IPv6 routers on ifindex: the IPv6 gateways as netsel_gateways gives them, then
 * the neighbours of ifindex the kernel flags as routers (NTF_ROUTER: they sent a
 * Router Advertisement or an NA with the Router flag; NL_NEIGHS) with a link-layer
 * address in a usable state (not INCOMPLETE, FAILED or NOARP). Each address once.
 * Fills at most max; returns how many it filled.
 */
size_t netsel_ipv6_routers(const struct nl_snapshot *s, int ifindex, struct ipaddr *out,
			   size_t max);

/*
 * The next address of ifindex (0: any interface) of family (AF_UNSPEC: either) whose
 * nl_addr_state is one of states (bits), from *cursor on (start with 0); NULL at the
 * end. Scope host addresses are never given (they are not for the link).
 *   NL_ADDR_ANNOUNCEABLE: what to announce now: ready and optimistic addresses,
 *                          global and link-local (an optimistic one without the NA
 *                          Override flag);
 *   NL_ADDR_TENTATIVE:    what to wait for (DAD running);
 *   NL_ADDR_DADFAILED:    conflicts (another node holds the address).
 * IPv4 addresses are always NL_ADDR_READY.
 */
const struct nl_addr *netsel_next_addr(const struct nl_snapshot *s, int ifindex, int family,
				       unsigned states, size_t *cursor);

/* The interface of the first default route of family (the kernel lists the lowest
 * metric first); 0 when there is none. */
int netsel_default_ifindex(const struct nl_snapshot *s, int family);

#endif
