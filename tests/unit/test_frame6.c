/*
 * IPv6, ICMPv6 and Neighbor Discovery in the frame codec: the exact bytes of what
 * arpkit sends, real frames from the Linux kernel, every validity rule of RFC 4861,
 * truncation at every length, and options and extension headers with hostile lengths.
 *
 * Where the expected bytes come from (never from arpkit's encoder):
 *  - linux_*: frames Linux 6.18 sent in a namespace lab (two hosts on a bridge,
 *    `ip -6 addr add` with and without DAD, ndisc_notify=1, forwarding=1 on the
 *    answering host, `ping -6 -c 1`), captured with tcpdump, which printed
 *    "[icmp6 sum ok]" for each;
 *  - ref_*: tests/unit/fixtures/ipv6_reference.py (struct and socket.inet_pton with its
 *    own RFC 1071 sum); `python3 ipv6_reference.py x.pcap; tcpdump -vv -r x.pcap` says
 *    "[icmp6 sum ok]" and decodes the fields named in each comment.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "frame.h"

/* Captured from Linux: DAD probe for 2001:db8::20 from 02:00:00:00:00:0a, nonce option. */
static const uint8_t linux_dad_ns[86] = {
	0x33, 0x33, 0xff, 0x00, 0x00, 0x20, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0xff, 0x00, 0x00, 0x20, 0x87, 0x00, 0xb3, 0x76, 0x00, 0x00,
	0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x0e, 0x01, 0x1a, 0x28, 0x6f, 0x0b,
	0x01, 0xfc,
};

/* Linux: NS who-has 2001:db8::20 from 2001:db8::10 (02:00:00:00:00:0a), source LL option. */
static const uint8_t linux_ns[86] = {
	0x33, 0x33, 0xff, 0x00, 0x00, 0x20, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x10, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0xff, 0x00, 0x00, 0x20, 0x87, 0x00, 0x1b, 0xd3, 0x00, 0x00,
	0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x0a,
};

/* Linux: the answer, NA 2001:db8::20 is-at 02:00:00:00:00:0b, Solicited|Override. */
static const uint8_t linux_na_solicited[86] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x20, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x88, 0x00, 0x8a, 0x1d, 0x60, 0x00,
	0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x0b,
};

/* Linux (ndisc_notify, forwarding): unsolicited NA for 2001:db8::21 to ff02::1,
 * Router|Override. */
static const uint8_t linux_na_unsolicited[86] = {
	0x33, 0x33, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x21, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x88, 0x00, 0x78, 0xe0, 0xa0, 0x00,
	0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x0b,
};

/* Linux answering a DAD probe for its 2001:db8::20: NA to ff02::1, Router|Override,
 * no Solicited. */
static const uint8_t linux_na_dad_answer[86] = {
	0x33, 0x33, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x20, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x88, 0x00, 0x78, 0xe2, 0xa0, 0x00,
	0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x0b,
};

/* Linux: RS from fe80::ff:fe00:a to ff02::2 with the source LL option. */
static const uint8_t linux_rs[70] = {
	0x33, 0x33, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x10, 0x3a, 0xff, 0xfe, 0x80,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xfe, 0x00,
	0x00, 0x0a, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x85, 0x00, 0x7b, 0x1a, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
};

/* Linux ping -6: echo request 2001:db8::10 -> ::20, id 32510, seq 1, flow label 0xffc93. */
static const uint8_t linux_echo_request[118] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x86, 0xdd, 0x60, 0x0f, 0xfc, 0x93, 0x00, 0x40, 0x3a, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x80, 0x00, 0x25, 0x4c, 0x7e, 0xfe,
	0x00, 0x01, 0x3d, 0x3d, 0x0e, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x6f, 0x1c,
	0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
	0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21,
	0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d,
	0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

/* Linux: its echo reply. */
static const uint8_t linux_echo_reply[118] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b,
	0x86, 0xdd, 0x60, 0x0f, 0x01, 0xf9, 0x00, 0x40, 0x3a, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x20, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x81, 0x00, 0x24, 0x4c, 0x7e, 0xfe,
	0x00, 0x01, 0x3d, 0x3d, 0x0e, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x6f, 0x1c,
	0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
	0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21,
	0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d,
	0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

/* Linux: MLDv2 report from ::, behind a Hop-by-Hop header (Router Alert, PadN). */
static const uint8_t linux_mld_report[90] = {
	0x33, 0x33, 0x00, 0x00, 0x00, 0x16, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0x3a, 0x00, 0x05, 0x02, 0x00, 0x00,
	0x01, 0x00, 0x8f, 0x00, 0x6f, 0x80, 0x00, 0x00, 0x00, 0x01, 0x04, 0x00,
	0x00, 0x00, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0xff, 0x00, 0x00, 0x0a,
};

/* Reference: NS who-has 2001:db8::1 from 2001:db8::11, unicast to 02:00:00:00:00:01. */
static const uint8_t ref_ns_unicast[86] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x20,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x11, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x87, 0x00, 0xec, 0x45, 0x00, 0x00,
	0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x20,
};

/* Reference: the same NS to ff02::1:ff00:1 (33:33:ff:00:00:01), VLAN 42, priority 5. */
static const uint8_t ref_ns_vlan[90] = {
	0x33, 0x33, 0xff, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x20,
	0x81, 0x00, 0xa0, 0x2a, 0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20,
	0x3a, 0xff, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x00, 0x00, 0x01, 0x87, 0x00,
	0x1b, 0xfa, 0x00, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x20,
};

/* Reference: DAD probe for 2001:db8::11 from ::, no option. */
static const uint8_t ref_dad_ns[78] = {
	0x33, 0x33, 0xff, 0x00, 0x00, 0x11, 0x02, 0x00, 0x00, 0x00, 0x00, 0x20,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x3a, 0xff, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0xff, 0x00, 0x00, 0x11, 0x87, 0x00, 0x4c, 0xcd, 0x00, 0x00,
	0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x11,
};

/* Reference: NA 2001:db8::11 to fe80::1 at 02:00:00:00:00:01, Solicited|Override. */
static const uint8_t ref_na_solicited[86] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x20,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x11, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x88, 0x00, 0xb9, 0x6d, 0x60, 0x00,
	0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x20,
};

