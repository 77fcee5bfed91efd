/* Target lists: parsing, merging, the O(1) index, and files with bad lines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets.h"

static struct in_addr addr(const char *text)
{
	struct in_addr a;

	assert_int_equal(ipv4_parse(text, &a), 0);
	return a;
}

static uint32_t index_of(const struct targets *t, const char *text)
{
	uint32_t index;

	return targets_index_of(t, addr(text), &index) ? index : UINT32_MAX;
}

static void test_specs(void **state)
{
	struct targets t;
	static const char *bad[] = {
		"", "10.0.0", "10.0.0.1/33", "10.0.0.1-", "-10.0.0.1", "10.0.0.1-10.0.0",
		"host.example", "10.0.0.1/24/1", "10.0.0.1 ", "10.0.0.1--10.0.0.2",
	};

	(void)state;
	targets_init(&t);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(targets_add_spec(&t, bad[i]), -EINVAL);
	assert_int_equal(targets_add_spec(&t, "10.0.0.9-10.0.0.1"), -ERANGE);
	assert_int_equal(targets_add_spec(&t, "10.0.0.0/7"), -E2BIG);
	assert_int_equal(targets_add_spec(&t, "10.0.0.0/8"), 0);
	targets_free(&t);
}

static void test_edges(void **state)
{
	struct targets t;

	(void)state;
	targets_init(&t);
	assert_int_equal(targets_add_spec(&t, "192.0.2.7/32"), 0);
	assert_int_equal(targets_add_spec(&t, "198.51.100.4/31"), 0);
	assert_int_equal(targets_add_spec(&t, "203.0.113.250-203.0.113.255"), 0);
	assert_int_equal(targets_add_spec(&t, "203.0.113.255"), 0);   /* duplicate */
	assert_int_equal(targets_add_spec(&t, "192.0.2.7"), 0);       /* duplicate */
	assert_int_equal(targets_add_spec(&t, "198.51.100.5-198.51.100.5"), 0);
	assert_int_equal(targets_finish(&t), 0);
	assert_int_equal(t.total, 1 + 2 + 6);
	assert_int_equal(index_of(&t, "192.0.2.7"), 0);
	assert_int_equal(index_of(&t, "198.51.100.4"), 1);
	assert_int_equal(index_of(&t, "198.51.100.5"), 2);
	assert_int_equal(index_of(&t, "203.0.113.250"), 3);
	assert_int_equal(index_of(&t, "203.0.113.255"), 8);
	assert_int_equal(index_of(&t, "192.0.2.6"), UINT32_MAX);
	assert_int_equal(index_of(&t, "192.0.2.8"), UINT32_MAX);
	assert_int_equal(index_of(&t, "198.51.100.6"), UINT32_MAX);
	assert_int_equal(index_of(&t, "203.0.113.249"), UINT32_MAX);
	assert_int_equal(index_of(&t, "8.8.8.8"), UINT32_MAX);
	targets_free(&t);
}

/* The cursor and the index agree on every address, across page boundaries and
 * ranges that share a page. */
static void test_cursor_matches_index(void **state)
{
	struct targets t;
	struct target_cursor c;
	struct in_addr a;
	uint32_t index, count = 0, found, previous = 0;

	(void)state;
	targets_init(&t);
	assert_int_equal(targets_add_spec(&t, "10.1.0.100-10.1.2.20"), 0);
	assert_int_equal(targets_add_spec(&t, "10.1.2.30-10.1.2.40"), 0);
	assert_int_equal(targets_add_spec(&t, "10.1.2.41"), 0);           /* adjacent: merged */
	assert_int_equal(targets_add_spec(&t, "10.1.1.0/24"), 0);         /* inside: merged */
	assert_int_equal(targets_add_spec(&t, "10.9.0.0/16"), 0);
	assert_int_equal(targets_add_spec(&t, "255.255.255.254/31"), 0);
	assert_int_equal(targets_finish(&t), 0);
	assert_int_equal(t.range_count, 4);
	assert_int_equal(t.total, (256 - 100) + 256 + 21 + 12 + 65536 + 2);
	targets_cursor_start(&t, &c);
	while (targets_cursor_next(&t, &c, &a, &index)) {
		assert_int_equal(index, count);
		assert_true(targets_index_of(&t, a, &found));
		assert_int_equal(found, index);
		if (count)
			assert_true(ntohl(a.s_addr) > previous);
		previous = ntohl(a.s_addr);
		count++;
	}
	assert_int_equal(count, t.total);
	assert_int_equal(previous, 0xffffffffu);
	assert_int_equal(index_of(&t, "10.1.2.25"), UINT32_MAX);
	assert_int_equal(index_of(&t, "10.1.2.42"), UINT32_MAX);
	assert_int_equal(index_of(&t, "10.1.0.99"), UINT32_MAX);
	targets_free(&t);
}

static void test_too_many_after_merge(void **state)
{
	struct targets t;

	(void)state;
	targets_init(&t);
	assert_int_equal(targets_add_spec(&t, "10.0.0.0/8"), 0);
	assert_int_equal(targets_add_spec(&t, "11.0.0.0/32"), 0);
	assert_int_equal(targets_finish(&t), -E2BIG);
	targets_free(&t);
}

