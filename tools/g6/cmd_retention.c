/* g6 retention-scan / retention-prune — the data directory's storage from
 * the command line, through the walk g6_retention uses (store/retention.h).
 *
 *   g6 retention-scan [--csv-dir DIR] [--json]
 *       the old platform's output, byte for byte (reference §7): *.csv files
 *       below DIR, their size in MiB (3 decimals), oldest and newest mtime
 *       (UTC, ISO), counts by first path component; exit 0, or 2 with
 *       {"error": "missing_path", ...} when DIR does not exist.
 *   g6 retention-scan --detail [--json] [--panels-dir DIR]
 *       g6's own view: files, bytes, oldest and newest per index and kind.
 *   g6 retention-scan --list-unmatched
 *       every entry outside the g6 layout, and every directory not scanned.
 *   g6 retention-prune [--apply] ...
 *       the plugin's sweep with the same safeguards; a dry run unless
 *       --apply.
 *
 * Deliberate differences from the old scan: symlinks are never followed
 * (the old one counted symlinked files), other file systems and mounts
 * below DIR are not entered, directories named *.csv are not files, and a
 * DIR that is not a readable directory, or is the root directory however
 * spelled ("/", "/tmp/..", a symbolic link to "/"; the walk compares device
 * and inode, as for the plugin), is an error (exit 2) instead of a result. */
#include "cmd.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/fsutil.h"
#include "core/json.h"
#include "store/retention.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define DEFAULT_DIR "/var/lib/g6"

/* ---- Python-compatible output of the old scan ---------------------------- */

/* The next code point of s[0..n) as Python decodes file names (UTF-8 with
 * surrogateescape: a byte that starts no valid sequence is U+DC00 + byte).
 * Returns the bytes used. */
static size_t next_cp(const unsigned char *s, size_t n, uint32_t *cp) {
  unsigned char c = s[0];
  size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
                          : (c & 0xF8) == 0xF0 ? 4 : 0;
  uint32_t v = len == 1 ? c : len == 2 ? c & 0x1Fu : len == 3 ? c & 0x0Fu
                                                              : c & 0x07u;
  bool ok = len > 0 && len <= n;
  for (size_t i = 1; ok && i < len; i++) {
    ok = (s[i] & 0xC0) == 0x80;
    v = (v << 6) | (s[i] & 0x3Fu);
  }
  static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
  ok = ok && v >= min[len] && v <= 0x10FFFF && (v < 0xD800 || v > 0xDFFF);
  if (!ok) {
    *cp = c < 0x80 ? c : 0xDC00u + c;
    return 1;
  }
  *cp = v;
  return len;
}

/* json.dumps(str) with ensure_ascii=True. */
static void py_string(g6_buf *b, const char *s) {
  static const char hex[] = "0123456789abcdef";
  g6_buf_putc(b, '"');
  size_t n = strlen(s);
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    i += next_cp((const unsigned char *)s + i, n - i, &cp);
    switch (cp) {
    case '"': g6_buf_puts(b, "\\\""); continue;
    case '\\': g6_buf_puts(b, "\\\\"); continue;
    case '\n': g6_buf_puts(b, "\\n"); continue;
    case '\r': g6_buf_puts(b, "\\r"); continue;
    case '\t': g6_buf_puts(b, "\\t"); continue;
    case '\b': g6_buf_puts(b, "\\b"); continue;
    case '\f': g6_buf_puts(b, "\\f"); continue;
    default: break;
    }
    if (cp >= 0x20 && cp < 0x7F) {
      g6_buf_putc(b, (char)cp);
      continue;
    }
    uint32_t units[2] = {cp, 0};
    int nu = 1;
    if (cp > 0xFFFF) {
      units[0] = 0xD800 + ((cp - 0x10000) >> 10);
      units[1] = 0xDC00 + ((cp - 0x10000) & 0x3FF);
      nu = 2;
    }
    for (int u = 0; u < nu; u++)
      g6_buf_printf(b, "\\u%c%c%c%c", hex[units[u] >> 12 & 15],
                    hex[units[u] >> 8 & 15], hex[units[u] >> 4 & 15],
                    hex[units[u] & 15]);
  }
  g6_buf_putc(b, '"');
}

