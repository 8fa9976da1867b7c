/* g6 — room for one more element in a growable malloc'ed array.
 *
 * The arrays libg6 fills one element at a time (problems of an integrity
 * check, rows of a book, files of a scan, ...) grow the same way: capacity
 * doubled when full, starting at a size that suits the caller. */
#ifndef G6_ARRAY_H
#define G6_ARRAY_H

#include <stdbool.h>
#include <stddef.h>

/* `arrayp` is the address of the caller's array pointer (T **, NULL while
 * empty); `n` elements of `elem` bytes are in use and `*cap` allocated.
 * When n < *cap there is room already; otherwise the capacity doubles
 * (`first_cap` when it was 0) and the array is reallocated. Returns false,
 * with the array and *cap unchanged, when out of memory or when the size
 * would overflow. */
bool g6_array_room(void *arrayp, size_t *cap, size_t n, size_t elem,
                   size_t first_cap);

#endif
