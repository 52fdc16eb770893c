// Product over axes for every dtype (accumulators as for sum).
#include "ember/backend/cuda/reduce/reduce.cuh"

namespace ember::cuda {

void reduce_prod(const array& in, array& out, const ReducePlan* plan, const Stream& s) {
  dispatch_device(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using O = sum_out_t<T>;
    ProdOp<T, acc_type_t<O>, O> op;
    if (!plan) {
      fill_reduce_identity(gpu_ptr<O>(out), int64_t(out.size()), op, s, "prod");
    } else {
      run_reduce(gpu_ptr<T>(in), gpu_ptr<O>(out), *plan, op, s, "prod");
    }
  });
}

}  // namespace ember::cuda
