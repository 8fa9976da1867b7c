/* g6 — the option-chain model: ATM, strike ladder, expiry rules, coverage,
 * status, and leg sanitization. Pure functions, no I/O.
 *
 * These are the decisions the old collector made (reference doc §1.5–1.10,
 * §3), with its defects fixed on purpose: ATM uses round-half-to-even like
 * Python's round(); the configured strike depth is honoured exactly (no
 * minimum of 2 per side); past expiry dates are always dropped; coverage is a
 * fraction, not truncated to an int. */
#ifndef G6_CHAIN_H
#define G6_CHAIN_H

#include "core/ist.h"
#include "core/status.h"
#include "math/arbitrage.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Rounds price to the nearest multiple of step, ties to even (24825 -> 24800
 * with step 50, 24875 -> 24900). NAN for non-finite or non-positive input. */
double g6_atm_round(double price, double step);

/* Strike ladder ATM - below*step ... ATM + above*step, ascending, written to
 * out (capacity cap). Returns the number of strikes, or 0 when atm or step is
 * not positive or the ladder does not fit (or would reach a strike <= 0). */
size_t g6_strike_ladder(double atm, double step, int below, int above,
                        double *out, size_t cap);

/* Expiry rules, as configured per index. */
typedef enum g6_expiry_rule {
  G6_EXPIRY_THIS_WEEK,
  G6_EXPIRY_NEXT_WEEK,
  G6_EXPIRY_THIS_MONTH,
  G6_EXPIRY_NEXT_MONTH,
  G6_EXPIRY_DATE, /* a literal YYYY-MM-DD */
} g6_expiry_rule;

#define G6_EXPIRY_TAG_COUNT 4

typedef struct g6_expiry_spec {
  g6_expiry_rule rule;
  g6_date date; /* for G6_EXPIRY_DATE */
} g6_expiry_spec;

/* Parses "this_week" | "next_week" | "this_month" | "next_month" |
 * "YYYY-MM-DD". G6_EPARSE otherwise. */
g6_status g6_expiry_spec_parse(const char *s, g6_expiry_spec *out);

/* The tag of a rule ("this_week"...). For a literal date the tag is derived
 * from the days to expiry like the old platform: <= 7 this_week, <= 14
 * next_week, same calendar month this_month, else next_month. */
const char *g6_expiry_tag(const g6_expiry_spec *spec, int64_t today,
                          g6_date resolved);

/* Bit of a tag in the overview masks: this_week 1, next_week 2, this_month 4,
 * next_month 8; 0 for an unknown tag. */
unsigned g6_expiry_tag_bit(const char *tag);

/* Index (0..3) of a tag; -1 when unknown. */
int g6_expiry_tag_index(const char *tag);
extern const char *const g6_expiry_tags[G6_EXPIRY_TAG_COUNT];

/* What kind of contract an expiry is. An exchange lists a weekly and a
 * monthly series and moves an expiry that falls on a holiday to the
 * previous trading day, sometimes into the previous calendar month (the
 * weekly of Thursday 2025-05-01 was listed for 2025-04-30), so the date
 * alone cannot tell them apart; the trading symbol can. */
typedef enum g6_expiry_kind {
  G6_EXPIRY_KIND_UNKNOWN = 0, /* the symbol has neither shape exactly */
  G6_EXPIRY_WEEKLY,
  G6_EXPIRY_MONTHLY,
} g6_expiry_kind;

/* "weekly", "monthly" or "unknown". */
const char *g6_expiry_kind_name(g6_expiry_kind k);

/* The kind of an option from its Kite trading symbol (NSE/BSE F&O
 * convention, ../shared/data/exchange-calendar.md): after the root (`root`
 * when the symbol starts with it, else the letters before the first digit)
 * and the two-digit year, a monthly contract has the month's three letters
 * (NIFTY25APR24300CE) and a weekly one the month as one character 1-9, O, N,
 * D and the day as two digits of a real date (NIFTY2543024300CE =
 * 2025-04-30); both are followed by the strike as Kite writes it (no leading
 * zero; a fraction of one or two digits without a trailing zero, 832.5),
 * then CE or PE, and nothing else. Anything else is UNKNOWN: a weekly
 * written with the month's letters (NIFTY26DEC0126200CE) has a strike with
 * a leading zero and is not taken for a monthly. root may be NULL. Can't
 * fail. Without the row's strike a weekly written NIFTY26DEC1526200CE still
 * reads as a monthly of strike 1526200: an instrument row is checked with
 * g6_expiry_of_contract. */
