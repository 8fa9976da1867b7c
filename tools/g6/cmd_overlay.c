/* g6 overlay — the old platform's end-of-day weekday overlays
 * (store/overlay.h): running mean and EMA per time of day of every
 * per-strike series, one master file per index, expiry tag, offset and
 * weekday. Idempotent when run twice on one day. */
#include "cmd.h"

#include "core/clock.h"
#include "core/ist.h"
#include "market/chain.h"
#include "store/overlay.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INDICES 64

static int usage(FILE *out) {
  fprintf(
      out,
      "usage: g6 overlay [--data-dir DIR] [--output-dir DIR] "
      "[--date YYYY-MM-DD]\n"
      "                  [--index NAME]... [--alpha A]\n"
      "\n"
      "Folds one day of g6_chain's per-strike CSV files\n"
      "  DIR/<INDEX>/<TAG>/<OFFSET>/<YYYY-MM-DD>.csv\n"
      "into the weekday masters\n"
      "  OUT/<INDEX>/<TAG>/<OFFSET>/<WEEKDAY>.csv   (MONDAY ... FRIDAY;\n"
      "  SATURDAY, SUNDAY for a special session on a weekend)\n"
      "the old platform's overlays: per time of day (HH:MM:SS, 09:15:00 to\n"
      "15:30:00) the running mean and EMA of tp, avg_tp and the CE/PE\n"
      "volume, OI, IV and Greeks, with 6 decimals, and a counter of days.\n"
      "The first day sets both; then mean += (x - mean)/n and\n"
      "ema = A x + (1 - A) ema. Values the CSV marks as not collected or\n"
      "not available are not averaged in (empty when never seen).\n"
      "Running the same day again gives the same masters (each keeps its\n"
      "state in .<WEEKDAY>.state and .<WEEKDAY>.before beside it).\n"
      "An index's day is folded all or nothing: every file is read and\n"
      "checked before the first master is written, so a bad file, a\n"
      "symbolic link, a directory outside the layout or a file of another\n"
      "day leaves its masters as they were (only a failed write, such as a\n"
      "full disk, can stop part way: each master stays whole, and running\n"
      "the day again completes it). A day file without data rows (empty,\n"
      "or its header alone) is named in a warning and not folded in.\n"
      "\n"
      "  --data-dir DIR    g6_chain's DataDir (/var/lib/g6)\n"
      "  --output-dir DIR  where the masters go (DIR/weekday_master)\n"
      "  --date D          the day to fold in (today, IST)\n"
      "  --index NAME      an index (repeatable; default: every index\n"
      "                    directory with a file of that day)\n"
      "  --alpha A         EMA weight of the new day, 0 < A <= 1 (0.5)\n"
      "\n"
      "Exit status: 0 done, 1 an index failed (message on stderr) or a\n"
      "day file held no data rows, 2 bad command line or no file of that\n"
      "day.\n");
  return out == stdout ? G6_EXIT_OK : G6_EXIT_USAGE;
}

/* Every directory of data_dir that can be an index (not overview,
 * snapshots or the default output); -1 with errno when data_dir cannot be
 * read. */
static long list_indices(const char *data_dir, const char *out_dir,
                         char names[][G6_INDEX_NAME_MAX], size_t cap) {
  DIR *d = opendir(data_dir);
  if (d == NULL)
    return -1;
  size_t n = 0;
  struct dirent *e;
  const char *out_base = strrchr(out_dir, '/');
  out_base = out_base ? out_base + 1 : out_dir;
  while ((e = readdir(d)) != NULL && n < cap) {
    if (!g6_index_name_valid(e->d_name) || !strcmp(e->d_name, "overview") ||
        !strcmp(e->d_name, "snapshots") || !strcmp(e->d_name, "iv_history") ||
        !strcmp(e->d_name, out_base))
      continue;
    size_t len = strlen(e->d_name); /* < G6_INDEX_NAME_MAX: a valid name */
    memcpy(names[n++], e->d_name, len + 1);
  }
  closedir(d);
  return (long)n;
}

