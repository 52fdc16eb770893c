// CPU kernels of random primitives.
// RandomBits: Threefry-2x32 with 20 rounds per counter pair; each key fills
// W = ceil(bytes/4) words as pairs (w[i], w[i+h+o]) = threefry(key, (i, h+o+i))
// plus w[h] = threefry(key, (h, 0)).x0 when W is odd. Pure compute (~80 ALU
// ops per 8 bytes); the counter loop vectorises and is split across cores.
// PsdSqrt / PsdSqrtSylvester: per matrix, cyclic Jacobi eigendecomposition in
// float64 (O(n^3) per sweep), then Q f(L) Q^T; matrices split across cores.
#include <cmath>
#include <cstring>
#include <vector>

#include "ember/backend/cpu/copy.h"
#include "ember/backend/cpu/elementwise.h"
#include "ember/primitives/random.h"

namespace ember {

namespace {
inline uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

// Threefry-2x32-20 of counter (c0, c1) under key (k0, k1).
inline void threefry(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t c1,
                     uint32_t& o0, uint32_t& o1) {
  const uint32_t ks[3] = {k0, k1, k0 ^ k1 ^ 0x1BD11BDAu};
  static constexpr int rot[2][4] = {{13, 15, 26, 6}, {17, 29, 16, 24}};
  uint32_t x0 = c0 + ks[0], x1 = c1 + ks[1];
  for (int g = 0; g < 5; ++g) {
    for (int r = 0; r < 4; ++r) {
      x0 += x1;
      x1 = rotl(x1, rot[g % 2][r]) ^ x0;
    }
    x0 += ks[(g + 1) % 3];
    x1 += ks[(g + 2) % 3] + uint32_t(g) + 1u;
  }
  o0 = x0;
  o1 = x1;
}

// `in` itself when row-contiguous, else a row-contiguous copy.
array row_major(const array& in) {
  if (in.flags().row_contiguous) return in;
  array c(allocator::malloc(std::max<size_t>(in.nbytes(), 1)), in.shape(),
          in.dtype());
  cpu::copy_strided(in, c, c.strides());
  return c;
}

// Fills `words` (W of them) for one key.
void key_words(uint32_t k0, uint32_t k1, uint32_t* w, int64_t W) {
  int64_t h = W / 2, o = W % 2;
  for (int64_t i = 0; i < h; ++i) {
    threefry(k0, k1, uint32_t(i), uint32_t(h + o + i), w[i], w[i + h + o]);
  }
  if (o) {
    uint32_t unused;
    threefry(k0, k1, uint32_t(h), 0u, w[h], unused);
  }
}
}  // namespace

void RandomBits::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& keys_in = inputs[0];
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  if (out.size() == 0) return;
  array keys = row_major(keys_in);
  const uint32_t* kp = keys.data<uint32_t>();
  int64_t num_keys = int64_t(keys.size() / 2);
  int64_t bytes = int64_t(out.nbytes()) / num_keys;
  int64_t W = (bytes + 3) / 4;
  char* dst = static_cast<char*>(out.raw_data());
  if (bytes % 4 == 0) {
    // Words go straight to the output; large single keys split by pairs.
    int64_t h = W / 2, o = W % 2;
    if (num_keys == 1) {
      uint32_t* w = reinterpret_cast<uint32_t*>(dst);
      uint32_t k0 = kp[0], k1 = kp[1];
      scheduler::parallel_for(h, 1 << 12, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          threefry(k0, k1, uint32_t(i), uint32_t(h + o + i), w[i], w[i + h + o]);
        }
      });
      if (o) {
        uint32_t unused;
        threefry(k0, k1, uint32_t(h), 0u, w[h], unused);
      }
      return;
    }
    scheduler::parallel_for(num_keys, std::max<int64_t>(1, 4096 / W),
                            [&](int64_t b, int64_t e) {
      for (int64_t k = b; k < e; ++k) {
        key_words(kp[2 * k], kp[2 * k + 1],
                  reinterpret_cast<uint32_t*>(dst + k * bytes), W);
      }
    });
    return;
  }
  // Partial last word: compute into scratch and keep the first `bytes`.
  scheduler::parallel_for(num_keys, std::max<int64_t>(1, 4096 / W),
                          [&](int64_t b, int64_t e) {
    std::vector<uint32_t> tmp(W);
    for (int64_t k = b; k < e; ++k) {
      key_words(kp[2 * k], kp[2 * k + 1], tmp.data(), W);
      std::memcpy(dst + k * bytes, tmp.data(), size_t(bytes));
    }
  });
}

