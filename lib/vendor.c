#include "vendor.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "quote.h"
#include "vec.h"

#define MAC_BITS 48
#define CSV_FIELDS_USED 3
#define SOURCES_MAX 16

/* name is an offset into db->names rather than a pointer, so the arena can grow
 * with realloc while loading; the offset also records load order. rank orders the
 * sources (0 the best) and is filled in when the tables are finished. */
struct prefix_entry {
	uint64_t key;
	uint32_t name;
	uint16_t source;
	uint16_t rank;
};

struct prefix_table {
	size_t count, capacity;
	struct prefix_entry *entries;
};

struct source {
	int64_t date;
};

struct vendor_db {
	char *names;
	size_t names_len, names_capacity;
	struct source sources[SOURCES_MAX];
	unsigned source_count;
	/* Indexed by prefix length - 1. */
	struct prefix_table registry[MAC_BITS];
	struct prefix_table override[MAC_BITS];
	/* The lengths in use, longest first, so a lookup walks only those. */
	uint8_t registry_bits[MAC_BITS], override_bits[MAC_BITS];
	unsigned registry_lengths, override_lengths;
};

struct ieee_file {
	const char *csv, *txt;
	unsigned bits;
};

/* Order matters only for MA-S and IAB, which share the /36 length: an assignment
 * listed in both keeps its MA-S name (rule 5). */
static const struct ieee_file ieee_files[] = {
	{"oui.csv", "oui.txt", 24},
	{"mam.csv", "mam.txt", 28},
	{"oui36.csv", "oui36.txt", 36},
	{"iab.csv", "iab.txt", 36},
};

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly digits hex digits and nothing else. */
static int parse_hex_exact(const char *text, unsigned digits, uint64_t *out)
{
	uint64_t value = 0;
	unsigned i;

	for (i = 0; i < digits; i++) {
		int v = hex_value(text[i]);

		if (v < 0)
			return -EINVAL;
		value = value << 4 | (uint64_t)v;
	}
	if (text[i] != '\0')
		return -EINVAL;
	*out = value;
	return 0;
}

static uint64_t mac_to_u64(const struct mac *mac)
{
	uint64_t value = 0;

	for (int i = 0; i < MAC_LEN; i++)
		value = value << 8 | mac->octet[i];
	return value;
}

/* Length of the blank at text: ASCII white space, or one of the Unicode spaces and
 * invisible marks (UTF-8) that turn up at the ends of registry names, such as U+2002,
 * a zero width space (U+200B) or a left-to-right mark (U+200E). */
static size_t blank_length(const char *text)
{
	static const char *const unicode_blanks[] = {
		"\xc2\x85", "\xc2\xa0", "\xe1\x9a\x80", "\xe2\x80\x80", "\xe2\x80\x81",
		"\xe2\x80\x82", "\xe2\x80\x83", "\xe2\x80\x84", "\xe2\x80\x85", "\xe2\x80\x86",
		"\xe2\x80\x87", "\xe2\x80\x88", "\xe2\x80\x89", "\xe2\x80\x8a", "\xe2\x80\xa8",
		"\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80", "\xef\xbb\xbf",
		"\xe2\x80\x8b", "\xe2\x80\x8c", "\xe2\x80\x8d", "\xe2\x80\x8e", "\xe2\x80\x8f",
		"\xe2\x81\xa0",
	};

	if ((unsigned char)*text < 0x80)
		return isspace((unsigned char)*text) ? 1 : 0;
	for (size_t i = 0; i < sizeof(unicode_blanks) / sizeof(unicode_blanks[0]); i++) {
		size_t len = strlen(unicode_blanks[i]);

		if (strncmp(text, unicode_blanks[i], len) == 0)
			return len;
	}
	return 0;
}

/* Length of the blank that ends text[0, len), if any. */
static size_t trailing_blank_length(const char *text, size_t len)
{
	if (len == 0 || (unsigned char)text[len - 1] < 0x80)
		return len > 0 && isspace((unsigned char)text[len - 1]) ? 1 : 0;
	for (size_t width = 2; width <= 3 && width <= len; width++) {
		if (blank_length(text + len - width) == width)
			return width;
	}
	return 0;
}

/* Trims in place; returns the first non-blank character. */
static char *trim(char *text)
{
	size_t len, blank;

	while ((blank = blank_length(text)) > 0)
		text += blank;
	len = strlen(text);
	while ((blank = trailing_blank_length(text, len)) > 0)
		len -= blank;
	text[len] = '\0';
	return text;
}

