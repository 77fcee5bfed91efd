/* The daemon's settings (lib/daemonconf): options one by one, and a whole file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "daemonconf.h"

static int read_config(struct daemon_options *o, const char *text, struct daemon_conf_error *e);

static void test_options(void **state)
{
	struct daemon_options o;
	struct daemon_conf_error e;
	char text[32];

	(void)state;
	daemon_options_default(&o);
	assert_int_equal(daemon_option_set(&o, "interface", "eth0"), 0);
	assert_int_equal(daemon_option_set(&o, "interface", "eth0"), 0);
	assert_int_equal(o.ifname_count, 1);
	assert_int_equal(daemon_option_set(&o, "interface", "a-name-far-too-long"), -EINVAL);
	assert_int_equal(daemon_option_set(&o, "peer", "192.0.2.1"), 0);
	assert_int_equal(daemon_option_set(&o, "peer", "192.0.2"), -EINVAL);
	assert_int_equal(daemon_option_set(&o, "refresh", "300"), 0);
	assert_int_equal(o.refresh_s, 300);
	assert_int_equal(daemon_option_set(&o, "refresh", "-1"), -EINVAL);
	assert_int_equal(daemon_option_set(&o, "refresh", "999999999"), -EINVAL);
	assert_int_equal(daemon_option_set(&o, "metrics", "127.0.0.1:9567"), 0);
	assert_true(o.metrics);
	assert_int_equal(daemon_option_set(&o, "metrics", "0.0.0.0:9567"), -EADDRNOTAVAIL);
	assert_int_equal(daemon_option_set(&o, "json", "yes"), -EINVAL);
	assert_int_equal(daemon_option_set(&o, "json", NULL), 0);
	assert_int_equal(daemon_option_set(&o, "verbose", NULL), -ENOENT);
	assert_int_equal(daemon_option_set(&o, "peer", NULL), -EINVAL);

	assert_int_equal(read_config(&o, "# arpkit daemon\n\ninterface eth1   # the VIP side\n"
				  "  peer 10.0.0.1\nrefresh 60\njson\n", NULL), 0);
	assert_int_equal(o.ifname_count, 1);
	assert_string_equal(o.ifnames[0], "eth1");
	assert_string_equal(ipv4_format(o.peers[0], text), "10.0.0.1");
	assert_int_equal(o.refresh_s, 60);
	assert_true(o.json);

	assert_int_equal(read_config(&o, "interface eth0\n\nrefresh often\n", &e), -EINVAL);
	assert_int_equal(e.line, 3);
	assert_string_equal(e.reason, "refresh 'often': invalid value");
}

/* Reads text as a configuration file; e may be NULL when no error is expected. */
static int read_config(struct daemon_options *o, const char *text, struct daemon_conf_error *e)
{
	struct daemon_conf_error ignored;
	struct line_reader r;
	FILE *in = tmpfile();
	int err;

	assert_non_null(in);
	fputs(text, in);
	rewind(in);
	daemon_options_default(o);
	line_reader_init(&r, in, DAEMON_CONF_LINE_MAX, DAEMON_CONF_FILE_MAX);
	err = daemon_options_read(o, &r, e ? e : &ignored);
	line_reader_free(&r);
	fclose(in);
	return err;
}

/* Issue 12 item 9: a rejected metrics value must not overwrite an accepted address. */
static void test_rejected_metrics_keeps_address(void **state)
{
	struct daemon_options o;
	char text[IPV4_STRLEN];

	(void)state;
	daemon_options_default(&o);
	assert_int_equal(daemon_option_set(&o, "metrics", "127.0.0.1:9567"), 0);
	assert_int_equal(daemon_option_set(&o, "metrics", "192.0.2.9:0"), -EINVAL);
	assert_int_equal(daemon_option_set(&o, "metrics", "0.0.0.0:9100"), -EADDRNOTAVAIL);
	assert_int_equal(daemon_option_set(&o, "metrics", "10.0.0.1:99999"), -EINVAL);
	assert_true(o.metrics);
	assert_string_equal(ipv4_format(o.metrics_addr.sin_addr, text), "127.0.0.1");
	assert_int_equal(ntohs(o.metrics_addr.sin_port), 9567);
	assert_int_equal(o.metrics_addr.sin_family, AF_INET);
}

