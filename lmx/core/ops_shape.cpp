// Creation and shape ops.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "lmx/core/ops_common.h"
#include "lmx/core/sizes.h"

namespace lmx {

// ---- Creation ----

array arange(double start, double stop, double step, Dtype dtype, StreamOrDevice s) {
  if (dtype == bool_) fail("arange", "Cannot make an arange of bool dtype.");
  if (dtype == complex64) fail("arange", "Cannot make an arange of complex64 dtype.");
  if (std::isnan(start) || std::isnan(step) || std::isnan(stop)) {
    fail("arange", "Cannot compute length with NaN start, stop or step.");
  }
  if (std::isinf(start) || std::isinf(stop)) fail("arange", "Cannot compute length with inf.");
  if (step == 0) fail("arange", "Step must be nonzero, got ", step, ".");
  double real_size = std::ceil((stop - start) / step);
  if (real_size > INT32_MAX) fail("arange", "Maximum size exceeded: ", real_size, ".");
  int size = std::max(static_cast<int>(real_size), 0);
  return make_node<Arange>({size}, dtype, {}, to_stream(s), start, stop, step);
}
array arange(double start, double stop, double step, StreamOrDevice s) {
  return arange(start, stop, step, float32, s);
}
array arange(double start, double stop, Dtype dtype, StreamOrDevice s) {
  return arange(start, stop, 1.0, dtype, s);
}
array arange(double start, double stop, StreamOrDevice s) {
  return arange(start, stop, 1.0, s);
}
array arange(double stop, Dtype dtype, StreamOrDevice s) {
  return arange(0.0, stop, 1.0, dtype, s);
}
array arange(double stop, StreamOrDevice s) {
  return arange(0.0, stop, 1.0, s);
}
array arange(int start, int stop, int step, StreamOrDevice s) {
  return arange(double(start), double(stop), double(step), int32, s);
}
array arange(int start, int stop, StreamOrDevice s) {
  return arange(start, stop, 1, s);
}
array arange(int stop, StreamOrDevice s) {
  return arange(0, stop, 1, s);
}

array linspace(double start, double stop, int num, Dtype dtype, StreamOrDevice s) {
  if (num < 0) fail("linspace", "Number of points must be non-negative, got ", num, ".");
  if (num == 1) return astype(array({start}), dtype, s);
  array t = divide(arange(0, num, float64, s), array(double(num - 1)), s);
  array out = add(multiply(t, array(stop - start), s), array(start), s);
  return astype(out, dtype, s);
}

array astype(array a, Dtype dtype, StreamOrDevice s) {
  if (a.dtype() == dtype) return a;
  return make_node<AsType>(a.shape(), dtype, {a}, to_stream(s), dtype);
}

array copy(array a, StreamOrDevice s) {
  return make_node<Copy>(a.shape(), a.dtype(), {a}, to_stream(s));
}

array full(Shape shape, array vals, Dtype dtype, StreamOrDevice s) {
  for (auto d : shape) {
    if (d < 0) fail("full", "Negative dimensions not allowed, got shape ", shape, ".");
  }
  auto in = broadcast_to(astype(std::move(vals), dtype, s), shape, s);
  return make_node<Full>(std::move(shape), dtype, {in}, to_stream(s));
}
array full(Shape shape, array vals, StreamOrDevice s) {
  Dtype t = vals.dtype();
  return full(std::move(shape), std::move(vals), t, s);
}
array zeros(const Shape& shape, Dtype dtype, StreamOrDevice s) {
  return full(shape, array(0, dtype), dtype, s);
}
array zeros(const Shape& shape, StreamOrDevice s) {
  return zeros(shape, float32, s);
}
array zeros_like(const array& a, StreamOrDevice s) {
  return zeros(a.shape(), a.dtype(), s);
}
array ones(const Shape& shape, Dtype dtype, StreamOrDevice s) {
  return full(shape, array(1, dtype), dtype, s);
}
array ones(const Shape& shape, StreamOrDevice s) {
  return ones(shape, float32, s);
}
array ones_like(const array& a, StreamOrDevice s) {
  return ones(a.shape(), a.dtype(), s);
}
array full_like(const array& a, const array& vals, StreamOrDevice s) {
  return full(a.shape(), vals, a.dtype(), s);
}

array tri(int n, int m, int k, Dtype type, StreamOrDevice s) {
  if (n < 0 || m < 0) fail("tri", "Dimensions must be non-negative, got n=", n, " m=", m, ".");
  auto l = expand_dims(arange(n, s), 1, s);
  auto r = expand_dims(arange(-k, m - k, s), 0, s);
  return astype(greater_equal(l, r, s), type, s);
}
array tri(int n, Dtype type, StreamOrDevice s) {
  return tri(n, n, 0, type, s);
}

array tril(array x, int k, StreamOrDevice s) {
  if (x.ndim() < 2) fail("tril", "Array must be at least 2-D, got shape ", x.shape(), ".");
  auto mask = tri(x.shape(-2), x.shape(-1), k, bool_, s);
  return where(mask, x, zeros_like(x, s), s);
}
array triu(array x, int k, StreamOrDevice s) {
  if (x.ndim() < 2) fail("triu", "Array must be at least 2-D, got shape ", x.shape(), ".");
  auto mask = tri(x.shape(-2), x.shape(-1), k - 1, bool_, s);
  return where(mask, zeros_like(x, s), x, s);
}

array eye(int n, int m, int k, Dtype dtype, StreamOrDevice s) {
  if (n < 0 || m < 0)
    fail("eye", "N and M must be non-negative integers, got ", n, " and ", m, ".");
  auto r = expand_dims(arange(n, s), 1, s);
  auto c = expand_dims(arange(m, s), 0, s);
  return astype(equal(add(r, array(k), s), c, s), dtype, s);
}
array eye(int n, Dtype dtype, StreamOrDevice s) {
  return eye(n, n, 0, dtype, s);
}
array eye(int n, int m, StreamOrDevice s) {
  return eye(n, m, 0, float32, s);
}
array eye(int n, int m, int k, StreamOrDevice s) {
  return eye(n, m, k, float32, s);
}
array eye(int n, StreamOrDevice s) {
  return eye(n, n, 0, float32, s);
}
array identity(int n, Dtype dtype, StreamOrDevice s) {
  return eye(n, n, 0, dtype, s);
}
array identity(int n, StreamOrDevice s) {
  return eye(n, n, 0, float32, s);
}

// ---- Shape ----

array reshape(const array& a, Shape shape, StreamOrDevice s) {
  size_t size = 1;
  int infer = -1;
  for (int i = 0; i < static_cast<int>(shape.size()); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) fail("reshape", "Reshape can only infer one dimension.");
      infer = i;
    } else if (shape[i] < 0) {
      fail("reshape", "Invalid dimension ", shape[i], " in shape ", shape, ".");
    } else {
      size *= shape[i];
    }
  }
  if (infer >= 0) {
    if (size == 0 || a.size() % size != 0) {
      fail("reshape", "Cannot infer the shape of an array of size ", a.size(), " into shape ",
           shape, ".");
    }
    shape[infer] = static_cast<int>(a.size() / size);
    size *= shape[infer];
  }
  if (size != a.size()) {
    fail("reshape", "Cannot reshape array of size ", a.size(), " into shape ", shape, ".");
  }
  if (shape == a.shape()) return a;
  return make_node<Reshape>(shape, a.dtype(), {a}, to_stream(s), shape);
}

