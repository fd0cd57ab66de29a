// The fused float32 attention (Attention and AttentionGrad nodes) against the
// composed graph in float64: outputs and gradients over block boundaries,
// grouped heads, causal and array masks and strided operands; finite
// differences, second-order gradients, jvp, vmap and error messages.
#include "../test_utils.h"
#include "lmx/core/attention.h"

namespace lmx::test {
namespace {

struct AttentionCase {
  const char* what;
  int batch, heads, kv_heads, length, src, dim, vdim;
  bool causal;
  int mask;         // 0: none, 1: additive (L, S), 2: boolean (B, 1, L, S)
  bool transposed;  // q, k, v are (B, L, H, D) arrays seen as (B, H, L, D)
};

constexpr AttentionCase kCases[] = {
    {"one block", 1, 2, 2, 5, 7, 8, 6, false, 0, false},
    {"blocks of queries and keys, grouped heads, causal", 2, 2, 1, 70, 300, 16, 8, true, 0, false},
    {"causal square over three backward blocks", 1, 3, 3, 130, 130, 32, 32, true, 0, false},
    {"additive mask, grouped heads", 2, 4, 2, 33, 65, 8, 8, false, 1, false},
    {"boolean mask", 1, 2, 2, 20, 90, 8, 4, false, 2, false},
    {"transposed views, causal", 2, 4, 4, 40, 40, 16, 16, true, 0, true},
    {"more queries than keys", 1, 1, 1, 9, 4, 4, 4, false, 0, false},
};

struct Operands {
  array q, k, v;
  std::optional<array> mask;
};

Operands operands(const AttentionCase& c, uint64_t seed) {
  auto draw = [&](int heads, int rows, int cols, uint64_t s) {
    if (!c.transposed) return random::normal({c.batch, heads, rows, cols}, float32, random::key(s));
    return swapaxes(random::normal({c.batch, rows, heads, cols}, float32, random::key(s)), 1, 2);
  };
  Operands o{draw(c.heads, c.length, c.dim, seed), draw(c.kv_heads, c.src, c.dim, seed + 1),
             draw(c.kv_heads, c.src, c.vdim, seed + 2), std::nullopt};
  if (c.mask == 1) o.mask = random::normal({c.length, c.src}, float32, random::key(seed + 3));
  if (c.mask == 2) {
    // Every query keeps key 0, so no row is all hidden.
    auto keep = greater(
        random::normal({c.batch, 1, c.length, c.src}, float32, random::key(seed + 3)), array(0.3f));
    o.mask = logical_or(keep, equal(reshape(arange(0, c.src), {1, 1, 1, c.src}), array(0)));
  }
  return o;
}

array attend(const AttentionCase& c, const array& q, const array& k, const array& v,
             const std::optional<array>& mask) {
  return fast::scaled_dot_product_attention(q, k, v, 0.35f, c.causal ? "causal" : "", mask);
}

std::optional<array> as64(const std::optional<array>& m) {
  if (!m || m->dtype() == bool_) return m;
  return astype(*m, float64);
}

TEST(FusedAttention, FusedMatchesFloat64Composed) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.what);
    auto x = operands(c, 10);
    auto out = attend(c, x.q, x.k, x.v, x.mask);
    EXPECT_STREQ(out.primitive().name(), "Attention");
    auto q64 = astype(x.q, float64), k64 = astype(x.k, float64), v64 = astype(x.v, float64);
    EXPECT_TRUE(all_close(out, attend(c, q64, k64, v64, as64(x.mask)), 1e-4, 1e-5));
    auto ct = random::normal(out.shape(), float32, random::key(20));
    auto grads = [&](const array& q, const array& k, const array& v, const array& cot) {
      auto m = q.dtype() == float64 ? as64(x.mask) : x.mask;
      return vjp(
                 [&](const std::vector<array>& a) {
                   return std::vector<array>{attend(c, a[0], a[1], a[2], m)};
                 },
                 {q, k, v}, {cot})
          .second;
    };
    auto fused = grads(x.q, x.k, x.v, ct);
    auto want = grads(q64, k64, v64, astype(ct, float64));
    EXPECT_STREQ(fused[0].primitive().name(), "AttentionGrad");
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(all_close(fused[i], want[i], 1e-3, 1e-4)) << i;
  }
}

