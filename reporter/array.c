/* array.c - growing arrays. */
#include "array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int array_grow(void *arr, size_t *alloc, size_t count, size_t size)
{
	size_t n = *alloc == 0 ? 64 : *alloc * 2;
	void *p, *old;

	if (count < *alloc)
		return 0;
	if (n > SIZE_MAX / size)
		return -1;
	memcpy(&old, arr, sizeof(old));
	if ((p = realloc(old, n * size)) == NULL)
		return -1;
	memcpy(arr, &p, sizeof(p));
	*alloc = n;
	return 0;
}
