#include "g6_test.h"

#include "core/fsutil.h"
#include "core/hash.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

G6_TEST_TMPDIR("fsutil")

static int count_entries(const char *path) {
  DIR *d = opendir(path);
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      n++;
  if (d)
    closedir(d);
  return n;
}

static void atomic_write_replaces_and_sets_mode(void **state) {
  (void)state;
  char path[300], *text = NULL;
  size_t len = 0;
  g6_error e;
  snprintf(path, sizeof(path), "%s/panel.json", dir);
  assert_int_equal(g6_atomic_write(path, "old", 3, 0644, true, &e), G6_OK);
  assert_int_equal(g6_atomic_write(path, "new!", 4, 0600, true, &e), G6_OK);
  assert_int_equal(g6_read_file(path, 100, &text, &len, &e), G6_OK);
  assert_int_equal(len, 4);
  assert_string_equal(text, "new!");
  free(text);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  assert_int_equal(count_entries(dir), 1); /* no temporary file left */
}

static void atomic_write_failure_leaves_target(void **state) {
  (void)state;
  char path[300], *text = NULL;
  g6_error e;
  char sub[280];
  snprintf(sub, sizeof(sub), "%s/fail", dir);
  assert_int_equal(mkdir(sub, 0755), 0);
  snprintf(path, sizeof(path), "%s/missing-dir/x.json", sub);
  assert_int_not_equal(g6_atomic_write(path, "x", 1, 0644, true, &e), G6_OK);
  assert_non_null(strstr(e.msg, "missing-dir/x.json"));
  /* rename onto a directory fails: the directory and its content survive */
  snprintf(path, sizeof(path), "%s/adir", sub);
  assert_int_equal(mkdir(path, 0755), 0);
  assert_int_not_equal(g6_atomic_write(path, "x", 1, 0644, false, &e), G6_OK);
  assert_non_null(strstr(e.msg, "rename"));
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_true(S_ISDIR(st.st_mode));
  assert_int_equal(count_entries(sub), 1); /* temp file cleaned up */
  rmdir(path);
  (void)text;
}

static void read_file_limits(void **state) {
  (void)state;
  char path[300], *text = NULL;
  size_t len = 0;
  g6_error e;
  snprintf(path, sizeof(path), "%s/big", dir);
  char data[1000];
  memset(data, 'z', sizeof(data));
  assert_int_equal(g6_atomic_write(path, data, sizeof(data), 0644, false, &e),
                   G6_OK);
  assert_int_equal(g6_read_file(path, 999, &text, &len, &e), G6_ETOOBIG);
  assert_int_equal(g6_read_file(path, 1000, &text, &len, &e), G6_OK);
  assert_int_equal(len, 1000);
  free(text);
  assert_int_equal(g6_read_file(dir, 1000, &text, &len, &e), G6_EINVAL);
  snprintf(path, sizeof(path), "%s/nope", dir);
  assert_int_equal(g6_read_file(path, 1000, &text, &len, &e), G6_ENOENT);
  unlink(path);
  snprintf(path, sizeof(path), "%s/big", dir);
  unlink(path);
  /* a FIFO without a writer: refused at once (a blocking open would wait
   * forever, and SIGALRM ends the test) */
  snprintf(path, sizeof(path), "%s/fifo", dir);
  assert_int_equal(mkfifo(path, 0600), 0);
  alarm(10);
  assert_int_equal(g6_read_file(path, 1000, &text, &len, &e), G6_EINVAL);
  alarm(0);
  assert_non_null(strstr(e.msg, "is not a regular file"));
  unlink(path);
}

static void mkdir_p_nested(void **state) {
  (void)state;
  char path[300];
  g6_error e;
  snprintf(path, sizeof(path), "%s/a/b/c/", dir);
  assert_int_equal(g6_mkdir_p(path, 0755, &e), G6_OK);
  assert_int_equal(g6_mkdir_p(path, 0755, &e), G6_OK); /* idempotent */
  snprintf(path, sizeof(path), "%s/a/file", dir);
  assert_int_equal(g6_atomic_write(path, "x", 1, 0644, false, &e), G6_OK);
  snprintf(path, sizeof(path), "%s/a/file/sub", dir);
  assert_int_not_equal(g6_mkdir_p(path, 0755, &e), G6_OK);
  assert_non_null(strstr(e.msg, "a/file"));
  /* a DataDir too long for the kernel: said so, not "bad directory path"
   * followed by 5000 bytes of it */
  char *lng = malloc(5001);
  assert_non_null(lng);
  memset(lng, 'a', 5000);
  lng[0] = '/';
  lng[5000] = '\0';
  assert_int_equal(g6_mkdir_p(lng, 0755, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "is 5000 bytes long; allowed: at most 4095"));
  assert_true(strlen(e.msg) < 200);
  free(lng);
  assert_int_equal(g6_mkdir_p("", 0755, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "empty directory path"));
}

