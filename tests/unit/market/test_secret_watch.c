#include "g6_test.h"

#include "core/fsutil.h"
#include "market/secret_watch.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64], path[128];

static int setup(void) {
  snprintf(dir, sizeof(dir), "/tmp/g6-secret-watch-XXXXXX");
  if (mkdtemp(dir) == NULL)
    return -1;
  snprintf(path, sizeof(path), "%s/kite.token", dir);
  return 0;
}

static void teardown(void) {
  unlink(path);
  rmdir(dir);
}

/* Replaced as `g6 kite-token` does: a new file renamed over. */
static void replace(const char *text) {
  g6_error e;
  if (g6_atomic_write(path, text, strlen(text), 0600, false, &e) != G6_OK)
    fail_msg("%s", e.msg);
}

/* Written in place, as `cp` or a shell redirection does: n bytes of text
 * (0: strlen). */
static void write_in_place_n(const char *text, size_t n) {
  if (n == 0)
    n = strlen(text);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, n), (ssize_t)n);
  close(fd);
}

static void write_in_place(const char *text) { write_in_place_n(text, 0); }

static void poll_ok(g6_secret_watch *w, const char *want) {
  char *got = NULL;
  g6_error e;
  assert_int_equal(g6_secret_watch_poll(w, &got, &e), G6_OK);
  if (want == NULL) {
    assert_null(got);
    return;
  }
  assert_non_null(got);
  assert_string_equal(got, want);
  free(got);
}

static void poll_fails(g6_secret_watch *w, g6_status want, const char *words) {
  char *got = NULL;
  g6_error e;
  assert_int_equal(g6_secret_watch_poll(w, &got, &e), want);
  assert_null(got);
  assert_non_null(strstr(e.msg, path));
  assert_non_null(strstr(e.msg, words));
}

/* The file as it was when the watch started is no news; each replacement
 * is read once, whether renamed over or rewritten in place with the same
 * size (mtime and ctime with nanoseconds tell). */
static void each_new_version_is_read_once(void **state) {
  (void)state;
  replace("token-day-1\n");
  g6_secret_watch w;
  g6_secret_watch_init(&w, path);
  poll_ok(&w, NULL);
  replace("token-day-2\n");
  poll_ok(&w, "token-day-2");
  poll_ok(&w, NULL);
  write_in_place("token-day-3\n"); /* same size, same inode */
  poll_ok(&w, "token-day-3");
  poll_ok(&w, NULL);
  /* the same token written again is a new version with the old secret */
  replace("token-day-3\n");
  poll_ok(&w, "token-day-3");
}

/* What an operator may leave for a moment while replacing the file: each
 * is refused once (the caller keeps its token) and the whole file written
 * next is taken. */
static void half_written_files_are_refused(void **state) {
  (void)state;
  static const struct {
    const char *name, *text;
    g6_status st;
    const char *words;
    size_t len; /* 0: strlen(text) */
  } vectors[] = {
      {"truncated, nothing written yet", "", G6_EINVAL, "is empty", 0},
      {"only the newline", "\n", G6_EINVAL, "is empty", 0},
      {"two tokens appended", "token-a\ntoken-b\n", G6_EINVAL, "not one token", 0},
      {"a space inside", "token a\n", G6_EINVAL, "not one token", 0},
      {"a control character", "tok\x01en\n", G6_EINVAL, "not one token", 0},
      /* a crash during an in-place write: the size is there, the bytes
       * after the written part are zeros */
      {"a zero-filled tail", "half\0\0\0\0\0\0\0", G6_EINVAL, "NUL byte", 11},
      {"zeros only", "\0\0\0\0", G6_EINVAL, "NUL byte", 4},
  };
  for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
    replace("good-token\n");
    g6_secret_watch w;
    g6_secret_watch_init(&w, path);
    write_in_place_n(vectors[i].text, vectors[i].len);
    (void)vectors[i].name; /* named for the reader of a failure */
    poll_fails(&w, vectors[i].st, vectors[i].words);
    poll_ok(&w, NULL); /* said once per version */
    write_in_place("next-token\n");
    poll_ok(&w, "next-token");
  }
}

/* Removed before the new file is there (rm, then write): refused once,
 * then the new file is taken; a mode others may read is refused. */
static void missing_and_unsafe_files(void **state) {
  (void)state;
  replace("good-token\n");
  g6_secret_watch w;
  g6_secret_watch_init(&w, path);
  unlink(path);
  poll_fails(&w, G6_ENOENT, "cannot stat");
  poll_ok(&w, NULL);
  replace("new-token\n");
  poll_ok(&w, "new-token");
  chmod(path, 0644);
  poll_fails(&w, G6_EPERM, "chmod 600");
  chmod(path, 0600); /* ctime moves: looked at again */
  poll_ok(&w, "new-token");
}

/* A watch of no file never has news; a file that is missing at the start
 * and appears later is news. */
static void no_path_and_late_file(void **state) {
  (void)state;
  g6_secret_watch none;
  g6_secret_watch_init(&none, NULL);
  poll_ok(&none, NULL);
  unlink(path);
  g6_secret_watch w;
  g6_secret_watch_init(&w, path);
  poll_ok(&w, NULL);
  replace("first-token\n");
  poll_ok(&w, "first-token");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(each_new_version_is_read_once),
      cmocka_unit_test(half_written_files_are_refused),
      cmocka_unit_test(missing_and_unsafe_files),
      cmocka_unit_test(no_path_and_late_file),
  };
  if (setup() != 0)
    return 1;
  int rc = G6_RUN_TESTS(tests);
  teardown();
  return rc;
}
