/* g6 json canonical|hash [FILE] — the canonical form used for panel hashes.
 *
 * `canonical` prints json.dumps(x, sort_keys=True, separators=(",", ":"))
 * bytes; `hash` prints their SHA-256. Reads FILE or stdin. */
#include "cmd.h"

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/hash.h"
#include "core/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_INPUT (64u << 20)

static int usage(FILE *out) {
  fprintf(out, "usage: g6 json canonical [FILE]\n"
               "       g6 json hash [FILE]\n"
               "Reads one JSON document (FILE or stdin, at most 64 MiB) and\n"
               "prints its canonical form or the SHA-256 of that form.\n");
  return out == stdout ? G6_EXIT_OK : G6_EXIT_USAGE;
}

static int read_stdin(g6_buf *b) {
  b->limit = JSON_MAX_INPUT;
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
    if (g6_buf_append(b, chunk, n) != G6_OK)
      return -1;
  return ferror(stdin) ? -1 : 0;
}

int g6_cmd_json(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
      return usage(stdout);
  /* each refusal says what was wrong before the usage text */
  if (argc < 2) {
    fprintf(stderr, "g6 json: no subcommand; allowed: canonical or hash\n");
    return usage(stderr);
  }
  bool hash = strcmp(argv[1], "hash") == 0;
  if (!hash && strcmp(argv[1], "canonical") != 0) {
    fprintf(stderr, "g6 json: unknown subcommand \"%s\"; allowed: canonical "
                    "or hash\n", argv[1]);
    return usage(stderr);
  }
  if (argc > 3) {
    fprintf(stderr, "g6 json: %d files given (\"%s\" first); allowed: one "
                    "FILE, or none for stdin\n", argc - 2, argv[2]);
    return usage(stderr);
  }
  if (argc == 3 && argv[2][0] == '-' && argv[2][1] != '\0') {
    fprintf(stderr, "g6 json: unknown option \"%s\"; allowed: one FILE, "
                    "- or none for stdin (./%s for a file of that name)\n",
            argv[2], argv[2]);
    return usage(stderr);
  }
  g6_buf in = G6_BUF_INIT;
  g6_error err;
  if (argc == 3 && strcmp(argv[2], "-") != 0) {
    char *text = NULL;
    size_t len = 0;
    if (g6_read_file(argv[2], JSON_MAX_INPUT, &text, &len, &err) != G6_OK) {
      fprintf(stderr, "g6 json: %s\n", err.msg);
      return G6_EXIT_USAGE;
    }
    in.data = text;
    in.len = len;
    in.cap = len + 1;
  } else if (read_stdin(&in) != 0) {
    fprintf(stderr, "g6 json: cannot read stdin (or larger than 64 MiB)\n");
    g6_buf_free(&in);
    return G6_EXIT_USAGE;
  }
  g6_json *v = NULL;
  if (g6_json_parse(in.data ? in.data : "", in.len, &v, &err) != G6_OK) {
    fprintf(stderr, "g6 json: %s\n", err.msg);
    g6_buf_free(&in);
    return G6_EXIT_FAIL;
  }
  g6_buf_free(&in);
  g6_buf out = G6_BUF_INIT;
  int rc = G6_EXIT_OK;
  if (g6_json_dump_canonical(v, &out) != G6_OK) {
    fprintf(stderr, "g6 json: cannot serialize\n");
    rc = G6_EXIT_FAIL;
  } else if (hash) {
    char hex[65];
    g6_sha256_hex(out.data, out.len, hex);
    printf("%s\n", hex);
  } else {
    fwrite(out.data, 1, out.len, stdout);
    putchar('\n');
  }
  g6_buf_free(&out);
  g6_json_free(v);
  return rc;
}
