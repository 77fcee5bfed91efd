#include "targets.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "number.h"
#include "vec.h"

#define PAGE_WORDS 4 /* 256 addresses per page, 64 per word */
#define IPV4_MAPPED 0xffff00000000ull /* ::ffff:0:0/96, the IPv4 part of the line */
#define FOUND_EMPTY UINT32_MAX

struct target_page {
	uint64_t hi;     /* the address's high 64 bits */
	uint64_t number; /* its low 64 bits >> 8 */
	uint32_t base;   /* index of the first target in this page */
	uint64_t bits[PAGE_WORDS];
};

/* A point of the number line. */
struct key {
	uint64_t hi, lo;
};

static uint64_t load_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void store_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static struct key key_of(const struct ipaddr *a)
{
	struct key k = {0, IPV4_MAPPED | ntohl(a->v4.s_addr)};

	if (a->family == AF_INET6) {
		k.hi = load_be64(a->v6.s6_addr);
		k.lo = load_be64(a->v6.s6_addr + 8);
	}
	return k;
}

static struct ipaddr addr_of(uint64_t hi, uint64_t lo)
{
	struct ipaddr a;

	memset(&a, 0, sizeof(a));
	if (hi == 0) {
		a.family = AF_INET;
		a.v4.s_addr = htonl((uint32_t)lo);
	} else {
		a.family = AF_INET6;
		store_be64(a.v6.s6_addr, hi);
		store_be64(a.v6.s6_addr + 8, lo);
	}
	return a;
}

static int key_compare(struct key a, struct key b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	return (a.lo > b.lo) - (a.lo < b.lo);
}

/* An IPv6 address a neighbour can hold: not in ::/64, not multicast. */
static bool scannable(const struct ipaddr *a)
{
	struct key k = key_of(a);

	return a->family == AF_INET || (a->family == AF_INET6 && k.hi != 0 && k.hi >> 56 != 0xff);
}

void targets_init(struct targets *t)
{
	memset(t, 0, sizeof(*t));
}

void targets_free(struct targets *t)
{
	free(t->ranges);
	free(t->pages);
	free(t->slots);
	free(t->found);
	free(t->found_slots);
	targets_init(t);
}

static int push_range(struct targets *t, uint64_t hi, uint64_t first, uint64_t last)
{
	if (vec_reserve_fields(t->ranges, t->range_cap, t->range_count + 1) < 0)
		return -ENOMEM;
	t->ranges[t->range_count++] = (struct target_range){hi, first, last};
	return 0;
}

/* first..last of one family, sizes checked; one that crosses a 2^64 boundary (an
 * IPv6 range) goes in as two ranges. */
static int add_keys(struct targets *t, struct key first, struct key last, bool ipv6)
{
	uint64_t count, max = ipv6 ? TARGETS_IPV6_ITEM_MAX : TARGETS_MAX;
	int err;

	if (t->finished)
		return -EINVAL;
	if (key_compare(first, last) > 0)
		return -ERANGE;
	if (first.hi == last.hi)
		count = last.lo - first.lo < max ? last.lo - first.lo + 1 : max + 1;
	else if (last.hi - first.hi == 1 && last.lo < max && UINT64_MAX - first.lo < max)
		count = (UINT64_MAX - first.lo) + last.lo + 2;
	else
		count = max + 1;
	if (count > max)
		return ipv6 ? -EMSGSIZE : -E2BIG;
	if (first.hi == last.hi)
		return push_range(t, first.hi, first.lo, last.lo);
	err = push_range(t, first.hi, first.lo, UINT64_MAX);
	return err ? err : push_range(t, last.hi, 0, last.lo);
}

int targets_add_range(struct targets *t, const struct ipaddr *first, const struct ipaddr *last)
{
	if (first->family != last->family ||
	    (first->family != AF_INET && first->family != AF_INET6))
		return -EINVAL;
	if (!scannable(first) || !scannable(last))
		return -EADDRNOTAVAIL;
	return add_keys(t, key_of(first), key_of(last), first->family == AF_INET6);
}

