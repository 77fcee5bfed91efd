#include "frame.h"

#include <arpa/inet.h>
#include <string.h>

#define ARP_HTYPE_ETHER 1

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

int eth_decode(const uint8_t *buf, size_t len, struct eth_header *out)
{
	if (len < ETH_HDR_LEN)
		return FRAME_TRUNCATED;
	memcpy(out->dst.octet, buf, MAC_LEN);
	memcpy(out->src.octet, buf + MAC_LEN, MAC_LEN);
	out->ethertype = get16(buf + 12);
	out->vlan = VLAN_NONE;
	out->priority = 0;
	out->header_len = ETH_HDR_LEN;
	if (out->ethertype == ETHERTYPE_VLAN) {
		uint16_t tci;

		if (len < ETH_HDR_LEN + VLAN_TAG_LEN)
			return FRAME_TRUNCATED;
		tci = get16(buf + 14);
		out->vlan = tci & 0x0fff;
		out->priority = (uint8_t)(tci >> 13);
		out->ethertype = get16(buf + 16);
		out->header_len += VLAN_TAG_LEN;
		/* Q-in-Q is not ours to untangle. */
		if (out->ethertype == ETHERTYPE_VLAN)
			return FRAME_NOT_MINE;
	}
	if (out->ethertype < 0x0600) /* 802.3 length field, not an EtherType */
		return FRAME_NOT_MINE;
	return 0;
}

size_t eth_encode(const struct eth_header *eth, uint8_t *buf, size_t cap)
{
	size_t len = eth->vlan == VLAN_NONE ? ETH_HDR_LEN : ETH_HDR_LEN + VLAN_TAG_LEN;

	if (cap < len)
		return 0;
	memcpy(buf, eth->dst.octet, MAC_LEN);
	memcpy(buf + MAC_LEN, eth->src.octet, MAC_LEN);
	if (eth->vlan == VLAN_NONE) {
		put16(buf + 12, eth->ethertype);
	} else {
		put16(buf + 12, ETHERTYPE_VLAN);
		put16(buf + 14, (uint16_t)((eth->priority & 7) << 13 | (eth->vlan & 0x0fff)));
		put16(buf + 16, eth->ethertype);
	}
	return len;
}

int arp_decode(const uint8_t *buf, size_t len, struct arp_frame *out)
{
	const uint8_t *p;
	int err = eth_decode(buf, len, &out->eth);

	if (err)
		return err;
	if (out->eth.ethertype != ETHERTYPE_ARP)
		return FRAME_NOT_MINE;
	if (len < out->eth.header_len + ARP_PAYLOAD_LEN)
		return FRAME_TRUNCATED;
	p = buf + out->eth.header_len;
	if (get16(p) != ARP_HTYPE_ETHER || get16(p + 2) != ETHERTYPE_IPV4)
		return FRAME_NOT_MINE;
	if (p[4] != MAC_LEN || p[5] != 4)
		return FRAME_INCONSISTENT;
	out->op = get16(p + 6);
	if (out->op != ARP_OP_REQUEST && out->op != ARP_OP_REPLY)
		return FRAME_INCONSISTENT;
	memcpy(out->sha.octet, p + 8, MAC_LEN);
	memcpy(&out->spa.s_addr, p + 14, 4);
	memcpy(out->tha.octet, p + 18, MAC_LEN);
	memcpy(&out->tpa.s_addr, p + 24, 4);
	/* A sender hardware address that is broadcast or multicast is never a station. */
	if (mac_is_multicast(&out->sha))
		return FRAME_INCONSISTENT;
	return 0;
}

