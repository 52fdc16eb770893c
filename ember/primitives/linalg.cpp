// Derivatives and batching rules of the factorization primitives (real
// inputs). Symmetric-input rules (Cholesky, Eigh) return the symmetrized
// gradient, as JAX and PyTorch do: exact for symmetric perturbations. Where
// eigen/singular values coincide the ill-defined 1/(λj - λi) terms are zero.
#include "ember/primitives/linalg.h"

#include <stdexcept>

#include "ember/ops/binary.h"
#include "ember/ops/creation.h"
#include "ember/ops/indexing.h"
#include "ember/ops/linalg.h"
#include "ember/ops/shape.h"
#include "ember/ops/ternary.h"
#include "ember/ops/unary.h"

namespace ember {

namespace {

array mT(const array& x, Stream s) { return swapaxes(x, -1, -2, s); }

array sym(const array& x, Stream s) {
  return multiply(add(x, mT(x, s), s), array(0.5, x.dtype()), s);
}

array skew(const array& x, Stream s) { return subtract(x, mT(x, s), s); }

// Lower triangle with the diagonal halved (the Cholesky "Φ").
array phi(const array& x, Stream s) {
  int n = x.shape(-1);
  array mask =
      subtract(tri(n, n, 0, x.dtype(), s),
               multiply(eye(n, x.dtype(), s), array(0.5, x.dtype()), s), s);
  return multiply(x, mask, s);
}

// F[i, j] = 1 / (w[j] - w[i]), 0 where the two are equal.
array gap_inverse(const array& w, Stream s) {
  array e = subtract(expand_dims(w, -2, s), expand_dims(w, -1, s), s);
  array zero = equal(e, zeros_like(e, s), s);
  array safe = where(zero, ones_like(e, s), e, s);
  return where(zero, zeros_like(e, s), reciprocal(safe, s), s);
}

array safe_reciprocal(const array& x, Stream s) {
  array zero = equal(x, zeros_like(x, s), s);
  return where(zero, zeros_like(x, s),
               reciprocal(where(zero, ones_like(x, s), x, s), s), s);
}

array diag_of(const array& v, Stream s) {
  int n = v.shape(-1);
  return detail::diag_embed(v, n, n, 0, s);
}

// x[..., :rows, :cols] of the last two axes.
array top_left(const array& x, int rows, int cols, Stream s) {
  Shape start(x.ndim(), 0), stop = x.shape();
  stop[x.ndim() - 2] = rows;
  stop[x.ndim() - 1] = cols;
  return slice(x, start, stop, s);
}

// x[..., :, k:] (the columns from k on).
array cols_from(const array& x, int k, Stream s) {
  Shape start(x.ndim(), 0);
  start[x.ndim() - 1] = k;
  return slice(x, start, x.shape(), s);
}

void require_real(const array& a, const char* name, const char* what) {
  if (is_complex(a.dtype())) {
    throw std::invalid_argument(std::string("[") + name + "] The " + what +
                                " of complex inputs is not supported.");
  }
}

array front(const array& x, int axis, Stream s) {
  return axis < 0 ? x : moveaxis(x, axis, 0, s);
}

// Both inputs of a solve get the batch axis in front with the same size.
std::pair<array, array> front2(const std::vector<array>& in,
                               const std::vector<int>& axes, Stream s) {
  int size = axes[0] >= 0 ? in[0].shape(axes[0]) : in[1].shape(axes[1]);
  auto put = [&](const array& x, int ax) {
    if (ax >= 0) return moveaxis(x, ax, 0, s);
    Shape sh = x.shape();
    sh.insert(sh.begin(), size);
    return broadcast_to(expand_dims(x, 0, s), sh, s);
  };
  return {put(in[0], axes[0]), put(in[1], axes[1])};
}

array solve_tri(const array& a, const array& b, bool upper, Stream s) {
  return array(b.shape(), b.dtype(),
               std::make_shared<SolveTriangular>(s, upper), {a, b});
}

// x R⁻¹ for upper-triangular R: (R⁻ᵀ xᵀ)ᵀ.
array right_solve_upper(const array& x, const array& r, Stream s) {
  return mT(solve_tri(mT(r, s), mT(x, s), false, s), s);
}

// Reduced QR cotangent for M >= N (Q: M x N, R: N x N):
// gA = (gQ + Q copyltu(R gRᵀ - gQᵀ Q)) R⁻ᵀ.
array qr_vjp_tall(const array& gq, const array& gr, const array& q,
                  const array& r, Stream s) {
  array m = subtract(matmul(r, mT(gr, s), s), matmul(mT(gq, s), q, s), s);
  array copyltu = add(tril(m, 0, s), mT(tril(m, -1, s), s), s);
  array b = add(gq, matmul(q, copyltu, s), s);
  return mT(solve_tri(r, mT(b, s), true, s), s);
}

// Square/tall QR tangent: with X = Qᵀ dA R⁻¹ and Ω = skew part of its
// strictly lower triangle, dR = (X - Ω) R and dQ = dA R⁻¹ - Q (X - Ω).
std::pair<array, array> qr_jvp_tall(const array& da, const array& q,
                                    const array& r, Stream s) {
  array dar = right_solve_upper(da, r, s);
  array x = matmul(mT(q, s), dar, s);
  array low = tril(x, -1, s);
  array xo = subtract(x, subtract(low, mT(low, s), s), s);
  return {subtract(dar, matmul(q, xo, s), s), matmul(xo, r, s)};
}

}  // namespace

// ---- QRF ----

std::vector<array> QRF::vjp(const std::vector<array>& primals,
                            const std::vector<array>& cotangents,
                            const std::vector<int>&,
                            const std::vector<array>& outputs) {
  auto s = stream();
  const array& a = primals[0];
  require_real(a, "QRF", "vjp");
  const array &q = outputs[0], &r = outputs[1];
  const array &gq = cotangents[0], &gr = cotangents[1];
  int M = a.shape(-2), N = a.shape(-1);
  if (M >= N) return {qr_vjp_tall(gq, gr, q, r, s)};
  // Wide: a = [X | Y] with X = Q R1 square and Y = Q R2.
  Shape start(a.ndim(), 0);
  start[a.ndim() - 1] = M;
  array y = slice(a, start, a.shape(), s);
  Shape rstart(r.ndim(), 0);
  rstart[r.ndim() - 1] = M;
  array gr2 = slice(gr, rstart, gr.shape(), s);
  array gr1 = top_left(gr, M, M, s);
  array r1 = top_left(r, M, M, s);
  array gx = qr_vjp_tall(add(gq, matmul(y, mT(gr2, s), s), s), gr1, q, r1, s);
  array gy = matmul(q, gr2, s);
  return {concatenate({gx, gy}, -1, s)};
}

std::vector<array> QRF::jvp(const std::vector<array>& primals,
                            const std::vector<array>& tangents,
                            const std::vector<int>&) {
  auto s = stream();
  const array& a = primals[0];
  require_real(a, "QRF", "jvp");
  auto [q, r] = linalg::qr(a, s);
  int M = a.shape(-2), N = a.shape(-1);
  if (M >= N) {
    auto [dq, dr] = qr_jvp_tall(tangents[0], q, r, s);
    return {dq, dr};
  }
  Shape start(a.ndim(), 0);
  start[a.ndim() - 1] = M;
  array dx = top_left(tangents[0], M, M, s);
  array dy = slice(tangents[0], start, tangents[0].shape(), s);
  array r1 = top_left(r, M, M, s);
  array r2 = slice(r, start, r.shape(), s);
  auto [dq, dr1] = qr_jvp_tall(dx, q, r1, s);
  array dr2 = matmul(mT(q, s), subtract(dy, matmul(dq, r2, s), s), s);
  return {dq, concatenate({dr1, dr2}, -1, s)};
}

std::pair<std::vector<array>, std::vector<int>> QRF::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto [q, r] = linalg::qr(front(inputs[0], axes[0], stream()), stream());
  return {{q, r}, {0, 0}};
}

