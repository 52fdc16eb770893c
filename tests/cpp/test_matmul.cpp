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
    check_matmul(rnd({9, 12}, 3, dt), rnd({12, 7}, 4, dt), tol_products(dt));
    check_matmul(rnd({2, 9, 12}, 5, dt), rnd({12, 7}, 6, dt), tol_products(dt));
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
    check_matmul(rnd({2, 1, 3, 4}, 1, dt), rnd({3, 4, 5}, 2, dt), tol_products(dt));
  }
}

TEST(Matmul, MatmulNonContiguous) {
  for (auto dt : {float32, float64, float16, bfloat16}) {
    double tol = tol_products(dt);
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

TEST(Matmul, AddMM) {
  for (auto dt : {float32, float64, float16, bfloat16}) {
    array a = rnd({3, 4}, 1, dt), b = rnd({4, 5}, 2, dt), c = rnd({3, 5}, 3, dt);
    auto [ab, shape] = ref_matmul(to_vector(a), a.shape(), to_vector(b), b.shape());
    auto cv = to_vector(c);
    std::vector<double> expect(ab.size());
    for (size_t i = 0; i < ab.size(); ++i) expect[i] = 2.0 * ab[i] - 0.5 * cv[i];
    array y = addmm(c, a, b, 2.0f, -0.5f);
    EXPECT_EQ(y.dtype(), dt);
    expect_values(y, expect, tol_products(dt) * 2);
  }
  // c broadcasts (row vector), batch dims, transposed a, beta = 0.
  array a = transpose(rnd({4, 2, 3}, 4), {1, 2, 0});  // (2, 3, 4)
  array b = rnd({4, 5}, 5), c = rnd({5}, 6);
  auto [ab, shape] = ref_matmul(to_vector(a), a.shape(), to_vector(b), b.shape());
  auto cv = to_vector(c);
  std::vector<double> expect(ab.size()), e0(ab.size());
  for (size_t i = 0; i < ab.size(); ++i) {
    expect[i] = ab[i] + cv[i % 5];
    e0[i] = 3.0 * ab[i];
  }
  expect_values(addmm(c, a, b), expect, 1e-5);
  expect_values(addmm(c, a, b, 3.0f, 0.0f), e0, 1e-5);
  // 1-D operands: (K) @ (K, N) + c(N).
  array v = rnd({4}, 7);
  auto [vb, vs] = ref_matmul(to_vector(v), v.shape(), to_vector(b), b.shape());
  std::vector<double> ev(5);
  for (int i = 0; i < 5; ++i) ev[i] = vb[i] + cv[i];
  array yv = addmm(c, v, b);
  EXPECT_EQ(yv.shape(), (Shape{5}));
  expect_values(yv, ev, 1e-5);
  EXPECT_THROW(addmm(rnd({4}, 1), rnd({3, 4}, 1), rnd({4, 5}, 1)),
               std::invalid_argument);
  EXPECT_THROW(addmm(rnd({5}, 1, int32), rnd({3, 4}, 1, int32),
                     rnd({4, 5}, 1, int32)),
               std::invalid_argument);
  EXPECT_THROW(addmm(rnd({3, 5}, 1), rnd({3, 4}, 1), rnd({3, 5}, 1)),
               std::invalid_argument);
}

TEST(Matmul, InnerOuterKron) {
  array a = rnd({2, 3}, 1), b = rnd({4, 3}, 2);
  auto av = to_vector(a), bv = to_vector(b);
  std::vector<double> in(8);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 3; ++k) in[i * 4 + j] += av[i * 3 + k] * bv[j * 3 + k];
  array y = inner(a, b);
  EXPECT_EQ(y.shape(), (Shape{2, 4}));
  expect_values(y, in, 1e-5);
  expect_values(inner(a, array(2.0f)), {2 * av[0], 2 * av[1], 2 * av[2],
                                        2 * av[3], 2 * av[4], 2 * av[5]});
  EXPECT_THROW(inner(a, rnd({3, 2}, 1)), std::invalid_argument);
  // outer flattens its inputs.
  std::vector<double> out;
  for (double x : av)
    for (double z : bv) out.push_back(x * z);
  array o = outer(a, b);
  EXPECT_EQ(o.shape(), (Shape{6, 12}));
  expect_values(o, out, 1e-6);
  expect_values(outer(array({1, 2}), array({3, 4, 5})), {3, 4, 5, 6, 8, 10});
  // kron of (2, 3) and (3,) -> (2, 9); and (2, 2) x (2, 2) ints.
  array c = rnd({3}, 3);
  auto cv = to_vector(c);
  std::vector<double> kr;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) kr.push_back(av[i * 3 + j] * cv[k]);
  array k = kron(a, c);
  EXPECT_EQ(k.shape(), (Shape{2, 9}));
  expect_values(k, kr, 1e-6);
  array k2 = kron(array({1, 2, 3, 4}, {2, 2}), array({0, 1, 1, 0}, {2, 2}));
  EXPECT_EQ(k2.dtype(), int32);
  expect_values(k2, {0, 1, 0, 2, 1, 0, 2, 0, 0, 3, 0, 4, 3, 0, 4, 0});
  expect_values(kron(array(2.0f), c), {2 * cv[0], 2 * cv[1], 2 * cv[2]}, 1e-6);
}