// Operands whose rows overlap (a key broadcast along the sequence) or have
// no features are copied or handled before any product sees them.
TEST(FusedAttention, BroadcastAndEmptyOperands) {
  auto q = random::normal({2, 2, 5, 4}), k1 = random::normal({1, 1, 1, 4}),
       v = random::normal({2, 1, 7, 3});
  auto k = broadcast_to(k1, {2, 1, 7, 4});
  auto fused = fast::scaled_dot_product_attention(q, k, v, 0.5f, "causal");
  auto composed = fast::scaled_dot_product_attention(astype(q, float64), astype(k, float64),
                                                     astype(v, float64), 0.5f, "causal");
  EXPECT_TRUE(all_close(fused, composed, 1e-5, 1e-6));
  auto none = fast::scaled_dot_product_attention(zeros({1, 1, 3, 0}), zeros({1, 1, 4, 0}),
                                                 zeros({1, 1, 4, 0}), 1.0f);
  EXPECT_EQ(none.shape(), (Shape{1, 1, 3, 0}));
  auto g = grad(
      [](const std::vector<array>& a) {
        return sum(fast::scaled_dot_product_attention(a[0], a[1], a[2], 1.0f));
      },
      {0, 1, 2})({zeros({1, 1, 3, 0}), zeros({1, 1, 4, 0}), ones({1, 1, 4, 2})});
  // No features: every score is 0, each of 3 queries gives each of 4 keys 1/4.
  EXPECT_TRUE(all_close(g[2], full({1, 1, 4, 2}, 0.75f)));
}

TEST(FusedAttention, RowsThatSeeNoKeyAreNaNAsInTheComposedGraph) {
  // Causal with more queries than keys: query i sees keys j <= i - 3.
  auto q = random::normal({1, 1, 5, 4}), k = random::normal({1, 1, 2, 4}),
       v = random::normal({1, 1, 2, 3});
  auto fused = fast::scaled_dot_product_attention(q, k, v, 1.0f, "causal");
  auto composed = fast::scaled_dot_product_attention(astype(q, float64), astype(k, float64),
                                                     astype(v, float64), 1.0f, "causal");
  EXPECT_TRUE(all_close(fused, composed, 1e-5, 1e-6));
  EXPECT_TRUE(std::isnan(to_vector<float>(fused)[0]));
  EXPECT_FALSE(std::isnan(to_vector<float>(fused).back()));
  // No keys at all: an empty sum of values.
  auto empty =
      fast::scaled_dot_product_attention(q, zeros({1, 1, 0, 4}), zeros({1, 1, 0, 3}), 1.0f);
  EXPECT_TRUE(all_close(empty, zeros({1, 1, 5, 3})));
}

// The forward node evaluated inside the traced function: its lse sibling is
// gone by the time the gradient is taken, and the rule makes it again.
TEST(FusedAttention, GradientAfterTheForwardNodeRan) {
  auto q = random::normal({1, 2, 6, 4}), k = random::normal({1, 2, 6, 4}),
       v = random::normal({1, 2, 6, 3});
  auto loss = [](bool eval_inside) {
    return [=](const std::vector<array>& a) {
      auto o = fast::scaled_dot_product_attention(a[0], a[1], a[2], 0.5f, "causal");
      if (eval_inside) o.eval();
      return sum(square(o));
    };
  };
  auto inside = grad(loss(true), {0, 1, 2})({q, k, v});
  auto want =
      grad(loss(false), {0, 1, 2})({astype(q, float64), astype(k, float64), astype(v, float64)});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(all_close(inside[i], want[i], 1e-4, 1e-5)) << i;
}

constexpr double kF32Tol = 3e-3, kF32Eps = 1e-2;

TEST(FusedAttention, Float32GradientsFiniteDifferences) {
  // Gradients of q, k, v and of an additive mask (through the composed rule).
  auto q = random::normal({1, 2, 3, 4}, float32, random::key(1));
  auto k = random::normal({1, 1, 5, 4}, float32, random::key(2));
  auto v = random::normal({1, 1, 5, 3}, float32, random::key(3));
  auto m = random::normal({3, 5}, float32, random::key(4));
  check_grad(
      [](const std::vector<array>& a) {
        return fast::scaled_dot_product_attention(a[0], a[1], a[2], 0.5f, "", a[3]);
      },
      {q, k, v, m}, kF32Tol, kF32Eps);
  check_grad(
      [](const std::vector<array>& a) {
        return fast::scaled_dot_product_attention(a[0], a[1], a[2], 0.5f, "causal");
      },
      {q, k, v}, kF32Tol, kF32Eps);
}

