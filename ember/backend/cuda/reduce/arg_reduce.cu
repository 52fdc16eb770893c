// ArgReduce (argmin / argmax along one axis) on the reduction kernels of
// reduce.cuh with a (value, index) accumulator. Ties keep the first index; a
// NaN beats every number and the first NaN wins (as on the CPU). Complex
// values compare lexicographically. Memory traffic: one read of the input.
#include "ember/backend/cuda/reduce/reduce.cuh"
#include "ember/primitives/reduce.h"

namespace ember {

namespace cuda {
namespace {

template <typename C>
struct ArgPair {
  C v;
  uint32_t i;
};

constexpr uint32_t kNoIndex = 0xffffffffu;

template <typename T, bool IsMax>
struct ArgOp {
  using C = acc_type_t<T>;
  using acc_t = ArgPair<C>;
  using out_t = uint32_t;
  __device__ static acc_t init() { return {C(), kNoIndex}; }
  __device__ acc_t load(T x, int64_t i) const {
    return {cast_to<C>(x), uint32_t(i)};
  }
  __device__ acc_t operator()(acc_t a, acc_t b) const {
    if (a.i == kNoIndex) return b;
    if (b.i == kNoIndex) return a;
    bool an = is_nan_d(a.v), bn = is_nan_d(b.v);
    if (an || bn) {
      if (an && bn) return a.i < b.i ? a : b;
      return an ? a : b;
    }
    if (IsMax ? less_d(a.v, b.v) : less_d(b.v, a.v)) return b;
    if (IsMax ? less_d(b.v, a.v) : less_d(a.v, b.v)) return a;
    return a.i < b.i ? a : b;
  }
  __device__ uint32_t finish(acc_t a) const { return a.i == kNoIndex ? 0u : a.i; }
};

}  // namespace
}  // namespace cuda

void ArgReduce::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  cuda::allocate(out, stream());
  if (out.size() == 0) return;
  bool empty = in.size() == 0;
  cuda::ReducePlan plan;
  if (!empty) plan = cuda::plan_reduce(in.shape(), in.strides(), {axis_}, "ArgReduce");
  cuda::dispatch_device(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    auto go = [&](const auto& op) {
      if (empty) {
        cuda::fill_reduce_identity(cuda::gpu_ptr<uint32_t>(out), int64_t(out.size()), op,
                                   stream(), "ArgReduce");
      } else {
        cuda::run_reduce(cuda::gpu_ptr<T>(in), cuda::gpu_ptr<uint32_t>(out), plan, op,
                         stream(), "ArgReduce");
      }
    };
    if (type_ == ArgMax) {
      go(cuda::ArgOp<T, true>{});
    } else {
      go(cuda::ArgOp<T, false>{});
    }
  });
}

}  // namespace ember
