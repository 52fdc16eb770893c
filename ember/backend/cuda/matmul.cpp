// cuBLASLt host code: row-major products as column-major cuBLASLt calls,
// one cached plan (descriptors + heuristic algorithms) per problem, and a
// persistent workspace per CUDA stream. Large products time the heuristic's
// candidates once per plan and keep the fastest (autotuning, see matmul.h).
//
// A row-major C (M x N) = A (M x K) @ B (K x N) is the column-major product
// C^T (N x M) = B^T (N x K) @ A^T (K x M): the same bytes, operands swapped.
// A transposed view becomes a transposition flag, never a copy. Batches are
// strided batches (stride 0 broadcasts an operand).
#include "ember/backend/cuda/matmul.h"

#include <cublasLt.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "ember/backend/cuda/cuda.h"
#include "ember/backend/cuda/profile.h"
#include "ember/backend/cuda/utils.h"

namespace ember::cuda {

namespace {

void check_cublas(cublasStatus_t st, const char* expr, const char* file,
                  int line) {
  if (st != CUBLAS_STATUS_SUCCESS) {
    throw std::runtime_error(std::string("[cublasLt] ") + expr + " failed at " +
                             file + ":" + std::to_string(line) + ": " +
                             cublasLtGetStatusString(st));
  }
}
#define EMBER_CUBLAS_CHECK(expr) check_cublas((expr), #expr, __FILE__, __LINE__)

constexpr size_t kWorkspaceBytes = size_t(32) << 20;  // cuBLAS advice for sm_90
constexpr size_t kMaxPlans = 4096;
// Autotuning: candidates asked of the heuristic, the smallest product timed
// (2^32 flops: e.g. 8192x768x768, about 7 us in bf16 on an H100, where a few
// percent of the kernel time is worth more than the one-time timing), runs
// per candidate, and the margin by which a later candidate must beat an
// earlier one (timing noise must not move the choice off the heuristic's
// order).
constexpr int kMaxCandidates = 8;
constexpr double kTuneMinFlops = double(int64_t(1) << 32);
constexpr int kTimedRuns = 3;
constexpr float kTuneMargin = 0.995f;

std::atomic<int> g_tf32{-1};       // -1: not read from the environment yet
std::atomic<int> g_autotune{-1};   // -1: not read from the environment yet
std::atomic<int64_t> g_tune_considered{0}, g_tune_timed{0};

cublasLtHandle_t handle() {
  // cuBLASLt handles hold no per-call state (the stream is an argument), so
  // one is shared by all worker threads.
  static cublasLtHandle_t h = [] {
    cublasLtHandle_t x = nullptr;
    EMBER_CUBLAS_CHECK(cublasLtCreate(&x));
    return x;
  }();
  return h;
}

// Workspace per CUDA stream (an ember stream's own, so that captured
// products use it too), allocated once in stream order and kept: every
// product on a stream runs in order, so they can all share it.
void* workspace(cudaStream_t stream) {
  static std::mutex mtx;
  static auto* spaces = new std::unordered_map<cudaStream_t, void*>();
  std::lock_guard<std::mutex> lk(mtx);
  auto it = spaces->find(stream);
  if (it != spaces->end()) return it->second;
  void* p = nullptr;
  EMBER_CUDA_CHECK(cudaMallocAsync(&p, kWorkspaceBytes, stream));
  (*spaces)[stream] = p;
  return p;
}

// No implicit padding: keys are hashed and compared bytewise.
struct PlanKey {
  int64_t m, n, k, lda, ldb, ldc, batch, sa, sb, sc;
  int32_t dtype, tf32;
  int32_t op_a, op_b;  // cuBLASLt operands (A = our B, B = our A)
  uint32_t align_a, align_b, align_c, bias;  // bias: epilogue adds a row
  bool operator==(const PlanKey& o) const {
    return std::memcmp(this, &o, sizeof(PlanKey)) == 0;
  }
};

static_assert(sizeof(PlanKey) == 10 * 8 + 8 * 4, "PlanKey has padding");

struct PlanKeyHash {
  size_t operator()(const PlanKey& k) const {
    const auto* p = reinterpret_cast<const unsigned char*>(&k);
    size_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < sizeof(PlanKey); ++i) h = (h ^ p[i]) * 1099511628211ULL;
    return h;
  }
};

struct Plan {
  std::mutex mtx;  // guards the bias pointer attribute of `op`
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  // The heuristic's usable algorithms, best estimate first (one unless the
  // product is large enough to tune); fixed once the plan is built.
  std::vector<cublasLtMatmulAlgo_t> algos;
  bool tunable = false;          // large enough to time candidates
  std::mutex tune_mtx;           // held by the one thread that tunes
  std::atomic<bool> tuned{false};
  std::atomic<int> chosen{0};    // index into algos once tuned
  ~Plan() {
    if (op) cublasLtMatmulDescDestroy(op);
    if (a) cublasLtMatrixLayoutDestroy(a);
    if (b) cublasLtMatrixLayoutDestroy(b);
    if (c) cublasLtMatrixLayoutDestroy(c);
  }
};

cudaDataType_t data_type(Dtype t) {
  switch (t) {
    case Dtype::float16: return CUDA_R_16F;
    case Dtype::bfloat16: return CUDA_R_16BF;
    case Dtype::float32: return CUDA_R_32F;
    case Dtype::float64: return CUDA_R_64F;
    case Dtype::complex64: return CUDA_C_32F;
    default:
      throw std::invalid_argument(std::string("[matmul] Not supported on gpu "
                                              "for dtype ") +
                                  dtype_name(t) + ".");
  }
}

// Largest power of two (<= 256) dividing every address the kernel starts a
// column at.
uint32_t alignment(const void* p, int64_t ld, int64_t batch_stride,
                   int64_t batch, size_t itemsize) {
  uint64_t v = reinterpret_cast<uintptr_t>(p) | 256;
  v |= uint64_t(ld) * itemsize;
  if (batch > 1) v |= uint64_t(batch_stride) * itemsize;
  return uint32_t(v & (~v + 1));
}

cublasLtMatrixLayout_t make_layout(cudaDataType_t t, int64_t rows, int64_t cols,
                                   int64_t ld, int64_t batch, int64_t stride) {
  cublasLtMatrixLayout_t l = nullptr;
  EMBER_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&l, t, uint64_t(rows),
                                                uint64_t(cols), ld));
  if (batch > 1) {
    int32_t bc = int32_t(batch);
    EMBER_CUBLAS_CHECK(cublasLtMatrixLayoutSetAttribute(
        l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &bc, sizeof(bc)));
    EMBER_CUBLAS_CHECK(cublasLtMatrixLayoutSetAttribute(
        l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof(stride)));
  }
  return l;
}

