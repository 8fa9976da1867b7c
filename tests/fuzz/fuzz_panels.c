/* libFuzzer target: everything that reads a panel directory — the
 * integrity check of manifest.json, its signature and the panel files
 * (store/integrity.h), the `g6 summary` screen (store/summary.h), the
 * panel schemas (store/panel_schema.h) and the panels writer taking over a
 * directory it finds at start (store/panels.h).
 *
 * The input is a directory: after one flags byte, records of
 * [file:1][length:2, big-endian][bytes], the file picked from manifest.json,
 * manifest.json.sig, the six panels and a stray file (tests/fuzz/
 * panels_corpus.py writes seeds from real sets).
 *
 * Invariants: no crash, leak or sanitizer report; the report's counts add
 * up to its issues and its JSON parses back with the same count; the
 * summary is printable ASCII, every line at most `width` columns; and after
 * the writer took the directory over and wrote a set, the integrity check
 * finds nothing wrong with it (with the key, signature included) — whatever
 * was there before. */
#include "collector/panel_data.h"
#include "core/json.h"
#include "store/integrity.h"
#include "store/panel_schema.h"
#include "store/panels.h"
#include "store/summary.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[256], dir[300];
static const unsigned char key[] = "fuzz-panels-key";

static const char *const files[] = {
    "manifest.json",
    "manifest.json.sig",
    "indices_panel_enveloped.json",
    "provider_enveloped.json",
    "analytics_enveloped.json",
    "storage_enveloped.json",
    "system_enveloped.json",
    "links_enveloped.json",
    "notes.txt",
};
#define N_FILES (sizeof(files) / sizeof(files[0]))

static void setup_once(void) {
  if (base[0])
    return;
  const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  snprintf(base, sizeof(base), "%s/g6-fuzz-panels-XXXXXX", tmp);
  if (mkdtemp(base) == NULL)
    abort();
  snprintf(dir, sizeof(dir), "%s/panels", base);
}

/* Empties a directory (files only: the writer refuses subdirectories, and
 * the fuzzer never makes any). */
static void empty_dir(const char *path) {
  DIR *d = opendir(path);
  if (d == NULL)
    return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
      char p[600];
      snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
      if (unlink(p) != 0 && rmdir(p) != 0)
        abort();
    }
  closedir(d);
}

static void check_report(const char *d, const unsigned char *k, size_t klen) {
  g6_integrity_report r;
  memset(&r, 0, sizeof(r));
  if (g6_integrity_check(d, k, klen, &r) != G6_OK)
    abort();
  size_t total = 0;
  for (int i = 0; i < G6_INTEGRITY_KIND_COUNT; i++)
    total += r.counts[i];
  if (total != r.n)
    abort();
  g6_buf b = G6_BUF_INIT;
  if (g6_integrity_report_json(&r, (klen & 1) != 0, &b) != G6_OK)
    abort();
  g6_json *v = NULL;
  g6_error e;
  if (g6_json_parse(b.data, b.len, &v, &e) != G6_OK)
    abort(); /* what `g6 integrity --json` prints is JSON */
  if (g6_json_get_number(g6_json_object_get(v, "count")) != (double)r.n)
    abort();
  g6_json_free(v);
  g6_buf_free(&b);
  g6_integrity_report_free(&r);
}

static void check_summary(int width) {
  g6_buf out = G6_BUF_INIT;
  if (g6_summary_render(dir, key, sizeof(key) - 1, 1.76e9, width, &out) !=
      G6_OK)
    abort();
  int col = 0;
  for (size_t i = 0; i < out.len; i++) {
    unsigned char c = (unsigned char)out.data[i];
    if (c == '\n') {
      col = 0;
      continue;
    }
    if (c < 0x20 || c > 0x7e)
      abort(); /* a panel's bytes reached the terminal unfiltered */
    if (++col > width)
      abort();
  }
  g6_buf_free(&out);
}

static void check_schemas(void) {
  for (size_t i = 0; i < g6_panel_defs_len; i++) {
    char name[128], path[700];
    if (!g6_panel_file_name(g6_panel_defs[i].name, name, sizeof(name)))
      abort();
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
      continue;
    char buf[70000];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    g6_json *v = NULL;
    g6_error e;
    if (g6_json_parse(buf, n, &v, &e) == G6_OK) {
      g6_status st = g6_panel_validate(v, g6_panel_defs[i].name,
                                       g6_panel_defs[i].shape, &e);
      if (st != G6_OK && e.msg[0] == '\0')
        abort();
      g6_json_free(v);
    }
  }
}

/* Takes the directory over with a writer and writes a set; the result must
 * verify. */
static void check_writer(unsigned flags) {
  bool keyed = flags & 2;
  g6_panels_writer_opts o = {.dir = dir, .source = "fuzz",
                             .app_version = "0", .key = keyed ? key : NULL,
                             .key_len = keyed ? sizeof(key) - 1 : 0,
                             .durable = false, .per_file = (flags & 4) != 0,
                             .file_mode = 0644};
  g6_panels_writer *w = NULL;
  g6_error e;
  if (g6_panels_writer_open(&o, &w, &e) != G6_OK)
    return; /* refused (a directory inside, ...): fine */
  g6_panel_out out[G6_PANELS_MAX];
  g6_json *data[G6_PANELS_MAX];
  size_t n = g6_panel_defs_len;
  for (size_t i = 0; i < n; i++) {
    char text[64];
    snprintf(text, sizeof(text), "{\"flags\":%u,\"i\":%zu}", flags & 8, i);
    if (g6_json_parse(text, strlen(text), &data[i], &e) != G6_OK)
      abort();
    out[i] = (g6_panel_out){.name = g6_panel_defs[i].name, .data = data[i]};
  }
  g6_panels_result res;
  if (g6_panels_write(w, out, n, 1.76e9, 5, &res, &e) != G6_OK)
    abort(); /* nothing the directory held may stop a flush */
  g6_integrity_report r;
  memset(&r, 0, sizeof(r));
  if (g6_integrity_check(dir, o.key, o.key_len, &r) != G6_OK || r.n != 0 ||
      r.entries != n) {
    for (size_t i = 0; i < r.n; i++)
      fprintf(stderr, "after the writer: %s: %s\n", r.issues[i].file,
              r.issues[i].problem);
    abort(); /* the set just written does not verify */
  }
  g6_integrity_report_free(&r);
  for (size_t i = 0; i < n; i++)
    g6_json_free(data[i]);
  g6_panels_writer_close(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  setup_once();
  if (size < 1)
    return 0;
  unsigned flags = data[0];
  mkdir(dir, 0755);
  empty_dir(dir);
  const uint8_t *p = data + 1, *end = data + size;
  while (end - p >= 3) {
    const char *name = files[p[0] % N_FILES];
    size_t len = (size_t)p[1] << 8 | p[2];
    p += 3;
    if (len > (size_t)(end - p))
      len = (size_t)(end - p);
    char path[700];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, p, len) != (ssize_t)len)
      abort();
    close(fd);
    p += len;
  }
  check_report(dir, NULL, 0);
  check_report(dir, key, sizeof(key) - 1);
  check_summary(20 + (int)(flags >> 4) * 12);
  check_schemas();
  check_writer(flags);
  return 0;
}
