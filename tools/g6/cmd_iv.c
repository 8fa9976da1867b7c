/* g6 iv — implied volatility and Greeks for a CSV batch.
 *
 * Input rows `type,S,K,T,r,q,price`; output rows
 * `iv,status,delta,gamma,theta,vega,rho`, one per input row, in order. A bad
 * row never stops the batch: it gets a status and empty number fields. */
#include "cmd.h"

#include "core/buf.h"
#include "math/iv_csv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_LINE (64u << 10)

static int usage(FILE *out) {
  fprintf(out,
          "usage: g6 iv [--input FILE] [--iv-min X] [--iv-max X] "
          "[--no-header]\n"
          "\n"
          "Reads CSV rows  type,S,K,T,r,q,price  from FILE or stdin:\n"
          "  type   C or P (also CE/PE, CALL/PUT; any case)\n"
          "  S, K   spot and strike; T years to expiry (365-day year)\n"
          "  r, q   continuously compounded rate and dividend yield\n"
          "  price  the option's market price\n"
          "A first line starting with \"type\" is a header and is skipped.\n"
          "\n"
          "Writes one row per input row (header first unless --no-header):\n"
          "  iv,status,delta,gamma,theta,vega,rho\n"
          "iv is a fraction (0.2 = 20 %%); theta per calendar day, vega and\n"
          "rho per 1 %%. status is ok or one of: parse, nonfinite, expired,\n"
          "at_intrinsic (no time value within rounding: no IV),\n"
          "below_intrinsic, above_bound, iv_out_of_bounds, no_convergence.\n"
          "With iv_out_of_bounds the solved iv and its Greeks are still\n"
          "printed; with the other errors the number fields are empty.\n"
          "\n"
          "  --iv-min X, --iv-max X  report volatilities outside [X, Y] as\n"
          "                          iv_out_of_bounds (never clamped)\n"
          "\n"
          "Exit status: 0 every row ok, 1 some row had another status,\n"
          "2 bad command line or unreadable input.\n");
  return out == stdout ? G6_EXIT_OK : G6_EXIT_USAGE;
}

static int parse_number(const char *s, double *out) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || *end != '\0')
    return -1;
  *out = v;
  return 0;
}

int g6_cmd_iv(int argc, char **argv) {
  const char *input = NULL;
  g6_iv_opts opts = {0.0, INFINITY, 0.0}; /* prices taken as exact */
  int header = 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h"))
      return usage(stdout);
    if (!strcmp(a, "--no-header")) {
      header = 0;
    } else if (!strcmp(a, "--input") || !strcmp(a, "--iv-min") ||
               !strcmp(a, "--iv-max")) {
      if (i + 1 >= argc) {
        fprintf(stderr, "g6 iv: %s needs a value\n", a);
        return usage(stderr);
      }
      const char *val = argv[++i];
      if (!strcmp(a, "--input")) {
        input = val;
        continue;
      }
      double d;
      if (parse_number(val, &d) != 0) {
        fprintf(stderr, "g6 iv: %s \"%s\": not a number\n", a, val);
        return G6_EXIT_USAGE;
      }
      *(!strcmp(a, "--iv-min") ? &opts.iv_min : &opts.iv_max) = d;
    } else {
      fprintf(stderr, "g6 iv: unknown option \"%s\"\n", a);
      return usage(stderr);
    }
  }
  g6_error err;
  if (g6_iv_opts_check(&opts, &err) != G6_OK) {
    fprintf(stderr, "g6 iv: --iv-min/--iv-max: %s\n", err.msg);
    return G6_EXIT_USAGE;
  }
  FILE *in = stdin;
  if (input != NULL && strcmp(input, "-") != 0) {
    in = fopen(input, "r");
    if (in == NULL) {
      fprintf(stderr, "g6 iv: cannot open %s: %s\n", input, strerror(errno));
      return G6_EXIT_USAGE;
    }
    /* a directory opens for reading and fails only at the first read:
     * refused before the header is printed */
    struct stat sb;
    if (fstat(fileno(in), &sb) == 0 && S_ISDIR(sb.st_mode)) {
      fprintf(stderr, "g6 iv: --input %s is a directory; allowed: a CSV file "
                      "of rows type,S,K,T,r,q,price (or - for stdin)\n",
              input);
      fclose(in);
      return G6_EXIT_USAGE;
    }
  }
  if (header)
    puts(g6_iv_csv_header);
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  int first = 1, rc = G6_EXIT_OK;
  unsigned long lineno = 0;
  g6_buf out = G6_BUF_INIT;
  while ((len = getline(&line, &cap, in)) >= 0) {
    size_t n = (size_t)len;
    lineno++;
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
      n--;
    if (first && g6_iv_csv_is_header(line, n)) {
      first = 0;
      continue;
    }
    first = 0;
    out.len = 0;
    g6_error perr;
    g6_error_clear(&perr);
    g6_status st = n > MAX_LINE ? g6_iv_csv_line("", 0, &opts, &out, NULL)
                                : g6_iv_csv_line(line, n, &opts, &out, &perr);
    /* a row that does not parse says why, on stderr (the output keeps one
     * line per input line) */
    if (st == G6_EPARSE)
      fprintf(stderr, "g6 iv: %s line %lu: %s\n", input ? input : "stdin",
              lineno, n > MAX_LINE ? "longer than 64 KiB" : perr.msg);
    if (st == G6_ENOMEM) {
      fprintf(stderr, "g6 iv: out of memory\n");
      rc = G6_EXIT_FAIL;
      break;
    }
    fwrite(out.data, 1, out.len, stdout);
    if (st != G6_OK)
      rc = G6_EXIT_FAIL;
  }
  int read_errno = errno; /* getline's, when it stopped on an error */
  g6_buf_free(&out);
  int read_error = ferror(in);
  free(line);
  if (in != stdin)
    fclose(in);
  if (read_error) {
    fprintf(stderr, "g6 iv: error reading %s: %s\n", input ? input : "stdin",
            strerror(read_errno));
    return G6_EXIT_USAGE;
  }
  if (fflush(stdout) != 0) {
    fprintf(stderr, "g6 iv: cannot write output: %s\n", strerror(errno));
    return G6_EXIT_FAIL;
  }
  return rc;
}
