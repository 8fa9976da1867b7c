/* libFuzzer target: the JSON parser behind panel hashes (core/json.h).
 * Invariants: no crash; whatever parses serializes canonically, and the
 * canonical form parses back to the same canonical form (so a hash is a
 * function of the document); a document accepted as strict UTF-8 text (the
 * old checker's reading) is accepted as bytes with the same result. */
#include "core/json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void canonical(const g6_json *v, g6_buf *b) {
  if (g6_json_dump_canonical(v, b) != G6_OK)
    abort(); /* everything the parser accepts can be written back */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  g6_json *v = NULL, *t = NULL;
  g6_error e;
  g6_status sb = g6_json_parse((const char *)data, size, &v, &e);
  g6_status st =
      g6_json_parse_mode((const char *)data, size, G6_JSON_UTF8_TEXT, &t, &e);
  if (sb != G6_OK && v != NULL)
    abort();
  if (st == G6_OK && sb != G6_OK)
    abort();
  g6_buf a = G6_BUF_INIT, b = G6_BUF_INIT, c = G6_BUF_INIT;
  if (sb == G6_OK) {
    canonical(v, &a);
    g6_json *w = NULL;
    if (g6_json_parse(a.data, a.len, &w, &e) != G6_OK)
      abort();
    canonical(w, &b);
    if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
      abort();
    g6_json_free(w);
  }
  if (st == G6_OK) {
    canonical(t, &c);
    if (a.len != c.len || memcmp(a.data, c.data, a.len) != 0)
      abort();
  }
  g6_buf_free(&a);
  g6_buf_free(&b);
  g6_buf_free(&c);
  g6_json_free(v);
  g6_json_free(t);
  return 0;
}
