#include "market/quote_cache.h"

#include <stdlib.h>
#include <string.h>

#define NBUCKETS 4096u

typedef struct entry {
  struct entry *next;
  double stored;
  g6_quote q;
  char key[]; /* NUL-terminated */
} entry;

struct g6_quote_cache {
  pthread_mutex_t mu;
  double ttl;
  size_t max_entries;
  entry *buckets[NBUCKETS];
  g6_quote_cache_stats st;
};

static unsigned bucket_of(const char *key) {
  uint32_t h = 2166136261u;
  for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
    h ^= *p;
    h *= 16777619u;
  }
  return h % NBUCKETS;
}

g6_quote_cache *g6_quote_cache_new(double ttl_s, size_t max_entries) {
  g6_quote_cache *c = calloc(1, sizeof(*c));
  if (c == NULL)
    return NULL;
  pthread_mutex_init(&c->mu, NULL);
  c->ttl = ttl_s;
  c->max_entries = max_entries;
  return c;
}

/* Lock held. */
static void drop_all(g6_quote_cache *c) {
  for (unsigned i = 0; i < NBUCKETS; i++) {
    entry *e = c->buckets[i];
    while (e != NULL) {
      entry *n = e->next;
      free(e);
      e = n;
    }
    c->buckets[i] = NULL;
  }
  c->st.entries = 0;
}

void g6_quote_cache_free(g6_quote_cache *c) {
  if (c == NULL)
    return;
  drop_all(c);
  pthread_mutex_destroy(&c->mu);
  free(c);
}

void g6_quote_cache_clear(g6_quote_cache *c) {
  pthread_mutex_lock(&c->mu);
  drop_all(c);
  pthread_mutex_unlock(&c->mu);
}

bool g6_quote_cache_get(g6_quote_cache *c, const char *key, double now,
                        g6_quote *out) {
  pthread_mutex_lock(&c->mu);
  bool hit = false;
  if (c->ttl > 0) {
    entry **pp = &c->buckets[bucket_of(key)];
    for (entry *e = *pp; e != NULL; pp = &e->next, e = e->next) {
      if (strcmp(e->key, key) != 0)
        continue;
      if (now - e->stored <= c->ttl) {
        *out = e->q;
        hit = true;
      } else {
        *pp = e->next;
        free(e);
        c->st.entries--;
        c->st.expirations++;
      }
      break;
    }
  }
  if (hit)
    c->st.hits++;
  else
    c->st.misses++;
  pthread_mutex_unlock(&c->mu);
  return hit;
}

/* Lock held: removes expired entries. */
static void sweep(g6_quote_cache *c, double now) {
  for (unsigned i = 0; i < NBUCKETS; i++) {
    entry **pp = &c->buckets[i];
    while (*pp != NULL) {
      entry *e = *pp;
      if (now - e->stored > c->ttl) {
        *pp = e->next;
        free(e);
        c->st.entries--;
        c->st.expirations++;
      } else {
        pp = &e->next;
      }
    }
  }
}

void g6_quote_cache_put(g6_quote_cache *c, const char *key, const g6_quote *q,
                        double now) {
  if (c->ttl <= 0)
    return;
  pthread_mutex_lock(&c->mu);
  unsigned b = bucket_of(key);
  for (entry *e = c->buckets[b]; e != NULL; e = e->next) {
    if (strcmp(e->key, key) == 0) {
      e->q = *q;
      e->stored = now;
      c->st.stores++;
      pthread_mutex_unlock(&c->mu);
      return;
    }
  }
  if (c->st.entries >= c->max_entries)
    sweep(c, now);
  entry *e = NULL;
  if (c->st.entries < c->max_entries) {
    size_t len = strlen(key);
    e = malloc(sizeof(*e) + len + 1);
  }
  if (e == NULL) {
    c->st.refused++;
  } else {
    memcpy(e->key, key, strlen(key) + 1);
    e->q = *q;
    e->stored = now;
    e->next = c->buckets[b];
    c->buckets[b] = e;
    c->st.entries++;
    c->st.stores++;
  }
  pthread_mutex_unlock(&c->mu);
}

void g6_quote_cache_get_stats(g6_quote_cache *c, g6_quote_cache_stats *out) {
  pthread_mutex_lock(&c->mu);
  *out = c->st;
  pthread_mutex_unlock(&c->mu);
}
