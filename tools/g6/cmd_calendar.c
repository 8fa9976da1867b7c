/* g6 calendar — prints the sessions an exchange calendar file gives, day by
 * day, so an operator can check a file after editing it (the format is
 * market/calendar.h). */
#include "cmd.h"

#include "core/ist.h"
#include "market/calendar.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *out) {
  fprintf(out,
          "usage: g6 calendar [--exchange NSE|BSE] [--from DATE] [--to DATE]\n"
          "                   [--file F | --dir D]\n"
          "\n"
          "Prints every day from --from (default: today, IST) to --to\n"
          "(default: 31 December of that year) with its session in IST:\n"
          "  2026-02-01 Sun 09:15-15:30 special: Union Budget, live session\n"
          "  2026-03-03 Tue closed      holiday: Holi\n"
          "  2026-03-07 Sat closed      weekend\n"
          "then a note for each holiday on a Saturday or Sunday (it changes\n"
          "nothing: is the date right?), and how many holidays and special\n"
          "sessions the file declares for each year of the range. A year\n"
          "without any is reported: g6 would take every weekday 09:15-15:30\n"
          "as a session.\n"
          "\n"
          "The file is --file F, else <D>/<EXCHANGE>.txt with D from --dir,\n"
          "$G6_CALENDAR_DIR, or the calendars installed beside this program\n"
          "(../share/g6/calendars, or ../calendars in a build tree).\n"
          "--exchange defaults to NSE; any case (nse is NSE).\n"
          "\n"
          "Exit status: 0 every year of the range has entries, 1 some year has\n"
          "none, 2 bad command line or an unreadable or invalid file.\n");
}

/* The calendars beside the running program: <exe>/../share/g6/calendars
 * (installed), else <exe>/../calendars (build/g6 in a source tree). */
static bool default_dir(char *out, size_t len) {
  char exe[PATH_MAX - 32];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0)
    return false;
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (slash == NULL)
    return false;
  *slash = '\0';
  static const char *const rel[] = {"../share/g6/calendars", "../calendars"};
  for (size_t i = 0; i < 2; i++) {
    char cand[PATH_MAX];
    if ((size_t)snprintf(cand, sizeof(cand), "%s/%s", exe, rel[i]) >=
        sizeof(cand))
      return false;
    char real[PATH_MAX];
    if (realpath(cand, real) != NULL && access(real, R_OK | X_OK) == 0 &&
        strlen(real) < len) {
      memcpy(out, real, strlen(real) + 1);
      return true;
    }
  }
  return false;
}

/* What is wrong with a --from/--to that parse_day refused. */
static const char *day_problem(const char *s) {
  return strlen(s) == 10 && g6_digit_shape(s, 10, "dddd-dd-dd")
             ? "no such date"
             : "expected YYYY-MM-DD";
}

static bool parse_day(const char *s, int64_t *day) {
  g6_date d;
  if (g6_date_parse(s, &d) != G6_OK)
    return false;
  *day = g6_days_from_civil(d.year, d.month, d.day);
  return true;
}

static void print_day(const g6_calendar *cal, int64_t day) {
  static const char *const wd[] = {"Mon", "Tue", "Wed", "Thu",
                                   "Fri", "Sat", "Sun"};
  char ds[11];
  g6_date_format(g6_civil_from_days(day), ds);
  const g6_calendar_entry *x = g6_calendar_find(cal, day);
  int o, c;
  bool open = g6_calendar_session(cal, day, &o, &c);
  char hours[32] = "closed";
  if (open) /* the parser keeps both within 00:00-24:00 */
    snprintf(hours, sizeof(hours), "%02d:%02d-%02d:%02d", o / 3600 % 100,
             o / 60 % 60, c / 3600 % 100, c / 60 % 60);
  printf("%s %s %-11s", ds, wd[g6_weekday(day)], hours);
  if (x != NULL && x->special)
    printf(" special: %s", x->session_desc);
  if (x != NULL && x->holiday)
    printf("%s holiday: %s", x->special ? ";" : "", x->holiday_desc);
  if (x == NULL && !open)
    printf(" weekend");
  printf("\n");
}

/* For a missing <dir>/<EXCHANGE>.txt: the exchanges dir has a calendar
 * for (its <UPPER>.txt files, the names --exchange reaches), on stderr. */
static void list_exchanges(const char *dir, const char *exchange) {
  fprintf(stderr, "g6 calendar: --exchange %s: no calendar %s.txt in %s",
          exchange, exchange, dir);
  DIR *dh = opendir(dir);
  if (dh == NULL) {
    fprintf(stderr, "\n");
    return;
  }
  const char *sep = "; the exchanges there: ";
  struct dirent *de;
  while ((de = readdir(dh)) != NULL) {
    size_t n = strlen(de->d_name), k = 0;
    /* only names --exchange can reach: upper-case letters and digits */
    while (k + 4 < n && ((de->d_name[k] >= 'A' && de->d_name[k] <= 'Z') ||
                         (de->d_name[k] >= '0' && de->d_name[k] <= '9')))
      k++;
    if (n > 4 && k == n - 4 && strcmp(de->d_name + n - 4, ".txt") == 0) {
      fprintf(stderr, "%s%.*s", sep, (int)(n - 4), de->d_name);
      sep = ", ";
    }
  }
  closedir(dh);
  fprintf(stderr, "\n");
}

