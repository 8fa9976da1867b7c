/* Put-call parity forwards and static no-arbitrage checks (see
 * math/arbitrage.h). */
#include "math/arbitrage.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *g6_arb_rule_name(g6_arb_rule r) {
  static const char *const names[G6_ARB_RULE_COUNT] = {
      "none",     "bounds",  "vertical",  "butterfly",
      "calendar", "crossed", "stale_last"};
  return (unsigned)r < G6_ARB_RULE_COUNT ? names[r] : "unknown";
}

/* The k-th smallest of v[0..n) (k < n), moving it to v[k] with smaller
 * values before it and larger after it (Hoare's selection, median-of-three
 * pivot): linear on average where sorting is n log n, and a fit takes three
 * medians per expiry and cycle. */
static double select_kth(double *v, size_t n, size_t k) {
  size_t lo = 0, hi = n - 1;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    double a = v[lo], b = v[mid], c = v[hi];
    double pivot = a < b ? (b < c ? b : (a < c ? c : a))
                         : (a < c ? a : (b < c ? c : b));
    size_t i = lo, j = hi;
    while (i <= j) {
      while (v[i] < pivot)
        i++;
      while (v[j] > pivot)
        j--;
      if (i <= j) {
        double t = v[i];
        v[i] = v[j];
        v[j] = t;
        i++;
        if (j == 0)
          break;
        j--;
      }
    }
    if (k <= j)
      hi = j;
    else if (k >= i)
      lo = i;
    else
      return v[k];
  }
  return v[k];
}

/* Median of v[0..n) (reorders v); NAN for n == 0. */
static double median(double *v, size_t n) {
  if (n == 0)
    return NAN;
  double hi = select_kth(v, n, n / 2);
  if (n % 2)
    return hi;
  /* the other middle value: the largest of the lower part */
  double lo = v[0];
  for (size_t i = 1; i < n / 2; i++)
    if (v[i] > lo)
      lo = v[i];
  return 0.5 * (lo + hi);
}

/* One priced leg, for sorting by strike. */
typedef struct priced {
  double K, price;
  size_t i; /* index in the caller's array */
} priced;

static int cmp_priced(const void *a, const void *b) {
  const priced *x = a, *y = b;
  return (x->K > y->K) - (x->K < y->K);
}

/* The priced legs of one type, sorted by strike (a strike listed twice
 * keeps its first leg). Returns the count; *out is malloc'ed (NULL on
 * n == 0 or out of memory: then *oom is set). */
static size_t priced_of(const g6_leg *legs, size_t n, g6_opt_type type,
                        g6_price_source src, priced **out, bool *oom) {
  *out = NULL;
  if (n == 0)
    return 0;
  priced *p = malloc(n * sizeof(*p));
  if (p == NULL) {
    *oom = true;
    return 0;
  }
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (legs[i].type != type || !(legs[i].strike > 0))
      continue;
    double px = g6_leg_price(&legs[i], src);
    if (isfinite(px))
      p[m++] = (priced){legs[i].strike, px, i};
  }
  /* chains come in strike order: sort only when they do not */
  bool sorted = true;
  for (size_t k = 1; k < m && sorted; k++)
    sorted = p[k - 1].K <= p[k].K;
  if (!sorted)
    qsort(p, m, sizeof(*p), cmp_priced);
  size_t u = 0;
  for (size_t k = 0; k < m; k++)
    if (u == 0 || p[k].K != p[u - 1].K)
      p[u++] = p[k];
  *out = p;
  return u;
}

/* ---- parity ----------------------------------------------------------------- */

static void unfitted(g6_parity_fit *out) {
  out->forward = out->discount = out->rate = out->residual = NAN;
}

