"""`tf.compat.v1.flags` (and `tf.compat.v1.app.flags`): command-line flags, absl style.

TF re-exports absl's flags, wrapped so that the first read of `FLAGS.x` parses
`sys.argv` if nothing has parsed it yet. This is our own small version of what
TF-1 programs use: `DEFINE_string/integer/float/boolean/bool/list/enum` and the
`multi_` forms, `FLAGS.x` (lazily parsed, as TF's wrapper), `FLAGS(argv)`
returning the arguments that are not flags, and absl's errors. Parsing follows
absl: `--flag=value`, `--flag value`, one dash or two, `--flag`/`--noflag`
(and `--flag=true|false|t|f|1|0`) for booleans, arguments that are not flags
kept (parsing goes on after them), everything after `--` kept as it is, and
an unknown flag raising `UnrecognizedFlagError` (kept among the remaining
arguments with `known_only=True`, as `tf.compat.v1.app.run` parses).

Not provided: absl's predefined flags (`--v`, `--logtostderr`, ...), flag
files, validators other than `mark_flag_as_required`, serializers and key
flags. Help text (`--help`) is printed by `app.run` only.
"""

import sys

__all__ = [
    "FLAGS", "FlagValues", "Flag", "BooleanFlag", "EnumFlag", "MultiFlag",
    "Error", "UnrecognizedFlagError", "IllegalFlagValueError", "DuplicateFlagError",
    "DEFINE_string", "DEFINE_integer", "DEFINE_float", "DEFINE_boolean", "DEFINE_bool",
    "DEFINE_list", "DEFINE_enum", "DEFINE_multi_string", "DEFINE_multi_integer",
    "DEFINE_multi_float", "mark_flag_as_required", "mark_flags_as_required",
]


class Error(Exception):
    """absl's `flags.Error`: the base of every flag error."""


class UnrecognizedFlagError(Error):
    """A command-line flag (or an attribute set on FLAGS) that no DEFINE_* declared."""

    def __init__(self, flagname, flagvalue=""):
        self.flagname = flagname
        self.flagvalue = flagvalue
        super().__init__(f"Unknown command line flag '{flagname}'")


class IllegalFlagValueError(Error):
    """A flag's value that its type does not accept."""


class DuplicateFlagError(Error):
    """A flag name declared twice."""


_TRUE = ("true", "t", "1")
_FALSE = ("false", "f", "0")


class Flag:
    """One flag: its name, help, default, parser, and current value.

    As absl's `Flag`: `.value`, `.default`, `.help`, `.present` (how many times
    the command line gave it), `.parse(text)`. `parser` turns a command-line
    string into the value and raises ValueError (or TypeError) for bad text.
    """

    boolean = False

    def __init__(self, name, default, help_string, parser, type_name):
        if not isinstance(name, str) or not name or name.startswith("-") or "=" in name:
            raise ValueError(f"Argument `name` must be a flag name (a non-empty string without "
                             f"leading dashes or '='), got {name!r}")
        self.name = name
        self.help = help_string or "(no help available)"
        self.parser = parser
        self.type_name = type_name
        self.present = 0
        self.default = self._convert(default) if default is not None else None
        self.value = self.default

    def _convert(self, argument):
        if not isinstance(argument, str):
            return argument  # a Python default (absl keeps non-string defaults as given)
        try:
            return self.parser(argument)
        except (TypeError, ValueError) as e:
            raise IllegalFlagValueError(f"flag --{self.name}={argument}: {e}") from None

    def parse(self, argument):
        """Sets the value from command-line text (IllegalFlagValueError if it does not parse)."""
        self.value = self._convert(argument)
        self.present += 1

    def _reset(self):
        self.value = self.default
        self.present = 0


class BooleanFlag(Flag):
    """A boolean flag: `--name`, `--noname`, or `--name=true|false|t|f|1|0`."""

    boolean = True

    def __init__(self, name, default, help_string):
        super().__init__(name, default, help_string, _parse_bool, "a boolean")


class EnumFlag(Flag):
    """A flag whose value must be one of `enum_values`."""

    def __init__(self, name, default, enum_values, help_string, case_sensitive=True):
        if not enum_values:
            raise ValueError(f"enum_values for flag --{name} cannot be empty: {enum_values!r}")
        self.enum_values = list(enum_values)

        def parse(text):
            for allowed in self.enum_values:
                if text == allowed or (not case_sensitive and text.upper() == allowed.upper()):
                    return allowed
            raise ValueError(f"value should be one of <{'|'.join(self.enum_values)}>")

        super().__init__(name, default, help_string, parse,
                         f"one of: {', '.join(self.enum_values)}")


