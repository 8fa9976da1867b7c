/* What an index's cycle logs (collector/cycle_log.h), on a fake clock: a
 * table of cycles in order, each with the level and text it must log. The
 * reviewer's cases are vectors: a 200 answer without any option quote (no
 * line at all before), every quote without OI (STALE, no line), and a
 * missing index after an outage ("collecting again … status EMPTY"). */
#include "g6_test.h"

#include "collector/cycle_log.h"

#include <string.h>

typedef enum {
  GOOD,
  CLOSED,
  TIMEOUT,
  BATCH,
  OLD_SPOT,
  NO_QUOTES,
  NOT_LISTED,
  NO_OI,
  PARTIAL
} kind;

/* A cycle of NIFTY, 21 strikes, two expiries of 42 legs each. */
static void make(g6_cycle_result *r, kind k) {
  memset(r, 0, sizeof(*r));
  r->attempted = k != CLOSED;
  r->n_strikes = 21;
  r->n_expiries = 2;
  r->success = true;
  r->status = k == PARTIAL ? G6_CHAIN_PARTIAL : G6_CHAIN_OK;
  for (size_t e = 0; e < 2; e++) {
    g6_expiry_result *x = &r->expiries[e];
    x->legs_requested = 42;
    x->legs_collected = 42;
    x->legs_with_fields = 42;
    x->status = r->status;
    switch (k) {
    case NO_QUOTES:
      x->legs_collected = x->legs_with_fields = 0;
      x->rejects[G6_REJECT_MISSING_QUOTE] = e == 0 ? 42 : 40;
      x->rejects[G6_REJECT_NOT_LISTED] = e == 0 ? 0 : 2;
      break;
    case NOT_LISTED:
      x->legs_collected = x->legs_with_fields = 0;
      x->rejects[G6_REJECT_NOT_LISTED] = 42;
      break;
    case TIMEOUT:
    case CLOSED:
      x->legs_collected = x->legs_with_fields = 0;
      break;
    case BATCH:
      x->legs_collected = x->legs_with_fields = e == 0 ? 42 : 0;
      x->rejects[G6_REJECT_REQUEST_FAILED] = e == 0 ? 0 : 42;
      break;
    case NO_OI:
      x->legs_with_fields = 0;
      break;
    default:
      break;
    }
  }
  switch (k) {
  case CLOSED:
  case TIMEOUT:
  case NO_QUOTES:
  case NOT_LISTED:
    r->success = false;
    r->status = G6_CHAIN_EMPTY;
    break;
  case NO_OI:
    r->status = G6_CHAIN_STALE;
    break;
  case BATCH:
    r->status = G6_CHAIN_PARTIAL;
    break;
  case OLD_SPOT:
    r->status = G6_CHAIN_STALE;
    break;
  default:
    break;
  }
  if (k == TIMEOUT || k == BATCH) {
    r->error = G6_ETIMEOUT;
    snprintf(r->error_msg, sizeof(r->error_msg), "Kite quote: timed out");
  } else if (k == OLD_SPOT) {
    r->error = G6_EUPSTREAM_DATA;
    snprintf(r->error_msg, sizeof(r->error_msg),
             "the underlying's quote is 900 s old; status STALE");
  }
}

typedef struct {
  const char *name;
  kind k;
  double at;
  g6_cycle_log_level want;
  const char *text; /* a substring of the line; NULL when QUIET */
} vector;

