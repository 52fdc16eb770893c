// ember::fft: argument handling (sizes, axes, norm) around the FFT
// primitive; padding/truncation are slice/pad ops before it.
#include "ember/ops/fft.h"

#include <cmath>
#include <set>
#include <stdexcept>

#include "ember/ops/binary.h"
#include "ember/ops/copy.h"
#include "ember/ops/indexing.h"
#include "ember/ops/shape.h"
#include "ember/primitives/fft.h"

namespace ember::fft {

namespace {

std::string axes_str(const std::vector<int>& axes) {
  std::string r = "(";
  for (size_t i = 0; i < axes.size(); ++i) {
    r += (i ? ", " : "") + std::to_string(axes[i]);
  }
  return r + (axes.size() == 1 ? ",)" : ")");
}

array fft_impl(const char* op, const array& a, const std::optional<Shape>& n_,
               const std::optional<std::vector<int>>& axes_,
               const std::string& norm, bool inverse, bool real,
               StreamOrDevice s_) {
  Stream s = to_stream(s_);
  std::string pre = std::string("[fft::") + op + "] ";
  if (norm != "backward" && norm != "ortho" && norm != "forward") {
    throw std::invalid_argument(pre + "Invalid norm '" + norm +
                                "'; expected 'backward', 'ortho' or "
                                "'forward'.");
  }
  int nd = a.ndim();
  if (nd == 0) {
    throw std::invalid_argument(
        pre + "Requires an array with at least one dimension; got a scalar.");
  }
  std::vector<int> axes;
  if (axes_) {
    axes = *axes_;
  } else if (n_) {
    if (int(n_->size()) > nd) {
      throw std::invalid_argument(pre + "Got " + std::to_string(n_->size()) +
                                  " sizes for an array with " +
                                  std::to_string(nd) + " dimensions.");
    }
    for (int i = nd - int(n_->size()); i < nd; ++i) axes.push_back(i);
  } else {
    for (int i = 0; i < nd; ++i) axes.push_back(i);
  }
  if (n_ && n_->size() != axes.size()) {
    throw std::invalid_argument(pre + "Got " + std::to_string(n_->size()) +
                                " sizes but " + std::to_string(axes.size()) +
                                " axes; they must match.");
  }
  std::set<int> seen;
  for (auto& ax : axes) {
    int k = ax < 0 ? ax + nd : ax;
    if (k < 0 || k >= nd) {
      throw std::out_of_range(pre + "Axis " + std::to_string(ax) +
                              " is out of bounds for an array with " +
                              std::to_string(nd) + " dimensions.");
    }
    if (!seen.insert(k).second) {
      throw std::invalid_argument(pre + "Duplicate axes are not allowed; got " +
                                  axes_str(axes) + ".");
    }
    ax = k;
  }
  if (axes.empty()) {
    if (real) {
      throw std::invalid_argument(pre +
                                  "At least one axis must be "
                                  "transformed.");
    }
    return astype(a, complex64, s);
  }
  Shape n;
  if (n_) {
    n = *n_;
  } else {
    for (int ax : axes) n.push_back(a.shape(ax));
    if (real && inverse) n.back() = 2 * (a.shape(axes.back()) - 1);
  }
  for (size_t i = 0; i < n.size(); ++i) {
    if (n[i] <= 0) {
      throw std::invalid_argument(
          pre + "Invalid number of data points (" + std::to_string(n[i]) +
          ") along axis " + std::to_string(axes[i]) + "; it must be positive.");
    }
  }
  array x = astype(a, real && !inverse ? float32 : complex64, s);
  // The sizes the transform reads: irfft reads n/2 + 1 bins.
  Shape in_n = n;
  if (real && inverse) in_n.back() = n.back() / 2 + 1;
  Shape start(nd, 0), stop = x.shape();
  bool cut = false;
  for (size_t i = 0; i < axes.size(); ++i) {
    if (x.shape(axes[i]) > in_n[i]) {
      stop[axes[i]] = in_n[i];
      cut = true;
    }
  }
  if (cut) x = slice(x, start, stop, s);
  std::vector<int> pad_axes;
  Shape low, high;
  for (size_t i = 0; i < axes.size(); ++i) {
    if (x.shape(axes[i]) < in_n[i]) {
      pad_axes.push_back(axes[i]);
      low.push_back(0);
      high.push_back(in_n[i] - x.shape(axes[i]));
    }
  }
  if (!pad_axes.empty()) {
    x = pad(x, pad_axes, low, high, array(0, x.dtype()), "constant", s);
  }
  auto prim =
      std::make_shared<FFT>(s, axes, inverse, real, real ? n.back() : 0);
  array out(prim->output_shape(x.shape()),
            real && inverse ? float32 : complex64, prim, {x});
  double total = 1;
  for (auto v : n) total *= v;
  double scale = 1;
  if (norm == "ortho") {
    scale = inverse ? std::sqrt(total) : 1.0 / std::sqrt(total);
  } else if (norm == "forward") {
    scale = inverse ? total : 1.0 / total;
  }
  if (scale != 1.0) out = multiply(out, array(float(scale)), s);
  return out;
}

std::optional<Shape> one(std::optional<int> n) {
  return n ? std::optional<Shape>(Shape{*n}) : std::nullopt;
}

}  // namespace

array fftn(const array& a, const std::optional<Shape>& n,
           const std::optional<std::vector<int>>& axes, const std::string& norm,
           StreamOrDevice s) {
  return fft_impl("fftn", a, n, axes, norm, false, false, s);
}
array ifftn(const array& a, const std::optional<Shape>& n,
            const std::optional<std::vector<int>>& axes,
            const std::string& norm, StreamOrDevice s) {
  return fft_impl("ifftn", a, n, axes, norm, true, false, s);
}
array rfftn(const array& a, const std::optional<Shape>& n,
            const std::optional<std::vector<int>>& axes,
            const std::string& norm, StreamOrDevice s) {
  return fft_impl("rfftn", a, n, axes, norm, false, true, s);
}
array irfftn(const array& a, const std::optional<Shape>& n,
             const std::optional<std::vector<int>>& axes,
             const std::string& norm, StreamOrDevice s) {
  return fft_impl("irfftn", a, n, axes, norm, true, true, s);
}

array fft(const array& a, std::optional<int> n, int axis,
          const std::string& norm, StreamOrDevice s) {
  return fft_impl("fft", a, one(n), std::vector<int>{axis}, norm, false, false,
                  s);
}
array ifft(const array& a, std::optional<int> n, int axis,
           const std::string& norm, StreamOrDevice s) {
  return fft_impl("ifft", a, one(n), std::vector<int>{axis}, norm, true, false,
                  s);
}
array rfft(const array& a, std::optional<int> n, int axis,
           const std::string& norm, StreamOrDevice s) {
  return fft_impl("rfft", a, one(n), std::vector<int>{axis}, norm, false, true,
                  s);
}
array irfft(const array& a, std::optional<int> n, int axis,
            const std::string& norm, StreamOrDevice s) {
  return fft_impl("irfft", a, one(n), std::vector<int>{axis}, norm, true, true,
                  s);
}

array fft2(const array& a, const std::optional<Shape>& n,
           const std::vector<int>& axes, const std::string& norm,
           StreamOrDevice s) {
  return fft_impl("fft2", a, n, axes, norm, false, false, s);
}
array ifft2(const array& a, const std::optional<Shape>& n,
            const std::vector<int>& axes, const std::string& norm,
            StreamOrDevice s) {
  return fft_impl("ifft2", a, n, axes, norm, true, false, s);
}
array rfft2(const array& a, const std::optional<Shape>& n,
            const std::vector<int>& axes, const std::string& norm,
            StreamOrDevice s) {
  return fft_impl("rfft2", a, n, axes, norm, false, true, s);
}
array irfft2(const array& a, const std::optional<Shape>& n,
             const std::vector<int>& axes, const std::string& norm,
             StreamOrDevice s) {
  return fft_impl("irfft2", a, n, axes, norm, true, true, s);
}

}  // namespace ember::fft
