// Derivatives and batching rules of elementwise binary primitives.
#include "ember/primitives/binary.h"

#include "ember/ops/binary.h"
#include "ember/ops/copy.h"
#include "ember/ops/creation.h"
#include "ember/ops/shape.h"
#include "ember/ops/ternary.h"
#include "ember/ops/unary.h"
#include "ember/primitives/unary.h"

namespace ember {

namespace {
// Sums jvp contributions of the differentiated inputs.
array sum_tangents(const std::vector<array>& parts, Stream s) {
  array t = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) t = add(t, parts[i], s);
  return t;
}

array cst(double v, const array& like) { return array(v, like.dtype()); }

// For elementwise ops the jvp is the sum of each input's vjp rule applied to
// its tangent (the partial derivatives are pointwise multipliers).
#define EMBER_BINARY_JVP_FROM_VJP(NAME)                                  \
  std::vector<array> NAME::jvp(const std::vector<array>& primals,        \
                               const std::vector<array>& tangents,       \
                               const std::vector<int>& argnums) {        \
    std::vector<array> parts;                                            \
    for (size_t i = 0; i < argnums.size(); ++i) {                        \
      parts.push_back(vjp(primals, {tangents[i]}, {argnums[i]}, {})[0]); \
    }                                                                    \
    return {sum_tangents(parts, stream())};                              \
  }

// Integer/bool-valued or piecewise-constant ops: zero derivatives.
#define EMBER_BINARY_ZERO_GRAD(NAME, OUT)                                        \
  std::vector<array> NAME::vjp(const std::vector<array>& primals,            \
                               const std::vector<array>&,                    \
                               const std::vector<int>& argnums,              \
                               const std::vector<array>&) {                  \
    std::vector<array> out;                                                  \
    for (int a : argnums) out.push_back(zeros_like(primals[a], stream()));   \
    return out;                                                              \
  }                                                                          \
  std::vector<array> NAME::jvp(const std::vector<array>& primals,            \
                               const std::vector<array>&,                    \
                               const std::vector<int>&) {                    \
    return {zeros(primals[0].shape(), OUT, stream())};     \
  }

#define EMBER_BINARY_VMAP(NAME, FN)                                     \
  std::pair<std::vector<array>, std::vector<int>> NAME::vmap(           \
      const std::vector<array>& inputs, const std::vector<int>& axes) { \
    auto [xs, ax] = detail::align_batch_axes(inputs, axes, stream());   \
    return {{FN(xs[0], xs[1], stream())}, {ax}};                        \
  }
}  // namespace

std::vector<array> Add::vjp(const std::vector<array>&,
                            const std::vector<array>& cotangents,
                            const std::vector<int>& argnums,
                            const std::vector<array>&) {
  return std::vector<array>(argnums.size(), cotangents[0]);
}
std::vector<array> Add::jvp(const std::vector<array>&,
                            const std::vector<array>& tangents,
                            const std::vector<int>&) {
  return {sum_tangents(tangents, stream())};
}

std::vector<array> Subtract::vjp(const std::vector<array>&,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums,
                                 const std::vector<array>&) {
  std::vector<array> out;
  for (int a : argnums) {
    out.push_back(a == 0 ? cotangents[0] : negative(cotangents[0], stream()));
  }
  return out;
}
EMBER_BINARY_JVP_FROM_VJP(Subtract)

std::vector<array> Multiply::vjp(const std::vector<array>& primals,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums,
                                 const std::vector<array>&) {
  std::vector<array> out;
  for (int a : argnums) {
    out.push_back(multiply(cotangents[0], primals[1 - a], stream()));
  }
  return out;
}
EMBER_BINARY_JVP_FROM_VJP(Multiply)

std::vector<array> Divide::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums,
                               const std::vector<array>&) {
  std::vector<array> out;
  auto s = stream();
  for (int a : argnums) {
    if (a == 0) {
      out.push_back(divide(cotangents[0], primals[1], s));
    } else {
      // d(x/y)/dy = -x / y^2
      out.push_back(negative(
          divide(multiply(cotangents[0], primals[0], s),
                 multiply(primals[1], primals[1], s), s),
          s));
    }
  }
  return out;
}
EMBER_BINARY_JVP_FROM_VJP(Divide)

