// Shape manipulation ops: values against index arithmetic done in the test,
// views sharing buffers, derivative and batching rules, error branches.
#include <gtest/gtest.h>

#include <numeric>

#include "ember/ember.h"
#include "ember/primitives/shape.h"
#include "grad_check.h"
#include "test_utils.h"

using namespace ember;

namespace {

// 0, 1, 2, ... in `shape` (values as doubles in `ref`).
array iota(Shape shape, Dtype dtype = float32) {
  size_t n = shape_size(shape);
  std::vector<float> v(n);
  std::iota(v.begin(), v.end(), 0.0f);
  return array(v, shape, dtype);
}

std::vector<double> iota_ref(size_t n) {
  std::vector<double> v(n);
  std::iota(v.begin(), v.end(), 0.0);
  return v;
}

// Row-major strides of a shape, in elements.
std::vector<int64_t> rstrides(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (int i = int(s.size()) - 2; i >= 0; --i) st[i] = st[i + 1] * s[i + 1];
  return st;
}

// Multi-index of linear index `i` in shape `s`.
std::vector<int64_t> unravel(int64_t i, const Shape& s) {
  std::vector<int64_t> idx(s.size());
  for (int d = int(s.size()) - 1; d >= 0; --d) {
    idx[d] = s[d] ? i % s[d] : 0;
    i = s[d] ? i / s[d] : 0;
  }
  return idx;
}

// Reference transpose of `src` (row-major values of shape `s`) by `perm`.
std::vector<double> ref_transpose(const std::vector<double>& src,
                                  const Shape& s, const std::vector<int>& perm) {
  Shape os;
  for (int p : perm) os.push_back(s[p]);
  auto st = rstrides(s);
  std::vector<double> out(src.size());
  for (size_t i = 0; i < out.size(); ++i) {
    auto oi = unravel(i, os);
    int64_t loc = 0;
    for (size_t d = 0; d < perm.size(); ++d) loc += oi[d] * st[perm[d]];
    out[i] = src[loc];
  }
  return out;
}

bool shares_buffer(array a, array b) {
  a.eval();
  b.eval();
  return a.data_shared_ptr() == b.data_shared_ptr();
}

const std::vector<Dtype> kAllDtypes = {bool_,   uint8,   uint16,  uint32,
                                       uint64,  int8,    int16,   int32,
                                       int64,   float16, bfloat16, float32,
                                       float64, complex64};

}  // namespace

TEST(Shape, TransposeValuesAndView) {
  Shape s{2, 3, 4};
  array a = iota(s);
  auto ref = iota_ref(24);
  for (auto perm : std::vector<std::vector<int>>{
           {0, 1, 2}, {2, 1, 0}, {1, 0, 2}, {0, 2, 1}, {2, 0, 1}, {1, 2, 0}}) {
    array t = transpose(a, perm);
    Shape os;
    for (int p : perm) os.push_back(s[p]);
    EXPECT_EQ(t.shape(), os);
    expect_values(t, ref_transpose(ref, s, perm));
    EXPECT_TRUE(shares_buffer(t, a));
  }
  // Negative axes and default reversal.
  expect_values(transpose(a, {-1, 0, -2}), ref_transpose(ref, s, {2, 0, 1}));
  array r = transpose(a);
  EXPECT_EQ(r.shape(), (Shape{4, 3, 2}));
  expect_values(r, ref_transpose(ref, s, {2, 1, 0}));
  expect_values(permute_dims(a, {1, 0, 2}), ref_transpose(ref, s, {1, 0, 2}));
  // Transpose of a transpose (non-contiguous input) and flags.
  array tt = transpose(transpose(a, {2, 0, 1}), {1, 0, 2});
  tt.eval();
  EXPECT_FALSE(tt.flags().row_contiguous);
  EXPECT_TRUE(tt.flags().contiguous);
  expect_values(tt, ref_transpose(ref, s, {0, 2, 1}));
  // 0-d and empty arrays.
  array sc(5.0f);
  EXPECT_EQ(transpose(sc).ndim(), 0);
  expect_values(transpose(sc), {5.0});
  array e = iota({0, 3});
  EXPECT_EQ(transpose(e).shape(), (Shape{3, 0}));
  EXPECT_EQ(to_vector(transpose(e)).size(), 0u);
  // Broadcast (stride 0) input.
  array b = broadcast_to(iota({3}), {2, 3});
  expect_values(transpose(b), {0, 0, 1, 1, 2, 2});
  // Every dtype.
  for (auto dt : kAllDtypes) {
    array x = iota({2, 3}, dt);
    array t = transpose(x);
    EXPECT_EQ(t.dtype(), dt);
    std::vector<double> src = to_vector(x);
    expect_values(t, ref_transpose(src, {2, 3}, {1, 0}));
  }
}

TEST(Shape, TransposeErrors) {
  array a = iota({2, 3});
  EXPECT_THROW(transpose(a, std::vector<int>{0}), std::invalid_argument);
  EXPECT_THROW(transpose(a, {0, 0}), std::invalid_argument);
  EXPECT_THROW(transpose(a, {0, 2}), std::out_of_range);
  EXPECT_THROW(transpose(a, {-3, 0}), std::out_of_range);
  EXPECT_THROW(permute_dims(a, {1, 0, 2}), std::invalid_argument);
  EXPECT_THROW(swapaxes(a, 0, 2), std::out_of_range);
  EXPECT_THROW(swapaxes(a, -3, 0), std::out_of_range);
  EXPECT_THROW(moveaxis(a, 2, 0), std::out_of_range);
  EXPECT_THROW(moveaxis(a, 0, -3), std::out_of_range);
}

TEST(Shape, SwapaxesMoveaxis) {
  Shape s{2, 3, 4, 5};
  array a = iota(s);
  auto ref = iota_ref(120);
  expect_values(swapaxes(a, 0, 2), ref_transpose(ref, s, {2, 1, 0, 3}));
  expect_values(swapaxes(a, -1, 1), ref_transpose(ref, s, {0, 3, 2, 1}));
  EXPECT_EQ(swapaxes(a, 1, 1).shape(), s);
  expect_values(moveaxis(a, 0, -1), ref_transpose(ref, s, {1, 2, 3, 0}));
  expect_values(moveaxis(a, 3, 1), ref_transpose(ref, s, {0, 3, 1, 2}));
  expect_values(moveaxis(a, -2, 0), ref_transpose(ref, s, {2, 0, 1, 3}));
  EXPECT_TRUE(shares_buffer(moveaxis(a, 3, 1), a));
}