g6_expiry_kind g6_expiry_kind_of_symbol(const char *symbol, const char *root);

/* The same, with the expiry the symbol names: for a weekly symbol its date
 * (year 2000 + YY, month, day; NIFTY2543024300CE -> 2025-04-30), for a
 * monthly one its year and month with day 0 (NIFTY25APR24300CE ->
 * 2025-04-00). *out is left alone for UNKNOWN. out may be NULL. The date of
 * a weekly symbol is the contract's real expiry, a holiday move included
 * (exchange-calendar.md); a monthly contract expires inside its month. */
g6_expiry_kind g6_expiry_of_symbol(const char *symbol, const char *root,
                                   g6_date *out);

/* The strike as Kite writes it in a trading symbol, from paise: whole
 * rupees without a fraction (2430000 -> "24300"), else the fraction without
 * trailing zeros (83250 -> "832.5", 8325 -> "83.25"), into out (len bytes,
 * terminated). False when it does not fit. */
bool g6_strike_symbol_text(int64_t paise, char *out, size_t len);

/* The kind of an instrument row's symbol, exactly: as g6_expiry_of_symbol,
 * but what follows the expiry must be the row's strike as Kite writes it
 * (strike_paise 2620000 -> "26200", 83250 -> "832.5") and then the row's
 * option type ("CE" or "PE"), nothing more. So NIFTY26DEC1526200CE of strike
 * 26200 is UNKNOWN, not a monthly of strike 1526200. UNKNOWN for a negative
 * strike or a NULL type. Can't fail. */
g6_expiry_kind g6_expiry_of_contract(const char *symbol, const char *root,
                                     int64_t strike_paise, const char *type,
                                     g6_date *out);

/* Resolves a rule against the listed expiry dates (any order, duplicates
 * fine; dates before `today` are ignored) and their kinds (kinds[i] of
 * listed[i]; NULL: all unknown). Rules: this_week = the earliest listed
 * expiry of any kind; next_week = the second; this_month = the earliest
 * monthly contract; next_month = the second monthly contract (weeklies and
 * contracts of unknown kind never resolve a monthly rule, whatever their
 * date); a literal date must be listed. *out_kind (may be NULL) gets the
 * kind of the resolved expiry. G6_ENOENT (with a message naming the rule and
 * what was listed) when the rule cannot be satisfied. */
g6_status g6_expiry_resolve(const g6_expiry_spec *spec, const g6_date *listed,
                            const g6_expiry_kind *kinds, size_t n,
                            int64_t today, g6_date *out,
                            g6_expiry_kind *out_kind, g6_error *err);

/* Per-expiry and per-index collection status. */
typedef enum g6_chain_status {
  G6_CHAIN_OK = 0,
  G6_CHAIN_PARTIAL = 1,
  G6_CHAIN_EMPTY = 2,
  G6_CHAIN_STALE = 3,
} g6_chain_status;

const char *g6_chain_status_name(g6_chain_status s);

typedef struct g6_status_thresholds {
  double strike_ok; /* strike coverage needed for OK (default 0.75) */
  double field_ok;  /* field coverage needed for OK (default 0.55) */
  double stale_max; /* field coverage at or below which an expiry counts as
                       stale (default 0.0) */
} g6_status_thresholds;

#define G6_STATUS_THRESHOLDS_DEFAULT {0.75, 0.55, 0.0}

/* EMPTY when no leg was collected; OK when both coverages reach their
 * thresholds; PARTIAL otherwise. */
g6_chain_status g6_expiry_status(size_t legs_collected, double strike_cov,
                                 double field_cov,
                                 const g6_status_thresholds *t);

/* Index status from its expiries: STALE when every expiry that collected
 * legs has field coverage <= stale_max (and at least one collected legs);
 * else all EMPTY -> EMPTY; all OK -> OK; otherwise PARTIAL. n == 0 -> EMPTY. */
