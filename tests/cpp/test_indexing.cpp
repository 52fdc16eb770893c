// Slicing, gather/scatter and indexing ops: values against plain loops in
// double, layouts, dtypes, errors, gradients and batching.
#include <gtest/gtest.h>

#include <numeric>

#include "ember/ember.h"
#include "test_utils.h"

using namespace ember;

namespace {

// Array of `shape` with values v(i) = f(i) for the row-major index i.
array make(const Shape& shape, Dtype dtype = float32,
           double (*f)(size_t) = [](size_t i) { return double(i); }) {
  std::vector<double> v(shape_size(shape));
  for (size_t i = 0; i < v.size(); ++i) v[i] = f(i);
  return astype(array(v, shape, float64), dtype);
}

std::vector<double> iota_vals(size_t n) {
  std::vector<double> v(n);
  std::iota(v.begin(), v.end(), 0.0);
  return v;
}

// Python slice of one axis: the positions taken.
std::vector<int> py_slice(int start, int stop, int step, int n) {
  std::vector<int> out;
  if (step > 0) {
    if (start < 0) start += n;
    if (stop < 0) stop += n;
    start = std::clamp(start, 0, n);
    stop = std::clamp(stop, 0, n);
    for (int i = start; i < stop; i += step) out.push_back(i);
  } else {
    if (start < 0) start += n;
    if (stop < 0) stop += n;
    start = std::clamp(start, -1, n - 1);
    stop = std::clamp(stop, -1, n - 1);
    for (int i = start; i > stop; i += step) out.push_back(i);
  }
  return out;
}

const std::vector<Dtype> kAllDtypes = {bool_,   uint8,   uint16,  uint32, uint64,
                                       int8,    int16,   int32,   int64,  float16,
                                       float32, float64, bfloat16, complex64};
const std::vector<Dtype> kIndexDtypes = {uint8, uint16, uint32, uint64,
                                         int8,  int16,  int32,  int64};

}  // namespace

// ---------------------------------------------------------------- slice

TEST(Indexing, SliceStrided) {
  array a = make({4, 5});
  auto rows = py_slice(1, 4, 2, 4), cols = py_slice(0, 5, 2, 5);
  array out = slice(a, {1, 0}, {4, 5}, {2, 2});
  EXPECT_EQ(out.shape(), (Shape{int(rows.size()), int(cols.size())}));
  std::vector<double> expect;
  for (int r : rows)
    for (int c : cols) expect.push_back(r * 5 + c);
  expect_values(out, expect);
  // A view of the same buffer.
  eval(a, out);
  EXPECT_EQ(out.data_shared_ptr(), a.data_shared_ptr());
}

TEST(Indexing, SliceNegativeStridesAndClamping) {
  array a = make({4, 6});
  struct Case {
    Shape start, stop, strides;
  };
  std::vector<Case> cases = {
      {{-1, 5}, {-100, 0}, {-1, -2}},  // a[::-1, 5:0:-2]
      {{3, -2}, {0, -7}, {-2, -1}},
      {{-10, 2}, {100, 100}, {1, 3}},  // clamped bounds
      {{2, 4}, {1, 1}, {1, 1}},        // empty
      {{0, 0}, {4, 6}, {5, 7}},        // stride larger than the axis
  };
  for (auto& c : cases) {
    auto rows = py_slice(c.start[0], c.stop[0], c.strides[0], 4);
    auto cols = py_slice(c.start[1], c.stop[1], c.strides[1], 6);
    array out = slice(a, c.start, c.stop, c.strides);
    ASSERT_EQ(out.shape(), (Shape{int(rows.size()), int(cols.size())}));
    std::vector<double> expect;
    for (int r : rows)
      for (int col : cols) expect.push_back(r * 6 + col);
    expect_values(out, expect);
    // Consumers handle the (possibly negative-stride) view.
    expect_values(contiguous(out) + 1.0f, [&] {
      auto e = expect;
      for (auto& x : e) x += 1;
      return e;
    }());
  }
}

TEST(Indexing, SliceOfViewsAndScalars) {
  array a = make({3, 4});
  array t = transpose(a);  // (4, 3), non-contiguous
  array out = slice(t, {1, 0}, {4, 3}, {2, 2});
  // t[i, j] = a[j, i]: rows 1,3 of t, cols 0,2
  expect_values(out, {1, 9, 3, 11});
  array b = slice(slice(a, {0, -1}, {3, -5}, {1, -1}), {1, 1}, {3, 3});
  // a[:, ::-1][1:3, 1:3]
  expect_values(b, {6, 5, 10, 9});
  array s(7.0f);
  expect_values(slice(s, Shape{}, Shape{}, Shape{}), {7});
  array bc = broadcast_to(array({1.0f, 2.0f, 3.0f}), {4, 3});
  expect_values(slice(bc, {1, 1}, {3, 3}), {2, 3, 2, 3});
  EXPECT_EQ(slice(make({0, 3}), {0, 0}, {0, 2}).shape(), (Shape{0, 2}));
}

TEST(Indexing, SliceErrors) {
  array a = make({3, 4});
  EXPECT_THROW(slice(a, {0}, {1, 1}, {1, 1}), std::invalid_argument);
  EXPECT_THROW(slice(a, {0, 0}, {1, 1}, Shape{1}), std::invalid_argument);
  EXPECT_THROW(slice(a, {0, 0}, {1, 1}, {1, 0}), std::invalid_argument);
}

// ---------------------------------------------------------- slice_update

