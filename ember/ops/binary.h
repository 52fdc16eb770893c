// Elementwise binary ops (spec/core.md §6, §7): arithmetic, comparisons,
// logical and bitwise ops; NumPy broadcasting and the promotion table of
// §1.1. C++ scalars mixed with arrays are weakly typed (§1.2).
#pragma once

#include <limits>
#include <string>

#include "ember/core/array.h"

namespace ember {

/// a + b.
array add(const array& a, const array& b, StreamOrDevice s = {});
/// a - b.
array subtract(const array& a, const array& b, StreamOrDevice s = {});
/// a * b.
array multiply(const array& a, const array& b, StreamOrDevice s = {});
/// True division; integer inputs give float32.
array divide(const array& a, const array& b, StreamOrDevice s = {});
/// floor(a / b) for floats; integers use C truncating division (MLX).
array floor_divide(const array& a, const array& b, StreamOrDevice s = {});
/// a mod b with the sign of b (Python/NumPy); complex raises.
array remainder(const array& a, const array& b, StreamOrDevice s = {});
/// (floor(a / b), a mod b) with q * b + r == a (Python); complex raises.
std::vector<array> divmod(const array& a, const array& b, StreamOrDevice s = {});
/// a ** b in the promoted dtype; integers by repeated squaring, a negative
/// exponent on signed integers gives 0.
array power(const array& a, const array& b, StreamOrDevice s = {});
/// Elementwise max / min; NaN propagates.
array maximum(const array& a, const array& b, StreamOrDevice s = {});
array minimum(const array& a, const array& b, StreamOrDevice s = {});
/// log(e^a + e^b) computed stably (→F).
array logaddexp(const array& a, const array& b, StreamOrDevice s = {});
/// Angle of the point (b, a) in radians (→F).
array arctan2(const array& a, const array& b, StreamOrDevice s = {});

/// Comparisons in the promoted dtype → bool. Complex orders lexicographically.
array equal(const array& a, const array& b, StreamOrDevice s = {});
array not_equal(const array& a, const array& b, StreamOrDevice s = {});
array less(const array& a, const array& b, StreamOrDevice s = {});
array less_equal(const array& a, const array& b, StreamOrDevice s = {});
array greater(const array& a, const array& b, StreamOrDevice s = {});
array greater_equal(const array& a, const array& b, StreamOrDevice s = {});
/// 0-d bool: same shape and all elements equal (dtypes may differ).
array array_equal(const array& a, const array& b, bool equal_nan = false,
                  StreamOrDevice s = {});
/// |a - b| <= atol + rtol * |b| elementwise; same-sign infinities are close.
array isclose(const array& a, const array& b, double rtol = 1e-5,
              double atol = 1e-8, bool equal_nan = false,
              StreamOrDevice s = {});
/// 0-d bool: all(isclose(a, b, ...)).
array allclose(const array& a, const array& b, double rtol = 1e-5,
               double atol = 1e-8, bool equal_nan = false,
               StreamOrDevice s = {});

/// Logical ops on inputs cast to bool → bool.
array logical_and(const array& a, const array& b, StreamOrDevice s = {});
array logical_or(const array& a, const array& b, StreamOrDevice s = {});
array logical_xor(const array& a, const array& b, StreamOrDevice s = {});

/// Bitwise ops on integers or bools (floats raise std::runtime_error).
array bitwise_and(const array& a, const array& b, StreamOrDevice s = {});
array bitwise_or(const array& a, const array& b, StreamOrDevice s = {});
array bitwise_xor(const array& a, const array& b, StreamOrDevice s = {});
/// Shifts of integers (bool inputs become uint8); shifting by the bit width
/// or more gives 0 (-1 for negative values shifted right).
array left_shift(const array& a, const array& b, StreamOrDevice s = {});
array right_shift(const array& a, const array& b, StreamOrDevice s = {});

array operator+(const array& a, const array& b);
array operator-(const array& a, const array& b);
array operator*(const array& a, const array& b);
array operator/(const array& a, const array& b);
array operator%(const array& a, const array& b);
array operator-(const array& a);
array operator~(const array& a);
array operator!(const array& a);
array operator==(const array& a, const array& b);
array operator!=(const array& a, const array& b);
array operator<(const array& a, const array& b);
array operator<=(const array& a, const array& b);
array operator>(const array& a, const array& b);
array operator>=(const array& a, const array& b);
array operator&&(const array& a, const array& b);
array operator||(const array& a, const array& b);
array operator&(const array& a, const array& b);
array operator|(const array& a, const array& b);
array operator^(const array& a, const array& b);
array operator<<(const array& a, const array& b);
array operator>>(const array& a, const array& b);

namespace detail {
/// Casts and broadcasts two operands for a binary op; also returns the
/// broadcast shape (the output's, so callers need not copy it).
struct BinaryOperands {
  array a, b;
  Shape shape;
};
BinaryOperands binary_operands(const array& a, const array& b, Dtype dtype,
                               Stream s);

/// A C++ scalar paired with an array of dtype `d`, weakly typed (§1.2):
/// bool → d; int → d (int32 when d is bool; overflow of ≤4-byte int dtypes
/// raises); float → d when d is inexact, else float32.
template <typename T>
array weak_scalar(T v, Dtype d) {
  if constexpr (std::is_same_v<T, bool>) {
    return array(v, d);
  } else if constexpr (std::is_integral_v<T>) {
    if (d == Dtype::bool_) return array(v, Dtype::int32);
    if (is_floating_point(d) || is_complex(d)) return array(v, d);
    if (size_of(d) <= 4) {
      long double x = static_cast<long double>(v), lo = 0, hi = 0;
      dispatch_all(d, [&](auto tag) {
        using U = decltype(tag);
        if constexpr (std::is_integral_v<U>) {
          lo = static_cast<long double>(std::numeric_limits<U>::min());
          hi = static_cast<long double>(std::numeric_limits<U>::max());
        }
      });
      if (x < lo || x > hi) {
        throw std::invalid_argument(
            "[array] Converting " + std::to_string(v) + " to " +
            dtype_name(d) + " would result in overflow.");
      }
    }
    return array(v, d);
  } else {
    return array(v, is_inexact(d) ? d : Dtype::float32);
  }
}
}  // namespace detail

/// Scalar overloads: the scalar is weakly typed against the array's dtype.
#define EMBER_SCALAR_BINARY_OPERATOR(OP, FN)                                  \
  template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>> \
  array operator OP(const array& a, T b) {                                    \
    return FN(a, detail::weak_scalar(b, a.dtype()));                          \
  }                                                                           \
  template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>> \
  array operator OP(T a, const array& b) {                                    \
    return FN(detail::weak_scalar(a, b.dtype()), b);                          \
  }
EMBER_SCALAR_BINARY_OPERATOR(+, add)
EMBER_SCALAR_BINARY_OPERATOR(-, subtract)
EMBER_SCALAR_BINARY_OPERATOR(*, multiply)
EMBER_SCALAR_BINARY_OPERATOR(/, divide)
EMBER_SCALAR_BINARY_OPERATOR(%, remainder)
EMBER_SCALAR_BINARY_OPERATOR(==, equal)
EMBER_SCALAR_BINARY_OPERATOR(!=, not_equal)
EMBER_SCALAR_BINARY_OPERATOR(<, less)
EMBER_SCALAR_BINARY_OPERATOR(<=, less_equal)
EMBER_SCALAR_BINARY_OPERATOR(>, greater)
EMBER_SCALAR_BINARY_OPERATOR(>=, greater_equal)
EMBER_SCALAR_BINARY_OPERATOR(&&, logical_and)
EMBER_SCALAR_BINARY_OPERATOR(||, logical_or)
EMBER_SCALAR_BINARY_OPERATOR(&, bitwise_and)
EMBER_SCALAR_BINARY_OPERATOR(|, bitwise_or)
EMBER_SCALAR_BINARY_OPERATOR(^, bitwise_xor)
EMBER_SCALAR_BINARY_OPERATOR(<<, left_shift)
EMBER_SCALAR_BINARY_OPERATOR(>>, right_shift)
#undef EMBER_SCALAR_BINARY_OPERATOR

}  // namespace ember