std::shared_ptr<Plan> make_plan(const PlanKey& key, Dtype dtype) {
  auto plan = std::make_shared<Plan>();
  cudaDataType_t t = data_type(dtype);
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F;
  cudaDataType_t scale = CUDA_R_32F;
  if (dtype == Dtype::float64) {
    compute = CUBLAS_COMPUTE_64F;
    scale = CUDA_R_64F;
  } else if (dtype == Dtype::complex64) {
    scale = CUDA_C_32F;
  } else if (dtype == Dtype::float32 && key.tf32) {
    compute = CUBLAS_COMPUTE_32F_FAST_TF32;
  }
  EMBER_CUBLAS_CHECK(cublasLtMatmulDescCreate(&plan->op, compute, scale));
  cublasOperation_t ta = cublasOperation_t(key.op_a);
  cublasOperation_t tb = cublasOperation_t(key.op_b);
  EMBER_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(
      plan->op, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof(ta)));
  EMBER_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(
      plan->op, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof(tb)));
  if (key.bias) {
    cublasLtEpilogue_t ep = CUBLASLT_EPILOGUE_BIAS;
    EMBER_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(
        plan->op, CUBLASLT_MATMUL_DESC_EPILOGUE, &ep, sizeof(ep)));
  }
  // Stored shapes: op(A) is m x k, op(B) is k x n, C is m x n (column-major).
  bool na = ta == CUBLAS_OP_N, nb = tb == CUBLAS_OP_N;
  plan->a = make_layout(t, na ? key.m : key.k, na ? key.k : key.m, key.lda,
                        key.batch, key.sa);
  plan->b = make_layout(t, nb ? key.k : key.n, nb ? key.n : key.k, key.ldb,
                        key.batch, key.sb);
  plan->c = make_layout(t, key.m, key.n, key.ldc, key.batch, key.sc);

  cublasLtMatmulPreference_t pref = nullptr;
  EMBER_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
  std::unique_ptr<cublasLtMatmulPreferenceOpaque_t,
                  cublasStatus_t (*)(cublasLtMatmulPreference_t)>
      guard(pref, cublasLtMatmulPreferenceDestroy);
  uint64_t ws = kWorkspaceBytes;
  EMBER_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
      pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof(ws)));
  EMBER_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
      pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &key.align_a,
      sizeof(uint32_t)));
  EMBER_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
      pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &key.align_b,
      sizeof(uint32_t)));
  EMBER_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
      pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &key.align_c,
      sizeof(uint32_t)));
  EMBER_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
      pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &key.align_c,
      sizeof(uint32_t)));
  // Large products ask for several candidates (whether or not tuning is on
  // now: the plan outlives a later set_autotune(true)); the first result is
  // the same either way.
  double flops = 2.0 * double(key.m) * double(key.n) * double(key.k) *
                 double(key.batch) * (dtype == Dtype::complex64 ? 4.0 : 1.0);
  int want = flops >= kTuneMinFlops ? kMaxCandidates : 1;
  cublasLtMatmulHeuristicResult_t res[kMaxCandidates];
  int found = 0;
  cublasStatus_t st = cublasLtMatmulAlgoGetHeuristic(
      handle(), plan->op, plan->a, plan->b, plan->c, plan->c, pref, want, res,
      &found);
  if (st == CUBLAS_STATUS_SUCCESS) {
    for (int i = 0; i < found; ++i) {
      if (res[i].state == CUBLAS_STATUS_SUCCESS) plan->algos.push_back(res[i].algo);
    }
  }
  if (st != CUBLAS_STATUS_SUCCESS || plan->algos.empty()) {
    throw std::runtime_error(
        "[matmul] cuBLASLt has no algorithm for dtype " +
        std::string(dtype_name(dtype)) + ", (m, n, k) = (" +
        std::to_string(key.m) + ", " + std::to_string(key.n) + ", " +
        std::to_string(key.k) + "), batch " + std::to_string(key.batch) +
        ", ld (" + std::to_string(key.lda) + ", " + std::to_string(key.ldb) +
        ", " + std::to_string(key.ldc) + "): " + cublasLtGetStatusString(st) +
        ".");
  }
  plan->tunable = flops >= kTuneMinFlops;
  return plan;
}

