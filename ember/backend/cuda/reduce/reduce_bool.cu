// all / any over axes for every dtype (truth values as the CPU converts
// them), bool output.
#include "ember/backend/cuda/reduce/reduce.cuh"

namespace ember::cuda {

void reduce_and_or(const array& in, array& out, const ReducePlan* plan, bool is_and,
                   const Stream& s) {
  dispatch_device(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const char* name = is_and ? "all" : "any";
    auto go = [&](const auto& op) {
      if (!plan) {
        fill_reduce_identity(gpu_ptr<bool>(out), int64_t(out.size()), op, s, name);
      } else {
        run_reduce(gpu_ptr<T>(in), gpu_ptr<bool>(out), *plan, op, s, name);
      }
    };
    if (is_and) {
      go(AndOp<T>{});
    } else {
      go(OrOp<T>{});
    }
  });
}

}  // namespace ember::cuda
