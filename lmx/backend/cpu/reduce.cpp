// Reductions. The input is viewed row-major, runs of reduced and of kept axes
// are merged, and one driver handles both cases that matter: the innermost
// axis reduced (contiguous runs fold into one value) or kept (rows fold into a
// row of outputs).
#include <cmath>
#include <limits>

#include "lmx/backend/cpu/isa.h"
#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/core/primitives.h"

// The folds, compiled once per instruction set (isa.h).
#define LMX_REDUCE_KERNEL(ns)                                                              \
  namespace lmx::cpu::ns {                                                                 \
  void reduce(ReduceType type, const array& in, array& out, const std::vector<int>& axes); \
  }
LMX_FOR_EACH_ISA(LMX_REDUCE_KERNEL)
#undef LMX_REDUCE_KERNEL

// Last: the kernels below are compiled once per instruction set.
#include "lmx/backend/cpu/isa_region.h"

LMX_ISA_BEGIN

namespace {

template <typename T>
using acc_t = cpu::acc_t<T>;

// std::vector<bool> has no data(): keep boolean accumulators as bytes.
template <typename A>
using Store = std::conditional_t<std::is_same_v<A, bool>, uint8_t, A>;

// Ops marked `lanewise` apply unchanged to GCC vector types, which the
// float/double fold below uses (the auto-vectoriser does not manage it).
template <typename A>
struct SumOp {
  static constexpr bool lanewise = true;
  static A init() { return A(0); }
  template <typename V>
  static V apply(V a, V b) {
    return a + b;
  }
};
template <typename A>
struct ProdOp {
  static constexpr bool lanewise = true;
  static A init() { return A(1); }
  template <typename V>
  static V apply(V a, V b) {
    return a * b;
  }
};
template <typename A>
struct MaxOp {
  static constexpr bool lanewise = false;
  static A init() {
    if constexpr (std::numeric_limits<A>::has_infinity) return -std::numeric_limits<A>::infinity();
    return std::numeric_limits<A>::lowest();
  }
  static A apply(A a, A b) {
    if constexpr (std::is_floating_point_v<A>) {
      if (std::isnan(a) || std::isnan(b)) return a + b;
    }
    return a > b ? a : b;
  }
};
template <typename A>
struct MinOp {
  static constexpr bool lanewise = false;
  static A init() {
    if constexpr (std::numeric_limits<A>::has_infinity) return std::numeric_limits<A>::infinity();
    return std::numeric_limits<A>::max();
  }
  static A apply(A a, A b) {
    if constexpr (std::is_floating_point_v<A>) {
      if (std::isnan(a) || std::isnan(b)) return a + b;
    }
    return a < b ? a : b;
  }
};
struct AndOp {
  static constexpr bool lanewise = false;
  static bool init() { return true; }
  static bool apply(bool a, bool b) { return a && b; }
};
struct OrOp {
  static constexpr bool lanewise = false;
  static bool init() { return false; }
  static bool apply(bool a, bool b) { return a || b; }
};

// 64-byte GCC vector types for the lane-wise float/double fold.
template <typename A>
struct Vec64;
template <>
struct Vec64<float> {
  typedef float type __attribute__((vector_size(64)));
};
template <>
struct Vec64<double> {
  typedef double type __attribute__((vector_size(64)));
};

// Lanes in one of those vectors.
template <typename A>
constexpr int kLanes = 64 / sizeof(A);

template <typename T, typename A, typename Op>
constexpr bool kVectorFold = (Op::lanewise && std::is_same_v<T, A> && std::is_floating_point_v<A>);

// What a block folds into: a whole vector of lanes for the vector fold (its
// lanes are combined once, at the end: combining them after every block cost
// ~15% of a 64 MB sum), one value otherwise.
template <typename A, bool vector>
struct PartialOf {
  using type = A;
};
template <typename A>
struct PartialOf<A, true> {
  using type = typename Vec64<A>::type;
};
template <typename T, typename A, typename Op>
using Partial = typename PartialOf<A, kVectorFold<T, A, Op>>::type;

template <typename T, typename A, typename Op>
Partial<T, A, Op> partial_init() {
  Partial<T, A, Op> p;
  if constexpr (kVectorFold<T, A, Op>) {
    for (int l = 0; l < kLanes<A>; ++l) p[l] = Op::init();
  } else {
    p = Op::init();
  }
  return p;
}

// Folds n contiguous values with independent accumulators, so the loop
// vectorises and the operations overlap.
template <typename T, typename A, typename Op>
Partial<T, A, Op> fold_block(const T* x, int64_t n) {
  if constexpr (kVectorFold<T, A, Op>) {
    // Four 64-byte vectors of independent partial results.
    using V = Partial<T, A, Op>;
    constexpr int W = kLanes<A>;
    V acc[4];
    for (auto& v : acc) v = partial_init<T, A, Op>();
    int64_t i = 0;
    for (; i + 4 * W <= n; i += 4 * W) {
      // Long runs come from memory: ask for the lines 2 KiB ahead. Measured
      // on a 64 MB sum in core_bench, builds with and without it alternated
      // nine times: median 55 vs 51 GB/s (one core, session 3: 35 -> 43),
      // though a standalone loop shows no clear difference.
      const char* ahead = reinterpret_cast<const char*>(x + i) + 2048;
      for (int k = 0; k < 4; ++k) __builtin_prefetch(ahead + 64 * k);
      for (int k = 0; k < 4; ++k) {
        V v;
        std::memcpy(&v, x + i + k * W, sizeof(V));
        acc[k] = Op::apply(acc[k], v);
      }
    }
    for (; i < n; ++i) acc[0][0] = Op::apply(acc[0][0], x[i]);
    return Op::apply(Op::apply(acc[0], acc[1]), Op::apply(acc[2], acc[3]));
  } else {
    constexpr int L = 8;
    A acc[L];
    for (int l = 0; l < L; ++l) acc[l] = Op::init();
    int64_t i = 0;
    for (; i + L <= n; i += L) {
      for (int l = 0; l < L; ++l) acc[l] = Op::apply(acc[l], static_cast<A>(x[i + l]));
    }
    for (; i < n; ++i) acc[0] = Op::apply(acc[0], static_cast<A>(x[i]));
    for (int l = 1; l < L; ++l) acc[0] = Op::apply(acc[0], acc[l]);
    return acc[0];
  }
}

// Folds blocks, and the blocks' results in groups, so a long float sum loses
// little precision (cascade summation).
template <typename T, typename A, typename Op>
A fold_contiguous(const T* x, int64_t n) {
  constexpr int64_t kBlock = 2048;
  auto r = partial_init<T, A, Op>(), carry = r;
  int64_t blocks = 0;
  for (int64_t i = 0; i < n; i += kBlock) {
    carry = Op::apply(carry, fold_block<T, A, Op>(x + i, std::min(kBlock, n - i)));
    if (++blocks % 64 == 0) {
      r = Op::apply(r, carry);
      carry = partial_init<T, A, Op>();
    }
  }
  r = Op::apply(r, carry);
  if constexpr (kVectorFold<T, A, Op>) {
    A s = r[0];
    for (int l = 1; l < kLanes<A>; ++l) s = Op::apply(s, r[l]);
    return s;
  } else {
    return r;
  }
}

template <typename T, typename A, typename Op>
void reduce_impl(const array& in_arr, array& out, const std::vector<int>& axes) {
  array in = cpu::ensure_row_contiguous(in_arr);
  const T* x = in.data<T>();
  T* y = out.data<T>();
  int64_t out_size = static_cast<int64_t>(out.size());
  if (in.size() == 0) {
    for (int64_t i = 0; i < out_size; ++i) y[i] = static_cast<T>(Op::init());
    return;
  }
  // Merge runs of reduced / kept axes; size-1 axes are dropped.
  Shape dims;
  std::vector<bool> reduced;
  for (int i = 0; i < in.ndim(); ++i) {
    if (in.shape(i) == 1) continue;
    bool r = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (!dims.empty() && reduced.back() == r) {
      dims.back() *= in.shape(i);
    } else {
      dims.push_back(in.shape(i));
      reduced.push_back(r);
    }
  }
  if (dims.empty()) {  // a single element
    y[0] = x[0];
    return;
  }
  int nd = static_cast<int>(dims.size());
  Strides in_strides = cpu::row_strides(dims);
  // Output strides over the same dims: zero on reduced ones.
  Strides out_strides(nd, 0);
  int64_t acc = 1;
  for (int i = nd - 1; i >= 0; --i) {
    if (!reduced[i]) {
      out_strides[i] = acc;
      acc *= dims[i];
    }
  }
  Shape outer(dims.begin(), dims.end() - 1);
  Strides outer_in(in_strides.begin(), in_strides.end() - 1);
  Strides outer_out(out_strides.begin(), out_strides.end() - 1);
  int64_t inner = dims.back();
  outer.push_back(1);  // for_each_row walks rows of the last dim: make it a dummy
  outer_in.push_back(0);
  outer_out.push_back(0);
  int64_t rows = cpu::num_rows(outer);

  if (reduced.back()) {
    // Each row of `inner` contiguous values folds into one output.
    for (int64_t i = 0; i < out_size; ++i) y[i] = static_cast<T>(Op::init());
    bool rows_independent =
        nd == 2 || std::none_of(reduced.begin(), reduced.end() - 1, [](bool r) { return r; });
    if (nd == 1) {
      // Full reduction: the run is cut into fixed pieces that threads claim as
      // they come free, so a worker that starts late still takes its share
      // (with a fixed share per thread the caller finished first and waited
      // for it). Threads claim neighbouring pieces, so they stream from
      // neighbouring memory. The pieces' results are combined in index order:
      // the sum does not depend on scheduling or the thread count.
      constexpr int64_t kPiece = cpu::kParallelGrain;
      int64_t pieces = (inner + kPiece - 1) / kPiece;
      std::vector<Store<A>> partial(pieces);
      cpu::parallel_tasks(pieces, [&](int64_t k) {
        int64_t s = k * kPiece;
        partial[k] = fold_contiguous<T, A, Op>(x + s, std::min(kPiece, inner - s));
      });
      A r = Op::init();
      for (auto p : partial) r = Op::apply(r, p);
      y[0] = static_cast<T>(r);
      return;
    }
    auto body = [&](int64_t b, int64_t e) {
      cpu::for_each_row<2>(outer, {&outer_in, &outer_out}, b, e,
                           [&](const std::array<int64_t, 2>& off, int64_t) {
                             A r = fold_contiguous<T, A, Op>(x + off[0], inner);
                             y[off[1]] = static_cast<T>(Op::apply(static_cast<A>(y[off[1]]), r));
                           });
    };
    if (rows_independent) {
      cpu::parallel_for(rows, std::max<int64_t>(1, cpu::kParallelGrain / inner), body);
    } else {
      body(0, rows);
    }
    return;
  }
  // The innermost axis is kept: fold whole rows into rows of the output, in A.
  std::vector<Store<A>> accum(out_size, Op::init());
  cpu::parallel_for(inner, std::max<int64_t>(256, cpu::kParallelGrain / std::max<int64_t>(rows, 1)),
                    [&](int64_t cb, int64_t ce) {
                      cpu::for_each_row<2>(outer, {&outer_in, &outer_out}, 0, rows,
                                           [&](const std::array<int64_t, 2>& off, int64_t) {
                                             const T* xr = x + off[0];
                                             Store<A>* yr = accum.data() + off[1];
                                             for (int64_t j = cb; j < ce; ++j) {
                                               yr[j] = Op::apply(static_cast<A>(yr[j]),
                                                                 static_cast<A>(xr[j]));
                                             }
                                           });
                    });
  for (int64_t i = 0; i < out_size; ++i) y[i] = static_cast<T>(accum[i]);
}

}  // namespace

