// Device helpers for the indexing kernels (gathers, scatters, dynamic slices):
// index loads of any integer dtype with the CPU's wrap/clamp/drop rules, the
// row decomposition shared by every gather and scatter launch, and atomic
// scatter reductions for every dtype.
//
// Work is split into "rows": a row is one index position (plus one row of
// the slice's outer dims); its innermost slice dim is copied by the threads
// of blockDim.x, so that each row's index arithmetic is paid once and the
// inner copy is coalesced.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "ember/backend/common/utils.h"
#include "ember/backend/cuda/cuda.h"
#include "ember/backend/cuda/device/dtypes.cuh"
#include "ember/primitives/indexing.h"

namespace ember::cuda {

/// Most collapsed dims of the index positions (and of a slice's outer dims).
inline constexpr int kIdxDims = 12;
/// Most index arrays of one gather/scatter.
inline constexpr int kIdxArrays = 12;

/// Index positions of a gather/scatter, walked in row-major order. Each
/// index array k holds element offsets `strides[k]` over `shape`; its value
/// (wrapped once if negative) moves the array side by `ax_stride[k]`.
/// `side[0]` / `side[1]` add offsets that don't depend on index values (the
/// array side, e.g. the non-indexed axes of take_along_axis; the update
/// side of a scatter). Out-of-range values are clamped into [0, hi] when
/// `clamp`, else the whole position is dropped.
struct IndexSet {
  int ndim;
  int nidx;
  bool clamp;
  bool small;  // every position index fits 32 bits
  int64_t shape[kIdxDims];
  int64_t strides[kIdxArrays][kIdxDims];
  int64_t side[2][kIdxDims];
  const void* ptr[kIdxArrays];
  Dtype dtype[kIdxArrays];
  int64_t dim[kIdxArrays];
  int64_t hi[kIdxArrays];
  int64_t ax_stride[kIdxArrays];
};

/// Outer dims of the slice copied at each index position (the innermost dim
/// is walked by the threads); strides[0] array side, strides[1] update side.
struct SliceSet {
  int ndim;  // may be 0
  int64_t shape[kIdxDims];
  int64_t strides[2][kIdxDims];
};

/// Value of an index element, wrapped once when negative (as the CPU does:
/// unsigned values are never wrapped, so huge uint64 values stay out of range).
__device__ inline int64_t load_index(const void* p, Dtype t, int64_t off,
                                     int64_t dim) {
  int64_t x = 0;
  switch (t) {
    case Dtype::int8: x = static_cast<const int8_t*>(p)[off]; break;
    case Dtype::int16: x = static_cast<const int16_t*>(p)[off]; break;
    case Dtype::int32: x = static_cast<const int32_t*>(p)[off]; break;
    case Dtype::int64: x = static_cast<const int64_t*>(p)[off]; break;
    case Dtype::uint8: return static_cast<const uint8_t*>(p)[off];
    case Dtype::uint16: return static_cast<const uint16_t*>(p)[off];
    case Dtype::uint32: return static_cast<const uint32_t*>(p)[off];
    case Dtype::uint64:
      return int64_t(static_cast<const uint64_t*>(p)[off]);
    default: return 0;
  }
  return x < 0 ? x + dim : x;
}

/// Array-side and update-side offsets of index position `i`; false when an
/// index is out of range and the set drops such positions.
template <typename C>
__device__ inline bool index_offsets_t(const IndexSet& ix, C i,
                                       int64_t& a_off, int64_t& u_off) {
  int64_t off[kIdxArrays];
#pragma unroll
  for (int k = 0; k < kIdxArrays; ++k) off[k] = 0;
  int64_t s0 = 0, s1 = 0;
  for (int d = ix.ndim - 1; d >= 0; --d) {
    C sd = C(ix.shape[d]);
    C q = i / sd;
    int64_t c = int64_t(i - q * sd);
    i = q;
#pragma unroll
    for (int k = 0; k < kIdxArrays; ++k) {
      if (k < ix.nidx) off[k] += c * ix.strides[k][d];
    }
    s0 += c * ix.side[0][d];
    s1 += c * ix.side[1][d];
  }
  bool ok = true;
#pragma unroll
  for (int k = 0; k < kIdxArrays; ++k) {
    if (k < ix.nidx) {
      int64_t v = load_index(ix.ptr[k], ix.dtype[k], off[k], ix.dim[k]);
      if (v < 0 || v > ix.hi[k]) {
        if (!ix.clamp) ok = false;
        v = v < 0 ? 0 : ix.hi[k];
      }
      s0 += v * ix.ax_stride[k];
    }
  }
  a_off = s0;
  u_off = s1;
  return ok;
}

__device__ inline bool index_offsets(const IndexSet& ix, int64_t i,
                                     int64_t& a_off, int64_t& u_off) {
  if (ix.small) return index_offsets_t<uint32_t>(ix, uint32_t(i), a_off, u_off);
  return index_offsets_t<int64_t>(ix, i, a_off, u_off);
}

template <typename C>
__device__ inline void slice_offsets_t(const SliceSet& ss, C q, int64_t& o0,
                                       int64_t& o1) {
  o0 = 0;
  o1 = 0;
  for (int d = ss.ndim - 1; d >= 0; --d) {
    C sd = C(ss.shape[d]);
    C qq = q / sd;
    int64_t c = int64_t(q - qq * sd);
    q = qq;
    o0 += c * ss.strides[0][d];
    o1 += c * ss.strides[1][d];
  }
}

/// Offsets (array side, update side) of row q of a slice's outer dims;
/// 32-bit divisions when `small`.
__device__ inline void slice_offsets(const SliceSet& ss, int64_t q, bool small,
                                     int64_t& o0, int64_t& o1) {
  if (ss.ndim == 0) {
    o0 = 0;
    o1 = 0;
  } else if (small) {
    slice_offsets_t<uint32_t>(ss, uint32_t(q), o0, o1);
  } else {
    slice_offsets_t<int64_t>(ss, q, o0, o1);
  }
}

/// Splits row r into (index position, slice row).
__device__ inline void split_row(int64_t r, int64_t rows_per, bool small,
                                 int64_t& i, int64_t& q) {
  if (rows_per == 1) {
    i = r;
    q = 0;
  } else if (small) {
    uint32_t a = uint32_t(r), b = uint32_t(rows_per);
    uint32_t x = a / b;
    i = x;
    q = a - x * b;
  } else {
    i = r / rows_per;
    q = r - i * rows_per;
  }
}

// ------------------------------------------------------------ reductions ----

template <typename T>
inline constexpr bool is_complex_d = std::is_same_v<T, complex64_d>;

/// Unsigned integer type of sizeof(T) bytes.
template <int N>
struct uint_of_size;
template <>
struct uint_of_size<1> {
  using type = uint8_t;
};
template <>
struct uint_of_size<2> {
  using type = uint16_t;
};
template <>
struct uint_of_size<4> {
  using type = uint32_t;
};
template <>
struct uint_of_size<8> {
  using type = unsigned long long;
};

template <typename To, typename From>
__device__ inline To bit_cast_d(const From& x) {
  static_assert(sizeof(To) == sizeof(From));
  To y;
  memcpy(&y, &x, sizeof(To));
  return y;
}

/// dst combined with v as the CPU's scatter does (f16/bf16 in float, integer
/// sums and products wrap, max/min let NaN through, bool or/and).
template <int R, typename T>
__device__ inline T scatter_combine(T x, T y) {
  if constexpr (std::is_same_v<T, bool>) {
    return (R == Scatter::Sum || R == Scatter::Max) ? (x || y) : (x && y);
  } else if constexpr (is_complex_d<T>) {
    return R == Scatter::Prod ? x * y : x + y;
  } else if constexpr (std::is_integral_v<T>) {
    using Un = std::make_unsigned_t<T>;
    if constexpr (R == Scatter::Sum) return T(Un(x) + Un(y));
    if constexpr (R == Scatter::Prod) {
      // Products of narrow types promote to int; multiply unsigned so wrap
      // is defined.
      return T(static_cast<Un>(uint64_t(Un(x)) * uint64_t(Un(y))));
    }
    if constexpr (R == Scatter::Max) return y > x ? y : x;
    return y < x ? y : x;
  } else {
    using A = acc_type_t<T>;
    A a = cast_to<A>(x), b = cast_to<A>(y);
    if constexpr (R == Scatter::Sum) return cast_to<T>(a + b);
    if constexpr (R == Scatter::Prod) return cast_to<T>(a * b);
    if constexpr (R == Scatter::Max) return (b > a || b != b) ? y : x;
    return (b < a || b != b) ? y : x;
  }
}

/// *p = f(*p) atomically through compare-and-swap; 1- and 2-byte elements
/// swap the aligned 32-bit word that contains them.
template <typename T, typename F>
__device__ inline void atomic_apply(T* p, F f) {
  if constexpr (sizeof(T) == 4 || sizeof(T) == 8) {
    using W = typename uint_of_size<sizeof(T)>::type;
    W* w = reinterpret_cast<W*>(p);
    W old = *reinterpret_cast<volatile W*>(w), assumed;
    do {
      assumed = old;
      W nb = bit_cast_d<W>(f(bit_cast_d<T>(assumed)));
      if (nb == assumed) return;
      old = atomicCAS(w, assumed, nb);
    } while (old != assumed);
  } else {
    using B = typename uint_of_size<sizeof(T)>::type;
    uintptr_t addr = reinterpret_cast<uintptr_t>(p);
    unsigned* w = reinterpret_cast<unsigned*>(addr & ~uintptr_t(3));
    unsigned shift = unsigned(addr & 3) * 8;
    unsigned mask = unsigned((1ull << (8 * sizeof(T))) - 1) << shift;
    unsigned old = *reinterpret_cast<volatile unsigned*>(w), assumed;
    do {
      assumed = old;
      B bits = B((assumed & mask) >> shift);
      B nb = bit_cast_d<B>(f(bit_cast_d<T>(bits)));
      if (nb == bits) return;
      unsigned nw = (assumed & ~mask) | (unsigned(nb) << shift);
      old = atomicCAS(w, assumed, nw);
    } while (old != assumed);
  }
}

/// Atomic *p = combine(*p, v): hardware atomics where they exist (adds of
/// f32/f64/f16/bf16/32- and 64-bit integers, integer max/min, bool or/and on
/// the containing word), compare-and-swap loops otherwise.
template <int R, typename T>
__device__ inline void atomic_scatter(T* p, T v) {
  if constexpr (std::is_same_v<T, __half2> ||
                std::is_same_v<T, __nv_bfloat162>) {
    atomicAdd(p, v);  // packed adds (Sum only); each half rounds separately
  } else if constexpr (std::is_same_v<T, float2> ||
                       std::is_same_v<T, float4>) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    atomicAdd(p, v);  // vector atomics: each float is atomic on its own
#else
    atomicAdd(&p->x, v.x);
    atomicAdd(&p->y, v.y);
    if constexpr (std::is_same_v<T, float4>) {
      atomicAdd(&p->z, v.z);
      atomicAdd(&p->w, v.w);
    }
#endif
  } else if constexpr (std::is_same_v<T, bool>) {
    uintptr_t addr = reinterpret_cast<uintptr_t>(p);
    unsigned* w = reinterpret_cast<unsigned*>(addr & ~uintptr_t(3));
    unsigned shift = unsigned(addr & 3) * 8;
    if constexpr (R == Scatter::Sum || R == Scatter::Max) {
      if (v) atomicOr(w, 1u << shift);
    } else {
      if (!v) atomicAnd(w, ~(0xFFu << shift));
    }
  } else if constexpr (R == Scatter::Sum &&
                       (std::is_same_v<T, float> || std::is_same_v<T, double> ||
                        std::is_same_v<T, __half> ||
                        std::is_same_v<T, __nv_bfloat16> ||
                        std::is_same_v<T, int32_t> ||
                        std::is_same_v<T, uint32_t>)) {
    atomicAdd(p, v);
  } else if constexpr (R == Scatter::Sum && std::is_integral_v<T> &&
                       sizeof(T) == 8) {
    atomicAdd(reinterpret_cast<unsigned long long*>(p),
              static_cast<unsigned long long>(v));
  } else if constexpr (R == Scatter::Sum && is_complex_d<T>) {
    atomicAdd(&p->re, v.re);
    atomicAdd(&p->im, v.im);
  } else if constexpr ((R == Scatter::Max || R == Scatter::Min) &&
                       (std::is_same_v<T, int32_t> ||
                        std::is_same_v<T, uint32_t>)) {
    if constexpr (R == Scatter::Max) {
      atomicMax(p, v);
    } else {
      atomicMin(p, v);
    }
  } else if constexpr ((R == Scatter::Max || R == Scatter::Min) &&
                       std::is_same_v<T, int64_t>) {
    auto* q = reinterpret_cast<long long*>(p);
    if constexpr (R == Scatter::Max) {
      atomicMax(q, static_cast<long long>(v));
    } else {
      atomicMin(q, static_cast<long long>(v));
    }
  } else if constexpr ((R == Scatter::Max || R == Scatter::Min) &&
                       std::is_same_v<T, uint64_t>) {
    auto* q = reinterpret_cast<unsigned long long*>(p);
    if constexpr (R == Scatter::Max) {
      atomicMax(q, static_cast<unsigned long long>(v));
    } else {
      atomicMin(q, static_cast<unsigned long long>(v));
    }
  } else {
    atomic_apply(p, [v](T x) { return scatter_combine<R>(x, v); });
  }
}

