#include "../test_utils.h"

using namespace lmx;
using namespace lmx::test;

TEST(Creation, ArangeLinspaceFull) {
  EXPECT_EQ(to_vector<int>(arange(5)), (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(arange(5).dtype(), int32);
  EXPECT_EQ(arange(5.0).dtype(), float32);
  EXPECT_EQ(to_vector<float>(arange(1.0, 2.0, 0.25)), (std::vector<float>{1, 1.25, 1.5, 1.75}));
  EXPECT_EQ(to_vector<int>(arange(10, 0, -3)), (std::vector<int>{10, 7, 4, 1}));
  EXPECT_EQ(arange(0, 10, float64).dtype(), float64);
  EXPECT_EQ(arange(3, 1).size(), 0u);
  EXPECT_TRUE(all_close(linspace(0, 1, 5), array({0.0f, 0.25f, 0.5f, 0.75f, 1.0f})));
  EXPECT_EQ(to_vector<float>(full({2, 2}, 3.0f)), (std::vector<float>(4, 3.0f)));
  EXPECT_EQ(full({2}, 1, float16).dtype(), float16);
  EXPECT_EQ(to_vector<int>(full({2, 2}, array({1, 2}))), (std::vector<int>{1, 2, 1, 2}));
  EXPECT_EQ(zeros({3}).dtype(), float32);
  EXPECT_EQ(to_vector<int>(ones({2}, int32)), (std::vector<int>{1, 1}));
  EXPECT_EQ(zeros_like(array({1, 2})).dtype(), int32);
  EXPECT_EQ(to_vector<float>(eye(2, 3, 1)), (std::vector<float>{0, 1, 0, 0, 0, 1}));
  EXPECT_EQ(to_vector<float>(identity(2)), (std::vector<float>{1, 0, 0, 1}));
  EXPECT_EQ(to_vector<float>(tri(2, float32)), (std::vector<float>{1, 0, 1, 1}));
  auto m = reshape(arange(1.0, 10.0), {3, 3});
  EXPECT_EQ(to_vector<float>(tril(m)), (std::vector<float>{1, 0, 0, 4, 5, 0, 7, 8, 9}));
  EXPECT_EQ(to_vector<float>(triu(m, 1)), (std::vector<float>{0, 2, 3, 0, 0, 6, 0, 0, 0}));
}

TEST(Creation, Errors) {
  EXPECT_THROW_MSG(arange(0, 10, 0), std::invalid_argument, "[arange] Step must be nonzero");
  EXPECT_THROW_MSG(arange(0.0, 1.0, bool_), std::invalid_argument,
                   "[arange] Cannot make an arange of bool");
  EXPECT_THROW_MSG(full({-1, 2}, 1.0f), std::invalid_argument, "[full] Negative dimensions");
  EXPECT_THROW_MSG(eye(-1), std::invalid_argument, "[eye]");
  EXPECT_THROW_MSG(tril(array({1, 2})), std::invalid_argument, "[tril] Array must be at least 2-D");
  EXPECT_THROW_MSG(linspace(0, 1, -1), std::invalid_argument, "[linspace]");
}

TEST(Shape, ReshapeFlattenSqueeze) {
  auto a = arange(6);
  EXPECT_EQ(reshape(a, {2, -1}).shape(), (Shape{2, 3}));
  EXPECT_EQ(flatten(reshape(a, {1, 2, 3}), 1, 2).shape(), (Shape{1, 6}));
  EXPECT_EQ(flatten(reshape(a, {2, 3})).shape(), (Shape{6}));
  EXPECT_EQ(unflatten(a, 0, {2, -1}).shape(), (Shape{2, 3}));
  EXPECT_EQ(squeeze(reshape(a, {1, 6, 1})).shape(), (Shape{6}));
  EXPECT_EQ(squeeze(reshape(a, {1, 6, 1}), -1).shape(), (Shape{1, 6}));
  EXPECT_EQ(expand_dims(a, {0, 2}).shape(), (Shape{1, 6, 1}));
  EXPECT_EQ(expand_dims(a, -1).shape(), (Shape{6, 1}));
  // Reshaping a transposed view copies into the right order.
  auto t = transpose(reshape(a, {2, 3}));
  EXPECT_EQ(to_vector<int>(reshape(t, {6})), (std::vector<int>{0, 3, 1, 4, 2, 5}));
}

TEST(Shape, ReshapeErrors) {
  auto a = arange(6);
  EXPECT_THROW_MSG(reshape(a, {4, 2}), std::invalid_argument,
                   "[reshape] Cannot reshape array of size 6 into shape (4,2).");
  EXPECT_THROW_MSG(reshape(a, {-1, -1}), std::invalid_argument,
                   "[reshape] Reshape can only infer one");
  EXPECT_THROW_MSG(reshape(a, {4, -1}), std::invalid_argument, "[reshape] Cannot infer");
  EXPECT_THROW_MSG(squeeze(reshape(a, {2, 3}), 0), std::invalid_argument,
                   "[squeeze] Cannot squeeze axis 0");
  EXPECT_THROW_MSG(expand_dims(a, 3), std::invalid_argument,
                   "[expand_dims] Axis 3 is out of bounds");
  EXPECT_THROW_MSG(flatten(reshape(a, {2, 3}), 1, 0), std::invalid_argument, "[flatten]");
  EXPECT_THROW_MSG(unflatten(a, 0, {4, -1}), std::invalid_argument, "[unflatten]");
}

TEST(Shape, TransposeSwapMove) {
  auto a = reshape(arange(6), {1, 2, 3});
  EXPECT_EQ(transpose(a).shape(), (Shape{3, 2, 1}));
  EXPECT_EQ(transpose(a, {1, 0, 2}).shape(), (Shape{2, 1, 3}));
  EXPECT_EQ(swapaxes(a, 0, 2).shape(), (Shape{3, 2, 1}));
  EXPECT_EQ(moveaxis(a, 2, 0).shape(), (Shape{3, 1, 2}));
  auto m = reshape(arange(6), {2, 3});
  EXPECT_EQ(to_vector<int>(transpose(m)), (std::vector<int>{0, 3, 1, 4, 2, 5}));
  EXPECT_THROW_MSG(transpose(a, {0, 1}), std::invalid_argument, "[transpose] Received 2 axes");
  EXPECT_THROW_MSG(transpose(a, {0, 0, 1}), std::invalid_argument,
                   "[transpose] Received duplicate axis");
  EXPECT_THROW_MSG(swapaxes(a, 0, 5), std::invalid_argument, "[swapaxes]");
}

// float32 views whose last two axes are a column-major matrix are copied in
// transposed blocks (kernel_utils.cpp): batches, strips of 64 rows and
// ragged edges, a slice with a row stride larger than its rows, and permuted
// batch axes; against the element-by-element copy into float64.
TEST(Shape, ContiguousCopyOfTransposedMatrices) {
  auto x = reshape(arange(4 * 5 * 150 * 33, float32), {4, 5, 150, 33});
  std::vector<array> views{swapaxes(x, -1, -2), transpose(x, {1, 0, 3, 2}),
                           swapaxes(slice(x, {0, 1, 3, 5}, {4, 5, 150, 33}), -1, -2),
                           transpose(reshape(arange(300 * 200, float32), {300, 200})),
                           swapaxes(reshape(arange(2 * 9 * 8, float32), {2, 9, 8}), 1, 2)};
  for (const auto& v : views) {
    auto got = contiguous(v);
    got.eval();
    EXPECT_TRUE(got.flags().row_contiguous);
    EXPECT_EQ(got.shape(), v.shape());
    EXPECT_EQ(to_vector<double>(astype(got, float64)), to_vector<double>(astype(v, float64)));
  }
}

TEST(Shape, BroadcastConcatStackSplit) {
  EXPECT_EQ(to_vector<int>(broadcast_to(array({1, 2}), {2, 2})), (std::vector<int>{1, 2, 1, 2}));
  auto bs = broadcast_arrays({array({1, 2}), reshape(array({3, 4}), {2, 1})});
  EXPECT_EQ(bs[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(to_vector<int>(bs[1]), (std::vector<int>{3, 3, 4, 4}));
  EXPECT_THROW_MSG(broadcast_to(array({1, 2, 3}), {2, 2}), std::invalid_argument,
                   "[broadcast_to] Cannot broadcast array of shape (3) into shape (2,2).");
  auto a = reshape(arange(4), {2, 2});
  EXPECT_EQ(to_vector<int>(concatenate({a, a}, 1)), (std::vector<int>{0, 1, 0, 1, 2, 3, 2, 3}));
  EXPECT_EQ(concatenate({a, array({1.5f, 2.5f}, {1, 2})}, 0).dtype(), float32);
  EXPECT_EQ(concatenate({a, a}).shape(), (Shape{8}));
  EXPECT_THROW_MSG(concatenate({a, arange(3)}, 0), std::invalid_argument, "[concatenate]");
  EXPECT_THROW_MSG(concatenate({}, 0), std::invalid_argument, "[concatenate] No arrays");
  EXPECT_EQ(stack({arange(2), arange(2)}, 1).shape(), (Shape{2, 2}));
  EXPECT_EQ(to_vector<int>(stack({arange(2), arange(2)}, 1)), (std::vector<int>{0, 0, 1, 1}));
  EXPECT_THROW_MSG(stack({arange(2), arange(3)}), std::invalid_argument, "[stack]");
  auto parts = split(arange(6), 3);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(to_vector<int>(parts[2]), (std::vector<int>{4, 5}));
  auto uneven = split(arange(6), Shape{1, 4});
  EXPECT_EQ(to_vector<int>(uneven[1]), (std::vector<int>{1, 2, 3}));
  EXPECT_THROW_MSG(split(arange(5), 2), std::invalid_argument, "[split]");
}

TEST(Shape, SliceAndUpdate) {
  auto a = reshape(arange(12), {3, 4});
  EXPECT_EQ(to_vector<int>(slice(a, {1, 1}, {3, 3})), (std::vector<int>{5, 6, 9, 10}));
  EXPECT_EQ(to_vector<int>(slice(a, {0, 0}, {3, 4}, {2, 3})), (std::vector<int>{0, 3, 8, 11}));
  EXPECT_EQ(to_vector<int>(slice(arange(5), {-1}, {-6}, {-1})), (std::vector<int>{4, 3, 2, 1, 0}));
  EXPECT_EQ(to_vector<int>(slice(arange(5), {-2}, {100})), (std::vector<int>{3, 4}));
  auto u = slice_update(zeros({2, 3}, int32), array({7, 8}, {1, 2}), {1, 1}, {2, 3});
  EXPECT_EQ(to_vector<int>(u), (std::vector<int>{0, 0, 0, 0, 7, 8}));
  auto v = slice_update(zeros({4}, int32), array(5), {0}, {4}, {2});
  EXPECT_EQ(to_vector<int>(v), (std::vector<int>{5, 0, 5, 0}));
  EXPECT_THROW_MSG(slice(a, {0}, {1}), std::invalid_argument, "[slice] Invalid number of indices");
  EXPECT_THROW_MSG(slice(a, {0, 0}, {1, 1}, {0, 1}), std::invalid_argument,
                   "[slice] Slice stride must be nonzero");
  EXPECT_THROW_MSG(slice_update(zeros({2, 3}), ones({3}), {0, 0}, {1, 2}), std::invalid_argument,
                   "[slice_update]");
}

TEST(Shape, Pad) {
  auto a = array({1, 2}, {1, 2});
  EXPECT_EQ(to_vector<int>(pad(a, {{1, 0}, {0, 1}})), (std::vector<int>{0, 0, 0, 1, 2, 0}));
  EXPECT_EQ(to_vector<int>(pad(arange(2), 1, array(9))), (std::vector<int>{9, 0, 1, 9}));
  EXPECT_THROW_MSG(pad(a, {{-1, 0}, {0, 0}}), std::invalid_argument,
                   "[pad] Padding must be non-negative");
  EXPECT_THROW_MSG(pad(a, 1, array(0), "symmetric"), std::invalid_argument,
                   "[pad] Invalid padding mode (symmetric)");
}

TEST(Shape, AsStrided) {
  auto a = arange(6);
  auto w = as_strided(a, {2, 3}, {1, 2}, 0);
  EXPECT_EQ(to_vector<int>(w), (std::vector<int>{0, 2, 4, 1, 3, 5}));
  EXPECT_THROW_MSG(as_strided(a, {2, 3}, {3, 3}, 0), std::invalid_argument,
                   "[as_strided] The view of shape (2,3), strides (3,3) and offset 0 reaches "
                   "outside the array of 6 elements.");
  EXPECT_THROW_MSG(as_strided(a, {2}, {-1}, 0), std::invalid_argument, "reaches outside");
  EXPECT_THROW_MSG(as_strided(a, {2, 3}, {1}, 0), std::invalid_argument,
                   "[as_strided] Shape (2,3) and strides (1) must have the same length.");
  // A real view: overlapping windows share the input's buffer.
  auto x = arange(8.0f);
  eval(x);
  auto windows = as_strided(x, {3, 3}, {2, 1}, 1);
  eval(windows);
  EXPECT_EQ(windows.buffer().raw_ptr(), x.buffer().raw_ptr());
  EXPECT_EQ(to_vector<float>(windows), (std::vector<float>{1, 2, 3, 3, 4, 5, 5, 6, 7}));
  EXPECT_EQ(to_vector<float>(as_strided(x, {4}, {-2}, 7)), (std::vector<float>{7, 5, 3, 1}));
  // Of a transposed input, strides count the row-major elements.
  auto t = transpose(reshape(arange(6), {2, 3}));
  EXPECT_EQ(to_vector<int>(as_strided(t, {3}, {2}, 0)), (std::vector<int>{0, 1, 2}));
  check_grad(
      [](const std::vector<array>& v) {
        return as_strided(v[0], {3, 3}, {2, 1}, 1);
      },
      {astype(arange(8.0f) * 0.5f, float64)});
}

namespace lmx::test {
namespace {
TEST(OpsShape, RepeatAndTile) {
  auto a = array({1, 2, 3, 4}, {2, 2}, int32);
  EXPECT_EQ(to_vector<int>(repeat(a, 2, 1)), (std::vector<int>{1, 1, 2, 2, 3, 3, 4, 4}));
  EXPECT_EQ(repeat(a, 3, 0).shape(), (Shape{6, 2}));
  EXPECT_EQ(to_vector<int>(repeat(a, 2)), (std::vector<int>{1, 1, 2, 2, 3, 3, 4, 4}));
  EXPECT_EQ(to_vector<int>(tile(a, {1, 2})), (std::vector<int>{1, 2, 1, 2, 3, 4, 3, 4}));
  EXPECT_EQ(tile(array({1, 2}, {2}, int32), {2, 2}).shape(), (Shape{2, 4}));
  check_grad([](const std::vector<array>& v) { return repeat(v[0], 3, 0); },
             {random::normal({2, 2}, float64)});
  check_grad(
      [](const std::vector<array>& v) {
        return tile(v[0], {2, 1, 2});
      },
      {random::normal({2, 3}, float64)});
  EXPECT_THROW_MSG(repeat(a, -1, 0), std::invalid_argument,
                   "[repeat] Number of repeats cannot be negative but got -1.");
  EXPECT_THROW_MSG(tile(a, {-1}), std::invalid_argument, "[tile] Repetitions cannot be negative");
}
}  // namespace
}  // namespace lmx::test
