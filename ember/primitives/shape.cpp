// Derivatives and batching rules of shape primitives.
#include "ember/primitives/shape.h"

#include <numeric>

#include "ember/ops/binary.h"
#include "ember/ops/copy.h"
#include "ember/ops/creation.h"
#include "ember/ops/indexing.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"

namespace ember {

namespace {
// Moves the batch axis of a vmapped input to the front (a view).
array batch_to_front(const array& x, int axis, Stream s) {
  return axis <= 0 ? x : moveaxis(x, axis, 0, s);
}
}  // namespace

std::vector<array> Broadcast::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents,
                                  const std::vector<int>&,
                                  const std::vector<array>&) {
  // Sum the cotangent over the axes that broadcasting created or stretched.
  auto& in = primals[0].shape();
  int diff = int(shape_.size()) - int(in.size());
  std::vector<int> axes;
  for (int i = 0; i < int(shape_.size()); ++i) {
    if (i < diff || (in[i - diff] == 1 && shape_[i] != 1)) axes.push_back(i);
  }
  array g = cotangents[0];
  if (!axes.empty()) g = sum(g, axes, true, stream());
  return {reshape(g, in, stream())};
}
std::vector<array> Broadcast::jvp(const std::vector<array>&,
                                  const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  return {broadcast_to(tangents[0], shape_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Broadcast::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  if (axes[0] < 0) return {{broadcast_to(inputs[0], shape_, s)}, {-1}};
  array x = batch_to_front(inputs[0], axes[0], s);
  // Align the unbatched dims to the right of the target shape.
  int missing = int(shape_.size()) - (x.ndim() - 1);
  if (missing > 0) {
    std::vector<int> ax(missing);
    std::iota(ax.begin(), ax.end(), 1);
    x = expand_dims(x, ax, s);
  }
  Shape shape{x.shape()[0]};
  shape.insert(shape.end(), shape_.begin(), shape_.end());
  return {{broadcast_to(x, shape, s)}, {0}};
}

std::vector<array> Reshape::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>&,
                                const std::vector<array>&) {
  return {reshape(cotangents[0], primals[0].shape(), stream())};
}
std::vector<array> Reshape::jvp(const std::vector<array>&,
                                const std::vector<array>& tangents,
                                const std::vector<int>&) {
  return {reshape(tangents[0], shape_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Reshape::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  if (axes[0] < 0) return {{reshape(inputs[0], shape_, s)}, {-1}};
  array x = batch_to_front(inputs[0], axes[0], s);
  Shape shape{x.shape()[0]};
  shape.insert(shape.end(), shape_.begin(), shape_.end());
  return {{reshape(x, shape, s)}, {0}};
}

std::vector<array> Transpose::vjp(const std::vector<array>&,
                                  const std::vector<array>& cotangents,
                                  const std::vector<int>&,
                                  const std::vector<array>&) {
  std::vector<int> inv(axes_.size());
  for (size_t i = 0; i < axes_.size(); ++i) inv[axes_[i]] = int(i);
  return {transpose(cotangents[0], inv, stream())};
}
std::vector<array> Transpose::jvp(const std::vector<array>&,
                                  const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  return {transpose(tangents[0], axes_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Transpose::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  int b = axes[0];
  if (b < 0) return {{transpose(inputs[0], axes_, s)}, {-1}};
  std::vector<int> perm{b};
  for (int a : axes_) perm.push_back(a >= b ? a + 1 : a);
  return {{transpose(inputs[0], perm, s)}, {0}};
}

std::vector<array> ExpandDims::vjp(const std::vector<array>&,
                                   const std::vector<array>& cotangents,
                                   const std::vector<int>&,
                                   const std::vector<array>&) {
  return {squeeze(cotangents[0], axes_, stream())};
}
std::vector<array> ExpandDims::jvp(const std::vector<array>&,
                                   const std::vector<array>& tangents,
                                   const std::vector<int>&) {
  return {expand_dims(tangents[0], axes_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> ExpandDims::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  if (axes[0] < 0) return {{expand_dims(inputs[0], axes_, s)}, {-1}};
  array x = batch_to_front(inputs[0], axes[0], s);
  std::vector<int> ax;
  for (int a : axes_) ax.push_back(a + 1);
  return {{expand_dims(x, ax, s)}, {0}};
}

std::vector<array> Squeeze::vjp(const std::vector<array>&,
                                const std::vector<array>& cotangents,
                                const std::vector<int>&,
                                const std::vector<array>&) {
  return {expand_dims(cotangents[0], axes_, stream())};
}
std::vector<array> Squeeze::jvp(const std::vector<array>&,
                                const std::vector<array>& tangents,
                                const std::vector<int>&) {
  return {squeeze(tangents[0], axes_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Squeeze::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  if (axes[0] < 0) return {{squeeze(inputs[0], axes_, s)}, {-1}};
  array x = batch_to_front(inputs[0], axes[0], s);
  std::vector<int> ax;
  for (int a : axes_) ax.push_back(a + 1);
  return {{squeeze(x, ax, s)}, {0}};
}

namespace {
// Batched inputs moved to axis 0; unbatched ones broadcast along a new axis 0.
std::vector<array> align_batch(const std::vector<array>& inputs,
                               const std::vector<int>& axes, Stream s) {
  int b = -1;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] >= 0) b = inputs[i].shape()[axes[i]];
  }
  std::vector<array> out;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] >= 0) {
      out.push_back(batch_to_front(inputs[i], axes[i], s));
    } else {
      Shape sh{b};
      sh.insert(sh.end(), inputs[i].shape().begin(), inputs[i].shape().end());
      out.push_back(broadcast_to(expand_dims(inputs[i], 0, s), sh, s));
    }
  }
  return out;
}

// Zeros of a primal's shape and dtype (a broadcast view of one scalar).
array zeros_for(const array& x, Stream s) {
  return broadcast_to(array(0, x.dtype()), x.shape(), s);
}

Shape inner_points(const std::vector<int>& bounds) {
  return Shape(bounds.begin() + 1, bounds.end() - 1);
}
}  // namespace

std::vector<array> Concatenate::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums,
                                    const std::vector<array>&) {
  Shape points;
  int off = 0;
  for (size_t i = 0; i + 1 < primals.size(); ++i) {
    off += primals[i].shape()[axis_];
    points.push_back(off);
  }
  auto parts = split(cotangents[0], points, axis_, stream());
  std::vector<array> out;
  for (int a : argnums) {
    out.push_back(astype(parts[a], primals[a].dtype(), stream()));
  }
  return out;
}
std::vector<array> Concatenate::jvp(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  std::vector<array> parts;
  for (auto& p : primals) parts.push_back(zeros_for(p, stream()));
  for (size_t i = 0; i < argnums.size(); ++i) parts[argnums[i]] = tangents[i];
  return {concatenate(parts, axis_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Concatenate::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto x = align_batch(inputs, axes, stream());
  return {{concatenate(x, axis_ + 1, stream())}, {0}};
}

std::vector<array> Split::vjp(const std::vector<array>&,
                              const std::vector<array>& cotangents,
                              const std::vector<int>&,
                              const std::vector<array>&) {
  return {concatenate(cotangents, axis_, stream())};
}
std::vector<array> Split::jvp(const std::vector<array>&,
                              const std::vector<array>& tangents,
                              const std::vector<int>&) {
  return split(tangents[0], inner_points(bounds_), axis_, stream());
}
std::pair<std::vector<array>, std::vector<int>> Split::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  if (axes[0] < 0) {
    auto out = split(inputs[0], inner_points(bounds_), axis_, s);
    return {out, std::vector<int>(out.size(), -1)};
  }
  array x = batch_to_front(inputs[0], axes[0], s);
  auto out = split(x, inner_points(bounds_), axis_ + 1, s);
  return {out, std::vector<int>(out.size(), 0)};
}

std::vector<array> Flip::vjp(const std::vector<array>&,
                             const std::vector<array>& cotangents,
                             const std::vector<int>&,
                             const std::vector<array>&) {
  return {flip(cotangents[0], axes_, stream())};
}
std::vector<array> Flip::jvp(const std::vector<array>&,
                             const std::vector<array>& tangents,
                             const std::vector<int>&) {
  return {flip(tangents[0], axes_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Flip::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  if (axes[0] < 0) return {{flip(inputs[0], axes_, s)}, {-1}};
  array x = batch_to_front(inputs[0], axes[0], s);
  std::vector<int> ax;
  for (int a : axes_) ax.push_back(a + 1);
  return {{flip(x, ax, s)}, {0}};
}

namespace {
// The interior (unpadded) region of a padded array.
array crop(const array& x, const Shape& low, const Shape& high, Stream s) {
  array y = x;
  for (int i = 0; i < x.ndim(); ++i) {
    if (low[i] == 0 && high[i] == 0) continue;
    int n = y.shape()[i];
    y = split(y, Shape{low[i], n - high[i]}, i, s)[1];
  }
  return y;
}
}  // namespace

std::vector<array> Pad::vjp(const std::vector<array>& primals,
                            const std::vector<array>& cotangents,
                            const std::vector<int>& argnums,
                            const std::vector<array>&) {
  auto s = stream();
  std::vector<array> out;
  for (int a : argnums) {
    array inner = crop(cotangents[0], low_, high_, s);
    if (a == 0) {
      out.push_back(inner);
    } else {
      // The pad value fills every position outside the interior.
      out.push_back(astype(subtract(sum(cotangents[0], false, s),
                                    sum(inner, false, s), s),
                           primals[1].dtype(), s));
    }
  }
  return out;
}
std::vector<array> Pad::jvp(const std::vector<array>& primals,
                            const std::vector<array>& tangents,
                            const std::vector<int>& argnums) {
  auto s = stream();
  array ta = zeros_for(primals[0], s);
  array tv = array(0, primals[1].dtype());
  for (size_t i = 0; i < argnums.size(); ++i) {
    (argnums[i] == 0 ? ta : tv) = tangents[i];
  }
  std::vector<int> axes(primals[0].ndim());
  std::iota(axes.begin(), axes.end(), 0);
  return {pad(ta, axes, low_, high_, tv, "constant", s)};
}
std::pair<std::vector<array>, std::vector<int>> Pad::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  int nd = inputs[0].ndim() - (axes[0] >= 0 ? 1 : 0);
  std::vector<int> ax(nd);
  std::iota(ax.begin(), ax.end(), 1);
  if (axes[1] < 0) {
    if (axes[0] < 0) {
      std::vector<int> ax0(nd);
      std::iota(ax0.begin(), ax0.end(), 0);
      return {{pad(inputs[0], ax0, low_, high_, inputs[1], "constant", s)},
              {-1}};
    }
    array x = batch_to_front(inputs[0], axes[0], s);
    return {{pad(x, ax, low_, high_, inputs[1], "constant", s)}, {0}};
  }
  // Batched pad value: pad with zeros, then add value * (1 - interior mask).
  auto x = align_batch(inputs, axes, s);
  array v = x[1];  // shape (B,)
  array body = pad(x[0], ax, low_, high_, array(0, x[0].dtype()), "constant", s);
  Shape one_shape(x[0].shape().begin() + 1, x[0].shape().end());
  std::vector<int> ax0(nd);
  std::iota(ax0.begin(), ax0.end(), 0);
  array outside = pad(broadcast_to(array(0, x[0].dtype()), one_shape, s), ax0,
                      low_, high_, array(1, x[0].dtype()), "constant", s);
  Shape vshape(nd + 1, 1);
  vshape[0] = v.shape()[0];
  array vb = reshape(v, vshape, s);
  return {{add(body, multiply(expand_dims(outside, 0, s), vb, s), s)}, {0}};
}

std::vector<array> Diagonal::vjp(const std::vector<array>& primals,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>&,
                                 const std::vector<array>&) {
  auto s = stream();
  auto& in = primals[0].shape();
  int nd = int(in.size());
  array g = detail::diag_embed(cotangents[0], in[axis1_], in[axis2_], offset_, s);
  std::vector<int> perm(nd);
  int r = 0;
  for (int i = 0; i < nd; ++i) {
    perm[i] = i == axis1_ ? nd - 2 : i == axis2_ ? nd - 1 : r++;
  }
  return {transpose(g, perm, s)};
}
std::vector<array> Diagonal::jvp(const std::vector<array>&,
                                 const std::vector<array>& tangents,
                                 const std::vector<int>&) {
  return {diagonal(tangents[0], offset_, axis1_, axis2_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Diagonal::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  if (axes[0] < 0) {
    return {{diagonal(inputs[0], offset_, axis1_, axis2_, s)}, {-1}};
  }
  array x = batch_to_front(inputs[0], axes[0], s);
  return {{diagonal(x, offset_, axis1_ + 1, axis2_ + 1, s)}, {0}};
}

std::pair<std::vector<array>, std::vector<int>> View::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  if (axes[0] < 0) return {{view(inputs[0], dtype_, s)}, {-1}};
  array x = batch_to_front(inputs[0], axes[0], s);
  return {{view(x, dtype_, s)}, {0}};
}

std::vector<array> AsStrided::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents,
                                  const std::vector<int>&,
                                  const std::vector<array>&) {
  // Scatter-add the cotangent into the flat positions the view read.
  auto s = stream();
  array idx = array(int64_t(offset_), int64);
  for (size_t d = 0; d < shape_.size(); ++d) {
    Shape sh(shape_.size(), 1);
    sh[d] = shape_[d];
    array r = multiply(astype(arange(0, shape_[d], 1, s), int64, s),
                       array(strides_[d], int64), s);
    idx = add(idx, reshape(r, sh, s), s);
  }
  idx = flatten(broadcast_to(idx, shape_, s), s);
  auto& x = primals[0];
  array z = broadcast_to(array(0, x.dtype()), {ShapeElem(x.size())}, s);
  array g = scatter_add_axis(z, idx, flatten(cotangents[0], s), 0, s);
  return {reshape(g, x.shape(), s)};
}
std::vector<array> AsStrided::jvp(const std::vector<array>&,
                                  const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  return {as_strided(tangents[0], shape_, strides_, offset_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> AsStrided::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  if (axes[0] < 0) {
    return {{as_strided(inputs[0], shape_, strides_, offset_, s)}, {-1}};
  }
  array x = batch_to_front(inputs[0], axes[0], s);
  int64_t per = x.shape()[0] ? int64_t(x.size() / x.shape()[0]) : 0;
  Shape shape{x.shape()[0]};
  shape.insert(shape.end(), shape_.begin(), shape_.end());
  Strides strides{per};
  strides.insert(strides.end(), strides_.begin(), strides_.end());
  return {{as_strided(x, shape, strides, offset_, s)}, {0}};
}

}  // namespace ember
