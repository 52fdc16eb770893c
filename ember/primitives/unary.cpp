// Derivatives and batching rules of elementwise unary primitives.
#include "ember/primitives/unary.h"

#include "ember/ops/binary.h"
#include "ember/ops/unary.h"

namespace ember {

namespace {
// jvp of an elementwise unary op is its vjp applied to the tangent.
#define EMBER_UNARY_JVP(NAME)                                             \
  std::vector<array> NAME::jvp(const std::vector<array>& primals,         \
                               const std::vector<array>& tangents,        \
                               const std::vector<int>& argnums) {         \
    return vjp(primals, tangents, argnums, {});                           \
  }
}  // namespace

std::vector<array> Negative::vjp(const std::vector<array>&,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>&,
                                 const std::vector<array>&) {
  return {negative(cotangents[0], stream())};
}
EMBER_UNARY_JVP(Negative)

std::vector<array> Exp::vjp(const std::vector<array>& primals,
                            const std::vector<array>& cotangents,
                            const std::vector<int>&,
                            const std::vector<array>& outputs) {
  array e = outputs.empty() ? exp(primals[0], stream()) : outputs[0];
  return {multiply(cotangents[0], e, stream())};
}
EMBER_UNARY_JVP(Exp)

std::vector<array> Log::vjp(const std::vector<array>& primals,
                            const std::vector<array>& cotangents,
                            const std::vector<int>&,
                            const std::vector<array>&) {
  return {divide(cotangents[0], primals[0], stream())};
}
EMBER_UNARY_JVP(Log)

std::vector<array> Sin::vjp(const std::vector<array>& primals,
                            const std::vector<array>& cotangents,
                            const std::vector<int>&,
                            const std::vector<array>&) {
  return {multiply(cotangents[0], cos(primals[0], stream()), stream())};
}
EMBER_UNARY_JVP(Sin)

std::vector<array> Cos::vjp(const std::vector<array>& primals,
                            const std::vector<array>& cotangents,
                            const std::vector<int>&,
                            const std::vector<array>&) {
  return {negative(multiply(cotangents[0], sin(primals[0], stream()), stream()),
                   stream())};
}
EMBER_UNARY_JVP(Cos)

}  // namespace ember
