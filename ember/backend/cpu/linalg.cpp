// CPU factorizations and solves through OpenBLAS's LAPACK (Fortran ABI).
// Algorithm: for each matrix of the batch (serially; LAPACK/BLAS thread the
// work inside one call), the strided input matrix is copied into a
// column-major scratch buffer, the LAPACK routine runs in place, and the
// results are written row-major into freshly allocated outputs. Workspace
// sizes are queried once per eval. Traffic: one read of the input and one
// write of each output per matrix, besides LAPACK's O(n^3) work.
// float32 -> s*, float64 -> d*, complex64 -> c* routines.
#include "ember/primitives/linalg.h"

#include <algorithm>
#include <complex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "ember/backend/common/utils.h"
#include "ember/core/allocator.h"

using lp_int = int;  // OpenBLAS built with 32-bit LAPACK integers
using lp_cf = std::complex<float>;

// Fortran LAPACK entry points; trailing size_t are hidden CHARACTER lengths.
extern "C" {
void sgeqrf_(const lp_int*, const lp_int*, float*, const lp_int*, float*,
             float*, const lp_int*, lp_int*);
void dgeqrf_(const lp_int*, const lp_int*, double*, const lp_int*, double*,
             double*, const lp_int*, lp_int*);
void sorgqr_(const lp_int*, const lp_int*, const lp_int*, float*, const lp_int*,
             const float*, float*, const lp_int*, lp_int*);
void dorgqr_(const lp_int*, const lp_int*, const lp_int*, double*,
             const lp_int*, const double*, double*, const lp_int*, lp_int*);
void sgesdd_(const char*, const lp_int*, const lp_int*, float*, const lp_int*,
             float*, float*, const lp_int*, float*, const lp_int*, float*,
             const lp_int*, lp_int*, lp_int*, size_t);
void dgesdd_(const char*, const lp_int*, const lp_int*, double*, const lp_int*,
             double*, double*, const lp_int*, double*, const lp_int*, double*,
             const lp_int*, lp_int*, lp_int*, size_t);
void cgesdd_(const char*, const lp_int*, const lp_int*, lp_cf*, const lp_int*,
             float*, lp_cf*, const lp_int*, lp_cf*, const lp_int*, lp_cf*,
             const lp_int*, float*, lp_int*, lp_int*, size_t);
void sgetrf_(const lp_int*, const lp_int*, float*, const lp_int*, lp_int*,
             lp_int*);
void dgetrf_(const lp_int*, const lp_int*, double*, const lp_int*, lp_int*,
             lp_int*);
void sgetri_(const lp_int*, float*, const lp_int*, const lp_int*, float*,
             const lp_int*, lp_int*);
void dgetri_(const lp_int*, double*, const lp_int*, const lp_int*, double*,
             const lp_int*, lp_int*);
void sgetrs_(const char*, const lp_int*, const lp_int*, const float*,
             const lp_int*, const lp_int*, float*, const lp_int*, lp_int*,
             size_t);
void dgetrs_(const char*, const lp_int*, const lp_int*, const double*,
             const lp_int*, const lp_int*, double*, const lp_int*, lp_int*,
             size_t);
void strtri_(const char*, const char*, const lp_int*, float*, const lp_int*,
             lp_int*, size_t, size_t);
void dtrtri_(const char*, const char*, const lp_int*, double*, const lp_int*,
             lp_int*, size_t, size_t);
void strtrs_(const char*, const char*, const char*, const lp_int*,
             const lp_int*, const float*, const lp_int*, float*, const lp_int*,
             lp_int*, size_t, size_t, size_t);
void dtrtrs_(const char*, const char*, const char*, const lp_int*,
             const lp_int*, const double*, const lp_int*, double*,
             const lp_int*, lp_int*, size_t, size_t, size_t);
void spotrf_(const char*, const lp_int*, float*, const lp_int*, lp_int*,
             size_t);
void dpotrf_(const char*, const lp_int*, double*, const lp_int*, lp_int*,
             size_t);
void ssyevd_(const char*, const char*, const lp_int*, float*, const lp_int*,
             float*, float*, const lp_int*, lp_int*, const lp_int*, lp_int*,
             size_t, size_t);
void dsyevd_(const char*, const char*, const lp_int*, double*, const lp_int*,
             double*, double*, const lp_int*, lp_int*, const lp_int*, lp_int*,
             size_t, size_t);
void cheevd_(const char*, const char*, const lp_int*, lp_cf*, const lp_int*,
             float*, lp_cf*, const lp_int*, float*, const lp_int*, lp_int*,
             const lp_int*, lp_int*, size_t, size_t);
void sgeev_(const char*, const char*, const lp_int*, float*, const lp_int*,
            float*, float*, float*, const lp_int*, float*, const lp_int*,
            float*, const lp_int*, lp_int*, size_t, size_t);
void dgeev_(const char*, const char*, const lp_int*, double*, const lp_int*,
            double*, double*, double*, const lp_int*, double*, const lp_int*,
            double*, const lp_int*, lp_int*, size_t, size_t);
void cgeev_(const char*, const char*, const lp_int*, lp_cf*, const lp_int*,
            lp_cf*, lp_cf*, const lp_int*, lp_cf*, const lp_int*, lp_cf*,
            const lp_int*, float*, lp_int*, size_t, size_t);
}

