#include "store/csv_sink.h"

#include "core/array.h"
#include "core/buf.h"
#include "core/fdhold.h"
#include "core/fsutil.h"
#include "core/ist.h"
#include "core/json.h"
#include "core/strmap.h"
#include "core/thread.h"
#include "store/retention.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char g6_csv_option_header[] =
    "timestamp,index,expiry_tag,expiry_date,offset,index_price,atm,strike,ce,"
    "pe,tp,avg_ce,avg_pe,avg_tp,ce_vol,pe_vol,ce_oi,pe_oi,ce_iv,pe_iv,"
    "ce_delta,pe_delta,ce_theta,pe_theta,ce_vega,pe_vega,ce_gamma,pe_gamma,"
    "ce_rho,pe_rho,tp_net_change,tp_day_change";

const char g6_csv_overview_header[] =
    "timestamp,index,pcr_this_week,pcr_next_week,pcr_this_month,"
    "pcr_next_month,day_width,index_price,index_net_change,index_day_change,"
    "VIX,expiries_expected,expiries_collected,expected_mask,collected_mask,"
    "missing_mask";

/* Columns (0-based) whose first value today and last value on an earlier day
 * give the *_day_change and *_net_change columns. */
#define OPTION_TP_COL 10
#define OVERVIEW_PRICE_COL 7
#define NET_CHANGE_LOOKBACK_DAYS 5

/* One CSV file (one series on one day). */
typedef struct series {
  /* its path is the key it is kept under (the directory is the path up to
   * the last '/': not stored again, 20,000 series at 40,000 legs) */
  int64_t day;        /* IST day of the file */
  bool probed;        /* head and tail of the file were read */
  char last_ts[20];   /* timestamp of the last row in the file */
  double first_val;   /* tp (or index price) of the first row today */
  double prev_close;  /* last tp (or index price) on an earlier day */
  const char *header; /* header line of a new file */
  int family;         /* index into g6_csv_sink.fam */
  g6_buf pending;     /* rows (without header) awaiting a retry */
  size_t pending_rows;
  bool dir_ready;     /* the directory exists (made or seen this process) */
  off_t known_size;   /* the size our last append left, -1 when unknown:
                         while the file still has it, its tail is ours and
                         needs no torn-write check */
  int fd;             /* the file kept open for appending (core/fdhold.h),
                         -1 when it is opened and closed per append */
  dev_t dev;          /* the held file's identity, checked at each append */
  ino_t ino;
} series;

struct g6_csv_sink {
  char *data_dir;
  int data_fd;     /* the data directory, opened once: files are opened
                      relative to it (a shorter path walk per append) */
  char *index;
  g6_fsync_policy policy;
  size_t max_pending;
  size_t pending_bytes;
  size_t pending_rows; /* over every series (kept, not summed per call) */
  g6_strmap series; /* file path -> series */
  int64_t current_day;
  int64_t dir_checked_ts; /* the cycle whose directories were checked */
  struct stat index_dir[2]; /* <DataDir>/<INDEX>, <DataDir>/overview/<INDEX>
                               as last seen (st_ino 0: not seen) */
  dev_t fs_dev;  /* the device whose file system was last asked about */
  int fs_local;  /* whether its files may be held open; -1 not asked yet */
  /* the file systems written since the last syncfs (G6_FSYNC_CYCLE): the
   * data directory's, and any other an index's directory or a file below
   * it lies on (a mount, a symbolic link to another disk) */
  struct written_fs {
    dev_t dev;
    char *dir; /* a directory on it that this sink wrote a file in */
  } *fs;
  size_t n_fs, cap_fs;
  bool fs_lost; /* one could not be recorded (out of memory) */
  bool dirty; /* written since the last syncfs */
  bool closing; /* the final flush (g6_csv_sink_close): no next cycle */
  bool swept;   /* the files a crash may have torn were looked at */
  char torn_path[PATH_MAX]; /* the file whose torn tail was cut last */
  uint64_t torn_cut;        /* the bytes cut from it */
  g6_csv_family_stats fam[G6_CSV_MAX_FAMILIES];
  size_t n_fam;
};

/* The family slot of a tag ("overview" for the overview file); the last slot
 * takes whatever does not fit. */
static int family_of(g6_csv_sink *s, const char *name) {
  for (size_t i = 0; i < s->n_fam; i++)
    if (strcmp(s->fam[i].name, name) == 0)
      return (int)i;
  if (s->n_fam == G6_CSV_MAX_FAMILIES)
    return G6_CSV_MAX_FAMILIES - 1;
  snprintf(s->fam[s->n_fam].name, sizeof(s->fam[0].name), "%s", name);
  return (int)s->n_fam++;
}

/* Adds to the per-call and the per-family counters at once. */
#define COUNT(field, n)                                                        \
  do {                                                                         \
    st->field += (n);                                                          \
    s->fam[se->family].st.field += (n);                                        \
  } while (0)
#define FAILED(status)                                                         \
  do {                                                                         \
    st->write_failures++;                                                      \
    s->fam[se->family].st.write_failures++;                                    \
    s->fam[se->family].failures[(unsigned)(status) < G6_STATUS_COUNT           \
                                    ? (unsigned)(status)                       \
                                    : G6_EIO]++;                               \
  } while (0)

g6_csv_sink *g6_csv_sink_new(const char *data_dir, const char *index,
                             g6_fsync_policy policy, size_t max_pending_bytes) {
  g6_csv_sink *s = calloc(1, sizeof(*s));
  if (s == NULL)
    return NULL;
  s->data_dir = strdup(data_dir);
  s->index = strdup(index);
  if (s->data_dir == NULL || s->index == NULL) {
    g6_csv_sink_free(s);
    return NULL;
  }
  s->policy = policy;
  s->max_pending = max_pending_bytes ? max_pending_bytes : (8u << 20);
  s->data_fd = -1;
  s->fs_local = -1;
  return s;
}

/* Lets go of a series' held file (if any): closed while it is still the
 * file (device, inode); otherwise its number was closed and reused behind
 * the sink's back, and only its place in the budget is given back (the new
 * owner keeps the descriptor). Returns 0, or the errno of a failed close:
 * the rows were written through it before (a local file system reports
 * nothing there, and files on others are never held). */
static int let_go(series *se) {
  if (se->fd < 0)
    return 0;
  struct stat sb;
  int e = 0;
  if (fstat(se->fd, &sb) == 0 ? sb.st_dev == se->dev && sb.st_ino == se->ino
                              : errno != EBADF) {
    if (g6_fdhold_release(se->fd) != 0)
      e = errno != 0 ? errno : EIO;
  } else {
    g6_fdhold_forget(se->fd);
  }
  se->fd = -1;
  se->known_size = -1;
  return e;
}

