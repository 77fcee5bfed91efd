/*
 * Frame codec: Ethernet II, 802.1Q, ARP over Ethernet/IPv4, the IPv4/ICMP echo frames
 * the verifier needs, and IPv6 with ICMPv6 echo and Neighbor Discovery (RFC 4861).
 * Pure functions over byte buffers: no I/O, no allocation, every read bounded by the
 * length given, so every parser can be fed hostile input by unit tests and fuzzers.
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
#define ETHERTYPE_IPV6 0x86dd

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
/* RFC 5227 announcement: who-has ADDR tell ADDR, broadcast, target hardware zero. */
void arp_make_announce_request(struct arp_frame *f, const struct mac *src, struct in_addr addr);
/* The same with another target hardware address: keepalived, Pacemaker's send_arp and
 * arping -U put the broadcast address there, and some devices learn only from that. */
void arp_make_announce_request_tha(struct arp_frame *f, const struct mac *src,
				   struct in_addr addr, const struct mac *tha);
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

/*
 * IPv6 (RFC 8200). Extension headers: a Hop-by-Hop Options header directly after the
 * fixed header and Destination Options headers are skipped, after checking that their
 * options fit exactly and that none is an unknown option a receiver must discard
 * (action bits other than 00: RFC 8200 4.2); that is how an NDP message behind a
 * padding header, which Linux hosts accept, stays visible. Every other header
 * (Routing, Fragment, ESP, AH, No Next Header, unknown) ends the walk: it becomes the
 * "upper layer", so the ICMPv6 decoders call such a packet FRAME_NOT_MINE. That also
 * refuses fragmented Neighbor Discovery (RFC 6980) and keeps the checksum's
 * pseudo-header destination the packet's own (a Routing header would change it).
 */
#define IPV6_HDR_LEN 40
#define IPV6_NEXT_HOP_BY_HOP 0
#define IPV6_NEXT_ROUTING 43
#define IPV6_NEXT_FRAGMENT 44
#define IPV6_NEXT_ICMPV6 58
#define IPV6_NEXT_NONE 59
#define IPV6_NEXT_DEST_OPTS 60

struct ipv6_header {
	struct in6_addr src;
	struct in6_addr dst;
	uint8_t hop_limit;
	uint8_t traffic_class;
	uint32_t flow_label;
	uint8_t next_header;   /* of the upper layer, after the skipped extension headers */
	size_t payload_len;    /* from the header, checked against the buffer */
	size_t upper_offset;   /* upper-layer header, from the start of the IPv6 header */
	size_t upper_len;      /* bytes of the upper layer (payload minus skipped headers) */
};

/*
 * Decode an IPv6 header at buf (the Ethernet payload): version 6, payload length
 * within len (FRAME_TRUNCATED otherwise; bytes after it are link padding), a source
 * that is not multicast (RFC 4291 2.7), extension headers as described above
 * (FRAME_INCONSISTENT when one overruns the payload or its options overrun it,
 * FRAME_NOT_MINE when an option tells receivers to discard the packet).
 */
int ipv6_decode(const uint8_t *buf, size_t len, struct ipv6_header *out);

/* Checksum of an upper-layer message over the IPv6 pseudo-header (RFC 8200 8.1):
 * with the message's checksum field zeroed, the value to store; over a message with
 * its checksum in place, 0 when it is right. */
uint16_t ipv6_upper_checksum(const struct in6_addr *src, const struct in6_addr *dst,
			     uint8_t next_header, const uint8_t *msg, size_t len);

extern const struct in6_addr ipv6_all_nodes;   /* ff02::1 */
extern const struct in6_addr ipv6_all_routers; /* ff02::2 */

bool ipv6_is_unspecified(const struct in6_addr *a); /* :: */
bool ipv6_is_multicast(const struct in6_addr *a);   /* ff00::/8 */
bool ipv6_is_link_local(const struct in6_addr *a);  /* fe80::/10 */
bool ipv6_is_solicited_node(const struct in6_addr *a); /* ff02::1:ff00:0/104 */
/* RFC 4291 2.7.1: ff02::1:ffXX:XXXX, the low 24 bits of addr. */
struct in6_addr ipv6_solicited_node(const struct in6_addr *addr);
/* RFC 2464 7: 33:33 and the low 32 bits of a multicast group. */
struct mac ipv6_multicast_mac(const struct in6_addr *group);

