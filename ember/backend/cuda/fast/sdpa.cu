// Scaled dot product attention forward: softmax(scale * q @ k^T + mask) @ v
// with grouped-query heads, causal / boolean / additive masks and optional
// attention sinks, matching the CPU kernel (masked scores take the dtype's
// lowest finite value, not -inf, so fully masked rows average v).
//
// Flash kernels (float16/bfloat16, head dim 64 or 128), tensor cores
// (mma.sync m16n8k16, float32 accumulation). Traffic: q and out once, k and
// v once per 128-row query block; compute 4 * Tq * Tk * D flops (half that
// when causal). Version 1 below is the default (measured faster on an H200);
// version 2 (sdpa_flash2.cuh, EMBER_SDPA_KERNEL=v2) is kept for comparison
// and for its split-key decode path.
//
// Version 1: one block owns 128 query rows of one (batch, head); each warp
// owns 16 or 32 of them. Key / value tiles of 64 rows stream through
// double-buffered shared memory (cp.async, XOR-swizzled 16-byte chunks so
// ldmatrix is conflict-free). The online softmax (running max / sum per row)
// stays in registers, P is re-packed from the S accumulators into A
// fragments without touching shared memory. Causal blocks stop at the
// diagonal and are launched heaviest first.
//
// Generic kernel (any dtype, any head dims, float32 / float64 compute): one
// warp per query row, 32 keys at a time (one per lane), online softmax,
// lane-strided accumulation of v rows in shared memory.
//
// cuDNN (sdpa_cudnn.cpp): float16/bfloat16 with at least 64 queries and no
// sinks or boolean masks go to cuDNN's fused flash attention first when it
// loads and supports the configuration (else the kernels below), and always
// when the forward must give the row logsumexp for the fused backward
// (ScaledDotProductAttentionVJP, cuDNN only).
//
// Output layout: when q is a (B, H, T, D) view of (B, T, H, D) memory (the
// usual reshape(B, T, H, D).transpose(0, 2, 1, 3) of a projection), every
// path writes the output in (B, T, H, D) order (strides (T H D, D, H D, 1))
// so that the caller's transpose back + reshape to (B, T, H D) is free; the
// fused backward writes dq, dk, dv in that order for q, k, v given so.
// Otherwise outputs are row-contiguous. (cuDNN takes the output strides in
// its graph; if it rejects them, a row-contiguous result is copied over.)
//
// Hopper kernel (sdpa_hopper.cu, compute capability 9.0 only): wgmma/TMA,
// float16/bfloat16, head dim 64, unmasked or causal, at least 64 queries.
// Tried before cuDNN for causal attention (faster there), after it for
// unmasked attention.
//
// EMBER_SDPA_KERNEL (read at each call): unset = the Hopper kernel for
// causal attention, cuDNN, then the Hopper kernel for unmasked attention,
// then flash version 1; "cudnn" = cuDNN first, then as unset; "hopper" =
// the Hopper kernel first (unmasked and causal), then flash version 1;
// "v1" = flash version 1 (the fastest hand-written one on
// the H200), "generic" = the generic kernel for every dtype / head dim,
// "v2" = version 2 (keys split over blocks when there are fewer query blocks
// than multiprocessors, e.g. decoding), "v2-nosplit" = version 2 without key
// splits. Any value other than unset/"cudnn" also turns off the fused
// backward (the vjp then differentiates the composed fallback).
#include <cuda_runtime.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>

#include "ember/backend/common/utils.h"
#include "ember/backend/cuda/copy.h"
#include "ember/backend/cuda/cuda.h"
#include "ember/backend/cuda/device/dtypes.cuh"
#include "ember/backend/cuda/fast/sdpa_common.cuh"
#include "ember/backend/cuda/fast/sdpa_cudnn.h"
#include "ember/backend/cuda/fast/sdpa_flash2.cuh"
#include "ember/backend/cuda/fast/sdpa_hopper.h"
#include "ember/primitives/fast.h"

