// Host cost per op of GPU work: chains of 1000 dependent tiny adds (16
// floats) on the GPU stream, timed through eval (which waits for the GPU).
// Skips when no GPU is present.
#include <benchmark/benchmark.h>

#include "ember/ember.h"

using namespace ember;

namespace {

const Device kGpu(DeviceType::gpu);

void per_op_counter(benchmark::State& state, int ops) {
  state.counters["us_per_op"] = benchmark::Counter(
      double(ops) * state.iterations(),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert,
      benchmark::Counter::OneK::kIs1000);
}

// y = y + x with x already on the device.
void BM_GpuTinyAddChain(benchmark::State& state) {
  if (!is_available(kGpu)) return state.SkipWithError("no GPU");
  array x = add(array(std::vector<float>(16, 1.0f), {16}), array(0.0f), kGpu);
  eval(x);
  for (auto _ : state) {
    array y = x;
    for (int i = 0; i < 1000; ++i) y = add(y, x, kGpu);
    eval(y);
  }
  per_op_counter(state, 1000);
}
BENCHMARK(BM_GpuTinyAddChain)->Unit(benchmark::kMicrosecond)->UseRealTime();

// y = y + 1 with a fresh host scalar each op (what Python's `y + 1` does).
void BM_GpuTinyAddScalarChain(benchmark::State& state) {
  if (!is_available(kGpu)) return state.SkipWithError("no GPU");
  array x = add(array(std::vector<float>(16, 1.0f), {16}), array(0.0f), kGpu);
  eval(x);
  for (auto _ : state) {
    array y = x;
    for (int i = 0; i < 1000; ++i) y = add(y, array(1.0f), kGpu);
    eval(y);
  }
  per_op_counter(state, 1000);
}
BENCHMARK(BM_GpuTinyAddScalarChain)->Unit(benchmark::kMicrosecond)->UseRealTime();

// One op and a wait: the latency of a single small GPU op.
void BM_GpuSingleOpLatency(benchmark::State& state) {
  if (!is_available(kGpu)) return state.SkipWithError("no GPU");
  array x = add(array(std::vector<float>(16, 1.0f), {16}), array(0.0f), kGpu);
  eval(x);
  for (auto _ : state) {
    array y = add(x, x, kGpu);
    eval(y);
  }
}
BENCHMARK(BM_GpuSingleOpLatency)->Unit(benchmark::kMicrosecond)->UseRealTime();

// The same chain on the CPU, for comparison on the same host. The device is
// named: where a GPU is present it is the default device.
const Device kCpu(DeviceType::cpu);

void BM_CpuTinyAddChain(benchmark::State& state) {
  array x(std::vector<float>(16, 1.0f), {16});
  for (auto _ : state) {
    array y = x;
    for (int i = 0; i < 1000; ++i) y = add(y, x, kCpu);
    eval(y);
  }
  per_op_counter(state, 1000);
}
BENCHMARK(BM_CpuTinyAddChain)->Unit(benchmark::kMicrosecond)->UseRealTime();

// One tiny CPU op and a wait: the round trip through the stream worker (a
// hand-over the spinning worker misses shows up here as its spin time).
void BM_CpuSingleOpLatency(benchmark::State& state) {
  array x(std::vector<float>(16, 1.0f), {16});
  for (auto _ : state) {
    array y = add(x, x, kCpu);
    eval(y);
  }
}
BENCHMARK(BM_CpuSingleOpLatency)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Only building the graph of the CPU chain (no eval): separates the cost of
// recording ops from the cost of running them.
void BM_CpuTinyAddGraphBuild(benchmark::State& state) {
  array x(std::vector<float>(16, 1.0f), {16});
  for (auto _ : state) {
    array y = x;
    for (int i = 0; i < 1000; ++i) y = add(y, x, kCpu);
    benchmark::DoNotOptimize(y);
  }
  per_op_counter(state, 1000);
}
BENCHMARK(BM_CpuTinyAddGraphBuild)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
