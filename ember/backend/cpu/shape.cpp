// CPU evaluation of shape primitives. Most are views: the output shares the
// input's buffer with recomputed strides/offset (no data traffic); the rest
// are strided copies (copy.h) that read and write each element once.
#include "ember/backend/common/utils.h"
#include "ember/backend/cpu/copy.h"
#include "ember/core/scheduler.h"
#include "ember/primitives/shape.h"

namespace ember {

namespace {
// Makes `out` a view of `in` with `strides` at element `offset`.
void make_view(const array& in, array& out, const Strides& strides,
               int64_t offset = 0) {
  bool nonneg = true;
  for (auto st : strides) nonneg = nonneg && st >= 0;
  // Negative strides (from as_strided or reversed slices) reach backwards:
  // keep the input's extent and let the flags say "not contiguous".
  size_t span = nonneg ? data_span(out.shape(), strides)
                       : in.data_size() - size_t(std::max<int64_t>(offset, 0));
  out.copy_shared_buffer(in, strides,
                         compute_flags(out.shape(), strides, span), span,
                         offset);
}

// A row-contiguous copy of `in` (or `in` itself when it already is one).
array row_contiguous_copy(const array& in) {
  if (in.flags().row_contiguous) return in;
  array tmp(allocator::malloc(std::max<size_t>(in.nbytes(), 1)), in.shape(),
            in.dtype());
  cpu::copy_strided(in, tmp, tmp.strides());
  return tmp;
}
}  // namespace

void Broadcast::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  int diff = out.ndim() - in.ndim();
  Strides st(out.ndim(), 0);
  for (int i = 0; i < in.ndim(); ++i) {
    st[i + diff] = in.shape()[i] == 1 ? 0 : in.strides()[i];
  }
  out.copy_shared_buffer(in, st, compute_flags(out.shape(), st, in.data_size()),
                         in.data_size());
}

namespace {
// Strides that view `in` as `shape` without a copy, if they exist: each run
// of new dims must cover a run of old dims that is contiguous in row-major
// order (NumPy's attempt_nocopy_reshape). Empty result = a copy is needed.
Strides reshape_strides(const array& in, const Shape& shape) {
  Shape od;
  Strides os;
  for (int i = 0; i < in.ndim(); ++i) {
    if (in.shape()[i] != 1) {
      od.push_back(in.shape()[i]);
      os.push_back(in.strides()[i]);
    }
  }
  int on = int(od.size()), nn = int(shape.size());
  Strides ns(nn, 0);
  int oi = 0, oj = 1, ni = 0, nj = 1;
  while (ni < nn && oi < on) {
    int64_t np = shape[ni], op = od[oi];
    while (np != op) {
      if (np < op) {
        np *= shape[nj++];
      } else {
        op *= od[oj++];
      }
    }
    for (int k = oi; k < oj - 1; ++k) {
      if (os[k] != od[k + 1] * os[k + 1]) return {};
    }
    ns[nj - 1] = os[oj - 1];
    for (int k = nj - 1; k > ni; --k) ns[k - 1] = ns[k] * shape[k];
    ni = nj++;
    oi = oj++;
  }
  // Trailing size-1 dims.
  int64_t last = ni > 0 ? ns[ni - 1] : 1;
  for (int k = ni; k < nn; ++k) ns[k] = last;
  return ns;
}
}  // namespace

void Reshape::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  if (in.flags().row_contiguous) {
    auto st = row_strides(out.shape());
    out.copy_shared_buffer(in, st, compute_flags(out.shape(), st, in.data_size()),
                           in.data_size());
    return;
  }
  if (in.size() > 0) {
    auto st = reshape_strides(in, out.shape());
    if (!st.empty() || out.ndim() == 0) {
      out.copy_shared_buffer(in, st,
                             compute_flags(out.shape(), st, in.data_size()),
                             in.data_size());
      return;
    }
  }
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  cpu::copy_strided(in, out, row_strides(in.shape()));
}

