/*
 * Every link filter program, run by the kernel. Each program is attached
 * (SO_ATTACH_FILTER) to one end of an AF_UNIX datagram socketpair and crafted frames
 * are sent through the other end: a dropped frame never arrives, a kept one arrives
 * whole or cut to the snap length. Every kind of frame goes through every program,
 * untagged and with an in-line 802.1Q tag, then cut at every length.
 *
 * A unix socket has no VLAN metadata, so the same table is then replayed on packet
 * sockets on the loopback interface of a private network namespace, where the kernel
 * moves the tag into metadata before the filter runs, as on a real link (skipped
 * without the privilege to make a namespace). Nothing leaves that namespace.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "filter.h"
#include "frame.h"
#include "rxring.h"

/* What a program does with a frame: drop it, keep it whole, or cut it to the snap. */
#define DROP 'D'
#define WHOLE 'W'
#define SNAP 'S'

/* Frame classes, as the filters tell them apart. */
enum class {
	C_ARP,
	C_ICMP_REPLY,    /* IPv4 ICMP echo reply */
	C_IPV4,          /* any other IPv4 */
	C_NDP,           /* ICMPv6 133-137, hop limit 255 */
	C_ICMPV6_REPLY,
	C_IPV6,          /* any other IPv6 */
	C_IPV6_CHAIN,    /* two extension headers: the program cannot see past them */
	C_OTHER,         /* not IP: LLDP, 802.3, other EtherTypes, Q-in-Q, 802.1ad */
};

/* The contract of each filter, stated independently of filter.c's own table:
 * W kept whole, S cut to LINK_FILTER_SNAPLEN, D dropped. A chain of IPv6 extension
 * headers is kept whole by every filter that keeps any IPv6; non-IP frames never. */
struct policy {
	enum link_filter filter;
	const char *name;
	char arp, icmp_reply, ipv4, ndp, icmpv6_reply, ipv6;
};

static const struct policy policies[] = {
	/*                                           ARP  ICMP  IPv4 NDP  ICMPv6 IPv6 */
	{LINK_FILTER_ARP, "ARP",                     'W', 'D', 'D', 'D', 'D', 'D'},
	{LINK_FILTER_ARP_ICMP, "ARP_ICMP",           'W', 'W', 'D', 'D', 'D', 'D'},
	{LINK_FILTER_ARP_IPV4, "ARP_IPV4",           'W', 'W', 'W', 'D', 'D', 'D'},
	{LINK_FILTER_NDP, "NDP",                     'D', 'D', 'D', 'W', 'D', 'D'},
	{LINK_FILTER_NDP_ECHO, "NDP_ECHO",           'D', 'D', 'D', 'W', 'W', 'D'},
	{LINK_FILTER_ARP_NDP, "ARP_NDP",             'W', 'D', 'D', 'W', 'D', 'D'},
	{LINK_FILTER_ARP_NDP_ECHO, "ARP_NDP_ECHO",   'W', 'W', 'D', 'W', 'W', 'D'},
	{LINK_FILTER_ARP_IP, "ARP_IP",               'W', 'W', 'W', 'W', 'W', 'W'},
	{LINK_FILTER_RING_IPV4, "RING_IPV4",         'W', 'S', 'S', 'D', 'D', 'D'},
	{LINK_FILTER_RING_IP, "RING_IP",             'W', 'S', 'S', 'W', 'S', 'S'},
};

#define POLICY_COUNT (sizeof(policies) / sizeof(policies[0]))

static bool keeps_ipv6(const struct policy *p)
{
	return p->ndp != DROP || p->icmpv6_reply != DROP || p->ipv6 != DROP;
}

struct kind {
	const char *name;
	enum class cls;
	bool untagged_only;  /* carries its own tags already */
	size_t min_inspected; /* shortest kept prefix when the program looks past the IP header */
	size_t min_whole;     /* ... when it keeps the whole family (only the IP header) */
	uint8_t bytes[200];
	size_t len;
};

#define MAX_KINDS 40
static struct kind kinds[MAX_KINDS];
static unsigned kind_count;

