/* Panel files written as one set (see store/panels.h). */
#include "store/panels.h"

#include "core/fsutil.h"
#include "core/hash.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_PANEL_FILE (64u << 20)

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

struct g6_panels_writer {
  char dir[PATH_MAX], parent[PATH_MAX], base[NAME_MAX + 1];
  char staging[NAME_MAX + 1];
  char *source, *app_version;
  unsigned char *key;
  size_t key_len;
  bool durable, exchange;
  mode_t mode;
  known k[G6_PANELS_MAX * 2];
  size_t n_known;
  size_t manifest_entries; /* hashes listed by the manifest on disk */
  bool manifest_present, sig_present;
  int64_t cycle;
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
      g6_json_parse(text, len, &doc, NULL) == G6_OK &&
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
    if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISDIR(sb.st_mode)) {
      st = g6_error_set(err, G6_EEXIST,
                        "PanelsDir %s holds the directory \"%s\"; it must hold "
                        "only files (each flush carries them over to the new "
                        "set by hard links): move it elsewhere",
                        w->dir, de->d_name);
      break;
    }
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
  if (snprintf(path, sizeof(path), "%s/" G6_PANELS_MANIFEST, w->dir) >=
      (int)sizeof(path))
    return G6_OK;
  if (g6_read_file(path, MAX_PANEL_FILE, &text, &len, NULL) != G6_OK)
    return G6_OK;
  w->manifest_present = true;
  if (g6_json_parse(text, len, &m, NULL) == G6_OK) {
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
  memcpy(w->dir, o->dir, n);
  w->dir[n] = '\0';
  const char *slash = strrchr(w->dir, '/');
  const char *base = slash ? slash + 1 : w->dir;
  if (slash == NULL)
    snprintf(w->parent, sizeof(w->parent), ".");
  else if (slash == w->dir)
    snprintf(w->parent, sizeof(w->parent), "/");
  else
    snprintf(w->parent, sizeof(w->parent), "%.*s", (int)(slash - w->dir),
             w->dir);
  snprintf(w->base, sizeof(w->base), "%.255s", base);
  snprintf(w->staging, sizeof(w->staging), ".%.200s.g6-staging", base);
  w->source = strdup(o->source ? o->source : "g6_panels");
  w->app_version = strdup(o->app_version ? o->app_version : "");
  w->durable = o->durable;
  w->exchange = !o->per_file && strcmp(base, "/") != 0 && *base != '\0';
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
  if (st == G6_OK)
    st = g6_mkdir_p(w->dir, 0755, err);
  if (st == G6_OK)
    st = load_state(w, err);
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
    memset(w->key, 0, w->key_len);
    free(w->key);
  }
  free(w->source);
  free(w->app_version);
  free(w);
}

bool g6_panels_writer_exchanges(const g6_panels_writer *w) {
  return w->exchange;
}

/* ---- one flush --------------------------------------------------------- */

/* A file the flush writes. */
typedef struct out_file {
  char name[80];
  g6_buf body;
} out_file;

static g6_status write_at(int dfd, const char *name, const g6_buf *b,
                          mode_t mode, bool durable, const char *where,
                          g6_error *err) {
  int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    return g6_error_set(err, g6_status_from_errno(errno),
                        "cannot create %s/%s: %s", where, name,
                        strerror(errno));
  const char *p = b->data ? b->data : "";
  size_t left = b->len;
  int e = 0;
  while (left > 0 && e == 0) {
    ssize_t k = write(fd, p, left);
    if (k < 0 && errno == EINTR)
      continue;
    if (k < 0) {
      e = errno;
      break;
    }
    p += k;
    left -= (size_t)k;
  }
  if (e == 0 && fchmod(fd, mode) != 0)
    e = errno;
  if (e == 0 && durable && fsync(fd) != 0)
    e = errno;
  if (close(fd) != 0 && e == 0)
    e = errno;
  if (e != 0)
    return g6_error_set(err, g6_status_from_errno(e), "cannot write %s/%s: %s",
                        where, name, strerror(e));
  return G6_OK;
}

/* Empties (or creates) the staging directory; returns its fd or -1. */
static int open_staging(g6_panels_writer *w, int pfd, int dfd,
                        g6_error *err) {
  struct stat ds;
  if (fstat(dfd, &ds) != 0)
    return -1;
  if (mkdirat(pfd, w->staging, 0700) != 0 && errno != EEXIST) {
    errno_err(err, errno, "cannot create the staging directory beside",
              w->dir);
    return -1;
  }
  int sfd = openat(pfd, w->staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                                        O_CLOEXEC);
  if (sfd < 0) {
    errno_err(err, errno, "cannot open the staging directory beside", w->dir);
    return -1;
  }
  int dup_fd = dup(sfd);
  DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
  if (d == NULL) {
    if (dup_fd >= 0)
      close(dup_fd);
    close(sfd);
    return -1;
  }
  struct dirent *de;
  bool ok = true;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (unlinkat(sfd, de->d_name, 0) != 0) {
      errno_err(err, errno, "cannot empty the staging directory beside",
                w->dir);
      ok = false;
      break;
    }
  }
  closedir(d);
  /* the swapped-in directory gets PanelsDir's mode and owner */
  if (ok && fchmod(sfd, ds.st_mode & 07777) != 0)
    ok = false;
  if (ok && (fchown(sfd, ds.st_uid, ds.st_gid) != 0 && errno != EPERM))
    ok = false;
  if (!ok) {
    close(sfd);
    return -1;
  }
  return sfd;
}

