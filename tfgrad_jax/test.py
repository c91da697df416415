"""`tf.test`: `TestCase`, `main` and the questions about GPUs.

TF's `tf.test.TestCase` (also `tf.compat.v1.test.TestCase`, the same class)
is a `unittest.TestCase` that, before each test, seeds Python's and numpy's
random generators with 87654321, starts a fresh global default graph and
sets its seed to 87654321. Under TF 2 behaviour a test runs eagerly:
`self.evaluate` turns tensors into numpy values, `self.cached_session()`
yields a stand-in whose `run` evaluates, and `self.session()` a stand-in that
raises AttributeError on any use. Inside a graph (`with tf.Graph().as_default()`,
or after `tf.compat.v1.disable_eager_execution()`) `session()` yields a new
`tf.compat.v1.Session` on the test's graph, `cached_session()` (and the
deprecated `test_session()`) one session kept for the whole test, each
entered as the default session and its graph as the default graph; and
`evaluate` runs its tensors in the default session (or the cached one).
We do the same with our Session; `use_gpu`, `force_gpu` and `config` are
accepted and ignored (XLA places everything).

The assertions are TF's, with its defaults: `assertAllClose` (rtol = atol =
1e-6, nested structures and tensors allowed, shapes must match),
`assertAllEqual`, `assertAllCloseAccordingToType` (looser for float32,
float16 and bfloat16), `assertShapeEqual`, `assertRaisesOpError`, and a few
more. `tf.test.main()` parses our flags and runs `unittest.main`.
`compute_gradient` gives theoretical and numerical Jacobians, as TF-2's.
`is_gpu_available()` and friends answer from the devices JAX sees.
"""

import contextlib
import random
import re
import sys
import tempfile
import unittest

import numpy as np

from tfgrad_jax.device import list_physical_devices
from tfgrad_jax.framework import dtypes
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework import nest
from tfgrad_jax.framework.errors import OpError
from tfgrad_jax.framework.op_def import convert_to_tensor
from tfgrad_jax.function import function
from tfgrad_jax.gradients import gradients
from tfgrad_jax.framework.tensor import SymbolicTensor, is_tensor
from tfgrad_jax.ops import random_ops
from tfgrad_jax.v1 import flags
from tfgrad_jax.v1.session import Session

__all__ = ["TestCase", "main", "compute_gradient", "gpu_device_name", "is_built_with_cuda",
           "is_built_with_gpu_support", "is_built_with_rocm", "is_built_with_xla",
           "is_gpu_available"]

_DEFAULT_SEED = 87654321  # TF's DEFAULT_GRAPH_SEED, used by TestCase.setUp

_EAGER_SESSION_TEXT = (
    "Trying to access properties or call methods on the result of self.session(), "
    "self.cached_session(), etc while eager execution is enabled. If you're porting this test "
    "case to TF 2.0, either adapt the test to work with eager execution or insert a call to "
    "tf.disable_eager_execution() in the main() function of this test file.")


class _EagerSessionWarner:
    """What `self.session()` yields eagerly: any use raises AttributeError, as in TF."""

    def __getattr__(self, name):
        raise AttributeError(_EAGER_SESSION_TEXT)


class _FakeEagerSession:
    """What `self.cached_session()` yields eagerly: `run(fetches)` evaluates them, as TF's."""

    def __init__(self, test_case):
        self._test_case = test_case

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """The numpy values of `fetches`; `feed_dict` cannot be honoured eagerly."""
        if feed_dict:
            raise ValueError("Argument `feed_dict` is not supported by the session of "
                             "self.cached_session() while eager execution is enabled.")
        return self._test_case.evaluate(fetches)


