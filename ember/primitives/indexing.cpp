// Derivatives and batching rules of indexing primitives. Gathers clamp
// out-of-range indices while scatters drop them, so gradients through
// out-of-range indices are not exact (their behaviour is unspecified anyway).
#include "ember/primitives/indexing.h"

#include <functional>

#include "ember/ops/binary.h"
#include "ember/ops/copy.h"
#include "ember/ops/creation.h"
#include "ember/ops/indexing.h"
#include "ember/ops/scan.h"
#include "ember/ops/shape.h"
#include "ember/ops/ternary.h"

namespace ember {

namespace {

// Tangent of primals[k] if it is differentiated, else zeros shaped like it in
// the dtype of primals[0] (the output's dtype for every update primitive).
array tangent_or_zeros(const std::vector<array>& primals,
                       const std::vector<array>& tangents,
                       const std::vector<int>& argnums, int k, Stream s) {
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == k) return tangents[i];
  }
  return zeros(primals[k].shape(), primals[0].dtype(), s);
}

template <typename P, typename... Args>
array make(Shape shape, Dtype dtype, std::vector<array> inputs, Stream s,
           Args&&... args) {
  return array(std::move(shape), dtype,
               std::make_shared<P>(s, std::forward<Args>(args)...),
               std::move(inputs));
}

// Moves the batch axis of `x` to 0, or broadcasts an unbatched `x` to size n.
array batch_first(const array& x, int ax, int n, Stream s) {
  if (ax >= 0) return moveaxis(x, ax, 0, s);
  Shape sh = x.shape();
  sh.insert(sh.begin(), n);
  return broadcast_to(expand_dims(x, 0, s), sh, s);
}

int batch_size(const std::vector<array>& inputs, const std::vector<int>& axes) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] >= 0) return inputs[i].shape(axes[i]);
  }
  return 1;
}

// Integer (index) inputs get zero cotangents.
array zero_cotangent(const array& x, Stream s) {
  return zeros(x.shape(), x.dtype(), s);
}

// 0, 1, ..., n-1 shaped to broadcast along the leading axis of `ndim` dims.
array batch_iota(int n, int ndim) {
  std::vector<int32_t> v(n);
  for (int i = 0; i < n; ++i) v[i] = i;
  Shape sh(std::max(ndim, 1), 1);
  sh[0] = n;
  return array(v, sh, int32);
}

Shape with_front(Shape s, ShapeElem v) {
  s.insert(s.begin(), v);
  return s;
}

std::vector<int> shifted(const std::vector<int>& axes, int by = 1) {
  std::vector<int> out;
  for (int a : axes) out.push_back(a + by);
  return out;
}

// For each update of a scatter-prod, the product of the other updates landing
// at its position, without dividing by a zero update: per position, P = the
// product of the nonzero updates, Z = the product of the zero ones (1 when
// none), c = their count. A nonzero u gets P / u * Z; a zero u gets P if it is
// the only zero there, else 0. Values and first derivatives are exact; a
// second derivative misses the term of another zero update at the same
// position when a zero u shares it with further zeros.
array scatter_prod_others(
    const array& upd, Dtype dtype,
    const std::function<array(const array&, const array&, Scatter::ReduceType)>&
        scatter_of,
    const std::function<array(const array&)>& gather_of, const Shape& a_shape,
    Stream s) {
  array one = ones({}, dtype, s);
  array zero = zeros({}, dtype, s);
  array u = astype(upd, dtype, s);
  array is_zero = equal(u, zero, s);
  array safe_u = where(is_zero, one, u, s);
  array count = gather_of(scatter_of(zeros(a_shape, dtype, s),
                                     astype(is_zero, dtype, s), Scatter::Sum));
  array p = gather_of(scatter_of(ones(a_shape, dtype, s), safe_u, Scatter::Prod));
  array z = gather_of(scatter_of(ones(a_shape, dtype, s),
                                 where(is_zero, u, one, s), Scatter::Prod));
  return where(is_zero, where(equal(count, one, s), p, zero, s),
               multiply(divide(p, safe_u, s), z, s), s);
}

}  // namespace

