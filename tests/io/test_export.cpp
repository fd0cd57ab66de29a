// Exported functions: round trips through a file for every kind of primitive,
// several signatures, keyword inputs, shapeless traces, transforms of an
// imported function, and hostile files.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "../test_utils.h"
#include "lmx/core/primitives.h"
#include "lmx/io/export_check.h"

using namespace lmx;
using namespace lmx::test;
namespace fs = std::filesystem;

namespace {

std::string path_for(const std::string& name) {
  auto d = fs::temp_directory_path() / "lmx_export_tests";
  fs::create_directories(d);
  return (d / name).string();
}

std::string read_bytes(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

void write_bytes(const std::string& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary);
  f << bytes;
}

array fixed(const Shape& shape, int seed) {
  return random::normal(shape, float32, random::key(static_cast<uint64_t>(seed)));
}

// Exports f at `args`, imports it, and expects the same outputs on `args` and
// on fresh inputs of the same signature.
void expect_round_trip(const std::string& name, const std::function<Args(const Args&)>& f,
                       const Args& args, double rtol = 1e-5) {
  SCOPED_TRACE(name);
  auto file = path_for(name + ".lmxfn");
  export_function(file, f, args);
  auto g = import_function(file);
  auto want = f(args);
  auto got = g(args);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].dtype(), want[i].dtype());
    EXPECT_TRUE(all_close(got[i], want[i], rtol, 1e-6));
  }
}

}  // namespace

TEST(Export, AddRunsBackOnNewValues) {
  auto file = path_for("add.lmxfn");
  export_function(file, [](const Args& a) { return Args{add(a[0], a[1])}; },
                  {array(1.0f), array(1.0f)});
  auto f = import_function(file);
  auto out = f({array(1.0f), array(2.0f)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].item<float>(), 3.0f);
  EXPECT_EQ(f({array(1.0f), array(3.0f)})[0].item<float>(), 4.0f);
}