g6_chain_status g6_index_status(const g6_chain_status *expiry_status,
                                const size_t *legs_collected,
                                const double *field_cov, size_t n,
                                const g6_status_thresholds *t);

/* One quoted leg as the collector sees it before analytics. Fields that the
 * provider did not send are NAN (counts are whole numbers held in doubles,
 * exact up to 2^53). */
typedef struct g6_quote_leg {
  double strike;
  int is_put;    /* 0 = CE, 1 = PE */
  bool quoted;   /* the provider returned a quote for this instrument */
  double last;   /* last traded price */
  double avg;    /* average traded price */
  double bid;    /* best bid (NAN if none) */
  double ask;    /* best ask (NAN if none) */
  double volume;
  double oi;
  g6_status fetch;  /* when not quoted: G6_OK if the provider answered
                       without it, else the failure of the request that
                       should have brought it (a failed /quote batch) */
  bool malformed;   /* when not quoted: the provider sent its quote, with a
                       field of the wrong type or out of range (dropped;
                       market/quote.h) */
} g6_quote_leg;

/* Why a leg was dropped. Tokens are metric label values. */
typedef enum g6_reject_reason {
  G6_REJECT_NONE = 0,
  G6_REJECT_MISSING_QUOTE,     /* listed but the provider sent no quote */
  G6_REJECT_NONPOSITIVE_PRICE, /* last price <= 0 or not finite */
  G6_REJECT_NEGATIVE_FIELD,    /* negative volume, OI or average price */
  G6_REJECT_STRIKE_OUT_OF_BAND,/* strike beyond ATM +- band */
  G6_REJECT_NOT_LISTED,        /* no such contract in the instrument list */
  G6_REJECT_REQUEST_FAILED,    /* its /quote request failed (other batches
                                  of the cycle may have answered) */
  G6_REJECT_MALFORMED_QUOTE,   /* its quote came with a field of the wrong
                                  type or out of range (the other quotes of
                                  the answer are kept) */
  G6_REJECT_REASON_COUNT
} g6_reject_reason;

const char *g6_reject_reason_name(g6_reject_reason r);

/* Whether a leg dropped for r is a contract at all: false for not_listed (no
 * such contract) and strike_out_of_band (one StrikeBand excludes), which are
 * in no put/call ratio and so never missing from one; true for every other
 * reason (the contract exists, its data did not come) and for none. Both
 * PCR missing-legs counts (g6_chain's, g6_analytics') use it. */
bool g6_reject_leg_exists(g6_reject_reason r);

/* Decides whether a leg is kept. band is the allowed relative distance of
 * the strike from the ATM (0.4 keeps ATM +- 40 %). Never alters the leg. */
g6_reject_reason g6_leg_check(const g6_quote_leg *leg, double atm,
                              double band);

/* A kept leg counts towards field coverage when volume, OI and average price
 * are all positive (the old platform's definition). */
bool g6_leg_has_fields(const g6_quote_leg *leg);


/* ---- an index's chain: configuration and one cycle's result ------------ */

/* The price tick of NSE and BSE index options: every quote is a multiple of
 * it (the tick_size column of Kite's instruments list, 0.05 on every
 * NFO-OPT and BFO-OPT row of the recorded samples). The IV solve takes it
 * as the quotes' resolution (math/iv.h g6_iv_opts.price_tick). */
#define G6_INDEX_OPTION_TICK 0.05

#define G6_MAX_EXPIRIES 8
#define G6_MAX_STRIKES_PER_SIDE 500
#define G6_INDEX_NAME_MAX 32
#define G6_KEY_MAX 64 /* "EXCH:TRADINGSYMBOL" */

/* One index as configured: what to collect and how. */
typedef struct g6_index_config {
  char name[G6_INDEX_NAME_MAX]; /* NIFTY */
  char underlying[G6_KEY_MAX];  /* NSE:NIFTY 50 */
  char segment[16];             /* NFO-OPT */
  char vix[G6_KEY_MAX];         /* volatility index quoted with the
                                   underlying (NSE:INDIA VIX); "" for none */
  double step;                  /* strike step, points */
  int below, above;             /* strikes below / above ATM */
  g6_expiry_spec expiries[G6_MAX_EXPIRIES];
  size_t n_expiries;
} g6_index_config;

