#include "market/chain.h"

#include <ctype.h>
#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

double g6_atm_round(double price, double step) {
  if (!isfinite(price) || !isfinite(step) || !(price > 0) || !(step > 0))
    return NAN;
  /* nearbyint honours the rounding mode; collectd never changes it, but a
   * plugin must not depend on that. */
  int saved = fegetround();
  if (saved != FE_TONEAREST)
    fesetround(FE_TONEAREST);
  double q = nearbyint(price / step);
  if (saved != FE_TONEAREST)
    fesetround(saved);
  return q * step;
}

size_t g6_strike_ladder(double atm, double step, int below, int above,
                        double *out, size_t cap) {
  if (!(atm > 0) || !(step > 0) || below < 0 || above < 0 || !isfinite(atm))
    return 0;
  size_t n = (size_t)below + (size_t)above + 1;
  if (n > cap)
    return 0;
  if (atm - (double)below * step <= 0)
    return 0;
  size_t k = 0;
  for (int i = below; i >= 1; i--)
    out[k++] = atm - (double)i * step;
  out[k++] = atm;
  for (int i = 1; i <= above; i++)
    out[k++] = atm + (double)i * step;
  return k;
}

const char *const g6_expiry_tags[G6_EXPIRY_TAG_COUNT] = {
    "this_week", "next_week", "this_month", "next_month"};

g6_status g6_expiry_spec_parse(const char *s, g6_expiry_spec *out) {
  for (int i = 0; i < G6_EXPIRY_TAG_COUNT; i++) {
    if (strcmp(s, g6_expiry_tags[i]) == 0) {
      out->rule = (g6_expiry_rule)i;
      out->date = (g6_date){0, 0, 0};
      return G6_OK;
    }
  }
  g6_date d;
  if (g6_date_parse(s, &d) != G6_OK)
    return G6_EPARSE;
  out->rule = G6_EXPIRY_DATE;
  out->date = d;
  return G6_OK;
}

const char *g6_expiry_tag(const g6_expiry_spec *spec, int64_t today,
                          g6_date resolved) {
  if (spec->rule != G6_EXPIRY_DATE)
    return g6_expiry_tags[spec->rule];
  int64_t days =
      g6_days_from_civil(resolved.year, resolved.month, resolved.day) - today;
  if (days <= 7)
    return "this_week";
  if (days <= 14)
    return "next_week";
  g6_date t = g6_civil_from_days(today);
  if (t.year == resolved.year && t.month == resolved.month)
    return "this_month";
  return "next_month";
}

int g6_expiry_tag_index(const char *tag) {
  for (int i = 0; i < G6_EXPIRY_TAG_COUNT; i++)
    if (strcmp(tag, g6_expiry_tags[i]) == 0)
      return i;
  return -1;
}

unsigned g6_expiry_tag_bit(const char *tag) {
  int i = g6_expiry_tag_index(tag);
  return i < 0 ? 0u : 1u << i;
}

const char *g6_expiry_kind_name(g6_expiry_kind k) {
  switch (k) {
  case G6_EXPIRY_WEEKLY:
    return "weekly";
  case G6_EXPIRY_MONTHLY:
    return "monthly";
  case G6_EXPIRY_KIND_UNKNOWN:
    break;
  }
  return "unknown";
}

bool g6_strike_symbol_text(int64_t paise, char *out, size_t len) {
  long long r = (long long)(paise / 100), f = (long long)(paise % 100);
  int k = f == 0        ? snprintf(out, len, "%lld", r)
          : f % 10 == 0 ? snprintf(out, len, "%lld.%lld", r, f / 10)
                        : snprintf(out, len, "%lld.%02lld", r, f);
  return k > 0 && (size_t)k < len;
}

/* Length of a strike written the way Kite writes one (no leading zero, an
 * optional fraction of one or two digits without a trailing zero) at p; 0
 * when there is none. */
static size_t strike_shape(const char *p) {
  size_t n = 0;
  while (isdigit((unsigned char)p[n]))
    n++;
  if (n == 0 || (p[0] == '0' && n > 1))
    return 0;
  if (p[n] != '.')
    return n;
  size_t f = 0;
  while (isdigit((unsigned char)p[n + 1 + f]))
    f++;
  if (f == 0 || f > 2 || p[n + f] == '0')
    return 0;
  return n + 1 + f;
}

