/*
 * Neighbor Discovery frames (ndp_decode) with RFC 4861's validity rules: an accepted
 * message holds no more prefixes than it has room for, and a Neighbor Solicitation or
 * Advertisement re-encodes (ndp_encode) to a frame that decodes to the same message.
 */
#include <string.h>

#include "frame.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ndp_msg m, again;
	uint8_t buf[256];
	size_t len;

	if (ndp_decode(data, size, &m) != 0)
		return 0;
	FUZZ_ASSERT(m.type >= NDP_ROUTER_SOLICIT && m.type <= NDP_REDIRECT);
	FUZZ_ASSERT(m.ra.prefix_count <= NDP_MAX_PREFIXES);
	FUZZ_ASSERT(m.ip.hop_limit == NDP_HOP_LIMIT);
	if (m.type != NDP_NEIGHBOR_SOLICIT && m.type != NDP_NEIGHBOR_ADVERT)
		return 0;
	len = ndp_encode(&m, buf, sizeof(buf));
	FUZZ_ASSERT(len > 0);
	FUZZ_ASSERT(ndp_decode(buf, len, &again) == 0);
	FUZZ_ASSERT(again.type == m.type && again.flags == m.flags &&
		    !memcmp(&again.target, &m.target, sizeof(m.target)) &&
		    again.has_source_lladdr == m.has_source_lladdr &&
		    again.has_target_lladdr == m.has_target_lladdr &&
		    again.has_nonce == m.has_nonce &&
		    (!m.has_source_lladdr || mac_equal(&again.source_lladdr, &m.source_lladdr)) &&
		    (!m.has_target_lladdr || mac_equal(&again.target_lladdr, &m.target_lladdr)));
	return 0;
}