size_t arp_encode(const struct arp_frame *arp, uint8_t *buf, size_t cap)
{
	struct eth_header eth = arp->eth;
	size_t hdr, len;
	uint8_t *p;

	eth.ethertype = ETHERTYPE_ARP;
	hdr = eth_encode(&eth, buf, cap);
	len = hdr + ARP_PAYLOAD_LEN;
	if (len < ETH_MIN_FRAME)
		len = ETH_MIN_FRAME;
	if (hdr == 0 || cap < len)
		return 0;
	p = buf + hdr;
	put16(p, ARP_HTYPE_ETHER);
	put16(p + 2, ETHERTYPE_IPV4);
	p[4] = MAC_LEN;
	p[5] = 4;
	put16(p + 6, arp->op);
	memcpy(p + 8, arp->sha.octet, MAC_LEN);
	memcpy(p + 14, &arp->spa.s_addr, 4);
	memcpy(p + 18, arp->tha.octet, MAC_LEN);
	memcpy(p + 24, &arp->tpa.s_addr, 4);
	memset(p + ARP_PAYLOAD_LEN, 0, len - hdr - ARP_PAYLOAD_LEN);
	return len;
}

/* RFC 1071 one's-complement sum, in two steps so a pseudo-header can be added. */
static uint64_t checksum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	for (; len > 1; p += 2, len -= 2)
		sum += get16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t checksum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t inet_checksum(const void *data, size_t len)
{
	return checksum_fold(checksum_add(0, data, len));
}

int ipv4_decode(const uint8_t *buf, size_t len, struct ipv4_header *out)
{
	if (len < 20)
		return FRAME_TRUNCATED;
	if (buf[0] >> 4 != 4)
		return FRAME_INCONSISTENT;
	out->header_len = (size_t)(buf[0] & 0x0f) * 4;
	out->total_len = get16(buf + 2);
	if (out->header_len < 20 || out->total_len < out->header_len)
		return FRAME_INCONSISTENT;
	if (len < out->header_len || len < out->total_len)
		return FRAME_TRUNCATED;
	if (inet_checksum(buf, out->header_len) != 0)
		return FRAME_INCONSISTENT;
	out->id = get16(buf + 4);
	out->ttl = buf[8];
	out->protocol = buf[9];
	memcpy(&out->src.s_addr, buf + 12, 4);
	memcpy(&out->dst.s_addr, buf + 16, 4);
	return 0;
}

int icmp_echo_decode(const uint8_t *buf, size_t len, struct icmp_echo *out)
{
	const uint8_t *icmp;
	size_t icmp_len;
	int err = eth_decode(buf, len, &out->eth);

	if (err)
		return err;
	if (out->eth.ethertype != ETHERTYPE_IPV4)
		return FRAME_NOT_MINE;
	err = ipv4_decode(buf + out->eth.header_len, len - out->eth.header_len, &out->ip);
	if (err)
		return err;
	if (out->ip.protocol != IPPROTO_ICMP)
		return FRAME_NOT_MINE;
	icmp = buf + out->eth.header_len + out->ip.header_len;
	icmp_len = out->ip.total_len - out->ip.header_len;
	if (icmp_len < 8)
		return FRAME_TRUNCATED;
	out->type = icmp[0];
	if ((out->type != ICMP_ECHO_REQUEST && out->type != ICMP_ECHO_REPLY) || icmp[1] != 0)
		return FRAME_NOT_MINE;
	if (inet_checksum(icmp, icmp_len) != 0)
		return FRAME_INCONSISTENT;
	out->ident = get16(icmp + 4);
	out->sequence = get16(icmp + 6);
	return 0;
}

/* The echo payload: a counting pattern, as ping(8) sends, so a reply is recognisable. */
static void echo_pattern(uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(0x10 + i);
}

size_t icmp_echo_encode(const struct icmp_echo *echo, size_t payload_len, uint8_t *buf,
			size_t cap)
{
	struct eth_header eth = echo->eth;
	size_t hdr, total, len;
	uint8_t *ip, *icmp;

	eth.ethertype = ETHERTYPE_IPV4;
	hdr = eth_encode(&eth, buf, cap);
	if (hdr == 0 || payload_len > 0xffff - 20 - 8) /* and no wrap-around below */
		return 0;
	total = 20 + 8 + payload_len;
	len = hdr + total;
	if (len < ETH_MIN_FRAME)
		len = ETH_MIN_FRAME;
	if (cap < len)
		return 0;
	memset(buf + hdr, 0, len - hdr);
	ip = buf + hdr;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)total);
	put16(ip + 4, echo->ip.id);
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = echo->ip.ttl ? echo->ip.ttl : 64;
	ip[9] = IPPROTO_ICMP;
	memcpy(ip + 12, &echo->ip.src.s_addr, 4);
	memcpy(ip + 16, &echo->ip.dst.s_addr, 4);
	put16(ip + 10, inet_checksum(ip, 20));
	icmp = ip + 20;
	icmp[0] = echo->type;
	put16(icmp + 4, echo->ident);
	put16(icmp + 6, echo->sequence);
	echo_pattern(icmp + 8, payload_len);
	put16(icmp + 2, inet_checksum(icmp, 8 + payload_len));
	return len;
}