std::vector<array> Remainder::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents,
                                  const std::vector<int>& argnums,
                                  const std::vector<array>&) {
  // a mod b = a - floor(a / b) * b.
  std::vector<array> out;
  auto s = stream();
  for (int a : argnums) {
    if (a == 0) {
      out.push_back(cotangents[0]);
    } else {
      out.push_back(negative(
          multiply(cotangents[0], floor_divide(primals[0], primals[1], s), s),
          s));
    }
  }
  return out;
}
EMBER_BINARY_JVP_FROM_VJP(Remainder)

std::vector<array> Power::vjp(const std::vector<array>& primals,
                              const std::vector<array>& cotangents,
                              const std::vector<int>& argnums,
                              const std::vector<array>& outputs) {
  std::vector<array> out;
  auto s = stream();
  const array& x = primals[0];
  const array& y = primals[1];
  for (int a : argnums) {
    if (a == 0) {
      // y x^(y-1), defined as 0 where y == 0 (also at x == 0, like JAX).
      array d = multiply(y, power(x, subtract(y, cst(1.0, y), s), s), s);
      d = where(equal(y, cst(0.0, y), s), zeros_like(d, s), d, s);
      out.push_back(multiply(cotangents[0], d, s));
    } else {
      // x^y log x, with log 0 replaced by 0 (JAX).
      array o = outputs.empty() ? power(x, y, s) : outputs[0];
      array safe = where(equal(x, cst(0.0, x), s), cst(1.0, x), x, s);
      out.push_back(multiply(cotangents[0], multiply(o, log(safe, s), s), s));
    }
  }
  return out;
}
EMBER_BINARY_JVP_FROM_VJP(Power)

namespace {
// Routes the cotangent of maximum/minimum to the argument that was selected;
// `first_wins` includes ties, so ties send the whole gradient to `a`.
std::vector<array> selection_vjp(const array& first_wins, const array& c,
                                 const std::vector<int>& argnums, Stream s) {
  std::vector<array> out;
  for (int a : argnums) {
    array mask = a == 0 ? first_wins : logical_not(first_wins, s);
    out.push_back(multiply(c, astype(mask, c.dtype(), s), s));
  }
  return out;
}
}  // namespace

std::vector<array> Maximum::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums,
                                const std::vector<array>&) {
  return selection_vjp(greater_equal(primals[0], primals[1], stream()),
                       cotangents[0], argnums, stream());
}
EMBER_BINARY_JVP_FROM_VJP(Maximum)

std::vector<array> Minimum::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums,
                                const std::vector<array>&) {
  return selection_vjp(less_equal(primals[0], primals[1], stream()),
                       cotangents[0], argnums, stream());
}
EMBER_BINARY_JVP_FROM_VJP(Minimum)

std::vector<array> LogAddExp::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents,
                                  const std::vector<int>& argnums,
                                  const std::vector<array>&) {
  // d/da log(e^a + e^b) = sigmoid(a - b).
  std::vector<array> out;
  auto s = stream();
  for (int a : argnums) {
    array d = sigmoid(subtract(primals[a], primals[1 - a], s), s);
    out.push_back(multiply(cotangents[0], d, s));
  }
  return out;
}
EMBER_BINARY_JVP_FROM_VJP(LogAddExp)

std::vector<array> ArcTan2::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums,
                                const std::vector<array>&) {
  // atan2(a, b): d/da = b / (a^2 + b^2), d/db = -a / (a^2 + b^2).
  std::vector<array> out;
  auto s = stream();
  const array& y = primals[0];
  const array& x = primals[1];
  array denom = add(square(y, s), square(x, s), s);
  for (int a : argnums) {
    array num = a == 0 ? x : negative(y, s);
    out.push_back(multiply(cotangents[0], divide(num, denom, s), s));
  }
  return out;
}
EMBER_BINARY_JVP_FROM_VJP(ArcTan2)

