/* Ethernet and 802.1Q headers (eth_decode): a decoded header re-encodes to bytes that
 * decode to the same header, and never claims more bytes than it was given. */
#include <string.h>

#include "frame.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eth_header eth, again;
	uint8_t buf[ETH_HDR_LEN + VLAN_TAG_LEN];
	size_t len;

	if (eth_decode(data, size, &eth) != 0)
		return 0;
	FUZZ_ASSERT(eth.header_len <= size);
	FUZZ_ASSERT(eth.vlan == VLAN_NONE || (eth.vlan >= 0 && eth.vlan <= 4095));
	len = eth_encode(&eth, buf, sizeof(buf));
	FUZZ_ASSERT(len == eth.header_len);
	FUZZ_ASSERT(eth_decode(buf, len, &again) == 0);
	FUZZ_ASSERT(again.vlan == eth.vlan && again.priority == eth.priority &&
		    again.ethertype == eth.ethertype && mac_equal(&again.src, &eth.src) &&
		    mac_equal(&again.dst, &eth.dst));
	return 0;
}