/* The expiry part of a symbol after its root: "YYMON" (monthly) or
 * "YYMDD" (weekly, a real date); *rest is what follows. */
static g6_expiry_kind expiry_part(const char *p, g6_date *d,
                                  const char **rest) {
  static const char months[] = "JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC";
  if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
    return G6_EXPIRY_KIND_UNKNOWN;
  int year = 2000 + (p[0] - '0') * 10 + (p[1] - '0');
  p += 2;
  if (isupper((unsigned char)p[0]) && isupper((unsigned char)p[1]) &&
      isupper((unsigned char)p[2])) {
    for (int m = 0; m < 12; m++)
      if (strncmp(p, months + 3 * m, 3) == 0) {
        *d = (g6_date){year, m + 1, 0};
        *rest = p + 3;
        return G6_EXPIRY_MONTHLY;
      }
    return G6_EXPIRY_KIND_UNKNOWN;
  }
  int month = p[0] >= '1' && p[0] <= '9' ? p[0] - '0'
              : p[0] == 'O'              ? 10
              : p[0] == 'N'              ? 11
              : p[0] == 'D'              ? 12
                                         : 0;
  if (month == 0 || !isdigit((unsigned char)p[1]) ||
      !isdigit((unsigned char)p[2]))
    return G6_EXPIRY_KIND_UNKNOWN;
  int dd = (p[1] - '0') * 10 + (p[2] - '0');
  g6_date back = g6_civil_from_days(g6_days_from_civil(year, month, dd));
  if (dd < 1 || back.month != month || back.day != dd)
    return G6_EXPIRY_KIND_UNKNOWN; /* day 00, 32, 30 February */
  *d = (g6_date){year, month, dd};
  *rest = p + 3;
  return G6_EXPIRY_WEEKLY;
}

/* The shared parser: strike_paise < 0 and type NULL accept any strike in
 * Kite's writing and CE or PE. */
static g6_expiry_kind parse_symbol(const char *symbol, const char *root,
                                   int64_t strike_paise, const char *type,
                                   g6_date *out) {
  const char *p = symbol;
  size_t rl = root ? strlen(root) : 0;
  if (rl > 0 && strncmp(symbol, root, rl) == 0)
    p = symbol + rl;
  else
    while (*p != '\0' && !isdigit((unsigned char)*p))
      p++;
  if (p == symbol)
    return G6_EXPIRY_KIND_UNKNOWN;
  g6_date d;
  const char *rest = NULL;
  g6_expiry_kind k = expiry_part(p, &d, &rest);
  if (k == G6_EXPIRY_KIND_UNKNOWN)
    return k;
  size_t sl;
  if (strike_paise >= 0) {
    char want[32];
    if (!g6_strike_symbol_text(strike_paise, want, sizeof(want)))
      return G6_EXPIRY_KIND_UNKNOWN;
    sl = strlen(want);
    if (strncmp(rest, want, sl) != 0)
      return G6_EXPIRY_KIND_UNKNOWN;
  } else if ((sl = strike_shape(rest)) == 0) {
    return G6_EXPIRY_KIND_UNKNOWN;
  }
  rest += sl;
  if (type != NULL ? strcmp(rest, type) != 0
                   : strcmp(rest, "CE") != 0 && strcmp(rest, "PE") != 0)
    return G6_EXPIRY_KIND_UNKNOWN;
  if (out)
    *out = d;
  return k;
}

g6_expiry_kind g6_expiry_of_symbol(const char *symbol, const char *root,
                                   g6_date *out) {
  return parse_symbol(symbol, root, -1, NULL, out);
}

g6_expiry_kind g6_expiry_of_contract(const char *symbol, const char *root,
                                     int64_t strike_paise, const char *type,
                                     g6_date *out) {
  if (strike_paise < 0 || type == NULL)
    return G6_EXPIRY_KIND_UNKNOWN;
  return parse_symbol(symbol, root, strike_paise, type, out);
}

g6_expiry_kind g6_expiry_kind_of_symbol(const char *symbol, const char *root) {
  return g6_expiry_of_symbol(symbol, root, NULL);
}

typedef struct dated_kind {
  int64_t day;
  g6_expiry_kind kind;
} dated_kind;

static int cmp_dated(const void *a, const void *b) {
  int64_t x = ((const dated_kind *)a)->day, y = ((const dated_kind *)b)->day;
  return (x > y) - (x < y);
}

