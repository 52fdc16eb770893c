// Matrix products: matmul, addmm, inner, outer, tensordot, kron, vecdot,
// einsum; derivatives and batching rules of Matmul/AddMM.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>

#include "ember/ember.h"
#include "ember/primitives/matmul.h"
#include "test_utils.h"

using namespace ember;

namespace {

std::vector<double> randv(size_t n, uint64_t seed) {
  std::vector<double> v(n);
  uint64_t x = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (auto& e : v) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    e = double((x >> 11) % 2001) / 1000.0 - 1.0;
  }
  return v;
}

array rnd(Shape shape, uint64_t seed, Dtype dt = float32) {
  return array(randv(shape_size(shape), seed), shape, dt);
}

double tol_for(Dtype dt) {
  switch (dt) {
    case Dtype::float16: return 1e-2;
    case Dtype::bfloat16: return 4e-2;
    case Dtype::float64: return 1e-12;
    default: return 1e-5;
  }
}

// Row-major index of `idx` (over `out`) broadcast into `in` (aligned right).
size_t bcast_index(size_t idx, const Shape& out, const Shape& in) {
  size_t r = 0, mul = 1;
  int off = int(out.size()) - int(in.size());
  for (int d = int(out.size()) - 1; d >= 0; --d) {
    size_t i = idx % out[d];
    idx /= out[d];
    if (d >= off) {
      int id = d - off;
      if (in[id] != 1) r += i * mul;
      mul *= in[id];
    }
  }
  return r;
}

// Reference NumPy matmul in double (1-D promotion, batch broadcasting).
std::pair<std::vector<double>, Shape> ref_matmul(const std::vector<double>& av,
                                                 Shape as,
                                                 const std::vector<double>& bv,
                                                 Shape bs) {
  bool av1 = as.size() == 1, bv1 = bs.size() == 1;
  if (av1) as.insert(as.begin(), 1);
  if (bv1) bs.push_back(1);
  int M = as[as.size() - 2], K = as.back(), N = bs.back();
  Shape ab(as.begin(), as.end() - 2), bb(bs.begin(), bs.end() - 2);
  Shape batch = broadcast_shapes(ab, bb);
  size_t nb = shape_size(batch);
  std::vector<double> out(nb * M * N);
  for (size_t t = 0; t < nb; ++t) {
    size_t ia = bcast_index(t, batch, ab), ib = bcast_index(t, batch, bb);
    for (int m = 0; m < M; ++m)
      for (int n = 0; n < N; ++n) {
        double acc = 0;
        for (int k = 0; k < K; ++k)
          acc += av[ia * M * K + m * K + k] * bv[ib * K * N + k * N + n];
        out[t * M * N + m * N + n] = acc;
      }
  }
  Shape os = batch;
  if (!av1) os.push_back(M);
  if (!bv1) os.push_back(N);
  return {out, os};
}

void check_matmul(const array& a, const array& b, double tol) {
  auto c = matmul(a, b);
  auto [ref, shape] = ref_matmul(to_vector(a), a.shape(), to_vector(b), b.shape());
  EXPECT_EQ(c.shape(), shape);
  EXPECT_EQ(c.dtype(), promote_types(a.dtype(), b.dtype()));
  expect_values(c, ref, tol);
}

}  // namespace

TEST(Matmul, MatmulShapes2D) {
  for (auto [M, K, N] : std::vector<std::array<int, 3>>{
           {1, 1, 1}, {3, 4, 5}, {17, 33, 9}, {64, 1, 7}, {1, 40, 1}, {70, 65, 66}}) {
    check_matmul(rnd({M, K}, 1), rnd({K, N}, 2), 1e-5);
  }
}

TEST(Matmul, MatmulDtypes) {
  for (auto dt : {float16, bfloat16, float32, float64}) {
    check_matmul(rnd({9, 12}, 3, dt), rnd({12, 7}, 4, dt), tol_for(dt));
    check_matmul(rnd({2, 9, 12}, 5, dt), rnd({12, 7}, 6, dt), tol_for(dt));
  }
  // Mixed dtypes promote.
  check_matmul(rnd({3, 4}, 7, float16), rnd({4, 2}, 8, float32), 1e-5);
  EXPECT_EQ(matmul(rnd({2, 2}, 1, bfloat16), rnd({2, 2}, 1, float16)).dtype(),
            float32);
}

TEST(Matmul, MatmulComplex) {
  int M = 3, K = 4, N = 2;
  auto ar = randv(M * K, 1), ai = randv(M * K, 2), br = randv(K * N, 3),
       bi = randv(K * N, 4);
  std::vector<complex64_t> av(M * K), bv(K * N);
  for (int i = 0; i < M * K; ++i) av[i] = complex64_t(ar[i], ai[i]);
  for (int i = 0; i < K * N; ++i) bv[i] = complex64_t(br[i], bi[i]);
  array a(av, {M, K}), b(bv, {K, N});
  array c = matmul(a, b);
  c.eval();
  EXPECT_EQ(c.dtype(), complex64);
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n) {
      std::complex<double> acc = 0;
      for (int k = 0; k < K; ++k)
        acc += std::complex<double>(ar[m * K + k], ai[m * K + k]) *
               std::complex<double>(br[k * N + n], bi[k * N + n]);
      auto got = detail::read_element<complex64_t>(c, m * N + n);
      EXPECT_NEAR(got.real(), acc.real(), 1e-5);
      EXPECT_NEAR(got.imag(), acc.imag(), 1e-5);
    }
  // Transposed complex view goes through the Trans flag.
  array ct = matmul(transpose(b), transpose(a));
  ct.eval();
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n) {
      auto x = detail::read_element<complex64_t>(c, m * N + n);
      auto y = detail::read_element<complex64_t>(ct, n * M + m);
      EXPECT_NEAR(x.real(), y.real(), 1e-5);
      EXPECT_NEAR(x.imag(), y.imag(), 1e-5);
    }
}

