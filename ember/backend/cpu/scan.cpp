// CPU scans. The input is made row-contiguous and viewed as (outer, n,
// inner). inner == 1: one sequential pass per row (rows in parallel);
// inner > 1: rows of the scanned axis are combined elementwise, vectorised
// over blocks of `inner` (blocks in parallel). Accumulation in acc_t<T>
// (float for f16/bf16). Memory traffic: one read and one write per element.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ember/backend/cpu/copy.h"
#include "ember/backend/cpu/reduce_ops.h"
#include "ember/core/scheduler.h"
#include "ember/primitives/scan.h"

namespace ember {

namespace {

using cpu::convert;
constexpr int64_t kGrain = 1 << 15;

template <typename Acc>
struct LogAddExpScan {
  static Acc init() { return -std::numeric_limits<Acc>::infinity(); }
  Acc operator()(Acc a, Acc b) const {
    if (a == -std::numeric_limits<Acc>::infinity()) return b;
    if (b == -std::numeric_limits<Acc>::infinity()) return a;
    Acc m = std::max(a, b);
    if (std::isinf(m) || a != a || b != b) return a + b;  // +inf or NaN
    return m + std::log1p(std::exp(-std::abs(a - b)));
  }
};

template <typename T, typename Acc, typename Op>
void scan_impl(const array& x, array& out, int axis, bool reverse,
               bool inclusive) {
  Op op;
  int64_t n = x.shape(axis), outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= x.shape(i);
  for (int i = axis + 1; i < x.ndim(); ++i) inner *= x.shape(i);
  const T* src = x.data<T>();
  T* dst = out.data<T>();
  int64_t step = reverse ? -inner : inner;
  int64_t first = reverse ? (n - 1) * inner : 0;
  if (inner == 1) {
    scheduler::parallel_for(outer, std::max<int64_t>(1, kGrain / n),
                            [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const T* xr = src + o * n + first;
        T* yr = dst + o * n + first;
        Acc acc = Op::init();
        for (int64_t i = 0; i < n; ++i) {
          if (inclusive) {
            acc = op(acc, convert<Acc>(xr[i * step]));
            yr[i * step] = convert<T>(acc);
          } else {
            Acc v = convert<Acc>(xr[i * step]);  // read first: may alias yr
            yr[i * step] = convert<T>(acc);
            acc = op(acc, v);
          }
        }
      }
    });
    return;
  }
  constexpr int64_t B = 256;
  int64_t nblk = (inner + B - 1) / B;
  scheduler::parallel_for(outer * nblk, std::max<int64_t>(1, kGrain / (B * n)),
                          [&](int64_t b, int64_t e) {
    Acc acc[B];
    for (int64_t t = b; t < e; ++t) {
      int64_t o = t / nblk, j0 = (t % nblk) * B, len = std::min(B, inner - j0);
      const T* xb = src + o * n * inner + first + j0;
      T* yb = dst + o * n * inner + first + j0;
      for (int64_t j = 0; j < len; ++j) acc[j] = Op::init();
      for (int64_t i = 0; i < n; ++i) {
        const T* xr = xb + i * step;
        T* yr = yb + i * step;
        if (inclusive) {
          for (int64_t j = 0; j < len; ++j) {
            acc[j] = op(acc[j], convert<Acc>(xr[j]));
            yr[j] = convert<T>(acc[j]);
          }
        } else {
          for (int64_t j = 0; j < len; ++j) {
            Acc v = convert<Acc>(xr[j]);
            yr[j] = convert<T>(acc[j]);
            acc[j] = op(acc[j], v);
          }
        }
      }
    }
  });
}

}  // namespace

void Scan::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  array x = in;
  if (!in.flags().row_contiguous) {
    x = array(allocator::malloc(std::max<size_t>(in.nbytes(), 1)), in.shape(),
              in.dtype());
    cpu::copy_strided(in, x, x.strides());
  }
  if (x.is_donatable() && x.itemsize() == out.itemsize()) {
    out.copy_shared_buffer(x);
  } else {
    out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  }
  if (out.size() == 0) return;
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using Acc = acc_t<T>;
    switch (type_) {
      case Sum:
        if constexpr (std::is_same_v<T, bool>) {
          scan_impl<T, bool, cpu::OrReduce>(x, out, axis_, reverse_, inclusive_);
        } else {
          scan_impl<T, Acc, cpu::SumReduce<Acc>>(x, out, axis_, reverse_, inclusive_);
        }
        break;
      case Prod:
        if constexpr (std::is_same_v<T, bool>) {
          scan_impl<T, bool, cpu::AndReduce>(x, out, axis_, reverse_, inclusive_);
        } else {
          scan_impl<T, Acc, cpu::ProdReduce<Acc>>(x, out, axis_, reverse_, inclusive_);
        }
        break;
      case Max:
        if constexpr (std::is_same_v<T, bool>) {
          scan_impl<T, bool, cpu::OrReduce>(x, out, axis_, reverse_, inclusive_);
        } else {
          scan_impl<T, Acc, cpu::MaxReduce<Acc>>(x, out, axis_, reverse_, inclusive_);
        }
        break;
      case Min:
        if constexpr (std::is_same_v<T, bool>) {
          scan_impl<T, bool, cpu::AndReduce>(x, out, axis_, reverse_, inclusive_);
        } else {
          scan_impl<T, Acc, cpu::MinReduce<Acc>>(x, out, axis_, reverse_, inclusive_);
        }
        break;
      case LogAddExp:
        if constexpr (std::is_floating_point_v<Acc>) {
          scan_impl<T, Acc, LogAddExpScan<Acc>>(x, out, axis_, reverse_, inclusive_);
        } else {
          throw std::invalid_argument(
              std::string("[logcumsumexp] Expected a floating point dtype; got ") +
              dtype_name(out.dtype()) + ".");
        }
        break;
    }
  });
}

}  // namespace ember
