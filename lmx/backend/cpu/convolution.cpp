// The fused float32 convolutions (primitives.h): forward, input gradient and
// weight gradient as products of the unfolded input that is never written
// whole. Each works through tiles of output positions of one image: a tile's
// patches are copied into a buffer of about kTileFloats floats (it stays in
// L2 while the tile is multiplied), or, for the input gradient, a tile of
// patch gradients is made there and added back onto the input. Tiles are
// spread over the pool; each product runs on lmx's sgemm for the calling
// thread.
//
// A pointwise window (1 tap, stride 1, no padding or dilation) needs no copy:
// the input rows are the patches, and the products read them in place.
#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/backend/cpu/sgemm.h"
#include "lmx/backend/cpu/window_tables.h"
#include "lmx/backend/cpu/winograd.h"
#include "lmx/core/primitives.h"

namespace lmx {

namespace {

// Floats in one tile's patch buffer: 128 KB, a quarter of the L2 of the
// smallest cores lmx targets, leaving room for the weights' panel.
constexpr int64_t kTileFloats = int64_t{1} << 15;
// A chunk of tiles for one thread holds at least this many multiply-adds.
constexpr int64_t kChunkWork = int64_t{1} << 18;

// Sizes of one convolution, for every kernel below.
struct ConvSizes {
  cpu::Tables t;
  int64_t batch, c_in, c_out, groups, c_group, o_group;
  int64_t taps, k;     // taps of a window; k = taps * c_group, a patch's length
  int64_t positions;   // output positions of one image
  int64_t input_rows;  // input positions of one image
  int64_t tile_rows;   // output positions of one tile
  int64_t tiles;       // tiles of one image
  bool pointwise;

  ConvSizes(const WindowGeometry& g, int groups_, int64_t batch_, int64_t c_in_, int64_t c_out_)
      : t(cpu::make_tables(g)), batch(batch_), c_in(c_in_), c_out(c_out_), groups(groups_) {
    c_group = c_in / groups;
    o_group = c_out / groups;
    taps = t.window();
    k = taps * c_group;
    positions = t.positions();
    input_rows = t.input_rows();
    pointwise = true;
    for (size_t i = 0; i < g.kernel.size(); ++i) {
      pointwise = pointwise && g.kernel[i] == 1 && g.stride[i] == 1 && g.padding_lo[i] == 0 &&
                  g.padding_hi[i] == 0 && g.input_dilation[i] == 1;
    }
    // Whole micro-kernel tiles of positions: AVX2's 6-row tiles in steps of 8
    // left a 2-row tile per 56 positions, at a third of the kernel's speed
    // (conv 8x64x64x64 3x3 on one thread: 96.5-98.4 -> 95.3-96.5 ms).
    int64_t step = cpu::sgemm_tile().rows > 0 ? cpu::sgemm_tile().rows : 8;
    tile_rows = std::max<int64_t>(kTileFloats / std::max<int64_t>(k, 1) / step * step, step);
    tile_rows = std::min(tile_rows, std::max<int64_t>(positions, 1));
    tiles = (positions + tile_rows - 1) / tile_rows;
  }

