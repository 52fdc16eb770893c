// Scatters on the GPU: Scatter (None/Sum/Prod/Max/Min), ScatterAxis
// (put_along_axis, scatter_add_axis), DynamicSliceUpdate and SliceUpdate.
//
// The output starts as the source: its buffer is donated when nothing else
// uses it (dense layouts only), else the source is copied (copy.h). Updates
// are then applied by one kernel over rows = index positions x outer slice
// rows, the row's threads walking the inner dim: a row whose index is out of
// range is dropped (as on the CPU); DynamicSliceUpdate clamps its start
// instead. None stores directly (with duplicate indices any one update
// wins; for ScatterAxis the last one, as on the CPU, through a winner
// buffer) in 16/8/4-byte units when aligned; reductions use atomics
// (device/indexing.cuh), packed (half2, bfloat162, float2/float4) for sums
// of aligned unit-stride rows. Traffic: updates read once, each updated output
// element read-modify-written once per update, plus the source copy.
#include "ember/backend/cuda/copy.h"
#include "ember/backend/cuda/device/indexing.cuh"

namespace ember {
namespace cuda {
namespace {

// out[row_offset(r) + t * o_in] (op)= upd[upd_offset(r) + t * u_in].
template <typename T, int R>
__global__ void scatter_rows(T* out, const T* __restrict__ upd,
                             const __grid_constant__ IndexSet ix,
                             const __grid_constant__ SliceSet ss, int64_t rows,
                             int64_t rows_per, int64_t inner, int64_t o_in,
                             int64_t u_in, bool small) {
  int64_t step = int64_t(gridDim.x) * blockDim.y;
  for (int64_t r = int64_t(blockIdx.x) * blockDim.y + threadIdx.y; r < rows;
       r += step) {
    int64_t i, q, a_off, u_off, o0, o1;
    split_row(r, rows_per, small, i, q);
    if (!index_offsets(ix, i, a_off, u_off)) continue;
    slice_offsets(ss, q, small, o0, o1);
    T* o = out + a_off + o0;
    const T* u = upd + u_off + o1;
    for (int64_t t = threadIdx.x; t < inner; t += blockDim.x) {
      if constexpr (R == Scatter::None) {
        o[t * o_in] = u[t * u_in];
      } else {
        atomic_scatter<R>(o + t * o_in, u[t * u_in]);
      }
    }
  }
}

// Plain scatter in which the last index position wins, as on the CPU: pass 1
// (kWrite false) leaves in win[e] the largest position + 1 that targets
// output unit e (win starts zeroed); pass 2 stores only those updates.
template <typename U, typename K, bool kWrite>
__global__ void scatter_rows_ordered(U* out, const U* __restrict__ upd, K* win,
                                     const __grid_constant__ IndexSet ix,
                                     const __grid_constant__ SliceSet ss,
                                     int64_t rows, int64_t rows_per,
                                     int64_t inner, int64_t o_in, int64_t u_in,
                                     bool small) {
  int64_t step = int64_t(gridDim.x) * blockDim.y;
  for (int64_t r = int64_t(blockIdx.x) * blockDim.y + threadIdx.y; r < rows;
       r += step) {
    int64_t i, q, a_off, u_off, o0, o1;
    split_row(r, rows_per, small, i, q);
    if (!index_offsets(ix, i, a_off, u_off)) continue;
    slice_offsets(ss, q, small, o0, o1);
    int64_t base = a_off + o0;
    const U* u = upd + u_off + o1;
    K key = K(i + 1);
    for (int64_t t = threadIdx.x; t < inner; t += blockDim.x) {
      int64_t e = base + t * o_in;
      if constexpr (kWrite) {
        if (win[e] == key) out[e] = u[t * u_in];
      } else {
        atomicMax(win + e, key);
      }
    }
  }
}

template <int R, typename T>
constexpr bool reduce_supported() {
  return R == Scatter::None ||
         !(is_complex_d<T> && (R == Scatter::Max || R == Scatter::Min));
}

// Applies `upd` (slice `slice_shape` through `out_strides` / `upd_strides`
// at each of the n_pos positions of ix) to `out` with reduction r. With
// `ordered`, a plain scatter lets the last position win where several hit
// one element (two passes and a winner buffer of out's size).
void launch_scatter(array& out, const array& upd, IndexSet ix, int64_t n_pos,
                    const Shape& slice_shape, const Strides& out_strides,
                    const Strides& upd_strides, Scatter::ReduceType r,
                    const Stream& s, const char* op, bool ordered = false) {
  SlicePlan p = make_slice_plan(slice_shape, out_strides, upd_strides, op);
  int64_t rows = n_pos * p.rows_per;
  if (rows == 0 || p.inner == 0) return;
  int isz = int(out.itemsize());
  bool small = rows <= int64_t(UINT32_MAX);
  cudaStream_t cs = get_stream(s);
  if (r == Scatter::None && ordered) {
    int unit = pick_unit(isz, p, ix, true,
                         {gpu_ptr<void>(out), gpu_ptr<void>(upd)});
    rescale(p, ix, isz, unit);
    dim3 block = row_block(p.inner);
    unsigned grid = row_grid(rows, block);
    // Every target is an offset into out's dense buffer, in units.
    size_t n_units = out.data_size() * size_t(isz) / size_t(unit);
    auto go = [&](auto ktag) {
      using K = decltype(ktag);
      Scratch win(n_units * sizeof(K), s);
      EMBER_CUDA_CHECK(cudaMemsetAsync(win.get(), 0, win.size(), cs));
      dispatch_unit(unit, [&](auto u) {
        using U = decltype(u);
        K* w = static_cast<K*>(win.get());
        scatter_rows_ordered<U, K, false><<<grid, block, 0, cs>>>(
            gpu_ptr<U>(out), gpu_ptr<U>(upd), w, ix, p.ss, rows, p.rows_per,
            p.inner, p.in0, p.in1, small);
        check_launch(op);
        scatter_rows_ordered<U, K, true><<<grid, block, 0, cs>>>(
            gpu_ptr<U>(out), gpu_ptr<U>(upd), w, ix, p.ss, rows, p.rows_per,
            p.inner, p.in0, p.in1, small);
        check_launch(op);
      });
    };
    if (n_pos < int64_t(UINT32_MAX)) {
      go(0u);
    } else {
      go(0ull);
    }
    return;
  }
  if (r == Scatter::None) {
    // A move of bytes: the dtype only fixes the unit.
    int unit = pick_unit(isz, p, ix, true,
                         {gpu_ptr<void>(out), gpu_ptr<void>(upd)});
    rescale(p, ix, isz, unit);
    dim3 block = row_block(p.inner);
    unsigned grid = row_grid(rows, block);
    dispatch_unit(unit, [&](auto u) {
      using U = decltype(u);
      scatter_rows<U, Scatter::None><<<grid, block, 0, cs>>>(
          gpu_ptr<U>(out), gpu_ptr<U>(upd), ix, p.ss, rows, p.rows_per,
          p.inner, p.in0, p.in1, small);
    }, isz == 8);
    check_launch(op);
    return;
  }
  if (r == Scatter::Sum && (out.dtype() == float16 || out.dtype() == bfloat16 ||
                            out.dtype() == float32)) {
    // Packed atomic adds (half2 / bfloat162 / float2 / float4) when rows are
    // unit-stride and aligned: 2-4x fewer atomics for embedding gradients.
    int unit = pick_unit(isz, p, ix, true,
                         {gpu_ptr<void>(out), gpu_ptr<void>(upd)},
                         out.dtype() == float32 ? 16 : 4);
    if (unit > isz) {
      rescale(p, ix, isz, unit);
      dim3 block = row_block(p.inner);
      unsigned grid = row_grid(rows, block);
      auto go = [&](auto tag) {
        using V = decltype(tag);
        scatter_rows<V, Scatter::Sum><<<grid, block, 0, cs>>>(
            gpu_ptr<V>(out), gpu_ptr<V>(upd), ix, p.ss, rows, p.rows_per,
            p.inner, p.in0, p.in1, small);
      };
      if (out.dtype() == float16) {
        go(__half2{});
      } else if (out.dtype() == bfloat16) {
        go(__nv_bfloat162{});
      } else if (unit == 16) {
        go(float4{});
      } else {
        go(float2{});
      }
      check_launch(op);
      return;
    }
  }
  dim3 block = row_block(p.inner);
  unsigned grid = row_grid(rows, block);
  dispatch_device(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    auto go = [&](auto rc) {
      constexpr int RR = decltype(rc)::value;
      if constexpr (reduce_supported<RR, T>()) {
        scatter_rows<T, RR><<<grid, block, 0, cs>>>(
            gpu_ptr<T>(out), gpu_ptr<T>(upd), ix, p.ss, rows, p.rows_per,
            p.inner, p.in0, p.in1, small);
      } else {
        throw std::invalid_argument(std::string("[") + op +
                                    "] Max and min reductions are not "
                                    "supported for dtype complex64.");
      }
    };
    switch (r) {
      case Scatter::Sum: go(std::integral_constant<int, Scatter::Sum>{}); break;
      case Scatter::Prod: go(std::integral_constant<int, Scatter::Prod>{}); break;
      case Scatter::Max: go(std::integral_constant<int, Scatter::Max>{}); break;
      case Scatter::Min: go(std::integral_constant<int, Scatter::Min>{}); break;
      default: break;
    }
  });
  check_launch(op);
}

// Gives `out` the values of `src` in a dense buffer it may overwrite:
// src's own buffer when it can be donated, else a row-contiguous copy.
void copy_or_donate(const array& src, array& out, const Stream& s) {
  if (src.flags().contiguous && src.data_size() == src.size() &&
      src.size() > 0 && donatable_gpu(src, s)) {
    out.move_shared_buffer(src);
    return;
  }
  allocate(out, s);
  copy_gpu(src, out, s);
}

}  // namespace
}  // namespace cuda