static char verdict(const struct policy *p, const struct kind *k)
{
	switch (k->cls) {
	case C_ARP: return p->arp;
	case C_ICMP_REPLY: return p->icmp_reply;
	case C_IPV4: return p->ipv4;
	case C_NDP: return p->ndp;
	case C_ICMPV6_REPLY: return p->icmpv6_reply;
	case C_IPV6: return p->ipv6;
	case C_IPV6_CHAIN: return keeps_ipv6(p) ? WHOLE : DROP;
	default: return DROP;
	}
}

/* The shortest prefix of an untagged frame of kind k that policy p keeps. */
static size_t min_len(const struct policy *p, const struct kind *k)
{
	bool v6 = k->cls == C_NDP || k->cls == C_ICMPV6_REPLY || k->cls == C_IPV6 ||
		  k->cls == C_IPV6_CHAIN;
	bool inspected = v6 ? p->ipv6 != WHOLE : p->ipv4 == DROP;

	return inspected ? k->min_inspected : k->min_whole;
}

static const struct mac ours = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x20}};
static const struct mac peer = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};

static struct kind *add(const char *name, enum class cls, const uint8_t *bytes, size_t len)
{
	struct kind *k = &kinds[kind_count++];

	assert_true(kind_count <= MAX_KINDS);
	assert_true(len <= sizeof(k->bytes));
	memset(k, 0, sizeof(*k));
	k->name = name;
	k->cls = cls;
	memcpy(k->bytes, bytes, len);
	k->len = len;
	k->min_whole = k->min_inspected = ETH_HDR_LEN;
	return k;
}

static struct kind *add_like(const char *name, enum class cls, const struct kind *from)
{
	struct kind *k = add(name, cls, from->bytes, from->len);

	k->min_whole = from->min_whole;
	k->min_inspected = from->min_inspected;
	return k;
}

/* A copy of `from` with the byte at `at` set to `value`. */
static struct kind *variant(const char *name, enum class cls, const struct kind *from, size_t at,
			    uint8_t value)
{
	struct kind *k = add_like(name, cls, from);

	k->bytes[at] = value;
	return k;
}

/* Insert n bytes at offset `at` (an extension header, IP options, a tag). */
static void insert(struct kind *k, size_t at, const uint8_t *bytes, size_t n)
{
	memmove(k->bytes + at + n, k->bytes + at, k->len - at);
	memcpy(k->bytes + at, bytes, n);
	k->len += n;
}

#define L3 ETH_HDR_LEN
#define IP6_NEXT (L3 + 6)
#define IP6_HOPS (L3 + 7)
#define ICMP6 (L3 + IPV6_HDR_LEN)

static void add_ext(struct kind *k, uint8_t type)
{
	uint8_t hdr[8] = {k->bytes[IP6_NEXT], 0, 1, 4}; /* PadN */
	size_t payload = (size_t)k->bytes[L3 + 4] << 8 | k->bytes[L3 + 5];

	insert(k, ICMP6, hdr, sizeof(hdr));
	k->bytes[IP6_NEXT] = type;
	payload += sizeof(hdr);
	k->bytes[L3 + 4] = (uint8_t)(payload >> 8);
	k->bytes[L3 + 5] = (uint8_t)payload;
}

static const uint8_t qinq[VLAN_TAG_LEN] = {0x81, 0x00, 0x00, 0x07};
static const uint8_t ad[VLAN_TAG_LEN] = {0x88, 0xa8, 0x00, 0x07};

/* A kind wrapped in `count` copies of a tag: never kept, so no tagged variant. */
static void add_in_tags(const char *name, const struct kind *from, const uint8_t *tag,
			int count)
{
	struct kind *k = add_like(name, C_OTHER, from);

	for (int i = 0; i < count; i++)
		insert(k, 12, tag, VLAN_TAG_LEN);
	k->untagged_only = true;
}

