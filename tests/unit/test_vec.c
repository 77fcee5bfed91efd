/* The growable array: push, reserve, the growth rule, and sizes that overflow. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "vec.h"

struct pair {
	int a, b;
};

static void test_push_and_free(void **state)
{
	VEC(struct pair) v = {0};

	(void)state;
	for (int i = 0; i < 1000; i++)
		assert_int_equal(vec_push(&v, ((struct pair){i, -i})), 0);
	assert_int_equal(v.count, 1000);
	assert_true(v.cap >= 1000 && v.cap <= 2048);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(v.items[i].a, i);
		assert_int_equal(v.items[i].b, -i);
	}
	vec_free(&v);
	assert_null(v.items);
	assert_int_equal(v.count, 0);
	assert_int_equal(v.cap, 0);
	vec_free(&v); /* twice is harmless */
}

static void test_reserve(void **state)
{
	VEC(uint64_t) v = {0};
	uint64_t *before;

	(void)state;
	assert_int_equal(vec_reserve(&v, 0), 0);
	assert_null(v.items);
	assert_int_equal(vec_reserve(&v, 3), 0);
	assert_int_equal(v.cap, VEC_MIN_CAP);
	assert_int_equal(v.count, 0); /* room, not items */
	before = v.items;
	assert_int_equal(vec_reserve(&v, VEC_MIN_CAP), 0);
	assert_ptr_equal(v.items, before); /* enough already: untouched */
	assert_int_equal(vec_reserve(&v, 100), 0);
	assert_int_equal(v.cap, 128);
	vec_free(&v);
}

/* Fields named otherwise, as in a struct that predates the helper. */
static void test_reserve_fields(void **state)
{
	struct {
		struct pair *ifaces;
		size_t iface_count, iface_cap;
	} w = {0};

	(void)state;
	for (int i = 0; i < 40; i++) {
		assert_int_equal(vec_reserve_fields(w.ifaces, w.iface_cap, w.iface_count + 1), 0);
		w.ifaces[w.iface_count++] = (struct pair){i, i};
	}
	assert_int_equal(w.iface_cap, 64);
	assert_int_equal(w.ifaces[39].a, 39);
	free(w.ifaces);
}

static void test_growth_rule(void **state)
{
	(void)state;
	assert_int_equal(vec_capacity_for(0, 1, 8), VEC_MIN_CAP);
	assert_int_equal(vec_capacity_for(16, 16, 8), 16);
	assert_int_equal(vec_capacity_for(16, 17, 8), 32);
	assert_int_equal(vec_capacity_for(16, 1000, 8), 1024);
	assert_int_equal(vec_capacity_for(0, 0, 8), 0); /* nothing needed, nothing held */
	/* Doubling past what size_t holds: exactly what is needed instead. */
	assert_int_equal(vec_capacity_for(SIZE_MAX / 2 + 1, SIZE_MAX / 2 + 2, 1), SIZE_MAX / 2 + 2);
	assert_int_equal(vec_capacity_for(SIZE_MAX / 16, SIZE_MAX / 16 + 1, 8), SIZE_MAX / 16 * 2);
	/* Doubling past the byte size: exactly what is needed. */
	assert_int_equal(vec_capacity_for(SIZE_MAX / 8 - 1, SIZE_MAX / 8, 8), SIZE_MAX / 8);
	/* Items that do not fit size_t bytes at all. */
	assert_int_equal(vec_capacity_for(0, SIZE_MAX / 8 + 1, 8), 0);
	assert_int_equal(vec_capacity_for(0, SIZE_MAX, 2), 0);
	assert_int_equal(vec_capacity_for(0, 1, 0), 0);
}

static void test_overflow_leaves_the_array(void **state)
{
	VEC(struct pair) v = {0};

	(void)state;
	assert_int_equal(vec_push(&v, ((struct pair){1, 2})), 0);
	/* count + n wrapped, or a byte size past SIZE_MAX: refused before any realloc. */
	assert_int_equal(vec_reserve(&v, SIZE_MAX), -ENOMEM);
	assert_int_equal(vec_reserve(&v, SIZE_MAX / sizeof(struct pair) + 1), -ENOMEM);
	assert_int_equal(v.count, 1);
	assert_int_equal(v.cap, VEC_MIN_CAP);
	assert_int_equal(v.items[0].b, 2);
	vec_free(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_and_free),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_reserve_fields),
		cmocka_unit_test(test_growth_rule),
		cmocka_unit_test(test_overflow_leaves_the_array),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
