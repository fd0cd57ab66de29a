// linalg::svd against reconstruction and known values, and
// random::multivariate_normal against MLX 0.32.4's samples.
#include <cmath>
#include <limits>

#include "../test_utils.h"

using namespace lmx;
using namespace lmx::test;

namespace {

// U diag(S) Vt with U (.., M, M), S (.., K), Vt (.., N, N).
array reconstruct(const std::vector<array>& usv, int m, int n) {
  int k = std::min(m, n);
  (void)m;
  (void)n;
  auto u = take(usv[0], arange(k), -1);
  auto vt = take(usv[2], arange(k), -2);
  return matmul(multiply(u, expand_dims(usv[1], -2)), vt);
}

}  // namespace

TEST(Linalg, SvdReconstructsAndIsOrthogonal) {
  for (auto [m, n] : std::vector<std::pair<int, int>>{{3, 2}, {2, 3}, {4, 4}, {1, 5}}) {
    auto a = random::normal({m, n}, float32, random::key(m * 10 + n));
    auto usv = linalg::svd(a);
    ASSERT_EQ(usv.size(), 3u);
    EXPECT_EQ(usv[0].shape(), (Shape{m, m}));
    EXPECT_EQ(usv[1].shape(), (Shape{std::min(m, n)}));
    EXPECT_EQ(usv[2].shape(), (Shape{n, n}));
    EXPECT_TRUE(all_close(reconstruct(usv, m, n), a, 1e-4, 1e-5)) << m << "x" << n;
    EXPECT_TRUE(all_close(matmul(usv[0], transpose(usv[0])), eye(m), 1e-5, 1e-5));
    EXPECT_TRUE(all_close(matmul(usv[2], transpose(usv[2])), eye(n), 1e-5, 1e-5));
    auto s = to_vector<float>(usv[1]);
    for (size_t i = 1; i < s.size(); ++i) EXPECT_GE(s[i - 1], s[i]);
  }
  // MLX 0.32.4 gives S = [9.85292, 0.412266] for this matrix.
  auto a = array({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.5f}, {3, 2});
  auto s = linalg::svd(a, false);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_TRUE(all_close(s[0], array({9.85292f, 0.412266f}), 1e-5, 1e-5));
  // Batched, float64, and a strided (transposed) input.
  auto b = random::normal({2, 3, 4, 3}, float64, random::key(7));
  auto usv = linalg::svd(b);
  EXPECT_EQ(usv[0].shape(), (Shape{2, 3, 4, 4}));
  EXPECT_EQ(usv[1].dtype(), float64);
  EXPECT_TRUE(all_close(reconstruct(usv, 4, 3), b, 1e-10, 1e-10));
  auto bt = swapaxes(b, -1, -2);
  EXPECT_TRUE(all_close(reconstruct(linalg::svd(bt), 3, 4), bt, 1e-10, 1e-10));
  // vmap batches it as a leading axis.
  auto vs = vmap([](const std::vector<array>& v) { return linalg::svd(v[0], false); }, {1})({b});
  EXPECT_TRUE(all_close(vs[0], moveaxis(linalg::svd(b, false)[0], 1, 0), 1e-10, 1e-10));
}

TEST(Linalg, SvdErrors) {
  EXPECT_THROW_MSG(linalg::svd(ones({3})), std::invalid_argument,
                   "[linalg::svd] Input array must have >= 2 dimensions. Received array with 1 "
                   "dimensions.");
  EXPECT_THROW_MSG(linalg::svd(ones({3, 3}, int32)), std::invalid_argument,
                   "[linalg::svd] Arrays must have type float32, float64 or complex64. Received "
                   "array with type int32.");
  auto a = ones({2, 2});
  EXPECT_THROW_MSG(grad([](const array& x) { return sum(linalg::svd(x, false)[0]); })(a),
                   std::invalid_argument, "[SVD] The vjp is not implemented");
  // A non-finite matrix: LAPACK's failure is an error, not garbage.
  auto bad = array({std::numeric_limits<float>::quiet_NaN(), 1.0f, 1.0f, 1.0f}, {2, 2});
  try {
    auto s = linalg::svd(bad, false)[0];
    s.eval();
    EXPECT_TRUE(std::isnan(to_vector<float>(s)[0]) || !std::isfinite(to_vector<float>(s)[0]));
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[linalg::svd]"), std::string::npos);
  }
}

