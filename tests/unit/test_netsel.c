/*
 * Network selection over crafted snapshots: labels, secondaries, scope host, multipath,
 * no default route, a down link, loopback and point-to-point; and for IPv6 link-local
 * addresses and routers, DAD states, source selection and Router Advertisement routes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

/* First: it brings <net/if.h>, which must come before <linux/if.h>. */
#include "netsel.h"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ITEMS 32

enum { LO = 1, ETH0 = 2, ETH1 = 3, PPP0 = 4, ETH2 = 5, ETH3 = 6 };

struct fixture {
	struct nl_snapshot snap;
	struct nl_link links[MAX_ITEMS];
	struct nl_addr addrs[MAX_ITEMS];
	struct nl_route routes[MAX_ITEMS];
	struct nl_neigh neighs[MAX_ITEMS];
};

static struct ipaddr ip(const char *text)
{
	struct ipaddr a;

	assert_int_equal(ipaddr_parse(text, AF_UNSPEC, &a), 0);
	return a;
}

static void assert_ip(struct ipaddr got, const char *want)
{
	char buf[IPADDR_STRLEN];

	assert_string_equal(ipaddr_format(&got, buf), want);
}

static void add_link(struct fixture *f, int ifindex, const char *name, unsigned short type,
		     unsigned flags)
{
	struct nl_link *l = &f->links[f->snap.links.count++];

	memset(l, 0, sizeof(*l));
	l->ifindex = ifindex;
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->type = type;
	l->flags = flags;
	l->has_mac = type == ARPHRD_ETHER;
	l->mac.octet[0] = 0x02;
	l->mac.octet[5] = (uint8_t)ifindex;
}

static struct nl_addr *add_addr(struct fixture *f, int ifindex, const char *addr,
				unsigned prefixlen, const char *label)
{
	struct nl_addr *a = &f->addrs[f->snap.addrs.count++];

	memset(a, 0, sizeof(*a));
	a->ifindex = ifindex;
	a->addr = ip(addr);
	a->prefixlen = prefixlen;
	a->scope = RT_SCOPE_UNIVERSE;
	snprintf(a->label, sizeof(a->label), "%s", label);
	return a;
}

static struct nl_route *add_route(struct fixture *f, const char *dst, unsigned dst_len,
				  const char *gateway, int oif)
{
	struct nl_route *r = &f->routes[f->snap.routes.count++];

	memset(r, 0, sizeof(*r));
	r->dst = ip(dst);
	r->dst_len = dst_len;
	if (gateway)
		r->gateway = ip(gateway);
	r->oif = oif;
	r->table = RT_TABLE_MAIN;
	r->type = RTN_UNICAST;
	return r;
}

/* An empty snapshot whose lists live in the fixture. */
static struct fixture *new_fixture(void)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->snap.links.items = f->links;
	f->snap.addrs.items = f->addrs;
	f->snap.routes.items = f->routes;
	f->snap.neighs.items = f->neighs;
	return f;
}

/*
 * lo 127.0.0.1/8 and a hidden VIP 192.0.2.100/32 scope host;
 * eth0 192.0.2.10/24 primary, 192.0.2.20/24 secondary labelled eth0:vip,
 *      198.51.100.5/24 primary of a second subnet; the default route via 192.0.2.1,
 *      a multipath route via 192.0.2.1 and 192.0.2.2 (eth0) and 203.0.113.1 (eth1);
 * eth1 203.0.113.10/24, down; ppp0 point-to-point; eth2 up without addresses;
 * eth3 up and NOARP.
 */
