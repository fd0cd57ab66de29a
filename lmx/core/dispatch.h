// Turns a runtime Dtype into a C++ type for a kernel template: the one place
// where dtypes meet types.
#pragma once

#include <type_traits>
#include <utility>

#include "lmx/core/dtype.h"
#include "lmx/core/error.h"

namespace lmx {

template <typename T>
struct TypeTag {
  using type = T;
};

[[noreturn]] inline void throw_unsupported_dtype(const char* who, Dtype t) {
  fail(who, "Unsupported dtype ", t, ".");
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
  throw_unsupported_dtype("dispatch", t);
}

// The sets of dtypes a kernel is written for (the "dtype class" column of the
// elementwise tables in elementwise_ops.h).
enum class DtypeClass {
  All,      // every dtype
  Numeric,  // every dtype but bool
  Real,     // every dtype but complex64
  Float,    // the real floating types
  Inexact,  // the floating types and complex64
  Integer,  // the integer types and bool
  Bool,
  Complex,
};

template <DtypeClass C, typename T>
constexpr bool admits() {
  switch (C) {
    case DtypeClass::All:
      return true;
    case DtypeClass::Numeric:
      return !std::is_same_v<T, bool>;
    case DtypeClass::Real:
      return !is_complex_v<T>;
    case DtypeClass::Float:
      return is_float_v<T>;
    case DtypeClass::Inexact:
      return is_float_v<T> || is_complex_v<T>;
    case DtypeClass::Integer:
      return std::is_integral_v<T>;
    case DtypeClass::Bool:
      return std::is_same_v<T, bool>;
    case DtypeClass::Complex:
      return is_complex_v<T>;
  }
  return false;
}

// Calls f(TypeTag<T>{}) when class C admits `t`'s type (only those are
// instantiated); other dtypes throw naming `who`. f returns void.
template <DtypeClass C, typename F>
void dispatch_class(Dtype t, const char* who, F&& f) {
  dispatch_all_types(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (admits<C, T>()) {
      f(tag);
    } else {
      throw_unsupported_dtype(who, t);
    }
  });
}

// Every dtype but complex64.
template <typename F>
void dispatch_real_types(Dtype t, const char* who, F&& f) {
  dispatch_class<DtypeClass::Real>(t, who, std::forward<F>(f));
}

template <typename F>
void dispatch_float_types(Dtype t, const char* who, F&& f) {
  dispatch_class<DtypeClass::Float>(t, who, std::forward<F>(f));
}

// Integers and bool.
template <typename F>
void dispatch_int_types(Dtype t, const char* who, F&& f) {
  dispatch_class<DtypeClass::Integer>(t, who, std::forward<F>(f));
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
