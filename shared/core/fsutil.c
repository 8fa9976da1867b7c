#include "core/fsutil.h"

#include "core/buf.h"
#include "core/thread.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

static g6_status errno_fail(g6_error *err, int e, const char *what,
                            const char *path) {
  return g6_error_set(err, g6_status_from_errno(e), "%s %s: %s", what, path,
                      strerror(e));
}

/* Frees a block of read_file's; zeroed first when it holds a secret. */
static void free_read(char *buf, size_t cap, bool secret) {
  if (secret)
    g6_wipe(buf, cap);
  free(buf);
}

/* g6_read_file; `secret`: the content is zeroed in every block freed on the
 * way (a file that grew while it was read is copied to a larger block, not
 * realloc'ed; a failed read frees what was read zeroed). */
static g6_status read_file(const char *path, size_t max_len, bool secret,
                           bool nofollow, char **out, size_t *out_len,
                           g6_error *err) {
  /* O_NONBLOCK: a FIFO at the path is opened without waiting for a writer
   * (then refused below, not read); no effect on a regular file */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC |
                          (nofollow ? O_NOFOLLOW : 0));
  if (fd < 0) {
    int e = errno;
    struct stat ls;
    /* O_NOFOLLOW's ELOOP: say what is there, not "too many levels" */
    if (nofollow && e == ELOOP && lstat(path, &ls) == 0 &&
        S_ISLNK(ls.st_mode))
      return g6_error_set(err, G6_EINVAL,
                          "%s is a symbolic link; it is not followed", path);
    if (e == ENAMETOOLONG) { /* named shortened: its cause must still show */
      char shown[200];
      return g6_error_set(err, G6_EINVAL,
                          "cannot open %s: its path is %zu bytes, longer "
                          "than the system allows (%d with the final NUL, "
                          "a name %d); move it nearer the root",
                          g6_printable_path(path, strlen(path), shown,
                                            sizeof(shown)),
                          strlen(path), PATH_MAX, NAME_MAX);
    }
    return errno_fail(err, e, "cannot open", path);
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return errno_fail(err, e, "cannot stat", path);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return g6_error_set(err, G6_EINVAL, "%s is not a regular file", path);
  }
  if ((size_t)st.st_size > max_len) {
    close(fd);
    return g6_error_set(err, G6_ETOOBIG, "%s is %lld bytes; the limit is %zu",
                        path, (long long)st.st_size, max_len);
  }
  /* One spare byte beyond the stat size so EOF is seen without growing. */
  size_t cap = (size_t)st.st_size + 2, len = 0;
  char *buf = malloc(cap);
  if (buf == NULL) {
    close(fd);
    return g6_error_set(err, G6_ENOMEM, "out of memory reading %s", path);
  }
  for (;;) {
    if (len + 1 >= cap) { /* file grew while reading */
      if (len > max_len) {
        free_read(buf, cap, secret);
        close(fd);
        return g6_error_set(err, G6_ETOOBIG, "%s exceeds the limit of %zu",
                            path, max_len);
      }
      char *p = secret ? malloc(cap * 2) : realloc(buf, cap * 2);
      if (p == NULL) {
        free_read(buf, cap, secret);
        close(fd);
        return g6_error_set(err, G6_ENOMEM, "out of memory reading %s", path);
      }
      if (secret) {
        memcpy(p, buf, len);
        free_read(buf, cap, true);
      }
      buf = p;
      cap *= 2;
    }
    ssize_t n = read(fd, buf + len, cap - 1 - len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      int e = errno;
      free_read(buf, cap, secret);
      close(fd);
      return errno_fail(err, e, "cannot read", path);
    }
    if (n == 0)
      break;
    len += (size_t)n;
  }
  close(fd);
  if (len > max_len) {
    free_read(buf, cap, secret);
    return g6_error_set(err, G6_ETOOBIG, "%s exceeds the limit of %zu", path,
                        max_len);
  }
  buf[len] = '\0';
  *out = buf;
  if (out_len != NULL)
    *out_len = len;
  return G6_OK;
}

g6_status g6_read_file(const char *path, size_t max_len, char **out,
                       size_t *out_len, g6_error *err) {
  return read_file(path, max_len, false, false, out, out_len, err);
}

g6_status g6_read_file_nofollow(const char *path, size_t max_len, char **out,
                                size_t *out_len, g6_error *err) {
  return read_file(path, max_len, false, true, out, out_len, err);
}

