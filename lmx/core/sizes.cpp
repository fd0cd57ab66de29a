#include "lmx/core/sizes.h"

#include <limits>
#include <sstream>
#include <stdexcept>

#include "lmx/core/utils.h"

namespace lmx {

namespace {
template <typename Dims>
[[noreturn]] void too_many(const Dims& dims, const char* who) {
  std::ostringstream msg;
  msg << "[" << who << "] Shape (";
  for (size_t i = 0; i < dims.size(); ++i) msg << (i ? "," : "") << dims[i];
  msg << ") has too many elements.";
  throw std::overflow_error(msg.str());
}

// Multiplies dimension by dimension, stopping before a product can wrap.
// The nonzero dimensions are bounded even when another is zero: a shape
// (0, 2^40, 2^40) holds nothing, but its strides would still overflow.
template <typename Dims>
uint64_t product(const Dims& dims, const char* who) {
  uint64_t n = 1;
  bool empty = false;
  for (auto d : dims) {
    uint64_t u = static_cast<uint64_t>(d);
    if (u == 0) {
      empty = true;
      continue;
    }
    if (n > kMaxElements / u) too_many(dims, who);
    n *= u;
  }
  return empty ? 0 : n;
}
}  // namespace

size_t checked_size(const Shape& shape, const char* who) {
  for (auto d : shape) {
    if (d < 0) {
      std::ostringstream msg;
      msg << "[" << who << "] Negative dimension in shape " << shape << ".";
      throw std::invalid_argument(msg.str());
    }
  }
  return product(shape, who);
}

size_t checked_size(const std::vector<uint64_t>& dims, const char* who) {
  return product(dims, who);
}

size_t checked_bytes(size_t count, size_t itemsize, const char* who) {
  if (itemsize != 0 && count > kMaxElements * 8 / itemsize) {
    std::ostringstream msg;
    msg << "[" << who << "] " << count << " elements of " << itemsize
        << " bytes are too many to allocate.";
    throw std::overflow_error(msg.str());
  }
  return count * itemsize;
}

ShapeElem checked_dim(int64_t d, const char* who) {
  constexpr int64_t lo = std::numeric_limits<ShapeElem>::min();
  constexpr int64_t hi = std::numeric_limits<ShapeElem>::max();
  if (d < lo || d > hi) {
    std::ostringstream msg;
    msg << "[" << who << "] Shape dimension " << d << " is outside the supported range [" << lo
        << ", " << hi << "].";
    throw std::overflow_error(msg.str());
  }
  return static_cast<ShapeElem>(d);
}

}  // namespace lmx