struct bad_seen {
	unsigned count;
	unsigned lines[8];
	char items[8][32];
	int errors[8];
};

static void collect_bad(void *ctx, unsigned line, const char *item, int err)
{
	struct bad_seen *seen = ctx;

	if (seen->count < 8) {
		seen->lines[seen->count] = line;
		snprintf(seen->items[seen->count], sizeof(seen->items[0]), "%s", item);
		seen->errors[seen->count] = err;
	}
	seen->count++;
}

static void test_file_with_bad_lines(void **state)
{
	static char text[] =
		"# office\n"
		"192.0.2.1 192.0.2.2\t# two on a line\n"
		"\n"
		"192.0.2.300\n"
		"  198.51.100.0/30\r\n"
		"192.0.2.9-192.0.2.3\n"
		"192.0.2.2\n"
		"nonsense";
	struct bad_seen seen;
	struct targets t;
	struct line_reader r;
	FILE *in = fmemopen(text, strlen(text), "r");

	(void)state;
	memset(&seen, 0, sizeof(seen));
	assert_non_null(in);
	targets_init(&t);
	line_reader_init(&r, in, TARGETS_LINE_MAX, TARGETS_FILE_MAX);
	assert_int_equal(targets_read(&t, &r, collect_bad, &seen), -EINVAL);
	line_reader_free(&r);
	fclose(in);
	assert_int_equal(seen.count, 3);
	assert_int_equal(seen.lines[0], 4);
	assert_string_equal(seen.items[0], "192.0.2.300");
	assert_int_equal(seen.errors[0], -EINVAL);
	assert_int_equal(seen.lines[1], 6);
	assert_int_equal(seen.errors[1], -ERANGE);
	assert_int_equal(seen.lines[2], 8);
	assert_string_equal(seen.items[2], "nonsense");
	/* The good items were all taken. */
	assert_int_equal(targets_finish(&t), 0);
	assert_int_equal(t.total, 2 + 4);
	targets_free(&t);
}

static void test_clean_file(void **state)
{
	static char text[] = "10.0.0.1\n10.0.0.1\n10.0.0.2 # again\n";
	struct targets t;
	struct line_reader r;
	FILE *in = fmemopen(text, strlen(text), "r");

	(void)state;
	targets_init(&t);
	line_reader_init(&r, in, TARGETS_LINE_MAX, TARGETS_FILE_MAX);
	assert_int_equal(targets_read(&t, &r, NULL, NULL), 0);
	line_reader_free(&r);
	fclose(in);
	assert_int_equal(targets_finish(&t), 0);
	assert_int_equal(t.total, 2);
	targets_free(&t);
}

/* Issue 12 item 5: an empty list (scan -f /dev/null) reached qsort(NULL, 0, ...),
 * which the sanitizers abort on. */
static void test_empty_list(void **state)
{
	struct targets t;
	struct target_cursor cursor;
	struct in_addr a;
	uint32_t index;

	(void)state;
	targets_init(&t);
	assert_int_equal(targets_finish(&t), 0);
	assert_int_equal(t.total, 0);
	assert_false(targets_index_of(&t, addr("192.0.2.1"), &index));
	targets_cursor_start(&t, &cursor);
	assert_false(targets_cursor_next(&t, &cursor, &a, &index));
	targets_free(&t);
}

/* Issue 12 item 6: a line past the limit ends the reading with an error naming the
 * line, instead of eating memory; a file of zeros is not a text file. */
static void test_bounded_file(void **state)
{
	struct targets t;
	struct line_reader r;
	char *text = malloc(TARGETS_LINE_MAX + 64);
	FILE *in;

	(void)state;
	assert_non_null(text);
	strcpy(text, "10.0.0.1\n");
	memset(text + 9, ' ', TARGETS_LINE_MAX + 1);
	strcpy(text + 9 + TARGETS_LINE_MAX + 1, "10.0.0.2\n");
	in = fmemopen(text, strlen(text), "r");
	targets_init(&t);
	line_reader_init(&r, in, TARGETS_LINE_MAX, TARGETS_FILE_MAX);
	assert_int_equal(targets_read(&t, &r, NULL, NULL), -EOVERFLOW);
	assert_int_equal(r.line, 2);
	line_reader_free(&r);
	fclose(in);
	targets_free(&t);

	in = fopen("/dev/zero", "r");
	assert_non_null(in);
	targets_init(&t);
	line_reader_init(&r, in, TARGETS_LINE_MAX, TARGETS_FILE_MAX);
	assert_int_equal(targets_read(&t, &r, NULL, NULL), -EILSEQ);
	assert_int_equal(r.line, 1);
	line_reader_free(&r);
	fclose(in);
	targets_free(&t);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_specs),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_cursor_matches_index),
		cmocka_unit_test(test_too_many_after_merge),
		cmocka_unit_test(test_file_with_bad_lines),
		cmocka_unit_test(test_empty_list),
		cmocka_unit_test(test_bounded_file),
		cmocka_unit_test(test_clean_file),
	};

	return cmocka_run_group_tests_name("targets", tests, NULL, NULL);
}