TEST(Shape, ExpandDims) {
  array a = iota({2, 3});
  auto ref = iota_ref(6);
  EXPECT_EQ(expand_dims(a, 0).shape(), (Shape{1, 2, 3}));
  EXPECT_EQ(expand_dims(a, 1).shape(), (Shape{2, 1, 3}));
  EXPECT_EQ(expand_dims(a, 2).shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(expand_dims(a, -1).shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(expand_dims(a, -3).shape(), (Shape{1, 2, 3}));
  EXPECT_EQ(expand_dims(a, {0, 3}).shape(), (Shape{1, 2, 3, 1}));
  EXPECT_EQ(expand_dims(a, {-1, 0, 2}).shape(), (Shape{1, 2, 1, 3, 1}));
  array e = expand_dims(a, {0, 2});
  expect_values(e, ref);
  EXPECT_TRUE(shares_buffer(e, a));
  e.eval();
  EXPECT_TRUE(e.flags().row_contiguous);
  // Non-contiguous input keeps its layout.
  array t = expand_dims(transpose(a), 1);
  EXPECT_EQ(t.shape(), (Shape{3, 1, 2}));
  expect_values(t, ref_transpose(ref, {2, 3}, {1, 0}));
  // 0-d and empty.
  EXPECT_EQ(expand_dims(array(2.0f), 0).shape(), (Shape{1}));
  expect_values(expand_dims(array(2.0f), {0, 1}), {2.0});
  EXPECT_EQ(expand_dims(iota({0}), 1).shape(), (Shape{0, 1}));
  // Errors.
  EXPECT_THROW(expand_dims(a, 3), std::out_of_range);
  EXPECT_THROW(expand_dims(a, -4), std::out_of_range);
  EXPECT_THROW(expand_dims(a, {0, 0}), std::invalid_argument);
  EXPECT_THROW(expand_dims(a, {0, -4}), std::invalid_argument);
}

TEST(Shape, Squeeze) {
  array a = iota({1, 2, 1, 3, 1});
  auto ref = iota_ref(6);
  EXPECT_EQ(squeeze(a).shape(), (Shape{2, 3}));
  EXPECT_EQ(squeeze(a, 0).shape(), (Shape{2, 1, 3, 1}));
  EXPECT_EQ(squeeze(a, -1).shape(), (Shape{1, 2, 1, 3}));
  EXPECT_EQ(squeeze(a, {0, 2}).shape(), (Shape{2, 3, 1}));
  array q = squeeze(a);
  expect_values(q, ref);
  EXPECT_TRUE(shares_buffer(q, a));
  array t = squeeze(transpose(a));
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  expect_values(t, ref_transpose(ref, {2, 3}, {1, 0}));
  EXPECT_EQ(squeeze(array(1.0f)).ndim(), 0);
  EXPECT_EQ(squeeze(iota({1, 0, 1})).shape(), (Shape{0}));
  EXPECT_THROW(squeeze(a, 1), std::invalid_argument);
  EXPECT_THROW(squeeze(a, 5), std::out_of_range);
  EXPECT_THROW(squeeze(a, {0, 0}), std::invalid_argument);
  EXPECT_THROW(squeeze(array(1.0f), 0), std::out_of_range);
}

TEST(Shape, FlattenUnflatten) {
  array a = iota({2, 3, 4});
  auto ref = iota_ref(24);
  array f = flatten(a);
  EXPECT_EQ(f.shape(), (Shape{24}));
  expect_values(f, ref);
  EXPECT_TRUE(shares_buffer(f, a));
  EXPECT_EQ(flatten(a, 1).shape(), (Shape{2, 12}));
  EXPECT_EQ(flatten(a, 0, 1).shape(), (Shape{6, 4}));
  EXPECT_EQ(flatten(a, -2, -1).shape(), (Shape{2, 12}));
  EXPECT_EQ(flatten(a, 1, 1).shape(), (Shape{2, 3, 4}));
  // Out-of-range axes are clamped.
  EXPECT_EQ(flatten(a, -10, 10).shape(), (Shape{24}));
  EXPECT_EQ(flatten(array(3.0f)).shape(), (Shape{1}));
  EXPECT_EQ(flatten(iota({2, 0, 3})).shape(), (Shape{0}));
  // Flatten of a transposed array copies in logical order.
  array ft = flatten(transpose(a));
  expect_values(ft, ref_transpose(ref, {2, 3, 4}, {2, 1, 0}));
  // Merging dims that stay contiguous in a transposed array is a view.
  array tr = transpose(a, {2, 0, 1});
  array m = flatten(tr, 1, 2);
  EXPECT_EQ(m.shape(), (Shape{4, 6}));
  expect_values(m, ref_transpose(ref, {2, 3, 4}, {2, 0, 1}));
  EXPECT_TRUE(shares_buffer(m, a));
  array sp = reshape(tr, {2, 2, 2, 3, 1});
  expect_values(sp, ref_transpose(ref, {2, 3, 4}, {2, 0, 1}));
  EXPECT_TRUE(shares_buffer(sp, a));
  // ... and merging across the permutation copies.
  array c = reshape(tr, {8, 3});
  expect_values(c, ref_transpose(ref, {2, 3, 4}, {2, 0, 1}));
  EXPECT_FALSE(shares_buffer(c, a));
  array bc = broadcast_to(iota({3, 1}), {3, 2});
  expect_values(reshape(bc, {6}), {0, 0, 1, 1, 2, 2});
  expect_values(reshape(broadcast_to(iota({1, 3}), {2, 3}), {2, 3, 1}),
                {0, 1, 2, 0, 1, 2});
  expect_values(reshape(transpose(iota({1, 1})), Shape{}), {0});
  EXPECT_THROW(flatten(a, 2, 1), std::invalid_argument);
  EXPECT_THROW(flatten(a, 3), std::invalid_argument);
  EXPECT_THROW(flatten(a, 0, -4), std::invalid_argument);

  array u = unflatten(iota({2, 12}), 1, {3, 4});
  EXPECT_EQ(u.shape(), (Shape{2, 3, 4}));
  expect_values(u, ref);
  EXPECT_EQ(unflatten(iota({2, 12}), -1, {-1, 2}).shape(), (Shape{2, 6, 2}));
  EXPECT_EQ(unflatten(iota({6}), 0, {1, 6, 1}).shape(), (Shape{1, 6, 1}));
  EXPECT_THROW(unflatten(iota({2, 12}), 1, {5, 3}), std::invalid_argument);
  EXPECT_THROW(unflatten(iota({2, 12}), 1, {-1, 5}), std::invalid_argument);
  EXPECT_THROW(unflatten(iota({2, 12}), 1, {-1, -1}), std::invalid_argument);
  EXPECT_THROW(unflatten(iota({2, 12}), 1, {}), std::invalid_argument);
  EXPECT_THROW(unflatten(iota({2, 12}), 2, {12}), std::out_of_range);
}

TEST(Shape, ViewPrimitiveRules) {
  // vjp / jvp / vmap of the view primitives, called directly.
  array a = iota({2, 3, 4});
  auto ref = iota_ref(24);
  array t = transpose(a, {2, 0, 1});
  array ct = iota({4, 2, 3});
  auto g = t.primitive().vjp({a}, {ct}, {0}, {t});
  EXPECT_EQ(g[0].shape(), (Shape{2, 3, 4}));
  expect_values(g[0], ref_transpose(iota_ref(24), {4, 2, 3}, {1, 2, 0}));
  auto jt = t.primitive().jvp({a}, {a}, {0});
  expect_values(jt[0], ref_transpose(ref, {2, 3, 4}, {2, 0, 1}));
  // vmap: batch along axis 1 of a (2, B=3, 4) input; per-example transpose of
  // a (2, 4) slice is (4, 2).
  array x = iota({2, 3, 4});
  array t2 = transpose(iota({2, 4}));
  auto [vo, vax] = t2.primitive().vmap({x}, {1});
  ASSERT_EQ(vax[0], 0);
  EXPECT_EQ(vo[0].shape(), (Shape{3, 4, 2}));
  expect_values(vo[0], ref_transpose(ref, {2, 3, 4}, {1, 2, 0}));

  array e = expand_dims(iota({2, 3}), {0, 2});
  auto ge = e.primitive().vjp({iota({2, 3})}, {iota({1, 2, 1, 3})}, {0}, {e});
  EXPECT_EQ(ge[0].shape(), (Shape{2, 3}));
  auto [eo, eax] = e.primitive().vmap({iota({2, 3, 5})}, {2});
  EXPECT_EQ(eo[0].shape(), (Shape{5, 1, 2, 1, 3}));
  EXPECT_EQ(eax[0], 0);
  expect_values(eo[0], ref_transpose(iota_ref(30), {2, 3, 5}, {2, 0, 1}));

  array q = squeeze(iota({1, 3}));
  auto gq = q.primitive().vjp({iota({1, 3})}, {iota({3})}, {0}, {q});
  EXPECT_EQ(gq[0].shape(), (Shape{1, 3}));
  EXPECT_EQ(q.primitive().jvp({iota({1, 3})}, {iota({1, 3})}, {0})[0].shape(),
            (Shape{3}));
  auto [qo, qax] = q.primitive().vmap({iota({1, 4, 3})}, {1});
  EXPECT_EQ(qo[0].shape(), (Shape{4, 3}));
  expect_values(qo[0], iota_ref(12));

  array r = reshape(iota({2, 3}), {3, 2});
  auto [ro, rax] = r.primitive().vmap({iota({2, 3, 2})}, {2});
  EXPECT_EQ(ro[0].shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(rax[0], 0);
  // Example k is x[:, :, k] flattened row-major.
  std::vector<double> rref;
  for (int k = 0; k < 2; ++k)
    for (int i = 0; i < 6; ++i) rref.push_back(i * 2 + k);
  expect_values(ro[0], rref);

  // (Of an unevaluated input: an evaluated one is broadcast at once.)
  array b = broadcast_to(add(iota({3}), array(0.0f)), {2, 3});
  auto [bo, bax] = b.primitive().vmap({iota({3, 4})}, {1});
  EXPECT_EQ(bo[0].shape(), (Shape{4, 2, 3}));
  std::vector<double> bref;
  for (int k = 0; k < 4; ++k)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j) bref.push_back(j * 4 + k);
  expect_values(bo[0], bref);
}

namespace {
// Reference built from a function of the output multi-index.
template <typename F>
std::vector<double> ref_build(const Shape& out_shape, F f) {
  std::vector<double> out(shape_size(out_shape));
  for (size_t i = 0; i < out.size(); ++i) out[i] = f(unravel(i, out_shape));
  return out;
}
}  // namespace

TEST(Shape, BroadcastRules) {
  // An unevaluated input keeps the Broadcast node (its rules are tested).
  array x = add(iota({3, 1}), array(0.0f));
  array b = broadcast_to(x, {2, 3, 4});
  array ct = iota({2, 3, 4});
  auto g = b.primitive().vjp({x}, {ct}, {0}, {b});
  EXPECT_EQ(g[0].shape(), (Shape{3, 1}));
  std::vector<double> gref(3, 0.0);
  for (int i = 0; i < 24; ++i) gref[(i / 4) % 3] += i;
  expect_values(g[0], gref);
  auto t = b.primitive().jvp({x}, {iota({3, 1})}, {0});
  EXPECT_EQ(t[0].shape(), (Shape{2, 3, 4}));
  expect_values(b, ref_build({2, 3, 4}, [](auto i) { return double(i[1]); }));
  EXPECT_TRUE(shares_buffer(b, x));
  // Broadcasting a scalar and an empty array.
  expect_values(broadcast_to(array(2.0f), {2, 2}), {2, 2, 2, 2});
  EXPECT_EQ(broadcast_to(iota({1, 3}), {0, 3}).size(), 0u);
  auto arrs = broadcast_arrays({iota({3, 1}), iota({4})});
  EXPECT_EQ(arrs[0].shape(), (Shape{3, 4}));
  EXPECT_EQ(arrs[1].shape(), (Shape{3, 4}));
  EXPECT_THROW(broadcast_to(iota({3}), {4}), std::invalid_argument);
  EXPECT_THROW(broadcast_arrays({iota({3}), iota({4})}), std::invalid_argument);
}

TEST(Shape, BroadcastOfEvaluatedArrayIsImmediateView) {
  // Outside transformations an evaluated array is broadcast at once (no
  // node, nothing to schedule): the scalar of `y + 1` costs no task.
  array x = iota({3, 1});
  array b = broadcast_to(x, {2, 3, 4});
  EXPECT_TRUE(b.is_available());
  EXPECT_FALSE(b.has_primitive());
  EXPECT_TRUE(shares_buffer(b, x));
  expect_values(b, ref_build({2, 3, 4}, [](auto i) { return double(i[1]); }));
  array y = add(iota({2, 3}), array(1.0f));  // the scalar is such a view
  expect_values(y, {1, 2, 3, 4, 5, 6});
  // Inside a transformation the node stays, so gradients flow through it.
  auto [v, g] = vjp([](const array& s) { return broadcast_to(s, {2, 3}); },
                    array(2.0f), ones({2, 3}));
  expect_values(v, {2, 2, 2, 2, 2, 2});
  expect_values(g, {6.0});
}

TEST(Shape, Concatenate) {
  array a = iota({2, 3});
  array b = iota({2, 2}) + 100.0f;
  array c = concatenate({a, b}, 1);
  EXPECT_EQ(c.shape(), (Shape{2, 5}));
  expect_values(c, ref_build({2, 5}, [](auto i) {
                  return i[1] < 3 ? double(i[0] * 3 + i[1])
                                  : 100.0 + i[0] * 2 + (i[1] - 3);
                }));
  array c0 = concatenate({a, iota({1, 3}), a}, 0);
  EXPECT_EQ(c0.shape(), (Shape{5, 3}));
  expect_values(c0, {0, 1, 2, 3, 4, 5, 0, 1, 2, 0, 1, 2, 3, 4, 5});
  expect_values(concatenate({a, b}, -1), to_vector(c));
  // Non-contiguous inputs, empty pieces and dtype promotion.
  array t = concatenate({transpose(a), iota({0, 2}), broadcast_to(array(7), {1, 2})}, 0);
  EXPECT_EQ(t.dtype(), float32);
  expect_values(t, {0, 3, 1, 4, 2, 5, 7, 7});
  EXPECT_EQ(concatenate({iota({2, 3}, int8), iota({2, 3}, float16)}, 0).dtype(),
            float16);
  EXPECT_EQ(concatenate({iota({2}, int32), iota({2}, uint32)}, 0).dtype(), int64);
  // axis=None flattens.
  array f = concatenate({a, iota({2})});
  expect_values(f, {0, 1, 2, 3, 4, 5, 0, 1});
  EXPECT_EQ(concat({a, a}, 1).shape(), (Shape{2, 6}));
  for (auto dt : kAllDtypes) {
    array x = iota({2, 2}, dt), y = iota({2, 1}, dt);
    array r = concatenate({x, y}, 1);
    EXPECT_EQ(r.dtype(), dt);
    auto xv = to_vector(x), yv = to_vector(y);
    expect_values(r, {xv[0], xv[1], yv[0], xv[2], xv[3], yv[1]});
  }
  EXPECT_THROW(concatenate(std::vector<array>{}, 0), std::invalid_argument);
  EXPECT_THROW(concatenate({a, b}, 0), std::invalid_argument);
  EXPECT_THROW(concatenate({a, iota({6})}, 0), std::invalid_argument);
  EXPECT_THROW(concatenate({a, a}, 2), std::out_of_range);
  EXPECT_THROW(concatenate({array(1.0f), array(2.0f)}, 0), std::invalid_argument);
}

TEST(Shape, ConcatenateRules) {
  array a = iota({2, 3});
  array b = iota({2, 2}, int32);
  array c = concatenate({a, b}, 1);
  array ct = iota({2, 5}) * 10.0f;
  auto g = c.primitive().vjp({a, b}, {ct}, {0, 1}, {c});
  EXPECT_EQ(g[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(g[1].dtype(), int32);
  expect_values(g[0], {0, 10, 20, 50, 60, 70});
  expect_values(g[1], {30, 40, 80, 90});
  auto t = c.primitive().jvp({a, b}, {iota({2, 2}, int32)}, {1});
  expect_values(t[0], {0, 0, 0, 0, 1, 0, 0, 0, 2, 3});
  // vmap: a batched along axis 1 (B=2), b unbatched.
  array ab = iota({2, 2, 3});  // (2, B, 3)
  array cc = concatenate({iota({2, 3}), b}, 1);
  auto [vo, vax] = cc.primitive().vmap({ab, b}, {1, -1});
  EXPECT_EQ(vax[0], 0);
  EXPECT_EQ(vo[0].shape(), (Shape{2, 2, 5}));
  expect_values(vo[0], ref_build({2, 2, 5}, [](auto i) {
                  return i[2] < 3 ? double(i[1] * 6 + i[0] * 3 + i[2])
                                  : double(i[1] * 2 + i[2] - 3);
                }));
}

TEST(Shape, StackUnstack) {
  array a = iota({2, 3});
  array b = iota({2, 3}) + 10.0f;
  array s0 = stack({a, b});
  EXPECT_EQ(s0.shape(), (Shape{2, 2, 3}));
  expect_values(s0, {0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15});
  array s2 = stack({a, b}, -1);
  EXPECT_EQ(s2.shape(), (Shape{2, 3, 2}));
  expect_values(s2, {0, 10, 1, 11, 2, 12, 3, 13, 4, 14, 5, 15});
  EXPECT_EQ(stack({array(1.0f), array(2.0f)}).shape(), (Shape{2}));
  EXPECT_THROW(stack(std::vector<array>{}), std::invalid_argument);
  EXPECT_THROW(stack({a, iota({3, 2})}), std::invalid_argument);
  EXPECT_THROW(stack({a, b}, 3), std::out_of_range);

  auto u = unstack(iota({2, 3, 4}), 1);
  ASSERT_EQ(u.size(), 3u);
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(u[k].shape(), (Shape{2, 4}));
    expect_values(u[k], ref_build({2, 4}, [k](auto i) {
                    return double(i[0] * 12 + k * 4 + i[1]);
                  }));
  }
  EXPECT_EQ(unstack(iota({1, 2})).size(), 1u);
  EXPECT_EQ(unstack(iota({1, 2}))[0].shape(), (Shape{2}));
  EXPECT_EQ(unstack(iota({0, 2})).size(), 0u);
  EXPECT_THROW(unstack(array(1.0f)), std::invalid_argument);
  EXPECT_THROW(unstack(a, 2), std::out_of_range);
}

TEST(Shape, Split) {
  array a = iota({6, 4});
  auto p = split(a, 3);
  ASSERT_EQ(p.size(), 3u);
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(p[k].shape(), (Shape{2, 4}));
    auto r = iota_ref(8);
    for (auto& v : r) v += 8 * k;
    expect_values(p[k], r);
    EXPECT_TRUE(shares_buffer(p[k], a));
  }
  p[1].eval();
  EXPECT_TRUE(p[1].flags().row_contiguous);
  auto q = split(a, Shape{1, 3}, 1);
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0].shape(), (Shape{6, 1}));
  EXPECT_EQ(q[1].shape(), (Shape{6, 2}));
  EXPECT_EQ(q[2].shape(), (Shape{6, 1}));
  expect_values(q[1], ref_build({6, 2}, [](auto i) {
                  return double(i[0] * 4 + i[1] + 1);
                }));
  expect_values(q[2], {3, 7, 11, 15, 19, 23});
  // Negative, clamped and unsorted split points (Python slice rules).
  auto r = split(iota({5}), Shape{-2, 10});
  ASSERT_EQ(r.size(), 3u);
  expect_values(r[0], {0, 1, 2});
  expect_values(r[1], {3, 4});
  EXPECT_EQ(r[2].size(), 0u);
  auto u = split(iota({5}), Shape{3, 1});
  expect_values(u[0], {0, 1, 2});
  EXPECT_EQ(u[1].size(), 0u);
  expect_values(u[2], {1, 2, 3, 4});
  // Split of a transposed array, and along an empty axis.
  auto tpieces = split(transpose(iota({2, 4})), 2, 0);
  expect_values(tpieces[1], {2, 6, 3, 7});
  EXPECT_EQ(split(iota({0, 2}), 2, 0)[1].shape(), (Shape{0, 2}));
  EXPECT_EQ(split(a, Shape{}, 0).size(), 1u);
  for (auto dt : kAllDtypes) {
    auto pp = split(iota({4}, dt), 2);
    expect_values(pp[1], {to_vector(iota({4}, dt))[2], to_vector(iota({4}, dt))[3]});
  }
  EXPECT_THROW(split(a, 4), std::invalid_argument);
  EXPECT_THROW(split(a, 0), std::invalid_argument);
  EXPECT_THROW(split(a, 2, 2), std::out_of_range);
  EXPECT_THROW(split(array(1.0f), 1), std::invalid_argument);
  EXPECT_THROW(split(array(1.0f), Shape{1}), std::invalid_argument);
}

