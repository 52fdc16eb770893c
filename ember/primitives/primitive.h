// The Primitive base class: what a graph node computes, on which stream, and
// how it transforms (vjp, jvp, vmap). Backends define eval_cpu / eval_gpu.
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "ember/core/array.h"

namespace ember {

class Primitive {
 public:
  explicit Primitive(Stream stream) : stream_(stream) {}
  virtual ~Primitive() = default;
  Primitive(const Primitive&) = delete;
  Primitive& operator=(const Primitive&) = delete;

  /// Computes `outputs` (already shaped) from evaluated `inputs` on the CPU.
  virtual void eval_cpu(const std::vector<array>& inputs,
                        std::vector<array>& outputs) = 0;
  /// Same on the GPU; a backend without the kernel throws.
  virtual void eval_gpu(const std::vector<array>& inputs,
                        std::vector<array>& outputs) = 0;

  /// Cotangents of the inputs listed in `argnums` given output cotangents.
  virtual std::vector<array> vjp(const std::vector<array>& primals,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums,
                                 const std::vector<array>& outputs);
  /// Output tangents given tangents of the inputs listed in `argnums`.
  virtual std::vector<array> jvp(const std::vector<array>& primals,
                                 const std::vector<array>& tangents,
                                 const std::vector<int>& argnums);
  /// Batched outputs and their batch axes given inputs batched along `axes`
  /// (-1 = not batched).
  virtual std::pair<std::vector<array>, std::vector<int>> vmap(
      const std::vector<array>& inputs, const std::vector<int>& axes);

  /// Output shapes for new input shapes (used by shapeless compile).
  virtual std::vector<Shape> output_shapes(const std::vector<array>& inputs);

  /// Name used in errors, printing and serialization, e.g. "Add".
  virtual const char* name() const = 0;
  /// True if `other` computes the same function (used by compile's CSE).
  virtual bool is_equivalent(const Primitive& other) const { return false; }
  virtual void print(std::ostream& os) { os << name(); }

  const Stream& stream() const { return stream_; }
  Device device() const { return stream_.device; }

 private:
  Stream stream_;
};

/// Base for single-output primitives: backends implement eval_*(inputs, out).
class UnaryPrimitive : public Primitive {
 public:
  using Primitive::Primitive;
  void eval_cpu(const std::vector<array>& inputs,
                std::vector<array>& outputs) final {
    eval_cpu(inputs, outputs[0]);
  }
  void eval_gpu(const std::vector<array>& inputs,
                std::vector<array>& outputs) final {
    eval_gpu(inputs, outputs[0]);
  }
  virtual void eval_cpu(const std::vector<array>& inputs, array& out) = 0;
  virtual void eval_gpu(const std::vector<array>& inputs, array& out) = 0;
};

/// Declares the backend entry points of a single-output primitive.
#define EMBER_DEFINE_EVAL()                                              \
  void eval_cpu(const std::vector<array>& inputs, array& out) override;  \
  void eval_gpu(const std::vector<array>& inputs, array& out) override;

/// Declares the backend entry points of a multi-output primitive.
#define EMBER_DEFINE_EVAL_MULTI()                                     \
  void eval_cpu(const std::vector<array>& inputs,                     \
                std::vector<array>& outputs) override;                \
  void eval_gpu(const std::vector<array>& inputs,                     \
                std::vector<array>& outputs) override;

#define EMBER_DEFINE_NAME(NAME) \
  const char* name() const override { return #NAME; }

/// Declares vjp, jvp and vmap overrides.
#define EMBER_DEFINE_GRADS()                                              \
  std::vector<array> vjp(const std::vector<array>& primals,               \
                         const std::vector<array>& cotangents,            \
                         const std::vector<int>& argnums,                 \
                         const std::vector<array>& outputs) override;     \
  std::vector<array> jvp(const std::vector<array>& primals,               \
                         const std::vector<array>& tangents,              \
                         const std::vector<int>& argnums) override;

#define EMBER_DEFINE_VMAP()                                           \
  std::pair<std::vector<array>, std::vector<int>> vmap(               \
      const std::vector<array>& inputs, const std::vector<int>& axes) \
      override;

}  // namespace ember
