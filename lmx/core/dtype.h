// Data types: the runtime Dtype, its C++ counterparts, and NumPy/MLX type
// promotion.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "lmx/core/half_types.h"

namespace lmx {

struct Dtype {
  enum class Val : uint8_t {
    bool_,
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

  // A kind groups dtypes the way NumPy's dtype.kind does.
  enum class Kind { b, u, i, f, c, V };

  // Abstract categories for issubdtype, as MLX.
  enum class Category {
    complexfloating,
    floating,
    inexact,
    signedinteger,
    unsignedinteger,
    integer,
    number,
    generic
  };

  Val val;
  uint8_t size;
  constexpr explicit Dtype(Val val, uint8_t size) : val(val), size(size) {}
  constexpr operator Val() const { return val; }
};

inline constexpr Dtype bool_{Dtype::Val::bool_, sizeof(bool)};
inline constexpr Dtype uint8{Dtype::Val::uint8, 1};
inline constexpr Dtype uint16{Dtype::Val::uint16, 2};
inline constexpr Dtype uint32{Dtype::Val::uint32, 4};
inline constexpr Dtype uint64{Dtype::Val::uint64, 8};
inline constexpr Dtype int8{Dtype::Val::int8, 1};
inline constexpr Dtype int16{Dtype::Val::int16, 2};
inline constexpr Dtype int32{Dtype::Val::int32, 4};
inline constexpr Dtype int64{Dtype::Val::int64, 8};
inline constexpr Dtype float16{Dtype::Val::float16, 2};
inline constexpr Dtype float32{Dtype::Val::float32, 4};
inline constexpr Dtype float64{Dtype::Val::float64, 8};
inline constexpr Dtype bfloat16{Dtype::Val::bfloat16, 2};
inline constexpr Dtype complex64{Dtype::Val::complex64, 8};

inline constexpr Dtype::Category complexfloating = Dtype::Category::complexfloating;
inline constexpr Dtype::Category floating = Dtype::Category::floating;
inline constexpr Dtype::Category inexact = Dtype::Category::inexact;
inline constexpr Dtype::Category signedinteger = Dtype::Category::signedinteger;
inline constexpr Dtype::Category unsignedinteger = Dtype::Category::unsignedinteger;
inline constexpr Dtype::Category integer = Dtype::Category::integer;
inline constexpr Dtype::Category number = Dtype::Category::number;
inline constexpr Dtype::Category generic = Dtype::Category::generic;

inline constexpr bool operator==(Dtype a, Dtype b) {
  return a.val == b.val;
}
inline constexpr bool operator!=(Dtype a, Dtype b) {
  return a.val != b.val;
}

Dtype promote_types(const Dtype& t1, const Dtype& t2);
inline uint8_t size_of(const Dtype& t) {
  return t.size;
}
Dtype::Kind kindof(const Dtype& t);
bool issubdtype(const Dtype& a, const Dtype& b);
bool issubdtype(const Dtype& a, const Dtype::Category& c);
bool issubdtype(const Dtype::Category& a, const Dtype& b);
bool issubdtype(const Dtype::Category& a, const Dtype::Category& b);
std::string dtype_to_string(Dtype t);
std::ostream& operator<<(std::ostream& os, const Dtype& t);

inline bool is_floating_point(Dtype t) {
  return t == float16 || t == bfloat16 || t == float32 || t == float64;
}
inline bool is_complex(Dtype t) {
  return t == complex64;
}
inline bool is_inexact(Dtype t) {
  return is_floating_point(t) || is_complex(t);
}
inline bool is_unsigned(Dtype t) {
  return t == uint8 || t == uint16 || t == uint32 || t == uint64;
}
inline bool is_signed_integer(Dtype t) {
  return t == int8 || t == int16 || t == int32 || t == int64;
}
inline bool is_integral(Dtype t) {
  return is_unsigned(t) || is_signed_integer(t);
}

template <typename T>
struct TypeToDtype;

#define LMX_TYPE_TO_DTYPE(CT, DT)                      \
  template <>                                          \
  struct TypeToDtype<CT> {                             \
    static constexpr Dtype value = DT;                 \
    constexpr operator Dtype() const { return value; } \
  };
LMX_TYPE_TO_DTYPE(bool, bool_)
LMX_TYPE_TO_DTYPE(uint8_t, uint8)
LMX_TYPE_TO_DTYPE(uint16_t, uint16)
LMX_TYPE_TO_DTYPE(uint32_t, uint32)
LMX_TYPE_TO_DTYPE(uint64_t, uint64)
LMX_TYPE_TO_DTYPE(int8_t, int8)
LMX_TYPE_TO_DTYPE(int16_t, int16)
LMX_TYPE_TO_DTYPE(int32_t, int32)
LMX_TYPE_TO_DTYPE(int64_t, int64)
LMX_TYPE_TO_DTYPE(float16_t, float16)
LMX_TYPE_TO_DTYPE(bfloat16_t, bfloat16)
LMX_TYPE_TO_DTYPE(float, float32)
// C++ doubles make float32 arrays, as MLX: float64 is asked for by name.
LMX_TYPE_TO_DTYPE(double, float32)
LMX_TYPE_TO_DTYPE(complex64_t, complex64)
#undef LMX_TYPE_TO_DTYPE

// `long` and `unsigned long long` may be distinct from int64_t/uint64_t.
template <typename T>
constexpr Dtype dtype_of() {
  if constexpr (std::is_same_v<T, long> || std::is_same_v<T, long long>) {
    return int64;
  } else if constexpr (std::is_same_v<T, unsigned long> || std::is_same_v<T, unsigned long long>) {
    return uint64;
  } else if constexpr (std::is_same_v<T, char>) {
    return int8;
  } else if constexpr (std::is_same_v<T, long double>) {
    return float32;
  } else {
    return TypeToDtype<T>::value;
  }
}

}  // namespace lmx