static int add_name(struct vendor_db *db, const char *name, uint32_t *offset)
{
	size_t len = strlen(name) + 1;

	if (db->names_len + len > UINT32_MAX)
		return -EOVERFLOW;
	if (vec_reserve_fields(db->names, db->names_capacity, db->names_len + len))
		return -ENOMEM;
	memcpy(db->names + db->names_len, name, len);
	*offset = (uint32_t)db->names_len;
	db->names_len += len;
	return 0;
}

/* Names are printed as they are: only printable UTF-8 of a sane length is kept. */
static bool name_is_acceptable(const char *name)
{
	size_t len = strnlen(name, VENDOR_NAME_MAX + 1);

	return len > 0 && len <= VENDOR_NAME_MAX && text_is_safe(name, len);
}

static int table_add(struct vendor_db *db, struct prefix_table *table, uint64_t key,
		     const char *name)
{
	uint32_t offset;
	int err;

	if (vec_reserve_fields(table->entries, table->capacity, table->count + 1))
		return -ENOMEM;
	err = add_name(db, name, &offset);
	if (err)
		return err;
	table->entries[table->count++] = (struct prefix_entry){
		.key = key, .name = offset, .source = (uint16_t)(db->source_count - 1)};
	return 0;
}

/*
 * Stable LSD radix sort by key, a byte per pass and only as many bytes as the prefix
 * length needs: the tables hold up to ~70,000 entries, where qsort's merge sort was a
 * third of the load time. Entries with equal keys stay in load order.
 */
static int sort_by_key(struct prefix_table *table, unsigned bits)
{
	struct prefix_entry *from = table->entries, *to;
	unsigned passes = (bits + 7) / 8;

	if (table->count < 2)
		return 0;
	to = malloc(table->count * sizeof(*to));
	if (!to)
		return -ENOMEM;
	for (unsigned pass = 0; pass < passes; pass++) {
		size_t start[257] = {0};
		unsigned shift = pass * 8;

		for (size_t i = 0; i < table->count; i++)
			start[(from[i].key >> shift & 0xff) + 1]++;
		for (int b = 0; b < 256; b++)
			start[b + 1] += start[b];
		for (size_t i = 0; i < table->count; i++)
			to[start[from[i].key >> shift & 0xff]++] = from[i];
		struct prefix_entry *swap = from;
		from = to;
		to = swap;
	}
	/* After an odd number of passes the result sits in the scratch array. */
	if (from != table->entries) {
		memcpy(table->entries, from, table->count * sizeof(*from));
		to = from;
	}
	free(to);
	return 0;
}

/*
 * Sorts and keeps one entry per key: for the registries the best source (lowest
 * rank; the first loaded among equals), for the override file the last line.
 */
static int table_finish(struct prefix_table *table, unsigned bits, bool keep_last)
{
	size_t kept = 0;
	int err;

	if (table->count == 0)
		return 0;
	err = sort_by_key(table, bits);
	if (err)
		return err;
	for (size_t i = 0; i < table->count; i++) {
		struct prefix_entry *e = &table->entries[i];

		if (kept == 0 || table->entries[kept - 1].key != e->key)
			table->entries[kept++] = *e;
		else if (keep_last || e->rank < table->entries[kept - 1].rank)
			table->entries[kept - 1] = *e;
	}
	table->count = kept;
	if (kept < table->capacity) {
		struct prefix_entry *shrunk = realloc(table->entries, kept * sizeof(*shrunk));

		if (shrunk)
			table->entries = shrunk;
	}
	table->capacity = kept;
	return 0;
}

static const struct prefix_entry *table_find(const struct prefix_table *table, unsigned bits,
					     uint64_t mac48)
{
	uint64_t key = mac48 >> (MAC_BITS - bits);
	size_t lo = 0, hi = table->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (table->entries[mid].key == key)
			return &table->entries[mid];
		if (table->entries[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Reads a whole file, NUL-terminated; *mtime gets its modification time. -ENOENT
 * when it does not exist. */
static int read_file(const char *path, char **text, size_t *len, int64_t *mtime)
{
	struct stat st;
	char *buf;
	size_t done = 0;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)VENDOR_REGISTRY_FILE_MAX) {
		err = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			free(buf);
			goto out;
		}
		done += (size_t)n;
	}
	buf[done] = '\0';
	*text = buf;
	*len = done;
	*mtime = st.st_mtime;
out:
	close(fd);
	return err;
}

