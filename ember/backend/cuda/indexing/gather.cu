// Gathers on the GPU: Gather (slices at index positions), GatherAxis
// (take / take_along_axis) and DynamicSlice (a slice at device-side start
// indices, copied since the host never reads device memory in eval_gpu).
//
// One kernel for all three: rows = index positions x outer slice rows; each
// row's source offset (indices loaded once, wrapped, clamped into range as
// on the CPU) is computed by its row of threads, which then copy the row's
// inner dim. When the inner dim is unit-stride and every row start is
// aligned, rows move in 16/8/4-byte units (embedding lookups copy rows of
// uint4). Launch: blockDim = (pow2 >= inner, 256 / that), grid-stride over
// rows. Traffic: out bytes read + written, plus one index read per row.
#include "ember/backend/cuda/copy.h"
#include "ember/backend/cuda/device/indexing.cuh"

namespace ember {
namespace cuda {
namespace {

// out[r * inner + t] = src[row_offset(r) + t * s_in].
template <typename U>
__global__ void gather_rows(const U* __restrict__ src, U* __restrict__ out,
                            const __grid_constant__ IndexSet ix,
                            const __grid_constant__ SliceSet ss, int64_t rows,
                            int64_t rows_per, int64_t inner, int64_t s_in,
                            bool small) {
  int64_t step = int64_t(gridDim.x) * blockDim.y;
  for (int64_t r = int64_t(blockIdx.x) * blockDim.y + threadIdx.y; r < rows;
       r += step) {
    int64_t i, q, a_off, u_off, o0, o1;
    split_row(r, rows_per, small, i, q);
    index_offsets(ix, i, a_off, u_off);
    slice_offsets(ss, q, small, o0, o1);
    const U* s = src + a_off + o0;
    U* o = out + r * inner;
    if (s_in == 1) {
      for (int64_t t = threadIdx.x; t < inner; t += blockDim.x) o[t] = s[t];
    } else {
      for (int64_t t = threadIdx.x; t < inner; t += blockDim.x) {
        o[t] = s[t * s_in];
      }
    }
  }
}

// Gathers `n_pos` index positions (ix) times the slice `slice_shape` read
// through `slice_strides` of `a` into the fresh row-contiguous `out`.
void launch_gather(const array& a, array& out, IndexSet ix, int64_t n_pos,
                   const Shape& slice_shape, const Strides& slice_strides,
                   const Stream& s, const char* op) {
  SlicePlan p =
      make_slice_plan(slice_shape, slice_strides, row_strides(slice_shape), op);
  int64_t rows = n_pos * p.rows_per;
  if (rows == 0 || p.inner == 0) return;
  int isz = int(a.itemsize());
  int unit = pick_unit(isz, p, ix, false,
                       {gpu_ptr<void>(a), gpu_ptr<void>(out)});
  rescale(p, ix, isz, unit);
  dim3 block = row_block(p.inner);
  unsigned grid = row_grid(rows, block);
  bool small = rows <= int64_t(UINT32_MAX);
  dispatch_unit(unit, [&](auto u) {
    using U = decltype(u);
    gather_rows<U><<<grid, block, 0, get_stream(s)>>>(
        gpu_ptr<U>(a), gpu_ptr<U>(out), ix, p.ss, rows, p.rows_per, p.inner,
        p.in0, small);
  });
  check_launch(op);
}

}  // namespace
}  // namespace cuda

void Gather::eval_gpu(const std::vector<array>& inputs, array& out) {
  auto& a = inputs[0];
  const Stream& s = stream();
  cuda::allocate(out, s);
  if (out.size() == 0) return;
  int nk = int(axes_.size());
  Shape ishape(out.shape().begin(), out.shape().end() - a.ndim());
  std::vector<array> idx(inputs.begin() + 1, inputs.begin() + 1 + nk);
  auto specs = [&]() {
    std::vector<cuda::IndexSpec> v;
    for (int k = 0; k < nk; ++k) {
      cuda::check_index_dtype(idx[k], "Gather");
      int ax = axes_[k];
      v.push_back({cuda::gpu_ptr<void>(idx[k]), idx[k].dtype(),
                   idx[k].strides(), a.shape(ax), a.shape(ax) - slice_sizes_[ax],
                   a.strides()[ax]});
    }
    return v;
  };
  Strides zero(ishape.size(), 0);
  auto v = specs();
  std::vector<Strides> st;
  for (auto& e : v) st.push_back(e.strides);
  if (collapse_contiguous_dims(ishape, st).first.size() > size_t(cuda::kIdxDims)) {
    // Too many strided index dims: dense copies collapse to one dim.
    for (auto& x : idx) x = cuda::contiguous_gpu(x, s);
    v = specs();
  }
  auto ix = cuda::make_index_set(ishape, v, zero, zero, true, "Gather");
  cuda::launch_gather(a, out, ix, int64_t(shape_size(ishape)), slice_sizes_,
                      a.strides(), s, "Gather");
}

void GatherAxis::eval_gpu(const std::vector<array>& inputs, array& out) {
  auto& a = inputs[0];
  auto& idx = inputs[1];
  const Stream& s = stream();
  cuda::allocate(out, s);
  if (out.size() == 0) return;
  cuda::check_index_dtype(idx, "GatherAxis");
  int nd = out.ndim(), last = nd - 1;
  Strides a_rows = a.strides();
  a_rows[axis_] = 0;  // the axis is addressed through the index
  cuda::IndexSpec spec{cuda::gpu_ptr<void>(idx), idx.dtype(), idx.strides(),
                       a.shape(axis_), a.shape(axis_) - 1, a.strides()[axis_]};
  if (idx.strides()[last] == 0 && axis_ != last) {
    // The index is constant along the last dim (take): copy whole rows.
    Shape pos(out.shape().begin(), out.shape().end() - 1);
    spec.strides.pop_back();
    Strides side0(a_rows.begin(), a_rows.end() - 1);
    auto ix = cuda::make_index_set(pos, {spec}, side0,
                                   Strides(pos.size(), 0), true, "GatherAxis");
    cuda::launch_gather(a, out, ix, int64_t(shape_size(pos)),
                        {out.shape(last)}, {a.strides()[last]}, s,
                        "GatherAxis");
    return;
  }
  // One index per element.
  auto ix = cuda::make_index_set(out.shape(), {spec}, a_rows,
                                 Strides(nd, 0), true, "GatherAxis");
  cuda::launch_gather(a, out, ix, int64_t(out.size()), {}, {}, s,
                      "GatherAxis");
}

void DynamicSlice::eval_gpu(const std::vector<array>& inputs, array& out) {
  auto& a = inputs[0];
  auto& start = inputs[1];
  const Stream& s = stream();
  cuda::allocate(out, s);
  if (out.size() == 0) return;
  cuda::check_index_dtype(start, "DynamicSlice");
  // Start k is element k of the 1-D start array; one index position.
  std::vector<cuda::IndexSpec> v;
  int64_t st0 = start.ndim() > 0 ? start.strides()[0] : 0;
  for (size_t k = 0; k < axes_.size(); ++k) {
    int ax = axes_[k];
    const char* p = cuda::gpu_ptr<char>(start) +
                    int64_t(k) * st0 * int64_t(start.itemsize());
    v.push_back({p, start.dtype(), Strides{0}, a.shape(ax),
                 a.shape(ax) - out.shape(ax), a.strides()[ax]});
  }
  auto ix = cuda::make_index_set(Shape{1}, v, Strides{0}, Strides{0}, true,
                                 "DynamicSlice");
  cuda::launch_gather(a, out, ix, 1, out.shape(), a.strides(), s,
                      "DynamicSlice");
}

}  // namespace ember