// ---- Slice ----

std::vector<array> Slice::vjp(const std::vector<array>& primals,
                              const std::vector<array>& cotangents,
                              const std::vector<int>&,
                              const std::vector<array>&) {
  auto& a = primals[0];
  return {make<SliceUpdate>(a.shape(), a.dtype(),
                            {zeros(a.shape(), a.dtype(), stream()), cotangents[0]},
                            stream(), start_, strides_)};
}

std::vector<array> Slice::jvp(const std::vector<array>&,
                              const std::vector<array>& tangents,
                              const std::vector<int>&) {
  return {make<Slice>(shape_, tangents[0].dtype(), {tangents[0]}, stream(),
                      start_, strides_, shape_)};
}

std::pair<std::vector<array>, std::vector<int>> Slice::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  int ax = axes[0];
  auto& x = inputs[0];
  if (ax < 0) {
    return {{make<Slice>(shape_, x.dtype(), {x}, stream(), start_, strides_,
                         shape_)},
            {-1}};
  }
  Shape st = start_, sd = strides_, sh = shape_;
  st.insert(st.begin() + ax, 0);
  sd.insert(sd.begin() + ax, 1);
  sh.insert(sh.begin() + ax, x.shape(ax));
  return {{make<Slice>(sh, x.dtype(), {x}, stream(), st, sd, sh)}, {ax}};
}

// ---- SliceUpdate ----

std::vector<array> SliceUpdate::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums,
                                    const std::vector<array>&) {
  auto& src = primals[0];
  auto& upd = primals[1];
  auto& cot = cotangents[0];
  std::vector<array> out;
  for (int a : argnums) {
    if (a == 0) {
      out.push_back(make<SliceUpdate>(
          src.shape(), cot.dtype(),
          {cot, zeros(upd.shape(), cot.dtype(), stream())}, stream(), start_,
          strides_));
    } else {
      out.push_back(make<Slice>(upd.shape(), cot.dtype(), {cot}, stream(),
                                start_, strides_, upd.shape()));
    }
  }
  return out;
}

std::vector<array> SliceUpdate::jvp(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  auto s = stream();
  array ts = tangent_or_zeros(primals, tangents, argnums, 0, s);
  array tu = tangent_or_zeros(primals, tangents, argnums, 1, s);
  return {make<SliceUpdate>(primals[0].shape(), ts.dtype(), {ts, tu}, s,
                            start_, strides_)};
}

std::pair<std::vector<array>, std::vector<int>> SliceUpdate::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  int n = batch_size(inputs, axes);
  array src = batch_first(inputs[0], axes[0], n, s);
  array upd = batch_first(inputs[1], axes[1], n, s);
  return {{make<SliceUpdate>(src.shape(), src.dtype(), {src, upd}, s,
                             with_front(start_, 0), with_front(strides_, 1))},
          {0}};
}

// ---- DynamicSlice ----

std::vector<array> DynamicSlice::vjp(const std::vector<array>& primals,
                                     const std::vector<array>& cotangents,
                                     const std::vector<int>& argnums,
                                     const std::vector<array>&) {
  auto& a = primals[0];
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      out.push_back(make<DynamicSliceUpdate>(
          a.shape(), a.dtype(),
          {zeros(a.shape(), a.dtype(), stream()), cotangents[0], primals[1]},
          stream(), axes_));
    } else {
      out.push_back(zero_cotangent(primals[1], stream()));
    }
  }
  return out;
}

std::vector<array> DynamicSlice::jvp(const std::vector<array>& primals,
                                     const std::vector<array>& tangents,
                                     const std::vector<int>& argnums) {
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 0) {
      return {make<DynamicSlice>(slice_size_, tangents[i].dtype(),
                                 {tangents[i], primals[1]}, stream(), axes_,
                                 slice_size_)};
    }
  }
  return {zeros(slice_size_, primals[0].dtype(), stream())};
}