array flatten(const array& a, int start_axis, int end_axis, StreamOrDevice s) {
  int nd = a.ndim();
  if (nd == 0) return reshape(a, {1}, s);
  // Axes past either end are clamped to it (as MLX).
  start_axis = std::max(0, start_axis < 0 ? start_axis + nd : start_axis);
  end_axis = std::min(nd - 1, end_axis < 0 ? end_axis + nd : end_axis);
  if (start_axis > end_axis) {
    fail("flatten", "start_axis must be less than or equal to end_axis, got ", start_axis, " and ",
         end_axis, ".");
  }
  Shape shape(a.shape().begin(), a.shape().begin() + start_axis);
  int64_t m = 1;
  for (int i = start_axis; i <= end_axis; ++i) m *= a.shape(i);
  shape.push_back(static_cast<int>(m));
  shape.insert(shape.end(), a.shape().begin() + end_axis + 1, a.shape().end());
  return reshape(a, shape, s);
}
array flatten(const array& a, StreamOrDevice s) {
  return flatten(a, 0, -1, s);
}

array unflatten(const array& a, int axis, Shape shape, StreamOrDevice s) {
  if (shape.empty()) fail("unflatten", "Shape to unflatten to cannot be empty.");
  axis = normalize_axis(axis, a.ndim(), "unflatten");
  int infer = -1;
  int64_t size = 1;
  for (int i = 0; i < static_cast<int>(shape.size()); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) fail("unflatten", "Can only infer one dimension.");
      infer = i;
    } else {
      size *= shape[i];
    }
  }
  if (infer >= 0) {
    if (size == 0 || a.shape(axis) % size != 0) {
      fail("unflatten", "Cannot infer the shape ", shape, " from dimension ", a.shape(axis), ".");
    }
    shape[infer] = static_cast<int>(a.shape(axis) / size);
    size *= shape[infer];
  }
  if (size != a.shape(axis)) {
    fail("unflatten", "Cannot unflatten axis ", axis, " with size ", a.shape(axis), " into shape ",
         shape, ".");
  }
  Shape out(a.shape().begin(), a.shape().begin() + axis);
  out.insert(out.end(), shape.begin(), shape.end());
  out.insert(out.end(), a.shape().begin() + axis + 1, a.shape().end());
  return reshape(a, out, s);
}