// ---- SVD ----

std::vector<array> SVD::vjp(const std::vector<array>& primals,
                            const std::vector<array>& cotangents,
                            const std::vector<int>&,
                            const std::vector<array>& outputs) {
  auto s = stream();
  const array& a = primals[0];
  require_real(a, "SVD", "vjp");
  int M = a.shape(-2), N = a.shape(-1), K = std::min(M, N);
  if (!compute_uv_) {
    auto usv = linalg::svd(a, true, s);
    array uk = top_left(usv[0], M, K, s);
    array vtk = top_left(usv[2], K, N, s);
    return {matmul(multiply(uk, expand_dims(cotangents[0], -2, s), s), vtk, s)};
  }
  // The columns of U (rows of Vt) beyond K are a basis of the complement;
  // they follow the rotation that keeps U orthogonal (see SVD::jvp), and
  // their cotangents enter through that rotation.
  array uk = top_left(outputs[0], M, K, s);
  array vtk = top_left(outputs[2], K, N, s);
  array vk = mT(vtk, s);
  const array& sv = outputs[1];
  array guk = top_left(cotangents[0], M, K, s);
  array gvk = mT(top_left(cotangents[2], K, N, s), s);
  array f = gap_inverse(square(sv, s), s);
  array uhgu = multiply(f, skew(matmul(mT(uk, s), guk, s), s), s);
  array vhgv = multiply(f, skew(matmul(mT(vk, s), gvk, s), s), s);
  array ret = add(multiply(uhgu, expand_dims(sv, -2, s), s),
                  multiply(expand_dims(sv, -1, s), vhgv, s), s);
  ret = add(ret, diag_of(cotangents[1], s), s);
  array sinv = safe_reciprocal(sv, s);
  if (M > K) {
    // gA = [U ret + (I - U Uᵀ)(gU - U_c gU_cᵀ U) S⁻¹] Vᵀ over the first K
    // columns; U_c, gU_c are the complement columns and their cotangents.
    array uc = cols_from(outputs[0], K, s),
          guc = cols_from(cotangents[0], K, s);
    array gu = subtract(guk, matmul(uc, matmul(mT(guc, s), uk, s), s), s);
    array gus = multiply(gu, expand_dims(sinv, -2, s), s);
    array inner = add(matmul(uk, ret, s), gus, s);
    inner = subtract(inner, matmul(uk, matmul(mT(uk, s), gus, s), s), s);
    return {matmul(inner, vtk, s)};
  }
  if (N > K) {
    array vc = cols_from(mT(outputs[2], s), K, s);
    array gvc = cols_from(mT(cotangents[2], s), K, s);
    array gv = subtract(gvk, matmul(vc, matmul(mT(gvc, s), vk, s), s), s);
    array sgv = multiply(mT(gv, s), expand_dims(sinv, -1, s), s);
    array inner = add(matmul(ret, vtk, s), sgv, s);
    inner = subtract(inner, matmul(matmul(sgv, vk, s), vtk, s), s);
    return {matmul(uk, inner, s)};
  }
  return {matmul(matmul(uk, ret, s), vtk, s)};
}

