// Helpers of the compile tests (test_compile, test_compile_fusion,
// test_gpu_compile).
#pragma once

#include <string>
#include <vector>

#include "ember/ember.h"

namespace ember::compile_test {

/// Restores the global compile mode at the end of a test; `enable` turns
/// compile on (with fusion) until then.
struct ModeGuard {
  CompileMode saved = compile_mode();
  explicit ModeGuard(bool enable = false) {
    if (enable) enable_compile();
  }
  ~ModeGuard() { set_compile_mode(saved); }
};

inline array vec(const std::vector<double>& v, Shape shape, Dtype t = float32) {
  return array(v, std::move(shape), t);
}

/// How many times `n` occurs in `names`.
inline size_t count(const std::vector<std::string>& names, const std::string& n) {
  size_t c = 0;
  for (auto& s : names) c += s == n;
  return c;
}

}  // namespace ember::compile_test
