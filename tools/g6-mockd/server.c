/* The HTTP side of g6-mockd (libmicrohttpd, one thread per connection so a
 * stalled or slow answer never blocks the others): Kite's endpoints with
 * their auth checks and response shapes, fault injection, and /admin. */
#include "mockd.h"

#include "core/hash.h"
#include "core/ist.h"

#include <microhttpd.h>
#include <zlib.h>

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_POST (64 * 1024)
#define MAX_I 2000

typedef struct conn {
  g6_buf body;
  bool started;
} conn;

int64_t mockd_now(mockd *m) {
  if (m->frozen)
    return m->frozen_epoch;
  return (int64_t)time(NULL);
}

/* ---- responses ----------------------------------------------------------- */

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned status,
                                const char *ctype, g6_buf *b,
                                const char *encoding) {
  size_t len = b->len;
  char *data = g6_buf_steal(b);
  struct MHD_Response *r = MHD_create_response_from_buffer(
      len, data ? data : (char *)"", data ? MHD_RESPMEM_MUST_FREE
                                          : MHD_RESPMEM_PERSISTENT);
  MHD_add_response_header(r, "Content-Type", ctype);
  if (encoding)
    MHD_add_response_header(r, "Content-Encoding", encoding);
  enum MHD_Result ret = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status,
                                 g6_buf *b) {
  return send_buf(c, status, "application/json", b, NULL);
}

static enum MHD_Result kite_error(struct MHD_Connection *c, unsigned status,
                                  const char *etype, const char *msg) {
  g6_buf b = G6_BUF_INIT;
  g6_buf_printf(&b,
                "{\"status\":\"error\",\"message\":\"%s\",\"data\":null,"
                "\"error_type\":\"%s\"}",
                msg, etype);
  return send_json(c, status, &b);
}

/* Kite's NetworkException envelope with `status` (a 429 "Too many
 * requests", a 5xx), with a Retry-After header when asked for. */
static enum MHD_Result send_network_error(struct MHD_Connection *c,
                                          unsigned status, const char *msg,
                                          int retry_after) {
  g6_buf b = G6_BUF_INIT;
  g6_buf_printf(&b,
                "{\"status\":\"error\",\"message\":\"%s\","
                "\"data\":null,\"error_type\":\"NetworkException\"}",
                msg);
  size_t len = b.len;
  char *data = g6_buf_steal(&b);
  struct MHD_Response *r = MHD_create_response_from_buffer(
      len, data, MHD_RESPMEM_MUST_FREE);
  MHD_add_response_header(r, "Content-Type", "application/json");
  if (retry_after > 0) {
    char v[16];
    snprintf(v, sizeof(v), "%d", retry_after);
    MHD_add_response_header(r, "Retry-After", v);
  }
  enum MHD_Result ret = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return ret;
}

/* The error fault's answer: Kite's envelope for a Kite error type (with
 * the message Kite sends for it), or a body that is not Kite's. A 3xx
 * answer (a captive portal sending g6 to its login page) carries
 * `location` as its Location header, none when it is "". */
