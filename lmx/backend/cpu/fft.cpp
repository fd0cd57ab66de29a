// The Fourier transform kernel. One-dimensional transforms come from kissfft
// (Debian's libkissfft-dev: a header-only, BSD-licensed mixed-radix FFT; see
// DESIGN.md for why), wrapped in a Plan that picks one of three ways to run
// a length:
//   Direct     kissfft itself, for lengths whose prime factors are small;
//   FourStep   a long length n = n1 * n2 as n2 transforms of n1 points, a
//              twiddle, and n1 transforms of n2 points, each short enough to
//              stay in cache and spread over the thread pool, eight at a
//              time in SIMD lanes (fft_lines.h) when their factors are 2, 3, 5;
//   Bluestein  a length with a large prime factor as a convolution of power
//              of two length (kissfft's generic butterfly is O(n * p)).
// Multi-axis transforms run one axis at a time over a working buffer, lines
// gathered in blocks of neighbours so that strided axes read whole cache
// lines; many lines of a Direct length run eight at a time in SIMD lanes.
// Real transforms of even length run as complex ones of half length.
#include <cmath>
#include <complex>
#include <cstring>
#include <kissfft/kissfft.hh>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

#include "lmx/backend/cpu/fft_lines.h"
#include "lmx/backend/cpu/isa.h"
#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/backend/cpu/thread_pool.h"
#include "lmx/core/fft_primitive.h"

namespace lmx {

namespace {

using cfloat = std::complex<float>;
using cdouble = std::complex<double>;

// exp(sign * 2 pi i * k / n), with k reduced modulo n first so that large
// products keep their precision.
cdouble root_of_unity(int64_t k, int64_t n, int sign) {
  k %= n;
  double angle = sign * 2.0 * M_PI * static_cast<double>(k) / static_cast<double>(n);
  return {std::cos(angle), std::sin(angle)};
}

int64_t largest_prime_factor(int64_t n) {
  int64_t largest = 1;
  for (int64_t p = 2; p * p <= n; ++p) {
    while (n % p == 0) {
      largest = p;
      n /= p;
    }
  }
  return n > 1 ? n : largest;
}

// Lines are moved in blocks of this many neighbours along the contiguous axis:
// eight complex floats are one 64-byte cache line.
constexpr int64_t kBlock = 8;

// Copies `lines` strided lines of n entries into consecutive rows of dst.
template <typename T>
void gather(const T* src, int64_t n, int64_t stride, int64_t lines, T* dst) {
  for (int64_t j = 0; j < n; ++j)
    for (int64_t b = 0; b < lines; ++b) dst[b * n + j] = src[j * stride + b];
}

template <typename T>
void scatter(const T* src, int64_t n, int64_t stride, int64_t lines, T* dst) {
  for (int64_t j = 0; j < n; ++j)
    for (int64_t b = 0; b < lines; ++b) dst[j * stride + b] = src[b * n + j];
}

class Plan;
std::shared_ptr<const Plan> plan_for(int64_t n, bool inverse);

// An unnormalized complex transform of one length and direction. run() is
// const and may be called from several threads at once.
class Plan {
 public:
  Plan(int64_t n, bool inverse) : n_(n), sign_(inverse ? 1 : -1) {
    const int64_t p = largest_prime_factor(n);
    if (n > 64 && p > 64) {
      setup_bluestein();
    } else if (n >= (int64_t(1) << 15) && split(n) >= 64) {
      kind_ = Kind::FourStep;
      n1_ = split(n);
      n2_ = n / n1_;
      first_ = plan_for(n1_, inverse);
      second_ = plan_for(n2_, inverse);
      if (first_->lines() && second_->lines()) kind_ = Kind::FourStepLines;
    } else {
      kind_ = Kind::Direct;
      shared_scratch_ = p > 5;
      direct_ = std::make_unique<kissfft<float>>(static_cast<size_t>(n), inverse);
      if (cpu::line_transforms_support(n)) lines_ = cpu::make_line_transforms(n, inverse);
    }
  }

  int64_t size() const { return n_; }

  // For a Direct length whose factors are 2, 3 and 5: the same transform, on
  // many lines at once. Null otherwise.
  const cpu::LineTransforms* lines() const { return lines_.get(); }

