/*
 * Target lists for scans: addresses, CIDR blocks and ranges, given one by one or
 * read from a file, merged into sorted disjoint ranges (duplicates and overlaps
 * count once). Each target gets an index, its rank in address order, and the
 * address -> index lookup a receive loop needs is O(1): a hash of the /24 "pages"
 * the targets touch, each holding a 256-bit membership map and the index of its
 * first target, so an index is the page base plus a popcount.
 */
#ifndef ARPKIT_TARGETS_H
#define ARPKIT_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "linereader.h"

/* A /8: beyond this a scan at any sane rate takes days, and per-target state
 * (8 bytes each) stays under 128 MiB. */
#define TARGETS_MAX (1u << 24)
/* Limits of a target file: a line holds thousands of items, the file a million
 * addresses written one per line. */
#define TARGETS_LINE_MAX (64u << 10)
#define TARGETS_FILE_MAX (64u << 20)

struct target_range {
	uint32_t first, last; /* host order, inclusive */
};

struct target_page;

struct targets {
	struct target_range *ranges;
	size_t range_count, range_cap;
	bool finished;        /* targets_finish() ran: ranges merged, index built */
	uint32_t total;       /* distinct addresses, valid once finished */
	struct target_page *pages;
	size_t page_count;
	int32_t *slots;       /* open-addressing hash: page number -> index into pages */
	uint32_t slot_mask;
};

void targets_init(struct targets *t);
void targets_free(struct targets *t);

/*
 * Add "A.B.C.D", "A.B.C.D/N" (every address of the block, network and broadcast
 * included, as arp-scan does) or "A.B.C.D-E.F.G.H" (inclusive). 0, -EINVAL when
 * the text is none of these, -ERANGE for a range whose end is below its start,
 * -E2BIG when one item alone exceeds TARGETS_MAX, -ENOMEM.
 */
int targets_add_spec(struct targets *t, const char *spec);
/* Host-order inclusive range; first <= last. */
int targets_add_range(struct targets *t, uint32_t first, uint32_t last);

/*
 * Read specs from a line reader (limits: TARGETS_LINE_MAX, TARGETS_FILE_MAX):
 * blank-separated items, '#' to the end of the line is a comment. Every bad item is
 * passed to on_bad (1-based line, the item, the error targets_add_spec gave) and
 * reading goes on, so all of them can be counted; the result is then -EINVAL. A
 * reader error (see linereader.h) ends the reading and is returned, with r->line
 * naming the line; -ENOMEM.
 */
typedef void (*targets_bad_fn)(void *ctx, unsigned line, const char *item, int err);
int targets_read(struct targets *t, struct line_reader *r, targets_bad_fn on_bad, void *ctx);

/* Merge, count, and build the index (an empty list is fine: total 0). 0, -E2BIG
 * over TARGETS_MAX, -ENOMEM. No adds after this. */
int targets_finish(struct targets *t);

/* O(1): true and *index set when addr (network order, as in struct in_addr) is a
 * target. */
bool targets_index_of(const struct targets *t, struct in_addr addr, uint32_t *index);

/* Walks the targets in address order (index 0, 1, ...). */
struct target_cursor {
	size_t range;
	uint64_t next;  /* next address, host order; 64-bit so 255.255.255.255 ends */
	uint32_t index;
};

void targets_cursor_start(const struct targets *t, struct target_cursor *c);
bool targets_cursor_next(const struct targets *t, struct target_cursor *c,
			 struct in_addr *addr, uint32_t *index);

#endif
