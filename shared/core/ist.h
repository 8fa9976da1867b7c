/* g6 — India Standard Time: dates, wall-clock times and the CSV timestamp.
 *
 * IST is UTC+05:30 with no daylight saving, so it is a fixed offset and no tz
 * database is needed. Times are Unix epoch seconds (int64_t). Day numbers are
 * days since 1970-01-01 in the proleptic Gregorian calendar.
 *
 * Option expiries are at 15:30 IST on the expiry date; the trading session
 * and holidays are market/calendar.h. */
#ifndef G6_IST_H
#define G6_IST_H

#include "core/status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define G6_IST_OFFSET_S 19800 /* +05:30 */
#define G6_SESSION_OPEN_S (9 * 3600 + 15 * 60)
#define G6_SESSION_CLOSE_S (15 * 3600 + 30 * 60)

typedef struct g6_date {
  int year;
  int month; /* 1..12 */
  int day;   /* 1..31 */
} g6_date;

typedef struct g6_ist_tm {
  g6_date date;
  int hour, min, sec;
  int wday;     /* 0 = Monday ... 6 = Sunday */
  int64_t days; /* IST day number */
  int sod;      /* seconds since IST midnight */
} g6_ist_tm;

/* Civil date <-> day number (H. Hinnant's algorithms). Can't fail for any
 * date with a valid month. */
int64_t g6_days_from_civil(int y, int m, int d);
g6_date g6_civil_from_days(int64_t days);

/* Whether a and b are the same civil date. Can't fail. */
static inline bool g6_date_equal(g6_date a, g6_date b) {
  return a.year == b.year && a.month == b.month && a.day == b.day;
}

/* 0 = Monday ... 6 = Sunday. */
int g6_weekday(int64_t days);

/* Breaks an epoch down in IST. Can't fail. */
void g6_ist_breakdown(int64_t epoch, g6_ist_tm *out);

/* Epoch of an IST wall-clock time. Fields are not range-checked. */
int64_t g6_ist_epoch(g6_date d, int hour, int min, int sec);

/* Epoch of the expiry instant: 15:30 IST on the given date. */
int64_t g6_expiry_epoch(g6_date d);

/* Strict YYYY-MM-DD parse of exactly 10 characters; rejects impossible dates
 * (2025-02-30). G6_EPARSE on failure. */
g6_status g6_date_parse(const char *s, g6_date *out);

/* Whether the n bytes at s have exactly the shape `shape`: each 'd' of it
 * one ASCII digit, every other character itself ("dddd-dd-dd.csv", a day's
 * CSV file name; "dddd-dd-ddTdd:dd:ddZ"). Says nothing of whether the date
 * exists (g6_date_parse does). */
bool g6_digit_shape(const char *s, size_t n, const char *shape);

/* Writes YYYY-MM-DD (11 bytes with NUL). */
void g6_date_format(g6_date d, char out[11]);

typedef enum g6_round_mode {
  G6_ROUND_NEAREST, /* remainder < 15 s rounds down, >= 15 s up */
  G6_ROUND_FLOOR,
  G6_ROUND_CEIL,
} g6_round_mode;

/* Rounds to a 30-second boundary after dropping the fractional second (so
 * 10:05:14.999999 rounds down to 10:05:00). */
int64_t g6_round30(double epoch, g6_round_mode mode);

/* "DD-MM-YYYY HH:MM:SS" of the epoch in IST (20 bytes with NUL); no rounding. */
void g6_ist_format_ts(int64_t epoch, char out[20]);

/* IST date of the epoch as YYYY-MM-DD. */
void g6_ist_format_date(int64_t epoch, char out[11]);

/* Parses the first len bytes of s as "DD-MM-YYYY HH:MM:SS" in IST (the CSV
 * timestamp, g6_ist_format_ts) into epoch seconds. G6_EPARSE for any other
 * shape, a date that does not exist or a time beyond 23:59:59. */
g6_status g6_ist_parse_ts(const char *s, size_t len, int64_t *out);

#endif
