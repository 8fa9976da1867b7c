/* g6_chain's option tables (config/chain.h) and the plugin registry
 * (config/plugins.h): a realistic block, the known-index defaults, the
 * messages of bad blocks, secrets, and every table's defaults. */
#include "g6_test.h"

#include "config/chain.h"
#include "config/plugins.h"
#include "conftext.h"

static g6_status parse(const char *text, g6_chain_config *cfg, g6_error *e) {
  oconfig_item_t *ci = conftext_parse("Plugin", "g6_chain", text);
  assert_non_null(ci);
  memset(cfg, 0, sizeof(*cfg));
  g6_status st = g6_chain_config_parse(ci, cfg, e);
  conftext_free(ci);
  return st;
}

static const char full[] =
    "DataDir \"/srv/g6\"\n"
    "RiskFreeRate 0.07\n"
    "Fsync \"never\"\n"
    "<Provider \"kite\">\n"
    "  URL \"http://127.0.0.1:1\"\n"
    "  APIKeyFile \"/etc/g6/kite.key\"\n"
    "  AccessToken \"tok\"\n"
    "  Timeout 2.5\n"
    "  Retries 4\n"
    "  MaxBodyBytes 65536\n"
    "</Provider>\n"
    "<Index \"NIFTY\">\n"
    "  Expiry \"this_week\" \"next_month\" \"2026-12-31\"\n"
    "  StrikesBelowATM 3\n"
    "  Interval 30\n"
    "</Index>\n"
    "<Index \"SENSEX\">\n"
    "</Index>\n"
    "<Index \"MYIDX\">\n"
    "  Underlying \"NSE:MY INDEX\"\n"
    "  StrikeStep 25\n"
    "  VolatilityIndex \"\"\n"
    "</Index>\n";

static void full_block(void **state) {
  (void)state;
  g6_chain_config c;
  g6_error e;
  assert_int_equal(parse(full, &c, &e), G6_OK);
  assert_string_equal(c.data_dir, "/srv/g6");
  assert_null(c.holidays_file);
  assert_close(c.cc.r, 0.07, 0);
  assert_close(c.cc.iv_max, 5, 0);
  assert_close(c.cc.thresholds.strike_ok, 0.75, 0);
  assert_int_equal(c.cc.fsync, G6_FSYNC_NEVER);
  assert_true(c.cc.write_csv && c.cc.write_snapshot && !c.cc.force_open);
  const g6_kite_config *k = &c.provider.kite;
  assert_true(c.provider.configured);
  assert_string_equal(k->base_url, "http://127.0.0.1:1");
  assert_string_equal(k->api_key_file, "/etc/g6/kite.key");
  assert_null(k->api_key);
  assert_string_equal(k->access_token, "tok");
  assert_close(k->timeout_s, 2.5, 0);
  assert_close(k->instruments_timeout_s, 30, 0);
  assert_int_equal(k->retry_attempts, 4);
  assert_int_equal(k->max_body_quote, 65536);
  assert_close(k->quote_rps, 1, 0);
  assert_close(c.provider.refresh_min_interval, 60, 0);
  assert_int_equal(c.n_indices, 3);
  const g6_chain_index_config *n = c.indices[0];
  assert_string_equal(n->ix.name, "NIFTY");
  assert_string_equal(n->ix.underlying, "NSE:NIFTY 50");
  assert_string_equal(n->ix.segment, "NFO-OPT");
  assert_close(n->ix.step, 50, 0);
  assert_int_equal(n->ix.below, 3);
  assert_int_equal(n->ix.above, 10);
  assert_int_equal(n->ix.n_expiries, 3);
  assert_int_equal(n->ix.expiries[1].rule, G6_EXPIRY_NEXT_MONTH);
  assert_int_equal(n->ix.expiries[2].rule, G6_EXPIRY_DATE);
  assert_int_equal(n->ix.expiries[2].date.day, 31);
  assert_close(n->interval, 30, 0);
  const g6_chain_index_config *s = c.indices[1];
  assert_string_equal(s->ix.underlying, "BSE:SENSEX");
  assert_string_equal(s->ix.segment, "BFO-OPT");
  assert_close(s->ix.step, 100, 0);
  assert_int_equal(s->ix.n_expiries, 1); /* the default: this_week */
  assert_int_equal(s->ix.expiries[0].rule, G6_EXPIRY_THIS_WEEK);
  assert_close(s->interval, 0, 0); /* the plugin's */
  const g6_chain_index_config *m = c.indices[2];
  assert_string_equal(m->ix.underlying, "NSE:MY INDEX");
  assert_string_equal(m->ix.segment, "NFO-OPT");
  assert_close(m->ix.step, 25, 0);
  /* India VIX with every index's underlying unless switched off */
  assert_string_equal(n->ix.vix, "NSE:INDIA VIX");
  assert_string_equal(s->ix.vix, "NSE:INDIA VIX");
  assert_string_equal(m->ix.vix, "");
  /* each index's exchange, whose calendar gates it */
  assert_string_equal(n->exchange, "NSE");
  assert_string_equal(s->exchange, "BSE");
  assert_string_equal(m->exchange, "NSE");
  char buf[256];
  assert_null(g6_chain_calendar_path(&c, s, buf, sizeof(buf)));
  g6_chain_config_free(&c);
  /* CalendarDir: <dir>/<Exchange>.txt; an index may name its exchange */
  const char cal[] = "CalendarDir \"/usr/share/g6/calendars\"\n"
                     "<Index \"SENSEX\">\n</Index>\n"
                     "<Index \"MYIDX\">\n Underlying \"MCX:X\"\n"
                     " StrikeStep 5\n OptionSegment \"MCX-OPT\"\n"
                     " Exchange \"MCX\"\n</Index>\n";
  assert_int_equal(parse(cal, &c, &e), G6_OK);
  assert_string_equal(
      g6_chain_calendar_path(&c, c.indices[0], buf, sizeof(buf)),
      "/usr/share/g6/calendars/BSE.txt");
  assert_string_equal(
      g6_chain_calendar_path(&c, c.indices[1], buf, sizeof(buf)),
      "/usr/share/g6/calendars/MCX.txt");
  g6_chain_config_free(&c);
  /* HolidaysFile: one calendar for every index */
  assert_int_equal(parse("HolidaysFile \"/etc/h.txt\"\n<Index \"SENSEX\">\n"
                         "</Index>\n",
                         &c, &e),
                   G6_OK);
  assert_string_equal(
      g6_chain_calendar_path(&c, c.indices[0], buf, sizeof(buf)), "/etc/h.txt");
  g6_chain_config_free(&c);
  assert_null(c.data_dir);
  assert_int_equal(c.n_indices, 0);
}