TEST(Indexing, SliceUpdateValues) {
  array src = make({4, 5});
  array upd = make({2, 3}, float32, [](size_t i) { return 100.0 + i; });
  array out = slice_update(src, upd, {1, 0}, {4, 5}, {2, 2});
  std::vector<double> expect = iota_vals(20);
  auto rows = py_slice(1, 4, 2, 4), cols = py_slice(0, 5, 2, 5);
  for (size_t r = 0; r < rows.size(); ++r)
    for (size_t c = 0; c < cols.size(); ++c)
      expect[rows[r] * 5 + cols[c]] = 100 + r * 3 + c;
  expect_values(out, expect);
  expect_values(src, iota_vals(20));  // out of place

  // Negative strides, broadcast update, int update cast to float.
  array out2 = slice_update(src, array({7, 8}), {-1, 3}, {-100, 0}, {-2, -2});
  expect = iota_vals(20);
  for (int r : py_slice(-1, -100, -2, 4)) {
    auto cs = py_slice(3, 0, -2, 5);
    for (size_t c = 0; c < cs.size(); ++c) expect[r * 5 + cs[c]] = 7 + c;
  }
  expect_values(out2, expect);
  EXPECT_EQ(out2.dtype(), float32);

  // Transposed source and leading size-1 update dims.
  array t = transpose(make({3, 2}));  // t[i, j] = 2j + i
  array out3 = slice_update(t, reshape(array({-1.0f, -2.0f}), {1, 1, 2}),
                            {1, 1}, {2, 3});
  expect_values(out3, {0, 2, 4, 1, -1, -2});
  // Empty slice: unchanged.
  expect_values(slice_update(src, array(5.0f), {2, 2}, {2, 2}), iota_vals(20));
  // Scalar source.
  expect_values(slice_update(array(1.0f), array(4.0f), Shape{}, Shape{}), {4});
}

TEST(Indexing, SliceUpdateDonatesAndDtypes) {
  for (Dtype dt : kAllDtypes) {
    array src = make({6}, dt, [](size_t i) { return double(i % 2); });
    array out = slice_update(src + make({6}, dt, [](size_t) { return 0.0; }),
                             make({2}, dt, [](size_t) { return 1.0; }),
                             Shape{0}, Shape{6}, Shape{4});
    expect_values(out, {1, 1, 0, 1, 1, 1});
    EXPECT_EQ(out.dtype(), dt);
  }
}

TEST(Indexing, SliceUpdateErrors) {
  array src = make({3, 4});
  EXPECT_THROW(slice_update(src, make({2, 2}), {0, 0}, {3, 2}),
               std::invalid_argument);
  EXPECT_THROW(slice_update(src, make({2, 1, 2}), {0, 0}, {1, 2}),
               std::invalid_argument);
  EXPECT_THROW(slice_update(src, make({1}), Shape{0}, Shape{1}), std::invalid_argument);
  EXPECT_THROW(slice_update(src, make({1}), {0, 0}, {1, 1}, {0, 1}),
               std::invalid_argument);
}

// -------------------------------------------------------- dynamic slices

TEST(Indexing, DynamicSlice) {
  array a = make({4, 5});
  for (Dtype idt : kIndexDtypes) {
    array out = slice(a, astype(array({1, 2}), idt), {0, 1}, {2, 3});
    expect_values(out, {7, 8, 9, 12, 13, 14});
  }
  // Sizes per axis only; negative start wraps; large start clamps.
  expect_values(slice(a, array({-2}), {1}, {2}), {3, 4, 8, 9, 13, 14, 18, 19});
  expect_values(slice(a, array({10}), {0}, {1}), {15, 16, 17, 18, 19});
  expect_values(slice(a, array({-10}), {0}, {1}), {0, 1, 2, 3, 4});
  // Works on a transposed view.
  expect_values(slice(transpose(a), array({3}), {0}, Shape{1, 4}),
                {3, 8, 13, 18});
  EXPECT_THROW(slice(a, array({1.0f}), {0}, {1}), std::invalid_argument);
  EXPECT_THROW(slice(a, array({1, 2}), {0}, {1}), std::invalid_argument);
  EXPECT_THROW(slice(a, array({1}), {0}, {5, 5}), std::invalid_argument);
  EXPECT_THROW(slice(a, array({1}), {0}, {2, 3}), std::invalid_argument);
  EXPECT_THROW(slice(a, array({1}), {2}, {2}), std::out_of_range);
  EXPECT_THROW(slice(a, array({1, 1}), {0, 0}, {1, 1}), std::invalid_argument);
  EXPECT_THROW(slice(a, array({1}), {0}, {1, 2, 3}), std::invalid_argument);
}

TEST(Indexing, DynamicSliceUpdate) {
  array a = make({3, 4});
  array upd = make({2, 2}, float32, [](size_t i) { return -1.0 - i; });
  array out = slice_update(a, upd, array({1, 2}), {0, 1});
  std::vector<double> e = iota_vals(12);
  e[6] = -1, e[7] = -2, e[10] = -3, e[11] = -4;
  expect_values(out, e);
  // Clamped start; update broadcast along the untouched axis.
  out = slice_update(a, array({9.0f}), array({int64_t(7)}), {1});
  e = iota_vals(12);
  e[3] = e[7] = e[11] = 9;
  expect_values(out, e);
  EXPECT_THROW(slice_update(a, make({4, 1}), array({0}), {1}),
               std::invalid_argument);
  EXPECT_THROW(slice_update(a, make({1, 1, 1}), array({0}), {1}),
               std::invalid_argument);
  EXPECT_THROW(slice_update(a, upd, array({0.5f}), {1}), std::invalid_argument);
}

// ------------------------------------------------------------------ take

