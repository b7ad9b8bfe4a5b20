/* Numbers as JSON text (docs/wire.md §3.1): integers in decimal, floats as ECMAScript's
 * Number.prototype.toString prints them (shortest digits that round-trip, nearest among those),
 * f32 with the shortest digits that round-trip through f32. Uses only printf("%.*e") (correctly
 * rounded in glibc and every libc we target) and strtod on text without a decimal point, so the
 * locale never matters. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "internal.h"

size_t interop_format_u64(uint64_t v, char *out) {
  char tmp[24];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (size_t i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
  out[n] = '\0';
  return n;
}

size_t interop_format_i64(int64_t v, char *out) {
  if (v >= 0) return interop_format_u64((uint64_t)v, out);
  out[0] = '-';
  return 1 + interop_format_u64(0 - (uint64_t)v, out + 1);
}

/* A decimal M × 10^e10 with k digits in M (no sign). */
typedef struct decimal {
  uint64_t m;
  int e10;
  int k;
} decimal;

static double decimal_value(decimal d) {
  char s[48];
  snprintf(s, sizeof s, "%llue%d", (unsigned long long)d.m, d.e10);
  return strtod(s, NULL);
}

static uint64_t pow10u(int k) {
  uint64_t p = 1;
  while (k-- > 0) p *= 10;
  return p;
}

/* The k-digit decimal nearest to v (v > 0, finite), from printf. */
static decimal nearest(double v, int k) {
  char s[64];
  snprintf(s, sizeof s, "%.*e", k - 1, v);
  decimal d = {0, 0, k};
  const char *p = s;
  for (; *p != 'e' && *p != '\0'; p++)
    if (*p >= '0' && *p <= '9') d.m = d.m * 10 + (uint64_t)(*p - '0');
  int exp10 = *p == 'e' ? atoi(p + 1) : 0;
  d.e10 = exp10 - (k - 1);
  return d;
}

/* The k-digit neighbour of d one unit in the last place up (dir 1) or down (dir -1). */
static decimal neighbour(decimal d, int dir) {
  uint64_t lo = pow10u(d.k - 1), hi = pow10u(d.k);
  if (dir > 0) {
    d.m++;
    if (d.m == hi) d.m = lo, d.e10++;
  } else {
    d.m--;
    if (d.m < lo) d.m = hi - 1, d.e10--;
  }
  return d;
}

/* Whether v lies exactly halfway between two k-digit decimals (its exact expansion, which printf
 * gives in full, has a 5 at digit k + 1 and nothing after). */
static bool is_tie(double v, int k) {
  char s[160];
  snprintf(s, sizeof s, "%.*e", 130, v);
  int seen = 0;
  const char *p = s;
  for (; *p != 'e' && seen < k; p++)
    if (*p >= '0' && *p <= '9') seen++;
  if (*p != '5') return false;
  for (p++; *p != 'e'; p++)
    if (*p != '0') return false;
  return true;
}

typedef bool (*round_trips)(decimal d, double v);

static bool f64_round_trips(decimal d, double v) { return decimal_value(d) == v; }
static bool f32_round_trips(decimal d, double v) { return (float)decimal_value(d) == (float)v; }

/* The shortest decimal that round-trips, nearest to v among those with that many digits. On an
 * exact tie printf picks the even one, as ECMAScript's Number::toString does; `ties_up` picks the
 * larger instead, as toPrecision does (runtime-ts's f32 formatting, which the vectors pin). */
static decimal shortest(double v, int max_digits, round_trips ok, bool ties_up) {
  for (int k = 1; k <= max_digits; k++) {
    decimal a = nearest(v, k);
    if (ok(a, v)) {
      if (ties_up && decimal_value(a) < v && is_tie(v, k)) {
        decimal b = neighbour(a, 1);
        if (ok(b, v)) return b;
      }
      return a;
    }
    /* The other k-digit decimal around v may still round-trip (at a power of two the interval
     * of values that read back as v is lopsided). */
    decimal b = neighbour(a, decimal_value(a) > v ? -1 : 1);
    if (ok(b, v)) return b;
  }
  return nearest(v, max_digits);
}

