/*
 * rtnetlink through libmnl: interfaces, IP addresses (with labels), routes and
 * neighbours; address changes for the tools that change them; and event
 * subscription for the daemon. Parsers are separate from I/O so unit tests feed
 * them crafted messages.
 *
 * Families: the parsers read IPv4 and IPv6 records alike (every address checked
 * against its family's length). A dump asks the kernel for one family or both
 * (AF_INET, AF_INET6, AF_UNSPEC for both) and keeps only what it asked for; the
 * dumps without a family in their name, and a snapshot asked for without
 * NL_IPV4/NL_IPV6, are IPv4 only, as they were before the commands spoke IPv6.
 *
 * IPv6 addresses and Duplicate Address Detection (RFC 4862), as the records show it
 * (nl_addr_state reads the flags):
 *   - an address added with DAD is TENTATIVE (IFA_F_TENTATIVE; with IFA_F_OPTIMISTIC
 *     too for an optimistic one, RFC 4429) until DAD ends; a tentative address must
 *     not be used or announced (an optimistic one may be, without the NA Override);
 *   - DAD succeeding clears IFA_F_TENTATIVE (and IFA_F_OPTIMISTIC): the kernel sends
 *     another RTM_NEWADDR for the same address without them. That message is how an
 *     event reader (RTMGRP_IPV6_IFADDR) sees DAD complete: the address is READY now;
 *   - DAD failing sets IFA_F_DADFAILED: RTM_NEWADDR with IFA_F_DADFAILED and
 *     IFA_F_TENTATIVE for a manually added (permanent) address, which stays, unusable;
 *     an autoconfigured one is deleted instead (RTM_DELADDR);
 *   - without DAD (nodad, accept_dad 0, a NOARP or loopback link) the address becomes
 *     READY at once: the first RTM_NEWADDR may already be without IFA_F_TENTATIVE;
 *   - a deprecated address (preferred lifetime over, IFA_F_DEPRECATED) is still held
 *     and answered for, but not to be chosen for new use (RFC 4862 5.5.4).
 * The kernel repeats RTM_NEWADDR for an address whose flags or lifetimes change (a
 * Router Advertisement refreshing a prefix, say): each NEWADDR is the address's whole
 * state now, never a delta.
 */
#ifndef ARPKIT_NETLINK_H
#define ARPKIT_NETLINK_H

#include <linux/netlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "vec.h"

struct mnl_socket;

struct nl {
	struct mnl_socket *sock;
	unsigned portid;
	unsigned seq;
};

struct nl_link {
	int ifindex;
	char name[IF_NAMESIZE];
	unsigned flags;          /* IFF_UP, IFF_LOOPBACK, IFF_NOARP, IFF_RUNNING, ... */
	unsigned short type;     /* ARPHRD_ETHER, ARPHRD_LOOPBACK, ... */
	struct mac mac;          /* zero when the link has none */
	bool has_mac;            /* a 6-byte, non-zero IFLA_ADDRESS */
	unsigned mtu;
	bool carrier;            /* IFLA_CARRIER, or IFF_LOWER_UP */
	unsigned operstate;      /* IF_OPER_* */
	int master;              /* IFLA_MASTER, 0 if none */
};

/* An address lifetime (IFA_CACHEINFO) that never runs out. */
#define NL_LIFETIME_FOREVER UINT32_MAX

struct nl_addr {
	int ifindex;
	struct ipaddr addr;      /* IFA_LOCAL (IFA_ADDRESS when absent); family of the record */
	unsigned prefixlen;
	char label[IF_NAMESIZE]; /* "eth0:vip" style label, or the interface name; "" if none sent */
	bool secondary;          /* IFA_F_SECONDARY (for IPv6 the same bit is IFA_F_TEMPORARY) */
	unsigned char scope;     /* RT_SCOPE_*: for IPv6 RT_SCOPE_LINK is a link-local address */
	unsigned flags;          /* IFA_F_* (the 32-bit IFA_FLAGS when present, else the 8-bit
				  * ifa_flags): TENTATIVE, OPTIMISTIC, DADFAILED, DEPRECATED,
				  * NODAD, HOMEADDRESS, PERMANENT, NOPREFIXROUTE, ... */
	uint32_t preferred_lft;  /* seconds left (IFA_CACHEINFO); NL_LIFETIME_FOREVER when */
	uint32_t valid_lft;      /* infinite or not sent */
};

