// The Primitive interface: the elementwise tables (every row's kernel and
// derivative), the properties transforms ask, output_shapes and the shapeless
// compile that stands on it, eval_gpu without a GPU backend, and the one
// "[who] message" error helper.
#include <set>

#include "../test_utils.h"
#include "lmx/core/error.h"
#include "lmx/core/ops_common.h"
#include "lmx/core/primitives.h"

using namespace lmx;
using namespace lmx::test;

namespace {

struct UnaryRow {
  UnaryOp op;
  const char* code;
  const char* name;
  DtypeClass dtypes;
  bool differentiable;
};

// The rows of the table, expanded here as any reader of it would.
std::vector<UnaryRow> unary_rows() {
  std::vector<UnaryRow> rows;
#define LMX_TEST_ROW(code, name, dtypes, output, derivative) \
  rows.push_back(                                            \
      {UnaryOp::code, #code, #name, DtypeClass::dtypes, std::string(#derivative) != "kZero"});
  LMX_UNARY_OPS(LMX_TEST_ROW)
#undef LMX_TEST_ROW
  return rows;
}

struct BinaryRow {
  BinaryOp op;
  const char* code;
  const char* name;
  DtypeClass dtypes;
  bool differentiable;
};

std::vector<BinaryRow> binary_rows() {
  std::vector<BinaryRow> rows;
#define LMX_TEST_ROW(code, name, dtypes, output, da, db)            \
  rows.push_back({BinaryOp::code, #code, #name, DtypeClass::dtypes, \
                  std::string(#da) != "kZero" || std::string(#db) != "kZero"});
  LMX_BINARY_OPS(LMX_TEST_ROW)
#undef LMX_TEST_ROW
  return rows;
}

bool real_valued(DtypeClass c) {
  return c == DtypeClass::Float || c == DtypeClass::Inexact || c == DtypeClass::Numeric ||
         c == DtypeClass::All || c == DtypeClass::Real;
}

}  // namespace

TEST(ElementwiseTable, NamesAreTheCodeAndTheOpName) {
  std::set<std::string> seen;
  for (auto& r : unary_rows()) {
    EXPECT_STREQ(primitive_name(r.op), r.code);
    EXPECT_STREQ(op_name(r.op), r.name);
    EXPECT_TRUE(seen.insert(r.code).second) << r.code;
  }
  for (auto& r : binary_rows()) {
    EXPECT_STREQ(primitive_name(r.op), r.code);
    EXPECT_STREQ(op_name(r.op), r.name);
    EXPECT_TRUE(seen.insert(r.code).second) << r.code;
  }
  EXPECT_STREQ(exp(array(1.0f)).primitive().name(), "Exp");
  EXPECT_STREQ(add(array(1.0f), array(2.0f)).primitive().name(), "Add");
  EXPECT_STREQ(binary_op(array({1.0f}), array({1.0f}), BinaryOp::NaNEqual, float32, bool_, {})
                   .primitive()
                   .name(),
               "NaNEqual");
}

// Every differentiable row of the unary table: its derivative column against
// central differences, in float64, on a point inside every row's domain.
TEST(ElementwiseTable, EveryUnaryDerivativeMatchesFiniteDifferences) {
  int checked = 0;
  for (auto& r : unary_rows()) {
    if (!r.differentiable || !real_valued(r.dtypes)) continue;
    SCOPED_TRACE(r.code);
    double shift = r.op == UnaryOp::ArcCosh ? 1.0 : 0.0;  // arccosh needs x > 1
    auto x = add(array({0.2, 0.45, 0.7}, float64), array(shift, float64));
    UnaryOp op = r.op;
    check_grad([op](const std::vector<array>& v) { return unary_op(v[0], op, float64, {}); }, {x},
               1e-5);
    ++checked;
  }
  EXPECT_GE(checked, 27);
}

TEST(ElementwiseTable, EveryBinaryDerivativeMatchesFiniteDifferences) {
  int checked = 0;
  for (auto& r : binary_rows()) {
    if (!r.differentiable) continue;
    SCOPED_TRACE(r.code);
    // Distinct operands (maximum/minimum are not differentiable at ties),
    // positive bases for power.
    auto a = array({0.3, 1.7, 0.9}, float64);
    auto b = array({1.1, 0.4, 2.3}, float64);
    BinaryOp op = r.op;
    check_grad(
        [op](const std::vector<array>& v) {
          return binary_op(v[0], v[1], op, float64, float64, {});
        },
        {a, b}, 1e-5);
    ++checked;
  }
  EXPECT_GE(checked, 10);
}

// Each kernel instantiates exactly the dtypes its row admits; a node built
// directly with another dtype is rejected by the kernel naming the op.
TEST(ElementwiseTable, KernelsRejectDtypesOutsideTheirClass) {
  auto node =
      array(Shape{2}, int32, std::make_shared<Unary>(default_stream(Device::cpu), UnaryOp::Sqrt),
            {array({4, 9})});
  EXPECT_THROW_MSG(node.eval(), std::invalid_argument, "[sqrt] Unsupported dtype int32.");
  auto shift = array(Shape{2}, float32,
                     std::make_shared<Binary>(default_stream(Device::cpu), BinaryOp::LeftShift),
                     {array({1.f, 2.f}), array({1.f, 1.f})});
  EXPECT_THROW_MSG(shift.eval(), std::invalid_argument, "[left_shift] Unsupported dtype float32.");
  // Admitted dtypes compute in float for the 16-bit types.
  EXPECT_TRUE(all_close(astype(sqrt(array({4.f, 9.f}, float16)), float32), array({2.f, 3.f})));
  EXPECT_EQ(to_vector<int>(left_shift(array({1, 2}), array({3, 1}))), (std::vector<int>{8, 4}));
}

TEST(PrimitiveProperties, AskedOfThePrimitive) {
  auto x = array({1.f, 2.f});
  EXPECT_TRUE(exp(x).primitive().is_elementwise());
  EXPECT_TRUE(add(x, x).primitive().is_elementwise());
  EXPECT_TRUE(where(array({true, false}), x, x).primitive().is_elementwise());
  EXPECT_TRUE(astype(x, float16).primitive().is_elementwise());
  EXPECT_FALSE(sum(x).primitive().is_elementwise());
  EXPECT_FALSE(matmul(reshape(x, {1, 2}), reshape(x, {2, 1})).primitive().is_elementwise());
  EXPECT_TRUE(stop_gradient(x).primitive().is_stop_gradient());
  EXPECT_FALSE(exp(x).primitive().is_stop_gradient());
  // Only elementwise primitives evaluate inside a fused kernel.
  auto s = sum(x, 0, true);
  array out(Shape{}, float32, nullptr, {});
  EXPECT_THROW_MSG(s.primitive().eval_elementwise_cpu({x}, out), std::invalid_argument,
                   "[Sum] Not an elementwise primitive");
}

TEST(PrimitiveInterface, EvalGpuWithoutABackendNamesThePrimitive) {
  auto y = exp(array({1.f}));
  std::vector<array> outs{y};
  EXPECT_THROW_MSG(y.primitive().eval_gpu(y.inputs(), outs), std::runtime_error,
                   "[Exp] No GPU backend is available in this build.");
  auto dm = divmod(array({3.f}), array({2.f}));
  auto dm_outs = dm[0].outputs();
  EXPECT_THROW_MSG(dm[0].primitive().eval_gpu(dm[0].inputs(), dm_outs), std::runtime_error,
                   "[DivMod] No GPU backend");
}

TEST(OutputShapes, FollowTheInputs) {
  auto a = zeros({2, 3});
  auto b = zeros({4, 5, 6});
  auto shapes = [](const array& node, std::vector<array> inputs) {
    return node.primitive().output_shapes(inputs);
  };
  EXPECT_EQ(shapes(exp(a), {b})[0], (Shape{4, 5, 6}));
  EXPECT_EQ(shapes(add(a, a), {zeros({4, 1}), zeros({3})})[0], (Shape{4, 3}));
  EXPECT_EQ(shapes(sum(a, 1, true), {b})[0], (Shape{4, 1, 6}));
  EXPECT_EQ(shapes(transpose(a), {zeros({5, 7})})[0], (Shape{7, 5}));
  EXPECT_EQ(shapes(matmul(a, zeros({3, 4})), {zeros({5, 2}), zeros({2, 7})})[0], (Shape{5, 7}));
  EXPECT_EQ(shapes(concatenate({a, a}, 0), {zeros({1, 4}), zeros({5, 4})})[0], (Shape{6, 4}));
  EXPECT_EQ(shapes(squeeze(zeros({2, 1, 3}), 1), {zeros({7, 1, 9})})[0], (Shape{7, 9}));
  EXPECT_EQ(shapes(expand_dims(a, 0), {zeros({4})})[0], (Shape{1, 4}));
  auto lse = logsumexp(a, -1, true);
  ASSERT_STREQ(lse.primitive().name(), "LogSumExp");
  EXPECT_EQ(shapes(lse, {zeros({4, 9})})[0], (Shape{4, 1}));
  auto dm = divmod(a, a);
  EXPECT_EQ(dm[0].primitive().output_shapes({zeros({3}), zeros({2, 1})}),
            (std::vector<Shape>{{2, 3}, {2, 3}}));
  // Shapes fixed when the node was built cannot be inferred.
  EXPECT_THROW_MSG(shapes(reshape(a, {6}), {b}), std::invalid_argument,
                   "[Reshape] Cannot infer output shapes.");
  EXPECT_THROW_MSG(shapes(slice(a, {0, 0}, {1, 1}), {b}), std::invalid_argument,
                   "[Slice] Cannot infer output shapes.");
  // Inputs the rule cannot take are errors naming the op.
  EXPECT_THROW_MSG(shapes(add(a, a), {zeros({2}), zeros({3})}), std::invalid_argument,
                   "[add] Shapes (2) and (3) cannot be broadcast.");
  EXPECT_THROW_MSG(shapes(matmul(a, zeros({3, 4})), {zeros({5, 2}), zeros({3, 7})}),
                   std::invalid_argument, "[matmul] Last dimension of first input");
  EXPECT_THROW_MSG(shapes(squeeze(zeros({2, 1, 3}), 1), {zeros({7, 2, 9})}), std::invalid_argument,
                   "[squeeze] Cannot squeeze axis 1");
  EXPECT_THROW_MSG(expand_dims(a, {0, 0}), std::invalid_argument,
                   "[expand_dims] Received duplicate axis 0.");
}

// A graph that is not purely elementwise (reductions, mean, var, matmul,
// transposes, squeezes) keeps one trace across shapes and gives the same
// results as the uncompiled function; a graph with a fixed-shape node traces
// again per shape and stays right.
TEST(OutputShapes, ShapelessCompileKeepsOneTraceAcrossShapes) {
  int traces = 0;
  auto fn = [&traces](const std::vector<array>& v) {
    ++traces;
    auto x = v[0];
    auto centred = subtract(x, mean(x, -1, true));
    auto scores = matmul(centred, transpose(centred));
    return std::vector<array>{sum(softmax(scores, -1), 0) + var(x, -1, false, 1), argmax(x, 1),
                              logsumexp(x, -1)};
  };
  auto cfn = compile(fn, true);
  for (Shape shape : {Shape{3, 4}, Shape{5, 2}, Shape{2, 7}}) {
    auto x = random::normal(shape, float32, random::key(shape[0]));
    auto got = cfn({x});
    int before = traces;
    auto want = fn({x});
    traces = before;
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ(got[i].shape(), want[i].shape()) << "output " << i;
      EXPECT_TRUE(all_close(astype(got[i], float32), astype(want[i], float32), 1e-5, 1e-5));
    }
  }
  EXPECT_EQ(traces, 1);
  int reshape_traces = 0;
  auto flat = compile(
      [&reshape_traces](const std::vector<array>& v) {
        ++reshape_traces;
        return std::vector<array>{reshape(v[0], {-1}) * 2.0f};
      },
      true);
  EXPECT_EQ(flat({ones({2, 3})})[0].shape(), (Shape{6}));
  EXPECT_EQ(flat({ones({4, 3})})[0].shape(), (Shape{12}));
  EXPECT_EQ(reshape_traces, 2);
}

TEST(ErrorHelper, OneFormatForTheLibrary) {
  EXPECT_EQ(error_message("op", "bad shape ", Shape{2, 3}, " and ", 4, "."),
            "[op] bad shape (2,3) and 4.");
  EXPECT_THROW_MSG(fail("who", "what"), std::invalid_argument, "[who] what");
  EXPECT_THROW_MSG(fail_as<std::runtime_error>("load", "short"), std::runtime_error,
                   "[load] short");
  EXPECT_THROW_MSG(fail_as<std::overflow_error>("sizes", "too big"), std::overflow_error,
                   "[sizes] too big");
}
