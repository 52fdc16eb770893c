// Element functors for unary ops. f16/bf16 go through float.
#pragma once

#include <cmath>
#include <complex>

#include "ember/core/dtype.h"

namespace ember::cpu {

template <typename T>
using compute_t = std::conditional_t<std::is_same_v<T, float16_t> ||
                                         std::is_same_v<T, bfloat16_t>,
                                     float, T>;

struct NegativeOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_unsigned_v<T>) {
      return T(-x);  // wraps like NumPy
    } else {
      return T(-compute_t<T>(x));
    }
  }
};
struct ExpOp {
  template <typename T>
  T operator()(T x) const { return T(std::exp(compute_t<T>(x))); }
};
struct LogOp {
  template <typename T>
  T operator()(T x) const { return T(std::log(compute_t<T>(x))); }
};
struct SinOp {
  template <typename T>
  T operator()(T x) const { return T(std::sin(compute_t<T>(x))); }
};
struct CosOp {
  template <typename T>
  T operator()(T x) const { return T(std::cos(compute_t<T>(x))); }
};

}  // namespace ember::cpu
