// Elementwise kernels of two and three inputs: the Binary primitive's maps
// (one per row of the table in elementwise_ops.h, on the functors of
// scalar_ops.h, broadcasting inside the kernel), DivMod and Select.
#include <bit>
#include <cmath>
#include <cstdint>
#include <memory>
#include <type_traits>

#include "lmx/backend/cpu/elementwise.h"
#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/core/primitives.h"
#include "lmx/core/scalar_ops.h"
// Last: the kernels below are compiled once per instruction set.
#include "lmx/backend/cpu/isa_region.h"

LMX_ISA_BEGIN

namespace {

template <typename T>
using math_t = std::conditional_t<is_half_v<T>, float, T>;

// o[i] = f(x[i * sx], y[i * sy]) for i < n. Rows where each operand advances
// by one or stays on one entry get loops with the strides known, which
// vectorise. Kept out of line: binary_map calls it from its dense path and
// from the strided loop, and one copy per op and dtype keeps this file's
// build time down (it is compiled for every row of the op table, every dtype
// and every instruction set).
template <typename T, typename U, typename F>
[[gnu::noinline]] void binary_row(const T* x, int64_t sx, const T* y, int64_t sy, U* o, int64_t n,
                                  F f) {
  if (sx == 1 && sy == 1) {
    for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]);
  } else if (sx == 1 && sy == 0) {
    const T yv = y[0];
    for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], yv);
  } else if (sx == 0 && sy == 1) {
    const T xv = x[0];
    for (int64_t i = 0; i < n; ++i) o[i] = f(xv, y[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) o[i] = f(x[i * sx], y[i * sy]);
  }
}

// out = f(a, b) with a and b broadcast to out's shape.
template <typename T, typename U, typename F>
void binary_map(const array& a, const array& b, array& out, F f) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  U* po = out.data<U>();
  const int64_t n = static_cast<int64_t>(out.size());
  auto dense = [&](const array& x) {
    return x.flags().row_contiguous && x.size() == out.size() && x.data_size() == x.size();
  };
  // Each operand dense or a single value: one row, split over the pool,
  // without the strided loop's set-up (most ops of a training step).
  const bool a_one = a.size() == 1, b_one = b.size() == 1;
  if ((a_one || dense(a)) && (b_one || dense(b))) {
    const int64_t sa = a_one ? 0 : 1, sb = b_one ? 0 : 1;
    parallel_for(n, kParallelGrain, [&](int64_t s, int64_t e) {
      binary_row(pa + s * sa, sa, pb + s * sb, sb, po + s, e - s, f);
    });
    return;
  }
  Shape shape = out.shape();
  std::vector<Strides> st{broadcast_strides(a, shape), broadcast_strides(b, shape),
                          row_strides(shape)};
  collapse_dims(shape, st);
  // A short row repeated down a dense operand (a convolution's bias of 16
  // channels added to its (N, H, W, 16) output) costs a call per row of a few
  // elements: the row is repeated into a buffer of about 1024 elements, and
  // each call then covers that many (the MNIST CNN's first bias add: 0.28 ->
  // 0.1 ms).
  if (shape.size() == 2 && shape[1] < 256) {
    const int64_t len = shape[1], rows = shape[0];
    const bool a_rows = st[0][0] == len && st[0][1] == 1 && st[1][0] == 0 && st[1][1] == 1;
    const bool b_rows = st[1][0] == len && st[1][1] == 1 && st[0][0] == 0 && st[0][1] == 1;
    if (a_rows || b_rows) {
      const int64_t reps = std::max<int64_t>(1, 1024 / len);
      // (Not a std::vector: T may be bool.)
      std::unique_ptr<T[]> repeated(new T[static_cast<size_t>(reps * len)]);
      const T* row = a_rows ? pb : pa;
      for (int64_t r = 0; r < reps; ++r) std::copy(row, row + len, repeated.get() + r * len);
      const T* dense_rows = a_rows ? pa : pb;
      parallel_for(rows, std::max<int64_t>(1, kParallelGrain / len), [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; r += reps) {
          const int64_t m = std::min(reps, e - r) * len;
          if (a_rows) {
            binary_row(dense_rows + r * len, 1, repeated.get(), 1, po + r * len, m, f);
          } else {
            binary_row(repeated.get(), 1, dense_rows + r * len, 1, po + r * len, m, f);
          }
        }
      });
      return;
    }
  }
  const int64_t sa = shape.empty() ? 0 : st[0].back(), sb = shape.empty() ? 0 : st[1].back();
  strided_loop<3>(shape, {&st[0], &st[1], &st[2]},
                  [&](const std::array<int64_t, 3>& off, int64_t len) {
                    binary_row(pa + off[0], sa, pb + off[1], sb, po + off[2], len, f);
                  });
}

