/* g6 — what one index's collector remembers of the trading session, for the
 * desk figures that compare the chain with its own past (math/desk.h):
 *
 *   per contract  its OI at the first cycle of the session that collected
 *                 it with a known OI (the baseline of the OI change), and its
 *                 last price and OI at the previous cycle of the session that
 *                 collected it (the two ends of a build-up class);
 *   per expiry    the ATM straddle at the first cycle of the session that
 *                 priced it (the straddle at the open).
 *
 * A session is an IST trading day: the first cycle of another day starts
 * afresh, so nothing of yesterday leaks into today's comparisons. The state
 * lives in memory and in every snapshot the collector writes (the legs'
 * oi_open / last_prev / oi_prev, the expiries' straddle_open:
 * docs/SNAPSHOT.md); after a restart g6_session_restore takes it back from
 * the latest snapshot when that one is of the same day, so a collectd
 * restart does not move the baseline to the restart's cycle.
 *
 * Contracts are keyed by (expiry day, strike, side): the ladder moves with
 * spot, and a strike that enters it later in the session gets its baseline
 * when it is first collected. Not thread-safe: it belongs to one collector. */
#ifndef G6_SESSION_H
#define G6_SESSION_H

#include "core/status.h"
#include "store/snapshot_read.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct g6_session g6_session;

/* NULL when out of memory. */
g6_session *g6_session_new(void);
void g6_session_free(g6_session *s);

/* Starts one cycle of IST day `day` (days since 1970-01-01): another day
 * than the state's clears it. Every g6_session_leg of one cycle must come
 * after its g6_session_cycle; a contract observed twice in one cycle (two
 * expiry rules that resolved to the same date) gets the same answer twice. */
void g6_session_cycle(g6_session *s, int64_t day);

/* The IST day the state belongs to; -1 before the first cycle or restore. */
int64_t g6_session_day(const g6_session *s);

/* Contracts remembered (tests). */
size_t g6_session_contracts(const g6_session *s);

/* One leg of the cycle: `collected` when it was kept this cycle with these
 * last price and OI (NAN when the provider did not send them). Writes what
 * the session knew before this cycle: *oi_open (the baseline; for the first
 * cycle with a known OI that OI itself), *last_prev and *oi_prev (NAN when
 * the contract was not collected before in the session). A leg that was not
 * collected changes nothing. G6_ENOMEM when a new contract cannot be
 * remembered (the outputs are then NAN). */
g6_status g6_session_leg(g6_session *s, int64_t expiry_day, double strike,
                         bool put, bool collected, double last, double oi,
                         double *oi_open, double *last_prev, double *oi_prev);

/* The straddle at the open of expiry `expiry_day`: the first finite
 * `straddle_now` of the session (remembered), or NAN while none was. */
double g6_session_straddle_open(g6_session *s, int64_t expiry_day,
                                double straddle_now);

/* Takes the state back from a snapshot document when its generated_at is of
 * IST day `day` (the baselines, each leg's values as the previous cycle's,
 * the straddles at the open); a document of another day changes nothing
 * (the caller checks that it is its index's). Returns the contracts restored (0 when none), or -1 when out of
 * memory (the state is then cleared). */
long g6_session_restore(g6_session *s, const g6_snapshot_doc *doc,
                        int64_t day);

#endif