/* Reference: echo request 2001:db8::11 -> 2001:db8::1, id 0xbeef, seq 7, 8 bytes. */
static const uint8_t ref_echo_request[70] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x20,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x10, 0x3a, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x11, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x80, 0x00, 0x18, 0xea, 0xbe, 0xef,
	0x00, 0x07, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
};

/* Reference: the same with 7 bytes and sequence 8 (an odd length for the sum). */
static const uint8_t ref_echo_odd[69] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x20,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x3a, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x11, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x80, 0x00, 0x19, 0x01, 0xbe, 0xef,
	0x00, 0x08, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
};

/* Reference: RA from fe80::1, hop limit 64, M|O, lifetime 1800, reachable 30000,
 * retrans 1000; source LL, MTU 1500, prefix 2001:db8::/64 L|A 86400/14400, RDNSS. */
static const uint8_t ref_ra[142] = {
	0x33, 0x33, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x58, 0x3a, 0xff, 0xfe, 0x80,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0x00, 0x68, 0x81, 0x40, 0xc0,
	0x07, 0x08, 0x00, 0x00, 0x75, 0x30, 0x00, 0x00, 0x03, 0xe8, 0x01, 0x01,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x05, 0xdc, 0x03, 0x04, 0x40, 0xc0, 0x00, 0x01, 0x51, 0x80, 0x00, 0x00,
	0x38, 0x40, 0x00, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x19, 0x03,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x58, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53,
};

/* Reference: redirect from fe80::1: 2001:db8:1::5 via fe80::2 (target LL
 * 02:00:00:00:00:02), then an empty redirected-header option. */
static const uint8_t ref_redirect[110] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x20, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x38, 0x3a, 0xff, 0xfe, 0x80,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0x89, 0x00, 0x15, 0xfb, 0x00, 0x00,
	0x00, 0x00, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x02, 0x01,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00,
};

static const struct mac mac_a = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}};
static const struct mac mac_b = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0b}};
static const struct mac ours = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x20}};
static const struct mac peer = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};

#define ICMPV6_CODE 1 /* offsets inside an ICMPv6 message */
#define ICMPV6_SUM 2
#define NDP_FLAGS 4
#define NDP_TARGET 8
#define NDP_OPTIONS 24

static struct in6_addr ip6(const char *text)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, text, &a), 1);
	return a;
}

static void assert_ip6(const struct in6_addr *a, const char *text)
{
	struct in6_addr want = ip6(text);

	assert_memory_equal(a, &want, sizeof(want));
}

static void assert_mac(const struct mac *m, const struct mac *want)
{
	assert_memory_equal(m->octet, want->octet, MAC_LEN);
}

/* A frame the tests bend: bytes, the IPv6 header's and the ICMPv6 message's offsets. */
struct frame6 {
	uint8_t b[512];
	size_t len;
	size_t l3;
	size_t icmp;
};

static void load(struct frame6 *f, const uint8_t *bytes, size_t len)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->b, bytes, len);
	f->len = len;
	f->l3 = bytes[12] == 0x81 ? 18 : 14;
	f->icmp = f->l3 + IPV6_HDR_LEN;
}

#define LOAD(f, array) load(f, array, sizeof(array))

#define MSG(f) ((f)->b + (f)->icmp) /* the ICMPv6 message */

static size_t payload_len(const struct frame6 *f)
{
	return (size_t)f->b[f->l3 + 4] << 8 | f->b[f->l3 + 5];
}

static void set_payload_len(struct frame6 *f, size_t n)
{
	f->b[f->l3 + 4] = (uint8_t)(n >> 8);
	f->b[f->l3 + 5] = (uint8_t)n;
}

static void set_addr(struct frame6 *f, size_t at, const char *text)
{
	struct in6_addr a = ip6(text);

	memcpy(f->b + at, a.s6_addr, 16);
}

#define SRC(f) ((f)->l3 + 8)
#define DST(f) ((f)->l3 + 24)

/* Recompute the ICMPv6 checksum after a change, so only the rule under test fails.
 * (ipv6_upper_checksum itself is pinned by the Linux and reference frames.) */
static void resign(struct frame6 *f)
{
	struct in6_addr src, dst;
	size_t end = f->l3 + IPV6_HDR_LEN + payload_len(f);
	uint16_t sum;

	memcpy(src.s6_addr, f->b + SRC(f), 16);
	memcpy(dst.s6_addr, f->b + DST(f), 16);
	MSG(f)[ICMPV6_SUM] = MSG(f)[ICMPV6_SUM + 1] = 0;
	sum = ipv6_upper_checksum(&src, &dst, IPV6_NEXT_ICMPV6, MSG(f), end - f->icmp);
	MSG(f)[ICMPV6_SUM] = (uint8_t)(sum >> 8);
	MSG(f)[ICMPV6_SUM + 1] = (uint8_t)sum;
}

/* Append bytes at the end of the ICMPv6 message (an option), keeping lengths right. */
static void append(struct frame6 *f, const uint8_t *bytes, size_t n)
{
	memcpy(f->b + f->len, bytes, n);
	f->len += n;
	set_payload_len(f, payload_len(f) + n);
	resign(f);
}

/* Insert an extension header right after the fixed IPv6 header: hdr[0] is replaced by
 * the current next header, and the fixed header then names `type`. */
static void insert_ext(struct frame6 *f, uint8_t type, const uint8_t *hdr, size_t n)
{
	size_t at = f->l3 + IPV6_HDR_LEN;

	memmove(f->b + at + n, f->b + at, f->len - at);
	memcpy(f->b + at, hdr, n);
	f->b[at] = f->b[f->l3 + 6];
	f->b[f->l3 + 6] = type;
	f->len += n;
	f->icmp += n;
	set_payload_len(f, payload_len(f) + n);
	resign(f);
}

static int ndp(const struct frame6 *f)
{
	struct ndp_msg m;

	return ndp_decode(f->b, f->len, &m);
}

static int echo6(const struct frame6 *f)
{
	struct icmpv6_echo e;

	return icmpv6_echo_decode(f->b, f->len, &e);
}

static void assert_encoded(const uint8_t *buf, size_t len, const uint8_t *want, size_t want_len)
{
	assert_int_equal(len, want_len);
	assert_memory_equal(buf, want, want_len);
}