std::vector<array> SVD::jvp(const std::vector<array>& primals,
                            const std::vector<array>& tangents,
                            const std::vector<int>&) {
  auto s = stream();
  const array& a = primals[0];
  require_real(a, "SVD", "jvp");
  int M = a.shape(-2), N = a.shape(-1), K = std::min(M, N);
  auto usv = linalg::svd(a, true, s);
  const array& da = tangents[0];
  array uk = top_left(usv[0], M, K, s);
  array vk = mT(top_left(usv[2], K, N, s), s);
  array dp = matmul(matmul(mT(uk, s), da, s), vk, s);
  array ds = diagonal(dp, 0, -2, -1, s);
  if (!compute_uv_) return {ds};
  // With P = Uᵀ dA V: dU = U Ω_U (+ the complement part), Ω_U = F ∘ (P S +
  // S Pᵀ), and likewise for V. The complement columns U_c rotate by the
  // least that keeps U orthogonal: dU_c = -U_k Cᵀ, C = U_cᵀ dA V S⁻¹.
  const array& sv = usv[1];
  array f = gap_inverse(square(sv, s), s);
  array row = expand_dims(sv, -2, s), col = expand_dims(sv, -1, s);
  array om_u =
      multiply(f, add(multiply(dp, row, s), multiply(col, mT(dp, s), s), s), s);
  array om_v =
      multiply(f, add(multiply(col, dp, s), multiply(mT(dp, s), row, s), s), s);
  array sinv_row = expand_dims(safe_reciprocal(sv, s), -2, s);
  array du = matmul(uk, om_u, s), dv = matmul(vk, om_v, s);
  if (M > K) {
    array uc = cols_from(usv[0], K, s);
    array c = multiply(matmul(matmul(mT(uc, s), da, s), vk, s), sinv_row, s);
    du = concatenate(
        {add(du, matmul(uc, c, s), s), negative(matmul(uk, mT(c, s), s), s)},
        -1, s);
  }
  if (N > K) {
    array vc = cols_from(mT(usv[2], s), K, s);
    array d =
        multiply(matmul(matmul(mT(vc, s), mT(da, s), s), uk, s), sinv_row, s);
    dv = concatenate(
        {add(dv, matmul(vc, d, s), s), negative(matmul(vk, mT(d, s), s), s)},
        -1, s);
  }
  return {du, ds, mT(dv, s)};
}

