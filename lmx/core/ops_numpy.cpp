#include "lmx/core/ops_numpy.h"

#include <limits>

#include <cmath>
#include <numbers>
#include <numeric>

#include "lmx/core/ops_common.h"

namespace lmx {

namespace {

template <typename F>
std::vector<array> each(const std::vector<array>& a, F&& f) {
  std::vector<array> out;
  out.reserve(a.size());
  for (auto& x : a) out.push_back(f(x));
  return out;
}

std::vector<int> all_axes(int ndim) {
  std::vector<int> axes(ndim);
  std::iota(axes.begin(), axes.end(), 0);
  return axes;
}

// n = 1 - M, 3 - M, ..., M - 1 (NumPy's window argument), as float32.
array window_argument(int M, StreamOrDevice s) {
  return arange(1.0 - M, static_cast<double>(M), 2.0, float32, s);
}

// Windows of length 0 are empty and of length 1 are [1].
template <typename F>
array window(int M, const char* who, F&& f, StreamOrDevice s) {
  if (M < 0) fail(who, "Window length must be non-negative, got ", M, ".");
  if (M == 0) return zeros({0}, float32, s);
  if (M == 1) return ones({1}, float32, s);
  return f(window_argument(M, s), static_cast<float>(M - 1));
}

}  // namespace

array atleast_1d(const array& a, StreamOrDevice s) {
  return a.ndim() == 0 ? reshape(a, {1}, s) : a;
}
std::vector<array> atleast_1d(const std::vector<array>& a, StreamOrDevice s) {
  return each(a, [&](const array& x) { return atleast_1d(x, s); });
}
array atleast_2d(const array& a, StreamOrDevice s) {
  if (a.ndim() == 0) return reshape(a, {1, 1}, s);
  if (a.ndim() == 1) return expand_dims(a, 0, s);
  return a;
}
std::vector<array> atleast_2d(const std::vector<array>& a, StreamOrDevice s) {
  return each(a, [&](const array& x) { return atleast_2d(x, s); });
}
array atleast_3d(const array& a, StreamOrDevice s) {
  if (a.ndim() == 0) return reshape(a, {1, 1, 1}, s);
  if (a.ndim() == 1) return reshape(a, {1, a.shape(0), 1}, s);
  if (a.ndim() == 2) return expand_dims(a, 2, s);
  return a;
}
std::vector<array> atleast_3d(const std::vector<array>& a, StreamOrDevice s) {
  return each(a, [&](const array& x) { return atleast_3d(x, s); });
}

array hanning(int M, StreamOrDevice s) {
  return window(
      M, "hanning",
      [&](const array& n, float d) {
        return add(
            array(0.5f),
            multiply(array(0.5f), cos(multiply(n, array(std::numbers::pi_v<float> / d), s), s), s),
            s);
      },
      s);
}
array hamming(int M, StreamOrDevice s) {
  return window(
      M, "hamming",
      [&](const array& n, float d) {
        return add(
            array(0.54f),
            multiply(array(0.46f), cos(multiply(n, array(std::numbers::pi_v<float> / d), s), s), s),
            s);
      },
      s);
}
array blackman(int M, StreamOrDevice s) {
  return window(
      M, "blackman",
      [&](const array& n, float d) {
        auto x = multiply(n, array(std::numbers::pi_v<float> / d), s);
        auto out = add(array(0.42f), multiply(array(0.5f), cos(x, s), s), s);
        return add(out, multiply(array(0.08f), cos(multiply(x, array(2.0f), s), s), s), s);
      },
      s);
}
array bartlett(int M, StreamOrDevice s) {
  return window(
      M, "bartlett",
      [&](const array& n, float d) {
        auto r = divide(n, array(d), s);
        return where(less_equal(n, array(0.0f), s), add(array(1.0f), r, s),
                     subtract(array(1.0f), r, s), s);
      },
      s);
}

array positive(const array& a, StreamOrDevice) {
  return a;
}
array trunc(const array& a, StreamOrDevice s) {
  if (!is_floating_point(a.dtype())) return a;
  return where(less(a, array(0.0f), s), ceil(a, s), floor(a, s), s);
}
array degrees(const array& a, StreamOrDevice s) {
  return multiply(astype(a, at_least_float(a.dtype()), s), array(180.0 / std::numbers::pi), s);
}
array radians(const array& a, StreamOrDevice s) {
  return multiply(astype(a, at_least_float(a.dtype()), s), array(std::numbers::pi / 180.0), s);
}
array logical_xor(const array& a, const array& b, StreamOrDevice s) {
  return not_equal(astype(a, bool_, s), astype(b, bool_, s), s);
}

array count_nonzero(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return astype(sum(not_equal(a, array(0, a.dtype()), s), axes, keepdims, s), int32, s);
}
array count_nonzero(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return count_nonzero(a, std::vector<int>{axis}, keepdims, s);
}
array count_nonzero(const array& a, bool keepdims, StreamOrDevice s) {
  return count_nonzero(a, all_axes(a.ndim()), keepdims, s);
}
array count_nonzero(const array& a, StreamOrDevice s) {
  return count_nonzero(a, false, s);
}

array diagonal(const array& a, int offset, int axis1, int axis2, StreamOrDevice s) {
  if (a.ndim() < 2) {
    fail("diagonal", "Array must have at least two dimensions, got shape ", a.shape(), ".");
  }
  int ax1 = normalize_axis(axis1, a.ndim(), "diagonal");
  int ax2 = normalize_axis(axis2, a.ndim(), "diagonal");
  if (ax1 == ax2) fail("diagonal", "axis1 and axis2 cannot be the same axis, got ", ax1, ".");
  // Move the two axes last, flatten them and take the diagonal's positions.
  std::vector<int> perm;
  for (int i = 0; i < a.ndim(); ++i)
    if (i != ax1 && i != ax2) perm.push_back(i);
  perm.push_back(ax1);
  perm.push_back(ax2);
  auto x = transpose(a, perm, s);
  int rows = a.shape(ax1), cols = a.shape(ax2);
  int first_row = std::max(0, -offset), first_col = std::max(0, offset);
  int len = std::max(0, std::min(rows - first_row, cols - first_col));
  Shape flat(x.shape().begin(), x.shape().end() - 2);
  flat.push_back(rows * cols);
  std::vector<int32_t> idx(len);
  for (int i = 0; i < len; ++i) idx[i] = (first_row + i) * cols + first_col + i;
  return take(reshape(x, flat, s), array(idx.begin(), Shape{len}, int32), -1, s);
}

array diag(const array& a, int k, StreamOrDevice s) {
  if (a.ndim() == 2) return diagonal(a, k, 0, 1, s);
  if (a.ndim() != 1) fail("diag", "Input must be 1-D or 2-D, got shape ", a.shape(), ".");
  int n = a.shape(0), m = n + std::abs(k);
  auto out = zeros({m * m}, a.dtype(), s);
  std::vector<int32_t> idx(n);
  int first_row = std::max(0, -k), first_col = std::max(0, k);
  for (int i = 0; i < n; ++i) idx[i] = (first_row + i) * m + first_col + i;
  auto at = array(idx.begin(), Shape{n}, int32);
  return reshape(put_along_axis(out, at, a, 0, s), {m, m}, s);
}

array trace(const array& a, int offset, int axis1, int axis2, Dtype dtype, StreamOrDevice s) {
  return sum(astype(diagonal(a, offset, axis1, axis2, s), dtype, s), -1, false, s);
}
array trace(const array& a, int offset, int axis1, int axis2, StreamOrDevice s) {
  return trace(a, offset, axis1, axis2, a.dtype(), s);
}
array trace(const array& a, StreamOrDevice s) {
  return trace(a, 0, 0, 1, s);
}

array diff(const array& a, int n, int axis, StreamOrDevice s) {
  if (n < 0) fail("diff", "Order must be non-negative, got ", n, ".");
  if (a.ndim() == 0) fail("diff", "Input must have at least one dimension.");
  int ax = normalize_axis(axis, a.ndim(), "diff");
  auto out = a;
  for (int i = 0; i < n && out.shape(ax) > 0; ++i) {
    int len = out.shape(ax);
    Shape lo(out.ndim(), 0), hi = out.shape();
    Shape lo1 = lo, hi1 = hi;
    lo1[ax] = 1;
    hi[ax] = len - 1;
    out = subtract(slice(out, lo1, hi1, s), slice(out, lo, hi, s), s);
  }
  return out;
}

array flip(const array& a, int axis, StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "flip");
  Shape start(a.ndim(), 0), stop = a.shape(), strides(a.ndim(), 1);
  start[ax] = a.shape(ax) - 1;
  stop[ax] = -a.shape(ax) - 1;
  strides[ax] = -1;
  return slice(a, start, stop, strides, s);
}
array flip(const array& a, StreamOrDevice s) {
  auto out = a;
  for (int i = 0; i < a.ndim(); ++i) out = flip(out, i, s);
  return out;
}

