// Templates for elementwise CPU kernels. Layouts handled: scalar-vector,
// vector-scalar, both dense in the same order (one flat loop the compiler
// vectorises), and general strided (collapsed dims, strided inner loop).
// Large outputs are split across cores with parallel_for.
#pragma once

#include "ember/backend/common/utils.h"
#include "ember/core/scheduler.h"

namespace ember::cpu {

inline constexpr int64_t kGrain = 1 << 15;

/// Gives `out` a buffer for a unary op: donates `in`'s buffer when possible,
/// else allocates with `in`'s dense layout (or row-contiguous).
void set_unary_output_data(const array& in, array& out);
/// Same for binary ops; returns true when `out` shares a's/b's dense layout
/// so one flat loop over data_size elements suffices.
void set_binary_output_data(const array& a, const array& b, array& out);

/// out[i] = op(in[i]) with In/Out element types.
template <typename In, typename Out, typename Op>
void unary_kernel(const array& in, array& out, Op op) {
  if (in.flags().contiguous) {
    set_unary_output_data(in, out);
    const In* src = in.data<In>();
    Out* dst = out.data<Out>();
    scheduler::parallel_for(int64_t(in.data_size()), kGrain,
                            [&](int64_t b, int64_t e) {
      // Ops with a block form (sin, cos) take contiguous runs at once.
      if constexpr (requires { op.block(src + b, dst + b, e - b); }) {
        op.block(src + b, dst + b, e - b);
      } else {
        for (int64_t i = b; i < e; ++i) dst[i] = op(src[i]);
      }
    });
    return;
  }
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  if (out.size() == 0) return;
  auto [shape, strides] = collapse_contiguous_dims(in.shape(), {in.strides()});
  const In* src = in.data<In>();
  Out* dst = out.data<Out>();
  int nd = int(shape.size());
  int64_t inner = shape[nd - 1];
  int64_t s_in = strides[0][nd - 1];
  int64_t outer = int64_t(out.size()) / inner;
  scheduler::parallel_for(outer, std::max<int64_t>(1, kGrain / inner),
                          [&](int64_t b, int64_t e) {
    StridedIterator it(shape, strides[0], nd - 1);
    it.seek(b);
    for (int64_t o = b; o < e; ++o) {
      const In* sp = src + it.loc;
      Out* dp = dst + o * inner;
      for (int64_t i = 0; i < inner; ++i) dp[i] = op(sp[i * s_in]);
      it.step();
    }
  });
}

/// out[i] = op(a[i], b[i]); a and b already broadcast to out's shape.
template <typename A, typename B, typename Out, typename Op>
void binary_kernel(const array& a, const array& b, array& out, Op op) {
  set_binary_output_data(a, b, out);
  if (out.size() == 0) return;
  const A* ap = a.data<A>();
  const B* bp = b.data<B>();
  Out* op_ = out.data<Out>();
  bool a_scalar = a.data_size() == 1;
  bool b_scalar = b.data_size() == 1;
  bool same_dense = a.flags().contiguous && b.flags().contiguous &&
                    a.strides() == b.strides();
  if (a_scalar && b_scalar) {
    op_[0] = op(ap[0], bp[0]);
    return;
  }
  bool flat = (a_scalar && b.flags().contiguous) ||
              (b_scalar && a.flags().contiguous) || same_dense;
  if (flat) {
    int64_t n = int64_t(out.data_size());
    scheduler::parallel_for(n, kGrain, [&](int64_t lo, int64_t hi) {
      if (a_scalar) {
        A av = ap[0];
        for (int64_t i = lo; i < hi; ++i) op_[i] = op(av, bp[i]);
      } else if (b_scalar) {
        B bv = bp[0];
        for (int64_t i = lo; i < hi; ++i) op_[i] = op(ap[i], bv);
      } else {
        for (int64_t i = lo; i < hi; ++i) op_[i] = op(ap[i], bp[i]);
      }
    });
    return;
  }
  auto [shape, strides] =
      collapse_contiguous_dims(out.shape(), {a.strides(), b.strides(), out.strides()});
  int nd = int(shape.size());
  int64_t inner = shape[nd - 1];
  int64_t sa = strides[0][nd - 1], sb = strides[1][nd - 1], so = strides[2][nd - 1];
  int64_t outer = int64_t(out.size()) / inner;
  scheduler::parallel_for(outer, std::max<int64_t>(1, kGrain / inner),
                          [&](int64_t lo, int64_t hi) {
    StridedIterator ia(shape, strides[0], nd - 1), ib(shape, strides[1], nd - 1),
        io(shape, strides[2], nd - 1);
    ia.seek(lo);
    ib.seek(lo);
    io.seek(lo);
    for (int64_t o = lo; o < hi; ++o) {
      const A* x = ap + ia.loc;
      const B* y = bp + ib.loc;
      Out* z = op_ + io.loc;
      if (sa == 1 && sb == 1 && so == 1) {
        for (int64_t i = 0; i < inner; ++i) z[i] = op(x[i], y[i]);
      } else if (sa == 0 && sb == 1 && so == 1) {
        A xv = x[0];
        for (int64_t i = 0; i < inner; ++i) z[i] = op(xv, y[i]);
      } else if (sa == 1 && sb == 0 && so == 1) {
        B yv = y[0];
        for (int64_t i = 0; i < inner; ++i) z[i] = op(x[i], yv);
      } else {
        for (int64_t i = 0; i < inner; ++i) z[i * so] = op(x[i * sa], y[i * sb]);
      }
      ia.step();
      ib.step();
      io.step();
    }
  });
}

}  // namespace ember::cpu
