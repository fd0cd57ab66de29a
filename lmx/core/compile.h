// compile: traces a function once per input signature, removes duplicate
// subexpressions and fuses chains of elementwise primitives into single CPU
// kernels — without invoking a compiler at run time.
#pragma once

#include <functional>
#include <vector>

#include "lmx/core/array.h"

namespace lmx {

using CompilableFn = std::function<std::vector<array>(const std::vector<array>&)>;

// Returns a function with fun's results. It is traced on first use for each
// combination of input shapes and dtypes (with shapeless, for each
// combination of dtypes and ranks: elementwise graphs are then reused for any
// shapes). Compiled functions compose with grad, vjp and jvp.
CompilableFn compile(CompilableFn fun, bool shapeless = false);

// Turns compilation off (compile returns the function unchanged in effect)
// or back on, for the whole process.
void disable_compile();
void enable_compile();

}  // namespace lmx
