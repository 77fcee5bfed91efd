#include "output.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

void json_init(struct json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->first[0] = true;
}

/* s as a JSON string literal (quotes and escapes, UTF-8 passed through). */
static void json_write_escaped(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

/* Separator and key for the next member at the current depth. */
static void json_member(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->out);
	j->first[j->depth] = false;
	if (key) {
		json_write_escaped(j->out, key);
		fputc(':', j->out);
	}
}

static void json_open(struct json *j, const char *key, char bracket)
{
	json_member(j, key);
	fputc(bracket, j->out);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void json_close(struct json *j, char bracket)
{
	fputc(bracket, j->out);
	if (j->depth > 0)
		j->depth--;
	if (j->depth == 0) {
		fputc('\n', j->out);
		j->first[0] = true;
	}
}

void json_object_begin(struct json *j, const char *key)
{
	json_open(j, key, '{');
}

void json_object_end(struct json *j)
{
	json_close(j, '}');
}

void json_array_begin(struct json *j, const char *key)
{
	json_open(j, key, '[');
}

void json_array_end(struct json *j)
{
	json_close(j, ']');
}

void json_string(struct json *j, const char *key, const char *value)
{
	json_member(j, key);
	if (value)
		json_write_escaped(j->out, value);
	else
		fputs("null", j->out);
}

void json_int(struct json *j, const char *key, int64_t value)
{
	json_member(j, key);
	fprintf(j->out, "%" PRId64, value);
}

void json_uint(struct json *j, const char *key, uint64_t value)
{
	json_member(j, key);
	fprintf(j->out, "%" PRIu64, value);
}

void json_double(struct json *j, const char *key, double value, int decimals)
{
	json_member(j, key);
	fprintf(j->out, "%.*f", decimals, value);
}

void json_bool(struct json *j, const char *key, bool value)
{
	json_member(j, key);
	fputs(value ? "true" : "false", j->out);
}

void json_null(struct json *j, const char *key)
{
	json_member(j, key);
	fputs("null", j->out);
}

void out_init(struct out *o, FILE *file, enum out_format format)
{
	o->file = file;
	o->format = format;
	json_init(&o->json, file);
}

bool out_is_json(const struct out *o)
{
	return o->format == OUT_JSON;
}

void out_record_begin(struct out *o)
{
	if (out_is_json(o))
		json_object_begin(&o->json, NULL);
}

void out_record_end(struct out *o)
{
	if (out_is_json(o))
		json_object_end(&o->json);
	else
		fputc('\n', o->file);
}

void out_object_begin(struct out *o, const char *key)
{
	if (out_is_json(o))
		json_object_begin(&o->json, key);
}

void out_object_end(struct out *o)
{
	if (out_is_json(o))
		json_object_end(&o->json);
}

void out_array_begin(struct out *o, const char *key)
{
	if (out_is_json(o))
		json_array_begin(&o->json, key);
}

void out_array_end(struct out *o)
{
	if (out_is_json(o))
		json_array_end(&o->json);
}

/* In text mode, with a text form. */
static bool text_field(const struct out *o, const char *fmt)
{
	return !out_is_json(o) && fmt;
}

/* The caller's fmt carries one conversion of the value's type (see output.h); as in
 * iproute2, it cannot be checked here. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* "%s" and then plain text, as most text fields are: written without fprintf's format
 * parsing, which was a third of the user time of a scan printing 65,536 lines. */
static bool plain_string_format(const char *fmt)
{
	return fmt[0] == '%' && fmt[1] == 's' && !strchr(fmt + 2, '%');
}

void out_string(struct out *o, const char *key, const char *fmt, const char *value)
{
	if (out_is_json(o)) {
		json_string(&o->json, key, value);
	} else if (text_field(o, fmt) && value && plain_string_format(fmt)) {
		fputs(value, o->file);
		fputs(fmt + 2, o->file);
	} else if (text_field(o, fmt) && value) {
		fprintf(o->file, fmt, value);
	}
}

void out_uint(struct out *o, const char *key, const char *fmt, uint64_t value)
{
	if (out_is_json(o))
		json_uint(&o->json, key, value);
	else if (text_field(o, fmt))
		fprintf(o->file, fmt, value);
}

void out_int(struct out *o, const char *key, const char *fmt, int64_t value)
{
	if (out_is_json(o))
		json_int(&o->json, key, value);
	else if (text_field(o, fmt))
		fprintf(o->file, fmt, value);
}

void out_double(struct out *o, const char *key, const char *fmt, double value,
		int json_decimals)
{
	if (out_is_json(o))
		json_double(&o->json, key, value, json_decimals);
	else if (text_field(o, fmt))
		fprintf(o->file, fmt, value);
}
#pragma GCC diagnostic pop

void out_bool(struct out *o, const char *key, const char *text_if_true, bool value)
{
	if (out_is_json(o))
		json_bool(&o->json, key, value);
	else if (text_if_true && value)
		fputs(text_if_true, o->file);
}

void out_mac(struct out *o, const char *key, const char *fmt, const struct mac *mac)
{
	char text[MAC_STRLEN];

	out_string(o, key, fmt, mac ? mac_format(mac, text) : NULL);
}

void out_ipv4(struct out *o, const char *key, const char *fmt, struct in_addr addr)
{
	char text[IPV4_STRLEN];

	out_string(o, key, fmt, ipv4_format(addr, text));
}

void out_ipaddr(struct out *o, const char *key, const char *fmt, const struct ipaddr *addr)
{
	char text[IPADDR_STRLEN];
	bool none = !addr || addr->family == AF_UNSPEC;

	out_string(o, key, fmt, none ? NULL : ipaddr_format(addr, text));
}

void out_text(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (out_is_json(o))
		return;
	va_start(ap, fmt);
	vfprintf(o->file, fmt, ap);
	va_end(ap);
}

bool output_flush_ok(FILE *out)
{
	return fflush(out) == 0 && !ferror(out);
}

bool output_is_tty(FILE *out)
{
	return isatty(fileno(out));
}