class TestCase(unittest.TestCase):
    """TF's `tf.test.TestCase` (see the module doc): a graph per test, sessions, TF's asserts."""

    def __init__(self, methodName="runTest"):  # noqa: N803 - unittest's name
        super().__init__(methodName)
        self._cached_sessions = {}  # graph -> the session cached_session() keeps
        self._tempdir = None

    def setUp(self):
        """Seeds Python's and numpy's generators, starts a fresh default graph, as TF."""
        super().setUp()
        self._close_cached_sessions()
        random.seed(_DEFAULT_SEED)
        np.random.seed(_DEFAULT_SEED)
        if not graph_mod._state.graph_stack:  # TF resets only outside an entered graph
            graph_mod.reset_default_graph()
        random_ops.set_seed(_DEFAULT_SEED)

    def tearDown(self):
        """Closes the sessions `cached_session()` kept."""
        self._close_cached_sessions()
        super().tearDown()

    def _close_cached_sessions(self):
        for session in self._cached_sessions.values():
            session.close()
        self._cached_sessions.clear()

    # -- sessions ------------------------------------------------------------------
    @contextlib.contextmanager
    def session(self, graph=None, config=None, use_gpu=True, force_gpu=False):
        """A new Session on `graph` (default: the default graph), the default within the
        block and closed after it. Eagerly, a stand-in that raises on use (as TF)."""
        if graph_mod.executing_eagerly():
            yield _EagerSessionWarner()
            return
        with Session(graph=graph if graph is not None else graph_mod.get_default_graph()) as s:
            yield s

    @contextlib.contextmanager
    def cached_session(self, graph=None, config=None, use_gpu=True, force_gpu=False):
        """The session kept for this test on `graph`, the default within the block, not
        closed after it. Eagerly, a stand-in whose `run` evaluates (as TF)."""
        if graph_mod.executing_eagerly():
            yield _FakeEagerSession(self)
            return
        with self._entered_cached_session(graph) as s:
            yield s

    @contextlib.contextmanager
    def _entered_cached_session(self, graph):
        graph = graph if graph is not None else graph_mod.get_default_graph()
        session = self._cached_sessions.get(graph)
        if session is None:
            session = self._cached_sessions[graph] = Session(graph=graph)
        with graph.as_default(), session.as_default():
            yield session

    def test_session(self, graph=None, config=None, use_gpu=True, force_gpu=False):
        """Deprecated: `cached_session()`, but eagerly it yields None, as TF.

        unittest collects this method as a test (its name starts with "test");
        run that way it skips itself, as TF's does ("Not a test.").
        """
        if self._testMethodName == "test_session":
            self.skipTest("Not a test.")
        if graph_mod.executing_eagerly():
            return contextlib.nullcontext(None)
        return self._entered_cached_session(graph)

    def evaluate(self, tensors):
        """The numpy values of `tensors` (a tensor, variable or nested structure of them).

        Eagerly each tensor gives its value (anything else but None raises
        ValueError, as TF); in a graph they run in the default session, else in
        the cached one.
        """
        if graph_mod.executing_eagerly():
            return nest.map_structure(_eager_value, tensors)
        session = graph_mod.get_default_session()
        if session is not None:
            return session.run(tensors)
        with self._entered_cached_session(None) as session:
            return session.run(tensors)

    def get_temp_dir(self):
        """A temporary directory for this test (the same one on every call)."""
        if self._tempdir is None:
            self._tempdir = tempfile.mkdtemp(dir=get_temp_dir())
        return self._tempdir

    # -- assertions ------------------------------------------------------------------
    def _array(self, value):
        if is_tensor(value):
            value = self.evaluate(value)
        return value if isinstance(value, np.ndarray) else np.array(value)

    def assertAllClose(self, a, b, rtol=1e-6, atol=1e-6, msg=None):  # noqa: N802
        """`|a - b| <= atol + rtol * |b|` elementwise, as TF (NaNs equal each other).

        `a` and `b` may be tensors, arrays, numbers or nested lists, tuples and
        dicts of them (same structure and keys); shapes must be equal.
        """
        self._assert_close_nested(a, b, rtol, atol, msg, path=[])

    def _assert_close_nested(self, a, b, rtol, atol, msg, path):
        where = "".join(f"[{p!r}]" for p in path)
        if isinstance(a, dict) or isinstance(b, dict):
            if not (isinstance(a, dict) and isinstance(b, dict)):
                self.fail(f"{msg or ''} a{where} and b{where} are not both dicts: "
                          f"{type(a).__name__} vs {type(b).__name__}")
            self.assertCountEqual(a, b, f"{msg or ''} mismatched keys at {where or 'top'}: a "
                                        f"has keys {sorted(a)}, but b has keys {sorted(b)}")
            for key in a:
                self._assert_close_nested(a[key], b[key], rtol, atol, msg, path + [key])
            return
        if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
            # As TF: compared as arrays when they make arrays, else element by element.
            arrays = None if _holds_structure(a) or _holds_structure(b) else _arrays(a, b)
            if arrays is None:
                self.assertEqual(len(a), len(b), f"{msg or ''} length of a{where} and b{where} "
                                                 f"differ: {len(a)} vs {len(b)}")
                for i, (x, y) in enumerate(zip(a, b)):
                    self._assert_close_nested(x, y, rtol, atol, msg, path + [i])
                return
            a, b = arrays
        a, b = self._array(a), self._array(b)
        self.assertEqual(a.shape, b.shape, f"Shape mismatch{' at ' + where if where else ''}: "
                                           f"expected {a.shape}, got {b.shape} with contents "
                                           f"{b}. {msg or ''}")
        np.testing.assert_allclose(_comparable(a), _comparable(b), rtol=rtol, atol=atol,
                                   err_msg=f"Mismatched value: a{where} is different from "
                                           f"b{where}. {msg or ''}", equal_nan=True)

    def assertAllCloseAccordingToType(self, a, b, rtol=1e-6, atol=1e-6,  # noqa: N802
                                      float_rtol=1e-6, float_atol=1e-6, half_rtol=1e-3,
                                      half_atol=1e-3, bfloat16_rtol=1e-2, bfloat16_atol=1e-2,
                                      msg=None):
        """`assertAllClose` with tolerances raised to those of the least precise dtype
        involved (float32/complex64, float16, bfloat16), as TF."""
        a, b = self._array(a), self._array(b)
        dtype_names = {a.dtype.name, b.dtype.name}
        if dtype_names & {"float32", "complex64"}:
            rtol, atol = max(rtol, float_rtol), max(atol, float_atol)
        if "float16" in dtype_names:
            rtol, atol = max(rtol, half_rtol), max(atol, half_atol)
        if "bfloat16" in dtype_names:
            rtol, atol = max(rtol, bfloat16_rtol), max(atol, bfloat16_atol)
        self.assertAllClose(a, b, rtol=rtol, atol=atol, msg=msg)

    def assertNotAllClose(self, a, b, rtol=1e-6, atol=1e-6, msg=None):  # noqa: N802
        """Fails if `assertAllClose(a, b)` would pass."""
        try:
            self.assertAllClose(a, b, rtol=rtol, atol=atol)
        except AssertionError:
            return
        self.fail(msg or "The two values are close at all elements")

    def assertAllEqual(self, a, b, msg=None):  # noqa: N802
        """Equal shapes and equal elements, as TF."""
        a, b = self._array(a), self._array(b)
        self.assertEqual(a.shape, b.shape, f"Shape mismatch: expected {a.shape}, got {b.shape}. "
                                           f"Contents: {b!r}. {msg or ''}")
        np.testing.assert_array_equal(a, b, err_msg=msg or "")

    def assertNotAllEqual(self, a, b, msg=None):  # noqa: N802
        """Fails if `assertAllEqual(a, b)` would pass."""
        try:
            self.assertAllEqual(a, b)
        except AssertionError:
            return
        self.fail(msg or "The two values are equal at all elements")

    def assertNear(self, f1, f2, err, msg=None):  # noqa: N802
        """`|f1 - f2| <= err` for two numbers."""
        self.assertTrue(f1 == f2 or abs(f1 - f2) <= err,
                        f"{f1} != {f2} +/- {err}{' (' + msg + ')' if msg else ''}")

    def assertArrayNear(self, farray1, farray2, err, msg=None):  # noqa: N802
        """`assertNear` elementwise for two lists of numbers of the same length."""
        self.assertEqual(len(farray1), len(farray2), msg=msg)
        for f1, f2 in zip(farray1, farray2):
            self.assertNear(float(f1), float(f2), err, msg=msg)

    def assertAllGreater(self, a, comparison_target):  # noqa: N802
        """Every element of `a` is > `comparison_target`."""
        self.assertGreater(np.min(self._array(a)), comparison_target)

    def assertAllLess(self, a, comparison_target):  # noqa: N802
        """Every element of `a` is < `comparison_target`."""
        self.assertLess(np.max(self._array(a)), comparison_target)

    def assertAllGreaterEqual(self, a, comparison_target):  # noqa: N802
        """Every element of `a` is >= `comparison_target`."""
        self.assertGreaterEqual(np.min(self._array(a)), comparison_target)

    def assertAllLessEqual(self, a, comparison_target):  # noqa: N802
        """Every element of `a` is <= `comparison_target`."""
        self.assertLessEqual(np.max(self._array(a)), comparison_target)

    def assertAllInRange(self, target, lower_bound, upper_bound,  # noqa: N802
                         open_lower_bound=False, open_upper_bound=False):
        """Every element of `target` lies between the bounds (closed unless said open)."""
        target = self._array(target)
        low_ok = target > lower_bound if open_lower_bound else target >= lower_bound
        high_ok = target < upper_bound if open_upper_bound else target <= upper_bound
        bad = np.argwhere(~(low_ok & high_ok))
        if bad.size:
            self.fail(f"{bad.shape[0]} of the {target.size} element(s) are outside the range "
                      f"{'(' if open_lower_bound else '['}{lower_bound}, {upper_bound}"
                      f"{')' if open_upper_bound else ']'}; first at index {bad[0].tolist()}")

    def assertDTypeEqual(self, target, expected_dtype):  # noqa: N802
        """`target`'s elements have the (numpy or TF) dtype `expected_dtype`."""
        expected = getattr(expected_dtype, "as_numpy_dtype", expected_dtype)
        self.assertEqual(self._array(target).dtype, np.dtype(expected))

    def assertShapeEqual(self, input_a, input_b, msg=None):  # noqa: N802
        """A numpy array (or Tensor) and a Tensor have the same shape, as TF."""
        if not (isinstance(input_a, (np.ndarray, np.generic)) or is_tensor(input_a)):
            raise TypeError("input_a must be a Numpy ndarray, Numpy scalar, or a Tensor."
                            f"Instead received {type(input_a)}")
        if not is_tensor(input_b):
            raise TypeError(f"input_b must be a Tensor. Instead received {type(input_b)}")
        shape_a = list(input_a.shape.as_list() if is_tensor(input_a) else np.shape(input_a))
        self.assertAllEqual(shape_a, input_b.shape.as_list(), msg=msg)

    @contextlib.contextmanager
    def assertRaisesWithPredicateMatch(self, exception_type,  # noqa: N802
                                       expected_err_re_or_predicate):
        """The block raises `exception_type` whose message matches the regular
        expression (re.search), or satisfies the predicate, as TF."""
        if callable(expected_err_re_or_predicate):
            predicate = expected_err_re_or_predicate
        else:
            def predicate(e):
                return re.search(expected_err_re_or_predicate, str(e)) is not None
        try:
            yield
        except exception_type as e:
            if not predicate(e):
                raise AssertionError(f"Exception of type {type(e)}: {e}") from e
        except Exception as e:  # noqa: BLE001 - reported as a failure, as TF
            raise AssertionError(f"Exception of type {type(e)}: {e}") from e
        else:
            raise AssertionError(f"Exception of type {type(AssertionError())}: "
                                 f"{exception_type.__name__} not raised")

    def assertRaisesOpError(self, expected_err_re_or_predicate):  # noqa: N802
        """The block raises a `tf.errors.OpError` matching the regex or predicate, as TF."""
        return self.assertRaisesWithPredicateMatch(OpError, expected_err_re_or_predicate)


