// CPU kernels of the fused fast ops.
// RMSNorm / LayerNorm: one pass per row of the last axis (read row into
// float, reduce, write), rows split across cores; traffic = read x once,
// write once. RMSNormVJP / LayerNormVJP: the same per row for the
// backward (read x and the cotangent once, write dx once), weight / bias
// gradients summed per fixed chunk of rows and the chunks added in order.
// RoPE: per row, cos/sin of T x dims/2 angles recomputed per row
// (cheap vs memory), pairs rotated in float. SDPA: per (batch, head, query)
// row, scores over all keys in float, softmax, then a weighted sum of value
// rows; keys/values converted to float once; rows split across cores.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "ember/backend/cpu/copy.h"
#include "ember/backend/cpu/elementwise.h"
#include "ember/primitives/fast.h"

namespace ember {

namespace {
array row_major(const array& in) {
  if (in.flags().row_contiguous) return in;
  array c(allocator::malloc(std::max<size_t>(in.nbytes(), 1)), in.shape(),
          in.dtype());
  cpu::copy_strided(in, c, c.strides());
  return c;
}

// Reads a 1-D (possibly strided) array as Acc values.
template <typename Acc>
std::vector<Acc> read_vector(const array& a) {
  std::vector<Acc> v(a.size());
  dispatch_all(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, complex64_t>) {
      const T* p = a.data<T>();
      int64_t s = a.ndim() ? a.strides(0) : 0;
      for (size_t i = 0; i < v.size(); ++i) v[i] = cpu::convert<Acc>(p[i * s]);
    }
  });
  return v;
}

template <typename T>
using compute_t = std::conditional_t<std::is_same_v<T, double>, double, float>;

// Writes row xr as C values minus their mean (LayerNorm; RMSNorm keeps x)
// into buf and returns 1 / sqrt(mean(buf^2) + eps): the normalisation that
// LayerNorm's forward and both norms' backward share.
template <typename X, typename C>
C center_row(const X* xr, int64_t d, bool subtract_mean, float eps, C* buf) {
  C sum = 0;
  for (int64_t i = 0; i < d; ++i) {
    buf[i] = C(xr[i]);
    sum += buf[i];
  }
  C mu = subtract_mean ? sum / C(d) : C(0);
  C ss = 0;
  for (int64_t i = 0; i < d; ++i) {
    buf[i] -= mu;
    ss += buf[i] * buf[i];
  }
  return C(1) / std::sqrt(ss / C(d) + C(eps));
}
}  // namespace

void RMSNorm::eval_cpu(const std::vector<array>& inputs, array& out) {
  array x = row_major(inputs[0]);
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  if (out.size() == 0) return;
  int64_t d = x.shape(-1);
  int64_t rows = int64_t(x.size()) / d;
  dispatch_float(out.dtype(), "rms_norm", [&](auto otag) {
    using O = decltype(otag);
    using C = compute_t<O>;
    std::vector<C> w;
    if (has_weight_) w = read_vector<C>(inputs[1]);
    dispatch_float(x.dtype(), "rms_norm", [&](auto xtag) {
      using X = decltype(xtag);
      const X* xp = x.data<X>();
      O* op = out.data<O>();
      scheduler::parallel_for(rows, std::max<int64_t>(1, 8192 / d),
                              [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r) {
          const X* xr = xp + r * d;
          O* orow = op + r * d;
          C ss = 0;
          for (int64_t i = 0; i < d; ++i) {
            C v = C(xr[i]);
            ss += v * v;
          }
          C inv = C(1) / std::sqrt(ss / C(d) + C(eps_));
          if (has_weight_) {
            // Cast to the output dtype first, then scale (as the reference).
            for (int64_t i = 0; i < d; ++i)
              orow[i] = O(C(O(C(xr[i]) * inv)) * w[i]);
          } else {
            for (int64_t i = 0; i < d; ++i) orow[i] = O(C(xr[i]) * inv);
          }
        }
      });
    });
  });
}

