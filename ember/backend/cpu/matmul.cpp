// CPU matrix products through OpenBLAS (sgemm/dgemm/cgemm).
// Algorithm: for every (broadcast) batch index, the two operand matrices are
// passed to gemm in place: a row-major view is NoTrans, a transposed view is
// Trans (ld = its outer stride); other layouts (and f16/bf16, which compute in
// float32) are packed into a contiguous scratch matrix first. When b is shared
// by all batches and a is row-contiguous, the batches fold into one gemm of
// (batch*M, K) x (K, N); one output row or column of a large matrix goes
// through gemv. OpenBLAS threads the gemm itself over both cores; the batch
// loop is serial. Traffic: one read of a and b per gemm, one write of
// out (allocated uninitialised; addmm pre-fills it with c).
#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "ember/backend/common/utils.h"
#include "ember/backend/cpu/copy.h"
#include "ember/core/scheduler.h"
#include "ember/primitives/matmul.h"

namespace ember {

namespace {

// How gemm can read a rows x cols matrix with strides (sr, sc) in place.
struct MatLayout {
  bool direct = false;  // false: pack first
  bool trans = false;
  int64_t ld = 0;
};

MatLayout classify(int64_t rows, int64_t cols, int64_t sr, int64_t sc) {
  MatLayout l;
  if ((sc == 1 || cols <= 1) && (rows <= 1 || sr >= std::max<int64_t>(cols, 1))) {
    l.direct = true;
    l.trans = false;
    l.ld = rows <= 1 ? std::max<int64_t>(cols, 1) : sr;
  } else if ((sr == 1 || rows <= 1) &&
             (cols <= 1 || sc >= std::max<int64_t>(rows, 1))) {
    l.direct = true;
    l.trans = true;
    l.ld = cols <= 1 ? std::max<int64_t>(rows, 1) : sc;
  }
  return l;
}

template <typename T>
void gemm(bool ta, bool tb, int M, int N, int K, T alpha, const T* A, int lda,
          const T* B, int ldb, T beta, T* C, int ldc) {
  auto TA = ta ? CblasTrans : CblasNoTrans;
  auto TB = tb ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemm(CblasRowMajor, TA, TB, M, N, K, alpha, A, lda, B, ldb, beta, C,
                ldc);
  } else if constexpr (std::is_same_v<T, double>) {
    cblas_dgemm(CblasRowMajor, TA, TB, M, N, K, alpha, A, lda, B, ldb, beta, C,
                ldc);
  } else {
    static_assert(std::is_same_v<T, complex64_t>);
    cblas_cgemm(CblasRowMajor, TA, TB, M, N, K, &alpha, A, lda, B, ldb, &beta,
                C, ldc);
  }
}

// y = alpha * op(A) x + beta * y for a row-major A (rows x cols, leading
// dimension lda); op transposes when `trans`. y is contiguous.
template <typename T>
void gemv(bool trans, int rows, int cols, T alpha, const T* A, int lda, const T* x,
          int incx, T beta, T* y) {
  auto TA = trans ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemv(CblasRowMajor, TA, rows, cols, alpha, A, lda, x, incx, beta, y, 1);
  } else if constexpr (std::is_same_v<T, double>) {
    cblas_dgemv(CblasRowMajor, TA, rows, cols, alpha, A, lda, x, incx, beta, y, 1);
  } else {
    static_assert(std::is_same_v<T, complex64_t>);
    cblas_cgemv(CblasRowMajor, TA, rows, cols, &alpha, A, lda, x, incx, &beta, y, 1);
  }
}

// A product with one output row or column and a matrix of at least
// kGemvMin elements as a matrix-vector product: gemm with M = 1 packs all of
// b first (OpenBLAS 0.3.21), gemv streams it once. Smaller ones stay on
// gemm: OpenBLAS threads gemv even for small matrices, and with several
// threads serving requests at once its pool serialised them (the demo's
// completion p99 went from 16-28 to 49-157 ms with gemv for every size).
// y (M * N contiguous values) is zeroed first when beta == 0, so that what
// the uninitialised output held never reaches it.
constexpr int64_t kGemvMin = int64_t(1) << 20;

