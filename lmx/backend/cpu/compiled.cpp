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

// n elements of type t at p, as an array that does not own them.
array view_at(char* p, int64_t n, Dtype t) {
  return array(allocator::Buffer(p, n * size_of(t)), Shape{static_cast<int>(n)}, t,
               [](allocator::Buffer) {});
}

array view_of(const array& in, size_t offset_elems, int64_t n) {
  return view_at(const_cast<char*>(in.data<char>()) + offset_elems * in.itemsize(), n, in.dtype());
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

// A float32 chain whose every step has a row kernel (elementwise.h) runs
// kRow elements at a time through all its steps: the registers stay in L1,
// and a step costs one indirect call per row instead of an array per block.
constexpr int64_t kRow = 512;

struct FloatStep {
  cpu::FloatBinaryRow binary = nullptr;
  cpu::FloatUnaryRow unary = nullptr;
};

// The row kernels of every step, or nothing when one has none.
std::vector<FloatStep> float_steps(const std::vector<Compiled::Step>& steps,
                                   const std::vector<array>& inputs, const array& out) {
  if (out.dtype() != float32) return {};
  for (auto& in : inputs) {
    if (in.dtype() != float32) return {};
  }
  std::vector<FloatStep> rows;
  for (auto& st : steps) {
    if (st.dtype != float32) return {};
    FloatStep r;
    if (auto* b = dynamic_cast<const Binary*>(st.primitive.get())) {
      r.binary = cpu::float_binary_row(b->op());
    } else if (auto* u = dynamic_cast<const Unary*>(st.primitive.get())) {
      r.unary = cpu::float_unary_row(u->op());
    }
    if (!r.binary && !r.unary) return {};
    rows.push_back(r);
  }
  return rows;
}

// out's elements [b0 * kBlock, b1 * kBlock) through the steps' row kernels.
void run_float_rows(const std::vector<Compiled::Step>& steps, const std::vector<FloatStep>& rows,
                    const std::vector<array>& inputs, const std::vector<InputPlan>& plans,
                    const std::vector<char>& scalar_reg, array& out, int64_t b0, int64_t b1) {
  const size_t ni = inputs.size(), nr = ni + steps.size();
  // A register per gathered input and per step, a few cache lines apart so
  // that registers do not share L1 sets.
  constexpr int64_t kStride = kRow + 48;
  std::vector<float> scratch(nr * kStride);
  std::vector<const float*> ptr(nr);
  std::vector<int64_t> stride(nr);
  float* dst = out.data<float>();
  const int64_t total = static_cast<int64_t>(out.size());
  const int64_t end = std::min(total, b1 * kBlock);
  for (int64_t start = b0 * kBlock; start < end; start += kRow) {
    const int64_t n = std::min(kRow, end - start);
    for (size_t i = 0; i < ni; ++i) {
      const float* src = inputs[i].data<float>();
      switch (plans[i].kind) {
        case InputPlan::Scalar:
          ptr[i] = src;
          stride[i] = 0;
          break;
        case InputPlan::Dense:
          ptr[i] = src + start;
          stride[i] = 1;
          break;
        default: {
          float* r = scratch.data() + i * kStride;
          gather_elements<float>(src, r, plans[i].shape, plans[i].strides, start, n);
          ptr[i] = r;
          stride[i] = 1;
        }
      }
    }
    for (size_t k = 0; k < steps.size(); ++k) {
      const size_t reg = ni + k;
      const bool scalar = scalar_reg[reg] != 0;
      const int64_t len = scalar ? 1 : n;
      float* o = reg + 1 == nr && !scalar ? dst + start : scratch.data() + reg * kStride;
      const auto& args = steps[k].args;
      if (rows[k].binary) {
        rows[k].binary(ptr[args[0]], stride[args[0]], ptr[args[1]], stride[args[1]], o, len);
      } else {
        rows[k].unary(ptr[args[0]], o, len);
      }
      ptr[reg] = o;
      stride[reg] = scalar ? 0 : 1;
    }
    if (scalar_reg[nr - 1]) std::fill(dst + start, dst + start + n, *ptr[nr - 1]);
  }
}

}  // namespace

