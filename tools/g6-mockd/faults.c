/* Fault state: per endpoint (latency, stalls, 5xx, 429 with Retry-After,
 * Kite error types and foreign error bodies for some or all requests,
 * malformed, truncated, huge, schema drift, auth failure) and for the market
 * (bad prices, a missing index, removed and moved expiries, crossed, stale
 * and out-of-bounds quotes of chosen instruments). Count faults fire for the next
 * N requests of their endpoint (-1: every request), so tests are
 * deterministic. Set from --fault flags and POST /admin/faults. */
#include "mockd.h"

#include "core/ist.h"
#include "core/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ep_names[EP_COUNT] = {"instruments", "quote", "ltp", "ohlc",
                                        "session"};

static const char *const drift_names[] = {"rename", "missing", "type",
                                          "envelope"};

void faults_reset(faults *f) {
  unsigned gen = f->market.moves_gen;
  memset(f, 0, sizeof(*f));
  f->market.moves_gen = gen + 1; /* the listing drops every move */
  for (int e = 0; e < EP_COUNT; e++) {
    f->ep[e].status5xx = 503;
    f->ep[e].stall_s = 30;
    f->ep[e].huge_bytes = 64L << 20;
    f->ep[e].error_status = 400;
    snprintf(f->ep[e].error_body, sizeof(f->ep[e].error_body),
             "GeneralException");
    snprintf(f->ep[e].error_location, sizeof(f->ep[e].error_location),
             "http://portal.invalid/login?continue=https%%3A%%2F%%2Fapi.kite."
             "trade%%2F");
  }
}

bool fault_take(int *count) {
  if (*count == 0)
    return false;
  if (*count > 0)
    (*count)--;
  return true;
}

bool market_index_missing(const market_faults *m, int index) {
  for (int i = 0; i < m->n_missing; i++)
    if (strcmp(m->missing_index[i], mk_indices[index].name) == 0)
      return true;
  return false;
}

bool market_options_unquoted(const market_faults *m, int index) {
  for (int i = 0; i < m->n_unquoted; i++)
    if (strcmp(m->unquoted[i], mk_indices[index].name) == 0)
      return true;
  return false;
}

bool market_expiry_removed(const market_faults *m, int index, int64_t day) {
  for (int i = 0; i < m->n_removed; i++)
    if (m->removed[i].day == day &&
        strcmp(m->removed[i].index, mk_indices[index].name) == 0)
      return true;
  return false;
}

int market_lot_size(const market_faults *m, const char *symbol, int lot) {
  for (int i = 0; i < m->n_wrong_lot; i++)
    if (strcmp(m->wrong_lot[i], symbol) == 0)
      return 2 * lot;
  return lot;
}

mk_quote_fault market_quote_fault(const market_faults *m, const char *symbol) {
  for (int i = m->n_bad_quotes - 1; i >= 0; i--)
    if (strcmp(m->bad_quotes[i].symbol, symbol) == 0)
      return m->bad_quotes[i].kind;
  return MK_QF_NONE;
}

/* The trading symbol of a fault's value: "EXCH:SYMBOL" (a quote key, as
 * g6's snapshots name legs) or the symbol alone, at most 31 characters;
 * NULL (err says why, naming the fault) otherwise. */
static const char *fault_symbol(const char *fault, const char *val,
                                g6_error *err) {
  const char *colon = strchr(val, ':');
  const char *sym = colon ? colon + 1 : val;
  size_t n = strlen(sym);
  if (n > 0 && n < MK_FAULT_SYMBOL_MAX && strchr(sym, ':') == NULL)
    return sym;
  g6_error_set(err, G6_EINVAL,
               "fault %s: \"%s\" is not a trading symbol or an EXCH:SYMBOL "
               "quote key of at most 31 characters",
               fault, val);
  return NULL;
}

/* A bad-quote fault on one instrument (fault_symbol). */
static g6_status set_bad_quote(market_faults *m, mk_quote_fault kind,
                               const char *val, g6_error *err) {
  const char *sym = fault_symbol(mk_quote_fault_name(kind), val, err);
  if (sym == NULL)
    return G6_EINVAL;
  if (m->n_bad_quotes == 32)
    return g6_error_set(err, G6_EINVAL,
                        "fault %s: at most 32 bad quotes (reset the faults)",
                        mk_quote_fault_name(kind));
  snprintf(m->bad_quotes[m->n_bad_quotes].symbol,
           sizeof(m->bad_quotes[0].symbol), "%s", sym);
  m->bad_quotes[m->n_bad_quotes++].kind = kind;
  return G6_OK;
}