static void test_builders_match_linux(void **state)
{
	static const uint8_t nonce[NDP_NONCE_LEN] = {0x1a, 0x28, 0x6f, 0x0b, 0x01, 0xfc};
	struct in6_addr a10 = ip6("2001:db8::10"), a20 = ip6("2001:db8::20");
	struct in6_addr a21 = ip6("2001:db8::21");
	uint8_t buf[FRAME_MAX];
	struct ndp_msg m;

	(void)state;
	/* The kernel's DAD probe carries a nonce (RFC 7527); ours can too. */
	ndp_make_dad_ns(&m, &mac_a, &a20);
	m.has_nonce = true;
	memcpy(m.nonce, nonce, sizeof(nonce));
	assert_encoded(buf, ndp_encode(&m, buf, sizeof(buf)), linux_dad_ns, sizeof(linux_dad_ns));

	ndp_make_ns(&m, &mac_a, &a10, &a20, NULL);
	assert_encoded(buf, ndp_encode(&m, buf, sizeof(buf)), linux_ns, sizeof(linux_ns));

	ndp_make_na(&m, &mac_b, &a20, NDP_NA_SOLICITED | NDP_NA_OVERRIDE, &a10, &mac_a);
	assert_encoded(buf, ndp_encode(&m, buf, sizeof(buf)), linux_na_solicited,
		       sizeof(linux_na_solicited));

	ndp_make_unsolicited_na(&m, &mac_b, &a21, NDP_NA_ROUTER | NDP_NA_OVERRIDE);
	assert_encoded(buf, ndp_encode(&m, buf, sizeof(buf)), linux_na_unsolicited,
		       sizeof(linux_na_unsolicited));
}

static void test_builders_match_reference(void **state)
{
	struct in6_addr a1 = ip6("2001:db8::1"), a11 = ip6("2001:db8::11");
	struct in6_addr gateway = ip6("fe80::1");
	uint8_t buf[FRAME_MAX];
	struct icmpv6_echo e;
	struct ndp_msg m;

	(void)state;
	ndp_make_ns(&m, &ours, &a11, &a1, &peer);
	assert_encoded(buf, ndp_encode(&m, buf, sizeof(buf)), ref_ns_unicast,
		       sizeof(ref_ns_unicast));

	ndp_make_ns(&m, &ours, &a11, &a1, NULL);
	m.eth.vlan = 42;
	m.eth.priority = 5;
	assert_encoded(buf, ndp_encode(&m, buf, sizeof(buf)), ref_ns_vlan, sizeof(ref_ns_vlan));

	ndp_make_dad_ns(&m, &ours, &a11);
	assert_false(m.has_source_lladdr);
	assert_encoded(buf, ndp_encode(&m, buf, sizeof(buf)), ref_dad_ns, sizeof(ref_dad_ns));

	ndp_make_na(&m, &ours, &a11, NDP_NA_SOLICITED | NDP_NA_OVERRIDE, &gateway, &peer);
	assert_encoded(buf, ndp_encode(&m, buf, sizeof(buf)), ref_na_solicited,
		       sizeof(ref_na_solicited));

	icmpv6_make_echo_request(&e, &ours, &a11, &peer, &a1, 0xbeef, 7);
	assert_encoded(buf, icmpv6_echo_encode(&e, 8, buf, sizeof(buf)), ref_echo_request,
		       sizeof(ref_echo_request));
	e.sequence = 8;
	assert_encoded(buf, icmpv6_echo_encode(&e, 7, buf, sizeof(buf)), ref_echo_odd,
		       sizeof(ref_echo_odd));
}

static void test_ns_without_source_option(void **state)
{
	struct in6_addr a1 = ip6("2001:db8::1"), a11 = ip6("2001:db8::11");
	uint8_t buf[FRAME_MAX];
	struct ndp_msg m, back;
	size_t len;

	(void)state;
	ndp_make_ns(&m, &ours, &a11, &a1, &peer);
	m.has_source_lladdr = false;
	len = ndp_encode(&m, buf, sizeof(buf));
	assert_int_equal(len, 14 + 40 + 24);
	assert_int_equal(ndp_decode(buf, len, &back), 0);
	assert_false(back.has_source_lladdr);
	assert_ip6(&back.target, "2001:db8::1");
	/* Reserved bits of an NA's flags never leave the encoder. */
	ndp_make_na(&m, &ours, &a11, 0xff, &a1, &peer);
	len = ndp_encode(&m, buf, sizeof(buf));
	assert_int_equal(buf[14 + 40 + NDP_FLAGS], 0xe0);
	assert_int_equal(buf[14 + 40 + NDP_FLAGS + 1], 0);
	assert_int_equal(ndp_decode(buf, len, &back), 0);
	assert_int_equal(back.flags, NDP_NA_ROUTER | NDP_NA_SOLICITED | NDP_NA_OVERRIDE);
}

static void test_decode_linux_ndp(void **state)
{
	struct ndp_msg m;

	(void)state;
	assert_int_equal(ndp_decode(linux_dad_ns, sizeof(linux_dad_ns), &m), 0);
	assert_int_equal(m.type, NDP_NEIGHBOR_SOLICIT);
	assert_true(ipv6_is_unspecified(&m.ip.src));
	assert_ip6(&m.ip.dst, "ff02::1:ff00:20");
	assert_ip6(&m.target, "2001:db8::20");
	assert_int_equal(m.ip.hop_limit, 255);
	assert_false(m.has_source_lladdr);
	assert_true(m.has_nonce);
	assert_memory_equal(m.nonce, linux_dad_ns + 80, NDP_NONCE_LEN);
	assert_mac(&m.eth.src, &mac_a);
	assert_int_equal(m.eth.vlan, VLAN_NONE);

	assert_int_equal(ndp_decode(linux_ns, sizeof(linux_ns), &m), 0);
	assert_ip6(&m.ip.src, "2001:db8::10");
	assert_true(m.has_source_lladdr);
	assert_mac(&m.source_lladdr, &mac_a);
	assert_false(m.has_nonce);
	assert_false(m.has_target_lladdr);

	assert_int_equal(ndp_decode(linux_na_solicited, sizeof(linux_na_solicited), &m), 0);
	assert_int_equal(m.type, NDP_NEIGHBOR_ADVERT);
	assert_int_equal(m.flags, NDP_NA_SOLICITED | NDP_NA_OVERRIDE);
	assert_ip6(&m.target, "2001:db8::20");
	assert_true(m.has_target_lladdr);
	assert_mac(&m.target_lladdr, &mac_b);
	assert_false(m.has_source_lladdr);

	assert_int_equal(ndp_decode(linux_na_unsolicited, sizeof(linux_na_unsolicited), &m), 0);
	assert_int_equal(m.flags, NDP_NA_ROUTER | NDP_NA_OVERRIDE);
	assert_ip6(&m.ip.dst, "ff02::1");
	assert_ip6(&m.target, "2001:db8::21");

	/* A duplicate answering a DAD probe: unsolicited in form (to ff02::1, no S). */
	assert_int_equal(ndp_decode(linux_na_dad_answer, sizeof(linux_na_dad_answer), &m), 0);
	assert_int_equal(m.flags, NDP_NA_ROUTER | NDP_NA_OVERRIDE);
	assert_ip6(&m.target, "2001:db8::20");
	assert_mac(&m.target_lladdr, &mac_b);

	assert_int_equal(ndp_decode(linux_rs, sizeof(linux_rs), &m), 0);
	assert_int_equal(m.type, NDP_ROUTER_SOLICIT);
	assert_ip6(&m.ip.src, "fe80::ff:fe00:a");
	assert_ip6(&m.ip.dst, "ff02::2");
	assert_mac(&m.source_lladdr, &mac_a);
}

