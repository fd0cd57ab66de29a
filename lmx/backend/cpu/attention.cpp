// The fused float32 attention (primitives.h: Attention, AttentionGrad), after
// FlashAttention (Dao et al., 2022): scores are made a block of queries
// against a block of keys at a time in a per-thread buffer that stays in
// cache, so the (L, S) matrix of every head is never written whole.
//
// Forward: each task takes a block of queries of one head and walks the
// visible blocks of keys with an online softmax (a running maximum and sum
// per row; the output rows are rescaled when the maximum grows), then
// normalises and keeps each row's logsumexp. Backward: each task takes one
// key/value head of one image (with every query head that shares it, so no
// two tasks write the same rows) and, for each block of keys, recomputes the
// probabilities of every block of queries that sees them from the saved
// logsumexp:
//   dv += p^T do,  dp = do v^T,  ds = p * (dp - rowsum(do * o)),
//   dq += scale ds k,  dk += scale ds^T q.
// Every product runs on lmx's sgemm for the calling thread. Under a causal
// mask, blocks of keys that no query of a block sees are skipped.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "lmx/backend/cpu/fast_exp.h"
#include "lmx/backend/cpu/isa.h"
#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/backend/cpu/sgemm.h"
#include "lmx/backend/cpu/thread_pool.h"
#include "lmx/core/primitives.h"

namespace lmx::cpu {

// A (B, H, rows, cols) float32 operand whose rows have unit stride: element
// (b, h, i, c) is at data[b * sb + h * sh + i * sr + c].
struct Heads {
  const float* data = nullptr;
  int64_t sb = 0, sh = 0, sr = 0;
  const float* at(int64_t b, int64_t h) const { return data + b * sb + h * sh; }
};

// The additive mask, (B, Hq, L, S) at any strides (broadcast views have
// zeros); data is null without one.
struct MaskView {
  const float* data = nullptr;
  int64_t sb = 0, sh = 0, si = 0, sj = 0;
};

struct AttentionArgs {
  int64_t batch, heads, kv_heads, length, src, dim, vdim;
  float scale;
  bool causal;
  Heads q, k, v;
  MaskView mask;
};

}  // namespace lmx::cpu

#define LMX_ATTENTION_KERNELS(ns)                                                   \
  namespace lmx::cpu::ns {                                                          \
  void attention_forward(const AttentionArgs& a, float* o, float* lse);             \
  void attention_backward(const AttentionArgs& a, const Heads& o, const float* lse, \
                          const Heads& d_o, float* dq, float* dk, float* dv);       \
  }
LMX_FOR_EACH_ISA(LMX_ATTENTION_KERNELS)
#undef LMX_ATTENTION_KERNELS

// Last: the kernels below are compiled once per instruction set.
#include "lmx/backend/cpu/isa_region.h"

LMX_ISA_BEGIN

namespace {

// A leading dimension for sgemm: BLAS requires at least 1.
LMX_KERNEL_INLINE int64_t ld(int64_t n) {
  return n > 1 ? n : 1;
}

// Queries and keys of one block in the forward pass, and of both in the
// backward pass (two 64 x 64 buffers there, 64 x 256 here: 64 KB).
constexpr int64_t kForwardRows = 64, kForwardKeys = 256, kBackwardBlock = 64;
constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

// Adds the mask to one row of scores of query i, keys [j0, j0 + n), and hides
// the keys that a causal mask hides from it (j > i + shift).
LMX_KERNEL_INLINE void mask_row(const AttentionArgs& a, int64_t b, int64_t h, int64_t i, int64_t j0,
                                int64_t n, float* row) {
  if (a.mask.data) {
    const float* m = a.mask.data + b * a.mask.sb + h * a.mask.sh + i * a.mask.si + j0 * a.mask.sj;
    if (a.mask.sj == 1) {
      for (int64_t j = 0; j < n; ++j) row[j] += m[j];
    } else {
      for (int64_t j = 0; j < n; ++j) row[j] += m[j * a.mask.sj];
    }
  }
  if (a.causal) {
    int64_t visible = std::clamp<int64_t>(i + (a.src - a.length) + 1 - j0, 0, n);
    std::fill(row + visible, row + n, kMinusInf);
  }
}

LMX_KERNEL_INLINE float row_max(const float* x, int64_t n) {
  float acc[8] = {kMinusInf, kMinusInf, kMinusInf, kMinusInf,
                  kMinusInf, kMinusInf, kMinusInf, kMinusInf};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    for (int t = 0; t < 8; ++t) acc[t] = x[j + t] > acc[t] ? x[j + t] : acc[t];
  }
  for (; j < n; ++j) acc[0] = x[j] > acc[0] ? x[j] : acc[0];
  float m = acc[0];
  for (int t = 1; t < 8; ++t) m = acc[t] > m ? acc[t] : m;
  return m;
}

LMX_KERNEL_INLINE void scale_row(float* x, int64_t n, float s) {
  for (int64_t j = 0; j < n; ++j) x[j] *= s;
}

}  // namespace

