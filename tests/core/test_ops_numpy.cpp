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

TEST(OpsNumpy, Logcumsumexp) {
  auto x = array({0.5f, -1.0f, 2.0f, 0.0f});
  auto ref = log(cumsum(exp(x), 0));
  EXPECT_TRUE(allclose(logcumsumexp(x, 0), ref, 1e-6, 1e-6).item<bool>());
  EXPECT_TRUE(allclose(logcumsumexp(x), ref, 1e-6, 1e-6).item<bool>());
  EXPECT_TRUE(
      allclose(logcumsumexp(x, 0, true), log(cumsum(exp(x), 0, true)), 1e-6, 1e-6).item<bool>());
  auto ex = to_vector<float>(logcumsumexp(x, 0, false, false));
  EXPECT_TRUE(std::isinf(ex[0]) && ex[0] < 0);
  EXPECT_NEAR(ex[1], 0.5f, 1e-6);
  // Stable where exp under- or overflows.
  auto big = to_vector<float>(logcumsumexp(array({-1000.0f, 0.0f, 1000.0f}), 0));
  EXPECT_NEAR(big[0], -1000.0f, 1e-3);
  EXPECT_NEAR(big[1], 0.0f, 1e-6);
  EXPECT_NEAR(big[2], 1000.0f, 1e-3);
  EXPECT_EQ(logcumsumexp(array({1, 2})).dtype(), float32);
  auto m = array({0.5, -1.0, 2.0, 0.0, 1.5, -0.5}, {2, 3}, float64);
  check_grad([](const std::vector<array>& v) { return logcumsumexp(v[0], 1); }, {m});
  check_grad([](const std::vector<array>& v) { return logcumsumexp(v[0], 0, true); }, {m});
  // An exclusive scan starts at -inf; the rest equals the inclusive one shifted.
  auto excl = grad([](const array& v) {
    return sum(slice(logcumsumexp(v, 0, false, false), {1}, {4}));
  })(astype(x, float64));
  auto incl = grad([](const array& v) { return sum(slice(logcumsumexp(v, 0), {0}, {3})); })(
      astype(x, float64));
  EXPECT_TRUE(allclose(excl, incl, 1e-10, 1e-10).item<bool>());
  auto [o, t] =
      jvp([](const array& v) { return slice(logcumsumexp(v, 0, false, false), {1}, {4}); },
          astype(x, float64), astype(ones({4}), float64));
  EXPECT_TRUE(allclose(t, ones({3}), 1e-10, 1e-10).item<bool>());
}