static const vector vectors[] = {
    {"good from the start: quiet", GOOD, 0, G6_CYCLE_LOG_QUIET, NULL},
    {"outside the session: quiet", CLOSED, 10, G6_CYCLE_LOG_QUIET, NULL},
    {"a 200 without option quotes warns", NO_QUOTES, 20, G6_CYCLE_LOG_WARNING,
     "nothing collected (status EMPTY): no leg kept of 84 requested: "
     "missing_quote 82, not_listed 2"},
    {"the same cause again: quiet", NO_QUOTES, 30, G6_CYCLE_LOG_QUIET, NULL},
    {"closed in between changes nothing", CLOSED, 40, G6_CYCLE_LOG_QUIET, NULL},
    {"the same cause after 600 s: again", NO_QUOTES, 620, G6_CYCLE_LOG_WARNING,
     "missing_quote 82"},
    {"back: collecting again", GOOD, 630, G6_CYCLE_LOG_RECOVERED,
     "collecting again (21 strikes, status OK)"},
    {"still good: quiet", GOOD, 640, G6_CYCLE_LOG_QUIET, NULL},
    {"quotes without OI: STALE warns", NO_OI, 650, G6_CYCLE_LOG_WARNING,
     "status STALE: field coverage at most StaleFieldCoverage on every "
     "expiry: 0 of 84 legs kept"},
    {"STALE lasting: quiet", NO_OI, 660, G6_CYCLE_LOG_QUIET, NULL},
    {"a transport failure: a new cause", TIMEOUT, 670, G6_CYCLE_LOG_WARNING,
     "nothing collected: Kite quote: timed out (timeout)"},
    {"the index missing after the outage: no recovery line", NOT_LISTED, 680,
     G6_CYCLE_LOG_WARNING, "no leg kept of 84 requested: not_listed 84"},
    {"a failed batch", BATCH, 690, G6_CYCLE_LOG_WARNING,
     "42 of 84 legs lost (status PARTIAL): Kite quote: timed out (timeout)"},
    {"an old underlying quote", OLD_SPOT, 700, G6_CYCLE_LOG_WARNING,
     "the underlying's quote is 900 s old; status STALE (upstream_data)"},
    {"PARTIAL without a failure is good", PARTIAL, 710, G6_CYCLE_LOG_RECOVERED,
     "collecting again (21 strikes, status PARTIAL)"},
    {"a transport failure once more", TIMEOUT, 720, G6_CYCLE_LOG_WARNING,
     "nothing collected: "},
    {"recovered", GOOD, 730, G6_CYCLE_LOG_RECOVERED, "collecting again"},
};

static void cycle_log_vectors(void **state) {
  (void)state;
  g6_cycle_log s = {0};
  g6_cycle_result r;
  char msg[1024];
  for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
    const vector *v = &vectors[i];
    make(&r, v->k);
    g6_cycle_log_level got =
        g6_cycle_log_decide(&s, &r, v->at, 600, msg, sizeof(msg));
    if (got != v->want)
      fail_msg("%s: level %d, want %d (\"%s\")", v->name, (int)got,
               (int)v->want, msg);
    if (v->text == NULL && msg[0] != '\0')
      fail_msg("%s: quiet with text \"%s\"", v->name, msg);
    if (v->text != NULL && strstr(msg, v->text) == NULL)
      fail_msg("%s: \"%s\" lacks \"%s\"", v->name, msg, v->text);
  }
}

/* A message cut at any capacity stays terminated. */
static void cycle_log_truncates(void **state) {
  (void)state;
  g6_cycle_result r;
  make(&r, NO_QUOTES);
  for (size_t cap = 1; cap < 120; cap++) {
    g6_cycle_log s = {0};
    char msg[128];
    memset(msg, 'x', sizeof(msg));
    assert_int_equal(g6_cycle_log_decide(&s, &r, 0, 600, msg, cap),
                     G6_CYCLE_LOG_WARNING);
    assert_true(strlen(msg) < cap);
  }
}

/* A tag collision (collector.h): a warning when rule 2's contract is first
 * withheld and again only when the pair of contracts changes, a note once
 * when its rows are written again, nothing for a cycle that attempted
 * nothing. */
