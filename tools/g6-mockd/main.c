/* g6-mockd — a local stand-in for the Kite Connect REST API: a deterministic
 * synthetic market for NIFTY, BANKNIFTY, FINNIFTY, MIDCPNIFTY and SENSEX with
 * fault injection. It is the demo's market and the tests' provider. */
#include "mockd.h"

#include "core/ist.h"
#include "core/json.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(FILE *out) {
  fprintf(out,
"Usage: g6-mockd [options]\n"
"\n"
"Serves Kite Connect's /instruments (CSV, gzip when asked), /quote,\n"
"/quote/ltp, /quote/ohlc and POST /session/token from a synthetic market\n"
"(NIFTY, BANKNIFTY, FINNIFTY, MIDCPNIFTY, SENSEX and NSE:INDIA VIX; prices\n"
"walk with the clock, open interest builds up through the session).\n"
"Requests need `X-Kite-Version: 3` and `Authorization: token KEY:TOKEN`.\n"
"\n"
"  --port N            TCP port (default 8765; 0 = any free port)\n"
"  --bind ADDR         IPv4 address to listen on (default 127.0.0.1)\n"
"  --seed N            market seed (default 1); prices are a pure function\n"
"                      of (seed, market clock)\n"
"  --clock EPOCH       freeze the market clock at EPOCH (Unix seconds);\n"
"                      default: the real clock\n"
"  --strikes N         strikes listed each side of the centre (default 200)\n"
"  --weeklies N        weekly expiries listed (default 4; NIFTY Tue, SENSEX Thu)\n"
"  --monthlies N       monthly expiries listed (default 3; last Tue / Thu)\n"
"  --calendar-dir D    exchange calendars D/NSE.txt and D/BSE.txt (g6's\n"
"                      format, e.g. calendars/): an expiry on a weekend or\n"
"                      holiday is listed on the previous regular trading\n"
"                      day, as the exchanges do (default: no calendar, every\n"
"                      expiry on its weekday)\n"
"  --rate R            risk-free rate of the option prices (default 0.065)\n"
"  --api-key K         accepted API key (default g6demo)\n"
"  --access-token T    accepted access token (default g6demo-token)\n"
"  --api-secret S      API secret for /session/token checksums\n"
"                      (default g6demo-secret)\n"
"  --fault SCOPE.NAME=VALUE   inject a fault (repeatable); SCOPE is all,\n"
"                      instruments, quote, ltp, ohlc, session or market\n"
"  --faults-json JSON  the same as POST /admin/faults with that body\n"
"  --help              this text\n"
"  --version           the version of g6 this is part of (as `g6 version`)\n"
"\n"
"Endpoint faults (counts fire for the next N requests, -1 = always):\n"
"  latency_ms=MS  stall=N (stall_s=S)  http5xx=N (status5xx=503)\n"
"  rate5xx=P  ratelimit=N (429; retry_after=S adds a Retry-After header,\n"
"  to a 429 and to a 5xx but 502's HTML page)\n"
"  malformed=N  truncate=N  huge=N (huge_bytes=B)\n"
"  drift=N (drift_mode=rename|missing|type|envelope)  auth_fail=N\n"
"  error=N  error_every=K (every Kth request)  error_key=TEXT (requests with\n"
"  an i= value containing TEXT, e.g. some /quote batches): answer with\n"
"  error_status=CODE (400-599, default 400; 200 for a captive portal's\n"
"  \"OK\" answer; 300-399 for one redirecting to its login page, with\n"
"  error_location=URL as the Location header, default\n"
"  http://portal.invalid/login?continue=...; any bytes but CR and LF, up to\n"
"  8191: relative, garbage, control characters, very long; blanks for an\n"
"  empty Location, nothing for none) and error_body=TokenException|\n"
"  PermissionException|InputException|NetworkException|DataException|\n"
"  GeneralException (Kite's envelope; the default) or html|text|json|empty\n"
"  (a body that is not Kite's); error_message=TEXT the envelope's message\n"
"  instead of the type's usual one, the text of a JSON string as it is\n"
"  (escapes such as \\u0061 included)\n"
"  content_type=TEXT  the Content-Type of the endpoint's own answer (Kite's\n"
"  JSON or CSV as a CDN may mislabel it, e.g. text/plain or text/html)\n"
"Market faults: zero_price_mod=M  negative_price_mod=M  empty_names=true\n"
"  no_vix=true (India VIX absent from answers)\n"
"  missing_index=NAME  unquoted_options=NAME (/quote omits every option\n"
"  of the index; the instrument list keeps them)\n"
"  remove_expiry=INDEX:YYYY-MM-DD\n"
"  move_expiry=INDEX:YYYY-MM-DD[:YYYY-MM-DD] (to the previous weekday, as\n"
"  for an expiry on a holiday, or to the given day; a weekly's symbol\n"
"  carries the new date)\n"
"  crossed_quote=SYM (bid above ask)  stale_quote=SYM (the quote from an\n"
"  index 2 %% lower, an hour old)  out_of_bounds_quote=SYM (5 %% above S for\n"
"  a call, K for a put)  malformed_quote=SYM (its volume a string; an\n"
"  index's last_price)\n"
"  no_oi_quote=SYM (without its oi fields)  stale_last_quote=SYM (the\n"
"  book kept, the last traded 3 h ago far outside it)  untraded_quote=SYM\n"
"  (volume 0 and average_price 0: no trade today)  iso_time_quote=SYM\n"
"  (timestamp, last_trade_time as 2025-11-21T10:10:00.000+05:30)\n"
"  bad_time_quote=SYM (timestamp \"21/11/2025 10:10\", last_trade_time\n"
"  null; also an index's): bad quotes of one\n"
"  instrument, SYM its trading symbol or EXCH:SYMBOL quote key\n"
"  (repeatable, up to 32)\n"
"  wrong_lot=SYM: the instruments dump lists SYM with twice its index's lot\n"
"  size (repeatable, up to 16)\n"
"\n"
"Admin (no auth): GET|POST|DELETE /admin/faults, GET|DELETE /admin/requests\n"
"  (POST /admin/faults/reset and /admin/requests/reset do the DELETEs)\n"
"  (requests served per endpoint and status), GET|POST /admin/clock\n"
"  ({\"epoch\":E} freezes, {\"advance\":S}, {\"real\":true}), POST /admin/auth\n"
"  ({\"access_token\":T}), GET /admin/market (spots, listed expiries).\n"
"\n"
"Prints \"g6-mockd listening on http://ADDR:PORT\" once ready; SIGTERM or\n"
"SIGINT stops it.\n");
}

