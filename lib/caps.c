#include "caps.h"

#include <cap-ng.h>
#include <errno.h>

static bool caps_has(unsigned cap)
{
	return capng_have_capability(CAPNG_EFFECTIVE, cap);
}

int caps_require(unsigned need)
{
	if (capng_get_caps_process() < 0)
		return -EPERM;
	if ((need & CAPS_NET_RAW) && !caps_has(CAP_NET_RAW))
		return -EPERM;
	if ((need & CAPS_NET_ADMIN) && !caps_has(CAP_NET_ADMIN))
		return -EPERM;
	return 0;
}

int caps_limit_to(unsigned keep)
{
	unsigned sets = CAPNG_EFFECTIVE | CAPNG_PERMITTED;

	if (capng_get_caps_process() < 0)
		return -EPERM;
	bool can_bound = caps_has(CAP_SETPCAP);

	capng_clear(CAPNG_SELECT_BOTH);
	if ((keep & CAPS_NET_RAW) && capng_update(CAPNG_ADD, sets, CAP_NET_RAW) < 0)
		return -EPERM;
	if ((keep & CAPS_NET_ADMIN) && capng_update(CAPNG_ADD, sets, CAP_NET_ADMIN) < 0)
		return -EPERM;
	/* With CAP_SETPCAP (root) the bounding set goes too, so no later exec can regain
	 * anything; without it (file capabilities, a systemd unit) it is already bounded. */
	if (capng_apply(can_bound ? CAPNG_SELECT_BOTH : CAPNG_SELECT_CAPS) < 0)
		return -EPERM;
	return 0;
}
