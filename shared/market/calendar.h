/* g6 — an exchange's trading calendar: holidays, special sessions and the
 * session gate.
 *
 * The regular equity-derivatives session is 09:15:00 <= t < 15:30:00 IST,
 * Monday to Friday. A calendar file declares what differs, one line per
 * date ('#' starts a comment, blank lines are ignored):
 *
 *   YYYY-MM-DD [description]                  a holiday: no session
 *   YYYY-MM-DD HH:MM-HH:MM [description]      a special session (IST) that
 *                                             replaces the day's own
 *
 * e.g. `2025-02-26 Mahashivratri`, `2025-02-01 09:15-15:30 Union Budget`
 * (a Saturday), and for the Diwali Muhurat hour on a holiday both
 * `2025-10-21 Diwali Laxmi Pujan` and `2025-10-21 13:45-14:45 Muhurat
 * trading` (the session wins, the holiday documents the day). The old
 * holiday list (one date per line, optional description) is a calendar
 * file as it is. Each exchange has its own file (calendars/NSE.txt, BSE.txt;
 * facts in ../shared/data/exchange-calendar.md): files are data operators
 * update from the exchange circulars, never code.
 *
 * The file is UTF-8 (or ASCII) text: a leading byte-order mark is skipped,
 * lines end in LF, CRLF or a lone CR, and a control character other than a
 * tab (a NUL, ESC ...) is refused, as is a UTF-16 file. Times and day
 * numbers are those of core/ist.h. */
#ifndef G6_CALENDAR_H
#define G6_CALENDAR_H

#include "core/ist.h"
#include "core/status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define G6_CALENDAR_DESC_MAX 80

/* One declared date. */
typedef struct g6_calendar_entry {
  int64_t day;       /* IST day number */
  bool holiday;      /* declared closed */
  bool special;      /* a special session is declared */
  int open_sod, close_sod; /* the special session, seconds of the IST day */
  char holiday_desc[G6_CALENDAR_DESC_MAX];
  char session_desc[G6_CALENDAR_DESC_MAX];
} g6_calendar_entry;

/* A calendar: entries sorted by day, one per date. */
typedef struct g6_calendar {
  g6_calendar_entry *e;
  size_t n;
} g6_calendar;

#define G6_CALENDAR_INIT {NULL, 0}

/* Parses calendar text (format above). On error nothing is changed and err
 * names `name`, the line, the token (bytes outside printable ASCII as \xNN)
 * and what is expected: a date that does not exist, a session that is not
 * HH:MM-HH:MM with open before close within the day, two sessions for one
 * date, a control character, a UTF-16 file. A date listed twice as a
 * holiday is folded; lines may come in any order. On success the
 * calendar's previous contents are replaced. */
g6_status g6_calendar_parse(g6_calendar *cal, const char *text, size_t len,
                            const char *name, g6_error *err);
g6_status g6_calendar_load(g6_calendar *cal, const char *path, g6_error *err);
void g6_calendar_free(g6_calendar *cal);

/* Calendar files loaded once each for a set of users (the indices of one
 * exchange share their exchange's file). Entries never move: the pointers
 * g6_calendar_set_get hands out stay valid until g6_calendar_set_free.
 * Zero-initialise it (G6_CALENDAR_SET_INIT). */
#define G6_CALENDAR_SET_MAX 16
typedef struct g6_calendar_set {
  struct {
    char path[4096];
    g6_calendar cal;
  } cals[G6_CALENDAR_SET_MAX];
  size_t n;
} g6_calendar_set;
#define G6_CALENDAR_SET_INIT {.n = 0}

/* The calendar of the file `path`, loaded the first time it is asked for;
 * *path_out (may be NULL) gets the set's copy of the path. Errors:
 * g6_calendar_load's (err names the file, the line and what is wrong),
 * G6_ETOOBIG past G6_CALENDAR_SET_MAX files, G6_EINVAL for a path longer
 * than 4095 bytes. */
g6_status g6_calendar_set_get(g6_calendar_set *s, const char *path,
                              const g6_calendar **out, const char **path_out,
                              g6_error *err);
void g6_calendar_set_free(g6_calendar_set *s);

/* The entry of a day, or NULL. cal may be NULL (an empty calendar). */
const g6_calendar_entry *g6_calendar_find(const g6_calendar *cal, int64_t day);

/* Declared a holiday (whether or not a special session reopens it). */
bool g6_calendar_is_holiday(const g6_calendar *cal, int64_t day);

/* The session of a day: the special session when one is declared, else
 * 09:15-15:30 on a weekday that is not a holiday. Returns false (no
 * session; the outputs untouched) otherwise. cal may be NULL. */
bool g6_calendar_session(const g6_calendar *cal, int64_t day, int *open_sod,
                         int *close_sod);

/* The day has a session. cal may be NULL (weekdays). */
bool g6_is_trading_day(const g6_calendar *cal, int64_t day);

/* True inside the day's session: open_sod <= IST time < close_sod. */
bool g6_market_is_open(const g6_calendar *cal, int64_t epoch);

/* The next session open at or after `epoch` (the current session's open is
 * in the past once it started). Searches at most ten years ahead; returns -1
 * if the calendar blocks every day. */
int64_t g6_market_next_open(const g6_calendar *cal, int64_t epoch);

/* Entries (holidays and special sessions) dated in `year`: 0 means the
 * calendar says nothing about that year, and the gate falls back to plain
 * weekdays, which an operator must be told. cal may be NULL (0). */
size_t g6_calendar_year_entries(const g6_calendar *cal, int year);

#endif
