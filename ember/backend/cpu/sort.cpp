// CPU sorting. Each line along the axis (any input strides) is gathered into
// a scratch buffer, sorted under a NaN-last order and written to the
// row-contiguous output; lines run in parallel.
// - sort/argsort of real and bool lines of at least kRadixMin: a stable LSD
//   radix sort (8-bit digits) of order-preserving unsigned keys with the
//   element indices; keys equal exactly when the elements are equivalent
//   (+0 and -0 share one, so do all NaNs, after +inf), so the result is
//   the stable sort's. Digits that all keys share are skipped. O(n) per
//   digit; 4096 lines of 2048 float32: 48 ms against 210 for stable_sort.
// - shorter lines, complex64: std::stable_sort on values in acc_t<T>.
// - partitions: std::nth_element on indices.
#include <algorithm>
#include <bit>
#include <numeric>
#include <vector>

#include "ember/backend/common/utils.h"
#include "ember/backend/cpu/copy.h"
#include "ember/backend/cpu/reduce_ops.h"
#include "ember/core/scheduler.h"
#include "ember/primitives/sort.h"

namespace ember {

namespace {

using cpu::convert;
constexpr int64_t kGrain = 1 << 14;

// Strict weak order with NaNs after everything else.
template <typename C>
inline bool nan_last_less(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) {
    if (b != b) return a == a;
    return a < b;
  } else {
    return cpu::less_than(a, b);
  }
}

// Comparison type: acc_t<T>, with bool stored as uint8_t (no vector<bool>).
template <typename T>
using cmp_t = std::conditional_t<std::is_same_v<T, bool>, uint8_t, acc_t<T>>;

enum class Mode { Sort, ArgSort, Partition, ArgPartition };

// Lines shorter than this use std::stable_sort (fewer passes over less data).
constexpr int64_t kRadixMin = 128;

// Order-preserving unsigned keys; Radix<T>::ok says whether T has them.
template <typename T, typename = void>
struct Radix {
  static constexpr bool ok = false;
};
template <typename T>
struct Radix<T, std::enable_if_t<std::is_integral_v<T>>> {
  static constexpr bool ok = true;
  using K = std::make_unsigned_t<std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>>;
  static K key(T x) {
    if constexpr (std::is_signed_v<T>) {
      return K(x) ^ (K(1) << (8 * sizeof(K) - 1));
    } else {
      return K(x);
    }
  }
};
template <typename F, typename U>
U float_key(F x) {
  constexpr U sign = U(1) << (8 * sizeof(U) - 1);
  if (x != x) return ~U(0);  // every NaN, after +inf
  if (x == F(0)) return sign;  // +0 and -0
  const U b = std::bit_cast<U>(x);
  return (b & sign) ? ~b : (b | sign);
}
template <typename T>
struct Radix<T, std::enable_if_t<std::is_same_v<T, float> || std::is_same_v<T, float16_t> ||
                                 std::is_same_v<T, bfloat16_t>>> {
  static constexpr bool ok = true;
  using K = uint32_t;
  static K key(T x) { return float_key<float, uint32_t>(static_cast<float>(x)); }
};
template <>
struct Radix<double> {
  static constexpr bool ok = true;
  using K = uint64_t;
  static K key(double x) { return float_key<double, uint64_t>(x); }
};

// Stable LSD radix sort of one line: on return idx[0..n) holds the
// positions of the line's elements in sorted order.
template <typename T>
const uint32_t* radix_sort_line(const T* src, int64_t stride, int64_t n) {
  using K = typename Radix<T>::K;
  constexpr int D = int(sizeof(K));
  thread_local std::vector<K> ka, kb;
  thread_local std::vector<uint32_t> ia, ib;
  ka.resize(n);
  kb.resize(n);
  ia.resize(n);
  ib.resize(n);
  int64_t count[D][256] = {};
  for (int64_t i = 0; i < n; ++i) {
    K k = Radix<T>::key(src[i * stride]);
    ka[i] = k;
    ia[i] = uint32_t(i);
    for (int d = 0; d < D; ++d) count[d][(k >> (8 * d)) & 0xFF] += 1;
  }
  K *kin = ka.data(), *kout = kb.data();
  uint32_t *iin = ia.data(), *iout = ib.data();
  for (int d = 0; d < D; ++d) {
    int64_t* c = count[d];
    if (c[(kin[0] >> (8 * d)) & 0xFF] == n) continue;  // one digit for all
    int64_t off[256];
    int64_t sum = 0;
    for (int b = 0; b < 256; ++b) {
      off[b] = sum;
      sum += c[b];
    }
    for (int64_t i = 0; i < n; ++i) {
      K k = kin[i];
      int64_t pos = off[(k >> (8 * d)) & 0xFF]++;
      kout[pos] = k;
      iout[pos] = iin[i];
    }
    std::swap(kin, kout);
    std::swap(iin, iout);
  }
  return iin;
}

// Calls fn(src_offset, dst_offset) for every line along `axis`.
template <typename F>
void for_each_line(const array& in, const array& out, int axis, F&& fn) {
  int nd = in.ndim();
  Shape shape;
  Strides sin, sout;
  for (int i = 0; i < nd; ++i) {
    if (i == axis) continue;
    shape.push_back(in.shape(i));
    sin.push_back(in.strides()[i]);
    sout.push_back(out.strides()[i]);
  }
  int64_t n = in.shape(axis);
  int64_t lines = int64_t(in.size()) / std::max<int64_t>(n, 1);
  int d = int(shape.size());
  scheduler::parallel_for(lines, std::max<int64_t>(1, kGrain / std::max<int64_t>(n, 1)),
                          [&](int64_t b, int64_t e) {
    StridedIterator is(shape, sin, d), os(shape, sout, d);
    is.seek(b);
    os.seek(b);
    for (int64_t l = b; l < e; ++l) {
      fn(is.loc, os.loc);
      is.step();
      os.step();
    }
  });
}

template <typename T>
void sort_impl(const array& in, array& out, int axis, int kth, Mode mode) {
  using C = cmp_t<T>;
  int64_t n = in.shape(axis);
  int64_t si = in.strides()[axis], so = out.strides()[axis];
  const T* src = in.data<T>();
  auto less = [](C a, C b) { return nan_last_less(a, b); };
  // Writes a line's order: the values at the indices, or the indices.
  auto write_order = [&](int64_t io, int64_t oo, const uint32_t* idx, bool values) {
    if (values) {
      T* dst = out.data<T>();
      for (int64_t i = 0; i < n; ++i) dst[oo + i * so] = src[io + int64_t(idx[i]) * si];
    } else {
      uint32_t* dst = out.data<uint32_t>();
      for (int64_t i = 0; i < n; ++i) dst[oo + i * so] = idx[i];
    }
  };
  if constexpr (Radix<T>::ok) {
    if ((mode == Mode::Sort || mode == Mode::ArgSort) && n >= kRadixMin) {
      for_each_line(in, out, axis, [&](int64_t io, int64_t oo) {
        write_order(io, oo, radix_sort_line<T>(src + io, si, n), mode == Mode::Sort);
      });
      return;
    }
  }
  if (mode == Mode::Sort) {
    T* dst = out.data<T>();
    for_each_line(in, out, axis, [&](int64_t io, int64_t oo) {
      thread_local std::vector<C> buf;
      buf.resize(n);
      for (int64_t i = 0; i < n; ++i) buf[i] = convert<C>(src[io + i * si]);
      std::stable_sort(buf.begin(), buf.end(), less);
      for (int64_t i = 0; i < n; ++i) dst[oo + i * so] = convert<T>(buf[i]);
    });
    return;
  }
  // Index-based modes; Partition gathers values through the indices.
  for_each_line(in, out, axis, [&](int64_t io, int64_t oo) {
    thread_local std::vector<C> vals;
    thread_local std::vector<uint32_t> idx;
    vals.resize(n);
    idx.resize(n);
    for (int64_t i = 0; i < n; ++i) vals[i] = convert<C>(src[io + i * si]);
    std::iota(idx.begin(), idx.end(), 0u);
    auto by_val = [&](uint32_t a, uint32_t b) { return less(vals[a], vals[b]); };
    if (mode == Mode::ArgSort) {
      std::stable_sort(idx.begin(), idx.end(), by_val);
    } else if (n > 0) {
      std::nth_element(idx.begin(), idx.begin() + kth, idx.end(), by_val);
    }
    write_order(io, oo, idx.data(), mode == Mode::Partition);
  });
}

void run_sort(const array& in, array& out, int axis, int kth, Mode mode) {
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  if (out.size() == 0) return;
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    sort_impl<T>(in, out, axis, kth, mode);
  });
}

}  // namespace

