// Attention forward on Hopper (sm_90a): softmax(scale * q k^T [+ causal
// mask]) v for float16/bfloat16 with head dim 64, written for the H100/H200
// tensor cores. Faster than cuDNN's kernel on causal attention (PyTorch runs
// that one); see benchmarks/results/gpu_h200.md, "Tenth session".
//
// One persistent block per multiprocessor (fewer if there are fewer tiles)
// walks query tiles of 192 rows (128 below 1536 queries) of one (batch,
// head), heaviest first, in
// snake order over the blocks (even rounds ascending, odd rounds
// descending), which balances causal work to within a few percent.
//
// Warp specialisation, 4 warpgroups per block (3 with 128-row tiles):
// - warpgroup 0, one thread: the producer. It issues bulk tensor copies
//   (TMA, 128-byte swizzle, tensor maps passed as __grid_constant__
//   parameters) of the query tile and of 128-key tiles of k and v into a
//   4-stage ring, each completing on an mbarrier; "empty" barriers hand
//   stages back. It gives its registers away (setmaxnreg 24).
// - warpgroups 1-3: consumers, 64 query rows each (setmaxnreg 160; 240
//   with two consumers). S =
//   q k^T is one wgmma m64n128k16 chain from shared memory (k-major q and
//   k), the online softmax runs on the S accumulators in registers, and
//   O += P v is a wgmma m64n64k16 chain with P re-packed from S in
//   registers and v read transposed from shared memory. The S product of
//   key tile i + 1 is issued together with the P v product of tile i and
//   the softmax of tile i + 1 runs while that product is in flight.
// Key tiles are walked from the last to the first so that the masked
// (diagonal) tiles come first. Scores of keys past Tk are -inf (the copy
// engine zero-fills rows past the end); causal masking only removes keys a
// row can't see, and supported() requires every row to see one, so no row
// is empty. lse (natural log) is written when asked for, in the layout the
// fused backward (cuDNN) reads.
#include "ember/backend/cuda/fast/sdpa_hopper.h"

#include <cuda.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>
#include <type_traits>

#include "ember/backend/cuda/cuda.h"
#include "ember/backend/cuda/fast/sdpa_common.cuh"

namespace ember::cuda::sdpa_hopper {

namespace {

constexpr int kD = 64;          // head dim
// Consumer warpgroups NW (3, or 2 for short sequences): 64 NW query rows
// per tile, 128 (NW + 1) threads.
constexpr int kBN = 128;        // keys per tile
constexpr int kStages = 4;      // k/v ring depth
constexpr int kTileK = kBN * kD * 2;
// Shared memory: q tile, k/v rings, barriers, 1024-byte alignment slack.
constexpr int smem_bytes(int nw) { return 64 * nw * kD * 2 + 2 * kStages * kTileK + 256 + 1024; }

struct Params {
  void* out;
  float* lse;
  int64_t o_sb, o_sh, o_st;
  int B, Nq, Nkv, Tq, Tk;
  float scale, scale_log2;
};

// Register lists of the wgmma wrappers (64 and 32 float accumulators).
#define EMBER_WG_REGS64 \
  "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, " \
  "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, " \
  "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, " \
  "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63"
#define EMBER_WG_REGS32 \
  "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, " \
  "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31"
#define EMBER_WG_OUTS64 \
  "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), \
  "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), \
  "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), \
  "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), \
  "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), \
  "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), \
  "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), \
  "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
#define EMBER_WG_OUTS32 \
  "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), \
  "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), \
  "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), \
  "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31])

#if defined(__CUDA_ARCH_FEAT_SM90_ALL)

