// Reduction kernels shared by Reduce, ArgReduce and LogSumExp.
//
// plan_reduce views the input in memory order (size-1 dims dropped, dims
// sorted by stride, contiguous dims merged, broadcast dims outermost):
//  - row plan: the innermost dim is reduced. Each output reduces `nouter`
//    runs of L elements (stride s). Short rows: a group of G lanes (G <= 32)
//    per output. Long rows: a 256-thread block per output, split over S
//    blocks writing partials when there are too few outputs to fill the GPU
//    (S = 1 block per output otherwise; the all-reduce is nrows = 1). Unit
//    stride runs use 16-byte loads (scalar head up to the first 16-byte
//    boundary, then 4 vector loads in flight per lane, scalar tail).
//  - column plan: the innermost dim is kept. 256-thread blocks of TX columns
//    x TY row lanes; consecutive threads read consecutive columns; row lanes
//    combine through shared memory; the reduced range is split over S
//    blocks writing partials when there are too few column tiles.
// Partials (Acc) are combined by reduce_finalize (a group of lanes per
// output), or by reduce_finalize_block (a block per output) past 256
// splits. Memory traffic: one read of the input (+ partials, tiny), one
// write of the output.
#pragma once

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "ember/backend/cuda/cuda.h"
#include "ember/backend/cuda/device/reduce_ops.cuh"