TEST(Matmul, Tensordot) {
  array a = rnd({3, 4, 5}, 1), b = rnd({4, 5, 2}, 2);
  auto av = to_vector(a), bv = to_vector(b);
  std::vector<double> r(6, 0.0);
  for (int i = 0; i < 3; ++i)
    for (int l = 0; l < 2; ++l)
      for (int j = 0; j < 4; ++j)
        for (int k = 0; k < 5; ++k)
          r[i * 2 + l] += av[(i * 4 + j) * 5 + k] * bv[(j * 5 + k) * 2 + l];
  expect_values(tensordot(a, b), r, 1e-5);
  expect_values(tensordot(a, b, {1, 2}, {0, 1}), r, 1e-5);
  // Pairs out of order: a axes (2, 1) with b axes (1, 0).
  expect_values(tensordot(a, b, {2, 1}, {1, 0}), r, 1e-5);
  // axes = 0: outer product.
  EXPECT_EQ(tensordot(rnd({2}, 1), rnd({3}, 2), 0).shape(), (Shape{2, 3}));
  // Contracting a's first axis with b's last, on a transposed view.
  array bt = transpose(b);  // (2, 5, 4)
  array t = tensordot(a, bt, std::vector<int>{1}, std::vector<int>{2});  // (3, 5, 2, 5)
  EXPECT_EQ(t.shape(), (Shape{3, 5, 2, 5}));
  std::vector<double> r3;
  for (int i = 0; i < 3; ++i)
    for (int k = 0; k < 5; ++k)
      for (int l = 0; l < 2; ++l)
        for (int m = 0; m < 5; ++m) {
          double acc = 0;
          for (int j = 0; j < 4; ++j)
            acc += av[(i * 4 + j) * 5 + k] * bv[(j * 5 + m) * 2 + l];
          r3.push_back(acc);
        }
  expect_values(t, r3, 1e-5);
  EXPECT_THROW(tensordot(a, b, 4), std::invalid_argument);
  EXPECT_THROW(tensordot(a, b, -1), std::invalid_argument);
  EXPECT_THROW(tensordot(a, b, std::vector<int>{0}, std::vector<int>{1}),
               std::invalid_argument);
  EXPECT_THROW(tensordot(a, b, {0, 1}, std::vector<int>{0}),
               std::invalid_argument);
  EXPECT_THROW(tensordot(a, b, std::vector<int>{5}, std::vector<int>{0}),
               std::out_of_range);
  EXPECT_THROW(tensordot(a, b, {1, 1}, {0, 0}), std::invalid_argument);
}

