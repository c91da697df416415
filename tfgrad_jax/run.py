"""`python -m tfgrad_jax.run script.py [args...]`: runs a TensorFlow program on tfgrad_jax.

Installs the `import tensorflow` alias (`tfgrad_jax.dropin`) and runs the
script as `__main__` with its own `sys.argv` (`[script.py, args...]`) and its
directory first on `sys.path`, as `python script.py` would. `-m module
[args...]` runs a module as `python -m` does (`-m unittest discover`,
`-m pytest`). `--tf1` / `--tf2` choose the flavour of `import tensorflow`
instead of reading it off the program (`dropin.flavour_of`).
"""

import os
import runpy
import sys

from tfgrad_jax import dropin

USAGE = ("usage: python -m tfgrad_jax.run [--tf1 | --tf2] script.py [args...]\n"
         "       python -m tfgrad_jax.run [--tf1 | --tf2] -m module [args...]")


def main(argv=None):
    """Runs the program named by `argv` (default `sys.argv[1:]`); returns its exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    version = None
    while args and args[0] in ("--tf1", "--tf2", "-h", "--help"):
        flag = args.pop(0)
        if flag in ("-h", "--help"):
            print(USAGE)
            return 0
        version = 1 if flag == "--tf1" else 2
    if not args or (args[0] == "-m" and len(args) < 2):
        print(USAGE, file=sys.stderr)
        return 2
    dropin.install(version)
    try:
        if args[0] == "-m":
            sys.argv = [args[1]] + args[2:]
            sys.path.insert(0, os.getcwd())
            runpy.run_module(args[1], run_name="__main__", alter_sys=True)
        else:
            script = args[0]
            if not os.path.exists(script):
                print(f"python -m tfgrad_jax.run: can't open file {script!r}", file=sys.stderr)
                return 2
            sys.argv = args
            sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
            runpy.run_path(script, run_name="__main__")
    except SystemExit as e:  # the program's own exit status (tf.app.run, unittest.main)
        code = e.code
        if code is None or isinstance(code, int):
            return code or 0
        print(code, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
