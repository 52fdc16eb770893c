// eval_gpu of Select (where). Inputs are broadcast to the output shape.
// Layouts, as on the CPU: every non-scalar input dense with one common
// stride layout -> one flat grid-stride pass over the dense buffer (scalars
// read once per thread), keeping that layout; otherwise the chunked general
// kernel over collapsed dims into a row-contiguous output. Values are only
// moved, so kernels are instantiated per element size (4 types).
// Traffic: read n bools + 2n values, write n values.
#include "ember/backend/common/utils.h"
#include "ember/backend/cuda/copy.h"
#include "ember/backend/cuda/device/elementwise.cuh"
#include "ember/primitives/ternary.h"

namespace ember {

namespace cuda {
namespace {

template <typename T>
__global__ void select_contiguous(const bool* __restrict__ c,
                                  const T* __restrict__ x,
                                  const T* __restrict__ y, T* __restrict__ out,
                                  int64_t n, int64_t dc, int64_t dx,
                                  int64_t dy) {
  int64_t stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += stride) {
    out[i] = c[i * dc] ? x[i * dx] : y[i * dy];
  }
}

template <typename T>
__global__ void select_general(const bool* __restrict__ c,
                               const T* __restrict__ x, const T* __restrict__ y,
                               T* __restrict__ out, StridedMeta<4> m,
                               int64_t n) {
  int last = m.ndim - 1;
  int64_t sc = m.strides[0][last], sx = m.strides[1][last],
          sy = m.strides[2][last], so = m.strides[3][last];
  for_each_chunk<4>(m, n, [&](int64_t (&off)[4], int cnt) {
    for (int j = 0; j < cnt; ++j) {
      out[off[3] + j * so] =
          c[off[0] + j * sc] ? x[off[1] + j * sx] : y[off[2] + j * sy];
    }
  });
}

template <typename T>
void select_gpu(const array& c, const array& x, const array& y, array& out,
                const Stream& s) {
  cudaStream_t cs = get_stream(s);
  const bool* cp = gpu_ptr<bool>(c);
  const T* xp = gpu_ptr<T>(x);
  const T* yp = gpu_ptr<T>(y);
  const array* layout = nullptr;
  bool flat = true;
  for (const array* a : {&c, &x, &y}) {
    if (a->data_size() == 1) continue;
    if (!a->flags().contiguous) {
      flat = false;
      break;
    }
    if (!layout) {
      layout = a;
    } else if (a->strides() != layout->strides() ||
               a->data_size() != layout->data_size()) {
      flat = false;
      break;
    }
  }
  if (flat) {
    if (layout) {
      allocate(out, s, layout->data_size(), layout->strides(),
               layout->flags());
    } else {
      Strides st(out.ndim(), 0);
      allocate(out, s, 1, st, compute_flags(out.shape(), st, 1));
    }
    int64_t n = int64_t(out.data_size());
    if (out.size() == 0 || n == 0) return;
    select_contiguous<T><<<elementwise_blocks(n), kThreads, 0, cs>>>(
        cp, xp, yp, gpu_ptr<T>(out), n, c.data_size() == 1 ? 0 : 1,
        x.data_size() == 1 ? 0 : 1, y.data_size() == 1 ? 0 : 1);
    check_launch("Select");
    return;
  }
  allocate(out, s);
  if (out.size() == 0) return;
  auto [shape, st] = collapse_contiguous_dims(
      out.shape(), {c.strides(), x.strides(), y.strides(), out.strides()});
  T* op = gpu_ptr<T>(out);
  for_each_piece<4>(shape, st, [&](const StridedMeta<4>& m,
                                   const std::array<int64_t, 4>& off,
                                   int64_t pn) {
    int64_t inner = m.shape[m.ndim - 1];
    int64_t chunks = pn / inner * ((inner + kChunk - 1) / kChunk);
    select_general<T><<<elementwise_blocks(chunks), kThreads, 0, cs>>>(
        cp + off[0], xp + off[1], yp + off[2], op + off[3], m, pn);
    check_launch("Select");
  });
}

}  // namespace
}  // namespace cuda

void Select::eval_gpu(const std::vector<array>& inputs, array& out) {
  const Stream& s = stream();
  switch (out.itemsize()) {
    case 1: cuda::select_gpu<uint8_t>(inputs[0], inputs[1], inputs[2], out, s); break;
    case 2: cuda::select_gpu<uint16_t>(inputs[0], inputs[1], inputs[2], out, s); break;
    case 4: cuda::select_gpu<uint32_t>(inputs[0], inputs[1], inputs[2], out, s); break;
    case 8: cuda::select_gpu<uint64_t>(inputs[0], inputs[1], inputs[2], out, s); break;
    default:
      throw std::invalid_argument("[Select] Unexpected element size " +
                                  std::to_string(out.itemsize()) + ".");
  }
}

}  // namespace ember
