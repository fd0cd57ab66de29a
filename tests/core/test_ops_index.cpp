#include "../test_utils.h"

using namespace lmx;
using namespace lmx::test;

TEST(Index, Take) {
  auto a = reshape(arange(12), {3, 4});
  EXPECT_EQ(to_vector<int>(take(a, array({2, 0}), 0)),
            (std::vector<int>{8, 9, 10, 11, 0, 1, 2, 3}));
  EXPECT_EQ(to_vector<int>(take(a, array({3, -1}), 1)), (std::vector<int>{3, 3, 7, 7, 11, 11}));
  EXPECT_EQ(take(a, array({1, 2, 0, 1}, {2, 2}), 1).shape(), (Shape{3, 2, 2}));
  EXPECT_EQ(to_vector<int>(take(a, array({5, 11}))), (std::vector<int>{5, 11}));
  EXPECT_EQ(to_vector<int>(take(a, 1, 0)), (std::vector<int>{4, 5, 6, 7}));
  EXPECT_EQ(take(a, 2).item<int>(), 2);
  EXPECT_THROW_MSG(take(a, array({3}), 0).eval(), std::out_of_range,
                   "Index 3 is out of bounds for axis 0 with size 3");
  EXPECT_THROW_MSG(take(a, array({1.0f}), 0), std::invalid_argument,
                   "[take] Indices must be integers");
  EXPECT_THROW_MSG(take(a, 5, 0), std::invalid_argument, "[take] Index 5 is out of bounds");
}

TEST(Index, TakePutAlongAxis) {
  auto a = array({10, 30, 20, 60, 40, 50}, {2, 3});
  auto idx = array({1, 0}, {2, 1});
  EXPECT_EQ(to_vector<int>(take_along_axis(a, idx, 1)), (std::vector<int>{30, 60}));
  EXPECT_EQ(to_vector<int>(take_along_axis(a, argsort(a, 1), 1)),
            (std::vector<int>{10, 20, 30, 40, 50, 60}));
  auto p = put_along_axis(a, idx, array(0), 1);
  EXPECT_EQ(to_vector<int>(p), (std::vector<int>{10, 0, 20, 0, 40, 50}));
  EXPECT_THROW_MSG(take_along_axis(a, array({1}), 1), std::invalid_argument,
                   "[take_along_axis] Indices of dimension 1");
  EXPECT_THROW_MSG(take_along_axis(a, array({3}, {1, 1}), 1).eval(), std::out_of_range,
                   "take_along_axis");
}

TEST(Index, GatherScatter) {
  auto a = reshape(arange(12), {3, 4});
  // Two index arrays pick single elements.
  auto g = gather(a, {array({0, 2}), array({1, 3})}, {0, 1}, {1, 1});
  EXPECT_EQ(g.shape(), (Shape{2, 1, 1}));
  EXPECT_EQ(to_vector<int>(g), (std::vector<int>{1, 11}));
  // A slice of two columns per index.
  auto g2 = gather(a, array({1}), 0, {1, 2});
  EXPECT_EQ(to_vector<int>(g2), (std::vector<int>{4, 5}));
  auto z = zeros({4}, int32);
  auto s = scatter(z, array({1, 3}), array({5, 6}, {2, 1}), 0);
  EXPECT_EQ(to_vector<int>(s), (std::vector<int>{0, 5, 0, 6}));
  auto sa = scatter_add(z, array({1, 1, 2}), array({1, 2, 3}, {3, 1}), 0);
  EXPECT_EQ(to_vector<int>(sa), (std::vector<int>{0, 3, 3, 0}));
  auto sp = scatter_prod(ones({3}, int32), array({0, 0}), array({2, 3}, {2, 1}), 0);
  EXPECT_EQ(to_vector<int>(sp), (std::vector<int>{6, 1, 1}));
  auto smax = scatter_max(z, array({2, 2}), array({4, 9}, {2, 1}), 0);
  EXPECT_EQ(to_vector<int>(smax), (std::vector<int>{0, 0, 9, 0}));
  auto smin = scatter_min(full({3}, 5), array({0}), array({-1}, {1, 1}), 0);
  EXPECT_EQ(to_vector<int>(smin), (std::vector<int>{-1, 5, 5}));
  EXPECT_THROW_MSG(scatter(z, array({4}), array({1}, {1, 1}), 0).eval(), std::out_of_range,
                   "out of bounds");
  EXPECT_THROW_MSG(scatter(z, array({1}), array({1}), 0), std::invalid_argument,
                   "[scatter] Updates with shape (1)");
  EXPECT_THROW_MSG(gather(a, {array({0})}, {0, 1}, {1, 1}), std::invalid_argument,
                   "[gather] Number of index arrays");
  EXPECT_THROW_MSG(gather(a, array({0}), 0, {4, 4}), std::invalid_argument, "[gather] Slice sizes");
}

