/* g6-mockd — internal interfaces: the synthetic market (market.c), fault
 * state (faults.c) and the HTTP server (server.c, main.c). */
#ifndef G6_MOCKD_H
#define G6_MOCKD_H

#include "core/buf.h"
#include "core/json.h"
#include "core/status.h"
#include "market/calendar.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* ---- market ------------------------------------------------------------- */

#define MK_NINDEX 5

typedef struct mk_index {
  const char *name;        /* NIFTY */
  const char *idx_exchange;/* NSE */
  const char *idx_symbol;  /* NIFTY 50 */
  uint64_t idx_token;
  const char *opt_exchange;/* NFO */
  const char *segment;     /* NFO-OPT */
  double base;             /* realistic level */
  double step;             /* strike step */
  int lot;
  int weekly_dow;          /* 0 = Monday; -1: monthly only */
  int monthly_dow;         /* last <dow> of the month */
  double atm_vol;          /* long-term ATM implied volatility */
  double walk_vol;         /* per 15 s step, log */
  double oi_lots;          /* ATM open interest scale, lots */
  uint64_t token_base;
} mk_index;

extern const mk_index mk_indices[MK_NINDEX];

typedef struct mk_inst {
  uint64_t token;
  int index;         /* into mk_indices */
  int32_t expiry;    /* day number */
  int32_t strike;    /* points */
  uint8_t put;       /* 0 CE, 1 PE */
  uint8_t monthly;
  char symbol[32];
} mk_inst;

typedef struct mk_listing {
  int64_t day;       /* IST day it was built for */
  unsigned moves_gen; /* market_faults.moves_gen it was built with */
  mk_inst *inst;
  size_t n;
  size_t *slots;     /* symbol hash -> index + 1 */
  size_t nslots;
  int64_t expiries[MK_NINDEX][32];
  size_t nexp[MK_NINDEX];
  int32_t center[MK_NINDEX];
} mk_listing;

typedef struct mk_params {
  uint64_t seed;
  int strikes;       /* each side of the centre */
  int weeklies;      /* weekly expiries listed */
  int monthlies;     /* monthly expiries listed */
  double rate;       /* risk-free rate for prices */
  /* the exchanges' calendars (--calendar-dir; NULL: none): an expiry on a
   * day without a regular session (a weekend or a holiday, Muhurat or not)
   * is listed on the previous regular trading day, as the exchanges do */
  const g6_calendar *cal_nse, *cal_bse;
} mk_params;

/* An expiry moved to another day, as an exchange does when the expiry day
 * is a holiday: index `index`, listed day `from` becomes `to` (a weekly's
 * trading symbol carries the new date, as Kite's do). */
typedef struct mk_move {
  int index;
  int64_t from, to;
} mk_move;

/* Builds the listing of `day` (IST day number): the regular expiries,
 * moved off the calendar's holidays (mk_params.cal_*), then the fault
 * moves applied (a move names the regular day). false when out of memory. */
bool mk_listing_build(const mk_params *p, int64_t day, const mk_move *moves,
                      int n_moves, mk_listing *out);
void mk_listing_free(mk_listing *l);
/* The instrument with this trading symbol, or NULL. */
const mk_inst *mk_listing_find(const mk_listing *l, const char *symbol);

/* Index level at epoch t: a pure function of (seed, index, t). */
double mk_spot(const mk_params *p, int index, int64_t t);

/* India VIX, NSE's volatility index, quoted as "NSE:INDIA VIX" (instrument
 * token 264969 as on Kite): a level of about 13 that moves with the clock
 * like the indices (a pure function of seed and t). */
#define MK_VIX_EXCHANGE "NSE"
#define MK_VIX_SYMBOL "INDIA VIX"
#define MK_VIX_TOKEN 264969
double mk_vix(const mk_params *p, int64_t t);

typedef struct mk_quote {
  int64_t ltp_paise, avg_paise;
  int64_t open_paise, high_paise, low_paise, close_paise;
  int64_t volume, oi, oi_high, oi_low, buy_qty, sell_qty, last_qty;
  int64_t bid_paise[5], ask_paise[5];
  int64_t bid_qty[5], ask_qty[5];
  int bid_orders[5], ask_orders[5];
  int64_t last_trade;
} mk_quote;

/* An index's levels at t, at that day's open and at the previous close
 * (computed once per index per request: the walk is not free). */
typedef struct mk_spots {
  int64_t t, open_t, close_t;
  double S, S_open, S_close;
} mk_spots;
void mk_spots_at(const mk_params *p, int index, int64_t t, mk_spots *sp);

/* The quote of an option at sp->t. */
void mk_option_quote(const mk_params *p, const mk_inst *in,
                     const mk_spots *sp, mk_quote *q);
