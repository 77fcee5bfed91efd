/* Prometheus exposition text, the listen address parser and the HTTP request parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

static void test_exposition(void **state)
{
	struct metrics_text t;

	(void)state;
	metrics_text_init(&t);
	metrics_text_family(&t, "arpkit_conflicts_total", "counter", "Conflicts seen.");
	metrics_text_uint(&t, "arpkit_conflicts_total", NULL, NULL, 18446744073709551615ull);
	metrics_text_family(&t, "arpkit_last_convergence_seconds", "gauge", "Last run.");
	metrics_text_double(&t, "arpkit_last_convergence_seconds", "interface", "eth0", 0.25);
	metrics_text_double(&t, "arpkit_last_convergence_seconds", "interface", "we\"ird\\\n", 1);
	assert_false(t.failed);
	assert_string_equal(t.data,
		"# HELP arpkit_conflicts_total Conflicts seen.\n"
		"# TYPE arpkit_conflicts_total counter\n"
		"arpkit_conflicts_total 18446744073709551615\n"
		"# HELP arpkit_last_convergence_seconds Last run.\n"
		"# TYPE arpkit_last_convergence_seconds gauge\n"
		"arpkit_last_convergence_seconds{interface=\"eth0\"} 0.250000\n"
		"arpkit_last_convergence_seconds{interface=\"we\\\"ird\\\\\\n\"} 1.000000\n");
	assert_int_equal(t.len, strlen(t.data));
	metrics_text_free(&t);
}

static void test_listen_address(void **state)
{
	struct sockaddr_in sa;

	(void)state;
	assert_int_equal(metrics_parse_listen("127.0.0.1:9567", &sa), 0);
	assert_int_equal(ntohs(sa.sin_port), 9567);
	assert_int_equal(ntohl(sa.sin_addr.s_addr), 0x7f000001);
	assert_int_equal(metrics_parse_listen("0.0.0.0:9567", &sa), -EADDRNOTAVAIL);
	assert_int_equal(metrics_parse_listen("127.0.0.1", &sa), -EINVAL);
	assert_int_equal(metrics_parse_listen("127.0.0.1:0", &sa), -EINVAL);
	assert_int_equal(metrics_parse_listen("127.0.0.1:65536", &sa), -EINVAL);
	assert_int_equal(metrics_parse_listen("localhost:9567", &sa), -EINVAL);
	assert_int_equal(metrics_parse_listen(":9567", &sa), -EINVAL);
	assert_int_equal(metrics_parse_listen("[::1]:9567", &sa), -EINVAL);
}

static enum metrics_request parse(const char *text)
{
	return metrics_parse_request(text, strlen(text));
}

static void test_requests(void **state)
{
	(void)state;
	assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), METRICS_REQ_GET);
	assert_int_equal(parse("GET / HTTP/1.0\r\n\r\n"), METRICS_REQ_GET);
	assert_int_equal(parse("HEAD /metrics HTTP/1.0\n\n"), METRICS_REQ_HEAD);
	assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n"), METRICS_REQ_INCOMPLETE);
	assert_int_equal(parse("GET /metr"), METRICS_REQ_INCOMPLETE);
	assert_int_equal(parse("GET /other HTTP/1.0\r\n\r\n"), METRICS_REQ_NOT_FOUND);
	assert_int_equal(parse("GET /metricsx HTTP/1.0\r\n\r\n"), METRICS_REQ_NOT_FOUND);
	assert_int_equal(parse("POST /metrics HTTP/1.0\r\n\r\n"), METRICS_REQ_BAD_METHOD);
	assert_int_equal(parse("GET /metrics\r\n\r\n"), METRICS_REQ_BAD);
	assert_int_equal(parse("hello\r\n\r\n"), METRICS_REQ_BAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exposition),
		cmocka_unit_test(test_listen_address),
		cmocka_unit_test(test_requests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
