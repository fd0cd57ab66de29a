// Gather and scatter kernels. Every index is bounds-checked: negative indices
// count from the end, anything else out of range is an error, never a stray
// read or write.
#include <sstream>

#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/core/primitives.h"

namespace lmx {

namespace {

// Reads every element of an integer array (any layout) as int64.
std::vector<int64_t> read_indices(const array& idx) {
  std::vector<int64_t> out(idx.size());
  array tmp(idx.shape(), int64, nullptr, {});
  tmp.set_data(allocator::Buffer(out.data(), out.size() * 8), [](allocator::Buffer) {});
  cpu::copy_to_contiguous(idx, tmp);
  return out;
}

[[noreturn]] void index_error(const char* who, int64_t index, int axis, int size) {
  std::ostringstream msg;
  msg << "[" << who << "] Index " << index << " is out of bounds for axis " << axis << " with size "
      << size << ".";
  throw std::out_of_range(msg.str());
}

inline int64_t checked_index(int64_t i, int size, int axis, const char* who) {
  int64_t j = i < 0 ? i + size : i;
  if (j < 0 || j >= size) index_error(who, i, axis, size);
  return j;
}

template <typename T, typename A>
T combine(ScatterType type, T old, T upd) {
  switch (type) {
    case ScatterType::None:
      return upd;
    case ScatterType::Sum:
      return static_cast<T>(static_cast<A>(old) + static_cast<A>(upd));
    case ScatterType::Prod:
      return static_cast<T>(static_cast<A>(old) * static_cast<A>(upd));
    case ScatterType::Max:
      return static_cast<A>(upd) > static_cast<A>(old) ? upd : old;
    case ScatterType::Min:
      return static_cast<A>(upd) < static_cast<A>(old) ? upd : old;
  }
  return upd;
}

}  // namespace

void Gather::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& a = inputs[0];
  cpu::allocate(out);
  std::vector<std::vector<int64_t>> idx;
  for (size_t i = 1; i < inputs.size(); ++i) idx.push_back(read_indices(inputs[i]));
  int64_t num = inputs.size() > 1 ? static_cast<int64_t>(inputs[1].size()) : 1;
  int64_t slice_numel = 1;
  for (auto s : slice_sizes_) slice_numel *= s;
  // The slice's layout inside `a` is the same for every index: collapse it once.
  Shape sshape = slice_sizes_;
  std::vector<Strides> sst{a.strides(), cpu::row_strides(sshape)};
  cpu::collapse_dims(sshape, sst);
  // Offset in `a` of the slice at index position i; `check` off only for prefetches.
  auto slice_base = [&](int64_t i, bool check) {
    int64_t base = 0;
    for (size_t k = 0; k < axes_.size(); ++k) {
      int ax = axes_[k];
      int limit = a.shape(ax) - slice_sizes_[ax] + 1;
      int64_t j = idx[k][i];
      if (check) {
        j = checked_index(j, limit, ax, "gather");
      } else {
        j = std::clamp<int64_t>(j < 0 ? j + limit : j, 0, std::max(limit - 1, 0));
      }
      base += j * a.strides()[ax];
    }
    return base;
  };
  dispatch_all_types(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = a.data<T>();
    T* dst = out.data<T>();
    bool contiguous_slice = sshape.size() <= 1 && (sshape.empty() || sst[0][0] == 1);
    // Minibatches gather rows scattered over arrays far larger than the cache,
    // so every slice starts with a miss: fetch a few slices ahead (about 512
    // bytes' worth, at least 2) to keep several misses in flight.
    int64_t slice_bytes = slice_numel * static_cast<int64_t>(sizeof(T));
    // (The hardware prefetcher follows a slice once it has seen its start, so
    // only its first 4 KiB are requested.)
    int64_t ahead =
        contiguous_slice ? std::clamp<int64_t>(512 / std::max<int64_t>(slice_bytes, 1), 2, 16) : 0;
    int64_t prefetch_bytes = std::min<int64_t>(slice_bytes, 4096);
    auto prefetch = [&](int64_t i) {
      const char* p = reinterpret_cast<const char*>(src + slice_base(i, false));
      for (int64_t o = 0; o < prefetch_bytes; o += 64) __builtin_prefetch(p + o);
    };
    cpu::parallel_for(num, std::max<int64_t>(1, 4096 / std::max<int64_t>(slice_numel, 1)),
                      [&](int64_t b, int64_t e) {
                        for (int64_t i = b; i < std::min(e, b + ahead); ++i) prefetch(i);
                        for (int64_t i = b; i < e; ++i) {
                          if (ahead > 0 && i + ahead < e) prefetch(i + ahead);
                          int64_t base = slice_base(i, true);
                          T* d = dst + i * slice_numel;
                          if (contiguous_slice) {
                            std::copy(src + base, src + base + slice_numel, d);
                          } else {
                            cpu::for_each_row<2>(sshape, {&sst[0], &sst[1]}, 0,
                                                 cpu::num_rows(sshape),
                                                 [&](const std::array<int64_t, 2>& off, int64_t n) {
                                                   int64_t ss = sshape.empty() ? 0 : sst[0].back();
                                                   const T* s = src + base + off[0];
                                                   for (int64_t j = 0; j < n; ++j) {
                                                     d[off[1] + j] = s[j * ss];
                                                   }
                                                 });
                          }
                        }
                      });
  });
}

