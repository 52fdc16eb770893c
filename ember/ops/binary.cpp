#include "ember/ops/binary.h"

#include "ember/ops/copy.h"
#include "ember/ops/shape.h"
#include "ember/ops/unary.h"
#include "ember/ops/utils.h"
#include "ember/primitives/binary.h"

namespace ember {

namespace detail {
std::pair<array, array> binary_operands(const array& a, const array& b,
                                        Dtype dtype, Stream s) {
  Shape shape = broadcast_shapes(a.shape(), b.shape());
  return {broadcast_to(astype(a, dtype, s), shape, s),
          broadcast_to(astype(b, dtype, s), shape, s)};
}
}  // namespace detail

namespace {
template <typename P>
array make_binary(const array& a, const array& b, Dtype dtype, StreamOrDevice s) {
  auto st = to_stream(s);
  auto [x, y] = detail::binary_operands(a, b, dtype, st);
  auto shape = x.shape();
  return array(std::move(shape), dtype, std::make_shared<P>(st),
               {std::move(x), std::move(y)});
}
}  // namespace

array add(const array& a, const array& b, StreamOrDevice s) {
  return make_binary<Add>(a, b, promote_types(a.dtype(), b.dtype()), s);
}
array subtract(const array& a, const array& b, StreamOrDevice s) {
  return make_binary<Subtract>(a, b, promote_types(a.dtype(), b.dtype()), s);
}
array multiply(const array& a, const array& b, StreamOrDevice s) {
  return make_binary<Multiply>(a, b, promote_types(a.dtype(), b.dtype()), s);
}
array divide(const array& a, const array& b, StreamOrDevice s) {
  return make_binary<Divide>(
      a, b, at_least_float(promote_types(a.dtype(), b.dtype())), s);
}

array operator+(const array& a, const array& b) { return add(a, b); }
array operator-(const array& a, const array& b) { return subtract(a, b); }
array operator*(const array& a, const array& b) { return multiply(a, b); }
array operator/(const array& a, const array& b) { return divide(a, b); }
array operator-(const array& a) { return negative(a); }

}  // namespace ember
