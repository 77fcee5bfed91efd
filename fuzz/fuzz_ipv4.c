/* IPv4 headers (ipv4_decode), fed the bytes after an Ethernet header: lengths it
 * reports stay inside the buffer and the header checksum it accepted verifies. */
#include "frame.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipv4_header ip;

	if (ipv4_decode(data, size, &ip) != 0)
		return 0;
	FUZZ_ASSERT(ip.header_len >= 20 && ip.header_len <= 60);
	FUZZ_ASSERT(ip.header_len <= ip.total_len && ip.total_len <= size);
	FUZZ_ASSERT(inet_checksum(data, ip.header_len) == 0);
	return 0;
}
