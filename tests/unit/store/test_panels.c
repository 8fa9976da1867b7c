/* store/panels.h and store/panel_schema.h: envelopes, the manifest, the
 * panel set written as a whole, validation. */
#include "g6_test.h"

#include "core/fsutil.h"
#include "core/hash.h"
#include "store/integrity.h"
#include "store/panel_schema.h"
#include "store/panels.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

G6_TEST_TMPDIR("panels")

/* The writer's directory exchange runs `before_exchange` first (once): a
 * test puts other programs' files into PanelsDir in the window between the
 * flush reading PanelsDir and the swap. This definition of renameat2
 * takes the place of libc's for libg6 linked into this test. */
static void (*before_exchange)(void);

/* Where a child of crash_in_flush dies, as collectd killed by SIGKILL
 * would: _exit(0), no cleanup, its locks released with its descriptors.
 * CRASH_LINKED: after the crash_links-th hard link into the staging
 * directory (the files carried over linked, nothing written yet). */
enum crash_point {
  CRASH_NONE,
  CRASH_LINKED,
  CRASH_BEFORE_EXCHANGE,
  CRASH_AFTER_EXCHANGE,
  CRASH_JOURNAL_AGAIN /* creating the journal a second time in the flush */
};
static enum crash_point crash_at;
static int crash_links;

/* The order of a durable flush's steps, while `order_parent` is set (the
 * inode of PanelsDir's parent): X the exchange, P an fsync of the parent,
 * U an unlink (the previous set emptied). */
static ino_t order_parent;
static char order[256];

static void order_note(char c) {
  size_t n = strlen(order);
  if (order_parent != 0 && n + 1 < sizeof(order))
    order[n] = c;
}

int renameat2(int olddirfd, const char *oldpath, int newdirfd,
              const char *newpath, unsigned int flags) {
  bool swap = flags == RENAME_EXCHANGE && strstr(oldpath, ".g6-staging");
  if (before_exchange != NULL && swap) {
    void (*hook)(void) = before_exchange;
    before_exchange = NULL;
    hook();
  }
  if (swap && crash_at == CRASH_BEFORE_EXCHANGE)
    _exit(0);
  int r = (int)syscall(SYS_renameat2, olddirfd, oldpath, newdirfd, newpath,
                       flags);
  if (swap && r == 0)
    order_note('X');
  if (swap && crash_at == CRASH_AFTER_EXCHANGE)
    _exit(r == 0 ? 0 : 2);
  return r;
}

/* Runs once before the writer's first hard link (between the journal and
 * the links), like before_exchange. */
static void (*before_link)(void);

int linkat(int olddirfd, const char *oldpath, int newdirfd,
           const char *newpath, int flags) {
  if (before_link != NULL) {
    void (*hook)(void) = before_link;
    before_link = NULL;
    hook();
  }
  int r = (int)syscall(SYS_linkat, olddirfd, oldpath, newdirfd, newpath,
                       flags);
  if (crash_at == CRASH_LINKED && r == 0 && --crash_links == 0)
    _exit(0);
  return r;
}

/* CRASH_JOURNAL_AGAIN: the second time the flush creates (and
 * truncates) the journal, it dies right after that open, before the
 * write. Takes the place of libc's openat like renameat2 above. */
static int journal_opens;

int openat(int dirfd, const char *pathname, int flags, ...) {
  mode_t mode = 0;
  if (flags & (O_CREAT | O_TMPFILE)) {
    va_list ap;
    va_start(ap, flags);
    mode = (mode_t)va_arg(ap, int);
    va_end(ap);
  }
  int r = (int)syscall(SYS_openat, dirfd, pathname, flags, mode);
  if (crash_at == CRASH_JOURNAL_AGAIN && (flags & O_CREAT) &&
      strstr(pathname, ".g6-journal") != NULL && ++journal_opens == 2)
    _exit(0);
  return r;
}

/* While non-zero, every unlinkat fails with this errno: a file system that
 * turned read-only (EROFS) or full for a while. Takes the place of libc's
 * unlinkat like renameat2 above. */
static int unlinkat_fails;

int unlinkat(int dirfd, const char *pathname, int flags) {
  if (unlinkat_fails != 0) {
    errno = unlinkat_fails;
    return -1;
  }
  int r = (int)syscall(SYS_unlinkat, dirfd, pathname, flags);
  if (r == 0)
    order_note('U');
  return r;
}

/* While set, renaming a file onto a path ending in it fails with ENOSPC:
 * a disk that fills up in the middle of a flush written file by file.
 * Takes the place of libc's rename like renameat2 above. */
static const char *rename_fails_onto;

int rename(const char *oldpath, const char *newpath) {
  size_t a = strlen(newpath),
         b = rename_fails_onto ? strlen(rename_fails_onto) : 0;
  if (rename_fails_onto != NULL && a >= b &&
      strcmp(newpath + a - b, rename_fails_onto) == 0) {
    errno = ENOSPC;
    return -1;
  }
  return (int)syscall(SYS_renameat2, AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

int fsync(int fd) {
  struct stat st;
  if (order_parent != 0 && fstat(fd, &st) == 0 && st.st_ino == order_parent)
    order_note('P');
  return (int)syscall(SYS_fsync, fd);
}

static g6_json *parse(const char *text) {
  g6_json *v = NULL;
  g6_error e;
  if (g6_json_parse(text, strlen(text), &v, &e) != G6_OK)
    fail_msg("%s: %s", text, e.msg);
  return v;
}

static char *slurp(const char *d, const char *name) {
  char path[512], *text = NULL;
  snprintf(path, sizeof(path), "%s/%s", d, name);
  if (g6_read_file(path, 1 << 20, &text, NULL, NULL) != G6_OK)
    return NULL;
  return text;
}

static void put(const char *d, const char *name, const char *text) {
  char path[512];
  g6_error e;
  snprintf(path, sizeof(path), "%s/%s", d, name);
  if (g6_atomic_write(path, text, strlen(text), 0644, false, &e) != G6_OK)
    fail_msg("%s", e.msg);
}

/* The file's text equals `want` (NULL: the file does not exist). */
static void assert_text(const char *d, const char *name, const char *want) {
  char *got = slurp(d, name);
  if ((got == NULL) != (want == NULL) ||
      (got != NULL && strcmp(got, want) != 0))
    fail_msg("%s/%s holds %s%s%s, want %s%s%s", d, name, got ? "\"" : "",
             got ? got : "nothing", got ? "\"" : "", want ? "\"" : "",
             want ? want : "nothing", want ? "\"" : "");
  free(got);
}

/* How many entries the directory holds ("." and ".." aside). */
static size_t entries(const char *d) {
  DIR *h = opendir(d);
  if (h == NULL)
    fail_msg("cannot read %s", d);
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(h)) != NULL)
    n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
  closedir(h);
  return n;
}

static ino_t inode(const char *d, const char *name) {
  char path[512];
  struct stat st;
  snprintf(path, sizeof(path), "%s/%s", d, name);
  return stat(path, &st) == 0 ? st.st_ino : 0;
}