/* One setting from text (flags) or JSON (admin): `val` is the text form. */
static g6_status set_ep(ep_faults *e, const char *name, const char *val,
                        g6_error *err) {
  char *end;
  double d = strtod(val, &end);
  bool num = *val != '\0' && *end == '\0' && isfinite(d);
  int *count = NULL;
  if (strcmp(name, "latency_ms") == 0) {
    if (!num || d < 0 || d > 600000)
      goto bad;
    e->latency_ms = (int)d;
    return G6_OK;
  }
  if (strcmp(name, "stall_s") == 0) {
    if (!num || d < 0 || d > 3600)
      goto bad;
    e->stall_s = d;
    return G6_OK;
  }
  if (strcmp(name, "status5xx") == 0) {
    if (!num || d < 500 || d > 599)
      goto bad;
    e->status5xx = (int)d;
    return G6_OK;
  }
  if (strcmp(name, "rate5xx") == 0) {
    if (!num || d < 0 || d > 1)
      goto bad;
    e->rate5xx = d;
    return G6_OK;
  }
  if (strcmp(name, "huge_bytes") == 0) {
    if (!num || d < 1 || d > 4e9)
      goto bad;
    e->huge_bytes = (long)d;
    return G6_OK;
  }
  if (strcmp(name, "error_status") == 0) {
    /* 200: a captive portal or proxy login page that answers "OK"; 3xx:
     * one that sends g6 to its login page (error_location) */
    if (!num || (d != 200 && (d < 300 || d > 399) && (d < 400 || d > 599)) ||
        d != floor(d))
      goto bad;
    e->error_status = (int)d;
    return G6_OK;
  }
  if (strcmp(name, "error_every") == 0) {
    if (!num || d < 0 || d > 1e6 || d != floor(d))
      goto bad;
    e->error_every = (int)d;
    e->error_seq = 0;
    return G6_OK;
  }
  if (strcmp(name, "retry_after") == 0) {
    if (!num || d < 0 || d > 3600 || d != floor(d))
      goto bad;
    e->retry_after = (int)d;
    return G6_OK;
  }
  if (strcmp(name, "error_body") == 0) {
    static const char *const bodies[] = {
        "TokenException",   "PermissionException", "InputException",
        "NetworkException", "DataException",       "GeneralException",
        "html",             "text",                "json",
        "empty"};
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
      if (strcmp(val, bodies[i]) == 0) {
        snprintf(e->error_body, sizeof(e->error_body), "%s", val);
        return G6_OK;
      }
    return g6_error_set(err, G6_EINVAL,
                        "fault error_body: bad value \"%s\"; allowed: "
                        "TokenException, PermissionException, InputException, "
                        "NetworkException, DataException, GeneralException, "
                        "html, text, json, empty",
                        val);
  }
  if (strcmp(name, "error_key") == 0) {
    if (strlen(val) >= sizeof(e->error_key))
      goto bad;
    snprintf(e->error_key, sizeof(e->error_key), "%s", val);
    return G6_OK;
  }
  if (strcmp(name, "error_message") == 0) {
    /* the text of a JSON string, as it goes into the envelope: printable
     * ASCII whose quotes and backslashes are escapes that read */
    bool ok = strlen(val) < sizeof(e->error_message);
    for (const char *q = val; ok && *q; q++)
      ok = *q >= 0x20 && *q < 0x7f;
    g6_buf j = G6_BUF_INIT;
    g6_json *doc = NULL;
    g6_error jerr;
    if (ok) {
      g6_buf_printf(&j, "\"%s\"", val);
      ok = j.data != NULL &&
           g6_json_parse(j.data, j.len, &doc, &jerr) == G6_OK &&
           g6_json_type_of(doc) == G6_JSON_STRING;
    }
    g6_json_free(doc);
    g6_buf_free(&j);
    if (!ok)
      return g6_error_set(err, G6_EINVAL,
                          "fault error_message: \"%.64s\" is not allowed; "
                          "allowed: up to %d bytes of printable ASCII that "
                          "read as the text of a JSON string (escapes such "
                          "as \\u0061 and \\\" included)",
                          val, MK_MESSAGE_MAX - 1);
    snprintf(e->error_message, sizeof(e->error_message), "%s", val);
    return G6_OK;
  }
  if (strcmp(name, "error_location") == 0) {
    /* whatever a portal may put in a header value, the odd ones included
     * (escaped in the JSON of GET /admin/faults); "" for no Location */
    if (strlen(val) >= sizeof(e->error_location))
      return g6_error_set(err, G6_EINVAL,
                          "fault error_location: longer than the %d bytes "
                          "allowed",
                          MK_LOCATION_MAX - 1);
    if (strpbrk(val, "\r\n") != NULL)
      return g6_error_set(err, G6_EINVAL,
                          "fault error_location: a CR or LF would end the "
                          "header line (libmicrohttpd refuses it); allowed: "
                          "any other bytes (an empty value for no Location)");
    snprintf(e->error_location, sizeof(e->error_location), "%s", val);
    return G6_OK;
  }
  if (strcmp(name, "content_type") == 0) {
    /* a header value: printable, and plain in the JSON of GET /admin/faults */
    if (strlen(val) >= sizeof(e->content_type))
      goto bad;
    for (const char *q = val; *q; q++)
      if (*q < 0x20 || *q > 0x7e || *q == '"' || *q == '\\')
        goto bad;
    snprintf(e->content_type, sizeof(e->content_type), "%s", val);
    return G6_OK;
  }
  if (strcmp(name, "drift_mode") == 0) {
    for (int i = 0; i < 4; i++)
      if (strcmp(val, drift_names[i]) == 0) {
        e->drift_mode = (drift_mode)i;
        return G6_OK;
      }
    goto bad;
  }
  if (strcmp(name, "stall") == 0) count = &e->stall;
  else if (strcmp(name, "http5xx") == 0) count = &e->http5xx;
  else if (strcmp(name, "ratelimit") == 0) count = &e->ratelimit;
  else if (strcmp(name, "malformed") == 0) count = &e->malformed;
  else if (strcmp(name, "truncate") == 0) count = &e->truncate;
  else if (strcmp(name, "huge") == 0) count = &e->huge;
  else if (strcmp(name, "drift") == 0) count = &e->drift;
  else if (strcmp(name, "auth_fail") == 0) count = &e->auth_fail;
  else if (strcmp(name, "error") == 0) count = &e->error;
  else
    return g6_error_set(err, G6_EINVAL,
                        "unknown fault \"%s\"; known: latency_ms, stall, "
                        "stall_s, http5xx, status5xx, rate5xx, ratelimit, "
                        "retry_after, malformed, truncate, huge, huge_bytes, "
                        "drift, drift_mode (rename|missing|type|envelope), "
                        "auth_fail, error, error_status, error_body, "
                        "error_location, error_message, error_every, "
                        "error_key, "
                        "content_type",
                        name);
  if (strcmp(val, "true") == 0 || strcmp(val, "always") == 0)
    d = -1, num = true;
  else if (strcmp(val, "false") == 0)
    d = 0, num = true;
  if (!num || d < -1 || d > 1e9 || d != floor(d))
    goto bad;
  *count = (int)d;
  return G6_OK;
bad:
  return g6_error_set(err, G6_EINVAL, "fault %s: bad value \"%s\"", name, val);
}