void LayerNorm::eval_cpu(const std::vector<array>& inputs, array& out) {
  array x = row_major(inputs[0]);
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  if (out.size() == 0) return;
  int64_t d = x.shape(-1);
  int64_t rows = int64_t(x.size()) / d;
  dispatch_float(out.dtype(), "layer_norm", [&](auto otag) {
    using O = decltype(otag);
    using C = compute_t<O>;
    std::vector<C> w, bias;
    int i_in = 1;
    if (has_weight_) w = read_vector<C>(inputs[i_in++]);
    if (has_bias_) bias = read_vector<C>(inputs[i_in]);
    dispatch_float(x.dtype(), "layer_norm", [&](auto xtag) {
      using X = decltype(xtag);
      const X* xp = x.data<X>();
      O* op = out.data<O>();
      scheduler::parallel_for(rows, std::max<int64_t>(1, 8192 / d),
                              [&](int64_t b, int64_t e) {
        std::vector<C> row(d);
        for (int64_t r = b; r < e; ++r) {
          const X* xr = xp + r * d;
          O* orow = op + r * d;
          C inv = center_row(xr, d, true, eps_, row.data());
          for (int64_t i = 0; i < d; ++i) {
            C y = C(O(row[i] * inv));
            if (has_weight_) y = C(O(y * w[i]));
            if (has_bias_) y = y + bias[i];
            orow[i] = O(y);
          }
        }
      });
    });
  });
}

namespace {
// Fused backward of RMSNorm (layer = false) and LayerNorm. Inputs (x,
// [weight,] cotangent g) with x and g in one float dtype T; outputs (dx[,
// dweight][, dbias]). Per row, in C (float, double for float64): n = x
// normalised, gw = g * weight, dx = r * (gw - mean(gw) [LayerNorm] - n *
// mean(gw * n)). dweight / dbias: rows are cut into a fixed number of chunks
// (independent of the thread count), each chunk sums its rows into its own
// partial vector, and the partials are added in chunk order, so results are
// deterministic. Traffic: one read of x and g, one write of dx.
void norm_vjp_cpu(bool layer, float eps, bool hw, bool hb,
                  const std::vector<array>& inputs, std::vector<array>& outputs,
                  const char* name) {
  array x = row_major(inputs[0]);
  array g = row_major(inputs.back());
  for (auto& o : outputs) o.set_data(allocator::malloc(std::max<size_t>(o.nbytes(), 1)));
  int64_t d = x.shape(-1);
  int64_t rows = d > 0 ? int64_t(x.size()) / d : 0;
  dispatch_float(outputs[0].dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    std::vector<C> w;
    if (hw) w = read_vector<C>(inputs[1]);
    const int nout = int(hw) + int(hb);
    int64_t nchunks = std::clamp<int64_t>(rows * d / 4096, 1, 64);
    nchunks = std::min(nchunks, rows);
    int64_t per = nchunks > 0 ? (rows + nchunks - 1) / nchunks : 0;
    if (per > 0) nchunks = (rows + per - 1) / per;
    std::vector<C> part(size_t(nchunks * nout * d), C(0));
    const T* xp = x.data<T>();
    const T* gp = g.data<T>();
    T* dxp = outputs[0].data<T>();
    scheduler::parallel_for(nchunks, 1, [&](int64_t cb, int64_t ce) {
      std::vector<C> n(d), gw(d);
      for (int64_t c = cb; c < ce; ++c) {
        C* pw = hw ? part.data() + (c * nout) * d : nullptr;
        C* pb = hb ? part.data() + (c * nout + nout - 1) * d : nullptr;
        int64_t r_end = std::min(rows, (c + 1) * per);
        for (int64_t r = c * per; r < r_end; ++r) {
          const T* xr = xp + r * d;
          const T* gr = gp + r * d;
          T* dr = dxp + r * d;
          C inv = center_row(xr, d, layer, eps, n.data());
          C sg = 0, sgn = 0;
          for (int64_t i = 0; i < d; ++i) {
            n[i] *= inv;
            C gi = C(gr[i]);
            if (pw) pw[i] += gi * n[i];
            if (pb) pb[i] += gi;
            C gwi = hw ? gi * w[i] : gi;
            gw[i] = gwi;
            sg += gwi;
            sgn += gwi * n[i];
          }
          C mg = layer ? sg / C(d) : C(0);
          C mgn = sgn / C(d);
          for (int64_t i = 0; i < d; ++i) dr[i] = T(inv * (gw[i] - mg - n[i] * mgn));
        }
      }
    });
    for (int k = 0; k < nout; ++k) {
      array& o = outputs[1 + k];
      dispatch_float(o.dtype(), name, [&](auto otag) {
        using O = decltype(otag);
        O* op = o.data<O>();
        for (int64_t i = 0; i < d; ++i) {
          C acc = 0;
          for (int64_t c = 0; c < nchunks; ++c) acc += part[(c * nout + k) * d + i];
          op[i] = O(acc);
        }
      });
    }
  });
}
}  // namespace

