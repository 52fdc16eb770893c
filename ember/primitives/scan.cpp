// Derivatives and batching rules of the Scan primitive.
#include "ember/primitives/scan.h"

#include "ember/ops/binary.h"
#include "ember/ops/copy.h"
#include "ember/ops/creation.h"
#include "ember/ops/indexing.h"
#include "ember/ops/scan.h"
#include "ember/ops/shape.h"
#include "ember/ops/ternary.h"
#include "ember/ops/unary.h"

namespace ember {

namespace {

// For cummax/cummin: index (int32, along `axis`) of the input element each
// output was taken from (the latest one reaching the running extremum), and
// whether it exists (exclusive scans have none at the start).
std::pair<array, array> source_index(const array& x, Scan::ReduceType type,
                                     int axis, bool reverse, bool inclusive,
                                     Stream s) {
  int n = x.shape(axis);
  array incl(x.shape(), x.dtype(),
             std::make_shared<Scan>(s, type, axis, reverse, true), {x});
  array mask = equal(x, incl, s);
  if (is_inexact(x.dtype())) {
    // A NaN propagates through the scan: the latest NaN is the source.
    mask = logical_or(mask, logical_and(isnan(x, s), isnan(incl, s), s), s);
  }
  Shape pshape(x.ndim(), 1);
  pshape[axis] = n;
  array pos = reshape(arange(0, n, s), pshape, s);
  array none(reverse ? n : -1, int32);
  array p = where(mask, pos, none, s);
  array last = reverse ? cummin(p, axis, true, inclusive, s)
                       : cummax(p, axis, false, inclusive, s);
  array valid = reverse ? less(last, none, s) : greater(last, none, s);
  return {where(valid, last, array(0, int32), s), valid};
}

// exp(w - y), taking an empty sum (w = -inf) as 0 even when y = -inf.
array safe_exp_diff(const array& w, const array& y, Stream s) {
  return where(isneginf(w, s), zeros_like(y, s), exp(subtract(w, y, s), s), s);
}

// vjp of cumprod without dividing by zeros. With L the exclusive product
// before k, dx_k = L_k * sum_{i: k in W_i} cot_i prod_{k<j in W_i} x_j. Where
// x_k != 0 this is the reverse-accumulated cot * y over x_k. At a zero x_k the
// trailing products are formed by a cumprod with every x_j up to and
// including x_k set to 1; only the first two zeros of a row need it (from the
// third on, L_k and its derivatives vanish), the second one keeping the
// derivative of L_k with respect to the first zero.
array cumprod_vjp(const array& x, const array& cot, const array& y, int axis,
                  bool reverse, bool inclusive, Stream s) {
  array one = ones({}, x.dtype(), s);
  array zero = zeros({}, x.dtype(), s);
  array is_zero = equal(x, zero, s);
  // Zeros strictly before each position, in the scan direction.
  array before = cumsum(astype(is_zero, int32, s), axis, reverse, false,
                        std::nullopt, s);
  array safe_x = where(is_zero, one, x, s);
  array dx = divide(cumsum(multiply(cot, y, s), axis, !reverse, inclusive,
                           std::nullopt, s),
                    safe_x, s);
  array left = cumprod(x, axis, reverse, false, std::nullopt, s);
  array at_zero = zeros_like(x, s);
  for (int m = 1; m >= 0; --m) {
    // Positions up to and including the (m+1)-th zero become 1.
    array upto = less_equal(before, array(int32_t(m)), s);
    array q = cumprod(where(upto, one, x, s), axis, reverse, inclusive,
                     std::nullopt, s);
    array g = cumsum(multiply(cot, q, s), axis, !reverse, inclusive,
                     std::nullopt, s);
    at_zero = where(equal(before, array(int32_t(m)), s), multiply(left, g, s),
                    at_zero, s);
  }
  return where(is_zero, at_zero, dx, s);
}

// jvp of cumprod without dividing by zeros: with P the product of the nonzero
// x_j of each window and c its count of zeros, dy = P * sum_j t_j / x_j when
// c = 0, P * t_z for the single zero z when c = 1, and 0 otherwise.
array cumprod_jvp(const array& x, const array& t, int axis, bool reverse,
                  bool inclusive, Stream s) {
  array one = ones({}, x.dtype(), s);
  array zero = zeros({}, t.dtype(), s);
  array is_zero = equal(x, zeros({}, x.dtype(), s), s);
  array count = cumsum(astype(is_zero, int32, s), axis, reverse, inclusive,
                       std::nullopt, s);
  array safe_x = where(is_zero, one, x, s);
  array p = cumprod(safe_x, axis, reverse, inclusive, std::nullopt, s);
  array rel = cumsum(where(is_zero, zero, divide(t, safe_x, s), s), axis,
                     reverse, inclusive, std::nullopt, s);
  array tz = cumsum(where(is_zero, t, zero, s), axis, reverse, inclusive,
                    std::nullopt, s);
  array f = where(equal(count, array(0), s), rel,
                  where(equal(count, array(1), s), tz, zero, s), s);
  return multiply(p, f, s);
}

}  // namespace

std::vector<array> Scan::vjp(const std::vector<array>& primals,
                             const std::vector<array>& cotangents,
                             const std::vector<int>&,
                             const std::vector<array>& outputs) {
  auto s = stream();
  const array& x = primals[0];
  const array& cot = cotangents[0];
  const array& y = outputs[0];
  switch (type_) {
    case Sum:
      return {cumsum(cot, axis_, !reverse_, inclusive_, std::nullopt, s)};
    case Prod:
      return {cumprod_vjp(x, cot, y, axis_, reverse_, inclusive_, s)};
    case Max:
    case Min: {
      auto [idx, valid] = source_index(x, type_, axis_, reverse_, inclusive_, s);
      array c = where(valid, cot, zeros_like(cot, s), s);
      return {scatter_add_axis(zeros_like(x, s), idx, c, axis_, s)};
    }
    case LogAddExp: {
      // dx_k = sum_i cot_i exp(x_k - y_i), split by sign of cot for stability.
      array zero = zeros_like(cot, s);
      array lp = subtract(log(maximum(cot, zero, s), s), y, s);
      array ln = subtract(log(maximum(negative(cot, s), zero, s), s), y, s);
      array wp = logcumsumexp(lp, axis_, !reverse_, inclusive_, s);
      array wn = logcumsumexp(ln, axis_, !reverse_, inclusive_, s);
      return {subtract(exp(add(x, wp, s), s), exp(add(x, wn, s), s), s)};
    }
  }
  return {};
}

std::vector<array> Scan::jvp(const std::vector<array>& primals,
                             const std::vector<array>& tangents,
                             const std::vector<int>&) {
  auto s = stream();
  const array& x = primals[0];
  const array& t = tangents[0];
  switch (type_) {
    case Sum:
      return {cumsum(t, axis_, reverse_, inclusive_, std::nullopt, s)};
    case Prod:
      return {cumprod_jvp(x, t, axis_, reverse_, inclusive_, s)};
    case Max:
    case Min: {
      auto [idx, valid] = source_index(x, type_, axis_, reverse_, inclusive_, s);
      return {where(valid, take_along_axis(t, idx, axis_, s), zeros_like(t, s), s)};
    }
    case LogAddExp: {
      array y(x.shape(), x.dtype(),
              std::make_shared<Scan>(s, type_, axis_, reverse_, inclusive_), {x});
      array zero = zeros_like(t, s);
      array lp = add(log(maximum(t, zero, s), s), x, s);
      array ln = add(log(maximum(negative(t, s), zero, s), s), x, s);
      array wp = logcumsumexp(lp, axis_, reverse_, inclusive_, s);
      array wn = logcumsumexp(ln, axis_, reverse_, inclusive_, s);
      return {subtract(safe_exp_diff(wp, y, s), safe_exp_diff(wn, y, s), s)};
    }
  }
  return {};
}

std::pair<std::vector<array>, std::vector<int>> Scan::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  int b = axes[0];
  const array& x = inputs[0];
  int ax = (b >= 0 && axis_ >= b) ? axis_ + 1 : axis_;
  return {{array(x.shape(), x.dtype(),
                 std::make_shared<Scan>(stream(), type_, ax, reverse_, inclusive_),
                 {x})},
          {b}};
}

}  // namespace ember