class MultiFlag(Flag):
    """A flag that may be repeated; its value is the list of all values given."""

    def __init__(self, name, default, help_string, item_parser, type_name):
        if default is not None and not isinstance(default, (list, tuple)):
            default = [default]
        super().__init__(name, default, help_string, item_parser, type_name)

    def _convert(self, argument):
        items = list(argument) if isinstance(argument, (list, tuple)) else [argument]
        return [super(MultiFlag, self)._convert(item) for item in items]

    def parse(self, argument):
        new = self._convert(argument)
        self.value = (self.value if self.present else []) + new
        self.present += 1


def _parse_bool(text):
    if isinstance(text, bool):
        return text
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise ValueError(("Non-boolean argument to boolean flag", text))


def _parse_int(text):
    base = 16 if text.lower().lstrip("+-").startswith("0x") else 10
    return int(text, base)


def _range_text(kind, lower_bound, upper_bound):
    """absl's words for a bounded flag's values ("a non-negative integer", ...)."""
    article = "an" if kind == "integer" else "a"
    if lower_bound is not None and upper_bound is not None:
        return f"{article} {kind} in the range [{lower_bound}, {upper_bound}]"
    if lower_bound is not None:
        if lower_bound == 0:
            return f"a non-negative {kind}"
        if lower_bound == 1 and kind == "integer":
            return "a positive integer"
        return f"{kind} >= {lower_bound}"
    if upper_bound == 0:
        return f"a non-positive {kind}"
    if upper_bound == -1 and kind == "integer":
        return "a negative integer"
    return f"{kind} <= {upper_bound}"


def _bounded(parse, kind, lower_bound, upper_bound):
    if lower_bound is None and upper_bound is None:
        return parse

    def check(text):
        value = parse(text)
        if ((lower_bound is not None and value < lower_bound)
                or (upper_bound is not None and value > upper_bound)):
            raise ValueError(f"{value} is not {_range_text(kind, lower_bound, upper_bound)}")
        return value

    return check


def _parse_list(text):
    if isinstance(text, (list, tuple)):
        return list(text)
    return [item.strip() for item in text.split(",")] if text.strip() else []


