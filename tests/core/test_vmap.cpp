// vmap: for every primitive family, vmapping over axis 0, 1 and the last
// axis (and with unmapped inputs) equals stacking the function applied to
// each example; vmap composes with grad, jvp, compile and itself.
#include <set>

#include "../test_utils.h"
#include "lmx/core/ops_common.h"

using namespace lmx;
using namespace lmx::test;

namespace {

using Fn = std::function<array(const std::vector<array>&)>;

// Stacks fn over the examples of `inputs` (batch axis in_axes[i], -1 for
// shared) along `out_axis`, and compares with vmap.
void expect_vmap_matches(const Fn& fn, const std::vector<array>& inputs,
                         const std::vector<int>& in_axes, int out_axis = 0, const char* what = "") {
  auto vfn = vmap([&](const std::vector<array>& xs) { return std::vector<array>{fn(xs)}; }, in_axes,
                  {out_axis});
  array got = array(0.0f);
  try {
    got = vfn(inputs)[0];
    got.eval();
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": " << e.what();
    return;
  }
  int batch = -1;
  for (size_t i = 0; i < inputs.size(); ++i)
    if (in_axes[i] >= 0) batch = inputs[i].shape(in_axes[i]);
  std::vector<array> per_example;
  for (int b = 0; b < batch; ++b) {
    std::vector<array> xs;
    for (size_t i = 0; i < inputs.size(); ++i)
      xs.push_back(in_axes[i] < 0 ? inputs[i] : take(inputs[i], b, in_axes[i]));
    per_example.push_back(fn(xs));
  }
  auto expected = stack(per_example, out_axis);
  ASSERT_EQ(got.shape(), expected.shape()) << what;
  EXPECT_EQ(got.dtype(), expected.dtype()) << what;
  EXPECT_TRUE(all_close(astype(got, float32), astype(expected, float32), 1e-5, 1e-5)) << what;
}

// Checks a one-input function with the batch on axes 0, 1 and last of a
// (3, 4, 5) input, and a two-input one with the second input shared.
void check_unary(const char* what, const Fn& fn, Dtype dtype = float32) {
  auto x =
      astype(random::uniform(array(-2.0f), array(2.0f), {3, 4, 5}, float32, random::key(1)), dtype);
  for (int axis : {0, 1, 2}) expect_vmap_matches(fn, {x}, {axis}, 0, what);
  // The batch placed inside the output, when an example's output has axes.
  if (fn({take(x, 0, 1)}).ndim() > 0) expect_vmap_matches(fn, {x}, {1}, 1, what);
}

void check_binary(const char* what, const Fn& fn) {
  auto k = random::split(random::key(2));
  auto x = random::uniform(array(0.5f), array(2.0f), {3, 4, 5}, float32, k.first);
  auto y = random::uniform(array(0.5f), array(2.0f), {3, 4, 5}, float32, k.second);
  for (int axis : {0, 1, 2}) expect_vmap_matches(fn, {x, y}, {axis, axis}, 0, what);
  expect_vmap_matches(fn, {x, moveaxis(y, 0, 2)}, {0, 2}, 0, what);
  // The second input shared by every example (one example's shape).
  expect_vmap_matches(fn, {x, take(y, 0, 0)}, {0, -1}, 0, what);
  expect_vmap_matches(fn, {take(x, 0, 1), y}, {-1, 1}, 0, what);
}

}  // namespace

TEST(Vmap, Elementwise) {
  check_unary("exp", [](auto& v) { return exp(v[0]); });
  check_unary("abs", [](auto& v) { return abs(v[0]); });
  check_unary("sigmoid", [](auto& v) { return sigmoid(v[0]); });
  check_unary("astype", [](auto& v) { return astype(v[0], int32); });
  check_unary("stop_gradient", [](auto& v) { return stop_gradient(v[0]) * 2.0f; });
  check_unary("isnan", [](auto& v) { return isnan(v[0]); });
  check_unary("scalar", [](auto& v) { return v[0] + 1.0f; });
  check_unary(
      "half", [](auto& v) { return v[0] * 3.0f; }, float16);
  check_binary("add", [](auto& v) { return v[0] + v[1]; });
  check_binary("power", [](auto& v) { return power(v[0], v[1]); });
  check_binary("maximum", [](auto& v) { return maximum(v[0], v[1]); });
  check_binary("less", [](auto& v) { return less(v[0], v[1]); });
  check_binary("where", [](auto& v) { return where(greater(v[0], 1.0f), v[0], v[1]); });
  check_binary("divmod", [](auto& v) { return divmod(v[0], v[1])[1]; });
  check_binary("broadcasting", [](auto& v) { return v[0] * sum(v[1], -1, true); });
}

