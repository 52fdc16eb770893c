// Cumulative ops (spec/core.md §12): inclusive or exclusive scans along one
// axis, optionally from the end; axis omitted = the flattened array.
#pragma once

#include <optional>

#include "ember/core/array.h"

namespace ember {

/// Cumulative sum; bool input gives int32; `dtype` casts the input first.
array cumsum(const array& a, int axis, bool reverse = false,
             bool inclusive = true, std::optional<Dtype> dtype = std::nullopt,
             StreamOrDevice s = {});
array cumsum(const array& a, bool reverse = false, bool inclusive = true,
             std::optional<Dtype> dtype = std::nullopt, StreamOrDevice s = {});
/// Cumulative product; bool input gives int32; `dtype` casts the input first.
array cumprod(const array& a, int axis, bool reverse = false,
              bool inclusive = true, std::optional<Dtype> dtype = std::nullopt,
              StreamOrDevice s = {});
array cumprod(const array& a, bool reverse = false, bool inclusive = true,
              std::optional<Dtype> dtype = std::nullopt, StreamOrDevice s = {});
/// Running maximum (dtype kept; NaN propagates).
array cummax(const array& a, int axis, bool reverse = false,
             bool inclusive = true, StreamOrDevice s = {});
array cummax(const array& a, bool reverse = false, bool inclusive = true,
             StreamOrDevice s = {});
/// Running minimum (dtype kept; NaN propagates).
array cummin(const array& a, int axis, bool reverse = false,
             bool inclusive = true, StreamOrDevice s = {});
array cummin(const array& a, bool reverse = false, bool inclusive = true,
             StreamOrDevice s = {});
/// Running log(sum(exp(a))) computed stably; integer inputs give float32.
array logcumsumexp(const array& a, int axis, bool reverse = false,
                   bool inclusive = true, StreamOrDevice s = {});
array logcumsumexp(const array& a, bool reverse = false, bool inclusive = true,
                   StreamOrDevice s = {});

}  // namespace ember
