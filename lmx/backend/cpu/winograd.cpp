// Winograd convolutions, F(4 x 4, 3 x 3) and F(2 x 2, 5 x 5) (winograd.h),
// compiled once per instruction set (isa_region.h).
//
// With d a 6 x 6 input tile, g an r x r window (r = 3 or 5) and the
// transforms below,
//   y = A^T [(G g G^T) . (B^T d B)] A
// is the m x m block of outputs over d (m = 7 - r; "." multiplies
// elementwise). Summed over input channels, the elementwise products become
// 36 matrix products, one per point xi of the 6 x 6 transformed tile:
//   M[xi] (tiles x O) = V[xi] (tiles x C) . U[xi] (C x O),
// with V the transformed input tiles and U the transformed windows. The two
// gradients are the adjoints of that formula:
//   dx tile = B [sum over o of U[xi][o] . (A dy A^T)[o]] B^T, overlapping
//             tiles added up;
//   dw = G^T [sum over tiles of (A dy A^T) . (B^T d B)] G,
// again 36 matrix products each: Z[xi] (tiles x O) . U[xi]^T (O x C) and
// Z[xi]^T (O x tiles) . V[xi] (tiles x C), Z the transformed gradients.
//
// Work goes in blocks of tiles whose transformed tiles and products stay in
// L2; the transforms run across channels (contiguous in NHWC), a vector
// register of channels at a time. The points are 0, +-1, +-2 and infinity
// for both window sizes (so B is shared); the float32 error stays within
// about ten times that of the direct sum, near 5e-6 of the largest output
// (checked against float64 in tests/core/test_conv.cpp).
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

// Points of a transformed (6 x 6) tile.
constexpr int64_t kPoints = 36;

}  // namespace lmx::cpu

