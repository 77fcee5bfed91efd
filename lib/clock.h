/* The one clock every engine and loop reads: CLOCK_MONOTONIC in nanoseconds. */
#ifndef ARPKIT_CLOCK_H
#define ARPKIT_CLOCK_H

#include <stdint.h>

#define NS_PER_US 1000ull
#define NS_PER_MS 1000000ull
#define NS_PER_SEC 1000000000ull

/* CLOCK_MONOTONIC: never jumps with the wall clock, so deadlines hold. */
uint64_t now_ns(void);

/* Nanoseconds as milliseconds, for reports. */
double ns_to_ms(uint64_t ns);

#endif