/* Python's str ordering (by code point) of two file names. */
static int py_cmp(const char *a, const char *b) {
  size_t na = strlen(a), nb = strlen(b), i = 0, j = 0;
  while (i < na && j < nb) {
    uint32_t x, y;
    i += next_cp((const unsigned char *)a + i, na - i, &x);
    j += next_cp((const unsigned char *)b + j, nb - j, &y);
    if (x != y)
      return x < y ? -1 : 1;
  }
  return (i < na) - (j < nb);
}

/* str(pathlib.PurePosixPath(p)): no empty or "." parts, no trailing slash,
 * exactly two leading slashes kept, "" -> ".". */
static void py_path(const char *p, g6_buf *out) {
  if (p[0] == '/')
    g6_buf_puts(out, p[1] == '/' && p[2] != '/' ? "//" : "/");
  size_t start = out->len;
  for (const char *s = p; *s;) {
    while (*s == '/')
      s++;
    const char *e = strchrnul(s, '/');
    size_t n = (size_t)(e - s);
    if (n > 0 && !(n == 1 && s[0] == '.')) {
      if (out->len > start)
        g6_buf_putc(out, '/');
      g6_buf_append(out, s, n);
    }
    s = e;
  }
  if (out->len == 0)
    g6_buf_putc(out, '.');
}

/* datetime.utcfromtimestamp(t).isoformat(): microseconds rounded half to
 * even from the float, shown only when not zero. */
static void py_iso(double t, char out[40]) {
  double ip;
  double frac = modf(t, &ip) * 1e6;
  double r = round(frac);
  if (fabs(frac - r) == 0.5)
    r = 2.0 * round(frac / 2.0);
  if (r >= 1e6) {
    r -= 1e6;
    ip += 1;
  } else if (r < 0) {
    r += 1e6;
    ip -= 1;
  }
  time_t s = (time_t)ip;
  struct tm tm;
  gmtime_r(&s, &tm);
  int n = snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                   tm.tm_sec);
  if (r != 0 && n > 0)
    snprintf(out + n, (size_t)(40 - n), ".%06d", (int)r);
}

/* What the old scan adds up, from the walk's entries. */
typedef struct legacy {
  uint64_t files, bytes;
  double oldest, newest; /* st_mtime as Python's float; NAN: none */
  struct {
    char *name;
    uint64_t n;
  } *top;
  size_t n_top, cap_top;
  size_t last; /* index of the last component seen (entries come grouped) */
  bool oom;
} legacy;

static void legacy_entry(void *ctx, const g6_retention_entry *e) {
  legacy *l = ctx;
  if (e->event != G6_EV_FILE || !e->regular || e->in_panels_root)
    return;
  const char *path = e->path, *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t bl = strlen(base);
  if (bl < 4 || strcmp(base + bl - 4, ".csv") != 0)
    return;
  double m = (double)e->mtime.tv_sec + (double)e->mtime.tv_nsec * 1e-9;
  if (l->files == 0 || m < l->oldest)
    l->oldest = m;
  if (l->files == 0 || m > l->newest)
    l->newest = m;
  l->files++;
  l->bytes += e->size;
  size_t cl = strcspn(path, "/");
  if (l->n_top > 0 && strlen(l->top[l->last].name) == cl &&
      strncmp(l->top[l->last].name, path, cl) == 0) {
    l->top[l->last].n++;
    return;
  }
  for (size_t i = 0; i < l->n_top; i++)
    if (strlen(l->top[i].name) == cl && strncmp(l->top[i].name, path, cl) == 0) {
      l->top[l->last = i].n++;
      return;
    }
  if (l->n_top == l->cap_top) {
    size_t cap = l->cap_top ? 2 * l->cap_top : 16;
    void *p = realloc(l->top, cap * sizeof(*l->top));
    if (p == NULL) {
      l->oom = true;
      return;
    }
    l->top = p;
    l->cap_top = cap;
  }
  l->top[l->n_top].name = strndup(path, cl);
  l->top[l->n_top].n = 1;
  l->last = l->n_top++;
}

static int by_name(const void *a, const void *b) {
  return py_cmp(*(char *const *)a, *(char *const *)b);
}

