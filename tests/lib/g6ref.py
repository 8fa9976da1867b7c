"""Independent reference computations for tests (Python standard library).

Textbook Black-Scholes-Merton with continuous dividend yield, the g6 Greek
units (theta per calendar day, vega and rho per 1 %), implied volatility by
bisection, and the collector's other decisions (ATM rounding half to even,
PCR, masks). Deliberately simple and slow: it shares no code with libg6.
"""

import math

YEAR = 365.0 * 86400.0


def ncdf(x):
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def npdf(x):
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def bsm(put, S, K, T, r, q, sigma):
    """Price and Greeks (price, delta, gamma, theta/day, vega/1%, rho/1%)."""
    sq = math.sqrt(T)
    d1 = (math.log(S / K) + (r - q + 0.5 * sigma * sigma) * T) / (sigma * sq)
    d2 = d1 - sigma * sq
    dq, dr = math.exp(-q * T), math.exp(-r * T)
    gamma = dq * npdf(d1) / (S * sigma * sq)
    vega = S * dq * npdf(d1) * sq / 100.0
    a = -S * sigma * dq * npdf(d1) / (2.0 * sq)
    if not put:
        price = S * dq * ncdf(d1) - K * dr * ncdf(d2)
        delta = dq * ncdf(d1)
        theta = (a - r * K * dr * ncdf(d2) + q * S * dq * ncdf(d1)) / 365.0
        rho = K * T * dr * ncdf(d2) / 100.0
    else:
        price = K * dr * ncdf(-d2) - S * dq * ncdf(-d1)
        delta = dq * (ncdf(d1) - 1.0)
        theta = (a + r * K * dr * ncdf(-d2) - q * S * dq * ncdf(-d1)) / 365.0
        rho = -K * T * dr * ncdf(-d2) / 100.0
    return price, delta, gamma, theta, vega, rho


def implied_vol(put, S, K, T, r, q, price, lo=1e-6, hi=10.0):
    """Volatility whose BSM price equals `price`, by bisection (monotone in
    sigma); None when the price is outside the range the bracket spans."""
    flo = bsm(put, S, K, T, r, q, lo)[0] - price
    fhi = bsm(put, S, K, T, r, q, hi)[0] - price
    if flo > 0 or fhi < 0:
        return None
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if bsm(put, S, K, T, r, q, mid)[0] < price:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-15:
            break
    return 0.5 * (lo + hi)


def atm(spot, step):
    """Spot rounded to the strike step, ties to even (Python's round())."""
    return round(spot / step) * step


def close(a, b, rel, abs_=0.0):
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_)