def _eager_value(value):
    if value is None:
        return None
    if is_tensor(value) and not isinstance(value, SymbolicTensor):
        return value.numpy()
    raise ValueError(f"Unsupported type {type(value).__name__!r}.")


def _holds_structure(value):
    """True if a dict or a tensor is inside `value` (compared element by element)."""
    if isinstance(value, dict) or is_tensor(value):
        return True
    return isinstance(value, (list, tuple)) and any(_holds_structure(v) for v in value)


def _arrays(a, b):
    """a and b as numpy arrays, or None for ragged lists."""
    try:
        return np.array(a), np.array(b)
    except ValueError:
        return None


def _comparable(array):
    # numpy cannot subtract bfloat16 (an ml_dtypes type) in assert_allclose's checks.
    return array.astype(np.float32) if array.dtype.name == "bfloat16" else array


_temp_dir = None


def get_temp_dir():
    """A temporary directory for this process, made on first call (`tf.compat.v1.test`)."""
    global _temp_dir
    if _temp_dir is None:
        _temp_dir = tempfile.mkdtemp(prefix="tfgrad_jax_test_")
    return _temp_dir


def main(argv=None):
    """Runs the tests of `__main__` with `unittest.main`, as `tf.test.main`.

    Our flags are parsed first (known ones only); the remaining arguments go
    to unittest. Exits with unittest's status.
    """
    args = flags.FLAGS(sys.argv if argv is None else argv, known_only=True)
    return unittest.main(module="__main__", argv=args)


