/* The pacing arithmetic: token bucket and round schedules. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>

#include "clock.h"
#include "pace.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pacer),
		cmocka_unit_test(test_schedule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
