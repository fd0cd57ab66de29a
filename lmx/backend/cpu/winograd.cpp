// Winograd F(4 x 4, 3 x 3) convolutions (winograd.h), compiled once per
// instruction set (isa_region.h).
//
// With d a 6 x 6 input tile, g a 3 x 3 window and the transforms below,
//   y = A^T [(G g G^T) . (B^T d B)] A
// is the 4 x 4 block of outputs over d ("." multiplies elementwise). Summed
// over input channels, the elementwise products become 36 matrix products,
// one per point xi of the 6 x 6 transformed tile:
//   M[xi] (tiles x O) = V[xi] (tiles x C) . U[xi] (C x O),
// with V the transformed input tiles and U the transformed windows. The
// forward pass and the input gradient (a forward pass over dy with the
// windows flipped and their channels swapped) run that. The weight gradient
// is the adjoint of the same formula in g:
//   dw = G^T [sum over tiles of (A dy A^T) . (B^T d B)] G,
// 36 products Z[xi]^T (O x tiles) . V[xi] (tiles x C) summed over every tile.
//
// Work goes in blocks of tiles whose transformed inputs and products stay in
// L2; the transforms run across channels (contiguous in NHWC), a vector
// register of channels at a time. The points are 0, +-1, +-2 and infinity,
// whose float32 error stays near that of the direct sum (checked against
// float64 in tests/core/test_conv.cpp).
#include "lmx/backend/cpu/winograd.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "lmx/backend/cpu/isa.h"
#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/backend/cpu/sgemm.h"
#include "lmx/backend/cpu/thread_pool.h"

namespace lmx::cpu {

// One convolution of the Winograd kernels in their own terms: the input
// (N, in_h, in_w, c_in), the output (N, out_h, out_w, c_out), and the input
// row and column under output (0, 0)'s first tap (minus the padding; below
// zero reads padding, above it crops).
struct WinogradShape {
  int64_t batch, in_h, in_w, c_in, out_h, out_w, c_out;
  int64_t top, left;
  int64_t tiles_h() const { return (out_h + 3) / 4; }
  int64_t tiles_w() const { return (out_w + 3) / 4; }
  int64_t tiles() const { return batch * tiles_h() * tiles_w(); }
};

// Points of a transformed tile, and the sides of the tiles.
constexpr int64_t kPoints = 36;

}  // namespace lmx::cpu

#define LMX_WINOGRAD_KERNELS(ns)                                                                \
  namespace lmx::cpu::ns {                                                                      \
  /* y = the convolution of x by the windows u, transformed: U[xi] at u + xi * c_in * ldu,      \
     (c_in x c_out) with row stride ldu. */                                                     \
  void winograd_forward(const WinogradShape& s, const float* x, const float* u, int64_t ldu,    \
                        float* y);                                                              \
  /* m (36, c_out, c_in) = the weight gradient before its output transform. */                  \
  void winograd_weight_sums(const WinogradShape& s, const float* x, const float* dy, float* m); \
  }
LMX_FOR_EACH_ISA(LMX_WINOGRAD_KERNELS)
#undef LMX_WINOGRAD_KERNELS

// Last: the kernels below are compiled once per instruction set.
#include "lmx/backend/cpu/isa_region.h"

LMX_ISA_BEGIN

