/* libFuzzer target: the exchange calendar parser (market/calendar.h) and the
 * session gate over what it parsed. Invariants: entries sorted by day, one
 * per date, special sessions open before they close within the day, and
 * the gate agrees with the entries. */
#include "market/calendar.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  g6_calendar cal = G6_CALENDAR_INIT;
  g6_error e;
  if (g6_calendar_parse(&cal, (const char *)data, size, "fuzz", &e) != G6_OK)
    return 0;
  size_t total = 0;
  for (size_t i = 0; i < cal.n; i++) {
    const g6_calendar_entry *x = &cal.e[i];
    if (i > 0 && cal.e[i - 1].day >= x->day)
      abort();
    if (!x->holiday && !x->special)
      abort();
    if (x->special && !(x->open_sod >= 0 && x->open_sod < x->close_sod &&
                        x->close_sod <= 86400))
      abort();
    if (g6_calendar_find(&cal, x->day) != x)
      abort();
    int o, c;
    bool open = g6_calendar_session(&cal, x->day, &o, &c);
    if (x->special && !(open && o == x->open_sod && c == x->close_sod))
      abort();
    if (!x->special && x->holiday && open)
      abort();
    int64_t t = x->day * 86400 - G6_IST_OFFSET_S + 12 * 3600;
    (void)g6_market_is_open(&cal, t);
    (void)g6_market_next_open(&cal, t);
  }
  for (int y = 1900; y <= 2200; y++)
    total += g6_calendar_year_entries(&cal, y);
  if (cal.n > 0 && total > cal.n)
    abort();
  g6_calendar_free(&cal);
  return 0;
}
