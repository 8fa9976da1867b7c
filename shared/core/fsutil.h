/* g6 — file-system helpers: bounded reads, atomic replace, mkdir -p, secrets.
 *
 * Atomic replace is how every g6 file that readers poll (snapshots, panels,
 * manifests, token files) is written: a temporary file in the same directory,
 * write everything, fsync, rename over the target, fsync the directory. A
 * reader sees the old file or the new one, never a mix, and after a crash
 * the target still holds one of the two. */
#ifndef G6_FSUTIL_H
#define G6_FSUTIL_H

#include "core/status.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads a whole regular file of at most max_len bytes into a NUL-terminated
 * malloc'ed buffer. G6_ETOOBIG when larger, G6_ENOENT when missing,
 * G6_EINVAL when the path is not a regular file (a FIFO is refused without
 * waiting for a writer). */
g6_status g6_read_file(const char *path, size_t max_len, char **out,
                       size_t *out_len, g6_error *err);

/* g6_read_file, but a symbolic link at `path` (its last component) is never
 * followed, wherever it points: G6_EINVAL "<path> is a symbolic link; it is
 * not followed" (O_NOFOLLOW, so no link can be slipped in between a check
 * and the open). For files found by walking a directory. */
g6_status g6_read_file_nofollow(const char *path, size_t max_len, char **out,
                                size_t *out_len, g6_error *err);

/* Replaces `path` atomically with `len` bytes of `data` and permission bits
 * `mode` (applied with fchmod, so umask does not widen or narrow it). When
 * `durable` is false the fsyncs are skipped (tests, tmpfs); rename is still
 * atomic. On failure the target is untouched and the temporary file removed.
 * The error message names the path and the failing step. */
g6_status g6_atomic_write(const char *path, const void *data, size_t len,
                          mode_t mode, bool durable, g6_error *err);

/* The same in steps, for documents written as they are produced (no copy of
 * the whole document in memory): begin creates the temporary file beside
 * `path`; append writes to it; commit sets the mode, fsyncs when durable,
 * renames into place (and fsyncs the directory when durable). A failing
 * append or commit removes the temporary file itself; abort does so for a
 * caller that gives up. `path` itself is untouched until commit succeeds. */
typedef struct g6_atomic_file {
  int fd;
  mode_t mode;
  char path[PATH_MAX], tmp[PATH_MAX];
} g6_atomic_file;
g6_status g6_atomic_begin(g6_atomic_file *f, const char *path, mode_t mode,
                          g6_error *err);
g6_status g6_atomic_append(g6_atomic_file *f, const void *data, size_t len,
                           g6_error *err);
g6_status g6_atomic_commit(g6_atomic_file *f, bool durable, g6_error *err);
void g6_atomic_abort(g6_atomic_file *f);

/* Removes the temporary files g6_atomic_begin made beside `path` that a
 * killed writer left behind (".<base>.tmp.XXXXXX": mkostemp's six
 * characters; nothing else is touched, nor what is not a regular file),
 * those last modified at least `min_age_s` seconds ago. 0 is for the one
 * writer of `path` (g6_chain's index thread under its DataDir lock);
 * where another writer may be at work, an age no write takes (a live
 * writer's file is seconds old; removing it fails that write, not the
 * file). Returns how many were removed; a directory that cannot be read
 * removes none. */
size_t g6_atomic_remove_stale(const char *path, double min_age_s);

/* The same for every target in the directory `dir` whose file name (the
 * <base> of ".<base>.tmp.XXXXXX") `is_target` accepts: for a writer of
 * many files of one shape (the snapshot history's "<seq>.json"), whose
 * leftovers are not beside one known path. */
size_t g6_atomic_remove_stale_dir(const char *dir,
                                  bool (*is_target)(const char *base),
                                  double min_age_s);

