/*
 * netlink: the parsers against messages built byte by byte, then the I/O against
 * the kernel. The kernel tests only read in this namespace; anything that changes
 * state runs in a child that first moved into a network namespace of its own,
 * which disappears with it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* First: it brings <net/if.h>, which must come before <linux/if.h>. */
#include "netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#define MSG_SIZE 1024

struct msg {
	_Alignas(struct nlmsghdr) uint8_t bytes[MSG_SIZE];
};

static struct nlmsghdr *msg_start(struct msg *m, uint16_t type, const void *fixed,
				  size_t fixed_len)
{
	memset(m, 0, sizeof(*m));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(m->bytes);
	nlh->nlmsg_type = type;
	memcpy(mnl_nlmsg_put_extra_header(nlh, fixed_len), fixed, fixed_len);
	return nlh;
}

static struct in_addr ip(const char *text)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, text, &a), 1);
	return a;
}

static void put_ip(struct nlmsghdr *nlh, uint16_t type, const char *text)
{
	struct in_addr a = ip(text);
	mnl_attr_put(nlh, type, sizeof(a), &a);
}

static void put_ip6(struct nlmsghdr *nlh, uint16_t type, const char *text)
{
	struct in6_addr a;
	assert_int_equal(inet_pton(AF_INET6, text, &a), 1);
	mnl_attr_put(nlh, type, sizeof(a), &a);
}

/* want "" for none (AF_UNSPEC). */
static void assert_ip(struct ipaddr got, const char *want)
{
	char buf[IPADDR_STRLEN];
	assert_string_equal(ipaddr_format(&got, buf), want);
}

static const uint8_t test_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

/* ---- links ---- */

static struct nlmsghdr *ethernet_link(struct msg *m)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_type = ARPHRD_ETHER,
		.ifi_index = 3,
		.ifi_flags = IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST | IFF_LOWER_UP,
	};
	struct nlmsghdr *nlh = msg_start(m, RTM_NEWLINK, &ifi, sizeof(ifi));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0");
	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(test_mac), test_mac);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	mnl_attr_put_u8(nlh, IFLA_CARRIER, 1);
	mnl_attr_put_u8(nlh, IFLA_OPERSTATE, IF_OPER_UP);
	mnl_attr_put_u32(nlh, IFLA_MASTER, 7);
	return nlh;
}

static void test_link_ethernet(void **state)
{
	(void)state;
	struct msg m;
	struct nlmsghdr *nlh = ethernet_link(&m);
	/* A type from a kernel newer than our headers is skipped, whatever its size. */
	mnl_attr_put_u16(nlh, IFLA_MAX + 5, 0xbeef);

	struct nl_link link;
	assert_int_equal(nl_parse_link(nlh, &link), 0);
	assert_int_equal(link.ifindex, 3);
	assert_string_equal(link.name, "eth0");
	assert_int_equal(link.type, ARPHRD_ETHER);
	assert_true(link.flags & IFF_UP);
	assert_true(link.has_mac);
	assert_memory_equal(link.mac.octet, test_mac, 6);
	assert_int_equal(link.mtu, 1500);
	assert_true(link.carrier);
	assert_int_equal(link.operstate, IF_OPER_UP);
	assert_int_equal(link.master, 7);
	assert_true(nl_link_is_arp_capable(&link));
}

static void test_link_loopback(void **state)
{
	(void)state;
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_type = ARPHRD_LOOPBACK,
		.ifi_index = 1,
		.ifi_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP,
	};
	static const uint8_t zeros[6];
	struct msg m;
	struct nlmsghdr *nlh = msg_start(&m, RTM_NEWLINK, &ifi, sizeof(ifi));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "lo");
	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(zeros), zeros);
	mnl_attr_put_u32(nlh, IFLA_MTU, 65536);

	struct nl_link link;
	assert_int_equal(nl_parse_link(nlh, &link), 0);
	assert_string_equal(link.name, "lo");
	assert_int_equal(link.type, ARPHRD_LOOPBACK);
	assert_false(link.has_mac);
	assert_true(link.carrier); /* no IFLA_CARRIER: IFF_LOWER_UP decides */
	assert_int_equal(link.operstate, IF_OPER_UNKNOWN);
	assert_int_equal(link.master, 0);
	assert_false(nl_link_is_arp_capable(&link));
}

static void test_link_arp_capability(void **state)
{
	(void)state;
	struct nl_link ether = { .type = ARPHRD_ETHER, .flags = IFF_UP, .has_mac = true };
	struct nl_link link;

	assert_true(nl_link_is_arp_capable(&ether));
	link = ether;
	link.flags |= IFF_NOARP;
	assert_false(nl_link_is_arp_capable(&link));
	link = ether;
	link.flags |= IFF_LOOPBACK;
	assert_false(nl_link_is_arp_capable(&link));
	link = ether;
	link.has_mac = false;
	assert_false(nl_link_is_arp_capable(&link));
	link = ether;
	link.type = ARPHRD_NONE; /* tun */
	assert_false(nl_link_is_arp_capable(&link));
}

