/* g6 — descriptors held open across cycles, under one process-wide budget,
 * numbered at or above FD_SETSIZE.
 *
 * Why: appending one row to each of the day's per-strike CSV files costs
 * openat + fstat + write + close per file (~4,000 files a cycle at 5 indices
 * × 4 expiries × 201 strikes); with the file kept open only fstat + write
 * remain: a third less kernel time between two cycles 30 s apart (the
 * write itself, dirtying a page written back meanwhile, is most of the
 * rest; bench/chain/append_cost.c). But g6
 * runs inside collectd next to other plugins: thousands of descriptors
 * would use up a default soft RLIMIT_NOFILE of 1,024 and push everyone
 * else's new descriptors past 1,024, where select(2) cannot watch them
 * (FD_SETSIZE). So held descriptors are moved to numbers >= FD_SETSIZE
 * (fcntl F_DUPFD_CLOEXEC; open(2) hands out the lowest free number, so the
 * low numbers stay free for the other plugins), the soft limit is raised to
 * make room for them — within the hard limit, as systemd's LimitNOFILE=
 * guidance asks of programs that need many descriptors (systemd.exec(5);
 * L. Poettering, "File Descriptor Limits", 2021) — and never more are held
 * than the budget. A descriptor the budget has no room for is simply not
 * held: the caller goes on opening and closing its file per use.
 *
 * Thread-safe: index threads hold and release concurrently. */
#ifndef G6_FDHOLD_H
#define G6_FDHOLD_H

#include "core/status.h"

#include <stdbool.h>
#include <stddef.h>

/* The descriptors g6 leaves below the hard limit for everything else that
 * may open files above FD_SETSIZE (it does not count them). */
#define G6_FDHOLD_SLACK 64

/* Sets the budget to at most `want` descriptors (0 holds none) and raises
 * the soft RLIMIT_NOFILE, if needed and the hard limit allows, to
 * FD_SETSIZE + want + G6_FDHOLD_SLACK. *granted (may be NULL) receives the
 * budget in force: `want`, or less when the hard limit is lower (0 when it
 * is at or below FD_SETSIZE + G6_FDHOLD_SLACK). The soft limit is never
 * lowered. Descriptors already held stay held; a smaller budget only stops
 * new ones. Returns G6_OK, or G6_EIO when getrlimit/setrlimit fail (err
 * says which; the budget is then 0). */
g6_status g6_fdhold_budget(size_t want, size_t *granted, g6_error *err);

/* g6_fdhold_budget for a plugin's start-up, with the line to log in
 * `msg` (cap bytes; empty when want is 0), naming `option`: what was
 * granted and the soft limit, or why less was (the hard limit, or the
 * getrlimit/setrlimit error). When `dir` (the directory the files live
 * in; may be NULL) is on a file system whose files are not held
 * (g6_fdhold_fs_type), the budget is 0, the soft limit is left alone and
 * msg says so. Returns true when all of `want` was granted or dir's file
 * system is why none was (log msg as information), false when not (log it
 * as a warning: the files beyond the budget are opened per append). */
bool g6_fdhold_setup(size_t want, const char *option, const char *dir,
                     char *msg, size_t cap);

/* Holds `fd`: returns a duplicate numbered >= FD_SETSIZE with close-on-exec
 * set, and closes `fd`. Returns -1 and leaves `fd` open and untouched when
 * the budget is spent (or zero) or the duplicate fails. */
int g6_fdhold(int fd);

/* Closes a descriptor returned by g6_fdhold and frees its place in the
 * budget. Returns close(2)'s result (its errno on failure); -1 with EBADF
 * for a negative fd. */
int g6_fdhold_release(int held);

/* Whether files of the file system with statfs(2) type `f_type` may be
 * held open between appends: true for the local file systems below; false
 * for network and user-space ones and any other. On NFS, close(2) is where
 * write-back errors are reported and where the server's copy, and so what
 * other clients see, is brought up to date (close-to-open consistency,
 * nfs(5) "Data and metadata coherence"); SMB, Ceph, 9p and FUSE file
 * systems (sshfs, ...) are network file systems too or may be. Held there,
 * rows would reach other hosts late and a failed write-back would go
 * unseen, so their files are opened and closed per append. `name` (24
 * bytes) receives the file system's name ("ext4", "nfs", ...), or its
 * type in hex when g6 does not know it. Types: linux/magic.h; zfs, gfs2,
 * lustre and bcachefs from their sources. */
bool g6_fdhold_fs_type(unsigned long f_type, char name[24]);

/* g6_fdhold_fs_type for the file system of an open descriptor (fstatfs);
 * false, with name "unknown", when fstatfs fails. */
bool g6_fdhold_local_fs(int fd, char name[24]);

/* Frees the place in the budget of a descriptor returned by g6_fdhold
 * that is no longer the holder's (closed behind its back, the number since
 * reused by someone else): the descriptor is not closed. */
void g6_fdhold_forget(int held);

/* Descriptors held now, and the budget in force. */
size_t g6_fdhold_count(void);
size_t g6_fdhold_limit(void);

#endif