std::pair<std::vector<array>, std::vector<int>> DynamicSlice::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  auto& a = inputs[0];
  if (axes[1] < 0) {
    int ax = axes[0];
    if (ax < 0) {
      return {{make<DynamicSlice>(slice_size_, a.dtype(), inputs, s, axes_,
                                  slice_size_)},
              {-1}};
    }
    // Only the array is batched: keep the batch axis whole.
    std::vector<int> new_axes;
    for (int x : axes_) new_axes.push_back(x >= ax ? x + 1 : x);
    Shape size = slice_size_;
    size.insert(size.begin() + ax, a.shape(ax));
    return {{make<DynamicSlice>(size, a.dtype(), {a, inputs[1]}, s, new_axes,
                                size)},
            {ax}};
  }
  // Batched starts: one gather, an index array per sliced axis (gather
  // clamps the starts like DynamicSlice does).
  int n = batch_size(inputs, axes);
  array start = moveaxis(inputs[1], axes[1], 0, s);  // (n, k)
  std::vector<array> idx;
  std::vector<int> gaxes;
  Shape sizes = slice_size_;
  array src = a;
  if (axes[0] >= 0) {
    src = moveaxis(a, axes[0], 0, s);
    idx.push_back(batch_iota(n, 1));
    gaxes.push_back(0);
    sizes.insert(sizes.begin(), 1);
  }
  int off = axes[0] >= 0 ? 1 : 0;
  for (size_t k = 0; k < axes_.size(); ++k) {
    idx.push_back(take(start, int(k), 1, s));
    gaxes.push_back(axes_[k] + off);
  }
  array out = gather(src, idx, gaxes, sizes, s);  // (n, [1,] slice...)
  if (off) out = squeeze(out, 1, s);
  return {{out}, {0}};
}

// ---- DynamicSliceUpdate ----

std::vector<array> DynamicSliceUpdate::vjp(const std::vector<array>& primals,
                                           const std::vector<array>& cotangents,
                                           const std::vector<int>& argnums,
                                           const std::vector<array>&) {
  auto& upd = primals[1];
  auto& cot = cotangents[0];
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      out.push_back(make<DynamicSliceUpdate>(
          cot.shape(), cot.dtype(),
          {cot, zeros(upd.shape(), cot.dtype(), stream()), primals[2]},
          stream(), axes_));
    } else if (i == 1) {
      out.push_back(make<DynamicSlice>(upd.shape(), cot.dtype(),
                                       {cot, primals[2]}, stream(), axes_,
                                       upd.shape()));
    } else {
      out.push_back(zero_cotangent(primals[2], stream()));
    }
  }
  return out;
}

std::vector<array> DynamicSliceUpdate::jvp(const std::vector<array>& primals,
                                           const std::vector<array>& tangents,
                                           const std::vector<int>& argnums) {
  auto s = stream();
  array ts = tangent_or_zeros(primals, tangents, argnums, 0, s);
  array tu = tangent_or_zeros(primals, tangents, argnums, 1, s);
  return {make<DynamicSliceUpdate>(ts.shape(), ts.dtype(), {ts, tu, primals[2]},
                                   s, axes_)};
}

std::pair<std::vector<array>, std::vector<int>> DynamicSliceUpdate::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  int n = batch_size(inputs, axes);
  array src = batch_first(inputs[0], axes[0], n, s);
  array upd = batch_first(inputs[1], axes[1], n, s);
  if (axes[2] < 0) {
    return {{make<DynamicSliceUpdate>(src.shape(), src.dtype(),
                                      {src, upd, inputs[2]}, s, shifted(axes_))},
            {0}};
  }
  // Batched starts: a scatter of each batch's block (out-of-range starts are
  // dropped instead of clamped here).
  array start = moveaxis(inputs[2], axes[2], 0, s);  // (n, k)
  std::vector<array> idx = {batch_iota(n, 1)};
  std::vector<int> saxes = {0};
  for (size_t k = 0; k < axes_.size(); ++k) {
    idx.push_back(take(start, int(k), 1, s));
    saxes.push_back(axes_[k] + 1);
  }
  // updates: (n,) index dims + (1, slice...) slice dims
  return {{scatter(src, idx, expand_dims(upd, 1, s), saxes, s)}, {0}};
}

// ---- Gather ----

