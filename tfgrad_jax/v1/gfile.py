"""`tf.compat.v1.gfile`: TF-1's file functions (`Exists`, `MakeDirs`, `GFile`, ...).

TF runs them on its own file systems (local, and `gs://`, `hdfs://`, ... when
registered). Here they run on the local file system with Python's `os`,
`shutil` and `glob`, with TF's semantics and TF's error classes
(`tf.errors.NotFoundError` for a missing file, `AlreadyExistsError` when
`Copy`/`Rename` would overwrite, ...). A path with any other scheme than
`file://` raises `UnimplementedError`, as TF does for a file system it lacks.

`GFile` works on bytes underneath, as TF's: a text-mode file reads `str`
(UTF-8) and a binary one `bytes`; either accepts `str` or `bytes` to write,
and there is no newline translation. A file opened for reading is opened
lazily, on first use (so a missing file raises there, as in TF).
"""

import glob as _glob
import os
import shutil

from tfgrad_jax.framework import errors

__all__ = ["Copy", "DeleteRecursively", "Exists", "FastGFile", "GFile", "Glob", "IsDirectory",
           "ListDirectory", "MakeDirs", "MkDir", "Open", "Remove", "Rename", "Stat", "Walk"]

_MODES = ("r", "w", "a", "r+", "w+", "a+")

_ERRORS = (  # OSError subclass -> TF's error class (first match wins)
    (FileNotFoundError, errors.NotFoundError),
    (FileExistsError, errors.AlreadyExistsError),
    (IsADirectoryError, errors.FailedPreconditionError),
    (NotADirectoryError, errors.FailedPreconditionError),
    (PermissionError, errors.PermissionDeniedError),
)


def _tf_error(error, path):
    """TF's error for an OSError on `path`, with TF's text ("<path>; <reason>")."""
    for os_class, tf_class in _ERRORS:
        if isinstance(error, os_class):
            return tf_class(None, None, f"{path}; {error.strerror}")
    return errors.UnknownError(None, None, f"{path}; {error}")


def _local(path, argument="filename"):
    """`path` as a local path: str, bytes or os.PathLike; `file://` is local too."""
    if isinstance(path, bytes):
        path = path.decode("utf-8")
    elif isinstance(path, os.PathLike):
        path = os.fspath(path)
    if not isinstance(path, str):
        raise TypeError(f"Argument `{argument}` must be a path (str, bytes or os.PathLike), "
                        f"got {type(path).__name__}")
    if path.startswith("file://"):
        return path[len("file://"):]
    if "://" in path:
        scheme = path.split("://", 1)[0]
        raise errors.UnimplementedError(
            None, None, f"File system scheme '{scheme}' not implemented (file: '{path}')")
    return path


class GFile:
    """A file, as `tf.compat.v1.gfile.GFile(name, mode='r')` (also `Open`, `FastGFile`).

    Modes are Python's ("r", "w", "a", "r+", "w+", "a+", each with or without
    "b"); another raises InvalidArgumentError, as TF. Reads give `str` in text
    modes and `bytes` in binary ones. Writing to a file opened for reading
    (or the reverse) raises PermissionDeniedError, as TF. Iterating gives
    lines; `size()` is the file's length; `seek(offset=None, whence=0,
    position=None)` as TF's (position is the old name of offset).
    """

    def __init__(self, name, mode="r"):
        self._path = _local(name, "name")
        self._name = name
        self._mode = mode
        if mode.replace("b", "") not in _MODES:
            raise errors.InvalidArgumentError(
                None, None, "mode is not 'r' or 'w' or 'a' or 'r+' or 'w+' or 'a+'")
        self._binary = "b" in mode
        self._readable = "r" in mode or "+" in mode
        self._writable = mode.replace("b", "") != "r"
        self._file = None
        if self._writable:  # created (or truncated) now; readers open on first use
            self._open()

    def _open(self):
        if self._file is None:
            try:
                self._file = open(self._path, self._mode.replace("b", "") + "b")  # noqa: SIM115
            except OSError as e:
                raise _tf_error(e, self._path) from None
        return self._file

    @property
    def name(self):
        """The path given."""
        return self._name

    @property
    def mode(self):
        """The mode given."""
        return self._mode

    def _text(self, data):
        return data if self._binary else data.decode("utf-8")

    def _reader(self):
        if not self._readable:
            raise errors.PermissionDeniedError(None, None, "File isn't open for reading")
        return self._open()

    def read(self, n=-1):
        """Reads `n` bytes (all that is left when n is -1)."""
        return self._text(self._reader().read(n))

    def readline(self):
        """The next line, with its newline ('' or b'' at the end)."""
        return self._text(self._reader().readline())

    def readlines(self):
        """All lines left."""
        return [self._text(line) for line in self._reader().readlines()]

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def write(self, file_content):
        """Writes `file_content` (str, written as UTF-8, or bytes)."""
        if not self._writable:
            raise errors.PermissionDeniedError(None, None, "File isn't open for writing")
        if isinstance(file_content, str):
            file_content = file_content.encode("utf-8")
        self._open().write(file_content)

    def seek(self, offset=None, whence=0, position=None):
        """Moves to `offset` (or the old `position`) from `whence` (0, 1 or 2)."""
        if offset is None and position is None:
            raise TypeError("seek(): offset argument required")
        if offset is not None and position is not None:
            raise TypeError("At most one of the arguments 'offset' and 'position' may be given")
        self._open().seek(offset if offset is not None else position, whence)

    def tell(self):
        """The current position, in bytes."""
        return self._open().tell()

    def seekable(self):
        """True."""
        return True

    def size(self):
        """The file's length in bytes."""
        if self._file is not None:
            self._file.flush()
        return Stat(self._path).length

    def flush(self):
        """Flushes what was written."""
        if self._file is not None:
            self._file.flush()

    def close(self):
        """Closes the file."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


Open = GFile


class FastGFile(GFile):
    """TF-1's deprecated `FastGFile`: the same as `GFile`."""