/* ICMPv6 (RFC 4443) echo, the IPv6 twin of struct icmp_echo. */
#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY 129
#define ICMPV6_DEFAULT_HOP_LIMIT 64

struct icmpv6_echo {
	struct eth_header eth;
	struct ipv6_header ip;
	uint8_t type;        /* ICMPV6_ECHO_REQUEST or ICMPV6_ECHO_REPLY */
	uint16_t ident;
	uint16_t sequence;
};

/* Decode an Ethernet frame carrying an ICMPv6 echo request or reply: code 0,
 * checksum verified, at least the 8-byte header. Other ICMPv6 is FRAME_NOT_MINE. */
int icmpv6_echo_decode(const uint8_t *buf, size_t len, struct icmpv6_echo *out);
/* Build an echo frame with payload_len pattern bytes; hop limit ip.hop_limit (0: 64).
 * Returns the frame length, 0 if cap is too small. */
size_t icmpv6_echo_encode(const struct icmpv6_echo *echo, size_t payload_len, uint8_t *buf,
			  size_t cap);
/* Echo request from SRC (at src_mac) to DST at dst_mac, untagged. */
void icmpv6_make_echo_request(struct icmpv6_echo *e, const struct mac *src_mac,
			      const struct in6_addr *src, const struct mac *dst_mac,
			      const struct in6_addr *dst, uint16_t ident, uint16_t sequence);

/* Neighbor Discovery (RFC 4861): message types, flags and options. */
#define NDP_ROUTER_SOLICIT 133
#define NDP_ROUTER_ADVERT 134
#define NDP_NEIGHBOR_SOLICIT 135
#define NDP_NEIGHBOR_ADVERT 136
#define NDP_REDIRECT 137
#define NDP_HOP_LIMIT 255

#define NDP_NA_ROUTER 0x80    /* flags byte of a Neighbor Advertisement */
#define NDP_NA_SOLICITED 0x40
#define NDP_NA_OVERRIDE 0x20
#define NDP_RA_MANAGED 0x80   /* flags byte of a Router Advertisement */
#define NDP_RA_OTHER 0x40
#define NDP_PREFIX_ON_LINK 0x80 /* flags byte of a Prefix Information option */
#define NDP_PREFIX_AUTONOMOUS 0x40

#define NDP_OPT_SOURCE_LLADDR 1
#define NDP_OPT_TARGET_LLADDR 2
#define NDP_OPT_PREFIX_INFO 3
#define NDP_OPT_REDIRECTED_HEADER 4
#define NDP_OPT_MTU 5
#define NDP_OPT_NONCE 14      /* RFC 3971 5.3.2, used by DAD (RFC 7527) */
#define NDP_NONCE_LEN 6       /* the nonce a one-unit option carries (what Linux sends) */
#define NDP_MAX_PREFIXES 4

struct ndp_prefix {
	struct in6_addr prefix;
	uint8_t prefix_len;
	uint8_t flags;               /* NDP_PREFIX_* */
	uint32_t valid_lifetime;     /* seconds, 0xffffffff: infinite */
	uint32_t preferred_lifetime;
};

struct ndp_msg {
	struct eth_header eth;
	struct ipv6_header ip;
	uint8_t type;                /* NDP_ROUTER_SOLICIT .. NDP_REDIRECT */
	uint8_t flags;               /* NA: NDP_NA_*; RA: NDP_RA_* (the byte as sent) */
	struct in6_addr target;      /* NS, NA, redirect */
	struct in6_addr destination; /* redirect */
	struct {                     /* router advertisement */
		uint8_t cur_hop_limit;
		uint16_t lifetime;       /* seconds; 0: not a default router */
		uint32_t reachable_ms;
		uint32_t retrans_ms;
		uint32_t mtu;            /* from the MTU option, 0 without one */
		unsigned prefix_count;   /* prefixes stored below */
		unsigned prefixes_omitted; /* further Prefix Information options, not stored */
		struct ndp_prefix prefix[NDP_MAX_PREFIXES];
	} ra;
	/* Options; when one appears twice the first counts, as in Linux. */
	bool has_source_lladdr;
	bool has_target_lladdr;
	bool has_nonce;
	struct mac source_lladdr;
	struct mac target_lladdr;
	uint8_t nonce[NDP_NONCE_LEN];
};