TEST(Export, EveryKindOfPrimitiveRoundTrips) {
  auto x = fixed({4, 6}, 1), y = fixed({4, 6}, 2), w = fixed({6, 3}, 3);
  expect_round_trip("elementwise",
                    [](const Args& a) {
                      auto u = add(exp(a[0]), multiply(a[1], array(2.0f)));
                      return Args{u,
                                  sigmoid(a[0]),
                                  greater(a[0], a[1]),
                                  where(greater(a[0], a[1]), a[0], a[1]),
                                  astype(a[0], float16),
                                  divmod(a[0], a[1])[1],
                                  logaddexp(a[0], a[1])};
                    },
                    {x, y});
  expect_round_trip("layout",
                    [](const Args& a) {
                      return Args{transpose(a[0]),
                                  reshape(a[0], {2, 12}),
                                  slice(a[0], {1, 0}, {3, 6}, {1, 2}),
                                  concatenate({a[0], a[1]}, 1),
                                  pad(a[0], 1),
                                  broadcast_to(sum(a[0], 0), {4, 6}),
                                  squeeze(expand_dims(a[0], 0)),
                                  view(a[0], int32),
                                  slice_update(a[0], a[1], {0, 0}, {4, 6}),
                                  as_strided(a[0], {2, 2}, {6, 1}, 1)};
                    },
                    {x, y});
  expect_round_trip("reductions",
                    [](const Args& a) {
                      return Args{sum(a[0], 1),           max(a[0]),
                                  argmax(a[0], 1),        cumsum(a[0], 1, true, false),
                                  softmax(a[0], 1, true), logsumexp(a[0], 1),
                                  sort(a[0], 1),          argsort(a[0], 0),
                                  mean(a[0], 0),          var(a[0], 1)};
                    },
                    {x});
  expect_round_trip("products",
                    [](const Args& a) {
                      return Args{matmul(a[0], a[1]), addmm(zeros({4, 3}), a[0], a[1], 0.5f, 2.0f)};
                    },
                    {x, w});
  auto idx = array({3, 0, 2}, uint32);
  expect_round_trip(
      "indexing",
      [](const Args& a) {
        auto i = a[1];
        auto cols = broadcast_to(reshape(i, {1, 3}), {4, 3});
        return Args{take(a[0], i, 0), take_along_axis(a[0], cols, 1),
                    scatter_add(a[0], std::vector<array>{i}, ones({3, 1, 6}), std::vector<int>{0}),
                    put_along_axis(a[0], cols, array(7.0f), 1)};
      },
      {x, idx});
  auto img = fixed({2, 8, 8, 3}, 4), kern = fixed({5, 3, 3, 3}, 5);
  expect_round_trip(
      "conv",
      [](const Args& a) {
        return Args{conv2d(a[0], a[1], {1, 1}, {1, 1}),
                    vjp([&](const Args& b) { return Args{conv2d(b[0], b[1])}; }, {a[0], a[1]},
                        {ones({2, 6, 6, 5})})
                        .second[1],
                    vjp(
                        [&](const Args& b) {
                          return Args{conv2d(b[0], b[1], {2, 1})};
                        },
                        {a[0], a[1]}, {ones({2, 3, 6, 5})})
                        .second[0]};
      },
      {img, kern}, 1e-4);
  // The fused attention nodes, forward and backward, with a mask.
  auto q = fixed({1, 2, 5, 4}, 7), kv = fixed({1, 1, 6, 4}, 8), mask = fixed({5, 6}, 9);
  expect_round_trip(
      "attention",
      [](const Args& a) {
        auto f = [](const Args& b) {
          return Args{fast::scaled_dot_product_attention(b[0], b[1], b[1], 0.5f, "", b[2])};
        };
        auto grads = vjp(f, {a[0], a[1], a[2]}, {ones({1, 2, 5, 4})}).second;
        return Args{fast::scaled_dot_product_attention(a[0], a[1], a[1], 0.5f, "causal"), grads[0],
                    grads[1]};
      },
      {q, kv, mask}, 1e-4);
  // The fused rotary embedding and RMS normalisation, forward and backward.
  expect_round_trip(
      "rope_rms_norm",
      [](const Args& a) {
        auto f = [](const Args& b) {
          return Args{fast::rope(fast::rms_norm(b[0], b[1], 1e-5f), 4, false, 10000.0f, 1.0f, 2)};
        };
        auto grads = vjp(f, {a[0], a[1]}, {ones({2, 5, 6})}).second;
        return Args{f(a)[0], grads[0], grads[1]};
      },
      {fixed({2, 5, 6}, 10), fixed({6}, 11)}, 1e-4);
  // The fused gradient of max (max pooling's windows).
  expect_round_trip(
      "extreme_grad",
      [](const Args& a) {
        auto f = [](const Args& b) { return Args{max(b[0], {1, 3}, true)}; };
        return Args{vjp(f, {a[0]}, {ones({2, 1, 3, 1, 4})}).second[0]};
      },
      {fixed({2, 2, 3, 2, 4}, 12)}, 1e-6);
  auto m = add(fixed({3, 3}, 6), multiply(eye(3), array(4.0f)));
  expect_round_trip(
      "linalg",
      [](const Args& a) {
        auto sym = add(a[0], transpose(a[0]));
        return Args{linalg::inv(a[0]),
                    linalg::cholesky(matmul(a[0], transpose(a[0]))),
                    linalg::eigvalsh(sym),
                    linalg::svd(a[0], false)[0],
                    linalg::qr(a[0]).second,
                    linalg::solve(a[0], ones({3, 1})),
                    linalg::lu_factor(a[0]).first};
      },
      {m}, 1e-4);
  expect_round_trip(
      "fft",
      [](const Args& a) {
        return Args{fft::fft(astype(a[0], complex64)), fft::rfft(a[0]),
                    fft::irfft(fft::rfft(a[0]), 6, -1)};
      },
      {x}, 1e-4);
  auto wq = fixed({8, 64}, 7);
  expect_round_trip(
      "quantized",
      [](const Args& a) {
        auto q = quantize(a[1], 64, 4);
        return Args{quantized_matmul(a[0], q[0], q[1], q[2], true, 64, 4),
                    dequantize(q[0], q[1], q[2], 64, 4)};
      },
      {fixed({2, 64}, 8), wq}, 1e-4);
  expect_round_trip("random",
                    [](const Args& a) {
                      return Args{random::normal({3}, float32, a[0]),
                                  random::uniform(array(0.0f), array(1.0f), {2}, float32, a[0])};
                    },
                    {random::key(7)});
  expect_round_trip("creation",
                    [](const Args& a) {
                      return Args{add(a[0], arange(0.0, 6.0, 1.0, float32)),
                                  add(a[0], full({4, 6}, 2.0f)), stop_gradient(a[0])};
                    },
                    {x});
}