/* let_go, a failed close counted with the family's write failures. */
static int let_go_counted(g6_csv_sink *s, series *se) {
  int e = let_go(se);
  if (e != 0) {
    s->fam[se->family].st.write_failures++;
    s->fam[se->family].failures[g6_status_from_errno(e)]++;
  }
  return e;
}

static void series_free(g6_csv_sink *s, series *se) {
  if (se == NULL)
    return;
  let_go_counted(s, se);
  g6_buf_free(&se->pending);
  free(se);
}

void g6_csv_sink_free(g6_csv_sink *s) {
  if (s == NULL)
    return;
  size_t it = 0;
  void *v;
  while (g6_strmap_next(&s->series, &it, NULL, &v))
    series_free(s, v);
  g6_strmap_free(&s->series);
  for (size_t i = 0; i < s->n_fs; i++)
    free(s->fs[i].dir);
  free(s->fs);
  if (s->data_fd >= 0)
    close(s->data_fd);
  free(s->data_dir);
  free(s->index);
  free(s);
}

size_t g6_csv_sink_families(g6_csv_sink *s,
                            const g6_csv_family_stats **out) {
  for (size_t i = 0; i < s->n_fam; i++)
    s->fam[i].st.rows_pending = 0;
  size_t it = 0;
  void *v;
  while (g6_strmap_next(&s->series, &it, NULL, &v)) {
    series *se = v;
    s->fam[se->family].st.rows_pending += se->pending_rows;
  }
  *out = s->fam;
  return s->n_fam;
}

size_t g6_csv_sink_pending_rows(const g6_csv_sink *s) {
  return s->pending_rows;
}

size_t g6_csv_format_int(double v, char out[32]) {
  /* every integral double below 2^63 converts to int64_t exactly: a count
   * the quote parser accepts (a whole number within +-9.2e18, a huge OI)
   * is written in digits, as str() of the old platform's int wrote it, not
   * as 9007199254740992.0 or 1e+17 in an integer column */
  if (isfinite(v) && v == floor(v) && fabs(v) < 9223372036854775808.0) {
    size_t n = g6_format_int64((int64_t)v, out);
    out[n] = '\0';
    return n;
  }
  return g6_repr_double(v, out);
}

/* ---- appending ----------------------------------------------------------- */

/* A comma (unless first) and a number (0 for an unknown one: the old format
 * has no empty value), formatted straight into the row. false when out of
 * memory. */
static bool put_field(g6_buf *b, double v, bool integer, bool first) {
  if (g6_buf_reserve(b, 34) != G6_OK)
    return false;
  char *p = b->data + b->len;
  if (!first)
    *p++ = ',';
  v = isfinite(v) ? v : 0.0;
  p += integer ? g6_csv_format_int(v, p) : g6_repr_double(v, p);
  b->len = (size_t)(p - b->data);
  *p = '\0';
  return true;
}

static void put_num(g6_buf *b, double v) { put_field(b, v, false, true); }
static void put_int(g6_buf *b, double v) { put_field(b, v, true, true); }

/* Splits a CSV line (no quoting in g6 files) and returns field `col` as a
 * number, NAN when absent or not numeric. */
static double field_of(const char *line, size_t len, int col) {
  size_t i = 0;
  for (int c = 0; c < col; c++) {
    while (i < len && line[i] != ',')
      i++;
    if (i >= len)
      return NAN;
    i++;
  }
  char tmp[64];
  size_t j = i;
  while (j < len && line[j] != ',' && line[j] != '\n' && line[j] != '\r')
    j++;
  if (j == i || j - i >= sizeof(tmp))
    return NAN;
  memcpy(tmp, line + i, j - i);
  tmp[j - i] = '\0';
  char *end;
  double d = strtod(tmp, &end);
  return *end == '\0' ? d : NAN;
}

/* A row's value in `col` if it is known: the format writes 0 for "not
 * available" (a straddle or an index is never worth 0). NAN otherwise. */
static double known_value(const char *line, size_t len, int col) {
  double v = field_of(line, len, col);
  return isfinite(v) && v != 0 ? v : NAN;
}

#define SCAN_MAX ((size_t)64 << 20) /* a day's file is well below 1 MiB */

/* known_in_file within the first or last `len` bytes (len <= size): a line
 * cut by the window's edge is not read. */
static double known_in_window(int fd, off_t size, int col, bool last,
                              size_t len) {
  off_t start = last ? size - (off_t)len : 0;
  char *buf = malloc(len);
  if (buf == NULL)
    return NAN;
  size_t got = 0;
  while (got < len) {
    ssize_t n = pread(fd, buf + got, len - got, start + (off_t)got);
    if (n <= 0)
      break;
    got += (size_t)n;
  }
  double v = NAN;
  size_t b = 0; /* lines [b, e) */
  if (start > 0) /* the first line began before the block */
    while (b < got && buf[b++] != '\n') {
    }
  size_t lo = b, hi = got;
  while (hi > lo && buf[hi - 1] != '\n') /* a torn last line */
    hi--;
  if (!last) {
    for (size_t e; isnan(v) && lo < hi; lo = e + 1) {
      e = lo;
      while (buf[e] != '\n')
        e++;
      if (strncmp(buf + lo, "timestamp", 9) != 0)
        v = known_value(buf + lo, e - lo, col);
    }
  } else {
    while (isnan(v) && hi > lo) {
      size_t e = hi - 1; /* the newline ending this line */
      size_t l = e;
      while (l > lo && buf[l - 1] != '\n')
        l--;
      if (strncmp(buf + l, "timestamp", 9) != 0)
        v = known_value(buf + l, e - l, col);
      hi = l;
    }
  }
  free(buf);
  return v;
}

/* The value in `col` of the first (last == false) or the last complete
 * data row of a file whose value there is known (known_value); NAN when no
 * row has one or the file cannot be read. A torn last line (no newline) is
 * not a row. Most days that row is the first or last one: an 8 KiB window
 * is read first and doubled until a value is found or the whole file (its
 * first or last 64 MiB) was read, so a restart reads little of the ~4,000
 * day files it probes. */
static double known_in_file(int fd, off_t size, int col, bool last) {
  if (size <= 0)
    return NAN;
  size_t whole = (uint64_t)size > SCAN_MAX ? SCAN_MAX : (size_t)size;
  for (size_t len = 8192;; len *= 2) {
    double v = known_in_window(fd, size, col, last, len < whole ? len : whole);
    if (!isnan(v) || len >= whole)
      return v;
  }
}

