// CPU reductions. The input (made dense if it is not) is viewed in memory
// order: dims sorted by stride, adjacent dims merged. Then
//  - row reduce: the unit-stride dim is reduced; each output is a fold of
//    contiguous runs with independent lanes (vectorised);
//  - column reduce: the unit-stride dim is kept; blocks of output
//    accumulators are updated row by row (vectorised over the block).
// Work is split over outputs, or over the reduced range (per-thread partials)
// when there are too few outputs. Memory traffic: one read of the input.
// ArgReduce, Softmax and LogSumExp process lines along the reduced axes.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "ember/backend/common/utils.h"
#include "ember/backend/cpu/copy.h"
#include "ember/backend/cpu/reduce_ops.h"
#include "ember/backend/cpu/unary_ops.h"
#include "ember/core/scheduler.h"
#include "ember/primitives/reduce.h"

namespace ember {

namespace {

using cpu::convert;
constexpr int64_t kGrain = 1 << 15;

// A dense view of `in`: `in` itself, or a row-contiguous copy.
array dense_input(const array& in) {
  if (in.flags().contiguous && in.data_size() == in.size()) return in;
  array x(allocator::malloc(std::max<size_t>(in.nbytes(), 1)), in.shape(),
          in.dtype());
  cpu::copy_strided(in, x, x.strides());
  return x;
}

struct Dim {
  int64_t n, sin, sout;
  bool red;
};

struct Walk {
  Shape shape;
  Strides in, out;
  int64_t count() const {
    int64_t c = 1;
    for (auto d : shape) c *= d;
    return c;
  }
};

template <typename T, typename Acc, typename Out, typename Op>
void reduce_impl(const array& x, array& out, const std::vector<int>& axes) {
  Op op;
  const T* src = x.data<T>();
  Out* dst = out.data<Out>();
  if (x.size() == 0) {
    Out v = convert<Out>(Op::init());
    std::fill(dst, dst + out.size(), v);
    return;
  }
  Strides ostr = row_strides(out.shape());
  std::vector<Dim> dims;
  for (int i = 0; i < x.ndim(); ++i) {
    if (x.shape(i) == 1) continue;
    bool red = std::find(axes.begin(), axes.end(), i) != axes.end();
    dims.push_back({x.shape(i), x.strides()[i], red ? 0 : ostr[i], red});
  }
  if (dims.empty()) {
    dst[0] = convert<Out>(op(Op::init(), convert<Acc>(src[0])));
    return;
  }
  std::stable_sort(dims.begin(), dims.end(),
                   [](const Dim& a, const Dim& b) { return a.sin > b.sin; });
  std::vector<Dim> merged{dims[0]};
  for (size_t i = 1; i < dims.size(); ++i) {
    Dim& p = merged.back();
    const Dim& d = dims[i];
    if (p.red == d.red && p.sin == d.sin * d.n &&
        (d.red || p.sout == d.sout * d.n)) {
      p.n *= d.n;
      p.sin = d.sin;
      p.sout = d.sout;
    } else {
      merged.push_back(d);
    }
  }
  Dim last = merged.back();
  merged.pop_back();
  Walk kept, red;
  for (auto& d : merged) {
    Walk& w = d.red ? red : kept;
    w.shape.push_back(ShapeElem(d.n));
    w.in.push_back(d.sin);
    w.out.push_back(d.sout);
  }
  int nk = int(kept.shape.size()), nr = int(red.shape.size());
  int64_t nkept = kept.count(), nred = red.count();
  int nt = scheduler::num_threads();
  int64_t total = int64_t(x.size());

  if (last.red) {
    // Row reduce over runs of length L (unit stride).
    int64_t L = last.n;
    if (nkept >= 2 * nt || total < 2 * kGrain) {
      scheduler::parallel_for(
          nkept, std::max<int64_t>(1, kGrain / (L * nred)),
          [&](int64_t b, int64_t e) {
            StridedIterator ki(kept.shape, kept.in, nk), ko(kept.shape, kept.out, nk);
            ki.seek(b);
            ko.seek(b);
            for (int64_t o = b; o < e; ++o) {
              Acc acc = Op::init();
              StridedIterator ri(red.shape, red.in, nr);
              for (int64_t r = 0; r < nred; ++r) {
                acc = cpu::reduce_contiguous(src + ki.loc + ri.loc, L, acc, op);
                ri.step();
              }
              dst[ko.loc] = convert<Out>(acc);
              ki.step();
              ko.step();
            }
          });
      return;
    }
    // Few outputs: split the reduced range into per-thread partials.
    int64_t chunks = std::min<int64_t>(nt, total / kGrain);
    std::unique_ptr<Acc[]> part(new Acc[chunks]);
    StridedIterator ki(kept.shape, kept.in, nk), ko(kept.shape, kept.out, nk);
    for (int64_t o = 0; o < nkept; ++o) {
      bool split_rows = nred >= chunks;
      scheduler::parallel_for(chunks, 1, [&](int64_t cb, int64_t ce) {
        for (int64_t c = cb; c < ce; ++c) {
          Acc acc = Op::init();
          if (split_rows) {
            int64_t per = (nred + chunks - 1) / chunks;
            int64_t rb = c * per, re = std::min(nred, rb + per);
            StridedIterator ri(red.shape, red.in, nr);
            if (rb < re) ri.seek(rb);
            for (int64_t r = rb; r < re; ++r) {
              acc = cpu::reduce_contiguous(src + ki.loc + ri.loc, L, acc, op);
              ri.step();
            }
          } else {
            int64_t per = (L + chunks - 1) / chunks;
            int64_t lb = c * per, le = std::min(L, lb + per);
            StridedIterator ri(red.shape, red.in, nr);
            for (int64_t r = 0; r < nred && lb < le; ++r) {
              acc = cpu::reduce_contiguous(src + ki.loc + ri.loc + lb, le - lb,
                                           acc, op);
              ri.step();
            }
          }
          part[c] = acc;
        }
      });
      Acc acc = Op::init();
      for (int64_t c = 0; c < chunks; ++c) acc = op(acc, part[c]);
      dst[ko.loc] = convert<Out>(acc);
      ki.step();
      ko.step();
    }
    return;
  }

  // Column reduce: unit-stride kept dim of length M, blocks of B accumulators
  // (wide blocks keep each row read contiguous and prefetch-friendly).
  constexpr int64_t B = 2048;
  int64_t M = last.n, so = last.sout;
  int64_t nblk = (M + B - 1) / B;
  int64_t tasks = nkept * nblk;
  auto run_block = [&](int64_t kin, int64_t j0, int64_t len, int64_t rb,
                       int64_t re, Acc* acc) {
    for (int64_t j = 0; j < len; ++j) acc[j] = Op::init();
    StridedIterator ri(red.shape, red.in, nr);
    if (rb < re) ri.seek(rb);
    for (int64_t r = rb; r < re; ++r) {
      const T* row = src + kin + ri.loc + j0;
      for (int64_t j = 0; j < len; ++j) acc[j] = op(acc[j], convert<Acc>(row[j]));
      ri.step();
    }
  };
  if (tasks >= 2 * nt || total < 2 * kGrain || nred < 2) {
    scheduler::parallel_for(
        tasks, std::max<int64_t>(1, kGrain / (B * nred)),
        [&](int64_t b, int64_t e) {
          Acc acc[B];
          for (int64_t t = b; t < e; ++t) {
            int64_t k = t / nblk, j0 = (t % nblk) * B;
            int64_t len = std::min(B, M - j0);
            StridedIterator ki(kept.shape, kept.in, nk), ko(kept.shape, kept.out, nk);
            ki.seek(k);
            ko.seek(k);
            run_block(ki.loc, j0, len, 0, nred, acc);
            Out* o = dst + ko.loc + j0 * so;
            for (int64_t j = 0; j < len; ++j) o[j * so] = convert<Out>(acc[j]);
          }
        });
    return;
  }
  int64_t chunks = std::min<int64_t>(nt, nred);
  int64_t per = (nred + chunks - 1) / chunks;
  std::unique_ptr<Acc[]> part(new Acc[size_t(chunks) * nkept * M]);
  scheduler::parallel_for(chunks, 1, [&](int64_t cb, int64_t ce) {
    for (int64_t c = cb; c < ce; ++c) {
      int64_t rb = c * per, re = std::min(nred, rb + per);
      StridedIterator ki(kept.shape, kept.in, nk);
      for (int64_t k = 0; k < nkept; ++k) {
        for (int64_t j0 = 0; j0 < M; j0 += B) {
          run_block(ki.loc, j0, std::min(B, M - j0), rb, re,
                    part.get() + (c * nkept + k) * M + j0);
        }
        ki.step();
      }
    }
  });
  StridedIterator ko(kept.shape, kept.out, nk);
  for (int64_t k = 0; k < nkept; ++k) {
    for (int64_t j = 0; j < M; ++j) {
      Acc acc = part[k * M + j];
      for (int64_t c = 1; c < chunks; ++c) acc = op(acc, part[(c * nkept + k) * M + j]);
      dst[ko.loc + j * so] = convert<Out>(acc);
    }
    ko.step();
  }
}

// Output type of sum/prod (matches sum_dtype): small ints widen.
template <typename T>
using sum_out_t = std::conditional_t<
    std::is_same_v<T, bool>, int32_t,
    std::conditional_t<
        std::is_integral_v<T>,
        std::conditional_t<
            std::is_unsigned_v<T>,
            std::conditional_t<sizeof(T) == 8, uint64_t, uint32_t>,
            std::conditional_t<sizeof(T) == 8, int64_t, int32_t>>,
        T>>;

}  // namespace

void Reduce::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  if (out.size() == 0) return;
  array x = dense_input(inputs[0]);
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    switch (type_) {
      case And:
        reduce_impl<T, bool, bool, cpu::AndReduce>(x, out, axes_);
        break;
      case Or:
        reduce_impl<T, bool, bool, cpu::OrReduce>(x, out, axes_);
        break;
      case Sum:
      case Prod: {
        using O = sum_out_t<T>;
        using Acc = acc_t<O>;
        if (type_ == Sum) {
          reduce_impl<T, Acc, O, cpu::SumReduce<Acc>>(x, out, axes_);
        } else {
          reduce_impl<T, Acc, O, cpu::ProdReduce<Acc>>(x, out, axes_);
        }
        break;
      }
      case Min:
      case Max: {
        using Acc = std::conditional_t<std::is_same_v<T, bool>, bool, acc_t<T>>;
        if constexpr (std::is_same_v<T, bool>) {
          if (type_ == Max) {
            reduce_impl<T, bool, bool, cpu::OrReduce>(x, out, axes_);
          } else {
            reduce_impl<T, bool, bool, cpu::AndReduce>(x, out, axes_);
          }
        } else if (type_ == Max) {
          reduce_impl<T, Acc, T, cpu::MaxReduce<Acc>>(x, out, axes_);
        } else {
          reduce_impl<T, Acc, T, cpu::MinReduce<Acc>>(x, out, axes_);
        }
        break;
      }
    }
  });
}