TEST(Shape, SplitRules) {
  array a = iota({4, 3});
  auto p = split(a, Shape{1}, 0);
  auto g = p[0].primitive().vjp({a}, {iota({1, 3}), iota({3, 3}) + 3.0f}, {0},
                                 p);
  expect_values(g[0], iota_ref(12));
  auto t = p[0].primitive().jvp({a}, {a}, {0});
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[1].shape(), (Shape{3, 3}));
  // vmap with the batch on axis 1 of a (4, B=2, 3) input.
  auto [vo, vax] = p[0].primitive().vmap({iota({4, 2, 3})}, {1});
  ASSERT_EQ(vo.size(), 2u);
  EXPECT_EQ(vax, (std::vector<int>{0, 0}));
  EXPECT_EQ(vo[1].shape(), (Shape{2, 3, 3}));
  expect_values(vo[1], ref_build({2, 3, 3}, [](auto i) {
                  return double((i[1] + 1) * 6 + i[0] * 3 + i[2]);
                }));
}

TEST(Shape, TileRepeat) {
  array a = iota({2, 3});
  array t = tile(a, {2, 2});
  EXPECT_EQ(t.shape(), (Shape{4, 6}));
  expect_values(t, ref_build({4, 6}, [](auto i) {
                  return double((i[0] % 2) * 3 + i[1] % 3);
                }));
  EXPECT_EQ(tile(a, {3}).shape(), (Shape{2, 9}));
  array t3 = tile(a, {2, 1, 1});
  EXPECT_EQ(t3.shape(), (Shape{2, 2, 3}));
  expect_values(t3, ref_build({2, 2, 3}, [](auto i) {
                  return double(i[1] * 3 + i[2]);
                }));
  expect_values(tile(array(4.0f), {3}), {4, 4, 4});
  EXPECT_EQ(tile(a, {0, 1}).shape(), (Shape{0, 3}));
  expect_values(tile(transpose(a), {1, 2}), {0, 3, 0, 3, 1, 4, 1, 4, 2, 5, 2, 5});
  EXPECT_THROW(tile(a, {-1}), std::invalid_argument);

  array r = repeat(a, 2, 1);
  EXPECT_EQ(r.shape(), (Shape{2, 6}));
  expect_values(r, ref_build({2, 6}, [](auto i) {
                  return double(i[0] * 3 + i[1] / 2);
                }));
  array r0 = repeat(a, 3, 0);
  expect_values(r0, ref_build({6, 3}, [](auto i) {
                  return double((i[0] / 3) * 3 + i[1]);
                }));
  array rf = repeat(a, 2);
  expect_values(rf, {0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5});
  EXPECT_EQ(repeat(a, 0, 1).shape(), (Shape{2, 0}));
  expect_values(repeat(array(3.0f), 2), {3, 3});
  expect_values(repeat(transpose(a), 2, -1),
                {0, 0, 3, 3, 1, 1, 4, 4, 2, 2, 5, 5});
  EXPECT_THROW(repeat(a, -1, 0), std::invalid_argument);
  EXPECT_THROW(repeat(a, 2, 2), std::out_of_range);
}