struct csv_cursor {
	char *pos, *end;
};

static bool at_record_end(const struct csv_cursor *c)
{
	if (c->pos == c->end || *c->pos == '\n')
		return true;
	return c->pos[0] == '\r' && c->pos + 1 < c->end && c->pos[1] == '\n';
}

static void skip_record_end(struct csv_cursor *c)
{
	if (c->pos < c->end && *c->pos == '\r')
		c->pos++;
	if (c->pos < c->end && *c->pos == '\n')
		c->pos++;
}

static void skip_line(struct csv_cursor *c)
{
	char *newline = memchr(c->pos, '\n', (size_t)(c->end - c->pos));

	c->pos = newline ? newline + 1 : c->end;
}

/*
 * Splits the next record in place: quotes are removed, "" becomes ", and every
 * field is NUL-terminated (unquoting only shortens, so the write position never
 * passes the read position). Fields past max_fields are parsed and dropped.
 * Returns 1 with a record, 0 at the end, -EINVAL for a malformed record (which
 * is then skipped up to the end of its line).
 */
static int csv_next_record(struct csv_cursor *c, char **fields, unsigned max_fields,
			   unsigned *count)
{
	if (c->pos >= c->end)
		return 0;
	*count = 0;
	for (;;) {
		char *out = c->pos;

		if (*count < max_fields)
			fields[*count] = out;
		(*count)++;
		if (*c->pos == '"') {
			c->pos++;
			for (;;) {
				/* Runs up to the next quote in one copy (the addresses in the
				 * registry are long quoted fields). */
				char *quote = memchr(c->pos, '"', (size_t)(c->end - c->pos));
				size_t run = quote ? (size_t)(quote - c->pos) : 0;

				if (!quote) {
					c->pos = c->end; /* unterminated: the rest is lost */
					return -EINVAL;
				}
				memmove(out, c->pos, run);
				out += run;
				c->pos = quote;
				if (c->pos + 1 < c->end && c->pos[1] == '"') {
					*out++ = '"';
					c->pos += 2;
				} else {
					c->pos++;
					break;
				}
			}
			if (!at_record_end(c) && *c->pos != ',') {
				skip_line(c);
				return -EINVAL;
			}
		} else {
			for (;;) {
				/* Runs up to a comma or line end in one copy; the text ends in
				 * a NUL, so strcspn stops at c->end at the latest. */
				size_t run = strcspn(c->pos, ",\r\n");

				memmove(out, c->pos, run);
				out += run;
				c->pos += run;
				if (at_record_end(c) || *c->pos == ',')
					break;
				*out++ = *c->pos++; /* a lone '\r', or a NUL inside the text */
			}
		}
		if (at_record_end(c)) {
			*out = '\0';
			skip_record_end(c);
			return 1;
		}
		c->pos++; /* the comma */
		*out = '\0';
	}
}

/* A registry record: kept when its name can be shown (see name_is_acceptable). */
static int add_record(struct vendor_db *db, unsigned bits, uint64_t key, const char *name)
{
	if (!name_is_acceptable(name))
		return 0;
	return table_add(db, &db->registry[bits - 1], key, name);
}