template <typename T>
void gemm_or_gemv(bool ta, bool tb, int M, int N, int K, T alpha, const T* A, int lda,
                  const T* B, int ldb, T beta, T* C, int ldc) {
  if ((M == 1 || N == 1) && int64_t(K) * std::max(M, N) >= kGemvMin) {
    if (beta == T(0)) std::memset(static_cast<void*>(C), 0, sizeof(T) * size_t(M) * N);
    if (M == 1) {
      // out[n] = sum_k a[k] b[k, n]; a[k] sits at A[k * (ta ? lda : 1)].
      int incx = ta ? lda : 1;
      if (tb) {  // b stored (N, K)
        gemv<T>(false, N, K, alpha, B, ldb, A, incx, beta, C);
      } else {  // b stored (K, N)
        gemv<T>(true, K, N, alpha, B, ldb, A, incx, beta, C);
      }
    } else {
      // out[m] = sum_k a[m, k] b[k]; b[k] sits at B[k * (tb ? 1 : ldb)].
      int incx = tb ? 1 : ldb;
      if (ta) {  // a stored (K, M)
        gemv<T>(true, K, M, alpha, A, lda, B, incx, beta, C);
      } else {  // a stored (M, K)
        gemv<T>(false, M, K, alpha, A, lda, B, incx, beta, C);
      }
    }
    return;
  }
  gemm<T>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

// Packs a strided rows x cols matrix into a row-major buffer of type C.
template <typename S, typename C>
void pack(const S* src, int64_t rows, int64_t cols, int64_t sr, int64_t sc,
          C* dst) {
  scheduler::parallel_for(rows, std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(cols, 1)),
                          [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const S* s = src + r * sr;
      C* d = dst + r * cols;
      if (sc == 1) {
        for (int64_t c = 0; c < cols; ++c) d[c] = cpu::convert<C>(s[c]);
      } else {
        for (int64_t c = 0; c < cols; ++c) d[c] = cpu::convert<C>(s[c * sc]);
      }
    }
  });
}

