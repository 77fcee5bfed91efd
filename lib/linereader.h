/*
 * Bounded line reading for every text file arpkit takes from its user (scan's target
 * files, the vendor override file, the daemon's configuration). Each reader states a
 * limit for one line and for the whole input, so a huge line, /dev/zero or an endless
 * pipe costs bounded memory and ends in an error that says what happened; a read
 * error or a failed allocation is an error too, never a quiet end of file.
 *
 * Errors (negative errno values) and what they mean here:
 *   -EOVERFLOW  a line longer than line_max bytes (newline not counted)
 *   -EFBIG      more than total_max bytes in all
 *   -EILSEQ     a NUL byte: binary data, not a text file
 *   -EISDIR     a directory (refused at open, or by the first read)
 *   -ENOMEM     out of memory
 *   other       the read's own error (-EIO when the stream does not say)
 */
#ifndef ARPKIT_LINEREADER_H
#define ARPKIT_LINEREADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct line_reader {
	FILE *in;
	bool owns_stream;    /* opened by line_reader_open: closed by line_reader_free */
	size_t line_max;
	size_t total_max;
	size_t total;        /* bytes read so far */
	unsigned line;       /* the line last returned or refused, 1-based */
	char *buf;
	size_t cap;
};

/* Reads from an open stream (stdin, a test's tmpfile, a fuzzer's fmemopen). */
void line_reader_init(struct line_reader *r, FILE *in, size_t line_max, size_t total_max);
/* Opens path for reading: 0, -EISDIR for a directory, or fopen's -errno. */
int line_reader_open(struct line_reader *r, const char *path, size_t line_max,
		     size_t total_max);
/* Frees the buffer; closes the stream only when line_reader_open opened it. */
void line_reader_free(struct line_reader *r);

/*
 * The next line, NUL-terminated and without its newline ("\r\n" loses the '\r' too;
 * a last line without a newline is still a line), valid until the next call:
 * 1 and *line (and *len when len is not NULL), 0 at the end, or an error above, with
 * r->line naming the line concerned.
 */
int line_reader_next(struct line_reader *r, char **line, size_t *len);

/* Why a reader failed, in words for the one line a command prints (the limits in
 * them are this reader's): "line longer than 4096 bytes", "larger than 16 MiB",
 * "a NUL byte: not a text file", or strerror's text. Returns buf. */
const char *line_reader_error(const struct line_reader *r, int err, char *buf, size_t cap);

#endif
