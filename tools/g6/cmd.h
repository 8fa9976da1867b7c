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
int g6_cmd_calendar(int argc, char **argv);

/* Exit statuses shared by subcommands (documented in the README). */
enum {
  G6_EXIT_OK = 0,
  G6_EXIT_FAIL = 1,  /* the check found problems / the operation failed */
  G6_EXIT_USAGE = 2, /* bad command line or unreadable input */
};

#endif
