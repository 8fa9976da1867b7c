/* g6 — the operator's command-line tool. Subcommands live in cmd_*.c. */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

typedef struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} command;

static const command commands[] = {
    {"calendar", g6_cmd_calendar,
     "the sessions an exchange calendar file gives, day by day"},
    {"integrity", g6_cmd_integrity,
     "verify panel files against manifest.json (and its signature)"},
    {"iv", g6_cmd_iv, "implied volatility and Greeks for a CSV batch"},
    {"json", g6_cmd_json, "canonical JSON and its SHA-256 (panel hashes)"},
    {"kite-token", g6_cmd_kite_token,
     "exchange a Kite request token for an access token file"},
    {"options", g6_cmd_options,
     "every option of every plugin: default, allowed values, meaning"},
    {"overlay", g6_cmd_overlay,
     "end-of-day weekday overlays (mean and EMA) from the CSV files"},
    {"replay", g6_cmd_replay,
     "stored snapshots or CSV days through the analytics, as CSV"},
    {"rrdgraph", g6_cmd_rrdgraph,
     "PNG graphs of each dashboard plan from collectd's RRD files"},
    {"retention-scan", g6_cmd_retention_scan,
     "files, bytes and ages of the data directory (the old JSON too)"},
    {"retention-prune", g6_cmd_retention_prune,
     "delete old g6 files with g6_retention's safeguards (dry run by default)"},
    {"spec", g6_cmd_spec,
     "lint, generate and check the metric spec and its artefacts"},
    {"summary", g6_cmd_summary,
     "one terminal screen: indices, provider, system, integrity"},
    {"version", g6_cmd_version, "print the g6 version"},
};

static void usage(FILE *out) {
  /* "Usage:", "Commands:", "Options:": the headings help2man turns into the
   * manual page's SYNOPSIS and sections (mk/man.mk) */
  fprintf(out, "Usage: g6 <command> [options]\n\nCommands:\n");
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    fprintf(out, "  %-16s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\nOptions:\n"
               "  -h, --help       this text\n"
               "  --version        the version, as 'g6 version'\n"
               "\n'g6 <command> --help' describes a command.\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return G6_EXIT_USAGE;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return G6_EXIT_OK;
  }
  if (strcmp(argv[1], "--version") == 0)
    return g6_cmd_version(argc - 1, argv + 1);
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    if (strcmp(argv[1], commands[i].name) == 0)
      return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "g6: unknown command \"%s\"\n\n", argv[1]);
  usage(stderr);
  return G6_EXIT_USAGE;
}
