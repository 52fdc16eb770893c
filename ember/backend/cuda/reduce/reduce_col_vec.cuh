// Column reductions at copy bandwidth: (R, M) row-contiguous inputs summed
// over the rows (bias gradients: sums of (B * T, C) cotangents), and
// (K, R, M) inputs summed over a middle axis, each of the K (any kept dims
// other than the columns) an independent (R, M) problem.
//
// Eligible plans (see try_reduce_col_vec): a column plan with unit column
// stride, at most one (merged) reduced dim, and the reduced and other kept
// dims' strides multiples of 16 bytes. Then every row of every problem has
// the same alignment, so the columns split into 16-byte groups of
// N = 16 / sizeof(T) elements counted from the 16-byte boundary at or before
// column 0 (`shift` elements before it): group g covers columns
// [g N - shift, g N - shift + N). Each thread owns one group and reads it
// with one 16-byte load per row (the partial groups at either end, if any,
// load their in-range columns one by one), accumulating N values in Acc
// (float for f16/bf16).
//
// Blocks are 256 threads = TXg groups x TY row lanes of one problem (TXg = 8
// when there are 32 rows or more: a warp reads whole 128-byte lines of 4
// rows; up to 256 for fewer rows; fewer for rows narrower than 8 groups).
// Rows are split into S contiguous chunks so that at most one full wave of
// blocks is in flight (rounded down: one wave and a few blocks more ran a
// (4, 65536, 256) float32 sum over axis 1 at 2716 GB/s, 24 splits in one
// wave at 3603; H200). Each block combines its row lanes through shared
// memory in a fixed order and writes Acc partials (S > 1) that a second
// kernel combines per column in a fixed order, or the results (S == 1). No
// atomics: the result depends only on the shape, the alignment and the
// device's SM count.
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>

#include "ember/backend/cuda/reduce/reduce.cuh"

