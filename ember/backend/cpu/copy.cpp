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
  if (nd >= 2 && ss[nd - 1] != 1 && ss[nd - 2] == 1 && ds[nd - 1] == 1) {
    // Transpose-like: read and write in 32x32 tiles so both sides stay in
    // cache lines instead of striding through memory one element at a time.
    constexpr int64_t kTile = 32;
    int64_t rows = shape[nd - 2], cols = shape[nd - 1];
    int64_t s_row = ss[nd - 2], s_col = ss[nd - 1];
    int64_t d_row = ds[nd - 2];
    int64_t outer = n / (rows * cols);
    int64_t row_tiles = (rows + kTile - 1) / kTile;
    scheduler::parallel_for(outer * row_tiles, std::max<int64_t>(1, 64 / std::max<int64_t>(1, cols / 1024)),
                            [&](int64_t b, int64_t e) {
      StridedIterator si(shape, ss, nd - 2), di(shape, ds, nd - 2);
      int64_t cur = -1;
      for (int64_t w = b; w < e; ++w) {
        int64_t o = w / row_tiles, r0 = (w % row_tiles) * kTile;
        if (o != cur) {
          si.seek(o);
          di.seek(o);
          cur = o;
        }
        int64_t r1 = std::min(rows, r0 + kTile);
        for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
          int64_t c1 = std::min(cols, c0 + kTile);
          for (int64_t r = r0; r < r1; ++r) {
            const S* sp = src + si.loc + r * s_row;
            D* dp = dst + di.loc + r * d_row;
            for (int64_t c = c0; c < c1; ++c) dp[c] = convert<D>(sp[c * s_col]);
          }
        }
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