// The gradient's own gradients and jvps, through AttentionGrad's rules.
TEST(FusedAttention, Float32SecondOrderGradients) {
  auto q = random::normal({1, 2, 3, 4}, float32, random::key(5));
  auto k = random::normal({1, 2, 4, 4}, float32, random::key(6));
  auto v = random::normal({1, 2, 4, 2}, float32, random::key(7));
  auto ct = random::normal({1, 2, 3, 2}, float32, random::key(8));
  auto grads = [](const array& q, const array& k, const array& v, const array& ct) {
    return vjp(
               [](const std::vector<array>& a) {
                 return std::vector<array>{
                     fast::scaled_dot_product_attention(a[0], a[1], a[2], 0.7f, "causal")};
               },
               {q, k, v}, {ct})
        .second;
  };
  EXPECT_STREQ(grads(q, k, v, ct)[1].primitive().name(), "AttentionGrad");
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    check_grad([&](const std::vector<array>& a) { return grads(a[0], a[1], a[2], a[3])[i]; },
               {q, k, v, ct}, kF32Tol, kF32Eps);
  }
}

TEST(FusedAttention, VmapMatchesEachExample) {
  auto q = random::normal({3, 1, 2, 6, 4}), k = random::normal({1, 2, 9, 4}),
       v = random::normal({3, 1, 2, 9, 5});
  auto f = [](const std::vector<array>& a) {
    return std::vector<array>{fast::scaled_dot_product_attention(a[0], a[1], a[2], 0.5f, "causal")};
  };
  auto batched = vmap(f, {0, -1, 0})({q, k, v})[0];
  EXPECT_EQ(batched.shape(), (Shape{3, 1, 2, 6, 5}));
  for (int i = 0; i < 3; ++i) {
    auto one = f({take(q, array(i), 0), k, take(v, array(i), 0)})[0];
    EXPECT_TRUE(all_close(take(batched, array(i), 0), one, 1e-5, 1e-6)) << i;
  }
  // Per-example gradients: vmap of the fused backward node.
  auto g = [&](const std::vector<array>& a) {
    return grad([&](const std::vector<array>& b) { return sum(f(b)[0]); }, {0, 1, 2})(a);
  };
  auto per_example = vmap(g, {0, -1, 0}, {0, 0, 0})({q, k, v});
  for (int i = 0; i < 3; ++i) {
    auto one = g({take(q, array(i), 0), k, take(v, array(i), 0)});
    for (int j = 0; j < 3; ++j) {
      EXPECT_TRUE(all_close(take(per_example[j], array(i), 0), one[j], 1e-4, 1e-5)) << i << j;
    }
  }
}

TEST(FusedAttention, Errors) {
  auto q = zeros({1, 2, 3, 4}), k = zeros({1, 1, 5, 4}), v = zeros({1, 1, 5, 3});
  EXPECT_THROW_MSG(fused_attention(q, k, v, zeros({1, 2, 3, 4}), 1.0f, false),
                   std::invalid_argument,
                   "[attention] mask must have shape (1,2,3,5) but has shape (1,2,3,4).");
  EXPECT_THROW_MSG(fused_attention(astype(q, float64), k, v, std::nullopt, 1.0f, false),
                   std::invalid_argument,
                   "[attention] queries, keys and values must be float32 but is float64.");
  EXPECT_THROW_MSG(
      fused_attention(q, zeros({1, 3, 5, 4}), zeros({1, 3, 5, 3}), std::nullopt, 1.0f, false),
      std::invalid_argument,
      "[attention] queries with shape (1,2,3,4), keys with shape (1,3,5,4) and "
      "values with shape (1,3,5,3) do not fit together.");
  auto outs = fused_attention(q, k, v, std::nullopt, 1.0f, false);
  EXPECT_THROW_MSG(fused_attention_grad(q, k, v, outs[0], outs[1], zeros({1, 2, 3, 4}),
                                        std::nullopt, 1.0f, false),
                   std::invalid_argument,
                   "[attention] The cotangent of o must have shape (1,2,3,3) but has shape "
                   "(1,2,3,4).");
}

}  // namespace
}  // namespace lmx::test
