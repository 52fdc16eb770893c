// Sum over axes for every dtype (accumulators as on the CPU: float for
// f16/bf16, widened integers; see reduce.cuh for the kernels). Sums over the
// leading axis of row-contiguous inputs take the vectorized column kernels
// of reduce_col_vec.cuh.
#include "ember/backend/cuda/reduce/reduce.cuh"
#include "ember/backend/cuda/reduce/reduce_col_vec.cuh"

namespace ember::cuda {

void reduce_sum(const array& in, array& out, const ReducePlan* plan, const Stream& s) {
  dispatch_device(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using O = sum_out_t<T>;
    SumOp<T, acc_type_t<O>, O> op;
    if (!plan) {
      fill_reduce_identity(gpu_ptr<O>(out), int64_t(out.size()), op, s, "sum");
    } else if (!try_reduce_col_vec(gpu_ptr<T>(in), gpu_ptr<O>(out), *plan, op, s, "sum")) {
      run_reduce(gpu_ptr<T>(in), gpu_ptr<O>(out), *plan, op, s, "sum");
    }
  });
}

}  // namespace ember::cuda
