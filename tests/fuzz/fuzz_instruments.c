/* libFuzzer target: the streaming instruments CSV parser and the lookups on
 * its table. The input is fed in three chunks; the first 12 bytes of a
 * valid header are prepended half the time so the fuzzer reaches rows. */
#include "market/instruments.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char header[] =
    "instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,"
    "strike,tick_size,lot_size,instrument_type,segment,exchange\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  g6_instruments *t = g6_instruments_new(10000);
  if (t == NULL)
    return 0;
  g6_error e;
  g6_status s = G6_OK;
  if (size > 0 && (data[0] & 1))
    s = g6_instruments_feed(t, header, sizeof(header) - 1, &e);
  size_t a = size / 3, b = 2 * size / 3;
  if (s == G6_OK)
    s = g6_instruments_feed(t, (const char *)data, a, &e);
  if (s == G6_OK)
    s = g6_instruments_feed(t, (const char *)data + a, b - a, &e);
  if (s == G6_OK)
    s = g6_instruments_feed(t, (const char *)data + b, size - b, &e);
  if (s == G6_OK && g6_instruments_finish(t, &e) == G6_OK) {
    const g6_instruments_stats *st = g6_instruments_get_stats(t);
    if (st->options + st->indices != g6_instruments_count(t))
      abort();
    uint64_t rej = 0;
    for (int r = 0; r < G6_INST_REJ_COUNT; r++)
      rej += st->rejects[r];
    if (rej != st->rejected)
      abort();
    int64_t ex[8];
    for (size_t i = 0; i < g6_instruments_count(t) && i < 64; i++) {
      const g6_instrument *in = g6_instruments_at(t, i);
      char key[G6_INST_KEY_MAX];
      g6_instrument_key(in, key, sizeof(key));
      g6_instruments_expiries(t, in->root, in->segment, 0, ex, 8);
      if (in->kind != G6_INST_INDEX) {
        const g6_instrument *f = NULL;
        if (g6_instruments_find_option(t, in->root, in->segment,
                                       in->expiry_day, in->strike,
                                       in->kind == G6_INST_CE ? G6_CALL
                                                              : G6_PUT,
                                       &f) != G6_OK)
          abort(); /* every kept option is found again */
        /* and its symbol is exactly one of Kite's two forms for its row:
         * nothing of unknown kind is kept */
        if (in->series == G6_EXPIRY_KIND_UNKNOWN ||
            g6_expiry_of_contract(in->tradingsymbol, in->root, in->strike_paise,
                                  in->kind == G6_INST_CE ? "CE" : "PE",
                                  NULL) != (g6_expiry_kind)in->series)
          abort();
      }
    }
    /* lot_mixed marks exactly the options of expiries with two lot sizes
     * (rows of one expiry are adjacent), and mixed_lots counts them */
    uint64_t mixed = 0;
    for (size_t i = 0, n = g6_instruments_count(t); i < n;) {
      const g6_instrument *a0 = g6_instruments_at(t, i);
      size_t j = i + 1;
      /* the distinct positive lot sizes of the run, counted by a second
       * route: the smallest and the largest */
      int32_t lo = a0->lot_size > 0 ? a0->lot_size : INT32_MAX,
              hi = a0->lot_size > 0 ? a0->lot_size : 0;
      for (; j < n; j++) {
        const g6_instrument *r = g6_instruments_at(t, j);
        if (a0->kind == G6_INST_INDEX || r->kind == G6_INST_INDEX ||
            r->expiry_day != a0->expiry_day || strcmp(r->root, a0->root) ||
            strcmp(r->segment, a0->segment))
          break;
        if (r->lot_size > 0) {
          lo = r->lot_size < lo ? r->lot_size : lo;
          hi = r->lot_size > hi ? r->lot_size : hi;
        }
      }
      bool two = hi > 0 && lo < hi;
      for (size_t k = i; k < j; k++)
        if (g6_instruments_at(t, k)->lot_mixed != two)
          abort();
      mixed += two;
      i = j;
    }
    if (mixed != st->mixed_lots)
      abort();
  }
  g6_instruments_free(t);
  return 0;
}
