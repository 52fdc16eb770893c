#include "ember/ops/copy.h"

#include "ember/primitives/copy.h"

namespace ember {

array astype(array a, Dtype dtype, StreamOrDevice s) {
  if (a.dtype() == dtype) return a;
  auto shape = a.shape();
  return array(std::move(shape), dtype,
               std::make_shared<AsType>(to_stream(s), dtype), {std::move(a)});
}

array contiguous(const array& a, bool allow_col_major, StreamOrDevice s) {
  auto shape = a.shape();
  return array(std::move(shape), a.dtype(),
               std::make_shared<Copy>(to_stream(s), allow_col_major), {a});
}

array copy(array a, StreamOrDevice s) {
  auto shape = a.shape();
  auto dtype = a.dtype();
  return array(std::move(shape), dtype, std::make_shared<Copy>(to_stream(s)),
               {std::move(a)});
}

}  // namespace ember
