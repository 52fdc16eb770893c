// Elementwise binary arithmetic (spec/core.md §6); NumPy broadcasting and
// the promotion table of §1.1.
#pragma once

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

array operator+(const array& a, const array& b);
array operator-(const array& a, const array& b);
array operator*(const array& a, const array& b);
array operator/(const array& a, const array& b);
array operator-(const array& a);

/// Scalar overloads: the scalar takes the array's dtype (weak typing).
template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
array operator+(const array& a, T b) { return add(a, array(b, a.dtype())); }
template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
array operator+(T a, const array& b) { return add(array(a, b.dtype()), b); }
template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
array operator-(const array& a, T b) { return subtract(a, array(b, a.dtype())); }
template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
array operator-(T a, const array& b) { return subtract(array(a, b.dtype()), b); }
template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
array operator*(const array& a, T b) { return multiply(a, array(b, a.dtype())); }
template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
array operator*(T a, const array& b) { return multiply(array(a, b.dtype()), b); }
template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
array operator/(const array& a, T b) { return divide(a, array(b, a.dtype())); }
template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
array operator/(T a, const array& b) { return divide(array(a, b.dtype()), b); }

namespace detail {
/// Promotes, casts and broadcasts two operands for a binary op.
std::pair<array, array> binary_operands(const array& a, const array& b,
                                        Dtype dtype, Stream s);
}  // namespace detail

}  // namespace ember
