// fft:: against a direct sum of the DFT in double precision, round trips,
// MLX 0.32.4's gradient values, and the error messages.
#include <cmath>
#include <complex>

#include "../test_utils.h"
#include "lmx/backend/cpu/isa.h"

using namespace lmx;
using namespace lmx::test;

namespace {

using cd = std::complex<double>;

// A reproducible complex signal of n points.
std::vector<complex64_t> signal(int64_t n, int seed) {
  std::vector<complex64_t> v(n);
  for (int64_t j = 0; j < n; ++j)
    v[j] = {static_cast<float>(std::sin(0.37 * j + seed)),
            static_cast<float>(std::cos(1.13 * static_cast<double>((j * j) % 101) + 2.0 * seed))};
  return v;
}

// sum_j x_j exp(sign 2 pi i j k / n), in double.
cd dft_at(const std::vector<complex64_t>& x, int64_t k, int sign) {
  const int64_t n = x.size();
  cd sum = 0;
  for (int64_t j = 0; j < n; ++j) {
    double angle = sign * 2 * M_PI * static_cast<double>((j * k) % n) / n;
    sum += cd(x[j]) * cd(std::cos(angle), std::sin(angle));
  }
  return sum;
}

// Largest |a - b| over the elements, relative to the largest |b|.
double relative_error(const std::vector<complex64_t>& a, const std::vector<cd>& b) {
  double err = 0, size = 1e-30;
  for (size_t i = 0; i < b.size(); ++i) {
    err = std::max(err, std::abs(cd(a[i]) - b[i]));
    size = std::max(size, std::abs(b[i]));
  }
  return err / size;
}

::testing::AssertionResult complex_close(const array& a, const array& b, double tol = 1e-5) {
  if (a.shape() != b.shape()) return ::testing::AssertionFailure() << "shapes differ";
  auto x = to_vector<complex64_t>(astype(a, complex64));
  auto y = to_vector<complex64_t>(astype(b, complex64));
  std::vector<cd> yd(y.begin(), y.end());
  double err = relative_error(x, yd);
  if (err > tol) return ::testing::AssertionFailure() << "relative error " << err;
  return ::testing::AssertionSuccess();
}

}  // namespace

TEST(Fft, MatchesTheDirectSumAtEveryLength) {
  // Direct kissfft lengths, a large prime factor (Bluestein), and the long
  // four-step lengths with their parts.
  for (int64_t n : {1, 2, 3, 5, 7, 8, 12, 16, 17, 61, 97, 100, 128, 257, 1000, 4099}) {
    auto x = signal(n, static_cast<int>(n));
    auto a = array(x.begin(), {static_cast<int>(n)}, complex64);
    auto forward = to_vector<complex64_t>(fft::fft(a));
    auto inverse = to_vector<complex64_t>(fft::ifft(a));
    std::vector<cd> want_f(n), want_i(n);
    for (int64_t k = 0; k < n; ++k) {
      want_f[k] = dft_at(x, k, -1);
      want_i[k] = dft_at(x, k, 1) / static_cast<double>(n);
    }
    EXPECT_LT(relative_error(forward, want_f), 2e-6) << n;
    EXPECT_LT(relative_error(inverse, want_i), 2e-6) << n;
  }
}

TEST(Fft, LongLengthsMatchTheDirectSumAtSampledFrequencies) {
  // 2^16 and 3 * 2^15 run as four steps, 65537 (prime) as Bluestein over a
  // four-step 2^18, 2 * 40009 as half-length real transforms of a prime.
  for (int64_t n : {65536, 98304, 65537, 80018}) {
    auto x = signal(n, 3);
    auto a = array(x.begin(), {static_cast<int>(n)}, complex64);
    auto forward = to_vector<complex64_t>(fft::fft(a));
    for (int64_t k : {int64_t(0), int64_t(1), int64_t(777), n / 2, n - 1}) {
      cd want = dft_at(x, k, -1);
      EXPECT_LT(std::abs(cd(forward[k]) - want), 2e-5 * n) << n << " at " << k;
    }
    EXPECT_TRUE(complex_close(fft::ifft(fft::fft(a)), a, 1e-5)) << n;
    // The real transform of the real part agrees with the complex one.
    auto re = real(a);
    auto half = fft::rfft(re);
    EXPECT_TRUE(complex_close(half, slice(fft::fft(re), {0}, {static_cast<int>(n / 2 + 1)}), 1e-5));
    EXPECT_TRUE(all_close(fft::irfft(half, static_cast<int>(n), -1), re, 1e-4, 1e-4)) << n;
  }
}