TEST(Shape, PadConstant) {
  array a = iota({2, 3});
  array p = pad(a, {{1, 2}, {0, 1}});
  EXPECT_EQ(p.shape(), (Shape{5, 4}));
  expect_values(p, ref_build({5, 4}, [](auto i) {
                  int64_t r = i[0] - 1, c = i[1];
                  return (r >= 0 && r < 2 && c < 3) ? double(r * 3 + c) : 0.0;
                }));
  array pv = pad(a, 1, array(-1.5f));
  expect_values(pv, ref_build({4, 5}, [](auto i) {
                  int64_t r = i[0] - 1, c = i[1] - 1;
                  return (r >= 0 && r < 2 && c >= 0 && c < 3) ? double(r * 3 + c)
                                                              : -1.5;
                }));
  EXPECT_EQ(pad(a, {2, 0}).shape(), (Shape{4, 5}));
  array pa = pad(a, std::vector<int>{1}, Shape{0}, Shape{2}, array(9));
  EXPECT_EQ(pa.shape(), (Shape{2, 5}));
  expect_values(pa, {0, 1, 2, 9, 9, 3, 4, 5, 9, 9});
  // Non-contiguous input, 0-d, empty.
  expect_values(pad(transpose(a), {{0, 0}, {1, 0}}), {0, 0, 3, 0, 1, 4, 0, 2, 5});
  EXPECT_EQ(pad(array(1.0f), 2).shape(), Shape{});
  expect_values(pad(iota({0}), 2, array(3.0f)), {3, 3, 3, 3});
  for (auto dt : kAllDtypes) {
    array x = pad(iota({2}, dt), 1, array(1));
    EXPECT_EQ(x.dtype(), dt);
    auto v = to_vector(iota({2}, dt));
    expect_values(x, {1, v[0], v[1], 1});
  }
  EXPECT_THROW(pad(a, -1), std::invalid_argument);
  EXPECT_THROW(pad(a, {{1, 1}, {1, 1}, {1, 1}}), std::invalid_argument);
  EXPECT_THROW(pad(a, 1, iota({2})), std::invalid_argument);
  EXPECT_THROW(pad(a, 1, array(0), "wrap"), std::invalid_argument);
  EXPECT_THROW(pad(a, std::vector<int>{2}, Shape{1}, Shape{1}), std::out_of_range);
  EXPECT_THROW(pad(a, std::vector<int>{0, 0}, Shape{1, 1}, Shape{1, 1}),
               std::invalid_argument);
  EXPECT_THROW(pad(a, std::vector<int>{0}, Shape{1, 1}, Shape{1}),
               std::invalid_argument);
}

