#include "vendor.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAC_BITS 48
/* The registry is a few MB; anything far larger is not an IEEE file and not worth
 * swallowing into memory. */
#define REGISTRY_FILE_MAX (256L << 20)
#define CSV_FIELDS_USED 3

/* name is an offset into db->names rather than a pointer, so the arena can grow
 * with realloc while loading; the offset also records load order, which settles
 * which of two entries for the same prefix wins. */
struct prefix_entry {
	uint64_t key;
	uint32_t name;
};

struct prefix_table {
	unsigned bits;
	size_t count, capacity;
	struct prefix_entry *entries;
};

enum registry_table { REGISTRY_36, REGISTRY_28, REGISTRY_24, REGISTRY_TABLES };

struct vendor_db {
	char *names;
	size_t names_len, names_capacity;
	/* Longest prefix first, so the first hit in a walk is the answer. */
	struct prefix_table registry[REGISTRY_TABLES];
	/* Indexed by prefix length - 1; only lengths the override file uses are filled. */
	struct prefix_table override[MAC_BITS];
};

struct registry_file {
	const char *csv, *txt;
	enum registry_table table;
	unsigned hex_digits;
};

/* Order matters only for IAB and MA-S, which share the /36 table: an assignment
 * listed in both keeps its MA-S name. */
