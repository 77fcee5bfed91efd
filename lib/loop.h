/*
 * The one way arpkit waits: ppoll until a descriptor is ready, an absolute
 * CLOCK_MONOTONIC deadline passes, or a stop signal arrives.
 *
 * The stop signals are blocked everywhere except inside the wait (cli_catch_signals
 * blocks them and fills a struct loop_stop), so a Ctrl-C that lands between a loop's
 * look at its flag and the wait is delivered by ppoll at once, instead of waiting
 * out the timeout. A loop looks like this:
 *
 *	while (!loop_stopped(stop)) {
 *		uint64_t deadline = engine_step(run, now_ns());   // sends what is due
 *		int ready = loop_wait(fds, count, deadline, stop);
 *		if (ready < 0)
 *			return ready;                               // -errno from ppoll
 *		if (ready > 0)
 *			...                                         // read the ready fds
 *	}                                                           // 0: a signal or the deadline
 *
 * A child process inherits the blocked mask: restore stop->wait_mask in it before
 * exec (sigprocmask(SIG_SETMASK, &stop->wait_mask, NULL)).
 */
#ifndef ARPKIT_LOOP_H
#define ARPKIT_LOOP_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define LOOP_FOREVER UINT64_MAX /* a deadline that never comes */

struct loop_stop {
	const volatile sig_atomic_t *flag; /* set (non-zero) by a signal handler: stop; NULL: never */
	sigset_t wait_mask;                /* the signal mask inside the wait */
	bool masked;                       /* wait_mask is set; else the mask stays as it is */
};

/* Has the stop flag been raised? false for a NULL stop or flag. */
bool loop_stopped(const struct loop_stop *stop);

/*
 * Waits for fds (count may be 0), until deadline_ns (CLOCK_MONOTONIC; LOOP_FOREVER:
 * no deadline) or a signal. Returns how many fds have revents (> 0); 0 when the
 * deadline passed, a signal was handled (the caller looks at its flags), or the
 * stop flag was already up (then without waiting); or -errno. stop may be NULL.
 */
int loop_wait(struct pollfd *fds, nfds_t count, uint64_t deadline_ns,
	      const struct loop_stop *stop);

/* Time left from now_ns until deadline_ns, zero once it passed: the one conversion
 * from deadlines to the timespec the kernel takes. */
struct timespec loop_timeout(uint64_t deadline_ns, uint64_t now_ns);

#endif
