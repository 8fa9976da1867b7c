#include "core/fdhold.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/vfs.h>
#include <unistd.h>

static atomic_size_t budget; /* descriptors that may be held */
static atomic_size_t held;   /* descriptors held now */

g6_status g6_fdhold_budget(size_t want, size_t *granted, g6_error *err) {
  atomic_store(&budget, 0);
  if (granted != NULL)
    *granted = 0;
  if (want == 0)
    return G6_OK;
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return g6_error_set(err, G6_EIO, "getrlimit(RLIMIT_NOFILE): %s",
                        strerror(errno));
  const rlim_t base = FD_SETSIZE + G6_FDHOLD_SLACK; /* kept for others */
  rlim_t hard = rl.rlim_max;
  if (hard != RLIM_INFINITY && hard <= base)
    return G6_OK; /* no room above FD_SETSIZE: hold nothing */
  size_t room = hard == RLIM_INFINITY || hard - base > (rlim_t)want
                    ? want
                    : (size_t)(hard - base);
  rlim_t need = base + (rlim_t)room;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
    rl.rlim_cur = need;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
      return g6_error_set(err, G6_EIO,
                          "setrlimit(RLIMIT_NOFILE) to a soft limit of %llu: "
                          "%s",
                          (unsigned long long)need, strerror(errno));
  }
  atomic_store(&budget, room);
  if (granted != NULL)
    *granted = room;
  return G6_OK;
}

bool g6_fdhold_setup(size_t want, const char *option, const char *dir,
                     char *msg, size_t cap) {
  size_t granted = 0;
  g6_error e;
  msg[0] = '\0';
  struct statfs sf;
  char fs[24];
  if (want > 0 && dir != NULL && statfs(dir, &sf) == 0 &&
      !g6_fdhold_fs_type((unsigned long)sf.f_type, fs)) {
    g6_fdhold_budget(0, NULL, NULL);
    snprintf(msg, cap,
             "%s is on %s, %s: its CSV files are opened and closed per append "
             "(%s applies to local file systems)",
             dir, fs,
             strncmp(fs, "type ", 5) == 0
                 ? "which g6 does not know as a local file system"
                 : "not a local file system",
             option);
    return true;
  }
  if (g6_fdhold_budget(want, &granted, &e) != G6_OK) {
    snprintf(msg, cap, "%s %zu: %s; every CSV file is opened per append",
             option, want, e.msg);
    return false;
  }
  struct rlimit rl = {0, 0};
  getrlimit(RLIMIT_NOFILE, &rl);
  if (granted < want) {
    snprintf(msg, cap,
             "%s %zu: the hard RLIMIT_NOFILE (%llu) leaves room for %zu "
             "above descriptor %d; the other CSV files are opened per append "
             "(raise LimitNOFILE= for collectd)",
             option, want, (unsigned long long)rl.rlim_max, granted,
             FD_SETSIZE);
    return false;
  }
  if (want > 0)
    snprintf(msg, cap,
             "keeping up to %zu CSV files open, from descriptor %d up (soft "
             "RLIMIT_NOFILE %llu)",
             granted, FD_SETSIZE, (unsigned long long)rl.rlim_cur);
  return true;
}

int g6_fdhold(int fd) {
  if (fd < 0)
    return -1;
  size_t n = atomic_load(&held);
  do {
    if (n >= atomic_load(&budget))
      return -1;
  } while (!atomic_compare_exchange_weak(&held, &n, n + 1));
  int hi = fcntl(fd, F_DUPFD_CLOEXEC, FD_SETSIZE);
  if (hi < 0) {
    atomic_fetch_sub(&held, 1);
    return -1;
  }
  close(fd);
  return hi;
}

int g6_fdhold_release(int fd) {
  if (fd < 0) {
    errno = EBADF;
    return -1;
  }
  int rc = close(fd); /* then its place: never more open than the budget */
  int e = errno;
  atomic_fetch_sub(&held, 1);
  errno = e;
  return rc;
}

void g6_fdhold_forget(int fd) {
  if (fd >= 0)
    atomic_fetch_sub(&held, 1);
}

size_t g6_fdhold_count(void) { return atomic_load(&held); }
size_t g6_fdhold_limit(void) { return atomic_load(&budget); }

/* File systems g6 knows, local (files may be held open) or not. */
static const struct {
  unsigned long type;
  const char *name;
  bool local;
} fs_types[] = {
    {EXT4_SUPER_MAGIC, "ext4", true}, /* ext2, ext3 and ext4 */
    {XFS_SUPER_MAGIC, "xfs", true},
    {BTRFS_SUPER_MAGIC, "btrfs", true},
    {TMPFS_MAGIC, "tmpfs", true},
    {RAMFS_MAGIC, "ramfs", true},
    {F2FS_SUPER_MAGIC, "f2fs", true},
    {OVERLAYFS_SUPER_MAGIC, "overlayfs", true}, /* containers */
    {REISERFS_SUPER_MAGIC, "reiserfs", true},
    {0x3153464aUL, "jfs", true},       /* JFS_SUPER_MAGIC, fs/jfs */
    {0x2fc12fc1UL, "zfs", true},       /* ZFS_SUPER_MAGIC, OpenZFS */
    {0xca451a4eUL, "bcachefs", true},  /* BCACHEFS_STATFS_MAGIC */
    {NFS_SUPER_MAGIC, "nfs", false},
    {SMB_SUPER_MAGIC, "smb", false},
    {CIFS_SUPER_MAGIC, "cifs", false},
    {SMB2_SUPER_MAGIC, "smb2", false},
    {CEPH_SUPER_MAGIC, "ceph", false},
    {V9FS_MAGIC, "9p", false},
    {FUSE_SUPER_MAGIC, "fuse", false},
    {AFS_SUPER_MAGIC, "afs", false},
    {AFS_FS_MAGIC, "afs", false},
    {OCFS2_SUPER_MAGIC, "ocfs2", false},
    {0x01161970UL, "gfs2", false},     /* GFS2_MAGIC, cluster file system */
    {0x0bd00bd0UL, "lustre", false},   /* LL_SUPER_MAGIC */
};

bool g6_fdhold_fs_type(unsigned long f_type, char name[24]) {
  f_type &= 0xffffffffUL; /* f_type is a signed long: 32-bit magic values */
  for (size_t i = 0; i < sizeof(fs_types) / sizeof(fs_types[0]); i++)
    if (fs_types[i].type == f_type) {
      snprintf(name, 24, "%s", fs_types[i].name);
      return fs_types[i].local;
    }
  snprintf(name, 24, "type 0x%lx", f_type);
  return false;
}

bool g6_fdhold_local_fs(int fd, char name[24]) {
  struct statfs sf;
  if (fstatfs(fd, &sf) != 0) {
    snprintf(name, 24, "unknown");
    return false;
  }
  return g6_fdhold_fs_type((unsigned long)sf.f_type, name);
}
