// Dtype conversion kernels, instantiated for every (source, destination)
// pair of distinct dtypes in cast_integral.cu and cast_floating.cu (split by
// source dtype to keep compile units small). Same-dtype copies go through
// cudaMemcpyAsync, a tiled transpose or size-typed strided kernels (copy.cu).
#pragma once

#include "ember/backend/cuda/device/elementwise.cuh"

namespace ember::cuda {

/// Elementwise conversion to D with the semantics of cpu::convert.
template <typename D>
struct CastOp {
  template <typename S>
  __device__ D operator()(S x) const {
    return cast_to<D>(x);
  }
};

namespace detail {

struct CastArgs {
  const void* src;
  Dtype src_dtype;
  const Strides* src_strides;
  void* dst;
  Dtype dst_dtype;
  const Strides* dst_strides;
  const Shape* shape;
  cudaStream_t stream;
};

template <typename S>
void cast_from(const CastArgs& a) {
  dispatch_device(a.dst_dtype, [&](auto tag) {
    using D = decltype(tag);
    if constexpr (!std::is_same_v<S, D>) {
      launch_unary<S, D>(static_cast<const S*>(a.src), static_cast<D*>(a.dst),
                         *a.shape, *a.src_strides, *a.dst_strides, a.stream,
                         CastOp<D>{}, "AsType");
    }
  });
}

/// Casts from bool and integer dtypes.
void cast_from_integral(const CastArgs& a);
/// Casts from float16/bfloat16/float32/float64/complex64.
void cast_from_floating(const CastArgs& a);

}  // namespace detail
}  // namespace ember::cuda