// ---- ArgReduce: (outer, n, inner) view of a row-contiguous input ----

namespace {

// First index of the largest (IsMax) or smallest float of a contiguous line
// of at least 16, or of its first NaN: two 8-lane running extremes with their
// indices (GCC vector extensions), strict comparisons so that each lane keeps
// its first occurrence, then the lowest index among the lanes holding the
// extreme.
template <bool IsMax>
uint32_t arg_extreme_f32(const float* row, int64_t n) {
  typedef float v8f __attribute__((vector_size(32)));
  typedef int32_t v8i __attribute__((vector_size(32)));
  auto load = [](const float* p) {
    v8f v;
    std::memcpy(&v, p, sizeof(v));
    return v;
  };
  v8f b0 = load(row), b1 = load(row + 8);
  v8i i0 = {0, 1, 2, 3, 4, 5, 6, 7};
  v8i i1 = i0 + 8, c0 = i0, c1 = i1;
  v8i nan = (b0 != b0) | (b1 != b1);
  int64_t k = 16;
  for (; k + 16 <= n; k += 16) {
    c0 += 16;
    c1 += 16;
    v8f v0 = load(row + k), v1 = load(row + k + 8);
    nan |= (v0 != v0) | (v1 != v1);
    v8i m0 = IsMax ? (v0 > b0) : (v0 < b0);
    v8i m1 = IsMax ? (v1 > b1) : (v1 < b1);
    b0 = m0 ? v0 : b0;
    b1 = m1 ? v1 : b1;
    i0 = m0 ? c0 : i0;
    i1 = m1 ? c1 : i1;
  }
  float best = b0[0];
  int64_t bi = i0[0];
  auto take = [&](float v, int64_t i) {
    if ((IsMax ? v > best : v < best) || (v == best && i < bi)) {
      best = v;
      bi = i;
    }
  };
  bool any_nan = false;
  for (int l = 0; l < 8; ++l) {
    take(b0[l], i0[l]);
    take(b1[l], i1[l]);
    any_nan |= nan[l] != 0;
  }
  for (; k < n; ++k) {
    any_nan |= row[k] != row[k];
    take(row[k], k);
  }
  if (any_nan) {
    int64_t i = 0;
    while (row[i] == row[i]) ++i;
    return uint32_t(i);
  }
  return uint32_t(bi);
}
template <typename T, bool IsMax>
void arg_reduce_impl(const array& x, array& out, int axis) {
  using C = acc_t<T>;
  int64_t n = x.shape(axis), outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= x.shape(i);
  for (int i = axis + 1; i < x.ndim(); ++i) inner *= x.shape(i);
  const T* src = x.data<T>();
  uint32_t* dst = out.data<uint32_t>();
  // Replace best with v: NaN wins (first NaN), then strict improvement.
  auto better = [](C v, C best) {
    if (cpu::is_nan(best)) return false;
    if (cpu::is_nan(v)) return true;
    return IsMax ? cpu::less_than(best, v) : cpu::less_than(v, best);
  };
  if constexpr (!cpu::is_complex_v<C>) {
    if (inner == 1) {
      // Contiguous lines: the extreme value in a select loop that vectorizes
      // (with a NaN flag), then the first index holding it (or the first NaN).
      // Ties and +0/-0 give the first index, as the scalar loop does.
      scheduler::parallel_for(outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(n, 1)),
                              [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) {
          const T* row = src + o * n;
          if constexpr (std::is_same_v<T, float>) {
            if (n >= 16) {
              dst[o] = arg_extreme_f32<IsMax>(row, n);
              continue;
            }
          }
          C m = convert<C>(row[0]);
          bool nan = cpu::is_nan(m);
          for (int64_t i = 1; i < n; ++i) {
            C v = convert<C>(row[i]);
            nan |= cpu::is_nan(v);
            if constexpr (IsMax) {
              m = v > m ? v : m;
            } else {
              m = v < m ? v : m;
            }
          }
          int64_t i = 0;
          if (nan) {
            while (!cpu::is_nan(convert<C>(row[i]))) ++i;
          } else {
            while (!(convert<C>(row[i]) == m)) ++i;
          }
          dst[o] = uint32_t(i);
        }
      });
      return;
    }
  }
  if (inner == 1) {  // complex64: lexicographic order, one pass
    scheduler::parallel_for(outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(n, 1)),
                            [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const T* row = src + o * n;
        C best = convert<C>(row[0]);
        uint32_t bi = 0;
        for (int64_t i = 1; i < n; ++i) {
          C v = convert<C>(row[i]);
          if (better(v, best)) {
            best = v;
            bi = uint32_t(i);
          }
        }
        dst[o] = bi;
      }
    });
    return;
  }
  constexpr int64_t B = 256;
  int64_t nblk = (inner + B - 1) / B;
  scheduler::parallel_for(outer * nblk, std::max<int64_t>(1, kGrain / (B * n)),
                          [&](int64_t b, int64_t e) {
    C best[B];
    for (int64_t t = b; t < e; ++t) {
      int64_t o = t / nblk, j0 = (t % nblk) * B, len = std::min(B, inner - j0);
      const T* base = src + o * n * inner + j0;
      uint32_t* d = dst + o * inner + j0;
      for (int64_t j = 0; j < len; ++j) {
        best[j] = convert<C>(base[j]);
        d[j] = 0;
      }
      for (int64_t i = 1; i < n; ++i) {
        const T* row = base + i * inner;
        for (int64_t j = 0; j < len; ++j) {
          C v = convert<C>(row[j]);
          if (better(v, best[j])) {
            best[j] = v;
            d[j] = uint32_t(i);
          }
        }
      }
    }
  });
}