int g6_cmd_overlay(int argc, char **argv) {
  const char *data_dir = "/var/lib/g6", *out_dir = NULL;
  char out_buf[4096];
  g6_overlay_opts o = G6_OVERLAY_OPTS_DEFAULT;
  char names[MAX_INDICES][G6_INDEX_NAME_MAX];
  size_t n_names = 0;
  bool explicit_index = false;
  g6_date date;
  char today[11];
  g6_ist_format_date((int64_t)g6_wall_now(), today);
  g6_date_parse(today, &date);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h"))
      return usage(stdout);
    bool known = !strcmp(a, "--data-dir") || !strcmp(a, "--output-dir") ||
                 !strcmp(a, "--date") || !strcmp(a, "--index") ||
                 !strcmp(a, "--alpha");
    if (!known) {
      fprintf(stderr, "g6 overlay: unknown argument \"%s\"\n", a);
      return usage(stderr);
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "g6 overlay: %s needs a value\n", a);
      return usage(stderr);
    }
    const char *v = argv[++i];
    if (!strcmp(a, "--data-dir")) {
      data_dir = v;
    } else if (!strcmp(a, "--output-dir")) {
      out_dir = v;
    } else if (!strcmp(a, "--date")) {
      if (g6_date_parse(v, &date) != G6_OK) {
        fprintf(stderr,
                "g6 overlay: --date \"%s\": want a calendar date "
                "YYYY-MM-DD, 1970-01-01 or later\n",
                v);
        return G6_EXIT_USAGE;
      }
    } else if (!strcmp(a, "--index")) {
      if (!g6_index_name_valid(v) || n_names == MAX_INDICES) {
        fprintf(stderr,
                "g6 overlay: --index \"%s\": want 1-31 letters, "
                "digits, '_' or '-' (at most %d indices)\n",
                v, MAX_INDICES);
        return G6_EXIT_USAGE;
      }
      snprintf(names[n_names++], G6_INDEX_NAME_MAX, "%s", v);
      explicit_index = true;
    } else {
      char *end;
      errno = 0;
      o.alpha = strtod(v, &end);
      if (*end != '\0' || !(o.alpha > 0 && o.alpha <= 1)) {
        fprintf(stderr, "g6 overlay: --alpha \"%s\": want a number in (0, 1]\n",
                v);
        return G6_EXIT_USAGE;
      }
    }
  }
  if (out_dir == NULL) {
    snprintf(out_buf, sizeof(out_buf), "%s/weekday_master", data_dir);
    out_dir = out_buf;
  }
  if (!explicit_index) {
    long n = list_indices(data_dir, out_dir, names, MAX_INDICES);
    if (n < 0) {
      fprintf(stderr, "g6 overlay: --data-dir %s: cannot read it: %s\n",
              data_dir, strerror(errno));
      return G6_EXIT_USAGE;
    }
    n_names = (size_t)n;
  }
  char ds[11];
  g6_date_format(date, ds);
  const char *wd = g6_overlay_weekday(date);
  int rc = G6_EXIT_OK;
  size_t done = 0;
  for (size_t i = 0; i < n_names; i++) {
    g6_overlay_stats st = {0};
    g6_error e;
    g6_status s =
        g6_overlay_update(data_dir, out_dir, names[i], date, &o, &st, &e);
    if (s == G6_ENOENT && !explicit_index)
      continue; /* a directory without that day */
    if (s != G6_OK) {
      fprintf(stderr, "g6 overlay: %s %s: %s\n", names[i], ds, e.msg);
      rc = s == G6_ENOENT ? G6_EXIT_USAGE : G6_EXIT_FAIL;
      continue;
    }
    done++;
    printf("%s %s (%s): %zu files, %zu rows; %zu masters updated (%zu of "
           "them replacing this day's earlier run), %zu already had this day "
           "before a later one\n",
           names[i], ds, wd, st.files, st.rows, st.updated, st.replaced,
           st.skipped);
    if (st.torn > 0)
      fprintf(stderr,
              "g6 overlay: warning: %s %s: %zu file(s) end in an incomplete "
              "line (a row cut by a crash or a partial copy, or a file still "
              "being written), that row left out; first: %s\n",
              names[i], ds, st.torn, st.torn_first);
    if (st.empty > 0) {
      /* nothing of it folded in: said, and the run exits 1 (a day whose
       * file never got a row is a gap in the masters, as in g6 replay) */
      fprintf(stderr,
              "g6 overlay: %s %s: %zu file(s) hold no data rows (an empty "
              "file, its header alone, or only a cut last line): not folded "
              "in, not counted among the files; first: %s\n",
              names[i], ds, st.empty, st.empty_first);
      rc = G6_EXIT_FAIL;
    }
  }
  if (done == 0 && rc == G6_EXIT_OK) {
    fprintf(stderr, "g6 overlay: no per-strike file of %s under %s\n", ds,
            data_dir);
    return G6_EXIT_USAGE;
  }
  return rc;
}
