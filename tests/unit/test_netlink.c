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
#include <poll.h>
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

static struct nlmsghdr *ipv6_addr(struct msg *m, const char *text, unsigned char flags,
				  unsigned char scope)
{
	struct ifaddrmsg ifa = {
		.ifa_family = AF_INET6, .ifa_prefixlen = 64, .ifa_flags = flags,
		.ifa_scope = scope, .ifa_index = 3,
	};
	struct nlmsghdr *nlh = msg_start(m, RTM_NEWADDR, &ifa, sizeof(ifa));

	put_ip6(nlh, IFA_ADDRESS, text);
	return nlh;
}

/* Each flag as the 8-bit ifa_flags carries it (a kernel without IFA_FLAGS), and the
 * state it gives. */
static void test_addr_ipv6_each_flag(void **state)
{
	(void)state;
	static const struct {
		unsigned char flag;
		enum nl_addr_state state;
	} cases[] = {
		{ 0, NL_ADDR_READY },
		{ IFA_F_TEMPORARY, NL_ADDR_READY },
		{ IFA_F_NODAD, NL_ADDR_READY },
		{ IFA_F_OPTIMISTIC, NL_ADDR_OPTIMISTIC },
		{ IFA_F_DADFAILED, NL_ADDR_DADFAILED },
		{ IFA_F_HOMEADDRESS, NL_ADDR_READY },
		{ IFA_F_DEPRECATED, NL_ADDR_DEPRECATED },
		{ IFA_F_TENTATIVE, NL_ADDR_TENTATIVE },
		{ IFA_F_PERMANENT, NL_ADDR_READY },
	};
	struct msg m;
	struct nl_addr addr;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nlmsghdr *nlh = ipv6_addr(&m, "2001:db8::10", cases[i].flag,
						 RT_SCOPE_UNIVERSE);
		assert_int_equal(nl_parse_addr(nlh, &addr), 0);
		assert_int_equal(addr.flags, cases[i].flag);
		assert_int_equal(nl_addr_state(&addr), cases[i].state);
		assert_int_equal(addr.secondary, cases[i].flag == IFA_F_TEMPORARY);
		/* No IFA_CACHEINFO: the lifetimes are infinite. */
		assert_int_equal(addr.preferred_lft, NL_LIFETIME_FOREVER);
		assert_int_equal(addr.valid_lft, NL_LIFETIME_FOREVER);
	}
}

/* IFA_FLAGS carries the flags above bit 7 and wins over ifa_flags when both come. */
static void test_addr_ipv6_flags_attribute(void **state)
{
	(void)state;
	struct msg m;
	struct nl_addr addr;
	struct nlmsghdr *nlh = ipv6_addr(&m, "2001:db8::10", IFA_F_TENTATIVE, RT_SCOPE_UNIVERSE);

	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE |
					 IFA_F_MANAGETEMPADDR | IFA_F_STABLE_PRIVACY);
	assert_int_equal(nl_parse_addr(nlh, &addr), 0);
	assert_int_equal(addr.flags, IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE |
				     IFA_F_MANAGETEMPADDR | IFA_F_STABLE_PRIVACY);
	assert_int_equal(nl_addr_state(&addr), NL_ADDR_READY); /* IFA_FLAGS says: DAD done */

	nlh = ipv6_addr(&m, "2001:db8::10", 0, RT_SCOPE_UNIVERSE);
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_TENTATIVE | IFA_F_MCAUTOJOIN);
	assert_int_equal(nl_parse_addr(nlh, &addr), 0);
	assert_int_equal(nl_addr_state(&addr), NL_ADDR_TENTATIVE);

	/* An IFA_FLAGS of the wrong size is a malformed message, not "no flags". */
	nlh = ipv6_addr(&m, "2001:db8::10", 0, RT_SCOPE_UNIVERSE);
	mnl_attr_put_u16(nlh, IFA_FLAGS, IFA_F_TENTATIVE);
	assert_int_equal(nl_parse_addr(nlh, &addr), -EINVAL);
}

