// Elementwise unary ops (spec/core.md §5). "→F" ops promote integer and bool
// inputs to float32 (at_least_float); the others keep the input dtype.
#pragma once

#include <optional>

#include "ember/core/array.h"

namespace ember {

/// |a|; complex64 gives float32, unsigned and bool are returned as is.
array abs(const array& a, StreamOrDevice s = {});
/// -1, 0 or 1 by sign (NaN stays NaN); complex gives a / |a|.
array sign(const array& a, StreamOrDevice s = {});
/// -a elementwise; bool input raises.
array negative(const array& a, StreamOrDevice s = {});
/// +a: the input itself.
array positive(const array& a, StreamOrDevice s = {});
/// a * a, dtype kept.
array square(const array& a, StreamOrDevice s = {});
/// 1 / a (→F).
array reciprocal(const array& a, StreamOrDevice s = {});
/// Square root (→F).
array sqrt(const array& a, StreamOrDevice s = {});
/// 1 / sqrt(a) (→F).
array rsqrt(const array& a, StreamOrDevice s = {});
/// e^a (→F).
array exp(const array& a, StreamOrDevice s = {});
/// e^a - 1, accurate near 0 (→F; complex raises).
array expm1(const array& a, StreamOrDevice s = {});
/// Natural logarithm (→F).
array log(const array& a, StreamOrDevice s = {});
/// Base-2 logarithm (→F).
array log2(const array& a, StreamOrDevice s = {});
/// Base-10 logarithm (→F).
array log10(const array& a, StreamOrDevice s = {});
/// log(1 + a), accurate near 0 (→F).
array log1p(const array& a, StreamOrDevice s = {});
/// Trigonometric functions in radians (→F).
array sin(const array& a, StreamOrDevice s = {});
array cos(const array& a, StreamOrDevice s = {});
array tan(const array& a, StreamOrDevice s = {});
/// Inverse trigonometric functions (→F).
array arcsin(const array& a, StreamOrDevice s = {});
array arccos(const array& a, StreamOrDevice s = {});
array arctan(const array& a, StreamOrDevice s = {});
/// Hyperbolic functions and their inverses (→F).
array sinh(const array& a, StreamOrDevice s = {});
array cosh(const array& a, StreamOrDevice s = {});
array tanh(const array& a, StreamOrDevice s = {});
array arcsinh(const array& a, StreamOrDevice s = {});
array arccosh(const array& a, StreamOrDevice s = {});
array arctanh(const array& a, StreamOrDevice s = {});
/// Radians to degrees and back (→F).
array degrees(const array& a, StreamOrDevice s = {});
array radians(const array& a, StreamOrDevice s = {});
/// Error function and its inverse (→F; real types only).
array erf(const array& a, StreamOrDevice s = {});
array erfinv(const array& a, StreamOrDevice s = {});
/// 1 / (1 + e^-a) (→F).
array sigmoid(const array& a, StreamOrDevice s = {});
/// Rounding toward -inf / +inf / 0; integer inputs are returned as is,
/// complex raises.
array floor(const array& a, StreamOrDevice s = {});
array ceil(const array& a, StreamOrDevice s = {});
array trunc(const array& a, StreamOrDevice s = {});
/// Round half to even to `decimals` places; integer input with decimals=0 is
/// returned as is, other decimals compute in float and cast back.
array round(const array& a, int decimals = 0, StreamOrDevice s = {});
/// Floating-point classification → bool (integer inputs: never nan/inf).
array isnan(const array& a, StreamOrDevice s = {});
array isinf(const array& a, StreamOrDevice s = {});
array isfinite(const array& a, StreamOrDevice s = {});
array isposinf(const array& a, StreamOrDevice s = {});
array isneginf(const array& a, StreamOrDevice s = {});
/// Replaces NaN with `nan` and +/-inf with `posinf` / `neginf` (default: the
/// dtype's largest / lowest finite value).
array nan_to_num(const array& a, float nan = 0.0f,
                 std::optional<float> posinf = std::nullopt,
                 std::optional<float> neginf = std::nullopt,
                 StreamOrDevice s = {});
/// Complex conjugate; real input is returned as is.
array conjugate(const array& a, StreamOrDevice s = {});
array conj(const array& a, StreamOrDevice s = {});
/// Real / imaginary part: complex64 → float32; real input: a / zeros.
array real(const array& a, StreamOrDevice s = {});
array imag(const array& a, StreamOrDevice s = {});
/// Logical not (input cast to bool) → bool.
array logical_not(const array& a, StreamOrDevice s = {});
/// Bitwise not of integers (bool: logical not; floats raise).
array bitwise_invert(const array& a, StreamOrDevice s = {});

}  // namespace ember
