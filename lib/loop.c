#include "loop.h"

#include <errno.h>

#include "clock.h"

bool loop_stopped(const struct loop_stop *stop)
{
	return stop && stop->flag && *stop->flag;
}

struct timespec loop_timeout(uint64_t deadline_ns, uint64_t now)
{
	uint64_t left = deadline_ns > now ? deadline_ns - now : 0;
	struct timespec ts = {
		.tv_sec = (time_t)(left / NS_PER_SEC),
		.tv_nsec = (long)(left % NS_PER_SEC),
	};

	return ts;
}

int loop_wait(struct pollfd *fds, nfds_t count, uint64_t deadline_ns,
	      const struct loop_stop *stop)
{
	struct timespec timeout;
	int ready;

	if (loop_stopped(stop))
		return 0;
	if (deadline_ns != LOOP_FOREVER)
		timeout = loop_timeout(deadline_ns, now_ns());
	ready = ppoll(fds, count, deadline_ns == LOOP_FOREVER ? NULL : &timeout,
		      stop && stop->masked ? &stop->wait_mask : NULL);
	if (ready < 0)
		return errno == EINTR ? 0 : -errno;
	return ready;
}