static void arp_fill(struct arp_frame *f, uint16_t op, const struct mac *src, const struct mac *dst,
		     struct in_addr spa, const struct mac *tha, struct in_addr tpa)
{
	memset(f, 0, sizeof(*f));
	f->eth.dst = *dst;
	f->eth.src = *src;
	f->eth.vlan = VLAN_NONE;
	f->eth.ethertype = ETHERTYPE_ARP;
	f->op = op;
	f->sha = *src;
	f->spa = spa;
	f->tha = *tha;
	f->tpa = tpa;
}

void arp_make_probe(struct arp_frame *f, const struct mac *src, struct in_addr target)
{
	struct in_addr unspecified = {0};

	arp_fill(f, ARP_OP_REQUEST, src, &mac_broadcast, unspecified, &mac_zero, target);
}

void arp_make_announce_request(struct arp_frame *f, const struct mac *src, struct in_addr addr)
{
	arp_make_announce_request_tha(f, src, addr, &mac_zero);
}

void arp_make_announce_request_tha(struct arp_frame *f, const struct mac *src,
				   struct in_addr addr, const struct mac *tha)
{
	arp_fill(f, ARP_OP_REQUEST, src, &mac_broadcast, addr, tha, addr);
}

void arp_make_announce_reply(struct arp_frame *f, const struct mac *src, struct in_addr addr)
{
	arp_fill(f, ARP_OP_REPLY, src, &mac_broadcast, addr, src, addr);
}

void arp_make_request(struct arp_frame *f, const struct mac *src, struct in_addr sender_ip,
		      struct in_addr target, const struct mac *dst)
{
	arp_fill(f, ARP_OP_REQUEST, src, dst, sender_ip, &mac_zero, target);
}

void arp_set_vlan(struct arp_frame *f, int vlan)
{
	f->eth.vlan = vlan;
}

bool arp_is_probe(const struct arp_frame *f)
{
	return f->op == ARP_OP_REQUEST && f->spa.s_addr == 0;
}

bool arp_is_gratuitous(const struct arp_frame *f)
{
	if (f->spa.s_addr == 0)
		return false;
	return f->spa.s_addr == f->tpa.s_addr ||
	       (f->op == ARP_OP_REPLY && mac_is_broadcast(&f->eth.dst));
}

/* IPv6 */

const struct in6_addr ipv6_all_nodes = {.s6_addr = {0xff, 0x02, [15] = 0x01}};
const struct in6_addr ipv6_all_routers = {.s6_addr = {0xff, 0x02, [15] = 0x02}};

static const uint8_t solicited_node_prefix[13] = {0xff, 0x02, [11] = 0x01, [12] = 0xff};

bool ipv6_is_unspecified(const struct in6_addr *a)
{
	static const struct in6_addr zero;

	return memcmp(a, &zero, sizeof(zero)) == 0;
}

bool ipv6_is_multicast(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xff;
}

bool ipv6_is_link_local(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}

bool ipv6_is_solicited_node(const struct in6_addr *a)
{
	return memcmp(a->s6_addr, solicited_node_prefix, sizeof(solicited_node_prefix)) == 0;
}

struct in6_addr ipv6_solicited_node(const struct in6_addr *addr)
{
	struct in6_addr group = {.s6_addr = {
		0xff, 0x02, [11] = 0x01, [12] = 0xff,
		addr->s6_addr[13], addr->s6_addr[14], addr->s6_addr[15],
	}};

	return group;
}

struct mac ipv6_multicast_mac(const struct in6_addr *group)
{
	struct mac m = {{0x33, 0x33}};

	memcpy(m.octet + 2, group->s6_addr + 12, 4);
	return m;
}

