/* Placeholder until the subcommand lands; see the open issue for it. */
#include "cmd.h"

#include <stdio.h>

int g6_cmd_iv(int argc, char **argv) {
  (void)argc;
  fprintf(stderr, "g6 %s: not implemented yet\n", argv[0]);
  return G6_EXIT_USAGE;
}
