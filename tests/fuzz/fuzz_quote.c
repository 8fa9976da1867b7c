/* libFuzzer target: the streaming Kite quote parser. The input is fed in two
 * chunks split at a point taken from its first byte (the parser must not
 * care), with a size limit; invariants: no crash, a failure leaves no quote,
 * a success only ever fills requested keys with a last_price. */
#include "market/quote.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const keys[] = {"NSE:INFY", "NFO:A", "NFO:NIFTY25NOV26000CE",
                                     "NSE:NIFTY 50", "BSE:SENSEX"};
  g6_quote_table *t = g6_quote_table_new(keys, 5);
  if (t == NULL)
    return 0;
  g6_quote_parser *p = g6_quote_parser_new(t, 1u << 20);
  size_t split = size ? (data[0] * size) / 256 : 0;
  g6_error e;
  g6_status s = g6_quote_parser_feed(p, (const char *)data, split, &e);
  if (s == G6_OK)
    s = g6_quote_parser_feed(p, (const char *)data + split, size - split, &e);
  g6_quote_parse_info info;
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
  if (info.incomplete > info.quotes)
    abort();
  g6_quote_parser_free(p);
  g6_quote_table_free(t);
  return 0;
}
