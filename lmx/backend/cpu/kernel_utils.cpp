#include "lmx/backend/cpu/kernel_utils.h"

#include "lmx/backend/cpu/sgemm.h"

namespace lmx::cpu {

Strides row_strides(const Shape& shape) {
  Strides s(shape.size());
  int64_t acc = 1;
  for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

array::Flags layout_flags(const Shape& shape, const Strides& strides) {
  bool row = true, col = true;
  int64_t acc = 1;
  for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
    if (shape[i] != 1 && strides[i] != acc) row = false;
    acc *= shape[i];
  }
  acc = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] != 1 && strides[i] != acc) col = false;
    acc *= shape[i];
  }
  return array::Flags{row || col, row, col};
}

Strides broadcast_strides(const array& a, const Shape& target) {
  Strides out(target.size(), 0);
  int diff = static_cast<int>(target.size()) - a.ndim();
  for (int i = 0; i < a.ndim(); ++i) {
    out[i + diff] = a.shape(i) == 1 && target[i + diff] != 1 ? 0 : a.strides()[i];
  }
  return out;
}

void collapse_dims(Shape& shape, std::vector<Strides>& strides) {
  Shape ns;
  std::vector<Strides> nst(strides.size());
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    bool merge = !ns.empty();
    if (merge) {
      for (size_t k = 0; k < strides.size(); ++k) {
        if (nst[k].back() != strides[k][i] * shape[i]) {
          merge = false;
          break;
        }
      }
    }
    if (merge) {
      ns.back() *= shape[i];
      for (size_t k = 0; k < strides.size(); ++k) nst[k].back() = strides[k][i];
    } else {
      ns.push_back(shape[i]);
      for (size_t k = 0; k < strides.size(); ++k) nst[k].push_back(strides[k][i]);
    }
  }
  shape = std::move(ns);
  strides = std::move(nst);
}

namespace {

// Copies a float32 view whose innermost two axes (after merging) are a
// column-major matrix, (rows, cols) with strides (1, ld), one such matrix per
// position of the outer axes: a swapaxes of the last two axes made
// contiguous, or a batch of transposed matrices that matmul flattens into
// rows. Each matrix is transposed in blocks of registers (transpose_floats),
// not element by element with a stride: a transposed (32, 64, 96) batch
// times a shared 96 x 96 weight went from 209 to 166 us on two threads (the
// copy was a third of the time). Returns false, copying nothing, for any
// other layout.
bool copy_transposed(const array& in, array& out) {
  if (in.dtype() != float32 || out.dtype() != float32) return false;
  Shape shape = in.shape();
  std::vector<Strides> st{in.strides(), row_strides(shape)};
  collapse_dims(shape, st);
  size_t nd = shape.size();
  if (nd < 2) return false;
  int64_t rows = shape[nd - 2], cols = shape[nd - 1], ld = st[0][nd - 1];
  if (st[0][nd - 2] != 1 || ld < rows || rows < 8 || cols < 8) return false;
  int64_t batches = 1;
  for (size_t d = 0; d + 2 < nd; ++d) batches *= shape[d];
  // Tasks are strips of up to 64 rows of one matrix.
  constexpr int64_t kStrip = 64;
  int64_t strips = (rows + kStrip - 1) / kStrip;
  const float* src = in.data<float>();
  float* dst = out.data<float>();
  parallel_for(batches * strips, std::max<int64_t>(1, kParallelGrain / (kStrip * cols)),
               [&](int64_t b, int64_t e) {
                 for (int64_t t = b; t < e; ++t) {
                   int64_t batch = t / strips, r0 = (t % strips) * kStrip;
                   int64_t off = 0;
                   for (int64_t d = static_cast<int64_t>(nd) - 3, rem = batch; d >= 0; --d) {
                     off += (rem % shape[d]) * st[0][d];
                     rem /= shape[d];
                   }
                   // dst[i][j] = src[j * ld + i]: src is cols x rows row-major.
                   transpose_floats(cols, std::min(kStrip, rows - r0), src + off + r0, ld,
                                    dst + batch * rows * cols + r0 * cols, cols);
                 }
               });
  return true;
}

}  // namespace

void copy_to_contiguous(const array& in, array& out) {
  if (!in.flags().row_contiguous && copy_transposed(in, out)) return;
  dispatch_all_types(in.dtype(), [&](auto tin) {
    using TIn = typename decltype(tin)::type;
    dispatch_all_types(out.dtype(), [&](auto tout) {
      using TOut = typename decltype(tout)::type;
      const TIn* src = in.data<TIn>();
      TOut* dst = out.data<TOut>();
      if (in.flags().row_contiguous && in.data_size() == in.size()) {
        int64_t n = static_cast<int64_t>(in.size());
        parallel_for(n, kParallelGrain, [&](int64_t b, int64_t e) {
          if constexpr (std::is_same_v<TIn, TOut>) {
            std::memcpy(dst + b, src + b, (e - b) * sizeof(TIn));
          } else if constexpr (std::is_same_v<TIn, bool> && std::is_arithmetic_v<TOut>) {
            // Read as bytes (0 or 1): GCC leaves loops that load bool scalar
            // (a mask made a float was 4x slower than the product using it).
            const uint8_t* bytes = reinterpret_cast<const uint8_t*>(src);
            for (int64_t i = b; i < e; ++i) dst[i] = static_cast<TOut>(bytes[i]);
          } else {
            for (int64_t i = b; i < e; ++i) dst[i] = scalar_cast<TOut>(src[i]);
          }
        });
        return;
      }
      copy_strided(src, in.strides(), dst, row_strides(in.shape()), in.shape());
    });
  });
}

array ensure_row_contiguous(const array& in) {
  if (in.flags().row_contiguous && in.data_size() == in.size()) return in;
  array out(in.shape(), in.dtype(), nullptr, {});
  allocate(out);
  copy_to_contiguous(in, out);
  return out;
}

}  // namespace lmx::cpu