void Transpose::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  Strides st(axes_.size());
  for (size_t i = 0; i < axes_.size(); ++i) st[i] = in.strides()[axes_[i]];
  out.copy_shared_buffer(in, st, compute_flags(out.shape(), st, in.data_size()),
                         in.data_size());
}

void ExpandDims::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  int nd = out.ndim();
  Strides st(nd);
  size_t k = axes_.size(), j = in.ndim();
  // Walk from the back so an inserted axis gets the stride of a packed dim.
  for (int i = nd - 1; i >= 0; --i) {
    if (k > 0 && axes_[k - 1] == i) {
      st[i] = i + 1 < nd ? st[i + 1] * out.shape()[i + 1] : 1;
      --k;
    } else {
      st[i] = in.strides()[--j];
    }
  }
  out.copy_shared_buffer(in, st, compute_flags(out.shape(), st, in.data_size()),
                         in.data_size());
}

void Squeeze::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  Strides st;
  size_t k = 0;
  for (int i = 0; i < in.ndim(); ++i) {
    if (k < axes_.size() && axes_[k] == i) {
      ++k;
    } else {
      st.push_back(in.strides()[i]);
    }
  }
  out.copy_shared_buffer(in, st, compute_flags(out.shape(), st, in.data_size()),
                         in.data_size());
}

void Concatenate::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  int64_t step = out.strides()[axis_];
  int64_t off = 0;
  for (auto& in : inputs) {
    cpu::copy_strided(in, out, out.strides(), off * step);
    off += in.shape()[axis_];
  }
}

void Split::eval_cpu(const std::vector<array>& inputs,
                     std::vector<array>& outputs) {
  auto& in = inputs[0];
  int64_t step = in.strides()[axis_];
  for (size_t i = 0; i < outputs.size(); ++i) {
    int64_t off = outputs[i].size() ? bounds_[i] * step : 0;
    make_view(in, outputs[i], in.strides(), off);
  }
}

void Flip::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  // Write through negated strides starting at the far end of flipped axes.
  Strides st = out.strides();
  int64_t off = 0;
  for (int a : axes_) {
    off += int64_t(out.shape()[a] - 1) * st[a];
    st[a] = -st[a];
  }
  cpu::copy_strided(in, out, st, off);
}

void Pad::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  auto& val = inputs[1];
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T v = *val.data<T>();
    T* dst = out.data<T>();
    scheduler::parallel_for(int64_t(out.size()), 1 << 16,
                            [&](int64_t b, int64_t e) {
                              for (int64_t i = b; i < e; ++i) dst[i] = v;
                            });
  });
  int64_t off = 0;
  for (int i = 0; i < out.ndim(); ++i) off += low_[i] * out.strides()[i];
  cpu::copy_strided(in, out, out.strides(), off);
}

void Diagonal::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  Strides st;
  for (int i = 0; i < in.ndim(); ++i) {
    if (i != axis1_ && i != axis2_) st.push_back(in.strides()[i]);
  }
  st.push_back(in.strides()[axis1_] + in.strides()[axis2_]);
  int64_t off = 0;
  if (out.size() > 0) {
    off = offset_ >= 0 ? offset_ * in.strides()[axis2_]
                       : -int64_t(offset_) * in.strides()[axis1_];
  }
  make_view(in, out, st, off);
}

void View::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  if (in.itemsize() == out.itemsize() && in.flags().contiguous) {
    out.copy_shared_buffer(in);
    return;
  }
  array src = row_contiguous_copy(in);
  auto st = row_strides(out.shape());
  out.copy_shared_buffer(src, st, compute_flags(out.shape(), st, out.size()),
                         out.size());
}

void AsStrided::eval_cpu(const std::vector<array>& inputs, array& out) {
  array src = row_contiguous_copy(inputs[0]);
  make_view(src, out, strides_, int64_t(offset_));
}

}  // namespace ember
