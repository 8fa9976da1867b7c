/* g6 — Kite quotes: a compact table keyed by the requested instruments and a
 * parser for the /quote, /quote/ohlc and /quote/ltp responses (Kite Connect
 * v3, "Market quotes"). The parser takes the body in chunks as curl
 * delivers it and parses it at the end: simdjson first, yajl callbacks (no
 * DOM) whenever simdjson's walk meets anything it would have to report
 * (market/quote_fast.h says why and how the two agree).
 *
 * Envelope (strictly validated):
 *   {"status": "success", "data": {"EXCH:SYM": {...}, ...}}
 *   {"status": "error", "error_type": "TokenException", "message": "..."}
 * Inside a quote the known fields are read (last_price, volume, oi,
 * average_price, buy_quantity, sell_quantity, instrument_token, timestamp,
 * ohlc{open,high,low,close}, depth{buy[],sell[]} of {price,quantity,orders});
 * everything else is skipped, whatever its shape; a null is treated as
 * absent.
 *
 * `timestamp` is Kite's "YYYY-MM-DD HH:MM:SS" in IST; ISO 8601's forms of
 * it are read too (a 'T' for the space, a fraction of a second, dropped; a
 * zone, Z or +-HH:MM or +-HHMM, which says the instant; without one it is
 * IST). A timestamp that is none of these (another format, a date that
 * does not exist, a number, any other JSON type) does not cost the quote
 * its prices: the quote is kept with its time unknown (timestamp 0,
 * G6_QF_TIMESTAMP clear, G6_QF_TIME_UNREADABLE set), counted in
 * `bad_times` with the first named (schema drift, for the log); what
 * judges a quote's age must not take it for a fresh one. A null timestamp
 * is absent, as any null. `last_trade_time` and other fields are not read.
 *
 * One instrument's quote that is wrong in itself — a known price or count
 * field of the wrong JSON type, a count that is not a whole number or is
 * beyond 64 bits, a number beyond a double, a depth level that is not an
 * object, a value that is not an object, the
 * instrument listed twice — is dropped, its entry marked malformed
 * (g6_quote_table_malformed) and counted in `malformed`, the first message
 * kept; the other instruments' quotes are read on. When every quote is
 * malformed or incomplete the whole response is a protocol error (schema
 * drift).
 *
 * A quote counts as present only if it has a numeric last_price; a quote
 * object without one is counted in `incomplete`. Keys that were not requested
 * are counted in `unexpected` and ignored, whatever their values. When the
 * parse fails for any reason every entry is cleared: a truncated or
 * malformed document is never accepted in part. */
#ifndef G6_QUOTE_H
#define G6_QUOTE_H

#include "core/status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bits of g6_quote.fields: which fields the response carried. */
enum {
  G6_QF_LAST_PRICE = 1u << 0,
  G6_QF_VOLUME = 1u << 1,
  G6_QF_OI = 1u << 2,
  G6_QF_AVERAGE_PRICE = 1u << 3,
  G6_QF_OHLC = 1u << 4, /* at least one of open/high/low/close */
  G6_QF_DEPTH = 1u << 5, /* at least one depth level */
  G6_QF_BUY_QUANTITY = 1u << 6,
  G6_QF_SELL_QUANTITY = 1u << 7,
  G6_QF_TIMESTAMP = 1u << 8,
  G6_QF_TOKEN = 1u << 9,
  G6_QF_TIME_UNREADABLE = 1u << 10, /* a timestamp came that is not a
                                       time: the quote's time is unknown */
};

typedef struct g6_quote {
  double last_price;
  double average_price;
  double open, high, low, close;
  double bid, ask;               /* best (first) depth level prices; 0 if none */
  int64_t bid_qty, ask_qty;      /* quantities at the best levels */
  int64_t depth_buy_qty;         /* sum of quantities over buy levels */
  int64_t depth_sell_qty;
  int64_t volume, oi;
  int64_t buy_quantity, sell_quantity;
  int64_t timestamp;             /* epoch of "timestamp" (IST unless it
                                    names a zone); 0 if absent or not a
                                    time (G6_QF_TIME_UNREADABLE) */
  uint64_t instrument_token;
  uint32_t fields;               /* G6_QF_* bits */
  uint32_t depth_levels;         /* buy + sell levels seen */
} g6_quote;

typedef struct g6_quote_table g6_quote_table;

/* A table for the n requested keys ("EXCH:TRADINGSYMBOL"). The keys are
 * borrowed, not copied (a copy was 1.9 MB of a 40,000-leg host's peak):
 * they must stay unchanged until the table is freed. Duplicate keys are
 * kept once. NULL when out of memory or a key is empty/too long (> 127
 * bytes). */
g6_quote_table *g6_quote_table_new(const char *const *keys, size_t n);
void g6_quote_table_free(g6_quote_table *t);

