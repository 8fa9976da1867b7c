/* g6 — the collector's provider (market/provider.h) on top of the Kite client.
 *
 * It owns the instrument list shared by every index of a <Provider>: fetched
 * on first use, again when the IST calendar day (wall clock) moves past the
 * day it was fetched on or the first tradable expiry day asked for (after
 * 15:30, the next day) moves past the one it was fetched for, and when a
 * collector reports that an expiry vanished (at most once per
 * `refresh_min_interval_s`). Kite publishes a new list each morning: one
 * fetched in an evening session (Muhurat) for the next day's expiries is
 * still that evening's list, and is replaced once the IST date changes.
 * A failed refresh keeps the previous list (the client counts and logs the
 * failure). Lookups hold a reference to the list, so a refresh never frees
 * one that is in use.
 *
 * Quotes map Kite fields to legs: absent fields stay NAN (never zero), bid
 * and ask come from the best depth levels when those are non-zero. All
 * functions are thread-safe. */
#ifndef G6_KITE_PROVIDER_H
#define G6_KITE_PROVIDER_H

#include "market/kite.h"
#include "market/provider.h"

#include <stdint.h>

typedef struct g6_kite_provider_opts {
  double refresh_min_interval_s; /* between requested refreshes: 60 */
  /* the monotonic clock the interval is measured on (seconds); NULL:
   * g6_monotonic_now. Never the wall clock: a step back would block the
   * refreshes until it caught up. Tests inject their own. */
  double (*monotonic_now)(void);
  /* the wall clock (Unix seconds) whose IST date says on which day a list
   * was fetched; NULL: g6_wall_now. Tests inject their own. */
  double (*wall_now)(void);
} g6_kite_provider_opts;

typedef struct g6_kite_provider g6_kite_provider;

/* The client is borrowed and must outlive the provider. NULL when out of
 * memory. opts may be NULL. */
g6_kite_provider *g6_kite_provider_new(g6_kite_client *client,
                                       const g6_kite_provider_opts *opts);
void g6_kite_provider_free(g6_kite_provider *p);

/* The interface to hand to g6_collector_new. */
g6_provider g6_kite_provider_iface(g6_kite_provider *p);

#endif
