/* Implied volatility of the "Let's Be Rational" class (see math/iv.h).
 *
 * Notation (Jäckel 2015): x = ln(F/K), s = sigma sqrt(T), h = x/s, t = s/2.
 * Everything is reduced to the out-of-the-money call with x <= 0, whose
 * normalised price is
 *   b(x,s) = e^{x/2} Φ(h+t) - e^{-x/2} Φ(h-t)
 *          = e^{-(h²+t²)/2}/sqrt(2π) · [Y(h+t) - Y(h-t)],   Y = Φ/φ,
 * with b' = db/ds = e^{-(h²+t²)/2}/sqrt(2π), b''/b' = x²/s³ - s/4 and
 * 0 <= b < b_max = e^{x/2}. The second form is what keeps precision far out of
 * the money: the difference of Mills ratios is evaluated without cancellation
 * by an asymptotic series (h+t very negative), a Taylor series in t (small t)
 * or Cody's erfcx (elsewhere); only when b is a large part of b_max is the
 * plain Φ difference used. */
#include "math/iv.h"

#include <float.h>
#include <math.h>

#define SQRT_2PI 2.50662827463100050242
#define INV_SQRT_2PI 0.39894228040143267794
#define LN_SQRT_2PI 0.91893853320467274178
#define SQRT_PI_OVER_2 1.25331413731550025121
#define INV_SQRT_PI 0.56418958354775628695
#define INV_SQRT2 0.70710678118654752440
#define SQRT3 1.73205080756887729353
#define TWO_PI 6.28318530717958647693

/* Regions of b(x,s) in h and t. Below NB_ASYMPTOTIC both Mills ratios are in
 * their asymptotic regime, where the series reaches 1e-17 before diverging
 * (smallest term ~ e^{-(h+t)²/2}); below NB_SMALL_T the Taylor series in t
 * needs at most five terms; above NB_DIRECT b exceeds ~80 % of b_max and the
 * plain difference of the two Φ terms loses nothing. Against 60-digit
 * references b is within 3e-14 relative everywhere except the asymptotic
 * region, where the rounding of h = x/s alone costs h² ulps (b's own
 * condition number); a relative error e in b moves sigma by at most ~e sigma.
 * The erfcx difference is used down to t = 0.05 because the Taylor
 * recurrence is serial and slow; below that its cancellation would exceed
 * 1e-14. */
#define NB_ASYMPTOTIC (-9.8)
#define NB_SMALL_T 0.05
#define NB_DIRECT 0.85

/* Householder steps: two reach machine precision from the rational guesses
 * (measured: guesses within 10 %, 1e-5 after one step, 2e-15 after two, for
 * x in [-50, 0] and s in [1e-3, 20]). The loop stops once a step moves s by
 * at most STEP_TOL relative, which leaves an error of order STEP_TOL^4; the
 * cap only guards against the unforeseen. */
#define MAX_STEPS 10
#define STEP_TOL 1e-6

/* ---- special functions ------------------------------------------------ */

/* W. J. Cody, "Rational Chebyshev approximations for the error function"
 * (Math. Comp. 1969) and CALERF (1985/1987): coefficients of the published
 * approximations of erf on |x| <= 0.46875, erfcx on [0.46875, 4] and erfcx
 * beyond 4. */
static const double cody_a[5] = {3.16112374387056560e00, 1.13864154151050156e02,
                                 3.77485237685302021e02, 3.20937758913846947e03,
                                 1.85777706184603153e-1};
static const double cody_b[4] = {2.36012909523441209e01, 2.44024637934444173e02,
                                 1.28261652607737228e03,
                                 2.84423683343917062e03};
static const double cody_c[9] = {
    5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
    2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
    2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8};
static const double cody_d[8] = {
    1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
    1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
    3.43936767414372164e03, 1.23033935480374942e03};
static const double cody_p[6] = {3.05326634961232344e-1, 3.60344899949804439e-1,
                                 1.25781726111229246e-1, 1.60837851487422766e-2,
                                 6.58749161529837803e-4,
                                 1.63153871373020978e-2};
static const double cody_q[5] = {2.56852019228982242e00, 1.87295284992346047e00,
                                 5.27905102951428412e-1, 6.05183413124413191e-2,
                                 2.33520497626869185e-3};

/* erfcx(x) = e^{x²} erfc(x). Positive arguments need no exponential except
 * near 0, which is what makes the Mills-ratio form of b cheap. */
static double erfcx(double x) {
  double y = fabs(x), r;
  if (y <= 0.46875) {
    double z = y * y, num = cody_a[4] * z, den = z;
    for (int i = 0; i < 3; i++) {
      num = (num + cody_a[i]) * z;
      den = (den + cody_b[i]) * z;
    }
    return exp(z) * (1.0 - x * (num + cody_a[3]) / (den + cody_b[3]));
  }
  if (y <= 4.0) {
    double num = cody_c[8] * y, den = y;
    for (int i = 0; i < 7; i++) {
      num = (num + cody_c[i]) * y;
      den = (den + cody_d[i]) * y;
    }
    r = (num + cody_c[7]) / (den + cody_d[7]);
  } else {
    double z = 1.0 / (y * y), num = cody_p[5] * z, den = z;
    for (int i = 0; i < 4; i++) {
      num = (num + cody_p[i]) * z;
      den = (den + cody_q[i]) * z;
    }
    r = (INV_SQRT_PI - z * (num + cody_p[4]) / (den + cody_q[4])) / y;
  }
  if (x < 0) {
    /* erfcx(-y) = 2 e^{y²} - erfcx(y); y² = hi + lo exactly (Dekker's split,
     * no fma: the build does not assume an FMA unit), so e^{y²} keeps full
     * precision (e^{lo} = 1 + lo to rounding). */
    double c = 134217729.0 * y, yh = c - (c - y), yl = y - yh;
    double hi = y * y, lo = ((yh * yh - hi) + 2.0 * yh * yl) + yl * yl;
    r = 2.0 * exp(hi) * (1.0 + lo) - r;
  }
  return r;
}