g6_status g6_expiry_resolve(const g6_expiry_spec *spec, const g6_date *listed,
                            const g6_expiry_kind *kinds, size_t n,
                            int64_t today, g6_date *out,
                            g6_expiry_kind *out_kind, g6_error *err) {
  const char *name = spec->rule == G6_EXPIRY_DATE ? "date"
                                                  : g6_expiry_tags[spec->rule];
  dated_kind *days = malloc((n ? n : 1) * sizeof(*days));
  if (days == NULL)
    return g6_error_set(err, G6_ENOMEM, "out of memory");
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    int64_t d = g6_days_from_civil(listed[i].year, listed[i].month,
                                   listed[i].day);
    if (d >= today)
      days[k++] = (dated_kind){d, kinds ? kinds[i] : G6_EXPIRY_KIND_UNKNOWN};
  }
  qsort(days, k, sizeof(*days), cmp_dated);
  size_t u = 0, monthlies = 0;
  for (size_t i = 0; i < k; i++) {
    if (u > 0 && days[u - 1].day == days[i].day) {
      if (days[u - 1].kind == G6_EXPIRY_KIND_UNKNOWN) /* a duplicate knows */
        days[u - 1].kind = days[i].kind;
      continue;
    }
    days[u++] = days[i];
  }
  long pick = -1;
  switch (spec->rule) {
  case G6_EXPIRY_THIS_WEEK:
    if (u >= 1)
      pick = 0;
    break;
  case G6_EXPIRY_NEXT_WEEK:
    if (u >= 2)
      pick = 1;
    break;
  case G6_EXPIRY_THIS_MONTH:
  case G6_EXPIRY_NEXT_MONTH: {
    size_t want = spec->rule == G6_EXPIRY_THIS_MONTH ? 0 : 1;
    for (size_t i = 0; i < u && pick < 0; i++)
      if (days[i].kind == G6_EXPIRY_MONTHLY && monthlies++ == want)
        pick = (long)i;
    break;
  }
  case G6_EXPIRY_DATE: {
    int64_t want = g6_days_from_civil(spec->date.year, spec->date.month,
                                      spec->date.day);
    for (size_t i = 0; i < u; i++)
      if (days[i].day == want)
        pick = (long)i;
    break;
  }
  }
  g6_status st = G6_OK;
  if (pick < 0) {
    char first[11] = "-", last[11] = "-", lit[11] = "", why[64] = "";
    if (u > 0) {
      g6_date_format(g6_civil_from_days(days[0].day), first);
      g6_date_format(g6_civil_from_days(days[u - 1].day), last);
    }
    if (spec->rule == G6_EXPIRY_DATE)
      g6_date_format(spec->date, lit);
    if (spec->rule == G6_EXPIRY_THIS_MONTH ||
        spec->rule == G6_EXPIRY_NEXT_MONTH)
      snprintf(why, sizeof(why), ", %zu of them monthly", monthlies);
    st = g6_error_set(err, G6_ENOENT,
                      "expiry rule %s%s%s cannot be resolved: %zu future "
                      "expiries listed (%s .. %s)%s",
                      name, lit[0] ? " " : "", lit, u, first, last, why);
  } else {
    *out = g6_civil_from_days(days[pick].day);
    if (out_kind != NULL)
      *out_kind = days[pick].kind;
  }
  free(days);
  return st;
}

const char *g6_chain_status_name(g6_chain_status s) {
  switch (s) {
  case G6_CHAIN_OK:
    return "OK";
  case G6_CHAIN_PARTIAL:
    return "PARTIAL";
  case G6_CHAIN_EMPTY:
    return "EMPTY";
  case G6_CHAIN_STALE:
    return "STALE";
  }
  return "UNKNOWN";
}

g6_chain_status g6_expiry_status(size_t legs_collected, double strike_cov,
                                 double field_cov,
                                 const g6_status_thresholds *t) {
  if (legs_collected == 0)
    return G6_CHAIN_EMPTY;
  if (strike_cov >= t->strike_ok && field_cov >= t->field_ok)
    return G6_CHAIN_OK;
  return G6_CHAIN_PARTIAL;
}

