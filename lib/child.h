/*
 * The helper processes a command forks (watch's hook launcher, the daemon's
 * privileged helper): started joined to the command by a socketpair, holding
 * nothing else; they end when the command closes its end, and are reaped without
 * waiting forever.
 */
#ifndef ARPKIT_CHILD_H
#define ARPKIT_CHILD_H

#include <sys/types.h>

/*
 * Like fork(), with a SOCK_SEQPACKET socketpair between parent and child. In the
 * parent: the child's pid, *sock our end. In the child: 0, *sock its end, every
 * other descriptor but standard input, output and error closed, no signal
 * blocked, SIGTERM at its default and the signals a command takes from its
 * terminal or its operator (SIGINT, SIGHUP, SIGUSR1) and SIGPIPE ignored: they are
 * for the command, which ends the child by closing its end. -errno on failure.
 * Standard streams are flushed first, so the child repeats no buffered output.
 */
pid_t child_fork(int *sock);

/* Closes *sock, our end of the socket to child *pid, which ends it, and reaps it
 * (at most timeout_ms): *sock is -1 after, *pid 0 once reaped. Either may be unset
 * (-1, 0). */
void child_end(int *sock, pid_t *pid, int timeout_ms);

/* Waits at most timeout_ms for child pid to end: its wait status, or -ETIMEDOUT
 * (it goes on, and is reparented when we exit), or -errno (-ECHILD: not ours). */
int child_reap(pid_t pid, int timeout_ms);

#endif
