"""python -m lmx run PROGRAM [ARGS...]: runs a program written for MLX
unchanged, with `mlx`, `mlx.core`, `mlx.nn`, `mlx.optimizers` and
`mlx.utils` resolving to lmx's modules for this run only."""

import runpy
import sys


def _alias_mlx():
    import lmx
    import lmx.core
    import lmx.nn
    import lmx.optimizers
    import lmx.utils

    aliases = {
        "mlx": lmx,
        "mlx.core": lmx.core,
        "mlx.core.random": lmx.core.random,
        "mlx.core.fast": lmx.core.fast,
        "mlx.nn": lmx.nn,
        "mlx.nn.losses": lmx.nn.losses,
        "mlx.nn.init": lmx.nn.init,
        "mlx.optimizers": lmx.optimizers,
        "mlx.utils": lmx.utils,
    }
    sys.modules.update(aliases)


def main(argv):
    if len(argv) < 2 or argv[0] != "run":
        print("usage: python -m lmx run PROGRAM [ARGS...]", file=sys.stderr)
        return 2
    program = argv[1]
    _alias_mlx()
    sys.argv = [program] + argv[2:]
    runpy.run_path(program, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
