#include "ember/ops/conv.h"

#include <stdexcept>

#include "ember/ops/copy.h"
#include "ember/ops/shape.h"
#include "ember/ops/utils.h"
#include "ember/primitives/conv.h"

namespace ember {

namespace {

std::string vec_str(const std::vector<int>& v) {
  std::string r = "(";
  for (size_t i = 0; i < v.size(); ++i) r += (i ? ", " : "") + std::to_string(v[i]);
  return r + (v.size() == 1 ? ",)" : ")");
}

// Expands a per-spatial-dim parameter: {} -> default, {x} -> D copies.
std::vector<int> expand_param(const char* op, const char* name,
                              std::vector<int> v, int D, int dflt) {
  if (v.empty()) return std::vector<int>(D, dflt);
  if (v.size() == 1 && D != 1) return std::vector<int>(D, v[0]);
  if (int(v.size()) != D) {
    throw std::invalid_argument(op_prefix(op) + "Expected " + std::to_string(D) +
                                " values for " + name + " (one per spatial "
                                "dimension); got " + vec_str(v) + ".");
  }
  return v;
}

void check_min(const char* op, const char* name, const std::vector<int>& v,
               int lo) {
  for (int x : v) {
    if (x < lo) {
      throw std::invalid_argument(op_prefix(op) + name + " must be >= " +
                                  std::to_string(lo) + "; got " + vec_str(v) +
                                  ".");
    }
  }
}

array conv_impl(const char* op, array in, array wt, std::vector<int> stride,
                std::vector<int> lo, std::vector<int> hi, std::vector<int> kd,
                std::vector<int> idil, int groups, bool flip,
                bool allow_negative_padding, Stream s) {
  if (in.ndim() < 3) {
    throw std::invalid_argument(
        op_prefix(op) + "Input must have at least 3 dimensions (N, *spatial, "
        "C_in); got shape " + shape_str(in.shape()) + ".");
  }
  if (wt.ndim() != in.ndim()) {
    throw std::invalid_argument(
        op_prefix(op) + "Weight must have the same number of dimensions as the "
        "input (C_out, *kernel, C_in / groups); got input shape " +
        shape_str(in.shape()) + " and weight shape " + shape_str(wt.shape()) +
        ".");
  }
  int D = in.ndim() - 2;
  stride = expand_param(op, "stride", std::move(stride), D, 1);
  lo = expand_param(op, "padding", std::move(lo), D, 0);
  hi = expand_param(op, "padding", std::move(hi), D, 0);
  kd = expand_param(op, "kernel dilation", std::move(kd), D, 1);
  idil = expand_param(op, "input dilation", std::move(idil), D, 1);
  check_min(op, "Stride", stride, 1);
  check_min(op, "Kernel dilation", kd, 1);
  check_min(op, "Input dilation", idil, 1);
  if (!allow_negative_padding) {
    check_min(op, "Padding", lo, 0);
    check_min(op, "Padding", hi, 0);
  }
  if (groups < 1) {
    throw std::invalid_argument(op_prefix(op) + "Groups must be >= 1; got " +
                                std::to_string(groups) + ".");
  }
  int cin = in.shape(-1), cout = wt.shape(0);
  if (cin % groups != 0 || cout % groups != 0) {
    throw std::invalid_argument(
        op_prefix(op) + "Input channels " + std::to_string(cin) +
        " and output channels " + std::to_string(cout) +
        " must both be divisible by groups " + std::to_string(groups) + ".");
  }
  if (wt.shape(-1) * groups != cin) {
    throw std::invalid_argument(
        op_prefix(op) + "Expected weight with C_in / groups = " +
        std::to_string(cin / groups) + " input channels (input shape " +
        shape_str(in.shape()) + ", groups " + std::to_string(groups) +
        "); got weight shape " + shape_str(wt.shape()) + ".");
  }
  Dtype dtype = promote_types(in.dtype(), wt.dtype());
  if (!is_floating_point(dtype)) {
    throw std::invalid_argument(
        op_prefix(op) + "Only real floating point inputs are supported; got " +
        dtype_name(in.dtype()) + " and " + dtype_name(wt.dtype()) + ".");
  }
  Shape out_shape{in.shape(0)};
  for (int d = 0; d < D; ++d) {
    int64_t n = in.shape(d + 1);
    int64_t in_dil = n == 0 ? 0 : (n - 1) * idil[d] + 1;
    int64_t wt_size = (int64_t(wt.shape(d + 1)) - 1) * kd[d] + 1;
    int64_t span = in_dil + lo[d] + hi[d] - wt_size;
    if (wt.shape(d + 1) < 1 || span < 0) {
      throw std::invalid_argument(
          op_prefix(op) + "Spatial dimension " + std::to_string(d) +
          " of the padded (and dilated) input (size " +
          std::to_string(in_dil + lo[d] + hi[d]) +
          ") is smaller than the dilated kernel (size " +
          std::to_string(wt_size) + "); input shape " + shape_str(in.shape()) +
          ", weight shape " + shape_str(wt.shape()) + ".");
    }
    out_shape.push_back(ShapeElem(span / stride[d] + 1));
  }
  out_shape.push_back(cout);
  return array(out_shape, dtype,
               std::make_shared<Convolution>(s, stride, lo, hi, kd, idil,
                                             groups, flip),
               {astype(in, dtype, s), astype(wt, dtype, s)});
}

void check_ndim(const char* op, const array& in, const array& wt, int D) {
  if (in.ndim() != D + 2) {
    throw std::invalid_argument(
        op_prefix(op) + "Expected input with " + std::to_string(D + 2) +
        " dimensions (N, *spatial, C_in); got shape " + shape_str(in.shape()) +
        ".");
  }
  if (wt.ndim() != D + 2) {
    throw std::invalid_argument(
        op_prefix(op) + "Expected weight with " + std::to_string(D + 2) +
        " dimensions (C_out, *kernel, C_in); got shape " +
        shape_str(wt.shape()) + ".");
  }
}

array conv_transpose_impl(const char* op, const array& in, const array& wt,
                          std::vector<int> stride, std::vector<int> padding,
                          std::vector<int> dilation,
                          std::vector<int> output_padding, int groups,
                          Stream s) {
  int D = int(stride.size());
  check_ndim(op, in, wt, D);
  check_min(op, "Padding", padding, 0);
  check_min(op, "Output padding", output_padding, 0);
  check_min(op, "Stride", stride, 1);
  check_min(op, "Dilation", dilation, 1);
  std::vector<int> lo(D), hi(D);
  for (int d = 0; d < D; ++d) {
    int wt_size = dilation[d] * (wt.shape(d + 1) - 1) + 1;
    lo[d] = wt_size - 1 - padding[d];
    hi[d] = wt_size - 1 - padding[d] + output_padding[d];
  }
  return conv_impl(op, in, wt, std::vector<int>(D, 1), lo, hi, dilation,
                   stride, groups, /*flip=*/true, true, s);
}

}  // namespace

namespace detail {
array conv_general_unchecked(const array& input, const array& weight,
                             std::vector<int> stride,
                             std::vector<int> padding_lo,
                             std::vector<int> padding_hi,
                             std::vector<int> kernel_dilation,
                             std::vector<int> input_dilation, int groups,
                             bool flip, Stream s) {
  return conv_impl("conv", input, weight, std::move(stride),
                   std::move(padding_lo), std::move(padding_hi),
                   std::move(kernel_dilation), std::move(input_dilation),
                   groups, flip, true, s);
}
}  // namespace detail

array conv_general(const array& input, const array& weight,
                   std::vector<int> stride, std::vector<int> padding_lo,
                   std::vector<int> padding_hi,
                   std::vector<int> kernel_dilation,
                   std::vector<int> input_dilation, int groups, bool flip,
                   StreamOrDevice s) {
  return conv_impl("conv_general", input, weight, std::move(stride),
                   std::move(padding_lo), std::move(padding_hi),
                   std::move(kernel_dilation), std::move(input_dilation),
                   groups, flip, false, to_stream(s));
}

array conv_general(const array& input, const array& weight,
                   std::vector<int> stride, std::vector<int> padding,
                   std::vector<int> kernel_dilation,
                   std::vector<int> input_dilation, int groups, bool flip,
                   StreamOrDevice s) {
  return conv_general(input, weight, std::move(stride), padding, padding,
                      std::move(kernel_dilation), std::move(input_dilation),
                      groups, flip, s);
}

array conv1d(const array& input, const array& weight, int stride, int padding,
             int dilation, int groups, StreamOrDevice s) {
  check_ndim("conv1d", input, weight, 1);
  return conv_impl("conv1d", input, weight, {stride}, {padding}, {padding},
                   {dilation}, {1}, groups, false, false, to_stream(s));
}

array conv2d(const array& input, const array& weight,
             const std::pair<int, int>& stride,
             const std::pair<int, int>& padding,
             const std::pair<int, int>& dilation, int groups,
             StreamOrDevice s) {
  check_ndim("conv2d", input, weight, 2);
  std::vector<int> p{padding.first, padding.second};
  return conv_impl("conv2d", input, weight, {stride.first, stride.second}, p,
                   p, {dilation.first, dilation.second}, {1, 1}, groups, false,
                   false, to_stream(s));
}

array conv3d(const array& input, const array& weight,
             const std::tuple<int, int, int>& stride,
             const std::tuple<int, int, int>& padding,
             const std::tuple<int, int, int>& dilation, int groups,
             StreamOrDevice s) {
  check_ndim("conv3d", input, weight, 3);
  auto v = [](const std::tuple<int, int, int>& t) {
    return std::vector<int>{std::get<0>(t), std::get<1>(t), std::get<2>(t)};
  };
  return conv_impl("conv3d", input, weight, v(stride), v(padding), v(padding),
                   v(dilation), {1, 1, 1}, groups, false, false, to_stream(s));
}

array conv_transpose1d(const array& input, const array& weight, int stride,
                       int padding, int dilation, int output_padding,
                       int groups, StreamOrDevice s) {
  return conv_transpose_impl("conv_transpose1d", input, weight, {stride},
                             {padding}, {dilation}, {output_padding}, groups,
                             to_stream(s));
}

array conv_transpose2d(const array& input, const array& weight,
                       const std::pair<int, int>& stride,
                       const std::pair<int, int>& padding,
                       const std::pair<int, int>& dilation,
                       const std::pair<int, int>& output_padding, int groups,
                       StreamOrDevice s) {
  auto v = [](const std::pair<int, int>& p) {
    return std::vector<int>{p.first, p.second};
  };
  return conv_transpose_impl("conv_transpose2d", input, weight, v(stride),
                             v(padding), v(dilation), v(output_padding), groups,
                             to_stream(s));
}

array conv_transpose3d(const array& input, const array& weight,
                       const std::tuple<int, int, int>& stride,
                       const std::tuple<int, int, int>& padding,
                       const std::tuple<int, int, int>& dilation,
                       const std::tuple<int, int, int>& output_padding,
                       int groups, StreamOrDevice s) {
  auto v = [](const std::tuple<int, int, int>& t) {
    return std::vector<int>{std::get<0>(t), std::get<1>(t), std::get<2>(t)};
  };
  return conv_transpose_impl("conv_transpose3d", input, weight, v(stride),
                             v(padding), v(dilation), v(output_padding), groups,
                             to_stream(s));
}

array convolve(const array& a, const array& v, const std::string& mode,
               StreamOrDevice s_) {
  auto s = to_stream(s_);
  if (a.ndim() != 1 || v.ndim() != 1) {
    throw std::invalid_argument("[convolve] Inputs must be 1-D; got shapes " +
                                shape_str(a.shape()) + " and " +
                                shape_str(v.shape()) + ".");
  }
  if (a.size() == 0 || v.size() == 0) {
    throw std::invalid_argument("[convolve] Inputs cannot be empty; got shapes " +
                                shape_str(a.shape()) + " and " +
                                shape_str(v.shape()) + ".");
  }
  if (mode != "full" && mode != "valid" && mode != "same") {
    throw std::invalid_argument(
        "[convolve] Mode must be 'full', 'valid' or 'same'; got '" + mode +
        "'.");
  }
  Dtype dtype = at_least_float(promote_types(a.dtype(), v.dtype()));
  if (is_complex(dtype)) {
    throw std::invalid_argument(
        "[convolve] Complex inputs are not supported; got " +
        std::string(dtype_name(a.dtype())) + " and " + dtype_name(v.dtype()) +
        ".");
  }
  // The longer input is the signal.
  const array& sig = a.size() >= v.size() ? a : v;
  const array& ker = a.size() >= v.size() ? v : a;
  int n = ker.shape(0);
  int lo = 0, hi = 0;
  if (mode == "full") {
    lo = hi = n - 1;
  } else if (mode == "same") {
    lo = n / 2;
    hi = n - 1 - lo;
  }
  array in = reshape(astype(sig, dtype, s), {1, sig.shape(0), 1}, s);
  array wt = reshape(astype(ker, dtype, s), {1, n, 1}, s);
  array out = conv_impl("convolve", in, wt, {1}, {lo}, {hi}, {1}, {1}, 1,
                        /*flip=*/true, false, s);
  return reshape(out, {out.shape(1)}, s);
}

}  // namespace ember