/* Issue 12 item 9: --peer on the command line beyond the file's 64 peers is an
 * error, not silently dropped; nothing is half merged. */
static void test_merge_refuses_too_many(void **state)
{
	struct daemon_options file, cmdline;
	const char *which = NULL;
	char text[32];

	(void)state;
	daemon_options_default(&file);
	for (unsigned i = 0; i < DAEMON_MAX_PEERS; i++) {
		snprintf(text, sizeof(text), "10.0.%u.%u", i / 200, i % 200 + 1);
		assert_int_equal(daemon_option_set(&file, "peer", text), 0);
	}
	assert_int_equal(daemon_option_set(&file, "refresh", "60"), 0);
	daemon_options_default(&cmdline);
	assert_int_equal(daemon_option_set(&cmdline, "peer", "192.0.2.1"), 0);
	assert_int_equal(daemon_option_set(&cmdline, "refresh", "30"), 0);
	assert_int_equal(daemon_options_merge(&cmdline, &file, &which), -E2BIG);
	assert_string_equal(which, "peer");
	assert_int_equal(cmdline.peer_count, 1);
	assert_int_equal(cmdline.refresh_s, 30);

	/* A peer the file already lists is not one more. */
	daemon_options_default(&cmdline);
	assert_int_equal(daemon_option_set(&cmdline, "peer", "10.0.0.1"), 0);
	assert_int_equal(daemon_option_set(&cmdline, "interface", "eth9"), 0);
	assert_int_equal(daemon_options_merge(&cmdline, &file, &which), 0);
	assert_int_equal(cmdline.peer_count, DAEMON_MAX_PEERS);
	assert_int_equal(cmdline.ifname_count, 1);
	assert_int_equal(cmdline.refresh_s, 60);

	daemon_options_default(&file);
	for (unsigned i = 0; i < DAEMON_MAX_IFACES; i++) {
		snprintf(text, sizeof(text), "eth%u", i);
		assert_int_equal(daemon_option_set(&file, "interface", text), 0);
	}
	daemon_options_default(&cmdline);
	assert_int_equal(daemon_option_set(&cmdline, "interface", "vip0"), 0);
	assert_int_equal(daemon_options_merge(&cmdline, &file, &which), -E2BIG);
	assert_string_equal(which, "interface");
}

/* Issue 12 item 8: a line over the limit and a directory say what they are. */
static void test_config_true_messages(void **state)
{
	struct daemon_options o;
	struct daemon_conf_error e;
	char line[DAEMON_CONF_LINE_MAX + 32];

	(void)state;
	memset(line, ' ', sizeof(line));
	memcpy(line, "interface eth0\npeer", 19);
	strcpy(line + DAEMON_CONF_LINE_MAX + 16, "10.0.0.1\n");
	assert_int_equal(read_config(&o, line, &e), -EOVERFLOW);
	assert_int_equal(e.line, 2);
	assert_string_equal(e.reason, "line longer than 511 bytes");

	daemon_options_default(&o);
	assert_int_equal(daemon_options_load(&o, "/", &e), -EISDIR);
	assert_int_equal(e.line, 0);
	assert_string_equal(e.reason, "Is a directory");

	assert_int_equal(read_config(&o, "verbose\x1b[2J yes\n", &e), -ENOENT);
	assert_string_equal(e.reason, "unknown option 'verbose\\x1b[2J'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_rejected_metrics_keeps_address),
		cmocka_unit_test(test_merge_refuses_too_many),
		cmocka_unit_test(test_config_true_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