size_t g6_quote_table_size(const g6_quote_table *t);   /* distinct keys */
const char *g6_quote_table_key(const g6_quote_table *t, size_t i);
/* Index of a key, or -1. */
long g6_quote_table_find(const g6_quote_table *t, const char *key);
/* The quote of entry i, or NULL when it is absent. */
const g6_quote *g6_quote_table_get(const g6_quote_table *t, size_t i);
/* The quote for a key, or NULL when absent or not requested. */
const g6_quote *g6_quote_table_lookup(const g6_quote_table *t,
                                      const char *key);
/* Stores q for entry i (marks it present). Used by the client to fill
 * entries from its cache. */
void g6_quote_table_set(g6_quote_table *t, size_t i, const g6_quote *q);
/* Number of present entries. */
size_t g6_quote_table_found(const g6_quote_table *t);
/* Records why entry i is absent: the status of the request that should
 * have brought it (a failed /quote batch). Entries start at G6_OK. */
void g6_quote_table_set_failed(g6_quote_table *t, size_t i, g6_status why);
/* G6_OK for a present entry or one the provider simply did not return (an
 * instrument it does not know); else the failure recorded for it. */
g6_status g6_quote_table_failed(const g6_quote_table *t, size_t i);
/* Marks entry i absent because its quote was sent malformed (the parser
 * does; see the top of this file). */
void g6_quote_table_set_malformed(g6_quote_table *t, size_t i);
/* Whether entry i is absent because its quote was malformed. */
bool g6_quote_table_malformed(const g6_quote_table *t, size_t i);
/* Marks every entry absent (and not malformed). */
void g6_quote_table_clear(g6_quote_table *t);

/* What the last parse saw (besides the entries). */
typedef struct g6_quote_parse_info {
  bool is_error;        /* status == "error" */
  char error_type[48];  /* from an error envelope (printable ASCII only) */
  char message[160];    /* idem, truncated */
  size_t quotes;        /* quote objects read for requested keys */
  size_t incomplete;    /* of those, without a numeric last_price */
  size_t unexpected;    /* keys in data that were not requested */
  size_t malformed;     /* quotes for requested keys dropped as malformed */
  char malformed_first[160]; /* what was wrong with the first of them
                                ("field \"volume\" of \"NFO:X\" is a
                                string") */
  size_t bad_times;     /* timestamps of requested instruments that are
                           not a time (their quotes kept, time unknown) */
  char bad_time_first[160]; /* the first of them ("\"timestamp\" of
                               \"NFO:X\" is \"30/11/2026 10:00\"") */
  size_t bytes;
  bool fast_path;       /* simdjson parsed it (false: yajl did) */
} g6_quote_parse_info;

typedef struct g6_quote_parser g6_quote_parser;

/* A parser that fills `t` (which must outlive it; one parse per table).
 * Bodies beyond max_bytes fail with G6_ETOOBIG (0 = unlimited). Returns NULL
 * when out of memory. */
g6_quote_parser *g6_quote_parser_new(g6_quote_table *t, size_t max_bytes);
void g6_quote_parser_free(g6_quote_parser *p);

/* Feeds the next chunk (any split): it is kept (page-backed memory, up to
 * max_bytes) until g6_quote_parser_finish. Errors: G6_ETOOBIG, G6_ENOMEM. A
 * failure is sticky. */
g6_status g6_quote_parser_feed(g6_quote_parser *p, const char *data,
                               size_t len, g6_error *err);

/* Ends the body and parses it. G6_EPARSE (not JSON; the message names the
 * byte offset), G6_ETRUNCATED if the document is incomplete, G6_EPROTO (JSON
 * but not a Kite quote envelope: `status` or `data` missing or wrong, or no
 * quote usable — the message names the first malformed field), G6_ENOMEM;
 * for an error envelope the result is
 * G6_EHTTP with info->error_type/message set (the caller maps error types to
 * statuses with g6_quote_error_status). On any failure every entry of the
 * table is cleared. info may be NULL. */
g6_status g6_quote_parser_finish(g6_quote_parser *p, g6_quote_parse_info *info,
                                 g6_error *err);

/* Convenience: parse one whole body into t. */
g6_status g6_quote_parse(g6_quote_table *t, const char *data, size_t len,
                         size_t max_bytes, g6_quote_parse_info *info,
                         g6_error *err);

/* The same through yajl alone, never the fast path: the reference the
 * tests, the fuzz target and bench-quotes compare the fast path with. */
g6_status g6_quote_parse_reference(g6_quote_table *t, const char *data,
                                   size_t len, size_t max_bytes,
                                   g6_quote_parse_info *info, g6_error *err);

/* Maps a Kite error_type (Kite Connect v3 "Exceptions") to a status:
 * TokenException -> G6_EAUTH (the only one that means bad credentials),
 * PermissionException -> G6_EFORBIDDEN, InputException -> G6_EBADREQUEST,
 * NetworkException -> G6_EUPSTREAM, DataException -> G6_EUPSTREAM_DATA,
 * GeneralException -> G6_EPROVIDER; any other type (OrderException,
 * UserException, ... which no market-data call should see) -> G6_EHTTP. */
g6_status g6_quote_error_status(const char *error_type);

#endif
