// Reductions. The input is viewed row-major, runs of reduced and of kept axes
// are merged, and one driver handles both cases that matter: the innermost
// axis reduced (contiguous runs fold into one value) or kept (rows fold into a
// row of outputs).
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "lmx/backend/cpu/isa.h"
#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/core/primitives.h"

// The folds, compiled once per instruction set (isa.h).
#define LMX_REDUCE_KERNEL(ns)                                                              \
  namespace lmx::cpu::ns {                                                                 \
  void reduce(ReduceType type, const array& in, array& out, const std::vector<int>& axes); \
  void extreme_grad(const array& x, const array& out, const array& g, array& dx,           \
                    const std::vector<int>& axes);                                         \
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

// An input viewed row-major with runs of reduced and of kept axes merged
// (size-1 axes dropped): the outer runs split into kept and reduced lists,
// and the innermost run. A window is one position of the kept outer axes
// (times the innermost run when it is kept: a row of outputs).
struct Layout {
  Shape kept, red;
  Strides kept_strides, red_strides;
  int64_t inner = 1;
  bool inner_reduced = false;

  Layout(const Shape& shape, const std::vector<int>& axes) {
    Shape dims;
    std::vector<bool> reduced;
    for (size_t i = 0; i < shape.size(); ++i) {
      if (shape[i] == 1) continue;
      bool r = std::find(axes.begin(), axes.end(), static_cast<int>(i)) != axes.end();
      if (!dims.empty() && reduced.back() == r) {
        dims.back() *= shape[i];
      } else {
        dims.push_back(shape[i]);
        reduced.push_back(r);
      }
    }
    if (dims.empty()) return;  // one element: a kept run of 1
    Strides strides = cpu::row_strides(dims);
    for (size_t i = 0; i + 1 < dims.size(); ++i) {
      (reduced[i] ? red : kept).push_back(dims[i]);
      (reduced[i] ? red_strides : kept_strides).push_back(strides[i]);
    }
    inner = dims.back();
    inner_reduced = reduced.back();
  }
  int64_t windows() const { return product(kept); }
  // The input offset of window w's first element.
  int64_t base(int64_t w) const {
    int64_t off = 0;
    for (int64_t d = static_cast<int64_t>(kept.size()) - 1; d >= 0; --d) {
      off += (w % kept[d]) * kept_strides[d];
      w /= kept[d];
    }
    return off;
  }
  static int64_t product(const Shape& s) {
    int64_t n = 1;
    for (auto d : s) n *= d;
    return n;
  }
};

// The bases of windows visited in order, counted up rather than divided out
// (a max pooling window is 64 floats: two divisions each were a good part
// of its cost).
class WindowWalk {
 public:
  explicit WindowWalk(const Layout& l) : l_(l), idx_(l.kept.size(), 0) {}
  // The base of window w, which is usually the one after the last.
  int64_t at(int64_t w) {
    if (w == current_ + 1 && current_ >= 0) {
      for (int64_t d = static_cast<int64_t>(idx_.size()) - 1; d >= 0; --d) {
        base_ += l_.kept_strides[d];
        if (++idx_[d] < l_.kept[d]) break;
        base_ -= l_.kept_strides[d] * l_.kept[d];
        idx_[d] = 0;
      }
    } else if (w != current_) {
      base_ = 0;
      for (int64_t d = static_cast<int64_t>(idx_.size()) - 1, rem = w; d >= 0; --d) {
        idx_[d] = rem % l_.kept[d];
        rem /= l_.kept[d];
        base_ += idx_[d] * l_.kept_strides[d];
      }
    }
    current_ = w;
    return base_;
  }

 private:
  const Layout& l_;
  std::vector<int64_t> idx_;
  int64_t current_ = -1, base_ = 0;
};

// W floats in one GCC vector (a struct's typedef: GCC drops the attribute
// from an alias template whose size depends on W).
template <int W>
struct FloatVector {
  typedef float type __attribute__((vector_size(4 * W)));
};

// Op on GCC vectors lane by lane, with max's and min's rule for NaN (either
// operand NaN gives NaN).
template <typename Op, typename F>
LMX_KERNEL_INLINE F apply_lanes(F a, F b) {
  if constexpr (Op::lanewise) {
    return Op::apply(a, b);
  } else if constexpr (std::is_same_v<Op, MaxOp<float>>) {
    return (a > b) | (a != a) ? a : b;
  } else {
    static_assert(std::is_same_v<Op, MinOp<float>>);
    return (a < b) | (a != a) ? a : b;
  }
}

// acc[j] = op(acc[j], x[j]) over a row; restrict pointers let it vectorise.
template <typename T, typename A, typename Op, typename S>
void fold_row(S* __restrict acc, const T* __restrict x, int64_t n) {
  for (int64_t j = 0; j < n; ++j) acc[j] = Op::apply(static_cast<A>(acc[j]), static_cast<A>(x[j]));
}

// The offsets of a window's reduced rows (its reduced outer positions) in
// row-major order: listed once when there are few, walked otherwise.
class ReducedRows {
 public:
  explicit ReducedRows(const Layout& l)
      : dims_(l.red), strides_(l.red_strides), count_(Layout::product(l.red)) {
    dims_.push_back(1);  // for_each_row walks rows of the last dim: make it a dummy
    strides_.push_back(0);
    if (count_ <= kListed) each(0, count_, [&](int64_t off) { listed_.push_back(off); });
  }
  int64_t count() const { return count_; }
  // f(offset) for the rows [begin, end).
  template <typename F>
  void each(int64_t begin, int64_t end, F&& f) const {
    if (static_cast<int64_t>(listed_.size()) == count_) {
      for (int64_t i = begin; i < end; ++i) f(listed_[i]);
      return;
    }
    cpu::for_each_row<1>(dims_, {&strides_}, begin, end,
                         [&](const std::array<int64_t, 1>& off, int64_t) { f(off[0]); });
  }

 private:
  static constexpr int64_t kListed = 4096;
  Shape dims_;
  Strides strides_;
  int64_t count_;
  std::vector<int64_t> listed_;
};

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
  if (in.size() == 1) {  // one element is its own result (a sum of -0.0 stays -0.0)
    y[0] = x[0];
    return;
  }
  Layout l(in.shape(), axes);
  ReducedRows rows(l);
  int64_t windows = l.windows(), inner = l.inner;
  if (l.inner_reduced) {
    if (windows == 1 && rows.count() == 1) {
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
    // Each window folds its reduced rows' contiguous runs, in order.
    int64_t work = rows.count() * inner;
    cpu::parallel_for(windows, std::max<int64_t>(1, cpu::kParallelGrain / work),
                      [&](int64_t b, int64_t e) {
                        for (int64_t w = b; w < e; ++w) {
                          const T* xw = x + l.base(w);
                          A r = Op::init();
                          rows.each(0, rows.count(), [&](int64_t off) {
                            r = Op::apply(r, fold_contiguous<T, A, Op>(xw + off, inner));
                          });
                          y[w] = static_cast<T>(r);
                        }
                      });
    return;
  }
  // A float32 row of one or two AVX-512 registers (max pooling's 16 or 32
  // channels, a 16-channel bias gradient) is folded a register at a time,
  // with no call per reduced row: pool1 of the MNIST CNN went 0.52 -> 0.10
  // ms, its first convolution's bias gradient 0.24 -> 0.18 ms. With few
  // windows the rows are split into groups as in the row loops below, and
  // combined in the same order. (GCC vectors wider than a register compiled
  // to far slower code; see ExtremeGrad below.)
  if constexpr (std::is_same_v<T, float> && std::is_same_v<A, float> && LMX_ISA_ID == 2 &&
                (Op::lanewise || std::is_same_v<Op, MaxOp<float>> ||
                 std::is_same_v<Op, MinOp<float>>)) {
    constexpr int W = 16;
    using F = FloatVector<W>::type;
    if (inner == W || inner == 2 * W) {
      // The groups of the row loops below, so a sum rounds the same way.
      const int64_t group =
          windows < 8 ? std::max<int64_t>(64, cpu::kParallelGrain / inner) : rows.count();
      const int64_t groups = (rows.count() + group - 1) / group;
      // Floats, not vectors: a std::vector<F> was not 64-byte aligned.
      std::vector<float> partial(groups > 1 ? windows * groups * inner : 0);
      cpu::parallel_for(
          windows * groups, std::max<int64_t>(1, cpu::kParallelGrain / (group * inner)),
          [&](int64_t b, int64_t e) {
            WindowWalk walk(l);
            for (int64_t t = b; t < e; ++t) {
              const int64_t k = t % groups, w = t / groups;
              for (int64_t c = 0; c < inner; c += W) {
                const float* xw = x + walk.at(w) + c;
                F acc = F{} + Op::init(), v;
                rows.each(k * group, std::min(rows.count(), (k + 1) * group), [&](int64_t off) {
                  std::memcpy(&v, xw + off, sizeof(F));
                  acc = apply_lanes<Op>(acc, v);
                });
                float* to = groups == 1 ? y + w * inner + c : partial.data() + t * inner + c;
                std::memcpy(to, &acc, sizeof(F));
              }
            }
          });
      for (int64_t w = 0; w < windows && groups > 1; ++w) {
        for (int64_t c = 0; c < inner; c += W) {
          F acc, v;
          std::memcpy(&acc, partial.data() + w * groups * inner + c, sizeof(F));
          for (int64_t k = 1; k < groups; ++k) {
            std::memcpy(&v, partial.data() + (w * groups + k) * inner + c, sizeof(F));
            acc = apply_lanes<Op>(acc, v);
          }
          std::memcpy(y + w * inner + c, &acc, sizeof(F));
        }
      }
      return;
    }
  }
  // The innermost run is kept: each window folds its reduced rows into a row
  // of outputs, in A, in order. Tasks are (window, column piece), so many
  // short rows (max pooling's windows, 16 channels wide) spread over the pool
  // by window and a few long ones by column. With few tasks, the reduced
  // rows are split into groups too (a bias gradient: one window of 73728 rows
  // of 16), whose results are combined in order. None of the splits depends
  // on the thread count, so neither do the results.
  int64_t piece = std::min<int64_t>(inner, 4096);
  if (windows < 8) piece = std::min(inner, std::max<int64_t>(256, (inner + 7) / 8));
  int64_t pieces = (inner + piece - 1) / piece;
  int64_t group = rows.count();
  if (windows * pieces < 8) group = std::max<int64_t>(64, cpu::kParallelGrain / piece);
  int64_t groups = (rows.count() + group - 1) / group;
  std::vector<Store<A>> partial(groups > 1 ? windows * pieces * groups * piece : 0);
  int64_t tasks = windows * pieces * groups;
  cpu::parallel_for(tasks, std::max<int64_t>(1, cpu::kParallelGrain / (group * piece)),
                    [&](int64_t b, int64_t e) {
                      std::vector<Store<A>> acc(piece);
                      WindowWalk walk(l);
                      for (int64_t t = b; t < e; ++t) {
                        int64_t k = t % groups, c = (t / groups) % pieces, w = t / groups / pieces;
                        int64_t c0 = c * piece, n = std::min(piece, inner - c0);
                        const T* xw = x + walk.at(w) + c0;
                        Store<A>* a = groups > 1 ? partial.data() + t * piece : acc.data();
                        std::fill_n(a, n, Store<A>(Op::init()));
                        rows.each(k * group, std::min(rows.count(), (k + 1) * group),
                                  [&](int64_t off) { fold_row<T, A, Op>(a, xw + off, n); });
                        if (groups == 1) {
                          T* yr = y + w * inner + c0;
                          for (int64_t j = 0; j < n; ++j) yr[j] = static_cast<T>(a[j]);
                        }
                      }
                    });
  if (groups == 1) return;
  for (int64_t w = 0; w < windows; ++w) {
    for (int64_t c = 0; c < pieces; ++c) {
      int64_t c0 = c * piece, n = std::min(piece, inner - c0);
      const Store<A>* p = partial.data() + (w * pieces + c) * groups * piece;
      T* yr = y + w * inner + c0;
      for (int64_t j = 0; j < n; ++j) {
        A r = static_cast<A>(p[j]);
        for (int64_t k = 1; k < groups; ++k) r = Op::apply(r, static_cast<A>(p[k * piece + j]));
        yr[j] = static_cast<T>(r);
      }
    }
  }
}

// Rows of ExtremeGrad's kernel (below); restrict pointers let them vectorise.
template <typename T, typename C>
void count_ties(const T* __restrict x, const T* __restrict ext, C* __restrict count, int64_t n) {
  for (int64_t j = 0; j < n; ++j) count[j] += x[j] == ext[j];
}
template <typename T, typename C>
void shares(const T* __restrict g, const C* __restrict count, T* __restrict share,
            T* __restrict zero, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    share[j] = g[j] / static_cast<T>(count[j]);
    zero[j] = share[j] * T(0);
  }
}
template <typename T>
void write_shares(const T* __restrict x, const T* __restrict ext, const T* __restrict share,
                  const T* __restrict zero, T* __restrict dx, int64_t n) {
  for (int64_t j = 0; j < n; ++j) dx[j] = x[j] == ext[j] ? share[j] : zero[j];
}

