/* The `g6 iv` batch format (math/iv_csv.h). */
#include "math/iv_csv.h"

#include "core/json.h" /* g6_repr_double */

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char g6_iv_csv_header[] = "iv,status,delta,gamma,theta,vega,rho";

/* A decimal number as strtod reads it whole, but not its hexadecimal form
 * (0x10 is 16 to strtod; to a reader of the file it is no price). */
static bool parse_number(const char *s, double *out) {
  if (strpbrk(s, "xX") != NULL)
    return false;
  char *end;
  double v = strtod(s, &end);
  if (end == s || *end != '\0')
    return false;
  *out = v; /* "nan", "inf" and overflow parse: the solver reports them */
  return true;
}

static char *trim(char *s) {
  while (isspace((unsigned char)*s))
    s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1]))
    s[--n] = '\0';
  return s;
}

static bool parse_type(const char *s, g6_opt_type *t) {
  if (!strcasecmp(s, "C") || !strcasecmp(s, "CE") || !strcasecmp(s, "CALL"))
    *t = G6_CALL;
  else if (!strcasecmp(s, "P") || !strcasecmp(s, "PE") || !strcasecmp(s, "PUT"))
    *t = G6_PUT;
  else
    return false;
  return true;
}

static const char *const field_names[7] = {"type", "S", "K", "T",
                                           "r",    "q", "price"};

g6_status g6_iv_row_parse(const char *line, size_t len, g6_iv_row *row,
                          g6_error *err) {
  if (memchr(line, '\0', len) != NULL)
    return g6_error_set(err, G6_EPARSE, "a NUL byte in the line");
  char *copy = malloc(len + 1);
  if (copy == NULL)
    return G6_ENOMEM;
  memcpy(copy, line, len);
  copy[len] = '\0';
  char *f[7];
  int n = 0;
  g6_status st = G6_EPARSE;
  for (char *p = copy;;) {
    char *comma = strchr(p, ',');
    if (n == 7) {
      g6_error_set(err, st, "more than 7 fields (type,S,K,T,r,q,price)");
      goto out;
    }
    f[n++] = p;
    if (comma == NULL)
      break;
    *comma = '\0';
    p = comma + 1;
  }
  if (n != 7) {
    g6_error_set(err, st, "%d field%s, expected 7 (type,S,K,T,r,q,price)", n,
                 n == 1 ? "" : "s");
    goto out;
  }
  g6_iv_row r;
  double *v[6] = {&r.S, &r.K, &r.T, &r.r, &r.q, &r.price};
  const char *bad = NULL;
  int which = 0;
  if (!parse_type(bad = trim(f[0]), &r.type)) {
    g6_error_set(err, st, "type \"%.40s\" is not C, P, CE, PE, CALL or PUT",
                 bad);
    goto out;
  }
  for (which = 1; which < 7; which++)
    if (!parse_number(bad = trim(f[which]), v[which - 1])) {
      g6_error_set(err, st, "%s \"%.40s\" is not a decimal number",
                   field_names[which], bad);
      goto out;
    }
  *row = r;
  st = G6_OK;
out:
  free(copy);
  return st;
}

bool g6_iv_csv_is_header(const char *line, size_t len) {
  size_t i = 0;
  while (i < len && isspace((unsigned char)line[i]))
    i++;
  return len - i >= 4 && strncasecmp(line + i, "type", 4) == 0;
}

static g6_status put_num(g6_buf *out, double v) {
  if (!isfinite(v))
    return G6_OK;
  char buf[32];
  g6_repr_double(v, buf);
  return g6_buf_puts(out, buf);
}

g6_status g6_iv_csv_line(const char *line, size_t len, const g6_iv_opts *opts,
                         g6_buf *out, g6_error *err) {
  g6_iv_row r;
  g6_status st = g6_iv_row_parse(line, len, &r, err);
  if (st == G6_ENOMEM)
    return st;
  if (st != G6_OK) {
    if (g6_buf_printf(out, ",%s,,,,,\n", g6_status_name(G6_EPARSE)) != G6_OK)
      return G6_ENOMEM;
    return G6_EPARSE;
  }
  double iv;
  g6_greeks g;
  st = g6_iv_bsm_greeks(r.type, r.S, r.K, r.T, r.r, r.q, r.price, opts, &iv,
                        &g);
  const double greeks[5] = {g.delta, g.gamma, g.theta, g.vega, g.rho};
  g6_status w = put_num(out, iv);
  if (w == G6_OK)
    w = g6_buf_printf(out, ",%s", g6_status_name(st));
  for (int i = 0; w == G6_OK && i < 5; i++) {
    w = g6_buf_putc(out, ',');
    if (w == G6_OK)
      w = put_num(out, greeks[i]);
  }
  if (w == G6_OK)
    w = g6_buf_putc(out, '\n');
  return w == G6_OK ? st : G6_ENOMEM;
}