  // out = transform of in (they must not overlap). With `parallel`, a long
  // transform spreads over the thread pool; a caller already inside a
  // parallel region passes false.
  void run(const cfloat* in, cfloat* out, bool parallel) const {
    switch (kind_) {
      case Kind::Direct:
        return run_direct(in, out);
      case Kind::FourStep:
        return run_four_step(in, out, parallel);
      case Kind::FourStepLines:
        return run_four_step_lines(in, out, parallel);
      case Kind::Bluestein:
        return run_bluestein(in, out, parallel);
    }
  }

 private:
  enum class Kind { Direct, FourStep, FourStepLines, Bluestein };

  // kissfft's butterfly for factors above 5 writes a scratch buffer inside
  // the object, so concurrent calls each take a copy of their own from a
  // pool (as many as have ever run at once).
  void run_direct(const cfloat* in, cfloat* out) const {
    // One point is its own transform. (kissfft factors a length of 1 as one
    // stage of radix 1, which takes the generic butterfly and its scratch
    // buffer: two threads transforming length-1 lines at once resized one
    // vector together, and an irfft to one point crashed now and then.)
    if (n_ == 1) {
      out[0] = in[0];
      return;
    }
    if (!shared_scratch_) return direct_->transform(in, out);
    std::unique_ptr<kissfft<float>> mine;
    {
      std::lock_guard<std::mutex> lock(pool_mutex_);
      if (!pool_.empty()) {
        mine = std::move(pool_.back());
        pool_.pop_back();
      }
    }
    if (!mine) mine = std::make_unique<kissfft<float>>(*direct_);
    mine->transform(in, out);
    std::lock_guard<std::mutex> lock(pool_mutex_);
    pool_.push_back(std::move(mine));
  }

  // The largest divisor of n not above sqrt(n).
  static int64_t split(int64_t n) {
    int64_t best = 1;
    for (int64_t d = 1; d * d <= n; ++d)
      if (n % d == 0) best = d;
    return best;
  }

  // n = n1 * n2, input x[j1 * n2 + j2], output X[k1 + n1 * k2]:
  //   X = sum_j2 w_n2^(j2 k2) * w_n^(j2 k1) * sum_j1 x[j1 n2 + j2] w_n1^(j1 k1).
  // Pass one transforms the columns j2 (length n1) into the rows of a
  // scratch matrix t[j2][k1] and applies the twiddle; pass two transforms
  // t's columns k1 (length n2) into out[k2 * n1 + k1].
  void run_four_step(const cfloat* in, cfloat* out, bool parallel) const {
    const int64_t n1 = n1_, n2 = n2_;
    // Scratch without the zero fill a vector of complex would do.
    std::unique_ptr<float[]> storage(new float[2 * n_]);
    cfloat* t = reinterpret_cast<cfloat*>(storage.get());
    auto pass_one = [&](int64_t begin, int64_t end) {
      std::vector<cfloat> lines(kBlock * n1);
      for (int64_t block = begin; block < end; ++block) {
        const int64_t j2 = block * kBlock, count = std::min(kBlock, n2 - j2);
        gather(in + j2, n1, n2, count, lines.data());
        for (int64_t b = 0; b < count; ++b) {
          cfloat* row = t + (j2 + b) * n1;
          first_->run(lines.data() + b * n1, row, false);
          twiddle(row, j2 + b);
        }
      }
    };
    auto pass_two = [&](int64_t begin, int64_t end) {
      std::vector<cfloat> lines(kBlock * n2), done(kBlock * n2);
      for (int64_t block = begin; block < end; ++block) {
        const int64_t k1 = block * kBlock, count = std::min(kBlock, n1 - k1);
        gather(t + k1, n2, n1, count, lines.data());
        for (int64_t b = 0; b < count; ++b)
          second_->run(lines.data() + b * n2, done.data() + b * n2, false);
        scatter(done.data(), n2, n1, count, out + k1);
      }
    };
    const int64_t blocks_one = (n2 + kBlock - 1) / kBlock, blocks_two = (n1 + kBlock - 1) / kBlock;
    if (parallel) {
      cpu::parallel_for(blocks_one, 1, pass_one);
      cpu::parallel_for(blocks_two, 1, pass_two);
    } else {
      pass_one(0, blocks_one);
      pass_two(0, blocks_two);
    }
  }