void Compiled::eval_cpu(const std::vector<array>& inputs, array& out) {
  // The output may take over a dense input's buffer: every block reads its
  // inputs at its own positions only, so each element is read before the
  // last step writes it, as in an elementwise kernel working in place.
  bool donated = false;
  for (auto& in : inputs) {
    if (cpu::can_donate(in, out)) {
      cpu::donate(in, out);
      donated = true;
      break;
    }
  }
  if (!donated) cpu::allocate(out);
  int64_t total = static_cast<int64_t>(out.size());
  if (total == 0) return;
  std::vector<InputPlan> plans;
  for (auto& in : inputs) plans.push_back(plan_for(in, out));
  // Which steps see only single values (they make one value, not a block).
  std::vector<char> scalar_reg(inputs.size() + steps_.size());
  for (size_t i = 0; i < inputs.size(); ++i) scalar_reg[i] = plans[i].kind == InputPlan::Scalar;
  for (size_t k = 0; k < steps_.size(); ++k) {
    bool scalar = true;
    for (int a : steps_[k].args) scalar &= scalar_reg[a] != 0;
    scalar_reg[inputs.size() + k] = scalar;
  }
  const size_t last = inputs.size() + steps_.size() - 1;
  const bool last_is_block = !scalar_reg[last];
  const std::vector<FloatStep> rows = float_steps(steps_, inputs, out);
  if (!rows.empty()) {
    int64_t blocks = (total + kBlock - 1) / kBlock;
    cpu::parallel_for(blocks, total >= cpu::kParallelGrain ? 1 : blocks,
                      [&](int64_t b0, int64_t b1) {
                        run_float_rows(steps_, rows, inputs, plans, scalar_reg, out, b0, b1);
                      });
    return;
  }
  // A step's register in the scratch, padded by three cache lines so that
  // successive registers do not start on the same cache sets: a step reads
  // and writes the same offset in several registers at once.
  auto register_bytes = [&](size_t k) -> size_t {
    const size_t len = scalar_reg[inputs.size() + k] ? 1 : kBlock;
    return (len * size_of(steps_[k].dtype) + 63) / 64 * 64 + 3 * 64;
  };
  int64_t blocks = (total + kBlock - 1) / kBlock;
  char* dst = out.data<char>();
  size_t item = out.itemsize();
  cpu::parallel_for(blocks, total >= cpu::kParallelGrain ? 1 : blocks, [&](int64_t b0, int64_t b1) {
    // Registers live for the whole range of blocks: one scratch allocation,
    // and the arrays over it made once per block size (only the last block
    // is shorter). Single values and the last step's block (written straight
    // into the output) take no scratch.
    size_t scratch_bytes = 0;
    for (size_t k = 0; k + 1 < steps_.size(); ++k) scratch_bytes += register_bytes(k);
    array scratch(Shape{static_cast<int>(std::max<size_t>(scratch_bytes, 1))}, uint8, nullptr, {});
    cpu::allocate(scratch);
    std::vector<array> regs;
    regs.reserve(inputs.size() + steps_.size());
    int64_t regs_len = -1;  // block length the step registers were made for
    for (int64_t blk = b0; blk < b1; ++blk) {
      int64_t start = blk * kBlock, n = std::min(kBlock, total - start);
      if (n != regs_len) {
        regs.clear();
        // Inputs read per block get their views below; this holds the place.
        for (auto& in : inputs) regs.push_back(view_of(in, 0, 1));
        char* p = scratch.data<char>();
        for (size_t k = 0; k + 1 < steps_.size(); ++k) {
          int64_t len = scalar_reg[inputs.size() + k] ? 1 : n;
          regs.push_back(view_at(p, len, steps_[k].dtype));
          p += register_bytes(k);
        }
        regs.push_back(view_at(dst, 1, out.dtype()));  // the last step's, set per block
        regs_len = n;
      }
      for (size_t i = 0; i < inputs.size(); ++i) {
        if (plans[i].kind == InputPlan::Dense) {
          regs[i] = view_of(inputs[i], start, n);
        } else if (plans[i].kind == InputPlan::Gather) {
          regs[i] = gathered(inputs[i], plans[i], start, n);
        }
      }
      if (last_is_block) {
        regs[last] = view_at(dst + start * item, n, out.dtype());
      } else {
        regs[last] = array(Shape{1}, out.dtype(), nullptr, {});
        cpu::allocate(regs[last]);
      }
      std::vector<array> args;
      for (size_t k = 0; k < steps_.size(); ++k) {
        const Step& st = steps_[k];
        args.clear();
        for (int a : st.args) args.push_back(regs[a]);
        st.primitive->eval_elementwise_cpu(args, regs[inputs.size() + k]);
      }
      if (!last_is_block) {
        const char* src = regs[last].data<char>();
        for (int64_t k = 0; k < n; ++k) std::memcpy(dst + (start + k) * item, src, item);
      }
    }
  });
}

}  // namespace lmx
