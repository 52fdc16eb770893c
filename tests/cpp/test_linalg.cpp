// ember::linalg factorizations and solves: decomposition identities checked
// in double on the host, known closed-form values, error branches, and
// vjp/jvp/vmap rules against finite differences (grad_check.h).
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <vector>

#include "ember/ember.h"
#include "grad_check.h"
#include "test_utils.h"

namespace ember {
namespace {

using cd = std::complex<double>;

// Host copy of a (..., M, N) array: mats[b][i * N + j] as complex doubles.
struct HostMats {
  int batch = 1, rows = 0, cols = 0;
  std::vector<std::vector<cd>> m;
  cd at(int b, int i, int j) const { return m[b][size_t(i) * cols + j]; }
};

HostMats host(array a) {
  a.eval();
  HostMats h;
  h.rows = a.shape(-2);
  h.cols = a.shape(-1);
  h.batch = h.rows * h.cols == 0 ? 0 : int(a.size() / (h.rows * h.cols));
  for (int b = 0; b < h.batch; ++b) {
    std::vector<cd> v(size_t(h.rows) * h.cols);
    for (size_t k = 0; k < v.size(); ++k) {
      size_t idx = size_t(b) * v.size() + k;
      if (a.dtype() == complex64) {
        auto z = detail::read_element<complex64_t>(a, idx);
        v[k] = cd(z.real(), z.imag());
      } else {
        v[k] = cd(detail::read_element<double>(a, idx), 0.0);
      }
    }
    h.m.push_back(v);
  }
  return h;
}

array rand_mat(Shape shape, uint64_t seed, Dtype dt = float64) {
  return array(randv(shape_size(shape), seed), shape, dt);
}

// Symmetric positive definite batch: x xᵀ + n I.
array spd(Shape shape, uint64_t seed, Dtype dt = float64) {
  array x = rand_mat(shape, seed, float64);
  int n = shape.back();
  array a = add(matmul(x, swapaxes(x, -1, -2)),
                multiply(eye(n, float64), array(double(n))));
  return astype(a, dt);
}

// max |(A @ B)[b] - C[b]| over the batch, all on the host in double.
double max_err_product(const HostMats& a, const HostMats& b,
                       const HostMats& c) {
  double err = 0;
  for (int k = 0; k < c.batch; ++k) {
    int ka = a.batch == 1 ? 0 : k, kb = b.batch == 1 ? 0 : k;
    for (int i = 0; i < c.rows; ++i) {
      for (int j = 0; j < c.cols; ++j) {
        cd s = 0;
        for (int l = 0; l < a.cols; ++l) s += a.at(ka, i, l) * b.at(kb, l, j);
        err = std::max(err, std::abs(s - c.at(k, i, j)));
      }
    }
  }
  return err;
}

// max |Mᴴ M - I| (orthonormal columns).
double orth_err(const HostMats& m) {
  double err = 0;
  for (int b = 0; b < m.batch; ++b) {
    for (int i = 0; i < m.cols; ++i) {
      for (int j = 0; j < m.cols; ++j) {
        cd s = 0;
        for (int l = 0; l < m.rows; ++l)
          s += std::conj(m.at(b, l, i)) * m.at(b, l, j);
        err = std::max(err, std::abs(s - cd(i == j ? 1.0 : 0.0)));
      }
    }
  }
  return err;
}

HostMats identity_like(int batch, int n) {
  HostMats h;
  h.batch = batch;
  h.rows = h.cols = n;
  for (int b = 0; b < batch; ++b) {
    std::vector<cd> v(size_t(n) * n, 0.0);
    for (int i = 0; i < n; ++i) v[size_t(i) * n + i] = 1.0;
    h.m.push_back(v);
  }
  return h;
}

double tol_for(Dtype dt) { return dt == float64 ? 1e-10 : 2e-4; }

const StreamOrDevice kCpu = Device(Device::cpu);

// ---------------------------------------------------------------- QR

TEST(Linalg, QrShapesAndIdentities) {
  for (Dtype dt : {float32, float64}) {
    for (Shape sh :
         {Shape{4, 4}, Shape{5, 3}, Shape{3, 5}, Shape{2, 3, 6, 4}}) {
      array a = rand_mat(sh, 7, dt);
      auto [q, r] = linalg::qr(a, kCpu);
      int M = sh[sh.size() - 2], N = sh.back(), K = std::min(M, N);
      Shape qs = sh, rs = sh;
      qs.back() = K;
      rs[rs.size() - 2] = K;
      EXPECT_EQ(q.shape(), qs);
      EXPECT_EQ(r.shape(), rs);
      EXPECT_EQ(q.dtype(), dt);
      auto hq = host(q), hr = host(r), ha = host(a);
      EXPECT_LT(max_err_product(hq, hr, ha), tol_for(dt) * 10);
      EXPECT_LT(orth_err(hq), tol_for(dt) * 10);
      for (int b = 0; b < hr.batch; ++b)
        for (int i = 0; i < K; ++i)
          for (int j = 0; j < std::min(i, N); ++j)
            EXPECT_EQ(hr.at(b, i, j), cd(0));
    }
  }
}

TEST(Linalg, QrNonContiguousAndEmpty) {
  array a =
      swapaxes(rand_mat({3, 5, 4}, 3), -1, -2);  // (3, 4, 5) transposed view
  auto [q, r] = linalg::qr(a, kCpu);
  EXPECT_LT(max_err_product(host(q), host(r), host(a)), 1e-10);
  auto [q0, r0] = linalg::qr(zeros({0, 3, 3}, float32), kCpu);
  EXPECT_EQ(q0.shape(), (Shape{0, 3, 3}));
  auto [q1, r1] = linalg::qr(zeros({3, 0}, float32), kCpu);
  EXPECT_EQ(q1.shape(), (Shape{3, 0}));
  EXPECT_EQ(r1.shape(), (Shape{0, 0}));
  q1.eval();
  r1.eval();
}

// ---------------------------------------------------------------- SVD

void check_svd(const array& a, double tol) {
  auto usv = linalg::svd(a, true, kCpu);
  int M = a.shape(-2), N = a.shape(-1), K = std::min(M, N);
  auto hu = host(usv[0]), hvt = host(usv[2]), ha = host(a);
  auto s = to_vector(usv[1]);
  EXPECT_LT(orth_err(hu), tol);
  EXPECT_LT(orth_err(hvt), tol);
  // U[:, :K] diag(S) Vt[:K] = A
  double err = 0;
  for (int b = 0; b < ha.batch; ++b) {
    for (int i = 0; i < M; ++i) {
      for (int j = 0; j < N; ++j) {
        cd acc = 0;
        for (int k = 0; k < K; ++k)
          acc += hu.at(b, i, k) * s[b * K + k] * hvt.at(b, k, j);
        err = std::max(err, std::abs(acc - ha.at(b, i, j)));
      }
    }
    for (int k = 0; k < K; ++k) {
      EXPECT_GE(s[b * K + k], 0.0);
      if (k) EXPECT_GE(s[b * K + k - 1], s[b * K + k]);
    }
  }
  EXPECT_LT(err, tol);
  auto s_only = linalg::svd(a, false, kCpu);
  ASSERT_EQ(s_only.size(), 1u);
  expect_values(s_only[0], s, tol);
}

TEST(Linalg, SvdIdentities) {
  check_svd(rand_mat({4, 4}, 1), 1e-10);
  check_svd(rand_mat({6, 3}, 2), 1e-10);
  check_svd(rand_mat({2, 3, 5}, 3), 1e-10);
  check_svd(rand_mat({3, 4, 4}, 4, float32), 1e-4);
  check_svd(swapaxes(rand_mat({2, 5, 3}, 5), -1, -2), 1e-10);
  // Known values: diag(3, -2) has singular values (3, 2).
  auto s =
      linalg::svd(array({3.0, 0.0, 0.0, -2.0}, {2, 2}, float64), false, kCpu);
  expect_values(s[0], {3.0, 2.0}, 1e-12);
  // Complex input: singular values are real (float32).
  std::vector<complex64_t> zv = {{1, 1}, {0, 2}, {3, 0}, {1, -1}};
  array z(zv, {2, 2}, complex64);
  auto zs = linalg::svd(z, true, kCpu);
  EXPECT_EQ(zs[1].dtype(), float32);
  EXPECT_EQ(zs[0].dtype(), complex64);
  check_svd(z, 1e-5);
}

TEST(Linalg, SvdEmpty) {
  auto usv = linalg::svd(zeros({3, 0}, float32), true, kCpu);
  EXPECT_EQ(usv[0].shape(), (Shape{3, 3}));
  EXPECT_EQ(usv[1].shape(), (Shape{0}));
  expect_values(usv[0], {1, 0, 0, 0, 1, 0, 0, 0, 1});
}

// ---------------------------------------------------------------- inverses

TEST(Linalg, InvIdentity) {
  for (Dtype dt : {float32, float64}) {
    array a =
        add(rand_mat({3, 4, 4}, 9, dt), multiply(eye(4, dt), array(3.0, dt)));
    array x = linalg::inv(a, kCpu);
    EXPECT_EQ(x.dtype(), dt);
    EXPECT_LT(max_err_product(host(a), host(x), identity_like(3, 4)),
              tol_for(dt) * 10);
  }
  // Known value and a transposed (non-contiguous) view.
  array a = array({4.0, 7.0, 2.0, 6.0}, {2, 2}, float64);
  expect_values(linalg::inv(a, kCpu), {0.6, -0.7, -0.2, 0.4}, 1e-12);
  expect_values(linalg::inv(transpose(a), kCpu), {0.6, -0.2, -0.7, 0.4}, 1e-12);
}

TEST(Linalg, InvSingularRaises) {
  array a = array({1.0, 2.0, 2.0, 4.0}, {2, 2}, float64);
  array x = linalg::inv(a, kCpu);
  EXPECT_THROW(x.eval(), std::runtime_error);
}

TEST(Linalg, TriInvReadsOneTriangle) {
  array full =
      array({2.0, 9.0, 9.0, 1.0, 3.0, 9.0, 4.0, 5.0, 6.0}, {3, 3}, float64);
  array lo = linalg::tri_inv(full, false, kCpu);
  array ref = linalg::inv(tril(full), kCpu);
  expect_values(lo, to_vector(ref), 1e-12);
  array up = linalg::tri_inv(transpose(full), true, kCpu);
  expect_values(up, to_vector(transpose(ref)), 1e-12);
  auto v = to_vector(lo);
  EXPECT_EQ(v[1], 0.0);
  EXPECT_EQ(v[2], 0.0);
  EXPECT_EQ(v[5], 0.0);
}

TEST(Linalg, PinvPenroseConditions) {
  for (Shape sh : {Shape{4, 3}, Shape{3, 5}, Shape{2, 4, 4}}) {
    array a = rand_mat(sh, 11);
    array p = linalg::pinv(a, kCpu);
    Shape ps = sh;
    std::swap(ps[ps.size() - 1], ps[ps.size() - 2]);
    EXPECT_EQ(p.shape(), ps);
    auto ha = host(a), hp = host(p);
    EXPECT_LT(max_err_product(host(matmul(a, p)), ha, ha), 1e-10);
    EXPECT_LT(max_err_product(host(matmul(p, a)), hp, hp), 1e-10);
  }
  // Rank one: pinv(u vᵀ) = v uᵀ / (|u|² |v|²).
  array u = array({1.0, 2.0}, {2, 1}, float64),
        v = array({3.0, 0.0, 4.0}, {1, 3}, float64);
  array p = linalg::pinv(matmul(u, v), kCpu);
  expect_values(p, {3 / 125.0, 6 / 125.0, 0, 0, 4 / 125.0, 8 / 125.0}, 1e-10);
}

// ---------------------------------------------------------------- Cholesky

TEST(Linalg, CholeskyLowerUpper) {
  for (Dtype dt : {float32, float64}) {
    array a = spd({2, 4, 4}, 5, dt);
    array l = linalg::cholesky(a, false, kCpu);
    auto hl = host(l);
    EXPECT_LT(max_err_product(hl, host(swapaxes(l, -1, -2)), host(a)),
              tol_for(dt) * 40);
    for (int b = 0; b < 2; ++b)
      for (int i = 0; i < 4; ++i)
        for (int j = i + 1; j < 4; ++j) EXPECT_EQ(hl.at(b, i, j), cd(0));
    array u = linalg::cholesky(a, true, kCpu);
    expect_values(u, to_vector(swapaxes(l, -1, -2)), tol_for(dt));
  }
  // Only the chosen triangle is read.
  array a = spd({3, 3}, 6);
  array junk = add(tril(a), triu(full({3, 3}, 100.0, float64), 1));
  expect_values(linalg::cholesky(junk, false, kCpu),
                to_vector(linalg::cholesky(a, false, kCpu)), 1e-12);
  // Known: [[4, 2], [2, 5]] = L Lᵀ with L = [[2, 0], [1, 2]].
  expect_values(
      linalg::cholesky(array({4.0, 2.0, 2.0, 5.0}, {2, 2}), false, kCpu),
      {2, 0, 1, 2}, 1e-6);
}

TEST(Linalg, CholeskyNotPositiveDefiniteRaises) {
  array l = linalg::cholesky(array({1.0, 2.0, 2.0, 1.0}, {2, 2}), false, kCpu);
  EXPECT_THROW(l.eval(), std::runtime_error);
}

TEST(Linalg, CholeskyInv) {
  array a = spd({2, 3, 3}, 8);
  for (bool upper : {false, true}) {
    array c = linalg::cholesky(a, upper, kCpu);
    expect_values(linalg::cholesky_inv(c, upper, kCpu),
                  to_vector(linalg::inv(a, kCpu)), 1e-10);
  }
}

// ---------------------------------------------------------------- eigen

TEST(Linalg, EigGeneral) {
  // Rotation by 90 degrees: eigenvalues ±i.
  array rot = array({0.0, -1.0, 1.0, 0.0}, {2, 2}, float64);
  array w = linalg::eigvals(rot, kCpu);
  EXPECT_EQ(w.dtype(), complex64);
  auto hw = host(reshape(w, {1, 2}));
  std::vector<double> im = {hw.at(0, 0, 0).imag(), hw.at(0, 0, 1).imag()};
  std::sort(im.begin(), im.end());
  EXPECT_NEAR(im[0], -1.0, 1e-6);
  EXPECT_NEAR(im[1], 1.0, 1e-6);
  for (Dtype dt : {float32, float64, complex64}) {
    array a = rand_mat({3, 5, 5}, 12, float64);
    if (dt == complex64) {
      a = add(astype(a, complex64),
              multiply(astype(rand_mat({3, 5, 5}, 13), complex64),
                       array(complex64_t(0, 1))));
    } else {
      a = astype(a, dt);
    }
    auto [ew, ev] = linalg::eig(a, kCpu);
    EXPECT_EQ(ew.shape(), (Shape{3, 5}));
    EXPECT_EQ(ev.shape(), (Shape{3, 5, 5}));
    // A v = v diag(w)
    auto ha = host(a), hv = host(ev), hw2 = host(reshape(ew, {3, 1, 5}));
    double err = 0;
    for (int b = 0; b < 3; ++b)
      for (int i = 0; i < 5; ++i)
        for (int j = 0; j < 5; ++j) {
          cd s = 0;
          for (int l = 0; l < 5; ++l) s += ha.at(b, i, l) * hv.at(b, l, j);
          err = std::max(err, std::abs(s - hv.at(b, i, j) * hw2.at(b, 0, j)));
        }
    EXPECT_LT(err, 1e-4);
    auto m1 = to_vector(abs(linalg::eigvals(a, kCpu))), m2 = to_vector(abs(ew));
    std::sort(m1.begin(), m1.end());
    std::sort(m2.begin(), m2.end());
    for (size_t k = 0; k < m1.size(); ++k) EXPECT_NEAR(m1[k], m2[k], 1e-4);
  }
}

TEST(Linalg, EighSymmetric) {
  for (Dtype dt : {float32, float64}) {
    array x = rand_mat({2, 4, 4}, 21, dt);
    array a = add(x, swapaxes(x, -1, -2));
    auto [w, v] = linalg::eigh(a, "L", kCpu);
    EXPECT_EQ(w.dtype(), dt);
    auto ha = host(a), hv = host(v);
    auto wv = to_vector(w);
    double err = 0;
    for (int b = 0; b < 2; ++b) {
      for (int j = 1; j < 4; ++j) EXPECT_LE(wv[b * 4 + j - 1], wv[b * 4 + j]);
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) {
          cd s = 0;
          for (int l = 0; l < 4; ++l) s += ha.at(b, i, l) * hv.at(b, l, j);
          err = std::max(err, std::abs(s - hv.at(b, i, j) * wv[b * 4 + j]));
        }
    }
    EXPECT_LT(err, tol_for(dt) * 20);
    EXPECT_LT(orth_err(hv), tol_for(dt) * 20);
    expect_values(linalg::eigvalsh(a, "U", kCpu), wv, tol_for(dt) * 10);
  }
  // Known: [[2, 1], [1, 2]] -> 1, 3; UPLO picks the triangle that is read.
  array a = array({2.0, 100.0, 1.0, 2.0}, {2, 2}, float64);
  expect_values(linalg::eigvalsh(a, "L", kCpu), {1.0, 3.0}, 1e-12);
  expect_values(linalg::eigvalsh(transpose(a), "U", kCpu), {1.0, 3.0}, 1e-12);
  // Hermitian complex: [[2, -i], [i, 2]] -> 1, 3.
  std::vector<complex64_t> hv = {{2, 0}, {0, -1}, {0, 1}, {2, 0}};
  auto [cw, cv] = linalg::eigh(array(hv, {2, 2}, complex64), "L", kCpu);
  EXPECT_EQ(cw.dtype(), float32);
  EXPECT_EQ(cv.dtype(), complex64);
  expect_values(cw, {1.0, 3.0}, 1e-6);
}

// ---------------------------------------------------------------- LU, solve

TEST(Linalg, LuReconstructs) {
  for (Shape sh : {Shape{4, 4}, Shape{5, 3}, Shape{3, 5}, Shape{2, 3, 3}}) {
    for (Dtype dt : {float32, float64}) {
      array a = rand_mat(sh, 31, dt);
      auto plu = linalg::lu(a, kCpu);
      ASSERT_EQ(plu.size(), 3u);
      EXPECT_EQ(plu[0].dtype(), uint32);
      // a = L[P] @ U
      array lp =
          take_along_axis(plu[1], expand_dims(astype(plu[0], int32), -1), -2);
      EXPECT_LT(max_err_product(host(lp), host(plu[2]), host(a)),
                tol_for(dt) * 10);
      // L unit lower, U upper.
      auto hl = host(plu[1]), hu = host(plu[2]);
      for (int b = 0; b < hl.batch; ++b) {
        for (int i = 0; i < hl.rows; ++i)
          for (int j = i; j < hl.cols; ++j)
            EXPECT_EQ(hl.at(b, i, j), cd(i == j ? 1.0 : 0.0));
        for (int i = 0; i < hu.rows; ++i)
          for (int j = 0; j < std::min(i, hu.cols); ++j)
            EXPECT_EQ(hu.at(b, i, j), cd(0));
      }
    }
  }
}

TEST(Linalg, LuFactorPivots) {
  // Partial pivoting on [[1, 2], [3, 4]]: swap rows 0 and 1.
  array a = array({1.0, 2.0, 3.0, 4.0}, {2, 2}, float64);
  auto [lu, piv] = linalg::lu_factor(a, kCpu);
  EXPECT_EQ(piv.dtype(), uint32);
  expect_values(piv, {1, 1});
  expect_values(lu, {3, 4, 1.0 / 3.0, 2 - 4.0 / 3.0}, 1e-12);
  // Singular input still factors (zero pivot).
  auto [lu2, piv2] =
      linalg::lu_factor(array({1.0, 2.0, 2.0, 4.0}, {2, 2}, float64), kCpu);
  expect_values(lu2, {2, 4, 0.5, 0}, 1e-12);
}

TEST(Linalg, SolveMatrixVectorBroadcast) {
  for (Dtype dt : {float32, float64}) {
    array a =
        add(rand_mat({3, 4, 4}, 41, dt), multiply(eye(4, dt), array(3.0, dt)));
    array b = rand_mat({3, 4, 2}, 42, dt);
    array x = linalg::solve(a, b, kCpu);
    EXPECT_EQ(x.shape(), (Shape{3, 4, 2}));
    EXPECT_LT(max_err_product(host(a), host(x), host(b)), tol_for(dt) * 10);
    // 1-D b is a vector; batch dims of a broadcast.
    array bv = rand_mat({4}, 43, dt);
    array xv = linalg::solve(a, bv, kCpu);
    EXPECT_EQ(xv.shape(), (Shape{3, 4}));
    EXPECT_LT(
        max_err_product(host(a), host(expand_dims(xv, -1)),
                        host(broadcast_to(reshape(bv, {1, 4, 1}), {3, 4, 1}))),
        tol_for(dt) * 10);
    // a shared by a batch of b.
    array xb = linalg::solve(take(a, 0, 0), b, kCpu);
    EXPECT_EQ(xb.shape(), (Shape{3, 4, 2}));
  }
  // Mixed dtypes promote.
  array x =
      linalg::solve(eye(2, float32), array({1.0, 2.0}, {2}, float64), kCpu);
  EXPECT_EQ(x.dtype(), float64);
  expect_values(x, {1, 2});
  EXPECT_THROW(linalg::solve(array({1.0, 2.0, 2.0, 4.0}, {2, 2}),
                             array({1.0, 1.0}), kCpu)
                   .eval(),
               std::runtime_error);
}

TEST(Linalg, SolveTriangular) {
  array a = rand_mat({2, 4, 4}, 51);
  a = add(a, multiply(eye(4, float64), array(3.0)));
  array b = rand_mat({2, 4, 3}, 52);
  for (bool upper : {false, true}) {
    array x = linalg::solve_triangular(a, b, upper, kCpu);
    array t = upper ? triu(a) : tril(a);
    EXPECT_LT(max_err_product(host(t), host(x), host(b)), 1e-10);
  }
  array xv = linalg::solve_triangular(take(a, 0, 0),
                                      array({1.0, 2.0, 3.0, 4.0}), false, kCpu);
  EXPECT_EQ(xv.shape(), (Shape{4}));
}

// ---------------------------------------------------------------- det

TEST(Linalg, DetAndSlogdet) {
  array a = array({1.0, 2.0, 3.0, 4.0}, {2, 2}, float64);
  expect_values(linalg::det(a, kCpu), {-2.0}, 1e-12);
  auto [sg, ld] = linalg::slogdet(a, kCpu);
  expect_values(sg, {-1.0});
  expect_values(ld, {std::log(2.0)}, 1e-12);
  // Integers promote to float32.
  array ai = array({2, 0, 0, 3}, {2, 2}, int32);
  array di = linalg::det(ai, kCpu);
  EXPECT_EQ(di.dtype(), float32);
  expect_values(di, {6.0});
  // Batched against a 3x3 cofactor expansion.
  array b = rand_mat({4, 3, 3}, 61);
  auto hb = host(b);
  std::vector<double> want;
  for (int k = 0; k < 4; ++k) {
    auto m = [&](int i, int j) { return hb.at(k, i, j).real(); };
    want.push_back(m(0, 0) * (m(1, 1) * m(2, 2) - m(1, 2) * m(2, 1)) -
                   m(0, 1) * (m(1, 0) * m(2, 2) - m(1, 2) * m(2, 0)) +
                   m(0, 2) * (m(1, 0) * m(2, 1) - m(1, 1) * m(2, 0)));
  }
  expect_values(linalg::det(b, kCpu), want, 1e-10);
  auto [s2, l2] = linalg::slogdet(b, kCpu);
  std::vector<double> sv, lv;
  for (double d : want) {
    sv.push_back(d > 0 ? 1 : -1);
    lv.push_back(std::log(std::abs(d)));
  }
  expect_values(s2, sv);
  expect_values(l2, lv, 1e-10);
  // Singular: det 0, slogdet (0, -inf); empty matrix: det 1.
  array sing = array({1.0, 2.0, 2.0, 4.0}, {2, 2}, float64);
  expect_values(linalg::det(sing, kCpu), {0.0}, 1e-12);
  auto [s3, l3] = linalg::slogdet(sing, kCpu);
  expect_values(s3, {0.0});
  expect_values(l3, {-kInf});
  expect_values(linalg::det(zeros({0, 0}, float32), kCpu), {1.0});
}

// ---------------------------------------------------------------- errors

TEST(Linalg, Errors) {
  array i2 = array({1, 2, 3, 4}, {2, 2}, int32);
  array v = array({1.0, 2.0});
  array rect = zeros({2, 3}, float32);
  EXPECT_THROW(linalg::inv(i2, kCpu), std::invalid_argument);
  EXPECT_THROW(linalg::qr(astype(i2, float16), kCpu), std::invalid_argument);
  EXPECT_THROW(linalg::inv(v, kCpu), std::invalid_argument);
  EXPECT_THROW(linalg::inv(rect, kCpu), std::invalid_argument);
  EXPECT_THROW(linalg::cholesky(rect, false, kCpu), std::invalid_argument);
  EXPECT_THROW(linalg::eigh(rect, "L", kCpu), std::invalid_argument);
  EXPECT_THROW(linalg::eigh(eye(2), "X", kCpu), std::invalid_argument);
  EXPECT_THROW(linalg::eig(rect, kCpu), std::invalid_argument);
  EXPECT_THROW(linalg::svd(v, true, kCpu), std::invalid_argument);
  EXPECT_THROW(linalg::inv(astype(eye(2), complex64), kCpu),
               std::invalid_argument);
  EXPECT_THROW(linalg::det(astype(eye(2), complex64), kCpu),
               std::invalid_argument);
  EXPECT_THROW(linalg::det(rect, kCpu), std::invalid_argument);
  EXPECT_THROW(linalg::solve(eye(2), array({1.0, 2.0, 3.0}), kCpu),
               std::invalid_argument);
  EXPECT_THROW(linalg::solve(eye(2), array(1.0), kCpu), std::invalid_argument);
  EXPECT_THROW(linalg::solve(zeros({2, 3, 3}), zeros({4, 3, 1}), kCpu),
               std::invalid_argument);
  EXPECT_THROW(linalg::solve_triangular(rect, zeros({2, 1}), false, kCpu),
               std::invalid_argument);
  // A GPU stream is refused before anything runs, with MLX's message.
  Stream gpu(0, Device(Device::gpu));
  try {
    linalg::inv(eye(2), gpu);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("not yet supported on the GPU"),
              std::string::npos);
  }
  EXPECT_THROW(linalg::qr(eye(2), gpu), std::invalid_argument);
  EXPECT_THROW(linalg::solve(eye(2), eye(2), gpu), std::invalid_argument);
}