TEST(Linalg, MultivariateNormal) {
  auto mu = array({1.0f, 2.0f});
  auto cov = array({2.0f, 0.5f, 0.5f, 1.0f}, {2, 2});
  auto x = random::multivariate_normal(mu, cov, {3}, float32, random::key(0));
  // MLX 0.32.4 (stream=cpu) with the same key.
  auto mlx =
      array({0.99263966f, 0.7849219f, 2.171033f, 3.3577495f, 1.3171691f, 1.9366244f}, {3, 2});
  EXPECT_TRUE(all_close(x, mlx, 1e-5, 1e-5));
  EXPECT_EQ(random::multivariate_normal(zeros({4, 2}), cov, {}, float32, random::key(1)).shape(),
            (Shape{4, 2}));
  EXPECT_EQ(random::multivariate_normal(mu, cov, {}, float32, random::key(1)).shape(), (Shape{2}));
  // The sample covariance approaches cov.
  auto many = random::multivariate_normal(mu, cov, {20000}, float32, random::key(2));
  auto centred = subtract(many, mu);
  auto sample_cov = divide(matmul(transpose(centred), centred), array(20000.0f));
  EXPECT_TRUE(all_close(sample_cov, cov, 0.05, 0.05));
  EXPECT_TRUE(all_close(mean(many, 0), mu, 0.05, 0.05));
  EXPECT_THROW_MSG(random::multivariate_normal(mu, ones({3, 3})), std::invalid_argument,
                   "[multivariate_normal] mean and cov must have compatible shapes.");
  EXPECT_THROW_MSG(random::multivariate_normal(ones({2, 2}), ones({2})), std::invalid_argument,
                   "[multivariate_normal] cov must have at least two dimensions.");
  EXPECT_THROW_MSG(random::multivariate_normal(mu, cov, {}, float16), std::invalid_argument,
                   "[multivariate_normal] dtype must be float32.");
  EXPECT_THROW_MSG(random::multivariate_normal(zeros({4, 2}), cov, {3}), std::invalid_argument,
                   "[multivariate_normal] The shape (3) is not compatible");
}

