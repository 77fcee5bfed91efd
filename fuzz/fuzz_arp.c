/* ARP frames (arp_decode): whatever decodes re-encodes to a frame that decodes to the
 * same ARP message, and the classification helpers accept it. */
#include "frame.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arp_frame arp, again;
	uint8_t buf[FRAME_MAX];
	size_t len;

	if (arp_decode(data, size, &arp) != 0)
		return 0;
	FUZZ_ASSERT(arp.eth.header_len + ARP_PAYLOAD_LEN <= size);
	FUZZ_ASSERT(arp.op == ARP_OP_REQUEST || arp.op == ARP_OP_REPLY);
	(void)arp_is_probe(&arp);
	(void)arp_is_gratuitous(&arp);
	len = arp_encode(&arp, buf, sizeof(buf));
	FUZZ_ASSERT(len >= ETH_MIN_FRAME);
	FUZZ_ASSERT(arp_decode(buf, len, &again) == 0);
	FUZZ_ASSERT(again.op == arp.op && again.spa.s_addr == arp.spa.s_addr &&
		    again.tpa.s_addr == arp.tpa.s_addr && mac_equal(&again.sha, &arp.sha) &&
		    mac_equal(&again.tha, &arp.tha) && again.eth.vlan == arp.eth.vlan);
	return 0;
}