g6_status g6_parity_fit_expiry(const g6_leg *legs, size_t n, double T,
                               g6_price_source src, g6_parity_fit *out) {
  if (out == NULL || (legs == NULL && n > 0))
    return G6_EINVAL;
  memset(out, 0, sizeof(*out));
  unfitted(out);
  bool oom = false;
  priced *c = NULL, *p = NULL;
  size_t nc = priced_of(legs, n, G6_CALL, src, &c, &oom);
  size_t np = priced_of(legs, n, G6_PUT, src, &p, &oom);
  /* pairs: strikes with both legs; y = C - P */
  double *K = malloc((nc ? nc : 1) * sizeof(double));
  double *y = malloc((nc ? nc : 1) * sizeof(double));
  double *w = malloc((nc ? nc : 1) * sizeof(double));
  g6_status st = G6_OK;
  if (oom || K == NULL || y == NULL || w == NULL) {
    st = G6_ENOMEM;
    goto done;
  }
  size_t m = 0;
  for (size_t i = 0, j = 0; i < nc && j < np;) {
    if (c[i].K < p[j].K) {
      i++;
    } else if (c[i].K > p[j].K) {
      j++;
    } else {
      K[m] = c[i].K;
      y[m++] = c[i].price - p[j].price;
      i++;
      j++;
    }
  }
  out->pairs = m;
  if (m < 2) {
    st = G6_ENOENT;
    goto done;
  }
  /* robust line: slopes between strikes half the range apart */
  size_t half = m / 2, ns = 0;
  for (size_t i = 0; i + half < m; i++)
    w[ns++] = (y[i + half] - y[i]) / (K[i + half] - K[i]);
  double b = median(w, ns);
  for (size_t i = 0; i < m; i++)
    w[i] = y[i] - b * K[i];
  double a = median(w, m);
  /* inliers: within 5 robust standard deviations, and at least two ticks:
   * C - P is the difference of two quotes on the 0.05 grid, each up to a
   * tick from its value (a mid half a tick, a last a tick), so a clean
   * chain whose other pairs happen to sit on the line (a MAD near 0) still
   * has pairs a tick off it (a one-tick floor took them for bad quotes) */
  for (size_t i = 0; i < m; i++)
    w[i] = fabs(y[i] - (a + b * K[i]));
  double *tmp = malloc(m * sizeof(double));
  if (tmp == NULL) {
    st = G6_ENOMEM;
    goto done;
  }
  memcpy(tmp, w, m * sizeof(double));
  double mad = median(tmp, m);
  free(tmp);
  double cut = fmax(5 * 1.4826 * mad, 2 * 0.05);
  /* least squares over the inliers */
  double sk = 0, sy = 0, skk = 0, sky = 0;
  size_t in = 0;
  for (size_t i = 0; i < m; i++) {
    if (w[i] > cut)
      continue;
    in++;
    sk += K[i];
    sy += y[i];
    skk += K[i] * K[i];
    sky += K[i] * y[i];
  }
  out->outliers = m - in;
  if (in >= 2) {
    double mk = sk / (double)in, my = sy / (double)in;
    double vkk = skk / (double)in - mk * mk;
    if (vkk > 0) {
      b = (sky / (double)in - mk * my) / vkk;
      a = my - b * mk;
    }
  }
  double D = -b, F = D > 0 ? a / D : NAN;
  if (!(D > 0) || !isfinite(D) || !(F > 0) || !isfinite(F)) {
    st = G6_ERANGE;
    goto done;
  }
  size_t nr = 0;
  for (size_t i = 0; i < m; i++) {
    double r = fabs(y[i] - D * (F - K[i]));
    if (w[i] <= cut)
      w[nr++] = r;
  }
  out->forward = F;
  out->discount = D;
  out->rate = T > 0 ? -log(D) / T : NAN;
  out->residual = median(w, nr);
done:
  if (st != G6_OK && st != G6_ENOMEM)
    unfitted(out);
  free(c);
  free(p);
  free(K);
  free(y);
  free(w);
  return st;
}

double g6_forward_basis_bps(double F, double S, double r, double q,
                            double T) {
  if (!isfinite(F) || !isfinite(S) || !isfinite(r) || !isfinite(q) ||
      !isfinite(T) || !(S > 0))
    return NAN;
  return 1e4 * (F / (S * exp((r - q) * T)) - 1);
}

/* ---- static checks ----------------------------------------------------------- */

/* a <= b within the tolerances. */
static bool le(double a, double b, const g6_arb_opts *o) {
  double tol = o->abs_tol + o->rel_tol * fmax(fabs(a), fabs(b));
  return a <= b + tol;
}

