/* g6 — a short-TTL, bounded, thread-safe cache of quotes keyed by
 * "EXCH:TRADINGSYMBOL", shared by all callers of one Kite client.
 *
 * An entry older than the TTL is an expiration (and a miss) and is dropped on
 * that lookup. When the cache is full, expired entries are swept; if it is
 * still full the new entry is not stored (counted in `refused`), so memory is
 * bounded by max_entries. Times are seconds on a monotonic clock passed in by
 * the caller. */
#ifndef G6_QUOTE_CACHE_H
#define G6_QUOTE_CACHE_H

#include "core/status.h"
#include "market/quote.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

typedef struct g6_quote_cache_stats {
  uint64_t hits, misses, expirations, stores, refused;
  size_t entries;
} g6_quote_cache_stats;

typedef struct g6_quote_cache g6_quote_cache;

/* ttl_s <= 0 disables the cache (every get is a miss, puts do nothing).
 * NULL when out of memory. */
g6_quote_cache *g6_quote_cache_new(double ttl_s, size_t max_entries);
void g6_quote_cache_free(g6_quote_cache *c);

/* true and *out filled when a fresh entry exists. Counts a hit, a miss, or an
 * expiration plus a miss. */
bool g6_quote_cache_get(g6_quote_cache *c, const char *key, double now,
                        g6_quote *out);

/* Stores or refreshes an entry. */
void g6_quote_cache_put(g6_quote_cache *c, const char *key, const g6_quote *q,
                        double now);

/* Drops every entry (counters are kept). */
void g6_quote_cache_clear(g6_quote_cache *c);

void g6_quote_cache_get_stats(g6_quote_cache *c, g6_quote_cache_stats *out);

#endif
