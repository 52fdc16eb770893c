// Device-side element types and dtype dispatch for CUDA kernels.
// float16 -> __half, bfloat16 -> __nv_bfloat16, complex64 -> complex64_d
// (same layouts as the host types); arithmetic on f16/bf16 is done in float
// (`acc_type_t`).
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "ember/core/dtype.h"

namespace ember::cuda {

struct complex64_d {
  float re, im;
  __host__ __device__ complex64_d() : re(0), im(0) {}
  __host__ __device__ complex64_d(float r, float i = 0) : re(r), im(i) {}
};
__host__ __device__ inline complex64_d operator+(complex64_d a, complex64_d b) {
  return {a.re + b.re, a.im + b.im};
}
__host__ __device__ inline complex64_d operator-(complex64_d a, complex64_d b) {
  return {a.re - b.re, a.im - b.im};
}
__host__ __device__ inline complex64_d operator*(complex64_d a, complex64_d b) {
  return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
}
__host__ __device__ inline complex64_d operator/(complex64_d a, complex64_d b) {
  float d = b.re * b.re + b.im * b.im;
  return {(a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d};
}
__host__ __device__ inline bool operator==(complex64_d a, complex64_d b) {
  return a.re == b.re && a.im == b.im;
}
__host__ __device__ inline bool operator!=(complex64_d a, complex64_d b) {
  return !(a == b);
}

/// Type used for arithmetic on elements of T (float for f16/bf16).
template <typename T>
struct acc_type {
  using type = T;
};
template <>
struct acc_type<__half> {
  using type = float;
};
template <>
struct acc_type<__nv_bfloat16> {
  using type = float;
};
template <typename T>
using acc_type_t = typename acc_type<T>::type;

/// Conversion between any two device element types (through float for the
/// half types, real part for complex -> real).
template <typename To, typename From>
__host__ __device__ inline To cast_to(From x) {
  if constexpr (std::is_same_v<To, From>) {
    return x;
  } else if constexpr (std::is_same_v<From, complex64_d>) {
    if constexpr (std::is_same_v<To, bool>) {
      return x.re != 0 || x.im != 0;
    } else {
      return cast_to<To>(x.re);
    }
  } else if constexpr (std::is_same_v<To, complex64_d>) {
    return complex64_d(cast_to<float>(x), 0.f);
  } else if constexpr (std::is_same_v<From, __half> ||
                       std::is_same_v<From, __nv_bfloat16>) {
    return cast_to<To>(static_cast<float>(x));
  } else if constexpr (std::is_same_v<To, __half>) {
    return __float2half(static_cast<float>(x));
  } else if constexpr (std::is_same_v<To, __nv_bfloat16>) {
    return __float2bfloat16(static_cast<float>(x));
  } else if constexpr (std::is_same_v<To, bool>) {
    return x != From(0);
  } else {
    return static_cast<To>(x);
  }
}

/// Calls f(T{}) with the device element type of `t`.
template <typename F>
void dispatch_device(Dtype t, F&& f) {
  switch (t) {
    case Dtype::bool_: f(bool{}); break;
    case Dtype::uint8: f(uint8_t{}); break;
    case Dtype::uint16: f(uint16_t{}); break;
    case Dtype::uint32: f(uint32_t{}); break;
    case Dtype::uint64: f(uint64_t{}); break;
    case Dtype::int8: f(int8_t{}); break;
    case Dtype::int16: f(int16_t{}); break;
    case Dtype::int32: f(int32_t{}); break;
    case Dtype::int64: f(int64_t{}); break;
    case Dtype::float16: f(__half{}); break;
    case Dtype::float32: f(float{}); break;
    case Dtype::float64: f(double{}); break;
    case Dtype::bfloat16: f(__nv_bfloat16{}); break;
    case Dtype::complex64: f(complex64_d{}); break;
  }
}

/// Like dispatch_device for real floating types; throws for others.
template <typename F>
void dispatch_device_float(Dtype t, const char* op, F&& f) {
  switch (t) {
    case Dtype::float16: f(__half{}); break;
    case Dtype::float32: f(float{}); break;
    case Dtype::float64: f(double{}); break;
    case Dtype::bfloat16: f(__nv_bfloat16{}); break;
    default:
      throw std::invalid_argument(std::string("[") + op +
                                  "] Expected a floating point dtype; got " +
                                  dtype_name(t) + ".");
  }
}

}  // namespace ember::cuda