static enum MHD_Result send_error_fault(struct MHD_Connection *c, int status,
                                        const char *body,
                                        const char *location,
                                        const char *message) {
  static const struct {
    const char *type, *msg;
  } kite[] = {
      {"TokenException", "Incorrect `api_key` or `access_token`."},
      {"PermissionException", "Insufficient permission for that call."},
      {"InputException", "Invalid `instruments`."},
      {"NetworkException", "Gateway timed out. Please try again later."},
      {"DataException", "Couldn't parse the JSON response received from the "
                        "exchange."},
      {"GeneralException", "An unexpected error occurred."},
  };
  unsigned st = (unsigned)status;
  bool redirect = st >= 300 && st < 400;
  for (size_t i = 0; i < sizeof(kite) / sizeof(kite[0]); i++)
    if (strcmp(body, kite[i].type) == 0 && !redirect)
      return kite_error(c, st, kite[i].type,
                        message[0] != '\0' ? message : kite[i].msg);
  g6_buf b = G6_BUF_INIT;
  const char *ctype = "text/plain";
  if (strcmp(body, "html") == 0 && redirect && location[0] == '\0') {
    ctype = "text/html";
    g6_buf_puts(&b, "<html><body>Moved</body></html>\r\n");
  } else if (strcmp(body, "html") == 0 && redirect) {
    ctype = "text/html";
    g6_buf_printf(&b,
                  "<html><body>Redirecting to the <a href=\"%s\">login "
                  "page</a></body></html>\r\n",
                  location);
  } else if (strcmp(body, "html") == 0 && st == 200) {
    ctype = "text/html";
    g6_buf_puts(&b, "<html><body>Login to Wi-Fi</body></html>\r\n");
  } else if (strcmp(body, "html") == 0) {
    ctype = "text/html";
    g6_buf_printf(&b, "<html>\r\n<head><title>%u Bad Request</title></head>"
                      "\r\n<body>\r\n<center><h1>%u Bad Request</h1></center>"
                      "\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
                  st, st);
  } else if (strcmp(body, "json") == 0) {
    ctype = "application/json";
    g6_buf_puts(&b, "{\"error\":\"upstream connect error\"}");
  } else if (strcmp(body, "text") == 0) {
    g6_buf_puts(&b, "upstream connect error or disconnect/reset before headers\n");
  } else if (strcmp(body, "empty") != 0) {
    /* a Kite error type on a redirect: Kite's envelope, as a proxy that
     * redirects whatever the answer would have been */
    ctype = "application/json";
    g6_buf_printf(&b,
                  "{\"status\":\"error\",\"message\":\"Redirected\","
                  "\"data\":null,\"error_type\":\"%s\"}",
                  body);
  }
  if (!redirect)
    return send_buf(c, st, ctype, &b, NULL);
  size_t len = b.len;
  char *data = g6_buf_steal(&b);
  struct MHD_Response *r = MHD_create_response_from_buffer(
      len, data ? data : (char *)"",
      data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
  MHD_add_response_header(r, "Content-Type", ctype);
  /* "": a redirect without a Location (faults.c allows no CR or LF, the
   * only bytes libmicrohttpd refuses in a value) */
  if (location[0] != '\0' &&
      MHD_add_response_header(r, "Location", location) != MHD_YES) {
    MHD_destroy_response(r);
    return MHD_NO;
  }
  enum MHD_Result ret = MHD_queue_response(c, st, r);
  MHD_destroy_response(r);
  return ret;
}

/* Truncated: announce the full length, send half, then drop the
 * connection. */
typedef struct partial {
  char *data;
  size_t len, send;
} partial;

static ssize_t partial_read(void *cls, uint64_t pos, char *buf, size_t max) {
  partial *p = cls;
  if (pos >= p->send)
    return MHD_CONTENT_READER_END_WITH_ERROR;
  size_t n = p->send - (size_t)pos;
  if (n > max)
    n = max;
  memcpy(buf, p->data + pos, n);
  return (ssize_t)n;
}

static void partial_free(void *cls) {
  partial *p = cls;
  free(p->data);
  free(p);
}

static enum MHD_Result send_truncated(struct MHD_Connection *c, g6_buf *b) {
  partial *p = calloc(1, sizeof(*p));
  if (p == NULL)
    return MHD_NO;
  p->len = b->len;
  p->send = b->len / 2;
  p->data = g6_buf_steal(b);
  struct MHD_Response *r = MHD_create_response_from_callback(
      p->len, 4096, partial_read, p, partial_free);
  MHD_add_response_header(r, "Content-Type", "application/json");
  enum MHD_Result ret = MHD_queue_response(c, 200, r);
  MHD_destroy_response(r);
  return ret;
}

/* Huge: a valid JSON document of the requested size, streamed. */
static ssize_t huge_read(void *cls, uint64_t pos, char *buf, size_t max) {
  uint64_t total = *(uint64_t *)cls;
  static const char head[] = "{\"status\":\"success\",\"data\":{},\"pad\":\"";
  static const char tail[] = "\"}";
  size_t hl = sizeof(head) - 1, tl = sizeof(tail) - 1;
  if (pos >= total)
    return MHD_CONTENT_READER_END_OF_STREAM;
  size_t n = 0;
  while (n < max && pos + n < total) {
    uint64_t at = pos + n;
    char ch;
    if (at < hl)
      ch = head[at];
    else if (at >= total - tl)
      ch = tail[at - (total - tl)];
    else
      ch = 'x';
    buf[n++] = ch;
  }
  return (ssize_t)n;
}

static enum MHD_Result send_huge(struct MHD_Connection *c, long bytes) {
  uint64_t *total = malloc(sizeof(*total));
  if (total == NULL)
    return MHD_NO;
  *total = (uint64_t)(bytes < 64 ? 64 : bytes);
  struct MHD_Response *r =
      MHD_create_response_from_callback(*total, 65536, huge_read, total, free);
  MHD_add_response_header(r, "Content-Type", "application/json");
  enum MHD_Result ret = MHD_queue_response(c, 200, r);
  MHD_destroy_response(r);
  return ret;
}

static bool gzip_buf(const g6_buf *in, g6_buf *out) {
  z_stream z;
  memset(&z, 0, sizeof(z));
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return false;
  uLong bound = deflateBound(&z, (uLong)in->len);
  if (g6_buf_reserve(out, (size_t)bound) != G6_OK) {
    deflateEnd(&z);
    return false;
  }
  z.next_in = (Bytef *)in->data;
  z.avail_in = (uInt)in->len;
  z.next_out = (Bytef *)out->data;
  z.avail_out = (uInt)bound;
  int rc = deflate(&z, Z_FINISH);
  out->len = z.total_out;
  out->data[out->len] = '\0';
  deflateEnd(&z);
  return rc == Z_STREAM_END;
}

/* ---- request plumbing ---------------------------------------------------- */

typedef struct ivals {
  const char *v[MAX_I];
  size_t n;
  bool overflow;
} ivals;

static enum MHD_Result collect_i(void *cls, enum MHD_ValueKind kind,
                                 const char *key, const char *value) {
  (void)kind;
  ivals *iv = cls;
  if (strcmp(key, "i") == 0 && value != NULL) {
    if (iv->n < MAX_I)
      iv->v[iv->n++] = value;
    else
      iv->overflow = true;
  }
  return MHD_YES;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* What to do to this request, decided under the lock. */
typedef struct plan {
  int latency_ms;
  double stall_s;
  bool stall, auth_fail, http5xx, ratelimit, malformed, truncate, huge, drift;
  bool error;
  int status5xx, error_status, retry_after;
  char error_body[24];
  char error_location[MK_LOCATION_MAX];
  char error_message[MK_MESSAGE_MAX];
  char content_type[64];
  long huge_bytes;
  drift_mode drift_mode;
  unsigned gen;
} plan;

static double rng_u01(mockd *m) {
  m->rng ^= m->rng >> 12;
  m->rng ^= m->rng << 25;
  m->rng ^= m->rng >> 27;
  return (double)((m->rng * 2685821657736338717ull) >> 11) * 0x1.0p-53;
}

/* Does a request's i= list hit error_key? */
static bool key_hit(const ep_faults *e, const ivals *iv) {
  if (e->error_key[0] == '\0' || iv == NULL)
    return false;
  for (size_t i = 0; i < iv->n; i++)
    if (strstr(iv->v[i], e->error_key) != NULL)
      return true;
  return false;
}

static void make_plan(mockd *m, int ep, const ivals *iv, plan *p) {
  ep_faults *e = &m->f.ep[ep];
  memset(p, 0, sizeof(*p));
  p->latency_ms = e->latency_ms;
  p->stall_s = e->stall_s;
  p->stall = fault_take(&e->stall);
  p->auth_fail = fault_take(&e->auth_fail);
  p->ratelimit = !p->stall && fault_take(&e->ratelimit);
  p->http5xx = !p->stall && !p->ratelimit &&
               (fault_take(&e->http5xx) ||
                (e->rate5xx > 0 && rng_u01(m) < e->rate5xx));
  p->status5xx = e->status5xx;
  bool plain = !p->stall && !p->ratelimit && !p->http5xx;
  p->huge = plain && fault_take(&e->huge);
  p->huge_bytes = e->huge_bytes;
  p->malformed = plain && !p->huge && fault_take(&e->malformed);
  p->truncate = plain && !p->huge && !p->malformed && fault_take(&e->truncate);
  p->drift = plain && fault_take(&e->drift);
  p->drift_mode = e->drift_mode;
  bool nth = e->error_every > 0 && ++e->error_seq % (unsigned long)e->error_every == 0;
  p->error = plain && (fault_take(&e->error) || nth || key_hit(e, iv));
  p->error_status = e->error_status;
  p->retry_after = e->retry_after;
  snprintf(p->error_body, sizeof(p->error_body), "%s", e->error_body);
  snprintf(p->error_location, sizeof(p->error_location), "%s",
           e->error_location);
  snprintf(p->content_type, sizeof(p->content_type), "%s", e->content_type);
  snprintf(p->error_message, sizeof(p->error_message), "%s", e->error_message);
  p->gen = m->fault_gen;
}

static void count_status(mockd *m, int ep, unsigned status) {
  pthread_mutex_lock(&m->mu);
  if (status < 600)
    m->cnt[ep].by_status[status]++;
  pthread_mutex_unlock(&m->mu);
}

static bool token_ok(mockd *m, const char *auth) {
  /* "token api_key:access_token" */
  if (auth == NULL || strncmp(auth, "token ", 6) != 0)
    return false;
  const char *kt = auth + 6, *colon = strchr(kt, ':');
  if (colon == NULL)
    return false;
  size_t kl = (size_t)(colon - kt);
  if (kl != strlen(m->api_key) || strncmp(kt, m->api_key, kl) != 0)
    return false;
  for (int i = 0; i < m->ntokens; i++)
    if (m->tokens[i][0] && strcmp(colon + 1, m->tokens[i]) == 0)
      return true;
  return false;
}

/* ---- renderers ----------------------------------------------------------- */

static void ist_str(int64_t t, char out[20]) {
  g6_ist_tm tm;
  g6_ist_breakdown(t, &tm);
  snprintf(out, 20, "%04d-%02d-%02d %02d:%02d:%02d", tm.date.year,
           tm.date.month, tm.date.day, tm.hour, tm.min, tm.sec);
}

/* Lock held: the listing of the market day. */
static bool ensure_listing(mockd *m, int64_t now) {
  g6_ist_tm tm;
  g6_ist_breakdown(now, &tm);
  const market_faults *mf = &m->f.market;
  if (m->listing.inst != NULL && m->listing.day == tm.days &&
      m->listing.moves_gen == mf->moves_gen)
    return true;
  mk_listing_free(&m->listing);
  bool ok = mk_listing_build(&m->mp, tm.days, mf->moves, mf->n_moves,
                             &m->listing);
  m->listing.moves_gen = mf->moves_gen;
  return ok;
}

static void render_instruments(mockd *m, const char *exchange, g6_buf *b) {
  const market_faults *mf = &m->f.market;
  const mk_listing *l = &m->listing;
  g6_buf_puts(b, "instrument_token,exchange_token,tradingsymbol,name,"
                 "last_price,expiry,strike,tick_size,lot_size,"
                 "instrument_type,segment,exchange\n");
  for (int i = 0; i < MK_NINDEX; i++) {
    const mk_index *ix = &mk_indices[i];
    if (market_index_missing(mf, i))
      continue;
    if (exchange == NULL || strcmp(exchange, ix->idx_exchange) == 0)
      g6_buf_printf(b, "%llu,%llu,%s,\"%s\",0,,0,0,0,EQ,INDICES,%s\n",
                    (unsigned long long)ix->idx_token,
                    (unsigned long long)(ix->idx_token >> 8), ix->idx_symbol,
                    ix->idx_symbol, ix->idx_exchange);
  }
  if (exchange == NULL || strcmp(exchange, MK_VIX_EXCHANGE) == 0)
    g6_buf_printf(b, "%d,%d,%s,\"%s\",0,,0,0,0,EQ,INDICES,%s\n", MK_VIX_TOKEN,
                  MK_VIX_TOKEN >> 8, MK_VIX_SYMBOL, MK_VIX_SYMBOL,
                  MK_VIX_EXCHANGE);
  /* one future per index (a non-option row the client must skip) */
  for (int i = 0; i < MK_NINDEX; i++) {
    const mk_index *ix = &mk_indices[i];
    if (market_index_missing(mf, i) ||
        (exchange && strcmp(exchange, ix->opt_exchange) != 0))
      continue;
    if (l->nexp[i] == 0)
      continue;
    int64_t ex = l->expiries[i][l->nexp[i] - 1];
    g6_date d = g6_civil_from_days(ex);
    char ds[11];
    g6_date_format(d, ds);
    static const char *const mon[12] = {"JAN", "FEB", "MAR", "APR",
                                        "MAY", "JUN", "JUL", "AUG",
                                        "SEP", "OCT", "NOV", "DEC"};
    g6_buf_printf(b, "%llu,%llu,%s%02d%sFUT,\"%s\",0,%s,0,0.1,%d,FUT,%s-FUT,%s\n",
                  (unsigned long long)(ix->token_base - 1),
                  (unsigned long long)((ix->token_base - 1) >> 8), ix->name,
                  d.year % 100, mon[d.month - 1], ix->name, ds, ix->lot,
                  ix->opt_exchange, ix->opt_exchange);
  }
  for (size_t k = 0; k < l->n; k++) {
    const mk_inst *in = &l->inst[k];
    const mk_index *ix = &mk_indices[in->index];
    if (exchange && strcmp(exchange, ix->opt_exchange) != 0)
      continue;
    if (market_index_missing(mf, in->index) ||
        market_expiry_removed(mf, in->index, in->expiry))
      continue;
    char ds[11];
    g6_date_format(g6_civil_from_days(in->expiry), ds);
    g6_buf_printf(b, "%llu,%llu,%s,%s%s%s,0,%s,%d,0.05,%d,%s,%s,%s\n",
                  (unsigned long long)in->token,
                  (unsigned long long)(in->token >> 8), in->symbol,
                  mf->empty_names ? "" : "\"",
                  mf->empty_names ? "" : ix->name,
                  mf->empty_names ? "" : "\"", ds, in->strike,
                  market_lot_size(mf, in->symbol, ix->lot),
                  in->put ? "PE" : "CE", ix->segment, ix->opt_exchange);
  }
}

typedef enum qshape { Q_FULL, Q_LTP, Q_OHLC } qshape;

static void put_ohlc(g6_buf *b, const mk_quote *q) {
  g6_buf_puts(b, "\"ohlc\":{\"open\":");
  mk_put_price(b, q->open_paise);
  g6_buf_puts(b, ",\"high\":");
  mk_put_price(b, q->high_paise);
  g6_buf_puts(b, ",\"low\":");
  mk_put_price(b, q->low_paise);
  g6_buf_puts(b, ",\"close\":");
  mk_put_price(b, q->close_paise);
  g6_buf_puts(b, "}");
}

static void put_last_price(g6_buf *b, int64_t paise, const plan *pl) {
  if (pl->drift && pl->drift_mode == DRIFT_MISSING)
    return;
  if (pl->drift && pl->drift_mode == DRIFT_RENAME)
    g6_buf_puts(b, "\"lastPrice\":");
  else
    g6_buf_puts(b, "\"last_price\":");
  if (pl->drift && pl->drift_mode == DRIFT_TYPE)
    g6_buf_putc(b, '"');
  mk_put_price(b, paise);
  if (pl->drift && pl->drift_mode == DRIFT_TYPE)
    g6_buf_putc(b, '"');
  g6_buf_putc(b, ',');
}

/* A quote's time field `name` with the value ts ("YYYY-MM-DD HH:MM:SS",
 * IST) as the quote fault qf writes it (MK_QF_ISO_TIME, MK_QF_BAD_TIME;
 * last_trade_time null for the latter), then a comma. */
static void put_time(g6_buf *b, const char *name, const char *ts,
                     mk_quote_fault qf) {
  if (qf == MK_QF_ISO_TIME)
    g6_buf_printf(b, "\"%s\":\"%.10sT%s.000+05:30\",", name, ts, ts + 11);
  else if (qf == MK_QF_BAD_TIME && strcmp(name, "timestamp") == 0)
    g6_buf_printf(b, "\"%s\":\"%.2s/%.2s/%.4s %.5s\",", name, ts + 8, ts + 5,
                  ts, ts + 11);
  else if (qf == MK_QF_BAD_TIME)
    g6_buf_printf(b, "\"%s\":null,", name);
  else
    g6_buf_printf(b, "\"%s\":\"%s\",", name, ts);
}

/* The rest of an index's quote (an index, India VIX; every shape of an
 * option but the full one): fewer fields, as Kite sends. */
/* qf: the quote fault on the index's symbol: malformed_quote sends the
 * full quote's last_price as a JSON string, iso_time_quote and
 * bad_time_quote its timestamp in another form (put_time). */
static void index_body(g6_buf *b, qshape shape, const mk_quote *q,
                       const plan *pl, const char *ts, mk_quote_fault qf) {
  bool malformed = qf == MK_QF_MALFORMED;
  if (shape == Q_LTP) {
    put_last_price(b, q->ltp_paise, pl);
    b->data[--b->len] = '\0'; /* drop the trailing comma */
  } else if (shape == Q_OHLC) {
    put_last_price(b, q->ltp_paise, pl);
    if (!(pl->drift && pl->drift_mode == DRIFT_MISSING))
      put_ohlc(b, q);
    else
      b->data[--b->len] = '\0';
  } else {
    put_time(b, "timestamp", ts, qf);
    if (malformed) {
      g6_buf_puts(b, "\"last_price\":\"");
      mk_put_price(b, q->ltp_paise);
      g6_buf_puts(b, "\",");
    } else {
      put_last_price(b, q->ltp_paise, pl);
    }
    g6_buf_puts(b, "\"net_change\":");
    mk_put_price(b, q->ltp_paise - q->close_paise);
    g6_buf_putc(b, ',');
    put_ohlc(b, q);
  }
  g6_buf_putc(b, '}');
}

/* Lock held. */
static void render_quotes(mockd *m, qshape shape, const ivals *iv,
                          const plan *pl, g6_buf *b) {
  int64_t now = mockd_now(m);
  const market_faults *mf = &m->f.market;
  mk_spots spots[MK_NINDEX];
  bool have[MK_NINDEX] = {false};
  char ts[20], lt[20];
  ist_str(now, ts);
  if (pl->drift && pl->drift_mode == DRIFT_ENVELOPE)
    g6_buf_puts(b, "{\"status\":\"success\",\"payload\":{");
  else
    g6_buf_puts(b, "{\"status\":\"success\",\"data\":{");
  bool first = true;
  for (size_t k = 0; k < iv->n; k++) {
    const char *key = iv->v[k];
    /* duplicates in the request are answered once, like Kite */
    bool dup = false;
    for (size_t j = 0; j < k && !dup; j++)
      dup = strcmp(iv->v[j], key) == 0;
    if (dup)
      continue;
    const char *colon = strchr(key, ':');
    if (colon == NULL)
      continue;
    size_t el = (size_t)(colon - key);
    const char *sym = colon + 1;
    int idx = -1;
    const mk_inst *in = NULL;
    if (el == strlen(MK_VIX_EXCHANGE) &&
        strncmp(key, MK_VIX_EXCHANGE, el) == 0 &&
        strcmp(sym, MK_VIX_SYMBOL) == 0) {
      if (mf->no_vix)
        continue; /* absent from data, as Kite answers an unknown key */
      mk_quote q;
      mk_vix_quote(&m->mp, now, &q);
      g6_buf_printf(b, "%s\"%s\":{\"instrument_token\":%d,", first ? "" : ",",
                    key, MK_VIX_TOKEN);
      first = false;
      index_body(b, shape, &q, pl, ts, MK_QF_NONE);
      continue;
    }
    for (int i = 0; i < MK_NINDEX; i++)
      if (strlen(mk_indices[i].idx_exchange) == el &&
          strncmp(key, mk_indices[i].idx_exchange, el) == 0 &&
          strcmp(sym, mk_indices[i].idx_symbol) == 0)
        idx = i;
    if (idx < 0) {
      in = mk_listing_find(&m->listing, sym);
      if (in == NULL ||
          strlen(mk_indices[in->index].opt_exchange) != el ||
          strncmp(key, mk_indices[in->index].opt_exchange, el) != 0 ||
          market_index_missing(mf, in->index) ||
          market_options_unquoted(mf, in->index) ||
          market_expiry_removed(mf, in->index, in->expiry))
        continue; /* unknown to Kite: absent from data */
      idx = in->index;
    }
    if (!have[idx]) {
      mk_spots_at(&m->mp, idx, now, &spots[idx]);
      have[idx] = true;
    }
    mk_quote q;
    mk_quote_fault qf = MK_QF_NONE;
    uint64_t token;
    if (in == NULL) {
      mk_index_quote(&m->mp, idx, &spots[idx], &q);
      token = mk_indices[idx].idx_token;
      qf = market_quote_fault(mf, mk_indices[idx].idx_symbol);
    } else {
      mk_option_quote(&m->mp, in, &spots[idx], &q);
      qf = market_quote_fault(mf, in->symbol);
      mk_fault_quote(&m->mp, in, &spots[idx], qf, &q);
      token = in->token;
      if (mf->zero_price_mod > 0 && token % (uint64_t)mf->zero_price_mod == 0)
        q.ltp_paise = 0;
      else if (mf->negative_price_mod > 0 &&
               token % (uint64_t)mf->negative_price_mod == 0)
        q.ltp_paise = -q.ltp_paise;
    }
    g6_buf_printf(b, "%s\"%s\":{\"instrument_token\":%llu,", first ? "" : ",",
                  key, (unsigned long long)token);
    first = false;
    if (in == NULL || shape != Q_FULL) {
      index_body(b, shape, &q, pl, ts, qf);
      continue;
    }
    ist_str(q.last_trade, lt);
    put_time(b, "timestamp", ts, qf);
    put_time(b, "last_trade_time", lt, qf);
    put_last_price(b, q.ltp_paise, pl);
    g6_buf_printf(b,
                  qf == MK_QF_MALFORMED
                      ? "\"last_quantity\":%lld,\"buy_quantity\":%lld,"
                        "\"sell_quantity\":%lld,\"volume\":\"%lld\","
                        "\"average_price\":"
                      : "\"last_quantity\":%lld,\"buy_quantity\":%lld,"
                        "\"sell_quantity\":%lld,\"volume\":%lld,"
                        "\"average_price\":",
                  (long long)q.last_qty, (long long)q.buy_qty,
                  (long long)q.sell_qty, (long long)q.volume);
    mk_put_price(b, q.avg_paise);
    if (qf != MK_QF_NO_OI) /* no_oi_quote: a quote without them */
      g6_buf_printf(b, ",\"oi\":%lld,\"oi_day_high\":%lld,\"oi_day_low\":%lld",
                    (long long)q.oi, (long long)q.oi_high, (long long)q.oi_low);
    g6_buf_puts(b, ",\"net_change\":0,\"lower_circuit_limit\":0.05,"
                   "\"upper_circuit_limit\":");
    mk_put_price(b, q.high_paise * 3);
    g6_buf_putc(b, ',');
    if (!(pl->drift && pl->drift_mode == DRIFT_MISSING)) {
      put_ohlc(b, &q);
      g6_buf_putc(b, ',');
    }
    g6_buf_puts(b, "\"depth\":{\"buy\":[");
    for (int i = 0; i < 5; i++) {
      g6_buf_printf(b, "%s{\"price\":", i ? "," : "");
      mk_put_price(b, q.bid_paise[i]);
      g6_buf_printf(b, ",\"quantity\":%lld,\"orders\":%d}",
                    (long long)q.bid_qty[i], q.bid_orders[i]);
    }
    g6_buf_puts(b, "],\"sell\":[");
    for (int i = 0; i < 5; i++) {
      g6_buf_printf(b, "%s{\"price\":", i ? "," : "");
      mk_put_price(b, q.ask_paise[i]);
      g6_buf_printf(b, ",\"quantity\":%lld,\"orders\":%d}",
                    (long long)q.ask_qty[i], q.ask_orders[i]);
    }
    g6_buf_puts(b, "]}}");
  }
  g6_buf_puts(b, "}}");
}

static void make_malformed(g6_buf *b) {
  /* the first ':' becomes '=': a syntax error at once, whole body sent */
  char *p = b->data ? memchr(b->data, ':', b->len) : NULL;
  if (p != NULL)
    *p = '=';
  else
    g6_buf_puts(b, "{{{");
}

/* ---- admin --------------------------------------------------------------- */

static void counters_json(mockd *m, g6_buf *b) {
  g6_buf_putc(b, '{');
  for (int e = 0; e < EP_COUNT; e++) {
    counters *c = &m->cnt[e];
    g6_buf_printf(b,
                  "%s\"%s\":{\"total\":%llu,\"instruments_requested\":%llu,"
                  "\"max_batch\":%llu,\"by_status\":{",
                  e ? "," : "", ep_names[e], (unsigned long long)c->total,
                  (unsigned long long)c->instruments_requested,
                  (unsigned long long)c->max_batch);
    bool first = true;
    for (int s = 0; s < 600; s++)
      if (c->by_status[s]) {
        g6_buf_printf(b, "%s\"%d\":%llu", first ? "" : ",", s,
                      (unsigned long long)c->by_status[s]);
        first = false;
      }
    g6_buf_puts(b, "}}");
  }
  g6_buf_putc(b, '}');
}

static void clock_json(mockd *m, g6_buf *b) {
  int64_t now = mockd_now(m);
  char ts[20];
  ist_str(now, ts);
  g6_buf_printf(b, "{\"epoch\":%lld,\"frozen\":%s,\"ist\":\"%s\"}",
                (long long)now, m->frozen ? "true" : "false", ts);
}

static void market_json(mockd *m, g6_buf *b) {
  int64_t now = mockd_now(m);
  ensure_listing(m, now);
  char ds[11];
  g6_ist_format_date(now, ds);
  mk_quote vq;
  mk_vix_quote(&m->mp, now, &vq);
  g6_buf_printf(b, "{\"seed\":%llu,\"epoch\":%lld,\"date\":\"%s\","
                   "\"rate\":%g,\"strikes\":%d,\"vix\":",
                (unsigned long long)m->mp.seed, (long long)now, ds, m->mp.rate,
                m->mp.strikes);
  if (m->f.market.no_vix)
    g6_buf_puts(b, "null");
  else
    mk_put_price(b, vq.ltp_paise);
  g6_buf_puts(b, ",\"indices\":{");
  for (int i = 0; i < MK_NINDEX; i++) {
    const mk_index *ix = &mk_indices[i];
    mk_spots sp;
    mk_spots_at(&m->mp, i, now, &sp);
    g6_buf_printf(b,
                  "%s\"%s\":{\"quote_key\":\"%s:%s\",\"spot\":%.2f,"
                  "\"step\":%g,\"lot_size\":%d,\"exchange\":\"%s\","
                  "\"segment\":\"%s\",\"center\":%d,\"listed\":%s,"
                  "\"expiries\":[",
                  i ? "," : "", ix->name, ix->idx_exchange, ix->idx_symbol,
                  sp.S, ix->step, ix->lot, ix->opt_exchange, ix->segment,
                  m->listing.center[i],
                  market_index_missing(&m->f.market, i) ? "false" : "true");
    bool first = true;
    for (size_t e = 0; e < m->listing.nexp[i]; e++) {
      if (market_expiry_removed(&m->f.market, i, m->listing.expiries[i][e]))
        continue;
      g6_date_format(g6_civil_from_days(m->listing.expiries[i][e]), ds);
      g6_buf_printf(b, "%s\"%s\"", first ? "" : ",", ds);
      first = false;
    }
    g6_buf_puts(b, "]}");
  }
  g6_buf_puts(b, "}}");
}

static enum MHD_Result admin(mockd *m, struct MHD_Connection *c,
                             const char *method, const char *url,
                             const g6_buf *body) {
  g6_buf out = G6_BUF_INIT;
  bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0,
       del = strcmp(method, "DELETE") == 0;
  g6_json *doc = NULL;
  g6_error err;
  if (post && body->len > 0 &&
      g6_json_parse(body->data, body->len, &doc, &err) != G6_OK) {
    g6_buf_printf(&out, "{\"error\":\"bad JSON\"}");
    return send_json(c, 400, &out);
  }
  unsigned status = 200;
  pthread_mutex_lock(&m->mu);
  if (strcmp(url, "/admin/faults/reset") == 0 && post) {
    faults_reset(&m->f);
    m->fault_gen++;
    faults_to_json(&m->f, &out);
  } else if (strcmp(url, "/admin/requests/reset") == 0 && post) {
    memset(m->cnt, 0, sizeof(m->cnt));
    counters_json(m, &out);
  } else if (strcmp(url, "/admin/faults") == 0) {
    if (del) {
      faults_reset(&m->f);
      m->fault_gen++;
    } else if (post) {
      if (doc == NULL ||
          faults_apply_json(&m->f, doc, &err) != G6_OK) {
        status = 400;
        g6_buf_printf(&out, "{\"error\":\"%s\"}",
                      doc ? err.msg : "expected a JSON object");
      }
    }
    if (status == 200)
      faults_to_json(&m->f, &out);
  } else if (strcmp(url, "/admin/requests") == 0 && (get || del)) {
    if (del)
      memset(m->cnt, 0, sizeof(m->cnt));
    counters_json(m, &out);
  } else if (strcmp(url, "/admin/clock") == 0 && (get || post)) {
    if (post && doc) {
      const g6_json *e = g6_json_object_get(doc, "epoch");
      const g6_json *a = g6_json_object_get(doc, "advance");
      const g6_json *r = g6_json_object_get(doc, "real");
      if (e) {
        m->frozen = true;
        m->frozen_epoch = (int64_t)g6_json_get_number(e);
      }
      if (a) {
        if (!m->frozen)
          m->frozen_epoch = (int64_t)time(NULL);
        m->frozen = true;
        m->frozen_epoch += (int64_t)g6_json_get_number(a);
      }
      if (r && g6_json_get_bool(r))
        m->frozen = false;
    }
    clock_json(m, &out);
  } else if (strcmp(url, "/admin/auth") == 0 && post && doc) {
    const g6_json *t = g6_json_object_get(doc, "access_token");
    const g6_json *k = g6_json_object_get(doc, "api_key");
    size_t n;
    if (t && g6_json_get_string(t, &n))
      snprintf(m->tokens[0], sizeof(m->tokens[0]), "%s",
               g6_json_get_string(t, &n));
    if (k && g6_json_get_string(k, &n))
      snprintf(m->api_key, sizeof(m->api_key), "%s", g6_json_get_string(k, &n));
    g6_buf_puts(&out, "{\"ok\":true}");
  } else if (strcmp(url, "/admin/market") == 0 && get) {
    market_json(m, &out);
  } else {
    status = 404;
    g6_buf_puts(&out, "{\"error\":\"unknown admin endpoint; see --help\"}");
  }
  pthread_mutex_unlock(&m->mu);
  g6_json_free(doc);
  return send_json(c, status, &out);
}

/* ---- session ------------------------------------------------------------- */

static void form_value(const char *body, const char *name, char *out,
                       size_t len) {
  out[0] = '\0';
  size_t nl = strlen(name);
  for (const char *p = body; p && *p;) {
    const char *amp = strchr(p, '&');
    size_t seg = amp ? (size_t)(amp - p) : strlen(p);
    if (seg > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
      size_t o = 0;
      for (size_t i = nl + 1; i < seg && o + 1 < len; i++) {
        char ch = p[i];
        if (ch == '%' && i + 2 < seg) {
          unsigned v;
          if (sscanf(p + i + 1, "%2x", &v) == 1) {
            ch = (char)v;
            i += 2;
          }
        } else if (ch == '+') {
          ch = ' ';
        }
        out[o++] = ch;
      }
      out[o] = '\0';
      return;
    }
    p = amp ? amp + 1 : NULL;
  }
}

static enum MHD_Result session_token(mockd *m, struct MHD_Connection *c,
                                     const g6_buf *body, unsigned *status) {
  char key[128], rt[128], sum[128];
  form_value(body->data ? body->data : "", "api_key", key, sizeof(key));
  form_value(body->data ? body->data : "", "request_token", rt, sizeof(rt));
  form_value(body->data ? body->data : "", "checksum", sum, sizeof(sum));
  if (!key[0] || !rt[0] || !sum[0]) {
    *status = 400;
    return kite_error(c, 400, "InputException",
                      "Missing api_key, request_token or checksum");
  }
  pthread_mutex_lock(&m->mu);
  g6_buf pre = G6_BUF_INIT;
  g6_buf_printf(&pre, "%s%s%s", m->api_key, rt, m->api_secret);
  char want[65];
  g6_sha256_hex(pre.data, pre.len, want);
  g6_buf_free(&pre);
  bool key_ok = strcmp(key, m->api_key) == 0;
  bool sum_ok = strlen(sum) == 64 && g6_hex_equal(sum, want);
  char tok[40] = "";
  if (key_ok && sum_ok) {
    g6_buf pre2 = G6_BUF_INIT;
    g6_buf_printf(&pre2, "%llu:%s", (unsigned long long)m->mp.seed, rt);
    char h[65];
    g6_sha256_hex(pre2.data, pre2.len, h);
    g6_buf_free(&pre2);
    snprintf(tok, sizeof(tok), "mock%.28s", h);
    int slot = m->ntokens < MAX_TOKENS ? m->ntokens++ : 1 + (int)(h[0] % (MAX_TOKENS - 1));
    snprintf(m->tokens[slot], sizeof(m->tokens[slot]), "%s", tok);
  }
  char lt[20];
  ist_str(mockd_now(m), lt);
  pthread_mutex_unlock(&m->mu);
  if (!key_ok) {
    *status = 403;
    return kite_error(c, 403, "TokenException", "Invalid `api_key`.");
  }
  if (!sum_ok) {
    *status = 403;
    return kite_error(c, 403, "TokenException",
                      "Token is invalid or has expired.");
  }
  g6_buf b = G6_BUF_INIT;
  g6_buf_printf(
      &b,
      "{\"status\":\"success\",\"data\":{\"user_type\":\"individual\","
      "\"email\":\"mock@example.invalid\",\"user_name\":\"g6 mock\","
      "\"user_shortname\":\"mock\",\"broker\":\"ZERODHA\",\"exchanges\":["
      "\"NSE\",\"NFO\",\"BFO\",\"BSE\"],\"products\":[\"CNC\",\"NRML\","
      "\"MIS\"],\"order_types\":[\"MARKET\",\"LIMIT\",\"SL\",\"SL-M\"],"
      "\"avatar_url\":null,\"user_id\":\"MK0001\",\"api_key\":\"%s\","
      "\"access_token\":\"%s\",\"public_token\":\"public%.8s\","
      "\"enctoken\":\"\",\"refresh_token\":\"\",\"silo\":\"\","
      "\"login_time\":\"%s\",\"meta\":{\"demat_consent\":\"physical\"}}}",
      key, tok, tok + 4, lt);
  *status = 200;
  return send_json(c, 200, &b);
}

/* ---- dispatch ------------------------------------------------------------ */

static int endpoint_of(const char *url, const char **exchange) {
  *exchange = NULL;
  if (strcmp(url, "/instruments") == 0)
    return EP_INSTRUMENTS;
  if (strncmp(url, "/instruments/", 13) == 0) {
    *exchange = url + 13;
    return EP_INSTRUMENTS;
  }
  if (strcmp(url, "/quote") == 0)
    return EP_QUOTE;
  if (strcmp(url, "/quote/ltp") == 0)
    return EP_LTP;
  if (strcmp(url, "/quote/ohlc") == 0)
    return EP_OHLC;
  if (strcmp(url, "/session/token") == 0)
    return EP_SESSION;
  return -1;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version, const char *upload,
                              size_t *upload_size, void **con_cls) {
  (void)version;
  mockd *m = cls;
  conn *cn = *con_cls;
  if (cn == NULL) {
    cn = calloc(1, sizeof(*cn));
    if (cn == NULL)
      return MHD_NO;
    cn->body.limit = MAX_POST;
    *con_cls = cn;
    return MHD_YES;
  }
  if (*upload_size > 0) {
    if (g6_buf_append(&cn->body, upload, *upload_size) != G6_OK)
      cn->body.len = MAX_POST + 1; /* marker: too big */
    *upload_size = 0;
    return MHD_YES;
  }
  if (strncmp(url, "/admin/", 7) == 0)
    return admin(m, c, method, url, &cn->body);
  const char *exchange;
  int ep = endpoint_of(url, &exchange);
  if (ep < 0) {
    if (strcmp(url, "/") == 0) {
      g6_buf b = G6_BUF_INIT;
      g6_buf_puts(&b, "g6-mockd: a local stand-in for the Kite Connect API. "
                      "Endpoints: /instruments, /quote, /quote/ltp, "
                      "/quote/ohlc, POST /session/token, /admin/*\n");
      return send_buf(c, 200, "text/plain", &b, NULL);
    }
    return kite_error(c, 404, "GeneralException", "Route not found");
  }
  bool want_post = ep == EP_SESSION;
  if (strcmp(method, want_post ? "POST" : "GET") != 0)
    return kite_error(c, 405, "InputException", "Method not allowed");

  ivals iv = {.n = 0};
  if (ep == EP_QUOTE || ep == EP_LTP || ep == EP_OHLC)
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_i, &iv);
  plan pl;
  pthread_mutex_lock(&m->mu);
  m->cnt[ep].total++;
  make_plan(m, ep, &iv, &pl);
  pthread_mutex_unlock(&m->mu);

  if (pl.latency_ms > 0)
    sleep_ms(pl.latency_ms);
  if (pl.stall) {
    /* no answer until the client gives up (or a reset / shutdown) */
    for (double t = 0; t < pl.stall_s && !m->stopping &&
                       pl.gen == m->fault_gen;
         t += 0.05)
      sleep_ms(50);
    count_status(m, ep, 504);
    return kite_error(c, 504, "NetworkException", "Gateway timeout (mock)");
  }
  const char *ver = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                "X-Kite-Version");
  if (ver == NULL || strcmp(ver, "3") != 0) {
    count_status(m, ep, 400);
    return kite_error(c, 400, "InputException",
                      "Invalid or missing X-Kite-Version header (want 3)");
  }
  if (ep != EP_SESSION) {
    const char *auth =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    pthread_mutex_lock(&m->mu);
    bool ok = token_ok(m, auth);
    pthread_mutex_unlock(&m->mu);
    if (!ok || pl.auth_fail) {
      count_status(m, ep, 403);
      return kite_error(c, 403, "TokenException",
                        "Incorrect `api_key` or `access_token`.");
    }
  } else if (pl.auth_fail) {
    count_status(m, ep, 403);
    return kite_error(c, 403, "TokenException",
                      "Token is invalid or has expired.");
  }
  if (pl.ratelimit) {
    count_status(m, ep, 429);
    return send_network_error(c, 429, "Too many requests", pl.retry_after);
  }
  if (pl.http5xx) {
    count_status(m, ep, (unsigned)pl.status5xx);
    if (pl.status5xx == 502) {
      g6_buf b = G6_BUF_INIT;
      g6_buf_puts(&b, "<html><body><h1>502 Bad Gateway</h1></body></html>");
      return send_buf(c, 502, "text/html", &b, NULL);
    }
    return send_network_error(c, (unsigned)pl.status5xx,
                              "Service unavailable (mock fault)",
                              pl.retry_after);
  }
  if (pl.error) {
    count_status(m, ep, (unsigned)pl.error_status);
    return send_error_fault(c, pl.error_status, pl.error_body,
                            pl.error_location, pl.error_message);
  }
  if (pl.huge) {
    count_status(m, ep, 200);
    return send_huge(c, pl.huge_bytes);
  }
  if (ep == EP_SESSION) {
    if (cn->body.len > MAX_POST)
      return kite_error(c, 413, "InputException", "Body too large");
    unsigned st = 0;
    enum MHD_Result r = session_token(m, c, &cn->body, &st);
    count_status(m, ep, st);
    return r;
  }

  g6_buf b = G6_BUF_INIT;
  const char *ctype = "application/json";
  const char *encoding = NULL;
  if (ep == EP_INSTRUMENTS) {
    ctype = "text/csv";
    pthread_mutex_lock(&m->mu);
    bool ok = ensure_listing(m, mockd_now(m));
    if (ok)
      render_instruments(m, exchange, &b);
    pthread_mutex_unlock(&m->mu);
    if (!ok)
      return kite_error(c, 500, "GeneralException", "out of memory");
    if (pl.malformed && b.data) {
      char *p = strstr(b.data, "tradingsymbol");
      if (p)
        memcpy(p, "tradingsymbXl", 13);
    }
  } else {
    size_t limit = ep == EP_QUOTE ? 500 : 1000;
    pthread_mutex_lock(&m->mu);
    m->cnt[ep].instruments_requested += iv.n;
    if (iv.n > m->cnt[ep].max_batch)
      m->cnt[ep].max_batch = iv.n;
    pthread_mutex_unlock(&m->mu);
    if (iv.n == 0) {
      count_status(m, ep, 400);
      return kite_error(c, 400, "InputException", "No instruments given (i=)");
    }
    if (iv.n > limit || iv.overflow) {
      count_status(m, ep, 400);
      return kite_error(c, 400, "InputException", "Too many instruments");
    }
    pthread_mutex_lock(&m->mu);
    bool ok = ensure_listing(m, mockd_now(m));
    if (ok)
      render_quotes(m, ep == EP_QUOTE ? Q_FULL : ep == EP_LTP ? Q_LTP : Q_OHLC,
                    &iv, &pl, &b);
    pthread_mutex_unlock(&m->mu);
    if (!ok)
      return kite_error(c, 500, "GeneralException", "out of memory");
    if (pl.malformed)
      make_malformed(&b);
  }
  if (pl.content_type[0] != '\0')
    ctype = pl.content_type;
  count_status(m, ep, 200);
  if (pl.truncate)
    return send_truncated(c, &b);
  if (ep == EP_INSTRUMENTS) {
    const char *ae =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding");
    if (ae && strstr(ae, "gzip")) {
      g6_buf z = G6_BUF_INIT;
      if (gzip_buf(&b, &z)) {
        g6_buf_free(&b);
        b = z;
        encoding = "gzip";
      } else {
        g6_buf_free(&z);
      }
    }
  }
  return send_buf(c, 200, ctype, &b, encoding);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe) {
  (void)cls;
  (void)c;
  (void)toe;
  conn *cn = *con_cls;
  if (cn) {
    g6_buf_free(&cn->body);
    free(cn);
    *con_cls = NULL;
  }
}

void *server_start(mockd *m, const char *addr, int port, int *bound_port,
                   int *why) {
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  *why = 0;
  if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
    *why = -1;
    return NULL;
  }
  /* the listening socket is g6-mockd's own so that a failure has its errno
   * (libmicrohttpd only returns NULL); MHD closes it at MHD_stop_daemon */
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd < 0 ||
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 128) != 0) {
    *why = errno;
    if (fd >= 0)
      close(fd);
    return NULL;
  }
  struct MHD_Daemon *d = MHD_start_daemon(
      /* no MHD_USE_ERROR_LOG: injected truncations would be reported */
      MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD,
      (uint16_t)port, NULL, NULL, handle, m, MHD_OPTION_LISTEN_SOCKET, fd,
      MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
      /* 500 instruments in a query string need more than the default */
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(1u << 20), MHD_OPTION_END);
  if (d == NULL) /* fd is left open: whether MHD closed it is not said */
    return NULL;
  const union MHD_DaemonInfo *info =
      MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  *bound_port = info ? info->port : port;
  return d;
}

void server_stop(void *daemon) { MHD_stop_daemon(daemon); }