// ------------------------------------------------------------------ host ----

/// Launch shape of a row kernel: blockDim.x threads cover the inner dim
/// (a power of two up to 256), blockDim.y rows per block.
inline dim3 row_block(int64_t inner) {
  int tx = 1;
  while (tx < inner && tx < 256) tx *= 2;
  return dim3(unsigned(tx), unsigned(256 / tx));
}

inline unsigned row_grid(int64_t rows, const dim3& block) {
  int64_t cap = int64_t(std::max(sm_count(), 1)) * 16;
  return num_blocks(rows, int(block.y), cap);
}

/// Integer dtype check for index inputs (the ops validate; this guards the
/// kernels against anything else).
inline void check_index_dtype(const array& idx, const char* op) {
  if (!is_integral(idx.dtype())) {
    throw std::invalid_argument(std::string("[") + op +
                                "] Indices must be integers; got dtype " +
                                dtype_name(idx.dtype()) + ".");
  }
}

/// One index array of an IndexSet: data, strides over the position shape,
/// the indexed dim's size, the largest start that fits, and the element
/// stride that one step of the index moves.
struct IndexSpec {
  const void* ptr;
  Dtype dtype;
  Strides strides;
  int64_t dim;
  int64_t hi;
  int64_t ax_stride;
};

/// Builds an IndexSet over `shape` (collapsing dims that are contiguous for
/// every stride set); throws when the layout needs more than kIdxDims dims.
inline IndexSet make_index_set(const Shape& shape,
                               const std::vector<IndexSpec>& idx,
                               const Strides& side0, const Strides& side1,
                               bool clamp, const char* op) {
  if (idx.size() > size_t(kIdxArrays)) {
    throw std::invalid_argument(std::string("[") + op + "] At most " +
                                std::to_string(kIdxArrays) +
                                " index arrays are supported on the GPU; got " +
                                std::to_string(idx.size()) + ".");
  }
  std::vector<Strides> st;
  for (auto& s : idx) st.push_back(s.strides);
  st.push_back(side0);
  st.push_back(side1);
  auto [cs, cst] = collapse_contiguous_dims(shape, st);
  if (cs.size() > size_t(kIdxDims)) {
    throw std::invalid_argument(
        std::string("[") + op + "] Index layouts with more than " +
        std::to_string(kIdxDims) + " non-contiguous dims are not supported "
        "on the GPU; got " + std::to_string(cs.size()) + ".");
  }
  IndexSet ix{};
  ix.ndim = int(cs.size());
  ix.nidx = int(idx.size());
  ix.clamp = clamp;
  int64_t n = 1;
  for (int d = 0; d < ix.ndim; ++d) {
    ix.shape[d] = cs[d];
    n *= cs[d];
    for (int k = 0; k < ix.nidx; ++k) ix.strides[k][d] = cst[k][d];
    ix.side[0][d] = cst[ix.nidx][d];
    ix.side[1][d] = cst[ix.nidx + 1][d];
  }
  ix.small = n <= int64_t(UINT32_MAX);
  for (int k = 0; k < ix.nidx; ++k) {
    ix.ptr[k] = idx[k].ptr;
    ix.dtype[k] = idx[k].dtype;
    ix.dim[k] = idx[k].dim;
    ix.hi[k] = idx[k].hi;
    ix.ax_stride[k] = idx[k].ax_stride;
  }
  return ix;
}