TEST(Indexing, TakeAlongAxes) {
  array a = make({3, 4});
  array idx = array({2, -1, 0, 2}, {2, 2});
  array out = take(a, idx, 1);
  EXPECT_EQ(out.shape(), (Shape{3, 2, 2}));
  std::vector<double> e;
  for (int r = 0; r < 3; ++r)
    for (int j : {2, 3, 0, 2}) e.push_back(r * 4 + j);
  expect_values(out, e);
  out = take(a, array({2, 0}), 0);
  expect_values(out, {8, 9, 10, 11, 0, 1, 2, 3});
  // Flattened, scalar index array, int index.
  expect_values(take(a, array({11, -12, 5})), {11, 0, 5});
  EXPECT_EQ(take(a, array(1), 0).shape(), (Shape{4}));
  expect_values(take(a, array(1), 0), {4, 5, 6, 7});
  expect_values(take(a, -1, 1), {3, 7, 11});
  expect_values(take(a, 7), {7});
  // Out-of-range indices clamp.
  expect_values(take(a, array({100, -100}), 0), {8, 9, 10, 11, 0, 1, 2, 3});
  // Empty indices; transposed and broadcast sources.
  EXPECT_EQ(take(a, array(std::vector<int>{}, {0}), 1).shape(), (Shape{3, 0}));
  expect_values(take(transpose(a), array({1}), 0), {1, 5, 9});
  expect_values(take(broadcast_to(array({5.0f, 6.0f}), {3, 2}), array({1, 1}), 1),
                {6, 6, 6, 6, 6, 6});
}

TEST(Indexing, TakeDtypes) {
  for (Dtype dt : kAllDtypes) {
    array a = make({2, 3}, dt, [](size_t i) { return double(i % 2); });
    for (Dtype idt : kIndexDtypes) {
      array out = take(a, astype(array({2, 0, 1}), idt), 1);
      EXPECT_EQ(out.dtype(), dt);
      expect_values(out, {0, 0, 1, 1, 1, 0});
    }
  }
}

TEST(Indexing, TakeEmbeddingLarge) {
  // Big enough to split across cores; float16 rows.
  int V = 500, D = 96, N = 3000;
  array table = make({V, D}, float16, [](size_t i) { return double(i % 97) / 8; });
  std::vector<int32_t> ids(N);
  for (int i = 0; i < N; ++i) ids[i] = (i * 7919) % V - (i % 3 == 0 ? V : 0);
  array out = take(table, array(ids, {N / 10, 10}), 0);
  EXPECT_EQ(out.shape(), (Shape{N / 10, 10, D}));
  std::vector<double> e;
  for (int i = 0; i < N; ++i) {
    int r = ids[i] < 0 ? ids[i] + V : ids[i];
    for (int d = 0; d < D; ++d) e.push_back(double((r * D + d) % 97) / 8);
  }
  expect_values(out, e, 1e-3);
}

TEST(Indexing, ElementGathersSplitAcrossRowsAndChunks) {
  // Per-element indices split over all elements (chunks of 2^15 cross row
  // boundaries): a flat take of one long row, and take_along_axis with a
  // few long rows and strided (transposed) indices.
  const int n = 100003;
  array flat = make({7, 20011}, float32, [](size_t i) { return double(i % 1013); });
  std::vector<int32_t> ids(n);
  for (int i = 0; i < n; ++i) ids[i] = int32_t((int64_t(i) * 7919) % (7 * 20011)) - (i % 5 == 0 ? 7 * 20011 : 0);
  std::vector<double> want(n);
  for (int i = 0; i < n; ++i) want[i] = double(((ids[i] < 0 ? ids[i] + 7 * 20011 : ids[i])) % 1013);
  expect_values(take(flat, array(ids, {n})), want);
  const int rows = 3, cols = 40000;
  array a = make({rows, cols}, float32, [](size_t i) { return double(i % 4099); });
  std::vector<int32_t> t_ids(size_t(rows) * cols);
  for (size_t i = 0; i < t_ids.size(); ++i) t_ids[i] = int32_t((i * 31) % cols);
  // Indices stored transposed: (cols, rows) memory viewed as (rows, cols).
  array idx = transpose(array(t_ids, {cols, rows}));
  array got = take_along_axis(a, idx, 1);
  std::vector<double> e(size_t(rows) * cols);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      e[size_t(r) * cols + c] = double((size_t(r) * cols + t_ids[size_t(c) * rows + r]) % 4099);
    }
  }
  expect_values(got, e);
}

TEST(Indexing, TakeErrors) {
  array a = make({3, 4});
  EXPECT_THROW(take(a, array({1.0f}), 0), std::invalid_argument);
  EXPECT_THROW(take(a, array({true}), 0), std::invalid_argument);
  EXPECT_THROW(take(a, array({1}), 2), std::out_of_range);
  EXPECT_THROW(take(a, 3, 0), std::out_of_range);
  EXPECT_THROW(take(a, -5, 1), std::out_of_range);
  EXPECT_THROW(take(make({0, 2}), array({0}), 0), std::out_of_range);
  EXPECT_THROW(take(array(1.0f), array({0}), 0), std::out_of_range);
}

// ---------------------------------------------------- along an axis

TEST(Indexing, TakeAlongAxis) {
  array a = make({3, 4});
  array idx = array({3, 0, -1, 1, 1, 2}, {3, 2});
  array out = take_along_axis(a, idx, 1);
  expect_values(out, {3, 0, 7, 5, 9, 10});
  // Broadcasting: indices (1, 4) along axis 0 of a (3, 4).
  out = take_along_axis(a, array({2, 0, 1, 2}, {1, 4}), 0);
  expect_values(out, {8, 1, 6, 11});
  // a broadcast against indices (outside the axis).
  out = take_along_axis(make({1, 4}), array({0, 3, 1, 2}, {2, 2}), 1);
  expect_values(out, {0, 3, 1, 2});
  // Flattened and transposed.
  expect_values(take_along_axis(a, array({5, 0})), {5, 0});
  // transpose(a)[i, j] = a[j, i]
  expect_values(take_along_axis(transpose(a), array({2, 1, 0}, {1, 3}), 0),
                {2, 5, 8});
  EXPECT_THROW(take_along_axis(a, array({0}), 1), std::invalid_argument);
  EXPECT_THROW(take_along_axis(a, array({0.0f}, {1, 1}), 1),
               std::invalid_argument);
  EXPECT_THROW(take_along_axis(a, array({0, 0}, {2, 1}), 1),
               std::invalid_argument);
}

