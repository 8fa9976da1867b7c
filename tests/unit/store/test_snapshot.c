/* The chain snapshot writer (store/snapshot.h) and the streaming JSON writer
 * under it (core/jsonw.h): the bytes equal what g6_json_dump_pretty writes
 * for the same document (keys in byte order, Python's float repr, null for
 * unknowns), and the file is replaced atomically, its directory made again
 * when it vanished. */
#include "g6_test.h"

#include "core/fsutil.h"
#include "core/json.h"
#include "core/jsonw.h"
#include "store/snapshot.h"

G6_TEST_TMPDIR("snapshot")

/* Parses text and dumps it pretty: equal to text when text has sorted keys
 * and dump_pretty's layout. */
static void assert_canonical_pretty(const char *text, size_t len) {
  g6_json *doc = NULL;
  g6_error e;
  if (g6_json_parse(text, len, &doc, &e) != G6_OK)
    fail_msg("does not parse: %s", e.msg);
  g6_buf b = G6_BUF_INIT;
  assert_int_equal(g6_json_dump_pretty(doc, &b), G6_OK);
  if (b.len != len || memcmp(b.data, text, len) != 0) {
    size_t i = 0;
    while (i < len && i < b.len && b.data[i] == text[i])
      i++;
    fail_msg("differs from dump_pretty at byte %zu: ...%.60s... vs ...%.60s...",
             i, text + (i > 20 ? i - 20 : 0),
             b.data + (i > 20 ? i - 20 : 0));
  }
  g6_buf_free(&b);
  g6_json_free(doc);
}

static void jsonw_matches_the_dom_dumps(void **state) {
  (void)state;
  for (int pretty = 0; pretty < 2; pretty++) {
    g6_buf b = G6_BUF_INIT;
    g6_jw w;
    g6_jw_init(&w, &b, pretty);
    g6_jw_object_begin(&w);
    g6_jw_key(&w, "a");
    g6_jw_array_begin(&w);
    g6_jw_int(&w, -3);
    g6_jw_real(&w, 0.1);
    g6_jw_real(&w, 1.0);
    g6_jw_real(&w, 1e16);
    g6_jw_number_or_null(&w, NAN);
    g6_jw_count_or_null(&w, 24800.0);
    g6_jw_count_or_null(&w, 0.5);
    g6_jw_array_end(&w);
    g6_jw_key(&w, "b");
    g6_jw_array_begin(&w);
    g6_jw_array_end(&w);
    g6_jw_key(&w, "c");
    g6_jw_object_begin(&w);
    g6_jw_object_end(&w);
    g6_jw_key(&w, "d");
    g6_jw_string(&w, "q\"uo\\te\n\xc3\xa9\xf0\x9f\x98\x80");
    g6_jw_key(&w, "e");
    g6_jw_object_begin(&w);
    g6_jw_key(&w, "x");
    g6_jw_bool(&w, true);
    g6_jw_key(&w, "y");
    g6_jw_null(&w);
    g6_jw_object_end(&w);
    g6_jw_object_end(&w);
    assert_int_equal(g6_jw_finish(&w), G6_OK);
    g6_json *doc = NULL;
    assert_int_equal(g6_json_parse(b.data, b.len, &doc, NULL), G6_OK);
    g6_buf want = G6_BUF_INIT;
    if (pretty)
      g6_json_dump_pretty(doc, &want);
    else
      g6_json_dump_canonical(doc, &want);
    assert_string_equal(b.data, want.data);
    assert_non_null(strstr(b.data, "0.1"));
    assert_non_null(strstr(b.data, "1e+16"));
    assert_non_null(strstr(b.data, "24800,"));
    assert_non_null(strstr(b.data, "\\u00e9\\ud83d\\ude00"));
    g6_json_free(doc);
    g6_buf_free(&want);
    g6_buf_free(&b);
  }
  /* errors are sticky and reported once */
  g6_buf b = G6_BUF_INIT;
  g6_jw w;
  g6_jw_init(&w, &b, true);
  g6_jw_object_begin(&w);
  g6_jw_key(&w, "bad");
  g6_jw_string(&w, "\xff");
  g6_jw_object_end(&w);
  assert_int_equal(g6_jw_finish(&w), G6_EINVAL);
  g6_jw_init(&w, &b, false);
  g6_jw_array_begin(&w);
  assert_int_equal(g6_jw_finish(&w), G6_EINVAL); /* left open */
  g6_buf_free(&b);
}

/* A small chain: two strikes, a resolved expiry with every kind of leg, an
 * unresolved one, a date rule. */
