/* The monotonic clock and its report conversion. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <time.h>

#include "clock.h"

static void test_now_is_monotonic(void **state)
{
	struct timespec pause = {0, 2 * 1000 * 1000};
	uint64_t before, after;

	(void)state;
	before = now_ns();
	nanosleep(&pause, NULL);
	after = now_ns();
	assert_true(after >= before + 2 * NS_PER_MS);
	/* Far from any wrap: the loops add deadlines to it without overflow checks. */
	assert_true(after < UINT64_MAX / 2);
}

static void test_ns_to_ms(void **state)
{
	(void)state;
	assert_true(ns_to_ms(1500 * NS_PER_US) == 1.5);
	assert_true(ns_to_ms(0) == 0.0);
	assert_true(ns_to_ms(2 * NS_PER_SEC) == 2000.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_now_is_monotonic),
		cmocka_unit_test(test_ns_to_ms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