std::vector<array> Gather::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums,
                               const std::vector<array>&) {
  auto& a = primals[0];
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      std::vector<array> ins = {zeros(a.shape(), a.dtype(), stream())};
      ins.insert(ins.end(), primals.begin() + 1, primals.end());
      ins.push_back(cotangents[0]);
      out.push_back(make<Scatter>(a.shape(), a.dtype(), std::move(ins),
                                  stream(), Scatter::Sum, axes_));
    } else {
      out.push_back(zero_cotangent(primals[i], stream()));
    }
  }
  return out;
}

std::vector<array> Gather::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  Shape oshape = primals.size() > 1 ? primals[1].shape() : Shape{};
  oshape.insert(oshape.end(), slice_sizes_.begin(), slice_sizes_.end());
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 0) {
      std::vector<array> ins = {tangents[i]};
      ins.insert(ins.end(), primals.begin() + 1, primals.end());
      return {make<Gather>(oshape, tangents[i].dtype(), std::move(ins),
                           stream(), axes_, slice_sizes_)};
    }
  }
  return {zeros(oshape, primals[0].dtype(), stream())};
}

std::pair<std::vector<array>, std::vector<int>> Gather::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  int n = batch_size(inputs, axes);
  auto& a = inputs[0];
  bool idx_batched = false;
  for (size_t i = 1; i < axes.size(); ++i) idx_batched |= axes[i] >= 0;
  std::vector<array> idx;
  for (size_t i = 1; i < inputs.size(); ++i) {
    if (!idx_batched) {
      idx.push_back(inputs[i]);
    } else if (axes[i] >= 0) {
      idx.push_back(moveaxis(inputs[i], axes[i], 0, s));
    } else {
      idx.push_back(expand_dims(inputs[i], 0, s));
    }
  }
  if (axes[0] < 0) {
    // Only indices batched: the index dims (batch first) lead the output.
    return {{gather(a, idx, axes_, slice_sizes_, s)}, {0}};
  }
  array src = moveaxis(a, axes[0], 0, s);
  if (!idx_batched) {
    // Only the array: a full slice along the batch axis, after the index dims.
    int ni = inputs.size() > 1 ? inputs[1].ndim() : 0;
    return {{gather(src, idx, shifted(axes_), with_front(slice_sizes_, n), s)},
            {ni}};
  }
  // Both: the batch position is one more index array.
  int ni = 0;
  for (auto& x : idx) ni = std::max(ni, x.ndim());
  idx.insert(idx.begin(), batch_iota(n, ni));
  auto gaxes = shifted(axes_);
  gaxes.insert(gaxes.begin(), 0);
  array out = gather(src, idx, gaxes, with_front(slice_sizes_, 1), s);
  return {{squeeze(out, ni, s)}, {0}};
}

// ---- Scatter ----

std::vector<array> Scatter::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums,
                                const std::vector<array>& outputs) {
  auto s = stream();
  auto& a = primals[0];
  auto& upd = primals.back();
  auto& cot = cotangents[0];
  std::vector<array> idx(primals.begin() + 1, primals.end() - 1);
  int ni = upd.ndim() - a.ndim();
  Shape sshape(upd.shape().begin() + ni, upd.shape().end());
  auto gather_of = [&](const array& x) {
    std::vector<array> ins = {x};
    ins.insert(ins.end(), idx.begin(), idx.end());
    return make<Gather>(upd.shape(), x.dtype(), std::move(ins), s, axes_, sshape);
  };
  auto scatter_of = [&](const array& x, const array& u, ReduceType r) {
    std::vector<array> ins = {x};
    ins.insert(ins.end(), idx.begin(), idx.end());
    ins.push_back(u);
    return make<Scatter>(x.shape(), x.dtype(), std::move(ins), s, r, axes_);
  };
  array result = outputs.empty() ? scatter_of(a, upd, reduce_) : outputs[0];
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      switch (reduce_) {
        case None:
          out.push_back(scatter_of(cot, zeros(upd.shape(), cot.dtype(), s), None));
          break;
        case Sum:
          out.push_back(cot);
          break;
        case Prod:
          out.push_back(multiply(
              cot, scatter_of(ones(a.shape(), a.dtype(), s), upd, Prod), s));
          break;
        case Max:
        case Min:
          out.push_back(where(equal(result, a, s), cot,
                              zeros({}, cot.dtype(), s), s));
          break;
      }
    } else if (i == int(primals.size()) - 1) {
      switch (reduce_) {
        case None:
        case Sum:
          out.push_back(gather_of(cot));
          break;
        case Prod: {
          // d out[p] / d u = a[p] * (product of the other updates at p).
          array others = scatter_prod_others(upd, cot.dtype(), scatter_of,
                                             gather_of, a.shape(), s);
          out.push_back(multiply(gather_of(multiply(cot, a, s)), others, s));
          break;
        }
        case Max:
        case Min:
          out.push_back(where(equal(gather_of(result), upd, s), gather_of(cot),
                              zeros({}, cot.dtype(), s), s));
          break;
      }
    } else {
      out.push_back(zero_cotangent(primals[i], s));
    }
  }
  return out;
}