// Values from MLX 0.32.4.
TEST(Linalg, Norms) {
  auto a = array({1.0f, -2.0f, 3.0f, -4.0f, 5.0f, -6.0f}, {2, 3});
  double inf = std::numeric_limits<double>::infinity();
  EXPECT_NEAR(linalg::norm(a).item<float>(), 9.53939f, 1e-4);
  EXPECT_NEAR(linalg::norm(a, "fro").item<float>(), 9.53939f, 1e-4);
  EXPECT_NEAR(linalg::norm(a, "nuc").item<float>(), 10.2809f, 1e-4);
  EXPECT_NEAR(linalg::norm(a, inf).item<float>(), 15.0f, 1e-5);
  EXPECT_NEAR(linalg::norm(a, -inf).item<float>(), 6.0f, 1e-5);
  EXPECT_NEAR(linalg::norm(a, 1.0).item<float>(), 9.0f, 1e-5);
  EXPECT_NEAR(linalg::norm(a, -1.0).item<float>(), 5.0f, 1e-5);
  EXPECT_NEAR(linalg::norm(a, 2.0).item<float>(), 9.50803f, 1e-4);
  EXPECT_NEAR(linalg::norm(a, -2.0).item<float>(), 0.77287f, 1e-4);
  auto v = array({3.0f, -4.0f, 0.0f});
  EXPECT_NEAR(linalg::norm(v).item<float>(), 5.0f, 1e-6);
  EXPECT_NEAR(linalg::norm(v, 0.0).item<float>(), 2.0f, 1e-6);
  EXPECT_NEAR(linalg::norm(v, 1.0).item<float>(), 7.0f, 1e-6);
  EXPECT_NEAR(linalg::norm(v, 3.0).item<float>(), 4.49794f, 1e-4);
  EXPECT_NEAR(linalg::norm(v, 0.5).item<float>(), 13.9282f, 1e-3);
  EXPECT_NEAR(linalg::norm(v, inf).item<float>(), 4.0f, 1e-6);
  EXPECT_NEAR(linalg::norm(v, -inf).item<float>(), 0.0f, 1e-6);
  // Axes, keepdims, batched matrix norms, integer input as float32.
  auto x = ones({2, 3, 4});
  EXPECT_EQ(linalg::norm(x, std::vector<int>{1, 2}, true).shape(), (Shape{2, 1, 1}));
  EXPECT_EQ(linalg::norm(x).shape(), (Shape{}));
  EXPECT_EQ(linalg::norm(x, 1.0, std::vector<int>{2, 0}, true).shape(), (Shape{1, 3, 1}));
  EXPECT_EQ(linalg::norm(x, "nuc", std::vector<int>{0, 2}).shape(), (Shape{3}));
  EXPECT_TRUE(all_close(linalg::norm(x, 2.0, 2), full({2, 3}, 2.0f)));
  EXPECT_EQ(linalg::norm(ones({2, 3}, int32)).dtype(), float32);
  auto batch = stack({a, multiply(a, array(2.0f))});
  EXPECT_TRUE(all_close(linalg::norm(batch, inf, std::vector<int>{1, 2}), array({15.0f, 30.0f})));
  // The 2-norm's gradient is x / |x|.
  check_grad([](const std::vector<array>& p) { return linalg::norm(p[0]); },
             {array({0.5, -1.5, 2.0}, float64)});
  EXPECT_THROW_MSG(
      linalg::norm(x, "fro"), std::invalid_argument,
      "[linalg::norm] Norm 'fro' only supported for matrices, but received 3 axis/axes.");
  EXPECT_THROW_MSG(linalg::norm(x, 2.0, std::vector<int>{0, 1, 2}), std::invalid_argument,
                   "[linalg::norm] Received too many axes for norm.");
  EXPECT_THROW_MSG(linalg::norm(x, "abc", std::vector<int>{0, 1}), std::invalid_argument,
                   "[linalg::norm] Invalid ord value 'abc' for matrix norm.");
  EXPECT_THROW_MSG(linalg::norm(x, 3.0, std::vector<int>{0, 1}), std::invalid_argument,
                   "[linalg::norm] Invalid ord 3 for matrix norm.");
  EXPECT_THROW_MSG(
      linalg::norm(x, "fro", 0), std::invalid_argument,
      "[linalg::norm] Norm 'fro' only supported for matrices, but received 1 axis/axes.");
}

TEST(Linalg, Cross) {
  EXPECT_EQ(to_vector<float>(linalg::cross(array({1.0f, 2.0f, 3.0f}), array({4.0f, 5.0f, 6.0f}))),
            (std::vector<float>{-3, 6, -3}));
  // 2-vectors have a zero third component (as MLX).
  EXPECT_EQ(to_vector<float>(linalg::cross(array({1.0f, 2.0f}), array({4.0f, 5.0f}))),
            (std::vector<float>{0, 0, -3}));
  EXPECT_EQ(to_vector<float>(linalg::cross(ones({3}), ones({2, 3}), 0)),
            (std::vector<float>{-1, -1, -1, 1, 1, 1, 0, 0, 0}));
  EXPECT_EQ(linalg::cross(ones({2, 3}), ones({3})).shape(), (Shape{2, 3}));
  EXPECT_EQ(linalg::cross(array({1, 2, 3}), array({4, 5, 6})).dtype(), int32);
  check_grad([](const std::vector<array>& p) { return linalg::cross(p[0], p[1]); },
             {array({0.5, -1.5, 2.0}, float64), array({1.0, 0.25, -0.75}, float64)});
  EXPECT_THROW_MSG(linalg::cross(ones({4}), ones({4})), std::invalid_argument,
                   "[linalg::cross] The specified axis must have size 2 or 3.");
}