array row_contiguous_input(const array& in) {
  if (in.flags().row_contiguous) return in;
  array x(allocator::malloc(std::max<size_t>(in.nbytes(), 1)), in.shape(),
          in.dtype());
  cpu::copy_strided(in, x, x.strides());
  return x;
}
}  // namespace

void ArgReduce::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  if (out.size() == 0) return;
  array x = row_contiguous_input(inputs[0]);
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (type_ == ArgMax) {
      arg_reduce_impl<T, true>(x, out, axis_);
    } else {
      arg_reduce_impl<T, false>(x, out, axis_);
    }
  });
}

// ---- Softmax / LogSumExp: rows of the reduced axes, made contiguous ----

namespace {
// Lays `in` out densely with the reduced `axes` innermost (kept dims first,
// in order). Returns the buffer-owning array (logical shape = in's shape) and
// its strides per original dim; rows = in.size() / row length.
std::pair<array, Strides> rows_layout(const array& in, const std::vector<int>& axes) {
  int nd = in.ndim();
  std::vector<int> perm;
  for (int i = 0; i < nd; ++i) {
    if (std::find(axes.begin(), axes.end(), i) == axes.end()) perm.push_back(i);
  }
  for (int a : axes) perm.push_back(a);
  Strides st(nd);
  int64_t s = 1;
  for (int k = nd - 1; k >= 0; --k) {
    st[perm[k]] = s;
    s *= in.shape(perm[k]);
  }
  bool trailing = true;
  for (size_t k = 0; k < axes.size(); ++k) {
    trailing &= axes[k] == nd - int(axes.size()) + int(k);
  }
  if (trailing && in.flags().row_contiguous) return {in, in.strides()};
  array x(allocator::malloc(std::max<size_t>(in.nbytes(), 1)), in.shape(),
          in.dtype());
  cpu::copy_strided(in, x, st);
  return {x, st};
}

int64_t row_length(const array& in, const std::vector<int>& axes) {
  int64_t n = 1;
  for (int a : axes) n *= in.shape(a);
  return n;
}
}  // namespace