static double Phi(double z) { return 0.5 * erfc(-z * INV_SQRT2); }

/* Wichura, AS241 (PPND16), Applied Statistics 37 (1988): Φ^{-1} to about
 * 1e-16 relative. The central branch takes q = p - 1/2 directly so callers
 * can pass tiny q without rounding p. */
static double as241_central(double q) {
  double r = 0.180625 - q * q;
  return q *
         (((((((2.5090809287301226727e3 * r + 3.3430575583588128105e4) * r +
               6.7265770927008700853e4) * r + 4.5921953931549871457e4) * r +
             1.3731693765509461125e4) * r + 1.9715909503065514427e3) * r +
           1.3314166789178437745e2) * r + 3.3871328727963666080e0) /
         (((((((5.2264952788528545610e3 * r + 2.8729085735721942674e4) * r +
               3.9307895800092710610e4) * r + 2.1213794301586595867e4) * r +
             5.3941960214247511077e3) * r + 6.8718700749205790830e2) * r +
           4.2313330701600911252e1) * r + 1.0);
}

/* Φ^{-1}(p) for 0 < p < 0.075 (the lower tail; result negative). */
static double as241_lower_tail(double p) {
  double r = sqrt(-log(p)), v;
  if (r <= 5.0) {
    r -= 1.6;
    v = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r +
              2.41780725177450611770e-1) * r + 1.27045825245236838258e0) * r +
            3.64784832476320460504e0) * r + 5.76949722146069140550e0) * r +
          4.63033784615654529590e0) * r + 1.42343711074968357734e0) /
        (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r +
              1.51986665636164571966e-2) * r + 1.48103976427480074590e-1) * r +
            6.89767334985100004550e-1) * r + 1.67638483018380384940e0) * r +
          2.05319162663775882187e0) * r + 1.0);
  } else {
    r -= 5.0;
    v = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r +
              1.24266094738807843860e-3) * r + 2.65321895265761230930e-2) * r +
            2.96560571828504891230e-1) * r + 1.78482653991729133580e0) * r +
          5.46378491116411436990e0) * r + 6.65790464350110377720e0) /
        (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r +
              1.84631831751005468180e-5) * r + 7.86869131145613259100e-4) * r +
            1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r +
          5.99832206555887937690e-1) * r + 1.0);
  }
  return -v;
}

static double inv_norm_cdf(double p) {
  if (!(p > 0))
    return -INFINITY;
  if (!(p < 1))
    return INFINITY;
  double q = p - 0.5;
  if (fabs(q) <= 0.425)
    return as241_central(q);
  return q < 0 ? as241_lower_tail(p) : -as241_lower_tail(1.0 - p);
}

/* ---- the normalised Black function ------------------------------------ */

/* Y(h+t) - Y(h-t) for h+t <= NB_ASYMPTOTIC. With u = -h, A = 1/(u-t),
 * B = 1/(u+t): Y(-v) ~ Σ_k (-1)^k (2k-1)!! v^{-(2k+1)}, and
 * A^n - B^n = (A-B) S_n with S_n = Σ_{i<n} A^i B^{n-1-i} (all terms
 * positive), S_{n+2} = A² S_n + B^n (A+B): no cancellation between the two
 * Mills ratios, whatever t/u. */
static double dy_asymptotic(double h, double t) {
  double u = -h, A = 1.0 / (u - t), B = 1.0 / (u + t);
  double A2 = A * A, B2 = B * B, ApB = A + B;
  double Sn = 1.0, Bn = B, coef = 1.0, sum = 1.0, prev = 1.0;
  for (int k = 1; k < 64; k++) {
    Sn = A2 * Sn + Bn * ApB;
    Bn *= B2;
    coef *= -(double)(2 * k - 1);
    double term = coef * Sn;
    if (fabs(term) >= fabs(prev)) /* the asymptotic series turns */
      break;
    sum += term;
    prev = term;
    if (fabs(term) <= 1e-17 * fabs(sum))
      break;
  }
  return 2.0 * t / ((u - t) * (u + t)) * sum;
}

/* Y(h+t) - Y(h-t) = 2 Σ_{k odd} Y^{(k)}(h) t^k / k! for t < NB_SMALL_T,
 * with Y' = 1 + hY and Y^{(n+1)} = n Y^{(n-1)} + h Y^{(n)}. The recurrence
 * loses about log10(h²) digits per order for negative h, but each order is
 * damped by t²/((k+1)(k+2)) <= 0.007 and h > -10 here. */
static double dy_small_t(double h, double t) {
  double y0 = SQRT_PI_OVER_2 * erfcx(-h * INV_SQRT2);
  double ykm1 = y0, yk = 1.0 + h * y0; /* Y, Y' */
  /* 1/((k+1)(k+2)) for k = 1, 3, ..., 15 */
  static const double inv[8] = {1.0 / 6,   1.0 / 20,  1.0 / 42,  1.0 / 72,
                                1.0 / 110, 1.0 / 156, 1.0 / 210, 1.0 / 272};
  double t2 = t * t, p = 1.0, sum = yk;
  for (int k = 1; k < 17; k += 2) {
    double ykp1 = k * ykm1 + h * yk;
    double ykp2 = (k + 1) * yk + h * ykp1;
    p *= t2 * inv[k / 2];
    double term = p * ykp2;
    sum += term;
    ykm1 = ykp1;
    yk = ykp2;
    if (fabs(term) <= 1e-17 * fabs(sum))
      break;
  }
  return 2.0 * t * sum;
}

