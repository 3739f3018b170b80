"""Argument checks shared by the whole library, each with its one-line message."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["integer", "is_integer", "nonnegative", "floating_dtype"]


def is_integer(value) -> bool:
    """True for Python and NumPy integers; False for bools (``True`` is not a count) and floats."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def integer(value, name, minimum=None, maximum=None, where=None, none_ok=False):
    """``value`` as an ``int`` if it is an integer in ``[minimum, maximum]`` (either bound optional).

    Raises ``ValueError`` naming ``where`` (a function or class), ``name``, the
    expected range and the value received, e.g. ``conv_forward: stride must be
    an integer >= 1, got 0``.  With ``none_ok``, ``None`` passes through.
    """
    if value is None and none_ok:
        return None
    if is_integer(value) and (minimum is None or value >= minimum) and (maximum is None or value <= maximum):
        return int(value)
    if minimum is not None and maximum is not None:
        expected = f"an integer in [{minimum}, {maximum}]"
    elif minimum is not None:
        expected = f"an integer >= {minimum}"
    elif maximum is not None:
        expected = f"an integer <= {maximum}"
    else:
        expected = "an integer"
    if none_ok:
        expected += " or None"
    if not is_integer(value) and isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) \
            and float(value).is_integer():
        expected += f" (an int, not {type(value).__name__})"
    prefix = f"{where}: " if where else ""
    raise ValueError(f"{prefix}{name} must be {expected}, got {value!r}")


def nonnegative(value, name, where=None) -> float:
    """``value`` as a ``float`` if it is a finite real number >= 0 (a strength such as ``reg``)."""
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and np.isfinite(value) \
            and value >= 0:
        return float(value)
    prefix = f"{where}: " if where else ""
    raise ValueError(f"{prefix}{name} must be a finite number >= 0, got {value!r}")


def floating_dtype(dtype, where=None) -> np.dtype:
    """``np.dtype(dtype)`` if it is a floating-point type (parameters and gradients are real numbers)."""
    resolved = np.dtype(dtype)
    if not np.issubdtype(resolved, np.floating):
        prefix = f"{where}: " if where else ""
        raise ValueError(f"{prefix}dtype must be a floating-point type such as np.float32 or np.float64, "
                         f"got {resolved}")
    return resolved