TEST(Export, ConstantsAreSavedByValue) {
  auto file = path_for("const.lmxfn");
  auto weight = fixed({3, 3}, 9);
  export_function(file, [&](const Args& a) { return Args{matmul(a[0], weight)}; }, {ones({2, 3})});
  auto f = import_function(file);
  auto x = fixed({2, 3}, 10);
  EXPECT_TRUE(all_close(f({x})[0], matmul(x, weight)));
}

TEST(Export, KeywordAndPositionalInputs) {
  auto file = path_for("kw.lmxfn");
  export_function(file,
                  [](const Args& a, const Kwargs& kw) {
                    return Args{multiply(a[0], kw.at("w")), subtract(a[0], kw.at("w"))};
                  },
                  {array({1.0f, 2.0f})}, {{"w", array(3.0f)}});
  auto f = import_function(file);
  auto out = f({array({1.0f, 2.0f})}, {{"w", array(2.0f)}});
  EXPECT_EQ(to_vector<float>(out[0]), (std::vector<float>{2, 4}));
  EXPECT_EQ(to_vector<float>(out[1]), (std::vector<float>{-1, 0}));
  EXPECT_THROW_MSG(f({array({1.0f, 2.0f}), array(2.0f)}), std::invalid_argument,
                   "[import_function::call] No imported function found which matches the given "
                   "positional and keyword arguments. Possible functions include:\n"
                   " 1. Function with 1 positional inputs and 1 keyword inputs:\n"
                   "   1: (2) float32\n"
                   "   \"w\": () float32\n"
                   "\nCalled with 2 positional inputs and 0 keyword inputs:\n"
                   "  1: (2) float32\n"
                   "  2: () float32\n");
  auto only_kw = path_for("only_kw.lmxfn");
  export_function(
      only_kw, [](const Kwargs& kw) { return Args{negative(kw.at("x"))}; },
      Kwargs{{"x", array(1.0f)}});
  EXPECT_EQ(import_function(only_kw)(Kwargs{{"x", array(5.0f)}})[0].item<float>(), -5.0f);
}

TEST(Export, ExporterWritesOneTracePerSignature) {
  auto file = path_for("multi.lmxfn");
  auto sum_all = [](const Args& a) {
    array s = a[0];
    for (size_t i = 1; i < a.size(); ++i) s = add(s, a[i]);
    return Args{s};
  };
  {
    auto ex = exporter(file, sum_all);
    ex({array(1)});
    ex({array(1), array(2)});
    EXPECT_THROW_MSG(ex({array(4), array(5)}), std::invalid_argument,
                     "already exported for these input shapes and dtypes");
    ex.close();
    EXPECT_THROW_MSG(ex({array(1), array(2), array(3)}), std::runtime_error,
                     "[export_function] Attempting to write after exporting is closed.");
  }
  auto f = import_function(file);
  EXPECT_EQ(f({array(5)})[0].item<int>(), 5);
  EXPECT_EQ(f({array(5), array(6)})[0].item<int>(), 11);
  EXPECT_THROW_MSG(f({array(5), array(6), array(7)}), std::invalid_argument,
                   "Called with 3 positional inputs and 0 keyword inputs");
  EXPECT_THROW_MSG(f({array(5.0f)}), std::invalid_argument, "  1: () float32\n");
}

