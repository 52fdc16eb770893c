// Sum over axes for every dtype (accumulators as on the CPU: float for
// f16/bf16, widened integers; see reduce.cuh for the kernels).
#include "ember/backend/cuda/reduce/reduce.cuh"

namespace ember::cuda {

void reduce_sum(const array& in, array& out, const ReducePlan* plan, const Stream& s) {
  dispatch_device(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using O = sum_out_t<T>;
    SumOp<T, acc_type_t<O>, O> op;
    if (!plan) {
      fill_reduce_identity(gpu_ptr<O>(out), int64_t(out.size()), op, s, "sum");
    } else {
      run_reduce(gpu_ptr<T>(in), gpu_ptr<O>(out), *plan, op, s, "sum");
    }
  });
}

}  // namespace ember::cuda