void Softmax::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  if (in.size() == 0) {
    out.set_data(allocator::malloc(1));
    return;
  }
  auto [x, st] = rows_layout(in, axes_);
  int64_t n = row_length(in, axes_);
  int64_t rows = int64_t(in.size()) / n;
  out.set_data(allocator::malloc(out.nbytes()), out.size(), st,
               compute_flags(out.shape(), st, out.size()));
  dispatch_float(out.dtype(), "softmax", [&](auto tag) {
    using T = decltype(tag);
    using C = acc_t<T>;
    const T* src = x.template data<T>();
    T* dst = out.data<T>();
    scheduler::parallel_for(rows, std::max<int64_t>(1, kGrain / n), [&](int64_t b, int64_t e) {
      std::vector<C> tmp(std::is_same_v<T, C> ? 0 : n);
      for (int64_t r = b; r < e; ++r) {
        const T* xr = src + r * n;
        T* yr = dst + r * n;
        C m = cpu::reduce_contiguous(xr, n, cpu::MaxReduce<C>::init(),
                                     cpu::MaxReduce<C>{});
        // The sum of long rows accumulates in double: a float running sum
        // of 2^21 terms drifts by ~1e-3 relative.
        // The exponentials first (a loop that vectorizes), then the sum in
        // order.
        double sum = 0;
        if constexpr (std::is_same_v<T, C>) {
          for (int64_t i = 0; i < n; ++i) yr[i] = cpu::detail::exp_of(C(xr[i] - m));
          for (int64_t i = 0; i < n; ++i) sum += yr[i];
          C inv = C(1.0 / sum);
          for (int64_t i = 0; i < n; ++i) yr[i] *= inv;
        } else {
          for (int64_t i = 0; i < n; ++i) tmp[i] = cpu::detail::exp_of(C(xr[i]) - m);
          for (int64_t i = 0; i < n; ++i) sum += tmp[i];
          C inv = C(1.0 / sum);
          for (int64_t i = 0; i < n; ++i) yr[i] = T(tmp[i] * inv);
        }
      }
    });
  });
}

