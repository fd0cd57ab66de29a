#include "lmx/core/ops_products.h"

#include <cmath>

#include "lmx/core/ops_common.h"
#include "lmx/core/quantized.h"

namespace lmx {

namespace {

// a as (batch, rows, cols) with its batch dimensions flattened.
array flat_batches(const array& a) {
  Shape shape{-1, a.shape(-2), a.shape(-1)};
  return reshape(a, shape);
}

int64_t batch_count(const array& a) {
  int64_t n = 1;
  for (int i = 0; i < a.ndim() - 2; ++i) n *= a.shape(i);
  return n;
}

// The operand's matrices at `indices` (all of them, in order, when absent),
// with the indices' shape in front.
array gathered(const array& m, const std::optional<array>& indices, const char* who,
               StreamOrDevice s) {
  array idx = indices ? *indices
                      : reshape(arange(static_cast<int>(batch_count(m)), s),
                                Shape(m.shape().begin(), m.shape().end() - 2), s);
  if (!is_integral(idx.dtype())) {
    fail(who, "Indices must be integers, got ", idx.dtype(), ".");
  }
  return take(flat_batches(m), idx, 0, s);
}

// A block mask repeated to cover `rows` x `cols` elements.
array expand_mask(const array& mask, int block, int rows, int cols, Dtype t, StreamOrDevice s) {
  auto m = repeat(repeat(astype(mask, t, s), block, -2, s), block, -1, s);
  Shape start(m.ndim(), 0), stop = m.shape();
  stop[m.ndim() - 2] = rows;
  stop[m.ndim() - 1] = cols;
  return slice(m, start, stop, s);
}

void check_mask(const std::optional<array>& mask, int rows, int cols, int block, const char* what) {
  if (!mask) return;
  int r = (rows + block - 1) / block, c = (cols + block - 1) / block;
  if (mask->ndim() < 2 || mask->shape(-2) != r || mask->shape(-1) != c) {
    fail("block_masked_mm", "The ", what, " mask must have shape (..., ", r, ", ", c, "), got ",
         mask->shape(), ".");
  }
}

}  // namespace

array gather_mm(array a, array b, std::optional<array> lhs_indices,
                std::optional<array> rhs_indices, bool, StreamOrDevice s) {
  if (a.ndim() < 2 || b.ndim() < 2) {
    fail("gather_mm", "Both inputs must have at least two dimensions, got shapes ", a.shape(),
         " and ", b.shape(), ".");
  }
  if (a.shape(-1) != b.shape(-2)) {
    fail("gather_mm", "Last dimension of the first input with shape ", a.shape(),
         " must match second to last dimension of the second input with shape ", b.shape(), ".");
  }
  auto x = gathered(a, lhs_indices, "gather_mm", s);
  auto y = gathered(b, rhs_indices, "gather_mm", s);
  return matmul(x, y, s);
}

array block_masked_mm(array a, array b, int block_size, std::optional<array> mask_out,
                      std::optional<array> mask_lhs, std::optional<array> mask_rhs,
                      StreamOrDevice s) {
  if (block_size != 32 && block_size != 64) {
    fail("block_masked_mm", "Only block sizes 32 and 64 are supported, got ", block_size, ".");
  }
  if (a.ndim() < 2 || b.ndim() < 2 || a.shape(-1) != b.shape(-2)) {
    fail("block_masked_mm", "Cannot multiply matrices of shapes ", a.shape(), " and ", b.shape(),
         ".");
  }
  int m = a.shape(-2), k = a.shape(-1), n = b.shape(-1);
  check_mask(mask_lhs, m, k, block_size, "lhs");
  check_mask(mask_rhs, k, n, block_size, "rhs");
  check_mask(mask_out, m, n, block_size, "output");
  Dtype t = at_least_float(promote_types(a.dtype(), b.dtype()));
  a = astype(a, t, s);
  b = astype(b, t, s);
  if (mask_lhs) a = multiply(a, expand_mask(*mask_lhs, block_size, m, k, t, s), s);
  if (mask_rhs) b = multiply(b, expand_mask(*mask_rhs, block_size, k, n, t, s), s);
  auto out = matmul(a, b, s);
  if (mask_out) out = multiply(out, expand_mask(*mask_out, block_size, m, n, t, s), s);
  return out;
}

array segmented_mm(array a, array b, array segments, StreamOrDevice s) {
  if (a.ndim() != 2 || b.ndim() != 2 || a.shape(1) != b.shape(0)) {
    fail("segmented_mm", "Expected matrices (M, K) and (K, N), got shapes ", a.shape(), " and ",
         b.shape(), ".");
  }
  if (segments.ndim() < 1 || segments.shape(-1) != 2 || !is_integral(segments.dtype())) {
    fail("segmented_mm", "Segments must be integer pairs of shape (..., 2), got shape ",
         segments.shape(), " and dtype ", segments.dtype(), ".");
  }
  int k = a.shape(1);
  // Each segment masks the inner dimension: (segments..., 1, K) * a then @ b.
  auto pos = arange(k, s);
  auto start = expand_dims(take(segments, 0, -1, s), -1, s);
  auto stop = expand_dims(take(segments, 1, -1, s), -1, s);
  auto inside = logical_and(greater_equal(pos, start, s), less(pos, stop, s), s);
  Dtype t = promote_types(a.dtype(), b.dtype());
  auto mask = expand_dims(astype(inside, t, s), -2, s);
  return matmul(multiply(astype(a, t, s), mask, s), astype(b, t, s), s);
}

array gather_qmm(const array& x, const array& w, const array& scales,
                 const std::optional<array>& biases, std::optional<array> lhs_indices,
                 std::optional<array> rhs_indices, bool transpose, std::optional<int> group_size,
                 std::optional<int> bits, const std::string& mode, bool sorted_indices,
                 StreamOrDevice s) {
  // The selected experts' weights are dequantized, then multiplied as
  // gather_mm does.
  auto wf = dequantize(w, scales, biases, group_size, bits, mode, x.dtype(), s);
  if (transpose) wf = swapaxes(wf, -1, -2, s);
  return gather_mm(x, wf, std::move(lhs_indices), std::move(rhs_indices), sorted_indices, s);
}

namespace {

// The Hadamard matrices of orders 12, 20 and 28 that MLX's transform uses
// (row i is the transform of the i-th unit vector; '+' is 1, '-' is -1), so
// the same input gives MLX's output.
const char* const kHadamard12[] = {
    "+-++++++++++", "--+-+-+-+-+-", "+++-++----++", "+---+--+-++-", "+++++-++----", "+-+---+--+-+",
    "++--+++-++--", "+--++---+--+", "++----+++-++", "+--+-++---+-", "++++----+++-", "+-+--+-++---",
};
const char* const kHadamard20[] = {
    "+-----++++--++--+--+", "-+---+-+++---+++-+--", "--+--++-+++---+-+-+-", "---+-+++-+++-----+-+",
    "----+++++--++--+--+-", "+----+----+-++---++-", "-+----+----+-++---++", "--+----+--+-+-++---+",
    "---+----+-++-+-++---", "----+----+-++-+-++--", "++--+-+--++----+----", "+++--+-+---+----+---",
    "-+++--+-+---+----+--", "--+++--+-+---+----+-", "+--+++--+-----+----+", "+-++-++--+-+++++----",
    "-+-+++++--+-+++-+---", "+-+-+-+++-++-++--+--", "++-+---++++++-+---+-", "-++-++--++++++-----+",
};
const char* const kHadamard28[] = {
    "+--------++++--+-++-+-++--++", "-+--------+++++-+-++-+-++--+", "--+----+---+++-+-+-++++-++--",
    "---+---++---+++-+-+-+-++-++-", "----+--+++---+++-+-+---++-++", "-----+-++++----++-+-++--++-+",
    "------+-++++--+-++-+-++--++-", "++----++------+--++---+-++-+", "+++-----+------+--++-+-+-++-",
    "-+++-----+------+--++-+-+-++", "--+++-----+---+--+--++-+-+-+", "---+++-----+--++--+--++-+-+-",
    "----+++-----+--++--+--++-+-+", "+----++------+--++--++-++-+-", "+-+--+--++--+++------++----+",
    "-+-+--++-++--+-+-----+++----", "+-+-+--++-++----+-----+++---", "-+-+-+--++-++----+-----+++--",
    "--+-+-+--++-++----+-----+++-", "+--+-+-+--++-+-----+-----+++", "-+--+-+++--++-------++----++",
    "+--++--+-+--+---++++-+------", "-+--++--+-+--+---++++-+-----", "--+--+++-+-+--+---+++--+----",
    "+--+--+-+-+-+-++---++---+---", "++--+----+-+-++++---+----+--", "-++--+-+--+-+-++++--------+-",
    "--++--+-+--+-+-++++--------+",
};

// The m x m matrix of rows given as '+'/'-' strings.
array sign_matrix(const char* const* rows, int m, Dtype t) {
  std::vector<float> v;
  v.reserve(static_cast<size_t>(m) * m);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < m; ++j) v.push_back(rows[i][j] == '+' ? 1.0f : -1.0f);
  return astype(array(v.begin(), Shape{m, m}, float32), t);
}

}  // namespace

