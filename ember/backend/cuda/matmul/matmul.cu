// Matmul and AddMM on the GPU through cuBLASLt (backend/cuda/matmul.cpp).
// Algorithm: each operand matrix is read in place when it is a row-major or
// transposed (column-major) view; any other layout (steps in both dims,
// negative or zero strides) is first packed once into a row-contiguous
// scratch copy of its distinct (non-broadcast) matrices. Batch dims are
// collapsed; the innermost run becomes one strided-batched cuBLASLt call
// (broadcast operands get batch stride 0) and any outer batch dims loop on
// the host. When b is shared by every batch and a is row-major, the batch
// folds into M (one large product). AddMM first copies c (any layout) into
// out, then runs in place with beta.
// Traffic: one read of a and b per product (cuBLASLt tiles them), one write
// of out; plus one read+write of c for AddMM. Matrix-vector products
// (decoding) go to the kernels of gemv.cu instead when eligible.
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "ember/backend/common/utils.h"
#include "ember/backend/cuda/copy.h"
#include "ember/backend/cuda/cuda.h"
#include "ember/backend/cuda/device/dtypes.cuh"
#include "ember/backend/cuda/matmul.h"
#include "ember/primitives/matmul.h"

namespace ember {

namespace {

using cuda::GemmOperand;

// How cuBLASLt can read a rows x cols matrix with strides (sr, sc) in place.
struct MatLayout {
  bool direct = false;  // false: pack first
  bool trans = false;
  int64_t ld = 0;
};

MatLayout classify(int64_t rows, int64_t cols, int64_t sr, int64_t sc) {
  MatLayout l;
  if ((sc == 1 || cols <= 1) && (rows <= 1 || sr >= std::max<int64_t>(cols, 1))) {
    l.direct = true;
    l.trans = false;
    l.ld = rows <= 1 ? std::max<int64_t>(cols, 1) : sr;
  } else if ((sr == 1 || rows <= 1) &&
             (cols <= 1 || sc >= std::max<int64_t>(rows, 1))) {
    l.direct = true;
    l.trans = true;
    l.ld = cols <= 1 ? std::max<int64_t>(rows, 1) : sc;
  }
  return l;
}

// An operand as (device pointer, full strides) that may be repacked.
struct Operand {
  const char* ptr;
  Strides strides;
  MatLayout layout;
};

// Packs the distinct matrices of `x` (broadcast batch dims stay broadcast)
// row-contiguously into `buf`; returns the new operand.
Operand pack(const array& x, const Shape& shape, std::vector<array>& keep,
             const Stream& s) {
  int nd = int(shape.size());
  Shape compact = shape;
  for (int d = 0; d < nd - 2; ++d) {
    if (x.strides(d) == 0) compact[d] = 1;
  }
  array buf = cuda::empty_gpu(compact, x.dtype(), s);
  Strides src = x.strides();
  cuda::copy_gpu_raw(cuda::gpu_ptr<void>(x), x.dtype(), src,
                     cuda::gpu_ptr<void>(buf), x.dtype(), buf.strides(),
                     compact, cuda::get_stream(s));
  Operand op{cuda::gpu_ptr<char>(buf), buf.strides(), {}};
  for (int d = 0; d < nd - 2; ++d) {
    if (compact[d] == 1) op.strides[d] = 0;
  }
  int64_t rows = shape[nd - 2], cols = shape[nd - 1];
  op.layout = classify(rows, cols, std::max<int64_t>(cols, 1), 1);
  keep.push_back(std::move(buf));
  return op;
}

template <typename T>
__global__ void scale_kernel(T* p, int64_t n, float beta) {
  using namespace cuda;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    if constexpr (std::is_same_v<T, complex64_d>) {
      p[i] = complex64_d(p[i].re * beta, p[i].im * beta);
    } else if constexpr (std::is_same_v<T, double>) {
      p[i] = p[i] * double(beta);
    } else {
      p[i] = cast_to<T>(cast_to<float>(p[i]) * beta);
    }
  }
}

// out (row-contiguous; holds c when beta != 0) = alpha * a @ b + beta * out.
void run_matmul(const array& a_in, const array& b_in, array& out, float alpha,
                float beta, const Stream& s, const char* name,
                const void* bias = nullptr) {
  Dtype dt = out.dtype();
  switch (dt) {
    case Dtype::float16: case Dtype::bfloat16: case Dtype::float32:
    case Dtype::float64: case Dtype::complex64:
      break;
    default:
      throw std::invalid_argument(std::string("[") + name +
                                  "] Not supported for dtype " +
                                  dtype_name(dt) + ".");
  }
  int nd = out.ndim();
  int64_t M = out.shape(-2), N = out.shape(-1), K = a_in.shape(-1);
  if (M == 0 || N == 0) return;
  cudaStream_t stream = cuda::get_stream(s);
  if (K == 0) {
    // Empty sum: alpha * 0 + beta * c.
    if (beta == 0.0f) {
      EMBER_CUDA_CHECK(cudaMemsetAsync(cuda::gpu_ptr<void>(out), 0,
                                       out.nbytes(), stream));
    } else if (beta != 1.0f) {
      int64_t n = int64_t(out.size());
      auto launch = [&](auto tag) {
        using T = decltype(tag);
        scale_kernel<T><<<cuda::num_blocks(n), 256, 0, stream>>>(
            cuda::gpu_ptr<T>(out), n, beta);
      };
      switch (dt) {
        case Dtype::float16: launch(__half{}); break;
        case Dtype::bfloat16: launch(__nv_bfloat16{}); break;
        case Dtype::float32: launch(float{}); break;
        case Dtype::float64: launch(double{}); break;
        default: launch(cuda::complex64_d{}); break;
      }
      cuda::check_launch(name);
    }
    return;
  }

  std::vector<array> keep;  // packed copies, alive until the products queue
  Operand ops[2];
  const array* ins[2] = {&a_in, &b_in};
  for (int i = 0; i < 2; ++i) {
    const array& x = *ins[i];
    int64_t rows = x.shape(-2), cols = x.shape(-1);
    MatLayout l = classify(rows, cols, x.strides(-2), x.strides(-1));
    if (l.direct) {
      ops[i] = {cuda::gpu_ptr<char>(x), x.strides(), l};
    } else {
      ops[i] = pack(x, x.shape(), keep, s);
    }
  }

  // Collapse the batch dims of a, b and out together.
  Shape bshape(out.shape().begin(), out.shape().end() - 2);
  Strides a_bst(ops[0].strides.begin(), ops[0].strides.end() - 2);
  Strides b_bst(ops[1].strides.begin(), ops[1].strides.end() - 2);
  Strides o_bst(nd - 2);
  {
    int64_t st = M * N;
    for (int d = nd - 3; d >= 0; --d) {
      o_bst[d] = st;
      st *= bshape[d];
    }
  }
  auto [cshape, cstr] = collapse_contiguous_dims(bshape, {a_bst, b_bst, o_bst});
  int cd = int(cshape.size());
  int64_t inner = cd ? cshape[cd - 1] : 1;
  int64_t sa = cd ? cstr[0][cd - 1] : 0, sb = cd ? cstr[1][cd - 1] : 0,
          so = cd ? cstr[2][cd - 1] : 0;
  Shape outer_shape(cshape.begin(), cshape.end() - (cd ? 1 : 0));
  int64_t outer = 1;
  for (auto d : outer_shape) outer *= d;

  MatLayout la = ops[0].layout, lb = ops[1].layout;
  int64_t Mg = M;
  // Fold the batch into M when b is shared and a's rows follow each other.
  if (cd == 1 && sb == 0 && !la.trans && sa == M * la.ld && so == M * N) {
    Mg = M * inner;
    inner = 1;
  }
  size_t es = size_of(dt);
  Strides a_outer(cstr[0].begin(), cstr[0].end() - (cd ? 1 : 0));
  Strides b_outer(cstr[1].begin(), cstr[1].end() - (cd ? 1 : 0));
  Strides o_outer(cstr[2].begin(), cstr[2].end() - (cd ? 1 : 0));
  char* op = cuda::gpu_ptr<char>(out);
  for (int64_t i = 0; i < outer; ++i) {
    int64_t ao = outer > 1 ? elem_to_loc(i, outer_shape, a_outer) : 0;
    int64_t bo = outer > 1 ? elem_to_loc(i, outer_shape, b_outer) : 0;
    int64_t oo = outer > 1 ? elem_to_loc(i, outer_shape, o_outer) : 0;
    GemmOperand A{ops[0].ptr + ao * int64_t(es), la.trans, la.ld, sa};
    GemmOperand B{ops[1].ptr + bo * int64_t(es), lb.trans, lb.ld, sb};
    cuda::gemm(s, dt, Mg, N, K, A, B, op + oo * int64_t(es), N, so, inner,
               alpha, beta, bias);
  }
}

// The device pointer of c when it is one row broadcast over every row of the
// product (strides 0 except a unit last stride), beta is 1, the dtype has a
// cuBLASLt bias epilogue and the row is 16-byte aligned; else null.
// EMBER_CUDA_BIAS_EPILOGUE=0 turns the epilogue off (A/B benchmarks).
std::atomic<int> g_bias_epilogue{-1};
const void* bias_row(const array& c, int64_t K, float beta) {
  Dtype dt = c.dtype();
  if (!cuda::switch_on(g_bias_epilogue, "EMBER_CUDA_BIAS_EPILOGUE", true) || beta != 1.0f ||
      K == 0 || c.ndim() < 2 ||
      (dt != Dtype::float16 && dt != Dtype::bfloat16 && dt != Dtype::float32)) {
    return nullptr;
  }
  for (int d = 0; d + 1 < c.ndim(); ++d) {
    if (c.strides(d) != 0 && c.shape(d) != 1) return nullptr;
  }
  if (c.strides(-1) != 1 && c.shape(-1) != 1) return nullptr;
  const void* p = cuda::gpu_ptr<void>(c);
  return reinterpret_cast<uintptr_t>(p) % 16 == 0 ? p : nullptr;
}

}  // namespace