/* Reads the last complete line of a file into buf (empty if none). */
static void last_line(int fd, off_t size, char *buf, size_t cap) {
  buf[0] = '\0';
  if (size <= 0)
    return;
  off_t start = size > (off_t)(cap - 1) ? size - (off_t)(cap - 1) : 0;
  ssize_t n = pread(fd, buf, (size_t)(size - start), start);
  if (n <= 0) {
    buf[0] = '\0';
    return;
  }
  size_t len = (size_t)n;
  if (buf[len - 1] != '\n') {
    /* an incomplete last line (torn write) is not a row: ignore it */
    char *nl = memrchr(buf, '\n', len);
    if (nl == NULL) {
      buf[0] = '\0';
      return;
    }
    len = (size_t)(nl - buf) + 1;
  }
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
    len--;
  buf[len] = '\0';
  char *nl = strrchr(buf, '\n');
  if (nl != NULL)
    memmove(buf, nl + 1, strlen(nl + 1) + 1);
  else if (start > 0)
    buf[0] = '\0'; /* a line longer than the buffer: not ours */
}

/* Opens a series file for appending. The directory is made once per series
 * and again only when the file cannot be opened because something vanished
 * (a pruned directory, a recreated data directory): then the data directory
 * is reopened too. Under G6_FSYNC_ALWAYS each directory level it creates
 * has its entry fsynced into its parent (core/fsutil.h
 * g6_mkdir_p_durable), so a power loss does not take a new strike's or
 * index's directory away with the rows fsynced in it; a level that exists
 * costs nothing more, and an append to a series whose directory is known
 * (dir_ready) no syscall at all. G6_FSYNC_CYCLE needs none: the cycle's
 * syncfs of the file's file system (mark_written) writes the new
 * directories' entries too, as every new level lies on that file system
 * (a mount point or a symbolic link is never made here). Returns the fd,
 * -1 with errno set, or -2 when the directory cannot be made (err says
 * why). */
static int open_series(g6_csv_sink *s, series *se, const char *path,
                       g6_error *err) {
  size_t dl = strlen(s->data_dir);
  const char *rel = path + dl + 1; /* every series lives below data_dir */
  for (int attempt = 0; attempt < 2; attempt++) {
    if (!se->dir_ready) {
      char dir[PATH_MAX];
      size_t n = (size_t)(strrchr(path, '/') - path); /* path has a '/' */
      memcpy(dir, path, n);
      dir[n] = '\0';
      if (g6_mkdir_p_durable(dir, 0755, s->policy == G6_FSYNC_ALWAYS,
                             err) != G6_OK)
        return -2;
      se->dir_ready = true;
    }
    if (s->data_fd < 0)
      s->data_fd = open(s->data_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    /* O_NOFOLLOW: a symbolic link at the file's place is never written
     * through (nor cut back by the torn-tail repair): ELOOP */
    int flags =
        O_RDWR | O_CREAT | O_APPEND | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC;
    int fd = s->data_fd >= 0 ? G6_AFTER(openat(s->data_fd, rel, flags, 0644))
                             : G6_AFTER(open(path, flags, 0644));
    if (fd >= 0 || errno != ENOENT || attempt == 1)
      return fd;
    se->dir_ready = false;
    if (s->data_fd >= 0) {
      close(s->data_fd);
      s->data_fd = -1;
    }
  }
  return -1;
}

/* Writes all of buf (resuming after partial writes and EINTR); 0 or the
 * errno of the failure. */
static int write_all(int fd, const char *buf, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t w = G6_AFTER(write(fd, buf + done, len - done));
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return errno;
    }
    if (w == 0)
      return EIO;
    done += (size_t)w;
  }
  return 0;
}

/* Whether the file at fd holds exactly the n bytes p at offset off: 1
 * yes, 0 no (other bytes, or the file ends before), -1 a read error. */
static int holds_bytes(int fd, off_t off, const char *p, size_t n) {
  char buf[4096];
  while (n > 0) {
    size_t want = n < sizeof(buf) ? n : sizeof(buf);
    ssize_t got = pread(fd, buf, want, off);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      return -1;
    if (got == 0 || memcmp(buf, p, (size_t)got) != 0)
      return 0;
    off += got;
    p += got;
    n -= (size_t)got;
  }
  return 1;
}

/* What reading an append back found (append_landed). */
typedef enum landed {
  LANDED,    /* the rows read back intact */
  CUT_BACK,  /* they did not: the file ends where it did before */
  NOT_READ,  /* the file could not be read back, or another file took the
                path meanwhile: left as it is */
} landed;

/* After close(2) failed on a complete append (a file system that reports
 * write-back errors at close, such as NFS, POSIX close(2) "EIO"): whether
 * the header (hlen bytes, 0 for none) and the pending rows reached the file
 * `wrote` (its fstat at the append) at offset `before`, read back through a
 * fresh descriptor (NFS close-to-open consistency: the server's copy).
 * When they did not, the file is cut back to `before`, so the retry
 * appends them once and a partial landing leaves no stray row. */
static landed append_landed(const series *se, const char *path,
                            const struct stat *wrote, off_t before,
                            const char *header, size_t hlen) {
  int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return NOT_READ;
  struct stat sb;
  if (fstat(fd, &sb) != 0 || sb.st_dev != wrote->st_dev ||
      sb.st_ino != wrote->st_ino) {
    /* another file took the path meanwhile: not ours to read or cut; the
     * rows go to it on the retry */
    close(fd);
    return NOT_READ;
  }
  off_t want = before + (off_t)(hlen > 0 ? hlen + 1 : 0) +
               (off_t)se->pending.len;
  int same = sb.st_size < want ? 0 : holds_bytes(fd, before, header, hlen);
  if (same == 1 && hlen > 0)
    same = holds_bytes(fd, before + (off_t)hlen, "\n", 1);
  if (same == 1)
    same = holds_bytes(fd, want - (off_t)se->pending.len, se->pending.data,
                       se->pending.len);
  landed r = same == 1 ? LANDED : same < 0 ? NOT_READ : CUT_BACK;
  if (r == CUT_BACK && sb.st_size > before &&
      G6_AFTER(ftruncate(fd, before)) != 0)
    r = NOT_READ; /* the torn-tail repair cuts a partial row before the
                     next append; a whole one may stay */
  close(fd);
  return r;
}

/* Truncates an incomplete last line (a torn write) so the file ends with a
 * newline again. Returns 1 if it repaired the file, 0 if not needed, -1 on
 * I/O error with errno set (EIO for a short read: the file shrank under
 * us). *size is updated. */
