// Device element functors of the binary ops, with the semantics of the CPU
// functors in backend/cpu/binary_ops.h: f16/bf16 compute in float; integer
// arithmetic that may overflow wraps through the unsigned type; integer
// division by zero gives 0; floor_divide truncates on integers (MLX) and
// floors on floats; remainder/divmod take the sign of the divisor; maximum
// and minimum propagate NaN; shift counts outside [0, bits) give 0 (or -1
// for a negative value shifted right).
#pragma once

#include "ember/backend/cuda/device/unary_ops.cuh"

namespace ember::cuda {

struct AddOp {
  template <typename T>
  __device__ T operator()(T a, T b) const {
    if constexpr (Bool<T>) {
      return a || b;
    } else if constexpr (Int<T>) {
      using U = std::make_unsigned_t<T>;
      return T(U(a) + U(b));
    } else if constexpr (Complex<T>) {
      return a + b;
    } else {
      return down<T>(up(a) + up(b));
    }
  }
};
struct SubtractOp {
  template <typename T>
  __device__ T operator()(T a, T b) const {
    if constexpr (Bool<T>) {
      return a != b;
    } else if constexpr (Int<T>) {
      using U = std::make_unsigned_t<T>;
      return T(U(a) - U(b));
    } else if constexpr (Complex<T>) {
      return a - b;
    } else {
      return down<T>(up(a) - up(b));
    }
  }
};
struct MultiplyOp {
  template <typename T>
  __device__ T operator()(T a, T b) const {
    if constexpr (Bool<T>) {
      return a && b;
    } else if constexpr (Int<T>) {
      using U = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned,
                                   std::make_unsigned_t<T>>;
      return T(U(a) * U(b));
    } else if constexpr (Complex<T>) {
      return a * b;
    } else {
      return down<T>(up(a) * up(b));
    }
  }
};
struct DivideOp {
  template <typename T, EMBER_ACCEPTS(Inexact<T>)>
  __device__ T operator()(T a, T b) const {
    if constexpr (Complex<T>) {
      return cmath::narrow(cmath::div(cmath::widen(a), cmath::widen(b)));
    } else {
      return down<T>(up(a) / up(b));
    }
  }
};

struct FloorDivideOp {
  template <typename T, EMBER_ACCEPTS((Int<T> || RealFloat<T>))>
  __device__ T operator()(T a, T b) const {
    if constexpr (Int<T>) {
      if (b == 0) return T(0);
      if constexpr (std::is_signed_v<T>) {
        if (b == T(-1)) return NegativeOp{}(a);
      }
      return T(a / b);
    } else {
      return down<T>(dm::floor(up(a) / up(b)));
    }
  }
};

struct RemainderOp {
  template <typename T, EMBER_ACCEPTS((Real<T>))>
  __device__ T operator()(T a, T b) const {
    if constexpr (Bool<T>) {
      return false;
    } else if constexpr (Int<T>) {
      if (b == 0) return T(0);
      if constexpr (std::is_signed_v<T>) {
        if (b == T(-1)) return T(0);
        T r = T(a % b);
        return (r != 0 && ((r < 0) != (b < 0))) ? T(r + b) : r;
      } else {
        return T(a % b);
      }
    } else {
      auto x = up(a), y = up(b);
      using C = decltype(x);
      C r = dm::fmod(x, y);
      if (r != 0) {
        if ((y < 0) != (r < 0)) r += y;
      } else {
        r = dm::copysign(C(0), y);
      }
      return down<T>(r);
    }
  }
};

/// Python divmod: q = floor(a / b), r = a - q * b with the sign of b.
struct DivModOp {
  template <typename T, EMBER_ACCEPTS((Real<T>))>
  __device__ void operator()(T a, T b, T& q, T& r) const {
    if constexpr (Bool<T>) {
      q = a && b;
      r = false;
    } else if constexpr (Int<T>) {
      if (b == 0) {
        q = r = T(0);
        return;
      }
      if constexpr (std::is_signed_v<T>) {
        if (b == T(-1)) {
          q = NegativeOp{}(a);
          r = T(0);
          return;
        }
        T qq = T(a / b), rr = T(a % b);
        if (rr != 0 && ((rr < 0) != (b < 0))) {
          qq -= 1;
          rr += b;
        }
        q = qq;
        r = rr;
      } else {
        q = T(a / b);
        r = T(a % b);
      }
    } else {
      auto x = up(a), y = up(b);
      using C = decltype(x);
      C m = dm::fmod(x, y);
      if (y == 0) {
        q = down<T>(x / y);
        r = down<T>(m);
        return;
      }
      C d = (x - m) / y;
      if (m != 0) {
        if ((y < 0) != (m < 0)) {
          m += y;
          d -= C(1);
        }
      } else {
        m = dm::copysign(C(0), y);
      }
      C fd;
      if (d != 0) {
        fd = dm::floor(d);
        if (d - fd > C(0.5)) fd += C(1);
      } else {
        fd = dm::copysign(C(0), x / y);
      }
      q = down<T>(fd);
      r = down<T>(m);
    }
  }
};

struct PowerOp {
  template <typename T>
  __device__ T operator()(T a, T b) const {
    if constexpr (Bool<T>) {
      return a || !b;
    } else if constexpr (Int<T>) {
      if constexpr (std::is_signed_v<T>) {
        if (b < 0) return T(0);
      }
      using U = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned,
                                   std::make_unsigned_t<T>>;
      U res = 1, base = U(a);
      auto e = std::make_unsigned_t<T>(b);
      while (e) {
        if (e & 1) res *= base;
        base *= base;
        e >>= 1;
      }
      return T(res);
    } else if constexpr (Complex<T>) {
      return cmath::narrow(cmath::pow(cmath::widen(a), cmath::widen(b)));
    } else {
      return down<T>(dm::pow(up(a), up(b)));
    }
  }
};

namespace detail {
__device__ inline bool lex_less(complex64_d a, complex64_d b) {
  return a.re < b.re || (a.re == b.re && a.im < b.im);
}
}  // namespace detail

struct MaximumOp {
  template <typename T>
  __device__ T operator()(T a, T b) const {
    if constexpr (Bool<T>) {
      return a || b;
    } else if constexpr (Int<T>) {
      return a > b ? a : b;
    } else if constexpr (Complex<T>) {
      if (isnan(a.re) || isnan(a.im)) return a;
      return detail::lex_less(b, a) ? a : b;
    } else {
      auto x = up(a), y = up(b);
      return (x > y || x != x) ? a : b;  // NaN in either propagates
    }
  }
};
struct MinimumOp {
  template <typename T>
  __device__ T operator()(T a, T b) const {
    if constexpr (Bool<T>) {
      return a && b;
    } else if constexpr (Int<T>) {
      return a < b ? a : b;
    } else if constexpr (Complex<T>) {
      if (isnan(a.re) || isnan(a.im)) return a;
      return detail::lex_less(a, b) ? a : b;
    } else {
      auto x = up(a), y = up(b);
      return (x < y || x != x) ? a : b;
    }
  }
};

struct LogAddExpOp {
  template <typename T, EMBER_ACCEPTS(RealFloat<T>)>
  __device__ T operator()(T a, T b) const {
    auto x = up(a), y = up(b);
    using C = decltype(x);
    if (x != x || y != y) return down<T>(x + y);  // NaN
    C hi = x > y ? x : y, lo = x > y ? y : x;
    // Also covers inf + inf and -inf + -inf, where hi - lo would be NaN.
    if (isinf(lo) && lo < 0) return down<T>(hi);
    if (isinf(hi) && hi > 0) return down<T>(hi);
    return down<T>(hi + dm::log1p(dm::exp(lo - hi)));
  }
};
struct ArcTan2Op {
  template <typename T, EMBER_ACCEPTS(RealFloat<T>)>
  __device__ T operator()(T a, T b) const {
    return down<T>(dm::atan2(up(a), up(b)));
  }
};

struct EqualOp {
  template <typename T>
  __device__ bool operator()(T a, T b) const {
    if constexpr (Complex<T>) {
      return a == b;
    } else {
      return up(a) == up(b);
    }
  }
};
struct NotEqualOp {
  template <typename T>
  __device__ bool operator()(T a, T b) const {
    if constexpr (Complex<T>) {
      return a != b;
    } else {
      return up(a) != up(b);
    }
  }
};
struct LessOp {
  template <typename T>
  __device__ bool operator()(T a, T b) const {
    if constexpr (Complex<T>) {
      return detail::lex_less(a, b);
    } else {
      return up(a) < up(b);
    }
  }
};
struct LessEqualOp {
  template <typename T>
  __device__ bool operator()(T a, T b) const {
    if constexpr (Complex<T>) {
      return detail::lex_less(a, b) || a == b;
    } else {
      return up(a) <= up(b);
    }
  }
};
struct GreaterOp {
  template <typename T>
  __device__ bool operator()(T a, T b) const {
    return LessOp{}(b, a);
  }
};
struct GreaterEqualOp {
  template <typename T>
  __device__ bool operator()(T a, T b) const {
    return LessEqualOp{}(b, a);
  }
};

struct LogicalAndOp {
  template <typename T, EMBER_ACCEPTS(Bool<T>)>
  __device__ bool operator()(T a, T b) const {
    return a && b;
  }
};
struct LogicalOrOp {
  template <typename T, EMBER_ACCEPTS(Bool<T>)>
  __device__ bool operator()(T a, T b) const {
    return a || b;
  }
};

struct BitwiseAndOp {
  template <typename T, EMBER_ACCEPTS((Int<T> || Bool<T>))>
  __device__ T operator()(T a, T b) const {
    return T(a & b);
  }
};
struct BitwiseOrOp {
  template <typename T, EMBER_ACCEPTS((Int<T> || Bool<T>))>
  __device__ T operator()(T a, T b) const {
    return T(a | b);
  }
};
struct BitwiseXorOp {
  template <typename T, EMBER_ACCEPTS((Int<T> || Bool<T>))>
  __device__ T operator()(T a, T b) const {
    return T(a ^ b);
  }
};
struct LeftShiftOp {
  template <typename T, EMBER_ACCEPTS(Int<T>)>
  __device__ T operator()(T a, T b) const {
    using U = std::make_unsigned_t<T>;
    if (U(b) >= sizeof(T) * 8) return T(0);
    using W = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, U>;
    return T(W(U(a)) << U(b));
  }
};
struct RightShiftOp {
  template <typename T, EMBER_ACCEPTS(Int<T>)>
  __device__ T operator()(T a, T b) const {
    using U = std::make_unsigned_t<T>;
    if (U(b) >= sizeof(T) * 8) {
      if constexpr (std::is_signed_v<T>) {
        return a < 0 ? T(-1) : T(0);
      } else {
        return T(0);
      }
    }
    return T(a >> U(b));
  }
};

}  // namespace ember::cuda
