// Reduce::eval_gpu: plans the reduction once and hands it to the kernels of
// its type (reduce_sum.cu, reduce_prod.cu, reduce_minmax.cu, reduce_bool.cu).
#include "ember/backend/cuda/reduce/reduce.cuh"
#include "ember/primitives/reduce.h"

namespace ember {

void Reduce::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  cuda::allocate(out, stream());
  if (out.size() == 0) return;
  cuda::ReducePlan plan;
  const cuda::ReducePlan* pp = nullptr;
  if (in.size() > 0) {
    plan = cuda::plan_reduce(in.shape(), in.strides(), axes_, "Reduce");
    pp = &plan;
  }
  switch (type_) {
    case Sum: cuda::reduce_sum(in, out, pp, stream()); break;
    case Prod: cuda::reduce_prod(in, out, pp, stream()); break;
    case Max: cuda::reduce_min_max(in, out, pp, true, stream()); break;
    case Min: cuda::reduce_min_max(in, out, pp, false, stream()); break;
    case And: cuda::reduce_and_or(in, out, pp, true, stream()); break;
    case Or: cuda::reduce_and_or(in, out, pp, false, stream()); break;
  }
}

}  // namespace ember