void RMSNormVJP::eval_cpu(const std::vector<array>& inputs,
                          std::vector<array>& outputs) {
  norm_vjp_cpu(false, eps_, has_weight_, false, inputs, outputs, "rms_norm");
}

void LayerNormVJP::eval_cpu(const std::vector<array>& inputs,
                            std::vector<array>& outputs) {
  norm_vjp_cpu(true, eps_, has_weight_, has_bias_, inputs, outputs,
               "layer_norm");
}

void RoPE::eval_cpu(const std::vector<array>& inputs, array& out) {
  array x = row_major(inputs[0]);
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  if (out.size() == 0) return;
  int nd = x.ndim();
  int64_t D = x.shape(-1), T = x.shape(-2), B = x.shape(0);
  int64_t rows = int64_t(x.size()) / D;
  int64_t per_batch = rows / std::max<int64_t>(B, 1);
  int half = dims_ / 2;
  auto offs = read_vector<double>(inputs[1]);
  std::vector<float> inv(half);
  if (has_freqs_) {
    auto f = read_vector<float>(inputs[2]);
    for (int i = 0; i < half; ++i) inv[i] = 1.0f / f[i];
  } else {
    for (int i = 0; i < half; ++i) {
      inv[i] = std::pow(base_, -float(2 * i) / float(dims_));
    }
  }
  (void)nd;
  dispatch_float(out.dtype(), "rope", [&](auto tag) {
    using X = decltype(tag);
    using C = compute_t<X>;
    const X* xp = x.data<X>();
    X* op = out.data<X>();
    scheduler::parallel_for(rows, std::max<int64_t>(1, 4096 / D),
                            [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        int64_t t = r % T;
        double off = offs.size() == 1 ? offs[0] : offs[r / per_batch];
        float pos = (float(t) + float(off)) * scale_;
        const X* xr = xp + r * D;
        X* orow = op + r * D;
        for (int i = 0; i < half; ++i) {
          float th = pos * inv[i];
          // cos/sin rounded to the input dtype, as the reference does.
          C c = C(X(std::cos(th))), s = C(X(std::sin(th)));
          int64_t i1 = traditional_ ? 2 * i : i;
          int64_t i2 = traditional_ ? 2 * i + 1 : i + half;
          C x1 = C(xr[i1]), x2 = C(xr[i2]);
          orow[i1] = X(x1 * c - x2 * s);
          orow[i2] = X(x1 * s + x2 * c);
        }
        for (int64_t i = dims_; i < D; ++i) orow[i] = xr[i];
      }
    });
  });
}

namespace {
// The dtype's lowest finite value, what masked scores become.
template <typename O, typename C>
C masked_low() {
  return C(std::is_same_v<O, double> ? std::numeric_limits<double>::lowest()
           : std::is_same_v<O, float16_t>  ? -65504.0
           : std::is_same_v<O, bfloat16_t> ? -3.3895313892515355e38
                                           : double(std::numeric_limits<float>::lowest()));
}

// Any float array as a row-major buffer of C values (rounded through O first,
// as the reference casts inputs to the output dtype).
template <typename O, typename C>
std::vector<C> to_compute(const array& a) {
  std::vector<C> buf(a.size());
  dispatch_float(a.dtype(), "scaled_dot_product_attention", [&](auto t2) {
    using I = decltype(t2);
    const I* p = a.data<I>();
    scheduler::parallel_for(int64_t(a.size()), cpu::kGrain,
                            [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) buf[i] = C(O(p[i]));
    });
  });
  return buf;
}
}  // namespace