namespace ember {

namespace {

// ---------------------------------------------------------------------------
// Flash kernel, version 1 (EMBER_SDPA_KERNEL=v1).

constexpr int kBN = 64;  // keys per tile

template <typename T, int D, int NW, int MT>
constexpr size_t flash_smem_bytes() {
  return size_t(NW * MT * 16 + 4 * kBN) * D * sizeof(T);
}

template <typename T, int D, int NW, int MT, int MASK>
__global__ void __launch_bounds__(NW * 32)
    sdpa_flash(const AttnParams p) {
  constexpr int BM = NW * MT * 16;
  constexpr int CH = D / 8;        // 16-byte chunks per row
  constexpr int NT = NW * 32;      // threads
  constexpr int KN = kBN / 8;      // n-tiles of S
  constexpr int KD = D / 16;       // k-steps over the head dim
  constexpr int DN = D / 8;        // n-tiles of O
  constexpr float kLog2e = 1.4426950408889634f;
  extern __shared__ __align__(128) unsigned char smem_raw[];
  T* Qs = reinterpret_cast<T*>(smem_raw);
  T* Ks = Qs + BM * D;
  T* Vs = Ks + 2 * kBN * D;

  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const int g = lane >> 2, t4 = lane & 3;
  const int bh = blockIdx.x;
  const int b = bh / p.Nq, h = bh % p.Nq;
  const int kvh = h / (p.Nq / p.Nkv);
  const int q0 = (gridDim.y - 1 - blockIdx.y) * BM;  // heaviest (causal) first
  const T* qg = static_cast<const T*>(p.q) + b * p.q_sb + h * p.q_sh;
  const T* kg = static_cast<const T*>(p.k) + b * p.k_sb + kvh * p.k_sh;
  const T* vg = static_cast<const T*>(p.v) + b * p.v_sb + kvh * p.v_sh;

  auto load_tile = [&](T* dst, const T* src, int64_t st, int row0, int total,
                       int rows) {
    for (int id = tid; id < rows * CH; id += NT) {
      int r = id / CH, c = id % CH;
      bool ok = row0 + r < total;
      const T* s = ok ? src + int64_t(row0 + r) * st + c * 8 : src;
      cp_async16(dst + swz<D>(r, c), s, ok);
    }
  };

  // Key tiles this block needs.
  int n_tiles = (p.Tk + kBN - 1) / kBN;
  const int diag = p.Tk - p.Tq;  // key j is visible to row i iff j <= i + diag
  if (MASK == kCausal && q0 + diag >= 0) {
    // Every row of the block sees at least one key; stop after the last
    // key the last row sees. (Rows that see none average all of v, as the
    // CPU does, so such blocks walk every tile.)
    int last = min(q0 + BM, p.Tq) - 1 + diag;
    n_tiles = min(n_tiles, last / kBN + 1);
  }

  load_tile(Qs, qg, p.q_st, q0, p.Tq, BM);
  if (n_tiles > 0) {
    load_tile(Ks, kg, p.k_st, 0, p.Tk, kBN);
    load_tile(Vs, vg, p.v_st, 0, p.Tk, kBN);
  }
  cp_async_commit();
  cp_async_wait_all();
  __syncthreads();

  // Q fragments, scaled and rounded to T (as the CPU scales q).
  const int wrow = warp * MT * 16;
  uint32_t qf[MT][KD][4];
#pragma unroll
  for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
    for (int kk = 0; kk < KD; ++kk) {
      int id = lane >> 3;
      int row = wrow + mt * 16 + (id & 1) * 8 + (lane & 7);
      ldmatrix_x4(qf[mt][kk], Qs + swz<D>(row, kk * 2 + (id >> 1)));
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        float2 f = unpack2<T>(qf[mt][kk][e]);
        qf[mt][kk][e] = pack2<T>(f.x * p.scale, f.y * p.scale);
      }
    }
  }

  float o[MT][DN][4];
#pragma unroll
  for (int mt = 0; mt < MT; ++mt)
#pragma unroll
    for (int n = 0; n < DN; ++n)
#pragma unroll
      for (int e = 0; e < 4; ++e) o[mt][n][e] = 0.0f;
  float m_i[MT][2], l_i[MT][2];
  float sink = -INFINITY;
  if (p.sinks) sink = cast_to<float>(static_cast<const T*>(p.sinks)[h]);
#pragma unroll
  for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
    for (int hf = 0; hf < 2; ++hf) {
      m_i[mt][hf] = sink;
      // The sink's exp(sink - m) = 1 is counted once per row (lane t4 == 0).
      l_i[mt][hf] = (p.sinks && t4 == 0) ? 1.0f : 0.0f;
    }
  }
  const float low = float(p.low);

  for (int n = 0; n < n_tiles; ++n) {
    const int buf = n & 1;
    const int k0 = n * kBN;
    if (n + 1 < n_tiles) {
      load_tile(Ks + (buf ^ 1) * kBN * D, kg, p.k_st, k0 + kBN, p.Tk, kBN);
      load_tile(Vs + (buf ^ 1) * kBN * D, vg, p.v_st, k0 + kBN, p.Tk, kBN);
    }
    cp_async_commit();
    const T* Kb = Ks + buf * kBN * D;
    const T* Vb = Vs + buf * kBN * D;

    // S = (scale q) k^T.
    float s[MT][KN][4];
#pragma unroll
    for (int mt = 0; mt < MT; ++mt)
#pragma unroll
      for (int j = 0; j < KN; ++j)
#pragma unroll
        for (int e = 0; e < 4; ++e) s[mt][j][e] = 0.0f;
#pragma unroll
    for (int kk = 0; kk < KD; ++kk) {
#pragma unroll
      for (int np = 0; np < KN / 2; ++np) {
        uint32_t kf[4];
        int id = lane >> 3;
        int row = np * 16 + (id >> 1) * 8 + (lane & 7);
        ldmatrix_x4(kf, Kb + swz<D>(row, kk * 2 + (id & 1)));
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
          mma16816<T>(s[mt][2 * np], qf[mt][kk], kf[0], kf[1]);
          mma16816<T>(s[mt][2 * np + 1], qf[mt][kk], kf[2], kf[3]);
        }
      }
    }

    // Masks: keys past Tk are not keys (-inf); masked keys get `low`.
    const bool tail = k0 + kBN > p.Tk;
    const bool causal_tile = MASK == kCausal && k0 + kBN - 1 > q0 + diag;
    if (tail || causal_tile || MASK == kArrayMask) {
#pragma unroll
      for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
        for (int j = 0; j < KN; ++j) {
#pragma unroll
          for (int e = 0; e < 4; ++e) {
            int row = q0 + wrow + mt * 16 + g + (e >> 1) * 8;
            int key = k0 + j * 8 + 2 * t4 + (e & 1);
            float v = s[mt][j][e];
            if (key >= p.Tk) {
              v = -INFINITY;
            } else if (MASK == kCausal) {
              if (key > row + diag) v = low;
            } else if (MASK == kArrayMask) {
              if (row < p.Tq) {
                int64_t loc = b * p.m_sb + h * p.m_sh + row * p.m_st + key * p.m_sk;
                if (p.mask_bool) {
                  if (!static_cast<const bool*>(p.mask)[loc]) v = low;
                } else {
                  v += cast_to<float>(static_cast<const T*>(p.mask)[loc]);
                }
              }
            }
            s[mt][j][e] = v;
          }
        }
      }
    }

    // Online softmax per row (rows g and g + 8 of each m-tile).
