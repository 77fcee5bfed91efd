/*
 * The helper processes a command forks (watch's hook launcher, the daemon's
 * privileged helper) end when the command closes its socket to them; this reaps
 * one without waiting forever for it.
 */
#ifndef ARPKIT_CHILD_H
#define ARPKIT_CHILD_H

#include <sys/types.h>

/* Waits at most timeout_ms for child pid to end: its wait status, or -ETIMEDOUT
 * (it goes on, and is reparented when we exit), or -errno (-ECHILD: not ours). */
int child_reap(pid_t pid, int timeout_ms);

#endif
