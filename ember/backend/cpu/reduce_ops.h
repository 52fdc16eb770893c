// Reduction functors (identity + combine) and the vectorisable contiguous
// row reduction shared by the reduce, softmax and scan kernels.
#pragma once

#include <cmath>
#include <complex>
#include <limits>
#include <type_traits>

#include "ember/backend/cpu/copy.h"

namespace ember::cpu {

template <typename T>
inline constexpr bool is_complex_v = std::is_same_v<T, complex64_t>;

template <typename T>
inline bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return v != v;
  } else {
    return false;
  }
}

// Lexicographic order for complex values (NumPy), plain < otherwise.
template <typename T>
inline bool less_than(T a, T b) {
  if constexpr (is_complex_v<T>) {
    return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag());
  } else {
    return a < b;
  }
}

template <typename Acc>
struct SumReduce {
  static Acc init() { return Acc(0); }
  Acc operator()(Acc a, Acc b) const { return a + b; }
};

template <typename Acc>
struct ProdReduce {
  static Acc init() { return Acc(1); }
  Acc operator()(Acc a, Acc b) const { return a * b; }
};

// NaN propagates: once the accumulator is NaN it stays NaN.
template <typename Acc>
struct MaxReduce {
  static Acc init() {
    if constexpr (is_complex_v<Acc>) {
      float inf = std::numeric_limits<float>::infinity();
      return Acc(-inf, -inf);
    } else if constexpr (std::is_floating_point_v<Acc>) {
      return -std::numeric_limits<Acc>::infinity();
    } else {
      return std::numeric_limits<Acc>::lowest();
    }
  }
  Acc operator()(Acc a, Acc b) const {
    if constexpr (std::is_floating_point_v<Acc>) {
      return (a > b || a != a) ? a : b;
    } else {
      return less_than(a, b) ? b : a;
    }
  }
};

template <typename Acc>
struct MinReduce {
  static Acc init() {
    if constexpr (is_complex_v<Acc>) {
      float inf = std::numeric_limits<float>::infinity();
      return Acc(inf, inf);
    } else if constexpr (std::is_floating_point_v<Acc>) {
      return std::numeric_limits<Acc>::infinity();
    } else {
      return std::numeric_limits<Acc>::max();
    }
  }
  Acc operator()(Acc a, Acc b) const {
    if constexpr (std::is_floating_point_v<Acc>) {
      return (a < b || a != a) ? a : b;
    } else {
      return less_than(b, a) ? b : a;
    }
  }
};

struct AndReduce {
  static bool init() { return true; }
  bool operator()(bool a, bool b) const { return a & b; }
};

struct OrReduce {
  static bool init() { return false; }
  bool operator()(bool a, bool b) const { return a | b; }
};

/// Reduces n contiguous values into `acc`. Independent lanes (128 bytes of
/// accumulators) let the compiler vectorise and hide add latency.
template <typename T, typename Acc, typename Op>
inline Acc reduce_contiguous(const T* x, int64_t n, Acc acc, Op op) {
  constexpr int W = sizeof(Acc) >= 8 ? 16 : 128 / int(sizeof(Acc));
  if (n >= 2 * W) {
    Acc lanes[W];
    for (int j = 0; j < W; ++j) lanes[j] = Op::init();
    int64_t i = 0;
    for (; i + W <= n; i += W) {
      for (int j = 0; j < W; ++j) lanes[j] = op(lanes[j], convert<Acc>(x[i + j]));
    }
    for (int j = 0; j < W; ++j) acc = op(acc, lanes[j]);
    x += i;
    n -= i;
  }
  for (int64_t i = 0; i < n; ++i) acc = op(acc, convert<Acc>(x[i]));
  return acc;
}

}  // namespace ember::cpu
