// Helpers for the GPU-versus-CPU tests of reductions, scans, sorts and
// random bits: value generators for every dtype, input layouts (dense,
// transposed, broadcast, stepped, reversed, misaligned offset) built on the
// CPU, primitives run on both devices, and element comparisons (exact or
// with a tolerance; NaN matches NaN).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "ember/backend/common/utils.h"
#include "ember/ember.h"

namespace ember::gpu_rs {

inline Stream gpu_stream() { return default_stream(Device(Device::gpu)); }
inline Stream cpu_stream() { return default_stream(Device(Device::cpu)); }

inline const std::vector<Dtype>& all_dtypes() {
  static const std::vector<Dtype> v = {bool_,   uint8,   uint16,  uint32, uint64,
                                       int8,    int16,   int32,   int64,  float16,
                                       float32, float64, bfloat16, complex64};
  return v;
}
inline const std::vector<Dtype>& float_dtypes() {
  static const std::vector<Dtype> v = {float16, bfloat16, float32, float64};
  return v;
}

/// Value families for generated inputs.
enum class Kind {
  Unit,     // floats in [0, 1]; integers in [0, 9]
  Signed,   // floats in [-2, 2]; integers in [-9, 9] ([0, 9] unsigned)
  NearOne,  // floats in [0.9, 1.1]; integers in [-2, 2] ([0, 2] unsigned)
  Sparse,   // like Signed with about a third zeros
  Ties,     // a few distinct values (many ties): 0, 1, 2, 3 (and -1 signed)
};

inline uint64_t lcg_next(uint64_t& x) {
  x = x * 6364136223846793005ULL + 1442695040888963407ULL;
  return x >> 11;
}

inline std::vector<double> gen(size_t n, Dtype dt, Kind k, uint64_t seed) {
  std::vector<double> v(n);
  uint64_t x = seed * 2654435761ULL + 12345;
  bool fl = is_inexact(dt);
  bool uns = is_unsigned(dt) || dt == bool_;
  for (auto& e : v) {
    double u = double(lcg_next(x)) / double(1ULL << 53);  // [0, 1)
    switch (k) {
      case Kind::Unit: e = fl ? u : std::floor(u * 10); break;
      case Kind::Signed:
        e = fl ? 4 * u - 2 : (uns ? std::floor(u * 10) : std::floor(u * 19) - 9);
        break;
      case Kind::NearOne:
        e = fl ? 0.9 + 0.2 * u : (uns ? std::floor(u * 3) : std::floor(u * 5) - 2);
        break;
      case Kind::Sparse: {
        double w = double(lcg_next(x)) / double(1ULL << 53);
        e = w < 0.33 ? 0.0
                     : (fl ? 4 * u - 2 : (uns ? 1 + std::floor(u * 9) : std::floor(u * 19) - 9));
        break;
      }
      case Kind::Ties: e = std::floor(u * 4) - ((uns || fl) ? 0 : 1); break;
    }
    if (dt == bool_) e = e != 0 ? 1 : 0;
  }
  return v;
}

/// A dense array of `shape` and `dt` filled with generated values.
inline array make(const Shape& shape, Dtype dt, Kind k, uint64_t seed) {
  size_t n = 1;
  for (auto d : shape) n *= size_t(d);
  auto re = gen(n, dt, k, seed);
  if (dt == complex64) {
    auto im = gen(n, float32, k == Kind::NearOne ? Kind::Signed : k, seed + 7);
    std::vector<complex64_t> c(n);
    for (size_t i = 0; i < n; ++i) {
      float imv = float(k == Kind::NearOne ? 0.05 * im[i] : im[i]);
      c[i] = complex64_t(float(re[i]), imv);
    }
    return array(c, shape, complex64);
  }
  return array(re, shape, dt);
}

/// Input layouts (views built and evaluated on the CPU).
enum class Layout { Dense, Transposed, Broadcast, Stepped, Reversed, Offset };

inline const char* layout_name(Layout l) {
  switch (l) {
    case Layout::Dense: return "dense";
    case Layout::Transposed: return "transposed";
    case Layout::Broadcast: return "broadcast";
    case Layout::Stepped: return "stepped";
    case Layout::Reversed: return "reversed";
    case Layout::Offset: return "offset";
  }
  return "?";
}

inline const std::vector<Layout>& all_layouts() {
  static const std::vector<Layout> v = {Layout::Dense,   Layout::Transposed,
                                        Layout::Broadcast, Layout::Stepped,
                                        Layout::Reversed, Layout::Offset};
  return v;
}

/// An input of logical `shape` in layout `l` (same values family).
inline array make_layout(const Shape& shape, Dtype dt, Kind k, uint64_t seed, Layout l) {
  Device cpu(Device::cpu);
  int nd = int(shape.size());
  array out = make(shape, dt, k, seed);
  switch (l) {
    case Layout::Dense: break;
    case Layout::Transposed: {
      if (nd < 2) break;
      Shape rs(shape.rbegin(), shape.rend());
      std::vector<int> perm(nd);
      for (int i = 0; i < nd; ++i) perm[i] = nd - 1 - i;
      out = transpose(make(rs, dt, k, seed), perm, cpu);
      break;
    }
    case Layout::Broadcast: {
      if (nd < 1) break;
      Shape bs = shape;
      bs[0] = 1;
      out = broadcast_to(make(bs, dt, k, seed), shape, cpu);
      break;
    }
    case Layout::Stepped: {
      Shape big = shape, start(nd, 0), stop = shape, step(nd, 1);
      for (int i = 0; i < nd; ++i) {
        big[i] = shape[i] * 2 + 1;
        start[i] = 1;
        stop[i] = 1 + 2 * shape[i];
        step[i] = 2;
      }
      out = slice(make(big, dt, k, seed), start, stop, step, cpu);
      break;
    }
    case Layout::Reversed: {
      Shape start(nd), stop(nd), step(nd, -1);
      for (int i = 0; i < nd; ++i) {
        start[i] = shape[i] - 1;
        stop[i] = -shape[i] - 1;
      }
      out = slice(make(shape, dt, k, seed), start, stop, step, cpu);
      break;
    }
    case Layout::Offset: {
      // Drop the first element of a flat buffer: misaligned for 16-byte loads.
      size_t n = 1;
      for (auto d : shape) n *= size_t(d);
      array flat = make({int(n + 1)}, dt, k, seed);
      out = reshape(slice(flat, {1}, {int(n + 1)}, cpu), shape, cpu);
      break;
    }
  }
  out.eval();
  return out;
}

/// Runs primitive P (constructed with `args` after the stream) on the GPU
/// and on the CPU over the same inputs: {gpu result, cpu result}.
template <typename P, typename... Args>
std::pair<array, array> run_both(const Shape& shape, Dtype dt, const std::vector<array>& in,
                                 Args... args) {
  array g(shape, dt, std::make_shared<P>(gpu_stream(), args...), in);
  array c(shape, dt, std::make_shared<P>(cpu_stream(), args...), in);
  return {g, c};
}

inline size_t loc_of(const array& a, size_t i) {
  if (a.flags().row_contiguous) return i;
  return size_t(elem_to_loc(int64_t(i), a.shape(), a.strides()));
}

template <typename T>
double as_double(T v) {
  if constexpr (std::is_same_v<T, complex64_t>) {
    return double(v.real());
  } else if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>) {
    return double(float(v));
  } else {
    return double(v);
  }
}