static bool written_now(const out_file *f, size_t nf, const char *name) {
  for (size_t i = 0; i < nf; i++)
    if (strcmp(f[i].name, name) == 0)
      return true;
  return false;
}

/* Temporary files of g6_atomic_write (".<name>.tmp.XXXXXX") are not
 * carried over. */
static bool is_temp(const char *name) {
  return name[0] == '.' && strstr(name, ".tmp.") != NULL;
}

/* Builds the new set in staging and swaps it in. Returns G6_EUNSUPPORTED
 * (with nothing visible changed) when the file system cannot do it. */
static g6_status write_exchange(g6_panels_writer *w, const out_file *f,
                                size_t nf, g6_error *why, g6_error *err) {
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
  g6_error_set(why, G6_EIO, "cannot prepare the staging directory %s/%s",
               w->parent, w->staging);
  int sfd = open_staging(w, pfd, dfd, why);
  if (sfd < 0) {
    close(dfd);
    close(pfd);
    return G6_EUNSUPPORTED;
  }
  g6_status st = G6_OK;
  int dd = dup(dfd);
  DIR *d = dd >= 0 ? fdopendir(dd) : NULL;
  if (d == NULL) {
    if (dd >= 0)
      close(dd);
    st = errno_err(err, errno, "cannot read", w->dir);
  }
  struct dirent *de;
  while (st == G6_OK && (de = readdir(d)) != NULL) {
    /* the signature is never carried over: without a key there is none,
     * with one it is written anew */
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
        written_now(f, nf, de->d_name) || is_temp(de->d_name) ||
        strcmp(de->d_name, G6_PANELS_SIGNATURE) == 0)
      continue;
    if (linkat(dfd, de->d_name, sfd, de->d_name, 0) != 0) {
      if (errno == ENOENT) /* removed meanwhile */
        continue;
      if (errno == EPERM || errno == EXDEV || errno == EMLINK) {
        /* no hard links here (or fs.protected_hardlinks) */
        errno_err(why, errno, "cannot hard-link the files of", w->dir);
        st = G6_EUNSUPPORTED;
        break;
      }
      st = g6_error_set(err, g6_status_from_errno(errno),
                        "cannot carry %s/%s over to the new set: %s", w->dir,
                        de->d_name, strerror(errno));
    }
  }
  if (d != NULL)
    closedir(d);
  for (size_t i = 0; st == G6_OK && i < nf; i++)
    st = write_at(sfd, f[i].name, &f[i].body, w->mode, w->durable, w->dir,
                  err);
  if (st == G6_OK && w->durable && fsync(sfd) != 0)
    st = errno_err(err, errno, "cannot fsync the staging directory for",
                   w->dir);
  if (st == G6_OK &&
      renameat2(pfd, w->staging, pfd, w->base, RENAME_EXCHANGE) != 0) {
    int e = errno;
    if (e == EINVAL || e == ENOSYS || e == EXDEV || e == EBUSY ||
        e == ENOTSUP || e == EPERM) {
      errno_err(why, e, "cannot exchange directories (renameat2) at", w->dir);
      st = G6_EUNSUPPORTED;
    }
    else
      st = errno_err(err, e, "cannot swap the new panel set into", w->dir);
  }
  if (st == G6_OK && w->durable && fsync(pfd) != 0 && errno != EINVAL)
    st = errno_err(err, errno, "cannot fsync the directory holding", w->dir);
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
    if (snprintf(sig, sizeof(sig), "%s/" G6_PANELS_SIGNATURE, w->dir) <
        (int)sizeof(sig))
      unlink(sig);
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
  out_file files[G6_PANELS_MAX + 2];
  memset(files, 0, sizeof(files));
  size_t nf = 0;
  const char *listed[G6_PANELS_MAX], *listed_hash[G6_PANELS_MAX];
  char names[G6_PANELS_MAX][80], hashes[G6_PANELS_MAX][65];
  size_t nl = 0;
  bool manifest_due = !w->manifest_present || (w->key && !w->sig_present);
  g6_status st = G6_OK;
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
  if (st == G6_OK) {
    if (w->exchange) {
      g6_error why;
      g6_error_clear(&why);
      st = write_exchange(w, files, nf, &why, err);
      if (st == G6_EUNSUPPORTED) {
        w->exchange = false;
        r->fell_back = true;
        snprintf(r->fallback_reason, sizeof(r->fallback_reason), "%.255s",
                 why.msg);
      }
    }
    if (!w->exchange)
      st = write_per_file(w, files, nf, err);
    else
      r->exchange = true;
  } else {
    g6_error_set(err, st, "cannot render %s", G6_PANELS_MANIFEST);
  }
  if (st == G6_OK) {
    for (size_t i = 0; i < nl; i++) {
      known *k = find_known(w, listed[i], false);
      snprintf(k->file_hash, 65, "%s", listed_hash[i]);
      snprintf(k->manifest_hash, 65, "%s", listed_hash[i]);
    }
    w->manifest_entries = nl;
    w->manifest_present = true;
    w->sig_present = w->key != NULL;
    w->cycle = cycle;
    r->cycle = cycle;
    r->manifest_written = true;
    r->written = nf - 1 - (w->key != NULL);
  }
  for (size_t i = 0; i < nf; i++)
    g6_buf_free(&files[i].body);
  return st;
}
