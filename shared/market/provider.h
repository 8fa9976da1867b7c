/* g6 — what the collector needs from a market data provider.
 *
 * The provider is an interface so the collection cycle (collector/) is
 * unit-tested with a scripted in-memory provider; g6_chain wires it to the
 * Kite client (market/kite_provider.h). */
#ifndef G6_PROVIDER_H
#define G6_PROVIDER_H

#include "core/ist.h"
#include "core/status.h"
#include "market/chain.h"

#include <stddef.h>
#include <stdint.h>

/* The underlying's quote came with a timestamp that is not a time. */
#define G6_QUOTE_TIME_UNREADABLE ((int64_t)-1)

/* Every function returns G6_OK or a status naming the failure (err gets the
 * details; it never contains secrets). */
typedef struct g6_provider {
  void *ctx;
  /* Last price and today's high/low of the underlying ("NSE:NIFTY 50").
   * high/low are NAN when the provider does not know them. When vix_key is
   * not NULL or empty, the volatility index ("NSE:INDIA VIX") is asked for
   * in the same request and *vix gets its last price, NAN when the answer
   * has no usable quote for it (that is not an error: the status is the
   * underlying's). *quote_time gets the exchange timestamp of the
   * underlying's quote (Unix seconds; Kite's `timestamp`, IST), 0 when the
   * provider does not say, G6_QUOTE_TIME_UNREADABLE when it sent one that
   * is not a time (schema drift: the price is still good, its age is
   * unknown and must not pass for current). G6_ENOENT when the answer has
   * no quote for the underlying, G6_EPROTO when its quote came malformed
   * (dropped). */
  g6_status (*underlying)(void *ctx, const char *key, const char *vix_key,
                          double *last, double *high, double *low,
                          double *vix, int64_t *quote_time, g6_error *err);
  /* Listed option expiries of (index name, option segment) on or after
   * `today` (IST day number), ascending, with the kind of each (weekly or
   * monthly contracts; unknown when the provider cannot tell): at most cap
   * written to out and kinds, *n the count written. G6_OK with *n == 0 when
   * the index is not listed. */
  g6_status (*expiries)(void *ctx, const char *index, const char *segment,
                        int64_t today, g6_date *out, g6_expiry_kind *kinds,
                        size_t cap, size_t *n, g6_error *err);
  /* The quote key of an option and its lot size (units of the underlying
   * per contract, from the instrument list; NAN when the list does not say,
   * or when the options of that expiry list different lot sizes);
   * G6_ENOENT when it is not listed. */
  g6_status (*instrument)(void *ctx, const char *index, const char *segment,
                          g6_date expiry, double strike, int is_put, char *key,
                          size_t key_len, double *lot_size);
  /* Quotes for n keys: *out[i] is filled for keys[i] (the caller's legs,
   * written in place: strike/is_put are left untouched, and so is every
   * other leg between out[i]s; two out[i] may share a key, never a leg); a
   * field the provider does not know is NAN (Kite's
   * average_price 0 of a contract not traded today, a depth level without
   * a price), never 0. A key without a quote has quoted=false and `fetch` set:
   * G6_OK when the provider answered without it, else the status of the
   * request that failed for it. The keys may go out in several requests;
   * one failing never discards the others' quotes. Returns G6_OK when every
   * request succeeded, else the first failure (err says which). */
  g6_status (*quotes)(void *ctx, const char *const *keys, size_t n,
                      g6_quote_leg *const *out, g6_error *err);
  /* Optional: asks the provider to refresh its instrument list (an expiry
   * vanished). May be NULL. */
  void (*refresh)(void *ctx);
} g6_provider;

#endif