static int repair_tail(int fd, off_t *size) {
  if (*size == 0)
    return 0;
  char c;
  ssize_t got = pread(fd, &c, 1, *size - 1);
  if (got != 1) {
    if (got >= 0)
      errno = EIO;
    return -1;
  }
  if (c == '\n')
    return 0;
  char buf[4096];
  off_t end = *size;
  while (end > 0) {
    off_t start = end > (off_t)sizeof(buf) ? end - (off_t)sizeof(buf) : 0;
    ssize_t n = pread(fd, buf, (size_t)(end - start), start);
    if (n <= 0) {
      if (n == 0)
        errno = EIO;
      return -1;
    }
    for (ssize_t i = n - 1; i >= 0; i--) {
      if (buf[i] == '\n') {
        off_t keep = start + i + 1;
        if (G6_AFTER(ftruncate(fd, keep)) != 0)
          return -1;
        *size = keep;
        return 1;
      }
    }
    end = start;
  }
  if (G6_AFTER(ftruncate(fd, 0)) != 0)
    return -1;
  *size = 0;
  return 1;
}

/* Reads the first data row's known value (known_value), the last
 * timestamp, and the previous day's close (its last known value) for a
 * series file opened the first time in this process. */
static void probe(g6_csv_sink *s, series *se, int fd, off_t size, int col,
                  const char *fname) {
  (void)s;
  se->probed = true;
  se->first_val = NAN;
  se->last_ts[0] = '\0';
  if (size > 0) {
    se->first_val = known_in_file(fd, size, col, false);
    char tail[8192];
    last_line(fd, size, tail, sizeof(tail));
    if (strlen(tail) >= 19 && tail[19] == ',' && strncmp(tail, "timestamp", 9)) {
      memcpy(se->last_ts, tail, 19);
      se->last_ts[19] = '\0';
    }
  }
  /* previous close: the last known value of the most recent earlier daily
   * file (that day decides: one with none leaves the close unknown) */
  se->prev_close = NAN;
  int dl = (int)(strrchr(fname, '/') - fname); /* the series' directory */
  for (int back = 1; back <= NET_CHANGE_LOOKBACK_DAYS; back++) {
    char date[11], path[PATH_MAX];
    g6_date_format(g6_civil_from_days(se->day - back), date);
    int k = snprintf(path, sizeof(path), "%.*s/%s.csv", dl, fname, date);
    if (k < 0 || (size_t)k >= sizeof(path))
      break;
    int pfd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    if (pfd < 0)
      continue;
    struct stat st;
    if (fstat(pfd, &st) == 0 && S_ISREG(st.st_mode))
      se->prev_close = known_in_file(pfd, st.st_size, col, true);
    close(pfd);
    break;
  }
}

static series *series_get(g6_csv_sink *s, int64_t day, const char *path,
                          g6_error *err) {
  series *se = g6_strmap_get(&s->series, path);
  if (se != NULL)
    return se;
  se = calloc(1, sizeof(*se));
  if (se != NULL) {
    se->day = day;
    se->first_val = NAN;
    se->prev_close = NAN;
    se->known_size = -1;
    se->fd = -1;
  }
  if (se == NULL || g6_strmap_put(&s->series, path, se, NULL) != G6_OK) {
    series_free(s, se);
    g6_error_set(err, G6_ENOMEM, "out of memory");
    return NULL;
  }
  return se;
}

g6_status g6_csv_sink_release_held(g6_csv_sink *s, g6_error *err) {
  g6_status first = G6_OK;
  size_t it = 0;
  const char *path;
  void *v;
  while (g6_strmap_next(&s->series, &it, &path, &v)) {
    int e = let_go_counted(s, v);
    if (e != 0 && first == G6_OK)
      first = g6_error_set(err, g6_status_from_errno(e),
                           "close of %s failed: %s (its rows were written "
                           "before)",
                           path, strerror(e));
  }
  /* nor the data directory: the file system can be unmounted */
  if (s->data_fd >= 0) {
    close(s->data_fd);
    s->data_fd = -1;
  }
  return first;
}

/* Once per cycle (a new timestamp): whether the data directory is still
 * the one data_fd refers to, and the index's two directories below it
 * (<INDEX>, overview/<INDEX>) the ones seen the cycle before. One moved
 * away, recreated or mounted over since is let go of, with every file
 * held, so files are opened at their paths again (in the directories now
 * there). */
static void check_dirs(g6_csv_sink *s, int64_t ts) {
  if (ts == s->dir_checked_ts)
    return;
  s->dir_checked_ts = ts;
  struct stat now, was;
  bool moved = s->data_fd >= 0 &&
               !(stat(s->data_dir, &now) == 0 &&
                 fstat(s->data_fd, &was) == 0 && now.st_dev == was.st_dev &&
                 now.st_ino == was.st_ino);
  for (int i = 0; i < 2; i++) {
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), i == 0 ? "%s/%s" : "%s/overview/%s",
             s->data_dir, s->index);
    struct stat *seen = &s->index_dir[i];
    if (stat(dir, &now) != 0)
      memset(&now, 0, sizeof(now));
    if (seen->st_ino != 0 &&
        (now.st_dev != seen->st_dev || now.st_ino != seen->st_ino))
      moved = true;
    *seen = now;
  }
  if (moved)
    g6_csv_sink_release_held(s, NULL); /* a failed close is counted */
}

/* Drops series of earlier days that hold nothing pending. */
static void forget_old_days(g6_csv_sink *s, int64_t day) {
  if (day <= s->current_day)
    return;
  s->current_day = day;
  size_t it = 0;
  const char *k;
  void *v;
  while (g6_strmap_next(&s->series, &it, &k, &v)) {
    series *se = v;
    if (se->day < day && se->pending_rows == 0) {
      g6_strmap_remove(&s->series, k);
      series_free(s, se);
    }
  }
}

/* Whether the file at fd (device dev) may be held open: there is a budget
 * and its file system is local (core/fdhold.h: on NFS and the like close(2)
 * reports write-back errors and updates other clients' view). Asked once
 * per device, not per file. */
static bool may_hold(g6_csv_sink *s, int fd, dev_t dev) {
  if (g6_fdhold_limit() == 0)
    return false;
  if (s->fs_local < 0 || s->fs_dev != dev) {
    char name[24];
    s->fs_local = g6_fdhold_local_fs(fd, name);
    s->fs_dev = dev;
  }
  return s->fs_local == 1;
}

/* What happens to rows that failed, for the messages. */
static const char *then(const g6_csv_sink *s) {
  return s->closing ? "not retried: the sink is closing" : "retried next cycle";
}

/* Notes that a file at `path` on device `dev` was written: the next
 * G6_FSYNC_CYCLE syncfs covers its file system. Out of memory: the data
 * directory's file system is synced still, and the others by sync(2). */
static void mark_written(g6_csv_sink *s, dev_t dev, const char *path) {
  s->dirty = true;
  for (size_t i = 0; i < s->n_fs; i++)
    if (s->fs[i].dev == dev)
      return;
  const char *slash = strrchr(path, '/');
  char *dir = slash != NULL ? strndup(path, (size_t)(slash - path)) : NULL;
  if (dir == NULL ||
      !g6_array_room(&s->fs, &s->cap_fs, s->n_fs, sizeof(*s->fs), 4)) {
    free(dir);
    s->fs_lost = true;
    return;
  }
  s->fs[s->n_fs].dev = dev;
  s->fs[s->n_fs].dir = dir;
  s->n_fs++;
}

