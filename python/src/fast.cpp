// ember.core.fast (spec/submodules.md §4): fused norms, rope and attention.
#include "ember/ops/fast.h"

#include "utils.h"

namespace ember::py {

namespace {
std::optional<array> opt(nb::handle h) {
  if (h.is_none()) return std::nullopt;
  return to_array(h);
}
}  // namespace

void init_fast(nb::module_& parent) {
  auto m = parent.def_submodule("fast", "Fused kernels with exact reference math.");
  m.def("rms_norm",
        [](nb::handle x, nb::handle weight, float eps, StreamOrDevice s) {
          return fast::rms_norm(to_array(x), opt(weight), eps, s);
        },
        nb::arg(), nb::arg().none(), "eps"_a, nb::kw_only(), "stream"_a = nb::none(),
        R"(Root-mean-square normalisation over the last axis.

Args:
    x (array): Input.
    weight (array | None): Scale (size = last dim).
    eps (float): Added to the mean square.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.fast.rms_norm(mx.ones((2, 4)), None, 1e-5).shape
    (2, 4))");
  m.def("layer_norm",
        [](nb::handle x, nb::handle weight, nb::handle bias, float eps, StreamOrDevice s) {
          return fast::layer_norm(to_array(x), opt(weight), opt(bias), eps, s);
        },
        nb::arg(), nb::arg().none(), nb::arg().none(), "eps"_a, nb::kw_only(),
        "stream"_a = nb::none(),
        R"(Layer normalisation over the last axis.

Args:
    x (array): Input.
    weight (array | None): Scale.
    bias (array | None): Shift.
    eps (float): Added to the variance.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.fast.layer_norm(mx.ones((2, 4)), None, None, 1e-5).shape
    (2, 4))");
  m.def("rope",
        [](nb::handle a, int dims, bool traditional, std::optional<float> base, float scale,
           nb::handle offset, nb::handle freqs, StreamOrDevice s) {
          array x = to_array(a);
          if (PyLong_Check(offset.ptr())) {
            return fast::rope(x, dims, traditional, base, scale, nb::cast<int>(offset), opt(freqs), s);
          }
          return fast::rope(x, dims, traditional, base, scale, to_array(offset), opt(freqs), s);
        },
        nb::arg(), "dims"_a, nb::kw_only(), "traditional"_a, "base"_a.none(), "scale"_a,
        "offset"_a, "freqs"_a = nb::none(), "stream"_a = nb::none(),
        R"(Rotary positional embedding on the last axis.

Args:
    a (array): Input (B, *, T, D).
    dims (int): Number of rotated features.
    traditional (bool): Rotate adjacent pairs instead of halves.
    base (float | None): Frequency base (exclusive with freqs).
    scale (float): Position scale.
    offset (int | array): Position offset.
    freqs (array | None): Explicit frequencies.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.fast.rope(mx.ones((1, 2, 4)), 4, traditional=False, base=10000.0, scale=1.0, offset=0).shape
    (1, 2, 4))");
  m.def("scaled_dot_product_attention",
        [](nb::handle q, nb::handle k, nb::handle v, float scale, nb::handle mask,
           nb::handle sinks, bool force_fused, StreamOrDevice s) {
          std::string mode;
          std::optional<array> mask_arr;
          if (PyUnicode_Check(mask.ptr())) {
            mode = nb::cast<std::string>(mask);
          } else if (!mask.is_none()) {
            mask_arr = to_array(mask);
          }
          (void)force_fused;  // every path below is the fused reference implementation
          return fast::scaled_dot_product_attention(to_array(q), to_array(k), to_array(v), scale,
                                                    mode, mask_arr, opt(sinks), s);
        },
        nb::arg(), nb::arg(), nb::arg(), nb::kw_only(), "scale"_a, "mask"_a = nb::none(),
        "sinks"_a = nb::none(), "force_fused"_a = false, "stream"_a = nb::none(),
        R"(softmax(scale * q @ k^T + mask) @ v with grouped-query support.

Args:
    q (array): (B, N_q, T_q, D).
    k (array): (B, N_kv, T_kv, D).
    v (array): (B, N_kv, T_kv, D_v).
    scale (float): Query scale.
    mask (str | array | None): "causal", a bool mask or an additive mask.
    sinks (array | None): Per-head sink logits.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> q = mx.ones((1, 2, 3, 4))
    >>> mx.fast.scaled_dot_product_attention(q, q, q, scale=0.5).shape
    (1, 2, 3, 4))");
}

}  // namespace ember::py
