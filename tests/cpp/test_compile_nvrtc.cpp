// The CUDA source that compile's fusion generates for fused groups
// (primitives/compiled_source.h) compiles with NVRTC for sm_90, checked
// WITHOUT a GPU: libnvrtc is loaded at run time (skipped only where it
// cannot be loaded), so the generator cannot rot unseen on machines that
// have no GPU. Groups come from real traces (compile with fusion on the
// CPU): GELU (tanh and erf forms) on every float dtype, power with literal
// and non-literal exponents on floats and integers, integer semantics,
// mixed dtypes with several outputs, comparisons and selects; each in the
// contiguous kernel (with and without scalar operands), the strided one and
// the rows kernel (row/column broadcasts), with the cross-entropy gradient
// group (softmax minus a one-hot from an iota row and a target column).
//
// EMBER_FUSED_DUMP=<dir> also writes each source (<name>.cu) and its sm_90
// cubin (<name>.cubin) there, to read the SASS (nvdisasm) of a kernel.
#include <gtest/gtest.h>
#include <dlfcn.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

#include "ember/ember.h"
#include "ember/primitives/compiled.h"
#include "ember/primitives/compiled_source.h"
#include "compile_test_utils.h"

using namespace ember;
using namespace ember::compile_test;

namespace {

// The few NVRTC entry points used, resolved with dlsym (declared here so
// that the test needs no CUDA headers).
struct Nvrtc {
  using Prog = void*;
  int (*create)(Prog*, const char*, const char*, int, const char* const*,
                const char* const*) = nullptr;
  int (*compile)(Prog, int, const char* const*) = nullptr;
  int (*cubin_size)(Prog, size_t*) = nullptr;
  int (*cubin)(Prog, char*) = nullptr;
  int (*log_size)(Prog, size_t*) = nullptr;
  int (*log)(Prog, char*) = nullptr;
  int (*destroy)(Prog*) = nullptr;
  int (*ptx_size)(Prog, size_t*) = nullptr;
  int (*ptx)(Prog, char*) = nullptr;
  bool ok = false;

  static const Nvrtc& get() {
    static const Nvrtc n = [] {
      Nvrtc n;
      void* h = nullptr;
      for (const char* name :
           {"libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12",
            "/usr/local/cuda/lib64/libnvrtc.so"}) {
        if ((h = dlopen(name, RTLD_NOW | RTLD_LOCAL))) break;
      }
      if (!h) return n;
      auto sym = [&](const char* s, auto& fn) {
        fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(h, s));
        return fn != nullptr;
      };
      n.ok = sym("nvrtcCreateProgram", n.create) &&
             sym("nvrtcCompileProgram", n.compile) &&
             sym("nvrtcGetCUBINSize", n.cubin_size) &&
             sym("nvrtcGetCUBIN", n.cubin) &&
             sym("nvrtcGetProgramLogSize", n.log_size) &&
             sym("nvrtcGetProgramLog", n.log) &&
             sym("nvrtcDestroyProgram", n.destroy) &&
             sym("nvrtcGetPTXSize", n.ptx_size) && sym("nvrtcGetPTX", n.ptx);
      return n;
    }();
    return n;
  }
};

struct Built {
  std::string error;  // empty on success
  std::string ptx;
};

// Compiles `src` for `arch` with the options of backend/cuda/compiled.cpp.
Built nvrtc_compile(const std::string& src, const std::string& name,
                    const std::string& arch = "sm_90") {
  const Nvrtc& nv = Nvrtc::get();
  Built b;
  Nvrtc::Prog prog = nullptr;
  if (nv.create(&prog, src.c_str(), "ember_fused.cu", 0, nullptr, nullptr)) {
    b.error = "nvrtcCreateProgram failed";
    return b;
  }
  std::string arch_opt = "--gpu-architecture=" + arch;
  const char* opts[] = {arch_opt.c_str(), "--std=c++17"};
  int r = nv.compile(prog, 2, opts);
  if (r != 0) {
    size_t n = 0;
    std::string log;
    if (nv.log_size(prog, &n) == 0 && n > 1) {
      log.resize(n);
      nv.log(prog, log.data());
    }
    b.error = "NVRTC error " + std::to_string(r) + ":\n" + log;
  } else {
    size_t n = 0;
    if (nv.ptx_size(prog, &n) == 0 && n > 1) {
      b.ptx.resize(n);
      nv.ptx(prog, b.ptx.data());
    }
    if (const char* dir = std::getenv("EMBER_FUSED_DUMP")) {
      std::ofstream(std::string(dir) + "/" + name + ".cu") << src;
      std::vector<char> cubin;
      if (nv.cubin_size(prog, &n) == 0 && n > 0) {
        cubin.resize(n);
        nv.cubin(prog, cubin.data());
        std::ofstream(std::string(dir) + "/" + name + ".cubin",
                      std::ios::binary)
            .write(cubin.data(), std::streamsize(n));
      }
    }
  }
  nv.destroy(&prog);
  return b;
}