static void test_decode_linux_echo_and_others(void **state)
{
	struct icmpv6_echo e;
	struct ipv6_header ip;
	struct ndp_msg m;
	struct arp_frame arp;
	struct icmp_echo e4;

	(void)state;
	assert_int_equal(icmpv6_echo_decode(linux_echo_request, sizeof(linux_echo_request), &e), 0);
	assert_int_equal(e.type, ICMPV6_ECHO_REQUEST);
	assert_int_equal(e.ident, 32510);
	assert_int_equal(e.sequence, 1);
	assert_int_equal(e.ip.flow_label, 0xffc93);
	assert_int_equal(e.ip.traffic_class, 0);
	assert_int_equal(e.ip.hop_limit, 64);
	assert_int_equal(e.ip.payload_len, 64);
	assert_ip6(&e.ip.src, "2001:db8::10");
	assert_int_equal(icmpv6_echo_decode(linux_echo_reply, sizeof(linux_echo_reply), &e), 0);
	assert_int_equal(e.type, ICMPV6_ECHO_REPLY);
	assert_int_equal(e.ident, 32510);
	assert_int_equal(e.ip.flow_label, 0xf01f9);

	/* Each decoder leaves the others' frames alone. */
	assert_int_equal(ndp_decode(linux_echo_reply, sizeof(linux_echo_reply), &m),
			 FRAME_NOT_MINE);
	assert_int_equal(icmpv6_echo_decode(linux_ns, sizeof(linux_ns), &e), FRAME_NOT_MINE);
	assert_int_equal(arp_decode(linux_ns, sizeof(linux_ns), &arp), FRAME_NOT_MINE);
	assert_int_equal(icmp_echo_decode(linux_echo_reply, sizeof(linux_echo_reply), &e4),
			 FRAME_NOT_MINE);

	/* MLD behind Hop-by-Hop (Router Alert and PadN): walked, then not ours. */
	assert_int_equal(ipv6_decode(linux_mld_report + 14, sizeof(linux_mld_report) - 14, &ip), 0);
	assert_int_equal(ip.next_header, IPV6_NEXT_ICMPV6);
	assert_int_equal(ip.upper_offset, 48);
	assert_int_equal(ip.upper_len, 28);
	assert_int_equal(ndp_decode(linux_mld_report, sizeof(linux_mld_report), &m),
			 FRAME_NOT_MINE);
	assert_int_equal(icmpv6_echo_decode(linux_mld_report, sizeof(linux_mld_report), &e),
			 FRAME_NOT_MINE);
}

static void test_decode_ra_and_redirect(void **state)
{
	struct ndp_msg m;

	(void)state;
	assert_int_equal(ndp_decode(ref_ra, sizeof(ref_ra), &m), 0);
	assert_int_equal(m.type, NDP_ROUTER_ADVERT);
	assert_int_equal(m.flags, NDP_RA_MANAGED | NDP_RA_OTHER);
	assert_int_equal(m.ra.cur_hop_limit, 64);
	assert_int_equal(m.ra.lifetime, 1800);
	assert_int_equal(m.ra.reachable_ms, 30000);
	assert_int_equal(m.ra.retrans_ms, 1000);
	assert_int_equal(m.ra.mtu, 1500);
	assert_true(m.has_source_lladdr);
	assert_mac(&m.source_lladdr, &peer);
	assert_int_equal(m.ra.prefix_count, 1);
	assert_int_equal(m.ra.prefixes_omitted, 0);
	assert_ip6(&m.ra.prefix[0].prefix, "2001:db8::");
	assert_int_equal(m.ra.prefix[0].prefix_len, 64);
	assert_int_equal(m.ra.prefix[0].flags, NDP_PREFIX_ON_LINK | NDP_PREFIX_AUTONOMOUS);
	assert_int_equal(m.ra.prefix[0].valid_lifetime, 86400);
	assert_int_equal(m.ra.prefix[0].preferred_lifetime, 14400);

	assert_int_equal(ndp_decode(ref_redirect, sizeof(ref_redirect), &m), 0);
	assert_int_equal(m.type, NDP_REDIRECT);
	assert_ip6(&m.target, "fe80::2");
	assert_ip6(&m.destination, "2001:db8:1::5");
	assert_true(m.has_target_lladdr);
	assert_int_equal(m.target_lladdr.octet[5], 0x02);
}

struct sample {
	const char *name;
	const uint8_t *bytes;
	size_t len;
	bool is_ndp; /* else an echo */
};

#define SAMPLE(array, ndp) {#array, array, sizeof(array), ndp}

static const struct sample samples[] = {
	SAMPLE(linux_dad_ns, true),        SAMPLE(linux_ns, true),
	SAMPLE(linux_na_solicited, true),  SAMPLE(linux_na_unsolicited, true),
	SAMPLE(linux_na_dad_answer, true), SAMPLE(linux_rs, true),
	SAMPLE(ref_ns_unicast, true),      SAMPLE(ref_ns_vlan, true),
	SAMPLE(ref_dad_ns, true),          SAMPLE(ref_na_solicited, true),
	SAMPLE(ref_ra, true),              SAMPLE(ref_redirect, true),
	SAMPLE(linux_echo_request, false), SAMPLE(linux_echo_reply, false),
	SAMPLE(ref_echo_request, false),   SAMPLE(ref_echo_odd, false),
};

