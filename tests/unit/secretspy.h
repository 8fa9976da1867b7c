/* g6 unit tests — whether memory given back still holds a secret.
 *
 * Included by one test file of a binary linked with -Wl,--wrap=free
 * -Wl,--wrap=realloc: every free() and realloc() libg6 and the test make
 * (libg6 is linked in statically) goes through __wrap_free and
 * __wrap_realloc here. While secrets are armed (secretspy_arm), a block
 * freed, or handed to realloc (which may move it and free the old block as
 * it is), that still holds any SECRETSPY_WINDOW bytes in a row of an armed
 * secret counts as a leak. Frees inside shared libraries (libcurl's own,
 * libc's) are not seen: g6 does not control that memory.
 *
 * secretspy_stack_holds() looks for a secret in the stack below the
 * caller's frame, where the frames of the functions it called lay: a
 * buffer a function kept on its stack and did not zero before returning. */
#ifndef G6_TEST_SECRETSPY_H
#define G6_TEST_SECRETSPY_H

#include <malloc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define SECRETSPY_MAX 8
#define SECRETSPY_WINDOW 8

static const char *secretspy_secrets[SECRETSPY_MAX];
static size_t secretspy_n;
static size_t secretspy_leaks;    /* blocks seen holding a secret */
static char secretspy_first[160]; /* the first leak: which secret, how */

void __real_free(void *p);
void *__real_realloc(void *p, size_t n);
void __wrap_free(void *p);
void *__wrap_realloc(void *p, size_t n);

/* The armed secret a window of which is in [p, p+n), or NULL. */
static const char *secretspy_find(const void *p, size_t n) {
  for (size_t i = 0; i < secretspy_n; i++) {
    const char *s = secretspy_secrets[i];
    size_t len = strlen(s);
    size_t w = len < SECRETSPY_WINDOW ? len : SECRETSPY_WINDOW;
    for (size_t o = 0; o + w <= len; o++)
      if (memmem(p, n, s + o, w) != NULL)
        return s;
  }
  return NULL;
}

static void secretspy_check(void *p, const char *how) {
  if (p == NULL || secretspy_n == 0)
    return;
  const char *s = secretspy_find(p, malloc_usable_size(p));
  if (s == NULL)
    return;
  if (__atomic_fetch_add(&secretspy_leaks, 1, __ATOMIC_SEQ_CST) == 0)
    snprintf(secretspy_first, sizeof(secretspy_first),
             "a block %s held (part of) \"%s\"", how, s);
}

void __wrap_free(void *p) {
  secretspy_check(p, "freed");
  __real_free(p);
}

void *__wrap_realloc(void *p, size_t n) {
  secretspy_check(p, "passed to realloc");
  return __real_realloc(p, n);
}

/* Watches the given secrets (NULL-terminated, at most SECRETSPY_MAX; the
 * strings must outlive the watch) and forgets earlier leaks. */
static inline void secretspy_arm(const char *const *secrets) {
  secretspy_n = 0;
  while (secrets[secretspy_n] != NULL && secretspy_n < SECRETSPY_MAX) {
    secretspy_secrets[secretspy_n] = secrets[secretspy_n];
    secretspy_n++;
  }
  secretspy_leaks = 0;
  secretspy_first[0] = '\0';
}

/* Stops watching; returns the leaks seen since secretspy_arm. */
static inline size_t secretspy_disarm(void) {
  secretspy_n = 0;
  return secretspy_leaks;
}

/* Whether the stack scan below means anything: not under AddressSanitizer
 * (make check-asan), whose interceptors (vsnprintf's among them) format
 * through frames of their own and whose instrumented frames are laid out
 * apart, so bytes no g6 frame left are found there. make check runs the
 * scan; check-asan checks the same code for memory errors. */
#if defined(__SANITIZE_ADDRESS__)
#define SECRETSPY_STACK_SCAN 0
#else
#define SECRETSPY_STACK_SCAN 1
#endif

/* The armed secret found in the 16 KiB of stack below the caller's frame
 * (the frames of what it called, left as they were), or NULL (always NULL
 * when !SECRETSPY_STACK_SCAN). Call it while armed, right after the call
 * under test. */
__attribute__((noinline, unused)) static const char *
secretspy_stack_holds(void) {
  if (!SECRETSPY_STACK_SCAN)
    return NULL;
  char probe[16384];
  /* the compiler must not assume anything of the (unwritten) bytes */
  __asm__ volatile("" : : "r"(probe) : "memory");
  return secretspy_find(probe, sizeof(probe));
}

#endif
