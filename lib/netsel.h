/*
 * Network selection: which interface, which source address and which peers a command
 * uses, read from one nl_snapshot. No I/O, never prints: every answer is a pointer into
 * the snapshot (valid while it lives), a value, or a typed verdict, and the command
 * decides what to say (src/cli.c has the standard wording).
 *
 * What each call reads: links (NL_LINKS), addresses (NL_ADDRS), routes (NL_ROUTES).
 * A part that was not loaded is simply empty: no addresses, no routes.
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
};

/* Whether a link can send ARP, checked in this order. */
enum netsel_verdict {
	NETSEL_LINK_OK,
	NETSEL_LINK_UNKNOWN,    /* link is NULL: no such interface */
	NETSEL_LINK_NOT_ARP,    /* !nl_link_is_arp_capable: loopback, point-to-point (not
				 * Ethernet), NOARP, or no MAC */
	NETSEL_LINK_DOWN,       /* NETSEL_NEED_UP and not up */
	NETSEL_LINK_NO_ADDRESS, /* NETSEL_NEED_IPV4 and no IPv4 address on it */
};

enum netsel_verdict netsel_check_arp_link(const struct nl_snapshot *s, const struct nl_link *link,
					  unsigned need);

/* The next up, ARP-capable link from *cursor on (start with 0); NULL at the end. */
const struct nl_link *netsel_next_arp_link(const struct nl_snapshot *s, size_t *cursor);

/* Does this host hold addr: on ifindex, or on any interface with ifindex 0? The
 * address record, or NULL. */
const struct nl_addr *netsel_held(const struct nl_snapshot *s, int ifindex,
				  const struct ipaddr *addr);

/*
 * On-link: the address on ifindex (0: any interface) whose subnet contains addr, the
 * longest prefix first, a primary before a secondary of the same prefix; NULL when
 * no subnet does (ARP cannot reach addr there). Scope host addresses define no link
 * and are passed over. The record's ifindex says which interface.
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
 */
struct ipaddr netsel_default_source(const struct nl_snapshot *s, int ifindex,
				    const struct ipaddr *target, const struct nl_route *route);

/* The gateways of the routes through ifindex (family, or AF_UNSPEC for any), each
 * once, in route order: the neighbours whose caches matter most. Fills at most max;
 * returns how many it filled. */
size_t netsel_gateways(const struct nl_snapshot *s, int ifindex, int family, struct ipaddr *out,
		       size_t max);

/* The interface of the first default route of family (the kernel lists the lowest
 * metric first); 0 when there is none. */
int netsel_default_ifindex(const struct nl_snapshot *s, int family);

#endif