// Many lines of one length run eight at a time in SIMD lanes (fft_lines.h),
// compiled once per instruction set: rows and columns, a count that leaves
// lanes unused, in place along a second axis, and both passes of a long
// four-step length, against the direct sum under every set this CPU runs.
TEST(Fft, LinesInSimdLanesMatchTheDirectSumUnderEveryInstructionSet) {
  const auto before = cpu::active_isa();
  for (auto isa : cpu::supported_isas()) {
    cpu::set_active_isa(isa);
    const std::string where = std::string(" under ") + cpu::isa_name(isa);
    for (int n : {2, 3, 4, 5, 6, 8, 12, 15, 16, 30, 60, 64, 100, 243, 1000}) {
      // 13 lines of n: rows (contiguous), then the same values as columns.
      auto x = signal(13 * n, n);
      auto rows = array(x.begin(), {13, n}, complex64);
      auto by_row = to_vector<complex64_t>(fft::fft(rows));
      auto by_column = to_vector<complex64_t>(fft::ifft(transpose(rows), 0));
      for (int line : {0, 7, 8, 12}) {
        std::vector<complex64_t> one(x.begin() + line * n, x.begin() + (line + 1) * n);
        std::vector<complex64_t> got_f(n), got_i(n);
        std::vector<cd> want_f(n), want_i(n);
        for (int k = 0; k < n; ++k) {
          got_f[k] = by_row[line * n + k];
          got_i[k] = by_column[k * 13 + line];
          want_f[k] = dft_at(one, k, -1);
          want_i[k] = dft_at(one, k, 1) / static_cast<double>(n);
        }
        EXPECT_LT(relative_error(got_f, want_f), 2e-6) << n << " row " << line << where;
        EXPECT_LT(relative_error(got_i, want_i), 2e-6) << n << " column " << line << where;
      }
    }
    // fft2 transforms the rows into the output, then the columns in place.
    auto x = signal(9 * 20, 5);
    auto grid = array(x.begin(), {9, 20}, complex64);
    auto both = to_vector<complex64_t>(fft::fft2(grid));
    std::vector<cd> want(9 * 20);
    for (int k0 = 0; k0 < 9; ++k0)
      for (int k1 = 0; k1 < 20; ++k1)
        for (int j0 = 0; j0 < 9; ++j0)
          for (int j1 = 0; j1 < 20; ++j1)
            want[k0 * 20 + k1] +=
                cd(x[j0 * 20 + j1]) *
                std::polar(1.0, -2 * M_PI * (double(j0 * k0) / 9 + double(j1 * k1) / 20));
    EXPECT_LT(relative_error(both, want), 2e-6) << where;
    // 2^16 = 256 x 256: both four-step passes in lanes.
    const int64_t n = 65536;
    auto long_x = signal(n, 9);
    auto forward = to_vector<complex64_t>(fft::fft(array(long_x.begin(), {int(n)}, complex64)));
    for (int64_t k : {int64_t(0), int64_t(3), int64_t(255), int64_t(256), int64_t(40000), n - 1})
      EXPECT_LT(std::abs(cd(forward[k]) - dft_at(long_x, k, -1)), 2e-5 * n) << k << where;
  }
  cpu::set_active_isa(before);
}

// Lines of one point, on every thread at once, from a freshly built plan each
// time (32 other lengths push the last one out of the plan cache): kissfft's
// plan for one point used a scratch buffer that the threads resized together,
// which crashed about one process in a hundred.
TEST(Fft, OnePointLinesOnEveryThreadFromFreshPlans) {
  auto x = random::normal({64, 1}, float32, random::key(3));
  auto z = astype(x, complex64);
  eval(x, z);
  for (int round = 0; round < 300; ++round) {
    for (int n = 2; n < 35; ++n) eval(fft::fft(zeros({n}, complex64)));
    auto back = fft::irfft(z, 1, -1);
    auto same = fft::fft(z, -1);
    ASSERT_TRUE(all_close(back, x, 0.0, 0.0)) << round;
    ASSERT_TRUE(complex_close(same, z)) << round;
  }
}

