/* g6 — the Kite instruments dump: a streaming, bounded CSV parser and a
 * compact table of option instruments (plus index rows) with the lookups the
 * collector needs.
 *
 * The dump (`GET /instruments`) is CSV with exactly these 12 columns, in this
 * order (the header is checked strictly):
 *
 *   instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,
 *   strike,tick_size,lot_size,instrument_type,segment,exchange
 *
 * Fields may be quoted ("NIFTY", RFC 4180 doubling of quotes inside), lines
 * end in LF or CRLF. Only option rows (instrument_type CE/PE) and index rows
 * (segment INDICES) are kept; other rows (equities, futures, ...) are counted
 * as skipped. A row that cannot be understood is rejected and counted by
 * reason; it never aborts the parse.
 *
 * The underlying of an option is its `name` column. Old dumps (Zerodha's mock
 * set) leave `name` empty for options: the root is then derived from the
 * trading symbol as the letters before the first digit (BANKNIFTY18JAN23500CE
 * -> BANKNIFTY), the "symbol" rule; which rule matched is counted. */
#ifndef G6_INSTRUMENTS_H
#define G6_INSTRUMENTS_H

#include "core/ist.h"
#include "core/status.h"
#include "market/chain.h"
#include "math/bs.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define G6_INST_SYMBOL_MAX 40 /* bytes incl. NUL for tradingsymbol and name */
#define G6_INST_ROOT_MAX 24
#define G6_INST_KEY_MAX 64 /* "EXCH:TRADINGSYMBOL" incl. NUL */

typedef enum g6_inst_kind {
  G6_INST_CE = 0,
  G6_INST_PE = 1,
  G6_INST_INDEX = 2, /* segment INDICES */
} g6_inst_kind;

/* Which rule named an option's underlying root. */
typedef enum g6_inst_root_rule {
  G6_ROOT_NAME = 0,   /* the `name` column */
  G6_ROOT_SYMBOL = 1, /* letters of the trading symbol before its first digit */
  G6_ROOT_RULE_COUNT
} g6_inst_root_rule;

/* Why a row was rejected. */
typedef enum g6_inst_reject {
  G6_INST_REJ_COLUMNS = 0, /* not exactly 12 fields */
  G6_INST_REJ_TOO_LONG,    /* a record or field longer than the limits */
  G6_INST_REJ_NUMBER,      /* token, strike, tick or lot size not a number */
  G6_INST_REJ_EXPIRY,      /* option without a valid YYYY-MM-DD expiry */
  G6_INST_REJ_SYMBOL,      /* empty symbol, or no root derivable */
  G6_INST_REJ_QUOTE,       /* malformed quoting (text after a closing quote) */
  G6_INST_REJ_DUPLICATE,   /* a trading symbol listed twice on one exchange
                              with different contents, or one contract
                              (root, segment, expiry, strike, CE/PE) under
                              two symbols: every copy is rejected, none is
                              guessed right (a row repeated byte for byte is
                              kept once: g6_instruments_stats.repeated) */
  G6_INST_REJ_FORM,        /* an option whose trading symbol is not exactly
                              one of Kite's two forms for its row:
                              <ROOT><YY><MON><STRIKE><CE|PE> (monthly) or
                              <ROOT><YY><M><DD><STRIKE><CE|PE> (weekly), with
                              the row's strike and option type
                              (g6_expiry_of_contract); its kind would be a
                              guess (a weekly NIFTY26DEC0126200CE read as a
                              monthly made this_month collect weeklies) */
  G6_INST_REJ_COUNT
} g6_inst_reject;

typedef struct g6_instrument {
  uint64_t instrument_token;
  int64_t strike_paise;  /* strike × 100, rounded (exact for ticks of 0.01) */
  double strike;
  double tick_size;
  int32_t expiry_day;    /* IST day number (g6_days_from_civil); -1 if none */
  int32_t lot_size;
  uint8_t kind;          /* g6_inst_kind */
  uint8_t root_rule;     /* g6_inst_root_rule (options only) */
  uint8_t series;        /* g6_expiry_kind of the trading symbol (options) */
  uint8_t lot_mixed;     /* 1: another option of the same expiry has another
                            lot_size, so the expiry's lot size is unknown
                            (g6_instruments_stats.mixed_lots) */
  char exchange[8];      /* NFO, BFO, NSE, BSE ... */
  char segment[12];      /* NFO-OPT, BFO-OPT, INDICES ... */
  char tradingsymbol[G6_INST_SYMBOL_MAX];
  char name[G6_INST_SYMBOL_MAX];
  char root[G6_INST_ROOT_MAX]; /* underlying root (options); name (indices) */
  uint32_t line;         /* line of the dump the row starts on (header = 1) */
} g6_instrument;

#define G6_INST_WHAT_MAX 160 /* bytes incl. NUL of a reject's description */

