/*
 * Kernel packet filters (classic BPF) for arpkit's packet sockets: the kernel runs one
 * on every frame of the interface and wakes the process only for what it keeps, so a
 * busy link costs the reader only the frames it can use. One program per
 * enum link_filter, generated from a small table so every program handles VLAN tags,
 * short frames and IPv6 extension headers the same way (see filter.c).
 *
 * What a program sees. On a packet socket the kernel has already moved the outer
 * 802.1Q tag into metadata (SKF_AD_VLAN_TAG_PRESENT, SKF_AD_VLAN_TPID) before any
 * filter runs, so offset 12 holds the payload's EtherType; link.c and rxring.c put the
 * tag back for the decoders. Frames that reach a filter with the tag still in line
 * (no metadata: a socketpair in the tests, a driver that does not strip) are read
 * past the tag. Either way the decoders' rules hold: one 802.1Q tag (TPID 0x8100) at
 * most; a second tag (Q-in-Q) or an 802.1ad outer tag is dropped.
 *
 * Short frames. A frame shorter than the fixed headers of what it claims to be (ARP
 * 28 bytes, IPv4 20, an ICMP echo reply 8 after its IP header, IPv6 40, ICMPv6 8
 * after the IPv6 headers) is dropped, as is any frame too short for a field the
 * program reads: classic BPF ends a program with 0 (drop) on a load past the end.
 *
 * IPv6 extension headers. ICMPv6 is found directly after the IPv6 header or after
 * one Hop-by-Hop or Destination Options header, which is how an NDP message behind
 * padding (accepted by Linux hosts, so it must not be invisible) is seen. A frame
 * with a chain of such headers is kept whole whenever the filter keeps any IPv6, and
 * the decoder (ipv6_decode) judges it: a program cannot loop. Fragments and Routing
 * headers are never NDP or an echo reply (the decoders refuse them too).
 */
#ifndef ARPKIT_FILTER_H
#define ARPKIT_FILTER_H

#include <linux/filter.h>

enum link_filter {
	LINK_FILTER_ARP,          /* ARP */
	LINK_FILTER_ARP_ICMP,     /* ARP, ICMP echo replies (IPv4 announce and daemon) */
	LINK_FILTER_ARP_IPV4,     /* ARP, every IPv4 frame (watch: stale caches) */
	LINK_FILTER_NDP,          /* Neighbor Discovery: ICMPv6 133-137, hop limit 255 */
	LINK_FILTER_NDP_ECHO,     /* NDP, ICMPv6 echo replies (IPv6 announce, ping) */
	LINK_FILTER_ARP_NDP,      /* ARP and NDP: one socket for a dual-stack run */
	LINK_FILTER_ARP_NDP_ECHO, /* ARP, NDP, ICMP and ICMPv6 echo replies */
	LINK_FILTER_ARP_IP,       /* ARP, every IPv4 and IPv6 frame (watch, both families) */
	LINK_FILTER_RING_IPV4,    /* rxring: ARP whole, IPv4 cut to LINK_FILTER_SNAPLEN */
	LINK_FILTER_RING_IP,      /* rxring: ARP and NDP whole, other IPv4/IPv6 cut */
};

#define LINK_FILTER_COUNT (LINK_FILTER_RING_IP + 1)
/* What a ring keeps of a frame it only needs the headers of: Ethernet, a tag, and
 * the longest IPv4 header (18 + 60), or an IPv6 header with room to spare. */
#define LINK_FILTER_SNAPLEN 96
#define LINK_FILTER_MAX_INSNS 128

struct link_filter_program {
	struct sock_filter insn[LINK_FILTER_MAX_INSNS];
	unsigned short len;
};

/* The program for one filter: 0, or -EINVAL for a value outside enum link_filter. */
int link_filter_build(enum link_filter which, struct link_filter_program *prog);
/* Build it and attach it to a socket (SO_ATTACH_FILTER, replacing any): 0 or -errno. */
int link_filter_attach(int fd, enum link_filter which);

#endif