array roll(const array& a, const Shape& shift, const std::vector<int>& axes, StreamOrDevice s) {
  if (shift.size() != axes.size()) {
    fail("roll", "Shift and axes must have the same length, got ", shift.size(), " and ",
         axes.size(), ".");
  }
  auto out = a;
  for (size_t i = 0; i < axes.size(); ++i) {
    int ax = normalize_axis(axes[i], a.ndim(), "roll");
    int n = a.shape(ax);
    if (n == 0) continue;
    int k = ((shift[i] % n) + n) % n;
    if (k == 0) continue;
    // The last k elements move to the front.
    Shape lo(a.ndim(), 0), hi = out.shape();
    Shape split_lo = lo, split_hi = hi;
    split_lo[ax] = n - k;
    hi[ax] = n - k;
    out = concatenate({slice(out, split_lo, split_hi, s), slice(out, lo, hi, s)}, ax, s);
  }
  return out;
}
array roll(const array& a, const Shape& shift, int axis, StreamOrDevice s) {
  return roll(a, shift, std::vector<int>(shift.size(), axis), s);
}
array roll(const array& a, int shift, const std::vector<int>& axes, StreamOrDevice s) {
  return roll(a, Shape(axes.size(), shift), axes, s);
}
array roll(const array& a, int shift, int axis, StreamOrDevice s) {
  return roll(a, Shape{shift}, std::vector<int>{axis}, s);
}
array roll(const array& a, const Shape& shift, StreamOrDevice s) {
  // Without axes the array rolls as if flattened.
  int total = std::accumulate(shift.begin(), shift.end(), 0);
  return reshape(roll(flatten(a, s), total, 0, s), a.shape(), s);
}
array roll(const array& a, int shift, StreamOrDevice s) {
  return roll(a, Shape{shift}, s);
}