void attention_forward(const AttentionArgs& a, float* o, float* lse) {
  int64_t rep = a.heads / a.kv_heads, shift = a.src - a.length;
  int64_t blocks = (a.length + kForwardRows - 1) / kForwardRows;
  parallel_tasks(a.batch * a.heads * blocks, [&](int64_t t) {
    int64_t b = t / (a.heads * blocks), h = (t / blocks) % a.heads;
    int64_t i0 = (t % blocks) * kForwardRows, rows = std::min(kForwardRows, a.length - i0);
    thread_local std::vector<float> buffer;
    buffer.resize(kForwardRows * kForwardKeys + 2 * kForwardRows);
    float* scores = buffer.data();
    float* row_m = scores + kForwardRows * kForwardKeys;
    float* row_l = row_m + kForwardRows;
    std::fill(row_m, row_m + rows, kMinusInf);
    std::fill(row_l, row_l + rows, 0.0f);
    const float* q = a.q.at(b, h) + i0 * a.q.sr;
    const float* k = a.k.at(b, h / rep);
    const float* v = a.v.at(b, h / rep);
    float* out = o + ((b * a.heads + h) * a.length + i0) * a.vdim;
    std::fill(out, out + rows * a.vdim, 0.0f);
    // Keys the block's last query sees (exclusive).
    int64_t end = a.causal ? std::clamp<int64_t>(i0 + rows + shift, 0, a.src) : a.src;
    for (int64_t j0 = 0; j0 < end; j0 += kForwardKeys) {
      int64_t n = std::min(kForwardKeys, end - j0);
      ::lmx::cpu::sgemm(false, true, rows, n, a.dim, a.scale, q, ld(a.q.sr), k + j0 * a.k.sr,
                        ld(a.k.sr), 0.0f, scores, kForwardKeys);
      for (int64_t r = 0; r < rows; ++r) {
        float* row = scores + r * kForwardKeys;
        mask_row(a, b, h, i0 + r, j0, n, row);
        float m = std::max(row_m[r], row_max(row, n));
        if (m == kMinusInf) {  // nothing seen yet: no probability mass
          std::fill(row, row + n, 0.0f);
          continue;
        }
        float alpha = exp_approx(row_m[r] - m);  // 0 for the first keys seen
        row_l[r] = row_l[r] * alpha + exp_shifted(row, m, row, n);
        if (alpha != 1.0f) scale_row(out + r * a.vdim, a.vdim, alpha);
        row_m[r] = m;
      }
      ::lmx::cpu::sgemm(false, false, rows, a.vdim, n, 1.0f, scores, kForwardKeys, v + j0 * a.v.sr,
                        ld(a.v.sr), 1.0f, out, ld(a.vdim));
    }
    float* l_out = lse + (b * a.heads + h) * a.length + i0;
    for (int64_t r = 0; r < rows; ++r) {
      // A row that sees no key is 0 / 0, as softmax over -inf scores is.
      scale_row(out + r * a.vdim, a.vdim, 1.0f / row_l[r]);
      l_out[r] = row_m[r] + std::log(row_l[r]);
    }
  });
}

void attention_backward(const AttentionArgs& a, const Heads& o, const float* lse, const Heads& d_o,
                        float* dq, float* dk, float* dv) {
  constexpr int64_t kB = kBackwardBlock;
  int64_t rep = a.heads / a.kv_heads, shift = a.src - a.length;
  parallel_tasks(a.batch * a.kv_heads, [&](int64_t t) {
    int64_t b = t / a.kv_heads, g = t % a.kv_heads;
    thread_local std::vector<float> buffer;
    buffer.resize(2 * kB * kB + a.length);
    float* p = buffer.data();
    float* ds = p + kB * kB;
    float* delta = ds + kB * kB;  // rowsum(do * o) of every query
    const float* k = a.k.at(b, g);
    const float* v = a.v.at(b, g);
    float* dk_h = dk + (b * a.kv_heads + g) * a.src * a.dim;
    float* dv_h = dv + (b * a.kv_heads + g) * a.src * a.vdim;
    std::fill(dk_h, dk_h + a.src * a.dim, 0.0f);
    std::fill(dv_h, dv_h + a.src * a.vdim, 0.0f);
    for (int64_t h = g * rep; h < (g + 1) * rep; ++h) {
      const float* q = a.q.at(b, h);
      const float* go = d_o.at(b, h);
      const float* l = lse + (b * a.heads + h) * a.length;
      float* dq_h = dq + (b * a.heads + h) * a.length * a.dim;
      std::fill(dq_h, dq_h + a.length * a.dim, 0.0f);
      const float* oh = o.at(b, h);
      for (int64_t i = 0; i < a.length; ++i) {
        const float* x = go + i * d_o.sr;
        const float* y = oh + i * o.sr;
        float s = 0.0f;
        for (int64_t c = 0; c < a.vdim; ++c) s += x[c] * y[c];
        delta[i] = s;
      }
      for (int64_t j0 = 0; j0 < a.src; j0 += kB) {
        int64_t n = std::min(kB, a.src - j0);
        // The first query that sees key j0.
        int64_t first = a.causal ? std::clamp<int64_t>(j0 - shift, 0, a.length) : 0;
        for (int64_t i0 = first; i0 < a.length; i0 += kB) {
          int64_t rows = std::min(kB, a.length - i0);
          const float* qi = q + i0 * a.q.sr;
          const float* goi = go + i0 * d_o.sr;
          ::lmx::cpu::sgemm(false, true, rows, n, a.dim, a.scale, qi, ld(a.q.sr), k + j0 * a.k.sr,
                            ld(a.k.sr), 0.0f, p, kB);
          for (int64_t r = 0; r < rows; ++r) {
            float* row = p + r * kB;
            mask_row(a, b, h, i0 + r, j0, n, row);
            exp_shifted(row, l[i0 + r], row, n);
          }
          ::lmx::cpu::sgemm(true, false, n, a.vdim, rows, 1.0f, p, kB, goi, ld(d_o.sr), 1.0f,
                            dv_h + j0 * a.vdim, ld(a.vdim));
          ::lmx::cpu::sgemm(false, true, rows, n, a.vdim, 1.0f, goi, ld(d_o.sr), v + j0 * a.v.sr,
                            ld(a.v.sr), 0.0f, ds, kB);
          for (int64_t r = 0; r < rows; ++r) {
            float* dsr = ds + r * kB;
            const float* pr = p + r * kB;
            float d = delta[i0 + r];
            for (int64_t j = 0; j < n; ++j) dsr[j] = pr[j] * (dsr[j] - d);
          }
          ::lmx::cpu::sgemm(false, false, rows, a.dim, n, a.scale, ds, kB, k + j0 * a.k.sr,
                            ld(a.k.sr), 1.0f, dq_h + i0 * a.dim, ld(a.dim));
          ::lmx::cpu::sgemm(true, false, n, a.dim, rows, a.scale, ds, kB, qi, ld(a.q.sr), 1.0f,
                            dk_h + j0 * a.dim, ld(a.dim));
        }
      }
    }
  });
}

