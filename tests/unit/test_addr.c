/* Strict address parsers and formatters, and the family-tagged address. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "addr.h"

static void test_ipv4_parse(void **state)
{
	struct in_addr a;
	char buf[IPV4_STRLEN];
	static const char *bad[] = {
		"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", " 1.2.3.4", "01.2.3.4",
		"1..2.3", "1.2.3.-4", "0x1.2.3.4", "1.2.3.4/24", "1234.1.1.1", "a.b.c.d",
	};

	(void)state;
	assert_int_equal(ipv4_parse("192.0.2.11", &a), 0);
	assert_string_equal(ipv4_format(a, buf), "192.0.2.11");
	assert_int_equal(ipv4_parse("0.0.0.0", &a), 0);
	assert_int_equal(a.s_addr, 0);
	assert_int_equal(ipv4_parse("255.255.255.255", &a), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ipv4_parse(bad[i], &a), -EINVAL);
}

static void test_cidr_and_subnets(void **state)
{
	struct in_addr a, b;
	unsigned len;

	(void)state;
	assert_int_equal(ipv4_parse_cidr("10.1.2.3/23", &a, &len), 0);
	assert_int_equal(len, 23);
	assert_int_equal(ipv4_parse_cidr("10.1.2.3/33", &a, &len), -EINVAL);
	assert_int_equal(ipv4_parse_cidr("10.1.2.3", &a, &len), -EINVAL);
	assert_int_equal(ipv4_parse_cidr("10.1.2.3/", &a, &len), -EINVAL);
	assert_int_equal(ipv4_netmask(0), 0);
	assert_int_equal(ipv4_netmask(32), 0xffffffffu);
	assert_int_equal(ipv4_netmask(23), 0xfffffe00u);
	ipv4_parse("10.1.3.200", &b);
	assert_true(ipv4_in_subnet(b, a, 23));
	assert_false(ipv4_in_subnet(b, a, 24));
}

static void test_mac_parse(void **state)
{
	struct mac m;
	char buf[MAC_STRLEN];

	(void)state;
	assert_int_equal(mac_parse("B8:27:EB:01:02:03", &m), 0);
	assert_string_equal(mac_format(&m, buf), "b8:27:eb:01:02:03");
	assert_int_equal(mac_parse("b8-27-eb-01-02-03", &m), 0);
	assert_int_equal(mac_parse("b8:27-eb:01:02:03", &m), -EINVAL);
	assert_int_equal(mac_parse("b8:27:eb:01:02", &m), -EINVAL);
	assert_int_equal(mac_parse("b8:27:eb:01:02:03:04", &m), -EINVAL);
	assert_int_equal(mac_parse("g8:27:eb:01:02:03", &m), -EINVAL);
	assert_int_equal(mac_parse("02:00:00:00:00:01", &m), 0);
	assert_true(mac_is_local(&m));
	assert_false(mac_is_multicast(&m));
}

static struct ipaddr ip(const char *text)
{
	struct ipaddr a;

	assert_int_equal(ipaddr_parse(text, AF_UNSPEC, &a), 0);
	return a;
}

static void test_ipaddr_parse_cidr(void **state)
{
	struct ipaddr a;
	unsigned len;

	(void)state;
	assert_int_equal(ipaddr_parse_cidr("2001:db8::10/64", AF_UNSPEC, &a, &len), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(len, 64);
	assert_int_equal(ipaddr_parse_cidr("fe80::1/128", AF_INET6, &a, &len), 0);
	assert_int_equal(len, 128);
	assert_int_equal(ipaddr_parse_cidr("192.0.2.5/24", AF_UNSPEC, &a, &len), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(len, 24);
	assert_int_equal(ipaddr_parse_cidr("192.0.2.5/33", AF_UNSPEC, &a, &len), -EINVAL);
	assert_int_equal(ipaddr_parse_cidr("2001:db8::10/129", AF_UNSPEC, &a, &len), -EINVAL);
	assert_int_equal(ipaddr_parse_cidr("2001:db8::10/", AF_UNSPEC, &a, &len), -EINVAL);
	assert_int_equal(ipaddr_parse_cidr("2001:db8::10/+64", AF_UNSPEC, &a, &len), -EINVAL);
	assert_int_equal(ipaddr_parse_cidr("2001:db8::10", AF_UNSPEC, &a, &len), -EINVAL);
	assert_int_equal(ipaddr_parse_cidr("2001:db8::10/64", AF_INET, &a, &len), -EINVAL);
	assert_int_equal(ipaddr_parse_cidr("2001:db8:::10/64", AF_UNSPEC, &a, &len), -EINVAL);
	assert_int_equal(ipaddr_parse_cidr("fe80::1%eth0/64", AF_UNSPEC, &a, &len), -EINVAL);
	assert_int_equal(ipaddr_parse_cidr("0123456789abcdef0123456789abcdef0123456789abcdef/64",
					   AF_UNSPEC, &a, &len), -EINVAL);
}

static void test_ipaddr_parse(void **state)
{
	static const char *bad[] = {
		"", "1.2.3", "01.2.3.4", "1.2.3.4 ", ":::", "1::2::3", "fe80::1%eth0", "[::1]",
		"2001:db8::/64", "2001:db8::g", "12345::", "1:2:3:4:5:6:7:8:9", "::ffff:1.2.3",
	};
	struct ipaddr a;

	(void)state;
	assert_int_equal(ipaddr_parse("192.0.2.1", AF_UNSPEC, &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.v4.s_addr, htonl(0xc0000201));
	assert_int_equal(ipaddr_parse("2001:db8::1", AF_UNSPEC, &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.v6.s6_addr[0], 0x20);
	assert_int_equal(a.v6.s6_addr[15], 1);
	assert_int_equal(ipaddr_parse("::ffff:192.0.2.1", AF_INET6, &a), 0);
	/* A family asked for is the only one taken. */
	assert_int_equal(ipaddr_parse("192.0.2.1", AF_INET6, &a), -EINVAL);
	assert_int_equal(ipaddr_parse("2001:db8::1", AF_INET, &a), -EINVAL);
	assert_int_equal(ipaddr_parse("192.0.2.1", AF_INET, &a), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ipaddr_parse(bad[i], AF_UNSPEC, &a), -EINVAL);
}