#define LMX_WINOGRAD_KERNELS(ns)                                                                 \
  namespace lmx::cpu::ns {                                                                       \
  /* y = the convolution of x by the windows u, transformed: U[xi] at u + xi * c_in * ldu,       \
     (c_in x c_out) with row stride ldu. */                                                      \
  void winograd_forward(const WinogradShape& s, const float* x, const float* u, int64_t ldu,     \
                        float* y);                                                               \
  /* dx = the input gradient from dy and the windows transformed with U[xi] (c_out x c_in) at    \
     u + xi * c_out * ldu. */                                                                    \
  void winograd_input_grad(const WinogradShape& s, const float* dy, const float* u, int64_t ldu, \
                           float* dx);                                                           \
  /* m (36, c_out, c_in) = the weight gradient before its output transform. */                   \
  void winograd_weight_sums(const WinogradShape& s, const float* x, const float* dy, float* m);  \
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

// r = B v: six values to six (the adjoint of input_transform).
template <typename F>
LMX_KERNEL_INLINE void input_gradient_transform(const F v[6], F r[6]) {
  const F a = v[1] - v[2], b = v[3] - v[4], s = v[1] + v[2], t = v[3] + v[4];
  r[0] = 4.0f * v[0];
  r[1] = 4.0f * (v[5] - a) - 2.0f * b;
  r[2] = -5.0f * v[0] - 4.0f * s - t;
  r[3] = a + 2.0f * b - 5.0f * v[5];
  r[4] = v[0] + s + t;
  r[5] = v[5];
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

// Adds B dv B^T, the input gradient of one tile from its 36 transformed
// gradients (point xi of channel c at dv[xi * ds + c]), onto the rows
// [i0, i1) and columns [j0, j1) of the 6 x 6 block (element (i, j, c) at
// dst[(i - i0) * rs + (j - j0) * cs + c]); the rest falls outside the input.
template <typename F>
LMX_KERNEL_INLINE void input_gradient_tile_lanes(const float* dv, int64_t ds, float* dst,
                                                 int64_t rs, int64_t cs, int i0, int i1, int j0,
                                                 int j1) {
  F t[6][6];
  for (int j = 0; j < 6; ++j) {
    F col[6], r[6];
    for (int i = 0; i < 6; ++i) col[i] = load<F>(dv + (i * 6 + j) * ds);
    input_gradient_transform(col, r);
    for (int i = 0; i < 6; ++i) t[i][j] = r[i];
  }
  for (int i = i0; i < i1; ++i) {
    F r[6];
    input_gradient_transform(t[i], r);
    for (int j = j0; j < j1; ++j) {
      float* p = dst + (i - i0) * rs + (j - j0) * cs;
      store(p, load<F>(p) + r[j]);
    }
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
    if (hi > lo) {
      std::memcpy(dst + lo * c, src + ((n * h + y) * w + x0 + lo) * c,
                  sizeof(float) * size_t((hi - lo) * c));
    }
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
// point) fit kBlockFloats, in whole micro-kernel tiles of rows (8 where the
// products go to OpenBLAS).
int64_t block_tiles(const WinogradShape& s) {
  int64_t step = sgemm_tile().rows > 0 ? sgemm_tile().rows : 8;
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

// The input gradient as the adjoint of the forward pass: each output tile's
// gradients, transformed (A dy A^T), times the windows' transforms give the
// 36 points of its input tile's gradient, which B . B^T turns back into a
// 6 x 6 block added onto dx. It runs over the output's tiles, where a forward
// pass over dy padded by r - 1 would run over the input's: for the MNIST
// CNN's 8 x 8 -> 12 x 12 under a 5 x 5 window, 16 tiles an image against 36.
// Neighbouring tiles' blocks overlap (by 6 - M rows), so an image's tile rows
// go in bands of at least 6 - M rows of outputs: the even bands of every
// image first, in parallel, then the odd ones; no two tasks write the same
// element at once, and each element's sum is in the same order every run.
template <int M>
void input_grad(const WinogradShape& s, const float* dy, const float* u, int64_t ldu, float* dx) {
  const int64_t block = block_tiles(s), th = s.tiles_h(), tw = s.tiles_w();
  const int64_t z_stride = block * s.c_out, d_stride = block * s.c_in;
  const int64_t dx_size = s.batch * s.in_h * s.in_w * s.c_in;
  parallel_for(dx_size, kParallelGrain,
               [&](int64_t b, int64_t e) { std::fill(dx + b, dx + e, 0.0f); });
  // Adds the blocks of tiles [first, last), a block of tiles at a time.
  auto run = [&](int64_t first, int64_t last) {
    thread_local std::vector<float> scratch;
    scratch.resize(size_t(kPoints * (z_stride + d_stride) + M * M * s.c_out));
    float *z = scratch.data(), *dv = z + kPoints * z_stride, *patch = dv + kPoints * d_stride;
    for (int64_t t0 = first; t0 < last; t0 += block) {
      const int64_t count = std::min(block, last - t0);
      for (int64_t t = 0; t < count; ++t) {
        gradient_tile<M>(s, dy, t0 + t, patch, z + t * s.c_out, z_stride);
      }
      for (int64_t xi = 0; xi < kPoints; ++xi) {
        sgemm(false, false, count, s.c_in, s.c_out, 1.0f, z + xi * z_stride, s.c_out,
              u + xi * s.c_out * ldu, ldu, 0.0f, dv + xi * d_stride, s.c_in);
      }
      for (int64_t t = 0; t < count; ++t) {
        const TileAt at = tile_at(s, t0 + t);
        const int64_t y0 = at.oy + s.top, x0 = at.ox + s.left;
        const int i0 = int(std::clamp<int64_t>(-y0, 0, 6));
        const int i1 = int(std::clamp<int64_t>(s.in_h - y0, i0, 6));
        const int j0 = int(std::clamp<int64_t>(-x0, 0, 6));
        const int j1 = int(std::clamp<int64_t>(s.in_w - x0, j0, 6));
        if (i0 == i1 || j0 == j1) continue;
        float* dst = dx + ((at.n * s.in_h + y0 + i0) * s.in_w + x0 + j0) * s.c_in;
        for_each_lane_group(s.c_in, [&]<typename F>(int64_t k) {
          input_gradient_tile_lanes<F>(dv + t * s.c_in + k, d_stride, dst + k, s.in_w * s.c_in,
                                       s.c_in, i0, i1, j0, j1);
        });
      }
    }
  };
  const int64_t per_image = th * tw;
  if (per_image * 2 <= block) {
    // Small images: a task takes whole images, as many as fill a block (the
    // MNIST CNN's 16 tiles an image made products of 16 rows).
    const int64_t images = block / per_image, tasks = (s.batch + images - 1) / images;
    parallel_tasks(tasks, [&](int64_t task) {
      run(task * images * per_image, std::min(s.batch, (task + 1) * images) * per_image);
    });
    return;
  }
  const int64_t band = std::max<int64_t>(2, block / tw), bands = (th + band - 1) / band;
  for (int64_t parity = 0; parity < 2; ++parity) {
    const int64_t per_batch = (bands - parity + 1) / 2;
    parallel_tasks(s.batch * per_batch, [&](int64_t task) {
      const int64_t n = task / per_batch, b = 2 * (task % per_batch) + parity;
      run((n * th + b * band) * tw, (n * th + std::min(th, (b + 1) * band)) * tw);
    });
  }
}

}  // namespace

void winograd_forward(const WinogradShape& s, const float* x, const float* u, int64_t ldu,
                      float* y) {
  s.m == 4 ? forward<4>(s, x, u, ldu, y) : forward<2>(s, x, u, ldu, y);
}

void winograd_input_grad(const WinogradShape& s, const float* dy, const float* u, int64_t ldu,
                         float* dx) {
  s.m == 4 ? input_grad<4>(s, dy, u, ldu, dx) : input_grad<2>(s, dy, u, ldu, dx);
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

// U[xi] = (G w[o, :, :, c] G^T)[xi] for windows w (O, r, r, C), as
// (rows x cols) matrices with row stride ld: U[xi][c][o] for the forward
// pass, U[xi][o][c] for the input gradient (`by_output`). The transform runs
// in double: it is once per call, and its fractions (1/6, 1/24) are not
// exact in float.
std::vector<float> transform_windows(const float* w, int r, int64_t o_count, int64_t c_count,
                                     bool by_output, int64_t ld) {
  const WindowMatrix gm(r);
  int64_t rows = by_output ? o_count : c_count;
  std::vector<float> u(size_t(kPoints * rows * ld), 0.0f);
  for (int64_t o = 0; o < o_count; ++o) {
    for (int64_t c = 0; c < c_count; ++c) {
      double t[6][5] = {};  // G g
      for (int i = 0; i < 6; ++i) {
        for (int k = 0; k < r; ++k) {
          for (int j = 0; j < r; ++j)
            t[i][j] += gm.g[i][k] * w[((o * r + k) * r + j) * c_count + c];
        }
      }
      int64_t at = by_output ? o * ld + c : c * ld + o;
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

// The shape of convolution g whose input (or input gradient) is `in`
// (N, H, W, C) and whose output has c_out channels.
WinogradShape shape_of(const array& in, const WindowGeometry& g, int64_t c_out) {
  return {in.shape(0),
          in.shape(1),
          in.shape(2),
          in.shape(3),
          g.output[0],
          g.output[1],
          c_out,
          -int64_t(g.padding_lo[0]),
          -int64_t(g.padding_lo[1]),
          7 - int64_t(g.kernel[0])};
}

}  // namespace

bool winograd_serves(const WindowGeometry& g, int groups, int64_t c_in, int64_t c_out) {
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
  return true;
}

void winograd_convolution(const array& x, const array& w, const WindowGeometry& g, array& y) {
  int r = g.kernel[0];
  auto s = shape_of(x, g, w.shape(0));
  int64_t ld = window_ld(s.c_out);
  auto u = transform_windows(w.data<float>(), r, s.c_out, s.c_in, false, ld);
  LMX_ISA_CALL(winograd_forward, s, x.data<float>(), u.data(), ld, y.data<float>());
}

void winograd_input_grad(const array& dy, const array& w, const WindowGeometry& g, array& dx) {
  int r = g.kernel[0];
  auto s = shape_of(dx, g, dy.shape(3));
  int64_t ld = window_ld(s.c_in);
  auto u = transform_windows(w.data<float>(), r, s.c_out, s.c_in, true, ld);
  LMX_ISA_CALL(winograd_input_grad, s, dy.data<float>(), u.data(), ld, dx.data<float>());
}

void winograd_weight_grad(const array& x, const array& dy, const WindowGeometry& g, array& dw) {
  int r = g.kernel[0];
  auto s = shape_of(x, g, dy.shape(3));
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