/* The reference's vectors from the old platform's data/panels (§6.2). */
static void reference_hashes(void **state) {
  (void)state;
  static const struct {
    const char *data, *hash;
  } v[] = {
      {"[]", "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"},
      {"{}", "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},
      {"{\"metrics_url\":null,\"version\":\"dev\"}",
       "c8ade8962804648f0a697b5eea49d1489056cc8cc93d201324473974c4f260fa"},
      {"{\"cycle\":40105,\"interval\":60,\"last_duration\":0.642,"
       "\"memory_rss_mb\":null}",
       "6d834b22f38cdb08d5f86b598e3b7085c8671a9e699f0525356430046fc2d7d5"},
      {"{\"max_pain\":{\"BANKNIFTY\":22615,\"FINNIFTY\":20416,\"NIFTY\":19250,"
       "\"SENSEX\":22385},\"pcr\":1.22}",
       "325afa48cfc906d844ff39df2784994f7ee1fa5665ec067c4f281ecd02ca5b45"},
      /* data null hashes the four bytes "null" */
      {"null", "74234e98afe7498fb5daf1f36ac2d78acc339464f950703b8c019892f982b90b"},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    g6_json *d = parse(v[i].data);
    char got[65];
    assert_int_equal(g6_panel_data_hash(d, got), G6_OK);
    assert_string_equal(got, v[i].hash);
    g6_json_free(d);
  }
  char got[65];
  assert_int_equal(g6_panel_data_hash(NULL, got), G6_OK);
  assert_string_equal(got, v[5].hash);
}

static void envelope_shape(void **state) {
  (void)state;
  g6_json *d = parse("{\"pcr\":1.22,\"max_pain\":{\"NIFTY\":19250}}");
  g6_json *env = g6_panel_envelope("analytics", d, 1700000000.75, "g6_panels");
  assert_non_null(env);
  assert_string_equal(
      g6_json_get_string(g6_json_object_get(env, "updated_at"), NULL),
      "2023-11-14T22:13:20Z");
  assert_string_equal(
      g6_json_get_int_text(g6_json_object_get(env, "generated_at")),
      "1700000000");
  const g6_json *meta = g6_json_object_get(env, "meta");
  char full[65];
  g6_panel_data_hash(d, full);
  assert_memory_equal(g6_json_get_string(g6_json_object_get(meta, "hash"), NULL),
                      full, 12);
  g6_error e;
  assert_int_equal(g6_panel_validate(env, "analytics", NULL, &e), G6_OK);
  /* the envelope holds a copy: changing the caller's data does not matter */
  g6_json_object_set(d, "pcr", g6_json_null());
  assert_int_equal(g6_panel_validate(env, "analytics", NULL, &e), G6_OK);
  g6_json_free(env);
  g6_json_free(d);
  /* null data: meta.hash over {} (the old writer's rule) */
  env = g6_panel_envelope("links", NULL, 0, "g6_panels");
  assert_string_equal(g6_json_get_string(g6_json_object_get(
                                             g6_json_object_get(env, "meta"),
                                             "hash"),
                                         NULL),
                      "44136fa355b3");
  assert_int_equal(g6_panel_validate(env, "links", NULL, &e), G6_OK);
  g6_json_free(env);
}

static const g6_shape num_or_null = {.types = G6_JT_NUMBER | G6_JT_NULL};
static const g6_shape str = {.types = G6_JT_STRING};
static const g6_shape_field item_fields[] = {{"index", &str, true},
                                             {"spot", &num_or_null, true}};
static const g6_shape item = {.types = G6_JT_OBJECT, .fields = item_fields,
                              .n_fields = 2, .closed = true};
static const g6_shape items = {.types = G6_JT_ARRAY, .items = &item};
static const g6_shape_field data_fields[] = {{"items", &items, true}};
static const g6_shape data_shape = {.types = G6_JT_OBJECT,
                                    .fields = data_fields, .n_fields = 1};

static void validation_messages(void **state) {
  (void)state;
  static const struct {
    const char *env, *want;
  } v[] = {
      {"{\"panel\":\"p\",\"version\":2,\"generated_at\":1,\"updated_at\":"
       "\"2025-01-01T00:00:00Z\",\"data\":{},\"meta\":{\"source\":\"s\","
       "\"schema\":\"v1\",\"hash\":\"44136fa355b3\"}}",
       "panel p: envelope.version: allowed: 1"},
      {"{\"panel\":\"p\",\"version\":1,\"generated_at\":1,\"updated_at\":"
       "\"2025-01-01 00:00:00\",\"data\":{},\"meta\":{\"source\":\"s\","
       "\"schema\":\"v1\",\"hash\":\"44136fa355b3\"}}",
       "panel p: envelope.updated_at \"2025-01-01 00:00:00\": allowed: "
       "YYYY-MM-DDTHH:MM:SSZ (UTC)"},
      {"{\"panel\":\"p\",\"version\":1,\"generated_at\":1,\"updated_at\":"
       "\"2025-01-01T00:00:00Z\",\"data\":{},\"meta\":{\"source\":\"s\","
       "\"schema\":\"v1\",\"hash\":\"000000000000\"}}",
       "panel p: envelope.meta.hash \"000000000000\" does not match the data; "
       "allowed: \"44136fa355b3\""},
      {"{\"panel\":\"p\",\"version\":1,\"generated_at\":1,\"updated_at\":"
       "\"2025-01-01T00:00:00Z\",\"data\":{},\"meta\":{\"source\":\"s\","
       "\"schema\":\"v1\",\"hash\":\"44136fa355b3\"},\"extra\":1}",
       "panel p: envelope.extra: unknown key"},
      {"{\"panel\":\"p\",\"version\":1,\"updated_at\":"
       "\"2025-01-01T00:00:00Z\",\"data\":{},\"meta\":{\"source\":\"s\","
       "\"schema\":\"v1\",\"hash\":\"44136fa355b3\"}}",
       "panel p: envelope.generated_at is missing"},
      {"{\"panel\":\"p\",\"version\":1,\"generated_at\":1,\"updated_at\":"
       "\"2025-01-01T00:00:00Z\",\"data\":\"x\",\"meta\":{\"source\":\"s\","
       "\"schema\":\"v1\",\"hash\":\"44136fa355b3\"}}",
       "panel p: envelope.data is a string; allowed: an array, an object or "
       "null"},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    g6_json *env = parse(v[i].env);
    g6_error e;
    assert_int_equal(g6_panel_validate(env, "p", NULL, &e), G6_EINVAL);
    assert_string_equal(e.msg, v[i].want);
    g6_json_free(env);
  }
  /* the data schema */
  g6_json *d = parse("{\"items\":[{\"index\":\"NIFTY\",\"spot\":null},"
                     "{\"index\":\"X\",\"spot\":\"24000\"}]}");
  g6_json *env = g6_panel_envelope("indices_panel", d, 0, "g6_panels");
  g6_error e;
  assert_int_equal(g6_panel_validate(env, "indices_panel", &data_shape, &e),
                   G6_EINVAL);
  assert_string_equal(e.msg, "panel indices_panel: data.items[1].spot is a "
                             "string; allowed: a number or null");
  g6_json_free(env);
  g6_json_free(d);
}

static bool writers_durable; /* open_writer's Durable */

static g6_panels_writer *open_writer(const char *d, bool per_file,
                                     const char *key) {
  g6_panels_writer_opts o = {.dir = d,
                             .source = "g6_panels",
                             .app_version = "test",
                             .key = (const unsigned char *)key,
                             .key_len = key ? strlen(key) : 0,
                             .durable = writers_durable,
                             .per_file = per_file,
                             .file_mode = 0644};
  g6_panels_writer *w = NULL;
  g6_error e;
  if (g6_panels_writer_open(&o, &w, &e) != G6_OK)
    fail_msg("%s", e.msg);
  return w;
}

/* A writer opened on a PanelsDir whose panel file and manifest are
 * 16 MiB of [0,0,...] each (8 million values: a tree of ~850 MB apiece,
 * built at collectd's start-up, before the limit) stays small: its peak
 * memory, measured in a child, grows by less than 512 MB (~100 MB; ~300
 * with ASan). */
static void open_on_dense_panels(void **state) {
  (void)state;
  char d[512];
  snprintf(d, sizeof(d), "%s/dense", dir);
  g6_error e;
  assert_int_equal(g6_mkdir_p(d, 0755, &e), G6_OK);
  size_t n = 8u << 20;
  g6_buf b = G6_BUF_INIT;
  g6_buf_puts(&b, "{\"data\": [0");
  for (size_t i = 1; i < n; i++)
    g6_buf_puts(&b, ",0");
  g6_buf_puts(&b, "]}");
  char path[600];
  snprintf(path, sizeof(path), "%s/indices_panel_enveloped.json", d);
  assert_int_equal(g6_atomic_write(path, b.data, b.len, 0644, false, &e),
                   G6_OK);
  snprintf(path, sizeof(path), "%s/manifest.json", d);
  assert_int_equal(g6_atomic_write(path, b.data, b.len, 0644, false, &e),
                   G6_OK);
  g6_buf_free(&b);
  /* the peak of a child that opens nothing is the baseline (this
   * process's own pages, the sanitizers' under make check-asan) */
  long peak[2];
  for (int open = 0; open < 2; open++) {
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      if (open)
        g6_panels_writer_close(open_writer(d, true, NULL));
      _exit(0);
    }
    int status;
    struct rusage ru;
    assert_int_equal(wait4(pid, &status, 0, &ru), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    peak[open] = ru.ru_maxrss;
  }
  print_message("# peak %ld kB, %ld kB of it before opening\n", peak[1],
                peak[0]);
  assert_true(peak[1] - peak[0] < 512 * 1024);
}

static size_t check(const char *d, const char *key) {
  g6_integrity_report r = {0};
  assert_int_equal(g6_integrity_check(d, (const unsigned char *)key,
                                      key ? strlen(key) : 0, &r),
                   G6_OK);
  size_t n = r.n;
  for (size_t i = 0; i < r.n; i++)
    print_message("# %s: %s\n", r.issues[i].file, r.issues[i].problem);
  g6_integrity_report_free(&r);
  return n;
}

/* One writer and one panel, alpha = {"v": N}: what most tests of the
 * writer start from. */
typedef struct alpha_set {
  char d[300];       /* PanelsDir: <dir>/<path> */
  char staging[320]; /* its staging directory */
  g6_panels_writer *w;
  g6_json *a;
  g6_panel_out p[1];
  g6_panels_result r;
  g6_error e;
} alpha_set;

/* Opens a writer (exchange mode, no key) on <dir>/<path>, after putting
 * `files` there (name, text, ..., NULL; NULL for none). */
static void alpha_open(alpha_set *f, const char *path,
                       const char *const *files) {
  memset(f, 0, sizeof(*f));
  snprintf(f->d, sizeof(f->d), "%s/%s", dir, path);
  const char *slash = strrchr(f->d, '/');
  snprintf(f->staging, sizeof(f->staging), "%.*s/.%s.g6-staging",
           (int)(slash - f->d), f->d, slash + 1);
  if (files != NULL && g6_mkdir_p(f->d, 0755, &f->e) != G6_OK)
    fail_msg("%s", f->e.msg);
  for (size_t i = 0; files != NULL && files[i] != NULL; i += 2)
    put(f->d, files[i], files[i + 1]);
  f->w = open_writer(f->d, false, NULL);
  f->a = parse("{\"v\":1}");
  f->p[0] = (g6_panel_out){"alpha", f->a, false};
}

/* One flush at `now`, alpha as it is. */
static g6_status alpha_write(alpha_set *f, double now) {
  return g6_panels_write(f->w, f->p, 1, now, 0, &f->r, &f->e);
}

/* One flush at `now` with alpha's v set to `v`. */
static g6_status alpha_flush(alpha_set *f, int64_t v, double now) {
  g6_json_object_set(f->a, "v", g6_json_int(v));
  return alpha_write(f, now);
}

static void alpha_close(alpha_set *f) {
  g6_panels_writer_close(f->w);
  g6_json_free(f->a);
}

/* Writes, rewrites and keeps files as the data changes, in both modes. */
static void writes_only_what_changed(bool per_file) {
  char d[300];
  snprintf(d, sizeof(d), "%s/%s/panels", dir, per_file ? "file" : "set");
  g6_panels_writer *w = open_writer(d, per_file, "k3y");
  g6_json *a = parse("{\"x\":1}"), *b = parse("[1,2]");
  g6_panel_out p[] = {{"alpha", a, false}, {"beta", b, false}};
  g6_panels_result r;
  g6_error e;
  assert_int_equal(g6_panels_write(w, p, 2, 1000, 2, &r, &e), G6_OK);
  assert_int_equal(r.written, 2);
  assert_true(r.manifest_written);
  assert_int_equal(r.cycle, 1);
  assert_int_equal(r.exchange, !per_file);
  assert_int_equal(check(d, "k3y"), 0);
  char *alpha1 = slurp(d, "alpha_enveloped.json");
  ino_t alpha_ino = inode(d, "alpha_enveloped.json");
  char *man1 = slurp(d, "manifest.json");
  /* the same data again: nothing is written */
  assert_int_equal(g6_panels_write(w, p, 2, 2000, 2, &r, &e), G6_OK);
  assert_int_equal(r.written, 0);
  assert_false(r.manifest_written);
  char *man2 = slurp(d, "manifest.json");
  assert_string_equal(man1, man2);
  /* beta changes: alpha keeps its bytes (and updated_at) */
  g6_json_array_push(b, g6_json_int(3));
  assert_int_equal(g6_panels_write(w, p, 2, 3000, 2, &r, &e), G6_OK);
  assert_int_equal(r.written, 1);
  assert_false(r.changed[0]);
  assert_true(r.changed[1]);
  assert_int_equal(r.cycle, 2);
  char *alpha2 = slurp(d, "alpha_enveloped.json");
  assert_string_equal(alpha1, alpha2);
  if (!per_file) /* carried over by a hard link */
    assert_int_equal(inode(d, "alpha_enveloped.json"), alpha_ino);
  assert_int_equal(check(d, "k3y"), 0);
  assert_int_equal(check(d, "wrong key"), 1);
  g6_panels_writer_close(w);
  /* a restart finds the files unchanged and continues the cycle */
  w = open_writer(d, per_file, "k3y");
  assert_int_equal(g6_panels_write(w, p, 2, 4000, 2, &r, &e), G6_OK);
  assert_int_equal(r.written, 0);
  assert_false(r.manifest_written);
  g6_json_object_set(a, "x", g6_json_int(2));
  assert_int_equal(g6_panels_write(w, p, 2, 5000, -1, &r, &e), G6_OK);
  assert_int_equal(r.written, 1);
  assert_int_equal(r.cycle, 3);
  char *man3 = slurp(d, "manifest.json");
  g6_json *m = parse(man3);
  assert_int_equal(g6_json_type_of(g6_json_object_get(m, "indices_count")),
                   G6_JSON_NULL);
  assert_string_equal(
      g6_json_get_string(g6_json_object_get(m, "generator"), NULL),
      "PanelsWriter");
  assert_int_equal(g6_json_count(m), 9); /* the old schema's keys, no more */
  g6_json_free(m);
  assert_int_equal(check(d, "k3y"), 0);
  g6_panels_writer_close(w);
  free(alpha1);
  free(alpha2);
  free(man1);
  free(man2);
  free(man3);
  g6_json_free(a);
  g6_json_free(b);
}

static void set_exchange(void **state) {
  (void)state;
  writes_only_what_changed(false);
}

static void set_per_file(void **state) {
  (void)state;
  writes_only_what_changed(true);
}

static void carries_foreign_files_and_refuses_subdirs(void **state) {
  (void)state;
  char d[300], path[400];
  snprintf(d, sizeof(d), "%s/foreign/panels", dir);
  g6_error e;
  assert_int_equal(g6_mkdir_p(d, 0755, &e), G6_OK);
  snprintf(path, sizeof(path), "%s/indices_stream.json", d);
  assert_int_equal(g6_atomic_write(path, "[]", 2, 0644, false, &e), G6_OK);
  g6_panels_writer *w = open_writer(d, false, NULL);
  g6_json *a = parse("{}");
  g6_panel_out p[] = {{"alpha", a, false}};
  g6_panels_result r;
  assert_int_equal(g6_panels_write(w, p, 1, 1, 0, &r, &e), G6_OK);
  assert_true(r.exchange);
  char *kept = slurp(d, "indices_stream.json");
  assert_non_null(kept);
  assert_string_equal(kept, "[]");
  free(kept);
  /* no key: no signature file, also none left from an earlier keyed run */
  assert_null(slurp(d, "manifest.json.sig"));
  snprintf(path, sizeof(path), "%s/manifest.json.sig", d);
  assert_int_equal(g6_atomic_write(path, "x", 1, 0644, false, &e), G6_OK);
  g6_json_object_set(a, "changed", g6_json_bool(true));
  assert_int_equal(g6_panels_write(w, p, 1, 2, 0, &r, &e), G6_OK);
  assert_null(slurp(d, "manifest.json.sig"));
  g6_panels_writer_close(w);
  g6_json_free(a);
  snprintf(path, sizeof(path), "%s/sub", d);
  mkdir(path, 0755);
  g6_panels_writer_opts o = {.dir = d, .source = "g6_panels"};
  w = NULL;
  assert_int_equal(g6_panels_writer_open(&o, &w, &e), G6_EEXIST);
  assert_null(w);
  assert_non_null(strstr(e.msg, "holds the directory \"sub\""));
}

/* Strict validation keeps the previous file and its hash. */
static void kept_panel_stays_listed(void **state) {
  (void)state;
  alpha_set f;
  alpha_open(&f, "keep/panels", NULL);
  assert_int_equal(alpha_write(&f, 1), G6_OK);
  char *before = slurp(f.d, "alpha_enveloped.json");
  g6_json_object_set(f.a, "v", g6_json_int(2));
  f.p[0].keep = true;
  assert_int_equal(alpha_write(&f, 2), G6_OK);
  assert_int_equal(f.r.written, 0);
  char *after = slurp(f.d, "alpha_enveloped.json");
  assert_string_equal(before, after);
  assert_int_equal(check(f.d, NULL), 0);
  free(before);
  free(after);
  alpha_close(&f);
}


/* ---- other programs' files (review finding: a directory created after
 * start-up ended up in the staging directory, and a file created during a
 * flush was deleted by the next one) ----------------------------------------- */

static char race_dir[300];

/* What other programs do while a set is being built: a directory with a
 * file, a new file, and an atomic rewrite of a file already carried over. */
static void arrive_mid_flush(void) {
  char sub[400];
  snprintf(sub, sizeof(sub), "%s/NIFTY", race_dir);
  assert_int_equal(mkdir(sub, 0755), 0);
  put(sub, "data.csv", "row\n");
  put(race_dir, "late.txt", "late");
  put(race_dir, "notes.txt", "v2");
}

static void foreign_entries_arriving_mid_flush_stay(void **state) {
  (void)state;
  alpha_set f;
  alpha_open(&f, "race/shared",
             (const char *[]){"important.txt", "keep", "notes.txt", "v1", NULL});
  snprintf(race_dir, sizeof(race_dir), "%s", f.d);
  assert_int_equal(alpha_write(&f, 1), G6_OK);
  assert_true(f.r.exchange);
  /* they arrive between reading PanelsDir and the exchange: all of it is in
   * PanelsDir afterwards, the rewrite included, and nothing in staging */
  g6_json_object_set(f.a, "v", g6_json_int(2));
  before_exchange = arrive_mid_flush;
  assert_int_equal(alpha_write(&f, 2), G6_OK);
  assert_null(before_exchange);
  assert_true(f.r.exchange);
  assert_false(f.r.fell_back);
  char sub[400];
  snprintf(sub, sizeof(sub), "%s/NIFTY", race_dir);
  assert_text(sub, "data.csv", "row\n");
  assert_text(race_dir, "late.txt", "late");
  assert_text(race_dir, "notes.txt", "v2");
  assert_text(race_dir, "important.txt", "keep");
  assert_text(f.staging, "late.txt", NULL);
  assert_text(f.staging, "notes.txt", NULL);
  snprintf(sub, sizeof(sub), "%s/NIFTY", f.staging);
  struct stat st;
  assert_int_not_equal(stat(sub, &st), 0);
  assert_int_equal(check(race_dir, NULL), 0);
  /* the next flush finds the directory: it writes file by file, says why,
   * and leaves everything that is not g6's as it is */
  assert_int_equal(alpha_flush(&f, 3, 3), G6_OK);
  assert_true(f.r.fell_back);
  assert_true(f.r.for_good);
  assert_false(f.r.exchange);
  assert_non_null(strstr(f.r.fallback_reason, "holds the directory \"NIFTY\", "
                                            "which is not g6's: it is left in "
                                            "place"));
  assert_int_equal(f.r.written, 1);
  assert_text(f.staging, "late.txt", NULL); /* no second link left behind */
  assert_text(f.staging, "important.txt", NULL);
  assert_int_equal(alpha_flush(&f, 4, 4), G6_OK);
  assert_false(f.r.fell_back);
  assert_int_equal(check(race_dir, NULL), 0);
  char *alpha = slurp(race_dir, "alpha_enveloped.json");
  assert_non_null(strstr(alpha, "\"v\": 4"));
  free(alpha);
  snprintf(sub, sizeof(sub), "%s/NIFTY", race_dir);
  assert_text(sub, "data.csv", "row\n");
  assert_text(race_dir, "late.txt", "late");
  assert_text(race_dir, "notes.txt", "v2");
  assert_text(race_dir, "important.txt", "keep");
  alpha_close(&f);
}

/* What a crash between an exchange and moving entries back leaves in the
 * staging directory goes back into PanelsDir; an entry that cannot go back
 * stays, and the writer leaves the staging directory alone from then on. */
static void staging_leftovers_go_back(void **state) {
  (void)state;
  alpha_set f;
  alpha_open(&f, "left/panels", NULL);
  assert_int_equal(alpha_write(&f, 1), G6_OK);
  put(f.staging, "orphan.csv", "o");
  assert_int_equal(alpha_flush(&f, 2, 2), G6_OK);
  assert_true(f.r.exchange);
  assert_false(f.r.fell_back);
  assert_text(f.d, "orphan.csv", "o");
  assert_int_equal(check(f.d, NULL), 0);
  /* PanelsDir holds another clash.txt meanwhile: both stay */
  put(f.staging, "clash.txt", "old");
  put(f.d, "clash.txt", "new");
  assert_int_equal(alpha_flush(&f, 3, 3), G6_OK);
  assert_true(f.r.fell_back);
  assert_true(f.r.for_good);
  assert_non_null(strstr(f.r.fallback_reason, "clash.txt is not g6's and "
                                            "cannot be moved back"));
  assert_text(f.d, "clash.txt", "new");
  assert_text(f.staging, "clash.txt", "old");
  assert_text(f.d, "orphan.csv", "o");
  assert_int_equal(check(f.d, NULL), 0);
  assert_int_equal(alpha_flush(&f, 4, 4), G6_OK);
  assert_text(f.staging, "clash.txt", "old");
  assert_int_equal(check(f.d, NULL), 0);
  alpha_close(&f);
}

/* Another program deletes or rewrites (by rename) its file in PanelsDir
 * between two flushes; PanelsDir is removed while no writer runs. The
 * previous set used to stay in the staging directory until the next flush,
 * whose second links brought the deleted file back, ended whole sets for
 * good over the rewritten one ("cannot be moved back"), and brought every
 * file of a removed PanelsDir back at the next start. */
static void foreign_files_changed_between_flushes(void **state) {
  (void)state;
  char path[400], cmd[700];
  alpha_set f;
  alpha_open(&f, "between/panels",
             (const char *[]){"deleted.txt", "d", "rewritten.txt", "v1", NULL});
  assert_int_equal(alpha_write(&f, 1), G6_OK);
  assert_true(f.r.exchange);
  snprintf(path, sizeof(path), "%s/deleted.txt", f.d);
  assert_int_equal(unlink(path), 0);
  put(f.d, "rewritten.txt", "v2");
  assert_int_equal(alpha_flush(&f, 2, 2), G6_OK);
  assert_true(f.r.exchange);
  assert_false(f.r.fell_back);
  assert_text(f.d, "deleted.txt", NULL);
  assert_text(f.d, "rewritten.txt", "v2");
  assert_int_equal(entries(f.staging), 0); /* nothing of the previous set */
  assert_int_equal(check(f.d, NULL), 0);
  g6_panels_writer_close(f.w);
  /* removed while collectd is stopped: the next start begins empty */
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f.d);
  assert_int_equal(system(cmd), 0);
  f.w = open_writer(f.d, false, NULL);
  assert_int_equal(alpha_write(&f, 3), G6_OK);
  assert_true(f.r.exchange);
  assert_text(f.d, "rewritten.txt", NULL);
  assert_int_equal(entries(f.d), 2); /* alpha and the manifest */
  assert_int_equal(check(f.d, NULL), 0);
  alpha_close(&f);
}