static double dy(double h, double t) {
  if (h + t <= NB_ASYMPTOTIC)
    return dy_asymptotic(h, t);
  if (t < NB_SMALL_T)
    return dy_small_t(h, t);
  return SQRT_PI_OVER_2 *
         (erfcx(-(h + t) * INV_SQRT2) - erfcx((t - h) * INV_SQRT2));
}

typedef struct nb_ctx {
  double x;    /* ln(F/K) <= 0 */
  double ex2;  /* e^{x/2} = b_max */
  double emx2; /* e^{-x/2} */
} nb_ctx;

/* b(x,s) and b'(s), s > 0; is = 1/s. */
static double nb_value(const nb_ctx *c, double s, double is, double *bp) {
  double h = c->x * is, t = 0.5 * s;
  double w = exp(-0.5 * (h * h + t * t)) * INV_SQRT_2PI;
  *bp = w;
  if (h + t > NB_DIRECT)
    return c->ex2 * Phi(h + t) - c->emx2 * Phi(h - t);
  return w * dy(h, t);
}

/* ν = (beta - b(x,s)) / b'(s) for the middle objective: where b = b' ΔY this
 * is beta/b' - ΔY, with 1/b' from one exp and no division. */
static double nb_newton(const nb_ctx *c, double s, double is, double beta) {
  double h = c->x * is, t = 0.5 * s;
  double ibp = exp(0.5 * (h * h + t * t)) * SQRT_2PI;
  if (h + t > NB_DIRECT)
    return (beta - (c->ex2 * Phi(h + t) - c->emx2 * Phi(h - t))) * ibp;
  return beta * ibp - dy(h, t);
}

/* ln b(x,s) and q = b'/b, without underflow however small b is. */
static double nb_log(const nb_ctx *c, double s, double is, double *q) {
  double h = c->x * is, t = 0.5 * s;
  if (h + t > NB_DIRECT) {
    double b = c->ex2 * Phi(h + t) - c->emx2 * Phi(h - t);
    *q = exp(-0.5 * (h * h + t * t)) * INV_SQRT_2PI / b;
    return log(b);
  }
  double d = dy(h, t);
  *q = 1.0 / d;
  return log(d) - 0.5 * (h * h + t * t) - LN_SQRT_2PI;
}

/* b_max - b(x,s) as a sum of two positive terms, and b'(s). */
static double nb_complement(const nb_ctx *c, double s, double is,
                            double *bp) {
  double h = c->x * is, t = 0.5 * s;
  *bp = exp(-0.5 * (h * h + t * t)) * INV_SQRT_2PI;
  return c->ex2 * Phi(-(h + t)) + c->emx2 * Phi(h - t);
}

double g6_normalised_black(double x, double s, g6_opt_type type) {
  if (isnan(x) || isnan(s) || s < 0)
    return NAN;
  if (type == G6_PUT) /* b(x,s,put) = b(-x,s,call) */
    x = -x;
  if (isinf(x))
    return x > 0 ? INFINITY : 0.0;
  /* an in-the-money call is its intrinsic value plus the out-of-the-money
   * put, i.e. the call at -x */
  double intrinsic = x > 0 ? 2.0 * sinh(0.5 * x) : 0.0;
  double xo = -fabs(x);
  if (s == 0)
    return intrinsic;
  if (isinf(s))
    return exp(0.5 * x);
  nb_ctx c = {xo, exp(0.5 * xo), exp(-0.5 * xo)};
  double bp;
  return intrinsic + nb_value(&c, s, 1.0 / s, &bp);
}

/* ---- rational cubic interpolation (Delbourgo & Gregory 1985) ----------- */

#define RC_R_MIN (-(1.0 - 1.4901161193847656e-08)) /* keeps 1+(r-3)t(1-t) > 0 */
#define RC_R_MAX 3.4e38                             /* practically linear */

static double rc_interp(double x, double xl, double xr, double yl, double yr,
                        double dl, double dr, double r) {
  double h = xr - xl;
  if (!(fabs(h) > 0))
    return 0.5 * (yl + yr);
  double t = (x - xl) / h;
  if (!(r < RC_R_MAX)) /* the limit r -> inf is the straight line */
    return yl + t * (yr - yl);
  double o = 1.0 - t, t2 = t * t, o2 = o * o;
  return (yr * t2 * t + (r * yr - h * dr) * t2 * o + (r * yl + h * dl) * t * o2 +
          yl * o2 * o) /
         (1.0 + (r - 3.0) * t * o);
}

/* Smallest r that keeps the interpolant monotone and convex/concave when the
 * data are (sufficient conditions, checked numerically): monotone iff
 * r >= (dl+dr)/Δ; convex or concave iff r >= |dr-dl| / min(|dr-Δ|, |Δ-dl|). */
static double max2(double a, double b) { return a > b ? a : b; }

