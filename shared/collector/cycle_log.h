/* g6 — what an index's cycle says in the host's log.
 *
 * A cycle's outcome is its status and why: a provider failure (nothing
 * collected, some legs lost, or a failure beside kept legs such as an
 * underlying quote too old), or, without any failure, no leg kept (the
 * dominant reject reason, with the counts) or STALE field coverage. A bad
 * outcome is logged as a warning when it starts, when its cause changes and
 * every `every_s` while it lasts; "collecting again" once, when a cycle is
 * good again (status OK or PARTIAL without a failure). A cycle outside the
 * session requests nothing and changes nothing. The caller's clock drives
 * it, so it is unit-tested without waiting. */
#ifndef G6_CYCLE_LOG_H
#define G6_CYCLE_LOG_H

#include "collector/collector.h"
#include "core/lograte.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum g6_cycle_outcome {
  G6_OUTCOME_NONE = 0, /* nothing requested (outside the session) */
  G6_OUTCOME_GOOD,     /* OK or PARTIAL, no failure */
  G6_OUTCOME_FAILED,   /* a provider failure, nothing collected */
  G6_OUTCOME_LOST,     /* a failed /quote batch: its legs lost, others kept */
  G6_OUTCOME_FAILURE,  /* another failure beside kept legs (a quote too old,
                          an expiry rule that cannot be resolved) */
  G6_OUTCOME_EMPTY,    /* no failure, but no leg kept */
  G6_OUTCOME_STALE,    /* no failure, legs kept, field coverage STALE */
} g6_cycle_outcome;

/* Per-index state; zero-initialised means "no bad outcome so far". */
typedef struct g6_cycle_log {
  g6_cycle_outcome outcome; /* the last bad one, or GOOD */
  int cause;                /* its g6_status, or its dominant reject reason */
  double logged;            /* when it was last logged */
} g6_cycle_log;

typedef enum g6_cycle_log_level {
  G6_CYCLE_LOG_QUIET = 0, /* nothing to log */
  G6_CYCLE_LOG_WARNING,   /* a bad outcome: msg says which */
  G6_CYCLE_LOG_RECOVERED, /* good again after a bad one: msg says so */
  G6_CYCLE_LOG_ERROR,     /* a failure to store what was collected */
} g6_cycle_log_level;

/* The outcome of r and its cause (a g6_status for the failures, a
 * g6_reject_reason for EMPTY, 0 otherwise). Can't fail. */
g6_cycle_outcome g6_cycle_outcome_of(const g6_cycle_result *r, int *cause);

/* Whether and what to log for r at `now` (seconds): fills msg (without the
 * plugin and index prefix; "" when QUIET) and records the state. Can't
 * fail; msg is truncated to cap. */
g6_cycle_log_level g6_cycle_log_decide(g6_cycle_log *s,
                                       const g6_cycle_result *r, double now,
                                       double every_s, char *msg, size_t cap);

/* Whether rule e of r resolved to another date than prev[e], the date it
 * resolved to last (year 0: none yet): fills msg with "<tag> now resolves
 * to <date> (was <date>)" and records the new date. False, msg "", for an
 * unresolved rule, the first date, the same date, or e out of range. Can't
 * fail; msg is truncated to cap. */
bool g6_expiry_moved(g6_date prev[G6_MAX_EXPIRIES], const g6_cycle_result *r,
                     size_t e, char *msg, size_t cap);

/* A rule whose contract gives way to another's for its CSV tag directory
 * (g6_expiry_result.csv_withheld): per rule, the withheld contract and the
 * one owning the tag, as last logged (year 0: none). Zero-initialised. */
typedef struct g6_tag_collision_log {
  g6_date withheld[G6_MAX_EXPIRIES], owner[G6_MAX_EXPIRIES];
} g6_tag_collision_log;

/* Whether and what to log for rule e of r: a WARNING when its contract is
 * withheld and was not (or another pair of contracts is now), with
 * g6_collector_tag_collision_msg; RECOVERED once when its rows are written
 * again; QUIET otherwise (and for a cycle that attempted nothing). Fills
 * msg ("" when QUIET, without the plugin and index prefix) and records the
 * state. Can't fail; msg is truncated to cap. */
g6_cycle_log_level g6_tag_collision_log_decide(g6_tag_collision_log *s,
                                               const g6_cycle_result *r,
                                               size_t e, char *msg, size_t cap);

/* What a cycle's storage says: the CSV and snapshot failures (ERROR when
 * one starts, changes kind and every `every_s`; "writing again" once when
 * it is over), rows lost because the CSV retry buffer is full (a WARNING
 * when it starts and every `every_s` while it lasts: the CSV failure's own
 * status does not change when it does) and files whose torn tail was cut
 * (a WARNING naming the last one, at most once every `every_s`, with the
 * repairs not logged since). Zero-initialised. */
typedef struct g6_storage_log {
  g6_log_throttle csv, snapshot;
  bool dropping;     /* rows were dropped in the last cycle */
  double dropped_at; /* when dropped rows were last logged */
  uint64_t dropped;  /* rows dropped since then */
  bool torn_logged;  /* a repair was logged, at torn_at */
  double torn_at;
  uint64_t torn;       /* repairs not logged yet ... */
  char torn_path[512]; /* ... the last one's file ... */
  uint64_t torn_bytes; /* ... and the bytes cut from it */
} g6_storage_log;

#define G6_STORAGE_LOG_MAX 4

typedef struct g6_storage_line {
  g6_cycle_log_level level;
  char msg[768]; /* without the plugin and index prefix */
} g6_storage_line;

/* Fills out[] with what to log for r at `now` (in order) and returns how
 * many lines; records the state. Can't fail. */
size_t g6_storage_log_decide(g6_storage_log *s, const g6_cycle_result *r,
                             double now, double every_s,
                             g6_storage_line out[G6_STORAGE_LOG_MAX]);

#endif