namespace ember {

namespace {

// Thin overload set over the s/d/c routines.
struct Lapack {
  static void geqrf(lp_int m, lp_int n, float* a, lp_int lda, float* tau,
                    float* w, lp_int lw, lp_int* info) {
    sgeqrf_(&m, &n, a, &lda, tau, w, &lw, info);
  }
  static void geqrf(lp_int m, lp_int n, double* a, lp_int lda, double* tau,
                    double* w, lp_int lw, lp_int* info) {
    dgeqrf_(&m, &n, a, &lda, tau, w, &lw, info);
  }
  static void orgqr(lp_int m, lp_int n, lp_int k, float* a, lp_int lda,
                    const float* tau, float* w, lp_int lw, lp_int* info) {
    sorgqr_(&m, &n, &k, a, &lda, tau, w, &lw, info);
  }
  static void orgqr(lp_int m, lp_int n, lp_int k, double* a, lp_int lda,
                    const double* tau, double* w, lp_int lw, lp_int* info) {
    dorgqr_(&m, &n, &k, a, &lda, tau, w, &lw, info);
  }
  static void getrf(lp_int m, lp_int n, float* a, lp_int lda, lp_int* ipiv,
                    lp_int* info) {
    sgetrf_(&m, &n, a, &lda, ipiv, info);
  }
  static void getrf(lp_int m, lp_int n, double* a, lp_int lda, lp_int* ipiv,
                    lp_int* info) {
    dgetrf_(&m, &n, a, &lda, ipiv, info);
  }
  static void getri(lp_int n, float* a, lp_int lda, const lp_int* ipiv,
                    float* w, lp_int lw, lp_int* info) {
    sgetri_(&n, a, &lda, ipiv, w, &lw, info);
  }
  static void getri(lp_int n, double* a, lp_int lda, const lp_int* ipiv,
                    double* w, lp_int lw, lp_int* info) {
    dgetri_(&n, a, &lda, ipiv, w, &lw, info);
  }
  static void getrs(lp_int n, lp_int nrhs, const float* a, lp_int lda,
                    const lp_int* ipiv, float* b, lp_int ldb, lp_int* info) {
    sgetrs_("N", &n, &nrhs, a, &lda, ipiv, b, &ldb, info, 1);
  }
  static void getrs(lp_int n, lp_int nrhs, const double* a, lp_int lda,
                    const lp_int* ipiv, double* b, lp_int ldb, lp_int* info) {
    dgetrs_("N", &n, &nrhs, a, &lda, ipiv, b, &ldb, info, 1);
  }
  static void trtri(char uplo, lp_int n, float* a, lp_int lda, lp_int* info) {
    strtri_(&uplo, "N", &n, a, &lda, info, 1, 1);
  }
  static void trtri(char uplo, lp_int n, double* a, lp_int lda, lp_int* info) {
    dtrtri_(&uplo, "N", &n, a, &lda, info, 1, 1);
  }
  static void trtrs(char uplo, lp_int n, lp_int nrhs, const float* a,
                    lp_int lda, float* b, lp_int ldb, lp_int* info) {
    strtrs_(&uplo, "N", "N", &n, &nrhs, a, &lda, b, &ldb, info, 1, 1, 1);
  }
  static void trtrs(char uplo, lp_int n, lp_int nrhs, const double* a,
                    lp_int lda, double* b, lp_int ldb, lp_int* info) {
    dtrtrs_(&uplo, "N", "N", &n, &nrhs, a, &lda, b, &ldb, info, 1, 1, 1);
  }
  static void potrf(char uplo, lp_int n, float* a, lp_int lda, lp_int* info) {
    spotrf_(&uplo, &n, a, &lda, info, 1);
  }
  static void potrf(char uplo, lp_int n, double* a, lp_int lda, lp_int* info) {
    dpotrf_(&uplo, &n, a, &lda, info, 1);
  }
};

lp_int lp_size(double query) { return std::max<lp_int>(1, lp_int(query)); }
lp_int lp_size(lp_cf query) { return lp_size(double(query.real())); }

int64_t batch_count(const array& a) {
  int64_t n = 1;
  for (int i = 0; i + 2 < a.ndim(); ++i) n *= a.shape(i);
  return n;
}

void alloc(array& out) {
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
}

// Reads matrix `b` of a strided (..., M, N) array into column-major `dst`.
template <typename T>
void load_colmajor(const array& in, int64_t b, T* dst, lp_int ld) {
  int nd = in.ndim();
  int M = in.shape(-2), N = in.shape(-1);
  int64_t sr = in.strides()[nd - 2], sc = in.strides()[nd - 1];
  int64_t off = 0;
  if (nd > 2) {
    Shape bs(in.shape().begin(), in.shape().end() - 2);
    Strides bst(in.strides().begin(), in.strides().end() - 2);
    off = elem_to_loc(b, bs, bst);
  }
  const T* src = in.data<T>() + off;
  for (int j = 0; j < N; ++j) {
    for (int i = 0; i < M; ++i) dst[i + int64_t(j) * ld] = src[i * sr + j * sc];
  }
}

// Writes a column-major rows x cols block of `src` into row-major `dst`.
template <typename S, typename T>
void store_rowmajor(const S* src, lp_int ld, int rows, int cols, T* dst) {
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < cols; ++j)
      dst[int64_t(i) * cols + j] = T(src[i + int64_t(j) * ld]);
  }
}