/*
 * Decode an Ethernet frame carrying a Neighbor Discovery message (ICMPv6 types
 * 133-137) and apply RFC 4861's validity rules (6.1.1, 6.1.2, 7.1.1, 7.1.2, 8.1).
 * FRAME_NOT_MINE: not IPv6, not ICMPv6 (extension headers as for ipv6_decode), or
 * another ICMPv6 type. FRAME_TRUNCATED: the buffer ends before the IPv6 payload does.
 * FRAME_INCONSISTENT, for a message a host must discard:
 *   hop limit other than 255, bad checksum, code other than 0, a message shorter than
 *   its type (RS 8, RA 16, NS/NA 24, redirect 40 bytes), an option of length zero or
 *   overrunning the message, a link-layer option whose length is not one unit
 *   (Ethernet, RFC 2464 8) or whose address is multicast, an MTU or Prefix
 *   Information option of the wrong length, a multicast Ethernet source;
 *   NS: multicast target; from :: without a solicited-node destination or with a
 *   source link-layer option;
 *   NA: multicast target; Solicited set on a multicast destination;
 *   RS: from :: with a source link-layer option;
 *   RA and redirect: source not link-local; redirect: multicast destination, or a
 *   target neither link-local nor the destination.
 * Unknown options are skipped; so are known options in messages they do not belong to.
 */
int ndp_decode(const uint8_t *buf, size_t len, struct ndp_msg *out);
/*
 * Build a Neighbor Solicitation or Advertisement frame (m->type) with hop limit 255,
 * the options m->has_* asks for (source, then target link-layer address, then nonce)
 * and the checksum. Returns the frame length; 0 if cap is too small or m->type is
 * neither NS nor NA. It encodes what it is given: the makers below give valid messages.
 */
size_t ndp_encode(const struct ndp_msg *m, uint8_t *buf, size_t cap);

/*
 * Neighbor Solicitation for TARGET from SRC_IP at src_mac, with the source link-layer
 * option. dst_mac NULL: to TARGET's solicited-node group at its multicast MAC (address
 * resolution); otherwise unicast to TARGET at dst_mac (a reachability probe). Clear
 * m->has_source_lladdr for a solicitation without the option.
 */
void ndp_make_ns(struct ndp_msg *m, const struct mac *src_mac, const struct in6_addr *src_ip,
		 const struct in6_addr *target, const struct mac *dst_mac);
/* Duplicate address detection (RFC 4862 5.4.2): NS for TARGET from ::, no source
 * link-layer option, to TARGET's solicited-node group. */
void ndp_make_dad_ns(struct ndp_msg *m, const struct mac *src_mac, const struct in6_addr *target);
/*
 * Unsolicited NA (RFC 4861 7.2.6): ADDR is at src_mac, from ADDR to all-nodes (ff02::1
 * at 33:33:00:00:00:01) with the target link-layer option; flags NDP_NA_* as the
 * caller chooses (Override for a preferred address, not for an optimistic one;
 * Router when the interface forwards). Receivers discard NDP_NA_SOLICITED here.
 */
void ndp_make_unsolicited_na(struct ndp_msg *m, const struct mac *src_mac,
			     const struct in6_addr *addr, uint8_t flags);
/* NA for ADDR from ADDR, unicast to DST_IP at dst_mac, with the target link-layer
 * option and flags NDP_NA_* (a solicited answer sets NDP_NA_SOLICITED). */
void ndp_make_na(struct ndp_msg *m, const struct mac *src_mac, const struct in6_addr *addr,
		 uint8_t flags, const struct in6_addr *dst_ip, const struct mac *dst_mac);

#endif
