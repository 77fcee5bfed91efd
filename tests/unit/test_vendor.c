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
static const char *fixture_path(const char *name, char *buf, size_t size)
{
	const char *base = getenv("ARPKIT_FIXTURES");

	snprintf(buf, size, "%s/%s", base && *base ? base : "tests/unit/fixtures", name);
	return buf;
}

static const char *fixture_dir(void)
{
	static char dir[4096];

	return fixture_path("ieee", dir, sizeof(dir));
}

/* Only the ieee-data fixture, as before arp-scan's files were read. */
static struct vendor_sources ieee_only(const char *override)
{
	struct vendor_sources s = {.ieee_data_dir = fixture_dir(), .override = override};

	return s;
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
	struct vendor_error e;
	struct vendor_sources sources;
	char path[64];
	int err;

	write_override(path, text);
	sources = ieee_only(path);
	err = vendor_db_load(db, &sources, &e);
	unlink(path);
	if (bad_line)
		*bad_line = e.line;
	return err;
}

static struct vendor_db *load_fixture(void)
{
	struct vendor_sources sources = ieee_only(NULL);
	struct vendor_db *db = NULL;

	assert_int_equal(vendor_db_load(&db, &sources, NULL), 0);
	assert_non_null(db);
	return db;
}

static void test_fixture_counts_only_good_records(void **state)
{
	struct vendor_db *db = load_fixture();

	(void)state;
	/* oui.csv 8 (one duplicate, eight damaged records, two names that are not
	 * safe to print), mam.csv 3, oui36.csv 2, iab.txt 1. */
	assert_int_equal(vendor_db_size(db), 14);
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
	assert_int_equal(vendor_db_size(db), 14 + 7);
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
	struct vendor_sources sources = ieee_only("/nonexistent/override");
	struct vendor_db *db = NULL;
	struct vendor_error e = {.line = 7};

	(void)state;
	assert_int_equal(vendor_db_load(&db, &sources, &e), -ENOENT);
	assert_int_equal(e.line, 0);
	assert_string_equal(e.reason, "No such file or directory");
	assert_null(db);
}

static void test_missing_directory(void **state)
{
	struct vendor_sources sources = {.ieee_data_dir = "/nonexistent/ieee-data",
					 .arpscan_dir = "/nonexistent/arp-scan",
					 .arpscan_local = "/nonexistent/mac-vendor.txt"};
	struct vendor_db *db = NULL;

	(void)state;
	assert_int_equal(vendor_db_load(&db, &sources, NULL), 0);
	assert_int_equal(vendor_db_size(db), 0);
	assert_string_equal(lookup(db, "b8:27:eb:01:02:03"), VENDOR_UNKNOWN);
	assert_string_equal(lookup(db, "02:27:eb:01:02:03"), VENDOR_LOCAL);
	vendor_db_free(db);
}

static void test_system_registry(void **state)
{
	struct vendor_db *db = NULL;

	(void)state;
	if (access(VENDOR_IEEE_DATA_DIR "/oui.csv", R_OK) != 0)
		skip();
	assert_int_equal(vendor_db_load(&db, NULL, NULL), 0);
	assert_true(vendor_db_size(db) > 40000);
	assert_string_equal(lookup(db, "b8:27:eb:12:34:56"), "Raspberry Pi Foundation");
	assert_string_equal(lookup(db, "dc:a6:32:12:34:56"), "Raspberry Pi Trading Ltd");
	/* Issue 10 item 9: what ieee-data (2022-08) misses, arp-scan's files name. */
	if (access(VENDOR_ARPSCAN_DIR "/ieee-oui.txt", R_OK) == 0)
		assert_string_equal(lookup(db, "d8:3a:dd:12:34:56"), "Raspberry Pi Trading Ltd");
	if (access(VENDOR_ARPSCAN_LOCAL, R_OK) == 0)
		assert_string_equal(lookup(db, "52:54:00:12:34:56"), "QEMU");
	vendor_db_free(db);
}

static struct vendor_db *load_all(const char *arpscan_dir, const char *local, const char *override)
{
	static char dir[4096];
	struct vendor_sources sources = ieee_only(override);
	struct vendor_db *db = NULL;

	sources.arpscan_dir = fixture_path(arpscan_dir, dir, sizeof(dir));
	sources.arpscan_local = local;
	assert_int_equal(vendor_db_load(&db, &sources, NULL), 0);
	return db;
}

/* Issue 10 item 9: every registry is read; for one prefix the newest file wins. */
static void test_every_registry_newest_wins(void **state)
{
	struct vendor_db *db = load_all("arp-scan", NULL, NULL);

	(void)state;
	/* Only arp-scan's ieee-oui.txt (get-oui 2022-12-10) has it. */
	assert_string_equal(lookup(db, "d8:3a:dd:01:02:03"), "Raspberry Pi Trading Ltd");
	/* Both have it: arp-scan's file is newer than ieee-data's .lastupdate (2022-08-27). */
	assert_string_equal(lookup(db, "b8:27:eb:01:02:03"), "Raspberry Pi Foundation");
	/* mac-vendor.txt names what IEEE does not assign, and the longest prefix still
	 * wins across sources: the VRRP /40 inside ICANN's block, a /28 from arp-scan
	 * inside an ieee-data /24, ieee-data's /28 outside it. */
	assert_string_equal(lookup(db, "52:54:00:12:34:56"), "QEMU");
	assert_string_equal(lookup(db, "00:00:5e:00:01:07"), "VRRP (last octet is VRID)");
	assert_string_equal(lookup(db, "00:11:22:50:00:00"), "Arp-scan Twenty Eight Ltd");
	assert_string_equal(lookup(db, "00:11:22:30:00:00"), "Nested, Comma, Ltd");
	assert_string_equal(lookup(db, "00:11:22:60:00:00"), "Comma Corp, Inc.");
	/* A hand-kept list beats the dated registries for the same prefix. */
	assert_string_equal(lookup(db, "dc:a6:32:00:00:01"), "Hand Kept Wins");
	vendor_db_free(db);

	/* An older arp-scan file loses to ieee-data where both name a prefix. */
	db = load_all("arp-scan-old", NULL, NULL);
	assert_string_equal(lookup(db, "b8:27:eb:01:02:03"), "Fixture Pi Foundation");
	assert_string_equal(lookup(db, "d8:3a:dd:01:02:03"), "Old Pi Name");
	vendor_db_free(db);
}

