#include "ember/ops/shape.h"

#include <stdexcept>

#include "ember/ops/utils.h"
#include "ember/primitives/shape.h"

namespace ember {

array broadcast_to(const array& a, const Shape& shape, StreamOrDevice s) {
  if (a.shape() == shape) return a;
  Shape bs;
  try {
    bs = broadcast_shapes(a.shape(), shape);
  } catch (const std::invalid_argument&) {
    bs = {};
  }
  if (bs != shape) {
    throw std::invalid_argument("[broadcast_to] Cannot broadcast array of shape " +
                                shape_str(a.shape()) + " to shape " +
                                shape_str(shape) + ".");
  }
  return array(shape, a.dtype(), std::make_shared<Broadcast>(to_stream(s), shape),
               {a});
}

std::vector<array> broadcast_arrays(const std::vector<array>& inputs,
                                    StreamOrDevice s) {
  std::vector<Shape> shapes;
  for (auto& a : inputs) shapes.push_back(a.shape());
  Shape out = broadcast_shapes(shapes);
  std::vector<array> res;
  for (auto& a : inputs) res.push_back(broadcast_to(a, out, s));
  return res;
}

array reshape(const array& a, Shape shape, StreamOrDevice s) {
  int infer = -1;
  size_t size = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) {
        throw std::invalid_argument(
            "[reshape] Can only infer one dimension; got shape " +
            shape_str(shape) + ".");
      }
      infer = int(i);
    } else if (shape[i] < 0) {
      throw std::invalid_argument("[reshape] Invalid negative dimension in " +
                                  shape_str(shape) + ".");
    } else {
      size *= size_t(shape[i]);
    }
  }
  if (infer >= 0) {
    if (size == 0 || a.size() % size != 0) {
      throw std::invalid_argument("[reshape] Cannot reshape array of size " +
                                  std::to_string(a.size()) + " into shape " +
                                  shape_str(shape) + ".");
    }
    shape[infer] = ShapeElem(a.size() / size);
    size = a.size();
  }
  if (size != a.size()) {
    throw std::invalid_argument("[reshape] Cannot reshape array of size " +
                                std::to_string(a.size()) + " into shape " +
                                shape_str(shape) + ".");
  }
  if (shape == a.shape()) return a;
  return array(shape, a.dtype(), std::make_shared<Reshape>(to_stream(s), shape),
               {a});
}

}  // namespace ember