__device__ __forceinline__ void mbar_init(uint32_t bar, int count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(bar), "r"(count));
}
__device__ __forceinline__ void mbar_expect_tx(uint32_t bar, int bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(bar),
               "r"(bytes)
               : "memory");
}
__device__ __forceinline__ void mbar_arrive(uint32_t bar) {
  asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(bar) : "memory");
}
// Waits for the phase of `parity` to complete. A wait of 2^30 polls (far
// longer than any stage takes) traps instead of hanging the device.
__device__ __forceinline__ void mbar_wait(uint32_t bar, uint32_t parity) {
  uint32_t ok = 0;
  for (uint32_t polls = 0;; ++polls) {
    asm volatile(
        "{\n.reg .pred p;\nmbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n"
        "selp.u32 %0, 1, 0, p;\n}\n"
        : "=r"(ok)
        : "r"(bar), "r"(parity)
        : "memory");
    if (ok) return;
    if (polls == (1u << 30)) __trap();
  }
}
// Box of a 4-d tensor map (feature, token, head, batch) into shared memory.
__device__ __forceinline__ void tma_load(uint32_t dst, const CUtensorMap* map, uint32_t bar,
                                         int t, int h, int b) {
  asm volatile(
      "cp.async.bulk.tensor.4d.shared::cluster.global.tile.mbarrier::complete_tx::bytes"
      " [%0], [%1, {%2, %3, %4, %5}], [%6];\n" ::"r"(dst),
      "l"(reinterpret_cast<uint64_t>(map)), "r"(0), "r"(t), "r"(h), "r"(b), "r"(bar)
      : "memory");
}
__device__ __forceinline__ void wg_fence() {
  asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
}
__device__ __forceinline__ void wg_commit() {
  asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
}
template <int N>
__device__ __forceinline__ void wg_wait() {
  asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
}
// Keeps the compiler from moving accumulator accesses across wgmma.
template <int R>
__device__ __forceinline__ void reg_fence(float (&r)[R]) {
#pragma unroll
  for (int i = 0; i < R; ++i) asm volatile("" : "+f"(r[i])::"memory");
}
// Shared-memory matrix descriptor: start, leading / stride byte offsets,
// 128-byte swizzle (tiles of 128-byte rows, 1024-byte aligned).
__device__ __forceinline__ uint64_t make_desc(uint32_t addr, uint32_t lbo, uint32_t sbo) {
  return uint64_t((addr & 0x3FFFF) >> 4) | (uint64_t((lbo & 0x3FFFF) >> 4) << 16) |
         (uint64_t((sbo & 0x3FFFF) >> 4) << 32) | (uint64_t(1) << 62);
}

// d (64 x 128) (+)= a (64 x 16, k-major) b^T (128 x 16, k-major), both from
// shared memory.
template <typename T>
__device__ __forceinline__ void wgmma_s(float (&d)[64], uint64_t da, uint64_t db, int acc) {
  if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"
                 "wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 {" EMBER_WG_REGS64
                 "}, %64, %65, p, 1, 1, 0, 0;\n}\n"
                 : EMBER_WG_OUTS64
                 : "l"(da), "l"(db), "r"(acc));
  } else {
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"
                 "wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16 {" EMBER_WG_REGS64
                 "}, %64, %65, p, 1, 1, 0, 0;\n}\n"
                 : EMBER_WG_OUTS64
                 : "l"(da), "l"(db), "r"(acc));
  }
}
// d (64 x 64) += a (64 x 16, registers) b (16 x 64, feature-major in shared
// memory, read transposed).
template <typename T>
__device__ __forceinline__ void wgmma_o(float (&d)[32], const uint32_t (&a)[4], uint64_t db) {
  if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n"
                 "wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {" EMBER_WG_REGS32
                 "}, {%32, %33, %34, %35}, %36, p, 1, 1, 1;\n}\n"
                 : EMBER_WG_OUTS32
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(db));
  } else {
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n"
                 "wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16 {" EMBER_WG_REGS32
                 "}, {%32, %33, %34, %35}, %36, p, 1, 1, 1;\n}\n"
                 : EMBER_WG_OUTS32
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(db));
  }
}

// Online softmax of one S tile in place (scores -> unnormalised
// probabilities). Thread layout of the accumulators: rows r0 and r0 + 8,
// keys k0 + 8 j + 2 t + {0, 1} for j < 16. m: running max of the raw
// scores, l: this thread's partial row sums, corr: factor for O.
template <bool CAUSAL>
__device__ __forceinline__ void softmax_tile(float (&sc)[64], float (&m)[2], float (&l)[2],
                                             float (&corr)[2], bool need_mask, int k0, int r0,
                                             int t, int Tk, int diag, float sl2) {
  if (need_mask) {
#pragma unroll
    for (int j = 0; j < 16; ++j) {
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int row = r0 + (e >> 1) * 8;
        const int key = k0 + 8 * j + 2 * t + (e & 1);
        if (key >= Tk || (CAUSAL && key > row + diag)) sc[j * 4 + e] = -INFINITY;
      }
    }
  }