void Matmul::eval_gpu(const std::vector<array>& inputs, array& out) {
  auto& s = stream();
  cuda::allocate(out, s);
  if (out.size() == 0) return;
  if (cuda::try_gemv(inputs[0], inputs[1], out, 1.0f, nullptr, s)) return;
  run_matmul(inputs[0], inputs[1], out, 1.0f, 0.0f, s, "matmul");
}

void AddMM::eval_gpu(const std::vector<array>& inputs, array& out) {
  auto& s = stream();
  cuda::allocate(out, s);
  if (out.size() == 0) return;
  // A bias row (c broadcast over rows, beta 1) is added by cuBLASLt's
  // epilogue instead of being copied into out first.
  if (const void* bias = bias_row(inputs[2], inputs[0].shape(-1), beta_)) {
    if (cuda::try_gemv(inputs[0], inputs[1], out, alpha_, bias, s)) return;
    run_matmul(inputs[0], inputs[1], out, alpha_, 0.0f, s, "addmm", bias);
    return;
  }
  // beta == 0 ignores c entirely (even NaNs), as BLAS does.
  if (beta_ == 0.0f && cuda::try_gemv(inputs[0], inputs[1], out, alpha_, nullptr, s)) {
    return;
  }
  if (beta_ != 0.0f) cuda::copy_gpu(inputs[2], out, s);
  run_matmul(inputs[0], inputs[1], out, alpha_, beta_, s, "addmm");
}

}  // namespace ember