  // The same two passes with each pass's lines in SIMD lanes: pass one reads
  // columns j2 (neighbours in memory) and writes rows of t, pass two reads
  // columns k1 of t and writes neighbouring entries of out.
  void run_four_step_lines(const cfloat* in, cfloat* out, bool parallel) const {
    const int64_t n1 = n1_, n2 = n2_;
    std::unique_ptr<float[]> storage(new float[2 * n_]);
    cfloat* t = reinterpret_cast<cfloat*>(storage.get());
    auto pass_one = [&](int64_t begin, int64_t end) {
      first_->lines()->run(in + begin, 1, n2, t + begin * n1, n1, 1, end - begin, 1.0f);
      for (int64_t j2 = begin; j2 < end; ++j2) twiddle(t + j2 * n1, j2);
    };
    auto pass_two = [&](int64_t begin, int64_t end) {
      second_->lines()->run(t + begin, 1, n1, out + begin, 1, n1, end - begin, 1.0f);
    };
    run_lines(n2, pass_one, parallel);
    run_lines(n1, pass_two, parallel);
  }

  // f(begin, end) over `count` lines, split over the pool in whole groups of
  // eight (the lanes) when `parallel`.
  template <typename F>
  static void run_lines(int64_t count, const F& f, bool parallel) {
    if (!parallel) return f(0, count);
    cpu::parallel_for((count + 7) / 8, 1,
                      [&](int64_t begin, int64_t end) { f(begin * 8, std::min(end * 8, count)); });
  }

  // row[k1] *= w_n^(j2 k1). With k1 = 64 b + r the factor is
  // w^(64 j2 b) * w^(j2 r): the 64 powers w^(j2 r) and the block factors come
  // from recurrences in double precision (the block one restarted from an
  // exact value every 16 blocks, so error cannot grow), and the products are
  // taken in float, where they vectorise. A recurrence per entry in double
  // was as slow as one pass of transforms.
  void twiddle(cfloat* row, int64_t j2) const {
    constexpr int64_t kRun = 64;
    float re[kRun], im[kRun];
    const cdouble step = root_of_unity(j2, n_, sign_);
    cdouble w = 1;
    for (int64_t r = 0; r < kRun; ++r) {
      re[r] = static_cast<float>(w.real());
      im[r] = static_cast<float>(w.imag());
      w *= step;
    }
    const cdouble block_step = root_of_unity(j2 * kRun, n_, sign_);
    cdouble block;
    for (int64_t b = 0; b < n1_; b += kRun) {
      block = b % (16 * kRun) == 0 ? root_of_unity(j2 * b, n_, sign_) : block * block_step;
      const float br = static_cast<float>(block.real()), bi = static_cast<float>(block.imag());
      float* p = reinterpret_cast<float*>(row + b);
      const int64_t len = std::min(kRun, n1_ - b);
      for (int64_t r = 0; r < len; ++r) {
        const float tr = br * re[r] - bi * im[r], ti = br * im[r] + bi * re[r];
        const float xr = p[2 * r], xi = p[2 * r + 1];
        p[2 * r] = xr * tr - xi * ti;
        p[2 * r + 1] = xr * ti + xi * tr;
      }
    }
  }

  // X_k = c_k * sum_j (x_j c_j) conj(c_(k-j)) with c_j = w^(j^2 / 2): a
  // circular convolution of power of two length m >= 2n - 1.
  void setup_bluestein() {
    kind_ = Kind::Bluestein;
    int64_t m = 1;
    while (m < 2 * n_ - 1) m *= 2;
    forward_m_ = plan_for(m, false);
    inverse_m_ = plan_for(m, true);
    chirp_.resize(n_);
    for (int64_t j = 0; j < n_; ++j) {
      // w^(j^2 / 2) = exp(sign * pi i * j^2 / n), j^2 taken modulo 2n.
      chirp_[j] = cfloat(root_of_unity((j * j) % (2 * n_), 2 * n_, sign_));
    }
    std::vector<cfloat> kernel(m, cfloat(0));
    for (int64_t j = 0; j < n_; ++j) {
      kernel[j] = std::conj(chirp_[j]) / static_cast<float>(m);
      if (j > 0) kernel[m - j] = kernel[j];
    }
    kernel_spectrum_.resize(m);
    forward_m_->run(kernel.data(), kernel_spectrum_.data(), false);
  }

