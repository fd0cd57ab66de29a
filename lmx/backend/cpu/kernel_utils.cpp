#include "lmx/backend/cpu/kernel_utils.h"

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

void copy_to_contiguous(const array& in, array& out) {
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