static int build_kinds(void **state)
{
	static const uint8_t lldp[60] = {0x01, 0x80, 0xc2, 0, 0, 0x0e, 2, 0, 0, 0, 0, 1, 0x88, 0xcc};
	static const uint8_t llc[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1,
					 0x00, 0x2e, 0x42, 0x42, 0x03};
	static const uint8_t local[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1,
					  0x88, 0xb5};
	static const uint8_t ip_options[4] = {1, 1, 1, 1}; /* four NOPs */
	struct in6_addr a11, a1;
	struct in_addr v4a, v4b;
	uint8_t buf[FRAME_MAX];
	struct arp_frame arp;
	struct icmp_echo e4;
	struct icmpv6_echo e6;
	struct ndp_msg nd;
	struct kind *k, *arp_request, *reply4, *ns, *na, *reply6;
	size_t len;

	(void)state;
	kind_count = 0;
	inet_pton(AF_INET6, "2001:db8::11", &a11);
	inet_pton(AF_INET6, "2001:db8::1", &a1);
	inet_pton(AF_INET, "192.0.2.11", &v4a);
	inet_pton(AF_INET, "192.0.2.1", &v4b);

	arp_make_request(&arp, &ours, v4a, v4b, &mac_broadcast);
	len = arp_encode(&arp, buf, sizeof(buf));
	arp_request = add("arp-request", C_ARP, buf, len);
	arp_request->min_whole = arp_request->min_inspected = L3 + ARP_PAYLOAD_LEN;
	arp_make_announce_reply(&arp, &ours, v4a);
	len = arp_encode(&arp, buf, sizeof(buf));
	k = add("arp-reply", C_ARP, buf, len);
	k->min_whole = k->min_inspected = L3 + ARP_PAYLOAD_LEN;

	memset(&e4, 0, sizeof(e4));
	e4.eth.dst = ours;
	e4.eth.src = peer;
	e4.eth.vlan = VLAN_NONE;
	e4.ip.src = v4b;
	e4.ip.dst = v4a;
	e4.type = ICMP_ECHO_REPLY;
	len = icmp_echo_encode(&e4, 56, buf, sizeof(buf));
	reply4 = add("icmp-echo-reply", C_ICMP_REPLY, buf, len);
	reply4->min_whole = L3 + 20;
	reply4->min_inspected = L3 + 20 + 8;
	/* With IP options the ICMP header moves: the program must follow the IHL. */
	k = add_like("icmp-echo-reply-ip-options", C_ICMP_REPLY, reply4);
	insert(k, L3 + 20, ip_options, sizeof(ip_options));
	k->bytes[L3] = 0x46;
	k->bytes[L3 + 3] += 4;
	k->min_inspected = L3 + 24 + 8;
	k = add_like("icmp-echo-reply-fragment", C_IPV4, reply4);
	k->bytes[L3 + 6] |= 0x20; /* more fragments */
	variant("icmp-echo-request", C_IPV4, reply4, L3 + 20, ICMP_ECHO_REQUEST);
	k = variant("ipv4-udp", C_IPV4, reply4, L3 + 9, IPPROTO_UDP);
	k->min_inspected = L3 + 20;

	ndp_make_ns(&nd, &ours, &a11, &a1, NULL);
	len = ndp_encode(&nd, buf, sizeof(buf));
	ns = add("ndp-ns", C_NDP, buf, len);
	ns->min_whole = L3 + IPV6_HDR_LEN;
	ns->min_inspected = ICMP6 + 8;
	ndp_make_unsolicited_na(&nd, &ours, &a11, NDP_NA_OVERRIDE);
	len = ndp_encode(&nd, buf, sizeof(buf));
	na = add_like("ndp-na", C_NDP, ns);
	memcpy(na->bytes, buf, len);
	na->len = len;
	variant("ndp-rs", C_NDP, ns, ICMP6, NDP_ROUTER_SOLICIT);
	variant("ndp-ra", C_NDP, ns, ICMP6, NDP_ROUTER_ADVERT);
	variant("ndp-redirect", C_NDP, ns, ICMP6, NDP_REDIRECT);
	variant("icmpv6-132-below-ndp", C_IPV6, ns, ICMP6, 132);
	variant("icmpv6-138-above-ndp", C_IPV6, ns, ICMP6, 138);
	variant("ndp-na-hop-limit-64", C_IPV6, na, IP6_HOPS, 64);

	icmpv6_make_echo_request(&e6, &peer, &a1, &ours, &a11, 7, 1);
	e6.type = ICMPV6_ECHO_REPLY;
	len = icmpv6_echo_encode(&e6, 56, buf, sizeof(buf));
	reply6 = add_like("icmpv6-echo-reply", C_ICMPV6_REPLY, ns);
	memcpy(reply6->bytes, buf, len);
	reply6->len = len;
	variant("icmpv6-echo-request", C_IPV6, reply6, ICMP6, ICMPV6_ECHO_REQUEST);
	variant("icmpv6-unreachable", C_IPV6, reply6, ICMP6, 1);
	k = variant("ipv6-udp", C_IPV6, reply6, IP6_NEXT, IPPROTO_UDP);
	k->min_inspected = L3 + IPV6_HDR_LEN;
	k = variant("ipv6-fragment", C_IPV6, reply6, IP6_NEXT, IPV6_NEXT_FRAGMENT);
	k->min_inspected = L3 + IPV6_HDR_LEN;

	/* One extension header: the program looks past it. */
	k = add_like("ndp-na-behind-hop-by-hop", C_NDP, na);
	add_ext(k, IPV6_NEXT_HOP_BY_HOP);
	k->min_inspected = ICMP6 + 8 + 8;
	k = add_like("ndp-na-behind-dest-opts", C_NDP, na);
	add_ext(k, IPV6_NEXT_DEST_OPTS);
	k->min_inspected = ICMP6 + 8 + 8;
	k = add_like("icmpv6-echo-reply-behind-hop-by-hop", C_ICMPV6_REPLY, reply6);
	add_ext(k, IPV6_NEXT_HOP_BY_HOP);
	k->min_inspected = ICMP6 + 8 + 8;
	k = variant("mld-report-behind-hop-by-hop", C_IPV6, reply6, ICMP6, 143);
	add_ext(k, IPV6_NEXT_HOP_BY_HOP);
	k->min_inspected = ICMP6 + 8 + 8;
	k = variant("udp-behind-hop-by-hop", C_IPV6, reply6, IP6_NEXT, IPPROTO_UDP);
	add_ext(k, IPV6_NEXT_HOP_BY_HOP);
	k->min_inspected = ICMP6 + 2;
	k = variant("ndp-na-hop-limit-64-behind-dest-opts", C_IPV6, na, IP6_HOPS, 64);
	add_ext(k, IPV6_NEXT_DEST_OPTS);
	k->min_inspected = ICMP6 + 8 + 8;
	/* Two: kept whole by any filter that keeps IPv6, for the decoder to judge. */
	k = add_like("ndp-na-behind-two-headers", C_IPV6_CHAIN, na);
	add_ext(k, IPV6_NEXT_DEST_OPTS);
	add_ext(k, IPV6_NEXT_HOP_BY_HOP);
	k->min_inspected = ICMP6 + 8;

	add("lldp", C_OTHER, lldp, sizeof(lldp));
	add("ieee802.3-llc", C_OTHER, llc, sizeof(llc));
	add("local-ethertype-88b5", C_OTHER, local, sizeof(local));
	/* Tags of their own: a second 802.1Q tag (Q-in-Q) and an 802.1ad outer tag. */
	add_in_tags("arp-in-q-in-q", arp_request, qinq, 2);
	add_in_tags("arp-in-802.1ad", arp_request, ad, 1);
	add_in_tags("ipv6-ndp-in-q-in-q", ns, qinq, 2);
	add_in_tags("ipv6-ndp-in-802.1ad", ns, ad, 1);
	return 0;
}

