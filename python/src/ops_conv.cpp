// Convolutions (spec/core.md §14), channels-last.
#include "utils.h"

namespace ember::py {

namespace {

/// An int or a sequence of ints, broadcast/checked to `n` entries
/// (n = 0: any length, an int gives one entry).
std::vector<int> int_or_seq(nb::handle h, size_t n, const char* op,
                            const char* name) {
  std::vector<int> out;
  if (nb::isinstance<nb::int_>(h) && !nb::isinstance<nb::bool_>(h)) {
    out.assign(n == 0 ? 1 : n, nb::cast<int>(h));
    return out;
  }
  if (nb::isinstance<nb::sequence>(h) && !nb::isinstance<nb::str>(h)) {
    for (nb::handle v : h) {
      if (!nb::isinstance<nb::int_>(v) || nb::isinstance<nb::bool_>(v))
        throw nb::type_error((std::string("[") + op + "] " + name +
                              " must be an int or a sequence of ints.")
                                 .c_str());
      out.push_back(nb::cast<int>(v));
    }
    if (n != 0 && out.size() != n)
      throw std::invalid_argument(std::string("[") + op + "] " + name +
                                  " must have " + std::to_string(n) +
                                  " entries, got " +
                                  std::to_string(out.size()) + ".");
    return out;
  }
  throw nb::type_error((std::string("[") + op + "] " + name +
                        " must be an int or a sequence of ints.")
                           .c_str());
}

std::pair<int, int> pair_of(nb::handle h, const char* op, const char* name) {
  auto v = int_or_seq(h, 2, op, name);
  return {v[0], v[1]};
}

std::tuple<int, int, int> triple_of(nb::handle h, const char* op,
                                    const char* name) {
  auto v = int_or_seq(h, 3, op, name);
  return {v[0], v[1], v[2]};
}

int int_of(nb::handle h, const char* op, const char* name) {
  return int_or_seq(h, 1, op, name)[0];
}

}  // namespace

void init_ops_conv(nb::module_& m) {
  m.def(
      "conv1d",
      [](nb::handle input, nb::handle weight, nb::handle stride,
         nb::handle padding, nb::handle dilation, int groups,
         StreamOrDevice s) {
        const char* op = "conv1d";
        return conv1d(to_array(input), to_array(weight),
                      int_of(stride, op, "stride"),
                      int_of(padding, op, "padding"),
                      int_of(dilation, op, "dilation"), groups, s);
      },
      nb::arg(), nb::arg(), "stride"_a = 1, "padding"_a = 0,
      "dilation"_a = 1, "groups"_a = 1, nb::kw_only(),
      "stream"_a = nb::none(),
      nb::sig("def conv1d(input: array, weight: array, /, stride: int = 1, "
              "padding: int = 0, dilation: int = 1, groups: int = 1, *, "
              "stream: Stream | Device | None = None) -> array"),
      R"(1-D convolution (cross-correlation) over a channels-last input.

Args:
    input (array): Input of shape ``(N, H, C_in)``.
    weight (array): Weight of shape ``(C_out, kH, C_in / groups)``.
    stride (int): Kernel stride.
    padding (int): Zero padding on both sides.
    dilation (int): Kernel dilation.
    groups (int): Number of input channel groups.

Returns:
    array: Output of shape ``(N, H_out, C_out)``.

Example:
    >>> import ember.core as mx
    >>> mx.conv1d(mx.ones((1, 5, 1)), mx.ones((1, 3, 1))).tolist()
    [[[3.0], [3.0], [3.0]]])");
  m.def(
      "conv2d",
      [](nb::handle input, nb::handle weight, nb::handle stride,
         nb::handle padding, nb::handle dilation, int groups,
         StreamOrDevice s) {
        const char* op = "conv2d";
        return conv2d(to_array(input), to_array(weight),
                      pair_of(stride, op, "stride"),
                      pair_of(padding, op, "padding"),
                      pair_of(dilation, op, "dilation"), groups, s);
      },
      nb::arg(), nb::arg(), "stride"_a = 1, "padding"_a = 0,
      "dilation"_a = 1, "groups"_a = 1, nb::kw_only(),
      "stream"_a = nb::none(),
      nb::sig("def conv2d(input: array, weight: array, /, "
              "stride: int | tuple[int, int] = 1, "
              "padding: int | tuple[int, int] = 0, "
              "dilation: int | tuple[int, int] = 1, groups: int = 1, *, "
              "stream: Stream | Device | None = None) -> array"),
      R"(2-D convolution (cross-correlation) over a channels-last input.

Args:
    input (array): Input of shape ``(N, H, W, C_in)``.
    weight (array): Weight of shape ``(C_out, kH, kW, C_in / groups)``.
    stride (int or tuple(int, int)): Kernel stride.
    padding (int or tuple(int, int)): Zero padding on both sides.
    dilation (int or tuple(int, int)): Kernel dilation.
    groups (int): Number of input channel groups.

Returns:
    array: Output of shape ``(N, H_out, W_out, C_out)``.

Example:
    >>> import ember.core as mx
    >>> mx.conv2d(mx.ones((1, 3, 3, 1)), mx.ones((1, 2, 2, 1))).shape
    (1, 2, 2, 1))");
  m.def(
      "conv3d",
      [](nb::handle input, nb::handle weight, nb::handle stride,
         nb::handle padding, nb::handle dilation, int groups,
         StreamOrDevice s) {
        const char* op = "conv3d";
        return conv3d(to_array(input), to_array(weight),
                      triple_of(stride, op, "stride"),
                      triple_of(padding, op, "padding"),
                      triple_of(dilation, op, "dilation"), groups, s);
      },
      nb::arg(), nb::arg(), "stride"_a = 1, "padding"_a = 0,
      "dilation"_a = 1, "groups"_a = 1, nb::kw_only(),
      "stream"_a = nb::none(),
      nb::sig("def conv3d(input: array, weight: array, /, "
              "stride: int | tuple[int, int, int] = 1, "
              "padding: int | tuple[int, int, int] = 0, "
              "dilation: int | tuple[int, int, int] = 1, groups: int = 1, *, "
              "stream: Stream | Device | None = None) -> array"),
      R"(3-D convolution (cross-correlation) over a channels-last input.

Args:
    input (array): Input of shape ``(N, D, H, W, C_in)``.
    weight (array): Weight of shape ``(C_out, kD, kH, kW, C_in / groups)``.
    stride (int or tuple(int, int, int)): Kernel stride.
    padding (int or tuple(int, int, int)): Zero padding on both sides.
    dilation (int or tuple(int, int, int)): Kernel dilation.
    groups (int): Number of input channel groups.

Returns:
    array: Output of shape ``(N, D_out, H_out, W_out, C_out)``.

Example:
    >>> import ember.core as mx
    >>> mx.conv3d(mx.ones((1, 3, 3, 3, 1)), mx.ones((1, 2, 2, 2, 1))).shape
    (1, 2, 2, 2, 1))");
  m.def(
      "conv_general",
      [](nb::handle input, nb::handle weight, nb::handle stride,
         nb::handle padding, nb::handle kernel_dilation,
         nb::handle input_dilation, int groups, bool flip, StreamOrDevice s) {
        const char* op = "conv_general";
        array x = to_array(input);
        array w = to_array(weight);
        std::vector<int> lo, hi;
        // (low_list, high_list): a 2-tuple whose entries are sequences.
        if (nb::isinstance<nb::tuple>(padding) && nb::len(padding) == 2 &&
            !nb::isinstance<nb::int_>(padding[0]) &&
            !nb::isinstance<nb::int_>(padding[1])) {
          lo = int_or_seq(padding[0], 0, op, "padding");
          hi = int_or_seq(padding[1], 0, op, "padding");
        } else {
          lo = int_or_seq(padding, 0, op, "padding");
          hi = lo;
        }
        return conv_general(x, w, int_or_seq(stride, 0, op, "stride"), lo, hi,
                            int_or_seq(kernel_dilation, 0, op,
                                       "kernel_dilation"),
                            int_or_seq(input_dilation, 0, op,
                                       "input_dilation"),
                            groups, flip, s);
      },
      nb::arg(), nb::arg(), "stride"_a = 1, "padding"_a = 0,
      "kernel_dilation"_a = 1, "input_dilation"_a = 1, "groups"_a = 1,
      "flip"_a = false, nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def conv_general(input: array, weight: array, /, "
              "stride: int | list[int] = 1, "
              "padding: int | list[int] | "
              "tuple[list[int], list[int]] = 0, "
              "kernel_dilation: int | list[int] = 1, "
              "input_dilation: int | list[int] = 1, groups: int = 1, "
              "flip: bool = False, *, "
              "stream: Stream | Device | None = None) -> array"),
      R"(General N-d convolution with low/high padding and input dilation.

Args:
    input (array): Input of shape ``(N, *spatial, C_in)``.
    weight (array): Weight of shape ``(C_out, *kernel, C_in / groups)``.
    stride (int or list(int)): Kernel stride per spatial dim.
    padding (int, list(int) or tuple(list(int), list(int))): Symmetric
        padding, or ``(low, high)`` padding lists.
    kernel_dilation (int or list(int)): Kernel dilation.
    input_dilation (int or list(int)): Input dilation.
    groups (int): Number of input channel groups.
    flip (bool): Flip the kernel (true convolution).

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> x = mx.ones((1, 4, 1))
    >>> mx.conv_general(x, mx.ones((1, 2, 1)), padding=([1], [0])).shape
    (1, 4, 1))");
  m.def(
      "conv_transpose1d",
      [](nb::handle input, nb::handle weight, nb::handle stride,
         nb::handle padding, nb::handle dilation, nb::handle output_padding,
         int groups, StreamOrDevice s) {
        const char* op = "conv_transpose1d";
        return conv_transpose1d(to_array(input), to_array(weight),
                                int_of(stride, op, "stride"),
                                int_of(padding, op, "padding"),
                                int_of(dilation, op, "dilation"),
                                int_of(output_padding, op, "output_padding"),
                                groups, s);
      },
      nb::arg(), nb::arg(), "stride"_a = 1, "padding"_a = 0,
      "dilation"_a = 1, "output_padding"_a = 0, "groups"_a = 1,
      nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def conv_transpose1d(input: array, weight: array, /, "
              "stride: int = 1, padding: int = 0, dilation: int = 1, "
              "output_padding: int = 0, groups: int = 1, *, "
              "stream: Stream | Device | None = None) -> array"),
      R"(Transposed 1-D convolution (gradient of ``conv1d`` w.r.t. its input).

Args:
    input (array): Input of shape ``(N, H, C_in)``.
    weight (array): Weight of shape ``(C_out, kH, C_in / groups)``.
    stride (int): Stride.
    padding (int): Padding.
    dilation (int): Kernel dilation.
    output_padding (int): Extra size added to one side of the output.
    groups (int): Number of channel groups.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.conv_transpose1d(mx.ones((1, 3, 1)), mx.ones((1, 2, 1))).tolist()
    [[[1.0], [2.0], [2.0], [1.0]]])");
  m.def(
      "conv_transpose2d",
      [](nb::handle input, nb::handle weight, nb::handle stride,
         nb::handle padding, nb::handle dilation, nb::handle output_padding,
         int groups, StreamOrDevice s) {
        const char* op = "conv_transpose2d";
        return conv_transpose2d(
            to_array(input), to_array(weight), pair_of(stride, op, "stride"),
            pair_of(padding, op, "padding"), pair_of(dilation, op, "dilation"),
            pair_of(output_padding, op, "output_padding"), groups, s);
      },
      nb::arg(), nb::arg(), "stride"_a = 1, "padding"_a = 0,
      "dilation"_a = 1, "output_padding"_a = 0, "groups"_a = 1,
      nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def conv_transpose2d(input: array, weight: array, /, "
              "stride: int | tuple[int, int] = 1, "
              "padding: int | tuple[int, int] = 0, "
              "dilation: int | tuple[int, int] = 1, "
              "output_padding: int | tuple[int, int] = 0, groups: int = 1, *, "
              "stream: Stream | Device | None = None) -> array"),
      R"(Transposed 2-D convolution.

Args:
    input (array): Input of shape ``(N, H, W, C_in)``.
    weight (array): Weight of shape ``(C_out, kH, kW, C_in / groups)``.
    stride (int or tuple(int, int)): Stride.
    padding (int or tuple(int, int)): Padding.
    dilation (int or tuple(int, int)): Kernel dilation.
    output_padding (int or tuple(int, int)): Extra output size.
    groups (int): Number of channel groups.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.conv_transpose2d(mx.ones((1, 2, 2, 1)), mx.ones((1, 2, 2, 1))).shape
    (1, 3, 3, 1))");
  m.def(
      "conv_transpose3d",
      [](nb::handle input, nb::handle weight, nb::handle stride,
         nb::handle padding, nb::handle dilation, nb::handle output_padding,
         int groups, StreamOrDevice s) {
        const char* op = "conv_transpose3d";
        return conv_transpose3d(
            to_array(input), to_array(weight), triple_of(stride, op, "stride"),
            triple_of(padding, op, "padding"),
            triple_of(dilation, op, "dilation"),
            triple_of(output_padding, op, "output_padding"), groups, s);
      },
      nb::arg(), nb::arg(), "stride"_a = 1, "padding"_a = 0,
      "dilation"_a = 1, "output_padding"_a = 0, "groups"_a = 1,
      nb::kw_only(), "stream"_a = nb::none(),
      nb::sig("def conv_transpose3d(input: array, weight: array, /, "
              "stride: int | tuple[int, int, int] = 1, "
              "padding: int | tuple[int, int, int] = 0, "
              "dilation: int | tuple[int, int, int] = 1, "
              "output_padding: int | tuple[int, int, int] = 0, "
              "groups: int = 1, *, "
              "stream: Stream | Device | None = None) -> array"),
      R"(Transposed 3-D convolution.

Args:
    input (array): Input of shape ``(N, D, H, W, C_in)``.
    weight (array): Weight of shape ``(C_out, kD, kH, kW, C_in / groups)``.
    stride (int or tuple(int, int, int)): Stride.
    padding (int or tuple(int, int, int)): Padding.
    dilation (int or tuple(int, int, int)): Kernel dilation.
    output_padding (int or tuple(int, int, int)): Extra output size.
    groups (int): Number of channel groups.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> x = mx.ones((1, 2, 2, 2, 1))
    >>> mx.conv_transpose3d(x, mx.ones((1, 2, 2, 2, 1))).shape
    (1, 3, 3, 3, 1))");
  m.def(
      "convolve",
      [](nb::handle a, nb::handle v, const std::string& mode,
         StreamOrDevice s) {
        return convolve(to_array(a), to_array(v), mode, s);
      },
      nb::arg(), nb::arg(), "mode"_a = "full", nb::kw_only(),
      "stream"_a = nb::none(),
      R"(NumPy-style 1-D discrete convolution.

Args:
    a (array): First 1-D input.
    v (array): Second 1-D input.
    mode (str): ``"full"``, ``"valid"`` or ``"same"``.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.convolve(mx.array([1.0, 2.0, 3.0]), mx.array([0.0, 1.0, 0.5])).tolist()
    [0.0, 1.0, 2.5, 4.0, 1.5])");
}

}  // namespace ember::py
