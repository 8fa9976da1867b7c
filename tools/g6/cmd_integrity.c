/* g6 integrity — verify a panel directory against its manifest, with the
 * old platform's options, output and exit codes (reference §6.4):
 *   exit 0 no issues (or issues without --strict), 1 issues with --strict,
 *   2 bad usage or an unexpected error;
 *   --json prints {"issues": {file: problem}, "count": n} (indented unless
 *   --quiet), otherwise "[panels-integrity] ..." lines.
 * --key FILE also checks manifest.json.sig (store/integrity.h). */
#include "cmd.h"

#include "core/buf.h"
#include "core/clock.h"
#include "store/integrity.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_DIR "/var/lib/g6/panels"

static int usage(FILE *out) {
  fprintf(out,
"usage: g6 integrity [--panels-dir DIR] [--strict] [--json] [--quiet]\n"
"                    [--key FILE]\n"
"\n"
"Verifies every panel file manifest.json lists: its data must hash to the\n"
"listed SHA-256 (the old platform's algorithm). DIR defaults to\n"
DEFAULT_DIR ". --key FILE (mode 0600) also checks the HMAC-SHA256\n"
"signature in manifest.json.sig; the key is never printed.\n"
"--json prints {\"issues\": {file: problem}, \"count\": n}; --quiet prints\n"
"nothing when all is well (and the JSON on one line).\n"
"Exit status: 0 no issues (or issues without --strict), 1 issues with\n"
"--strict, 2 usage or unexpected error.\n");
  return out == stdout ? G6_EXIT_OK : G6_EXIT_USAGE;
}

static int cmp_issue(const void *a, const void *b) {
  return strcmp(((const g6_integrity_issue *)a)->file,
                ((const g6_integrity_issue *)b)->file);
}

int g6_cmd_integrity(int argc, char **argv) {
  const char *dir = DEFAULT_DIR, *key_file = NULL;
  bool strict = false, json = false, quiet = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
      return usage(stdout);
    if (strcmp(a, "--strict") == 0)
      strict = true;
    else if (strcmp(a, "--json") == 0)
      json = true;
    else if (strcmp(a, "--quiet") == 0)
      quiet = true;
    else if (strcmp(a, "--panels-dir") == 0 && i + 1 < argc)
      dir = argv[++i];
    else if (strcmp(a, "--key") == 0 && i + 1 < argc)
      key_file = argv[++i];
    else {
      fprintf(stderr, "g6 integrity: unknown or incomplete option \"%s\"\n", a);
      return usage(stderr);
    }
  }
  char *key;
  size_t key_len;
  if (g6_cli_read_key("integrity", key_file, &key, &key_len) != G6_EXIT_OK)
    return G6_EXIT_USAGE;
  g6_integrity_report r = {0};
  g6_status st = g6_integrity_check(dir, (unsigned char *)key, key_len, &r);
  if (st == G6_OK && r.n > 0) {
    /* g6_panels may have swapped in a new set while this ran; what is
     * still wrong a moment later is real */
    g6_sleep_seconds(0.2);
    g6_integrity_report_free(&r);
    st = g6_integrity_check(dir, (unsigned char *)key, key_len, &r);
  }
  g6_cli_free_key(key, key_len);
  if (st != G6_OK) {
    if (json)
      printf("{\"error\": \"unexpected_error:MemoryError\"}\n");
    else
      fprintf(stderr, "[panels-integrity] ERROR unexpected failure: %s\n",
              g6_strerror(st));
    g6_integrity_report_free(&r);
    return G6_EXIT_USAGE;
  }
  if (json) {
    g6_buf b = G6_BUF_INIT;
    if (g6_integrity_report_json(&r, !quiet, &b) != G6_OK) {
      g6_integrity_report_free(&r);
      return G6_EXIT_USAGE;
    }
    printf("%s\n", b.data);
    g6_buf_free(&b);
  } else if (r.n > 0) {
    qsort(r.issues, r.n, sizeof(r.issues[0]), cmp_issue);
    printf("[panels-integrity] Issues detected (%zu):\n", r.n);
    for (size_t i = 0; i < r.n; i++) {
      /* the manifest's key: never raw to the terminal */
      char name[512];
      g6_printable(r.issues[i].file, strlen(r.issues[i].file), name,
                   sizeof(name));
      printf("  - %s: %s\n", name, r.issues[i].problem);
    }
  } else if (!quiet) {
    printf("[panels-integrity] OK (no issues)\n");
  }
  int rc = r.n > 0 && strict ? G6_EXIT_FAIL : G6_EXIT_OK;
  g6_integrity_report_free(&r);
  return rc;
}
