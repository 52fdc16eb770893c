// CPU evaluation of Select (where). Inputs are broadcast to the output shape.
// Layouts: all dense in the same order (or scalars) → one flat loop over the
// dense buffer; otherwise collapsed strided dims with a row-contiguous output.
// Split across cores with parallel_for. Traffic: read n bools + 2n values,
// write n values.
#include "ember/backend/common/utils.h"
#include "ember/backend/cpu/elementwise.h"
#include "ember/primitives/ternary.h"

namespace ember {

namespace {
template <typename T>
void select_kernel(const array& c, const array& x, const array& y, array& out) {
  const bool* cp = c.data<bool>();
  const T* xp = x.data<T>();
  const T* yp = y.data<T>();
  // Flat path: every non-scalar input dense with one common stride layout.
  const array* layout = nullptr;
  bool flat = true;
  for (const array* a : {&c, &x, &y}) {
    if (a->data_size() == 1) continue;
    if (!a->flags().contiguous) {
      flat = false;
      break;
    }
    if (!layout) {
      layout = a;
    } else if (a->strides() != layout->strides() ||
               a->data_size() != layout->data_size()) {
      flat = false;
      break;
    }
  }
  if (flat) {
    if (layout) {
      out.set_data(allocator::malloc(
                       std::max<size_t>(layout->data_size() * out.itemsize(), 1)),
                   layout->data_size(), layout->strides(), layout->flags());
    } else {
      Strides st(out.ndim(), 0);
      out.set_data(allocator::malloc(out.itemsize()), 1, st,
                   compute_flags(out.shape(), st, 1));
    }
    T* op = out.data<T>();
    int64_t n = int64_t(out.data_size());
    int64_t dc = c.data_size() == 1 ? 0 : 1;
    int64_t dx = x.data_size() == 1 ? 0 : 1;
    int64_t dy = y.data_size() == 1 ? 0 : 1;
    scheduler::parallel_for(n, cpu::kGrain, [&](int64_t lo, int64_t hi) {
      if (dc && dx && dy) {
        for (int64_t i = lo; i < hi; ++i) op[i] = cp[i] ? xp[i] : yp[i];
      } else {
        for (int64_t i = lo; i < hi; ++i) {
          op[i] = cp[i * dc] ? xp[i * dx] : yp[i * dy];
        }
      }
    });
    return;
  }
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  if (out.size() == 0) return;
  auto [shape, strides] = collapse_contiguous_dims(
      out.shape(), {c.strides(), x.strides(), y.strides()});
  int nd = int(shape.size());
  int64_t inner = shape[nd - 1];
  int64_t sc = strides[0][nd - 1], sx = strides[1][nd - 1],
          sy = strides[2][nd - 1];
  int64_t outer = int64_t(out.size()) / inner;
  T* op = out.data<T>();
  scheduler::parallel_for(
      outer, std::max<int64_t>(1, cpu::kGrain / inner),
      [&](int64_t lo, int64_t hi) {
        StridedIterator ic(shape, strides[0], nd - 1),
            ix(shape, strides[1], nd - 1), iy(shape, strides[2], nd - 1);
        ic.seek(lo);
        ix.seek(lo);
        iy.seek(lo);
        for (int64_t o = lo; o < hi; ++o) {
          const bool* cc = cp + ic.loc;
          const T* xx = xp + ix.loc;
          const T* yy = yp + iy.loc;
          T* z = op + o * inner;
          for (int64_t i = 0; i < inner; ++i) {
            z[i] = cc[i * sc] ? xx[i * sx] : yy[i * sy];
          }
          ic.step();
          ix.step();
          iy.step();
        }
      });
}
}  // namespace

void Select::eval_cpu(const std::vector<array>& inputs, array& out) {
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    select_kernel<T>(inputs[0], inputs[1], inputs[2], out);
  });
}

}  // namespace ember
