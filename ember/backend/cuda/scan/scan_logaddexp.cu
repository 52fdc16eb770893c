// logcumsumexp for floating dtypes: log(exp(a) + exp(b)) combined as
// max + log1p(exp(-|a - b|)) in float (f16/bf16) or the dtype, with the
// CPU's rules for -inf, +inf and NaN.
#include <cmath>
#include <string>

#include "ember/backend/cuda/scan/scan.cuh"

namespace ember::cuda {

namespace {
template <typename T>
struct LogAddExpOp {
  using C = acc_type_t<T>;
  using acc_t = C;
  using out_t = T;
  __device__ static C init() { return -std::numeric_limits<C>::infinity(); }
  __device__ C load(T x, int64_t) const { return cast_to<C>(x); }
  __device__ C operator()(C a, C b) const {
    constexpr C inf = std::numeric_limits<C>::infinity();
    if (a == -inf) return b;
    if (b == -inf) return a;
    C m = a < b ? b : a;
    if (isinf(m) || a != a || b != b) return a + b;
    if constexpr (std::is_same_v<C, float>) {
      return m + log1pf(expf(-fabsf(a - b)));
    } else {
      return m + ::log1p(::exp(-::fabs(a - b)));
    }
  }
  __device__ T finish(C a) const { return cast_to<T>(a); }
};
}  // namespace

void scan_logaddexp(const void* in, void* out, Dtype dt, const ScanShape& sh,
                    const Stream& s) {
  switch (dt) {
    case Dtype::float16: run_scan<__half>(in, out, sh, LogAddExpOp<__half>{}, s, "logcumsumexp"); break;
    case Dtype::bfloat16:
      run_scan<__nv_bfloat16>(in, out, sh, LogAddExpOp<__nv_bfloat16>{}, s, "logcumsumexp");
      break;
    case Dtype::float32: run_scan<float>(in, out, sh, LogAddExpOp<float>{}, s, "logcumsumexp"); break;
    case Dtype::float64: run_scan<double>(in, out, sh, LogAddExpOp<double>{}, s, "logcumsumexp"); break;
    default:
      throw std::invalid_argument(
          std::string("[logcumsumexp] Expected a floating point dtype; got ") +
          dtype_name(dt) + ".");
  }
}

}  // namespace ember::cuda