#pragma unroll
  for (int hf = 0; hf < 2; ++hf) {
    float mx = m[hf];
#pragma unroll
    for (int j = 0; j < 16; ++j) {
      mx = fmaxf(mx, fmaxf(sc[j * 4 + hf * 2], sc[j * 4 + hf * 2 + 1]));
    }
    mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
    mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
    // A row with no key seen yet (all -inf so far) keeps exp() at 0.
    const float mu = mx == -INFINITY ? 0.f : mx * sl2;
    corr[hf] = ex2_approx(m[hf] * sl2 - mu);
    m[hf] = mx;
    float sum = 0.f;
#pragma unroll
    for (int j = 0; j < 16; ++j) {
#pragma unroll
      for (int e = hf * 2; e < hf * 2 + 2; ++e) {
        const float pe = ex2_approx(fmaf(sc[j * 4 + e], sl2, -mu));
        sc[j * 4 + e] = pe;
        sum += pe;
      }
    }
    l[hf] = l[hf] * corr[hf] + sum;
  }
}

// P as the A operand of the P v product: k-step kk takes key columns
// 16 kk .. 16 kk + 15, i.e. accumulator blocks 2 kk and 2 kk + 1.
template <typename T>
__device__ __forceinline__ void to_p(uint32_t (&pa)[8][4], const float (&sc)[64]) {
#pragma unroll
  for (int kk = 0; kk < 8; ++kk) {
    pa[kk][0] = pack2<T>(sc[8 * kk + 0], sc[8 * kk + 1]);
    pa[kk][1] = pack2<T>(sc[8 * kk + 2], sc[8 * kk + 3]);
    pa[kk][2] = pack2<T>(sc[8 * kk + 4], sc[8 * kk + 5]);
    pa[kk][3] = pack2<T>(sc[8 * kk + 6], sc[8 * kk + 7]);
  }
}

#endif  // __CUDA_ARCH_FEAT_SM90_ALL

