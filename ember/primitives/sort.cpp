// Derivatives and batching rules of the sorting primitives: values move
// with their indices, so cotangents scatter back through the argsort /
// argpartition permutation; index outputs have zero derivatives.
#include "ember/primitives/sort.h"

#include <stdexcept>

#include "ember/ops/creation.h"
#include "ember/ops/indexing.h"
#include "ember/ops/shape.h"

namespace ember {

namespace {
int shifted(int axis, int b) { return (b >= 0 && axis >= b) ? axis + 1 : axis; }

template <typename P>
std::pair<std::vector<array>, std::vector<int>> vmap_sort(
    const array& x, int axis, int kth, int b, Dtype dtype, Stream s) {
  int ax = shifted(axis, b);
  return {{array(x.shape(), dtype, std::make_shared<P>(s, ax, kth), {x})}, {b}};
}
}  // namespace

#define EMBER_VALUE_SORT_RULES(NAME, INDEX)                                    \
  std::vector<array> NAME::vjp(const std::vector<array>& primals,              \
                               const std::vector<array>& cotangents,           \
                               const std::vector<int>&,                        \
                               const std::vector<array>&) {                    \
    auto s = stream();                                                         \
    const array& x = primals[0];                                               \
    array idx(x.shape(), uint32, std::make_shared<INDEX>(s, axis_, kth_), {x}); \
    return {put_along_axis(zeros_like(x, s), idx, cotangents[0], axis_, s)};   \
  }                                                                            \
  std::vector<array> NAME::jvp(const std::vector<array>& primals,              \
                               const std::vector<array>& tangents,             \
                               const std::vector<int>&) {                      \
    auto s = stream();                                                         \
    const array& x = primals[0];                                               \
    array idx(x.shape(), uint32, std::make_shared<INDEX>(s, axis_, kth_), {x}); \
    return {take_along_axis(tangents[0], idx, axis_, s)};                      \
  }                                                                            \
  std::pair<std::vector<array>, std::vector<int>> NAME::vmap(                  \
      const std::vector<array>& inputs, const std::vector<int>& axes) {        \
    return vmap_sort<NAME>(inputs[0], axis_, kth_, axes[0],                    \
                           inputs[0].dtype(), stream());                       \
  }

#define EMBER_INDEX_SORT_RULES(NAME)                                           \
  std::vector<array> NAME::vjp(const std::vector<array>& primals,              \
                               const std::vector<array>&,                      \
                               const std::vector<int>&,                        \
                               const std::vector<array>&) {                    \
    return {zeros_like(primals[0], stream())};                                 \
  }                                                                            \
  std::vector<array> NAME::jvp(const std::vector<array>& primals,              \
                               const std::vector<array>&,                      \
                               const std::vector<int>&) {                      \
    return {zeros(primals[0].shape(), uint32, stream())};                      \
  }                                                                            \
  std::pair<std::vector<array>, std::vector<int>> NAME::vmap(                  \
      const std::vector<array>& inputs, const std::vector<int>& axes) {        \
    return vmap_sort<NAME>(inputs[0], axis_, kth_, axes[0], uint32, stream()); \
  }

EMBER_VALUE_SORT_RULES(Sort, ArgSort)
EMBER_VALUE_SORT_RULES(Partition, ArgPartition)
EMBER_INDEX_SORT_RULES(ArgSort)
EMBER_INDEX_SORT_RULES(ArgPartition)

std::vector<array> SearchSorted::vjp(const std::vector<array>& primals,
                                     const std::vector<array>&,
                                     const std::vector<int>& argnums,
                                     const std::vector<array>&) {
  std::vector<array> out;
  for (int a : argnums) out.push_back(zeros_like(primals[a], stream()));
  return out;
}

std::vector<array> SearchSorted::jvp(const std::vector<array>& primals,
                                     const std::vector<array>&,
                                     const std::vector<int>&) {
  return {zeros(primals[1].shape(), uint32, stream())};
}

std::pair<std::vector<array>, std::vector<int>> SearchSorted::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  const array& seq = inputs[0];
  const array& v = inputs[1];
  if (axes[0] < 0) {
    auto shape = v.shape();
    return {{array(std::move(shape), uint32,
                   std::make_shared<SearchSorted>(s, right_), {seq, v})},
            {axes[1]}};
  }
  if (seq.ndim() != 2) {
    throw std::invalid_argument(
        "[searchsorted] vmap over nested batched sequences is not supported; "
        "got a sequence of shape " + shape_str(seq.shape()) + ".");
  }
  array sq = moveaxis(seq, axes[0], 0, s);
  auto batch_values = [&]() {
    if (axes[1] >= 0) return moveaxis(v, axes[1], 0, s);
    Shape shape = v.shape();
    shape.insert(shape.begin(), sq.shape(0));
    return broadcast_to(expand_dims(v, 0, s), shape, s);
  };
  array vb = batch_values();
  auto shape = vb.shape();
  return {{array(std::move(shape), uint32,
                 std::make_shared<SearchSorted>(s, right_), {sq, vb})},
          {0}};
}

}  // namespace ember
