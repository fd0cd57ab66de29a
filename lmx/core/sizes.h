// Checked size arithmetic: element counts of shapes and byte sizes of
// arrays. Every shape rule, the allocator and every file reader computes
// sizes here, so a shape whose size does not fit raises instead of wrapping
// around to a small number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lmx/core/array.h"

namespace lmx {

// The most elements an array may hold: its byte size fits in int64 for every
// dtype, and so does every stride.
inline constexpr uint64_t kMaxElements = uint64_t{1} << 60;

// The element count of `shape`. A negative dimension is std::invalid_argument;
// more than kMaxElements elements is std::overflow_error
// "[who] Shape (…) has too many elements.".
size_t checked_size(const Shape& shape, const char* who);
// The same for dimensions read from a file header, before they become a Shape.
size_t checked_size(const std::vector<uint64_t>& dims, const char* who);
// A dimension computed in 64 bits (padding, convolution outputs) as a shape
// element; outside int32 is std::overflow_error "[who] Shape dimension N is
// outside the supported range [-2147483648, 2147483647].".
ShapeElem checked_dim(int64_t d, const char* who);
// count * itemsize, checked the same way.
size_t checked_bytes(size_t count, size_t itemsize, const char* who);

}  // namespace lmx
