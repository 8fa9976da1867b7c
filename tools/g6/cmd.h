/* g6 CLI: one function per subcommand, each in its own cmd_<name>.c. Each
 * returns the process exit status; argv[0] is the subcommand name. */
#ifndef G6_CLI_CMD_H
#define G6_CLI_CMD_H

int g6_cmd_version(int argc, char **argv);
int g6_cmd_json(int argc, char **argv);
int g6_cmd_iv(int argc, char **argv);
int g6_cmd_spec(int argc, char **argv);
int g6_cmd_kite_token(int argc, char **argv);
int g6_cmd_options(int argc, char **argv);
int g6_cmd_integrity(int argc, char **argv);
int g6_cmd_summary(int argc, char **argv);

#include <stddef.h>

/* Reads the panels' HMAC key from `path` (a secret file: refused when group
 * or other may read it) for `g6 <cmd> --key`. path NULL: no key (*key NULL).
 * Returns G6_EXIT_OK, or G6_EXIT_USAGE after printing why; the key is never
 * printed. Free it with g6_cli_free_key, which wipes it. */
int g6_cli_read_key(const char *cmd, const char *path, char **key,
                    size_t *len);
void g6_cli_free_key(char *key, size_t len);
int g6_cmd_replay(int argc, char **argv);
int g6_cmd_overlay(int argc, char **argv);
int g6_cmd_retention_scan(int argc, char **argv);
int g6_cmd_retention_prune(int argc, char **argv);
int g6_cmd_calendar(int argc, char **argv);
int g6_cmd_rrdgraph(int argc, char **argv);

/* Exit statuses shared by subcommands (documented in the README). */
enum {
  G6_EXIT_OK = 0,
  G6_EXIT_FAIL = 1,  /* the check found problems / the operation failed */
  G6_EXIT_USAGE = 2, /* bad command line or unreadable input */
};

#endif