std::vector<array> unstack(const array& a, int axis, StreamOrDevice s) {
  if (a.ndim() == 0) fail("unstack", "No axis to unstack in a scalar.");
  int ax = normalize_axis(axis, a.ndim(), "unstack");
  std::vector<array> out;
  for (int i = 0; i < a.shape(ax); ++i) out.push_back(take(a, i, ax, s));
  return out;
}
std::vector<array> unstack(const array& a, StreamOrDevice s) {
  return unstack(a, 0, s);
}

std::vector<array> meshgrid(const std::vector<array>& arrays, bool sparse,
                            const std::string& indexing, StreamOrDevice s) {
  if (indexing != "xy" && indexing != "ij") {
    fail("meshgrid", "Invalid indexing value '", indexing, "'; expected 'xy' or 'ij'.");
  }
  int n = static_cast<int>(arrays.size());
  std::vector<array> out;
  for (int i = 0; i < n; ++i) {
    // Array i varies along axis i (with "xy", the first two axes swap).
    int ax = i;
    if (indexing == "xy" && n >= 2 && i < 2) ax = 1 - i;
    Shape shape(n, 1);
    shape[ax] = static_cast<ShapeElem>(arrays[i].size());
    out.push_back(reshape(arrays[i], shape, s));
  }
  if (!sparse) out = broadcast_arrays(out, s);
  return out;
}