/// A slice's dims collapsed: outer dims in a SliceSet, the innermost dim
/// separately (size and its two strides).
struct SlicePlan {
  SliceSet ss{};
  int64_t rows_per = 1;
  int64_t inner = 1;
  int64_t in0 = 0, in1 = 0;
};

inline SlicePlan make_slice_plan(const Shape& shape, const Strides& st0,
                                 const Strides& st1, const char* op) {
  auto [cs, cst] = collapse_contiguous_dims(shape, {st0, st1});
  int nd = int(cs.size());
  if (nd - 1 > kIdxDims) {
    throw std::invalid_argument(
        std::string("[") + op + "] Slices with more than " +
        std::to_string(kIdxDims + 1) + " non-contiguous dims are not "
        "supported on the GPU; got " + std::to_string(nd) + ".");
  }
  SlicePlan p;
  p.inner = cs[nd - 1];
  p.in0 = cst[0][nd - 1];
  p.in1 = cst[1][nd - 1];
  p.ss.ndim = nd - 1;
  for (int d = 0; d < nd - 1; ++d) {
    p.ss.shape[d] = cs[d];
    p.ss.strides[0][d] = cst[0][d];
    p.ss.strides[1][d] = cst[1][d];
    p.rows_per *= cs[d];
  }
  return p;
}