typedef struct g6_instruments_stats {
  uint64_t rows;       /* data rows seen (header excluded) */
  uint64_t options;    /* option rows kept */
  uint64_t indices;    /* index rows kept */
  uint64_t skipped;    /* valid rows of other kinds, not kept */
  uint64_t rejected;   /* sum of rejects[] */
  uint64_t rejects[G6_INST_REJ_COUNT];
  uint64_t root_rule[G6_ROOT_RULE_COUNT];
  uint64_t bytes;
  /* the first reject of each reason: the line it starts on (0 = none) and
   * what was wrong, naming the field and its value ("NIFTY1CE: strike
   * \"abc\" is not a number 0 ... 1e12") */
  uint32_t first_line[G6_INST_REJ_COUNT];
  char first_what[G6_INST_REJ_COUNT][G6_INST_WHAT_MAX];
  /* kept, but worth a note: options whose trading symbol names another
   * expiry than the `expiry` column (weekly: the date, monthly: the month;
   * NSE moves listed contracts to another day, and they keep their
   * symbols: the column is used), and rows repeated byte for byte (kept
   * once); the first of the former with its line */
  uint64_t moved, repeated;
  uint32_t moved_line;
  char moved_what[G6_INST_WHAT_MAX];
  /* expiries (root, segment, expiry day) whose options do not all have one
   * lot size (rows with lot_size 0 give none and are not compared): kept,
   * but that expiry's lot size is unknown
   * (g6_instrument.lot_mixed); the first with the two lines that
   * disagree ("NIFTY NFO-OPT 2026-12-01: lot size 75 on line 3
   * (NIFTY26D0126000CE), 25 on line 5 (NIFTY26D0126050CE)") */
  uint64_t mixed_lots;
  char mixed_lots_what[2 * G6_INST_WHAT_MAX];
} g6_instruments_stats;

/* The rejects as one line for a log: "duplicate=2 (first: line 4, NFO:X is
 * listed on lines 4 and 7); number=1 (first: ...)"; "" when none. Returns
 * the length it needed; out is truncated (and NUL-terminated) to len. */
size_t g6_instruments_rejects_text(const g6_instruments_stats *st, char *out,
                                   size_t len);

/* The parsed table (read-only after g6_instruments_finish; safe to share
 * between threads then). */
typedef struct g6_instruments g6_instruments;

/* Limits: max_rows caps kept rows (0 = 4,000,000); beyond it the parse fails
 * with G6_ETOOBIG. Returns NULL when out of memory. */
g6_instruments *g6_instruments_new(size_t max_rows);
void g6_instruments_free(g6_instruments *t);

/* Feeds the next chunk of the CSV body (any split, even inside a field).
 * Fails with G6_EPROTO when the header is not the expected one (the message
 * names the first differing column), G6_ETOOBIG past max_rows, G6_ENOMEM.
 * After a failure further feeds return the same status. */
g6_status g6_instruments_feed(g6_instruments *t, const char *data, size_t len,
                              g6_error *err);

/* Ends the input: processes a last record without a newline, then sorts the
 * table, drops every copy of a duplicated symbol or contract (counted as
 * G6_INST_REJ_DUPLICATE) and indexes it. G6_EPROTO if no header was seen, G6_ETRUNCATED if the
 * input ends inside a quoted field. The table is usable only after G6_OK. */
g6_status g6_instruments_finish(g6_instruments *t, g6_error *err);

/* Convenience: new + feed(all) + finish. *out is NULL on failure. */
g6_status g6_instruments_parse(const char *data, size_t len, size_t max_rows,
                               g6_instruments **out, g6_error *err);

const g6_instruments_stats *g6_instruments_get_stats(const g6_instruments *t);
size_t g6_instruments_count(const g6_instruments *t);
/* i-th kept row, in the table's sorted order (root, segment, expiry, strike,
 * kind); NULL when out of range. */
const g6_instrument *g6_instruments_at(const g6_instruments *t, size_t i);

/* Distinct expiry dates >= today_day (an IST day number) of the options whose
 * root is `index` in option segment `segment` (e.g. "NIFTY", "NFO-OPT"),
 * ascending. Writes at most `max` into out and returns the total number
 * found (which may exceed max). Never fails. */
size_t g6_instruments_expiries(const g6_instruments *t, const char *index,
                               const char *segment, int64_t today_day,
                               int64_t *out, size_t max);

/* Whether the options of one listed expiry (index, segment, IST day
 * number) are weekly or monthly contracts, from their trading symbols
 * (g6_expiry_kind_of_symbol); UNKNOWN when none is listed or their symbols
 * disagree. Never fails. */
g6_expiry_kind g6_instruments_expiry_kind(const g6_instruments *t,
                                          const char *index,
                                          const char *segment,
                                          int64_t expiry_day);

/* The option (index, segment, expiry, strike, CE/PE). G6_ENOENT when absent;
 * then *out is NULL. */
g6_status g6_instruments_find_option(const g6_instruments *t,
                                     const char *index, const char *segment,
                                     int64_t expiry_day, double strike,
                                     g6_opt_type type,
                                     const g6_instrument **out);

/* The index row with this exchange and trading symbol ("NSE", "NIFTY 50");
 * NULL when absent. */
const g6_instrument *g6_instruments_find_index(const g6_instruments *t,
                                               const char *exchange,
                                               const char *tradingsymbol);

/* Writes "EXCH:TRADINGSYMBOL" (the /quote key). Returns its length; the
 * output is truncated (and NUL-terminated) when len is too small. */
size_t g6_instrument_key(const g6_instrument *in, char *buf, size_t len);

const char *g6_inst_reject_name(g6_inst_reject r); /* "columns", ... */
const char *g6_inst_root_rule_name(g6_inst_root_rule r); /* "name", "symbol" */

#endif
