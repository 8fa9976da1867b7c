/* g6 rrdgraph — RRD files by metric (see rrd_scan.h). */
#include "rrdgraph/rrd_scan.h"
#include "core/array.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* `name` is `prefix` + "-" + a non-empty rest that fits out[outsz]. */
static bool split_after(const char *name, const char *prefix, char *out,
                        size_t outsz) {
  size_t n = strlen(prefix);
  if (strncmp(name, prefix, n) != 0 || name[n] != '-' || name[n + 1] == '\0')
    return false;
  size_t rest = strlen(name + n + 1);
  if (rest >= outsz)
    return false;
  memcpy(out, name + n + 1, rest + 1);
  return true;
}

/* The file name without ".rrd" in stem[]; false when it is not an RRD. */
static bool rrd_stem(const char *file, char *stem, size_t sz) {
  size_t n = strlen(file);
  if (n <= 4 || strcmp(file + n - 4, ".rrd") != 0 || n - 4 >= sz)
    return false;
  memcpy(stem, file, n - 4);
  stem[n - 4] = '\0';
  return true;
}

static bool match_type(const g6_metric_def *d, const char *stem,
                       g6_rrd_file *out) {
  out->ti[0] = '\0';
  if (d->kind == G6_METRIC_HISTOGRAM) {
    if (d->type_bucket &&
        split_after(stem, d->type_bucket, out->ti, sizeof(out->ti))) {
      out->part = G6_RRD_BUCKET;
      return true;
    }
    out->part = d->type_count && strcmp(stem, d->type_count) == 0 ? G6_RRD_COUNT
                : d->type_sum && strcmp(stem, d->type_sum) == 0   ? G6_RRD_SUM
                                                                : G6_RRD_VALUE;
    return out->part != G6_RRD_VALUE;
  }
  out->part = G6_RRD_VALUE;
  if (d->ti != NULL)
    return split_after(stem, d->type, out->ti, sizeof(out->ti));
  return strcmp(stem, d->type) == 0;
}

bool g6_rrd_match(const g6_metric_def *const *catalog, size_t n,
                  const char *dir, const char *file, g6_rrd_file *out) {
  char stem[256];
  if (!rrd_stem(file, stem, sizeof(stem)))
    return false;
  for (size_t i = 0; i < n; i++) {
    const g6_metric_def *d = catalog[i];
    g6_rrd_file f;
    memset(&f, 0, sizeof(f));
    if (d->pi != NULL) {
      if (!split_after(dir, d->plugin, f.pi, sizeof(f.pi)))
        continue;
    } else if (strcmp(dir, d->plugin) != 0) {
      continue;
    }
    if (!match_type(d, stem, &f))
      continue;
    f.def = d;
    *out = f;
    return true;
  }
  return false;
}

static int cmp_path(const void *a, const void *b) {
  return strcmp(((const g6_rrd_file *)a)->path, ((const g6_rrd_file *)b)->path);
}

static g6_status push(g6_rrd_set *s, const g6_rrd_file *f, const char *host,
                      const char *dir, const char *file) {
  if (!g6_array_room(&s->v, &s->cap, s->n, sizeof(*s->v), 64))
    return G6_ENOMEM;
  size_t len = strlen(host) + strlen(dir) + strlen(file) + 3;
  char *path = malloc(len);
  if (path == NULL)
    return G6_ENOMEM;
  snprintf(path, len, "%s/%s/%s", host, dir, file);
  s->v[s->n] = *f;
  s->v[s->n].path = path;
  s->n++;
  return G6_OK;
}

/* `dir` is named for a plugin of the catalog: "<plugin>" or "<plugin>-..." */
static bool g6_plugin_dir(const g6_metric_def *const *catalog, size_t n,
                          const char *dir) {
  for (size_t i = 0; i < n; i++) {
    size_t k = strlen(catalog[i]->plugin);
    if (strncmp(dir, catalog[i]->plugin, k) == 0 &&
        (dir[k] == '\0' || dir[k] == '-'))
      return true;
  }
  return false;
}

static g6_status scan_dir(const char *host_dir, const char *dir,
                          const g6_metric_def *const *catalog, size_t n,
                          g6_rrd_set *out) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s", host_dir, dir);
  DIR *d = opendir(path);
  if (d == NULL) {
    /* a file, or another plugin's: nothing of ours; an unreadable g6
     * directory would leave its graphs empty without a word: counted */
    int e = errno;
    if (e != ENOTDIR && e != ENOENT && g6_plugin_dir(catalog, n, dir) &&
        out->unreadable++ == 0)
      snprintf(out->unreadable_first, sizeof(out->unreadable_first),
               "cannot read %.400s: %s", path, strerror(e));
    return G6_OK;
  }
  struct dirent *e;
  g6_status rc = G6_OK;
  while (rc == G6_OK && (e = readdir(d)) != NULL) {
    g6_rrd_file f;
    if (g6_rrd_match(catalog, n, dir, e->d_name, &f))
      rc = push(out, &f, host_dir, dir, e->d_name);
    else if (strlen(e->d_name) > 4 &&
             strcmp(e->d_name + strlen(e->d_name) - 4, ".rrd") == 0)
      out->other++;
  }
  closedir(d);
  return rc;
}

g6_status g6_rrd_scan(const char *host_dir, const g6_metric_def *const *catalog,
                      size_t n, g6_rrd_set *out, g6_error *err) {
  memset(out, 0, sizeof(*out));
  DIR *d = opendir(host_dir);
  if (d == NULL) {
    g6_status st = g6_status_from_errno(errno);
    return g6_error_set(err, st, "cannot read %s: %s", host_dir,
                        strerror(errno));
  }
  struct dirent *e;
  g6_status rc = G6_OK;
  while (rc == G6_OK && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    rc = scan_dir(host_dir, e->d_name, catalog, n, out);
  }
  closedir(d);
  if (rc != G6_OK)
    return g6_error_set(err, rc, "reading %s: out of memory", host_dir);
  if (out->n > 1)
    qsort(out->v, out->n, sizeof(*out->v), cmp_path);
  return G6_OK;
}

void g6_rrd_set_free(g6_rrd_set *s) {
  if (s == NULL)
    return;
  for (size_t i = 0; i < s->n; i++)
    free(s->v[i].path);
  free(s->v);
  memset(s, 0, sizeof(*s));
}

bool g6_rrd_host_has_g6(const char *host_dir,
                        const g6_metric_def *const *catalog, size_t n) {
  g6_rrd_set s;
  bool any = g6_rrd_scan(host_dir, catalog, n, &s, NULL) == G6_OK &&
             (s.n > 0 || s.unreadable > 0);
  g6_rrd_set_free(&s);
  return any;
}
