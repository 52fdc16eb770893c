// CPU evaluation of AsType and Copy.
#include "ember/backend/cpu/copy.h"
#include "ember/primitives/copy.h"

namespace ember {

void AsType::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  if (in.is_donatable() && in.itemsize() == out.itemsize() &&
      in.flags().contiguous) {
    // Same element size: convert in place in the donated buffer.
    out.copy_shared_buffer(in);
    dispatch_all(in.dtype(), [&](auto s) {
      using S = decltype(s);
      dispatch_all(out.dtype(), [&](auto d) {
        using D = decltype(d);
        const S* src = in.data<S>();
        D* dst = out.data<D>();
        for (size_t i = 0; i < in.data_size(); ++i) dst[i] = cpu::convert<D>(src[i]);
      });
    });
    return;
  }
  cpu::copy_preserve_layout(in, out);
}

void Copy::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  if (in.flags().row_contiguous ||
      (allow_col_major_ && in.flags().col_contiguous)) {
    if (in.is_donatable()) {
      out.move_shared_buffer(in);
      return;
    }
  }
  if (allow_col_major_ && in.flags().col_contiguous) {
    cpu::copy_preserve_layout(in, out);
    return;
  }
  cpu::copy_contiguous(in, out);
}

}  // namespace ember