void SliceUpdate::eval_gpu(const std::vector<array>& inputs, array& out) {
  auto& upd = inputs[1];
  const Stream& s = stream();
  cuda::copy_or_donate(inputs[0], out, s);
  if (upd.size() == 0) return;
  Strides st(out.ndim());
  int64_t offset = 0;
  for (int i = 0; i < out.ndim(); ++i) {
    st[i] = out.strides()[i] * strides_[i];
    offset += int64_t(start_[i]) * out.strides()[i];
  }
  cuda::copy_gpu(upd, out, st, offset, s);
}

void DynamicSliceUpdate::eval_gpu(const std::vector<array>& inputs,
                                  array& out) {
  auto& upd = inputs[1];
  auto& start = inputs[2];
  const Stream& s = stream();
  cuda::copy_or_donate(inputs[0], out, s);
  if (upd.size() == 0 || out.size() == 0) return;
  cuda::check_index_dtype(start, "DynamicSliceUpdate");
  std::vector<cuda::IndexSpec> v;
  int64_t st0 = start.ndim() > 0 ? start.strides()[0] : 0;
  for (size_t k = 0; k < axes_.size(); ++k) {
    int ax = axes_[k];
    const char* p = cuda::gpu_ptr<char>(start) +
                    int64_t(k) * st0 * int64_t(start.itemsize());
    v.push_back({p, start.dtype(), Strides{0}, out.shape(ax),
                 out.shape(ax) - upd.shape(ax), out.strides()[ax]});
  }
  // Starts are clamped so the update fits (never dropped).
  auto ix = cuda::make_index_set(Shape{1}, v, Strides{0}, Strides{0}, true,
                                 "DynamicSliceUpdate");
  cuda::launch_scatter(out, upd, ix, 1, upd.shape(), out.strides(),
                       upd.strides(), Scatter::None, s, "DynamicSliceUpdate");
}