static void test_link_not_a_link(void **state)
{
	(void)state;
	struct msg m;
	struct nl_link link;
	struct nlmsghdr *nlh = ethernet_link(&m);

	nlh->nlmsg_type = RTM_NEWADDR;
	assert_int_equal(nl_parse_link(nlh, &link), -ENOENT);
	nlh->nlmsg_type = RTM_DELLINK;
	assert_int_equal(nl_parse_link(nlh, &link), 0);
	((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_family = AF_BRIDGE;
	assert_int_equal(nl_parse_link(nlh, &link), -ENOENT);
}

static void test_link_bad_attributes(void **state)
{
	(void)state;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_type = ARPHRD_ETHER };
	struct msg m;
	struct nl_link link;
	struct nlmsghdr *nlh;

	nlh = msg_start(&m, RTM_NEWLINK, &ifi, sizeof(ifi));
	mnl_attr_put_u16(nlh, IFLA_MTU, 1500);
	assert_int_equal(nl_parse_link(nlh, &link), -EINVAL);

	nlh = msg_start(&m, RTM_NEWLINK, &ifi, sizeof(ifi));
	mnl_attr_put(nlh, IFLA_IFNAME, 4, "eth0"); /* no NUL */
	assert_int_equal(nl_parse_link(nlh, &link), -EINVAL);
}

/* ---- addresses ---- */

static struct nlmsghdr *ipv4_addr(struct msg *m, unsigned char flags)
{
	struct ifaddrmsg ifa = {
		.ifa_family = AF_INET,
		.ifa_prefixlen = 24,
		.ifa_flags = flags,
		.ifa_scope = RT_SCOPE_UNIVERSE,
		.ifa_index = 3,
	};
	return msg_start(m, RTM_NEWADDR, &ifa, sizeof(ifa));
}

static void test_addr_secondary_with_label(void **state)
{
	(void)state;
	struct msg m;
	struct nlmsghdr *nlh = ipv4_addr(&m, IFA_F_SECONDARY);
	put_ip(nlh, IFA_ADDRESS, "192.0.2.10");
	put_ip(nlh, IFA_LOCAL, "192.0.2.10");
	put_ip(nlh, IFA_BROADCAST, "192.0.2.255");
	mnl_attr_put_strz(nlh, IFA_LABEL, "eth0:vip");

	struct nl_addr addr;
	assert_int_equal(nl_parse_addr(nlh, &addr), 0);
	assert_int_equal(addr.ifindex, 3);
	assert_ip(addr.addr, "192.0.2.10");
	assert_int_equal(addr.prefixlen, 24);
	assert_string_equal(addr.label, "eth0:vip");
	assert_true(addr.secondary);
	assert_int_equal(addr.flags, IFA_F_SECONDARY);
	assert_int_equal(addr.scope, RT_SCOPE_UNIVERSE);
}

static void test_addr_flags_attribute_wins(void **state)
{
	(void)state;
	struct msg m;
	struct nlmsghdr *nlh = ipv4_addr(&m, 0);
	put_ip(nlh, IFA_LOCAL, "192.0.2.10");
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_SECONDARY | IFA_F_NOPREFIXROUTE);

	struct nl_addr addr;
	assert_int_equal(nl_parse_addr(nlh, &addr), 0);
	assert_true(addr.secondary);
	assert_int_equal(addr.flags, IFA_F_SECONDARY | IFA_F_NOPREFIXROUTE);
	assert_string_equal(addr.label, "");
}

static void test_addr_local_over_peer(void **state)
{
	(void)state;
	struct msg m;
	struct nl_addr addr;
	struct nlmsghdr *nlh = ipv4_addr(&m, 0);

	put_ip(nlh, IFA_ADDRESS, "10.0.0.2"); /* the peer of a point-to-point link */
	put_ip(nlh, IFA_LOCAL, "10.0.0.1");
	assert_int_equal(nl_parse_addr(nlh, &addr), 0);
	assert_ip(addr.addr, "10.0.0.1");

	nlh = ipv4_addr(&m, 0);
	put_ip(nlh, IFA_ADDRESS, "10.0.0.3");
	assert_int_equal(nl_parse_addr(nlh, &addr), 0);
	assert_ip(addr.addr, "10.0.0.3");
}

static void test_addr_long_label_truncated(void **state)
{
	(void)state;
	struct msg m;
	struct nlmsghdr *nlh = ipv4_addr(&m, 0);
	put_ip(nlh, IFA_LOCAL, "192.0.2.10");
	mnl_attr_put_strz(nlh, IFA_LABEL, "abcdefghijklmnopqrstuvwxyz");

	struct nl_addr addr;
	assert_int_equal(nl_parse_addr(nlh, &addr), 0);
	assert_string_equal(addr.label, "abcdefghijklmno");
}