void reduce(ReduceType type, const array& in, array& out, const std::vector<int>& axes) {
  const char* who = "reduce";
  switch (type) {
    case ReduceType::And:
      return reduce_impl<bool, bool, AndOp>(in, out, axes);
    case ReduceType::Or:
      return reduce_impl<bool, bool, OrOp>(in, out, axes);
    case ReduceType::Sum:
    case ReduceType::Prod:
      return dispatch_all_types(
          in.dtype(), isa_types<LMX_ISA_ID>([&](auto tag) {
            using T = typename decltype(tag)::type;
            using A = std::conditional_t<std::is_same_v<T, bool>, int32_t, acc_t<T>>;
            if (type == ReduceType::Sum) {
              reduce_impl<T, A, SumOp<A>>(in, out, axes);
            } else {
              reduce_impl<T, A, ProdOp<A>>(in, out, axes);
            }
          }));
    case ReduceType::Max:
    case ReduceType::Min:
      return dispatch_real_types(in.dtype(), who, isa_types<LMX_ISA_ID>([&](auto tag) {
                                   using T = typename decltype(tag)::type;
                                   using A = acc_t<T>;
                                   if (type == ReduceType::Max) {
                                     reduce_impl<T, A, MaxOp<A>>(in, out, axes);
                                   } else {
                                     reduce_impl<T, A, MinOp<A>>(in, out, axes);
                                   }
                                 }));
  }
}

