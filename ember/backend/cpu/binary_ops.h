// Element functors for binary ops. f16/bf16 compute in float; integer
// arithmetic that may overflow goes through the unsigned type (wraps like
// NumPy instead of being UB); division by zero on integers gives 0.
#pragma once

#include "ember/backend/cpu/unary_ops.h"

namespace ember::cpu {

struct AddOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (Bool<T>) {
      return a || b;
    } else if constexpr (Int<T>) {
      using U = std::make_unsigned_t<T>;
      return T(U(a) + U(b));
    } else {
      return T(compute_t<T>(a) + compute_t<T>(b));
    }
  }
};
struct SubtractOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (Bool<T>) {
      return a != b;
    } else if constexpr (Int<T>) {
      using U = std::make_unsigned_t<T>;
      return T(U(a) - U(b));
    } else {
      return T(compute_t<T>(a) - compute_t<T>(b));
    }
  }
};
struct MultiplyOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (Bool<T>) {
      return a && b;
    } else if constexpr (Int<T>) {
      using U = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned,
                                   std::make_unsigned_t<T>>;
      return T(U(a) * U(b));
    } else {
      return T(compute_t<T>(a) * compute_t<T>(b));
    }
  }
};
struct DivideOp {
  template <typename T>
    requires Inexact<T>
  T operator()(T a, T b) const { return T(compute_t<T>(a) / compute_t<T>(b)); }
};

struct FloorDivideOp {
  template <typename T>
    requires(Int<T> || RealFloat<T>)
  T operator()(T a, T b) const {
    if constexpr (Int<T>) {
      // C truncation (MLX); guard the cases that trap on x86.
      if (b == 0) return T(0);
      if constexpr (std::is_signed_v<T>) {
        if (b == T(-1)) return NegativeOp{}(a);
      }
      return T(a / b);
    } else {
      return T(std::floor(compute_t<T>(a) / compute_t<T>(b)));
    }
  }
};

struct RemainderOp {
  template <typename T>
    requires(Real<T>)
  T operator()(T a, T b) const {
    if constexpr (Bool<T>) {
      return false;  // x % true == 0 and x % false == 0 (like x % 0)
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
      using C = compute_t<T>;
      C x = C(a), y = C(b);
      C r = std::fmod(x, y);
      if (r != 0) {
        if ((y < 0) != (r < 0)) r += y;
      } else {
        r = std::copysign(C(0), y);
      }
      return T(r);
    }
  }
};

/// Python divmod: q = floor(a / b), r = a - q * b with the sign of b.
struct DivModOp {
  template <typename T>
    requires(Real<T>)
  void operator()(T a, T b, T& q, T& r) const {
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
      using C = compute_t<T>;
      C x = C(a), y = C(b);
      C m = std::fmod(x, y);
      if (y == 0) {
        q = T(x / y);
        r = T(m);
        return;
      }
      C d = (x - m) / y;
      if (m != 0) {
        if ((y < 0) != (m < 0)) {
          m += y;
          d -= C(1);
        }
      } else {
        m = std::copysign(C(0), y);
      }
      C fd;
      if (d != 0) {
        fd = std::floor(d);
        if (d - fd > C(0.5)) fd += C(1);
      } else {
        fd = std::copysign(C(0), x / y);
      }
      q = T(fd);
      r = T(m);
    }
  }
};

struct PowerOp {
  template <typename T>
  T operator()(T a, T b) const {
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
      return std::pow(a, b);
    } else {
      return T(std::pow(compute_t<T>(a), compute_t<T>(b)));
    }
  }
};

namespace detail {
inline bool lex_less(const complex64_t& a, const complex64_t& b) {
  return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag());
}
}  // namespace detail