static void test_ipaddr_format_rfc5952(void **state)
{
	static const char *cases[][2] = {
		{"2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},  /* 4.2.3: the first of equals */
		{"2001:db8:0:0:0:1:0:0", "2001:db8::1:0:0"},    /* 4.2.3: the longest run */
		{"2001:0db8::0001", "2001:db8::1"},             /* 4.1: no leading zeros */
		{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"}, /* 4.2.2: one zero stays */
		{"::2:3", "::2:3"},                             /* not a dotted quad */
		{"::", "::"},
		{"::1", "::1"},
		{"1::", "1::"},
		{"fe80::1:0:0:0", "fe80::1:0:0:0"},
		{"::ffff:192.0.2.1", "::ffff:192.0.2.1"},       /* 5: mapped keeps the quad */
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"192.0.2.255", "192.0.2.255"},
	};
	char buf[IPADDR_STRLEN];
	struct ipaddr none = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ipaddr a = ip(cases[i][0]);

		assert_string_equal(ipaddr_format(&a, buf), cases[i][1]);
	}
	assert_string_equal(ipaddr_format(&none, buf), "");
	/* The longest text fits. */
	{
		struct ipaddr a = ip("::ffff:255.255.255.255");

		assert_true(strlen(ipaddr_format(&a, buf)) < IPADDR_STRLEN);
	}
}

