// Turns a runtime Dtype into a C++ type for a kernel template: the one place
// where dtypes meet types.
#pragma once

#include <sstream>
#include <stdexcept>

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

// Every dtype but complex64.
template <typename F>
decltype(auto) dispatch_real_types(Dtype t, const char* who, F&& f) {
  if (t == complex64) throw_unsupported_dtype(who, t);
  return dispatch_all_types(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, complex64_t>) {
      return f(TypeTag<float>{});  // unreachable
    } else {
      return f(tag);
    }
  });
}

template <typename F>
decltype(auto) dispatch_float_types(Dtype t, const char* who, F&& f) {
  switch (t.val) {
    case Dtype::Val::float16:
      return f(TypeTag<float16_t>{});
    case Dtype::Val::float32:
      return f(TypeTag<float>{});
    case Dtype::Val::float64:
      return f(TypeTag<double>{});
    case Dtype::Val::bfloat16:
      return f(TypeTag<bfloat16_t>{});
    default:
      throw_unsupported_dtype(who, t);
  }
}

template <typename F>
decltype(auto) dispatch_int_types(Dtype t, const char* who, F&& f) {
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
    default:
      throw_unsupported_dtype(who, t);
  }
}

}  // namespace lmx
