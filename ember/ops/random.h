// ember.core.random (spec/submodules.md §1): Threefry-2x32 keys, an implicit
// per-thread key sequence, and samplers composed from the RandomBits
// primitive. Passing a key makes a call deterministic.
#pragma once

#include <optional>

#include "ember/core/array.h"

namespace ember::random {

/// Key of a seed: uint32 [seed >> 32, seed & 0xFFFFFFFF], shape (2,).
array key(uint64_t seed);
/// Resets the calling thread's implicit key state to key(seed).
void seed(uint64_t seed);
/// `num` new keys from `key`, shape (num, 2).
array split(const array& key, int num, StreamOrDevice s = {});
/// Two new keys from `key`.
std::pair<array, array> split(const array& key, StreamOrDevice s = {});
/// Next implicit key: (state, sub) = split(state); returns sub.
array next_key();
/// The calling thread's implicit key (created from the process start time on
/// first use), without advancing it.
array get_state();
/// Replaces the calling thread's implicit key (uint32, shape (2,)).
void set_state(const array& key);
/// Forgets the calling thread's implicit key; the next draw starts again from
/// the process-start key.
void reset_state();

/// Raw random bits of `shape` as uint32/uint16/uint8 (width 4/2/1).
array bits(const Shape& shape, int width = 4,
           const std::optional<array>& key = std::nullopt,
           StreamOrDevice s = {});
array bits(const Shape& shape, const std::optional<array>& key,
           StreamOrDevice s = {});

/// Uniform samples in [low, high) of exactly `shape`; low/high broadcast to
/// it. dtype: float32, float16 or bfloat16.
array uniform(const array& low, const array& high, const Shape& shape,
              Dtype dtype = float32,
              const std::optional<array>& key = std::nullopt,
              StreamOrDevice s = {});
/// Uniform samples in [0, 1).
array uniform(const Shape& shape, Dtype dtype = float32,
              const std::optional<array>& key = std::nullopt,
              StreamOrDevice s = {});

/// Normal samples with mean `loc` and standard deviation `scale`; complex64
/// gives real and imaginary parts each N(0, 1/2) (before scale/loc).
array normal(const Shape& shape, Dtype dtype,
             const std::optional<array>& loc, const std::optional<array>& scale,
             const std::optional<array>& key = std::nullopt,
             StreamOrDevice s = {});
array normal(const Shape& shape = {}, Dtype dtype = float32,
             const std::optional<array>& key = std::nullopt,
             StreamOrDevice s = {});

/// Samples of N(mean, cov); output broadcast(shape, batch) + (n,), float32.
array multivariate_normal(const array& mean, const array& cov,
                          const Shape& shape = {}, Dtype dtype = float32,
                          const std::optional<array>& key = std::nullopt,
                          StreamOrDevice s = {});

/// Integers in [low, high) of `shape` (integer or bool dtype).
array randint(const array& low, const array& high, const Shape& shape,
              Dtype dtype = int32, const std::optional<array>& key = std::nullopt,
              StreamOrDevice s = {});

/// Bool samples that are True with probability p (floating scalar/array).
array bernoulli(const array& p, const Shape& shape,
                const std::optional<array>& key = std::nullopt,
                StreamOrDevice s = {});
/// Shape defaults to p.shape.
array bernoulli(const array& p, const std::optional<array>& key = std::nullopt,
                StreamOrDevice s = {});
/// p = 0.5, shape ().
array bernoulli(const std::optional<array>& key = std::nullopt,
                StreamOrDevice s = {});

/// Normal samples restricted to (lower, upper); shape defaults to
/// broadcast(lower, upper).
array truncated_normal(const array& lower, const array& upper,
                       const std::optional<Shape>& shape = std::nullopt,
                       Dtype dtype = float32,
                       const std::optional<array>& key = std::nullopt,
                       StreamOrDevice s = {});

/// Standard Gumbel samples: -log(-log(uniform)).
array gumbel(const Shape& shape = {}, Dtype dtype = float32,
             const std::optional<array>& key = std::nullopt,
             StreamOrDevice s = {});

/// Indices (uint32) sampled from unnormalised `logits` along `axis`; the
/// result has `shape` (broadcast with logits.shape without axis).
array categorical(const array& logits, int axis, const Shape& shape,
                  const std::optional<array>& key = std::nullopt,
                  StreamOrDevice s = {});
/// `num_samples` draws per distribution (appended as a trailing axis).
array categorical(const array& logits, int axis, int num_samples,
                  const std::optional<array>& key = std::nullopt,
                  StreamOrDevice s = {});
/// One draw per distribution.
array categorical(const array& logits, int axis = -1,
                  const std::optional<array>& key = std::nullopt,
                  StreamOrDevice s = {});

/// Laplace samples with location `loc` and scale `scale`.
array laplace(const Shape& shape = {}, Dtype dtype = float32, float loc = 0.0f,
              float scale = 1.0f, const std::optional<array>& key = std::nullopt,
              StreamOrDevice s = {});

/// A random ordering of arange(x) as uint32.
array permutation(int x, const std::optional<array>& key = std::nullopt,
                  StreamOrDevice s = {});
/// `x` shuffled along `axis`.
array permutation(const array& x, int axis = 0,
                  const std::optional<array>& key = std::nullopt,
                  StreamOrDevice s = {});

}  // namespace ember::random