#define SAMPLE_COUNT (sizeof(samples) / sizeof(samples[0]))

static int decode_sample(const struct sample *s, const uint8_t *buf, size_t len)
{
	struct ndp_msg m;
	struct icmpv6_echo e;

	return s->is_ndp ? ndp_decode(buf, len, &m) : icmpv6_echo_decode(buf, len, &e);
}

static void test_truncation_at_every_length(void **state)
{
	uint8_t buf[512];

	(void)state;
	for (size_t i = 0; i < SAMPLE_COUNT; i++) {
		const struct sample *s = &samples[i];

		/* A copy in a buffer of its own size, so ASan sees any read past the end. */
		for (size_t cut = 0; cut < s->len; cut++) {
			uint8_t *exact = test_malloc(cut ? cut : 1);

			memcpy(exact, s->bytes, cut);
			if (decode_sample(s, exact, cut) != FRAME_TRUNCATED)
				fail_msg("%s cut to %zu bytes is not FRAME_TRUNCATED", s->name, cut);
			test_free(exact);
		}
		assert_int_equal(decode_sample(s, s->bytes, s->len), 0);
		/* Link padding after the IPv6 payload is not part of the message. */
		memset(buf, 0xee, sizeof(buf));
		memcpy(buf, s->bytes, s->len);
		if (decode_sample(s, buf, s->len + 20) != 0)
			fail_msg("%s with trailing padding is refused", s->name);
	}
}

static void test_ndp_hop_limit_code_and_checksum(void **state)
{
	struct frame6 f;

	(void)state;
	for (size_t i = 0; i < SAMPLE_COUNT; i++) {
		if (!samples[i].is_ndp)
			continue;
		/* RFC 4861: a hop limit below 255 means a router forwarded it: off-link. */
		load(&f, samples[i].bytes, samples[i].len);
		f.b[f.l3 + 7] = 254;
		assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
		f.b[f.l3 + 7] = 64;
		assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
		f.b[f.l3 + 7] = 255;
		assert_int_equal(ndp(&f), 0);

		MSG(&f)[ICMPV6_CODE] = 1;
		resign(&f);
		assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
		MSG(&f)[ICMPV6_CODE] = 0;
		resign(&f);
		assert_int_equal(ndp(&f), 0);

		/* Every single-bit error in the message breaks the checksum. */
		for (size_t at = f.icmp; at < f.len; at++) {
			f.b[at] ^= 0x10;
			assert_int_not_equal(ndp(&f), 0);
			f.b[at] ^= 0x10;
		}
		/* So does one in the addresses, through the pseudo-header. */
		f.b[SRC(&f) + 15] ^= 1;
		assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
		f.b[SRC(&f) + 15] ^= 1;
		f.b[DST(&f) + 15] ^= 1;
		assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
	}
	/* An echo has no hop-limit rule. */
	LOAD(&f, linux_echo_request);
	f.b[f.l3 + 7] = 1;
	assert_int_equal(echo6(&f), 0);
	MSG(&f)[ICMPV6_CODE] = 1;
	resign(&f);
	assert_int_equal(echo6(&f), FRAME_NOT_MINE);
}

/* RFC 4861 4.3 and 7.1.1: an NS is at least 24 bytes; multicast target; DAD shape. */
static void test_neighbor_solicitation_rules(void **state)
{
	struct frame6 f;
	struct ndp_msg m;

	(void)state;
	LOAD(&f, linux_ns);
	set_payload_len(&f, 20);
	f.len = f.icmp + 20;
	resign(&f);
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);

	LOAD(&f, linux_ns);
	set_addr(&f, f.icmp + NDP_TARGET, "ff02::1");
	resign(&f);
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);

	/* From :: with a source link-layer option. */
	LOAD(&f, linux_ns);
	set_addr(&f, SRC(&f), "::");
	resign(&f);
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);

	/* From :: to anything but a solicited-node group. */
	LOAD(&f, ref_dad_ns);
	set_addr(&f, DST(&f), "ff02::1");
	resign(&f);
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
	set_addr(&f, DST(&f), "2001:db8::11");
	resign(&f);
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
	/* RFC 4861 asks for a solicited-node group, not the target's own. */
	set_addr(&f, DST(&f), "ff02::1:ff00:99");
	resign(&f);
	assert_int_equal(ndp_decode(f.b, f.len, &m), 0);
	assert_true(ipv6_is_unspecified(&m.ip.src));

	/* A multicast Ethernet source is never a station. */
	LOAD(&f, linux_ns);
	f.b[6] = 0x03;
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
	/* Nor a multicast IPv6 source (RFC 4291 2.7). */
	LOAD(&f, linux_ns);
	set_addr(&f, SRC(&f), "ff02::5");
	resign(&f);
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
}

/* RFC 4861 7.1.2: multicast target; Solicited to a multicast destination. */
static void test_neighbor_advertisement_rules(void **state)
{
	struct frame6 f;

	(void)state;
	LOAD(&f, linux_na_unsolicited);
	MSG(&f)[NDP_FLAGS] |= NDP_NA_SOLICITED;
	resign(&f);
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
	MSG(&f)[NDP_FLAGS] &= (uint8_t)~NDP_NA_SOLICITED;
	resign(&f);
	assert_int_equal(ndp(&f), 0);

	LOAD(&f, linux_na_solicited);
	set_addr(&f, f.icmp + NDP_TARGET, "ff05::2");
	resign(&f);
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);

	/* The target link-layer address must be a station's. */
	LOAD(&f, linux_na_solicited);
	MSG(&f)[NDP_OPTIONS + 2] = 0x01;
	resign(&f);
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);

	LOAD(&f, linux_na_solicited);
	set_payload_len(&f, 23);
	f.len = f.icmp + 23;
	resign(&f);
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
}