/// Widest copy unit (bytes, up to 16) that every address of a row copy
/// stays aligned to: the inner dim is unit-stride on both sides, its byte
/// size is a multiple, and every pointer and element stride that positions
/// a row is too.
inline int pick_unit(int itemsize, const SlicePlan& p, const IndexSet& ix,
                     bool use_side1, const std::vector<const void*>& ptrs,
                     int max_unit = 16) {
  if (p.in0 != 1 || p.in1 != 1) return itemsize;
  for (int w = max_unit; w > itemsize; w /= 2) {
    auto ok = [&](int64_t stride) { return (stride * itemsize) % w == 0; };
    bool good = (p.inner * itemsize) % w == 0;
    for (auto* q : ptrs) good = good && reinterpret_cast<uintptr_t>(q) % w == 0;
    for (int d = 0; good && d < p.ss.ndim; ++d) {
      good = ok(p.ss.strides[0][d]) && ok(p.ss.strides[1][d]);
    }
    for (int d = 0; good && d < ix.ndim; ++d) {
      good = ok(ix.side[0][d]) && (!use_side1 || ok(ix.side[1][d]));
    }
    for (int k = 0; good && k < ix.nidx; ++k) good = ok(ix.ax_stride[k]);
    if (good) return w;
  }
  return itemsize;
}

