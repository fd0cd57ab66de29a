// Which instruction set the kernels run with (isa.h).
#include "lmx/backend/cpu/isa.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace lmx::cpu {

namespace {

#if defined(__x86_64__)
// F16C from CPUID leaf 1 (ECX bit 29): clang before 17 has no "f16c" for
// __builtin_cpu_supports. The OS side (saved ymm state) is checked with AVX2.
bool cpu_has_f16c() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) != 0;
}
#endif

// What the CPU and OS can run (GCC's and clang's __builtin_cpu_supports
// consult CPUID and the registers the OS saves, XCR0).
bool cpu_runs(Isa isa) {
#if defined(__x86_64__)
  switch (isa) {
    case Isa::baseline:
      return true;
    case Isa::avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && cpu_has_f16c() &&
             __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
    case Isa::avx512:
      return cpu_runs(Isa::avx2) && __builtin_cpu_supports("avx512f") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq");
  }
  return false;
#else
  return isa == Isa::baseline;
#endif
}

Isa widest_supported() {
  Isa best = Isa::baseline;
  for (Isa isa : supported_isas()) best = isa;
  return best;
}

Isa from_environment() {
  const char* env = std::getenv("LMX_ISA");
  if (!env || !*env) return widest_supported();
  for (Isa isa : {Isa::baseline, Isa::avx2, Isa::avx512}) {
    if (std::strcmp(env, isa_name(isa)) != 0) continue;
    if (!isa_supported(isa)) {
      throw std::invalid_argument(std::string("[lmx] LMX_ISA=") + env +
                                  " is not supported by this CPU or build.");
    }
    return isa;
  }
  throw std::invalid_argument(std::string("[lmx] LMX_ISA=") + env +
                              " is not one of baseline, avx2, avx512.");
}

// -1 until the first kernel asks.
std::atomic<int> active{-1};

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::baseline:
      return "baseline";
    case Isa::avx2:
      return "avx2";
    case Isa::avx512:
      return "avx512";
  }
  return "unknown";
}

bool isa_supported(Isa isa) {
#if defined(__x86_64__)
  return cpu_runs(isa);
#else
  return isa == Isa::baseline;
#endif
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::baseline, Isa::avx2, Isa::avx512}) {
    if (isa_supported(isa)) out.push_back(isa);
  }
  return out;
}

Isa active_isa() {
  int v = active.load(std::memory_order_relaxed);
  if (v < 0) {
    // Racing first callers compute the same answer.
    v = static_cast<int>(from_environment());
    active.store(v, std::memory_order_relaxed);
  }
  return static_cast<Isa>(v);
}

void set_active_isa(Isa isa) {
  if (!isa_supported(isa)) {
    throw std::invalid_argument(std::string("[set_active_isa] ") + isa_name(isa) +
                                " is not supported by this CPU or build.");
  }
  active.store(static_cast<int>(isa), std::memory_order_relaxed);
}

}  // namespace lmx::cpu