static double rc_r_min(double dl, double dr, double delta, int prefer_shape) {
  int monotone = dl * delta >= 0 && dr * delta >= 0;
  int convex = dl <= delta && delta <= dr;
  int concave = dl >= delta && delta >= dr;
  if (!monotone && !convex && !concave)
    return RC_R_MIN;
  double r1 = -HUGE_VAL, r2 = -HUGE_VAL;
  if (monotone) {
    if (fabs(delta) > 0)
      r1 = (dr + dl) / delta;
    else if (prefer_shape)
      r1 = RC_R_MAX;
  }
  if (convex || concave) {
    double a = dr - delta, b = delta - dl;
    if (a != 0 && b != 0)
      r2 = max2(fabs((dr - dl) / a), fabs((dr - dl) / b));
    else if (prefer_shape)
      r2 = RC_R_MAX;
  }
  return max2(RC_R_MIN, max2(r1, r2));
}

/* r making the second derivative at the left (right) end equal d2, but never
 * below the shape-preserving minimum. From y''(x_l) = (2/h)[r(Δ-dl) + dl-dr]
 * and its mirror image. */
static double rc_r_left(double xl, double xr, double yl, double yr, double dl,
                        double dr, double d2, int prefer_shape) {
  double h = xr - xl, delta = (yr - yl) / h;
  double r = (0.5 * h * d2 + (dr - dl)) / (delta - dl);
  double rmin = rc_r_min(dl, dr, delta, prefer_shape);
  return isfinite(r) ? max2(r, rmin) : rmin;
}

static double rc_r_right(double xl, double xr, double yl, double yr, double dl,
                         double dr, double d2, int prefer_shape) {
  double h = xr - xl, delta = (yr - yl) / h;
  double r = (0.5 * h * d2 + (dr - dl)) / (dr - delta);
  double rmin = rc_r_min(dl, dr, delta, prefer_shape);
  return isfinite(r) ? max2(r, rmin) : rmin;
}

/* ---- initial guess ----------------------------------------------------- */

enum objective { OBJ_LOWER, OBJ_MIDDLE, OBJ_UPPER };

/* Branch 1, beta < b_l: interpolate the lower map
 *   f(s) = (2π|x| / (3√3)) Φ(z)³,  z = -|x|/(√3 s),
 * which has the leading asymptotics of b as s -> 0 (so df/dβ = 1 at 0), in
 * beta over [0, b_l], then invert f exactly. */
static double guess_lower(const nb_ctx *c, double beta, double lnbeta,
                          double sl, double bl, double vl) {
  double ax = -c->x;
  double z = -ax / (SQRT3 * sl), y = z * z, pz = Phi(z);
  double k = TWO_PI * ax / (3.0 * SQRT3);
  double fl = k * pz * pz * pz;
  /* df/dβ = 2π y Φ(z)² e^{y + s²/8}; d²f/dβ² = (df/dβ)' / b' */
  double fpl = TWO_PI * y * pz * pz * exp(y + 0.125 * sl * sl);
  double phi_over_pz = exp(-0.5 * y) * INV_SQRT_2PI / pz;
  double dlng = (-2.0 + 2.0 * phi_over_pz * sqrt(y) - 2.0 * y) / sl + 0.25 * sl;
  double fppl = fpl * dlng / vl;
  if (beta < DBL_MIN) {
    /* beta underflowed (a tiny price): f(beta) = beta to first order, and
     * Phi(z)^3 = f/k is taken from the logarithm, which has not */
    double zz = inv_norm_cdf(exp((lnbeta - log(k)) / 3.0));
    return -ax / (SQRT3 * zz);
  }
  double r = rc_r_right(0.0, bl, 0.0, fl, 1.0, fpl, fppl, 1);
  double f = rc_interp(beta, 0.0, bl, 0.0, fl, 1.0, fpl, r);
  if (!(f > 0)) { /* roundoff for extreme |x|: the quadratic through f(0)=0,
                     f'(0)=1 and f(b_l) */
    double tt = beta / bl;
    f = (fl * tt + bl * (1.0 - tt)) * tt;
  }
  double zz = inv_norm_cdf(cbrt(f / k));
  return -ax / (SQRT3 * zz);
}

/* Branch 4, beta > b_u: interpolate the upper map f(s) = Φ(-s/2) (b_max - b
 * ~ 2Φ(-s/2) as s -> inf, so df/dβ = -1/2 at b_max) and invert it. */
static double guess_upper(const nb_ctx *c, double beta, double su, double bu,
                          double vu) {
  double hu = c->x / su;
  double fu = Phi(-0.5 * su);
  double e = exp(0.5 * hu * hu);
  double fpu = -0.5 * e; /* df/dβ = -e^{h²/2}/2 */
  double fppu = 0.5 * e * c->x * c->x / (su * su * su) / vu;
  double r = rc_r_left(bu, c->ex2, fu, 0.0, fpu, -0.5, fppu, 1);
  double f = rc_interp(beta, bu, c->ex2, fu, 0.0, fpu, -0.5, r);
  if (!(f > 0) || !(f < 0.5))
    f = 0.5 * (c->ex2 - beta);
  return -2.0 * inv_norm_cdf(f);
}

/* ---- the solver: one option's state, advanced in stages ----------------- */

/* A single solve is latency-bound: every stage waits for the exp, erfcx and
 * divisions of the one before. The scalar entry points run the stages of one
 * lane in order; g6_iv_bsm_batch runs each stage over a block of lanes, so the
 * processor overlaps the independent chains of neighbouring options. Both
 * paths execute exactly the same arithmetic. */
