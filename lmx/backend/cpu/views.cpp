// Kernels that arrange data: views (reshape, transpose, broadcast, slice)
// share their input's buffer with new strides; slice_update, concatenate and
// pad copy into a fresh buffer; arange fills one.
#include <cmath>

#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/core/primitives.h"

namespace lmx {

namespace {

void set_view(array& out, const array& in, Strides strides, size_t offset_elems) {
  auto flags = cpu::layout_flags(out.shape(), strides);
  size_t data_size = flags.contiguous ? out.size() : in.data_size();
  out.copy_shared_buffer(in, strides, flags, data_size, offset_elems);
}

// Copies `src` (any layout) into the region of `dst` starting at element
// `offset` with strides `region_strides` and src's shape.
void copy_into_region(const array& src, array& dst, size_t offset, const Strides& region_strides) {
  dispatch_all_types(dst.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    cpu::copy_strided<T, T>(src.data<T>(), src.strides(), dst.data<T>() + offset, region_strides,
                            src.shape());
  });
}

// Starts `out` as a copy of `src`, taking src's buffer when it can.
void init_from(const array& src, array& out) {
  if (cpu::can_donate(src, out)) {
    cpu::donate(src, out);
  } else {
    cpu::allocate(out);
    cpu::copy_to_contiguous(src, out);
  }
}

}  // namespace

void Reshape::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  if (in.flags().row_contiguous && in.data_size() == in.size()) {
    out.copy_shared_buffer(in, cpu::row_strides(out.shape()), in.flags(), in.size());
    return;
  }
  cpu::allocate(out);
  cpu::copy_to_contiguous(in, out);
}

void AsStrided::eval_cpu(const std::vector<array>& inputs, array& out) {
  // Strides count elements of the row-major input (the op checked the range).
  array in = cpu::ensure_row_contiguous(inputs[0]);
  auto flags = cpu::layout_flags(out.shape(), strides_);
  out.copy_shared_buffer(in, strides_, flags, flags.contiguous ? out.size() : in.data_size(),
                         offset_);
}

void Transpose::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  Strides strides(axes_.size());
  for (size_t i = 0; i < axes_.size(); ++i) strides[i] = in.strides()[axes_[i]];
  set_view(out, in, strides, 0);
}

void Broadcast::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  set_view(out, in, cpu::broadcast_strides(in, out.shape()), 0);
}

void Slice::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  if (out.size() == 0) {
    cpu::allocate(out);
    return;
  }
  Strides strides(in.ndim());
  int64_t offset = 0;
  for (int i = 0; i < in.ndim(); ++i) {
    offset += static_cast<int64_t>(start_[i]) * in.strides()[i];
    strides[i] = in.strides()[i] * strides_[i];
  }
  set_view(out, in, strides, static_cast<size_t>(offset));
}

void SliceUpdate::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& src = inputs[0];
  const array& upd = inputs[1];
  init_from(src, out);
  if (upd.size() == 0) return;
  Strides region(out.ndim());
  int64_t offset = 0;
  for (int i = 0; i < out.ndim(); ++i) {
    offset += static_cast<int64_t>(start_[i]) * out.strides()[i];
    region[i] = out.strides()[i] * strides_[i];
  }
  copy_into_region(upd, out, static_cast<size_t>(offset), region);
}

void Concatenate::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate(out);
  int64_t offset = 0;
  for (auto& in : inputs) {
    if (in.size() > 0) copy_into_region(in, out, static_cast<size_t>(offset), out.strides());
    offset += static_cast<int64_t>(in.shape(axis_)) * out.strides()[axis_];
  }
}

void Pad::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  const array& value = inputs[1];
  cpu::allocate(out);
  dispatch_all_types(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T v = value.data<T>()[0];
    std::fill(out.data<T>(), out.data<T>() + out.size(), v);
  });
  if (in.size() == 0) return;
  int64_t offset = 0;
  for (size_t i = 0; i < axes_.size(); ++i) offset += int64_t(low_[i]) * out.strides()[axes_[i]];
  copy_into_region(in, out, static_cast<size_t>(offset), out.strides());
}

void Arange::eval_cpu(const std::vector<array>&, array& out) {
  cpu::allocate(out);
  dispatch_real_types(out.dtype(), "arange", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* d = out.data<T>();
    for (size_t i = 0; i < out.size(); ++i) d[i] = static_cast<T>(start_ + double(i) * step_);
  });
}

}  // namespace lmx

namespace lmx {

void View::eval_cpu(const std::vector<array>& inputs, array& out) {
  array in = cpu::ensure_row_contiguous(inputs[0]);
  size_t data_size = in.data_size() * in.itemsize() / out.itemsize();
  out.copy_shared_buffer(in, cpu::row_strides(out.shape()), in.flags(), data_size);
}

void NumberOfElements::eval_cpu(const std::vector<array>& inputs, array& out) {
  const Shape& shape = inputs[0].shape();
  double n = 1;
  for (int ax : axes_) n *= shape[ax];
  if (inverted_) n = 1.0 / n;
  cpu::allocate(out);
  dispatch_all_types(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    *out.data<T>() = static_cast<T>(n);
  });
}

}  // namespace lmx