static void bad_blocks(void **state) {
  (void)state;
  static const struct {
    const char *text, *want;
  } v[] = {
      {"<Index \"NIFTY\">\n StrikeStep -5\n</Index>",
       "Plugin \"g6_chain\" / Index \"NIFTY\": option StrikeStep = -5: out of "
       "range; allowed: a number from 0.01 to 100000"},
      {"<Index \"MYIDX\">\n</Index>",
       "<Index \"MYIDX\">: option Underlying is required"},
      {"<Index \"nifty\">\n</Index>",
       "<Index \"nifty\">: not an index g6 knows; names are case-sensitive "
       "(Kite's instrument name): did you mean <Index \"NIFTY\">?"},
      {"<Index \"BankNifty\">\n StrikeStep 100\n</Index>",
       "did you mean <Index \"BANKNIFTY\">?"},
      {"<Index \"MYIDX\">\n Underlying \"NSE:X\"\n</Index>",
       "<Index \"MYIDX\">: option StrikeStep is required"},
      {"<Index \"NIFTY\">\n Underlying \"NIFTY 50\"\n</Index>",
       "option Underlying = \"NIFTY 50\": expected EXCHANGE:SYMBOL"},
      {"<Index \"NIFTY\">\n VolatilityIndex \"INDIA VIX\"\n</Index>",
       "option VolatilityIndex = \"INDIA VIX\": expected EXCHANGE:SYMBOL, or "
       "\"\" for none"},
      {"<Index \"NIFTY\">\n OptionSegment \"0123456789ABCDEF\"\n</Index>",
       "option OptionSegment = \"0123456789ABCDEF\": too long"},
      {"<Index \"NIFTY\">\n Expiry \"this_week\" \"weekly\"\n</Index>",
       "option Expiry value \"weekly\": unknown rule"},
      {"<Index \"NIFTY\">\n Expiry \"2026-02-30\"\n</Index>",
       "option Expiry value \"2026-02-30\": no such date; allowed:"},
      {"<Provider \"kite\">\n APIKey \"k\"\n AccessToken \"t\"\n URL "
       "\"ftp://x\"\n</Provider>",
       "Plugin \"g6_chain\" / Provider \"kite\": option URL = \"ftp://x\": "
       "expected an http:// or https:// URL; allowed: an http:// or https:// "
       "URL with a host"},
      /* no host: requests went to "http:/quote", a name lookup of "quote" */
      {"<Provider \"kite\">\n APIKey \"k\"\n AccessToken \"t\"\n URL "
       "\"http://\"\n</Provider>",
       "Provider \"kite\": option URL = \"http://\": no host after the scheme; "
       "allowed: an http:// or https:// URL with a host"},
      {"<Provider \"kite\">\n APIKey \"k\"\n AccessToken \"t\"\n URL "
       "\"http://:8080\"\n</Provider>",
       "option URL = \"http://:8080\": no host after the scheme"},
      {"<Provider \"kite\">\n APIKey \"k\"\n AccessToken \"t\"\n URL "
       "\"http://127.0.0.1 :8080\"\n</Provider>",
       "option URL = \"http://127.0.0.1 :8080\": white space or a control "
       "character in it"},
      {"<Provider \"kite\">\n APIKey \"k\"\n AccessToken \"t\"\n URL "
       "\"http://127.0.0.1:99999\"\n</Provider>",
       "option URL = \"http://127.0.0.1:99999\": the port is not a number"},
      /* the paths g6 appends would land in the query */
      {"<Provider \"kite\">\n APIKey \"k\"\n AccessToken \"t\"\n URL "
       "\"https://api.kite.trade/?v=3\"\n</Provider>",
       "option URL = \"https://api.kite.trade/?v=3\": a query or fragment"},
      /* the password of a refused URL stays out of the message */
      {"<Provider \"kite\">\n APIKey \"k\"\n AccessToken \"t\"\n URL "
       "\"ftp://kite:hunter2pw@x/\"\n</Provider>",
       "option URL = \"ftp://***@x/\": expected an http:// or https:// URL"},
      {"<Provider \"kite\">\n APIKey \"k\"\n AccessToken \"t\"\n "
       "BreakerMinReset 60\n BreakerMaxReset 30\n</Provider>",
       "BreakerMaxReset (30) must be at least BreakerMinReset (60)"},
      /* RetryBackoff above the cap was silently replaced by it */
      {"<Provider \"kite\">\n APIKey \"k\"\n AccessToken \"t\"\n "
       "RetryBackoff 5\n</Provider>",
       "RetryBackoffMax (2.5) must be at least RetryBackoff (5)"},
      {"<Index \"NIFTY\">\n Expiry \"next_week\" \"next_week\"\n</Index>",
       "option Expiry lists \"next_week\" twice"},
      {"<Index \"NIFTY\">\n Expiry\n</Index>",
       "option Expiry = (nothing): wrong number of values"},
      {"<Index \"NI FTY\">\n</Index>",
       "<Index \"NI FTY\">: the name must be 1-31 letters"},
      {"<Index \"NIFTY\">\n</Index>\n<Index \"NIFTY\">\n</Index>",
       "<Index \"NIFTY\"> is defined twice; allowed: one <Index> block per "
       "index, with every option of that index in it"},
      /* one directory and snapshot file on a case-insensitive DataDir */
      {"<Index \"NIFTY\">\n</Index>\n<Index \"Nifty\">\n Underlying "
       "\"NSE:NIFTY 50\"\n StrikeStep 50\n</Index>",
       "<Index \"Nifty\">: the name differs from <Index \"NIFTY\"> only in "
       "case"},
      {"<Index>\n</Index>", "a block needs one name"},
      {"<Provider \"zerodha\">\n</Provider>",
       "<Provider \"zerodha\">: unknown provider; allowed: kite"},
      {"<Provider \"kite\">\n APIKey \"k\"\n</Provider>",
       "Provider \"kite\": AccessToken or AccessTokenFile is required"},
      {"<Provider \"kite\">\n AccessToken \"t\"\n</Provider>",
       "Provider \"kite\": APIKey or APIKeyFile is required"},
      {"<Provider \"kite\">\n APIKey \"k\"\n AccessToken \"t\"\n</Provider>\n"
       "<Provider \"kite\">\n APIKey \"k\"\n AccessToken \"t\"\n</Provider>",
       "<Provider \"kite\"> is defined twice; allowed: one <Provider \"kite\"> "
       "block, shared by every index"},
      {"IVMin 2\nIVMax 1", "IVMin (2) must be below IVMax (1)"},
      {"WriteSnapshot false\nKeepSnapshots true",
       "KeepSnapshots true needs WriteSnapshot true"},
      {"Fsync \"sometimes\"",
       "option Fsync = \"sometimes\": unknown value; allowed: never, cycle, "
       "always"},
      {"DataDir \"\"", "option DataDir = \"\": empty string"},
      {"HolidaysFile \"/a\"\nCalendarDir \"/b\"",
       "HolidaysFile and CalendarDir exclude each other"},
      {"<Index \"NIFTY\">\n Exchange \"../NSE\"\n</Index>",
       "option Exchange = \"../NSE\": expected letters and digits only"},
      {"<Index \"MYIDX\">\n Underlying \"MCX:X\"\n StrikeStep 5\n"
       " OptionSegment \"MCX-OPT\"\n</Index>",
       "<Index \"MYIDX\">: option Exchange is required: OptionSegment "
       "\"MCX-OPT\" does not name the exchange (NFO-* is NSE, BFO-* is BSE)"},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    g6_chain_config c;
    g6_error e;
    g6_status st = parse(v[i].text, &c, &e);
    if (st == G6_OK || strstr(e.msg, v[i].want) == NULL)
      fail_msg("%s: got %s \"%s\", want \"%s\"", v[i].text,
               g6_status_name(st), st == G6_OK ? "" : e.msg, v[i].want);
    g6_chain_config_free(&c);
  }
  /* 17 indices */
  char text[4096] = "";
  for (int i = 0; i < 17; i++)
    snprintf(text + strlen(text), sizeof(text) - strlen(text),
             "<Index \"I%d\">\n Underlying \"NSE:I\"\n StrikeStep 5\n"
             "</Index>\n",
             i);
  g6_chain_config c;
  g6_error e;
  assert_int_equal(parse(text, &c, &e), G6_ERANGE);
  assert_non_null(strstr(e.msg, "at most 16 <Index> blocks"));
  /* which block is one too many */
  assert_non_null(strstr(e.msg, "<Index \"I16\"> is index 17; allowed: "));
  g6_chain_config_free(&c);
}