static void test_addr_ipv6(void **state)
{
	(void)state;
	struct ifaddrmsg ifa = {
		.ifa_family = AF_INET6, .ifa_prefixlen = 64, .ifa_scope = RT_SCOPE_LINK,
		.ifa_index = 3,
	};
	struct msg m;
	struct nl_addr addr;

	struct nlmsghdr *nlh = msg_start(&m, RTM_NEWADDR, &ifa, sizeof(ifa));
	put_ip6(nlh, IFA_ADDRESS, "fe80::5054:ff:fe12:3456");
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_PERMANENT);
	assert_int_equal(nl_parse_addr(nlh, &addr), 0);
	assert_int_equal(addr.addr.family, AF_INET6);
	assert_ip(addr.addr, "fe80::5054:ff:fe12:3456");
	assert_int_equal(addr.prefixlen, 64);
	assert_int_equal(addr.scope, RT_SCOPE_LINK);
	assert_int_equal(addr.ifindex, 3);

	/* An IPv6 record must carry IPv6-sized addresses, and the reverse. */
	nlh = msg_start(&m, RTM_NEWADDR, &ifa, sizeof(ifa));
	put_ip(nlh, IFA_ADDRESS, "192.0.2.10");
	assert_int_equal(nl_parse_addr(nlh, &addr), -EINVAL);
	nlh = ipv4_addr(&m, 0);
	put_ip6(nlh, IFA_LOCAL, "2001:db8::1");
	assert_int_equal(nl_parse_addr(nlh, &addr), -EINVAL);
	ifa.ifa_prefixlen = 129;
	nlh = msg_start(&m, RTM_NEWADDR, &ifa, sizeof(ifa));
	put_ip6(nlh, IFA_ADDRESS, "2001:db8::1");
	assert_int_equal(nl_parse_addr(nlh, &addr), -EINVAL);

	/* Neither IP family, or not an address at all. */
	ifa.ifa_family = AF_PACKET;
	ifa.ifa_prefixlen = 0;
	nlh = msg_start(&m, RTM_NEWADDR, &ifa, sizeof(ifa));
	assert_int_equal(nl_parse_addr(nlh, &addr), -ENOENT);
	nlh = ethernet_link(&m);
	assert_int_equal(nl_parse_addr(nlh, &addr), -ENOENT);
}

static void test_addr_truncated(void **state)
{
	(void)state;
	struct msg m;
	struct nl_addr addr;
	struct nlmsghdr *nlh = ipv4_addr(&m, 0);
	put_ip(nlh, IFA_LOCAL, "192.0.2.10");

	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 4; /* half an ifaddrmsg */
	assert_int_equal(nl_parse_addr(nlh, &addr), -EINVAL);
	nlh->nlmsg_len = 8; /* not even a header */
	assert_int_equal(nl_parse_addr(nlh, &addr), -EINVAL);
}

static void test_addr_malformed(void **state)
{
	(void)state;
	static const uint8_t six[6] = { 192, 0, 2, 10, 0, 0 };
	struct msg m;
	struct nl_addr addr;
	struct nlmsghdr *nlh;

	nlh = ipv4_addr(&m, 0);
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(six), six);
	assert_int_equal(nl_parse_addr(nlh, &addr), -EINVAL);

	nlh = ipv4_addr(&m, 0);
	mnl_attr_put(nlh, IFA_LOCAL, 3, six);
	assert_int_equal(nl_parse_addr(nlh, &addr), -EINVAL);

	/* The last attribute claims more bytes than the message holds. */
	nlh = ipv4_addr(&m, 0);
	put_ip(nlh, IFA_ADDRESS, "192.0.2.10");
	struct nlattr *label = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_strz(nlh, IFA_LABEL, "eth0");
	label->nla_len += 8;
	assert_int_equal(nl_parse_addr(nlh, &addr), -EINVAL);

	nlh = ipv4_addr(&m, 0); /* no address at all */
	mnl_attr_put_strz(nlh, IFA_LABEL, "eth0");
	assert_int_equal(nl_parse_addr(nlh, &addr), -EINVAL);

	nlh = ipv4_addr(&m, 0);
	put_ip(nlh, IFA_LOCAL, "192.0.2.10");
	((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_prefixlen = 33;
	assert_int_equal(nl_parse_addr(nlh, &addr), -EINVAL);
}

/* ---- routes ---- */

static struct nlmsghdr *ipv4_route(struct msg *m, unsigned char dst_len, unsigned char table)
{
	struct rtmsg rtm = {
		.rtm_family = AF_INET,
		.rtm_dst_len = dst_len,
		.rtm_table = table,
		.rtm_protocol = RTPROT_BOOT,
		.rtm_scope = RT_SCOPE_UNIVERSE,
		.rtm_type = RTN_UNICAST,
	};
	return msg_start(m, RTM_NEWROUTE, &rtm, sizeof(rtm));
}

static void test_route_with_gateway(void **state)
{
	(void)state;
	struct msg m;
	struct nlmsghdr *nlh = ipv4_route(&m, 24, RT_TABLE_MAIN);
	mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
	put_ip(nlh, RTA_DST, "198.51.100.0");
	put_ip(nlh, RTA_GATEWAY, "192.0.2.1");
	put_ip(nlh, RTA_PREFSRC, "192.0.2.10");
	mnl_attr_put_u32(nlh, RTA_OIF, 3);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, 100);

	struct nl_route route;
	assert_int_equal(nl_parse_route(nlh, &route), 0);
	assert_ip(route.dst, "198.51.100.0");
	assert_int_equal(route.dst_len, 24);
	assert_ip(route.gateway, "192.0.2.1");
	assert_ip(route.prefsrc, "192.0.2.10");
	assert_int_equal(route.oif, 3);
	assert_int_equal(route.table, RT_TABLE_MAIN);
	assert_int_equal(route.type, RTN_UNICAST);
	assert_int_equal(route.scope, RT_SCOPE_UNIVERSE);
	assert_int_equal(route.protocol, RTPROT_BOOT);
	assert_int_equal(nl_parse_route_paths(nlh, NULL, 0), 1);
}

