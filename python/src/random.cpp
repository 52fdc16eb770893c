// ember.core.random (spec/submodules.md §1).
#include "ember/ops/random.h"

#include "utils.h"

namespace ember::py {

namespace {
std::optional<array> opt_key(nb::handle k) {
  if (k.is_none()) return std::nullopt;
  return to_array(k);
}
std::optional<array> opt_arr(nb::handle k) {
  if (k.is_none()) return std::nullopt;
  return to_array(k);
}
Shape shape_or_empty(nb::handle s) {
  return s.is_none() ? Shape{} : to_shape(s, "random");
}
}  // namespace

void init_random(nb::module_& parent) {
  auto m = parent.def_submodule("random", "Random number generation (Threefry keys).");
  m.def("key", [](uint64_t seed) { return random::key(seed); }, "seed"_a,
        R"(A PRNG key from a seed: uint32 array of shape (2,).

Args:
    seed (int): The seed.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.random.key(0).shape
    (2,))");
  m.def("seed", [](uint64_t seed) { random::seed(seed); }, "seed"_a,
        R"(Seeds the implicit PRNG state of this thread.

Args:
    seed (int): The seed.

Example:
    >>> import ember.core as mx
    >>> mx.random.seed(42))");
  m.def("split", [](nb::handle key, int num, StreamOrDevice s) {
          return random::split(to_array(key), num, s);
        }, "key"_a, "num"_a = 2, "stream"_a = nb::none(),
        R"(Splits a key into ``num`` new keys, shape (num, 2).

Args:
    key (array): The key.
    num (int): Number of keys.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.random.split(mx.random.key(0)).shape
    (2, 2))");
  m.def("uniform",
        [](nb::handle low, nb::handle high, nb::handle shape, Dtype dtype, nb::handle key,
           StreamOrDevice s) {
          auto lo = to_array_weak(low, dtype, "uniform");
          auto hi = to_array_weak(high, dtype, "uniform");
          return random::uniform(lo, hi, shape_or_empty(shape), dtype, opt_key(key), s);
        },
        "low"_a = 0, "high"_a = 1, "shape"_a = nb::list(), "dtype"_a = Dtype::float32,
        "key"_a = nb::none(), "stream"_a = nb::none(),
        R"(Uniform samples in [low, high).

Args:
    low (scalar | array): Lower bound.
    high (scalar | array): Upper bound.
    shape (list[int]): Output shape.
    dtype (Dtype): float32, float16 or bfloat16.
    key (array | None): PRNG key (implicit state if None).

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.random.uniform(shape=(2,), key=mx.random.key(0)).shape
    (2,))");
  m.def("normal",
        [](nb::handle shape, Dtype dtype, nb::handle loc, nb::handle scale, nb::handle key,
           StreamOrDevice s) {
          return random::normal(shape_or_empty(shape), dtype, opt_arr(loc), opt_arr(scale),
                                opt_key(key), s);
        },
        "shape"_a = nb::list(), "dtype"_a = Dtype::float32, "loc"_a = nb::none(),
        "scale"_a = nb::none(), "key"_a = nb::none(), "stream"_a = nb::none(),
        R"(Normal samples.

Args:
    shape (list[int]): Output shape.
    dtype (Dtype): Floating or complex64.
    loc (scalar | array | None): Mean.
    scale (scalar | array | None): Standard deviation.
    key (array | None): PRNG key.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.random.normal((3,)).shape
    (3,))");
  m.def("multivariate_normal",
        [](nb::handle mean, nb::handle cov, nb::handle shape, Dtype dtype, nb::handle key,
           StreamOrDevice s) {
          return random::multivariate_normal(to_array(mean), to_array(cov), shape_or_empty(shape),
                                             dtype, opt_key(key), s);
        },
        "mean"_a, "cov"_a, "shape"_a = nb::list(), "dtype"_a = Dtype::float32,
        "key"_a = nb::none(), "stream"_a = nb::none(),
        R"(Samples of a multivariate normal distribution.

Args:
    mean (array): (..., n) means.
    cov (array): (..., n, n) covariances.
    shape (list[int]): Batch shape.
    dtype (Dtype): float32.
    key (array | None): PRNG key.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.random.multivariate_normal(mx.zeros(2), mx.eye(2), (3,)).shape
    (3, 2))");
  m.def("randint",
        [](nb::handle low, nb::handle high, nb::handle shape, Dtype dtype, nb::handle key,
           StreamOrDevice s) {
          return random::randint(to_array(low), to_array(high), shape_or_empty(shape), dtype,
                                 opt_key(key), s);
        },
        "low"_a, "high"_a, "shape"_a = nb::list(), "dtype"_a = Dtype::int32,
        "key"_a = nb::none(), "stream"_a = nb::none(),
        R"(Random integers in [low, high).

Args:
    low (scalar | array): Lower bound.
    high (scalar | array): Upper bound (exclusive).
    shape (list[int]): Output shape.
    dtype (Dtype): Integer dtype.
    key (array | None): PRNG key.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.random.randint(0, 10, (4,)).dtype
    ember.core.int32)");
  m.def("bernoulli",
        [](nb::handle p, nb::handle shape, nb::handle key, StreamOrDevice s) {
          array pa = to_array(p);
          if (!is_floating_point(pa.dtype())) {
            throw std::invalid_argument(
                std::string("[bernoulli] p must be a floating point scalar or array; got ") +
                dtype_name(pa.dtype()) + ".");
          }
          if (shape.is_none()) return random::bernoulli(pa, opt_key(key), s);
          return random::bernoulli(pa, to_shape(shape, "bernoulli"), opt_key(key), s);
        },
        "p"_a = 0.5, "shape"_a = nb::none(), "key"_a = nb::none(), "stream"_a = nb::none(),
        R"(Bool samples that are True with probability p.

Args:
    p (float | array): Probability.
    shape (list[int] | None): Output shape (p.shape if None).
    key (array | None): PRNG key.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.random.bernoulli(0.5, (3,)).dtype
    ember.core.bool)");
  m.def("truncated_normal",
        [](nb::handle lower, nb::handle upper, nb::handle shape, Dtype dtype, nb::handle key,
           StreamOrDevice s) {
          std::optional<Shape> sh;
          if (!shape.is_none()) sh = to_shape(shape, "truncated_normal");
          return random::truncated_normal(to_array(lower), to_array(upper), sh, dtype,
                                          opt_key(key), s);
        },
        "lower"_a, "upper"_a, "shape"_a = nb::none(), "dtype"_a = Dtype::float32,
        "key"_a = nb::none(), "stream"_a = nb::none(),
        R"(Normal samples truncated to (lower, upper).

Args:
    lower (scalar | array): Lower bound.
    upper (scalar | array): Upper bound.
    shape (list[int] | None): Output shape.
    dtype (Dtype): Floating dtype.
    key (array | None): PRNG key.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.random.truncated_normal(-1.0, 1.0, (2,)).shape
    (2,))");
  m.def("gumbel",
        [](nb::handle shape, Dtype dtype, nb::handle key, StreamOrDevice s) {
          return random::gumbel(shape_or_empty(shape), dtype, opt_key(key), s);
        },
        "shape"_a = nb::list(), "dtype"_a = Dtype::float32, "key"_a = nb::none(),
        "stream"_a = nb::none(),
        R"(Standard Gumbel samples.

Args:
    shape (list[int]): Output shape.
    dtype (Dtype): Floating dtype.
    key (array | None): PRNG key.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.random.gumbel((2,)).shape
    (2,))");
  m.def("categorical",
        [](nb::handle logits, int axis, nb::handle shape, std::optional<int> num_samples,
           nb::handle key, StreamOrDevice s) {
          array l = to_array(logits);
          if (!shape.is_none() && num_samples) {
            throw std::invalid_argument("[categorical] At most one of shape or num_samples may be given.");
          }
          if (num_samples) return random::categorical(l, axis, *num_samples, opt_key(key), s);
          if (!shape.is_none()) {
            return random::categorical(l, axis, to_shape(shape, "categorical"), opt_key(key), s);
          }
          return random::categorical(l, axis, opt_key(key), s);
        },
        "logits"_a, "axis"_a = -1, "shape"_a = nb::none(), "num_samples"_a = nb::none(),
        "key"_a = nb::none(), "stream"_a = nb::none(),
        R"(Samples category indices (uint32) from unnormalised logits.

Args:
    logits (array): Logits.
    axis (int): Category axis.
    shape (list[int] | None): Output shape.
    num_samples (int | None): Draws per distribution.
    key (array | None): PRNG key.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.random.categorical(mx.zeros((2, 3))).shape
    (2,))");
  m.def("laplace",
        [](nb::handle shape, Dtype dtype, float loc, float scale, nb::handle key,
           StreamOrDevice s) {
          return random::laplace(shape_or_empty(shape), dtype, loc, scale, opt_key(key), s);
        },
        "shape"_a = nb::list(), "dtype"_a = Dtype::float32, "loc"_a = 0.0f, "scale"_a = 1.0f,
        "key"_a = nb::none(), "stream"_a = nb::none(),
        R"(Laplace samples.

Args:
    shape (list[int]): Output shape.
    dtype (Dtype): Floating dtype.
    loc (float): Location.
    scale (float): Scale.
    key (array | None): PRNG key.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.random.laplace((2,)).shape
    (2,))");
  m.def("permutation",
        [](nb::handle x, int axis, nb::handle key, StreamOrDevice s) {
          if (PyLong_Check(x.ptr())) return random::permutation(nb::cast<int>(x), opt_key(key), s);
          return random::permutation(to_array(x), axis, opt_key(key), s);
        },
        "x"_a, "axis"_a = 0, "key"_a = nb::none(), "stream"_a = nb::none(),
        R"(A random permutation of arange(x) (uint32) or of an array along an axis.

Args:
    x (int | array): Size or array.
    axis (int): Axis to shuffle.
    key (array | None): PRNG key.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> sorted(mx.random.permutation(4).tolist())
    [0, 1, 2, 3])");

  auto check_pos = [](int64_t i) {
    if (i != 0 && i != -1) {
      throw nb::index_error(
          ("[random.state] Index out of range; got " + std::to_string(i) +
           ", expected 0 or -1.")
              .c_str());
    }
  };
  nb::class_<RandomState>(
      m, "RandomState",
      "List-like view of the calling thread's implicit PRNG key (``state[0]``).")
      .def("__len__", [](const RandomState&) { return 1; })
      .def("__getitem__", [check_pos](const RandomState&, int64_t i) {
        check_pos(i);
        return random::get_state();
      }, "index"_a)
      .def("__setitem__", [check_pos](const RandomState&, int64_t i, nb::handle v) {
        check_pos(i);
        random::set_state(to_array(v));
      }, "index"_a, "value"_a)
      .def("__iter__", [](const RandomState&) {
        nb::list l;
        l.append(random::get_state());
        return nb::iter(l);
      })
      .def("__repr__", [](const RandomState&) {
        return "[" + nb::cast<std::string>(nb::repr(nb::cast(random::get_state()))) + "]";
      });
  m.attr("state") = RandomState{};
}

}  // namespace ember::py