/* The old output: json.dumps(result, sort_keys=True) or the text line. */
static void legacy_print(const legacy *l, const char *dir, bool json,
                         g6_buf *b) {
  char size[32], oldest[40] = "", newest[40] = "";
  char fixed[64];
  snprintf(fixed, sizeof(fixed), "%.3f", (double)l->bytes / 1048576.0);
  g6_repr_double(strtod(fixed, NULL), size); /* round(x, 3), then repr */
  bool have = l->files > 0;
  if (have && l->oldest != 0)
    py_iso(l->oldest, oldest);
  if (have && l->newest != 0)
    py_iso(l->newest, newest);
  g6_buf path = G6_BUF_INIT;
  py_path(dir, &path);
  if (!json) {
    g6_buf_printf(b,
                  "[retention-scan] files=%" PRIu64 " size_mb=%s oldest=%s "
                  "newest=%s indices=%zu\n",
                  l->files, size, oldest[0] ? oldest : "None",
                  newest[0] ? newest : "None", l->n_top);
    g6_buf_free(&path);
    return;
  }
  g6_buf_puts(b, "{\"csv_dir\": ");
  py_string(b, path.data);
  g6_buf_puts(b, ", \"newest_file_utc\": ");
  if (newest[0])
    g6_buf_printf(b, "\"%s\"", newest);
  else
    g6_buf_puts(b, "null");
  g6_buf_puts(b, ", \"oldest_file_utc\": ");
  if (oldest[0])
    g6_buf_printf(b, "\"%s\"", oldest);
  else
    g6_buf_puts(b, "null");
  g6_buf_puts(b, ", \"per_index_counts\": {");
  char **names = calloc(l->n_top + 1, sizeof(char *));
  for (size_t i = 0; names && i < l->n_top; i++)
    names[i] = l->top[i].name;
  if (names)
    qsort(names, l->n_top, sizeof(char *), by_name);
  for (size_t i = 0; names && i < l->n_top; i++) {
    uint64_t n = 0;
    for (size_t j = 0; j < l->n_top; j++)
      if (l->top[j].name == names[i])
        n = l->top[j].n;
    if (i)
      g6_buf_puts(b, ", ");
    py_string(b, names[i]);
    g6_buf_printf(b, ": %" PRIu64, n);
  }
  free(names);
  g6_buf_printf(b, "}, \"total_files\": %" PRIu64 ", \"total_size_mb\": %s}\n",
                l->files, size);
  g6_buf_free(&path);
}

/* ---- g6's own view --------------------------------------------------------- */