TEST(Matmul, Vecdot) {
  array a = rnd({3, 4}, 1), b = rnd({4}, 2);
  auto av = to_vector(a), bv = to_vector(b);
  std::vector<double> r(3, 0.0);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) r[i] += av[i * 4 + j] * bv[j];
  expect_values(vecdot(a, b), r, 1e-5);
  std::vector<double> r0(4, 0.0);
  array c = rnd({3, 1}, 3);
  auto cv = to_vector(c);
  for (int j = 0; j < 4; ++j)
    for (int i = 0; i < 3; ++i) r0[j] += av[i * 4 + j] * cv[i];
  expect_values(vecdot(a, c, 0), r0, 1e-5);
  // Complex: the first argument is conjugated.
  array z(std::vector<complex64_t>{{1, 2}, {3, -1}}, {2});
  array w(std::vector<complex64_t>{{0, 1}, {2, 2}}, {2});
  array d = vecdot(z, w);
  d.eval();
  auto got = detail::read_element<complex64_t>(d, 0);
  // conj(1+2i)(i) + conj(3-i)(2+2i) = (2+i) + (4+8i) = 6+9i
  EXPECT_NEAR(got.real(), 6.0, 1e-5);
  EXPECT_NEAR(got.imag(), 9.0, 1e-5);
  EXPECT_THROW(vecdot(a, rnd({3}, 1)), std::invalid_argument);
  EXPECT_THROW(vecdot(a, b, 2), std::out_of_range);
}

TEST(Matmul, Einsum) {
  array a = rnd({3, 4}, 1), b = rnd({4, 5}, 2), c = rnd({5, 2}, 3);
  auto av = to_vector(a), bv = to_vector(b), cv = to_vector(c);
  auto [ab, s1] = ref_matmul(av, a.shape(), bv, b.shape());
  expect_values(einsum("ij,jk->ik", {a, b}), ab, 1e-5);
  expect_values(einsum("ij,jk", {a, b}), ab, 1e-5);  // implicit output
  auto [abc, s2] = ref_matmul(ab, {3, 5}, cv, c.shape());
  expect_values(einsum("ij,jk,kl->il", {a, b, c}), abc, 1e-5);
  // Transposed output, trace, diagonal, sum, outer, element-wise.
  std::vector<double> at;
  for (int j = 0; j < 4; ++j)
    for (int i = 0; i < 3; ++i) at.push_back(av[i * 4 + j]);
  expect_values(einsum("ij->ji", {a}), at, 1e-6);
  expect_values(einsum("ji", {a}), at, 1e-6);  // implicit: sorted labels
  array sq = rnd({4, 4}, 4);
  auto sv = to_vector(sq);
  expect_values(einsum("ii", {sq}), {sv[0] + sv[5] + sv[10] + sv[15]}, 1e-5);
  expect_values(einsum("ii->i", {sq}), {sv[0], sv[5], sv[10], sv[15]}, 1e-6);
  double tot = 0;
  for (double x : av) tot += x;
  expect_values(einsum("ij->", {a}), {tot}, 1e-5);
  std::vector<double> rs(3, 0.0);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) rs[i] += av[i * 4 + j];
  expect_values(einsum("ij->i", {a}), rs, 1e-5);
  array u = rnd({3}, 5), v = rnd({2}, 6);
  auto uv = to_vector(u), vv = to_vector(v);
  std::vector<double> uo;
  for (double x : uv)
    for (double y : vv) uo.push_back(x * y);
  expect_values(einsum("i,j->ij", {u, v}), uo, 1e-6);
  double dot = 0;
  for (int i = 0; i < 3; ++i) dot += uv[i] * uv[i];
  expect_values(einsum("i,i", {u, u}), {dot}, 1e-6);
  // Batched with ellipsis and broadcasting batch dims.
  array x = rnd({2, 1, 3, 4}, 7), y = rnd({5, 4, 2}, 8);
  auto [xy, s3] = ref_matmul(to_vector(x), x.shape(), to_vector(y), y.shape());
  array e = einsum("...ij,...jk->...ik", {x, y});
  EXPECT_EQ(e.shape(), (Shape{2, 5, 3, 2}));
  expect_values(e, xy, 1e-5);
  expect_values(einsum("...ij,...jk", {x, y}), xy, 1e-5);
  // Batch label kept in output, and a label summed from one operand only.
  array p = rnd({2, 3, 4}, 9), q = rnd({2, 4, 6}, 10);
  auto pv = to_vector(p), qv = to_vector(q);
  std::vector<double> bq(2 * 3, 0.0);
  for (int bb = 0; bb < 2; ++bb)
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 4; ++j)
        for (int k = 0; k < 6; ++k)
          bq[bb * 3 + i] += pv[(bb * 3 + i) * 4 + j] * qv[(bb * 4 + j) * 6 + k];
  expect_values(einsum("bij,bjk->bi", {p, q}), bq, 1e-5);
  // Integer operands use multiply + sum.
  array ia = array({1, 2, 3, 4}, {2, 2}), ib = array({5, 6, 7, 8}, {2, 2});
  array ie = einsum("ij,jk->ik", {ia, ib});
  EXPECT_EQ(ie.dtype(), int32);
  expect_values(ie, {19, 22, 43, 50});
  // f16
  expect_values(einsum("ij,jk->ik", {astype(a, float16), astype(b, float16)}),
                ref_matmul(to_vector(astype(a, float16)), a.shape(),
                           to_vector(astype(b, float16)), b.shape()).first,
                1e-2);
  // Errors.
  EXPECT_THROW(einsum("ij,jk->ik", {a}), std::invalid_argument);
  EXPECT_THROW(einsum("ijk,jk->ik", {a, b}), std::invalid_argument);
  EXPECT_THROW(einsum("ij,jk->iz", {a, b}), std::invalid_argument);
  EXPECT_THROW(einsum("ij,jk->ii", {a, b}), std::invalid_argument);
  EXPECT_THROW(einsum("ij,ik->jk", {a, b}), std::invalid_argument);  // 3 vs 4
  EXPECT_THROW(einsum("i1,jk->ik", {a, b}), std::invalid_argument);
  EXPECT_THROW(einsum("i..j,jk->ik", {a, b}), std::invalid_argument);
  EXPECT_THROW(einsum("ij", {}), std::invalid_argument);
}