/* syncfs(2) of the file system holding the directory `dir`, shared between
 * the threads that ask at the same time: a caller returns once a syncfs
 * that *started after its call* has finished — its own, or one another
 * thread started in the meantime — so every write it made before the call
 * is on disk, as with its own syncfs, while N index threads finishing
 * their cycles together cost one or two syncfs instead of N in a row
 * (group commit). G6_OK, or G6_EIO with the message of the syncfs that
 * covered the call (that error is every covered caller's error), or the
 * open(2) error of `dir`. */
g6_status g6_syncfs_shared(const char *dir, g6_error *err);
/* The syncfs calls g6_syncfs_shared has made so far (all file systems). */
uint64_t g6_syncfs_shared_count(void);

/* fsyncs the directory that contains `path` (its parent). */
g6_status g6_fsync_parent(const char *path, g6_error *err);

/* Makes *path (heap, NUL-terminated) absolute: a relative one is prefixed
 * with the working directory now ("data" -> "/var/lib/collectd/data" under
 * collectd's BaseDir), so a later chdir(2) by anyone in the process does
 * not move what it names; symbolic links are kept as they are. *path is
 * replaced (the old string freed) only when it changes. G6_ENOMEM, or
 * getcwd(3)'s error (err says why); *path is then unchanged. */
g6_status g6_path_absolute(char **path, g6_error *err);

/* Creates a directory and its missing parents with `mode`. Existing
 * directories are fine; an existing non-directory is G6_EEXIST. */
g6_status g6_mkdir_p(const char *path, mode_t mode, g6_error *err);

/* g6_mkdir_p; with `durable`, each directory it creates has its parent
 * fsynced right after (g6_fsync_parent), so the entry of every new level
 * reaches the disk before anything put in it is fsynced: a power loss does
 * not take a directory away with the files fsynced in it. */
g6_status g6_mkdir_p_durable(const char *path, mode_t mode, bool durable,
                             g6_error *err);

/* The directory part of path into dir (len bytes): "." for a bare name,
 * "/" for "/name", else everything before the last '/'. false when it did
 * not fit (dir then holds a cut prefix). */
bool g6_path_parent(const char *path, char *dir, size_t len);

/* Whether `path` (symbolic links followed) is the root directory "/": the
 * same device and inode, however the path is spelled ("/tmp/..", "/.", a
 * symbolic link to "/", a bind mount of "/"). A path that cannot be
 * stat'ed (it does not exist yet) is not. Can't fail otherwise. */
bool g6_path_is_root(const char *path);

/* The same for an open descriptor (a directory opened by its path). */
bool g6_fd_is_root(int fd);

/* Why `dir` cannot be a directory of g6's own: a short text ("the root
 * directory is no place for g6's files; give a directory of its own") when
 * it is "/" however spelled ("/", "//", and through g6_path_is_root
 * "/tmp/..", "/.", a symbolic link to "/"), NULL otherwise (a path that
 * does not exist yet is not "/"). The one check every g6 DataDir and
 * PanelsDir is held to: g6_dir_claim (g6_chain, g6_panels) and the option
 * tables of g6_retention and g6_analytics. Can't fail. */
const char *g6_dir_root_problem(const char *dir);

/* Whether the paths a and b (symbolic links followed) are one file or
 * directory: the same device and inode ("/srv/g6" and "/srv/g6/." or a
 * symbolic link to it). False when either cannot be stat'ed. */
bool g6_same_file(const char *a, const char *b);

/* Checks that a file can be created in the existing directory `dir` by
 * creating and removing a probe file (".g6-write-check-XXXXXX"): a
 * read-only, immutable or foreign-owned directory is found at start-up, not
 * at the first write. G6_OK, or the errno's status (G6_ENOENT, G6_EPERM,
 * G6_EROFS for a read-only file system, G6_ENOSPC, G6_EIO, ...) with
 * "<option> \"<dir>\" is not writable: <reason>". */
g6_status g6_dir_check_writable(const char *dir, const char *option,
                                g6_error *err);