uint16_t ipv6_upper_checksum(const struct in6_addr *src, const struct in6_addr *dst,
			     uint8_t next_header, const uint8_t *msg, size_t len)
{
	uint8_t tail[8]; /* upper-layer length (32 bits), three zero bytes, next header */
	uint64_t sum;

	put32(tail, (uint32_t)len);
	tail[4] = tail[5] = tail[6] = 0;
	tail[7] = next_header;
	sum = checksum_add(0, src->s6_addr, 16);
	sum = checksum_add(sum, dst->s6_addr, 16);
	sum = checksum_add(sum, tail, sizeof(tail));
	return checksum_fold(checksum_add(sum, msg, len));
}

/*
 * The options of a Hop-by-Hop or Destination Options header (RFC 8200 4.2): each must
 * fit, and an option whose two high bits are not 00 is one the receiver does not know
 * and must discard the packet for (we know none of them).
 */
static int check_ext_options(const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (p[i] == 0) { /* Pad1: a single byte */
			i++;
			continue;
		}
		if (len - i < 2 || len - i - 2 < p[i + 1])
			return FRAME_INCONSISTENT;
		if (p[i] & 0xc0)
			return FRAME_NOT_MINE;
		i += 2 + (size_t)p[i + 1];
	}
	return 0;
}

int ipv6_decode(const uint8_t *buf, size_t len, struct ipv6_header *out)
{
	size_t end, off = IPV6_HDR_LEN;
	uint8_t next;

	if (len < IPV6_HDR_LEN)
		return FRAME_TRUNCATED;
	if (buf[0] >> 4 != 6)
		return FRAME_INCONSISTENT;
	out->traffic_class = (uint8_t)(get16(buf) >> 4);
	out->flow_label = get32(buf) & 0xfffff;
	out->payload_len = get16(buf + 4);
	next = buf[6];
	out->hop_limit = buf[7];
	memcpy(out->src.s6_addr, buf + 8, 16);
	memcpy(out->dst.s6_addr, buf + 24, 16);
	end = IPV6_HDR_LEN + out->payload_len;
	if (len < end)
		return FRAME_TRUNCATED;
	if (ipv6_is_multicast(&out->src))
		return FRAME_INCONSISTENT;
	/* Each pass consumes at least 8 bytes of the payload: the walk is bounded by it. */
	while ((next == IPV6_NEXT_HOP_BY_HOP && off == IPV6_HDR_LEN) ||
	       next == IPV6_NEXT_DEST_OPTS) {
		size_t ext_len;
		int err;

		if (end - off < 8)
			return FRAME_INCONSISTENT;
		ext_len = ((size_t)buf[off + 1] + 1) * 8;
		if (end - off < ext_len)
			return FRAME_INCONSISTENT;
		err = check_ext_options(buf + off + 2, ext_len - 2);
		if (err)
			return err;
		next = buf[off];
		off += ext_len;
	}
	/* Hop-by-Hop anywhere but first is a parameter problem (RFC 8200 4.1). */
	if (next == IPV6_NEXT_HOP_BY_HOP && off != IPV6_HDR_LEN)
		return FRAME_INCONSISTENT;
	out->next_header = next;
	out->upper_offset = off;
	out->upper_len = end - off;
	return 0;
}

/* Version, traffic class, flow label, payload length, next header, hop limit, addresses. */
static void ipv6_put_header(uint8_t *p, const struct ipv6_header *ip, uint8_t next_header,
			    uint8_t hop_limit, size_t payload_len)
{
	put32(p, 6u << 28 | (uint32_t)ip->traffic_class << 20 | (ip->flow_label & 0xfffff));
	put16(p + 4, (uint16_t)payload_len);
	p[6] = next_header;
	p[7] = hop_limit;
	memcpy(p + 8, ip->src.s6_addr, 16);
	memcpy(p + 24, ip->dst.s6_addr, 16);
}

/* Ethernet, IPv6, and an ICMPv6 message of at least its 4-byte header, whose start is
 * returned in *msg (ip->upper_len bytes); its checksum is not looked at yet. */
