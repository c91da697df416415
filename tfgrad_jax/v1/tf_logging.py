"""`tf.compat.v1.logging`: TF-1's logging functions, on Python's `logging`.

As TF, messages go to the `"tensorflow"` logger, printed on stderr as
`INFO:tensorflow:message`, and the verbosity starts at WARN (so `info` and
`debug` print nothing until `set_verbosity(INFO)` or `DEBUG`). The levels are
Python's (DEBUG=10 ... FATAL=50). `fatal` logs at FATAL and does not exit, as
TF. Differences: `log_first_n` and `log_every_n` count per call site, as
documented (TF 2.21 shares one count between call sites, so `log_first_n` may
print nothing); `flush` flushes the handlers (TF's raises NotImplementedError).
The module is named `tf_logging` so that it can never shadow the standard
`logging` it is built on.
"""

import logging as _logging
import sys
import threading

__all__ = ["DEBUG", "INFO", "WARN", "ERROR", "FATAL", "TaskLevelStatusMessage", "debug", "error",
           "fatal", "flush", "get_verbosity", "info", "log", "log_every_n", "log_first_n",
           "log_if", "set_verbosity", "vlog", "warn", "warning"]

DEBUG = _logging.DEBUG
INFO = _logging.INFO
WARN = _logging.WARN
ERROR = _logging.ERROR
FATAL = _logging.FATAL


class _StderrHandler(_logging.StreamHandler):
    """Writes to whatever `sys.stderr` is at the time (so redirections and capture see it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass  # StreamHandler.__init__ sets it; the current sys.stderr is always used


_lock = threading.Lock()
_logger = None


def _get_logger():
    """The "tensorflow" logger, given TF's handler and default level on first use."""
    global _logger
    if _logger is None:
        with _lock:
            if _logger is None:
                logger = _logging.getLogger("tensorflow")
                if logger.level == _logging.NOTSET:
                    logger.setLevel(WARN)  # TF's default verbosity
                if not logger.handlers:
                    handler = _StderrHandler()
                    handler.setFormatter(_logging.Formatter(_logging.BASIC_FORMAT))
                    logger.addHandler(handler)
                    logger.propagate = False  # one copy of each message, as TF
                _logger = logger
    return _logger


def log(level, msg, *args, **kwargs):
    """Logs `msg % args` at `level` (a number, e.g. INFO)."""
    _get_logger().log(level, msg, *args, **kwargs)


def debug(msg, *args, **kwargs):
    """Logs at DEBUG."""
    _get_logger().debug(msg, *args, **kwargs)


def info(msg, *args, **kwargs):
    """Logs at INFO."""
    _get_logger().info(msg, *args, **kwargs)


def warning(msg, *args, **kwargs):
    """Logs at WARN."""
    _get_logger().warning(msg, *args, **kwargs)


warn = warning  # TF-1's spelling


def error(msg, *args, **kwargs):
    """Logs at ERROR."""
    _get_logger().error(msg, *args, **kwargs)


def fatal(msg, *args, **kwargs):
    """Logs at FATAL; the program goes on, as in TF."""
    _get_logger().critical(msg, *args, **kwargs)


def vlog(level, msg, *args, **kwargs):
    """Logs at `level`, as TF's `vlog` (which maps verbosity levels onto log levels)."""
    _get_logger().log(level, msg, *args, **kwargs)


def log_if(level, msg, condition, *args):
    """Logs `msg % args` at `level` if `condition` is true."""
    if condition:
        _get_logger().log(level, msg, *args)


_counts = {}  # call site -> how many times it has been reached


def _next_count():
    frame = sys._getframe(2)  # the caller of log_every_n / log_first_n
    site = (frame.f_code.co_filename, frame.f_lineno)
    with _lock:
        count = _counts.get(site, 0)
        _counts[site] = count + 1
    return count


def log_every_n(level, msg, n, *args):
    """Logs on the 1st, (n+1)th, (2n+1)th, ... call from the same line."""
    count = _next_count()
    log_if(level, msg, count % n == 0, *args)


def log_first_n(level, msg, n, *args):
    """Logs on the first `n` calls from the same line."""
    count = _next_count()
    log_if(level, msg, count < n, *args)


def TaskLevelStatusMessage(msg):  # noqa: N802 - TF's name
    """Logs `msg` at ERROR, as TF."""
    error(msg)


def flush():
    """Flushes the handlers of the "tensorflow" logger (TF's raises NotImplementedError)."""
    for handler in _get_logger().handlers:
        handler.flush()


def get_verbosity():
    """The level below which messages are dropped (starts at WARN, as TF)."""
    return _get_logger().getEffectiveLevel()


def set_verbosity(v):
    """Sets the level below which messages are dropped: a level number or name ("INFO")."""
    try:
        _get_logger().setLevel(v)
    except (TypeError, ValueError) as e:
        raise ValueError(f"Argument `v` of set_verbosity is not a logging level: {v!r} "
                         f"({e})") from None
