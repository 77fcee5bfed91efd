/*
 * Growable arrays: one overflow-checked growth rule for every module.
 *
 *	VEC(struct nl_link) links = {0};           // empty; free with vec_free
 *	if (vec_push(&links, link) < 0)            // append a copy: 0 or -ENOMEM
 *		return -ENOMEM;
 *	if (vec_reserve(&links, links.count + n))  // room for n more, without adding them
 *		return -ENOMEM;
 *	vec_free(&links);
 *
 * The item size comes from the array's own type, so a wrong size cannot be passed.
 * An array kept in fields of other names (a struct's ifaces/iface_count/iface_cap)
 * grows with vec_reserve_fields(items, cap, need). Capacity doubles (from
 * VEC_MIN_CAP); a size that does not fit size_t is -ENOMEM, as is a failed realloc,
 * and then the array is left as it was. Arguments are evaluated more than once:
 * pass plain lvalues.
 */
#ifndef ARPKIT_VEC_H
#define ARPKIT_VEC_H

#include <errno.h>
#include <stddef.h>

#define VEC_MIN_CAP 16

#define VEC(type)              \
	struct {               \
		type *items;   \
		size_t count;  \
		size_t cap;    \
	}

/* The capacity that holds need items of item_size bytes, grown from cap: cap itself
 * when it does, else doubled (from VEC_MIN_CAP) until it does, or exactly need when
 * doubling would overflow; 0 when need items do not fit size_t at all. */
size_t vec_capacity_for(size_t cap, size_t need, size_t item_size);

/* Grows *items_field (an array of item_size bytes per item, cap items) to hold need
 * items: 0 or -ENOMEM. Through the macros, which pass the field and size typed. */
int vec_grow(void *items_field, size_t *cap, size_t need, size_t item_size);

/* (The sizeof refuses, at compile time, an items that is not a pointer.) */
#define vec_reserve_fields(items, cap, need)                                   \
	((void)sizeof(char[sizeof(items) == sizeof(void *) ? 1 : -1]),         \
	 vec_grow(&(items), &(cap), (need), sizeof(*(items))))

#define vec_reserve(v, need) vec_reserve_fields((v)->items, (v)->cap, (need))

#define vec_push(v, item)                                                             \
	(vec_reserve((v), (v)->count + 1) ? -ENOMEM : ((v)->items[(v)->count++] = (item), 0))

void vec_free_items(void *items_field);
#define vec_free(v) (vec_free_items(&(v)->items), (v)->count = 0, (v)->cap = 0)

#endif