TEST(Linalg, InversesAndSolves) {
  auto a = array({4.0f, 1.0f, 2.0f, 1.0f, 3.0f, 0.5f, 2.0f, 0.5f, 5.0f}, {3, 3});
  EXPECT_TRUE(all_close(matmul(a, linalg::inv(a)), eye(3), 1e-5, 1e-5));
  // Batched, float64, strided input.
  auto b = add(random::normal({2, 4, 4}, float64, random::key(21)),
               multiply(eye(4, float64), array(4.0)));
  EXPECT_TRUE(
      all_close(matmul(b, linalg::inv(b)), broadcast_to(eye(4, float64), {2, 4, 4}), 1e-10, 1e-10));
  auto bt = swapaxes(b, -1, -2);
  EXPECT_TRUE(all_close(matmul(bt, linalg::inv(bt)), broadcast_to(eye(4, float64), {2, 4, 4}),
                        1e-10, 1e-10));
  // Triangular inverses read one triangle and zero the other.
  auto lower = array({2.0f, 0.0f, 1.0f, 4.0f}, {2, 2});
  auto li = linalg::tri_inv(add(lower, array({0.0f, 9.0f, 0.0f, 0.0f}, {2, 2})));
  EXPECT_TRUE(all_close(li, array({0.5f, 0.0f, -0.125f, 0.25f}, {2, 2})));
  auto ui = linalg::tri_inv(transpose(lower), true);
  EXPECT_TRUE(all_close(ui, transpose(array({0.5f, 0.0f, -0.125f, 0.25f}, {2, 2}))));
  // Cholesky: MLX 0.32.4's factors.
  auto spd = array({4.0f, 1.0f, 1.0f, 3.0f}, {2, 2});
  auto l = linalg::cholesky(spd);
  EXPECT_TRUE(all_close(l, array({2.0f, 0.0f, 0.5f, 1.65831f}, {2, 2}), 1e-5, 1e-5));
  EXPECT_TRUE(all_close(linalg::cholesky(spd, true), transpose(l), 1e-6, 1e-6));
  EXPECT_TRUE(all_close(linalg::cholesky_inv(l), linalg::inv(spd), 1e-5, 1e-5));
  EXPECT_TRUE(all_close(linalg::cholesky_inv(transpose(l), true), linalg::inv(spd), 1e-5, 1e-5));
  // solve and solve_triangular, vectors and matrices on the right.
  auto x = linalg::solve(a, array({1.0f, 2.0f, 3.0f}));
  EXPECT_EQ(x.shape(), (Shape{3}));
  EXPECT_TRUE(all_close(matmul(a, x), array({1.0f, 2.0f, 3.0f}), 1e-5, 1e-5));
  auto rhs = random::normal({3, 2}, float32, random::key(22));
  EXPECT_TRUE(all_close(matmul(a, linalg::solve(a, rhs)), rhs, 1e-5, 1e-5));
  EXPECT_TRUE(all_close(matmul(lower, linalg::solve_triangular(lower, array({1.0f, 1.0f}))),
                        array({1.0f, 1.0f}), 1e-6, 1e-6));
  // inv has no vjp, as in MLX (solve has its own; see below).
  EXPECT_THROW_MSG(grad([](const array& m) { return sum(linalg::inv(m)); })(a),
                   std::invalid_argument, "[Inverse] The vjp is not implemented");
  // pinv of a rank-deficient matrix.
  auto r = array({1.0f, 2.0f, 2.0f, 4.0f, 3.0f, 6.0f}, {3, 2});
  auto p = linalg::pinv(r);
  EXPECT_EQ(p.shape(), (Shape{2, 3}));
  EXPECT_TRUE(all_close(matmul(matmul(r, p), r), r, 1e-4, 1e-4));
  // vmap batches them as leading axes.
  auto vi = vmap([](const std::vector<array>& v) { return std::vector<array>{linalg::inv(v[0])}; },
                 {1})({swapaxes(b, 0, 1)});
  EXPECT_TRUE(all_close(vi[0], linalg::inv(b), 1e-10, 1e-10));
}

