/* libFuzzer target: the /session/token answer `g6 kite-token` reads
 * (market/kite.h, g6_kite_session_parse) — the one provider response that
 * carries a secret.
 *
 * Invariants: no crash or sanitizer report; a session read is complete (a
 * token of 1-127 bytes, terminated names); a failure has a message, and the
 * message never holds the token the body tried to send (an error excerpt of
 * the body must not leak it into a log). */
#include "market/kite.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The value after "access_token" in the raw body, if any: the secret. */
static size_t token_in(const char *s, size_t n, char *out, size_t cap) {
  static const char key[] = "\"access_token\"";
  const char *k = memmem(s, n, key, sizeof(key) - 1);
  if (k == NULL)
    return 0;
  const char *p = k + sizeof(key) - 1, *end = s + n;
  while (p < end && *p != '"')
    p++;
  if (p >= end)
    return 0;
  const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
  size_t len = q ? (size_t)(q - p - 1) : (size_t)(end - p - 1);
  if (len >= cap)
    len = cap - 1;
  memcpy(out, p + 1, len);
  out[len] = '\0';
  return strlen(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  g6_kite_session s;
  memset(&s, 0, sizeof(s));
  g6_error e;
  memset(&e, 0, sizeof(e));
  g6_status st = g6_kite_session_parse((const char *)data, size, &s, &e);
  if (st == G6_OK) {
    size_t n = strnlen(s.access_token, sizeof(s.access_token));
    if (n == 0 || n == sizeof(s.access_token) ||
        memchr(s.user_id, '\0', sizeof(s.user_id)) == NULL ||
        memchr(s.login_time, '\0', sizeof(s.login_time)) == NULL)
      abort();
    return 0;
  }
  if (e.msg[0] == '\0' || (st != G6_EPARSE && st != G6_EPROTO))
    abort();
  char tok[256];
  if (token_in((const char *)data, size, tok, sizeof(tok)) >= 6 &&
      strstr(e.msg, tok) != NULL)
    abort(); /* the secret reached the error message */
  return 0;
}
