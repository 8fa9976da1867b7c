#include "market/secret_watch.h"

#include "core/buf.h"
#include "core/fsutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void g6_file_sig_of(const char *path, g6_file_sig *out) {
  struct stat st;
  memset(out, 0, sizeof(*out));
  if (path == NULL || stat(path, &st) != 0)
    return;
  out->present = true;
  out->dev = (uint64_t)st.st_dev;
  out->ino = (uint64_t)st.st_ino;
  out->size = (int64_t)st.st_size;
  out->mtime_s = (int64_t)st.st_mtim.tv_sec;
  out->mtime_ns = (int64_t)st.st_mtim.tv_nsec;
  out->ctime_s = (int64_t)st.st_ctim.tv_sec;
  out->ctime_ns = (int64_t)st.st_ctim.tv_nsec;
}

bool g6_file_sig_equal(const g6_file_sig *a, const g6_file_sig *b) {
  return a->present == b->present && a->dev == b->dev && a->ino == b->ino &&
         a->size == b->size && a->mtime_s == b->mtime_s &&
         a->mtime_ns == b->mtime_ns && a->ctime_s == b->ctime_s &&
         a->ctime_ns == b->ctime_ns;
}

void g6_secret_watch_init(g6_secret_watch *w, const char *path) {
  w->path = path;
  g6_file_sig_of(path, &w->sig);
}

static void free_secret(char *s) { g6_secret_free(s); }

g6_status g6_secret_watch_poll(g6_secret_watch *w, char **out, g6_error *err) {
  *out = NULL;
  if (w->path == NULL)
    return G6_OK;
  g6_file_sig now;
  g6_file_sig_of(w->path, &now);
  if (g6_file_sig_equal(&now, &w->sig))
    return G6_OK;
  w->sig = now; /* looked at: its verdict is said once */
  char *text = NULL;
  g6_status s = g6_read_secret_file(w->path, &text, err);
  if (s != G6_OK)
    return s;
  g6_file_sig after;
  g6_file_sig_of(w->path, &after);
  if (!g6_file_sig_equal(&now, &after)) {
    free_secret(text);
    memset(&w->sig, 0, sizeof(w->sig)); /* read again at the next poll */
    w->sig.size = -1;
    return g6_error_set(err, G6_EIO, "secret file %s changed while it was read",
                        w->path);
  }
  *out = text;
  return G6_OK;
}