using VFn = std::function<std::vector<array>(const std::vector<array>&)>;

// The Compiled nodes in the graph of `outs` (not evaluated).
std::vector<array> compiled_nodes(const std::vector<array>& outs) {
  std::vector<array> found, stack(outs);
  std::unordered_set<uintptr_t> seen;
  while (!stack.empty()) {
    array a = stack.back();
    stack.pop_back();
    if (!seen.insert(a.id()).second || !a.has_primitive()) continue;
    // One array per node (outputs of one node share the primitive).
    if (dynamic_cast<const Compiled*>(&a.primitive()) &&
        seen.insert(reinterpret_cast<uintptr_t>(&a.primitive())).second) {
      found.push_back(a);
    }
    for (auto& in : a.inputs()) stack.push_back(in);
  }
  return found;
}

// Traces `f` on `ins` with fusion (CPU), and compiles the source of every
// fused group for the contiguous kernel (scalar operands as they arrive)
// and for the strided kernel. Returns the PTX of the contiguous kernels.
std::vector<std::string> check_group(const std::string& what, const VFn& f,
                                     const std::vector<array>& ins,
                                     bool shapeless = false,
                                     bool also_rounded = false) {
  ModeGuard g(true);
  detail::CompiledFunction cf(shapeless);
  auto outs = cf(f, ins);
  auto nodes = compiled_nodes(outs);
  EXPECT_GE(nodes.size(), 1u) << what << ": nothing was fused";
  std::vector<std::string> ptx;
  int k = 0;
  for (auto& node : nodes) {
    const auto& c = static_cast<const Compiled&>(node.primitive());
    std::vector<array> cins = node.inputs();
    eval(cins);
    std::vector<char> scalar;
    for (auto& a : cins) scalar.push_back(a.data_size() == 1);
    int vec = detail::fused_vec_width(c.tape(), scalar);
    std::string name = what + "_" + std::to_string(k++);
    for (char& ch : name) {
      if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    }
    std::string flat = detail::fused_kernel_source(c.tape(), false, scalar, vec);
    Built b = nvrtc_compile(flat, name + "_flat");
    EXPECT_EQ(b.error, "") << what << " (contiguous kernel)\n" << flat;
    ptx.push_back(b.ptx);
    // Groups with half types: also the mode that rounds after every op.
    bool half = false;
    for (Dtype d : c.tape().input_dtypes)
      half = half || d == float16 || d == bfloat16;
    for (auto& n : c.tape().nodes)
      half = half || n.dtype == float16 || n.dtype == bfloat16;
    if (half && also_rounded) {
      std::string r = detail::fused_kernel_source(c.tape(), false, scalar, vec,
                                                  detail::FusedHalf::rounded);
      b = nvrtc_compile(r, name + "_rounded");
      EXPECT_EQ(b.error, "") << what << " (rounded halves)\n" << r;
    }
    if (also_rounded) {
      // Turing: the paths without bf16 conversions and paired stores.
      b = nvrtc_compile(flat, name + "_sm75", "sm_75");
      EXPECT_EQ(b.error, "") << what << " (sm_75)\n" << flat;
    }
    std::string strided = detail::fused_kernel_source(
        c.tape(), true, std::vector<char>(cins.size(), 0), 1);
    b = nvrtc_compile(strided, name + "_strided");
    EXPECT_EQ(b.error, "") << what << " (strided kernel)\n" << strided;
    // The rows kernel: every operand dense (scalars as scalars), and the
    // operands cycling through the five modes.
    for (int variant = 0; variant < 2; ++variant) {
      std::string modes;
      for (size_t i = 0; i < cins.size(); ++i)
        modes += variant == 0 ? (scalar[i] ? 's' : 'd') : "gcrds"[i % 5];
      std::vector<char> not_dense;
      for (char m : modes) not_dense.push_back(m != 'd');
      int rvec = detail::fused_vec_width(c.tape(), not_dense);
      std::string rows = detail::fused_rows_kernel_source(c.tape(), modes, rvec);
      b = nvrtc_compile(rows, name + "_rows_" + modes);
      EXPECT_EQ(b.error, "") << what << " (rows kernel " << modes << ")\n"
                             << rows;
    }
  }
  return ptx;
}

array rand_input(Shape shape, Dtype t, uint32_t seed, double lo = -3,
                 double hi = 3) {
  size_t n = 1;
  for (auto d : shape) n *= d;
  std::vector<double> v(n);
  uint32_t x = seed * 2654435761u + 12345u;
  for (auto& e : v) {
    x = x * 1664525u + 1013904223u;
    e = lo + (hi - lo) * (double(x >> 8) / double(1u << 24));
    if (is_integral(t)) e = std::trunc(e);
  }
  return array(v, std::move(shape), t);
}

