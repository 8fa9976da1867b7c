/* g6 — the snapshot history: every snapshot kept, for replay.
 *
 * With g6_chain's KeepSnapshots, each snapshot written to
 * <DataDir>/snapshots/<INDEX>.json is also kept as
 *
 *   <DataDir>/snapshots/<INDEX>/<YYYY-MM-DD>/<seq>.json
 *
 * (the IST date of generated_at, like the CSV files). The latest file is
 * replaced by rename and never modified in place, so the history entry is a
 * hard link to it: no bytes are written twice. Where the file system has no
 * hard links the file is copied (atomically). `g6 replay` reads these
 * directories back in order. */
#ifndef G6_SNAPSHOT_HISTORY_H
#define G6_SNAPSHOT_HISTORY_H

#include "core/status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes the history path of a snapshot into out. G6_EINVAL when it does
 * not fit in len bytes. */
g6_status g6_snapshot_history_path(const char *data_dir, const char *index,
                                   int64_t generated_at, uint64_t seq,
                                   char *out, size_t len);

/* Keeps the current <data_dir>/snapshots/<index>.json (just written by
 * g6_snapshot_write, with this seq and generated_at) in the history,
 * creating the directories. A kept snapshot is never replaced: an entry of
 * the same name that is another file is G6_EEXIST (message naming it; the
 * history lost nothing), one that already is this file G6_OK. With
 * `durable` the new directory entries (the file's, and a new day
 * directory's) are fsynced. Returns G6_OK or the failure (ENOENT when there
 * is no latest file, ENOSPC, EPERM, ...) with a message naming the path. */
g6_status g6_snapshot_history_keep(const char *data_dir, const char *index,
                                   int64_t generated_at, uint64_t seq,
                                   bool durable, g6_error *err);

/* The largest seq kept in the history of `index` (every <seq>.json of
 * every day directory) into *seq, 0 when there is none (no history
 * directory). Reads directory entries only. G6_OK, or the failure to read
 * the index's directory or one of its day directories (EMFILE, EIO, EPERM,
 * ...; the message names it; *seq is 0 then): a largest seq that may be
 * hidden is not guessed. A day name that is not a directory, or that went
 * away meanwhile, holds nothing. */
g6_status g6_snapshot_history_last_seq(const char *data_dir,
                                       const char *index, uint64_t *seq,
                                       g6_error *err);

/* Removes what a crash mid-copy left in the history of `index`: where the
 * file system refuses hard links a snapshot is kept by an atomic copy
 * (core/fsutil.h g6_atomic_write), whose temporary file
 * ".<seq>.json.tmp.XXXXXX" a killed writer leaves in the day directory.
 * Every day directory (a "YYYY-MM-DD" entry) is looked at; only such names
 * go, only regular files, and only those last modified at least
 * `min_age_s` seconds ago (g6_atomic_remove_stale_dir: 0 for the index's
 * one writer, g6_chain's index thread under its DataDir lock). Returns how
 * many were removed; what cannot be read removes nothing. */
size_t g6_snapshot_history_remove_stale(const char *data_dir,
                                        const char *index, double min_age_s);

/* Where a writer's sequence resumes: *seq is the larger of the latest
 * file's seq (store/snapshot.h) and the history's, so a latest file that
 * was deleted or is not a snapshot any more never restarts it under names
 * the history holds. With `keep` (KeepSnapshots) it fails, *seq untouched,
 * when either cannot be read this time (a latest file that exists but
 * cannot be read, EMFILE, EIO; a history directory that cannot be read):
 * the caller writes no snapshot until it resumes. Without `keep` those
 * count as 0. */
g6_status g6_snapshot_resume_seq(const char *data_dir, const char *index,
                                 bool keep, uint64_t *seq, g6_error *err);

/* Before writing snapshot *seq + 1 generated at `generated_at`: when the
 * history already holds a file under that name (put there by another
 * program, a restored backup), *seq moves to the history's largest seq, so
 * the next snapshot takes a name no kept snapshot has. G6_OK (*seq
 * unchanged when the name is free), or the failure of reading the history
 * (*seq unchanged: the caller must not write). */
g6_status g6_snapshot_history_next_seq(const char *data_dir,
                                       const char *index,
                                       int64_t generated_at, uint64_t *seq,
                                       g6_error *err);

/* Before the latest file is replaced (after a restart: a crash between
 * its rename into place and its link; after a failed link): keeps the
 * latest file in the history when it is not there, under its own seq and
 * generated_at. G6_OK when it is kept now or was before (the entry is this
 * file, or a copy with the same bytes), or when there is nothing to keep:
 * no latest file, one that is not a snapshot, or — at a restart, `now`
 * the cycle's time — a snapshot of a day before `now`'s (IST) whose day
 * directory no longer exists: g6_retention pruned that day during the
 * stop, and it is not made again. `now` 0 (retrying a link that failed in
 * this run: the directory may never have been made) keeps it whatever its
 * day. Otherwise a failure, and the
 * latest file must not be replaced (it is not in the history): the
 * failure of g6_snapshot_history_keep, the read failure of a latest file
 * that exists but cannot be read, or G6_EEXIST when another file has its
 * history name (neither is replaced; the message names both). */
g6_status g6_snapshot_history_recover(const char *data_dir, const char *index,
                                      int64_t now, bool durable,
                                      g6_error *err);

/* The files under `path`, in replay order: a file is itself; a directory is
 * searched recursively for files whose names end in one of `suffixes`
 * (NULL-terminated, e.g. ".json", ".csv"), ordered by their directory
 * (dates sort as text) and then by the number their name starts with (seq),
 * then by name. *out is a malloc'ed array of malloc'ed paths
 * (free with g6_snapshot_files_free). Hidden entries (".name") and
 * temporary files are skipped. Symbolic links below a directory are never
 * followed (as g6_chain's CSV sink never writes through one and
 * g6_retention never descends one): every one, whatever its name or target
 * (a file, a directory, a loop, nothing), is listed as it is, and so is a
 * FIFO, socket or device with one of the suffixes; callers read the files
 * with g6_read_file_nofollow, which refuses them naming what they are, and
 * report them like any unusable file. `path` itself may be a link (the
 * caller's choice): a directory is walked through it, a file is listed as
 * the path it resolves to. Each directory (device and inode) is entered
 * once (bind mounts). A subdirectory that cannot be read, and a file with
 * one of the suffixes that cannot be looked at (EACCES), are listed as
 * they are: reading them fails with the cause, which callers report like
 * any unusable file. So is an entry whose path is longer than PATH_MAX (a
 * file, a link, or a directory, which is then not entered): it cannot be
 * opened, and reading it says so, the path shortened; it is never left
 * out in silence. G6_ENOENT when path does not
 * exist, G6_EIO when path is a directory that cannot be read (message
 * names it), G6_EINVAL for a tree more than 64 directories deep,
 * G6_ENOMEM. */
g6_status g6_snapshot_files(const char *path, const char *const *suffixes,
                            char ***out, size_t *n, g6_error *err);
void g6_snapshot_files_free(char **files, size_t n);

#endif