TEST(Shape, PadModes) {
  // Expected values from NumPy's np.pad.
  array a = iota({2, 3});
  std::vector<std::pair<int, int>> w{{1, 2}, {2, 3}};
  expect_values(pad(a, w, array(0), "edge"),
                {0, 0, 0, 1, 2, 2, 2, 2, 0, 0, 0, 1, 2, 2, 2, 2, 3, 3, 3, 4,
                 5, 5, 5, 5, 3, 3, 3, 4, 5, 5, 5, 5, 3, 3, 3, 4, 5, 5, 5, 5});
  expect_values(pad(a, w, array(0), "reflect"),
                {5, 4, 3, 4, 5, 4, 3, 4, 2, 1, 0, 1, 2, 1, 0, 1, 5, 4, 3, 4,
                 5, 4, 3, 4, 2, 1, 0, 1, 2, 1, 0, 1, 5, 4, 3, 4, 5, 4, 3, 4});
  expect_values(pad(a, w, array(0), "symmetric"),
                {1, 0, 0, 1, 2, 2, 1, 0, 1, 0, 0, 1, 2, 2, 1, 0, 4, 3, 3, 4,
                 5, 5, 4, 3, 4, 3, 3, 4, 5, 5, 4, 3, 1, 0, 0, 1, 2, 2, 1, 0});
  array v = iota({3}) + 1.0f;
  expect_values(pad(v, {5, 4}, array(0), "edge"),
                {1, 1, 1, 1, 1, 1, 2, 3, 3, 3, 3, 3});
  expect_values(pad(v, {5, 4}, array(0), "reflect"),
                {2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3});
  expect_values(pad(v, {5, 4}, array(0), "symmetric"),
                {2, 3, 3, 2, 1, 1, 2, 3, 3, 2, 1, 1});
  expect_values(pad(v, 7, array(0), "reflect"),
                {2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2});
  expect_values(pad(v, 7, array(0), "symmetric"),
                {1, 1, 2, 3, 3, 2, 1, 1, 2, 3, 3, 2, 1, 1, 2, 3, 3});
  expect_values(pad(array({5.0f}), 2, array(0), "reflect"), {5, 5, 5, 5, 5});
  expect_values(pad(transpose(a), {{0, 0}, {1, 1}}, array(0), "reflect"),
                {3, 0, 3, 0, 4, 1, 4, 1, 5, 2, 5, 2});
  EXPECT_THROW(pad(iota({0, 2}), 1, array(0), "edge"), std::invalid_argument);
  EXPECT_EQ(pad(iota({0, 2}), {{0, 0}, {1, 1}}, array(0), "edge").shape(),
            (Shape{0, 4}));
}

