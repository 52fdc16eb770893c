// complex64 math for device functors. Inputs are widened to double, the
// function is evaluated with the usual principal branches (C99 / glibc),
// and the result is rounded back to float: the double range holds every
// intermediate of a float input (squares of 3.4e38 included), so the simple
// formulas stay accurate without the rescaling tricks a float version needs.
#pragma once

#include "ember/backend/cuda/device/dtypes.cuh"

namespace ember::cuda::cmath {

struct cd {
  double re, im;
};

__device__ inline cd widen(complex64_d z) { return {double(z.re), double(z.im)}; }
__device__ inline complex64_d narrow(cd z) {
  return complex64_d(float(z.re), float(z.im));
}

__device__ inline cd add(cd a, cd b) { return {a.re + b.re, a.im + b.im}; }
__device__ inline cd sub(cd a, cd b) { return {a.re - b.re, a.im - b.im}; }
__device__ inline cd mul(cd a, cd b) {
  return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
}
__device__ inline cd neg(cd a) { return {-a.re, -a.im}; }
// Smith's algorithm: no overflow in the intermediate |b|^2.
__device__ inline cd div(cd a, cd b) {
  if (fabs(b.re) >= fabs(b.im)) {
    if (b.re == 0 && b.im == 0) {
      return {a.re / b.re, a.im / b.re};  // inf or NaN, as IEEE says
    }
    double r = b.im / b.re, d = b.re + b.im * r;
    return {(a.re + a.im * r) / d, (a.im - a.re * r) / d};
  }
  double r = b.re / b.im, d = b.re * r + b.im;
  return {(a.re * r + a.im) / d, (a.im * r - a.re) / d};
}
// i * z and -i * z.
__device__ inline cd mul_i(cd z) { return {-z.im, z.re}; }
__device__ inline cd mul_neg_i(cd z) { return {z.im, -z.re}; }

__device__ inline cd exp(cd z) {
  double e = ::exp(z.re);
  if (z.im == 0) return {e, z.im};
  double s, c;
  ::sincos(z.im, &s, &c);
  return {e * c, e * s};
}
__device__ inline cd log(cd z) {
  return {::log(::hypot(z.re, z.im)), ::atan2(z.im, z.re)};
}
// log(1 + u), accurate for small u.
__device__ inline cd log1p(cd u) {
  double t = 2 * u.re + u.re * u.re + u.im * u.im;
  return {0.5 * ::log1p(t), ::atan2(u.im, 1.0 + u.re)};
}
__device__ inline cd sqrt(cd z) {
  double x = z.re, y = z.im;
  if (x == 0 && y == 0) return {0.0, y};
  if (isinf(y)) return {fabs(y), y};
  double r = ::hypot(x, y);
  if (x >= 0) {
    double t = ::sqrt(0.5 * (r + x));
    return {t, y / (2 * t)};
  }
  double t = ::sqrt(0.5 * (r - x));
  return {fabs(y) / (2 * t), copysign(t, y)};
}
__device__ inline cd sin(cd z) {
  double s, c;
  ::sincos(z.re, &s, &c);
  return {s * ::cosh(z.im), c * ::sinh(z.im)};
}
__device__ inline cd cos(cd z) {
  double s, c;
  ::sincos(z.re, &s, &c);
  return {c * ::cosh(z.im), -s * ::sinh(z.im)};
}
__device__ inline cd sinh(cd z) {
  double s, c;
  ::sincos(z.im, &s, &c);
  return {::sinh(z.re) * c, ::cosh(z.re) * s};
}
__device__ inline cd cosh(cd z) {
  double s, c;
  ::sincos(z.im, &s, &c);
  return {::cosh(z.re) * c, ::sinh(z.re) * s};
}
// tanh(z) = (sinh 2x + i sin 2y) / (cosh 2x + cos 2y); for large |x| the
// real part is +-1 and the imaginary part decays like 4 sin y cos y e^-2|x|.
__device__ inline cd tanh(cd z) {
  double x = z.re, y = z.im;
  if (fabs(x) > 20) {
    double s, c;
    ::sincos(y, &s, &c);
    return {copysign(1.0, x), 4 * s * c * ::exp(-2 * fabs(x))};
  }
  double s2, c2;
  ::sincos(2 * y, &s2, &c2);
  double d = ::cosh(2 * x) + c2;
  return {::sinh(2 * x) / d, s2 / d};
}
__device__ inline cd tan(cd z) {
  // tan z = -i tanh(i z)
  return mul_neg_i(tanh(mul_i(z)));
}
// asinh z = log(z + sqrt(z^2 + 1)) written as log1p(z + z^2 / (1 +
// sqrt(z^2 + 1))) on the half plane Re z >= 0 (odd symmetry for the rest).
__device__ inline cd asinh(cd z) {
  bool flip = signbit(z.re);
  if (flip) z = neg(z);
  cd z2 = mul(z, z);
  cd s = sqrt(cd{z2.re + 1, z2.im});
  cd w = add(z, div(z2, cd{s.re + 1, s.im}));
  cd r = log1p(w);
  return flip ? neg(r) : r;
}
__device__ inline cd asin(cd z) { return mul_neg_i(asinh(mul_i(z))); }
__device__ inline cd acos(cd z) {
  cd a = asin(z);
  return {1.5707963267948966 - a.re, -a.im};
}
// acosh z = log(z + sqrt(z + 1) sqrt(z - 1)) = log1p((z - 1) + sqrt(z + 1)
// sqrt(z - 1)).
__device__ inline cd acosh(cd z) {
  cd p = sqrt(cd{z.re + 1, z.im});
  cd m = sqrt(cd{z.re - 1, z.im});
  return log1p(add(cd{z.re - 1, z.im}, mul(p, m)));
}
__device__ inline cd atanh(cd z) {
  cd a = log1p(z), b = log1p(neg(z));
  return {0.5 * (a.re - b.re), 0.5 * (a.im - b.im)};
}
__device__ inline cd atan(cd z) { return mul_neg_i(atanh(mul_i(z))); }
// a^b = exp(b log a); 0^b is 1 for b == 0 and 0 for Re b > 0.
__device__ inline cd pow(cd a, cd b) {
  if (a.re == 0 && a.im == 0) {
    if (b.re == 0 && b.im == 0) return {1.0, 0.0};
    if (b.re > 0) return {0.0, 0.0};
    double nan = __longlong_as_double(0x7ff8000000000000LL);
    return {nan, nan};
  }
  return exp(mul(b, log(a)));
}

}  // namespace ember::cuda::cmath
