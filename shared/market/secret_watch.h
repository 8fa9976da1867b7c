/* g6 — noticing that a secret file (API key, access token) was replaced.
 *
 * The day's access token is written while collection runs (`g6 kite-token`
 * every morning, before the open). A watch remembers a cheap signature of
 * the file it last looked at (device, inode, size, mtime and ctime with
 * nanoseconds; or "absent"), so a caller can stat the file before every
 * request and read it again only when it changed. A file caught mid-write
 * never replaces a secret in use: one that is empty, missing, or holds more
 * than one line of printable text is refused, and one whose signature
 * moved while it was read is read again at the next poll. */
#ifndef G6_SECRET_WATCH_H
#define G6_SECRET_WATCH_H

#include "core/status.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct g6_file_sig {
  bool present;
  uint64_t dev, ino;
  int64_t size;
  int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
} g6_file_sig;

typedef struct g6_secret_watch {
  const char *path; /* not owned; NULL: nothing watched */
  g6_file_sig sig;  /* of the version last looked at */
} g6_secret_watch;

/* Stats path into *out; a path that cannot be stat'ed is {present=false}.
 * Can't fail. */
void g6_file_sig_of(const char *path, g6_file_sig *out);
bool g6_file_sig_equal(const g6_file_sig *a, const g6_file_sig *b);

/* Starts watching path (may be NULL) and records its signature now: call
 * it before the first read of the file, so a change after that read is
 * seen by the next poll. Can't fail. */
void g6_secret_watch_init(g6_secret_watch *w, const char *path);

/* Looks at the file again. G6_OK with *out NULL: the same version as last
 * time (or nothing watched), nothing to do. G6_OK with *out set: a new
 * version, read whole (the caller owns *out and zeroes it when done); it
 * may hold the same secret as before. An error: a new version that cannot
 * be used (missing, empty, more than one line or control characters, a
 * mode group/other may read, a file that changed while it was read); *out
 * is NULL, the caller keeps its secret, and err names the file and the
 * problem, never the content. A version refused is not refused again (the
 * error comes once per version), except one that changed while it was
 * read, which is read again at the next poll. */
g6_status g6_secret_watch_poll(g6_secret_watch *w, char **out, g6_error *err);

#endif
