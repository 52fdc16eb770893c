// Flash attention forward, version 2 (the default; EMBER_SDPA_KERNEL=v1 picks
// the first version in sdpa.cu). float16 / bfloat16, head dim 64 or 128,
// float32 accumulation, results as the CPU computes them (q scaled and
// rounded to the dtype, masked scores at the dtype's lowest finite value).
//
// Block: 8 warps, 128 query rows of one (batch, head), 16 rows per warp.
// Keys and values stream in tiles of 64 rows through shared memory:
// K and V each have two buffers filled by cp.async (16-byte chunks, XOR
// swizzle: ldmatrix reads are bank-conflict free), one barrier per tile.
//
// Software pipeline per warp: while the softmax of tile n runs (max, exp2 on
// the special-function unit, sums, rescale), the tensor cores already compute
// the scores of tile n + 1, so the MMA and MUFU pipes overlap inside the warp.
// Iteration n holds S(n) in registers, reads K(n+1) and V(n), and meanwhile
// loads K(n+2) and V(n+1) into the buffers that K(n) and V(n-1) left.
//
// Softmax in base 2: p = 2^(s * log2e - m * log2e), one FFMA and one MUFU.EX2
// per score. Row maxima of magnitude > 1024 (fully masked rows at the dtype's
// lowest value, huge additive masks) would overflow m * log2e or lose
// precision; a warp with such a row takes the exact form 2^((s - m) * log2e)
// for it (a rare branch), so every edge case matches the CPU.
//
// Causal: tiles above the diagonal are never loaded; masks are applied only
// on tiles that cross the diagonal (per warp) or the end of the keys; blocks
// are launched heaviest first.
#pragma once

#include <algorithm>
#include <optional>

#include "ember/backend/cuda/cuda.h"
#include "ember/backend/cuda/fast/sdpa_common.cuh"

