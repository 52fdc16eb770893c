// Host cost of the CUDA runtime calls ember's GPU path makes per op, on the
// machine it runs on: an empty kernel launch, event record/query, stream
// wait, stream-ordered malloc/free, and a 1000-kernel dependent chain
// launched directly vs. replayed as a CUDA graph (GPU-side time per kernel).
// Build: nvcc -O2 -arch=sm_90 launch_cost.cu -o launch_cost
#include <cuda_runtime.h>

#include <chrono>
#include <cstdio>
#include <functional>

__global__ void empty_kernel() {}
__global__ void add_one(float* x, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) x[i] += 1.0f;
}

static double time_us(int reps, const std::function<void()>& f) {
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) f();
  auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::micro>(t1 - t0).count() / reps;
}

int main() {
  cudaStream_t s, s2;
  cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
  cudaStreamCreateWithFlags(&s2, cudaStreamNonBlocking);
  cudaEvent_t ev;
  cudaEventCreateWithFlags(&ev, cudaEventDisableTiming);
  float* x;
  cudaMalloc(&x, 64);
  cudaMemPool_t pool;
  cudaDeviceGetDefaultMemPool(&pool, 0);
  uint64_t thr = UINT64_MAX;
  cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &thr);
  const int N = 20000;
  for (int i = 0; i < 1000; ++i) empty_kernel<<<1, 32, 0, s>>>();
  cudaStreamSynchronize(s);
  printf("launch empty kernel      %.2f us\n",
         time_us(N, [&] { empty_kernel<<<1, 32, 0, s>>>(); }));
  cudaStreamSynchronize(s);
  printf("launch add_one(16)       %.2f us\n",
         time_us(N, [&] { add_one<<<1, 32, 0, s>>>(x, 16); }));
  cudaStreamSynchronize(s);
  printf("cudaEventRecord          %.2f us\n",
         time_us(N, [&] { cudaEventRecord(ev, s); }));
  cudaStreamSynchronize(s);
  printf("cudaEventQuery (done)    %.2f us\n",
         time_us(N, [&] { cudaEventQuery(ev); }));
  printf("cudaStreamWaitEvent      %.2f us\n",
         time_us(N, [&] { cudaStreamWaitEvent(s2, ev, 0); }));
  cudaStreamSynchronize(s2);
  printf("cudaMallocAsync+Free 64B %.2f us\n", time_us(N, [&] {
           void* p;
           cudaMallocAsync(&p, 64, s);
           cudaFreeAsync(p, s);
         }));
  cudaStreamSynchronize(s);
  int dev;
  printf("cudaGetDevice            %.2f us\n",
         time_us(N, [&] { cudaGetDevice(&dev); }));
  printf("cudaGetLastError         %.2f us\n",
         time_us(N, [&] { (void)cudaGetLastError(); }));
  // 1000 dependent kernels: direct launches vs one graph replay (wall incl. sync).
  auto chain = [&] { for (int i = 0; i < 1000; ++i) add_one<<<1, 32, 0, s>>>(x, 16); };
  chain();
  cudaStreamSynchronize(s);
  double direct = time_us(20, [&] { chain(); cudaStreamSynchronize(s); });
  cudaGraph_t g;
  cudaGraphExec_t ge;
  cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal);
  chain();
  cudaStreamEndCapture(s, &g);
  double inst = time_us(1, [&] { cudaGraphInstantiate(&ge, g, 0); });
  cudaGraphLaunch(ge, s);
  cudaStreamSynchronize(s);
  double replay = time_us(20, [&] { cudaGraphLaunch(ge, s); cudaStreamSynchronize(s); });
  cudaGraphExec_t ge2;
  cudaGraphInstantiate(&ge2, g, 0);
  double update = time_us(20, [&] {
    cudaGraphExecUpdateResultInfo info;
    cudaGraphExecUpdate(ge2, g, &info);
  });
  double capture = time_us(5, [&] {
    cudaGraph_t g2;
    cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal);
    chain();
    cudaStreamEndCapture(s, &g2);
    cudaGraphDestroy(g2);
  });
  printf("chain of 1000: direct %.2f us/kernel, graph replay %.2f us/kernel, "
         "capture %.2f us/kernel, instantiate %.2f us/kernel, exec update %.2f us/kernel\n",
         direct / 1000, replay / 1000, capture / 1000, inst / 1000, update / 1000);
  printf("errors: %s\n", cudaGetErrorString(cudaGetLastError()));
  return 0;
}