std::shared_ptr<Plan> get_plan(const PlanKey& key, Dtype dtype) {
  static std::mutex mtx;
  static auto* cache =
      new std::unordered_map<PlanKey, std::shared_ptr<Plan>, PlanKeyHash>();
  {
    std::lock_guard<std::mutex> lk(mtx);
    auto it = cache->find(key);
    if (it != cache->end()) return it->second;
  }
  auto plan = make_plan(key, dtype);
  std::lock_guard<std::mutex> lk(mtx);
  // Shapes that change every call (growing sequences) must not grow the
  // cache forever; plans in use stay alive through their shared_ptr.
  if (cache->size() >= kMaxPlans) cache->clear();
  cache->emplace(key, plan);
  return plan;
}

// One cublasLtMatmul of a plan, all but the algorithm and the output fixed.
struct Call {
  const Plan& plan;
  const void* alpha;
  const void* beta;
  const void* a;  // cuBLASLt operands (A = our B, B = our A)
  const void* b;
  void* ws;
  cudaStream_t stream;
  cublasStatus_t run(const cublasLtMatmulAlgo_t& algo, void* c) const {
    return cublasLtMatmul(handle(), plan.op, alpha, a, plan.a, b, plan.b, beta,
                          c, plan.c, c, plan.c, &algo, ws, kWorkspaceBytes,
                          stream);
  }
};