bool g6_path_parent(const char *path, char *dir, size_t len) {
  const char *slash = strrchr(path, '/');
  if (slash == NULL) {
    snprintf(dir, len, ".");
  } else if (slash == path) {
    snprintf(dir, len, "/");
  } else {
    size_t n = (size_t)(slash - path);
    bool fits = n < len;
    if (!fits)
      n = len - 1;
    memcpy(dir, path, n);
    dir[n] = '\0';
    return fits;
  }
  return true;
}

g6_status g6_fsync_parent(const char *path, g6_error *err) {
  char dir[PATH_MAX];
  g6_path_parent(path, dir, sizeof(dir));
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return errno_fail(err, errno, "cannot open directory", dir);
  int rc = G6_AFTER(fsync(fd));
  int e = errno;
  close(fd);
  if (rc != 0 && e != EINVAL) /* some file systems cannot fsync directories */
    return errno_fail(err, e, "cannot fsync directory", dir);
  return G6_OK;
}

g6_status g6_atomic_begin(g6_atomic_file *f, const char *path, mode_t mode,
                          g6_error *err) {
  char dir[PATH_MAX];
  f->fd = -1;
  f->mode = mode;
  int k = snprintf(f->path, sizeof(f->path), "%s", path);
  if (k < 0 || (size_t)k >= sizeof(f->path))
    return g6_error_set(err, G6_EINVAL, "path too long: %s", path);
  g6_path_parent(path, dir, sizeof(dir));
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  int n = snprintf(f->tmp, sizeof(f->tmp), "%s/.%s.tmp.XXXXXX", dir, base);
  if (n < 0 || (size_t)n >= sizeof(f->tmp))
    return g6_error_set(err, G6_EINVAL, "path too long: %s", path);
  f->fd = G6_AFTER(mkostemp(f->tmp, O_CLOEXEC));
  if (f->fd < 0)
    return errno_fail(err, errno, "cannot create temporary file for", path);
  return G6_OK;
}

void g6_atomic_abort(g6_atomic_file *f) {
  if (f->fd < 0)
    return;
  close(f->fd);
  f->fd = -1;
  G6_AFTER(unlink(f->tmp));
}

/* Whether `name` is ".<base>.tmp.XXXXXX" (g6_atomic_begin's temporary
 * name, mkostemp's six characters) with a base `is_target` accepts
 * (`want` the one base when it is NULL). */
static bool temp_of(const char *name, const char *want,
                    bool (*is_target)(const char *base)) {
  static const char tail[] = ".tmp.";
  size_t n = strlen(name), t = sizeof(tail) - 1;
  if (name[0] != '.' || n < 1 + 1 + t + 6 ||
      memcmp(name + n - 6 - t, tail, t) != 0)
    return false;
  char base[NAME_MAX + 1];
  size_t b = n - 1 - t - 6;
  memcpy(base, name + 1, b);
  base[b] = '\0';
  return is_target != NULL ? is_target(base) : strcmp(base, want) == 0;
}

/* Removes the temporary files of `dir` temp_of accepts that are regular
 * files last modified at least min_age_s seconds ago. */
static size_t remove_stale_in(const char *dir, const char *want,
                              bool (*is_target)(const char *base),
                              double min_age_s) {
  size_t removed = 0;
  DIR *d = opendir(dir);
  if (d == NULL)
    return 0;
  struct dirent *e;
  struct stat st;
  while ((e = readdir(d)) != NULL)
    if (temp_of(e->d_name, want, is_target) &&
        fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG(st.st_mode) &&
        difftime(time(NULL), st.st_mtime) >= min_age_s &&
        G6_AFTER(unlinkat(dirfd(d), e->d_name, 0)) == 0)
      removed++;
  closedir(d);
  return removed;
}

size_t g6_atomic_remove_stale(const char *path, double min_age_s) {
  char dir[PATH_MAX];
  g6_path_parent(path, dir, sizeof(dir));
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  if (base[0] == '\0' || strlen(base) > NAME_MAX)
    return 0;
  return remove_stale_in(dir, base, NULL, min_age_s);
}

size_t g6_atomic_remove_stale_dir(const char *dir,
                                  bool (*is_target)(const char *base),
                                  double min_age_s) {
  return remove_stale_in(dir, NULL, is_target, min_age_s);
}