namespace ember::cuda {

namespace col_vec_detail {

constexpr int kThreads = 256;
constexpr int kFinTX = 32;  // columns per finalize block
constexpr int kFinTY = kThreads / kFinTX;

template <typename T, typename Op>
__global__ void __launch_bounds__(kThreads)
    col_vec_partial(const T* __restrict__ in, typename Op::out_t* __restrict__ out,
                    typename Op::acc_t* __restrict__ part, Dims kept, int S, int64_t R,
                    int64_t rs, int64_t M, int shift, int TXg, int64_t ntiles,
                    int64_t rps, Op op) {
  using Acc = typename Op::acc_t;
  constexpr int N = 16 / int(sizeof(T));
  __shared__ SmemArray<Acc, kThreads * N> smem;
  Acc* sm = smem.get();
  const int TY = kThreads / TXg;
  const int tx = threadIdx.x % TXg, ty = threadIdx.x / TXg;
  const int64_t tile = int64_t(blockIdx.x) % ntiles;
  const int64_t rest = int64_t(blockIdx.x) / ntiles;
  const int64_t split = rest % S, k = rest / S;
  int64_t kin = 0, kout = 0;
  if (kept.n) kept.locate(k, kin, kout);
  in += kin;
  const int64_t c0 = (tile * TXg + tx) * N - shift;  // first column of the group
  const int64_t r_beg = split * rps;
  const int64_t r_end = r_beg + rps < R ? r_beg + rps : R;
  Acc acc[N];
#pragma unroll
  for (int j = 0; j < N; ++j) acc[j] = Op::init();
  if (c0 < M) {
    if (c0 >= 0 && c0 + N <= M) {
      // Full group: 16-byte aligned (in + c0 is, and rs * sizeof(T) % 16 == 0).
      const T* p = in + c0;
      int64_t r = r_beg + ty;
      for (; r + 3 * TY < r_end; r += 4 * TY) {
        uint4 u0 = *reinterpret_cast<const uint4*>(p + r * rs);
        uint4 u1 = *reinterpret_cast<const uint4*>(p + (r + TY) * rs);
        uint4 u2 = *reinterpret_cast<const uint4*>(p + (r + 2 * TY) * rs);
        uint4 u3 = *reinterpret_cast<const uint4*>(p + (r + 3 * TY) * rs);
        const T* e0 = reinterpret_cast<const T*>(&u0);
        const T* e1 = reinterpret_cast<const T*>(&u1);
        const T* e2 = reinterpret_cast<const T*>(&u2);
        const T* e3 = reinterpret_cast<const T*>(&u3);
#pragma unroll
        for (int j = 0; j < N; ++j) acc[j] = op(acc[j], op.load(e0[j], r));
#pragma unroll
        for (int j = 0; j < N; ++j) acc[j] = op(acc[j], op.load(e1[j], r + TY));
#pragma unroll
        for (int j = 0; j < N; ++j) acc[j] = op(acc[j], op.load(e2[j], r + 2 * TY));
#pragma unroll
        for (int j = 0; j < N; ++j) acc[j] = op(acc[j], op.load(e3[j], r + 3 * TY));
      }
      for (; r < r_end; r += TY) {
        uint4 u0 = *reinterpret_cast<const uint4*>(p + r * rs);
        const T* e0 = reinterpret_cast<const T*>(&u0);
#pragma unroll
        for (int j = 0; j < N; ++j) acc[j] = op(acc[j], op.load(e0[j], r));
      }
    } else {
      // Partial group at the start or end of the row: in-range columns only.
      for (int64_t r = r_beg + ty; r < r_end; r += TY) {
#pragma unroll
        for (int j = 0; j < N; ++j) {
          int64_t c = c0 + j;
          if (c >= 0 && c < M) acc[j] = op(acc[j], op.load(in[r * rs + c], r));
        }
      }
    }
  }
  // Combine the TY row lanes of each group (slot j * kThreads + thread:
  // conflict-free), halving the active lanes each round.
#pragma unroll
  for (int j = 0; j < N; ++j) sm[j * kThreads + threadIdx.x] = acc[j];
  __syncthreads();
  for (int h = TY / 2; h > 0; h >>= 1) {
    if (ty < h) {
#pragma unroll
      for (int j = 0; j < N; ++j) {
        acc[j] = op(acc[j], sm[j * kThreads + threadIdx.x + h * TXg]);
        sm[j * kThreads + threadIdx.x] = acc[j];
      }
    }
    __syncthreads();
  }
  if (ty == 0) {
#pragma unroll
    for (int j = 0; j < N; ++j) {
      int64_t c = c0 + j;
      if (c >= 0 && c < M) {
        if (part) {
          part[(k * S + split) * M + c] = acc[j];
        } else {
          out[kout + c] = op.finish(acc[j]);
        }
      }
    }
  }
}

// Problem k's out[c] = finish(part[(k S + 0) M + c] + ... +
// part[(k S + S - 1) M + c]): 32 columns of one problem x 8 split lanes per
// block, lanes combined in a fixed order.
template <typename Op>
__global__ void __launch_bounds__(kThreads)
    col_vec_finalize(const typename Op::acc_t* __restrict__ part,
                     typename Op::out_t* __restrict__ out, Dims kept, int64_t M,
                     int64_t ctiles, int S, Op op) {
  using Acc = typename Op::acc_t;
  __shared__ SmemArray<Acc, kThreads> smem;
  Acc* sm = smem.get();
  int tx = threadIdx.x % kFinTX, ty = threadIdx.x / kFinTX;
  const int64_t k = int64_t(blockIdx.x) / ctiles;
  int64_t c = (int64_t(blockIdx.x) - k * ctiles) * kFinTX + tx;
  int64_t kin = 0, kout = 0;
  if (kept.n) kept.locate(k, kin, kout);
  part += k * S * M;
  out += kout;
  Acc acc = Op::init();
  if (c < M) {
    for (int s = ty; s < S; s += kFinTY) acc = op(acc, part[int64_t(s) * M + c]);
  }
  sm[threadIdx.x] = acc;
  __syncthreads();
  for (int h = kFinTY / 2; h > 0; h >>= 1) {
    if (ty < h) {
      acc = op(acc, sm[threadIdx.x + h * kFinTX]);
      sm[threadIdx.x] = acc;
    }
    __syncthreads();
  }
  if (ty == 0 && c < M) out[c] = op.finish(acc);
}

}  // namespace col_vec_detail

/// Runs the planned reduction with the vectorized leading-axis column
/// kernels when the plan and the input pointer allow it (see the top of this
/// file); returns false (nothing launched) otherwise.
template <typename T, typename Op>
bool try_reduce_col_vec(const T* in, typename Op::out_t* out, const ReducePlan& p,
                        const Op& op, const Stream& s, const char* name) {
  using namespace col_vec_detail;
  using Acc = typename Op::acc_t;
  constexpr int N = 16 / int(sizeof(T));
  static_assert(N >= 1 && 16 % sizeof(T) == 0, "element size must divide 16");
  if (p.row) return false;
  const ColArgs& a = p.c;
  if (a.s_in != 1 || a.s_out != 1 || a.red.n > 1) return false;
  const int64_t rs = a.red.n == 1 ? a.red.s0[0] : 0;
  const uintptr_t addr = reinterpret_cast<uintptr_t>(in);
  if (addr % sizeof(T) != 0 || (rs * int64_t(sizeof(T))) % 16 != 0) return false;
  for (int i = 0; i < a.kept.n; ++i) {
    if ((a.kept.s0[i] * int64_t(sizeof(T))) % 16 != 0) return false;
  }
  const int shift = int((addr % 16) / sizeof(T));
  const int64_t R = a.nred, M = a.M, K = a.nk;
  if (R <= 0 || M <= 0 || K <= 0) return false;
  const int64_t NG = (M + shift + N - 1) / N;
  // 8 groups (128 bytes) per row lane, more when there are fewer than 32
  // rows (so that few row lanes idle), fewer when the row is narrower.
  const int ty_want = int(std::min<int64_t>(32, reduce_detail::pow2_ceil(R)));
  const int TXg = int(std::min<int64_t>(std::max(8, kThreads / ty_want),
                                        reduce_detail::pow2_ceil(NG)));
  const int TY = kThreads / TXg;
  const int64_t ntiles = (NG + TXg - 1) / TXg;
  if (ntiles > INT_MAX / K) return false;
  const int64_t tiles = K * ntiles;
  // At most one wave of blocks; at least 8 rows per row lane.
  static const int occ =
      reduce_detail::resident_blocks(col_vec_partial<T, Op>, kThreads, 1);
  const int64_t target = int64_t(std::max(sm_count(), 1)) * occ;
  int64_t S = 1;
  if (tiles < target) {
    S = std::min<int64_t>(target / tiles,
                          std::max<int64_t>(1, R / (int64_t(TY) * 8)));
    S = std::max<int64_t>(1, std::min<int64_t>(S, INT_MAX / tiles));
  }
  int64_t rps = (R + S - 1) / S;
  S = (R + rps - 1) / rps;  // no empty chunks
  cudaStream_t cs = get_stream(s);
  unsigned blocks = unsigned(tiles * S);
  if (S == 1) {
    col_vec_partial<T, Op><<<blocks, kThreads, 0, cs>>>(in, out, nullptr, a.kept, 1, R, rs,
                                                        M, shift, TXg, ntiles, rps, op);
    check_launch(name);
    return true;
  }
  const int64_t ctiles = (M + kFinTX - 1) / kFinTX;
  if (ctiles > INT_MAX / K) return false;
  Scratch part(size_t(K * S * M) * sizeof(Acc), s);
  Acc* pp = static_cast<Acc*>(part.get());
  col_vec_partial<T, Op><<<blocks, kThreads, 0, cs>>>(in, out, pp, a.kept, int(S), R, rs,
                                                      M, shift, TXg, ntiles, rps, op);
  check_launch(name);
  col_vec_finalize<Op><<<unsigned(K * ctiles), kThreads, 0, cs>>>(pp, out, a.kept, M,
                                                                  ctiles, int(S), op);
  check_launch(name);
  return true;
}

}  // namespace ember::cuda

