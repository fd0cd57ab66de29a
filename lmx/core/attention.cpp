// The fused attention nodes: building them, and their gradient rules. The
// first-order vjp of Attention is AttentionGrad, which recomputes the
// probabilities block by block from the saved logsumexp; everything else
// (jvp, higher orders, the mask's gradient) differentiates the same function
// written as a graph of core ops, composed_attention.
#include "lmx/core/attention.h"

#include <algorithm>
#include <limits>

#include "lmx/core/ops_common.h"
#include "lmx/core/transforms.h"

namespace lmx {

namespace {

constexpr const char* kWho = "attention";

void check_float32(const array& a, const char* what) {
  if (a.dtype() != float32) fail(kWho, what, " must be float32 but is ", a.dtype(), ".");
}

void check_shape(const array& a, const Shape& want, const char* what) {
  if (a.shape() != want) {
    fail(kWho, what, " must have shape ", want, " but has shape ", a.shape(), ".");
  }
}

// Checks q, k, v (and the mask) and returns the outputs' shapes {o, lse}.
std::vector<Shape> forward_shapes(const array& q, const array& k, const array& v,
                                  const std::optional<array>& mask) {
  for (auto* a : {&q, &k, &v}) {
    check_float32(*a, "queries, keys and values");
    if (a->ndim() != 4) {
      fail(kWho, "queries, keys and values must be (B, H, L, D); got shapes ", q.shape(), ", ",
           k.shape(), " and ", v.shape(), ".");
    }
  }
  int batch = q.shape(0), heads = q.shape(1), length = q.shape(2), kv_heads = k.shape(1);
  if (k.shape(0) != batch || v.shape(0) != batch || v.shape(1) != kv_heads ||
      v.shape(2) != k.shape(2) || k.shape(3) != q.shape(3) || kv_heads == 0 ||
      heads % kv_heads != 0) {
    fail(kWho, "queries with shape ", q.shape(), ", keys with shape ", k.shape(),
         " and values with shape ", v.shape(), " do not fit together.");
  }
  if (mask) {
    check_float32(*mask, "mask");
    check_shape(*mask, {batch, heads, length, k.shape(2)}, "mask");
  }
  return {{batch, heads, length, v.shape(3)}, {batch, heads, length}};
}

std::vector<array> make_attention_nodes(std::shared_ptr<Primitive> p, std::vector<Shape> shapes,
                                        std::vector<array> inputs) {
  std::vector<Dtype> dtypes(shapes.size(), float32);
  return array::make_arrays(std::move(shapes), dtypes, p, inputs);
}

std::optional<array> mask_of(const std::vector<array>& inputs, size_t position) {
  if (inputs.size() > position) return inputs[position];
  return std::nullopt;
}

}  // namespace

std::vector<array> composed_attention(const array& q, const array& k, const array& v,
                                      const std::optional<array>& mask, float scale, bool causal,
                                      const std::optional<array>& sinks, StreamOrDevice s) {
  int batch = q.shape(0), heads = q.shape(1), length = q.shape(2), dim = q.shape(3);
  int kv_heads = k.shape(1), src = k.shape(2), rep = heads / kv_heads;
  auto dtype = q.dtype();
  // Grouped heads share a key/value head: fold the repeats into the query axis.
  auto qs = reshape(multiply(q, array(scale, dtype), s), {batch, kv_heads, rep * length, dim}, s);
  auto scores = reshape(matmul(qs, swapaxes(k, -1, -2, s), s), {batch, heads, length, src}, s);
  if (causal) {
    auto qi = reshape(arange(src - length, src, s), {length, 1}, s);
    auto kj = reshape(arange(0, src, s), {1, src}, s);
    scores = where(greater_equal(qi, kj, s), scores,
                   array(-std::numeric_limits<float>::infinity(), dtype), s);
  }
  if (mask) scores = add(scores, *mask, s);
  if (sinks) {
    auto sink = broadcast_to(reshape(astype(*sinks, dtype, s), {1, heads, 1, 1}, s),
                             {batch, heads, length, 1}, s);
    scores = concatenate({sink, scores}, -1, s);
  }
  auto lse = logsumexp(scores, -1, false, s);
  auto p = softmax(scores, -1, true, s);
  if (sinks) p = slice(p, {0, 0, 0, 1}, p.shape(), s);
  p = reshape(p, {batch, kv_heads, rep * length, src}, s);
  auto o = reshape(matmul(p, v, s), {batch, heads, length, v.shape(3)}, s);
  return {o, lse};
}

std::vector<array> fused_attention(const array& q, const array& k, const array& v,
                                   const std::optional<array>& mask, float scale, bool causal,
                                   StreamOrDevice s) {
  auto shapes = forward_shapes(q, k, v, mask);
  std::vector<array> inputs{q, k, v};
  if (mask) inputs.push_back(*mask);
  return make_attention_nodes(std::make_shared<Attention>(to_stream(s), scale, causal),
                              std::move(shapes), std::move(inputs));
}

std::vector<array> fused_attention_grad(const array& q, const array& k, const array& v,
                                        const array& o, const array& lse, const array& d_o,
                                        const std::optional<array>& mask, float scale, bool causal,
                                        StreamOrDevice s) {
  auto shapes = forward_shapes(q, k, v, mask);
  for (auto* a : {&o, &lse, &d_o}) check_float32(*a, "the outputs and their cotangent");
  check_shape(o, shapes[0], "o");
  check_shape(lse, shapes[1], "lse");
  check_shape(d_o, shapes[0], "The cotangent of o");
  std::vector<array> inputs{q, k, v, o, lse, d_o};
  if (mask) inputs.push_back(*mask);
  return make_attention_nodes(std::make_shared<AttentionGrad>(to_stream(s), scale, causal),
                              {q.shape(), k.shape(), v.shape()}, std::move(inputs));
}

bool AttentionBase::is_equivalent(const Primitive& o) const {
  auto& p = static_cast<const AttentionBase&>(o);
  return scale_ == p.scale_ && causal_ == p.causal_;
}

// Primals {q, k, v[, mask]}; outputs {o, lse}. lse is read only by
// AttentionGrad, whose rules give it no cotangent, so only o's counts.
std::vector<array> Attention::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents,
                                  const std::vector<int>& argnums,
                                  const std::vector<array>& outputs) {
  auto s = stream();
  auto d_o = astype(cotangents[0], float32, s);
  auto mask = mask_of(primals, 3);
  std::vector<array> qkv;
  if (std::any_of(argnums.begin(), argnums.end(), [](int a) { return a < 3; })) {
    // lse freed after this node ran (vjp brings it back for nodes not yet
    // evaluated): the forward pass is made again for it.
    auto fwd = outputs;
    if (!fwd[1].has_primitive() && !fwd[1].has_data()) {
      fwd = fused_attention(primals[0], primals[1], primals[2], mask, scale_, causal_, s);
    }
    qkv = fused_attention_grad(primals[0], primals[1], primals[2], fwd[0], fwd[1], d_o, mask,
                               scale_, causal_, s);
  }
  std::vector<array> out;
  for (int a : argnums) {
    if (a < 3) {
      out.push_back(qkv[a]);
      continue;
    }
    auto of_mask = [&](const std::vector<array>& m) {
      return std::vector<array>{
          composed_attention(primals[0], primals[1], primals[2], m[0], scale_, causal_, {}, s)[0]};
    };
    out.push_back(lmx::vjp(of_mask, {*mask}, {d_o}).second[0]);
  }
  return out;
}

