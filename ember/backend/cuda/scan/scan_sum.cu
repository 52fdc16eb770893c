// cumsum for every dtype (accumulator acc_type_t<T>; bool scans with or, as
// on the CPU).
#include "ember/backend/cuda/scan/scan.cuh"

namespace ember::cuda {

void scan_sum(const void* in, void* out, Dtype dt, const ScanShape& sh, const Stream& s) {
  dispatch_device(dt, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      run_scan<T>(in, out, sh, OrOp<T>{}, s, "cumsum");
    } else {
      run_scan<T>(in, out, sh, SumOp<T, acc_type_t<T>, T>{}, s, "cumsum");
    }
  });
}

}  // namespace ember::cuda