void Scatter::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& a = inputs[0];
  array upd = cpu::ensure_row_contiguous(inputs.back());
  if (cpu::can_donate(a, out)) {
    cpu::donate(a, out);
  } else {
    cpu::allocate(out);
    cpu::copy_to_contiguous(a, out);
  }
  std::vector<std::vector<int64_t>> idx;
  for (size_t i = 1; i + 1 < inputs.size(); ++i) idx.push_back(read_indices(inputs[i]));
  int nidx_dims = upd.ndim() - a.ndim();
  int64_t num = 1;
  for (int i = 0; i < nidx_dims; ++i) num *= upd.shape(i);
  Shape sshape(upd.shape().begin() + nidx_dims, upd.shape().end());
  int64_t slice_numel = 1;
  for (auto s : sshape) slice_numel *= s;
  std::vector<Strides> sst{out.strides(), cpu::row_strides(sshape)};
  cpu::collapse_dims(sshape, sst);
  dispatch_all_types(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = std::conditional_t<std::is_same_v<T, bool>, int, cpu::acc_t<T>>;
    const T* u = upd.data<T>();
    T* dst = out.data<T>();
    // Sequential: several indices may hit the same slot.
    for (int64_t i = 0; i < num; ++i) {
      int64_t base = 0;
      for (size_t k = 0; k < axes_.size(); ++k) {
        int ax = axes_[k];
        int limit = a.shape(ax) - upd.shape(nidx_dims + ax) + 1;
        base += checked_index(idx[k][i], limit, ax, name()) * out.strides()[ax];
      }
      const T* us = u + i * slice_numel;
      cpu::for_each_row<2>(sshape, {&sst[0], &sst[1]}, 0, cpu::num_rows(sshape),
                           [&](const std::array<int64_t, 2>& off, int64_t n) {
                             int64_t ds = sshape.empty() ? 0 : sst[0].back();
                             T* d = dst + base + off[0];
                             for (int64_t j = 0; j < n; ++j) {
                               if constexpr (is_complex_v<T>) {
                                 d[j * ds] = type_ == ScatterType::Sum ? d[j * ds] + us[off[1] + j]
                                             : type_ == ScatterType::Prod
                                                 ? d[j * ds] * us[off[1] + j]
                                                 : us[off[1] + j];
                               } else {
                                 d[j * ds] = combine<T, A>(type_, d[j * ds], us[off[1] + j]);
                               }
                             }
                           });
    }
  });
}

void GatherAxis::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& a = inputs[0];
  const array& ind = inputs[1];
  cpu::allocate(out);
  auto idx = read_indices(ind);  // row-major over ind's shape == out's shape
  int64_t size = a.shape(axis_);
  dispatch_all_types(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = a.data<T>();
    T* dst = out.data<T>();
    Shape shape = out.shape();
    std::vector<Strides> st{a.strides(), cpu::row_strides(shape)};
    st[0][axis_] = 0;  // the axis coordinate comes from the index instead
    int64_t astride = a.strides()[axis_];
    shape.push_back(1);
    st[0].push_back(0);
    st[1].push_back(0);
    cpu::strided_loop<2>(shape, {&st[0], &st[1]}, [&](const std::array<int64_t, 2>& off, int64_t) {
      int64_t j = checked_index(idx[off[1]], static_cast<int>(size), axis_, "take_along_axis");
      dst[off[1]] = src[off[0] + j * astride];
    });
  });
}

void ScatterAxis::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& a = inputs[0];
  const array& ind = inputs[1];
  array vals = cpu::ensure_row_contiguous(inputs[2]);
  if (cpu::can_donate(a, out)) {
    cpu::donate(a, out);
  } else {
    cpu::allocate(out);
    cpu::copy_to_contiguous(a, out);
  }
  auto idx = read_indices(ind);
  int64_t size = a.shape(axis_);
  const char* who = type_ == ScatterType::None ? "put_along_axis" : "scatter_add_axis";
  dispatch_all_types(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = std::conditional_t<std::is_same_v<T, bool>, int, cpu::acc_t<T>>;
    const T* v = vals.data<T>();
    T* dst = out.data<T>();
    Shape shape = ind.shape();
    std::vector<Strides> st{out.strides(), cpu::row_strides(shape)};
    st[0][axis_] = 0;
    int64_t ostride = out.strides()[axis_];
    shape.push_back(1);
    st[0].push_back(0);
    st[1].push_back(0);
    cpu::for_each_row<2>(shape, {&st[0], &st[1]}, 0, cpu::num_rows(shape),
                         [&](const std::array<int64_t, 2>& off, int64_t) {
                           int64_t j =
                               checked_index(idx[off[1]], static_cast<int>(size), axis_, who);
                           T& d = dst[off[0] + j * ostride];
                           if constexpr (is_complex_v<T>) {
                             d = type_ == ScatterType::Sum ? d + v[off[1]] : v[off[1]];
                           } else {
                             d = combine<T, A>(type_, d, v[off[1]]);
                           }
                         });
  });
}

}  // namespace lmx
