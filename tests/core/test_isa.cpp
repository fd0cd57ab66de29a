// The kernels compiled per instruction set (lmx/backend/cpu/isa.h): every
// set this CPU runs gives the baseline set's results — each row of the
// elementwise tables, select, reductions, softmax, logsumexp, dequantize,
// quantized_matmul and a compiled (fused) graph, on contiguous, strided,
// broadcast and parallel-sized inputs — and the selection itself behaves.
#include <functional>

#include "../test_utils.h"
#include "lmx/backend/cpu/elementwise.h"
#include "lmx/backend/cpu/isa.h"
#include "lmx/core/ops_common.h"

namespace lmx::test {
namespace {

using cpu::Isa;

// Restores the instruction set a test started with.
struct IsaGuard {
  Isa before = cpu::active_isa();
  ~IsaGuard() { cpu::set_active_isa(before); }
};

// Compares two results elementwise; complex ones part by part.
::testing::AssertionResult same_result(const array& got, const array& want, double tol) {
  if (got.dtype() != want.dtype()) return ::testing::AssertionFailure() << "dtypes differ";
  if (got.dtype() == complex64) {
    auto re = all_close(real(got), real(want), tol, tol);
    if (!re) return re;
    return all_close(imag(got), imag(want), tol, tol);
  }
  return all_close(got, want, tol, tol);
}

// Evaluates `make()` under the baseline set and under every other supported
// set, and expects the same values (to `tol`, relative and absolute: the wide
// copies may contract a * b + c into one rounding).
void expect_every_isa_matches(const std::function<array()>& make, const std::string& what,
                              double tol = 1e-5) {
  IsaGuard guard;
  cpu::set_active_isa(Isa::baseline);
  array want = make();
  eval(want);
  for (Isa isa : cpu::supported_isas()) {
    if (isa == Isa::baseline) continue;
    cpu::set_active_isa(isa);
    array got = make();
    eval(got);
    cpu::set_active_isa(Isa::baseline);  // read back with the reference kernels
    EXPECT_TRUE(same_result(got, want, tol)) << what << " under " << cpu::isa_name(isa);
  }
}

array class_input(DtypeClass c, UnaryOp op, const array& base) {
  return unary_table_input(c, op, base, 40.0f);
}

TEST(Isa, SelectionAndErrors) {
  auto isas = cpu::supported_isas();
  ASSERT_FALSE(isas.empty());
  EXPECT_EQ(isas.front(), Isa::baseline);
  if (!std::getenv("LMX_ISA")) {
    EXPECT_EQ(cpu::active_isa(), isas.back());  // the widest
  }
  EXPECT_STREQ(cpu::isa_name(Isa::avx2), "avx2");
  EXPECT_STREQ(cpu::isa_name(Isa::avx512), "avx512");
  IsaGuard guard;
  for (Isa isa : isas) {
    cpu::set_active_isa(isa);
    EXPECT_EQ(cpu::active_isa(), isa);
  }
  EXPECT_THROW_MSG(cpu::set_active_isa(static_cast<Isa>(9)), std::invalid_argument,
                   "[set_active_isa] unknown is not supported by this CPU or build.");
  for (Isa isa : {Isa::avx2, Isa::avx512}) {
    if (cpu::isa_supported(isa)) continue;
    EXPECT_THROW_MSG(cpu::set_active_isa(isa), std::invalid_argument, "is not supported");
  }
}

// The wider copies are built for floating dtypes only; the dispatcher sends
// the rest to the baseline copy, and a wider copy called directly with one
// throws instead of leaving its output unwritten.
TEST(Isa, IntegerWorkRunsTheBaselineCopy) {
  auto a = array({1, 2, 3}, int32), b = array({10, 20, 30}, int32);
  EXPECT_TRUE(array_equal(add(a, b), array({11, 22, 33}, int32)).item<bool>());
  if (!cpu::isa_supported(cpu::Isa::avx2)) GTEST_SKIP() << "no AVX2";
  auto out = zeros({3}, int32);
  eval(a, b, out);
  EXPECT_THROW_MSG(cpu::avx2::apply_binary(BinaryOp::Add, a, b, out), std::logic_error,
                   "got a dtype it is not built for");
  cpu::baseline::apply_binary(BinaryOp::Add, a, b, out);
  EXPECT_TRUE(array_equal(out, array({11, 22, 33}, int32)).item<bool>());
}

TEST(Isa, EveryElementwiseRowMatchesBaseline) {
  auto base = random::uniform(0.1f, 0.9f, {3, 40000}, float32, random::key(3));
  auto other = random::uniform(0.1f, 0.9f, {3, 40000}, float32, random::key(4));
  eval(base, other);
  int rows = 0;
#define LMX_CHECK_UNARY(code, name, dtypes, output, ...)                                          \
  {                                                                                               \
    auto x = class_input(DtypeClass::dtypes, UnaryOp::code, base);                                \
    eval(x);                                                                                      \
    auto run = [&](const array& in) {                                                             \
      Dtype out = OutKind::output == OutKind::Bool                                  ? bool_       \
                  : OutKind::output == OutKind::RealPart && in.dtype() == complex64 ? float32     \
                                                                                    : in.dtype(); \
      return unary_op(in, UnaryOp::code, out, {});                                                \
    };                                                                                            \
    expect_every_isa_matches([&] { return run(x); }, #name " contiguous");                        \
    expect_every_isa_matches([&] { return run(transpose(x)); }, #name " strided");                \
    expect_every_isa_matches([&] { return run(slice(x, {0, 1}, {3, 8})); }, #name " short");      \
    if (x.dtype() == float32) {                                                                   \
      expect_every_isa_matches([&] { return run(astype(x, float16)); }, #name " float16", 1e-3);  \
      expect_every_isa_matches([&] { return run(astype(x, float64)); }, #name " float64");        \
    }                                                                                             \
    ++rows;                                                                                       \
  }
  LMX_UNARY_OPS(LMX_CHECK_UNARY)
#undef LMX_CHECK_UNARY
#define LMX_CHECK_BINARY(code, name, dtypes, output, ...)                                        \
  {                                                                                              \
    auto a = class_input(DtypeClass::dtypes, UnaryOp::Abs, base);                                \
    auto b = class_input(DtypeClass::dtypes, UnaryOp::Abs, other);                               \
    eval(a, b);                                                                                  \
    auto run = [&](const array& x, const array& y) {                                             \
      Dtype out = OutKind::output == OutKind::Bool ? bool_ : x.dtype();                          \
      return binary_op(x, y, BinaryOp::code, x.dtype(), out, {});                                \
    };                                                                                           \
    expect_every_isa_matches([&] { return run(a, b); }, #name " dense");                         \
    expect_every_isa_matches([&] { return run(a, take(b, 1, 0)); }, #name " broadcast row");     \
    expect_every_isa_matches(                                                                    \
        [&] {                                                                                    \
          return run(reshape(slice(a, {1, 7}, {2, 8}), {}), b);                                  \
        },                                                                                       \
        #name " scalar");                                                                        \
    expect_every_isa_matches([&] { return run(transpose(a), transpose(b)); }, #name " strided"); \
    ++rows;                                                                                      \
  }
  LMX_BINARY_OPS(LMX_CHECK_BINARY)
#undef LMX_CHECK_BINARY
  EXPECT_EQ(rows, 42 + 25);
  auto cond = greater(base, array(0.4f));
  expect_every_isa_matches([&] { return where(cond, base, other); }, "select");
  expect_every_isa_matches([&] { return where(transpose(cond), array(1.0f), transpose(other)); },
                           "select broadcast");
}

TEST(Isa, ReductionsSoftmaxAndQuantizedMatchBaseline) {
  auto x = random::normal({6, 3000}, float32, random::key(5));
  auto xi = astype(multiply(x, array(10.0f)), int32);
  eval(x, xi);
  for (auto axes : std::vector<std::vector<int>>{{0}, {1}, {0, 1}}) {
    expect_every_isa_matches([&] { return sum(x, axes); }, "sum", 1e-4);
    expect_every_isa_matches([&] { return prod(multiply(x, array(0.01f)), axes); }, "prod");
    expect_every_isa_matches([&] { return max(x, axes); }, "max");
    expect_every_isa_matches([&] { return min(transpose(x), axes); }, "min strided");
    expect_every_isa_matches([&] { return sum(xi, axes); }, "sum int32");
    expect_every_isa_matches([&] { return all(greater(x, array(-3.0f)), axes); }, "all");
    expect_every_isa_matches([&] { return any(greater(x, array(3.0f)), axes); }, "any");
    expect_every_isa_matches([&] { return sum(astype(x, float64), axes); }, "sum float64");
  }
  for (int n : {10, 3000}) {
    auto rows = slice(x, {0, 0}, {6, n});
    expect_every_isa_matches([&] { return softmax(rows, std::vector<int>{-1}); }, "softmax");
    expect_every_isa_matches([&] { return softmax(astype(rows, float16), std::vector<int>{-1}); },
                             "softmax float16", 1e-3);
    expect_every_isa_matches([&] { return logsumexp(rows, std::vector<int>{-1}); }, "logsumexp");
    expect_every_isa_matches([&] { return logsumexp(astype(rows, float64), std::vector<int>{-1}); },
                             "logsumexp float64");
  }
  auto w = random::normal({96, 256}, float32, random::key(6));
  for (int bits : {2, 3, 4, 8}) {
    auto q = quantize(w, 64, bits);
    eval(q);
    expect_every_isa_matches([&] { return dequantize(q[0], q[1], q[2], 64, bits); }, "dequantize");
    for (int m : {1, 40}) {
      auto xm = random::normal({m, 256}, float32, random::key(m));
      auto xn = random::normal({m, 96}, float32, random::key(m + 1));
      expect_every_isa_matches(
          [&] { return quantized_matmul(xm, q[0], q[1], q[2], true, 64, bits); },
          "quantized_matmul transposed", 1e-4);
      expect_every_isa_matches(
          [&] { return quantized_matmul(xn, q[0], q[1], q[2], false, 64, bits); },
          "quantized_matmul", 1e-4);
    }
  }
  // A fused graph runs its steps through the same elementwise kernels.
  auto fused = compile([](const std::vector<array>& v) {
    return std::vector<array>{multiply(exp(v[0]), add(v[1], array(2.0f)))};
  });
  expect_every_isa_matches(
      [&] {
        return fused({x, transpose(reshape(x, {3000, 6}))})[0];
      },
      "compiled", 1e-5);
}

}  // namespace
}  // namespace lmx::test
