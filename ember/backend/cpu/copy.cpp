#include "ember/backend/cpu/copy.h"

#include <cstring>

#include "ember/backend/common/utils.h"
#include "ember/core/scheduler.h"

namespace ember::cpu {

namespace {

template <typename S, typename D>
void copy_loop(const S* src, D* dst, const Shape& shape, const Strides& ss,
               const Strides& ds, int64_t n) {
  int nd = int(shape.size());
  if (nd == 1 && ss[0] == 1 && ds[0] == 1) {
    scheduler::parallel_for(n, 1 << 15, [&](int64_t b, int64_t e) {
      if constexpr (std::is_same_v<S, D>) {
        std::memcpy(dst + b, src + b, size_t(e - b) * sizeof(S));
      } else {
        for (int64_t i = b; i < e; ++i) dst[i] = convert<D>(src[i]);
      }
    });
    return;
  }
  int64_t inner = shape[nd - 1];
  int64_t sin = ss[nd - 1], din = ds[nd - 1];
  int64_t outer = n / std::max<int64_t>(inner, 1);
  scheduler::parallel_for(outer, std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(inner, 1)),
                          [&](int64_t b, int64_t e) {
    StridedIterator si(shape, ss, nd - 1), di(shape, ds, nd - 1);
    si.seek(b);
    di.seek(b);
    for (int64_t o = b; o < e; ++o) {
      const S* sp = src + si.loc;
      D* dp = dst + di.loc;
      if (sin == 1 && din == 1) {
        for (int64_t i = 0; i < inner; ++i) dp[i] = convert<D>(sp[i]);
      } else {
        for (int64_t i = 0; i < inner; ++i) dp[i * din] = convert<D>(sp[i * sin]);
      }
      si.step();
      di.step();
    }
  });
}

}  // namespace

void copy_strided(const array& src, array& dst, const Strides& dst_strides,
                  int64_t dst_offset) {
  if (src.size() == 0) return;
  auto [shape, strides] =
      collapse_contiguous_dims(src.shape(), {src.strides(), dst_strides});
  dispatch_all(src.dtype(), [&](auto s) {
    using S = decltype(s);
    dispatch_all(dst.dtype(), [&](auto d) {
      using D = decltype(d);
      copy_loop(src.data<S>(), dst.data<D>() + dst_offset, shape, strides[0],
                strides[1], int64_t(src.size()));
    });
  });
}

void copy_contiguous(const array& in, array& out) {
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  copy_strided(in, out, out.strides());
}

void copy_preserve_layout(const array& in, array& out) {
  if (in.flags().contiguous && in.size() == in.data_size()) {
    // Same dense layout: elementwise over the buffer.
    out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)),
                 in.data_size(), in.strides(), in.flags());
    dispatch_all(in.dtype(), [&](auto s) {
      using S = decltype(s);
      dispatch_all(out.dtype(), [&](auto d) {
        using D = decltype(d);
        copy_loop(in.data<S>(), out.data<D>(), Shape{ShapeElem(in.data_size())},
                  Strides{1}, Strides{1}, int64_t(in.data_size()));
      });
    });
    return;
  }
  copy_contiguous(in, out);
}

}  // namespace ember::cpu