TEST(Export, ShapelessFollowsNewShapes) {
  auto file = path_for("shapeless.lmxfn");
  export_function(
      file, [](const Args& a) { return Args{multiply(exp(a[0]), array(2.0f))}; },
      {array({1.0f, 2.0f})}, true);
  auto f = import_function(file);
  auto x = fixed({5}, 11);
  EXPECT_TRUE(all_close(f({x})[0], multiply(exp(x), array(2.0f))));
  // Rank and dtype still have to match.
  EXPECT_THROW_MSG(f({ones({2, 3})}), std::invalid_argument, "No imported function found");
  EXPECT_THROW_MSG(f({ones({5}, int32)}), std::invalid_argument, "1: (5) int32");
  // Without shapeless, a new size is another signature.
  auto fixed_file = path_for("fixed.lmxfn");
  export_function(fixed_file, [](const Args& a) { return Args{exp(a[0])}; }, {array({1.0f, 2.0f})});
  EXPECT_THROW_MSG(import_function(fixed_file)({x}), std::invalid_argument, "1: (2) float32");
  // A node whose output shape is fixed cannot follow new shapes.
  EXPECT_THROW_MSG(export_function(
                       path_for("bad_shapeless.lmxfn"),
                       [](const Args& a) {
                         return Args{reshape(a[0], {2, 1})};
                       },
                       {array({1.0f, 2.0f})}, true),
                   std::invalid_argument, "has no output shape rule");
}

TEST(Export, ImportedFunctionsDifferentiateAndVmap) {
  auto file = path_for("grad.lmxfn");
  auto f = [](const Args& a) { return Args{sum(multiply(sin(a[0]), a[1]))}; };
  auto x = fixed({4}, 12), y = fixed({4}, 13);
  export_function(file, f, {x, y});
  auto g = import_function(file);
  auto want = grad([&](const Args& a) { return f(a)[0]; }, {0, 1})({x, y});
  auto got = grad([&](const Args& a) { return g(a)[0]; }, {0, 1})({x, y});
  EXPECT_TRUE(all_close(got[0], want[0]));
  EXPECT_TRUE(all_close(got[1], want[1]));
  // Finite differences through the imported graph, in float64.
  auto file64 = path_for("grad64.lmxfn");
  auto x64 = astype(x, float64), y64 = astype(y, float64);
  export_function(file64, [](const Args& a) { return Args{multiply(tanh(a[0]), a[1])}; },
                  {x64, y64});
  auto h = import_function(file64);
  check_grad([&](const Args& a) { return h(a)[0]; }, {x64, y64});
  auto square = path_for("square.lmxfn");
  export_function(square, [](const Args& a) { return Args{multiply(a[0], a[0])}; },
                  {fixed({3}, 1)});
  auto sq = import_function(square);
  auto batched = vmap([&](const Args& a) { return sq(a); })({fixed({2, 3}, 14)});
  auto b = fixed({2, 3}, 14);
  EXPECT_TRUE(all_close(batched[0], multiply(b, b)));
}

TEST(Export, CompiledAndCustomFunctionsInside) {
  auto fused = compile([](const Args& a) { return Args{exp(multiply(add(a[0], a[1]), a[1]))}; });
  auto custom =
      custom_function([](const Args& a) { return Args{multiply(a[0], array(3.0f))}; },
                      [](const Args&, const Args& cot, const Args&) { return Args{cot[0]}; });
  auto x = fixed({3, 4}, 15), y = fixed({3, 4}, 16);
  expect_round_trip("compiled", [&](const Args& a) { return fused(a); }, {x, y});
  expect_round_trip("custom", [&](const Args& a) { return custom({a[0]}); }, {x});
  expect_round_trip("compiled_custom",
                    [&](const Args& a) { return Args{add(fused(a)[0], custom({a[0]})[0])}; },
                    {x, y});
}