#pragma unroll
    for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
      for (int hf = 0; hf < 2; ++hf) {
        float mx = -INFINITY;
#pragma unroll
        for (int j = 0; j < KN; ++j) {
          mx = fmaxf(mx, fmaxf(s[mt][j][hf * 2], s[mt][j][hf * 2 + 1]));
        }
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
        float m_new = fmaxf(m_i[mt][hf], mx);
        // All scores so far -inf: use 0 so that exp() gives 0, not NaN.
        float m_use = m_new == -INFINITY ? 0.0f : m_new;
        float corr = exp2f((m_i[mt][hf] - m_use) * kLog2e);
        m_i[mt][hf] = m_new;
        float sum = 0.0f;
#pragma unroll
        for (int j = 0; j < KN; ++j) {
#pragma unroll
          for (int e = hf * 2; e < hf * 2 + 2; ++e) {
            float pe = exp2f((s[mt][j][e] - m_use) * kLog2e);
            s[mt][j][e] = pe;
            sum += pe;
          }
        }
        l_i[mt][hf] = l_i[mt][hf] * corr + sum;
#pragma unroll
        for (int dn = 0; dn < DN; ++dn) {
          o[mt][dn][hf * 2] *= corr;
          o[mt][dn][hf * 2 + 1] *= corr;
        }
      }
    }

    // O += P V, P re-packed from the S accumulators.
#pragma unroll
    for (int ks = 0; ks < kBN / 16; ++ks) {
      uint32_t pf[MT][4];
#pragma unroll
      for (int mt = 0; mt < MT; ++mt) {
        pf[mt][0] = pack2<T>(s[mt][2 * ks][0], s[mt][2 * ks][1]);
        pf[mt][1] = pack2<T>(s[mt][2 * ks][2], s[mt][2 * ks][3]);
        pf[mt][2] = pack2<T>(s[mt][2 * ks + 1][0], s[mt][2 * ks + 1][1]);
        pf[mt][3] = pack2<T>(s[mt][2 * ks + 1][2], s[mt][2 * ks + 1][3]);
      }
#pragma unroll
      for (int dp = 0; dp < DN / 2; ++dp) {
        uint32_t vf[4];
        int id = lane >> 3;
        int row = ks * 16 + (id & 1) * 8 + (lane & 7);
        ldmatrix_x4_trans(vf, Vb + swz<D>(row, 2 * dp + (id >> 1)));
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
          mma16816<T>(o[mt][2 * dp], pf[mt], vf[0], vf[1]);
          mma16816<T>(o[mt][2 * dp + 1], pf[mt], vf[2], vf[3]);
        }
      }
    }
    cp_async_wait_all();
    __syncthreads();
  }

  // Normalise, stage the tile in shared memory (Qs is free), store rows.
#pragma unroll
  for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
    for (int hf = 0; hf < 2; ++hf) {
      float l = l_i[mt][hf];
      l += __shfl_xor_sync(0xffffffffu, l, 1);
      l += __shfl_xor_sync(0xffffffffu, l, 2);
      float inv = l > 0.0f ? 1.0f / l : 0.0f;
      // Every score -inf (additive mask): the CPU's exp(-inf + inf) is NaN.
      if (m_i[mt][hf] == -INFINITY && p.Tk > 0) inv = NAN;
      int row = wrow + mt * 16 + g + hf * 8;
#pragma unroll
      for (int dn = 0; dn < DN; ++dn) {
        int col = dn * 8 + 2 * t4;
        uint32_t v = pack2<T>(o[mt][dn][hf * 2] * inv, o[mt][dn][hf * 2 + 1] * inv);
        *reinterpret_cast<uint32_t*>(Qs + swz<D>(row, col >> 3) + (col & 7)) = v;
      }
    }
  }
  __syncthreads();
  T* og = static_cast<T*>(p.out) + b * p.o_sb + h * p.o_sh;
  for (int id = tid; id < BM * CH; id += NT) {
    int r = id / CH, c = id % CH;
    if (q0 + r < p.Tq) {
      *reinterpret_cast<uint4*>(og + int64_t(q0 + r) * p.o_st + c * 8) =
          *reinterpret_cast<const uint4*>(Qs + swz<D>(r, c));
    }
  }
}

template <typename T, int D, int NW, int MT, int MASK>
void launch_flash_mask(const AttnParams& p, cudaStream_t stream) {
  constexpr int BM = NW * MT * 16;
  constexpr size_t smem = flash_smem_bytes<T, D, NW, MT>();
  auto kernel = sdpa_flash<T, D, NW, MT, MASK>;
  static const bool attr_set = [&] {
    EMBER_CUDA_CHECK(cudaFuncSetAttribute(
        kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)));
    return true;
  }();
  (void)attr_set;
  dim3 grid(unsigned(p.B * p.Nq), unsigned((p.Tq + BM - 1) / BM));
  kernel<<<grid, NW * 32, smem, stream>>>(p);
}