static void test_route_table_attribute_wins(void **state)
{
	(void)state;
	struct msg m;
	struct nl_route route;
	struct nlmsghdr *nlh = ipv4_route(&m, 0, RT_TABLE_COMPAT);

	mnl_attr_put_u32(nlh, RTA_TABLE, 1000);
	mnl_attr_put_u32(nlh, RTA_OIF, 2);
	assert_int_equal(nl_parse_route(nlh, &route), 0);
	assert_int_equal(route.table, 1000);
	assert_ip(route.gateway, ""); /* none */
	assert_ip(route.prefsrc, "");
	assert_ip(route.dst, "0.0.0.0"); /* a default route's destination, of its family */
	assert_int_equal(route.dst_len, 0);
}

static void put_nexthop(struct nlmsghdr *nlh, int ifindex, const char *gateway, bool via)
{
	struct rtnexthop *rtnh = mnl_nlmsg_get_payload_tail(nlh);

	nlh->nlmsg_len += RTNH_ALIGN(sizeof(*rtnh));
	memset(rtnh, 0, sizeof(*rtnh));
	rtnh->rtnh_ifindex = ifindex;
	if (gateway)
		put_ip(nlh, via ? RTA_VIA : RTA_GATEWAY, gateway);
	rtnh->rtnh_len = (unsigned short)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)rtnh);
}

static struct nlmsghdr *multipath_route(struct msg *m)
{
	struct nlmsghdr *nlh = ipv4_route(m, 16, RT_TABLE_MAIN);
	put_ip(nlh, RTA_DST, "10.30.0.0");
	struct nlattr *nest = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	put_nexthop(nlh, 4, "10.50.0.2", false);
	put_nexthop(nlh, 5, "10.50.0.3", false);
	put_nexthop(nlh, 6, "10.50.0.4", true); /* RTA_VIA: not ours to ARP for */
	put_nexthop(nlh, 7, NULL, false);        /* on-link */
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static void test_route_multipath(void **state)
{
	(void)state;
	struct msg m;
	struct nlmsghdr *nlh = multipath_route(&m);
	struct nl_route paths[4];

	assert_int_equal(nl_parse_route_paths(nlh, NULL, 0), 3);
	assert_int_equal(nl_parse_route_paths(nlh, paths, 4), 3);
	assert_int_equal(paths[0].oif, 4);
	assert_ip(paths[0].gateway, "10.50.0.2");
	assert_int_equal(paths[1].oif, 5);
	assert_ip(paths[1].gateway, "10.50.0.3");
	assert_int_equal(paths[2].oif, 7);
	assert_ip(paths[2].gateway, "");
	for (int i = 0; i < 3; i++) {
		assert_ip(paths[i].dst, "10.30.0.0");
		assert_int_equal(paths[i].dst_len, 16);
		assert_int_equal(paths[i].table, RT_TABLE_MAIN);
	}

	/* Asked for fewer, it fills fewer but still counts them all. */
	memset(paths, 0xff, sizeof(paths));
	assert_int_equal(nl_parse_route_paths(nlh, paths, 1), 3);
	assert_int_equal(paths[0].oif, 4);
	assert_int_equal(paths[1].oif, -1);

	struct nl_route first;
	assert_int_equal(nl_parse_route(nlh, &first), 0);
	assert_int_equal(first.oif, 4);
	assert_ip(first.gateway, "10.50.0.2");
}

static void test_route_multipath_malformed(void **state)
{
	(void)state;
	struct msg m;
	struct nl_route route;
	struct nlmsghdr *nlh = multipath_route(&m);
	struct nlattr *mp = (struct nlattr *)((char *)mnl_nlmsg_get_payload(nlh) +
					      MNL_ALIGN(sizeof(struct rtmsg)) +
					      MNL_ALIGN(sizeof(struct nlattr) + 4));
	assert_int_equal(mnl_attr_get_type(mp), RTA_MULTIPATH);
	struct rtnexthop *rtnh = mnl_attr_get_payload(mp);

	rtnh->rtnh_len = 4; /* shorter than its own header */
	assert_int_equal(nl_parse_route(nlh, &route), -EINVAL);
	rtnh->rtnh_len = (unsigned short)(mnl_attr_get_payload_len(mp) + 8); /* past the end */
	assert_int_equal(nl_parse_route(nlh, &route), -EINVAL);
	rtnh->rtnh_len = sizeof(*rtnh) + 6; /* a gateway attribute cut short */
	assert_int_equal(nl_parse_route(nlh, &route), -EINVAL);
}

static struct nlmsghdr *ipv6_route(struct msg *m, unsigned char dst_len)
{
	struct nlmsghdr *nlh = ipv4_route(m, dst_len, RT_TABLE_MAIN);

	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_family = AF_INET6;
	return nlh;
}

static void test_route_ipv6(void **state)
{
	(void)state;
	struct msg m;
	struct nl_route route, paths[2];
	struct nlmsghdr *nlh = ipv6_route(&m, 0);

	/* A default route: no RTA_DST, the destination is "::". */
	put_ip6(nlh, RTA_GATEWAY, "fe80::1");
	mnl_attr_put_u32(nlh, RTA_OIF, 3);
	assert_int_equal(nl_parse_route(nlh, &route), 0);
	assert_int_equal(route.dst.family, AF_INET6);
	assert_ip(route.dst, "::");
	assert_ip(route.gateway, "fe80::1");
	assert_ip(route.prefsrc, "");
	assert_int_equal(route.oif, 3);

	nlh = ipv6_route(&m, 64);
	put_ip6(nlh, RTA_DST, "2001:db8:1::");
	put_ip6(nlh, RTA_PREFSRC, "2001:db8:1::10");
	struct nlattr *nest = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	put_nexthop(nlh, 4, NULL, false);
	struct rtnexthop *rtnh = mnl_nlmsg_get_payload_tail(nlh);
	nlh->nlmsg_len += RTNH_ALIGN(sizeof(*rtnh));
	memset(rtnh, 0, sizeof(*rtnh));
	rtnh->rtnh_ifindex = 5;
	put_ip6(nlh, RTA_GATEWAY, "fe80::2");
	rtnh->rtnh_len = (unsigned short)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)rtnh);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(nl_parse_route_paths(nlh, paths, 2), 2);
	assert_ip(paths[0].dst, "2001:db8:1::");
	assert_ip(paths[0].prefsrc, "2001:db8:1::10");
	assert_ip(paths[0].gateway, "");
	assert_int_equal(paths[1].oif, 5);
	assert_ip(paths[1].gateway, "fe80::2");
}