TEST(Export, FileErrors) {
  EXPECT_THROW_MSG(import_function(path_for("missing.lmxfn")), std::runtime_error,
                   "[import_function] Failed to open ");
  auto junk = path_for("junk.lmxfn");
  write_bytes(junk, "hello world");
  EXPECT_THROW_MSG(import_function(junk), std::runtime_error,
                   "does not start with lmx's exported-function header");
  auto file = path_for("valid.lmxfn");
  export_function(file, [](const Args& a) { return Args{sum(exp(a[0]), 0)}; }, {ones({2, 2})});
  auto bytes = read_bytes(file);
  // A newer format version is refused with both versions named.
  auto newer = bytes;
  newer[8] = 9;
  write_bytes(junk, newer);
  EXPECT_THROW_MSG(import_function(junk), std::runtime_error, "format version 9");
  // Every truncation is an error, never a crash.
  for (size_t n = 0; n < bytes.size(); ++n) {
    write_bytes(junk, bytes.substr(0, n));
    EXPECT_THROW(import_function(junk), std::runtime_error) << "length " << n;
  }
  write_bytes(junk, bytes + "x");
  EXPECT_THROW_MSG(import_function(junk), std::runtime_error, "1 bytes after the last trace");
  // An unknown primitive name.
  auto pos = bytes.find("Reduce");
  ASSERT_NE(pos, std::string::npos);
  auto renamed = bytes;
  renamed.replace(pos, 6, "Reduxe");
  write_bytes(junk, renamed);
  EXPECT_THROW_MSG(import_function(junk), std::runtime_error, "unknown primitive 'Reduxe'");
  // A recorded shape that the primitive's own rule contradicts.
  auto reshaped = bytes;
  auto last = reshaped.rfind(std::string("\x01\x00\x00\x00\x02\x00\x00\x00", 8));
  ASSERT_NE(last, std::string::npos);
  reshaped[last + 4] = 3;
  write_bytes(junk, reshaped);
  EXPECT_THROW_MSG(import_function(junk), std::runtime_error, "do not follow from its inputs");
  // Random corruption loads cleanly or is refused with a message.
  std::mt19937 rng(5);
  for (int trial = 0; trial < 400; ++trial) {
    auto b = bytes;
    for (int k = 0; k < 3; ++k) b[rng() % b.size()] = static_cast<char>(rng());
    write_bytes(junk, b);
    try {
      import_function(junk);
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("[import_function]"), std::string::npos) << e.what();
    }
  }
}

namespace {

// A valid file of f's trace with `patch` written over the bytes `offset`
// past the end of the named primitive's name.
std::string patched(const std::string& name, const std::function<Args(const Args&)>& f,
                    const Args& args, const std::string& primitive, size_t offset,
                    const std::string& patch, size_t erase = 0) {
  auto file = path_for("patch_" + name + ".lmxfn");
  export_function(file, f, args);
  auto bytes = read_bytes(file);
  std::string key(8, '\0');
  uint64_t n = primitive.size();
  std::memcpy(key.data(), &n, 8);
  key += primitive;
  auto pos = bytes.find(key);
  EXPECT_NE(pos, std::string::npos) << primitive;
  pos += key.size() + offset;
  bytes.replace(pos, erase, "");
  bytes.replace(pos, patch.size(), patch);
  write_bytes(file, bytes);
  return file;
}

template <typename T>
std::string le(T v) {
  return std::string(reinterpret_cast<const char*>(&v), sizeof(T));
}

}  // namespace