/* The tagged variant: an 802.1Q tag (VID 7, priority 3) in line. */
static size_t tagged(const struct kind *k, uint8_t *out)
{
	static const uint8_t tag[4] = {0x81, 0x00, 0x60, 0x07};

	memcpy(out, k->bytes, 12);
	memcpy(out + 12, tag, sizeof(tag));
	memcpy(out + 16, k->bytes + 12, k->len - 12);
	return k->len + 4;
}

/* A way to put a frame in front of a filter and see what comes out. */
struct channel {
	int tx, rx;
	int witness;         /* live only: an unfiltered socket that proves delivery */
	int ifindex;
	bool strips_tags;    /* the kernel moves an outer tag into metadata */
	unsigned sync;
};

/* Returns the length received, or -1 when the filter dropped the frame; *had_tag
 * says whether the tag came as metadata. */
static int unix_pass(struct channel *c, const uint8_t *frame, size_t len, bool *had_tag)
{
	uint8_t buf[512];
	ssize_t n;

	*had_tag = false;
	assert_int_equal(send(c->tx, frame, len, 0), (ssize_t)len);
	n = recv(c->rx, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0) {
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		return -1;
	}
	return (int)n;
}

static void open_unix(struct channel *c, enum link_filter f)
{
	int sv[2];

	memset(c, 0, sizeof(*c));
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	c->tx = sv[0];
	c->rx = sv[1];
	c->witness = -1;
	assert_int_equal(link_filter_attach(c->rx, f), 0);
}