[[noreturn]] void lapack_failed(const char* op, const char* routine,
                                lp_int info) {
  throw std::runtime_error(std::string("[linalg::") + op + "] LAPACK " +
                           routine +
                           " failed with info = " + std::to_string(info) + ".");
}

// Dispatches float32 / float64 to fn(T{}).
template <typename F>
void dispatch_real(Dtype t, const char* op, F&& fn) {
  if (t == float32) {
    fn(float{});
  } else if (t == float64) {
    fn(double{});
  } else {
    throw std::invalid_argument(std::string("[linalg::") + op +
                                "] Unsupported dtype " + dtype_name(t) + ".");
  }
}

// ---- QR ----

template <typename T>
void qr_impl(const array& a, array& q, array& r) {
  lp_int M = a.shape(-2), N = a.shape(-1), K = std::min(M, N);
  lp_int lda = std::max<lp_int>(1, M);
  std::vector<T> buf(size_t(lda) * std::max<lp_int>(N, 1)),
      tau(std::max<lp_int>(K, 1));
  T q1, q2;
  lp_int info = 0;
  Lapack::geqrf(M, N, buf.data(), lda, tau.data(), &q1, -1, &info);
  Lapack::orgqr(M, K, K, buf.data(), lda, tau.data(), &q2, -1, &info);
  std::vector<T> work(std::max(lp_size(double(q1)), lp_size(double(q2))));
  lp_int lw = lp_int(work.size());
  T* qp = q.data<T>();
  T* rp = r.data<T>();
  for (int64_t b = 0, nb = batch_count(a); b < nb; ++b) {
    load_colmajor(a, b, buf.data(), lda);
    Lapack::geqrf(M, N, buf.data(), lda, tau.data(), work.data(), lw, &info);
    if (info != 0) lapack_failed("qr", "geqrf", info);
    T* rb = rp + b * int64_t(K) * N;
    for (lp_int i = 0; i < K; ++i) {
      for (lp_int j = 0; j < N; ++j) {
        rb[int64_t(i) * N + j] = j >= i ? buf[i + int64_t(j) * lda] : T(0);
      }
    }
    Lapack::orgqr(M, K, K, buf.data(), lda, tau.data(), work.data(), lw, &info);
    if (info != 0) lapack_failed("qr", "orgqr", info);
    store_rowmajor(buf.data(), lda, M, K, qp + b * int64_t(M) * K);
  }
}

