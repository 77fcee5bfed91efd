#include "child.h"

#include <errno.h>
#include <sys/wait.h>
#include <time.h>

#define POLL_MS 10

int child_reap(pid_t pid, int timeout_ms)
{
	struct timespec pause = { 0, POLL_MS * 1000 * 1000 };
	int status;

	for (int waited = 0;; waited += POLL_MS) {
		pid_t got = waitpid(pid, &status, WNOHANG);

		if (got == pid)
			return status;
		if (got < 0 && errno != EINTR)
			return -errno;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		nanosleep(&pause, NULL);
	}
}