array kron(const array& a, const array& b, StreamOrDevice s) {
  int nd = std::max(a.ndim(), b.ndim());
  auto pad_front = [&](const array& x) {
    Shape shape(nd - x.ndim(), 1);
    shape.insert(shape.end(), x.shape().begin(), x.shape().end());
    return reshape(x, shape, s);
  };
  auto x = pad_front(a), y = pad_front(b);
  // (a0, 1, a1, 1, ...) * (1, b0, 1, b1, ...) -> (a0 b0, a1 b1, ...)
  Shape xs, ys, out;
  for (int i = 0; i < nd; ++i) {
    xs.insert(xs.end(), {x.shape(i), 1});
    ys.insert(ys.end(), {1, y.shape(i)});
    out.push_back(x.shape(i) * y.shape(i));
  }
  return reshape(multiply(reshape(x, xs, s), reshape(y, ys, s), s), out, s);
}

array tensordot(const array& a, const array& b, const std::vector<int>& axes_a,
                const std::vector<int>& axes_b, StreamOrDevice s) {
  if (axes_a.size() != axes_b.size()) {
    fail("tensordot", "Different number of axes for a and b, got ", axes_a.size(), " and ",
         axes_b.size(), ".");
  }
  auto ax_a = normalize_axes(axes_a, a.ndim(), "tensordot");
  auto ax_b = normalize_axes(axes_b, b.ndim(), "tensordot");
  int64_t k = 1;
  for (size_t i = 0; i < ax_a.size(); ++i) {
    if (a.shape(ax_a[i]) != b.shape(ax_b[i])) {
      fail("tensordot", "Axis ", ax_a[i], " of a (", a.shape(ax_a[i]), ") and axis ", ax_b[i],
           " of b (", b.shape(ax_b[i]), ") must have the same size.");
    }
    k *= a.shape(ax_a[i]);
  }
  auto others = [](const array& x, const std::vector<int>& contracted) {
    std::vector<int> rest;
    for (int i = 0; i < x.ndim(); ++i)
      if (std::find(contracted.begin(), contracted.end(), i) == contracted.end()) rest.push_back(i);
    return rest;
  };
  auto free_a = others(a, ax_a), free_b = others(b, ax_b);
  // a -> (free_a..., contracted) as (M, K); b -> (contracted, free_b...) as (K, N).
  std::vector<int> perm_a = free_a, perm_b = ax_b;
  perm_a.insert(perm_a.end(), ax_a.begin(), ax_a.end());
  perm_b.insert(perm_b.end(), free_b.begin(), free_b.end());
  Shape out;
  int64_t m = 1, n = 1;
  for (int i : free_a) out.push_back(a.shape(i)), m *= a.shape(i);
  for (int i : free_b) out.push_back(b.shape(i)), n *= b.shape(i);
  auto x = reshape(transpose(a, perm_a, s), {static_cast<int>(m), static_cast<int>(k)}, s);
  auto y = reshape(transpose(b, perm_b, s), {static_cast<int>(k), static_cast<int>(n)}, s);
  return reshape(matmul(x, y, s), out, s);
}
array tensordot(const array& a, const array& b, int axis, StreamOrDevice s) {
  if (axis < 0) fail("tensordot", "axis must be non-negative, got ", axis, ".");
  if (axis > a.ndim() || axis > b.ndim()) {
    fail("tensordot", "axis ", axis, " is larger than the dimensions of a ", a.shape(), " or b ",
         b.shape(), ".");
  }
  std::vector<int> ax_a, ax_b;
  for (int i = 0; i < axis; ++i) {
    ax_a.push_back(a.ndim() - axis + i);
    ax_b.push_back(i);
  }
  return tensordot(a, b, ax_a, ax_b, s);
}

array vecdot(const array& a, const array& b, int axis, StreamOrDevice s) {
  return sum(multiply(conjugate(a, s), b, s), axis, false, s);
}