/* G6_FSYNC_CYCLE: one syncfs of every file system written since the last
 * (shared with the other indices' threads finishing at the same time,
 * core/fsutil.h: group commit). Returns the first failure (err names the
 * directory). */
static g6_status sync_written(g6_csv_sink *s, g6_error *err) {
  g6_status first = G6_OK;
  if (!s->dirty)
    return G6_OK;
  for (size_t i = 0; i < s->n_fs; i++) {
    g6_error e;
    if (g6_syncfs_shared(s->fs[i].dir, &e) != G6_OK && first == G6_OK)
      first = g6_error_set(err, e.code, "%s", e.msg);
    free(s->fs[i].dir);
  }
  if (s->fs_lost) { /* one was not recorded (out of memory): every one */
    g6_error e;
    if (g6_syncfs_shared(s->data_dir, &e) != G6_OK && first == G6_OK)
      first = g6_error_set(err, e.code, "%s", e.msg);
    sync();
  }
  s->fs_lost = false;
  s->n_fs = 0;
  s->dirty = false;
  return first;
}

/* Appends the pending rows of one series (plus a header for a new file) in
 * one all-or-nothing write. On failure the file is truncated back and the
 * rows stay pending. */
static g6_status append_pending(g6_csv_sink *s, series *se, const char *path,
                                const char *header, g6_csv_stats *st,
                                g6_error *err) {
  if (se->pending_rows == 0)
    return G6_OK;
  struct stat sb = {0};
  off_t size = 0;
  int fd = -1;
  if (se->fd >= 0) {
    /* a held file still linked is this path's file (a deleted or replaced
     * one is not: let go, its path opened again) */
    if (fstat(se->fd, &sb) == 0 && sb.st_dev == se->dev &&
        sb.st_ino == se->ino && sb.st_nlink > 0) {
      fd = se->fd;
      size = sb.st_size;
    } else {
      let_go_counted(s, se);
    }
  }
  if (fd < 0) {
    g6_error e2;
    /* nothing written: the rows stay pending, and the message says so as
     * the write failures' do */
    fd = open_series(s, se, path, &e2);
    if (fd == -2) {
      FAILED(e2.code);
      return g6_error_set(err, e2.code, "%.400s (rows kept pending, %s)",
                          e2.msg, then(s));
    }
    struct stat lsb;
    if (fd < 0 && errno == ELOOP && lstat(path, &lsb) == 0 &&
        S_ISLNK(lsb.st_mode)) {
      /* planted or left by a tool: what it points to is not the day's file,
       * maybe not under the data directory at all */
      FAILED(G6_EINVAL);
      return g6_error_set(err, G6_EINVAL,
                          "cannot append %zu row(s) to %s: a symbolic link, "
                          "not a regular file; never followed (rows kept "
                          "pending, %s)",
                          se->pending_rows, path, then(s));
    }
    if (fd < 0) {
      int e = errno;
      FAILED(g6_status_from_errno(e));
      return g6_error_set(err, g6_status_from_errno(e),
                          "cannot open %s: %s (rows kept pending, %s)", path,
                          strerror(e), then(s));
    }
    if (fstat(fd, &sb) != 0) {
      int e = errno;
      close(fd);
      FAILED(g6_status_from_errno(e));
      return g6_error_set(err, g6_status_from_errno(e),
                          "cannot stat %s: %s (rows kept pending, %s)", path,
                          strerror(e), then(s));
    }
    if (!S_ISREG(sb.st_mode)) {
      /* a FIFO or a device where the day's file belongs: nothing is
       * written to it (a FIFO would block the cycle once full), the rows
       * stay pending */
      close(fd);
      FAILED(G6_EINVAL);
      return g6_error_set(err, G6_EINVAL,
                          "cannot append %zu row(s) to %s: not a regular "
                          "file (rows kept pending, %s)",
                          se->pending_rows, path, then(s));
    }
    size = sb.st_size;
    /* held from now on when the budget has room and the file system is
     * local: before anything is written, so the close of the descriptor it
     * replaces has nothing to report (not a file of an earlier day flushed
     * late: it gets no more rows) */
    int held = se->day < s->current_day || !may_hold(s, fd, sb.st_dev)
                   ? -1
                   : g6_fdhold(fd);
    if (held >= 0) {
      fd = se->fd = held;
      se->dev = sb.st_dev;
      se->ino = sb.st_ino;
    }
  }
  /* a tail we did not write ourselves may be torn (a crash mid-write) */
  off_t before = size;
  int repaired = size == se->known_size ? 0 : repair_tail(fd, &size);
  se->known_size = -1;
  if (repaired > 0) { /* bytes we did not write, cut: said by the caller */
    COUNT(torn_repaired, 1);
    snprintf(s->torn_path, sizeof(s->torn_path), "%s", path);
    s->torn_cut = (uint64_t)(before - size);
  }
  int e = repaired < 0 ? errno : 0;
  size_t hlen = size == 0 ? strlen(header) : 0;
  if (e == 0 && hlen > 0) {
    e = write_all(fd, header, hlen);
    if (e == 0)
      e = write_all(fd, "\n", 1);
  }
  if (e == 0)
    e = write_all(fd, se->pending.data, se->pending.len);
  if (e == 0 && s->policy == G6_FSYNC_ALWAYS && G6_AFTER(fsync(fd)) != 0)
    e = errno;
  if (e != 0) {
    /* roll back: the file must end exactly where it did (a failed tail
     * check wrote nothing) */
    if (repaired >= 0 && G6_AFTER(ftruncate(fd, size)) != 0) {
      /* leave it; the torn-tail repair fixes it before the next append */
    }
    /* not held any more: the next try opens the path afresh */
    if (fd == se->fd)
      let_go(se); /* this failure is counted once, below */
    else
      close(fd);
    FAILED(g6_status_from_errno(e));
    if (repaired < 0)
      return g6_error_set(err, g6_status_from_errno(e),
                          "cannot check the tail of %s: %s", path,
                          strerror(e));
    return g6_error_set(err, g6_status_from_errno(e),
                        "cannot append %zu row(s) to %s: %s (rolled back, "
                        "%s)",
                        se->pending_rows, path, strerror(e), then(s));
  }
  bool created = size == 0;
  size_t written = (hlen > 0 ? hlen + 1 : 0) + se->pending.len;
  g6_status status = G6_OK; /* not OK only for a failed close of rows that
                               read back (err says so) */
  bool written_known = true;
  if (fd != se->fd && close(fd) != 0) {
    /* the descriptor is gone either way (Linux close(2)); the rows count
     * as written only if they read back, else they stay pending */
    e = errno;
    FAILED(g6_status_from_errno(e));
    landed l = append_landed(se, path, &sb, size, header, hlen);
    if (l == CUT_BACK)
      return g6_error_set(err, g6_status_from_errno(e),
                          "cannot close %s: %s (the %zu row(s) did not read "
                          "back: rolled back, %s)",
                          path, strerror(e), se->pending_rows, then(s));
    if (l == NOT_READ)
      return g6_error_set(err, g6_status_from_errno(e),
                          "cannot close %s: %s (the file could not be read "
                          "back, or another took its path: the %zu row(s) "
                          "%s)",
                          path, strerror(e), se->pending_rows,
                          s->closing ? "count as not written, though they "
                                       "may be in the file"
                                     : "are retried next cycle and may then "
                                       "be there twice");
    g6_error_set(err, g6_status_from_errno(e),
                 "close of %s failed: %s (the %zu row(s) read back intact: "
                 "not written again)",
                 path, strerror(e), se->pending_rows);
    status = g6_status_from_errno(e);
    written_known = false;
  }
  se->known_size = written_known ? size + (off_t)written : -1;
  if (created) {
    COUNT(files_created, 1);
    if (s->policy == G6_FSYNC_ALWAYS)
      g6_fsync_parent(path, NULL);
  }
  COUNT(rows_written, se->pending_rows);
  COUNT(bytes_written, written);
  s->pending_bytes -= se->pending.len;
  s->pending_rows -= se->pending_rows;
  /* freed, not kept: one row's buffer per series held across cycles was
   * ~10 MB at 20,000 series (40,000 legs) for nothing */
  g6_buf_free(&se->pending);
  se->pending_rows = 0;
  mark_written(s, sb.st_dev, path);
  return status;
}

