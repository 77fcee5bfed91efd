/* Frame codec: round trips, the exact bytes of what we send, and hostile input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "frame.h"

static const struct mac our_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x20}};

static struct in_addr ip(const char *text)
{
	struct in_addr a;

	assert_int_equal(ipv4_parse(text, &a), 0);
	return a;
}

static void test_announce_reply_bytes(void **state)
{
	struct arp_frame f, back;
	uint8_t buf[FRAME_MAX];
	static const uint8_t expected[42] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x20, 0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x02,
		0x02, 0, 0, 0, 0, 0x20, 192, 0, 2, 11,
		0x02, 0, 0, 0, 0, 0x20, 192, 0, 2, 11,
	};
	size_t len;

	(void)state;
	arp_make_announce_reply(&f, &our_mac, ip("192.0.2.11"));
	len = arp_encode(&f, buf, sizeof(buf));
	assert_int_equal(len, ETH_MIN_FRAME);
	assert_memory_equal(buf, expected, sizeof(expected));
	for (size_t i = sizeof(expected); i < len; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(arp_decode(buf, len, &back), 0);
	assert_int_equal(back.op, ARP_OP_REPLY);
	/* RFC 5944: a gratuitous reply carries the sender's MAC as target too. */
	assert_true(mac_equal(&back.tha, &our_mac));
	assert_true(arp_is_gratuitous(&back));
	assert_false(arp_is_probe(&back));
}

static void test_probe_and_request_shapes(void **state)
{
	struct arp_frame f, back;
	uint8_t buf[FRAME_MAX];
	size_t len;

	(void)state;
	arp_make_probe(&f, &our_mac, ip("192.0.2.10"));
	len = arp_encode(&f, buf, sizeof(buf));
	assert_int_equal(arp_decode(buf, len, &back), 0);
	assert_true(arp_is_probe(&back));
	assert_false(arp_is_gratuitous(&back));
	assert_int_equal(back.spa.s_addr, 0);
	assert_true(mac_is_zero(&back.tha));
	assert_true(mac_is_broadcast(&back.eth.dst));

	arp_make_announce_request(&f, &our_mac, ip("192.0.2.10"));
	len = arp_encode(&f, buf, sizeof(buf));
	assert_int_equal(arp_decode(buf, len, &back), 0);
	assert_true(arp_is_gratuitous(&back));
	assert_int_equal(back.op, ARP_OP_REQUEST);

	arp_make_request(&f, &our_mac, ip("192.0.2.11"), ip("192.0.2.1"), &mac_broadcast);
	len = arp_encode(&f, buf, sizeof(buf));
	assert_int_equal(arp_decode(buf, len, &back), 0);
	assert_false(arp_is_gratuitous(&back));
	assert_int_equal(back.spa.s_addr, ip("192.0.2.11").s_addr);
	assert_int_equal(back.tpa.s_addr, ip("192.0.2.1").s_addr);
}

static void test_vlan_round_trip(void **state)
{
	struct arp_frame f, back;
	uint8_t buf[FRAME_MAX];
	size_t len;

	(void)state;
	arp_make_request(&f, &our_mac, ip("10.0.0.1"), ip("10.0.0.2"), &mac_broadcast);
	arp_set_vlan(&f, 42);
	f.eth.priority = 5;
	len = arp_encode(&f, buf, sizeof(buf));
	assert_int_equal(len, 64 - 4); /* 18 + 28 = 46, padded to 60 */
	assert_int_equal(buf[12], 0x81);
	assert_int_equal(buf[13], 0x00);
	assert_int_equal(buf[14], (5 << 5) | 0);
	assert_int_equal(buf[15], 42);
	assert_int_equal(arp_decode(buf, len, &back), 0);
	assert_int_equal(back.eth.vlan, 42);
	assert_int_equal(back.eth.priority, 5);
	assert_int_equal(back.eth.header_len, 18);
}

static void test_rejects_bad_frames(void **state)
{
	struct arp_frame f, back;
	uint8_t buf[FRAME_MAX];
	size_t len;

	(void)state;
	arp_make_announce_request(&f, &our_mac, ip("192.0.2.10"));
	len = arp_encode(&f, buf, sizeof(buf));

	/* Every truncation of the headers is refused, never read past. */
	for (size_t cut = 0; cut < ETH_HDR_LEN + ARP_PAYLOAD_LEN; cut++)
		assert_int_equal(arp_decode(buf, cut, &back), FRAME_TRUNCATED);

	buf[14 + 4] = 8; /* hardware length */
	assert_int_equal(arp_decode(buf, len, &back), FRAME_INCONSISTENT);
	buf[14 + 4] = 6;
	buf[14 + 7] = 9; /* opcode */
	assert_int_equal(arp_decode(buf, len, &back), FRAME_INCONSISTENT);
	buf[14 + 7] = 1;
	buf[14 + 1] = 6; /* hardware type: IEEE 802 is not ours */
	assert_int_equal(arp_decode(buf, len, &back), FRAME_NOT_MINE);
	buf[14 + 1] = 1;
	buf[14 + 8] = 0x01; /* multicast sender MAC */
	assert_int_equal(arp_decode(buf, len, &back), FRAME_INCONSISTENT);
	buf[14 + 8] = 0x02;
	buf[12] = 0x08; /* IPv4 EtherType: not ARP */
	buf[13] = 0x00;
	assert_int_equal(arp_decode(buf, len, &back), FRAME_NOT_MINE);
	buf[12] = 0x00; /* 802.3 length field */
	buf[13] = 0x40;
	assert_int_equal(arp_decode(buf, len, &back), FRAME_NOT_MINE);
}