namespace {
// Cyclic Jacobi: a (n x n, symmetric, destroyed) -> eigenvalues ev and
// column eigenvectors q (row-major q[i*n + j] = component i of vector j).
void jacobi_eigh(std::vector<double>& a, int n, std::vector<double>& ev,
                 std::vector<double>& q) {
  q.assign(size_t(n) * n, 0.0);
  for (int i = 0; i < n; ++i) q[i * n + i] = 1.0;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, diag = 0;
    for (int i = 0; i < n; ++i) {
      diag += a[i * n + i] * a[i * n + i];
      for (int j = i + 1; j < n; ++j) off += a[i * n + j] * a[i * n + j];
    }
    if (off <= 1e-30 * diag || off == 0) break;
    for (int p = 0; p < n; ++p) {
      for (int r = p + 1; r < n; ++r) {
        double apr = a[p * n + r];
        if (apr == 0) continue;
        double theta = (a[r * n + r] - a[p * n + p]) / (2 * apr);
        double t = (theta >= 0 ? 1.0 : -1.0) /
                   (std::abs(theta) + std::sqrt(theta * theta + 1));
        double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < n; ++k) {  // columns p, r
          double akp = a[k * n + p], akr = a[k * n + r];
          a[k * n + p] = c * akp - s * akr;
          a[k * n + r] = s * akp + c * akr;
        }
        for (int k = 0; k < n; ++k) {  // rows p, r
          double apk = a[p * n + k], ark = a[r * n + k];
          a[p * n + k] = c * apk - s * ark;
          a[r * n + k] = s * apk + c * ark;
        }
        for (int k = 0; k < n; ++k) {
          double qkp = q[k * n + p], qkr = q[k * n + r];
          q[k * n + p] = c * qkp - s * qkr;
          q[k * n + r] = s * qkp + c * qkr;
        }
      }
    }
  }
  ev.resize(n);
  for (int i = 0; i < n; ++i) ev[i] = a[i * n + i];
}

// Reads matrix m of `in` (row-contiguous) as doubles.
template <typename T>
void load(const T* p, int64_t n, std::vector<double>& a) {
  a.resize(size_t(n) * n);
  for (int64_t i = 0; i < n * n; ++i) a[i] = double(acc_t<T>(p[i]));
}

}  // namespace

void PsdSqrt::eval_cpu(const std::vector<array>& inputs, array& out) {
  array in = row_major(inputs[0]);
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  int64_t n = in.shape(-1);
  if (out.size() == 0) return;
  int64_t batch = int64_t(in.size()) / (n * n);
  dispatch_float(out.dtype(), "PsdSqrt", [&](auto tag) {
    using T = decltype(tag);
    const T* src = in.data<T>();
    T* dst = out.data<T>();
    scheduler::parallel_for(batch, 1, [&](int64_t b, int64_t e) {
      std::vector<double> a, ev, q;
      for (int64_t m = b; m < e; ++m) {
        load(src + m * n * n, n, a);
        jacobi_eigh(a, int(n), ev, q);
        for (auto& v : ev) v = std::sqrt(std::max(v, 0.0));
        for (int64_t i = 0; i < n; ++i) {
          for (int64_t j = 0; j < n; ++j) {
            double acc = 0;
            for (int64_t k = 0; k < n; ++k) acc += q[i * n + k] * ev[k] * q[j * n + k];
            dst[m * n * n + i * n + j] = T(acc);
          }
        }
      }
    });
  });
}

void PsdSqrtSylvester::eval_cpu(const std::vector<array>& inputs, array& out) {
  array x = row_major(inputs[0]);
  array g = row_major(inputs[1]);
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  int64_t n = x.shape(-1);
  if (out.size() == 0) return;
  int64_t batch = int64_t(x.size()) / (n * n);
  dispatch_float(out.dtype(), "PsdSqrtSylvester", [&](auto tag) {
    using T = decltype(tag);
    const T* xs = x.data<T>();
    const T* gs = g.data<T>();
    T* dst = out.data<T>();
    scheduler::parallel_for(batch, 1, [&](int64_t b, int64_t e) {
      std::vector<double> a, gm, ev, q, t(n * n), u(n * n);
      for (int64_t m = b; m < e; ++m) {
        load(xs + m * n * n, n, a);
        load(gs + m * n * n, n, gm);
        jacobi_eigh(a, int(n), ev, q);
        // t = Q^T G Q, scaled by 1 / (s_i + s_j); then D = Q t Q^T.
        for (int64_t i = 0; i < n; ++i)
          for (int64_t j = 0; j < n; ++j) {
            double acc = 0;
            for (int64_t k = 0; k < n; ++k) acc += q[k * n + i] * gm[k * n + j];
            u[i * n + j] = acc;
          }
        for (int64_t i = 0; i < n; ++i)
          for (int64_t j = 0; j < n; ++j) {
            double acc = 0;
            for (int64_t k = 0; k < n; ++k) acc += u[i * n + k] * q[k * n + j];
            double den = ev[i] + ev[j];
            t[i * n + j] = den > 0 ? acc / den : 0.0;
          }
        for (int64_t i = 0; i < n; ++i)
          for (int64_t j = 0; j < n; ++j) {
            double acc = 0;
            for (int64_t k = 0; k < n; ++k) acc += q[i * n + k] * t[k * n + j];
            u[i * n + j] = acc;
          }
        for (int64_t i = 0; i < n; ++i)
          for (int64_t j = 0; j < n; ++j) {
            double acc = 0;
            for (int64_t k = 0; k < n; ++k) acc += u[i * n + k] * q[j * n + k];
            dst[m * n * n + i * n + j] = T(acc);
          }
      }
    });
  });
}

}  // namespace ember