static void test_router_and_redirect_rules(void **state)
{
	struct frame6 f;
	struct ndp_msg m;

	(void)state;
	/* RS from :: must not carry a source link-layer option (RFC 4861 6.1.1). */
	LOAD(&f, linux_rs);
	set_addr(&f, SRC(&f), "::");
	resign(&f);
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
	set_payload_len(&f, 8);
	f.len = f.icmp + 8;
	resign(&f);
	assert_int_equal(ndp(&f), 0);
	set_payload_len(&f, 7);
	f.len = f.icmp + 7;
	resign(&f);
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);

	/* RA from a global address (RFC 4861 6.1.2). */
	LOAD(&f, ref_ra);
	set_addr(&f, SRC(&f), "2001:db8::1");
	resign(&f);
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
	LOAD(&f, ref_ra);
	set_payload_len(&f, 15);
	f.len = f.icmp + 15;
	resign(&f);
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
	/* MTU option of two units, prefix option of three: refused. */
	LOAD(&f, ref_ra);
	MSG(&f)[16 + 8 + 1] = 2;
	resign(&f);
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
	LOAD(&f, ref_ra);
	MSG(&f)[16 + 16 + 1] = 3;
	resign(&f);
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
	/* More prefixes than kept: counted, not stored, not an error. */
	LOAD(&f, ref_ra);
	for (int i = 0; i < NDP_MAX_PREFIXES + 1; i++)
		append(&f, MSG(&f) + 16 + 16, 32);
	assert_int_equal(ndp_decode(f.b, f.len, &m), 0);
	assert_int_equal(m.ra.prefix_count, NDP_MAX_PREFIXES);
	assert_int_equal(m.ra.prefixes_omitted, 2);

	/* Redirect (RFC 4861 8.1). */
	LOAD(&f, ref_redirect);
	set_addr(&f, SRC(&f), "2001:db8::1");
	resign(&f);
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
	LOAD(&f, ref_redirect);
	set_addr(&f, f.icmp + 24, "ff0e::1");
	resign(&f);
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
	LOAD(&f, ref_redirect);
	set_addr(&f, f.icmp + NDP_TARGET, "2001:db8::2");
	resign(&f);
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
	set_addr(&f, f.icmp + NDP_TARGET, "2001:db8:1::5"); /* on-link: target = destination */
	resign(&f);
	assert_int_equal(ndp(&f), 0);
	set_payload_len(&f, 39);
	f.len = f.icmp + 39;
	resign(&f);
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
}

/* Every value of an option's length byte, for the option types the codec knows and
 * for one it does not: one unit is the only right length for these, and nothing
 * may be read past the message. */
static void test_option_lengths_exhaustive(void **state)
{
	static const uint8_t types[] = {
		NDP_OPT_SOURCE_LLADDR, NDP_OPT_TARGET_LLADDR, NDP_OPT_PREFIX_INFO, NDP_OPT_MTU,
		NDP_OPT_NONCE, 200,
	};
	struct frame6 f;
	struct ndp_msg m;

	(void)state;
	for (size_t t = 0; t < sizeof(types); t++) {
		for (unsigned len = 0; len < 256; len++) {
			uint8_t *exact;
			int err;

			LOAD(&f, linux_ns);
			MSG(&f)[NDP_OPTIONS] = types[t];
			MSG(&f)[NDP_OPTIONS + 1] = (uint8_t)len;
			resign(&f);
			exact = test_malloc(f.len);
			memcpy(exact, f.b, f.len);
			err = ndp_decode(exact, f.len, &m);
			test_free(exact);
			if (len != 1) {
				assert_int_equal(err, FRAME_INCONSISTENT);
				continue;
			}
			assert_int_equal(err, 0);
			/* An NS keeps its source address option and its nonce, nothing else. */
			assert_int_equal(m.has_source_lladdr, types[t] == NDP_OPT_SOURCE_LLADDR);
			assert_int_equal(m.has_nonce, types[t] == NDP_OPT_NONCE);
			assert_false(m.has_target_lladdr);
		}
	}
}

static void test_option_walk(void **state)
{
	static const uint8_t unknown[16] = {200, 2, 0xde, 0xad};
	static const uint8_t second_source[8] = {NDP_OPT_SOURCE_LLADDR, 1, 2, 0, 0, 0, 0, 0x0b};
	static const uint8_t zero_option[8] = {0};
	static const uint8_t one_byte[1] = {NDP_OPT_SOURCE_LLADDR};
	static const uint8_t long_nonce[16] = {NDP_OPT_NONCE, 2, 1, 2, 3, 4, 5, 6, 7, 8};
	struct frame6 f;
	struct ndp_msg m;

	(void)state;
	/* An unknown option first is skipped by its length; the known one after it counts. */
	LOAD(&f, linux_ns);
	memmove(MSG(&f) + NDP_OPTIONS + 16, MSG(&f) + NDP_OPTIONS, 8);
	memcpy(MSG(&f) + NDP_OPTIONS, unknown, 16);
	f.len += 16;
	set_payload_len(&f, payload_len(&f) + 16);
	resign(&f);
	assert_int_equal(ndp_decode(f.b, f.len, &m), 0);
	assert_mac(&m.source_lladdr, &mac_a);

	/* Twice the same option: the first counts, as in Linux. */
	LOAD(&f, linux_ns);
	append(&f, second_source, sizeof(second_source));
	assert_int_equal(ndp_decode(f.b, f.len, &m), 0);
	assert_mac(&m.source_lladdr, &mac_a);

	/* A zero-length option anywhere (RFC 4861 4.6), a byte too few for an option. */
	LOAD(&f, linux_ns);
	append(&f, zero_option, sizeof(zero_option));
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
	LOAD(&f, linux_ns);
	append(&f, one_byte, sizeof(one_byte));
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);

	/* A link-layer option of two units that fits the message is still not Ethernet's. */
	LOAD(&f, linux_ns);
	MSG(&f)[NDP_OPTIONS + 1] = 2;
	append(&f, zero_option, sizeof(zero_option));
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
	LOAD(&f, linux_na_solicited);
	MSG(&f)[NDP_OPTIONS + 1] = 2;
	append(&f, zero_option, sizeof(zero_option));
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);

	/* A nonce longer than one unit is not the DAD nonce we compare: skipped. */
	LOAD(&f, linux_dad_ns);
	MSG(&f)[NDP_OPTIONS] = 200;
	append(&f, long_nonce, sizeof(long_nonce));
	assert_int_equal(ndp_decode(f.b, f.len, &m), 0);
	assert_false(m.has_nonce);

	/* The option an NA carries is the target's; a source option in it is ignored. */
	LOAD(&f, linux_na_solicited);
	append(&f, second_source, sizeof(second_source));
	assert_int_equal(ndp_decode(f.b, f.len, &m), 0);
	assert_false(m.has_source_lladdr);
	assert_mac(&m.target_lladdr, &mac_b);
}