void ScaledDotProductAttention::eval_cpu(const std::vector<array>& inputs,
                                         std::vector<array>& outputs) {
  array& out = outputs[0];
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  float* lse = nullptr;
  if (output_lse_) {
    outputs[1].set_data(allocator::malloc(std::max<size_t>(outputs[1].nbytes(), 1)));
    lse = outputs[1].data<float>();
  }
  if (out.size() == 0) {
    // Tk == 0 rows (empty softmax): logsumexp -inf.
    if (lse) {
      for (size_t i = 0; i < outputs[1].size(); ++i) {
        lse[i] = -std::numeric_limits<float>::infinity();
      }
    }
    return;
  }
  array q = row_major(inputs[0]), k = row_major(inputs[1]),
        v = row_major(inputs[2]);
  int64_t B = q.shape(0), Nq = q.shape(1), Tq = q.shape(2), D = q.shape(3);
  int64_t Nkv = k.shape(1), Tk = k.shape(2), Dv = v.shape(3);
  int64_t G = Nq / Nkv;
  int idx = 3;
  const array* mask = mask_kind_ >= 2 ? &inputs[idx++] : nullptr;
  std::vector<double> sinks;
  if (has_sinks_) sinks = read_vector<double>(inputs[idx]);
  dispatch_float(out.dtype(), "scaled_dot_product_attention", [&](auto tag) {
    using O = decltype(tag);
    using C = compute_t<O>;
    // Keys/values in the compute type, once.
    auto kc = to_compute<O, C>(k), vc = to_compute<O, C>(v),
         qc = to_compute<O, C>(q);
    const C low = masked_low<O, C>();
    const Strides mst = mask ? mask->strides() : Strides{};
    O* op = out.data<O>();
    int64_t rows = B * Nq * Tq;
    int64_t work = std::max<int64_t>(1, Tk * (D + Dv));
    scheduler::parallel_for(rows, std::max<int64_t>(1, 16384 / work),
                            [&](int64_t b0, int64_t e0) {
      std::vector<C> sc(Tk), acc(Dv), qs(D);
      for (int64_t r = b0; r < e0; ++r) {
        int64_t i = r % Tq, h = (r / Tq) % Nq, b = r / (Tq * Nq);
        int64_t kvh = h / G;
        const C* qr = qc.data() + r * D;
        // scale * q, rounded to the dtype like the reference.
        for (int64_t d = 0; d < D; ++d) qs[d] = C(O(qr[d] * C(scale_)));
        const C* kb = kc.data() + (b * Nkv + kvh) * Tk * D;
        const C* vb = vc.data() + (b * Nkv + kvh) * Tk * Dv;
        C m = has_sinks_ ? C(O(sinks[h])) : -std::numeric_limits<C>::infinity();
        for (int64_t j = 0; j < Tk; ++j) {
          const C* kr = kb + j * D;
          C dot = 0;
          for (int64_t d = 0; d < D; ++d) dot += qs[d] * kr[d];
          if (mask_kind_ == 1) {
            if (j > i + Tk - Tq) dot = low;
          } else if (mask) {
            int64_t loc = b * mst[0] + h * mst[1] + i * mst[2] + j * mst[3];
            if (mask_kind_ == 2) {
              if (!mask->data<bool>()[loc]) dot = low;
            } else {
              dot += C(mask->data<O>()[loc]);
            }
          }
          sc[j] = dot;
          m = std::max(m, dot);
        }
        C denom = has_sinks_ ? std::exp(C(O(sinks[h])) - m) : C(0);
        for (int64_t j = 0; j < Tk; ++j) {
          sc[j] = std::exp(sc[j] - m);
          denom += sc[j];
        }
        if (lse) lse[r] = float(m + std::log(denom));
        std::fill(acc.begin(), acc.end(), C(0));
        for (int64_t j = 0; j < Tk; ++j) {
          C p = sc[j];
          const C* vr = vb + j * Dv;
          for (int64_t d = 0; d < Dv; ++d) acc[d] += p * vr[d];
        }
        O* orow = op + r * Dv;
        C invd = denom > 0 ? C(1) / denom : C(0);
        for (int64_t d = 0; d < Dv; ++d) orow[d] = O(acc[d] * invd);
      }
    });
  });
}