TEST(Matmul, EinsumPath) {
  array a = rnd({2, 30}, 1), b = rnd({30, 40}, 2), c = rnd({40, 2}, 3);
  auto [path, info] = einsum_path("ij,jk,kl->il", {a, b, c});
  // Greedy: a@b (2x40) is smaller than b@c (30x2)? 80 > 60, so b,c first.
  ASSERT_EQ(path.size(), 2u);
  EXPECT_EQ(path[0], (std::vector<int>{1, 2}));
  EXPECT_EQ(path[1], (std::vector<int>{0, 1}));
  EXPECT_NE(info.find("ij,jk,kl->il"), std::string::npos);
  EXPECT_THROW(einsum_path("ij,jk", {a}), std::invalid_argument);
}

namespace {
std::vector<double> mT_ref(const std::vector<double>& v, int r, int c) {
  std::vector<double> o(v.size());
  for (int i = 0; i < r; ++i)
    for (int j = 0; j < c; ++j) o[j * r + i] = v[i * c + j];
  return o;
}
}  // namespace

TEST(Matmul, MatmulVjpJvp) {
  for (auto dt : {float32, float64, float16}) {
    double tol = tol_products(dt);
    array a = rnd({3, 4}, 1, dt), b = rnd({4, 5}, 2, dt);
    array y = matmul(a, b);
    array cot = rnd({3, 5}, 3, dt);
    auto g = y.primitive().vjp(y.inputs(), {cot}, {0, 1}, {y});
    auto av = to_vector(a), bv = to_vector(b), cv = to_vector(cot);
    // dA = cot @ B^T, dB = A^T @ cot.
    expect_values(g[0], ref_matmul(cv, {3, 5}, mT_ref(bv, 4, 5), {5, 4}).first,
                  tol);
    expect_values(g[1], ref_matmul(mT_ref(av, 3, 4), {4, 3}, cv, {3, 5}).first,
                  tol);
    array ta = rnd({3, 4}, 4, dt), tb = rnd({4, 5}, 5, dt);
    auto t = y.primitive().jvp(y.inputs(), {ta, tb}, {0, 1});
    auto r1 = ref_matmul(to_vector(ta), {3, 4}, bv, {4, 5}).first;
    auto r2 = ref_matmul(av, {3, 4}, to_vector(tb), {4, 5}).first;
    for (size_t i = 0; i < r1.size(); ++i) r1[i] += r2[i];
    expect_values(t[0], r1, tol * 2);
  }
  // Batched: primal inputs of the primitive are already broadcast.
  array a = rnd({2, 3, 4}, 6), b = rnd({2, 4, 2}, 7);
  array y = matmul(a, b);
  array cot = rnd({2, 3, 2}, 8);
  auto g = y.primitive().vjp(y.inputs(), {cot}, {1}, {y});
  EXPECT_EQ(g[0].shape(), (Shape{2, 4, 2}));
  auto av = to_vector(a), cv = to_vector(cot);
  std::vector<double> ref;
  for (int bb = 0; bb < 2; ++bb) {
    std::vector<double> ab(av.begin() + bb * 12, av.begin() + bb * 12 + 12);
    std::vector<double> cb(cv.begin() + bb * 6, cv.begin() + bb * 6 + 6);
    auto r = ref_matmul(mT_ref(ab, 3, 4), {4, 3}, cb, {3, 2}).first;
    ref.insert(ref.end(), r.begin(), r.end());
  }
  expect_values(g[0], ref, 1e-5);
}

