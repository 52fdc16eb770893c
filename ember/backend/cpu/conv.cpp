// CPU convolution: im2col + GEMM.
// Algorithm: output rows (n, *out_pos) are processed in chunks; for each
// chunk the patch matrix col[row, g, kernel_pos, c] is gathered from the
// (dilated, padded) input with parallel_for over rows (zeros where a tap
// falls in padding or between dilated input elements), then one gemm per
// group multiplies col_g (rows x K*Cg) by weight_g^T (K*Cg x Cout_g) straight
// into out[:, g*Cout_g:(g+1)*Cout_g]. 1x1 stride-1 unpadded convolutions skip
// the gather and use the input as col. f16/bf16 gather and compute in float32.
// Traffic: the input is read K times (once per kernel tap), col written and
// read once per chunk, weight read once per chunk, out written once.
#include <cblas.h>

#include <cstring>
#include <vector>

#include "ember/backend/cpu/copy.h"
#include "ember/core/scheduler.h"
#include "ember/primitives/conv.h"

namespace ember {

namespace {

template <typename T>
void gemm_nt(int M, int N, int K, const T* A, int lda, const T* B, int ldb,
             T* C, int ldc) {
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, A, lda,
                B, ldb, 0.0f, C, ldc);
  } else {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0, A, lda,
                B, ldb, 0.0, C, ldc);
  }
}

// Row-contiguous copy of `x` in compute type C (no copy when already so).
template <typename T, typename C>
const C* dense(const array& x, std::vector<C>& buf) {
  if constexpr (std::is_same_v<T, C>) {
    if (x.flags().row_contiguous) return x.data<C>();
  }
  buf.resize(std::max<size_t>(x.size(), 1));
  // Wrap buf as the destination of a strided copy.
  array dst(static_cast<void*>(buf.data()), x.shape(), dtype_of_v<C>,
            [](void*) {});
  cpu::copy_strided(x, dst, row_strides(x.shape()));
  return buf.data();
}

template <typename C, typename T>
C* outp_as(T* outp, std::vector<C>& buf, int64_t n, bool) {
  if constexpr (std::is_same_v<T, C>) {
    return outp;
  } else {
    buf.resize(size_t(n));
    return buf.data();
  }
}

template <typename C, typename T>
void store(const C* src, T* dst, int64_t n) {
  scheduler::parallel_for(n, 1 << 15, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) dst[i] = cpu::convert<T>(src[i]);
  });
}