/* Aborts and reports the failed step with errno e. */
static g6_status atomic_fail(g6_atomic_file *f, int e, const char *step,
                             g6_error *err) {
  g6_atomic_abort(f);
  return errno_fail(err, e, step, f->path);
}

g6_status g6_atomic_append(g6_atomic_file *f, const void *data, size_t len,
                           g6_error *err) {
  const char *p = data;
  while (len > 0) {
    ssize_t w = G6_AFTER(write(f->fd, p, len));
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return atomic_fail(f, errno, "cannot write", err);
    }
    p += w;
    len -= (size_t)w;
  }
  return G6_OK;
}

g6_status g6_atomic_commit(g6_atomic_file *f, bool durable, g6_error *err) {
  if (G6_AFTER(fchmod(f->fd, f->mode)) != 0)
    return atomic_fail(f, errno, "cannot set permissions of", err);
  if (durable && G6_AFTER(fsync(f->fd)) != 0)
    return atomic_fail(f, errno, "cannot fsync", err);
  int rc = close(f->fd);
  f->fd = -1;
  if (rc != 0) {
    int e = errno;
    G6_AFTER(unlink(f->tmp));
    return errno_fail(err, e, "cannot close", f->path);
  }
  if (G6_AFTER(rename(f->tmp, f->path)) != 0) {
    int e = errno;
    G6_AFTER(unlink(f->tmp));
    return errno_fail(err, e, "cannot rename into place", f->path);
  }
  if (durable)
    return g6_fsync_parent(f->path, err);
  return G6_OK;
}

g6_status g6_atomic_write(const char *path, const void *data, size_t len,
                          mode_t mode, bool durable, g6_error *err) {
  g6_atomic_file f;
  g6_status st = g6_atomic_begin(&f, path, mode, err);
  if (st == G6_OK)
    st = g6_atomic_append(&f, data, len, err);
  if (st == G6_OK)
    st = g6_atomic_commit(&f, durable, err);
  return st;
}

g6_status g6_path_absolute(char **path, g6_error *err) {
  if ((*path)[0] == '/')
    return G6_OK;
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof(cwd)) == NULL)
    return errno_fail(err, errno, "cannot resolve the relative path", *path);
  size_t n = strlen(cwd) + 1 + strlen(*path) + 1;
  char *abs = malloc(n);
  if (abs == NULL)
    return g6_error_set(err, G6_ENOMEM, "out of memory");
  snprintf(abs, n, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, *path);
  free(*path);
  *path = abs;
  return G6_OK;
}

/* The PID holding a flock on (dev, ino), from /proc/locks; 0 if unknown.
 * Lines read "1: FLOCK  ADVISORY  WRITE 1234 fd:01:567 0 EOF". */
static long flock_holder(dev_t dev, ino_t ino) {
  FILE *f = fopen("/proc/locks", "re");
  if (f == NULL)
    return 0;
  char line[256];
  long pid = 0;
  while (pid == 0 && fgets(line, sizeof(line), f) != NULL) {
    char kind[16];
    long p;
    unsigned maj, min;
    unsigned long long i;
    if (sscanf(line, "%*[^:]: %15s %*s %*s %ld %x:%x:%llu", kind, &p, &maj,
               &min, &i) == 5 &&
        strcmp(kind, "FLOCK") == 0 && i == (unsigned long long)ino &&
        maj == major(dev) && min == minor(dev))
      pid = p;
  }
  fclose(f);
  return pid;
}

/* ---- the root directory -------------------------------------------------- */

static bool is_root_stat(const struct stat *sb) {
  struct stat root;
  return stat("/", &root) == 0 && sb->st_dev == root.st_dev &&
         sb->st_ino == root.st_ino;
}

bool g6_path_is_root(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && is_root_stat(&sb);
}

bool g6_fd_is_root(int fd) {
  struct stat sb;
  return fstat(fd, &sb) == 0 && is_root_stat(&sb);
}