template <typename T, bool CAUSAL, int NW>
__global__ void __launch_bounds__(128 * (NW + 1), 1)
    attn_fwd_sm90(const __grid_constant__ CUtensorMap tmQ, const __grid_constant__ CUtensorMap tmK,
                  const __grid_constant__ CUtensorMap tmV, const Params p) {
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
  constexpr int kConsumers = NW, kBM = 64 * NW, kTileQ = kBM * kD * 2;
  extern __shared__ uint8_t smem_raw[];
  const uint32_t sQ = (smem_addr(smem_raw) + 1023) & ~1023u;
  const uint32_t sK = sQ + kTileQ;
  const uint32_t sV = sK + kStages * kTileK;
  const uint32_t bars = sV + kStages * kTileK;
  const uint32_t qfull = bars, qempty = bars + 8;
  auto kfull = [&](int s) { return bars + 16 + 8 * s; };
  auto vfull = [&](int s) { return bars + 16 + 8 * kStages + 8 * s; };
  auto empty = [&](int s) { return bars + 16 + 16 * kStages + 8 * s; };

  const int tid = threadIdx.x;
  const int wg = tid / 128;
  const int nQ = (p.Tq + kBM - 1) / kBM;
  const int BH = p.B * p.Nq;
  const int n_tiles = BH * nQ;
  const int diag = p.Tk - p.Tq;
  const int G = gridDim.x, c = blockIdx.x;
  auto tile_of = [&](int r) { return r * G + ((r & 1) ? G - 1 - c : c); };
  // Tile -> (batch, head, first row, key tiles); query blocks descending.
  auto tile_info = [&](int tile, int& b, int& h, int& q0, int& nT) {
    const int bh = tile % BH;
    q0 = (nQ - 1 - tile / BH) * kBM;
    b = bh / p.Nq;
    h = bh % p.Nq;
    nT = (p.Tk + kBN - 1) / kBN;
    if (CAUSAL) nT = min(nT, (min(q0 + kBM, p.Tq) - 1 + diag) / kBN + 1);
  };

  if (tid == 0) {
    mbar_init(qfull, 1);
    mbar_init(qempty, 4 * kConsumers);
    for (int s = 0; s < kStages; ++s) {
      mbar_init(kfull(s), 1);
      mbar_init(vfull(s), 1);
      mbar_init(empty(s), 4 * kConsumers);
    }
    asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
  }
  __syncthreads();

  if (wg == 0) {
    asm volatile("setmaxnreg.dec.sync.aligned.u32 24;\n" ::: "memory");
    if (tid == 0) {
      int it = 0, n = 0;
      for (int r = 0; r * G < n_tiles; ++r) {
        const int tile = tile_of(r);
        if (tile >= n_tiles) continue;
        int b, h, q0, nT;
        tile_info(tile, b, h, q0, nT);
        const int kvh = h / (p.Nq / p.Nkv);
        mbar_wait(qempty, (n & 1) ^ 1);
        mbar_expect_tx(qfull, kTileQ);
        tma_load(sQ, &tmQ, qfull, q0, h, b);
        ++n;
        for (int i = 0; i < nT; ++i, ++it) {
          const int s = it % kStages;
          mbar_wait(empty(s), ((it / kStages) & 1) ^ 1);
          const int k0 = (nT - 1 - i) * kBN;
          mbar_expect_tx(kfull(s), kTileK);
          tma_load(sK + s * kTileK, &tmK, kfull(s), k0, kvh, b);
          mbar_expect_tx(vfull(s), kTileK);
          tma_load(sV + s * kTileK, &tmV, vfull(s), k0, kvh, b);
        }
      }
    }
  } else {
    // 24 x 128 + regs x 128 NW <= 65536 registers of the block.
    asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;\n" ::"n"(NW == 3 ? 160 : 240) : "memory");
    const int cw = wg - 1;
    const int warp = (tid / 32) % 4, lane = tid % 32;
    const int g = lane / 4, t = lane % 4;
    const float sl2 = p.scale_log2;
    const uint64_t qdesc = make_desc(sQ + cw * 64 * 128, 16, 1024);
    auto kdesc = [&](int s) { return make_desc(sK + s * kTileK, 16, 1024); };
    auto vdesc = [&](int s) { return make_desc(sV + s * kTileK, 1024, 1024); };
    int it = 0, n = 0;
    for (int r = 0; r * G < n_tiles; ++r) {
      const int tile = tile_of(r);
      if (tile >= n_tiles) continue;
      int b, h, q0, nT;
      tile_info(tile, b, h, q0, nT);
      const uint32_t qph = n & 1;
      ++n;
      const int qw0 = q0 + cw * 64;  // this warpgroup's first row
      const int r0 = qw0 + warp * 16 + g;
      float o[32];
#pragma unroll
      for (int i = 0; i < 32; ++i) o[i] = 0.f;
      float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.f, 0.f}, corr[2];
      uint32_t pa[8][4];
      auto masked = [&](int k0) {
        return k0 + kBN > p.Tk || (CAUSAL && k0 + kBN - 1 > qw0 + diag);
      };
      mbar_wait(qfull, qph);
      {  // First key tile: S and its softmax.
        const int s = it % kStages;
        const int k0 = (nT - 1) * kBN;
        float sc[64];
        mbar_wait(kfull(s), (it / kStages) & 1);
        wg_fence();
#pragma unroll
        for (int kk = 0; kk < kD / 16; ++kk) wgmma_s<T>(sc, qdesc + 2 * kk, kdesc(s) + 2 * kk, kk);
        wg_commit();
        wg_wait<0>();
        reg_fence(sc);
        if (nT == 1 && lane == 0) mbar_arrive(qempty);
        softmax_tile<CAUSAL>(sc, m, l, corr, masked(k0), k0, r0, t, p.Tk, diag, sl2);
        to_p<T>(pa, sc);
      }
      for (int i = 1; i < nT; ++i) {  // S of tile i with P v of tile i - 1
        const int sp = it % kStages;
        const int s = (it + 1) % kStages;
        const int k0 = (nT - 1 - i) * kBN;
        float sc[64];
        mbar_wait(kfull(s), ((it + 1) / kStages) & 1);
        mbar_wait(vfull(sp), (it / kStages) & 1);
        wg_fence();
#pragma unroll
        for (int kk = 0; kk < kD / 16; ++kk) wgmma_s<T>(sc, qdesc + 2 * kk, kdesc(s) + 2 * kk, kk);
        wg_commit();
        reg_fence(o);
#pragma unroll
        for (int kk = 0; kk < kBN / 16; ++kk) wgmma_o<T>(o, pa[kk], vdesc(sp) + 128 * kk);
        wg_commit();
        wg_wait<1>();
        reg_fence(sc);
        if (i == nT - 1 && lane == 0) mbar_arrive(qempty);
        softmax_tile<CAUSAL>(sc, m, l, corr, masked(k0), k0, r0, t, p.Tk, diag, sl2);
        wg_wait<0>();
        reg_fence(o);
        if (lane == 0) mbar_arrive(empty(sp));
#pragma unroll
        for (int j = 0; j < 8; ++j) {
          o[j * 4 + 0] *= corr[0];
          o[j * 4 + 1] *= corr[0];
          o[j * 4 + 2] *= corr[1];
          o[j * 4 + 3] *= corr[1];
        }
        to_p<T>(pa, sc);
        ++it;
      }
      {  // P v of the last tile.
        const int sp = it % kStages;
        mbar_wait(vfull(sp), (it / kStages) & 1);
        reg_fence(o);
        wg_fence();
#pragma unroll
        for (int kk = 0; kk < kBN / 16; ++kk) wgmma_o<T>(o, pa[kk], vdesc(sp) + 128 * kk);
        wg_commit();
        wg_wait<0>();
        reg_fence(o);
        if (lane == 0) mbar_arrive(empty(sp));
        ++it;
      }
#pragma unroll
      for (int hf = 0; hf < 2; ++hf) {
        float sum = l[hf];
        sum += __shfl_xor_sync(0xffffffffu, sum, 1);
        sum += __shfl_xor_sync(0xffffffffu, sum, 2);
        const float inv = 1.f / sum;
        const int row = r0 + hf * 8;
        if (row < p.Tq) {
          T* dst = static_cast<T*>(p.out) + b * p.o_sb + h * p.o_sh + int64_t(row) * p.o_st + 2 * t;
#pragma unroll
          for (int j = 0; j < 8; ++j) {
            *reinterpret_cast<uint32_t*>(dst + 8 * j) =
                pack2<T>(o[j * 4 + hf * 2] * inv, o[j * 4 + hf * 2 + 1] * inv);
          }
          if (p.lse && t == 0) {
            p.lse[(int64_t(b) * p.Nq + h) * p.Tq + row] = m[hf] * p.scale + logf(sum);
          }
        }
      }
    }
  }