static void iso_utc(struct timespec t, char out[32]) {
  struct tm tm;
  gmtime_r(&t.tv_sec, &tm);
  strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static g6_json *tally_json(const g6_retention_tally *t) {
  g6_json *o = g6_json_object();
  char a[32], b[32];
  g6_json_object_set(o, "files", g6_json_int((int64_t)t->files));
  g6_json_object_set(o, "bytes", g6_json_int((int64_t)t->bytes));
  if (t->files) {
    iso_utc(t->oldest, a);
    iso_utc(t->newest, b);
  }
  g6_json_object_set(o, "oldest_mtime_utc",
                     t->files ? g6_json_string(a) : g6_json_null());
  g6_json_object_set(o, "newest_mtime_utc",
                     t->files ? g6_json_string(b) : g6_json_null());
  return o;
}

static g6_json *counts_json(const uint64_t *v, size_t n,
                            const char *(*name)(int)) {
  g6_json *o = g6_json_object();
  for (size_t i = 0; i < n; i++)
    g6_json_object_set(o, name((int)i), g6_json_int((int64_t)v[i]));
  return o;
}

static const char *action_name(int a) {
  return g6_prune_action_name((g6_prune_action)a);
}
static const char *skip_name(int s) {
  return g6_scan_skip_name((g6_scan_skip)s);
}

static g6_json *report_json(const g6_retention_report *r, const char *dir,
                            const char *panels) {
  g6_json *doc = g6_json_object(), *ix = g6_json_object();
  g6_json_object_set(doc, "data_dir", g6_json_string(dir));
  g6_json_object_set(doc, "panels_dir",
                     panels ? g6_json_string(panels) : g6_json_null());
  for (size_t i = 0; i < r->n_idx; i++) {
    g6_json *kinds = g6_json_object();
    for (int k = 0; k < G6_KIND_COUNT; k++)
      if (r->idx[i].kind[k].files > 0)
        g6_json_object_set(kinds, g6_retention_kind_name((g6_retention_kind)k),
                           tally_json(&r->idx[i].kind[k]));
    g6_json_object_set(ix, r->idx[i].name, kinds);
  }
  g6_json_object_set(doc, "indices", ix);
  g6_json_object_set(doc, "directories_scanned",
                     g6_json_int((int64_t)r->dirs_scanned));
  g6_json_object_set(doc, "skipped_directories",
                     counts_json(r->skipped, G6_SKIP_COUNT, skip_name));
  g6_json_object_set(doc, "scan_seconds", g6_json_real(r->seconds));
  if (r->pruned) {
    g6_json_object_set(doc, "dry_run", g6_json_bool(r->dry_run));
    g6_json_object_set(doc, "files_by_action",
                       counts_json(r->files_by_action, G6_PRUNE_ACTION_COUNT,
                                   action_name));
    g6_json_object_set(doc, "bytes_by_action",
                       counts_json(r->bytes_by_action, G6_PRUNE_ACTION_COUNT,
                                   action_name));
    g6_json_object_set(doc, "directories_removed",
                       g6_json_int((int64_t)r->dirs_removed));
    g6_json_object_set(doc, "directories_would_remove",
                       g6_json_int((int64_t)r->dirs_would_remove));
  }
  g6_json_object_set(doc, "first_failure",
                     r->first_failure[0] ? g6_json_string(r->first_failure)
                                         : g6_json_null());
  return doc;
}

static void detail_text(const g6_retention_report *r, g6_buf *b) {
  g6_buf_printf(b, "%-12s %-10s %10s %12s  %-20s  %-20s\n", "index", "kind",
                "files", "bytes", "oldest (UTC)", "newest (UTC)");
  for (size_t i = 0; i < r->n_idx; i++)
    for (int k = 0; k < G6_KIND_COUNT; k++) {
      const g6_retention_tally *t = &r->idx[i].kind[k];
      if (t->files == 0)
        continue;
      char a[32], c[32];
      iso_utc(t->oldest, a);
      iso_utc(t->newest, c);
      g6_buf_printf(b, "%-12s %-10s %10" PRIu64 " %12" PRIu64 "  %-20s  %s\n",
                    r->idx[i].name,
                    g6_retention_kind_name((g6_retention_kind)k), t->files,
                    t->bytes, a, c);
    }
}

/* ---- entry listings ---------------------------------------------------------- */

typedef struct lister {
  bool unmatched_only; /* --list-unmatched; else acted-on files (--list) */
  FILE *out;
} lister;

/* ROOT/PATH with a backslash, a control byte or DEL escaped (\\, \n, \t,
 * \xHH): one entry is one line whatever its file name holds. */
static const char *shown_path(const g6_retention_entry *e, char *buf,
                              size_t cap) {
  size_t n = 0;
  const char *parts[2] = {e->root, e->path};
  for (int k = 0; k < 2; k++) {
    if (k == 1 && n + 1 < cap)
      buf[n++] = '/';
    for (const unsigned char *c = (const unsigned char *)parts[k];
         *c != '\0' && n + 5 < cap; c++) {
      if (*c == '\\' || *c == '\n' || *c == '\t')
        n += (size_t)snprintf(buf + n, cap - n, "\\%c",
                              *c == '\n' ? 'n' : *c == '\t' ? 't' : '\\');
      else if (*c < 0x20 || *c == 0x7f)
        n += (size_t)snprintf(buf + n, cap - n, "\\x%02x", *c);
      else
        buf[n++] = (char)*c;
    }
  }
  buf[n] = '\0';
  return buf;
}

static void list_entry(void *ctx, const g6_retention_entry *e) {
  lister *l = ctx;
  char p[4 * PATH_MAX + 8];
  if (e->event == G6_EV_SKIP) {
    fprintf(l->out, "skipped %s %s%s%s\n", g6_scan_skip_name(e->skip),
            shown_path(e, p, sizeof(p)), e->err ? ": " : "",
            e->err ? strerror(e->err) : "");
  } else if (e->event == G6_EV_RMDIR && !l->unmatched_only) {
    fprintf(l->out, "%s %s%s%s\n",
            e->action == G6_PRUNE_WOULD_DELETE ? "would_rmdir" : "rmdir",
            shown_path(e, p, sizeof(p)),
            e->err ? ": " : "", e->err ? strerror(e->err) : "");
  } else if (e->event == G6_EV_FILE && l->unmatched_only &&
             e->kind == G6_KIND_UNMATCHED) {
    fprintf(l->out, "unmatched %s %s\n",
            e->symlink   ? "symlink"
            : e->regular ? "file"
                         : "special",
            shown_path(e, p, sizeof(p)));
  } else if (e->event == G6_EV_FILE && !l->unmatched_only && e->pruned &&
             e->action != G6_PRUNE_KEPT_LAYOUT) {
    fprintf(l->out, "%s %s %" PRIu64 "%s%s\n",
            g6_prune_action_name(e->action), shown_path(e, p, sizeof(p)),
            e->size, e->err ? ": " : "", e->err ? strerror(e->err) : "");
  }
}

/* ---- commands ------------------------------------------------------------------ */

/* An explicit --panels-dir as g6_retention's PanelsDir is checked: one that
 * cannot be opened as a directory, or the data directory itself (however
 * spelled: "dd/.", a symbolic link), is a usage error here, where the
 * plugin refuses the latter at start-up and warns about the former while
 * g6_panels may still create it. False, with the message printed. */
static bool panels_arg_ok(const char *cmd, const char *dir,
                          const char *panels) {
  struct stat ps, ds;
  if (panels == NULL || stat(dir, &ds) != 0) /* DIR's own error comes first */
    return true;
  int e = stat(panels, &ps) == 0 ? (S_ISDIR(ps.st_mode) ? 0 : ENOTDIR) : errno;
  if (e != 0) {
    fprintf(stderr, "g6 %s: --panels-dir %s: %s; allowed: the directory "
            "g6_panels writes\n", cmd, panels, strerror(e));
    return false;
  }
  if (ds.st_dev == ps.st_dev && ds.st_ino == ps.st_ino) {
    fprintf(stderr, "g6 %s: --panels-dir %s: the same directory as the data "
            "directory %s; allowed: the panels' own directory (default: "
            "DIR/panels)\n", cmd, panels, dir);
    return false;
  }
  return true;
}

static int scan_usage(FILE *out) {
  fprintf(out,
          "usage: g6 retention-scan [--csv-dir DIR] [--json]\n"
          "       g6 retention-scan [--csv-dir DIR] --detail [--json] "
          "[--panels-dir DIR]\n"
          "       g6 retention-scan [--csv-dir DIR] --list-unmatched "
          "[--panels-dir DIR]\n"
          "Scans DIR (default " DEFAULT_DIR ") without following symlinks "
          "or entering\nother file systems. Without --detail it prints the "
          "old platform's\nsummary of the *.csv files; --detail prints files, "
          "bytes and ages per\nindex and kind of the g6 layout; "
          "--list-unmatched names what is not in\nthe layout. Exit: 0, 2 "
          "when DIR is missing or unreadable, or bad usage.\n");
  return out == stdout ? G6_EXIT_OK : G6_EXIT_USAGE;
}

/* Missing or unusable directory: the old shape ({"error": "missing_path",
 * "csv_dir": ...}, insertion order) for a missing one; "root_directory"
 * when DIR or the panels directory is "/", however spelled. */
static int scan_error(g6_status st, const g6_error *e, const char *dir,
                      const char *panels, bool json) {
  bool root = g6_path_is_root(dir) || (panels && g6_path_is_root(panels));
  const char *code = st == G6_ENOENT   ? "missing_path"
                     : root            ? "root_directory"
                     : st == G6_EINVAL ? "not_a_directory"
                                       : "unreadable";
  g6_buf b = G6_BUF_INIT, path = G6_BUF_INIT;
  py_path(dir, &path);
  if (json) {
    g6_buf_printf(&b, "{\"error\": \"%s\", \"csv_dir\": ", code);
    py_string(&b, path.data);
    g6_buf_puts(&b, "}\n");
  } else if (st == G6_ENOENT) {
    g6_buf_printf(&b, "[retention-scan] ERROR missing path: %s\n", path.data);
  } else {
    g6_buf_printf(&b, "[retention-scan] ERROR %s\n", e->msg);
  }
  fwrite(b.data, 1, b.len, stdout);
  g6_buf_free(&b);
  g6_buf_free(&path);
  return G6_EXIT_USAGE;
}

static void print_skips(const g6_retention_report *r, const char *cmd) {
  uint64_t n = 0;
  for (int s = 0; s < G6_SKIP_COUNT; s++)
    n += r->skipped[s];
  if (n > 0)
    fprintf(stderr,
            "g6 %s: %" PRIu64 " director%s not scanned (%" PRIu64
            " other mount, %" PRIu64 " unreadable, %" PRIu64 " too deep)%s%s\n",
            cmd, n, n == 1 ? "y" : "ies", r->skipped[G6_SKIP_OTHER_MOUNT],
            r->skipped[G6_SKIP_UNREADABLE], r->skipped[G6_SKIP_TOO_DEEP],
            r->first_failure[0] ? "; first: " : "", r->first_failure);
}

static int print_json(g6_json *doc) {
  g6_buf b = G6_BUF_INIT;
  g6_status st = g6_json_dump_pretty(doc, &b);
  if (st == G6_OK)
    fwrite(b.data, 1, b.len, stdout);
  else
    fprintf(stderr, "g6: cannot serialize the report (%s)\n",
            g6_strerror(st));
  g6_buf_free(&b);
  g6_json_free(doc);
  return st == G6_OK ? 0 : -1;
}

int g6_cmd_retention_scan(int argc, char **argv) {
  const char *dir = DEFAULT_DIR, *panels = NULL;
  bool json = false, detail = false, unmatched = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0)
      return scan_usage(stdout);
    if (strcmp(argv[i], "--json") == 0)
      json = true;
    else if (strcmp(argv[i], "--detail") == 0)
      detail = true;
    else if (strcmp(argv[i], "--list-unmatched") == 0)
      unmatched = true;
    else if (strcmp(argv[i], "--csv-dir") == 0 && i + 1 < argc)
      dir = argv[++i];
    else if (strcmp(argv[i], "--panels-dir") == 0 && i + 1 < argc)
      panels = argv[++i];
    else {
      fprintf(stderr, "g6 retention-scan: unknown or incomplete option \"%s\"\n",
              argv[i]);
      return scan_usage(stderr);
    }
  }
  if (detail && unmatched) {
    fprintf(stderr, "g6 retention-scan: --detail and --list-unmatched exclude "
                    "each other\n");
    return scan_usage(stderr);
  }
  if (!panels_arg_ok("retention-scan", dir, panels))
    return G6_EXIT_USAGE;
  legacy l = {0};
  lister li = {.unmatched_only = true, .out = stdout};
  g6_retention_opts o = {.data_dir = dir, .panels_dir = panels,
                         .now = g6_wall_now()};
  if (unmatched) {
    o.on_entry = list_entry;
    o.ctx = &li;
  } else if (!detail) {
    o.on_entry = legacy_entry;
    o.ctx = &l;
  }
  static g6_retention_report r;
  g6_error e;
  g6_status st = g6_retention_run(&o, &r, &e);
  int rc = G6_EXIT_OK;
  if (st != G6_OK) {
    rc = scan_error(st, &e, dir, panels, json);
  } else if (detail && json) {
    rc = print_json(report_json(&r, dir, panels)) == 0 ? G6_EXIT_OK
                                                       : G6_EXIT_FAIL;
  } else if (detail || !unmatched) {
    g6_buf b = G6_BUF_INIT;
    if (detail)
      detail_text(&r, &b);
    else
      legacy_print(&l, dir, json, &b);
    fwrite(b.data, 1, b.len, stdout);
    g6_buf_free(&b);
  }
  if (st == G6_OK)
    print_skips(&r, "retention-scan");
  if (l.oom) {
    fprintf(stderr, "g6 retention-scan: out of memory\n");
    rc = G6_EXIT_FAIL;
  }
  for (size_t i = 0; i < l.n_top; i++)
    free(l.top[i].name);
  free(l.top);
  return rc;
}