TEST(Linalg, Matmul) {
  auto a = array({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f}, {2, 3});
  auto b = array({1.0f, 0.0f, 0.0f, 1.0f, 1.0f, 1.0f}, {3, 2});
  EXPECT_TRUE(all_close(matmul(a, b), array({4.0f, 5.0f, 10.0f, 11.0f}, {2, 2})));
  EXPECT_TRUE(
      all_close(matmul(transpose(b), transpose(a)), array({4.0f, 10.0f, 5.0f, 11.0f}, {2, 2})));
  EXPECT_TRUE(all_close(matmul(array({1.0f, 1.0f}), a), array({5.0f, 7.0f, 9.0f})));
  EXPECT_TRUE(all_close(matmul(a, array({1.0f, 1.0f, 1.0f})), array({6.0f, 15.0f})));
  // Batched with broadcasting of the batch dimensions.
  auto batch = stack({a, a * 2.0f});
  auto r = matmul(batch, b);
  EXPECT_EQ(r.shape(), (Shape{2, 2, 2}));
  EXPECT_TRUE(all_close(r, stack({matmul(a, b), matmul(a * 2.0f, b)})));
  auto r2 = matmul(reshape(batch, {2, 1, 2, 3}), stack({b, b, b}));
  EXPECT_EQ(r2.shape(), (Shape{2, 3, 2, 2}));
  // Non-contiguous operands (a sliced view) are copied as needed.
  auto big = reshape(arange(0.0, 24.0), {4, 6});
  auto view = slice(big, {0, 0}, {4, 6}, {2, 2});
  EXPECT_TRUE(all_close(matmul(view, ones({3, 1})), array({6.0f, 42.0f}, {2, 1})));
  EXPECT_TRUE(all_close(matmul(astype(a, float64), astype(b, float64)),
                        array({4.0, 5.0, 10.0, 11.0}, {2, 2})));
  EXPECT_TRUE(all_close(matmul(astype(a, float16), astype(b, float16)),
                        array({4.0f, 5.0f, 10.0f, 11.0f}, {2, 2})));
  EXPECT_TRUE(all_close(matmul(astype(a, bfloat16), astype(b, bfloat16)),
                        array({4.0f, 5.0f, 10.0f, 11.0f}, {2, 2})));
  EXPECT_TRUE(all_close(addmm(array({1.0f, 2.0f}), a, b, 2.0f, 0.5f),
                        array({8.5f, 11.0f, 20.5f, 23.0f}, {2, 2})));
  EXPECT_TRUE(all_close(outer(array({1.0f, 2.0f}), array({3.0f, 4.0f})),
                        array({3.0f, 4.0f, 6.0f, 8.0f}, {2, 2})));
  EXPECT_TRUE(all_close(inner(array({1.0f, 2.0f}), array({3.0f, 4.0f})), array(11.0f)));
  EXPECT_EQ(inner(ones({2, 3}), ones({4, 3})).shape(), (Shape{2, 4}));
}

// A batched a against a 2-D b (a Linear on (batch, length, dims) input) is
// one 2-D product over the flattened batch, as in MLX: the node behind the
// result is a 2-D Matmul or AddMM. A 1-D b, a b with batch dimensions, or a
// c that is not bias-like keep the batched node.
TEST(Linalg, BatchedAAgainst2DBIsOneProduct) {
  auto a = random::normal({2, 3, 4}, random::key(0));
  auto b = random::normal({4, 5}, random::key(1));
  auto c = random::normal({5}, random::key(2));
  auto a64 = astype(a, float64), b64 = astype(b, float64), c64 = astype(c, float64);
  auto want = stack({matmul(take(a64, array(0), 0), b64), matmul(take(a64, array(1), 0), b64)});
  auto node_ndim = [](const array& r) {
    EXPECT_TRUE(r.has_primitive());
    return r.inputs().empty() ? r.ndim() : r.inputs()[0].ndim();
  };
  auto r = matmul(a, b);
  EXPECT_EQ(r.shape(), (Shape{2, 3, 5}));
  EXPECT_EQ(node_ndim(r), 2);
  EXPECT_TRUE(all_close(r, astype(want, float32), 1e-5, 1e-5));
  // Transposed a (a copy when flattened) and transposed b.
  auto at = swapaxes(add(swapaxes(a, -1, -2), array(0.0f)), -1, -2);
  auto bt = transpose(add(transpose(b), array(0.0f)));
  EXPECT_TRUE(all_close(matmul(at, bt), astype(want, float32), 1e-5, 1e-5));
  auto r1 = matmul(a, array({1.0f, 0.0f, 0.0f, 0.0f}));
  EXPECT_EQ(r1.shape(), (Shape{2, 3}));
  EXPECT_TRUE(all_close(r1, take(a, array(0), 2)));
  auto m = addmm(c, a, b, 2.0f, 0.5f);
  EXPECT_EQ(m.shape(), (Shape{2, 3, 5}));
  EXPECT_EQ(node_ndim(m), 2);
  EXPECT_TRUE(all_close(m, astype(2.0 * want + 0.5 * c64, float32), 1e-5, 1e-5));
  EXPECT_TRUE(all_close(addmm(array(1.0f), a, b), astype(want + 1.0, float32), 1e-5, 1e-5));
  // c over whole rows, and a 1-D b: the batched node.
  auto c2 = random::normal({3, 5}, random::key(3));
  auto m2 = addmm(c2, a, b);
  EXPECT_EQ(node_ndim(m2), 3);
  EXPECT_TRUE(all_close(m2, astype(want + astype(c2, float64), float32), 1e-5, 1e-5));
  auto m3 = addmm(array({1.0f, 2.0f, 3.0f}), a, array({1.0f, 0.0f, 0.0f, 0.0f}));
  EXPECT_EQ(m3.shape(), (Shape{2, 3}));
  EXPECT_TRUE(all_close(m3, take(a, array(0), 2) + array({1.0f, 2.0f, 3.0f})));
  EXPECT_THROW_MSG(addmm(ones({4}), a, b), std::invalid_argument,
                   "[addmm] Input c with shape (4) cannot be broadcast");
}

