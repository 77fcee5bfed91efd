/* IPv6 headers (ipv6_decode), fed the bytes after an Ethernet header, extension
 * headers included: what it reports as the upper layer lies inside the payload, and
 * the payload inside the buffer. */
#include "frame.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipv6_header ip;

	if (ipv6_decode(data, size, &ip) != 0)
		return 0;
	FUZZ_ASSERT(IPV6_HDR_LEN + ip.payload_len <= size);
	FUZZ_ASSERT(ip.upper_offset >= IPV6_HDR_LEN);
	FUZZ_ASSERT(ip.upper_offset + ip.upper_len == IPV6_HDR_LEN + ip.payload_len);
	FUZZ_ASSERT(!ipv6_is_multicast(&ip.src));
	return 0;
}