static int prune_usage(FILE *out) {
  fprintf(out,
          "usage: g6 retention-prune [--data-dir DIR] [--panels-dir DIR] "
          "[--max-age-days N]\n"
          "           [--overview-max-age-days N] [--snapshot-max-age-days N]"
          " [--no-protect-today]\n"
          "           [--max-deletes N] [--apply] [--list] [--json]\n"
          "Deletes g6 files of DIR (default " DEFAULT_DIR ") dated more than "
          "N days\n(default 45) before today (IST) with g6_retention's "
          "safeguards: only\nregular files of the layout, never through "
          "symlinks or into other\nfile systems, never one modified today "
          "(unless --no-protect-today), at\nmost --max-deletes (default "
          "10000, up to %d). A dry run unless --apply.\n--list prints every "
          "file acted on. Exit: 0, 1 when a delete failed or a\ndirectory "
          "could not be read, 2 when DIR is unusable (missing, not a\n"
          "directory, the root directory) or bad usage.\n",
          G6_RETENTION_MAX_DELETES);
  return out == stdout ? G6_EXIT_OK : G6_EXIT_USAGE;
}

/* A count argument in [lo, hi]; false (with a message) otherwise. */
static bool count_arg(const char *opt, const char *s, long long lo,
                      long long hi, long long *out) {
  char *end;
  long long v = strtoll(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
    fprintf(stderr,
            "g6 retention-prune: %s %s: allowed: an integer from %lld to "
            "%lld\n",
            opt, s, lo, hi);
    return false;
  }
  *out = v;
  return true;
}