static void flag(g6_arb_rule *flags, size_t i, g6_arb_rule r) {
  if (flags != NULL && flags[i] == G6_ARB_NONE)
    flags[i] = r;
}

/* The checks of one side (calls or puts) in strike order. */
static void check_side(const priced *p, size_t m, g6_opt_type type, double F,
                       double D, const g6_arb_opts *o, g6_arb_rule *flags,
                       size_t counts[G6_ARB_RULE_COUNT]) {
  bool call = type == G6_CALL;
  for (size_t k = 0; k < m; k++) {
    double intrinsic = D * fmax(call ? F - p[k].K : p[k].K - F, 0);
    double upper = call ? D * F : D * p[k].K;
    if (!le(intrinsic, p[k].price, o) || !le(p[k].price, upper, o)) {
      counts[G6_ARB_BOUNDS]++;
      flag(flags, p[k].i, G6_ARB_BOUNDS);
    }
  }
  for (size_t k = 0; k + 1 < m; k++) {
    double dk = p[k + 1].K - p[k].K;
    double dp = p[k + 1].price - p[k].price;
    /* calls: 0 >= dp >= -D dk; puts: 0 <= dp <= D dk */
    bool ok = call ? le(dp, 0, o) && le(-D * dk, dp, o)
                   : le(0, dp, o) && le(dp, D * dk, o);
    if (!ok) {
      counts[G6_ARB_VERTICAL]++;
      flag(flags, p[k].i, G6_ARB_VERTICAL);
      flag(flags, p[k + 1].i, G6_ARB_VERTICAL);
    }
  }
  for (size_t k = 0; k + 2 < m; k++) {
    double k1 = p[k].K, k2 = p[k + 1].K, k3 = p[k + 2].K;
    double lambda = (k3 - k2) / (k3 - k1);
    double interp = lambda * p[k].price + (1 - lambda) * p[k + 2].price;
    if (!le(p[k + 1].price, interp, o)) {
      counts[G6_ARB_BUTTERFLY]++;
      flag(flags, p[k + 1].i, G6_ARB_BUTTERFLY);
    }
  }
}

/* The leg has a live book (0 < bid <= ask, finite) and a known positive
 * last outside it by more than the tolerance. */
static bool stale_last(const g6_leg *l, const g6_arb_opts *o) {
  if (!(l->bid > 0) || !(l->ask >= l->bid) || !isfinite(l->ask) ||
      !(l->last > 0) || !isfinite(l->last))
    return false;
  return !le(l->bid, l->last, o) || !le(l->last, l->ask, o);
}

static g6_arb_opts opts_or_default(const g6_arb_opts *o) {
  g6_arb_opts d = G6_ARB_OPTS_DEFAULT;
  return o ? *o : d;
}

g6_status g6_arb_check_expiry(const g6_leg *legs, size_t n, double F, double D,
                              const g6_arb_opts *opts, g6_arb_rule *flags,
                              size_t counts[G6_ARB_RULE_COUNT]) {
  if ((legs == NULL && n > 0) || counts == NULL || !(F > 0) ||
      !isfinite(F) || !(D > 0) || !isfinite(D))
    return G6_EINVAL;
  g6_arb_opts o = opts_or_default(opts);
  /* crossed first, then bounds for every leg, vertical, butterfly, and the
   * last against its book, so a leg's flag is the first rule in that order */
  bool oom = false;
  priced *c = NULL, *p = NULL;
  size_t nc = priced_of(legs, n, G6_CALL, o.src, &c, &oom);
  size_t np = priced_of(legs, n, G6_PUT, o.src, &p, &oom);
  if (oom) {
    free(c);
    free(p);
    return G6_ENOMEM;
  }
  /* a crossed book first: its mid is not a price (g6_leg_price falls back
   * to last), so the bounds below cannot see it */
  for (size_t i = 0; i < n; i++)
    if (legs[i].bid > 0 && legs[i].ask > 0 && legs[i].bid > legs[i].ask) {
      counts[G6_ARB_CROSSED]++;
      flag(flags, i, G6_ARB_CROSSED);
    }
  check_side(c, nc, G6_CALL, F, D, &o, flags, counts);
  check_side(p, np, G6_PUT, F, D, &o, flags, counts);
  /* a last traded price above the upper bound is no price at all (a fat
   * finger, a broken feed), whatever the book the checks above used; one
   * below intrinsic may only be old, which its IV status already says */
  for (size_t i = 0; i < n; i++) {
    const g6_leg *l = &legs[i];
    double used = g6_leg_price(l, o.src);
    if (!(l->last > 0) || !isfinite(l->last) || used == l->last ||
        !(l->strike > 0))
      continue;
    double upper = l->type == G6_CALL ? D * F : D * l->strike;
    if (!le(l->last, upper, &o)) {
      counts[G6_ARB_BOUNDS]++;
      flag(flags, i, G6_ARB_BOUNDS);
    }
  }
  /* a last outside the live book is older than the book: the mid above is
   * the price, but the IV and Greeks are solved from the last */
  for (size_t i = 0; i < n; i++)
    if (stale_last(&legs[i], &o)) {
      counts[G6_ARB_STALE_LAST]++;
      flag(flags, i, G6_ARB_STALE_LAST);
    }
  free(c);
  free(p);
  return G6_OK;
}