static void test_route_family_and_sizes(void **state)
{
	(void)state;
	struct msg m;
	struct nl_route route;
	struct nlmsghdr *nlh = ipv4_route(&m, 0, RT_TABLE_MAIN);

	/* Neither IP family. */
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_family = AF_UNSPEC;
	assert_int_equal(nl_parse_route(nlh, &route), -ENOENT);
	nlh = ipv4_route(&m, 33, RT_TABLE_MAIN);
	assert_int_equal(nl_parse_route(nlh, &route), -EINVAL);
	nlh = ipv6_route(&m, 129);
	assert_int_equal(nl_parse_route(nlh, &route), -EINVAL);
	/* An address of the other family's size, wherever it is. */
	nlh = ipv6_route(&m, 24);
	put_ip(nlh, RTA_DST, "198.51.100.0");
	assert_int_equal(nl_parse_route(nlh, &route), -EINVAL);
	nlh = ipv4_route(&m, 0, RT_TABLE_MAIN);
	put_ip6(nlh, RTA_GATEWAY, "fe80::1");
	assert_int_equal(nl_parse_route(nlh, &route), -EINVAL);
	nlh = ipv4_route(&m, 0, RT_TABLE_MAIN);
	put_ip6(nlh, RTA_PREFSRC, "fe80::1");
	assert_int_equal(nl_parse_route(nlh, &route), -EINVAL);
	nlh = ipv4_route(&m, 16, RT_TABLE_MAIN);
	struct nlattr *nest = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	struct rtnexthop *rtnh = mnl_nlmsg_get_payload_tail(nlh);
	nlh->nlmsg_len += RTNH_ALIGN(sizeof(*rtnh));
	memset(rtnh, 0, sizeof(*rtnh));
	put_ip6(nlh, RTA_GATEWAY, "fe80::2");
	rtnh->rtnh_len = (unsigned short)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)rtnh);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(nl_parse_route(nlh, &route), -EINVAL);
}

/* ---- neighbours ---- */

static struct nlmsghdr *ipv4_neigh(struct msg *m, uint16_t state)
{
	struct ndmsg ndm = {
		.ndm_family = AF_INET,
		.ndm_ifindex = 3,
		.ndm_state = state,
		.ndm_flags = NTF_ROUTER,
		.ndm_type = RTN_UNICAST,
	};
	return msg_start(m, RTM_NEWNEIGH, &ndm, sizeof(ndm));
}

static void test_neigh_with_lladdr(void **state)
{
	(void)state;
	struct msg m;
	struct nlmsghdr *nlh = ipv4_neigh(&m, NUD_REACHABLE);
	put_ip(nlh, NDA_DST, "192.0.2.1");
	mnl_attr_put(nlh, NDA_LLADDR, sizeof(test_mac), test_mac);
	mnl_attr_put_u32(nlh, NDA_PROBES, 0);

	struct nl_neigh neigh;
	assert_int_equal(nl_parse_neigh(nlh, &neigh), 0);
	assert_int_equal(neigh.ifindex, 3);
	assert_ip(neigh.dst, "192.0.2.1");
	assert_true(neigh.has_lladdr);
	assert_memory_equal(neigh.lladdr.octet, test_mac, 6);
	assert_int_equal(neigh.state, NUD_REACHABLE);
	assert_int_equal(neigh.flags, NTF_ROUTER);
}