static const struct registry_file registry_files[] = {
	{"oui.csv", "oui.txt", REGISTRY_24, 6},
	{"mam.csv", "mam.txt", REGISTRY_28, 7},
	{"oui36.csv", "oui36.txt", REGISTRY_36, 9},
	{"iab.csv", "iab.txt", REGISTRY_36, 9},
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

/* Length of the blank at text: ASCII white space, or one of the Unicode spaces
 * (UTF-8) that turn up at the ends of registry names, such as U+2002. */
static size_t blank_length(const char *text)
{
	static const char *const unicode_blanks[] = {
		"\xc2\x85", "\xc2\xa0", "\xe1\x9a\x80", "\xe2\x80\x80", "\xe2\x80\x81",
		"\xe2\x80\x82", "\xe2\x80\x83", "\xe2\x80\x84", "\xe2\x80\x85", "\xe2\x80\x86",
		"\xe2\x80\x87", "\xe2\x80\x88", "\xe2\x80\x89", "\xe2\x80\x8a", "\xe2\x80\xa8",
		"\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80", "\xef\xbb\xbf",
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
	if (db->names_len + len > db->names_capacity) {
		size_t capacity = db->names_capacity ? db->names_capacity : 64 * 1024;
		char *grown;

		while (capacity < db->names_len + len)
			capacity *= 2;
		grown = realloc(db->names, capacity);
		if (!grown)
			return -ENOMEM;
		db->names = grown;
		db->names_capacity = capacity;
	}
	memcpy(db->names + db->names_len, name, len);
	*offset = (uint32_t)db->names_len;
	db->names_len += len;
	return 0;
}

static int table_add(struct vendor_db *db, struct prefix_table *table, uint64_t key,
		     const char *name)
{
	uint32_t offset;
	int err;

	if (table->count == table->capacity) {
		size_t capacity = table->capacity ? table->capacity * 2 : 256;
		struct prefix_entry *grown = realloc(table->entries, capacity * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		table->entries = grown;
		table->capacity = capacity;
	}
	err = add_name(db, name, &offset);
	if (err)
		return err;
	table->entries[table->count++] = (struct prefix_entry){.key = key, .name = offset};
	return 0;
}

static int compare_entries(const void *a, const void *b)
{
	const struct prefix_entry *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

/* Sorts by key, then load order, and keeps one entry per key: the first loaded
 * (keep_last false) or the last loaded (keep_last true). */
static void table_finish(struct prefix_table *table, bool keep_last)
{
	size_t kept = 0;

	if (table->count == 0)
		return;
	qsort(table->entries, table->count, sizeof(*table->entries), compare_entries);
	for (size_t i = 0; i < table->count; i++) {
		bool duplicate = kept > 0 && table->entries[kept - 1].key == table->entries[i].key;

		if (!duplicate)
			table->entries[kept++] = table->entries[i];
		else if (keep_last)
			table->entries[kept - 1] = table->entries[i];
	}
	table->count = kept;
	if (kept == 0) {
		free(table->entries);
		table->entries = NULL;
	} else if (kept < table->capacity) {
		struct prefix_entry *shrunk = realloc(table->entries, kept * sizeof(*shrunk));

		if (shrunk)
			table->entries = shrunk;
	}
	table->capacity = kept;
}

static const struct prefix_entry *table_find(const struct prefix_table *table, uint64_t mac48)
{
	uint64_t key = mac48 >> (MAC_BITS - table->bits);
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

/* Reads a whole file, NUL-terminated. -ENOENT when it does not exist. */
static int read_file(const char *path, char **text, size_t *len)
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
	if (!S_ISREG(st.st_mode) || st.st_size > REGISTRY_FILE_MAX) {
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
				if (c->pos == c->end) {
					return -EINVAL;
				} else if (*c->pos != '"') {
					*out++ = *c->pos++;
				} else if (c->pos + 1 < c->end && c->pos[1] == '"') {
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
			while (!at_record_end(c) && *c->pos != ',')
				*out++ = *c->pos++;
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

static int load_csv(struct vendor_db *db, const struct registry_file *file, char *text, size_t len)
{
	struct prefix_table *table = &db->registry[file->table];
	struct csv_cursor cursor = {.pos = text, .end = text + len};
	char *fields[CSV_FIELDS_USED];
	unsigned count;
	int ret;

	while ((ret = csv_next_record(&cursor, fields, CSV_FIELDS_USED, &count)) != 0) {
		uint64_t key;
		const char *name;

		/* The header, blank lines and damaged records all land here. */
		if (ret < 0 || count < CSV_FIELDS_USED ||
		    parse_hex_exact(trim(fields[1]), file->hex_digits, &key) < 0)
			continue;
		name = trim(fields[2]);
		if (*name == '\0')
			continue;
		ret = table_add(db, table, key, name);
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
static int load_txt(struct vendor_db *db, const struct registry_file *file, char *text)
{
	struct prefix_table *table = &db->registry[file->table];
	unsigned extra_bits = file->hex_digits * 4 - 24;
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
		if (*name == '\0')
			continue;
		err = table_add(db, table, block << extra_bits | low >> (24 - extra_bits), name);
		if (err < 0)
			return err;
	}
	return 0;
}

static int read_registry_text(const char *dir, const char *name, char **text, size_t *len)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	return read_file(path, text, len);
}

static bool is_missing(int err)
{
	return err == -ENOENT || err == -ENOTDIR;
}

static int load_registry_file(struct vendor_db *db, const char *dir,
			      const struct registry_file *file)
{
	char *text = NULL;
	size_t len = 0;
	bool is_csv = true;
	int err;

	err = read_registry_text(dir, file->csv, &text, &len);
	if (is_missing(err)) {
		is_csv = false;
		err = read_registry_text(dir, file->txt, &text, &len);
	}
	if (is_missing(err))
		return 0;
	if (err < 0)
		return err;
	err = is_csv ? load_csv(db, file, text, len) : load_txt(db, file, text);
	free(text);
	return err;
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

static int parse_override_line(struct vendor_db *db, char *line)
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
	if (*name == '\0')
		return -EINVAL;
	*name++ = '\0';
	name = trim(name);
	if (parse_override_prefix(prefix, &key, &bits) < 0)
		return -EINVAL;
	return table_add(db, &db->override[bits - 1], key, name);
}

static int load_override(struct vendor_db *db, const char *path, unsigned *bad_line)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t capacity = 0;
	unsigned line_no = 0;
	int err = 0;

	if (!f)
		return -errno;
	while (getline(&line, &capacity, f) >= 0) {
		line_no++;
		err = parse_override_line(db, line);
		if (err == -EINVAL && bad_line)
			*bad_line = line_no;
		if (err)
			break;
	}
	if (!err && ferror(f))
		err = -EIO;
	free(line);
	fclose(f);
	return err;
}

static void finish(struct vendor_db *db)
{
	for (int i = 0; i < REGISTRY_TABLES; i++)
		table_finish(&db->registry[i], false);
	/* A user who writes the same prefix twice means the later line. */
	for (int i = 0; i < MAC_BITS; i++)
		table_finish(&db->override[i], true);
	if (db->names_len < db->names_capacity && db->names_len > 0) {
		char *shrunk = realloc(db->names, db->names_len);

		if (shrunk) {
			db->names = shrunk;
			db->names_capacity = db->names_len;
		}
	}
}

int vendor_db_load(struct vendor_db **out, const char *dir, const char *override_path,
		   unsigned *bad_line)
{
	static const unsigned registry_bits[REGISTRY_TABLES] = {
		[REGISTRY_36] = 36, [REGISTRY_28] = 28, [REGISTRY_24] = 24};
	struct vendor_db *db;
	int err = 0;

	*out = NULL;
	if (bad_line)
		*bad_line = 0;
	db = calloc(1, sizeof(*db));
	if (!db)
		return -ENOMEM;
	for (int i = 0; i < REGISTRY_TABLES; i++)
		db->registry[i].bits = registry_bits[i];
	for (int i = 0; i < MAC_BITS; i++)
		db->override[i].bits = (unsigned)i + 1;

	if (!dir)
		dir = VENDOR_REGISTRY_DIR;
	for (size_t i = 0; i < sizeof(registry_files) / sizeof(registry_files[0]) && !err; i++)
		err = load_registry_file(db, dir, &registry_files[i]);
	if (!err && override_path)
		err = load_override(db, override_path, bad_line);
	if (err) {
		vendor_db_free(db);
		return err;
	}
	finish(db);
	*out = db;
	return 0;
}

void vendor_db_free(struct vendor_db *db)
{
	if (!db)
		return;
	for (int i = 0; i < REGISTRY_TABLES; i++)
		free(db->registry[i].entries);
	for (int i = 0; i < MAC_BITS; i++)
		free(db->override[i].entries);
	free(db->names);
	free(db);
}

const char *vendor_lookup(const struct vendor_db *db, const struct mac *mac)
{
	uint64_t mac48 = mac_to_u64(mac);
	const struct prefix_entry *hit = NULL;

	for (int i = MAC_BITS - 1; i >= 0 && !hit; i--)
		if (db->override[i].count)
			hit = table_find(&db->override[i], mac48);
	for (int i = 0; i < REGISTRY_TABLES && !hit; i++)
		hit = table_find(&db->registry[i], mac48);
	if (hit)
		return db->names + hit->name;
	return mac_is_local(mac) ? VENDOR_LOCAL : VENDOR_UNKNOWN;
}

unsigned long vendor_db_size(const struct vendor_db *db)
{
	unsigned long size = 0;

	for (int i = 0; i < REGISTRY_TABLES; i++)
		size += db->registry[i].count;
	for (int i = 0; i < MAC_BITS; i++)
		size += db->override[i].count;
	return size;
}
