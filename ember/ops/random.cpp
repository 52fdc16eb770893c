#include "ember/ops/random.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "ember/ops/binary.h"
#include "ember/ops/copy.h"
#include "ember/ops/creation.h"
#include "ember/ops/indexing.h"
#include "ember/ops/linalg.h"
#include "ember/ops/reduce.h"
#include "ember/ops/scan.h"
#include "ember/ops/shape.h"
#include "ember/ops/sort.h"
#include "ember/ops/ternary.h"
#include "ember/ops/unary.h"
#include "ember/ops/utils.h"
#include "ember/primitives/random.h"

namespace ember::random {

namespace {
// Time of first use, shared by all threads so that unseeded threads agree.
uint64_t process_time_ms() {
  static const uint64_t t = uint64_t(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  return t;
}

std::optional<array>& thread_state() {
  thread_local std::optional<array> state;
  return state;
}

array get_key(const std::optional<array>& key) {
  return key ? *key : next_key();
}

std::string dtype_str(Dtype d) { return dtype_name(d); }

void check_float_dtype(Dtype dtype, const char* op) {
  if (dtype != float32 && dtype != float16 && dtype != bfloat16) {
    throw std::invalid_argument(
        std::string("[") + op +
        "] Can only generate random numbers with float32, float16 or bfloat16 "
        "dtype; got " + dtype_str(dtype) + ".");
  }
}

// Largest value below 1 of a floating dtype.
float below_one(Dtype dtype) {
  switch (dtype) {
    case Dtype::float16:
      return 1.0f - 1.0f / 2048.0f;
    case Dtype::bfloat16:
      return 1.0f - 1.0f / 256.0f;
    default:
      return std::nextafter(1.0f, 0.0f);
  }
}
}  // namespace

array key(uint64_t seed) {
  return array({uint32_t(seed >> 32), uint32_t(seed & 0xFFFFFFFFu)}, uint32);
}

void seed(uint64_t seed) { thread_state() = key(seed); }

array get_state() {
  auto& st = thread_state();
  if (!st) st = key(process_time_ms());
  return *st;
}

void set_state(const array& k) {
  if (k.dtype() != uint32 || k.shape() != Shape{2}) {
    throw std::invalid_argument(
        "[random.state] A key must be a uint32 array of shape (2,); got " +
        dtype_str(k.dtype()) + " of shape " + shape_str(k.shape()) + ".");
  }
  thread_state() = k;
}

void reset_state() { thread_state().reset(); }

array next_key() {
  auto& st = thread_state();
  if (!st) st = key(process_time_ms());
  auto keys = random::split(*st, 2);
  st = reshape(slice(keys, {0, 0}, {1, 2}), {2});
  return reshape(slice(keys, {1, 0}, {2, 2}), {2});
}

array bits(const Shape& shape, int width, const std::optional<array>& key_,
           StreamOrDevice s) {
  if (width != 1 && width != 2 && width != 4) {
    throw std::invalid_argument(
        "[bits] Width must be 1, 2 or 4 bytes; got " + std::to_string(width) +
        ".");
  }
  for (auto d : shape) {
    if (d < 0) {
      throw std::invalid_argument("[bits] Negative dimensions not allowed; got "
                                  "shape " + shape_str(shape) + ".");
    }
  }
  auto k = get_key(key_);
  if (k.dtype() != uint32) {
    throw std::invalid_argument("[bits] Expected a key of dtype uint32; got " +
                                dtype_str(k.dtype()) + ".");
  }
  if (k.shape() != Shape{2}) {
    throw std::invalid_argument("[bits] Expected a key of shape (2,); got " +
                                shape_str(k.shape()) + ".");
  }
  Dtype dt = width == 4 ? uint32 : width == 2 ? uint16 : uint8;
  return array(shape, dt,
               std::make_shared<RandomBits>(to_stream(s), shape, width), {k});
}
array bits(const Shape& shape, const std::optional<array>& key,
           StreamOrDevice s) {
  return bits(shape, 4, key, s);
}

array split(const array& key, int num, StreamOrDevice s) {
  if (num < 0) {
    throw std::invalid_argument("[split] Number of keys must be non-negative; "
                                "got " + std::to_string(num) + ".");
  }
  return bits({num, 2}, 4, key, s);
}
std::pair<array, array> split(const array& key, StreamOrDevice s) {
  auto keys = random::split(key, 2, s);
  return {reshape(slice(keys, {0, 0}, {1, 2}, s), {2}, s),
          reshape(slice(keys, {1, 0}, {2, 2}, s), {2}, s)};
}

array uniform(const array& low, const array& high, const Shape& shape,
              Dtype dtype, const std::optional<array>& key, StreamOrDevice s) {
  check_float_dtype(dtype, "uniform");
  auto st = to_stream(s);
  auto lo = astype(low, dtype, st);
  auto hi = astype(high, dtype, st);
  auto range = subtract(hi, lo, st);
  Shape bs;
  try {
    bs = broadcast_shapes(shape, range.shape());
  } catch (const std::invalid_argument&) {
    bs = {};
    bs.push_back(-1);
  }
  if (bs != shape) {
    throw std::invalid_argument(
        "[uniform] Cannot generate random values of shape " + shape_str(shape) +
        " from bounds of broadcast shape " + shape_str(range.shape()) + ".");
  }
  // bits / float32(2^32 - 1), kept strictly below 1 in the target dtype.
  auto u = divide(bits(shape, 4, key, st), array(4294967295.0f), st);
  u = astype(minimum(u, array(below_one(dtype)), st), dtype, st);
  return add(multiply(range, u, st), lo, st);
}
array uniform(const Shape& shape, Dtype dtype, const std::optional<array>& key,
              StreamOrDevice s) {
  check_float_dtype(dtype, "uniform");
  return uniform(array(0.0f, dtype), array(1.0f, dtype), shape, dtype, key, s);
}

namespace {
array normal_real(const Shape& shape, Dtype dtype,
                  const std::optional<array>& key, Stream st) {
  // The smallest value above -1 in `dtype`, so that erfinv stays finite.
  auto low = array(-below_one(dtype), dtype);
  auto high = array(1.0f, dtype);
  auto u = uniform(low, high, shape, dtype, key, st);
  return multiply(array(std::sqrt(2.0f), dtype), erfinv(u, st), st);
}
}  // namespace

array normal(const Shape& shape, Dtype dtype, const std::optional<array>& loc,
             const std::optional<array>& scale,
             const std::optional<array>& key, StreamOrDevice s) {
  auto st = to_stream(s);
  array out(0.0f);
  if (dtype == complex64) {
    Shape sh = shape;
    sh.push_back(2);
    auto z = multiply(normal_real(sh, float32, key, st),
                      array(float(std::sqrt(0.5))), st);
    int nd = int(sh.size());
    auto re = astype(squeeze(slice(z, Shape(nd, 0), [&] {
                       Shape e = sh;
                       e[nd - 1] = 1;
                       return e;
                     }(), st), nd - 1, st), complex64, st);
    Shape b(nd, 0);
    b[nd - 1] = 1;
    auto im = astype(squeeze(slice(z, b, sh, st), nd - 1, st), complex64, st);
    out = add(re, multiply(im, array(complex64_t(0.0f, 1.0f)), st), st);
  } else {
    if (dtype != float32 && dtype != float16 && dtype != bfloat16) {
      throw std::invalid_argument(
          "[normal] Can only generate normal numbers with float32, float16, "
          "bfloat16 or complex64 dtype; got " + dtype_str(dtype) + ".");
    }
    out = normal_real(shape, dtype, key, st);
  }
  if (scale) out = multiply(out, astype(*scale, dtype, st), st);
  if (loc) out = add(out, astype(*loc, dtype, st), st);
  if (out.shape() != shape) {
    throw std::invalid_argument(
        "[normal] loc and scale must broadcast to shape " + shape_str(shape) +
        "; got result shape " + shape_str(out.shape()) + ".");
  }
  return out;
}
array normal(const Shape& shape, Dtype dtype, const std::optional<array>& key,
             StreamOrDevice s) {
  return normal(shape, dtype, std::nullopt, std::nullopt, key, s);
}

array randint(const array& low, const array& high, const Shape& shape,
              Dtype dtype, const std::optional<array>& key, StreamOrDevice s) {
  if (is_inexact(dtype)) {
    throw std::invalid_argument(
        "[randint] Only integer and bool dtypes are supported; got " +
        dtype_str(dtype) + ".");
  }
  auto st = to_stream(s);
  auto lo = astype(low, float32, st);
  auto hi = astype(high, float32, st);
  auto u = floor(uniform(lo, hi, shape, float32, key, st), st);
  u = minimum(maximum(u, lo, st), subtract(hi, array(1.0f), st), st);
  return astype(u, dtype, st);
}

array bernoulli(const array& p, const Shape& shape,
                const std::optional<array>& key, StreamOrDevice s) {
  if (!is_floating_point(p.dtype())) {
    throw std::invalid_argument(
        "[bernoulli] Probability p must have a floating point dtype; got " +
        dtype_str(p.dtype()) + ".");
  }
  Shape bs;
  try {
    bs = broadcast_shapes(shape, p.shape());
  } catch (const std::invalid_argument&) {
    bs = {-1};
  }
  if (bs != shape) {
    throw std::invalid_argument("[bernoulli] Shape of p " +
                                shape_str(p.shape()) +
                                " does not broadcast to shape " +
                                shape_str(shape) + ".");
  }
  auto st = to_stream(s);
  Dtype dt = p.dtype() == float64 ? float32 : p.dtype();
  return less(uniform(shape, dt, key, st), p, st);
}
array bernoulli(const array& p, const std::optional<array>& key,
                StreamOrDevice s) {
  return bernoulli(p, p.shape(), key, s);
}
array bernoulli(const std::optional<array>& key, StreamOrDevice s) {
  return bernoulli(array(0.5f), Shape{}, key, s);
}

array truncated_normal(const array& lower, const array& upper,
                       const std::optional<Shape>& shape_, Dtype dtype,
                       const std::optional<array>& key, StreamOrDevice s) {
  check_float_dtype(dtype, "truncated_normal");
  auto st = to_stream(s);
  Shape shape =
      shape_ ? *shape_ : broadcast_shapes(lower.shape(), upper.shape());
  auto lo = astype(lower, dtype, st);
  auto hi = astype(upper, dtype, st);
  auto sqrt2 = array(std::sqrt(2.0f), dtype);
  // Inverse CDF: u ~ U(erf(lo/√2), erf(hi/√2)), x = √2 erfinv(u).
  auto a = erf(divide(lo, sqrt2, st), st);
  auto b = erf(divide(hi, sqrt2, st), st);
  auto u = uniform(a, b, shape, dtype, key, st);
  auto out = multiply(sqrt2, erfinv(u, st), st);
  return maximum(minimum(out, hi, st), lo, st);
}

array gumbel(const Shape& shape, Dtype dtype, const std::optional<array>& key,
             StreamOrDevice s) {
  auto st = to_stream(s);
  auto u = uniform(shape, dtype, key, st);
  return negative(log(negative(log(u, st), st), st), st);
}

namespace {
// Gumbel-max over the logits axis, with the Gumbel axis placed at `offset`.
array categorical_impl(const array& logits, int axis, const Shape& shape,
                       const std::optional<array>& key, Stream st) {
  int offset = axis + int(shape.size()) - logits.ndim() + 1;
  Shape gshape = shape;
  gshape.insert(gshape.begin() + offset, logits.shape(axis));
  auto g = gumbel(gshape, float32, key, st);
  return argmax(add(g, logits, st), offset, false, st);
}
}  // namespace

array categorical(const array& logits, int axis, const Shape& shape,
                  const std::optional<array>& key, StreamOrDevice s) {
  if (logits.ndim() == 0) {
    throw std::invalid_argument(
        "[categorical] logits must have at least one dimension; got shape ().");
  }
  axis = normalize_axis(axis, logits.ndim(), "categorical");
  Shape reduced = logits.shape();
  reduced.erase(reduced.begin() + axis);
  Shape bs;
  try {
    bs = broadcast_shapes(shape, reduced);
  } catch (const std::invalid_argument&) {
    bs = {-1};
  }
  if (bs != shape) {
    throw std::invalid_argument(
        "[categorical] Requested shape " + shape_str(shape) +
        " is not compatible with logits of shape " +
        shape_str(logits.shape()) + " along axis " + std::to_string(axis) +
        ".");
  }
  auto st = to_stream(s);
  if (logits.ndim() == 1 && !shape.empty()) {
    // One distribution, many draws: inverse CDF by binary search.
    auto lf = astype(logits, float32, st);
    auto cdf = cumsum(softmax(lf, 0, true, st), 0, false, true, std::nullopt, st);
    auto u = uniform(shape, float32, key, st);
    auto n = logits.shape(0);
    auto idx = searchsorted(cdf, multiply(u, take(cdf, n - 1, 0, st), st),
                            "right", st);
    return astype(minimum(idx, array(n - 1, idx.dtype()), st), uint32, st);
  }
  return categorical_impl(logits, axis, shape, key, st);
}
array categorical(const array& logits, int axis, int num_samples,
                  const std::optional<array>& key, StreamOrDevice s) {
  if (logits.ndim() == 0) {
    throw std::invalid_argument(
        "[categorical] logits must have at least one dimension; got shape ().");
  }
  if (num_samples < 0) {
    throw std::invalid_argument(
        "[categorical] num_samples must be non-negative; got " +
        std::to_string(num_samples) + ".");
  }
  axis = normalize_axis(axis, logits.ndim(), "categorical");
  Shape shape = logits.shape();
  shape.erase(shape.begin() + axis);
  shape.push_back(num_samples);
  auto st = to_stream(s);
  if (logits.ndim() == 1) return categorical(logits, 0, shape, key, st);
  return categorical_impl(expand_dims(logits, -1, st), axis, shape, key, st);
}
array categorical(const array& logits, int axis,
                  const std::optional<array>& key, StreamOrDevice s) {
  if (logits.ndim() == 0) {
    throw std::invalid_argument(
        "[categorical] logits must have at least one dimension; got shape ().");
  }
  int ax = normalize_axis(axis, logits.ndim(), "categorical");
  Shape shape = logits.shape();
  shape.erase(shape.begin() + ax);
  return categorical_impl(logits, ax, shape, key, to_stream(s));
}

array laplace(const Shape& shape, Dtype dtype, float loc, float scale,
              const std::optional<array>& key, StreamOrDevice s) {
  if (!is_floating_point(dtype)) {
    throw std::invalid_argument(
        "[laplace] Can only generate Laplace samples with a real floating "
        "dtype; got " + dtype_str(dtype) + ".");
  }
  auto st = to_stream(s);
  auto u = uniform(array(std::nextafter(-1.0f, 0.0f)), array(1.0f), shape,
                   float32, key, st);
  // Inverse CDF of the symmetric Laplace: sign(u) * log(1 - |u|).
  auto x = multiply(sign(u, st), log1p(negative(abs(u, st), st), st), st);
  if (scale != 1.0f) x = multiply(array(scale), x, st);
  if (loc != 0.0f) x = add(array(loc), x, st);
  return astype(x, dtype, st);
}

array permutation(int x, const std::optional<array>& key, StreamOrDevice s) {
  if (x < 0) {
    throw std::invalid_argument(
        "[permutation] Size must be non-negative; got " + std::to_string(x) +
        ".");
  }
  auto st = to_stream(s);
  return argsort(bits({x}, 4, key, st), 0, st);
}
array permutation(const array& x, int axis, const std::optional<array>& key,
                  StreamOrDevice s) {
  if (x.ndim() == 0) {
    throw std::invalid_argument(
        "[permutation] Cannot permute a 0-d array; got shape ().");
  }
  axis = normalize_axis(axis, x.ndim(), "permutation");
  auto st = to_stream(s);
  auto perm = argsort(bits({x.shape(axis)}, 4, key, st), 0, st);
  return take(x, perm, axis, st);
}

array multivariate_normal(const array& mean, const array& cov,
                          const Shape& shape, Dtype dtype,
                          const std::optional<array>& key, StreamOrDevice s) {
  if (dtype != float32) {
    throw std::invalid_argument(
        "[multivariate_normal] Only float32 is supported; got dtype " +
        dtype_str(dtype) + ".");
  }
  if (mean.ndim() < 1) {
    throw std::invalid_argument(
        "[multivariate_normal] mean must have at least 1 dimension; got shape "
        + shape_str(mean.shape()) + ".");
  }
  if (cov.ndim() < 2) {
    throw std::invalid_argument(
        "[multivariate_normal] cov must have at least 2 dimensions; got shape "
        + shape_str(cov.shape()) + ".");
  }
  if (cov.shape(-1) != cov.shape(-2)) {
    throw std::invalid_argument(
        "[multivariate_normal] The last two dimensions of cov must be equal; "
        "got shape " + shape_str(cov.shape()) + ".");
  }
  int n = mean.shape(-1);
  if (cov.shape(-1) != n) {
    throw std::invalid_argument(
        "[multivariate_normal] mean of shape " + shape_str(mean.shape()) +
        " and cov of shape " + shape_str(cov.shape()) +
        " have incompatible sizes.");
  }
  auto st = to_stream(s);
  Shape mb(mean.shape().begin(), mean.shape().end() - 1);
  Shape cb(cov.shape().begin(), cov.shape().end() - 2);
  Shape out_shape = broadcast_shapes(shape, broadcast_shapes(mb, cb));
  out_shape.push_back(n);
  // Symmetric square root of cov (cov = S S^T with S = S^T).
  auto c = astype(cov, float32, st);
  auto sq = array(c.shape(), float32, std::make_shared<PsdSqrt>(st), {c});
  auto z = normal(out_shape, dtype, std::nullopt, std::nullopt, key, st);
  auto scaled = squeeze(matmul(expand_dims(z, -2, st), sq, st), -2, st);
  return add(astype(mean, dtype, st), scaled, st);
}

}  // namespace ember::random