LMX_ISA_END

#if LMX_ISA_ID == 0
namespace lmx {

void Reduce::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate(out);
  return LMX_ISA_CALL_FOR(inputs[0].dtype(), reduce, type_, inputs[0], out, axes_);
}

void ArgReduce::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  cpu::allocate(out);
  dispatch_real_types(in.dtype(), "argreduce", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = cpu::acc_t<T>;
    const T* x = in.data<T>();
    uint32_t* y = out.data<uint32_t>();
    int64_t n = in.shape(axis_), stride = in.strides()[axis_];
    Shape shape = out.shape();
    std::vector<Strides> st{in.strides(), cpu::row_strides(shape)};
    st[0][axis_] = 0;
    shape.push_back(1);
    st[0].push_back(0);
    st[1].push_back(0);
    bool is_max = type_ == ArgReduceType::ArgMax;
    cpu::strided_loop<2>(shape, {&st[0], &st[1]}, [&](const std::array<int64_t, 2>& off, int64_t) {
      const T* p = x + off[0];
      A best = static_cast<A>(p[0]);
      uint32_t bi = 0;
      for (int64_t i = 1; i < n; ++i) {
        A v = static_cast<A>(p[i * stride]);
        bool better;
        if constexpr (std::is_floating_point_v<A>) {
          // NaN wins, as in NumPy: the first NaN is the answer.
          if (std::isnan(best)) break;
          better = std::isnan(v) || (is_max ? v > best : v < best);
        } else {
          better = is_max ? v > best : v < best;
        }
        if (better) {
          best = v;
          bi = static_cast<uint32_t>(i);
        }
      }
      y[off[1]] = bi;
    });
  });
}

}  // namespace lmx
#endif  // LMX_ISA_ID == 0
