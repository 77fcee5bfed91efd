/*
 * rtnetlink through libmnl: interfaces, IP addresses (with labels), routes and
 * neighbours; address changes for the tools that change them; and event
 * subscription for the daemon. Parsers are separate from I/O so unit tests feed
 * them crafted messages.
 *
 * Families: the parsers read IPv4 and IPv6 records alike (every address checked
 * against its family's length); the dumps ask the kernel for IPv4 only and keep
 * only IPv4, because the commands speak IPv4 so far.
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

struct nl_addr {
	int ifindex;
	struct ipaddr addr;      /* IFA_LOCAL (IFA_ADDRESS when absent); family of the record */
	unsigned prefixlen;
	char label[IF_NAMESIZE]; /* "eth0:vip" style label, or the interface name; "" if none sent */
	bool secondary;          /* IFA_F_SECONDARY */
	unsigned char scope;     /* RT_SCOPE_* */
	unsigned flags;          /* IFA_F_* (IFA_FLAGS when present) */
};

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

/* What a command reads before it sends anything: one dump of each table asked for. */
enum nl_parts {
	NL_LINKS = 1 << 0,
	NL_ADDRS = 1 << 1,
	NL_ROUTES = 1 << 2,
	NL_NEIGHS = 1 << 3,
};

struct nl_snapshot {
	nl_link_list links;
	nl_addr_list addrs;
	nl_route_list routes;
	nl_neigh_list neighs;
};

/*
 * groups: 0 for request/response use, or RTMGRP_* bits to subscribe to events (the
 * socket is then non-blocking, with a 4 MiB receive buffer). Requests work on an
 * event socket too, but events that arrive while one is in flight are dropped;
 * keep a separate socket for requests.
 */
int nl_open(struct nl *nl, unsigned groups);
void nl_close(struct nl *nl);

/* Dumps the parts asked for (enum nl_parts bits) into snap: 0 or -errno. */
int nl_snapshot_load(struct nl *nl, struct nl_snapshot *snap, unsigned parts);
void nl_snapshot_free(struct nl_snapshot *snap);
int nl_fd(const struct nl *nl);

/* Dumps. Return 0 or -errno; the list is appended to (and left as it was on error).
 * A dump the kernel marks inconsistent (tables changed under it) is redone a few
 * times, then fails with -EAGAIN. */
int nl_dump_links(struct nl *nl, nl_link_list *out);
int nl_dump_addrs(struct nl *nl, int ifindex /* 0: all */, nl_addr_list *out);
/* Unicast routes of the main table; a multipath route adds one entry per nexthop. */
int nl_dump_routes(struct nl *nl, nl_route_list *out);
int nl_dump_neighs(struct nl *nl, int ifindex /* 0: all */, nl_neigh_list *out);

/* One interface by name or index: 0, -ENODEV, or -errno. */
int nl_get_link_by_name(struct nl *nl, const char *name, struct nl_link *out);
int nl_get_link_by_index(struct nl *nl, int ifindex, struct nl_link *out);
/* The route the kernel would use to reach dst (RTM_GETROUTE): 0, -ENETUNREACH,
 * -EAFNOSUPPORT (dst of no IP family), -errno. */
int nl_route_to(struct nl *nl, const struct ipaddr *dst, struct nl_route *out);

/* Address changes (CAP_NET_ADMIN). add is idempotent: an existing identical
 * address is 0, not -EEXIST. del of a missing address is -EADDRNOTAVAIL; the address
 * matches on addr and prefixlen. Deleting a primary address also deletes its
 * secondaries unless net.ipv4.conf.<if>.promote_secondaries is set. */
int nl_addr_add(struct nl *nl, int ifindex, struct in_addr addr, unsigned prefixlen,
		unsigned char scope, const char *label);
int nl_addr_del(struct nl *nl, int ifindex, struct in_addr addr, unsigned prefixlen);

/* Parsers (no I/O): 0, -ENOENT when the message is not of that kind or of neither IP
 * family (AF_INET, AF_INET6), -EINVAL when malformed (an address attribute whose
 * length is not its family's, too). Attributes are validated for type and length.
 * Both the NEW and DEL message types are accepted; nlh->nlmsg_len bytes must be
 * readable. nl_parse_route gives a multipath route's first nexthop. */
int nl_parse_link(const struct nlmsghdr *nlh, struct nl_link *out);
int nl_parse_addr(const struct nlmsghdr *nlh, struct nl_addr *out);
int nl_parse_route(const struct nlmsghdr *nlh, struct nl_route *out);
int nl_parse_neigh(const struct nlmsghdr *nlh, struct nl_neigh *out);
/* A route as one entry per nexthop (one for a plain route; a nexthop of another
 * family, RTA_VIA, is left out). Fills at most max entries and returns how many
 * there are, so max 0 counts them; or -ENOENT / -EINVAL as above. */
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
