// Matrix-product variants of spec/core.md §13 written with existing ops (no
// primitive of their own): gather_mm, segmented_mm, block_masked_mm and
// hadamard_transform.
#include <cmath>

#include "utils.h"

namespace ember::py {

namespace {

void check_matrix(const array& x, const char* op, const char* name) {
  if (x.ndim() < 2) {
    throw std::invalid_argument(std::string("[") + op + "] " + name +
                                " must have at least 2 dimensions; got shape " +
                                shape_str(x.shape()) + ".");
  }
}

Shape batch_shape(const array& x) {
  return Shape(x.shape().begin(), x.shape().end() - 2);
}

int64_t prod(const Shape& s) {
  int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

// Indices into the flattened batch of `x` (arange over it when None).
array batch_indices(const array& x, nb::handle idx, const char* op) {
  if (idx.is_none()) {
    Shape b = batch_shape(x);
    return reshape(arange(0, int(prod(b)), 1), b);
  }
  array i = to_array(idx);
  if (!is_integral(i.dtype())) {
    throw std::invalid_argument(std::string("[") + op +
                                "] Indices must have an integer dtype; got " +
                                std::string(dtype_name(i.dtype())) + ".");
  }
  return i;
}

// Expands a block mask (..., ceil(R/bs), ceil(C/bs)) to (..., R, C).
array expand_block_mask(const array& m, int bs, ShapeElem rows, ShapeElem cols,
                        const char* op, const char* name) {
  if (m.ndim() < 2) {
    throw std::invalid_argument(std::string("[") + op + "] " + name +
                                " must have at least 2 dimensions; got shape " +
                                shape_str(m.shape()) + ".");
  }
  ShapeElem tr = (rows + bs - 1) / bs, tc = (cols + bs - 1) / bs;
  if (m.shape(-2) != tr || m.shape(-1) != tc) {
    throw std::invalid_argument(
        std::string("[") + op + "] " + name + " must have " +
        std::to_string(tr) + " x " + std::to_string(tc) +
        " blocks in its last two dimensions for block size " +
        std::to_string(bs) + "; got shape " + shape_str(m.shape()) + ".");
  }
  array e = repeat(repeat(m, bs, -2), bs, -1);
  Shape start(e.ndim(), 0), stop = e.shape();
  stop[e.ndim() - 2] = rows;
  stop[e.ndim() - 1] = cols;
  return slice(e, start, stop);
}

// Applies a block mask: bool masks select (exact zeros elsewhere), others scale.
array apply_mask(const array& x, const array& mask) {
  if (mask.dtype() == Dtype::bool_) {
    return where(mask, x, zeros_like(x));
  }
  return multiply(x, astype(mask, x.dtype()));
}

}  // namespace

void init_ops_mm_extra(nb::module_& m) {
  m.def(
      "gather_mm",
      [](nb::handle a_, nb::handle b_, nb::handle lhs_indices, nb::handle rhs_indices,
         bool /*sorted_indices*/, StreamOrDevice s) {
        array a = to_array(a_), b = to_array(b_);
        check_matrix(a, "gather_mm", "a");
        check_matrix(b, "gather_mm", "b");
        array li = batch_indices(a, lhs_indices, "gather_mm");
        array ri = batch_indices(b, rhs_indices, "gather_mm");
        auto idx = broadcast_arrays({li, ri});
        array af = reshape(a, {ShapeElem(prod(batch_shape(a))), a.shape(-2), a.shape(-1)}, s);
        array bf = reshape(b, {ShapeElem(prod(batch_shape(b))), b.shape(-2), b.shape(-1)}, s);
        return matmul(take(af, idx[0], 0, s), take(bf, idx[1], 0, s), s);
      },
      nb::arg(), nb::arg(), "lhs_indices"_a = nb::none(), "rhs_indices"_a = nb::none(),
      nb::kw_only(), "sorted_indices"_a = false, "stream"_a = nb::none(),
      R"(Matrix products of batch items picked by index.

``a`` is (..., M, K) and ``b`` is (..., K, N). ``lhs_indices`` and
``rhs_indices`` index the flattened batch dimensions of ``a`` and ``b``
(None = every batch item in order); they broadcast together and the result
is ``indices.shape + (M, N)``.

Args:
    a (array): Left operands.
    b (array): Right operands.
    lhs_indices (array | None): Integer indices into a's batch.
    rhs_indices (array | None): Integer indices into b's batch.
    sorted_indices (bool): Hint that the indices are sorted (unused).

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> a = mx.ones((3, 2, 4)); b = mx.ones((5, 4, 2))
    >>> mx.gather_mm(a, b, mx.array([0, 2]), mx.array([4, 1])).shape
    (2, 2, 2))");

  m.def(
      "segmented_mm",
      [](nb::handle a_, nb::handle b_, nb::handle segments_, StreamOrDevice s) {
        array a = to_array(a_), b = to_array(b_), seg = to_array(segments_);
        if (a.ndim() != 2 || b.ndim() != 2) {
          throw std::invalid_argument(
              "[segmented_mm] a and b must be 2-D; got shapes " + shape_str(a.shape()) +
              " and " + shape_str(b.shape()) + ".");
        }
        if (a.shape(1) != b.shape(0)) {
          throw std::invalid_argument(
              "[segmented_mm] Inner dimensions differ; got shapes " + shape_str(a.shape()) +
              " and " + shape_str(b.shape()) + ".");
        }
        if (seg.ndim() < 1 || seg.shape(-1) != 2 || !is_integral(seg.dtype())) {
          throw std::invalid_argument(
              "[segmented_mm] segments must be an integer array of [start, end) pairs "
              "(last dimension 2); got " + std::string(dtype_name(seg.dtype())) + " of shape " +
              shape_str(seg.shape()) + ".");
        }
        ShapeElem k = a.shape(1);
        array pos = arange(0, int(k), 1, s);  // (K,)
        array start = expand_dims(take(seg, 0, -1, s), -1, s);
        array end = expand_dims(take(seg, 1, -1, s), -1, s);
        array mask = logical_and(greater_equal(pos, start, s), less(pos, end, s), s);
        // (..., 1, K) * (M, K): one masked copy of a per segment.
        array am = where(expand_dims(mask, -2, s), a, zeros_like(a, s), s);
        return matmul(am, b, s);
      },
      nb::arg(), nb::arg(), "segments"_a, nb::kw_only(), "stream"_a = nb::none(),
      R"(One matrix product per segment of the inner dimension.

For each ``[start, end)`` pair in ``segments`` the result holds
``a[:, start:end] @ b[start:end, :]``.

Args:
    a (array): (M, K) left operand.
    b (array): (K, N) right operand.
    segments (array): Integer array of shape (..., 2).

Returns:
    array: Shape ``segments.shape[:-1] + (M, N)``.

Example:
    >>> import ember.core as mx
    >>> a = mx.ones((2, 4)); b = mx.ones((4, 3))
    >>> mx.segmented_mm(a, b, mx.array([[0, 1], [1, 4]]))[:, 0, 0].tolist()
    [1.0, 3.0])");

  m.def(
      "block_masked_mm",
      [](nb::handle a_, nb::handle b_, int block_size, nb::handle mask_out,
         nb::handle mask_lhs, nb::handle mask_rhs, StreamOrDevice s) {
        const char* op = "block_masked_mm";
        if (block_size != 32 && block_size != 64) {
          throw std::invalid_argument(
              "[block_masked_mm] block_size must be 32 or 64; got " +
              std::to_string(block_size) + ".");
        }
        array a = to_array(a_), b = to_array(b_);
        check_matrix(a, op, "a");
        check_matrix(b, op, "b");
        ShapeElem M = a.shape(-2), K = a.shape(-1), N = b.shape(-1);
        if (!mask_lhs.is_none()) {
          a = apply_mask(a, expand_block_mask(to_array(mask_lhs), block_size, M, K, op,
                                              "mask_lhs"));
        }
        if (!mask_rhs.is_none()) {
          b = apply_mask(b, expand_block_mask(to_array(mask_rhs), block_size,
                                              b.shape(-2), N, op, "mask_rhs"));
        }
        array out = matmul(a, b, s);
        if (!mask_out.is_none()) {
          out = apply_mask(out, expand_block_mask(to_array(mask_out), block_size, M, N, op,
                                                  "mask_out"));
        }
        return out;
      },
      nb::arg(), nb::arg(), "block_size"_a = 64, "mask_out"_a = nb::none(),
      "mask_lhs"_a = nb::none(), "mask_rhs"_a = nb::none(), nb::kw_only(),
      "stream"_a = nb::none(),
      R"(Matrix product with block masks on the operands and the output.

Masks are given per ``block_size`` x ``block_size`` block: ``mask_lhs`` is
(..., ceil(M/bs), ceil(K/bs)), ``mask_rhs`` (..., ceil(K/bs), ceil(N/bs)) and
``mask_out`` (..., ceil(M/bs), ceil(N/bs)). Boolean masks zero the blocks
that are False; other dtypes scale each block.

Args:
    a (array): (..., M, K) left operand.
    b (array): (..., K, N) right operand.
    block_size (int): 32 or 64.
    mask_out (array | None): Output block mask.
    mask_lhs (array | None): Block mask (or scales) of ``a``.
    mask_rhs (array | None): Block mask (or scales) of ``b``.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> a = mx.ones((64, 64)); b = mx.ones((64, 64))
    >>> mask = mx.array([[True, False], [False, True]])
    >>> mx.block_masked_mm(a, b, 32, mask_out=mask)[0, 40].item()
    0.0)");

  m.def(
      "hadamard_transform",
      [](nb::handle a_, std::optional<float> scale, StreamOrDevice s) {
        array a = to_array(a_);
        if (a.ndim() < 1) {
          throw std::invalid_argument("[hadamard_transform] Input must have at least 1 "
                                      "dimension; got a 0-d array.");
        }
        if (is_complex(a.dtype())) {
          throw std::invalid_argument("[hadamard_transform] Complex inputs are not "
                                      "supported; got complex64.");
        }
        ShapeElem n = a.shape(-1);
        if (n < 1 || (n & (n - 1)) != 0) {
          throw std::invalid_argument(
              "[hadamard_transform] The last dimension must be a power of 2 (the "
              "12/20/28 x 2^k sizes are not supported); got " + std::to_string(n) + ".");
        }
        Dtype out_t = is_floating_point(a.dtype()) ? a.dtype() : Dtype::float32;
        // Low-precision inputs are transformed in float32, then cast back.
        Dtype work_t = out_t == Dtype::float64 ? out_t : Dtype::float32;
        array y = astype(a, work_t, s);
        int k = 0;
        while ((ShapeElem(1) << k) < n) ++k;
        // H_n = H_2 (x) ... (x) H_2: one butterfly per bit of the index.
        Shape split(a.shape().begin(), a.shape().end() - 1);
        int nb_ = int(split.size());
        for (int j = 0; j < k; ++j) split.push_back(2);
        y = reshape(y, split, s);
        for (int j = 0; j < k; ++j) {
          array y0 = take(y, 0, nb_ + j, s), y1 = take(y, 1, nb_ + j, s);
          y = stack({add(y0, y1, s), subtract(y0, y1, s)}, nb_ + j, s);
        }
        y = reshape(y, a.shape(), s);
        float sc = scale ? *scale : float(1.0 / std::sqrt(double(n)));
        y = multiply(y, astype(array(sc), work_t), s);
        return astype(y, out_t, s);
      },
      nb::arg(), "scale"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      R"(Walsh-Hadamard transform along the last axis.

Multiplies the last axis by the Sylvester-ordered Hadamard matrix of size n
(a power of 2) and by ``scale`` (default ``1/sqrt(n)``, which makes the
transform orthonormal). Integer inputs give float32.

Args:
    a (array): Input.
    scale (float | None): Scale of the result.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.hadamard_transform(mx.array([1.0, 0.0]), scale=1.0).tolist()
    [1.0, 1.0])");
}

}  // namespace ember::py