std::vector<array> Scatter::jvp(const std::vector<array>& primals,
                                const std::vector<array>& tangents,
                                const std::vector<int>& argnums) {
  auto s = stream();
  auto& a = primals[0];
  auto& upd = primals.back();
  std::vector<array> idx(primals.begin() + 1, primals.end() - 1);
  int last = int(primals.size()) - 1;
  array ta = tangent_or_zeros(primals, tangents, argnums, 0, s);
  array tu = tangent_or_zeros(primals, tangents, argnums, last, s);
  auto scatter_of = [&](const array& x, const array& u, ReduceType r) {
    std::vector<array> ins = {x};
    ins.insert(ins.end(), idx.begin(), idx.end());
    ins.push_back(u);
    return make<Scatter>(x.shape(), x.dtype(), std::move(ins), s, r, axes_);
  };
  switch (reduce_) {
    case None:
    case Sum:
      return {scatter_of(ta, tu, reduce_)};
    case Prod: {
      // out = a * P, P = prod of the updates landing at each position.
      array p = scatter_of(ones(a.shape(), a.dtype(), s), upd, Prod);
      int ni = upd.ndim() - a.ndim();
      Shape sshape(upd.shape().begin() + ni, upd.shape().end());
      auto gather_of = [&](const array& x) {
        std::vector<array> ins = {x};
        ins.insert(ins.end(), idx.begin(), idx.end());
        return make<Gather>(upd.shape(), x.dtype(), std::move(ins), s, axes_,
                            sshape);
      };
      array others = scatter_prod_others(upd, a.dtype(), scatter_of, gather_of,
                                         a.shape(), s);
      array rel = scatter_of(zeros(a.shape(), a.dtype(), s),
                             multiply(tu, others, s), Sum);
      return {add(multiply(ta, p, s), multiply(a, rel, s), s)};
    }
    case Max:
    case Min: {
      array result = scatter_of(a, upd, reduce_);
      std::vector<array> gins = {result};
      gins.insert(gins.end(), idx.begin(), idx.end());
      int ni = upd.ndim() - a.ndim();
      Shape sshape(upd.shape().begin() + ni, upd.shape().end());
      array won = equal(make<Gather>(upd.shape(), a.dtype(), std::move(gins), s,
                                     axes_, sshape),
                        upd, s);
      array z = zeros({}, a.dtype(), s);
      array t = where(equal(result, a, s), ta, z, s);
      return {scatter_of(t, where(won, tu, z, s), Sum)};
    }
  }
  return {};
}