/* A relative path gets the working directory in front of it (collectd's
 * BaseDir at init); an absolute one, or "/" as the working directory,
 * gets no doubled slash; an absolute one is left as it is. */
static void path_absolute(void **state) {
  (void)state;
  char cwd[PATH_MAX], here[PATH_MAX], want[PATH_MAX + 16];
  assert_non_null(getcwd(cwd, sizeof(cwd)));
  assert_int_equal(chdir(dir), 0);
  assert_non_null(getcwd(here, sizeof(here))); /* dir with links resolved */
  char *p = strdup("data/g6");
  assert_int_equal(g6_path_absolute(&p, NULL), G6_OK);
  snprintf(want, sizeof(want), "%s/data/g6", here);
  assert_string_equal(p, want);
  char *same = p;
  assert_int_equal(g6_path_absolute(&p, NULL), G6_OK);
  assert_ptr_equal(p, same); /* already absolute: untouched */
  free(p);
  assert_int_equal(chdir("/"), 0);
  p = strdup("var/lib/g6");
  assert_int_equal(g6_path_absolute(&p, NULL), G6_OK);
  assert_string_equal(p, "/var/lib/g6");
  free(p);
  assert_int_equal(chdir(cwd), 0);
}

/* "/" however spelled is found by device and inode, not by its text: the
 * reviewer's "/tmp/..", "/.", "/./" and a symbolic link to "/" passed the
 * old textual check of g6_dir_claim (and of g6_retention's DataDir). */
static void root_by_inode(void **state) {
  (void)state;
  char link[300], sub[300], dotdot[320];
  snprintf(link, sizeof(link), "%s/to-root", dir);
  assert_int_equal(symlink("/", link), 0);
  snprintf(sub, sizeof(sub), "%s/sub", dir);
  assert_int_equal(mkdir(sub, 0755), 0);
  snprintf(dotdot, sizeof(dotdot), "%s/sub/..", dir);
  static const char *const roots[] = {"/", "//", "/.", "/./", "/tmp/..",
                                      "/tmp/../tmp/.."};
  for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
    if (!g6_path_is_root(roots[i]))
      fail_msg("%s: not found to be the root directory", roots[i]);
  assert_true(g6_path_is_root(link));
  assert_false(g6_path_is_root(dir));
  assert_false(g6_path_is_root(sub));
  assert_false(g6_path_is_root("/tmp"));
  assert_false(g6_path_is_root("/g6-no-such-directory/.."));
  int fd = open("/tmp/..", O_RDONLY | O_DIRECTORY);
  assert_true(fd >= 0);
  assert_true(g6_fd_is_root(fd));
  close(fd);
  fd = open(dir, O_RDONLY | O_DIRECTORY);
  assert_true(fd >= 0);
  assert_false(g6_fd_is_root(fd));
  close(fd);
  assert_true(g6_same_file(dir, dotdot)); /* <dir>/sub/.. is <dir> */
  assert_false(g6_same_file(sub, dotdot));
  char subdot[320];
  snprintf(subdot, sizeof(subdot), "%s/sub/.", dir);
  assert_true(g6_same_file(sub, subdot));
  assert_true(g6_same_file("/", link));
  assert_false(g6_same_file(sub, "/g6-no-such-directory"));
  unlink(link);
  rmdir(sub);
}

/* g6_chain's DataDir: the root directory is refused however spelled, and
 * nothing is written there (no write probe, no lock). */
static void dir_claim_refuses_root(void **state) {
  (void)state;
  char link[300], ok_dir[300];
  snprintf(link, sizeof(link), "%s/to-root", dir);
  assert_int_equal(symlink("/", link), 0);
  const char *const roots[] = {"/", "/.", "/./", "/tmp/..", link};
  for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
    int fd = 7;
    char note[128];
    g6_error e = {0};
    if (g6_dir_claim(roots[i], "DataDir", "x", &fd, note, sizeof(note), &e) !=
        G6_EINVAL)
      fail_msg("%s: claimed", roots[i]);
    assert_int_equal(fd, -1);
    assert_non_null(strstr(e.msg, "DataDir"));
    assert_non_null(strstr(e.msg, roots[i]));
    assert_non_null(strstr(e.msg, "root directory"));
  }
  unlink(link);
  snprintf(ok_dir, sizeof(ok_dir), "%s/data/g6", dir);
  int fd = -1;
  char note[128];
  g6_error e = {0};
  assert_int_equal(g6_dir_claim(ok_dir, "DataDir", "x", &fd, note, sizeof(note), &e),
                   G6_OK);
  assert_true(fd >= 0);
  close(fd);
}

