/* g6 iv — implied volatility and Greeks for a CSV batch.
 *
 * Input rows `type,S,K,T,r,q,price`; output rows
 * `iv,status,delta,gamma,theta,vega,rho`, one per input row, in order. A bad
 * row never stops the batch: it gets a status and empty number fields. */
#include "cmd.h"

#include "core/json.h"
#include "math/iv.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end != '\0')
    return -1;
  *out = v; /* "nan", "inf" and overflow parse: the solver reports them */
  return 0;
}

static char *trim(char *s) {
  while (isspace((unsigned char)*s))
    s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1]))
    s[--n] = '\0';
  return s;
}

static int parse_type(const char *s, g6_opt_type *t) {
  if (!strcasecmp(s, "C") || !strcasecmp(s, "CE") || !strcasecmp(s, "CALL"))
    *t = G6_CALL;
  else if (!strcasecmp(s, "P") || !strcasecmp(s, "PE") || !strcasecmp(s, "PUT"))
    *t = G6_PUT;
  else
    return -1;
  return 0;
}

/* Splits a row into exactly 7 trimmed fields; -1 otherwise. */
static int split7(char *line, char *f[7]) {
  int n = 0;
  char *p = line;
  for (;;) {
    char *comma = strchr(p, ',');
    if (n == 7)
      return -1;
    f[n++] = p;
    if (comma == NULL)
      break;
    *comma = '\0';
    p = comma + 1;
  }
  if (n != 7)
    return -1;
  for (int i = 0; i < 7; i++)
    f[i] = trim(f[i]);
  return 0;
}

static void put_num(double v) {
  if (isfinite(v)) {
    char buf[32];
    g6_repr_double(v, buf);
    fputs(buf, stdout);
  }
}

/* Solves one row and prints its output line; returns its status. */
static g6_status do_row(char *line, const g6_iv_opts *opts) {
  char *f[7];
  g6_opt_type type;
  double v[6];
  int ok = split7(line, f) == 0 && parse_type(f[0], &type) == 0;
  for (int i = 0; ok && i < 6; i++)
    ok = parse_number(f[i + 1], &v[i]) == 0;
  if (!ok) {
    printf(",%s,,,,,\n", g6_status_name(G6_EPARSE));
    return G6_EPARSE;
  }
  double iv;
  g6_greeks g;
  g6_status st =
      g6_iv_bsm_greeks(type, v[0], v[1], v[2], v[3], v[4], v[5], opts, &iv, &g);
  put_num(iv);
  printf(",%s,", g6_status_name(st));
  put_num(g.delta);
  putchar(',');
  put_num(g.gamma);
  putchar(',');
  put_num(g.theta);
  putchar(',');
  put_num(g.vega);
  putchar(',');
  put_num(g.rho);
  putchar('\n');
  return st;
}

static int is_header(const char *line) {
  while (isspace((unsigned char)*line))
    line++;
  return strncasecmp(line, "type", 4) == 0;
}

int g6_cmd_iv(int argc, char **argv) {
  const char *input = NULL;
  g6_iv_opts opts = {0.0, INFINITY};
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
  }
  if (header)
    puts("iv,status,delta,gamma,theta,vega,rho");
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  int first = 1, rc = G6_EXIT_OK;
  while ((len = getline(&line, &cap, in)) >= 0) {
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
      line[--len] = '\0';
    if (first && is_header(line)) {
      first = 0;
      continue;
    }
    first = 0;
    g6_status st;
    if ((size_t)len > MAX_LINE) {
      printf(",%s,,,,,\n", g6_status_name(G6_EPARSE));
      st = G6_EPARSE;
    } else {
      st = do_row(line, &opts);
    }
    if (st != G6_OK)
      rc = G6_EXIT_FAIL;
  }
  int read_error = ferror(in);
  free(line);
  if (in != stdin)
    fclose(in);
  if (read_error) {
    fprintf(stderr, "g6 iv: error reading %s\n", input ? input : "stdin");
    return G6_EXIT_USAGE;
  }
  if (fflush(stdout) != 0) {
    fprintf(stderr, "g6 iv: cannot write output: %s\n", strerror(errno));
    return G6_EXIT_FAIL;
  }
  return rc;
}
