// PsdSqrt and PsdSqrtSylvester: the CPU's cyclic Jacobi eigendecomposition
// in float64, one block per matrix. Rotations run in the CPU's order; the
// threads of a block share each rotation's row / column updates (three
// barriers per rotation). Matrices live in a float64 scratch (a, q, ev and,
// for Sylvester, g, t, u), processed in chunks of at most 256 MB. Cost per
// sweep O(n^3) flops spread over the block; meant for the small covariance
// matrices of multivariate_normal.
#include <algorithm>

#include "ember/backend/cuda/copy.h"
#include "ember/backend/cuda/cuda.h"
#include "ember/backend/cuda/device/reduce_ops.cuh"
#include "ember/primitives/random.h"

namespace ember {

namespace cuda {
namespace {

struct AddD {
  using acc_t = double;
  __device__ static double init() { return 0.0; }
  __device__ double operator()(double a, double b) const { return a + b; }
};

// a (n x n, destroyed) -> eigenvalues ev, column eigenvectors q.
__device__ void jacobi_block(double* a, double* q, double* ev, int n, double* red) {
  int64_t nn = int64_t(n) * n;
  for (int64_t i = threadIdx.x; i < nn; i += blockDim.x) {
    q[i] = (i / n == i % n) ? 1.0 : 0.0;
  }
  __syncthreads();
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, diag = 0;
    for (int64_t i = threadIdx.x; i < nn; i += blockDim.x) {
      int64_t r = i / n, c = i % n;
      double v = a[i];
      if (r == c) {
        diag += v * v;
      } else if (c > r) {
        off += v * v;
      }
    }
    off = block_allreduce(off, AddD{}, red);
    diag = block_allreduce(diag, AddD{}, red);
    if (off <= 1e-30 * diag || off == 0) break;
    for (int p = 0; p < n; ++p) {
      for (int r = p + 1; r < n; ++r) {
        double apr = a[p * n + r];
        if (apr == 0) continue;
        double theta = (a[r * n + r] - a[p * n + p]) / (2 * apr);
        double t = (theta >= 0 ? 1.0 : -1.0) /
                   (fabs(theta) + sqrt(theta * theta + 1));
        double c = 1 / sqrt(t * t + 1), s = t * c;
        __syncthreads();  // everyone has read the pivot entries
        for (int k = threadIdx.x; k < n; k += blockDim.x) {
          double akp = a[k * n + p], akr = a[k * n + r];
          a[k * n + p] = c * akp - s * akr;
          a[k * n + r] = s * akp + c * akr;
          double qkp = q[k * n + p], qkr = q[k * n + r];
          q[k * n + p] = c * qkp - s * qkr;
          q[k * n + r] = s * qkp + c * qkr;
        }
        __syncthreads();
        for (int k = threadIdx.x; k < n; k += blockDim.x) {
          double apk = a[p * n + k], ark = a[r * n + k];
          a[p * n + k] = c * apk - s * ark;
          a[r * n + k] = s * apk + c * ark;
        }
        __syncthreads();
      }
    }
  }
  for (int i = threadIdx.x; i < n; i += blockDim.x) ev[i] = a[i * n + i];
  __syncthreads();
}

template <typename T>
__device__ void load_matrix(const T* src, double* a, int64_t nn) {
  for (int64_t i = threadIdx.x; i < nn; i += blockDim.x) {
    a[i] = double(cast_to<acc_type_t<T>>(src[i]));
  }
}

template <typename T>
__global__ void psd_sqrt_kernel(const T* __restrict__ x, T* __restrict__ out,
                                double* work, int n) {
  __shared__ double red[33];
  int64_t nn = int64_t(n) * n;
  int64_t m = blockIdx.x;
  double* a = work + m * (2 * nn + n);
  double* q = a + nn;
  double* ev = q + nn;
  load_matrix(x + m * nn, a, nn);
  __syncthreads();
  jacobi_block(a, q, ev, n, red);
  for (int i = threadIdx.x; i < n; i += blockDim.x) ev[i] = sqrt(fmax(ev[i], 0.0));
  __syncthreads();
  for (int64_t e = threadIdx.x; e < nn; e += blockDim.x) {
    int64_t i = e / n, j = e % n;
    double acc = 0;
    for (int k = 0; k < n; ++k) acc += q[i * n + k] * ev[k] * q[j * n + k];
    out[m * nn + e] = cast_to<T>(acc);
  }
}

template <typename T>
__global__ void psd_sylvester_kernel(const T* __restrict__ x, const T* __restrict__ g,
                                     T* __restrict__ out, double* work, int n) {
  __shared__ double red[33];
  int64_t nn = int64_t(n) * n;
  int64_t m = blockIdx.x;
  double* a = work + m * (5 * nn + n);
  double* q = a + nn;
  double* gm = q + nn;
  double* t = gm + nn;
  double* u = t + nn;
  double* ev = u + nn;
  load_matrix(x + m * nn, a, nn);
  load_matrix(g + m * nn, gm, nn);
  __syncthreads();
  jacobi_block(a, q, ev, n, red);
  // t = Q^T G Q scaled by 1 / (l_i + l_j); D = Q t Q^T.
  for (int64_t e = threadIdx.x; e < nn; e += blockDim.x) {
    int64_t i = e / n, j = e % n;
    double acc = 0;
    for (int k = 0; k < n; ++k) acc += q[k * n + i] * gm[k * n + j];
    u[e] = acc;
  }
  __syncthreads();
  for (int64_t e = threadIdx.x; e < nn; e += blockDim.x) {
    int64_t i = e / n, j = e % n;
    double acc = 0;
    for (int k = 0; k < n; ++k) acc += u[i * n + k] * q[k * n + j];
    double den = ev[i] + ev[j];
    t[e] = den > 0 ? acc / den : 0.0;
  }
  __syncthreads();
  for (int64_t e = threadIdx.x; e < nn; e += blockDim.x) {
    int64_t i = e / n, j = e % n;
    double acc = 0;
    for (int k = 0; k < n; ++k) acc += q[i * n + k] * t[k * n + j];
    u[e] = acc;
  }
  __syncthreads();
  for (int64_t e = threadIdx.x; e < nn; e += blockDim.x) {
    int64_t i = e / n, j = e % n;
    double acc = 0;
    for (int k = 0; k < n; ++k) acc += u[i * n + k] * q[j * n + k];
    out[m * nn + e] = cast_to<T>(acc);
  }
}

int block_for(int n) {
  int b = 32;
  while (b < n && b < 256) b <<= 1;
  return b;
}

// Runs fn(first_matrix, count, work) over chunks of matrices whose float64
// scratch (`per` doubles each) stays under 256 MB.
template <typename F>
void by_chunks(int64_t batch, int64_t per, const Stream& s, F&& fn) {
  int64_t chunk = std::max<int64_t>(1, (int64_t(256) << 20) / (per * 8));
  chunk = std::min(chunk, batch);
  Scratch work(size_t(chunk * per) * sizeof(double), s);
  for (int64_t m0 = 0; m0 < batch; m0 += chunk) {
    fn(m0, std::min(chunk, batch - m0), static_cast<double*>(work.get()));
  }
}

}  // namespace
}  // namespace cuda

