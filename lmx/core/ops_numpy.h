// NumPy-style array functions of MLX's ops.h that are compositions of the
// primitive ops (ops.h): shape helpers, windows, diagonals, rolls,
// contractions and order statistics. Being compositions, they get vjp, jvp
// and compile from the ops they are built from.
#pragma once

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "lmx/core/array.h"
#include "lmx/core/device.h"

namespace lmx {

using SOD = StreamOrDevice;

array atleast_1d(const array& a, SOD s = {});
std::vector<array> atleast_1d(const std::vector<array>& a, SOD s = {});
array atleast_2d(const array& a, SOD s = {});
std::vector<array> atleast_2d(const std::vector<array>& a, SOD s = {});
array atleast_3d(const array& a, SOD s = {});
std::vector<array> atleast_3d(const std::vector<array>& a, SOD s = {});

// Window functions of length M (float32), as NumPy's.
array hanning(int M, SOD s = {});
array hamming(int M, SOD s = {});
array bartlett(int M, SOD s = {});
array blackman(int M, SOD s = {});

array positive(const array& a, SOD s = {});
array trunc(const array& a, SOD s = {});
array degrees(const array& a, SOD s = {});
array radians(const array& a, SOD s = {});
array logical_xor(const array& a, const array& b, SOD s = {});

array count_nonzero(const array& a, bool keepdims, SOD s = {});
array count_nonzero(const array& a, SOD s = {});
array count_nonzero(const array& a, int axis, bool keepdims = false, SOD s = {});
array count_nonzero(const array& a, const std::vector<int>& axes, bool keepdims = false,
                    SOD s = {});

array diagonal(const array& a, int offset = 0, int axis1 = 0, int axis2 = 1, SOD s = {});
array diag(const array& a, int k = 0, SOD s = {});
array trace(const array& a, int offset, int axis1, int axis2, Dtype dtype, SOD s = {});
array trace(const array& a, int offset, int axis1, int axis2, SOD s = {});
array trace(const array& a, SOD s = {});

array diff(const array& a, int n = 1, int axis = -1, SOD s = {});
array flip(const array& a, int axis, SOD s = {});
array flip(const array& a, SOD s = {});
array roll(const array& a, int shift, SOD s = {});
array roll(const array& a, const Shape& shift, SOD s = {});
array roll(const array& a, int shift, int axis, SOD s = {});
array roll(const array& a, int shift, const std::vector<int>& axes, SOD s = {});
array roll(const array& a, const Shape& shift, int axis, SOD s = {});
array roll(const array& a, const Shape& shift, const std::vector<int>& axes, SOD s = {});
std::vector<array> unstack(const array& a, int axis, SOD s = {});
std::vector<array> unstack(const array& a, SOD s = {});
std::vector<array> meshgrid(const std::vector<array>& arrays, bool sparse = false,
                            const std::string& indexing = "xy", SOD s = {});

array kron(const array& a, const array& b, SOD s = {});
array tensordot(const array& a, const array& b, int axis = 2, SOD s = {});
array tensordot(const array& a, const array& b, const std::vector<int>& axes_a,
                const std::vector<int>& axes_b, SOD s = {});
array vecdot(const array& a, const array& b, int axis = -1, SOD s = {});

// Order statistics. partition leaves the kth element where sorting would put
// it, smaller ones before and larger ones after (here: fully sorted).
array partition(const array& a, int kth, SOD s = {});
array partition(const array& a, int kth, int axis, SOD s = {});
array argpartition(const array& a, int kth, SOD s = {});
array argpartition(const array& a, int kth, int axis, SOD s = {});
array median(const array& a, bool keepdims, SOD s = {});
array median(const array& a, SOD s = {});
array median(const array& a, const std::vector<int>& axes, bool keepdims = false, SOD s = {});
array median(const array& a, int axis, bool keepdims = false, SOD s = {});
// For each value, the index in the sorted last axis of `sorted_sequence`
// where it would be inserted to keep it sorted (uint32).
array searchsorted(const array& sorted_sequence, const array& values,
                   const std::string& side = "left", SOD s = {});

// The bytes of `a` read as `dtype`; with another item size the last axis
// rescales (it must be divisible).
array view(const array& a, const Dtype& dtype, SOD s = {});
// A row-contiguous copy of `a` (or a as it is when already laid out so; with
// allow_col_major, column-major also counts).
array contiguous(const array& a, bool allow_col_major = false, SOD s = {});
// The number of elements along `axes` (or, inverted, its reciprocal) as a
// scalar of `dtype`, recomputed for every shape under shapeless compile.
array number_of_elements(const array& a, std::vector<int> axes, bool inverted, Dtype dtype = int32,
                         SOD s = {});
// a with the positions where `mask` (broadcast to a's shape) is true filled,
// in row-major order, by the elements of src.
array masked_scatter(const array& a, const array& mask, const array& src, SOD s = {});
// Swaps the last two axes (at least two needed).
array matrix_transpose(const array& a, SOD s = {});
// (min, max) over the axes, as min and max give them.
std::tuple<array, array> minmax(const array& a, bool keepdims, SOD s = {});
inline std::tuple<array, array> minmax(const array& a, SOD s = {}) {
  return minmax(a, false, s);
}
std::tuple<array, array> minmax(const array& a, const std::vector<int>& axes, bool keepdims = false,
                                SOD s = {});
std::tuple<array, array> minmax(const array& a, int axis, bool keepdims = false, SOD s = {});
// The sorted unique elements of the flattened array, `size` of them: cut
// when there are more, padded with fill_value (or the smallest) when fewer;
// then, as asked, the index of each one's first occurrence (uint32), the
// inverse indices that rebuild `a` (uint32, a's shape, clamped to the last
// entry) and the counts (int32, 0 for padding). Each NaN is its own value.
std::vector<array> unique(const array& a, int size, bool return_index = false,
                          bool return_inverse = false, bool return_counts = false,
                          const std::optional<array>& fill_value = std::nullopt, SOD s = {});
// float8 E4M3 (as uint8): to_fp8 rounds to nearest even and saturates at
// ±448 (NaN and infinities too, as MLX); from_fp8 decodes to `dtype`.
array to_fp8(array x, SOD s = {});
array from_fp8(array x, Dtype dtype, SOD s = {});

}  // namespace lmx