// MLX's nn.gelu_approx: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3))),
// with the Python scalars as weakly typed constants (x**3: a 0-d constant
// of x's dtype).
array gelu_approx(const array& x) {
  const double k = std::sqrt(2.0 / M_PI);
  array cube = power(x, detail::weak_scalar(3, x.dtype()));
  return 0.5 * x * (1.0 + tanh(k * (x + 0.044715 * cube)));
}

array gelu_erf(const array& x) { return x * (1.0 + erf(x / std::sqrt(2.0))) / 2.0; }

#define SKIP_WITHOUT_NVRTC() \
  if (!Nvrtc::get().ok) GTEST_SKIP() << "libnvrtc cannot be loaded"

}  // namespace

TEST(CompileNvrtc, GeluEveryFloatDtype) {
  SKIP_WITHOUT_NVRTC();
  for (Dtype t : {float32, float16, bfloat16, float64}) {
    std::string dt = dtype_name(t);
    array x = rand_input({4, 8}, t, 1);
    auto ptx = check_group("gelu_approx_" + dt,
                           [](const std::vector<array>& in) {
                             return std::vector<array>{gelu_approx(in[0])};
                           },
                           {x}, /*shapeless=*/true, /*also_rounded=*/true);
    if (t == bfloat16 && ptx.size() == 1) {
      // The fast paths: one tanh.approx, pairs stored by one conversion.
      EXPECT_NE(ptx[0].find("tanh.approx.f32"), std::string::npos);
      EXPECT_NE(ptx[0].find("cvt.rn.bf16x2.f32"), std::string::npos);
    }
    check_group("gelu_erf_" + dt,
                [](const std::vector<array>& in) {
                  return std::vector<array>{gelu_erf(in[0])};
                },
                {x}, /*shapeless=*/true, /*also_rounded=*/true);
  }
}

TEST(CompileNvrtc, PowerLiteralAndRuntimeExponents) {
  SKIP_WITHOUT_NVRTC();
  for (Dtype t : {float32, float16, bfloat16, float64, int32, int64, uint8}) {
    std::string dt = dtype_name(t);
    array x = rand_input({3, 5}, t, 2, is_integral(t) ? 0 : -3, 5);
    for (double e : {2.0, 3.0, -1.0, 0.5, 2.5, 0.0, 1.0, 4.0, -2.0}) {
      if (is_integral(t) && (e < 0 || e != std::trunc(e) || e == 1)) continue;
      VFn f = [e](const std::vector<array>& in) {
        array y = power(in[0], array(e, in[0].dtype()));
        return std::vector<array>{y + in[0]};
      };
      check_group("pow_" + dt + "_" + std::to_string(e), f, {x});
    }
    // A runtime (non-constant) exponent: a 0-d input and a full array.
    VFn g = [](const std::vector<array>& in) {
      return std::vector<array>{power(in[0], in[1]) + in[0]};
    };
    check_group("pow_" + dt + "_scalar_input", g,
                {x, rand_input({}, t, 3, 0, 3)});
    check_group("pow_" + dt + "_array_input", g,
                {x, rand_input({3, 5}, t, 4, 0, 3)});
  }
}

TEST(CompileNvrtc, IntegerBoolAndMixedGroups) {
  SKIP_WITHOUT_NVRTC();
  VFn ints = [](const std::vector<array>& in) {
    const array& a = in[0];
    const array& b = in[1];
    array q = floor_divide(a, b) + remainder(a, b) * a;
    array m = (q > 3) || (a == b);
    return std::vector<array>{where(m, -q, abs(a) * 7), m,
                              left_shift(a, b) ^ right_shift(a, b),
                              astype(q, float32) / 3.0f};
  };
  for (Dtype t : {int8, int16, int32, int64, uint8, uint32, uint64}) {
    check_group(std::string("ints_") + dtype_name(t), ints,
                {rand_input({6, 7}, t, 5, 0, 50), rand_input({6, 7}, t, 6, 0, 9)});
  }
  VFn mixed = [](const std::vector<array>& in) {
    array xf = astype(in[0], float32);
    array h = astype(tanh(xf) * 2.0f, float16);
    return std::vector<array>{h, xf, logical_not(h > 0.5f),
                              maximum(in[0], in[1]) - minimum(in[0], in[1])};
  };
  check_group("mixed", mixed,
              {rand_input({5, 9}, bfloat16, 7), rand_input({9}, bfloat16, 8)},
              false, /*also_rounded=*/true);
  VFn floats = [](const std::vector<array>& in) {
    const array& x = in[0];
    array y = sigmoid(x) * exp(-x) + log1p(abs(x)) - rsqrt(abs(x) + 1.0f);
    array z = logaddexp(x, y) + arctan2(x, y) + remainder(x, y) + sign(x);
    return std::vector<array>{z * expm1(x) + floor(z) - ceil(y) + round(x)};
  };
  for (Dtype t : {float32, float16, bfloat16, float64}) {
    check_group(std::string("floats_") + dtype_name(t), floats,
                {rand_input({4, 4}, t, 9)}, false, /*also_rounded=*/true);
  }
}

