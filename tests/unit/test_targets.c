/* Target lists: parsing, merging, the O(1) index, files with bad lines; IPv6 items
 * beside IPv4 ones, and addresses found during a scan. */
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

static struct ipaddr ip(const char *text)
{
	struct ipaddr a;

	assert_int_equal(ipaddr_parse(text, AF_UNSPEC, &a), 0);
	return a;
}

static uint32_t index_of(const struct targets *t, const char *text)
{
	struct ipaddr a = ip(text);
	uint32_t index, index4;

	if (!targets_index_of(t, &a, &index))
		return UINT32_MAX;
	if (a.family == AF_INET) {
		assert_true(targets_index_of_ipv4(t, a.v4, &index4));
		assert_int_equal(index4, index);
	}
	return index;
}

/* The walk and the index agree on every target; returns the count walked. */
static uint32_t walk(const struct targets *t)
{
	struct target_cursor c;
	struct ipaddr a, previous = {0};
	uint32_t index, found, count = 0;

	targets_cursor_start(t, &c);
	while (targets_cursor_next(t, &c, &a, &index)) {
		assert_int_equal(index, count);
		assert_true(targets_index_of(t, &a, &found));
		assert_int_equal(found, index);
		if (count && index < t->listed && a.family == previous.family)
			assert_true(a.family == AF_INET ?
				    ntohl(a.v4.s_addr) > ntohl(previous.v4.s_addr) :
				    memcmp(&a.v6, &previous.v6, 16) > 0);
		if (count && index < t->listed)
			assert_true(a.family >= previous.family); /* IPv4 first */
		previous = a;
		count++;
	}
	return count;
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
	struct ipaddr a;
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
		assert_int_equal(a.family, AF_INET);
		assert_true(targets_index_of(&t, &a, &found));
		assert_int_equal(found, index);
		if (count)
			assert_true(ntohl(a.v4.s_addr) > previous);
		previous = ntohl(a.v4.s_addr);
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
	struct ipaddr a;
	uint32_t index;

	(void)state;
	targets_init(&t);
	assert_int_equal(targets_finish(&t), 0);
	assert_int_equal(t.total, 0);
	assert_false(targets_index_of_ipv4(&t, addr("192.0.2.1"), &index));
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

static void test_ipv6_specs(void **state)
{
	struct targets t;
	static const char *bad[] = {
		"2001:db8::/129", "2001:db8::/", "/112", "2001:db8::1-", "2001:db8::1-10.0.0.1",
		"10.0.0.1-2001:db8::1", "[2001:db8::1]", "2001:db8::1%eth0", "2001:db8::g",
		"2001:db8::/+112", "2001:db8::/ 112",
	};
	static const char *unscannable[] = {
		"::", "::1", "::ffff:10.0.0.1", "::10.0.0.1", "ff02::1", "ff02::1:ff00:0/112",
		"::/112", "2001:db8::1-ff02::1",
	};

	(void)state;
	targets_init(&t);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(targets_add_spec(&t, bad[i]), -EINVAL);
	for (size_t i = 0; i < sizeof(unscannable) / sizeof(unscannable[0]); i++)
		assert_int_equal(targets_add_spec(&t, unscannable[i]), -EADDRNOTAVAIL);
	assert_int_equal(targets_add_spec(&t, "2001:db8::5-2001:db8::1"), -ERANGE);
	assert_int_equal(targets_add_spec(&t, "2001:db8::/111"), -EMSGSIZE);
	assert_int_equal(targets_add_spec(&t, "2001:db8::1/64"), -EMSGSIZE);
	assert_int_equal(targets_add_spec(&t, "2001:db8::1-2001:db8::1:1"), -EMSGSIZE);
	assert_int_equal(targets_add_spec(&t, "2001:db8:9::1-2001:db8:9::1:0"), 0); /* 65,536 */
	assert_int_equal(targets_add_spec(&t, "2001:db8::-2001:db8::ffff"), 0);
	assert_int_equal(targets_add_spec(&t, "2001:db8:1::17/112"), 0);
	assert_int_equal(targets_add_spec(&t, "fe80::1"), 0);
	assert_int_equal(targets_finish(&t), 0);
	assert_int_equal(t.total, 3 * 65536 + 1);
	assert_int_equal(t.ipv4_total, 0);
	assert_int_equal(t.ipv6_total, t.total);
	assert_int_equal(index_of(&t, "2001:db8::"), 0);
	assert_int_equal(index_of(&t, "2001:db8::ffff"), 65535);
	assert_int_equal(index_of(&t, "2001:db8:1::"), 65536);
	assert_int_equal(index_of(&t, "2001:db8:1::ffff"), 2 * 65536 - 1);
	assert_int_equal(index_of(&t, "2001:db8:9::1:0"), 3 * 65536 - 1);
	assert_int_equal(index_of(&t, "fe80::1"), 3 * 65536);
	assert_int_equal(index_of(&t, "2001:db8::1:0"), UINT32_MAX);
	assert_int_equal(index_of(&t, "fe80::2"), UINT32_MAX);
	assert_int_equal(walk(&t), t.total);
	targets_free(&t);
}

/* Both families in one list: IPv4 first; a range across a 2^64 boundary. */
static void test_mixed_families(void **state)
{
	struct targets t;

	(void)state;
	targets_init(&t);
	assert_int_equal(targets_add_spec(&t, "2001:db8:0:1::1"), 0);
	assert_int_equal(targets_add_spec(&t, "255.255.255.255"), 0);
	assert_int_equal(targets_add_spec(&t, "2001:db8::ffff:ffff:ffff:fff0-2001:db8:0:1::f"), 0);
	assert_int_equal(targets_add_spec(&t, "10.0.0.0/30"), 0);
	assert_int_equal(targets_finish(&t), 0);
	assert_int_equal(t.ipv4_total, 5);
	assert_int_equal(t.ipv6_total, 32);
	assert_int_equal(t.range_count, 4);
	assert_int_equal(index_of(&t, "10.0.0.0"), 0);
	assert_int_equal(index_of(&t, "255.255.255.255"), 4);
	assert_int_equal(index_of(&t, "2001:db8::ffff:ffff:ffff:fff0"), 5);
	assert_int_equal(index_of(&t, "2001:db8::ffff:ffff:ffff:ffff"), 20);
	assert_int_equal(index_of(&t, "2001:db8:0:1::"), 21);
	assert_int_equal(index_of(&t, "2001:db8:0:1::1"), 22); /* inside: merged */
	assert_int_equal(index_of(&t, "2001:db8:0:1::f"), 36);
	assert_int_equal(index_of(&t, "::ffff:10.0.0.1"), UINT32_MAX); /* not the IPv4 one */
	assert_int_equal(walk(&t), 37);
	targets_free(&t);
}

/* Addresses found during a scan: after the listed ones, O(1) too, in address order
 * for the output, bounded. */
static void test_found(void **state)
{
	struct targets t;
	struct ipaddr a;
	uint32_t index, order[16];
	static const char *const found[] = {
		"fe80::9", "2001:db8::50", "fe80::1", "2001:db8::1",
	};

	(void)state;
	targets_init(&t);
	a = ip("fe80::1");
	assert_int_equal(targets_add_found(&t, &a, &index), -EINVAL); /* not finished */
	assert_int_equal(targets_add_spec(&t, "2001:db8::10-2001:db8::11"), 0);
	assert_int_equal(targets_add_spec(&t, "192.0.2.1"), 0);
	assert_int_equal(targets_finish(&t), 0);
	for (size_t i = 0; i < sizeof(found) / sizeof(found[0]); i++) {
		a = ip(found[i]);
		assert_int_equal(targets_add_found(&t, &a, &index), 1);
		assert_int_equal(index, 3 + i);
	}
	a = ip("2001:db8::11"); /* listed already */
	assert_int_equal(targets_add_found(&t, &a, &index), 0);
	assert_int_equal(index, 2);
	a = ip("fe80::9"); /* found already */
	assert_int_equal(targets_add_found(&t, &a, &index), 0);
	assert_int_equal(index, 3);
	a = ip("ff02::1");
	assert_int_equal(targets_add_found(&t, &a, &index), -EINVAL);
	assert_int_equal(t.total, 7);
	assert_int_equal(t.listed, 3);
	assert_int_equal(index_of(&t, "fe80::1"), 5);
	assert_int_equal(walk(&t), 7);
	targets_sorted(&t, order);
	/* 192.0.2.1, 2001:db8::1, ::10, ::11, ::50, fe80::1, fe80::9 */
	static const uint32_t want[] = {0, 6, 1, 2, 4, 5, 3};
	assert_memory_equal(order, want, sizeof(want));
	targets_free(&t);
}

static void test_found_bounded(void **state)
{
	struct targets t;
	struct ipaddr a = ip("2001:db8::");
	uint32_t index;

	(void)state;
	targets_init(&t);
	assert_int_equal(targets_finish(&t), 0);
	for (uint32_t i = 0; i < TARGETS_FOUND_MAX; i++) {
		a.v6.s6_addr[12] = (uint8_t)(i >> 8);
		a.v6.s6_addr[13] = (uint8_t)i;
		assert_int_equal(targets_add_found(&t, &a, &index), 1);
	}
	a.v6.s6_addr[11] = 1;
	assert_int_equal(targets_add_found(&t, &a, &index), -E2BIG);
	assert_int_equal(t.total, TARGETS_FOUND_MAX);
	assert_int_equal(index_of(&t, "2001:db8::1:0"), 1); /* indexes in the order found */
	assert_int_equal(index_of(&t, "2001:db8::ffff:0"), 65535);
	targets_free(&t);
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
		cmocka_unit_test(test_ipv6_specs),
		cmocka_unit_test(test_mixed_families),
		cmocka_unit_test(test_found),
		cmocka_unit_test(test_found_bounded),
	};

	return cmocka_run_group_tests_name("targets", tests, NULL, NULL);
}