/*
 * What an address is good for now, from its flags (one value; the first that applies
 * in this order). IPv4 addresses are always NL_ADDR_READY: the kernel runs no DAD
 * for them. Values are bits so a caller can ask for several (netsel_next_addr).
 */
enum nl_addr_state {
	NL_ADDR_DADFAILED = 1 << 0,  /* DAD found another holder: never usable; a conflict */
	NL_ADDR_TENTATIVE = 1 << 1,  /* DAD running, not optimistic: wait for it */
	NL_ADDR_DEPRECATED = 1 << 2, /* valid, preferred lifetime over: not for new use */
	NL_ADDR_OPTIMISTIC = 1 << 3, /* RFC 4429: usable while DAD runs; NA without Override */
	NL_ADDR_READY = 1 << 4,      /* usable */
};

/* The states an address may be announced in: usable and not deprecated. */
#define NL_ADDR_ANNOUNCEABLE (NL_ADDR_READY | NL_ADDR_OPTIMISTIC)

enum nl_addr_state nl_addr_state(const struct nl_addr *addr);

struct nl_route {
	struct ipaddr dst;       /* the route's family; 0.0.0.0 or :: for a default route */
	unsigned dst_len;
	struct ipaddr gateway;   /* AF_UNSPEC (all zero) when on-link */
	struct ipaddr prefsrc;   /* AF_UNSPEC (all zero) when absent */
	int oif;
	unsigned table;
	unsigned char type;      /* RTN_UNICAST, RTN_LOCAL, ... */
	unsigned char scope;
	unsigned char protocol;
};

struct nl_neigh {
	int ifindex;
	struct ipaddr dst;
	struct mac lladdr;
	bool has_lladdr;
	uint16_t state;          /* NUD_* */
	uint8_t flags;           /* NTF_* */
};

/* The arrays the dump helpers fill (lib/vec.h); free with vec_free. */
typedef VEC(struct nl_link) nl_link_list;
typedef VEC(struct nl_addr) nl_addr_list;
typedef VEC(struct nl_route) nl_route_list;
typedef VEC(struct nl_neigh) nl_neigh_list;

/*
 * What a command reads before it sends anything: one dump of each table asked for,
 * of the families asked for (addresses, routes and neighbours; links have none).
 * No family bit means NL_IPV4; NL_IPV4 | NL_IPV6 reads both in one dump per table.
 */
enum nl_parts {
	NL_LINKS = 1 << 0,
	NL_ADDRS = 1 << 1,
	NL_ROUTES = 1 << 2,
	NL_NEIGHS = 1 << 3,
	NL_IPV4 = 1 << 4,
	NL_IPV6 = 1 << 5,
};

struct nl_snapshot {
	nl_link_list links;
	nl_addr_list addrs;
	nl_route_list routes;
	nl_neigh_list neighs;
};

/*
 * groups: 0 for request/response use, or RTMGRP_* bits to subscribe to events (the
 * socket is then non-blocking, with a 4 MiB receive buffer): RTMGRP_LINK,
 * RTMGRP_IPV4_IFADDR and RTMGRP_IPV6_IFADDR (addresses, with the DAD transitions
 * described above), RTMGRP_IPV4_ROUTE, RTMGRP_IPV6_ROUTE, RTMGRP_NEIGH. Requests work
 * on an event socket too, but events that arrive while one is in flight are dropped;
 * keep a separate socket for requests.
 */
int nl_open(struct nl *nl, unsigned groups);
void nl_close(struct nl *nl);

/* Dumps the parts asked for (enum nl_parts bits) into snap: 0 or -errno. Loading
 * again into a snapshot appends. */
int nl_snapshot_load(struct nl *nl, struct nl_snapshot *snap, unsigned parts);
void nl_snapshot_free(struct nl_snapshot *snap);
int nl_fd(const struct nl *nl);

/* Dumps. Return 0 or -errno; the list is appended to (and left as it was on error).
 * A dump the kernel marks inconsistent (tables changed under it) is redone, with
 * pauses growing to 50 ms (about 0.2 s in all), then fails with -EAGAIN. family: AF_INET, AF_INET6, or AF_UNSPEC for both
 * (-EAFNOSUPPORT for any other); the names without _family are AF_INET. */
int nl_dump_links(struct nl *nl, nl_link_list *out);
int nl_dump_addrs(struct nl *nl, int ifindex /* 0: all */, nl_addr_list *out);
int nl_dump_addrs_family(struct nl *nl, int family, int ifindex /* 0: all */,
			 nl_addr_list *out);
