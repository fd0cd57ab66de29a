// Instruction sets the CPU kernels are compiled for, and the one chosen at
// run time.
//
// liblmx is built for baseline x86-64 (or plain aarch64 with NEON), so it
// runs on any CPU of its architecture. The hot kernels — elementwise maps,
// reductions, softmax, the float32 matrix product, quantized products — are
// compiled once more for each wider instruction set (a file is built once per
// set with LMX_ISA_ID defined; see isa_region.h) and the widest one the CPU
// supports is chosen the first time a kernel runs. LMX_ISA=baseline|avx2|avx512
// forces a narrower one, for benchmarks; tests switch with set_active_isa.
#pragma once

#include <vector>

namespace lmx::cpu {

enum class Isa { baseline = 0, avx2 = 1, avx512 = 2 };

// "baseline", "avx2", "avx512".
const char* isa_name(Isa isa);

// Whether this build has kernels for `isa` and this CPU (and its OS) can run
// them.
bool isa_supported(Isa isa);

// Every supported instruction set, narrowest first.
std::vector<Isa> supported_isas();

// The set kernels run with. Chosen once: LMX_ISA if set (an unknown or
// unsupported value is an error naming it), otherwise the widest supported.
Isa active_isa();

// Makes the kernels run with `isa` from now on, in every thread (tests compare
// the variants in one process). Throws std::invalid_argument when the CPU or
// the build does not support it.
void set_active_isa(Isa isa);

}  // namespace lmx::cpu

// For header functions that kernels call in their inner loops: always
// inlined, so each instruction set's copy of a kernel vectorises them for its
// own width (a header function compiled out of line keeps the baseline set).
#define LMX_KERNEL_INLINE inline __attribute__((always_inline))

// X(namespace) for every instruction set this build compiles kernels for, and
// LMX_ISA_CALL(fn, args...): ns::fn(args...) in the active set's namespace.
#if defined(__x86_64__)
#define LMX_FOR_EACH_ISA(X) X(baseline) X(avx2) X(avx512)
#define LMX_ISA_CALL(fn, ...)                                                    \
  (::lmx::cpu::active_isa() == ::lmx::cpu::Isa::avx512 ? &::lmx::cpu::avx512::fn \
   : ::lmx::cpu::active_isa() == ::lmx::cpu::Isa::avx2 ? &::lmx::cpu::avx2::fn   \
                                                       : &::lmx::cpu::baseline::fn)(__VA_ARGS__)
#else
#define LMX_FOR_EACH_ISA(X) X(baseline)
#define LMX_ISA_CALL(fn, ...) ::lmx::cpu::baseline::fn(__VA_ARGS__)
#endif