TEST(Indexing, PutAlongAxis) {
  array a = make({3, 4});
  array idx = array({3, 0, 1, 1, 2, -4}, {3, 2});
  array out = put_along_axis(a, idx, make({3, 2}, float32,
                                          [](size_t i) { return -1.0 - i; }),
                             1);
  std::vector<double> e = iota_vals(12);
  e[3] = -1, e[0] = -2, e[5] = -4, e[10] = -5, e[8] = -6;
  expect_values(out, e);
  // Scalar value broadcasts; out-of-range indices are dropped.
  out = put_along_axis(a, array({0, 9}, {1, 2}), array(-1.0f), 1);
  e = iota_vals(12);
  e[0] = e[4] = e[8] = -1;
  expect_values(out, e);
  // Duplicates accumulate in scatter_add_axis.
  out = scatter_add_axis(a, array({1, 1, 1}, {1, 3}), array(1.0f), 1);
  e = iota_vals(12);
  e[1] += 3, e[5] += 3, e[9] += 3;
  expect_values(out, e);
  // Along axis 0 with column-split parallel path.
  int R = 64, C = 2000;
  array big = make({R, C}, float32, [](size_t) { return 0.0; });
  std::vector<int32_t> ids(3 * C);
  for (int i = 0; i < 3 * C; ++i) ids[i] = (i * 31) % R;
  out = scatter_add_axis(big, array(ids, {3, C}), array(1.0f), 0);
  e.assign(R * C, 0.0);
  for (int i = 0; i < 3 * C; ++i) e[ids[i] * C + i % C] += 1;
  expect_values(out, e);
  // Flattened form keeps the shape.
  out = put_along_axis(a, array({11, 0}), array({-1.0f, -2.0f}));
  EXPECT_EQ(out.shape(), a.shape());
  e = iota_vals(12);
  e[11] = -1, e[0] = -2;
  expect_values(out, e);
  EXPECT_THROW(put_along_axis(a, array({0}), array(1.0f), 1),
               std::invalid_argument);
  EXPECT_THROW(put_along_axis(a, array({0, 1}, {2, 1}), array(1.0f), 1),
               std::invalid_argument);
  EXPECT_THROW(put_along_axis(a, array({0}, {1, 1}), make({2, 2}), 1),
               std::invalid_argument);
  EXPECT_THROW(put_along_axis(a, array({0}, {1, 1}), array(1.0f), 3),
               std::out_of_range);
}

// ------------------------------------------------------- gather/scatter

TEST(Indexing, GatherMultiAxis) {
  array a = make({4, 5, 3});
  // Two index arrays broadcast to (2, 2); slices (1, 2, 3).
  array i0 = array({0, 3}, {2, 1});
  array i1 = array({1, -2}, {1, 2});
  array out = gather(a, {i0, i1}, {0, 1}, {1, 2, 3});
  EXPECT_EQ(out.shape(), (Shape{2, 2, 1, 2, 3}));
  std::vector<double> e;
  for (int r : {0, 3})
    for (int c : {1, 3})
      for (int dc = 0; dc < 2; ++dc)
        for (int k = 0; k < 3; ++k) e.push_back((r * 5 + c + dc) * 3 + k);
  expect_values(out, e);
  // Slice clamped to fit: start 4 with size 2 on an axis of 5 -> 3.
  expect_values(gather(a, array({4}), 1, {1, 2, 1}), {9, 12});
  // No indices: a plain leading slice.
  expect_values(gather(a, std::vector<array>{}, {}, {1, 1, 2}), {0, 1});
  // Transposed source.
  expect_values(gather(transpose(make({3, 4})), array({2}), 0, {1, 3}),
                {2, 6, 10});
  EXPECT_THROW(gather(a, {i0}, {0, 1}, {1, 1, 1}), std::invalid_argument);
  EXPECT_THROW(gather(a, {i0}, {0}, {1, 1}), std::invalid_argument);
  EXPECT_THROW(gather(a, {i0}, {0}, {1, 6, 1}), std::invalid_argument);
  EXPECT_THROW(gather(a, {array({0, 1}), array({0, 1, 2})}, {0, 1}, {1, 1, 1}),
               std::invalid_argument);
  EXPECT_THROW(gather(a, {i0, i0}, {0, 0}, {1, 1, 1}), std::invalid_argument);
  EXPECT_THROW(gather(a, {array({0.0f})}, {0}, {1, 1, 1}), std::invalid_argument);
  EXPECT_THROW(gather(a, {i0}, {3}, {1, 1, 1}), std::out_of_range);
}

TEST(Indexing, ScatterReductions) {
  array a = make({4, 3});
  array idx = array({1, 3, 1, -3, 9});  // 9 is dropped; -3 -> 1
  array upd = make({5, 1, 3}, float32, [](size_t i) { return 2.0 + i; });
  auto ref = [&](int mode) {
    std::vector<double> e = iota_vals(12);
    int rows[] = {1, 3, 1, 1, -1};
    for (int k = 0; k < 5; ++k) {
      if (rows[k] < 0) continue;
      for (int c = 0; c < 3; ++c) {
        double& x = e[rows[k] * 3 + c];
        double u = 2.0 + k * 3 + c;
        if (mode == 0) x += u;
        if (mode == 1) x *= u;
        if (mode == 2) x = std::max(x, u);
        if (mode == 3) x = std::min(x, u);
      }
    }
    return e;
  };
  expect_values(scatter_add(a, idx, upd, 0), ref(0));
  expect_values(scatter_prod(a, idx, upd, 0), ref(1));
  expect_values(scatter_max(a, idx, upd, 0), ref(2));
  expect_values(scatter_min(a, idx, upd, 0), ref(3));
  // Plain scatter without duplicates.
  array out = scatter(a, array({2, 0}), make({2, 1, 3}, float32,
                                             [](size_t i) { return -1.0 - i; }),
                      0);
  std::vector<double> e = iota_vals(12);
  for (int c = 0; c < 3; ++c) e[6 + c] = -1 - c, e[c] = -4 - c;
  expect_values(out, e);
  // Multi-axis point updates with broadcast update leading dims.
  out = scatter_add(make({3, 3}), {array({0, 2, 0}), array({1, 2, 1})},
                    array(10.0f, float32) * make({1, 1, 1}, float32,
                                                 [](size_t) { return 1.0; }),
                    {0, 1});
  e = iota_vals(9);
  e[1] += 20, e[8] += 10;
  expect_values(out, e);
}

