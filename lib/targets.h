/*
 * Target lists for scans, of both families: addresses, CIDR blocks and ranges, given
 * one by one or read from a file, merged into sorted disjoint ranges (duplicates and
 * overlaps count once), and addresses found during a scan added after them.
 *
 * One number line for both families: a target is a 128-bit number, an IPv6 address as
 * it is and an IPv4 address as IPv4-mapped (::ffff:a.b.c.d). IPv6 targets in ::/64
 * (unspecified, loopback, IPv4-mapped or -compatible) and multicast ones are refused,
 * so every IPv4 target sorts before every IPv6 one. Each target gets an index, its rank
 * in address order: the IPv4 targets are indexes 0 .. ipv4_total - 1, the IPv6 ones
 * follow, and the addresses found later (targets_add_found) come after all of them.
 *
 * The address -> index lookup a receive loop needs is O(1): a hash of the 256-address
 * "pages" the targets touch (a /24, or an IPv6 /120), each holding a 256-bit
 * membership map and the index of its first target, so an index is the page base plus
 * a popcount; found addresses have a hash of their own.
 */
#ifndef ARPKIT_TARGETS_H
#define ARPKIT_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "linereader.h"

/* A /8, or 256 IPv6 /112s: beyond this a scan at any sane rate takes days, and
 * per-target state (9 bytes each) stays under 160 MiB. */
#define TARGETS_MAX (1u << 24)
/* One IPv6 item (a prefix or a range) holds at most a /112: a /64 is never scanned
 * address by address (--localnet finds the hosts of a link another way). */
#define TARGETS_IPV6_ITEM_MAX (1u << 16)
/* Addresses found during one scan at most (targets_add_found): what other hosts say
 * on the link must not grow a scan without bound. */
#define TARGETS_FOUND_MAX (1u << 16)
/* Limits of a target file: a line holds thousands of items, the file a million
 * addresses written one per line. */
#define TARGETS_LINE_MAX (64u << 10)
#define TARGETS_FILE_MAX (64u << 20)

/* Inclusive range of the number line: the high 64 bits are the same all through
 * (an item that crosses a 2^64 boundary is stored as two ranges). */
struct target_range {
	uint64_t hi;
	uint64_t first, last; /* the low 64 bits */
};

struct target_page;

struct targets {
	struct target_range *ranges;
	size_t range_count, range_cap;
	bool finished;        /* targets_finish() ran: ranges merged, index built */
	uint32_t total;       /* distinct addresses, valid once finished (found ones too) */
	uint32_t listed;      /* of them, from the ranges; the found ones follow */
	uint32_t ipv4_total;  /* of the listed, IPv4 (indexes 0 .. ipv4_total - 1) */
	uint32_t ipv6_total;  /* of the listed, IPv6 */
	struct target_page *pages;
	size_t page_count;
	int32_t *slots;       /* open-addressing hash: page -> index into pages */
	uint32_t slot_mask;
	struct ipaddr *found; /* targets_add_found, in the order found */
	size_t found_count, found_cap;
	uint32_t *found_slots; /* open-addressing hash: address -> index into found */
	uint32_t found_mask;
};

void targets_init(struct targets *t);
void targets_free(struct targets *t);

/*
 * Add an item: an address, an address block "ADDR/N" (every address of it, network
 * and broadcast included, as arp-scan does) or an inclusive range "ADDR-ADDR" of one
 * family; IPv4 as A.B.C.D, IPv6 as RFC 4291 text. 0, or:
 *   -EINVAL        the text is none of these;
 *   -ERANGE        a range whose end is below its start;
 *   -E2BIG         an IPv4 item of more than TARGETS_MAX addresses (a /8);
 *   -EMSGSIZE      an IPv6 item of more than TARGETS_IPV6_ITEM_MAX (a /112);
 *   -EADDRNOTAVAIL an IPv6 address no neighbour can hold: in ::/64 or multicast;
 *   -ENOMEM.
 */
int targets_add_spec(struct targets *t, const char *spec);
/* first..last inclusive, both of one family, first <= last; the same refusals. */
int targets_add_range(struct targets *t, const struct ipaddr *first, const struct ipaddr *last);

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

/* Are targets of family (AF_INET, AF_INET6) listed? Before targets_finish too. */
bool targets_has_family(const struct targets *t, int family);
/* After targets_finish: the lowest listed target of family; false if none. */
bool targets_first(const struct targets *t, int family, struct ipaddr *addr);

/* Merge, count, and build the index (an empty list is fine: total 0). 0, -E2BIG
 * over TARGETS_MAX, -ENOMEM. No targets_add_spec/range after this. */
int targets_finish(struct targets *t);

/*
 * After targets_finish: addr, found during a scan, joins the targets with the next
 * index (total grows by one). 1 when added, 0 when it is a target already (*index
 * says which), -EINVAL for an address targets_add_spec would refuse, -E2BIG past
 * TARGETS_FOUND_MAX found addresses (or TARGETS_MAX targets), -ENOMEM.
 */
int targets_add_found(struct targets *t, const struct ipaddr *addr, uint32_t *index);

/* O(1): true and *index set when addr is a target. */
bool targets_index_of(const struct targets *t, const struct ipaddr *addr, uint32_t *index);
/* The same for an IPv4 address (network order, as in struct in_addr). */
bool targets_index_of_ipv4(const struct targets *t, struct in_addr addr, uint32_t *index);

/* Walks the targets in index order: the listed ones in address order, then the found. */
struct target_cursor {
	size_t range;     /* the range, then ranges count + the found one's position */
	uint64_t offset;  /* within the range */
	uint32_t index;
};

void targets_cursor_start(const struct targets *t, struct target_cursor *c);
bool targets_cursor_next(const struct targets *t, struct target_cursor *c,
			 struct ipaddr *addr, uint32_t *index);

/* Every index in address order (IPv4 first, the found ones among the listed IPv6
 * ones) into order, which has room for total. */
void targets_sorted(const struct targets *t, uint32_t *order);

#endif