// ---------------------------------------------------------------- grads

using gradcheck::OpCase;

array eye_plus(const array& x, double c) {
  return add(x, multiply(eye(x.shape(-1), x.dtype()), array(c, x.dtype())));
}

std::vector<OpCase> grad_cases() {
  std::vector<OpCase> cs;
  auto add_case = [&](OpCase c) {
    c.dtypes = {float32};
    cs.push_back(std::move(c));
  };
  add_case({"inv",
            [](const std::vector<array>& x) {
              return std::vector<array>{linalg::inv(eye_plus(x[0], 3.0), kCpu)};
            },
            {{3, 3}}});
  add_case({"tri_inv_lower",
            [](const std::vector<array>& x) {
              return std::vector<array>{
                  linalg::tri_inv(eye_plus(x[0], 3.0), false, kCpu)};
            },
            {{3, 3}}});
  add_case({"tri_inv_upper",
            [](const std::vector<array>& x) {
              return std::vector<array>{
                  linalg::tri_inv(eye_plus(x[0], 3.0), true, kCpu)};
            },
            {{3, 3}}});
  for (bool upper : {false, true}) {
    add_case({upper ? "cholesky_upper" : "cholesky_lower",
              [upper](const std::vector<array>& x) {
                array a = eye_plus(matmul(x[0], swapaxes(x[0], -1, -2)), 3.0);
                return std::vector<array>{linalg::cholesky(a, upper, kCpu)};
              },
              {{3, 3}}});
  }
  for (Shape sh : {Shape{3, 3}, Shape{4, 2}, Shape{2, 4}}) {
    add_case({"qr_" + std::to_string(sh[0]) + "x" + std::to_string(sh[1]),
              [](const std::vector<array>& x) {
                auto [q, r] = linalg::qr(x[0], kCpu);
                return std::vector<array>{q, r};
              },
              {sh}});
  }
  for (Shape sh : {Shape{3, 3}, Shape{4, 2}, Shape{2, 4}}) {
    OpCase c{"svd_" + std::to_string(sh[0]) + "x" + std::to_string(sh[1]),
             [](const std::vector<array>& x) {
               // Sign-invariant functions of U and V: U_k Vt_k and U_k², Vt_k².
               auto usv = linalg::svd(x[0], true, kCpu);
               int M = x[0].shape(-2), N = x[0].shape(-1), K = std::min(M, N);
               array uk = slice(usv[0], {0, 0}, {M, K});
               array vk = slice(usv[2], {0, 0}, {K, N});
               return std::vector<array>{usv[1], matmul(uk, vk), square(uk),
                                         square(vk)};
             },
             {sh}};
    c.second_order = sh[0] == sh[1];
    add_case(c);
    add_case(
        {"svd_values_" + std::to_string(sh[0]) + "x" + std::to_string(sh[1]),
         [](const std::vector<array>& x) {
           return linalg::svd(x[0], false, kCpu);
         },
         {sh}});
  }
  for (std::string uplo : {"L", "U"}) {
    add_case(
        {"eigh_" + uplo,
         [uplo](const std::vector<array>& x) {
           array a = add(x[0], swapaxes(x[0], -1, -2));
           auto [w, v] = linalg::eigh(a, uplo, kCpu);
           return std::vector<array>{
               w, square(v),
               matmul(multiply(v, expand_dims(w, -2)), swapaxes(v, -1, -2))};
         },
         {{3, 3}}});
  }
  add_case({"eigvalsh",
            [](const std::vector<array>& x) {
              array a = add(x[0], swapaxes(x[0], -1, -2));
              return std::vector<array>{linalg::eigvalsh(a, "L", kCpu)};
            },
            {{4, 4}}});
  add_case({"solve",
            [](const std::vector<array>& x) {
              return std::vector<array>{
                  linalg::solve(eye_plus(x[0], 3.0), x[1], kCpu)};
            },
            {{3, 3}, {3, 2}}});
  add_case({"solve_vector",
            [](const std::vector<array>& x) {
              return std::vector<array>{
                  linalg::solve(eye_plus(x[0], 3.0), x[1], kCpu)};
            },
            {{3, 3}, {3}}});
  for (bool upper : {false, true}) {
    add_case({upper ? "solve_triangular_upper" : "solve_triangular_lower",
              [upper](const std::vector<array>& x) {
                return std::vector<array>{linalg::solve_triangular(
                    eye_plus(x[0], 3.0), x[1], upper, kCpu)};
              },
              {{3, 3}, {3, 2}}});
  }
  add_case({"pinv",
            [](const std::vector<array>& x) {
              return std::vector<array>{linalg::pinv(x[0], kCpu)};
            },
            {{4, 3}}});
  add_case({"cholesky_inv",
            [](const std::vector<array>& x) {
              return std::vector<array>{
                  linalg::cholesky_inv(eye_plus(tril(x[0]), 3.0), false, kCpu)};
            },
            {{3, 3}}});
  add_case({"det",
            [](const std::vector<array>& x) {
              return std::vector<array>{linalg::det(eye_plus(x[0], 2.0), kCpu)};
            },
            {{3, 3}}});
  add_case({"slogdet",
            [](const std::vector<array>& x) {
              auto [s, l] = linalg::slogdet(eye_plus(x[0], 2.0), kCpu);
              return std::vector<array>{l};
            },
            {{3, 3}}});
  return cs;
}

