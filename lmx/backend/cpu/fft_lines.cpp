// Transforms of many lines at once (fft_lines.h): kissfft's C++ template
// instantiated on Lanes, eight floats in one vector, so that every butterfly
// works on eight lines. Lines are moved into the lanes (real and imaginary
// parts apart, line l in lane l) in groups of eight, transformed, and moved
// back out. Compiled once per instruction set.
#include "lmx/backend/cpu/fft_lines.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

#include "lmx/backend/cpu/isa.h"

namespace {

// Eight floats, one per line, as a vector of the compiler's (generic vector
// arithmetic, lowered to each instruction set's registers where it lands).
// Lanes and its operations are defined outside the instruction-set region on
// purpose: std::complex<Lanes>'s members, defined in <complex> before the
// region, call them, and a function of the baseline set may be inlined into
// a wider set's code but never the reverse. Everything is forced inline, so
// no vector crosses a call between code of different sets. Aligned to 32
// bytes explicitly: a baseline compilation gives the type 16 (the widest
// register it knows), and the wider sets' aligned loads would fault.
typedef float Float8 __attribute__((vector_size(32), aligned(32)));

struct alignas(32) Lanes {
  Float8 v;

  LMX_KERNEL_INLINE Lanes() : v{} {}
  // Not explicit: kissfft writes scalar_t(0.5), (scalar_t)-1 and
  // `const scalar_t negative_if_inverse = _inverse ? -1 : +1`.
  LMX_KERNEL_INLINE Lanes(float x) : v{x, x, x, x, x, x, x, x} {}
  LMX_KERNEL_INLINE explicit Lanes(const Float8& x) : v(x) {}
  // kissfft's constructor calls std::acos((scalar_t)-1), which only takes a
  // floating-point number; every lane holds the same value there.
  LMX_KERNEL_INLINE operator float() const { return v[0]; }

  LMX_KERNEL_INLINE Lanes& operator+=(const Lanes& b) {
    v += b.v;
    return *this;
  }
  LMX_KERNEL_INLINE Lanes& operator-=(const Lanes& b) {
    v -= b.v;
    return *this;
  }
  LMX_KERNEL_INLINE Lanes& operator*=(const Lanes& b) {
    v *= b.v;
    return *this;
  }
};

LMX_KERNEL_INLINE Lanes operator-(const Lanes& a) {
  return Lanes(-a.v);
}
LMX_KERNEL_INLINE Lanes operator+(const Lanes& a, const Lanes& b) {
  return Lanes(a.v + b.v);
}
LMX_KERNEL_INLINE Lanes operator-(const Lanes& a, const Lanes& b) {
  return Lanes(a.v - b.v);
}
LMX_KERNEL_INLINE Lanes operator*(const Lanes& a, const Lanes& b) {
  return Lanes(a.v * b.v);
}

// A plain number times Lanes (kissfft's `i * phinc` with a size_t i): an
// exact match, so the built-in product through operator float is never
// chosen.
template <typename S, std::enable_if_t<std::is_arithmetic_v<S>, int> = 0>
LMX_KERNEL_INLINE Lanes operator*(S s, const Lanes& a) {
  return Lanes(static_cast<float>(s)) * a;
}
template <typename S, std::enable_if_t<std::is_arithmetic_v<S>, int> = 0>
LMX_KERNEL_INLINE Lanes operator*(const Lanes& a, S s) {
  return a * Lanes(static_cast<float>(s));
}

// Lane by lane, for std::exp of a complex<Lanes> (kissfft's twiddle factors,
// computed once per plan): found by argument-dependent lookup.
template <typename F>
Lanes each_lane(const Lanes& a, F f) {
  Lanes r;
  for (int l = 0; l < 8; ++l) r.v[l] = f(a.v[l]);
  return r;
}
inline Lanes exp(const Lanes& a) {
  return each_lane(a, [](float x) { return std::exp(x); });
}
inline Lanes cos(const Lanes& a) {
  return each_lane(a, [](float x) { return std::cos(x); });
}
inline Lanes sin(const Lanes& a) {
  return each_lane(a, [](float x) { return std::sin(x); });
}

}  // namespace

#define LMX_LINE_TRANSFORMS(ns)                                                        \
  namespace lmx::cpu::ns {                                                             \
  std::unique_ptr<const LineTransforms> make_line_transforms(int64_t n, bool inverse); \
  }
