// Reductions and softmax (spec/core.md §8, §16). Each reduction takes all
// axes, a list of axes (empty list = no-op) or one axis; `keepdims` keeps
// the reduced axes with size 1.
#pragma once

#include <vector>

#include "ember/core/array.h"

namespace ember {

#define EMBER_REDUCE_DECL(NAME)                                              \
  array NAME(const array& a, bool keepdims = false, StreamOrDevice s = {});  \
  array NAME(const array& a, const std::vector<int>& axes,                   \
             bool keepdims = false, StreamOrDevice s = {});                  \
  array NAME(const array& a, int axis, bool keepdims = false,                \
             StreamOrDevice s = {});

/// True if all elements (along the axes) are nonzero; bool result.
EMBER_REDUCE_DECL(all)
/// True if any element (along the axes) is nonzero; bool result.
EMBER_REDUCE_DECL(any)
/// Sum; bool and small ints widen to int32/uint32 (8-byte ints keep 64 bits).
EMBER_REDUCE_DECL(sum)
/// Product; same accumulator widening as sum.
EMBER_REDUCE_DECL(prod)
/// Maximum; dtype kept, NaN propagates. Empty reductions raise.
EMBER_REDUCE_DECL(max)
/// Minimum; dtype kept, NaN propagates. Empty reductions raise.
EMBER_REDUCE_DECL(min)
/// Arithmetic mean; integer inputs give float32.
EMBER_REDUCE_DECL(mean)
/// log(sum(exp(a))) computed stably; integer inputs give float32.
EMBER_REDUCE_DECL(logsumexp)
/// Median; NaN anywhere in a slice gives NaN; integer inputs give float32.
EMBER_REDUCE_DECL(median)
/// Number of nonzero elements; int32 result.
EMBER_REDUCE_DECL(count_nonzero)

#undef EMBER_REDUCE_DECL

/// Variance with divisor max(N - ddof, 0); integer inputs give float32,
/// complex inputs give float32 (mean of |a - mean|^2).
array var(const array& a, bool keepdims = false, int ddof = 0,
          StreamOrDevice s = {});
array var(const array& a, const std::vector<int>& axes, bool keepdims = false,
          int ddof = 0, StreamOrDevice s = {});
array var(const array& a, int axis, bool keepdims = false, int ddof = 0,
          StreamOrDevice s = {});
/// Standard deviation: sqrt(var(a, ..., ddof)).
array std(const array& a, bool keepdims = false, int ddof = 0,
          StreamOrDevice s = {});
array std(const array& a, const std::vector<int>& axes, bool keepdims = false,
          int ddof = 0, StreamOrDevice s = {});
array std(const array& a, int axis, bool keepdims = false, int ddof = 0,
          StreamOrDevice s = {});

/// Index (uint32) of the first maximum of the flattened array or along axis.
array argmax(const array& a, bool keepdims = false, StreamOrDevice s = {});
array argmax(const array& a, int axis, bool keepdims = false,
             StreamOrDevice s = {});
/// Index (uint32) of the first minimum of the flattened array or along axis.
array argmin(const array& a, bool keepdims = false, StreamOrDevice s = {});
array argmin(const array& a, int axis, bool keepdims = false,
             StreamOrDevice s = {});

/// exp(a) / sum(exp(a)) over the axes, numerically stable; integer inputs
/// give float32. `precise` accumulates float16/bfloat16 in float32.
array softmax(const array& a, const std::vector<int>& axes,
              bool precise = false, StreamOrDevice s = {});
array softmax(const array& a, int axis, bool precise = false,
              StreamOrDevice s = {});
/// Softmax over all axes.
array softmax(const array& a, bool precise = false, StreamOrDevice s = {});

}  // namespace ember