int g6_cmd_retention_prune(int argc, char **argv) {
  const char *dir = DEFAULT_DIR, *panels = NULL;
  bool json = false, list = false;
  long long age = 45, ovw = -1, snap = -1, cap = 10000;
  g6_retention_policy p = {.enabled = true, .dry_run = true,
                           .protect_today = true};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool has = i + 1 < argc;
    if (strcmp(a, "--help") == 0)
      return prune_usage(stdout);
    if (strcmp(a, "--apply") == 0)
      p.dry_run = false;
    else if (strcmp(a, "--json") == 0)
      json = true;
    else if (strcmp(a, "--list") == 0)
      list = true;
    else if (strcmp(a, "--no-protect-today") == 0)
      p.protect_today = false;
    else if ((strcmp(a, "--data-dir") == 0 || strcmp(a, "--csv-dir") == 0) &&
             has)
      dir = argv[++i];
    else if (strcmp(a, "--panels-dir") == 0 && has)
      panels = argv[++i];
    else if (strcmp(a, "--max-age-days") == 0 && has) {
      if (!count_arg(a, argv[++i], 0, G6_RETENTION_MAX_AGE_DAYS, &age))
        return G6_EXIT_USAGE;
    } else if (strcmp(a, "--overview-max-age-days") == 0 && has) {
      if (!count_arg(a, argv[++i], 0, G6_RETENTION_MAX_AGE_DAYS, &ovw))
        return G6_EXIT_USAGE;
    } else if (strcmp(a, "--snapshot-max-age-days") == 0 && has) {
      if (!count_arg(a, argv[++i], 0, G6_RETENTION_MAX_AGE_DAYS, &snap))
        return G6_EXIT_USAGE;
    } else if (strcmp(a, "--max-deletes") == 0 && has) {
      if (!count_arg(a, argv[++i], 1, G6_RETENTION_MAX_DELETES, &cap))
        return G6_EXIT_USAGE;
    } else {
      fprintf(stderr,
              "g6 retention-prune: unknown or incomplete option \"%s\"\n", a);
      return prune_usage(stderr);
    }
  }
  if (!panels_arg_ok("retention-prune", dir, panels))
    return G6_EXIT_USAGE;
  p.max_age_days = (int)age;
  p.overview_max_age_days = (int)(ovw < 0 ? age : ovw);
  p.snapshot_max_age_days = (int)(snap < 0 ? age : snap);
  p.max_deletes = (uint64_t)cap;
  lister li = {.unmatched_only = false, .out = stdout};
  g6_retention_opts o = {.data_dir = dir, .panels_dir = panels,
                         .now = g6_wall_now(), .policy = &p,
                         .on_entry = list ? list_entry : NULL, .ctx = &li};
  static g6_retention_report r;
  g6_error e;
  g6_status st = g6_retention_run(&o, &r, &e);
  if (st != G6_OK) {
    fprintf(stderr, "g6 retention-prune: %s\n", e.msg);
    return G6_EXIT_USAGE;
  }
  if (json) {
    if (print_json(report_json(&r, dir, panels)) != 0)
      return G6_EXIT_FAIL;
  } else {
    char line[600];
    g6_retention_summary(&r, line, sizeof(line));
    printf("[retention-prune] %s%s\n", line,
           p.dry_run ? " (dry run: --apply deletes)" : "");
  }
  print_skips(&r, "retention-prune");
  if (r.files_by_action[G6_PRUNE_FAILED] > 0)
    fprintf(stderr, "g6 retention-prune: %" PRIu64 " delete(s) failed; first: %s\n",
            r.files_by_action[G6_PRUNE_FAILED], r.first_failure);
  return r.files_by_action[G6_PRUNE_FAILED] > 0 ||
                 r.skipped[G6_SKIP_UNREADABLE] > 0
             ? G6_EXIT_FAIL
             : G6_EXIT_OK;
}