TEST(Indexing, ScatterDtypesAndLarge) {
  for (Dtype dt : kAllDtypes) {
    array a = make({4}, dt, [](size_t) { return 0.0; });
    array out = scatter_add(a, array({1, 1, 3}), make({3, 1}, dt,
                                                      [](size_t) { return 1.0; }),
                            0);
    EXPECT_EQ(out.dtype(), dt);
    double two = dt == bool_ ? 1 : 2;
    expect_values(out, {0, two, 0, 1});
    if (dt != complex64) {
      expect_values(scatter_max(a, array({2}), make({1, 1}, dt,
                                                    [](size_t) { return 1.0; }),
                                0),
                    {0, 0, 1, 0});
    }
  }
  // Embedding gradient: many duplicate rows, split across cores by columns.
  int V = 50, D = 512, N = 4000;
  std::vector<int32_t> ids(N);
  for (int i = 0; i < N; ++i) ids[i] = (i * 13) % V;
  array upd = make({N, 1, D}, float32, [](size_t i) { return double(i % 5); });
  array out = scatter_add(make({V, D}, float32, [](size_t) { return 0.0; }),
                          array(ids, {N}), upd, 0);
  std::vector<double> e(V * D, 0.0);
  for (int i = 0; i < N; ++i)
    for (int d = 0; d < D; ++d) e[ids[i] * D + d] += double((i * D + d) % 5);
  expect_values(out, e, 1e-5);
  // Transposed (non-contiguous) target and broadcast updates.
  array t = transpose(make({3, 2}));  // (2, 3): t[i, j] = 2j + i
  out = scatter(t, array({1}), broadcast_to(array(-1.0f), {1, 1, 3}), 0);
  expect_values(out, {0, 2, 4, -1, -1, -1});
}

TEST(Indexing, ScatterErrors) {
  array a = make({3, 4});
  EXPECT_THROW(scatter(a, array({0}), make({1, 4}), 0), std::invalid_argument);
  EXPECT_THROW(scatter(a, array({0}), make({1, 4, 4}), 0),
               std::invalid_argument);
  EXPECT_THROW(scatter(a, array({0, 1}), make({3, 1, 4}), 0),
               std::invalid_argument);
  EXPECT_THROW(scatter_add(a, array({0.5f}), make({1, 1, 4}), 0),
               std::invalid_argument);
  EXPECT_THROW(scatter_add(a, {array({0})}, make({1, 1, 4}), {0, 1}),
               std::invalid_argument);
  EXPECT_THROW(scatter_max(astype(a, complex64), array({0}), make({1, 1, 4}), 0),
               std::invalid_argument);
  EXPECT_THROW(scatter_min(a, array({0}), make({1, 1, 4}), 2), std::out_of_range);
}

// ----------------------------------------------------------- masks, deps

TEST(Indexing, MaskedScatter) {
  array a = make({2, 3});
  array mask = array({true, false, true, false, true, true}, {2, 3});
  array out = masked_scatter(a, mask, array({10.0f, 20.0f, 30.0f, 40.0f}));
  expect_values(out, {10, 1, 20, 3, 30, 40});
  // Row mask broadcast over columns; scalar value fills every slot.
  out = masked_scatter(a, array({false, true}, {2, 1}), array(-1.0f));
  expect_values(out, {0, 1, 2, -1, -1, -1});
  // Short values are reused cyclically; empty values leave `a` unchanged.
  out = masked_scatter(a, array(true), array({7, 8}));
  expect_values(out, {7, 8, 7, 8, 7, 8});
  expect_values(masked_scatter(a, mask, make({0})), iota_vals(6));
  // Large, non-contiguous target.
  int n = 300000;
  array big = make({n}, float32, [](size_t) { return 1.0; });
  array m = astype(make({n}, int32, [](size_t i) { return double(i % 3 == 0); }),
                   bool_);
  out = masked_scatter(slice(big, Shape{0}, Shape{n}, Shape{1}), m,
                       make({n / 3}, float32, [](size_t i) { return -double(i); }));
  std::vector<double> e(n, 1.0);
  for (int i = 0; i < n; i += 3) e[i] = -double(i / 3);
  expect_values(out, e);
  EXPECT_THROW(masked_scatter(a, array({1, 0, 1}), array(1.0f)),
               std::invalid_argument);
  EXPECT_THROW(masked_scatter(a, array({true, false}), array(1.0f)),
               std::invalid_argument);
}

TEST(Indexing, Depends) {
  array a = make({3});
  array side = a * 2.0f;
  auto out = depends({a + 1.0f}, {side});
  ASSERT_EQ(out.size(), 1u);
  expect_values(out[0], {1, 2, 3});
  EXPECT_TRUE(side.is_available() || side.status() == Status::scheduled);
  expect_values(side, {0, 2, 4});
  EXPECT_TRUE(depends({}, {a}).empty());
}

// ------------------------------------------------------------- gradients