static int setup(void **state)
{
	struct fixture *f = new_fixture();
	struct nl_addr *a;
	struct nl_route *r;

	add_link(f, LO, "lo", ARPHRD_LOOPBACK, IFF_UP | IFF_LOOPBACK | IFF_RUNNING);
	add_link(f, ETH0, "eth0", ARPHRD_ETHER, IFF_UP | IFF_RUNNING | IFF_BROADCAST);
	add_link(f, ETH1, "eth1", ARPHRD_ETHER, IFF_BROADCAST);
	add_link(f, PPP0, "ppp0", ARPHRD_PPP, IFF_UP | IFF_POINTOPOINT | IFF_NOARP);
	add_link(f, ETH2, "eth2", ARPHRD_ETHER, IFF_UP | IFF_RUNNING);
	add_link(f, ETH3, "eth3", ARPHRD_ETHER, IFF_UP | IFF_RUNNING | IFF_NOARP);

	a = add_addr(f, LO, "127.0.0.1", 8, "lo");
	a->scope = RT_SCOPE_HOST;
	a = add_addr(f, LO, "192.0.2.100", 32, "lo");
	a->scope = RT_SCOPE_HOST;
	add_addr(f, ETH0, "192.0.2.10", 24, "eth0");
	a = add_addr(f, ETH0, "192.0.2.20", 24, "eth0:vip");
	a->secondary = true;
	add_addr(f, ETH0, "198.51.100.5", 24, "eth0");
	add_addr(f, ETH1, "203.0.113.10", 24, "eth1");
	add_addr(f, PPP0, "10.64.0.1", 32, "ppp0");

	add_route(f, "0.0.0.0", 0, "192.0.2.1", ETH0);
	r = add_route(f, "192.0.2.0", 24, NULL, ETH0);
	r->prefsrc = ip("192.0.2.10");
	r = add_route(f, "198.51.100.0", 24, NULL, ETH0);
	r->prefsrc = ip("198.51.100.5");
	add_route(f, "10.30.0.0", 16, "192.0.2.1", ETH0); /* multipath: one entry per nexthop */
	add_route(f, "10.30.0.0", 16, "192.0.2.2", ETH0);
	add_route(f, "10.30.0.0", 16, "203.0.113.1", ETH1);
	r = add_route(f, "10.40.0.0", 16, "192.0.2.1", ETH0);
	r->prefsrc = ip("198.51.100.5"); /* a source set on purpose */
	add_route(f, "203.0.113.0", 24, NULL, ETH1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static void test_link_by_name_and_index(void **state)
{
	struct fixture *f = *state;
	enum netsel_match how;

	assert_int_equal(netsel_link_by_name(&f->snap, "eth0", &how)->ifindex, ETH0);
	assert_int_equal(how, NETSEL_MATCH_NAME);
	assert_null(netsel_link_by_name(&f->snap, "eth9", &how));
	assert_int_equal(how, NETSEL_MATCH_NONE);
	assert_null(netsel_link_by_name(&f->snap, "eth", NULL));   /* no prefix matching */
	assert_null(netsel_link_by_name(&f->snap, "eth00", NULL));
	assert_null(netsel_link_by_name(&f->snap, "", NULL));
	assert_null(netsel_link_by_name(&f->snap, "a-name-far-too-long-for-ifnamsiz", NULL));
	assert_string_equal(netsel_link_by_index(&f->snap, ETH1)->name, "eth1");
	assert_null(netsel_link_by_index(&f->snap, 99));
	assert_null(netsel_link_by_index(&f->snap, 0));
}

static void test_link_by_label(void **state)
{
	struct fixture *f = *state;
	enum netsel_match how;
	const struct nl_link *l;

	/* The label names the interface holding the address. */
	l = netsel_link_by_name(&f->snap, "eth0:vip", &how);
	assert_non_null(l);
	assert_int_equal(l->ifindex, ETH0);
	assert_int_equal(how, NETSEL_MATCH_LABEL);
	/* A label no address carries: the device before the ':', said so. */
	l = netsel_link_by_name(&f->snap, "eth1:0", &how);
	assert_non_null(l);
	assert_int_equal(l->ifindex, ETH1);
	assert_int_equal(how, NETSEL_MATCH_DEVICE);
	/* Neither label nor device. */
	assert_null(netsel_link_by_name(&f->snap, "eth9:vip", &how));
	assert_int_equal(how, NETSEL_MATCH_NONE);
	assert_null(netsel_link_by_name(&f->snap, ":vip", NULL));
	/* A label held on another interface than its prefix names wins over the prefix. */
	snprintf(f->addrs[5].label, sizeof(f->addrs[5].label), "eth0:moved");
	l = netsel_link_by_name(&f->snap, "eth0:moved", &how);
	assert_int_equal(l->ifindex, ETH1);
	assert_int_equal(how, NETSEL_MATCH_LABEL);
}

static void test_check_arp_link(void **state)
{
	struct fixture *f = *state;
	const struct nl_snapshot *s = &f->snap;
	unsigned all = NETSEL_NEED_UP | NETSEL_NEED_IPV4;

	assert_int_equal(netsel_check_arp_link(s, netsel_link_by_index(s, ETH0), all), NETSEL_LINK_OK);
	assert_int_equal(netsel_check_arp_link(s, NULL, 0), NETSEL_LINK_UNKNOWN);
	assert_int_equal(netsel_check_arp_link(s, netsel_link_by_index(s, LO), 0), NETSEL_LINK_NOT_ARP);
	assert_int_equal(netsel_check_arp_link(s, netsel_link_by_index(s, PPP0), 0),
			 NETSEL_LINK_NOT_ARP);
	assert_int_equal(netsel_check_arp_link(s, netsel_link_by_index(s, ETH3), 0),
			 NETSEL_LINK_NOT_ARP);
	/* Down matters only when asked; "not ARP" is told before "down". */
	assert_int_equal(netsel_check_arp_link(s, netsel_link_by_index(s, ETH1), 0), NETSEL_LINK_OK);
	assert_int_equal(netsel_check_arp_link(s, netsel_link_by_index(s, ETH1), all),
			 NETSEL_LINK_DOWN);
	assert_int_equal(netsel_check_arp_link(s, netsel_link_by_index(s, ETH2), NETSEL_NEED_UP),
			 NETSEL_LINK_OK);
	assert_int_equal(netsel_check_arp_link(s, netsel_link_by_index(s, ETH2), all),
			 NETSEL_LINK_NO_ADDRESS);
	/* A scope host address is no address to send from. */
	f->addrs[5].scope = RT_SCOPE_HOST;
	f->links[2].flags |= IFF_UP;
	assert_int_equal(netsel_check_arp_link(s, netsel_link_by_index(s, ETH1), all),
			 NETSEL_LINK_NO_ADDRESS);
}

static void test_next_arp_link(void **state)
{
	struct fixture *f = *state;
	const struct nl_link *l;
	int seen[8];
	size_t n = 0;

	for (size_t i = 0; (l = netsel_next_arp_link(&f->snap, &i));)
		seen[n++] = l->ifindex;
	/* Not lo, not eth1 (down), not ppp0, not eth3 (NOARP). */
	assert_int_equal(n, 2);
	assert_int_equal(seen[0], ETH0);
	assert_int_equal(seen[1], ETH2);
}

static void test_arp_links(void **state)
{
	struct fixture *f = *state;
	const struct nl_link *found[1];

	/* Up and ARP: eth0 and eth2; only eth0 has an IPv4 address. */
	assert_int_equal(netsel_arp_links(&f->snap, NETSEL_NEED_UP, NULL, 0), 2);
	assert_int_equal(netsel_arp_links(&f->snap, NETSEL_NEED_IPV4, found, 1), 1);
	assert_int_equal(found[0]->ifindex, ETH0);
	/* Two candidates: the first is given, both are counted. */
	add_addr(f, ETH2, "10.9.0.1", 24, "eth2");
	found[0] = NULL;
	assert_int_equal(netsel_arp_links(&f->snap, NETSEL_NEED_IPV4, found, 1), 2);
	assert_int_equal(found[0]->ifindex, ETH0);
	assert_int_equal(netsel_arp_links(&f->snap, NETSEL_NEED_IPV6, found, 1), 0);
}

static void test_held(void **state)
{
	struct fixture *f = *state;
	struct ipaddr vip = ip("192.0.2.20"), hidden = ip("192.0.2.100"), other = ip("192.0.2.99");
	struct ipaddr v6 = ip("::ffff:192.0.2.20");

	assert_int_equal(netsel_held(&f->snap, 0, &vip)->ifindex, ETH0);
	assert_non_null(netsel_held(&f->snap, ETH0, &vip));
	assert_null(netsel_held(&f->snap, ETH1, &vip));
	/* Held, even in scope host: the host holds it (the LVS real server's VIP). */
	assert_int_equal(netsel_held(&f->snap, 0, &hidden)->ifindex, LO);
	assert_null(netsel_held(&f->snap, 0, &other));
	assert_null(netsel_held(&f->snap, 0, &v6)); /* families never mix */
}

static void test_on_link(void **state)
{
	struct fixture *f = *state;
	struct ipaddr a = ip("192.0.2.77"), b = ip("203.0.113.7"), far = ip("10.30.1.1");
	struct ipaddr vip = ip("192.0.2.100");
	const struct nl_addr *hit;

	hit = netsel_on_link(&f->snap, 0, &a);
	assert_int_equal(hit->ifindex, ETH0);
	assert_ip(hit->addr, "192.0.2.10"); /* the primary before the secondary */
	assert_non_null(netsel_on_link(&f->snap, ETH0, &a));
	assert_null(netsel_on_link(&f->snap, ETH1, &a));
	assert_int_equal(netsel_on_link(&f->snap, 0, &b)->ifindex, ETH1);
	assert_null(netsel_on_link(&f->snap, 0, &far));
	/* lo's scope host /32 is no link to reach the VIP through; eth0's /24 is. */
	assert_int_equal(netsel_on_link(&f->snap, 0, &vip)->ifindex, ETH0);
	/* The longest prefix wins. */
	add_addr(f, ETH2, "192.0.2.65", 26, "eth2");
	assert_int_equal(netsel_on_link(&f->snap, 0, &a)->ifindex, ETH2);
	assert_int_equal(netsel_on_link(&f->snap, ETH0, &a)->ifindex, ETH0);
}

static void test_route_for(void **state)
{
	struct fixture *f = *state;
	struct ipaddr near = ip("192.0.2.77"), routed = ip("10.30.1.1"), net = ip("8.8.8.8");

	assert_int_equal(netsel_route_for(&f->snap, 0, &near)->dst_len, 24);
	assert_int_equal(netsel_route_for(&f->snap, ETH0, &routed)->dst_len, 16);
	assert_int_equal(netsel_route_for(&f->snap, ETH1, &routed)->oif, ETH1);
	assert_int_equal(netsel_route_for(&f->snap, 0, &net)->dst_len, 0);
	assert_null(netsel_route_for(&f->snap, ETH1, &net));
}

static void test_default_source(void **state)
{
	struct fixture *f = *state;
	struct ipaddr t;
	struct nl_route kernel;

	/* 1. Our address on the target's subnet: the primary one. */
	t = ip("192.0.2.77");
	assert_ip(netsel_default_source(&f->snap, ETH0, &t, NULL), "192.0.2.10");
	t = ip("198.51.100.9");
	assert_ip(netsel_default_source(&f->snap, ETH0, &t, NULL), "198.51.100.5");
	/* ... but not the target itself: asking from the address asked for announces it. */
	t = ip("192.0.2.10");
	assert_ip(netsel_default_source(&f->snap, ETH0, &t, NULL), "192.0.2.20");
	/* 2. Else the route's preferred source: the snapshot's, or the caller's. */
	t = ip("10.40.1.1");
	assert_ip(netsel_default_source(&f->snap, ETH0, &t, NULL), "198.51.100.5");
	kernel = f->routes[0];
	kernel.prefsrc = ip("198.51.100.5");
	t = ip("10.50.1.1");
	assert_ip(netsel_default_source(&f->snap, ETH0, &t, &kernel), "198.51.100.5");
	/* ... but not a route through another interface. */
	kernel.oif = ETH1;
	assert_ip(netsel_default_source(&f->snap, ETH0, &t, &kernel), "192.0.2.10");
	/* 3. Else the primary, never the secondary (the default route has no prefsrc). */
	assert_ip(netsel_default_source(&f->snap, ETH0, &t, NULL), "192.0.2.10");
	f->addrs[2].secondary = true; /* now every 192.0.2/24 address is secondary */
	assert_ip(netsel_default_source(&f->snap, ETH0, &t, NULL), "198.51.100.5");
	/* 4. Else unspecified: an interface without addresses, or one of scope host only. */
	assert_ip(netsel_default_source(&f->snap, ETH2, &t, NULL), "0.0.0.0");
	assert_ip(netsel_default_source(&f->snap, LO, &t, NULL), "0.0.0.0");
	/* Only the target's family counts. */
	t = ip("2001:db8::1");
	assert_ip(netsel_default_source(&f->snap, ETH0, &t, NULL), "::");
}

static void test_gateways(void **state)
{
	struct fixture *f = *state;
	struct ipaddr out[8];

	/* Each once, in route order; multipath nexthops count per interface. */
	assert_int_equal(netsel_gateways(&f->snap, ETH0, AF_INET, out, 8), 2);
	assert_ip(out[0], "192.0.2.1");
	assert_ip(out[1], "192.0.2.2");
	assert_int_equal(netsel_gateways(&f->snap, ETH1, AF_UNSPEC, out, 8), 1);
	assert_ip(out[0], "203.0.113.1");
	assert_int_equal(netsel_gateways(&f->snap, ETH2, AF_INET, out, 8), 0);
	assert_int_equal(netsel_gateways(&f->snap, ETH0, AF_INET6, out, 8), 0);
	/* Bounded by the room given. */
	assert_int_equal(netsel_gateways(&f->snap, ETH0, AF_INET, out, 1), 1);
	assert_ip(out[0], "192.0.2.1");
}

static void test_default_ifindex(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(netsel_default_ifindex(&f->snap, AF_INET), ETH0);
	assert_int_equal(netsel_default_ifindex(&f->snap, AF_INET6), 0);
	/* No default route. */
	f->routes[0].dst_len = 8;
	assert_int_equal(netsel_default_ifindex(&f->snap, AF_INET), 0);
}

static void test_empty_snapshot(void **state)
{
	struct nl_snapshot empty = {0};
	struct ipaddr t = ip("192.0.2.1"), out[1];
	size_t i = 0;

	(void)state;
	assert_null(netsel_link_by_name(&empty, "eth0", NULL));
	assert_null(netsel_link_by_name(&empty, "eth0:vip", NULL));
	assert_null(netsel_next_arp_link(&empty, &i));
	assert_null(netsel_held(&empty, 0, &t));
	assert_null(netsel_on_link(&empty, 0, &t));
	assert_ip(netsel_default_source(&empty, 2, &t, NULL), "0.0.0.0");
	assert_int_equal(netsel_gateways(&empty, 2, AF_INET, out, 1), 0);
	assert_int_equal(netsel_default_ifindex(&empty, AF_INET), 0);
}

/* ---- IPv6 ---- */

enum { ETH4 = 7, ETH5 = 8, ETH6 = 9 };

static struct nl_addr *add_addr6(struct fixture *f, int ifindex, const char *addr,
				 unsigned prefixlen, unsigned flags)
{
	struct nl_addr *a = add_addr(f, ifindex, addr, prefixlen, "");

	a->flags = flags;
	a->secondary = (flags & IFA_F_SECONDARY) != 0;
	if (IN6_IS_ADDR_LINKLOCAL(&a->addr.v6))
		a->scope = RT_SCOPE_LINK;
	return a;
}

static void add_neigh(struct fixture *f, int ifindex, const char *dst, uint16_t state,
		      uint8_t flags)
{
	struct nl_neigh *n = &f->neighs[f->snap.neighs.count++];

	memset(n, 0, sizeof(*n));
	n->ifindex = ifindex;
	n->dst = ip(dst);
	n->state = state;
	n->flags = flags;
	n->has_lladdr = state != NUD_INCOMPLETE && state != NUD_FAILED;
	n->lladdr.octet[0] = 0x02;
}

/*
 * lo ::1/128 scope host;
 * eth0 fe80::10 and, on 2001:db8:1::/64, ::10 ready, ::11 tentative, ::12 deprecated,
 *      ::13 optimistic, ::14 dadfailed; 2001:db8:2::10/64; fd00:1::10/48 (ULA); the
 *      only holder of 2001:db8:3::14/64, whose DAD failed; routes: two RA default
 *      routes (fe80::1, fe80::2), on-link prefixes, 2001:db8:40::/48 via fe80::1 again,
 *      2001:db8:60::/48 via 2001:db8:1::1 with source 2001:db8:2::10; neighbours: the
 *      routers fe80::1 (also a gateway), fe80::3 (a router no route uses), fe80::4
 *      (FAILED), fe80::7 (INCOMPLETE), and fe80::5, a host;
 * eth1 fe80::20, 2001:db8:9::20/64, 192.0.2.1/24; a multipath nexthop via fe80::1
 *      (another router than eth0's fe80::1); the router fe80::6;
 * eth2 only a tentative link-local; eth3 only a dadfailed one; eth4 only a link-local;
 * eth5 only 2001:db8:5::1/64; eth6 only 2001:db8:6::1/64, deprecated.
 */
static int setup6(void **state)
{
	struct fixture *f = new_fixture();
	struct nl_addr *a;
	struct nl_route *r;

	add_link(f, LO, "lo", ARPHRD_LOOPBACK, IFF_UP | IFF_LOOPBACK | IFF_RUNNING);
	add_link(f, ETH0, "eth0", ARPHRD_ETHER, IFF_UP | IFF_RUNNING);
	add_link(f, ETH1, "eth1", ARPHRD_ETHER, IFF_UP | IFF_RUNNING);
	add_link(f, ETH2, "eth2", ARPHRD_ETHER, IFF_UP | IFF_RUNNING);
	add_link(f, ETH3, "eth3", ARPHRD_ETHER, IFF_UP | IFF_RUNNING);
	add_link(f, ETH4, "eth4", ARPHRD_ETHER, IFF_UP | IFF_RUNNING);
	add_link(f, ETH5, "eth5", ARPHRD_ETHER, IFF_UP | IFF_RUNNING);
	add_link(f, ETH6, "eth6", ARPHRD_ETHER, IFF_UP | IFF_RUNNING);

	a = add_addr6(f, LO, "::1", 128, IFA_F_PERMANENT);
	a->scope = RT_SCOPE_HOST;
	add_addr6(f, ETH0, "fe80::10", 64, IFA_F_PERMANENT);
	add_addr6(f, ETH0, "2001:db8:1::10", 64, IFA_F_PERMANENT);
	add_addr6(f, ETH0, "2001:db8:1::11", 64, IFA_F_PERMANENT | IFA_F_TENTATIVE);
	add_addr6(f, ETH0, "2001:db8:1::12", 64, IFA_F_DEPRECATED);
	add_addr6(f, ETH0, "2001:db8:1::13", 64, IFA_F_TENTATIVE | IFA_F_OPTIMISTIC);
	add_addr6(f, ETH0, "2001:db8:1::14", 64, IFA_F_PERMANENT | IFA_F_TENTATIVE | IFA_F_DADFAILED);
	add_addr6(f, ETH0, "2001:db8:2::10", 64, IFA_F_PERMANENT);
	add_addr6(f, ETH0, "fd00:1::10", 48, IFA_F_PERMANENT);
	add_addr6(f, ETH0, "2001:db8:3::14", 64, IFA_F_TENTATIVE | IFA_F_DADFAILED);
	add_addr6(f, ETH1, "fe80::20", 64, IFA_F_PERMANENT);
	add_addr6(f, ETH1, "2001:db8:9::20", 64, IFA_F_PERMANENT);
	add_addr(f, ETH1, "192.0.2.1", 24, "eth1");
	add_addr6(f, ETH2, "fe80::30", 64, IFA_F_PERMANENT | IFA_F_TENTATIVE);
	add_addr6(f, ETH3, "fe80::31", 64, IFA_F_PERMANENT | IFA_F_TENTATIVE | IFA_F_DADFAILED);
	add_addr6(f, ETH4, "fe80::40", 64, IFA_F_PERMANENT);
	add_addr6(f, ETH5, "2001:db8:5::1", 64, IFA_F_PERMANENT);
	add_addr6(f, ETH6, "2001:db8:6::1", 64, IFA_F_DEPRECATED);

	r = add_route(f, "::", 0, "fe80::1", ETH0);
	r->protocol = RTPROT_RA;
	r = add_route(f, "::", 0, "fe80::2", ETH0);
	r->protocol = RTPROT_RA;
	add_route(f, "2001:db8:1::", 64, NULL, ETH0);
	add_route(f, "fe80::", 64, NULL, ETH0);
	add_route(f, "2001:db8:40::", 48, "fe80::1", ETH0);
	r = add_route(f, "2001:db8:60::", 48, "2001:db8:1::1", ETH0);
	r->prefsrc = ip("2001:db8:2::10");
	add_route(f, "2001:db8:50::", 48, "fe80::1", ETH1);
	add_route(f, "fe80::", 64, NULL, ETH1);

	add_neigh(f, ETH0, "fe80::1", NUD_REACHABLE, NTF_ROUTER);
	add_neigh(f, ETH0, "fe80::3", NUD_STALE, NTF_ROUTER);
	add_neigh(f, ETH0, "fe80::4", NUD_FAILED, NTF_ROUTER);
	add_neigh(f, ETH0, "fe80::7", NUD_INCOMPLETE, NTF_ROUTER);
	add_neigh(f, ETH0, "fe80::5", NUD_STALE, 0);
	add_neigh(f, ETH1, "fe80::6", NUD_DELAY, NTF_ROUTER);
	*state = f;
	return 0;
}

static void test_check_link_ipv6(void **state)
{
	struct fixture *f = *state;
	const struct nl_snapshot *s = &f->snap;
	unsigned need = NETSEL_NEED_UP | NETSEL_NEED_IPV6;

	assert_int_equal(netsel_check_arp_link(s, netsel_link_by_index(s, ETH0), need),
			 NETSEL_LINK_OK);
	/* A tentative address is there, to be waited for; a failed one is not. */
	assert_int_equal(netsel_check_arp_link(s, netsel_link_by_index(s, ETH2), need),
			 NETSEL_LINK_OK);
	assert_int_equal(netsel_check_arp_link(s, netsel_link_by_index(s, ETH3), need),
			 NETSEL_LINK_NO_IPV6);
	/* Each family asked for must be there. */
	assert_int_equal(netsel_check_arp_link(s, netsel_link_by_index(s, ETH0),
					       NETSEL_NEED_IPV4), NETSEL_LINK_NO_ADDRESS);
	assert_int_equal(netsel_check_arp_link(s, netsel_link_by_index(s, ETH1),
					       NETSEL_NEED_IPV4 | NETSEL_NEED_IPV6), NETSEL_LINK_OK);
	assert_int_equal(netsel_check_arp_link(s, netsel_link_by_index(s, ETH5),
					       NETSEL_NEED_IPV4 | NETSEL_NEED_IPV6),
			 NETSEL_LINK_NO_ADDRESS);
	assert_int_equal(netsel_check_arp_link(s, netsel_link_by_index(s, LO), NETSEL_NEED_IPV6),
			 NETSEL_LINK_NOT_ARP);
}

static void test_held_ipv6(void **state)
{
	struct fixture *f = *state;
	struct ipaddr tentative = ip("2001:db8:1::11"), ll = ip("fe80::10");

	/* Held whatever DAD says; nl_addr_state tells what it is good for. */
	assert_int_equal(nl_addr_state(netsel_held(&f->snap, ETH0, &tentative)), NL_ADDR_TENTATIVE);
	assert_non_null(netsel_held(&f->snap, ETH0, &ll));
	assert_null(netsel_held(&f->snap, ETH1, &ll));
	assert_int_equal(netsel_held(&f->snap, 0, &ll)->ifindex, ETH0);
}

static void test_on_link_ipv6(void **state)
{
	struct fixture *f = *state;
	struct ipaddr ll = ip("fe80::99"), near = ip("2001:db8:1::77"), far = ip("2001:db8:7::1");
	struct ipaddr failed = ip("2001:db8:3::77"), other = ip("2001:db8:9::1");

	/* Link-local: the interface asked about, by its own link-local address. */
	assert_ip(netsel_on_link(&f->snap, ETH0, &ll)->addr, "fe80::10");
	assert_ip(netsel_on_link(&f->snap, ETH1, &ll)->addr, "fe80::20");
	assert_ip(netsel_on_link(&f->snap, ETH2, &ll)->addr, "fe80::30"); /* tentative: there */
	assert_null(netsel_on_link(&f->snap, ETH3, &ll));  /* DAD failed: IPv6 is dead there */
	assert_null(netsel_on_link(&f->snap, ETH5, &ll));  /* no link-local address */
	assert_null(netsel_on_link(&f->snap, 0, &ll));     /* which link? */
	/* Global: by prefix, as for IPv4; a prefix only a failed address held is gone. */
	assert_ip(netsel_on_link(&f->snap, ETH0, &near)->addr, "2001:db8:1::10");
	assert_int_equal(netsel_on_link(&f->snap, 0, &other)->ifindex, ETH1);
	assert_null(netsel_on_link(&f->snap, 0, &far));
	assert_null(netsel_on_link(&f->snap, 0, &failed));
}

/* netsel_default_source for target on ifindex gives want. */
static void assert_source(const struct fixture *f, int ifindex, const char *target,
			  const struct nl_route *route, const char *want)
{
	struct ipaddr t = ip(target);

	assert_ip(netsel_default_source(&f->snap, ifindex, &t, route), want);
}

static void test_default_source_ipv6(void **state)
{
	struct fixture *f = *state;
	struct nl_route kernel = { .oif = ETH0, .type = RTN_UNICAST };

	/* A link-local source for a link-local target, or a link-scope multicast one. */
	assert_source(f, ETH0, "fe80::99", NULL, "fe80::10");
	assert_source(f, ETH1, "fe80::99", NULL, "fe80::20");
	assert_source(f, ETH0, "ff02::1", NULL, "fe80::10");
	/* On the target's prefix: ready, never tentative or failed, deprecated and
	 * optimistic avoided. */
	assert_source(f, ETH0, "2001:db8:1::77", NULL, "2001:db8:1::10");
	assert_source(f, ETH0, "fd00:1:0:5::1", NULL, "fd00:1::10");
	/* The route's source, the snapshot's or the kernel's... */
	assert_source(f, ETH0, "2001:db8:60::1", NULL, "2001:db8:2::10");
	kernel.prefsrc = ip("2001:db8:2::10");
	assert_source(f, ETH0, "2001:db8:77::1", &kernel, "2001:db8:2::10");
	/* ... but not one that may not be a source now. */
	kernel.prefsrc = ip("2001:db8:1::11");
	assert_source(f, ETH0, "2001:db8:77::1", &kernel, "2001:db8:1::10");
	/* Rule 8: the longest prefix in common (2001:db8:2:: shares 47 bits with
	 * 2001:db8:3::, 2001:db8:1:: 46), though listed after. */
	assert_source(f, ETH0, "2001:db8:3::1", NULL, "2001:db8:2::10");
	/* Rule 2: global for a global target; link-local when nothing else is there. */
	assert_source(f, ETH1, "2001:db8:77::1", NULL, "2001:db8:9::20");
	assert_source(f, ETH4, "2001:db8:77::1", NULL, "fe80::40");
	/* The target itself only as the last resort; deprecated only when it is all. */
	assert_source(f, ETH5, "2001:db8:5::1", NULL, "2001:db8:5::1");
	assert_source(f, ETH6, "2001:db8:6::9", NULL, "2001:db8:6::1");
	assert_source(f, ETH0, "2001:db8:1::10", NULL, "2001:db8:1::12");
	/* Nothing usable: ::, the DAD form. Tentative, failed, scope host. */
	assert_source(f, ETH2, "fe80::99", NULL, "::");
	assert_source(f, ETH3, "fe80::99", NULL, "::");
	assert_source(f, LO, "fe80::99", NULL, "::");
	/* IPv4 is untouched by all this. */
	assert_source(f, ETH1, "192.0.2.77", NULL, "192.0.2.1");
	assert_source(f, ETH0, "192.0.2.77", NULL, "0.0.0.0");
}

static void test_gateways_ipv6(void **state)
{
	struct fixture *f = *state;
	struct ipaddr out[8];

	/* RA default routes count; fe80::1 once though two routes use it. */
	assert_int_equal(netsel_gateways(&f->snap, ETH0, AF_INET6, out, 8), 3);
	assert_ip(out[0], "fe80::1");
	assert_ip(out[1], "fe80::2");
	assert_ip(out[2], "2001:db8:1::1");
	/* A link-local gateway belongs to its interface. */
	assert_int_equal(netsel_gateways(&f->snap, ETH1, AF_INET6, out, 8), 1);
	assert_ip(out[0], "fe80::1");
	assert_int_equal(netsel_gateways(&f->snap, ETH1, AF_INET, out, 8), 0);
	assert_int_equal(netsel_default_ifindex(&f->snap, AF_INET6), ETH0);
	assert_int_equal(netsel_default_ifindex(&f->snap, AF_INET), 0);
}

static void test_ipv6_routers(void **state)
{
	struct fixture *f = *state;
	struct ipaddr out[8];

	/* Gateways first, then the neighbours flagged as routers with a usable entry. */
	assert_int_equal(netsel_ipv6_routers(&f->snap, ETH0, out, 8), 4);
	assert_ip(out[0], "fe80::1");
	assert_ip(out[1], "fe80::2");
	assert_ip(out[2], "2001:db8:1::1");
	assert_ip(out[3], "fe80::3");
	assert_int_equal(netsel_ipv6_routers(&f->snap, ETH1, out, 8), 2);
	assert_ip(out[0], "fe80::1");
	assert_ip(out[1], "fe80::6");
	assert_int_equal(netsel_ipv6_routers(&f->snap, ETH2, out, 8), 0);
	/* Bounded by the room given, gateways first. */
	assert_int_equal(netsel_ipv6_routers(&f->snap, ETH0, out, 2), 2);
	assert_ip(out[1], "fe80::2");
	/* Without neighbours loaded: the gateways alone. */
	f->snap.neighs.count = 0;
	assert_int_equal(netsel_ipv6_routers(&f->snap, ETH0, out, 8), 3);
}

/* The addresses of one interface in the states asked for, in the kernel's order. */
static size_t collect(const struct nl_snapshot *s, int ifindex, int family, unsigned states,
		      char out[][IPADDR_STRLEN], size_t max)
{
	const struct nl_addr *a;
	size_t n = 0;

	for (size_t i = 0; (a = netsel_next_addr(s, ifindex, family, states, &i));)
		if (n < max)
			ipaddr_format(&a->addr, out[n++]);
	return n;
}

static void test_next_addr(void **state)
{
	struct fixture *f = *state;
	char got[MAX_ITEMS][IPADDR_STRLEN];

	/* What to announce now: link-local and global, ready or optimistic. */
	assert_int_equal(collect(&f->snap, ETH0, AF_INET6, NL_ADDR_ANNOUNCEABLE, got, MAX_ITEMS), 5);
	assert_string_equal(got[0], "fe80::10");
	assert_string_equal(got[1], "2001:db8:1::10");
	assert_string_equal(got[2], "2001:db8:1::13");
	assert_string_equal(got[3], "2001:db8:2::10");
	assert_string_equal(got[4], "fd00:1::10");
	/* What to wait for, and the conflicts. */
	assert_int_equal(collect(&f->snap, ETH0, AF_INET6, NL_ADDR_TENTATIVE, got, MAX_ITEMS), 1);
	assert_string_equal(got[0], "2001:db8:1::11");
	assert_int_equal(collect(&f->snap, ETH0, AF_INET6, NL_ADDR_DADFAILED, got, MAX_ITEMS), 2);
	assert_string_equal(got[0], "2001:db8:1::14");
	assert_string_equal(got[1], "2001:db8:3::14");
	assert_int_equal(collect(&f->snap, ETH0, AF_INET6, NL_ADDR_DEPRECATED, got, MAX_ITEMS), 1);
	/* Both families; IPv4 is always ready; scope host never. */
	assert_int_equal(collect(&f->snap, ETH1, AF_UNSPEC, NL_ADDR_READY, got, MAX_ITEMS), 3);
	assert_string_equal(got[2], "192.0.2.1");
	assert_int_equal(collect(&f->snap, ETH1, AF_INET, NL_ADDR_ANNOUNCEABLE, got, MAX_ITEMS), 1);
	assert_int_equal(collect(&f->snap, LO, AF_UNSPEC, ~0u, got, MAX_ITEMS), 0);
	/* Every interface with 0. */
	assert_int_equal(collect(&f->snap, 0, AF_INET6, NL_ADDR_TENTATIVE, got, MAX_ITEMS), 2);
	assert_string_equal(got[1], "fe80::30");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_link_by_name_and_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_by_label, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_arp_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_arp_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arp_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_on_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_for, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gateways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_ifindex, setup, teardown),
		cmocka_unit_test(test_empty_snapshot),
		cmocka_unit_test_setup_teardown(test_check_link_ipv6, setup6, teardown),
		cmocka_unit_test_setup_teardown(test_held_ipv6, setup6, teardown),
		cmocka_unit_test_setup_teardown(test_on_link_ipv6, setup6, teardown),
		cmocka_unit_test_setup_teardown(test_default_source_ipv6, setup6, teardown),
		cmocka_unit_test_setup_teardown(test_gateways_ipv6, setup6, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_routers, setup6, teardown),
		cmocka_unit_test_setup_teardown(test_next_addr, setup6, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
