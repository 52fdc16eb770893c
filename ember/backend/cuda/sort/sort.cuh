// Sort keys: every element type maps to an unsigned integer whose order is
// the CPU's sort order (NaN-last, -0 == +0, complex lexicographic), so that
// radix / bitonic sorts of (key, index) pairs reproduce the CPU's stable
// sort exactly.
#pragma once

#include <cstdint>
#include <cstring>

#include "ember/backend/cuda/cuda.h"
#include "ember/backend/cuda/device/reduce_ops.cuh"

namespace ember::cuda {

/// Key type: 16 bits for 1- and 2-byte elements, else the element width.
template <typename T>
using sort_key_t =
    std::conditional_t<sizeof(T) <= 2, uint16_t,
                       std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>;

/// Significant key bits of T (radix passes to run).
template <typename T>
constexpr int sort_key_bits() {
  return std::is_same_v<T, bool> ? 1 : int(sizeof(T)) * 8;
}

namespace sort_detail {
template <typename U, typename T>
__host__ __device__ __forceinline__ U bits_of(T x) {
  static_assert(sizeof(U) == sizeof(T));
  U u;
  memcpy(&u, &x, sizeof(U));
  return u;
}

// IEEE bits -> order-preserving unsigned key; NaN -> all ones, -0 -> +0.
template <typename U>
__host__ __device__ __forceinline__ U float_key(U u, U inf_bits) {
  constexpr U sign = U(1) << (sizeof(U) * 8 - 1);
  if (U(u & ~sign) > inf_bits) return U(~U(0));
  if (u == sign) u = 0;
  return (u & sign) ? U(~u) : U(u | sign);
}
}  // namespace sort_detail

template <typename T>
__host__ __device__ __forceinline__ sort_key_t<T> sort_key(T x) {
  using namespace sort_detail;
  if constexpr (std::is_same_v<T, bool>) {
    return x ? 1 : 0;
  } else if constexpr (std::is_same_v<T, uint8_t> || std::is_same_v<T, uint16_t> ||
                       std::is_same_v<T, uint32_t> || std::is_same_v<T, uint64_t>) {
    return x;
  } else if constexpr (std::is_same_v<T, int8_t>) {
    return uint16_t(uint8_t(x) ^ 0x80u);
  } else if constexpr (std::is_same_v<T, int16_t>) {
    return uint16_t(uint16_t(x) ^ 0x8000u);
  } else if constexpr (std::is_same_v<T, int32_t>) {
    return uint32_t(x) ^ 0x80000000u;
  } else if constexpr (std::is_same_v<T, int64_t>) {
    return uint64_t(x) ^ (uint64_t(1) << 63);
  } else if constexpr (std::is_same_v<T, __half>) {
    return float_key<uint16_t>(bits_of<uint16_t>(x), 0x7c00u);
  } else if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    return float_key<uint16_t>(bits_of<uint16_t>(x), 0x7f80u);
  } else if constexpr (std::is_same_v<T, float>) {
    return float_key<uint32_t>(bits_of<uint32_t>(x), 0x7f800000u);
  } else if constexpr (std::is_same_v<T, double>) {
    return float_key<uint64_t>(bits_of<uint64_t>(x), uint64_t(0x7ff0000000000000ull));
  } else {
    static_assert(std::is_same_v<T, complex64_d>);
    uint64_t re = float_key<uint32_t>(bits_of<uint32_t>(x.re), 0x7f800000u);
    uint64_t im = float_key<uint32_t>(bits_of<uint32_t>(x.im), 0x7f800000u);
    return (re << 32) | im;
  }
}

/// Stable sort of `lines` rows of n (key, index) pairs each by key
/// (CUB radix sorts; rows batched so that each call has < 2^31 items).
/// Results in keys_out / vals_out; only the low `bits` key bits are used.
template <typename K>
void radix_sort_lines(const K* keys_in, K* keys_out, const uint32_t* vals_in,
                      uint32_t* vals_out, int64_t lines, int64_t n, int bits,
                      const Stream& s);

}  // namespace ember::cuda
