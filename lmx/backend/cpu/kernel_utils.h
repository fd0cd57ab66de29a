// Building blocks shared by the CPU kernels: output allocation and buffer
// donation, layout flags, collapsing of contiguous dimensions, and the one
// strided loop every elementwise kernel runs on.
#pragma once

#include <algorithm>
#include <array>
#include <cstring>
#include <numeric>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "lmx/backend/cpu/isa.h"
#include "lmx/backend/cpu/thread_pool.h"
#include "lmx/core/array.h"
#include "lmx/core/dispatch.h"

namespace lmx::cpu {

// The dtypes whose elementwise maps and reductions are compiled once more for
// each wider instruction set: the floating-point ones, which a training step
// spends its time on. Integer, bool and complex work runs the baseline copy
// whatever the CPU: compiling every op for every dtype per set made binary.cpp
// alone take two minutes per set, most of it for integer and bool kernels no
// model keeps hot.
template <typename T>
inline constexpr bool kWideIsaType =
    std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t> || std::is_same_v<T, float> ||
    std::is_same_v<T, double>;

inline bool wide_isa_dtype(Dtype t) {
  return dispatch_all_types(t, [](auto tag) { return kWideIsaType<typename decltype(tag)::type>; });
}

// Wraps the body of a dtype dispatch in a kernel region (isa_region.h) so
// that the copy for set IsaId is instantiated only for the dtypes it is
// compiled for. LMX_ISA_CALL_FOR sends the rest to the baseline copy; a wider
// copy called directly with another dtype throws rather than leave its
// output unwritten.
template <int IsaId, typename F>
auto isa_types(F&& f) {
  return [&f](auto tag) {
    if constexpr (IsaId == 0 || kWideIsaType<typename decltype(tag)::type>) {
      f(tag);
    } else {
      throw std::logic_error(
          "[cpu] a wider instruction set's kernel got a dtype it is not built "
          "for; call it through LMX_ISA_CALL_FOR.");
    }
  };
}

// LMX_ISA_CALL for a kernel whose work is of dtype `dt`.
#define LMX_ISA_CALL_FOR(dt, fn, ...)                             \
  (::lmx::cpu::wide_isa_dtype(dt) ? LMX_ISA_CALL(fn, __VA_ARGS__) \
                                  : ::lmx::cpu::baseline::fn(__VA_ARGS__))

// Elementwise work below this many elements stays on the calling thread.
inline constexpr int64_t kParallelGrain = 1 << 16;

inline void allocate(array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
}

// True when `in` is dense row-major with exactly out's size and item size, and
// nothing else refers to its buffer, so `out` may take it over. A node that
// keeps its graph for a transform must not overwrite its inputs.
inline bool can_donate(const array& in, const array& out) {
  return in.is_donatable() && !out.is_tracer() && in.flags().row_contiguous &&
         in.itemsize() == out.itemsize() && in.size() == out.size() && in.data_size() == in.size();
}

Strides row_strides(const Shape& shape);

// Hands `in`'s buffer to `out` (check can_donate first). The input may have
// another shape of the same size, so out gets row-major strides of its own.
inline void donate(const array& in, array& out) {
  out.copy_shared_buffer(in, row_strides(out.shape()), in.flags(), out.size());
}

// Gives `out` storage, reusing the buffer of a donatable input when possible.
inline void allocate_or_donate(array& out, std::initializer_list<const array*> inputs) {
  for (auto* in : inputs) {
    if (can_donate(*in, out)) {
      donate(*in, out);
      return;
    }
  }
  allocate(out);
}

Strides row_strides(const Shape& shape);
array::Flags layout_flags(const Shape& shape, const Strides& strides);

// Strides of `a` viewed with shape `target` (broadcast dims get stride 0).
Strides broadcast_strides(const array& a, const Shape& target);

// Merges adjacent dimensions that are contiguous in every operand and drops
// size-1 dimensions. Shape and strides are updated in place.
void collapse_dims(Shape& shape, std::vector<Strides>& strides);

// Calls row(offsets, n) for each innermost row of an N-operand strided loop,
// over rows [row_begin, row_end); offsets are element offsets of the row start.
template <size_t N, typename F>
void for_each_row(const Shape& shape, const std::array<const Strides*, N>& strides,
                  int64_t row_begin, int64_t row_end, F&& row) {
  int nd = static_cast<int>(shape.size());
  std::array<int64_t, N> off{};
  if (nd == 0) {
    if (row_begin == 0 && row_end > 0) row(off, 1);
    return;
  }
  int64_t n = shape[nd - 1];
  std::vector<int32_t> idx(std::max(nd - 1, 0), 0);
  int64_t rem = row_begin;
  for (int d = nd - 2; d >= 0; --d) {
    idx[d] = static_cast<int32_t>(rem % shape[d]);
    rem /= shape[d];
    for (size_t k = 0; k < N; ++k) off[k] += idx[d] * (*strides[k])[d];
  }
  for (int64_t r = row_begin; r < row_end; ++r) {
    row(off, n);
    for (int d = nd - 2; d >= 0; --d) {
      ++idx[d];
      for (size_t k = 0; k < N; ++k) off[k] += (*strides[k])[d];
      if (idx[d] < shape[d]) break;
      for (size_t k = 0; k < N; ++k) off[k] -= (*strides[k])[d] * shape[d];
      idx[d] = 0;
    }
  }
}

inline int64_t num_rows(const Shape& shape) {
  int64_t r = 1;
  for (size_t i = 0; i + 1 < shape.size(); ++i) r *= shape[i];
  return r;
}

// Runs an N-operand strided loop, in parallel when large.
template <size_t N, typename F>
void strided_loop(const Shape& shape, const std::array<const Strides*, N>& strides, F&& row) {
  int64_t rows = num_rows(shape);
  int64_t row_len = shape.empty() ? 1 : shape.back();
  if (rows < 2 * num_threads() && row_len >= 2 * kParallelGrain) {
    // Too few rows to share out (a where() of contiguous operands is one):
    // each row is cut into pieces, which go to the threads.
    int64_t pieces = (row_len + kParallelGrain - 1) / kParallelGrain;
    parallel_for(rows * pieces, 1, [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) {
        int64_t r = t / pieces, c0 = (t % pieces) * kParallelGrain;
        for_each_row<N>(shape, strides, r, r + 1, [&](std::array<int64_t, N> off, int64_t) {
          for (size_t k = 0; k < N; ++k) off[k] += c0 * strides[k]->back();
          row(off, std::min(kParallelGrain, row_len - c0));
        });
      }
    });
    return;
  }
  int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(row_len, 1));
  parallel_for(rows, grain,
               [&](int64_t b, int64_t e) { for_each_row<N>(shape, strides, b, e, row); });
}

