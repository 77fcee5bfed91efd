/* The JSON writer, and the field printers that serve text and JSON with one call. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

static void test_json_writer(void **state)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	struct json j;

	(void)state;
	json_init(&j, out);
	json_object_begin(&j, NULL);
	json_string(&j, "ip", "192.0.2.1");
	json_string(&j, "odd", "a\"b\\c\n\x01");
	json_null(&j, "none");
	json_array_begin(&j, "peers");
	json_object_begin(&j, NULL);
	json_bool(&j, "ok", true);
	json_double(&j, "rtt_ms", 0.1234, 3);
	json_object_end(&j);
	json_int(&j, NULL, -3);
	json_array_end(&j);
	json_uint(&j, "n", 7);
	json_object_end(&j);
	json_object_begin(&j, NULL);
	json_object_end(&j);
	fclose(out);
	assert_string_equal(text, "{\"ip\":\"192.0.2.1\",\"odd\":\"a\\\"b\\\\c\\n\\u0001\",\"none\":null,"
				  "\"peers\":[{\"ok\":true,\"rtt_ms\":0.123},-3],\"n\":7}\n{}\n");
	free(text);
}

/* One announce-like record with every kind of field, rendered in format. */
static char *render(enum out_format format)
{
	static const struct mac peer_mac = {{0x02, 0, 0, 0, 0, 0x01}};
	char *text = NULL;
	size_t size = 0;
	FILE *file = open_memstream(&text, &size);
	struct in_addr addr;
	struct ipaddr v6, none = {0};
	struct out o;

	assert_non_null(file);
	inet_pton(AF_INET, "192.0.2.11", &addr);
	assert_int_equal(ipaddr_parse("2001:db8::1", AF_INET6, &v6), 0);
	out_init(&o, file, format);
	out_record_begin(&o);
	out_ipv4(&o, "address", "%-15s ", addr);
	out_string(&o, "interface", "%-6s", "eth0");
	out_string(&o, "result", " %s", "confirmed");
	out_double(&o, "elapsed_ms", " %.1f ms", 12.3456, 3);
	out_string(&o, "kind", NULL, "announce");        /* JSON only */
	out_text(&o, " (%d round%s)", 2, "s");           /* text only */
	out_string(&o, "label", " label %s", NULL);       /* null: nothing in text */
	out_array_begin(&o, "peers");
	out_object_begin(&o, NULL);
	out_mac(&o, "peer_mac", "  peer at %s", &peer_mac);
	out_uint(&o, "seq", " seq=%" PRIu64, 7);
	out_int(&o, "offset", " offset=%" PRId64, -3);
	out_bool(&o, "confirmed", " CONFIRMED", true);
	out_bool(&o, "conflict", " CONFLICT", false);
	out_mac(&o, "other_mac", " other %s", NULL);
	out_object_end(&o);
	out_array_end(&o);
	out_array_begin(&o, "sources");
	out_ipaddr(&o, NULL, " via %s", &v6);
	out_ipaddr(&o, NULL, " via %s", &none);
	out_array_end(&o);
	out_string(&o, "odd", " [%s]", "a\"b");
	out_record_end(&o);
	fclose(file);
	return text;
}

static void test_fields_text(void **state)
{
	char *text = render(OUT_TEXT);

	(void)state;
	assert_string_equal(text, "192.0.2.11      eth0   confirmed 12.3 ms (2 rounds)"
				  "  peer at 02:00:00:00:00:01 seq=7 offset=-3 CONFIRMED"
				  " via 2001:db8::1 [a\"b]\n");
	free(text);
}

static void test_fields_json(void **state)
{
	char *text = render(OUT_JSON);

	(void)state;
	assert_string_equal(text, "{\"address\":\"192.0.2.11\",\"interface\":\"eth0\","
				  "\"result\":\"confirmed\",\"elapsed_ms\":12.346,"
				  "\"kind\":\"announce\",\"label\":null,"
				  "\"peers\":[{\"peer_mac\":\"02:00:00:00:00:01\",\"seq\":7,"
				  "\"offset\":-3,\"confirmed\":true,\"conflict\":false,"
				  "\"other_mac\":null}],"
				  "\"sources\":[\"2001:db8::1\",null],"
				  "\"odd\":\"a\\\"b\"}\n");
	free(text);
}

static void test_records_one_per_line(void **state)
{
	char *text = NULL;
	size_t size = 0;
	FILE *file = open_memstream(&text, &size);
	struct out o;

	(void)state;
	out_init(&o, file, OUT_JSON);
	assert_true(out_is_json(&o));
	for (int i = 0; i < 3; i++) {
		out_record_begin(&o);
		out_uint(&o, "n", "%" PRIu64, (uint64_t)i);
		out_record_end(&o);
	}
	fclose(file);
	assert_string_equal(text, "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_writer),
		cmocka_unit_test(test_fields_text),
		cmocka_unit_test(test_fields_json),
		cmocka_unit_test(test_records_one_per_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
