#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "addr.h"
#include "vendor.h"

/* The Makefile runs unit tests from the repository root; ARPKIT_FIXTURES lets
 * them run from anywhere else. */
static const char *fixture_dir(void)
{
	static char dir[4096];
	const char *base = getenv("ARPKIT_FIXTURES");

	snprintf(dir, sizeof(dir), "%s/ieee", base && *base ? base : "tests/unit/fixtures");
	return dir;
}

static const char *lookup(const struct vendor_db *db, const char *mac_text)
{
	struct mac mac;

	assert_int_equal(mac_parse(mac_text, &mac), 0);
	return vendor_lookup(db, &mac);
}

/* Writes text to a fresh temporary file; path receives its name. */
static void write_override(char path[64], const char *text)
{
	int fd;

	strcpy(path, "/tmp/arpkit-vendor-override-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int load_with_override(struct vendor_db **db, const char *text, unsigned *bad_line)
{
	char path[64];
	int err;

	write_override(path, text);
	err = vendor_db_load(db, fixture_dir(), path, bad_line);
	unlink(path);
	return err;
}

static struct vendor_db *load_fixture(void)
{
	struct vendor_db *db = NULL;

	assert_int_equal(vendor_db_load(&db, fixture_dir(), NULL, NULL), 0);
	assert_non_null(db);
	return db;
}

static void test_fixture_counts_only_good_records(void **state)
{
	struct vendor_db *db = load_fixture();

	(void)state;
	/* oui.csv 7 (one duplicate, eight damaged records), mam.csv 3, oui36.csv 2,
	 * iab.txt 1. */
	assert_int_equal(vendor_db_size(db), 13);
	vendor_db_free(db);
}

static void test_longest_prefix_wins(void **state)
{
	struct vendor_db *db = load_fixture();

	(void)state;
	assert_string_equal(lookup(db, "70:b3:d5:f2:a0:01"), "Thirty Six Bit Oy");
	assert_string_equal(lookup(db, "70:b3:d5:f2:af:ff"), "Thirty Six Bit Oy");
	assert_string_equal(lookup(db, "70:b3:d5:f2:b0:00"), "Private");
	assert_string_equal(lookup(db, "70:b3:d5:f2:c0:00"), "Twenty Eight Bit GmbH");
	assert_string_equal(lookup(db, "70:b3:d5:ff:ff:ff"), "Twenty Eight Bit GmbH");
	assert_string_equal(lookup(db, "70:b3:d5:e0:00:00"),
			    "IEEE Registration Authority");
	assert_string_equal(lookup(db, "00:11:22:30:00:00"), "Nested, Comma, Ltd");
	assert_string_equal(lookup(db, "00:11:22:50:00:00"), "Comma Corp, Inc.");
	vendor_db_free(db);
}

static void test_csv_quoting_and_names(void **state)
{
	struct vendor_db *db = load_fixture();

	(void)state;
	assert_string_equal(lookup(db, "b8:27:eb:01:02:03"), "Fixture Pi Foundation");
	/* Quoted, with doubled quotes, padded, followed by a multi-line address. */
	assert_string_equal(lookup(db, "00:1b:21:00:00:01"), "Acme \"Quoted\" Networks");
	/* The record after the multi-line address still parses; lower-case hex too. */
	assert_string_equal(lookup(db, "dc:a6:32:00:00:01"), "Fixture Trading Ltd");
	/* The first of two records for one assignment is kept. */
	assert_string_equal(lookup(db, "08:00:30:00:00:01"), "First Holder");
	/* No-break space before, en space after. */
	assert_string_equal(lookup(db, "00:11:22:40:00:00"), "Unicode Blank Ltd");
	vendor_db_free(db);
}

static void test_damaged_records_are_skipped(void **state)
{
	struct vendor_db *db = load_fixture();

	(void)state;
	assert_string_equal(lookup(db, "04:05:06:00:00:00"), VENDOR_UNKNOWN);
	assert_string_equal(lookup(db, "0c:0d:0e:00:00:00"), VENDOR_UNKNOWN);
	assert_string_equal(lookup(db, "10:11:12:00:00:00"), VENDOR_UNKNOWN);
	assert_string_equal(lookup(db, "14:15:16:00:00:00"), VENDOR_UNKNOWN);
	/* Swallowed by the unterminated quote above it. */
	assert_string_equal(lookup(db, "18:1a:1c:00:00:00"), VENDOR_UNKNOWN);
	vendor_db_free(db);
}

static void test_text_registry_when_csv_absent(void **state)
{
	struct vendor_db *db = load_fixture();

	(void)state;
	assert_string_equal(lookup(db, "00:50:c2:7d:5a:bc"), "Text Format AG");
	assert_string_equal(lookup(db, "00:50:c2:7d:60:00"), VENDOR_UNKNOWN);
	vendor_db_free(db);
}

static void test_local_and_unknown(void **state)
{
	struct vendor_db *db = load_fixture();

	(void)state;
	assert_string_equal(lookup(db, "02:00:00:00:00:01"), VENDOR_LOCAL);
	assert_string_equal(lookup(db, "fe:ff:ff:00:00:01"), VENDOR_LOCAL);
	assert_string_equal(lookup(db, "00:00:01:00:00:01"), VENDOR_UNKNOWN);
	assert_string_equal(lookup(db, "fc:ff:ff:00:00:01"), VENDOR_UNKNOWN);
	/* A registry entry under a locally administered first octet still names it. */
	assert_string_equal(lookup(db, "aa:bb:cc:00:00:01"), "Private");
	vendor_db_free(db);
}

static void test_override_precedence(void **state)
{
	static const char text[] = "# site names\n"
				   "\n"
				   "b8:27:eb   Lab Pis   # trailing comment\n"
				   "70-B3-D5/24\tWhole Block\n"
				   "001122334455/48 One Host\n"
				   "00:11:22:33:44:00/40 Forty Bits\n"
				   "02:00:00 Lab VMs\n"
				   "dca632 First Try\n"
				   "dca632 Second Try\n"
				   "0c0d0e Acme#2\n";
	struct vendor_db *db = NULL;
	unsigned bad_line = 99;

	(void)state;
	assert_int_equal(load_with_override(&db, text, &bad_line), 0);
	assert_int_equal(bad_line, 0);
	assert_int_equal(vendor_db_size(db), 13 + 7);
	assert_string_equal(lookup(db, "b8:27:eb:01:02:03"), "Lab Pis");
	/* Any override beats the registry, even a shorter prefix. */
	assert_string_equal(lookup(db, "70:b3:d5:f2:a0:01"), "Whole Block");
	/* Among overrides the longest prefix wins. */
	assert_string_equal(lookup(db, "00:11:22:33:44:55"), "One Host");
	assert_string_equal(lookup(db, "00:11:22:33:44:56"), "Forty Bits");
	assert_string_equal(lookup(db, "00:11:22:33:45:00"), "Nested, Comma, Ltd");
	assert_string_equal(lookup(db, "02:00:00:00:00:01"), "Lab VMs");
	assert_string_equal(lookup(db, "02:00:01:00:00:01"), VENDOR_LOCAL);
	assert_string_equal(lookup(db, "dc:a6:32:00:00:01"), "Second Try");
	assert_string_equal(lookup(db, "0c:0d:0e:00:00:01"), "Acme#2");
	vendor_db_free(db);
}

static void test_override_nine_and_seven_digits(void **state)
{
	struct vendor_db *db = NULL;

	(void)state;
	assert_int_equal(load_with_override(&db, "70b3d5f2a Nine\n70b3d5f Seven\n", NULL), 0);
	assert_string_equal(lookup(db, "70:b3:d5:f2:a1:23"), "Nine");
	assert_string_equal(lookup(db, "70:b3:d5:f2:b1:23"), "Seven");
	assert_string_equal(lookup(db, "70:b3:d5:e2:b1:23"),
			    "IEEE Registration Authority");
	vendor_db_free(db);
}

static void test_bad_override_line(void **state)
{
	static const char *const bad[] = {
		"b827e Five Digits",	  "b8:27:eb",
		"b8:27:eb/49 Too Long",	  "b8:27:eb/0 Empty",
		"b8:27:eb/25 Wider",	  "b8:27-eb Mixed",
		"zz:27:eb Not Hex",	  "b8:27:e Short Group",
		"b:27:eb Short First",	  "b827eb:12 Late Colon",
		"b8:27:eb/ No Bits",	  "b8:27:eb/2x Junk Bits",
		"0011223344556 Thirteen",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128];
		struct vendor_db *db = NULL;
		unsigned bad_line = 0;

		snprintf(text, sizeof(text), "# note\nb8:27:eb Fine\n\n%s\nb8:27:eb Not Read\n",
			 bad[i]);
		assert_int_equal(load_with_override(&db, text, &bad_line), -EINVAL);
		assert_int_equal(bad_line, 4);
		assert_null(db);
	}
}

static void test_missing_override_file(void **state)
{
	struct vendor_db *db = NULL;
	unsigned bad_line = 7;

	(void)state;
	assert_int_equal(vendor_db_load(&db, fixture_dir(), "/nonexistent/override", &bad_line),
			 -ENOENT);
	assert_int_equal(bad_line, 0);
	assert_null(db);
}

static void test_missing_directory(void **state)
{
	struct vendor_db *db = NULL;

	(void)state;
	assert_int_equal(vendor_db_load(&db, "/nonexistent/ieee-data", NULL, NULL), 0);
	assert_int_equal(vendor_db_size(db), 0);
	assert_string_equal(lookup(db, "b8:27:eb:01:02:03"), VENDOR_UNKNOWN);
	assert_string_equal(lookup(db, "02:27:eb:01:02:03"), VENDOR_LOCAL);
	vendor_db_free(db);
}

static void test_system_registry(void **state)
{
	struct vendor_db *db = NULL;

	(void)state;
	if (access(VENDOR_REGISTRY_DIR "/oui.csv", R_OK) != 0)
		skip();
	assert_int_equal(vendor_db_load(&db, NULL, NULL, NULL), 0);
	assert_true(vendor_db_size(db) > 40000);
	assert_string_equal(lookup(db, "b8:27:eb:12:34:56"), "Raspberry Pi Foundation");
	assert_string_equal(lookup(db, "dc:a6:32:12:34:56"), "Raspberry Pi Trading Ltd");
	vendor_db_free(db);
}

static int fixtures_present(void **state)
{
	char path[4200];

	(void)state;
	snprintf(path, sizeof(path), "%s/oui.csv", fixture_dir());
	if (access(path, R_OK) != 0) {
		print_error("no fixtures at %s (set ARPKIT_FIXTURES)\n", fixture_dir());
		return -1;
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_counts_only_good_records),
		cmocka_unit_test(test_longest_prefix_wins),
		cmocka_unit_test(test_csv_quoting_and_names),
		cmocka_unit_test(test_damaged_records_are_skipped),
		cmocka_unit_test(test_text_registry_when_csv_absent),
		cmocka_unit_test(test_local_and_unknown),
		cmocka_unit_test(test_override_precedence),
		cmocka_unit_test(test_override_nine_and_seven_digits),
		cmocka_unit_test(test_bad_override_line),
		cmocka_unit_test(test_missing_override_file),
		cmocka_unit_test(test_missing_directory),
		cmocka_unit_test(test_system_registry),
	};

	return cmocka_run_group_tests(tests, fixtures_present, NULL);
}