inline bool close_d(double a, double b, double rtol, double atol) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if ((rtol == 0 && atol == 0) || std::isinf(a) || std::isinf(b)) return a == b;
  return std::abs(a - b) <= atol + rtol * std::abs(b);
}

/// Elementwise comparison of a GPU result with the CPU result: exact for
/// integers and bool, within atol + rtol * |cpu| for floating types (exact
/// when both are 0). Reports up to 8 mismatches.
inline void expect_close(array g, array c, double rtol, double atol, const std::string& ctx) {
  ASSERT_EQ(g.shape(), c.shape()) << ctx;
  ASSERT_EQ(g.dtype(), c.dtype()) << ctx;
  eval({g, c});
  size_t n = g.size();
  int bad = 0;
  dispatch_all(g.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* gp = g.data<T>();
    const T* cp = c.data<T>();
    for (size_t i = 0; i < n && bad < 8; ++i) {
      T a = gp[loc_of(g, i)], b = cp[loc_of(c, i)];
      bool ok;
      if constexpr (std::is_same_v<T, complex64_t>) {
        ok = close_d(a.real(), b.real(), rtol, atol) && close_d(a.imag(), b.imag(), rtol, atol);
      } else if constexpr (std::is_integral_v<T>) {
        ok = a == b;
      } else {
        ok = close_d(as_double(a), as_double(b), rtol, atol);
      }
      if (!ok) {
        ++bad;
        ADD_FAILURE() << ctx << ": element " << i << " gpu " << as_double(a) << " cpu "
                      << as_double(b);
      }
    }
  });
}

/// expect_close with rtol = atol = tol (0: exact).
inline void expect_match(array g, array c, double tol, const std::string& ctx) {
  expect_close(std::move(g), std::move(c), tol, tol, ctx);
}

/// Tolerance for a floating result accumulated in float (f16/bf16 outputs
/// round once), in float32, or in float64.
inline double acc_tol(Dtype dt) {
  switch (dt) {
    case float16: return 2e-3;
    case bfloat16: return 1.6e-2;
    case float32:
    case complex64: return 2e-5;
    case float64: return 1e-11;
    default: return 0;
  }
}

inline std::string ctx_str(const char* what, Dtype dt, const Shape& shape,
                           const std::vector<int>& axes, Layout l) {
  std::ostringstream os;
  os << what << " " << dtype_name(dt) << " shape (";
  for (auto d : shape) os << d << ",";
  os << ") axes (";
  for (auto a : axes) os << a << ",";
  os << ") " << layout_name(l);
  return os.str();
}

}  // namespace ember::gpu_rs
