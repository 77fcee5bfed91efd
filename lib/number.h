/* Strict number parsers for options and configuration files: whole text or nothing. */
#ifndef ARPKIT_NUMBER_H
#define ARPKIT_NUMBER_H

#include <stdint.h>

/* Whole decimal number in [min, max]; 0, -EINVAL (not a number) or -ERANGE. */
int parse_ulong(const char *text, unsigned long min, unsigned long max, unsigned long *out);
/* Decimal with an optional fraction ("0.5", "2"): milliseconds, in [0, max_ms]. */
int parse_seconds_ms(const char *text, uint64_t max_ms, uint64_t *out_ms);

#endif
