#include "ember/ops/binary.h"

#include <cmath>
#include <limits>

#include "ember/ops/copy.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"
#include "ember/ops/ternary.h"
#include "ember/ops/unary.h"
#include "ember/ops/utils.h"
#include "ember/primitives/binary.h"

namespace ember {

namespace detail {
BinaryOperands binary_operands(const array& a, const array& b, Dtype dtype,
                               Stream s) {
  Shape shape = broadcast_shapes(a.shape(), b.shape());
  array x = broadcast_to(astype(a, dtype, s), shape, s);
  array y = broadcast_to(astype(b, dtype, s), shape, s);
  return {std::move(x), std::move(y), std::move(shape)};
}
}  // namespace detail

namespace {
// Inputs are cast to `in_dtype` and broadcast; the output has `out_dtype`.
template <typename P>
array make_binary(const array& a, const array& b, Dtype in_dtype,
                  Dtype out_dtype, StreamOrDevice s) {
  auto st = to_stream(s);
  auto [x, y, shape] = detail::binary_operands(a, b, in_dtype, st);
  return array(std::move(shape), out_dtype, pool::make_shared<P>(st),
               {std::move(x), std::move(y)});
}
template <typename P>
array make_binary(const array& a, const array& b, Dtype dtype,
                  StreamOrDevice s) {
  return make_binary<P>(a, b, dtype, dtype, s);
}

Dtype promoted(const array& a, const array& b) {
  return promote_types(a.dtype(), b.dtype());
}

void reject_complex(Dtype t, const char* op) {
  if (is_complex(t)) {
    throw std::invalid_argument(op_prefix(op) +
                                "Not supported for complex input; got dtype " +
                                dtype_name(t) + ".");
  }
}

// Bitwise ops reject inexact dtypes; MLX raises a runtime error here.
void require_integer(const array& a, const array& b, const char* op) {
  for (const array* x : {&a, &b}) {
    if (is_inexact(x->dtype())) {
      throw std::runtime_error(op_prefix(op) +
                               "Bitwise operations are only allowed on "
                               "integer and bool types; got dtype " +
                               dtype_name(x->dtype()) + ".");
    }
  }
}
}  // namespace

array add(const array& a, const array& b, StreamOrDevice s) {
  return make_binary<Add>(a, b, promoted(a, b), s);
}
array subtract(const array& a, const array& b, StreamOrDevice s) {
  return make_binary<Subtract>(a, b, promoted(a, b), s);
}
array multiply(const array& a, const array& b, StreamOrDevice s) {
  return make_binary<Multiply>(a, b, promoted(a, b), s);
}
array divide(const array& a, const array& b, StreamOrDevice s) {
  return make_binary<Divide>(a, b, at_least_float(promoted(a, b)), s);
}

array floor_divide(const array& a, const array& b, StreamOrDevice s) {
  Dtype t = promoted(a, b);
  reject_complex(t, "floor_divide");
  if (t == bool_) {
    // bool is no integer type in MLX: true division, then floor.
    return floor(divide(a, b, s), s);
  }
  return make_binary<FloorDivide>(a, b, t, s);
}
array remainder(const array& a, const array& b, StreamOrDevice s) {
  Dtype t = promoted(a, b);
  reject_complex(t, "remainder");
  return make_binary<Remainder>(a, b, t, s);
}
std::vector<array> divmod(const array& a, const array& b, StreamOrDevice s) {
  Dtype t = promoted(a, b);
  reject_complex(t, "divmod");
  auto st = to_stream(s);
  auto [x, y, shape] = detail::binary_operands(a, b, t, st);
  return array::make_arrays({shape, shape}, {t, t},
                            std::make_shared<DivMod>(st), {x, y});
}
array power(const array& a, const array& b, StreamOrDevice s) {
  return make_binary<Power>(a, b, promoted(a, b), s);
}
array maximum(const array& a, const array& b, StreamOrDevice s) {
  return make_binary<Maximum>(a, b, promoted(a, b), s);
}
array minimum(const array& a, const array& b, StreamOrDevice s) {
  return make_binary<Minimum>(a, b, promoted(a, b), s);
}
array logaddexp(const array& a, const array& b, StreamOrDevice s) {
  Dtype t = at_least_float(promoted(a, b));
  reject_complex(t, "logaddexp");
  return make_binary<LogAddExp>(a, b, t, s);
}
array arctan2(const array& a, const array& b, StreamOrDevice s) {
  Dtype t = at_least_float(promoted(a, b));
  reject_complex(t, "arctan2");
  return make_binary<ArcTan2>(a, b, t, s);
}

array equal(const array& a, const array& b, StreamOrDevice s) {
  return make_binary<Equal>(a, b, promoted(a, b), bool_, s);
}
array not_equal(const array& a, const array& b, StreamOrDevice s) {
  return make_binary<NotEqual>(a, b, promoted(a, b), bool_, s);
}
array less(const array& a, const array& b, StreamOrDevice s) {
  return make_binary<Less>(a, b, promoted(a, b), bool_, s);
}
array less_equal(const array& a, const array& b, StreamOrDevice s) {
  return make_binary<LessEqual>(a, b, promoted(a, b), bool_, s);
}
array greater(const array& a, const array& b, StreamOrDevice s) {
  return make_binary<Greater>(a, b, promoted(a, b), bool_, s);
}
array greater_equal(const array& a, const array& b, StreamOrDevice s) {
  return make_binary<GreaterEqual>(a, b, promoted(a, b), bool_, s);
}

array array_equal(const array& a, const array& b, bool equal_nan,
                  StreamOrDevice s) {
  if (a.shape() != b.shape()) return array(false);
  Dtype t = promoted(a, b);
  array eq = equal(a, b, s);
  if (equal_nan && is_inexact(t)) {
    eq = logical_or(eq, logical_and(isnan(a, s), isnan(b, s), s), s);
  }
  return all(eq, false, s);
}

array isclose(const array& a, const array& b, double rtol, double atol,
              bool equal_nan, StreamOrDevice s) {
  Dtype t = at_least_float(promoted(a, b));
  array x = astype(a, t, s), y = astype(b, t, s);
  // |x - y| <= atol + rtol * |y|, computed in the real dtype of |.|.
  Dtype rt = is_complex(t) ? float32 : t;
  array lhs = abs(subtract(x, y, s), s);
  array rhs = add(array(atol, rt), multiply(array(rtol, rt), abs(y, s), s), s);
  array close = less_equal(lhs, rhs, s);
  // Infinities: close only to an equal infinity (inf - inf is NaN above).
  array any_inf = logical_or(isinf(x, s), isinf(y, s), s);
  close = where(any_inf, equal(x, y, s), close, s);
  if (equal_nan) {
    close = logical_or(close, logical_and(isnan(x, s), isnan(y, s), s), s);
  }
  return close;
}
array allclose(const array& a, const array& b, double rtol, double atol,
               bool equal_nan, StreamOrDevice s) {
  return all(isclose(a, b, rtol, atol, equal_nan, s), false, s);
}

array logical_and(const array& a, const array& b, StreamOrDevice s) {
  return make_binary<LogicalAnd>(a, b, bool_, s);
}
array logical_or(const array& a, const array& b, StreamOrDevice s) {
  return make_binary<LogicalOr>(a, b, bool_, s);
}
array logical_xor(const array& a, const array& b, StreamOrDevice s) {
  return make_binary<NotEqual>(a, b, bool_, s);
}

array bitwise_and(const array& a, const array& b, StreamOrDevice s) {
  require_integer(a, b, "bitwise_and");
  return make_binary<BitwiseAnd>(a, b, promoted(a, b), s);
}
array bitwise_or(const array& a, const array& b, StreamOrDevice s) {
  require_integer(a, b, "bitwise_or");
  return make_binary<BitwiseOr>(a, b, promoted(a, b), s);
}
array bitwise_xor(const array& a, const array& b, StreamOrDevice s) {
  require_integer(a, b, "bitwise_xor");
  return make_binary<BitwiseXor>(a, b, promoted(a, b), s);
}
array left_shift(const array& a, const array& b, StreamOrDevice s) {
  require_integer(a, b, "left_shift");
  Dtype t = promote_types(promoted(a, b), uint8);
  return make_binary<LeftShift>(a, b, t, s);
}
array right_shift(const array& a, const array& b, StreamOrDevice s) {
  require_integer(a, b, "right_shift");
  Dtype t = promote_types(promoted(a, b), uint8);
  return make_binary<RightShift>(a, b, t, s);
}

array operator+(const array& a, const array& b) { return add(a, b); }
array operator-(const array& a, const array& b) { return subtract(a, b); }
array operator*(const array& a, const array& b) { return multiply(a, b); }
array operator/(const array& a, const array& b) { return divide(a, b); }
array operator%(const array& a, const array& b) { return remainder(a, b); }
array operator-(const array& a) { return negative(a); }
array operator~(const array& a) { return bitwise_invert(a); }
array operator!(const array& a) { return logical_not(a); }
array operator==(const array& a, const array& b) { return equal(a, b); }
array operator!=(const array& a, const array& b) { return not_equal(a, b); }
array operator<(const array& a, const array& b) { return less(a, b); }
array operator<=(const array& a, const array& b) { return less_equal(a, b); }
array operator>(const array& a, const array& b) { return greater(a, b); }
array operator>=(const array& a, const array& b) { return greater_equal(a, b); }
array operator&&(const array& a, const array& b) { return logical_and(a, b); }
array operator||(const array& a, const array& b) { return logical_or(a, b); }
array operator&(const array& a, const array& b) { return bitwise_and(a, b); }
array operator|(const array& a, const array& b) { return bitwise_or(a, b); }
array operator^(const array& a, const array& b) { return bitwise_xor(a, b); }
array operator<<(const array& a, const array& b) { return left_shift(a, b); }
array operator>>(const array& a, const array& b) { return right_shift(a, b); }

}  // namespace ember
