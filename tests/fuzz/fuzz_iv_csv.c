/* libFuzzer target: the `g6 iv` batch format (math/iv_csv.h), one input
 * line after the other, and the solver behind it.
 *
 * Invariants: no crash or sanitizer report; every line gives exactly one
 * output line of 7 fields whose status is the one returned (",parse,,,,,"
 * for a line that does not parse); a solved volatility reprices the option
 * to its price (within 1e-9 of the no-arbitrage bound and of the price: the
 * pricing formula's own rounding is far below, a wrong volatility far
 * above); and the batch solver gives bit for bit what the scalar one gives
 * (math/iv.h promises it). */
#include "math/iv_csv.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_line(const char *line, size_t len, const g6_iv_opts *opts) {
  g6_buf out = G6_BUF_INIT;
  g6_error err;
  g6_error_clear(&err);
  g6_status st = g6_iv_csv_line(line, len, opts, &out, &err);
  if (st == G6_ENOMEM)
    abort();
  size_t commas = 0, newlines = 0;
  for (size_t i = 0; i < out.len; i++) {
    commas += out.data[i] == ',';
    newlines += out.data[i] == '\n';
  }
  if (commas != 6 || newlines != 1 || out.data[out.len - 1] != '\n')
    abort(); /* one line of 7 fields */
  const char *status = strchr(out.data, ',') + 1;
  size_t slen = strlen(g6_status_name(st));
  if (strncmp(status, g6_status_name(st), slen) != 0 || status[slen] != ',')
    abort(); /* the status written is the status returned */
  g6_iv_row r;
  g6_status pst = g6_iv_row_parse(line, len, &r, NULL);
  if ((pst == G6_OK) != (st != G6_EPARSE))
    abort();
  if (st == G6_EPARSE && err.msg[0] == '\0')
    abort(); /* a row that does not parse says why */
  if (pst != G6_OK) {
    if (strcmp(out.data, ",parse,,,,,\n") != 0)
      abort();
    g6_buf_free(&out);
    return;
  }
  double iv;
  g6_status s1 = g6_iv_bsm(r.type, r.S, r.K, r.T, r.r, r.q, r.price, opts, &iv);
  if (s1 != st)
    abort();
  g6_iv_job job = {.type = r.type, .K = r.K, .T = r.T, .price = r.price};
  g6_iv_bsm_batch(r.S, r.r, r.q, opts, &job, 1);
  if (job.status != s1 ||
      (memcmp(&job.iv, &iv, sizeof(iv)) != 0 && !(isnan(job.iv) && isnan(iv))))
    abort(); /* batch == scalar */
  if (st == G6_OK || st == G6_EIV_OUT_OF_BOUNDS) {
    if (!(iv > 0) || !isfinite(iv))
      abort();
    double p = g6_bsm_price(r.type, r.S, r.K, r.T, r.r, r.q, iv);
    double bound = fmax(r.S * exp(-r.q * r.T), r.K * exp(-r.r * r.T));
    if (isfinite(p) && isfinite(bound) &&
        !(fabs(p - r.price) <= 1e-9 * bound + 1e-9 * fabs(r.price)))
      abort(); /* the volatility does not give the price back */
  } else if (!isnan(iv)) {
    abort(); /* no volatility with any other status */
  }
  g6_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  g6_iv_opts bounds = {0.01, 3.0, 0};
  const char *p = (const char *)data, *end = p + size;
  for (int n = 0; p < end && n < 64; n++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
    check_line(p, len, (n & 1) ? &bounds : NULL);
    p += len + 1;
  }
  return 0;
}