typedef struct iv_lane {
  nb_ctx c;
  double beta, lnbeta; /* lnbeta stays exact where beta underflows */
  double sc, bc, vc; /* inflection node */
  double sn, bn, vn; /* second node: s_l (beta < b_c) or s_u */
  double s, ds;
  double lnt; /* ln beta (lower objective) or ln(b_max - beta) (upper) */
  int obj, below, closed_form, steps;
} iv_lane;

static void lane_init(iv_lane *L, double beta, double lnbeta, double x,
                      double ex2) {
  L->c.x = x;
  L->c.ex2 = ex2;
  L->c.emx2 = 1.0 / ex2;
  L->beta = beta;
  L->lnbeta = lnbeta;
  L->steps = 0;
  L->ds = HUGE_VAL;
}

/* Stage 1: the inflection node, and the abscissa of the second node (the
 * tangent at s_c meets 0 at s_l and b_max at s_u). At x = 0,
 * b(0,s) = 2Φ(s/2) - 1 inverts in closed form. */
static void lane_inflection(iv_lane *L) {
  double x = L->c.x, beta = L->beta;
  if (x == 0) {
    L->closed_form = 1;
    L->s = beta <= 0.85 ? 2.0 * as241_central(0.5 * beta)
                        : -2.0 * as241_lower_tail(0.5 * (1.0 - beta));
    double bu = 2.0 * Phi(0.5 * SQRT_2PI) - 1.0; /* s_u = sqrt(2π) */
    L->obj = beta > bu ? OBJ_UPPER : OBJ_MIDDLE;
    return;
  }
  L->closed_form = 0;
  /* at s_c, h = -t: b' = e^{x/2}/sqrt(2π) and b = b' [Y(0) - Y(-s_c)] needs a
   * single erfcx */
  double sc = sqrt(-2.0 * x), vc = L->c.ex2 * INV_SQRT_2PI;
  double bc = vc * (0.5 * sc < NB_SMALL_T
                        ? dy_small_t(-0.5 * sc, 0.5 * sc)
                        : SQRT_PI_OVER_2 * (1.0 - erfcx(sc * INV_SQRT2)));
  L->sc = sc;
  L->vc = vc;
  L->bc = bc;
  L->below = beta < bc;
  L->sn = L->below ? sc - bc / vc : sc + (L->c.ex2 - bc) / vc;
}

/* Stage 2: b and b' at the second node. */
static void lane_node(iv_lane *L) {
  if (L->closed_form)
    return;
  if (!(L->sn > 0)) { /* s_l > 0 mathematically; guard the rounding */
    L->bn = L->vn = 0.0;
    return;
  }
  L->bn = nb_value(&L->c, L->sn, 1.0 / L->sn, &L->vn);
}

/* Stage 3: the initial guess from the branch beta falls in. */
static void lane_guess(iv_lane *L) {
  double beta = L->beta;
  if (!L->closed_form) {
    if (L->below) {
      if (beta < L->bn) {
        L->obj = OBJ_LOWER;
        L->s = guess_lower(&L->c, beta, L->lnbeta, L->sn, L->bn, L->vn);
      } else {
        /* s(beta) on [b_l, b_c] is concave with s'' = 0 at the inflection */
        L->obj = OBJ_MIDDLE;
        double dl =
            L->vn > 0 ? 1.0 / L->vn : (L->sc - L->sn) / (L->bc - L->bn);
        double dr = 1.0 / L->vc;
        double r = rc_r_right(L->bn, L->bc, L->sn, L->sc, dl, dr, 0.0, 0);
        L->s = rc_interp(beta, L->bn, L->bc, L->sn, L->sc, dl, dr, r);
      }
    } else if (beta <= L->bn) {
      L->obj = OBJ_MIDDLE;
      double dl = 1.0 / L->vc, dr = 1.0 / L->vn;
      double r = rc_r_left(L->bc, L->bn, L->sc, L->sn, dl, dr, 0.0, 0);
      L->s = rc_interp(beta, L->bc, L->bn, L->sc, L->sn, dl, dr, r);
    } else {
      L->obj = OBJ_UPPER;
      L->s = guess_upper(&L->c, beta, L->sn, L->bn, L->vn);
    }
  }
  if (!(L->s > 0) || !isfinite(L->s)) /* cannot happen for representable beta */
    L->s = 1.0;
  L->lnt = L->obj == OBJ_LOWER   ? (beta >= DBL_MIN ? log(beta) : L->lnbeta)
           : L->obj == OBJ_UPPER ? log(L->c.ex2 - beta)
                                 : 0.0;
}

static int lane_done(const iv_lane *L) {
  return fabs(L->ds) <= STEP_TOL * L->s;
}

/* Stage 4: one Householder step of order three on g(s) = 0 with
 * nu = -g/g', h2 = g''/g', h3 = g'''/g':
 *   ds = nu (1 + h2 nu/2) / (1 + nu (h2 + h3 nu/6)),
 *   lower:  g = 1/ln b - 1/ln beta   (b varies like e^{-x²/2s²})
 *   middle: g = b - beta
 *   upper:  g = ln(b_max - beta) - ln(b_max - b)
 * With L = ln b, q = b'/b, H = b''/b' = x²/s³ - s/4 and
 * H3 = b'''/b' = H² - 3x²/s⁴ - 1/4:
 *   lower  h2 = H - q(1 + 2/L),
 *          h3 = H3 - 3qH + 2q² - 6(qH - q²)/L + 6q²/L²
 *   upper  (p = b'/(b_max - b)) h2 = H + p, h3 = H3 + 3pH + 2p².
 * Returns nonzero once the step was at most STEP_TOL relative. */