namespace ember {
namespace {
namespace flash2 {

constexpr int kWarps = 8;
constexpr int kThreads = kWarps * 32;
constexpr int kBM = kWarps * 16;  // query rows per block
constexpr int kBN = 64;           // keys per tile
constexpr float kLog2e = 1.4426950408889634f;
constexpr float kExactAbove = 1024.0f;

template <typename T, int D>
constexpr size_t smem_bytes() {
  return size_t(kBM + 4 * kBN) * D * sizeof(T);  // Q, 2 K and 2 V buffers
}

// cp.async of rows [row0, row0 + ROWS) of a (total x D) matrix with row
// stride `st` into a swizzled tile; rows past `total` are zero-filled. Thread
// `tid` copies chunk tid % CH of rows tid / CH + i * RS.
template <typename T, int D, int ROWS>
__device__ __forceinline__ void load_rows(T* dst, const T* src, int64_t st, int row0,
                                          int total, int tid) {
  constexpr int CH = D / 8;
  constexpr int RS = kThreads / CH;
  static_assert(ROWS % RS == 0 && RS % 8 == 0, "tile shape");
  const int r0 = tid / CH, c = tid % CH;
  T* d = dst + r0 * D + ((c ^ (r0 & 7)) << 3);
  const T* s = src + (int64_t(row0 + r0) * st + c * 8);
  const int64_t step = int64_t(RS) * st;
#pragma unroll
  for (int i = 0; i < ROWS / RS; ++i) {
    const bool ok = row0 + r0 + i * RS < total;
    cp_async16(d + i * RS * D, ok ? s + i * step : src, ok);
  }
}

template <typename T, int D, int MASK>
__global__ void __launch_bounds__(kThreads, 1) sdpa_flash2(const AttnParams p) {
  constexpr int KD = D / 16;    // k-steps of S = Q K^T over the head dim
  constexpr int KN = kBN / 8;   // n-tiles of S (8 keys each)
  constexpr int DN = D / 8;     // n-tiles of O (8 features each)
  constexpr int KS = kBN / 16;  // k-steps of O += P V over the keys
  constexpr uint32_t kTileBytes = kBN * D * sizeof(T);
  constexpr uint32_t kRows16 = 16 * D * sizeof(T);  // bytes of 16 tile rows
  extern __shared__ __align__(128) unsigned char smem_raw[];
  T* Qs = reinterpret_cast<T*>(smem_raw);
  T* Ks = Qs + kBM * D;
  T* Vs = Ks + 2 * kBN * D;
  const uint32_t ks_base = smem_addr(Ks), vs_base = smem_addr(Vs);

  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const int g = lane >> 2, t4 = lane & 3, lr = lane & 7, li = lane >> 3;
  const int b = blockIdx.x / p.Nq, h = blockIdx.x % p.Nq;
  const int kvh = h / (p.Nq / p.Nkv);
  const int q0 = (gridDim.y - 1 - blockIdx.y) * kBM;  // heaviest (causal) first
  const int wrow = warp * 16;
  const T* qg = static_cast<const T*>(p.q) + b * p.q_sb + h * p.q_sh;
  const T* kg = static_cast<const T*>(p.k) + b * p.k_sb + kvh * p.k_sh;
  const T* vg = static_cast<const T*>(p.v) + b * p.v_sb + kvh * p.v_sh;

  // Keys of this block: all of them, or split z of them.
  const int k_begin = int(blockIdx.z) * p.kv_split;
  const int k_end = p.kv_split > 0 ? min(p.Tk, k_begin + p.kv_split) : p.Tk;
  int n_tiles = (k_end - k_begin + kBN - 1) / kBN;
  const int diag = p.Tk - p.Tq;  // key j is visible to row i iff j <= i + diag
  if (MASK == kCausal && q0 + diag >= 0) {
    // Stop after the last key the block's last row sees. (Blocks with rows
    // that see no key average all of v there, as the CPU does: all tiles.)
    const int last = min(q0 + kBM, p.Tq) - 1 + diag;
    n_tiles = last < k_begin ? 0 : min(n_tiles, (last - k_begin) / kBN + 1);
  }

  // Array mask: element offset of (b, h, row q0, key 0), kept in shared
  // memory (read per masked tile) to spare registers.
  __shared__ int64_t mask_base_s;
  if (MASK == kArrayMask && tid == 0) {
    mask_base_s = b * p.m_sb + h * p.m_sh + int64_t(q0) * p.m_st;
  }

  // Prologue: group {Q, K0}, then group {V0, K1}.
  load_rows<T, D, kBM>(Qs, qg, p.q_st, q0, p.Tq, tid);
  if (n_tiles > 0) load_rows<T, D, kBN>(Ks, kg, p.k_st, k_begin, p.Tk, tid);
  cp_async_commit();
  if (n_tiles > 0) load_rows<T, D, kBN>(Vs, vg, p.v_st, k_begin, p.Tk, tid);
  if (n_tiles > 1) {
    load_rows<T, D, kBN>(Ks + kBN * D, kg, p.k_st, k_begin + kBN, p.Tk, tid);
  }
  cp_async_commit();
  cp_async_wait<1>();
  __syncthreads();

  // Q fragments (A operand), scaled and rounded to T as the CPU scales q.
  uint32_t qf[KD][4];
#pragma unroll
  for (int kk = 0; kk < KD; ++kk) {
    ldmatrix_x4(qf[kk], Qs + swz<D>(wrow + (li & 1) * 8 + lr, kk * 2 + (li >> 1)));
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      float2 f = unpack2<T>(qf[kk][e]);
      qf[kk][e] = pack2<T>(f.x * p.scale, f.y * p.scale);
    }
  }

  // Per-lane byte offsets of the ldmatrix rows inside a K / V tile. Lane
  // group li = lane / 8 addresses matrix li; its rows are 8-aligned, so the
  // swizzle of chunk 8a + 2c + bit is 8a + ((2c + bit) ^ lr).
  // K (B of S, keys x head dim): matrix li = rows +8 * (li >> 1), chunk bit li & 1.
  // V (B of O via .trans, keys x head dim): rows +8 * (li & 1), chunk bit li >> 1.
  uint32_t k_off[4], v_off[4];
#pragma unroll
  for (int c = 0; c < 4; ++c) {
    k_off[c] = ((li >> 1) * 8 + lr) * D * sizeof(T) + (((2 * c + (li & 1)) ^ lr) << 4);
    v_off[c] = ((li & 1) * 8 + lr) * D * sizeof(T) + (((2 * c + (li >> 1)) ^ lr) << 4);
  }