void Scatter::eval_gpu(const std::vector<array>& inputs, array& out) {
  auto& upd = inputs.back();
  const Stream& s = stream();
  cuda::copy_or_donate(inputs[0], out, s);
  int nk = int(axes_.size());
  int ni = upd.ndim() - out.ndim();
  Shape ishape(upd.shape().begin(), upd.shape().begin() + ni);
  Shape sshape(upd.shape().begin() + ni, upd.shape().end());
  if (shape_size(ishape) == 0 || shape_size(sshape) == 0 || out.size() == 0) {
    return;
  }
  std::vector<array> idx(inputs.begin() + 1, inputs.begin() + 1 + nk);
  array u = upd;
  auto build = [&]() {
    std::vector<cuda::IndexSpec> v;
    for (int k = 0; k < nk; ++k) {
      cuda::check_index_dtype(idx[k], "Scatter");
      int ax = axes_[k];
      v.push_back({cuda::gpu_ptr<void>(idx[k]), idx[k].dtype(),
                   idx[k].strides(), out.shape(ax), out.shape(ax) - sshape[ax],
                   out.strides()[ax]});
    }
    return v;
  };
  auto v = build();
  Strides u_lead(u.strides().begin(), u.strides().begin() + ni);
  std::vector<Strides> st;
  for (auto& e : v) st.push_back(e.strides);
  st.push_back(u_lead);
  if (collapse_contiguous_dims(ishape, st).first.size() > size_t(cuda::kIdxDims)) {
    // Too many strided index dims: dense copies collapse to one dim.
    for (auto& x : idx) x = cuda::contiguous_gpu(x, s);
    u = cuda::contiguous_gpu(upd, s);
    v = build();
    u_lead.assign(u.strides().begin(), u.strides().begin() + ni);
  }
  auto ix = cuda::make_index_set(ishape, v, Strides(ni, 0), u_lead, false,
                                 "Scatter");
  Strides u_slice(u.strides().begin() + ni, u.strides().end());
  cuda::launch_scatter(out, u, ix, int64_t(shape_size(ishape)), sshape,
                       out.strides(), u_slice, reduce_, s, "Scatter");
}