// ---- SVD ----

template <typename T, typename R>
void gesdd(char jobz, lp_int m, lp_int n, T* a, lp_int lda, R* s, T* u,
           lp_int ldu, T* vt, lp_int ldvt, T* work, lp_int lwork, R* rwork,
           lp_int* iwork, lp_int* info) {
  if constexpr (std::is_same_v<T, float>) {
    sgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork,
            info, 1);
  } else if constexpr (std::is_same_v<T, double>) {
    dgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork,
            info, 1);
  } else {
    cgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, rwork,
            iwork, info, 1);
  }
}

template <typename T, typename R>
void svd_impl(const array& a, std::vector<array>& outs, bool uv) {
  lp_int M = a.shape(-2), N = a.shape(-1), K = std::min(M, N);
  int64_t nb = batch_count(a);
  R* sp = outs[uv ? 1 : 0].template data<R>();
  T* up = uv ? outs[0].template data<T>() : nullptr;
  T* vp = uv ? outs[2].template data<T>() : nullptr;
  if (K == 0) {
    // No singular values; U and Vt are identities.
    for (int64_t b = 0; uv && b < nb; ++b) {
      T* ub = up + b * int64_t(M) * M;
      T* vb = vp + b * int64_t(N) * N;
      for (lp_int i = 0; i < M * M; ++i) ub[i] = T(i % (M + 1) == 0 ? 1 : 0);
      for (lp_int i = 0; i < N * N; ++i) vb[i] = T(i % (N + 1) == 0 ? 1 : 0);
    }
    return;
  }
  char jobz = uv ? 'A' : 'N';
  lp_int lda = M, ldu = uv ? M : 1, ldvt = uv ? N : 1;
  std::vector<T> buf(size_t(M) * N);
  std::vector<T> u(uv ? size_t(M) * M : 1), vt(uv ? size_t(N) * N : 1);
  std::vector<lp_int> iwork(8 * size_t(K));
  std::vector<R> rwork;
  if constexpr (!std::is_same_v<T, R>) {
    size_t mx = std::max(M, N), mn = K;
    rwork.resize(
        uv ? std::max(5 * mn * mn + 5 * mn, 2 * mx * mn + 2 * mn * mn + mn)
           : 7 * mn);
  }
  T query;
  lp_int info = 0;
  gesdd(jobz, M, N, buf.data(), lda, sp, u.data(), ldu, vt.data(), ldvt, &query,
        lp_int(-1), rwork.data(), iwork.data(), &info);
  std::vector<T> work(lp_size(query));
  for (int64_t b = 0; b < nb; ++b) {
    load_colmajor(a, b, buf.data(), lda);
    gesdd(jobz, M, N, buf.data(), lda, sp + b * K, u.data(), ldu, vt.data(),
          ldvt, work.data(), lp_int(work.size()), rwork.data(), iwork.data(),
          &info);
    if (info > 0) {
      throw std::runtime_error("[linalg::svd] The SVD did not converge.");
    }
    if (info < 0) lapack_failed("svd", "gesdd", info);
    if (uv) {
      store_rowmajor(u.data(), ldu, M, M, up + b * int64_t(M) * M);
      store_rowmajor(vt.data(), ldvt, N, N, vp + b * int64_t(N) * N);
    }
  }
}

// ---- inverse, Cholesky ----