  // Tiles per chunk of parallel work.
  int64_t grain() const {
    int64_t work = std::max<int64_t>(tile_rows * k * o_group * groups, 1);
    return std::max<int64_t>(1, kChunkWork / work);
  }
};

// Runs body(begin, end, block) over the items [0, items) cut into blocks of
// at least `grain` items, up to four per thread, each claimed by whichever
// thread of the pool is free (a thread slowed by other work still finds
// some). Returns the number of blocks.
template <typename F>
int64_t for_each_block(int64_t items, int64_t grain, F&& body) {
  if (items <= 0) return 0;
  int64_t blocks =
      std::clamp<int64_t>(items / std::max<int64_t>(grain, 1), 1, int64_t{4} * cpu::num_threads());
  int64_t size = (items + blocks - 1) / blocks;
  blocks = (items + size - 1) / size;
  cpu::parallel_tasks(blocks,
                      [&](int64_t i) { body(i * size, std::min(items, (i + 1) * size), i); });
  return blocks;
}

// The calling thread's patch buffer for one tile, kept between calls: a
// fresh 128 KB allocation per tile would be a fresh mapping (glibc maps
// blocks of this size), and the kernel would zero its pages every time.
float* tile_buffer(const ConvSizes& s) {
  thread_local std::vector<float> buffer;
  size_t n = static_cast<size_t>(s.tile_rows * s.k);
  if (buffer.size() < n) buffer.resize(n);
  return buffer.data();
}

// dst[0, n) = src[0, n) for short runs (a tap row of a few channels), without
// a call to memcpy per run: whole 8-float blocks, then 4, 2 and 1.
inline void copy_floats(float* dst, const float* src, int64_t n) {
  if (n >= 32) {
    std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
    return;
  }
  for (; n >= 8; n -= 8, dst += 8, src += 8) std::memcpy(dst, src, 8 * sizeof(float));
  if (n & 4) std::memcpy(dst, src, 4 * sizeof(float)), dst += 4, src += 4;
  if (n & 2) std::memcpy(dst, src, 2 * sizeof(float)), dst += 2, src += 2;
  if (n & 1) *dst = *src;
}

// Calls run(dst_offset, row, r2) for each (position, tap0, tap1) of output
// positions [p0, p1): the patch floats from dst_offset (relative to the
// tile) take taps (tap0, tap1, 0..taps2) of the input row `row` (in units of
// input positions; -1 where tap0 or tap1 falls on padding), whose third
// coordinates r2 gives (-1: padding). Unlike cpu::for_each_tap, the innermost
// taps are the caller's loop, which keeps single-channel windows (an MNIST
// convolution's first layer) from paying a call per float.
template <typename F>
void for_each_tap_row(const ConvSizes& s, int64_t p0, int64_t p1, F&& run) {
  const cpu::Tables& t = s.t;
  int64_t offset = 0;
  // The position's coordinates, counted up rather than divided out.
  int o2 = static_cast<int>(p0 % t.out[2]);
  int o1 = static_cast<int>((p0 / t.out[2]) % t.out[1]);
  int o0 = static_cast<int>(p0 / (int64_t(t.out[2]) * t.out[1]));
  for (int64_t p = p0; p < p1; ++p) {
    const int* r0 = &t.index[0][size_t(o0) * t.taps[0]];
    const int* r1 = &t.index[1][size_t(o1) * t.taps[1]];
    const int* r2 = &t.index[2][size_t(o2) * t.taps[2]];
    for (int k0 = 0; k0 < t.taps[0]; ++k0) {
      for (int k1 = 0; k1 < t.taps[1]; ++k1) {
        bool ok = r0[k0] >= 0 && r1[k1] >= 0;
        int64_t row = ok ? (int64_t(r0[k0]) * t.in[1] + r1[k1]) * t.in[2] : -1;
        run(offset, row, r2);
        offset += t.taps[2] * s.c_group;
      }
    }
    if (++o2 == t.out[2]) {
      o2 = 0;
      if (++o1 == t.out[1]) o1 = 0, ++o0;
    }
  }
}

// Copies channels [c0, c0 + c_group) of the patches of output positions
// [p0, p1) of one image into dst, one patch of s.k floats per position.
void unfold_tile(const ConvSizes& s, const float* image, int64_t p0, int64_t p1, int64_t c0,
                 float* dst) {
  int64_t cg = s.c_group, taps2 = s.t.taps[2];
  const float* base = image + c0;
  for_each_tap_row(s, p0, p1, [&](int64_t offset, int64_t row, const int* r2) {
    float* d = dst + offset;
    if (row < 0) {
      std::fill(d, d + taps2 * cg, 0.0f);
      return;
    }
    const float* src = base + row * s.c_in;
    // Without groups, taps over consecutive input columns are one run of
    // memory (no padding or dilation under this row of taps).
    if (cg == s.c_in && r2[0] >= 0 && r2[taps2 - 1] - r2[0] == taps2 - 1) {
      copy_floats(d, src + int64_t(r2[0]) * cg, taps2 * cg);
      return;
    }
    if (cg == 1) {
      for (int64_t k = 0; k < taps2; ++k) d[k] = r2[k] >= 0 ? src[int64_t(r2[k]) * s.c_in] : 0.0f;
      return;
    }
    for (int64_t k = 0; k < taps2; ++k, d += cg) {
      if (r2[k] < 0) {
        std::fill(d, d + cg, 0.0f);
      } else {
        copy_floats(d, src + int64_t(r2[k]) * s.c_in, cg);
      }
    }
  });
}

// Calls run(len, col, r0, r1, r2) for each run of output positions of
// [p0, p1) along one output row: len positions from tile column col, whose
// tap tables r0, r1 (the outer two axes, one entry per tap) are shared by
// the run and r2 holds position j's innermost taps at r2[j * taps2].
template <typename F>
void for_each_output_run(const ConvSizes& s, int64_t p0, int64_t p1, F&& run) {
  const cpu::Tables& t = s.t;
  for (int64_t p = p0; p < p1;) {
    const int o2 = static_cast<int>(p % t.out[2]);
    const int o1 = static_cast<int>((p / t.out[2]) % t.out[1]);
    const int o0 = static_cast<int>(p / (int64_t(t.out[2]) * t.out[1]));
    const int64_t len = std::min<int64_t>(t.out[2] - o2, p1 - p);
    run(len, p - p0, &t.index[0][size_t(o0) * t.taps[0]], &t.index[1][size_t(o1) * t.taps[1]],
        &t.index[2][size_t(o2) * t.taps[2]]);
    p += len;
  }
}

// With one channel per group (an image's first convolution, a depthwise
// one) a patch row is a single float per tap, and copying patches position by
// position costs a call per tap row of a few floats. Transposed, the tile is
// (k, p1 - p0): row t holds tap t of every position, and along an output row
// a tap of a stride-1 window reads consecutive inputs, so each (tap, output
// row) is one run. Taps falling on padding are zeros.
void unfold_tile_transposed(const ConvSizes& s, const float* image, int64_t p0, int64_t p1,
                            int64_t c0, float* dst) {
  const cpu::Tables& t = s.t;
  const int64_t len = p1 - p0, taps2 = t.taps[2];
  const float* base = image + c0;
  for_each_output_run(
      s, p0, p1, [&](int64_t run, int64_t col, const int* r0, const int* r1, const int* r2) {
        float* row_out = dst + col;
        for (int k0 = 0; k0 < t.taps[0]; ++k0) {
          for (int k1 = 0; k1 < t.taps[1]; ++k1) {
            const bool inside = r0[k0] >= 0 && r1[k1] >= 0;
            const int64_t row = inside ? (int64_t(r0[k0]) * t.in[1] + r1[k1]) * t.in[2] : 0;
            const float* src = base + row * s.c_in;
            for (int64_t k2 = 0; k2 < taps2; ++k2, row_out += len) {
              if (!inside) {
                std::fill(row_out, row_out + run, 0.0f);
                continue;
              }
              const int first = r2[k2], last = r2[(run - 1) * taps2 + k2];
              if (s.c_in == 1 && first >= 0 && last - first == run - 1) {
                std::memcpy(row_out, src + first, size_t(run) * sizeof(float));
                continue;
              }
              for (int64_t j = 0; j < run; ++j) {
                const int c = r2[j * taps2 + k2];
                row_out[j] = c >= 0 ? src[int64_t(c) * s.c_in] : 0.0f;
              }
            }
          }
        }
      });
}

// The patches of group g of output positions [p0, p1) of one image as a
// matrix: (positions, k) at `data` with row stride `ld`, or its transpose
// (k, positions) when `transposed`.
struct Patches {
  const float* data;
  int64_t ld;
  bool transposed;
};

// The input rows in place for a pointwise window, else unfolded into buf
// (transposed with one channel per group).
Patches tile_patches(const ConvSizes& s, const float* image, int64_t p0, int64_t p1, int64_t g,
                     float* buf) {
  if (s.pointwise) {
    return {image + p0 * s.c_in + g * s.c_group, std::max<int64_t>(s.c_in, 1), false};
  }
  if (s.c_group == 1) {
    unfold_tile_transposed(s, image, p0, p1, g, buf);
    return {buf, std::max<int64_t>(p1 - p0, 1), true};
  }
  unfold_tile(s, image, p0, p1, g * s.c_group, buf);
  return {buf, std::max<int64_t>(s.k, 1), false};
}

// to[0, n) += from[0, n); the restrict pointers let GCC vectorise it without
// a run-time overlap check (the loop ran at about a float per cycle).
inline void add_floats(float* __restrict to, const float* __restrict from, int64_t n) {
  for (int64_t i = 0; i < n; ++i) to[i] += from[i];
}

// Adds the patch gradients of positions [p0, p1) in src onto channels
// [c0, c0 + c_group) of one image's input gradient.
void fold_tile(const ConvSizes& s, const float* src, int64_t p0, int64_t p1, int64_t c0,
               float* image) {
  int64_t cg = s.c_group, taps2 = s.t.taps[2];
  float* base = image + c0;
  for_each_tap_row(s, p0, p1, [&](int64_t offset, int64_t row, const int* r2) {
    if (row < 0) return;
    const float* from = src + offset;
    float* dst = base + row * s.c_in;
    if (cg == s.c_in && r2[0] >= 0 && r2[taps2 - 1] - r2[0] == taps2 - 1) {
      add_floats(dst + int64_t(r2[0]) * cg, from, taps2 * cg);
      return;
    }
    if (cg == 1) {
      for (int64_t k = 0; k < taps2; ++k) {
        if (r2[k] >= 0) dst[int64_t(r2[k]) * s.c_in] += from[k];
      }
      return;
    }
    for (int64_t k = 0; k < taps2; ++k, from += cg) {
      if (r2[k] < 0) continue;
      add_floats(dst + int64_t(r2[k]) * s.c_in, from, cg);
    }
  });
}

// The adjoint of unfold_tile_transposed: adds src, the patch gradients of
// positions [p0, p1) as a (k, p1 - p0) matrix, onto channel c0 of one
// image's input gradient. Along an output row a stride-1 tap adds one run of
// consecutive inputs, which vectorises where fold_tile added taps2 floats
// per call (a 5x5 single-channel window: five).
void fold_tile_transposed(const ConvSizes& s, const float* src, int64_t p0, int64_t p1, int64_t c0,
                          float* image) {
  const cpu::Tables& t = s.t;
  const int64_t len = p1 - p0, taps2 = t.taps[2];
  float* base = image + c0;
  for_each_output_run(
      s, p0, p1, [&](int64_t run, int64_t col, const int* r0, const int* r1, const int* r2) {
        const float* row_in = src + col;
        for (int k0 = 0; k0 < t.taps[0]; ++k0) {
          for (int k1 = 0; k1 < t.taps[1]; ++k1) {
            if (r0[k0] < 0 || r1[k1] < 0) {  // the whole tap row falls on padding
              row_in += taps2 * len;
              continue;
            }
            float* dst = base + (int64_t(r0[k0]) * t.in[1] + r1[k1]) * t.in[2] * s.c_in;
            for (int64_t k2 = 0; k2 < taps2; ++k2, row_in += len) {
              const int first = r2[k2], last = r2[(run - 1) * taps2 + k2];
              if (s.c_in == 1 && first >= 0 && last - first == run - 1) {
                add_floats(dst + first, row_in, run);
                continue;
              }
              for (int64_t j = 0; j < run; ++j) {
                const int c = r2[j * taps2 + k2];
                if (c >= 0) dst[int64_t(c) * s.c_in] += row_in[j];
              }
            }
          }
        }
      });
}

}  // namespace

// y = unfold(x) . w^T per group. The weights are transposed once to
// (k, o_group) so every tile's product reads them in place.
void Convolution::eval_cpu(const std::vector<array>& inputs, array& out) {
  array x = cpu::ensure_row_contiguous(inputs[0]);
  array w = cpu::ensure_row_contiguous(inputs[1]);
  cpu::allocate(out);
  if (out.size() == 0) return;
  if (cpu::winograd_serves(g_, groups_, x.shape(-1), w.shape(0))) {
    return cpu::winograd_convolution(x, w, g_, out);
  }
  ConvSizes s(g_, groups_, x.shape(0), x.shape(-1), w.shape(0));
  std::vector<float> wt(static_cast<size_t>(s.groups * s.k * s.o_group));
  for (int64_t g = 0; g < s.groups; ++g) {
    cpu::transpose_floats(s.o_group, s.k, w.data<float>() + g * s.o_group * s.k, s.k,
                          wt.data() + g * s.k * s.o_group, s.o_group);
  }
  const float* src = x.data<float>();
  float* dst = out.data<float>();
  for_each_block(s.batch * s.tiles, s.grain(), [&](int64_t b, int64_t e, int64_t) {
    float* buf = s.pointwise ? nullptr : tile_buffer(s);
    for (int64_t item = b; item < e; ++item) {
      int64_t n = item / s.tiles, p0 = (item % s.tiles) * s.tile_rows;
      int64_t p1 = std::min(s.positions, p0 + s.tile_rows);
      const float* image = src + n * s.input_rows * s.c_in;
      float* y = dst + (n * s.positions + p0) * s.c_out;
      for (int64_t g = 0; g < s.groups; ++g) {
        const Patches a = tile_patches(s, image, p0, p1, g, buf);
        cpu::sgemm(a.transposed, false, p1 - p0, s.o_group, s.k, 1.0f, a.data, a.ld,
                   wt.data() + g * s.k * s.o_group, std::max<int64_t>(s.o_group, 1), 0.0f,
                   y + g * s.o_group, s.c_out);
      }
    }
  });
}

// dx = fold(dy . w) per group. Patches of neighbouring positions overlap, so
// one image's gradient is made by one thread: the work items are (image,
// group) pairs, whose channel slices of dx are disjoint.
void ConvolutionInputGrad::eval_cpu(const std::vector<array>& inputs, array& out) {
  array dy = cpu::ensure_row_contiguous(inputs[0]);
  array w = cpu::ensure_row_contiguous(inputs[1]);
  cpu::allocate(out);
  if (out.size() == 0) return;
  if (cpu::winograd_serves(g_, groups_, out.shape(-1), dy.shape(-1))) {
    return cpu::winograd_input_grad(dy, w, g_, out);
  }
  ConvSizes s(g_, groups_, dy.shape(0), out.shape(-1), dy.shape(-1));
  const float* src = dy.data<float>();
  float* dst = out.data<float>();
  int64_t per_item = std::max<int64_t>(s.positions * s.k * s.o_group, 1);
  for_each_block(s.batch * s.groups, kChunkWork / per_item, [&](int64_t b, int64_t e, int64_t) {
    float* buf = s.pointwise ? nullptr : tile_buffer(s);
    for (int64_t item = b; item < e; ++item) {
      int64_t n = item / s.groups, g = item % s.groups;
      float* image = dst + n * s.input_rows * s.c_in;
      const float* wg = w.data<float>() + g * s.o_group * s.k;
      if (!s.pointwise && s.groups == 1) {
        // The whole image in one run: row by row, a single-channel image
        // took a call per pixel (784 for MNIST, 7% of its input gradient).
        std::fill(image, image + s.input_rows * s.c_in, 0.0f);
      } else if (!s.pointwise) {
        for (int64_t r = 0; r < s.input_rows; ++r) {
          float* row = image + r * s.c_in + g * s.c_group;
          std::fill(row, row + s.c_group, 0.0f);
        }
      }
      for (int64_t p0 = 0; p0 < s.positions; p0 += s.tile_rows) {
        int64_t p1 = std::min(s.positions, p0 + s.tile_rows);
        const float* a = src + (n * s.positions + p0) * s.c_out + g * s.o_group;
        if (s.pointwise) {
          cpu::sgemm(false, false, p1 - p0, s.c_group, s.o_group, 1.0f, a, s.c_out, wg,
                     std::max<int64_t>(s.k, 1), 0.0f, image + p0 * s.c_in + g * s.c_group, s.c_in);
          continue;
        }
        if (s.c_group == 1) {
          // Transposed, (k, positions) = w_g^T . dy^T: the positions fill the
          // micro-kernel's 16-column panels (a single-channel 5x5 window's 25
          // columns left a 9-column edge panel) and the fold adds runs.
          cpu::sgemm(true, true, s.k, p1 - p0, s.o_group, 1.0f, wg, std::max<int64_t>(s.k, 1), a,
                     s.c_out, 0.0f, buf, std::max<int64_t>(p1 - p0, 1));
          fold_tile_transposed(s, buf, p0, p1, g, image);
          continue;
        }
        cpu::sgemm(false, false, p1 - p0, s.k, s.o_group, 1.0f, a, s.c_out, wg,
                   std::max<int64_t>(s.k, 1), 0.0f, buf, std::max<int64_t>(s.k, 1));
        fold_tile(s, buf, p0, p1, g * s.c_group, image);
      }
    }
  });
}

// dw = dy^T . unfold(x) per group, summed over every position of every image,
// made as its transpose unfold(x)^T . dy: (k, o_group) output tiles fill the
// micro-kernel's 16-column panels where o_group is 16 or 32, while dw's own
// rows (o_group of them) leave a ragged tile of 2 or 4 rows; and dy's rows
// are read in place where dy^T . patches^T had to copy the patches of a
// single-channel image into panels. Each block of tiles sums into its own
// buffer; the buffers are added in the order of their blocks, so the result
// does not depend on thread timing.
void ConvolutionWeightGrad::eval_cpu(const std::vector<array>& inputs, array& out) {
  array x = cpu::ensure_row_contiguous(inputs[0]);
  array dy = cpu::ensure_row_contiguous(inputs[1]);
  cpu::allocate(out);
  if (out.size() == 0) return;
  if (cpu::winograd_serves(g_, groups_, x.shape(-1), dy.shape(-1))) {
    return cpu::winograd_weight_grad(x, dy, g_, out);
  }
  ConvSizes s(g_, groups_, x.shape(0), x.shape(-1), dy.shape(-1));
  size_t size = static_cast<size_t>(out.size());
  // Kept between calls on this thread, as the tile buffers are: a training
  // step would otherwise map and zero fresh pages for them each time.
  // (A thread_local is each thread's own: the workers get its address.)
  thread_local std::vector<float> scratch;
  scratch.resize(static_cast<size_t>(4 * cpu::num_threads() + 1) * size);
  float* partials = scratch.data();
  int64_t ld_o = std::max<int64_t>(s.o_group, 1);
  int64_t blocks =
      for_each_block(s.batch * s.tiles, s.grain(), [&](int64_t b, int64_t e, int64_t block) {
        float* acc = partials + block * size;
        std::fill(acc, acc + size, 0.0f);
        float* buf = s.pointwise ? nullptr : tile_buffer(s);
        for (int64_t item = b; item < e; ++item) {
          int64_t n = item / s.tiles, p0 = (item % s.tiles) * s.tile_rows;
          int64_t p1 = std::min(s.positions, p0 + s.tile_rows);
          const float* image = x.data<float>() + n * s.input_rows * s.c_in;
          const float* grad = dy.data<float>() + (n * s.positions + p0) * s.c_out;
          for (int64_t g = 0; g < s.groups; ++g) {
            const Patches p = tile_patches(s, image, p0, p1, g, buf);
            cpu::sgemm(!p.transposed, false, s.k, s.o_group, p1 - p0, 1.0f, p.data, p.ld,
                       grad + g * s.o_group, s.c_out, 1.0f, acc + g * s.k * s.o_group, ld_o);
          }
        }
      });
  float* total = partials + blocks * size;
  std::fill(total, total + size, 0.0f);
  for (int64_t block = 0; block < blocks; ++block) {
    const float* acc = partials + block * size;
    for (size_t i = 0; i < size; ++i) total[i] += acc[i];
  }
  for (int64_t g = 0; g < s.groups; ++g) {
    cpu::transpose_floats(s.k, s.o_group, total + g * s.k * s.o_group, ld_o,
                          out.data<float>() + g * s.o_group * s.k, std::max<int64_t>(s.k, 1));
  }
}

}  // namespace lmx
