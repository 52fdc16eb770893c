// CPU evaluation of elementwise binary primitives: one line per op.
// binary_kernel picks the layout (scalar-vector, same dense layout: one flat
// vectorised loop; otherwise collapsed strided dims) and splits across cores.
// Traffic: read 2n inputs (or n + 1), write n outputs. DivMod writes two
// row-contiguous outputs in a single pass over the inputs.
#include <bit>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "ember/backend/common/utils.h"
#include "ember/backend/cpu/binary_ops.h"
#include "ember/backend/cpu/elementwise.h"
#include "ember/primitives/binary.h"

namespace ember {

namespace {
// Inputs share a dtype; the output type is what Op returns (bool for
// comparisons, else the input type).
template <typename Op>
void binary_op(const std::vector<array>& inputs, array& out, const char* name) {
  dispatch_all(inputs[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_invocable_v<Op, T, T>) {
      using R = std::invoke_result_t<Op, T, T>;
      if (dtype_of_v<R> != out.dtype()) {
        throw std::invalid_argument(std::string("[") + name +
                                    "] Unexpected output dtype " +
                                    dtype_name(out.dtype()) + ".");
      }
      cpu::binary_kernel<T, T, R>(inputs[0], inputs[1], out, Op{});
    } else {
      throw std::invalid_argument(std::string("[") + name +
                                  "] Not supported for dtype " +
                                  dtype_name(inputs[0].dtype()) + ".");
    }
  });
}
}  // namespace

#define EMBER_BINARY_CPU(NAME)                                        \
  void NAME::eval_cpu(const std::vector<array>& inputs, array& out) { \
    binary_op<cpu::NAME##Op>(inputs, out, #NAME);                      \
  }

EMBER_BINARY_CPU(Add)
EMBER_BINARY_CPU(Subtract)
EMBER_BINARY_CPU(Multiply)
EMBER_BINARY_CPU(Divide)
EMBER_BINARY_CPU(FloorDivide)
EMBER_BINARY_CPU(Remainder)
void Power::eval_cpu(const std::vector<array>& inputs, array& out) {
  // A float power with one exponent 2, 3 or 0.5 for every element (a broadcast
  // scalar, e.g. x**3 in GELU) is products instead of a scalar pow call per
  // element; the loop vectorizes. The product is taken in double: exact for
  // half types, and for float32 pow's correctly rounded value up to double
  // rounding. float64 cubes keep pow: two roundings of x * x * x can miss
  // its correctly rounded result by an ulp. Exponent 0.5 is sqrt (both
  // correctly rounded), with pow's values at -0 (+0) and -inf (+inf).
  const array& e = inputs[1];
  if (is_floating_point(out.dtype()) && e.data_size() == 1) {
    bool done = false;
    dispatch_float(out.dtype(), "Power", [&](auto tag) {
      using T = decltype(tag);
      double v = double(cpu::compute_t<T>(e.data<T>()[0]));
      if (v == 0.5) {
        cpu::unary_kernel<T, T>(inputs[0], out, [](T x_) {
          using C = cpu::compute_t<T>;
          C x = C(x_);
          constexpr C inf = std::numeric_limits<C>::infinity();
          // The -inf case by an integer mask: with a float compare the loop
          // did not vectorize (11.8 against 2.0 ms for x ** 2).
          using U = std::conditional_t<sizeof(C) == 4, uint32_t, uint64_t>;
          const U m = U(0) - U(std::bit_cast<U>(x) == std::bit_cast<U>(-inf));
          const U r = std::bit_cast<U>(std::sqrt(x) + C(0));
          return T(std::bit_cast<C>((r & ~m) | (std::bit_cast<U>(inf) & m)));
        });
        done = true;
        return;
      }
      if (v != 2.0 && (v != 3.0 || std::is_same_v<T, double>)) return;
      bool cube = v == 3.0;
      cpu::unary_kernel<T, T>(inputs[0], out, [cube](T x_) {
        double x = double(cpu::compute_t<T>(x_));
        return T(cpu::compute_t<T>(cube ? x * x * x : x * x));
      });
      done = true;
    });
    if (done) return;
  }
  binary_op<cpu::PowerOp>(inputs, out, "Power");
}
EMBER_BINARY_CPU(Maximum)
EMBER_BINARY_CPU(Minimum)
EMBER_BINARY_CPU(LogAddExp)
EMBER_BINARY_CPU(ArcTan2)
EMBER_BINARY_CPU(Equal)
EMBER_BINARY_CPU(NotEqual)
EMBER_BINARY_CPU(Less)
EMBER_BINARY_CPU(LessEqual)
EMBER_BINARY_CPU(Greater)
EMBER_BINARY_CPU(GreaterEqual)
EMBER_BINARY_CPU(LogicalAnd)
EMBER_BINARY_CPU(LogicalOr)
EMBER_BINARY_CPU(BitwiseAnd)
EMBER_BINARY_CPU(BitwiseOr)
EMBER_BINARY_CPU(BitwiseXor)
EMBER_BINARY_CPU(LeftShift)
EMBER_BINARY_CPU(RightShift)

void DivMod::eval_cpu(const std::vector<array>& inputs,
                      std::vector<array>& outputs) {
  const array& a = inputs[0];
  const array& b = inputs[1];
  for (auto& o : outputs) {
    o.set_data(allocator::malloc(std::max<size_t>(o.nbytes(), 1)));
  }
  if (a.size() == 0) return;
  dispatch_all(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_invocable_v<cpu::DivModOp, T, T, T&, T&>) {
      const T* ap = a.data<T>();
      const T* bp = b.data<T>();
      T* qp = outputs[0].data<T>();
      T* rp = outputs[1].data<T>();
      auto [shape, strides] = collapse_contiguous_dims(
          a.shape(), {a.strides(), b.strides()});
      int nd = int(shape.size());
      int64_t inner = nd ? shape[nd - 1] : 1;
      int64_t sa = nd ? strides[0][nd - 1] : 0, sb = nd ? strides[1][nd - 1] : 0;
      int64_t outer = int64_t(a.size()) / inner;
      scheduler::parallel_for(
          outer, std::max<int64_t>(1, cpu::kGrain / inner),
          [&](int64_t lo, int64_t hi) {
            StridedIterator ia(shape, strides[0], std::max(nd - 1, 0));
            StridedIterator ib(shape, strides[1], std::max(nd - 1, 0));
            ia.seek(lo);
            ib.seek(lo);
            for (int64_t o = lo; o < hi; ++o) {
              const T* x = ap + ia.loc;
              const T* y = bp + ib.loc;
              T* q = qp + o * inner;
              T* r = rp + o * inner;
              for (int64_t i = 0; i < inner; ++i) {
                cpu::DivModOp{}(x[i * sa], y[i * sb], q[i], r[i]);
              }
              ia.step();
              ib.step();
            }
          });
    } else {
      throw std::invalid_argument(std::string("[DivMod] Not supported for "
                                              "dtype ") +
                                  dtype_name(a.dtype()) + ".");
    }
  });
}

}  // namespace ember