TEST(Linalg, QrAndEigh) {
  auto a = array({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f}, {3, 2});
  auto [q, r] = linalg::qr(a);
  EXPECT_EQ(q.shape(), (Shape{3, 2}));
  EXPECT_EQ(r.shape(), (Shape{2, 2}));
  // MLX 0.32.4's factors (LAPACK's signs).
  EXPECT_TRUE(all_close(
      q, array({-0.169031f, 0.897086f, -0.507093f, 0.276026f, -0.845154f, -0.345032f}, {3, 2}),
      1e-5, 1e-5));
  EXPECT_TRUE(all_close(r, array({-5.91608f, -7.43736f, 0.0f, 0.82808f}, {2, 2}), 1e-5, 1e-5));
  auto wide = random::normal({2, 3, 5}, float64, random::key(23));
  auto [qw, rw] = linalg::qr(wide);
  EXPECT_EQ(rw.shape(), (Shape{2, 3, 5}));
  EXPECT_TRUE(all_close(matmul(qw, rw), wide, 1e-10, 1e-10));
  EXPECT_TRUE(all_close(matmul(swapaxes(qw, -1, -2), qw), broadcast_to(eye(3, float64), {2, 3, 3}),
                        1e-10, 1e-10));
  auto spd = array({4.0f, 1.0f, 1.0f, 3.0f}, {2, 2});
  auto [w, v] = linalg::eigh(spd);
  EXPECT_TRUE(all_close(w, array({2.38197f, 4.61803f}), 1e-5, 1e-5));
  EXPECT_TRUE(
      all_close(abs(v), array({0.525731f, 0.850651f, 0.850651f, 0.525731f}, {2, 2}), 1e-5, 1e-5));
  // a v = v diag(w), columns as eigenvectors.
  EXPECT_TRUE(all_close(matmul(spd, v), multiply(v, expand_dims(w, 0)), 1e-5, 1e-5));
  // UPLO picks the triangle read.
  auto lower_only = array({4.0f, 100.0f, 1.0f, 3.0f}, {2, 2});
  EXPECT_TRUE(all_close(linalg::eigvalsh(lower_only), w, 1e-5, 1e-5));
  EXPECT_TRUE(all_close(linalg::eigvalsh(transpose(lower_only), "U"), w, 1e-5, 1e-5));
  auto sym = random::normal({3, 4, 4}, float64, random::key(24));
  sym = add(sym, swapaxes(sym, -1, -2));
  auto [ws, vs] = linalg::eigh(sym);
  EXPECT_TRUE(all_close(matmul(sym, vs), multiply(vs, expand_dims(ws, -2)), 1e-10, 1e-10));
}

TEST(Linalg, FactorizationErrors) {
  EXPECT_THROW_MSG(
      linalg::inv(ones({3})), std::invalid_argument,
      "[linalg::inv] Arrays must have >= 2 dimensions. Received array with 1 dimensions.");
  EXPECT_THROW_MSG(
      linalg::inv(ones({2, 2}, int32)), std::invalid_argument,
      "[linalg::inv] Arrays must have type float32 or float64. Received array with type int32.");
  EXPECT_THROW_MSG(linalg::inv(ones({2, 3})), std::invalid_argument,
                   "[linalg::inv] Only defined for square matrices, got shape (2,3).");
  EXPECT_THROW_MSG(linalg::inv(zeros({2, 2})).eval(), std::invalid_argument,
                   "[linalg::inv] The matrix is singular");
  EXPECT_THROW_MSG(linalg::cholesky(array({1.0f, 2.0f, 2.0f, 1.0f}, {2, 2})).eval(),
                   std::invalid_argument, "[linalg::cholesky] The matrix is not positive definite");
  EXPECT_THROW_MSG(linalg::eigh(ones({2, 3})), std::invalid_argument,
                   "[linalg::eigh] Only defined for square matrices");
  EXPECT_THROW_MSG(linalg::eigh(eye(2), "X"), std::invalid_argument,
                   "[linalg::eigh] UPLO must be 'L' or 'U'");
  EXPECT_THROW_MSG(
      linalg::solve(eye(2), ones({3})), std::invalid_argument,
      "[linalg::solve] Last dimension of first input with shape (2,2) must match second to last "
      "dimension of second input with shape (3).");
  EXPECT_THROW_MSG(linalg::tri_inv(zeros({2, 2})).eval(), std::invalid_argument,
                   "[linalg::tri_inv] The matrix is singular.");
}