TEST(Shape, PadRules) {
  array a = iota({2, 3});
  array v(2.0f);
  array p = pad(a, {{1, 0}, {1, 1}}, v);
  array ct = iota({3, 5});
  auto g = p.primitive().vjp(p.inputs(), {ct}, {0, 1}, {p});
  expect_values(g[0], {6, 7, 8, 11, 12, 13});
  double total = 0;
  for (int i = 0; i < 15; ++i) total += i;
  expect_values(g[1], {total - (6 + 7 + 8 + 11 + 12 + 13)});
  auto t = p.primitive().jvp(p.inputs(), {iota({2, 3}), array(1.0f)}, {0, 1});
  expect_values(t[0], {1, 1, 1, 1, 1, 1, 0, 1, 2, 1, 1, 3, 4, 5, 1});
  // vmap: input batched on axis 0, value unbatched, then both batched.
  array x = iota({2, 2, 3});
  auto [o1, a1] = p.primitive().vmap({x, p.inputs()[1]}, {0, -1});
  EXPECT_EQ(o1[0].shape(), (Shape{2, 3, 5}));
  expect_values(o1[0], ref_build({2, 3, 5}, [](auto i) {
                  int64_t r = i[1] - 1, c = i[2] - 1;
                  return (r >= 0 && c >= 0 && c < 3) ? double(i[0] * 6 + r * 3 + c)
                                                     : 2.0;
                }));
  auto [o2, a2] = p.primitive().vmap({x, array({5.0f, 7.0f})}, {0, 0});
  expect_values(o2[0], ref_build({2, 3, 5}, [](auto i) {
                  int64_t r = i[1] - 1, c = i[2] - 1;
                  return (r >= 0 && c >= 0 && c < 3) ? double(i[0] * 6 + r * 3 + c)
                                                     : (i[0] ? 7.0 : 5.0);
                }));
}

TEST(Shape, RollFlip) {
  array a = iota({2, 3});
  expect_values(roll(a, 1), {5, 0, 1, 2, 3, 4});
  expect_values(roll(a, -2), {2, 3, 4, 5, 0, 1});
  expect_values(roll(a, Shape{1, 2}), {3, 4, 5, 0, 1, 2});
  EXPECT_EQ(roll(a, 1).shape(), (Shape{2, 3}));
  expect_values(roll(a, 1, 1), {2, 0, 1, 5, 3, 4});
  expect_values(roll(a, 4, -1), {2, 0, 1, 5, 3, 4});
  expect_values(roll(a, 1, std::vector<int>{0, 1}), {5, 3, 4, 2, 0, 1});
  expect_values(roll(a, Shape{1, -1}, {0, 1}), {4, 5, 3, 1, 2, 0});
  expect_values(roll(transpose(a), 1, 0), {2, 5, 0, 3, 1, 4});
  expect_values(roll(array(3.0f), 2), {3});
  EXPECT_EQ(roll(iota({0, 3}), 1, 1).shape(), (Shape{0, 3}));
  EXPECT_THROW(roll(a, 1, 2), std::out_of_range);
  EXPECT_THROW(roll(a, Shape{1, 2, 3}, {0, 1}), std::invalid_argument);

  expect_values(flip(a), {5, 4, 3, 2, 1, 0});
  expect_values(flip(a, 0), {3, 4, 5, 0, 1, 2});
  expect_values(flip(a, -1), {2, 1, 0, 5, 4, 3});
  expect_values(flip(transpose(a), 1), {3, 0, 4, 1, 5, 2});
  expect_values(flip(broadcast_to(iota({3}), {2, 3}), 1), {2, 1, 0, 2, 1, 0});
  expect_values(flip(array(2.0f)), {2});
  EXPECT_EQ(flip(iota({0, 2})).shape(), (Shape{0, 2}));
  for (auto dt : kAllDtypes) {
    auto v = to_vector(iota({3}, dt));
    expect_values(flip(iota({3}, dt)), {v[2], v[1], v[0]});
  }
  EXPECT_THROW(flip(a, 2), std::out_of_range);
  EXPECT_THROW(flip(a, std::vector<int>{0, 0}), std::invalid_argument);
  // Flip rules.
  array f = flip(iota({2, 3}), 1);
  expect_values(f.primitive().vjp({a}, {iota({2, 3})}, {0}, {f})[0],
                {2, 1, 0, 5, 4, 3});
  auto [fo, fax] = f.primitive().vmap({iota({2, 2, 3})}, {1});
  expect_values(fo[0], ref_build({2, 2, 3}, [](auto i) {
                  return double(i[1] * 6 + i[0] * 3 + 2 - i[2]);
                }));
}