class LinalgGrad : public ::testing::TestWithParam<OpCase> {};

TEST_P(LinalgGrad, Check) { gradcheck::check_op(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Rows, LinalgGrad, ::testing::ValuesIn(grad_cases()),
                         [](const auto& info) { return info.param.name; });

TEST(Linalg, VmapNoGradPrimitives) {
  // eig and lu have no derivative; their batching rules still apply.
  array a = rand_mat({3, 4, 4}, 71);
  auto f = [](const std::vector<array>& x) {
    auto plu = linalg::lu(x[0], kCpu);
    return std::vector<array>{astype(plu[0], float64), plu[1], plu[2],
                              abs(linalg::eigvals(x[0], kCpu))};
  };
  auto got =
      vmap(f, {1}, std::vector<std::optional<int>>(4, 0))({swapaxes(a, 0, 1)});
  for (int b = 0; b < 3; ++b) {
    auto want = f({take(a, b, 0)});
    for (size_t j = 0; j < want.size(); ++j) {
      expect_values(take(got[j], b, 0), to_vector(want[j]), 1e-6);
    }
  }
  auto lu_l = [](const std::vector<array>& x) {
    return std::vector<array>{linalg::lu(x[0], kCpu)[1]};
  };
  EXPECT_THROW(vjp(lu_l, {a}, {ones({3, 4, 4}, float64)}),
               std::invalid_argument);
}

}  // namespace
}  // namespace ember