static int index_by_name(const char *name) {
  for (int i = 0; i < MK_NINDEX; i++)
    if (strcmp(mk_indices[i].name, name) == 0)
      return i;
  return -1;
}

/* INDEX:YYYY-MM-DD moves that listed expiry to the previous weekday (the
 * exchange's rule for an expiry on a holiday); INDEX:FROM:TO to TO. */
static g6_status set_move(market_faults *m, const char *val, g6_error *err) {
  char ix[16], from[11], to[11] = "";
  const char *c1 = strchr(val, ':');
  const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
  size_t fl = c1 ? (c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1)) : 0;
  g6_date f, t;
  if (c1 == NULL || (size_t)(c1 - val) >= sizeof(ix) || fl != 10 ||
      (c2 && strlen(c2 + 1) != 10))
    goto bad;
  memcpy(ix, val, (size_t)(c1 - val));
  ix[c1 - val] = '\0';
  memcpy(from, c1 + 1, 10);
  from[10] = '\0';
  if (c2)
    memcpy(to, c2 + 1, 11);
  int index = index_by_name(ix);
  if (index < 0 || g6_date_parse(from, &f) != G6_OK ||
      (c2 && g6_date_parse(to, &t) != G6_OK))
    goto bad;
  int64_t fd = g6_days_from_civil(f.year, f.month, f.day), td = fd - 1;
  if (c2)
    td = g6_days_from_civil(t.year, t.month, t.day);
  else
    while (g6_weekday(td) >= 5)
      td--;
  if (m->n_moves < 16) {
    m->moves[m->n_moves++] = (mk_move){index, fd, td};
    m->moves_gen++;
  }
  return G6_OK;
