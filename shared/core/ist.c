#include "core/ist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t g6_days_from_civil(int y, int m, int d) {
  int64_t yy = (int64_t)y - (m <= 2);
  int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  int64_t yoe = yy - era * 400;
  int64_t mp = (m + 9) % 12;
  int64_t doy = (153 * mp + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

g6_date g6_civil_from_days(int64_t z) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  g6_date out = {(int)(y + (m <= 2)), (int)m, (int)d};
  return out;
}

int g6_weekday(int64_t days) {
  /* 1970-01-01 was a Thursday (3 when Monday is 0). */
  int64_t w = (days + 3) % 7;
  return (int)(w < 0 ? w + 7 : w);
}

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

void g6_ist_breakdown(int64_t epoch, g6_ist_tm *out) {
  int64_t local = epoch + G6_IST_OFFSET_S;
  int64_t days = floor_div(local, 86400);
  int sod = (int)(local - days * 86400);
  out->days = days;
  out->sod = sod;
  out->date = g6_civil_from_days(days);
  out->hour = sod / 3600;
  out->min = (sod / 60) % 60;
  out->sec = sod % 60;
  out->wday = g6_weekday(days);
}

int64_t g6_ist_epoch(g6_date d, int hour, int min, int sec) {
  return g6_days_from_civil(d.year, d.month, d.day) * 86400 + hour * 3600 +
         min * 60 + sec - G6_IST_OFFSET_S;
}

int64_t g6_expiry_epoch(g6_date d) { return g6_ist_epoch(d, 15, 30, 0); }

static int days_in_month(int y, int m) {
  static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    return 29;
  return dim[m - 1];
}

bool g6_digit_shape(const char *s, size_t n, const char *shape) {
  if (s == NULL || n != strlen(shape))
    return false;
  for (size_t i = 0; i < n; i++)
    if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
      return false;
  return true;
}

g6_status g6_date_parse(const char *s, g6_date *out) {
  if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
    return G6_EPARSE;
  for (int i = 0; i < 10; i++) {
    if (i == 4 || i == 7)
      continue;
    if (s[i] < '0' || s[i] > '9')
      return G6_EPARSE;
  }
  int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
          (s[3] - '0');
  int m = (s[5] - '0') * 10 + (s[6] - '0');
  int d = (s[8] - '0') * 10 + (s[9] - '0');
  if (y < 1970 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
    return G6_EPARSE;
  out->year = y;
  out->month = m;
  out->day = d;
  return G6_OK;
}

/* Writes n decimal digits of v (zero-padded, most significant first). */
static void put_digits(char *out, unsigned v, int n) {
  for (int i = n - 1; i >= 0; i--) {
    out[i] = (char)('0' + v % 10);
    v /= 10;
  }
}

void g6_date_format(g6_date d, char out[11]) {
  put_digits(out, (unsigned)d.year, 4);
  out[4] = '-';
  put_digits(out + 5, (unsigned)d.month, 2);
  out[7] = '-';
  put_digits(out + 8, (unsigned)d.day, 2);
  out[10] = '\0';
}

int64_t g6_round30(double epoch, g6_round_mode mode) {
  int64_t t = (int64_t)floor(epoch);
  int64_t base = floor_div(t, 30) * 30;
  int64_t rem = t - base;
  switch (mode) {
  case G6_ROUND_FLOOR:
    return base;
  case G6_ROUND_CEIL:
    return rem == 0 ? base : base + 30;
  case G6_ROUND_NEAREST:
  default:
    return rem < 15 ? base : base + 30;
  }
}

void g6_ist_format_ts(int64_t epoch, char out[20]) {
  g6_ist_tm tm;
  g6_ist_breakdown(epoch, &tm);
  put_digits(out, (unsigned)tm.date.day, 2);
  out[2] = '-';
  put_digits(out + 3, (unsigned)tm.date.month, 2);
  out[5] = '-';
  put_digits(out + 6, (unsigned)tm.date.year, 4);
  out[10] = ' ';
  put_digits(out + 11, (unsigned)tm.hour, 2);
  out[13] = ':';
  put_digits(out + 14, (unsigned)tm.min, 2);
  out[16] = ':';
  put_digits(out + 17, (unsigned)tm.sec, 2);
  out[19] = '\0';
}

void g6_ist_format_date(int64_t epoch, char out[11]) {
  g6_ist_tm tm;
  g6_ist_breakdown(epoch, &tm);
  g6_date_format(tm.date, out);
}

g6_status g6_ist_parse_ts(const char *s, size_t len, int64_t *out) {
  static const char shape[] = "dd-dd-dddd dd:dd:dd";
  if (s == NULL || len != sizeof(shape) - 1)
    return G6_EPARSE;
  int n[6] = {0}, k = 0;
  for (size_t i = 0; i < len; i++) {
    if (shape[i] == 'd') {
      if (s[i] < '0' || s[i] > '9')
        return G6_EPARSE;
      n[k] = n[k] * 10 + (s[i] - '0');
    } else if (s[i] != shape[i]) {
      return G6_EPARSE;
    } else {
      k++;
    }
  }
  if (n[2] < 1970 || n[1] < 1 || n[1] > 12 || n[0] < 1 ||
      n[0] > days_in_month(n[2], n[1]) || n[3] > 23 || n[4] > 59 || n[5] > 59)
    return G6_EPARSE;
  *out = g6_ist_epoch((g6_date){n[2], n[1], n[0]}, n[3], n[4], n[5]);
  return G6_OK;
}
