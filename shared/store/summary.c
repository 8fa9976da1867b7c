/* The `g6 summary` screen (see store/summary.h). */
#include "store/summary.h"

#include "core/fsutil.h"
#include "core/json.h"
#include "store/integrity.h"
#include "store/panels.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_PANEL G6_PANELS_MAX_FILE

/* A panel file's document (NULL when the file is missing or cannot be
 * used); *doc owns it. why (cap bytes) is "" when it is missing, else says
 * what is wrong with it ("unreadable: …", "not JSON: …"): a corrupt panel
 * is not a panel that is not there yet. */
static const g6_json *load(const char *dir, const char *file, g6_json **doc,
                           char *why, size_t cap) {
  char path[4096], *text = NULL;
  size_t len = 0;
  g6_error e;
  *doc = NULL;
  why[0] = '\0';
  if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
    return NULL;
  g6_status st = g6_read_file(path, MAX_PANEL, &text, &len, &e);
  if (st == G6_ENOENT)
    return NULL;
  if (st != G6_OK) {
    /* the cause, with the file's name for its path (the screen's header
     * names the directory): "cannot open x.json: Permission denied",
     * "x.json is not a regular file", "x.json is N bytes; the limit is M" */
    const char *at = strstr(e.msg, path);
    if (at != NULL)
      snprintf(why, cap, "unreadable: %.*s%s%s", (int)(at - e.msg), e.msg,
               file, at + strlen(path));
    else
      snprintf(why, cap, "unreadable: %.180s", e.msg);
    return NULL;
  }
  g6_status ps = g6_json_parse_limited(text, len, G6_JSON_BYTES,
                                       G6_PANELS_MAX_VALUES, doc, &e);
  if (ps == G6_ERANGE)
    snprintf(why, cap, "too large: %.160s", e.msg);
  else if (ps != G6_OK)
    snprintf(why, cap, "not JSON: %.160s", e.msg);
  free(text);
  return *doc;
}

/* The "data" object of a panel document, or NULL with why saying so. */
static const g6_json *panel_data(const g6_json *doc, char *why, size_t cap) {
  const g6_json *d = g6_json_object_get(doc, "data");
  if (doc != NULL && g6_json_type_of(d) != G6_JSON_OBJECT) {
    snprintf(why, cap, "no \"data\" object");
    return NULL;
  }
  return d;
}

/* What stands for a panel that cannot be shown: "no X panel yet" when it
 * is missing, "X panel unusable: …" otherwise. */
static const char *absent(char *buf, size_t cap, const char *panel,
                          const char *why) {
  if (why[0] == '\0')
    snprintf(buf, cap, "(no %s panel yet)", panel);
  else
    snprintf(buf, cap, "(%s panel unusable: %s)", panel, why);
  return buf;
}

static const g6_json *get(const g6_json *v, const char *a, const char *b) {
  v = g6_json_object_get(v, a);
  return b ? g6_json_object_get(v, b) : v;
}

static double num(const g6_json *v) {
  g6_json_type t = g6_json_type_of(v);
  return (v != NULL && (t == G6_JSON_INT || t == G6_JSON_REAL))
             ? g6_json_get_number(v)
             : NAN;
}

/* "-" for unknown values, else printf of fmt. */
static const char *fmt(char *buf, size_t len, const char *f, double v) {
  if (!isfinite(v))
    return "-";
  snprintf(buf, len, f, v);
  return buf;
}

static const char *fmt_age(char *buf, size_t len, double s) {
  if (!isfinite(s) || s < 0)
    return "-";
  long t = (long)(s + 0.5);
  if (t < 120)
    snprintf(buf, len, "%lds", t);
  else if (t < 3600)
    snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
  else if (t < 172800)
    snprintf(buf, len, "%ldh%02ldm", t / 3600, (t / 60) % 60);
  else
    snprintf(buf, len, "%ldd", t / 86400);
  return buf;
}

static const char *fmt_dur(char *buf, size_t len, double s) {
  if (!isfinite(s))
    return "-";
  if (s < 1)
    snprintf(buf, len, "%.0f ms", s * 1000);
  else
    snprintf(buf, len, "%.2f s", s);
  return buf;
}