/* The order in which combined flags decide: failed, tentative, deprecated, optimistic. */
static void test_addr_state_order(void **state)
{
	(void)state;
	struct nl_addr a = { .addr = { .family = AF_INET6 } };

	a.flags = IFA_F_DADFAILED | IFA_F_TENTATIVE | IFA_F_PERMANENT;
	assert_int_equal(nl_addr_state(&a), NL_ADDR_DADFAILED); /* how the kernel leaves it */
	a.flags = IFA_F_TENTATIVE | IFA_F_OPTIMISTIC;
	assert_int_equal(nl_addr_state(&a), NL_ADDR_OPTIMISTIC); /* usable during DAD */
	a.flags = IFA_F_TENTATIVE | IFA_F_OPTIMISTIC | IFA_F_DEPRECATED;
	assert_int_equal(nl_addr_state(&a), NL_ADDR_DEPRECATED);
	a.flags = IFA_F_TENTATIVE | IFA_F_DEPRECATED;
	assert_int_equal(nl_addr_state(&a), NL_ADDR_TENTATIVE);
	assert_true(nl_addr_state(&a) & NL_ADDR_TENTATIVE);
	assert_false(nl_addr_state(&a) & NL_ADDR_ANNOUNCEABLE);
	a.flags = IFA_F_OPTIMISTIC;
	assert_true(nl_addr_state(&a) & NL_ADDR_ANNOUNCEABLE);
	/* IPv4 has no DAD: the same bits mean nothing there. */
	a.addr.family = AF_INET;
	a.flags = IFA_F_DADFAILED | IFA_F_TENTATIVE;
	assert_int_equal(nl_addr_state(&a), NL_ADDR_READY);
}

static void test_addr_cacheinfo(void **state)
{
	(void)state;
	struct ifa_cacheinfo ci = { .ifa_prefered = 0, .ifa_valid = 7200, .cstamp = 1, .tstamp = 2 };
	uint8_t bytes[sizeof(ci) + 4] = { 0 };
	struct msg m;
	struct nl_addr addr;
	struct nlmsghdr *nlh = ipv6_addr(&m, "2001:db8::10", IFA_F_DEPRECATED, RT_SCOPE_UNIVERSE);

	mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(ci), &ci);
	assert_int_equal(nl_parse_addr(nlh, &addr), 0);
	assert_int_equal(addr.preferred_lft, 0);
	assert_int_equal(addr.valid_lft, 7200);
	assert_int_equal(nl_addr_state(&addr), NL_ADDR_DEPRECATED);

	/* Any other length is malformed: shorter would be read past, longer is not ours. */
	nlh = ipv6_addr(&m, "2001:db8::10", 0, RT_SCOPE_UNIVERSE);
	mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(ci) - 4, bytes);
	assert_int_equal(nl_parse_addr(nlh, &addr), -EINVAL);
	nlh = ipv6_addr(&m, "2001:db8::10", 0, RT_SCOPE_UNIVERSE);
	mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(bytes), bytes);
	assert_int_equal(nl_parse_addr(nlh, &addr), -EINVAL);
	nlh = ipv6_addr(&m, "2001:db8::10", 0, RT_SCOPE_UNIVERSE);
	mnl_attr_put(nlh, IFA_CACHEINFO, 0, bytes);
	assert_int_equal(nl_parse_addr(nlh, &addr), -EINVAL);
}

/* A deletion parses like an addition (the daemon's RTM_DELADDR), a link-local address
 * keeps its scope, and hostile lengths are refused. */
static void test_addr_ipv6_hostile(void **state)
{
	(void)state;
	struct msg m;
	struct nl_addr addr;
	struct nlmsghdr *nlh = ipv6_addr(&m, "fe80::5054:ff:fe12:3456", IFA_F_PERMANENT,
					 RT_SCOPE_LINK);

	nlh->nlmsg_type = RTM_DELADDR;
	assert_int_equal(nl_parse_addr(nlh, &addr), 0);
	assert_int_equal(addr.scope, RT_SCOPE_LINK);
	assert_ip(addr.addr, "fe80::5054:ff:fe12:3456");

	/* An address attribute one byte short of IPv6, or longer. */
	static const uint8_t seventeen[17] = { 0x20, 0x01, 0x0d, 0xb8 };
	struct ifaddrmsg ifa = { .ifa_family = AF_INET6, .ifa_prefixlen = 64 };
	nlh = msg_start(&m, RTM_NEWADDR, &ifa, sizeof(ifa));
	mnl_attr_put(nlh, IFA_ADDRESS, 15, seventeen);
	assert_int_equal(nl_parse_addr(nlh, &addr), -EINVAL);
	nlh = msg_start(&m, RTM_NEWADDR, &ifa, sizeof(ifa));
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(seventeen), seventeen);
	assert_int_equal(nl_parse_addr(nlh, &addr), -EINVAL);

	/* The attribute walk stops at nlmsg_len, not at the buffer's end. */
	nlh = ipv6_addr(&m, "2001:db8::10", 0, RT_SCOPE_UNIVERSE);
	nlh->nlmsg_len -= 4;
	assert_int_equal(nl_parse_addr(nlh, &addr), -EINVAL);
	/* A cache info whose header claims more than the message holds. */
	nlh = ipv6_addr(&m, "2001:db8::10", 0, RT_SCOPE_UNIVERSE);
	struct nlattr *ci = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(struct ifa_cacheinfo), seventeen);
	ci->nla_len += 64;
	assert_int_equal(nl_parse_addr(nlh, &addr), -EINVAL);
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