namespace ember::cuda {

struct RowArgs {
  Dims kept;       // kept dims: s0 input stride, s1 output stride
  Dims outer;      // reduced dims other than the inner run (s0)
  int64_t nrows;   // kept.count()
  int64_t nouter;  // outer.count()
  int64_t L;       // inner run length
  int64_t s;       // inner run stride
  bool flat;       // short runs: lanes walk the flattened reduced range
};

struct ColArgs {
  Dims kept;  // kept dims other than the inner one (s0 in, s1 out)
  Dims red;   // reduced dims (s0 in)
  int64_t nk, nred;
  int64_t M, s_in, s_out;  // inner kept dim
};

struct ReducePlan {
  bool row = true;
  RowArgs r;
  ColArgs c;
};

/// Plans the reduction of an input of `shape` / `strides` (elements) over
/// `axes` into a row-contiguous output of the keepdims shape.
ReducePlan plan_reduce(const Shape& shape, const Strides& strides,
                       const std::vector<int>& axes, const char* op);

namespace reduce_detail {

template <typename T>
struct Vec16 {
  static constexpr int N = 16 / int(sizeof(T));
  struct alignas(16) type {
    T v[N];
  };
};

/// Folds elements p[i * s], i in [lane, L) step nlanes, into acc.
template <typename T, typename Op>
__device__ __forceinline__ typename Op::acc_t accumulate_run(
    const T* __restrict__ p, int64_t L, int64_t s, int64_t lane,
    int64_t nlanes, typename Op::acc_t acc, const Op& op) {
  using V = typename Vec16<T>::type;
  constexpr int N = Vec16<T>::N;
  uintptr_t addr = reinterpret_cast<uintptr_t>(p);
  if (s == 1 && addr % sizeof(T) == 0 && L >= 2 * N) {
    int64_t pre = int64_t((16 - addr % 16) % 16) / int64_t(sizeof(T));
    for (int64_t i = lane; i < pre; i += nlanes) acc = op(acc, op.load(p[i], i));
    const V* pv = reinterpret_cast<const V*>(p + pre);
    int64_t nv = (L - pre) / N;
    int64_t v = lane;
    for (; v + 3 * nlanes < nv; v += 4 * nlanes) {
      V x0 = pv[v];
      V x1 = pv[v + nlanes];
      V x2 = pv[v + 2 * nlanes];
      V x3 = pv[v + 3 * nlanes];
      int64_t i0 = pre + v * N;
#pragma unroll
      for (int j = 0; j < N; ++j) acc = op(acc, op.load(x0.v[j], i0 + j));
#pragma unroll
      for (int j = 0; j < N; ++j) acc = op(acc, op.load(x1.v[j], i0 + nlanes * N + j));
#pragma unroll
      for (int j = 0; j < N; ++j) acc = op(acc, op.load(x2.v[j], i0 + 2 * nlanes * N + j));
#pragma unroll
      for (int j = 0; j < N; ++j) acc = op(acc, op.load(x3.v[j], i0 + 3 * nlanes * N + j));
    }
    for (; v < nv; v += nlanes) {
      V x0 = pv[v];
      int64_t i0 = pre + v * N;
#pragma unroll
      for (int j = 0; j < N; ++j) acc = op(acc, op.load(x0.v[j], i0 + j));
    }
    for (int64_t i = pre + nv * N + lane; i < L; i += nlanes) {
      acc = op(acc, op.load(p[i], i));
    }
    return acc;
  }
  for (int64_t i = lane; i < L; i += nlanes) acc = op(acc, op.load(p[i * s], i));
  return acc;
}

/// Folds the reduced elements of one output (base = its kept offset).
template <typename T, typename Op>
__device__ __forceinline__ typename Op::acc_t accumulate_row(
    const T* __restrict__ base, const RowArgs& a, int64_t lane, int64_t nlanes,
    typename Op::acc_t acc, const Op& op) {
  if (a.flat) {
    int64_t nred = a.nouter * a.L;
    for (int64_t j = lane; j < nred; j += nlanes) {
      int64_t r = j / a.L, i = j - r * a.L;
      acc = op(acc, op.load(base[a.outer.offset0(r) + i * a.s], j));
    }
    return acc;
  }
  for (int64_t r = 0; r < a.nouter; ++r) {
    acc = accumulate_run(base + a.outer.offset0(r), a.L, a.s, lane, nlanes, acc, op);
  }
  return acc;
}

// Groups of G lanes per output, 256 / G outputs per block.
template <typename T, typename Op>
__global__ void __launch_bounds__(256)
    reduce_row_group(const T* __restrict__ in, typename Op::out_t* __restrict__ out,
                     RowArgs a, int G, Op op) {
  using Acc = typename Op::acc_t;
  int gpb = 256 / G;
  int g = threadIdx.x / G, lane = threadIdx.x % G;
  int64_t row = int64_t(blockIdx.x) * gpb + g;
  Acc acc = Op::init();
  int64_t oin = 0, oout = 0;
  if (row < a.nrows) {
    a.kept.locate(row, oin, oout);
    acc = accumulate_row(in + oin, a, lane, G, acc, op);
  }
  acc = warp_reduce(acc, op, G);
  if (row < a.nrows && lane == 0) out[oout] = op.finish(acc);
}

// One 256-thread block per (output, split); S > 1 writes partials.
template <typename T, typename Op>
__global__ void __launch_bounds__(256)
    reduce_row_block(const T* __restrict__ in, typename Op::out_t* __restrict__ out,
                     typename Op::acc_t* __restrict__ part, RowArgs a, int S,
                     Op op) {
  using Acc = typename Op::acc_t;
  __shared__ BlockSmem<Acc> sm;
  int64_t row = int64_t(blockIdx.x) / S;
  int split = int(int64_t(blockIdx.x) - row * S);
  int64_t oin, oout;
  a.kept.locate(row, oin, oout);
  Acc acc = accumulate_row(in + oin, a, int64_t(split) * 256 + threadIdx.x,
                           int64_t(S) * 256, Op::init(), op);
  acc = block_allreduce(acc, op, sm.get());
  if (threadIdx.x == 0) {
    if (S == 1) {
      out[oout] = op.finish(acc);
    } else {
      part[row * S + split] = acc;
    }
  }
}

constexpr int kColLoads = 8;

// Column tiles: TX columns x (256 / TX) row lanes per block.
template <typename T, typename Op>
__global__ void __launch_bounds__(256)
    reduce_col(const T* __restrict__ in, typename Op::out_t* __restrict__ out,
               typename Op::acc_t* __restrict__ part, ColArgs a, int TX,
               int64_t ntiles, int S, Op op) {
  using Acc = typename Op::acc_t;
  __shared__ SmemArray<Acc, 256> smem;
  Acc* sm = smem.get();
  int TY = 256 / TX;
  int tx = threadIdx.x % TX, ty = threadIdx.x / TX;
  int64_t b = blockIdx.x;
  int split = int(b % S);
  b /= S;
  int64_t tile = b % ntiles, k = b / ntiles;
  int64_t c = tile * TX + tx;
  int64_t kin, kout;
  a.kept.locate(k, kin, kout);
  Acc acc = Op::init();
  if (c < a.M) {
    const T* base = in + kin + c * a.s_in;
    int64_t step = int64_t(S) * TY;
    int64_t r = int64_t(split) * TY + ty;
    if (a.red.n <= 1) {
      int64_t rs = a.red.n == 1 ? a.red.s0[0] : 0;
      // 8 loads in flight per lane: with 4, a (64, 4096, 255) float32 sum
      // over axis 1 ran at 3005 GB/s against 3694 (H200; PyTorch 3273).
      for (; r + (kColLoads - 1) * step < a.nred; r += kColLoads * step) {
        T x[kColLoads];
#pragma unroll
        for (int j = 0; j < kColLoads; ++j) x[j] = base[(r + j * step) * rs];
#pragma unroll
        for (int j = 0; j < kColLoads; ++j) acc = op(acc, op.load(x[j], r + j * step));
      }
      for (; r < a.nred; r += step) acc = op(acc, op.load(base[r * rs], r));
    } else {
      for (; r < a.nred; r += step) {
        acc = op(acc, op.load(base[a.red.offset0(r)], r));
      }
    }
  }
  sm[threadIdx.x] = acc;
  __syncthreads();
  for (int h = TY / 2; h > 0; h >>= 1) {
    if (ty < h) sm[threadIdx.x] = op(sm[threadIdx.x], sm[threadIdx.x + h * TX]);
    __syncthreads();
  }
  if (ty == 0 && c < a.M) {
    if (S == 1) {
      out[kout + c * a.s_out] = op.finish(sm[tx]);
    } else {
      part[int64_t(split) * (a.nk * a.M) + k * a.M + c] = sm[tx];
    }
  }
}

// Combines S partials per output: part[o * ps_o + s * ps_s]; output offset
// from odims (s1). Groups of G lanes per output.
template <typename Op>
__global__ void __launch_bounds__(256)
    reduce_finalize(const typename Op::acc_t* __restrict__ part,
                    typename Op::out_t* __restrict__ out, int64_t nout, int S,
                    int64_t ps_o, int64_t ps_s, Dims odims, int G, Op op) {
  using Acc = typename Op::acc_t;
  int gpb = 256 / G;
  int g = threadIdx.x / G, lane = threadIdx.x % G;
  int64_t o = int64_t(blockIdx.x) * gpb + g;
  Acc acc = Op::init();
  if (o < nout) {
    for (int s = lane; s < S; s += G) acc = op(acc, part[o * ps_o + int64_t(s) * ps_s]);
  }
  acc = warp_reduce(acc, op, G);
  if (o < nout && lane == 0) {
    int64_t oin, oout;
    odims.locate(o, oin, oout);
    out[oout] = op.finish(acc);
  }
}

// Partials of few outputs split many ways (a whole-array sum: about one
// partial per resident block): a block per output. A group of at most 32
// lanes per output (reduce_finalize) spent 4 us on 1056 partials, 1.7% of
// a 2^28 float32 sum on an H200.
template <typename Op>
__global__ void __launch_bounds__(256)
    reduce_finalize_block(const typename Op::acc_t* __restrict__ part,
                          typename Op::out_t* __restrict__ out, int S, Dims odims,
                          Op op) {
  using Acc = typename Op::acc_t;
  __shared__ BlockSmem<Acc> sm;
  int64_t o = blockIdx.x;
  Acc acc = Op::init();
  for (int s = threadIdx.x; s < S; s += blockDim.x) acc = op(acc, part[o * S + s]);
  acc = block_allreduce(acc, op, sm.get());
  if (threadIdx.x == 0) {
    int64_t oin, oout;
    odims.locate(o, oin, oout);
    out[oout] = op.finish(acc);
  }
}

/// Blocks of `threads` threads of `kernel` resident per SM (its registers
/// and shared memory decide); `fallback` if the query fails.
template <typename Kernel>
int resident_blocks(Kernel kernel, int threads, int fallback) {
  int b = 0;
  if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&b, kernel, threads, 0) !=
      cudaSuccess) {
    (void)cudaGetLastError();
    b = fallback;
  }
  return std::max(b, 1);
}