/* ---- entries that are not g6's at g6's own names (review finding: a
 * directory an operator made at PanelsDir/manifest.json was moved into the
 * staging directory by the next swap; a symbolic link or FIFO at a panel's,
 * the signature's or a temporary file's name was deleted or replaced) ---- */

/* The type of d/name (S_IFDIR, S_IFLNK...; 0 when there is none), and its
 * inode. */
static mode_t kind_of(const char *d, const char *name, ino_t *ino) {
  char path[512];
  struct stat st;
  snprintf(path, sizeof(path), "%s/%s", d, name);
  if (lstat(path, &st) != 0)
    return 0;
  if (ino != NULL)
    *ino = st.st_ino;
  return st.st_mode & S_IFMT;
}

/* Whether manifest.json in d lists `file`. */
static bool listed_in_manifest(const char *d, const char *file) {
  char *text = slurp(d, "manifest.json");
  assert_non_null(text);
  g6_json *m = parse(text);
  bool found = g6_json_object_get(g6_json_object_get(m, "hashes"), file) != NULL;
  g6_json_free(m);
  free(text);
  return found;
}

/* A directory at manifest.json stays where it is, with what it holds: the
 * flush fails naming it (no manifest can be written, so no set would
 * verify), and once it is moved away the next flush writes the set whole
 * again, even with no data changed since. */
