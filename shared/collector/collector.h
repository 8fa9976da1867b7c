/* g6 — one index's collection cycle, independent of collectd and of HTTP.
 *
 * g6_collector_cycle() does what the g6_chain plugin runs every interval for
 * one index: market gate; underlying quote; ATM; expiries resolved from the
 * provider's instrument list; the strike ladder; quotes; sanitization with
 * counted reject reasons; IV and Greeks; quote sanity (parity forwards and
 * no-arbitrage flags, collector/quote_checks.h); per-expiry and index
 * status; CSV option and overview rows; the session's references of every
 * contract and the ATM straddle at the open (collector/session.h); the chain
 * snapshot file. It fills a
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

#include "core/ist.h"
#include "core/status.h"
#include "market/calendar.h"
#include "market/chain.h"
#include "market/provider.h"
#include "store/csv_sink.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What every index of a g6_chain instance shares. */
typedef struct g6_collector_config {
  const char *data_dir;          /* CSV and snapshot root */
  const g6_calendar *calendar;   /* the index's exchange calendar; may be
                                    NULL (Monday-Friday, no holidays) */
  bool force_open;               /* collect outside the session (demos) */
  double r, q;                   /* risk-free rate, dividend yield */
  double iv_min, iv_max;         /* IV bounds: outside -> status, no clamp */
  double strike_band;            /* reject strikes beyond ATM +- band */
  g6_status_thresholds thresholds;
  g6_fsync_policy fsync;
  bool write_csv;
  bool write_snapshot;
  bool keep_snapshots; /* also keep each snapshot in the history
                          (store/snapshot_history.h) */
  double max_quote_age_s;        /* in a session (the calendar's, not
                                    force_open's), an underlying quote whose
                                    exchange timestamp is further than this
                                    from the cycle instant, either way, makes
                                    the index STALE (its age counts from the
                                    session's open at the earliest: the
                                    pre-open's last tick is no frozen feed);
                                    0: not checked */
} g6_collector_config;

/* KeepSnapshots: how long (seconds of the cycles' clock) the cycles hold
 * their own snapshots while the latest one cannot be kept in the history
 * (its link fails, the history cannot be read, another file has its name):
 * a passing failure (a full disk freed, a permission fixed) loses nothing;
 * past it the live snapshot moves on (g6_analytics and the panels would
 * otherwise read the held one for as long as the failure lasts) and the
 * previous one is replaced, not in the history, the cycle's error saying
 * so. */
#define G6_SNAPSHOT_HOLD_MAX_S 300.0

/* Everything one cycle did, for metrics and logs. */
typedef struct g6_cycle_result {
  int64_t now;               /* cycle instant, epoch seconds */
  double now_exact;          /* the same with its fraction (used for T) */
  int64_t ts;                /* rounded to 30 s (CSV timestamp) */
  bool market_open;          /* the gate's answer (true under force_open) */
  int year;                  /* the IST year of the cycle instant */
  size_t calendar_entries;   /* holidays and special sessions the calendar
                                declares for `year` (0: it says nothing,
                                the gate trusts plain weekdays) */
  bool attempted;            /* data was requested this cycle */
  bool success;              /* at least one leg collected */
  g6_status error;           /* first provider failure (G6_OK if none) */
  char error_msg[512];
  double spot, atm, day_high, day_low;
  int64_t spot_time;         /* exchange timestamp of the underlying's
                                quote, Unix seconds; 0 when the provider
                                does not say, G6_QUOTE_TIME_UNREADABLE
                                when it sent one that is not a time */
  bool spot_stale;           /* in a session, spot_time was further than
                                max_quote_age_s from the cycle, or not a
                                time (status STALE; not a success for the
                                metrics) */
  double vix;                /* the volatility index (g6_index_config.vix)
                                quoted with the underlying; NAN when none
                                is configured or it was not quoted */
  long session_restored;     /* > 0: this cycle took the session's state
                                (collector/session.h) back from the latest
                                snapshot, for that many contracts */
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
  char csv_torn_path[512];   /* csv.torn_repaired > 0: the file last cut
                                back to its last complete line ... */
  uint64_t csv_torn_bytes;   /* ... and the bytes cut from it */
  bool snapshot_written;     /* a snapshot was due (write attempted) */
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

/* Stops the collector: once its cycles are over (the runner joined), one
 * last attempt to write the CSV rows held after failed writes
 * (g6_csv_sink_close: local file appends only, no network; a frozen file
 * system blocks it), then g6_collector_free. Returns the rows that could
 * not be written and are lost; then msg (n bytes, always terminated) says
 * so, with the index, the count, the first file and the cause; otherwise
 * msg is empty. NULL: 0. */
size_t g6_collector_close(g6_collector *c, char *msg, size_t n);

/* g6_collector_close on a thread of its own (core/thread.h), waited for at
 * most `timeout_s` seconds: at shutdown the held rows' last write must not
 * hold up collectd's stop when the storage under DataDir hangs (the index
 * thread may be between cycles, so stopping it did not block, but this
 * write does). true: the close ended; *lost and msg as g6_collector_close.
 * false: it is still blocked in the kernel and is left to finish by itself
 * (c belongs to it now: never touch or free it); *lost is 0 and msg says
 * that the held rows were not written, naming the index. NULL: true, 0. */
bool g6_collector_close_within(g6_collector *c, double timeout_s,
                               size_t *lost, char *msg, size_t n);

/* Runs one cycle at `now` (epoch seconds; fractional part kept for T). The
 * result is valid until the next call. Returns G6_OK when the cycle ran to
 * the end (even if the market was closed or legs were missing); the result
 * says what happened. */
g6_status g6_collector_cycle(g6_collector *c, double now,
                             g6_cycle_result *res);

/* The log line of a tag collision: expiry `e` of `r` is csv_withheld
 * (chain.h). Names the option (Expiry), both rules and contracts, the tag,
 * what was done and what to change. Writes at most n bytes to buf (always
 * terminated); returns buf. */
char *g6_collector_tag_collision_msg(const g6_cycle_result *r, size_t e,
                                     char *buf, size_t n);

/* The CSV sink's cumulative counters per file family (0 when CSV writing is
 * off); see g6_csv_sink_families. */
size_t g6_collector_csv_families(g6_collector *c,
                                 const g6_csv_family_stats **out);

#endif