TEST(Export, NodesThatDisagreeWithTheirInputsAreRefused) {
  auto x = fixed({4, 6}, 17);
  // Transpose state: u64 count, then the axes.
  auto f = patched(
      "transpose", [](const Args& a) { return Args{transpose(a[0])}; }, {x}, "Transpose", 8,
      le<int32_t>(5));
  EXPECT_THROW_MSG(import_function(f), std::runtime_error,
                   "do not permute an input of shape (4,6)");
  // Slice state: start, stop, strides (each a u64 count and i32s).
  f = patched(
      "slice",
      [](const Args& a) {
        return Args{slice(a[0], {1, 0}, {3, 6})};
      },
      {x}, "Slice", 24, le<int32_t>(9));
  EXPECT_THROW_MSG(import_function(f), std::runtime_error,
                   "slices outside an input of shape (4,6)");
  // AsStrided state: shape, strides (i64), offset.
  f = patched(
      "strided",
      [](const Args& a) {
        return Args{as_strided(a[0], {2, 2}, {6, 1}, 1)};
      },
      {x}, "AsStrided", 40, le<uint64_t>(23));
  EXPECT_THROW_MSG(import_function(f), std::runtime_error,
                   "reaches outside an input of 24 elements");
  // Reshape state: shape (u64 count, i32s), rule, unit axes.
  f = patched(
      "reshape",
      [](const Args& a) {
        return Args{reshape(a[0], {3, 8})};
      },
      {x}, "Reshape", 8, le<int32_t>(5));
  EXPECT_THROW_MSG(import_function(f), std::runtime_error, "reshapes (4,6) to (5,8)");
  // Unary: op code, argument count, one ref, output count, then the dtype
  // byte its kernel would write (float64 where exp of float32 makes float32).
  f = patched(
      "dtype", [](const Args& a) { return Args{exp(a[0])}; }, {x}, "Unary", 17,
      std::string(1, '\x0b'));
  EXPECT_THROW_MSG(import_function(f), std::runtime_error,
                   "records output dtype float64 where it makes float32");
  // Binary with its second argument removed: state (4 bytes), then the count.
  f = patched(
      "arity", [](const Args& a) { return Args{add(a[0], a[1])}; }, {x, x}, "Binary", 4,
      le<uint32_t>(1), 5);
  EXPECT_THROW_MSG(import_function(f), std::runtime_error, "takes 2 inputs but has 1");
  // Convolution state: the window (8 shapes of one u64 count and one i32
  // each for a 1-d window), then groups, here set to 3 for 4 output channels.
  f = patched(
      "conv_groups", [](const Args& a) { return Args{conv1d(a[0], a[1])}; },
      {fixed({1, 5, 2}, 3), fixed({4, 3, 2}, 4)}, "Convolution", 96, le<int32_t>(3));
  EXPECT_THROW_MSG(import_function(f), std::runtime_error,
                   "has operands of shapes (1,5,2) and (4,3,2) for 3 groups");
  // Attention state: scale (4 bytes) and causal (1), then the argument
  // count, here 2 with the last reference (5 bytes) removed.
  f = patched(
      "attention_arity",
      [](const Args& a) {
        return Args{fast::scaled_dot_product_attention(a[0], a[1], a[1], 1.0f)};
      },
      {fixed({1, 1, 3, 4}, 3), fixed({1, 1, 3, 4}, 4)}, "Attention", 5, le<uint32_t>(2), 5);
  EXPECT_THROW_MSG(import_function(f), std::runtime_error, "takes 3 to 4 inputs but has 2");
  // Rope state: dims (4 bytes) first, here 5 for 6 features.
  f = patched(
      "rope_dims",
      [](const Args& a) { return Args{fast::rope(a[0], 4, false, 10000.0f, 1.0f, 0)}; },
      {fixed({2, 3, 6}, 3)}, "Rope", 0, le<int32_t>(5));
  EXPECT_THROW_MSG(import_function(f), std::runtime_error, "even dims <= D; got float32 input");
  // A Rope whose offset is not the int32 its kernel reads.
  EXPECT_THROW_MSG(io::check_node(Rope(default_stream(Device::cpu), 4, false, 1e4f, 1.0f, true),
                                  {fixed({2, 3, 6}, 3), array(int64_t{1})}, {float32}),
                   std::invalid_argument, "The node Rope has a int64 offset.");
  // An ExtremeGrad whose g does not have out's shape.
  EXPECT_THROW_MSG(
      io::check_node(ExtremeGrad(default_stream(Device::cpu), {1}),
                     {fixed({2, 3}, 3), fixed({2, 1}, 4), fixed({2, 3}, 5)}, {float32}),
      std::invalid_argument,
      "The node ExtremeGrad has inputs its op refuses: [extreme_grad] Expected");
  // An enum code past the last value.
  f = patched(
      "enum", [](const Args& a) { return Args{exp(a[0])}; }, {x}, "Unary", 0, le<int32_t>(100000));
  EXPECT_THROW_MSG(import_function(f), std::runtime_error, "an out-of-range code 100000");
}
