// Derivatives and batching rules of elementwise binary primitives.
#include "ember/primitives/binary.h"

#include "ember/ops/binary.h"
#include "ember/ops/unary.h"

namespace ember {

namespace {
// Sums jvp contributions of the differentiated inputs.
array sum_tangents(const std::vector<array>& parts, Stream s) {
  array t = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) t = add(t, parts[i], s);
  return t;
}
}  // namespace

std::vector<array> Add::vjp(const std::vector<array>&,
                            const std::vector<array>& cotangents,
                            const std::vector<int>& argnums,
                            const std::vector<array>&) {
  return std::vector<array>(argnums.size(), cotangents[0]);
}
std::vector<array> Add::jvp(const std::vector<array>&,
                            const std::vector<array>& tangents,
                            const std::vector<int>&) {
  return {sum_tangents(tangents, stream())};
}

std::vector<array> Subtract::vjp(const std::vector<array>&,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums,
                                 const std::vector<array>&) {
  std::vector<array> out;
  for (int a : argnums) {
    out.push_back(a == 0 ? cotangents[0] : negative(cotangents[0], stream()));
  }
  return out;
}
std::vector<array> Subtract::jvp(const std::vector<array>&,
                                 const std::vector<array>& tangents,
                                 const std::vector<int>& argnums) {
  std::vector<array> parts;
  for (size_t i = 0; i < argnums.size(); ++i) {
    parts.push_back(argnums[i] == 0 ? tangents[i] : negative(tangents[i], stream()));
  }
  return {sum_tangents(parts, stream())};
}

std::vector<array> Multiply::vjp(const std::vector<array>& primals,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums,
                                 const std::vector<array>&) {
  std::vector<array> out;
  for (int a : argnums) {
    out.push_back(multiply(cotangents[0], primals[1 - a], stream()));
  }
  return out;
}
std::vector<array> Multiply::jvp(const std::vector<array>& primals,
                                 const std::vector<array>& tangents,
                                 const std::vector<int>& argnums) {
  std::vector<array> parts;
  for (size_t i = 0; i < argnums.size(); ++i) {
    parts.push_back(multiply(tangents[i], primals[1 - argnums[i]], stream()));
  }
  return {sum_tangents(parts, stream())};
}

std::vector<array> Divide::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums,
                               const std::vector<array>&) {
  std::vector<array> out;
  auto s = stream();
  for (int a : argnums) {
    if (a == 0) {
      out.push_back(divide(cotangents[0], primals[1], s));
    } else {
      // d(x/y)/dy = -x / y^2
      out.push_back(negative(
          divide(multiply(cotangents[0], primals[0], s),
                 multiply(primals[1], primals[1], s), s),
          s));
    }
  }
  return out;
}
std::vector<array> Divide::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  std::vector<array> parts;
  for (size_t i = 0; i < argnums.size(); ++i) {
    parts.push_back(vjp(primals, {tangents[i]}, {argnums[i]}, {})[0]);
  }
  return {sum_tangents(parts, stream())};
}

}  // namespace ember
