/*
 * Untrusted text made safe to show: file contents, interface names, vendor names and
 * command-line words reach a terminal or a log only through here, so they can carry
 * no escape sequence, no fake line and no megabyte of junk.
 *
 * quote() writes the text between single quotes with every byte that could act on a
 * terminal escaped as \xHH (C0 controls, DEL, bytes that are not valid UTF-8, and
 * the UTF-8 characters that are controls or reorder or break lines: C1 controls,
 * bidirectional overrides and isolates, line and paragraph separators); ' and \ are
 * escaped with a backslash. Other UTF-8 (names such as "Müller") is kept. Only the
 * first QUOTE_SHOWN_MAX characters are shown, then "..." inside the quotes:
 *   ab<ESC>[2J<64 KB more>   ->   'ab\x1b[2J...'
 */
#ifndef ARPKIT_QUOTE_H
#define ARPKIT_QUOTE_H

#include <stdbool.h>
#include <stddef.h>

#define QUOTE_SHOWN_MAX 64
/* Quotes, the characters shown (at most 4 bytes each, as "\xHH" or UTF-8), "...". */
#define QUOTE_SIZE (2 + QUOTE_SHOWN_MAX * 4 + 3 + 1)

struct quoted {
	char text[QUOTE_SIZE];
};

/* Quotes len bytes of text (NUL bytes included, shown as \x00) into q; returns
 * q->text. */
const char *quote_mem(struct quoted *q, const char *text, size_t len);
/* Same for a NUL-terminated string; NULL is shown as (none). */
const char *quote(struct quoted *q, const char *text);

/* For one call's arguments: cli_error(CMD, "unknown interface %s", QUOTE(name)). The
 * buffer lives until the end of the enclosing block. */
#define QUOTE(text) quote(&(struct quoted){{0}}, (text))

/* Length of the character at text (at most len bytes) when it is safe to show as
 * it is, 0 when quote() would escape it: printable ASCII, or valid UTF-8 that is
 * neither a control nor a reordering or line-breaking character. A ' or \ counts as
 * safe here (they only need escaping between quotes). */
size_t text_safe_char(const char *text, size_t len);

/* True when every character of text[0, len) is safe as above: no byte of it can
 * drive a terminal. */
bool text_is_safe(const char *text, size_t len);

#endif
