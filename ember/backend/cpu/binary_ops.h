// Element functors for binary ops. f16/bf16 go through float.
#pragma once

#include "ember/backend/cpu/unary_ops.h"

namespace ember::cpu {

struct AddOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) {
      return a || b;
    } else {
      return T(compute_t<T>(a) + compute_t<T>(b));
    }
  }
};
struct SubtractOp {
  template <typename T>
  T operator()(T a, T b) const { return T(compute_t<T>(a) - compute_t<T>(b)); }
};
struct MultiplyOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) {
      return a && b;
    } else {
      return T(compute_t<T>(a) * compute_t<T>(b));
    }
  }
};
struct DivideOp {
  template <typename T>
  T operator()(T a, T b) const { return T(compute_t<T>(a) / compute_t<T>(b)); }
};

}  // namespace ember::cpu