static bool parse_int(const char *s, long lo, long hi, long *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < lo || v > hi)
    return false;
  *out = v;
  return true;
}

/* Every option takes a value; --help and --version are handled before. */
static bool known_option(const char *a) {
  static const char *const names[] = {
      "--port",       "--bind",         "--seed",       "--clock",
      "--strikes",    "--weeklies",     "--monthlies",  "--rate",
      "--api-key",    "--access-token", "--api-secret", "--fault",
      "--faults-json", "--calendar-dir"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (strcmp(a, names[i]) == 0)
      return true;
  return false;
}

int main(int argc, char **argv) {
  static mockd m;
  static g6_calendar cal_nse = G6_CALENDAR_INIT, cal_bse = G6_CALENDAR_INIT;
  pthread_mutex_init(&m.mu, NULL);
  m.mp.seed = 1;
  m.mp.strikes = 200;
  m.mp.weeklies = 4;
  m.mp.monthlies = 3;
  m.mp.rate = 0.065;
  snprintf(m.api_key, sizeof(m.api_key), "g6demo");
  snprintf(m.api_secret, sizeof(m.api_secret), "g6demo-secret");
  snprintf(m.tokens[0], sizeof(m.tokens[0]), "g6demo-token");
  m.ntokens = 1;
  faults_reset(&m.f);
  const char *bind = "127.0.0.1";
  long port = 8765;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    long n;
    g6_error err;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    }
    if (strcmp(a, "--version") == 0) {
      printf("g6 %s\n", G6_VERSION);
      return 0;
    }
    if (!known_option(a)) {
      fprintf(stderr, "g6-mockd: unknown option %s (see --help)\n", a);
      return 2;
    }
    if (v == NULL) {
      fprintf(stderr, "g6-mockd: %s needs a value (see --help)\n", a);
      return 2;
    }
    i++;
    if (strcmp(a, "--port") == 0 && parse_int(v, 0, 65535, &n))
      port = n;
    else if (strcmp(a, "--bind") == 0)
      bind = v;
    else if (strcmp(a, "--seed") == 0 && parse_int(v, 0, 0x7fffffffL, &n))
      m.mp.seed = (uint64_t)n;
    else if (strcmp(a, "--clock") == 0 && parse_int(v, 0, 4102444800L, &n)) {
      m.frozen = true;
      m.frozen_epoch = n;
    } else if (strcmp(a, "--strikes") == 0 && parse_int(v, 1, 1000, &n))
      m.mp.strikes = (int)n;
    else if (strcmp(a, "--weeklies") == 0 && parse_int(v, 0, 12, &n))
      m.mp.weeklies = (int)n;
    else if (strcmp(a, "--monthlies") == 0 && parse_int(v, 1, 12, &n))
      m.mp.monthlies = (int)n;
    else if (strcmp(a, "--calendar-dir") == 0) {
      char path[4096];
      g6_calendar *cals[2] = {&cal_nse, &cal_bse};
      const char *names[2] = {"NSE", "BSE"};
      for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof(path), "%s/%s.txt", v, names[k]);
        if (g6_calendar_load(cals[k], path, &err) != G6_OK) {
          fprintf(stderr,
                  "g6-mockd: --calendar-dir %s: %s; allowed: a directory "
                  "with NSE.txt and BSE.txt in g6's calendar format\n",
                  v, err.msg);
          return 2;
        }
      }
      m.mp.cal_nse = &cal_nse;
      m.mp.cal_bse = &cal_bse;
    } else if (strcmp(a, "--rate") == 0) {
      char *end;
      m.mp.rate = strtod(v, &end);
      if (*end != '\0' || !(m.mp.rate > -1 && m.mp.rate < 1)) {
        fprintf(stderr, "g6-mockd: --rate %s: want a number in (-1, 1)\n", v);
        return 2;
      }
    } else if (strcmp(a, "--api-key") == 0 && strlen(v) < sizeof(m.api_key))
      snprintf(m.api_key, sizeof(m.api_key), "%s", v);
    else if (strcmp(a, "--access-token") == 0 &&
             strlen(v) < sizeof(m.tokens[0]))
      snprintf(m.tokens[0], sizeof(m.tokens[0]), "%s", v);
    else if (strcmp(a, "--api-secret") == 0 &&
             strlen(v) < sizeof(m.api_secret))
      snprintf(m.api_secret, sizeof(m.api_secret), "%s", v);
    else if (strcmp(a, "--fault") == 0) {
      if (faults_apply_kv(&m.f, v, &err) != G6_OK) {
        fprintf(stderr, "g6-mockd: %s\n", err.msg);
        return 2;
      }
    } else if (strcmp(a, "--faults-json") == 0) {
      g6_json *doc = NULL;
      if (g6_json_parse(v, strlen(v), &doc, &err) != G6_OK ||
          faults_apply_json(&m.f, doc, &err) != G6_OK) {
        fprintf(stderr, "g6-mockd: --faults-json: %s\n", err.msg);
        g6_json_free(doc);
        return 2;
      }
      g6_json_free(doc);
    } else {
      fprintf(stderr, "g6-mockd: bad option or value: %s %s (see --help)\n",
              a, v);
      return 2;
    }
  }
  m.rng = m.mp.seed * 0x9E3779B97F4A7C15ull + 1;

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, NULL); /* threads inherit the mask */
  signal(SIGPIPE, SIG_IGN);

  int bound = 0, why = 0;
  void *d = server_start(&m, bind, (int)port, &bound, &why);
  if (d == NULL) {
    fprintf(stderr, "g6-mockd: cannot listen on %s:%ld (--bind, --port): %s\n",
            bind, port,
            why < 0 ? "not an IPv4 address"
            : why         ? strerror(why)
                          : "the HTTP server did not start");
    return 1;
  }
  printf("g6-mockd listening on http://%s:%d (seed %llu, clock %s)\n", bind,
         bound, (unsigned long long)m.mp.seed, m.frozen ? "frozen" : "real");
  fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  m.stopping = 1;
  server_stop(d);
  mk_listing_free(&m.listing);
  return 0;
}