TEST(Linalg, LargeMatmulMatchesNaive) {
  auto a = random::normal({67, 131}, random::key(0));
  auto b = random::normal({131, 45}, random::key(1));
  auto naive = sum(multiply(expand_dims(a, 2), expand_dims(b, 0)), 1);
  EXPECT_TRUE(all_close(matmul(a, b), naive, 1e-4, 1e-4));
}

TEST(Linalg, Errors) {
  EXPECT_THROW_MSG(matmul(ones({2, 3}), ones({4, 5})), std::invalid_argument,
                   "[matmul] Last dimension of first input with shape (2,3) must match second to "
                   "last dimension of second input with shape (4,5).");
  EXPECT_THROW_MSG(matmul(ones({2, 3}, int32), ones({3, 2}, int32)), std::invalid_argument,
                   "[matmul] Only inexact types are supported but int32 and int32 were provided "
                   "which results in int32, which is not a floating point type.");
  EXPECT_THROW_MSG(matmul(array(1.0f), ones({2})), std::invalid_argument,
                   "[matmul] Got 0 dimension input");
  EXPECT_THROW_MSG(matmul(ones({2, 2, 3}), ones({3, 3, 2})), std::invalid_argument,
                   "[matmul] Batch dimensions");
  EXPECT_THROW_MSG(addmm(ones({3}), ones({2, 3}), ones({3, 2})), std::invalid_argument,
                   "[addmm] Input c");
  EXPECT_THROW_MSG(inner(ones({2}), ones({3})), std::invalid_argument, "[inner]");
}

// complex64 products (cgemm) and their vjp, which takes the conjugate of the
// other operand as MLX 0.32.4 does.
TEST(Linalg, ComplexMatmul) {
  auto a = array({complex64_t(1, 2), complex64_t(3, -1)}, {1, 2});
  auto b = array({complex64_t(2, -1), complex64_t(1, 1)}, {2, 1});
  EXPECT_EQ(to_vector<complex64_t>(matmul(a, b)), (std::vector<complex64_t>{{8, 5}}));
  auto ct = array({complex64_t(1, 0)}, {1, 1});
  auto ga = vjp([&](const array& x) { return matmul(x, b); }, a, ct).second;
  auto gb = vjp([&](const array& y) { return matmul(a, y); }, b, ct).second;
  EXPECT_EQ(to_vector<complex64_t>(ga), (std::vector<complex64_t>{{2, 1}, {1, -1}}));
  EXPECT_EQ(to_vector<complex64_t>(gb), (std::vector<complex64_t>{{1, -2}, {3, 1}}));
  // Batched and large enough to split over threads.
  auto re = random::normal({2, 64, 96}, float32, random::key(1));
  auto im = random::normal({2, 96, 80}, float32, random::key(2));
  auto x = add(astype(re, complex64), array(complex64_t(0, 0.5f)));
  auto y = multiply(astype(im, complex64), array(complex64_t(1, -1)));
  auto p = matmul(x, y);
  // (xr + i xi)(yr + i yi) = xr yr - xi yi + i (xr yi + xi yr)
  auto xr = real(x), xi = imag(x), yr = real(y), yi = imag(y);
  EXPECT_TRUE(all_close(real(p), subtract(matmul(xr, yr), matmul(xi, yi)), 1e-4, 1e-4));
  EXPECT_TRUE(all_close(imag(p), add(matmul(xr, yi), matmul(xi, yr)), 1e-4, 1e-4));
}
