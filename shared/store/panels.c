/* Panel files written as one set (see store/panels.h). */
#include "store/panels.h"

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/hash.h"
#include "core/strmap.h"
#include "core/thread.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_PANEL_FILE G6_PANELS_MAX_FILE

/* ---- hashes and envelopes ------------------------------------------------ */

g6_status g6_panel_data_hash(const g6_json *data, char out[65]) {
  if (data == NULL || g6_json_type_of(data) == G6_JSON_NULL)
    return g6_sha256_hex("null", 4, out);
  return g6_json_canonical_sha256(data, out);
}

bool g6_panel_file_name(const char *name, char *out, size_t len) {
  size_t n = strlen(name);
  if (n == 0 || n > 63)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!((name[i] >= 'a' && name[i] <= 'z') ||
          (name[i] >= '0' && name[i] <= '9') || name[i] == '_'))
      return false;
  int k = snprintf(out, len, "%s" G6_PANELS_SUFFIX, name);
  return k > 0 && (size_t)k < len;
}

/* A deep copy through the canonical form (the tree has no copy function;
 * this also proves the data serializes). */
static g6_json *copy_json(const g6_json *v) {
  g6_buf b = G6_BUF_INIT;
  g6_json *c = NULL;
  if (g6_json_dump_canonical(v, &b) == G6_OK)
    g6_json_parse(b.data, b.len, &c, NULL);
  g6_buf_free(&b);
  return c;
}

