// compile: traces a function once per input signature, removes duplicate
// subexpressions and fuses chains of elementwise primitives into single CPU
// kernels — without invoking a compiler at run time.
#pragma once

#include <functional>
#include <type_traits>
#include <utility>
#include <vector>

#include "lmx/core/array.h"

namespace lmx {

using CompilableFn = std::function<std::vector<array>(const std::vector<array>&)>;

// disabled: compile returns the function's own results; no_simplify: no
// merging of duplicate subexpressions; no_fuse: no elementwise fusion.
enum class CompileMode { disabled, no_simplify, no_fuse, enabled };

// Returns a function with fun's results. It is traced on first use for each
// combination of input shapes and dtypes (with shapeless, for each
// combination of dtypes and ranks: elementwise graphs are then reused for any
// shapes). Compiled functions compose with grad, vjp and jvp.
// An empty function (or a null pointer) is std::invalid_argument.
CompilableFn compile(CompilableFn fun, bool shapeless = false);
CompilableFn compile(std::vector<array> (*fun)(const std::vector<array>&), bool shapeless = false);
// Lambdas without captures, as MLX (they convert to the pointer overload).
template <typename F, typename = std::enable_if_t<std::is_convertible_v<
                          F, std::vector<array> (*)(const std::vector<array>&)>>>
CompilableFn compile(F&& f, bool shapeless = false) {
  return compile(static_cast<std::vector<array> (*)(const std::vector<array>&)>(f), shapeless);
}

// Turns compilation off (compile returns the function unchanged in effect)
// or back on, for the whole process.
void disable_compile();
void enable_compile();
void set_compile_mode(CompileMode mode);

namespace detail {
// The graph of `outputs` with its chains of elementwise nodes fused as
// compile fuses them, built from the lazy nodes already there instead of a
// trace (the optimizers fuse their updates this way). The walk up from the
// outputs stops at evaluated arrays, at nodes that are not elementwise, and
// where `stop` says; nodes outside it are left as they are. The outputs come
// back in order; unchanged when compile is disabled or does not fuse.
std::vector<array> fuse_elementwise(const std::vector<array>& outputs,
                                    const std::function<bool(const array&)>& stop);
}  // namespace detail

}  // namespace lmx
