#include "ember/ops/unary.h"

#include "ember/ops/copy.h"
#include "ember/ops/utils.h"
#include "ember/primitives/unary.h"

namespace ember {

namespace {
// Builds a unary node whose output dtype is `dtype` (input cast first).
template <typename P>
array make_unary(const array& a, Dtype dtype, StreamOrDevice s) {
  auto st = to_stream(s);
  array in = astype(a, dtype, st);
  auto shape = in.shape();
  return array(std::move(shape), dtype, std::make_shared<P>(st), {std::move(in)});
}
}  // namespace

array negative(const array& a, StreamOrDevice s) {
  if (a.dtype() == bool_) {
    throw std::invalid_argument(
        "[negative] The negative of a boolean array is not supported; got "
        "dtype bool.");
  }
  return make_unary<Negative>(a, a.dtype(), s);
}

array exp(const array& a, StreamOrDevice s) {
  return make_unary<Exp>(a, at_least_float(a.dtype()), s);
}
array log(const array& a, StreamOrDevice s) {
  return make_unary<Log>(a, at_least_float(a.dtype()), s);
}
array sin(const array& a, StreamOrDevice s) {
  return make_unary<Sin>(a, at_least_float(a.dtype()), s);
}
array cos(const array& a, StreamOrDevice s) {
  return make_unary<Cos>(a, at_least_float(a.dtype()), s);
}

}  // namespace ember