_REAL_FLOATS = ("float16", "bfloat16", "float32", "float64")


def _check_gradient_dtype(dtype, index):
    """Jacobians are computed for real floating point arguments only (TF also takes complex
    ones; here those raise). AssertionError is the class TF raises for the others."""
    if dtype.name.startswith("complex"):
        raise NotImplementedError(f"compute_gradient: argument {index} is {dtype.name}; complex "
                                  "arguments are not supported here")
    if dtype.name not in _REAL_FLOATS:
        raise AssertionError(f"Cannot compute gradient for unsupported type {dtype.name} of "
                             f"argument {index}")


def _one_hot_rows(shape, dtype):
    """Yields, for each element of an array of `shape`, an array with a 1 there only."""
    size = int(np.prod(shape, dtype=np.int64))
    for j in range(size):
        row = np.zeros(size, dtype=dtype)
        row[j] = 1
        yield row.reshape(shape)


def compute_gradient(f, x, delta=None):
    """Theoretical and numerical Jacobians of `f` at `x`, as TF-2's `tf.test.compute_gradient`.

    `f` returns one tensor y; `x` is a list or tuple of its arguments
    (ValueError otherwise, as TF). Returns `(theoretical, numerical)`, each a
    tuple with one numpy array per argument, shaped (y.size, x_i.size).
    Theoretical: `tf.gradients` of y against one-hot `grad_ys`, compiled once
    as a tf.function and run once per element of y. Numerical: central
    differences with step `delta` (default 1/1024, as TF: a step exact in
    binary floating point). Arguments must be real floating point.
    """
    if not isinstance(x, (list, tuple)):
        raise ValueError("`x` must be a list or tuple of values convertible to a Tensor "
                         f"(arguments to `f`), not a {type(x)}")
    delta = 1.0 / 1024 if delta is None else delta
    xs = [convert_to_tensor(v) for v in x]
    values = [np.asarray(v.numpy()) for v in xs]
    for i, v in enumerate(xs):
        _check_gradient_dtype(v.dtype, i)

    forward = function(lambda *args: f(*args))
    backward = function(lambda args, dy: gradients(forward(*args), list(args), grad_ys=dy,
                                                   unconnected_gradients="zero"))
    y = np.asarray(forward(*xs).numpy())
    _check_gradient_dtype(dtypes.as_dtype(y.dtype), "y")
    theoretical = [np.zeros((y.size, v.size), dtype=v.dtype) for v in values]
    for j, dy in enumerate(_one_hot_rows(y.shape, y.dtype)):
        for jacobian, grad in zip(theoretical, backward(xs, convert_to_tensor(dy))):
            jacobian[j, :] = np.asarray(grad.numpy()).ravel()
    numerical = []
    for i, value in enumerate(values):
        jacobian = np.zeros((y.size, value.size), dtype=value.dtype)
        for k in range(value.size):
            ends = []
            for step in (delta, -delta):
                moved = value.copy()
                moved.flat[k] += step
                args = xs[:i] + [convert_to_tensor(moved)] + xs[i + 1:]
                ends.append(np.asarray(forward(*args).numpy()))
            jacobian[:, k] = ((ends[0] - ends[1]) / (2 * delta)).ravel()
        numerical.append(jacobian)
    return tuple(theoretical), tuple(numerical)


