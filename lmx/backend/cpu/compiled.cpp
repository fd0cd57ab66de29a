// The fused elementwise kernel: the output is produced in blocks of a few
// thousand elements; each step of the fused chain runs the ordinary
// elementwise kernel on block-sized registers, which stay in cache, so a
// chain of k ops reads and writes main memory once instead of k times.
#include <cstring>

#include "lmx/backend/cpu/elementwise.h"
#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/core/primitives.h"

namespace lmx {

namespace {

constexpr int64_t kBlock = 4096;

// How one input is read block by block.
struct InputPlan {
  enum Kind { Scalar, Dense, Gather } kind;
  Shape shape;  // output shape, collapsed together with strides
  Strides strides;
};

InputPlan plan_for(const array& in, const array& out) {
  if (in.size() == 1) return {InputPlan::Scalar, {}, {}};
  if (in.size() == out.size() && in.flags().row_contiguous && in.data_size() == in.size()) {
    return {InputPlan::Dense, {}, {}};
  }
  Shape shape = out.shape();
  std::vector<Strides> st{cpu::broadcast_strides(in, shape)};
  cpu::collapse_dims(shape, st);
  return {InputPlan::Gather, shape, st[0]};
}

array view_of(const array& in, size_t offset_elems, int64_t n) {
  auto* p = const_cast<char*>(in.data<char>()) + offset_elems * in.itemsize();
  return array(allocator::Buffer(p, n * in.itemsize()), Shape{static_cast<int>(n)}, in.dtype(),
               [](allocator::Buffer) {});
}

// Copies output elements [start, start + n) of a broadcast view into dst,
// a run of the innermost dimension at a time (a memcpy or a fill when the
// input is contiguous or broadcast along it).
template <typename U>
void gather_elements(const U* src, U* dst, const Shape& shape, const Strides& strides,
                     int64_t start, int64_t n) {
  int nd = static_cast<int>(shape.size());
  std::vector<int64_t> idx(nd);
  int64_t rem = start, off = 0;
  for (int d = nd - 1; d >= 0; --d) {
    idx[d] = rem % shape[d];
    rem /= shape[d];
    off += idx[d] * strides[d];
  }
  int64_t inner = shape[nd - 1], inner_stride = strides[nd - 1];
  int64_t k = 0;
  while (k < n) {
    int64_t run = std::min(inner - idx[nd - 1], n - k);
    if (inner_stride == 1) {
      std::memcpy(dst + k, src + off, run * sizeof(U));
    } else if (inner_stride == 0) {
      std::fill(dst + k, dst + k + run, src[off]);
    } else {
      for (int64_t j = 0; j < run; ++j) dst[k + j] = src[off + j * inner_stride];
    }
    k += run;
    // Advance to the start of the next run.
    off += run * inner_stride;
    idx[nd - 1] += run;
    for (int d = nd - 1; d > 0 && idx[d] == shape[d]; --d) {
      off -= strides[d] * shape[d];
      idx[d] = 0;
      off += strides[d - 1];
      ++idx[d - 1];
    }
  }
}

array gathered(const array& in, const InputPlan& plan, int64_t start, int64_t n) {
  array r(Shape{static_cast<int>(n)}, in.dtype(), nullptr, {});
  cpu::allocate(r);
  auto copy = [&](auto tag) {
    using U = decltype(tag);
    gather_elements<U>(in.data<U>(), r.data<U>(), plan.shape, plan.strides, start, n);
  };
  switch (in.itemsize()) {
    case 1:
      copy(uint8_t{});
      break;
    case 2:
      copy(uint16_t{});
      break;
    case 4:
      copy(uint32_t{});
      break;
    default:
      copy(uint64_t{});
      break;
  }
  return r;
}

}  // namespace

void Compiled::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate(out);
  int64_t total = static_cast<int64_t>(out.size());
  if (total == 0) return;
  std::vector<InputPlan> plans;
  for (auto& in : inputs) plans.push_back(plan_for(in, out));
  int64_t blocks = (total + kBlock - 1) / kBlock;
  char* dst = out.data<char>();
  size_t item = out.itemsize();
  cpu::parallel_for(blocks, total >= cpu::kParallelGrain ? 1 : blocks, [&](int64_t b0, int64_t b1) {
    for (int64_t blk = b0; blk < b1; ++blk) {
      int64_t start = blk * kBlock, n = std::min(kBlock, total - start);
      std::vector<array> regs;
      regs.reserve(inputs.size() + steps_.size());
      for (size_t i = 0; i < inputs.size(); ++i) {
        switch (plans[i].kind) {
          case InputPlan::Scalar:
            regs.push_back(view_of(inputs[i], 0, 1));
            break;
          case InputPlan::Dense:
            regs.push_back(view_of(inputs[i], start, n));
            break;
          default:
            regs.push_back(gathered(inputs[i], plans[i], start, n));
        }
      }
      for (auto& st : steps_) {
        std::vector<array> args;
        bool scalar = true;
        for (int a : st.args) {
          args.push_back(regs[a]);
          scalar &= regs[a].size() == 1;
        }
        array r(Shape{scalar ? 1 : static_cast<int>(n)}, st.dtype, nullptr, {});
        cpu::allocate(r);
        st.primitive->eval_elementwise_cpu(args, r);
        regs.push_back(std::move(r));
      }
      const array& result = regs.back();
      const char* src = result.data<char>();
      if (result.size() == 1) {
        for (int64_t k = 0; k < n; ++k) std::memcpy(dst + (start + k) * item, src, item);
      } else {
        std::memcpy(dst + start * item, src, n * item);
      }
    }
  });
}

}  // namespace lmx