template <typename T, int D, int NW, int MT>
void launch_flash(const AttnParams& p, cudaStream_t stream) {
  switch (p.mask_mode) {
    case kNoMask: launch_flash_mask<T, D, NW, MT, kNoMask>(p, stream); break;
    case kCausal: launch_flash_mask<T, D, NW, MT, kCausal>(p, stream); break;
    default: launch_flash_mask<T, D, NW, MT, kArrayMask>(p, stream); break;
  }
}

// ---------------------------------------------------------------------------
// Generic kernel.

constexpr int kGenericWarps = 4;

template <typename T, typename C>
__global__ void sdpa_generic(const AttnParams p) {
  extern __shared__ __align__(128) unsigned char smem_generic[];
  const int lane = threadIdx.x, w = threadIdx.y;
  const int per_warp = p.D + p.Dv + 32;
  C* qs = reinterpret_cast<C*>(smem_generic) + w * per_warp;
  C* acc = qs + p.D;
  C* ps = acc + p.Dv;
  const int G = p.Nq / p.Nkv;
  const C low = C(p.low);
  const C inf = C(INFINITY);
  const int64_t rows = int64_t(p.B) * p.Nq * p.Tq;
  for (int64_t r = blockIdx.x * int64_t(kGenericWarps) + w; r < rows;
       r += int64_t(gridDim.x) * kGenericWarps) {
    const int i = int(r % p.Tq);
    const int64_t bh = r / p.Tq;
    const int h = int(bh % p.Nq), b = int(bh / p.Nq);
    const T* qr = static_cast<const T*>(p.q) + b * p.q_sb + h * p.q_sh + i * p.q_st;
    const T* kb = static_cast<const T*>(p.k) + b * p.k_sb + (h / G) * p.k_sh;
    const T* vb = static_cast<const T*>(p.v) + b * p.v_sb + (h / G) * p.v_sh;
    for (int d = lane; d < p.D; d += 32) {
      qs[d] = cast_to<C>(cast_to<T>(cast_to<C>(qr[d]) * C(p.scale)));
    }
    for (int d = lane; d < p.Dv; d += 32) acc[d] = C(0);
    __syncwarp();
    C m = -inf, l = 0;
    if (p.sinks) {
      m = cast_to<C>(static_cast<const T*>(p.sinks)[h]);
      l = 1;
    }
    for (int j0 = 0; j0 < p.Tk; j0 += 32) {
      const int j = j0 + lane;
      C sc = -inf;
      if (j < p.Tk) {
        const T* kr = kb + j * p.k_st;
        C dot = 0;
        for (int d = 0; d < p.D; ++d) dot += qs[d] * cast_to<C>(kr[d]);
        if (p.mask_mode == kCausal) {
          if (j > i + p.Tk - p.Tq) dot = low;
        } else if (p.mask_mode == kArrayMask) {
          int64_t loc = b * p.m_sb + h * p.m_sh + i * p.m_st + j * p.m_sk;
          if (p.mask_bool) {
            if (!static_cast<const bool*>(p.mask)[loc]) dot = low;
          } else {
            dot += cast_to<C>(static_cast<const T*>(p.mask)[loc]);
          }
        }
        sc = dot;
      }
      C mx = sc;
      for (int o = 16; o > 0; o >>= 1) mx = max(mx, __shfl_xor_sync(0xffffffffu, mx, o));
      C m_new = max(m, mx);
      C m_use = m_new == -inf ? C(0) : m_new;
      C corr = exp(m - m_use);
      C pj = exp(sc - m_use);
      C sum = pj;
      for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
      l = l * corr + sum;
      m = m_new;
      ps[lane] = pj;
      __syncwarp();
      const int nk = min(32, p.Tk - j0);
      for (int d = lane; d < p.Dv; d += 32) {
        C a = acc[d] * corr;
        const T* vc = vb + int64_t(j0) * p.v_st + d;
        for (int jj = 0; jj < nk; ++jj) a += ps[jj] * cast_to<C>(vc[jj * p.v_st]);
        acc[d] = a;
      }
      __syncwarp();
    }
    C inv = l > 0 ? C(1) / l : C(0);
    if (m == -inf && p.Tk > 0) inv = C(NAN);
    T* orow = static_cast<T*>(p.out) + b * p.o_sb + h * p.o_sh + i * p.o_st;
    for (int d = lane; d < p.Dv; d += 32) orow[d] = cast_to<T>(acc[d] * inv);
    __syncwarp();
  }
}

template <typename T>
void launch_generic(const AttnParams& p, cudaStream_t stream) {
  using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
  size_t smem = size_t(kGenericWarps) * (p.D + p.Dv + 32) * sizeof(C);
  auto kernel = sdpa_generic<T, C>;
  if (smem > 48 * 1024) {
    if (smem > 227 * 1024) {
      throw std::invalid_argument(
          "[scaled_dot_product_attention] Head dimensions too large for the "
          "gpu kernel; got " + std::to_string(p.D) + " and " +
          std::to_string(p.Dv) + ".");
    }
    EMBER_CUDA_CHECK(cudaFuncSetAttribute(
        kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)));
  }
  int64_t rows = int64_t(p.B) * p.Nq * p.Tq;
  int64_t blocks = (rows + kGenericWarps - 1) / kGenericWarps;
  unsigned grid = unsigned(std::min<int64_t>(blocks, 65535LL * 64));
  kernel<<<grid, dim3(32, kGenericWarps), smem, stream>>>(p);
}