bad:
  return g6_error_set(err, G6_EINVAL,
                      "fault move_expiry: \"%s\" is not INDEX:YYYY-MM-DD or "
                      "INDEX:YYYY-MM-DD:YYYY-MM-DD with a known index",
                      val);
}

static g6_status set_market(market_faults *m, const char *name,
                            const char *val, g6_error *err) {
  char *end;
  double d = strtod(val, &end);
  bool num = *val != '\0' && *end == '\0' && isfinite(d);
  if (strcmp(name, "zero_price_mod") == 0 ||
      strcmp(name, "negative_price_mod") == 0) {
    if (!num || d < 0 || d > 1e9)
      return g6_error_set(err, G6_EINVAL, "fault %s: bad value \"%s\"", name,
                          val);
    if (name[0] == 'z')
      m->zero_price_mod = (int)d;
    else
      m->negative_price_mod = (int)d;
    return G6_OK;
  }
  if (strcmp(name, "empty_names") == 0) {
    m->empty_names = strcmp(val, "true") == 0 || strcmp(val, "1") == 0;
    return G6_OK;
  }
  if (strcmp(name, "no_vix") == 0) {
    m->no_vix = strcmp(val, "true") == 0 || strcmp(val, "1") == 0;
    return G6_OK;
  }
  if (strcmp(name, "missing_index") == 0) {
    if (index_by_name(val) < 0)
      return g6_error_set(err, G6_EINVAL, "fault missing_index: unknown index "
                                          "\"%s\"", val);
    if (m->n_missing < MK_NINDEX)
      snprintf(m->missing_index[m->n_missing++], 16, "%s", val);
    return G6_OK;
  }
  if (strcmp(name, "unquoted_options") == 0) {
    if (index_by_name(val) < 0)
      return g6_error_set(err, G6_EINVAL, "fault unquoted_options: unknown "
                                          "index \"%s\"", val);
    if (m->n_unquoted < MK_NINDEX)
      snprintf(m->unquoted[m->n_unquoted++], 16, "%s", val);
    return G6_OK;
  }
  if (strcmp(name, "remove_expiry") == 0) {
    /* INDEX:YYYY-MM-DD */
    const char *colon = strchr(val, ':');
    g6_date dt;
    char ix[16];
    if (colon == NULL || (size_t)(colon - val) >= sizeof(ix) ||
        g6_date_parse(colon + 1, &dt) != G6_OK)
      return g6_error_set(err, G6_EINVAL,
                          "fault remove_expiry: \"%s\" is not INDEX:YYYY-MM-DD",
                          val);
    memcpy(ix, val, (size_t)(colon - val));
    ix[colon - val] = '\0';
    if (index_by_name(ix) < 0)
      return g6_error_set(err, G6_EINVAL, "fault remove_expiry: unknown index "
                                          "\"%s\"", ix);
    if (m->n_removed < 16) {
      snprintf(m->removed[m->n_removed].index, 16, "%s", ix);
      m->removed[m->n_removed++].day =
          g6_days_from_civil(dt.year, dt.month, dt.day);
    }
    return G6_OK;
  }
  if (strcmp(name, "move_expiry") == 0)
    return set_move(m, val, err);
  if (strcmp(name, "wrong_lot") == 0) {
    const char *sym = fault_symbol(name, val, err);
    if (sym == NULL)
      return G6_EINVAL;
    if (m->n_wrong_lot == 16)
      return g6_error_set(err, G6_EINVAL,
                          "fault wrong_lot: at most 16 symbols");
    snprintf(m->wrong_lot[m->n_wrong_lot++], sizeof(m->wrong_lot[0]), "%s",
             sym);
    return G6_OK;
  }
  for (int k = MK_QF_NONE + 1; k < MK_QF_COUNT; k++)
    if (strcmp(name, mk_quote_fault_name((mk_quote_fault)k)) == 0)
      return set_bad_quote(m, (mk_quote_fault)k, val, err);
  return g6_error_set(err, G6_EINVAL,
                      "unknown market fault \"%s\"; known: zero_price_mod, "
                      "negative_price_mod, empty_names, no_vix, "
                      "missing_index, unquoted_options, remove_expiry, "
                      "move_expiry, "
                      "crossed_quote, stale_quote, out_of_bounds_quote, "
                      "malformed_quote, no_oi_quote, stale_last_quote, "
                      "untraded_quote, iso_time_quote, bad_time_quote, "
                      "wrong_lot",
                      name);
}