static int icmpv6_locate(const uint8_t *buf, size_t len, struct eth_header *eth,
			 struct ipv6_header *ip, const uint8_t **msg)
{
	int err = eth_decode(buf, len, eth);

	if (err)
		return err;
	if (eth->ethertype != ETHERTYPE_IPV6)
		return FRAME_NOT_MINE;
	err = ipv6_decode(buf + eth->header_len, len - eth->header_len, ip);
	if (err)
		return err;
	if (ip->next_header != IPV6_NEXT_ICMPV6)
		return FRAME_NOT_MINE;
	if (ip->upper_len < 4)
		return FRAME_INCONSISTENT;
	*msg = buf + eth->header_len + ip->upper_offset;
	return 0;
}

static bool icmpv6_checksum_ok(const struct ipv6_header *ip, const uint8_t *msg)
{
	return ipv6_upper_checksum(&ip->src, &ip->dst, IPV6_NEXT_ICMPV6, msg, ip->upper_len) == 0;
}

int icmpv6_echo_decode(const uint8_t *buf, size_t len, struct icmpv6_echo *out)
{
	const uint8_t *msg;
	int err = icmpv6_locate(buf, len, &out->eth, &out->ip, &msg);

	if (err)
		return err;
	out->type = msg[0];
	if ((out->type != ICMPV6_ECHO_REQUEST && out->type != ICMPV6_ECHO_REPLY) || msg[1] != 0)
		return FRAME_NOT_MINE;
	if (out->ip.upper_len < 8 || !icmpv6_checksum_ok(&out->ip, msg))
		return FRAME_INCONSISTENT;
	out->ident = get16(msg + 4);
	out->sequence = get16(msg + 6);
	return 0;
}

size_t icmpv6_echo_encode(const struct icmpv6_echo *echo, size_t payload_len, uint8_t *buf,
			  size_t cap)
{
	struct eth_header eth = echo->eth;
	size_t hdr, body, len;
	uint8_t *ip, *msg;

	eth.ethertype = ETHERTYPE_IPV6;
	hdr = eth_encode(&eth, buf, cap);
	if (hdr == 0 || payload_len > 0xffff - 8)
		return 0;
	body = 8 + payload_len;
	len = hdr + IPV6_HDR_LEN + body; /* 62 at least: never needs padding */
	if (cap < len)
		return 0;
	ip = buf + hdr;
	msg = ip + IPV6_HDR_LEN;
	ipv6_put_header(ip, &echo->ip, IPV6_NEXT_ICMPV6,
			echo->ip.hop_limit ? echo->ip.hop_limit : ICMPV6_DEFAULT_HOP_LIMIT, body);
	msg[0] = echo->type;
	msg[1] = 0;
	put16(msg + 2, 0);
	put16(msg + 4, echo->ident);
	put16(msg + 6, echo->sequence);
	echo_pattern(msg + 8, payload_len);
	put16(msg + 2, ipv6_upper_checksum(&echo->ip.src, &echo->ip.dst, IPV6_NEXT_ICMPV6, msg, body));
	return len;
}

/* The Ethernet and IPv6 headers of an untagged ICMPv6 frame the makers fill. */
static void icmpv6_fill_headers(struct eth_header *eth, struct ipv6_header *ip,
				const struct mac *src_mac, const struct mac *dst_mac,
				const struct in6_addr *src, const struct in6_addr *dst,
				uint8_t hop_limit)
{
	memset(eth, 0, sizeof(*eth));
	eth->dst = *dst_mac;
	eth->src = *src_mac;
	eth->vlan = VLAN_NONE;
	eth->ethertype = ETHERTYPE_IPV6;
	memset(ip, 0, sizeof(*ip));
	ip->src = *src;
	ip->dst = *dst;
	ip->hop_limit = hop_limit;
	ip->next_header = IPV6_NEXT_ICMPV6;
}

void icmpv6_make_echo_request(struct icmpv6_echo *e, const struct mac *src_mac,
			      const struct in6_addr *src, const struct mac *dst_mac,
			      const struct in6_addr *dst, uint16_t ident, uint16_t sequence)
{
	memset(e, 0, sizeof(*e));
	icmpv6_fill_headers(&e->eth, &e->ip, src_mac, dst_mac, src, dst,
			    ICMPV6_DEFAULT_HOP_LIMIT);
	e->type = ICMPV6_ECHO_REQUEST;
	e->ident = ident;
	e->sequence = sequence;
}