void Sort::eval_cpu(const std::vector<array>& inputs, array& out) {
  run_sort(inputs[0], out, axis_, kth_, Mode::Sort);
}
void ArgSort::eval_cpu(const std::vector<array>& inputs, array& out) {
  run_sort(inputs[0], out, axis_, kth_, Mode::ArgSort);
}
void Partition::eval_cpu(const std::vector<array>& inputs, array& out) {
  run_sort(inputs[0], out, axis_, kth_, Mode::Partition);
}
void ArgPartition::eval_cpu(const std::vector<array>& inputs, array& out) {
  run_sort(inputs[0], out, axis_, kth_, Mode::ArgPartition);
}

// Binary search per value (NaN-last order, matching sort).
void SearchSorted::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  if (out.size() == 0) return;
  const array& seq = inputs[0];
  const array& vals = inputs[1];
  bool batched = seq.ndim() == 2;
  int64_t n = seq.shape(-1);
  int64_t per_batch = batched ? int64_t(out.size()) / seq.shape(0) : 0;
  dispatch_all(seq.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using C = cmp_t<T>;
    // Contiguous copies: the sequence is searched many times.
    std::vector<C> sv(seq.size());
    {
      int64_t s0 = batched ? seq.strides()[0] : 0, s1 = seq.strides()[seq.ndim() - 1];
      int64_t rows = batched ? seq.shape(0) : 1;
      const T* sp = seq.data<T>();
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t i = 0; i < n; ++i) sv[r * n + i] = convert<C>(sp[r * s0 + i * s1]);
      }
    }
    const T* vp = vals.data<T>();
    uint32_t* dst = out.data<uint32_t>();
    Shape vshape = vals.shape();
    Strides vstr = vals.strides();
    int d = vals.ndim();
    bool right = right_;
    scheduler::parallel_for(int64_t(out.size()), 4096, [&](int64_t b, int64_t e) {
      StridedIterator it(vshape, vstr, d);
      it.seek(b);
      for (int64_t i = b; i < e; ++i) {
        C v = convert<C>(vp[it.loc]);
        const C* row = sv.data() + (batched ? (i / per_batch) * n : 0);
        const C* pos = right
            ? std::upper_bound(row, row + n, v, [](C a, C b) { return nan_last_less(a, b); })
            : std::lower_bound(row, row + n, v, [](C a, C b) { return nan_last_less(a, b); });
        dst[i] = uint32_t(pos - row);
        it.step();
      }
    });
  });
}

}  // namespace ember