template <OutKind O, typename T>
using out_t = std::conditional_t<O == OutKind::Bool, bool, T>;

// F on elements of type T, computed in math_t<T>, as an Out.
template <typename F, typename T, typename Out>
struct ElementFn {
  Out operator()(T x, T y) const {
    return static_cast<Out>(F{}(static_cast<math_t<T>>(x), static_cast<math_t<T>>(y)));
  }
};

// Applies F to every pair of elements, for the dtypes class C admits; 16-bit
// floats compute in float.
template <typename F, DtypeClass C, OutKind O>
void run_binary(const array& a, const array& b, array& out, const char* who) {
  dispatch_class<C>(a.dtype(), who, isa_types<LMX_ISA_ID>([&](auto tag) {
                      using T = typename decltype(tag)::type;
                      binary_map<T, out_t<O, T>>(a, b, out, ElementFn<F, T, out_t<O, T>>{});
                    }));
}

// The float32 row of F: the same instantiation of binary_row as run_binary's,
// so a fused chain gets the op's own results bit for bit.
template <typename F>
void float_row(const float* x, int64_t sx, const float* y, int64_t sy, float* o, int64_t n) {
  binary_row(x, sx, y, sy, o, n, ElementFn<F, float, float>{});
}

}  // namespace

FloatBinaryRow float_binary_row(BinaryOp op) {
  switch (op) {
#define LMX_BINARY_ROW(code, name, dtypes, output, ...)                   \
  case BinaryOp::code:                                                    \
    if constexpr (admits<DtypeClass::dtypes, float>() &&                  \
                  std::is_same_v<out_t<OutKind::output, float>, float>) { \
      return &float_row<scalar::code>;                                    \
    } else {                                                              \
      return nullptr;                                                     \
    }
    LMX_BINARY_OPS(LMX_BINARY_ROW)
#undef LMX_BINARY_ROW
  }
  return nullptr;
}

