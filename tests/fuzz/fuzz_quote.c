/* libFuzzer target: the Kite quote parser. The input is fed in two chunks
 * split at a point taken from its first byte (the parser must not care),
 * with a size limit; invariants: no crash, a failure leaves no quote, a
 * success only ever fills requested keys with a last_price — and the parser
 * g6 uses (simdjson first, market/quote_fast.h) gives exactly what the
 * yajl-only reference gives: the same status and message, the same quotes
 * byte for byte, the same counts. */
#include "market/quote.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const keys[] = {"NSE:INFY", "NFO:A", "NFO:NIFTY25NOV26000CE",
                                   "NSE:NIFTY 50", "BSE:SENSEX"};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  g6_quote_table *t = g6_quote_table_new(keys, N_KEYS);
  g6_quote_table *ref = g6_quote_table_new(keys, N_KEYS);
  if (t == NULL || ref == NULL)
    abort();
  g6_quote_parser *p = g6_quote_parser_new(t, 1u << 20);
  size_t split = size ? (data[0] * size) / 256 : 0;
  g6_error e, re;
  g6_error_clear(&e);
  g6_error_clear(&re);
  g6_status s = g6_quote_parser_feed(p, (const char *)data, split, &e);
  if (s == G6_OK)
    s = g6_quote_parser_feed(p, (const char *)data + split, size - split, &e);
  g6_quote_parse_info info, rinfo;
  memset(&info, 0, sizeof(info));
  memset(&rinfo, 0, sizeof(rinfo));
  g6_status f = g6_quote_parser_finish(p, &info, &e);
  if (s != G6_OK && f == G6_OK)
    abort(); /* a feed failure must be sticky */
  if (f != G6_OK && g6_quote_table_found(t) != 0)
    abort(); /* a failed parse leaves no quote */
  for (size_t i = 0; i < g6_quote_table_size(t); i++) {
    const g6_quote *q = g6_quote_table_get(t, i);
    if (q && !(q->fields & G6_QF_LAST_PRICE))
      abort();
  }
  if (info.incomplete + info.malformed > info.quotes)
    abort();
  size_t marked = 0; /* a malformed quote is marked, never present */
  for (size_t i = 0; i < g6_quote_table_size(t); i++) {
    if (g6_quote_table_malformed(t, i) && g6_quote_table_get(t, i) != NULL)
      abort();
    marked += g6_quote_table_malformed(t, i);
  }
  if (marked != (f == G6_OK ? info.malformed : 0))
    abort();
  /* the reference: yajl alone, the whole body at once */
  g6_status r = g6_quote_parse_reference(ref, (const char *)data, size,
                                         1u << 20, &rinfo, &re);
  if (r != f || (f != G6_OK && strcmp(e.msg, re.msg) != 0))
    abort();
  if (info.quotes != rinfo.quotes || info.incomplete != rinfo.incomplete ||
      info.malformed != rinfo.malformed ||
      strcmp(info.malformed_first, rinfo.malformed_first) != 0 ||
      info.unexpected != rinfo.unexpected || info.is_error != rinfo.is_error ||
      info.bad_times != rinfo.bad_times ||
      strcmp(info.bad_time_first, rinfo.bad_time_first) != 0 ||
      strcmp(info.error_type, rinfo.error_type) != 0 ||
      strcmp(info.message, rinfo.message) != 0)
    abort();
  for (size_t i = 0; i < N_KEYS; i++) {
    const g6_quote *a = g6_quote_table_get(t, i);
    const g6_quote *b = g6_quote_table_get(ref, i);
    if ((a == NULL) != (b == NULL) ||
        (a != NULL && memcmp(a, b, sizeof(*a)) != 0))
      abort();
  }
  g6_quote_parser_free(p);
  g6_quote_table_free(t);
  g6_quote_table_free(ref);
  return 0;
}