def _gpus():
    return list_physical_devices("GPU")


def _gpu_vendor():
    """"cuda", "rocm" or "" from what JAX says of its first GPU (its plugin's platform
    version, else the device kind)."""
    import jax

    try:
        device = jax.devices("gpu")[0]
    except (RuntimeError, IndexError):
        return ""
    text = f"{getattr(device.client, 'platform_version', '')} {device.device_kind}".lower()
    if "rocm" in text or "amd" in text:
        return "rocm"
    return "cuda" if "cuda" in text or "nvidia" in text else ""


def is_gpu_available(cuda_only=False, min_cuda_compute_capability=None):
    """Whether JAX sees a GPU (TF: whether TF can use one).

    `cuda_only` requires a CUDA GPU; `min_cuda_compute_capability`, a
    (major, minor) tuple, requires a device at least that capable (as JAX
    reports `compute_capability`).
    """
    if not _gpus():
        return False
    if cuda_only and not is_built_with_cuda():
        return False
    if min_cuda_compute_capability is not None:
        import jax

        wanted = tuple(min_cuda_compute_capability)
        for device in jax.devices("gpu"):
            capability = getattr(device, "compute_capability", None)
            if capability and tuple(int(p) for p in str(capability).split(".")) >= wanted:
                return True
        return False
    return True


def is_built_with_cuda():
    """Whether JAX has a CUDA GPU (TF: whether TF was built with CUDA)."""
    return _gpu_vendor() == "cuda"


def is_built_with_rocm():
    """Whether JAX has a ROCm GPU (TF: whether TF was built with ROCm)."""
    return _gpu_vendor() == "rocm"


def is_built_with_gpu_support():
    """Whether JAX has a GPU (TF: whether TF was built with CUDA or ROCm)."""
    return bool(_gpus())


def is_built_with_xla():
    """True: everything here is compiled by XLA."""
    return True


def gpu_device_name():
    """'/device:GPU:0' if JAX sees a GPU, else '' (as TF)."""
    return "/device:GPU:0" if _gpus() else ""
