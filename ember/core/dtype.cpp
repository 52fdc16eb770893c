#include "ember/core/dtype.h"

#include <stdexcept>

namespace ember {

namespace {
constexpr int kSizes[kNumDtypes] = {1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 4, 8, 2, 8};
constexpr const char* kNames[kNumDtypes] = {
    "bool",    "uint8",   "uint16",  "uint32",  "uint64",
    "int8",    "int16",   "int32",   "int64",   "float16",
    "float32", "float64", "bfloat16", "complex64"};
constexpr char kKinds[kNumDtypes] = {'b', 'u', 'u', 'u', 'u', 'i', 'i',
                                     'i', 'i', 'f', 'f', 'f', 'V', 'c'};

// Promotion table from spec/core.md §1.1, indexed by the enum order.
#define B Dtype::bool_
#define U8 Dtype::uint8
#define U16 Dtype::uint16
#define U32 Dtype::uint32
#define U64 Dtype::uint64
#define I8 Dtype::int8
#define I16 Dtype::int16
#define I32 Dtype::int32
#define I64 Dtype::int64
#define F16 Dtype::float16
#define F32 Dtype::float32
#define F64 Dtype::float64
#define BF Dtype::bfloat16
#define C64 Dtype::complex64
constexpr Dtype kPromote[kNumDtypes][kNumDtypes] = {
    {B, U8, U16, U32, U64, I8, I16, I32, I64, F16, F32, F64, BF, C64},
    {U8, U8, U16, U32, U64, I16, I16, I32, I64, F16, F32, F64, BF, C64},
    {U16, U16, U16, U32, U64, I32, I32, I32, I64, F16, F32, F64, BF, C64},
    {U32, U32, U32, U32, U64, I64, I64, I64, I64, F16, F32, F64, BF, C64},
    {U64, U64, U64, U64, U64, F32, F32, F32, F32, F16, F32, F64, BF, C64},
    {I8, I16, I32, I64, F32, I8, I16, I32, I64, F16, F32, F64, BF, C64},
    {I16, I16, I32, I64, F32, I16, I16, I32, I64, F16, F32, F64, BF, C64},
    {I32, I32, I32, I64, F32, I32, I32, I32, I64, F16, F32, F64, BF, C64},
    {I64, I64, I64, I64, F32, I64, I64, I64, I64, F16, F32, F64, BF, C64},
    {F16, F16, F16, F16, F16, F16, F16, F16, F16, F16, F32, F64, F32, C64},
    {F32, F32, F32, F32, F32, F32, F32, F32, F32, F32, F32, F64, F32, C64},
    {F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, C64},
    {BF, BF, BF, BF, BF, BF, BF, BF, BF, F32, F32, F64, BF, C64},
    {C64, C64, C64, C64, C64, C64, C64, C64, C64, C64, C64, C64, C64, C64},
};
#undef B
#undef U8
#undef U16
#undef U32
#undef U64
#undef I8
#undef I16
#undef I32
#undef I64
#undef F16
#undef F32
#undef F64
#undef BF
#undef C64
}  // namespace

int size_of(Dtype t) { return kSizes[int(t)]; }
const char* dtype_name(Dtype t) { return kNames[int(t)]; }
char kind_of(Dtype t) { return kKinds[int(t)]; }

bool is_unsigned(Dtype t) { return t >= Dtype::uint8 && t <= Dtype::uint64; }
bool is_signed_int(Dtype t) { return t >= Dtype::int8 && t <= Dtype::int64; }
bool is_integral(Dtype t) { return is_unsigned(t) || is_signed_int(t); }
bool is_floating_point(Dtype t) {
  return t == Dtype::float16 || t == Dtype::float32 || t == Dtype::float64 ||
         t == Dtype::bfloat16;
}
bool is_complex(Dtype t) { return t == Dtype::complex64; }

DtypeCategory category_of(Dtype t) {
  if (t == Dtype::bool_) return DtypeCategory::generic;
  if (is_unsigned(t)) return DtypeCategory::unsignedinteger;
  if (is_signed_int(t)) return DtypeCategory::signedinteger;
  if (is_floating_point(t)) return DtypeCategory::floating;
  return DtypeCategory::complexfloating;
}

bool issubdtype(DtypeCategory a, DtypeCategory b) {
  using C = DtypeCategory;
  if (a == b) return true;
  switch (b) {
    case C::generic: return true;
    case C::number: return a != C::generic;
    case C::integer: return a == C::signedinteger || a == C::unsignedinteger;
    case C::inexact: return a == C::floating || a == C::complexfloating;
    default: return false;
  }
}

bool issubdtype(Dtype a, DtypeCategory c) {
  if (a == Dtype::bool_) return c == DtypeCategory::generic;
  return issubdtype(category_of(a), c);
}

Dtype promote_types(Dtype a, Dtype b) { return kPromote[int(a)][int(b)]; }

Dtype at_least_float(Dtype t) { return is_inexact(t) ? t : Dtype::float32; }

Dtype sum_dtype(Dtype t) {
  if (t == Dtype::bool_) return Dtype::int32;
  if (is_unsigned(t)) return size_of(t) == 8 ? Dtype::uint64 : Dtype::uint32;
  if (is_signed_int(t)) return size_of(t) == 8 ? Dtype::int64 : Dtype::int32;
  return t;
}

std::ostream& operator<<(std::ostream& os, Dtype t) {
  return os << dtype_name(t);
}

}  // namespace ember