static void dir_at_manifest_stays(void **state) {
  (void)state;
  alpha_set f;
  alpha_open(&f, "ownname/manifest", NULL);
  assert_int_equal(alpha_write(&f, 1), G6_OK);
  char man[400], cmd[500];
  snprintf(man, sizeof(man), "%s/manifest.json", f.d);
  assert_int_equal(unlink(man), 0);
  assert_int_equal(mkdir(man, 0755), 0);
  put(man, "theirs.txt", "t");
  ino_t before = 0, after = 0;
  assert_int_equal(kind_of(f.d, "manifest.json", &before), S_IFDIR);
  g6_status st = alpha_flush(&f, 2, 2);
  assert_int_equal(kind_of(f.d, "manifest.json", &after), S_IFDIR);
  assert_int_equal(after, before);
  assert_text(man, "theirs.txt", "t");
  assert_int_equal(kind_of(f.staging, "manifest.json", NULL), 0);
  assert_int_equal(st, G6_EEXIST);
  if (strstr(f.e.msg, "manifest.json is a directory, which is not g6's: it "
                      "is left in place") == NULL)
    fail_msg("got: %s", f.e.msg);
  assert_false(f.r.manifest_written);
  assert_int_equal(f.r.written, 0);
  assert_true(f.r.changed[0]); /* due, and not written */
  char *alpha = slurp(f.d, "alpha_enveloped.json");
  assert_non_null(strstr(alpha, "\"v\": 1"));
  free(alpha);
  /* nothing else due: still refused, never skipped silently */
  assert_int_equal(alpha_flush(&f, 1, 3), G6_EEXIST);
  assert_int_equal(kind_of(f.d, "manifest.json", &after), S_IFDIR);
  assert_int_equal(after, before);
  /* moved away: the whole set again, although alpha did not change */
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", man);
  assert_int_equal(system(cmd), 0);
  assert_int_equal(alpha_write(&f, 4), G6_OK);
  assert_true(f.r.exchange);
  assert_false(f.r.fell_back);
  assert_true(f.r.manifest_written);
  assert_int_equal(check(f.d, NULL), 0);
  alpha_close(&f);
}

/* A panel file or manifest someone removed between two flushes is written
 * again by the next one, even with no data changed: the manifest never
 * lists a file that is not there (a set used to carry the listing over
 * without the file, an integrity "missing" until the data changed). */
static void removed_files_written_again(void **state) {
  (void)state;
  const char *gone[] = {"alpha_enveloped.json", "manifest.json"};
  for (int per_file = 0; per_file < 2; per_file++)
    for (size_t i = 0; i < 2; i++) {
      char sub[64], path[400];
      snprintf(sub, sizeof(sub), "ownname/removed%d%zu", per_file, i);
      alpha_set f;
      alpha_open(&f, sub, NULL);
      g6_panels_writer_close(f.w);
      f.w = open_writer(f.d, per_file, NULL);
      assert_int_equal(alpha_write(&f, 1), G6_OK);
      snprintf(path, sizeof(path), "%s/%s", f.d, gone[i]);
      assert_int_equal(unlink(path), 0);
      assert_int_equal(alpha_write(&f, 2), G6_OK);
      assert_true(f.r.manifest_written);
      assert_int_equal(f.r.written, i == 0 ? 1 : 0);
      assert_int_equal(check(f.d, NULL), 0);
      alpha_close(&f);
    }
}

/* A symbolic link an operator put at a panel's name (the panel itself
 * removed) is neither replaced nor deleted, as a set or file by file: the
 * panel is not written, left out of the manifest (the rest verifies) and
 * reported; once the name is free it is written and listed again. */
static void link_at_panel_stays(bool per_file) {
  alpha_set f;
  alpha_open(&f, per_file ? "ownname/link_file" : "ownname/link_set", NULL);
  g6_panels_writer_close(f.w);
  f.w = open_writer(f.d, per_file, NULL);
  assert_int_equal(alpha_write(&f, 1), G6_OK);
  char target[400], link[400], text[400];
  snprintf(target, sizeof(target), "%s.theirs.json", f.d);
  snprintf(link, sizeof(link), "%s/alpha_enveloped.json", f.d);
  put(dir, target + strlen(dir) + 1, "{\"theirs\":true}");
  assert_int_equal(unlink(link), 0);
  assert_int_equal(symlink(target, link), 0);
  assert_int_equal(alpha_flush(&f, 2, 2), G6_OK);
  assert_int_equal(kind_of(f.d, "alpha_enveloped.json", NULL), S_IFLNK);
  ssize_t k = readlink(link, text, sizeof(text) - 1);
  assert_true(k > 0);
  text[k] = '\0';
  assert_string_equal(text, target);
  assert_text(dir, target + strlen(dir) + 1, "{\"theirs\":true}");
  assert_false(f.r.changed[0]);
  assert_int_equal(f.r.written, 0);
  assert_true(f.r.manifest_written);
  assert_false(listed_in_manifest(f.d, "alpha_enveloped.json"));
  assert_int_equal(check(f.d, NULL), 0);
  assert_int_equal(f.r.exchange, !per_file);
  assert_false(f.r.fell_back);
  if (!per_file)
    assert_int_equal(entries(f.staging), 0);
  /* reported: blocked, not written, and told once */
  assert_true(f.r.blocked[0]);
  assert_int_equal(f.r.n_blocked, 1);
  if (strstr(f.r.blocked_news, "panel alpha is not written: ") == NULL ||
      strstr(f.r.blocked_news, "/alpha_enveloped.json is a symbolic link, "
                               "which is not g6's: it is left in place") ==
          NULL)
    fail_msg("got: %s", f.r.blocked_news);
  assert_int_equal(alpha_flush(&f, 3, 3), G6_OK);
  assert_true(f.r.blocked[0]);
  assert_false(f.r.changed[0]);
  assert_false(f.r.manifest_written); /* it already leaves alpha out */
  assert_string_equal(f.r.blocked_news, "");
  assert_int_equal(kind_of(f.d, "alpha_enveloped.json", NULL), S_IFLNK);
  /* the link removed: alpha is written and listed again */
  assert_int_equal(unlink(link), 0);
  assert_int_equal(alpha_write(&f, 4), G6_OK);
  assert_false(f.r.blocked[0]);
  assert_int_equal(f.r.n_blocked, 0);
  if (strstr(f.r.blocked_news, "is free again") == NULL)
    fail_msg("got: %s", f.r.blocked_news);
  assert_true(f.r.changed[0]);
  assert_int_equal(f.r.written, 1);
  assert_true(listed_in_manifest(f.d, "alpha_enveloped.json"));
  assert_int_equal(check(f.d, NULL), 0);
  alpha_close(&f);
}

static void link_at_panel_set(void **state) {
  (void)state;
  link_at_panel_stays(false);
}

static void link_at_panel_per_file(void **state) {
  (void)state;
  link_at_panel_stays(true);
}

/* Without a key, a symbolic link at manifest.json.sig and a FIFO at the
 * name of one of g6's temporary files are another program's: carried over
 * (or left alone file by file), never deleted. With a key, the signature
 * cannot be written: the flush fails naming it, and the FIFO stays. */
static void links_and_fifos_at_own_names(bool per_file) {
  alpha_set f;
  alpha_open(&f, per_file ? "ownname/sig_file" : "ownname/sig_set", NULL);
  g6_panels_writer_close(f.w);
  f.w = open_writer(f.d, per_file, NULL);
  assert_int_equal(alpha_write(&f, 1), G6_OK);
  char path[400], text[64];
  snprintf(path, sizeof(path), "%s/manifest.json.sig", f.d);
  assert_int_equal(symlink("elsewhere", path), 0);
  snprintf(path, sizeof(path), "%s/.alpha_enveloped.json.tmp.AbC123", f.d);
  assert_int_equal(mkfifo(path, 0600), 0);
  ino_t fifo = 0, now = 0;
  kind_of(f.d, ".alpha_enveloped.json.tmp.AbC123", &fifo);
  assert_int_equal(alpha_flush(&f, 2, 2), G6_OK);
  assert_int_equal(f.r.written, 1);
  assert_int_equal(f.r.exchange, !per_file);
  assert_int_equal(kind_of(f.d, "manifest.json.sig", NULL), S_IFLNK);
  snprintf(path, sizeof(path), "%s/manifest.json.sig", f.d);
  ssize_t k = readlink(path, text, sizeof(text) - 1);
  assert_int_equal(k, 9);
  assert_int_equal(kind_of(f.d, ".alpha_enveloped.json.tmp.AbC123", &now),
                   S_IFIFO);
  assert_int_equal(now, fifo);
  if (!per_file)
    assert_int_equal(entries(f.staging), 0);
  assert_int_equal(check(f.d, NULL), 0);
  alpha_close(&f);
  /* with a key the signature's name must be g6's */
  alpha_open(&f, per_file ? "ownname/fifo_file" : "ownname/fifo_set", NULL);
  g6_panels_writer_close(f.w);
  f.w = open_writer(f.d, per_file, "k3y");
  assert_int_equal(alpha_write(&f, 1), G6_OK);
  snprintf(path, sizeof(path), "%s/manifest.json.sig", f.d);
  assert_int_equal(unlink(path), 0);
  assert_int_equal(mkfifo(path, 0600), 0);
  kind_of(f.d, "manifest.json.sig", &fifo);
  assert_int_equal(alpha_flush(&f, 2, 2), G6_EEXIST);
  if (strstr(f.e.msg, "manifest.json.sig is a FIFO, which is not g6's") ==
      NULL)
    fail_msg("got: %s", f.e.msg);
  assert_int_equal(kind_of(f.d, "manifest.json.sig", &now), S_IFIFO);
  assert_int_equal(now, fifo);
  assert_int_equal(unlink(path), 0);
  assert_int_equal(alpha_write(&f, 3), G6_OK);
  assert_int_equal(check(f.d, "k3y"), 0);
  alpha_close(&f);
}

