// ember::linalg (spec/submodules.md §2): input checks and output shapes of
// the factorization primitives, and the functions composed from them (pinv,
// cholesky_inv, lu, det, slogdet). Declared in ops/linalg.h.
#include <cfloat>
#include <stdexcept>

#include "ember/ops/binary.h"
#include "ember/ops/copy.h"
#include "ember/ops/creation.h"
#include "ember/ops/indexing.h"
#include "ember/ops/linalg.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"
#include "ember/ops/ternary.h"
#include "ember/ops/unary.h"
#include "ember/ops/utils.h"
#include "ember/primitives/linalg.h"
#include "ember/transforms/custom.h"

namespace ember::linalg {

namespace {

std::string prefix(const char* op) {
  return std::string("[linalg::") + op + "] ";
}

// MLX runs these on the CPU only; a GPU stream is a user error.
Stream cpu_stream(StreamOrDevice s, const char* op) {
  Stream st = to_stream(s);
  if (st.device.type == Device::gpu) {
    throw std::invalid_argument(
        prefix(op) +
        "This op is not yet supported on the GPU. Explicitly pass a CPU "
        "stream to run it.");
  }
  return st;
}

void check_dtype(const array& a, const char* op, bool allow_complex) {
  Dtype t = a.dtype();
  if (t == float32 || t == float64 || (allow_complex && t == complex64)) {
    return;
  }
  throw std::invalid_argument(
      prefix(op) + "Arrays must have type float32 or float64" +
      (allow_complex ? " (or complex64)" : "") + ". Received array with type " +
      dtype_name(t) + ".");
}

void check_matrix(const array& a, const char* op, bool square) {
  if (a.ndim() < 2) {
    throw std::invalid_argument(
        prefix(op) + "Arrays must have >= 2 dimensions. Received array with " +
        std::to_string(a.ndim()) + " dimensions.");
  }
  if (square && a.shape(-1) != a.shape(-2)) {
    throw std::invalid_argument(prefix(op) +
                                "Only square matrices are supported; got "
                                "shape " +
                                shape_str(a.shape()) + ".");
  }
}

Shape batch_of(const array& a) {
  return Shape(a.shape().begin(), a.shape().end() - 2);
}

Shape with(Shape b, std::initializer_list<int> tail) {
  for (int t : tail) b.push_back(t);
  return b;
}

Dtype real_of(Dtype t) { return t == complex64 ? float32 : t; }

array mT(const array& x, Stream s) { return swapaxes(x, -1, -2, s); }

// x[..., :rows, :cols] of the last two axes.
array top_left(const array& x, int rows, int cols, Stream s) {
  Shape start(x.ndim(), 0), stop = x.shape();
  stop[x.ndim() - 2] = rows;
  stop[x.ndim() - 1] = cols;
  return slice(x, start, stop, s);
}

std::vector<array> luf(const array& a, Stream s) {
  int M = a.shape(-2), N = a.shape(-1), K = std::min(M, N);
  Shape b = batch_of(a);
  return array::make_arrays({a.shape(), with(b, {K}), with(b, {M})},
                            {a.dtype(), uint32, uint32},
                            std::make_shared<LUF>(s), {a});
}

// Shared front end of solve and solve_triangular: b of shape (N,) is a
// vector; otherwise its last two axes are (N, R). Batch dims broadcast.
std::tuple<array, array, bool> solve_operands(const char* op, const array& a,
                                              const array& b, Stream s) {
  check_dtype(a, op, false);
  check_dtype(b, op, false);
  check_matrix(a, op, true);
  if (b.ndim() < 1) {
    throw std::invalid_argument(prefix(op) +
                                "Second input must have >= 1 dimensions; got "
                                "a scalar.");
  }
  bool vec = b.ndim() == 1;
  array bb = vec ? expand_dims(b, -1, s) : b;
  if (a.shape(-1) != bb.shape(-2)) {
    throw std::invalid_argument(
        prefix(op) + "Last dimension of the first input with shape " +
        shape_str(a.shape()) + " must match the " +
        (vec ? "size" : "second to last dimension") +
        " of the second input with shape " + shape_str(b.shape()) + ".");
  }
  Shape batch;
  try {
    batch = broadcast_shapes(batch_of(a), batch_of(bb));
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument(prefix(op) + "Batch dimensions of shapes " +
                                shape_str(a.shape()) + " and " +
                                shape_str(b.shape()) + " cannot be broadcast.");
  }
  Dtype t = promote_types(a.dtype(), b.dtype());
  int N = a.shape(-1), R = bb.shape(-1);
  return {broadcast_to(astype(a, t, s), with(batch, {N, N}), s),
          broadcast_to(astype(bb, t, s), with(batch, {N, R}), s), vec};
}

array det_operand(const array& a, const char* op, Stream s) {
  if (is_complex(a.dtype())) {
    throw std::invalid_argument(prefix(op) +
                                "Only real inputs are supported; got " +
                                dtype_name(a.dtype()) + ".");
  }
  check_matrix(a, op, true);
  return a.dtype() == float64 ? a : astype(a, float32, s);
}

// (sign of the row permutation, diagonal of U) from an LU factorization.
std::pair<array, array> lu_sign_diag(const array& a, Stream s) {
  auto outs = luf(a, s);
  int n = a.shape(-1);
  array diag = diagonal(outs[0], 0, -2, -1, s);
  array swaps = sum(not_equal(outs[1], arange(0, n, 1, s), s), -1, false, s);
  array odd =
      astype(remainder(swaps, array(2, swaps.dtype()), s), a.dtype(), s);
  array sign = subtract(array(1.0, a.dtype()),
                        multiply(array(2.0, a.dtype()), odd, s), s);
  return {sign, diag};
}

array trace_last(const array& x, Stream s) {
  return sum(diagonal(x, 0, -2, -1, s), -1, false, s);
}

}  // namespace

std::pair<array, array> qr(const array& a, StreamOrDevice s_) {
  Stream s = cpu_stream(s_, "qr");
  check_dtype(a, "qr", false);
  check_matrix(a, "qr", false);
  int M = a.shape(-2), N = a.shape(-1), K = std::min(M, N);
  Shape b = batch_of(a);
  auto outs =
      array::make_arrays({with(b, {M, K}), with(b, {K, N})},
                         {a.dtype(), a.dtype()}, std::make_shared<QRF>(s), {a});
  return {outs[0], outs[1]};
}

std::vector<array> svd(const array& a, bool compute_uv, StreamOrDevice s_) {
  Stream s = cpu_stream(s_, "svd");
  check_dtype(a, "svd", true);
  check_matrix(a, "svd", false);
  int M = a.shape(-2), N = a.shape(-1), K = std::min(M, N);
  Shape b = batch_of(a);
  Dtype t = a.dtype(), rt = real_of(t);
  if (!compute_uv) {
    return array::make_arrays({with(b, {K})}, {rt},
                              std::make_shared<SVD>(s, false), {a});
  }
  return array::make_arrays({with(b, {M, M}), with(b, {K}), with(b, {N, N})},
                            {t, rt, t}, std::make_shared<SVD>(s, true), {a});
}

array inv(const array& a, StreamOrDevice s_) {
  Stream s = cpu_stream(s_, "inv");
  check_dtype(a, "inv", false);
  check_matrix(a, "inv", true);
  return array(a.shape(), a.dtype(), std::make_shared<Inverse>(s, false, false),
               {a});
}

array tri_inv(const array& a, bool upper, StreamOrDevice s_) {
  Stream s = cpu_stream(s_, "tri_inv");
  check_dtype(a, "tri_inv", false);
  check_matrix(a, "tri_inv", true);
  return array(a.shape(), a.dtype(), std::make_shared<Inverse>(s, true, upper),
               {a});
}

array pinv(const array& a, StreamOrDevice s_) {
  Stream s = cpu_stream(s_, "pinv");
  check_dtype(a, "pinv", false);
  check_matrix(a, "pinv", false);
  int M = a.shape(-2), N = a.shape(-1), K = std::min(M, N);
  if (K == 0) return zeros(with(batch_of(a), {N, M}), a.dtype(), s);
  auto usv = svd(a, true, s);
  array u = top_left(usv[0], M, K, s);
  array vt = top_left(usv[2], K, N, s);
  array sv = usv[1];
  double eps = a.dtype() == float64 ? DBL_EPSILON : FLT_EPSILON;
  array cutoff = multiply(max(sv, -1, true, s),
                          array(double(std::max(M, N)) * eps, a.dtype()), s);
  array keep = greater(sv, cutoff, s);
  // The safe divisor keeps dropped values out of the gradient (no 0 * inf).
  array safe = where(keep, sv, ones_like(sv, s), s);
  array sinv = where(keep, reciprocal(safe, s), zeros_like(sv, s), s);
  return matmul(multiply(mT(vt, s), expand_dims(sinv, -2, s), s), mT(u, s), s);
}

array cholesky(const array& a, bool upper, StreamOrDevice s_) {
  Stream s = cpu_stream(s_, "cholesky");
  check_dtype(a, "cholesky", false);
  check_matrix(a, "cholesky", true);
  return array(a.shape(), a.dtype(), std::make_shared<Cholesky>(s, upper), {a});
}

array cholesky_inv(const array& l, bool upper, StreamOrDevice s_) {
  Stream s = cpu_stream(s_, "cholesky_inv");
  check_dtype(l, "cholesky_inv", false);
  check_matrix(l, "cholesky_inv", true);
  array li = tri_inv(l, upper, s);
  // a = L Lᵀ -> a⁻¹ = L⁻ᵀ L⁻¹;  a = Uᵀ U -> a⁻¹ = U⁻¹ U⁻ᵀ.
  return upper ? matmul(li, mT(li, s), s) : matmul(mT(li, s), li, s);
}

array eigvals(const array& a, StreamOrDevice s_) {
  Stream s = cpu_stream(s_, "eigvals");
  check_dtype(a, "eigvals", true);
  check_matrix(a, "eigvals", true);
  Shape b = batch_of(a);
  return array::make_arrays({with(b, {a.shape(-1)})}, {complex64},
                            std::make_shared<Eig>(s, false), {a})[0];
}

std::pair<array, array> eig(const array& a, StreamOrDevice s_) {
  Stream s = cpu_stream(s_, "eig");
  check_dtype(a, "eig", true);
  check_matrix(a, "eig", true);
  int n = a.shape(-1);
  Shape b = batch_of(a);
  auto outs = array::make_arrays({with(b, {n}), with(b, {n, n})},
                                 {complex64, complex64},
                                 std::make_shared<Eig>(s, true), {a});
  return {outs[0], outs[1]};
}

namespace {
std::vector<array> eigh_impl(const char* op, const array& a,
                             const std::string& uplo, bool vectors,
                             StreamOrDevice s_) {
  Stream s = cpu_stream(s_, op);
  check_dtype(a, op, true);
  check_matrix(a, op, true);
  if (uplo != "L" && uplo != "U") {
    throw std::invalid_argument(prefix(op) + "UPLO must be 'L' or 'U'; got '" +
                                uplo + "'.");
  }
  int n = a.shape(-1);
  Shape b = batch_of(a);
  auto prim = std::make_shared<Eigh>(s, uplo[0], vectors);
  if (!vectors) {
    return array::make_arrays({with(b, {n})}, {real_of(a.dtype())}, prim, {a});
  }
  return array::make_arrays({with(b, {n}), with(b, {n, n})},
                            {real_of(a.dtype()), a.dtype()}, prim, {a});
}
}  // namespace

array eigvalsh(const array& a, const std::string& uplo, StreamOrDevice s) {
  return eigh_impl("eigvalsh", a, uplo, false, s)[0];
}

std::pair<array, array> eigh(const array& a, const std::string& uplo,
                             StreamOrDevice s) {
  auto outs = eigh_impl("eigh", a, uplo, true, s);
  return {outs[0], outs[1]};
}

std::pair<array, array> lu_factor(const array& a, StreamOrDevice s_) {
  Stream s = cpu_stream(s_, "lu_factor");
  check_dtype(a, "lu_factor", false);
  check_matrix(a, "lu_factor", false);
  auto outs = luf(a, s);
  return {outs[0], outs[1]};
}

std::vector<array> lu(const array& a, StreamOrDevice s_) {
  Stream s = cpu_stream(s_, "lu");
  check_dtype(a, "lu", false);
  check_matrix(a, "lu", false);
  int M = a.shape(-2), N = a.shape(-1), K = std::min(M, N);
  auto outs = luf(a, s);
  array l = add(tril(top_left(outs[0], M, K, s), -1, s),
                eye(M, K, 0, a.dtype(), s), s);
  array u = triu(top_left(outs[0], K, N, s), 0, s);
  return {outs[2], l, u};
}

array solve(const array& a, const array& b, StreamOrDevice s_) {
  Stream s = cpu_stream(s_, "solve");
  auto [x, y, vec] = solve_operands("solve", a, b, s);
  array out(y.shape(), y.dtype(), std::make_shared<Solve>(s), {x, y});
  return vec ? squeeze(out, -1, s) : out;
}

array solve_triangular(const array& a, const array& b, bool upper,
                       StreamOrDevice s_) {
  Stream s = cpu_stream(s_, "solve_triangular");
  auto [x, y, vec] = solve_operands("solve_triangular", a, b, s);
  array out(y.shape(), y.dtype(), std::make_shared<SolveTriangular>(s, upper),
            {x, y});
  return vec ? squeeze(out, -1, s) : out;
}

// det and slogdet come from the LU factorization, which has no derivative
// of its own; custom rules give d log|det a| = tr(a⁻¹ da).
array det(const array& a, StreamOrDevice s_) {
  Stream s = cpu_stream(s_, "det");
  array x = det_operand(a, "det", s);
  // stop_gradient keeps transforms from looking for LUF's derivative.
  auto fwd = [s](const std::vector<array>& in) {
    auto [sign, diag] = lu_sign_diag(stop_gradient(in[0], s), s);
    return std::vector<array>{multiply(sign, prod(diag, -1, false, s), s)};
  };
  auto vjp = [s](const std::vector<array>& primals,
                 const std::vector<array>& cotangents,
                 const std::vector<array>& outputs) {
    array g = multiply(cotangents[0], outputs[0], s);
    return std::vector<array>{
        multiply(expand_dims(g, {-2, -1}, s), mT(inv(primals[0], s), s), s)};
  };
  auto jvp = [s, fwd](const std::vector<array>& primals,
                      const std::vector<array>& tangents,
                      const std::vector<int>&) {
    array d = fwd(primals)[0];
    return std::vector<array>{
        multiply(d, trace_last(solve(primals[0], tangents[0], s), s), s)};
  };
  return custom_function(fwd, vjp, jvp)({x})[0];
}

std::pair<array, array> slogdet(const array& a, StreamOrDevice s_) {
  Stream s = cpu_stream(s_, "slogdet");
  array x = det_operand(a, "slogdet", s);
  auto fwd = [s](const std::vector<array>& in) {
    auto [sign, diag] = lu_sign_diag(stop_gradient(in[0], s), s);
    array sgn = multiply(sign, prod(ember::sign(diag, s), -1, false, s), s);
    array logabs = sum(log(abs(diag, s), s), -1, false, s);
    return std::vector<array>{sgn, logabs};
  };
  auto vjp = [s](const std::vector<array>& primals,
                 const std::vector<array>& cotangents,
                 const std::vector<array>&) {
    return std::vector<array>{multiply(expand_dims(cotangents[1], {-2, -1}, s),
                                       mT(inv(primals[0], s), s), s)};
  };
  auto jvp = [s, fwd](const std::vector<array>& primals,
                      const std::vector<array>& tangents,
                      const std::vector<int>&) {
    array sgn = fwd(primals)[0];
    return std::vector<array>{zeros_like(sgn, s),
                              trace_last(solve(primals[0], tangents[0], s), s)};
  };
  auto outs = custom_function(fwd, vjp, jvp)({x});
  return {outs[0], outs[1]};
}

}  // namespace ember::linalg