// out (row-contiguous, already holding c when beta != 0) = alpha*a@b + beta*out.
// T: storage type; G: gemm type (float for f16/bf16).
template <typename T, typename G>
void matmul_impl(const array& a, const array& b, array& out, G alpha, G beta) {
  int nd = out.ndim();
  int64_t M = out.shape(-2), N = out.shape(-1), K = a.shape(-1);
  if (M == 0 || N == 0) return;
  T* outp = out.data<T>();
  int64_t batch = int64_t(out.size()) / (M * N);
  if (K == 0) {
    // Empty sum: alpha*0 + beta*c.
    for (size_t i = 0; i < out.size(); ++i) {
      outp[i] = beta == G(0) ? T(0) : cpu::convert<T>(G(cpu::convert<G>(outp[i]) * beta));
    }
    return;
  }
  Shape bshape(out.shape().begin(), out.shape().end() - 2);
  Strides a_bst(a.strides().begin(), a.strides().end() - 2);
  Strides b_bst(b.strides().begin(), b.strides().end() - 2);
  int64_t a_sr = a.strides()[nd - 2], a_sc = a.strides()[nd - 1];
  int64_t b_sr = b.strides()[nd - 2], b_sc = b.strides()[nd - 1];
  MatLayout la = classify(M, K, a_sr, a_sc);
  MatLayout lb = classify(K, N, b_sr, b_sc);
  constexpr bool same = std::is_same_v<T, G>;

  // Fold batches of a into rows when b is the same matrix for every batch.
  bool b_shared = true;
  for (auto st : b_bst) b_shared &= (st == 0);
  if (batch > 1 && b_shared && a.flags().row_contiguous) {
    M *= batch;
    batch = 1;
    la = classify(M, K, K, 1);
  }

  std::vector<G> abuf, bbuf, cbuf;
  bool pack_a = !same || !la.direct;
  bool pack_b = !same || !lb.direct;
  if (pack_a) abuf.resize(size_t(M * K));
  if (pack_b) bbuf.resize(size_t(K * N));
  if (!same) cbuf.resize(size_t(M * N));
  const T* ap = a.data<T>();
  const T* bp = b.data<T>();
  for (int64_t i = 0; i < batch; ++i) {
    const T* am = ap + (batch > 1 ? elem_to_loc(i, bshape, a_bst) : 0);
    const T* bm = bp + (batch > 1 ? elem_to_loc(i, bshape, b_bst) : 0);
    T* cm = outp + i * M * N;
    const G* A;
    const G* B;
    bool ta = la.trans, tb = lb.trans;
    int64_t lda = la.ld, ldb = lb.ld;
    if (pack_a) {
      pack(am, M, K, a_sr, a_sc, abuf.data());
      A = abuf.data();
      ta = false;
      lda = K;
    } else {
      A = reinterpret_cast<const G*>(am);
    }
    if (pack_b) {
      pack(bm, K, N, b_sr, b_sc, bbuf.data());
      B = bbuf.data();
      tb = false;
      ldb = N;
    } else {
      B = reinterpret_cast<const G*>(bm);
    }
    if constexpr (same) {
      gemm_or_gemv<G>(ta, tb, int(M), int(N), int(K), alpha, A, int(lda), B, int(ldb),
                      beta, reinterpret_cast<G*>(cm), int(N));
    } else {
      if (beta != G(0)) {
        for (int64_t j = 0; j < M * N; ++j) cbuf[j] = cpu::convert<G>(cm[j]);
      }
      gemm_or_gemv<G>(ta, tb, int(M), int(N), int(K), alpha, A, int(lda), B, int(ldb),
                      beta, cbuf.data(), int(N));
      scheduler::parallel_for(M * N, 1 << 15, [&](int64_t lo, int64_t hi) {
        for (int64_t j = lo; j < hi; ++j) cm[j] = cpu::convert<T>(cbuf[j]);
      });
    }
  }
}

void dispatch_matmul(const array& a, const array& b, array& out, float alpha,
                     float beta, const char* name) {
  switch (out.dtype()) {
    case Dtype::float32:
      matmul_impl<float, float>(a, b, out, alpha, beta);
      break;
    case Dtype::float64:
      matmul_impl<double, double>(a, b, out, alpha, beta);
      break;
    case Dtype::complex64:
      matmul_impl<complex64_t, complex64_t>(a, b, out, complex64_t(alpha),
                                            complex64_t(beta));
      break;
    case Dtype::float16:
      matmul_impl<float16_t, float>(a, b, out, alpha, beta);
      break;
    case Dtype::bfloat16:
      matmul_impl<bfloat16_t, float>(a, b, out, alpha, beta);
      break;
    default:
      throw std::invalid_argument(std::string("[") + name +
                                  "] Not supported for dtype " +
                                  dtype_name(out.dtype()) + ".");
  }
}

}  // namespace

void Matmul::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  if (out.size() == 0) return;
  dispatch_matmul(inputs[0], inputs[1], out, 1.0f, 0.0f, "matmul");
}

void AddMM::eval_cpu(const std::vector<array>& inputs, array& out) {
  if (beta_ == 0.0f) {
    // beta == 0 ignores c entirely (even NaNs), as BLAS does.
    out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  } else {
    cpu::copy_contiguous(inputs[2], out);
  }
  if (out.size() == 0) return;
  dispatch_matmul(inputs[0], inputs[1], out, alpha_, beta_, "addmm");
}

}  // namespace ember