#endif  // __CUDA_ARCH_FEAT_SM90_ALL
}

// cuTensorMapEncodeTiled through the runtime (libember doesn't link libcuda).
using EncodeFn = decltype(&cuTensorMapEncodeTiled);

using Kernel = void (*)(CUtensorMap, CUtensorMap, CUtensorMap, Params);

Kernel kernel_for(bool half, bool causal, int nw) {
  if (nw == 3) {
    if (half) return causal ? attn_fwd_sm90<__half, true, 3> : attn_fwd_sm90<__half, false, 3>;
    return causal ? attn_fwd_sm90<__nv_bfloat16, true, 3> : attn_fwd_sm90<__nv_bfloat16, false, 3>;
  }
  if (half) return causal ? attn_fwd_sm90<__half, true, 2> : attn_fwd_sm90<__half, false, 2>;
  return causal ? attn_fwd_sm90<__nv_bfloat16, true, 2> : attn_fwd_sm90<__nv_bfloat16, false, 2>;
}

// Consumer warpgroups: 3 (192-row tiles) from 1536 queries on, else 2
// (128-row tiles, fewer padded rows; the block then has 240 registers per
// consumer thread). H200, causal bf16, TFLOP/s for 192 / 128 rows: T 256:
// 90 / 123, T 512: 175 / 188, T 1024: 243 / 269, T 2048: 357 / 341, T 8192:
// 466 / 403 (benchmarks/results/gpu_h200.md).
int pick_warpgroups(int Tq) { return Tq >= 1536 ? 3 : 2; }

struct DeviceInfo {
  bool hopper = false;
  EncodeFn encode = nullptr;
};

const DeviceInfo& device_info() {
  static DeviceInfo info;
  static std::once_flag once;
  std::call_once(once, [] {
    void* fn = driver_entry_point("cuTensorMapEncodeTiled");
    if (fn == nullptr) return;
    info.encode = reinterpret_cast<EncodeFn>(fn);
    info.hopper = compute_capability() == 90;
    for (int i = 0; info.hopper && i < 8; ++i) {
      if (cudaFuncSetAttribute(kernel_for(i & 1, i & 2, i & 4 ? 3 : 2),
                               cudaFuncAttributeMaxDynamicSharedMemorySize,
                               smem_bytes(i & 4 ? 3 : 2)) != cudaSuccess) {
        cudaGetLastError();
        info.hopper = false;
      }
    }
  });
  return info;
}