static void secret_files(void **state) {
  (void)state;
  char path[300], *secret = NULL;
  g6_error e;
  snprintf(path, sizeof(path), "%s/kite.key", dir);
  assert_int_equal(g6_atomic_write(path, "  abc123\n", 9, 0644, false, &e),
                   G6_OK);
  assert_int_equal(g6_read_secret_file(path, &secret, &e), G6_EPERM);
  assert_non_null(strstr(e.msg, "chmod 600"));
  assert_null(strstr(e.msg, "abc123")); /* never leak the secret */
  assert_int_equal(chmod(path, 0600), 0);
  assert_int_equal(g6_read_secret_file(path, &secret, &e), G6_OK);
  assert_string_equal(secret, "abc123");
  free(secret);
  assert_int_equal(g6_atomic_write(path, " \n", 2, 0400, false, &e), G6_OK);
  assert_int_equal(g6_read_secret_file(path, &secret, &e), G6_EINVAL);
  /* one token, at start-up too: a line break would end the Authorization
   * header and start another (header injection); a file written twice */
  const char *not_one[] = {"abc123\r\nX-Injected: 1\n", "abc123\nabc124\n",
                           "abc 123", "abc\t123", "abc\x01" "123",
                           "abc\x7f" "123"};
  for (size_t i = 0; i < sizeof(not_one) / sizeof(not_one[0]); i++) {
    assert_int_equal(g6_atomic_write(path, not_one[i], strlen(not_one[i]),
                                     0600, false, &e),
                     G6_OK);
    secret = NULL;
    if (g6_read_secret_file(path, &secret, &e) != G6_EINVAL)
      fail_msg("vector %zu read as a secret", i);
    assert_null(secret);
    assert_non_null(strstr(e.msg, "not one token"));
    assert_null(strstr(e.msg, "abc")); /* never the secret */
  }
  assert_int_equal(g6_read_secret_file(dir, &secret, &e), G6_EPERM);
  /* restated as a configuration error: option, value, problem, allowed */
  assert_int_equal(g6_secret_file_error(G6_EPERM, "KeyFile", dir, "HMAC key",
                                        &e),
                   G6_EPERM);
  char want[2 * sizeof(e.msg)];
  snprintf(want, sizeof(want),
           "KeyFile \"%s\": secret file %s is not a regular file; allowed: a "
           "regular file, not empty, that group and other cannot access "
           "(mode 0600 or 0400), holding the HMAC key as one word",
           dir, dir);
  assert_string_equal(e.msg, want);
  assert_int_equal(g6_secret_file_error(G6_ENOMEM, "KeyFile", dir, "x", &e),
                   G6_ENOMEM);
  assert_string_equal(e.msg, want); /* passed through untouched */
}

typedef struct sync_arg {
  const char *dir;
  int calls, failures;
} sync_arg;

static void *sync_thread(void *vp) {
  sync_arg *a = vp;
  for (int i = 0; i < a->calls; i++) {
    g6_error e;
    if (g6_syncfs_shared(a->dir, &e) != G6_OK)
      a->failures++;
  }
  return NULL;
}

/* One after the other, every call needs a syncfs of its own (none that
 * started before it may count); at the same time, threads share them. */
static void syncfs_shared_group_commit(void **state) {
  (void)state;
  char tmpl[] = "/tmp/g6-test-syncfs-XXXXXX";
  char *sdir = tmpl;
  assert_non_null(mkdtemp(sdir));
  g6_error e;
  uint64_t before = g6_syncfs_shared_count();
  for (int i = 0; i < 5; i++)
    assert_int_equal(g6_syncfs_shared(sdir, &e), G6_OK);
  assert_int_equal(g6_syncfs_shared_count() - before, 5);

  enum { THREADS = 8, CALLS = 10 };
  pthread_t th[THREADS];
  sync_arg args[THREADS];
  before = g6_syncfs_shared_count();
  for (int i = 0; i < THREADS; i++) {
    args[i] = (sync_arg){sdir, CALLS, 0};
    assert_int_equal(pthread_create(&th[i], NULL, sync_thread, &args[i]), 0);
  }
  for (int i = 0; i < THREADS; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(args[i].failures, 0);
  }
  uint64_t syncs = g6_syncfs_shared_count() - before;
  assert_true(syncs >= 1 && syncs <= THREADS * CALLS);
  printf("# %d concurrent calls took %llu syncfs\n", THREADS * CALLS,
         (unsigned long long)syncs);

  char missing[64];
  snprintf(missing, sizeof(missing), "%s/nope", sdir);
  assert_int_equal(g6_syncfs_shared(missing, &e), G6_ENOENT);
  assert_non_null(strstr(e.msg, missing));
  assert_int_equal(rmdir(sdir), 0);
}

