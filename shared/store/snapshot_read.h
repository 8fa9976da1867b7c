/* g6 — reading chain snapshot files back (the reader of store/snapshot.h).
 *
 * g6_analytics and `g6 replay` read what g6_chain wrote: the latest
 * <DataDir>/snapshots/<INDEX>.json or a kept one from the history
 * (store/snapshot_history.h). The format is docs/SNAPSHOT.md, schema
 * "g6.chain.snapshot/1". The parser streams the bytes through yajl's
 * callback parser straight into an owned model (no JSON tree), checks every
 * field's type and the document's structure, and classifies what is wrong
 * so a caller can count it:
 *
 *   G6_ENOENT        the file does not exist                  "missing"
 *   G6_EPERM, G6_EIO, G6_EINVAL (not a regular file), G6_ENOMEM
 *                    it cannot be read                        "unreadable"
 *   G6_ETOOBIG       larger than the caller's limit           "too_big"
 *   G6_ETRUNCATED    the document ends early (empty, cut)     "truncated"
 *   G6_EPARSE        not JSON (syntax error, trailing bytes)  "malformed"
 *   G6_EUNSUPPORTED  JSON, but not a g6.chain.snapshot/1      "wrong_schema"
 *                    document (another schema or major version, no schema,
 *                    not an object)
 *   G6_EPROTO        a snapshot with a missing field, a field of the wrong
 *                    type, a value out of range (non-finite or huge numbers,
 *                    unknown tokens) or legs that do not match the strike
 *                    ladder                                   "invalid"
 *
 * The error message names the file, the field path
 * (`expiries[1].legs[6].iv`), the value and what is allowed. Unknown keys are
 * ignored (a minor version may add fields); a missing one is an error. Null
 * stays unknown: numbers become NAN, never 0. */
#ifndef G6_SNAPSHOT_READ_H
#define G6_SNAPSHOT_READ_H

#include "core/status.h"
#include "market/chain.h"
#include "math/analytics.h"
#include "math/chain_report.h"
#include "store/snapshot.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest snapshot g6 reads by default (a 1,001-strike, 8-expiry chain is
 * about 9 MiB of pretty JSON). */
#define G6_SNAPSHOT_MAX_BYTES (64u << 20)

/* Latest instant a snapshot's generated_at and expiry_epoch may name:
 * 9999-12-31 23:59:59 UTC (a four-digit year, as in every date it holds).
 * Beyond, or before 1970, the field is invalid: the readers' date and age
 * arithmetic is never fed an instant it cannot represent. */
#define G6_SNAPSHOT_EPOCH_MAX INT64_C(253402300799)

/* One snapshot document, owned. The expiries reuse the writer's types so a
 * read snapshot can be written again (g6_snapshot_doc_view) byte for byte:
 * expiries[e].legs holds 2 * n_strikes legs (CE then PE per strike, strikes
 * ascending) when the expiry resolved, else none (NULL). Fields the format
 * does not carry (legs_with_fields, iv_ok, iv_failures) are zero. */
typedef struct g6_snapshot_doc {
  g6_index_config ix; /* name, underlying, segment, step; no expiry rules */
  uint64_t seq;
  int64_t generated_at; /* epoch seconds */
  int64_t ts;           /* "timestamp": the CSV timestamp, epoch seconds */
  bool market_open;
  g6_chain_status status;
  g6_status error;                                 /* G6_OK for null */
  double spot, atm, step, day_high, day_low, r, q; /* NAN for null */
  double vix;                                      /* NAN for null/absent */
  size_t n_strikes;
  double *strikes;
  size_t n_expiries;
  g6_expiry_result expiries[G6_MAX_EXPIRIES];
  char tags[G6_MAX_EXPIRIES][16]; /* expiries[e].tag points here */
} g6_snapshot_doc;

/* Parses one document of `len` bytes into *doc (zeroed first; free it with
 * g6_snapshot_doc_free in every case). `name` names the input in messages
 * (a path). Returns G6_OK or one of the statuses above with err set. A
 * document that begins with a UTF-8 byte-order mark is G6_EPARSE saying
 * so (Python's json.load of such a file refuses it too). */
g6_status g6_snapshot_parse(const char *text, size_t len, const char *name,
                            g6_snapshot_doc *doc, g6_error *err);

/* Reads and parses the file `path` of at most max_bytes (0: the default
 * G6_SNAPSHOT_MAX_BYTES). Same contract as g6_snapshot_parse, plus the file
 * statuses (missing, unreadable, too big). */
g6_status g6_snapshot_read_file(const char *path, size_t max_bytes,
                                g6_snapshot_doc *doc, g6_error *err);

/* Frees what doc owns and zeroes it. Safe on a zeroed doc. */
void g6_snapshot_doc_free(g6_snapshot_doc *doc);

/* The writer's view of a read document (pointers into doc), so
 * g6_snapshot_serialize(view) reproduces the file the document came from. */
void g6_snapshot_doc_view(const g6_snapshot_doc *doc, g6_snapshot *view);

/* Label of the cause of a read status: "missing", "unreadable", "too_big",
 * "truncated", "malformed", "wrong_schema", "invalid" (the list above), or
 * NULL for G6_OK. */
const char *g6_snapshot_error_cause(g6_status st);

/* The metric label of an expiry: its tag, or its date (YYYY-MM-DD, written
 * to buf) for a date-pinned rule, as g6_chain labels its series; NULL for a
 * date rule that did not resolve (the file does not carry its date). */
const char *g6_snapshot_expiry_label(const g6_expiry_result *x, char buf[11]);

/* ---- feeding the analytics ---------------------------------------------- */

/* The analytics' input from a document: the kept legs (reject null) of every
 * resolved expiry as g6_leg (price = last; OI, volume, bid, ask, IV and
 * Greeks and the session references (oi_open, last_prev, oi_prev) as
 * stored, NAN where null or absent), with T, the expiry instant and the
 * parity fit of their expiry. Two rules that resolved to the same expiry
 * date share one range of legs, so chain-wide aggregates count each
 * contract once. `legs` must hold g6_snapshot_doc_leg_count(doc) legs;
 * in->legs points at it. Unresolved expiries are listed with no legs.
 * in->strikes is the document's ladder and in->leg_exists reads each leg's
 * reject (both borrowed: valid while doc is), so the legs left out count as
 * missing from the PCR window, but not those that are no contract
 * (not_listed, strike_out_of_band), as in g6_chain's count. Can't fail. */
size_t g6_snapshot_doc_leg_count(const g6_snapshot_doc *doc);
void g6_snapshot_doc_report_input(const g6_snapshot_doc *doc, g6_leg *legs,
                                  g6_report_input *in);

/* The same, leaving out the legs g6_chain flagged as breaking a
 * no-arbitrage rule (arb not null) when exclude_flagged is set (g6_analytics'
 * ExcludeFlaggedLegs); the parity forwards are kept (the fit is robust to
 * the bad pairs already). */
void g6_snapshot_doc_report_input_ex(const g6_snapshot_doc *doc, g6_leg *legs,
                                     bool exclude_flagged,
                                     g6_report_input *in);

#endif