// The backward group of cross entropy (nn.losses.cross_entropy's vjp):
// g * exp(x - lse) + where(iota == target, -g, 0) with lse, g and the
// targets as (N, 1) columns and the iota as a (1, V) row, V odd; the rows
// kernel reads the columns once per task and divides once per task.
TEST(CompileNvrtc, RowsKernelCrossEntropyGradient) {
  SKIP_WITHOUT_NVRTC();
  for (Dtype t : {float32, bfloat16, float16}) {
    VFn f = [](const std::vector<array>& in) {
      const array& x = in[0];
      array lse = logsumexp(x, {1}, true);
      array g = in[1];  // (N, 1)
      array iota = reshape(arange(double(x.shape(1)), int32), {1, x.shape(1)});
      array tgt = reshape(in[2], {x.shape(0), 1});
      array grad = g * exp(x - lse) + where(equal(iota, tgt), -g, array(0.0f, x.dtype()));
      return std::vector<array>{grad};
    };
    const int N = 6, V = 257;
    std::vector<array> ins = {rand_input({N, V}, t, 21), rand_input({N, 1}, t, 22),
                              rand_input({N}, int32, 23, 0, V)};
    ModeGuard g(true);
    detail::CompiledFunction cf;
    auto outs = cf(f, ins);
    auto nodes = compiled_nodes(outs);
    ASSERT_GE(nodes.size(), 1u) << dtype_name(t);
    for (auto& node : nodes) {
      const auto& c = static_cast<const Compiled&>(node.primitive());
      std::string modes;
      std::vector<char> not_dense;
      std::vector<array> cins = node.inputs();
      eval(cins);
      for (auto& a : cins) {
        // Classify as Compiled::eval_gpu would: full, column, row.
        const Shape& sh = a.shape();
        char m = 'g';
        if (a.strides().size() == 2 && sh.size() == 2) {
          if (a.strides()[1] == 0 && a.strides()[0] == 0) m = 's';
          else if (a.strides()[1] == 0) m = 'c';
          else if (a.strides()[0] == 0) m = 'r';
          else m = 'd';
        }
        modes += m;
        not_dense.push_back(m != 'd');
      }
      int vec = detail::fused_vec_width(c.tape(), not_dense);
      std::string src = detail::fused_rows_kernel_source(c.tape(), modes, vec);
      Built b = nvrtc_compile(src, std::string("xent_grad_rows_") + dtype_name(t));
      ASSERT_EQ(b.error, "") << modes << "\n" << src;
      // Divisions: the task's row only, once per index width (the 64-bit
      // division comes with a 32-bit fast path); the strided kernel has
      // two per dim and width.
      size_t divs = 0;
      for (const char* op : {"div.u32", "div.u64", "rem.u32", "rem.u64",
                             "div.s32", "div.s64", "rem.s32", "rem.s64"}) {
        for (size_t p = b.ptx.find(op); p != std::string::npos;
             p = b.ptx.find(op, p + 1)) {
          ++divs;
        }
      }
      EXPECT_LE(divs, 3u) << dtype_name(t) << " " << modes;
      if (modes.find('c') != std::string::npos) {
        EXPECT_NE(src.find("q"), std::string::npos);
      }
    }
  }
}

TEST(CompileNvrtc, RowsKernelRejectsBadModes) {
  array x = rand_input({4, 300}, float32, 1);
  ModeGuard g(true);
  detail::CompiledFunction cf;
  auto outs = cf([](const std::vector<array>& in) {
    return std::vector<array>{exp(in[0]) * 2.0f + in[0]};
  }, {x});
  auto nodes = compiled_nodes(outs);
  ASSERT_EQ(nodes.size(), 1u);
  const auto& c = static_cast<const Compiled&>(nodes[0].primitive());
  size_t nin = c.tape().num_inputs();
  EXPECT_THROW(detail::fused_rows_kernel_source(c.tape(), std::string(nin + 1, 'd'), 4),
               std::invalid_argument);
  EXPECT_THROW(detail::fused_rows_kernel_source(c.tape(), std::string(nin, 'x'), 4),
               std::invalid_argument);
  EXPECT_THROW(detail::fused_rows_kernel_source(c.tape(), std::string(nin, 'd'), 3),
               std::invalid_argument);
}