TEST(Vmap, Structure) {
  check_unary("reshape", [](auto& v) { return reshape(v[0], {-1}); });
  check_unary("transpose", [](auto& v) { return transpose(v[0]); });
  check_unary("swapaxes", [](auto& v) { return swapaxes(v[0], 0, 1); });
  check_unary("expand", [](auto& v) { return expand_dims(v[0], 0); });
  check_unary("broadcast", [](auto& v) {
    return broadcast_to(v[0], {2, v[0].shape(0), v[0].shape(1)});
  });
  check_unary("slice", [](auto& v) { return slice(v[0], {1, 0}, {3, 4}, {1, 2}); });
  check_unary("flip", [](auto& v) { return flip(v[0], 0); });
  check_unary("concatenate", [](auto& v) { return concatenate({v[0], v[0] * 2.0f}, 1); });
  check_unary("pad", [](auto& v) { return pad(v[0], {{1, 2}, {0, 1}}, array(7.0f)); });
  check_unary("pad edge", [](auto& v) { return pad(v[0], {{1, 2}, {0, 1}}, array(0), "edge"); });
  check_unary("slice_update", [](auto& v) {
    return slice_update(v[0], ones({1, 2}), {1, 1}, {2, 3});
  });
  check_binary("slice_update batched", [](auto& v) {
    return slice_update(v[0], slice(v[1], {0, 0}, {2, 2}), {1, 1}, {3, 3});
  });
  check_binary("stack", [](auto& v) { return stack({v[0], v[1]}, 1); });
  check_unary("diagonal", [](auto& v) { return diagonal(v[0]); });
}

TEST(Vmap, ReductionsScansSorts) {
  check_unary("sum", [](auto& v) { return sum(v[0], 1); });
  check_unary("sum all", [](auto& v) { return sum(v[0]); });
  check_unary("max keepdims", [](auto& v) { return max(v[0], 0, true); });
  check_unary("mean", [](auto& v) { return mean(v[0], std::vector<int>{0, 1}); });
  check_unary("argmax", [](auto& v) { return argmax(v[0], 1); });
  check_unary("cumsum", [](auto& v) { return cumsum(v[0], 0, true); });
  check_unary("cummax", [](auto& v) { return cummax(v[0], 1); });
  check_unary("sort", [](auto& v) { return sort(v[0], 0); });
  check_unary("argsort", [](auto& v) { return argsort(v[0], -1); });
  check_unary("softmax", [](auto& v) { return softmax(v[0], -1); });
  check_unary("softmax axis 0", [](auto& v) { return softmax(v[0], 0); });
  check_unary("logsumexp", [](auto& v) { return logsumexp(v[0], -1); });
  check_unary("median", [](auto& v) { return median(v[0], 1); });
}

TEST(Vmap, Products) {
  auto k = random::split(random::key(3), 3);
  auto a = random::normal({3, 4, 5}, float32, take(k, 0, 0));
  auto b = random::normal({3, 5, 2}, float32, take(k, 1, 0));
  auto c = random::normal({3, 4, 2}, float32, take(k, 2, 0));
  auto mm = [](auto& v) { return matmul(v[0], v[1]); };
  expect_vmap_matches(mm, {a, b}, {0, 0});
  expect_vmap_matches(mm, {a, take(b, 0, 0)}, {0, -1});
  expect_vmap_matches(mm, {take(a, 0, 0), b}, {-1, 0});
  expect_vmap_matches(mm, {moveaxis(a, 0, 2), b}, {2, 0}, 1);
  // A vector times a matrix per example.
  expect_vmap_matches(mm, {take(a, 0, 1), b}, {0, 0});
  auto am = [](auto& v) { return addmm(v[2], v[0], v[1], 0.5f, 2.0f); };
  expect_vmap_matches(am, {a, b, c}, {0, 0, 0});
  expect_vmap_matches(am, {a, b, take(c, 0, 0)}, {0, 0, -1});
  auto t = [](auto& v) { return tensordot(v[0], v[1], 1); };
  expect_vmap_matches(t, {a, b}, {0, 0});
}