/*
 * Unicast routes of the main table; a multipath route adds one entry per nexthop.
 * IPv6 gateways are usually link-local (fe80::/10): such a gateway means something
 * only with its oif, which every entry carries. Router Advertisement routes are
 * there too (protocol RTPROT_RA), default routes to link-local routers among them.
 */
int nl_dump_routes(struct nl *nl, nl_route_list *out);
int nl_dump_routes_family(struct nl *nl, int family, nl_route_list *out);
/* Neighbours in every NUD state (state says which; flags has NTF_ROUTER for an IPv6
 * neighbour known to be a router). */
int nl_dump_neighs(struct nl *nl, int ifindex /* 0: all */, nl_neigh_list *out);
int nl_dump_neighs_family(struct nl *nl, int family, int ifindex /* 0: all */,
			  nl_neigh_list *out);

/* One interface by name or index: 0, -ENODEV, or -errno. */
int nl_get_link_by_name(struct nl *nl, const char *name, struct nl_link *out);
int nl_get_link_by_index(struct nl *nl, int ifindex, struct nl_link *out);
/* The route the kernel would use to reach dst (RTM_GETROUTE): 0, -ENETUNREACH,
 * -EAFNOSUPPORT (dst of no IP family), -errno. For IPv6 the reply's prefsrc is the
 * source the kernel itself would pick (its full RFC 6724 selection). */
int nl_route_to(struct nl *nl, const struct ipaddr *dst, struct nl_route *out);
/* The same, leaving through oif (RTA_OIF; 0: any). A link-local destination needs it:
 * fe80::/10 is on every interface, only oif says which link is meant. */
int nl_route_to_dev(struct nl *nl, const struct ipaddr *dst, int oif, struct nl_route *out);

/* Address changes (CAP_NET_ADMIN). add is idempotent: an existing identical
 * address is 0, not -EEXIST. del of a missing address is -EADDRNOTAVAIL; the address
 * matches on addr and prefixlen. Deleting a primary address also deletes its
 * secondaries unless net.ipv4.conf.<if>.promote_secondaries is set. */
int nl_addr_add(struct nl *nl, int ifindex, struct in_addr addr, unsigned prefixlen,
		unsigned char scope, const char *label);
int nl_addr_del(struct nl *nl, int ifindex, struct in_addr addr, unsigned prefixlen);

/* Parsers (no I/O): 0, -ENOENT when the message is not of that kind or of neither IP
 * family (AF_INET, AF_INET6), -EINVAL when malformed (an address attribute whose
 * length is not its family's, an IFA_CACHEINFO that is not a struct ifa_cacheinfo,
 * too). Attributes are validated for type and length.
 * Both the NEW and DEL message types are accepted; nlh->nlmsg_len bytes must be
 * readable. nl_parse_route gives a multipath route's first nexthop. */
int nl_parse_link(const struct nlmsghdr *nlh, struct nl_link *out);
int nl_parse_addr(const struct nlmsghdr *nlh, struct nl_addr *out);
int nl_parse_route(const struct nlmsghdr *nlh, struct nl_route *out);
int nl_parse_neigh(const struct nlmsghdr *nlh, struct nl_neigh *out);
/* A route as one entry per nexthop (one for a plain route; a nexthop of another
 * family, RTA_VIA, is left out: only an IPv4 route can have one, an IPv6 gateway
 * for IPv4 traffic, RFC 8950; the kernel refuses RTA_VIA on IPv6 routes). Fills at
 * most max entries and returns how many there are, so max 0 counts them; or
 * -ENOENT / -EINVAL as above. */
int nl_parse_route_paths(const struct nlmsghdr *nlh, struct nl_route *out, size_t max);

/*
 * Events (for a socket opened with groups). Reads what is queued without blocking and
 * calls on_event for each message (nlh->nlmsg_type tells RTM_NEWADDR, RTM_DELADDR,
 * RTM_NEWLINK, ...). Returns messages handled, 0 if none, -ENOBUFS when the kernel
 * dropped events (the caller must re-dump and reconcile), or -errno.
 */
typedef void (*nl_event_fn)(const struct nlmsghdr *nlh, void *ctx);
int nl_read_events(struct nl *nl, nl_event_fn on_event, void *ctx);

/* Convenience for commands: is this link one arpkit may send ARP on? */
bool nl_link_is_arp_capable(const struct nl_link *link);

#endif
