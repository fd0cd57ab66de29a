// The NumPy-style compositions of ops_numpy.h: values as NumPy computes
// them, gradients by finite differences, errors with their messages.
#include "../test_utils.h"

using namespace lmx;
using namespace lmx::test;

namespace {
array f64(std::initializer_list<double> v, Shape shape) {
  return array(v, std::move(shape), float64);
}
std::vector<float> fl(const array& a) {
  return to_vector<float>(a);
}
}  // namespace

TEST(OpsNumpy, AtLeast) {
  EXPECT_EQ(atleast_1d(array(1.0f)).shape(), (Shape{1}));
  EXPECT_EQ(atleast_2d(array(1.0f)).shape(), (Shape{1, 1}));
  EXPECT_EQ(atleast_2d(array({1, 2})).shape(), (Shape{1, 2}));
  EXPECT_EQ(atleast_3d(array({1, 2})).shape(), (Shape{1, 2, 1}));
  EXPECT_EQ(atleast_3d(zeros({2, 3})).shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(atleast_3d(zeros({2, 3, 4, 5})).shape(), (Shape{2, 3, 4, 5}));
  auto v = atleast_2d(std::vector<array>{array(1.0f), zeros({3})});
  EXPECT_EQ(v[0].shape(), (Shape{1, 1}));
  EXPECT_EQ(v[1].shape(), (Shape{1, 3}));
}

TEST(OpsNumpy, Windows) {
  // NumPy's values.
  EXPECT_TRUE(allclose(hanning(5), array({0.0f, 0.5f, 1.0f, 0.5f, 0.0f}), 1e-5, 1e-6).item<bool>());
  EXPECT_TRUE(allclose(hamming(4), array({0.08f, 0.77f, 0.77f, 0.08f}), 1e-5, 1e-6).item<bool>());
  EXPECT_TRUE(allclose(blackman(4), array({0.0f, 0.63f, 0.63f, 0.0f}), 1e-5, 1e-6).item<bool>());
  EXPECT_TRUE(allclose(bartlett(5), array({0.0f, 0.5f, 1.0f, 0.5f, 0.0f})).item<bool>());
  EXPECT_EQ(hanning(0).shape(), (Shape{0}));
  EXPECT_EQ(fl(hamming(1)), (std::vector<float>{1.0f}));
  EXPECT_EQ(bartlett(3).dtype(), float32);
  EXPECT_THROW_MSG(hanning(-1), std::invalid_argument, "[hanning] Window length must be");
}

TEST(OpsNumpy, ElementwiseHelpers) {
  EXPECT_EQ(fl(trunc(array({-1.5f, 2.7f, -0.2f}))), (std::vector<float>{-1.0f, 2.0f, -0.0f}));
  EXPECT_EQ(trunc(array({1, 2})).dtype(), int32);
  EXPECT_EQ(degrees(array({1, 2})).dtype(), float32);
  EXPECT_NEAR(radians(array(180)).item<float>(), 3.14159265f, 1e-6);
  EXPECT_NEAR(degrees(array(3.14159265f)).item<float>(), 180.0f, 1e-4);
  auto x = logical_xor(array({true, false, true}), array({true, true, false}));
  EXPECT_EQ(to_vector<int>(x), (std::vector<int>{0, 1, 1}));
  EXPECT_EQ(to_vector<int>(logical_xor(array({1, 0}), array({1, 1}))), (std::vector<int>{0, 1}));
  EXPECT_EQ(to_vector<int>(positive(array({1, -2}))), (std::vector<int>{1, -2}));
  auto a = array({1, 0, 3, 0, 5, 6}, {2, 3});
  auto c = count_nonzero(a);
  EXPECT_EQ(c.dtype(), int32);
  EXPECT_EQ(c.item<int>(), 4);
  EXPECT_EQ(to_vector<int>(count_nonzero(a, 0)), (std::vector<int>{1, 1, 2}));
  EXPECT_EQ(count_nonzero(a, 1, true).shape(), (Shape{2, 1}));
  check_grad([](const std::vector<array>& v) { return degrees(v[0]) + radians(v[0]); },
             {f64({0.5, -1.0}, {2})});
}

TEST(OpsNumpy, Diagonals) {
  auto m = reshape(arange(12), {3, 4});
  EXPECT_EQ(to_vector<int>(diagonal(m)), (std::vector<int>{0, 5, 10}));
  EXPECT_EQ(to_vector<int>(diagonal(m, 1)), (std::vector<int>{1, 6, 11}));
  EXPECT_EQ(to_vector<int>(diagonal(m, -1)), (std::vector<int>{4, 9}));
  EXPECT_EQ(diagonal(m, 5).shape(), (Shape{0}));
  auto t = reshape(arange(24), {2, 3, 4});
  // Axes 1 and 2 of each of the 2 matrices; and axes 0 and 2.
  EXPECT_EQ(to_vector<int>(diagonal(t, 0, 1, 2)), (std::vector<int>{0, 5, 10, 12, 17, 22}));
  EXPECT_EQ(diagonal(t, 0, 0, 2).shape(), (Shape{3, 2}));
  EXPECT_EQ(to_vector<int>(diagonal(t, 0, 0, 2)), (std::vector<int>{0, 13, 4, 17, 8, 21}));
  auto d = diag(array({1, 2}), 1);
  EXPECT_EQ(d.shape(), (Shape{3, 3}));
  EXPECT_EQ(to_vector<int>(d), (std::vector<int>{0, 1, 0, 0, 0, 2, 0, 0, 0}));
  EXPECT_EQ(to_vector<int>(diag(array({1, 2}), -1)), (std::vector<int>{0, 0, 0, 1, 0, 0, 0, 2, 0}));
  EXPECT_EQ(to_vector<int>(diag(m)), (std::vector<int>{0, 5, 10}));
  auto tr = trace(array({1, 0, 3, 0, 5, 6}, {2, 3}));
  EXPECT_EQ(tr.dtype(), int32);
  EXPECT_EQ(tr.item<int>(), 6);
  EXPECT_EQ(trace(m, 1, 0, 1, float32).dtype(), float32);
  EXPECT_EQ(trace(m, 1, 0, 1).item<int>(), 18);
  auto x = f64({1, 2, 3, 4, 5, 6}, {2, 3});
  check_grad([](const std::vector<array>& v) { return diagonal(v[0], 1); }, {x});
  check_grad([](const std::vector<array>& v) { return diag(v[0], -1); }, {f64({1, 2}, {2})});
  check_grad([](const std::vector<array>& v) { return trace(v[0]); }, {x});
  EXPECT_THROW_MSG(diagonal(array({1, 2})), std::invalid_argument,
                   "[diagonal] Array must have at least two dimensions");
  EXPECT_THROW_MSG(diagonal(m, 0, 1, -1), std::invalid_argument,
                   "[diagonal] axis1 and axis2 cannot be the same axis");
  EXPECT_THROW_MSG(diag(zeros({2, 2, 2})), std::invalid_argument,
                   "[diag] Input must be 1-D or 2-D");
}

TEST(OpsNumpy, DiffFlipRoll) {
  EXPECT_EQ(to_vector<int>(diff(array({1, 4, 9, 16}))), (std::vector<int>{3, 5, 7}));
  EXPECT_EQ(to_vector<int>(diff(array({1, 4, 9, 16}), 2)), (std::vector<int>{2, 2}));
  EXPECT_EQ(diff(array({1, 4}), 5).shape(), (Shape{0}));
  auto m = reshape(arange(6), {2, 3});
  EXPECT_EQ(to_vector<int>(diff(m, 1, 0)), (std::vector<int>{3, 3, 3}));
  EXPECT_EQ(to_vector<int>(flip(m, 1)), (std::vector<int>{2, 1, 0, 5, 4, 3}));
  EXPECT_EQ(to_vector<int>(flip(m)), (std::vector<int>{5, 4, 3, 2, 1, 0}));
  EXPECT_EQ(to_vector<int>(roll(arange(5), 2)), (std::vector<int>{3, 4, 0, 1, 2}));
  EXPECT_EQ(to_vector<int>(roll(arange(5), -1)), (std::vector<int>{1, 2, 3, 4, 0}));
  EXPECT_EQ(to_vector<int>(roll(m, 1, 1)), (std::vector<int>{2, 0, 1, 5, 3, 4}));
  EXPECT_EQ(to_vector<int>(roll(m, Shape{1, 1}, std::vector<int>{0, 1})),
            (std::vector<int>{5, 3, 4, 2, 0, 1}));
  EXPECT_EQ(to_vector<int>(roll(m, 1)), (std::vector<int>{5, 0, 1, 2, 3, 4}));
  auto x = f64({1, 2, 3, 4, 5, 6}, {2, 3});
  check_grad([](const std::vector<array>& v) { return diff(v[0], 2, 1); }, {x});
  check_grad([](const std::vector<array>& v) { return flip(v[0]); }, {x});
  check_grad([](const std::vector<array>& v) { return roll(v[0], 4, 1); }, {x});
  EXPECT_THROW_MSG(diff(m, -1), std::invalid_argument, "[diff] Order must be non-negative");
  EXPECT_THROW_MSG(roll(m, Shape{1, 2}, std::vector<int>{0}), std::invalid_argument,
                   "[roll] Shift and axes must have the same length");
}

TEST(OpsNumpy, UnstackMeshgrid) {
  auto m = reshape(arange(6), {2, 3});
  auto rows = unstack(m);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(to_vector<int>(rows[1]), (std::vector<int>{3, 4, 5}));
  auto cols = unstack(m, -1);
  ASSERT_EQ(cols.size(), 3u);
  EXPECT_EQ(to_vector<int>(cols[2]), (std::vector<int>{2, 5}));
  auto xy = meshgrid({arange(3), arange(2)});
  EXPECT_EQ(xy[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(to_vector<int>(xy[0]), (std::vector<int>{0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(to_vector<int>(xy[1]), (std::vector<int>{0, 0, 0, 1, 1, 1}));
  auto ij = meshgrid({arange(3), arange(2)}, false, "ij");
  EXPECT_EQ(ij[0].shape(), (Shape{3, 2}));
  auto sp = meshgrid({arange(3), arange(2), arange(4)}, true);
  EXPECT_EQ(sp[0].shape(), (Shape{1, 3, 1}));
  EXPECT_EQ(sp[1].shape(), (Shape{2, 1, 1}));
  EXPECT_EQ(sp[2].shape(), (Shape{1, 1, 4}));
  EXPECT_THROW_MSG(meshgrid({arange(2)}, false, "xz"), std::invalid_argument,
                   "[meshgrid] Invalid indexing value 'xz'");
  EXPECT_THROW_MSG(unstack(array(1)), std::invalid_argument, "[unstack]");
}

TEST(OpsNumpy, Contractions) {
  auto k = kron(array({1, 2, 3, 4}, {2, 2}), array({0, 1, 1, 0}, {2, 2}));
  EXPECT_EQ(k.shape(), (Shape{4, 4}));
  EXPECT_EQ(to_vector<int>(k), (std::vector<int>{0, 1, 0, 2, 1, 0, 2, 0, 0, 3, 0, 4, 3, 0, 4, 0}));
  EXPECT_EQ(kron(zeros({3}), zeros({2, 2})).shape(), (Shape{2, 6}));
  auto a = reshape(arange(24.0f), {2, 3, 4}), b = reshape(arange(60.0f), {3, 4, 5});
  auto t = tensordot(a, b, 2);
  EXPECT_EQ(t.shape(), (Shape{2, 5}));
  auto ref = matmul(reshape(a, {2, 12}), reshape(b, {12, 5}));
  EXPECT_TRUE(allclose(t, ref).item<bool>());
  auto t2 = tensordot(a, b, {1, 2}, {0, 1});
  EXPECT_TRUE(allclose(t2, ref).item<bool>());
  EXPECT_EQ(tensordot(zeros({2, 3}), zeros({4, 5}), 0).shape(), (Shape{2, 3, 4, 5}));
  EXPECT_EQ(vecdot(array({1.0f, 2.0f}), array({3.0f, 4.0f})).item<float>(), 11.0f);
  auto x = f64({1, 2, 3, 4, 5, 6}, {2, 3}), y = f64({0.5, -1, 2, 1, 0, 3}, {3, 2});
  check_grad([](const std::vector<array>& v) { return kron(v[0], v[1]); }, {x, y});
  check_grad([](const std::vector<array>& v) { return tensordot(v[0], v[1], {1}, {0}); }, {x, y});
  check_grad([](const std::vector<array>& v) { return vecdot(v[0], v[1], 0); }, {x, transpose(y)});
  EXPECT_THROW_MSG(tensordot(a, b, {0}, {0}), std::invalid_argument,
                   "[tensordot] Axis 0 of a (2) and axis 0 of b (3) must have the same size.");
  EXPECT_THROW_MSG(tensordot(a, b, {0, 1}, {0}), std::invalid_argument,
                   "[tensordot] Different number of axes");
  EXPECT_THROW_MSG(tensordot(a, b, 4), std::invalid_argument, "[tensordot] axis 4 is larger");
}

TEST(OpsNumpy, OrderStatistics) {
  auto x = array({5, 1, 4, 2, 3});
  auto p = partition(x, 2);
  auto v = to_vector<int>(p);
  EXPECT_EQ(v[2], 3);
  for (int i = 0; i < 2; ++i) EXPECT_LT(v[i], 3);
  for (int i = 3; i < 5; ++i) EXPECT_GT(v[i], 3);
  auto ap = argpartition(x, 2);
  EXPECT_EQ(ap.dtype(), uint32);
  EXPECT_EQ(to_vector<int>(take(x, ap))[2], 3);
  EXPECT_THROW_MSG(partition(x, 5), std::invalid_argument, "[partition] Received invalid kth 5");
  auto med = median(array({3, 1, 2, 4}));
  EXPECT_EQ(med.dtype(), float32);
  EXPECT_EQ(med.item<float>(), 2.5f);
  EXPECT_EQ(median(array({3.0f, 1.0f, 2.0f})).item<float>(), 2.0f);
  auto m = array({3.0f, 1.0f, 2.0f, 4.0f}, {2, 2});
  EXPECT_EQ(fl(median(m, 0)), (std::vector<float>{2.5f, 2.5f}));
  EXPECT_EQ(median(m, 1, true).shape(), (Shape{2, 1}));
  check_grad([](const std::vector<array>& v) { return median(v[0], 1); },
             {f64({3, 1, 2, 4, 0.5, 7}, {2, 3})});
  auto seq = array({1, 2, 3});
  auto l = searchsorted(seq, array({2.0f, 2.5f, 0.0f, 9.0f}));
  EXPECT_EQ(l.dtype(), uint32);
  EXPECT_EQ(to_vector<int>(l), (std::vector<int>{1, 2, 0, 3}));
  EXPECT_EQ(to_vector<int>(searchsorted(seq, array({2, 3}), "right")), (std::vector<int>{2, 3}));
  auto rows = array({1, 3, 5, 2, 4, 6}, {2, 3});
  EXPECT_EQ(to_vector<int>(searchsorted(rows, array({4, 4}, {2, 1}))), (std::vector<int>{2, 1}));
  EXPECT_THROW_MSG(searchsorted(seq, array(1), "middle"), std::invalid_argument,
                   "[searchsorted] side must be 'left' or 'right'");
}