static int lane_step(iv_lane *L) {
  double s = L->s, x2 = L->c.x * L->c.x;
  double is = 1.0 / s, x2is3 = x2 * is * is * is;
  double H = x2is3 - 0.25 * s;
  double H3 = H * H - 3.0 * x2is3 * is - 0.25;
  double nu, h2, h3;
  if (L->obj == OBJ_LOWER) {
    double q, lb = nb_log(&L->c, s, is, &q), il = 1.0 / lb;
    nu = lb * (L->lnt - lb) / (L->lnt * q);
    h2 = H - q * (1.0 + 2.0 * il);
    h3 = H3 - 3.0 * q * H + 2.0 * q * q - 6.0 * (q * H - q * q) * il +
         6.0 * q * q * il * il;
  } else if (L->obj == OBJ_MIDDLE) {
    nu = nb_newton(&L->c, s, is, L->beta);
    h2 = H;
    h3 = H3;
  } else {
    double bp, d = nb_complement(&L->c, s, is, &bp), p = bp / d;
    nu = (log(d) - L->lnt) / p;
    h2 = H + p;
    h3 = H3 + 3.0 * p * H + 2.0 * p * p;
  }
  double ds =
      nu * (1.0 + 0.5 * h2 * nu) / (1.0 + nu * (h2 + h3 * nu * (1.0 / 6.0)));
  if (!isfinite(ds) || !(s + ds > 0)) { /* safeguard: Newton, then halve */
    ds = nu;
    if (!isfinite(ds) || !(s + ds > 0))
      ds = -0.5 * s;
  }
  L->s = s + ds;
  L->ds = ds;
  L->steps++;
  return lane_done(L);
}


/* Solves b(x,s) = beta for x <= 0, 0 <= beta < ex2 = e^{x/2}, with
 * lnbeta = ln beta computed where beta could not underflow. */
static g6_status solve_otm_call(double beta, double lnbeta, double x,
                                double ex2, double *s_out, int *iters) {
  *s_out = NAN;
  if (!(beta < ex2))
    return G6_EABOVE_BOUND;
  iv_lane L;
  lane_init(&L, beta, lnbeta, x, ex2);
  lane_inflection(&L);
  lane_node(&L);
  lane_guess(&L);
  while (L.steps < MAX_STEPS && !lane_step(&L))
    ;
  if (iters)
    *iters = L.steps;
  *s_out = L.s;
  return lane_done(&L) && isfinite(L.s) ? G6_OK : G6_ENOCONVERGE;
}

/* ---- public entry points ------------------------------------------------ */

g6_status g6_iv_opts_check(const g6_iv_opts *o, g6_error *err) {
  if (o == NULL)
    return G6_OK;
  if (isnan(o->iv_min) || !(o->iv_min >= 0) || isinf(o->iv_min))
    return g6_error_set(err, G6_EINVAL,
                        "iv_min %g: must be a finite number >= 0", o->iv_min);
  if (isnan(o->iv_max) || !(o->iv_max > o->iv_min))
    return g6_error_set(err, G6_EINVAL,
                        "iv_max %g: must be greater than iv_min (%g)",
                        o->iv_max, o->iv_min);
  if (!(o->price_tick >= 0) || isinf(o->price_tick))
    return g6_error_set(err, G6_EINVAL,
                        "price_tick %g: must be a finite number >= 0",
                        o->price_tick);
  return G6_OK;
}

g6_status g6_iv_normalised(double beta, double x, g6_opt_type type, double *s,
                           int *iterations) {
  *s = NAN;
  if (iterations)
    *iterations = 0;
  if (!isfinite(beta) || !isfinite(x))
    return G6_ENONFINITE;
  if (type == G6_PUT)
    x = -x;
  double intrinsic = x > 0 ? 2.0 * sinh(0.5 * x) : 0.0;
  if (beta < intrinsic)
    return G6_EBELOW_INTRINSIC;
  if (beta >= exp(0.5 * x))
    return G6_EABOVE_BOUND;
  double otm = beta - intrinsic;
  if (!(otm > 0))
    return G6_EAT_INTRINSIC;
  return solve_otm_call(otm, log(otm), -fabs(x), exp(-0.5 * fabs(x)), s,
                        iterations);
}

/* What is left to solve for one price, after the checks. */
typedef struct iv_prep {
  double beta, lnbeta, x, ex2, sqrt_t;
} iv_prep;

/* ---- the intrinsic value, exactly enough ------------------------------- */

/* Error-free transformations (Knuth's two-sum, Dekker's product with
 * Veltkamp's split; no FMA assumed): a + b = s + e and a * b = p + e exactly,
 * for finite inputs far from overflow. */
static void two_sum(double a, double b, double *s, double *e) {
  double x = a + b, bv = x - a, av = x - bv;
  *s = x;
  *e = (a - av) + (b - bv);
}

static void two_prod(double a, double b, double *p, double *e) {
  double ca = 134217729.0 * a, ah = ca - (ca - a), al = a - ah;
  double cb = 134217729.0 * b, bh = cb - (cb - b), bl = b - bh;
  *p = a * b;
  *e = ((ah * bh - *p) + ah * bl + al * bh) + al * bl;
}

