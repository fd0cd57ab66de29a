// Gathered, block-masked and segmented matrix products and the Hadamard
// transform, against the same products written with take, masks and matmul.
#include "../test_utils.h"

using namespace lmx;
using namespace lmx::test;

TEST(OpsProducts, GatherMm) {
  auto a = reshape(arange(24.0f), {2, 3, 4});
  auto b = reshape(arange(40.0f), {2, 4, 5});
  auto li = array({1, 0, 1}), ri = array({0, 0, 1});
  auto g = gather_mm(a, b, li, ri);
  EXPECT_EQ(g.shape(), (Shape{3, 3, 5}));
  EXPECT_TRUE(all_close(g, matmul(take(a, li, 0), take(b, ri, 0))));
  auto g2 = gather_mm(take(a, 0, 0), b, std::nullopt, array({1, 0}, {2, 1}));
  EXPECT_EQ(g2.shape(), (Shape{2, 1, 3, 5}));
  EXPECT_TRUE(all_close(take(g2, 0, 0), expand_dims(matmul(take(a, 0, 0), take(b, 1, 0)), 0)));
  auto x = astype(a, float64) * 0.1, y = astype(b, float64) * 0.1;
  check_grad([&](const std::vector<array>& v) { return gather_mm(v[0], v[1], li, ri); }, {x, y});
  EXPECT_THROW_MSG(gather_mm(a, b, array({0.5f})), std::invalid_argument,
                   "[gather_mm] Indices must be integers");
  EXPECT_THROW_MSG(gather_mm(a, a), std::invalid_argument, "[gather_mm] Last dimension");
}

TEST(OpsProducts, BlockMaskedMm) {
  auto k = random::split(random::key(1));
  auto a = random::normal({64, 96}, float32, k.first);
  auto b = random::normal({96, 40}, float32, k.second);
  auto ml = array({true, false, true, true, true, false}, {2, 3});
  auto mr = array({1.0f, 0.5f, 0.0f, 1.0f, 2.0f, 1.0f}, {3, 2});
  auto mo = array({true, false, true, true}, {2, 2});
  auto out = block_masked_mm(a, b, 32, mo, ml, mr);
  // The same masks spelled out element by element.
  auto expand = [](const array& m, int r, int c) {
    return slice(repeat(repeat(astype(m, float32), 32, 0), 32, 1), {0, 0}, {r, c});
  };
  auto ref = matmul(a * expand(ml, 64, 96), b * expand(mr, 96, 40)) * expand(mo, 64, 40);
  EXPECT_TRUE(all_close(out, ref, 1e-4, 1e-4));
  EXPECT_TRUE(all_close(block_masked_mm(a, b, 64), matmul(a, b), 1e-4, 1e-4));
  EXPECT_THROW_MSG(block_masked_mm(a, b, 16), std::invalid_argument,
                   "[block_masked_mm] Only block sizes 32 and 64 are supported, got 16.");
  EXPECT_THROW_MSG(block_masked_mm(a, b, 32, std::nullopt, zeros({3, 3})), std::invalid_argument,
                   "[block_masked_mm] The lhs mask must have shape (..., 2, 3), got (3,3).");
}

TEST(OpsProducts, SegmentedMm) {
  auto out = segmented_mm(ones({3, 4}), ones({4, 2}), array({0, 2, 2, 4, 1, 1}, {3, 2}));
  EXPECT_EQ(out.shape(), (Shape{3, 3, 2}));
  auto v = to_vector<float>(out);
  EXPECT_EQ(v[0], 2.0f);
  EXPECT_EQ(v[6], 2.0f);
  EXPECT_EQ(v[12], 0.0f);
  auto a = reshape(arange(12.0), {3, 4}) * 0.1, b = reshape(arange(8.0), {4, 2}) * 0.2;
  auto seg = array({1, 3, 0, 4}, {2, 2});
  auto r = segmented_mm(a, b, seg);
  EXPECT_TRUE(all_close(take(r, 0, 0), matmul(slice(a, {0, 1}, {3, 3}), slice(b, {1, 0}, {3, 2}))));
  check_grad([&](const std::vector<array>& p) { return segmented_mm(p[0], p[1], seg); },
             {astype(a, float64), astype(b, float64)});
  EXPECT_THROW_MSG(segmented_mm(a, b, array({1.0f, 2.0f})), std::invalid_argument,
                   "[segmented_mm] Segments must be integer pairs");
}