/* Neighbor Discovery */

#define NDP_OPT_UNIT 8

/* The fixed part of each message, which the options follow (RFC 4861 4.1-4.5). */
static size_t ndp_fixed_len(uint8_t type)
{
	switch (type) {
	case NDP_ROUTER_SOLICIT:
		return 8;
	case NDP_ROUTER_ADVERT:
		return 16;
	case NDP_NEIGHBOR_SOLICIT:
	case NDP_NEIGHBOR_ADVERT:
		return 24;
	default: /* NDP_REDIRECT */
		return 40;
	}
}

/* The link-layer option each message type carries: the one a host reads. */
static uint8_t ndp_lladdr_option(uint8_t type)
{
	return type == NDP_NEIGHBOR_ADVERT || type == NDP_REDIRECT ? NDP_OPT_TARGET_LLADDR
								   : NDP_OPT_SOURCE_LLADDR;
}

static int ndp_take_lladdr(const uint8_t *opt, size_t len, bool *has, struct mac *out)
{
	struct mac m;

	if (len != NDP_OPT_UNIT) /* Ethernet: exactly one unit (RFC 2464 8) */
		return FRAME_INCONSISTENT;
	memcpy(m.octet, opt + 2, MAC_LEN);
	if (mac_is_multicast(&m)) /* never a station, as in arp_decode */
		return FRAME_INCONSISTENT;
	if (!*has) {
		*has = true;
		*out = m;
	}
	return 0;
}

static int ndp_take_prefix(const uint8_t *opt, size_t len, struct ndp_msg *m)
{
	struct ndp_prefix *p;

	if (len != 4 * NDP_OPT_UNIT)
		return FRAME_INCONSISTENT;
	if (m->ra.prefix_count == NDP_MAX_PREFIXES) {
		m->ra.prefixes_omitted++;
		return 0;
	}
	p = &m->ra.prefix[m->ra.prefix_count++];
	p->prefix_len = opt[2];
	p->flags = opt[3];
	p->valid_lifetime = get32(opt + 4);
	p->preferred_lifetime = get32(opt + 8);
	memcpy(p->prefix.s6_addr, opt + 16, 16);
	return 0;
}

/* Walk the options: every one must have a length and fit (RFC 4861 4.6); the ones
 * this message type uses are checked and kept, the others skipped. */
static int ndp_options(const uint8_t *p, size_t len, struct ndp_msg *m)
{
	uint8_t lladdr = ndp_lladdr_option(m->type);
	bool mtu_seen = false;

	while (len > 0) {
		size_t opt_len;
		int err = 0;

		if (len < 2)
			return FRAME_INCONSISTENT;
		opt_len = (size_t)p[1] * NDP_OPT_UNIT;
		if (opt_len == 0 || opt_len > len)
			return FRAME_INCONSISTENT;
		if (p[0] == lladdr && lladdr == NDP_OPT_SOURCE_LLADDR)
			err = ndp_take_lladdr(p, opt_len, &m->has_source_lladdr, &m->source_lladdr);
		else if (p[0] == lladdr)
			err = ndp_take_lladdr(p, opt_len, &m->has_target_lladdr, &m->target_lladdr);
		else if (p[0] == NDP_OPT_NONCE && opt_len == NDP_OPT_UNIT && !m->has_nonce &&
			 m->type == NDP_NEIGHBOR_SOLICIT) {
			m->has_nonce = true;
			memcpy(m->nonce, p + 2, NDP_NONCE_LEN);
		} else if (p[0] == NDP_OPT_MTU && m->type == NDP_ROUTER_ADVERT) {
			if (opt_len != NDP_OPT_UNIT)
				return FRAME_INCONSISTENT;
			if (!mtu_seen)
				m->ra.mtu = get32(p + 4);
			mtu_seen = true;
		} else if (p[0] == NDP_OPT_PREFIX_INFO && m->type == NDP_ROUTER_ADVERT) {
			err = ndp_take_prefix(p, opt_len, m);
		}
		if (err)
			return err;
		p += opt_len;
		len -= opt_len;
	}
	return 0;
}

