// Many Fourier transforms of one length at once, eight lines side by side in
// the lanes of a SIMD vector. kissfft is a template over its scalar type, and
// its C version's USE_SIMD mode runs four transforms in the lanes of an SSE
// register; fft_lines.cpp does the same with the C++ template instantiated on
// an eight-float vector, compiled once per instruction set (isa.h). Every
// arithmetic step is kissfft's; what is added is moving lines into and out of
// the lanes.
#pragma once

#include <complex>
#include <cstdint>
#include <memory>

namespace lmx::cpu {

class LineTransforms {
 public:
  virtual ~LineTransforms() = default;

  // `count` transforms, each multiplied by `scale`: point j of line b is
  // in[b * in_line + j * in_point], and point k of its transform goes to
  // out[b * out_line + k * out_point]. out may be in itself with the same
  // layout (each group of eight lines is read whole before it is written);
  // otherwise they must not overlap. Runs on the calling thread; callers
  // split lines over the pool.
  virtual void run(const std::complex<float>* in, int64_t in_line, int64_t in_point,
                   std::complex<float>* out, int64_t out_line, int64_t out_point, int64_t count,
                   float scale) const = 0;
};

// Whether make_line_transforms takes length n: its prime factors are 2, 3
// and 5 (kissfft's butterfly for larger factors writes a scratch buffer
// inside the plan, so it could not run on several threads at once).
bool line_transforms_support(int64_t n);

// A plan for transforms of length n (line_transforms_support(n) must hold) in
// the active instruction set's lanes.
std::unique_ptr<const LineTransforms> make_line_transforms(int64_t n, bool inverse);

}  // namespace lmx::cpu