static const char *str(const g6_json *v) {
  const char *s = g6_json_get_string(v, NULL);
  return s ? s : "-";
}

static const char *flag(const g6_json *v, const char *yes, const char *no) {
  if (g6_json_type_of(v) != G6_JSON_BOOL || v == NULL)
    return "-";
  return g6_json_get_bool(v) ? yes : no;
}

/* Appends one line, cut to `width` columns. Panel text is not trusted
 * with the terminal: every byte outside printable ASCII (control
 * characters, an escape sequence's ESC, DEL, non-ASCII) shows as '?', so a
 * byte is a column and nothing in a panel can move the cursor or recolour
 * the screen. */
static g6_status line(g6_buf *out, int width, const char *f, ...)
    __attribute__((format(printf, 3, 4)));
static g6_status line(g6_buf *out, int width, const char *f, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, f);
  vsnprintf(buf, sizeof(buf), f, ap);
  va_end(ap);
  size_t n = strlen(buf);
  if (width > 0 && n > (size_t)width)
    n = (size_t)width;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] > 0x7e)
      buf[i] = '?';
  g6_status st = g6_buf_append(out, buf, n);
  return st == G6_OK ? g6_buf_putc(out, '\n') : st;
}

/* `since` is how long ago the panels were written (0 when unknown): an
 * index's age is its age then plus that, so stale panels do not show a
 * fresh index. */
static g6_status indices(g6_buf *out, int width, const g6_json *d,
                         const char *why, double since) {
  g6_status st = line(out, width, "%-12s %-8s %-7s %11s %9s %11s %6s %6s %7s",
                      "INDEX", "STATUS", "MARKET", "SPOT", "ATM", "LEGS",
                      "PCR", "DQ%", "AGE");
  const g6_json *items = g6_json_object_get(d, "items");
  char buf[300];
  if (d == NULL)
    return line(out, width, "%s", absent(buf, sizeof(buf), "indices", why));
  if (g6_json_count(items) == 0)
    return line(out, width, "(no index reported yet)");
  bool biased = false;
  for (size_t i = 0; st == G6_OK && i < g6_json_count(items); i++) {
    const g6_json *it = g6_json_array_get(items, i);
    char spot[32], atm[32], legs[48], l1[16], l2[16], pcr[16], dq[16], age[16];
    snprintf(legs, sizeof(legs), "%s/%s",
             fmt(l1, sizeof(l1), "%.0f", num(get(it, "legs", NULL))),
             fmt(l2, sizeof(l2), "%.0f", num(get(it, "legs_requested", NULL))));
    /* a PCR that leaves out legs without a known OI is biased: starred */
    double pv = num(get(it, "pcr", NULL));
    bool star = isfinite(pv) && num(get(it, "pcr_missing_legs", NULL)) > 0;
    biased = biased || star;
    fmt(pcr, sizeof(pcr) - 1, "%.2f", pv);
    if (star)
      snprintf(pcr + strlen(pcr), sizeof(pcr) - strlen(pcr), "*");
    st = line(out, width, "%-12.12s %-8.8s %-7s %11s %9s %11s %6s %6s %7s",
              str(get(it, "index", NULL)), str(get(it, "status", NULL)),
              flag(get(it, "market_open", NULL), "open", "closed"),
              fmt(spot, sizeof(spot), "%.2f", num(get(it, "spot", NULL))),
              fmt(atm, sizeof(atm), "%.0f", num(get(it, "atm", NULL))), legs,
              isfinite(pv) ? pcr : "-",
              fmt(dq, sizeof(dq), "%.0f", num(get(it, "dq_score", NULL))),
              fmt_age(age, sizeof(age), num(get(it, "age", NULL)) + since));
  }
  if (st == G6_OK && biased)
    st = line(out, width,
              "* the PCR leaves out legs without a known OI "
              "(pcr_missing_legs > 0): biased, not comparable with a whole one");
  return st;
}

/* "" without a pause the provider imposed, else " | PAUSED 4m47s by the
 * provider (Retry-After; quote requests)": the longest pause of the
 * panel's limiters, less the panel's age (`since`). A panel without the
 * field (an older g6) shows nothing. */