array squeeze(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "squeeze");
  Shape shape;
  std::vector<int> removed;
  for (int i = 0; i < a.ndim(); ++i) {
    if (std::find(ax.begin(), ax.end(), i) != ax.end()) {
      if (a.shape(i) != 1) {
        fail("squeeze", "Cannot squeeze axis ", i, " with size ", a.shape(i),
             " which is not equal to 1.");
      }
      removed.push_back(i);
    } else {
      shape.push_back(a.shape(i));
    }
  }
  if (removed.empty()) return a;
  return make_node<Reshape>(shape, a.dtype(), {a}, to_stream(s), shape, Reshape::Rule::Squeeze,
                            removed);
}
array squeeze(const array& a, int axis, StreamOrDevice s) {
  return squeeze(a, std::vector<int>{axis}, s);
}
array squeeze(const array& a, StreamOrDevice s) {
  std::vector<int> unit;
  for (int i = 0; i < a.ndim(); ++i)
    if (a.shape(i) == 1) unit.push_back(i);
  return squeeze(a, unit, s);
}

array expand_dims(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  int out_ndim = a.ndim() + static_cast<int>(axes.size());
  auto ax = normalize_axes(axes, out_ndim, "expand_dims");
  std::sort(ax.begin(), ax.end());
  Shape shape = a.shape();
  for (int i : ax) shape.insert(shape.begin() + i, 1);
  if (ax.empty()) return a;
  return make_node<Reshape>(shape, a.dtype(), {a}, to_stream(s), shape, Reshape::Rule::ExpandDims,
                            ax);
}
array expand_dims(const array& a, int axis, StreamOrDevice s) {
  return expand_dims(a, std::vector<int>{axis}, s);
}

array transpose(const array& a, std::vector<int> axes, StreamOrDevice s) {
  if (static_cast<int>(axes.size()) != a.ndim()) {
    fail("transpose", "Received ", axes.size(), " axes for array with ", a.ndim(), " dimensions.");
  }
  axes = normalize_axes(axes, a.ndim(), "transpose");
  bool identity = true;
  Shape shape(axes.size());
  for (size_t i = 0; i < axes.size(); ++i) {
    shape[i] = a.shape(axes[i]);
    identity &= axes[i] == static_cast<int>(i);
  }
  if (identity) return a;
  return make_node<Transpose>(shape, a.dtype(), {a}, to_stream(s), std::move(axes));
}
array transpose(const array& a, StreamOrDevice s) {
  std::vector<int> axes(a.ndim());
  std::iota(axes.rbegin(), axes.rend(), 0);
  return transpose(a, axes, s);
}

