// Turns a runtime Dtype into a C++ type for a kernel template: the one place
// where dtypes meet types.
#pragma once

#include <sstream>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "lmx/core/dtype.h"

namespace lmx {

template <typename T>
struct TypeTag {
  using type = T;
};

[[noreturn]] inline void throw_unsupported_dtype(const char* who, Dtype t) {
  std::ostringstream msg;
  msg << who << " Unsupported dtype " << t << ".";
  throw std::invalid_argument(msg.str());
}

// Calls f(TypeTag<T>{}) for the C++ type of `t`.
template <typename F>
decltype(auto) dispatch_all_types(Dtype t, F&& f) {
  switch (t.val) {
    case Dtype::Val::bool_:
      return f(TypeTag<bool>{});
    case Dtype::Val::uint8:
      return f(TypeTag<uint8_t>{});
    case Dtype::Val::uint16:
      return f(TypeTag<uint16_t>{});
    case Dtype::Val::uint32:
      return f(TypeTag<uint32_t>{});
    case Dtype::Val::uint64:
      return f(TypeTag<uint64_t>{});
    case Dtype::Val::int8:
      return f(TypeTag<int8_t>{});
    case Dtype::Val::int16:
      return f(TypeTag<int16_t>{});
    case Dtype::Val::int32:
      return f(TypeTag<int32_t>{});
    case Dtype::Val::int64:
      return f(TypeTag<int64_t>{});
    case Dtype::Val::float16:
      return f(TypeTag<float16_t>{});
    case Dtype::Val::float32:
      return f(TypeTag<float>{});
    case Dtype::Val::float64:
      return f(TypeTag<double>{});
    case Dtype::Val::bfloat16:
      return f(TypeTag<bfloat16_t>{});
    case Dtype::Val::complex64:
      return f(TypeTag<complex64_t>{});
  }
  throw_unsupported_dtype("[dispatch]", t);
}

// Dispatches only over the dtypes `accept`s C++ type is admitted by; others
// throw naming `who`.
template <template <typename> class Accept, typename F>
decltype(auto) dispatch_if(Dtype t, const char* who, F&& f) {
  return dispatch_all_types(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (Accept<T>::value) {
      return f(tag);
    } else {
      throw_unsupported_dtype(who, t);
      return f(TypeTag<typename Accept<T>::fallback>{});  // unreachable; fixes the return type
    }
  });
}

template <typename T>
struct IsFloatType {
  static constexpr bool value = is_float_v<T>;
  using fallback = float;
};
template <typename T>
struct IsIntType {
  static constexpr bool value = std::is_integral_v<T>;
  using fallback = int32_t;
};

template <typename T>
struct IsRealType {
  static constexpr bool value = !is_complex_v<T>;
  using fallback = float;
};

// Every dtype but complex64.
template <typename F>
decltype(auto) dispatch_real_types(Dtype t, const char* who, F&& f) {
  return dispatch_if<IsRealType>(t, who, std::forward<F>(f));
}

template <typename F>
decltype(auto) dispatch_float_types(Dtype t, const char* who, F&& f) {
  return dispatch_if<IsFloatType>(t, who, std::forward<F>(f));
}

// Integers and bool.
template <typename F>
decltype(auto) dispatch_int_types(Dtype t, const char* who, F&& f) {
  return dispatch_if<IsIntType>(t, who, std::forward<F>(f));
}

// Converts between any two scalar types, complex and 16-bit floats included
// (complex to real keeps the real part; anything to bool tests for non-zero).
template <typename To, typename From>
inline To scalar_cast(const From& v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (std::is_same_v<To, complex64_t>) {
    return complex64_t(static_cast<float>(v), 0.0f);
  } else if constexpr (std::is_same_v<From, complex64_t>) {
    return scalar_cast<To>(v.real());
  } else if constexpr (std::is_same_v<To, bool>) {
    return static_cast<double>(v) != 0.0;
  } else if constexpr (is_half_v<From>) {
    return static_cast<To>(static_cast<float>(v));
  } else {
    return static_cast<To>(v);
  }
}

}  // namespace lmx