/* A price against its discounted intrinsic value, for an option on A da
 * (S e^{-qT} for BSM, F e^{-rT} for Black-76) struck at B db (K e^{-rT}).
 * The intrinsic value is a difference of two rounded products, which
 * cancels badly in the money: computed naively it can be a few ulps of
 * max(A, B) low, and that noise, read as time value, solves to a volatility
 * made of rounding (the 0.028 for a call priced at S - K e^{-rT},
 * hundreds of percent a minute before expiry). So the products and the
 * differences are kept in double-double, the time value price - intrinsic
 * is rounded once at the end, and anything within INTRINSIC_TOL ulps of
 * max(A da, B db) of the intrinsic value (the rounding of the inputs and
 * of the two exp() factors) is "at intrinsic", and so is an in-the-money
 * price up to `tick` (g6_iv_opts.price_tick, >= 0) below it. Out of the
 * money by more than that, the intrinsic value is exactly 0 and the price
 * is all time value. Returns G6_EBELOW_INTRINSIC, G6_EAT_INTRINSIC, or
 * NEED_SOLVE with *tv the discounted time value (> 0). */
#define INTRINSIC_TOL 8.0
#define NEED_SOLVE G6_STATUS_COUNT /* internal: not a g6_status value */
static int time_value(g6_opt_type type, double A, double da, double B,
                      double db, double price, double tick, double *tv) {
  double p1 = A * da, p2 = B * db;
  double noise = INTRINSIC_TOL * DBL_EPSILON * (p1 > p2 ? p1 : p2);
  double plain = type == G6_CALL ? p1 - p2 : p2 - p1;
  if (plain <= -2 * noise) {
    /* clearly out of the money (the rounding of the plain difference is
     * far below noise): no intrinsic value, no cancellation, and half the
     * options skip the exact products below */
    if (price < 0)
      return G6_EBELOW_INTRINSIC;
    if (price == 0)
      return G6_EAT_INTRINSIC;
    *tv = price;
    return NEED_SOLVE;
  }
  double e1, e2, s, e3;
  two_prod(A, da, &p1, &e1);
  two_prod(B, db, &p2, &e2);
  two_sum(p1, -p2, &s, &e3);
  double lo = (e1 - e2) + e3; /* A da - B db = s + lo to ~2^-100 */
  if (type == G6_PUT) {
    s = -s;
    lo = -lo;
  }
  double excess, slack = 0; /* the quote's resolution: in the money only */
  if (s + lo <= -noise) {
    excess = price; /* out of the money: no intrinsic value to cancel */
    noise = 0;
  } else if (s + lo <= 0) {
    excess = price; /* at the money within rounding: intrinsic 0 +- noise */
  } else {
    double x, e4;
    two_sum(price, -s, &x, &e4);
    excess = x + (e4 - lo);
    slack = price >= 0 ? tick : 0;
  }
  if (!isfinite(excess)) /* inputs near overflow: the plain difference */
    excess = price - (type == G6_CALL ? A * da - B * db : B * db - A * da);
  if (excess < -noise - slack || (noise == 0 && excess < 0))
    return G6_EBELOW_INTRINSIC;
  if (excess <= noise)
    return G6_EAT_INTRINSIC;
  *tv = excess;
  return NEED_SOLVE;
}

/* The undiscounted price on forward F (df = e^{-rT}, tv the discounted time
 * value from time_value): the out-of-the-money side through parity (its
 * price is the time value), normalised by sqrt(F K) (computed so that it
 * neither underflows nor overflows for tiny or huge F and K: volatility does
 * not depend on the unit of price). The normalised price
 * also keeps its logarithm from the unnormalised numbers, because for tiny
 * prices beta underflows (to 0, or to a subnormal with few digits) while
 * ln beta is still exact and is all the lower branch of the solver needs.
 * Returns NEED_SOLVE with `p` filled, or G6_EABOVE_BOUND. */
static int prep_forward(g6_opt_type type, double F, double K, double T,
                        double P, double df, double tv, iv_prep *p) {
  double bound = type == G6_CALL ? F : K;
  if (P >= bound)
    return G6_EABOVE_BOUND;
  /* sqrt(F K), but F K underflows below ~1e-154 (beta would be +Inf: an
   * affordable option "above the bound") and overflows above ~1e154; the
   * product of the roots stays a normal double for every normal F and K */
  double fk = F * K;
  double norm = fk >= DBL_MIN && fk <= DBL_MAX ? sqrt(fk) : sqrt(F) * sqrt(K);
  double beta = tv / df / norm;
  /* x = -|ln(F/K)| and e^{x/2} = sqrt(min/max) without an exp */
  double lo = F < K ? F : K, hi = F < K ? K : F;
  p->beta = beta;
  /* only the underflowed case needs it (lane_guess): four logs are not
   * free on the fast path */
  p->lnbeta = beta < DBL_MIN ? log(tv) - log(df) - 0.5 * (log(F) + log(K))
                             : NAN; /* unused: ln beta is taken from beta */
  p->x = log(lo / hi);
  p->ex2 = sqrt(lo / hi);
  p->sqrt_t = sqrt(T);
  if (!(beta < p->ex2)) /* P < bound, but rounding in the normalisation */
    return G6_EABOVE_BOUND;
  return NEED_SOLVE;
}

/* The caller's bounds classify a solved sigma; they never change it. */
static g6_status classify(g6_status st, double sigma, const g6_iv_opts *opts) {
  if (st == G6_OK && opts && (sigma < opts->iv_min || sigma > opts->iv_max))
    return G6_EIV_OUT_OF_BOUNDS;
  return st;
}

/* Checks and prepares one price: NEED_SOLVE with `p` filled, or the final
 * status (at intrinsic, below, above the bound). (A da, B db) are the
 * discounted underlying and strike (time_value), F the forward and df the
 * discount factor. */
