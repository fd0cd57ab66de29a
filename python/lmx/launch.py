"""Starts a program on several processes with Open MPI's mpirun, each rank
running the same program, for lmx.core.distributed (and lmx::distributed in
C++ programs):

  python -m lmx.launch -n 2 train.py --epochs 1      # a Python program
  python -m lmx.launch -n 4 ./build/my_program args  # any executable
  python -m lmx.launch --hostfile hosts -n 8 train.py

`lmx-launch` is the same command. Local runs may start more ranks than
cores; with a hostfile, the environment lmx needs (PYTHONPATH,
LD_LIBRARY_PATH, LMX_*) is passed to every host."""

import argparse
import os
import shutil
import sys


def mpirun_command(args, mpirun):
    cmd = [mpirun]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    if args.hostfile:
        cmd += ["--hostfile", args.hostfile]
        for var in sorted(os.environ):
            if var in ("PYTHONPATH", "LD_LIBRARY_PATH", "PATH") or var.startswith("LMX_"):
                cmd += ["-x", var]
    else:
        cmd += ["--oversubscribe", "--bind-to", "none"]
    cmd += ["-np", str(args.n)]
    program = args.program
    if program.endswith(".py"):
        cmd += [sys.executable, program]
    else:
        cmd.append(program)
    return cmd + args.args


def main(argv=None):
    p = argparse.ArgumentParser(prog="lmx-launch", description="Run a program on N processes with mpirun.")
    p.add_argument("-n", "--nproc", dest="n", type=int, default=2, help="number of processes (default 2)")
    p.add_argument("--hostfile", help="an Open MPI hostfile (default: this machine)")
    p.add_argument("--print", dest="print_only", action="store_true", help="print the mpirun command only")
    p.add_argument("program", help="a .py file (run with this Python) or an executable")
    p.add_argument("args", nargs=argparse.REMAINDER, help="the program's arguments")
    args = p.parse_args(argv)
    if args.n < 1:
        p.error("-n must be at least 1")
    mpirun = shutil.which("mpirun")
    if mpirun is None:
        sys.stderr.write(
            "lmx-launch: mpirun was not found. Install Open MPI (Debian/Ubuntu: "
            "apt-get install openmpi-bin libopenmpi-dev) to run on several processes; "
            "without it, run the program directly as one process.\n"
        )
        return 127
    cmd = mpirun_command(args, mpirun)
    if args.print_only:
        print(" ".join(cmd))
        return 0
    os.execv(mpirun, cmd)


if __name__ == "__main__":
    sys.exit(main())