TEST(Matmul, MatmulVectorPromotion) {
  check_matmul(rnd({5}, 1), rnd({5, 3}, 2), 1e-5);
  check_matmul(rnd({4, 5}, 3), rnd({5}, 4), 1e-5);
  check_matmul(rnd({5}, 5), rnd({5}, 6), 1e-5);
  check_matmul(rnd({5}, 7), rnd({2, 3, 5, 4}, 8), 1e-5);
  check_matmul(rnd({2, 3, 4, 5}, 9), rnd({5}, 10), 1e-5);
  EXPECT_EQ(matmul(rnd({5}, 5), rnd({5}, 6)).ndim(), 0);
}

TEST(Matmul, MatmulBatchBroadcast) {
  check_matmul(rnd({2, 1, 3, 4}, 1), rnd({3, 4, 5}, 2), 1e-5);
  check_matmul(rnd({4, 3, 4}, 3), rnd({4, 6}, 4), 1e-5);    // b shared: folded
  check_matmul(rnd({3, 4}, 5), rnd({6, 4, 2}, 6), 1e-5);    // a shared
  check_matmul(rnd({1, 3, 4}, 7), rnd({5, 1, 4, 2}, 8), 1e-5);
  for (auto dt : {float16, bfloat16, float64}) {
    check_matmul(rnd({2, 1, 3, 4}, 1, dt), rnd({3, 4, 5}, 2, dt), tol_for(dt));
  }
}

TEST(Matmul, MatmulNonContiguous) {
  for (auto dt : {float32, float64, float16, bfloat16}) {
    double tol = tol_for(dt);
    array at = rnd({6, 5}, 1, dt), bt = rnd({4, 6}, 2, dt);
    check_matmul(transpose(at), transpose(bt), tol);        // both Trans
    check_matmul(transpose(at), rnd({6, 3}, 3, dt), tol);   // a Trans
    check_matmul(rnd({3, 6}, 4, dt), transpose(bt), tol);   // b Trans
    // Batched transposed views, with permuted batch axes.
    array a3 = rnd({4, 2, 3}, 5, dt);  // -> (2, 3, 4) via transpose (1, 2, 0)
    array b3 = rnd({5, 4, 2}, 6, dt);  // -> (2, 4, 5) via transpose (2, 1, 0)
    check_matmul(transpose(a3, {1, 2, 0}), transpose(b3, {2, 1, 0}), tol);
    // Broadcast views inside the matrix (stride 0) are packed.
    array row = rnd({1, 5}, 7, dt);
    check_matmul(broadcast_to(row, {3, 5}), rnd({5, 2}, 8, dt), tol);
    check_matmul(rnd({2, 5}, 9, dt), broadcast_to(rnd({5, 1}, 10, dt), {5, 3}),
                 tol);
    // A middle-axis permutation that is neither row- nor column-major.
    array p = rnd({3, 2, 4}, 11, dt);  // (3,2,4) -> (2,3,4) -> matrices (3,4)
    check_matmul(transpose(p, {1, 0, 2}), rnd({4, 2}, 12, dt), tol);
  }
}

TEST(Matmul, MatmulEmpty) {
  auto c = matmul(rnd({0, 3}, 1), rnd({3, 4}, 2));
  EXPECT_EQ(c.shape(), (Shape{0, 4}));
  c.eval();
  auto d = matmul(rnd({2, 0}, 1), rnd({0, 3}, 2));  // empty sum: zeros
  EXPECT_EQ(d.shape(), (Shape{2, 3}));
  expect_values(d, std::vector<double>(6, 0.0));
  auto d16 = matmul(rnd({2, 0}, 1, float16), rnd({0, 3}, 2, float16));
  expect_values(d16, std::vector<double>(6, 0.0));
  auto e = matmul(rnd({0, 2, 3}, 1), rnd({3, 4}, 2));
  EXPECT_EQ(e.shape(), (Shape{0, 2, 4}));
  e.eval();
}

TEST(Matmul, MatmulErrors) {
  EXPECT_THROW(matmul(array({1, 2}), array({1, 2})), std::invalid_argument);
  EXPECT_THROW(matmul(rnd({2, 2}, 1, int64), rnd({2, 2}, 1, uint8)),
               std::invalid_argument);
  EXPECT_THROW(matmul(rnd({2, 2}, 1, bool_), rnd({2, 2}, 1, bool_)),
               std::invalid_argument);
  // int32 @ float32 promotes to float32, which is allowed.
  check_matmul(rnd({2, 2}, 1, int32), rnd({2, 2}, 2), 1e-6);
  EXPECT_THROW(matmul(array(1.0f), rnd({2}, 1)), std::invalid_argument);
  EXPECT_THROW(matmul(rnd({2}, 1), array(1.0f)), std::invalid_argument);
  EXPECT_THROW(matmul(rnd({2, 3}, 1), rnd({2, 3}, 1)), std::invalid_argument);
  EXPECT_THROW(matmul(rnd({2, 2, 3}, 1), rnd({3, 3, 2}, 1)),
               std::invalid_argument);
  EXPECT_THROW(matmul(rnd({3}, 1), rnd({4}, 1)), std::invalid_argument);
}