static void test_neigh_without_lladdr(void **state)
{
	(void)state;
	static const uint8_t tunnel_lladdr[4] = { 203, 0, 113, 1 };
	struct msg m;
	struct nl_neigh neigh;
	struct nlmsghdr *nlh;

	nlh = ipv4_neigh(&m, NUD_INCOMPLETE);
	put_ip(nlh, NDA_DST, "192.0.2.2");
	assert_int_equal(nl_parse_neigh(nlh, &neigh), 0);
	assert_false(neigh.has_lladdr);
	assert_int_equal(neigh.state, NUD_INCOMPLETE);

	nlh = ipv4_neigh(&m, NUD_NOARP);
	put_ip(nlh, NDA_DST, "192.0.2.3");
	mnl_attr_put(nlh, NDA_LLADDR, sizeof(tunnel_lladdr), tunnel_lladdr);
	assert_int_equal(nl_parse_neigh(nlh, &neigh), 0);
	assert_false(neigh.has_lladdr);
}

static void test_neigh_rejects(void **state)
{
	(void)state;
	struct msg m;
	struct nl_neigh neigh;
	struct nlmsghdr *nlh;

	nlh = ipv4_neigh(&m, NUD_REACHABLE); /* no NDA_DST */
	mnl_attr_put(nlh, NDA_LLADDR, sizeof(test_mac), test_mac);
	assert_int_equal(nl_parse_neigh(nlh, &neigh), -EINVAL);

	/* The destination must be as long as its family's addresses. */
	nlh = ipv4_neigh(&m, NUD_REACHABLE);
	put_ip(nlh, NDA_DST, "192.0.2.1");
	((struct ndmsg *)mnl_nlmsg_get_payload(nlh))->ndm_family = AF_INET6;
	assert_int_equal(nl_parse_neigh(nlh, &neigh), -EINVAL);
	nlh = ipv4_neigh(&m, NUD_REACHABLE);
	put_ip6(nlh, NDA_DST, "fe80::1");
	assert_int_equal(nl_parse_neigh(nlh, &neigh), -EINVAL);

	nlh = ipv4_neigh(&m, NUD_REACHABLE);
	put_ip(nlh, NDA_DST, "192.0.2.1");
	((struct ndmsg *)mnl_nlmsg_get_payload(nlh))->ndm_family = AF_BRIDGE;
	assert_int_equal(nl_parse_neigh(nlh, &neigh), -ENOENT);
}

static void test_neigh_ipv6(void **state)
{
	(void)state;
	struct msg m;
	struct nl_neigh neigh;
	struct nlmsghdr *nlh = ipv4_neigh(&m, NUD_STALE);

	((struct ndmsg *)mnl_nlmsg_get_payload(nlh))->ndm_family = AF_INET6;
	put_ip6(nlh, NDA_DST, "fe80::5054:ff:fe12:3456");
	mnl_attr_put(nlh, NDA_LLADDR, sizeof(test_mac), test_mac);
	assert_int_equal(nl_parse_neigh(nlh, &neigh), 0);
	assert_int_equal(neigh.dst.family, AF_INET6);
	assert_ip(neigh.dst, "fe80::5054:ff:fe12:3456");
	assert_true(neigh.has_lladdr);
	assert_int_equal(neigh.state, NUD_STALE);
}

/* ---- the kernel, read only ---- */

static void test_kernel_dump_links(void **state)
{
	(void)state;
	struct nl nl;
	nl_link_list links = { 0 };
	nl_addr_list addrs = { 0 };
	nl_route_list routes = { 0 };
	nl_neigh_list neighs = { 0 };

	assert_int_equal(nl_open(&nl, 0), 0);
	assert_true(nl_fd(&nl) >= 0);
	assert_int_equal(nl_dump_links(&nl, &links), 0);
	const struct nl_link *lo = NULL;
	for (size_t i = 0; i < links.count; i++)
		if (links.items[i].flags & IFF_LOOPBACK)
			lo = &links.items[i];
	assert_non_null(lo);
	assert_string_equal(lo->name, "lo");
	assert_false(nl_link_is_arp_capable(lo));

	struct nl_link got;
	assert_int_equal(nl_get_link_by_name(&nl, "lo", &got), 0);
	assert_int_equal(got.ifindex, lo->ifindex);
	assert_int_equal(nl_get_link_by_index(&nl, lo->ifindex, &got), 0);
	assert_string_equal(got.name, "lo");
	assert_int_equal(nl_get_link_by_name(&nl, "arpkit-nosuch", &got), -ENODEV);
	assert_int_equal(nl_get_link_by_name(&nl, "a-name-too-long-for-ifnamsiz", &got), -ENODEV);
	assert_int_equal(nl_get_link_by_index(&nl, 0x7ffffff0, &got), -ENODEV);

	/* The socket is still in step after failed requests. */
	assert_int_equal(nl_dump_addrs(&nl, lo->ifindex, &addrs), 0);
	for (size_t i = 0; i < addrs.count; i++)
		assert_int_equal(addrs.items[i].ifindex, lo->ifindex);
	assert_int_equal(nl_dump_routes(&nl, &routes), 0);
	for (size_t i = 0; i < routes.count; i++) {
		assert_int_equal(routes.items[i].table, RT_TABLE_MAIN);
		assert_int_equal(routes.items[i].type, RTN_UNICAST);
	}
	assert_int_equal(nl_dump_neighs(&nl, 0, &neighs), 0);

	free(links.items);
	free(addrs.items);
	free(routes.items);
	free(neighs.items);
	nl_close(&nl);
	nl_close(&nl); /* twice is harmless */
	assert_int_equal(nl_fd(&nl), -1);
}