TEST(Matmul, GradientsOfTransposedOperandsAreContiguous) {
  // x @ W.T (a Linear) and X.T @ w: the gradient reaching W (X) through the
  // transpose is row-contiguous, with the same values as A^T @ cot.
  array x = rnd({6, 4}, 11), w = rnd({5, 4}, 12), c = rnd({5}, 13);
  array cot = rnd({6, 5}, 14);
  auto f = [&](const std::vector<array>& p) {
    return std::vector<array>{matmul(p[0], transpose(p[1]))};
  };
  auto fa = [&](const std::vector<array>& p) {
    return std::vector<array>{addmm(c, p[0], transpose(p[1]))};
  };
  auto xv = to_vector(x), wv = to_vector(w), cv = to_vector(cot);
  // dW = cot^T @ x (5 x 4); dx = cot @ W (6 x 4).
  auto dw = ref_matmul(mT_ref(cv, 6, 5), {5, 6}, xv, {6, 4}).first;
  auto dx = ref_matmul(cv, {6, 5}, wv, {5, 4}).first;
  for (auto& fn : {std::function<std::vector<array>(const std::vector<array>&)>(f),
                   std::function<std::vector<array>(const std::vector<array>&)>(fa)}) {
    auto [outs, grads] = vjp(fn, {x, w}, {cot});
    eval(grads);
    expect_values(grads[1], dw, 1e-5);
    expect_values(grads[0], dx, 1e-5);
    EXPECT_TRUE(grads[1].flags().row_contiguous);
  }
  // Transposed left operand: y = X.T @ v, dX = v @ cot^T.
  array xt = rnd({4, 6}, 15), v = rnd({4, 5}, 16);
  auto g = [&](const std::vector<array>& p) {
    return std::vector<array>{matmul(transpose(p[0]), p[1])};
  };
  auto [outs, grads] = vjp(g, {xt, v}, {cot});
  eval(grads);
  expect_values(grads[0], ref_matmul(to_vector(v), {4, 5}, mT_ref(cv, 6, 5), {5, 6}).first,
                1e-5);
  EXPECT_TRUE(grads[0].flags().row_contiguous);
}