/* Bad quotes the market can serve for one instrument (market faults
 * crossed_quote, stale_quote, out_of_bounds_quote, stale_last_quote), each
 * built to break one quote-sanity rule g6 checks (math/arbitrage.h):
 *   MK_QF_CROSSED        best bid above best ask, last price sane (crossed);
 *   MK_QF_STALE          the whole quote as it stood when the index was 2 %
 *                        lower, last traded an hour ago: left over from
 *                        before a rally (a put near the money then costs
 *                        more than the put a strike up: vertical; a call
 *                        deep in the money is below its intrinsic value:
 *                        bounds, and near the money it may be too);
 *   MK_QF_OUT_OF_BOUNDS  a fat finger: last, bid and ask 5 % above the
 *                        upper bound (S for a call, K for a put: bounds);
 *   MK_QF_MALFORMED      the quote's volume sent as a JSON string (a field
 *                        of the wrong type in one instrument's quote: g6
 *                        drops that quote alone, malformed_quote);
 *   MK_QF_NO_OI          the quote without its oi, oi_day_high and
 *                        oi_day_low fields (a sound quote whose open
 *                        interest is unknown: g6 keeps the leg, and its
 *                        put/call ratios count it as missing);
 *   MK_QF_STALE_LAST     the live book kept, the last trade three hours
 *                        old at twice the best ask plus a rupee (at half
 *                        the best bid when that would pass the upper
 *                        bound, S for a call, K for a put); a leg without
 *                        a bid gets one a tick under its ask: an illiquid
 *                        leg whose book moved since its last trade
 *                        (stale_last; the IV g6 solves from the last is
 *                        the old trade's);
 *   MK_QF_UNTRADED       not traded today: volume 0 and average_price 0,
 *                        as Kite sends them for a contract without a trade
 *                        in the session (an average of no trades), the
 *                        last trade a day old, the book kept (g6 keeps the
 *                        leg with its average price unknown, not 0);
 *   MK_QF_ISO_TIME       timestamp and last_trade_time in ISO 8601's form
 *                        ("2025-11-21T10:10:00.000+05:30"), prices sound
 *                        (g6 reads the time);
 *   MK_QF_BAD_TIME       timestamp in a form that is no time g6 reads
 *                        ("21/11/2025 10:10"), last_trade_time null,
 *                        prices sound (g6 keeps the prices, the time
 *                        unknown). Both also on an index's quote. */
typedef enum mk_quote_fault {
  MK_QF_NONE = 0,
  MK_QF_CROSSED,
  MK_QF_STALE,
  MK_QF_OUT_OF_BOUNDS,
  MK_QF_MALFORMED,
  MK_QF_NO_OI,
  MK_QF_STALE_LAST,
  MK_QF_UNTRADED,
  MK_QF_ISO_TIME,
  MK_QF_BAD_TIME,
  MK_QF_COUNT
} mk_quote_fault;

/* "crossed_quote", "stale_quote", "out_of_bounds_quote", "malformed_quote",
 * "no_oi_quote", "stale_last_quote", "untraded_quote", "iso_time_quote",
 * "bad_time_quote" (the fault names). */
const char *mk_quote_fault_name(mk_quote_fault f);

/* Replaces q (the instrument's quote at sp->t) with the bad quote of kind f.
 * MK_QF_NONE leaves it as it is. */
void mk_fault_quote(const mk_params *p, const mk_inst *in, const mk_spots *sp,
                    mk_quote_fault f, mk_quote *q);

/* The quote of an index (ltp, ohlc; paise). */
void mk_index_quote(const mk_params *p, int index, const mk_spots *sp,
                    mk_quote *q);
/* The quote of India VIX at t (ltp, ohlc; paise). */
void mk_vix_quote(const mk_params *p, int64_t t, mk_quote *q);

/* Appends paise as a JSON number ("24800", "24800.5", "24800.05"). */
void mk_put_price(g6_buf *b, int64_t paise);

/* ---- faults ------------------------------------------------------------- */

enum { EP_INSTRUMENTS, EP_QUOTE, EP_LTP, EP_OHLC, EP_SESSION, EP_COUNT };
extern const char *const ep_names[EP_COUNT];

typedef enum drift_mode { DRIFT_RENAME, DRIFT_MISSING, DRIFT_TYPE,
                          DRIFT_ENVELOPE } drift_mode;

/* bytes incl. NUL of error_location: room for the very long Location a
 * portal may send (libmicrohttpd's default per-connection pool is 32 KiB) */
#define MK_LOCATION_MAX 8192

#define MK_MESSAGE_MAX 1024 /* bytes incl. NUL of error_message */