template <typename T>
void inverse_impl(const array& a, array& out, bool tri, bool upper) {
  lp_int n = a.shape(-1);
  if (n == 0) return;
  std::vector<T> buf(size_t(n) * n);
  std::vector<lp_int> ipiv(n);
  lp_int info = 0;
  std::vector<T> work;
  if (!tri) {
    T query;
    Lapack::getri(n, buf.data(), n, ipiv.data(), &query, -1, &info);
    work.resize(lp_size(double(query)));
  }
  const char* op = tri ? "tri_inv" : "inv";
  T* op_ = out.data<T>();
  for (int64_t b = 0, nb = batch_count(a); b < nb; ++b) {
    load_colmajor(a, b, buf.data(), n);
    if (tri) {
      Lapack::trtri(upper ? 'U' : 'L', n, buf.data(), n, &info);
    } else {
      Lapack::getrf(n, n, buf.data(), n, ipiv.data(), &info);
      if (info == 0) {
        Lapack::getri(n, buf.data(), n, ipiv.data(), work.data(),
                      lp_int(work.size()), &info);
      }
    }
    if (info > 0) {
      throw std::runtime_error(std::string("[linalg::") + op +
                               "] The matrix is singular (zero pivot at " +
                               std::to_string(info) + ").");
    }
    if (info < 0) lapack_failed(op, tri ? "trtri" : "getrf/getri", info);
    T* ob = op_ + b * int64_t(n) * n;
    for (lp_int i = 0; i < n; ++i) {
      for (lp_int j = 0; j < n; ++j) {
        bool keep = !tri || (upper ? j >= i : j <= i);
        ob[int64_t(i) * n + j] = keep ? buf[i + int64_t(j) * n] : T(0);
      }
    }
  }
}

template <typename T>
void cholesky_impl(const array& a, array& out, bool upper) {
  lp_int n = a.shape(-1);
  if (n == 0) return;
  std::vector<T> buf(size_t(n) * n);
  lp_int info = 0;
  T* op_ = out.data<T>();
  for (int64_t b = 0, nb = batch_count(a); b < nb; ++b) {
    load_colmajor(a, b, buf.data(), n);
    Lapack::potrf(upper ? 'U' : 'L', n, buf.data(), n, &info);
    if (info > 0) {
      throw std::runtime_error(
          "[linalg::cholesky] The matrix is not positive definite (leading "
          "minor of order " +
          std::to_string(info) + ").");
    }
    if (info < 0) lapack_failed("cholesky", "potrf", info);
    T* ob = op_ + b * int64_t(n) * n;
    for (lp_int i = 0; i < n; ++i) {
      for (lp_int j = 0; j < n; ++j) {
        bool keep = upper ? j >= i : j <= i;
        ob[int64_t(i) * n + j] = keep ? buf[i + int64_t(j) * n] : T(0);
      }
    }
  }
}

// ---- eigen decompositions ----

template <typename T>
void syevd(char jobz, char uplo, lp_int n, T* a, lp_int lda,
           typename std::conditional_t<std::is_same_v<T, lp_cf>, float, T>* w,
           T* work, lp_int lwork,
           std::conditional_t<std::is_same_v<T, lp_cf>, float, T>* rwork,
           lp_int lrwork, lp_int* iwork, lp_int liwork, lp_int* info) {
  if constexpr (std::is_same_v<T, float>) {
    ssyevd_(&jobz, &uplo, &n, a, &lda, w, work, &lwork, iwork, &liwork, info, 1,
            1);
  } else if constexpr (std::is_same_v<T, double>) {
    dsyevd_(&jobz, &uplo, &n, a, &lda, w, work, &lwork, iwork, &liwork, info, 1,
            1);
  } else {
    cheevd_(&jobz, &uplo, &n, a, &lda, w, work, &lwork, rwork, &lrwork, iwork,
            &liwork, info, 1, 1);
  }
}