TEST(Indexing, GradSliceAndTake) {
  array x = make({3, 4});
  auto [y, g] = vjp([](const array& a) { return slice(a, {1, -1}, {3, -5}, {1, -2}); },
                    x, make({2, 2}, float32, [](size_t i) { return 1.0 + i; }));
  std::vector<double> e(12, 0.0);
  e[4 + 3] = 1, e[4 + 1] = 2, e[8 + 3] = 3, e[8 + 1] = 4;
  expect_values(g, e);
  auto [y2, t2] = jvp([](const array& a) { return slice(a, {0, 1}, {2, 3}); },
                      x, make({3, 4}, float32, [](size_t i) { return 2.0 * i; }));
  expect_values(t2, {2, 4, 10, 12});
  // take: duplicates accumulate in the gradient.
  auto [y3, g3] = vjp([](const array& a) { return take(a, array({1, 1, 3}), 1); },
                      x, make({3, 3}, float32, [](size_t) { return 1.0; }));
  expect_values(g3, {0, 2, 0, 1, 0, 2, 0, 1, 0, 2, 0, 1});
  auto [y4, t4] = jvp([](const array& a) { return take(a, array({2, 0}), 0); },
                      x, make({3, 4}));
  expect_values(t4, {8, 9, 10, 11, 0, 1, 2, 3});
}

TEST(Indexing, GradUpdatesAndScatters) {
  array src = make({3, 3});
  array upd = make({1, 2}, float32, [](size_t i) { return 10.0 + i; });
  array cot = make({3, 3}, float32, [](size_t i) { return 1.0 + i; });
  auto [outs, gs] = vjp(
      [](const std::vector<array>& p) {
        return std::vector<array>{slice_update(p[0], p[1], {1, 0}, {2, 3}, {1, 2})};
      },
      {src, upd}, {cot});
  expect_values(gs[0], {1, 2, 3, 0, 5, 0, 7, 8, 9});
  expect_values(gs[1], {4, 6});
  // scatter_add: d a = cot, d updates = gathered cot.
  array idx = array({2, 2});
  auto [o2, g2] = vjp(
      [idx](const std::vector<array>& p) {
        return std::vector<array>{scatter_add(p[0], idx, p[1], 0)};
      },
      {src, make({2, 1, 3})}, {cot});
  expect_values(g2[0], to_vector(cot));
  expect_values(g2[1], {7, 8, 9, 7, 8, 9});
  // scatter (assign): overwritten rows get no gradient.
  auto [o3, g3] = vjp(
      [](const std::vector<array>& p) {
        return std::vector<array>{scatter(p[0], array({0}), p[1], 0)};
      },
      {src, make({1, 1, 3})}, {cot});
  expect_values(g3[0], {0, 0, 0, 4, 5, 6, 7, 8, 9});
  expect_values(g3[1], {1, 2, 3});
  // scatter_prod: d a = cot * prod(updates), d upd = cot * out / upd.
  array pu = make({2, 1}, float32, [](size_t i) { return 2.0 + i; });
  auto [o4, g4] = vjp(
      [](const std::vector<array>& p) {
        return std::vector<array>{scatter_prod(p[0], array({1, 1}), p[1], 0)};
      },
      {make({3}, float32, [](size_t i) { return 1.0 + i; }), pu},
      {make({3}, float32, [](size_t) { return 1.0; })});
  expect_values(o4[0], {1, 12, 3});
  expect_values(g4[0], {1, 6, 1});
  expect_values(g4[1], {6, 4});
  // scatter_max: the winner gets the gradient.
  auto [o5, g5] = vjp(
      [](const std::vector<array>& p) {
        return std::vector<array>{scatter_max(p[0], array({0, 2}), p[1], 0)};
      },
      {make({3}), make({2, 1}, float32, [](size_t i) { return i ? 1.0 : 5.0; })},
      {make({3}, float32, [](size_t) { return 1.0; })});
  expect_values(o5[0], {5, 1, 2});
  expect_values(g5[0], {0, 1, 1});
  expect_values(g5[1], {1, 0});
}

TEST(Indexing, GradGatherAlongAxisAndMasked) {
  array a = make({2, 3});
  auto [o, g] = vjp(
      [](const array& x) {
        return gather(x, {array({1, 1})}, {1}, {2, 2});
      },
      a, make({2, 2, 2}, float32, [](size_t) { return 1.0; }));
  expect_values(g, {0, 2, 2, 0, 2, 2});
  auto [o2, g2] = vjp(
      [](const array& x) {
        return take_along_axis(x, array({2, 2, 0, 1}, {2, 2}), 1);
      },
      a, make({2, 2}, float32, [](size_t i) { return 1.0 + i; }));
  expect_values(g2, {0, 0, 3, 3, 4, 0});
  auto [o3, g3] = vjp(
      [](const std::vector<array>& p) {
        return std::vector<array>{put_along_axis(p[0], array({1}, {1, 1}), p[1], 1)};
      },
      {a, make({2, 1})}, {make({2, 3}, float32, [](size_t i) { return 1.0 + i; })});
  expect_values(g3[0], {1, 0, 3, 4, 0, 6});
  expect_values(g3[1], {2, 5});
  array mask = array({true, false, true, true, false, false}, {2, 3});
  auto [o4, g4] = vjp(
      [mask](const std::vector<array>& p) {
        return std::vector<array>{masked_scatter(p[0], mask, p[1])};
      },
      {a, make({2})}, {make({2, 3}, float32, [](size_t i) { return 1.0 + i; })});
  expect_values(o4[0], {0, 1, 1, 0, 4, 5});
  expect_values(g4[0], {0, 2, 0, 0, 5, 6});
  expect_values(g4[1], {1 + 4, 3});  // slots cycle: 0, 1, 0
  // Dynamic slice and its update.
  auto [o5, g5] = vjp(
      [](const array& x) { return slice(x, array({1}), {1}, {2}); }, a,
      make({2, 2}, float32, [](size_t i) { return 1.0 + i; }));
  expect_values(g5, {0, 1, 2, 0, 3, 4});
  auto [o6, g6] = vjp(
      [](const std::vector<array>& p) {
        return std::vector<array>{slice_update(p[0], p[1], array({2}), {1})};
      },
      {a, make({2, 1})}, {make({2, 3}, float32, [](size_t i) { return 1.0 + i; })});
  expect_values(g6[0], {1, 2, 0, 4, 5, 0});
  expect_values(g6[1], {3, 6});
}

