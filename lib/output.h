/*
 * Output: a streaming JSON writer (one object per line for machines), field printers
 * that render one field for humans or for JSON with the same call, and small text
 * helpers. Commands build results, then print them through these; nothing here
 * decides wording.
 */
#ifndef ARPKIT_OUTPUT_H
#define ARPKIT_OUTPUT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"

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

/*
 * Field printers, after iproute2's json_print: a command prints each field once,
 *
 *	out_record_begin(o);
 *	out_ipv4(o, "address", "%-15s ", t->addr);
 *	out_string(o, "interface", "%-10s ", name);
 *	out_double(o, "elapsed_ms", "%8.1f ms", ns_to_ms(t->elapsed_ns), 3);
 *	out_record_end(o);
 *
 * and gets "192.0.2.11      eth0         12.5 ms\n" in text mode or
 * {"address":"192.0.2.11","interface":"eth0","elapsed_ms":12.512} in JSON mode, so
 * it never branches on the format and each JSON key sits next to the text it
 * mirrors.
 *
 * fmt is the text form: a printf format with exactly one conversion, of the value's
 * type (%s for strings, addresses and MACs; PRIu64 / PRId64 for out_uint / out_int;
 * a floating conversion for out_double); NULL puts the field in JSON only. key is
 * the JSON member name; NULL only for the elements of an array. Text that has no
 * JSON counterpart goes through out_text.
 */
enum out_format {
	OUT_TEXT,
	OUT_JSON,
};

struct out {
	FILE *file;
	enum out_format format;
	struct json json;
};

void out_init(struct out *o, FILE *file, enum out_format format);
bool out_is_json(const struct out *o);

/* A record: one JSON object on its own line; in text, end prints the newline. */
void out_record_begin(struct out *o);
void out_record_end(struct out *o);
/* Nesting, for JSON alone: text lays its fields out flat. */
void out_object_begin(struct out *o, const char *key);
void out_object_end(struct out *o);
void out_array_begin(struct out *o, const char *key);
void out_array_end(struct out *o);

/* NULL value: JSON null, and nothing in text. */
void out_string(struct out *o, const char *key, const char *fmt, const char *value);
void out_uint(struct out *o, const char *key, const char *fmt, uint64_t value);
void out_int(struct out *o, const char *key, const char *fmt, int64_t value);
/* JSON with json_decimals digits after the point. */
void out_double(struct out *o, const char *key, const char *fmt, double value,
		int json_decimals);
/* JSON true or false; in text, text_if_true is printed as it is, and only if true. */
void out_bool(struct out *o, const char *key, const char *text_if_true, bool value);
/* As strings: "aa:bb:cc:dd:ee:ff", "192.0.2.1", RFC 5952 IPv6. NULL (or an AF_UNSPEC
 * address): JSON null, and nothing in text. */
void out_mac(struct out *o, const char *key, const char *fmt, const struct mac *mac);
void out_ipv4(struct out *o, const char *key, const char *fmt, struct in_addr addr);
void out_ipaddr(struct out *o, const char *key, const char *fmt, const struct ipaddr *addr);
/* Text mode only. */
void out_text(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True when the stream has no error and flushes cleanly: a full disk is an error. */
bool output_flush_ok(FILE *out);

/* Colour and progress lines only for terminals. */
bool output_is_tty(FILE *out);

#endif
