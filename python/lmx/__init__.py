"""lmx: MLX's Python API (lmx.core, lmx.nn, lmx.optimizers, lmx.utils) on
lmx's C++ engine."""

import pkgutil

# In a build tree the extension (lmx._core) is built into build/python/lmx;
# with that directory's parent on sys.path it joins this package.
__path__ = pkgutil.extend_path(__path__, __name__)

__version__ = "0.1.0"