static void test_override_beats_every_registry(void **state)
{
	char override[64], local[64];
	struct vendor_db *db;

	(void)state;
	write_override(override, "d8:3a:dd Lab Pi 5\n52:54 Lab VMs\n");
	write_override(local, "08:00:30\tAdmin's Own Name\n");
	db = load_all("arp-scan", local, override);
	unlink(override);
	unlink(local);
	assert_string_equal(lookup(db, "d8:3a:dd:01:02:03"), "Lab Pi 5");
	/* Even a shorter override prefix beats mac-vendor.txt's /24. */
	assert_string_equal(lookup(db, "52:54:00:12:34:56"), "Lab VMs");
	/* The administrator's /etc/arp-scan/mac-vendor.txt is a hand-kept list too. */
	assert_string_equal(lookup(db, "08:00:30:00:00:01"), "Admin's Own Name");
	vendor_db_free(db);
}

/* A registry cannot put escape sequences on the terminal: such records are dropped
 * (the others around them are kept); invisible marks at the ends are trimmed. */
static void test_hostile_registry_records(void **state)
{
	struct vendor_db *db = load_all("arp-scan", NULL, NULL);

	(void)state;
	assert_string_equal(lookup(db, "1c:1d:1e:00:00:01"), VENDOR_UNKNOWN); /* OSC in CSV */
	assert_string_equal(lookup(db, "24:25:26:00:00:01"), VENDOR_UNKNOWN); /* RLO */
	assert_string_equal(lookup(db, "1c:1d:1f:00:00:01"), VENDOR_UNKNOWN); /* CSI */
	assert_string_equal(lookup(db, "2c:2d:2e:00:00:01"), VENDOR_UNKNOWN); /* tab */
	assert_string_equal(lookup(db, "34:35:36:00:00:01"), VENDOR_UNKNOWN); /* NUL */
	assert_string_equal(lookup(db, "3c:3d:3e:90:00:01"), "Fine After Hostile Ltd");
	assert_string_equal(lookup(db, "20:21:22:00:00:01"), "Zero Width Ltd");
	vendor_db_free(db);
}

static void test_hostile_override_lines(void **state)
{
	static const struct {
		const char *text, *reason;
		unsigned line;
	} cases[] = {
		{"b8:27:eb Fine\nb8:27:eb Evil\x1b[2J\n", "a name with control characters", 2},
		{"b8:27:eb \xe2\x80\xae" "evil\n", "a name with control characters", 1},
		{"b8:27:eb Nul\n\0\n", "a NUL byte: not a text file", 2},
		{"zz Not A Prefix\n", "not 'PREFIX NAME'", 1},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vendor_sources sources;
		struct vendor_error e;
		struct vendor_db *db = NULL;
		char path[64];
		size_t len = strlen(cases[i].text);
		int fd;

		if (i == 2)
			len = 16; /* the NUL is part of the file */
		strcpy(path, "/tmp/arpkit-vendor-override-XXXXXX");
		fd = mkstemp(path);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, cases[i].text, len), (ssize_t)len);
		close(fd);
		sources = ieee_only(path);
		assert_true(vendor_db_load(&db, &sources, &e) < 0);
		unlink(path);
		assert_null(db);
		assert_int_equal(e.line, cases[i].line);
		assert_non_null(strstr(e.reason, cases[i].reason));
	}
}

/* Issue 12 items 6 and 8: the override file is bounded, and a directory says so. */
static void test_override_limits(void **state)
{
	struct vendor_sources sources = ieee_only("/");
	struct vendor_error e;
	struct vendor_db *db = NULL;
	char *text = malloc(VENDOR_OVERRIDE_LINE_MAX + 32), path[64];

	(void)state;
	assert_int_equal(vendor_db_load(&db, &sources, &e), -EISDIR);
	assert_string_equal(e.reason, "Is a directory");
	assert_non_null(text);
	memset(text, 'x', VENDOR_OVERRIDE_LINE_MAX + 16);
	memcpy(text, "b8:27:eb ", 9);
	strcpy(text + VENDOR_OVERRIDE_LINE_MAX + 16, "\n");
	write_override(path, text);
	sources = ieee_only(path);
	assert_int_equal(vendor_db_load(&db, &sources, &e), -EOVERFLOW);
	unlink(path);
	assert_int_equal(e.line, 1);
	assert_string_equal(e.reason, "line longer than 1 KiB");
	free(text);
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
		cmocka_unit_test(test_every_registry_newest_wins),
		cmocka_unit_test(test_override_beats_every_registry),
		cmocka_unit_test(test_hostile_registry_records),
		cmocka_unit_test(test_hostile_override_lines),
		cmocka_unit_test(test_override_limits),
	};

	return cmocka_run_group_tests(tests, fixtures_present, NULL);
}
