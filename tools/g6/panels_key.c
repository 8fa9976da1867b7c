/* The panels' HMAC key of `--key FILE`, shared by g6 integrity and g6
 * summary (see cmd.h). */
#include "cmd.h"

#include "core/buf.h"
#include "core/fsutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int g6_cli_read_key(const char *cmd, const char *path, char **key,
                    size_t *len) {
  *key = NULL;
  *len = 0;
  if (path == NULL)
    return G6_EXIT_OK;
  g6_error e;
  if (g6_read_secret_file(path, key, &e) != G6_OK) {
    fprintf(stderr, "g6 %s: --key: %s\n", cmd, e.msg);
    return G6_EXIT_USAGE;
  }
  *len = strlen(*key);
  return G6_EXIT_OK;
}

void g6_cli_free_key(char *key, size_t len) {
  if (key != NULL) {
    g6_wipe(key, len); /* a memset before free was dropped as a dead store */
    free(key);
  }
}