array swapaxes(const array& a, int axis1, int axis2, StreamOrDevice s) {
  axis1 = normalize_axis(axis1, a.ndim(), "swapaxes");
  axis2 = normalize_axis(axis2, a.ndim(), "swapaxes");
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  std::swap(axes[axis1], axes[axis2]);
  return transpose(a, axes, s);
}

array moveaxis(const array& a, int source, int destination, StreamOrDevice s) {
  source = normalize_axis(source, a.ndim(), "moveaxis");
  destination = normalize_axis(destination, a.ndim(), "moveaxis");
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  axes.erase(axes.begin() + source);
  axes.insert(axes.begin() + destination, source);
  return transpose(a, axes, s);
}

array broadcast_to(const array& a, const Shape& shape, StreamOrDevice s) {
  if (a.shape() == shape) return a;
  if (static_cast<int>(shape.size()) < a.ndim()) {
    fail("broadcast_to", "Cannot broadcast array of shape ", a.shape(), " into shape ", shape, ".");
  }
  Shape bs;
  try {
    bs = broadcast_shapes(a.shape(), shape);
  } catch (const std::invalid_argument&) {
    fail("broadcast_to", "Cannot broadcast array of shape ", a.shape(), " into shape ", shape, ".");
  }
  if (bs != shape) {
    fail("broadcast_to", "Cannot broadcast array of shape ", a.shape(), " into shape ", shape, ".");
  }
  return make_node<Broadcast>(shape, a.dtype(), {a}, to_stream(s), shape);
}

std::vector<array> broadcast_arrays(const std::vector<array>& inputs, StreamOrDevice s) {
  Shape shape;
  for (auto& in : inputs) shape = broadcast_shapes(shape, in.shape());
  std::vector<array> out;
  for (auto& in : inputs) out.push_back(broadcast_to(in, shape, s));
  return out;
}

array concatenate(std::vector<array> arrays, int axis, StreamOrDevice s) {
  if (arrays.empty()) fail("concatenate", "No arrays provided for concatenation.");
  int nd = arrays[0].ndim();
  if (nd == 0) fail("concatenate", "Zero-dimensional arrays cannot be concatenated.");
  axis = normalize_axis(axis, nd, "concatenate");
  Shape shape = arrays[0].shape();
  shape[axis] = 0;
  Dtype dtype = result_type(arrays);
  for (auto& a : arrays) {
    if (a.ndim() != nd) {
      fail("concatenate", "All the input arrays must have the same number of dimensions, got ",
           arrays[0].shape(), " and ", a.shape(), ".");
    }
    for (int i = 0; i < nd; ++i) {
      if (i != axis && a.shape(i) != arrays[0].shape(i)) {
        fail("concatenate",
             "All the input array dimensions must match exactly except for the "
             "concatenation axis. However, the provided shapes are ",
             arrays[0].shape(), " and ", a.shape(), ", and the concatenation axis is ", axis, ".");
      }
    }
    shape[axis] += a.shape(axis);
  }
  if (arrays.size() == 1) return astype(arrays[0], dtype, s);
  for (auto& a : arrays) a = astype(a, dtype, s);
  return make_node<Concatenate>(shape, dtype, std::move(arrays), to_stream(s), axis);
}
array concatenate(std::vector<array> arrays, StreamOrDevice s) {
  for (auto& a : arrays) a = flatten(a, s);
  return concatenate(std::move(arrays), 0, s);
}

array stack(const std::vector<array>& arrays, int axis, StreamOrDevice s) {
  if (arrays.empty()) fail("stack", "No arrays provided for stacking.");
  for (auto& a : arrays) {
    if (a.shape() != arrays[0].shape()) {
      fail("stack", "All arrays must have the same shape, got ", arrays[0].shape(), " and ",
           a.shape(), ".");
    }
  }
  axis = normalize_axis(axis, arrays[0].ndim() + 1, "stack");
  std::vector<array> expanded;
  for (auto& a : arrays) expanded.push_back(expand_dims(a, axis, s));
  return concatenate(expanded, axis, s);
}
array repeat(const array& a, int repeats, int axis, StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "repeat");
  if (repeats < 0) fail("repeat", "Number of repeats cannot be negative but got ", repeats, ".");
  // (..., n, ...) -> (..., n, repeats, ...) by broadcasting, then merge.
  auto expanded = expand_dims(a, ax + 1, s);
  Shape target = expanded.shape();
  target[ax + 1] = repeats;
  Shape out = a.shape();
  out[ax] *= repeats;
  return reshape(broadcast_to(expanded, target, s), out, s);
}
array repeat(const array& a, int repeats, StreamOrDevice s) {
  return repeat(flatten(a, s), repeats, 0, s);
}

