/*
 * Frame codec: Ethernet II, 802.1Q, ARP over Ethernet/IPv4, and the IPv4/ICMP echo
 * frames the verifier needs. Pure functions over byte buffers: no I/O, no allocation,
 * so every parser can be fed hostile input by unit tests and fuzzers.
 */
#ifndef ARPKIT_FRAME_H
#define ARPKIT_FRAME_H

#include <errno.h>

#include "addr.h"

#define ETH_HDR_LEN 14
#define VLAN_TAG_LEN 4
#define ARP_PAYLOAD_LEN 28
#define ETH_MIN_FRAME 60 /* without FCS: short frames are padded to this */
#define FRAME_MAX 128    /* every frame arpkit builds fits in this */

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_VLAN 0x8100

#define VLAN_NONE (-1)

enum arp_op {
	ARP_OP_REQUEST = 1,
	ARP_OP_REPLY = 2,
};

/* Decoders return 0 or one of these (negative errno values). */
enum frame_error {
	FRAME_TRUNCATED = -EMSGSIZE,   /* shorter than its headers say */
	FRAME_NOT_MINE = -EPROTONOSUPPORT, /* well formed, but another protocol */
	FRAME_INCONSISTENT = -EBADMSG, /* lengths, types or addresses contradict */
};

struct eth_header {
	struct mac dst;
	struct mac src;
	int vlan;            /* VLAN_NONE, or the 802.1Q VID 0..4095 */
	uint8_t priority;    /* 802.1Q PCP, 0 when untagged */
	uint16_t ethertype;  /* of the payload, after any tag */
	size_t header_len;   /* 14, or 18 with a tag */
};

struct arp_frame {
	struct eth_header eth;
	uint16_t op;
	struct mac sha; /* sender hardware address */
	struct in_addr spa;
	struct mac tha; /* target hardware address */
	struct in_addr tpa;
};

struct ipv4_header {
	struct in_addr src;
	struct in_addr dst;
	uint8_t protocol;
	uint8_t ttl;
	uint16_t id;
	size_t header_len;   /* IHL * 4 */
	size_t total_len;    /* from the header, checked against the buffer */
};

struct icmp_echo {
	struct eth_header eth;
	struct ipv4_header ip;
	uint8_t type;        /* 8 request, 0 reply */
	uint16_t ident;
	uint16_t sequence;
};

#define ICMP_ECHO_REQUEST 8
#define ICMP_ECHO_REPLY 0

int eth_decode(const uint8_t *buf, size_t len, struct eth_header *out);
/* Writes the Ethernet (and tag) header; returns its length, 0 if cap is too small. */
size_t eth_encode(const struct eth_header *eth, uint8_t *buf, size_t cap);

/*
 * Decode a whole frame as ARP (Ethernet, 6-byte hardware and 4-byte protocol
 * addresses, op request or reply). Rejects other hardware/protocol types as
 * FRAME_NOT_MINE and bad lengths or opcodes as FRAME_INCONSISTENT.
 */
int arp_decode(const uint8_t *buf, size_t len, struct arp_frame *out);
/* Returns the frame length (padded to ETH_MIN_FRAME), or 0 if cap is too small. */
size_t arp_encode(const struct arp_frame *arp, uint8_t *buf, size_t cap);

/* Decode an IPv4 header at buf (the Ethernet payload); checks version, IHL,
 * total length and header checksum. */
int ipv4_decode(const uint8_t *buf, size_t len, struct ipv4_header *out);
/* Decode an Ethernet frame carrying an ICMP echo request or reply. */
int icmp_echo_decode(const uint8_t *buf, size_t len, struct icmp_echo *out);
/* Build an echo frame with a payload of payload_len bytes (pattern filled). */
size_t icmp_echo_encode(const struct icmp_echo *echo, size_t payload_len, uint8_t *buf,
			size_t cap);

/* RFC 1071 checksum over len bytes. */
uint16_t inet_checksum(const void *data, size_t len);

/* Helpers that fill an arp_frame for the shapes arpkit sends. */
/* RFC 5227 probe: who-has TARGET tell 0.0.0.0, broadcast. */
void arp_make_probe(struct arp_frame *f, const struct mac *src, struct in_addr target);
/* RFC 5227 announcement: who-has ADDR tell ADDR, broadcast. */
void arp_make_announce_request(struct arp_frame *f, const struct mac *src, struct in_addr addr);
/* Gratuitous reply: ADDR is-at SRC, THA = SHA (RFC 5944), broadcast. */
void arp_make_announce_reply(struct arp_frame *f, const struct mac *src, struct in_addr addr);
/* Ordinary request: who-has TARGET tell SENDER_IP, to dst (broadcast or unicast). */
void arp_make_request(struct arp_frame *f, const struct mac *src, struct in_addr sender_ip,
		      struct in_addr target, const struct mac *dst);
/* Set the 802.1Q tag of a frame (VLAN_NONE removes it). */
void arp_set_vlan(struct arp_frame *f, int vlan);

/* Classification used by ping, announce and watch. */
bool arp_is_probe(const struct arp_frame *f);       /* spa == 0.0.0.0 */
bool arp_is_gratuitous(const struct arp_frame *f);  /* spa == tpa, or a reply to broadcast */

#endif