int g6_cmd_calendar(int argc, char **argv) {
  const char *exchange = "NSE", *file = NULL, *dir = NULL;
  const char *from_s = NULL, *to_s = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return G6_EXIT_OK;
    }
    const char **slot = strcmp(a, "--exchange") == 0 ? &exchange
                        : strcmp(a, "--file") == 0   ? &file
                        : strcmp(a, "--dir") == 0    ? &dir
                        : strcmp(a, "--from") == 0   ? &from_s
                        : strcmp(a, "--to") == 0     ? &to_s
                                                     : NULL;
    if (slot == NULL || v == NULL) {
      fprintf(stderr, "g6 calendar: %s %s\n", a,
              slot == NULL ? "is not an option" : "needs a value");
      usage(stderr);
      return G6_EXIT_USAGE;
    }
    *slot = v;
    i++;
  }
  if (file != NULL && dir != NULL) {
    fprintf(stderr,
            "g6 calendar: --file %s and --dir %s exclude each other: --file "
            "names the calendar file, --dir the directory of "
            "<EXCHANGE>.txt; give one\n",
            file, dir);
    return G6_EXIT_USAGE;
  }
  /* the calendar files are named in upper case (NSE.txt): nse is NSE */
  char upper[16];
  size_t len = strlen(exchange);
  if (len == 0) {
    fprintf(stderr, "g6 calendar: --exchange \"\": empty; an exchange is "
                    "letters and digits (NSE, BSE)\n");
    return G6_EXIT_USAGE;
  }
  for (size_t k = 0; k < len; k++)
    if (!((exchange[k] >= 'A' && exchange[k] <= 'Z') ||
          (exchange[k] >= 'a' && exchange[k] <= 'z') ||
          (exchange[k] >= '0' && exchange[k] <= '9')) ||
        len >= sizeof(upper)) {
      fprintf(stderr,
              "g6 calendar: --exchange \"%s\": letters and digits only, at "
              "most %zu (NSE, BSE)\n",
              exchange, sizeof(upper) - 1);
      return G6_EXIT_USAGE;
    }
  for (size_t k = 0; k <= len; k++)
    upper[k] = (char)(exchange[k] >= 'a' && exchange[k] <= 'z'
                          ? exchange[k] - 'a' + 'A'
                          : exchange[k]);
  exchange = upper;
  g6_ist_tm now;
  g6_ist_breakdown((int64_t)time(NULL), &now);
  int64_t from = now.days, to;
  if (from_s != NULL && !parse_day(from_s, &from)) {
    fprintf(stderr, "g6 calendar: --from \"%s\": %s\n", from_s,
            day_problem(from_s));
    return G6_EXIT_USAGE;
  }
  to = g6_days_from_civil(g6_civil_from_days(from).year, 12, 31);
  if (to_s != NULL && !parse_day(to_s, &to)) {
    fprintf(stderr, "g6 calendar: --to \"%s\": %s\n", to_s, day_problem(to_s));
    return G6_EXIT_USAGE;
  }
  if (to < from || to - from > 3660) {
    g6_date cf = g6_civil_from_days(from), ct = g6_civil_from_days(to);
    fprintf(stderr,
            "g6 calendar: --from %04d-%02d-%02d to --to %04d-%02d-%02d: --to "
            "must be on or after --from, at most ten years later\n",
            cf.year, cf.month, cf.day, ct.year, ct.month, ct.day);
    return G6_EXIT_USAGE;
  }
  char path[PATH_MAX + 32], found[PATH_MAX];
  if (file == NULL) {
    if (dir == NULL)
      dir = getenv("G6_CALENDAR_DIR");
    if (dir == NULL && default_dir(found, sizeof(found)))
      dir = found;
    if (dir == NULL) {
      fprintf(stderr, "g6 calendar: no calendar directory found; give --file "
                      "or --dir\n");
      return G6_EXIT_USAGE;
    }
    snprintf(path, sizeof(path), "%s/%s.txt", dir, exchange);
    file = path;
  }
  g6_calendar cal = G6_CALENDAR_INIT;
  g6_error e;
  if (g6_calendar_load(&cal, file, &e) != G6_OK) {
    if (file == path && access(path, F_OK) != 0)
      list_exchanges(dir, exchange); /* one line: no such file, and why */
    else
      fprintf(stderr, "g6 calendar: %s\n", e.msg);
    return G6_EXIT_USAGE;
  }
  printf("# %s calendar %s\n", exchange, file);
  for (int64_t d = from; d <= to; d++)
    print_day(&cal, d);
  /* a holiday on a weekend closes nothing: harmless, but usually a wrong
   * date (the old list had Sunday 2025-01-26 and lacked real holidays) */
  for (size_t i = 0; i < cal.n; i++) {
    const g6_calendar_entry *x = &cal.e[i];
    if (x->day < from || x->day > to || !x->holiday || x->special ||
        g6_weekday(x->day) < 5)
      continue;
    char ds[11];
    g6_date_format(g6_civil_from_days(x->day), ds);
    printf("# note: %s is a %s: the holiday \"%s\" changes nothing (no "
           "session on weekends); check its date against the circular\n",
           ds, g6_weekday(x->day) == 5 ? "Saturday" : "Sunday",
           x->holiday_desc);
  }
  int rc = G6_EXIT_OK;
  for (int y = g6_civil_from_days(from).year; y <= g6_civil_from_days(to).year;
       y++) {
    size_t n = g6_calendar_year_entries(&cal, y);
    if (n > 0) {
      printf("# %d: %zu dates with a holiday or a special session\n", y, n);
    } else {
      printf("# %d: NO ENTRIES: every weekday 09:15-15:30 IST would count as "
             "a session; add the year from the exchange circular\n",
             y);
      rc = G6_EXIT_FAIL;
    }
  }
  g6_calendar_free(&cal);
  return rc;
}
