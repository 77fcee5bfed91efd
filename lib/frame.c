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

uint16_t inet_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += get16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
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

size_t icmp_echo_encode(const struct icmp_echo *echo, size_t payload_len, uint8_t *buf,
			size_t cap)
{
	struct eth_header eth = echo->eth;
	size_t hdr, total, len;
	uint8_t *ip, *icmp;

	eth.ethertype = ETHERTYPE_IPV4;
	hdr = eth_encode(&eth, buf, cap);
	total = 20 + 8 + payload_len;
	len = hdr + total;
	if (len < ETH_MIN_FRAME)
		len = ETH_MIN_FRAME;
	if (hdr == 0 || cap < len || total > 0xffff)
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
	for (size_t i = 0; i < payload_len; i++)
		icmp[8 + i] = (uint8_t)(0x10 + i);
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
	arp_fill(f, ARP_OP_REQUEST, src, &mac_broadcast, addr, &mac_zero, addr);
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