TEST(Shape, DiagonalDiagTrace) {
  array a = iota({3, 4});
  array d = diagonal(a);
  expect_values(d, {0, 5, 10});
  EXPECT_TRUE(shares_buffer(d, a));
  expect_values(diagonal(a, 1), {1, 6, 11});
  expect_values(diagonal(a, 3), {3});
  expect_values(diagonal(a, -1), {4, 9});
  EXPECT_EQ(diagonal(a, 4).shape(), (Shape{0}));
  EXPECT_EQ(diagonal(a, -5).shape(), (Shape{0}));
  expect_values(diagonal(a, 0, 1, 0), {0, 5, 10});
  expect_values(diagonal(a, 1, 1, 0), {4, 9});
  array b = iota({2, 3, 4});
  array db = diagonal(b, 0, 0, 2);
  EXPECT_EQ(db.shape(), (Shape{3, 2}));
  expect_values(db, ref_build({3, 2}, [](auto i) {
                  return double(i[1] * 12 + i[0] * 4 + i[1]);
                }));
  array dbt = diagonal(b, -1, 2, 1);
  EXPECT_EQ(dbt.shape(), (Shape{2, 3}));
  expect_values(dbt, ref_build({2, 3}, [](auto i) {
                  return double(i[0] * 12 + i[1] * 4 + i[1] + 1);
                }));
  expect_values(diagonal(transpose(a)), {0, 5, 10});
  EXPECT_THROW(diagonal(iota({3})), std::invalid_argument);
  EXPECT_THROW(diagonal(a, 0, 1, 1), std::invalid_argument);
  EXPECT_THROW(diagonal(a, 0, 0, 2), std::out_of_range);

  array m = diag(array({1.0f, 2.0f}));
  EXPECT_EQ(m.shape(), (Shape{2, 2}));
  expect_values(m, {1, 0, 0, 2});
  expect_values(diag(array({1.0f, 2.0f}), 1), {0, 1, 0, 0, 0, 2, 0, 0, 0});
  expect_values(diag(array({1.0f, 2.0f}), -1), {0, 0, 0, 1, 0, 0, 0, 2, 0});
  expect_values(diag(a, 1), {1, 6, 11});
  expect_values(diag(array({5}, int32)), {5});
  EXPECT_EQ(diag(iota({0})).shape(), (Shape{0, 0}));
  EXPECT_THROW(diag(b), std::invalid_argument);
  EXPECT_THROW(diag(array(1.0f)), std::invalid_argument);

  expect_values(trace(a), {15});
  expect_values(trace(a, 1, 0, 1), {18});
  expect_values(trace(b, 0, 1, 2), {0 + 5 + 10, 12 + 17 + 22});
  EXPECT_EQ(trace(iota({2, 2}, int8)).dtype(), int8);
  EXPECT_EQ(trace(iota({2, 2}, int8), 0, 0, 1, float32).dtype(), float32);
}

TEST(Shape, DiagonalRules) {
  for (int off : {0, 1, -1, 2, -3}) {
    array a = iota({3, 4});
    array d = diagonal(a, off);
    int64_t len = d.shape()[0];
    std::vector<float> cv(len);
    std::iota(cv.begin(), cv.end(), 1.0f);
    array ct(cv, {ShapeElem(len)});
    auto g = d.primitive().vjp({a}, {ct}, {0}, {d});
    EXPECT_EQ(g[0].shape(), (Shape{3, 4}));
    expect_values(g[0], ref_build({3, 4}, [&](auto i) {
                    int64_t k = off >= 0 ? i[0] : i[1];
                    return i[1] - i[0] == off ? double(k + 1) : 0.0;
                  }));
  }
  // Batched planes with axes (2, 0) of a (3, 2, 4) input.
  array b = iota({3, 2, 4});
  array db = diagonal(b, 1, 2, 0);  // shape (2, len)
  int64_t len = db.shape()[1];
  array ct = iota({2, ShapeElem(len)}) + 1.0f;
  auto g = db.primitive().vjp({b}, {ct}, {0}, {db});
  expect_values(g[0], ref_build({3, 2, 4}, [&](auto i) {
                  // diagonal element k of plane j is b[k + 1, j, k]
                  return i[0] == i[2] + 1 ? double(i[1] * len + i[2] + 1) : 0.0;
                }));
  auto [vo, vax] = db.primitive().vmap({iota({5, 3, 2, 4})}, {0});
  EXPECT_EQ(vo[0].shape(), (Shape{5, 2, len}));
  auto jt = db.primitive().jvp({b}, {b}, {0});
  expect_values(jt[0], to_vector(db));
}

TEST(Shape, Atleast) {
  array s(1.0f);
  EXPECT_EQ(atleast_1d(s).shape(), (Shape{1}));
  EXPECT_EQ(atleast_2d(s).shape(), (Shape{1, 1}));
  EXPECT_EQ(atleast_3d(s).shape(), (Shape{1, 1, 1}));
  array v = iota({3});
  EXPECT_EQ(atleast_1d(v).shape(), (Shape{3}));
  EXPECT_EQ(atleast_2d(v).shape(), (Shape{1, 3}));
  EXPECT_EQ(atleast_3d(v).shape(), (Shape{1, 3, 1}));
  array m = iota({2, 3});
  EXPECT_EQ(atleast_2d(m).shape(), (Shape{2, 3}));
  EXPECT_EQ(atleast_3d(m).shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(atleast_3d(iota({1, 2, 3, 4})).shape(), (Shape{1, 2, 3, 4}));
  auto l = atleast_2d(std::vector<array>{s, v, m});
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[1].shape(), (Shape{1, 3}));
  expect_values(atleast_3d(transpose(m)), {0, 3, 1, 4, 2, 5});
  EXPECT_EQ(atleast_1d(std::vector<array>{s})[0].shape(), (Shape{1}));
  EXPECT_EQ(atleast_3d(std::vector<array>{v})[0].shape(), (Shape{1, 3, 1}));
}

TEST(Shape, ViewDtype) {
  array a({1.0f, -2.0f}, float32);
  array u = view(a, uint32);
  EXPECT_EQ(u.shape(), (Shape{2}));
  u.eval();
  EXPECT_EQ(u.data<uint32_t>()[0], 0x3f800000u);
  EXPECT_EQ(u.data<uint32_t>()[1], 0xc0000000u);
  array b = view(a, uint8);
  EXPECT_EQ(b.shape(), (Shape{8}));
  expect_values(b, {0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0});
  array h = view(array({0x3c00, 0x4000, 0, 0}, {2, 2}, uint16), float16);
  expect_values(h, {1, 2, 0, 0});
  array w = view(array({1, 2, 3, 4}, {2, 2}, int16), int32);
  EXPECT_EQ(w.shape(), (Shape{2, 1}));
  expect_values(w, {1 + (2 << 16), 3 + (4 << 16)});
  // A transposed input is made row-contiguous first.
  array t = view(transpose(array({1, 2, 3, 4}, {2, 2}, int16)), int32);
  expect_values(t, {1 + (3 << 16), 2 + (4 << 16)});
  EXPECT_EQ(view(array(1.0f), int32).item<int32_t>(), 0x3f800000);
  EXPECT_EQ(view(iota({0, 4}), uint8).shape(), (Shape{0, 16}));
  EXPECT_THROW(view(array(1.0f), int16), std::invalid_argument);
  EXPECT_THROW(view(iota({3}, int8), int16), std::invalid_argument);
  array vv = view(iota({2, 2}), int32);
  auto [vo, vax] = vv.primitive().vmap({iota({2, 2, 2})}, {2});
  EXPECT_EQ(vo[0].shape(), (Shape{2, 2, 2}));
}