std::vector<array> Attention::jvp(const std::vector<array>& primals,
                                  const std::vector<array>& tangents,
                                  const std::vector<int>& argnums) {
  auto s = stream();
  auto f = [&](const std::vector<array>& x) {
    return composed_attention(x[0], x[1], x[2], mask_of(x, 3), scale_, causal_, {}, s);
  };
  return lmx::jvp(f, primals, tangents_for_all(primals, tangents, argnums, s)).second;
}

namespace {

// {dq, dk, dv} of the composed graph as a function of {q, k, v, do[, mask]}:
// what AttentionGrad computes, for its own derivatives. o and lse are
// functions of q, k and v, so the derivatives through them are part of
// these; their own inputs of AttentionGrad get none.
std::function<std::vector<array>(const std::vector<array>&)> composed_grad(float scale, bool causal,
                                                                           const Stream& s) {
  return [=](const std::vector<array>& x) {
    auto mask = mask_of(x, 4);
    auto o = [&](const std::vector<array>& y) {
      return std::vector<array>{
          composed_attention(y[0], y[1], y[2], mask, scale, causal, {}, s)[0]};
    };
    return lmx::vjp(o, {x[0], x[1], x[2]}, {x[3]}).second;
  };
}

// AttentionGrad's inputs {q, k, v, o, lse, do[, mask]} without o and lse.
std::vector<array> without_outputs(const std::vector<array>& x) {
  std::vector<array> out{x[0], x[1], x[2], x[5]};
  if (x.size() > 6) out.push_back(x[6]);
  return out;
}

}  // namespace

std::vector<array> AttentionGrad::vjp(const std::vector<array>& primals,
                                      const std::vector<array>& cotangents,
                                      const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  std::vector<array> cts;
  for (auto& c : cotangents) cts.push_back(astype(c, float32, s));
  auto back = lmx::vjp(composed_grad(scale_, causal_, s), without_outputs(primals), cts).second;
  std::vector<array> out;
  for (int a : argnums) {
    out.push_back(a < 3 ? back[a] : a < 5 ? zeros_like(primals[a], s) : back[a - 2]);
  }
  return out;
}

std::vector<array> AttentionGrad::jvp(const std::vector<array>& primals,
                                      const std::vector<array>& tangents,
                                      const std::vector<int>& argnums) {
  auto s = stream();
  auto all = tangents_for_all(primals, tangents, argnums, s);
  return lmx::jvp(composed_grad(scale_, causal_, s), without_outputs(primals), without_outputs(all))
      .second;
}

}  // namespace lmx
