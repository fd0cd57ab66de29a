// Array operations, with MLX's names, argument order and defaults. Each op
// validates its arguments, works out the output shape and dtype, and returns a
// lazy array; nothing is computed until eval.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "lmx/core/array.h"
#include "lmx/core/device.h"

namespace lmx {

using SOD = StreamOrDevice;

// ---- Creation ----
array arange(double start, double stop, double step, Dtype dtype, SOD s = {});
array arange(double start, double stop, double step, SOD s = {});
array arange(double start, double stop, Dtype dtype, SOD s = {});
array arange(double start, double stop, SOD s = {});
array arange(double stop, Dtype dtype, SOD s = {});
array arange(double stop, SOD s = {});
array arange(int start, int stop, int step, SOD s = {});
array arange(int start, int stop, SOD s = {});
array arange(int stop, SOD s = {});
array linspace(double start, double stop, int num = 50, Dtype dtype = float32, SOD s = {});
array astype(array a, Dtype dtype, SOD s = {});
array as_strided(array a, Shape shape, Strides strides, size_t offset, SOD s = {});
array copy(array a, SOD s = {});
array full(Shape shape, array vals, Dtype dtype, SOD s = {});
array full(Shape shape, array vals, SOD s = {});
template <typename T>
array full(Shape shape, T val, Dtype dtype, SOD s = {}) {
  return full(std::move(shape), array(val, dtype), s);
}
template <typename T>
array full(Shape shape, T val, SOD s = {}) {
  return full(std::move(shape), array(val), s);
}
array zeros(const Shape& shape, Dtype dtype, SOD s = {});
array zeros(const Shape& shape, SOD s = {});
array zeros_like(const array& a, SOD s = {});
array ones(const Shape& shape, Dtype dtype, SOD s = {});
array ones(const Shape& shape, SOD s = {});
array ones_like(const array& a, SOD s = {});
array full_like(const array& a, const array& vals, SOD s = {});
array eye(int n, int m, int k, Dtype dtype, SOD s = {});
array eye(int n, Dtype dtype, SOD s = {});
array eye(int n, int m, SOD s = {});
array eye(int n, int m, int k, SOD s = {});
array eye(int n, SOD s = {});
array identity(int n, Dtype dtype, SOD s = {});
array identity(int n, SOD s = {});
array tri(int n, int m, int k, Dtype type, SOD s = {});
array tri(int n, Dtype type, SOD s = {});
array tril(array x, int k = 0, SOD s = {});
array triu(array x, int k = 0, SOD s = {});

// ---- Shape ----
array reshape(const array& a, Shape shape, SOD s = {});
array flatten(const array& a, int start_axis, int end_axis = -1, SOD s = {});
array flatten(const array& a, SOD s = {});
array unflatten(const array& a, int axis, Shape shape, SOD s = {});
array squeeze(const array& a, const std::vector<int>& axes, SOD s = {});
array squeeze(const array& a, int axis, SOD s = {});
array squeeze(const array& a, SOD s = {});
array expand_dims(const array& a, const std::vector<int>& axes, SOD s = {});
array expand_dims(const array& a, int axis, SOD s = {});
array transpose(const array& a, std::vector<int> axes, SOD s = {});
array transpose(const array& a, SOD s = {});
array swapaxes(const array& a, int axis1, int axis2, SOD s = {});
array moveaxis(const array& a, int source, int destination, SOD s = {});
array broadcast_to(const array& a, const Shape& shape, SOD s = {});
std::vector<array> broadcast_arrays(const std::vector<array>& inputs, SOD s = {});
array concatenate(std::vector<array> arrays, int axis, SOD s = {});
array concatenate(std::vector<array> arrays, SOD s = {});
array stack(const std::vector<array>& arrays, int axis, SOD s = {});
array stack(const std::vector<array>& arrays, SOD s = {});
// Repeats each element `repeats` times along axis (flattened when no axis).
array repeat(const array& a, int repeats, int axis, SOD s = {});
array repeat(const array& a, int repeats, SOD s = {});
// Repeats the whole array reps[i] times along each axis.
array tile(const array& a, std::vector<int> reps, SOD s = {});
std::vector<array> split(const array& a, int num_splits, int axis, SOD s = {});
std::vector<array> split(const array& a, int num_splits, SOD s = {});
std::vector<array> split(const array& a, const Shape& indices, int axis, SOD s = {});
std::vector<array> split(const array& a, const Shape& indices, SOD s = {});
array slice(const array& a, Shape start, Shape stop, Shape strides, SOD s = {});
array slice(const array& a, Shape start, Shape stop, SOD s = {});
array slice_update(const array& src, const array& update, Shape start, Shape stop, Shape strides,
                   SOD s = {});
array slice_update(const array& src, const array& update, Shape start, Shape stop, SOD s = {});
// Slices whose start along `axes` is given by an integer array (one entry per
// axis; other axes start at 0); slice_size is the size along every axis.
// Starts are clamped so the slice stays inside the array. (The start is a
// template constrained to array so that a braced list there always means
// the Shape overloads above.)
array dynamic_slice(const array& a, const array& start, std::vector<int> axes, Shape slice_size,
                    SOD s = {});
array dynamic_slice_update(const array& src, const array& update, const array& start,
                           std::vector<int> axes, SOD s = {});
template <typename A, typename = std::enable_if_t<std::is_same_v<A, array>>>
array slice(const array& a, const A& start, std::vector<int> axes, Shape slice_size, SOD s = {}) {
  return dynamic_slice(a, start, std::move(axes), std::move(slice_size), s);
}
template <typename A, typename = std::enable_if_t<std::is_same_v<A, array>>>
array slice_update(const array& src, const array& update, const A& start, std::vector<int> axes,
                   SOD s = {}) {
  return dynamic_slice_update(src, update, start, std::move(axes), s);
}
// src with the slice combined with update: added, multiplied, maximum, minimum.
#define LMX_SLICE_UPDATE_OP(NAME)                                                           \
  array NAME(const array& src, const array& update, Shape start, Shape stop, Shape strides, \
             SOD s = {});                                                                   \
  array NAME(const array& src, const array& update, Shape start, Shape stop, SOD s = {});
LMX_SLICE_UPDATE_OP(slice_update_add)
LMX_SLICE_UPDATE_OP(slice_update_prod)
LMX_SLICE_UPDATE_OP(slice_update_max)
LMX_SLICE_UPDATE_OP(slice_update_min)
#undef LMX_SLICE_UPDATE_OP
array pad(const array& a, const std::vector<int>& axes, const Shape& low_pad_size,
          const Shape& high_pad_size, const array& pad_value = array(0),
          const std::string& mode = "constant", SOD s = {});
array pad(const array& a, const std::vector<std::pair<int, int>>& pad_width,
          const array& pad_value = array(0), const std::string& mode = "constant", SOD s = {});
array pad(const array& a, const std::pair<int, int>& pad_width, const array& pad_value = array(0),
          const std::string& mode = "constant", SOD s = {});
array pad(const array& a, int pad_width, const array& pad_value = array(0),
          const std::string& mode = "constant", SOD s = {});

// ---- Unary ----
array abs(const array& a, SOD s = {});
array negative(const array& a, SOD s = {});
array operator-(const array& a);
array sign(const array& a, SOD s = {});
array floor(const array& a, SOD s = {});
array ceil(const array& a, SOD s = {});
array round(const array& a, int decimals, SOD s = {});
array round(const array& a, SOD s = {});
array sqrt(const array& a, SOD s = {});
array rsqrt(const array& a, SOD s = {});
array square(const array& a, SOD s = {});
array reciprocal(const array& a, SOD s = {});
array exp(const array& a, SOD s = {});
array expm1(const array& a, SOD s = {});
array log(const array& a, SOD s = {});
array log1p(const array& a, SOD s = {});
array log2(const array& a, SOD s = {});
array log10(const array& a, SOD s = {});
array sin(const array& a, SOD s = {});
array cos(const array& a, SOD s = {});
array tan(const array& a, SOD s = {});
array arcsin(const array& a, SOD s = {});
array arccos(const array& a, SOD s = {});
array arctan(const array& a, SOD s = {});
array sinh(const array& a, SOD s = {});
array cosh(const array& a, SOD s = {});
array tanh(const array& a, SOD s = {});
array arcsinh(const array& a, SOD s = {});
array arccosh(const array& a, SOD s = {});
array arctanh(const array& a, SOD s = {});
array erf(const array& a, SOD s = {});
array erfinv(const array& a, SOD s = {});
array sigmoid(const array& a, SOD s = {});
array isnan(const array& a, SOD s = {});
array isinf(const array& a, SOD s = {});
array isposinf(const array& a, SOD s = {});
array isneginf(const array& a, SOD s = {});
array isfinite(const array& a, SOD s = {});
array nan_to_num(const array& a, float nan = 0.0f, std::optional<float> posinf = std::nullopt,
                 std::optional<float> neginf = std::nullopt, SOD s = {});
array logical_not(const array& a, SOD s = {});
array operator!(const array& a);
array bitwise_invert(const array& a, SOD s = {});
array operator~(const array& a);
array stop_gradient(const array& a, SOD s = {});
array real(const array& a, SOD s = {});
array imag(const array& a, SOD s = {});
array conjugate(const array& a, SOD s = {});

// ---- Binary ----
array add(const array& a, const array& b, SOD s = {});
array subtract(const array& a, const array& b, SOD s = {});
array multiply(const array& a, const array& b, SOD s = {});
array divide(const array& a, const array& b, SOD s = {});
array floor_divide(const array& a, const array& b, SOD s = {});
array remainder(const array& a, const array& b, SOD s = {});
std::vector<array> divmod(const array& a, const array& b, SOD s = {});
array power(const array& a, const array& b, SOD s = {});
array maximum(const array& a, const array& b, SOD s = {});
array minimum(const array& a, const array& b, SOD s = {});
array logaddexp(const array& a, const array& b, SOD s = {});
array arctan2(const array& a, const array& b, SOD s = {});
array equal(const array& a, const array& b, SOD s = {});
array not_equal(const array& a, const array& b, SOD s = {});
array less(const array& a, const array& b, SOD s = {});
array less_equal(const array& a, const array& b, SOD s = {});
array greater(const array& a, const array& b, SOD s = {});
array greater_equal(const array& a, const array& b, SOD s = {});
array logical_and(const array& a, const array& b, SOD s = {});
array logical_or(const array& a, const array& b, SOD s = {});
array bitwise_and(const array& a, const array& b, SOD s = {});
array bitwise_or(const array& a, const array& b, SOD s = {});
array bitwise_xor(const array& a, const array& b, SOD s = {});
array left_shift(const array& a, const array& b, SOD s = {});
array right_shift(const array& a, const array& b, SOD s = {});
array isclose(const array& a, const array& b, double rtol = 1e-5, double atol = 1e-8,
              bool equal_nan = false, SOD s = {});
array allclose(const array& a, const array& b, double rtol = 1e-5, double atol = 1e-8,
               bool equal_nan = false, SOD s = {});
array array_equal(const array& a, const array& b, bool equal_nan, SOD s = {});
array array_equal(const array& a, const array& b, SOD s = {});
array where(const array& condition, const array& x, const array& y, SOD s = {});
array clip(const array& a, const std::optional<array>& a_min, const std::optional<array>& a_max,
           SOD s = {});

// Operators take arrays or scalars on either side (the scalar converts to an
// array of its own C++ type, as MLX's C++ API).
#define LMX_BINARY_OPERATOR(OP, FN)                                  \
  inline array operator OP(const array& a, const array& b) {         \
    return FN(a, b);                                                 \
  }                                                                  \
  template <typename T, typename = std::enable_if_t<is_scalar_v<T>>> \
  array operator OP(T a, const array& b) {                           \
    return FN(array(a), b);                                          \
  }                                                                  \
  template <typename T, typename = std::enable_if_t<is_scalar_v<T>>> \
  array operator OP(const array& a, T b) {                           \
    return FN(a, array(b));                                          \
  }
LMX_BINARY_OPERATOR(+, add)
LMX_BINARY_OPERATOR(-, subtract)
LMX_BINARY_OPERATOR(*, multiply)
LMX_BINARY_OPERATOR(/, divide)
LMX_BINARY_OPERATOR(%, remainder)
LMX_BINARY_OPERATOR(==, equal)
LMX_BINARY_OPERATOR(!=, not_equal)
LMX_BINARY_OPERATOR(<, less)
LMX_BINARY_OPERATOR(<=, less_equal)
LMX_BINARY_OPERATOR(>, greater)
LMX_BINARY_OPERATOR(>=, greater_equal)
LMX_BINARY_OPERATOR(&&, logical_and)
LMX_BINARY_OPERATOR(||, logical_or)
LMX_BINARY_OPERATOR(&, bitwise_and)
LMX_BINARY_OPERATOR(|, bitwise_or)
LMX_BINARY_OPERATOR(^, bitwise_xor)
LMX_BINARY_OPERATOR(<<, left_shift)
LMX_BINARY_OPERATOR(>>, right_shift)
#undef LMX_BINARY_OPERATOR

// ---- Reductions ----
#define LMX_REDUCTION(NAME)                                                                    \
  array NAME(const array& a, bool keepdims, SOD s = {});                                       \
  array NAME(const array& a, SOD s = {});                                                      \
  array NAME(const array& a, const std::vector<int>& axes, bool keepdims = false, SOD s = {}); \
  array NAME(const array& a, int axis, bool keepdims = false, SOD s = {});
LMX_REDUCTION(all)
LMX_REDUCTION(any)
LMX_REDUCTION(sum)
LMX_REDUCTION(prod)
LMX_REDUCTION(max)
LMX_REDUCTION(min)
LMX_REDUCTION(mean)
LMX_REDUCTION(logsumexp)
#undef LMX_REDUCTION
array var(const array& a, bool keepdims, int ddof = 0, SOD s = {});
array var(const array& a, SOD s = {});
array var(const array& a, const std::vector<int>& axes, bool keepdims = false, int ddof = 0,
          SOD s = {});
array var(const array& a, int axis, bool keepdims = false, int ddof = 0, SOD s = {});
array std(const array& a, bool keepdims, int ddof = 0, SOD s = {});
array std(const array& a, SOD s = {});
array std(const array& a, const std::vector<int>& axes, bool keepdims = false, int ddof = 0,
          SOD s = {});
array std(const array& a, int axis, bool keepdims = false, int ddof = 0, SOD s = {});
array argmax(const array& a, bool keepdims, SOD s = {});
array argmax(const array& a, SOD s = {});
array argmax(const array& a, int axis, bool keepdims = false, SOD s = {});
array argmin(const array& a, bool keepdims, SOD s = {});
array argmin(const array& a, SOD s = {});
array argmin(const array& a, int axis, bool keepdims = false, SOD s = {});
array softmax(const array& a, const std::vector<int>& axes, bool precise = false, SOD s = {});
array softmax(const array& a, int axis, bool precise = false, SOD s = {});
array softmax(const array& a, bool precise = false, SOD s = {});

// ---- Scans, sorting ----
array cumsum(const array& a, int axis, bool reverse = false, bool inclusive = true, SOD s = {});
array cumprod(const array& a, int axis, bool reverse = false, bool inclusive = true, SOD s = {});
array cummax(const array& a, int axis, bool reverse = false, bool inclusive = true, SOD s = {});
array cummin(const array& a, int axis, bool reverse = false, bool inclusive = true, SOD s = {});
// log(cumsum(exp(a))), computed stably in one pass; without an axis, of the
// flattened array.
array logcumsumexp(const array& a, int axis, bool reverse = false, bool inclusive = true,
                   SOD s = {});
array logcumsumexp(const array& a, bool reverse = false, bool inclusive = true, SOD s = {});
array sort(const array& a, int axis, SOD s = {});
array sort(const array& a, SOD s = {});
array argsort(const array& a, int axis, SOD s = {});
array argsort(const array& a, SOD s = {});
array topk(const array& a, int k, int axis, SOD s = {});
array topk(const array& a, int k, SOD s = {});

// ---- Indexing ----
array take(const array& a, const array& indices, int axis, SOD s = {});
array take(const array& a, const array& indices, SOD s = {});
array take(const array& a, int index, int axis, SOD s = {});
array take(const array& a, int index, SOD s = {});
array take_along_axis(const array& a, const array& indices, int axis, SOD s = {});
array put_along_axis(const array& a, const array& indices, const array& values, int axis,
                     SOD s = {});
array gather(const array& a, const std::vector<array>& indices, const std::vector<int>& axes,
             const Shape& slice_sizes, SOD s = {});
array gather(const array& a, const array& indices, int axis, const Shape& slice_sizes, SOD s = {});
array scatter(const array& a, const std::vector<array>& indices, const array& updates,
              const std::vector<int>& axes, SOD s = {});
array scatter(const array& a, const array& indices, const array& updates, int axis, SOD s = {});
array scatter_add(const array& a, const std::vector<array>& indices, const array& updates,
                  const std::vector<int>& axes, SOD s = {});
array scatter_add(const array& a, const array& indices, const array& updates, int axis, SOD s = {});
array scatter_prod(const array& a, const std::vector<array>& indices, const array& updates,
                   const std::vector<int>& axes, SOD s = {});
array scatter_prod(const array& a, const array& indices, const array& updates, int axis,
                   SOD s = {});
array scatter_max(const array& a, const std::vector<array>& indices, const array& updates,
                  const std::vector<int>& axes, SOD s = {});
array scatter_max(const array& a, const array& indices, const array& updates, int axis, SOD s = {});
array scatter_min(const array& a, const std::vector<array>& indices, const array& updates,
                  const std::vector<int>& axes, SOD s = {});
array scatter_min(const array& a, const array& indices, const array& updates, int axis, SOD s = {});

// ---- Linear algebra ----
array matmul(const array& a, const array& b, SOD s = {});
array addmm(array c, array a, array b, const float& alpha = 1.f, const float& beta = 1.f,
            SOD s = {});
array outer(const array& a, const array& b, SOD s = {});
array inner(const array& a, const array& b, SOD s = {});

// ---- Evaluation ----
void eval(std::vector<array> outputs);
template <typename... Arrays,
          typename = std::enable_if_t<(std::is_convertible_v<Arrays, array> && ...)>>
void eval(Arrays&&... outputs) {
  eval(std::vector<array>{array(std::forward<Arrays>(outputs))...});
}
void async_eval(std::vector<array> outputs);

}  // namespace lmx