// Scatter-prod gradients with zero updates, duplicates included: the product
// of the other updates at a position is formed without dividing by zeros.
TEST(Indexing, GradScatterProdZeroUpdates) {
  array a = array({2.0, 3.0, 5.0, 7.0}, {4}, float64);
  array idx = array({0, 0, 0, 1, 1, 2}, {6});
  // Position 0: updates 0, 4, 0; position 1: 0, 6; position 2: 3.
  array upd = array({0.0, 4.0, 0.0, 0.0, 6.0, 3.0}, {6, 1}, float64);
  auto f = [idx](const std::vector<array>& p) {
    return std::vector<array>{scatter_prod(p[0], idx, p[1], 0)};
  };
  array cot = array({1.0, 2.0, 3.0, 4.0}, {4}, float64);
  auto [o, g] = vjp(f, {a, upd}, {cot});
  expect_values(o[0], {0, 0, 15, 7});
  expect_values(g[0], {0, 0, 9, 4});
  expect_values(g[1], {0, 0, 0, 2 * 3 * 6, 0, 3 * 5});
  array tu = array({1.0, 1.0, 1.0, 1.0, 1.0, 1.0}, {6, 1}, float64);
  array ta = array({1.0, 1.0, 1.0, 1.0}, {4}, float64);
  auto [o2, t2] = jvp(f, {a, upd}, {ta, tu});
  expect_values(t2[0], {0, 3 * 6, 3 + 5, 1});
  // Against finite differences where each position holds at most one zero.
  array upd1 = array({0.0, 4.0, 0.5, 0.0, 6.0, 3.0}, {6, 1}, float64);
  auto [o3, g3] = vjp(f, {a, upd1}, {cot});
  auto uv = to_vector(upd1);
  const double eps = 1e-6;
  std::vector<double> fd(6);
  for (int k = 0; k < 6; ++k) {
    auto up = uv, um = uv;
    up[k] += eps;
    um[k] -= eps;
    auto fp = to_vector(f({a, array(up, {6, 1}, float64)})[0]);
    auto fm = to_vector(f({a, array(um, {6, 1}, float64)})[0]);
    auto cv = to_vector(cot);
    for (int j = 0; j < 4; ++j) fd[k] += cv[j] * (fp[j] - fm[j]) / (2 * eps);
  }
  expect_values(g3[1], fd, 1e-6);
}

// The batched MaskedScatter rule against a loop over the batch: per-item
// counts of true positions differ, values wrap, any input may be unbatched.
TEST(Indexing, MaskedScatterVmapMatchesLoop) {
  array a = make({3, 2, 4});
  std::vector<bool> mv;
  for (int i = 0; i < 24; ++i) mv.push_back((i * 7) % 5 < 2 || i == 23);
  array mask = array(std::vector<int>(mv.begin(), mv.end()), {3, 2, 4});
  mask = astype(mask, bool_);
  array vals = make({3, 3}, float32, [](size_t i) { return 100.0 + i; });
  auto f = [](const std::vector<array>& p) {
    return std::vector<array>{masked_scatter(p[0], p[1], p[2])};
  };
  auto item = [](const array& x, int ax, int b) {
    return ax < 0 ? x : take(x, b, ax);
  };
  for (int aa : {0, 1, -1}) {
    for (int ma : {0, 2, -1}) {
      for (int va : {0, 1, -1}) {
        if (aa < 0 && ma < 0 && va < 0) continue;
        array ab = aa < 0 ? take(a, 0, 0) : moveaxis(a, 0, aa);
        array mb = ma < 0 ? take(mask, 1, 0) : moveaxis(mask, 0, ma);
        array vb = va < 0 ? take(vals, 2, 0) : moveaxis(vals, 0, va);
        auto ax = [](int x) { return x < 0 ? std::nullopt : std::optional<int>(x); };
        auto out = vmap(f, {ax(aa), ax(ma), ax(va)}, {0})({ab, mb, vb})[0];
        for (int b = 0; b < 3; ++b) {
          SCOPED_TRACE("in_axes " + std::to_string(aa) + " " + std::to_string(ma) +
                       " " + std::to_string(va) + " item " + std::to_string(b));
          auto want = f({item(ab, aa, b), item(mb, ma, b), item(vb, va, b)})[0];
          expect_values(take(out, b, 0), to_vector(want));
        }
      }
    }
  }
}

// ---------------------------------------------------------------- vmap

