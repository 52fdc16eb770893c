// The fused attention backward (ScaledDotProductAttentionVJP) on the CPU:
// EMBER_SDPA_VJP=fused makes the CPU take the path the GPU takes with cuDNN
// (forward with logsumexp, fused backward primitive). Gradients are compared
// with a float64 reference computed here, with the composed fallback
// (EMBER_SDPA_VJP=fallback) and with finite differences; plus GQA, masks,
// Tq != Tk, second order, mask gradients, jvp and vmap under the flag.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>

#include "ember/ember.h"
#include "test_utils.h"

namespace ember {
namespace {

struct EnvGuard {
  std::string name;
  std::optional<std::string> old;
  EnvGuard(const char* n, const char* v) : name(n) {
    if (const char* o = std::getenv(n)) old = o;
    ::setenv(n, v, 1);
  }
  ~EnvGuard() {
    if (old) {
      ::setenv(name.c_str(), old->c_str(), 1);
    } else {
      ::unsetenv(name.c_str());
    }
  }
};

std::vector<double> rvec(size_t n, uint64_t seed, double lo = -1, double hi = 1) {
  auto v = randv(n, seed);
  for (auto& x : v) x = lo + (x + 1) * 0.5 * (hi - lo);
  return v;
}

std::vector<double> round_to(const std::vector<double>& v, Dtype dt) {
  return to_vector(astype(array(v, {int(v.size())}, float64), dt));
}

struct Problem {
  int B, Nq, Nkv, Tq, Tk, D, Dv;
};

// float64 reference: forward as the CPU defines it (masked scores replaced
// by the lowest float, passing no gradient), then dq, dk, dv for cotangent g.
struct RefGrads {
  std::vector<double> dq, dk, dv;
};
RefGrads ref_backward(const Problem& p, const std::vector<double>& q,
                      const std::vector<double>& k, const std::vector<double>& v,
                      const std::vector<double>& g, double scale, int mask_kind,
                      const std::vector<double>& mask) {
  RefGrads r;
  r.dq.assign(q.size(), 0);
  r.dk.assign(k.size(), 0);
  r.dv.assign(v.size(), 0);
  int G = p.Nq / p.Nkv;
  for (int b = 0; b < p.B; ++b)
    for (int h = 0; h < p.Nq; ++h)
      for (int i = 0; i < p.Tq; ++i) {
        int kh = h / G;
        int64_t row = (int64_t(b) * p.Nq + h) * p.Tq + i;
        std::vector<double> s(p.Tk), pr(p.Tk), dp(p.Tk);
        std::vector<bool> keep(p.Tk, true);
        double m = -INFINITY;
        for (int j = 0; j < p.Tk; ++j) {
          int64_t krow = (int64_t(b) * p.Nkv + kh) * p.Tk + j;
          double dot = 0;
          for (int d = 0; d < p.D; ++d) dot += scale * q[row * p.D + d] * k[krow * p.D + d];
          double mv = mask.empty() ? 0 : mask[row * p.Tk + j];
          if (mask_kind == 1 && j > i + p.Tk - p.Tq) keep[j] = false;
          if (mask_kind == 2 && mv == 0) keep[j] = false;
          if (mask_kind == 3) dot += mv;
          if (!keep[j]) dot = -3.4028234663852886e38;
          s[j] = dot;
          m = std::max(m, dot);
        }
        double den = 0;
        for (int j = 0; j < p.Tk; ++j) den += (pr[j] = std::exp(s[j] - m));
        for (int j = 0; j < p.Tk; ++j) pr[j] /= den;
        double delta = 0;
        for (int j = 0; j < p.Tk; ++j) {
          int64_t krow = (int64_t(b) * p.Nkv + kh) * p.Tk + j;
          double acc = 0;
          for (int d = 0; d < p.Dv; ++d) acc += g[row * p.Dv + d] * v[krow * p.Dv + d];
          dp[j] = acc;
          delta += pr[j] * acc;
        }
        for (int j = 0; j < p.Tk; ++j) {
          int64_t krow = (int64_t(b) * p.Nkv + kh) * p.Tk + j;
          double ds = keep[j] ? pr[j] * (dp[j] - delta) : 0.0;
          for (int d = 0; d < p.D; ++d) {
            r.dq[row * p.D + d] += scale * ds * k[krow * p.D + d];
            r.dk[krow * p.D + d] += scale * ds * q[row * p.D + d];
          }
          for (int d = 0; d < p.Dv; ++d) r.dv[krow * p.Dv + d] += pr[j] * g[row * p.Dv + d];
        }
      }
  return r;
}

void expect_close_scaled(const array& got, const std::vector<double>& want,
                         double tol, const std::string& what) {
  auto gv = to_vector(got);
  ASSERT_EQ(gv.size(), want.size()) << what;
  double mx = 0;
  for (double w : want) mx = std::max(mx, std::abs(w));
  int bad = 0;
  for (size_t i = 0; i < gv.size() && bad < 5; ++i) {
    if (!(std::abs(gv[i] - want[i]) <= tol * (mx + 1e-3) + tol * std::abs(want[i]))) {
      ++bad;
      ADD_FAILURE() << what << ": index " << i << " got " << gv[i] << " want "
                    << want[i] << " (max |want| " << mx << ")";
    }
  }
}

struct Case {
  Problem p;
  std::string mode;  // "" or "causal"
  int mask_kind;     // 0 none/causal, 2 bool, 3 additive
};

// Gradients of sum(sdpa(q, k, v) * g) under EMBER_SDPA_VJP=`env`; records
// whether the forward produced its logsumexp (the fused path).
std::vector<array> grads_with(const char* env, const array& q, const array& k,
                              const array& v, const std::optional<array>& mask,
                              const std::string& mode, float scale,
                              const array& g, bool* fused) {
  EnvGuard guard("EMBER_SDPA_VJP", env);
  auto f = [&](const std::vector<array>& xs) {
    auto o = fast::scaled_dot_product_attention(xs[0], xs[1], xs[2], scale, mode, mask);
    if (fused) *fused = o.siblings().size() == 1;
    return std::vector<array>{o};
  };
  auto [outs, gr] = vjp(f, {q, k, v}, {g});
  eval(gr);
  return gr;
}

// These tests exercise the CPU kernels (the GPU path has test_gpu_sdpa), so
// they run on the CPU whatever the default device.
struct CpuDefault {
  Device prev = default_device();
  CpuDefault() { set_default_device(Device(Device::cpu)); }
  ~CpuDefault() { set_default_device(prev); }
};

TEST(FastSDPAVJP, MatchesReferenceAndFallback) {
  CpuDefault cpu_default;
  std::vector<Case> cases = {
      {{2, 4, 2, 5, 5, 8, 8}, "", 0},        // GQA, square
      {{1, 2, 2, 4, 7, 8, 12}, "causal", 0},  // Tq < Tk, Dv != D
      {{2, 2, 1, 6, 6, 16, 16}, "causal", 0},
      {{1, 3, 1, 7, 3, 8, 8}, "causal", 0},   // Tq > Tk: fully masked rows
      {{2, 4, 2, 3, 9, 8, 8}, "", 2},         // bool mask
      {{1, 2, 1, 5, 6, 8, 4}, "", 3},         // additive mask
  };
  uint64_t seed = 100;
  for (auto& c : cases) {
    auto& p = c.p;
    for (Dtype dt : {float32, bfloat16, float16}) {
      std::string what = "B" + std::to_string(p.B) + " Nq" + std::to_string(p.Nq) +
                         " Nkv" + std::to_string(p.Nkv) + " Tq" + std::to_string(p.Tq) +
                         " Tk" + std::to_string(p.Tk) + " D" + std::to_string(p.D) +
                         " Dv" + std::to_string(p.Dv) + " '" + c.mode + "' mask" +
                         std::to_string(c.mask_kind) + " " + dtype_name(dt);
      auto qv = round_to(rvec(size_t(p.B) * p.Nq * p.Tq * p.D, seed++), dt);
      auto kv = round_to(rvec(size_t(p.B) * p.Nkv * p.Tk * p.D, seed++), dt);
      auto vv = round_to(rvec(size_t(p.B) * p.Nkv * p.Tk * p.Dv, seed++), dt);
      auto gv = round_to(rvec(size_t(p.B) * p.Nq * p.Tq * p.Dv, seed++), dt);
      std::vector<double> mv;
      std::optional<array> mask;
      size_t mn = size_t(p.B) * p.Nq * p.Tq * p.Tk;
      if (c.mask_kind == 2) {
        auto u = rvec(mn, seed++, 0, 1);
        for (auto x : u) mv.push_back(x < 0.7 ? 1.0 : 0.0);
        // One fully masked row.
        for (int j = 0; j < p.Tk; ++j) mv[j] = 0;
        mask = astype(array(mv, {p.B, p.Nq, p.Tq, p.Tk}, float64), bool_);
      } else if (c.mask_kind == 3) {
        mv = round_to(rvec(mn, seed++), dt);
        mask = astype(array(mv, {p.B, p.Nq, p.Tq, p.Tk}, float64), dt);
      }
      auto q = astype(array(qv, {p.B, p.Nq, p.Tq, p.D}, float64), dt);
      auto k = astype(array(kv, {p.B, p.Nkv, p.Tk, p.D}, float64), dt);
      auto v = astype(array(vv, {p.B, p.Nkv, p.Tk, p.Dv}, float64), dt);
      auto g = astype(array(gv, {p.B, p.Nq, p.Tq, p.Dv}, float64), dt);
      float scale = float(1.0 / std::sqrt(double(p.D)));
      bool fused = false, fb = true;
      auto gf = grads_with("fused", q, k, v, mask, c.mode, scale, g, &fused);
      auto gb = grads_with("fallback", q, k, v, mask, c.mode, scale, g, &fb);
      EXPECT_TRUE(fused) << what;
      EXPECT_FALSE(fb) << what;
      int mk = c.mode == "causal" ? 1 : c.mask_kind;
      // Reference on the dtype-rounded scaled queries, as the kernels see them.
      auto ref = ref_backward(p, qv, kv, vv, gv, scale, mk, mv);
      double tol = dt == float32 ? 2e-5 : dt == float16 ? 6e-3 : 4e-2;
      const char* names[] = {"dq", "dk", "dv"};
      const std::vector<double>* rv[] = {&ref.dq, &ref.dk, &ref.dv};
      for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(gf[i].dtype(), dt);
        EXPECT_EQ(gf[i].shape(), (i == 0 ? q : i == 1 ? k : v).shape());
        expect_close_scaled(gf[i], *rv[i], tol, what + " fused " + names[i]);
        expect_close_scaled(gb[i], *rv[i], tol, what + " fallback " + names[i]);
      }
    }
  }
}

TEST(FastSDPAVJP, FiniteDifferences) {
  CpuDefault cpu_default;
  auto q = array(rvec(64, 7), {1, 2, 4, 8}, float64);
  auto k = array(rvec(48, 8), {1, 1, 6, 8}, float64);
  auto v = array(rvec(48, 9), {1, 1, 6, 8}, float64);
  // float32 inputs (the fused path's dtypes), finite differences in float64
  // through the float64 composed op.
  auto qf = astype(q, float32), kf = astype(k, float32), vf = astype(v, float32);
  auto gv = rvec(64, 10);
  auto g = array(gv, {1, 2, 4, 8}, float32);
  bool fused = false;
  auto gr = grads_with("fused", qf, kf, vf, std::nullopt, "causal", 0.3f, g, &fused);
  EXPECT_TRUE(fused);
  auto loss = [&](const array& qq, const array& kk, const array& vv) {
    auto o = fast::scaled_dot_product_attention(qq, kk, vv, 0.3f, "causal");
    return to_vector(sum(multiply(o, array(gv, {1, 2, 4, 8}, float64))))[0];
  };
  const double h = 1e-6;
  std::vector<array> xs = {q, k, v};
  for (int which = 0; which < 3; ++which) {
    auto base = to_vector(xs[which]);
    auto got = to_vector(gr[which]);
    for (size_t i = 0; i < base.size(); i += 5) {
      auto plus = base, minus = base;
      plus[i] += h;
      minus[i] -= h;
      auto xp = xs, xm = xs;
      xp[which] = array(plus, xs[which].shape(), float64);
      xm[which] = array(minus, xs[which].shape(), float64);
      double fd = (loss(xp[0], xp[1], xp[2]) - loss(xm[0], xm[1], xm[2])) / (2 * h);
      EXPECT_NEAR(got[i], fd, 2e-4) << "input " << which << " index " << i;
    }
  }
}

TEST(FastSDPAVJP, SecondOrderMaskGradJvpVmap) {
  CpuDefault cpu_default;
  EnvGuard guard("EMBER_SDPA_VJP", "fused");
  int B = 1, Nq = 2, Nkv = 1, Tq = 4, Tk = 5, D = 8;
  auto q = array(rvec(B * Nq * Tq * D, 20), {B, Nq, Tq, D}, float32);
  auto k = array(rvec(B * Nkv * Tk * D, 21), {B, Nkv, Tk, D}, float32);
  auto v = array(rvec(B * Nkv * Tk * D, 22), {B, Nkv, Tk, D}, float32);
  auto m = array(rvec(B * Nq * Tq * Tk, 23), {B, Nq, Tq, Tk}, float32);
  auto w = array(rvec(B * Nq * Tq * D, 24), {B, Nq, Tq, D}, float32);
  float sc = 0.35f;

  // Second order: d/dq sum(w * d/dq sum(sdpa * w)), fused vs fallback.
  auto second = [&](const char* env) {
    EnvGuard g2("EMBER_SDPA_VJP", env);
    auto inner = [&](const std::vector<array>& xs) {
      std::function<array(const std::vector<array>&)> f =
          [&](const std::vector<array>& ys) {
            return sum(multiply(
                fast::scaled_dot_product_attention(ys[0], xs[1], xs[2], sc, "causal"),
                w));
          };
      auto gq = grad(f, 0)({xs[0]})[0];
      return std::vector<array>{sum(multiply(gq, w))};
    };
    auto r = vjp(inner, {q, k, v}, {array(1.0f)}).second;
    eval(r);
    return r;
  };
  auto sf = second("fused"), sb = second("fallback");
  for (int i = 0; i < 3; ++i) {
    expect_close_scaled(sf[i], to_vector(sb[i]), 1e-4, "second order " + std::to_string(i));
  }

  // Gradient w.r.t. an additive mask: the composed path, same values.
  auto with_mask = [&](const char* env) {
    EnvGuard g2("EMBER_SDPA_VJP", env);
    auto f = [&](const std::vector<array>& xs) {
      return std::vector<array>{fast::scaled_dot_product_attention(
          xs[0], xs[1], xs[2], sc, "", xs[3])};
    };
    auto r = vjp(f, {q, k, v, m}, {w}).second;
    eval(r);
    return r;
  };
  auto mf = with_mask("fused"), mb = with_mask("fallback");
  for (int i = 0; i < 4; ++i) {
    expect_close_scaled(mf[i], to_vector(mb[i]), 1e-5, "mask grads " + std::to_string(i));
  }

  // jvp and vmap under the flag (the forward has two outputs in a trace).
  auto fj = [&](const std::vector<array>& xs) {
    return std::vector<array>{
        fast::scaled_dot_product_attention(xs[0], xs[1], xs[2], sc, "causal")};
  };
  auto [jo, jt] = jvp(fj, {q, k, v}, {w, zeros_like(k), zeros_like(v)});
  EnvGuard g3("EMBER_SDPA_VJP", "fallback");
  auto [jo2, jt2] = jvp(fj, {q, k, v}, {w, zeros_like(k), zeros_like(v)});
  expect_close_scaled(jt[0], to_vector(jt2[0]), 1e-5, "jvp");
  expect_close_scaled(jo[0], to_vector(jo2[0]), 1e-6, "jvp primal");
  ::setenv("EMBER_SDPA_VJP", "fused", 1);
  auto qs = stack({q, multiply(q, array(0.5f))}, 0);
  auto vm = vmap(fj, {0, std::nullopt, std::nullopt})({qs, k, v})[0];
  auto d0 = fast::scaled_dot_product_attention(q, k, v, sc, "causal");
  auto d1 = fast::scaled_dot_product_attention(multiply(q, array(0.5f)), k, v, sc, "causal");
  expect_close_scaled(vm, to_vector(stack({d0, d1}, 0)), 1e-6, "vmap");
}

TEST(FastSDPAVJP, DefaultCpuKeepsComposedPath) {
  CpuDefault cpu_default;
  // Without the flag the CPU differentiates the composed fallback.
  ::unsetenv("EMBER_SDPA_VJP");
  auto q = array(rvec(32, 40), {1, 1, 4, 8}, float32);
  bool fused = true;
  auto g = array(rvec(32, 41), {1, 1, 4, 8}, float32);
  auto f = [&](const std::vector<array>& xs) {
    auto o = fast::scaled_dot_product_attention(xs[0], xs[0], xs[0], 0.5f);
    fused = o.siblings().size() == 1;
    return std::vector<array>{o};
  };
  auto r = vjp(f, {q}, {g}).second;
  eval(r);
  EXPECT_FALSE(fused);
}

}  // namespace
}  // namespace ember