TEST(Shape, AsStrided) {
  array a = iota({3, 4});
  array w = as_strided(a, {3, 2}, {4, 1}, 1);
  auto [vo, vax] = w.primitive().vmap({iota({2, 3, 4})}, {0});
  EXPECT_EQ(vo[0].shape(), (Shape{2, 3, 2}));
  expect_values(vo[0], {1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22});
  auto jt = w.primitive().jvp({a}, {a}, {0});
  expect_values(jt[0], {1, 2, 5, 6, 9, 10});
  expect_values(w, {1, 2, 5, 6, 9, 10});
  EXPECT_TRUE(shares_buffer(w, a));
  // Overlapping windows and broadcasting strides.
  expect_values(as_strided(iota({5}), {3, 3}, {1, 1}), {0, 1, 2, 1, 2, 3, 2, 3, 4});
  expect_values(as_strided(iota({2}), {2, 2}, {0, 1}), {0, 1, 0, 1});
  expect_values(as_strided(iota({4}), {4}, {-1}, 3), {3, 2, 1, 0});
  // Non-contiguous input: view on its row-major data.
  expect_values(as_strided(transpose(iota({2, 2})), {4}, {1}), {0, 2, 1, 3});
  EXPECT_EQ(as_strided(iota({2}), {0, 5}, {100, 100}, 50).size(), 0u);
  EXPECT_THROW(as_strided(a, {3, 4}, {4, 1}, 1), std::invalid_argument);
  EXPECT_THROW(as_strided(a, {2}, {-1}, 0), std::invalid_argument);
  EXPECT_THROW(as_strided(a, {2, 2}, {1}), std::invalid_argument);
  EXPECT_THROW(as_strided(a, {-2}, {1}), std::invalid_argument);
}

TEST(Shape, Diff) {
  array a = array({1.0f, 4.0f, 9.0f, 16.0f, 25.0f});
  expect_values(diff(a), {3, 5, 7, 9});
  expect_values(diff(a, 2), {2, 2, 2});
  expect_values(diff(a, 0), {1, 4, 9, 16, 25});
  EXPECT_EQ(diff(a, 7).shape(), (Shape{0}));
  array m = iota({2, 3});
  expect_values(diff(m, 1, 0), {3, 3, 3});
  expect_values(diff(m), {1, 1, 1, 1});
  expect_values(diff(transpose(m)), {3, 3, 3});
  EXPECT_EQ(diff(array({1, 5, 2}, int32)).dtype(), int32);
  array b = diff(array({true, false, false}, bool_));
  EXPECT_EQ(b.dtype(), bool_);
  expect_values(b, {1, 0});
  EXPECT_THROW(diff(array(1.0f)), std::invalid_argument);
  EXPECT_THROW(diff(a, -1), std::invalid_argument);
  EXPECT_THROW(diff(m, 1, 2), std::out_of_range);
}

// vjp / jvp against finite differences and vmap against a loop, through the
// transforms (tests/cpp/grad_check.h), for every shape op.
namespace {
using gradcheck::OpCase;
using VFn = std::function<std::vector<array>(const std::vector<array>&)>;

VFn one(std::function<array(const array&)> op) {
  return [op](const std::vector<array>& in) { return std::vector<array>{op(in[0])}; };
}

std::vector<OpCase> shape_table() {
  std::vector<OpCase> t;
  auto row = [&t](std::string name, VFn fn, std::vector<Shape> shapes) {
    OpCase c;
    c.name = std::move(name);
    c.fn = std::move(fn);
    c.shapes = std::move(shapes);
    t.push_back(c);
    return &t.back();
  };
  const Shape S{2, 3}, R{2, 3, 4};
  row("BroadcastTo", one([](const array& a) { return broadcast_to(a, {2, 3, 4}); }),
      {{3, 1}});
  row("Reshape", one([](const array& a) { return reshape(a, {4, -1}); }), {R});
  row("ReshapeTransposed",
      one([](const array& a) { return reshape(transpose(a), {6, 4}); }), {R});
  row("Transpose", one([](const array& a) { return transpose(a, {1, 2, 0}); }), {R});
  row("Swapaxes", one([](const array& a) { return swapaxes(a, 0, 2); }), {R});
  row("Moveaxis", one([](const array& a) { return moveaxis(a, 2, 0); }), {R});
  row("ExpandDims", one([](const array& a) { return expand_dims(a, {0, 3}); }), {S});
  row("Squeeze", one([](const array& a) { return squeeze(a); }), {{1, 3, 1}});
  row("Flatten", one([](const array& a) { return flatten(a, 1); }), {R});
  row("Unflatten", one([](const array& a) { return unflatten(a, 1, {3, 2}); }), {{2, 6}});
  row("Concatenate3", [](const std::vector<array>& in) {
        return std::vector<array>{concatenate({in[0], in[1], in[2]}, 0)};
      }, {S, {1, 3}, S});
  row("ConcatenateNone", [](const std::vector<array>& in) {
        return std::vector<array>{concatenate({in[0], in[1]})};
      }, {S, {4}});
  row("Stack", [](const std::vector<array>& in) {
        return std::vector<array>{stack({in[0], in[1]}, -1)};
      }, {S, S});
  row("Unstack", [](const std::vector<array>& in) { return unstack(in[0], 1); }, {S});
  row("SplitSections", [](const std::vector<array>& in) { return split(in[0], 2, 2); }, {R});
  row("SplitIndices", [](const std::vector<array>& in) {
        return split(in[0], Shape{1, -1}, 1);
      }, {{2, 5}});
  row("Tile", one([](const array& a) { return tile(a, {2, 1, 2}); }), {S});
  row("RepeatNone", one([](const array& a) { return repeat(a, 3); }), {S});
  row("PadConstant", one([](const array& a) { return pad(a, {{2, 1}, {0, 3}}); }), {S});
  for (std::string mode : {"edge", "reflect", "symmetric"}) {
    row("Pad_" + mode, one([mode](const array& a) {
          return pad(a, {{2, 3}, {4, 1}}, array(0), mode);
        }), {S});
  }
  row("RollNone", one([](const array& a) { return roll(a, 4); }), {S});
  row("RollAxes", one([](const array& a) { return roll(a, Shape{1, -2}, {0, 2}); }), {R});
  row("FlipAll", one([](const array& a) { return flip(a); }), {R});
  row("DiagonalNeg", one([](const array& a) { return diagonal(a, -1, 2, 1); }), {{2, 3, 4}});
  row("DiagVector", one([](const array& a) { return diag(a, 1); }), {{3}});
  row("DiagMatrix", one([](const array& a) { return diag(a, -1); }), {{4, 3}});
  row("Trace", one([](const array& a) { return trace(a, 1, 0, 2); }), {R});
  row("Atleast3d", one([](const array& a) { return atleast_3d(a); }), {{4}});
  row("AsStridedWindows", one([](const array& a) {
        return as_strided(a, {3, 3}, {1, 1}, 1);
      }), {{6}});
  row("Diff", one([](const array& a) { return diff(a, 2, 1); }), {{3, 5}});
  auto* v = row("View", one([](const array& a) { return view(a, uint8); }), {S});
  v->differentiable = false;
  return t;
}
}  // namespace

class ShapeGradients : public ::testing::TestWithParam<OpCase> {};

TEST_P(ShapeGradients, VjpJvpVmap) { gradcheck::check_op(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Shape, ShapeGradients, ::testing::ValuesIn(shape_table()),
                         [](const ::testing::TestParamInfo<OpCase>& info) {
                           return info.param.name;
                         });
