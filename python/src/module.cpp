// The extension module lmx._core: mx (lmx.core) at its top level, with
// submodules for random, fast, nn and optimizers that lmx's Python packages
// re-export.
#include "python/src/python.h"

NB_MODULE(_core, m) {
  using namespace lmx::python;
  m.doc() = "lmx: arrays, transforms, nn and optimizers on one C++ engine.";
  // Arrays and modules alive in module globals at interpreter exit are not
  // leaks worth reporting.
  nb::set_leak_warnings(false);
  // Python prints True/False where C++ prints true/false (as MLX).
  lmx::get_global_formatter().capitalize_bool = true;
  init_dtype(m);
  init_device(m);
  auto cls = init_array(m);
  init_indexing(cls);
  init_ops(m, cls);
  init_ops_numpy(m);
  init_transforms(m);
  init_random(m);
  init_fast(m);
  init_linalg(m);
  init_fft(m);
  init_io(m);
  init_export(m);
  init_distributed(m);
  auto nn = m.def_submodule("_nn", "lmx::nn");
  init_nn(nn);
  init_nn_layers(nn);
  init_nn_functions(nn);
  auto optim = m.def_submodule("_optim", "lmx::optim");
  init_optim(optim);
}