template <typename T, typename C>
void conv_impl(const Convolution& p, const array& in, const array& wt,
               array& out) {
  int D = in.ndim() - 2;
  int64_t N = in.shape(0), Cin = in.shape(-1), Cout = wt.shape(0);
  int G = p.groups_;
  int64_t Cg = Cin / G, Cog = Cout / G;
  Shape S(in.shape().begin() + 1, in.shape().end() - 1);
  Shape Kd(wt.shape().begin() + 1, wt.shape().end() - 1);
  Shape O(out.shape().begin() + 1, out.shape().end() - 1);
  int64_t P = 1, KP = 1;
  for (int d = 0; d < D; ++d) {
    P *= O[d];
    KP *= Kd[d];
  }
  int64_t rows = N * P;
  int64_t KC = KP * Cg;   // gemm depth per group
  int64_t W = G * KC;     // col row length
  T* outp = out.data<T>();
  if (rows == 0 || Cout == 0) return;

  std::vector<C> inbuf, wbuf;
  const C* x = dense<T, C>(in, inbuf);
  const C* w = dense<T, C>(wt, wbuf);
  constexpr bool same = std::is_same_v<T, C>;

  if (KC == 0) {
    for (int64_t i = 0; i < rows * Cout; ++i) outp[i] = T(0);
    return;
  }

  bool pointwise = true;
  for (int d = 0; d < D; ++d) {
    pointwise &= Kd[d] == 1 && p.stride_[d] == 1 && p.padding_lo_[d] == 0 &&
                 p.padding_hi_[d] == 0 && p.input_dilation_[d] == 1;
  }
  std::vector<C> obuf;
  if (pointwise) {
    C* o = outp_as<C>(outp, obuf, rows * Cout, same);
    for (int g = 0; g < G; ++g) {
      gemm_nt<C>(int(rows), int(Cog), int(Cg), x + g * Cg, int(Cin),
                 w + g * Cog * KC, int(KC), o + g * Cog, int(Cout));
    }
    if constexpr (!same) store(o, outp, rows * Cout);
    return;
  }

  // tab[d][o * K_d + k]: input index along d of tap k at output o, or -1.
  std::vector<std::vector<int32_t>> tab(D);
  for (int d = 0; d < D; ++d) {
    int64_t in_dil = (int64_t(S[d]) - 1) * p.input_dilation_[d] + 1;
    tab[d].resize(size_t(O[d]) * Kd[d]);
    for (int64_t o = 0; o < O[d]; ++o) {
      for (int64_t k = 0; k < Kd[d]; ++k) {
        int64_t kpos = p.flip_ ? Kd[d] - 1 - k : k;
        int64_t j = o * p.stride_[d] + kpos * p.kernel_dilation_[d] -
                    p.padding_lo_[d];
        int32_t idx = -1;
        if (j >= 0 && j < in_dil && j % p.input_dilation_[d] == 0) {
          idx = int32_t(j / p.input_dilation_[d]);
        }
        tab[d][o * Kd[d] + k] = idx;
      }
    }
  }
  Strides in_st = row_strides(in.shape());

  // Chunk rows so that col stays around 32 MB.
  int64_t chunk = std::max<int64_t>(1, (int64_t(32) << 20) / int64_t(sizeof(C) * W));
  chunk = std::min(chunk, rows);
  std::vector<C> col(size_t(chunk * W));
  if (!same) obuf.resize(size_t(chunk * Cout));
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    int64_t nr = std::min(chunk, rows - r0);
    scheduler::parallel_for(nr, std::max<int64_t>(1, 4096 / W), [&](int64_t lo, int64_t hi) {
      std::vector<int64_t> opos(D), kpos(D);
      for (int64_t r = lo; r < hi; ++r) {
        int64_t row = r0 + r;
        int64_t rem = row % P, n = row / P;
        for (int d = D - 1; d >= 0; --d) {
          opos[d] = rem % O[d];
          rem /= O[d];
        }
        C* crow = col.data() + r * W;
        std::fill(kpos.begin(), kpos.end(), 0);
        for (int64_t kk = 0; kk < KP; ++kk) {
          int64_t off = n * in_st[0];
          bool valid = true;
          for (int d = 0; d < D; ++d) {
            int32_t idx = tab[d][opos[d] * Kd[d] + kpos[d]];
            if (idx < 0) {
              valid = false;
              break;
            }
            off += idx * in_st[d + 1];
          }
          for (int g = 0; g < G; ++g) {
            C* dst = crow + g * KC + kk * Cg;
            if (valid) {
              const C* src = x + off + g * Cg;
              for (int64_t c = 0; c < Cg; ++c) dst[c] = src[c];
            } else {
              for (int64_t c = 0; c < Cg; ++c) dst[c] = C(0);
            }
          }
          for (int d = D - 1; d >= 0; --d) {
            if (++kpos[d] < Kd[d]) break;
            kpos[d] = 0;
          }
        }
      }
    });
    C* o = same ? reinterpret_cast<C*>(outp + r0 * Cout) : obuf.data();
    for (int g = 0; g < G; ++g) {
      gemm_nt<C>(int(nr), int(Cog), int(KC), col.data() + g * KC, int(W),
                 w + g * Cog * KC, int(KC), o + g * Cog, int(Cout));
    }
    if constexpr (!same) store(o, outp + r0 * Cout, nr * Cout);
  }
}

}  // namespace

void Convolution::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  if (out.size() == 0) return;
  switch (out.dtype()) {
    case Dtype::float32:
      conv_impl<float, float>(*this, inputs[0], inputs[1], out);
      break;
    case Dtype::float64:
      conv_impl<double, double>(*this, inputs[0], inputs[1], out);
      break;
    case Dtype::float16:
      conv_impl<float16_t, float>(*this, inputs[0], inputs[1], out);
      break;
    case Dtype::bfloat16:
      conv_impl<bfloat16_t, float>(*this, inputs[0], inputs[1], out);
      break;
    default:
      throw std::invalid_argument(std::string("[conv] Not supported for dtype ") +
                                  dtype_name(out.dtype()) + ".");
  }
}

}  // namespace ember
