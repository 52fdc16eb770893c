// cummax / cummin for every dtype (NaN propagates; bool scans with or / and).
#include "ember/backend/cuda/scan/scan.cuh"

namespace ember::cuda {

void scan_min_max(const void* in, void* out, Dtype dt, const ScanShape& sh, bool is_max,
                  const Stream& s) {
  dispatch_device(dt, [&](auto tag) {
    using T = decltype(tag);
    const char* name = is_max ? "cummax" : "cummin";
    if constexpr (std::is_same_v<T, bool>) {
      if (is_max) {
        run_scan<T>(in, out, sh, OrOp<T>{}, s, name);
      } else {
        run_scan<T>(in, out, sh, AndOp<T>{}, s, name);
      }
    } else if (is_max) {
      run_scan<T>(in, out, sh, MaxOp<T, acc_type_t<T>, T>{}, s, name);
    } else {
      run_scan<T>(in, out, sh, MinOp<T, acc_type_t<T>, T>{}, s, name);
    }
  });
}

}  // namespace ember::cuda
