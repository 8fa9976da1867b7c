/* g6 — page-backed arrays (see pages.h for why). */
#include "core/pages.h"

#include <sys/mman.h>
#include <unistd.h>

static size_t round_pages(size_t bytes) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  return (bytes + page - 1) / page * page;
}

void *g6_pages_resize(void *p, size_t old_bytes, size_t new_bytes) {
  if (new_bytes == 0) {
    g6_pages_free(p, old_bytes);
    return NULL;
  }
  size_t want = round_pages(new_bytes);
  if (want < new_bytes)
    return NULL; /* overflow */
  void *q;
  if (p == NULL)
    q = mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
             -1, 0);
  else
    q = mremap(p, round_pages(old_bytes), want, MREMAP_MAYMOVE);
  return q == MAP_FAILED ? NULL : q;
}

void g6_pages_free(void *p, size_t bytes) {
  if (p != NULL)
    munmap(p, round_pages(bytes));
}
