/* The metrics endpoint's HTTP request parser (metrics_parse_request), fed what a
 * client could send, whole and cut after each line, as reads might cut it. */
#include <string.h>

#include "fuzz.h"
#include "metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum metrics_request whole, part;

	if (size > METRICS_REQUEST_MAX)
		size = METRICS_REQUEST_MAX; /* the server's buffer holds no more */
	whole = metrics_parse_request((const char *)data, size);
	FUZZ_ASSERT(whole <= METRICS_REQ_BAD);
	for (const uint8_t *nl = memchr(data, '\n', size); nl;
	     nl = memchr(nl + 1, '\n', size - (size_t)(nl + 1 - data))) {
		part = metrics_parse_request((const char *)data, (size_t)(nl + 1 - data));
		FUZZ_ASSERT(part <= METRICS_REQ_BAD);
		/* The server answers at the first complete prefix: what follows the
		 * blank line must not change the answer. */
		if (part != METRICS_REQ_INCOMPLETE) {
			FUZZ_ASSERT(part == whole);
			break;
		}
	}
	return 0;
}
