/* The daemon's settings (lib/daemonconf): options one by one, and a whole file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>

#include "addr.h"
#include "daemonconf.h"

static void test_options(void **state)
{
	struct daemon_options o;
	unsigned line;
	FILE *in;
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

	in = tmpfile();
	assert_non_null(in);
	fputs("# arpkit daemon\n\ninterface eth1   # the VIP side\n  peer 10.0.0.1\n"
	      "refresh 60\njson\n", in);
	rewind(in);
	daemon_options_default(&o);
	assert_int_equal(daemon_options_read(&o, in, &line), 0);
	fclose(in);
	assert_int_equal(o.ifname_count, 1);
	assert_string_equal(o.ifnames[0], "eth1");
	assert_string_equal(ipv4_format(o.peers[0], text), "10.0.0.1");
	assert_int_equal(o.refresh_s, 60);
	assert_true(o.json);

	in = tmpfile();
	fputs("interface eth0\n\nrefresh often\n", in);
	rewind(in);
	assert_int_equal(daemon_options_read(&o, in, &line), -EINVAL);
	assert_int_equal(line, 3);
	fclose(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
