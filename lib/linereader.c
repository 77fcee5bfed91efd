#include "linereader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vec.h"

void line_reader_init(struct line_reader *r, FILE *in, size_t line_max, size_t total_max)
{
	memset(r, 0, sizeof(*r));
	r->in = in;
	r->line_max = line_max;
	r->total_max = total_max;
}

int line_reader_open(struct line_reader *r, const char *path, size_t line_max,
		     size_t total_max)
{
	struct stat st;
	FILE *in = fopen(path, "re");

	if (!in)
		return -errno;
	if (fstat(fileno(in), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(in);
		return -EISDIR;
	}
	line_reader_init(r, in, line_max, total_max);
	r->owns_stream = true;
	return 0;
}

void line_reader_free(struct line_reader *r)
{
	free(r->buf);
	if (r->owns_stream && r->in)
		fclose(r->in);
	memset(r, 0, sizeof(*r));
}

int line_reader_next(struct line_reader *r, char **line, size_t *len)
{
	size_t n = 0;
	int c;

	errno = 0; /* a failed read sets it; anything left from before must not count */
	r->line++;
	for (;;) {
		c = getc_unlocked(r->in);
		if (c == EOF)
			break;
		if (++r->total > r->total_max)
			return -EFBIG;
		if (c == '\n')
			break;
		if (c == '\0')
			return -EILSEQ;
		if (n == r->line_max)
			return -EOVERFLOW;
		/* Room for this byte and the terminating NUL. */
		if (n + 2 > r->cap && vec_reserve_fields(r->buf, r->cap, n + 2))
			return -ENOMEM;
		r->buf[n++] = (char)c;
	}
	if (c == EOF && ferror(r->in))
		return errno ? -errno : -EIO;
	if (c == EOF && n == 0) {
		r->line--;
		return 0;
	}
	if (!r->buf && vec_reserve_fields(r->buf, r->cap, 1))
		return -ENOMEM;
	if (n > 0 && r->buf[n - 1] == '\r')
		n--;
	r->buf[n] = '\0';
	*line = r->buf;
	if (len)
		*len = n;
	return 1;
}

static void format_size(char *buf, size_t cap, size_t bytes)
{
	if (bytes >= (1u << 20) && bytes % (1u << 20) == 0)
		snprintf(buf, cap, "%zu MiB", bytes >> 20);
	else if (bytes >= 1024 && bytes % 1024 == 0)
		snprintf(buf, cap, "%zu KiB", bytes >> 10);
	else
		snprintf(buf, cap, "%zu bytes", bytes);
}

const char *line_reader_error(const struct line_reader *r, int err, char *buf, size_t cap)
{
	char size[32];

	switch (err) {
	case -EOVERFLOW:
		format_size(size, sizeof(size), r->line_max);
		snprintf(buf, cap, "line longer than %s", size);
		break;
	case -EFBIG:
		format_size(size, sizeof(size), r->total_max);
		snprintf(buf, cap, "larger than %s", size);
		break;
	case -EILSEQ:
		snprintf(buf, cap, "a NUL byte: not a text file");
		break;
	default:
		snprintf(buf, cap, "%s", strerror(-err));
		break;
	}
	return buf;
}
