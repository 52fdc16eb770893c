// CPU kernels of creation primitives. Fills, ranges and triangular patterns
// write each output element once (memory bound); rows are split across
// cores with parallel_for. Triangular copies its input then zeroes the
// masked part of each matrix.
#include <cstring>

#include "ember/backend/cpu/copy.h"
#include "ember/backend/cpu/elementwise.h"
#include "ember/primitives/creation.h"

namespace ember {

namespace {
template <typename T>
void fill(T* dst, int64_t n, T v) {
  scheduler::parallel_for(n, cpu::kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dst[i] = v;
  });
}
}  // namespace

void Full::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  if (in.data_size() == 1 && out.size() > 0) {
    out.set_data(allocator::malloc(out.nbytes()));
    dispatch_all(out.dtype(), [&](auto tag) {
      using T = decltype(tag);
      fill<T>(out.data<T>(), int64_t(out.size()), in.data<T>()[0]);
    });
    return;
  }
  if (in.flags().row_contiguous && in.is_donatable() &&
      in.data_size() == in.size()) {
    out.copy_shared_buffer(in);
    return;
  }
  cpu::copy_contiguous(in, out);
}

void Arange::eval_cpu(const std::vector<array>&, array& out) {
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  int64_t n = int64_t(out.size());
  if (n == 0) return;
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, complex64_t>) {
      // Rejected by the op.
    } else if constexpr (std::is_integral_v<T>) {
      // The step used is dtype(start + step) - dtype(start), as in NumPy.
      T s0 = static_cast<T>(start_);
      T st = static_cast<T>(static_cast<T>(start_ + step_) - s0);
      T* dst = out.data<T>();
      scheduler::parallel_for(n, cpu::kGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) dst[i] = T(s0 + T(i) * st);
      });
    } else {
      double s0 = double(static_cast<T>(start_));
      double st = double(static_cast<T>(start_ + step_)) - s0;
      T* dst = out.data<T>();
      scheduler::parallel_for(n, cpu::kGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) dst[i] = static_cast<T>(s0 + double(i) * st);
      });
    }
  });
}

void Tri::eval_cpu(const std::vector<array>&, array& out) {
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  int64_t n = out.shape(0), m = out.shape(1);
  if (n * m == 0) return;
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* dst = out.data<T>();
    T one = cpu::convert<T>(1), zero = cpu::convert<T>(0);
    scheduler::parallel_for(n, std::max<int64_t>(1, cpu::kGrain / m),
                            [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        T* row = dst + i * m;
        if (diagonal_only_) {
          for (int64_t j = 0; j < m; ++j) row[j] = zero;
          int64_t j = i + k_;
          if (j >= 0 && j < m) row[j] = one;
        } else {
          // Ones for j <= i + k.
          int64_t lim = std::clamp<int64_t>(i + k_ + 1, 0, m);
          for (int64_t j = 0; j < lim; ++j) row[j] = one;
          for (int64_t j = lim; j < m; ++j) row[j] = zero;
        }
      }
    });
  });
}

void Triangular::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  if (in.flags().row_contiguous && in.is_donatable()) {
    out.copy_shared_buffer(in);
  } else {
    cpu::copy_contiguous(in, out);
  }
  if (out.size() == 0) return;
  // Row-major layout: [outer, n (axis1), mid, m (axis2), inner].
  auto& sh = out.shape();
  int64_t outer = 1, mid = 1, inner = 1;
  for (int i = 0; i < axis1_; ++i) outer *= sh[i];
  for (int i = axis1_ + 1; i < axis2_; ++i) mid *= sh[i];
  for (int i = axis2_ + 1; i < out.ndim(); ++i) inner *= sh[i];
  int64_t n = sh[axis1_], m = sh[axis2_];
  size_t isz = out.itemsize();
  char* base = static_cast<char*>(out.raw_data());
  int64_t rows = outer * n * mid;
  scheduler::parallel_for(rows, std::max<int64_t>(1, cpu::kGrain / (m * inner)),
                          [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      int64_t i = (r / mid) % n;
      char* row = base + size_t(r) * m * inner * isz;
      // Zero j > i + k (lower) or j < i + k (upper).
      int64_t lo, hi;
      if (upper_) {
        lo = 0;
        hi = std::clamp<int64_t>(i + k_, 0, m);
      } else {
        lo = std::clamp<int64_t>(i + k_ + 1, 0, m);
        hi = m;
      }
      if (hi > lo) {
        std::memset(row + lo * inner * isz, 0, size_t(hi - lo) * inner * isz);
      }
    }
  });
}

}  // namespace ember
