/* array.h - growing an array one element at a time (the candidates of
 * suspend, the owners notify warns). */
#ifndef DORMANT_ARRAY_H
#define DORMANT_ARRAY_H

#include <stddef.h>

/* Make room in *arr (a pointer to the array's pointer; count elements of
   size bytes used, *alloc allocated) for one more, doubling from 64.
   0, or -1 out of memory (the array left as it was). */
int array_grow(void *arr, size_t *alloc, size_t count, size_t size);

#endif