static void own_names_taken_set(void **state) {
  (void)state;
  links_and_fifos_at_own_names(false);
}

static void own_names_taken_per_file(void **state) {
  (void)state;
  links_and_fifos_at_own_names(true);
}

/* A directory at a panel's name, at the signature's (no key) or at a
 * temporary file's is left in place like any directory in PanelsDir: no
 * set is swapped in (it would move the directory into the staging
 * directory), the flush writes file by file, and the panel whose name is
 * taken is not written and not listed. */
static void dirs_at_own_names_stay(void **state) {
  (void)state;
  alpha_set f;
  alpha_open(&f, "ownname/dirpanel", NULL);
  assert_int_equal(alpha_write(&f, 1), G6_OK);
  char path[400];
  snprintf(path, sizeof(path), "%s/alpha_enveloped.json", f.d);
  assert_int_equal(unlink(path), 0);
  assert_int_equal(mkdir(path, 0755), 0);
  put(path, "theirs.txt", "t");
  ino_t before = 0, after = 0;
  kind_of(f.d, "alpha_enveloped.json", &before);
  assert_int_equal(alpha_flush(&f, 2, 2), G6_OK);
  assert_int_equal(kind_of(f.d, "alpha_enveloped.json", &after), S_IFDIR);
  assert_int_equal(after, before);
  assert_text(path, "theirs.txt", "t");
  assert_int_equal(entries(f.staging), 0);
  assert_false(f.r.exchange);
  assert_true(f.r.fell_back);
  assert_true(f.r.for_good);
  assert_int_equal(f.r.written, 0);
  assert_false(f.r.changed[0]);
  assert_true(f.r.blocked[0]);
  if (strstr(f.r.blocked_news, "alpha_enveloped.json is a directory") == NULL)
    fail_msg("got: %s", f.r.blocked_news);
  assert_true(f.r.manifest_written);
  assert_false(listed_in_manifest(f.d, "alpha_enveloped.json"));
  assert_int_equal(check(f.d, NULL), 0);
  alpha_close(&f);
  /* the signature's and a temporary file's names */
  const char *names[] = {"manifest.json.sig", ".manifest.json.tmp.Xy9876"};
  for (size_t i = 0; i < 2; i++) {
    char sub[64];
    snprintf(sub, sizeof(sub), "ownname/dir%zu", i);
    alpha_open(&f, sub, NULL);
    assert_int_equal(alpha_write(&f, 1), G6_OK);
    snprintf(path, sizeof(path), "%s/%s", f.d, names[i]);
    assert_int_equal(mkdir(path, 0755), 0);
    kind_of(f.d, names[i], &before);
    assert_int_equal(alpha_flush(&f, 2, 2), G6_OK);
    assert_int_equal(kind_of(f.d, names[i], &after), S_IFDIR);
    assert_int_equal(after, before);
    assert_int_equal(entries(f.staging), 0);
    assert_false(f.r.exchange);
    assert_true(f.r.fell_back);
    assert_true(f.r.for_good);
    assert_int_equal(f.r.written, 1);
    assert_int_equal(check(f.d, NULL), 0);
    alpha_close(&f);
  }
}

/* ---- a crash inside a flush (the known gap of the last version: after a
 * crash between a swap and its cleanup, the staging directory's second
 * links could not be told from files other programs wrote into PanelsDir
 * during that flush, so one its owner deleted before the restart came
 * back, and one it rewrote by rename ended whole sets) ------------------- */

/* Whether the other program rewrites its files (by rename) in the
 * scenario, or only creates and deletes. */
static bool crash_rewrites;

/* Another program during the crashed flush: a new file and an atomic
 * rewrite of one already carried over. */
static void arrive_before_crash(void) {
  put(race_dir, "late.txt", "late");
  if (crash_rewrites)
    put(race_dir, "kept.txt", "k2");
}