/* Random bytes in the options of a valid RA, re-signed so they reach the option walk:
 * any answer is fine, a crash or a read past the end (ASan) is not. */
static void test_option_noise(void **state)
{
	uint32_t seed = 12345;
	struct frame6 f;
	struct ndp_msg m;
	unsigned accepted = 0;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t opts, n;
		uint8_t *exact;
		int err;

		LOAD(&f, ref_ra);
		opts = f.icmp + 16;
		n = (size_t)(round % 5) + 1;
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			f.b[opts + (seed >> 8) % (f.len - opts)] = (uint8_t)(seed >> 20);
		}
		resign(&f);
		exact = test_malloc(f.len);
		memcpy(exact, f.b, f.len);
		err = ndp_decode(exact, f.len, &m);
		test_free(exact);
		assert_true(err == 0 || err == FRAME_INCONSISTENT);
		accepted += err == 0;
		if (err == 0)
			assert_true(m.ra.prefix_count <= NDP_MAX_PREFIXES);
	}
	assert_true(accepted > 0); /* the noise did not only ever break the walk */
}

static void test_extension_headers(void **state)
{
	static const uint8_t padn[8] = {0, 0, 1, 4};                  /* PadN, 4 bytes */
	static const uint8_t pad1s[8] = {0, 0, 0, 0, 0, 0, 0, 0};     /* six Pad1 */
	static const uint8_t skippable[8] = {0, 0, 0x3e, 4};          /* unknown, action 00 */
	static const uint8_t discard[8] = {0, 0, 0x80, 4};            /* unknown, action 10 */
	static const uint8_t overrun[8] = {0, 0, 1, 5};               /* PadN past the end */
	static const uint8_t fragment[8] = {0, 0, 0, 0, 0, 0, 0, 1};
	static const uint8_t routing[8] = {0, 0, 4, 0};
	struct frame6 f;
	struct ndp_msg m;
	struct ipv6_header ip;

	(void)state;
	/* An NA behind Hop-by-Hop: Linux hosts accept it, so it must not be invisible. */
	LOAD(&f, linux_na_solicited);
	insert_ext(&f, IPV6_NEXT_HOP_BY_HOP, padn, sizeof(padn));
	assert_int_equal(ndp_decode(f.b, f.len, &m), 0);
	assert_int_equal(m.ip.upper_offset, 48);
	assert_int_equal(m.ip.upper_len, 32);
	assert_int_equal(m.ip.payload_len, 40);
	assert_mac(&m.target_lladdr, &mac_b);
	/* Hop-by-Hop, then Destination Options (each insertion goes in front). */
	LOAD(&f, linux_na_solicited);
	insert_ext(&f, IPV6_NEXT_DEST_OPTS, padn, sizeof(padn));
	insert_ext(&f, IPV6_NEXT_HOP_BY_HOP, pad1s, sizeof(pad1s));
	assert_int_equal(ndp_decode(f.b, f.len, &m), 0);
	assert_int_equal(m.ip.upper_offset, 56);
	assert_int_equal(m.ip.upper_len, 32);
	/* Hop-by-Hop anywhere but first is a parameter problem (RFC 8200 4.1). */
	LOAD(&f, linux_na_solicited);
	insert_ext(&f, IPV6_NEXT_HOP_BY_HOP, padn, sizeof(padn));
	insert_ext(&f, IPV6_NEXT_DEST_OPTS, pad1s, sizeof(pad1s));
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);

	LOAD(&f, linux_na_solicited);
	insert_ext(&f, IPV6_NEXT_HOP_BY_HOP, pad1s, sizeof(pad1s));
	assert_int_equal(ndp(&f), 0);
	LOAD(&f, linux_na_solicited);
	insert_ext(&f, IPV6_NEXT_DEST_OPTS, skippable, sizeof(skippable));
	assert_int_equal(ndp(&f), 0);
	/* An option receivers must discard the packet for: so do we. */
	LOAD(&f, linux_na_solicited);
	insert_ext(&f, IPV6_NEXT_HOP_BY_HOP, discard, sizeof(discard));
	assert_int_equal(ndp(&f), FRAME_NOT_MINE);
	LOAD(&f, linux_na_solicited);
	insert_ext(&f, IPV6_NEXT_HOP_BY_HOP, overrun, sizeof(overrun));
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);

	/* Fragmented NDP is ignored (RFC 6980); a Routing header ends the walk too. */
	LOAD(&f, linux_na_solicited);
	insert_ext(&f, IPV6_NEXT_FRAGMENT, fragment, sizeof(fragment));
	assert_int_equal(ndp(&f), FRAME_NOT_MINE);
	assert_int_equal(ipv6_decode(f.b + f.l3, f.len - f.l3, &ip), 0);
	assert_int_equal(ip.next_header, IPV6_NEXT_FRAGMENT);
	assert_int_equal(ip.upper_offset, 40);
	LOAD(&f, linux_echo_reply);
	insert_ext(&f, IPV6_NEXT_ROUTING, routing, sizeof(routing));
	assert_int_equal(echo6(&f), FRAME_NOT_MINE);

	/* Hop-by-Hop with no room for it, or claiming more than the payload holds. */
	LOAD(&f, linux_na_solicited);
	f.b[f.l3 + 6] = IPV6_NEXT_HOP_BY_HOP;
	set_payload_len(&f, 0);
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
	set_payload_len(&f, 7);
	assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
	LOAD(&f, linux_na_solicited);
	insert_ext(&f, IPV6_NEXT_HOP_BY_HOP, padn, sizeof(padn));
	for (unsigned len = 0; len < 256; len++) {
		f.b[f.l3 + 41] = (uint8_t)len;
		if (len == 0)
			assert_int_equal(ndp(&f), 0);
		else if (len >= 5) /* 48 bytes and more: past the 40-byte payload */
			assert_int_equal(ndp(&f), FRAME_INCONSISTENT);
		else
			assert_int_not_equal(ndp(&f), 0);
	}
}

