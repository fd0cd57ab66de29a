// Behaviours where lmx once differed from MLX's C++ API, each checked
// against what MLX 0.32 does (issue 14's list).
#include <cmath>
#include <complex>
#include <limits>
#include <thread>

#include "../test_utils.h"
#include "lmx/core/primitives.h"

using namespace lmx;
using namespace lmx::test;

TEST(ApiShapes, DoubleScalarsAndListsAreFloat32) {
  EXPECT_EQ(array(1.0).dtype(), float32);
  EXPECT_EQ(array({1.0, 2.0}).dtype(), float32);
  double host[3] = {1.0, 2.5, 3.0};
  auto a = array(host, {3});
  EXPECT_EQ(a.dtype(), float32);
  EXPECT_EQ(to_vector<float>(a), (std::vector<float>{1.0f, 2.5f, 3.0f}));
  auto inf = std::numeric_limits<double>::infinity();
  auto b = array({inf, 2.0, 3.0});
  EXPECT_EQ(b.dtype(), float32);
  EXPECT_TRUE(std::isinf(to_vector<float>(b)[0]));
  // float64 is asked for by name.
  EXPECT_EQ(array(1.0, float64).dtype(), float64);
  EXPECT_EQ(array({1.0, 2.0}, float64).dtype(), float64);
}

TEST(ApiShapes, EmptyAndComplexConstructors) {
  auto e = array({});
  EXPECT_EQ(e.shape(), (Shape{0}));
  EXPECT_EQ(e.dtype(), float32);
  auto ei = array({}, int32);
  EXPECT_EQ(ei.shape(), (Shape{0}));
  EXPECT_EQ(ei.dtype(), int32);
  auto c = array(std::complex<float>(1.0f, -2.0f));
  EXPECT_EQ(c.dtype(), complex64);
  EXPECT_EQ(c.item<complex64_t>(), complex64_t(1.0f, -2.0f));
}

TEST(ApiShapes, HalfTypesCompareAsNumbers) {
  float16_t a(1.0f), b(2.0f);
  bfloat16_t c(1.5f), d(1.5f);
  static_assert(std::is_same_v<decltype(a == b), bool>);
  static_assert(std::is_same_v<decltype(a + b), float16_t>);
  static_assert(std::is_same_v<decltype(a * 2.0f), float>);
  EXPECT_FALSE(a == b);
  EXPECT_TRUE(a < b);
  EXPECT_TRUE(c == d);
  EXPECT_TRUE(a == 1.0f);
  EXPECT_TRUE(2 == b);
  EXPECT_EQ(float(a + b), 3.0f);
  EXPECT_EQ(float(-c), -1.5f);
}

TEST(ApiShapes, EyeOfSizeZero) {
  EXPECT_EQ(eye(0, 0).shape(), (Shape{0, 0}));
  EXPECT_EQ(eye(0).shape(), (Shape{0, 0}));
  EXPECT_EQ(eye(0, 3).shape(), (Shape{0, 3}));
  EXPECT_THROW_MSG(eye(-1), std::invalid_argument, "[eye] N and M must be non-negative");
}

TEST(ApiShapes, FlattenClampsAxes) {
  auto x = zeros({2, 3, 4});
  EXPECT_EQ(flatten(x, 1, 3).shape(), (Shape{2, 12}));
  EXPECT_EQ(flatten(x, -5, 7).shape(), (Shape{24}));
  EXPECT_THROW_MSG(flatten(x, 2, 1), std::invalid_argument,
                   "[flatten] start_axis must be less than or equal to end_axis");
}

TEST(ApiShapes, ShiftsOfBooleansAreUint8) {
  auto l = left_shift(array(true), array(true));
  EXPECT_EQ(l.dtype(), uint8);
  EXPECT_EQ(l.item<int>(), 2);
  auto r = right_shift(array(true), array(false));
  EXPECT_EQ(r.dtype(), uint8);
  EXPECT_EQ(r.item<int>(), 1);
}

TEST(ApiShapes, ShapeOutOfRange) {
  EXPECT_THROW_MSG(zeros({2, 2}).shape(-3), std::out_of_range, "[array::shape] Dimension -3");
  EXPECT_THROW_MSG(zeros({2, 2}).shape(2), std::out_of_range, "[array::shape] Dimension 2");
}

namespace {
std::vector<array> square_all(const std::vector<array>& xs) {
  return {xs[0] * xs[0]};
}
}  // namespace