// Values from MLX 0.32.4.
TEST(Linalg, LuAndDeterminants) {
  auto a = array({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 7.0f, 8.0f, 10.0f}, {3, 3});
  auto plu = linalg::lu(a);
  ASSERT_EQ(plu.size(), 3u);
  EXPECT_EQ(plu[0].dtype(), uint32);
  EXPECT_EQ(to_vector<uint32_t>(plu[0]), (std::vector<uint32_t>{1, 2, 0}));
  EXPECT_TRUE(all_close(
      plu[1], array({1.0f, 0.0f, 0.0f, 0.142857f, 1.0f, 0.0f, 0.571429f, 0.5f, 1.0f}, {3, 3}), 1e-5,
      1e-5));
  EXPECT_TRUE(all_close(
      plu[2], array({7.0f, 8.0f, 10.0f, 0.0f, 0.857143f, 1.57143f, 0.0f, 0.0f, -0.5f}, {3, 3}),
      1e-5, 1e-5));
  EXPECT_TRUE(all_close(take(matmul(plu[1], plu[2]), plu[0], 0), a, 1e-5, 1e-5));
  auto [lu, piv] = linalg::lu_factor(a);
  EXPECT_EQ(to_vector<uint32_t>(piv), (std::vector<uint32_t>{2, 2, 2}));
  EXPECT_TRUE(all_close(
      lu,
      array({7.0f, 8.0f, 10.0f, 0.142857f, 0.857143f, 1.57143f, 0.571429f, 0.5f, -0.5f}, {3, 3}),
      1e-5, 1e-5));
  // Wide matrices factor too.
  auto w = array({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f}, {2, 3});
  auto wlu = linalg::lu(w);
  EXPECT_EQ(to_vector<uint32_t>(wlu[0]), (std::vector<uint32_t>{1, 0}));
  EXPECT_EQ(wlu[1].shape(), (Shape{2, 2}));
  EXPECT_EQ(wlu[2].shape(), (Shape{2, 3}));
  EXPECT_TRUE(all_close(take(matmul(wlu[1], wlu[2]), wlu[0], 0), w, 1e-5, 1e-5));
  EXPECT_EQ(to_vector<uint32_t>(linalg::lu_factor(w).second), (std::vector<uint32_t>{1, 1}));
  EXPECT_NEAR(linalg::det(a).item<float>(), -3.0f, 1e-5);
  auto [sgn, logabs] = linalg::slogdet(a);
  EXPECT_EQ(sgn.item<float>(), -1.0f);
  EXPECT_NEAR(logabs.item<float>(), 1.09861f, 1e-5);
  EXPECT_EQ(linalg::det(zeros({2, 2})).item<float>(), 0.0f);
  auto [s0, l0] = linalg::slogdet(zeros({2, 2}));
  EXPECT_EQ(s0.item<float>(), 0.0f);
  EXPECT_TRUE(std::isinf(l0.item<float>()) && l0.item<float>() < 0);
  auto [s1, l1] = linalg::slogdet(array({0.0f, 1.0f, 1.0f, 0.0f}, {2, 2}));
  EXPECT_EQ(s1.item<float>(), -1.0f);
  EXPECT_NEAR(l1.item<float>(), 0.0f, 1e-7);
  EXPECT_EQ(to_vector<float>(linalg::det(ones({2, 3, 3}))), (std::vector<float>{0, 0}));
  // Gradients: d det = det a^-T (MLX's cofactors for this matrix), d log|det| = a^-T.
  auto g = grad([](const array& x) { return linalg::det(x); })(a);
  EXPECT_TRUE(all_close(
      g, array({2.0f, 2.0f, -3.0f, 4.0f, -11.0f, 6.0f, -3.0f, 6.0f, -3.0f}, {3, 3}), 1e-4, 1e-4));
  auto m = array({2.0, 0.5, 0.25, 0.3, 3.0, 0.1, 0.2, 0.4, 1.5}, {3, 3}, float64);
  check_grad([](const std::vector<array>& v) { return linalg::det(v[0]); }, {m});
  check_grad([](const std::vector<array>& v) { return linalg::slogdet(v[0]).second; }, {m});
  auto vd = vmap([](const std::vector<array>& v) { return std::vector<array>{linalg::det(v[0])}; })(
      {stack({a, multiply(a, array(2.0f))})});
  EXPECT_TRUE(all_close(vd[0], array({-3.0f, -24.0f}), 1e-4, 1e-4));
  EXPECT_THROW_MSG(linalg::det(ones({2, 3})), std::invalid_argument,
                   "[linalg::det] Only defined for square matrices");
  EXPECT_THROW_MSG(linalg::lu(ones({3})), std::invalid_argument,
                   "[linalg::lu] Arrays must have >= 2 dimensions");
}