/* FIPS 180-2 and RFC 4231 vectors. */
static void hash_vectors(void **state) {
  (void)state;
  char hex[65];
  assert_int_equal(g6_sha256_hex("abc", 3, hex), G6_OK);
  assert_string_equal(
      hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert_int_equal(g6_sha256_hex("", 0, hex), G6_OK);
  assert_string_equal(
      hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  unsigned char key[20];
  memset(key, 0x0b, sizeof(key));
  assert_int_equal(g6_hmac_sha256_hex(key, sizeof(key), "Hi There", 8, hex),
                   G6_OK);
  assert_string_equal(
      hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  assert_int_equal(g6_hmac_sha256_hex("Jefe", 4, "what do ya want for nothing?",
                                      28, hex),
                   G6_OK);
  assert_string_equal(
      hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  assert_true(g6_hex_equal("abc", "abc"));
  assert_false(g6_hex_equal("abc", "abd"));
  assert_false(g6_hex_equal("abc", "abcd"));
}

/* g6_dir_claim: the probe leaves nothing behind; a second claim of the
 * directory is refused, and the message says whether another process or
 * another g6 plugin of this one holds it (g6_chain's DataDir given to
 * g6_panels as PanelsDir); the root directory is refused. */
static void dir_claims(void **state) {
  (void)state;
  char d[300], note[256];
  snprintf(d, sizeof(d), "%s/claim/data", dir);
  int fd = -1, fd2 = -1;
  g6_error e;
  assert_int_equal(g6_dir_claim(d, "DataDir", "two writers would clash", &fd,
                                note, sizeof(note), &e),
                   G6_OK);
  assert_true(fd >= 0);
  assert_string_equal(note, "");
  assert_int_equal(count_entries(d), 0);
  assert_int_equal(g6_dir_check_writable(d, "DataDir", &e), G6_OK);
  assert_int_equal(count_entries(d), 0);
  assert_int_equal(g6_dir_claim(d, "PanelsDir", "x", &fd2, note,
                                sizeof(note), &e),
                   G6_EEXIST);
  assert_int_equal(fd2, -1);
  char want[600];
  snprintf(want, sizeof(want),
           "PanelsDir \"%s\" is already used by another g6 plugin of this "
           "collectd (g6_chain's DataDir and g6_panels' PanelsDir must be "
           "different directories)",
           d);
  if (strstr(e.msg, want) == NULL)
    fail_msg("got: %s", e.msg);
  close(fd);
  assert_int_equal(g6_dir_claim(d, "PanelsDir", "x", &fd2, note, sizeof(note),
                                &e),
                   G6_OK);
  close(fd2);
  assert_int_equal(g6_dir_claim("/", "DataDir", "x", &fd, note, sizeof(note),
                                &e),
                   G6_EINVAL);
  assert_non_null(strstr(e.msg, "DataDir \"/\": the root directory"));
  /* the bounded claim is the same claim on storage that answers (a hung
   * one: tests/integration/hung_storage.t freezes a file system) */
  assert_int_equal(g6_dir_claim_within(5, d, "DataDir", "x", &fd, note,
                                       sizeof(note), &e),
                   G6_OK);
  assert_true(fd >= 0);
  assert_string_equal(note, "");
  assert_int_equal(g6_dir_claim_within(5, d, "PanelsDir", "x", &fd2, note,
                                       sizeof(note), &e),
                   G6_EEXIST);
  assert_int_equal(fd2, -1);
  if (strstr(e.msg, want) == NULL)
    fail_msg("got: %s", e.msg);
  close(fd);
  assert_int_equal(g6_dir_claim_within(5, "/", "DataDir", "x", &fd, note,
                                       sizeof(note), &e),
                   G6_EINVAL);
  assert_non_null(strstr(e.msg, "DataDir \"/\": the root directory"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(atomic_write_replaces_and_sets_mode),
      cmocka_unit_test(atomic_write_failure_leaves_target),
      cmocka_unit_test(read_file_limits),
      cmocka_unit_test(mkdir_p_nested),
      cmocka_unit_test(path_absolute),
      cmocka_unit_test(root_by_inode),
      cmocka_unit_test(dir_claim_refuses_root),
      cmocka_unit_test(secret_files),
      cmocka_unit_test(syncfs_shared_group_commit),
      cmocka_unit_test(hash_vectors),
      cmocka_unit_test(dir_claims),
  };
  cmocka_set_message_output(CM_OUTPUT_TAP);
  return cmocka_run_group_tests(tests, setup, teardown);
}