namespace {

// Channels per vector register of this set.
#if LMX_ISA_ID == 2
constexpr int kLanes = 16;
#elif LMX_ISA_ID == 1
constexpr int kLanes = 8;
#else
constexpr int kLanes = 4;
#endif
typedef float Lanes __attribute__((vector_size(4 * kLanes)));

// Floats of a block's transformed tiles and products together: 1 MB, the L2
// of a Zen 4 core (half an Emerald Rapids one). Against 512 KB, one thread of
// the Zen 4: 8x64x64x64 forward 10.1-11.9 -> 9.5-11.2 ms, 4x32x32x128 forward
// 6.5-7.1 -> 5.0-5.5 ms.
constexpr int64_t kBlockFloats = int64_t{1} << 18;

template <typename F>
LMX_KERNEL_INLINE F load(const float* p) {
  F v;
  std::memcpy(&v, p, sizeof(F));
  return v;
}

template <typename F>
LMX_KERNEL_INLINE void store(float* p, F v) {
  std::memcpy(p, &v, sizeof(F));
}

// r = B^T d for six values.
template <typename F>
LMX_KERNEL_INLINE void input_transform(const F d[6], F r[6]) {
  const F a = d[4] - 4.0f * d[2], b = d[3] - 4.0f * d[1];
  const F c = d[4] - d[2], e = 2.0f * (d[3] - d[1]);
  r[0] = 4.0f * d[0] - 5.0f * d[2] + d[4];
  r[1] = a + b;
  r[2] = a - b;
  r[3] = c + e;
  r[4] = c - e;
  r[5] = 4.0f * d[1] - 5.0f * d[3] + d[5];
}

// r = A^T m: six values to four.
template <typename F>
LMX_KERNEL_INLINE void output_transform(const F m[6], F r[4]) {
  const F s1 = m[1] + m[2], d1 = m[1] - m[2], s2 = m[3] + m[4], d2 = m[3] - m[4];
  r[0] = m[0] + s1 + s2;
  r[1] = d1 + 2.0f * d2;
  r[2] = s1 + 4.0f * s2;
  r[3] = d1 + 8.0f * d2 + m[5];
}

// r = A y: four values to six (the adjoint of output_transform).
template <typename F>
LMX_KERNEL_INLINE void gradient_transform(const F y[4], F r[6]) {
  const F s = y[0] + y[2], d = y[1] + y[3];
  const F s4 = y[0] + 4.0f * y[2], d2 = 2.0f * y[1] + 8.0f * y[3];
  r[0] = y[0];
  r[1] = s + d;
  r[2] = s - d;
  r[3] = s4 + d2;
  r[4] = s4 - d2;
  r[5] = y[3];
}

// Transforms one 6 x 6 tile of `channels` channels: element (i, j, c) at
// src[i * rs + j * cs + c], point xi of channel c to v[xi * xs + c].
template <typename F>
LMX_KERNEL_INLINE void input_tile_lanes(const float* src, int64_t rs, int64_t cs, float* v,
                                        int64_t xs) {
  F t[6][6];
  for (int j = 0; j < 6; ++j) {
    F d[6], r[6];
    for (int i = 0; i < 6; ++i) d[i] = load<F>(src + i * rs + j * cs);
    input_transform(d, r);
    for (int i = 0; i < 6; ++i) t[i][j] = r[i];
  }
  for (int i = 0; i < 6; ++i) {
    F r[6];
    input_transform(t[i], r);
    for (int j = 0; j < 6; ++j) store(v + (i * 6 + j) * xs, r[j]);
  }
}

// The same for a 4 x 4 tile of output gradients, to six by six.
template <typename F>
LMX_KERNEL_INLINE void gradient_tile_lanes(const float* src, int64_t rs, int64_t cs, float* z,
                                           int64_t zs) {
  F t[6][4];
  for (int j = 0; j < 4; ++j) {
    F y[4], r[6];
    for (int i = 0; i < 4; ++i) y[i] = load<F>(src + i * rs + j * cs);
    gradient_transform(y, r);
    for (int i = 0; i < 6; ++i) t[i][j] = r[i];
  }
  for (int i = 0; i < 6; ++i) {
    F r[6];
    gradient_transform(t[i], r);
    for (int j = 0; j < 6; ++j) store(z + (i * 6 + j) * zs, r[j]);
  }
}

// The 4 x 4 outputs of one tile from its 36 products (point xi of channel c
// at m[xi * ms + c]); only rows < rows and columns < cols are stored, to
// dst[i * rs + j * cs + c].
template <typename F>
LMX_KERNEL_INLINE void output_tile_lanes(const float* m, int64_t ms, float* dst, int64_t rs,
                                         int64_t cs, int rows, int cols) {
  F t[4][6];
  for (int j = 0; j < 6; ++j) {
    F col[6], r[4];
    for (int i = 0; i < 6; ++i) col[i] = load<F>(m + (i * 6 + j) * ms);
    output_transform(col, r);
    for (int i = 0; i < 4; ++i) t[i][j] = r[i];
  }
  for (int i = 0; i < rows; ++i) {
    F r[4];
    output_transform(t[i], r);
    for (int j = 0; j < cols; ++j) store(dst + i * rs + j * cs, r[j]);
  }
}

// Runs body(c, lanes) over channels [0, n): whole registers, then single
// channels.
template <typename F>
LMX_KERNEL_INLINE void for_each_lane_group(int64_t n, F&& body) {
  int64_t c = 0;
  for (; c + kLanes <= n; c += kLanes) body.template operator()<Lanes>(c);
  for (; c < n; ++c) body.template operator()<float>(c);
}

// A tile's image and first output row and column.
struct TileAt {
  int64_t n, oy, ox;
};

LMX_KERNEL_INLINE TileAt tile_at(const WinogradShape& s, int64_t tile) {
  int64_t per_image = s.tiles_h() * s.tiles_w();
  int64_t r = tile % per_image;
  return {tile / per_image, r / s.tiles_w() * 4, r % s.tiles_w() * 4};
}

// Copies the rows [y0, y0 + side) and columns [x0, x0 + side) of image n of
// an (N, h, w, c) array into patch (side, side, c), zeros outside the image.
void gather_patch(const float* src, int64_t h, int64_t w, int64_t c, int64_t n, int64_t y0,
                  int64_t x0, int side, float* patch) {
  for (int i = 0; i < side; ++i) {
    for (int j = 0; j < side; ++j) {
      float* dst = patch + (i * side + j) * c;
      int64_t y = y0 + i, x = x0 + j;
      if (y < 0 || y >= h || x < 0 || x >= w) {
        std::fill(dst, dst + c, 0.0f);
      } else {
        std::memcpy(dst, src + ((n * h + y) * w + x) * c, sizeof(float) * size_t(c));
      }
    }
  }
}

// Transforms the input tile of `tile` into v (point xi of channel c at
// v[xi * xs + c]); patch holds 36 * c_in floats for tiles that cross the
// input's edges.
void input_tile(const WinogradShape& s, const float* x, int64_t tile, float* patch, float* v,
                int64_t xs) {
  TileAt at = tile_at(s, tile);
  int64_t y0 = at.oy + s.top, x0 = at.ox + s.left, c = s.c_in;
  const float* src;
  int64_t rs;
  if (y0 >= 0 && x0 >= 0 && y0 + 6 <= s.in_h && x0 + 6 <= s.in_w) {
    src = x + ((at.n * s.in_h + y0) * s.in_w + x0) * c;
    rs = s.in_w * c;
  } else {
    gather_patch(x, s.in_h, s.in_w, c, at.n, y0, x0, 6, patch);
    src = patch;
    rs = 6 * c;
  }
  for_each_lane_group(
      c, [&]<typename F>(int64_t k) { input_tile_lanes<F>(src + k, rs, c, v + k, xs); });
}

// Transforms the output gradients of `tile` (dy is (N, out_h, out_w, c_out))
// into z as input_tile does; zeros stand in past the output's edges.
void gradient_tile(const WinogradShape& s, const float* dy, int64_t tile, float* patch, float* z,
                   int64_t zs) {
  TileAt at = tile_at(s, tile);
  int64_t c = s.c_out;
  const float* src;
  int64_t rs;
  if (at.oy + 4 <= s.out_h && at.ox + 4 <= s.out_w) {
    src = dy + ((at.n * s.out_h + at.oy) * s.out_w + at.ox) * c;
    rs = s.out_w * c;
  } else {
    gather_patch(dy, s.out_h, s.out_w, c, at.n, at.oy, at.ox, 4, patch);
    src = patch;
    rs = 4 * c;
  }
  for_each_lane_group(
      c, [&]<typename F>(int64_t k) { gradient_tile_lanes<F>(src + k, rs, c, z + k, zs); });
}

// Tiles per block: the most whose transformed tiles (c_in and c_out floats a
// point) fit kBlockFloats, in whole micro-kernel tiles of rows.
int64_t block_tiles(const WinogradShape& s) {
  int64_t step = std::max<int64_t>(sgemm_tile().rows, 8);
  int64_t fit = kBlockFloats / (kPoints * std::max<int64_t>(s.c_in + s.c_out, 1));
  return std::max(fit / step * step, step);
}

}  // namespace