bool g6_same_file(const char *a, const char *b) {
  struct stat sa, sb;
  return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

static const char root_problem[] =
    "the root directory is no place for g6's files; give a directory of its "
    "own";

const char *g6_dir_root_problem(const char *dir) {
  return dir[strspn(dir, "/")] == '\0' || g6_path_is_root(dir) ? root_problem
                                                               : NULL;
}

static g6_status refuse_root(const char *dir, const char *option,
                             g6_error *err) {
  return g6_error_set(err, G6_EINVAL, "%s \"%s\": %s", option, dir,
                      root_problem);
}

g6_status g6_dir_check_writable(const char *dir, const char *option,
                                g6_error *err) {
  char probe[PATH_MAX];
  if (snprintf(probe, sizeof(probe), "%s/.g6-write-check-XXXXXX", dir) >=
      (int)sizeof(probe))
    return g6_error_set(err, G6_EINVAL, "%s \"%s\": path too long", option,
                        dir);
  int pf = mkostemp(probe, O_CLOEXEC);
  if (pf < 0) {
    int e = errno;
    return g6_error_set(err, g6_status_from_errno(e),
                        "%s \"%s\" is not writable: %s", option, dir,
                        strerror(e));
  }
  close(pf);
  unlink(probe);
  return G6_OK;
}

g6_status g6_dir_lock(int fd, const char *option, const char *dir,
                      const char *clash, bool *locked, char *note,
                      size_t note_len, g6_error *err) {
  *locked = false;
  if (note_len > 0)
    note[0] = '\0';
  if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
    *locked = true;
    return G6_OK;
  }
  int e = errno;
  if (e == EWOULDBLOCK) {
    struct stat sb;
    long holder = fstat(fd, &sb) == 0 ? flock_holder(sb.st_dev, sb.st_ino) : 0;
    /* flock conflicts between two open files of one process too: another
     * g6 plugin of this collectd holds it */
    if (holder == (long)getpid())
      return g6_error_set(err, G6_EEXIST,
                          "%s \"%s\" is already used by another g6 plugin of "
                          "this collectd (g6_chain's DataDir and g6_panels' "
                          "PanelsDir must be different directories); give "
                          "each plugin a directory of its own",
                          option, dir);
    char who[40] = "";
    if (holder > 0)
      snprintf(who, sizeof(who), " (PID %ld)", holder);
    return g6_error_set(err, G6_EEXIST,
                        "%s \"%s\" is in use by another process%s, another "
                        "collectd with the same plugin: %s; give each its own "
                        "%s",
                        option, dir, who, clash, option);
  }
  snprintf(note, note_len,
           "%s \"%s\" cannot be locked (%s): a second process writing it "
           "would not be noticed",
           option, dir, strerror(e));
  return G6_OK;
}

g6_status g6_dir_claim(const char *dir, const char *option, const char *clash,
                       int *lock_fd, char *note, size_t note_len,
                       g6_error *err) {
  *lock_fd = -1;
  if (note_len > 0)
    note[0] = '\0';
  /* before mkdir ("/", "/tmp/..") and after ("/new/.." exists only then),
   * before anything is written there */
  if (g6_dir_root_problem(dir) != NULL)
    return refuse_root(dir, option, err);
  g6_status st = g6_mkdir_p(dir, 0755, err);
  if (st == G6_OK && g6_path_is_root(dir))
    return refuse_root(dir, option, err);
  if (st != G6_OK)
    return st;
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return errno_fail(err, errno, "cannot open", dir);
  /* locked before the write probe: a second claimant (another collectd,
   * `collectd -T` beside the running one) is refused without creating a
   * file in a directory another writer owns */
  bool locked;
  st = g6_dir_lock(fd, option, dir, clash, &locked, note, note_len, err);
  if (st == G6_OK)
    st = g6_dir_check_writable(dir, option, err);
  if (st == G6_OK && locked)
    *lock_fd = fd;
  else
    close(fd);
  return st;
}

typedef struct claim_call {
  char *dir, *option, *clash;
  int lock_fd;
  char note[512];
  g6_status st;
  g6_error err;
} claim_call;

static void claim_main(void *p) {
  claim_call *c = p;
  c->st = g6_dir_claim(c->dir, c->option, c->clash, &c->lock_fd, c->note,
                       sizeof(c->note), &c->err);
}

