"""ember.core: arrays, operations, devices and transformations."""

from collections.abc import Sequence
import enum
import types
from typing import overload

from ember.core import (
    cuda as cuda,
    fast as fast,
    fft as fft,
    linalg as linalg,
    metal as metal,
    random as random
)
from typing import TypeAlias

scalar: TypeAlias = bool | int | float | complex

__version__: str

class _PrintOptionsContext:
    def __enter__(self) -> None: ...
    def __exit__(self, *args: object) -> None: ...


class Dtype:
    """An array element type, e.g. ``ember.core.float32``."""

    @property
    def size(self) -> int:
        """Size of one element in bytes."""

    def __repr__(self) -> str: ...

    def __eq__(self, other: object | None) -> bool: ...

    def __ne__(self, other: object | None) -> bool: ...

    def __hash__(self) -> int: ...

    def __reduce__(self) -> str: ...

uint8: Dtype = ...

uint16: Dtype = ...

uint32: Dtype = ...

uint64: Dtype = ...

int8: Dtype = ...

int16: Dtype = ...

int32: Dtype = ...

int64: Dtype = ...

float16: Dtype = ...

float32: Dtype = ...

float64: Dtype = ...

bfloat16: Dtype = ...

complex64: Dtype = ...

class DtypeCategory(enum.Enum):
    """Abstract dtype categories."""

    complexfloating = 0

    floating = 1

    inexact = 2

    signedinteger = 3

    unsignedinteger = 4

    integer = 5

    number = 6

    generic = 7

complexfloating: DtypeCategory = DtypeCategory.complexfloating

floating: DtypeCategory = DtypeCategory.floating

inexact: DtypeCategory = DtypeCategory.inexact

signedinteger: DtypeCategory = DtypeCategory.signedinteger

unsignedinteger: DtypeCategory = DtypeCategory.unsignedinteger

integer: DtypeCategory = DtypeCategory.integer

number: DtypeCategory = DtypeCategory.number

generic: DtypeCategory = DtypeCategory.generic

def issubdtype(arg1: object, arg2: object) -> bool:
    """
    Whether ``arg1`` is a subtype of ``arg2`` in the dtype hierarchy.

    Args:
        arg1 (Dtype | DtypeCategory): The candidate.
        arg2 (Dtype | DtypeCategory): The dtype or category to test against.

    Returns:
        bool

    Example:
        >>> import ember.core as mx
        >>> mx.issubdtype(mx.float32, mx.floating)
        True
    """

def isdtype(dtype: Dtype, kind: object) -> bool:
    """
    Whether a dtype belongs to a kind (Array API ``isdtype``).

    Args:
        dtype (Dtype): The dtype.
        kind: A Dtype, one of ``"bool"``, ``"signed integer"``,
            ``"unsigned integer"``, ``"integral"``, ``"real floating"``,
            ``"complex floating"``, ``"numeric"``, or a tuple of these.

    Returns:
        bool

    Example:
        >>> import ember.core as mx
        >>> mx.isdtype(mx.int8, "integral")
        True
    """

def result_type(*arrays_or_dtypes) -> Dtype:
    """
    Dtype that results from promoting the given arrays and dtypes.

    Args:
        *arrays_or_dtypes: Arrays or Dtypes.

    Returns:
        Dtype

    Example:
        >>> import ember.core as mx
        >>> mx.result_type(mx.int8, mx.float16)
        ember.core.float16
    """

def can_cast(from_: object, to: Dtype) -> bool:
    """
    Whether ``from_`` can be cast to ``to`` under the promotion rules.

    Args:
        from_ (array | Dtype): Source.
        to (Dtype): Target dtype.

    Returns:
        bool

    Example:
        >>> import ember.core as mx
        >>> mx.can_cast(mx.int8, mx.int32)
        True
    """

class finfo:
    """Machine limits of a floating point dtype."""

    def __init__(self, dtype: Dtype) -> None: ...

    @property
    def bits(self) -> int: ...

    @property
    def min(self) -> float: ...

    @property
    def max(self) -> float: ...

    @property
    def eps(self) -> float: ...

    @property
    def smallest_normal(self) -> float: ...

    @property
    def dtype(self) -> Dtype: ...

    def __repr__(self) -> str: ...

class iinfo:
    """Limits of an integer dtype."""

    def __init__(self, dtype: Dtype) -> None: ...

    @property
    def min(self) -> object: ...

    @property
    def max(self) -> object: ...

    @property
    def dtype(self) -> Dtype: ...

    def __repr__(self) -> str: ...

class DeviceType(enum.Enum):
    """Kind of device: cpu or gpu."""

    cpu = 0

    gpu = 1

cpu: DeviceType = DeviceType.cpu

gpu: DeviceType = DeviceType.gpu

class Device:
    """A device to run operations on."""

    @overload
    def __init__(self, type: DeviceType, index: int = 0) -> None: ...

    @overload
    def __init__(self, arg: DeviceType, /) -> None: ...

    @property
    def type(self) -> DeviceType: ...

    @property
    def index(self) -> int: ...

    def __repr__(self) -> str: ...

    def __eq__(self, other: object | None) -> bool: ...

    def __hash__(self) -> int: ...

class Stream:
    """An in-order queue of work on a device."""

    def __init__(self, index: int, device: Device) -> None: ...

    @property
    def device(self) -> Device: ...

    @property
    def index(self) -> int: ...

    def __repr__(self) -> str: ...

    def __eq__(self, other: object | None) -> bool: ...

    def __hash__(self) -> int: ...

def default_device() -> Device:
    """The default device of this thread."""

def set_default_device(device: Device) -> None:
    """Sets the default device of this thread."""

def is_available(device: Device) -> bool:
    """Whether a device can run operations."""

def device_count(device_type: DeviceType) -> int:
    """Number of devices of a type."""

def device_info(d: Device | None = None) -> dict:
    """Information about a device as a dict."""

def default_stream(device: Device) -> Stream:
    """The default stream of a device."""

def set_default_stream(stream: Stream) -> None:
    """Makes a stream the default of its device."""

def new_stream(device: Device) -> Stream:
    """Creates a new stream on a device."""

def new_thread_unsafe_stream(device: Device) -> Stream:
    """Creates a new stream usable from any thread."""

def synchronize(stream: Stream | Device | DeviceType | None | None = None) -> None:
    """
    Waits until all work queued on a stream has finished.

    Args:
        stream (Stream | None): The stream (default stream of the default
            device if None).

    Example:
        >>> import ember.core as mx
        >>> mx.synchronize()
    """

class StreamContext:
    """Context manager that sets the default device and stream."""

    def __init__(self, s: object | None) -> None: ...

    def __enter__(self) -> None: ...

    def __exit__(self, *args) -> None: ...

def stream(s: object | None) -> object:
    """
    Context manager that makes ``s`` the default device and stream.

    Args:
        s (Stream | Device): The stream or device.

    Example:
        >>> import ember.core as mx
        >>> with mx.stream(mx.cpu):
        ...     x = mx.array(1) + 1
    """

def eval(*args) -> None:
    """
    Evaluates arrays or trees (lists, tuples, dicts) of arrays.

    Args:
        *args: Arrays or trees of arrays; other leaves are ignored.

    Example:
        >>> import ember.core as mx
        >>> x = mx.array([1.0]) + 1
        >>> mx.eval(x)
    """

def async_eval(*args) -> None:
    """
    Schedules evaluation of arrays or trees of arrays and returns at once.

    Args:
        *args: Arrays or trees of arrays.

    Example:
        >>> import ember.core as mx
        >>> x = mx.array([1.0]) * 2
        >>> mx.async_eval(x)
    """

def get_active_memory() -> int:
    """Bytes currently allocated."""

def get_peak_memory() -> int:
    """Peak allocated bytes."""

def reset_peak_memory() -> None:
    """Resets the peak memory counter."""

def get_cache_memory() -> int:
    """Bytes held by the buffer cache."""

def set_memory_limit(limit: int) -> int:
    """Sets the memory limit in bytes; returns the previous one."""

def get_memory_limit() -> int:
    """The memory limit in bytes."""

def set_cache_limit(limit: int) -> int:
    """Sets the cache limit in bytes (0 disables); returns the previous one."""

def set_wired_limit(limit: int) -> int:
    """Accepted for MLX compatibility; returns the previous value."""

def clear_cache() -> None:
    """Frees all cached buffers."""

class PrintOptions:
    """Options for printing arrays."""

    @overload
    def __init__(self) -> None: ...

    @overload
    def __init__(self, precision: int = -1) -> None: ...

    @property
    def precision(self) -> int: ...

    @precision.setter
    def precision(self, arg: int, /) -> None: ...

    def __repr__(self) -> str: ...

def set_printoptions(precision: int = -1) -> None:
    """Sets the float precision used when printing (-1 = default)."""

def get_printoptions() -> PrintOptions:
    """The current print options."""

def printoptions(precision: int = -1) -> _PrintOptionsContext:
    """
    Context manager that temporarily changes the print options.

    Args:
        precision (int): Digits after the decimal point (-1 = default).

    Example:
        >>> import ember.core as mx
        >>> with mx.printoptions(precision=2):
        ...     print(mx.array(1.0 / 3))
        array(0.33, dtype=float32)
    """

