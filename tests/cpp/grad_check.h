// Table-driven checks of the vjp / jvp / vmap rules of ops (JAX check_grads
// style). Each row names an op, its input shapes and domain; the checker
//  - compares jvp with float64 central finite differences (elementwise),
//  - compares vjp with the finite-difference Jacobian (elementwise for small
//    inputs, along random directions otherwise),
//  - checks second order (jvp of vjp) against finite differences of the vjp,
//  - repeats vjp/jvp in lower precisions against the float64 results,
//  - compares vmap (several in_axes/out_axes) and vmap of vjp with a loop
//    over the batch.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "test_utils.h"

namespace ember::gradcheck {

using Fn = std::function<std::vector<array>(const std::vector<array>&)>;

/// One row of the table.
struct OpCase {
  std::string name;           // op name, shown in failures and test names
  Fn fn;                      // the op under test: inputs -> outputs
  std::vector<Shape> shapes;  // one shape per input
  double lo = -1.0;           // uniform domain of generated float inputs
  double hi = 1.0;
  /// Optional generator of input i (float64 for differentiated inputs,
  /// any dtype for the others, e.g. indices); overrides shapes/lo/hi.
  std::function<array(int, std::mt19937&)> make_input;
  std::vector<int> diff_args;  // differentiated inputs (empty = all inexact)
  /// Lower precisions checked against float64 (inputs cast to them).
  std::vector<Dtype> dtypes = {float32, float16, bfloat16};
  double tol = 1e-5;          // relative tolerance of the float64 checks
  double eps = 1e-6;          // finite-difference step (float64)
  bool second_order = true;   // check jvp of vjp
  bool vmap = true;           // check vmap rules
  bool differentiable = true; // check vjp/jvp at all
};

inline std::ostream& operator<<(std::ostream& os, const OpCase& c) {
  return os << c.name;
}

namespace detail {

inline std::vector<double> uniform(size_t n, double lo, double hi,
                                   std::mt19937& rng) {
  std::uniform_real_distribution<double> d(lo, hi);
  std::vector<double> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

inline array make(const std::vector<double>& v, const Shape& s, Dtype d) {
  return array(v, s, d);
}

inline std::vector<array> gen_inputs(const OpCase& c, std::mt19937& rng) {
  std::vector<array> xs;
  for (int i = 0; i < int(c.shapes.size()); ++i) {
    if (c.make_input) {
      xs.push_back(c.make_input(i, rng));
    } else {
      xs.push_back(make(uniform(shape_size(c.shapes[i]), c.lo, c.hi, rng),
                        c.shapes[i], float64));
    }
    xs.back().eval();
  }
  return xs;
}

inline std::vector<int> diff_args(const OpCase& c,
                                  const std::vector<array>& xs) {
  if (!c.diff_args.empty()) return c.diff_args;
  std::vector<int> a;
  for (int i = 0; i < int(xs.size()); ++i) {
    if (is_inexact(xs[i].dtype())) a.push_back(i);
  }
  return a;
}

inline bool contains(const std::vector<int>& v, int x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// Random direction for differentiated inputs, zeros for the others.
inline std::vector<array> directions(const std::vector<array>& xs,
                                     const std::vector<int>& args,
                                     std::mt19937& rng) {
  std::vector<array> u;
  for (int i = 0; i < int(xs.size()); ++i) {
    std::vector<double> v = contains(args, i)
                                ? uniform(xs[i].size(), -1, 1, rng)
                                : std::vector<double>(xs[i].size(), 0.0);
    u.push_back(make(v, xs[i].shape(), xs[i].dtype()));
  }
  return u;
}

// Random cotangents for inexact outputs, zeros for the others.
inline std::vector<array> cotangents_for(const std::vector<array>& ys,
                                         std::mt19937& rng) {
  std::vector<array> v;
  for (auto& y : ys) {
    std::vector<double> d = is_inexact(y.dtype())
                                ? uniform(y.size(), -1, 1, rng)
                                : std::vector<double>(y.size(), 0.0);
    v.push_back(make(d, y.shape(), y.dtype()));
  }
  return v;
}

// xs + t * u on the differentiated inputs (host arithmetic, float64).
inline std::vector<array> shifted(const std::vector<array>& xs,
                                  const std::vector<array>& u,
                                  const std::vector<int>& args, double t) {
  std::vector<array> out = xs;
  for (int i : args) {
    auto a = to_vector(xs[i]);
    auto b = to_vector(u[i]);
    for (size_t k = 0; k < a.size(); ++k) a[k] += t * b[k];
    out[i] = make(a, xs[i].shape(), xs[i].dtype());
  }
  return out;
}

// Central difference of all outputs of `fn` along u.
inline std::vector<std::vector<double>> central_diff(
    const Fn& fn, const std::vector<array>& xs, const std::vector<array>& u,
    const std::vector<int>& args, double eps) {
  auto fp = fn(shifted(xs, u, args, eps));
  auto fm = fn(shifted(xs, u, args, -eps));
  std::vector<std::vector<double>> d;
  for (size_t j = 0; j < fp.size(); ++j) {
    auto p = to_vector(fp[j]);
    auto m = to_vector(fm[j]);
    std::vector<double> r(p.size());
    for (size_t k = 0; k < p.size(); ++k) r[k] = (p[k] - m[k]) / (2 * eps);
    d.push_back(std::move(r));
  }
  return d;
}

inline double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

inline void expect_close(const std::vector<double>& got,
                         const std::vector<double>& want, double tol,
                         const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double scale = 0;
  for (double w : want) scale = std::max(scale, std::abs(w));
  int reported = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    bool ok = std::abs(got[i] - want[i]) <=
              tol * (1 + std::abs(want[i]) + 0.1 * scale);
    if (!ok && reported++ < 3) {
      ADD_FAILURE() << what << ": at index " << i << " got " << got[i]
                    << ", expected " << want[i] << " (tol " << tol << ")";
    }
  }
}

inline double low_precision_tol(Dtype d) {
  switch (d) {
    case Dtype::float16:
      return 2e-2;
    case Dtype::bfloat16:
      return 8e-2;
    case Dtype::float64:
      return 1e-9;
    default:
      return 2e-4;
  }
}

// Runs `body` and turns an exception into a test failure naming the check.
template <typename F>
void guarded(const std::string& what, F&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << " threw: " << e.what();
  }
}

// Stacks per-example arrays along a new axis `ax` (host side).
inline array stack_host(const std::vector<array>& xs, int ax) {
  Shape s = xs[0].shape();
  size_t outer = 1, inner = 1;
  for (int i = 0; i < ax; ++i) outer *= s[i];
  for (int i = ax; i < int(s.size()); ++i) inner *= s[i];
  size_t B = xs.size();
  std::vector<double> out(outer * B * inner);
  for (size_t b = 0; b < B; ++b) {
    auto v = to_vector(xs[b]);
    for (size_t o = 0; o < outer; ++o) {
      for (size_t r = 0; r < inner; ++r) {
        out[(o * B + b) * inner + r] = v[o * inner + r];
      }
    }
  }
  s.insert(s.begin() + ax, ShapeElem(B));
  return make(out, s, xs[0].dtype());
}

// Element (b, ...) of a batched output whose batch axis is `ax`.
inline std::vector<double> unstack_host(const array& y, int ax, size_t b) {
  auto v = to_vector(y);
  Shape s = y.shape();
  size_t B = s[ax];
  size_t outer = 1, inner = 1;
  for (int i = 0; i < ax; ++i) outer *= s[i];
  for (int i = ax + 1; i < int(s.size()); ++i) inner *= s[i];
  std::vector<double> out(outer * inner);
  for (size_t o = 0; o < outer; ++o) {
    for (size_t r = 0; r < inner; ++r) {
      out[o * inner + r] = v[(o * B + b) * inner + r];
    }
  }
  return out;
}

}  // namespace detail

/// vjp and jvp (first and second order) in float64 against finite
/// differences.
inline void check_float64(const OpCase& c, uint32_t seed = 0) {
  using namespace detail;
  std::mt19937 rng(seed);
  auto xs = gen_inputs(c, rng);
  auto args = diff_args(c, xs);
  auto ys = c.fn(xs);
  eval(ys);
  auto u = directions(xs, args, rng);
  auto v = cotangents_for(ys, rng);
  const double eps = c.eps;

  guarded(c.name + " jvp", [&] {
    auto fd = central_diff(c.fn, xs, u, args, eps);
    auto [outs, jvps] = jvp(c.fn, xs, u);
    ASSERT_EQ(jvps.size(), ys.size());
    for (size_t j = 0; j < ys.size(); ++j) {
      if (!is_inexact(ys[j].dtype())) continue;
      EXPECT_EQ(jvps[j].shape(), ys[j].shape()) << c.name << " jvp shape";
      EXPECT_EQ(jvps[j].dtype(), ys[j].dtype()) << c.name << " jvp dtype";
      expect_close(to_vector(jvps[j]), fd[j], c.tol,
                   c.name + " jvp of output " + std::to_string(j));
      expect_close(to_vector(outs[j]), to_vector(ys[j]), 1e-12,
                   c.name + " jvp primal output " + std::to_string(j));
    }
  });

  guarded(c.name + " vjp", [&] {
    auto [outs, vjps] = vjp(c.fn, xs, v);
    ASSERT_EQ(vjps.size(), xs.size());
    size_t total = 0;
    for (int i : args) total += xs[i].size();
    for (int i : args) {
      EXPECT_EQ(vjps[i].shape(), xs[i].shape()) << c.name << " vjp shape";
      EXPECT_EQ(vjps[i].dtype(), xs[i].dtype()) << c.name << " vjp dtype";
    }
    std::vector<std::vector<double>> vv;
    for (auto& a : v) vv.push_back(to_vector(a));
    if (total <= 96) {
      // Full Jacobian column by column: vjp_i[k] = sum_j <v_j, dy_j/dx_ik>.
      for (int i : args) {
        std::vector<double> want(xs[i].size());
        for (size_t k = 0; k < xs[i].size(); ++k) {
          std::vector<array> e;
          for (int m = 0; m < int(xs.size()); ++m) {
            std::vector<double> z(xs[m].size(), 0.0);
            if (m == i) z[k] = 1.0;
            e.push_back(make(z, xs[m].shape(), xs[m].dtype()));
          }
          auto fd = central_diff(c.fn, xs, e, {i}, eps);
          double s = 0;
          for (size_t j = 0; j < ys.size(); ++j) {
            if (is_inexact(ys[j].dtype())) s += dot(vv[j], fd[j]);
          }
          want[k] = s;
        }
        expect_close(to_vector(vjps[i]), want, c.tol,
                     c.name + " vjp of input " + std::to_string(i));
      }
    } else {
      auto fd = central_diff(c.fn, xs, u, args, eps);
      double want = 0, got = 0;
      for (size_t j = 0; j < ys.size(); ++j) {
        if (is_inexact(ys[j].dtype())) want += dot(vv[j], fd[j]);
      }
      for (int i : args) got += dot(to_vector(vjps[i]), to_vector(u[i]));
      expect_close({got}, {want}, c.tol, c.name + " vjp (random direction)");
    }
  });

  if (!c.second_order) return;
  guarded(c.name + " jvp of vjp", [&] {
    Fn g = [&](const std::vector<array>& x) { return vjp(c.fn, x, v).second; };
    auto fd = central_diff(g, xs, u, args, std::max(c.eps, 1e-5));
    auto [outs, hvp] = jvp(g, xs, u);
    for (int i : args) {
      expect_close(to_vector(hvp[i]), fd[i], 1e-4,
                   c.name + " second order (jvp of vjp) of input " +
                       std::to_string(i));
    }
  });
}

/// vjp and jvp in each lower precision against float64 at the same
/// (rounded) inputs.
inline void check_dtypes(const OpCase& c, uint32_t seed = 1) {
  using namespace detail;
  for (Dtype d : c.dtypes) {
    std::mt19937 rng(seed);
    auto xs64 = gen_inputs(c, rng);
    auto args = diff_args(c, xs64);
    std::vector<array> xs, xr;  // in dtype d, and back in float64
    for (int i = 0; i < int(xs64.size()); ++i) {
      if (contains(args, i)) {
        xs.push_back(astype(xs64[i], d));
        xr.push_back(astype(xs.back(), float64));
      } else {
        xs.push_back(xs64[i]);
        xr.push_back(xs64[i]);
      }
    }
    eval(xs);
    eval(xr);
    std::string what = c.name + " " + dtype_name(d);
    guarded(what, [&] {
      auto ys = c.fn(xs);
      auto yr = c.fn(xr);
      auto ur = directions(xr, args, rng);
      auto vr = cotangents_for(yr, rng);
      std::vector<array> ud, vd;
      for (int i = 0; i < int(xs.size()); ++i) {
        ud.push_back(astype(ur[i], xs[i].dtype()));
        ur[i] = astype(ud.back(), xr[i].dtype());
      }
      for (size_t j = 0; j < ys.size(); ++j) {
        vd.push_back(astype(vr[j], ys[j].dtype()));
        vr[j] = astype(vd.back(), yr[j].dtype());
      }
      double tol = low_precision_tol(d);
      auto [o1, t1] = jvp(c.fn, xs, ud);
      auto [o2, t2] = jvp(c.fn, xr, ur);
      for (size_t j = 0; j < ys.size(); ++j) {
        if (!is_inexact(ys[j].dtype())) continue;
        EXPECT_EQ(t1[j].dtype(), ys[j].dtype()) << what << " jvp dtype";
        expect_close(to_vector(t1[j]), to_vector(t2[j]), tol, what + " jvp");
      }
      auto [o3, g1] = vjp(c.fn, xs, vd);
      auto [o4, g2] = vjp(c.fn, xr, vr);
      for (int i : args) {
        EXPECT_EQ(g1[i].dtype(), xs[i].dtype()) << what << " vjp dtype";
        expect_close(to_vector(g1[i]), to_vector(g2[i]), tol, what + " vjp");
      }
    });
  }
}

/// vmap with several in_axes / out_axes, and vmap of vjp, against a loop.
inline void check_vmap(const OpCase& c, uint32_t seed = 2) {
  using namespace detail;
  const int B = 3;
  std::mt19937 rng(seed);
  std::vector<std::vector<array>> ex;  // per-example inputs (float32)
  for (int b = 0; b < B; ++b) {
    auto xs = gen_inputs(c, rng);
    for (auto& x : xs) {
      if (x.dtype() == float64) x = astype(x, float32);
    }
    eval(xs);
    ex.push_back(xs);
  }
  int n = int(ex[0].size());
  // variant 0: all axis 0, out 0; 1: new last axis, out -1; 2: input 0 not
  // mapped (shared), others axis 0.
  for (int variant = 0; variant < (n >= 2 ? 3 : 2); ++variant) {
    std::string what = c.name + " vmap variant " + std::to_string(variant);
    guarded(what, [&] {
      std::vector<array> batched;
      std::vector<std::optional<int>> in_axes;
      for (int i = 0; i < n; ++i) {
        if (variant == 2 && i == 0) {
          batched.push_back(ex[0][0]);
          in_axes.push_back(std::nullopt);
          continue;
        }
        int ax = variant == 1 ? ex[0][i].ndim() : 0;
        std::vector<array> col;
        for (int b = 0; b < B; ++b) col.push_back(ex[b][i]);
        batched.push_back(stack_host(col, ax));
        in_axes.push_back(variant == 1 ? -1 : 0);
      }
      std::vector<std::vector<array>> ref;
      for (int b = 0; b < B; ++b) {
        auto xs = ex[b];
        if (variant == 2) xs[0] = ex[0][0];
        ref.push_back(c.fn(xs));
      }
      std::vector<std::optional<int>> out_axes(ref[0].size(),
                                               variant == 1 ? -1 : 0);
      auto got = vmap(c.fn, in_axes, out_axes)(batched);
      ASSERT_EQ(got.size(), ref[0].size()) << what;
      for (size_t j = 0; j < got.size(); ++j) {
        int oax = variant == 1 ? ref[0][j].ndim() : 0;
        Shape want_shape = ref[0][j].shape();
        want_shape.insert(want_shape.begin() + oax, B);
        ASSERT_EQ(got[j].shape(), want_shape) << what << " output " << j;
        EXPECT_EQ(got[j].dtype(), ref[0][j].dtype()) << what;
        for (int b = 0; b < B; ++b) {
          expect_close(unstack_host(got[j], oax, b), to_vector(ref[b][j]),
                       1e-5, what + " output " + std::to_string(j));
        }
      }
    });
  }
  if (!c.differentiable) return;
  // Per-example vjp via vmap (batching rules of the backward graph).
  std::string what = c.name + " vmap of vjp";
  guarded(what, [&] {
    auto args = diff_args(c, ex[0]);
    auto ys = c.fn(ex[0]);
    auto v = cotangents_for(ys, rng);
    for (auto& a : v) a.eval();
    Fn g = [&](const std::vector<array>& x) { return vjp(c.fn, x, v).second; };
    std::vector<array> batched;
    for (int i = 0; i < n; ++i) {
      std::vector<array> col;
      for (int b = 0; b < B; ++b) col.push_back(ex[b][i]);
      batched.push_back(stack_host(col, 0));
    }
    auto got = vmap(g)(batched);
    for (int b = 0; b < B; ++b) {
      auto want = g(ex[b]);
      for (int i : args) {
        expect_close(unstack_host(got[i], 0, b), to_vector(want[i]), 1e-5,
                     what + " input " + std::to_string(i));
      }
    }
  });
}

/// All checks of one row.
inline void check_op(const OpCase& c) {
  if (c.differentiable) {
    check_float64(c);
    check_dtypes(c);
  }
  if (c.vmap) check_vmap(c);
}

}  // namespace ember::gradcheck