  const float low = float(p.low);

  // S = (scale q) k^T for the tile in buffer `kbuf`, head-dim steps
  // [kk0, kk1) (the accumulators start at 0 with kk0 = 0).
  auto qk = [&](float (&acc)[KN][4], uint32_t kbuf, int kk0, int kk1) {
    if (kk0 == 0) {
#pragma unroll
      for (int j = 0; j < KN; ++j)
#pragma unroll
        for (int e = 0; e < 4; ++e) acc[j][e] = 0.0f;
    }
#pragma unroll
    for (int kk = kk0; kk < kk1; ++kk) {
#pragma unroll
      for (int np = 0; np < KN / 2; ++np) {
        uint32_t kf[4];
        ldsm_x4(kf, kbuf + np * kRows16 + (kk >> 2) * 128 + k_off[kk & 3]);
        mma16816<T>(acc[2 * np], qf[kk], kf[0], kf[1]);
        mma16816<T>(acc[2 * np + 1], qf[kk], kf[2], kf[3]);
      }
    }
  };
  // Keys past Tk are not keys (-inf); masked keys get `low` (or + additive).
  auto mask_tile = [&](float (&x)[KN][4], int k0) {
    const bool tail = k0 + kBN > p.Tk;
    const bool diag_tile = MASK == kCausal && k0 + kBN - 1 > q0 + wrow + diag;
    if (tail || diag_tile || MASK == kArrayMask) {
      const int64_t mask_base = MASK == kArrayMask ? mask_base_s : 0;
#pragma unroll
      for (int j = 0; j < KN; ++j) {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const int row = q0 + wrow + g + (e >> 1) * 8;
          const int key = k0 + j * 8 + 2 * t4 + (e & 1);
          float v = x[j][e];
          if (key >= p.Tk) {
            v = -INFINITY;
          } else if (MASK == kCausal) {
            if (key > row + diag) v = low;
          } else if (MASK == kArrayMask) {
            if (row < p.Tq) {
              const int64_t loc =
                  mask_base + int64_t(wrow + g + (e >> 1) * 8) * p.m_st + key * p.m_sk;
              if (p.mask_bool) {
                if (!static_cast<const bool*>(p.mask)[loc]) v = low;
              } else {
                v += cast_to<float>(static_cast<const T*>(p.mask)[loc]);
              }
            }
          }
          x[j][e] = v;
        }
      }
    }
  };

  float o[DN][4];
#pragma unroll
  for (int n = 0; n < DN; ++n)
#pragma unroll
    for (int e = 0; e < 4; ++e) o[n][e] = 0.0f;
  // Rows g (hf = 0) and g + 8 (hf = 1) of the warp's 16; a quad of lanes
  // shares a row, each lane keeps a partial sum.
  // The sink belongs to split 0.
  float m_i[2], l_i[2];
  const bool has_sink = p.sinks != nullptr && blockIdx.z == 0;
  const float sink =
      has_sink ? cast_to<float>(static_cast<const T*>(p.sinks)[h]) : -INFINITY;
#pragma unroll
  for (int hf = 0; hf < 2; ++hf) {
    m_i[hf] = sink;
    // The sink's exp(sink - m) = 1 is counted once per row (lane t4 == 0).
    l_i[hf] = (has_sink && t4 == 0) ? 1.0f : 0.0f;
  }

  float s[KN][4];  // scores of the current tile
  if (n_tiles > 0) {
    qk(s, ks_base, 0, KD);
    mask_tile(s, k_begin);
  }