TEST(ApiShapes, CompileTargets) {
  EXPECT_THROW_MSG(compile(nullptr), std::invalid_argument,
                   "[compile] Cannot compile a function without a target.");
  EXPECT_THROW_MSG(compile(CompilableFn{}), std::invalid_argument,
                   "[compile] Cannot compile a function without a target.");
  auto f = compile(square_all);
  EXPECT_EQ(f({array(3.0f)})[0].item<float>(), 9.0f);
  auto g = compile([](const std::vector<array>& xs) { return std::vector<array>{xs[0] + 1.0f}; });
  EXPECT_EQ(g({array(3.0f)})[0].item<float>(), 4.0f);
}

TEST(ApiShapes, CompileModes) {
  auto fn = [](const std::vector<array>& xs) {
    auto y = exp(xs[0]) + exp(xs[0]);
    return std::vector<array>{y * 2.0f};
  };
  auto x = array({0.5f, 1.0f, -1.0f});
  auto expected = fn({x})[0];
  for (auto mode : {CompileMode::disabled, CompileMode::no_simplify, CompileMode::no_fuse,
                    CompileMode::enabled}) {
    set_compile_mode(mode);
    EXPECT_TRUE(allclose(compile(fn)({x})[0], expected).item<bool>());
  }
  set_compile_mode(CompileMode::enabled);
}

TEST(ApiShapes, PadModes) {
  auto x = array({1.f, 2.f, 3.f});
  EXPECT_EQ(to_vector<float>(pad(x, {{2, 2}}, array(0), "reflect")),
            (std::vector<float>{3, 2, 1, 2, 3, 2, 1}));
  EXPECT_EQ(to_vector<float>(pad(x, {{2, 2}}, array(0), "edge")),
            (std::vector<float>{1, 1, 1, 2, 3, 3, 3}));
  // Reflection repeats past the ends (NumPy's "reflect").
  EXPECT_EQ(to_vector<float>(pad(x, {{3, 0}}, array(0), "reflect")),
            (std::vector<float>{2, 3, 2, 1, 2, 3}));
  auto m = reshape(arange(6.0f), {2, 3});
  EXPECT_EQ(to_vector<float>(pad(m, {{1, 0}, {0, 1}}, array(0), "edge")),
            (std::vector<float>{0, 1, 2, 2, 0, 1, 2, 2, 3, 4, 5, 5}));
  EXPECT_EQ(to_vector<float>(pad(array({7.f}), {{2, 1}}, array(0), "reflect")),
            (std::vector<float>{7, 7, 7, 7}));
  auto xs = array({0.5, -1.0, 2.0, 0.25}, {2, 2}, float64);
  check_grad(
      [](const std::vector<array>& v) {
        return pad(v[0], {{1, 2}, {2, 1}}, array(0), "reflect");
      },
      {xs});
  check_grad(
      [](const std::vector<array>& v) {
        return pad(v[0], {{2, 0}, {1, 3}}, array(0), "edge");
      },
      {xs});
  EXPECT_THROW_MSG(pad(x, {{1, 1}}, array(0), "wrap"), std::invalid_argument,
                   "[pad] Invalid padding mode (wrap)");
  EXPECT_THROW_MSG(pad(zeros({0}), {{1, 1}}, array(0), "edge"), std::invalid_argument,
                   "[pad] Cannot pad an empty axis");
}

TEST(ApiShapes, ShapesThatOverflowInt32) {
  EXPECT_THROW_MSG(pad(zeros({2}), {{1 << 30, 1 << 30}}), std::overflow_error,
                   "[pad] Shape dimension 2147483650 is outside the supported range "
                   "[-2147483648, 2147483647].");
  std::vector<int> one{1}, big{1 << 30};
  EXPECT_THROW_MSG(
      conv_general(zeros({1, 4, 1}), zeros({1, 3, 1}), one, big, big, one, one, 1, false),
      std::overflow_error, "[conv] Shape dimension 2147483650 is outside");
}

TEST(ApiShapes, MaximumMinimumOfComplex) {
  auto a = array({complex64_t(1, 2), complex64_t(2, 0)});
  auto b = array({complex64_t(1, 3), complex64_t(1, 3)});
  auto mx = maximum(a, b), mn = minimum(a, b);
  EXPECT_EQ(mx.dtype(), complex64);
  EXPECT_EQ(to_vector<complex64_t>(mx), (std::vector<complex64_t>{{1, 3}, {2, 0}}));
  EXPECT_EQ(to_vector<complex64_t>(mn), (std::vector<complex64_t>{{1, 2}, {1, 3}}));
}