g6_chain_status g6_index_status(const g6_chain_status *st,
                                const size_t *legs_collected,
                                const double *field_cov, size_t n,
                                const g6_status_thresholds *t) {
  if (n == 0)
    return G6_CHAIN_EMPTY;
  size_t empty = 0, ok = 0, with_legs = 0, stale = 0;
  for (size_t i = 0; i < n; i++) {
    if (st[i] == G6_CHAIN_EMPTY)
      empty++;
    if (st[i] == G6_CHAIN_OK)
      ok++;
    if (legs_collected[i] > 0) {
      with_legs++;
      if (field_cov[i] <= t->stale_max)
        stale++;
    }
  }
  if (with_legs > 0 && stale == with_legs)
    return G6_CHAIN_STALE;
  if (empty == n)
    return G6_CHAIN_EMPTY;
  if (ok == n)
    return G6_CHAIN_OK;
  return G6_CHAIN_PARTIAL;
}

const char *g6_reject_reason_name(g6_reject_reason r) {
  switch (r) {
  case G6_REJECT_NONE:
    return "none";
  case G6_REJECT_MISSING_QUOTE:
    return "missing_quote";
  case G6_REJECT_NONPOSITIVE_PRICE:
    return "nonpositive_price";
  case G6_REJECT_NEGATIVE_FIELD:
    return "negative_field";
  case G6_REJECT_STRIKE_OUT_OF_BAND:
    return "strike_out_of_band";
  case G6_REJECT_NOT_LISTED:
    return "not_listed";
  case G6_REJECT_REQUEST_FAILED:
    return "request_failed";
  case G6_REJECT_MALFORMED_QUOTE:
    return "malformed_quote";
  case G6_REJECT_REASON_COUNT:
    break;
  }
  return "unknown";
}

bool g6_reject_leg_exists(g6_reject_reason r) {
  return r != G6_REJECT_NOT_LISTED && r != G6_REJECT_STRIKE_OUT_OF_BAND;
}

g6_reject_reason g6_leg_check(const g6_quote_leg *leg, double atm,
                              double band) {
  if (!leg->quoted)
    return leg->malformed         ? G6_REJECT_MALFORMED_QUOTE
           : leg->fetch != G6_OK ? G6_REJECT_REQUEST_FAILED
                                 : G6_REJECT_MISSING_QUOTE;
  if (!isfinite(leg->last) || leg->last <= 0)
    return G6_REJECT_NONPOSITIVE_PRICE;
  if (leg->volume < 0 || leg->oi < 0 || leg->avg < 0) /* NAN compares false */
    return G6_REJECT_NEGATIVE_FIELD;
  if (atm > 0 && band > 0 && fabs(leg->strike - atm) > band * atm)
    return G6_REJECT_STRIKE_OUT_OF_BAND;
  return G6_REJECT_NONE;
}

bool g6_leg_has_fields(const g6_quote_leg *leg) {
  return leg->volume > 0 && leg->oi > 0 && leg->avg > 0;
}

bool g6_index_name_valid(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n >= G6_INDEX_NAME_MAX)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
      return false;
  return true;
}

/* Defaults of the indices the old platform knew (reference §1.4). */
static const struct {
  const char *name, *underlying, *segment;
  double step;
} known_indices[] = {
    {"NIFTY", "NSE:NIFTY 50", "NFO-OPT", 50},
    {"BANKNIFTY", "NSE:NIFTY BANK", "NFO-OPT", 100},
    {"FINNIFTY", "NSE:NIFTY FIN SERVICE", "NFO-OPT", 50},
    {"MIDCPNIFTY", "NSE:NIFTY MIDCAP SELECT", "NFO-OPT", 50},
    {"SENSEX", "BSE:SENSEX", "BFO-OPT", 100},
};

const char *g6_index_known_other_case(const char *name) {
  for (size_t i = 0; i < sizeof(known_indices) / sizeof(known_indices[0]);
       i++)
    if (strcasecmp(known_indices[i].name, name) == 0)
      return strcmp(known_indices[i].name, name) == 0 ? NULL
                                                      : known_indices[i].name;
  return NULL;
}

bool g6_index_known_defaults(g6_index_config *ix) {
  for (size_t i = 0; i < sizeof(known_indices) / sizeof(known_indices[0]);
       i++) {
    if (strcmp(known_indices[i].name, ix->name) == 0) {
      snprintf(ix->underlying, sizeof(ix->underlying), "%s",
               known_indices[i].underlying);
      snprintf(ix->segment, sizeof(ix->segment), "%s",
               known_indices[i].segment);
      ix->step = known_indices[i].step;
      return true;
    }
  }
  return false;
}