  // One tile: softmax of s (tile n) and O += P V(n); with NEXT, also the
  // scores of tile n + 1 from K in `kbuf`, left in s.
  auto step = [&](auto next_tag, uint32_t kbuf, uint32_t vbuf, int k0_next) {
    constexpr bool NEXT = decltype(next_tag)::value;
    // First half of the next scores: overlaps the row maxima (shuffles).
    float sn[KN][4];
    if constexpr (NEXT) qk(sn, kbuf, 0, KD / 2);

    float corr[2], ms[2], mu[2];
    bool exact[2];
#pragma unroll
    for (int hf = 0; hf < 2; ++hf) {
      float t[KN];
#pragma unroll
      for (int j = 0; j < KN; ++j) t[j] = fmaxf(s[j][2 * hf], s[j][2 * hf + 1]);
#pragma unroll
      for (int w = KN / 2; w > 0; w /= 2)
#pragma unroll
        for (int j = 0; j < w; ++j) t[j] = fmaxf(t[j], t[j + w]);
      float mx = t[0];
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      const float m_new = fmaxf(m_i[hf], mx);
      // All scores so far -inf: use 0 so that exp gives 0, not NaN.
      mu[hf] = m_new == -INFINITY ? 0.0f : m_new;
      corr[hf] = ex2_approx((m_i[hf] - mu[hf]) * kLog2e);
      m_i[hf] = m_new;
      exact[hf] = !(fabsf(mu[hf]) <= kExactAbove);  // NaN too
      ms[hf] = exact[hf] ? 0.0f : mu[hf] * kLog2e;
    }
    if (__any_sync(0xffffffffu, exact[0] || exact[1])) {
#pragma unroll
      for (int hf = 0; hf < 2; ++hf) {
        if (exact[hf]) {
#pragma unroll
          for (int j = 0; j < KN; ++j) {
            s[j][2 * hf] -= mu[hf];
            s[j][2 * hf + 1] -= mu[hf];
          }
        }
      }
    }

    // Second half: overlaps the exponentials and O += P V.
    if constexpr (NEXT) qk(sn, kbuf, KD / 2, KD);
#pragma unroll
    for (int n = 0; n < DN; ++n) {
      o[n][0] *= corr[0];
      o[n][1] *= corr[0];
      o[n][2] *= corr[1];
      o[n][3] *= corr[1];
    }
    float rs[2][2] = {{0.0f, 0.0f}, {0.0f, 0.0f}};
#pragma unroll
    for (int ks = 0; ks < KS; ++ks) {
#pragma unroll
      for (int jj = 0; jj < 2; ++jj) {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          float pe = ex2_approx(fmaf(s[2 * ks + jj][e], kLog2e, -ms[e >> 1]));
          s[2 * ks + jj][e] = pe;
          rs[e >> 1][jj] += pe;
        }
      }
      // P (A operand) straight from the S accumulators of keys 16ks..16ks+15.
      uint32_t pf[4];
      pf[0] = pack2<T>(s[2 * ks][0], s[2 * ks][1]);
      pf[1] = pack2<T>(s[2 * ks][2], s[2 * ks][3]);
      pf[2] = pack2<T>(s[2 * ks + 1][0], s[2 * ks + 1][1]);
      pf[3] = pack2<T>(s[2 * ks + 1][2], s[2 * ks + 1][3]);
#pragma unroll
      for (int dp = 0; dp < DN / 2; ++dp) {
        uint32_t vf[4];
        ldsm_x4_trans(vf, vbuf + ks * kRows16 + (dp >> 2) * 128 + v_off[dp & 3]);
        mma16816<T>(o[2 * dp], pf, vf[0], vf[1]);
        mma16816<T>(o[2 * dp + 1], pf, vf[2], vf[3]);
      }
    }
#pragma unroll
    for (int hf = 0; hf < 2; ++hf) {
      l_i[hf] = l_i[hf] * corr[hf] + (rs[hf][0] + rs[hf][1]);
    }

    if constexpr (NEXT) {
      mask_tile(sn, k0_next);
#pragma unroll
      for (int j = 0; j < KN; ++j)
#pragma unroll
        for (int e = 0; e < 4; ++e) s[j][e] = sn[j][e];
    }
  };

  for (int n = 0; n < n_tiles; ++n) {
    // K(n+1) and V(n) have landed; every warp is done with K(n) and V(n-1).
    cp_async_wait_all();
    __syncthreads();
    const int k0 = k_begin + n * kBN;
    if (n + 2 < n_tiles) {
      load_rows<T, D, kBN>(Ks + (n & 1) * kBN * D, kg, p.k_st, k0 + 2 * kBN, p.Tk, tid);
    }
    if (n + 1 < n_tiles) {
      load_rows<T, D, kBN>(Vs + ((n + 1) & 1) * kBN * D, vg, p.v_st, k0 + kBN, p.Tk, tid);
    }
    cp_async_commit();
    const uint32_t kbuf = ks_base + ((n + 1) & 1) * kTileBytes;
    const uint32_t vbuf = vs_base + (n & 1) * kTileBytes;
    if (n + 1 < n_tiles) {
      step(std::true_type{}, kbuf, vbuf, k0 + kBN);
    } else {
      step(std::false_type{}, kbuf, vbuf, 0);
    }
  }

