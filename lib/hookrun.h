/*
 * watch's --exec hooks, run by a launcher process instead of by watch itself.
 *
 * Why a launcher: watch sandboxes itself (sandbox.h) and a seccomp filter is
 * inherited by every child and every program it executes, so a hook started by the
 * sandboxed watch would die at its first call watch does not need; and allowing the
 * process that parses frames to fork and execute programs would hand an attacker
 * who took it over exactly what the filter is there to deny. So watch forks the
 * launcher before it opens anything or sandboxes itself; the launcher holds no
 * capability, no socket but its end of a socketpair and no filter, and runs
 * `/bin/sh -c COMMAND` (posix_spawn) when watch asks.
 *
 * A request is one fixed-size message with the event's fields; the launcher gives
 * them to the hook as ARPKIT_* environment variables whose names it fixes itself (a
 * request cannot set PATH or LD_PRELOAD), after checking the message's size, type
 * and that every field is a string. It reports back each start, each refusal and
 * each exit, so watch's counters stay exact; it keeps its own limit on running
 * hooks and on their rate, so even a watch that misbehaves cannot make it fork
 * without bound.
 */
#ifndef ARPKIT_HOOKRUN_H
#define ARPKIT_HOOKRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pace.h"

/* The fields, in the order of hookrun_var_name(). */
enum hookrun_var {
	HOOKRUN_EVENT,
	HOOKRUN_TIME,
	HOOKRUN_IP,
	HOOKRUN_MAC,
	HOOKRUN_OLD_MAC,
	HOOKRUN_INTERFACE,
	HOOKRUN_VLAN,
	HOOKRUN_DETAIL,
	HOOKRUN_SENDER_MAC,
	HOOKRUN_SENDER_IP,
	HOOKRUN_VARS,
};

#define HOOKRUN_VALUE_MAX 160 /* bytes of a field, its NUL included */

enum hookrun_type {
	HOOKRUN_RUN = 0x48524e31,     /* watch -> launcher: run the hook ("HRN1") */
	HOOKRUN_READY = 0x48524459,   /* launcher -> watch: up, capabilities dropped */
	HOOKRUN_STARTED = 0x48535452, /* a hook is running */
	HOOKRUN_REFUSED = 0x48524546, /* not started: too many running, too fast, or fork failed */
	HOOKRUN_EXITED = 0x48455849,  /* a hook ended; status is its wait status */
};

struct hookrun_request {
	uint32_t type; /* HOOKRUN_RUN */
	char value[HOOKRUN_VARS][HOOKRUN_VALUE_MAX];
};

struct hookrun_report {
	uint32_t type;
	int32_t status; /* HOOKRUN_EXITED: the wait status; else 0 */
};

/* "ARPKIT_EVENT", "ARPKIT_TIME", ... */
const char *hookrun_var_name(enum hookrun_var var);

/* An empty request; each field "" until set. */
void hookrun_request_init(struct hookrun_request *req);
/* Sets a field, cut to HOOKRUN_VALUE_MAX - 1 bytes. */
void hookrun_request_set(struct hookrun_request *req, enum hookrun_var var, const char *value);

/* Checks a request as received (len bytes, recvmsg's flags): 0 or -EBADMSG. */
int hookrun_request_check(const void *buf, size_t len, int msg_flags,
			  struct hookrun_request *out);
/* Checks a report as received: 0 or -EBADMSG. */
int hookrun_report_check(const void *buf, size_t len, int msg_flags, struct hookrun_report *out);

/*
 * The launcher's loop on sock: says HOOKRUN_READY, then runs `/bin/sh -c command`
 * per request, at most max_running at once and rate per second (the bucket holds
 * as many), the ARPKIT_* variables on top of the launcher's environment, standard
 * input from /dev/null, every signal at its default and unblocked. Returns 0 when
 * watch closes its end (running hooks are left to finish), -EBADMSG after a
 * malformed request, or -errno. Blocks SIGCHLD in the calling process.
 */
int hookrun_serve(int sock, const char *command, unsigned max_running, uint64_t rate);

/* watch's end. */
struct hookrun {
	int fd;               /* the socket to the launcher; -1 once it is gone */
	pid_t launcher;
	struct pacer pacer;
	unsigned running, max_running;
	uint64_t started, dropped, failed;
};

/* No launcher: every request is dropped. Every hookrun starts here. */
void hookrun_init(struct hookrun *h);

/*
 * Takes over fd (a socket to a launcher just started as pid) and waits at most
 * timeout_ms for its HOOKRUN_READY. 0, or -EPIPE (it ended), -ETIMEDOUT, -EBADMSG;
 * then h has no launcher to talk to (hookrun_close still reaps it).
 */
int hookrun_start(struct hookrun *h, int fd, pid_t launcher, unsigned max_running, uint64_t rate,
		  uint64_t now, int timeout_ms);

/* Asks for one hook run: counted as dropped when too many are running, the rate is
 * spent, or the launcher cannot take it. Reads the launcher's reports first. */
void hookrun_request(struct hookrun *h, const struct hookrun_request *req, uint64_t now);

/* Reads what the launcher reported, without waiting. A malformed report, or the
 * launcher gone, ends the conversation: what was running is counted as failed. */
void hookrun_collect(struct hookrun *h);

/* Waits at most timeout_ms for the running hooks to end. */
void hookrun_drain(struct hookrun *h, int timeout_ms);

/* Closes watch's end and reaps the launcher, which ends when it sees that; waits
 * at most timeout_ms for it. */
void hookrun_close(struct hookrun *h, int timeout_ms);

#endif