void winograd_forward(const WinogradShape& s, const float* x, const float* u, int64_t ldu,
                      float* y) {
  const int64_t block = block_tiles(s), tiles = s.tiles();
  const int64_t v_stride = block * s.c_in, m_stride = block * s.c_out;
  parallel_tasks((tiles + block - 1) / block, [&](int64_t b) {
    // Kept between calls: fresh pages would be mapped and zeroed each time.
    thread_local std::vector<float> scratch;
    scratch.resize(size_t(kPoints * (v_stride + m_stride + s.c_in)));
    float *v = scratch.data(), *m = v + kPoints * v_stride, *patch = m + kPoints * m_stride;
    const int64_t t0 = b * block, count = std::min(block, tiles - t0);
    for (int64_t t = 0; t < count; ++t) input_tile(s, x, t0 + t, patch, v + t * s.c_in, v_stride);
    for (int64_t xi = 0; xi < kPoints; ++xi) {
      sgemm(false, false, count, s.c_out, s.c_in, 1.0f, v + xi * v_stride, s.c_in,
            u + xi * s.c_in * ldu, ldu, 0.0f, m + xi * m_stride, s.c_out);
    }
    for (int64_t t = 0; t < count; ++t) {
      TileAt at = tile_at(s, t0 + t);
      int rows = int(std::min<int64_t>(4, s.out_h - at.oy));
      int cols = int(std::min<int64_t>(4, s.out_w - at.ox));
      float* dst = y + ((at.n * s.out_h + at.oy) * s.out_w + at.ox) * s.c_out;
      for_each_lane_group(s.c_out, [&]<typename F>(int64_t k) {
        output_tile_lanes<F>(m + t * s.c_out + k, m_stride, dst + k, s.out_w * s.c_out, s.c_out,
                             rows, cols);
      });
    }
  });
}