  void run_bluestein(const cfloat* in, cfloat* out, bool parallel) const {
    const int64_t m = forward_m_->size();
    std::unique_ptr<float[]> storage(new float[4 * m]);
    cfloat* a = reinterpret_cast<cfloat*>(storage.get());
    cfloat* spectrum = a + m;
    // The pointwise steps are as long as the transforms are: they spread
    // over the pool too.
    auto each = [&](int64_t count, auto&& f) {
      if (parallel) {
        cpu::parallel_for(count, 1 << 15, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i) f(i);
        });
      } else {
        for (int64_t i = 0; i < count; ++i) f(i);
      }
    };
    each(m, [&](int64_t j) { a[j] = j < n_ ? in[j] * chirp_[j] : cfloat(0); });
    forward_m_->run(a, spectrum, parallel);
    each(m, [&](int64_t k) { spectrum[k] *= kernel_spectrum_[k]; });
    inverse_m_->run(spectrum, a, parallel);
    each(n_, [&](int64_t k) { out[k] = a[k] * chirp_[k]; });
  }

  int64_t n_;
  int sign_;
  Kind kind_ = Kind::Direct;
  std::unique_ptr<kissfft<float>> direct_;
  std::unique_ptr<const cpu::LineTransforms> lines_;
  bool shared_scratch_ = false;
  mutable std::mutex pool_mutex_;
  mutable std::vector<std::unique_ptr<kissfft<float>>> pool_;
  int64_t n1_ = 0, n2_ = 0;
  std::shared_ptr<const Plan> first_, second_;
  std::shared_ptr<const Plan> forward_m_, inverse_m_;
  std::vector<cfloat> chirp_, kernel_spectrum_;
};

// Plans are kept for the lengths used most recently: building one costs
// about as much as a transform, and training loops repeat their lengths.
std::shared_ptr<const Plan> plan_for(int64_t n, bool inverse) {
  static std::mutex mutex;
  // Keyed by the instruction set too: a plan's SIMD lanes are built for the
  // set active when it was made, and tests switch sets.
  using Key = std::tuple<int64_t, bool, cpu::Isa>;
  static std::list<std::pair<Key, std::shared_ptr<const Plan>>> recent;
  constexpr size_t kKept = 32;
  const Key key{n, inverse, cpu::active_isa()};
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto it = recent.begin(); it != recent.end(); ++it) {
      if (it->first == key) {
        recent.splice(recent.begin(), recent, it);
        return recent.front().second;
      }
    }
  }
  // Built unlocked: a plan builds the plans of its parts.
  auto plan = std::make_shared<const Plan>(n, inverse);
  std::lock_guard<std::mutex> lock(mutex);
  recent.emplace_front(key, plan);
  if (recent.size() > kKept) recent.pop_back();
  return plan;
}

// Runs `line` over every line along `axis` of a row-major array of `shape`
// (whose axis has n_in entries), writing a row-major array whose axis has
// n_out entries, every output multiplied by `scale`. `in` may be `out` when
// the types and lengths agree. Lines run in parallel when there are enough of
// them, otherwise each line's transform does.
template <typename In, typename Out, typename F>
void along_axis(const In* in, Out* out, const Shape& shape, int axis, int64_t n_in, int64_t n_out,
                float scale, const F& line) {
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= shape[i];
  for (int i = axis + 1; i < static_cast<int>(shape.size()); ++i) inner *= shape[i];
  const int64_t width = std::min(kBlock, inner);
  const int64_t blocks_per_outer = (inner + width - 1) / width;
  const int64_t tasks = outer * blocks_per_outer;
  const bool parallel_lines = tasks >= cpu::num_threads();
  const bool in_place = static_cast<const void*>(in) == static_cast<const void*>(out);
  auto rescale = [&](Out* line_out) {
    if (scale != 1.0f)
      for (int64_t k = 0; k < n_out; ++k) line_out[k] *= scale;
  };
  auto work = [&](int64_t begin, int64_t end) {
    // Contiguous lines are read where they are; strided ones are gathered.
    const bool contiguous = inner == 1;
    std::vector<In> lines_in(contiguous ? 0 : width * n_in);
    std::vector<Out> lines_out(contiguous && !in_place ? 0 : width * n_out);
    for (int64_t task = begin; task < end; ++task) {
      const int64_t o = task / blocks_per_outer, i0 = (task % blocks_per_outer) * width;
      const In* src = in + o * n_in * inner + i0;
      Out* dst = out + o * n_out * inner + i0;
      if (contiguous) {
        Out* result = in_place ? lines_out.data() : dst;
        line(src, result, !parallel_lines);
        rescale(result);
        if (in_place) std::copy(result, result + n_out, dst);
        continue;
      }
      const int64_t count = std::min(width, inner - i0);
      gather(src, n_in, inner, count, lines_in.data());
      for (int64_t b = 0; b < count; ++b) {
        line(lines_in.data() + b * n_in, lines_out.data() + b * n_out, !parallel_lines);
        rescale(lines_out.data() + b * n_out);
      }
      scatter(lines_out.data(), n_out, inner, count, dst);
    }
  };
  if (parallel_lines) {
    cpu::parallel_for(tasks, 1, work);
  } else {
    work(0, tasks);
  }
}

