// Shared pieces of the scaled dot product attention kernels (sdpa.cu):
// launch parameters and the PTX wrappers of the tensor-core kernels
// (cp.async, ldmatrix, mma.sync m16n8k16, packing, ex2).
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "ember/backend/cuda/device/dtypes.cuh"

namespace ember {
namespace {

using cuda::cast_to;

enum MaskMode { kNoMask = 0, kCausal = 1, kArrayMask = 2 };

struct AttnParams {
  const void* q;
  const void* k;
  const void* v;
  void* out;                     // (B, Nq, Tq, Dv), strides o_s* below
  int64_t o_sb, o_sh, o_st;      // output strides (feature stride is 1):
                                 // row-contiguous, or (B, Tq, Nq, Dv) order
  int64_t q_sb, q_sh, q_st;      // element strides (feature stride is 1)
  int64_t k_sb, k_sh, k_st;
  int64_t v_sb, v_sh, v_st;
  int B, Nq, Nkv, Tq, Tk, D, Dv;
  float scale;
  int mask_mode;                 // MaskMode
  bool mask_bool;                // array mask: bool (else additive, out dtype)
  const void* mask;
  int64_t m_sb, m_sh, m_st, m_sk;
  const void* sinks;             // Nq values of the out dtype, or null
  double low;                    // lowest finite value of the out dtype
  // Split keys (flash v2, decode shapes): block z takes keys
  // [z * kv_split, (z + 1) * kv_split) and writes float32 partials for row r
  // = (z * B * Nq + b * Nq + h) * Tq + i: unnormalised O (part_o, D per
  // row) and (running max, sum) (part_ml); 0 / null: no split.
  int kv_split;
  float* part_o;
  float2* part_ml;
};

__device__ __forceinline__ uint32_t smem_addr(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

__device__ __forceinline__ void cp_async16(void* dst, const void* src, bool valid) {
  int n = valid ? 16 : 0;  // 0: zero-fill without reading
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_addr(dst)),
               "l"(src), "r"(n)
               : "memory");
}
__device__ __forceinline__ void cp_async_commit() {
  asm volatile("cp.async.commit_group;\n" ::: "memory");
}
__device__ __forceinline__ void cp_async_wait_all() {
  asm volatile("cp.async.wait_group 0;\n" ::: "memory");
}
// Waits until at most N of this thread's committed groups are pending.
template <int N>
__device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}

// ldmatrix x4 from a shared-memory address (lanes 8i..8i+7 give the rows of
// matrix i; register i of every lane holds its part of matrix i).
__device__ __forceinline__ void ldsm_x4(uint32_t (&r)[4], uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr)
               : "memory");
}
__device__ __forceinline__ void ldsm_x4_trans(uint32_t (&r)[4], uint32_t addr) {
  asm volatile(
      "ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
      : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
      : "r"(addr)
      : "memory");
}
__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const void* p) {
  ldsm_x4(r, smem_addr(p));
}
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], const void* p) {
  ldsm_x4_trans(r, smem_addr(p));
}

// c += a (16x16, row) * b (16x8, col), float32 accumulators.
template <typename T>
__device__ __forceinline__ void mma16816(float (&c)[4], const uint32_t (&a)[4],
                                         uint32_t b0, uint32_t b1) {
  if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
        "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  } else {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
        "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }
}

// Two floats -> a register of two 16-bit values (lo = first).
template <typename T>
__device__ __forceinline__ uint32_t pack2(float lo, float hi) {
  uint32_t r;
  if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    memcpy(&r, &v, 4);
  } else {
    __half2 v = __floats2half2_rn(lo, hi);
    memcpy(&r, &v, 4);
  }
  return r;
}
template <typename T>
__device__ __forceinline__ float2 unpack2(uint32_t r) {
  if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    __nv_bfloat162 v;
    memcpy(&v, &r, 4);
    return __bfloat1622float2(v);
  } else {
    __half2 v;
    memcpy(&v, &r, 4);
    return __half22float2(v);
  }
}

// 2^x on the special-function unit (one MUFU.EX2; denormal results flush to
// 0, ex2(-inf) = 0, ex2(+inf) = inf, NaN stays NaN).
__device__ __forceinline__ float ex2_approx(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
}

template <int D>
__device__ __forceinline__ int swz(int row, int chunk) {
  // Element offset of 16-byte chunk `chunk` of `row` in a (rows x D) tile.
  return row * D + ((chunk ^ (row & 7)) << 3);
}

}  // namespace
}  // namespace ember