/* Prints digits and exponent as ECMAScript's Number::toString does (ECMA-262 §6.1.6.1.20). */
static size_t print_ecma(decimal d, bool negative, char *out) {
  while (d.m % 10 == 0 && d.k > 1) d.m /= 10, d.e10++, d.k--;
  char digits[24];
  int k = (int)interop_format_u64(d.m, digits);
  int n = d.e10 + k; /* the decimal point sits after n digits */
  char *o = out;
  if (negative) *o++ = '-';
  if (k <= n && n <= 21) {
    memcpy(o, digits, (size_t)k), o += k;
    for (int i = 0; i < n - k; i++) *o++ = '0';
  } else if (0 < n && n <= 21) {
    memcpy(o, digits, (size_t)n), o += n;
    *o++ = '.';
    memcpy(o, digits + n, (size_t)(k - n)), o += k - n;
  } else if (-6 < n && n <= 0) {
    *o++ = '0', *o++ = '.';
    for (int i = 0; i < -n; i++) *o++ = '0';
    memcpy(o, digits, (size_t)k), o += k;
  } else {
    *o++ = digits[0];
    if (k > 1) {
      *o++ = '.';
      memcpy(o, digits + 1, (size_t)(k - 1)), o += k - 1;
    }
    o += snprintf(o, 8, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
  }
  *o = '\0';
  return (size_t)(o - out);
}

static size_t format_float(double v, int max_digits, round_trips ok, bool ties_up, char *out) {
  if (v == 0) {
    if (signbit(v)) return (size_t)(memcpy(out, "-0", 3), 2);
    return (size_t)(memcpy(out, "0", 2), 1);
  }
  bool negative = v < 0;
  return print_ecma(shortest(fabs(v), max_digits, ok, ties_up), negative, out);
}

size_t interop_format_f64(double v, char *out) {
  /* Fast paths, same output: integers below 2^53 print as integers; a value whose 15 significant
   * digits read back as itself has its shortest digits among them (the 15-digit grid is coarser
   * than the value's rounding interval, so the nearest 15-digit decimal is the shortest one
   * padded with zeros). Everything else takes the general search. */
  if (v == floor(v) && fabs(v) < 9007199254740992.0 && !(v == 0 && signbit(v))) return interop_format_i64((int64_t)v, out);
  if (isfinite(v) && fabs(v) >= DBL_MIN) { /* normal numbers: subnormals have fewer digits of precision */
    decimal d = nearest(fabs(v), 15);
    if (decimal_value(d) == fabs(v)) return print_ecma(d, v < 0, out);
  }
  return format_float(v, 17, f64_round_trips, false, out);
}
size_t interop_format_f32(float v, char *out) { return format_float((double)v, 9, f32_round_trips, true, out); }

double interop_parse_double(const char *s, size_t n) {
  /* Rewrites "-12.5e3" as "-125e2" (no decimal point, so strtod's locale cannot matter). */
  char small[128];
  char *buf = n + 16 <= sizeof small ? small : malloc(n + 16);
  if (buf == NULL) return NAN;
  size_t o = 0, i = 0;
  long long exp = 0;
  if (i < n && s[i] == '-') buf[o++] = s[i++];
  bool any = false;
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
    if (!any && s[i] == '0') continue;
    buf[o++] = s[i], any = true;
  }
  if (i < n && s[i] == '.') {
    for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
      exp--;
      if (!any && s[i] == '0') continue;
      buf[o++] = s[i], any = true;
    }
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    long long e = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
      if (e < 100000000) e = e * 10 + (s[i] - '0');
    exp += neg ? -e : e;
  }
  if (!any) buf[o++] = '0';
  if (exp > 100000000) exp = 100000000;
  if (exp < -100000000) exp = -100000000;
  snprintf(buf + o, 16, "e%lld", exp);
  double v = strtod(buf, NULL);
  if (buf != small) free(buf);
  return v;
}
