// Scan kernels (cumsum / cumprod / cummax / cummin / logcumsumexp) over a
// row-contiguous (outer, n, inner) view; out may alias in (reads of an
// element happen before its write, by the same thread).
//  - inner == 1, n > 16: a block per row (32 threads for n <= 512, else
//    256) walks the row in tiles of B x 4 elements: per-thread scan of 4
//    items, warp shuffle scan of thread totals, shared-memory scan of warp
//    totals, carry between tiles. When rows are too few to fill the GPU the
//    row is cut into chunks: pass 1 reduces each chunk, pass 2 scans the
//    chunk totals (a warp per row), pass 3 rescans each chunk from its carry.
//  - otherwise (inner > 1 or short rows): a thread per column walks the
//    axis sequentially (adjacent threads read adjacent columns); long axes
//    with few columns are cut into chunks with the same three passes.
// Traffic: one read and one write per element (two reads when chunked).
#pragma once

#include <algorithm>

#include "ember/backend/cuda/cuda.h"
#include "ember/backend/cuda/device/reduce_ops.cuh"

namespace ember::cuda {

namespace scan_detail {

constexpr int kItems = 4;

struct ScanArgs {
  int64_t outer, n, inner;
  int64_t chunk;  // positions per chunk (scan order)
  int nchunks;
  bool reverse, inclusive, write;
};

template <typename T, typename Op, int B>
__global__ void __launch_bounds__(B)
    scan_rows(const T* in, T* out, ScanArgs a, const typename Op::acc_t* carry_in,
              typename Op::acc_t* totals, Op op) {
  using Acc = typename Op::acc_t;
  constexpr int NW = B / 32;
  __shared__ SmemArray<Acc, NW + 1> smem;
  Acc* sm = smem.get();
  int64_t row = int64_t(blockIdx.x) / a.nchunks;
  int c = int(int64_t(blockIdx.x) - row * a.nchunks);
  int64_t begin = int64_t(c) * a.chunk;
  int64_t end = std::min(a.n, begin + a.chunk);
  const T* x = in + row * a.n;
  T* y = out + row * a.n;
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  Acc carry = carry_in ? carry_in[row * a.nchunks + c] : Op::init();
  for (int64_t t0 = begin; t0 < end; t0 += int64_t(B) * kItems) {
    int64_t p0 = t0 + int64_t(threadIdx.x) * kItems;
    Acc loc[kItems];
#pragma unroll
    for (int i = 0; i < kItems; ++i) {
      int64_t p = p0 + i;
      Acc v = Op::init();
      if (p < end) v = op.load(x[a.reverse ? a.n - 1 - p : p], p);
      loc[i] = i == 0 ? v : op(loc[i - 1], v);
    }
    Acc incl = warp_inclusive_scan(loc[kItems - 1], op);
    Acc lane_excl = shfl_up_any(incl, 1);
    if (lane == 0) lane_excl = Op::init();
    Acc warp_excl = Op::init();
    Acc tile_total;
    if constexpr (NW == 1) {
      tile_total = shfl_any(incl, 31);
    } else {
      if (lane == 31) sm[warp] = incl;
      __syncthreads();
      if (warp == 0) {
        Acc w = lane < NW ? sm[lane] : Op::init();
        w = warp_inclusive_scan(w, op);
        if (lane < NW) sm[lane] = w;
      }
      __syncthreads();
      if (warp > 0) warp_excl = sm[warp - 1];
      tile_total = sm[NW - 1];
    }
    Acc prefix = op(carry, op(warp_excl, lane_excl));
    if (a.write) {
#pragma unroll
      for (int i = 0; i < kItems; ++i) {
        int64_t p = p0 + i;
        if (p < end) {
          Acc r = a.inclusive ? op(prefix, loc[i]) : (i == 0 ? prefix : op(prefix, loc[i - 1]));
          y[a.reverse ? a.n - 1 - p : p] = op.finish(r);
        }
      }
    }
    carry = op(carry, tile_total);
    if constexpr (NW > 1) __syncthreads();
  }
  if (totals && threadIdx.x == 0) totals[row * a.nchunks + c] = carry;
}

// One thread per column q = (o, j); walks positions [chunk c) of the axis.
template <typename T, typename Op>
__global__ void __launch_bounds__(256)
    scan_cols(const T* in, T* out, ScanArgs a, const typename Op::acc_t* carry_in,
              typename Op::acc_t* totals, Op op) {
  using Acc = typename Op::acc_t;
  int64_t q = int64_t(blockIdx.x) * 256 + threadIdx.x;
  int64_t ncols = a.outer * a.inner;
  if (q >= ncols) return;
  int c = blockIdx.y;
  int64_t o = q / a.inner, j = q - o * a.inner;
  int64_t base = o * a.n * a.inner + j;
  int64_t begin = int64_t(c) * a.chunk;
  int64_t end = std::min(a.n, begin + a.chunk);
  Acc acc = carry_in ? carry_in[q * a.nchunks + c] : Op::init();
  for (int64_t p = begin; p < end; ++p) {
    int64_t off = base + (a.reverse ? a.n - 1 - p : p) * a.inner;
    Acc v = op.load(in[off], p);
    if (!a.write) {
      acc = op(acc, v);
    } else if (a.inclusive) {
      acc = op(acc, v);
      out[off] = op.finish(acc);
    } else {
      out[off] = op.finish(acc);
      acc = op(acc, v);
    }
  }
  if (totals) totals[q * a.nchunks + c] = acc;
}

// Exclusive scan, in place, of each line's `m` chunk totals (t[line * m + k]):
// one warp per line, 8 lines per block.
template <typename Op>
__global__ void __launch_bounds__(256)
    scan_totals(typename Op::acc_t* t, int64_t lines, int m, Op op) {
  using Acc = typename Op::acc_t;
  int lane = threadIdx.x & 31;
  int64_t line = int64_t(blockIdx.x) * 8 + (threadIdx.x >> 5);
  bool active = line < lines;
  Acc carry = Op::init();
  for (int k0 = 0; k0 < m; k0 += 32) {
    int k = k0 + lane;
    Acc v = (active && k < m) ? t[line * m + k] : Op::init();
    Acc incl = warp_inclusive_scan(v, op);
    Acc excl = shfl_up_any(incl, 1);
    if (lane == 0) excl = Op::init();
    if (active && k < m) t[line * m + k] = op(carry, excl);
    carry = op(carry, shfl_any(incl, 31));
  }
}

}  // namespace scan_detail

/// Scans the row-contiguous (outer, n, inner) data `in` into `out` (which may
/// be `in`) with `op` (acc_t / load / combine / finish as in reduce_ops.cuh).
template <typename T, typename Op>
void run_scan(const T* in, T* out, int64_t outer, int64_t n, int64_t inner,
              bool reverse, bool inclusive, const Op& op, const Stream& s,
              const char* name) {
  using namespace scan_detail;
  using Acc = typename Op::acc_t;
  cudaStream_t cs = get_stream(s);
  int64_t target = int64_t(std::max(sm_count(), 1)) * 8;
  ScanArgs a{outer, n, inner, n, 1, reverse, inclusive, true};
  if (inner == 1 && n > 16) {
    int64_t rows = outer;
    bool small = n <= 512;
    int64_t tile = (small ? 32 : 256) * int64_t(kItems);
    int64_t nch = 1;
    if (!small && rows < target && n > 4 * tile) {
      nch = std::min<int64_t>((target + rows - 1) / rows, (n + 4 * tile - 1) / (4 * tile));
    }
    auto launch = [&](const Acc* cin, Acc* tot, bool write) {
      ScanArgs b = a;
      b.write = write;
      if (small) {
        scan_rows<T, Op, 32><<<unsigned(rows * b.nchunks), 32, 0, cs>>>(in, out, b, cin, tot, op);
      } else {
        scan_rows<T, Op, 256><<<unsigned(rows * b.nchunks), 256, 0, cs>>>(in, out, b, cin, tot, op);
      }
      check_launch(name);
    };
    if (nch <= 1) {
      launch(nullptr, nullptr, true);
      return;
    }
    a.chunk = ((n + nch - 1) / nch + tile - 1) / tile * tile;
    a.nchunks = int((n + a.chunk - 1) / a.chunk);
    Scratch tot(size_t(rows) * a.nchunks * sizeof(Acc), s);
    Acc* tp = static_cast<Acc*>(tot.get());
    launch(nullptr, tp, false);
    scan_totals<Op><<<unsigned((rows + 7) / 8), 256, 0, cs>>>(tp, rows, a.nchunks, op);
    check_launch(name);
    launch(tp, nullptr, true);
    return;
  }
  int64_t ncols = outer * inner;
  int64_t nch = 1;
  if (ncols < target * 256 && n > 64) {
    nch = std::min<int64_t>((target * 256 + ncols - 1) / ncols, n / 32);
    nch = std::max<int64_t>(1, std::min<int64_t>(nch, 1024));
  }
  unsigned gx = unsigned((ncols + 255) / 256);
  if (nch <= 1) {
    scan_cols<T, Op><<<dim3(gx, 1), 256, 0, cs>>>(in, out, a, nullptr, nullptr, op);
    check_launch(name);
    return;
  }
  a.chunk = (n + nch - 1) / nch;
  a.nchunks = int((n + a.chunk - 1) / a.chunk);
  Scratch tot(size_t(ncols) * a.nchunks * sizeof(Acc), s);
  Acc* tp = static_cast<Acc*>(tot.get());
  ScanArgs r = a;
  r.write = false;
  scan_cols<T, Op><<<dim3(gx, unsigned(a.nchunks)), 256, 0, cs>>>(in, out, r, nullptr, tp, op);
  check_launch(name);
  scan_totals<Op><<<unsigned((ncols + 7) / 8), 256, 0, cs>>>(tp, ncols, a.nchunks, op);
  check_launch(name);
  scan_cols<T, Op><<<dim3(gx, unsigned(a.nchunks)), 256, 0, cs>>>(in, out, a, tp, nullptr, op);
  check_launch(name);
}

}  // namespace ember::cuda

namespace ember::cuda {

struct ScanShape {
  int64_t outer, n, inner;
  bool reverse, inclusive;
};

// Per-type entry points of Scan::eval_gpu (one .cu each). `in` may equal
// `out`; both are row-contiguous device data of dtype `dt`.
void scan_sum(const void* in, void* out, Dtype dt, const ScanShape& sh, const Stream& s);
void scan_prod(const void* in, void* out, Dtype dt, const ScanShape& sh, const Stream& s);
void scan_min_max(const void* in, void* out, Dtype dt, const ScanShape& sh, bool is_max,
                  const Stream& s);
void scan_logaddexp(const void* in, void* out, Dtype dt, const ScanShape& sh,
                    const Stream& s);

/// Runs `op` (a reduce_ops functor) over the scan.
template <typename T, typename Op>
void run_scan(const void* in, void* out, const ScanShape& sh, const Op& op,
              const Stream& s, const char* name) {
  run_scan(static_cast<const T*>(in), static_cast<T*>(out), sh.outer, sh.n, sh.inner,
           sh.reverse, sh.inclusive, op, s, name);
}

}  // namespace ember::cuda
