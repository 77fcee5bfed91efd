/*
 * The vendor registries (vendor_db_add_registry): ieee-data's CSV and text files and
 * arp-scan's lists, as a damaged or hostile /usr/share file would hold them. The
 * first byte picks the format and assignment size. Every name a lookup returns must
 * be printable (names are shown as they are), for MACs taken from the input itself.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "quote.h"
#include "vendor.h"

static const struct {
	enum vendor_format format;
	unsigned bits;
} kinds[] = {
	{VENDOR_FORMAT_IEEE_CSV, 24}, {VENDOR_FORMAT_IEEE_CSV, 28}, {VENDOR_FORMAT_IEEE_CSV, 36},
	{VENDOR_FORMAT_IEEE_TXT, 24}, {VENDOR_FORMAT_IEEE_TXT, 28}, {VENDOR_FORMAT_IEEE_TXT, 36},
	{VENDOR_FORMAT_ARPSCAN, 0},
};

static void check_lookups(const struct vendor_db *db, const uint8_t *data, size_t size)
{
	for (size_t i = 0; i + MAC_LEN <= size && i < 256; i++) {
		struct mac mac;
		const char *name;

		memcpy(mac.octet, data + i, MAC_LEN);
		name = vendor_lookup(db, &mac);
		FUZZ_ASSERT(name != NULL);
		FUZZ_ASSERT(strlen(name) <= VENDOR_NAME_MAX);
		FUZZ_ASSERT(text_is_safe(name, strlen(name)));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vendor_db *db;
	unsigned kind;
	char *text;
	int err;

	if (size < 1)
		return 0;
	text = fuzz_strdup(data + 1, size - 1);
	if (!text || vendor_db_new(&db) < 0) {
		free(text);
		return 0;
	}
	kind = data[0] % (sizeof(kinds) / sizeof(kinds[0]));
	err = vendor_db_add_registry(db, kinds[kind].format, kinds[kind].bits, 1, text,
					 size - 1);

	FUZZ_ASSERT(err == 0 || err == -ENOMEM);
	free(text);
	if (err == 0 && vendor_db_finish(db) == 0)
		check_lookups(db, data, size);
	vendor_db_free(db);
	return 0;
}