TEST(Indexing, VmapMatchesLoop) {
  array x = make({3, 4, 5});  // batch over axis 0
  auto check = [&](const std::function<array(const array&)>& f, int in_axis) {
    array batched = vmap(f, in_axis)(x);
    int n = x.shape(in_axis);
    for (int b = 0; b < n; ++b) {
      expect_values(take(batched, b, 0), to_vector(f(take(x, b, in_axis))));
    }
  };
  for (int ax : {0, 1, 2}) {
    check([](const array& a) { return slice(a, {1, -1}, {2, -10}, {1, -2}); }, ax);
    check([](const array& a) { return take(a, array({1, 0, 1}), 1); }, ax);
    check([](const array& a) { return take_along_axis(a, array({1, 0}, {2, 1}), 0); },
          ax);
    check([](const array& a) { return gather(a, array({1}), 0, {1, 2}); }, ax);
    check([](const array& a) {
      return scatter_add(a, array({0, 0}), array(1.0f) * make({2, 1, 1}), 1);
    }, ax);
    check([](const array& a) {
      return slice_update(a, array(-1.0f), {0, 1}, {1, 3});
    }, ax);
    check([](const array& a) { return slice(a, array({1}), {1}, {2}); }, ax);
    check([](const array& a) {
      return put_along_axis(a, array({0}, {1, 1}), array(3.0f), 0);
    }, ax);
    check([](const array& a) {
      array m = astype(remainder(a, array(3.0f)), bool_);
      return masked_scatter(a, m, array({5.0f, 6.0f, 7.0f}));
    }, ax);
  }
  // Batched indices with an unbatched (or batched) source.
  array src = make({4, 3});
  array idx = array({0, 3, 2, 1, 1, 0}, {3, 2});
  auto gt = vmap([src](const array& i) { return take(src, i, 0); })(idx);
  for (int b = 0; b < 3; ++b) {
    expect_values(take(gt, b, 0), to_vector(take(src, take(idx, b, 0), 0)));
  }
  auto g2 = vmap([](const array& a, const array& i) { return gather(a, i, 0, {1}); },
                 0, 0)(make({3, 4}), idx);
  for (int b = 0; b < 3; ++b) {
    expect_values(take(g2, b, 0),
                  to_vector(gather(take(make({3, 4}), b, 0), take(idx, b, 0), 0, {1})));
  }
  auto s2 = vmap([](const array& a, const array& i) {
    return scatter_add(a, i, array(1.0f) * make({2, 1}, float32,
                                                [](size_t) { return 1.0; }), 0);
  }, 0, 0)(make({3, 4}), idx);
  for (int b = 0; b < 3; ++b) {
    expect_values(take(s2, b, 0),
                  to_vector(scatter_add(take(make({3, 4}), b, 0), take(idx, b, 0),
                                        make({2, 1}, float32,
                                             [](size_t) { return 1.0; }), 0)));
  }
  auto d2 = vmap([](const array& a, const array& st) {
    return slice(a, st, {0}, {2});
  }, 0, 0)(make({3, 4}), array({0, 2, 3}, {3, 1}));
  expect_values(d2, {0, 1, 6, 7, 10, 11});
  auto du = vmap([](const array& a, const array& st) {
    return slice_update(a, array({-1.0f}), st, {0});
  }, 0, 0)(make({3, 4}), array({0, 2, 3}, {3, 1}));
  expect_values(du, {-1, 1, 2, 3, 4, 5, -1, 7, 8, 9, 10, -1});
}

TEST(Indexing, JvpRules) {
  auto ones_like_f = [](const array& x) {
    return make(x.shape(), x.dtype(), [](size_t) { return 1.0; });
  };
  array a = make({3, 2});
  // gather / scatter_add / scatter_prod / scatter_max tangents.
  auto [o1, t1] = jvp([](const array& x) { return gather(x, array({2, 0}), 0, {1, 2}); },
                      a, make({3, 2}, float32, [](size_t i) { return 10.0 * i; }));
  expect_values(t1, {40, 50, 0, 10});
  array u = make({2, 1, 2}, float32, [](size_t i) { return 1.0 + i; });
  auto [o2, t2] = jvp(
      [](const std::vector<array>& p) {
        return std::vector<array>{scatter_add(p[0], array({1, 1}), p[1], 0)};
      },
      {a, u}, {ones_like_f(a), ones_like_f(u)});
  expect_values(t2[0], {1, 1, 3, 3, 1, 1});
  auto [o3, t3] = jvp(
      [](const std::vector<array>& p) {
        return std::vector<array>{scatter_prod(p[0], array({1, 1}), p[1], 0)};
      },
      {a, u}, {ones_like_f(a), ones_like_f(u)});
  // out[1, c] = a[1, c] * u0[c] * u1[c]; d/dt along all-ones directions.
  std::vector<double> e = {1, 1, 0, 0, 1, 1};
  for (int c = 0; c < 2; ++c) {
    double a1 = 2 + c, u0 = 1 + c, u1 = 3 + c;
    e[2 + c] = u0 * u1 + a1 * u1 + a1 * u0;
  }
  expect_values(t3[0], e, 1e-5);
  auto [o4, t4] = jvp(
      [](const std::vector<array>& p) {
        return std::vector<array>{scatter_max(p[0], array({0}), p[1], 0)};
      },
      {a, make({1, 1, 2}, float32, [](size_t i) { return i ? -5.0 : 5.0; })},
      {make({3, 2}, float32, [](size_t i) { return 1.0 + i; }),
       make({1, 1, 2}, float32, [](size_t) { return 100.0; })});
  expect_values(t4[0], {100, 2, 3, 4, 5, 6});
  // Along-axis, masked and dynamic updates.
  auto [o5, t5] = jvp(
      [](const std::vector<array>& p) {
        return std::vector<array>{put_along_axis(p[0], array({1}, {1, 1}), p[1], 1)};
      },
      {a, make({3, 1})}, {ones_like_f(a), make({3, 1}, float32,
                                                [](size_t) { return 7.0; })});
  expect_values(t5[0], {1, 7, 1, 7, 1, 7});
  auto [o6, t6] = jvp(
      [](const std::vector<array>& p) {
        return std::vector<array>{slice_update(p[0], p[1], array({1}), {0})};
      },
      {a, make({1, 2})}, {ones_like_f(a), make({1, 2}, float32,
                                                [](size_t) { return 3.0; })});
  expect_values(t6[0], {1, 1, 3, 3, 1, 1});
  auto [o7, t7] = jvp(
      [](const std::vector<array>& p) {
        return std::vector<array>{masked_scatter(p[0], array({false, true}, {1, 2}), p[1])};
      },
      {a, make({3})}, {ones_like_f(a), make({3}, float32,
                                             [](size_t i) { return 10.0 + i; })});
  expect_values(t7[0], {1, 10, 1, 11, 1, 12});
}

TEST(Indexing, HalfPrecisionGatherScatter) {
  for (Dtype dt : {float16, bfloat16}) {
    array a = make({4, 3}, dt, [](size_t i) { return 0.25 * i; });
    expect_values(take(a, array({3, 1}), 0), {2.25, 2.5, 2.75, 0.75, 1, 1.25}, 1e-2);
    array out = scatter_add(a, array({0, 0, 0}),
                            make({3, 1, 3}, dt, [](size_t) { return 0.5; }), 0);
    expect_values(out, {1.5, 1.75, 2, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75},
                  1e-2);
    EXPECT_EQ(out.dtype(), dt);
  }
}
