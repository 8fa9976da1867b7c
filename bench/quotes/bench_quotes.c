/* Quote-parsing throughput: parses a recorded /quote response (keys from the
 * response itself) repeatedly for at least `seconds` and prints quotes per
 * second. With "yajl" as the third argument it times the yajl-only path
 * (g6_quote_parse_reference) instead of the parser g6 uses (simdjson first).
 * Usage: bench_quotes FILE [seconds] [yajl] */
#include "core/fsutil.h"
#include "core/json.h"
#include "market/quote.h"
#include "market/ratelimit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_quotes FILE [seconds]\n");
    return 2;
  }
  double seconds = argc > 2 ? atof(argv[2]) : 2.0;
  bool yajl = argc > 3 && strcmp(argv[3], "yajl") == 0;
  char *text = NULL;
  size_t len = 0;
  g6_error e;
  if (g6_read_file(argv[1], 64u << 20, &text, &len, &e) != G6_OK) {
    fprintf(stderr, "bench_quotes: %s\n", e.msg);
    return 2;
  }
  /* the requested keys = the response's data keys (setup, not timed) */
  g6_json *doc = NULL;
  if (g6_json_parse(text, len, &doc, &e) != G6_OK) {
    fprintf(stderr, "bench_quotes: %s\n", e.msg);
    return 2;
  }
  const g6_json *data = g6_json_object_get(doc, "data");
  size_t n = g6_json_count(data);
  const char **keys = calloc(n ? n : 1, sizeof(*keys));
  for (size_t i = 0; i < n; i++)
    keys[i] = g6_json_object_key(data, i, NULL);
  g6_quote_table *t = g6_quote_table_new(keys, n);
  long iters = 0;
  double t0 = g6_monotonic_now(), t1;
  do {
    for (int k = 0; k < 20; k++) {
      g6_status st = yajl ? g6_quote_parse_reference(t, text, len, 0, NULL, &e)
                          : g6_quote_parse(t, text, len, 0, NULL, &e);
      if (st != G6_OK ||
          g6_quote_table_found(t) != n) {
        fprintf(stderr, "bench_quotes: parse failed: %s\n", e.msg);
        return 1;
      }
      iters++;
    }
    t1 = g6_monotonic_now();
  } while (t1 - t0 < seconds);
  double per_s = (double)iters * (double)n / (t1 - t0);
  printf("%zu %ld %.6f %.0f\n", n, iters, (t1 - t0) / (double)iters, per_s);
  g6_quote_table_free(t);
  g6_json_free(doc);
  free(keys);
  free(text);
  return 0;
}
