// Opens and closes the part of a kernel file that is compiled once per
// instruction set (isa.h). CMake builds such a file once for each set with
// LMX_ISA_ID = 0 (baseline), 1 (AVX2 + FMA + F16C) or 2 (AVX-512 F/VL/BW/DQ);
// code between LMX_ISA_BEGIN and LMX_ISA_END lands in namespace
// lmx::cpu::<set> and is compiled for that set. Everything the region uses
// from headers must be included before LMX_ISA_BEGIN: templates and inline
// functions defined outside the region keep the baseline instruction set
// (they may be inlined into region code, never the reverse), so no wider
// instruction leaks into code that every CPU runs. Code meant to exist once
// (the primitives' eval_cpu, the dispatchers) goes under
// `#if LMX_ISA_ID == 0`.
#pragma once

#ifndef LMX_ISA_ID
#define LMX_ISA_ID 0
#endif

#if LMX_ISA_ID == 0
#define LMX_ISA_NS baseline
#define LMX_ISA_TARGET_PUSH
#define LMX_ISA_TARGET_POP
#else
#if !defined(__x86_64__)
#error "LMX_ISA_ID above 0 is only for x86-64"
#endif
#if LMX_ISA_ID == 1
#define LMX_ISA_NS avx2
#define LMX_ISA_TARGET "avx2,fma,f16c,bmi,bmi2"
#elif LMX_ISA_ID == 2
#define LMX_ISA_NS avx512
#define LMX_ISA_TARGET "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,f16c,bmi,bmi2"
#else
#error "unknown LMX_ISA_ID"
#endif
// Two steps, so that LMX_ISA_TARGET is expanded before it is quoted.
#define LMX_ISA_PRAGMA_QUOTED(x) _Pragma(#x)
#define LMX_ISA_PRAGMA(x) LMX_ISA_PRAGMA_QUOTED(x)
#if defined(__clang__)
#define LMX_ISA_TARGET_PUSH \
  LMX_ISA_PRAGMA(clang attribute push(__attribute__((target(LMX_ISA_TARGET))), apply_to = function))
#define LMX_ISA_TARGET_POP _Pragma("clang attribute pop")
#else
#define LMX_ISA_TARGET_PUSH _Pragma("GCC push_options") LMX_ISA_PRAGMA(GCC target(LMX_ISA_TARGET))
#define LMX_ISA_TARGET_POP _Pragma("GCC pop_options")
#endif
#endif

#define LMX_ISA_BEGIN LMX_ISA_TARGET_PUSH namespace lmx::cpu::LMX_ISA_NS {
#define LMX_ISA_END \
  }                 \
  LMX_ISA_TARGET_POP