// Every line along `axis` of a row-major complex array of `shape`, eight at a
// time through `lines` (in place when src is dst), every output multiplied by
// `scale` as it is written. Contiguous lines are neighbouring rows; strided
// ones are neighbouring columns.
void lines_along_axis(const cfloat* src, cfloat* dst, const Shape& shape, int axis,
                      const cpu::LineTransforms& lines, float scale) {
  const int64_t n = shape[axis];
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= shape[i];
  for (int i = axis + 1; i < static_cast<int>(shape.size()); ++i) inner *= shape[i];
  const int64_t groups_per_outer = inner == 1 ? (outer + 7) / 8 : (inner + 7) / 8;
  const int64_t tasks = inner == 1 ? groups_per_outer : outer * groups_per_outer;
  // About 32K points of work per piece before a second thread joins.
  const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 15) / (8 * n));
  cpu::parallel_for(tasks, grain, [&](int64_t begin, int64_t end) {
    if (inner == 1) {
      const int64_t first = begin * 8, count = std::min(end * 8, outer) - first;
      lines.run(src + first * n, n, 1, dst + first * n, n, 1, count, scale);
    } else {
      for (int64_t task = begin; task < end; ++task) {
        const int64_t o = task / groups_per_outer, i0 = (task % groups_per_outer) * 8;
        const int64_t offset = o * n * inner + i0;
        lines.run(src + offset, 1, inner, dst + offset, 1, inner, std::min<int64_t>(8, inner - i0),
                  scale);
      }
    }
  });
}

// Real-to-complex transform of `length` points, giving length / 2 + 1. An even
// length runs as a complex transform of half length over z_j = x_2j +
// i x_2j+1, whose even and odd parts separate by symmetry:
//   E_k = (Z_k + conj Z_(h-k)) / 2,  O_k = (Z_k - conj Z_(h-k)) / 2i,
//   X_k = E_k + w_length^k O_k.
class RealForward {
 public:
  explicit RealForward(int64_t length) : length_(length) {
    if (length % 2 == 0) {
      half_ = plan_for(length / 2, false);
      twiddles_.resize(length / 2 + 1);
      for (int64_t k = 0; k <= length / 2; ++k) twiddles_[k] = cfloat(root_of_unity(k, length, -1));
    } else {
      full_ = plan_for(length, false);
    }
  }

  void operator()(const float* x, cfloat* out, bool parallel) const {
    if (full_) {
      std::vector<cfloat> z(length_), spectrum(length_);
      for (int64_t j = 0; j < length_; ++j) z[j] = x[j];
      full_->run(z.data(), spectrum.data(), parallel);
      std::copy(spectrum.begin(), spectrum.begin() + length_ / 2 + 1, out);
      return;
    }
    const int64_t h = length_ / 2;
    std::vector<cfloat> spectrum(h);
    // The real input read as h complex numbers: x_2j + i x_2j+1.
    half_->run(reinterpret_cast<const cfloat*>(x), spectrum.data(), parallel);
    for (int64_t k = 0; k <= h; ++k) {
      const cfloat zk = spectrum[k % h], zc = std::conj(spectrum[(h - k) % h]);
      const cfloat even = 0.5f * (zk + zc), odd = cfloat(0, -0.5f) * (zk - zc);
      out[k] = even + twiddles_[k] * odd;
    }
  }

 private:
  int64_t length_;
  std::shared_ptr<const Plan> half_, full_;
  std::vector<cfloat> twiddles_;
};

