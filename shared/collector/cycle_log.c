#include "collector/cycle_log.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The reject reason with most legs over every expiry (the first on a tie). */
static g6_reject_reason dominant_reject(const g6_cycle_result *r,
                                        size_t by[G6_REJECT_REASON_COUNT]) {
  for (int k = 0; k < G6_REJECT_REASON_COUNT; k++)
    by[k] = 0;
  for (size_t e = 0; e < r->n_expiries; e++)
    for (int k = 1; k < G6_REJECT_REASON_COUNT; k++)
      by[k] += r->expiries[e].rejects[k];
  g6_reject_reason best = G6_REJECT_NONE;
  for (int k = 1; k < G6_REJECT_REASON_COUNT; k++)
    if (by[k] > by[best])
      best = (g6_reject_reason)k;
  return best;
}

g6_cycle_outcome g6_cycle_outcome_of(const g6_cycle_result *r, int *cause) {
  *cause = 0;
  if (!r->attempted)
    return G6_OUTCOME_NONE;
  if (r->error != G6_OK) {
    *cause = (int)r->error;
    size_t lost = 0;
    for (size_t e = 0; e < r->n_expiries; e++)
      lost += r->expiries[e].rejects[G6_REJECT_REQUEST_FAILED];
    if (!r->success)
      return G6_OUTCOME_FAILED;
    return lost > 0 ? G6_OUTCOME_LOST : G6_OUTCOME_FAILURE;
  }
  if (!r->success || r->status == G6_CHAIN_EMPTY) {
    size_t by[G6_REJECT_REASON_COUNT];
    *cause = (int)dominant_reject(r, by);
    return G6_OUTCOME_EMPTY;
  }
  if (r->status == G6_CHAIN_STALE)
    return G6_OUTCOME_STALE;
  return G6_OUTCOME_GOOD;
}

/* "nothing collected (status EMPTY): no leg kept of 84 requested:
 * missing_quote 80, not_listed 4" — the dominant reason first. */
static void empty_msg(const g6_cycle_result *r, char *msg, size_t cap) {
  size_t by[G6_REJECT_REASON_COUNT], requested = 0;
  g6_reject_reason top = dominant_reject(r, by);
  for (size_t e = 0; e < r->n_expiries; e++)
    requested += r->expiries[e].legs_requested;
  int n = snprintf(msg, cap,
                   "nothing collected (status %s): no leg kept of "
                   "%zu requested",
                   g6_chain_status_name(r->status), requested);
  if (top == G6_REJECT_NONE || n < 0 || (size_t)n >= cap)
    return;
  size_t len = (size_t)n;
  len += (size_t)snprintf(msg + len, cap - len, ": %s %zu",
                          g6_reject_reason_name(top), by[top]);
  for (int k = 1; k < G6_REJECT_REASON_COUNT && len < cap; k++)
    if (k != (int)top && by[k] > 0)
      len +=
          (size_t)snprintf(msg + len, cap - len, ", %s %zu",
                           g6_reject_reason_name((g6_reject_reason)k), by[k]);
}

static void stale_msg(const g6_cycle_result *r, char *msg, size_t cap) {
  size_t kept = 0, fields = 0;
  for (size_t e = 0; e < r->n_expiries; e++) {
    kept += r->expiries[e].legs_collected;
    fields += r->expiries[e].legs_with_fields;
  }
  snprintf(msg, cap,
           "status STALE: field coverage at most StaleFieldCoverage on every "
           "expiry: %zu of %zu legs kept have volume, OI and average price "
           "(the provider sends quotes without them)",
           fields, kept);
}