/* "ADDR/N" of IPv6: the block, if it is small enough to scan address by address. */
static int add_ipv6_block(struct targets *t, const char *spec, const char *slash)
{
	char text[INET6_ADDRSTRLEN];
	size_t len = (size_t)(slash - spec);
	unsigned long prefixlen;
	struct ipaddr a;
	struct key first, last;
	uint64_t host_mask;

	if (len == 0 || len >= sizeof(text))
		return -EINVAL;
	memcpy(text, spec, len);
	text[len] = '\0';
	if (ipaddr_parse(text, AF_INET6, &a) < 0 || parse_ulong(slash + 1, 0, 128, &prefixlen) < 0)
		return -EINVAL;
	if (128 - prefixlen > 16)
		return -EMSGSIZE;
	if (!scannable(&a))
		return -EADDRNOTAVAIL;
	host_mask = 128 - prefixlen == 0 ? 0 : (1ull << (128 - prefixlen)) - 1;
	first = key_of(&a);
	first.lo &= ~host_mask;
	last = first;
	last.lo |= host_mask;
	return add_keys(t, first, last, true);
}

int targets_add_spec(struct targets *t, const char *spec)
{
	char first_text[INET6_ADDRSTRLEN];
	const char *dash = strchr(spec, '-'), *slash = strchr(spec, '/');
	struct ipaddr a, b;
	struct in_addr v4;
	unsigned prefixlen;

	if (dash) {
		size_t len = (size_t)(dash - spec);

		if (len == 0 || len >= sizeof(first_text))
			return -EINVAL;
		memcpy(first_text, spec, len);
		first_text[len] = '\0';
		if (ipaddr_parse(first_text, AF_UNSPEC, &a) < 0 ||
		    ipaddr_parse(dash + 1, a.family, &b) < 0)
			return -EINVAL;
		return targets_add_range(t, &a, &b);
	}
	if (slash && strchr(spec, ':'))
		return add_ipv6_block(t, spec, slash);
	if (slash) {
		uint32_t mask, first;

		if (ipv4_parse_cidr(spec, &v4, &prefixlen) < 0)
			return -EINVAL;
		mask = ipv4_netmask(prefixlen);
		first = ntohl(v4.s_addr) & mask;
		a = ipaddr_v4((struct in_addr){htonl(first)});
		b = ipaddr_v4((struct in_addr){htonl(first | ~mask)});
		return targets_add_range(t, &a, &b);
	}
	if (ipaddr_parse(spec, AF_UNSPEC, &a) < 0)
		return -EINVAL;
	return targets_add_range(t, &a, &a);
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

bool targets_has_family(const struct targets *t, int family)
{
	for (size_t i = 0; i < t->range_count; i++)
		if ((t->ranges[i].hi == 0) == (family == AF_INET))
			return true;
	return false;
}

bool targets_first(const struct targets *t, int family, struct ipaddr *addr)
{
	for (size_t i = 0; t->finished && i < t->range_count; i++) {
		if ((t->ranges[i].hi == 0) == (family == AF_INET)) {
			*addr = addr_of(t->ranges[i].hi, t->ranges[i].first);
			return true;
		}
	}
	return false;
}

static int compare_ranges(const void *pa, const void *pb)
{
	const struct target_range *a = pa, *b = pb;

	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	return (a->last > b->last) - (a->last < b->last);
}

/* Does r overlap or touch kept (sorted before it, same high bits)? */
static bool joins(const struct target_range *kept, const struct target_range *r)
{
	return kept->hi == r->hi && (r->first <= kept->last || r->first - 1 == kept->last);
}

/* Sorted, then overlapping or adjacent ranges joined: every address once. */
static int merge_ranges(struct targets *t)
{
	size_t kept = 0;
	uint64_t total = 0, ipv4 = 0;

	/* qsort's array must not be NULL, even with no elements (C17 7.22.5). */
	if (t->range_count > 1)
		qsort(t->ranges, t->range_count, sizeof(*t->ranges), compare_ranges);
	for (size_t i = 0; i < t->range_count; i++) {
		struct target_range *r = &t->ranges[i];

		if (kept && joins(&t->ranges[kept - 1], r)) {
			if (r->last > t->ranges[kept - 1].last)
				t->ranges[kept - 1].last = r->last;
			continue;
		}
		t->ranges[kept++] = *r;
	}
	t->range_count = kept;
	for (size_t i = 0; i < kept && total <= TARGETS_MAX; i++) {
		uint64_t n = t->ranges[i].last - t->ranges[i].first;

		n = n < TARGETS_MAX ? n + 1 : (uint64_t)TARGETS_MAX + 1;
		total += n;
		if (t->ranges[i].hi == 0)
			ipv4 += n;
	}
	if (total > TARGETS_MAX)
		return -E2BIG;
	t->total = t->listed = (uint32_t)total;
	t->ipv4_total = (uint32_t)ipv4;
	t->ipv6_total = (uint32_t)(total - ipv4);
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

	for (size_t i = 0; i < t->range_count; i++) {
		const struct target_range *r = &t->ranges[i], *prev = i ? r - 1 : NULL;

		pages += (size_t)((r->last >> 8) - (r->first >> 8)) + 1;
		if (prev && prev->hi == r->hi && prev->last >> 8 == r->first >> 8)
			pages--; /* shared with the previous range */
	}
	return pages;
}

static uint32_t hash_key(uint64_t hi, uint64_t lo, uint32_t mask)
{
	uint64_t x = (lo ^ hi * 0xff51afd7ed558ccdull) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(x >> 32) & mask;
}

static void build_pages(struct targets *t)
{
	uint32_t base = 0;

	t->page_count = 0;
	for (size_t i = 0; i < t->range_count; i++) {
		const struct target_range *r = &t->ranges[i];

		for (uint64_t number = r->first >> 8;; number++) {
			uint64_t page_start = number << 8, page_end = page_start | 0xff;
			uint64_t from = r->first > page_start ? r->first : page_start;
			uint64_t to = r->last < page_end ? r->last : page_end;
			struct target_page *p = t->page_count ? &t->pages[t->page_count - 1] : NULL;

			if (!p || p->hi != r->hi || p->number != number) {
				if (p)
					base += page_popcount(p);
				p = &t->pages[t->page_count++];
				p->hi = r->hi;
				p->number = number;
				p->base = base;
			}
			set_bits(p, (unsigned)(from & 0xff), (unsigned)(to & 0xff));
			if (number == r->last >> 8)
				break;
		}
	}
}

static void build_slots(struct targets *t)
{
	for (uint32_t s = 0; s <= t->slot_mask; s++)
		t->slots[s] = -1;
	for (size_t i = 0; i < t->page_count; i++) {
		uint32_t s = hash_key(t->pages[i].hi, t->pages[i].number, t->slot_mask);

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

static bool listed_index(const struct targets *t, struct key k, uint32_t *index)
{
	uint64_t number = k.lo >> 8;
	unsigned offset = (unsigned)(k.lo & 0xff), word = offset / 64, rank = 0;
	const struct target_page *p;
	uint64_t below;
	uint32_t s;

	if (t->page_count == 0)
		return false;
	for (s = hash_key(k.hi, number, t->slot_mask);; s = (s + 1) & t->slot_mask) {
		if (t->slots[s] < 0)
			return false;
		p = &t->pages[t->slots[s]];
		if (p->number == number && p->hi == k.hi)
			break;
	}
	if (!(p->bits[word] >> (offset % 64) & 1))
		return false;
	for (unsigned w = 0; w < word; w++)
		rank += (unsigned)__builtin_popcountll(p->bits[w]);
	below = offset % 64 ? p->bits[word] & ((1ull << (offset % 64)) - 1) : 0;
	rank += (unsigned)__builtin_popcountll(below);
	*index = p->base + rank;
	return true;
}

/* The slot of k in the found hash: where it is, or the empty slot it would take. */
static uint32_t found_slot(const struct targets *t, struct key k)
{
	uint32_t s = hash_key(k.hi, k.lo, t->found_mask);

	while (t->found_slots[s] != FOUND_EMPTY) {
		struct key have = key_of(&t->found[t->found_slots[s]]);

		if (have.hi == k.hi && have.lo == k.lo)
			break;
		s = (s + 1) & t->found_mask;
	}
	return s;
}

static bool index_of_key(const struct targets *t, struct key k, uint32_t *index)
{
	uint32_t s;

	if (!t->finished)
		return false;
	if (listed_index(t, k, index))
		return true;
	if (t->found_count == 0)
		return false;
	s = found_slot(t, k);
	if (t->found_slots[s] == FOUND_EMPTY)
		return false;
	*index = t->listed + t->found_slots[s];
	return true;
}

bool targets_index_of(const struct targets *t, const struct ipaddr *addr, uint32_t *index)
{
	/* An IPv6 address in ::/64 is no target, and must not be taken for the IPv4 one
	 * it maps to. */
	if (!scannable(addr))
		return false;
	return index_of_key(t, key_of(addr), index);
}

bool targets_index_of_ipv4(const struct targets *t, struct in_addr addr, uint32_t *index)
{
	return index_of_key(t, (struct key){0, IPV4_MAPPED | ntohl(addr.s_addr)}, index);
}

/* The found hash at twice the addresses it will hold, at least 64 slots. */
static int grow_found_slots(struct targets *t)
{
	uint32_t size = t->found_mask ? (t->found_mask + 1) * 2 : 64;
	uint32_t *slots = malloc(size * sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	free(t->found_slots);
	t->found_slots = slots;
	t->found_mask = size - 1;
	memset(slots, 0xff, size * sizeof(*slots));
	for (uint32_t i = 0; i < t->found_count; i++)
		slots[found_slot(t, key_of(&t->found[i]))] = i;
	return 0;
}

int targets_add_found(struct targets *t, const struct ipaddr *addr, uint32_t *index)
{
	struct key k;

	if (!t->finished || !scannable(addr))
		return -EINVAL;
	k = key_of(addr);
	if (index_of_key(t, k, index))
		return 0;
	if (t->found_count >= TARGETS_FOUND_MAX || t->total >= TARGETS_MAX)
		return -E2BIG;
	if ((t->found_count + 1) * 2 > (size_t)t->found_mask + 1 && grow_found_slots(t) < 0)
		return -ENOMEM;
	if (vec_reserve_fields(t->found, t->found_cap, t->found_count + 1) < 0)
		return -ENOMEM;
	t->found[t->found_count] = addr_of(k.hi, k.lo); /* no stray bytes past an IPv4 one */
	t->found_slots[found_slot(t, k)] = (uint32_t)t->found_count;
	*index = t->listed + (uint32_t)t->found_count++;
	t->total++;
	return 1;
}

void targets_cursor_start(const struct targets *t, struct target_cursor *c)
{
	(void)t;
	c->range = 0;
	c->offset = 0;
	c->index = 0;
}

bool targets_cursor_next(const struct targets *t, struct target_cursor *c, struct ipaddr *addr,
			 uint32_t *index)
{
	if (c->range < t->range_count) {
		const struct target_range *r = &t->ranges[c->range];

		*addr = addr_of(r->hi, r->first + c->offset);
		if (r->first + c->offset == r->last) {
			c->range++;
			c->offset = 0;
		} else {
			c->offset++;
		}
	} else if (c->range - t->range_count < t->found_count) {
		*addr = t->found[c->range++ - t->range_count];
	} else {
		return false;
	}
	*index = c->index++;
	return true;
}

static int compare_found(const void *pa, const void *pb, void *ctx)
{
	const struct targets *t = ctx;
	uint32_t a = *(const uint32_t *)pa - t->listed, b = *(const uint32_t *)pb - t->listed;

	return key_compare(key_of(&t->found[a]), key_of(&t->found[b]));
}

void targets_sorted(const struct targets *t, uint32_t *order)
{
	uint32_t *found = order + t->listed, out = t->ipv4_total;
	struct target_cursor c = {0, 0, 0};
	struct ipaddr next;
	uint32_t index;
	bool more;

	for (uint32_t i = 0; i < t->ipv4_total; i++)
		order[i] = i;
	if (t->found_count == 0) {
		for (uint32_t i = t->ipv4_total; i < t->listed; i++)
			order[i] = i;
		return;
	}
	/* The found indexes sorted at the end of order, then merged with the listed IPv6
	 * ones, which come in address order already: out never overtakes what it reads. */
	for (uint32_t i = 0; i < t->found_count; i++)
		found[i] = t->listed + i;
	qsort_r(found, t->found_count, sizeof(*found), compare_found, (void *)t);
	while (c.range < t->range_count && t->ranges[c.range].hi == 0)
		c.range++;
	c.index = t->ipv4_total;
	more = c.range < t->range_count && targets_cursor_next(t, &c, &next, &index);
	for (uint32_t f = 0; f < t->found_count || more;) {
		const struct ipaddr *first_found = f < t->found_count ?
						   &t->found[found[f] - t->listed] : NULL;
		bool take_listed = more && (!first_found ||
					    key_compare(key_of(&next), key_of(first_found)) < 0);

		if (take_listed) {
			order[out++] = index;
			more = c.index < t->listed && targets_cursor_next(t, &c, &next, &index);
		} else {
			order[out++] = found[f++];
		}
	}
}