// Attention backward from the forward's logsumexp: P = exp(S - lse),
// dV = P^T dO, dS = P * (dO V^T - rowsum(dO * O)), dQ = scale dS K,
// dK = dS^T (scale Q). Scores whose value the mask replaced (causal / bool)
// pass no gradient to q and k. Two passes, each parallel without write
// conflicts: query rows (dQ), then key rows of each kv head (dK, dV), each
// recomputing the scores it needs.
void ScaledDotProductAttentionVJP::eval_cpu(const std::vector<array>& inputs,
                                            std::vector<array>& outputs) {
  for (auto& o : outputs) {
    o.set_data(allocator::malloc(std::max<size_t>(o.nbytes(), 1)));
  }
  const int mk = mask_kind_ >= 2 ? 1 : 0;
  array q = row_major(inputs[0]), k = row_major(inputs[1]),
        v = row_major(inputs[2]);
  const array* mask = mk ? &inputs[3] : nullptr;
  // inputs[4 + mk] (the forward's logsumexp) is not needed here: see below.
  array o = row_major(inputs[3 + mk]), dout = row_major(inputs[5 + mk]);
  int64_t B = q.shape(0), Nq = q.shape(1), Tq = q.shape(2), D = q.shape(3);
  int64_t Nkv = k.shape(1), Tk = k.shape(2), Dv = v.shape(3);
  int64_t G = Nkv > 0 ? Nq / Nkv : 1;
  dispatch_float(outputs[0].dtype(), "scaled_dot_product_attention_vjp",
                 [&](auto tag) {
    using O = decltype(tag);
    using C = compute_t<O>;
    auto qc = to_compute<O, C>(q), kc = to_compute<O, C>(k),
         vc = to_compute<O, C>(v), oc = to_compute<O, C>(o),
         gc = to_compute<O, C>(dout);
    const C low = masked_low<O, C>();
    const C scale = C(scale_);
    const Strides mst = mask ? mask->strides() : Strides{};
    int64_t rows = B * Nq * Tq;
    // Scaled queries (rounded like the forward) and rowsum(dO * O).
    std::vector<C> qs(rows * D), delta(rows), rmax(rows), rlog(rows);
    scheduler::parallel_for(rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, D + Dv)),
                            [&](int64_t b0, int64_t e0) {
      for (int64_t r = b0; r < e0; ++r) {
        for (int64_t d = 0; d < D; ++d) qs[r * D + d] = C(O(qc[r * D + d] * scale));
        C acc = 0;
        for (int64_t d = 0; d < Dv; ++d) acc += gc[r * Dv + d] * oc[r * Dv + d];
        delta[r] = acc;
      }
    });
    // Score of (row r = (b, h, i), key j); `keep` false when the mask
    // replaced it.
    auto score = [&](int64_t r, int64_t b, int64_t h, int64_t i, int64_t kvh,
                     int64_t j, bool& keep) {
      const C* qr = qs.data() + r * D;
      const C* kr = kc.data() + ((b * Nkv + kvh) * Tk + j) * D;
      C dot = 0;
      for (int64_t d = 0; d < D; ++d) dot += qr[d] * kr[d];
      keep = true;
      if (mask_kind_ == 1) {
        keep = j <= i + Tk - Tq;
      } else if (mask) {
        int64_t loc = b * mst[0] + h * mst[1] + i * mst[2] + j * mst[3];
        if (mask_kind_ == 2) {
          keep = mask->data<bool>()[loc];
        } else {
          dot += C(mask->data<O>()[loc]);
        }
      }
      if (!keep) dot = low;
      return dot;
    };
    // The softmax normaliser of each row as (max, log of the shifted sum),
    // recomputed rather than read from the float32 logsumexp input, which
    // can't hold max + log(sum) when the max is a masked row's huge
    // negative value (fully masked rows average v).
    scheduler::parallel_for(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, Tk * D)),
                            [&](int64_t b0, int64_t e0) {
      std::vector<C> sc(Tk);
      for (int64_t r = b0; r < e0; ++r) {
        int64_t i = r % Tq, h = (r / Tq) % Nq, b = r / (Tq * Nq);
        C m = -std::numeric_limits<C>::infinity();
        bool keep;
        for (int64_t j = 0; j < Tk; ++j) {
          sc[j] = score(r, b, h, i, h / G, j, keep);
          m = std::max(m, sc[j]);
        }
        C den = 0;
        for (int64_t j = 0; j < Tk; ++j) den += std::exp(sc[j] - m);
        rmax[r] = m;
        rlog[r] = std::log(den);
      }
    });
    // P and dS of (row r, key j).
    auto probs = [&](int64_t r, int64_t b, int64_t h, int64_t i, int64_t kvh,
                     int64_t j, C& p, C& ds) {
      bool keep;
      C dot = score(r, b, h, i, kvh, j, keep);
      p = std::exp((dot - rmax[r]) - rlog[r]);
      const C* vr = vc.data() + ((b * Nkv + kvh) * Tk + j) * Dv;
      const C* gr = gc.data() + r * Dv;
      C dp = 0;
      for (int64_t d = 0; d < Dv; ++d) dp += gr[d] * vr[d];
      ds = keep ? p * (dp - delta[r]) : C(0);
    };
    int64_t work = std::max<int64_t>(1, Tk * (D + Dv));
    O* dq = outputs[0].data<O>();
    scheduler::parallel_for(rows, std::max<int64_t>(1, 16384 / work),
                            [&](int64_t b0, int64_t e0) {
      std::vector<C> acc(D);
      for (int64_t r = b0; r < e0; ++r) {
        int64_t i = r % Tq, h = (r / Tq) % Nq, b = r / (Tq * Nq);
        int64_t kvh = h / G;
        std::fill(acc.begin(), acc.end(), C(0));
        for (int64_t j = 0; j < Tk; ++j) {
          C p, ds;
          probs(r, b, h, i, kvh, j, p, ds);
          const C* kr = kc.data() + ((b * Nkv + kvh) * Tk + j) * D;
          for (int64_t d = 0; d < D; ++d) acc[d] += ds * kr[d];
        }
        for (int64_t d = 0; d < D; ++d) dq[r * D + d] = O(acc[d] * scale);
      }
    });
    O* dk = outputs[1].data<O>();
    O* dv = outputs[2].data<O>();
    int64_t krows = B * Nkv * Tk;
    int64_t kwork = std::max<int64_t>(1, G * Tq * (D + Dv));
    scheduler::parallel_for(krows, std::max<int64_t>(1, 16384 / kwork),
                            [&](int64_t b0, int64_t e0) {
      std::vector<C> ak(D), av(Dv);
      for (int64_t kr = b0; kr < e0; ++kr) {
        int64_t j = kr % Tk, kvh = (kr / Tk) % Nkv, b = kr / (Tk * Nkv);
        std::fill(ak.begin(), ak.end(), C(0));
        std::fill(av.begin(), av.end(), C(0));
        for (int64_t g = 0; g < G; ++g) {
          int64_t h = kvh * G + g;
          for (int64_t i = 0; i < Tq; ++i) {
            int64_t r = (b * Nq + h) * Tq + i;
            C p, ds;
            probs(r, b, h, i, kvh, j, p, ds);
            const C* qr = qs.data() + r * D;
            const C* gr = gc.data() + r * Dv;
            for (int64_t d = 0; d < D; ++d) ak[d] += ds * qr[d];
            for (int64_t d = 0; d < Dv; ++d) av[d] += p * gr[d];
          }
        }
        for (int64_t d = 0; d < D; ++d) dk[kr * D + d] = O(ak[d]);
        for (int64_t d = 0; d < Dv; ++d) dv[kr * Dv + d] = O(av[d]);
      }
    });
  });
}

}  // namespace ember