// "id 21 tile 18 splitk 1": what cuBLASLt calls the algorithm.
std::string algo_name(const cublasLtMatmulAlgo_t& algo) {
  int32_t id = -1, splitk = 1;
  uint32_t tile = 0;
  size_t w = 0;
  cublasLtMatmulAlgoConfigGetAttribute(&algo, CUBLASLT_ALGO_CONFIG_ID, &id,
                                       sizeof(id), &w);
  cublasLtMatmulAlgoConfigGetAttribute(&algo, CUBLASLT_ALGO_CONFIG_TILE_ID,
                                       &tile, sizeof(tile), &w);
  cublasLtMatmulAlgoConfigGetAttribute(&algo, CUBLASLT_ALGO_CONFIG_SPLITK_NUM,
                                       &splitk, sizeof(splitk), &w);
  return "id " + std::to_string(id) + " tile " + std::to_string(tile) +
         " splitk " + std::to_string(splitk);
}

// Times every candidate algorithm of `plan` on the call's operands
// (time_candidates) and makes the fastest the plan's choice. The
// caller holds plan.tune_mtx. Candidates that return an error are skipped.
// Nothing happens while the stream is being captured into a CUDA graph (a
// host wait there is invalid): the plan stays untuned and the caller uses
// the heuristic's first algorithm (ember's own capture is then dropped and
// the segment runs again directly, which tunes; see can_time). When the product reads C (beta != 0),
// the runs write a copy of C (same address alignment) so that the real C is
// read only by the final product.
void tune(Plan& plan, const Call& call, void* c, const PlanKey& key,
          Dtype dtype, bool reads_c, const Stream& s) {
  if (!can_time(s)) return;
  g_tune_considered.fetch_add(1);
  int n = int(plan.algos.size());
  if (n < 2) {
    plan.tuned.store(true, std::memory_order_release);
    return;
  }
  void* target = c;
  std::unique_ptr<Scratch> copy;
  if (reads_c) {
    // Column-major C: key.m x key.n, ld key.ldc, batch stride key.sc.
    int64_t span = (key.batch > 1 ? (key.batch - 1) * key.sc : 0) +
                   (key.n - 1) * key.ldc + key.m;
    size_t bytes = size_t(span) * size_of(dtype);
    size_t shift = reinterpret_cast<uintptr_t>(c) % 256;
    copy = std::make_unique<Scratch>(bytes + shift, s);
    target = static_cast<char*>(copy->get()) + shift;
    EMBER_CUDA_CHECK(cudaMemcpyAsync(target, c, bytes, cudaMemcpyDeviceToDevice,
                                     call.stream));
  }
  auto ms = time_candidates(s, n, [&](int i) {
    return call.run(plan.algos[i], target) == CUBLAS_STATUS_SUCCESS;
  });
  int best = fastest_candidate(ms);
  // None ran: keep the first, whose error the final product reports.
  if (best < 0) best = 0;
  plan.chosen.store(best, std::memory_order_release);
  plan.tuned.store(true, std::memory_order_release);
  g_tune_timed.fetch_add(1);
  if (profiling) {
    char buf[64];
    std::string text = "cublasLt autotune: candidate " + std::to_string(best) +
                       " of " + std::to_string(n) + " (" +
                       algo_name(plan.algos[best]) + ")";
    if (ms[best] >= 0) {
      std::snprintf(buf, sizeof(buf), " %.4f ms", double(ms[best]));
      text += buf;
    }
    text += "; ms by heuristic rank:";
    for (int i = 0; i < n; ++i) {
      if (ms[i] < 0) {
        text += " failed";
      } else {
        std::snprintf(buf, sizeof(buf), " %.4f", double(ms[i]));
        text += buf;
      }
    }
    std::fprintf(stderr,
                 "[ember cuda autotune] matmul %s (M, N, K) = (%lld, %lld, "
                 "%lld) batch %lld: %s\n",
                 dtype_name(dtype), (long long)key.n, (long long)key.m,
                 (long long)key.k, (long long)key.batch, text.c_str());
    profile_note = profile_keep_note(std::move(text));
  }
}

}  // namespace

