/* g6 — the exchange calendar: trading days, holidays and the session gate.
 *
 * The regular equity session is 09:15:00 <= t < 15:30:00 IST, Monday to
 * Friday, except listed holidays. Times and day numbers are those of
 * core/ist.h. */
#ifndef G6_CALENDAR_H
#define G6_CALENDAR_H

#include "core/ist.h"
#include "core/status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A holiday calendar: sorted, de-duplicated day numbers. */
typedef struct g6_calendar {
  int64_t *days;
  size_t n;
} g6_calendar;

#define G6_CALENDAR_INIT {NULL, 0}

/* Parses holiday text: one YYYY-MM-DD per line, optionally followed by
 * whitespace and a description; '#' starts a comment; blank lines ignored.
 * On error nothing is changed and err names `name`, the line and the token.
 * On success the calendar's previous contents are replaced. */
g6_status g6_calendar_parse(g6_calendar *cal, const char *text, size_t len,
                            const char *name, g6_error *err);
g6_status g6_calendar_load(g6_calendar *cal, const char *path, g6_error *err);
void g6_calendar_free(g6_calendar *cal);

bool g6_calendar_is_holiday(const g6_calendar *cal, int64_t days);

/* Monday to Friday and not a holiday. cal may be NULL (no holidays). */
bool g6_is_trading_day(const g6_calendar *cal, int64_t days);

/* True when 09:15:00 <= IST time < 15:30:00 on a trading day. */
bool g6_market_is_open(const g6_calendar *cal, int64_t epoch);

/* The next session open: 09:15 IST today if it is a trading day and the IST
 * time is before 09:15, otherwise 09:15 on the next trading day. Searches at
 * most ten years ahead; returns -1 if the calendar blocks every day. */
int64_t g6_market_next_open(const g6_calendar *cal, int64_t epoch);

#endif
