"""lmx.core: arrays, operations and transforms, as mlx.core."""

import sys

from lmx._core import *  # noqa: F401,F403  (arrays, dtypes, ops, eval, files)
from lmx._core import distributed, fast, fft, linalg, random  # noqa: F401
from lmx.core._aliases import *  # noqa: F401,F403
from lmx.core._aliases import PrintOptions  # noqa: F401
from lmx.core._transforms import (  # noqa: F401
    compile,
    grad,
    jvp,
    value_and_grad,
    vjp,
    vmap,
    checkpoint,
    custom_function,
)

# `import lmx.core.random` / `from lmx.core.fast import ...` as in MLX.
sys.modules[__name__ + ".random"] = random
sys.modules[__name__ + ".fast"] = fast
sys.modules[__name__ + ".linalg"] = linalg
sys.modules[__name__ + ".fft"] = fft
