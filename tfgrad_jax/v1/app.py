"""`tf.compat.v1.app`: `run` and `flags`.

TF's `app.run` is absl's, with a flag parser that tolerates undefined flags:
it parses the known flags of `argv` (default `sys.argv`), calls
`main(remaining_args)` and exits with its return value. Ours does the same on
our own `flags` module; `--help` (also `-h`, `-?`, `--helpshort`,
`--helpfull`) prints the flags' help and exits with status 1, as absl.
Not done: absl's other `run` services (`--pdb`, `--run_with_profiling`,
`--only_check_args`, UsageError handling, the logging set-up).
"""

import sys

from tfgrad_jax.v1 import flags

__all__ = ["run", "flags"]

_HELP_FLAGS = ("--help", "-help", "-h", "-?", "--helpshort", "--helpfull")


def run(main=None, argv=None):
    """Parses flags, runs `main(argv)` and exits with its return value, as TF's `app.run`.

    `main` defaults to the `main` function of the `__main__` module, `argv`
    to `sys.argv`; `main` gets `argv[0]` and the arguments that are not known
    flags. Flag values that do not parse raise (`flags.IllegalFlagValueError`),
    as in TF. Always ends with `sys.exit(main's result)`.
    """
    args = sys.argv if argv is None else argv
    if main is None:
        main = getattr(sys.modules["__main__"], "main", None)
        if main is None:
            raise AttributeError("module '__main__' has no attribute 'main': pass `main` "
                                 "to tf.compat.v1.app.run")
    if not callable(main):
        raise TypeError(f"Argument `main` must be callable, but got {type(main).__name__}")
    before_dashes = args[1:args.index("--")] if "--" in args[1:] else args[1:]
    if any(arg in _HELP_FLAGS for arg in before_dashes):
        sys.stdout.write(flags.FLAGS.usage(args[0] if args else "program"))
        sys.exit(1)
    remaining = flags.FLAGS(args, known_only=True)
    sys.exit(main(remaining))
