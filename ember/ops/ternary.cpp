#include "ember/ops/ternary.h"

#include "ember/ops/binary.h"
#include "ember/ops/copy.h"
#include "ember/ops/shape.h"
#include "ember/ops/utils.h"
#include "ember/primitives/ternary.h"

namespace ember {

array where(const array& condition, const array& x, const array& y,
            StreamOrDevice s) {
  auto st = to_stream(s);
  Dtype t = promote_types(x.dtype(), y.dtype());
  Shape shape = broadcast_shapes({condition.shape(), x.shape(), y.shape()});
  std::vector<array> inputs = {
      broadcast_to(astype(condition, bool_, st), shape, st),
      broadcast_to(astype(x, t, st), shape, st),
      broadcast_to(astype(y, t, st), shape, st)};
  return array(std::move(shape), t, std::make_shared<Select>(st),
               std::move(inputs));
}

array clip(const array& a, const std::optional<array>& a_min,
           const std::optional<array>& a_max, StreamOrDevice s) {
  if (!a_min && !a_max) {
    throw std::invalid_argument(
        "[clip] At most one of a_min and a_max may be None; got both None.");
  }
  array out = a;
  if (a_min) out = maximum(out, *a_min, s);
  if (a_max) out = minimum(out, *a_max, s);
  return out;
}

}  // namespace ember