/* a block without its <Provider> or any <Index> parses; what the init then
 * logs names the block and what is allowed, like every other refusal */
static void missing_blocks(void **state) {
  (void)state;
  g6_chain_config c;
  g6_error e;
  assert_int_equal(parse("DataDir \"/srv/g6\"\n", &c, &e), G6_OK);
  const char *m = g6_chain_config_missing(&c);
  assert_non_null(m);
  assert_non_null(strstr(m, "no <Index> block configured"));
  assert_non_null(strstr(m, "allowed: 1 to 16 <Index \"NAME\"> blocks"));
  g6_chain_config_free(&c);
  assert_int_equal(parse("<Index \"NIFTY\">\n</Index>\n", &c, &e), G6_OK);
  m = g6_chain_config_missing(&c);
  assert_non_null(m);
  assert_non_null(strstr(m, "no <Provider \"kite\"> block configured; "
                            "allowed: one <Provider \"kite\"> block"));
  g6_chain_config_free(&c);
  assert_int_equal(parse(full, &c, &e), G6_OK);
  assert_null(g6_chain_config_missing(&c));
  g6_chain_config_free(&c);
}

static void secrets_never_echoed(void **state) {
  (void)state;
  const char *texts[] = {
      "<Provider \"kite\">\n APIKey 987654321\n</Provider>",
      "<Provider \"kite\">\n APIKey \"\"\n</Provider>",
      "<Provider \"kite\">\n APIKey \"s3cr3tkey\" \"s3cr3tkey\"\n</Provider>",
      "<Provider \"kite\">\n APIKey \"k\"\n AccessToken 987654321\n"
      "</Provider>",
  };
  for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
    g6_chain_config c;
    g6_error e;
    assert_int_not_equal(parse(texts[i], &c, &e), G6_OK);
    assert_null(strstr(e.msg, "987654321"));
    assert_null(strstr(e.msg, "s3cr3tkey"));
    assert_non_null(strstr(e.msg, "(hidden)"));
    g6_chain_config_free(&c);
  }
}