array tile(const array& a, std::vector<int> reps, StreamOrDevice s) {
  for (int r : reps) {
    if (r < 0) fail("tile", "Repetitions cannot be negative but got ", Shape(reps), ".");
  }
  size_t nd = std::max(reps.size(), size_t(a.ndim()));
  reps.insert(reps.begin(), nd - reps.size(), 1);
  Shape shape = a.shape();
  shape.insert(shape.begin(), nd - shape.size(), 1);
  // Interleave a size-reps[i] axis before each axis, broadcast, then merge.
  Shape expanded, target, out;
  for (size_t i = 0; i < nd; ++i) {
    expanded.insert(expanded.end(), {1, shape[i]});
    target.insert(target.end(), {reps[i], shape[i]});
    out.push_back(reps[i] * shape[i]);
  }
  return reshape(broadcast_to(reshape(a, expanded, s), target, s), out, s);
}

array stack(const std::vector<array>& arrays, StreamOrDevice s) {
  return stack(arrays, 0, s);
}

std::vector<array> split(const array& a, const Shape& indices, int axis, StreamOrDevice s) {
  axis = normalize_axis(axis, a.ndim(), "split");
  int n = a.shape(axis);
  std::vector<array> out;
  Shape start(a.ndim(), 0);
  Shape stop = a.shape();
  int prev = 0;
  for (size_t i = 0; i <= indices.size(); ++i) {
    int next = i < indices.size() ? indices[i] : n;
    if (next < 0) next += n;
    next = std::clamp(next, prev, n);
    start[axis] = prev;
    stop[axis] = next;
    out.push_back(slice(a, start, stop, s));
    prev = next;
  }
  return out;
}
std::vector<array> split(const array& a, const Shape& indices, StreamOrDevice s) {
  return split(a, indices, 0, s);
}
std::vector<array> split(const array& a, int num_splits, int axis, StreamOrDevice s) {
  axis = normalize_axis(axis, a.ndim(), "split");
  if (num_splits <= 0 || a.shape(axis) % num_splits != 0) {
    fail("split", "Array split does not result in sub arrays with equal size: cannot split axis ",
         axis, " of size ", a.shape(axis), " into ", num_splits, " parts.");
  }
  int step = a.shape(axis) / num_splits;
  Shape indices;
  for (int i = 1; i < num_splits; ++i) indices.push_back(i * step);
  return split(a, indices, axis, s);
}
std::vector<array> split(const array& a, int num_splits, StreamOrDevice s) {
  return split(a, num_splits, 0, s);
}

namespace {
// Clamps start/stop per NumPy slicing rules and returns the output shape.
Shape normalize_slice(const Shape& in, Shape& start, Shape& stop, const Shape& strides,
                      const char* who) {
  if (start.size() != in.size() || stop.size() != in.size() || strides.size() != in.size()) {
    fail(who, "Invalid number of indices or strides for array with dimensions ", in, ".");
  }
  Shape out(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    int n = in[i], st = strides[i];
    if (st == 0) fail(who, "Slice stride must be nonzero in dimension ", i, ".");
    int b = start[i] < 0 ? start[i] + n : start[i];
    int e = stop[i] < 0 ? stop[i] + n : stop[i];
    if (st > 0) {
      b = std::clamp(b, 0, n);
      e = std::clamp(e, b, n);
      out[i] = (e - b + st - 1) / st;
    } else {
      b = std::clamp(b, -1, n - 1);
      e = std::clamp(e, -1, b);
      out[i] = (b - e - st - 1) / (-st);
    }
    start[i] = b;
    stop[i] = e;
  }
  return out;
}
}  // namespace

