// Derivatives and batching rules of reduction primitives. Primitive outputs
// keep the reduced axes (size 1), so cotangents broadcast straight back.
#include "ember/primitives/reduce.h"

#include <algorithm>

#include "ember/ops/binary.h"
#include "ember/ops/copy.h"
#include "ember/ops/creation.h"
#include "ember/ops/reduce.h"
#include "ember/ops/scan.h"
#include "ember/ops/shape.h"
#include "ember/ops/unary.h"

namespace ember {

namespace {

Shape keep_shape(const Shape& in, const std::vector<int>& axes) {
  Shape s = in;
  for (int a : axes) s[a] = 1;
  return s;
}

// Axes of a batched input: every axis at or after the batch axis shifts.
std::vector<int> shift_axes(const std::vector<int>& axes, int bdim) {
  std::vector<int> out;
  for (int a : axes) out.push_back(a >= bdim ? a + 1 : a);
  return out;
}

// Product of all other elements of each reduced slice (exact with zeros):
// exclusive cumprods from both ends over the flattened reduced axes.
array others_product(const array& x, const std::vector<int>& axes, Stream s) {
  int nd = x.ndim();
  std::vector<int> perm;
  for (int i = 0; i < nd; ++i) {
    if (std::find(axes.begin(), axes.end(), i) == axes.end()) perm.push_back(i);
  }
  int nkept = int(perm.size());
  for (int a : axes) perm.push_back(a);
  array p = transpose(x, perm, s);
  Shape pshape = p.shape();
  Shape flat(pshape.begin(), pshape.begin() + nkept);
  flat.push_back(-1);
  p = reshape(p, flat, s);
  array excl = multiply(cumprod(p, -1, false, false, std::nullopt, s),
                        cumprod(p, -1, true, false, std::nullopt, s), s);
  excl = reshape(excl, pshape, s);
  std::vector<int> inv(nd);
  for (int i = 0; i < nd; ++i) inv[perm[i]] = i;
  return transpose(excl, inv, s);
}

// Indicator (in x's dtype) of the elements equal to the reduced extremum,
// normalised so that ties share the gradient.
array extremum_weights(const array& x, const array& out,
                       const std::vector<int>& axes, Stream s) {
  array mask = astype(equal(x, out, s), x.dtype(), s);
  return divide(mask, sum(mask, axes, true, s), s);
}

}  // namespace

std::vector<Shape> Reduce::output_shapes(const std::vector<array>& inputs) {
  return {keep_shape(inputs[0].shape(), axes_)};
}

std::vector<array> Reduce::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>&,
                               const std::vector<array>& outputs) {
  auto s = stream();
  const array& x = primals[0];
  const array& cot = cotangents[0];
  switch (type_) {
    case Sum:
      return {astype(broadcast_to(cot, x.shape(), s), x.dtype(), s)};
    case Prod:
      return {multiply(broadcast_to(cot, x.shape(), s),
                       others_product(x, axes_, s), s)};
    case Min:
    case Max:
      return {multiply(broadcast_to(cot, x.shape(), s),
                       extremum_weights(x, outputs[0], axes_, s), s)};
    default:
      return {zeros_like(x, s)};
  }
}

std::vector<array> Reduce::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>&) {
  auto s = stream();
  const array& x = primals[0];
  const array& t = tangents[0];
  switch (type_) {
    case Sum:
      return {sum(t, axes_, true, s)};
    case Prod:
      return {sum(multiply(t, others_product(x, axes_, s), s), axes_, true, s)};
    case Min:
    case Max: {
      array out(keep_shape(x.shape(), axes_), x.dtype(),
                std::make_shared<Reduce>(s, type_, axes_), {x});
      return {sum(multiply(t, extremum_weights(x, out, axes_, s), s), axes_,
                  true, s)};
    }
    default:
      return {zeros(keep_shape(x.shape(), axes_), bool_, s)};
  }
}