static void put_nexthop6(struct nlmsghdr *nlh, int ifindex, const char *gateway)
{
	struct rtnexthop *rtnh = mnl_nlmsg_get_payload_tail(nlh);

	nlh->nlmsg_len += RTNH_ALIGN(sizeof(*rtnh));
	memset(rtnh, 0, sizeof(*rtnh));
	rtnh->rtnh_ifindex = ifindex;
	if (gateway)
		put_ip6(nlh, RTA_GATEWAY, gateway);
	rtnh->rtnh_len = (unsigned short)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)rtnh);
}

/* The default route a Router Advertisement gives: a link-local router and its oif. */
static void test_route_ipv6_ra_default(void **state)
{
	(void)state;
	struct msg m;
	struct nl_route route;
	struct nlmsghdr *nlh = ipv6_route(&m, 0);

	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_protocol = RTPROT_RA;
	mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, 1024);
	put_ip6(nlh, RTA_GATEWAY, "fe80::1");
	mnl_attr_put_u32(nlh, RTA_OIF, 7);
	mnl_attr_put_u32(nlh, RTA_EXPIRES, 1800);
	mnl_attr_put_u8(nlh, RTA_PREF, 0);
	assert_int_equal(nl_parse_route(nlh, &route), 0);
	assert_int_equal(route.protocol, RTPROT_RA);
	assert_ip(route.dst, "::");
	assert_int_equal(route.dst_len, 0);
	assert_ip(route.gateway, "fe80::1");
	assert_int_equal(route.oif, 7);
	assert_int_equal(route.table, RT_TABLE_MAIN);
	assert_int_equal(route.type, RTN_UNICAST);
}

/* IPv6 multipath: each nexthop a link-local router on its own interface. */
static void test_route_ipv6_multipath_link_local(void **state)
{
	(void)state;
	struct msg m;
	struct nl_route paths[3];
	struct nlmsghdr *nlh = ipv6_route(&m, 48);

	put_ip6(nlh, RTA_DST, "2001:db8:50::");
	struct nlattr *nest = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	put_nexthop6(nlh, 4, "fe80::2");
	put_nexthop6(nlh, 5, "fe80::2"); /* the same address, another link: another router */
	put_nexthop6(nlh, 6, "fe80::3");
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(nl_parse_route_paths(nlh, NULL, 0), 3);
	assert_int_equal(nl_parse_route_paths(nlh, paths, 3), 3);
	assert_int_equal(paths[0].oif, 4);
	assert_ip(paths[0].gateway, "fe80::2");
	assert_int_equal(paths[1].oif, 5);
	assert_ip(paths[1].gateway, "fe80::2");
	assert_int_equal(paths[2].oif, 6);
	assert_ip(paths[2].gateway, "fe80::3");
	for (int i = 0; i < 3; i++) {
		assert_ip(paths[i].dst, "2001:db8:50::");
		assert_int_equal(paths[i].dst_len, 48);
	}
}

/* RTA_VIA: an IPv4 route through an IPv6 router (RFC 8950) is not an IPv4 peer, and
 * an IPv6 route carrying one (the kernel never sends it) has no path either. */
