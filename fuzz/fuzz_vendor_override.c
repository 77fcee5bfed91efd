/*
 * The vendor override file (--vendor-file) through the bounded reader: a line is
 * taken or refused with a reason that is safe to print, and every name a lookup
 * returns afterwards is printable.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "quote.h"
#include "vendor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vendor_error e = {0};
	struct line_reader r;
	struct vendor_db *db;
	FILE *in;
	int err;

	in = fuzz_stream(data, size);
	if (!in)
		return 0;
	if (vendor_db_new(&db) < 0) {
		fclose(in);
		return 0;
	}
	line_reader_init(&r, in, VENDOR_OVERRIDE_LINE_MAX, VENDOR_OVERRIDE_FILE_MAX);
	err = vendor_db_add_override(db, &r, &e);
	line_reader_free(&r);
	fclose(in);
	if (err < 0) {
		FUZZ_ASSERT(e.reason[0] != '\0');
		FUZZ_ASSERT(text_is_safe(e.reason, strlen(e.reason)));
	} else if (vendor_db_finish(db) == 0) {
		for (size_t i = 0; i + MAC_LEN <= size && i < 256; i++) {
			struct mac mac;
			const char *name;

			memcpy(mac.octet, data + i, MAC_LEN);
			name = vendor_lookup(db, &mac);
			FUZZ_ASSERT(text_is_safe(name, strlen(name)));
		}
	}
	vendor_db_free(db);
	return 0;
}
