// g6 — shortest round-trip digits of a double, through the C++ standard
// library's std::to_chars (libstdc++ implements it with Ulf Adams' Ryu): the
// same digits Python's repr() prints — the shortest string that reads back
// as the same double, the closest one when several have that length
// (tests/integration/json_canonical_python.t compares 40,000 doubles with
// Python byte for byte; 5 M random doubles matched Google's
// double-conversion, which g6 used before, digit for digit). Callers see a C
// function.
#include "core/dtoa.h"

#include <charconv>

extern "C" int g6_dtoa_shortest(double v, char digits[18], int *decpt) {
  // scientific form "d[.ddd]e[+-]XX" carries the shortest digits
  char buf[40];
  auto r = std::to_chars(buf, buf + sizeof(buf), v < 0 ? -v : v,
                         std::chars_format::scientific);
  const char *p = buf;
  int n = 0;
  digits[n++] = *p++;
  if (*p == '.')
    for (p++; *p != 'e' && n < 17; p++)
      digits[n++] = *p;
  while (n > 1 && digits[n - 1] == '0')
    n--;
  digits[n] = '\0';
  int e = 0;
  bool neg = p[1] == '-';
  for (const char *q = p + 2; q < r.ptr; q++)
    e = e * 10 + (*q - '0');
  *decpt = (neg ? -e : e) + 1;
  return n;
}