/* Queues one formatted row (without newline) for `path` and writes. */
static g6_status queue_row(g6_csv_sink *s, series *se, const char *path,
                           const g6_buf *row, g6_csv_stats *st,
                           g6_error *err) {
  if (s->pending_bytes + row->len + 1 > s->max_pending) {
    /* the retry buffer is full: this row is lost, and says so */
    COUNT(rows_dropped, 1);
    return g6_error_set(err, G6_ENOSPC,
                        "retry buffer full (%zu bytes): row for %s dropped",
                        s->max_pending, path);
  }
  if (g6_buf_reserve(&se->pending, row->len + 1) != G6_OK) {
    /* out of memory: this row is lost, and says so (nothing half-queued) */
    COUNT(rows_dropped, 1);
    return g6_error_set(err, G6_ENOMEM, "out of memory: row for %s dropped",
                        path);
  }
  g6_buf_append(&se->pending, row->data, row->len); /* room reserved */
  g6_buf_putc(&se->pending, '\n');
  s->pending_bytes += row->len + 1;
  s->pending_rows++;
  se->pending_rows++;
  return append_pending(s, se, path, se->header, st, err);
}

/* Prepares the series of a file: path, state, torn-tail check, probe. */
static series *prepare(g6_csv_sink *s, const char *dir, int64_t day,
                       const char date[11], int col, const char *header,
                       const char *family, char *path, size_t path_len,
                       g6_error *err) {
  size_t dl = strlen(dir);
  if (dl + 1 + 10 + 4 >= path_len) {
    g6_error_set(err, G6_EINVAL, "path too long under %s", dir);
    return NULL;
  }
  memcpy(path, dir, dl);
  path[dl] = '/';
  memcpy(path + dl + 1, date, 10);
  memcpy(path + dl + 11, ".csv", 5);
  series *se = series_get(s, day, path, err);
  if (se == NULL || se->probed)
    return se;
  se->header = header;
  se->family = family_of(s, family);
  /* O_NONBLOCK: something else than a file at the path (a FIFO) is not
   * waited for, O_NOFOLLOW: nor a symbolic link read; the append refuses
   * both */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
  struct stat sb;
  if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
    probe(s, se, fd, sb.st_size, col, path);
  } else {
    probe(s, se, -1, 0, col, path);
  }
  if (fd >= 0)
    close(fd);
  return se;
}

static void update_stats_pending(g6_csv_sink *s, g6_csv_stats *st) {
  st->rows_pending = g6_csv_sink_pending_rows(s);
}

/* Whether a row timestamped tstr is to be skipped because it is not after
 * the file's last row: the same 30-s slot again (a duplicate), or an
 * earlier one (the wall clock went back: behind). One file holds one IST
 * date, so the "DD-MM-YYYY HH:MM:SS" strings compare in time order. */
static bool not_after_last(g6_csv_sink *s, series *se, const char *tstr,
                           g6_csv_stats *st) {
  int order = strcmp(se->last_ts, tstr);
  if (order < 0)
    return false;
  if (order == 0)
    COUNT(duplicates, 1);
  else
    COUNT(behind, 1);
  return true;
}