void winograd_weight_sums(const WinogradShape& s, const float* x, const float* dy, float* m) {
  const int64_t block = block_tiles(s), tiles = s.tiles();
  const int64_t blocks = (tiles + block - 1) / block;
  const int64_t v_stride = block * s.c_in, z_stride = block * s.c_out;
  const int64_t size = kPoints * s.c_out * s.c_in;
  // Each range of blocks sums into its own partial; the partials are added in
  // the order of their ranges, so the result does not depend on which thread
  // ran which (two ranges a thread, so a late thread still finds one).
  const int64_t ranges = std::min<int64_t>(blocks, 2 * num_threads());
  // (A thread_local is each thread's own: the workers get its address.)
  thread_local std::vector<float> scratch;
  scratch.resize(size_t(ranges * size));
  float* partials = scratch.data();
  parallel_tasks(ranges, [&](int64_t r) {
    thread_local std::vector<float> buffers;
    buffers.resize(size_t(kPoints * (v_stride + z_stride + std::max(s.c_in, s.c_out))));
    float *v = buffers.data(), *z = v + kPoints * v_stride, *patch = z + kPoints * z_stride;
    float* acc = partials + r * size;
    std::fill(acc, acc + size, 0.0f);
    for (int64_t b = blocks * r / ranges; b < blocks * (r + 1) / ranges; ++b) {
      const int64_t t0 = b * block, count = std::min(block, tiles - t0);
      for (int64_t t = 0; t < count; ++t) {
        input_tile(s, x, t0 + t, patch, v + t * s.c_in, v_stride);
        gradient_tile(s, dy, t0 + t, patch, z + t * s.c_out, z_stride);
      }
      for (int64_t xi = 0; xi < kPoints; ++xi) {
        sgemm(true, false, s.c_out, s.c_in, count, 1.0f, z + xi * z_stride, s.c_out,
              v + xi * v_stride, s.c_in, 1.0f, acc + xi * s.c_out * s.c_in, s.c_in);
      }
    }
  });
  std::copy(partials, partials + size, m);
  for (int64_t r = 1; r < ranges; ++r) {
    const float* acc = partials + r * size;
    for (int64_t i = 0; i < size; ++i) m[i] += acc[i];
  }
}