template <typename T, typename R>
void eigh_impl(const array& a, std::vector<array>& outs, char uplo,
               bool vectors) {
  lp_int n = a.shape(-1);
  if (n == 0) return;
  char jobz = vectors ? 'V' : 'N';
  std::vector<T> buf(size_t(n) * n);
  T wq;
  R rq = 0;
  lp_int iq = 0, info = 0;
  R* wp = outs[0].template data<R>();
  syevd<T>(jobz, uplo, n, buf.data(), n, wp, &wq, -1, &rq, -1, &iq, -1, &info);
  std::vector<T> work(lp_size(wq));
  std::vector<R> rwork(std::max<lp_int>(1, lp_int(rq)));
  std::vector<lp_int> iwork(std::max<lp_int>(1, iq));
  for (int64_t b = 0, nb = batch_count(a); b < nb; ++b) {
    load_colmajor(a, b, buf.data(), n);
    syevd<T>(jobz, uplo, n, buf.data(), n, wp + b * n, work.data(),
             lp_int(work.size()), rwork.data(), lp_int(rwork.size()),
             iwork.data(), lp_int(iwork.size()), &info);
    if (info > 0) {
      throw std::runtime_error(
          "[linalg::eigh] The eigenvalue algorithm did not converge.");
    }
    if (info < 0) lapack_failed("eigh", "syevd", info);
    if (vectors) {
      store_rowmajor(buf.data(), n, n, n,
                     outs[1].template data<T>() + b * int64_t(n) * n);
    }
  }
}

template <typename T>
void geev(char jobvr, lp_int n, T* a, T* wr, T* wi, T* vr, lp_int ldvr, T* work,
          lp_int lwork, lp_int* info) {
  lp_int one = 1;
  T dummy;
  if constexpr (std::is_same_v<T, float>) {
    sgeev_("N", &jobvr, &n, a, &n, wr, wi, &dummy, &one, vr, &ldvr, work,
           &lwork, info, 1, 1);
  } else {
    dgeev_("N", &jobvr, &n, a, &n, wr, wi, &dummy, &one, vr, &ldvr, work,
           &lwork, info, 1, 1);
  }
}

template <typename T>
void eig_real(const array& a, std::vector<array>& outs, bool vectors) {
  lp_int n = a.shape(-1);
  if (n == 0) return;
  char jobvr = vectors ? 'V' : 'N';
  lp_int ldvr = vectors ? n : 1;
  std::vector<T> buf(size_t(n) * n), wr(n), wi(n),
      vr(vectors ? size_t(n) * n : 1);
  T query;
  lp_int info = 0;
  geev<T>(jobvr, n, buf.data(), wr.data(), wi.data(), vr.data(), ldvr, &query,
          -1, &info);
  std::vector<T> work(lp_size(double(query)));
  auto* wp = outs[0].template data<complex64_t>();
  for (int64_t b = 0, nb = batch_count(a); b < nb; ++b) {
    load_colmajor(a, b, buf.data(), n);
    geev<T>(jobvr, n, buf.data(), wr.data(), wi.data(), vr.data(), ldvr,
            work.data(), lp_int(work.size()), &info);
    if (info > 0) {
      throw std::runtime_error(
          "[linalg::eig] The eigenvalue algorithm did not converge.");
    }
    if (info < 0) lapack_failed("eig", "geev", info);
    complex64_t* wb = wp + b * n;
    for (lp_int j = 0; j < n; ++j)
      wb[j] = complex64_t(float(wr[j]), float(wi[j]));
    if (!vectors) continue;
    // A conjugate pair (wi[j] > 0) stores Re in column j and Im in j + 1.
    complex64_t* vb = outs[1].template data<complex64_t>() + b * int64_t(n) * n;
    for (lp_int j = 0; j < n; ++j) {
      if (wi[j] != T(0) && j + 1 < n) {
        for (lp_int i = 0; i < n; ++i) {
          T re = vr[i + int64_t(j) * n], im = vr[i + int64_t(j + 1) * n];
          vb[int64_t(i) * n + j] = complex64_t(float(re), float(im));
          vb[int64_t(i) * n + j + 1] = complex64_t(float(re), float(-im));
        }
        ++j;
      } else {
        for (lp_int i = 0; i < n; ++i) {
          vb[int64_t(i) * n + j] =
              complex64_t(float(vr[i + int64_t(j) * n]), 0.0f);
        }
      }
    }
  }
}

