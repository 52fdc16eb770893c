// Online log-sum-exp accumulator (running max m, sum s of exp(x - m)) used
// by LogSumExp and the long-row paths of Softmax.
#pragma once

#include <cmath>
#include <limits>

#include "ember/backend/cuda/device/reduce_ops.cuh"

namespace ember::cuda {

template <typename C>
struct LsePair {
  C m, s;
};

template <typename C>
__device__ __forceinline__ C exp_c(C x) {
  if constexpr (std::is_same_v<C, float>) {
    return expf(x);
  } else {
    return ::exp(x);
  }
}

template <typename C>
__device__ __forceinline__ C log_c(C x) {
  if constexpr (std::is_same_v<C, float>) {
    return logf(x);
  } else {
    return ::log(x);
  }
}

/// Merges two accumulators. A NaN max is sticky, a +inf max saturates (the
/// sum is then meaningless), -inf maxima contribute nothing.
template <typename C>
__device__ __forceinline__ LsePair<C> lse_combine(LsePair<C> a, LsePair<C> b) {
  constexpr C inf = std::numeric_limits<C>::infinity();
  if (a.m == -inf) return b;
  if (b.m == -inf) return a;
  if (a.m != a.m) return a;
  if (b.m != b.m) return b;
  if (a.m == inf || b.m == inf) return {inf, C(1)};
  if (a.m >= b.m) return {a.m, a.s + b.s * exp_c(b.m - a.m)};
  return {b.m, b.s + a.s * exp_c(a.m - b.m)};
}

/// Reduction functor producing the (m, s) pair itself.
template <typename T>
struct LseStatOp {
  using C = acc_type_t<T>;
  using acc_t = LsePair<C>;
  using out_t = LsePair<C>;
  __device__ static acc_t init() {
    return {-std::numeric_limits<C>::infinity(), C(0)};
  }
  __device__ acc_t load(T x, int64_t) const { return {cast_to<C>(x), C(1)}; }
  __device__ acc_t operator()(acc_t a, acc_t b) const { return lse_combine(a, b); }
  __device__ out_t finish(acc_t a) const { return a; }
};

/// Reduction functor producing log(sum(exp(x))) as T: NaN gives NaN, a
/// +inf or an all -inf range gives that infinity, empty gives -inf.
template <typename T>
struct LseOp {
  using C = acc_type_t<T>;
  using acc_t = LsePair<C>;
  using out_t = T;
  __device__ static acc_t init() {
    return {-std::numeric_limits<C>::infinity(), C(0)};
  }
  __device__ acc_t load(T x, int64_t) const { return {cast_to<C>(x), C(1)}; }
  __device__ acc_t operator()(acc_t a, acc_t b) const { return lse_combine(a, b); }
  __device__ T finish(acc_t a) const {
    if (isinf(a.m) || isnan(a.m)) return cast_to<T>(a.m);
    return cast_to<T>(a.m + log_c(a.s));
  }
};

}  // namespace ember::cuda
