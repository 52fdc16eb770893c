// float16 and bfloat16 storage types with float conversions.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>

#if defined(__x86_64__) && defined(__F16C__) && !defined(__CUDACC__)
#include <immintrin.h>
#define EMBER_HAS_F16C 1
#endif

namespace ember {

namespace detail {
inline float bits_to_float(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
inline uint32_t float_to_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

// IEEE binary16 <-> binary32 in software (round to nearest even).
inline float half_bits_to_float(uint16_t h) {
#ifdef EMBER_HAS_F16C
  return _cvtsh_ss(h);
#else
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t man = h & 0x3ff;
  if (exp == 0) {
    if (man == 0) return bits_to_float(sign);
    float f = float(man) * (1.0f / 16777216.0f);  // 2^-24
    return sign ? -f : f;
  }
  if (exp == 31) return bits_to_float(sign | 0x7f800000u | (man << 13));
  return bits_to_float(sign | ((exp + 112) << 23) | (man << 13));
#endif
}

inline uint16_t float_to_half_bits(float f) {
#ifdef EMBER_HAS_F16C
  return _cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT);
#else
  uint32_t x = float_to_bits(f);
  uint32_t sign = (x >> 16) & 0x8000;
  uint32_t ax = x & 0x7fffffff;
  if (ax >= 0x7f800000) return sign | 0x7c00 | (ax > 0x7f800000 ? 0x200 : 0);
  if (ax >= 0x477ff000) return sign | 0x7c00;  // overflow to inf
  if (ax < 0x38800000) {                        // subnormal or zero
    float af = bits_to_float(ax);
    uint32_t m = uint32_t(af * 16777216.0f + 0.5f);
    float r = af * 16777216.0f;
    // round half to even
    if (float(m) - r == 0.5f && (m & 1)) m -= 1;
    return sign | m;
  }
  uint32_t e = ((ax >> 23) - 112) << 10;
  uint32_t m = ax & 0x7fffff;
  uint32_t h = e | (m >> 13);
  uint32_t rem = m & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) h += 1;
  return sign | h;
#endif
}
}  // namespace detail

/// IEEE 754 half precision value (storage type; arithmetic goes through float).
struct float16_t {
  uint16_t bits = 0;
  float16_t() = default;
  float16_t(float f) : bits(detail::float_to_half_bits(f)) {}
  float16_t(double d) : float16_t(float(d)) {}
  template <typename T,
            typename = std::enable_if_t<std::is_integral_v<T>>>
  float16_t(T v) : float16_t(float(v)) {}
  static float16_t from_bits(uint16_t b) {
    float16_t h;
    h.bits = b;
    return h;
  }
  operator float() const { return detail::half_bits_to_float(bits); }
};

/// bfloat16 value: the upper 16 bits of a float32 (round to nearest even).
struct bfloat16_t {
  uint16_t bits = 0;
  bfloat16_t() = default;
  bfloat16_t(float f) {
    uint32_t x = detail::float_to_bits(f);
    if ((x & 0x7fffffff) > 0x7f800000) {
      bits = uint16_t((x >> 16) | 0x40);  // quiet NaN
    } else {
      x += 0x7fff + ((x >> 16) & 1);
      bits = uint16_t(x >> 16);
    }
  }
  bfloat16_t(double d) : bfloat16_t(float(d)) {}
  template <typename T,
            typename = std::enable_if_t<std::is_integral_v<T>>>
  bfloat16_t(T v) : bfloat16_t(float(v)) {}
  static bfloat16_t from_bits(uint16_t b) {
    bfloat16_t h;
    h.bits = b;
    return h;
  }
  operator float() const { return detail::bits_to_float(uint32_t(bits) << 16); }
};

}  // namespace ember
