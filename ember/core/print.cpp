// Printing follows MLX: axes longer than 6 show the first and last 3 entries,
// nested rows are indented under "array([", floats use ostream formatting.
#include "ember/core/print.h"

#include <atomic>
#include <cmath>
#include <ios>

namespace ember {

namespace {
std::atomic<int> g_precision{-1};

struct FormatGuard {
  std::ostream& os;
  std::ios_base::fmtflags flags;
  std::streamsize prec;
  explicit FormatGuard(std::ostream& o)
      : os(o), flags(o.flags()), prec(o.precision()) {}
  ~FormatGuard() {
    os.flags(flags);
    os.precision(prec);
  }
};

void print_float(std::ostream& os, double v) {
  if (std::isnan(v)) {
    os << "nan";
  } else if (std::isinf(v)) {
    os << (v < 0 ? "-inf" : "inf");
  } else {
    os << v;
  }
}

template <typename T>
void print_element(std::ostream& os, const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    os << (v ? "True" : "False");
  } else if constexpr (std::is_same_v<T, complex64_t>) {
    print_float(os, v.real());
    float im = v.imag();
    if (std::signbit(im) && !std::isnan(im)) {
      os << "-";
      print_float(os, -double(im));
    } else {
      os << "+";
      print_float(os, im);
    }
    os << "j";
  } else if constexpr (std::is_same_v<T, float16_t> ||
                       std::is_same_v<T, bfloat16_t>) {
    print_float(os, float(v));
  } else if constexpr (std::is_same_v<T, float>) {
    print_float(os, v);
  } else if constexpr (std::is_same_v<T, double>) {
    print_float(os, v);
  } else if constexpr (std::is_same_v<T, int8_t> || std::is_same_v<T, uint8_t>) {
    os << int(v);
  } else {
    os << v;
  }
}

template <typename T>
void print_subarray(std::ostream& os, const array& a, int64_t index, int dim) {
  constexpr int kEdge = 3;
  int n = a.shape()[dim];
  int64_t stride = a.strides()[dim];
  bool last = dim == a.ndim() - 1;
  std::string prefix = last ? "" : std::string(7 + dim, ' ');
  const char* sep = last ? ", " : ",\n";
  os << "[";
  for (int i = 0; i < n; ++i) {
    if (i > 0) os << prefix;
    if (i == kEdge && n > 2 * kEdge) {
      os << "...";
      index += stride * (n - 2 * kEdge);
      i = n - kEdge - 1;
      os << sep;
      continue;
    }
    if (last) {
      print_element(os, a.data<T>()[index]);
    } else {
      print_subarray<T>(os, a, index, dim + 1);
    }
    if (i < n - 1) os << sep;
    index += stride;
  }
  os << "]";
}
}  // namespace

PrintOptions get_print_options() { return PrintOptions{g_precision.load()}; }
void set_print_options(PrintOptions opts) { g_precision.store(opts.precision); }

std::ostream& operator<<(std::ostream& os, const array& arr) {
  array a = arr;
  a.eval();
  a.wait();
  FormatGuard guard(os);
  int precision = g_precision.load();
  if (precision >= 0) {
    os << std::fixed;
    os.precision(precision);
  } else {
    os << std::defaultfloat;
    os.precision(6);
  }
  os << "array(";
  dispatch_all(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (a.ndim() == 0) {
      print_element(os, a.data<T>()[0]);
    } else {
      print_subarray<T>(os, a, 0, 0);
    }
  });
  os << ", dtype=" << a.dtype() << ")";
  return os;
}

}  // namespace ember
