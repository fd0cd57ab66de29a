// Affine quantization kernels. Codes are a little-endian bit stream over
// uint32 words; 2-, 4- and 8-bit codes never straddle a word, so they unpack
// with fixed shifts, and 3-, 5- and 6-bit codes go through a 64-bit window.
// quantized_matmul dequantizes the weight a tile at a time into a small float
// buffer and multiplies it with single-threaded sgemm, tiles spread over the
// pool, so the float matrix is never materialised whole.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "lmx/backend/cpu/isa.h"
#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/backend/cpu/sgemm.h"
#include "lmx/core/primitives.h"

// Dequantization and the quantized product, compiled once per instruction set
// (isa.h). Every array is row-contiguous; x and y are float32.
#define LMX_QUANTIZED_KERNELS(ns)                                                                 \
  namespace lmx::cpu::ns {                                                                        \
  void dequantize(const array& w, const array& scales, const array& biases, array& out, int bits, \
                  int group_size);                                                                \
  void quantized_matmul(const array& x, const array& w, const array& scales, const array& biases, \
                        array& y, int bits, int group_size, bool transpose);                      \
  }
LMX_FOR_EACH_ISA(LMX_QUANTIZED_KERNELS)
#undef LMX_QUANTIZED_KERNELS

namespace lmx {
namespace {
inline int64_t rows_of(const array& a) {
  return a.shape(-1) == 0 ? 0 : static_cast<int64_t>(a.size() / a.shape(-1));
}
}  // namespace
}  // namespace lmx

// Last: the kernels below are compiled once per instruction set.
#include "lmx/backend/cpu/isa_region.h"

LMX_ISA_BEGIN

namespace {

// Unpacks `n` codes starting at code index `first` (a multiple of 32, as
// every group starts on one) of a packed row, as floats.
template <int Bits>
inline void unpack_fixed(const uint32_t* row, int64_t first, int64_t n, float* out) {
  constexpr int kPerWord = 32 / Bits;
  constexpr uint32_t kMask = (1u << Bits) - 1;
  const uint32_t* w = row + first / kPerWord;
  for (int64_t i = 0; i < n / kPerWord; ++i) {
    uint32_t word = w[i];
    for (int k = 0; k < kPerWord; ++k) out[i * kPerWord + k] = float((word >> (k * Bits)) & kMask);
  }
}

inline void unpack_codes(const uint32_t* row, int bits, int64_t first, int64_t n, float* out) {
  switch (bits) {
    case 2:
      return unpack_fixed<2>(row, first, n, out);
    case 4:
      return unpack_fixed<4>(row, first, n, out);
    case 8:
      return unpack_fixed<8>(row, first, n, out);
    default:
      break;
  }
  // 3, 5 and 6 bits: codes may straddle two words.
  uint32_t mask = (1u << bits) - 1;
  for (int64_t j = 0; j < n; ++j) {
    int64_t bit = (first + j) * bits;
    int64_t word = bit / 32;
    int shift = static_cast<int>(bit % 32);
    uint64_t window = row[word];
    if (shift + bits > 32) window |= uint64_t(row[word + 1]) << 32;
    out[j] = float(static_cast<uint32_t>(window >> shift) & mask);
  }
}

// Writes n dequantized values of one packed row (codes [first, first+n),
// first a multiple of the group size) as float.
template <typename S>
void dequantize_span(const uint32_t* row, const S* scales, const S* biases, int bits,
                     int group_size, int64_t first, int64_t n, float* out) {
  unpack_codes(row, bits, first, n, out);
  for (int64_t g0 = 0; g0 < n; g0 += group_size) {
    int64_t group = (first + g0) / group_size;
    float sc = static_cast<float>(scales[group]), bi = static_cast<float>(biases[group]);
    int64_t len = std::min<int64_t>(group_size, n - g0);
    for (int64_t j = 0; j < len; ++j) out[g0 + j] = sc * out[g0 + j] + bi;
  }
}

// a . b for n a multiple of 8, in eight independent lanes so it vectorises
// without reassociation.
inline float dot8(const float* a, const float* b, int n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int j = 0; j < n; j += 8) {
    for (int t = 0; t < 8; ++t) acc[t] += a[j + t] * b[j + t];
  }
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

// Few rows of x against W^T: per output feature and group,
// y += scale * (x . q) + bias * sum(x), reading each packed weight once.
template <typename S>
void qmv_transposed(const float* x, int64_t m, int64_t k, const uint32_t* w, int64_t words,
                    const S* scales, const S* biases, int bits, int group_size, int64_t n,
                    float* y) {
  int64_t groups = k / group_size;
  std::vector<float> xsum(size_t(m) * groups);
  for (int64_t r = 0; r < m; ++r) {
    for (int64_t g = 0; g < groups; ++g) {
      float acc = 0;
      for (int j = 0; j < group_size; ++j) acc += x[r * k + g * group_size + j];
      xsum[r * groups + g] = acc;
    }
  }
  cpu::parallel_for(
      n, std::max<int64_t>(1, 16384 / std::max<int64_t>(k, 1)), [&](int64_t c0, int64_t c1) {
        std::vector<float> codes(k);
        for (int64_t c = c0; c < c1; ++c) {
          unpack_codes(w + c * words, bits, 0, k, codes.data());
          const S* sc = scales + c * groups;
          const S* bi = biases + c * groups;
          for (int64_t r = 0; r < m; ++r) {
            const float* xr = x + r * k;
            float total = 0;
            for (int64_t g = 0; g < groups; ++g) {
              const float* q = codes.data() + g * group_size;
              const float* xg = xr + g * group_size;
              total += float(sc[g]) * dot8(xg, q, group_size) + float(bi[g]) * xsum[r * groups + g];
            }
            y[r * n + c] = total;
          }
        }
      });
}

}  // namespace

