// CPU micro-benchmarks of the core engine (Google Benchmark):
// graph build + eval overhead of tiny ops, elementwise add and copy of 16M
// floats. Run through benchmarks/run_cpu.sh, which also times NumPy.
#include <benchmark/benchmark.h>

#include "ember/ember.h"

using namespace ember;

// A chain of 1000 dependent adds on 16 floats: build the graph, then eval.
static void BM_TinyAddChain(benchmark::State& state) {
  std::vector<float> v(16, 1.0f);
  array x(v, {16});
  for (auto _ : state) {
    array y = x;
    for (int i = 0; i < 1000; ++i) y = add(y, x);
    eval(y);
    benchmark::DoNotOptimize(y.data<float>());
  }
  state.counters["us_per_op"] = benchmark::Counter(
      1000.0 * state.iterations(),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert,
      benchmark::Counter::OneK::kIs1000);
}
BENCHMARK(BM_TinyAddChain)->Unit(benchmark::kMicrosecond)->UseRealTime();

// c = a + b on 16M float32 (fresh output each time, served by the cache).
static void BM_Add16M(benchmark::State& state) {
  size_t n = size_t(1) << 24;
  std::vector<float> v(n, 1.5f);
  array a(v, {int(n)});
  array b(v, {int(n)});
  for (auto _ : state) {
    array c = add(a, b);
    eval(c);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * n * 12);
}
BENCHMARK(BM_Add16M)->Unit(benchmark::kMillisecond)->UseRealTime();



static void BM_TinyAddBuildOnly(benchmark::State& state) {
  std::vector<float> v(16, 1.0f);
  array x(v, {16});
  for (auto _ : state) {
    array y = x;
    for (int i = 0; i < 1000; ++i) y = add(y, x);
    benchmark::DoNotOptimize(y);
  }
}
BENCHMARK(BM_TinyAddBuildOnly)->Unit(benchmark::kMicrosecond)->UseRealTime();
// sum of 16M float32 to a scalar.
static void BM_Sum16M(benchmark::State& state) {
  size_t n = size_t(1) << 24;
  std::vector<float> v(n, 1.0f);
  array a(v, {int(n)});
  for (auto _ : state) {
    array c = sum(a);
    eval(c);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * n * 4);
}
BENCHMARK(BM_Sum16M)->Unit(benchmark::kMillisecond)->UseRealTime();

// float32 matmul of two n x n matrices (compare: NumPy's OpenBLAS sgemm).
static void BM_Matmul(benchmark::State& state, int n) {
  std::vector<float> v(size_t(n) * n);
  for (size_t i = 0; i < v.size(); ++i) v[i] = float((i * 7919) % 1000) / 1000.0f - 0.5f;
  array a(v, {n, n});
  array b(v, {n, n});
  for (auto _ : state) {
    array c = matmul(a, b);
    eval(c);
  }
  state.counters["GFLOPs"] = benchmark::Counter(
      2.0 * n * n * double(n) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_Matmul, 1024, 1024)->Name("BM_Matmul1024")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Matmul, 2048, 2048)->Name("BM_Matmul2048")->Unit(benchmark::kMillisecond)->UseRealTime();

// Materialising a transposed 4096 x 1024 float32 view (strided copy).
static void BM_TransposeCopy(benchmark::State& state) {
  std::vector<float> v(size_t(4096) * 1024, 1.0f);
  array a(v, {4096, 1024});
  for (auto _ : state) {
    array c = contiguous(transpose(a));
    eval(c);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * v.size() * 8);
}
BENCHMARK(BM_TransposeCopy)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
