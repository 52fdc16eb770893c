// cumprod for every dtype (bool scans with and, as on the CPU).
#include "ember/backend/cuda/scan/scan.cuh"

namespace ember::cuda {

void scan_prod(const void* in, void* out, Dtype dt, const ScanShape& sh, const Stream& s) {
  dispatch_device(dt, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      run_scan<T>(in, out, sh, AndOp<T>{}, s, "cumprod");
    } else {
      run_scan<T>(in, out, sh, ProdOp<T, acc_type_t<T>, T>{}, s, "cumprod");
    }
  });
}

}  // namespace ember::cuda
