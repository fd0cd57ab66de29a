#include <sstream>
#include <thread>

#include "../test_utils.h"
#include "lmx/core/sizes.h"

using namespace lmx;
using namespace lmx::test;

TEST(Array, ScalarConstruction) {
  array a(3.5f);
  EXPECT_EQ(a.ndim(), 0);
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(a.dtype(), float32);
  EXPECT_EQ(a.item<float>(), 3.5f);
  EXPECT_EQ(array(2).dtype(), int32);
  EXPECT_EQ(array(true).dtype(), bool_);
  EXPECT_EQ(array(1.0).dtype(), float32);  // as MLX: float64 by name only
  EXPECT_EQ(array(1.0, float64).dtype(), float64);
  EXPECT_EQ(array(int64_t{5}).dtype(), int64);
  EXPECT_EQ(array(7, float16).item<float>(), 7.0f);
  EXPECT_EQ(array(3u).dtype(), uint32);
}

TEST(Array, InitializerListAndShape) {
  array a({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(a.shape(), (Shape{2, 3}));
  EXPECT_EQ(a.dtype(), int32);
  EXPECT_EQ(a.shape(-1), 3);
  EXPECT_EQ(a.shape(0), 2);
  EXPECT_EQ(a.nbytes(), 24u);
  EXPECT_EQ(a.itemsize(), 4u);
  EXPECT_EQ(a.strides(), (Strides{3, 1}));
  EXPECT_EQ(to_vector<int>(a), (std::vector<int>{1, 2, 3, 4, 5, 6}));
  array b({1.5f, 2.5f});
  EXPECT_EQ(b.shape(), (Shape{2}));
  EXPECT_EQ(b.dtype(), float32);
  array c({1, 2}, float32);
  EXPECT_EQ(c.dtype(), float32);
}

TEST(Array, FromIteratorCopies) {
  std::vector<double> v{1.0, 2.0, 3.0, 4.0};
  array a(v.begin(), {2, 2}, float64);
  v[0] = 100.0;
  EXPECT_EQ(a.dtype(), float64);
  EXPECT_EQ(to_vector<double>(a)[0], 1.0);
  array b(v.begin(), {4}, int32);
  EXPECT_EQ(to_vector<int>(b), (std::vector<int>{100, 2, 3, 4}));
}

TEST(Array, ExternalMemoryIsNotCopied) {
  static int deleted = 0;
  float* buf = new float[4]{1, 2, 3, 4};
  {
    array a(buf, {4}, float32, [](void* p) {
      delete[] static_cast<float*>(p);
      ++deleted;
    });
    EXPECT_EQ(a.data<float>(), buf);
    EXPECT_EQ(sum(a).item<float>(), 10.0f);
  }
  EXPECT_EQ(deleted, 1);
}

TEST(Array, ErrorsOnBadConstruction) {
  EXPECT_THROW_MSG(array({1, 2, 3}, {2, 2}), std::invalid_argument, "[array] Data size 3");
  EXPECT_THROW_MSG(array({1.0f, 2.0f}).item<float>(), std::invalid_argument,
                   "[item] item can only be called on arrays of size 1");
  EXPECT_THROW_MSG(array({1, 2}).shape(2), std::out_of_range, "[array::shape] Dimension 2");
}

TEST(Array, LazyUntilEvaluated) {
  array a({1.0f, 2.0f});
  auto b = exp(a);
  EXPECT_FALSE(b.is_available());
  EXPECT_TRUE(b.has_primitive());
  b.eval();
  EXPECT_TRUE(b.is_available());
  // Evaluated nodes release their inputs.
  EXPECT_FALSE(b.has_primitive());
  EXPECT_TRUE(b.inputs().empty());
}

TEST(Array, DataEvaluatesInsteadOfDangling) {
  auto b = array({1.0f, 2.0f}) * 3.0f;
  const float* p = b.data<float>();
  EXPECT_EQ(p[1], 6.0f);
}

TEST(Array, Printing) {
  auto str = [](const array& a) {
    std::ostringstream os;
    os << a;
    return os.str();
  };
  EXPECT_EQ(str(array({0.339067f, -0.230994f}, {1, 2})),
            "array([[0.339067, -0.230994]], dtype=float32)");
  EXPECT_EQ(str(array(1)), "array(1, dtype=int32)");
  EXPECT_EQ(str(array({true, false})), "array([true, false], dtype=bool)");
  EXPECT_EQ(str(array({1.0f, 2.0f})), "array([1, 2], dtype=float32)");
  EXPECT_EQ(str(arange(10)), "array([0, 1, 2, ..., 7, 8, 9], dtype=int32)");
  EXPECT_EQ(str(array({0.184734f, 0.429828f, -0.0729912f, -0.254855f}, {2, 2})),
            "array([[0.184734, 0.429828],\n       [-0.0729912, -0.254855]], dtype=float32)");
  EXPECT_EQ(str(reshape(arange(8), {2, 2, 2})),
            "array([[[0, 1],\n        [2, 3]],\n       [[4, 5],\n        [6, 7]]], dtype=int32)");
  EXPECT_EQ(str(transpose(array({1, 2, 3, 4}, {2, 2}))),
            "array([[1, 3],\n       [2, 4]], dtype=int32)");
  EXPECT_EQ(str(array(complex64_t(1.0f, -2.0f))), "array(1-2j, dtype=complex64)");
  EXPECT_EQ(str(array(uint8_t{200})), "array(200, dtype=uint8)");
}

TEST(Array, OperatorsWithScalarsOnEitherSide) {
  array a({1.0f, 2.0f, 3.0f});
  EXPECT_TRUE(all_close(a + 1.0f, array({2.0f, 3.0f, 4.0f})));
  EXPECT_TRUE(all_close(1.0f - a, array({0.0f, -1.0f, -2.0f})));
  EXPECT_TRUE(all_close(2.0f * a / 4.0f, array({0.5f, 1.0f, 1.5f})));
  EXPECT_TRUE(all_close(-a, array({-1.0f, -2.0f, -3.0f})));
  EXPECT_EQ(to_vector<bool>(a > 1.5f), (std::vector<bool>{false, true, true}));
  EXPECT_EQ(to_vector<bool>(2.0f == a), (std::vector<bool>{false, true, false}));
  array i({5, 6, 7});
  EXPECT_EQ(to_vector<int>(i % 4), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(to_vector<int>(i & 3), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(to_vector<int>(i | 8), (std::vector<int>{13, 14, 15}));
  EXPECT_EQ(to_vector<int>(i ^ 1), (std::vector<int>{4, 7, 6}));
  EXPECT_EQ(to_vector<int>(1 << i), (std::vector<int>{32, 64, 128}));
  EXPECT_EQ(to_vector<int>(i >> 1), (std::vector<int>{2, 3, 3}));
  EXPECT_EQ(to_vector<int>(~i), (std::vector<int>{-6, -7, -8}));
  array t({true, false});
  EXPECT_EQ(to_vector<bool>(t && array({true, true})), (std::vector<bool>{true, false}));
  EXPECT_EQ(to_vector<bool>(t || false), (std::vector<bool>{true, false}));
  EXPECT_EQ(to_vector<bool>(!t), (std::vector<bool>{false, true}));
  EXPECT_EQ((i != 6).dtype(), bool_);
  EXPECT_EQ(to_vector<bool>(i <= 6), (std::vector<bool>{true, true, false}));
}

TEST(Array, DeepChainEvaluatesAndFreesWithoutRecursion) {
  constexpr int depth = kAddressSanitizer ? 100000 : 1000000;
  array x(0.0f);
  for (int i = 0; i < depth; ++i) x = x + 1.0f;
  EXPECT_EQ(x.item<float>(), static_cast<float>(depth));
  // An unevaluated deep graph is destroyed iteratively.
  array y(0.0f);
  for (int i = 0; i < depth; ++i) y = y * 1.0f;
  y = array(0.0f);
  SUCCEED();
}

TEST(Array, DeepChainGradient) {
  constexpr int depth = kAddressSanitizer ? 50000 : 200000;
  auto f = [](const array& x) {
    array y = x;
    for (int i = 0; i < depth; ++i) y = y + x * 1e-6f;
    return y;
  };
  auto g = grad(f)(array(1.0f));
  EXPECT_NEAR(g.item<float>(), 1.0f + depth * 1e-6f, 1e-3);
}

TEST(Array, MultiOutputPrimitive) {
  auto outs = divmod(array({7, -7, 9}), array({2, 2, -4}));
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(to_vector<int>(outs[0]), (std::vector<int>{3, -4, -3}));
  EXPECT_EQ(to_vector<int>(outs[1]), (std::vector<int>{1, 1, -3}));
  // Evaluating one sibling evaluates both; a freed sibling is not needed.
  auto q = divmod(array({5.0f}), array({2.0f}))[0];
  EXPECT_EQ(q.item<float>(), 2.0f);
  auto pair = divmod(array({5.0f}), array({3.0f}));
  eval(pair[1]);
  EXPECT_TRUE(pair[0].is_available());
}

TEST(Array, AsyncEval) {
  auto a = random::normal({256, 256}, random::key(1));
  auto b = matmul(a, a);
  auto c = sum(b);
  async_eval({c});
  float expected = sum(matmul(a, a)).item<float>();
  EXPECT_FLOAT_EQ(c.item<float>(), expected);
}

TEST(Array, IterationOverFirstAxis) {
  array a({1, 2, 3, 4, 5, 6}, {3, 2});
  int rows = 0;
  for (auto row : a) {
    EXPECT_EQ(row.shape(), (Shape{2}));
    ++rows;
  }
  EXPECT_EQ(rows, 3);
}

TEST(Memory, CacheReusesBuffersAndReports) {
  clear_cache();
  reset_peak_memory();
  size_t before = get_active_memory();
  {
    auto a = zeros({1024, 1024});
    a.eval();
    EXPECT_GE(get_active_memory(), before + 4 * 1024 * 1024);
  }
  EXPECT_GE(get_cache_memory(), 4u * 1024 * 1024);
  EXPECT_GE(get_peak_memory(), 4u * 1024 * 1024);
  clear_cache();
  EXPECT_EQ(get_cache_memory(), 0u);
  size_t old = set_memory_limit(1024);
  EXPECT_THROW_MSG(zeros({1024, 1024}).eval(), std::runtime_error,
                   "[malloc] cannot allocate 4194304 bytes (limit 1024).");
  set_memory_limit(old);
}

TEST(Memory, HostileShapesRaiseInsteadOfWrapping) {
  // 2^62 elements: the count itself is refused, before any allocation.
  EXPECT_THROW_MSG(zeros({INT32_MAX, INT32_MAX}), std::overflow_error,
                   "[array] Shape (2147483647,2147483647) has too many elements.");
  // 2^50 floats: a valid shape whose bytes exceed the default limit (the
  // machine's physical memory).
  EXPECT_THROW_MSG(ones({1 << 20, 1 << 20, 1 << 10}).eval(), std::runtime_error,
                   "[malloc] cannot allocate 4503599627370496 bytes (limit ");
  EXPECT_THROW_MSG(allocator::malloc(~size_t{0} - 8), std::runtime_error,
                   "[malloc] cannot allocate");
  EXPECT_EQ(checked_size(Shape{3, 0, INT32_MAX}, "t"), 0u);
  // Found by tests/fuzz (fuzz_npy): an empty shape whose other dimensions
  // would overflow the strides.
  EXPECT_THROW_MSG(zeros({0, 1 << 30, 1 << 30, 1 << 30}), std::overflow_error,
                   "[array] Shape (0,1073741824,1073741824,1073741824) has too many elements.");
  EXPECT_THROW_MSG(checked_size(std::vector<uint64_t>{1u << 20, 1u << 20, 1u << 30}, "load"),
                   std::overflow_error, "[load] Shape (1048576,1048576,1073741824) has too many");
  EXPECT_THROW_MSG(checked_bytes(uint64_t{1} << 62, 4, "load"), std::overflow_error, "[load]");
}

TEST(Memory, DonationReusesInputBuffer) {
  auto a = random::uniform({1 << 16});
  a.eval();
  auto b = exp(a + 1.0f);  // a + 1 is a temporary: exp may write over it
  b.eval();
  auto c = a * 2.0f;  // a is still held here, so it must not be overwritten
  c.eval();
  EXPECT_TRUE(all_close(c, a * 2.0f));
  EXPECT_TRUE(all_close(b, exp(a + 1.0f)));
}

TEST(Device, DefaultsAndStreams) {
  EXPECT_EQ(default_device(), Device(Device::cpu));
  EXPECT_THROW_MSG(set_default_device(Device::gpu), std::invalid_argument, "[set_default_device]");
  auto s = new_stream(Device::cpu);
  EXPECT_NE(s, default_stream(Device::cpu));
  auto x = add(array(1.0f), array(2.0f), s);
  EXPECT_EQ(x.item<float>(), 3.0f);
  auto y = add(array(1.0f), array(2.0f), Device::cpu);
  EXPECT_EQ(y.item<float>(), 3.0f);
  EXPECT_THROW_MSG(add(array(1.0f), array(2.0f), Device::gpu), std::invalid_argument,
                   "[default_stream]");
}