LMX_ISA_END

#if LMX_ISA_ID == 0
namespace lmx {

namespace {

// The operand as Heads: in place when its rows have unit stride (a
// transposed (B, L, H, D) view does), else a row-contiguous copy kept alive
// in `keep`.
cpu::Heads heads_of(const array& in, std::vector<array>& keep) {
  // Rows must not overlap either (a view broadcast along the rows has stride
  // 0 there): BLAS takes a row stride of at least the row length.
  bool unit_rows = in.shape(3) <= 1 || in.strides()[3] == 1;
  bool apart = in.shape(2) <= 1 || in.strides()[2] >= std::max(in.shape(3), 1);
  keep.push_back(unit_rows && apart ? in : cpu::ensure_row_contiguous(in));
  auto& st = keep.back().strides();
  return {keep.back().data<float>(), st[0], st[1], st[2]};
}

cpu::AttentionArgs attention_args(const std::vector<array>& inputs, size_t mask_at, float scale,
                                  bool causal, std::vector<array>& keep) {
  const array &q = inputs[0], &k = inputs[1], &v = inputs[2];
  cpu::AttentionArgs a{q.shape(0), q.shape(1),        k.shape(1),        q.shape(2),
                       k.shape(2), q.shape(3),        v.shape(3),        scale,
                       causal,     heads_of(q, keep), heads_of(k, keep), heads_of(v, keep),
                       {}};
  if (inputs.size() > mask_at) {
    auto& m = inputs[mask_at];
    auto& st = m.strides();
    a.mask = {m.data<float>(), st[0], st[1], st[2], st[3]};
  }
  return a;
}

}  // namespace

void Attention::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  for (auto& out : outputs) cpu::allocate(out);
  std::vector<array> keep;
  auto a = attention_args(inputs, 3, scale_, causal_, keep);
  float* o = outputs[0].data<float>();
  float* lse = outputs[1].data<float>();
  if (a.src == 0) {  // no keys: an empty sum of values, as the composed graph gives
    std::fill(o, o + outputs[0].size(), 0.0f);
    std::fill(lse, lse + outputs[1].size(), -std::numeric_limits<float>::infinity());
    return;
  }
  if (outputs[1].size() == 0) return;
  LMX_ISA_CALL(attention_forward, a, o, lse);
}

void AttentionGrad::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  for (auto& out : outputs) cpu::allocate(out);
  std::vector<array> keep;
  auto a = attention_args(inputs, 6, scale_, causal_, keep);
  auto o = heads_of(inputs[3], keep);
  auto d_o = heads_of(inputs[5], keep);
  array lse = cpu::ensure_row_contiguous(inputs[4]);
  float* dq = outputs[0].data<float>();
  float* dk = outputs[1].data<float>();
  float* dv = outputs[2].data<float>();
  if (a.length == 0 || a.src == 0) {
    for (auto& out : outputs) std::fill(out.data<float>(), out.data<float>() + out.size(), 0.0f);
    return;
  }
  LMX_ISA_CALL(attention_backward, a, o, lse.data<float>(), d_o, dq, dk, dv);
}

}  // namespace lmx
#endif  // LMX_ISA_ID == 0