std::pair<std::vector<array>, std::vector<int>> SVD::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto outs =
      linalg::svd(front(inputs[0], axes[0], stream()), compute_uv_, stream());
  return {outs, std::vector<int>(outs.size(), 0)};
}

// ---- Inverse ----

std::vector<array> Inverse::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>&,
                                const std::vector<array>& outputs) {
  auto s = stream();
  const array& x = outputs[0];
  array g =
      negative(matmul(matmul(mT(x, s), cotangents[0], s), mT(x, s), s), s);
  if (tri_) g = upper_ ? triu(g, 0, s) : tril(g, 0, s);
  return {g};
}

std::vector<array> Inverse::jvp(const std::vector<array>& primals,
                                const std::vector<array>& tangents,
                                const std::vector<int>&) {
  auto s = stream();
  array x = tri_ ? linalg::tri_inv(primals[0], upper_, s)
                 : linalg::inv(primals[0], s);
  array t = tangents[0];
  if (tri_) t = upper_ ? triu(t, 0, s) : tril(t, 0, s);
  return {negative(matmul(matmul(x, t, s), x, s), s)};
}

std::pair<std::vector<array>, std::vector<int>> Inverse::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = front(inputs[0], axes[0], stream());
  return {
      {tri_ ? linalg::tri_inv(x, upper_, stream()) : linalg::inv(x, stream())},
      {0}};
}

// ---- Cholesky ----

std::vector<array> Cholesky::vjp(const std::vector<array>&,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>&,
                                 const std::vector<array>& outputs) {
  auto s = stream();
  // a = L Lᵀ: gA = sym(L⁻ᵀ Φ(Lᵀ gL) L⁻¹); the upper factor is U = Lᵀ.
  array l = upper_ ? mT(outputs[0], s) : outputs[0];
  array g = upper_ ? mT(cotangents[0], s) : cotangents[0];
  array p = phi(matmul(mT(l, s), g, s), s);
  array y = solve_tri(mT(l, s), p, true, s);
  array z = mT(solve_tri(mT(l, s), mT(y, s), true, s), s);
  return {sym(z, s)};
}

std::vector<array> Cholesky::jvp(const std::vector<array>& primals,
                                 const std::vector<array>& tangents,
                                 const std::vector<int>&) {
  auto s = stream();
  array c = linalg::cholesky(primals[0], upper_, s);
  array l = upper_ ? mT(c, s) : c;
  // dL = L Φ(L⁻¹ sym(dA) L⁻ᵀ).
  array z1 = solve_tri(l, sym(tangents[0], s), false, s);
  array z = mT(solve_tri(l, mT(z1, s), false, s), s);
  array dl = matmul(l, phi(z, s), s);
  return {upper_ ? mT(dl, s) : dl};
}

std::pair<std::vector<array>, std::vector<int>> Cholesky::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {
      {linalg::cholesky(front(inputs[0], axes[0], stream()), upper_, stream())},
      {0}};
}

// ---- Eig ----

std::pair<std::vector<array>, std::vector<int>> Eig::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = front(inputs[0], axes[0], stream());
  if (!vectors_) return {{linalg::eigvals(x, stream())}, {0}};
  auto [w, v] = linalg::eig(x, stream());
  return {{w, v}, {0, 0}};
}

// ---- Eigh ----

std::vector<array> Eigh::vjp(const std::vector<array>& primals,
                             const std::vector<array>& cotangents,
                             const std::vector<int>&,
                             const std::vector<array>& outputs) {
  auto s = stream();
  require_real(primals[0], "Eigh", "vjp");
  // gA = sym(V (diag(gw) + F ∘ (Vᵀ gV)) Vᵀ), F[i, j] = 1 / (w[j] - w[i]).
  array w = outputs[0];
  array v = vectors_
                ? outputs[1]
                : linalg::eigh(primals[0], std::string(1, uplo_), s).second;
  array inner = diag_of(cotangents[0], s);
  if (vectors_) {
    array f = gap_inverse(w, s);
    inner = add(inner, multiply(f, matmul(mT(v, s), cotangents[1], s), s), s);
  }
  return {sym(matmul(matmul(v, inner, s), mT(v, s), s), s)};
}

