/* The `g6 iv` batch format (math/iv_csv.h): the row parser on good and bad
 * lines, and the output line of each kind of result. */
#include "g6_test.h"

#include "math/iv_csv.h"

static g6_status line(const char *in, char *out, size_t len) {
  g6_buf b = G6_BUF_INIT;
  g6_status st = g6_iv_csv_line(in, strlen(in), NULL, &b, NULL);
  snprintf(out, len, "%s", b.data ? b.data : "");
  g6_buf_free(&b);
  return st;
}

static void rows_parse(void **state) {
  (void)state;
  g6_iv_row r;
  const char ok[] = " ce , 24000, 24100 ,0.05,0.065, 0 , 210.5 ";
  assert_int_equal(g6_iv_row_parse(ok, strlen(ok), &r, NULL), G6_OK);
  assert_int_equal(r.type, G6_CALL);
  assert_close(r.S, 24000, 0);
  assert_close(r.K, 24100, 0);
  assert_close(r.T, 0.05, 0);
  assert_close(r.r, 0.065, 0);
  assert_close(r.q, 0, 0);
  assert_close(r.price, 210.5, 0);
  const char put[] = "PUT,1,1,1,0,0,nan";
  assert_int_equal(g6_iv_row_parse(put, strlen(put), &r, NULL), G6_OK);
  assert_int_equal(r.type, G6_PUT);
  assert_true(isnan(r.price));
  /* only the first len bytes count */
  assert_int_equal(g6_iv_row_parse("C,1,1,1,0,0,1,junk", 13, &r, NULL), G6_OK);
}

static void bad_rows(void **state) {
  (void)state;
  /* each names the field and its value */
  static const struct {
    const char *line, *msg;
  } bad[] = {
      {"", "1 field, expected 7 (type,S,K,T,r,q,price)"},
      {"C,1,1,1,0,0", "6 fields, expected 7"},
      {"C,1,1,1,0,0,1,1", "more than 7 fields"},
      {"X,1,1,1,0,0,1", "type \"X\" is not C, P, CE, PE, CALL or PUT"},
      {"CALLS,1,1,1,0,0,1", "type \"CALLS\" is not"},
      {"C,,1,1,0,0,1", "S \"\" is not a decimal number"},
      {"C,1,1,1,0,0,1.5x", "price \"1.5x\" is not a decimal number"},
      {"C,1,1,1,0,0, ", "price \"\" is not a decimal number"},
      {"C,0x,1,1,0,0,1", "S \"0x\" is not a decimal number"},
      /* strtod reads hexadecimal: 0x10 would have been a price of 16 */
      {"C,100,100,0.1,0.065,0,0x10", "price \"0x10\" is not a decimal number"},
      {"C,100,0X1p4,0.1,0.065,0,1", "K \"0X1p4\" is not a decimal number"},
      {",,,,,,", "type \"\" is not"},
  };
  g6_iv_row r = {.S = 7};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    g6_error e;
    g6_error_clear(&e);
    if (g6_iv_row_parse(bad[i].line, strlen(bad[i].line), &r, &e) !=
            G6_EPARSE ||
        strstr(e.msg, bad[i].msg) == NULL)
      fail_msg("\"%s\": \"%s\", want \"%s\"", bad[i].line, e.msg,
               bad[i].msg);
    assert_close(r.S, 7, 0); /* untouched */
  }
  static const char nul[] = "C,1,1,1,0,0,1\0,2";
  assert_int_equal(g6_iv_row_parse(nul, sizeof(nul) - 1, &r, NULL), G6_EPARSE);
}

static void headers(void **state) {
  (void)state;
  assert_true(g6_iv_csv_is_header("type,S,K,T,r,q,price", 20));
  assert_true(g6_iv_csv_is_header("  TYPE", 6));
  assert_false(g6_iv_csv_is_header("typ", 3));
  assert_false(g6_iv_csv_is_header("C,1,1,1,0,0,1", 13));
  assert_string_equal(g6_iv_csv_header, "iv,status,delta,gamma,theta,vega,rho");
}

static void output_lines(void **state) {
  (void)state;
  char out[256];
  assert_int_equal(line("C,1,1,1,0,0", out, sizeof(out)), G6_EPARSE);
  assert_string_equal(out, ",parse,,,,,\n");
  /* expired: a status and no numbers */
  assert_int_equal(line("P,100,100,0,0,0,1", out, sizeof(out)), G6_EEXPIRED);
  assert_string_equal(out, ",expired,,,,,\n");
  /* an ATM call priced at vol 0.2: the vol back, and its Greeks */
  double price = g6_bsm_price(G6_CALL, 100, 100, 0.5, 0.05, 0.01, 0.2);
  char in[128];
  snprintf(in, sizeof(in), "C,100,100,0.5,0.05,0.01,%.17g", price);
  assert_int_equal(line(in, out, sizeof(out)), G6_OK);
  double iv;
  char status[32];
  assert_int_equal(sscanf(out, "%lf,%31[^,]", &iv, status), 2);
  assert_close(iv, 0.2, 1e-12);
  assert_string_equal(status, "ok");
  int commas = 0;
  for (const char *p = out; *p; p++)
    commas += *p == ',';
  assert_int_equal(commas, 6);
  assert_int_equal(out[strlen(out) - 1], '\n');
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(rows_parse),
      cmocka_unit_test(bad_rows),
      cmocka_unit_test(headers),
      cmocka_unit_test(output_lines),
  };
  return G6_RUN_TESTS(tests);
}