void eig_complex(const array& a, std::vector<array>& outs, bool vectors) {
  lp_int n = a.shape(-1);
  if (n == 0) return;
  char jobvr = vectors ? 'V' : 'N';
  lp_int ldvr = vectors ? n : 1, one = 1, info = 0;
  std::vector<lp_cf> buf(size_t(n) * n), vr(vectors ? size_t(n) * n : 1);
  std::vector<float> rwork(2 * size_t(n));
  lp_cf query, dummy;
  auto* wp = outs[0].data<complex64_t>();
  lp_int lw = -1;
  cgeev_("N", &jobvr, &n, buf.data(), &n, wp, &dummy, &one, vr.data(), &ldvr,
         &query, &lw, rwork.data(), &info, 1, 1);
  std::vector<lp_cf> work(lp_size(query));
  lw = lp_int(work.size());
  for (int64_t b = 0, nb = batch_count(a); b < nb; ++b) {
    load_colmajor(a, b, buf.data(), n);
    cgeev_("N", &jobvr, &n, buf.data(), &n, wp + b * n, &dummy, &one, vr.data(),
           &ldvr, work.data(), &lw, rwork.data(), &info, 1, 1);
    if (info > 0) {
      throw std::runtime_error(
          "[linalg::eig] The eigenvalue algorithm did not converge.");
    }
    if (info < 0) lapack_failed("eig", "geev", info);
    if (vectors) {
      store_rowmajor(vr.data(), n, n, n,
                     outs[1].data<complex64_t>() + b * int64_t(n) * n);
    }
  }
}

// ---- LU and solves ----

template <typename T>
void luf_impl(const array& a, std::vector<array>& outs) {
  lp_int M = a.shape(-2), N = a.shape(-1), K = std::min(M, N);
  lp_int lda = std::max<lp_int>(1, M);
  std::vector<T> buf(size_t(lda) * std::max<lp_int>(N, 1));
  std::vector<lp_int> ipiv(std::max<lp_int>(K, 1));
  std::vector<uint32_t> rows(M);
  T* lup = outs[0].data<T>();
  uint32_t* pp = outs[1].data<uint32_t>();
  uint32_t* permp = outs[2].data<uint32_t>();
  lp_int info = 0;
  for (int64_t b = 0, nb = batch_count(a); b < nb; ++b) {
    load_colmajor(a, b, buf.data(), lda);
    if (K > 0) Lapack::getrf(M, N, buf.data(), lda, ipiv.data(), &info);
    // info > 0 (an exactly zero pivot) is a valid factorization.
    if (info < 0) lapack_failed("lu", "getrf", info);
    store_rowmajor(buf.data(), lda, M, N, lup + b * int64_t(M) * N);
    std::iota(rows.begin(), rows.end(), 0u);
    for (lp_int i = 0; i < K; ++i) {
      pp[b * K + i] = uint32_t(ipiv[i] - 1);
      std::swap(rows[i], rows[ipiv[i] - 1]);
    }
    // Row rows[i] of a is row i of L U, so P[rows[i]] = i gives a = L[P] U.
    for (lp_int i = 0; i < M; ++i) permp[b * M + rows[i]] = uint32_t(i);
  }
}

template <typename T>
void solve_impl(const array& a, const array& rhs, array& out, int tri) {
  // tri: 0 general, 1 lower, 2 upper.
  lp_int n = a.shape(-1), r = rhs.shape(-1);
  if (n == 0 || r == 0) return;
  std::vector<T> abuf(size_t(n) * n), bbuf(size_t(n) * r);
  std::vector<lp_int> ipiv(n);
  lp_int info = 0;
  const char* op = tri ? "solve_triangular" : "solve";
  T* op_ = out.data<T>();
  for (int64_t b = 0, nb = batch_count(a); b < nb; ++b) {
    load_colmajor(a, b, abuf.data(), n);
    load_colmajor(rhs, b, bbuf.data(), n);
    if (tri) {
      Lapack::trtrs(tri == 2 ? 'U' : 'L', n, r, abuf.data(), n, bbuf.data(), n,
                    &info);
    } else {
      Lapack::getrf(n, n, abuf.data(), n, ipiv.data(), &info);
      if (info == 0) {
        Lapack::getrs(n, r, abuf.data(), n, ipiv.data(), bbuf.data(), n, &info);
      }
    }
    if (info > 0) {
      throw std::runtime_error(std::string("[linalg::") + op +
                               "] The matrix is singular (zero pivot at " +
                               std::to_string(info) + ").");
    }
    if (info < 0) lapack_failed(op, tri ? "trtrs" : "getrf/getrs", info);
    store_rowmajor(bbuf.data(), n, n, r, op_ + b * int64_t(n) * r);
  }
}

}  // namespace