static void iso_utc(double now, char out[32]) {
  time_t t = (time_t)floor(now);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

g6_json *g6_panel_envelope(const char *name, const g6_json *data, double now,
                           const char *source) {
  char full[65], iso[32];
  bool null_data = data == NULL || g6_json_type_of(data) == G6_JSON_NULL;
  g6_json *empty = g6_json_object();
  /* the old writer hashes {} for meta.hash when data is null */
  g6_status st = g6_panel_data_hash(null_data ? empty : data, full);
  g6_json_free(empty);
  if (st != G6_OK)
    return NULL;
  full[12] = '\0';
  iso_utc(now, iso);
  g6_json *env = g6_json_object(), *meta = g6_json_object();
  g6_json *copy = null_data ? g6_json_null() : copy_json(data);
  if (env == NULL || meta == NULL || copy == NULL) {
    g6_json_free(env);
    g6_json_free(meta);
    g6_json_free(copy);
    return NULL;
  }
  st = g6_json_object_set(env, "panel", g6_json_string(name));
  if (st == G6_OK)
    st = g6_json_object_set(env, "version", g6_json_int(1));
  if (st == G6_OK)
    st = g6_json_object_set(env, "generated_at",
                            g6_json_int((int64_t)floor(now)));
  if (st == G6_OK)
    st = g6_json_object_set(env, "updated_at", g6_json_string(iso));
  if (st == G6_OK)
    st = g6_json_object_set(env, "data", copy);
  else
    g6_json_free(copy);
  if (st == G6_OK)
    st = g6_json_object_set(meta, "source", g6_json_string(source));
  if (st == G6_OK)
    st = g6_json_object_set(meta, "schema", g6_json_string(G6_PANELS_SCHEMA));
  if (st == G6_OK)
    st = g6_json_object_set(meta, "hash", g6_json_string(full));
  if (st == G6_OK)
    st = g6_json_object_set(env, "meta", meta);
  else
    g6_json_free(meta);
  if (st != G6_OK) {
    g6_json_free(env);
    return NULL;
  }
  return env;
}

/* ---- the writer ------------------------------------------------------------ */

typedef struct known {
  char file[80];
  char file_hash[65];     /* hash of the data in the file; "" if none */
  char manifest_hash[65]; /* what the manifest on disk lists; "" if none */
} known;

/* What two writers of one PanelsDir would do (core/fsutil.h's lock). */
#define CLASH "two writers would replace each other's panel sets"

struct g6_panels_writer {
  /* dir: PanelsDir with symbolic links resolved at open, where sets are
   * swapped in; conf: PanelsDir as configured, the path readers use */
  char dir[PATH_MAX], parent[PATH_MAX], base[NAME_MAX + 1];
  char conf[PATH_MAX];
  /* when conf itself was a symbolic link at open: its text and owner, to
   * make it again if it is removed */
  char link[PATH_MAX];
  uid_t link_uid;
  gid_t link_gid;
  char staging[NAME_MAX + 1];
  char journal[NAME_MAX + 1]; /* beside the staging directory */
  char *source, *app_version;
  unsigned char *key;
  size_t key_len;
  bool durable, exchange;
  /* a whole set could not be swapped in for a passing reason (EROFS,
   * ENOSPC, EIO...): the next flush tries again */
  bool paused;
  mode_t mode;
  /* PanelsDir's mode and owner at open: a PanelsDir removed meanwhile is
   * created again with them */
  mode_t dir_mode;
  uid_t dir_uid;
  gid_t dir_gid;
  /* flock(2)s on PanelsDir and the staging directory: the two inodes that
   * take turns at PanelsDir's path (each exchange swaps them), so another
   * writer finds PanelsDir locked whichever of them is there (and g6_chain
   * finds it taken when its DataDir is PanelsDir); -1 when not held */
  int lock_fd[2];
  dev_t lock_dev[2];
  ino_t lock_ino[2];
  char notes[512]; /* for the caller's start-up log; "" when none */
  known k[G6_PANELS_MAX * 2];
  size_t n_known;
  size_t manifest_entries; /* hashes listed by the manifest on disk */
  bool manifest_present, sig_present;
  /* a flush written file by file failed part of the way: the manifest on
   * disk may not be the one the known hashes say, so the next flush writes
   * it whatever changed */
  bool unsure;
  int64_t cycle;
  /* the panel files whose names another program's entry took at the last
   * flush ("name kind;" each): the caller is told when that changes */
  char blocked[G6_PANELS_MAX * 100];
};

static g6_status errno_err(g6_error *err, int e, const char *what,
                           const char *path) {
  return g6_error_set(err, g6_status_from_errno(e), "%s %s: %s", what, path,
                      strerror(e));
}

static known *find_known(g6_panels_writer *w, const char *file, bool add) {
  for (size_t i = 0; i < w->n_known; i++)
    if (strcmp(w->k[i].file, file) == 0)
      return &w->k[i];
  if (!add || w->n_known == sizeof(w->k) / sizeof(w->k[0]))
    return NULL;
  known *k = &w->k[w->n_known++];
  memset(k, 0, sizeof(*k));
  snprintf(k->file, sizeof(k->file), "%s", file);
  return k;
}

static bool ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The data hash of a panel file on disk ("" when unreadable). */
static void hash_file(const char *dir, const char *file, char out[65]) {
  char path[PATH_MAX];
  out[0] = '\0';
  if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
    return;
  char *text = NULL;
  size_t len = 0;
  g6_json *doc = NULL;
  if (g6_read_file(path, MAX_PANEL_FILE, &text, &len, NULL) == G6_OK &&
      g6_json_parse_limited(text, len, G6_JSON_BYTES, G6_PANELS_MAX_VALUES,
                            &doc, NULL) == G6_OK &&
      g6_json_type_of(doc) == G6_JSON_OBJECT)
    g6_panel_data_hash(g6_json_object_get(doc, "data"), out);
  g6_json_free(doc);
  free(text);
}

/* What is on disk: panel files, the manifest's hashes and cycle, whether
 * the signature exists; and that PanelsDir holds no directory. */
static g6_status load_state(g6_panels_writer *w, g6_error *err) {
  DIR *d = opendir(w->dir);
  if (d == NULL)
    return errno_err(err, errno, "cannot read directory", w->dir);
  struct dirent *de;
  g6_status st = G6_OK;
  while (st == G6_OK && (de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    struct stat sb;
    if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
      continue; /* removed meanwhile */
    if (S_ISDIR(sb.st_mode)) {
      st = g6_error_set(err, G6_EEXIST,
                        "PanelsDir %s holds the directory \"%s\"; it must hold "
                        "only files (each flush carries them over to the new "
                        "set by hard links): move it elsewhere",
                        w->dir, de->d_name);
      break;
    }
    if (!S_ISREG(sb.st_mode))
      continue; /* a link, a FIFO...: not g6's (g6_panels_write says so) */
    if (strcmp(de->d_name, G6_PANELS_SIGNATURE) == 0)
      w->sig_present = true;
    if (ends_with(de->d_name, G6_PANELS_SUFFIX) &&
        strlen(de->d_name) < sizeof(w->k[0].file)) {
      known *k = find_known(w, de->d_name, true);
      if (k != NULL)
        hash_file(w->dir, de->d_name, k->file_hash);
    }
  }
  closedir(d);
  if (st != G6_OK)
    return st;
  char path[PATH_MAX], *text = NULL;
  size_t len;
  g6_json *m = NULL;
  struct stat ms;
  if (snprintf(path, sizeof(path), "%s/" G6_PANELS_MANIFEST, w->dir) >=
      (int)sizeof(path))
    return G6_OK;
  if (lstat(path, &ms) != 0 || !S_ISREG(ms.st_mode) ||
      g6_read_file(path, MAX_PANEL_FILE, &text, &len, NULL) != G6_OK)
    return G6_OK;
  w->manifest_present = true;
  if (g6_json_parse_limited(text, len, G6_JSON_BYTES, G6_PANELS_MAX_VALUES,
                            &m, NULL) == G6_OK) {
    const char *cyc = g6_json_get_int_text(g6_json_object_get(m, "cycle"));
    if (cyc != NULL)
      w->cycle = strtoll(cyc, NULL, 10);
    const g6_json *h = g6_json_object_get(m, "hashes");
    for (size_t i = 0; i < g6_json_count(h); i++) {
      size_t kl;
      const char *file = g6_json_object_key(h, i, &kl);
      const char *hex = g6_json_get_string(g6_json_object_value(h, i), NULL);
      known *k = strlen(file) == kl && kl < sizeof(w->k[0].file)
                     ? find_known(w, file, true)
                     : NULL;
      if (k != NULL && hex != NULL)
        snprintf(k->manifest_hash, sizeof(k->manifest_hash), "%s", hex);
      w->manifest_entries++;
    }
  }
  g6_json_free(m);
  free(text);
  return G6_OK;
}

/* Whether `dir` is the root of a mount (a file system or a bind mount):
 * renameat2 cannot move it, so no set can be swapped in for it. */
static bool mount_point(const char *dir, const char *parent) {
  struct statx sx;
  if (statx(AT_FDCWD, dir, 0, STATX_BASIC_STATS, &sx) == 0 &&
      (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0)
    return (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
  struct stat a, b; /* older kernels: another device than the parent's */
  return stat(dir, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

static void note(g6_panels_writer *w, const char *text) {
  size_t n = strlen(w->notes);
  snprintf(w->notes + n, sizeof(w->notes) - n, "%s%s", n ? "; " : "", text);
}

/* Keeps a lock on the directory `fd` (which `fd` it was, in the slot not
 * holding the inode `keep`). G6_EEXIST when another writer holds it. */
static g6_status hold_lock(g6_panels_writer *w, int fd, const struct stat *st,
                           const struct stat *keep, g6_error *err) {
  for (int i = 0; i < 2; i++)
    if (w->lock_fd[i] >= 0 && w->lock_dev[i] == st->st_dev &&
        w->lock_ino[i] == st->st_ino)
      return G6_OK;
  int lfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (lfd < 0)
    return errno_err(err, errno, "cannot lock", w->dir);
  bool locked = false;
  char why[256];
  g6_status s =
      g6_dir_lock(lfd, "PanelsDir", w->dir, CLASH, &locked, why, sizeof(why),
                  err);
  if (s != G6_OK || !locked) {
    close(lfd);
    if (s == G6_OK && why[0] != '\0' && strstr(w->notes, why) == NULL)
      note(w, why);
    return s;
  }
  int slot = 0;
  if (w->lock_fd[0] >= 0 &&
      (keep == NULL || (w->lock_dev[0] == keep->st_dev &&
                            w->lock_ino[0] == keep->st_ino)))
    slot = 1;
  if (w->lock_fd[slot] >= 0)
    close(w->lock_fd[slot]);
  w->lock_fd[slot] = lfd;
  w->lock_dev[slot] = st->st_dev;
  w->lock_ino[slot] = st->st_ino;
  return G6_OK;
}

size_t g6_panels_staging_name(const char *base, char *out, size_t cap) {
  int n = snprintf(out, cap, ".%.200s.g6-staging", base);
  size_t len = n < 0 ? 0 : (size_t)n;
  return cap == 0 ? 0 : (len < cap ? len : cap - 1);
}

size_t g6_panels_journal_name(const char *base, char *out, size_t cap) {
  int n = snprintf(out, cap, ".%.200s.g6-journal", base);
  size_t len = n < 0 ? 0 : (size_t)n;
  return cap == 0 ? 0 : (len < cap ? len : cap - 1);
}

/* Resolves a PanelsDir given as (or under) a symbolic link, so the set is
 * swapped in where the link points and the link itself stays. */
static g6_status resolve_dir(g6_panels_writer *w, g6_error *err) {
  char real[PATH_MAX];
  if (realpath(w->dir, real) == NULL)
    return errno_err(err, errno, "cannot resolve", w->dir);
  snprintf(w->dir, sizeof(w->dir), "%s", real);
  const char *slash = strrchr(w->dir, '/');
  if (slash == w->dir)
    snprintf(w->parent, sizeof(w->parent), "/");
  else
    snprintf(w->parent, sizeof(w->parent), "%.*s", (int)(slash - w->dir),
             w->dir);
  snprintf(w->base, sizeof(w->base), "%.255s", slash + 1);
  g6_panels_staging_name(slash + 1, w->staging, sizeof(w->staging));
  g6_panels_journal_name(slash + 1, w->journal, sizeof(w->journal));
  return G6_OK;
}

/* Exchange mode's start-up checks: PanelsDir is not a mount point (else
 * file by file, noted), its parent is writable, and the staging directory
 * exists and is locked. */
static g6_status prepare_exchange(g6_panels_writer *w, g6_error *err) {
  char text[512];
  if (mount_point(w->dir, w->parent)) {
    snprintf(text, sizeof(text),
             "PanelsDir %.300s is a mount point: a new set cannot be swapped in "
             "for it (renameat2 cannot move a mount point)",
             w->dir);
    note(w, text);
    w->exchange = false;
    return G6_OK;
  }
  g6_error sub;
  g6_status s =
      g6_dir_check_writable(w->parent, "PanelsDir's parent directory", &sub);
  if (s != G6_OK)
    return g6_error_set(err, s,
                        "%s (each new set of PanelsDir %s is built there, in "
                        "%s, and swapped in): make it writable for "
                        "collectd's user, or set AtomicSet false",
                        sub.msg, w->dir, w->staging);
  int pfd = open(w->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (pfd < 0)
    return errno_err(err, errno, "cannot open", w->parent);
  if (G6_AFTER(mkdirat(pfd, w->staging, 0700)) != 0 && errno != EEXIST) {
    s = g6_error_set(err, g6_status_from_errno(errno),
                     "cannot create the staging directory %s/%s: %s",
                     w->parent, w->staging, strerror(errno));
    close(pfd);
    return s;
  }
  int sfd = openat(pfd, w->staging,
                   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  close(pfd);
  if (sfd < 0)
    return g6_error_set(err, g6_status_from_errno(errno),
                        "%s/%s, g6_panels' staging directory, cannot be "
                        "opened (%s): move it away",
                        w->parent, w->staging, strerror(errno));
  struct stat st;
  s = fstat(sfd, &st) == 0 ? hold_lock(w, sfd, &st, NULL, err)
                           : errno_err(err, errno, "cannot stat", w->staging);
  close(sfd);
  return s;
}

g6_status g6_panels_writer_open(const g6_panels_writer_opts *o,
                                g6_panels_writer **out, g6_error *err) {
  size_t n = strlen(o->dir);
  while (n > 1 && o->dir[n - 1] == '/')
    n--;
  if (n == 0 || n >= PATH_MAX - 64)
    return g6_error_set(err, G6_EINVAL, "PanelsDir \"%s\": bad path", o->dir);
  g6_panels_writer *w = calloc(1, sizeof(*w));
  if (w == NULL)
    return g6_error_set(err, G6_ENOMEM, "out of memory");
  w->lock_fd[0] = w->lock_fd[1] = -1;
  memcpy(w->dir, o->dir, n);
  w->dir[n] = '\0';
  memcpy(w->conf, w->dir, n + 1);
  w->source = strdup(o->source ? o->source : "g6_panels");
  w->app_version = strdup(o->app_version ? o->app_version : "");
  w->durable = o->durable;
  w->exchange = !o->per_file;
  w->mode = o->file_mode ? o->file_mode : 0644;
  if (o->key != NULL && o->key_len > 0) {
    w->key = malloc(o->key_len);
    if (w->key != NULL) {
      memcpy(w->key, o->key, o->key_len);
      w->key_len = o->key_len;
    }
  }
  g6_status st = G6_OK;
  if (w->source == NULL || w->app_version == NULL ||
      (o->key != NULL && o->key_len > 0 && w->key == NULL))
    st = g6_error_set(err, G6_ENOMEM, "out of memory");
  /* created, writable (a read-only PanelsDir is refused here, not found by
   * every flush) and locked */
  char why[256] = "";
  if (st == G6_OK)
    st = g6_dir_claim_within(G6_STORAGE_GRACE_S, w->dir, "PanelsDir", CLASH,
                             &w->lock_fd[0], why, sizeof(why), err);
  if (why[0] != '\0')
    note(w, why);
  struct stat ds;
  if (st == G6_OK && w->lock_fd[0] >= 0 && fstat(w->lock_fd[0], &ds) == 0) {
    w->lock_dev[0] = ds.st_dev;
    w->lock_ino[0] = ds.st_ino;
  }
  struct stat ls;
  if (st == G6_OK && lstat(w->conf, &ls) == 0 && S_ISLNK(ls.st_mode)) {
    ssize_t k = readlink(w->conf, w->link, sizeof(w->link) - 1);
    w->link[k > 0 ? k : 0] = '\0';
    w->link_uid = ls.st_uid;
    w->link_gid = ls.st_gid;
  }
  if (st == G6_OK)
    st = resolve_dir(w, err);
  if (st == G6_OK && stat(w->dir, &ds) == 0) {
    w->dir_mode = ds.st_mode & 07777;
    w->dir_uid = ds.st_uid;
    w->dir_gid = ds.st_gid;
  }
  if (st == G6_OK)
    st = load_state(w, err);
  if (st == G6_OK && w->exchange)
    st = prepare_exchange(w, err);
  if (st != G6_OK) {
    g6_panels_writer_close(w);
    return st;
  }
  *out = w;
  return G6_OK;
}

void g6_panels_writer_close(g6_panels_writer *w) {
  if (w == NULL)
    return;
  if (w->key != NULL) {
    g6_wipe(w->key, w->key_len);
    free(w->key);
  }
  for (int i = 0; i < 2; i++)
    if (w->lock_fd[i] >= 0)
      close(w->lock_fd[i]);
  free(w->source);
  free(w->app_version);
  free(w);
}

const char *g6_panels_writer_notes(const g6_panels_writer *w) {
  return w->notes;
}

bool g6_panels_writer_exchanges(const g6_panels_writer *w) {
  return w->exchange;
}

const char *g6_panels_writer_dir(const g6_panels_writer *w) { return w->dir; }

/* ---- one flush --------------------------------------------------------- */

/* A file the flush writes. */
typedef struct out_file {
  char name[80];
  g6_buf body;
} out_file;

static g6_status write_at(int dfd, const char *name, const g6_buf *b,
                          mode_t mode, bool durable, const char *where,
                          g6_error *err) {
  int fd = openat(dfd, name,
                  O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK |
                      O_CLOEXEC,
                  mode);
  if (fd < 0)
    return g6_error_set(err, g6_status_from_errno(errno),
                        "cannot create %s/%s: %s", where, name,
                        strerror(errno));
  const char *p = b->data ? b->data : "";
  size_t left = b->len;
  int e = 0;
  struct stat fs;
  if (fstat(fd, &fs) != 0)
    e = errno;
  else if (!S_ISREG(fs.st_mode))
    e = EINVAL; /* a FIFO or device of that name (O_NONBLOCK: not waited on) */
  while (left > 0 && e == 0) {
    ssize_t k = G6_AFTER(write(fd, p, left));
    if (k < 0 && errno == EINTR)
      continue;
    if (k < 0) {
      e = errno;
      break;
    }
    p += k;
    left -= (size_t)k;
  }
  if (e == 0 && G6_AFTER(fchmod(fd, mode)) != 0)
    e = errno;
  if (e == 0 && durable && G6_AFTER(fsync(fd)) != 0)
    e = errno;
  if (close(fd) != 0 && e == 0)
    e = errno;
  if (e != 0)
    return g6_error_set(err, g6_status_from_errno(e), "cannot write %s/%s: %s",
                        where, name, strerror(e));
  return G6_OK;
}

/* A directory stream over a duplicate of the open directory `fd`, from its
 * first entry (a duplicate shares the offset an earlier stream left at the
 * end). NULL with errno set. */
static DIR *dir_stream(int fd) {
  int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
  if (d == NULL) {
    int e = errno;
    if (dup_fd >= 0)
      close(dup_fd);
    errno = e;
    return NULL;
  }
  rewinddir(d);
  return d;
}

static bool written_now(const out_file *f, size_t nf, const char *name) {
  for (size_t i = 0; i < nf; i++)
    if (strcmp(f[i].name, name) == 0)
      return true;
  return false;
}

/* g6's own names in PanelsDir during one flush: the panel files of the
 * call, the manifest and its signature, and g6_atomic_write's temporary
 * files of those (".<name>.tmp.XXXXXX"). Everything else is another
 * program's, and g6 never deletes, moves for good or overwrites it. */
typedef struct own_names {
  const char *const *panel; /* file names of the call's panels */
  size_t n;
} own_names;

static bool own_name(const own_names *own, const char *name) {
  if (strcmp(name, G6_PANELS_MANIFEST) == 0 ||
      strcmp(name, G6_PANELS_SIGNATURE) == 0)
    return true;
  for (size_t i = 0; i < own->n; i++)
    if (strcmp(name, own->panel[i]) == 0)
      return true;
  return false;
}

static bool own_temp(const own_names *own, const char *name) {
  const char *t = name[0] == '.' ? strstr(name, ".tmp.") : NULL;
  if (t == NULL || strlen(t + 5) != 6)
    return false;
  char base[NAME_MAX + 1];
  snprintf(base, sizeof(base), "%.*s", (int)(t - name - 1), name + 1);
  return own_name(own, base);
}

/* An old version of one of g6's files: g6 writes only regular files, so a
 * directory, symbolic link, FIFO... of such a name is another program's. */
static bool own_file(const own_names *own, const char *name,
                     const struct stat *st) {
  return S_ISREG(st->st_mode) &&
         (own_name(own, name) || own_temp(own, name));
}

/* Whether a rename failed because the target name holds another entry:
 * that stays so until someone moves it (a passing error such as EROFS or
 * ENOSPC does not). */
static bool name_taken(int e) {
  return e == EEXIST || e == ENOTEMPTY || e == EISDIR || e == ENOTDIR;
}

static bool same_file(const struct stat *a, const struct stat *b) {
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* ---- the journal ----------------------------------------------------------
 *
 * Before a set is built, the names and inode numbers of the files it
 * carries over by hard links are written to <parent>/.<name>.g6-journal
 * (beside the staging directory: a file in either directory would be
 * swapped into PanelsDir). Whatever a crash leaves in the staging directory
 * is then told apart exactly: an entry the journal lists by name and inode
 * is a second link g6 made (the build's, or the previous set's once the
 * exchange happened) and goes; g6's own names go; in a set never swapped
 * in (the staging directory is the journal's first directory: it holds
 * only what g6 put there) every entry of a listed name goes, even one
 * linked after its file was replaced and not yet removed; anything else
 * arrived in PanelsDir while the set was built and goes back there. The
 * journal is rewritten in place while the staging directory is empty, and
 * ends with the SHA-256 of what precedes it, so a torn one is ignored; it
 * is valid only while the staging directory is one of the two directories
 * it names
 * (the staging directory and PanelsDir when written, by inode: each
 * exchange swaps them). Without a valid journal (none yet, an older g6, a
 * restored copy) the staging directory is told apart as before: second
 * links of files PanelsDir still holds go, the rest goes back.
 *
 *   g6-panels-journal 1
 *   dirs <staging inode> <PanelsDir inode>
 *   <inode> <name in hex>        one line per file carried over
 *   sha256 <hex of the lines above>
 *
 * Its checksum has no key: whoever can write PanelsDir's parent can plant
 * a valid journal. One that lists more than G6_PANELS_JOURNAL_MAX_FILES
 * files, or is longer than the longest such journal (MAX_JOURNAL: the
 * magic, the dirs line with two 20-digit inodes, that many lines of the
 * longest kind — a 20-digit inode, a space, a NAME_MAX-byte name in hex, a
 * newline — and the sha256 line: 2,179,211 bytes), is not used, like a
 * torn one: neither is read into memory beyond that, nor builds a map of
 * millions of names inside a flush.
 */
#define JOURNAL_MAGIC "g6-panels-journal 1\n"
#define JOURNAL_LINE_MAX (20 + 1 + 2 * NAME_MAX + 1)
#define MAX_JOURNAL                                                            \
  (sizeof(JOURNAL_MAGIC) - 1 + sizeof("dirs  \n") - 1 + 2 * 20 +              \
   (size_t)G6_PANELS_JOURNAL_MAX_FILES * JOURNAL_LINE_MAX + 7 + 64 + 1)

/* name -> (void *)(uintptr_t)st_ino of each file a set carries over;
 * `built` when read back while the staging directory is still the one the
 * set was built in (never swapped in: it holds nothing but what g6 put
 * there, so an entry of a listed name is g6's link even when its inode
 * differs, made of a file replaced just before the link and not yet
 * removed when the writer died) */
typedef struct journal {
  g6_strmap by_name;
  bool built;
} journal;

static g6_status journal_render(const journal *j, ino_t sino, ino_t dino,
                                g6_buf *b) {
  g6_status st = g6_buf_printf(b, JOURNAL_MAGIC "dirs %llu %llu\n",
                               (unsigned long long)sino,
                               (unsigned long long)dino);
  const char *k;
  void *v;
  for (size_t i = 0; st == G6_OK && g6_strmap_next(&j->by_name, &i, &k, &v);) {
    st = g6_buf_printf(b, "%llu ", (unsigned long long)(uintptr_t)v);
    for (const unsigned char *c = (const unsigned char *)k;
         st == G6_OK && *c != '\0'; c++)
      st = g6_buf_printf(b, "%02x", *c);
    if (st == G6_OK)
      st = g6_buf_putc(b, '\n');
  }
  char sum[65];
  if (st == G6_OK)
    st = g6_sha256_hex(b->data, b->len, sum);
  if (st == G6_OK)
    st = g6_buf_printf(b, "sha256 %s\n", sum);
  return st;
}

/* Writes the journal of a set built in the staging directory `sino`
 * beside PanelsDir `dino` (fsynced when durable, its directory entry too
 * when new). false with `why` when it cannot be written: *lasting when
 * something that is not g6's has its name (a directory, a link, a FIFO). */
static bool journal_write(g6_panels_writer *w, int pfd, const journal *j,
                          ino_t sino, ino_t dino, bool *lasting,
                          g6_error *why) {
  g6_buf b = G6_BUF_INIT;
  if (journal_render(j, sino, dino, &b) != G6_OK) {
    g6_buf_free(&b);
    g6_error_set(why, G6_ENOMEM, "out of memory");
    return false;
  }
  struct stat st;
  bool created = fstatat(pfd, w->journal, &st, AT_SYMLINK_NOFOLLOW) != 0;
  g6_error sub;
  g6_status s = write_at(pfd, w->journal, &b, 0600, w->durable, w->parent,
                         &sub);
  g6_buf_free(&b);
  if (s == G6_OK && created && w->durable && G6_AFTER(fsync(pfd)) != 0 &&
      errno != EINVAL)
    s = errno_err(&sub, errno, "cannot fsync", w->parent);
  if (s != G6_OK) {
    *lasting = !created && fstatat(pfd, w->journal, &st,
                                   AT_SYMLINK_NOFOLLOW) == 0 &&
               !S_ISREG(st.st_mode);
    g6_error_set(why, s,
                 "%s (the journal of the set built for PanelsDir %s%s)",
                 sub.msg, w->dir,
                 *lasting ? ": that name is not g6's, move it away" : "");
    return false;
  }
  return true;
}

/* Reads the journal into j (left empty when there is none, it is torn, it
 * is larger than MAX_JOURNAL or lists more than G6_PANELS_JOURNAL_MAX_FILES
 * files, or it belongs to other directories than the staging directory
 * `sino`). */
static void journal_read(const g6_panels_writer *w, ino_t sino, journal *j) {
  char path[PATH_MAX];
  if (snprintf(path, sizeof(path), "%s/%s", w->parent, w->journal) >=
      (int)sizeof(path))
    return;
  char *text = NULL;
  size_t len = 0;
  if (g6_read_file(path, MAX_JOURNAL, &text, &len, NULL) != G6_OK)
    return;
  size_t ml = strlen(JOURNAL_MAGIC), tl = 7 + 64 + 1; /* "sha256 <hex>\n" */
  char *tail = len >= ml + tl ? text + len - tl : NULL;
  char sum[65];
  bool ok = tail != NULL && memcmp(text, JOURNAL_MAGIC, ml) == 0 &&
            tail[-1] == '\n' && memcmp(tail, "sha256 ", 7) == 0 &&
            tail[tl - 1] == '\n' &&
            g6_sha256_hex(text, (size_t)(tail - text), sum) == G6_OK &&
            memcmp(sum, tail + 7, 64) == 0;
  char *p = ok ? text + ml : NULL, *end;
  unsigned long long s = 0, d = 0;
  if (ok) {
    ok = strncmp(p, "dirs ", 5) == 0;
    s = ok ? strtoull(p + 5, &end, 10) : 0;
    ok = ok && *end == ' ';
    d = ok ? strtoull(end + 1, &end, 10) : 0;
    ok = ok && *end == '\n' && ((ino_t)s == sino || (ino_t)d == sino);
    j->built = ok && (ino_t)s == sino;
    p = end + 1;
  }
  for (size_t lines = 0; ok && p < tail; lines++) {
    unsigned long long ino = strtoull(p, &end, 10);
    ok = lines < G6_PANELS_JOURNAL_MAX_FILES && end != p && *end == ' ' &&
         ino != 0;
    char name[NAME_MAX + 1];
    size_t n = 0;
    for (p = end + 1; ok && *p != '\n'; p += 2) {
      int hi = g6_hex_digit((unsigned char)p[0]),
          lo = hi < 0 ? -1 : g6_hex_digit((unsigned char)p[1]);
      ok = lo >= 0 && n < NAME_MAX && (hi << 4 | lo) != 0 &&
           (hi << 4 | lo) != '/';
      if (ok)
        name[n++] = (char)(hi << 4 | lo);
    }
    name[n] = '\0';
    ok = ok && n > 0 &&
         g6_strmap_put(&j->by_name, name, (void *)(uintptr_t)ino, NULL) ==
             G6_OK;
    p++;
  }
  if (!ok) {
    g6_strmap_free(&j->by_name);
    j->by_name = (g6_strmap)G6_STRMAP_INIT;
    j->built = false;
  }
  free(text);
}

/* What settle left undone: the errno of the first entry that could not be
 * removed (`removing`) or moved back, and its name. */
typedef struct unsettled {
  int err;
  bool removing;
  char name[NAME_MAX + 1];
} unsettled;

/* Empties the staging directory `old` (a set never swapped in, or the
 * previous set) next to PanelsDir `cur`, `j` being the journal of the last
 * set built (possibly empty): old versions of g6's own files, the links the
 * journal lists and second links of files PanelsDir holds under the same
 * name are removed; another program's entry goes back into PanelsDir
 * (never replacing anything there, except the outdated link of the file
 * it replaced while the set was built: the journal names that link's
 * inode, and the exchange is undone if anything else came back). Stops at
 * an entry that cannot go back; goes on past one that cannot be removed.
 * *moved when something went back. Returns whether everything went (else
 * `u` says what stayed). */
static bool settle(int old, int cur, const own_names *own, const journal *j,
                   bool *moved, unsettled *u) {
  memset(u, 0, sizeof(*u));
  DIR *d = dir_stream(old);
  if (d == NULL) {
    u->err = errno;
    return false;
  }
  struct dirent *de;
  bool stuck = false;
  while (!stuck && (de = readdir(d)) != NULL) {
    const char *name = de->d_name;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
      continue;
    struct stat os, ns;
    if (fstatat(old, name, &os, AT_SYMLINK_NOFOLLOW) != 0)
      continue; /* gone meanwhile */
    uintptr_t listed =
        S_ISDIR(os.st_mode) ? 0 : (uintptr_t)g6_strmap_get(&j->by_name, name);
    bool in_cur = fstatat(cur, name, &ns, AT_SYMLINK_NOFOLLOW) == 0;
    if (own_file(own, name, &os) ||
        (listed != 0 && (listed == os.st_ino || j->built)) ||
        (in_cur && !S_ISDIR(os.st_mode) && same_file(&os, &ns))) {
      if (G6_AFTER(unlinkat(old, name, 0)) != 0 && errno != ENOENT &&
          u->err == 0) {
        u->err = errno;
        u->removing = true;
        snprintf(u->name, sizeof(u->name), "%s", name);
      }
      continue;
    }
    if (!in_cur) {
      if (G6_AFTER(renameat2(old, name, cur, name, RENAME_NOREPLACE)) == 0)
        *moved = true;
      else if (errno != ENOENT)
        stuck = true;
      if (stuck)
        u->err = errno;
    } else if (listed != 0 && (uintptr_t)ns.st_ino == listed &&
               G6_AFTER(renameat2(old, name, cur, name,
                                  RENAME_EXCHANGE)) == 0) {
      /* the newer file is in PanelsDir now; what came back must be the
       * outdated link, else undo */
      struct stat back;
      if (fstatat(old, name, &back, AT_SYMLINK_NOFOLLOW) == 0 &&
          (uintptr_t)back.st_ino == listed) {
        G6_AFTER(unlinkat(old, name, 0));
        *moved = true;
        continue;
      }
      G6_AFTER(renameat2(old, name, cur, name, RENAME_EXCHANGE));
      stuck = true;
      u->err = EEXIST;
    } else {
      stuck = true;
      u->err = EEXIST;
    }
    if (stuck) {
      u->removing = false;
      snprintf(u->name, sizeof(u->name), "%s", name);
    }
  }
  closedir(d);
  return u->err == 0;
}

/* Readies the staging directory for a new set and returns its fd, or -1
 * with `why` set. An exchange leaves it empty (settle); it may still
 * hold a set never swapped in or the previous set (a crash, or a passing
 * error right after the exchange), which settle tells apart with the
 * journal. What cannot be moved back stays where it is and `why` says so. */
static int open_staging(g6_panels_writer *w, int pfd, int dfd,
                        const own_names *own, bool *lasting, g6_error *why) {
  struct stat ds, ss;
  if (fstat(dfd, &ds) != 0) {
    errno_err(why, errno, "cannot stat", w->dir);
    return -1;
  }
  if (G6_AFTER(mkdirat(pfd, w->staging, 0700)) != 0 && errno != EEXIST) {
    errno_err(why, errno, "cannot create the staging directory beside",
              w->dir);
    return -1;
  }
  int sfd = openat(pfd, w->staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                                        O_CLOEXEC);
  if (sfd < 0) {
    /* something else than a directory has the staging directory's name */
    *lasting = errno == ELOOP || errno == ENOTDIR;
    errno_err(why, errno, "cannot open the staging directory beside", w->dir);
    return -1;
  }
  /* a staging directory made anew (someone removed it) is locked too;
   * another writer holding it stays */
  if (fstat(sfd, &ss) != 0) {
    errno_err(why, errno, "cannot stat the staging directory beside", w->dir);
    close(sfd);
    return -1;
  }
  g6_status ls = hold_lock(w, sfd, &ss, &ds, why);
  if (ls != G6_OK) {
    *lasting = ls == G6_EEXIST;
    close(sfd);
    return -1;
  }
  journal j = {G6_STRMAP_INIT, false};
  journal_read(w, ss.st_ino, &j);
  bool moved = false;
  unsettled u;
  bool ok = settle(sfd, dfd, own, &j, &moved, &u);
  g6_strmap_free(&j.by_name);
  if (!ok && u.name[0] == '\0') {
    errno_err(why, u.err, "cannot read the staging directory beside", w->dir);
  } else if (!ok && u.removing) {
    errno_err(why, u.err, "cannot empty the staging directory beside", w->dir);
  } else if (!ok) {
    *lasting = name_taken(u.err);
    g6_error_set(why, g6_status_from_errno(u.err),
                 "%s/%s/%s is not g6's and cannot be moved back into "
                 "PanelsDir %s (%s): it stays where it is",
                 w->parent, w->staging, u.name, w->dir, strerror(u.err));
  }
  /* durable before the next journal replaces the one that told them apart
   * (also what the last flush removed right after its exchange) */
  if (ok && w->durable &&
      ((moved && G6_AFTER(fsync(dfd)) != 0) || G6_AFTER(fsync(sfd)) != 0) &&
      errno != EINVAL) {
    errno_err(why, errno, "cannot fsync", w->dir);
    ok = false;
  }
  /* the swapped-in directory gets PanelsDir's mode and owner */
  if (ok && G6_AFTER(fchmod(sfd, ds.st_mode & 07777)) != 0) {
    errno_err(why, errno, "cannot set the mode of the staging directory for",
              w->dir);
    ok = false;
  }
  if (ok && (fchown(sfd, ds.st_uid, ds.st_gid) != 0 && errno != EPERM)) {
    errno_err(why, errno, "cannot set the owner of the staging directory for",
              w->dir);
    ok = false;
  }
  if (!ok) {
    close(sfd);
    return -1;
  }
  return sfd;
}

/* After a set was not swapped in: removes what the flush put into the
 * staging directory (all of it g6's: open_staging left nothing else), so
 * no stale second link of another program's file waits there. */
static void discard_build(int sfd) {
  DIR *d = dir_stream(sfd);
  if (d == NULL)
    return; /* the next open_staging tells them apart */
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
      G6_AFTER(unlinkat(sfd, de->d_name, 0)); /* a directory: EISDIR, stays */
  closedir(d);
}

/* After the exchange: `old` is the previous set (now the staging
 * directory), `new_fd` PanelsDir, `j` the journal of the set just swapped
 * in. Another program's entry that is in the old set and not in the new
 * one arrived while the set was built (between reading PanelsDir and the
 * exchange): it goes back into PanelsDir. One that replaced a file after
 * the journal listed it (an atomic rewrite) takes the place of the
 * outdated link. The previous versions of g6's files and the second links
 * of files carried over are removed right away: kept until the next
 * flush, a link would bring back a file its owner deletes from PanelsDir
 * meanwhile (or all of them after PanelsDir is removed), and one its
 * owner rewrites would block the staging directory. One that cannot be
 * removed now (EROFS...) is left to open_staging. false, with `why`, when
 * an entry cannot go back (PanelsDir meanwhile holds something else of
 * that name): it stays in the staging directory, which is then left
 * alone. */
static bool move_back(g6_panels_writer *w, int old, int new_fd,
                      const own_names *own, const journal *j, bool *moved,
                      g6_error *why) {
  unsettled u;
  if (settle(old, new_fd, own, j, moved, &u))
    return true;
  if (u.name[0] == '\0') {
    errno_err(why, u.err, "cannot read the previous set of", w->dir);
    return false;
  }
  if (u.removing || !name_taken(u.err))
    return true; /* a passing error: the next flush (open_staging) again */
  g6_error_set(why, g6_status_from_errno(u.err),
               "%s/%s/%s is not g6's and appeared in PanelsDir %s while a "
               "set was swapped in; it cannot be moved back (%s) and stays "
               "where it is",
               w->parent, w->staging, u.name, w->dir, strerror(u.err));
  return false;
}

/* Builds the new set in staging and swaps it in. Returns G6_EUNSUPPORTED
 * (with nothing visible changed) when the set cannot be swapped in whole,
 * and *lasting when that stays so: the file system cannot, PanelsDir holds
 * a directory (another program's: left in place), an entry that is not
 * g6's blocks the staging directory; not *lasting when the reason may pass
 * (EROFS, ENOSPC, EIO...: the next flush tries again). *demote (with
 * `why`) when the set was swapped in but the staging directory must be
 * left alone from now on. */
static g6_status write_exchange(g6_panels_writer *w, const out_file *f,
                                size_t nf, const own_names *own, bool *demote,
                                bool *lasting, g6_error *why, g6_error *err) {
  int pfd = open(w->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (pfd < 0) {
    errno_err(why, errno, "cannot open the directory holding", w->dir);
    return G6_EUNSUPPORTED;
  }
  int dfd = openat(pfd, w->base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    g6_status st = errno_err(err, errno, "cannot open", w->dir);
    close(pfd);
    return st;
  }
  int sfd = open_staging(w, pfd, dfd, own, lasting, why);
  if (sfd < 0) {
    close(dfd);
    close(pfd);
    return G6_EUNSUPPORTED;
  }
  /* what the set carries over: every entry of PanelsDir but the files
   * written now, g6's temporary files and the signature (without a key
   * there is none, with one it is written anew); listed in the journal
   * before anything is linked */
  journal j = {G6_STRMAP_INIT, false};
  g6_status st = G6_OK;
  struct stat ds, ss;
  if (fstat(dfd, &ds) != 0 || fstat(sfd, &ss) != 0)
    st = errno_err(err, errno, "cannot stat", w->dir);
  DIR *d = st == G6_OK ? dir_stream(dfd) : NULL;
  if (st == G6_OK && d == NULL)
    st = errno_err(err, errno, "cannot read", w->dir);
  struct dirent *de;
  while (st == G6_OK && (de = readdir(d)) != NULL) {
    const char *name = de->d_name;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
      continue;
    struct stat es;
    if (fstatat(dfd, name, &es, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) /* removed meanwhile */
        continue;
      st = g6_error_set(err, g6_status_from_errno(errno),
                        "cannot carry %s/%s over to the new set: %s", w->dir,
                        name, strerror(errno));
      break;
    }
    if (S_ISDIR(es.st_mode)) {
      g6_error_set(why, G6_EEXIST,
                   "PanelsDir %s holds the directory \"%s\", which is not "
                   "g6's: it is left in place, and a set holding a directory "
                   "cannot be swapped in whole; move it elsewhere (g6_panels "
                   "refuses such a PanelsDir at its next start)",
                   w->dir, name);
      *lasting = true;
      st = G6_EUNSUPPORTED;
      break;
    }
    /* not carried: g6's own files the set replaces or drops (only regular
     * files are g6's: another program's link or FIFO of such a name is
     * carried over like its other files; g6_panels_write left out a panel
     * whose name it holds) */
    if (S_ISREG(es.st_mode) &&
        (written_now(f, nf, name) || own_temp(own, name) ||
         strcmp(name, G6_PANELS_SIGNATURE) == 0))
      continue;
    if (g6_strmap_put(&j.by_name, name, (void *)(uintptr_t)es.st_ino, NULL) !=
        G6_OK)
      st = g6_error_set(err, G6_ENOMEM, "out of memory");
  }
  if (d != NULL)
    closedir(d);
  /* a file removed or replaced between the journal and its link is not
   * carried over (a newer one stays in the previous set and goes back
   * after the exchange); the journal must then list only what is linked,
   * and it is written in place only while the staging directory is empty
   * (a kill between its truncation and its write leaves it torn, and a
   * torn journal tells nothing apart): the links go, and the journal is
   * written again before they are made again. */
  for (int round = 0; st == G6_OK; round++) {
    if (!journal_write(w, pfd, &j, ss.st_ino, ds.st_ino, lasting, why)) {
      st = G6_EUNSUPPORTED;
      break;
    }
    bool relist = false;
    const char *name;
    void *listed;
    for (size_t i = 0;
         st == G6_OK && g6_strmap_next(&j.by_name, &i, &name, &listed);) {
      if (G6_AFTER(linkat(dfd, name, sfd, name, 0)) != 0) {
        if (errno == ENOENT) { /* removed meanwhile */
          g6_strmap_remove(&j.by_name, name);
          relist = true;
          continue;
        }
        if (errno == EPERM || errno == EXDEV || errno == EMLINK) {
          /* no hard links here (or fs.protected_hardlinks) */
          g6_error_set(why, g6_status_from_errno(errno),
                       "cannot hard-link %s/%s into the new set: %s", w->dir,
                       name, strerror(errno));
          *lasting = true;
          st = G6_EUNSUPPORTED;
          break;
        }
        st = g6_error_set(err, g6_status_from_errno(errno),
                          "cannot carry %s/%s over to the new set: %s",
                          w->dir, name, strerror(errno));
        break;
      }
      struct stat ls;
      if (fstatat(sfd, name, &ls, AT_SYMLINK_NOFOLLOW) == 0 &&
          (uintptr_t)ls.st_ino == (uintptr_t)listed)
        continue;
      if (G6_AFTER(unlinkat(sfd, name, 0)) != 0 && errno != ENOENT) {
        st = g6_error_set(err, g6_status_from_errno(errno),
                          "cannot carry %s/%s over to the new set: %s",
                          w->dir, name, strerror(errno));
        break;
      }
      g6_strmap_remove(&j.by_name, name);
      relist = true;
    }
    if (st != G6_OK || !relist)
      break;
    if (round == 3) { /* PanelsDir keeps changing under the flush */
      g6_error_set(why, G6_EEXIST,
                   "the files of PanelsDir %s kept being replaced or removed "
                   "while the set was built",
                   w->dir);
      st = G6_EUNSUPPORTED;
      break;
    }
    for (size_t i = 0;
         st == G6_OK && g6_strmap_next(&j.by_name, &i, &name, &listed);)
      if (G6_AFTER(unlinkat(sfd, name, 0)) != 0 && errno != ENOENT) {
        errno_err(why, errno, "cannot empty the staging directory beside",
                  w->dir);
        st = G6_EUNSUPPORTED;
      }
    if (st == G6_OK && w->durable && G6_AFTER(fsync(sfd)) != 0 &&
        errno != EINVAL) {
      errno_err(why, errno, "cannot fsync the staging directory beside",
                w->dir);
      st = G6_EUNSUPPORTED;
    }
  }
  for (size_t i = 0; st == G6_OK && i < nf; i++)
    st = write_at(sfd, f[i].name, &f[i].body, w->mode, w->durable, w->dir,
                  err);
  if (st == G6_OK && w->durable && G6_AFTER(fsync(sfd)) != 0)
    st = errno_err(err, errno, "cannot fsync the staging directory for",
                   w->dir);
  if (st == G6_OK && G6_AFTER(renameat2(pfd, w->staging, pfd, w->base,
                                        RENAME_EXCHANGE)) != 0) {
    int e = errno;
    if (e == EINVAL || e == ENOSYS || e == EXDEV || e == EBUSY ||
        e == ENOTSUP || e == EPERM) {
      g6_error_set(why, g6_status_from_errno(e),
                   "cannot exchange directories (renameat2) at %s: %s%s",
                   w->dir, strerror(e),
                   e == EBUSY ? " (is PanelsDir a mount point?)" : "");
      /* EPERM: an immutable or sticky directory, which can change */
      *lasting = e != EPERM;
      st = G6_EUNSUPPORTED;
    } else {
      st = errno_err(err, e, "cannot swap the new panel set into", w->dir);
    }
  }
  /* durable: the swap reaches the disk before the previous set is
   * emptied, so a power loss never keeps the removals without the swap */
  g6_status swap_synced = G6_OK;
  if (st == G6_OK && w->durable && G6_AFTER(fsync(pfd)) != 0 && errno != EINVAL)
    swap_synced = errno_err(err, errno, "cannot fsync the directory holding",
                            w->dir);
  bool moved = false;
  if (st != G6_OK) {
    discard_build(sfd); /* nothing of it is visible */
  } else if (!move_back(w, dfd, sfd, own, &j, &moved, why)) {
    *demote = true;
    *lasting = true;
  }
  if (st == G6_OK)
    st = swap_synced;
  if (st == G6_OK && moved && w->durable &&
      (G6_AFTER(fsync(sfd)) != 0 || G6_AFTER(fsync(dfd)) != 0) &&
      errno != EINVAL)
    st = errno_err(err, errno, "cannot fsync", w->dir);
  g6_strmap_free(&j.by_name);
  close(sfd);
  close(dfd);
  close(pfd);
  return st;
}

/* Each file atomically on its own, the manifest and its signature last. */
static g6_status write_per_file(g6_panels_writer *w, const out_file *f,
                                size_t nf, g6_error *err) {
  if (w->key == NULL) { /* a signature of an earlier, keyed run is stale */
    char sig[PATH_MAX];
    struct stat ss;
    if (snprintf(sig, sizeof(sig), "%s/" G6_PANELS_SIGNATURE, w->dir) <
            (int)sizeof(sig) &&
        lstat(sig, &ss) == 0 && S_ISREG(ss.st_mode)) /* else not g6's */
      G6_AFTER(unlink(sig));
  }
  for (size_t i = 0; i < nf; i++) {
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/%s", w->dir, f[i].name) >=
        (int)sizeof(path))
      return g6_error_set(err, G6_EINVAL, "path too long: %s", w->dir);
    g6_status st = g6_atomic_write(path, f[i].body.data ? f[i].body.data : "",
                                   f[i].body.len, w->mode, w->durable, err);
    if (st != G6_OK)
      return st;
  }
  return G6_OK;
}

/* What the configured PanelsDir is now, for a message. */
static void describe_conf(const g6_panels_writer *w, char *out, size_t len) {
  struct stat st;
  char text[PATH_MAX];
  ssize_t k;
  if (lstat(w->conf, &st) != 0)
    snprintf(out, len, "it is missing: %s", strerror(errno));
  else if (S_ISLNK(st.st_mode) &&
           (k = readlink(w->conf, text, sizeof(text) - 1)) >= 0)
    snprintf(out, len, "it is a symbolic link to \"%.*s\"", (int)k, text);
  else
    snprintf(out, len, "it is %s", S_ISDIR(st.st_mode) ? "another directory"
                                                       : "not a directory");
}

/* The error of a flush refused because PanelsDir, as configured, no longer
 * leads to the directory written: readers would not see the set. */
static g6_status elsewhere(const g6_panels_writer *w, g6_error *err) {
  char now[PATH_MAX + 64];
  describe_conf(w, now, sizeof(now));
  if (w->link[0] != '\0')
    return g6_error_set(err, G6_EEXIST,
                        "PanelsDir %s no longer leads to %s, where g6_panels "
                        "has written since start-up (%s), so no panels are "
                        "written: make it a symbolic link to \"%s\" again, "
                        "or restart collectd to write where it leads now",
                        w->conf, w->dir, now, w->link);
  return g6_error_set(err, G6_EEXIST,
                      "PanelsDir %s no longer leads to %s, where g6_panels "
                      "has written since start-up (%s), so no panels are "
                      "written: restore it, or restart collectd to write "
                      "where it leads now",
                      w->conf, w->dir, now);
}

/* Whether the configured PanelsDir leads to the directory written. */
static bool leads_there(const g6_panels_writer *w) {
  struct stat c, d;
  return stat(w->conf, &c) == 0 && stat(w->dir, &d) == 0 && same_file(&c, &d);
}

/* Readers use PanelsDir as configured; sets go where it led at open. When
 * it was a symbolic link and the link was removed, the link is made again
 * (same text and owner, its parent created if needed): *relinked. When it
 * leads elsewhere now (the link points elsewhere, or a directory or file
 * took its place), the flush is refused: readers would not see it. Called
 * before and after ensure_dir (`after`), which makes a removed target. */
static g6_status ensure_path(g6_panels_writer *w, bool after, bool *relinked,
                             g6_error *err) {
  if (strcmp(w->conf, w->dir) == 0)
    return G6_OK;
  struct stat ls;
  char text[PATH_MAX];
  ssize_t k;
  if (lstat(w->conf, &ls) != 0) {
    if (errno != ENOENT || w->link[0] == '\0')
      return after ? elsewhere(w, err) : G6_OK;
    if (!after)
      return G6_OK; /* the target first, then the link */
    char parent[PATH_MAX];
    g6_error sub;
    g6_status s = g6_path_parent(w->conf, parent, sizeof(parent))
                      ? g6_mkdir_p(parent, 0755, &sub)
                      : g6_error_set(&sub, G6_EINVAL, "path too long");
    if (s == G6_OK && symlink(w->link, w->conf) != 0)
      s = errno_err(&sub, errno, "symlink", w->conf);
    if (s != G6_OK)
      return g6_error_set(err, s,
                          "PanelsDir %s, a symbolic link to \"%s\", was "
                          "removed and cannot be created again (%s): no "
                          "panels reach its readers",
                          w->conf, w->link, sub.msg);
    if (lchown(w->conf, w->link_uid, w->link_gid) != 0 && errno != EPERM)
      return errno_err(err, errno, "cannot set the owner of the re-created "
                                   "symbolic link PanelsDir",
                       w->conf);
    *relinked = true;
  } else if (S_ISLNK(ls.st_mode) && w->link[0] != '\0' &&
             (k = readlink(w->conf, text, sizeof(text) - 1)) >= 0 &&
             (size_t)k == strlen(w->link) &&
             memcmp(text, w->link, (size_t)k) == 0 && !after) {
    return G6_OK; /* the link of open: its target may have to be made */
  }
  return leads_there(w) ? G6_OK : elsewhere(w, err);
}

/* Closes the locks on inodes that are neither at PanelsDir's path nor at
 * the staging directory's any more (removed): they guard nothing. */
static void drop_stale_locks(g6_panels_writer *w) {
  char staging[PATH_MAX];
  struct stat d, s;
  bool have_d = stat(w->dir, &d) == 0;
  bool have_s = snprintf(staging, sizeof(staging), "%s/%s", w->parent,
                         w->staging) < (int)sizeof(staging) &&
                lstat(staging, &s) == 0;
  for (int i = 0; i < 2; i++) {
    if (w->lock_fd[i] < 0)
      continue;
    struct stat held = {.st_dev = w->lock_dev[i], .st_ino = w->lock_ino[i]};
    if ((have_d && same_file(&held, &d)) || (have_s && same_file(&held, &s)))
      continue;
    close(w->lock_fd[i]);
    w->lock_fd[i] = -1;
  }
}

/* A PanelsDir removed since the last flush (rm -rf while collectd runs) is
 * created again with its mode and owner at open and locked again (the lock
 * on the removed directory guards nothing, and another writer may have
 * claimed the new one meanwhile: G6_EEXIST then). Nothing of the previous
 * set is left, so every panel and the manifest are due: *recreated. G6_OK
 * without doing anything when PanelsDir exists (or cannot be stat'ed for
 * another reason: the write then says why). */
static g6_status ensure_dir(g6_panels_writer *w, bool *recreated,
                            g6_error *err) {
  struct stat st;
  if (lstat(w->dir, &st) == 0 && S_ISLNK(st.st_mode)) {
    /* swapping a set in would move the link away (renameat2 does not
     * follow it) and put a directory in its place */
    char to[PATH_MAX];
    ssize_t k = readlink(w->dir, to, sizeof(to) - 1);
    to[k > 0 ? k : 0] = '\0';
    bool same = strcmp(w->conf, w->dir) == 0;
    return g6_error_set(err, G6_EEXIST,
                        "%s%s%s%s was a directory at start-up and is a "
                        "symbolic link now (to \"%s\"): no panels are "
                        "written, since a set swapped in would replace the "
                        "link; restart collectd to write where it leads",
                        same ? "PanelsDir " : "the directory PanelsDir ",
                        same ? "" : w->conf, same ? "" : " led to, ", w->dir,
                        to);
  }
  if (stat(w->dir, &st) == 0 || (errno != ENOENT && errno != ENOTDIR))
    return G6_OK;
  mode_t mode = w->dir_mode ? w->dir_mode : 0755;
  g6_error sub;
  g6_status s = g6_mkdir_p(w->dir, mode, &sub);
  if (s != G6_OK)
    return g6_error_set(err, s,
                        "PanelsDir %s was removed and cannot be "
                        "created again: %s",
                        w->dir, sub.msg);
  /* the umask does not narrow it; without the right to chown (not root)
   * it stays collectd's, as it was at start-up */
  if (chmod(w->dir, mode) != 0 ||
      (chown(w->dir, w->dir_uid, w->dir_gid) != 0 && errno != EPERM))
    return errno_err(err, errno,
                     "cannot set the mode and owner of the "
                     "re-created PanelsDir",
                     w->dir);
  int fd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return errno_err(err, errno, "cannot open the re-created PanelsDir",
                     w->dir);
  drop_stale_locks(w);
  s = fstat(fd, &st) == 0 ? hold_lock(w, fd, &st, NULL, err)
                          : errno_err(err, errno, "cannot stat", w->dir);
  close(fd);
  if (s != G6_OK)
    return s;
  for (size_t i = 0; i < w->n_known; i++)
    w->k[i].file_hash[0] = w->k[i].manifest_hash[0] = '\0';
  w->manifest_entries = 0;
  w->manifest_present = w->sig_present = false;
  *recreated = true;
  return G6_OK;
}

/* Whether PanelsDir is gone, itself or a directory above it (a failed
 * flush then left no panels at all). */
static bool dir_missing(const g6_panels_writer *w) {
  struct stat st;
  return stat(w->dir, &st) != 0 && (errno == ENOENT || errno == ENOTDIR);
}

/* Whether readers of PanelsDir miss what the writer writes although its
 * directory exists: it is a link now, or PanelsDir as configured leads
 * elsewhere (or nowhere). */
static bool readers_elsewhere(const g6_panels_writer *w) {
  struct stat st;
  if (lstat(w->dir, &st) == 0 && S_ISLNK(st.st_mode))
    return true;
  return stat(w->dir, &st) == 0 && !leads_there(w);
}

/* What dir/name is when it is not a regular file, for a message: another
 * program's entry at a name g6 writes (g6 writes only regular files), left
 * where it is. NULL for a regular file, for none (*missing) and when it
 * cannot be told (the write then says why). */
static const char *taken_by(const char *dir, const char *name, bool *missing) {
  char path[PATH_MAX];
  struct stat st;
  *missing = false;
  if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
    return NULL;
  if (lstat(path, &st) != 0) {
    *missing = errno == ENOENT;
    return NULL;
  }
  switch (st.st_mode & S_IFMT) {
  case S_IFREG:
    return NULL;
  case S_IFDIR:
    return "a directory";
  case S_IFLNK:
    return "a symbolic link";
  case S_IFIFO:
    return "a FIFO";
  case S_IFSOCK:
    return "a socket";
  default:
    return "a device";
  }
}

/* Appends to a message buffer, cut to fit. */
static void append(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void append(char *out, size_t cap, const char *fmt, ...) {
  size_t n = strlen(out);
  if (n + 1 >= cap)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(out + n, cap - n, fmt, ap);
  va_end(ap);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* manifest.json of the old schema (no other keys). */
static g6_status render_manifest(g6_panels_writer *w, const char **files,
                                 const char **hashes, size_t n, double now,
                                 int64_t indices_count, int64_t cycle,
                                 g6_buf *out) {
  g6_json *m = g6_json_object(), *list = g6_json_array(),
          *h = g6_json_object();
  g6_status st = (m && list && h) ? G6_OK : G6_ENOMEM;
  const char *sorted[G6_PANELS_MAX];
  memcpy(sorted, files, n * sizeof(*files));
  qsort(sorted, n, sizeof(*sorted), cmp_str);
  for (size_t i = 0; st == G6_OK && i < n; i++)
    st = g6_json_array_push(list, g6_json_string(sorted[i]));
  for (size_t i = 0; st == G6_OK && i < n; i++)
    st = g6_json_object_set(h, files[i], g6_json_string(hashes[i]));
  if (st == G6_OK)
    st = g6_json_object_set(m, "schema_version", g6_json_int(1));
  if (st == G6_OK)
    st = g6_json_object_set(m, "generator", g6_json_string(G6_PANELS_GENERATOR));
  if (st == G6_OK)
    st = g6_json_object_set(m, "cycle", g6_json_int(cycle));
  if (st == G6_OK)
    st = g6_json_object_set(m, "ts", g6_json_real(now));
  if (st == G6_OK)
    st = g6_json_object_set(m, "indices_count", indices_count >= 0
                                                    ? g6_json_int(indices_count)
                                                    : g6_json_null());
  if (st == G6_OK) /* g6 has no alerts panel: Prometheus holds the alerts */
    st = g6_json_object_set(m, "alerts_total", g6_json_null());
  if (st == G6_OK)
    st = g6_json_object_set(m, "app_version", g6_json_string(w->app_version));
  if (st == G6_OK) {
    st = g6_json_object_set(m, "files", list);
    list = NULL;
  }
  if (st == G6_OK) {
    st = g6_json_object_set(m, "hashes", h);
    h = NULL;
  }
  if (st == G6_OK)
    st = g6_json_dump_pretty(m, out);
  g6_json_free(list);
  g6_json_free(h);
  g6_json_free(m);
  return st;
}

g6_status g6_panels_write(g6_panels_writer *w, const g6_panel_out *panels,
                          size_t n, double now, int64_t indices_count,
                          g6_panels_result *r, g6_error *err) {
  memset(r, 0, sizeof(*r));
  r->cycle = w->cycle;
  if (n > G6_PANELS_MAX)
    return g6_error_set(err, G6_EINVAL, "at most %d panels", G6_PANELS_MAX);
  g6_status gone = ensure_path(w, false, &r->link_recreated, err);
  if (gone == G6_OK)
    gone = ensure_dir(w, &r->dir_recreated, err);
  if (gone == G6_OK)
    gone = ensure_path(w, true, &r->link_recreated, err);
  if (gone != G6_OK) {
    for (size_t i = 0; i < n; i++)
      r->changed[i] = !panels[i].keep;
    r->dir_elsewhere = readers_elsewhere(w);
    r->dir_missing = !r->dir_elsewhere && dir_missing(w);
    return gone;
  }
  out_file files[G6_PANELS_MAX + 2];
  memset(files, 0, sizeof(files));
  size_t nf = 0;
  const char *listed[G6_PANELS_MAX], *listed_hash[G6_PANELS_MAX];
  char names[G6_PANELS_MAX][80], hashes[G6_PANELS_MAX][65];
  size_t nl = 0;
  bool manifest_due =
      !w->manifest_present || (w->key && !w->sig_present) || w->unsure;
  g6_status st = G6_OK;
  /* panels whose file name another program's entry holds: "name kind;"
   * each, and what to tell the caller about them */
  char taken[sizeof(w->blocked)] = "", news[sizeof(r->blocked_news)] = "";
  for (size_t i = 0; st == G6_OK && i < n; i++) {
    if (!g6_panel_file_name(panels[i].name, names[i], sizeof(names[i]))) {
      st = g6_error_set(err, G6_EINVAL, "bad panel name \"%s\"",
                        panels[i].name);
      break;
    }
    known *k = find_known(w, names[i], true);
    if (k == NULL) {
      st = g6_error_set(err, G6_ERANGE, "too many panel files");
      break;
    }
    /* a file removed meanwhile is written anew; a name another program's
     * entry holds (a directory, link, FIFO...) is left to it: the panel is
     * neither written nor listed (the manifest must not name a file that
     * is not the panel), and the caller is told */
    bool missing = false;
    const char *kind = taken_by(w->dir, names[i], &missing);
    if (missing || kind != NULL)
      k->file_hash[0] = '\0';
    if (kind != NULL) {
      r->blocked[i] = true;
      r->n_blocked++;
      append(taken, sizeof(taken), "%s %s;", names[i], kind);
      append(news, sizeof(news),
             "%spanel %s is not written: %s/%s is %s, which is not g6's: it "
             "is left in place, and the panel is left out of %s until that "
             "name is free",
             news[0] ? "; " : "", panels[i].name, w->dir, names[i], kind,
             G6_PANELS_MANIFEST);
      if (k->manifest_hash[0] != '\0')
        manifest_due = true;
      continue;
    }
    if (panels[i].keep) { /* the previous file, if any, stays listed */
      if (k->file_hash[0] == '\0')
        continue;
      snprintf(hashes[i], 65, "%s", k->file_hash);
    } else {
      st = g6_panel_data_hash(panels[i].data, hashes[i]);
      if (st != G6_OK) {
        st = g6_error_set(err, st, "panel %s: data cannot be serialized",
                          panels[i].name);
        break;
      }
      if (strcmp(hashes[i], k->file_hash) != 0) {
        r->changed[i] = true;
        g6_json *env =
            g6_panel_envelope(panels[i].name, panels[i].data, now, w->source);
        out_file *f = &files[nf++];
        snprintf(f->name, sizeof(f->name), "%.79s", names[i]);
        st = env ? g6_json_dump_pretty(env, &f->body) : G6_ENOMEM;
        g6_json_free(env);
      }
    }
    listed[nl] = names[i];
    listed_hash[nl++] = hashes[i];
    if (strcmp(k->manifest_hash, hashes[i]) != 0)
      manifest_due = true;
  }
  if (nl != w->manifest_entries)
    manifest_due = true;
  if (st == G6_OK && strcmp(taken, w->blocked) != 0) {
    if (taken[0] == '\0')
      append(news, sizeof(news),
             "every panel's file name in PanelsDir %s is free again: all "
             "panels are written and listed in %s",
             w->dir, G6_PANELS_MANIFEST);
    snprintf(r->blocked_news, sizeof(r->blocked_news), "%s", news);
    snprintf(w->blocked, sizeof(w->blocked), "%s", taken);
  }
  /* the manifest and (with a key) its signature must be g6's to write: the
   * set is verifiable only with them, so none is written while another
   * program's entry holds either name (it stays); one removed is due */
  bool man_missing = false, sig_missing = false;
  const char *mkind =
      st == G6_OK ? taken_by(w->dir, G6_PANELS_MANIFEST, &man_missing) : NULL;
  const char *skind = st == G6_OK && w->key != NULL
                          ? taken_by(w->dir, G6_PANELS_SIGNATURE, &sig_missing)
                          : NULL;
  if (man_missing || sig_missing)
    manifest_due = true;
  if (mkind != NULL || skind != NULL)
    st = g6_error_set(
        err, G6_EEXIST,
        "PanelsDir %s: %s is %s, which is not g6's: it is left in place, and "
        "no panels are written until it is moved away (%s)",
        w->dir, mkind ? G6_PANELS_MANIFEST : G6_PANELS_SIGNATURE,
        mkind ? mkind : skind,
        mkind ? "the panels are verified against the manifest.json "
                "g6_panels writes there"
              : "KeyFile is set: each set is signed in manifest.json.sig");
  if (st != G6_OK || (nf == 0 && !manifest_due)) {
    for (size_t i = 0; i < nf; i++)
      g6_buf_free(&files[i].body);
    return st;
  }
  /* the manifest, and its signature */
  int64_t cycle = w->cycle + 1;
  out_file *mf = &files[nf++];
  snprintf(mf->name, sizeof(mf->name), G6_PANELS_MANIFEST);
  st = render_manifest(w, listed, listed_hash, nl, now, indices_count, cycle,
                       &mf->body);
  if (st == G6_OK && w->key != NULL) {
    char mac[65];
    st = g6_hmac_sha256_hex(w->key, w->key_len, mf->body.data, mf->body.len,
                            mac);
    out_file *sf = &files[nf++];
    snprintf(sf->name, sizeof(sf->name), G6_PANELS_SIGNATURE);
    if (st == G6_OK)
      st = g6_buf_printf(&sf->body, "hmac-sha256:%s\n", mac);
  }
  bool per_file = false;
  if (st == G6_OK) {
    bool swapped = false;
    if (w->exchange) {
      const char *own_list[G6_PANELS_MAX];
      for (size_t i = 0; i < n; i++)
        own_list[i] = names[i];
      own_names own = {own_list, n};
      g6_error why;
      g6_error_clear(&why);
      bool demote = false, lasting = false;
      st = write_exchange(w, files, nf, &own, &demote, &lasting, &why, err);
      swapped = st != G6_EUNSUPPORTED;
      r->exchange = swapped;
      if (!swapped || demote) {
        /* only a lasting reason ends whole sets; after a passing one
         * (EROFS, ENOSPC...) the next flush tries again */
        if (lasting)
          w->exchange = false;
        else
          w->paused = true;
        r->fell_back = true;
        r->for_good = lasting;
        snprintf(r->fallback_reason, sizeof(r->fallback_reason), "%.255s",
                 why.msg);
      } else if (st == G6_OK && w->paused) {
        w->paused = false;
        r->exchange_again = true;
      }
    }
    if (!swapped) {
      per_file = true;
      st = write_per_file(w, files, nf, err);
    }
  } else {
    g6_error_set(err, st, "cannot render %s", G6_PANELS_MANIFEST);
  }
  if (st == G6_OK) {
    for (size_t i = 0; i < w->n_known; i++) /* listed now: only these */
      w->k[i].manifest_hash[0] = '\0';
    for (size_t i = 0; i < nl; i++) {
      known *k = find_known(w, listed[i], false);
      snprintf(k->file_hash, 65, "%s", listed_hash[i]);
      snprintf(k->manifest_hash, 65, "%s", listed_hash[i]);
    }
    w->manifest_entries = nl;
    w->manifest_present = true;
    w->sig_present = w->key != NULL;
    w->unsure = false;
    w->cycle = cycle;
    r->cycle = cycle;
    r->manifest_written = true;
    r->written = nf - 1 - (w->key != NULL);
  } else {
    r->dir_missing = dir_missing(w);
    if (per_file) {
      /* some panel files may be replaced already, beside the previous
       * manifest: the next flush compares with what is on disk, not with
       * what was there before (data that comes back to the listed hash
       * would otherwise never be written again) */
      for (size_t i = 0; i < nf; i++) {
        known *k = find_known(w, files[i].name, false);
        if (k != NULL)
          hash_file(w->dir, files[i].name, k->file_hash);
      }
      w->unsure = true;
    }
  }
  for (size_t i = 0; i < nf; i++)
    g6_buf_free(&files[i].body);
  return st;
}
