/*
 * Network selection over crafted snapshots: labels, secondaries, scope host, multipath,
 * no default route, a down link, loopback and point-to-point.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

/* First: it brings <net/if.h>, which must come before <linux/if.h>. */
#include "netsel.h"

#include <linux/if.h>
#include <linux/if_arp.h>
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
	struct fixture *f = calloc(1, sizeof(*f));
	struct nl_addr *a;
	struct nl_route *r;

	assert_non_null(f);
	f->snap.links.items = f->links;
	f->snap.addrs.items = f->addrs;
	f->snap.routes.items = f->routes;
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_link_by_name_and_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_by_label, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_arp_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_arp_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_on_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_for, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gateways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_ifindex, setup, teardown),
		cmocka_unit_test(test_empty_snapshot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
