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
#include <deque>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "ember/backend/cuda/profile.h"

#include "ember/backend/cuda/cuda.h"
#include "ember/core/array.h"
#include "ember/primitives/primitive.h"

namespace ember::cuda {

bool profiling = false;
thread_local double profile_malloc_us = 0;
thread_local double profile_gemm_us = 0;
thread_local const char* profile_note = nullptr;

const char* profile_keep_note(std::string text) {
  static std::mutex mtx;
  static auto* notes = new std::deque<std::string>();  // never freed
  std::lock_guard<std::mutex> lk(mtx);
  notes->push_back(std::move(text));
  return notes->back().c_str();
}

namespace {

struct Record {
  std::string name, detail;  // primitive; primitive, dtype and shape
  cudaEvent_t start, stop;
  double host_us, malloc_us, gemm_us;
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

struct Total {
  long count = 0;
  double gpu_ms = 0, host_ms = 0, malloc_ms = 0, gemm_ms = 0;
};

void print_table(const char* title, std::map<std::string, Total>& totals,
                 double gpu_all, size_t max_rows) {
  std::vector<std::pair<std::string, Total>> rows(totals.begin(), totals.end());
  std::sort(rows.begin(), rows.end(), [](auto& a, auto& b) {
    return a.second.gpu_ms > b.second.gpu_ms;
  });
  std::fprintf(stderr, "%-56s %8s %10s %6s %10s %9s %10s %10s\n", title,
               "count", "gpu ms", "gpu %", "host ms", "us/op", "malloc ms",
               "gemm ms");
  for (size_t i = 0; i < rows.size() && i < max_rows; ++i) {
    auto& [name, t] = rows[i];
    std::fprintf(stderr,
                 "%-56s %8ld %10.3f %5.1f%% %10.3f %9.2f %10.3f %10.3f\n",
                 name.c_str(), t.count, t.gpu_ms,
                 gpu_all > 0 ? 100 * t.gpu_ms / gpu_all : 0.0, t.host_ms,
                 1000 * t.host_ms / t.count, t.malloc_ms, t.gemm_ms);
  }
}

void report() {
  auto& p = profile();
  std::lock_guard<std::mutex> lk(p.mtx);
  if (cudaDeviceSynchronize() != cudaSuccess) return;
  std::map<std::string, Total> by_name, by_shape, one_time;
  double gpu_all = 0, host_all = 0;
  for (auto& r : p.records) {
    float ms = 0;
    cudaEventElapsedTime(&ms, r.start, r.stop);
    // Ops that held the host over 5 ms are first-call work (NVRTC, cuBLASLt
    // heuristics, cuDNN graph builds) that stalled the GPU: kept apart so
    // that the totals show the steady state.
    if (r.host_us > 5000) {
      auto& t = one_time[r.detail];
      t.count++;
      t.gpu_ms += ms;
      t.host_ms += r.host_us / 1000;
      continue;
    }
    for (auto* t : {&by_name[r.name], &by_shape[r.detail]}) {
      t->count++;
      t->gpu_ms += ms;
      t->host_ms += r.host_us / 1000;
      t->malloc_ms += r.malloc_us / 1000;
      t->gemm_ms += r.gemm_us / 1000;
    }
    gpu_all += ms;
    host_all += r.host_us / 1000;
  }
  std::fprintf(stderr, "[ember cuda profile] %zu GPU ops, %.2f ms GPU, %.2f ms host\n",
               p.records.size(), gpu_all, host_all);
  print_table("primitive", by_name, gpu_all, 1000);
  print_table("primitive, dtype, output shape (top 40)", by_shape, gpu_all, 40);
  print_table("left out: ops holding the host > 5 ms (first calls)", one_time,
              gpu_all, 20);
}

}  // namespace

void install_profiler(ResidencyHooks& h) {
  const char* env = std::getenv("EMBER_CUDA_PROFILE");
  if (!env || std::string(env) == "0") return;
  static auto before = h.before_gpu;
  static auto after = h.after_gpu;
  profiling = true;
  h.before_gpu = [](const std::vector<array>& inputs, Stream s) {
    pending.t0 = std::chrono::steady_clock::now();
    profile_malloc_us = 0;
    profile_gemm_us = 0;
    profile_note = nullptr;
    before(inputs, s);
    cudaEventCreate(&pending.start);
    cudaEventRecord(pending.start, get_stream(s));
  };
  h.after_gpu = [](const Primitive& prim, const std::vector<array>& inputs,
                   std::vector<array>& outputs, Stream s) {
    cudaEvent_t stop;
    cudaEventCreate(&stop);
    cudaEventRecord(stop, get_stream(s));
    after(prim, inputs, outputs, s);
    double us = std::chrono::duration<double, std::micro>(
                    std::chrono::steady_clock::now() - pending.t0)
                    .count();
    std::string name = prim.name();
    std::string detail = name;
    if (!outputs.empty()) {
      std::ostringstream os;
      os << name << " " << outputs[0].dtype() << " (";
      for (int d : outputs[0].shape()) os << d << ",";
      os << ")";
      if (profile_note) os << " [" << profile_note << "]";
      detail = os.str();
    }
    auto& p = profile();
    std::lock_guard<std::mutex> lk(p.mtx);
    p.records.push_back({std::move(name), std::move(detail), pending.start,
                         stop, us, profile_malloc_us, profile_gemm_us});
  };
  std::atexit(report);
}

}  // namespace ember::cuda