static void test_vlan_truncated_and_qinq(void **state)
{
	uint8_t buf[FRAME_MAX] = {0};
	struct eth_header eth;

	(void)state;
	buf[12] = 0x81;
	assert_int_equal(eth_decode(buf, 15, &eth), FRAME_TRUNCATED);
	buf[16] = 0x81; /* inner tag again */
	assert_int_equal(eth_decode(buf, 60, &eth), FRAME_NOT_MINE);
}

static void test_echo_round_trip(void **state)
{
	struct icmp_echo e, back;
	uint8_t buf[FRAME_MAX];
	size_t len;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.eth.dst = mac_broadcast;
	e.eth.src = our_mac;
	e.eth.vlan = VLAN_NONE;
	e.ip.src = ip("192.0.2.11");
	e.ip.dst = ip("192.0.2.1");
	e.type = ICMP_ECHO_REQUEST;
	e.ident = 0xbeef;
	e.sequence = 7;
	len = icmp_echo_encode(&e, 56, buf, sizeof(buf));
	assert_int_equal(len, 14 + 20 + 8 + 56);
	assert_int_equal(icmp_echo_decode(buf, len, &back), 0);
	assert_int_equal(back.ident, 0xbeef);
	assert_int_equal(back.sequence, 7);
	assert_int_equal(back.ip.src.s_addr, e.ip.src.s_addr);
	assert_int_equal(back.type, ICMP_ECHO_REQUEST);

	/* A flipped bit breaks a checksum; a short buffer is truncated. */
	buf[14 + 20 + 10] ^= 1;
	assert_int_equal(icmp_echo_decode(buf, len, &back), FRAME_INCONSISTENT);
	buf[14 + 20 + 10] ^= 1;
	buf[14 + 15] ^= 1;
	assert_int_equal(icmp_echo_decode(buf, len, &back), FRAME_INCONSISTENT);
	buf[14 + 15] ^= 1;
	assert_int_equal(icmp_echo_decode(buf, len - 1, &back), FRAME_TRUNCATED);
	assert_int_equal(icmp_echo_decode(buf, 14 + 10, &back), FRAME_TRUNCATED);
	/* Too small a buffer to encode into gives 0, not an overrun. */
	assert_int_equal(icmp_echo_encode(&e, 56, buf, 40), 0);
}

static void test_ipv4_header_checks(void **state)
{
	uint8_t hdr[20] = {0x45, 0, 0, 20, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
	struct ipv4_header ip4;
	uint16_t sum = inet_checksum(hdr, 20);

	(void)state;
	hdr[10] = (uint8_t)(sum >> 8);
	hdr[11] = (uint8_t)sum;
	assert_int_equal(ipv4_decode(hdr, 20, &ip4), 0);
	assert_int_equal(ip4.protocol, 17);
	hdr[0] = 0x44; /* IHL 16 bytes */
	assert_int_equal(ipv4_decode(hdr, 20, &ip4), FRAME_INCONSISTENT);
	hdr[0] = 0x65; /* version 6 */
	assert_int_equal(ipv4_decode(hdr, 20, &ip4), FRAME_INCONSISTENT);
}

static void test_encode_short_buffer(void **state)
{
	struct arp_frame f;
	uint8_t buf[FRAME_MAX];

	(void)state;
	arp_make_probe(&f, &our_mac, ip("192.0.2.10"));
	assert_int_equal(arp_encode(&f, buf, 59), 0);
	assert_int_equal(arp_encode(&f, buf, 10), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_announce_reply_bytes),
		cmocka_unit_test(test_probe_and_request_shapes),
		cmocka_unit_test(test_vlan_round_trip),
		cmocka_unit_test(test_rejects_bad_frames),
		cmocka_unit_test(test_vlan_truncated_and_qinq),
		cmocka_unit_test(test_echo_round_trip),
		cmocka_unit_test(test_ipv4_header_checks),
		cmocka_unit_test(test_encode_short_buffer),
	};

	return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
