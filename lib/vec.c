#include "vec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The array pointer is read and written through memcpy: the field is a T *, which
 * may not be accessed as a void * lvalue, but has the same representation.
 */
size_t vec_capacity_for(size_t cap, size_t need, size_t item_size)
{
	size_t new_cap = cap ? cap : VEC_MIN_CAP;

	if (need <= cap)
		return cap;
	if (item_size == 0 || need > SIZE_MAX / item_size)
		return 0;
	while (new_cap < need)
		new_cap = new_cap > SIZE_MAX / 2 ? need : new_cap * 2;
	return new_cap > SIZE_MAX / item_size ? need : new_cap;
}

int vec_grow(void *items_field, size_t *cap, size_t need, size_t item_size)
{
	size_t new_cap;
	void *items, *grown;

	if (need <= *cap)
		return 0;
	new_cap = vec_capacity_for(*cap, need, item_size);
	if (new_cap == 0)
		return -ENOMEM;
	memcpy(&items, items_field, sizeof(items));
	grown = realloc(items, new_cap * item_size);
	if (!grown)
		return -ENOMEM;
	memcpy(items_field, &grown, sizeof(grown));
	*cap = new_cap;
	/* cppcheck-suppress memleak ; grown now lives in *items_field (copied above) */
	return 0;
}

void vec_free_items(void *items_field)
{
	void *items;

	memcpy(&items, items_field, sizeof(items));
	free(items);
	items = NULL;
	memcpy(items_field, &items, sizeof(items));
}
