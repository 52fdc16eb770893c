// Views on the GPU: Slice (a strided view of the input's buffer, no kernel)
// and Depends (outputs share their inputs' buffers). The views keep the
// input's Data, so its residency (valid on the device) carries over.
#include <cstdlib>

#include "ember/backend/common/utils.h"
#include "ember/backend/cuda/cuda.h"
#include "ember/primitives/indexing.h"

namespace ember {

void Slice::eval_gpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  Strides st(in.ndim());
  int64_t offset = 0;
  int64_t span = 1;
  for (int i = 0; i < in.ndim(); ++i) {
    st[i] = in.strides()[i] * strides_[i];
    if (out.size() > 0) offset += int64_t(start_[i]) * in.strides()[i];
    span += int64_t(std::max(out.shape(i) - 1, 0)) * std::abs(st[i]);
  }
  size_t ds = out.size() == 0 ? 0 : size_t(span);
  out.copy_shared_buffer(in, st, compute_flags(out.shape(), st, ds), ds,
                         offset);
}

void Depends::eval_gpu(const std::vector<array>& inputs,
                       std::vector<array>& outputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    outputs[i].copy_shared_buffer(inputs[i]);
  }
}

}  // namespace ember