bool switch_on(std::atomic<int>& v, const char* var, bool dflt) {
  int cur = v.load(std::memory_order_relaxed);
  if (cur < 0) {
    const char* e = std::getenv(var);
    bool on = (e == nullptr || e[0] == '\0') ? dflt : std::strcmp(e, "0") != 0;
    v.compare_exchange_strong(cur, on ? 1 : 0);
    cur = v.load(std::memory_order_relaxed);
  }
  return cur == 1;
}

bool tf32_enabled() { return switch_on(g_tf32, "EMBER_CUDA_TF32", false); }

void set_tf32(bool enabled) { g_tf32.store(enabled ? 1 : 0); }

bool autotune_enabled() {
  return switch_on(g_autotune, "EMBER_CUDA_AUTOTUNE", true);
}

void set_autotune(bool enabled) { g_autotune.store(enabled ? 1 : 0); }

void gemm_autotune_counts(int64_t& considered, int64_t& timed) {
  considered = g_tune_considered.load();
  timed = g_tune_timed.load();
}

bool can_time(const Stream& s) {
  cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
  EMBER_CUDA_CHECK(cudaStreamIsCapturing(get_stream(s), &capture));
  if (capture == cudaStreamCaptureStatusNone) return true;
  redo_without_capture(s);
  return false;
}

std::vector<float> time_candidates(const Stream& s, int n,
                                   const std::function<bool(int)>& run) {
  cudaStream_t stream = get_stream(s);
  std::vector<int> live;
  for (int i = 0; i < n; ++i) {
    if (run(i)) live.push_back(i);  // warm-up (also loads the kernels)
  }
  std::vector<float> ms(size_t(n), -1.0f);
  if (live.empty()) return ms;
  // Run k of the rounds sits between events k and k + 1.
  struct Events {
    std::vector<cudaEvent_t> ev;
    ~Events() {
      for (auto e : ev) cudaEventDestroy(e);
    }
  } ev;
  size_t runs = live.size() * size_t(kTimedRuns);
  ev.ev.reserve(runs + 1);
  for (size_t k = 0; k <= runs; ++k) {
    cudaEvent_t e = nullptr;
    EMBER_CUDA_CHECK(cudaEventCreate(&e));
    ev.ev.push_back(e);
  }
  std::vector<bool> ok(size_t(n), true);
  size_t k = 0;
  EMBER_CUDA_CHECK(cudaEventRecord(ev.ev[0], stream));
  for (int r = 0; r < kTimedRuns; ++r) {
    for (int i : live) {
      if (!run(i)) ok[i] = false;
      EMBER_CUDA_CHECK(cudaEventRecord(ev.ev[++k], stream));
    }
  }
  EMBER_CUDA_CHECK(cudaEventSynchronize(ev.ev.back()));
  k = 0;
  for (int r = 0; r < kTimedRuns; ++r) {
    for (int i : live) {
      float t = 0;
      EMBER_CUDA_CHECK(cudaEventElapsedTime(&t, ev.ev[k], ev.ev[k + 1]));
      ++k;
      if (ok[i]) ms[i] = ms[i] < 0 ? t : std::min(ms[i], t);
    }
  }
  for (int i = 0; i < n; ++i) {
    if (!ok[i]) ms[i] = -1.0f;
  }
  return ms;
}