TEST(Fft, RealTransformsOfEvenAndOddLengths) {
  for (int n : {1, 2, 3, 4, 5, 6, 9, 10, 16, 31, 130, 262}) {
    auto x = random::normal({3, n}, float32, random::key(n));
    auto half = fft::rfft(x);
    EXPECT_EQ(half.shape(), (Shape{3, n / 2 + 1}));
    EXPECT_EQ(half.dtype(), complex64);
    EXPECT_TRUE(complex_close(half, slice(fft::fft(x), {0, 0}, {3, n / 2 + 1}))) << n;
    auto back = fft::irfft(half, n, -1);
    EXPECT_EQ(back.dtype(), float32);
    EXPECT_TRUE(all_close(back, x, 1e-5, 1e-5)) << n;
  }
  // irfft's default length is 2 * (m - 1); imaginary parts of the zero and
  // Nyquist frequencies are ignored, as NumPy does.
  auto spectrum = array({complex64_t(4, 9), complex64_t(1, 1), complex64_t(2, 5)});
  auto x = fft::irfft(spectrum);
  EXPECT_TRUE(all_close(x, array({2.0f, 0.0f, 1.0f, 1.0f}), 1e-6, 1e-6));
  auto odd = fft::irfft(spectrum, 5, -1);
  // NumPy: irfft([4+9j, 1+1j, 2+5j], 5)
  EXPECT_TRUE(all_close(odd, array({2.0f, -1.27959991f, 2.39060573f, -0.94339213f, 1.83238631f}),
                        1e-5, 1e-5));
}

TEST(Fft, PadsCropsAndPicksAxes) {
  auto x = random::normal({4, 6, 5}, float32, random::key(1));
  // n pads with zeros or crops.
  auto padded = fft::fft(x, 8, 1);
  auto manual = fft::fft(pad(x, {1}, {0}, {2}, array(0.0f)), 1);
  EXPECT_EQ(padded.shape(), (Shape{4, 8, 5}));
  EXPECT_TRUE(complex_close(padded, manual));
  EXPECT_TRUE(complex_close(fft::fft(x, 3, 0), fft::fft(slice(x, {0, 0, 0}, {3, 6, 5}), 0)));
  // fftn over axes is the 1-D transforms one axis after another.
  auto nd = fft::fftn(x, {0, 2});
  EXPECT_TRUE(complex_close(nd, fft::fft(fft::fft(x, 0), 2)));
  EXPECT_TRUE(complex_close(fft::fftn(x), fft::fft(fft::fft(fft::fft(x, 0), 1), 2)));
  EXPECT_TRUE(complex_close(fft::fft2(x), fft::fft(fft::fft(x, 1), 2)));
  EXPECT_TRUE(complex_close(fft::ifftn(fft::fftn(x)), x));
  EXPECT_TRUE(complex_close(fft::ifft2(fft::fft2(x)), x));
  // Real n-D transforms halve the last axis given.
  auto r = fft::rfftn(x, {2, 0});
  EXPECT_EQ(r.shape(), (Shape{3, 6, 5}));
  EXPECT_TRUE(complex_close(r, fft::fft(fft::rfft(x, 0), 2)));
  EXPECT_TRUE(all_close(fft::irfftn(r, {5, 4}, {2, 0}), x, 1e-5, 1e-5));
  EXPECT_TRUE(all_close(fft::irfft2(fft::rfft2(x), {6, 5}, {-2, -1}), x, 1e-5, 1e-5));
  EXPECT_TRUE(all_close(fft::irfftn(fft::rfftn(x), {4, 6, 5}, {0, 1, 2}), x, 1e-5, 1e-5));
  // A strided (transposed) input and a float64 one (computed as complex64).
  auto t = transpose(x);
  EXPECT_TRUE(complex_close(fft::fft(t, 0), transpose(fft::fft(x, 2))));
  EXPECT_EQ(fft::fft(astype(x, float64)).dtype(), complex64);
  EXPECT_EQ(fft::rfft(astype(x, float64)).dtype(), complex64);
  // Empty axes leave the input alone.
  EXPECT_EQ(fft::fftn(x, std::vector<int>{}).dtype(), float32);
}