static void test_ipv6_header(void **state)
{
	struct frame6 f;
	struct ipv6_header ip;

	(void)state;
	LOAD(&f, linux_echo_request);
	f.b[f.l3] = 0x40 | (f.b[f.l3] & 0x0f);
	assert_int_equal(ipv6_decode(f.b + f.l3, f.len - f.l3, &ip), FRAME_INCONSISTENT);
	assert_int_equal(echo6(&f), FRAME_INCONSISTENT);

	LOAD(&f, linux_echo_request);
	set_payload_len(&f, payload_len(&f) + 1);
	assert_int_equal(echo6(&f), FRAME_TRUNCATED);
	set_payload_len(&f, 3); /* shorter than an ICMPv6 header */
	assert_int_equal(echo6(&f), FRAME_INCONSISTENT);
	set_payload_len(&f, 7); /* shorter than an echo */
	assert_int_equal(echo6(&f), FRAME_INCONSISTENT);

	LOAD(&f, ref_ns_vlan);
	assert_int_equal(ipv6_decode(f.b + 18, f.len - 18, &ip), 0);
	assert_int_equal(ip.next_header, IPV6_NEXT_ICMPV6);
	assert_int_equal(ip.payload_len, 32);
	assert_int_equal(ip.upper_offset, 40);
	{
		struct ndp_msg m;

		assert_int_equal(ndp_decode(f.b, f.len, &m), 0);
		assert_int_equal(m.eth.vlan, 42);
		assert_int_equal(m.eth.priority, 5);
		assert_int_equal(m.eth.header_len, 18);
	}
	/* Q-in-Q is not ours, as for ARP. */
	f.b[16] = 0x81;
	f.b[17] = 0x00;
	assert_int_equal(ndp(&f), FRAME_NOT_MINE);
}

static void test_address_helpers(void **state)
{
	struct in6_addr a = ip6("2001:db8::1234:5678"), group;
	struct mac m;
	static const struct mac group_mac = {{0x33, 0x33, 0xff, 0x34, 0x56, 0x78}};
	static const struct mac all_nodes_mac = {{0x33, 0x33, 0, 0, 0, 1}};

	(void)state;
	group = ipv6_solicited_node(&a);
	assert_ip6(&group, "ff02::1:ff34:5678");
	assert_true(ipv6_is_solicited_node(&group));
	assert_true(ipv6_is_multicast(&group));
	m = ipv6_multicast_mac(&group);
	assert_mac(&m, &group_mac);
	m = ipv6_multicast_mac(&ipv6_all_nodes);
	assert_mac(&m, &all_nodes_mac);
	assert_ip6(&ipv6_all_nodes, "ff02::1");
	assert_ip6(&ipv6_all_routers, "ff02::2");

	a = ip6("fe80::1");
	assert_true(ipv6_is_link_local(&a));
	a = ip6("febf:ffff::1");
	assert_true(ipv6_is_link_local(&a));
	a = ip6("fec0::1");
	assert_false(ipv6_is_link_local(&a));
	a = ip6("fe7f::1");
	assert_false(ipv6_is_link_local(&a));
	a = ip6("2001:db8::1");
	assert_false(ipv6_is_link_local(&a));
	assert_false(ipv6_is_multicast(&a));
	assert_false(ipv6_is_unspecified(&a));
	a = ip6("::");
	assert_true(ipv6_is_unspecified(&a));
	a = ip6("::1");
	assert_false(ipv6_is_unspecified(&a));
	a = ip6("ff02::1:fe00:1");
	assert_false(ipv6_is_solicited_node(&a));
	a = ip6("ff02::2:ff00:1");
	assert_false(ipv6_is_solicited_node(&a));
	a = ip6("ff05::1:ff00:1");
	assert_false(ipv6_is_solicited_node(&a));
}

static void test_encode_limits(void **state)
{
	struct in6_addr a1 = ip6("2001:db8::1"), a11 = ip6("2001:db8::11");
	uint8_t buf[FRAME_MAX];
	struct ndp_msg m;
	struct icmpv6_echo e;
	struct icmp_echo e4;
	size_t len;

	(void)state;
	ndp_make_ns(&m, &ours, &a11, &a1, NULL);
	m.has_nonce = true;
	m.eth.vlan = 4095;
	len = ndp_encode(&m, buf, sizeof(buf));
	assert_int_equal(len, 18 + 40 + 24 + 8 + 8);
	for (size_t cap = 0; cap < len; cap++)
		assert_int_equal(ndp_encode(&m, buf, cap), 0);
	m.type = NDP_ROUTER_SOLICIT;
	assert_int_equal(ndp_encode(&m, buf, sizeof(buf)), 0);

	icmpv6_make_echo_request(&e, &ours, &a11, &peer, &a1, 1, 1);
	len = icmpv6_echo_encode(&e, 56, buf, sizeof(buf));
	assert_int_equal(len, 14 + 40 + 8 + 56);
	assert_true(len <= FRAME_MAX);
	for (size_t cap = 0; cap < len; cap++)
		assert_int_equal(icmpv6_echo_encode(&e, 56, buf, cap), 0);
	/* Absurd payload lengths are refused, not wrapped around. */
	assert_int_equal(icmpv6_echo_encode(&e, 0xffff - 7, buf, sizeof(buf)), 0);
	assert_int_equal(icmpv6_echo_encode(&e, (size_t)-1, buf, sizeof(buf)), 0);
	memset(&e4, 0, sizeof(e4));
	e4.eth.vlan = VLAN_NONE;
	assert_int_equal(icmp_echo_encode(&e4, (size_t)-10, buf, sizeof(buf)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builders_match_linux),
		cmocka_unit_test(test_builders_match_reference),
		cmocka_unit_test(test_ns_without_source_option),
		cmocka_unit_test(test_decode_linux_ndp),
		cmocka_unit_test(test_decode_linux_echo_and_others),
		cmocka_unit_test(test_decode_ra_and_redirect),
		cmocka_unit_test(test_truncation_at_every_length),
		cmocka_unit_test(test_ndp_hop_limit_code_and_checksum),
		cmocka_unit_test(test_neighbor_solicitation_rules),
		cmocka_unit_test(test_neighbor_advertisement_rules),
		cmocka_unit_test(test_router_and_redirect_rules),
		cmocka_unit_test(test_option_lengths_exhaustive),
		cmocka_unit_test(test_option_walk),
		cmocka_unit_test(test_option_noise),
		cmocka_unit_test(test_extension_headers),
		cmocka_unit_test(test_ipv6_header),
		cmocka_unit_test(test_address_helpers),
		cmocka_unit_test(test_encode_limits),
	};

	return cmocka_run_group_tests_name("frame6", tests, NULL, NULL);
}
