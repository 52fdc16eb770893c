// Sort, ArgSort, Partition and ArgPartition along one axis. Elements map to
// order-preserving unsigned keys (sort.cuh) paired with their index along
// the axis; sorting (key, index) pairs reproduces the CPU's stable NaN-last
// sort exactly, and Sort writes the input values gathered through the
// sorted indices (so -0.0 and NaN payloads survive). Partition and
// ArgPartition return the full sort, which satisfies the partition property.
//  - lines of n <= 2048: a bitonic sort of padded (key, index) pairs in
//    shared memory, 2048 / P lines per 512-thread block (P = pow2 >= n),
//    reading the input through its strides directly. Traffic: one read,
//    one write (plus the gather for Sort).
//  - longer lines: keys and indices are written to scratch, radix sorted
//    by CUB (sort_radix.cu) and the results gathered into the output.
// Output is row-contiguous (the input's shape).
#include <vector>

#include "ember/backend/cuda/sort/sort.cuh"
#include "ember/primitives/sort.h"

namespace ember {

namespace cuda {
namespace {

constexpr int kBlockSortMax = 2048;
constexpr int kBlockSortThreads = 512;

// Lines along `axis`: the other dims (size-1 dropped, contiguous merged),
// s0 = input strides, s1 = output strides.
Dims line_dims(const array& in, const Strides& out_strides, int axis, const char* op) {
  std::vector<int64_t> sh, a, b;
  for (int i = 0; i < in.ndim(); ++i) {
    if (i == axis || in.shape(i) == 1) continue;
    int64_t n = in.shape(i), si = in.strides()[i], so = out_strides[i];
    if (!sh.empty() && a.back() == si * n && b.back() == so * n) {
      sh.back() *= n;
      a.back() = si;
      b.back() = so;
    } else {
      sh.push_back(n);
      a.push_back(si);
      b.push_back(so);
    }
  }
  if (int(sh.size()) > kMaxDims) {
    throw std::runtime_error(std::string("[") + op +
                             "] Too many non-mergeable dimensions for the GPU "
                             "kernel; got " + std::to_string(sh.size()) + ".");
  }
  Dims d;
  d.n = int(sh.size());
  for (int i = 0; i < d.n; ++i) {
    d.shape[i] = sh[i];
    d.s0[i] = a[i];
    d.s1[i] = b[i];
  }
  return d;
}

template <typename T>
__device__ __forceinline__ void write_result(const T* in, void* out, bool values,
                                             int64_t oin, int64_t s_in, int64_t oout,
                                             int64_t s_out, int64_t q, uint32_t i) {
  if (values) {
    static_cast<T*>(out)[oout + q * s_out] = in[oin + int64_t(i) * s_in];
  } else {
    static_cast<uint32_t*>(out)[oout + q * s_out] = i;
  }
}

template <typename T>
__global__ void __launch_bounds__(kBlockSortThreads)
    sort_block(const T* __restrict__ in, void* __restrict__ out, Dims lines,
               int64_t nlines, int n, int logP, int64_t s_in, int64_t s_out,
               bool values) {
  using K = sort_key_t<T>;
  __shared__ K keys[kBlockSortMax];
  __shared__ uint32_t idx[kBlockSortMax];
  __shared__ int64_t lin[kBlockSortMax / 2], lout[kBlockSortMax / 2];
  const int P = 1 << logP;
  const int R = kBlockSortMax >> logP;  // lines per block
  int64_t l0 = int64_t(blockIdx.x) * R;
  for (int r = threadIdx.x; r < R; r += blockDim.x) {
    int64_t a = 0, b = 0;
    if (l0 + r < nlines) lines.locate(l0 + r, a, b);
    lin[r] = a;
    lout[r] = b;
  }
  __syncthreads();
  for (int e = threadIdx.x; e < kBlockSortMax; e += blockDim.x) {
    int r = e >> logP, q = e & (P - 1);
    if (l0 + r < nlines && q < n) {
      keys[e] = sort_key(in[lin[r] + int64_t(q) * s_in]);
      idx[e] = uint32_t(q);
    } else {
      keys[e] = K(~K(0));
      idx[e] = 0xffffffffu;
    }
  }
  __syncthreads();
  for (int k = 2; k <= P; k <<= 1) {
    for (int j = k >> 1; j > 0; j >>= 1) {
      for (int i = threadIdx.x; i < kBlockSortMax; i += blockDim.x) {
        int ixj = i ^ j;
        if (ixj > i) {
          bool up = k == P || (i & k) == 0;
          K ka = keys[i], kb = keys[ixj];
          uint32_t ia = idx[i], ib = idx[ixj];
          bool gt = ka > kb || (ka == kb && ia > ib);
          if (gt == up) {
            keys[i] = kb;
            keys[ixj] = ka;
            idx[i] = ib;
            idx[ixj] = ia;
          }
        }
      }
      __syncthreads();
    }
  }
  for (int e = threadIdx.x; e < kBlockSortMax; e += blockDim.x) {
    int r = e >> logP, q = e & (P - 1);
    if (l0 + r < nlines && q < n) {
      write_result(in, out, values, lin[r], s_in, lout[r], s_out, q, idx[e]);
    }
  }
}

template <typename T>
__global__ void make_keys(const T* __restrict__ in, sort_key_t<T>* __restrict__ keys,
                          uint32_t* __restrict__ vals, Dims lines, int64_t total,
                          int64_t n, int64_t s_in) {
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < total;
       t += int64_t(gridDim.x) * blockDim.x) {
    int64_t l = t / n, q = t - l * n;
    keys[t] = sort_key(in[lines.offset0(l) + q * s_in]);
    vals[t] = uint32_t(q);
  }
}

template <typename T>
__global__ void gather_sorted(const T* __restrict__ in, void* __restrict__ out,
                              const uint32_t* __restrict__ vals, Dims lines,
                              int64_t total, int64_t n, int64_t s_in, int64_t s_out,
                              bool values) {
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < total;
       t += int64_t(gridDim.x) * blockDim.x) {
    int64_t l = t / n, q = t - l * n;
    int64_t oin, oout;
    lines.locate(l, oin, oout);
    write_result(in, out, values, oin, s_in, oout, s_out, q, vals[t]);
  }
}

void run_sort(const array& in, array& out, int axis, bool values, const Stream& s,
              const char* name) {
  cuda::allocate(out, s);
  if (out.size() == 0) return;
  int64_t n = in.shape(axis);
  int64_t total = int64_t(in.size());
  int64_t nlines = total / n;
  Dims lines = line_dims(in, out.strides(), axis, name);
  int64_t s_in = in.strides()[axis], s_out = out.strides()[axis];
  cudaStream_t cs = get_stream(s);
  dispatch_device(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using K = sort_key_t<T>;
    const T* src = gpu_ptr<T>(in);
    void* dst = gpu_ptr<void>(out);
    if (n <= kBlockSortMax) {
      int logP = 1;
      while ((int64_t(1) << logP) < n) ++logP;
      int64_t R = kBlockSortMax >> logP;
      int64_t blocks = (nlines + R - 1) / R;
      sort_block<T><<<unsigned(blocks), kBlockSortThreads, 0, cs>>>(
          src, dst, lines, nlines, int(n), logP, s_in, s_out, values);
      check_launch(name);
      return;
    }
    Scratch kbuf(size_t(total) * 2 * sizeof(K), s);
    Scratch vbuf(size_t(total) * 2 * sizeof(uint32_t), s);
    K* k0 = static_cast<K*>(kbuf.get());
    K* k1 = k0 + total;
    uint32_t* v0 = static_cast<uint32_t*>(vbuf.get());
    uint32_t* v1 = v0 + total;
    make_keys<T><<<num_blocks(total), 256, 0, cs>>>(src, k0, v0, lines, total, n, s_in);
    check_launch(name);
    radix_sort_lines<K>(k0, k1, v0, v1, nlines, n, sort_key_bits<T>(), s);
    gather_sorted<T><<<num_blocks(total), 256, 0, cs>>>(src, dst, v1, lines, total, n,
                                                         s_in, s_out, values);
    check_launch(name);
  });
}

}  // namespace
}  // namespace cuda

void Sort::eval_gpu(const std::vector<array>& inputs, array& out) {
  cuda::run_sort(inputs[0], out, axis_, true, stream(), "Sort");
}
void ArgSort::eval_gpu(const std::vector<array>& inputs, array& out) {
  cuda::run_sort(inputs[0], out, axis_, false, stream(), "ArgSort");
}
// A full sort is a valid partition around any kth.
void Partition::eval_gpu(const std::vector<array>& inputs, array& out) {
  cuda::run_sort(inputs[0], out, axis_, true, stream(), "Partition");
}
void ArgPartition::eval_gpu(const std::vector<array>& inputs, array& out) {
  cuda::run_sort(inputs[0], out, axis_, false, stream(), "ArgPartition");
}

}  // namespace ember