static void tag_collision_log(void **state) {
  (void)state;
  g6_cycle_result r;
  make(&r, GOOD);
  r.expiries[0].resolved = r.expiries[1].resolved = true;
  r.expiries[0].spec.rule = G6_EXPIRY_THIS_WEEK;
  r.expiries[1].spec.rule = G6_EXPIRY_DATE;
  r.expiries[0].date = (g6_date){2026, 12, 1};
  r.expiries[1].date = (g6_date){2026, 12, 8};
  r.expiries[0].tag = r.expiries[1].tag = "this_week";
  g6_tag_collision_log s = {0};
  char msg[1024];
  /* no collision: quiet */
  assert_int_equal(g6_tag_collision_log_decide(&s, &r, 1, msg, sizeof(msg)),
                   G6_CYCLE_LOG_QUIET);
  assert_string_equal(msg, "");
  /* rule 2 withheld: one warning naming Expiry and both contracts */
  r.expiries[1].csv_withheld = true;
  r.expiries[1].tag_owner = 0;
  assert_int_equal(g6_tag_collision_log_decide(&s, &r, 1, msg, sizeof(msg)),
                   G6_CYCLE_LOG_WARNING);
  assert_non_null(strstr(msg, "(contract 2026-12-08)"));
  assert_non_null(strstr(msg, "Expiry \"this_week\" (contract 2026-12-01)"));
  assert_int_equal(g6_tag_collision_log_decide(&s, &r, 1, msg, sizeof(msg)),
                   G6_CYCLE_LOG_QUIET);
  assert_int_equal(g6_tag_collision_log_decide(&s, &r, 0, msg, sizeof(msg)),
                   G6_CYCLE_LOG_QUIET); /* the owner says nothing */
  /* closed: nothing attempted, nothing changes */
  r.attempted = false;
  assert_int_equal(g6_tag_collision_log_decide(&s, &r, 1, msg, sizeof(msg)),
                   G6_CYCLE_LOG_QUIET);
  r.attempted = true;
  /* the owner rolled to another contract: warned again */
  r.expiries[0].date = (g6_date){2026, 12, 2};
  assert_int_equal(g6_tag_collision_log_decide(&s, &r, 1, msg, sizeof(msg)),
                   G6_CYCLE_LOG_WARNING);
  assert_non_null(strstr(msg, "(contract 2026-12-02)"));
  /* written again: one note, then quiet */
  r.expiries[1].csv_withheld = false;
  r.expiries[1].tag = "next_week";
  assert_int_equal(g6_tag_collision_log_decide(&s, &r, 1, msg, sizeof(msg)),
                   G6_CYCLE_LOG_RECOVERED);
  assert_string_equal(msg, "Expiry rule 2 (contract 2026-12-08, tag "
                           "next_week) shares its tag with no other contract "
                           "now: its CSV rows are written again");
  assert_int_equal(g6_tag_collision_log_decide(&s, &r, 1, msg, sizeof(msg)),
                   G6_CYCLE_LOG_QUIET);
  /* out of range: quiet */
  assert_int_equal(g6_tag_collision_log_decide(&s, &r, 7, msg, sizeof(msg)),
                   G6_CYCLE_LOG_QUIET);
}

/* What a cycle's storage logs (g6_storage_log_decide), on a fake clock:
 * the reviewer's cases are vectors. A disk full long enough to fill the
 * retry buffer: the append failure is an error once, the lost rows a
 * warning of their own when they start (same status, nospace, so the
 * failure's throttle is silent) and every 600 s while they last. A torn tail
 * cut: a warning naming the file, rate-limited. A snapshot that cannot be
 * written: an error, then "snapshot: writing again" once. */
static size_t storage(g6_storage_log *s, const g6_cycle_result *r, double now,
                      g6_storage_line l[G6_STORAGE_LOG_MAX]) {
  return g6_storage_log_decide(s, r, now, 600, l);
}