class FlagValues:
    """The registry of flags and their values (absl's `FlagValues`, TF's `FLAGS`).

    Reading `FLAGS.name` before any parse parses `sys.argv` first, as TF's
    wrapper does (absl itself raises); an unknown flag on the command line then
    raises `UnrecognizedFlagError` and leaves FLAGS unparsed. Setting
    `FLAGS.name = value` sets the value without checking it, as absl.
    """

    def __init__(self):
        object.__setattr__(self, "_by_name", {})
        object.__setattr__(self, "_parsed", False)
        object.__setattr__(self, "_required", [])

    # -- declaring ---------------------------------------------------------------
    def _define(self, flag, short_name=None):
        for name in (flag.name, short_name) if short_name else (flag.name,):
            if name in self._by_name:
                raise DuplicateFlagError(
                    f"The flag '{name}' is defined twice. Description from first occurrence: "
                    f"{self._by_name[name].help}")
        self._by_name[flag.name] = flag
        if short_name:
            self._by_name[short_name] = flag  # absl lists it under both names

    # -- reading and writing values ---------------------------------------------
    def __getattr__(self, name):
        flags = self.__dict__.get("_by_name", {})  # (empty while copy/pickle rebuild it)
        if name not in flags:
            raise AttributeError(name)
        if not self.__dict__.get("_parsed"):
            self(sys.argv)
        return flags[name].value

    def __setattr__(self, name, value):
        if name not in self._by_name:
            raise UnrecognizedFlagError(name, value)
        self._by_name[name].value = value

    def __delattr__(self, name):
        # Notebooks delete their flags to run a cell of DEFINEs again (absl allows it).
        if name not in self._by_name:
            raise AttributeError(name)
        del self._by_name[name]
        if name in self._required:
            self._required.remove(name)

    def _flags(self):
        """{name: Flag}, as absl's (notebooks use it with `__delattr__` to start over)."""
        return self._by_name

    def __getitem__(self, name):
        return self._by_name[name]

    def __contains__(self, name):
        return name in self._by_name

    def __iter__(self):
        return iter(list(self._by_name))

    def __len__(self):
        return len(self._by_name)

    def __dir__(self):
        return sorted(self._by_name)

    def flag_values_dict(self):
        """{name: value} of every flag."""
        return {name: flag.value for name, flag in self._by_name.items()}

    def get_flag_value(self, name, default):
        """The value of flag `name`, or `default` if there is no such flag."""
        return self._by_name[name].value if name in self._by_name else default

    def set_default(self, name, value):
        """Changes a flag's default (and its value, unless the command line gave one)."""
        if name not in self._by_name:
            raise UnrecognizedFlagError(name, value)
        flag = self._by_name[name]
        flag.default = flag._convert(value)
        if not flag.present:
            flag.value = flag.default

    # -- parsing -----------------------------------------------------------------
    def is_parsed(self):
        """Whether a command line has been parsed."""
        return self._parsed

    def mark_as_parsed(self):
        """Marks FLAGS parsed without parsing (reads no longer look at sys.argv)."""
        object.__setattr__(self, "_parsed", True)

    def unparse_flags(self):
        """Every flag back to its default, and FLAGS unparsed."""
        for flag in self._by_name.values():
            flag._reset()
        object.__setattr__(self, "_parsed", False)

    def __call__(self, argv, known_only=False):
        """Parses the flags in `argv` (argv[0] is the program); returns the rest.

        The result is `[argv[0]]` and, in order, the arguments that are not
        flags and those after `--`; with `known_only`, unknown flags too
        (otherwise they raise `UnrecognizedFlagError`). Bad values raise
        `IllegalFlagValueError`, a non-boolean flag with no value `Error`.
        Nothing is set unless the whole command line parses.
        """
        if isinstance(argv, (str, bytes)) or not hasattr(argv, "__iter__"):
            raise TypeError("argv should be a tuple/list of strings, not bytes or string.")
        argv = list(argv)
        if not argv:
            raise ValueError("argv cannot be an empty list, and must contain the program "
                             "name as the first element.")
        rest, settings = [], []
        args, i = argv[1:], 0
        while i < len(args):
            arg = args[i]
            i += 1
            if arg == "--":
                rest.extend(args[i:])
                break
            if not arg.startswith("-") or arg == "-":
                rest.append(arg)
                continue
            name, has_value, value = arg[2:].partition("=") if arg.startswith("--") \
                else arg[1:].partition("=")
            flag = self._by_name.get(name)
            if flag is None and not has_value and name.startswith("no"):
                negated = self._by_name.get(name[2:])
                if negated is not None and negated.boolean:
                    settings.append((negated, "false"))
                    continue
            if flag is None:
                if known_only:
                    rest.append(arg)
                    continue
                raise UnrecognizedFlagError(name, value)
            if not has_value:
                if flag.boolean:
                    value = "true"
                elif i < len(args):
                    value = args[i]
                    i += 1
                else:
                    raise Error(f"Missing value for flag {arg}")
            settings.append((flag, value))
        new_values = {}
        for flag, value in settings:  # convert all first: a bad value changes nothing
            converted = flag._convert(value)
            if isinstance(flag, MultiFlag):
                converted = new_values.get(flag.name, [])[:] + converted
            new_values[flag.name] = converted
        for name in self._required:
            value = new_values.get(name, self._by_name[name].value)
            if value is None:
                raise IllegalFlagValueError(
                    f"flag --{name}=None: Flag --{name} must have a value other than None.")
        for name, value in new_values.items():
            flag = self._by_name[name]
            flag.value = value
            flag.present += 1
        self.mark_as_parsed()
        return argv[:1] + rest

    def usage(self, program):
        """absl-style help text for `program`'s flags (as `--help` prints it)."""
        lines = [f"\n       USAGE: {program} [flags]", "flags:", ""]
        shorts = {flag.name: name for name, flag in self._by_name.items() if name != flag.name}
        for name in sorted({flag.name for flag in self._by_name.values()}):
            flag = self._by_name[name]
            prefix = "--[no]" if flag.boolean else "--"
            short = f"-{shorts[name]},{prefix}" if name in shorts else prefix
            lines.append(f"  {short}{name}: {flag.help}")
            default = flag.default
            if flag.boolean:
                default = "true" if default else "false"
            elif isinstance(default, list):
                default = ",".join(str(d) for d in default)
            lines.append(f"    (default: {str(default)!r})" if default is not None
                         else "    (default: None)")
            if flag.type_name not in ("a string", "a boolean"):
                lines.append(f"    ({flag.type_name})")
        return "\n".join(lines) + "\n"


