// GPU copies with optional dtype conversion (see copy.h).
//
// Same dtype: a dense-to-dense copy is one cudaMemcpyAsync; a transpose-like
// layout (source unit stride on the second-to-last dim, destination unit
// stride on the last) goes through 32x32 shared-memory tiles so that reads
// and writes are both coalesced; layouts whose rows are contiguous on both
// sides move 16-byte words; anything else runs the chunked general
// kernel on same-size unsigned types (4 instantiations for all dtypes).
// Different dtypes: the cast kernels of copy/cast_*.cu. Launch shapes: tiles
// use 32x8 threads, one tile per block (grid-stride over row tiles and
// batches past 65535); the others are grid-stride 1-D loops.
// Traffic: n * (sizeof(src) + sizeof(dst)).
#include "ember/backend/cuda/copy.h"
#include "ember/backend/cuda/copy/cast.cuh"

namespace ember::cuda {

namespace {

constexpr int kTile = 32;
constexpr int kTileRows = 8;

struct IdentityOp {
  template <typename T>
  __device__ T operator()(T x) const {
    return x;
  }
};

// dst(b, r, c) = src(b, r, c) where src has unit stride along r and dst unit
// stride along c; `batch` holds the leading dims (strides: src, dst).
template <typename T>
__global__ void copy_transpose_tiled(const T* __restrict__ src,
                                     T* __restrict__ dst, StridedMeta<2> batch,
                                     int64_t n_batch, int64_t rows,
                                     int64_t cols, int64_t s_col,
                                     int64_t d_row) {
  __shared__ T tile[kTile][kTile + 1];
  int64_t row_tiles = (rows + kTile - 1) / kTile;
  int64_t c0 = int64_t(blockIdx.x) * kTile;
  int tx = threadIdx.x, ty = threadIdx.y;
  for (int64_t b = blockIdx.z; b < n_batch; b += gridDim.z) {
    int64_t so = 0, dof = 0;
    int64_t r = b;
    for (int d = batch.ndim - 1; d >= 0; --d) {
      int64_t i = r % batch.shape[d];
      r /= batch.shape[d];
      so += i * batch.strides[0][d];
      dof += i * batch.strides[1][d];
    }
    for (int64_t rt = blockIdx.y; rt < row_tiles; rt += gridDim.y) {
      int64_t r0 = rt * kTile;
      for (int j = ty; j < kTile; j += kTileRows) {
        int64_t rr = r0 + tx, cc = c0 + j;
        if (rr < rows && cc < cols) tile[j][tx] = src[so + rr + cc * s_col];
      }
      __syncthreads();
      for (int j = ty; j < kTile; j += kTileRows) {
        int64_t rr = r0 + j, cc = c0 + tx;
        if (rr < rows && cc < cols) dst[dof + rr * d_row + cc] = tile[tx][j];
      }
      __syncthreads();
    }
  }
}

template <typename U>
void copy_same_size(const void* src, void* dst, const Shape& shape,
                    const std::vector<Strides>& st, cudaStream_t stream) {
  int nd = int(shape.size());
  int64_t n = 1;
  for (auto d : shape) n *= d;
  if (nd >= 2 && nd - 2 <= kMaxDims && st[0][nd - 2] == 1 &&
      st[0][nd - 1] != 1 && st[1][nd - 1] == 1 && shape[nd - 2] >= 8 &&
      shape[nd - 1] >= 8) {
    int64_t rows = shape[nd - 2], cols = shape[nd - 1];
    Shape bshape(shape.begin(), shape.end() - 2);
    std::vector<Strides> bst = {Strides(st[0].begin(), st[0].end() - 2),
                                Strides(st[1].begin(), st[1].end() - 2)};
    StridedMeta<2> meta = make_meta<2>(bshape, bst);
    int64_t n_batch = n / (rows * cols);
    dim3 grid(unsigned((cols + kTile - 1) / kTile),
              unsigned(std::min<int64_t>((rows + kTile - 1) / kTile, 65535)),
              unsigned(std::min<int64_t>(n_batch, 65535)));
    copy_transpose_tiled<U><<<grid, dim3(kTile, kTileRows), 0, stream>>>(
        static_cast<const U*>(src), static_cast<U*>(dst), meta, n_batch, rows,
        cols, st[0][nd - 1], st[1][nd - 2]);
    check_launch("Copy");
    return;
  }
  // Rows contiguous on both sides (e.g. (B, H, T, D) -> (B, T, H, D)): move
  // them as 16-byte words when rows, strides and pointers allow, so each
  // access is a full vector instead of one 1-8 byte element.
  constexpr int64_t kVec = 16 / int64_t(sizeof(U));
  if (kVec > 1 && nd >= 2 && st[0][nd - 1] == 1 && st[1][nd - 1] == 1 &&
      shape[nd - 1] % kVec == 0 &&
      reinterpret_cast<uintptr_t>(src) % 16 == 0 &&
      reinterpret_cast<uintptr_t>(dst) % 16 == 0) {
    bool ok = true;
    Shape vshape = shape;
    std::vector<Strides> vst = st;
    vshape[nd - 1] /= kVec;
    for (int d = 0; d < nd - 1 && ok; ++d) {
      for (auto& sv : vst) {
        ok = ok && sv[d] % kVec == 0;
        sv[d] /= kVec;
      }
    }
    if (ok) {
      launch_unary<uint4, uint4>(static_cast<const uint4*>(src),
                                 static_cast<uint4*>(dst), vshape, vst[0],
                                 vst[1], stream, IdentityOp{}, "Copy");
      return;
    }
  }
  launch_unary<U, U>(static_cast<const U*>(src), static_cast<U*>(dst), shape,
                     st[0], st[1], stream, IdentityOp{}, "Copy");
}

}  // namespace

void copy_gpu_raw(const void* src, Dtype src_dtype, const Strides& src_strides,
                  void* dst, Dtype dst_dtype, const Strides& dst_strides,
                  const Shape& shape, cudaStream_t stream) {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  if (n == 0) return;
  if (src_dtype != dst_dtype) {
    detail::CastArgs a{src,       src_dtype, &src_strides, dst,
                       dst_dtype, &dst_strides, &shape,    stream};
    if (is_floating_point(src_dtype) || is_complex(src_dtype)) {
      detail::cast_from_floating(a);
    } else {
      detail::cast_from_integral(a);
    }
    return;
  }
  auto [cs, cst] = collapse_contiguous_dims(shape, {src_strides, dst_strides});
  size_t isz = size_of(src_dtype);
  if (n == 1 || (cs.size() == 1 && cst[0][0] == 1 && cst[1][0] == 1)) {
    EMBER_CUDA_CHECK(cudaMemcpyAsync(dst, src, size_t(n) * isz,
                                     cudaMemcpyDeviceToDevice, stream));
    return;
  }
  switch (isz) {
    case 1: copy_same_size<uint8_t>(src, dst, cs, cst, stream); break;
    case 2: copy_same_size<uint16_t>(src, dst, cs, cst, stream); break;
    case 4: copy_same_size<uint32_t>(src, dst, cs, cst, stream); break;
    case 8: copy_same_size<uint64_t>(src, dst, cs, cst, stream); break;
    default:
      throw std::invalid_argument("[Copy] Unexpected element size " +
                                  std::to_string(isz) + ".");
  }
}

void copy_gpu(const array& src, array& dst, const Strides& dst_strides,
              int64_t dst_offset, const Stream& s) {
  if (src.size() == 0) return;
  char* d = gpu_ptr<char>(dst) + dst_offset * int64_t(dst.itemsize());
  copy_gpu_raw(gpu_ptr<void>(src), src.dtype(), src.strides(), d, dst.dtype(),
               dst_strides, src.shape(), get_stream(s));
}

void copy_gpu(const array& src, array& dst, const Stream& s) {
  copy_gpu(src, dst, dst.strides(), 0, s);
}

void copy_gpu_contiguous(const array& in, array& out, const Stream& s) {
  allocate(out, s);
  copy_gpu(in, out, out.strides(), 0, s);
}

void copy_gpu_preserve_layout(const array& in, array& out, const Stream& s) {
  if (in.flags().contiguous && in.size() == in.data_size()) {
    allocate(out, s, in.data_size(), in.strides(), in.flags());
    Shape flat{ShapeElem(in.data_size())};
    copy_gpu_raw(gpu_ptr<void>(in), in.dtype(), Strides{1}, gpu_ptr<void>(out),
                 out.dtype(), Strides{1}, flat, get_stream(s));
    return;
  }
  copy_gpu_contiguous(in, out, s);
}

array empty_gpu(const Shape& shape, Dtype dtype, const Stream& s) {
  array a(Buffer{nullptr, 0}, shape, dtype);
  allocate(a, s);
  return a;
}

array contiguous_gpu(const array& in, const Stream& s) {
  if (in.flags().row_contiguous) return in;
  array tmp = empty_gpu(in.shape(), in.dtype(), s);
  copy_gpu(in, tmp, tmp.strides(), 0, s);
  return tmp;
}

bool donatable_gpu(const array& in, const Stream& s) {
  if (!in.is_donatable()) return false;
  auto d = in.data_shared_ptr();
  if (d->device_ptr == nullptr || s.index >= 64) return false;
  // Kernels queued earlier on other streams may still read the buffer.
  uint64_t bit = uint64_t(1) << s.index;
  return (d->device_streams & ~bit) == 0;
}

}  // namespace ember::cuda