array partition(const array& a, int kth, int axis, StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "partition");
  int n = a.shape(ax);
  if (kth < -n || kth >= n) {
    fail("partition", "Received invalid kth ", kth, " along axis ", axis, " for array with shape ",
         a.shape(), ".");
  }
  return sort(a, ax, s);
}
array partition(const array& a, int kth, StreamOrDevice s) {
  return partition(flatten(a, s), kth, 0, s);
}
array argpartition(const array& a, int kth, int axis, StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "argpartition");
  int n = a.shape(ax);
  if (kth < -n || kth >= n) {
    fail("argpartition", "Received invalid kth ", kth, " along axis ", axis,
         " for array with shape ", a.shape(), ".");
  }
  return argsort(a, ax, s);
}
array argpartition(const array& a, int kth, StreamOrDevice s) {
  return argpartition(flatten(a, s), kth, 0, s);
}

array median(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "median");
  if (ax.empty()) return astype(a, at_least_float(a.dtype()), s);
  // Gather the reduced axes last and flatten them; the median is the mean of
  // the middle one or two of the sorted values.
  std::vector<int> perm;
  Shape kept;
  for (int i = 0; i < a.ndim(); ++i) {
    if (std::find(ax.begin(), ax.end(), i) == ax.end())
      perm.push_back(i), kept.push_back(a.shape(i));
  }
  int64_t n = 1;
  for (int i : ax) perm.push_back(i), n *= a.shape(i);
  if (n == 0) fail("median", "Cannot compute the median of an empty reduction.");
  Shape flat = kept;
  flat.push_back(static_cast<int>(n));
  auto sorted = sort(reshape(transpose(a, perm, s), flat, s), -1, s);
  auto mid = [&](int64_t i) { return take(sorted, static_cast<int>(i), -1, s); };
  Dtype t = at_least_float(a.dtype());
  auto out = n % 2 ? astype(mid(n / 2), t, s)
                   : multiply(add(astype(mid(n / 2 - 1), t, s), astype(mid(n / 2), t, s), s),
                              array(0.5, t), s);
  if (keepdims) {
    Shape shape = a.shape();
    for (int i : ax) shape[i] = 1;
    out = reshape(out, shape, s);
  }
  return out;
}
array median(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return median(a, std::vector<int>{axis}, keepdims, s);
}
array median(const array& a, bool keepdims, StreamOrDevice s) {
  return median(a, all_axes(a.ndim()), keepdims, s);
}
array median(const array& a, StreamOrDevice s) {
  return median(a, false, s);
}

array searchsorted(const array& sorted_sequence, const array& values, const std::string& side,
                   StreamOrDevice s) {
  if (side != "left" && side != "right") {
    fail("searchsorted", "side must be 'left' or 'right', got '", side, "'.");
  }
  if (sorted_sequence.ndim() == 0) fail("searchsorted", "sorted_sequence must not be a scalar.");
  // The insertion point is the number of elements before which the value
  // goes: those < value (left) or <= value (right).
  array seq = sorted_sequence, v = expand_dims(values, -1, s);
  if (seq.ndim() > 1) seq = expand_dims(seq, -2, s);
  auto before = side == "left" ? less(seq, v, s) : less_equal(seq, v, s);
  return astype(sum(before, -1, false, s), uint32, s);
}

array view(const array& a, const Dtype& dtype, StreamOrDevice s) {
  if (a.dtype() == dtype) return a;
  size_t in = a.itemsize(), out = size_of(dtype);
  Shape shape = a.shape();
  if (in != out) {
    if (a.ndim() == 0) {
      fail("view",
           "Changing the type of a scalar is only allowed for types with the same size, "
           "got ",
           a.dtype(), " and ", dtype, ".");
    }
    int64_t bytes = int64_t(shape.back()) * static_cast<int64_t>(in);
    if (bytes % static_cast<int64_t>(out) != 0) {
      fail("view", "The last dimension (", shape.back(), " of ", a.dtype(),
           ") is not divisible by the size of ", dtype, ".");
    }
    shape.back() = static_cast<ShapeElem>(bytes / static_cast<int64_t>(out));
  }
  return make_node<View>(std::move(shape), dtype, {a}, to_stream(s), dtype);
}

array contiguous(const array& a, bool allow_col_major, StreamOrDevice s) {
  // Full copies into a fresh row-contiguous buffer when the graph runs. An
  // evaluated array already laid out as asked is returned as it is.
  if (a.is_available()) {
    auto f = a.flags();
    if ((f.row_contiguous || (allow_col_major && f.col_contiguous)) && a.data_size() == a.size()) {
      return a;
    }
  }
  return make_node<Full>(a.shape(), a.dtype(), {a}, to_stream(s));
}