static int load_csv(struct vendor_db *db, unsigned bits, char *text, size_t len)
{
	struct csv_cursor cursor = {.pos = text, .end = text + len};
	char *fields[CSV_FIELDS_USED];
	unsigned count;
	int ret;

	while ((ret = csv_next_record(&cursor, fields, CSV_FIELDS_USED, &count)) != 0) {
		uint64_t key;

		/* The header, blank lines and damaged records all land here. */
		if (ret < 0 || count < CSV_FIELDS_USED ||
		    parse_hex_exact(trim(fields[1]), bits / 4, &key) < 0)
			continue;
		ret = add_record(db, bits, key, trim(fields[2]));
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * The text format, used only when the CSV is absent. An assignment is a "(hex)"
 * line giving the 24-bit block, then a "(base 16)" line giving either the same
 * block (MA-L) or the range of the lower 24 bits it covers (MA-M, MA-S, IAB):
 *   70-B3-D5   (hex)		TELEPLATFORMS
 *   F2F000-F2FFFF     (base 16)		TELEPLATFORMS
 */
static int load_txt(struct vendor_db *db, unsigned bits, char *text)
{
	unsigned extra_bits = bits - 24;
	uint64_t block = 0;
	bool have_block = false;
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *marker, *range_end, *name;
		uint64_t low;
		int err;

		/* "(base 16)" first: a name could contain "(hex)". */
		marker = strstr(line, "(base 16)");
		if (!marker) {
			marker = strstr(line, "(hex)");
			have_block = marker && marker - line >= 8 && line[2] == '-' && line[5] == '-';
			if (have_block) {
				char digits[7] = {line[0], line[1], line[3], line[4],
						  line[6], line[7], '\0'};

				have_block = parse_hex_exact(digits, 6, &block) == 0;
			}
			continue;
		}
		if (!have_block)
			continue;
		have_block = false;
		*marker = '\0';
		name = trim(marker + strlen("(base 16)"));
		line = trim(line);
		range_end = strchr(line, '-');
		if (extra_bits == 0) {
			if (range_end || parse_hex_exact(line, 6, &low) < 0 || low != block)
				continue;
		} else {
			if (!range_end)
				continue;
			*range_end = '\0';
			if (parse_hex_exact(line, 6, &low) < 0)
				continue;
		}
		err = add_record(db, bits, block << extra_bits | low >> (24 - extra_bits), name);
		if (err < 0)
			return err;
	}
	return 0;
}

/*
 * arp-scan's files (ieee-oui.txt, ieee-iab.txt, mac-vendor.txt): "PREFIX<TAB>NAME"
 * lines, PREFIX being 2 to 12 hex digits in which ':', '-' and '.' are ignored, as
 * arp-scan itself reads them; '#' lines and blank lines are skipped.
 */
static int parse_arpscan_prefix(const char *text, uint64_t *key, unsigned *bits)
{
	uint64_t value = 0;
	unsigned digits = 0;

	for (const char *p = text; *p; p++) {
		int v = hex_value(*p);

		if (v >= 0) {
			if (++digits > MAC_BITS / 4)
				return -EINVAL;
			value = value << 4 | (uint64_t)v;
		} else if (*p != ':' && *p != '-' && *p != '.') {
			return -EINVAL;
		}
	}
	if (digits < 2)
		return -EINVAL;
	*key = value;
	*bits = digits * 4;
	return 0;
}

static int load_arpscan(struct vendor_db *db, char *text, size_t len)
{
	char *end = text + len;

	for (char *line = text, *next; line < end; line = next) {
		char *newline = memchr(line, '\n', (size_t)(end - line)), *name;
		uint64_t key;
		unsigned bits;
		int err;

		next = newline ? newline + 1 : end;
		/* A NUL inside a line would cut its name short: not a record. */
		if (memchr(line, '\0', (size_t)(next - line - (newline ? 1 : 0))))
			continue;
		if (newline)
			*newline = '\0';
		line = trim(line);
		if (*line == '\0' || *line == '#')
			continue;
		name = line + strcspn(line, " \t");
		if (*name == '\0')
			continue;
		*name++ = '\0';
		if (parse_arpscan_prefix(line, &key, &bits) < 0)
			continue;
		err = add_record(db, bits, key, trim(name));
		if (err < 0)
			return err;
	}
	return 0;
}

/* "# This file was automatically generated by get-oui at 2022-12-10 18:06:56": the
 * date get-oui (or get-iab) wrote into its file, in UTC; 0 when there is none. */
static int64_t arpscan_generated_date(const char *text, size_t len)
{
	static const char marker[] = "automatically generated by get-";
	const char *end = text + (len < 4096 ? len : 4096);
	const char *p = memmem(text, (size_t)(end - text), marker, sizeof(marker) - 1);
	struct tm tm = {0};
	char tail[32];
	size_t n;

	if (!p || !(p = memmem(p, (size_t)(end - p), " at ", 4)))
		return 0;
	p += 4;
	n = (size_t)(end - p) < sizeof(tail) - 1 ? (size_t)(end - p) : sizeof(tail) - 1;
	memcpy(tail, p, n);
	tail[n] = '\0';
	if (sscanf(tail, "%4d-%2d-%2d %2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

/* ieee-data's .lastupdate: the Unix time update-ieee-data (or the package build) last
 * fetched the registries; 0 when it is missing or not a number. */
static int64_t ieee_data_stamp(const char *dir)
{
	char path[PATH_MAX], text[32];
	long long stamp = 0;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/.lastupdate", dir) >= (int)sizeof(path))
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (!fgets(text, sizeof(text), f) || sscanf(text, "%lld", &stamp) != 1 || stamp < 0)
		stamp = 0;
	fclose(f);
	return stamp;
}

static int join_path(char path[PATH_MAX], const char *dir, const char *name)
{
	int n = snprintf(path, PATH_MAX, "%s/%s", dir, name);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

static bool is_missing(int err)
{
	return err == -ENOENT || err == -ENOTDIR;
}

int vendor_db_add_registry(struct vendor_db *db, enum vendor_format format, unsigned bits,
			   int64_t date, char *text, size_t len)
{
	if (format != VENDOR_FORMAT_ARPSCAN && bits != 24 && bits != 28 && bits != 36)
		return -EINVAL;
	if (db->source_count == SOURCES_MAX)
		return -ENOSPC;
	db->sources[db->source_count++].date = date;
	switch (format) {
	case VENDOR_FORMAT_IEEE_CSV:
		return load_csv(db, bits, text, len);
	case VENDOR_FORMAT_IEEE_TXT:
		return load_txt(db, bits, text);
	case VENDOR_FORMAT_ARPSCAN:
		return load_arpscan(db, text, len);
	}
	return -EINVAL;
}

/* One file (missing: -ENOENT, which callers let pass). stamp 0: the date written
 * in an arp-scan file, else the file's mtime. */
static int load_registry_file(struct vendor_db *db, const char *path, enum vendor_format format,
			      unsigned bits, int64_t stamp)
{
	char *text = NULL;
	size_t len = 0;
	int64_t mtime = 0;
	int err = read_file(path, &text, &len, &mtime);

	if (err)
		return err;
	if (format == VENDOR_FORMAT_ARPSCAN && stamp == 0)
		stamp = arpscan_generated_date(text, len);
	err = vendor_db_add_registry(db, format, bits, stamp ? stamp : mtime, text, len);
	free(text);
	return is_missing(err) ? -EIO : err;
}

static int load_file_in(struct vendor_db *db, const char *dir, const char *name,
			enum vendor_format format, unsigned bits, int64_t stamp)
{
	char path[PATH_MAX];
	int err = join_path(path, dir, name);

	return err ? err : load_registry_file(db, path, format, bits, stamp);
}

static int load_ieee_data(struct vendor_db *db, const char *dir)
{
	int64_t stamp = ieee_data_stamp(dir);

	for (size_t i = 0; i < sizeof(ieee_files) / sizeof(ieee_files[0]); i++) {
		const struct ieee_file *f = &ieee_files[i];
		int err = load_file_in(db, dir, f->csv, VENDOR_FORMAT_IEEE_CSV, f->bits, stamp);

		if (is_missing(err))
			err = load_file_in(db, dir, f->txt, VENDOR_FORMAT_IEEE_TXT, f->bits, stamp);
		if (err && !is_missing(err))
			return err;
	}
	return 0;
}

static int load_arpscan_files(struct vendor_db *db, const struct vendor_sources *src)
{
	/* get-oui's and get-iab's registries, dated by the line they write; then the
	 * hand-kept list, which sat beside them before arp-scan 1.10 moved it to /etc. */
	static const struct {
		const char *name;
		int64_t stamp;
	} files[] = {
		{"ieee-oui.txt", 0},
		{"ieee-iab.txt", 0},
		{"mac-vendor.txt", VENDOR_DATE_HAND_KEPT},
	};
	int err = 0;

	for (size_t i = 0; src->arpscan_dir && i < sizeof(files) / sizeof(files[0]); i++) {
		err = load_file_in(db, src->arpscan_dir, files[i].name, VENDOR_FORMAT_ARPSCAN, 0,
				   files[i].stamp);
		if (err && !is_missing(err))
			return err;
	}
	if (src->arpscan_local)
		err = load_registry_file(db, src->arpscan_local, VENDOR_FORMAT_ARPSCAN, 0,
					 VENDOR_DATE_HAND_KEPT);
	return is_missing(err) ? 0 : err;
}

/*
 * PREFIX is either plain hex digits ("b827eb", "70b3d5f2a") or octets separated by
 * ':' or '-' ("b8:27:eb"), optionally followed by "/bits". Without "/bits" the
 * prefix is as long as its digits; with it, digits past the prefix are ignored.
 */
static int parse_override_prefix(const char *text, uint64_t *key, unsigned *bits)
{
	uint64_t value = 0;
	unsigned digits = 0, group = 0, width;
	char separator = 0;
	const char *p;

	for (p = text; *p && *p != '/'; p++) {
		int v = hex_value(*p);

		if (v >= 0) {
			if (++digits > MAC_BITS / 4 || (separator && ++group > 2))
				return -EINVAL;
			value = value << 4 | (uint64_t)v;
			continue;
		}
		if ((*p != ':' && *p != '-') || (separator && *p != separator))
			return -EINVAL;
		/* The first group is two digits too: "b:27:eb" is a typo, not a prefix. */
		if ((separator ? group : digits) != 2)
			return -EINVAL;
		separator = *p;
		group = 0;
	}
	if (digits == 0 || (separator && group != 2))
		return -EINVAL;
	width = digits * 4;
	if (*p == '/') {
		unsigned long n = 0;

		if (!isdigit((unsigned char)p[1]))
			return -EINVAL;
		for (p++; isdigit((unsigned char)*p); p++) {
			n = n * 10 + (unsigned long)(*p - '0');
			if (n > MAC_BITS)
				return -EINVAL;
		}
		if (*p || n == 0 || n > width)
			return -EINVAL;
		*bits = (unsigned)n;
	} else if (separator || digits == 6 || digits == 7 || digits == 9 || digits == 12) {
		*bits = width;
	} else {
		return -EINVAL;
	}
	*key = value >> (width - *bits);
	return 0;
}

/* '#' opens a comment at the start of a line or after blanks, so "Acme#2" survives. */
static void strip_comment(char *line)
{
	for (char *p = line; *p; p++) {
		if (*p == '#' && (p == line || isspace((unsigned char)p[-1]))) {
			*p = '\0';
			return;
		}
	}
}

/* One override line; *why says what is wrong with a bad one. */
static int parse_override_line(struct vendor_db *db, char *line, const char **why)
{
	char *prefix, *name;
	uint64_t key;
	unsigned bits;

	strip_comment(line);
	prefix = trim(line);
	if (*prefix == '\0')
		return 0;
	name = prefix;
	while (*name && !isspace((unsigned char)*name))
		name++;
	*why = "not 'PREFIX NAME' (e.g. 'b8:27:eb Pi')";
	if (*name == '\0')
		return -EINVAL;
	*name++ = '\0';
	name = trim(name);
	if (parse_override_prefix(prefix, &key, &bits) < 0)
		return -EINVAL;
	if (strlen(name) > VENDOR_NAME_MAX) {
		*why = "a name longer than 255 bytes";
		return -EINVAL;
	}
	if (!name_is_acceptable(name)) {
		*why = "a name with control characters or bytes that are not UTF-8";
		return -EINVAL;
	}
	return table_add(db, &db->override[bits - 1], key, name);
}

static void set_error(struct vendor_error *e, unsigned line, const char *reason)
{
	if (!e)
		return;
	e->line = line;
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
}

int vendor_db_add_override(struct vendor_db *db, struct line_reader *r, struct vendor_error *e)
{
	const char *why = NULL;
	char *line;
	int err;

	if (db->source_count == SOURCES_MAX)
		return -ENOSPC;
	db->sources[db->source_count++].date = VENDOR_DATE_HAND_KEPT;
	while ((err = line_reader_next(r, &line, NULL)) > 0) {
		err = parse_override_line(db, line, &why);
		if (err == -EINVAL)
			set_error(e, r->line, why);
		if (err < 0)
			return err;
	}
	if (err < 0 && e) {
		char reason[sizeof(e->reason)];

		line_reader_error(r, err, reason, sizeof(reason));
		set_error(e, err == -EFBIG || err == -EISDIR ? 0 : r->line, reason);
	}
	return err;
}

static int load_override(struct vendor_db *db, const char *path, struct vendor_error *e)
{
	struct line_reader r;
	int err = line_reader_open(&r, path, VENDOR_OVERRIDE_LINE_MAX, VENDOR_OVERRIDE_FILE_MAX);

	if (err) {
		set_error(e, 0, strerror(-err));
		return err;
	}
	err = vendor_db_add_override(db, &r, e);
	line_reader_free(&r);
	return err;
}

/* Source ranks: hand-kept lists, then the newest registry, then load order. */
static void rank_sources(const struct vendor_db *db, uint16_t rank[SOURCES_MAX])
{
	for (unsigned i = 0; i < db->source_count; i++) {
		unsigned better = 0;

		for (unsigned j = 0; j < db->source_count; j++)
			if (db->sources[j].date > db->sources[i].date ||
			    (j < i && db->sources[j].date == db->sources[i].date))
				better++;
		rank[i] = (uint16_t)better;
	}
}

static unsigned lengths_in_use(const struct prefix_table *tables, uint8_t *bits)
{
	unsigned n = 0;

	for (int i = MAC_BITS - 1; i >= 0; i--)
		if (tables[i].count)
			bits[n++] = (uint8_t)(i + 1);
	return n;
}

int vendor_db_finish(struct vendor_db *db)
{
	uint16_t rank[SOURCES_MAX];
	int err = 0;

	rank_sources(db, rank);
	for (int i = 0; i < MAC_BITS && !err; i++) {
		struct prefix_table *t = &db->registry[i];

		for (size_t k = 0; k < t->count; k++)
			t->entries[k].rank = rank[t->entries[k].source];
		err = table_finish(t, (unsigned)i + 1, false);
		if (!err)
			err = table_finish(&db->override[i], (unsigned)i + 1, true);
	}
	if (err)
		return err;
	db->registry_lengths = lengths_in_use(db->registry, db->registry_bits);
	db->override_lengths = lengths_in_use(db->override, db->override_bits);
	if (db->names_len < db->names_capacity && db->names_len > 0) {
		char *shrunk = realloc(db->names, db->names_len);

		if (shrunk) {
			db->names = shrunk;
			db->names_capacity = db->names_len;
		}
	}
	return 0;
}

void vendor_sources_default(struct vendor_sources *s)
{
	s->ieee_data_dir = VENDOR_IEEE_DATA_DIR;
	s->arpscan_dir = VENDOR_ARPSCAN_DIR;
	s->arpscan_local = VENDOR_ARPSCAN_LOCAL;
	s->override = NULL;
}

int vendor_db_new(struct vendor_db **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

int vendor_db_load(struct vendor_db **out, const struct vendor_sources *sources,
		   struct vendor_error *error)
{
	struct vendor_sources system;
	struct vendor_db *db;
	int err;

	*out = NULL;
	set_error(error, 0, "");
	if (!sources) {
		vendor_sources_default(&system);
		sources = &system;
	}
	err = vendor_db_new(&db);
	if (!err && sources->ieee_data_dir)
		err = load_ieee_data(db, sources->ieee_data_dir);
	if (!err)
		err = load_arpscan_files(db, sources);
	if (err)
		set_error(error, 0, strerror(-err));
	if (!err && sources->override)
		err = load_override(db, sources->override, error);
	if (!err)
		err = vendor_db_finish(db);
	if (err) {
		if (!error || !error->reason[0])
			set_error(error, 0, strerror(-err));
		vendor_db_free(db);
		return err;
	}
	*out = db;
	return 0;
}

void vendor_db_free(struct vendor_db *db)
{
	if (!db)
		return;
	for (int i = 0; i < MAC_BITS; i++) {
		free(db->registry[i].entries);
		free(db->override[i].entries);
	}
	free(db->names);
	free(db);
}

const char *vendor_lookup(const struct vendor_db *db, const struct mac *mac)
{
	uint64_t mac48 = mac_to_u64(mac);
	const struct prefix_entry *hit = NULL;

	for (unsigned i = 0; i < db->override_lengths && !hit; i++)
		hit = table_find(&db->override[db->override_bits[i] - 1], db->override_bits[i], mac48);
	for (unsigned i = 0; i < db->registry_lengths && !hit; i++)
		hit = table_find(&db->registry[db->registry_bits[i] - 1], db->registry_bits[i], mac48);
	if (hit)
		return db->names + hit->name;
	return mac_is_local(mac) ? VENDOR_LOCAL : VENDOR_UNKNOWN;
}

unsigned long vendor_db_size(const struct vendor_db *db)
{
	unsigned long size = 0;

	for (int i = 0; i < MAC_BITS; i++)
		size += db->registry[i].count + db->override[i].count;
	return size;
}