EMBER_BINARY_ZERO_GRAD(FloorDivide, primals[0].dtype())
EMBER_BINARY_ZERO_GRAD(Equal, bool_)
EMBER_BINARY_ZERO_GRAD(NotEqual, bool_)
EMBER_BINARY_ZERO_GRAD(Less, bool_)
EMBER_BINARY_ZERO_GRAD(LessEqual, bool_)
EMBER_BINARY_ZERO_GRAD(Greater, bool_)
EMBER_BINARY_ZERO_GRAD(GreaterEqual, bool_)
EMBER_BINARY_ZERO_GRAD(LogicalAnd, bool_)
EMBER_BINARY_ZERO_GRAD(LogicalOr, bool_)
EMBER_BINARY_ZERO_GRAD(BitwiseAnd, primals[0].dtype())
EMBER_BINARY_ZERO_GRAD(BitwiseOr, primals[0].dtype())
EMBER_BINARY_ZERO_GRAD(BitwiseXor, primals[0].dtype())
EMBER_BINARY_ZERO_GRAD(LeftShift, primals[0].dtype())
EMBER_BINARY_ZERO_GRAD(RightShift, primals[0].dtype())

// divmod: the quotient is piecewise constant; the remainder is a - q b.
std::vector<array> DivMod::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums,
                               const std::vector<array>&) {
  std::vector<array> out;
  auto s = stream();
  for (int a : argnums) {
    if (cotangents.size() < 2) {
      out.push_back(zeros_like(primals[a], s));
    } else if (a == 0) {
      out.push_back(cotangents[1]);
    } else {
      out.push_back(negative(
          multiply(cotangents[1], divmod(primals[0], primals[1], s)[0], s), s));
    }
  }
  return out;
}
std::vector<array> DivMod::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  auto s = stream();
  std::vector<array> parts;
  for (size_t i = 0; i < argnums.size(); ++i) {
    parts.push_back(
        vjp(primals, {zeros_like(tangents[i], s), tangents[i]}, {argnums[i]},
            {})[0]);
  }
  return {zeros_like(primals[0], s), sum_tangents(parts, s)};
}

// ---- batching ----

EMBER_BINARY_VMAP(Add, add)
EMBER_BINARY_VMAP(Subtract, subtract)
EMBER_BINARY_VMAP(Multiply, multiply)
EMBER_BINARY_VMAP(Divide, divide)
EMBER_BINARY_VMAP(FloorDivide, floor_divide)
EMBER_BINARY_VMAP(Remainder, remainder)
EMBER_BINARY_VMAP(Power, power)
EMBER_BINARY_VMAP(Maximum, maximum)
EMBER_BINARY_VMAP(Minimum, minimum)
EMBER_BINARY_VMAP(LogAddExp, logaddexp)
EMBER_BINARY_VMAP(ArcTan2, arctan2)
EMBER_BINARY_VMAP(Equal, equal)
EMBER_BINARY_VMAP(NotEqual, not_equal)
EMBER_BINARY_VMAP(Less, less)
EMBER_BINARY_VMAP(LessEqual, less_equal)
EMBER_BINARY_VMAP(Greater, greater)
EMBER_BINARY_VMAP(GreaterEqual, greater_equal)
EMBER_BINARY_VMAP(LogicalAnd, logical_and)
EMBER_BINARY_VMAP(LogicalOr, logical_or)
EMBER_BINARY_VMAP(BitwiseAnd, bitwise_and)
EMBER_BINARY_VMAP(BitwiseOr, bitwise_or)
EMBER_BINARY_VMAP(BitwiseXor, bitwise_xor)
EMBER_BINARY_VMAP(LeftShift, left_shift)
EMBER_BINARY_VMAP(RightShift, right_shift)

std::pair<std::vector<array>, std::vector<int>> DivMod::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto [xs, ax] = detail::align_batch_axes(inputs, axes, stream());
  return {divmod(xs[0], xs[1], stream()), {ax, ax}};
}

}  // namespace ember