/* ---- the kernel, changed: only in a private namespace ---- */

/* In the child, a failed check exits with its line number for the parent to report. */
#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			_exit(1);                                                      \
		}                                                                      \
	} while (0)

#define EXIT_NO_NAMESPACE 77

static int sh(const char *command)
{
	char line[256];
	snprintf(line, sizeof(line), "%s >/dev/null 2>&1", command);
	return system(line);
}

struct event_count {
	unsigned new_addr;
	unsigned other;
};

static void count_event(const struct nlmsghdr *nlh, void *ctx)
{
	struct event_count *count = ctx;
	if (nlh->nlmsg_type == RTM_NEWADDR)
		count->new_addr++;
	else
		count->other++;
}

static struct ipaddr ipa(const char *text)
{
	struct ipaddr a;
	CHECK(ipaddr_parse(text, AF_UNSPEC, &a) == 0);
	return a;
}

static const struct nl_addr *find_addr(const nl_addr_list *list, const char *text)
{
	struct ipaddr a = ipa(text);
	for (size_t i = 0; i < list->count; i++)
		if (ipaddr_equal(&list->items[i].addr, &a))
			return &list->items[i];
	return NULL;
}

static const struct nl_route *find_route(const nl_route_list *list, const char *dst,
					 const char *gateway)
{
	struct ipaddr d = ipa(dst), g = ipa(gateway);
	for (size_t i = 0; i < list->count; i++)
		if (ipaddr_equal(&list->items[i].dst, &d) && ipaddr_equal(&list->items[i].gateway, &g))
			return &list->items[i];
	return NULL;
}