/* Whether s can name an index: 1-31 letters, digits, '_' or '-' (it names
 * directories and metric labels). */
bool g6_index_name_valid(const char *s);

/* Fills underlying, segment and step of the indices g6 knows (NIFTY,
 * BANKNIFTY, FINNIFTY, MIDCPNIFTY, SENSEX; reference §1.4) from ix->name.
 * Returns false, changing nothing, for another name. */
bool g6_index_known_defaults(g6_index_config *ix);

/* The known index (as g6_index_known_defaults) whose name equals `name`
 * but for letter case ("nifty" -> "NIFTY"), for a hint in an error: index
 * names are case-sensitive (they are the `name` column of Kite's
 * instrument list). NULL when there is none, or when `name` is itself a
 * known name. */
const char *g6_index_known_other_case(const char *name);

/* One leg after the cycle. Greeks are NAN when IV was not solved. */
typedef struct g6_chain_leg {
  g6_quote_leg q;
  char key[G6_KEY_MAX];      /* empty when not listed */
  g6_reject_reason reject;   /* G6_REJECT_NONE when kept */
  g6_status iv_status;       /* G6_OK, or why IV is missing */
  double iv, delta, gamma, theta, vega, rho;
  g6_arb_rule arb;           /* the first no-arbitrage rule the leg breaks
                                (collector/quote_checks.h); G6_ARB_NONE */
  /* The same contract earlier in the session (NAN when unknown): OI at the
   * session's first cycle that collected it, last price and OI at the
   * previous cycle of the session that collected it. */
  double oi_open, last_prev, oi_prev;
} g6_chain_leg;

/* One expiry of a cycle: the resolved date, coverage, status and legs. */
typedef struct g6_expiry_result {
  const char *tag;           /* this_week ... */
  g6_expiry_spec spec;
  bool resolved;
  g6_status resolve_status;  /* why it did not resolve */
  g6_date date;
  g6_expiry_kind kind;       /* weekly or monthly (from the symbols) */
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
  size_t pcr_missing_oi;     /* legs requested whose OI is not in pcr_oi:
                                not kept (every reject reason but
                                not_listed and strike_out_of_band: no such
                                contract, or one StrikeBand excludes) or
                                kept without an OI; 0: the ratio covers
                                them all */
  size_t pcr_missing_volume; /* the same for pcr_volume */
  size_t rejects[G6_REJECT_REASON_COUNT];
  size_t iv_ok;
  size_t iv_failures[G6_STATUS_COUNT]; /* by g6_status of the failure */
  /* quote sanity (collector/quote_checks.h) over the kept legs */
  g6_parity_fit parity;      /* forward and discount implied by put-call
                                parity; forward NAN when not fitted */
  size_t arb_checked;        /* kept legs with a price the checks used */
  size_t arb_flagged;        /* of those, legs flagged by some rule */
  size_t arb_stale_last;     /* of those, legs whose flag is stale_last (a
                                last older than the book: freshness, not an
                                arbitrage) */
  size_t arb_violations[G6_ARB_RULE_COUNT]; /* by rule (a pair or a
                                triple counts once) */
  double lot_size;           /* units of the underlying per contract, from
                                the instrument list; NAN when unknown */
  double straddle_open;      /* ATM straddle (math/desk.h) at the session's
                                first cycle that priced it; NAN until then */
  g6_chain_leg *legs;        /* 2*i = CE, 2*i+1 = PE of strike i */
  /* Another rule of the cycle resolved to a different contract with the
   * same tag, and owns the tag's CSV directory (a tag rule before a date
   * rule, of two date rules the first listed): this expiry's rows are not
   * written to CSV (counted in csv_rows_withheld, shown in the overview's
   * missing_mask); the snapshot and the metrics keep it. */
  bool csv_withheld;
  size_t tag_owner;          /* index of the owning expiry when withheld */
  size_t csv_rows_withheld;  /* rows not written this cycle */
} g6_expiry_result;

#endif