void LogSumExp::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  if (out.size() == 0) return;
  int64_t n = row_length(in, axes_);
  dispatch_float(out.dtype(), "logsumexp", [&](auto tag) {
    using T = decltype(tag);
    using C = acc_t<T>;
    T* dst = out.data<T>();
    if (n == 0) {
      std::fill(dst, dst + out.size(), T(-std::numeric_limits<C>::infinity()));
      return;
    }
    auto [x, st] = rows_layout(in, axes_);
    const T* src = x.template data<T>();
    int64_t rows = int64_t(out.size());
    scheduler::parallel_for(rows, std::max<int64_t>(1, kGrain / n), [&](int64_t b, int64_t e) {
      std::vector<C> tmp(n);
      for (int64_t r = b; r < e; ++r) {
        const T* xr = src + r * n;
        C m = cpu::reduce_contiguous(xr, n, cpu::MaxReduce<C>::init(),
                                     cpu::MaxReduce<C>{});
        if (std::isinf(m) || std::isnan(m)) {
          dst[r] = T(m);
          continue;
        }
        // Exponentials first (vectorized), then the sum in order, in
        // double: see Softmax.
        for (int64_t i = 0; i < n; ++i) tmp[i] = cpu::detail::exp_of(C(xr[i]) - m);
        double sum = 0;
        for (int64_t i = 0; i < n; ++i) sum += tmp[i];
        dst[r] = T(m + C(std::log(sum)));
      }
    });
  });
}

}  // namespace ember