// ---------------------------------------------------------------------------
// Host side.

// x (B, H, T, D) is a transposed view of a (B, T, H, D) layout: unit feature
// stride, heads adjacent within a token (head stride D), tokens further
// apart than a whole row of heads (e.g. reshape(B, T, H, D).transpose(0, 2,
// 1, 3) of a projection, or of a slice of a fused qkv projection).
bool is_bthd_view(const array& x) {
  if (x.ndim() != 4) return false;
  int64_t H = x.shape(1), T = x.shape(2), D = x.shape(3);
  return H > 1 && T > 1 && x.strides(3) == 1 && x.strides(1) == D &&
         x.strides(2) >= H * D;
}

// Allocates an attention result of shape (B, H, T, D): in (B, T, H, D)
// memory order when `bthd` (the caller's next transpose(0, 2, 1, 3) +
// reshape(B, T, H * D) is then free), else row-contiguous.
void allocate_attn(array& out, bool bthd, const Stream& s) {
  if (!bthd || out.ndim() != 4 || out.size() == 0 || out.shape(1) <= 1 ||
      out.shape(2) <= 1) {
    cuda::allocate(out, s);
    return;
  }
  int64_t H = out.shape(1), T = out.shape(2), D = out.shape(3);
  Strides st = {T * H * D, D, H * D, 1};
  cuda::allocate(out, s, out.size(), st, compute_flags(out.shape(), st, out.size()));
}

// q/k/v in the output dtype with unit feature stride (copied otherwise).
array prepare_qkv(const array& x, Dtype dt, const Stream& s) {
  if (x.dtype() == dt && (x.strides(3) == 1 || x.shape(3) <= 1)) return x;
  array c = cuda::empty_gpu(x.shape(), dt, s);
  cuda::copy_gpu(x, c, s);
  return c;
}

bool flash_layout_ok(const array& x, int64_t sb, int64_t sh, int64_t st) {
  auto ptr = reinterpret_cast<uintptr_t>(cuda::gpu_ptr<void>(x));
  return (ptr & 15) == 0 && sb % 8 == 0 && sh % 8 == 0 && st % 8 == 0;
}

// When EMBER_SDPA_KERNEL lets the Hopper kernel (sdpa_hopper.cu) run:
// first, before cuDNN (unset: causal attention, where it beats cuDNN;
// "hopper": unmasked and causal), after cuDNN (unset: unmasked attention;
// "cudnn": both), or not at all (any other value).
enum class HopperTurn { kFirst, kAfterCudnn, kNever };
HopperTurn hopper_turn(bool causal) {
  const char* which = std::getenv("EMBER_SDPA_KERNEL");
  if (which == nullptr) return causal ? HopperTurn::kFirst : HopperTurn::kAfterCudnn;
  if (std::strcmp(which, "hopper") == 0) return HopperTurn::kFirst;
  return std::strcmp(which, "cudnn") == 0 ? HopperTurn::kAfterCudnn : HopperTurn::kNever;
}

// The Hopper kernel for unmasked or causal attention without sinks, at
// least 64 queries (shorter blocks, e.g. decoding, take the split-key
// kernel); lse (B, Nq, Tq) float32 when given. False: nothing run (copies
// of q, k, v may have been enqueued).
bool sdpa_hopper_run(const std::vector<array>& inputs, array& out, array* lse, float scale,
                     bool causal, const Stream& s) {
  Dtype dt = out.dtype();
  const array &q0 = inputs[0], &k0 = inputs[1], &v0 = inputs[2];
  if (!(dt == float16 || dt == bfloat16) || q0.shape(2) < 64 || q0.shape(0) > INT32_MAX ||
      !cuda::sdpa_hopper::supported(q0.shape(3), v0.shape(3), q0.shape(2), k0.shape(2),
                                    q0.shape(1), k0.shape(1), scale, causal)) {
    return false;
  }
  auto ok = [](const array& x) {
    return flash_layout_ok(x, x.strides(0), x.strides(1), x.strides(2)) && x.strides(0) > 0 &&
           x.strides(1) > 0 && x.strides(2) > 0;
  };
  array q = prepare_qkv(q0, dt, s), k = prepare_qkv(k0, dt, s), v = prepare_qkv(v0, dt, s);
  if (!ok(q)) q = cuda::contiguous_gpu(q, s);
  if (!ok(k)) k = cuda::contiguous_gpu(k, s);
  if (!ok(v)) v = cuda::contiguous_gpu(v, s);
  cuda::sdpa_hopper::Args a{};
  a.q = cuda::gpu_ptr<void>(q);
  a.k = cuda::gpu_ptr<void>(k);
  a.v = cuda::gpu_ptr<void>(v);
  a.out = cuda::gpu_ptr<void>(out);
  a.lse = lse ? cuda::gpu_ptr<float>(*lse) : nullptr;
  for (int i = 0; i < 3; ++i) {
    a.q_s[i] = q.strides(i), a.k_s[i] = k.strides(i), a.v_s[i] = v.strides(i);
    a.o_s[i] = out.strides(i);
  }
  a.B = q.shape(0), a.Nq = q.shape(1), a.Tq = q.shape(2), a.D = q.shape(3);
  a.Nkv = k.shape(1), a.Tk = k.shape(2), a.Dv = v.shape(3);
  a.scale = scale;
  a.causal = causal;
  a.half = dt == float16;
  return cuda::sdpa_hopper::forward(a, cuda::get_stream(s));
}