static void ndp_read_fixed(const uint8_t *msg, struct ndp_msg *m)
{
	switch (m->type) {
	case NDP_ROUTER_ADVERT:
		m->ra.cur_hop_limit = msg[4];
		m->flags = msg[5];
		m->ra.lifetime = get16(msg + 6);
		m->ra.reachable_ms = get32(msg + 8);
		m->ra.retrans_ms = get32(msg + 12);
		break;
	case NDP_NEIGHBOR_ADVERT:
		m->flags = msg[4] & (NDP_NA_ROUTER | NDP_NA_SOLICITED | NDP_NA_OVERRIDE);
		memcpy(m->target.s6_addr, msg + 8, 16);
		break;
	case NDP_NEIGHBOR_SOLICIT:
		memcpy(m->target.s6_addr, msg + 8, 16);
		break;
	case NDP_REDIRECT:
		memcpy(m->target.s6_addr, msg + 8, 16);
		memcpy(m->destination.s6_addr, msg + 24, 16);
		break;
	default: /* a router solicitation has only a reserved field */
		break;
	}
}

/* The per-message rules of RFC 4861 6.1.1, 6.1.2, 7.1.1, 7.1.2 and 8.1 that depend on
 * the decoded fields. */
static bool ndp_valid(const struct ndp_msg *m)
{
	bool from_unspecified = ipv6_is_unspecified(&m->ip.src);

	switch (m->type) {
	case NDP_ROUTER_SOLICIT:
		return !(from_unspecified && m->has_source_lladdr);
	case NDP_ROUTER_ADVERT:
		return ipv6_is_link_local(&m->ip.src);
	case NDP_NEIGHBOR_SOLICIT:
		if (ipv6_is_multicast(&m->target))
			return false;
		return !from_unspecified ||
		       (ipv6_is_solicited_node(&m->ip.dst) && !m->has_source_lladdr);
	case NDP_NEIGHBOR_ADVERT:
		if (ipv6_is_multicast(&m->target))
			return false;
		return !(ipv6_is_multicast(&m->ip.dst) && (m->flags & NDP_NA_SOLICITED));
	default: /* NDP_REDIRECT */
		return ipv6_is_link_local(&m->ip.src) && !ipv6_is_multicast(&m->destination) &&
		       (ipv6_is_link_local(&m->target) ||
			memcmp(&m->target, &m->destination, sizeof(m->target)) == 0);
	}
}

int ndp_decode(const uint8_t *buf, size_t len, struct ndp_msg *out)
{
	const uint8_t *msg;
	size_t fixed;
	int err;

	memset(out, 0, sizeof(*out));
	err = icmpv6_locate(buf, len, &out->eth, &out->ip, &msg);
	if (err)
		return err;
	out->type = msg[0];
	if (out->type < NDP_ROUTER_SOLICIT || out->type > NDP_REDIRECT)
		return FRAME_NOT_MINE;
	fixed = ndp_fixed_len(out->type);
	/* Not forwarded by a router (hop limit), then the generic message checks. */
	if (out->ip.hop_limit != NDP_HOP_LIMIT || msg[1] != 0 || out->ip.upper_len < fixed ||
	    !icmpv6_checksum_ok(&out->ip, msg) || mac_is_multicast(&out->eth.src))
		return FRAME_INCONSISTENT;
	ndp_read_fixed(msg, out);
	err = ndp_options(msg + fixed, out->ip.upper_len - fixed, out);
	if (err)
		return err;
	return ndp_valid(out) ? 0 : FRAME_INCONSISTENT;
}

static uint8_t *ndp_put_option(uint8_t *p, uint8_t type, const uint8_t *data, size_t len)
{
	p[0] = type;
	p[1] = 1; /* every option we send is one unit */
	memcpy(p + 2, data, len);
	return p + NDP_OPT_UNIT;
}

