#include "core/strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A removed entry keeps a non-NULL key marker so probing continues past it. */
static char tombstone_key[1];
#define TOMBSTONE tombstone_key

static size_t fnv1a(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ull;
  }
  return (size_t)h;
}

static g6_strmap_entry *find(const g6_strmap *m, const char *key, size_t h) {
  if (m->cap == 0)
    return NULL;
  for (size_t i = h & (m->cap - 1), probes = 0; probes < m->cap;
       i = (i + 1) & (m->cap - 1), probes++) {
    g6_strmap_entry *e = &m->slots[i];
    if (e->key == NULL)
      return NULL;
    if (e->key != TOMBSTONE && e->hash == h && strcmp(e->key, key) == 0)
      return e;
  }
  return NULL;
}

void *g6_strmap_get(const g6_strmap *m, const char *key) {
  g6_strmap_entry *e = find(m, key, fnv1a(key));
  return e ? e->value : NULL;
}

static g6_status grow(g6_strmap *m) {
  size_t cap = m->cap ? m->cap * 2 : 16;
  if (m->n * 4 < m->cap) /* mostly tombstones: rehash at the same size */
    cap = m->cap;
  g6_strmap_entry *slots = calloc(cap, sizeof(*slots));
  if (slots == NULL)
    return G6_ENOMEM;
  for (size_t i = 0; i < m->cap; i++) {
    g6_strmap_entry *e = &m->slots[i];
    if (e->key == NULL || e->key == TOMBSTONE)
      continue;
    size_t j = e->hash & (cap - 1);
    while (slots[j].key != NULL)
      j = (j + 1) & (cap - 1);
    slots[j] = *e;
  }
  free(m->slots);
  m->slots = slots;
  m->cap = cap;
  m->used = m->n;
  return G6_OK;
}

g6_status g6_strmap_put(g6_strmap *m, const char *key, void *value,
                        void **old) {
  size_t h = fnv1a(key);
  g6_strmap_entry *e = find(m, key, h);
  if (old != NULL)
    *old = NULL;
  if (e != NULL) {
    if (old != NULL)
      *old = e->value;
    e->value = value;
    return G6_OK;
  }
  if ((m->used + 1) * 4 > m->cap * 3) {
    g6_status st = grow(m);
    if (st != G6_OK)
      return st;
  }
  char *copy = strdup(key);
  if (copy == NULL)
    return G6_ENOMEM;
  size_t i = h & (m->cap - 1);
  while (m->slots[i].key != NULL && m->slots[i].key != TOMBSTONE)
    i = (i + 1) & (m->cap - 1);
  if (m->slots[i].key == NULL)
    m->used++;
  m->slots[i] = (g6_strmap_entry){copy, value, h};
  m->n++;
  return G6_OK;
}

void *g6_strmap_remove(g6_strmap *m, const char *key) {
  g6_strmap_entry *e = find(m, key, fnv1a(key));
  if (e == NULL)
    return NULL;
  void *v = e->value;
  free(e->key);
  e->key = TOMBSTONE;
  e->value = NULL;
  m->n--;
  return v;
}

int g6_strmap_next(const g6_strmap *m, size_t *iter, const char **key,
                   void **value) {
  while (*iter < m->cap) {
    g6_strmap_entry *e = &m->slots[(*iter)++];
    if (e->key != NULL && e->key != TOMBSTONE) {
      if (key)
        *key = e->key;
      if (value)
        *value = e->value;
      return 1;
    }
  }
  return 0;
}

void g6_strmap_free(g6_strmap *m) {
  for (size_t i = 0; i < m->cap; i++)
    if (m->slots[i].key != NULL && m->slots[i].key != TOMBSTONE)
      free(m->slots[i].key);
  free(m->slots);
  m->slots = NULL;
  m->cap = m->n = m->used = 0;
}