TEST(Fft, NormsScaleForwardAndInverse) {
  auto x = random::normal({10}, float32, random::key(2));
  auto plain = fft::fft(x);
  EXPECT_TRUE(complex_close(fft::fft(x, -1, fft::FFTNorm::Ortho),
                            multiply(plain, array(1.0f / std::sqrt(10.0f)))));
  EXPECT_TRUE(complex_close(fft::fft(x, -1, fft::FFTNorm::Forward), multiply(plain, array(0.1f))));
  EXPECT_TRUE(
      complex_close(fft::ifft(plain, -1, fft::FFTNorm::Forward), multiply(x, array(10.0f))));
  for (auto norm : {fft::FFTNorm::Backward, fft::FFTNorm::Ortho, fft::FFTNorm::Forward}) {
    EXPECT_TRUE(complex_close(fft::ifft(fft::fft(x, -1, norm), -1, norm), x));
    EXPECT_TRUE(all_close(fft::irfft(fft::rfft(x, -1, norm), 10, -1, norm), x, 1e-5, 1e-5));
  }
}

TEST(Fft, GradientsMatchFiniteDifferences) {
  // The transforms are linear, so wide differences are exact up to float
  // rounding; the outputs are split into real and imaginary parts.
  auto split = [](const array& y) { return concatenate({real(y), imag(y)}); };
  auto x = astype(random::normal({2, 5}, float32, random::key(3)), float64);
  check_grad([&](const std::vector<array>& v) { return split(fft::fft(v[0])); }, {x}, 1e-3, 0.5);
  check_grad([&](const std::vector<array>& v) { return split(fft::ifft(v[0], 7, 0)); }, {x}, 1e-3,
             0.5);
  check_grad(
      [&](const std::vector<array>& v) { return split(fft::fftn(v[0], fft::FFTNorm::Ortho)); }, {x},
      1e-3, 0.5);
  for (int n : {4, 5, 6}) {
    check_grad([&](const std::vector<array>& v) { return split(fft::rfft(v[0], n, -1)); }, {x},
               1e-3, 0.5);
    // irfft of a spectrum built from two real inputs.
    auto parts = astype(random::normal({2, 2, 3}, float32, random::key(n)), float64);
    check_grad(
        [&](const std::vector<array>& v) {
          auto spec =
              add(astype(take(v[0], array(0), 0), complex64),
                  multiply(astype(take(v[0], array(1), 0), complex64), array(complex64_t(0, 1))));
          return fft::irfft(spec, n, -1);
        },
        {parts}, 1e-3, 0.5);
  }
  check_grad([&](const std::vector<array>& v) { return split(fft::rfft2(v[0])); }, {x}, 1e-3, 0.5);
}

TEST(Fft, VjpOfComplexMapsIsTheAdjoint) {
  // MLX 0.32.4's values: the cotangent maps through the conjugate transpose.
  auto x = array({1.0f, 2.0f, 3.0f, 4.0f, 5.0f});
  auto ct = array({complex64_t(1, 1), complex64_t(0, 2), complex64_t(1, -1)});
  auto rfft_vjp = [&](int n) {
    return vjp(
               [&](const std::vector<array>& v) {
                 return std::vector<array>{fft::rfft(v[0], n, -1)};
               },
               {x}, {ct})
        .second[0];
  };
  EXPECT_TRUE(
      all_close(rfft_vjp(5), array({2.0f, -1.12334f, -0.81761f, 3.43564f, 1.50531f}), 1e-4, 1e-4));
  EXPECT_TRUE(all_close(rfft_vjp(4), array({2.0f, -2.0f, 2.0f, 2.0f, 0.0f}), 1e-5, 1e-5));
  auto spec = array({complex64_t(1, 0), complex64_t(2, 1), complex64_t(0, 3)});
  auto irfft_vjp =
      vjp([&](const std::vector<array>& v) { return std::vector<array>{fft::irfft(v[0])}; }, {spec},
          {array({1.0f, 2.0f, 3.0f, 4.0f})})
          .second[0];
  EXPECT_TRUE(complex_close(
      irfft_vjp, array({complex64_t(2.5f, 0), complex64_t(-1, 1), complex64_t(-0.5f, 0)})));
  // fft's vjp is n * ifft of the cotangent.
  auto c = array(signal(6, 1).begin(), {6}, complex64);
  auto g =
      vjp([&](const std::vector<array>& v) { return std::vector<array>{fft::fft(v[0])}; }, {c}, {c})
          .second[0];
  EXPECT_TRUE(complex_close(g, multiply(fft::ifft(c), array(6.0f))));
  auto real_sum = grad([](const array& v) { return sum(real(fft::rfft(v))); });
  EXPECT_TRUE(all_close(real_sum(array({1.0f, 2.0f, 3.0f, 4.0f})), array({3.0f, 0.0f, 1.0f, 0.0f}),
                        1e-6, 1e-6));
}