inline int pow2_ceil(int64_t x) {
  int p = 1;
  while (p < x && p < (1 << 30)) p <<= 1;
  return p;
}

template <typename Op>
__global__ void fill_identity(typename Op::out_t* __restrict__ out, int64_t n, Op op) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    out[i] = op.finish(Op::init());
  }
}

}  // namespace reduce_detail

/// Fills n contiguous outputs with op.finish(Op::init()) (reductions over an
/// empty range).
template <typename Op>
void fill_reduce_identity(typename Op::out_t* out, int64_t n, const Op& op,
                          const Stream& s, const char* name) {
  if (n == 0) return;
  reduce_detail::fill_identity<Op><<<num_blocks(n), 256, 0, get_stream(s)>>>(out, n, op);
  check_launch(name);
}

/// Runs a planned reduction of `in` (element pointer, the plan's strides)
/// into `out` (the keepdims output, row-contiguous).
template <typename T, typename Op>
void run_reduce(const T* in, typename Op::out_t* out, const ReducePlan& p,
                const Op& op, const Stream& s, const char* name) {
  using namespace reduce_detail;
  using Acc = typename Op::acc_t;
  cudaStream_t cs = get_stream(s);
  constexpr int N = Vec16<T>::N;
  const int64_t sms = std::max(sm_count(), 1);
  if (p.row) {
    RowArgs a = p.r;
    int64_t nred = a.nouter * a.L;
    a.flat = a.nouter > 1 && a.L < 32;
    if (nred <= int64_t(32) * N * 8) {
      int G = int(std::min<int64_t>(32, pow2_ceil((nred + 4 * N - 1) / (4 * N))));
      int64_t blocks = (a.nrows + (256 / G) - 1) / (256 / G);
      reduce_row_group<T, Op><<<unsigned(blocks), 256, 0, cs>>>(in, out, a, G, op);
      check_launch(name);
      return;
    }
    // Splits fill at most one wave of the blocks that fit (rounded down):
    // the float sum's 48 registers a thread leave room for 5 blocks per SM,
    // and 8 per SM ran as two waves, 10% slower on a whole-array sum. A
    // wave and a few blocks is worse still: 24 splits of 33 rows of 2^22
    // (792 blocks, 660 fit) ran at 3536 GB/s, 16 splits at 4077 (H200).
    static const int occ = resident_blocks(reduce_row_block<T, Op>, 256, 8);
    const int64_t target = sms * occ;
    int64_t S = 1;
    if (a.nrows < target) {
      S = std::min<int64_t>(target / a.nrows,
                            std::max<int64_t>(1, nred / (256 * N * 4)));
      S = std::max<int64_t>(1, std::min<int64_t>(S, 4096));
    }
    if (S == 1) {
      reduce_row_block<T, Op><<<unsigned(a.nrows), 256, 0, cs>>>(in, out, nullptr, a, 1, op);
      check_launch(name);
      return;
    }
    Scratch part(size_t(a.nrows * S) * sizeof(Acc), s);
    Acc* pp = static_cast<Acc*>(part.get());
    reduce_row_block<T, Op><<<unsigned(a.nrows * S), 256, 0, cs>>>(in, out, pp, a, int(S), op);
    check_launch(name);
    if (S > 256) {
      reduce_finalize_block<Op><<<unsigned(a.nrows), 256, 0, cs>>>(pp, out, int(S), a.kept, op);
      check_launch(name);
      return;
    }
    int G = int(std::min<int64_t>(32, pow2_ceil(S)));
    int64_t blocks = (a.nrows + (256 / G) - 1) / (256 / G);
    reduce_finalize<Op><<<unsigned(blocks), 256, 0, cs>>>(pp, out, a.nrows, int(S), S, 1,
                                                          a.kept, G, op);
    check_launch(name);
    return;
  }
  const ColArgs& a = p.c;
  int TX = int(std::min<int64_t>(32, pow2_ceil(a.M)));
  int TY = 256 / TX;
  int64_t ntiles = (a.M + TX - 1) / TX;
  int64_t base = a.nk * ntiles;
  // At most one wave of blocks (see the row splits).
  static const int occ = resident_blocks(reduce_col<T, Op>, 256, 4);
  const int64_t target = sms * occ;
  int64_t S = 1;
  if (base < target) {
    S = std::min<int64_t>(target / base,
                          std::max<int64_t>(1, a.nred / (int64_t(TY) * 16)));
    S = std::max<int64_t>(1, std::min<int64_t>(S, 4096));
  }
  if (S == 1) {
    reduce_col<T, Op><<<unsigned(base), 256, 0, cs>>>(in, out, nullptr, a, TX, ntiles, 1, op);
    check_launch(name);
    return;
  }
  int64_t nout = a.nk * a.M;
  Scratch part(size_t(nout * S) * sizeof(Acc), s);
  Acc* pp = static_cast<Acc*>(part.get());
  reduce_col<T, Op><<<unsigned(base * S), 256, 0, cs>>>(in, out, pp, a, TX, ntiles, int(S), op);
  check_launch(name);
  Dims odims = a.kept;
  odims.shape[odims.n] = a.M;
  odims.s0[odims.n] = 0;
  odims.s1[odims.n] = a.s_out;
  odims.n += 1;
  int G = int(std::min<int64_t>(32, pow2_ceil(S)));
  int64_t blocks = (nout + (256 / G) - 1) / (256 / G);
  reduce_finalize<Op><<<unsigned(blocks), 256, 0, cs>>>(pp, out, nout, int(S), 1, nout,
                                                        odims, G, op);
  check_launch(name);
}

}  // namespace ember::cuda

namespace ember::cuda {

/// Output type of sum / prod (the CPU's sum_out_t): bool and small integers
/// widen to 32 bits, 8-byte integers keep 64, floats and complex keep T.
template <typename T>
using sum_out_t = std::conditional_t<
    std::is_same_v<T, bool>, int32_t,
    std::conditional_t<
        std::is_integral_v<T>,
        std::conditional_t<
            std::is_unsigned_v<T>,
            std::conditional_t<sizeof(T) == 8, uint64_t, uint32_t>,
            std::conditional_t<sizeof(T) == 8, int64_t, int32_t>>,
        T>>;

// Per-family entry points of Reduce::eval_gpu (one .cu each so they compile
// in parallel). `plan` is null when the input is empty.
void reduce_sum(const array& in, array& out, const ReducePlan* plan, const Stream& s);
void reduce_prod(const array& in, array& out, const ReducePlan* plan, const Stream& s);
void reduce_min_max(const array& in, array& out, const ReducePlan* plan, bool is_max,
                    const Stream& s);
void reduce_and_or(const array& in, array& out, const ReducePlan* plan, bool is_and,
                   const Stream& s);

}  // namespace ember::cuda
