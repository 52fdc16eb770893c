// EMBER_CUDA_PROFILE=1 (profile.cpp): state the profiler shares with the code
// it times. `profiling` is set once, before any GPU work.
#pragma once

#include <chrono>
#include <string>

#include "ember/core/array.h"

namespace ember::cuda {

extern bool profiling;
extern thread_local double profile_malloc_us;   // host us in cudaMallocAsync
extern thread_local double profile_gemm_us;     // host us in cuda::gemm
extern thread_local const char* profile_note;   // a fused kernel's path

/// A copy of `text` that lives as long as the process, for `profile_note`
/// (the profiler reads the note after the op returns, when the cache entry
/// that wrote it may already be gone).
const char* profile_keep_note(std::string text);

/// Wraps the residency hooks with the profiler when EMBER_CUDA_PROFILE is set.
void install_profiler(ResidencyHooks& h);

/// Adds the host time of its scope to `acc` while profiling.
class ProfileScope {
 public:
  explicit ProfileScope(double& acc) : acc_(profiling ? &acc : nullptr) {
    if (acc_) t0_ = std::chrono::steady_clock::now();
  }
  ~ProfileScope() {
    if (acc_) {
      *acc_ += std::chrono::duration<double, std::micro>(
                   std::chrono::steady_clock::now() - t0_)
                   .count();
    }
  }
  ProfileScope(const ProfileScope&) = delete;
  ProfileScope& operator=(const ProfileScope&) = delete;

 private:
  double* acc_;
  std::chrono::steady_clock::time_point t0_;
};

}  // namespace ember::cuda
