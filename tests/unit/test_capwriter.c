/* Saving frames as pcap: what is written reads back (through capfile, i.e. libpcap)
 * with its bytes, its time to the microsecond, and its length cut to the snapshot. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capfile.h"
#include "capwriter.h"

static void test_write_and_read_back(void **state)
{
	char path[] = "/tmp/arpkit-capwriter-XXXXXX";
	char err[CAPFILE_ERRBUF];
	uint8_t frame[60], big[70000];
	const uint8_t *data;
	size_t len;
	uint64_t time_ns;
	struct capwriter *w;
	struct capfile *c;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)i;
	memset(big, 0xab, sizeof(big));
	assert_int_equal(capwriter_open(&w, path), 0);
	assert_int_equal(capwriter_add(w, frame, sizeof(frame), sizeof(frame),
				       1700000000ull * 1000000000ull + 123456789ull), 0);
	assert_int_equal(capwriter_add(w, big, sizeof(big), sizeof(big), 1700000001ull * 1000000000ull), 0);
	assert_int_equal(capwriter_close(w), 0);
	assert_int_equal(capwriter_close(NULL), 0);

	assert_int_equal(capfile_open(&c, path, err), 0);
	assert_int_equal(capfile_next(c, &data, &len, &time_ns, err), 1);
	assert_int_equal(len, sizeof(frame));
	assert_memory_equal(data, frame, sizeof(frame));
	assert_int_equal(time_ns, 1700000000ull * 1000000000ull + 123456000ull); /* microseconds */
	assert_int_equal(capfile_next(c, &data, &len, &time_ns, err), 1);
	assert_int_equal(len, 65535); /* the snapshot length */
	assert_int_equal(capfile_next(c, &data, &len, &time_ns, err), 0);
	capfile_close(c);
	unlink(path);
}

static void test_open_failure(void **state)
{
	struct capwriter *w = (struct capwriter *)1;

	(void)state;
	assert_int_equal(capwriter_open(&w, "/nonexistent-dir/x.pcap"), -ENOENT);
	assert_null(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_and_read_back),
		cmocka_unit_test(test_open_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