// The hand-written kernels; `out` is allocated and not empty.
void sdpa_builtin(const std::vector<array>& inputs, array& out, float scale_,
                  int mask_kind_, bool has_sinks_, const Stream& s) {
  Dtype dt = out.dtype();
  // Unmasked or causal attention that cuDNN didn't take, when the Hopper
  // kernel wasn't already tried before cuDNN.
  if (mask_kind_ <= 1 && !has_sinks_ &&
      hopper_turn(mask_kind_ == 1) == HopperTurn::kAfterCudnn &&
      sdpa_hopper_run(inputs, out, nullptr, scale_, mask_kind_ == 1, s)) {
    return;
  }
  array q = prepare_qkv(inputs[0], dt, s);
  array k = prepare_qkv(inputs[1], dt, s);
  array v = prepare_qkv(inputs[2], dt, s);
  int idx = 3;
  std::optional<array> mask, sinks;
  if (mask_kind_ >= 2) mask = inputs[idx++];
  if (has_sinks_) {
    const array& sk = inputs[idx];
    if (sk.dtype() == dt && sk.flags().row_contiguous) {
      sinks = sk;
    } else {
      sinks = cuda::empty_gpu(sk.shape(), dt, s);
      cuda::copy_gpu(sk, *sinks, s);
    }
  }

  AttnParams p{};
  p.B = q.shape(0);
  p.Nq = q.shape(1);
  p.Tq = q.shape(2);
  p.D = q.shape(3);
  p.Nkv = k.shape(1);
  p.Tk = k.shape(2);
  p.Dv = v.shape(3);
  p.scale = scale_;
  p.mask_mode = mask_kind_ == 0 ? kNoMask : mask_kind_ == 1 ? kCausal : kArrayMask;
  p.mask_bool = mask_kind_ == 2;
  if (mask) {
    p.mask = cuda::gpu_ptr<void>(*mask);
    p.m_sb = mask->strides(0);
    p.m_sh = mask->strides(1);
    p.m_st = mask->strides(2);
    p.m_sk = mask->strides(3);
  }
  p.sinks = sinks ? cuda::gpu_ptr<void>(*sinks) : nullptr;
  switch (dt) {
    case Dtype::float16: p.low = -65504.0; break;
    case Dtype::bfloat16: p.low = -3.3895313892515355e38; break;
    case Dtype::float64: p.low = std::numeric_limits<double>::lowest(); break;
    default: p.low = double(std::numeric_limits<float>::lowest()); break;
  }
  p.out = cuda::gpu_ptr<void>(out);
  p.o_sb = out.strides(0), p.o_sh = out.strides(1), p.o_st = out.strides(2);
  cudaStream_t stream = cuda::get_stream(s);

  // Kernel choice for comparisons on the device (see the top of the file).
  const char* which = std::getenv("EMBER_SDPA_KERNEL");
  const bool no_split = which != nullptr && std::strcmp(which, "v2-nosplit") == 0;
  // Version 1 is the default: on an H200 (B4 H16 L2048 D64, causal bf16) it
  // ran at 176 TFLOP/s against 148 for version 2 (benchmarks/results).
  const int version = which == nullptr                  ? 1
                      : std::strcmp(which, "generic") == 0 ? 0
                      : std::strncmp(which, "v2", 2) == 0  ? 2
                                                           : 1;
  bool flash = version != 0 && (dt == float16 || dt == bfloat16) && p.D == p.Dv &&
               (p.D == 64 || p.D == 128) && (p.Tq + 127) / 128 <= 65535 &&
               int64_t(p.B) * p.Nq <= INT32_MAX &&
               flash_layout_ok(out, p.o_sb, p.o_sh, p.o_st);  // 16-byte row stores
  if (flash) {
    auto ok = [](const array& x) {
      return flash_layout_ok(x, x.strides(0), x.strides(1), x.strides(2));
    };
    // Rows must start on 16-byte boundaries for cp.async: copy otherwise.
    if (!ok(q)) q = cuda::contiguous_gpu(q, s);
    if (!ok(k)) k = cuda::contiguous_gpu(k, s);
    if (!ok(v)) v = cuda::contiguous_gpu(v, s);
    flash = ok(q) && ok(k) && ok(v);
  }
  p.q = cuda::gpu_ptr<void>(q);
  p.k = cuda::gpu_ptr<void>(k);
  p.v = cuda::gpu_ptr<void>(v);
  p.q_sb = q.strides(0), p.q_sh = q.strides(1), p.q_st = q.strides(2);
  p.k_sb = k.strides(0), p.k_sh = k.strides(1), p.k_st = k.strides(2);
  p.v_sb = v.strides(0), p.v_sh = v.strides(1), p.v_st = v.strides(2);

  if (flash && version == 1) {
    if (dt == bfloat16) {
      if (p.D == 64) launch_flash<__nv_bfloat16, 64, 4, 2>(p, stream);
      else launch_flash<__nv_bfloat16, 128, 8, 1>(p, stream);
    } else {
      if (p.D == 64) launch_flash<__half, 64, 4, 2>(p, stream);
      else launch_flash<__half, 128, 8, 1>(p, stream);
    }
  } else if (flash) {
    p.kv_split = no_split ? 0 : flash2_kv_split(p, cuda::sm_count());
    if (dt == bfloat16) {
      if (p.D == 64) launch_flash2<__nv_bfloat16, 64>(p, s, stream);
      else launch_flash2<__nv_bfloat16, 128>(p, s, stream);
    } else {
      if (p.D == 64) launch_flash2<__half, 64>(p, s, stream);
      else launch_flash2<__half, 128>(p, s, stream);
    }
  } else {
    cuda::dispatch_device_float(dt, "scaled_dot_product_attention", [&](auto tag) {
      launch_generic<decltype(tag)>(p, stream);
    });
  }
  cuda::check_launch("scaled_dot_product_attention");
}