TEST(Linalg, SolveFactorsOnceAndHasGradients) {
  auto a =
      add(random::normal({3, 3}, float64, random::key(40)), multiply(eye(3, float64), array(3.0)));
  auto b = random::normal({3, 2}, float64, random::key(41));
  auto x = linalg::solve(a, b);
  EXPECT_EQ(x.dtype(), float64);
  EXPECT_TRUE(all_close(matmul(a, x), b, 1e-12, 1e-12));
  // Batched a against one b, one a against batched vectors.
  auto batch = random::normal({4, 3, 3}, float32, random::key(42));
  // (b is a stack of vectors when it has one axis fewer than a, as in MLX.)
  auto bb = random::normal({1, 3, 2}, float32, random::key(43));
  auto xs = linalg::solve(batch, bb);
  EXPECT_EQ(xs.shape(), (Shape{4, 3, 2}));
  EXPECT_TRUE(all_close(matmul(batch, xs), broadcast_to(bb, {4, 3, 2}), 1e-3, 1e-3));
  auto vs = random::normal({5, 3}, float32, random::key(44));
  auto xv = linalg::solve(expand_dims(astype(a, float32), 0), vs);
  EXPECT_EQ(xv.shape(), (Shape{5, 3}));
  EXPECT_TRUE(
      all_close(squeeze(matmul(astype(a, float32), expand_dims(xv, -1)), -1), vs, 1e-4, 1e-4));
  // The gradients of a^-1 b, finite-difference checked, for both operands.
  check_grad([](const std::vector<array>& v) { return linalg::solve(v[0], v[1]); }, {a, b});
  check_grad([](const std::vector<array>& v) { return linalg::solve(v[0], v[1]); },
             {a, take(b, array(0), 1)});
  // vmap over either operand.
  auto f = [](const std::vector<array>& v) {
    return std::vector<array>{linalg::solve(v[0], v[1])};
  };
  auto va = vmap(f, {0, -1})({astype(batch, float64), b})[0];
  EXPECT_TRUE(
      all_close(va, linalg::solve(astype(batch, float64), expand_dims(b, 0)), 1e-10, 1e-10));
  auto vb = vmap(f, {-1, 2})({a, stack({b, b, b}, 2)})[0];
  EXPECT_EQ(vb.shape(), (Shape{3, 3, 2}));
  EXPECT_THROW_MSG(eval(linalg::solve(zeros({2, 2}), ones({2}))), std::invalid_argument,
                   "[linalg::solve] The matrix is singular.");
}

TEST(Linalg, EigOfGeneralMatrices) {
  // MLX 0.32.4: eigenvalues 2.5 +- 1.93649i.
  auto a = array({1.0f, 2.0f, -3.0f, 4.0f}, {2, 2});
  auto [w, v] = linalg::eig(a);
  EXPECT_EQ(w.dtype(), complex64);
  EXPECT_EQ(v.shape(), (Shape{2, 2}));
  auto wv = to_vector<complex64_t>(w);
  EXPECT_NEAR(wv[0].real(), 2.5f, 1e-5);
  EXPECT_NEAR(std::abs(wv[0].imag()), 1.93649f, 1e-5);
  EXPECT_NEAR(wv[1].imag(), -wv[0].imag(), 1e-6);
  // a v = v diag(w), for real, float64, complex and batched input.
  auto check = [](const array& m) {
    auto [values, vectors] = linalg::eig(m);
    auto cm = astype(m, complex64);
    auto lhs = matmul(cm, vectors), rhs = multiply(vectors, expand_dims(values, -2));
    auto diff = to_vector<complex64_t>(subtract(lhs, rhs));
    float worst = 0;
    for (auto d : diff) worst = std::max(worst, std::abs(d));
    EXPECT_LT(worst, 1e-4f) << m.ndim();
    EXPECT_TRUE(all_close(abs(linalg::eigvals(m)), abs(values), 1e-6, 1e-6));
  };
  check(random::normal({5, 5}, float32, random::key(50)));
  check(random::normal({3, 4, 4}, float64, random::key(51)));
  auto re = random::normal({4, 4}, float32, random::key(52));
  auto im = random::normal({4, 4}, float32, random::key(53));
  check(add(astype(re, complex64), multiply(astype(im, complex64), array(complex64_t(0, 1)))));
  // Distinct real eigenvalues of a triangular matrix, in LAPACK's order.
  auto t = array({2.0f, 1.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f, 0.0f, 3.0f}, {3, 3});
  auto tv = to_vector<complex64_t>(linalg::eigvals(t));
  EXPECT_EQ(tv, (std::vector<complex64_t>{2, 1, 3}));
  // vmap over a batch axis.
  auto batch = random::normal({4, 3, 3}, float32, random::key(54));
  auto f = [](const std::vector<array>& x) { return std::vector<array>{linalg::eigvals(x[0])}; };
  auto vw = vmap(f, {2})({moveaxis(batch, 0, 2)})[0];
  EXPECT_TRUE(all_close(abs(vw), abs(linalg::eigvals(batch)), 1e-5, 1e-5));
  EXPECT_THROW_MSG(linalg::eig(ones({3})), std::invalid_argument,
                   "[linalg::eig] Arrays must have >= 2 dimensions. Received array with 1 "
                   "dimensions.");
  EXPECT_THROW_MSG(linalg::eigvals(ones({2, 3})), std::invalid_argument,
                   "[linalg::eigvals] Only defined for square matrices.");
  EXPECT_THROW_MSG(linalg::eig(ones({2, 2}, int32)), std::invalid_argument,
                   "[linalg::eig] Arrays must have type float32, float64 or complex64. Received "
                   "array with type int32.");
  EXPECT_THROW_MSG(grad([](const array& m) { return sum(real(linalg::eigvals(m))); })(a),
                   std::invalid_argument, "[Eig] The vjp is not implemented");
}