array number_of_elements(const array& a, std::vector<int> axes, bool inverted, Dtype dtype,
                         StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "number_of_elements");
  return make_node<NumberOfElements>({}, dtype, {stop_gradient(a, s)}, to_stream(s), ax, inverted,
                                     dtype);
}

array matrix_transpose(const array& a, StreamOrDevice s) {
  if (a.ndim() < 2) fail("matrix_transpose", "Input array must have at least 2 dimensions.");
  return swapaxes(a, -1, -2, s);
}

std::tuple<array, array> minmax(const array& a, const std::vector<int>& axes, bool keepdims,
                                StreamOrDevice s) {
  return {min(a, axes, keepdims, s), max(a, axes, keepdims, s)};
}
std::tuple<array, array> minmax(const array& a, bool keepdims, StreamOrDevice s) {
  return {min(a, keepdims, s), max(a, keepdims, s)};
}
std::tuple<array, array> minmax(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return {min(a, axis, keepdims, s), max(a, axis, keepdims, s)};
}

std::vector<array> unique(const array& a, int size, bool return_index, bool return_inverse,
                          bool return_counts, const std::optional<array>& fill_value,
                          StreamOrDevice s) {
  if (size < 0) fail("unique", "Received negative size ", size, ".");
  if (fill_value && fill_value->size() != 1) {
    fail("unique", "The fill value must be a scalar, got shape ", fill_value->shape(), ".");
  }
  size_t count = checked_size(a.shape(), "unique");
  if (count > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    fail("unique", "Inputs with more than 2^31 - 1 elements are not supported, got shape ",
         a.shape(), ".");
  }
  const int n = static_cast<int>(count);
  std::vector<array> out;
  auto with_extras = [&](array values, array index, array inverse, array counts) {
    out.push_back(std::move(values));
    if (return_index) out.push_back(std::move(index));
    if (return_inverse) out.push_back(std::move(inverse));
    if (return_counts) out.push_back(std::move(counts));
    return out;
  };
  if (n == 0) {
    if (size > 0 && !fill_value) {
      fail("unique", "A fill value is required for an empty input with a non-zero size.");
    }
    auto values = size > 0 ? full({size}, astype(reshape(*fill_value, {}, s), a.dtype(), s), s)
                           : zeros({0}, a.dtype(), s);
    return with_extras(values, zeros({size}, uint32, s), zeros(a.shape(), uint32, s),
                       zeros({size}, int32, s));
  }
  // Sort, mark where a new value starts (NaN != NaN, so each NaN starts one),
  // and number the groups; group g lands in slot g, and groups past `size`
  // in a spare slot that is cut off at the end.
  auto flat = flatten(a, s);
  auto order = argsort(flat, 0, s);
  auto sorted = take(flat, order, 0, s);
  auto starts = concatenate(
      {array({true}), not_equal(slice(sorted, {1}, {n}, s), slice(sorted, {0}, {n - 1}, s), s)}, 0,
      s);
  auto group = subtract(cumsum(astype(starts, int32, s), 0, false, true, s), array(1), s);
  auto slot = minimum(group, array(size), s);
  auto column = [&](const array& v) { return expand_dims(v, -1, s); };
  auto kept = [&](const array& v) { return slice(v, {0}, {size}, s); };
  auto fill = fill_value ? astype(reshape(*fill_value, {}, s), a.dtype(), s) : take(sorted, 0, s);
  auto values = kept(scatter(full({size + 1}, fill, s), slot, column(sorted), 0, s));
  auto counts =
      kept(scatter_add(zeros({size + 1}, int32, s), slot, column(ones({n}, int32, s)), 0, s));
  // Padding repeats the first value's index (as MLX).
  auto first = kept(scatter_min(full({size + 1}, array(static_cast<uint32_t>(n)), s), slot,
                                column(astype(order, uint32, s)), 0, s));
  if (size > 0) first = where(greater(counts, array(0), s), first, take(first, 0, s), s);
  auto clamped = astype(minimum(group, array(std::max(size - 1, 0)), s), uint32, s);
  auto inverse =
      reshape(scatter(zeros({n}, uint32, s), order, column(clamped), 0, s), a.shape(), s);
  return with_extras(values, first, inverse, counts);
}