class array:
    """An N-dimensional array (lazily evaluated)."""

    def __init__(self, val: object, dtype: Dtype | None = None) -> None:
        """
        Creates an array from a scalar, nested list, NumPy array or array.

        Args:
            val: bool/int/float/complex scalar, (nested) list or tuple, NumPy or
                DLPack array, or another array.
            dtype (Dtype | None): The element type; inferred when None.

        Example:
            >>> import ember.core as mx
            >>> mx.array([[1, 2], [3, 4]]).shape
            (2, 2)
        """

    @property
    def shape(self) -> tuple:
        """The array's dimensions as a tuple."""

    @property
    def ndim(self) -> int:
        """Number of dimensions."""

    @property
    def size(self) -> int:
        """Number of elements."""

    @property
    def itemsize(self) -> int:
        """Bytes per element."""

    @property
    def nbytes(self) -> int:
        """Total bytes of the elements."""

    @property
    def dtype(self) -> Dtype:
        """The element type."""

    def item(self) -> object:
        """
        The value of a size-1 array as a Python scalar.

        Returns:
            bool | int | float | complex

        Example:
            >>> import ember.core as mx
            >>> mx.array([2.5]).item()
            2.5
        """

    def tolist(self) -> object:
        """
        The array's values as nested lists (a scalar for 0-d arrays).

        Returns:
            list | bool | int | float | complex

        Example:
            >>> import ember.core as mx
            >>> mx.array([[1, 2]]).tolist()
            [[1, 2]]
        """

    def astype(self, dtype: Dtype, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """
        Casts the array to a dtype.

        Args:
            dtype (Dtype): Target type.

        Returns:
            array

        Example:
            >>> import ember.core as mx
            >>> mx.array([1.7]).astype(mx.int32).item()
            1
        """

    def __array__(self, dtype: object | None = None, copy: bool | None = None) -> object:
        """Converts to a NumPy array (no copy where possible)."""

    def __dlpack__(self, **kwargs) -> object:
        """Exports the array as a DLPack capsule."""

    def __dlpack_device__(self) -> tuple:
        """DLPack device: (kDLCPU, 0)."""

    def __array_namespace__(self, api_version: object | None = None) -> types.ModuleType: ...

    def __repr__(self) -> str: ...

    def __str__(self) -> str: ...

    def __len__(self) -> int: ...

    def __bool__(self) -> bool: ...

    def __int__(self) -> object: ...

    def __index__(self) -> object: ...

    def __float__(self) -> object: ...

    def __complex__(self) -> object: ...

    @overload
    def __hash__(self) -> int: ...

    @overload
    def __hash__(self) -> int: ...

    def __copy__(self) -> array: ...

    def __deepcopy__(self, memo: object) -> array: ...

    def __getstate__(self) -> tuple: ...

    def __setstate__(self, arg: tuple, /) -> None: ...

    def __add__(self, arg: object, /) -> object: ...

    def __radd__(self, arg: object, /) -> object: ...

    def __sub__(self, arg: object, /) -> object: ...

    def __rsub__(self, arg: object, /) -> object: ...

    def __mul__(self, arg: object, /) -> object: ...

    def __rmul__(self, arg: object, /) -> object: ...

    def __truediv__(self, arg: object, /) -> object: ...

    def __rtruediv__(self, arg: object, /) -> object: ...

    def __floordiv__(self, arg: object, /) -> object: ...

    def __rfloordiv__(self, arg: object, /) -> object: ...

    def __mod__(self, arg: object, /) -> object: ...

    def __rmod__(self, arg: object, /) -> object: ...

    def __pow__(self, arg: object, /) -> object: ...

    def __rpow__(self, arg: object, /) -> object: ...

    def __lt__(self, arg: object, /) -> object: ...

    def __le__(self, arg: object, /) -> object: ...

    def __gt__(self, arg: object, /) -> object: ...

    def __ge__(self, arg: object, /) -> object: ...

    def __and__(self, arg: object, /) -> object: ...

    def __or__(self, arg: object, /) -> object: ...

    def __xor__(self, arg: object, /) -> object: ...

    def __lshift__(self, arg: object, /) -> object: ...

    def __rshift__(self, arg: object, /) -> object: ...

    def __matmul__(self, arg: array, /) -> array: ...

    def __eq__(self, other: object | None) -> object: ...

    def __ne__(self, other: object | None) -> object: ...

    def __iadd__(self, arg: object, /) -> object: ...

    def __isub__(self, arg: object, /) -> object: ...

    def __imul__(self, arg: object, /) -> object: ...

    def __itruediv__(self, arg: object, /) -> object: ...

    def __ifloordiv__(self, arg: object, /) -> object: ...

    def __imod__(self, arg: object, /) -> object: ...

    def __ipow__(self, arg: object, /) -> object: ...

    def __imatmul__(self, arg: object, /) -> object: ...

    def __iand__(self, arg: object, /) -> object: ...

    def __ior__(self, arg: object, /) -> object: ...

    def __ixor__(self, arg: object, /) -> object: ...

    def __ilshift__(self, arg: object, /) -> object: ...

    def __irshift__(self, arg: object, /) -> object: ...

    def __neg__(self) -> array: ...

    def __abs__(self) -> array: ...

    def __invert__(self) -> array: ...

    def abs(self, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Same as the function of this name with the array as first argument."""

    def square(self, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Same as the function of this name with the array as first argument."""

    def sqrt(self, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Same as the function of this name with the array as first argument."""

    def rsqrt(self, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Same as the function of this name with the array as first argument."""

    def reciprocal(self, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Same as the function of this name with the array as first argument."""

    def exp(self, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Same as the function of this name with the array as first argument."""

    def log(self, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Same as the function of this name with the array as first argument."""

    def log2(self, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Same as the function of this name with the array as first argument."""

    def log10(self, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Same as the function of this name with the array as first argument."""

    def log1p(self, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Same as the function of this name with the array as first argument."""

    def sin(self, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Same as the function of this name with the array as first argument."""

    def cos(self, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Same as the function of this name with the array as first argument."""

    def conj(self, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Same as the function of this name with the array as first argument."""

    def round(self, decimals: int = 0, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Rounds to the given number of decimals."""

    @property
    def real(self) -> array:
        """Real part."""

    @property
    def imag(self) -> array:
        """Imaginary part."""

    def all(self, axis: object | None = None, keepdims: bool = False, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Reduction over the given axes (all if None)."""

    def any(self, axis: object | None = None, keepdims: bool = False, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Reduction over the given axes (all if None)."""

    def sum(self, axis: object | None = None, keepdims: bool = False, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Reduction over the given axes (all if None)."""

    def prod(self, axis: object | None = None, keepdims: bool = False, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Reduction over the given axes (all if None)."""

    def min(self, axis: object | None = None, keepdims: bool = False, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Reduction over the given axes (all if None)."""

    def max(self, axis: object | None = None, keepdims: bool = False, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Reduction over the given axes (all if None)."""

    def mean(self, axis: object | None = None, keepdims: bool = False, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Reduction over the given axes (all if None)."""

    def logsumexp(self, axis: object | None = None, keepdims: bool = False, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Reduction over the given axes (all if None)."""

    def var(self, axis: object | None = None, keepdims: bool = False, ddof: int = 0, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Variance over the given axes."""

    def std(self, axis: object | None = None, keepdims: bool = False, ddof: int = 0, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Standard deviation over the given axes."""

    def argmax(self, axis: int | None = None, keepdims: bool = False, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Indices of the maximum (uint32)."""

    def argmin(self, axis: int | None = None, keepdims: bool = False, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Indices of the minimum (uint32)."""

    def reshape(self, *shape, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Reshapes the array; shape as a tuple or as separate ints."""

    def transpose(self, *axes, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Permutes the axes (reverses them when none are given)."""

    @property
    def T(self) -> array:
        """Transposed array."""

    def flatten(self, start_axis: int = 0, end_axis: int = -1, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Flattens the axes from start_axis to end_axis."""

    def squeeze(self, axis: object | None = None, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Removes size-1 axes."""

    def moveaxis(self, source: int, destination: int, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Moves an axis to a new position."""

    def swapaxes(self, axis1: int, axis2: int, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Swaps two axes."""

    def cumsum(self, axis: int | None = None, *, reverse: bool = False, inclusive: bool = True, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Cumulative reduction along an axis."""

    def cumprod(self, axis: int | None = None, *, reverse: bool = False, inclusive: bool = True, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Cumulative reduction along an axis."""

    def cummax(self, axis: int | None = None, *, reverse: bool = False, inclusive: bool = True, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Cumulative reduction along an axis."""

    def cummin(self, axis: int | None = None, *, reverse: bool = False, inclusive: bool = True, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Cumulative reduction along an axis."""

    def logcumsumexp(self, axis: int | None = None, *, reverse: bool = False, inclusive: bool = True, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Cumulative reduction along an axis."""

    def split(self, indices_or_sections: object, axis: int = 0, *, stream: Stream | Device | DeviceType | None | None = None) -> list:
        """Splits into sections or at indices."""

    def diagonal(self, offset: int = 0, axis1: int = 0, axis2: int = 1, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """A diagonal."""

    def diag(self, k: int = 0, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Diagonal matrix or diagonal."""

    def view(self, dtype: Dtype, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
        """Bit reinterpretation."""

    def __getitem__(self, index: object | None) -> array: ...

    def __setitem__(self, index: object | None, value: object) -> None: ...

    @property
    def at(self) -> ArrayAt:
        """Out-of-place scatter updates: ``x.at[idx].add(v)``."""

    def __iter__(self) -> ArrayIterator: ...

class ArrayAt:
    """Helper for out-of-place scatter updates: x.at[idx].add(v)."""

    def __getitem__(self, index: object | None) -> ArrayAt: ...

    def add(self, value: object) -> array:
        """Adds value at the indices (duplicates accumulate)."""

    def subtract(self, value: object) -> array:
        """Subtracts value at the indices."""

    def multiply(self, value: object) -> array:
        """Multiplies by value at the indices."""

    def divide(self, value: object) -> array:
        """Divides by value at the indices."""

    def maximum(self, value: object) -> array:
        """Elementwise maximum with value at the indices."""

    def minimum(self, value: object) -> array:
        """Elementwise minimum with value at the indices."""

class ArrayIterator:
    def __iter__(self) -> object: ...

    def __next__(self) -> array: ...

def asarray(arg0: object, dtype: Dtype | None = None, *, copy: bool | None = None) -> array:
    """
    Converts the input to an array, sharing memory when possible.

    Args:
        a: Array-like input (array, NumPy/DLPack array, list, scalar).
        dtype (Dtype | None): Requested type.
        copy (bool | None): True always copies, False never does (error if a
            copy is needed), None copies only when needed.

    Returns:
        array

    Example:
        >>> import ember.core as mx, numpy as np
        >>> mx.asarray(np.arange(3)).tolist()
        [0, 1, 2]
    """

def from_dlpack(arg0: object, /, *, copy: bool | None = None) -> array:
    """
    Creates an array from an object with ``__dlpack__`` (zero copy when
    the layout allows).

    Args:
        x: The DLPack producer.
        copy (bool | None): As in ``asarray``.

    Returns:
        array

    Example:
        >>> import ember.core as mx, numpy as np
        >>> mx.from_dlpack(np.ones(2, np.float32)).tolist()
        [1.0, 1.0]
    """

def abs(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise absolute value (complex -> float32).

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.abs(mx.array([-1.0, 2.0]))
    """

def sign(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise sign (-1, 0 or 1).

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.sign(mx.array([-2.0, 0.0, 3.0]))
    """

def negative(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise negation (bool input raises).

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.negative(mx.array([0.5, 1.0]))
    """

def positive(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Identity (returns the input).

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.positive(mx.array([0.5, 1.0]))
    """

def square(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise square.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.square(mx.array([0.5, 1.0]))
    """

def reciprocal(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise 1/a (integers -> float32).

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.reciprocal(mx.array([0.5, 1.0]))
    """

def sqrt(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise square root (integers -> float32).

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.sqrt(mx.array([0.5, 1.0]))
    """

def rsqrt(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise 1/sqrt(a) (integers -> float32).

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.rsqrt(mx.array([0.5, 1.0]))
    """

def exp(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise e**a (integers -> float32).

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.exp(mx.array([0.5, 1.0]))
    """

def expm1(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise e**a - 1, accurate near 0.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.expm1(mx.array([0.5, 1.0]))
    """

def log(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise natural logarithm.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.log(mx.array([0.5, 1.0]))
    """

def log2(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise base-2 logarithm.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.log2(mx.array([0.5, 1.0]))
    """

def log10(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise base-10 logarithm.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.log10(mx.array([0.5, 1.0]))
    """

def log1p(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise log(1 + a), accurate near 0.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.log1p(mx.array([0.5, 1.0]))
    """

def sin(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise sine (radians).

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.sin(mx.array([0.5, 1.0]))
    """

def cos(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise cosine (radians).

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.cos(mx.array([0.5, 1.0]))
    """

def tan(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise tangent (radians).

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.tan(mx.array([0.5, 1.0]))
    """

def arcsin(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise inverse sine.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.arcsin(mx.array([0.5, 1.0]))
    """

def arccos(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise inverse cosine.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.arccos(mx.array([0.5, 1.0]))
    """

def arctan(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise inverse tangent.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.arctan(mx.array([0.5, 1.0]))
    """

def sinh(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise hyperbolic sine.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.sinh(mx.array([0.5, 1.0]))
    """

def cosh(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise hyperbolic cosine.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.cosh(mx.array([0.5, 1.0]))
    """

def tanh(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise hyperbolic tangent.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.tanh(mx.array([0.5, 1.0]))
    """

def arcsinh(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise inverse hyperbolic sine.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.arcsinh(mx.array([0.5, 1.0]))
    """

def arccosh(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise inverse hyperbolic cosine.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.arccosh(mx.array([1.0, 2.0]))
    """

def arctanh(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise inverse hyperbolic tangent.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.arctanh(mx.array([0.5, 1.0]))
    """

def degrees(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Converts radians to degrees.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.degrees(mx.array([0.5, 1.0]))
    """

def radians(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Converts degrees to radians.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.radians(mx.array([0.5, 1.0]))
    """

def erf(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise error function.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.erf(mx.array([0.5, 1.0]))
    """

def erfinv(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise inverse error function.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.erfinv(mx.array([0.5, 1.0]))
    """

def sigmoid(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise logistic sigmoid 1/(1+e**-a).

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.sigmoid(mx.array([0.5, 1.0]))
    """

def floor(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise floor.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.floor(mx.array([-1.5, 1.5]))
    """

def ceil(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise ceiling.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.ceil(mx.array([-1.5, 1.5]))
    """

def trunc(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise truncation toward zero.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.trunc(mx.array([-1.5, 1.5]))
    """

def isnan(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise test for NaN.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.isnan(mx.array([0.5, 1.0]))
    """

def isinf(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise test for +-inf.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.isinf(mx.array([0.5, 1.0]))
    """

def isfinite(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise test for finite values.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.isfinite(mx.array([0.5, 1.0]))
    """

def isposinf(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise test for +inf.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.isposinf(mx.array([0.5, 1.0]))
    """

def isneginf(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise test for -inf.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.isneginf(mx.array([0.5, 1.0]))
    """

def conjugate(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise complex conjugate.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.conjugate(mx.array([0.5, 1.0]))
    """

def conj(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise complex conjugate.

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.conj(mx.array([0.5, 1.0]))
    """

def real(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Real part (complex -> float32).

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.real(mx.array([0.5, 1.0]))
    """

def imag(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Imaginary part (complex -> float32).

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.imag(mx.array([0.5, 1.0]))
    """

def logical_not(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise logical not (-> bool).

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.logical_not(mx.array([0.5, 1.0]))
    """

def bitwise_invert(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise bitwise not (bool -> logical not).

    Args:
        a (array): Input array or scalar.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.bitwise_invert(mx.array([1, 2]))
    """

def round(arg0: object, decimals: int = 0, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Rounds to the given number of decimals (half to even).

    Args:
        a (array): Input.
        decimals (int): Number of decimal places.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.round(mx.array([0.5, 1.5, 2.25]), 1).tolist()
        [0.5, 1.5, 2.200000047683716]
    """

def nan_to_num(a: object, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Replaces NaN and infinities with finite numbers.

    Args:
        a (array): Input.
        nan (float): Replacement for NaN.
        posinf (float | None): Replacement for +inf (dtype max if None).
        neginf (float | None): Replacement for -inf (dtype lowest if None).

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.nan_to_num(mx.array([float("nan"), 1.0])).tolist()
        [0.0, 1.0]
    """

def add(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise a + b. Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.add(mx.array([1.0, 2.0]), 2.0)
    """

def subtract(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise a - b. Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.subtract(mx.array([1.0, 2.0]), 2.0)
    """

def multiply(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise a * b. Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.multiply(mx.array([1.0, 2.0]), 2.0)
    """

def divide(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise true division (at least float). Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.divide(mx.array([1.0, 2.0]), 2.0)
    """

def floor_divide(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise floor division (integers truncate toward zero). Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.floor_divide(mx.array([1.0, 2.0]), 2.0)
    """

def remainder(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise remainder with the sign of the divisor. Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.remainder(mx.array([1.0, 2.0]), 2.0)
    """

def power(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise a ** b. Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.power(mx.array([1.0, 2.0]), 2.0)
    """

def maximum(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise maximum (NaN propagates). Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.maximum(mx.array([1.0, 2.0]), 2.0)
    """

def minimum(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise minimum (NaN propagates). Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.minimum(mx.array([1.0, 2.0]), 2.0)
    """

def logaddexp(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise log(exp(a) + exp(b)), stable. Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.logaddexp(mx.array([1.0, 2.0]), 2.0)
    """

def arctan2(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise arctan(a / b) with quadrant. Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.arctan2(mx.array([1.0, 2.0]), 2.0)
    """

def equal(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise a == b (-> bool). Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.equal(mx.array([1.0, 2.0]), 2.0)
    """

def not_equal(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise a != b (-> bool). Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.not_equal(mx.array([1.0, 2.0]), 2.0)
    """

def less(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise a < b (-> bool). Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.less(mx.array([1.0, 2.0]), 2.0)
    """

def less_equal(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise a <= b (-> bool). Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.less_equal(mx.array([1.0, 2.0]), 2.0)
    """

def greater(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise a > b (-> bool). Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.greater(mx.array([1.0, 2.0]), 2.0)
    """

def greater_equal(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise a >= b (-> bool). Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.greater_equal(mx.array([1.0, 2.0]), 2.0)
    """

def logical_and(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise logical and (-> bool). Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.logical_and(mx.array([1.0, 2.0]), 2.0)
    """

def logical_or(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise logical or (-> bool). Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.logical_or(mx.array([1.0, 2.0]), 2.0)
    """

def logical_xor(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise logical xor (-> bool). Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.logical_xor(mx.array([1.0, 2.0]), 2.0)
    """

def bitwise_and(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise bitwise and (ints/bool). Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.bitwise_and(mx.array([1.0, 2.0]), 2.0)
    """

def bitwise_or(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise bitwise or (ints/bool). Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.bitwise_or(mx.array([1.0, 2.0]), 2.0)
    """

def bitwise_xor(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise bitwise xor (ints/bool). Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.bitwise_xor(mx.array([1.0, 2.0]), 2.0)
    """

def left_shift(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise a << b. Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.left_shift(mx.array([1.0, 2.0]), 2.0)
    """

def right_shift(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | None = None) -> array:
    """
    Elementwise a >> b. Python scalars are weakly typed; inputs broadcast.

    Args:
        a (array | scalar): First operand.
        b (array | scalar): Second operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.right_shift(mx.array([1.0, 2.0]), 2.0)
    """

def divmod(arg0: object, arg1: object, /, *, stream: Stream | Device | DeviceType | None | None = None) -> tuple:
    """
    Floor quotient and remainder, ``(a // b, a % b)`` with floor rounding.

    Args:
        a (array | scalar): Dividend.
        b (array | scalar): Divisor.

    Returns:
        tuple[array, array]

    Example:
        >>> import ember.core as mx
        >>> q, r = mx.divmod(mx.array([-7]), 2)
        >>> q.tolist(), r.tolist()
        ([-4], [1])
    """

def array_equal(arg0: object, arg1: object, /, *, equal_nan: bool = False, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Whether two arrays have the same shape and values (dtypes may differ).

    Args:
        a (array | scalar): First input.
        b (array | scalar): Second input.
        equal_nan (bool): Treat NaNs as equal.

    Returns:
        array: A 0-d bool array.

    Example:
        >>> import ember.core as mx
        >>> mx.array_equal(mx.array([1, 2]), mx.array([1.0, 2.0])).item()
        True
    """

def isclose(arg0: object, arg1: object, rtol: float = 1e-05, atol: float = 1e-08, *, equal_nan: bool = False, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Elementwise ``|a - b| <= atol + rtol * |b|``.

    Args:
        a (array): First input.
        b (array): Second input.
        rtol (float): Relative tolerance.
        atol (float): Absolute tolerance.
        equal_nan (bool): Treat NaNs as equal.

    Returns:
        array: bool array.

    Example:
        >>> import ember.core as mx
        >>> mx.isclose(mx.array([1.0]), mx.array([1.0 + 1e-7])).tolist()
        [True]
    """

def allclose(arg0: object, arg1: object, rtol: float = 1e-05, atol: float = 1e-08, *, equal_nan: bool = False, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Whether all elements are close (see ``isclose``).

    Args:
        a (array): First input.
        b (array): Second input.
        rtol (float): Relative tolerance.
        atol (float): Absolute tolerance.
        equal_nan (bool): Treat NaNs as equal.

    Returns:
        array: 0-d bool array.

    Example:
        >>> import ember.core as mx
        >>> mx.allclose(mx.array([1.0, 2.0]), mx.array([1.0, 2.0])).item()
        True
    """

def where(arg0: object, arg1: object, arg2: object, /, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Selects from ``x`` where ``condition`` is true, else from ``y``.

    Args:
        condition (array): Cast to bool.
        x (array | scalar): Values where true.
        y (array | scalar): Values where false.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.where(mx.array([True, False]), 1, 2).tolist()
        [1, 2]
    """

def clip(arg0: object, a_min: object | None, a_max: object | None, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Clips values to ``[a_min, a_max]``.

    Args:
        a (array): Input.
        a_min (scalar | array | None): Lower bound.
        a_max (scalar | array | None): Upper bound.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.clip(mx.array([-1, 5, 10]), 0, 6).tolist()
        [0, 5, 6]
    """

def zeros(shape: object, dtype: Dtype | None = None, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    An array of zeros.

    Args:
        shape (int | list[int]): Shape.
        dtype (Dtype): Element type (float32 by default).

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.zeros((2,)).tolist()
        [0.0, 0.0]
    """

def ones(shape: object, dtype: Dtype | None = None, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    An array of ones.

    Args:
        shape (int | list[int]): Shape.
        dtype (Dtype): Element type (float32 by default).

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.ones(2, dtype=mx.int32).tolist()
        [1, 1]
    """

def full(shape: object, vals: object, dtype: Dtype | None = None, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    An array of ``shape`` filled with ``vals`` (broadcast).

    Args:
        shape (int | list[int]): Shape.
        vals (scalar | array): Fill value(s).
        dtype (Dtype | None): Element type (inferred from vals if None).

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.full((2,), 7).tolist()
        [7, 7]
    """

def zeros_like(arg0: object, dtype: Dtype | None = None, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Zeros with the shape (and by default dtype) of ``a``.

    Args:
        a (array): Template.
        dtype (Dtype | None): Element type.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.zeros_like(mx.array([1, 2])).tolist()
        [0, 0]
    """

def ones_like(arg0: object, dtype: Dtype | None = None, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Ones with the shape (and by default dtype) of ``a``.

    Args:
        a (array): Template.
        dtype (Dtype | None): Element type.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.ones_like(mx.array([1, 2])).tolist()
        [1, 1]
    """

def full_like(arg0: object, vals: object, dtype: Dtype | None = None, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    An array like ``a`` filled with ``vals``.

    Args:
        a (array): Template.
        vals (scalar | array): Fill value(s).
        dtype (Dtype | None): Element type (a.dtype if None).

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.full_like(mx.array([1.0, 2.0]), 3).tolist()
        [3.0, 3.0]
    """

def arange(start: object, stop: object | None = None, step: object | None = None, dtype: Dtype | None = None, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Evenly spaced values in ``[start, stop)``.

    Args:
        start (int | float): Start (or stop when called with one argument).
        stop (int | float | None): End (exclusive).
        step (int | float | None): Spacing (1 by default).
        dtype (Dtype | None): int32 if all arguments are ints, else float32.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.arange(1, 7, 2).tolist()
        [1, 3, 5]
    """

def linspace(start: float, stop: float, num: int = 50, endpoint: bool = True, dtype: Dtype | None = None, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    ``num`` evenly spaced values from start to stop.

    Args:
        start (float): First value.
        stop (float): Last value (included if endpoint).
        num (int): Number of values.
        endpoint (bool): Include ``stop``.
        dtype (Dtype): float32 by default.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.linspace(0, 1, 3).tolist()
        [0.0, 0.5, 1.0]
    """

def eye(n: int, m: int | None = None, k: int = 0, dtype: Dtype | None = None, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    n x m matrix with ones on the k-th diagonal.

    Args:
        n (int): Rows.
        m (int | None): Columns (n if None).
        k (int): Diagonal offset.
        dtype (Dtype): float32 by default.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.eye(2).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """

def identity(n: int, dtype: Dtype | None = None, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    The n x n identity matrix.

    Args:
        n (int): Size.
        dtype (Dtype): float32 by default.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.identity(2).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """

def tri(n: int, m: int | None = None, k: int = 0, dtype: Dtype | None = None, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Ones at and below the k-th diagonal.

    Args:
        n (int): Rows.
        m (int | None): Columns.
        k (int): Diagonal offset.
        dtype (Dtype): float32 by default.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.tri(2).tolist()
        [[1.0, 0.0], [1.0, 1.0]]
    """

def tril(x: object, k: int = 0, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Zeros above the k-th diagonal.

    Args:
        x (array): Input (ndim >= 2).
        k (int): Diagonal offset.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.tril(mx.ones((2, 2))).tolist()
        [[1.0, 0.0], [1.0, 1.0]]
    """

def triu(x: object, k: int = 0, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Zeros below the k-th diagonal.

    Args:
        x (array): Input (ndim >= 2).
        k (int): Diagonal offset.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.triu(mx.ones((2, 2))).tolist()
        [[1.0, 1.0], [0.0, 1.0]]
    """

def meshgrid(*arrays, sparse: bool = False, indexing: str = 'xy', stream: Stream | Device | DeviceType | None | None = None) -> tuple:
    """
    Coordinate grids from 1-D coordinate arrays.

    Args:
        *arrays (array): Coordinates.
        sparse (bool): Return broadcastable grids.
        indexing (str): "xy" (Cartesian) or "ij" (matrix).

    Returns:
        tuple[array, ...]

    Example:
        >>> import ember.core as mx
        >>> x, y = mx.meshgrid(mx.array([1, 2]), mx.array([3, 4, 5]))
        >>> x.shape
        (3, 2)
    """

def hanning(M: int, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    The hanning window of length M (float32).

    Args:
        M (int): Length.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.hanning(4).shape
        (4,)
    """

def hamming(M: int, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    The hamming window of length M (float32).

    Args:
        M (int): Length.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.hamming(4).shape
        (4,)
    """

def blackman(M: int, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    The blackman window of length M (float32).

    Args:
        M (int): Length.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.blackman(4).shape
        (4,)
    """

def bartlett(M: int, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    The bartlett window of length M (float32).

    Args:
        M (int): Length.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.bartlett(4).shape
        (4,)
    """

def reshape(arg0: object, shape: object, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Reshapes an array (one dimension may be -1).

    Args:
        a (array): Input.
        shape (list[int]): New shape.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.reshape(mx.arange(6), (2, -1)).shape
        (2, 3)
    """

def flatten(arg0: object, start_axis: int = 0, end_axis: int = -1, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Flattens axes start_axis..end_axis into one.

    Args:
        a (array): Input.
        start_axis (int): First axis.
        end_axis (int): Last axis.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.flatten(mx.zeros((2, 3, 4)), 1).shape
        (2, 12)
    """

def unflatten(arg0: object, axis: int, shape: object, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Splits one axis into several.

    Args:
        a (array): Input.
        axis (int): Axis to split.
        shape (list[int]): New dims (one may be -1).

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.unflatten(mx.zeros((6,)), 0, (2, 3)).shape
        (2, 3)
    """

def squeeze(arg0: object, axis: object | None = None, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Removes size-1 axes (all of them if axis is None).

    Args:
        a (array): Input.
        axis (int | list[int] | None): Axes to remove.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.squeeze(mx.zeros((1, 2, 1))).shape
        (2,)
    """

def expand_dims(arg0: object, axis: object, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Inserts size-1 axes.

    Args:
        a (array): Input.
        axis (int | list[int]): Positions of the new axes.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.expand_dims(mx.zeros((2,)), 0).shape
        (1, 2)
    """

def transpose(arg0: object, axes: Sequence[int] | None = None, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Permutes the axes (reverses them when axes is None).

    Args:
        a (array): Input.
        axes (list[int] | None): The permutation.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.transpose(mx.zeros((2, 3))).shape
        (3, 2)
    """

def permute_dims(arg0: object, axes: Sequence[int] | None = None, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Permutes the axes (reverses them when axes is None).

    Args:
        a (array): Input.
        axes (list[int] | None): The permutation.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.transpose(mx.zeros((2, 3))).shape
        (3, 2)
    """

def swapaxes(arg0: object, axis1: int, axis2: int, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Swaps two axes.

    Args:
        a (array): Input.
        axis1 (int): First axis.
        axis2 (int): Second axis.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.swapaxes(mx.zeros((2, 3, 4)), 0, 2).shape
        (4, 3, 2)
    """

def moveaxis(arg0: object, source: int, destination: int, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Moves an axis to a new position.

    Args:
        a (array): Input.
        source (int): Axis to move.
        destination (int): New position.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.moveaxis(mx.zeros((2, 3, 4)), 0, -1).shape
        (3, 4, 2)
    """

def broadcast_to(arg0: object, shape: object, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Broadcasts an array to a shape (NumPy rules).

    Args:
        a (array | scalar): Input.
        shape (list[int]): Target shape.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.broadcast_to(mx.array([1, 2]), (3, 2)).shape
        (3, 2)
    """

def broadcast_arrays(*arrays, stream: Stream | Device | DeviceType | None | None = None) -> tuple:
    """
    Broadcasts arrays against each other.

    Args:
        *arrays (array): Inputs.

    Returns:
        tuple[array, ...]

    Example:
        >>> import ember.core as mx
        >>> a, b = mx.broadcast_arrays(mx.zeros((2, 1)), mx.zeros((3,)))
        >>> a.shape
        (2, 3)
    """

def broadcast_shapes(*shapes) -> tuple:
    """
    The broadcast shape of several shapes.

    Args:
        *shapes (tuple[int, ...]): Shapes.

    Returns:
        tuple[int, ...]

    Example:
        >>> import ember.core as mx
        >>> mx.broadcast_shapes((2, 1), (3,))
        (2, 3)
    """

def astype(arg0: object, arg1: Dtype, /, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Casts an array to a dtype.

    Args:
        a (array): Input.
        dtype (Dtype): Target type.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.astype(mx.array([1.5]), mx.int32).tolist()
        [1]
    """

def contiguous(arg0: object, allow_col_major: bool = False, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    A row-major (or column-major if allowed) copy when needed.

    Args:
        a (array): Input.
        allow_col_major (bool): Accept column-major layouts.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.contiguous(mx.zeros((2, 3)).T).shape
        (3, 2)
    """

def concatenate(arg0: object, axis: int | None = 0, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Joins arrays along an axis (None flattens them first).

    Args:
        arrays (list[array]): Inputs.
        axis (int | None): Axis.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.concatenate([mx.array([1]), mx.array([2, 3])]).tolist()
        [1, 2, 3]
    """

def concat(arg0: object, axis: int | None = 0, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Joins arrays along an axis (None flattens them first).

    Args:
        arrays (list[array]): Inputs.
        axis (int | None): Axis.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.concatenate([mx.array([1]), mx.array([2, 3])]).tolist()
        [1, 2, 3]
    """

def stack(arg0: object, axis: int = 0, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Stacks arrays along a new axis.

    Args:
        arrays (list[array]): Inputs of equal shape.
        axis (int): Position of the new axis.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.stack([mx.array([1, 2]), mx.array([3, 4])]).shape
        (2, 2)
    """

def unstack(arg0: object, /, *, axis: int = 0, stream: Stream | Device | DeviceType | None | None = None) -> list:
    """
    Splits an array into a list along an axis (removing it).

    Args:
        x (array): Input.
        axis (int): Axis.

    Returns:
        list[array]

    Example:
        >>> import ember.core as mx
        >>> len(mx.unstack(mx.zeros((3, 2))))
        3
    """

def split(arg0: object, indices_or_sections: object, axis: int = 0, *, stream: Stream | Device | DeviceType | None | None = None) -> list:
    """
    Splits an array into equal sections or at the given indices.

    Args:
        a (array): Input.
        indices_or_sections (int | list[int]): Number of sections or split points.
        axis (int): Axis.

    Returns:
        list[array]

    Example:
        >>> import ember.core as mx
        >>> [p.tolist() for p in mx.split(mx.arange(4), 2)]
        [[0, 1], [2, 3]]
    """

def tile(arg0: object, arg1: object, /, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Repeats the whole array ``reps`` times per axis.

    Args:
        a (array): Input.
        reps (int | list[int]): Repetitions.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.tile(mx.array([1, 2]), 2).tolist()
        [1, 2, 1, 2]
    """

def repeat(arg0: object, repeats: int, axis: int | None = None, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Repeats each element (flattened if axis is None).

    Args:
        array (array): Input.
        repeats (int): Repetitions.
        axis (int | None): Axis.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.repeat(mx.array([1, 2]), 2).tolist()
        [1, 1, 2, 2]
    """

def pad(arg0: object, pad_width: object, mode: str = 'constant', constant_values: object = 0, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Pads an array.

    Args:
        a (array): Input.
        pad_width (int | tuple | list[tuple]): Widths (before, after) per axis.
        mode (str): "constant", "edge", "reflect" or "symmetric".
        constant_values (scalar | array): Fill for "constant".

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.pad(mx.array([1, 2]), 1).tolist()
        [0, 1, 2, 0]
    """

def flip(arg0: object, axis: object | None = None, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Reverses the order of elements along axes (all if None).

    Args:
        a (array): Input.
        axis (int | list[int] | None): Axes.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.flip(mx.array([1, 2, 3])).tolist()
        [3, 2, 1]
    """

def roll(arg0: object, shift: object, axis: object | None = None, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Rolls elements along axes (the flattened array if None).

    Args:
        a (array): Input.
        shift (int | list[int]): Shift(s).
        axis (int | list[int] | None): Axes.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.roll(mx.array([1, 2, 3]), 1).tolist()
        [3, 1, 2]
    """

def diagonal(a: object, offset: int = 0, axis1: int = 0, axis2: int = 1, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    A diagonal of the (axis1, axis2) planes, as the last axis.

    Args:
        a (array): Input.
        offset (int): Diagonal offset.
        axis1 (int): First axis.
        axis2 (int): Second axis.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.diagonal(mx.eye(2)).tolist()
        [1.0, 1.0]
    """

def diag(arg0: object, k: int = 0, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Builds a diagonal matrix (1-D input) or extracts a diagonal (2-D).

    Args:
        a (array): Input.
        k (int): Diagonal offset.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.diag(mx.array([1, 2])).tolist()
        [[1, 0], [0, 2]]
    """

def trace(arg0: object, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Dtype | None = None, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Sum along a diagonal.

    Args:
        a (array): Input.
        offset (int): Diagonal offset.
        axis1 (int): First axis.
        axis2 (int): Second axis.
        dtype (Dtype | None): Result type.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.trace(mx.eye(3)).item()
        3.0
    """

def atleast_1d(*arys, stream: Stream | Device | DeviceType | None | None = None) -> object:
    """
    Views with at least this many dimensions (one input -> array, several -> list).

    Args:
        *arys (array): Inputs.

    Returns:
        array | list[array]

    Example:
        >>> import ember.core as mx
        >>> mx.atleast_2d(mx.array(1)).ndim
        2
    """

def atleast_2d(*arys, stream: Stream | Device | DeviceType | None | None = None) -> object:
    """
    Views with at least this many dimensions (one input -> array, several -> list).

    Args:
        *arys (array): Inputs.

    Returns:
        array | list[array]

    Example:
        >>> import ember.core as mx
        >>> mx.atleast_2d(mx.array(1)).ndim
        2
    """

def atleast_3d(*arys, stream: Stream | Device | DeviceType | None | None = None) -> object:
    """
    Views with at least this many dimensions (one input -> array, several -> list).

    Args:
        *arys (array): Inputs.

    Returns:
        array | list[array]

    Example:
        >>> import ember.core as mx
        >>> mx.atleast_2d(mx.array(1)).ndim
        2
    """

def view(arg0: object, dtype: Dtype, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Reinterprets the bytes as another dtype.

    Args:
        a (array): Input.
        dtype (Dtype): New type.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.view(mx.array([1.0]), mx.uint32).item()
        1065353216
    """

def as_strided(arg0: object, shape: object | None = None, strides: object | None = None, offset: int = 0, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    A strided view of the row-contiguous data (unsafe).

    Args:
        a (array): Input.
        shape (list[int] | None): View shape.
        strides (list[int] | None): Element strides.
        offset (int): Element offset.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.as_strided(mx.arange(4), (2, 2), (1, 1)).tolist()
        [[0, 1], [1, 2]]
    """

def diff(arg0: object, n: int = 1, axis: int = -1, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    n-th forward difference along an axis.

    Args:
        a (array): Input.
        n (int): Order.
        axis (int): Axis.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.diff(mx.array([1, 4, 9])).tolist()
        [3, 5]
    """

def cumsum(arg0: object, axis: int | None = None, *, reverse: bool = False, inclusive: bool = True, dtype: Dtype | None = None, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Cumulative reduction along an axis (flattened if None).

    Args:
        a (array): Input.
        axis (int | None): Axis.
        reverse (bool): Scan from the end.
        inclusive (bool): Include the current element.
        dtype (Dtype | None): Cast first.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.cumsum(mx.array([1, 2, 3])).tolist()
        [1, 3, 6]
    """

def cumprod(arg0: object, axis: int | None = None, *, reverse: bool = False, inclusive: bool = True, dtype: Dtype | None = None, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Cumulative reduction along an axis (flattened if None).

    Args:
        a (array): Input.
        axis (int | None): Axis.
        reverse (bool): Scan from the end.
        inclusive (bool): Include the current element.
        dtype (Dtype | None): Cast first.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.cumsum(mx.array([1, 2, 3])).tolist()
        [1, 3, 6]
    """

def cummax(arg0: object, axis: int | None = None, *, reverse: bool = False, inclusive: bool = True, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Cumulative reduction along an axis (flattened if None).

    Args:
        a (array): Input.
        axis (int | None): Axis.
        reverse (bool): Scan from the end.
        inclusive (bool): Include the current element.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.cummax(mx.array([1, 3, 2])).tolist()
        [1, 3, 3]
    """

def cummin(arg0: object, axis: int | None = None, *, reverse: bool = False, inclusive: bool = True, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Cumulative reduction along an axis (flattened if None).

    Args:
        a (array): Input.
        axis (int | None): Axis.
        reverse (bool): Scan from the end.
        inclusive (bool): Include the current element.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.cummax(mx.array([1, 3, 2])).tolist()
        [1, 3, 3]
    """

def logcumsumexp(arg0: object, axis: int | None = None, *, reverse: bool = False, inclusive: bool = True, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Cumulative reduction along an axis (flattened if None).

    Args:
        a (array): Input.
        axis (int | None): Axis.
        reverse (bool): Scan from the end.
        inclusive (bool): Include the current element.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.cummax(mx.array([1, 3, 2])).tolist()
        [1, 3, 3]
    """

def sort(arg0: object, axis: int | None = -1, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Stable sort (or sorting indices, uint32) along an axis; None flattens.

    Args:
        a (array): Input.
        axis (int | None): Axis.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.sort(mx.array([3, 1, 2])).tolist()
        [1, 2, 3]
    """

def argsort(arg0: object, axis: int | None = -1, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Stable sort (or sorting indices, uint32) along an axis; None flattens.

    Args:
        a (array): Input.
        axis (int | None): Axis.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.sort(mx.array([3, 1, 2])).tolist()
        [1, 2, 3]
    """

def partition(arg0: object, kth: int, axis: int | None = -1, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Partition / top-k selection along an axis; None flattens.

    Args:
        a (array): Input.
        kth (int): Pivot position (k for topk).
        axis (int | None): Axis.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> sorted(mx.topk(mx.array([3, 1, 2]), 2).tolist())
        [2, 3]
    """

def argpartition(arg0: object, kth: int, axis: int | None = -1, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Partition / top-k selection along an axis; None flattens.

    Args:
        a (array): Input.
        kth (int): Pivot position (k for topk).
        axis (int | None): Axis.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> sorted(mx.topk(mx.array([3, 1, 2]), 2).tolist())
        [2, 3]
    """

def topk(arg0: object, k: int, axis: int | None = -1, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Partition / top-k selection along an axis; None flattens.

    Args:
        a (array): Input.
        kth (int): Pivot position (k for topk).
        axis (int | None): Axis.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> sorted(mx.topk(mx.array([3, 1, 2]), 2).tolist())
        [2, 3]
    """

def searchsorted(arg0: object, arg1: object, side: str = 'left', *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Insertion indices of values into a sorted 1-D sequence (uint32).

    Args:
        sorted_sequence (array): Ascending 1-D array.
        values (array | scalar): Values to place.
        side (str): "left" or "right".

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.searchsorted(mx.array([1, 2, 3]), mx.array([2])).tolist()
        [1]
    """

def all(arg0: object, axis: object | None = None, keepdims: bool = False, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    ``all`` reduction over the given axes.

    Args:
        a (array): Input array.
        axis (int | list[int] | None): Axes to reduce; None reduces all.
        keepdims (bool): Keep reduced axes with size 1.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.all(mx.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    """

def any(arg0: object, axis: object | None = None, keepdims: bool = False, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    ``any`` reduction over the given axes.

    Args:
        a (array): Input array.
        axis (int | list[int] | None): Axes to reduce; None reduces all.
        keepdims (bool): Keep reduced axes with size 1.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.any(mx.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    """

def sum(arg0: object, axis: object | None = None, keepdims: bool = False, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    ``sum`` reduction over the given axes.

    Args:
        a (array): Input array.
        axis (int | list[int] | None): Axes to reduce; None reduces all.
        keepdims (bool): Keep reduced axes with size 1.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.sum(mx.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    """

def prod(arg0: object, axis: object | None = None, keepdims: bool = False, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    ``prod`` reduction over the given axes.

    Args:
        a (array): Input array.
        axis (int | list[int] | None): Axes to reduce; None reduces all.
        keepdims (bool): Keep reduced axes with size 1.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.prod(mx.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    """

def max(arg0: object, axis: object | None = None, keepdims: bool = False, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    ``max`` reduction over the given axes.

    Args:
        a (array): Input array.
        axis (int | list[int] | None): Axes to reduce; None reduces all.
        keepdims (bool): Keep reduced axes with size 1.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.max(mx.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    """

def min(arg0: object, axis: object | None = None, keepdims: bool = False, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    ``min`` reduction over the given axes.

    Args:
        a (array): Input array.
        axis (int | list[int] | None): Axes to reduce; None reduces all.
        keepdims (bool): Keep reduced axes with size 1.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.min(mx.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    """

def mean(arg0: object, axis: object | None = None, keepdims: bool = False, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    ``mean`` reduction over the given axes.

    Args:
        a (array): Input array.
        axis (int | list[int] | None): Axes to reduce; None reduces all.
        keepdims (bool): Keep reduced axes with size 1.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.mean(mx.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    """

def logsumexp(arg0: object, axis: object | None = None, keepdims: bool = False, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    ``logsumexp`` reduction over the given axes.

    Args:
        a (array): Input array.
        axis (int | list[int] | None): Axes to reduce; None reduces all.
        keepdims (bool): Keep reduced axes with size 1.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.logsumexp(mx.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    """

def median(arg0: object, axis: object | None = None, keepdims: bool = False, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    ``median`` reduction over the given axes.

    Args:
        a (array): Input array.
        axis (int | list[int] | None): Axes to reduce; None reduces all.
        keepdims (bool): Keep reduced axes with size 1.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.median(mx.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    """

def count_nonzero(arg0: object, /, *, axis: object | None = None, keepdims: bool = False, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Counts non-zero elements (int32).

    Args:
        a (array): Input.
        axis (int | list[int] | None): Axes to count over.
        keepdims (bool): Keep reduced axes.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.count_nonzero(mx.array([0, 1, 2])).item()
        2
    """

def var(arg0: object, axis: object | None = None, keepdims: bool = False, ddof: int = 0, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Variance over axes (divisor N - ddof).

    Args:
        a (array): Input.
        axis (int | list[int] | None): Axes.
        keepdims (bool): Keep reduced axes.
        ddof (int): Delta degrees of freedom.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.var(mx.array([1.0, 3.0])).item()
        1.0
    """

def std(arg0: object, axis: object | None = None, keepdims: bool = False, ddof: int = 0, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Standard deviation over axes (divisor N - ddof).

    Args:
        a (array): Input.
        axis (int | list[int] | None): Axes.
        keepdims (bool): Keep reduced axes.
        ddof (int): Delta degrees of freedom.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.std(mx.array([1.0, 3.0])).item()
        1.0
    """

def argmin(arg0: object, axis: int | None = None, keepdims: bool = False, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Index of the first minimum (uint32); None flattens.

    Args:
        a (array): Input.
        axis (int | None): Axis.
        keepdims (bool): Keep the reduced axis.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.argmin(mx.array([1, 3, 0])).item()
        2
    """

def argmax(arg0: object, axis: int | None = None, keepdims: bool = False, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Index of the first maximum (uint32); None flattens.

    Args:
        a (array): Input.
        axis (int | None): Axis.
        keepdims (bool): Keep the reduced axis.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.argmax(mx.array([1, 3, 2])).item()
        1
    """

def softmax(arg0: object, axis: object | None = None, *, precise: bool = False, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Softmax over the given axes (all if None).

    Args:
        a (array): Input.
        axis (int | list[int] | None): Axes.
        precise (bool): Accumulate low-precision inputs in float32.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.softmax(mx.array([0.0, 0.0])).tolist()
        [0.5, 0.5]
    """

def take(arg0: object, indices: object, axis: int | None = None, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Takes elements along an axis (the flattened array if axis is None).

    Args:
        a (array): Input.
        indices (int | array): Integer indices; negative values wrap.
        axis (int | None): Axis to index.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.take(mx.array([10, 20, 30]), mx.array([2, 0])).tolist()
        [30, 10]
    """

def take_along_axis(arg0: object, indices: object, axis: int | None = None, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Takes values along an axis at matching index positions.

    Args:
        a (array): Input.
        indices (array): Same ndim as ``a``.
        axis (int | None): Axis (None flattens).

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.take_along_axis(mx.array([[1, 2], [3, 4]]), mx.array([[1], [0]]), axis=1).tolist()
        [[2], [3]]
    """

def put_along_axis(arg0: object, indices: object, values: object, axis: int | None, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Copy of ``a`` with values written at indices along an axis.

    Args:
        a (array): Input.
        indices (array): Index array.
        values (array | scalar): Values.
        axis (int | None): Axis (None flattens).

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.put_along_axis(mx.zeros((2, 2)), mx.array([[1], [0]]), 1.0, axis=1).tolist()
        [[0.0, 1.0], [1.0, 0.0]]
    """

def slice(arg0: object, start_indices: object, axes: Sequence[int], slice_size: object, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Dynamic slice: starts come from an integer array, sizes are static.

    Args:
        a (array): Input.
        start_indices (array): One start per axis in ``axes``.
        axes (list[int]): Sliced axes.
        slice_size (list[int]): Output shape.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.slice(mx.arange(5), mx.array([1]), [0], [2]).tolist()
        [1, 2]
    """

def slice_update(arg0: object, update: object, start_indices: object, axes: Sequence[int], *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Dynamic slice update: writes ``update`` starting at ``start_indices``.

    Args:
        a (array): Input.
        update (array): The new values.
        start_indices (array): One start per axis in ``axes``.
        axes (list[int]): Axes of the starts.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.slice_update(mx.zeros(4), mx.ones(2), mx.array([1]), [0]).tolist()
        [0.0, 1.0, 1.0, 0.0]
    """

def depends(inputs: object, dependencies: object) -> object:
    """
    Returns ``inputs`` with extra graph edges on ``dependencies``.

    Args:
        inputs (array | list[array]): Arrays to return.
        dependencies (array | list[array]): Arrays computed with them.

    Returns:
        array | list[array]

    Example:
        >>> import ember.core as mx
        >>> mx.depends(mx.array(1), mx.array(2)).item()
        1
    """

def matmul(arg0: object, arg1: object, /, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Matrix product with broadcast batch dims (floating types only).

    Args:
        a (array): Left operand.
        b (array): Right operand.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.matmul(mx.ones((2, 3)), mx.ones((3, 4))).shape
        (2, 4)
    """

def addmm(arg0: object, arg1: object, arg2: object, alpha: float = 1.0, beta: float = 1.0, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    ``alpha * (a @ b) + beta * c``.

    Args:
        c (array): Added matrix.
        a (array): Left operand.
        b (array): Right operand.
        alpha (float): Product scale.
        beta (float): ``c`` scale.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.addmm(mx.ones((2, 2)), mx.ones((2, 3)), mx.ones((3, 2))).tolist()
        [[4.0, 4.0], [4.0, 4.0]]
    """

def inner(arg0: object, arg1: object, /, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Inner product over the last axes.

    Args:
        a (array): First input.
        b (array): Second input.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.inner(mx.array([1.0, 2.0]), mx.array([3.0, 4.0])).item()
        11.0
    """

def outer(arg0: object, arg1: object, /, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Outer product of the flattened inputs.

    Args:
        a (array): First input.
        b (array): Second input.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.outer(mx.array([1, 2]), mx.array([3, 4])).tolist()
        [[3, 4], [6, 8]]
    """

def tensordot(arg0: object, arg1: object, axes: object = 2, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Tensor contraction over the given axes.

    Args:
        a (array): First input.
        b (array): Second input.
        axes (int | tuple[list[int], list[int]]): Number of trailing/leading
            axes, or explicit axis lists.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.tensordot(mx.ones((2, 3)), mx.ones((3, 4)), axes=1).shape
        (2, 4)
    """

def kron(arg0: object, arg1: object, /, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Kronecker product.

    Args:
        a (array): First input.
        b (array): Second input.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.kron(mx.array([1, 2]), mx.array([1, 1])).tolist()
        [1, 1, 2, 2]
    """

def vecdot(arg0: object, arg1: object, axis: int = -1, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Vector dot product along an axis.

    Args:
        a (array): First input.
        b (array): Second input.
        axis (int): Axis.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.vecdot(mx.array([1.0, 2.0]), mx.array([3.0, 4.0])).item()
        11.0
    """

def einsum(subscripts: str, *operands, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Einstein summation.

    Args:
        subscripts (str): e.g. ``"ij,jk->ik"``.
        *operands (array): Inputs.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.einsum("ij->ji", mx.zeros((2, 3))).shape
        (3, 2)
    """

def einsum_path(subscripts: str, *operands) -> tuple:
    """
    The contraction order einsum would use.

    Args:
        subscripts (str): Einsum subscripts.
        *operands (array): Inputs.

    Returns:
        tuple[list[tuple[int, int]], str]

    Example:
        >>> import ember.core as mx
        >>> path, info = mx.einsum_path("ij,jk->ik", mx.ones((2, 2)), mx.ones((2, 2)))
    """

def conv1d(input: array, weight: array, /, stride: int = 1, padding: int = 0, dilation: int = 1, groups: int = 1, *, stream: Stream | Device | None = None) -> array:
    """
    1-D convolution (cross-correlation) over a channels-last input.

    Args:
        input (array): Input of shape ``(N, H, C_in)``.
        weight (array): Weight of shape ``(C_out, kH, C_in / groups)``.
        stride (int): Kernel stride.
        padding (int): Zero padding on both sides.
        dilation (int): Kernel dilation.
        groups (int): Number of input channel groups.

    Returns:
        array: Output of shape ``(N, H_out, C_out)``.

    Example:
        >>> import ember.core as mx
        >>> mx.conv1d(mx.ones((1, 5, 1)), mx.ones((1, 3, 1))).tolist()
        [[[3.0], [3.0], [3.0]]]
    """

def conv2d(input: array, weight: array, /, stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1, groups: int = 1, *, stream: Stream | Device | None = None) -> array:
    """
    2-D convolution (cross-correlation) over a channels-last input.

    Args:
        input (array): Input of shape ``(N, H, W, C_in)``.
        weight (array): Weight of shape ``(C_out, kH, kW, C_in / groups)``.
        stride (int or tuple(int, int)): Kernel stride.
        padding (int or tuple(int, int)): Zero padding on both sides.
        dilation (int or tuple(int, int)): Kernel dilation.
        groups (int): Number of input channel groups.

    Returns:
        array: Output of shape ``(N, H_out, W_out, C_out)``.

    Example:
        >>> import ember.core as mx
        >>> mx.conv2d(mx.ones((1, 3, 3, 1)), mx.ones((1, 2, 2, 1))).shape
        (1, 2, 2, 1)
    """

def conv3d(input: array, weight: array, /, stride: int | tuple[int, int, int] = 1, padding: int | tuple[int, int, int] = 0, dilation: int | tuple[int, int, int] = 1, groups: int = 1, *, stream: Stream | Device | None = None) -> array:
    """
    3-D convolution (cross-correlation) over a channels-last input.

    Args:
        input (array): Input of shape ``(N, D, H, W, C_in)``.
        weight (array): Weight of shape ``(C_out, kD, kH, kW, C_in / groups)``.
        stride (int or tuple(int, int, int)): Kernel stride.
        padding (int or tuple(int, int, int)): Zero padding on both sides.
        dilation (int or tuple(int, int, int)): Kernel dilation.
        groups (int): Number of input channel groups.

    Returns:
        array: Output of shape ``(N, D_out, H_out, W_out, C_out)``.

    Example:
        >>> import ember.core as mx
        >>> mx.conv3d(mx.ones((1, 3, 3, 3, 1)), mx.ones((1, 2, 2, 2, 1))).shape
        (1, 2, 2, 2, 1)
    """

def conv_general(input: array, weight: array, /, stride: int | list[int] = 1, padding: int | list[int] | tuple[list[int], list[int]] = 0, kernel_dilation: int | list[int] = 1, input_dilation: int | list[int] = 1, groups: int = 1, flip: bool = False, *, stream: Stream | Device | None = None) -> array:
    """
    General N-d convolution with low/high padding and input dilation.

    Args:
        input (array): Input of shape ``(N, *spatial, C_in)``.
        weight (array): Weight of shape ``(C_out, *kernel, C_in / groups)``.
        stride (int or list(int)): Kernel stride per spatial dim.
        padding (int, list(int) or tuple(list(int), list(int))): Symmetric
            padding, or ``(low, high)`` padding lists.
        kernel_dilation (int or list(int)): Kernel dilation.
        input_dilation (int or list(int)): Input dilation.
        groups (int): Number of input channel groups.
        flip (bool): Flip the kernel (true convolution).

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> x = mx.ones((1, 4, 1))
        >>> mx.conv_general(x, mx.ones((1, 2, 1)), padding=([1], [0])).shape
        (1, 4, 1)
    """

def conv_transpose1d(input: array, weight: array, /, stride: int = 1, padding: int = 0, dilation: int = 1, output_padding: int = 0, groups: int = 1, *, stream: Stream | Device | None = None) -> array:
    """
    Transposed 1-D convolution (gradient of ``conv1d`` w.r.t. its input).

    Args:
        input (array): Input of shape ``(N, H, C_in)``.
        weight (array): Weight of shape ``(C_out, kH, C_in / groups)``.
        stride (int): Stride.
        padding (int): Padding.
        dilation (int): Kernel dilation.
        output_padding (int): Extra size added to one side of the output.
        groups (int): Number of channel groups.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.conv_transpose1d(mx.ones((1, 3, 1)), mx.ones((1, 2, 1))).tolist()
        [[[1.0], [2.0], [2.0], [1.0]]]
    """

def conv_transpose2d(input: array, weight: array, /, stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1, output_padding: int | tuple[int, int] = 0, groups: int = 1, *, stream: Stream | Device | None = None) -> array:
    """
    Transposed 2-D convolution.

    Args:
        input (array): Input of shape ``(N, H, W, C_in)``.
        weight (array): Weight of shape ``(C_out, kH, kW, C_in / groups)``.
        stride (int or tuple(int, int)): Stride.
        padding (int or tuple(int, int)): Padding.
        dilation (int or tuple(int, int)): Kernel dilation.
        output_padding (int or tuple(int, int)): Extra output size.
        groups (int): Number of channel groups.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.conv_transpose2d(mx.ones((1, 2, 2, 1)), mx.ones((1, 2, 2, 1))).shape
        (1, 3, 3, 1)
    """

def conv_transpose3d(input: array, weight: array, /, stride: int | tuple[int, int, int] = 1, padding: int | tuple[int, int, int] = 0, dilation: int | tuple[int, int, int] = 1, output_padding: int | tuple[int, int, int] = 0, groups: int = 1, *, stream: Stream | Device | None = None) -> array:
    """
    Transposed 3-D convolution.

    Args:
        input (array): Input of shape ``(N, D, H, W, C_in)``.
        weight (array): Weight of shape ``(C_out, kD, kH, kW, C_in / groups)``.
        stride (int or tuple(int, int, int)): Stride.
        padding (int or tuple(int, int, int)): Padding.
        dilation (int or tuple(int, int, int)): Kernel dilation.
        output_padding (int or tuple(int, int, int)): Extra output size.
        groups (int): Number of channel groups.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> x = mx.ones((1, 2, 2, 2, 1))
        >>> mx.conv_transpose3d(x, mx.ones((1, 2, 2, 2, 1))).shape
        (1, 3, 3, 3, 1)
    """

def convolve(arg0: object, arg1: object, mode: str = 'full', *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    NumPy-style 1-D discrete convolution.

    Args:
        a (array): First 1-D input.
        v (array): Second 1-D input.
        mode (str): ``"full"``, ``"valid"`` or ``"same"``.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.convolve(mx.array([1.0, 2.0, 3.0]), mx.array([0.0, 1.0, 0.5])).tolist()
        [0.0, 1.0, 2.5, 4.0, 1.5]
    """

def value_and_grad(fun: object, argnums: object | None = None, argnames: object = []) -> object:
    """
    Returns a function computing ``fun``'s value and its gradient.

    Args:
        fun (Callable): Returns a scalar array, or a tuple whose first item is
            one.
        argnums (int | list[int] | None): Positional arguments to
            differentiate (0 by default).
        argnames (str | list[str]): Keyword arguments to differentiate.

    Returns:
        Callable: ``(*args, **kwargs) -> (value, grads)``.

    Example:
        >>> import ember.core as mx
        >>> v, g = mx.value_and_grad(lambda x: (x * x).sum())(mx.array([1.0, 2.0]))
        >>> g.tolist()
        [2.0, 4.0]
    """

def grad(fun: object, argnums: object | None = None, argnames: object = []) -> object:
    """
    Returns a function computing the gradient of ``fun``.

    Args:
        fun (Callable): Returns a scalar (0-d) array.
        argnums (int | list[int] | None): Positional arguments to differentiate.
        argnames (str | list[str]): Keyword arguments to differentiate.

    Returns:
        Callable: Same arguments as ``fun``; returns the gradients.

    Example:
        >>> import ember.core as mx
        >>> mx.grad(lambda x: x * x)(mx.array(3.0)).item()
        6.0
    """

def vjp(fun: object, primals: object, cotangents: object) -> tuple:
    """
    Vector-Jacobian product.

    Args:
        fun (Callable): Takes arrays, returns an array or a list of arrays.
        primals (list[array]): Inputs.
        cotangents (list[array]): One per output.

    Returns:
        tuple[list[array], list[array]]: Outputs and input cotangents.

    Example:
        >>> import ember.core as mx
        >>> outs, vjps = mx.vjp(lambda x: x * 2, [mx.array(1.0)], [mx.array(1.0)])
        >>> vjps[0].item()
        2.0
    """

def jvp(fun: object, primals: object, tangents: object) -> tuple:
    """
    Jacobian-vector product.

    Args:
        fun (Callable): Takes arrays, returns an array or a list of arrays.
        primals (list[array]): Inputs.
        tangents (list[array]): One per input.

    Returns:
        tuple[list[array], list[array]]: Outputs and output tangents.

    Example:
        >>> import ember.core as mx
        >>> outs, jvps = mx.jvp(lambda x: x * 2, [mx.array(1.0)], [mx.array(1.0)])
        >>> jvps[0].item()
        2.0
    """

def vmap(fun: object, in_axes: object | None = 0, out_axes: object | None = 0) -> object:
    """
    Vectorizes ``fun`` over a batch axis of its inputs.

    Args:
        fun (Callable): Function of arrays (or trees of arrays).
        in_axes (int | None | tree): Mapped axis per input (None = unmapped).
        out_axes (int | None | tree): Where the batch axis goes in outputs.

    Returns:
        Callable: The vectorized function (positional arguments only).

    Example:
        >>> import ember.core as mx
        >>> mx.vmap(lambda x: x.sum())(mx.ones((3, 2))).tolist()
        [2.0, 2.0, 2.0]
    """

def checkpoint(fun: object) -> object:
    """
    Gradient checkpointing: recomputes ``fun`` in the backward pass
    instead of storing its intermediates.

    Args:
        fun (Callable): The function.

    Returns:
        Callable

    Example:
        >>> import ember.core as mx
        >>> f = mx.checkpoint(lambda x: mx.sin(x))
        >>> round(mx.grad(lambda x: f(x))(mx.array(0.0)).item(), 4)
        1.0
    """

def stop_gradient(arg0: object, /, *, stream: Stream | Device | DeviceType | None | None = None) -> array:
    """
    Identity whose gradient is zero.

    Args:
        a (array): Input.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.grad(lambda x: mx.stop_gradient(x) * x)(mx.array(2.0)).item()
        2.0
    """

class custom_function:
    """Decorator attaching custom vjp/jvp/vmap rules to a function."""

    def __init__(self, f: object) -> None: ...

    def __call__(self, *args, **kwargs) -> object: ...

    def vjp(self, f: object) -> object:
        """Registers ``f(primals, cotangents, outputs)`` as the vjp."""

    def jvp(self, f: object) -> object:
        """Registers ``f(primals, tangents)`` as the jvp."""

    def vmap(self, f: object) -> object:
        """Registers ``f(inputs, axes) -> (outputs, out_axes)`` as the vmap rule."""

def load(file: object, format: str | None = None, return_metadata: bool = False, *, stream: Stream | Device | DeviceType | None = None) -> array | dict[str, array] | tuple[dict[str, array], dict[str, str]]:
    """
    Loads arrays from a .npy, .npz or .safetensors file (memory-mapped).

    Args:
        file (str | pathlib.Path | file): Path or binary file object.
        format (str, optional): 'npy', 'npz' or 'safetensors'; inferred from the extension if None.
        return_metadata (bool): Also return the safetensors metadata.

    Returns:
        array | dict[str, array] | tuple[dict[str, array], dict[str, str]]

    Example:
        >>> import ember.core as mx, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
        >>> mx.save_safetensors(path, {"w": mx.ones((2,))}, {"step": "1"})
        >>> arrays, meta = mx.load(path, return_metadata=True)
        >>> arrays["w"].tolist(), meta
        ([1.0, 1.0], {'step': '1'})
    """

def save(file: object, arr: object) -> None:
    """
    Saves an array as a NumPy .npy file (.npy appended to paths without it).

    Args:
        file (str | pathlib.Path | file): Path or binary file object.
        arr (array): The array.

    Example:
        >>> import ember.core as mx, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "a")
        >>> mx.save(path, mx.arange(3))
        >>> mx.load(path + ".npy").tolist()
        [0, 1, 2]
    """

def savez(file: object, *args, **kwargs) -> None:
    """
    Saves arrays in an uncompressed .npz archive (positional arrays are arr_0, arr_1, ...).

    Args:
        file (str | pathlib.Path | file): Path or binary file object.
        *args (array): Arrays saved as arr_<i>.
        **kwargs (array): Arrays saved under their keyword.

    Example:
        >>> import ember.core as mx, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "a.npz")
        >>> mx.savez(path, mx.zeros(2), b=mx.ones(1))
        >>> sorted(mx.load(path).keys())
        ['arr_0', 'b']
    """

def savez_compressed(file: object, *args, **kwargs) -> None:
    """
    Saves arrays in a deflate-compressed .npz archive.

    Args:
        file (str | pathlib.Path | file): Path or binary file object.
        *args (array): Arrays saved as arr_<i>.
        **kwargs (array): Arrays saved under their keyword.

    Example:
        >>> import ember.core as mx, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "a.npz")
        >>> mx.savez_compressed(path, x=mx.zeros(1000))
        >>> mx.load(path)["x"].shape
        (1000,)
    """

def save_safetensors(file: object, arrays: dict[str, array], metadata: dict[str, str] | None = None) -> None:
    """
    Saves a dict of arrays and optional string metadata as .safetensors (float64 unsupported).

    Args:
        file (str | pathlib.Path | file): Path or binary file object.
        arrays (dict[str, array]): Arrays by name.
        metadata (dict[str, str], optional): Stored in __metadata__.

    Example:
        >>> import ember.core as mx, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "m")
        >>> mx.save_safetensors(path, {"w": mx.zeros((2, 2))})
        >>> mx.load(path + ".safetensors")["w"].shape
        (2, 2)
    """

pi: float = 3.141592653589793

e: float = 2.718281828459045

euler_gamma: float = 0.5772156649015329

inf: float = float('inf')

nan: float = float('nan')

newaxis: None = None