TEST(OpsNumpy, ViewsAndCounts) {
  auto v = view(array(1.0f), uint32);
  EXPECT_EQ(v.item<uint32_t>(), 1065353216u);
  auto b = view(array({1, 2}), uint8);
  EXPECT_EQ(b.shape(), (Shape{8}));
  EXPECT_EQ(to_vector<int>(b), (std::vector<int>{1, 0, 0, 0, 2, 0, 0, 0}));
  EXPECT_EQ(view(zeros({2, 4}, uint8), int32).shape(), (Shape{2, 1}));
  EXPECT_EQ(to_vector<float>(view(view(array({1.5f, -2.0f}), int32), float32)),
            (std::vector<float>{1.5f, -2.0f}));
  // Of a transposed (non-contiguous) input: its row-major bytes.
  auto t = transpose(reshape(arange(4), {2, 2}));
  EXPECT_EQ(to_vector<int>(view(t, uint32)), (std::vector<int>{0, 2, 1, 3}));
  EXPECT_THROW_MSG(view(zeros({3}, uint8), int32), std::invalid_argument,
                   "[view] The last dimension (3 of uint8) is not divisible by the size of int32.");
  EXPECT_THROW_MSG(view(array(1.0f), float16), std::invalid_argument, "[view] Changing the type");
  auto c = contiguous(transpose(reshape(arange(6), {2, 3})));
  EXPECT_EQ(to_vector<int>(c), (std::vector<int>{0, 3, 1, 4, 2, 5}));
  c.eval();
  EXPECT_TRUE(c.flags().row_contiguous);
  // An evaluated transpose is column-major: kept as it is when that is allowed.
  auto base = reshape(arange(6.0f), {2, 3});
  base.eval();
  auto bt = transpose(base);
  bt.eval();
  EXPECT_EQ(contiguous(bt, true).id(), bt.id());
  auto rc = contiguous(bt);
  EXPECT_NE(rc.id(), bt.id());
  rc.eval();
  EXPECT_TRUE(rc.flags().row_contiguous);
  EXPECT_EQ(to_vector<float>(rc), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  auto x = zeros({2, 3, 4});
  EXPECT_EQ(number_of_elements(x, {0, 2}, false).item<int>(), 8);
  // inverted: the reciprocal of the count (as MLX).
  EXPECT_FLOAT_EQ(number_of_elements(x, {0, 2}, true, float32).item<float>(), 0.125f);
  EXPECT_EQ(number_of_elements(x, {1}, false, float32).dtype(), float32);
  // Under shapeless compile the count follows the input's shape.
  auto f = compile(
      [](const std::vector<array>& v) {
        return std::vector<array>{sum(v[0], -1) / number_of_elements(v[0], {-1}, false, float32)};
      },
      true);
  EXPECT_EQ(f({ones({2, 4})})[0].shape(), (Shape{2}));
  EXPECT_EQ(to_vector<float>(f({full({1, 5}, 2.0f)})[0]), (std::vector<float>{2.0f}));
  EXPECT_EQ(to_vector<float>(f({full({3, 2}, 4.0f)})[0]), (std::vector<float>{4.0f, 4.0f, 4.0f}));
  auto ms = masked_scatter(zeros({2, 3}), array({true, false, true, false, true, false}, {2, 3}),
                           array({1.f, 2.f, 3.f, 4.f}));
  EXPECT_EQ(to_vector<float>(ms), (std::vector<float>{1, 0, 2, 0, 3, 0}));
  check_grad(
      [](const std::vector<array>& p) {
        return masked_scatter(p[0], array({false, true, true}), p[1]);
      },
      {array({1.0, 2.0, 3.0}, float64), array({5.0, 6.0}, float64)});
  EXPECT_THROW_MSG(masked_scatter(zeros({2}), ones({2}), ones({2})), std::invalid_argument,
                   "[masked_scatter] The mask must be a boolean array");
}

TEST(OpsNumpy, Fp8) {
  // MLX's codes and values (E4M3, round to nearest even, saturating).
  auto x = array({0.0f, 1.0f, -2.5f, 448.0f, 500.0f, 1e-3f, NAN, INFINITY, 0.3f, 240.0f, -1e-9f,
                  464.0f, 0.0009765625f, 0.00146484375f});
  auto q = to_fp8(x);
  EXPECT_EQ(q.dtype(), uint8);
  EXPECT_EQ(to_vector<int>(q),
            (std::vector<int>{0, 56, 194, 126, 126, 1, 126, 126, 42, 119, 128, 126, 0, 1}));
  auto back = from_fp8(q, float32);
  EXPECT_EQ(to_vector<float>(back),
            (std::vector<float>{0.0f, 1.0f, -2.5f, 448.0f, 448.0f, 0.001953125f, 448.0f, 448.0f,
                                0.3125f, 240.0f, -0.0f, 448.0f, 0.0f, 0.001953125f}));
  EXPECT_EQ(from_fp8(q, bfloat16).dtype(), bfloat16);
  auto all = from_fp8(astype(arange(256), uint8), float32);
  auto vals = to_vector<float>(all);
  EXPECT_EQ(vals[1], 0.001953125f);
  EXPECT_EQ(vals[126], 448.0f);
  EXPECT_TRUE(std::isnan(vals[127]) && std::isnan(vals[255]));
  // Every finite code round-trips (negative zero comes back as zero).
  auto codes = astype(arange(256), uint8);
  auto keep = logical_and(logical_not(isnan(all)), not_equal(codes, array(128, uint8)));
  EXPECT_TRUE(array_equal(where(keep, to_fp8(all), codes), codes).item<bool>());
  EXPECT_THROW_MSG(to_fp8(array({1, 2})), std::invalid_argument, "[to_fp8]");
  EXPECT_THROW_MSG(from_fp8(array({1, 2}), float32), std::invalid_argument, "[from_fp8]");
}

TEST(OpsNumpy, MatrixTransposeAndMinmax) {
  auto a = reshape(arange(6), {1, 2, 3});
  EXPECT_EQ(matrix_transpose(a).shape(), (Shape{1, 3, 2}));
  EXPECT_EQ(to_vector<int>(matrix_transpose(a)), (std::vector<int>{0, 3, 1, 4, 2, 5}));
  EXPECT_THROW_MSG(matrix_transpose(arange(3)), std::invalid_argument,
                   "[matrix_transpose] Input array must have at least 2 dimensions.");
  auto x = array({3, 1, 2, 7, 5, 0}, {2, 3});
  auto [lo, hi] = minmax(x);
  EXPECT_EQ(lo.item<int>(), 0);
  EXPECT_EQ(hi.item<int>(), 7);
  auto [lo1, hi1] = minmax(x, 1, true);
  EXPECT_EQ(lo1.shape(), (Shape{2, 1}));
  EXPECT_EQ(to_vector<int>(hi1), (std::vector<int>{3, 7}));
  auto [lo2, hi2] = minmax(x, std::vector<int>{0});
  EXPECT_EQ(to_vector<int>(lo2), (std::vector<int>{3, 1, 0}));
  EXPECT_EQ(to_vector<int>(hi2), (std::vector<int>{7, 5, 2}));
}

// Values from MLX 0.32.4's unique on the same inputs.
TEST(OpsNumpy, Unique) {
  auto a = array({3, 1, 3, 2, 1, 5});
  auto all = unique(a, 6, true, true, true);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(to_vector<int>(all[0]), (std::vector<int>{1, 2, 3, 5, 1, 1}));
  EXPECT_EQ(all[1].dtype(), uint32);
  EXPECT_EQ(to_vector<uint32_t>(all[1]), (std::vector<uint32_t>{1, 3, 0, 5, 1, 1}));
  EXPECT_EQ(to_vector<uint32_t>(all[2]), (std::vector<uint32_t>{2, 0, 2, 1, 0, 3}));
  EXPECT_EQ(all[3].dtype(), int32);
  EXPECT_EQ(to_vector<int>(all[3]), (std::vector<int>{2, 1, 2, 1, 0, 0}));
  // Cut to 3: the dropped value's inverse indices clamp to the last entry.
  auto cut = unique(a, 3, true, true, true);
  EXPECT_EQ(to_vector<int>(cut[0]), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(to_vector<uint32_t>(cut[1]), (std::vector<uint32_t>{1, 3, 0}));
  EXPECT_EQ(to_vector<uint32_t>(cut[2]), (std::vector<uint32_t>{2, 0, 2, 1, 0, 2}));
  EXPECT_EQ(to_vector<int>(cut[3]), (std::vector<int>{2, 1, 2}));
  auto filled = unique(a, 6, false, false, false, array(-1));
  ASSERT_EQ(filled.size(), 1u);
  EXPECT_EQ(to_vector<int>(filled[0]), (std::vector<int>{1, 2, 3, 5, -1, -1}));
  // Only the requested extras come back, in order; inverse has a's shape.
  auto two = unique(reshape(a, {2, 3}), 4, false, true);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1].shape(), (Shape{2, 3}));
  // Each NaN is its own value.
  float nan = std::numeric_limits<float>::quiet_NaN();
  auto withnan = unique(array({2.0f, nan, nan, 1.0f}, {2, 2}), 4, false, false, true);
  auto vals = to_vector<float>(withnan[0]);
  EXPECT_EQ(vals[0], 1.0f);
  EXPECT_EQ(vals[1], 2.0f);
  EXPECT_TRUE(std::isnan(vals[2]) && std::isnan(vals[3]));
  EXPECT_EQ(to_vector<int>(withnan[1]), (std::vector<int>{1, 1, 1, 1}));
  EXPECT_EQ(to_vector<bool>(unique(array({true, false, true}), 2)[0]),
            (std::vector<bool>{false, true}));
  // Empty inputs.
  EXPECT_EQ(unique(zeros({0}), 0)[0].shape(), (Shape{0}));
  EXPECT_EQ(to_vector<float>(unique(zeros({0}), 2, false, false, false, array(7.0f))[0]),
            (std::vector<float>{7, 7}));
  EXPECT_THROW_MSG(unique(zeros({0}), 2), std::invalid_argument,
                   "[unique] A fill value is required for an empty input with a non-zero size.");
  EXPECT_THROW_MSG(unique(a, -1), std::invalid_argument, "[unique] Received negative size -1.");
  EXPECT_THROW_MSG(unique(a, 2, false, false, false, array({1, 2})), std::invalid_argument,
                   "[unique] The fill value must be a scalar");
}
