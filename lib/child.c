#include "child.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define POLL_MS 10

/* In the child: its end of the socketpair, stdio, and nothing else. */
static void keep_only(int sock)
{
	static const int ignored[] = { SIGINT, SIGHUP, SIGUSR1, SIGPIPE };
	sigset_t none;

	if (sock > 3)
		close_range(3, (unsigned)sock - 1, 0);
	close_range((unsigned)sock + 1, ~0u, 0);
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

pid_t child_fork(int *sock)
{
	int pair[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(pair[0]);
		close(pair[1]);
		return err;
	}
	if (pid == 0) {
		close(pair[0]);
		keep_only(pair[1]);
		*sock = pair[1];
		return 0;
	}
	close(pair[1]);
	*sock = pair[0];
	return pid;
}

void child_end(int *sock, pid_t *pid, int timeout_ms)
{
	if (*sock >= 0)
		close(*sock);
	*sock = -1;
	if (*pid > 0 && child_reap(*pid, timeout_ms) != -ETIMEDOUT)
		*pid = 0;
}

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