/* Every default of every table of every plugin parses (the tables are
 * documentation too: a default the parser would refuse is a bug). */
static void check_defaults(const g6_option_table *t) {
  static char target[1 << 16];
  memset(target, 0, sizeof(target));
  g6_error e;
  for (size_t i = 0; i < t->n; i++)
    assert_true(t->options[i].offset + t->options[i].size <= sizeof(target));
  if (g6_options_defaults(t, target, &e) != G6_OK)
    fail_msg("<%s>: %s", t->block, e.msg);
  g6_options_free(t, target);
  for (size_t i = 0; i < t->n; i++) {
    const g6_option *o = &t->options[i];
    assert_non_null(o->help);
    if (o->type == G6_OPT_BLOCK) {
      assert_non_null(o->block);
      assert_non_null(o->set);
      check_defaults(o->block);
    }
  }
}

static void every_table_default_parses(void **state) {
  (void)state;
  assert_true(g6_plugins_len >= 2);
  for (size_t i = 0; i < g6_plugins_len; i++)
    if (g6_plugins[i].table != NULL)
      check_defaults(g6_plugins[i].table);
  assert_ptr_equal(g6_plugin_find("g6_chain")->table, &g6_chain_options);
  assert_null(g6_plugin_find("g6_nosuch"));
}