TEST(Matmul, AddMMVjpJvp) {
  array a = rnd({3, 4}, 1), b = rnd({4, 5}, 2), c = rnd({3, 5}, 3);
  array y = addmm(c, a, b, 2.0f, 0.5f);
  array cot = rnd({3, 5}, 4);
  auto g = y.primitive().vjp(y.inputs(), {cot}, {0, 1, 2}, {y});
  auto av = to_vector(a), bv = to_vector(b), cv = to_vector(cot);
  auto ga = ref_matmul(cv, {3, 5}, mT_ref(bv, 4, 5), {5, 4}).first;
  auto gb = ref_matmul(mT_ref(av, 3, 4), {4, 3}, cv, {3, 5}).first;
  for (auto& x : ga) x *= 2;
  for (auto& x : gb) x *= 2;
  std::vector<double> gc;
  for (double x : cv) gc.push_back(0.5 * x);
  expect_values(g[0], ga, 1e-5);
  expect_values(g[1], gb, 1e-5);
  expect_values(g[2], gc, 1e-5);
  array tc = rnd({3, 5}, 5);
  auto t = y.primitive().jvp(y.inputs(), {tc}, {2});
  std::vector<double> tr;
  for (double x : to_vector(tc)) tr.push_back(0.5 * x);
  expect_values(t[0], tr, 1e-6);
  array ta = rnd({3, 4}, 6);
  auto t2 = y.primitive().jvp(y.inputs(), {ta}, {0});
  auto r2 = ref_matmul(to_vector(ta), {3, 4}, bv, {4, 5}).first;
  for (auto& x : r2) x *= 2;
  expect_values(t2[0], r2, 1e-5);
}

TEST(Matmul, MatmulVmap) {
  int B = 3;
  array a0 = rnd({2, 4}, 1), b0 = rnd({4, 5}, 2);
  array y0 = matmul(a0, b0);
  auto& prim = y0.primitive();
  array ab = rnd({2, B, 4}, 3);  // batched along axis 1
  array bb = rnd({4, 5, B}, 4);  // batched along axis 2
  auto abv = to_vector(ab), bbv = to_vector(bb);
  auto a_at = [&](int k) {
    std::vector<double> v;
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 4; ++j) v.push_back(abv[(i * B + k) * 4 + j]);
    return v;
  };
  auto b_at = [&](int k) {
    std::vector<double> v;
    for (int i = 0; i < 20; ++i) v.push_back(bbv[i * B + k]);
    return v;
  };
  auto check = [&](array x, int ax, array y, int ay) {
    auto [outs, axes] = prim.vmap({x, y}, {ax, ay});
    array o = moveaxis(outs[0], axes[0], 0);
    EXPECT_EQ(o.shape(), (Shape{B, 2, 5}));
    std::vector<double> ref;
    for (int k = 0; k < B; ++k) {
      auto r = ref_matmul(ax >= 0 ? a_at(k) : to_vector(a0), {2, 4},
                          ay >= 0 ? b_at(k) : to_vector(b0), {4, 5}).first;
      ref.insert(ref.end(), r.begin(), r.end());
    }
    expect_values(o, ref, 1e-5);
  };
  check(ab, 1, b0, -1);
  check(a0, -1, bb, 2);
  check(ab, 1, bb, 2);
  // AddMM
  array c0 = rnd({2, 5}, 5);
  array z0 = addmm(c0, a0, b0, 1.5f, 2.0f);
  auto [outs, axes] = z0.primitive().vmap({ab, b0, c0}, {1, -1, -1});
  array o = moveaxis(outs[0], axes[0], 0);
  auto cv = to_vector(c0);
  std::vector<double> ref;
  for (int k = 0; k < B; ++k) {
    auto r = ref_matmul(a_at(k), {2, 4}, to_vector(b0), {4, 5}).first;
    for (int i = 0; i < 10; ++i) ref.push_back(1.5 * r[i] + 2.0 * cv[i]);
  }
  expect_values(o, ref, 1e-5);
  // Only c batched (along axis 0).
  array cb = rnd({B, 2, 5}, 6);
  auto [outs2, axes2] = z0.primitive().vmap({a0, b0, cb}, {-1, -1, 0});
  array o2 = moveaxis(outs2[0], axes2[0], 0);
  auto cbv = to_vector(cb);
  auto r0 = ref_matmul(to_vector(a0), {2, 4}, to_vector(b0), {4, 5}).first;
  std::vector<double> ref2;
  for (int k = 0; k < B; ++k)
    for (int i = 0; i < 10; ++i) ref2.push_back(1.5 * r0[i] + 2.0 * cbv[k * 10 + i]);
  expect_values(o2, ref2, 1e-5);
}
