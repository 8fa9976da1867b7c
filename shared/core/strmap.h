/* g6 — a string-keyed hash map (open addressing, FNV-1a), owning copies of
 * its keys; values are caller-owned pointers. Not thread-safe. */
#ifndef G6_STRMAP_H
#define G6_STRMAP_H

#include "core/status.h"

#include <stddef.h>

typedef struct g6_strmap_entry {
  char *key; /* NULL: empty slot */
  void *value;
  size_t hash;
} g6_strmap_entry;

typedef struct g6_strmap {
  g6_strmap_entry *slots;
  size_t cap; /* power of two, or 0 */
  size_t n;   /* live entries */
  size_t used; /* live entries plus tombstones */
} g6_strmap;

#define G6_STRMAP_INIT {NULL, 0, 0, 0}

/* The value stored under key, or NULL. */
void *g6_strmap_get(const g6_strmap *m, const char *key);

/* Inserts or replaces. On replace, *old (if old != NULL) receives the
 * previous value, otherwise NULL. G6_ENOMEM leaves the map unchanged. */
g6_status g6_strmap_put(g6_strmap *m, const char *key, void *value,
                        void **old);

/* Removes key; returns its value or NULL when absent. */
void *g6_strmap_remove(g6_strmap *m, const char *key);

/* Iteration: for (size_t i = 0; g6_strmap_next(m, &i, &k, &v);) ... — do not
 * insert while iterating (removing the current entry is fine). */
int g6_strmap_next(const g6_strmap *m, size_t *iter, const char **key,
                   void **value);

/* Frees keys and slots (not the values). */
void g6_strmap_free(g6_strmap *m);

#endif
