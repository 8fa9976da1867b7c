#include "market/kite_stats.h"

const double g6_kite_latency_bounds[G6_KITE_LATENCY_NB] = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16};
const double g6_kite_wait_bounds[G6_KITE_WAIT_NB] = {
    0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30};

const char *g6_kite_endpoint_name(g6_kite_endpoint ep) {
  static const char *const names[G6_KITE_EP_COUNT] = {"instruments", "quote",
                                                      "ltp", "session"};
  return (unsigned)ep < G6_KITE_EP_COUNT ? names[ep] : "unknown";
}

const char *g6_kite_limiter_name(g6_kite_limiter l) {
  return l == G6_KITE_LIMITER_QUOTE   ? "quote"
         : l == G6_KITE_LIMITER_OTHER ? "other"
                                      : "unknown";
}

static const g6_status result_status[G6_KITE_R_COUNT] = {
    G6_OK,     G6_ETIMEOUT, G6_ECONN,      G6_EHTTP,
    G6_EAUTH,  G6_ERATELIMIT, G6_ECIRCUIT, G6_EPROTO,
    G6_ETRUNCATED, G6_EPARSE, G6_ETOOBIG,  G6_EINTERNAL,
    G6_EFORBIDDEN, G6_EBADREQUEST, G6_EUPSTREAM, G6_EUPSTREAM_DATA,
    G6_EPROVIDER,  G6_EFOREIGN};

const char *g6_kite_result_name(g6_kite_result r) {
  return (unsigned)r < G6_KITE_R_COUNT ? g6_status_name(result_status[r])
                                       : "unknown";
}

g6_kite_result g6_kite_result_of(g6_status s) {
  for (int i = 0; i < G6_KITE_R_COUNT; i++)
    if (result_status[i] == s)
      return (g6_kite_result)i;
  if (s == G6_EINVAL)
    return G6_KITE_R_HTTP; /* a request the provider refused as invalid */
  return G6_KITE_R_INTERNAL;
}

void g6_kite_hist_observe(g6_kite_hist *h, const double *bounds, size_t nb,
                          double seconds) {
  size_t i = 0;
  while (i < nb && !(seconds <= bounds[i]))
    i++;
  h->bucket[i]++;
  h->count++;
  if (seconds > 0)
    h->sum_us += (uint64_t)(seconds * 1e6 + 0.5);
}

void g6_kite_hist_cumulate(g6_kite_hist *h, size_t nb) {
  for (size_t i = 1; i <= nb; i++)
    h->bucket[i] += h->bucket[i - 1];
}
