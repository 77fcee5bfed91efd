#include "number.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

int parse_ulong(const char *text, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long value;

	if (!isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	value = strtoul(text, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || value < min || value > max)
		return -ERANGE;
	*out = value;
	return 0;
}

int parse_seconds_ms(const char *text, uint64_t max_ms, uint64_t *out_ms)
{
	uint64_t whole = 0, frac_ms = 0;
	const char *p = text;
	int digits = 0;

	if (!isdigit((unsigned char)*p) && *p != '.')
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		whole = whole * 10 + (uint64_t)(*p - '0');
		if (whole > max_ms / 1000 + 1)
			return -ERANGE;
	}
	if (*p == '.') {
		uint64_t scale = 100;

		for (p++; isdigit((unsigned char)*p); p++, digits++) {
			frac_ms += (uint64_t)(*p - '0') * scale;
			scale /= 10;
		}
		if (digits == 0 && p - text == 1)
			return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	if (whole * 1000 + frac_ms > max_ms)
		return -ERANGE;
	*out_ms = whole * 1000 + frac_ms;
	return 0;
}
