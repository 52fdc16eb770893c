// LogSumExp over axes on the reduction kernels of reduce.cuh with an online
// (max, scaled sum) accumulator: one read of the input, one exp per element.
// As on the CPU: a NaN gives NaN, a +inf or all -inf gives that infinity,
// an empty reduction gives -inf; f16/bf16 accumulate in float.
#include "ember/backend/cuda/reduce/lse.cuh"
#include "ember/backend/cuda/reduce/reduce.cuh"
#include "ember/primitives/reduce.h"

namespace ember {

void LogSumExp::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  cuda::allocate(out, stream());
  if (out.size() == 0) return;
  bool empty = in.size() == 0;
  cuda::ReducePlan plan;
  if (!empty) plan = cuda::plan_reduce(in.shape(), in.strides(), axes_, "LogSumExp");
  cuda::dispatch_device_float(out.dtype(), "logsumexp", [&](auto tag) {
    using T = decltype(tag);
    cuda::LseOp<T> op;
    if (empty) {
      cuda::fill_reduce_identity(cuda::gpu_ptr<T>(out), int64_t(out.size()), op, stream(),
                                 "LogSumExp");
    } else {
      cuda::run_reduce(cuda::gpu_ptr<T>(in), cuda::gpu_ptr<T>(out), plan, op, stream(),
                       "LogSumExp");
    }
  });
}

}  // namespace ember
