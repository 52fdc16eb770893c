// Derivatives and batching rules of the matrix product primitives.
#include "ember/primitives/matmul.h"

#include "ember/ops/binary.h"
#include "ember/ops/linalg.h"
#include "ember/ops/shape.h"
#include "ember/primitives/shape.h"

namespace ember {

namespace {

array mT(const array& x, Stream s) { return swapaxes(x, -1, -2, s); }

// Whether x is a view swapping the last two axes of another array (W.T in a
// Linear). Its cotangent is then computed as the transpose of the swapped
// product, so that the transpose's own vjp hands the original array a
// contiguous gradient (elementwise consumers such as the optimizer then take
// their dense paths) for the same single GEMM.
bool swaps_last_two(const array& x) {
  if (x.ndim() < 2 || !x.has_primitive()) return false;
  auto* t = dynamic_cast<const Transpose*>(&x.primitive());
  if (t == nullptr) return false;
  auto& ax = t->axes();
  int n = int(ax.size());
  for (int i = 0; i < n - 2; ++i) {
    if (ax[i] != i) return false;
  }
  return ax[n - 2] == n - 1 && ax[n - 1] == n - 2;
}

// Cotangents of a and b in a @ b, given the product's cotangent.
array cot_a(const array& a, const array& b, const array& cot, Stream s) {
  return swaps_last_two(a) ? mT(matmul(b, mT(cot, s), s), s)
                           : matmul(cot, mT(b, s), s);
}
array cot_b(const array& a, const array& b, const array& cot, Stream s) {
  return swaps_last_two(b) ? mT(matmul(mT(cot, s), a, s), s)
                           : matmul(mT(a, s), cot, s);
}

array scale(const array& x, float v, Stream s) {
  if (v == 1.0f) return x;
  return multiply(x, array(v, x.dtype()), s);
}

// Moves each input's vmapped axis to the front; unbatched inputs get a unit
// leading axis so that batch dims broadcast in the product.
std::vector<array> batch_front(const std::vector<array>& inputs,
                               const std::vector<int>& axes, Stream s) {
  std::vector<array> out;
  for (size_t i = 0; i < inputs.size(); ++i) {
    out.push_back(axes[i] < 0 ? expand_dims(inputs[i], 0, s)
                              : moveaxis(inputs[i], axes[i], 0, s));
  }
  return out;
}

}  // namespace

std::vector<array> Matmul::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums,
                               const std::vector<array>&) {
  auto s = stream();
  std::vector<array> out;
  for (int a : argnums) {
    out.push_back(a == 0 ? cot_a(primals[0], primals[1], cotangents[0], s)
                         : cot_b(primals[0], primals[1], cotangents[0], s));
  }
  return out;
}

std::vector<array> Matmul::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  auto s = stream();
  std::vector<array> parts;
  for (size_t i = 0; i < argnums.size(); ++i) {
    parts.push_back(argnums[i] == 0 ? matmul(tangents[i], primals[1], s)
                                    : matmul(primals[0], tangents[i], s));
  }
  array t = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) t = add(t, parts[i], s);
  return {t};
}

std::pair<std::vector<array>, std::vector<int>> Matmul::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  auto in = batch_front(inputs, axes, s);
  return {{matmul(in[0], in[1], s)}, {0}};
}

std::vector<array> AddMM::vjp(const std::vector<array>& primals,
                              const std::vector<array>& cotangents,
                              const std::vector<int>& argnums,
                              const std::vector<array>&) {
  auto s = stream();
  auto& cot = cotangents[0];
  std::vector<array> out;
  for (int a : argnums) {
    if (a == 0) {
      out.push_back(scale(cot_a(primals[0], primals[1], cot, s), alpha_, s));
    } else if (a == 1) {
      out.push_back(scale(cot_b(primals[0], primals[1], cot, s), alpha_, s));
    } else {
      out.push_back(scale(cot, beta_, s));
    }
  }
  return out;
}

std::vector<array> AddMM::jvp(const std::vector<array>& primals,
                              const std::vector<array>& tangents,
                              const std::vector<int>& argnums) {
  auto s = stream();
  std::vector<array> parts;
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 0) {
      parts.push_back(scale(matmul(tangents[i], primals[1], s), alpha_, s));
    } else if (argnums[i] == 1) {
      parts.push_back(scale(matmul(primals[0], tangents[i], s), alpha_, s));
    } else {
      parts.push_back(scale(tangents[i], beta_, s));
    }
  }
  array t = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) t = add(t, parts[i], s);
  return {t};
}

std::pair<std::vector<array>, std::vector<int>> AddMM::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  auto in = batch_front(inputs, axes, s);
  if (axes[0] < 0 && axes[1] < 0 && axes[2] >= 0) {
    // Only c is batched: give the product the batch size so c fits it.
    Shape sh = in[0].shape();
    sh[0] = in[2].shape(0);
    in[0] = broadcast_to(in[0], sh, s);
  }
  return {{addmm(in[2], in[0], in[1], alpha_, beta_, s)}, {0}};
}

}  // namespace ember