  if (p.part_o != nullptr) {
    // Split keys: unnormalised rows with their max and sum (combined by
    // sdpa_split_combine).
#pragma unroll
    for (int hf = 0; hf < 2; ++hf) {
      float l = l_i[hf];
      l += __shfl_xor_sync(0xffffffffu, l, 1);
      l += __shfl_xor_sync(0xffffffffu, l, 2);
      const int row = q0 + wrow + g + hf * 8;
      if (row < p.Tq) {
        const int64_t r = (int64_t(blockIdx.z) * gridDim.x + blockIdx.x) * p.Tq + row;
        float* po = p.part_o + r * D;
#pragma unroll
        for (int dn = 0; dn < DN; ++dn) {
          *reinterpret_cast<float2*>(po + dn * 8 + 2 * t4) =
              make_float2(o[dn][hf * 2], o[dn][hf * 2 + 1]);
        }
        if (t4 == 0) p.part_ml[r] = make_float2(m_i[hf], l);
      }
    }
    return;
  }

  // Normalise, stage the warp's rows in shared memory (its own rows of Qs,
  // which only this warp read), then store whole rows.
#pragma unroll
  for (int hf = 0; hf < 2; ++hf) {
    float l = l_i[hf];
    l += __shfl_xor_sync(0xffffffffu, l, 1);
    l += __shfl_xor_sync(0xffffffffu, l, 2);
    float inv = l > 0.0f ? 1.0f / l : 0.0f;
    // Every score -inf (additive mask): the CPU's exp(-inf + inf) is NaN.
    if (m_i[hf] == -INFINITY && p.Tk > 0) inv = NAN;
    const int row = wrow + g + hf * 8;
#pragma unroll
    for (int dn = 0; dn < DN; ++dn) {
      const int col = dn * 8 + 2 * t4;
      uint32_t v = pack2<T>(o[dn][hf * 2] * inv, o[dn][hf * 2 + 1] * inv);
      *reinterpret_cast<uint32_t*>(Qs + swz<D>(row, col >> 3) + (col & 7)) = v;
    }
  }
  __syncthreads();
  constexpr int CH = D / 8;
  T* og = static_cast<T*>(p.out) + int64_t(blockIdx.x / p.Nq) * p.o_sb +
          int64_t(blockIdx.x % p.Nq) * p.o_sh;  // (b, h)
  // Rows left in this block (re-derived here: nothing stays live across
  // the main loop for it).
  const int rows_left = p.Tq - int(gridDim.y - 1 - blockIdx.y) * kBM;
  og += int64_t(p.Tq - rows_left) * p.o_st;
#pragma unroll
  for (int i = 0; i < kBM * CH / kThreads; ++i) {
    const int id = threadIdx.x + i * kThreads;
    const int r = id / CH, c = id % CH;
    if (r < rows_left) {
      *reinterpret_cast<uint4*>(og + r * p.o_st + c * 8) =
          *reinterpret_cast<const uint4*>(Qs + swz<D>(r, c));
    }
  }
}

