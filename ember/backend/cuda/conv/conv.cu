// Convolution on the GPU (channels-last): im2col + cuBLASLt GEMM, every
// option of the CPU kernel (N-d, strides, low/high padding incl. negative,
// kernel and input dilation, groups, flip).
// Algorithm: output rows (n, *out_pos) are processed in chunks whose patch
// matrix col[row, g, kernel_pos, c] stays under 256 MiB; the im2col kernel
// gathers it from the (virtually dilated and padded) input (zeros for taps
// in padding or between dilated elements); one strided-batched GEMM over the
// groups multiplies col_g (rows x K*Cg) by weight_g^T straight into
// out[:, g*Cout_g:(g+1)*Cout_g] (ldc = C_out). Pointwise convolutions (1x1,
// stride 1, no padding / input dilation) skip im2col and use the input as
// col. Launch (im2col): blockDim (tx over channels, ty over (row, tap)
// pairs), grid-stride. Traffic: the input is read once per kernel tap, col
// written and read once, the weight once per chunk, out written once.
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#include "ember/backend/cuda/copy.h"
#include "ember/backend/cuda/cuda.h"
#include "ember/backend/cuda/device/dtypes.cuh"
#include "ember/backend/cuda/matmul.h"
#include "ember/primitives/conv.h"