static const char *pause_text(char *buf, size_t cap, const g6_json *p,
                              double since) {
  const g6_json *lims = get(p, "ratelimit_pause", "limiters");
  char names[128] = "", age[16];
  double longest = 0;
  for (size_t i = 0; i < g6_json_count(lims); i++) {
    double left = num(g6_json_object_value(lims, i)) - since;
    size_t klen = 0;
    const char *name = g6_json_object_key(lims, i, &klen);
    if (!(left > 0) || name == NULL)
      continue;
    size_t n = strlen(names);
    snprintf(names + n, sizeof(names) - n, "%s%.*s", n ? ", " : "",
             (int)(klen < 24 ? klen : 24), name);
    if (left > longest)
      longest = left;
  }
  buf[0] = '\0';
  if (longest > 0) {
    const char *why = g6_json_get_string(get(p, "ratelimit_pause", "reason"),
                                         NULL);
    snprintf(buf, cap, " | PAUSED %s by the provider (%s; %s requests)",
             fmt_age(age, sizeof(age), longest),
             why != NULL && strcmp(why, "retry_after") == 0 ? "Retry-After"
             : why != NULL                                  ? why
                                                            : "429",
             names);
  }
  return buf;
}

static g6_status provider(g6_buf *out, int width, const g6_json *p,
                          const char *why, double since) {
  char buf[300];
  if (p == NULL)
    return line(out, width, "PROVIDER   %s",
                absent(buf, sizeof(buf), "provider", why));
  /* the worst endpoint's p95 latency */
  double p95 = NAN;
  const g6_json *eps = g6_json_object_get(p, "endpoints");
  for (size_t i = 0; i < g6_json_count(eps); i++) {
    double x = num(get(g6_json_object_value(eps, i), "latency_p95_s", NULL));
    if (isfinite(x) && !(x <= p95))
      p95 = x;
  }
  char rq[32], er[32], ratio[32], lat[32], cache[32];
  const g6_json *latch = get(p, "auth_latched", NULL);
  return line(out, width,
              "PROVIDER   breaker %s%s | %s req/s | errors %s/s (%s) | p95 %s | "
              "auth %s | waited for rate limit %s | cache hits %s",
              str(get(p, "breaker", "state")),
              pause_text(buf, sizeof(buf), p, since),
              fmt(rq, sizeof(rq), "%.1f", num(get(p, "requests_per_s", NULL))),
              fmt(er, sizeof(er), "%.2f", num(get(p, "errors_per_s", NULL))),
              fmt(ratio, sizeof(ratio), "%.1f%%",
                  100 * num(get(p, "error_ratio", NULL))),
              fmt_dur(lat, sizeof(lat), p95),
              flag(latch, "FAILED (renew the token)", "ok"),
              flag(get(p, "throttled", NULL), "yes", "no"),
              fmt(cache, sizeof(cache), "%.0f%%",
                  100 * num(get(p, "cache_hit_ratio", NULL))));
}

static g6_status system_line(g6_buf *out, int width, const g6_json *s,
                             const char *why) {
  char buf[300];
  if (s == NULL)
    return line(out, width, "SYSTEM     %s",
                absent(buf, sizeof(buf), "system", why));
  char cyc[32], dur[32], cpu[32], rss[32], kept[32], drop[32], up[32];
  return line(out, width,
              "SYSTEM     cycles %s | last cycle %s | CPU %s | RSS %s | "
              "series %s, %s dropped | up %s",
              fmt(cyc, sizeof(cyc), "%.0f", num(get(s, "cycle", NULL))),
              fmt_dur(dur, sizeof(dur), num(get(s, "last_duration", NULL))),
              fmt(cpu, sizeof(cpu), "%.1f%%",
                  100 * num(get(s, "cpu_ratio", NULL))),
              fmt(rss, sizeof(rss), "%.1f MB",
                  num(get(s, "memory_rss_mb", NULL))),
              fmt(kept, sizeof(kept), "%.0f", num(get(s, "series_kept", NULL))),
              fmt(drop, sizeof(drop), "%.0f",
                  num(get(s, "series_dropped", NULL))),
              fmt_age(up, sizeof(up), num(get(s, "uptime_s", NULL))));
}