static int prepare(g6_opt_type type, double A, double da, double B, double db,
                   double F, double df, double T, double price,
                   const g6_iv_opts *opts, iv_prep *p) {
  double tv = 0;
  double tick = opts != NULL && opts->price_tick > 0 ? opts->price_tick : 0;
  int st = time_value(type, A, da, B, db, price, tick, &tv);
  if (st != NEED_SOLVE)
    return st;
  return prep_forward(type, F, B, T, price / df, df, tv, p);
}

static g6_status solve_prepared(int st, const iv_prep *p,
                                const g6_iv_opts *opts, double *iv) {
  if (st != NEED_SOLVE)
    return (g6_status)st;
  double s;
  g6_status sst = solve_otm_call(p->beta, p->lnbeta, p->x, p->ex2, &s, NULL);
  *iv = s / p->sqrt_t;
  return classify(sst, *iv, opts);
}

g6_status g6_iv_black76(g6_opt_type type, double F, double K, double T,
                        double r, double price, const g6_iv_opts *opts,
                        double *iv) {
  *iv = NAN;
  if (!isfinite(F) || !isfinite(K) || !isfinite(T) || !isfinite(r) ||
      !isfinite(price) || !(F > 0) || !(K > 0))
    return G6_ENONFINITE;
  if (!(T > 0))
    return G6_EEXPIRED;
  double df = exp(-r * T);
  if (!(df > 0) || !isfinite(df))
    return G6_ENONFINITE;
  iv_prep p;
  int st = prepare(type, F, df, K, df, F, df, T, price, opts, &p);
  return solve_prepared(st, &p, opts, iv);
}

/* Checks a BSM input and prepares it (prepare): the forward is
 * F = S e^{(r-q)T}, the discounted underlying S e^{-qT}. */
static int bsm_prepare(g6_opt_type type, double S, double K, double T,
                       double r, double q, double price,
                       const g6_iv_opts *opts, iv_prep *p) {
  if (!isfinite(S) || !isfinite(K) || !isfinite(T) || !isfinite(r) ||
      !isfinite(q) || !isfinite(price) || !(S > 0) || !(K > 0))
    return G6_ENONFINITE;
  if (!(T > 0))
    return G6_EEXPIRED;
  double df = exp(-r * T), dq = q == 0 ? 1.0 : exp(-q * T);
  double F = q == 0 ? S / df : S * exp((r - q) * T);
  if (!(F > 0) || !isfinite(F) || !(df > 0) || !isfinite(df) ||
      !(dq > 0) || !isfinite(dq))
    return G6_ENONFINITE;
  return prepare(type, S, dq, K, df, F, df, T, price, opts, p);
}

g6_status g6_iv_bsm(g6_opt_type type, double S, double K, double T, double r,
                    double q, double price, const g6_iv_opts *opts,
                    double *iv) {
  *iv = NAN;
  iv_prep p;
  int st = bsm_prepare(type, S, K, T, r, q, price, opts, &p);
  return solve_prepared(st, &p, opts, iv);
}

#define BATCH_BLOCK 32

void g6_iv_bsm_batch(double S, double r, double q, const g6_iv_opts *opts,
                     g6_iv_job *jobs, size_t n) {
  iv_lane lane[BATCH_BLOCK];
  double sqrt_t[BATCH_BLOCK];
  size_t idx[BATCH_BLOCK];
  for (size_t base = 0; base < n; base += BATCH_BLOCK) {
    size_t end = n - base < BATCH_BLOCK ? n : base + BATCH_BLOCK, m = 0;
    for (size_t i = base; i < end; i++) {
      g6_iv_job *j = &jobs[i];
      iv_prep p;
      j->iv = NAN;
      int st = bsm_prepare(j->type, S, j->K, j->T, r, q, j->price, opts, &p);
      if (st != NEED_SOLVE) {
        j->status = (g6_status)st;
        continue;
      }
      lane_init(&lane[m], p.beta, p.lnbeta, p.x, p.ex2);
      sqrt_t[m] = p.sqrt_t;
      idx[m++] = i;
    }
    for (size_t k = 0; k < m; k++)
      lane_inflection(&lane[k]);
    for (size_t k = 0; k < m; k++)
      lane_node(&lane[k]);
    for (size_t k = 0; k < m; k++)
      lane_guess(&lane[k]);
    for (size_t k = 0; k < m; k++)
      lane_step(&lane[k]);
    for (size_t k = 0; k < m; k++)
      if (!lane_done(&lane[k]))
        lane_step(&lane[k]);
    for (size_t k = 0; k < m; k++) {
      iv_lane *L = &lane[k];
      while (L->steps < MAX_STEPS && !lane_done(L))
        lane_step(L);
      g6_status st = lane_done(L) && isfinite(L->s) ? G6_OK : G6_ENOCONVERGE;
      g6_iv_job *j = &jobs[idx[k]];
      j->iv = L->s / sqrt_t[k];
      j->status = classify(st, j->iv, opts);
    }
  }
}

g6_status g6_iv_bsm_greeks(g6_opt_type type, double S, double K, double T,
                           double r, double q, double price,
                           const g6_iv_opts *opts, double *iv, g6_greeks *g) {
  g6_status st = g6_iv_bsm(type, S, K, T, r, q, price, opts, iv);
  if (st == G6_OK || st == G6_EIV_OUT_OF_BOUNDS) {
    if (g6_bsm_greeks(type, S, K, T, r, q, *iv, g) != G6_OK)
      return G6_EINTERNAL; /* inputs were validated above */
  } else {
    g->price = g->delta = g->gamma = g->theta = g->vega = g->rho = NAN;
  }
  return st;
}
