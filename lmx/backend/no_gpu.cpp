// eval_gpu of every primitive for builds without a GPU backend: each throws
// naming its primitive. A GPU backend replaces this file with its own kernels
// (CMakeLists.txt picks one), so adding one changes no other file.
#include "lmx/core/error.h"
#include "lmx/core/fft_primitive.h"
#include "lmx/core/linalg_primitives.h"
#include "lmx/core/primitives.h"

namespace lmx {

namespace {
[[noreturn]] void no_gpu(const Primitive& p) {
  fail_as<std::runtime_error>(p.name(), "No GPU backend is available in this build.");
}
}  // namespace

#define LMX_NO_GPU(P)                                   \
  void P::eval_gpu(const std::vector<array>&, array&) { \
    no_gpu(*this);                                      \
  }
#define LMX_NO_GPU_MULTI(P)                                          \
  void P::eval_gpu(const std::vector<array>&, std::vector<array>&) { \
    no_gpu(*this);                                                   \
  }
LMX_PRIMITIVE_CLASSES(LMX_NO_GPU, LMX_NO_GPU_MULTI)
LMX_LINALG_PRIMITIVE_CLASSES(LMX_NO_GPU, LMX_NO_GPU_MULTI)
LMX_FFT_PRIMITIVE_CLASSES(LMX_NO_GPU, LMX_NO_GPU_MULTI)
#undef LMX_NO_GPU
#undef LMX_NO_GPU_MULTI

}  // namespace lmx
