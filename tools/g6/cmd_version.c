#include "cmd.h"

#include <stdio.h>

int g6_cmd_version(int argc, char **argv) {
  (void)argc;
  (void)argv;
  printf("g6 %s\n", G6_VERSION);
  return G6_EXIT_OK;
}
