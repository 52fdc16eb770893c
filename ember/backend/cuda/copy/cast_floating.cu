// Conversions from float16/bfloat16/float32/float64/complex64 to every other
// dtype; see cast.cuh. Half types convert through float, complex -> real
// keeps the real part. Traffic: n * (sizeof(S) + sizeof(D)).
#include "ember/backend/cuda/copy/cast.cuh"

namespace ember::cuda::detail {

void cast_from_floating(const CastArgs& a) {
  switch (a.src_dtype) {
    case Dtype::float16: cast_from<__half>(a); break;
    case Dtype::bfloat16: cast_from<__nv_bfloat16>(a); break;
    case Dtype::float32: cast_from<float>(a); break;
    case Dtype::float64: cast_from<double>(a); break;
    case Dtype::complex64: cast_from<complex64_d>(a); break;
    default:
      throw std::invalid_argument(std::string("[AsType] Unexpected source dtype ") +
                                  dtype_name(a.src_dtype) + ".");
  }
}

}  // namespace ember::cuda::detail