// ---------------------------------------------------------------------------
// cuDNN (sdpa_cudnn.cpp).

// cuDNN's layout needs: unit feature stride, other strides positive
// multiples of 8 elements, 16-byte aligned start.
bool cudnn_layout_ok(const array& x) {
  auto ptr = reinterpret_cast<uintptr_t>(cuda::gpu_ptr<void>(x));
  if ((ptr & 15) != 0 || x.strides(3) != 1) return false;
  for (int i = 0; i < 3; ++i) {
    if (x.strides(i) <= 0 || x.strides(i) % 8 != 0) return false;
  }
  return true;
}

// q/k/v/out/d_out for cuDNN: a fresh row-contiguous copy if `dense` or if
// the layout doesn't suit cuDNN.
array cudnn_input(const array& x, Dtype dt, const Stream& s, bool dense = false) {
  array y = prepare_qkv(x, dt, s);
  if (!cudnn_layout_ok(y) || (dense && !y.flags().row_contiguous)) {
    array c = cuda::empty_gpu(y.shape(), dt, s);
    cuda::copy_gpu(y, c, s);
    y = c;
  }
  return y;
}

// The additive mask (B, Nq, Tq, Tk view, possibly broadcast) as cuDNN's
// row-contiguous bias: (1 or B, 1 or Nq, Tq, Tk) unless `full`.
array cudnn_bias(const array& m, const cuda::sdpa_cudnn::Dims& d, bool full,
                 cuda::sdpa_cudnn::Mask& mask, const Stream& s) {
  int Bm = (!full && (d.B == 1 || m.strides(0) == 0)) ? 1 : d.B;
  int Hm = (!full && (d.Nq == 1 || m.strides(1) == 0)) ? 1 : d.Nq;
  mask.kind = 2;
  mask.Bm = Bm;
  mask.Hm = Hm;
  int64_t tt = int64_t(d.Tq) * d.Tk;
  auto ptr = reinterpret_cast<uintptr_t>(cuda::gpu_ptr<void>(m));
  bool compact = (ptr & 15) == 0 && m.strides(3) == 1 &&
                 (d.Tq == 1 || m.strides(2) == d.Tk) &&
                 (Hm == 1 || m.strides(1) == tt) &&
                 (Bm == 1 || m.strides(0) == Hm * tt);
  if (compact) return m;
  array b = cuda::empty_gpu({Bm, Hm, d.Tq, d.Tk}, m.dtype(), s);
  cuda::copy_gpu_raw(cuda::gpu_ptr<void>(m), m.dtype(), m.strides(),
                     cuda::gpu_ptr<void>(b), b.dtype(), b.strides(), b.shape(),
                     cuda::get_stream(s));
  cuda::check_launch("scaled_dot_product_attention");
  return b;
}

cuda::sdpa_cudnn::Dims cudnn_dims(const array& q, const array& k,
                                  const array& v) {
  return {q.shape(0), q.shape(1), k.shape(1), q.shape(2),
          k.shape(2), q.shape(3), v.shape(3)};
}

}  // namespace

void ScaledDotProductAttention::eval_gpu(const std::vector<array>& inputs,
                                         std::vector<array>& outputs) {
  auto& s = stream();
  array& out = outputs[0];
  // q given as a (B, T, H, D) view: the output takes that layout too.
  allocate_attn(out, is_bthd_view(inputs[0]), s);
  for (size_t i = 1; i < outputs.size(); ++i) cuda::allocate(outputs[i], s);
  if (out.size() == 0) return;
  Dtype dt = out.dtype();
  // The Hopper kernel first for causal attention (unset EMBER_SDPA_KERNEL)
  // or when asked for ("hopper"); it also gives the logsumexp.
  if (mask_kind_ <= 1 && !has_sinks_ && hopper_turn(mask_kind_ == 1) == HopperTurn::kFirst &&
      sdpa_hopper_run(inputs, out, output_lse_ ? &outputs[1] : nullptr, scale_,
                      mask_kind_ == 1, s)) {
    return;
  }
  // cuDNN: default (EMBER_SDPA_KERNEL unset or "cudnn"), and always when
  // the fused backward needs the logsumexp (the op only asks for it when
  // cuDNN supports the configuration). Boolean masks and sinks use the
  // hand-written kernels (same semantics for fully masked rows as the CPU).
  // Short query blocks (decoding, whose key length changes every step and
  // would build a cuDNN graph per length) stay on the built-in kernels.
  bool try_cudnn = !has_sinks_ && mask_kind_ != 2 &&
                   (dt == float16 || dt == bfloat16) &&
                   (output_lse_ ||
                    (cuda::sdpa_cudnn::requested() && out.shape(2) >= 64)) &&
                   cuda::sdpa_cudnn::available();
  // Given layouts first; then (what the op's support check built)
  // row-contiguous inputs and a full-shape bias; then, for a (B, T, H, D)
  // ordered output, also a row-contiguous output copied into it.
  for (int attempt = 0; try_cudnn && attempt < 3; ++attempt) {
    bool dense = attempt >= 1;
    if (attempt == 2 && out.flags().row_contiguous) break;
    array q = cudnn_input(inputs[0], dt, s, dense);
    array k = cudnn_input(inputs[1], dt, s, dense);
    array v = cudnn_input(inputs[2], dt, s, dense);
    auto d = cudnn_dims(q, k, v);
    cuda::sdpa_cudnn::Mask mask;
    mask.kind = mask_kind_ == 1 ? 1 : 0;
    std::optional<array> bias;
    array* lse = output_lse_ ? &outputs[1] : nullptr;
    if (mask_kind_ == 3) {
      bias = cudnn_bias(inputs[3], d, dense, mask, s);
      mask.bias = &*bias;
    }
    if (attempt < 2) {
      if (cuda::sdpa_cudnn::forward(s, dt, d, scale_, mask, q, k, v, out, lse)) {
        return;
      }
    } else {
      array tmp = cuda::empty_gpu(out.shape(), dt, s);
      if (cuda::sdpa_cudnn::forward(s, dt, d, scale_, mask, q, k, v, tmp, lse)) {
        cuda::copy_gpu(tmp, out, s);
        return;
      }
    }
    // Inference falls back to the built-in kernels right away.
    if (!output_lse_) break;
  }
  if (output_lse_) {
    throw std::runtime_error(
        "[scaled_dot_product_attention] cuDNN could not run the attention "
        "forward with logsumexp needed by the fused backward (set "
        "EMBER_SDPA_VJP=fallback to use the composed backward).");
  }
  sdpa_builtin(inputs, out, scale_, mask_kind_, has_sinks_, s);
}

