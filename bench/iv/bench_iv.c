/* bench/iv — g6's implied-volatility solver against QuantLib.
 *
 * The grid: spot 24000, strikes 18000..30000 step 50, expiries
 * 1..365 days, vols 0.05..1.5 step 0.05, calls and puts, r 0.065, q 0. Every
 * option is priced in long double and rounded once to double (the "true"
 * price); the options whose price is strictly between the exact intrinsic
 * value (plus 16 ulps of max(S, K): closer is "at intrinsic") and the upper
 * bound are solved by g6 (scalar and batch entry points)
 * and by QuantLib's blackFormulaImpliedStdDev (its default accuracy, and an
 * accuracy matched to 1e-9 in sigma) in the same run, single-threaded.
 * Errors |sigma - sigma_true| are reported over the options with time value
 * >= 1e-8 S (the accuracy domain); failures over all of them.
 *
 * Then: Greeks throughput (g6_bsm_greeks vs QuantLib's BlackCalculator), and
 * IV + all Greeks for a 20,000-leg chain (g6_chain_iv_greeks). */
#include "math/analytics.h"
#include "math/iv.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

long ql_implied_vols(long n, const int *call, const double *K, const double *T,
                     const double *price, double S, double r, double acc_scale,
                     double *sigma);
double ql_greeks(long n, const int *call, const double *K, const double *T,
                 const double *sig, double S, double r);

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *xmalloc(size_t n) {
  void *p = malloc(n);
  if (p == NULL) {
    fprintf(stderr, "bench-iv: out of memory\n");
    exit(2);
  }
  return p;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

typedef struct errstats {
  double median, max;
  long failures, above_1e9, counted;
} errstats;

/* Errors over the accuracy domain; failures (non-ok / non-finite) over all. */
static errstats errors(long n, const double *got, const double *sig,
                       const unsigned char *domain, const unsigned char *ok) {
  errstats e = {0, 0, 0, 0, 0};
  double *err = xmalloc((size_t)n * sizeof(double));
  for (long i = 0; i < n; i++) {
    if (!ok[i] || !isfinite(got[i])) {
      e.failures++;
      continue;
    }
    if (!domain[i])
      continue;
    double d = fabs(got[i] - sig[i]);
    err[e.counted++] = d;
    if (d > e.max)
      e.max = d;
    if (d > 1e-9)
      e.above_1e9++;
  }
  if (e.counted > 0) {
    qsort(err, (size_t)e.counted, sizeof(double), cmp_double);
    e.median = err[e.counted / 2];
  }
  free(err);
  return e;
}

int main(void) {
  const double S = 24000, r = 0.065, q = 0.0;
  const long n_all = 2L * 241 * 365 * 30;
  int *call = xmalloc((size_t)n_all * sizeof(int));
  double *K = xmalloc((size_t)n_all * sizeof(double));
  double *T = xmalloc((size_t)n_all * sizeof(double));
  double *P = xmalloc((size_t)n_all * sizeof(double));
  double *sig = xmalloc((size_t)n_all * sizeof(double));
  unsigned char *domain = xmalloc((size_t)n_all);
  long n = 0, outside = 0;
  double t0 = now();
  for (int c = 0; c < 2; c++)
    for (int k = 0; k < 241; k++)
      for (int d = 1; d <= 365; d++)
        for (int v = 1; v <= 30; v++) {
          double KK = 18000 + 50.0 * k, TT = d / 365.0, ss = 0.05 * v;
          long double s = (long double)ss * sqrtl((long double)TT);
          long double F = (long double)S * expl((long double)r * TT);
          long double df = expl(-(long double)r * TT);
          long double d1 = logl(F / KK) / s + s / 2, d2 = d1 - s;
          long double rt2 = sqrtl(2.0L), price, lo, hi;
          if (c) {
            price = df * (F * 0.5L * erfcl(-d1 / rt2) -
                          KK * 0.5L * erfcl(-d2 / rt2));
            lo = (long double)S - KK * df;
            hi = S;
          } else {
            price = df * (KK * 0.5L * erfcl(d2 / rt2) -
                          F * 0.5L * erfcl(d1 / rt2));
            lo = KK * df - (long double)S;
            hi = KK * df;
          }
          if (lo < 0)
            lo = 0;
          double pd = (double)price;
          /* within 16 ulps of the intrinsic value a price is "at
           * intrinsic" (rounding, no time value) by design: not solvable */
          long double at = 16.0L * DBL_EPSILON * (S > KK ? S : KK);
          if (!((long double)pd > lo + at && (long double)pd < hi)) {
            outside++;
            continue;
          }
          call[n] = c;
          K[n] = KK;
          T[n] = TT;
          P[n] = pd;
          sig[n] = ss;
          domain[n] = (long double)pd - lo >= 1e-8L * S;
          n++;
        }
  long n_domain = 0;
  for (long i = 0; i < n; i++)
    n_domain += domain[i];
  printf("grid: %ld options (spot 24000, K 18000..30000/50, 1..365 d, "
         "vol 0.05..1.5/0.05, C+P, r 0.065); %ld priced strictly between "
         "intrinsic and bound (%ld at the limits in double); %ld with time "
         "value >= 1e-8 S; pricing %.1f s\n",
         n_all, n, outside, n_domain, now() - t0);

  /* ---- g6: scalar and batch ---- */
  double *g6s = xmalloc((size_t)n * sizeof(double));
  unsigned char *g6ok = xmalloc((size_t)n);
  t0 = now();
  for (long i = 0; i < n; i++)
    g6ok[i] = g6_iv_bsm(call[i] ? G6_CALL : G6_PUT, S, K[i], T[i], r, q, P[i],
                        NULL, &g6s[i]) == G6_OK;
  double t_scalar = now() - t0;
  g6_iv_job *jobs = xmalloc((size_t)n * sizeof(g6_iv_job));
  for (long i = 0; i < n; i++) {
    jobs[i].type = call[i] ? G6_CALL : G6_PUT;
    jobs[i].K = K[i];
    jobs[i].T = T[i];
    jobs[i].price = P[i];
  }
  t0 = now();
  g6_iv_bsm_batch(S, r, q, NULL, jobs, (size_t)n);
  double t_batch = now() - t0;
  long differ = 0;
  double *g6b = xmalloc((size_t)n * sizeof(double));
  unsigned char *g6bok = xmalloc((size_t)n);
  for (long i = 0; i < n; i++) {
    g6b[i] = jobs[i].iv;
    g6bok[i] = jobs[i].status == G6_OK;
    differ += g6b[i] != g6s[i] && !(isnan(g6b[i]) && isnan(g6s[i]));
  }
  free(jobs);

  /* ---- QuantLib ---- */
  double *qls = xmalloc((size_t)n * sizeof(double));
  unsigned char *qlok = xmalloc((size_t)n);
  t0 = now();
  long ql_exc = ql_implied_vols(n, call, K, T, P, S, r, 0.0, qls);
  double t_ql = now() - t0;
  for (long i = 0; i < n; i++)
    qlok[i] = isfinite(qls[i]);
  errstats e_ql = errors(n, qls, sig, domain, qlok);
  t0 = now();
  long ql9_exc = ql_implied_vols(n, call, K, T, P, S, r, 1e-9, qls);
  double t_ql9 = now() - t0;
  for (long i = 0; i < n; i++)
    qlok[i] = isfinite(qls[i]);
  errstats e_ql9 = errors(n, qls, sig, domain, qlok);
  errstats e_g6 = errors(n, g6s, sig, domain, g6ok);
  errstats e_g6b = errors(n, g6b, sig, domain, g6bok);

  /* Householder steps, on every 10th option */
  long steps[12] = {0};
  for (long i = 0; i < n; i += 10) {
    double F = S * exp(r * T[i]), df = exp(-r * T[i]);
    double intr = call[i] ? F - K[i] : K[i] - F;
    double beta = (P[i] / df - (intr > 0 ? intr : 0)) / sqrt(F * K[i]), s;
    int it = 0;
    g6_iv_normalised(beta, -fabs(log(F / K[i])), G6_CALL, &s, &it);
    steps[it < 11 ? it : 11]++;
  }

  double dn = (double)n;
  double rs = dn / t_scalar, rb = dn / t_batch, rq = dn / t_ql,
         rq9 = dn / t_ql9;
  printf("\nimplied volatility, %ld solves each, one thread:\n", n);
  printf("  %-34s %12.0f solves/s  (%.0f ns/solve)\n", "g6 g6_iv_bsm_batch", rb,
         1e9 / rb);
  printf("  %-34s %12.0f solves/s  (%.0f ns/solve)\n", "g6 g6_iv_bsm (scalar)",
         rs, 1e9 / rs);
  printf("  %-34s %12.0f solves/s  (%.0f ns/solve)\n",
         "QuantLib default accuracy (1e-6)", rq, 1e9 / rq);
  printf("  %-34s %12.0f solves/s  (%.0f ns/solve)\n",
         "QuantLib accuracy 1e-9 in sigma", rq9, 1e9 / rq9);
  printf("  ratio g6 batch / QuantLib default: %.2fx   (target >= 5x: %s)\n",
         rb / rq, rb / rq >= 5 ? "met" : "MISSED");
  printf("  ratio g6 scalar / QuantLib default: %.2fx\n", rs / rq);
  printf("  ratio g6 batch / QuantLib 1e-9:     %.2fx;  g6 scalar / QuantLib "
         "1e-9: %.2fx\n",
         rb / rq9, rs / rq9);
  printf("  batch and scalar results identical: %s (%ld differ)\n",
         differ ? "NO" : "yes", differ);
  printf("\n|sigma - sigma_true| over %ld options with time value >= 1e-8 S; "
         "failures over all %ld:\n",
         n_domain, n);
  printf("  %-22s %10s %10s %10s %9s\n", "", "median", "max", ">1e-9",
         "failures");
  printf("  %-22s %10.3g %10.3g %10ld %9ld\n", "g6 scalar", e_g6.median,
         e_g6.max, e_g6.above_1e9, e_g6.failures);
  printf("  %-22s %10.3g %10.3g %10ld %9ld\n", "g6 batch", e_g6b.median,
         e_g6b.max, e_g6b.above_1e9, e_g6b.failures);
  printf("  %-22s %10.3g %10.3g %10ld %9ld  (%ld exceptions)\n",
         "QuantLib default", e_ql.median, e_ql.max, e_ql.above_1e9,
         e_ql.failures, ql_exc);
  printf("  %-22s %10.3g %10.3g %10ld %9ld  (%ld exceptions)\n",
         "QuantLib 1e-9", e_ql9.median, e_ql9.max, e_ql9.above_1e9,
         e_ql9.failures, ql9_exc);
  printf("  g6 target max |error| <= 1e-9 and 0 failures: %s\n",
         e_g6.max <= 1e-9 && e_g6.failures == 0 && e_g6b.failures == 0 &&
                 e_g6b.max <= 1e-9
             ? "met"
             : "MISSED");
  printf("  Householder steps (every 10th option; 0 = at a limit, no "
         "solve):");
  for (int i = 0; i < 12; i++)
    if (steps[i])
      printf("  %d: %ld", i, steps[i]);
  printf("\n");

  /* ---- Greeks throughput ---- */
  long ng = n < 2000000 ? n : 2000000;
  double chk = 0;
  t0 = now();
  for (long i = 0; i < ng; i++) {
    g6_greeks g;
    g6_bsm_greeks(call[i] ? G6_CALL : G6_PUT, S, K[i], T[i], r, q, sig[i], &g);
    chk += g.price + g.delta + g.gamma + g.theta + g.vega + g.rho;
  }
  double t_g = now() - t0;
  t0 = now();
  double chk_ql = ql_greeks(ng, call, K, T, sig, S, r);
  double t_gq = now() - t0;
  printf("\nprice + 5 Greeks, %ld options: g6_bsm_greeks %.0f options/s, "
         "QuantLib BlackCalculator %.0f options/s, ratio %.2fx (checksums, "
         "units differ: %.6g / %.6g)\n",
         ng, (double)ng / t_g, (double)ng / t_gq, t_gq / t_g, chk, chk_ql);

  /* ---- a 20,000-leg chain: IV + all Greeks ---- */
  enum { LEGS = 20000, REPS = 31 };
  g6_leg *legs = xmalloc(LEGS * sizeof(g6_leg));
  g6_leg *work = xmalloc(LEGS * sizeof(g6_leg));
  long stride = n / LEGS;
  for (long j = 0; j < LEGS; j++) {
    long i = j * stride;
    legs[j] = g6_leg_make(K[i], call[i] ? G6_CALL : G6_PUT, 0, T[i]);
    legs[j].last = P[i];
  }
  double times[REPS];
  g6_chain_iv_stats st;
  for (int rep = 0; rep < REPS; rep++) {
    memcpy(work, legs, LEGS * sizeof(g6_leg));
    t0 = now();
    g6_chain_iv_greeks(work, LEGS, S, r, q, G6_PRICE_LAST, NULL, &st);
    times[rep] = now() - t0;
  }
  qsort(times, REPS, sizeof(double), cmp_double);
  double chain_ms = times[REPS / 2] * 1e3;
  double worst_chain = 0;
  for (long j = 0; j < LEGS; j++)
    if (fabs(work[j].iv - sig[j * stride]) > worst_chain &&
        domain[j * stride])
      worst_chain = fabs(work[j].iv - sig[j * stride]);
  printf("\n20,000-leg chain (every %ld-th grid option), IV + all Greeks with "
         "g6_chain_iv_greeks, one thread: median %.2f ms, best %.2f ms over %d "
         "runs (target < 10 ms: %s); %zu ok, max |error| %.3g\n",
         stride, chain_ms, times[0] * 1e3, REPS,
         chain_ms < 10 ? "met" : "MISSED", st.by_status[G6_OK], worst_chain);
  return 0;
}