static void twice_is_refused(void **state) {
  (void)state;
  g6_chain_config c;
  g6_error e;
  oconfig_item_t *ci = conftext_parse("Plugin", "g6_chain", "");
  memset(&c, 0, sizeof(c));
  assert_int_equal(g6_chain_config_parse(ci, &c, &e), G6_OK);
  assert_int_equal(g6_chain_config_parse(ci, &c, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "<Plugin g6_chain> is given twice"));
  conftext_free(ci);
  g6_chain_config_free(&c);
}

/* A calendar that cannot be loaded names the option it came from, its
 * value, the exchange's file and what is allowed; indices of one exchange
 * share one load. */
static void calendar_errors_name_the_option(void **state) {
  (void)state;
  static const struct {
    const char *name, *conf;
    const char *words[4];
  } vectors[] = {
      {"CalendarDir missing",
       "CalendarDir \"/nonexistent\"\n<Index \"NIFTY\">\n</Index>\n",
       {"CalendarDir \"/nonexistent\": the NSE calendar /nonexistent/NSE.txt: ",
        "cannot open /nonexistent/NSE.txt",
        "allowed: a directory holding <Exchange>.txt", NULL}},
      {"HolidaysFile missing",
       "HolidaysFile \"/nonexistent/h.txt\"\n<Index \"SENSEX\">\n</Index>\n",
       {"HolidaysFile \"/nonexistent/h.txt\": ",
        "cannot open /nonexistent/h.txt", "allowed: a calendar file", NULL}},
  };
  for (size_t v = 0; v < sizeof(vectors) / sizeof(vectors[0]); v++) {
    g6_chain_config c;
    g6_error e;
    assert_int_equal(parse(vectors[v].conf, &c, &e), G6_OK);
    g6_calendar_set set = {0};
    const g6_calendar *cal = (const g6_calendar *)&set;
    const char *path = "x";
    assert_int_not_equal(
        g6_chain_calendar_load(&c, c.indices[0], &set, &cal, &path, &e), G6_OK);
    assert_null(cal);
    for (size_t k = 0; vectors[v].words[k] != NULL; k++)
      if (strstr(e.msg, vectors[v].words[k]) == NULL)
        fail_msg("%s: \"%s\" not in: %s", vectors[v].name,
                 vectors[v].words[k], e.msg);
    g6_calendar_set_free(&set);
    g6_chain_config_free(&c);
  }
  /* no calendar configured: none, no error */
  g6_chain_config c;
  g6_error e;
  assert_int_equal(parse("<Index \"NIFTY\">\n</Index>\n", &c, &e), G6_OK);
  g6_calendar_set set = {0};
  const g6_calendar *cal = NULL;
  const char *path = NULL;
  assert_int_equal(
      g6_chain_calendar_load(&c, c.indices[0], &set, &cal, &path, &e), G6_OK);
  assert_null(cal);
  assert_null(path);
  g6_chain_config_free(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(full_block),
      cmocka_unit_test(bad_blocks),
      cmocka_unit_test(missing_blocks),
      cmocka_unit_test(secrets_never_echoed),
      cmocka_unit_test(calendar_errors_name_the_option),
      cmocka_unit_test(every_table_default_parses),
      cmocka_unit_test(twice_is_refused),
  };
  return G6_RUN_TESTS(tests);
}