g6_status g6_csv_write_options(g6_csv_sink *s, int64_t ts, const char *tag,
                               g6_date expiry, const g6_csv_option_row *rows,
                               size_t n, g6_csv_stats *st, g6_error *err) {
  g6_ist_tm tm;
  g6_ist_breakdown(ts, &tm);
  forget_old_days(s, tm.days);
  check_dirs(s, ts);
  char tstr[20], edate[11], today[11];
  g6_ist_format_ts(ts, tstr);
  g6_date_format(expiry, edate);
  g6_date_format(g6_civil_from_days(tm.days), today);
  g6_status first = G6_OK;
  /* what every row and every directory of this call starts with */
  g6_buf row = G6_BUF_INIT, head = G6_BUF_INIT;
  char dir[PATH_MAX], path[PATH_MAX];
  int dl = snprintf(dir, sizeof(dir), "%s/%s/%s/", s->data_dir, s->index, tag);
  if (g6_buf_printf(&head, "%s,%s,%s,%s,", tstr, s->index, tag, edate) !=
          G6_OK ||
      dl < 0 || (size_t)dl + 34 >= sizeof(dir)) {
    g6_buf_free(&head);
    update_stats_pending(s, st);
    return g6_error_set(err, dl < 0 || (size_t)dl + 34 >= sizeof(dir)
                                 ? G6_EINVAL
                                 : G6_ENOMEM,
                        "cannot format the rows of %s %s", s->index, tag);
  }
  for (size_t i = 0; i < n; i++) {
    const g6_csv_option_row *r = &rows[i];
    double offset = r->strike - r->atm;
    char num[32];
    size_t nl = g6_csv_format_int(offset, num);
    /* the strike's directory: <data>/<INDEX>/<tag>/<+offset> */
    char *o = dir + dl;
    if (offset > 0)
      *o++ = '+';
    memcpy(o, num, nl + 1);
    g6_error e;
    series *se = prepare(s, dir, tm.days, today, OPTION_TP_COL,
                         g6_csv_option_header, tag, path, sizeof(path), &e);
    if (se == NULL) {
      if (first == G6_OK)
        first = g6_error_set(err, e.code, "%s", e.msg);
      continue;
    }
    if (not_after_last(s, se, tstr, st))
      continue;
    const g6_csv_leg *ce = &r->ce, *pe = &r->pe;
    double ce_last = ce->present ? ce->last : NAN;
    double pe_last = pe->present ? pe->last : NAN;
    double ce_avg = ce->present ? ce->avg : NAN;
    double pe_avg = pe->present ? pe->avg : NAN;
    /* the straddle and its changes are known only with both sides: one
     * side alone is not a straddle price (written 0, "not available", like
     * every unknown; the day's first value is its first known one) */
    double tp = ce_last + pe_last, avg_tp = ce_avg + pe_avg; /* NAN if not */
    if (isnan(se->first_val) && isfinite(tp) && tp != 0)
      se->first_val = tp;
    double day_change = tp - se->first_val;
    double net_change = tp - se->prev_close;
    g6_buf_reset(&row);
    bool ok = g6_buf_append(&row, head.data, head.len) == G6_OK &&
              g6_buf_append(&row, num, nl) == G6_OK &&
              put_field(&row, r->index_price, false, false) &&
              put_field(&row, r->atm, true, false) &&
              put_field(&row, r->strike, true, false);
    const double vals[] = {ce_last, pe_last, tp, ce_avg, pe_avg, avg_tp};
    for (size_t j = 0; j < 6; j++)
      ok = ok && put_field(&row, vals[j], false, false);
    const double counts[] = {ce->present ? ce->volume : 0,
                             pe->present ? pe->volume : 0,
                             ce->present ? ce->oi : 0, pe->present ? pe->oi : 0};
    for (size_t j = 0; j < 4; j++)
      ok = ok && put_field(&row, counts[j], true, false);
    const double greeks[] = {
        ce->present ? ce->iv : 0,    pe->present ? pe->iv : 0,
        ce->present ? ce->delta : 0, pe->present ? pe->delta : 0,
        ce->present ? ce->theta : 0, pe->present ? pe->theta : 0,
        ce->present ? ce->vega : 0,  pe->present ? pe->vega : 0,
        ce->present ? ce->gamma : 0, pe->present ? pe->gamma : 0,
        ce->present ? ce->rho : 0,   pe->present ? pe->rho : 0,
        net_change,                  day_change};
    for (size_t j = 0; j < sizeof(greeks) / sizeof(greeks[0]); j++)
      ok = ok && put_field(&row, greeks[j], false, false);
    if (!ok) { /* out of memory: the row is lost, and counted */
      COUNT(rows_dropped, 1);
      if (first == G6_OK)
        first = g6_error_set(err, G6_ENOMEM,
                             "out of memory: row for %s dropped", path);
      continue;
    }
    memcpy(se->last_ts, tstr, sizeof(se->last_ts));
    g6_status rc =
        queue_row(s, se, path, &row, st, &e);
    if (rc != G6_OK && first == G6_OK)
      first = g6_error_set(err, rc, "%s", e.msg);
  }
  g6_buf_free(&row);
  g6_buf_free(&head);
  update_stats_pending(s, st);
  return first;
}

g6_status g6_csv_write_overview(g6_csv_sink *s, int64_t ts,
                                const g6_csv_overview *ov, g6_csv_stats *st,
                                g6_error *err) {
  g6_ist_tm tm;
  g6_ist_breakdown(ts, &tm);
  forget_old_days(s, tm.days);
  check_dirs(s, ts);
  char tstr[20], dir[PATH_MAX], path[PATH_MAX];
  g6_ist_format_ts(ts, tstr);
  int k = snprintf(dir, sizeof(dir), "%s/overview/%s", s->data_dir, s->index);
  if (k < 0 || (size_t)k >= sizeof(dir))
    return g6_error_set(err, G6_EINVAL, "path too long");
  char today[11];
  g6_date_format(g6_civil_from_days(tm.days), today);
  series *se = prepare(s, dir, tm.days, today, OVERVIEW_PRICE_COL,
                       g6_csv_overview_header, "overview", path, sizeof(path),
                       err);
  if (se == NULL)
    return err ? err->code : G6_ENOMEM;
  if (not_after_last(s, se, tstr, st))
    return G6_OK;
  if (isnan(se->first_val))
    se->first_val = ov->index_price;
  double day_change = ov->index_price - se->first_val;
  double net_change =
      isnan(se->prev_close) ? 0.0 : ov->index_price - se->prev_close;
  g6_buf row = G6_BUF_INIT;
  g6_buf_printf(&row, "%s,%s", tstr, s->index);
  int collected = 0;
  for (int i = 0; i < 4; i++) {
    g6_buf_putc(&row, ',');
    if (ov->collected_mask & (1u << i)) {
      put_num(&row, ov->pcr[i]);
      collected++;
    } else {
      g6_buf_putc(&row, '0'); /* the old platform wrote an int 0 here */
    }
  }
  g6_buf_putc(&row, ',');
  /* day width is an int in the old format (truncated) */
  put_int(&row, isfinite(ov->day_width) ? trunc(ov->day_width) : 0);
  g6_buf_putc(&row, ',');
  put_num(&row, ov->index_price);
  g6_buf_putc(&row, ',');
  put_num(&row, net_change);
  g6_buf_putc(&row, ',');
  put_num(&row, day_change);
  g6_buf_putc(&row, ',');
  put_num(&row, isfinite(ov->vix) ? ov->vix : 0.0);
  unsigned missing =
      (ov->expected_mask & ~ov->collected_mask) | ov->withheld_mask;
  g6_buf_printf(&row, ",%d,%d,%u,%u,%u", ov->expiries_expected, collected,
                ov->expected_mask, ov->collected_mask, missing);
  memcpy(se->last_ts, tstr, sizeof(se->last_ts));
  g6_status rc = queue_row(s, se, path, &row, st, err);
  g6_buf_free(&row);
  update_stats_pending(s, st);
  return rc;
}

/* Whether name is "YYYY-MM-DD.csv". */
static bool day_file(const char *name) {
  return g6_digit_shape(name, strlen(name), "dddd-dd-dd.csv");
}

/* Whether the file fd begins with `header` and a newline, or with a part
 * of it and nothing more (the first write torn): a file g6 wrote. */