TEST(OpsProducts, GatherQmm) {
  auto k = random::split(random::key(2));
  auto w = random::normal({3, 32, 64}, float32, k.first);  // 3 experts of (N=32, K=64)
  auto q = quantize(w);
  auto x = random::normal({2, 1, 64}, float32, k.second);
  auto idx = array({2, 0});
  auto out = gather_qmm(x, q[0], q[1], q[2], std::nullopt, idx);
  auto wf = dequantize(q[0], q[1], q[2]);
  auto ref = matmul(x, swapaxes(take(wf, idx, 0), -1, -2));
  EXPECT_EQ(out.shape(), (Shape{2, 1, 32}));
  EXPECT_TRUE(all_close(out, ref, 1e-4, 1e-4));
}

TEST(OpsProducts, Hadamard) {
  EXPECT_EQ(to_vector<float>(hadamard_transform(ones({4}))), (std::vector<float>{2, 0, 0, 0}));
  EXPECT_EQ(to_vector<float>(hadamard_transform(arange(8.0f), 1.0f)),
            (std::vector<float>{28, -4, -8, 0, -16, 0, 0, 0}));
  // Orthonormal with the default scale: applying it twice is the identity.
  auto x = random::normal({3, 16}, float32, random::key(3));
  EXPECT_TRUE(all_close(hadamard_transform(hadamard_transform(x)), x, 1e-5, 1e-5));
  check_grad([](const std::vector<array>& v) { return hadamard_transform(v[0]); },
             {astype(x, float64)});
  // n = m * 2^k for m in 12, 20, 28: MLX 0.32.4's outputs for arange(n).
  EXPECT_EQ(to_vector<float>(hadamard_transform(arange(12.0f), 1.0f)),
            (std::vector<float>{64, -6, 0, -6, -20, -10, 0, -14, 20, -18, 0, -22}));
  EXPECT_EQ(to_vector<float>(hadamard_transform(arange(20.0f), 1.0f)),
            (std::vector<float>{-10, -4, 2,  8,  14, -10,  -20, -10, 0,   -10,
                                20,  30, 20, 10, 20, -100, -98, -96, -94, -92}));
  EXPECT_EQ(to_vector<float>(hadamard_transform(arange(24.0f), 1.0f)),
            (std::vector<float>{266, -10, -26, 2, 2,  -2, -26, 2, -78, -2, -42, 2,
                                2,   -2,  -58, 2, 82, -2, -74, 2, 2,   -2, -90, 2}));
  auto h56 = to_vector<float>(hadamard_transform(arange(56.0f), 1.0f));
  EXPECT_EQ(h56[0], -344);
  EXPECT_EQ(h56[14], -228);
  EXPECT_EQ(h56[55], 4);
  // Every such matrix has orthogonal rows: M M^T = n I, and batches apply it
  // row by row.
  for (int n : {12, 20, 28, 40, 96}) {
    auto m = hadamard_transform(eye(n), 1.0f);
    EXPECT_TRUE(all_close(matmul(m, transpose(m)), multiply(eye(n), array(float(n))), 1e-5, 1e-4))
        << n;
  }
  auto xb = random::normal({2, 3, 24}, float32, random::key(4));
  EXPECT_TRUE(
      all_close(hadamard_transform(xb), matmul(xb, hadamard_transform(eye(24))), 1e-5, 1e-5));
  check_grad([](const std::vector<array>& v) { return hadamard_transform(v[0]); },
             {astype(random::normal({2, 12}, float32, random::key(5)), float64)});
  for (int n : {6, 3, 36, 44}) {
    EXPECT_THROW_MSG(hadamard_transform(ones({n})), std::invalid_argument,
                     "[hadamard] Only supports n = m*2^k where m in (1, 12, 20, 28).");
  }
}
