// Attention forward (with the row logsumexp, cuDNN's "stats") and backward
// through cuDNN's fused flash-attention graphs (cudnn_frontend, header-only).
//
// Loading: ember never links libcudnn. The frontend is compiled with
// NV_CUDNN_FRONTEND_USE_DYNAMIC_LOADING (it calls cuDNN through dlsym on
// cudnn_frontend::cudnn_dlhandle), and before first use we dlopen
// libcudnn.so.9 (RTLD_GLOBAL) from, in order:
//   1. $EMBER_CUDNN_LIBRARY (the library file, or the folder holding it);
//   2. the default search path (also finds a copy already loaded, e.g. by
//      PyTorch);
//   3. the cuDNN lib folder found when ember was configured
//      (EMBER_CUDNN_LIB_HINT, CMake);
//   4. nvidia/cudnn/lib of Python site-packages under $VIRTUAL_ENV,
//      $CONDA_PREFIX, /opt/torch/.venv, /usr/local, /usr and $HOME/.local
//      (lib/python3*/{site,dist}-packages), and of each $PYTHONPATH entry.
// When loaded from a folder, its sibling libraries (libcudnn_graph.so.9,
// engines, ...) are opened first so that cuDNN's own lazy loading finds
// them; libnvrtc (for runtime-compiled engines) is opened if found too.
// If nothing loads, or a graph fails to validate/build/check, the callers
// fall back (hand-written forward kernels, composed backward); with
// EMBER_DEBUG set the reason is printed once.
//
// Graphs are cached per (thread's cudnnHandle_t, direction, stats, device,
// dtype, sizes, mask, strides); the softmax scale is a pass-by-value tensor
// so one graph serves every scale. Each thread (ember stream worker, or the
// caller's thread for the support check made when the op is built) has its
// own handle; plans are executed only with the handle they were built with.
// Workspace comes from cuda::Scratch (freed in stream order). Executions
// with the same plan, pointers and scale are replayed from a CUDA graph when
// the stream is idle (cuda::CallGraphs: it skips the execute's host work).
//
// Autotuning (cuda::autotune_enabled(), EMBER_CUDA_AUTOTUNE=0 turns it off):
// graphs of at least 2^33 flops (forward: 2 B Nq (D + Dv) times the visible
// (query, key) pairs; the backward counts 2.5x) ask the heuristics for modes
// A and FALLBACK and build the first supported plan as usual (so the op's
// support check costs what it did). The first time such a graph executes,
// every other candidate is built too (what build_plans(ALL) does, but only
// on the thread that runs it), duplicates (same engine and knobs) dropped,
// and each is timed on the real operands on the op's stream
// (cuda::time_candidates: one warm-up each, then 3 rounds over the
// candidates between CUDA events, one host wait). The fastest plan index is
// kept for the graph and run through execute_plan_at_index. Plans that fail
// to build or execute are skipped; nothing is timed while the stream is
// being captured into a CUDA graph. Smaller graphs (and every graph with
// tuning off, cached apart) keep heuristic mode A's first plan. With
// EMBER_CUDA_PROFILE=1 each choice is printed to stderr and noted in the
// profile.
#include "ember/backend/cuda/fast/sdpa_cudnn.h"

#include <algorithm>
#include <bit>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "ember/backend/cuda/cuda.h"
#include "ember/backend/cuda/matmul.h"
#include "ember/backend/cuda/profile.h"
#include "ember/primitives/fast.h"

#if EMBER_HAVE_CUDNN_FRONTEND
#include <dlfcn.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cudnn_frontend.h>

namespace cudnn_frontend {
// The library handle the frontend's dynamic-loading shim resolves symbols in.
void* cudnn_dlhandle = nullptr;
}  // namespace cudnn_frontend
#endif