g6_status g6_dir_claim_within(double timeout_s, const char *dir,
                              const char *option, const char *clash,
                              int *lock_fd, char *note, size_t note_len,
                              g6_error *err) {
  *lock_fd = -1;
  if (note_len > 0)
    note[0] = '\0';
  claim_call *c = calloc(1, sizeof(*c));
  if (c == NULL || (c->dir = strdup(dir)) == NULL ||
      (c->option = strdup(option)) == NULL ||
      (c->clash = strdup(clash)) == NULL) {
    if (c != NULL) {
      free(c->dir);
      free(c->option);
    }
    free(c);
    return g6_error_set(err, G6_ENOMEM, "out of memory");
  }
  if (!g6_call_within(claim_main, c, timeout_s))
    /* c stays: the claim may still complete and write into it */
    return g6_error_set(err, G6_ETIMEOUT,
                        "%s \"%s\" did not answer within %g s: creating and "
                        "locking it sleeps in the kernel, the storage under "
                        "it hangs (an NFS server gone, a frozen or failing "
                        "file system); fix the mount, then restart collectd",
                        option, dir, timeout_s);
  g6_status st = c->st;
  *lock_fd = c->lock_fd;
  if (note_len > 0)
    snprintf(note, note_len, "%s", c->note);
  if (st != G6_OK && err != NULL)
    *err = c->err;
  free(c->dir);
  free(c->option);
  free(c->clash);
  free(c);
  return st;
}

static g6_status mkdir_levels(const char *path, mode_t mode, bool durable,
                              g6_error *err);

g6_status g6_mkdir_p(const char *path, mode_t mode, g6_error *err) {
  return mkdir_levels(path, mode, false, err);
}

g6_status g6_mkdir_p_durable(const char *path, mode_t mode, bool durable,
                             g6_error *err) {
  return mkdir_levels(path, mode, durable, err);
}

static g6_status mkdir_levels(const char *path, mode_t mode, bool durable,
                              g6_error *err) {
  char buf[PATH_MAX];
  size_t len = strlen(path);
  if (len == 0)
    return g6_error_set(err, G6_EINVAL, "empty directory path");
  if (len >= sizeof(buf)) /* quoted in part: the log line stays readable */
    return g6_error_set(err, G6_EINVAL,
                        "directory path \"%.60s...\" is %zu bytes long; "
                        "allowed: at most %zu bytes",
                        path, len, sizeof(buf) - 1);
  memcpy(buf, path, len + 1);
  for (size_t i = 1; i <= len; i++) {
    if (buf[i] != '/' && buf[i] != '\0')
      continue;
    char saved = buf[i];
    buf[i] = '\0';
    if (G6_AFTER(mkdir(buf, mode)) == 0) {
      g6_status st = durable ? g6_fsync_parent(buf, err) : G6_OK;
      if (st != G6_OK)
        return st;
    } else if (errno != EEXIST) {
      return errno_fail(err, errno, "cannot create directory", buf);
    }
    buf[i] = saved;
  }
  struct stat st;
  if (stat(path, &st) != 0)
    return errno_fail(err, errno, "cannot stat", path);
  if (!S_ISDIR(st.st_mode))
    return g6_error_set(err, G6_EEXIST, "%s exists and is not a directory",
                        path);
  return G6_OK;
}

g6_status g6_read_secret_file(const char *path, char **out, g6_error *err) {
  struct stat st;
  if (stat(path, &st) != 0)
    return errno_fail(err, errno, "cannot stat secret file", path);
  if (!S_ISREG(st.st_mode))
    return g6_error_set(err, G6_EPERM, "secret file %s is not a regular file",
                        path);
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    return g6_error_set(err, G6_EPERM,
                        "secret file %s has mode %04o: group/other may access "
                        "it; run chmod 600 %s",
                        path, (unsigned)(st.st_mode & 07777), path);
  char *text = NULL;
  size_t len = 0;
  g6_status s = read_file(path, 64 * 1024, true, false, &text, &len, err);
  if (s != G6_OK)
    return s;
  size_t a = 0, b = len;
  while (a < b && (text[a] == ' ' || text[a] == '\t' || text[a] == '\n' ||
                   text[a] == '\r'))
    a++;
  while (b > a && (text[b - 1] == ' ' || text[b - 1] == '\t' ||
                   text[b - 1] == '\n' || text[b - 1] == '\r'))
    b--;
  if (a == b) {
    free_read(text, len, true);
    return g6_error_set(err, G6_EINVAL, "secret file %s is empty", path);
  }
  if (memchr(text + a, '\0', b - a) != NULL) { /* a crash's zero-filled tail */
    free_read(text, len, true);
    return g6_error_set(err, G6_EINVAL,
                        "secret file %s holds a NUL byte (a write cut short?)",
                        path);
  }
  /* one token: a second line, a space inside or a control character is
   * a file written half or twice, or not a token at all; sent as it is,
   * a line break would end the Authorization header and start another */
  for (size_t i = a; i < b; i++)
    if ((unsigned char)text[i] <= ' ' || (unsigned char)text[i] == 0x7f) {
      free_read(text, len, true);
      return g6_error_set(err, G6_EINVAL,
                          "secret file %s holds more than one word, or "
                          "control characters: not one token (half written?)",
                          path);
    }
  memmove(text, text + a, b - a);
  memset(text + (b - a), 0, len - (b - a));
  text[b - a] = '\0';
  *out = text;
  return G6_OK;
}