// Complex-to-real inverse to `length` points from length / 2 + 1 entries (a
// Hermitian spectrum; as in NumPy, the imaginary parts of the zero and the
// Nyquist frequency are ignored). An even length undoes RealForward's
// separation: Z_k = (X_k + conj X_(h-k)) + i (X_k - conj X_(h-k)) w^-k, whose
// inverse of half length holds x_2j + i x_2j+1.
class RealInverse {
 public:
  explicit RealInverse(int64_t length) : length_(length) {
    if (length % 2 == 0) {
      half_ = plan_for(length / 2, true);
      twiddles_.resize(length / 2);
      for (int64_t k = 0; k < length / 2; ++k) twiddles_[k] = cfloat(root_of_unity(k, length, 1));
    } else {
      full_ = plan_for(length, true);
    }
  }

  void operator()(const cfloat* spectrum, float* out, bool parallel) const {
    const int64_t h = length_ / 2;
    if (full_) {
      std::vector<cfloat> y(length_), x(length_);
      y[0] = spectrum[0].real();
      for (int64_t k = 1; k <= h; ++k) {
        y[k] = spectrum[k];
        y[length_ - k] = std::conj(spectrum[k]);
      }
      full_->run(y.data(), x.data(), parallel);
      for (int64_t j = 0; j < length_; ++j) out[j] = x[j].real();
      return;
    }
    std::vector<cfloat> z(h);
    for (int64_t k = 0; k < h; ++k) {
      cfloat xk = spectrum[k], xc = std::conj(spectrum[h - k]);
      if (k == 0) {
        xk = spectrum[0].real();
        xc = spectrum[h].real();
      }
      z[k] = (xk + xc) + cfloat(0, 1) * (xk - xc) * twiddles_[k];
    }
    half_->run(z.data(), reinterpret_cast<cfloat*>(out), parallel);
  }

 private:
  int64_t length_;
  std::shared_ptr<const Plan> half_, full_;
  std::vector<cfloat> twiddles_;
};

// A complex transform of every axis in `axes`: the first from src into dst,
// the rest in place there (src may be dst). The scale comes with the last.
void complex_axes(const cfloat* src, cfloat* dst, const Shape& shape, const std::vector<int>& axes,
                  bool inverse, float scale) {
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t n = shape[axes[i]];
    auto plan = plan_for(n, inverse);
    const float line_scale = i + 1 == axes.size() ? scale : 1.0f;
    const cfloat* from = i == 0 ? src : dst;
    int64_t size = 1;
    for (auto d : shape) size *= d;
    if (plan->lines() && size / n > 1) {
      lines_along_axis(from, dst, shape, axes[i], *plan->lines(), line_scale);
      continue;
    }
    along_axis(from, dst, shape, axes[i], n, n, line_scale,
               [&](const cfloat* a, cfloat* b, bool parallel) { plan->run(a, b, parallel); });
  }
}

}  // namespace

void FFT::eval_cpu(const std::vector<array>& inputs, array& out) {
  array in = cpu::ensure_row_contiguous(inputs[0]);
  cpu::allocate(out);
  if (out.size() == 0) return;
  const float scale = static_cast<float>(scale_);
  if (!real_) {
    complex_axes(in.data<cfloat>(), out.data<cfloat>(), out.shape(), axes_, inverse_, scale);
    return;
  }
  const int last = axes_.back();
  const std::vector<int> others(axes_.begin(), axes_.end() - 1);
  if (!inverse_) {
    // The halved axis first, from the real input into the output, then the
    // others in place there.
    RealForward line(real_length_);
    along_axis(in.data<float>(), out.data<cfloat>(), in.shape(), last, real_length_,
               real_length_ / 2 + 1, others.empty() ? scale : 1.0f, line);
    complex_axes(out.data<cfloat>(), out.data<cfloat>(), out.shape(), others, false, scale);
    return;
  }
  // The other axes first, in a copy of the input, then the halved one into the
  // real output.
  std::vector<cfloat> work(others.empty() ? 0 : in.size());
  const cfloat* spectrum = in.data<cfloat>();
  if (!others.empty()) {
    complex_axes(spectrum, work.data(), in.shape(), others, true, 1.0f);
    spectrum = work.data();
  }
  RealInverse line(real_length_);
  along_axis(spectrum, out.data<float>(), in.shape(), last, in.shape(last), real_length_, scale,
             line);
}

}  // namespace lmx