static void build(g6_snapshot *s, g6_index_config *ix, g6_expiry_result *ex,
                  g6_chain_leg *legs, double *strikes) {
  memset(ix, 0, sizeof(*ix));
  snprintf(ix->name, sizeof(ix->name), "NIFTY");
  snprintf(ix->underlying, sizeof(ix->underlying), "NSE:NIFTY 50");
  snprintf(ix->segment, sizeof(ix->segment), "NFO-OPT");
  strikes[0] = 24800;
  strikes[1] = 24850;
  for (int i = 0; i < 4; i++) {
    g6_chain_leg *l = &legs[i];
    memset(l, 0, sizeof(*l));
    l->q = (g6_quote_leg){.strike = strikes[i / 2], .is_put = i % 2,
                          .quoted = true, .last = 101.25 + i, .avg = 100.5,
                          .bid = 101, .ask = NAN, .volume = 348150,
                          .oi = 5668350};
    snprintf(l->key, sizeof(l->key), "NFO:NIFTY25O21%d%s",
             (int)strikes[i / 2], i % 2 ? "PE" : "CE");
    l->iv = 0.1489781420786731;
    l->delta = 0.66;
    l->gamma = 0.0014187194417210267;
    l->theta = -32.195474053674396;
    l->vega = 6.31;
    l->rho = 0.75;
  }
  legs[3].reject = G6_REJECT_MISSING_QUOTE;
  legs[3].q.quoted = false;
  legs[3].iv_status = G6_ENOENT;
  legs[3].iv = legs[3].delta = legs[3].gamma = NAN;
  legs[3].theta = legs[3].vega = legs[3].rho = NAN;
  legs[3].q.last = legs[3].q.volume = legs[3].q.oi = NAN;
  legs[2].key[0] = '\0';
  memset(ex, 0, 3 * sizeof(*ex));
  ex[0] = (g6_expiry_result){.tag = "this_week",
                             .spec = {.rule = G6_EXPIRY_THIS_WEEK},
                             .resolved = true,
                             .date = {2025, 10, 21},
                             .expiry_epoch = 1761041000,
                             .T = 0.0044191683602931835,
                             .legs_requested = 4,
                             .legs_listed = 3,
                             .legs_collected = 3,
                             .strike_coverage = 1.0,
                             .field_coverage = 2.0 / 3,
                             .status = G6_CHAIN_OK,
                             .pcr_oi = 1.0,
                             .pcr_volume = NAN,
                             .legs = legs};
  ex[0].rejects[G6_REJECT_MISSING_QUOTE] = 1;
  ex[1] = (g6_expiry_result){.tag = "next_month",
                             .spec = {.rule = G6_EXPIRY_NEXT_MONTH},
                             .resolved = false,
                             .resolve_status = G6_ENOENT,
                             .status = G6_CHAIN_EMPTY,
                             .pcr_oi = NAN,
                             .pcr_volume = NAN,
                             .legs = legs};
  ex[2] = ex[0];
  ex[2].tag = "next_week";
  ex[2].spec = (g6_expiry_spec){.rule = G6_EXPIRY_DATE, .date = {2025, 10, 28}};
  *s = (g6_snapshot){.ix = ix,
                     .seq = 7,
                     .generated_at = 1760950800,
                     .ts = 1760950800,
                     .market_open = true,
                     .status = G6_CHAIN_PARTIAL,
                     .error = G6_ETIMEOUT,
                     .spot = 24811.35,
                     .atm = 24800,
                     .step = 50,
                     .day_high = 24849.5,
                     .day_low = NAN,
                     .r = 0.065,
                     .q = 0,
                     .n_strikes = 2,
                     .strikes = strikes,
                     .n_expiries = 3,
                     .expiries = ex};
}

static void serialized_like_dump_pretty(void **state) {
  (void)state;
  g6_snapshot s;
  g6_index_config ix;
  g6_expiry_result ex[3];
  g6_chain_leg legs[4];
  double strikes[2];
  build(&s, &ix, ex, legs, strikes);
  g6_buf b = G6_BUF_INIT;
  assert_int_equal(g6_snapshot_serialize(&s, &b), G6_OK);
  assert_canonical_pretty(b.data, b.len);
  /* unknowns are null, whole numbers integers, the rest Python's repr */
  assert_non_null(strstr(b.data, "\"day_low\": null"));
  assert_non_null(strstr(b.data, "\"spot_time\": null,")); /* not said */
  assert_non_null(strstr(b.data, "\"pcr_volume\": null"));
  assert_non_null(strstr(b.data, "\"atm\": 24800,"));
  assert_non_null(strstr(b.data, "\"field_coverage\": 0.6666666666666666,"));
  assert_non_null(strstr(b.data, "\"error\": \"timeout\""));
  g6_buf_reset(&b);
  s.spot_time = 1760950790;
  assert_int_equal(g6_snapshot_serialize(&s, &b), G6_OK);
  assert_non_null(strstr(b.data, "\"spot_time\": 1760950790,"));
  assert_non_null(strstr(b.data, "\"rule\": \"date\""));
  assert_non_null(strstr(b.data, "\"key\": null"));
  assert_non_null(strstr(b.data, "\"reject\": \"missing_quote\""));
  assert_non_null(strstr(b.data, "\"schema\": \"g6.chain.snapshot/1\""));
  assert_non_null(strstr(b.data, "\"timestamp\": \"20-10-2025 14:30:00\""));
  assert_non_null(strstr(b.data, "\"legs\": []")); /* unresolved expiry */
  g6_buf_free(&b);
}

static void written_atomically_dir_made_again(void **state) {
  (void)state;
  g6_snapshot s;
  g6_index_config ix;
  g6_expiry_result ex[3];
  g6_chain_leg legs[4];
  double strikes[2];
  build(&s, &ix, ex, legs, strikes);
  g6_buf scratch = G6_BUF_INIT;
  g6_error e;
  for (int round = 0; round < 2; round++) {
    assert_int_equal(g6_snapshot_write(dir, &s, &scratch, round == 0, &e),
                     G6_OK);
    assert_int_equal(g6_snapshot_last_seq(dir, "NIFTY"), 7);
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s/snapshots'", dir);
    assert_int_equal(system(cmd), 0);
  }
  s.seq = 8;
  assert_int_equal(g6_snapshot_write(dir, &s, &scratch, false, &e), G6_OK);
  assert_int_equal(g6_snapshot_last_seq(dir, "NIFTY"), 8);
  g6_buf_free(&scratch);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(jsonw_matches_the_dom_dumps),
      cmocka_unit_test(serialized_like_dump_pretty),
      cmocka_unit_test(written_atomically_dir_made_again),
  };
  return cmocka_set_message_output(CM_OUTPUT_TAP),
         cmocka_run_group_tests(tests, setup, teardown);
}
