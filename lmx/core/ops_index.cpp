// Indexing: take, gather and scatter, along one axis or many.
#include <numeric>

#include "lmx/core/ops_common.h"

namespace lmx {

namespace {

void check_indices(const array& idx, const char* who) {
  if (!is_integral(idx.dtype())) {
    fail(who, "Indices must be integers, got ", idx.dtype(), ".");
  }
}

}  // namespace

array gather(const array& a, const std::vector<array>& indices, const std::vector<int>& axes_in,
             const Shape& slice_sizes, StreamOrDevice s) {
  if (indices.size() != axes_in.size()) {
    fail("gather", "Number of index arrays (", indices.size(), ") does not match number of axes (",
         axes_in.size(), ").");
  }
  if (static_cast<int>(slice_sizes.size()) != a.ndim()) {
    fail("gather", "Got slice_sizes of length ", slice_sizes.size(), " for array with ", a.ndim(),
         " dimensions.");
  }
  if (a.ndim() == 0) fail("gather", "Cannot gather from a zero-dimensional array.");
  auto axes = normalize_axes(axes_in, a.ndim(), "gather");
  for (int i = 0; i < a.ndim(); ++i) {
    if (slice_sizes[i] < 0 || slice_sizes[i] > a.shape(i)) {
      fail("gather", "Slice sizes ", slice_sizes, " must be in [0, shape] for array with shape ",
           a.shape(), ".");
    }
  }
  Shape idx_shape;
  for (auto& idx : indices) {
    check_indices(idx, "gather");
    idx_shape = broadcast_shapes(idx_shape, idx.shape());
  }
  std::vector<array> inputs{a};
  for (auto& idx : indices) inputs.push_back(broadcast_to(idx, idx_shape, s));
  Shape out_shape = idx_shape;
  out_shape.insert(out_shape.end(), slice_sizes.begin(), slice_sizes.end());
  return make_node<Gather>(out_shape, a.dtype(), std::move(inputs), to_stream(s), axes,
                           slice_sizes);
}
array gather(const array& a, const array& indices, int axis, const Shape& slice_sizes,
             StreamOrDevice s) {
  return gather(a, std::vector<array>{indices}, std::vector<int>{axis}, slice_sizes, s);
}

array take(const array& a, const array& indices, int axis, StreamOrDevice s) {
  if (a.ndim() == 0) fail("take", "Cannot take from a zero-dimensional array.");
  axis = normalize_axis(axis, a.ndim(), "take");
  check_indices(indices, "take");
  Shape slice_sizes = a.shape();
  slice_sizes[axis] = 1;
  auto g = gather(a, indices, axis, slice_sizes, s);
  // g has shape I + a.shape with a 1 at `axis`: drop it and move the index
  // dimensions to where `axis` was.
  int ni = indices.ndim();
  g = squeeze(g, ni + axis, s);
  if (axis == 0) return g;
  std::vector<int> perm;
  for (int i = 0; i < axis; ++i) perm.push_back(ni + i);
  for (int i = 0; i < ni; ++i) perm.push_back(i);
  for (int i = ni + axis; i < g.ndim(); ++i) perm.push_back(i);
  return transpose(g, perm, s);
}
array take(const array& a, const array& indices, StreamOrDevice s) {
  return take(flatten(a, s), indices, 0, s);
}
array take(const array& a, int index, int axis, StreamOrDevice s) {
  if (a.ndim() == 0) fail("take", "Cannot take from a zero-dimensional array.");
  axis = normalize_axis(axis, a.ndim(), "take");
  int n = a.shape(axis);
  if (index < -n || index >= n) {
    fail("take", "Index ", index, " is out of bounds for axis ", axis, " with size ", n, ".");
  }
  if (index < 0) index += n;
  Shape start(a.ndim(), 0), stop = a.shape();
  start[axis] = index;
  stop[axis] = index + 1;
  return squeeze(slice(a, start, stop, s), axis, s);
}
array take(const array& a, int index, StreamOrDevice s) {
  return take(flatten(a, s), index, 0, s);
}

namespace {
// Broadcasts `a` and `indices` against each other in every dimension but `axis`.
std::pair<array, array> broadcast_along(const array& a, const array& indices, int axis,
                                        const char* who, StreamOrDevice s) {
  if (indices.ndim() != a.ndim()) {
    fail(who, "Indices of dimension ", indices.ndim(), " does not match array of dimension ",
         a.ndim(), ".");
  }
  Shape as = a.shape(), is = indices.shape();
  as[axis] = 1;
  is[axis] = 1;
  Shape bs;
  try {
    bs = broadcast_shapes(as, is);
  } catch (const std::invalid_argument&) {
    fail(who, "Indices with shape ", indices.shape(), " cannot be broadcast with array of shape ",
         a.shape(), ".");
  }
  Shape a_shape = bs, i_shape = bs;
  a_shape[axis] = a.shape(axis);
  i_shape[axis] = indices.shape(axis);
  return {broadcast_to(a, a_shape, s), broadcast_to(indices, i_shape, s)};
}
}  // namespace

array take_along_axis(const array& a, const array& indices, int axis, StreamOrDevice s) {
  axis = normalize_axis(axis, a.ndim(), "take_along_axis");
  check_indices(indices, "take_along_axis");
  auto [x, idx] = broadcast_along(a, indices, axis, "take_along_axis", s);
  return make_node<GatherAxis>(idx.shape(), a.dtype(), {x, idx}, to_stream(s), axis);
}

namespace {
array scatter_axis(const array& a, const array& indices, const array& values, int axis,
                   ScatterType type, const char* who, StreamOrDevice s) {
  axis = normalize_axis(axis, a.ndim(), who);
  check_indices(indices, who);
  auto [x, idx] = broadcast_along(a, indices, axis, who, s);
  if (x.shape() != a.shape()) {
    fail(who, "Indices with shape ", indices.shape(), " would broadcast the array of shape ",
         a.shape(), ".");
  }
  array v = astype(values, a.dtype(), s);
  try {
    v = broadcast_to(v, idx.shape(), s);
  } catch (const std::invalid_argument&) {
    fail(who, "Values with shape ", values.shape(), " cannot be broadcast to indices shape ",
         idx.shape(), ".");
  }
  return make_node<ScatterAxis>(a.shape(), a.dtype(), {a, idx, v}, to_stream(s), type, axis);
}
}  // namespace

array put_along_axis(const array& a, const array& indices, const array& values, int axis,
                     StreamOrDevice s) {
  return scatter_axis(a, indices, values, axis, ScatterType::None, "put_along_axis", s);
}

// Internal: scatter-add along an axis (used by gradients).
array scatter_add_axis(const array& a, const array& indices, const array& values, int axis,
                       StreamOrDevice s) {
  return scatter_axis(a, indices, values, axis, ScatterType::Sum, "scatter_add_axis", s);
}

namespace {
array scatter_impl(const array& a, const std::vector<array>& indices, const array& updates,
                   const std::vector<int>& axes_in, ScatterType type, const char* who,
                   StreamOrDevice s) {
  if (indices.size() != axes_in.size()) {
    fail(who, "Number of index arrays (", indices.size(), ") does not match number of axes (",
         axes_in.size(), ").");
  }
  if (a.ndim() == 0) fail(who, "Cannot scatter into a zero-dimensional array.");
  auto axes = normalize_axes(axes_in, a.ndim(), who);
  Shape idx_shape;
  for (auto& idx : indices) {
    check_indices(idx, who);
    idx_shape = broadcast_shapes(idx_shape, idx.shape());
  }
  if (updates.ndim() != static_cast<int>(idx_shape.size()) + a.ndim()) {
    fail(who, "Updates with shape ", updates.shape(), " must have ", idx_shape.size() + a.ndim(),
         " dimensions (index dimensions ", idx_shape, " followed by one per array dimension).");
  }
  for (int i = 0; i < a.ndim(); ++i) {
    if (updates.shape(idx_shape.size() + i) > a.shape(i)) {
      fail(who, "Update slice with shape ", updates.shape(), " is larger than the array of shape ",
           a.shape(), ".");
    }
  }
  for (size_t i = 0; i < idx_shape.size(); ++i) {
    if (updates.shape(i) != idx_shape[i]) {
      fail(who, "Updates with shape ", updates.shape(), " do not match indices with shape ",
           idx_shape, ".");
    }
  }
  std::vector<array> inputs{a};
  for (auto& idx : indices) inputs.push_back(broadcast_to(idx, idx_shape, s));
  inputs.push_back(astype(updates, a.dtype(), s));
  return make_node<Scatter>(a.shape(), a.dtype(), std::move(inputs), to_stream(s), type, axes);
}
}  // namespace

#define LMX_DEFINE_SCATTER(NAME, TYPE)                                                \
  array NAME(const array& a, const std::vector<array>& indices, const array& updates, \
             const std::vector<int>& axes, StreamOrDevice s) {                        \
    return scatter_impl(a, indices, updates, axes, TYPE, #NAME, s);                   \
  }                                                                                   \
  array NAME(const array& a, const array& indices, const array& updates, int axis,    \
             StreamOrDevice s) {                                                      \
    return NAME(a, std::vector<array>{indices}, updates, std::vector<int>{axis}, s);  \
  }
LMX_DEFINE_SCATTER(scatter, ScatterType::None)
LMX_DEFINE_SCATTER(scatter_add, ScatterType::Sum)
LMX_DEFINE_SCATTER(scatter_prod, ScatterType::Prod)
LMX_DEFINE_SCATTER(scatter_max, ScatterType::Max)
LMX_DEFINE_SCATTER(scatter_min, ScatterType::Min)
#undef LMX_DEFINE_SCATTER

// ---- Linear algebra ----

namespace {
Dtype matmul_type(const array& a, const array& b, const char* who) {
  Dtype t = promote_types(a.dtype(), b.dtype());
  if (!is_floating_point(t) && t != complex64) {
    fail(who, "Only inexact types are supported but ", a.dtype(), " and ", b.dtype(),
         " were provided which results in ", t, ", which is not a floating point type.");
  }
  return t;
}

// Broadcasts the batch dimensions of a (..., M, K) and b (..., K, N).
std::pair<array, array> broadcast_batch(const array& a, const array& b, StreamOrDevice s) {
  Shape ab(a.shape().begin(), a.shape().end() - 2), bb(b.shape().begin(), b.shape().end() - 2);
  Shape batch = broadcast_shapes(ab, bb);
  Shape as = batch, bs = batch;
  as.push_back(a.shape(-2));
  as.push_back(a.shape(-1));
  bs.push_back(b.shape(-2));
  bs.push_back(b.shape(-1));
  return {broadcast_to(a, as, s), broadcast_to(b, bs, s)};
}
}  // namespace

array matmul(const array& in_a, const array& in_b, StreamOrDevice s) {
  if (in_a.ndim() == 0 || in_b.ndim() == 0) {
    fail("matmul", "Got 0 dimension input. Inputs must have at least one dimension.");
  }
  Dtype t = matmul_type(in_a, in_b, "matmul");
  array a = in_a.ndim() == 1 ? reshape(in_a, {1, in_a.shape(0)}, s) : in_a;
  array b = in_b.ndim() == 1 ? reshape(in_b, {in_b.shape(0), 1}, s) : in_b;
  if (a.shape(-1) != b.shape(-2)) {
    fail("matmul", "Last dimension of first input with shape ", in_a.shape(),
         " must match second to last dimension of second input with shape ", in_b.shape(), ".");
  }
  Shape ab(a.shape().begin(), a.shape().end() - 2), bb(b.shape().begin(), b.shape().end() - 2);
  try {
    broadcast_shapes(ab, bb);
  } catch (const std::invalid_argument&) {
    fail("matmul", "Batch dimensions of inputs with shapes ", in_a.shape(), " and ", in_b.shape(),
         " cannot be broadcast.");
  }
  array out = [&] {
    if (in_a.ndim() > 2 && in_b.ndim() <= 2) {
      // As MLX: a's batch dimensions become rows of one 2-D product (a
      // Linear on (batch, length, dims) input), so its weight gradient is one
      // product too, not one per batch and a sum over them.
      Shape out_shape = a.shape();
      out_shape.back() = b.shape(-1);
      array rows = flatten(astype(a, t, s), 0, -2, s);
      auto flat = make_node<Matmul>(Shape{rows.shape(0), b.shape(-1)}, t, {rows, astype(b, t, s)},
                                    to_stream(s));
      return reshape(flat, std::move(out_shape), s);
    }
    std::tie(a, b) = broadcast_batch(astype(a, t, s), astype(b, t, s), s);
    Shape out_shape = a.shape();
    out_shape.back() = b.shape(-1);
    return make_node<Matmul>(out_shape, t, {a, b}, to_stream(s));
  }();
  if (in_a.ndim() == 1) out = squeeze(out, -2, s);
  if (in_b.ndim() == 1) out = squeeze(out, -1, s);
  return out;
}

array addmm(array c, array in_a, array in_b, const float& alpha, const float& beta,
            StreamOrDevice s) {
  if (in_a.ndim() == 0 || in_b.ndim() == 0) {
    fail("addmm", "Got 0 dimension input. Inputs must have at least one dimension.");
  }
  Dtype t = promote_types(matmul_type(in_a, in_b, "addmm"), c.dtype());
  if (!is_floating_point(t)) fail("addmm", "Only real floating point types are supported.");
  array a = in_a.ndim() == 1 ? reshape(in_a, {1, in_a.shape(0)}, s) : in_a;
  array b = in_b.ndim() == 1 ? reshape(in_b, {in_b.shape(0), 1}, s) : in_b;
  if (a.shape(-1) != b.shape(-2)) {
    fail("addmm", "Last dimension of first input with shape ", in_a.shape(),
         " must match second to last dimension of second input with shape ", in_b.shape(), ".");
  }
  // One 2-D product over a's flattened batch when b has none and c is
  // bias-like, as matmul does (and MLX).
  bool flat = in_a.ndim() > 2 && in_b.ndim() == 2 && c.ndim() <= 1;
  if (flat) {
    a = astype(a, t, s);
    b = astype(b, t, s);
  } else {
    std::tie(a, b) = broadcast_batch(astype(a, t, s), astype(b, t, s), s);
  }
  Shape out_shape = a.shape();
  out_shape.back() = b.shape(-1);
  Shape c_target = out_shape;
  if (in_a.ndim() == 1) c_target.erase(c_target.end() - 2);
  if (in_b.ndim() == 1) c_target.pop_back();
  // Checked on the shapes, so that no node is made for the path not taken.
  bool c_fits = false;
  try {
    c_fits = broadcast_shapes(c.shape(), c_target) == c_target;
  } catch (const std::invalid_argument&) {
  }
  if (!c_fits) {
    fail("addmm", "Input c with shape ", c.shape(), " cannot be broadcast to the output shape ",
         c_target, ".");
  }
  array cc = astype(c, t, s);
  if (flat) {
    array rows = flatten(a, 0, -2, s);
    Shape flat_shape{rows.shape(0), b.shape(1)};
    auto out = make_node<AddMM>(flat_shape, t, {rows, b, broadcast_to(cc, flat_shape, s)},
                                to_stream(s), alpha, beta);
    return reshape(out, c_target, s);
  }
  cc = reshape(broadcast_to(cc, c_target, s), out_shape, s);
  auto out = make_node<AddMM>(out_shape, t, {a, b, cc}, to_stream(s), alpha, beta);
  return reshape(out, c_target, s);
}

array outer(const array& a, const array& b, StreamOrDevice s) {
  return multiply(reshape(a, {-1, 1}, s), flatten(b, s), s);
}

array inner(const array& a, const array& b, StreamOrDevice s) {
  if (a.ndim() == 0 || b.ndim() == 0) return multiply(a, b, s);
  if (a.shape(-1) != b.shape(-1)) {
    fail("inner", "Last dimension of first input with shape ", a.shape(),
         " must match last dimension of second input with shape ", b.shape(), ".");
  }
  Shape out(a.shape().begin(), a.shape().end() - 1);
  out.insert(out.end(), b.shape().begin(), b.shape().end() - 1);
  int k = a.shape(-1);
  auto r = matmul(reshape(a, {-1, k}, s), transpose(reshape(b, {-1, k}, s), s), s);
  return reshape(r, out, s);
}

}  // namespace lmx
