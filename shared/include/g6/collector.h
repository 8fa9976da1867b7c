/* g6 — one index's collection cycle, independent of collectd and of HTTP.
 *
 * g6_collector_cycle() does what the g6_chain plugin runs every interval for
 * one index: market gate; underlying quote; ATM; expiries resolved from the
 * provider's instrument list; the strike ladder; quotes; sanitization with
 * counted reject reasons; IV and Greeks; per-expiry and index status; CSV
 * option and overview rows; the chain snapshot file. It fills a
 * g6_cycle_result with every number the plugin turns into metrics.
 *
 * The provider is an interface (g6_provider) so the cycle is unit-tested with
 * a scripted in-memory provider; the plugin wires it to the Kite client.
 * Missing data stays missing: a leg that is not quoted is rejected with a
 * reason, an IV that cannot be solved keeps its status, nothing is invented.
 *
 * Thread-safety: a collector belongs to one index and runs on one thread at
 * a time (collectd never overlaps a read callback with itself). Providers
 * shared by several collectors must be thread-safe. */
#ifndef G6_COLLECTOR_H
#define G6_COLLECTOR_H

#include "g6/chain.h"
#include "g6/csv_sink.h"
#include "g6/ist.h"
#include "g6/status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define G6_MAX_EXPIRIES 8
#define G6_MAX_STRIKES_PER_SIDE 500
#define G6_INDEX_NAME_MAX 32
#define G6_KEY_MAX 64 /* "EXCH:TRADINGSYMBOL" */

/* What the collector needs from a market data provider. Every function
 * returns G6_OK or a status naming the failure (err gets the details; it
 * never contains secrets). */
typedef struct g6_provider {
  void *ctx;
  /* Last price and today's high/low of the underlying ("NSE:NIFTY 50").
   * high/low are NAN when the provider does not know them. */
  g6_status (*underlying)(void *ctx, const char *key, double *last,
                          double *high, double *low, g6_error *err);
  /* Listed option expiries of (index name, option segment) on or after
   * `today` (IST day number), ascending; at most cap written, *n the count
   * written. G6_OK with *n == 0 when the index is not listed. */
  g6_status (*expiries)(void *ctx, const char *index, const char *segment,
                        int64_t today, g6_date *out, size_t cap, size_t *n,
                        g6_error *err);
  /* The quote key of an option; G6_ENOENT when it is not listed. */
  g6_status (*instrument)(void *ctx, const char *index, const char *segment,
                          g6_date expiry, double strike, int is_put, char *key,
                          size_t key_len);
  /* Quotes for n keys: out[i] is filled for keys[i] (quoted=false when the
   * provider returned nothing for it; strike/is_put are left untouched).
   * A failed call leaves every out[i].quoted false. */
  g6_status (*quotes)(void *ctx, const char *const *keys, size_t n,
                      g6_quote_leg *out, g6_error *err);
  /* Optional: asks the provider to refresh its instrument list (an expiry
   * vanished). May be NULL. */
  void (*refresh)(void *ctx);
} g6_provider;

typedef struct g6_index_config {
  char name[G6_INDEX_NAME_MAX]; /* NIFTY */
  char underlying[G6_KEY_MAX];  /* NSE:NIFTY 50 */
  char segment[16];             /* NFO-OPT */
  double step;                  /* strike step, points */
  int below, above;             /* strikes below / above ATM */
  g6_expiry_spec expiries[G6_MAX_EXPIRIES];
  size_t n_expiries;
} g6_index_config;

typedef struct g6_collector_config {
  const char *data_dir;          /* CSV and snapshot root */
  const g6_calendar *holidays;   /* may be NULL */
  bool force_open;               /* collect outside the session (demos) */
  double r, q;                   /* risk-free rate, dividend yield */
  double iv_min, iv_max;         /* IV bounds: outside -> status, no clamp */
  double strike_band;            /* reject strikes beyond ATM +- band */
  g6_status_thresholds thresholds;
  g6_fsync_policy fsync;
  bool write_csv;
  bool write_snapshot;
} g6_collector_config;

/* One leg after the cycle. Greeks are NAN when IV was not solved. */
typedef struct g6_chain_leg {
  g6_quote_leg q;
  char key[G6_KEY_MAX];      /* empty when not listed */
  g6_reject_reason reject;   /* G6_REJECT_NONE when kept */
  g6_status iv_status;       /* G6_OK, or why IV is missing */
  double iv, delta, gamma, theta, vega, rho;
} g6_chain_leg;

typedef struct g6_expiry_result {
  const char *tag;           /* this_week ... */
  g6_expiry_spec spec;
  bool resolved;
  g6_status resolve_status;  /* why it did not resolve */
  g6_date date;
  int64_t expiry_epoch;
  double T;                  /* years to expiry at the cycle instant */
  size_t legs_requested;     /* 2 per strike */
  size_t legs_listed;        /* found in the instrument list */
  size_t legs_collected;     /* kept after sanitization */
  size_t legs_with_fields;   /* kept and with volume, OI, avg price */
  double strike_coverage;    /* strikes with a kept leg / strikes requested */
  double field_coverage;     /* legs_with_fields / legs_collected (0 if none) */
  g6_chain_status status;
  double pcr_oi;             /* sum put OI / sum call OI; NAN if call OI 0 */
  double pcr_volume;
  size_t rejects[G6_REJECT_REASON_COUNT];
  size_t iv_ok;
  size_t iv_failures[G6_STATUS_COUNT]; /* by g6_status of the failure */
  g6_chain_leg *legs;        /* 2*i = CE, 2*i+1 = PE of strike i */
} g6_expiry_result;

typedef struct g6_cycle_result {
  int64_t now;               /* cycle instant, epoch seconds */
  double now_exact;          /* the same with its fraction (used for T) */
  int64_t ts;                /* rounded to 30 s (CSV timestamp) */
  bool market_open;          /* the gate's answer (true under force_open) */
  bool attempted;            /* data was requested this cycle */
  bool success;              /* at least one leg collected */
  g6_status error;           /* first provider failure (G6_OK if none) */
  char error_msg[512];
  double spot, atm, day_high, day_low;
  double step;
  size_t n_strikes;
  double *strikes;           /* owned by the collector, valid until the next
                                cycle */
  size_t n_expiries;
  g6_expiry_result expiries[G6_MAX_EXPIRIES];
  g6_chain_status status;
  g6_csv_stats csv;
  g6_status csv_status;      /* first CSV failure */
  char csv_msg[512];
  g6_status snapshot_status;
  char snapshot_msg[512];
  uint64_t snapshot_seq;
  double duration_s;         /* wall time of the cycle */
} g6_cycle_result;

typedef struct g6_collector g6_collector;

/* Copies the configs (strings in g6_collector_config are copied too). NULL
 * when out of memory. */
g6_collector *g6_collector_new(const g6_index_config *ix,
                               const g6_collector_config *cfg,
                               g6_provider provider);
void g6_collector_free(g6_collector *c);

/* Runs one cycle at `now` (epoch seconds; fractional part kept for T). The
 * result is valid until the next call. Returns G6_OK when the cycle ran to
 * the end (even if the market was closed or legs were missing); the result
 * says what happened. */
g6_status g6_collector_cycle(g6_collector *c, double now,
                             g6_cycle_result *res);

/* The CSV sink's cumulative counters per file family (0 when CSV writing is
 * off); see g6_csv_sink_families. */
size_t g6_collector_csv_families(g6_collector *c,
                                 const g6_csv_family_stats **out);

#endif