/* Out-of-the-money legs with an IV, as (k, total variance), sorted by k. */
typedef struct kw {
  double k, w;
  size_t i;
} kw;

static int cmp_kw(const void *a, const void *b) {
  const kw *x = a, *y = b;
  return (x->k > y->k) - (x->k < y->k);
}

static size_t otm_variance(const g6_leg *legs, size_t n, double T, double F,
                           kw **out) {
  *out = malloc((n ? n : 1) * sizeof(kw));
  if (*out == NULL)
    return (size_t)-1;
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    const g6_leg *l = &legs[i];
    if (!(l->strike > 0) || !isfinite(l->iv) || !(l->iv > 0))
      continue;
    bool otm = l->type == G6_CALL ? l->strike >= F : l->strike < F;
    if (otm)
      (*out)[m++] = (kw){log(l->strike / F), l->iv * l->iv * T, i};
  }
  bool sorted = true;
  for (size_t k = 1; k < m && sorted; k++)
    sorted = (*out)[k - 1].k <= (*out)[k].k;
  if (!sorted)
    qsort(*out, m, sizeof(kw), cmp_kw);
  return m;
}

g6_status g6_arb_check_calendar(const g6_leg *near, size_t n1, double T1,
                                double F1, const g6_leg *far, size_t n2,
                                double T2, double F2, const g6_arb_opts *opts,
                                g6_arb_rule *flags_near,
                                size_t counts[G6_ARB_RULE_COUNT]) {
  if ((near == NULL && n1 > 0) || (far == NULL && n2 > 0) || counts == NULL ||
      !(T1 > 0) || !(T2 > T1) || !(F1 > 0) || !(F2 > 0) || !isfinite(F1) ||
      !isfinite(F2))
    return G6_EINVAL;
  g6_arb_opts o = opts_or_default(opts);
  kw *a = NULL, *b = NULL;
  size_t na = otm_variance(near, n1, T1, F1, &a);
  size_t nb = otm_variance(far, n2, T2, F2, &b);
  if (na == (size_t)-1 || nb == (size_t)-1) {
    free(a);
    free(b);
    return G6_ENOMEM;
  }
  for (size_t i = 0, j = 0; i < na; i++) {
    while (j + 1 < nb && b[j + 1].k < a[i].k)
      j++;
    if (nb < 2 || a[i].k < b[0].k || a[i].k > b[nb - 1].k)
      continue; /* never extrapolated */
    size_t hi = j + 1 < nb && b[j].k < a[i].k ? j + 1 : j;
    double w2;
    if (b[hi].k == b[j].k)
      w2 = b[j].w;
    else
      w2 = b[j].w + (b[hi].w - b[j].w) * (a[i].k - b[j].k) / (b[hi].k - b[j].k);
    if (w2 < a[i].w - o.var_abs_tol) {
      counts[G6_ARB_CALENDAR]++;
      flag(flags_near, a[i].i, G6_ARB_CALENDAR);
    }
  }
  free(a);
  free(b);
  return G6_OK;
}