static bool begins_with_header(int fd, const char *header) {
  char buf[1024];
  size_t hl = strlen(header);
  if (hl + 1 > sizeof(buf))
    return false;
  ssize_t n = pread(fd, buf, hl + 1, 0);
  if (n <= 0)
    return false;
  if ((size_t)n == hl + 1)
    return memcmp(buf, header, hl) == 0 && buf[hl] == '\n';
  return memcmp(buf, header, (size_t)n) == 0;
}

/* Cuts a torn last line from the newest day's file in the directory fd
 * (closed here): the file a crashed run wrote last there, which this run
 * may never append to (its strike left the ladder, its day ended). Only a
 * file of this index's layout (rel, the directory's path below the data
 * directory, as g6_retention_classify names it `want`) that begins with
 * g6's `header` is touched: nothing else's last line is cut. */
static void sweep_dir(g6_csv_sink *s, int fd, const char *dir,
                      const char *rel, g6_retention_kind want,
                      const char *header, const char *family,
                      g6_csv_stats *st) {
  DIR *d = fdopendir(fd);
  if (d == NULL) {
    close(fd);
    return;
  }
  char newest[16] = "";
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (day_file(e->d_name) && strcmp(e->d_name, newest) > 0)
      memcpy(newest, e->d_name, 15); /* day_file: 14 characters */
  char relpath[PATH_MAX], index[32];
  g6_retention_kind kind;
  bool dated, prunable;
  g6_date date;
  bool layout =
      newest[0] != '\0' &&
      snprintf(relpath, sizeof(relpath), "%s/%s", rel, newest) <
          (int)sizeof(relpath) &&
      g6_retention_classify(relpath, &kind, index, &dated, &date,
                            &prunable) &&
      kind == want && strcmp(index, s->index) == 0;
  int f = layout ? openat(dirfd(d), newest,
                          O_RDWR | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY |
                              O_CLOEXEC)
                 : -1;
  closedir(d);
  struct stat sb;
  if (f < 0)
    return;
  off_t size = 0;
  if (fstat(f, &sb) == 0 && S_ISREG(sb.st_mode) &&
      begins_with_header(f, header) &&
      (size = sb.st_size, repair_tail(f, &size)) > 0) {
    int fam = family_of(s, family);
    st->torn_repaired++;
    s->fam[fam].st.torn_repaired++;
    snprintf(s->torn_path, sizeof(s->torn_path), "%s/%s", dir, newest);
    s->torn_cut = (uint64_t)(sb.st_size - size);
  }
  close(f);
}

/* Opens the directory `name` in the directory dfd, never through a
 * symbolic link: -1 if it is none. */
static int open_subdir(int dfd, const char *name) {
  return openat(dfd, name,
                O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
}

/* Once per sink, at its first flush: the torn tail a crash (kill -9, a
 * host crash) left in the last file it wrote in every directory of the
 * index is cut, not only in the files this run appends to. Only the
 * layout's directories are entered (<INDEX>/<tag>/<offset>,
 * overview/<INDEX>), none through a symbolic link below the index's
 * directory. */
static void sweep_torn(g6_csv_sink *s, g6_csv_stats *st) {
  s->swept = true;
  char top[PATH_MAX], rel[PATH_MAX], tag[PATH_MAX], off[PATH_MAX];
  snprintf(top, sizeof(top), "%s/overview/%s", s->data_dir, s->index);
  snprintf(rel, sizeof(rel), "overview/%s", s->index);
  int fd = open(top, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
  if (fd >= 0)
    sweep_dir(s, fd, top, rel, G6_KIND_OVERVIEW, g6_csv_overview_header,
              "overview", st);
  snprintf(top, sizeof(top), "%s/%s", s->data_dir, s->index);
  DIR *d = opendir(top);
  struct dirent *e;
  while (d != NULL && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.' ||
        snprintf(tag, sizeof(tag), "%s/%s", top, e->d_name) >= (int)sizeof(tag))
      continue;
    int tfd = open_subdir(dirfd(d), e->d_name);
    DIR *t = tfd >= 0 ? fdopendir(tfd) : NULL;
    if (t == NULL && tfd >= 0)
      close(tfd);
    struct dirent *o;
    while (t != NULL && (o = readdir(t)) != NULL) {
      if (o->d_name[0] == '.' ||
          snprintf(off, sizeof(off), "%s/%s", tag, o->d_name) >=
              (int)sizeof(off) ||
          snprintf(rel, sizeof(rel), "%s/%s/%s", s->index, e->d_name,
                   o->d_name) >= (int)sizeof(rel))
        continue;
      fd = open_subdir(dirfd(t), o->d_name);
      if (fd >= 0)
        sweep_dir(s, fd, off, rel, G6_KIND_OPTIONS, g6_csv_option_header,
                  e->d_name, st);
    }
    if (t != NULL)
      closedir(t);
  }
  if (d != NULL)
    closedir(d);
}

g6_status g6_csv_sink_flush(g6_csv_sink *s, g6_csv_stats *st, g6_error *err) {
  g6_status first = G6_OK;
  if (!s->swept)
    sweep_torn(s, st);
  size_t it = 0;
  const char *path;
  void *v;
  while (g6_strmap_next(&s->series, &it, &path, &v)) {
    series *se = v;
    if (se->pending_rows == 0)
      continue;
    g6_error e;
    g6_status rc = append_pending(s, se, path, se->header, st, &e);
    if (rc != G6_OK && first == G6_OK)
      first = g6_error_set(err, rc, "%s", e.msg);
  }
  if (s->policy == G6_FSYNC_CYCLE) {
    g6_error e;
    if (sync_written(s, &e) != G6_OK && first == G6_OK)
      first = g6_error_set(err, e.code, "%s", e.msg);
  }
  update_stats_pending(s, st);
  return first;
}

size_t g6_csv_sink_close(g6_csv_sink *s, g6_error *err) {
  if (s == NULL)
    return 0;
  s->closing = true;
  g6_csv_stats st = {0};
  bool named = false;
  size_t it = 0;
  const char *path;
  void *v;
  while (g6_strmap_next(&s->series, &it, &path, &v)) {
    series *se = v;
    g6_error e = {0};
    g6_status rc = append_pending(s, se, path, se->header, &st, &e);
    /* the first file whose rows stay behind (a failed close whose rows
     * read back intact lost nothing) */
    if (se->pending_rows > 0 && !named) {
      g6_error_set(err, rc != G6_OK ? rc : G6_EIO, "%s", e.msg);
      named = true;
    }
  }
  if (s->policy == G6_FSYNC_CYCLE)
    sync_written(s, NULL); /* as every cycle does */
  size_t lost = s->pending_rows;
  g6_csv_sink_free(s);
  return lost;
}

const char *g6_csv_sink_last_repair(const g6_csv_sink *s, uint64_t *bytes_cut) {
  if (bytes_cut != NULL)
    *bytes_cut = s->torn_cut;
  return s->torn_path;
}