namespace ember {
namespace cuda::sdpa_cudnn {

namespace {

bool debug_on() {
  const char* e = std::getenv("EMBER_DEBUG");
  return e != nullptr && e[0] != '\0' && std::strcmp(e, "0") != 0;
}

[[maybe_unused]] void debug_log(const std::string& msg) {
  if (debug_on()) std::fprintf(stderr, "[ember cudnn sdpa] %s\n", msg.c_str());
}

std::atomic<int64_t> g_tune_considered{0}, g_tune_timed{0};

}  // namespace

void autotune_counts(int64_t& considered, int64_t& timed) {
  considered = g_tune_considered.load();
  timed = g_tune_timed.load();
}

bool requested() {
  const char* e = std::getenv("EMBER_SDPA_KERNEL");
  return e == nullptr || e[0] == '\0' || std::strcmp(e, "cudnn") == 0;
}

#if !EMBER_HAVE_CUDNN_FRONTEND

bool available() { return false; }
bool supported(Dtype, const Dims&, int, float) { return false; }
bool forward(const Stream&, Dtype, const Dims&, float, const Mask&,
             const array&, const array&, const array&, array&, array*) {
  return false;
}
bool backward(const Stream&, Dtype, const Dims&, float, const Mask&,
              const array&, const array&, const array&, const array&,
              const array&, const array&, array&, array&, array&) {
  return false;
}

#else

namespace fe = cudnn_frontend;

namespace {

// ---- loading ----

bool file_exists(const std::string& p) { return ::access(p.c_str(), R_OK) == 0; }

void* open_in_dir(const std::string& dir) {
  std::string main = dir + "/libcudnn.so.9";
  if (!file_exists(main)) return nullptr;
  for (const char* sub :
       {"libcudnn_graph.so.9", "libcudnn_heuristic.so.9",
        "libcudnn_engines_runtime_compiled.so.9",
        "libcudnn_engines_precompiled.so.9", "libcudnn_ops.so.9",
        "libcudnn_cnn.so.9", "libcudnn_adv.so.9"}) {
    std::string p = dir + "/" + sub;
    if (file_exists(p)) ::dlopen(p.c_str(), RTLD_LAZY | RTLD_GLOBAL);
  }
  void* h = ::dlopen(main.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (h == nullptr) {
    const char* err = ::dlerror();
    debug_log("dlopen " + main + " failed: " + (err ? err : "?"));
  }
  return h;
}

std::vector<std::string> glob_dirs(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g;
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  return out;
}

// Best effort: NVRTC for cuDNN's runtime-compiled engines.
void preload_nvrtc(const std::vector<std::string>& dirs) {
  for (const char* n : {"libnvrtc.so.13", "libnvrtc.so.12"}) {
    if (::dlopen(n, RTLD_LAZY | RTLD_GLOBAL) != nullptr) return;
  }
  for (auto& d : dirs) {
    for (const char* n : {"libnvrtc.so.13", "libnvrtc.so.12"}) {
      std::string p = d + "/" + n;
      if (file_exists(p) && ::dlopen(p.c_str(), RTLD_LAZY | RTLD_GLOBAL)) return;
    }
  }
}

void* load_cudnn() {
  std::vector<std::string> nvrtc_dirs;
#ifdef EMBER_CUDA_LIB_DIR
  nvrtc_dirs.push_back(EMBER_CUDA_LIB_DIR);
#endif
  if (const char* ch = std::getenv("CUDA_HOME")) {
    nvrtc_dirs.push_back(std::string(ch) + "/lib64");
  }
  nvrtc_dirs.push_back("/usr/local/cuda/lib64");

  void* h = nullptr;
  if (const char* e = std::getenv("EMBER_CUDNN_LIBRARY"); e && e[0]) {
    std::string p(e);
    struct stat sb;
    if (::stat(p.c_str(), &sb) == 0 && S_ISDIR(sb.st_mode)) {
      h = open_in_dir(p);  // a folder
    } else {
      auto slash = p.rfind('/');
      if (slash != std::string::npos) {
        // Siblings first, as for folders.
        std::string dir = p.substr(0, slash);
        for (const char* sub : {"libcudnn_graph.so.9"}) {
          std::string s = dir + "/" + sub;
          if (file_exists(s)) ::dlopen(s.c_str(), RTLD_LAZY | RTLD_GLOBAL);
        }
      }
      h = ::dlopen(p.c_str(), RTLD_NOW | RTLD_GLOBAL);
    }
    if (h == nullptr) debug_log("EMBER_CUDNN_LIBRARY=" + p + " did not load");
  }
  if (h == nullptr) h = ::dlopen("libcudnn.so.9", RTLD_NOW | RTLD_GLOBAL);
  std::vector<std::string> dirs;
#ifdef EMBER_CUDNN_LIB_HINT
  dirs.push_back(EMBER_CUDNN_LIB_HINT);
#endif
  std::vector<std::string> prefixes;
  for (const char* var : {"VIRTUAL_ENV", "CONDA_PREFIX"}) {
    if (const char* v = std::getenv(var); v && v[0]) prefixes.emplace_back(v);
  }
  prefixes.emplace_back("/opt/torch/.venv");
  prefixes.emplace_back("/usr/local");
  prefixes.emplace_back("/usr");
  if (const char* home = std::getenv("HOME"); home && home[0]) {
    prefixes.push_back(std::string(home) + "/.local");
  }
  std::vector<std::string> site;
  for (auto& p : prefixes) {
    for (const char* sp : {"site-packages", "dist-packages"}) {
      for (auto& d : glob_dirs(p + "/lib/python3*/" + sp)) site.push_back(d);
    }
  }
  if (const char* pp = std::getenv("PYTHONPATH"); pp && pp[0]) {
    std::string all(pp);
    size_t b = 0;
    while (b <= all.size()) {
      size_t e = all.find(':', b);
      if (e == std::string::npos) e = all.size();
      if (e > b) site.push_back(all.substr(b, e - b));
      b = e + 1;
    }
  }
  for (auto& s : site) {
    dirs.push_back(s + "/nvidia/cudnn/lib");
    nvrtc_dirs.push_back(s + "/nvidia/cu13/lib");
    nvrtc_dirs.push_back(s + "/nvidia/cuda_nvrtc/lib");
  }
  for (size_t i = 0; h == nullptr && i < dirs.size(); ++i) h = open_in_dir(dirs[i]);
  if (h == nullptr) {
    debug_log("libcudnn.so.9 not found (set EMBER_CUDNN_LIBRARY); using the "
              "built-in attention kernels");
    return nullptr;
  }
  preload_nvrtc(nvrtc_dirs);
  return h;
}

// ---- handles and graphs ----

struct Handle {
  cudnnHandle_t h = nullptr;
  int device = -1;
  ~Handle() {
    // Process teardown: leave the handle to the driver.
  }
};

cudnnHandle_t thread_handle() {
  thread_local Handle th;
  int dev = 0;
  if (cudaGetDevice(&dev) != cudaSuccess) {
    debug_log("no CUDA device");
    return nullptr;
  }
  if (th.h != nullptr && th.device == dev) return th.h;
  cudnnHandle_t h = nullptr;
  try {
    auto st = fe::detail::create_handle(&h);
    if (st != CUDNN_STATUS_SUCCESS) {
      debug_log("cudnnCreate failed with status " + std::to_string(int(st)));
      return nullptr;
    }
  } catch (const std::exception& e) {
    debug_log(std::string("cudnnCreate failed: ") + e.what());
    return nullptr;
  }
  th.h = h;
  th.device = dev;
  return h;
}

enum Uid : int64_t {
  kQ = 1, kK, kV, kO, kStats, kBias, kDO, kDQ, kDK, kDV, kScale
};

struct Entry {
  std::shared_ptr<fe::graph::Graph> graph;  // null: unsupported
  std::mutex exec;  // guards the fields below and execution
  int64_t plan = -1;      // plan index executed
  int64_t workspace = 0;  // of that plan
  bool tune = false;      // time the candidates at the first execution
  bool tuned = false;
  std::string label;      // "forward B.. Nq.. ..., mask .., bf16" (notes)
  CallGraphs replay;      // executions replayed from CUDA graphs
};

// Autotuning: the smallest graph timed (2^33 flops: a forward of about
// 30 us at 300 TFLOP/s, well above the host cost of an execute, so the
// timed runs queue back to back) and the most workspace a candidate other
// than the heuristics' choice may ask for.
constexpr double kTuneMinFlops = double(int64_t(1) << 33);
constexpr int64_t kMaxTuneWorkspace = int64_t(1) << 30;

std::mutex& cache_mutex() {
  static std::mutex m;
  return m;
}
std::map<std::vector<int64_t>, std::shared_ptr<Entry>>& cache() {
  static auto* c = new std::map<std::vector<int64_t>, std::shared_ptr<Entry>>();
  return *c;
}

fe::DataType_t fe_type(Dtype dt) {
  return dt == float16 ? fe::DataType_t::HALF : fe::DataType_t::BFLOAT16;
}

using Strides4 = std::vector<int64_t>;

Strides4 row_strides(int64_t a, int64_t b, int64_t c, int64_t d) {
  return {b * c * d, c * d, d, 1};
}

Strides4 strides_of(const array& x) {
  return {int64_t(x.strides(0)), int64_t(x.strides(1)), int64_t(x.strides(2)),
          int64_t(x.strides(3))};
}

// Layouts of a graph: q, k, v, (o, dO for the backward) input strides and
// the output strides: the forward's O (out), the backward's dQ, dK, dV.
struct Layout {
  Strides4 q, k, v, o, dout;
  Strides4 out, dq, dk, dv;
};

std::shared_ptr<fe::graph::Tensor_attributes> tensor(
    fe::graph::Graph& g, const char* name, int64_t uid,
    std::vector<int64_t> dim, Strides4 stride, fe::DataType_t t) {
  return g.tensor(fe::graph::Tensor_attributes()
                      .set_name(name)
                      .set_uid(uid)
                      .set_dim(std::move(dim))
                      .set_stride(std::move(stride))
                      .set_data_type(t));
}

#define EMBER_FE_TRY(expr)                                  \
  do {                                                      \
    auto st_ = (expr);                                      \
    if (!st_.is_good()) {                                   \
      why = std::string(#expr) + ": " + st_.get_message();  \
      return nullptr;                                       \
    }                                                       \
  } while (0)

// Causal mask (MLX semantics): query i sees keys j <= i + Tk - Tq, i.e. the
// diagonal aligned to the bottom-right (top-left when Tq == Tk: the same).
template <typename Attributes>
void set_causal(Attributes& at, const Dims& d) {
  at.set_diagonal_alignment(d.Tq == d.Tk ? fe::DiagonalAlignment_t::TOP_LEFT
                                         : fe::DiagonalAlignment_t::BOTTOM_RIGHT)
      .set_diagonal_band_right_bound(0);
}

// direction 0 forward, 1 backward.
// tune: also ask heuristic mode FALLBACK for candidates (timed later).
std::shared_ptr<fe::graph::Graph> build_graph(int direction, bool stats,
                                              Dtype dt, const Dims& d,
                                              const Mask& m, const Layout& L,
                                              cudnnHandle_t handle, bool tune,
                                              std::string& why) {
  auto io = fe_type(dt);
  auto g = std::make_shared<fe::graph::Graph>();
  g->set_io_data_type(io)
      .set_intermediate_data_type(fe::DataType_t::FLOAT)
      .set_compute_data_type(fe::DataType_t::FLOAT);
  auto Q = tensor(*g, "Q", kQ, {d.B, d.Nq, d.Tq, d.D}, L.q, io);
  auto K = tensor(*g, "K", kK, {d.B, d.Nkv, d.Tk, d.D}, L.k, io);
  auto V = tensor(*g, "V", kV, {d.B, d.Nkv, d.Tk, d.Dv}, L.v, io);
  auto scale = g->tensor(fe::graph::Tensor_attributes()
                             .set_name("scale")
                             .set_uid(kScale)
                             .set_dim({1, 1, 1, 1})
                             .set_stride({1, 1, 1, 1})
                             .set_is_pass_by_value(true)
                             .set_data_type(fe::DataType_t::FLOAT));
  std::shared_ptr<fe::graph::Tensor_attributes> bias;
  if (m.kind == 2) {
    bias = tensor(*g, "bias", kBias, {m.Bm, m.Hm, d.Tq, d.Tk},
                  row_strides(m.Bm, m.Hm, d.Tq, d.Tk), io);
  }
  auto stats_dims = std::vector<int64_t>{d.B, d.Nq, d.Tq, 1};
  auto stats_strides = Strides4{int64_t(d.Nq) * d.Tq, d.Tq, 1, 1};
  if (direction == 0) {
    auto at = fe::graph::SDPA_attributes()
                  .set_name("ember_sdpa")
                  .set_generate_stats(stats)
                  .set_attn_scale(scale);
    if (m.kind == 1) set_causal(at, d);
    if (bias) at.set_bias(bias);
    auto [O, S] = g->sdpa(Q, K, V, at);
    O->set_output(true)
        .set_uid(kO)
        .set_dim({d.B, d.Nq, d.Tq, d.Dv})
        .set_stride(L.out)
        .set_data_type(io);
    if (stats) {
      if (!S) {
        why = "no stats output";
        return nullptr;
      }
      S->set_output(true)
          .set_uid(kStats)
          .set_dim(stats_dims)
          .set_stride(stats_strides)
          .set_data_type(fe::DataType_t::FLOAT);
    }
  } else {
    auto O = tensor(*g, "O", kO, {d.B, d.Nq, d.Tq, d.Dv}, L.o, io);
    auto dO = tensor(*g, "dO", kDO, {d.B, d.Nq, d.Tq, d.Dv}, L.dout, io);
    auto S = tensor(*g, "stats", kStats, stats_dims, stats_strides,
                    fe::DataType_t::FLOAT);
    auto at = fe::graph::SDPA_backward_attributes()
                  .set_name("ember_sdpa_backward")
                  .set_attn_scale(scale);
    if (m.kind == 1) set_causal(at, d);
    if (bias) at.set_bias(bias);
    auto [dQ, dK, dV] = g->sdpa_backward(Q, K, V, O, dO, S, at);
    dQ->set_output(true)
        .set_uid(kDQ)
        .set_dim({d.B, d.Nq, d.Tq, d.D})
        .set_stride(L.dq)
        .set_data_type(io);
    dK->set_output(true)
        .set_uid(kDK)
        .set_dim({d.B, d.Nkv, d.Tk, d.D})
        .set_stride(L.dk)
        .set_data_type(io);
    dV->set_output(true)
        .set_uid(kDV)
        .set_dim({d.B, d.Nkv, d.Tk, d.Dv})
        .set_stride(L.dv)
        .set_data_type(io);
  }
  EMBER_FE_TRY(g->validate());
  EMBER_FE_TRY(g->build_operation_graph(handle));
  if (tune) {
    EMBER_FE_TRY(g->create_execution_plans(
        {fe::HeurMode_t::A, fe::HeurMode_t::FALLBACK}));
  } else {
    EMBER_FE_TRY(g->create_execution_plans({fe::HeurMode_t::A}));
  }
  EMBER_FE_TRY(g->check_support(handle));
  // The heuristics' first supported plan; the other candidates of a tuned
  // graph are built when it first executes (tune_entry).
  EMBER_FE_TRY(g->build_plans(handle, fe::BuildPlanPolicy_t::HEURISTICS_CHOICE));
  return g;
}
#undef EMBER_FE_TRY

std::string dims_str(const Dims& d) {
  char buf[160];
  std::snprintf(buf, sizeof(buf), "B%d Nq%d Nkv%d Tq%d Tk%d D%d Dv%d", d.B,
                d.Nq, d.Nkv, d.Tq, d.Tk, d.D, d.Dv);
  return buf;
}

// Matmul flops of the attention (the backward counted as 2.5 forwards):
// 2 (D + Dv) per visible (query, key) pair and head.
double attention_flops(int direction, const Dims& d, int mask_kind) {
  double pairs = double(d.Tq) * double(d.Tk);
  if (mask_kind == 1 && d.Tq <= d.Tk) {
    // Bottom-right aligned: query i sees Tk - Tq + i + 1 keys.
    pairs = double(d.Tq) * double(d.Tk - d.Tq) +
            double(d.Tq) * (double(d.Tq) + 1) / 2;
  }
  double f = 2.0 * d.B * d.Nq * (double(d.D) + double(d.Dv)) * pairs;
  return direction == 0 ? f : 2.5 * f;
}

// The cached graph for this configuration (built on first use); null entry
// graph when unsupported.
std::shared_ptr<Entry> get_entry(int direction, bool stats, Dtype dt,
                                 const Dims& d, const Mask& m,
                                 const Layout& L) {
  // Plans are built for (and kept with) the calling thread's handle.
  cudnnHandle_t h = thread_handle();
  if (h == nullptr) return nullptr;
  int dev = 0;
  if (cudaGetDevice(&dev) != cudaSuccess) return nullptr;
  bool tune = autotune_enabled() &&
              attention_flops(direction, d, m.kind) >= kTuneMinFlops;
  std::vector<int64_t> key = {int64_t(reinterpret_cast<intptr_t>(h)),
                              direction, stats, dev, int64_t(dt == float16),
                              d.B, d.Nq, d.Nkv, d.Tq, d.Tk, d.D, d.Dv,
                              m.kind, m.Bm, m.Hm, tune};
  for (auto* s : {&L.q, &L.k, &L.v, &L.o, &L.dout, &L.out, &L.dq, &L.dk, &L.dv}) {
    key.insert(key.end(), s->begin(), s->end());
    key.push_back(-1);
  }
  std::lock_guard<std::mutex> lock(cache_mutex());
  auto it = cache().find(key);
  if (it != cache().end()) return it->second;
  auto e = std::make_shared<Entry>();
  std::string why;
  // A tuned graph that fails to build (e.g. the FALLBACK query) is retried
  // as an untuned one.
  for (int attempt = tune ? 0 : 1; attempt < 2 && !e->graph; ++attempt) {
    e->tune = attempt == 0;
    try {
      e->graph = build_graph(direction, stats, dt, d, m, L, h, e->tune, why);
    } catch (const std::exception& ex) {
      e->graph = nullptr;
      why = std::string("exception: ") + ex.what();
    }
    if (!e->graph && e->tune) debug_log("tuned graph failed to build: " + why);
  }
  if (e->graph) {
    // The built plan (the heuristics' choice): the first one that reports a
    // workspace size (unbuilt plans report an error).
    int64_t n = e->graph->get_execution_plan_count();
    for (int64_t i = 0; i < n && e->plan < 0; ++i) {
      int64_t ws = 0;
      if (e->graph->get_workspace_size_plan_at_index(i, ws).is_good()) {
        e->plan = i;
        e->workspace = ws;
      }
    }
    if (e->plan < 0) {
      e->graph = nullptr;
      why = "no built plan reports its workspace size";
    }
  }
  e->label = std::string(direction ? "backward " : "forward ") + dims_str(d) +
             ", mask " + std::to_string(m.kind) +
             (dt == float16 ? ", f16" : ", bf16");
  if (!e->graph) {
    debug_log(std::string(direction ? "backward" : "forward") +
              " graph unsupported (" + dims_str(d) + ", mask " +
              std::to_string(m.kind) + ", " + (dt == float16 ? "f16" : "bf16") +
              "): " + why);
  }
  // Bounded: many distinct shapes (e.g. varying lengths) start afresh;
  // entries in use stay alive through their shared_ptr.
  if (cache().size() >= 1024) cache().clear();
  cache().emplace(std::move(key), e);
  return e;
}

// Builds the graph's other candidate plans and times each on `pack` (see
// the top of the file); the caller holds e.exec and has set the handle's
// stream. Leaves e untuned while the stream is being captured.
void tune_entry(const Stream& s, Entry& e, cudnnHandle_t h,
                std::unordered_map<int64_t, void*>& pack) {
  if (!can_time(s)) return;
  g_tune_considered.fetch_add(1);
  auto& g = *e.graph;
  struct Candidate {
    int64_t index, workspace;
    std::string name;
    float ms = -1.0f;
  };
  std::vector<Candidate> cands;
  int64_t n = g.get_execution_plan_count();
  for (int64_t i = 0; i < n; ++i) {
    int64_t ws = 0;
    std::string name;
    try {
      if (!g.get_workspace_size_plan_at_index(i, ws).is_good()) {
        auto st = g.build_plan_at_index(h, i);
        if (!st.is_good()) {
          debug_log(e.label + ": plan " + std::to_string(i) +
                    " did not build: " + st.get_message());
          continue;
        }
        if (!g.get_workspace_size_plan_at_index(i, ws).is_good()) continue;
      }
      if (!g.get_plan_name_at_index(i, name).is_good()) name.clear();
    } catch (const std::exception& ex) {
      debug_log(e.label + ": plan " + std::to_string(i) + ": " + ex.what());
      continue;
    }
    if (i != e.plan && ws > kMaxTuneWorkspace) continue;
    bool dup = false;
    for (auto& c : cands) dup = dup || (!name.empty() && c.name == name);
    if (!dup) cands.push_back({i, ws, name});
  }
  if (cands.size() < 2) {
    e.tuned = true;
    return;
  }
  int64_t max_ws = 0;
  for (auto& c : cands) max_ws = std::max(max_ws, c.workspace);
  std::unique_ptr<Scratch> ws;
  void* wp = nullptr;
  if (max_ws > 0) {
    ws = std::make_unique<Scratch>(size_t(max_ws), s);
    wp = ws->get();
  }
  auto ms = time_candidates(s, int(cands.size()), [&](int c) {
    auto st = g.execute_plan_at_index(h, pack, wp, cands[c].index);
    if (!st.is_good()) {
      debug_log(e.label + ": plan " + std::to_string(cands[c].index) + " (" +
                cands[c].name + ") failed: " + st.get_message());
    }
    return st.is_good();
  });
  for (size_t c = 0; c < cands.size(); ++c) cands[c].ms = ms[c];
  int best = fastest_candidate(ms);
  e.tuned = true;
  g_tune_timed.fetch_add(1);
  if (best >= 0) {
    e.plan = cands[best].index;
    e.workspace = cands[best].workspace;
  }
  if (profiling || debug_on()) {
    char buf[64];
    std::string text = "cuDNN autotune: ";
    if (best >= 0) {
      std::snprintf(buf, sizeof(buf), " %.4f ms", double(cands[best].ms));
      text += "plan " + std::to_string(cands[best].index) + " (" +
              cands[best].name + ")" + buf;
    } else {
      text += "no candidate ran, keeping plan " + std::to_string(e.plan);
    }
    text += "; candidates:";
    for (auto& c : cands) {
      if (c.ms < 0) {
        std::snprintf(buf, sizeof(buf), " failed");
      } else {
        std::snprintf(buf, sizeof(buf), " %.4f ms", double(c.ms));
      }
      text += " " + std::to_string(c.index) + " (" + c.name + ")" + buf + ",";
    }
    text.pop_back();
    std::fprintf(stderr, "[ember cuda autotune] sdpa %s: %s\n",
                 e.label.c_str(), text.c_str());
    if (profiling) profile_note = profile_keep_note(std::move(text));
  }
}

void execute(const Stream& s, Entry& e, std::unordered_map<int64_t, void*>& pack,
             float scale, const char* what) {
  cudnnHandle_t h = thread_handle();
  if (h == nullptr) {
    throw std::runtime_error(std::string("[") + what +
                             "] cuDNN handle could not be created.");
  }
  std::lock_guard<std::mutex> lock(e.exec);
  auto set_stream = [&](cudaStream_t cs) {
    if (fe::detail::set_stream(h, cs) != CUDNN_STATUS_SUCCESS) {
      throw std::runtime_error(std::string("[") + what +
                               "] cudnnSetStream failed.");
    }
  };
  cudaStream_t stream = get_stream(s);
  set_stream(stream);
  if (e.tune && !e.tuned && autotune_enabled()) tune_entry(s, e, h, pack);
  std::unique_ptr<Scratch> ws;
  void* wp = nullptr;
  if (e.workspace > 0) {
    ws = std::make_unique<Scratch>(size_t(e.workspace), s);
    wp = ws->get();
  }
  // What the plan's launches depend on: the plan, every device pointer and
  // the scale (passed by value, so baked into a captured graph).
  std::vector<uint64_t> key = {uint64_t(e.plan), uint64_t(uintptr_t(wp))};
  for (int64_t uid = kQ; uid <= kScale; ++uid) {
    auto it = pack.find(uid);
    if (it == pack.end()) {
      key.push_back(~uint64_t(0));
    } else if (uid == kScale) {
      key.push_back(std::bit_cast<uint32_t>(scale));
    } else {
      key.push_back(uint64_t(uintptr_t(it->second)));
    }
  }
  e.replay.run(stream, key, [&](cudaStream_t cs) {
    if (cs != stream) set_stream(cs);
    auto st = e.graph->execute_plan_at_index(h, pack, wp, e.plan);
    if (cs != stream) set_stream(stream);
    if (!st.is_good()) {
      throw std::runtime_error(std::string("[") + what +
                               "] cuDNN execution failed: " + st.get_message());
    }
  });
}

bool sizes_ok(Dtype dt, const Dims& d) {
  return (dt == float16 || dt == bfloat16) && d.B > 0 && d.Nq > 0 &&
         d.Nkv > 0 && d.Nq % d.Nkv == 0 && d.Tq > 0 && d.Tk > 0 && d.D > 0 &&
         d.Dv > 0 && d.D % 8 == 0 && d.Dv % 8 == 0;
}

}  // namespace

namespace {
// The frontend resolves CUDA runtime calls in a libcudart it dlopens itself;
// point it at the major version ember links (unless set). This runs while
// libember loads: a setenv once ember's threads run could race with their
// getenv calls (glibc may free the environment array being read).
const bool cudart_name_set = [] {
  std::string name = "libcudart.so." + std::to_string(CUDART_VERSION / 1000);
  ::setenv("CUDNN_FRONTEND_CUDART_LIB_NAME", name.c_str(), 0);
  return true;
}();
}  // namespace

bool available() {
  static const bool ok = [] {
    (void)cudart_name_set;
    void* h = load_cudnn();
    if (h == nullptr) return false;
    fe::cudnn_dlhandle = h;
    try {
      size_t v = fe::detail::get_backend_version();
      if (v < 90000) {
        debug_log("cuDNN " + std::to_string(v) + " is older than 9.0");
        return false;
      }
      debug_log("loaded cuDNN " + std::to_string(v));
    } catch (const std::exception& e) {
      debug_log(std::string("cuDNN symbols missing: ") + e.what());
      return false;
    }
    return true;
  }();
  return ok;
}

bool supported(Dtype dt, const Dims& d, int mask_kind, float) {
  if (!requested() || !available() || !sizes_ok(dt, d)) return false;
  if (mask_kind == 1 && d.Tq > d.Tk) return false;
  Mask m;
  m.kind = mask_kind;
  if (mask_kind == 2) {
    m.Bm = d.B;
    m.Hm = d.Nq;
  }
  Layout L;
  L.q = row_strides(d.B, d.Nq, d.Tq, d.D);
  L.k = row_strides(d.B, d.Nkv, d.Tk, d.D);
  L.v = row_strides(d.B, d.Nkv, d.Tk, d.Dv);
  L.out = row_strides(d.B, d.Nq, d.Tq, d.Dv);
  auto f = get_entry(0, true, dt, d, m, L);
  if (!f || !f->graph) return false;
  L.o = L.out;
  L.dout = L.o;
  L.out.clear();
  L.dq = L.q;
  L.dk = L.k;
  L.dv = L.v;
  auto b = get_entry(1, false, dt, d, m, L);
  return b && b->graph;
}

bool forward(const Stream& s, Dtype dt, const Dims& d, float scale,
             const Mask& mask, const array& q, const array& k, const array& v,
             array& out, array* lse) {
  if (!available() || !sizes_ok(dt, d)) return false;
  if (mask.kind == 1 && d.Tq > d.Tk) return false;
  Layout L{strides_of(q), strides_of(k), strides_of(v), {}, {}, strides_of(out), {}, {}, {}};
  auto e = get_entry(0, lse != nullptr, dt, d, mask, L);
  if (!e || !e->graph) return false;
  float sc = scale;
  std::unordered_map<int64_t, void*> pack = {
      {kQ, gpu_ptr<void>(q)},   {kK, gpu_ptr<void>(k)},
      {kV, gpu_ptr<void>(v)},   {kO, gpu_ptr<void>(out)},
      {kScale, &sc}};
  if (lse) pack[kStats] = gpu_ptr<void>(*lse);
  if (mask.kind == 2) pack[kBias] = gpu_ptr<void>(*mask.bias);
  execute(s, *e, pack, sc, "scaled_dot_product_attention");
  return true;
}

bool backward(const Stream& s, Dtype dt, const Dims& d, float scale,
              const Mask& mask, const array& q, const array& k,
              const array& v, const array& out, const array& dout,
              const array& lse, array& dq, array& dk, array& dv) {
  if (!available() || !sizes_ok(dt, d)) return false;
  if (mask.kind == 1 && d.Tq > d.Tk) return false;
  Layout L{strides_of(q),   strides_of(k),   strides_of(v),
           strides_of(out), strides_of(dout), {},
           strides_of(dq),  strides_of(dk),  strides_of(dv)};
  auto e = get_entry(1, false, dt, d, mask, L);
  if (!e || !e->graph) return false;
  float sc = scale;
  std::unordered_map<int64_t, void*> pack = {
      {kQ, gpu_ptr<void>(q)},     {kK, gpu_ptr<void>(k)},
      {kV, gpu_ptr<void>(v)},     {kO, gpu_ptr<void>(out)},
      {kDO, gpu_ptr<void>(dout)}, {kStats, gpu_ptr<void>(lse)},
      {kDQ, gpu_ptr<void>(dq)},   {kDK, gpu_ptr<void>(dk)},
      {kDV, gpu_ptr<void>(dv)},   {kScale, &sc}};
  if (mask.kind == 2) pack[kBias] = gpu_ptr<void>(*mask.bias);
  execute(s, *e, pack, sc, "scaled_dot_product_attention_vjp");
  return true;
}

#endif  // EMBER_HAVE_CUDNN_FRONTEND

}  // namespace cuda::sdpa_cudnn

namespace detail {

// The fused backward runs on cuDNN: f16/bf16, no mask, causal with Tq <= Tk
// (bottom-right aligned, so every row sees a key), or an additive mask.
// Boolean masks stay on the composed backward: a fully masked row must pass
// no gradient to q and k there, which an additive bias can't express.
// Fewer than 64 queries (decoding inside compile/vmap traces, where the key
// length changes every step and each length would build cuDNN graphs) also
// keep the composed path.
bool gpu_sdpa_fused_supported(Dtype dt, int B, int Nq, int Nkv, int Tq, int Tk,
                              int D, int Dv, int mask_kind) {
  if (mask_kind == 2 || Tq < 64) return false;
  if (mask_kind == 1 && Tq > Tk) return false;
  cuda::sdpa_cudnn::Dims d{B, Nq, Nkv, Tq, Tk, D, Dv};
  return cuda::sdpa_cudnn::supported(dt, d, mask_kind == 3 ? 2 : mask_kind,
                                     1.0f);
}

}  // namespace detail
}  // namespace ember