array slice(const array& a, Shape start, Shape stop, Shape strides, StreamOrDevice s) {
  auto shape = normalize_slice(a.shape(), start, stop, strides, "slice");
  if (shape == a.shape()) {
    bool full = true;
    for (size_t i = 0; i < shape.size(); ++i) full &= start[i] == 0 && strides[i] == 1;
    if (full) return a;
  }
  return make_node<Slice>(shape, a.dtype(), {a}, to_stream(s), std::move(start), std::move(stop),
                          std::move(strides));
}
array slice(const array& a, Shape start, Shape stop, StreamOrDevice s) {
  Shape strides(a.ndim(), 1);
  return slice(a, std::move(start), std::move(stop), std::move(strides), s);
}

array slice_update(const array& src, const array& update, Shape start, Shape stop, Shape strides,
                   StreamOrDevice s) {
  auto shape = normalize_slice(src.shape(), start, stop, strides, "slice_update");
  if (update.ndim() > src.ndim()) {
    fail("slice_update", "Update array with shape ", update.shape(),
         " has more dimensions than the source array with shape ", src.shape(), ".");
  }
  array upd = astype(update, src.dtype(), s);
  try {
    upd = broadcast_to(upd, shape, s);
  } catch (const std::invalid_argument&) {
    fail("slice_update", "Update with shape ", update.shape(),
         " cannot be broadcast to the slice shape ", shape, ".");
  }
  return make_node<SliceUpdate>(src.shape(), src.dtype(), {src, upd}, to_stream(s),
                                std::move(start), std::move(stop), std::move(strides));
}
array slice_update(const array& src, const array& update, Shape start, Shape stop,
                   StreamOrDevice s) {
  Shape strides(src.ndim(), 1);
  return slice_update(src, update, std::move(start), std::move(stop), std::move(strides), s);
}

#define LMX_SLICE_UPDATE_OP(NAME, COMBINE)                                                       \
  array NAME(const array& src, const array& update, Shape start, Shape stop, Shape strides,      \
             StreamOrDevice s) {                                                                 \
    auto current = slice(src, start, stop, strides, s);                                          \
    return slice_update(src, COMBINE(current, update, s), std::move(start), std::move(stop),     \
                        std::move(strides), s);                                                  \
  }                                                                                              \
  array NAME(const array& src, const array& update, Shape start, Shape stop, StreamOrDevice s) { \
    Shape strides(src.ndim(), 1);                                                                \
    return NAME(src, update, std::move(start), std::move(stop), std::move(strides), s);          \
  }
LMX_SLICE_UPDATE_OP(slice_update_add, add)
LMX_SLICE_UPDATE_OP(slice_update_prod, multiply)
LMX_SLICE_UPDATE_OP(slice_update_max, maximum)
LMX_SLICE_UPDATE_OP(slice_update_min, minimum)
#undef LMX_SLICE_UPDATE_OP

namespace {

// Per-axis start positions of a dynamic slice: start[k] for axes[k] (clamped
// so `size` elements fit), 0 elsewhere, as an int32 array of one per axis.
array dynamic_starts(const Shape& shape, const array& start, const std::vector<int>& axes,
                     const Shape& size, const char* who, StreamOrDevice s) {
  if (!is_integral(start.dtype())) {
    fail(who, "Start indices must be integers, got ", start.dtype(), ".");
  }
  if (start.ndim() > 1 || static_cast<size_t>(start.size()) != axes.size()) {
    fail(who, "Expected one start index per axis (", axes.size(), "), got shape ", start.shape(),
         ".");
  }
  int nd = static_cast<int>(shape.size());
  auto ax = normalize_axes(axes, nd, who);
  std::vector<array> per_axis;
  auto st = reshape(astype(start, int32, s), {static_cast<int>(axes.size())}, s);
  for (int d = 0; d < nd; ++d) {
    auto it = std::find(ax.begin(), ax.end(), d);
    if (it == ax.end()) {
      per_axis.push_back(array(0));
      continue;
    }
    auto v = take(st, static_cast<int>(it - ax.begin()), 0, s);
    per_axis.push_back(clip(v, array(0), array(std::max(0, shape[d] - size[d])), s));
  }
  return stack(per_axis, 0, s);
}

// The index array of axis d for every position of a block of `size`
// starting at starts[d], shaped to broadcast over the block.
array block_indices(const array& starts, const Shape& size, int d, StreamOrDevice s) {
  Shape bshape(size.size(), 1);
  bshape[d] = size[d];
  auto pos = add(take(starts, d, 0, s), arange(size[d], s), s);
  return reshape(pos, bshape, s);
}

}  // namespace

