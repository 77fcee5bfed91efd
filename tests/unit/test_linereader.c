/* The bounded line reader every user file goes through, and the quoting of untrusted
 * text (issue 12 items 6, 7 and 8). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linereader.h"
#include "quote.h"

static FILE *text_stream(const char *text, size_t len)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	rewind(f);
	return f;
}

static void test_lines(void **state)
{
	static const char text[] = "one\ntwo\r\n\nlast without newline";
	FILE *f = text_stream(text, sizeof(text) - 1);
	struct line_reader r;
	char *line;
	size_t len;

	(void)state;
	line_reader_init(&r, f, 64, 1024);
	assert_int_equal(line_reader_next(&r, &line, &len), 1);
	assert_string_equal(line, "one");
	assert_int_equal(len, 3);
	assert_int_equal(line_reader_next(&r, &line, &len), 1);
	assert_string_equal(line, "two");
	assert_int_equal(line_reader_next(&r, &line, &len), 1);
	assert_string_equal(line, "");
	assert_int_equal(line_reader_next(&r, &line, &len), 1);
	assert_string_equal(line, "last without newline");
	assert_int_equal(r.line, 4);
	assert_int_equal(line_reader_next(&r, &line, &len), 0);
	assert_int_equal(line_reader_next(&r, &line, &len), 0);
	line_reader_free(&r);
	fclose(f);
}

static void test_limits(void **state)
{
	struct line_reader r;
	char why[64], *line;
	FILE *f;

	(void)state;
	/* A line of exactly the limit is fine; one byte more is not. */
	f = text_stream("12345678\n123456789\n", 19);
	line_reader_init(&r, f, 8, 1024);
	assert_int_equal(line_reader_next(&r, &line, NULL), 1);
	assert_int_equal(line_reader_next(&r, &line, NULL), -EOVERFLOW);
	assert_int_equal(r.line, 2);
	assert_string_equal(line_reader_error(&r, -EOVERFLOW, why, sizeof(why)),
			    "line longer than 8 bytes");
	line_reader_free(&r);
	fclose(f);

	/* The whole input is bounded too, however short its lines. */
	f = text_stream("a\nb\nc\nd\n", 8);
	line_reader_init(&r, f, 8, 5);
	assert_int_equal(line_reader_next(&r, &line, NULL), 1);
	assert_int_equal(line_reader_next(&r, &line, NULL), 1);
	assert_int_equal(line_reader_next(&r, &line, NULL), -EFBIG);
	assert_string_equal(line_reader_error(&r, -EFBIG, why, sizeof(why)), "larger than 5 bytes");
	line_reader_free(&r);
	fclose(f);

	f = text_stream("ok\nbin\0ary\n", 11);
	line_reader_init(&r, f, 64, 1 << 20);
	assert_int_equal(line_reader_next(&r, &line, NULL), 1);
	assert_int_equal(line_reader_next(&r, &line, NULL), -EILSEQ);
	assert_int_equal(r.line, 2);
	line_reader_error(&r, -EFBIG, why, sizeof(why));
	assert_string_equal(why, "larger than 1 MiB");
	line_reader_free(&r);
	fclose(f);
}

/* Issue 12 item 8: a directory says so, not "Input/output error". */
static void test_directory(void **state)
{
	struct line_reader r;
	char why[64], *line;
	FILE *f;

	(void)state;
	assert_int_equal(line_reader_open(&r, "/", 64, 1024), -EISDIR);
	assert_int_equal(line_reader_open(&r, "/nonexistent/file", 64, 1024), -ENOENT);
	/* An already open directory stream fails at the first read, with EISDIR. */
	f = fopen("/", "r");
	assert_non_null(f);
	line_reader_init(&r, f, 64, 1024);
	assert_int_equal(line_reader_next(&r, &line, NULL), -EISDIR);
	assert_string_equal(line_reader_error(&r, -EISDIR, why, sizeof(why)), "Is a directory");
	line_reader_free(&r);
	fclose(f);
}

static void test_opened_file_is_closed(void **state)
{
	char path[] = "/tmp/arpkit-linereader-XXXXXX";
	struct line_reader r;
	char *line;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x\n", 2), 2);
	close(fd);
	assert_int_equal(line_reader_open(&r, path, 64, 1024), 0);
	assert_int_equal(line_reader_next(&r, &line, NULL), 1);
	assert_string_equal(line, "x");
	line_reader_free(&r);
	unlink(path);
}

static void test_quote(void **state)
{
	struct quoted q;
	char big[10000];

	(void)state;
	assert_string_equal(quote(&q, "eth0"), "'eth0'");
	assert_string_equal(quote(&q, ""), "''");
	assert_string_equal(quote(&q, NULL), "(none)");
	/* Escape sequences, fake lines and quotes cannot get out. */
	assert_string_equal(quote(&q, "ab\x1b[2J"), "'ab\\x1b[2J'");
	assert_string_equal(quote(&q, "a\nb\rc\td"), "'a\\x0ab\\x0dc\\x09d'");
	assert_string_equal(quote(&q, "it's \\"), "'it\\'s \\\\'");
	assert_string_equal(quote(&q, "del\x7f"), "'del\\x7f'");
	/* UTF-8 text is kept; C1 controls (CSI), bidi overrides and broken UTF-8 are not. */
	assert_string_equal(quote(&q, "M\xc3\xbcller"), "'M\xc3\xbcller'");
	assert_string_equal(quote(&q, "a\xc2\x9b" "2J"), "'a\\xc2\\x9b2J'");
	assert_string_equal(quote(&q, "x\xe2\x80\xaey"), "'x\\xe2\\x80\\xaey'");
	assert_string_equal(quote(&q, "\x9b\xff\xc3"), "'\\x9b\\xff\\xc3'");
	assert_string_equal(quote(&q, "\xc0\xaf"), "'\\xc0\\xaf'"); /* overlong '/' */
	assert_string_equal(quote(&q, "\xed\xa0\x80"), "'\\xed\\xa0\\x80'"); /* surrogate */
	assert_string_equal(quote_mem(&q, "a\0b", 3), "'a\\x00b'");
	/* Long text is cut with an ellipsis after QUOTE_SHOWN_MAX characters. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "ab\x1b[2J", 6);
	quote(&q, big);
	/* 64 characters, \x1b taking 4 bytes for 1, the quotes and the ellipsis. */
	assert_int_equal(strlen(q.text), QUOTE_SHOWN_MAX + 3 + 2 + 3);
	assert_memory_equal(q.text, "'ab\\x1b[2Jxx", 12);
	assert_string_equal(q.text + strlen(q.text) - 4, "...'");
	/* The worst case fits: every byte escaped. */
	memset(big, '\x1b', sizeof(big) - 1);
	quote(&q, big);
	assert_int_equal(strlen(q.text), QUOTE_SIZE - 1);
	/* Exactly QUOTE_SHOWN_MAX characters: no ellipsis. */
	big[QUOTE_SHOWN_MAX] = '\0';
	memset(big, 'y', QUOTE_SHOWN_MAX);
	assert_int_equal(strlen(quote(&q, big)), QUOTE_SHOWN_MAX + 2);
	assert_true(text_is_safe("Raspberry Pi Trading Ltd", 24));
	assert_false(text_is_safe("Evil\x1b]0;owned\x07", 14));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_opened_file_is_closed),
		cmocka_unit_test(test_quote),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