TEST(ApiShapes, GradientRulesAsMlx) {
  // astype to an integer passes the cotangent through.
  auto cast = [](const array& x) { return astype(x * x, int32); };
  auto [out, ct] = vjp(cast, array({1.5f, 2.5f}), array({3, 4}));
  EXPECT_EQ(ct.dtype(), float32);
  EXPECT_EQ(to_vector<float>(ct), (std::vector<float>{9.0f, 20.0f}));  // 2 x * cotangent
  // Indices have no tangent.
  auto tk = [](const std::vector<array>& a) { return std::vector<array>{take(a[0], a[1], 0)}; };
  EXPECT_THROW_MSG(
      jvp(tk, {array({1.f, 2.f, 3.f}), array({0, 2})}, {array({1.f, 1.f, 1.f}), array({1, 1})}),
      std::invalid_argument, "[gather] Cannot calculate JVP with respect to indices.");
  auto tka = [](const std::vector<array>& a) {
    return std::vector<array>{take_along_axis(a[0], a[1], 0)};
  };
  EXPECT_THROW_MSG(
      jvp(tka, {array({1.f, 2.f, 3.f}), array({0, 2})}, {array({1.f, 1.f, 1.f}), array({1, 1})}),
      std::invalid_argument, "[gather_axis] Cannot calculate JVP with respect to indices.");
}

TEST(ApiShapes, PrintGraph) {
  auto x = array({1.f, 2.f});
  auto y = array(3.f);
  auto w = sum(exp(x * y) + x);
  std::ostringstream os;
  print_graph(os, w);
  auto text = os.str();
  // Inputs first, then outputs, then the nodes in the order they run.
  EXPECT_EQ(text.rfind("Inputs: A [(2), float32], B [(), float32]\nOutputs: C [(), float32]\n", 0),
            0u)
      << text;
  EXPECT_NE(text.find("Exp "), std::string::npos) << text;
  EXPECT_NE(text.find("-> C [(), float32]"), std::string::npos) << text;
  auto dm = divmod(x, y);
  std::ostringstream os2;
  print_graph(os2, dm[0], dm[1]);
  EXPECT_NE(os2.str().find("Outputs: C [(2), float32], D [(2), float32]"), std::string::npos)
      << os2.str();
  EXPECT_NE(os2.str().find("DivMod"), std::string::npos);
  NodeNamer namer;
  namer.set_name(x, "x");
  std::ostringstream dot;
  export_to_dot(dot, namer, {w});
  auto d = dot.str();
  EXPECT_EQ(d.rfind("digraph {\n{ rank=source; \"x\"; }\n", 0), 0u) << d;
  EXPECT_NE(d.find("shape=rectangle"), std::string::npos);
  EXPECT_NE(d.find("rank=sink"), std::string::npos);
  EXPECT_EQ(d.substr(d.size() - 2), "}\n");
}

TEST(ApiShapes, StreamsAndMemory) {
  EXPECT_EQ(device_count(Device::cpu), 1);
  EXPECT_EQ(device_count(Device::gpu), 0);
  auto before = get_streams().size();
  auto s = new_stream(Device::cpu);
  EXPECT_EQ(get_streams().size(), before + 1);
  EXPECT_EQ(get_streams().back(), s);
  auto d = default_stream(Device::cpu);
  {
    StreamContext ctx(s);
    EXPECT_EQ(default_stream(Device::cpu), s);
    auto a = add(array(1.0f), array(2.0f));
    EXPECT_EQ(a.primitive().stream(), s);
  }
  EXPECT_EQ(default_stream(Device::cpu), d);
  EXPECT_TRUE(peek_default_stream(Device::cpu).has_value());
  EXPECT_FALSE(peek_default_stream(Device::gpu).has_value());
  EXPECT_THROW_MSG(StreamContext ctx(StreamOrDevice{}), std::runtime_error,
                   "[StreamContext] Invalid argument, please specify a stream or device.");
  synchronize(s);
  clear_streams();
  auto x = array({1.f, 2.f});
  auto z = exp(x);
  EXPECT_THROW_MSG(get_array_buffer_size({z}), std::invalid_argument,
                   "[get_array_buffer_size] Arrays must be evaluated");
  eval(z);
  EXPECT_GE(get_array_buffer_size({x, z, x}), 16u);
  auto old = set_wired_limit(1 << 20);
  EXPECT_EQ(set_wired_limit(old), size_t{1} << 20);
}

