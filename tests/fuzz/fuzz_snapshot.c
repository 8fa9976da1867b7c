/* libFuzzer target: the chain snapshot reader (store/snapshot_read.h).
 * Invariants: no crash or sanitizer report; a failure leaves nothing in
 * the document and has a cause; a success round-trips: the writer's bytes
 * of what was read parse again to the same bytes. */
#include "snapfix.h"
#include "store/snapshot_read.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The writer's bytes of a read document (snapfix_text: build + dump). */
static char *dump(const g6_snapshot_doc *d) {
  g6_snapshot v;
  g6_snapshot_doc_view(d, &v);
  return snapfix_text(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  g6_snapshot_doc d;
  g6_error e;
  g6_status st = g6_snapshot_parse((const char *)data, size, "fuzz", &d, &e);
  if (st != G6_OK) {
    if (d.strikes != NULL || d.n_expiries != 0 ||
        g6_snapshot_error_cause(st) == NULL || e.msg[0] == '\0')
      abort();
    return 0;
  }
  char *a = dump(&d);
  g6_snapshot_doc_free(&d);
  if (a == NULL)
    abort();
  g6_snapshot_doc d2;
  if (g6_snapshot_parse(a, strlen(a), "again", &d2, &e) != G6_OK)
    abort(); /* what the writer wrote must read back */
  char *b = dump(&d2);
  g6_snapshot_doc_free(&d2);
  if (b == NULL || strcmp(a, b) != 0)
    abort();
  free(a);
  free(b);
  return 0;
}
