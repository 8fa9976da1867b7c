/* g6 — shortest round-trip decimal digits of a double (Python repr's
 * digits), for g6_repr_double. */
#ifndef G6_DTOA_H
#define G6_DTOA_H

#ifdef __cplusplus
extern "C" {
#endif

/* Writes the shortest digit string that reads back as |v| (NUL-terminated,
 * no sign, no leading or trailing zeros) and sets *decpt so that |v| =
 * 0.DIGITS x 10^decpt. v must be finite and non-zero. Returns the number of
 * digits (1..17). Can't fail. */
int g6_dtoa_shortest(double v, char digits[18], int *decpt);

#ifdef __cplusplus
}
#endif

#endif
