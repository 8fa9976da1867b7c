/* libFuzzer target: reading the per-strike CSV files back (store/csv_read.h)
 * for `g6 replay` and `g6 overlay` — the row parser, the file reader and
 * the book that regroups rows into chains — and the analytics run on those
 * chains (math/chain_report.h), as `g6 replay FILE.csv` does.
 *
 * The input is one file's content. Invariants: no crash or sanitizer
 * report; a parsed row's time of day agrees with its timestamp (IST) and
 * its names are terminated; the file reader passes at most one row per
 * complete line; the book's chains come in timestamp order with each
 * expiry's legs sorted by strike inside the legs array, and the analytics
 * accept every chain it builds. */
#include "core/ist.h"
#include "math/chain_report.h"
#include "store/csv_read.h"

#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char path[512];

static void setup_once(void) {
  if (path[0])
    return;
  char base[256];
  snprintf(base, sizeof(base), "%s/g6-fuzz-csv-XXXXXX",
           access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
  if (mkdtemp(base) == NULL)
    abort();
  snprintf(path, sizeof(path), "%s/2025-01-06.csv", base);
}

static void check_row(const g6_csv_strike_row *r) {
  if (memchr(r->index, '\0', sizeof(r->index)) == NULL ||
      memchr(r->tag, '\0', sizeof(r->tag)) == NULL)
    abort();
  if (r->sod < 0 || r->sod >= 86400)
    abort();
  int64_t local = r->ts + G6_IST_OFFSET_S;
  int64_t sod = ((local % 86400) + 86400) % 86400;
  if (sod != r->sod)
    abort(); /* the time of day is the timestamp's, in IST */
}

static bool count_row(void *ctx, const g6_csv_strike_row *r) {
  check_row(r);
  ++*(size_t *)ctx;
  return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  setup_once();
  /* the row parser, line by line */
  size_t lines = 0;
  for (const uint8_t *p = data, *end = data + size; p < end;) {
    const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
    size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
    lines += nl != NULL;
    char *line = strndup((const char *)p, len);
    g6_csv_strike_row r;
    g6_error e;
    if (g6_csv_strike_row_parse(line, &r, &e) == G6_OK)
      check_row(&r);
    else if (e.msg[0] == '\0')
      abort();
    free(line);
    p += len + 1;
  }
  /* the file reader and the book */
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, data, size) != (ssize_t)size)
    abort();
  close(fd);
  size_t rows = 0;
  g6_error e;
  g6_status st = g6_csv_strike_file(path, count_row, &rows, &e);
  if (rows > lines)
    abort(); /* a row per complete line at most (a torn tail is skipped) */
  if (st != G6_OK && e.msg[0] == '\0')
    abort();
  g6_csv_book *b = g6_csv_book_new();
  if (b == NULL)
    abort();
  if (g6_csv_book_add_file(b, path, &e) == G6_OK)
    (void)g6_csv_book_add_file(b, path, &e); /* the same rows twice */
  size_t n = g6_csv_book_chains(b);
  int64_t prev_ts = INT64_MIN;
  g6_chain_report *report = malloc(sizeof(*report));
  for (size_t i = 0; i < n; i++) {
    size_t nl = g6_csv_book_leg_count(b, i);
    g6_leg *legs = calloc(nl + 1, sizeof(*legs));
    g6_report_input in;
    const char *index = NULL;
    int64_t ts = 0;
    g6_date dates[G6_REPORT_MAX_EXPIRIES];
    g6_csv_book_chain(b, i, 0.065, 0.0, legs, &in, &index, &ts, dates);
    if (ts < prev_ts || index == NULL)
      abort(); /* chains in timestamp order */
    prev_ts = ts;
    if (in.n_legs > nl || in.n_expiries > G6_REPORT_MAX_EXPIRIES)
      abort();
    for (size_t k = 0; k < in.n_expiries; k++) {
      const g6_report_expiry_input *x = &in.ex[k];
      if (x->first + x->n > in.n_legs)
        abort();
      for (size_t j = x->first + 1; j < x->first + x->n; j++)
        if (legs[j].strike < legs[j - 1].strike)
          abort(); /* sorted by strike */
    }
    g6_report_options opts = G6_REPORT_OPTIONS_DEFAULT;
    if (g6_chain_report_compute(&in, &opts, report) != G6_OK)
      abort(); /* the book only builds chains the analytics take */
    free(legs);
  }
  free(report);
  g6_csv_book_free(b);
  return 0;
}