array hadamard_transform(const array& a, std::optional<float> scale, StreamOrDevice s) {
  if (a.ndim() == 0) fail("hadamard", "Input must have at least one dimension.");
  const int n = a.shape(-1);
  // n = m * 2^k: the transform is x @ kron(H_m, H_{2^k}).
  int m = 0;
  for (int base : {1, 12, 20, 28}) {
    if (n > 0 && n % base == 0) {
      int p = n / base;
      if ((p & (p - 1)) == 0) {
        m = base;
        break;
      }
    }
  }
  if (m == 0) fail("hadamard", "Only supports n = m*2^k where m in (1, 12, 20, 28).");
  const int p = n / m;
  Dtype t = at_least_float(a.dtype());
  Shape batch(a.shape().begin(), a.shape().end() - 1);
  batch.push_back(m);
  auto x = reshape(
      astype(a, t, s),
      [&] {
        Shape shape = batch;
        shape.push_back(p);
        return shape;
      }(),
      s);
  Shape grouped = x.shape();
  // H_{2^k} on the last axis by butterflies: pairs h apart become (x + y, x - y).
  for (int h = 1; h < p; h *= 2) {
    Shape split = batch;
    split.insert(split.end(), {p / (2 * h), 2, h});
    auto y = reshape(x, split, s);
    auto lo = take(y, 0, -2, s), hi = take(y, 1, -2, s);
    x = reshape(stack({add(lo, hi, s), subtract(lo, hi, s)}, -2, s), grouped, s);
  }
  // H_m on the axis of size m: out[.., j, :] = sum_i H_m[i, j] x[.., i, :].
  if (m > 1) {
    const char* const* rows = m == 12 ? kHadamard12 : m == 20 ? kHadamard20 : kHadamard28;
    x = swapaxes(matmul(swapaxes(x, -1, -2, s), sign_matrix(rows, m, t), s), -1, -2, s);
  }
  x = reshape(x, a.shape(), s);
  float f = scale ? *scale : 1.0f / std::sqrt(static_cast<float>(n));
  return multiply(x, array(f, t), s);
}

}  // namespace lmx