/* flock(2) LOCK_EX | LOCK_NB on the open directory `fd` (named `dir` in
 * messages), held until fd is closed. G6_OK and *locked true when held.
 * G6_EEXIST when another open file holds it: another process (the message
 * names its PID when /proc/locks says, and `clash`, what two writers would
 * do), or another g6 plugin of this process (the message says DataDir and
 * PanelsDir must differ). When the file system cannot lock (some NFS
 * set-ups): G6_OK, *locked false, and note (note_len bytes, "" otherwise)
 * says so. */
g6_status g6_dir_lock(int fd, const char *option, const char *dir,
                      const char *clash, bool *locked, char *note,
                      size_t note_len, g6_error *err);

/* Makes the absolute directory `dir` ready for one writing process: refuses
 * the root directory however spelled (g6_path_is_root; G6_EINVAL, checked
 * before and after it is created), creates it (g6_mkdir_p, 0755), locks it
 * (g6_dir_lock) through *lock_fd until it is closed (or the process ends)
 * and then checks that a file can be created in it (g6_dir_check_writable:
 * a claimant refused by the lock writes nothing there),
 * so a second process claiming the same directory gets G6_EEXIST (two
 * writers would do `clash`, e.g. "two writers would append every row
 * twice"), and so does another g6 plugin of the same process. `option`
 * names the setting in messages ("DataDir"). When the file system cannot
 * lock, the claim stands without a lock: G6_OK, *lock_fd -1, and note says
 * so. */
g6_status g6_dir_claim(const char *dir, const char *option, const char *clash,
                       int *lock_fd, char *note, size_t note_len,
                       g6_error *err);

/* g6_dir_claim on a thread of its own (core/thread.h), waiting at most
 * `timeout_s` seconds: storage that does not answer (a hung NFS mount, a
 * frozen file system: creating the directory or the probe file sleeps in
 * the kernel) must not hold up the process's start, e.g. collectd's init of
 * every other plugin. G6_ETIMEOUT then, with "<option> \"<dir>\" did not
 * answer within N s: ..."; the blocked claim is left behind (if it ever
 * completes, its lock is held by a descriptor nobody closes until the
 * process ends). Otherwise exactly g6_dir_claim. */
g6_status g6_dir_claim_within(double timeout_s, const char *dir,
                              const char *option, const char *clash,
                              int *lock_fd, char *note, size_t note_len,
                              g6_error *err);

/* Reads a secret (API key, access token, HMAC key) from a file. Refuses files
 * that are not regular files or are readable or writable by group or other
 * (G6_EPERM, message says how to fix it: chmod 600). Leading/trailing white
 * space is stripped; an empty secret, one holding a NUL byte (the zeroed
 * tail of a write a crash cut short), and one that is not one token (white
 * space or a control character inside: a file written half or twice; a
 * line break would end an HTTP header and start another) are G6_EINVAL. The secret never appears in
 * the error message. No copy of the content is left in memory freed on the
 * way (a file that grows while it is read, a refused one): each is zeroed
 * first. The caller frees *out with g6_secret_free (core/buf.h). */
g6_status g6_read_secret_file(const char *path, char **out, g6_error *err);

/* Restates a g6_read_secret_file failure `s` (err holds its message) as a
 * configuration error: `<option> "<path>": <problem>; allowed: a regular
 * file, not empty, that group and other cannot access (mode 0600 or 0400),
 * holding the <holding> as one word`. Returns s; G6_ENOMEM (or a NULL err) is passed
 * through as it is. */
g6_status g6_secret_file_error(g6_status s, const char *option,
                               const char *path, const char *holding,
                               g6_error *err);

/* g6_read_secret_file of the file a configuration option names, a failure
 * restated by g6_secret_file_error (its status kept: G6_ENOENT for a file
 * not there yet, ...). */
g6_status g6_read_secret_option(const char *path, const char *option,
                                const char *holding, char **out,
                                g6_error *err);

#endif