void dequantize(const array& w, const array& scales, const array& biases, array& out, int bits,
                int group_size) {
  int64_t rows = rows_of(w), words = w.shape(-1), cols = out.shape(-1);
  int64_t groups = cols / group_size;
  dispatch_float_types(out.dtype(), "dequantize", [&](auto tag) {
    using T = typename decltype(tag)::type;
    parallel_for(
        rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(cols, 1)), [&](int64_t r0, int64_t r1) {
          std::vector<float> buf(cols);
          for (int64_t r = r0; r < r1; ++r) {
            dequantize_span(w.data<uint32_t>() + r * words, scales.data<T>() + r * groups,
                            biases.data<T>() + r * groups, bits, group_size, 0, cols, buf.data());
            T* o = out.data<T>() + r * cols;
            for (int64_t j = 0; j < cols; ++j) o[j] = static_cast<T>(buf[j]);
          }
        });
  });
}

void quantized_matmul(const array& x, const array& wq, const array& scales, const array& biases,
                      array& y, int bits, int group_size, bool transpose) {
  int64_t m = rows_of(x), k = x.shape(-1), n = y.shape(-1);
  int64_t wrows = wq.shape(0), words = wq.shape(1), wcols = words * 32 / bits;
  int64_t groups = wcols / group_size;
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  // Tiles hold about 64K floats, in whole quantization groups of output
  // columns (no transpose) and in whole micro-kernel tiles of sgemm's columns:
  // a 16-column tile under a 32-column kernel would waste half its work.
  int64_t step = std::max<int64_t>(8, cpu::sgemm_tile().cols);
  if (!transpose) step = std::lcm(step, int64_t(group_size));
  int64_t tile = std::max<int64_t>(step, 65536 / std::max<int64_t>(k, 1) / step * step);
  int64_t tiles = (n + tile - 1) / tile;
  dispatch_float_types(scales.dtype(), "quantized_matmul", [&](auto tag) {
    using S = typename decltype(tag)::type;
    const S* sp = scales.data<S>();
    const S* bp = biases.data<S>();
    const uint32_t* wp = wq.data<uint32_t>();
    if (transpose && m <= 8) {
      qmv_transposed(xp, m, k, wp, words, sp, bp, bits, group_size, n, yp);
      return;
    }
    parallel_for(tiles, 1, [&](int64_t t0, int64_t t1) {
      std::vector<float> buf(size_t(tile) * k);
      for (int64_t t = t0; t < t1; ++t) {
        int64_t c0 = t * tile, cn = std::min(n, c0 + tile) - c0;
        if (transpose) {
          // W rows c0..c0+cn, each K wide: buf is (cn, K); y[:, c0:] = x buf^T.
          for (int64_t r = 0; r < cn; ++r) {
            dequantize_span(wp + (c0 + r) * words, sp + (c0 + r) * groups, bp + (c0 + r) * groups,
                            bits, group_size, 0, k, buf.data() + r * k);
          }
          cpu::sgemm(false, true, m, cn, k, 1.0f, xp, k, buf.data(), k, 0.0f, yp + c0, n);
        } else {
          // Columns c0..c0+cn of every one of the K rows: buf is (K, cn).
          for (int64_t r = 0; r < wrows; ++r) {
            dequantize_span(wp + r * words, sp + r * groups, bp + r * groups, bits, group_size, c0,
                            cn, buf.data() + r * cn);
          }
          cpu::sgemm(false, false, m, cn, k, 1.0f, xp, k, buf.data(), cn, 0.0f, yp + c0, n);
        }
      }
    });
  });
}