// complex64 input (cgesdd): real singular values, U and Vt complex, as MLX.
TEST(Linalg, SvdOfComplexMatrices) {
  auto re = random::normal({2, 4, 3}, float32, random::key(60));
  auto im = random::normal({2, 4, 3}, float32, random::key(61));
  auto a = add(astype(re, complex64), multiply(astype(im, complex64), array(complex64_t(0, 1))));
  auto usv = linalg::svd(a);
  EXPECT_EQ(usv[0].dtype(), complex64);
  EXPECT_EQ(usv[1].dtype(), float32);
  EXPECT_EQ(usv[2].shape(), (Shape{2, 3, 3}));
  auto u = take(usv[0], arange(3), -1);
  auto rebuilt = matmul(multiply(u, expand_dims(astype(usv[1], complex64), -2)), usv[2]);
  auto diff = to_vector<complex64_t>(subtract(rebuilt, a));
  float worst = 0;
  for (auto d : diff) worst = std::max(worst, std::abs(d));
  EXPECT_LT(worst, 1e-4f);
  // MLX 0.32.4: S of [[1+1j, 2], [3j, 4-1j]] is [5.55875, 1.04897].
  auto m =
      array({complex64_t(1, 1), complex64_t(2, 0), complex64_t(0, 3), complex64_t(4, -1)}, {2, 2});
  EXPECT_TRUE(all_close(linalg::svd(m, false)[0], array({5.55875f, 1.04897f}), 1e-5, 1e-5));
}

// Hermitian complex64 input (cheevd): MLX 0.32.4's eigenvalues [1, 4].
TEST(Linalg, EighOfHermitianMatrices) {
  auto a =
      array({complex64_t(2, 0), complex64_t(1, -1), complex64_t(1, 1), complex64_t(3, 0)}, {2, 2});
  for (std::string uplo : {"L", "U"}) {
    auto [w, v] = linalg::eigh(a, uplo);
    EXPECT_EQ(w.dtype(), float32);
    EXPECT_EQ(v.dtype(), complex64);
    EXPECT_TRUE(all_close(w, array({1.0f, 4.0f}), 1e-5, 1e-5));
    auto diff = to_vector<complex64_t>(
        subtract(matmul(a, v), multiply(v, expand_dims(astype(w, complex64), -2))));
    for (auto d : diff) EXPECT_LT(std::abs(d), 1e-5f);
  }
  EXPECT_TRUE(all_close(linalg::eigvalsh(a), array({1.0f, 4.0f}), 1e-5, 1e-5));
  EXPECT_THROW_MSG(linalg::eigh(ones({2, 2}, int32)), std::invalid_argument,
                   "[linalg::eigh] Arrays must have type float32, float64 or complex64. Received "
                   "array with type int32.");
}
