/* Pacing: a token bucket for frame rates, and round schedules (times from clock.h). */
#ifndef ARPKIT_PACE_H
#define ARPKIT_PACE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Token bucket: rate frames per second with a burst of `burst` frames.
 * rate 0 means unlimited. Integer arithmetic in nanoseconds, no drift.
 */
struct pacer {
	uint64_t rate;
	uint64_t burst;
	uint64_t tokens_ns; /* credit, in nanoseconds of sending time */
	uint64_t last_ns;
};

void pacer_init(struct pacer *p, uint64_t rate, uint64_t burst, uint64_t now);
/* How many of `wanted` frames may go now; takes the credit for them. */
uint64_t pacer_take(struct pacer *p, uint64_t now, uint64_t wanted);
/* Earliest time one more frame may go (now if credit remains). */
uint64_t pacer_next(const struct pacer *p, uint64_t now);

/*
 * Rounds: the first at start, then `count - 1` more; round k (k >= 1) starts
 * interval * 2^(k-1) after the previous one when doubling, else interval after it.
 */
struct schedule {
	unsigned count;
	uint64_t interval_ns;
	bool doubling;
};

/* Start time of round k (0-based) relative to the first round. */
uint64_t schedule_offset(const struct schedule *s, unsigned round);

#endif