TEST(Vmap, Indexing) {
  auto x = reshape(arange(60.0f), {3, 4, 5});
  auto idx = array({2, 0, 1, 1});
  // Shared indices: one gather; batched indices: one per example.
  expect_vmap_matches([](auto& v) { return take(v[0], v[1], 1); }, {x, idx}, {0, -1});
  expect_vmap_matches([](auto& v) { return take(v[0], v[1], 0); }, {x, idx}, {2, -1});
  auto bidx = array({0, 3, 1, 2, 2, 0}, {3, 2});
  expect_vmap_matches([](auto& v) { return take(v[0], v[1], 0); }, {x, bidx}, {0, 0});
  expect_vmap_matches([](auto& v) { return take(v[0], v[1], 1); }, {x, bidx}, {0, 0});
  auto along = array({0, 1, 2, 3, 3, 2, 1, 0, 1, 1, 1, 1}, {3, 4, 1});
  expect_vmap_matches([](auto& v) { return take_along_axis(v[0], v[1], 1); }, {x, along}, {0, 0});
  expect_vmap_matches([](auto& v) { return take_along_axis(v[0], v[1], 1); },
                      {x, take(along, 0, 0)}, {0, -1});
  expect_vmap_matches([](auto& v) { return put_along_axis(v[0], v[1], array(-1.0f), 1); },
                      {x, along}, {0, 0});
  expect_vmap_matches(
      [](auto& v) {
        return scatter_add(v[0], v[1], ones({2, 1, 5}), 0);
      },
      {x, bidx}, {0, 0});
}

TEST(Vmap, RandomBitsPerKey) {
  // vmap over keys draws each key's own numbers.
  auto keys = random::split(random::key(4), 3);
  expect_vmap_matches([](auto& v) { return random::bits({2, 3}, 4, v[0]); }, {keys}, {0});
  expect_vmap_matches([](auto& v) { return random::normal({5}, v[0]); }, {keys}, {0});
  expect_vmap_matches([](auto& v) { return random::uniform({3}, v[0]); }, {transpose(keys)}, {1});
}

TEST(Vmap, ConvolutionsAndLayers) {
  auto k = random::split(random::key(5));
  auto x = random::normal({2, 3, 8, 2}, float32, k.first);  // batch of (N=3, L=8, C=2)
  auto w = random::normal({4, 3, 2}, float32, k.second);
  expect_vmap_matches([](auto& v) { return conv1d(v[0], v[1], 1, 1); }, {x, w}, {0, -1});
  auto x2 = random::normal({2, 1, 6, 6, 2}, float32, k.first);
  auto w2 = random::normal({3, 3, 3, 2}, float32, k.second);
  expect_vmap_matches(
      [](auto& v) {
        return conv2d(v[0], v[1], {2, 1}, {1, 1});
      },
      {x2, w2}, {0, -1});
  auto ws = stack({w, w * 2.0f});
  expect_vmap_matches([](auto& v) { return conv1d(v[0], v[1]); }, {x, ws}, {0, 0});
  // Per-example gradients: the input gradient's batch joins N, the weight
  // gradient (a sum over N) is one node per example.
  auto conv_loss = [](const std::vector<array>& v) {
    return sum(square(conv1d(v[0], v[1], 2, 1)));
  };
  expect_vmap_matches([&](auto& v) { return grad(conv_loss, 0)(v)[0]; }, {x, w}, {0, -1});
  expect_vmap_matches([&](auto& v) { return grad(conv_loss, 1)(v)[0]; }, {x, w}, {0, -1});
  expect_vmap_matches([&](auto& v) { return grad(conv_loss, 1)(v)[0]; }, {x, ws}, {0, 0});
  auto q = quantize(random::normal({64, 64}, float32, k.first));
  auto xq = random::normal({3, 2, 64}, float32, k.second);
  expect_vmap_matches([](auto& v) { return quantized_matmul(v[0], v[1], v[2], v[3]); },
                      {xq, q[0], q[1], q[2]}, {0, -1, -1, -1});
  expect_vmap_matches([](auto& v) { return fast::rms_norm(v[0], std::nullopt, 1e-5f); }, {xq}, {1});
}

