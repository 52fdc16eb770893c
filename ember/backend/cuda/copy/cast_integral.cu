// Conversions from bool and integer dtypes to every other dtype; see
// cast.cuh. Contiguous: 16-byte vector loads/stores; strided: chunked
// general kernel. Traffic: n * (sizeof(S) + sizeof(D)).
#include "ember/backend/cuda/copy/cast.cuh"

namespace ember::cuda::detail {

void cast_from_integral(const CastArgs& a) {
  switch (a.src_dtype) {
    case Dtype::bool_: cast_from<bool>(a); break;
    case Dtype::uint8: cast_from<uint8_t>(a); break;
    case Dtype::uint16: cast_from<uint16_t>(a); break;
    case Dtype::uint32: cast_from<uint32_t>(a); break;
    case Dtype::uint64: cast_from<uint64_t>(a); break;
    case Dtype::int8: cast_from<int8_t>(a); break;
    case Dtype::int16: cast_from<int16_t>(a); break;
    case Dtype::int32: cast_from<int32_t>(a); break;
    case Dtype::int64: cast_from<int64_t>(a); break;
    default:
      throw std::invalid_argument(std::string("[AsType] Unexpected source dtype ") +
                                  dtype_name(a.src_dtype) + ".");
  }
}

}  // namespace ember::cuda::detail