static g6_status set_one(faults *f, const char *scope, const char *name,
                         const char *val, g6_error *err) {
  if (strcmp(scope, "market") == 0)
    return set_market(&f->market, name, val, err);
  if (strcmp(scope, "all") == 0) {
    for (int e = 0; e < EP_COUNT; e++) {
      g6_status s = set_ep(&f->ep[e], name, val, err);
      if (s != G6_OK)
        return s;
    }
    return G6_OK;
  }
  for (int e = 0; e < EP_COUNT; e++)
    if (strcmp(scope, ep_names[e]) == 0)
      return set_ep(&f->ep[e], name, val, err);
  return g6_error_set(err, G6_EINVAL,
                      "unknown fault scope \"%s\"; known: all, instruments, "
                      "quote, ltp, ohlc, session, market",
                      scope);
}

g6_status faults_apply_kv(faults *f, const char *kv, g6_error *err) {
  const char *dot = strchr(kv, '.'), *eq = strchr(kv, '=');
  if (dot == NULL || eq == NULL || eq < dot)
    return g6_error_set(err, G6_EINVAL,
                        "--fault \"%s\": expected SCOPE.NAME=VALUE", kv);
  char scope[32], name[32];
  if ((size_t)(dot - kv) >= sizeof(scope) ||
      (size_t)(eq - dot - 1) >= sizeof(name))
    return g6_error_set(err, G6_EINVAL, "--fault \"%s\": name too long", kv);
  memcpy(scope, kv, (size_t)(dot - kv));
  scope[dot - kv] = '\0';
  memcpy(name, dot + 1, (size_t)(eq - dot - 1));
  name[eq - dot - 1] = '\0';
  return set_one(f, scope, name, eq + 1, err);
}

/* JSON scalar -> text for set_one. */
static bool scalar_text(const g6_json *v, char *out, size_t len) {
  switch (g6_json_type_of(v)) {
  case G6_JSON_BOOL:
    snprintf(out, len, "%s", g6_json_get_bool(v) ? "true" : "false");
    return true;
  case G6_JSON_INT:
  case G6_JSON_REAL:
    snprintf(out, len, "%.17g", g6_json_get_number(v));
    return true;
  case G6_JSON_STRING: {
    size_t n;
    const char *s = g6_json_get_string(v, &n);
    snprintf(out, len, "%s", s);
    return true;
  }
  default:
    return false;
  }
}

g6_status faults_apply_json(faults *f, const g6_json *doc, g6_error *err) {
  if (g6_json_type_of(doc) != G6_JSON_OBJECT)
    return g6_error_set(err, G6_EINVAL, "faults: expected a JSON object");
  faults tmp = *f;
  for (size_t i = 0; i < g6_json_count(doc); i++) {
    size_t kl;
    const char *scope = g6_json_object_key(doc, i, &kl);
    const g6_json *obj = g6_json_object_value(doc, i);
    if (g6_json_type_of(obj) != G6_JSON_OBJECT)
      return g6_error_set(err, G6_EINVAL, "faults: \"%s\" must be an object",
                          scope);
    for (size_t j = 0; j < g6_json_count(obj); j++) {
      const char *name = g6_json_object_key(obj, j, &kl);
      const g6_json *v = g6_json_object_value(obj, j);
      char text[MK_LOCATION_MAX + 1]; /* one more: too long is refused */
      if (g6_json_type_of(v) == G6_JSON_ARRAY) { /* lists of market items */
        for (size_t k = 0; k < g6_json_count(v); k++) {
          if (!scalar_text(g6_json_array_get(v, k), text, sizeof(text)))
            return g6_error_set(err, G6_EINVAL, "faults: %s.%s: bad item",
                                scope, name);
          g6_status s = set_one(&tmp, scope, name, text, err);
          if (s != G6_OK)
            return s;
        }
        continue;
      }
      if (!scalar_text(v, text, sizeof(text)))
        return g6_error_set(err, G6_EINVAL, "faults: %s.%s: bad value", scope,
                            name);
      g6_status s = set_one(&tmp, scope, name, text, err);
      if (s != G6_OK)
        return s;
    }
  }
  *f = tmp;
  return G6_OK;
}

/* error_location as a JSON string; bytes that are not UTF-8 (a --fault
 * flag may carry any) as \u00XX, one per byte, so the answer stays JSON. */