TEST(Vmap, CompiledFunctions) {
  auto f = compile(
      [](const std::vector<array>& v) { return std::vector<array>{exp(v[0]) * v[1] + sin(v[0])}; });
  check_binary("compiled", [&](auto& v) { return f(v)[0]; });
  // compile of vmap.
  auto g = compile(
      vmap([](const std::vector<array>& v) { return std::vector<array>{sum(v[0] * v[0])}; }));
  auto x = reshape(arange(6.0f), {2, 3});
  EXPECT_EQ(to_vector<float>(g({x})[0]), (std::vector<float>{5.0f, 50.0f}));
}

TEST(Vmap, ComposesWithGrad) {
  auto x = reshape(arange(6.0f), {2, 3}) * 0.3f;
  auto f = [](const array& v) { return sum(sin(v) * v); };
  // vmap of grad: per-example gradients.
  auto per_example = vmap(grad(f))(x);
  auto expected = cos(x) * x + sin(x);
  EXPECT_TRUE(all_close(per_example, expected));
  // grad of vmap.
  auto g = grad(
      [](const array& v) { return sum(vmap([](const array& r) { return sum(exp(r)); })(v)); })(x);
  EXPECT_TRUE(all_close(g, exp(x)));
  // jvp of vmap and vmap of jvp.
  auto [o, t] = jvp([](const array& v) { return vmap([](const array& r) { return r * r; })(v); }, x,
                    ones_like(x));
  EXPECT_TRUE(all_close(t, 2.0f * x));
  auto vj = vmap(
      [](const array& r) { return jvp([](const array& y) { return exp(y); }, r, r).second; })(x);
  EXPECT_TRUE(all_close(vj, exp(x) * x));
  // vmap of vmap.
  auto vv = vmap(vmap([](const array& r) { return r * 2.0f + 1.0f; }))(x);
  EXPECT_TRUE(all_close(vv, x * 2.0f + 1.0f));
  auto outer_sum = vmap(vmap([](const array& a, const array& b) { return a * b; }, 0, -1), -1, 0);
  auto a = array({1.0f, 2.0f}), b = array({10.0f, 20.0f, 30.0f});
  EXPECT_TRUE(all_close(outer_sum(a, b), outer(b, a)));
  // Per-example gradients of an MLP loss equal gradients one example at a time.
  auto w = random::normal({3, 4}, float32, random::key(6));
  auto loss = [](const std::vector<array>& v) { return sum(square(tanh(matmul(v[0], v[1])))); };
  auto per =
      vmap([&](const std::vector<array>& v) { return grad(loss, 1)(v); }, {0, -1})({x, w})[0];
  for (int i = 0; i < 2; ++i) {
    auto gi = grad(loss, 1)({take(x, i, 0), w})[0];
    EXPECT_TRUE(all_close(take(per, i, 0), gi));
  }
}

TEST(Vmap, OutputsAndAxes) {
  auto x = reshape(arange(6.0f), {2, 3});
  auto y = array({10.f, 20.f, 30.f});
  auto f = [](const std::vector<array>& a) { return std::vector<array>{a[0] + a[1]}; };
  EXPECT_EQ(to_vector<float>(vmap(f, {0, -1}, {0})({x, y})[0]),
            (std::vector<float>{10, 21, 32, 13, 24, 35}));
  auto t = vmap(f, {0, 0}, {1})({x, array({1.f, 2.f})})[0];
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  EXPECT_EQ(to_vector<float>(t), (std::vector<float>{1, 5, 2, 6, 3, 7}));
  // An output that does not depend on the batch is repeated for each example.
  auto c = vmap([](const std::vector<array>&) { return std::vector<array>{array(1.0f)}; }, {0},
                {0})({x})[0];
  EXPECT_EQ(to_vector<float>(c), (std::vector<float>{1, 1}));
  EXPECT_EQ(to_vector<float>(vmap([](const array& a) { return sum(a); }, 1)(x)),
            (std::vector<float>{3, 5, 7}));
}

