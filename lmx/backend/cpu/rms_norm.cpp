// The fused RMS normalisation (primitives.h: RmsNorm, RmsNormGrad): each row
// is read once for its mean square and once more for the output, in cache
// (the composed graph wrote the squares, the statistics broadcast back and
// two products as arrays of x's size, and twice as many for the gradient).
#include <algorithm>
#include <cmath>
#include <vector>

#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/core/primitives.h"

namespace lmx {

namespace {

// sum(a[i] * b[i]) in eight lanes, which compilers keep in vector registers
// (one running float sum would be a chain they may not reorder).
float dot(const float* a, const float* b, int64_t n) {
  float lanes[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) lanes[k] += a[i + k] * b[i + k];
  }
  float total = 0.0f;
  for (; i < n; ++i) total += a[i] * b[i];
  for (float v : lanes) total += v;
  return total;
}

// 1 / sqrt(mean(x^2) + eps) of a row, as the composed graph rounds it.
float inverse_rms(const float* x, int64_t n, float eps) {
  return 1.0f / std::sqrt(dot(x, x, n) / static_cast<float>(n) + eps);
}

// One row of RmsNormGrad (below): dx, and dy * xhat added to acc. The
// pointers never overlap; saying so lets the loops vectorise (with seven
// float pointers GCC gave up on checking for overlap at run time).
void grad_row(const float* __restrict x, const float* __restrict dy, const float* __restrict w,
              int64_t n, float eps, float* __restrict xhat, float* __restrict g,
              float* __restrict acc, float* __restrict dx) {
  const float inv = inverse_rms(x, n, eps);
  for (int64_t j = 0; j < n; ++j) {
    xhat[j] = x[j] * inv;
    g[j] = dy[j] * w[j];
    acc[j] += dy[j] * xhat[j];
  }
  const float mean_gx = dot(g, xhat, n) / static_cast<float>(n);
  for (int64_t j = 0; j < n; ++j) dx[j] = inv * (g[j] - xhat[j] * mean_gx);
}

}  // namespace

void RmsNorm::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  array x = cpu::ensure_row_contiguous(inputs[0]);
  array w = cpu::ensure_row_contiguous(inputs[1]);
  array& out = outputs[0];
  cpu::allocate(out);
  const int64_t n = x.shape(-1);
  if (x.size() == 0) return;
  const int64_t rows = static_cast<int64_t>(x.size()) / n;
  const float *px = x.data<float>(), *pw = w.data<float>();
  float* po = out.data<float>();
  cpu::parallel_for(rows, std::max<int64_t>(1, cpu::kParallelGrain / n),
                    [&](int64_t r0, int64_t r1) {
                      for (int64_t r = r0; r < r1; ++r) {
                        const float* xr = px + r * n;
                        float* o = po + r * n;
                        const float inv = inverse_rms(xr, n, eps_);
                        for (int64_t j = 0; j < n; ++j) o[j] = xr[j] * inv * pw[j];
                      }
                    });
}

// With xhat = x * inv and g = dy * w:
//   dx = inv * (g - xhat * mean(g * xhat)),   dw = sum over rows of dy * xhat.
// dw is summed per block of rows, then the blocks in order: the same result
// on any number of threads.
void RmsNormGrad::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  array x = cpu::ensure_row_contiguous(inputs[0]);
  array w = cpu::ensure_row_contiguous(inputs[1]);
  array dy = cpu::ensure_row_contiguous(inputs[2]);
  for (auto& o : outputs) cpu::allocate(o);
  const int64_t n = x.shape(-1);
  float* dw = outputs[1].data<float>();
  std::fill(dw, dw + n, 0.0f);
  if (x.size() == 0) return;
  const int64_t rows = static_cast<int64_t>(x.size()) / n;
  const float *px = x.data<float>(), *pw = w.data<float>(), *pg = dy.data<float>();
  float* dx = outputs[0].data<float>();
  const int64_t rows_per_block = std::max<int64_t>(1, cpu::kParallelGrain / (4 * n));
  const int64_t blocks = (rows + rows_per_block - 1) / rows_per_block;
  std::vector<float> partial(static_cast<size_t>(blocks * n), 0.0f);
  cpu::parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
    std::vector<float> g(n), xhat(n);
    for (int64_t b = b0; b < b1; ++b) {
      for (int64_t r = b * rows_per_block; r < std::min(rows, (b + 1) * rows_per_block); ++r) {
        grad_row(px + r * n, pg + r * n, pw, n, eps_, xhat.data(), g.data(), partial.data() + b * n,
                 dx + r * n);
      }
    }
  });
  for (int64_t b = 0; b < blocks; ++b) {
    const float* acc = partial.data() + b * n;
    for (int64_t j = 0; j < n; ++j) dw[j] += acc[j];
  }
}

}  // namespace lmx
