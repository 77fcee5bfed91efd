/* Strict address parsers and formatters. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_parse),
		cmocka_unit_test(test_cidr_and_subnets),
		cmocka_unit_test(test_mac_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