void QRF::eval_cpu(const std::vector<array>& inputs,
                   std::vector<array>& outputs) {
  for (auto& o : outputs) alloc(o);
  if (outputs[0].size() == 0 && outputs[1].size() == 0) return;
  dispatch_real(inputs[0].dtype(), "qr", [&](auto tag) {
    qr_impl<decltype(tag)>(inputs[0], outputs[0], outputs[1]);
  });
}

void SVD::eval_cpu(const std::vector<array>& inputs,
                   std::vector<array>& outputs) {
  for (auto& o : outputs) alloc(o);
  if (batch_count(inputs[0]) == 0) return;
  if (inputs[0].dtype() == complex64) {
    svd_impl<lp_cf, float>(inputs[0], outputs, compute_uv_);
    return;
  }
  dispatch_real(inputs[0].dtype(), "svd", [&](auto tag) {
    using T = decltype(tag);
    svd_impl<T, T>(inputs[0], outputs, compute_uv_);
  });
}

void Inverse::eval_cpu(const std::vector<array>& inputs, array& out) {
  alloc(out);
  if (out.size() == 0) return;
  dispatch_real(inputs[0].dtype(), tri_ ? "tri_inv" : "inv", [&](auto tag) {
    inverse_impl<decltype(tag)>(inputs[0], out, tri_, upper_);
  });
}

void Cholesky::eval_cpu(const std::vector<array>& inputs, array& out) {
  alloc(out);
  if (out.size() == 0) return;
  dispatch_real(inputs[0].dtype(), "cholesky", [&](auto tag) {
    cholesky_impl<decltype(tag)>(inputs[0], out, upper_);
  });
}

void Eig::eval_cpu(const std::vector<array>& inputs,
                   std::vector<array>& outputs) {
  for (auto& o : outputs) alloc(o);
  if (outputs[0].size() == 0) return;
  if (inputs[0].dtype() == complex64) {
    eig_complex(inputs[0], outputs, vectors_);
    return;
  }
  dispatch_real(inputs[0].dtype(), "eig", [&](auto tag) {
    eig_real<decltype(tag)>(inputs[0], outputs, vectors_);
  });
}

void Eigh::eval_cpu(const std::vector<array>& inputs,
                    std::vector<array>& outputs) {
  for (auto& o : outputs) alloc(o);
  if (outputs[0].size() == 0) return;
  if (inputs[0].dtype() == complex64) {
    eigh_impl<lp_cf, float>(inputs[0], outputs, uplo_, vectors_);
    return;
  }
  dispatch_real(inputs[0].dtype(), "eigh", [&](auto tag) {
    using T = decltype(tag);
    eigh_impl<T, T>(inputs[0], outputs, uplo_, vectors_);
  });
}

void LUF::eval_cpu(const std::vector<array>& inputs,
                   std::vector<array>& outputs) {
  for (auto& o : outputs) alloc(o);
  if (batch_count(inputs[0]) == 0) return;
  dispatch_real(inputs[0].dtype(), "lu",
                [&](auto tag) { luf_impl<decltype(tag)>(inputs[0], outputs); });
}

void Solve::eval_cpu(const std::vector<array>& inputs, array& out) {
  alloc(out);
  if (out.size() == 0) return;
  dispatch_real(out.dtype(), "solve", [&](auto tag) {
    solve_impl<decltype(tag)>(inputs[0], inputs[1], out, 0);
  });
}

void SolveTriangular::eval_cpu(const std::vector<array>& inputs, array& out) {
  alloc(out);
  if (out.size() == 0) return;
  dispatch_real(out.dtype(), "solve_triangular", [&](auto tag) {
    solve_impl<decltype(tag)>(inputs[0], inputs[1], out, upper_ ? 2 : 1);
  });
}

}  // namespace ember