// Merges the key splits of each output row: M = max m_z, L = sum l_z
// e^(m_z - M), O = sum O_z e^(m_z - M) / L (the CPU's NaN / zero rules as in
// the kernel). One warp per row, lanes over the head dim.
template <typename T, int D>
__global__ void sdpa_split_combine(const AttnParams p, int splits) {
  constexpr int PER = D / 32;
  const int64_t rows = int64_t(p.B) * p.Nq * p.Tq;
  const int64_t r = int64_t(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32;
  if (r >= rows) return;
  const int lane = threadIdx.x & 31;
  float M = -INFINITY;
  for (int z = 0; z < splits; ++z) M = fmaxf(M, p.part_ml[z * rows + r].x);
  float L = 0.0f, acc[PER];
#pragma unroll
  for (int i = 0; i < PER; ++i) acc[i] = 0.0f;
  for (int z = 0; z < splits; ++z) {
    const float2 ml = p.part_ml[z * rows + r];
    const float w = ml.x == -INFINITY ? 0.0f : expf(ml.x - M);
    L += w * ml.y;
    const float* po = p.part_o + (z * rows + r) * D;
#pragma unroll
    for (int i = 0; i < PER; ++i) acc[i] += w * po[lane + 32 * i];
  }
  float inv = L > 0.0f ? 1.0f / L : 0.0f;
  if (M == -INFINITY && p.Tk > 0) inv = NAN;
  const int64_t bh = r / p.Tq;
  T* orow = static_cast<T*>(p.out) + (bh / p.Nq) * p.o_sb + (bh % p.Nq) * p.o_sh +
            (r - bh * p.Tq) * p.o_st;
#pragma unroll
  for (int i = 0; i < PER; ++i) orow[lane + 32 * i] = cast_to<T>(acc[i] * inv);
}

}  // namespace flash2

template <typename T, int D, int MASK>
void launch_flash2_mask(const AttnParams& p, cudaStream_t stream) {
  constexpr size_t smem = flash2::smem_bytes<T, D>();
  auto kernel = flash2::sdpa_flash2<T, D, MASK>;
  static const bool attr_set = [&] {
    EMBER_CUDA_CHECK(cudaFuncSetAttribute(
        kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)));
    return true;
  }();
  (void)attr_set;
  const int splits = p.kv_split > 0 ? (p.Tk + p.kv_split - 1) / p.kv_split : 1;
  dim3 grid(unsigned(p.B * p.Nq), unsigned((p.Tq + flash2::kBM - 1) / flash2::kBM),
            unsigned(splits));
  kernel<<<grid, flash2::kThreads, smem, stream>>>(p);
}

// Keys per split for shapes with fewer query blocks than multiprocessors
// (decoding, short prompts over a long cache): enough splits to fill the
// GPU once, each at least 4 tiles. 0: no split.
inline int flash2_kv_split(const AttnParams& p, int sm) {
  const int64_t blocks = int64_t(p.B) * p.Nq * ((p.Tq + flash2::kBM - 1) / flash2::kBM);
  if (blocks >= sm || p.Tk < 8 * flash2::kBN) return 0;
  const int64_t splits = std::min<int64_t>(sm / blocks, p.Tk / (4 * flash2::kBN));
  if (splits < 2) return 0;
  const int64_t per = (p.Tk + splits - 1) / splits;
  return int((per + flash2::kBN - 1) / flash2::kBN * flash2::kBN);
}

// `p.kv_split` chosen by the caller (flash2_kv_split, or 0); the partials
// live in scratch memory released in stream order.
template <typename T, int D>
void launch_flash2(AttnParams p, const Stream& s, cudaStream_t stream) {
  std::optional<cuda::Scratch> part;
  int splits = 1;
  if (p.kv_split > 0) {
    splits = (p.Tk + p.kv_split - 1) / p.kv_split;
    const int64_t rows = int64_t(p.B) * p.Nq * p.Tq;
    const size_t n_o = size_t(splits) * rows * D;
    part.emplace((n_o + size_t(splits) * rows * 2) * sizeof(float), s);
    p.part_o = static_cast<float*>(part->get());
    p.part_ml = reinterpret_cast<float2*>(p.part_o + n_o);
  }
  switch (p.mask_mode) {
    case kNoMask: launch_flash2_mask<T, D, kNoMask>(p, stream); break;
    case kCausal: launch_flash2_mask<T, D, kCausal>(p, stream); break;
    default: launch_flash2_mask<T, D, kArrayMask>(p, stream); break;
  }
  if (p.kv_split > 0) {
    cuda::check_launch("scaled_dot_product_attention");
    const int64_t rows = int64_t(p.B) * p.Nq * p.Tq;
    constexpr int kRowsPerBlock = 8;
    flash2::sdpa_split_combine<T, D>
        <<<unsigned((rows + kRowsPerBlock - 1) / kRowsPerBlock), kRowsPerBlock * 32, 0,
           stream>>>(p, splits);
  }
}

}  // namespace
}  // namespace ember
