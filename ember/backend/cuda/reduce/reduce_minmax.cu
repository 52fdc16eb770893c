// Max / min over axes (NaN propagates; complex in lexicographic order; bool
// max / min are any / all), dtype kept.
#include "ember/backend/cuda/reduce/reduce.cuh"

namespace ember::cuda {

void reduce_min_max(const array& in, array& out, const ReducePlan* plan, bool is_max,
                    const Stream& s) {
  dispatch_device(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const char* name = is_max ? "max" : "min";
    auto go = [&](const auto& op) {
      using O = typename std::decay_t<decltype(op)>::out_t;
      if (!plan) {
        fill_reduce_identity(gpu_ptr<O>(out), int64_t(out.size()), op, s, name);
      } else {
        run_reduce(gpu_ptr<T>(in), gpu_ptr<O>(out), *plan, op, s, name);
      }
    };
    if constexpr (std::is_same_v<T, bool>) {
      if (is_max) {
        go(OrOp<T>{});
      } else {
        go(AndOp<T>{});
      }
    } else {
      using Acc = acc_type_t<T>;
      if (is_max) {
        go(MaxOp<T, Acc, T>{});
      } else {
        go(MinOp<T, Acc, T>{});
      }
    }
  });
}

}  // namespace ember::cuda
