/* ICMP echo frames (icmp_echo_decode): an accepted frame is an echo whose ICMP
 * message lies inside the buffer; re-encoding its fields gives a frame that decodes
 * to the same echo. */
#include "frame.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct icmp_echo echo, again;
	uint8_t buf[FRAME_MAX];
	size_t len;

	if (icmp_echo_decode(data, size, &echo) != 0)
		return 0;
	FUZZ_ASSERT(echo.type == ICMP_ECHO_REQUEST || echo.type == ICMP_ECHO_REPLY);
	FUZZ_ASSERT(echo.eth.header_len + echo.ip.total_len <= size);
	len = icmp_echo_encode(&echo, 8, buf, sizeof(buf));
	FUZZ_ASSERT(len > 0);
	FUZZ_ASSERT(icmp_echo_decode(buf, len, &again) == 0);
	FUZZ_ASSERT(again.type == echo.type && again.ident == echo.ident &&
		    again.sequence == echo.sequence && again.eth.vlan == echo.eth.vlan &&
		    again.ip.src.s_addr == echo.ip.src.s_addr &&
		    again.ip.dst.s_addr == echo.ip.dst.s_addr);
	return 0;
}