std::pair<std::vector<array>, std::vector<int>> Reduce::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  int b = axes[0];
  const array& x = inputs[0];
  if (b < 0) {
    auto shape = keep_shape(x.shape(), axes_);
    Dtype dtype = (type_ == And || type_ == Or) ? bool_
                  : (type_ == Sum || type_ == Prod) ? sum_dtype(x.dtype())
                                                    : x.dtype();
    return {{array(shape, dtype, std::make_shared<Reduce>(stream(), type_, axes_),
                   {x})},
            {-1}};
  }
  auto ax = shift_axes(axes_, b);
  Dtype dtype = (type_ == And || type_ == Or) ? bool_
                : (type_ == Sum || type_ == Prod) ? sum_dtype(x.dtype())
                                                  : x.dtype();
  return {{array(keep_shape(x.shape(), ax), dtype,
                 std::make_shared<Reduce>(stream(), type_, ax), {x})},
          {b}};
}

// ---- ArgReduce ----

std::vector<Shape> ArgReduce::output_shapes(const std::vector<array>& inputs) {
  return {keep_shape(inputs[0].shape(), {axis_})};
}

std::vector<array> ArgReduce::vjp(const std::vector<array>& primals,
                                  const std::vector<array>&,
                                  const std::vector<int>&,
                                  const std::vector<array>&) {
  return {zeros_like(primals[0], stream())};
}

std::vector<array> ArgReduce::jvp(const std::vector<array>& primals,
                                  const std::vector<array>&,
                                  const std::vector<int>&) {
  return {zeros(keep_shape(primals[0].shape(), {axis_}), uint32, stream())};
}

std::pair<std::vector<array>, std::vector<int>> ArgReduce::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  int b = axes[0];
  const array& x = inputs[0];
  int ax = (b >= 0 && axis_ >= b) ? axis_ + 1 : axis_;
  return {{array(keep_shape(x.shape(), {ax}), uint32,
                 std::make_shared<ArgReduce>(stream(), type_, ax), {x})},
          {b}};
}

// ---- Softmax ----

std::vector<array> Softmax::vjp(const std::vector<array>&,
                                const std::vector<array>& cotangents,
                                const std::vector<int>&,
                                const std::vector<array>& outputs) {
  auto s = stream();
  const array& y = outputs[0];
  array yc = multiply(y, cotangents[0], s);
  return {subtract(yc, multiply(y, sum(yc, axes_, true, s), s), s)};
}

std::vector<array> Softmax::jvp(const std::vector<array>& primals,
                                const std::vector<array>& tangents,
                                const std::vector<int>&) {
  auto s = stream();
  const array& x = primals[0];
  array y(x.shape(), x.dtype(), std::make_shared<Softmax>(s, axes_, precise_),
          {x});
  array yt = multiply(y, tangents[0], s);
  return {subtract(yt, multiply(y, sum(yt, axes_, true, s), s), s)};
}

std::pair<std::vector<array>, std::vector<int>> Softmax::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  int b = axes[0];
  const array& x = inputs[0];
  auto ax = b >= 0 ? shift_axes(axes_, b) : axes_;
  return {{array(x.shape(), x.dtype(),
                 std::make_shared<Softmax>(stream(), ax, precise_), {x})},
          {b}};
}

// ---- LogSumExp ----

std::vector<Shape> LogSumExp::output_shapes(const std::vector<array>& inputs) {
  return {keep_shape(inputs[0].shape(), axes_)};
}

std::vector<array> LogSumExp::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents,
                                  const std::vector<int>&,
                                  const std::vector<array>& outputs) {
  auto s = stream();
  const array& x = primals[0];
  return {multiply(broadcast_to(cotangents[0], x.shape(), s),
                   exp(subtract(x, outputs[0], s), s), s)};
}

std::vector<array> LogSumExp::jvp(const std::vector<array>& primals,
                                  const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  auto s = stream();
  const array& x = primals[0];
  array out(keep_shape(x.shape(), axes_), x.dtype(),
            std::make_shared<LogSumExp>(s, axes_), {x});
  return {sum(multiply(tangents[0], exp(subtract(x, out, s), s), s), axes_,
              true, s)};
}

std::pair<std::vector<array>, std::vector<int>> LogSumExp::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  int b = axes[0];
  const array& x = inputs[0];
  auto ax = b >= 0 ? shift_axes(axes_, b) : axes_;
  return {{array(keep_shape(x.shape(), ax), x.dtype(),
                 std::make_shared<LogSumExp>(stream(), ax), {x})},
          {b}};
}

}  // namespace ember
