// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

int array_grow(void **array, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;
	void *grown;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	grown = realloc(*array, n * size);
	if (!grown)
		return -ENOMEM;
	*array = grown;
	*cap = n;
	return 0;
}

void *array_push(void *array, size_t *nr, size_t size)
{
	char *grown = realloc(*(void **)array, (*nr + 1) * size);

	if (!grown)
		return NULL;
	*(void **)array = grown;
	memset(grown + *nr * size, 0, size);
	return grown + (*nr)++ * size;
}