std::vector<array> Eigh::jvp(const std::vector<array>& primals,
                             const std::vector<array>& tangents,
                             const std::vector<int>&) {
  auto s = stream();
  require_real(primals[0], "Eigh", "jvp");
  auto [w, v] = linalg::eigh(primals[0], std::string(1, uplo_), s);
  array p = matmul(matmul(mT(v, s), sym(tangents[0], s), s), v, s);
  array dw = diagonal(p, 0, -2, -1, s);
  if (!vectors_) return {dw};
  return {dw, matmul(v, multiply(gap_inverse(w, s), p, s), s)};
}

std::pair<std::vector<array>, std::vector<int>> Eigh::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = front(inputs[0], axes[0], stream());
  std::string uplo(1, uplo_);
  if (!vectors_) return {{linalg::eigvalsh(x, uplo, stream())}, {0}};
  auto [w, v] = linalg::eigh(x, uplo, stream());
  return {{w, v}, {0, 0}};
}

// ---- LUF ----

std::pair<std::vector<array>, std::vector<int>> LUF::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = front(inputs[0], axes[0], stream());
  int M = x.shape(-2), N = x.shape(-1), K = std::min(M, N);
  Shape b(x.shape().begin(), x.shape().end() - 2);
  Shape piv = b, perm = b;
  piv.push_back(K);
  perm.push_back(M);
  auto outs =
      array::make_arrays({x.shape(), piv, perm}, {x.dtype(), uint32, uint32},
                         std::make_shared<LUF>(stream()), {x});
  return {outs, {0, 0, 0}};
}

// ---- Solve / SolveTriangular ----

std::vector<array> Solve::vjp(const std::vector<array>& primals,
                              const std::vector<array>& cotangents,
                              const std::vector<int>& argnums,
                              const std::vector<array>& outputs) {
  auto s = stream();
  // x = a⁻¹ b: gb = a⁻ᵀ g, ga = -gb xᵀ.
  array gb(cotangents[0].shape(), cotangents[0].dtype(),
           std::make_shared<Solve>(s), {mT(primals[0], s), cotangents[0]});
  std::vector<array> out;
  for (int a : argnums) {
    out.push_back(a == 0 ? negative(matmul(gb, mT(outputs[0], s), s), s) : gb);
  }
  return out;
}

std::vector<array> Solve::jvp(const std::vector<array>& primals,
                              const std::vector<array>& tangents,
                              const std::vector<int>& argnums) {
  auto s = stream();
  array x(primals[1].shape(), primals[1].dtype(), std::make_shared<Solve>(s),
          primals);
  // dx = a⁻¹ (db - da x).
  array rhs = zeros_like(x, s);
  for (size_t i = 0; i < argnums.size(); ++i) {
    rhs = argnums[i] == 0 ? subtract(rhs, matmul(tangents[i], x, s), s)
                          : add(rhs, tangents[i], s);
  }
  return {array(x.shape(), x.dtype(), std::make_shared<Solve>(s),
                {primals[0], rhs})};
}

std::pair<std::vector<array>, std::vector<int>> Solve::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto [a, b] = front2(inputs, axes, stream());
  return {
      {array(b.shape(), b.dtype(), std::make_shared<Solve>(stream()), {a, b})},
      {0}};
}

std::vector<array> SolveTriangular::vjp(const std::vector<array>& primals,
                                        const std::vector<array>& cotangents,
                                        const std::vector<int>& argnums,
                                        const std::vector<array>& outputs) {
  auto s = stream();
  array gb = solve_tri(mT(primals[0], s), cotangents[0], !upper_, s);
  std::vector<array> out;
  for (int a : argnums) {
    if (a == 0) {
      array ga = negative(matmul(gb, mT(outputs[0], s), s), s);
      out.push_back(upper_ ? triu(ga, 0, s) : tril(ga, 0, s));
    } else {
      out.push_back(gb);
    }
  }
  return out;
}

std::vector<array> SolveTriangular::jvp(const std::vector<array>& primals,
                                        const std::vector<array>& tangents,
                                        const std::vector<int>& argnums) {
  auto s = stream();
  array x = solve_tri(primals[0], primals[1], upper_, s);
  array rhs = zeros_like(x, s);
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 0) {
      array da = upper_ ? triu(tangents[i], 0, s) : tril(tangents[i], 0, s);
      rhs = subtract(rhs, matmul(da, x, s), s);
    } else {
      rhs = add(rhs, tangents[i], s);
    }
  }
  return {solve_tri(primals[0], rhs, upper_, s)};
}

std::pair<std::vector<array>, std::vector<int>> SolveTriangular::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto [a, b] = front2(inputs, axes, stream());
  return {{solve_tri(a, b, upper_, stream())}, {0}};
}

}  // namespace ember