array masked_scatter(const array& a, const array& mask, const array& src, StreamOrDevice s) {
  if (mask.dtype() != bool_) {
    fail("masked_scatter", "The mask must be a boolean array, got ", mask.dtype(), ".");
  }
  auto m = broadcast_to(mask, a.shape(), s);
  // The k-th true position takes src's k-th element.
  auto flat_mask = flatten(m, s);
  auto position = subtract(cumsum(astype(flat_mask, int32, s), 0, false, true, s), array(1), s);
  auto flat_src = flatten(astype(src, a.dtype(), s), s);
  if (flat_src.size() == 0) {
    return where(m, zeros_like(a, s), a, s);
  }
  position = clip(position, array(0), array(static_cast<int>(flat_src.size()) - 1), s);
  auto values = reshape(take(flat_src, position, 0, s), a.shape(), s);
  return where(m, values, a, s);
}

namespace {

// The value of every E4M3 code (no infinities; 0x7f and 0xff are NaN).
std::vector<float> fp8_values() {
  std::vector<float> v(256);
  for (int c = 0; c < 256; ++c) {
    int e = (c >> 3) & 15, m = c & 7;
    float mag = e == 0 ? std::ldexp(static_cast<float>(m), -9)
                       : std::ldexp(1.0f + static_cast<float>(m) / 8.0f, e - 7);
    if ((c & 127) == 127) mag = std::numeric_limits<float>::quiet_NaN();
    v[c] = (c & 128) ? -mag : mag;
  }
  return v;
}

}  // namespace

array from_fp8(array x, Dtype dtype, StreamOrDevice s) {
  if (x.dtype() != uint8)
    fail("from_fp8", "Input must be uint8 (E4M3 codes), got ", x.dtype(), ".");
  if (!is_floating_point(dtype)) {
    fail("from_fp8", "Output dtype must be a floating point type, got ", dtype, ".");
  }
  static const std::vector<float> values = fp8_values();
  auto table = array(values.begin(), Shape{256}, float32);
  return astype(take(table, astype(x, int32, s), 0, s), dtype, s);
}

array to_fp8(array x, StreamOrDevice s) {
  if (!is_floating_point(x.dtype())) {
    fail("to_fp8", "Input must be a floating point type, got ", x.dtype(), ".");
  }
  x = astype(x, float32, s);
  auto negative_sign = less(x, array(0.0f), s);
  // |x|, saturated at the largest finite value (NaN and infinities too).
  auto a = abs(x, s);
  a = where(isnan(a, s), array(448.0f), minimum(a, array(448.0f), s), s);
  // Subnormals are multiples of 2^-9; normals have 3 mantissa bits below
  // exponent e (bias 7), so the code is 8 (e + 7) + round(8 (a / 2^e - 1)),
  // whose carry into the exponent is the right code as well.
  auto sub_code = round(multiply(a, array(512.0f), s), 0, s);
  auto e = floor(log2(maximum(a, array(0x1p-6f), s), s), s);
  auto p = power(array(2.0f), e, s);
  // log2 may be off by one next to a power of two.
  e = where(greater(p, a, s), subtract(e, array(1.0f), s), e, s);
  e = where(less_equal(multiply(power(array(2.0f), e, s), array(2.0f), s), a, s),
            add(e, array(1.0f), s), e, s);
  auto mant = round(
      multiply(subtract(divide(a, power(array(2.0f), e, s), s), array(1.0f), s), array(8.0f), s), 0,
      s);
  auto norm_code = add(multiply(add(e, array(7.0f), s), array(8.0f), s), mant, s);
  auto code = where(less(a, array(0x1p-6f), s), sub_code, norm_code, s);
  code = add(code, where(negative_sign, array(128.0f), array(0.0f), s), s);
  return astype(code, uint8, s);
}

}  // namespace lmx