LMX_ISA_END

#if LMX_ISA_ID == 0
namespace lmx {

void AffineQuantize::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  array w = cpu::ensure_row_contiguous(inputs[0]);
  for (auto& o : outputs) cpu::allocate(o);
  int64_t rows = rows_of(w), cols = w.shape(-1);
  int64_t groups = cols / group_size_, words = cols * bits_ / 32;
  float n_bins = float((1 << bits_) - 1);
  dispatch_float_types(w.dtype(), "quantize", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = w.data<T>();
    uint32_t* packed = outputs[0].data<uint32_t>();
    T* scales = outputs[1].data<T>();
    T* biases = outputs[2].data<T>();
    cpu::parallel_for(
        rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(cols, 1)), [&](int64_t r0, int64_t r1) {
          std::vector<uint32_t> codes(cols);
          for (int64_t r = r0; r < r1; ++r) {
            const T* x = src + r * cols;
            for (int64_t g = 0; g < groups; ++g) {
              const T* xg = x + g * group_size_;
              float lo = float(xg[0]), hi = float(xg[0]);
              for (int j = 1; j < group_size_; ++j) {
                lo = std::min(lo, float(xg[j]));
                hi = std::max(hi, float(xg[j]));
              }
              // MLX's rule: the endpoint of larger magnitude is represented
              // exactly (it is q = 0 or q = n_bins), so zero-centred groups keep
              // their extremes.
              bool min_is_edge = std::abs(lo) > std::abs(hi);
              float scale = std::max((hi - lo) / n_bins, 1e-7f);
              if (!min_is_edge) scale = -scale;
              float edge = min_is_edge ? lo : hi;
              float q0 = std::nearbyint(edge / scale);
              float bias = 0.0f;
              if (q0 != 0.0f) {
                scale = edge / q0;
                bias = edge;
              }
              scales[r * groups + g] = static_cast<T>(scale);
              biases[r * groups + g] = static_cast<T>(bias);
              for (int j = 0; j < group_size_; ++j) {
                float q = std::nearbyint((float(xg[j]) - bias) / scale);
                codes[g * group_size_ + j] = static_cast<uint32_t>(std::clamp(q, 0.0f, n_bins));
              }
            }
            uint32_t* out = packed + r * words;
            std::fill(out, out + words, 0u);
            for (int64_t j = 0; j < cols; ++j) {
              int64_t bit = j * bits_;
              out[bit / 32] |= codes[j] << (bit % 32);
              if (bit % 32 + bits_ > 32) out[bit / 32 + 1] |= codes[j] >> (32 - bit % 32);
            }
          }
        });
  });
}

void AffineDequantize::eval_cpu(const std::vector<array>& inputs, array& out) {
  array w = cpu::ensure_row_contiguous(inputs[0]);
  array scales = cpu::ensure_row_contiguous(inputs[1]);
  array biases = cpu::ensure_row_contiguous(inputs[2]);
  cpu::allocate(out);
  return LMX_ISA_CALL(dequantize, w, scales, biases, out, bits_, group_size_);
}

void QuantizedMatmul::eval_cpu(const std::vector<array>& inputs, array& out) {
  if (out.size() == 0) {
    cpu::allocate(out);
    return;
  }
  cpu::configure_blas_threads();
  const array& w = inputs[1];
  array wq = cpu::ensure_row_contiguous(w);
  array scales = cpu::ensure_row_contiguous(inputs[2]);
  array biases = cpu::ensure_row_contiguous(inputs[3]);
  // The product runs in float32; other dtypes are converted at the edges.
  array x = cpu::ensure_row_contiguous(inputs[0]);
  if (x.dtype() != float32) {
    array xf(x.shape(), float32, nullptr, {});
    cpu::allocate(xf);
    cpu::copy_to_contiguous(x, xf);
    x = xf;
  }
  cpu::allocate(out);
  array y = out;
  if (out.dtype() != float32) {
    y = array(out.shape(), float32, nullptr, {});
    cpu::allocate(y);
  }
  int64_t k = x.shape(-1);
  if (k == 0) {
    std::fill(y.data<float>(), y.data<float>() + y.size(), 0.0f);
    if (y.dtype() != out.dtype()) cpu::copy_to_contiguous(y, out);
    return;
  }
  LMX_ISA_CALL(quantized_matmul, x, wq, scales, biases, y, bits_, group_size_, transpose_);
  if (y.dtype() != out.dtype()) cpu::copy_to_contiguous(y, out);
}

}  // namespace lmx
#endif  // LMX_ISA_ID == 0