static void namespace_child(void)
{
	struct nl nl, ev;
	struct nl_link lo;

	if (unshare(CLONE_NEWNET) < 0)
		_exit(EXIT_NO_NAMESPACE);
	CHECK(nl_open(&nl, 0) == 0);
	CHECK(nl_open(&ev, RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE) == 0);
	CHECK(nl_read_events(&ev, count_event, &(struct event_count){ 0 }) == 0);
	CHECK(nl_get_link_by_name(&nl, "lo", &lo) == 0);
	CHECK(sh("ip link set lo up") == 0);
	/* Bringing lo up added 127.0.0.1 and its routes; those events are not counted below. */
	CHECK(nl_read_events(&ev, count_event, &(struct event_count){ 0 }) > 0);

	CHECK(nl_addr_add(&nl, lo.ifindex, ip("10.9.8.7"), 24, RT_SCOPE_UNIVERSE, "lo:vip") == 0);
	CHECK(nl_addr_add(&nl, lo.ifindex, ip("10.9.8.7"), 24, RT_SCOPE_UNIVERSE, "lo:vip") == 0);
	CHECK(nl_addr_add(&nl, lo.ifindex, ip("10.9.8.8"), 24, RT_SCOPE_UNIVERSE, NULL) == 0);
	CHECK(nl_addr_add(&nl, lo.ifindex, ip("10.9.8.9"), 33, RT_SCOPE_UNIVERSE, NULL) == -EINVAL);
	CHECK(nl_addr_add(&nl, 0x7ffffff0, ip("10.9.8.9"), 24, RT_SCOPE_UNIVERSE, NULL) == -ENODEV);

	struct event_count events = { 0 };
	CHECK(nl_read_events(&ev, count_event, &events) > 0);
	CHECK(events.new_addr == 2);

	/*
	 * Requests on the (non-blocking) event socket work too, stepping over the
	 * event still queued there (it carries the other socket's port and seq).
	 */
	CHECK(nl_addr_add(&nl, lo.ifindex, ip("10.9.8.10"), 24, RT_SCOPE_UNIVERSE, NULL) == 0);
	nl_addr_list addrs = { 0 };
	CHECK(nl_dump_addrs(&ev, lo.ifindex, &addrs) == 0);
	const struct nl_addr *vip = find_addr(&addrs, "10.9.8.7");
	const struct nl_addr *second = find_addr(&addrs, "10.9.8.8");
	CHECK(vip && second && find_addr(&addrs, "10.9.8.10") && find_addr(&addrs, "127.0.0.1"));
	CHECK(addrs.count == 4); /* and not ::1: the dumps keep IPv4 only */
	CHECK(strcmp(vip->label, "lo:vip") == 0 && !vip->secondary && vip->prefixlen == 24);
	CHECK(strcmp(second->label, "lo") == 0 && second->secondary);

	CHECK(sh("ip route add 10.30.0.0/16 nexthop via 10.50.0.2 dev lo onlink "
		 "nexthop via 10.50.0.3 dev lo onlink") == 0);
	CHECK(sh("ip route add 10.60.0.0/16 via 10.50.0.9 dev lo onlink src 10.9.8.7") == 0);
	CHECK(sh("ip route add 10.70.0.0/16 dev lo table 100") == 0);
	nl_route_list routes = { 0 };
	CHECK(nl_dump_routes(&nl, &routes) == 0);
	CHECK(routes.count == 3); /* two nexthops and one plain; local and table 100 left out */
	const struct nl_route *mp = find_route(&routes, "10.30.0.0", "10.50.0.3");
	CHECK(mp && mp->dst_len == 16 && mp->oif == lo.ifindex);
	CHECK(find_route(&routes, "10.30.0.0", "10.50.0.2"));
	const struct nl_route *plain = find_route(&routes, "10.60.0.0", "10.50.0.9");
	struct ipaddr want = ipa("10.9.8.7");
	CHECK(plain && ipaddr_equal(&plain->prefsrc, &want));

	struct nl_route to;
	struct ipaddr dst = ipa("10.60.1.2");
	CHECK(nl_route_to(&nl, &dst, &to) == 0);
	CHECK(to.type == RTN_UNICAST && to.oif == lo.ifindex);
	want = ipa("10.50.0.9");
	CHECK(ipaddr_equal(&to.gateway, &want));
	dst = ipa("10.9.8.7");
	CHECK(nl_route_to(&nl, &dst, &to) == 0 && to.type == RTN_LOCAL);
	dst = ipa("192.0.2.1");
	CHECK(nl_route_to(&nl, &dst, &to) == -ENETUNREACH);
	dst = (struct ipaddr){ .family = AF_UNSPEC };
	CHECK(nl_route_to(&nl, &dst, &to) == -EAFNOSUPPORT);
	/* IPv6, where the kernel has it: ::1 is local on lo. */
	dst = ipa("::1");
	CHECK(access("/proc/net/if_inet6", F_OK) != 0 ||
	      (nl_route_to(&nl, &dst, &to) == 0 && to.type == RTN_LOCAL &&
	       to.dst.family == AF_INET6));

	CHECK(sh("ip neigh add 10.50.0.9 lladdr 02:00:00:00:00:09 dev lo nud permanent") == 0);
	nl_neigh_list neighs = { 0 };
	CHECK(nl_dump_neighs(&nl, lo.ifindex, &neighs) == 0);
	CHECK(neighs.count == 1 && neighs.items[0].has_lladdr);
	CHECK(neighs.items[0].lladdr.octet[5] == 0x09 && neighs.items[0].state == NUD_PERMANENT);

	CHECK(nl_addr_del(&nl, lo.ifindex, ip("10.9.8.8"), 24) == 0);
	CHECK(nl_addr_del(&nl, lo.ifindex, ip("10.9.8.8"), 24) == -EADDRNOTAVAIL);
	CHECK(nl_addr_del(&nl, lo.ifindex, ip("10.9.8.7"), 16) == -EADDRNOTAVAIL);

	free(addrs.items);
	free(routes.items);
	free(neighs.items);
	nl_close(&ev);
	nl_close(&nl);
	_exit(0);
}

static void test_kernel_changes_in_namespace(void **state)
{
	(void)state;
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		namespace_child();

	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == EXIT_NO_NAMESPACE)
		skip(); /* no CAP_SYS_ADMIN: cannot make a namespace of our own */
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_ethernet),
		cmocka_unit_test(test_link_loopback),
		cmocka_unit_test(test_link_arp_capability),
		cmocka_unit_test(test_link_not_a_link),
		cmocka_unit_test(test_link_bad_attributes),
		cmocka_unit_test(test_addr_secondary_with_label),
		cmocka_unit_test(test_addr_flags_attribute_wins),
		cmocka_unit_test(test_addr_local_over_peer),
		cmocka_unit_test(test_addr_long_label_truncated),
		cmocka_unit_test(test_addr_ipv6),
		cmocka_unit_test(test_addr_truncated),
		cmocka_unit_test(test_addr_malformed),
		cmocka_unit_test(test_route_with_gateway),
		cmocka_unit_test(test_route_table_attribute_wins),
		cmocka_unit_test(test_route_multipath),
		cmocka_unit_test(test_route_multipath_malformed),
		cmocka_unit_test(test_route_ipv6),
		cmocka_unit_test(test_route_family_and_sizes),
		cmocka_unit_test(test_neigh_with_lladdr),
		cmocka_unit_test(test_neigh_without_lladdr),
		cmocka_unit_test(test_neigh_rejects),
		cmocka_unit_test(test_neigh_ipv6),
		cmocka_unit_test(test_kernel_dump_links),
		cmocka_unit_test(test_kernel_changes_in_namespace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