namespace ember {

namespace {

constexpr int kMaxDims = 8;
constexpr size_t kColBytes = size_t(256) << 20;

struct Im2ColParams {
  int nd;
  int64_t S[kMaxDims], O[kMaxDims], K[kMaxDims];
  int64_t stride[kMaxDims], pad_lo[kMaxDims], kdil[kMaxDims], idil[kMaxDims];
  int64_t in_dil[kMaxDims];  // size of the dilated input along each dim
  int64_t P, KP, Cin, Cg, KC, W;
  int64_t row0, nrows;
  bool flip;
};

template <typename T>
__global__ void im2col_kernel(const T* __restrict__ x, T* __restrict__ col,
                              const Im2ColParams p) {
  const int64_t pairs = p.nrows * p.KP;
  for (int64_t e = blockIdx.x * int64_t(blockDim.y) + threadIdx.y; e < pairs;
       e += int64_t(gridDim.x) * blockDim.y) {
    const int64_t r = e / p.KP;
    int64_t kk = e - r * p.KP;
    const int64_t row = p.row0 + r;
    const int64_t n = row / p.P;
    int64_t opos = row - n * p.P;
    // Input offset of this tap (row-major over the spatial dims), or -1.
    int64_t off = 0, mul = 1;
    bool valid = true;
    for (int d = p.nd - 1; d >= 0; --d) {
      int64_t o = opos % p.O[d];
      opos /= p.O[d];
      int64_t k = kk % p.K[d];
      kk /= p.K[d];
      int64_t kpos = p.flip ? p.K[d] - 1 - k : k;
      int64_t j = o * p.stride[d] + kpos * p.kdil[d] - p.pad_lo[d];
      if (j < 0 || j >= p.in_dil[d] || j % p.idil[d] != 0) valid = false;
      off += (j / p.idil[d]) * mul;
      mul *= p.S[d];
    }
    const int64_t tap = e - r * p.KP;
    const T* src = x + (n * mul + off) * p.Cin;
    T* dst = col + r * p.W + tap * p.Cg;
    for (int64_t c = threadIdx.x; c < p.Cin; c += blockDim.x) {
      int64_t g = p.Cg == p.Cin ? 0 : c / p.Cg;
      int64_t cg = c - g * p.Cg;
      dst[g * p.KC + cg] = valid ? src[c] : T(0);
    }
  }
}

template <typename T>
void launch_im2col(const void* x, void* col, const Im2ColParams& p,
                   cudaStream_t stream) {
  int tx = 1;
  while (tx < p.Cin && tx < 32) tx *= 2;
  int ty = 256 / tx;
  int64_t blocks = (p.nrows * p.KP + ty - 1) / ty;
  unsigned grid = unsigned(std::min<int64_t>(blocks, 65535LL * 64));
  im2col_kernel<T><<<grid, dim3(tx, ty), 0, stream>>>(
      static_cast<const T*>(x), static_cast<T*>(col), p);
}

}  // namespace

void Convolution::eval_gpu(const std::vector<array>& inputs, array& out) {
  auto& s = stream();
  cuda::allocate(out, s);
  if (out.size() == 0) return;
  Dtype dt = out.dtype();
  if (dt != float16 && dt != bfloat16 && dt != float32 && dt != float64) {
    throw std::invalid_argument(std::string("[conv] Not supported for dtype ") +
                                dtype_name(dt) + ".");
  }
  int D = inputs[0].ndim() - 2;
  if (D > kMaxDims) {
    throw std::invalid_argument("[conv] The gpu supports at most " +
                                std::to_string(kMaxDims) +
                                " spatial dimensions; got " + std::to_string(D) +
                                ".");
  }
  cudaStream_t stream = cuda::get_stream(s);
  array in = cuda::contiguous_gpu(inputs[0], s);
  array wt = cuda::contiguous_gpu(inputs[1], s);
  int64_t N = in.shape(0), Cin = in.shape(-1), Cout = wt.shape(0);
  int64_t G = groups_, Cg = Cin / G, Cog = Cout / G;
  Im2ColParams p{};
  p.nd = D;
  p.P = 1;
  p.KP = 1;
  bool pointwise = true;
  for (int d = 0; d < D; ++d) {
    p.S[d] = in.shape(d + 1);
    p.K[d] = wt.shape(d + 1);
    p.O[d] = out.shape(d + 1);
    p.stride[d] = stride_[d];
    p.pad_lo[d] = padding_lo_[d];
    p.kdil[d] = kernel_dilation_[d];
    p.idil[d] = input_dilation_[d];
    p.in_dil[d] = (p.S[d] - 1) * p.idil[d] + 1;
    p.P *= p.O[d];
    p.KP *= p.K[d];
    pointwise &= p.K[d] == 1 && p.stride[d] == 1 && p.pad_lo[d] == 0 &&
                 padding_hi_[d] == 0 && p.idil[d] == 1;
  }
  p.Cin = Cin;
  p.Cg = Cg;
  p.KC = p.KP * Cg;
  p.W = G * p.KC;
  p.flip = flip_;
  int64_t rows = N * p.P;
  size_t es = size_of(dt);
  if (p.KC == 0) {
    // No input channels: an empty sum.
    EMBER_CUDA_CHECK(cudaMemsetAsync(cuda::gpu_ptr<void>(out), 0, out.nbytes(), stream));
    return;
  }
  const char* wp = cuda::gpu_ptr<char>(wt);
  char* op = cuda::gpu_ptr<char>(out);
  // weight_g^T: element (k, n) of group g at w + g*Cog*KC + n*KC + k.
  auto weight_operand = [&]() {
    return cuda::GemmOperand{wp, true, p.KC, Cog * p.KC};
  };
  if (pointwise) {
    cuda::GemmOperand a{cuda::gpu_ptr<char>(in), false, Cin, Cg};
    cuda::gemm(s, dt, rows, Cog, Cg, a, weight_operand(), op, Cout, Cog, G, 1.0f,
               0.0f);
    return;
  }
  int64_t chunk = std::max<int64_t>(1, int64_t(kColBytes / (size_t(p.W) * es)));
  chunk = std::min(chunk, rows);
  cuda::Scratch col(size_t(chunk) * size_t(p.W) * es, s);
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    p.row0 = r0;
    p.nrows = std::min(chunk, rows - r0);
    cuda::dispatch_device_float(dt, "conv", [&](auto tag) {
      launch_im2col<decltype(tag)>(cuda::gpu_ptr<void>(in), col.get(), p, stream);
    });
    cuda::check_launch("conv");
    cuda::GemmOperand a{static_cast<const char*>(col.get()), false, p.W, p.KC};
    cuda::gemm(s, dt, p.nrows, Cog, p.KC, a, weight_operand(),
               op + r0 * Cout * int64_t(es), Cout, Cog, G, 1.0f, 0.0f);
  }
}

}  // namespace ember