array dynamic_slice(const array& a, const array& start, std::vector<int> axes, Shape slice_size,
                    StreamOrDevice s) {
  if (static_cast<int>(slice_size.size()) != a.ndim()) {
    fail("slice", "Slice size must have one entry per dimension of the array with shape ",
         a.shape(), ", got ", slice_size.size(), ".");
  }
  for (int d = 0; d < a.ndim(); ++d) {
    if (slice_size[d] < 0 || slice_size[d] > a.shape(d)) {
      fail("slice", "Slice size ", slice_size, " does not fit in an array of shape ", a.shape(),
           ".");
    }
  }
  auto starts = dynamic_starts(a.shape(), start, axes, slice_size, "slice", s);
  auto out = a;
  for (int d = 0; d < a.ndim(); ++d) {
    Shape n(1, slice_size[d]);
    out = take(out, reshape(block_indices(starts, slice_size, d, s), n, s), d, s);
  }
  return out;
}

array dynamic_slice_update(const array& src, const array& update, const array& start,
                           std::vector<int> axes, StreamOrDevice s) {
  if (update.ndim() > src.ndim()) {
    fail("slice_update", "Update with shape ", update.shape(),
         " has more dimensions than the source with shape ", src.shape(), ".");
  }
  Shape size(src.ndim() - update.ndim(), 1);
  size.insert(size.end(), update.shape().begin(), update.shape().end());
  for (int d = 0; d < src.ndim(); ++d) {
    if (size[d] > src.shape(d)) {
      fail("slice_update", "Update with shape ", update.shape(),
           " does not fit in the source with shape ", src.shape(), ".");
    }
  }
  auto starts = dynamic_starts(src.shape(), start, axes, size, "slice_update", s);
  // One scatter over every axis: the indices of each position of the block,
  // and the update as one element per position.
  std::vector<array> indices;
  std::vector<int> all(src.ndim());
  for (int d = 0; d < src.ndim(); ++d) {
    all[d] = d;
    indices.push_back(broadcast_to(block_indices(starts, size, d, s), size, s));
  }
  Shape upd_shape = size;
  upd_shape.insert(upd_shape.end(), src.ndim(), 1);
  auto upd = reshape(astype(reshape(update, size, s), src.dtype(), s), upd_shape, s);
  return scatter(src, indices, upd, all, s);
}

namespace {

// The source index along one axis for each position of an "edge" or
// "reflect" padded axis: edge repeats the end elements, reflect mirrors
// without repeating them (period 2 (n - 1), as NumPy's "reflect").
array pad_source_indices(int n, int low, int high, bool reflect) {
  int64_t total = int64_t(n) + low + high;
  std::vector<int32_t> idx(static_cast<size_t>(total));
  int64_t period = 2 * (int64_t(n) - 1);
  for (int64_t i = 0; i < total; ++i) {
    int64_t j = i - low;
    if (!reflect || n == 1) {
      j = std::clamp<int64_t>(j, 0, n - 1);
    } else {
      j = ((j % period) + period) % period;
      if (j >= n) j = period - j;
    }
    idx[static_cast<size_t>(i)] = static_cast<int32_t>(j);
  }
  return array(idx.begin(), Shape{static_cast<ShapeElem>(total)}, int32);
}

}  // namespace

