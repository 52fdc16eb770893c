// Data types, categories and the promotion lattice (spec/core.md §1).
#pragma once

#include <complex>
#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "ember/core/half.h"

namespace ember {

using complex64_t = std::complex<float>;

/// Element type of an array. The order matches MLX's enum (used by pickling).
enum class Dtype : uint8_t {
  bool_ = 0,
  uint8,
  uint16,
  uint32,
  uint64,
  int8,
  int16,
  int32,
  int64,
  float16,
  float32,
  float64,
  bfloat16,
  complex64,
};
inline constexpr int kNumDtypes = 14;

inline constexpr Dtype bool_ = Dtype::bool_;
inline constexpr Dtype uint8 = Dtype::uint8;
inline constexpr Dtype uint16 = Dtype::uint16;
inline constexpr Dtype uint32 = Dtype::uint32;
inline constexpr Dtype uint64 = Dtype::uint64;
inline constexpr Dtype int8 = Dtype::int8;
inline constexpr Dtype int16 = Dtype::int16;
inline constexpr Dtype int32 = Dtype::int32;
inline constexpr Dtype int64 = Dtype::int64;
inline constexpr Dtype float16 = Dtype::float16;
inline constexpr Dtype float32 = Dtype::float32;
inline constexpr Dtype float64 = Dtype::float64;
inline constexpr Dtype bfloat16 = Dtype::bfloat16;
inline constexpr Dtype complex64 = Dtype::complex64;

/// Abstract dtype categories (numpy-like tree).
enum class DtypeCategory : uint8_t {
  complexfloating,
  floating,
  inexact,
  signedinteger,
  unsignedinteger,
  integer,
  number,
  generic,
};

/// Size of one element in bytes.
int size_of(Dtype t);
/// Name as printed by repr, e.g. "float32".
const char* dtype_name(Dtype t);
/// NumPy kind character: b, u, i, f, V (bfloat16), c.
char kind_of(Dtype t);

bool is_unsigned(Dtype t);
bool is_signed_int(Dtype t);
bool is_integral(Dtype t);  // bool excluded
bool is_floating_point(Dtype t);  // f16, bf16, f32, f64
bool is_complex(Dtype t);
inline bool is_inexact(Dtype t) { return is_floating_point(t) || is_complex(t); }

/// Category membership per the tree in spec/core.md §1.
bool issubdtype(Dtype a, DtypeCategory c);
bool issubdtype(DtypeCategory a, DtypeCategory b);
DtypeCategory category_of(Dtype t);

/// Promotion of two dtypes (the table of spec/core.md §1.1).
Dtype promote_types(Dtype a, Dtype b);
/// float32 for integer/bool inputs, inexact types unchanged.
Dtype at_least_float(Dtype t);
/// Accumulator type of sum/prod: small ints widen to int32/uint32.
Dtype sum_dtype(Dtype t);

std::ostream& operator<<(std::ostream& os, Dtype t);

/// Maps a C++ element type to its Dtype.
template <typename T>
struct dtype_of;
#define EMBER_DTYPE_OF(T, D) \
  template <>                \
  struct dtype_of<T> {       \
    static constexpr Dtype value = D; \
  };
EMBER_DTYPE_OF(bool, bool_)
EMBER_DTYPE_OF(uint8_t, uint8)
EMBER_DTYPE_OF(uint16_t, uint16)
EMBER_DTYPE_OF(uint32_t, uint32)
EMBER_DTYPE_OF(uint64_t, uint64)
EMBER_DTYPE_OF(int8_t, int8)
EMBER_DTYPE_OF(int16_t, int16)
EMBER_DTYPE_OF(int32_t, int32)
EMBER_DTYPE_OF(int64_t, int64)
EMBER_DTYPE_OF(float16_t, float16)
EMBER_DTYPE_OF(float, float32)
EMBER_DTYPE_OF(double, float64)
EMBER_DTYPE_OF(bfloat16_t, bfloat16)
EMBER_DTYPE_OF(complex64_t, complex64)
#undef EMBER_DTYPE_OF
template <typename T>
inline constexpr Dtype dtype_of_v = dtype_of<T>::value;

namespace detail {
template <Dtype D>
struct type_of;
template <> struct type_of<Dtype::bool_> { using type = bool; };
template <> struct type_of<Dtype::uint8> { using type = uint8_t; };
template <> struct type_of<Dtype::uint16> { using type = uint16_t; };
template <> struct type_of<Dtype::uint32> { using type = uint32_t; };
template <> struct type_of<Dtype::uint64> { using type = uint64_t; };
template <> struct type_of<Dtype::int8> { using type = int8_t; };
template <> struct type_of<Dtype::int16> { using type = int16_t; };
template <> struct type_of<Dtype::int32> { using type = int32_t; };
template <> struct type_of<Dtype::int64> { using type = int64_t; };
template <> struct type_of<Dtype::float16> { using type = float16_t; };
template <> struct type_of<Dtype::float32> { using type = float; };
template <> struct type_of<Dtype::float64> { using type = double; };
template <> struct type_of<Dtype::bfloat16> { using type = bfloat16_t; };
template <> struct type_of<Dtype::complex64> { using type = complex64_t; };
template <Dtype D>
using type_of_t = typename type_of<D>::type;
}  // namespace detail

/// Runs `f` with a value of the C++ type matching `t`: f(T{}).
template <typename F>
void dispatch_all(Dtype t, F&& f) {
  switch (t) {
    case Dtype::bool_: f(bool{}); break;
    case Dtype::uint8: f(uint8_t{}); break;
    case Dtype::uint16: f(uint16_t{}); break;
    case Dtype::uint32: f(uint32_t{}); break;
    case Dtype::uint64: f(uint64_t{}); break;
    case Dtype::int8: f(int8_t{}); break;
    case Dtype::int16: f(int16_t{}); break;
    case Dtype::int32: f(int32_t{}); break;
    case Dtype::int64: f(int64_t{}); break;
    case Dtype::float16: f(float16_t{}); break;
    case Dtype::float32: f(float{}); break;
    case Dtype::float64: f(double{}); break;
    case Dtype::bfloat16: f(bfloat16_t{}); break;
    case Dtype::complex64: f(complex64_t{}); break;
  }
}

/// Like dispatch_all but only for real floating types; throws otherwise.
template <typename F>
void dispatch_float(Dtype t, const char* op, F&& f) {
  switch (t) {
    case Dtype::float16: f(float16_t{}); break;
    case Dtype::float32: f(float{}); break;
    case Dtype::float64: f(double{}); break;
    case Dtype::bfloat16: f(bfloat16_t{}); break;
    default:
      throw std::invalid_argument(std::string("[") + op +
                                  "] Expected a floating point dtype; got " +
                                  dtype_name(t) + ".");
  }
}

/// Accumulation type for a storage type (f16/bf16 accumulate in float).
template <typename T>
struct acc_type {
  using type = T;
};
template <>
struct acc_type<float16_t> {
  using type = float;
};
template <>
struct acc_type<bfloat16_t> {
  using type = float;
};
template <typename T>
using acc_t = typename acc_type<T>::type;

}  // namespace ember