std::pair<std::vector<array>, std::vector<int>> Scatter::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  int n = batch_size(inputs, axes);
  int last = int(inputs.size()) - 1;
  array a = batch_first(inputs[0], axes[0], n, s);
  // Indices: batch first (or a broadcastable leading 1), plus the batch iota.
  std::vector<array> idx;
  int ni = (inputs[last].ndim() - (axes[last] >= 0 ? 1 : 0)) -
           (inputs[0].ndim() - (axes[0] >= 0 ? 1 : 0));
  for (int i = 1; i < last; ++i) {
    idx.push_back(axes[i] >= 0 ? moveaxis(inputs[i], axes[i], 0, s)
                               : expand_dims(inputs[i], 0, s));
  }
  idx.insert(idx.begin(), batch_iota(n, ni + 1));
  auto saxes = shifted(axes_);
  saxes.insert(saxes.begin(), 0);
  // Updates: (n, index dims..., 1, slice dims...).
  array upd = batch_first(inputs[last], axes[last], n, s);
  upd = expand_dims(upd, ni + 1, s);
  switch (reduce_) {
    case None: return {{scatter(a, idx, upd, saxes, s)}, {0}};
    case Sum: return {{scatter_add(a, idx, upd, saxes, s)}, {0}};
    case Prod: return {{scatter_prod(a, idx, upd, saxes, s)}, {0}};
    case Max: return {{scatter_max(a, idx, upd, saxes, s)}, {0}};
    case Min: return {{scatter_min(a, idx, upd, saxes, s)}, {0}};
  }
  return {};
}

// ---- GatherAxis / ScatterAxis ----

std::vector<array> GatherAxis::vjp(const std::vector<array>& primals,
                                   const std::vector<array>& cotangents,
                                   const std::vector<int>& argnums,
                                   const std::vector<array>&) {
  auto& a = primals[0];
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      out.push_back(make<ScatterAxis>(
          a.shape(), a.dtype(),
          {zeros(a.shape(), a.dtype(), stream()), primals[1], cotangents[0]},
          stream(), Scatter::Sum, axis_));
    } else {
      out.push_back(zero_cotangent(primals[1], stream()));
    }
  }
  return out;
}

std::vector<array> GatherAxis::jvp(const std::vector<array>& primals,
                                   const std::vector<array>& tangents,
                                   const std::vector<int>& argnums) {
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 0) {
      return {make<GatherAxis>(primals[1].shape(), tangents[i].dtype(),
                               {tangents[i], primals[1]}, stream(), axis_)};
    }
  }
  return {zeros(primals[1].shape(), primals[0].dtype(), stream())};
}

std::pair<std::vector<array>, std::vector<int>> GatherAxis::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  int n = batch_size(inputs, axes);
  array a = batch_first(inputs[0], axes[0], n, s);
  array idx = batch_first(inputs[1], axes[1], n, s);
  return {{make<GatherAxis>(idx.shape(), a.dtype(), {a, idx}, s, axis_ + 1)},
          {0}};
}

std::vector<array> ScatterAxis::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums,
                                    const std::vector<array>&) {
  auto s = stream();
  auto& cot = cotangents[0];
  auto& idx = primals[1];
  auto& upd = primals[2];
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      out.push_back(reduce_ == Scatter::Sum
                        ? cot
                        : make<ScatterAxis>(
                              cot.shape(), cot.dtype(),
                              {cot, idx, zeros(upd.shape(), cot.dtype(), s)},
                              s, Scatter::None, axis_));
    } else if (i == 2) {
      out.push_back(make<GatherAxis>(upd.shape(), cot.dtype(), {cot, idx}, s,
                                     axis_));
    } else {
      out.push_back(zero_cotangent(idx, s));
    }
  }
  return out;
}

std::vector<array> ScatterAxis::jvp(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  auto s = stream();
  array ta = tangent_or_zeros(primals, tangents, argnums, 0, s);
  array tu = tangent_or_zeros(primals, tangents, argnums, 2, s);
  return {make<ScatterAxis>(ta.shape(), ta.dtype(), {ta, primals[1], tu}, s,
                            reduce_, axis_)};
}

std::pair<std::vector<array>, std::vector<int>> ScatterAxis::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  int n = batch_size(inputs, axes);
  array a = batch_first(inputs[0], axes[0], n, s);
  array idx = batch_first(inputs[1], axes[1], n, s);
  array upd = batch_first(inputs[2], axes[2], n, s);
  return {{make<ScatterAxis>(a.shape(), a.dtype(), {a, idx, upd}, s, reduce_,
                             axis_ + 1)},
          {0}};
}

// ---- MaskedScatter ----