static void test_route_via(void **state)
{
	(void)state;
	struct {
		sa_family_t family;
		struct in6_addr addr;
	} __attribute__((packed)) via = { .family = AF_INET6 };
	struct msg m;
	struct nl_route route;
	struct nlmsghdr *nlh = ipv4_route(&m, 0, RT_TABLE_MAIN);

	assert_int_equal(inet_pton(AF_INET6, "fe80::1", &via.addr), 1);
	mnl_attr_put(nlh, RTA_VIA, sizeof(via), &via);
	mnl_attr_put_u32(nlh, RTA_OIF, 3);
	assert_int_equal(nl_parse_route_paths(nlh, NULL, 0), 0);
	assert_int_equal(nl_parse_route(nlh, &route), -ENOENT);
	nlh = ipv6_route(&m, 0);
	mnl_attr_put(nlh, RTA_VIA, sizeof(via), &via);
	assert_int_equal(nl_parse_route_paths(nlh, NULL, 0), 0);
}

/* Hostile IPv6 routes: sizes of the other family, short integers, nexthops cut. */
static void test_route_ipv6_hostile(void **state)
{
	(void)state;
	struct msg m;
	struct nl_route route;
	struct nlmsghdr *nlh;

	nlh = ipv6_route(&m, 0);
	put_ip(nlh, RTA_GATEWAY, "192.0.2.1"); /* a 4-byte gateway on an IPv6 route */
	assert_int_equal(nl_parse_route(nlh, &route), -EINVAL);
	nlh = ipv6_route(&m, 0);
	mnl_attr_put_u16(nlh, RTA_OIF, 3);
	assert_int_equal(nl_parse_route(nlh, &route), -EINVAL);
	nlh = ipv6_route(&m, 64);
	put_ip6(nlh, RTA_DST, "2001:db8::");
	struct nlattr *nest = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	put_nexthop6(nlh, 4, "fe80::2");
	put_nexthop(nlh, 5, "192.0.2.2", false); /* an IPv4 gateway among IPv6 ones */
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(nl_parse_route_paths(nlh, NULL, 0), -EINVAL);
	/* A multipath attribute too short for one nexthop header. */
	nlh = ipv6_route(&m, 64);
	mnl_attr_put(nlh, RTA_MULTIPATH, 4, "\x08\x00\x00\x00");
	assert_int_equal(nl_parse_route(nlh, &route), -EINVAL);
	/* A nexthop whose gateway attribute claims more than the nexthop holds. */
	nlh = ipv6_route(&m, 64);
	nest = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	put_nexthop6(nlh, 4, "fe80::2");
	mnl_attr_nest_end(nlh, nest);
	struct rtnexthop *rtnh = mnl_attr_get_payload(nest);
	rtnh->rtnh_len -= 2;
	assert_int_equal(nl_parse_route(nlh, &route), -EINVAL);
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

/* IPv6 neighbours: the router flag and every NUD state come through as sent. */
static void test_neigh_ipv6_router_and_states(void **state)
{
	(void)state;
	static const uint16_t states[] = {
		NUD_INCOMPLETE, NUD_REACHABLE, NUD_STALE, NUD_DELAY, NUD_PROBE, NUD_FAILED,
		NUD_NOARP, NUD_PERMANENT, NUD_NONE,
	};
	struct msg m;
	struct nl_neigh neigh;

	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		struct nlmsghdr *nlh = ipv4_neigh(&m, states[i]);

		((struct ndmsg *)mnl_nlmsg_get_payload(nlh))->ndm_family = AF_INET6;
		put_ip6(nlh, NDA_DST, "fe80::1");
		mnl_attr_put(nlh, NDA_LLADDR, sizeof(test_mac), test_mac);
		assert_int_equal(nl_parse_neigh(nlh, &neigh), 0);
		assert_int_equal(neigh.state, states[i]);
		assert_int_equal(neigh.flags, NTF_ROUTER);
		assert_true(neigh.has_lladdr);
	}
	/* Not a router; a deletion; a link-layer address that is not Ethernet's. */
	static const uint8_t infiniband[20] = { 0x80 };
	struct nlmsghdr *nlh = ipv4_neigh(&m, NUD_STALE);
	((struct ndmsg *)mnl_nlmsg_get_payload(nlh))->ndm_family = AF_INET6;
	((struct ndmsg *)mnl_nlmsg_get_payload(nlh))->ndm_flags = 0;
	nlh->nlmsg_type = RTM_DELNEIGH;
	put_ip6(nlh, NDA_DST, "2001:db8::10");
	mnl_attr_put(nlh, NDA_LLADDR, sizeof(infiniband), infiniband);
	assert_int_equal(nl_parse_neigh(nlh, &neigh), 0);
	assert_int_equal(neigh.flags, 0);
	assert_false(neigh.has_lladdr);
	/* A destination one byte short, and a lladdr attribute running past the end. */
	nlh = ipv4_neigh(&m, NUD_STALE);
	((struct ndmsg *)mnl_nlmsg_get_payload(nlh))->ndm_family = AF_INET6;
	mnl_attr_put(nlh, NDA_DST, 15, infiniband);
	assert_int_equal(nl_parse_neigh(nlh, &neigh), -EINVAL);
	nlh = ipv4_neigh(&m, NUD_STALE);
	((struct ndmsg *)mnl_nlmsg_get_payload(nlh))->ndm_family = AF_INET6;
	put_ip6(nlh, NDA_DST, "fe80::1");
	struct nlattr *ll = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put(nlh, NDA_LLADDR, sizeof(test_mac), test_mac);
	ll->nla_len += 16;
	assert_int_equal(nl_parse_neigh(nlh, &neigh), -EINVAL);
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
#define EXIT_NO_IPV6 78

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

/* Runs child, which ends with _exit, in a process of its own and reports how it ended. */
static void run_child(void (*child)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child();

	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	/* No CAP_SYS_ADMIN (no namespace of our own), or a kernel without IPv6. */
	if (WEXITSTATUS(status) == EXIT_NO_NAMESPACE || WEXITSTATUS(status) == EXIT_NO_IPV6)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_kernel_changes_in_namespace(void **state)
{
	(void)state;
	run_child(namespace_child);
}

/* ---- IPv6 in a private namespace: DAD as events, flags, routes, neighbours ---- */

#define DAD_WAIT_MS 5000

/* /proc/sys/net of the namespace this process is in. */
static int write_sysctl(const char *path, const char *value)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int ok = fputs(value, f) >= 0;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* What the events said about one address, in order. */
struct addr_story {
	struct ipaddr addr;
	enum nl_addr_state states[16];
	unsigned count;
	bool deleted;
	unsigned flags;
};

static void record_addr_event(const struct nlmsghdr *nlh, void *ctx)
{
	struct addr_story *story = ctx;
	struct nl_addr a;

	if (nl_parse_addr(nlh, &a) < 0 || !ipaddr_equal(&a.addr, &story->addr))
		return;
	if (nlh->nlmsg_type == RTM_DELADDR) {
		story->deleted = true;
		return;
	}
	story->flags = a.flags;
	if (story->count < 16)
		story->states[story->count++] = nl_addr_state(&a);
}

static bool story_ends_in(const struct addr_story *story, enum nl_addr_state state)
{
	return story->count > 0 && story->states[story->count - 1] == state;
}

/* Reads events until the story's last state is `until` (0: until the address is
 * deleted) or the wait is over. */
static void follow_addr(struct nl *ev, struct addr_story *story, enum nl_addr_state until)
{
	for (int waited = 0; waited < DAD_WAIT_MS; waited += 20) {
		if (until ? story_ends_in(story, until) : story->deleted)
			break;
		struct pollfd pfd = { .fd = nl_fd(ev), .events = POLLIN };
		CHECK(poll(&pfd, 1, 20) >= 0);
		CHECK(nl_read_events(ev, record_addr_event, story) >= 0);
	}
}

static const struct nl_neigh *find_neigh(const nl_neigh_list *list, const char *dst)
{
	struct ipaddr d = ipa(dst);
	for (size_t i = 0; i < list->count; i++)
		if (ipaddr_equal(&list->items[i].dst, &d))
			return &list->items[i];
	return NULL;
}

static bool only_family(const struct ipaddr *addrs, size_t stride, size_t count, int family)
{
	for (size_t i = 0; i < count; i++) {
		const struct ipaddr *a = (const void *)((const char *)addrs + i * stride);
		if (a->family != family)
			return false;
	}
	return true;
}

#define ONLY_FAMILY(list, field, family)                                                \
	only_family(&(list).items[0].field, sizeof((list).items[0]), (list).count, family)

static void check_dad_events(struct nl *nl, struct nl *ev, int a_index)
{
	struct nl_snapshot snap = { 0 };

	/* With DAD: tentative first, then a NEWADDR without IFA_F_TENTATIVE. */
	struct addr_story dad = { .addr = ipa("2001:db8:99::1") };
	CHECK(sh("ip -6 addr add 2001:db8:99::1/64 dev va") == 0);
	follow_addr(ev, &dad, NL_ADDR_READY);
	CHECK(dad.count >= 2 && dad.states[0] == NL_ADDR_TENTATIVE);
	CHECK(story_ends_in(&dad, NL_ADDR_READY) && !(dad.flags & IFA_F_TENTATIVE));

	/* nodad: ready at once, and says so. */
	struct addr_story nodad = { .addr = ipa("2001:db8:99::2") };
	CHECK(sh("ip -6 addr add 2001:db8:99::2/64 dev va nodad") == 0);
	follow_addr(ev, &nodad, NL_ADDR_READY);
	CHECK(nodad.states[0] == NL_ADDR_READY && (nodad.flags & IFA_F_NODAD));

	/* Another holder on the link (b, the far end of the veth, vb): DAD fails. */
	struct addr_story failed = { .addr = ipa("2001:db8:99::5") };
	CHECK(sh("ip -6 addr add 2001:db8:99::5/64 dev vb nodad") == 0);
	CHECK(sh("ip -6 addr add 2001:db8:99::5/64 dev va") == 0);
	follow_addr(ev, &failed, NL_ADDR_DADFAILED);
	CHECK(story_ends_in(&failed, NL_ADDR_DADFAILED) && (failed.flags & IFA_F_DADFAILED));

	/* Deprecated (preferred lifetime 0) and finite lifetimes, in a dump. */
	CHECK(sh("ip -6 addr add 2001:db8:99::3/64 dev va nodad preferred_lft 0") == 0);
	CHECK(sh("ip -6 addr add 2001:db8:99::4/64 dev va nodad valid_lft 600 preferred_lft 300") == 0);
	CHECK(nl_snapshot_load(nl, &snap, NL_ADDRS | NL_IPV6) == 0);
	CHECK(snap.addrs.count > 0 && ONLY_FAMILY(snap.addrs, addr, AF_INET6));
	const struct nl_addr *old = find_addr(&snap.addrs, "2001:db8:99::3");
	const struct nl_addr *lft = find_addr(&snap.addrs, "2001:db8:99::4");
	const struct nl_addr *dup = find_addr(&snap.addrs, "2001:db8:99::5");
	CHECK(old && nl_addr_state(old) == NL_ADDR_DEPRECATED && old->preferred_lft == 0 &&
	      old->valid_lft == NL_LIFETIME_FOREVER);
	CHECK(lft && nl_addr_state(lft) == NL_ADDR_READY && lft->valid_lft <= 600 &&
	      lft->valid_lft > 500 && lft->preferred_lft <= 300 && lft->preferred_lft > 200);
	/* Two records of ::5: b's holds it, a's failed. */
	CHECK(dup);
	bool a_failed = false;
	for (size_t i = 0; i < snap.addrs.count; i++) {
		const struct nl_addr *x = &snap.addrs.items[i];
		if (ipaddr_equal(&x->addr, &dup->addr) && x->ifindex == a_index)
			a_failed = nl_addr_state(x) == NL_ADDR_DADFAILED;
	}
	CHECK(a_failed);
	/* A link-local address of scope link on a. */
	bool link_local = false;
	for (size_t i = 0; i < snap.addrs.count; i++) {
		const struct nl_addr *x = &snap.addrs.items[i];
		link_local |= x->ifindex == a_index && x->scope == RT_SCOPE_LINK &&
			      IN6_IS_ADDR_LINKLOCAL(&x->addr.v6);
	}
	CHECK(link_local);

	/* Deleting comes as RTM_DELADDR of family AF_INET6. */
	CHECK(sh("ip -6 addr del 2001:db8:99::2/64 dev va") == 0);
	follow_addr(ev, &nodad, 0);
	CHECK(nodad.deleted);
	nl_snapshot_free(&snap);
}

static void check_routes_and_neighbours(struct nl *nl, int a_index, int b_index)
{
	struct nl_snapshot v4 = { 0 }, v6 = { 0 }, both = { 0 };

	CHECK(sh("ip -6 route add default via fe80::1 dev va proto ra") == 0);
	CHECK(sh("ip -6 route add 2001:db8:50::/48 nexthop via fe80::2 dev va "
		 "nexthop via fe80::3 dev vb") == 0);
	CHECK(sh("ip -6 neigh add fe80::1 lladdr 02:00:00:00:00:01 dev va router nud permanent") == 0);
	CHECK(sh("ip -6 neigh add 2001:db8:99::9 lladdr 02:00:00:00:00:09 dev va nud stale") == 0);
	CHECK(sh("ip addr add 10.9.0.1/24 dev va") == 0);
	CHECK(sh("ip neigh add 10.9.0.9 lladdr 02:00:00:00:00:99 dev va nud permanent") == 0);

	unsigned parts = NL_LINKS | NL_ADDRS | NL_ROUTES | NL_NEIGHS;
	CHECK(nl_snapshot_load(nl, &v4, parts) == 0);
	CHECK(nl_snapshot_load(nl, &v6, parts | NL_IPV6) == 0);
	CHECK(nl_snapshot_load(nl, &both, parts | NL_IPV4 | NL_IPV6) == 0);
	/* No family bit is IPv4, as before; each family alone; both in one snapshot. */
	CHECK(v4.addrs.count > 0 && ONLY_FAMILY(v4.addrs, addr, AF_INET));
	CHECK(v4.routes.count > 0 && ONLY_FAMILY(v4.routes, dst, AF_INET));
	CHECK(v4.neighs.count == 1 && ONLY_FAMILY(v4.neighs, dst, AF_INET));
	CHECK(ONLY_FAMILY(v6.addrs, addr, AF_INET6) && ONLY_FAMILY(v6.routes, dst, AF_INET6) &&
	      ONLY_FAMILY(v6.neighs, dst, AF_INET6));
	CHECK(both.addrs.count == v4.addrs.count + v6.addrs.count);
	CHECK(both.routes.count == v4.routes.count + v6.routes.count);
	CHECK(both.neighs.count == v4.neighs.count + v6.neighs.count);
	CHECK(v4.links.count == v6.links.count && v6.links.count == both.links.count);

	const struct nl_route *ra = find_route(&v6.routes, "::", "fe80::1");
	CHECK(ra && ra->protocol == RTPROT_RA && ra->oif == a_index && ra->dst_len == 0);
	const struct nl_route *mp2 = find_route(&v6.routes, "2001:db8:50::", "fe80::2");
	const struct nl_route *mp3 = find_route(&v6.routes, "2001:db8:50::", "fe80::3");
	CHECK(mp2 && mp2->oif == a_index && mp2->dst_len == 48);
	CHECK(mp3 && mp3->oif == b_index);
	/* The local table (our own addresses, multicast) stays out. */
	for (size_t i = 0; i < v6.routes.count; i++)
		CHECK(v6.routes.items[i].table == RT_TABLE_MAIN &&
		      v6.routes.items[i].type == RTN_UNICAST);

	const struct nl_neigh *router = find_neigh(&v6.neighs, "fe80::1");
	const struct nl_neigh *host = find_neigh(&v6.neighs, "2001:db8:99::9");
	CHECK(router && (router->flags & NTF_ROUTER) && router->state == NUD_PERMANENT &&
	      router->has_lladdr && router->lladdr.octet[5] == 0x01 && router->ifindex == a_index);
	CHECK(host && !(host->flags & NTF_ROUTER) && host->state == NUD_STALE);
	nl_neigh_list only_b = { 0 };
	CHECK(nl_dump_neighs_family(nl, AF_INET6, b_index, &only_b) == 0);
	for (size_t i = 0; i < only_b.count; i++)
		CHECK(only_b.items[i].ifindex == b_index);
	CHECK(nl_dump_neighs_family(nl, AF_PACKET, 0, &only_b) == -EAFNOSUPPORT);
	vec_free(&only_b);

	/* A link-local destination is routed through the interface asked for. */
	struct nl_route to;
	struct ipaddr dst = ipa("fe80::1234");
	CHECK(nl_route_to_dev(nl, &dst, b_index, &to) == 0 && to.oif == b_index);
	CHECK(nl_route_to_dev(nl, &dst, a_index, &to) == 0 && to.oif == a_index);
	/* The kernel's own source for it: one of a's link-local addresses. */
	CHECK(to.prefsrc.family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&to.prefsrc.v6));
	dst = ipa("2001:db8:77::1");
	struct ipaddr router_ll = ipa("fe80::1");
	CHECK(nl_route_to(nl, &dst, &to) == 0 && to.oif == a_index);
	CHECK(ipaddr_equal(&to.gateway, &router_ll));

	nl_snapshot_free(&v4);
	nl_snapshot_free(&v6);
	nl_snapshot_free(&both);
}

static void namespace6_child(void)
{
	struct nl nl, ev;

	if (unshare(CLONE_NEWNET) < 0)
		_exit(EXIT_NO_NAMESPACE);
	if (access("/proc/sys/net/ipv6/conf/default/disable_ipv6", W_OK) != 0)
		_exit(EXIT_NO_IPV6);
	/* IPv6 on, DAD quick (one probe, 100 ms, no start delay), no router solicitations. */
	CHECK(write_sysctl("/proc/sys/net/ipv6/conf/all/disable_ipv6", "0") == 0);
	CHECK(write_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", "0") == 0);
	CHECK(write_sysctl("/proc/sys/net/ipv6/conf/default/accept_dad", "1") == 0);
	CHECK(write_sysctl("/proc/sys/net/ipv6/conf/default/dad_transmits", "1") == 0);
	CHECK(write_sysctl("/proc/sys/net/ipv6/conf/default/router_solicitation_delay", "0") == 0);
	CHECK(write_sysctl("/proc/sys/net/ipv6/conf/default/router_solicitations", "0") == 0);
	CHECK(sh("ip link set lo up") == 0);
	CHECK(sh("ip link add va type veth peer name vb") == 0);
	/* Per interface: a namespace other than the first has no neigh/default. */
	CHECK(write_sysctl("/proc/sys/net/ipv6/neigh/va/retrans_time_ms", "100") == 0);
	CHECK(write_sysctl("/proc/sys/net/ipv6/neigh/vb/retrans_time_ms", "100") == 0);
	CHECK(nl_open(&nl, 0) == 0);
	CHECK(nl_open(&ev, RTMGRP_IPV6_IFADDR) == 0);

	struct nl_link a, b;
	CHECK(nl_get_link_by_name(&nl, "va", &a) == 0 && nl_get_link_by_name(&nl, "vb", &b) == 0);
	CHECK(sh("ip link set va up") == 0 && sh("ip link set vb up") == 0);

	check_dad_events(&nl, &ev, a.ifindex);
	check_routes_and_neighbours(&nl, a.ifindex, b.ifindex);

	nl_close(&ev);
	nl_close(&nl);
	_exit(0);
}

static void test_kernel_ipv6_in_namespace(void **state)
{
	(void)state;
	run_child(namespace6_child);
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
		cmocka_unit_test(test_addr_ipv6_each_flag),
		cmocka_unit_test(test_addr_ipv6_flags_attribute),
		cmocka_unit_test(test_addr_state_order),
		cmocka_unit_test(test_addr_cacheinfo),
		cmocka_unit_test(test_addr_ipv6_hostile),
		cmocka_unit_test(test_addr_truncated),
		cmocka_unit_test(test_addr_malformed),
		cmocka_unit_test(test_route_with_gateway),
		cmocka_unit_test(test_route_table_attribute_wins),
		cmocka_unit_test(test_route_multipath),
		cmocka_unit_test(test_route_multipath_malformed),
		cmocka_unit_test(test_route_ipv6),
		cmocka_unit_test(test_route_ipv6_ra_default),
		cmocka_unit_test(test_route_ipv6_multipath_link_local),
		cmocka_unit_test(test_route_via),
		cmocka_unit_test(test_route_ipv6_hostile),
		cmocka_unit_test(test_route_family_and_sizes),
		cmocka_unit_test(test_neigh_with_lladdr),
		cmocka_unit_test(test_neigh_without_lladdr),
		cmocka_unit_test(test_neigh_rejects),
		cmocka_unit_test(test_neigh_ipv6),
		cmocka_unit_test(test_neigh_ipv6_router_and_states),
		cmocka_unit_test(test_kernel_dump_links),
		cmocka_unit_test(test_kernel_changes_in_namespace),
		cmocka_unit_test(test_kernel_ipv6_in_namespace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