class FileStatistics:
    """What `Stat` returns: `length` (bytes), `mtime_nsec`, `is_directory`."""

    def __init__(self, length, mtime_nsec, is_directory):
        self.length = length
        self.mtime_nsec = mtime_nsec
        self.is_directory = is_directory

    def __repr__(self):
        return (f"FileStatistics(length={self.length}, mtime_nsec={self.mtime_nsec}, "
                f"is_directory={self.is_directory})")


def Exists(filename):  # noqa: N802 - TF's names
    """Whether a file or directory exists at `filename`."""
    return os.path.exists(_local(filename))


def IsDirectory(dirname):  # noqa: N802
    """Whether `dirname` is a directory."""
    return os.path.isdir(_local(dirname, "dirname"))


def MakeDirs(dirname):  # noqa: N802
    """Makes `dirname` and its missing parents; nothing to do if it exists."""
    path = _local(dirname, "dirname")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        raise _tf_error(e, path) from None


def MkDir(dirname):  # noqa: N802
    """Makes the directory `dirname` (its parent must exist: NotFoundError otherwise).
    An existing directory is no error, as in TF 2.21."""
    path = _local(dirname, "dirname")
    try:
        os.mkdir(path)
    except FileExistsError:
        if not os.path.isdir(path):
            raise errors.FailedPreconditionError(None, None, f"{path}; Not a directory") from None
    except OSError as e:
        raise _tf_error(e, path) from None


def ListDirectory(dirname):  # noqa: N802
    """The names in directory `dirname` (NotFoundError if it does not exist)."""
    path = _local(dirname, "dirname")
    if not os.path.isdir(path):
        raise errors.NotFoundError(None, None, f"Could not find directory {path}")
    return os.listdir(path)


def Glob(filename):  # noqa: N802
    """The paths matching the pattern `filename` (`*`, `?`, `[...]`), sorted."""
    return sorted(_glob.glob(_local(filename)))


def Remove(filename):  # noqa: N802
    """Deletes the file `filename` (NotFoundError if missing, FailedPreconditionError for a
    directory)."""
    path = _local(filename)
    try:
        os.remove(path)
    except OSError as e:
        raise _tf_error(e, path) from None


def DeleteRecursively(dirname):  # noqa: N802
    """Deletes `dirname` and everything below it (a file is deleted too)."""
    path = _local(dirname, "dirname")
    if not os.path.lexists(path):
        raise errors.NotFoundError(None, None, f"{path} not found")
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.remove(path)
    except OSError as e:
        raise _tf_error(e, path) from None


def _check_target(path, overwrite):
    if not overwrite and os.path.exists(path):
        raise errors.AlreadyExistsError(None, None, "file already exists")


def Rename(oldname, newname, overwrite=False):  # noqa: N802
    """Moves `oldname` to `newname`; AlreadyExistsError if it exists and not `overwrite`."""
    old, new = _local(oldname, "oldname"), _local(newname, "newname")
    _check_target(new, overwrite)
    try:
        os.replace(old, new)
    except OSError as e:
        raise _tf_error(e, old) from None


def Copy(oldpath, newpath, overwrite=False):  # noqa: N802
    """Copies the file `oldpath` to `newpath`; AlreadyExistsError if it exists and not
    `overwrite`."""
    old, new = _local(oldpath, "oldpath"), _local(newpath, "newpath")
    _check_target(new, overwrite)
    try:
        shutil.copyfile(old, new)
    except OSError as e:
        raise _tf_error(e, old) from None


def Stat(filename):  # noqa: N802
    """A FileStatistics (`length`, `mtime_nsec`, `is_directory`) for `filename`."""
    path = _local(filename)
    try:
        st = os.stat(path)
    except OSError as e:
        raise _tf_error(e, path) from None
    return FileStatistics(st.st_size, st.st_mtime_ns, os.path.isdir(path))


def Walk(top, in_order=True):  # noqa: N802
    """Yields (directory, subdirectory names, file names) for `top` and below: parents
    first if `in_order`, else children first. Nothing for a missing `top`, as TF."""
    yield from os.walk(_local(top, "top"), topdown=in_order)