static void bad_msg(g6_cycle_outcome o, const g6_cycle_result *r, char *msg,
                    size_t cap) {
  size_t lost = 0, requested = 0;
  for (size_t e = 0; e < r->n_expiries; e++) {
    lost += r->expiries[e].rejects[G6_REJECT_REQUEST_FAILED];
    requested += r->expiries[e].legs_requested;
  }
  switch (o) {
  case G6_OUTCOME_FAILED:
    snprintf(msg, cap, "nothing collected: %s (%s)", r->error_msg,
             g6_status_name(r->error));
    break;
  case G6_OUTCOME_LOST:
    snprintf(msg, cap, "%zu of %zu legs lost (status %s): %s (%s)", lost,
             requested, g6_chain_status_name(r->status), r->error_msg,
             g6_status_name(r->error));
    break;
  case G6_OUTCOME_FAILURE:
    snprintf(msg, cap, "%s (%s)", r->error_msg, g6_status_name(r->error));
    break;
  case G6_OUTCOME_EMPTY:
    empty_msg(r, msg, cap);
    break;
  default:
    stale_msg(r, msg, cap);
    break;
  }
}

g6_cycle_log_level g6_cycle_log_decide(g6_cycle_log *s,
                                       const g6_cycle_result *r, double now,
                                       double every_s, char *msg, size_t cap) {
  if (cap > 0)
    msg[0] = '\0';
  int cause;
  g6_cycle_outcome o = g6_cycle_outcome_of(r, &cause);
  if (o == G6_OUTCOME_NONE) /* nothing requested: nothing to say */
    return G6_CYCLE_LOG_QUIET;
  bool was_bad = s->outcome != G6_OUTCOME_NONE && s->outcome != G6_OUTCOME_GOOD;
  if (o == G6_OUTCOME_GOOD) {
    s->outcome = G6_OUTCOME_GOOD;
    s->cause = 0;
    if (!was_bad)
      return G6_CYCLE_LOG_QUIET;
    if (cap > 0)
      snprintf(msg, cap, "collecting again (%zu strikes, status %s)",
               r->n_strikes, g6_chain_status_name(r->status));
    return G6_CYCLE_LOG_RECOVERED;
  }
  if (was_bad && s->outcome == o && s->cause == cause &&
      now - s->logged < every_s)
    return G6_CYCLE_LOG_QUIET;
  s->outcome = o;
  s->cause = cause;
  s->logged = now;
  if (cap > 0)
    bad_msg(o, r, msg, cap);
  return G6_CYCLE_LOG_WARNING;
}

bool g6_expiry_moved(g6_date prev[G6_MAX_EXPIRIES], const g6_cycle_result *r,
                     size_t e, char *msg, size_t cap) {
  if (cap > 0)
    msg[0] = '\0';
  if (e >= r->n_expiries || e >= G6_MAX_EXPIRIES || !r->expiries[e].resolved)
    return false;
  g6_date now = r->expiries[e].date, was = prev[e];
  prev[e] = now;
  if (was.year == 0 || g6_date_equal(was, now))
    return false;
  char a[11], b[11];
  g6_date_format(was, a);
  g6_date_format(now, b);
  snprintf(msg, cap, "%s now resolves to %s (was %s)", r->expiries[e].tag, b,
           a);
  return true;
}

g6_cycle_log_level g6_tag_collision_log_decide(g6_tag_collision_log *s,
                                               const g6_cycle_result *r,
                                               size_t e, char *msg,
                                               size_t cap) {
  if (cap > 0)
    msg[0] = '\0';
  if (!r->attempted || e >= r->n_expiries || e >= G6_MAX_EXPIRIES ||
      !r->expiries[e].resolved)
    return G6_CYCLE_LOG_QUIET;
  const g6_expiry_result *xr = &r->expiries[e];
  if (xr->csv_withheld) {
    g6_date owner = r->expiries[xr->tag_owner].date;
    if (g6_date_equal(s->withheld[e], xr->date) &&
        g6_date_equal(s->owner[e], owner))
      return G6_CYCLE_LOG_QUIET;
    g6_collector_tag_collision_msg(r, e, msg, cap);
    s->withheld[e] = xr->date;
    s->owner[e] = owner;
    return G6_CYCLE_LOG_WARNING;
  }
  if (s->withheld[e].year == 0)
    return G6_CYCLE_LOG_QUIET;
  char d[11];
  g6_date_format(xr->date, d);
  snprintf(msg, cap,
           "Expiry rule %zu (contract %s, tag %s) shares its tag with no "
           "other contract now: its CSV rows are written again",
           e + 1, d, xr->tag);
  memset(&s->withheld[e], 0, sizeof(s->withheld[e]));
  memset(&s->owner[e], 0, sizeof(s->owner[e]));
  return G6_CYCLE_LOG_RECOVERED;
}