static g6_status integrity(g6_buf *out, int width, const char *dir,
                           const unsigned char *key, size_t key_len) {
  g6_integrity_report r = {0};
  g6_status st = g6_integrity_check(dir, key, key_len, &r);
  if (st != G6_OK)
    return st;
  if (r.n == 0) {
    st = line(out, width, "INTEGRITY  OK: %zu files match manifest.json%s",
              r.entries, key ? " (signature checked)" : "");
  } else {
    char list[900] = "";
    size_t o = 0;
    for (size_t i = 0; i < r.n && o < sizeof(list) - 1; i++)
      o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s: %s",
                            i ? "; " : "", r.issues[i].file,
                            r.issues[i].problem);
    st = line(out, width, "INTEGRITY  %zu PROBLEM%s: %s", r.n,
              r.n == 1 ? "" : "S", list);
  }
  g6_integrity_report_free(&r);
  return st;
}

g6_status g6_summary_render(const char *dir, const unsigned char *key,
                            size_t key_len, double now, int width,
                            g6_buf *out) {
  g6_json *man = NULL, *ix = NULL, *pv = NULL, *sy = NULL;
  char w_man[200], w_ix[200], w_pv[200], w_sy[200];
  const g6_json *m = load(dir, G6_PANELS_MANIFEST, &man, w_man, sizeof(w_man));
  const g6_json *d_ix = panel_data(
      load(dir, "indices_panel" G6_PANELS_SUFFIX, &ix, w_ix, sizeof(w_ix)),
      w_ix, sizeof(w_ix));
  const g6_json *d_pv = panel_data(
      load(dir, "provider" G6_PANELS_SUFFIX, &pv, w_pv, sizeof(w_pv)), w_pv,
      sizeof(w_pv));
  const g6_json *d_sy = panel_data(
      load(dir, "system" G6_PANELS_SUFFIX, &sy, w_sy, sizeof(w_sy)), w_sy,
      sizeof(w_sy));
  char when[40], age[16], cyc[32];
  time_t t = (time_t)now;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
  double ts = num(g6_json_object_get(m, "ts"));
  double interval = num(g6_json_object_get(d_sy, "interval"));
  bool stale = isfinite(ts) && isfinite(interval) &&
               now - ts > 3 * interval + 5;
  g6_status st;
  if (m == NULL && w_man[0] != '\0')
    st = line(out, width, "g6 summary | %s | %s | manifest.json unusable: %s",
              dir, when, w_man);
  else if (m == NULL)
    st = line(out, width, "g6 summary | %s | %s | no manifest.json (is "
                          "g6_panels running?)",
              dir, when);
  else
    /* without the flush interval (the system panel unusable) STALE
     * cannot be judged: said so, never taken for fresh */
    st = line(out, width, "g6 summary | %s | %s | panels updated %s ago%s "
                          "(cycle %s)",
              dir, when, fmt_age(age, sizeof(age), now - ts),
              stale                  ? " STALE"
              : !isfinite(interval) ? " (STALE unknown: no interval in the "
                                      "system panel)"
                                    : "",
              fmt(cyc, sizeof(cyc), "%.0f", num(g6_json_object_get(m, "cycle"))));
  if (st == G6_OK)
    st = line(out, width, "%s", "");
  if (st == G6_OK)
    st = indices(out, width, d_ix, w_ix,
                 isfinite(ts) && now > ts ? now - ts : 0);
  if (st == G6_OK)
    st = line(out, width, "%s", "");
  if (st == G6_OK)
    st = provider(out, width, d_pv, w_pv,
                  isfinite(ts) && now > ts ? now - ts : 0);
  if (st == G6_OK)
    st = system_line(out, width, d_sy, w_sy);
  if (st == G6_OK)
    st = integrity(out, width, dir, key, key_len);
  g6_json_free(man);
  g6_json_free(ix);
  g6_json_free(pv);
  g6_json_free(sy);
  return st;
}