size_t ndp_encode(const struct ndp_msg *m, uint8_t *buf, size_t cap)
{
	struct eth_header eth = m->eth;
	size_t hdr, body, len;
	uint8_t *ip, *msg, *opt;

	if (m->type != NDP_NEIGHBOR_SOLICIT && m->type != NDP_NEIGHBOR_ADVERT)
		return 0;
	eth.ethertype = ETHERTYPE_IPV6;
	hdr = eth_encode(&eth, buf, cap);
	body = ndp_fixed_len(m->type) +
	       NDP_OPT_UNIT * ((size_t)m->has_source_lladdr + m->has_target_lladdr + m->has_nonce);
	len = hdr + IPV6_HDR_LEN + body;
	if (hdr == 0 || cap < len)
		return 0;
	ip = buf + hdr;
	msg = ip + IPV6_HDR_LEN;
	ipv6_put_header(ip, &m->ip, IPV6_NEXT_ICMPV6, NDP_HOP_LIMIT, body);
	memset(msg, 0, body);
	msg[0] = m->type;
	if (m->type == NDP_NEIGHBOR_ADVERT)
		msg[4] = m->flags & (NDP_NA_ROUTER | NDP_NA_SOLICITED | NDP_NA_OVERRIDE);
	memcpy(msg + 8, m->target.s6_addr, 16);
	opt = msg + 24;
	if (m->has_source_lladdr)
		opt = ndp_put_option(opt, NDP_OPT_SOURCE_LLADDR, m->source_lladdr.octet, MAC_LEN);
	if (m->has_target_lladdr)
		opt = ndp_put_option(opt, NDP_OPT_TARGET_LLADDR, m->target_lladdr.octet, MAC_LEN);
	if (m->has_nonce)
		ndp_put_option(opt, NDP_OPT_NONCE, m->nonce, NDP_NONCE_LEN);
	put16(msg + 2, ipv6_upper_checksum(&m->ip.src, &m->ip.dst, IPV6_NEXT_ICMPV6, msg, body));
	return len;
}

static void ndp_fill(struct ndp_msg *m, uint8_t type, const struct mac *src_mac,
		     const struct mac *dst_mac, const struct in6_addr *src,
		     const struct in6_addr *dst, const struct in6_addr *target)
{
	memset(m, 0, sizeof(*m));
	icmpv6_fill_headers(&m->eth, &m->ip, src_mac, dst_mac, src, dst, NDP_HOP_LIMIT);
	m->type = type;
	m->target = *target;
}

void ndp_make_ns(struct ndp_msg *m, const struct mac *src_mac, const struct in6_addr *src_ip,
		 const struct in6_addr *target, const struct mac *dst_mac)
{
	struct in6_addr group = ipv6_solicited_node(target);
	struct mac group_mac = ipv6_multicast_mac(&group);

	if (dst_mac)
		ndp_fill(m, NDP_NEIGHBOR_SOLICIT, src_mac, dst_mac, src_ip, target, target);
	else
		ndp_fill(m, NDP_NEIGHBOR_SOLICIT, src_mac, &group_mac, src_ip, &group, target);
	/* RFC 4861 4.3: never from the unspecified address. */
	m->has_source_lladdr = !ipv6_is_unspecified(src_ip);
	m->source_lladdr = *src_mac;
}

void ndp_make_dad_ns(struct ndp_msg *m, const struct mac *src_mac, const struct in6_addr *target)
{
	ndp_make_ns(m, src_mac, &in6addr_any, target, NULL);
}

void ndp_make_na(struct ndp_msg *m, const struct mac *src_mac, const struct in6_addr *addr,
		 uint8_t flags, const struct in6_addr *dst_ip, const struct mac *dst_mac)
{
	ndp_fill(m, NDP_NEIGHBOR_ADVERT, src_mac, dst_mac, addr, dst_ip, addr);
	m->flags = flags;
	m->has_target_lladdr = true;
	m->target_lladdr = *src_mac;
}

void ndp_make_unsolicited_na(struct ndp_msg *m, const struct mac *src_mac,
			     const struct in6_addr *addr, uint8_t flags)
{
	struct mac all_nodes_mac = ipv6_multicast_mac(&ipv6_all_nodes);

	ndp_make_na(m, src_mac, addr, flags, &ipv6_all_nodes, &all_nodes_mac);
}