/// Rescales every element stride of a plan from `itemsize` to `unit` bytes.
inline void rescale(SlicePlan& p, IndexSet& ix, int itemsize, int unit) {
  if (unit == itemsize) return;
  int64_t f = unit / itemsize;
  p.inner /= f;
  for (int d = 0; d < p.ss.ndim; ++d) {
    p.ss.strides[0][d] /= f;
    p.ss.strides[1][d] /= f;
  }
  for (int d = 0; d < ix.ndim; ++d) {
    ix.side[0][d] /= f;
    ix.side[1][d] /= f;
  }
  for (int k = 0; k < ix.nidx; ++k) ix.ax_stride[k] /= f;
}

/// Calls f(U{}) with an unsigned type of `bytes` bytes (1, 2, 4, 8 or 16).
/// With `lanes64`, 16-byte units are two 64-bit lanes: racing stores (plain
/// scatters with duplicate indices) then never tear an 8-byte element.
template <typename F>
void dispatch_unit(int bytes, F&& f, bool lanes64 = false) {
  switch (bytes) {
    case 1: f(uint8_t{}); break;
    case 2: f(uint16_t{}); break;
    case 4: f(uint32_t{}); break;
    case 8: f(uint64_t{}); break;
    case 16:
      if (lanes64) {
        f(ulonglong2{});
      } else {
        f(uint4{});
      }
      break;
    default:
      throw std::invalid_argument("[indexing] Unexpected element size " +
                                  std::to_string(bytes) + ".");
  }
}

}  // namespace ember::cuda
