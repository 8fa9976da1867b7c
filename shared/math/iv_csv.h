/* g6 — the batch format of `g6 iv`: one option per CSV line in, one result
 * line out, so a bad row never stops a batch.
 *
 *   in   type,S,K,T,r,q,price
 *   out  iv,status,delta,gamma,theta,vega,rho
 *
 * type is C or P (also CE/PE, CALL/PUT; any case); S and K spot and strike,
 * T years to expiry (365-day year), r and q continuously compounded rate and
 * dividend yield, price the option's market price. Fields are trimmed of
 * white space; numbers are anything strtod reads whole ("nan", "inf" and
 * overflow included: the solver reports them) but its hexadecimal form. Out: the solved volatility
 * as a fraction, the status token (core/status.h: ok, parse, nonfinite,
 * expired, at_intrinsic, below_intrinsic, above_bound, iv_out_of_bounds,
 * no_convergence) and the Greeks at it (math/bs.h: theta per calendar day,
 * vega and rho per 1 %), numbers in Python's shortest repr; a number that
 * is not available is an empty field (every one but the status when the
 * row does not parse or does not solve; iv_out_of_bounds keeps them). */
#ifndef G6_IV_CSV_H
#define G6_IV_CSV_H

#include "core/buf.h"
#include "core/status.h"
#include "math/bs.h"
#include "math/iv.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct g6_iv_row {
  g6_opt_type type;
  double S, K, T, r, q, price;
} g6_iv_row;

/* Parses one input line of `len` bytes (no line end). G6_EPARSE when it is
 * not exactly 7 comma-separated fields, the type is not one of the above, a
 * number field is empty or not wholly a number, or the line holds a NUL
 * byte (err, which may be NULL, names the field and its value: `K "abc" is
 * not a decimal number`); G6_ENOMEM. *row is written only on G6_OK. */
g6_status g6_iv_row_parse(const char *line, size_t len, g6_iv_row *row,
                          g6_error *err);

/* Is this line the optional header (starts with "type", any case, after
 * white space)? */
bool g6_iv_csv_is_header(const char *line, size_t len);

/* Parses, solves (g6_iv_bsm_greeks with opts; NULL: no bounds) and appends
 * the output line, '\n' included, to out. Returns the row's status
 * (G6_EPARSE for a line that does not parse: err, which may be NULL, says
 * why), or G6_ENOMEM when out could not grow (out then holds a partial
 * line). */
g6_status g6_iv_csv_line(const char *line, size_t len, const g6_iv_opts *opts,
                         g6_buf *out, g6_error *err);

/* The output header line, without line end. */
extern const char g6_iv_csv_header[];

#endif
