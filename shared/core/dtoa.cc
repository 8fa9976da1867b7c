// g6 — shortest round-trip digits of a double, through Google's
// double-conversion library (Debian libdouble-conversion): Grisu3 with a
// bignum fallback, the same digits Python's repr() prints (the shortest
// string that reads back as the same double, the closest one when several
// have that length). The only C++ in libg6; callers see a C function.
#include "core/dtoa.h"

#include <double-conversion/double-to-string.h>

extern "C" int g6_dtoa_shortest(double v, char digits[18], int *decpt) {
  bool sign = false;
  int length = 0, point = 0;
  double_conversion::DoubleToStringConverter::DoubleToAscii(
      v < 0 ? -v : v,
      double_conversion::DoubleToStringConverter::SHORTEST, 0, digits, 18,
      &sign, &length, &point);
  *decpt = point;
  return length;
}