// One window of ExtremeGrad's kept-innermost case for float32 and a run of
// exactly W floats (one register's width), in a vector register: a max
// pooling window's 16 channels stay in one through both passes, where the
// row functions above paid for their loops' set-up on each of a 2 x 2
// window's nine calls (pool1 of the MNIST CNN, forward and vjp: 0.75 -> 0.49
// ms).
template <int W>
void extreme_grad_window(const float* x, const float* ow, const float* gw, float* dx,
                         const ReducedRows& rows) {
  using F = typename FloatVector<W>::type;
  auto load = [](const float* p) {
    F v;
    std::memcpy(&v, p, sizeof(F));
    return v;
  };
  // Counted in floats: exact for the fewer than 2^24 rows this is used for.
  const F o = load(ow), none = {}, one = none + 1.0f;
  F count = none;
  rows.each(0, rows.count(), [&](int64_t off) { count += load(x + off) == o ? one : none; });
  const F share = load(gw) / count, zero = share * 0.0f;
  rows.each(0, rows.count(), [&](int64_t off) {
    F v = load(x + off) == o ? share : zero;
    std::memcpy(dx + off, &v, sizeof(F));
  });
}

// ExtremeGrad (primitives.h): each window counts its entries equal to the
// extreme, then writes g / count there and (g / count) * 0 elsewhere.
template <typename T>
void extreme_grad_impl(const array& x_in, const array& out_in, const array& g_in, array& dx_out,
                       const std::vector<int>& axes) {
  array xa = cpu::ensure_row_contiguous(x_in), oa = cpu::ensure_row_contiguous(out_in),
        ga = cpu::ensure_row_contiguous(g_in);
  if (xa.size() == 0) return;
  const T* x = xa.data<T>();
  const T* o = oa.data<T>();
  const T* g = ga.data<T>();
  T* dx = dx_out.data<T>();
  Layout l(xa.shape(), axes);
  ReducedRows rows(l);
  int64_t windows = l.windows(), inner = l.inner;
  if (l.inner_reduced) {
    // A window is its reduced rows' contiguous runs, with one extreme.
    int64_t work = rows.count() * inner;
    cpu::parallel_for(windows, std::max<int64_t>(1, cpu::kParallelGrain / work),
                      [&](int64_t b, int64_t e) {
                        for (int64_t w = b; w < e; ++w) {
                          int64_t base = l.base(w);
                          const T ow = o[w];
                          int64_t count = 0;
                          rows.each(0, rows.count(), [&](int64_t off) {
                            const T* xr = x + base + off;
                            int64_t c = 0;
                            for (int64_t i = 0; i < inner; ++i) c += xr[i] == ow;
                            count += c;
                          });
                          const T share = g[w] / static_cast<T>(count), zero = share * T(0);
                          rows.each(0, rows.count(), [&](int64_t off) {
                            const T* xr = x + base + off;
                            T* dr = dx + base + off;
                            for (int64_t i = 0; i < inner; ++i) dr[i] = xr[i] == ow ? share : zero;
                          });
                        }
                      });
    return;
  }
  // The innermost run is kept: a window is a row of extremes, over the
  // window's reduced rows; tasks are (window, column piece).
  // In AVX-512 registers of 16 floats, one at a time: GCC vectors wider than
  // the registers compiled to far slower code (pool2's 32 channels as one
  // vector under AVX-512: 0.12 -> 0.92 ms; pool1's 16 under AVX2: 0.85 ->
  // 4.8 ms).
  if constexpr (std::is_same_v<T, float> && LMX_ISA_ID == 2) {
    constexpr int W = 16;
    // Two registers' worth (pool2's 32 channels) go one register at a time.
    if ((inner == W || inner == 2 * W) && rows.count() < (1 << 24)) {
      cpu::parallel_for(windows, std::max<int64_t>(1, cpu::kParallelGrain / (rows.count() * inner)),
                        [&](int64_t b, int64_t e) {
                          WindowWalk walk(l);
                          for (int64_t w = b; w < e; ++w) {
                            for (int64_t c = 0; c < inner; c += W) {
                              int64_t base = walk.at(w) + c;
                              extreme_grad_window<W>(x + base, o + w * inner + c, g + w * inner + c,
                                                     dx + base, rows);
                            }
                          }
                        });
      return;
    }
  }
  int64_t piece = std::min<int64_t>(inner, 1024);
  int64_t pieces = (inner + piece - 1) / piece;
  auto run = [&](auto count_tag) {
    using C = decltype(count_tag);
    cpu::parallel_for(
        windows * pieces, std::max<int64_t>(1, cpu::kParallelGrain / (rows.count() * piece)),
        [&](int64_t b, int64_t e) {
          std::vector<C> count(piece);
          std::vector<T> share(piece), zero(piece);
          WindowWalk walk(l);
          for (int64_t t = b; t < e; ++t) {
            int64_t w = t / pieces, c0 = (t % pieces) * piece, n = std::min(piece, inner - c0);
            int64_t base = walk.at(w) + c0;
            const T* ow = o + w * inner + c0;
            std::fill_n(count.data(), n, C(0));
            rows.each(0, rows.count(),
                      [&](int64_t off) { count_ties(x + base + off, ow, count.data(), n); });
            shares(g + w * inner + c0, count.data(), share.data(), zero.data(), n);
            rows.each(0, rows.count(), [&](int64_t off) {
              write_shares(x + base + off, ow, share.data(), zero.data(), dx + base + off, n);
            });
          }
        });
  };
  // Counts in 32 bits vectorise with the float comparisons.
  if (rows.count() <= INT32_MAX) {
    run(int32_t{});
  } else {
    run(int64_t{});
  }
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

void extreme_grad(const array& x, const array& out, const array& g, array& dx,
                  const std::vector<int>& axes) {
  if (x.dtype() == float64) return extreme_grad_impl<double>(x, out, g, dx, axes);
  extreme_grad_impl<float>(x, out, g, dx, axes);
}

LMX_ISA_END

#if LMX_ISA_ID == 0
namespace lmx {

void Reduce::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate(out);
  return LMX_ISA_CALL_FOR(inputs[0].dtype(), reduce, type_, inputs[0], out, axes_);
}

void ExtremeGrad::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::allocate(out);
  LMX_ISA_CALL_FOR(inputs[0].dtype(), extreme_grad, inputs[0], inputs[1], inputs[2], out, axes_);
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
