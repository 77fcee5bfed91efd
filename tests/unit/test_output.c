/* The JSON writer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_writer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
