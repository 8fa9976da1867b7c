// QuantLib side of bench/iv: the reference implementation, linked only into
// the benchmark (never into libg6 or the tests).
#include <ql/pricingengines/blackcalculator.hpp>
#include <ql/pricingengines/blackformula.hpp>

#include <cmath>

using namespace QuantLib;

extern "C" {

// blackFormulaImpliedStdDev for n options on forward F_i, discount df_i;
// accuracy on the standard deviation: acc_scale * sqrt(T_i) (so acc_scale is
// an accuracy on sigma), or QuantLib's default 1e-6 when acc_scale <= 0.
// Writes sigma = stddev / sqrt(T) (NAN when QuantLib throws); returns the
// number of exceptions.
long ql_implied_vols(long n, const int *call, const double *K, const double *T,
                     const double *price, double S, double r, double acc_scale,
                     double *sigma) {
  long failures = 0;
  for (long i = 0; i < n; i++) {
    double F = S * std::exp(r * T[i]), df = std::exp(-r * T[i]);
    double acc = acc_scale > 0 ? acc_scale * std::sqrt(T[i]) : 1.0e-6;
    try {
      double sd = blackFormulaImpliedStdDev(call[i] ? Option::Call : Option::Put,
                                            K[i], F, price[i], df, 0.0,
                                            Null<Real>(), acc, 100);
      sigma[i] = sd / std::sqrt(T[i]);
    } catch (...) {
      sigma[i] = NAN;
      failures++;
    }
  }
  return failures;
}

// Price and the five Greeks with BlackCalculator; returns a checksum so the
// work is not optimised away.
double ql_greeks(long n, const int *call, const double *K, const double *T,
                 const double *sig, double S, double r) {
  double sum = 0;
  for (long i = 0; i < n; i++) {
    double F = S * std::exp(r * T[i]), df = std::exp(-r * T[i]);
    BlackCalculator bc(call[i] ? Option::Call : Option::Put, K[i], F,
                       sig[i] * std::sqrt(T[i]), df);
    sum += bc.value() + bc.delta(S) + bc.gamma(S) + bc.theta(S, T[i]) +
           bc.vega(T[i]) + bc.rho(T[i]);
  }
  return sum;
}
}