FLAGS = FlagValues()


def _define(flag, flag_values, options):
    """Registers `flag` (and its `short_name`, e.g. `-d`); `required=True` marks it required.

    Other absl keywords (`module_name`, `allow_override`, ...) are accepted and ignored.
    """
    values = FLAGS if flag_values is None else flag_values
    values._define(flag, options.get("short_name"))
    if options.get("required"):
        mark_flag_as_required(flag.name, values)
    return flag


_MULTI = "repeat this option to specify a list of values"


def DEFINE_string(name, default, help, flag_values=None, **kwargs):  # noqa: A002,N802
    """Declares a string flag, as absl's `DEFINE_string`; returns the Flag (absl: a
    FlagHolder; both have `.value`). Keywords `short_name` and `required` as absl's."""
    return _define(Flag(name, default, help, str, "a string"), flag_values, kwargs)


def DEFINE_integer(name, default, help, lower_bound=None, upper_bound=None,  # noqa: A002,N802
                   flag_values=None, **kwargs):
    """Declares an int flag (decimal, or hex with 0x), optionally bounded, as absl."""
    parse = _bounded(_parse_int, "integer", lower_bound, upper_bound)
    return _define(Flag(name, default, help, parse, "an integer"), flag_values, kwargs)


def DEFINE_float(name, default, help, lower_bound=None, upper_bound=None,  # noqa: A002,N802
                 flag_values=None, **kwargs):
    """Declares a float flag, optionally bounded, as absl."""
    parse = _bounded(float, "number", lower_bound, upper_bound)
    return _define(Flag(name, default, help, parse, "a number"), flag_values, kwargs)


def DEFINE_boolean(name, default, help, flag_values=None, **kwargs):  # noqa: A002,N802
    """Declares a boolean flag (`--name`, `--noname`, `--name=false`), as absl."""
    return _define(BooleanFlag(name, default, help), flag_values, kwargs)


DEFINE_bool = DEFINE_boolean  # absl's alias


def DEFINE_list(name, default, help, flag_values=None, **kwargs):  # noqa: A002,N802
    """Declares a comma-separated list flag (`--ids=a,b` gives ['a', 'b']), as absl."""
    return _define(Flag(name, default, help, _parse_list, "a comma separated list"),
                   flag_values, kwargs)


def DEFINE_enum(name, default, enum_values, help, flag_values=None,  # noqa: A002,N802
                case_sensitive=True, **kwargs):
    """Declares a flag whose value is one of `enum_values`, as absl."""
    return _define(EnumFlag(name, default, enum_values, help, case_sensitive), flag_values,
                   kwargs)


def DEFINE_multi_string(name, default, help, flag_values=None, **kwargs):  # noqa: A002,N802
    """Declares a repeatable string flag (`--x=a --x=b` gives ['a', 'b']), as absl."""
    return _define(MultiFlag(name, default, help, str, _MULTI), flag_values, kwargs)


def DEFINE_multi_integer(name, default, help, flag_values=None, **kwargs):  # noqa: A002,N802
    """Declares a repeatable int flag, as absl."""
    return _define(MultiFlag(name, default, help, _parse_int, _MULTI), flag_values, kwargs)


def DEFINE_multi_float(name, default, help, flag_values=None, **kwargs):  # noqa: A002,N802
    """Declares a repeatable float flag, as absl."""
    return _define(MultiFlag(name, default, help, float, _MULTI), flag_values, kwargs)


def mark_flag_as_required(flag_name, flag_values=None):
    """The next parse raises IllegalFlagValueError if flag `flag_name` is still None."""
    values = FLAGS if flag_values is None else flag_values
    if flag_name not in values:
        raise UnrecognizedFlagError(flag_name)
    values._required.append(flag_name)


def mark_flags_as_required(flag_names, flag_values=None):
    """`mark_flag_as_required` for each name."""
    for name in flag_names:
        mark_flag_as_required(name, flag_values)
