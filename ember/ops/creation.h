// Array creation (spec/core.md §4): constants, ranges, triangles, grids and
// window functions.
#pragma once

#include <string>
#include <vector>

#include "ember/core/array.h"

namespace ember {

/// Array of `shape` filled with `vals` (broadcast to `shape`) as `dtype`.
array full(Shape shape, array vals, Dtype dtype, StreamOrDevice s = {});
/// Same with the dtype taken from `vals`.
array full(Shape shape, array vals, StreamOrDevice s = {});
template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
array full(Shape shape, T val, Dtype dtype, StreamOrDevice s = {}) {
  return full(std::move(shape), array(val, dtype), dtype, s);
}
template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
array full(Shape shape, T val, StreamOrDevice s = {}) {
  return full(std::move(shape), array(val), s);
}

/// Zeros of `shape` (default float32).
array zeros(const Shape& shape, Dtype dtype = float32, StreamOrDevice s = {});
/// Ones of `shape` (default float32).
array ones(const Shape& shape, Dtype dtype = float32, StreamOrDevice s = {});
/// Zeros / ones / `vals` with the shape of `a` and its dtype (or `dtype`).
array zeros_like(const array& a, StreamOrDevice s = {});
array zeros_like(const array& a, Dtype dtype, StreamOrDevice s = {});
array ones_like(const array& a, StreamOrDevice s = {});
array ones_like(const array& a, Dtype dtype, StreamOrDevice s = {});
array full_like(const array& a, array vals, StreamOrDevice s = {});
array full_like(const array& a, array vals, Dtype dtype, StreamOrDevice s = {});

/// Values start, start+step, ... < stop (> stop for negative steps).
array arange(double start, double stop, double step, Dtype dtype,
             StreamOrDevice s = {});
array arange(double start, double stop, double step, StreamOrDevice s = {});
array arange(double start, double stop, Dtype dtype, StreamOrDevice s = {});
array arange(double start, double stop, StreamOrDevice s = {});
array arange(double stop, Dtype dtype, StreamOrDevice s = {});
array arange(double stop, StreamOrDevice s = {});
/// Integer overloads give int32 (int64 when a value is beyond int32).
array arange(int start, int stop, int step, StreamOrDevice s = {});
array arange(int start, int stop, StreamOrDevice s = {});
array arange(int stop, StreamOrDevice s = {});
array arange(int64_t start, int64_t stop, int64_t step, StreamOrDevice s = {});

/// `num` evenly spaced values over [start, stop] (or [start, stop) when
/// !endpoint); computed in float32 (float64 if requested).
array linspace(double start, double stop, int num = 50, bool endpoint = true,
               Dtype dtype = float32, StreamOrDevice s = {});
array linspace(double start, double stop, int num, Dtype dtype,
               StreamOrDevice s = {});

/// n x m matrix with ones on diagonal k (m defaults to n).
array eye(int n, int m, int k = 0, Dtype dtype = float32, StreamOrDevice s = {});
array eye(int n, Dtype dtype = float32, StreamOrDevice s = {});
/// n x n identity matrix.
array identity(int n, Dtype dtype = float32, StreamOrDevice s = {});
/// n x m matrix with ones at and below diagonal k.
array tri(int n, int m, int k = 0, Dtype dtype = float32, StreamOrDevice s = {});
array tri(int n, Dtype dtype = float32, StreamOrDevice s = {});
/// Zeroes the elements above (tril) / below (triu) diagonal k of the last
/// two axes.
array tril(const array& x, int k = 0, StreamOrDevice s = {});
array triu(const array& x, int k = 0, StreamOrDevice s = {});

/// Coordinate grids from 1-D coordinate arrays ("xy" or "ij" indexing).
std::vector<array> meshgrid(const std::vector<array>& arrays,
                            bool sparse = false,
                            const std::string& indexing = "xy",
                            StreamOrDevice s = {});

/// Window functions of length M (float32).
array hanning(int M, StreamOrDevice s = {});
array hamming(int M, StreamOrDevice s = {});
array blackman(int M, StreamOrDevice s = {});
array bartlett(int M, StreamOrDevice s = {});

}  // namespace ember
