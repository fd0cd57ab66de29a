#include "lmx/core/dtype.h"

#include <array>
#include <stdexcept>
#include <vector>

namespace lmx {

namespace {

constexpr int kNumTypes = 14;
using V = Dtype::Val;

constexpr Dtype kAll[kNumTypes] = {bool_, uint8, uint16,  uint32,  uint64,  int8,     int16,
                                   int32, int64, float16, float32, float64, bfloat16, complex64};

// Promotion follows MLX: the smallest type that holds both, except that
// uint64 with a signed integer goes to float32 and the two 16-bit floats
// meet at float32.
Dtype promote_slow(Dtype a, Dtype b) {
  if (a == b) return a;
  if (a == bool_) return b;
  if (b == bool_) return a;
  if (a == complex64 || b == complex64) return complex64;
  bool af = is_floating_point(a), bf = is_floating_point(b);
  if (af && bf) {
    if (a == float64 || b == float64) return float64;
    if (a == float32 || b == float32) return float32;
    return float32;  // float16 with bfloat16
  }
  if (af) return a;
  if (bf) return b;
  // Both integers.
  bool au = is_unsigned(a), bu = is_unsigned(b);
  if (au == bu) return a.size >= b.size ? a : b;
  Dtype u = au ? a : b;
  Dtype s = au ? b : a;
  if (s.size > u.size) return s;
  switch (u.val) {
    case V::uint8:
      return int16;
    case V::uint16:
      return int32;
    case V::uint32:
      return int64;
    default:
      return float32;
  }
}

struct PromotionTable {
  std::vector<Dtype> t;
  PromotionTable() {
    t.reserve(kNumTypes * kNumTypes);
    for (int i = 0; i < kNumTypes; ++i)
      for (int j = 0; j < kNumTypes; ++j) t.push_back(promote_slow(kAll[i], kAll[j]));
  }
};

}  // namespace

Dtype promote_types(const Dtype& t1, const Dtype& t2) {
  static const PromotionTable table;
  return table.t[static_cast<int>(t1.val) * kNumTypes + static_cast<int>(t2.val)];
}

Dtype::Kind kindof(const Dtype& t) {
  if (t == bool_) return Dtype::Kind::b;
  if (is_unsigned(t)) return Dtype::Kind::u;
  if (is_signed_integer(t)) return Dtype::Kind::i;
  if (is_floating_point(t)) return Dtype::Kind::f;
  return Dtype::Kind::c;
}

std::string dtype_to_string(Dtype t) {
  switch (t.val) {
    case V::bool_:
      return "bool";
    case V::uint8:
      return "uint8";
    case V::uint16:
      return "uint16";
    case V::uint32:
      return "uint32";
    case V::uint64:
      return "uint64";
    case V::int8:
      return "int8";
    case V::int16:
      return "int16";
    case V::int32:
      return "int32";
    case V::int64:
      return "int64";
    case V::float16:
      return "float16";
    case V::float32:
      return "float32";
    case V::float64:
      return "float64";
    case V::bfloat16:
      return "bfloat16";
    case V::complex64:
      return "complex64";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, const Dtype& t) {
  return os << dtype_to_string(t);
}

namespace {
Dtype::Category category_of(const Dtype& t) {
  if (is_complex(t)) return Dtype::Category::complexfloating;
  if (is_floating_point(t)) return Dtype::Category::floating;
  if (is_signed_integer(t)) return Dtype::Category::signedinteger;
  if (is_unsigned(t)) return Dtype::Category::unsignedinteger;
  return Dtype::Category::generic;  // bool
}
}  // namespace

bool issubdtype(const Dtype::Category& a, const Dtype::Category& b) {
  using C = Dtype::Category;
  if (a == b || b == C::generic) return true;
  switch (a) {
    case C::complexfloating:
    case C::floating:
      return b == C::inexact || b == C::number;
    case C::inexact:
      return b == C::number;
    case C::signedinteger:
    case C::unsignedinteger:
      return b == C::integer || b == C::number;
    case C::integer:
      return b == C::number;
    default:
      return false;
  }
}

bool issubdtype(const Dtype& a, const Dtype& b) {
  return a == b;
}
bool issubdtype(const Dtype& a, const Dtype::Category& c) {
  if (a == bool_) return c == Dtype::Category::generic;
  return issubdtype(category_of(a), c);
}
bool issubdtype(const Dtype::Category&, const Dtype&) {
  return false;
}

}  // namespace lmx