TEST(Vmap, Errors) {
  auto x = reshape(arange(6.0f), {2, 3});
  auto f = [](const std::vector<array>& a) { return std::vector<array>{a[0] + a[1]}; };
  EXPECT_THROW_MSG(vmap(f, {0, 0})({x, array({1.f, 2.f, 3.f})}), std::invalid_argument,
                   "[vmap] Inconsistent axis sizes: 2 and 3.");
  EXPECT_THROW_MSG(vmap(f, {0}, {0})({x, x}), std::invalid_argument,
                   "[vmap] The number of in axes (1) must match the number of inputs (2).");
  EXPECT_THROW_MSG(
      vmap(f, {-1, -1}, {0}), std::invalid_argument,
      "[vmap] Input (or output) axes must be specified if output (or input) axes are.");
  EXPECT_THROW_MSG(vmap(f, {0, -1}, {3})({x, array({1.f, 2.f, 3.f})}), std::invalid_argument,
                   "[vmap] Axis 3 invalid for output with 2 dimensions.");
  EXPECT_THROW_MSG(vmap(f, {2, 0})({x, x}), std::invalid_argument,
                   "[vmap] Axis 2 invalid for input with 2 dimensions.");
}

namespace {

array table_input(DtypeClass c, UnaryOp op, const array& base) {
  return unary_table_input(c, op, base, 4.0f);
}

// The nodes of a graph whose primitive is called `name`.
int count_nodes(const array& out, const std::string& name) {
  int n = 0;
  std::vector<array> stack{out};
  std::set<std::uintptr_t> seen;
  while (!stack.empty()) {
    array a = stack.back();
    stack.pop_back();
    if (!a.has_primitive() || !seen.insert(a.id()).second) continue;
    n += name == a.primitive().name();
    for (auto& in : a.inputs()) stack.push_back(in);
  }
  return n;
}

}  // namespace