static void storage_log_vectors(void **state) {
  (void)state;
  g6_storage_log s;
  memset(&s, 0, sizeof(s));
  g6_storage_line l[G6_STORAGE_LOG_MAX];
  g6_cycle_result r;
  make(&r, GOOD);
  assert_int_equal(storage(&s, &r, 0, l), 0);
  /* the disk fills: appends fail, rows held */
  r.csv_status = G6_ENOSPC;
  snprintf(r.csv_msg, sizeof(r.csv_msg),
           "cannot append 1 row(s) to x.csv: "
           "No space left on device");
  assert_int_equal(storage(&s, &r, 30, l), 1);
  assert_int_equal(l[0].level, G6_CYCLE_LOG_ERROR);
  assert_string_equal(l[0].msg, "CSV: cannot append 1 row(s) to x.csv: No "
                                "space left on device");
  assert_int_equal(storage(&s, &r, 60, l), 0);
  /* the retry buffer is full: rows are dropped (still nospace) */
  r.csv.rows_dropped = 85;
  assert_int_equal(storage(&s, &r, 90, l), 1);
  assert_int_equal(l[0].level, G6_CYCLE_LOG_WARNING);
  assert_non_null(strstr(l[0].msg, "retry buffer full: 85 row(s) dropped"));
  assert_non_null(strstr(l[0].msg, "retry_buffer_full"));
  assert_int_equal(storage(&s, &r, 120, l), 0); /* lasting: quiet ... */
  r.csv.rows_dropped = 10;
  assert_int_equal(storage(&s, &r, 700, l), 2); /* ... until 600 s later */
  assert_int_equal(l[1].level, G6_CYCLE_LOG_WARNING);
  assert_non_null(strstr(l[1].msg, "95 row(s) dropped since the last"));
  /* space again: the held rows are written */
  r.csv_status = G6_OK;
  r.csv.rows_dropped = 0;
  assert_int_equal(storage(&s, &r, 730, l), 1);
  assert_int_equal(l[0].level, G6_CYCLE_LOG_RECOVERED);
  assert_string_equal(l[0].msg, "CSV: writing again");
  /* a torn tail cut: named, then at most once in 600 s */
  r.csv.torn_repaired = 1;
  snprintf(r.csv_torn_path, sizeof(r.csv_torn_path), "/d/NIFTY/a.csv");
  r.csv_torn_bytes = 17;
  assert_int_equal(storage(&s, &r, 760, l), 1);
  assert_int_equal(l[0].level, G6_CYCLE_LOG_WARNING);
  assert_non_null(strstr(l[0].msg, "CSV: /d/NIFTY/a.csv ended in an "
                                   "incomplete line"));
  assert_non_null(strstr(l[0].msg, "last 17 byte(s) cut"));
  snprintf(r.csv_torn_path, sizeof(r.csv_torn_path), "/d/NIFTY/b.csv");
  assert_int_equal(storage(&s, &r, 790, l), 0);
  r.csv.torn_repaired = 0;
  assert_int_equal(storage(&s, &r, 1400, l), 1); /* the one not said yet */
  assert_non_null(strstr(l[0].msg, "/d/NIFTY/b.csv"));
  assert_int_equal(storage(&s, &r, 2100, l), 0);
  /* the snapshot cannot be written, then can */
  r.snapshot_written = true;
  r.snapshot_status = G6_EPERM;
  snprintf(r.snapshot_msg, sizeof(r.snapshot_msg), "cannot write s.json");
  assert_int_equal(storage(&s, &r, 2130, l), 1);
  assert_int_equal(l[0].level, G6_CYCLE_LOG_ERROR);
  assert_string_equal(l[0].msg, "snapshot: cannot write s.json");
  /* a cycle without a snapshot due says nothing of it */
  r.snapshot_written = false;
  r.snapshot_status = G6_OK;
  assert_int_equal(storage(&s, &r, 2160, l), 0);
  r.snapshot_written = true;
  assert_int_equal(storage(&s, &r, 2190, l), 1);
  assert_int_equal(l[0].level, G6_CYCLE_LOG_RECOVERED);
  assert_string_equal(l[0].msg, "snapshot: writing again");
  assert_int_equal(storage(&s, &r, 2220, l), 0);
}

/* A rule's new date is said once (not its first date, not the same date
 * again, not while it does not resolve). */
static void expiry_moved(void **state) {
  (void)state;
  g6_cycle_result r;
  make(&r, GOOD);
  r.expiries[0].resolved = true;
  r.expiries[0].tag = "this_week";
  r.expiries[0].date = (g6_date){2026, 12, 1};
  g6_date prev[G6_MAX_EXPIRIES] = {{0}};
  char msg[256];
  assert_false(g6_expiry_moved(prev, &r, 0, msg, sizeof(msg)));
  assert_false(g6_expiry_moved(prev, &r, 0, msg, sizeof(msg)));
  r.expiries[0].date = (g6_date){2026, 12, 8};
  assert_true(g6_expiry_moved(prev, &r, 0, msg, sizeof(msg)));
  assert_string_equal(msg, "this_week now resolves to 2026-12-08 (was "
                           "2026-12-01)");
  assert_false(g6_expiry_moved(prev, &r, 0, msg, sizeof(msg)));
  assert_string_equal(msg, "");
  r.expiries[0].resolved = false;
  r.expiries[0].date = (g6_date){2026, 12, 15};
  assert_false(g6_expiry_moved(prev, &r, 0, msg, sizeof(msg)));
  assert_false(g6_expiry_moved(prev, &r, 9, msg, sizeof(msg)));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cycle_log_vectors),
      cmocka_unit_test(cycle_log_truncates),
      cmocka_unit_test(tag_collision_log),
      cmocka_unit_test(expiry_moved),
      cmocka_unit_test(storage_log_vectors),
  };
  return G6_RUN_TESTS(tests);
}
