// Matrix factorization and solve primitives (spec/submodules.md §2). Each
// works on the last two axes of row-contiguous-or-strided inputs and batches
// over the leading ones; the CPU kernels call LAPACK (backend/cpu/linalg.cpp).
#pragma once

#include "ember/primitives/primitive.h"

namespace ember {

/// Reduced QR of a (..., M, N): outputs Q (..., M, K) and R (..., K, N),
/// K = min(M, N).
class QRF : public Primitive {
 public:
  explicit QRF(Stream s) : Primitive(s) {}
  EMBER_DEFINE_EVAL_MULTI()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(QRF)
  bool is_equivalent(const Primitive&) const override { return true; }
};

/// Singular values S (..., K) of a (..., M, N), and with compute_uv the full
/// U (..., M, M) and Vt (..., N, N) first: outputs (U, S, Vt) or (S).
class SVD : public Primitive {
 public:
  SVD(Stream s, bool compute_uv) : Primitive(s), compute_uv_(compute_uv) {}
  EMBER_DEFINE_EVAL_MULTI()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(SVD)
  bool is_equivalent(const Primitive& o) const override {
    return compute_uv_ == static_cast<const SVD&>(o).compute_uv_;
  }
  bool compute_uv() const { return compute_uv_; }

 private:
  bool compute_uv_;
};

/// Inverse of square matrices; with `tri`, of the lower (or `upper`)
/// triangle only, the other triangle of the output being zero.
class Inverse : public UnaryPrimitive {
 public:
  Inverse(Stream s, bool tri, bool upper)
      : UnaryPrimitive(s), tri_(tri), upper_(upper) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Inverse)
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const Inverse&>(o);
    return tri_ == r.tri_ && upper_ == r.upper_;
  }
  bool tri() const { return tri_; }
  bool upper() const { return upper_; }

 private:
  bool tri_;
  bool upper_;
};

/// Cholesky factor L (L Lᵀ = a) or U (Uᵀ U = a) reading only that triangle
/// of a; the other triangle of the output is zero.
class Cholesky : public UnaryPrimitive {
 public:
  Cholesky(Stream s, bool upper) : UnaryPrimitive(s), upper_(upper) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Cholesky)
  bool is_equivalent(const Primitive& o) const override {
    return upper_ == static_cast<const Cholesky&>(o).upper_;
  }
  bool upper() const { return upper_; }

 private:
  bool upper_;
};

/// Eigenvalues w (..., N) of general square matrices, complex64, and with
/// vectors the unit-norm eigenvectors as columns of v (..., N, N).
class Eig : public Primitive {
 public:
  Eig(Stream s, bool compute_eigenvectors)
      : Primitive(s), vectors_(compute_eigenvectors) {}
  EMBER_DEFINE_EVAL_MULTI()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Eig)
  bool is_equivalent(const Primitive& o) const override {
    return vectors_ == static_cast<const Eig&>(o).vectors_;
  }
  bool compute_eigenvectors() const { return vectors_; }

 private:
  bool vectors_;
};

/// Ascending real eigenvalues w (..., N) of symmetric / Hermitian matrices
/// (reading the `uplo` 'L' or 'U' triangle), and with vectors v (..., N, N).
class Eigh : public Primitive {
 public:
  Eigh(Stream s, char uplo, bool compute_eigenvectors)
      : Primitive(s), uplo_(uplo), vectors_(compute_eigenvectors) {}
  EMBER_DEFINE_EVAL_MULTI()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Eigh)
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const Eigh&>(o);
    return uplo_ == r.uplo_ && vectors_ == r.vectors_;
  }
  char uplo() const { return uplo_; }
  bool compute_eigenvectors() const { return vectors_; }

 private:
  char uplo_;
  bool vectors_;
};

/// LU factorization with partial pivoting of a (..., M, N): outputs the
/// compact LU (..., M, N), 0-based LAPACK pivots (..., K) (uint32) and the
/// row permutation P (..., M) (uint32) with a = L[P] @ U.
class LUF : public Primitive {
 public:
  explicit LUF(Stream s) : Primitive(s) {}
  EMBER_DEFINE_EVAL_MULTI()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(LUF)
  bool is_equivalent(const Primitive&) const override { return true; }
};

/// x = a⁻¹ b for square a (..., N, N) and b (..., N, R) with equal batch
/// dims; singular a raises at eval.
class Solve : public UnaryPrimitive {
 public:
  explicit Solve(Stream s) : UnaryPrimitive(s) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Solve)
  bool is_equivalent(const Primitive&) const override { return true; }
};

/// x = a⁻¹ b reading only the lower (or `upper`) triangle of a.
class SolveTriangular : public UnaryPrimitive {
 public:
  SolveTriangular(Stream s, bool upper) : UnaryPrimitive(s), upper_(upper) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(SolveTriangular)
  bool is_equivalent(const Primitive& o) const override {
    return upper_ == static_cast<const SolveTriangular&>(o).upper_;
  }
  bool upper() const { return upper_; }

 private:
  bool upper_;
};

}  // namespace ember
