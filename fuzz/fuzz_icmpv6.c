/* ICMPv6 echo frames (icmpv6_echo_decode): an accepted echo re-encodes to a frame that
 * decodes to the same echo. */
#include <string.h>

#include "frame.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct icmpv6_echo echo, again;
	uint8_t buf[FRAME_MAX + 64];
	size_t len;

	if (icmpv6_echo_decode(data, size, &echo) != 0)
		return 0;
	FUZZ_ASSERT(echo.type == ICMPV6_ECHO_REQUEST || echo.type == ICMPV6_ECHO_REPLY);
	FUZZ_ASSERT(echo.eth.header_len + IPV6_HDR_LEN + echo.ip.payload_len <= size);
	len = icmpv6_echo_encode(&echo, 8, buf, sizeof(buf));
	FUZZ_ASSERT(len > 0);
	FUZZ_ASSERT(icmpv6_echo_decode(buf, len, &again) == 0);
	FUZZ_ASSERT(again.type == echo.type && again.ident == echo.ident &&
		    again.sequence == echo.sequence && again.eth.vlan == echo.eth.vlan &&
		    !memcmp(&again.ip.src, &echo.ip.src, sizeof(echo.ip.src)) &&
		    !memcmp(&again.ip.dst, &echo.ip.dst, sizeof(echo.ip.dst)));
	return 0;
}