void ScaledDotProductAttentionVJP::eval_gpu(const std::vector<array>& inputs,
                                            std::vector<array>& outputs) {
  auto& s = stream();
  // dq, dk, dv in the (B, T, H, D) order of q, k, v given as such views.
  for (int i = 0; i < 3; ++i) allocate_attn(outputs[i], is_bthd_view(inputs[i]), s);
  bool empty = false;
  for (auto& o : outputs) empty = empty || o.size() == 0;
  Dtype dt = outputs[0].dtype();
  if (empty || !(dt == float16 || dt == bfloat16) ||
      !cuda::sdpa_cudnn::available()) {
    // The vjp builds this primitive on the GPU only for configurations
    // cuDNN supports (detail::gpu_sdpa_fused_supported).
    throw std::runtime_error(
        "[scaled_dot_product_attention_vjp] The fused attention backward "
        "needs cuDNN and float16/bfloat16 inputs; got dtype " +
        std::string(dtype_name(dt)) + ".");
  }
  if (mask_kind_ == 2) {
    throw std::runtime_error(
        "[scaled_dot_product_attention_vjp] Boolean masks take the composed "
        "backward.");
  }
  const int mk = mask_kind_ >= 2 ? 1 : 0;
  array lse = inputs[4 + mk];
  if (lse.dtype() != float32 || !lse.flags().row_contiguous) {
    array c = cuda::empty_gpu(lse.shape(), float32, s);
    cuda::copy_gpu(lse, c, s);
    lse = c;
  }
  bool done = false;
  bool dense_out = outputs[0].flags().row_contiguous && outputs[1].flags().row_contiguous &&
                   outputs[2].flags().row_contiguous;
  // Given layouts first, then row-contiguous copies and a full-shape bias
  // (the configuration the op's support check built), then also
  // row-contiguous gradients copied into (B, T, H, D) ordered outputs.
  for (int attempt = 0; !done && attempt < 3; ++attempt) {
    bool dense = attempt >= 1;
    if (attempt == 2 && dense_out) break;
    array q = cudnn_input(inputs[0], dt, s, dense);
    array k = cudnn_input(inputs[1], dt, s, dense);
    array v = cudnn_input(inputs[2], dt, s, dense);
    array o = cudnn_input(inputs[3 + mk], dt, s, dense);
    array dout = cudnn_input(inputs[5 + mk], dt, s, dense);
    auto d = cudnn_dims(q, k, v);
    cuda::sdpa_cudnn::Mask mask;
    mask.kind = mask_kind_ == 1 ? 1 : 0;
    std::optional<array> bias;
    if (mask_kind_ == 3) {
      bias = cudnn_bias(inputs[3], d, dense, mask, s);
      mask.bias = &*bias;
    }
    if (attempt < 2) {
      done = cuda::sdpa_cudnn::backward(s, dt, d, scale_, mask, q, k, v, o, dout, lse,
                                        outputs[0], outputs[1], outputs[2]);
    } else {
      array dq = cuda::empty_gpu(outputs[0].shape(), dt, s);
      array dk = cuda::empty_gpu(outputs[1].shape(), dt, s);
      array dv = cuda::empty_gpu(outputs[2].shape(), dt, s);
      done = cuda::sdpa_cudnn::backward(s, dt, d, scale_, mask, q, k, v, o, dout, lse,
                                        dq, dk, dv);
      if (done) {
        cuda::copy_gpu(dq, outputs[0], s);
        cuda::copy_gpu(dk, outputs[1], s);
        cuda::copy_gpu(dv, outputs[2], s);
      }
    }
  }
  if (!done) {
    throw std::runtime_error(
        "[scaled_dot_product_attention_vjp] cuDNN does not support this "
        "attention backward (set EMBER_DEBUG=1 for the reason, "
        "EMBER_SDPA_VJP=fallback to use the composed backward).");
  }
}

}  // namespace ember