// dst[i] = convert(src[i]) over a strided view; dst is written row-major with
// `dst_strides` (so it also writes into strided destinations). Rows that are
// contiguous, or one value broadcast along the row (a bias filling a matrix),
// get loops without a stride, which the compiler vectorises; small matrices
// skip the general loop's set-up.
template <typename TIn, typename TOut>
void copy_strided(const TIn* src, const Strides& src_strides, TOut* dst, const Strides& dst_strides,
                  Shape shape) {
  std::vector<Strides> st{src_strides, dst_strides};
  collapse_dims(shape, st);
  int64_t ss = shape.empty() ? 0 : st[0].back();
  int64_t ds = shape.empty() ? 0 : st[1].back();
  auto copy_row = [&](const std::array<int64_t, 2>& off, int64_t n) {
    const TIn* s = src + off[0];
    TOut* d = dst + off[1];
    if (ss == 1 && ds == 1) {
      if constexpr (std::is_same_v<TIn, TOut>) {
        std::memcpy(d, s, n * sizeof(TIn));
      } else {
        for (int64_t i = 0; i < n; ++i) d[i] = scalar_cast<TOut>(s[i]);
      }
    } else if (ss == 0 && ds == 1) {
      std::fill(d, d + n, scalar_cast<TOut>(s[0]));
    } else {
      for (int64_t i = 0; i < n; ++i) d[i * ds] = scalar_cast<TOut>(s[i * ss]);
    }
  };
  if (shape.size() == 2 && shape[0] * shape[1] < kParallelGrain) {
    for (int64_t r = 0; r < shape[0]; ++r) copy_row({r * st[0][0], r * st[1][0]}, shape[1]);
    return;
  }
  strided_loop<2>(shape, {&st[0], &st[1]}, copy_row);
}

// Copies `in` (any layout) into `out`'s row-contiguous storage, converting the
// dtype if they differ. `out` must already have storage.
void copy_to_contiguous(const array& in, array& out);

// Returns `in` itself when row-contiguous, otherwise a row-contiguous copy.
array ensure_row_contiguous(const array& in);

// The accumulation type of a reduction or kernel over T.
template <typename T>
using acc_t = std::conditional_t<is_half_v<T>, float, T>;

}  // namespace lmx::cpu
