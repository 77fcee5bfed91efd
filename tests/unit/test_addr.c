/* Strict parsers and the pacing arithmetic. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "addr.h"
#include "output.h"
#include "pace.h"

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

static void test_numbers(void **state)
{
	unsigned long v;
	uint64_t ms;

	(void)state;
	assert_int_equal(parse_ulong("42", 1, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_ulong("0", 1, 100, &v), -ERANGE);
	assert_int_equal(parse_ulong("101", 1, 100, &v), -ERANGE);
	assert_int_equal(parse_ulong("-1", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_ulong("1x", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_ulong("", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_ulong("99999999999999999999999", 0, 100, &v), -ERANGE);
	assert_int_equal(parse_seconds_ms("1.5", 10000, &ms), 0);
	assert_int_equal(ms, 1500);
	assert_int_equal(parse_seconds_ms("0.25", 10000, &ms), 0);
	assert_int_equal(ms, 250);
	assert_int_equal(parse_seconds_ms("3", 10000, &ms), 0);
	assert_int_equal(ms, 3000);
	assert_int_equal(parse_seconds_ms(".5", 10000, &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(parse_seconds_ms("11", 10000, &ms), -ERANGE);
	assert_int_equal(parse_seconds_ms("1.5s", 10000, &ms), -EINVAL);
	assert_int_equal(parse_seconds_ms(".", 10000, &ms), -EINVAL);
	assert_int_equal(parse_seconds_ms("-1", 10000, &ms), -EINVAL);
}

static void test_pacer(void **state)
{
	struct pacer p;
	uint64_t t = 1000 * NS_PER_SEC;

	(void)state;
	pacer_init(&p, 1000, 10, t);
	/* The burst goes at once, then one frame per millisecond. */
	assert_int_equal(pacer_take(&p, t, 100), 10);
	assert_int_equal(pacer_take(&p, t, 1), 0);
	assert_int_equal(pacer_next(&p, t), t + NS_PER_MS);
	assert_int_equal(pacer_take(&p, t + NS_PER_MS / 2, 1), 0);
	assert_int_equal(pacer_take(&p, t + NS_PER_MS, 1), 1);
	assert_int_equal(pacer_take(&p, t + 6 * NS_PER_MS, 100), 5);
	/* A long idle spell earns no more than the burst. */
	assert_int_equal(pacer_take(&p, t + 10 * NS_PER_SEC, 100), 10);
	/* Unlimited. */
	pacer_init(&p, 0, 1, t);
	assert_int_equal(pacer_take(&p, t, 12345), 12345);
	assert_int_equal(pacer_next(&p, t), t);
}

static void test_schedule(void **state)
{
	struct schedule fixed = {4, 1000, false}, doubling = {4, 1000, true};

	(void)state;
	assert_int_equal(schedule_offset(&fixed, 0), 0);
	assert_int_equal(schedule_offset(&fixed, 3), 3000);
	assert_int_equal(schedule_offset(&doubling, 1), 1000);
	assert_int_equal(schedule_offset(&doubling, 2), 3000);
	assert_int_equal(schedule_offset(&doubling, 3), 7000);
}

static void test_json_writer(void **state)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	struct json j;

	(void)state;
	json_init(&j, out);
	json_object_begin(&j, NULL);
	json_string(&j, "ip", "192.0.2.1");
	json_string(&j, "odd", "a\"b\\c\n\x01");
	json_null(&j, "none");
	json_array_begin(&j, "peers");
	json_object_begin(&j, NULL);
	json_bool(&j, "ok", true);
	json_double(&j, "rtt_ms", 0.1234, 3);
	json_object_end(&j);
	json_int(&j, NULL, -3);
	json_array_end(&j);
	json_uint(&j, "n", 7);
	json_object_end(&j);
	json_object_begin(&j, NULL);
	json_object_end(&j);
	fclose(out);
	assert_string_equal(text, "{\"ip\":\"192.0.2.1\",\"odd\":\"a\\\"b\\\\c\\n\\u0001\",\"none\":null,"
				  "\"peers\":[{\"ok\":true,\"rtt_ms\":0.123},-3],\"n\":7}\n{}\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_parse),
		cmocka_unit_test(test_cidr_and_subnets),
		cmocka_unit_test(test_mac_parse),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_pacer),
		cmocka_unit_test(test_schedule),
		cmocka_unit_test(test_json_writer),
	};

	return cmocka_run_group_tests_name("addr-pace-output", tests, NULL, NULL);
}
