// CPU evaluation of shape primitives. Most are views: the output shares the
// input's buffer with recomputed strides/offset (no data traffic); the rest
// are strided copies (copy.h) that read and write each element once.
#include "ember/backend/common/utils.h"
#include "ember/backend/common/views.h"
#include "ember/backend/cpu/copy.h"
#include "ember/core/scheduler.h"
#include "ember/primitives/shape.h"

namespace ember {

namespace {
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
  broadcast_view(inputs[0], out);
}

void Reshape::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  if (reshape_view(in, out)) return;
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  cpu::copy_strided(in, out, row_strides(in.shape()));
}

void Transpose::eval_cpu(const std::vector<array>& inputs, array& out) {
  transpose_view(inputs[0], out, axes_);
}

void ExpandDims::eval_cpu(const std::vector<array>& inputs, array& out) {
  expand_dims_view(inputs[0], out, axes_);
}

void Squeeze::eval_cpu(const std::vector<array>& inputs, array& out) {
  squeeze_view(inputs[0], out, axes_);
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
  split_views(inputs[0], outputs, bounds_, axis_);
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
  diagonal_view(inputs[0], out, offset_, axis1_, axis2_);
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