g6_status g6_secret_file_error(g6_status s, const char *option,
                               const char *path, const char *holding,
                               g6_error *err) {
  if (s == G6_ENOMEM || err == NULL)
    return s;
  char why[sizeof(err->msg)];
  snprintf(why, sizeof(why), "%s", err->msg);
  return g6_error_set(err, s,
                      "%s \"%s\": %s; allowed: a regular file, not empty, "
                      "that group and other cannot access (mode 0600 or "
                      "0400), holding the %s as one word",
                      option, path, why, holding);
}

g6_status g6_read_secret_option(const char *path, const char *option,
                                const char *holding, char **out,
                                g6_error *err) {
  g6_status s = g6_read_secret_file(path, out, err);
  return s == G6_OK ? s : g6_secret_file_error(s, option, path, holding, err);
}

/* ---- shared syncfs ------------------------------------------------------- */

/* One slot per file system (st_dev) that has been synced; a handful at most
 * (every index of a host usually shares one DataDir). */
#define SYNC_SLOTS 16

typedef struct sync_slot {
  dev_t dev;
  bool used;
  bool running;        /* a syncfs is in flight */
  uint64_t requested;  /* calls so far */
  uint64_t covered;    /* calls made before the last finished syncfs began */
  int last_errno;      /* of that syncfs, 0 if it succeeded */
  pthread_cond_t done;
} sync_slot;

static pthread_mutex_t sync_mu = PTHREAD_MUTEX_INITIALIZER;
static sync_slot sync_slots[SYNC_SLOTS];
static uint64_t sync_count;

uint64_t g6_syncfs_shared_count(void) {
  pthread_mutex_lock(&sync_mu);
  uint64_t n = sync_count;
  pthread_mutex_unlock(&sync_mu);
  return n;
}

g6_status g6_syncfs_shared(const char *dir, g6_error *err) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    int e = errno;
    if (fd >= 0)
      close(fd);
    return g6_error_set(err, g6_status_from_errno(e), "syncfs %s: %s", dir,
                        strerror(e));
  }
  pthread_mutex_lock(&sync_mu);
  sync_slot *sl = NULL;
  for (size_t i = 0; i < SYNC_SLOTS && sl == NULL; i++)
    if (sync_slots[i].used && sync_slots[i].dev == st.st_dev)
      sl = &sync_slots[i];
  for (size_t i = 0; i < SYNC_SLOTS && sl == NULL; i++)
    if (!sync_slots[i].used) {
      sl = &sync_slots[i];
      sl->used = true;
      sl->dev = st.st_dev;
      pthread_cond_init(&sl->done, NULL);
    }
  int rc = 0;
  if (sl == NULL) { /* more file systems than slots: a syncfs of its own */
    sync_count++;
    pthread_mutex_unlock(&sync_mu);
    rc = syncfs(fd) == 0 ? 0 : errno;
  } else {
    uint64_t me = ++sl->requested;
    while (sl->covered < me) {
      if (sl->running) {
        pthread_cond_wait(&sl->done, &sync_mu);
        continue;
      }
      /* this syncfs starts after every call counted so far */
      uint64_t covers = sl->requested;
      sl->running = true;
      sync_count++;
      pthread_mutex_unlock(&sync_mu);
      int e = syncfs(fd) == 0 ? 0 : errno;
      pthread_mutex_lock(&sync_mu);
      sl->running = false;
      sl->covered = covers;
      sl->last_errno = e;
      pthread_cond_broadcast(&sl->done);
    }
    rc = sl->last_errno;
    pthread_mutex_unlock(&sync_mu);
  }
  close(fd);
  if (rc != 0)
    return g6_error_set(err, G6_EIO, "syncfs %s: %s", dir, strerror(rc));
  return G6_OK;
}