static void test_ipaddr_compare(void **state)
{
	struct ipaddr v4 = ip("192.0.2.1"), v4b = ip("192.0.2.1"), mapped = ip("::ffff:192.0.2.1");
	struct ipaddr none = {0}, zero4 = ip("0.0.0.0"), zero6 = ip("::");
	struct in6_addr raw6;
	uint8_t raw4[4] = {192, 0, 2, 1};
	struct ipaddr from;

	(void)state;
	/* Bytes past an IPv4 address do not count. */
	memset(&v4b.v6, 0xaa, sizeof(v4b.v6));
	v4b.v4 = v4.v4;
	assert_true(ipaddr_equal(&v4, &v4b));
	assert_false(ipaddr_equal(&v4, &mapped));
	assert_true(ipaddr_equal(&none, &none));
	assert_false(ipaddr_equal(&none, &zero4));
	assert_true(ipaddr_is_unspecified(&none));
	assert_true(ipaddr_is_unspecified(&zero4));
	assert_true(ipaddr_is_unspecified(&zero6));
	assert_false(ipaddr_is_unspecified(&v4));

	assert_int_equal(ipaddr_from_bytes(&from, AF_INET, raw4, 4), 0);
	assert_true(ipaddr_equal(&from, &v4));
	assert_int_equal(ipaddr_from_bytes(&from, AF_INET, raw4, 3), -EINVAL);
	assert_int_equal(ipaddr_from_bytes(&from, AF_INET6, raw4, 4), -EINVAL);
	assert_int_equal(ipaddr_from_bytes(&from, AF_UNSPEC, raw4, 0), -EINVAL);
	inet_pton(AF_INET6, "2001:db8::7", &raw6);
	assert_int_equal(ipaddr_from_bytes(&from, AF_INET6, &raw6, sizeof(raw6)), 0);
	{
		struct ipaddr want = ipaddr_v6(&raw6), parsed = ip("2001:db8::7");

		assert_true(ipaddr_equal(&from, &want));
		assert_true(ipaddr_equal(&from, &parsed));
	}
	assert_int_equal(ipaddr_size(AF_INET6), 16);
	assert_int_equal(ipaddr_max_prefixlen(AF_INET), 32);
	assert_int_equal(ipaddr_max_prefixlen(AF_INET6), 128);
}

static void test_ipaddr_subnets(void **state)
{
	struct ipaddr net4 = ip("10.1.2.3"), in4 = ip("10.1.3.200");
	struct ipaddr net6 = ip("2001:db8:1:2::1"), in6 = ip("2001:db8:1:3::99");
	struct ipaddr odd = ip("2001:db8:1:2:8000::");

	(void)state;
	assert_true(ipaddr_in_subnet(&in4, &net4, 23));
	assert_false(ipaddr_in_subnet(&in4, &net4, 24));
	assert_true(ipaddr_in_subnet(&in4, &net4, 0));
	assert_true(ipaddr_in_subnet(&net4, &net4, 32));
	assert_true(ipaddr_in_subnet(&net4, &net4, 200)); /* clamped */
	assert_true(ipaddr_in_subnet(&in6, &net6, 62));
	assert_false(ipaddr_in_subnet(&in6, &net6, 64));
	/* A prefix that ends inside a byte. */
	assert_true(ipaddr_in_subnet(&odd, &net6, 64));
	assert_false(ipaddr_in_subnet(&odd, &net6, 65));
	assert_true(ipaddr_in_subnet(&odd, &net6, 0));
	/* Families never mix, not even at /0. */
	assert_false(ipaddr_in_subnet(&in4, &net6, 0));
	assert_false(ipaddr_in_subnet(&net6, &net4, 0));
	{
		struct ipaddr none = {0};

		assert_false(ipaddr_in_subnet(&none, &none, 0));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_parse),
		cmocka_unit_test(test_cidr_and_subnets),
		cmocka_unit_test(test_mac_parse),
		cmocka_unit_test(test_ipaddr_parse),
		cmocka_unit_test(test_ipaddr_parse_cidr),
		cmocka_unit_test(test_ipaddr_format_rfc5952),
		cmocka_unit_test(test_ipaddr_compare),
		cmocka_unit_test(test_ipaddr_subnets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