int fastest_candidate(const std::vector<float>& ms) {
  int best = -1;
  for (int i = 0; i < int(ms.size()); ++i) {
    if (ms[i] < 0) continue;
    if (best < 0 || ms[i] < kTuneMargin * ms[best]) best = i;
  }
  return best;
}

void gemm(const Stream& s, Dtype dtype, int64_t M, int64_t N, int64_t K,
          const GemmOperand& a, const GemmOperand& b, void* c, int64_t ldc,
          int64_t c_batch_stride, int64_t batch, float alpha, float beta,
          const void* bias) {
  if (M <= 0 || N <= 0 || batch <= 0) return;
  if (K <= 0) {
    throw std::invalid_argument("[matmul] gemm needs K > 0; got " +
                                std::to_string(K) + ".");
  }
  if (batch > INT32_MAX) {
    throw std::invalid_argument("[matmul] Too many matrices in one batch; got " +
                                std::to_string(batch) + ".");
  }
  cudaStream_t stream = get_stream(s);
  size_t es = size_of(dtype);
  PlanKey key{};
  key.dtype = int(dtype);
  key.tf32 = dtype == Dtype::float32 && tf32_enabled() ? 1 : 0;
  // cuBLASLt A = our B (N x K stored), cuBLASLt B = our A (K x M stored).
  key.op_a = b.trans ? CUBLAS_OP_T : CUBLAS_OP_N;
  key.op_b = a.trans ? CUBLAS_OP_T : CUBLAS_OP_N;
  key.m = N;
  key.n = M;
  key.k = K;
  key.lda = b.ld;
  key.ldb = a.ld;
  key.ldc = ldc;
  key.batch = batch;
  key.sa = batch > 1 ? b.batch_stride : 0;
  key.sb = batch > 1 ? a.batch_stride : 0;
  key.sc = batch > 1 ? c_batch_stride : 0;
  key.align_a = alignment(b.ptr, b.ld, b.batch_stride, batch, es);
  key.align_b = alignment(a.ptr, a.ld, a.batch_stride, batch, es);
  key.align_c = alignment(c, ldc, c_batch_stride, batch, es);
  key.bias = bias != nullptr;
  ProfileScope timed(profile_gemm_us);
  auto plan = get_plan(key, dtype);

  void* ws = workspace(base_stream(s));
  double alpha_d = alpha, beta_d = beta;
  float alpha_c[2] = {alpha, 0.0f}, beta_c[2] = {beta, 0.0f};
  const void* pa = &alpha;
  const void* pb = &beta;
  if (dtype == Dtype::float64) {
    pa = &alpha_d;
    pb = &beta_d;
  } else if (dtype == Dtype::complex64) {
    pa = alpha_c;
    pb = beta_c;
  }
  std::unique_lock<std::mutex> lk(plan->mtx, std::defer_lock);
  if (bias) {
    lk.lock();
    EMBER_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(
        plan->op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias)));
  }
  Call call{*plan, pa, pb, b.ptr, a.ptr, ws, stream};
  const cublasLtMatmulAlgo_t* algo = &plan->algos[0];
  if (plan->tunable && autotune_enabled()) {
    if (!plan->tuned.load(std::memory_order_acquire)) {
      // One thread tunes; others meanwhile run the heuristic's first.
      std::unique_lock<std::mutex> tl(plan->tune_mtx, std::try_to_lock);
      if (tl.owns_lock() && !plan->tuned.load(std::memory_order_acquire)) {
        tune(*plan, call, c, key, dtype, beta != 0.0f, s);
      }
    }
    algo = &plan->algos[plan->chosen.load(std::memory_order_acquire)];
  }
  check_cublas(call.run(*algo, c), "cublasLtMatmul", __FILE__, __LINE__);
}

}  // namespace ember::cuda