static void put_location(g6_buf *out, const char *loc) {
  g6_buf s = G6_BUF_INIT;
  if (g6_json_write_string(&s, loc, strlen(loc)) == G6_OK) {
    g6_buf_append(out, s.data, s.len);
  } else {
    g6_buf_puts(out, "\"");
    for (const unsigned char *p = (const unsigned char *)loc; *p; p++)
      if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
        g6_buf_append(out, (const char *)p, 1);
      else
        g6_buf_printf(out, "\\u%04x", *p);
    g6_buf_puts(out, "\"");
  }
  g6_buf_free(&s);
}

void faults_to_json(const faults *f, g6_buf *out) {
  g6_buf_puts(out, "{");
  for (int e = 0; e < EP_COUNT; e++) {
    const ep_faults *x = &f->ep[e];
    g6_buf_printf(out,
                  "\"%s\":{\"latency_ms\":%d,\"stall\":%d,\"stall_s\":%g,"
                  "\"http5xx\":%d,\"status5xx\":%d,\"rate5xx\":%g,"
                  "\"ratelimit\":%d,\"malformed\":%d,\"truncate\":%d,"
                  "\"huge\":%d,\"huge_bytes\":%ld,\"drift\":%d,"
                  "\"drift_mode\":\"%s\",\"auth_fail\":%d,"
                  "\"retry_after\":%d,\"error\":%d,\"error_status\":%d,"
                  "\"error_body\":\"%s\",\"error_location\":",
                  ep_names[e], x->latency_ms, x->stall, x->stall_s, x->http5xx,
                  x->status5xx, x->rate5xx, x->ratelimit, x->malformed,
                  x->truncate, x->huge, x->huge_bytes, x->drift,
                  drift_names[x->drift_mode], x->auth_fail, x->retry_after,
                  x->error, x->error_status, x->error_body);
    put_location(out, x->error_location);
    g6_buf_printf(out,
                  ",\"error_every\":%d,"
                  "\"error_key\":\"%s\",\"error_message\":\"%s\","
                  "\"content_type\":\"%s\"},",
                  x->error_every, x->error_key, x->error_message,
                  x->content_type);
  }
  const market_faults *m = &f->market;
  g6_buf_printf(out,
                "\"market\":{\"zero_price_mod\":%d,\"negative_price_mod\":%d,"
                "\"empty_names\":%s,\"no_vix\":%s,\"missing_index\":[",
                m->zero_price_mod, m->negative_price_mod,
                m->empty_names ? "true" : "false", m->no_vix ? "true" : "false");
  for (int i = 0; i < m->n_missing; i++)
    g6_buf_printf(out, "%s\"%s\"", i ? "," : "", m->missing_index[i]);
  g6_buf_puts(out, "],\"unquoted_options\":[");
  for (int i = 0; i < m->n_unquoted; i++)
    g6_buf_printf(out, "%s\"%s\"", i ? "," : "", m->unquoted[i]);
  g6_buf_puts(out, "],\"remove_expiry\":[");
  for (int i = 0; i < m->n_removed; i++) {
    char d[11];
    g6_date_format(g6_civil_from_days(m->removed[i].day), d);
    g6_buf_printf(out, "%s\"%s:%s\"", i ? "," : "", m->removed[i].index, d);
  }
  g6_buf_puts(out, "],\"move_expiry\":[");
  for (int i = 0; i < m->n_moves; i++) {
    char a[11], b[11];
    g6_date_format(g6_civil_from_days(m->moves[i].from), a);
    g6_date_format(g6_civil_from_days(m->moves[i].to), b);
    g6_buf_printf(out, "%s\"%s:%s:%s\"", i ? "," : "",
                  mk_indices[m->moves[i].index].name, a, b);
  }
  for (int k = MK_QF_NONE + 1; k < MK_QF_COUNT; k++) {
    g6_buf_printf(out, "],\"%s\":[", mk_quote_fault_name((mk_quote_fault)k));
    bool first = true;
    for (int i = 0; i < m->n_bad_quotes; i++)
      if (m->bad_quotes[i].kind == (mk_quote_fault)k) {
        g6_buf_printf(out, "%s\"%s\"", first ? "" : ",",
                      m->bad_quotes[i].symbol);
        first = false;
      }
  }
  g6_buf_puts(out, "],\"wrong_lot\":[");
  for (int i = 0; i < m->n_wrong_lot; i++)
    g6_buf_printf(out, "%s\"%s\"", i ? "," : "", m->wrong_lot[i]);
  g6_buf_puts(out, "]}}");
}