struct MaximumOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (Bool<T>) {
      return a || b;
    } else if constexpr (Int<T>) {
      return a > b ? a : b;
    } else if constexpr (Complex<T>) {
      if (std::isnan(a.real()) || std::isnan(a.imag())) return a;
      return detail::lex_less(b, a) ? a : b;
    } else {
      using C = compute_t<T>;
      C x = C(a), y = C(b);
      return (x > y || x != x) ? a : b;  // NaN in either propagates
    }
  }
};
struct MinimumOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (Bool<T>) {
      return a && b;
    } else if constexpr (Int<T>) {
      return a < b ? a : b;
    } else if constexpr (Complex<T>) {
      if (std::isnan(a.real()) || std::isnan(a.imag())) return a;
      return detail::lex_less(a, b) ? a : b;
    } else {
      using C = compute_t<T>;
      C x = C(a), y = C(b);
      return (x < y || x != x) ? a : b;
    }
  }
};

struct LogAddExpOp {
  template <typename T>
    requires RealFloat<T>
  T operator()(T a, T b) const {
    using C = compute_t<T>;
    C x = C(a), y = C(b);
    if (x != x || y != y) return T(std::numeric_limits<C>::quiet_NaN());
    C hi = x > y ? x : y, lo = x > y ? y : x;
    // Also covers inf + inf and -inf + -inf, where hi - lo would be NaN.
    if (lo == -std::numeric_limits<C>::infinity() ||
        hi == std::numeric_limits<C>::infinity()) {
      return T(hi);
    }
    return T(hi + std::log1p(std::exp(lo - hi)));
  }
};
struct ArcTan2Op {
  template <typename T>
    requires RealFloat<T>
  T operator()(T a, T b) const {
    return T(std::atan2(compute_t<T>(a), compute_t<T>(b)));
  }
};

struct EqualOp {
  template <typename T>
  bool operator()(T a, T b) const { return compute_t<T>(a) == compute_t<T>(b); }
};
struct NotEqualOp {
  template <typename T>
  bool operator()(T a, T b) const { return compute_t<T>(a) != compute_t<T>(b); }
};
struct LessOp {
  template <typename T>
  bool operator()(T a, T b) const {
    if constexpr (Complex<T>) {
      return detail::lex_less(a, b);
    } else {
      return compute_t<T>(a) < compute_t<T>(b);
    }
  }
};
struct LessEqualOp {
  template <typename T>
  bool operator()(T a, T b) const {
    if constexpr (Complex<T>) {
      return detail::lex_less(a, b) || a == b;
    } else {
      return compute_t<T>(a) <= compute_t<T>(b);
    }
  }
};
struct GreaterOp {
  template <typename T>
  bool operator()(T a, T b) const { return LessOp{}(b, a); }
};
struct GreaterEqualOp {
  template <typename T>
  bool operator()(T a, T b) const { return LessEqualOp{}(b, a); }
};

struct LogicalAndOp {
  template <typename T>
    requires Bool<T>
  bool operator()(T a, T b) const { return a && b; }
};
struct LogicalOrOp {
  template <typename T>
    requires Bool<T>
  bool operator()(T a, T b) const { return a || b; }
};

struct BitwiseAndOp {
  template <typename T>
    requires(Int<T> || Bool<T>)
  T operator()(T a, T b) const { return T(a & b); }
};
struct BitwiseOrOp {
  template <typename T>
    requires(Int<T> || Bool<T>)
  T operator()(T a, T b) const { return T(a | b); }
};
struct BitwiseXorOp {
  template <typename T>
    requires(Int<T> || Bool<T>)
  T operator()(T a, T b) const { return T(a ^ b); }
};
struct LeftShiftOp {
  template <typename T>
    requires Int<T>
  T operator()(T a, T b) const {
    using U = std::make_unsigned_t<T>;
    // Negative or too-large shift counts give 0 (NumPy), never UB.
    if (U(b) >= sizeof(T) * 8) return T(0);
    using W = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, U>;
    return T(W(U(a)) << U(b));
  }
};
struct RightShiftOp {
  template <typename T>
    requires Int<T>
  T operator()(T a, T b) const {
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

}  // namespace ember::cpu