array pad(const array& a, const std::vector<int>& axes, const Shape& low, const Shape& high,
          const array& pad_value, const std::string& mode, StreamOrDevice s) {
  if (mode != "constant" && mode != "edge" && mode != "reflect") {
    fail("pad", "Invalid padding mode (", mode, ") passed to pad; expected 'constant', 'edge' or ",
         "'reflect'.");
  }
  if (axes.size() != low.size() || axes.size() != high.size()) {
    fail("pad", "Invalid number of padding sizes passed: ", axes.size(), " axes, ", low.size(),
         " low and ", high.size(), " high.");
  }
  if (pad_value.size() != 1)
    fail("pad", "Pad value must be a scalar, got shape ", pad_value.shape(), ".");
  auto ax = normalize_axes(axes, a.ndim(), "pad");
  Shape shape = a.shape();
  for (size_t i = 0; i < ax.size(); ++i) {
    if (low[i] < 0 || high[i] < 0) {
      fail("pad", "Padding must be non-negative, got low ", low[i], " and high ", high[i],
           " for axis ", ax[i], ".");
    }
    shape[ax[i]] = checked_dim(int64_t(shape[ax[i]]) + low[i] + high[i], "pad");
  }
  checked_size(shape, "pad");
  if (mode != "constant") {
    // Gathers along each padded axis: differentiable through take's rules.
    auto out = a;
    for (size_t i = 0; i < ax.size(); ++i) {
      if (low[i] == 0 && high[i] == 0) continue;
      if (a.shape(ax[i]) == 0) {
        fail("pad", "Cannot pad an empty axis (", ax[i], " of shape ", a.shape(), ") in mode '",
             mode, "'.");
      }
      auto idx = pad_source_indices(a.shape(ax[i]), low[i], high[i], mode == "reflect");
      out = take(out, idx, ax[i], s);
    }
    return out;
  }
  auto v = astype(reshape(pad_value, {}, s), a.dtype(), s);
  return make_node<Pad>(shape, a.dtype(), {a, v}, to_stream(s), ax, low, high);
}
array pad(const array& a, const std::vector<std::pair<int, int>>& pad_width, const array& pad_value,
          const std::string& mode, StreamOrDevice s) {
  if (pad_width.size() != 1 && static_cast<int>(pad_width.size()) != a.ndim()) {
    fail("pad", "Invalid number of padding sizes passed to pad with axes of size ", a.ndim(), ".");
  }
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  Shape low, high;
  for (int i = 0; i < a.ndim(); ++i) {
    auto& p = pad_width.size() == 1 ? pad_width[0] : pad_width[i];
    low.push_back(p.first);
    high.push_back(p.second);
  }
  return pad(a, axes, low, high, pad_value, mode, s);
}
array pad(const array& a, const std::pair<int, int>& pad_width, const array& pad_value,
          const std::string& mode, StreamOrDevice s) {
  return pad(a, std::vector<std::pair<int, int>>{pad_width}, pad_value, mode, s);
}
array pad(const array& a, int pad_width, const array& pad_value, const std::string& mode,
          StreamOrDevice s) {
  return pad(a, std::vector<std::pair<int, int>>{{pad_width, pad_width}}, pad_value, mode, s);
}

array as_strided(array a, Shape shape, Strides strides, size_t offset, StreamOrDevice s) {
  if (shape.size() != strides.size()) {
    fail("as_strided", "Shape ", shape, " and strides ", strides, " must have the same length.");
  }
  size_t n = checked_size(shape, "as_strided");
  if (n > 0) {
    // The lowest and highest elements the view reaches, in 128 bits so no
    // stride or offset can wrap.
    __int128 lo = static_cast<__int128>(offset), hi = lo;
    for (size_t i = 0; i < shape.size(); ++i) {
      __int128 span = static_cast<__int128>(shape[i] - 1) * strides[i];
      (span < 0 ? lo : hi) += span;
    }
    if (lo < 0 || hi >= static_cast<__int128>(a.size())) {
      fail("as_strided", "The view of shape ", shape, ", strides ", strides, " and offset ", offset,
           " reaches outside the array of ", a.size(), " elements.");
    }
  }
  Shape out_shape = shape;
  return make_node<AsStrided>(std::move(out_shape), a.dtype(), {a}, to_stream(s), std::move(shape),
                              std::move(strides), offset);
}

}  // namespace lmx
