// EMBER_CUDA_PROFILE=1: time every GPU primitive. CUDA events recorded around
// each eval_gpu give its GPU time; a steady clock gives the host time spent
// in the hooks and the kernel launch. At exit the totals per primitive name
// are printed to stderr, largest GPU time first. Recording two events per op
// adds host cost, so use it to find where time goes, not to time ember.
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "ember/backend/cuda/cuda.h"
#include "ember/core/array.h"
#include "ember/primitives/primitive.h"

namespace ember::cuda {

namespace {

struct Record {
  std::string name;
  cudaEvent_t start, stop;
  double host_us;
};

struct Profile {
  std::mutex mtx;
  std::vector<Record> records;
};

Profile& profile() {
  static Profile* p = new Profile();
  return *p;
}

struct Pending {
  cudaEvent_t start = nullptr;
  std::chrono::steady_clock::time_point t0;
};
thread_local Pending pending;

void report() {
  auto& p = profile();
  std::lock_guard<std::mutex> lk(p.mtx);
  if (cudaDeviceSynchronize() != cudaSuccess) return;
  struct Total {
    long count = 0;
    double gpu_ms = 0, host_ms = 0;
  };
  std::map<std::string, Total> totals;
  double gpu_all = 0, host_all = 0;
  for (auto& r : p.records) {
    float ms = 0;
    cudaEventElapsedTime(&ms, r.start, r.stop);
    auto& t = totals[r.name];
    t.count++;
    t.gpu_ms += ms;
    t.host_ms += r.host_us / 1000;
    gpu_all += ms;
    host_all += r.host_us / 1000;
  }
  std::vector<std::pair<std::string, Total>> rows(totals.begin(), totals.end());
  std::sort(rows.begin(), rows.end(), [](auto& a, auto& b) {
    return a.second.gpu_ms > b.second.gpu_ms;
  });
  std::fprintf(stderr,
               "[ember cuda profile] %zu GPU ops, %.2f ms GPU, %.2f ms host\n"
               "%-36s %8s %10s %6s %10s %9s\n",
               p.records.size(), gpu_all, host_all, "primitive", "count",
               "gpu ms", "gpu %", "host ms", "us/op");
  for (auto& [name, t] : rows) {
    std::fprintf(stderr, "%-36s %8ld %10.3f %5.1f%% %10.3f %9.2f\n",
                 name.c_str(), t.count, t.gpu_ms,
                 gpu_all > 0 ? 100 * t.gpu_ms / gpu_all : 0.0, t.host_ms,
                 1000 * t.host_ms / t.count);
  }
}

}  // namespace

void install_profiler(ResidencyHooks& h) {
  const char* env = std::getenv("EMBER_CUDA_PROFILE");
  if (!env || std::string(env) == "0") return;
  static auto before = h.before_gpu;
  static auto after = h.after_gpu;
  h.before_gpu = [](const std::vector<array>& inputs, Stream s) {
    pending.t0 = std::chrono::steady_clock::now();
    before(inputs, s);
    cudaEventCreate(&pending.start);
    cudaEventRecord(pending.start, get_stream(s));
  };
  h.after_gpu = [](const std::vector<array>& inputs,
                   std::vector<array>& outputs, Stream s) {
    cudaEvent_t stop;
    cudaEventCreate(&stop);
    cudaEventRecord(stop, get_stream(s));
    after(inputs, outputs, s);
    double us = std::chrono::duration<double, std::micro>(
                    std::chrono::steady_clock::now() - pending.t0)
                    .count();
    std::string name = outputs.empty() || !outputs[0].has_primitive()
                           ? "?"
                           : outputs[0].primitive().name();
    auto& p = profile();
    std::lock_guard<std::mutex> lk(p.mtx);
    p.records.push_back({std::move(name), pending.start, stop, us});
  };
  std::atexit(report);
}

}  // namespace ember::cuda