TEST(Fft, VmapBatchesAsALeadingAxis) {
  auto x = random::normal({6, 3, 4}, float32, random::key(4));
  auto f = [](const std::vector<array>& v) { return std::vector<array>{fft::rfft2(v[0])}; };
  auto batched = vmap(f, {1})({x})[0];
  EXPECT_TRUE(complex_close(batched, moveaxis(fft::rfftn(x, {0, 2}), 1, 0)));
  auto g = [](const std::vector<array>& v) { return std::vector<array>{fft::ifft(v[0], 5, 0)}; };
  EXPECT_TRUE(complex_close(vmap(g, {2})({x})[0], moveaxis(fft::ifft(x, 5, 0), 2, 0)));
}

TEST(Fft, FrequenciesAndShifts) {
  EXPECT_TRUE(all_close(fft::fftfreq(5, 0.5), array({0.0f, 0.4f, 0.8f, -0.8f, -0.4f}), 1e-6, 1e-6));
  EXPECT_TRUE(all_close(fft::fftfreq(4), array({0.0f, 0.25f, -0.5f, -0.25f}), 1e-6, 1e-6));
  EXPECT_TRUE(all_close(fft::rfftfreq(5, 2.0), array({0.0f, 0.1f, 0.2f}), 1e-6, 1e-6));
  EXPECT_EQ(fft::fftfreq(3).dtype(), float32);
  auto a = arange(5);
  EXPECT_EQ(to_vector<int>(fft::fftshift(a)), (std::vector<int>{3, 4, 0, 1, 2}));
  EXPECT_EQ(to_vector<int>(fft::ifftshift(a)), (std::vector<int>{2, 3, 4, 0, 1}));
  auto m = reshape(arange(6), {2, 3});
  EXPECT_EQ(to_vector<int>(fft::fftshift(m)), (std::vector<int>{5, 3, 4, 2, 0, 1}));
  EXPECT_EQ(to_vector<int>(fft::fftshift(m, {1})), (std::vector<int>{2, 0, 1, 5, 3, 4}));
  EXPECT_EQ(to_vector<int>(fft::ifftshift(fft::fftshift(m))), to_vector<int>(m));
}

TEST(Fft, Errors) {
  EXPECT_THROW_MSG(fft::fft(array(1.0f)), std::invalid_argument,
                   "[fftn] Requires array with at least one dimension.");
  auto x = ones({2, 3});
  EXPECT_THROW_MSG(fft::fftn(x, {4}, {0, 1}), std::invalid_argument,
                   "[fftn] Shape and axes have different sizes.");
  EXPECT_THROW_MSG(fft::fft(x, 2), std::out_of_range,
                   "[fftn] Invalid axis 2 for array with 2 dimensions.");
  EXPECT_THROW_MSG(fft::fftn(x, {0, 1, 0}), std::invalid_argument,
                   "[fftn] Duplicated axis received (0,1,0)");
  EXPECT_THROW_MSG(fft::fftn(x, {4, 0}, {0, 1}), std::invalid_argument,
                   "[fftn] Invalid FFT output size requested (4,0)");
  EXPECT_THROW_MSG(fft::fftfreq(0), std::invalid_argument, "[fftfreq] `n` must be greater than 0.");
  EXPECT_THROW_MSG(fft::rfftfreq(3, 0.0), std::invalid_argument,
                   "[rfftfreq] `d` must be non-zero.");
  EXPECT_THROW_MSG(fft::fftshift(x, {3}), std::out_of_range,
                   "[fftshift] Invalid axis 3 for array with 2 dimensions.");
}
