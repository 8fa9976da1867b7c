/* g6 — memory for large arrays that grow, straight from the kernel.
 *
 * Why not malloc: glibc raises its mmap threshold to the size of any
 * mmap'ed chunk that is freed (the "dynamic mmap threshold", mallopt(3),
 * M_MMAP_THRESHOLD). Once g6 freed its first multi-MiB array (the
 * instruments table, replaced on every reload), every later allocation of
 * that size was carved from a malloc arena — one per thread that did it —
 * and the holes stayed resident after the free: the soak measured +12 MiB
 * of RSS with nothing leaked (tests/reliability/soak.t). The threshold is
 * process-wide, so it also changed how every other collectd plugin's memory
 * behaves. Arrays from these functions never pass through malloc: they are
 * anonymous mappings, grown with mremap(2) and returned to the system whole
 * by munmap(2).
 *
 * Meant for arrays of hundreds of KiB and more, resized geometrically; a
 * mapping takes whole pages, so small arrays belong to malloc. */
#ifndef G6_PAGES_H
#define G6_PAGES_H

#include <stddef.h>

/* Resizes the array at `p` (NULL with `old_bytes` 0: none yet) from
 * `old_bytes` to `new_bytes`, keeping the first min(old, new) bytes; new
 * bytes read as zero. `old_bytes` must be the size the array was last given.
 * `new_bytes` 0 frees it and returns NULL. Returns the (possibly moved)
 * array, or NULL when the system refuses the memory — then `p` is unchanged
 * and still owned by the caller. */
void *g6_pages_resize(void *p, size_t old_bytes, size_t new_bytes);

/* Returns the array (of `bytes`, as last given) to the system; NULL is a
 * no-op. */
void g6_pages_free(void *p, size_t bytes);

#endif
