/* g6 — growable arrays (see array.h). */
#include "core/array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

bool g6_array_room(void *arrayp, size_t *cap, size_t n, size_t elem,
                   size_t first_cap) {
  if (n < *cap)
    return true;
  size_t want = *cap ? *cap * 2 : first_cap;
  if (want <= n)
    want = n + 1;
  /* no object may exceed PTRDIFF_MAX bytes (C11 6.5.6; glibc's malloc
   * refuses them): refused here, without asking the allocator */
  if (want < *cap || (elem != 0 && want > (size_t)PTRDIFF_MAX / elem))
    return false;
  void *old;
  memcpy(&old, arrayp, sizeof(old));
  void *grown = realloc(old, want * elem);
  if (grown == NULL)
    return false;
  memcpy(arrayp, &grown, sizeof(grown));
  *cap = want;
  return true;
}