TEST(ApiShapes, SliceUpdateOpsAndDynamicSlices) {
  auto x = reshape(arange(12.0f), {3, 4});
  auto u = ones({2, 2});
  EXPECT_EQ(to_vector<float>(slice_update_add(x, u, {1, 1}, {3, 3})),
            (std::vector<float>{0, 1, 2, 3, 4, 6, 7, 7, 8, 10, 11, 11}));
  EXPECT_EQ(to_vector<float>(slice_update_prod(x, full({1, 2}, 2.0f), {0, 0}, {1, 2})),
            (std::vector<float>{0, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(to_vector<float>(slice_update_max(x, full({1, 4}, 5.0f), {0, 0}, {1, 4})),
            (std::vector<float>{5, 5, 5, 5, 4, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(to_vector<float>(slice_update_min(x, zeros({1, 2}), {2, 0}, {3, 4}, {1, 2})),
            (std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 0, 9, 0, 11}));
  // Start indices from an array.
  auto d = slice(x, array({1, 2}), {0, 1}, {2, 2});
  EXPECT_EQ(to_vector<float>(d), (std::vector<float>{6, 7, 10, 11}));
  EXPECT_EQ(to_vector<float>(slice(x, array({1}), {1}, {3, 2})),
            (std::vector<float>{1, 2, 5, 6, 9, 10}));
  // A start past the end is clamped so the slice fits.
  EXPECT_EQ(to_vector<float>(slice(x, array({5}), {0}, {1, 4})),
            (std::vector<float>{8, 9, 10, 11}));
  auto up = slice_update(x, full({2, 2}, -1.0f), array({1, 1}), {0, 1});
  EXPECT_EQ(to_vector<float>(up), (std::vector<float>{0, 1, 2, 3, 4, -1, -1, 7, 8, -1, -1, 11}));
  auto xs = astype(x, float64);
  check_grad(
      [](const std::vector<array>& v) {
        return slice(v[0], array({1}), {1}, {2, 2});
      },
      {xs});
  check_grad(
      [](const std::vector<array>& v) {
        return slice_update(v[0], v[1], array({0, 2}), {0, 1});
      },
      {xs, astype(full({2, 2}, 0.5f), float64)});
  check_grad(
      [](const std::vector<array>& v) {
        return slice_update_add(v[0], v[1], {1, 1}, {3, 3});
      },
      {xs, astype(full({2, 2}, 0.5f), float64)});
  EXPECT_THROW_MSG(slice(x, array({1.0f}), {0}, {1, 4}), std::invalid_argument,
                   "[slice] Start indices must be integers");
  EXPECT_THROW_MSG(slice(x, array({1, 2}), {0}, {1, 4}), std::invalid_argument,
                   "[slice] Expected one start index per axis (1)");
  EXPECT_THROW_MSG(slice(x, array({0}), {0}, {4, 4}), std::invalid_argument,
                   "[slice] Slice size (4,4) does not fit");
  EXPECT_THROW_MSG(slice_update(x, zeros({4, 4}), array({0}), {0}), std::invalid_argument,
                   "[slice_update] Update with shape (4,4) does not fit");
}

TEST(ApiShapes, ThreadLocalStreams) {
  auto tls = new_thread_local_stream(Device::cpu);
  Stream here = stream_from_thread_local_stream(tls);
  // The same stream on every call from one thread, another one elsewhere.
  EXPECT_EQ(stream_from_thread_local_stream(tls), here);
  std::optional<Stream> there;
  std::thread([&] { there = stream_from_thread_local_stream(tls); }).join();
  ASSERT_TRUE(there);
  EXPECT_NE(*there, here);
  EXPECT_NE(here, static_cast<Stream>(tls));
  auto y = add(array(1), array(2), here);
  synchronize(tls);
  EXPECT_EQ(y.item<int>(), 3);
  Stream any = new_thread_unsafe_stream(Device::cpu);
  std::thread([&] { EXPECT_EQ(add(array(1), array(1), any).item<int>(), 2); }).join();
}

TEST(ApiShapes, GlobalFormatter) {
  auto& f = get_global_formatter();
  std::ostringstream os;
  f.print(os, true);
  f.print(os, int8_t{-3});
  f.print(os, complex64_t(1.0f, -2.0f));
  EXPECT_EQ(os.str(), "true-31-2j");
  f.capitalize_bool = true;
  std::ostringstream b;
  b << array({true, false});
  f.capitalize_bool = false;
  EXPECT_EQ(b.str(), "array([True, False], dtype=bool)");
  set_printoptions(PrintOptions{2});
  std::ostringstream p;
  p << array(1.0f / 3.0f);
  set_printoptions(PrintOptions{});
  EXPECT_EQ(p.str(), "array(0.33, dtype=float32)");
  EXPECT_EQ(f.format_options.precision, -1);
}
