/* Strict number parsers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdint.h>

#include "number.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
