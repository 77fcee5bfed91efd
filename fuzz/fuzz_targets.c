/*
 * Target files (targets_read over the bounded line reader), as `scan -f` reads them,
 * IPv4 and IPv6 items alike:
 * whatever is accepted must merge into an index that agrees with the walk in address
 * order, and every bad item must quote into printable text.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "quote.h"
#include "targets.h"

#define WALK_MAX 4096 /* a /8 has 16 M targets: check the first few thousand */

static void check_bad(void *ctx, unsigned line, const char *item, int err)
{
	struct quoted q;

	(void)ctx;
	FUZZ_ASSERT(line > 0 && err < 0);
	quote(&q, item);
	FUZZ_ASSERT(text_is_safe(q.text, strlen(q.text)));
}

/* a comes after b in address order, IPv4 before IPv6. */
static bool after(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->family != b->family)
		return a->family == AF_INET6;
	if (a->family == AF_INET)
		return ntohl(a->v4.s_addr) > ntohl(b->v4.s_addr);
	return memcmp(&a->v6, &b->v6, sizeof(a->v6)) > 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct targets t;
	struct line_reader r;
	struct target_cursor cursor;
	struct ipaddr a, previous;
	uint32_t index, found;
	FILE *in;
	int err;

	in = fuzz_stream(data, size);
	if (!in)
		return 0;
	targets_init(&t);
	line_reader_init(&r, in, TARGETS_LINE_MAX, TARGETS_FILE_MAX);
	err = targets_read(&t, &r, check_bad, NULL);
	line_reader_free(&r);
	fclose(in);
	if (err == 0 || err == -EINVAL) {
		err = targets_finish(&t);
		FUZZ_ASSERT(err == 0 || err == -E2BIG || err == -ENOMEM);
	}
	if (err == 0 || err == -EINVAL) {
		targets_cursor_start(&t, &cursor);
		for (unsigned n = 0; n < WALK_MAX && targets_cursor_next(&t, &cursor, &a, &index); n++) {
			FUZZ_ASSERT(index == n);
			FUZZ_ASSERT(n == 0 || after(&a, &previous));
			FUZZ_ASSERT(targets_index_of(&t, &a, &found) && found == index);
			FUZZ_ASSERT((a.family == AF_INET) == (index < t.ipv4_total));
			previous = a;
		}
		FUZZ_ASSERT(t.total <= TARGETS_MAX && t.ipv4_total + t.ipv6_total == t.total);
	}
	targets_free(&t);
	return 0;
}