static void close_channel(struct channel *c)
{
	close(c->tx);
	close(c->rx);
	if (c->witness >= 0)
		close(c->witness);
}

/* Live: packet sockets on lo, in the private namespace. */
static int lo_socket(int ifindex, int filter)
{
	struct sockaddr_ll sll;
	int one = 1;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	if (filter >= 0)
		assert_int_equal(link_filter_attach(fd, (enum link_filter)filter), 0);
	assert_int_equal(setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)), 0);
	assert_int_equal(setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)), 0);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	assert_int_equal(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return fd;
}

static void lo_send(struct channel *c, const uint8_t *frame, size_t len)
{
	struct sockaddr_ll sll;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = c->ifindex;
	sll.sll_halen = ETH_ALEN;
	memcpy(sll.sll_addr, frame, ETH_ALEN);
	assert_int_equal(sendto(c->tx, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll)),
			 (ssize_t)len);
}

/* Read one frame without waiting: its length, or -1; *had_tag from auxdata. */
static int lo_read(int fd, uint8_t *buf, size_t cap, bool *had_tag)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		struct cmsghdr align;
	} control;
	struct iovec iov = {buf, cap};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			    .msg_controllen = sizeof(control.buf)};
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

	*had_tag = false;
	if (n < 0)
		return -1;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		struct tpacket_auxdata aux;

		if (cm->cmsg_level != SOL_PACKET || cm->cmsg_type != PACKET_AUXDATA)
			continue;
		memcpy(&aux, CMSG_DATA(cm), sizeof(aux));
		*had_tag = (aux.tp_status & TP_STATUS_VLAN_VALID) != 0;
	}
	return (int)n;
}

/* Send the frame, then a sync frame the witness must see: with this thread pinned to
 * one CPU, lo hands frames to the taps in order, so by then the filter has run on
 * the frame under test. */
static int lo_pass(struct channel *c, const uint8_t *frame, size_t len, bool *had_tag)
{
	uint8_t sync[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 0x99, 0x88, 0xb6};
	uint8_t buf[512];
	int got;

	c->sync++;
	memcpy(sync + 14, &c->sync, sizeof(c->sync));
	lo_send(c, frame, len);
	lo_send(c, sync, sizeof(sync));
	for (;;) {
		struct pollfd p = {c->witness, POLLIN, 0};
		bool tag;
		int n;

		assert_int_equal(poll(&p, 1, 2000), 1);
		n = lo_read(c->witness, buf, sizeof(buf), &tag);
		if (n == (int)sizeof(sync) && memcmp(buf, sync, sizeof(sync)) == 0)
			break;
	}
	/* Whatever the filter kept: the frame under test, and the sync frame only if the
	 * program wrongly keeps EtherType 0x88b6 (reported as a wrong length). */
	got = -1;
	for (;;) {
		bool tag;
		int n = lo_read(c->rx, buf, sizeof(buf), &tag);

		if (n < 0)
			break;
		if (n == (int)sizeof(sync) && memcmp(buf, sync, sizeof(sync)) == 0) {
			print_message("the filter kept the sync frame (EtherType 0x88b6)\n");
			return -2;
		}
		got = n;
		*had_tag = tag;
	}
	return got;
}

