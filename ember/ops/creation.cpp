#include "ember/ops/creation.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "ember/ops/binary.h"
#include "ember/ops/copy.h"
#include "ember/ops/shape.h"
#include "ember/ops/unary.h"
#include "ember/primitives/creation.h"

namespace ember {

namespace {
void check_shape(const Shape& shape, const char* op) {
  for (auto d : shape) {
    if (d < 0) {
      throw std::invalid_argument(std::string("[") + op +
                                  "] Negative dimensions not allowed; got shape " +
                                  shape_str(shape) + ".");
    }
  }
}
}  // namespace

array full(Shape shape, array vals, Dtype dtype, StreamOrDevice s) {
  check_shape(shape, "full");
  auto st = to_stream(s);
  auto in = broadcast_to(astype(std::move(vals), dtype, st), shape, st);
  return array(std::move(shape), dtype, std::make_shared<Full>(st), {in});
}
array full(Shape shape, array vals, StreamOrDevice s) {
  auto dtype = vals.dtype();
  return full(std::move(shape), std::move(vals), dtype, s);
}

array zeros(const Shape& shape, Dtype dtype, StreamOrDevice s) {
  return full(shape, array(0, dtype), dtype, s);
}
array ones(const Shape& shape, Dtype dtype, StreamOrDevice s) {
  return full(shape, array(1, dtype), dtype, s);
}
array zeros_like(const array& a, StreamOrDevice s) {
  return zeros(a.shape(), a.dtype(), s);
}
array zeros_like(const array& a, Dtype dtype, StreamOrDevice s) {
  return zeros(a.shape(), dtype, s);
}
array ones_like(const array& a, StreamOrDevice s) {
  return ones(a.shape(), a.dtype(), s);
}
array ones_like(const array& a, Dtype dtype, StreamOrDevice s) {
  return ones(a.shape(), dtype, s);
}
array full_like(const array& a, array vals, StreamOrDevice s) {
  return full(a.shape(), std::move(vals), a.dtype(), s);
}
array full_like(const array& a, array vals, Dtype dtype, StreamOrDevice s) {
  return full(a.shape(), std::move(vals), dtype, s);
}

// ---- arange ----

array arange(double start, double stop, double step, Dtype dtype,
             StreamOrDevice s) {
  if (dtype == bool_) {
    throw std::invalid_argument("[arange] Cannot use dtype bool_.");
  }
  if (dtype == complex64) {
    throw std::invalid_argument("[arange] Cannot use dtype complex64.");
  }
  if (std::isnan(start) || std::isnan(stop) || std::isnan(step)) {
    throw std::invalid_argument(
        "[arange] Cannot compute length because start, stop or step is NaN; "
        "got start=" + std::to_string(start) + ", stop=" + std::to_string(stop) +
        ", step=" + std::to_string(step) + ".");
  }
  if (std::isinf(start) || std::isinf(stop)) {
    throw std::invalid_argument(
        "[arange] Cannot compute length because start or stop is inf; got "
        "start=" + std::to_string(start) + ", stop=" + std::to_string(stop) +
        ".");
  }
  if (step == 0) {
    throw std::invalid_argument("[arange] Step must be nonzero; got step=0.");
  }
  double len = std::ceil((stop - start) / step);
  if (!(len > 0)) len = 0;  // empty range (also -0 and inf step)
  if (len > double(std::numeric_limits<int32_t>::max())) {
    throw std::invalid_argument(
        "[arange] Maximum size exceeded; the range would have " +
        std::to_string(len) + " elements.");
  }
  return array({ShapeElem(len)}, dtype,
               std::make_shared<Arange>(to_stream(s), start, stop, step), {});
}
array arange(double start, double stop, double step, StreamOrDevice s) {
  return arange(start, stop, step, float32, s);
}
array arange(double start, double stop, Dtype dtype, StreamOrDevice s) {
  return arange(start, stop, 1.0, dtype, s);
}
array arange(double start, double stop, StreamOrDevice s) {
  return arange(start, stop, 1.0, float32, s);
}
array arange(double stop, Dtype dtype, StreamOrDevice s) {
  return arange(0.0, stop, 1.0, dtype, s);
}
array arange(double stop, StreamOrDevice s) {
  return arange(0.0, stop, 1.0, float32, s);
}
array arange(int start, int stop, int step, StreamOrDevice s) {
  return arange(double(start), double(stop), double(step), int32, s);
}
array arange(int start, int stop, StreamOrDevice s) {
  return arange(double(start), double(stop), 1.0, int32, s);
}
array arange(int stop, StreamOrDevice s) {
  return arange(0.0, double(stop), 1.0, int32, s);
}
array arange(int64_t start, int64_t stop, int64_t step, StreamOrDevice s) {
  auto fits = [](int64_t v) {
    return v >= std::numeric_limits<int32_t>::min() &&
           v <= std::numeric_limits<int32_t>::max();
  };
  Dtype dtype = fits(start) && fits(stop) && fits(step) ? int32 : int64;
  return arange(double(start), double(stop), double(step), dtype, s);
}

// ---- linspace ----

array linspace(double start, double stop, int num, bool endpoint, Dtype dtype,
               StreamOrDevice s) {
  if (num < 0) {
    throw std::invalid_argument(
        "[linspace] Number of samples must be non-negative; got num=" +
        std::to_string(num) + ".");
  }
  auto st = to_stream(s);
  Dtype cdt = dtype == float64 ? float64 : float32;
  if (num == 0) return zeros({0}, dtype, st);
  if (num == 1) return full({1}, array(start, cdt), dtype, st);
  // start * (1 - t) + stop * t hits both ends exactly.
  double div = endpoint ? double(num - 1) : double(num);
  array t = divide(arange(0.0, double(num), 1.0, cdt, st), array(div, cdt), st);
  array tb = subtract(array(1.0, cdt), t, st);
  array r = add(multiply(tb, array(start, cdt), st),
                multiply(t, array(stop, cdt), st), st);
  return astype(r, dtype, st);
}
array linspace(double start, double stop, int num, Dtype dtype,
               StreamOrDevice s) {
  return linspace(start, stop, num, true, dtype, s);
}

// ---- eye / tri / tril / triu ----

namespace {
array make_tri(const char* op, int n, int m, int k, Dtype dtype, bool diag,
               StreamOrDevice s) {
  if (n < 0 || m < 0) {
    throw std::invalid_argument(std::string("[") + op +
                                "] Dimensions must be non-negative; got n=" +
                                std::to_string(n) + ", m=" + std::to_string(m) +
                                ".");
  }
  return array({n, m}, dtype, std::make_shared<Tri>(to_stream(s), k, diag), {});
}

array make_triangular(const char* op, const array& x, int k, bool upper,
                      StreamOrDevice s) {
  if (x.ndim() < 2) {
    throw std::invalid_argument(std::string("[") + op +
                                "] Array must have at least 2 dimensions; got "
                                "shape " + shape_str(x.shape()) + ".");
  }
  int nd = x.ndim();
  return array(x.shape(), x.dtype(),
               std::make_shared<Triangular>(to_stream(s), k, upper, nd - 2,
                                            nd - 1),
               {x});
}
}  // namespace

array eye(int n, int m, int k, Dtype dtype, StreamOrDevice s) {
  return make_tri("eye", n, m, k, dtype, true, s);
}
array eye(int n, Dtype dtype, StreamOrDevice s) {
  return make_tri("eye", n, n, 0, dtype, true, s);
}
array identity(int n, Dtype dtype, StreamOrDevice s) {
  return make_tri("identity", n, n, 0, dtype, true, s);
}
array tri(int n, int m, int k, Dtype dtype, StreamOrDevice s) {
  return make_tri("tri", n, m, k, dtype, false, s);
}
array tri(int n, Dtype dtype, StreamOrDevice s) {
  return make_tri("tri", n, n, 0, dtype, false, s);
}
array tril(const array& x, int k, StreamOrDevice s) {
  return make_triangular("tril", x, k, false, s);
}
array triu(const array& x, int k, StreamOrDevice s) {
  return make_triangular("triu", x, k, true, s);
}

// ---- meshgrid ----

std::vector<array> meshgrid(const std::vector<array>& arrays, bool sparse,
                            const std::string& indexing, StreamOrDevice s) {
  if (indexing != "xy" && indexing != "ij") {
    throw std::invalid_argument(
        "[meshgrid] Invalid indexing value; got '" + indexing +
        "', expected 'xy' or 'ij'.");
  }
  int n = int(arrays.size());
  auto st = to_stream(s);
  std::vector<array> out;
  if (n == 0) return out;
  // With "xy" the first two output axes are swapped.
  auto out_axis = [&](int i) {
    if (indexing == "xy" && n >= 2 && i < 2) return 1 - i;
    return i;
  };
  Shape full_shape(n, 1);
  std::vector<array> flat;
  for (int i = 0; i < n; ++i) {
    flat.push_back(reshape(arrays[i], {-1}, st));
    full_shape[out_axis(i)] = flat.back().shape(0);
  }
  for (int i = 0; i < n; ++i) {
    Shape sh(n, 1);
    sh[out_axis(i)] = flat[i].shape(0);
    array r = reshape(flat[i], sh, st);
    out.push_back(sparse ? r : broadcast_to(r, full_shape, st));
  }
  return out;
}

// ---- windows ----

namespace {
// 2*pi*k*i/(M-1) for i in [0, M), in float32 (M >= 2).
array window_phase(int M, double k, Stream st) {
  return multiply(arange(0.0, double(M), 1.0, float32, st),
                  array(float(2 * M_PI * k / double(M - 1)), float32), st);
}
// Windows of length < 2 are empty or [1].
bool trivial_window(int M, Stream st, array& out) {
  if (M < 1) out = zeros({0}, float32, st);
  if (M == 1) out = ones({1}, float32, st);
  return M < 2;
}
}  // namespace

array hanning(int M, StreamOrDevice s) {
  auto st = to_stream(s);
  array r(0.0f);
  if (trivial_window(M, st, r)) return r;
  auto c = cos(window_phase(M, 1, st), st);
  return subtract(array(0.5f), multiply(array(0.5f), c, st), st);
}
array hamming(int M, StreamOrDevice s) {
  auto st = to_stream(s);
  array r(0.0f);
  if (trivial_window(M, st, r)) return r;
  auto c = cos(window_phase(M, 1, st), st);
  return subtract(array(0.54f), multiply(array(0.46f), c, st), st);
}
array blackman(int M, StreamOrDevice s) {
  auto st = to_stream(s);
  array r(0.0f);
  if (trivial_window(M, st, r)) return r;
  auto c1 = cos(window_phase(M, 1, st), st);
  auto c2 = cos(window_phase(M, 2, st), st);
  return add(subtract(array(0.42f), multiply(array(0.5f), c1, st), st),
             multiply(array(0.08f), c2, st), st);
}
array bartlett(int M, StreamOrDevice s) {
  auto st = to_stream(s);
  array r(0.0f);
  if (trivial_window(M, st, r)) return r;
  // 1 - |2i/(M-1) - 1|: M values with no inputs, evaluated on the host in
  // double.
  std::vector<float> v(M);
  for (int i = 0; i < M; ++i) {
    v[i] = float(1.0 - std::abs(2.0 * i / double(M - 1) - 1.0));
  }
  return array(v, {M}, float32);
}

}  // namespace ember
