/*
 * Output: a streaming JSON writer (one object per line for machines) and small text
 * helpers. Commands build results, then print them through these; nothing here
 * decides wording.
 */
#ifndef ARPKIT_OUTPUT_H
#define ARPKIT_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *out;
	unsigned depth;
	bool first[JSON_MAX_DEPTH]; /* no member written yet at this depth */
};

void json_init(struct json *j, FILE *out);
void json_object_begin(struct json *j, const char *key); /* key NULL at top level or in arrays */
void json_object_end(struct json *j);                    /* at depth 0 also ends the line */
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_string(struct json *j, const char *key, const char *value); /* NULL value -> null */
void json_int(struct json *j, const char *key, int64_t value);
void json_uint(struct json *j, const char *key, uint64_t value);
void json_double(struct json *j, const char *key, double value, int decimals);
void json_bool(struct json *j, const char *key, bool value);
void json_null(struct json *j, const char *key);

/* True when the stream has no error and flushes cleanly: a full disk is an error. */
bool output_flush_ok(FILE *out);

/* Colour and progress lines only for terminals. */
bool output_is_tty(FILE *out);

#endif