// One case per row of LMX_BINARY_OPS.
void apply_binary(BinaryOp op, const array& a, const array& b, array& out) {
  switch (op) {
#define LMX_BINARY_KERNEL(code, name, dtypes, output, ...) \
  case BinaryOp::code:                                     \
    return run_binary<scalar::code, DtypeClass::dtypes, OutKind::output>(a, b, out, #name);
    LMX_BINARY_OPS(LMX_BINARY_KERNEL)
#undef LMX_BINARY_KERNEL
  }
}

// The unsigned integer of T's size.
template <typename T>
using bits_of =
    std::conditional_t<sizeof(T) == 1, uint8_t,
                       std::conditional_t<sizeof(T) == 2, uint16_t,
                                          std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>>;

void apply_select(const array& c, const array& x, const array& y, array& out) {
  dispatch_all_types(
      out.dtype(), isa_types<LMX_ISA_ID>([&](auto tag) {
        using T = typename decltype(tag)::type;
        const bool* pc = c.data<bool>();
        const T* px = x.data<T>();
        const T* py = y.data<T>();
        T* po = out.data<T>();
        Shape shape = out.shape();
        std::vector<Strides> st{broadcast_strides(c, shape), broadcast_strides(x, shape),
                                broadcast_strides(y, shape), row_strides(shape)};
        collapse_dims(shape, st);
        int64_t sc = shape.empty() ? 0 : st[0].back(), sx = shape.empty() ? 0 : st[1].back(),
                sy = shape.empty() ? 0 : st[2].back();
        // Rows whose operands all advance by one (or, for the values, stay on
        // one entry) get loops with the strides known, which vectorise: a
        // where() of broadcast values (max's gradient) ran at a third of the
        // speed through the general loop.
        const bool unit_rows = sc == 1 && (sx == 0 || sx == 1) && (sy == 0 || sy == 1);
        strided_loop<4>(shape, {&st[0], &st[1], &st[2], &st[3]},
                        [&](const std::array<int64_t, 4>& off, int64_t n) {
                          const bool* cc = pc + off[0];
                          const T* xx = px + off[1];
                          const T* yy = py + off[2];
                          T* oo = po + off[3];
                          auto rows = [&](auto step_x, auto step_y) {
                            // As a select of bits under a mask made from the
                            // condition's byte, read as uint8_t: GCC keeps
                            // `c ? a : b` on a bool scalar and branching, and
                            // any loop loading bool scalar.
                            using U = bits_of<T>;
                            const uint8_t* cb = reinterpret_cast<const uint8_t*>(cc);
                            for (int64_t i = 0; i < n; ++i) {
                              const U mask = U(0) - static_cast<U>(cb[i]);
                              const U a = std::bit_cast<U>(xx[i * step_x]);
                              const U b = std::bit_cast<U>(yy[i * step_y]);
                              oo[i] = std::bit_cast<T>(static_cast<U>((a & mask) | (b & ~mask)));
                            }
                          };
                          using Zero = std::integral_constant<int64_t, 0>;
                          using One = std::integral_constant<int64_t, 1>;
                          if (!unit_rows) {
                            for (int64_t i = 0; i < n; ++i)
                              oo[i] = cc[i * sc] ? xx[i * sx] : yy[i * sy];
                          } else if (sx == 1 && sy == 1) {
                            rows(One{}, One{});
                          } else if (sx == 1) {
                            rows(One{}, Zero{});
                          } else if (sy == 1) {
                            rows(Zero{}, One{});
                          } else {
                            rows(Zero{}, Zero{});
                          }
                        });
      }));
}

LMX_ISA_END

#if LMX_ISA_ID == 0
namespace lmx {

cpu::FloatBinaryRow cpu::float_binary_row(BinaryOp op) {
  return LMX_ISA_CALL_FOR(float32, float_binary_row, op);
}

void cpu::apply_binary(BinaryOp op, const array& a, const array& b, array& out) {
  return LMX_ISA_CALL_FOR(a.dtype(), apply_binary, op, a, b, out);
}
void cpu::apply_select(const array& c, const array& x, const array& y, array& out) {
  return LMX_ISA_CALL_FOR(out.dtype(), apply_select, c, x, y, out);
}

void Binary::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& a = inputs[0];
  const array& b = inputs[1];
  if (out.dtype() == a.dtype()) {
    cpu::allocate_or_donate(out, {&a, &b});
  } else {
    cpu::allocate(out);
  }
  cpu::apply_binary(op_, a, b, out);
}
void Binary::eval_elementwise_cpu(const std::vector<array>& inputs, array& out) const {
  cpu::apply_binary(op_, inputs[0], inputs[1], out);
}

void DivMod::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  const array& a = inputs[0];
  const array& b = inputs[1];
  cpu::allocate(outputs[0]);
  cpu::allocate(outputs[1]);
  cpu::apply_binary(BinaryOp::FloorDivide, a, b, outputs[0]);
  cpu::apply_binary(BinaryOp::Remainder, a, b, outputs[1]);
}

void Select::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate_or_donate(out, {&inputs[1], &inputs[2]});
  cpu::apply_select(inputs[0], inputs[1], inputs[2], out);
}
void Select::eval_elementwise_cpu(const std::vector<array>& inputs, array& out) const {
  cpu::apply_select(inputs[0], inputs[1], inputs[2], out);
}

}  // namespace lmx
#endif  // LMX_ISA_ID == 0