/* Count fields: 0 off, N > 0 the next N requests, -1 every request. */
typedef struct ep_faults {
  int latency_ms;
  int stall;
  double stall_s;
  int http5xx;
  int status5xx;
  double rate5xx;   /* probability per request, seeded generator */
  int ratelimit;
  int malformed;
  int truncate;
  int huge;
  long huge_bytes;
  int drift;
  drift_mode drift_mode;
  int auth_fail;
  /* Kite-style error answers: `error` (a count) answers the next N
   * requests with error_status and an error_body (a Kite error_type, or
   * html, text, json or empty for a body that is not Kite's; a 3xx status
   * adds a Location header, error_location);
   * error_every answers every Nth request with it and error_key every
   * request with an i= value containing that text (some /quote batches) */
  int error;
  int error_status;
  char error_body[24];
  /* the Location header of a 3xx error_status (a captive portal's login
   * page); a query may carry what g6 must never print. Any bytes but CR
   * and LF (which would end the header line): relative, garbage, control
   * characters, UTF-8, very long; blanks only send an empty Location; ""
   * sends none */
  char error_location[MK_LOCATION_MAX];
  int error_every;
  unsigned long error_seq; /* requests counted for error_every */
  char error_key[48];
  /* the `message` of a Kite envelope error_body instead of the type's
   * usual one, put into the JSON as it is: the text of a JSON string,
   * escapes included (a message echoing a secret as \u0061...); "" for
   * the usual one */
  char error_message[MK_MESSAGE_MAX];
  /* the Content-Type of the endpoint's own answer (Kite's JSON or CSV as a
   * CDN may mislabel it); "": application/json, text/csv for /instruments */
  char content_type[64];
  int retry_after; /* seconds of Retry-After on 429 answers; 0: none */
} ep_faults;

#define MK_FAULT_SYMBOL_MAX 32 /* bytes incl. NUL of a fault's symbol */

typedef struct market_faults {
  int zero_price_mod;     /* tokens % mod == 0 quote last_price 0 */
  int negative_price_mod; /* ... quote a negative last_price */
  bool empty_names;       /* option rows without `name` (old dumps) */
  char missing_index[MK_NINDEX][16];
  int n_missing;
  char unquoted[MK_NINDEX][16]; /* indices whose options /quote omits (the
                                   instrument list still has them) */
  int n_unquoted;
  struct {
    char index[16];
    int64_t day;
  } removed[16];
  int n_removed;
  bool no_vix;            /* India VIX is absent from every answer */
  mk_move moves[16]; /* listed expiries moved (a holiday) */
  int n_moves;
  struct {
    char symbol[MK_FAULT_SYMBOL_MAX]; /* trading symbol */
    mk_quote_fault kind;
  } bad_quotes[32];
  int n_bad_quotes;
  char wrong_lot[16][MK_FAULT_SYMBOL_MAX]; /* trading symbols the dump lists with twice their
                             index's lot size (one expiry, two lot sizes) */
  int n_wrong_lot;
  unsigned moves_gen; /* bumped when moves change: the listing is rebuilt */
} market_faults;

typedef struct faults {
  ep_faults ep[EP_COUNT];
  market_faults market;
} faults;

void faults_reset(faults *f);
/* Applies a JSON object {"quote": {...}, "all": {...}, "market": {...}}.
 * On error nothing is changed and err names the key. */
g6_status faults_apply_json(faults *f, const g6_json *doc, g6_error *err);
/* Applies "ENDPOINT.NAME=VALUE" (the --fault flag). */
g6_status faults_apply_kv(faults *f, const char *kv, g6_error *err);
void faults_to_json(const faults *f, g6_buf *out);
/* Consumes one use of a count fault: true when it fires. */
bool fault_take(int *count);
bool market_index_missing(const market_faults *m, int index);
/* unquoted_options: /quote omits every option of the index. */
bool market_options_unquoted(const market_faults *m, int index);
bool market_expiry_removed(const market_faults *m, int index, int64_t day);
/* The bad-quote fault of a trading symbol (the last one set wins), or
 * MK_QF_NONE. */
/* The lot size the instruments dump lists for a trading symbol. */
int market_lot_size(const market_faults *m, const char *symbol, int lot);
mk_quote_fault market_quote_fault(const market_faults *m, const char *symbol);

/* ---- server state ------------------------------------------------------- */

#define MAX_TOKENS 64

typedef struct counters {
  uint64_t total;
  uint64_t by_status[600];
  uint64_t instruments_requested; /* i= values over all requests */
  uint64_t max_batch;
} counters;

typedef struct mockd {
  pthread_mutex_t mu;
  mk_params mp;
  mk_listing listing;
  faults f;
  counters cnt[EP_COUNT];
  bool frozen;
  int64_t frozen_epoch;
  char api_key[128], api_secret[128];
  char tokens[MAX_TOKENS][128]; /* accepted access tokens; [0] configured */
  int ntokens;
  uint64_t rng;
  volatile int stopping;
  unsigned fault_gen; /* bumped by resets: ends stalls */
} mockd;

int64_t mockd_now(mockd *m); /* market clock (lock held or not) */

/* Starts the HTTP daemon on addr:port (port 0: any free one, stored in
 * *bound_port); returns an opaque handle, or NULL with *why = the errno of
 * the socket, bind or listen call that failed (EADDRINUSE: the port is
 * taken), -1 when addr is not an IPv4 address, 0 when the HTTP server
 * itself did not start. */
void *server_start(mockd *m, const char *addr, int port, int *bound_port,
                   int *why);
void server_stop(void *daemon);

#endif
