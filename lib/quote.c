#include "quote.h"

#include <stdint.h>
#include <string.h>

/* Decodes one UTF-8 character (RFC 3629: no overlong forms, no surrogates, nothing
 * past U+10FFFF); returns its length, 0 when text does not start with one. */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t need;
	uint32_t min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2, min = 0x80, *cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3, min = 0x800, *cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4, min = 0x10000, *cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return need;
}

/* Characters that move the cursor, reorder or hide text, or break lines. */
static bool is_format_control(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) ||      /* C1 controls (0x9b is CSI) */
	       cp == 0x061c ||                    /* Arabic letter mark */
	       (cp >= 0x200b && cp <= 0x200f) ||  /* zero width, LRM, RLM */
	       (cp >= 0x2028 && cp <= 0x202e) ||  /* separators, embeddings, overrides */
	       (cp >= 0x2060 && cp <= 0x206f) ||  /* invisible operators, isolates */
	       cp == 0xfeff ||                    /* zero width no-break space */
	       (cp >= 0xfff9 && cp <= 0xfffb) ||  /* interlinear annotations */
	       (cp >= 0xe0000 && cp <= 0xe007f);  /* tags */
}

size_t text_safe_char(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	uint32_t cp;
	size_t n;

	if (len == 0)
		return 0;
	if (s[0] < 0x80)
		return s[0] >= 0x20 && s[0] < 0x7f ? 1 : 0;
	n = utf8_decode(s, len, &cp);
	return n && !is_format_control(cp) ? n : 0;
}

bool text_is_safe(const char *text, size_t len)
{
	for (size_t pos = 0, n; pos < len; pos += n) {
		/* Printable ASCII, by far the most common, without the decoder. */
		if ((unsigned char)text[pos] >= 0x20 && (unsigned char)text[pos] < 0x7f) {
			n = 1;
			continue;
		}
		n = text_safe_char(text + pos, len - pos);
		if (n == 0)
			return false;
	}
	return true;
}

const char *quote_mem(struct quoted *q, const char *text, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char *out = q->text;
	size_t pos = 0;

	*out++ = '\'';
	for (unsigned shown = 0; pos < len && shown < QUOTE_SHOWN_MAX; shown++) {
		unsigned char c = (unsigned char)text[pos];
		size_t n = text_safe_char(text + pos, len - pos);

		if (c == '\'' || c == '\\') {
			*out++ = '\\';
			*out++ = (char)c;
			pos++;
		} else if (n) {
			memcpy(out, text + pos, n);
			out += n;
			pos += n;
		} else {
			*out++ = '\\';
			*out++ = 'x';
			*out++ = hex[c >> 4];
			*out++ = hex[c & 0xf];
			pos++;
		}
	}
	if (pos < len) {
		memcpy(out, "...", 3);
		out += 3;
	}
	*out++ = '\'';
	*out = '\0';
	return q->text;
}

const char *quote(struct quoted *q, const char *text)
{
	if (!text) {
		strcpy(q->text, "(none)");
		return q->text;
	}
	/* Only as much as can be shown is measured: a 10 MB line costs nothing more. */
	return quote_mem(q, text, strnlen(text, QUOTE_SHOWN_MAX * 4 + 1));
}