/* Rows lost on a full retry buffer: the appends failed before with the same
 * status (nospace), so the CSV failure's throttle would not say it. */
static bool dropped_line(g6_storage_log *s, const g6_cycle_result *r,
                         double now, double every_s, g6_storage_line *l) {
  if (r->csv.rows_dropped == 0) {
    s->dropping = false;
    return false;
  }
  s->dropped += r->csv.rows_dropped;
  bool starts = !s->dropping;
  s->dropping = true;
  if (!starts && now - s->dropped_at < every_s)
    return false;
  l->level = G6_CYCLE_LOG_WARNING;
  snprintf(l->msg, sizeof(l->msg),
           "CSV: retry buffer full: %" PRIu64 " row(s) dropped%s, lost "
           "(collectd_g6_csv_skipped_rows_total{type=\"retry_buffer_full\"}); "
           "the rows held for retry fill it while appends keep failing",
           s->dropped, starts ? "" : " since the last report");
  s->dropped = 0;
  s->dropped_at = now;
  return true;
}

/* Bytes someone else left at the end of a file, cut before an append. */
static bool torn_line(g6_storage_log *s, const g6_cycle_result *r, double now,
                      double every_s, g6_storage_line *l) {
  if (r->csv.torn_repaired > 0) {
    s->torn += r->csv.torn_repaired;
    snprintf(s->torn_path, sizeof(s->torn_path), "%s",
             r->csv_torn_path[0] ? r->csv_torn_path : "a file");
    s->torn_bytes = r->csv_torn_bytes;
  }
  if (s->torn == 0 || (s->torn_logged && now - s->torn_at < every_s))
    return false;
  l->level = G6_CYCLE_LOG_WARNING;
  int n = snprintf(l->msg, sizeof(l->msg),
                   "CSV: %s ended in an incomplete line (not written by "
                   "g6_chain: a crash mid-write or another writer): its "
                   "last %" PRIu64 " byte(s) cut before appending",
                   s->torn_path, s->torn_bytes);
  if (s->torn > 1 && n > 0 && (size_t)n < sizeof(l->msg))
    snprintf(l->msg + n, sizeof(l->msg) - (size_t)n,
             " (%" PRIu64 " repairs since the last report)", s->torn);
  s->torn = 0;
  s->torn_at = now;
  s->torn_logged = true;
  return true;
}

size_t g6_storage_log_decide(g6_storage_log *s, const g6_cycle_result *r,
                             double now, double every_s,
                             g6_storage_line out[G6_STORAGE_LOG_MAX]) {
  size_t n = 0;
  if (g6_log_throttle_due(&s->csv, r->csv_status, now, every_s)) {
    out[n].level =
        r->csv_status != G6_OK ? G6_CYCLE_LOG_ERROR : G6_CYCLE_LOG_RECOVERED;
    snprintf(out[n++].msg, sizeof(out[0].msg), "CSV: %s",
             r->csv_status != G6_OK ? r->csv_msg : "writing again");
  }
  if (dropped_line(s, r, now, every_s, &out[n]))
    n++;
  if (torn_line(s, r, now, every_s, &out[n]))
    n++;
  if (r->snapshot_written &&
      g6_log_throttle_due(&s->snapshot, r->snapshot_status, now, every_s)) {
    out[n].level = r->snapshot_status != G6_OK ? G6_CYCLE_LOG_ERROR
                                               : G6_CYCLE_LOG_RECOVERED;
    snprintf(out[n++].msg, sizeof(out[0].msg), "snapshot: %s",
             r->snapshot_status != G6_OK ? r->snapshot_msg : "writing again");
  }
  return n;
}