std::vector<array> MaskedScatter::vjp(const std::vector<array>& primals,
                                      const std::vector<array>& cotangents,
                                      const std::vector<int>& argnums,
                                      const std::vector<array>&) {
  auto s = stream();
  auto& mask = primals[1];
  auto& vals = primals[2];
  auto& cot = cotangents[0];
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      out.push_back(where(mask, zeros({}, cot.dtype(), s), cot, s));
    } else if (i == 2) {
      // Position p with a true mask took values[rank(p) % nv], rank = number
      // of true positions before p in row-major order.
      int64_t nv = int64_t(vals.size());
      if (nv == 0) {
        out.push_back(zeros(vals.shape(), cot.dtype(), s));
        continue;
      }
      array flat_mask = astype(reshape(mask, {-1}, s), int32, s);
      array rank = cumsum(flat_mask, 0, false, false, std::nullopt, s);
      array slot = remainder(rank, array(int32_t(nv)), s);
      array contrib = where(reshape(mask, {-1}, s), reshape(cot, {-1}, s),
                            zeros({}, cot.dtype(), s), s);
      out.push_back(make<ScatterAxis>(vals.shape(), cot.dtype(),
                                      {zeros(vals.shape(), cot.dtype(), s),
                                       slot, contrib},
                                      s, Scatter::Sum, 0));
    } else {
      out.push_back(zero_cotangent(mask, s));
    }
  }
  return out;
}

std::vector<array> MaskedScatter::jvp(const std::vector<array>& primals,
                                      const std::vector<array>& tangents,
                                      const std::vector<int>& argnums) {
  auto s = stream();
  array ta = tangent_or_zeros(primals, tangents, argnums, 0, s);
  array tv = tangent_or_zeros(primals, tangents, argnums, 2, s);
  return {make<MaskedScatter>(ta.shape(), ta.dtype(), {ta, primals[1], tv}, s)};
}

std::pair<std::vector<array>, std::vector<int>> MaskedScatter::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  // Each batch item consumes its own values from the start: a true position
  // takes values[b][rank % nv], rank = the number of true positions before it
  // in the row-major order of item b (an exclusive cumsum per batch row).
  auto s = stream();
  int n = batch_size(inputs, axes);
  array a = batch_first(inputs[0], axes[0], n, s);
  array mask = batch_first(inputs[1], axes[1], n, s);
  array vals = batch_first(inputs[2], axes[2], n, s);
  int64_t nv = n > 0 ? int64_t(vals.size()) / n : 0;
  if (nv == 0) return {{a}, {0}};  // no values: nothing is written
  array rows = reshape(a, {n, -1}, s);
  array m = reshape(mask, {n, -1}, s);
  array rank = cumsum(astype(m, int32, s), 1, false, false, std::nullopt, s);
  array slot = remainder(rank, array(int32_t(nv)), s);
  array v = astype(reshape(vals, {n, int(nv)}, s), a.dtype(), s);
  array out = where(m, take_along_axis(v, slot, 1, s), rows, s);
  return {{reshape(out, a.shape(), s)}, {0}};
}

// ---- Depends ----

std::vector<array> Depends::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums,
                                const std::vector<array>&) {
  std::vector<array> out;
  for (int i : argnums) {
    out.push_back(i < n_ ? cotangents[i] : zeros_like(primals[i], stream()));
  }
  return out;
}

std::vector<array> Depends::jvp(const std::vector<array>& primals,
                                const std::vector<array>& tangents,
                                const std::vector<int>& argnums) {
  std::vector<array> out;
  for (int k = 0; k < n_; ++k) {
    array t = zeros_like(primals[k], stream());
    for (size_t i = 0; i < argnums.size(); ++i) {
      if (argnums[i] == k) t = tangents[i];
    }
    out.push_back(t);
  }
  return out;
}

std::pair<std::vector<array>, std::vector<int>> Depends::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  std::vector<array> xs(inputs.begin(), inputs.begin() + n_);
  std::vector<array> deps(inputs.begin() + n_, inputs.end());
  return {depends(xs, deps), std::vector<int>(axes.begin(), axes.begin() + n_)};
}

}  // namespace ember
