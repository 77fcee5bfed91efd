#include "targets.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_WORDS 4 /* 256 addresses per /24 page, 64 per word */

struct target_page {
	uint32_t number; /* address >> 8 */
	uint32_t base;   /* index of the first target in this page */
	uint64_t bits[PAGE_WORDS];
};

void targets_init(struct targets *t)
{
	memset(t, 0, sizeof(*t));
}

void targets_free(struct targets *t)
{
	free(t->ranges);
	free(t->pages);
	free(t->slots);
	targets_init(t);
}

int targets_add_range(struct targets *t, uint32_t first, uint32_t last)
{
	if (t->finished || first > last)
		return -EINVAL;
	if ((uint64_t)last - first + 1 > TARGETS_MAX)
		return -E2BIG;
	if (t->range_count == t->range_cap) {
		size_t cap = t->range_cap ? t->range_cap * 2 : 16;
		struct target_range *grown = realloc(t->ranges, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		t->ranges = grown;
		t->range_cap = cap;
	}
	t->ranges[t->range_count].first = first;
	t->ranges[t->range_count].last = last;
	t->range_count++;
	return 0;
}

int targets_add_spec(struct targets *t, const char *spec)
{
	char first_text[IPV4_STRLEN];
	const char *dash = strchr(spec, '-');
	struct in_addr a, b;
	unsigned prefixlen;
	uint32_t first, mask;

	if (dash) {
		size_t len = (size_t)(dash - spec);

		if (len == 0 || len >= sizeof(first_text))
			return -EINVAL;
		memcpy(first_text, spec, len);
		first_text[len] = '\0';
		if (ipv4_parse(first_text, &a) < 0 || ipv4_parse(dash + 1, &b) < 0)
			return -EINVAL;
		if (ntohl(a.s_addr) > ntohl(b.s_addr))
			return -ERANGE;
		return targets_add_range(t, ntohl(a.s_addr), ntohl(b.s_addr));
	}
	if (strchr(spec, '/')) {
		if (ipv4_parse_cidr(spec, &a, &prefixlen) < 0)
			return -EINVAL;
		mask = ipv4_netmask(prefixlen);
		first = ntohl(a.s_addr) & mask;
		return targets_add_range(t, first, first | ~mask);
	}
	if (ipv4_parse(spec, &a) < 0)
		return -EINVAL;
	return targets_add_range(t, ntohl(a.s_addr), ntohl(a.s_addr));
}

/* One line: its items, each handed to targets_add_spec; returns bad items seen. */
static int read_line(struct targets *t, char *line, unsigned number, targets_bad_fn on_bad,
		     void *ctx, unsigned *bad)
{
	char *hash = strchr(line, '#');
	char *save = NULL;

	if (hash)
		*hash = '\0';
	for (char *item = strtok_r(line, " \t\r\n\v\f", &save); item;
	     item = strtok_r(NULL, " \t\r\n\v\f", &save)) {
		int err = targets_add_spec(t, item);

		if (err == -ENOMEM)
			return err;
		if (err) {
			(*bad)++;
			if (on_bad)
				on_bad(ctx, number, item, err);
		}
	}
	return 0;
}

int targets_read(struct targets *t, struct line_reader *r, targets_bad_fn on_bad, void *ctx)
{
	unsigned bad = 0;
	char *line;
	int ret;

	while ((ret = line_reader_next(r, &line, NULL)) > 0) {
		ret = read_line(t, line, r->line, on_bad, ctx, &bad);
		if (ret < 0)
			return ret;
	}
	if (ret < 0)
		return ret;
	return bad ? -EINVAL : 0;
}

static int compare_ranges(const void *pa, const void *pb)
{
	const struct target_range *a = pa, *b = pb;

	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	return (a->last > b->last) - (a->last < b->last);
}

/* Sorted, then overlapping or adjacent ranges joined: every address once. */
static int merge_ranges(struct targets *t)
{
	size_t kept = 0;
	uint64_t total = 0;

	/* qsort's array must not be NULL, even with no elements (C17 7.22.5). */
	if (t->range_count > 1)
		qsort(t->ranges, t->range_count, sizeof(*t->ranges), compare_ranges);
	for (size_t i = 0; i < t->range_count; i++) {
		struct target_range *r = &t->ranges[i];

		if (kept && (uint64_t)t->ranges[kept - 1].last + 1 >= r->first) {
			if (r->last > t->ranges[kept - 1].last)
				t->ranges[kept - 1].last = r->last;
			continue;
		}
		t->ranges[kept++] = *r;
	}
	t->range_count = kept;
	for (size_t i = 0; i < kept; i++)
		total += (uint64_t)t->ranges[i].last - t->ranges[i].first + 1;
	if (total > TARGETS_MAX)
		return -E2BIG;
	t->total = (uint32_t)total;
	return 0;
}

static void set_bits(struct target_page *p, unsigned from, unsigned to)
{
	for (unsigned bit = from; bit <= to;) {
		unsigned word = bit / 64, offset = bit % 64;

		if (offset == 0 && to - bit >= 63) {
			p->bits[word] = ~0ull;
			bit += 64;
		} else {
			p->bits[word] |= 1ull << offset;
			bit++;
		}
	}
}

static unsigned page_popcount(const struct target_page *p)
{
	unsigned n = 0;

	for (unsigned w = 0; w < PAGE_WORDS; w++)
		n += (unsigned)__builtin_popcountll(p->bits[w]);
	return n;
}

static size_t count_pages(const struct targets *t)
{
	size_t pages = 0;
	uint32_t last_page = 0;

	for (size_t i = 0; i < t->range_count; i++) {
		uint32_t from = t->ranges[i].first >> 8, to = t->ranges[i].last >> 8;

		pages += (size_t)(to - from) + 1;
		if (i > 0 && from == last_page)
			pages--; /* shared with the previous range */
		last_page = to;
	}
	return pages;
}

static uint32_t page_hash(uint32_t number, uint32_t mask)
{
	return (number * 0x9E3779B1u) >> 7 & mask;
}

static void build_pages(struct targets *t)
{
	uint32_t base = 0;

	t->page_count = 0;
	for (size_t i = 0; i < t->range_count; i++) {
		const struct target_range *r = &t->ranges[i];

		for (uint64_t number = r->first >> 8; number <= r->last >> 8; number++) {
			uint32_t page_start = (uint32_t)number << 8;
			uint32_t from = r->first > page_start ? r->first : page_start;
			uint32_t to = r->last < (page_start | 0xff) ? r->last : (page_start | 0xff);
			struct target_page *p;

			if (t->page_count && t->pages[t->page_count - 1].number == number) {
				p = &t->pages[t->page_count - 1];
			} else {
				if (t->page_count) {
					base += page_popcount(&t->pages[t->page_count - 1]);
				}
				p = &t->pages[t->page_count++];
				p->number = (uint32_t)number;
				p->base = base;
			}
			set_bits(p, from & 0xff, to & 0xff);
		}
	}
}

static void build_slots(struct targets *t)
{
	for (uint32_t s = 0; s <= t->slot_mask; s++)
		t->slots[s] = -1;
	for (size_t i = 0; i < t->page_count; i++) {
		uint32_t s = page_hash(t->pages[i].number, t->slot_mask);

		while (t->slots[s] >= 0)
			s = (s + 1) & t->slot_mask;
		t->slots[s] = (int32_t)i;
	}
}

int targets_finish(struct targets *t)
{
	size_t pages, slots = 16;
	int err;

	if (t->finished)
		return 0;
	err = merge_ranges(t);
	if (err)
		return err;
	pages = count_pages(t);
	while (slots < 2 * pages)
		slots *= 2;
	t->pages = calloc(pages ? pages : 1, sizeof(*t->pages));
	t->slots = malloc(slots * sizeof(*t->slots));
	if (!t->pages || !t->slots)
		return -ENOMEM;
	t->slot_mask = (uint32_t)(slots - 1);
	build_pages(t);
	build_slots(t);
	t->finished = true;
	return 0;
}

bool targets_index_of(const struct targets *t, struct in_addr addr, uint32_t *index)
{
	uint32_t host = ntohl(addr.s_addr), number = host >> 8, s;
	unsigned offset = host & 0xff, word = offset / 64, rank = 0;
	const struct target_page *p;
	uint64_t below;

	if (!t->finished || t->page_count == 0)
		return false;
	for (s = page_hash(number, t->slot_mask);; s = (s + 1) & t->slot_mask) {
		if (t->slots[s] < 0)
			return false;
		if (t->pages[t->slots[s]].number == number)
			break;
	}
	p = &t->pages[t->slots[s]];
	if (!(p->bits[word] >> (offset % 64) & 1))
		return false;
	for (unsigned w = 0; w < word; w++)
		rank += (unsigned)__builtin_popcountll(p->bits[w]);
	below = offset % 64 ? p->bits[word] & ((1ull << (offset % 64)) - 1) : 0;
	rank += (unsigned)__builtin_popcountll(below);
	*index = p->base + rank;
	return true;
}

void targets_cursor_start(const struct targets *t, struct target_cursor *c)
{
	c->range = 0;
	c->next = t->range_count ? t->ranges[0].first : 0;
	c->index = 0;
}

bool targets_cursor_next(const struct targets *t, struct target_cursor *c, struct in_addr *addr,
			 uint32_t *index)
{
	if (c->range >= t->range_count)
		return false;
	addr->s_addr = htonl((uint32_t)c->next);
	*index = c->index++;
	if (c->next < t->ranges[c->range].last) {
		c->next++;
	} else if (++c->range < t->range_count) {
		c->next = t->ranges[c->range].first;
	}
	return true;
}