void PsdSqrt::eval_gpu(const std::vector<array>& inputs, array& out) {
  const Stream& s = stream();
  array in = cuda::contiguous_gpu(inputs[0], s);
  cuda::allocate(out, s);
  if (out.size() == 0) return;
  int64_t n = in.shape(-1);
  int64_t nn = n * n;
  int64_t batch = int64_t(in.size()) / nn;
  cudaStream_t cs = cuda::get_stream(s);
  cuda::dispatch_device_float(out.dtype(), "PsdSqrt", [&](auto tag) {
    using T = decltype(tag);
    const T* x = cuda::gpu_ptr<T>(in);
    T* y = cuda::gpu_ptr<T>(out);
    cuda::by_chunks(batch, 2 * nn + n, s, [&](int64_t m0, int64_t cnt, double* w) {
      cuda::psd_sqrt_kernel<T><<<unsigned(cnt), cuda::block_for(int(n)), 0, cs>>>(
          x + m0 * nn, y + m0 * nn, w, int(n));
      cuda::check_launch("PsdSqrt");
    });
  });
}

void PsdSqrtSylvester::eval_gpu(const std::vector<array>& inputs, array& out) {
  const Stream& s = stream();
  array x = cuda::contiguous_gpu(inputs[0], s);
  array g = cuda::contiguous_gpu(inputs[1], s);
  cuda::allocate(out, s);
  if (out.size() == 0) return;
  int64_t n = x.shape(-1);
  int64_t nn = n * n;
  int64_t batch = int64_t(x.size()) / nn;
  cudaStream_t cs = cuda::get_stream(s);
  cuda::dispatch_device_float(out.dtype(), "PsdSqrtSylvester", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = cuda::gpu_ptr<T>(x);
    const T* gp = cuda::gpu_ptr<T>(g);
    T* y = cuda::gpu_ptr<T>(out);
    cuda::by_chunks(batch, 5 * nn + n, s, [&](int64_t m0, int64_t cnt, double* w) {
      cuda::psd_sylvester_kernel<T><<<unsigned(cnt), cuda::block_for(int(n)), 0, cs>>>(
          xp + m0 * nn, gp + m0 * nn, y + m0 * nn, w, int(n));
      cuda::check_launch("PsdSqrtSylvester");
    });
  });
}

}  // namespace ember