static bool live_namespace(int *ifindex)
{
	struct ifreq ifr;
	cpu_set_t one_cpu;
	int fd, cpu = sched_getcpu();

	if (unshare(CLONE_NEWNET) < 0)
		return false;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	assert_int_equal(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	assert_int_equal(ioctl(fd, SIOCSIFFLAGS, &ifr), 0);
	close(fd);
	*ifindex = (int)if_nametoindex("lo");
	CPU_ZERO(&one_cpu);
	CPU_SET(cpu < 0 ? 0 : cpu, &one_cpu);
	assert_int_equal(sched_setaffinity(0, sizeof(one_cpu), &one_cpu), 0);
	return true;
}

static int live_ifindex; /* 0 until the namespace is made; -1 if it cannot be */

static bool open_live(struct channel *c, enum link_filter f)
{
	if (live_ifindex == 0 && !live_namespace(&live_ifindex))
		live_ifindex = -1;
	if (live_ifindex < 0)
		return false;
	memset(c, 0, sizeof(*c));
	c->ifindex = live_ifindex;
	c->strips_tags = true;
	c->tx = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	assert_true(c->tx >= 0);
	c->witness = lo_socket(c->ifindex, -1);
	c->rx = lo_socket(c->ifindex, (int)f);
	return true;
}

typedef int (*pass_fn)(struct channel *c, const uint8_t *frame, size_t len, bool *had_tag);

/* One frame through the channel; returns 1 and prints when the result is wrong. */
static int check_one(struct channel *c, pass_fn pass, const struct policy *p,
		     const struct kind *k, const uint8_t *frame, size_t len, bool is_tagged,
		     char want, const char *what)
{
	bool had_tag;
	int got = pass(c, frame, len, &had_tag);
	size_t seen = is_tagged && c->strips_tags ? len - VLAN_TAG_LEN : len;
	int expect = want == DROP ? -1 : want == SNAP && seen > LINK_FILTER_SNAPLEN
				       ? LINK_FILTER_SNAPLEN : (int)seen;

	if (got != expect) {
		print_message("%s: %s%s (%s, %zu bytes): got %d, expected %d\n", p->name, k->name,
			      is_tagged ? " tagged" : "", what, len, got, expect);
		return 1;
	}
	if (got >= 0 && c->strips_tags && had_tag != is_tagged) {
		print_message("%s: %s%s (%s): tag metadata %d, expected %d\n", p->name, k->name,
			      is_tagged ? " tagged" : "", what, had_tag, is_tagged);
		return 1;
	}
	return 0;
}

static int check_kinds(struct channel *c, pass_fn pass, const struct policy *p)
{
	uint8_t frame[256];
	int failures = 0;

	for (unsigned i = 0; i < kind_count; i++) {
		const struct kind *k = &kinds[i];
		char want = verdict(p, k);

		failures += check_one(c, pass, p, k, k->bytes, k->len, false, want, "whole");
		if (!k->untagged_only)
			failures += check_one(c, pass, p, k, frame, tagged(k, frame), true, want,
					      "whole");
	}
	return failures;
}

/* Every prefix: dropped below the kind's minimum, kept (or cut) from there on. */
static int check_truncated(struct channel *c, const struct policy *p)
{
	uint8_t frame[256];
	int failures = 0;

	for (unsigned i = 0; i < kind_count; i++) {
		const struct kind *k = &kinds[i];
		char want = verdict(p, k);

		if (want == DROP)
			continue;
		for (int tag = 0; tag < 2; tag++) {
			size_t len = tag ? tagged(k, frame) : k->len;
			size_t min = min_len(p, k) + (tag ? VLAN_TAG_LEN : 0);

			if (!tag)
				memcpy(frame, k->bytes, k->len);
			if (tag && k->untagged_only)
				continue;
			for (size_t cut = 0; cut < len; cut++)
				failures += check_one(c, unix_pass, p, k, frame, cut, tag,
						      cut < min ? DROP : want, "truncated");
		}
	}
	return failures;
}

static void test_socketpair(void **state)
{
	const struct policy *p = *state;
	struct channel c;
	int failures;

	open_unix(&c, p->filter);
	failures = check_kinds(&c, unix_pass, p);
	failures += check_truncated(&c, p);
	close_channel(&c);
	assert_int_equal(failures, 0);
}

static void test_live_lo(void **state)
{
	const struct policy *p = *state;
	struct channel c;
	int failures;

	if (!open_live(&c, p->filter)) {
		print_message("no network namespace (needs CAP_SYS_ADMIN): live check skipped\n");
		skip();
	}
	failures = check_kinds(&c, lo_pass, p);
	close_channel(&c);
	assert_int_equal(failures, 0);
}

static const struct kind *kind_named(const char *name)
{
	for (unsigned i = 0; i < kind_count; i++)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	fail_msg("no frame kind '%s'", name);
	return &kinds[0];
}

struct ring_seen {
	unsigned count;
	bool marker;
	size_t len[16];
	uint8_t first[16][20]; /* enough to tell the frames apart */
};

static void on_ring_frame(void *ctx, const uint8_t *frame, size_t len, uint64_t time_ns)
{
	struct ring_seen *seen = ctx;

	(void)time_ns;
	if (seen->marker || seen->count == 16)
		return;
	seen->len[seen->count] = len;
	memcpy(seen->first[seen->count], frame, len < 20 ? len : 20);
	seen->count++;
	/* The marker: an ARP request from 02:00:00:00:00:99, sent last. */
	seen->marker = len >= 14 && frame[11] == 0x99;
}

/* The receive ring itself (watch's path), live on lo: rxring_setup must put
 * LINK_FILTER_RING_IPV4 on the socket, and tags come back in line. */
static void test_rxring_live(void **state)
{
	static const struct mac marker_mac = {{0x02, 0, 0, 0, 0, 0x99}};
	struct channel c;
	struct rxring ring;
	struct ring_seen seen;
	struct arp_frame marker;
	uint8_t frame[256];
	const struct kind *arp_k = kind_named("arp-request"), *udp4 = kind_named("ipv4-udp");
	const struct kind *ns = kind_named("ndp-ns"), *lldp = kind_named("lldp");
	size_t len;

	(void)state;
	if (!open_live(&c, LINK_FILTER_ARP)) {
		print_message("no network namespace (needs CAP_SYS_ADMIN): live check skipped\n");
		skip();
	}
	assert_int_equal(rxring_setup(&ring, c.rx, 1u << 16, 4, 5), 0);
	lo_send(&c, ns->bytes, ns->len);
	lo_send(&c, frame, tagged(ns, frame));
	lo_send(&c, lldp->bytes, lldp->len);
	lo_send(&c, arp_k->bytes, arp_k->len);
	lo_send(&c, frame, tagged(udp4, frame));
	arp_make_probe(&marker, &marker_mac, (struct in_addr){0});
	len = arp_encode(&marker, frame, sizeof(frame));
	lo_send(&c, frame, len);

	memset(&seen, 0, sizeof(seen));
	for (int tries = 0; tries < 200 && !seen.marker; tries++) {
		struct pollfd p = {c.rx, POLLIN, 0};

		poll(&p, 1, 10);
		rxring_drain(&ring, on_ring_frame, &seen, ring.block_count);
	}
	assert_true(seen.marker);
	/* No IPv6, no LLDP: the ARP request, the tagged UDP cut (tag back in line), the
	 * marker. */
	assert_int_equal(seen.count, 3);
	assert_int_equal(seen.len[0], arp_k->len);
	assert_memory_equal(seen.first[0], arp_k->bytes, 14);
	assert_int_equal(seen.len[1], LINK_FILTER_SNAPLEN + VLAN_TAG_LEN);
	assert_int_equal(seen.first[1][12], 0x81);
	assert_int_equal(seen.first[1][13], 0x00);
	assert_int_equal(seen.first[1][16], 0x08);
	assert_int_equal(seen.first[1][17], 0x00);
	rxring_close(&ring);
	close_channel(&c);
}

static void test_programs_build(void **state)
{
	struct link_filter_program prog;

	(void)state;
	for (unsigned f = 0; f < LINK_FILTER_COUNT; f++) {
		assert_int_equal(link_filter_build((enum link_filter)f, &prog), 0);
		assert_true(prog.len > 0 && prog.len <= LINK_FILTER_MAX_INSNS);
	}
	assert_int_equal(link_filter_build((enum link_filter)LINK_FILTER_COUNT, &prog), -EINVAL);
	assert_int_equal(link_filter_build((enum link_filter)-1, &prog), -EINVAL);
	assert_int_equal(link_filter_attach(-1, LINK_FILTER_ARP), -EBADF);
	assert_int_equal(POLICY_COUNT, LINK_FILTER_COUNT);
}

int main(void)
{
	struct CMUnitTest tests[2 + 2 * POLICY_COUNT];
	char names[2 * POLICY_COUNT][48];
	size_t n = 0;

	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_programs_build);
	for (size_t i = 0; i < 2 * POLICY_COUNT; i++) {
		const struct policy *p = &policies[i % POLICY_COUNT];
		bool live = i >= POLICY_COUNT; /* last: they move into a namespace of their own */

		snprintf(names[i], sizeof(names[i]), "%s %s", live ? "live lo" : "socketpair",
			 p->name);
		tests[n++] = (struct CMUnitTest){names[i], live ? test_live_lo : test_socketpair,
						 NULL, NULL, (void *)p};
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_rxring_live);
	return _cmocka_run_group_tests("filter", tests, n, build_kinds, NULL);
}