LMX_FOR_EACH_ISA(LMX_LINE_TRANSFORMS)
#undef LMX_LINE_TRANSFORMS

// Last: the code below is compiled once per instruction set.
#include "lmx/backend/cpu/isa_region.h"

LMX_ISA_BEGIN

// kissfft's class template, defined inside the region so that its
// butterflies are compiled for this instruction set (its own includes are
// already in). Each set's copy is a different template,
// lmx::cpu::<set>::kissfft; fft.cpp uses the global one for single lines.
#include <kissfft/kissfft.hh>

namespace {

using cfloat = std::complex<float>;
constexpr int64_t kLanes = 8;
// How many points ahead the moves into and out of the lanes prefetch.
constexpr int64_t kAhead = 8;
// Points this many complex numbers apart (half a page) or more are prefetched.
constexpr int64_t kFar = 256;

class Lines final : public LineTransforms {
 public:
  Lines(int64_t n, bool inverse) : n_(n), fft_(static_cast<size_t>(n), inverse) {}

  void run(const cfloat* in, int64_t in_line, int64_t in_point, cfloat* out, int64_t out_line,
           int64_t out_point, int64_t count, float scale) const override {
    std::vector<std::complex<Lanes>> lines(n_), spectra(n_);
    const bool far_in = in_point >= kFar, far_out = out_point >= kFar;
    for (int64_t first = 0; first < count; first += kLanes) {
      const int64_t used = std::min(kLanes, count - first);
      const cfloat* src = in + first * in_line;
      for (int64_t j = 0; j < n_; ++j) {
        const cfloat* p = src + j * in_point;
        // Points a page or more apart defeat the hardware prefetcher, and
        // each read would wait for memory.
        if (far_in && j + kAhead < n_) __builtin_prefetch(p + kAhead * in_point);
        Float8 re{}, im{};  // unused lanes transform zeros
        if (used == kLanes && in_line == 1) {
          // Eight neighbouring complex numbers: two vectors, deinterleaved.
          Float8 a, b;
          __builtin_memcpy(&a, p, sizeof a);
          __builtin_memcpy(&b, p + 4, sizeof b);
          re = __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14);
          im = __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15);
        } else {
          for (int64_t l = 0; l < used; ++l) {
            re[l] = p[l * in_line].real();
            im[l] = p[l * in_line].imag();
          }
        }
        lines[j] = {Lanes(re), Lanes(im)};
      }
      fft_.transform(lines.data(), spectra.data());
      cfloat* dst = out + first * out_line;
      for (int64_t k = 0; k < n_; ++k) {
        cfloat* p = dst + k * out_point;
        if (far_out && k + kAhead < n_) __builtin_prefetch(p + kAhead * out_point, 1);
        const Float8 re = spectra[k].real().v * scale, im = spectra[k].imag().v * scale;
        if (used == kLanes && out_line == 1) {
          const Float8 a = __builtin_shufflevector(re, im, 0, 8, 1, 9, 2, 10, 3, 11);
          const Float8 b = __builtin_shufflevector(re, im, 4, 12, 5, 13, 6, 14, 7, 15);
          __builtin_memcpy(static_cast<void*>(p), &a, sizeof a);
          __builtin_memcpy(static_cast<void*>(p + 4), &b, sizeof b);
        } else {
          for (int64_t l = 0; l < used; ++l) p[l * out_line] = cfloat(re[l], im[l]);
        }
      }
    }
  }

 private:
  int64_t n_;
  kissfft<Lanes> fft_;
};

}  // namespace

std::unique_ptr<const LineTransforms> make_line_transforms(int64_t n, bool inverse) {
  return std::make_unique<const Lines>(n, inverse);
}

LMX_ISA_END

#if LMX_ISA_ID == 0
namespace lmx::cpu {

bool line_transforms_support(int64_t n) {
  if (n < 2) return false;
  for (int64_t p : {2, 3, 5})
    while (n % p == 0) n /= p;
  return n == 1;
}

std::unique_ptr<const LineTransforms> make_line_transforms(int64_t n, bool inverse) {
  return LMX_ISA_CALL(make_line_transforms, n, inverse);
}

}  // namespace lmx::cpu
#endif  // LMX_ISA_ID == 0