LMX_ISA_END

#if LMX_ISA_ID == 0
namespace lmx::cpu {

namespace {

std::atomic<bool> winograd_enabled{[] {
  const char* env = std::getenv("LMX_WINOGRAD");
  return !(env && std::strcmp(env, "0") == 0);
}()};

// r = G g: three values to six.
void window_transform(const double g[3], double r[6]) {
  r[0] = g[0] / 4;
  r[1] = -(g[0] + g[1] + g[2]) / 6;
  r[2] = -(g[0] - g[1] + g[2]) / 6;
  r[3] = g[0] / 24 + g[1] / 12 + g[2] / 6;
  r[4] = g[0] / 24 - g[1] / 12 + g[2] / 6;
  r[5] = g[2];
}

// r = G^T m: six values to three (the adjoint of window_transform).
void window_gradient_transform(const double m[6], double r[3]) {
  r[0] = m[0] / 4 - (m[1] + m[2]) / 6 + (m[3] + m[4]) / 24;
  r[1] = (m[2] - m[1]) / 6 + (m[3] - m[4]) / 12;
  r[2] = (m[3] + m[4] - m[1] - m[2]) / 6 + m[5];
}

// U[xi] (rows x cols, row stride ld) for windows w (O, 3, 3, C): the forward
// pass's U[xi][c][o] from window (o, c), or, when `flipped`, the input
// gradient's U[xi][o][c] from window (o, c) turned by 180 degrees. The
// transform runs in double: it is once per call, and its fractions (1/6,
// 1/24) are not exact in float.
std::vector<float> transform_windows(const float* w, int64_t o_count, int64_t c_count, bool flipped,
                                     int64_t ld) {
  int64_t rows = flipped ? o_count : c_count;
  std::vector<float> u(size_t(kPoints * rows * ld), 0.0f);
  for (int64_t o = 0; o < o_count; ++o) {
    for (int64_t c = 0; c < c_count; ++c) {
      double g[3][3], t[6][3], r[6];
      for (int i = 0; i < 3; ++i) {
        for (int j = 0; j < 3; ++j) {
          int ii = flipped ? 2 - i : i, jj = flipped ? 2 - j : j;
          g[i][j] = w[((o * 3 + ii) * 3 + jj) * c_count + c];
        }
      }
      for (int j = 0; j < 3; ++j) {
        double col[3] = {g[0][j], g[1][j], g[2][j]};
        window_transform(col, r);
        for (int i = 0; i < 6; ++i) t[i][j] = r[i];
      }
      int64_t at = flipped ? o * ld + c : c * ld + o;
      for (int i = 0; i < 6; ++i) {
        window_transform(t[i], r);
        for (int j = 0; j < 6; ++j) u[size_t((i * 6 + j) * rows * ld + at)] = float(r[j]);
      }
    }
  }
  return u;
}

// A row stride for U's c_out columns off multiples of 256 bytes, at which a
// panel of B would fall in a quarter of L1's sets (sgemm.cpp).
int64_t window_ld(int64_t cols) {
  return cols % 64 == 0 ? cols + 16 : cols;
}

void forward(const WinogradShape& s, const float* x, const std::vector<float>& u, int64_t ldu,
             float* y) {
  LMX_ISA_CALL(winograd_forward, s, x, u.data(), ldu, y);
}

}  // namespace

bool winograd_serves(const WindowGeometry& g, int groups, int64_t c_in, int64_t c_out) {
  if (!winograd_enabled.load(std::memory_order_relaxed)) return false;
  if (g.input.size() != 2 || groups != 1) return false;
  for (size_t d = 0; d < 2; ++d) {
    if (g.kernel[d] != 3 || g.stride[d] != 1 || g.kernel_dilation[d] != 1 ||
        g.input_dilation[d] != 1 || g.output[d] < 1) {
      return false;
    }
  }
  return c_in >= 16 && c_out >= 16;
}

void winograd_convolution(const array& x, const array& w, const WindowGeometry& g, array& y) {
  WinogradShape s{x.shape(0),  g.input[0], g.input[1],       x.shape(3),      g.output[0],
                  g.output[1], w.shape(0), -g.padding_lo[0], -g.padding_lo[1]};
  int64_t ld = window_ld(s.c_out);
  forward(s, x.data<float>(), transform_windows(w.data<float>(), s.c_out, s.c_in, false, ld), ld,
          y.data<float>());
}

// The input gradient is the forward pass over dy (padded by 2 - padding on
// each side) with the windows turned and their channels swapped.
void winograd_input_grad(const array& dy, const array& w, const WindowGeometry& g, array& dx) {
  WinogradShape s{dy.shape(0), g.output[0], g.output[1],         dy.shape(3),        g.input[0],
                  g.input[1],  dx.shape(3), g.padding_lo[0] - 2, g.padding_lo[1] - 2};
  int64_t ld = window_ld(s.c_out);
  forward(s, dy.data<float>(), transform_windows(w.data<float>(), s.c_in, s.c_out, true, ld), ld,
          dx.data<float>());
}

void winograd_weight_grad(const array& x, const array& dy, const WindowGeometry& g, array& dw) {
  WinogradShape s{x.shape(0),  g.input[0],  g.input[1],       x.shape(3),      g.output[0],
                  g.output[1], dy.shape(3), -g.padding_lo[0], -g.padding_lo[1]};
  std::vector<float> m(size_t(kPoints * s.c_out * s.c_in));
  LMX_ISA_CALL(winograd_weight_sums, s, x.data<float>(), dy.data<float>(), m.data());
  // dw[o, :, :, c] = G^T M[:, o, c] G.
  float* out = dw.data<float>();
  const int64_t plane = s.c_out * s.c_in;
  for (int64_t o = 0; o < s.c_out; ++o) {
    for (int64_t c = 0; c < s.c_in; ++c) {
      double t[3][6], r[3];
      for (int j = 0; j < 6; ++j) {
        double col[6];
        for (int i = 0; i < 6; ++i) col[i] = m[size_t((i * 6 + j) * plane + o * s.c_in + c)];
        window_gradient_transform(col, r);
        for (int i = 0; i < 3; ++i) t[i][j] = r[i];
      }
      for (int i = 0; i < 3; ++i) {
        window_gradient_transform(t[i], r);
        for (int j = 0; j < 3; ++j) out[((o * 3 + i) * 3 + j) * s.c_in + c] = float(r[j]);
      }
    }
  }
}

void set_winograd_enabled(bool enabled) {
  winograd_enabled.store(enabled, std::memory_order_relaxed);
}

}  // namespace lmx::cpu
#endif  // LMX_ISA_ID == 0
