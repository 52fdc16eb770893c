// RandomBits: Threefry-2x32-20 counters laid out exactly as on the CPU.
// Each key fills W = ceil(bytes / 4) words: pairs (w[i], w[i + h + o]) =
// threefry(key, (i, h + o + i)) for i < h = W / 2, and w[h] =
// threefry(key, (h, 0)).x0 when W is odd (o = 1). One thread per
// (key, pair); adjacent threads write adjacent words. Compute bound
// (~80 integer ops per 8 bytes).
#include <vector>

#include "ember/backend/cuda/cuda.h"
#include "ember/backend/cuda/device/reduce_ops.cuh"
#include "ember/backend/cuda/random/threefry.cuh"
#include "ember/primitives/random.h"

namespace ember {

namespace cuda {
namespace {

__device__ __forceinline__ void put_word(unsigned char* dst, int64_t bytes, int64_t w,
                                         uint32_t v, bool aligned) {
  if (aligned) {
    reinterpret_cast<uint32_t*>(dst)[w] = v;
    return;
  }
#pragma unroll
  for (int b = 0; b < 4; ++b) {
    if (4 * w + b < bytes) dst[4 * w + b] = (unsigned char)(v >> (8 * b));
  }
}

__global__ void random_bits_kernel(const uint32_t* __restrict__ keys, Dims kdims,
                                   unsigned char* __restrict__ out, int64_t num_keys,
                                   int64_t bytes, int64_t h, int64_t o) {
  int64_t hp = h + o;
  int64_t total = num_keys * hp;
  bool aligned = bytes % 4 == 0;
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < total;
       t += int64_t(gridDim.x) * blockDim.x) {
    int64_t k = t / hp, j = t - k * hp;
    uint32_t k0 = keys[kdims.offset0(2 * k)], k1 = keys[kdims.offset0(2 * k + 1)];
    unsigned char* dst = out + k * bytes;
    uint32_t a, b;
    if (j < h) {
      threefry2x32(k0, k1, uint32_t(j), uint32_t(h + o + j), a, b);
      put_word(dst, bytes, j, a, aligned);
      put_word(dst, bytes, j + h + o, b, aligned);
    } else {
      threefry2x32(k0, k1, uint32_t(h), 0u, a, b);
      put_word(dst, bytes, h, a, aligned);
    }
  }
}

}  // namespace
}  // namespace cuda

void RandomBits::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& keys = inputs[0];
  const Stream& s = stream();
  cuda::allocate(out, s);
  if (out.size() == 0) return;
  int64_t num_keys = int64_t(keys.size() / 2);
  int64_t bytes = int64_t(out.nbytes()) / num_keys;
  int64_t W = (bytes + 3) / 4;
  int64_t h = W / 2, o = W % 2;
  // Key words walk: size-1 dims dropped, contiguous dims merged.
  std::vector<int64_t> sh, st;
  for (int i = 0; i < keys.ndim(); ++i) {
    if (keys.shape(i) == 1) continue;
    int64_t d = keys.shape(i), si = keys.strides()[i];
    if (!sh.empty() && st.back() == si * d) {
      sh.back() *= d;
      st.back() = si;
    } else {
      sh.push_back(d);
      st.push_back(si);
    }
  }
  if (int(sh.size()) > cuda::kMaxDims) {
    throw std::runtime_error("[RandomBits] Too many non-mergeable key dimensions for "
                             "the GPU kernel; got " + std::to_string(sh.size()) + ".");
  }
  cuda::Dims kd;
  kd.n = int(sh.size());
  for (int i = 0; i < kd.n; ++i) {
    kd.shape[i] = sh[i];
    kd.s0[i] = st[i];
    kd.s1[i] = 0;
  }
  int64_t total = num_keys * (h + o);
  cuda::random_bits_kernel<<<cuda::num_blocks(total), 256, 0, cuda::get_stream(s)>>>(
      cuda::gpu_ptr<uint32_t>(keys), kd, cuda::gpu_ptr<unsigned char>(out), num_keys, bytes,
      h, o);
  cuda::check_launch("RandomBits");
}

}  // namespace ember
