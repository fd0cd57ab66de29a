// float16_t and bfloat16_t: 16-bit floating point storage types. Arithmetic
// happens in float (each converts implicitly to float and back), which is what
// a CPU without native half arithmetic does anyway.
#pragma once

#include <bit>
#include <complex>
#include <cstdint>
#include <limits>
#include <ostream>
#include <type_traits>

namespace lmx {

namespace detail {
// The compiler's IEEE binary16 type, used only to convert to and from float:
// _Float16 on x86-64, and on Arm the __fp16 storage type (GCC before 13 has
// no _Float16 in C++ there, so Debian 12's aarch64 compiler rejected it).
#if defined(__ARM_FP16_FORMAT_IEEE)
using binary16 = __fp16;
#else
using binary16 = _Float16;
#endif
}  // namespace detail

struct float16_t {
  uint16_t bits = 0;

  float16_t() = default;
  template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
  float16_t(T v)
      : bits(std::bit_cast<uint16_t>(static_cast<detail::binary16>(static_cast<float>(v)))) {}
  operator float() const { return static_cast<float>(std::bit_cast<detail::binary16>(bits)); }
  static float16_t from_bits(uint16_t b) {
    float16_t h;
    h.bits = b;
    return h;
  }
};

struct bfloat16_t {
  uint16_t bits = 0;

  bfloat16_t() = default;
  template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
  bfloat16_t(T v) {
    float f = static_cast<float>(v);
    uint32_t u = std::bit_cast<uint32_t>(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
      bits = static_cast<uint16_t>((u >> 16) | 0x40);  // quiet NaN
    } else {
      // Round to nearest, ties to even.
      u += 0x7fffu + ((u >> 16) & 1u);
      bits = static_cast<uint16_t>(u >> 16);
    }
  }
  operator float() const { return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16); }
  static bfloat16_t from_bits(uint16_t b) {
    bfloat16_t h;
    h.bits = b;
    return h;
  }
};

using complex64_t = std::complex<float>;

inline std::ostream& operator<<(std::ostream& os, float16_t v) {
  return os << float(v);
}
inline std::ostream& operator<<(std::ostream& os, bfloat16_t v) {
  return os << float(v);
}

template <typename T>
inline constexpr bool is_half_v = std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>;

template <typename T>
inline constexpr bool is_complex_v = std::is_same_v<T, complex64_t>;

template <typename T>
inline constexpr bool is_float_v = std::is_floating_point_v<T> || is_half_v<T>;

// Arithmetic and comparisons on the 16-bit types, as MLX's: exact matches
// here keep array's scalar operators (ops.h) from claiming `h1 == h2`.
// half op half and half op integer give the half type; half op float gives
// float (double for double); comparisons give bool.
namespace detail {
template <typename H, typename U>
using half_arith_t =
    std::conditional_t<std::is_floating_point_v<U>, std::common_type_t<float, U>, H>;
}  // namespace detail

#define LMX_HALF_OPERATORS(H)         \
  LMX_HALF_ARITH(H, +)                \
  LMX_HALF_ARITH(H, -)                \
  LMX_HALF_ARITH(H, *)                \
  LMX_HALF_ARITH(H, /)                \
  LMX_HALF_COMPARE(H, ==)             \
  LMX_HALF_COMPARE(H, !=)             \
  LMX_HALF_COMPARE(H, <)              \
  LMX_HALF_COMPARE(H, <=)             \
  LMX_HALF_COMPARE(H, >)              \
  LMX_HALF_COMPARE(H, >=)             \
  inline H operator-(H a) {           \
    return H(-static_cast<float>(a)); \
  }
#define LMX_HALF_ARITH(H, OP)                                                        \
  inline H operator OP(H a, H b) {                                                   \
    return H(static_cast<float>(a) OP static_cast<float>(b));                        \
  }                                                                                  \
  template <typename U, typename = std::enable_if_t<std::is_arithmetic_v<U>>>        \
  detail::half_arith_t<H, U> operator OP(H a, U b) {                                 \
    using R = detail::half_arith_t<H, U>;                                            \
    return R(static_cast<std::common_type_t<float, U>>(static_cast<float>(a)) OP b); \
  }                                                                                  \
  template <typename U, typename = std::enable_if_t<std::is_arithmetic_v<U>>>        \
  detail::half_arith_t<H, U> operator OP(U a, H b) {                                 \
    using R = detail::half_arith_t<H, U>;                                            \
    return R(a OP static_cast<std::common_type_t<float, U>>(static_cast<float>(b))); \
  }
#define LMX_HALF_COMPARE(H, OP)                                                   \
  inline bool operator OP(H a, H b) {                                             \
    return static_cast<float>(a) OP static_cast<float>(b);                        \
  }                                                                               \
  template <typename U, typename = std::enable_if_t<std::is_arithmetic_v<U>>>     \
  bool operator OP(H a, U b) {                                                    \
    return static_cast<std::common_type_t<float, U>>(static_cast<float>(a)) OP b; \
  }                                                                               \
  template <typename U, typename = std::enable_if_t<std::is_arithmetic_v<U>>>     \
  bool operator OP(U a, H b) {                                                    \
    return a OP static_cast<std::common_type_t<float, U>>(static_cast<float>(b)); \
  }
LMX_HALF_OPERATORS(float16_t)
LMX_HALF_OPERATORS(bfloat16_t)
#undef LMX_HALF_OPERATORS
#undef LMX_HALF_ARITH
#undef LMX_HALF_COMPARE

}  // namespace lmx

namespace std {
template <>
class numeric_limits<lmx::float16_t> {
 public:
  static constexpr bool is_specialized = true;
  static lmx::float16_t lowest() { return lmx::float16_t::from_bits(0xfbff); }
  static lmx::float16_t max() { return lmx::float16_t::from_bits(0x7bff); }
  static lmx::float16_t min() { return lmx::float16_t::from_bits(0x0400); }
  static lmx::float16_t epsilon() { return lmx::float16_t::from_bits(0x1400); }
  static lmx::float16_t infinity() { return lmx::float16_t::from_bits(0x7c00); }
  static lmx::float16_t quiet_NaN() { return lmx::float16_t::from_bits(0x7e00); }
  static constexpr bool has_infinity = true;
};
template <>
class numeric_limits<lmx::bfloat16_t> {
 public:
  static constexpr bool is_specialized = true;
  static lmx::bfloat16_t lowest() { return lmx::bfloat16_t::from_bits(0xff7f); }
  static lmx::bfloat16_t max() { return lmx::bfloat16_t::from_bits(0x7f7f); }
  static lmx::bfloat16_t min() { return lmx::bfloat16_t::from_bits(0x0080); }
  static lmx::bfloat16_t epsilon() { return lmx::bfloat16_t::from_bits(0x3c00); }
  static lmx::bfloat16_t infinity() { return lmx::bfloat16_t::from_bits(0x7f80); }
  static lmx::bfloat16_t quiet_NaN() { return lmx::bfloat16_t::from_bits(0x7fc0); }
  static constexpr bool has_infinity = true;
};
}  // namespace std