void ScatterAxis::eval_gpu(const std::vector<array>& inputs, array& out) {
  auto& idx = inputs[1];
  auto& upd = inputs[2];
  const Stream& s = stream();
  cuda::copy_or_donate(inputs[0], out, s);
  if (upd.size() == 0 || out.size() == 0) return;
  cuda::check_index_dtype(idx, "ScatterAxis");
  int nd = out.ndim(), last = nd - 1;
  // Updates of one line (all but the axis fixed) can hit one element only
  // when the line holds several; the CPU lets the last one win, so does
  // this (put_along_axis is then deterministic).
  bool ordered = reduce_ == Scatter::None && upd.shape(axis_) > 1;
  Strides o_rows = out.strides();
  o_rows[axis_] = 0;
  cuda::IndexSpec spec{cuda::gpu_ptr<void>(idx), idx.dtype(), idx.strides(),
                       out.shape(axis_), out.shape(axis_) - 1,
                       out.strides()[axis_]};
  if (idx.strides()[last] == 0 && axis_ != last) {
    // The index is constant along the last dim: whole rows per index.
    Shape pos(upd.shape().begin(), upd.shape().end() - 1);
    spec.strides.pop_back();
    auto ix = cuda::make_index_set(
        pos, {spec}, Strides(o_rows.begin(), o_rows.end() - 1),
        Strides(upd.strides().begin(), upd.strides().end() - 1), false,
        "ScatterAxis");
    cuda::launch_scatter(out, upd, ix, int64_t(shape_size(pos)),
                         {upd.shape(last)}, {out.strides()[last]},
                         {upd.strides()[last]}, reduce_, s, "ScatterAxis",
                         ordered);
    return;
  }
  auto ix = cuda::make_index_set(upd.shape(), {spec}, o_rows, upd.strides(),
                                 false, "ScatterAxis");
  cuda::launch_scatter(out, upd, ix, int64_t(upd.size()), {}, {}, {}, reduce_,
                       s, "ScatterAxis", ordered);
}

}  // namespace ember