std::atomic<int64_t> g_launches{0};

bool layout_ok(const void* ptr, const int64_t (&s)[3]) {
  if ((reinterpret_cast<uintptr_t>(ptr) & 15) != 0) return false;
  for (int64_t x : s) {
    if (x <= 0 || x % 8 != 0 || x >= (int64_t(1) << 36)) return false;
  }
  return true;
}

// (feature, token, head, batch) map of a (B, H, T, 64) operand; boxes of
// 64 x rows, 128-byte swizzle (the wgmma operand layout).
bool make_map(CUtensorMap& m, const DeviceInfo& info, const void* ptr, bool half, int B, int H,
              int T, const int64_t (&s)[3], int rows) {
  cuuint64_t dims[4] = {cuuint64_t(kD), cuuint64_t(T), cuuint64_t(H), cuuint64_t(B)};
  cuuint64_t strides[3] = {cuuint64_t(s[2]) * 2, cuuint64_t(s[1]) * 2, cuuint64_t(s[0]) * 2};
  cuuint32_t box[4] = {cuuint32_t(kD), cuuint32_t(rows), 1, 1};
  cuuint32_t es[4] = {1, 1, 1, 1};
  return info.encode(&m, half ? CU_TENSOR_MAP_DATA_TYPE_FLOAT16 : CU_TENSOR_MAP_DATA_TYPE_BFLOAT16,
                     4, const_cast<void*>(ptr), dims, strides, box, es,
                     CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
                     CU_TENSOR_MAP_L2_PROMOTION_L2_128B,
                     CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) == CUDA_SUCCESS;
}

}  // namespace

bool supported(int D, int Dv, int Tq, int Tk, int Nq, int Nkv, float scale, bool causal) {
  if (D != kD || Dv != kD || Tq < 1 || Tk < 1 || Nkv < 1 || Nq % Nkv != 0 || !(scale > 0.f) ||
      !std::isfinite(scale) || (causal && Tq > Tk)) {
    return false;
  }
  return device_info().hopper;
}

bool forward(const Args& a, cudaStream_t stream) {
  if (!supported(a.D, a.Dv, a.Tq, a.Tk, a.Nq, a.Nkv, a.scale, a.causal)) return false;
  if (!layout_ok(a.q, a.q_s) || !layout_ok(a.k, a.k_s) || !layout_ok(a.v, a.v_s) ||
      (reinterpret_cast<uintptr_t>(a.out) & 3) != 0 || a.o_s[2] % 2 != 0) {
    return false;
  }
  const int nw = pick_warpgroups(a.Tq), rows = 64 * nw;
  const int64_t n_tiles = int64_t(a.B) * a.Nq * ((a.Tq + rows - 1) / rows);
  if (n_tiles > INT32_MAX / 2) return false;
  const DeviceInfo& info = device_info();
  CUtensorMap mq, mk, mv;
  if (!make_map(mq, info, a.q, a.half, a.B, a.Nq, a.Tq, a.q_s, rows) ||
      !make_map(mk, info, a.k, a.half, a.B, a.Nkv, a.Tk, a.k_s, kBN) ||
      !make_map(mv, info, a.v, a.half, a.B, a.Nkv, a.Tk, a.v_s, kBN)) {
    return false;
  }
  Params p{a.out, a.lse, a.o_s[0], a.o_s[1], a.o_s[2], a.B, a.Nq, a.Nkv, a.Tq, a.Tk,
           a.scale, float(double(a.scale) * 1.4426950408889634)};
  const int grid = int(std::min<int64_t>(n_tiles, sm_count()));
  kernel_for(a.half, a.causal, nw)<<<grid, 128 * (nw + 1), smem_bytes(nw), stream>>>(mq, mk, mv, p);
  check_launch("scaled_dot_product_attention");
  g_launches.fetch_add(1, std::memory_order_relaxed);
  return true;
}

int64_t launch_count() { return g_launches.load(std::memory_order_relaxed); }
bool device_supported() { return device_info().hopper; }

}  // namespace ember::cuda::sdpa_hopper