/* Runs one flush (alpha = 2) in a child that dies at `at`. */
static void crash_in_flush(alpha_set *f, enum crash_point at) {
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    crash_at = at;
    crash_links = 3; /* the three files carried over */
    if (at != CRASH_LINKED)
      before_exchange = arrive_before_crash;
    alpha_flush(f, 2, 2);
    _exit(1); /* finished: the crash point was never reached */
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

static void crash_scenario(enum crash_point at, const char *path,
                           bool rewrites) {
  crash_rewrites = rewrites;
  alpha_set f;
  alpha_open(&f, path,
             (const char *[]){"deleted.txt", "d", "rewritten.txt", "v1",
                              "kept.txt", "k", NULL});
  snprintf(race_dir, sizeof(race_dir), "%s", f.d);
  assert_int_equal(alpha_write(&f, 1), G6_OK);
  assert_true(f.r.exchange);
  crash_in_flush(&f, at);
  g6_panels_writer_close(f.w); /* the crashed collectd is gone */
  assert_true(entries(f.staging) > 0); /* what the crash left */
  /* before the restart the owner deletes one of its files and rewrites
   * another by rename (in the scenario that rewrites) */
  char path_[400];
  snprintf(path_, sizeof(path_), "%s/deleted.txt", f.d);
  assert_int_equal(unlink(path_), 0);
  if (rewrites)
    put(f.d, "rewritten.txt", "v2");
  f.w = open_writer(f.d, false, NULL);
  assert_int_equal(alpha_flush(&f, 3, 3), G6_OK);
  if (f.r.fell_back)
    fail_msg("fell back: %s", f.r.fallback_reason);
  assert_true(f.r.exchange);
  assert_text(f.d, "deleted.txt", NULL); /* not resurrected */
  assert_text(f.d, "rewritten.txt", rewrites ? "v2" : "v1");
  assert_text(f.d, "kept.txt", at == CRASH_LINKED || !rewrites ? "k" : "k2");
  assert_text(f.d, "late.txt", at == CRASH_LINKED ? NULL : "late");
  assert_int_equal(entries(f.staging), 0);
  assert_int_equal(check(f.d, NULL), 0);
  char *alpha = slurp(f.d, "alpha_enveloped.json");
  assert_non_null(strstr(alpha, "\"v\": 3"));
  free(alpha);
  assert_int_equal(alpha_flush(&f, 4, 4), G6_OK);
  assert_true(f.r.exchange);
  assert_false(f.r.fell_back);
  assert_text(f.d, "deleted.txt", NULL);
  assert_text(f.d, "rewritten.txt", rewrites ? "v2" : "v1");
  assert_int_equal(check(f.d, NULL), 0);
  alpha_close(&f);
}

/* Both scenarios, each in its own directory under `path`. */
static void crash_leftovers_told_apart(enum crash_point at, const char *path) {
  char sub[200];
  snprintf(sub, sizeof(sub), "%s-deletes/panels", path);
  crash_scenario(at, sub, false);
  snprintf(sub, sizeof(sub), "%s-rewrites/panels", path);
  crash_scenario(at, sub, true);
}

static void crash_after_exchange(void **state) {
  (void)state;
  crash_leftovers_told_apart(CRASH_AFTER_EXCHANGE, "crash-after");
}

static void crash_before_exchange(void **state) {
  (void)state;
  crash_leftovers_told_apart(CRASH_BEFORE_EXCHANGE, "crash-before");
}

static void crash_while_linking(void **state) {
  (void)state;
  crash_leftovers_told_apart(CRASH_LINKED, "crash-linked");
}

/* A journal that is torn, or another directory's, is not used: the staging
 * directory is told apart as without one (what PanelsDir does not hold goes
 * back), nothing is lost and sets go on. */
static void unusable_journal_ignored(void **state) {
  (void)state;
  alpha_set f;
  alpha_open(&f, "journal/panels", (const char *[]){"theirs.txt", "t", NULL});
  assert_int_equal(alpha_write(&f, 1), G6_OK);
  char jname[64];
  g6_panels_journal_name("panels", jname, sizeof(jname));
  assert_string_equal(jname, ".panels.g6-journal");
  char jdir[320];
  snprintf(jdir, sizeof(jdir), "%s/journal", dir);
  char *j = slurp(jdir, jname);
  assert_non_null(j);
  assert_non_null(strstr(j, "g6-panels-journal 1\ndirs "));
  assert_non_null(strstr(j, " 7468656972732e747874\n")); /* theirs.txt */
  /* torn: the checksum no longer matches; a file listed by it stays */
  j[strlen(j) - 3] = j[strlen(j) - 3] == '0' ? '1' : '0';
  put(jdir, jname, j);
  free(j);
  put(f.staging, "orphan.txt", "o");
  assert_int_equal(alpha_flush(&f, 2, 2), G6_OK);
  assert_true(f.r.exchange);
  assert_false(f.r.fell_back);
  assert_text(f.d, "orphan.txt", "o");
  assert_text(f.d, "theirs.txt", "t");
  /* another directory's journal */
  put(jdir, jname, "g6-panels-journal 1\ndirs 1 2\n");
  put(f.staging, "orphan2.txt", "o2");
  assert_int_equal(alpha_flush(&f, 3, 3), G6_OK);
  assert_false(f.r.fell_back);
  assert_text(f.d, "orphan2.txt", "o2");
  assert_int_equal(entries(f.staging), 0);
  assert_int_equal(check(f.d, NULL), 0);
  alpha_close(&f);
}

/* Writes a valid journal (its checksum right) into `jdir` for a set built
 * in the staging directory there now (each exchange swaps the inodes of
 * it and PanelsDir), listing `lines` ("<inode> <name in hex>\n" each). */
static void plant_journal(const char *jdir, const g6_buf *lines) {
  ino_t sino = inode(jdir, ".panels.g6-staging"), dino = inode(jdir, "panels");
  assert_true(sino != 0 && dino != 0);
  g6_buf b = G6_BUF_INIT;
  char sum[65];
  assert_int_equal(g6_buf_printf(&b, "g6-panels-journal 1\ndirs %llu %llu\n",
                                 (unsigned long long)sino,
                                 (unsigned long long)dino),
                   G6_OK);
  assert_int_equal(g6_buf_append(&b, lines->data, lines->len), G6_OK);
  assert_int_equal(g6_sha256_hex(b.data, b.len, sum), G6_OK);
  assert_int_equal(g6_buf_printf(&b, "sha256 %s\n", sum), G6_OK);
  char path[400];
  g6_error e;
  snprintf(path, sizeof(path), "%s/.panels.g6-journal", jdir);
  if (g6_atomic_write(path, b.data, b.len, 0600, false, &e) != G6_OK)
    fail_msg("%s", e.msg);
  g6_buf_free(&b);
}

/* "<inode> <name in hex>\n" */
static void journal_line(g6_buf *b, const char *ino, const char *name) {
  assert_int_equal(g6_buf_printf(b, "%s ", ino), G6_OK);
  for (const unsigned char *c = (const unsigned char *)name; *c; c++)
    assert_int_equal(g6_buf_printf(b, "%02x", *c), G6_OK);
  assert_int_equal(g6_buf_putc(b, '\n'), G6_OK);
}

/* A journal's checksum has no key, so a valid one can be planted beside
 * PanelsDir. One that lists more than G6_PANELS_JOURNAL_MAX_FILES files,
 * or is longer than such a journal can be, is not used (a file in the
 * staging directory it names goes back to PanelsDir, as without a
 * journal), and costs the flush no memory: a planted 16 MB journal of
 * 1.3 million short names (inside the old 64 MiB limit) grows a flush's
 * peak by less than 12 MB, so it is not even read (it was read whole and
 * its map built: ~110 MB more). The longest journal g6 can write (that
 * many files, each of NAME_MAX bytes, 20-digit inodes) is still used: the
 * file it names in a set never swapped in goes. */
static void planted_journal_bounded(void **state) {
  (void)state;
  alpha_set f;
  alpha_open(&f, "jhuge/panels", (const char *[]){"theirs.txt", "t", NULL});
  assert_int_equal(alpha_write(&f, 1), G6_OK);
  assert_true(f.r.exchange);
  char jdir[320];
  snprintf(jdir, sizeof(jdir), "%s/jhuge", dir);
  /* the longest journal g6 can write: used */
  g6_buf lines = G6_BUF_INIT;
  journal_line(&lines, "18446744073709551615", "orphan.txt");
  char name[NAME_MAX + 1];
  for (int i = 1; i < G6_PANELS_JOURNAL_MAX_FILES; i++) {
    memset(name, 'n', NAME_MAX);
    name[NAME_MAX] = '\0';
    char num[16];
    snprintf(num, sizeof(num), "%08d", i);
    memcpy(name, num, 8);
    journal_line(&lines, "10000000000000000000", name);
  }
  plant_journal(jdir, &lines);
  put(f.staging, "orphan.txt", "o");
  assert_int_equal(alpha_flush(&f, 2, 2), G6_OK);
  assert_true(f.r.exchange);
  assert_false(f.r.fell_back);
  assert_text(f.d, "orphan.txt", NULL); /* listed: g6's link, gone */
  assert_int_equal(entries(f.staging), 0);
  /* one file more: not used, the file goes back */
  journal_line(&lines, "1", "x");
  plant_journal(jdir, &lines);
  g6_buf_free(&lines);
  put(f.staging, "orphan.txt", "o");
  assert_int_equal(alpha_flush(&f, 3, 3), G6_OK);
  assert_false(f.r.fell_back);
  assert_text(f.d, "orphan.txt", "o");
  assert_int_equal(entries(f.staging), 0);
  char orphan[400];
  snprintf(orphan, sizeof(orphan), "%s/orphan.txt", f.d);
  assert_int_equal(unlink(orphan), 0);
  /* 16 MB of short names: not used, and not read */
  journal_line(&lines, "1", "orphan.txt");
  while (lines.len < (16u << 20)) {
    unsigned v = (unsigned)(lines.len / 13);
    for (int k = 0; k < 5; k++, v /= 26)
      name[k] = (char)('a' + v % 26);
    name[5] = '\0';
    journal_line(&lines, "1", name);
  }
  plant_journal(jdir, &lines);
  g6_buf_free(&lines);
  put(f.staging, "orphan.txt", "o");
  fflush(NULL);
  /* the flush in a child, against a child that does nothing (the
   * baseline: this process's own pages, the sanitizers') */
  long peak[2];
  for (int flush = 0; flush < 2; flush++) {
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
      _exit(flush && alpha_flush(&f, 4, 4) != G6_OK ? 1 : 0);
    int status;
    struct rusage ru;
    assert_int_equal(wait4(pid, &status, 0, &ru), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    peak[flush] = ru.ru_maxrss;
  }
  print_message("# peak %ld kB, %ld kB of it before the flush\n", peak[1],
                peak[0]);
  assert_text(f.d, "orphan.txt", "o");
  assert_int_equal(entries(f.staging), 0);
  assert_true(peak[1] - peak[0] < 12 * 1024);
  assert_int_equal(check(f.d, NULL), 0);
  alpha_close(&f);
}

/* Another program's entry with the journal's name (a symbolic link, a
 * directory) is never followed or replaced: no set can be built without
 * the journal, so the flush writes file by file from then on and says
 * why. */
static void journal_name_taken(void **state) {
  (void)state;
  alpha_set f;
  alpha_open(&f, "jtaken/panels", NULL);
  char jdir[320], jpath[400], target[400];
  snprintf(jdir, sizeof(jdir), "%s/jtaken", dir);
  snprintf(jpath, sizeof(jpath), "%s/.panels.g6-journal", jdir);
  put(jdir, "target.txt", "theirs");
  snprintf(target, sizeof(target), "%s/target.txt", jdir);
  assert_int_equal(symlink(target, jpath), 0);
  assert_int_equal(alpha_write(&f, 1), G6_OK);
  assert_true(f.r.fell_back);
  assert_true(f.r.for_good);
  if (strstr(f.r.fallback_reason, "that name is not g6's") == NULL)
    fail_msg("got: %s", f.r.fallback_reason);
  assert_text(jdir, "target.txt", "theirs");
  assert_int_equal(entries(f.staging), 0);
  assert_int_equal(check(f.d, NULL), 0);
  alpha_close(&f);
}

/* Between the journal and the links another program deletes one file and
 * rewrites another by rename: neither is carried over (the journal is
 * written again without them, so it never names an inode the set does not
 * hold), the deleted one stays deleted and the rewrite ends up in
 * PanelsDir. */
static void changed_between_journal_and_link(void) {
  char path[400];
  snprintf(path, sizeof(path), "%s/gone.txt", race_dir);
  assert_int_equal(unlink(path), 0);
  put(race_dir, "swapped.txt", "s2");
}

static void files_changed_while_linking(void **state) {
  (void)state;
  alpha_set f;
  alpha_open(&f, "relink/panels",
             (const char *[]){"gone.txt", "g", "swapped.txt", "s1", "same.txt",
                              "x", NULL});
  snprintf(race_dir, sizeof(race_dir), "%s", f.d);
  assert_int_equal(alpha_write(&f, 1), G6_OK);
  before_link = changed_between_journal_and_link;
  assert_int_equal(alpha_flush(&f, 2, 2), G6_OK);
  assert_null(before_link);
  assert_true(f.r.exchange);
  assert_false(f.r.fell_back);
  assert_text(f.d, "gone.txt", NULL);
  assert_text(f.d, "swapped.txt", "s2");
  assert_text(f.d, "same.txt", "x");
  assert_int_equal(entries(f.staging), 0);
  char jdir[320];
  snprintf(jdir, sizeof(jdir), "%s/relink", dir);
  char *j = slurp(jdir, ".panels.g6-journal");
  assert_non_null(j);
  assert_non_null(strstr(j, " 73616d652e747874\n")); /* same.txt */
  assert_null(strstr(j, " 676f6e652e747874\n"));     /* gone.txt */
  assert_null(strstr(j, " 737761707065642e747874\n")); /* swapped.txt */
  free(j);
  assert_int_equal(check(f.d, NULL), 0);
  alpha_close(&f);
}

/* Between the journal and the links another program deletes a file
 * listed, so the journal is written again; the writer is killed while
 * it does (the journal truncated, not yet written). The staging directory
 * must not hold second links then: the owner deletes one carried file
 * and rewrites another before the restart, and neither the deleted file
 * comes back nor does the rewrite end whole sets. (Before: the journal
 * was rewritten in place beside the links, so after the kill it was torn
 * and the links were told apart without it.) */
static void deletes_one(void) {
  char path[400];
  snprintf(path, sizeof(path), "%s/gone.txt", race_dir);
  assert_int_equal(unlink(path), 0);
}

/* Between the journal and its link another program rewrites a file by
 * rename: the link made is of the newer version, which is not what the
 * journal lists, and the writer is killed before it removes that link.
 * The owner then deletes the file: it must not come back (the link is
 * g6's: a set never swapped in holds nothing else). */
static void rewrites_x(void) {
  put(race_dir, "x.txt", "x2");
}

static void crash_after_mislink(void **state) {
  (void)state;
  alpha_set f;
  alpha_open(&f, "mislink/panels", (const char *[]){"x.txt", "x1", NULL});
  snprintf(race_dir, sizeof(race_dir), "%s", f.d);
  assert_int_equal(alpha_write(&f, 1), G6_OK);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    crash_at = CRASH_LINKED;
    crash_links = 1;
    before_link = rewrites_x;
    alpha_flush(&f, 2, 2);
    _exit(1);
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_int_equal(WEXITSTATUS(status), 0);
  g6_panels_writer_close(f.w);
  char path[400];
  snprintf(path, sizeof(path), "%s/x.txt", f.d);
  assert_int_equal(unlink(path), 0); /* the owner deletes it */
  f.w = open_writer(f.d, false, NULL);
  assert_int_equal(alpha_flush(&f, 3, 3), G6_OK);
  assert_true(f.r.exchange);
  assert_false(f.r.fell_back);
  assert_text(f.d, "x.txt", NULL);
  assert_int_equal(entries(f.staging), 0);
  assert_int_equal(check(f.d, NULL), 0);
  alpha_close(&f);
}

static void crash_while_journal_rewritten(void **state) {
  (void)state;
  alpha_set f;
  alpha_open(&f, "jagain/panels",
             (const char *[]){"gone.txt", "g", "deleted.txt", "d",
                              "rewritten.txt", "v1", NULL});
  snprintf(race_dir, sizeof(race_dir), "%s", f.d);
  assert_int_equal(alpha_write(&f, 1), G6_OK);
  assert_true(f.r.exchange);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    crash_at = CRASH_JOURNAL_AGAIN;
    journal_opens = 0;
    before_link = deletes_one;
    alpha_flush(&f, 2, 2);
    _exit(1); /* the crash point was never reached */
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  g6_panels_writer_close(f.w);
  char path[400];
  snprintf(path, sizeof(path), "%s/deleted.txt", f.d);
  assert_int_equal(unlink(path), 0);
  put(f.d, "rewritten.txt", "v2");
  f.w = open_writer(f.d, false, NULL);
  assert_int_equal(alpha_flush(&f, 3, 3), G6_OK);
  if (f.r.fell_back)
    fail_msg("fell back: %s", f.r.fallback_reason);
  assert_true(f.r.exchange);
  assert_text(f.d, "deleted.txt", NULL);
  assert_text(f.d, "gone.txt", NULL);
  assert_text(f.d, "rewritten.txt", "v2");
  assert_int_equal(entries(f.staging), 0);
  assert_int_equal(check(f.d, NULL), 0);
  alpha_close(&f);
}

/* A passing error (the file system read-only for a while: the staging
 * directory cannot be emptied) makes one flush write file by file; the
 * next one swaps a whole set in again. Used to end whole sets until a
 * restart. */
/* Durable: the exchange reaches the disk (an fsync of PanelsDir's parent)
 * before the previous set is emptied, so a power loss cannot keep the
 * removals without the swap. */
static void durable_swap_synced_before_cleanup(void **state) {
  (void)state;
  writers_durable = true;
  alpha_set f;
  alpha_open(&f, "durable/panels", NULL);
  assert_int_equal(alpha_flush(&f, 1, 1000), G6_OK);
  char parent[320];
  snprintf(parent, sizeof(parent), "%s/durable", dir);
  struct stat st;
  assert_int_equal(stat(parent, &st), 0);
  memset(order, 0, sizeof(order));
  order_parent = st.st_ino;
  assert_int_equal(alpha_flush(&f, 2, 2000), G6_OK);
  order_parent = 0;
  const char *x = strchr(order, 'X'), *u = x ? strchr(x, 'U') : NULL,
             *p = x ? strchr(x, 'P') : NULL;
  if (x == NULL || u == NULL || p == NULL || p > u)
    fail_msg("want X, then P before the first U; got \"%s\"", order);
  assert_int_equal(check(f.d, NULL), 0);
  alpha_close(&f);
  writers_durable = false;
}

static void passing_error_keeps_whole_sets(void **state) {
  (void)state;
  alpha_set f;
  alpha_open(&f, "erofs/panels", NULL);
  assert_int_equal(alpha_write(&f, 1), G6_OK);
  assert_true(f.r.exchange);
  static const int passing[] = {EROFS, ENOSPC, EIO, EDQUOT};
  for (size_t i = 0; i < sizeof(passing) / sizeof(passing[0]); i++) {
    /* an exchange leaves the staging directory empty: a crash right after
     * one leaves the previous set there, to be emptied */
    put(f.staging, "alpha_enveloped.json", "the previous set");
    g6_json_object_set(f.a, "v", g6_json_int((int64_t)(2 * i + 2)));
    unlinkat_fails = passing[i];
    g6_status st = alpha_write(&f, 2);
    unlinkat_fails = 0;
    assert_int_equal(st, G6_OK);
    assert_true(f.r.fell_back);
    assert_false(f.r.for_good);
    assert_false(f.r.exchange);
    assert_non_null(
        strstr(f.r.fallback_reason, "cannot empty the staging directory beside"));
    assert_true(g6_panels_writer_exchanges(f.w));
    assert_int_equal(check(f.d, NULL), 0);
    assert_int_equal(alpha_flush(&f, (int64_t)(2 * i + 3), 3), G6_OK);
    assert_true(f.r.exchange);
    assert_true(f.r.exchange_again);
    assert_false(f.r.fell_back);
    assert_int_equal(check(f.d, NULL), 0);
    assert_int_equal(alpha_flush(&f, 100, 4), G6_OK);
    assert_true(f.r.exchange);
    assert_false(f.r.exchange_again); /* said once */
  }
  alpha_close(&f);
}

/* PanelsDir removed while the writer runs (rm -rf): the next flush creates
 * it again with its mode, locks it again and writes a whole set even
 * though no data changed; while it cannot be created the error says that
 * it is gone. Used to fail every flush for good. */
static void removed_dir_comes_back(bool per_file) {
  char top[300], d[320], staging[340], cmd[700];
  snprintf(top, sizeof(top), "%s/gone-%s", dir, per_file ? "file" : "set");
  snprintf(d, sizeof(d), "%s/panels", top);
  snprintf(staging, sizeof(staging), "%s/.panels.g6-staging", top);
  g6_error e;
  assert_int_equal(g6_mkdir_p(d, 0750, &e), G6_OK);
  assert_int_equal(chmod(d, 0750), 0);
  put(d, "theirs.csv", "another program's");
  g6_panels_writer *w = open_writer(d, per_file, "k3y");
  g6_json *a = parse("{\"v\":1}"), *b = parse("[1]");
  g6_panel_out p[] = {{"alpha", a, false}, {"beta", b, false}};
  g6_panels_result r;
  assert_int_equal(g6_panels_write(w, p, 2, 1, 3, &r, &e), G6_OK);
  g6_json_array_push(b, g6_json_int(2)); /* alpha carried over by a link */
  assert_int_equal(g6_panels_write(w, p, 2, 2, 3, &r, &e), G6_OK);
  assert_int_equal(g6_panels_write(w, p, 2, 2, 3, &r, &e), G6_OK);
  assert_false(r.manifest_written); /* nothing changed */
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
  assert_int_equal(system(cmd), 0);
  assert_int_equal(g6_panels_write(w, p, 2, 3, 3, &r, &e), G6_OK);
  assert_true(r.dir_recreated);
  assert_true(r.manifest_written);
  assert_int_equal(r.written, 2);
  assert_int_equal(r.exchange, !per_file);
  assert_false(r.fell_back);
  struct stat st;
  assert_int_equal(stat(d, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0750);
  assert_int_equal(check(d, "k3y"), 0);
  char *m = slurp(d, "manifest.json");
  assert_non_null(strstr(m, "\"alpha_enveloped.json\""));
  assert_non_null(strstr(m, "\"beta_enveloped.json\""));
  free(m);
  /* only g6's panels, each written by this flush: what was removed with
   * the directory does not come back (it used to, from the previous set
   * the staging directory held) */
  assert_text(d, "theirs.csv", NULL);
  assert_text(staging, "theirs.csv", NULL);
  assert_int_equal(entries(d), 4); /* 2 panels, manifest, signature */
  char *alpha = slurp(d, "alpha_enveloped.json");
  assert_non_null(strstr(alpha, "\"generated_at\": 3,"));
  free(alpha);
  /* locked again: a second writer is refused */
  g6_panels_writer_opts o = {
      .dir = d, .source = "g6_panels", .per_file = per_file};
  g6_panels_writer *w2 = NULL;
  assert_int_equal(g6_panels_writer_open(&o, &w2, &e), G6_EEXIST);
  assert_null(w2);
  g6_json_object_set(a, "v", g6_json_int(2));
  assert_int_equal(g6_panels_write(w, p, 2, 4, 3, &r, &e), G6_OK);
  assert_false(r.dir_recreated);
  assert_int_equal(r.written, 1);
  assert_int_equal(check(d, "k3y"), 0);
  /* it cannot be created again (a file where its parent was): the error
   * says PanelsDir is gone, and once possible it comes back */
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
  assert_int_equal(system(cmd), 0);
  put(dir, per_file ? "gone-file" : "gone-set", "x");
  assert_int_not_equal(g6_panels_write(w, p, 2, 5, 3, &r, &e), G6_OK);
  assert_true(r.dir_missing);
  assert_true(r.changed[0] && r.changed[1]);
  assert_non_null(strstr(e.msg, "was removed and cannot be created again"));
  assert_int_equal(unlink(top), 0);
  assert_int_equal(g6_panels_write(w, p, 2, 6, 3, &r, &e), G6_OK);
  assert_true(r.dir_recreated);
  assert_int_equal(r.written, 2);
  assert_int_equal(check(d, "k3y"), 0);
  assert_true(g6_panels_writer_exchanges(w) == !per_file);
  g6_panels_writer_close(w);
  g6_json_free(a);
  g6_json_free(b);
}

static void removed_dir_set(void **state) {
  (void)state;
  removed_dir_comes_back(false);
}

static void removed_dir_per_file(void **state) {
  (void)state;
  removed_dir_comes_back(true);
}

/* A flush written file by file that fails part of the way (a full disk
 * takes the manifest after a panel went in) leaves that panel's new file
 * beside the previous manifest. The writer used to go on believing the
 * panel held its previous data: when the data came back to it, nothing was
 * written and manifest.json listed a hash that no file on disk had again,
 * for as long as the data stayed (integrity mismatch, never healed). What
 * is on disk after a failed flush is what the next flush compares with. */
static void partial_flush_failure_heals(void **state) {
  (void)state;
  char d[300];
  snprintf(d, sizeof(d), "%s/partial/panels", dir);
  g6_panels_writer *w = open_writer(d, true, NULL);
  g6_json *a = parse("{\"x\":1}"), *b = parse("{\"y\":1}");
  g6_panel_out p[] = {{"alpha", a, false}, {"beta", b, false}};
  g6_panels_result r;
  g6_error e;
  assert_int_equal(g6_panels_write(w, p, 2, 1000, 2, &r, &e), G6_OK);
  assert_int_equal(check(d, NULL), 0);
  char *man1 = slurp(d, "manifest.json");
  /* the manifest cannot be replaced: the flush fails after alpha */
  rename_fails_onto = "/manifest.json";
  g6_json_object_set(a, "x", g6_json_int(2));
  assert_int_equal(g6_panels_write(w, p, 2, 2000, 2, &r, &e), G6_ENOSPC);
  rename_fails_onto = NULL;
  assert_text(d, "manifest.json", man1); /* the previous manifest stays */
  char *alpha = slurp(d, "alpha_enveloped.json");
  assert_non_null(strstr(alpha, "\"x\": 2")); /* the new alpha went in */
  free(alpha);
  /* the data comes back to what the manifest lists */
  g6_json_object_set(a, "x", g6_json_int(1));
  assert_int_equal(g6_panels_write(w, p, 2, 3000, 2, &r, &e), G6_OK);
  assert_int_equal(check(d, NULL), 0);
  /* and data the failed flush had: written and listed */
  g6_json_object_set(a, "x", g6_json_int(2));
  assert_int_equal(g6_panels_write(w, p, 2, 4000, 2, &r, &e), G6_OK);
  assert_int_equal(check(d, NULL), 0);
  g6_panels_writer_close(w);
  free(man1);
  g6_json_free(a);
  g6_json_free(b);
}

/* A PanelsDir given as a symbolic link: sets are swapped in where it
 * points; the link stays a link. Readers use the link: when it is removed
 * it is made again (the same text), with the directory it leads to if that
 * went too; when it leads elsewhere the flush is refused, naming PanelsDir,
 * what it is now and where the sets go. The link used to be left removed
 * while sets went on into the directory nobody reads. */
static void symlinked_dir_stays_a_link(void **state) {
  (void)state;
  char top[300], real[320], link[320], other[320], cmd[700], want[1200];
  snprintf(top, sizeof(top), "%s/linked", dir);
  snprintf(real, sizeof(real), "%s/real/panels", top);
  snprintf(link, sizeof(link), "%s/panels-link", top);
  snprintf(other, sizeof(other), "%s/other", top);
  g6_error e;
  assert_int_equal(g6_mkdir_p(real, 0755, &e), G6_OK);
  assert_int_equal(g6_mkdir_p(other, 0755, &e), G6_OK);
  assert_int_equal(symlink("real/panels", link), 0); /* relative */
  alpha_set f;
  alpha_open(&f, "linked/panels-link", NULL);
  assert_string_equal(g6_panels_writer_dir(f.w), real);
  struct stat st;
  char text[100];
  for (int i = 0; i < 5; i++) {
    if (i == 2) /* the link removed */
      assert_int_equal(unlink(link), 0);
    if (i == 3) { /* the link and its directory removed */
      snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", link, real);
      assert_int_equal(system(cmd), 0);
    }
    assert_int_equal(alpha_flush(&f, i, i), G6_OK);
    assert_true(f.r.exchange);
    assert_int_equal(f.r.link_recreated, i == 2 || i == 3);
    assert_int_equal(f.r.dir_recreated, i == 3);
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    ssize_t k = readlink(link, text, sizeof(text) - 1);
    assert_true(k > 0);
    text[k] = '\0';
    assert_string_equal(text, "real/panels");
    assert_int_equal(check(link, NULL), 0);
    char *alpha = slurp(link, "alpha_enveloped.json");
    snprintf(want, sizeof(want), "\"v\": %d", i);
    assert_non_null(strstr(alpha, want));
    free(alpha);
  }
  /* pointed elsewhere, or a directory in its place: refused, nothing
   * written anywhere, until it leads there again */
  for (int i = 0; i < 2; i++) {
    assert_int_equal(unlink(link), 0);
    if (i == 0)
      assert_int_equal(symlink(other, link), 0);
    else
      assert_int_equal(mkdir(link, 0755), 0);
    assert_int_equal(alpha_flush(&f, 10 + i, 10), G6_EEXIST);
    assert_true(f.r.dir_elsewhere);
    assert_false(f.r.dir_missing);
    assert_true(f.r.changed[0]);
    snprintf(want, sizeof(want),
             "PanelsDir %s no longer leads to %s, where g6_panels has written "
             "since start-up (it is %s%s%s), so no panels are written: make "
             "it a symbolic link to \"real/panels\" again, or restart "
             "collectd to write where it leads now",
             link, real, i == 0 ? "a symbolic link to \"" : "another directory",
             i == 0 ? other : "", i == 0 ? "\"" : "");
    assert_string_equal(f.e.msg, want);
    assert_text(other, "manifest.json", NULL);
    assert_text(link, "manifest.json", NULL);
    char *alpha = slurp(real, "alpha_enveloped.json");
    assert_non_null(strstr(alpha, "\"v\": 4"));
    free(alpha);
  }
  assert_int_equal(rmdir(link), 0);
  assert_int_equal(symlink("real/panels", link), 0);
  assert_int_equal(alpha_write(&f, 12), G6_OK);
  assert_false(f.r.link_recreated);
  assert_int_equal(check(link, NULL), 0);
  alpha_close(&f);
}

/* A PanelsDir that was a directory at open and is a symbolic link now
 * (moved elsewhere, a link left in its place): a set swapped in would move
 * the link away (renameat2 does not follow it), so the flush is refused. */
static void dir_turned_into_a_link_refused(void **state) {
  (void)state;
  char moved[300];
  snprintf(moved, sizeof(moved), "%s/turned/moved", dir);
  alpha_set f;
  alpha_open(&f, "turned/panels", NULL);
  assert_int_equal(alpha_write(&f, 1), G6_OK);
  assert_int_equal(rename(f.d, moved), 0);
  assert_int_equal(symlink(moved, f.d), 0);
  assert_int_equal(alpha_flush(&f, 2, 2), G6_EEXIST);
  assert_true(f.r.dir_elsewhere);
  char want[900];
  snprintf(want, sizeof(want),
           "PanelsDir %s was a directory at start-up and is a symbolic link "
           "now (to \"%s\"): no panels are written, "
           "since a set swapped in would replace the link; restart collectd "
           "to write where it leads",
           f.d, moved);
  assert_string_equal(f.e.msg, want);
  struct stat st;
  assert_int_equal(lstat(f.d, &st), 0);
  assert_true(S_ISLNK(st.st_mode));
  assert_int_equal(check(moved, NULL), 0);
  alpha_close(&f);
}

/* One writer per PanelsDir, whichever of its two directories is at the
 * path, and g6_chain's DataDir (g6_dir_claim) cannot be PanelsDir. */
static void one_writer_per_dir(void **state) {
  (void)state;
  char d2[300];
  snprintf(d2, sizeof(d2), "%s/lock/data", dir);
  alpha_set f;
  alpha_open(&f, "lock/panels", NULL);
  g6_panels_writer *w2 = NULL;
  g6_panels_writer_opts o = {.dir = f.d, .source = "g6_panels"};
  int fd = -1;
  char note[256];
  for (int i = 0; i < 3; i++) {
    assert_int_equal(g6_panels_writer_open(&o, &w2, &f.e), G6_EEXIST);
    assert_null(w2);
    assert_non_null(strstr(f.e.msg, "is already used by another g6 plugin"));
    assert_int_equal(g6_dir_claim(f.d, "DataDir", "x", &fd, note, sizeof(note),
                                  &f.e),
                     G6_EEXIST);
    assert_non_null(strstr(f.e.msg, "g6_chain's DataDir and g6_panels' "
                                  "PanelsDir must be different directories"));
    assert_int_equal(alpha_flush(&f, i, i), G6_OK);
    assert_true(f.r.exchange);
  }
  g6_panels_writer_close(f.w);
  assert_int_equal(g6_panels_writer_open(&o, &w2, &f.e), G6_OK);
  g6_panels_writer_close(w2);
  /* g6_chain first */
  assert_int_equal(g6_dir_claim(d2, "DataDir", "x", &fd, note, sizeof(note),
                                &f.e),
                   G6_OK);
  o.dir = d2;
  assert_int_equal(g6_panels_writer_open(&o, &w2, &f.e), G6_EEXIST);
  assert_non_null(strstr(f.e.msg, "PanelsDir \""));
  assert_non_null(strstr(f.e.msg, "is already used by another g6 plugin"));
  close(fd);
  g6_json_free(f.a);
}

/* A PanelsDir that cannot be written is refused at open, and so is one
 * whose parent cannot be (the staging directory goes there) unless the
 * writer goes file by file. As root only chattr +i makes them read-only. */
static bool chattr(const char *flag, const char *path) {
  char cmd[600];
  snprintf(cmd, sizeof(cmd), "chattr %s '%s' 2>/dev/null", flag, path);
  return system(cmd) == 0;
}

static void read_only_refused_at_open(void **state) {
  (void)state;
  char d[300], parent[300];
  snprintf(parent, sizeof(parent), "%s/ro", dir);
  snprintf(d, sizeof(d), "%s/ro/panels", dir);
  g6_error e;
  assert_int_equal(g6_mkdir_p(d, 0755, &e), G6_OK);
  if (!chattr("+i", d)) {
    print_message("# skipped: chattr +i is not possible here\n");
    return;
  }
  g6_panels_writer_opts o = {.dir = d, .source = "g6_panels"};
  g6_panels_writer *w = NULL;
  g6_status st = g6_panels_writer_open(&o, &w, &e);
  chattr("-i", d);
  assert_int_not_equal(st, G6_OK);
  assert_null(w);
  char want[400];
  snprintf(want, sizeof(want), "PanelsDir \"%s\" is not writable: ", d);
  assert_non_null(strstr(e.msg, want));
  /* the parent */
  assert_true(chattr("+i", parent));
  st = g6_panels_writer_open(&o, &w, &e);
  g6_panels_writer *pf = NULL;
  g6_error e2;
  o.per_file = true;
  g6_status st2 = g6_panels_writer_open(&o, &pf, &e2);
  chattr("-i", parent);
  assert_int_not_equal(st, G6_OK);
  assert_null(w);
  snprintf(want, sizeof(want),
           "PanelsDir's parent directory \"%s\" is not writable", parent);
  if (strstr(e.msg, want) == NULL ||
      strstr(e.msg, "or set AtomicSet false") == NULL)
    fail_msg("got: %s", e.msg);
  assert_int_equal(st2, G6_OK); /* file by file needs PanelsDir only */
  g6_panels_writer_close(pf);
}


int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(reference_hashes),
      cmocka_unit_test(envelope_shape),
      cmocka_unit_test(validation_messages),
      cmocka_unit_test(set_exchange),
      cmocka_unit_test(set_per_file),
      cmocka_unit_test(carries_foreign_files_and_refuses_subdirs),
      cmocka_unit_test(kept_panel_stays_listed),
      cmocka_unit_test(foreign_entries_arriving_mid_flush_stay),
      cmocka_unit_test(staging_leftovers_go_back),
      cmocka_unit_test(foreign_files_changed_between_flushes),
      cmocka_unit_test(dir_at_manifest_stays),
      cmocka_unit_test(removed_files_written_again),
      cmocka_unit_test(link_at_panel_set),
      cmocka_unit_test(link_at_panel_per_file),
      cmocka_unit_test(own_names_taken_set),
      cmocka_unit_test(own_names_taken_per_file),
      cmocka_unit_test(dirs_at_own_names_stay),
      cmocka_unit_test(crash_after_exchange),
      cmocka_unit_test(crash_before_exchange),
      cmocka_unit_test(crash_while_linking),
      cmocka_unit_test(unusable_journal_ignored),
      cmocka_unit_test(planted_journal_bounded),
      cmocka_unit_test(journal_name_taken),
      cmocka_unit_test(files_changed_while_linking),
      cmocka_unit_test(crash_while_journal_rewritten),
      cmocka_unit_test(crash_after_mislink),
      cmocka_unit_test(durable_swap_synced_before_cleanup),
      cmocka_unit_test(passing_error_keeps_whole_sets),
      cmocka_unit_test(removed_dir_set),
      cmocka_unit_test(removed_dir_per_file),
      cmocka_unit_test(partial_flush_failure_heals),
      cmocka_unit_test(symlinked_dir_stays_a_link),
      cmocka_unit_test(dir_turned_into_a_link_refused),
      cmocka_unit_test(one_writer_per_dir),
      cmocka_unit_test(open_on_dense_panels),
      cmocka_unit_test(read_only_refused_at_open),
  };
  cmocka_set_message_output(CM_OUTPUT_TAP);
  return cmocka_run_group_tests(tests, setup, teardown);
}
