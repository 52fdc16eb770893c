#include "ember/backend/cpu/elementwise.h"

namespace ember::cpu {

void set_unary_output_data(const array& in, array& out) {
  if (in.is_donatable() && in.itemsize() == out.itemsize()) {
    out.copy_shared_buffer(in);
    return;
  }
  out.set_data(allocator::malloc(std::max<size_t>(in.data_size() * out.itemsize(), 1)),
               in.data_size(), in.strides(), in.flags());
}

void set_binary_output_data(const array& a, const array& b, array& out) {
  bool a_scalar = a.data_size() == 1;
  bool b_scalar = b.data_size() == 1;
  bool same_dense = a.flags().contiguous && b.flags().contiguous &&
                    a.strides() == b.strides() && a.data_size() == b.data_size();
  auto donate = [&](const array& x) {
    return x.is_donatable() && x.itemsize() == out.itemsize() &&
           x.flags().contiguous && x.data_size() == out.size();
  };
  if (a_scalar && b_scalar) {
    Strides st(out.ndim(), 0);
    out.set_data(allocator::malloc(out.itemsize()), 1, st,
                 compute_flags(out.shape(), st, 1));
    return;
  }
  const array* layout = nullptr;
  if (a_scalar && b.flags().contiguous) layout = &b;
  if (b_scalar && a.flags().contiguous) layout = &a;
  if (same_dense) layout = &a;
  if (layout) {
    if (!a_scalar && donate(a)) {
      out.copy_shared_buffer(a);
    } else if (!b_scalar && donate(b)) {
      out.copy_shared_buffer(b);
    } else {
      out.set_data(allocator::malloc(std::max<size_t>(layout->data_size() * out.itemsize(), 1)),
                   layout->data_size(), layout->strides(), layout->flags());
    }
    return;
  }
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
}

}  // namespace ember::cpu
