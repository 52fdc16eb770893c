// CPU evaluation of shape primitives (views where possible).
#include "ember/backend/common/utils.h"
#include "ember/backend/cpu/copy.h"
#include "ember/primitives/shape.h"

namespace ember {

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

void Reshape::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  if (in.flags().row_contiguous) {
    auto st = row_strides(out.shape());
    out.copy_shared_buffer(in, st, compute_flags(out.shape(), st, in.data_size()),
                           in.data_size());
    return;
  }
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  cpu::copy_strided(in, out, row_strides(in.shape()));
}

}  // namespace ember
