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
// The tiles are m x m blocks of outputs: m = 4 for 3 x 3 windows, 2 for 5 x 5
// ones (F(2 x 2, 5 x 5)), so every input tile is 6 x 6.
struct WinogradShape {
  int64_t batch, in_h, in_w, c_in, out_h, out_w, c_out;
  int64_t top, left;
  int64_t m;
  int64_t tiles_h() const { return (out_h + m - 1) / m; }
  int64_t tiles_w() const { return (out_w + m - 1) / m; }
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

// r = A^T m: six values to the M outputs (4 or 2).
template <int M, typename F>
LMX_KERNEL_INLINE void output_transform(const F m[6], F r[M]) {
  const F s1 = m[1] + m[2], d1 = m[1] - m[2], s2 = m[3] + m[4], d2 = m[3] - m[4];
  r[0] = m[0] + s1 + s2;
  if constexpr (M == 4) {
    r[1] = d1 + 2.0f * d2;
    r[2] = s1 + 4.0f * s2;
    r[3] = d1 + 8.0f * d2 + m[5];
  } else {
    r[1] = d1 + 2.0f * d2 + m[5];
  }
}

// r = A y: M values to six (the adjoint of output_transform).
template <int M, typename F>
LMX_KERNEL_INLINE void gradient_transform(const F y[M], F r[6]) {
  if constexpr (M == 4) {
    const F s = y[0] + y[2], d = y[1] + y[3];
    const F s4 = y[0] + 4.0f * y[2], d2 = 2.0f * y[1] + 8.0f * y[3];
    r[1] = s + d;
    r[2] = s - d;
    r[3] = s4 + d2;
    r[4] = s4 - d2;
  } else {
    const F d2 = 2.0f * y[1];
    r[1] = y[0] + y[1];
    r[2] = y[0] - y[1];
    r[3] = y[0] + d2;
    r[4] = y[0] - d2;
  }
  r[0] = y[0];
  r[5] = y[M - 1];
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

// The same for an M x M tile of output gradients, to six by six.
template <int M, typename F>
LMX_KERNEL_INLINE void gradient_tile_lanes(const float* src, int64_t rs, int64_t cs, float* z,
                                           int64_t zs) {
  F t[6][M];
  for (int j = 0; j < M; ++j) {
    F y[M], r[6];
    for (int i = 0; i < M; ++i) y[i] = load<F>(src + i * rs + j * cs);
    gradient_transform<M>(y, r);
    for (int i = 0; i < 6; ++i) t[i][j] = r[i];
  }
  for (int i = 0; i < 6; ++i) {
    F r[6];
    gradient_transform<M>(t[i], r);
    for (int j = 0; j < 6; ++j) store(z + (i * 6 + j) * zs, r[j]);
  }
}

// The M x M outputs of one tile from its 36 products (point xi of channel c
// at m[xi * ms + c]); only rows < rows and columns < cols are stored, to
// dst[i * rs + j * cs + c].
template <int M, typename F>
LMX_KERNEL_INLINE void output_tile_lanes(const float* m, int64_t ms, float* dst, int64_t rs,
                                         int64_t cs, int rows, int cols) {
  F t[M][6];
  for (int j = 0; j < 6; ++j) {
    F col[6], r[M];
    for (int i = 0; i < 6; ++i) col[i] = load<F>(m + (i * 6 + j) * ms);
    output_transform<M>(col, r);
    for (int i = 0; i < M; ++i) t[i][j] = r[i];
  }
  for (int i = 0; i < rows; ++i) {
    F r[M];
    output_transform<M>(t[i], r);
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
  return {tile / per_image, r / s.tiles_w() * s.m, r % s.tiles_w() * s.m};
}

// Copies the rows [y0, y0 + side) and columns [x0, x0 + side) of image n of
// an (N, h, w, c) array into patch (side, side, c), zeros outside the image.
// A row's columns inside the image are one run of memory (channels last):
// one copy per row, where a copy per pixel made the input gradient of a
// padded 5 x 5 window (most of whose tiles cross an edge) slower than the
// unfolded product.
void gather_patch(const float* src, int64_t h, int64_t w, int64_t c, int64_t n, int64_t y0,
                  int64_t x0, int side, float* patch) {
  const int64_t lo = std::clamp<int64_t>(-x0, 0, side), hi = std::clamp<int64_t>(w - x0, lo, side);
  for (int i = 0; i < side; ++i) {
    float* dst = patch + i * side * c;
    const int64_t y = y0 + i;
    if (y < 0 || y >= h) {
      std::fill(dst, dst + side * c, 0.0f);
      continue;
    }
    std::fill(dst, dst + lo * c, 0.0f);
    std::memcpy(dst + lo * c, src + ((n * h + y) * w + x0 + lo) * c,
                sizeof(float) * size_t((hi - lo) * c));
    std::fill(dst + hi * c, dst + side * c, 0.0f);
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
template <int M>
void gradient_tile(const WinogradShape& s, const float* dy, int64_t tile, float* patch, float* z,
                   int64_t zs) {
  TileAt at = tile_at(s, tile);
  int64_t c = s.c_out;
  const float* src;
  int64_t rs;
  if (at.oy + M <= s.out_h && at.ox + M <= s.out_w) {
    src = dy + ((at.n * s.out_h + at.oy) * s.out_w + at.ox) * c;
    rs = s.out_w * c;
  } else {
    gather_patch(dy, s.out_h, s.out_w, c, at.n, at.oy, at.ox, M, patch);
    src = patch;
    rs = M * c;
  }
  for_each_lane_group(
      c, [&]<typename F>(int64_t k) { gradient_tile_lanes<M, F>(src + k, rs, c, z + k, zs); });
}

// Tiles per block: the most whose transformed tiles (c_in and c_out floats a
// point) fit kBlockFloats, in whole micro-kernel tiles of rows.
int64_t block_tiles(const WinogradShape& s) {
  int64_t step = std::max<int64_t>(sgemm_tile().rows, 8);
  int64_t fit = kBlockFloats / (kPoints * std::max<int64_t>(s.c_in + s.c_out, 1));
  return std::max(fit / step * step, step);
}

template <int M>
void forward(const WinogradShape& s, const float* x, const float* u, int64_t ldu, float* y) {
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
      int rows = int(std::min<int64_t>(M, s.out_h - at.oy));
      int cols = int(std::min<int64_t>(M, s.out_w - at.ox));
      float* dst = y + ((at.n * s.out_h + at.oy) * s.out_w + at.ox) * s.c_out;
      for_each_lane_group(s.c_out, [&]<typename F>(int64_t k) {
        output_tile_lanes<M, F>(m + t * s.c_out + k, m_stride, dst + k, s.out_w * s.c_out, s.c_out,
                                rows, cols);
      });
    }
  });
}

template <int M>
void weight_sums(const WinogradShape& s, const float* x, const float* dy, float* m) {
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
        gradient_tile<M>(s, dy, t0 + t, patch, z + t * s.c_out, z_stride);
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

}  // namespace

void winograd_forward(const WinogradShape& s, const float* x, const float* u, int64_t ldu,
                      float* y) {
  s.m == 4 ? forward<4>(s, x, u, ldu, y) : forward<2>(s, x, u, ldu, y);
}

void winograd_weight_sums(const WinogradShape& s, const float* x, const float* dy, float* m) {
  s.m == 4 ? weight_sums<4>(s, x, dy, m) : weight_sums<2>(s, x, dy, m);
}

LMX_ISA_END

#if LMX_ISA_ID == 0
namespace lmx::cpu {

namespace {

std::atomic<bool> winograd_enabled{[] {
  const char* env = std::getenv("LMX_WINOGRAD");
  return !(env && std::strcmp(env, "0") == 0);
}()};

// G (6 x r, r = 3 or 5): row i holds the powers 0..r-1 of point p_i of 0, 1,
// -1, 2, -2, scaled by the interpolation's factor s_i; the point at infinity
// (row 5) keeps only the highest power. With these, B^T above is the same
// for every r, and A^T (in output_transform) holds the points' powers 0..m-1.
struct WindowMatrix {
  double g[6][5] = {};
  int r;
  explicit WindowMatrix(int r_) : r(r_) {
    const double points[5] = {0, 1, -1, 2, -2},
                 scale[5] = {1.0 / 4, -1.0 / 6, -1.0 / 6, 1.0 / 24, 1.0 / 24};
    for (int i = 0; i < 5; ++i) {
      double power = 1;
      for (int j = 0; j < r; ++j, power *= points[i]) g[i][j] = scale[i] * power;
    }
    g[5][r - 1] = 1;
  }
};

// U[xi] (rows x cols, row stride ld) for windows w (O, r, r, C): the forward
// pass's U[xi][c][o] = (G w[o, :, :, c] G^T)[xi], or, when `flipped`, the
// input gradient's U[xi][o][c] from window (o, c) turned by 180 degrees. The
// transform runs in double: it is once per call, and its fractions (1/6,
// 1/24) are not exact in float.
std::vector<float> transform_windows(const float* w, int r, int64_t o_count, int64_t c_count,
                                     bool flipped, int64_t ld) {
  const WindowMatrix gm(r);
  int64_t rows = flipped ? o_count : c_count;
  std::vector<float> u(size_t(kPoints * rows * ld), 0.0f);
  for (int64_t o = 0; o < o_count; ++o) {
    for (int64_t c = 0; c < c_count; ++c) {
      double t[6][5] = {};  // G g
      for (int i = 0; i < 6; ++i) {
        for (int k = 0; k < r; ++k) {
          for (int j = 0; j < r; ++j) {
            int kk = flipped ? r - 1 - k : k, jj = flipped ? r - 1 - j : j;
            t[i][j] += gm.g[i][k] * w[((o * r + kk) * r + jj) * c_count + c];
          }
        }
      }
      int64_t at = flipped ? o * ld + c : c * ld + o;
      for (int i = 0; i < 6; ++i) {
        for (int j = 0; j < 6; ++j) {
          double v = 0;
          for (int k = 0; k < r; ++k) v += t[i][k] * gm.g[j][k];
          u[size_t((i * 6 + j) * rows * ld + at)] = float(v);
        }
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

// The shape of a pass over `in` (N, h, w, c_in) to (N, out_h, out_w, c_out)
// whose first tap of output (0, 0) falls on input row `top`, column `left`.
WinogradShape shape_of(const array& in, int64_t out_h, int64_t out_w, int64_t c_out, int64_t top,
                       int64_t left, int r) {
  return {in.shape(0), in.shape(1), in.shape(2), in.shape(3), out_h,
          out_w,       c_out,       top,         left,        7 - r};
}

void forward(const WinogradShape& s, const float* x, const std::vector<float>& u, int64_t ldu,
             float* y) {
  LMX_ISA_CALL(winograd_forward, s, x, u.data(), ldu, y);
}

}  // namespace

bool winograd_serves(ConvPass pass, const WindowGeometry& g, int groups, int64_t c_in,
                     int64_t c_out) {
  if (!winograd_enabled.load(std::memory_order_relaxed)) return false;
  if (g.input.size() != 2 || groups != 1 || c_in < 16 || c_out < 16) return false;
  const int r = g.kernel[0];
  if (g.kernel[1] != r || (r != 3 && r != 5)) return false;
  for (size_t d = 0; d < 2; ++d) {
    if (g.stride[d] != 1 || g.kernel_dilation[d] != 1 || g.input_dilation[d] != 1 ||
        g.output[d] < 1) {
      return false;
    }
  }
  if (pass != ConvPass::input_grad) return true;
  // The input gradient runs over the input's extent, which is the output's
  // padded by r - 1 on each side less the padding: on a small image under a
  // 5 x 5 window it has more tiles than the output has positions to spare
  // (the MNIST CNN's 8 x 8 -> 12 x 12: 36 tiles of 36 products against 64
  // positions of 25, a fifth fewer multiply-adds, and slower than the
  // unfolded product once the transforms are paid). Taken when it does
  // under half the unfolded product's.
  const int64_t m = 7 - r;
  const int64_t tiles = ((g.input[0] + m - 1) / m) * ((g.input[1] + m - 1) / m);
  return 2 * tiles * kPoints < int64_t(g.output[0]) * g.output[1] * r * r;
}

void winograd_convolution(const array& x, const array& w, const WindowGeometry& g, array& y) {
  int r = g.kernel[0];
  auto s = shape_of(x, g.output[0], g.output[1], w.shape(0), -g.padding_lo[0], -g.padding_lo[1], r);
  int64_t ld = window_ld(s.c_out);
  forward(s, x.data<float>(), transform_windows(w.data<float>(), r, s.c_out, s.c_in, false, ld), ld,
          y.data<float>());
}

// The input gradient is the forward pass over dy (padded by r - 1 - padding
// on each side) with the windows turned and their channels swapped.
void winograd_input_grad(const array& dy, const array& w, const WindowGeometry& g, array& dx) {
  int r = g.kernel[0];
  auto s = shape_of(dy, g.input[0], g.input[1], dx.shape(3), g.padding_lo[0] - (r - 1),
                    g.padding_lo[1] - (r - 1), r);
  int64_t ld = window_ld(s.c_out);
  forward(s, dy.data<float>(), transform_windows(w.data<float>(), r, s.c_in, s.c_out, true, ld), ld,
          dx.data<float>());
}

void winograd_weight_grad(const array& x, const array& dy, const WindowGeometry& g, array& dw) {
  int r = g.kernel[0];
  auto s =
      shape_of(x, g.output[0], g.output[1], dy.shape(3), -g.padding_lo[0], -g.padding_lo[1], r);
  std::vector<float> m(size_t(kPoints * s.c_out * s.c_in));
  LMX_ISA_CALL(winograd_weight_sums, s, x.data<float>(), dy.data<float>(), m.data());
  // dw[o, :, :, c] = G^T M[:, o, c] G.
  const WindowMatrix gm(r);
  float* out = dw.data<float>();
  const int64_t plane = s.c_out * s.c_in;
  for (int64_t o = 0; o < s.c_out; ++o) {
    for (int64_t c = 0; c < s.c_in; ++c) {
      double t[5][6] = {};  // G^T M
      for (int k = 0; k < 6; ++k) {
        for (int j = 0; j < 6; ++j) {
          double v = m[size_t((k * 6 + j) * plane + o * s.c_in + c)];
          for (int i = 0; i < r; ++i) t[i][j] += gm.g[k][i] * v;
        }
      }
      for (int i = 0; i < r; ++i) {
        for (int j = 0; j < r; ++j) {
          double v = 0;
          for (int k = 0; k < 6; ++k) v += t[i][k] * gm.g[k][j];
          out[((o * r + i) * r + j) * s.c_in + c] = float(v);
        }
      }
    }
  }
}

void set_winograd_enabled(bool enabled) {
  winograd_enabled.store(enabled, std::memory_order_relaxed);
}

}  // namespace lmx::cpu
#endif  // LMX_ISA_ID == 0
