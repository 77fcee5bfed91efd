/*
 * What every harness shares: libFuzzer's entry point, which onefile.c's main() also
 * calls to replay corpus files without libFuzzer, and an invariant check that stops
 * the run the way a sanitizer does, so a wrong answer is a finding like a crash.
 */
#ifndef ARPKIT_FUZZ_H
#define ARPKIT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                              \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, \
				#cond);                                                \
			abort();                                                       \
		}                                                                      \
	} while (0)

/* A NUL-terminated copy of the input (the parsers of text take strings); NULL when
 * memory ran out, which a harness treats as nothing to do. */
static inline char *fuzz_strdup(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (text) {
		for (size_t i = 0; i < size; i++)
			text[i] = (char)data[i];
		text[size] = '\0';
	}
	return text;
}

/* The input as a read-only stream for the text readers; NULL for an empty input
 * (fmemopen refuses size 0) or when memory ran out. */
static inline FILE *fuzz_stream(const uint8_t *data, size_t size)
{
	return size ? fmemopen((void *)data, size, "r") : NULL;
}

#endif