// Every row of both elementwise tables, read from the tables themselves: a
// new row is checked without a new test.
TEST(Vmap, EveryElementwiseTableRow) {
  auto base = random::uniform(array(0.2f), array(0.8f), {3, 4, 5}, float32, random::key(11));
  auto other = random::uniform(array(0.3f), array(0.9f), {3, 4, 5}, float32, random::key(12));
  int rows = 0;
#define LMX_CHECK_UNARY(code, name, dtypes, output, ...)                              \
  {                                                                                   \
    auto x = table_input(DtypeClass::dtypes, UnaryOp::code, base);                    \
    Fn fn = [](const std::vector<array>& v) {                                         \
      Dtype out = OutKind::output == OutKind::Bool ? bool_                            \
                  : OutKind::output == OutKind::RealPart && v[0].dtype() == complex64 \
                      ? float32                                                       \
                      : v[0].dtype();                                                 \
      return unary_op(v[0], UnaryOp::code, out, {});                                  \
    };                                                                                \
    for (int axis : {0, 1, 2}) expect_vmap_matches(fn, {x}, {axis}, 0, #code);        \
    expect_vmap_matches(fn, {x}, {2}, 1, #code);                                      \
    ++rows;                                                                           \
  }
  LMX_UNARY_OPS(LMX_CHECK_UNARY)
#undef LMX_CHECK_UNARY
#define LMX_CHECK_BINARY(code, name, dtypes, output, ...)                               \
  {                                                                                     \
    auto a = table_input(DtypeClass::dtypes, UnaryOp::Abs, base);                       \
    auto b = table_input(DtypeClass::dtypes, UnaryOp::Abs, other);                      \
    Fn fn = [](const std::vector<array>& v) {                                           \
      Dtype out = OutKind::output == OutKind::Bool ? bool_ : v[0].dtype();              \
      return binary_op(v[0], v[1], BinaryOp::code, v[0].dtype(), out, {});              \
    };                                                                                  \
    for (int axis : {0, 1, 2}) expect_vmap_matches(fn, {a, b}, {axis, axis}, 0, #code); \
    expect_vmap_matches(fn, {a, moveaxis(b, 0, 2)}, {0, 2}, 0, #code);                  \
    expect_vmap_matches(fn, {a, take(b, 0, 0)}, {0, -1}, 0, #code);                     \
    ++rows;                                                                             \
  }
  LMX_BINARY_OPS(LMX_CHECK_BINARY)
#undef LMX_CHECK_BINARY
  EXPECT_EQ(rows, 42 + 25);
}

// Scatters with batched indices and the quantized primitives batch in one
// node, not one per example.
TEST(Vmap, OneNodeRulesForScattersAndQuantized) {
  auto x = reshape(arange(60.0f), {3, 4, 5});
  auto bidx = array({0, 3, 1, 2, 2, 0}, {3, 2});
  auto upd = reshape(arange(30.0f), {3, 2, 1, 5});
  for (auto fn : std::vector<Fn>{
           [](auto& v) { return scatter_add(v[0], v[1], v[2], 0); },
           [](auto& v) { return scatter(v[0], v[1], v[2], 0); },
           [](auto& v) { return scatter_max(v[0], v[1], v[2], 0); },
       }) {
    expect_vmap_matches(fn, {x, bidx, upd}, {0, 0, 0});
    expect_vmap_matches(fn, {take(x, 0, 0), bidx, upd}, {-1, 0, 0});
    expect_vmap_matches(fn, {x, bidx, take(upd, 0, 0)}, {0, 0, -1});
    expect_vmap_matches(fn, {moveaxis(x, 0, 2), moveaxis(bidx, 0, 1), upd}, {2, 1, 0});
    auto v = vmap([&](const std::vector<array>& in) { return std::vector<array>{fn(in)}; },
                  {0, 0, 0})({x, bidx, upd})[0];
    EXPECT_EQ(count_nodes(v, "Scatter"), 1);
  }
  // Two indexed axes, both batched.
  auto x2 = reshape(arange(72.0f), {2, 3, 4, 3});
  auto i0 = array({0, 2, 1, 1}, {2, 2});
  auto i1 = array({3, 0, 2, 2}, {2, 2});
  auto u2 = ones({2, 2, 1, 1, 3});
  expect_vmap_matches(
      [](auto& v) {
        return scatter_add(v[0], {v[1], v[2]}, v[3], std::vector<int>{0, 1});
      },
      {x2, i0, i1, u2}, {0, 0, 0, 0});
  expect_vmap_matches(
      [](auto& v) {
        return scatter_add(v[0], {v[1], v[2]}, v[3], std::vector<int>{0, 1});
      },
      {x2, i0, take(i1, 0, 0), u2}, {0, 0, -1, 0});

  auto k = random::split(random::key(13));
  auto ws = random::normal({2, 32, 64}, float32, k.first);
  expect_vmap_matches([](auto& v) { return quantize(v[0])[0]; }, {ws}, {0});
  expect_vmap_matches([](auto& v) { return quantize(v[0])[1]; }, {ws}, {1});
  auto q = quantize(ws);
  expect_vmap_matches([](auto& v) { return dequantize(v[0], v[1], v[2]); }, {q[0], q[1], q[2]},
                      {0, 0, 0});
  auto xq = random::normal({3, 2, 64}, float32, k.second);
  auto shared = vmap(
      [](const std::vector<array>& v) {
        return std::vector<array>{quantized_matmul(v[0], v[1], v[2], v[3])};
      },
      {0, -1, -1, -1})({xq, take(q[0], 0, 0), take(q[1], 0, 0), take(q[2], 0, 0)})[0];
  EXPECT_EQ(count_nodes(shared, "QuantizedMatmul"), 1);
  EXPECT_EQ(count_nodes(vmap(
                            [](const std::vector<array>& v) {
                              return std::vector<array>{dequantize(v[0], v[1], v[2])};
                            },
                            {0, 0, 0})({q[0], q[1], q[2]})[0],
                        "AffineDequantize"),
            1);
  // Per-example weights: one product per example, still right.
  expect_vmap_matches([](auto& v) { return quantized_matmul(v[0], v[1], v[2], v[3]); },
                      {take(xq, 0, 0), q[0], q[1], q[2]}, {-1, 0, 0, 0});
}
