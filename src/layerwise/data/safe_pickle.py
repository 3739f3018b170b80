"""A restricted unpickler for the canonical CIFAR pickles.

``pickle.load`` runs whatever callable a file names, so a doctored data file could
execute code.  The CIFAR "python version" files only contain dicts, lists, ints,
strings and NumPy arrays, which reference exactly three globals:
``numpy.core.multiarray._reconstruct`` (``numpy._core.multiarray._reconstruct`` when
written by NumPy 2), ``numpy.ndarray`` and ``numpy.dtype``.  Protocol-2 pickles written
by Python 3 also spell each ``bytes`` object as ``_codecs.encode(text, 'latin1')``;
and an empty one as ``bytes()``; those two are admitted as narrow stand-ins
(latin-1 text only; no arguments).  Every other global is refused
before anything is called.
"""

from __future__ import annotations

import io
import pickle

import numpy as np

try:  # NumPy >= 2
    from numpy._core.multiarray import _reconstruct
except ImportError:  # pragma: no cover - NumPy 1.x
    from numpy.core.multiarray import _reconstruct

__all__ = ["RestrictedUnpickler", "UnsafePickleError", "restricted_load", "restricted_loads"]


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle referenced a global (a callable) that data files never contain."""


def _latin1_encode(text, encoding="latin1"):
    """What ``_codecs.encode`` does in a Python-3 protocol-2 pickle of ``bytes``, and nothing more."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise UnsafePickleError(
            f"refusing _codecs.encode({type(text).__name__}, {encoding!r}): only the latin-1 "
            "encoding of a string (how protocol 2 stores bytes) is allowed"
        )
    return text.encode("latin-1")


def _empty_bytes(*args):
    """``bytes()`` as protocol 2 writes ``b''``; any argument (e.g. a size) is refused."""
    if args:
        raise UnsafePickleError("refusing bytes(...) with arguments: only bytes() is allowed")
    return b""


_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _latin1_encode,
    ("__builtin__", "bytes"): _empty_bytes,
    ("builtins", "bytes"): _empty_bytes,
}


class RestrictedUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` that admits only the globals CIFAR data files contain.

    Strings written by Python 2 come back as ``bytes`` (``encoding='bytes'``), like
    ``pickle.load(f, encoding='bytes')`` on the official files.  The admitted
    globals are mapped to their objects directly, so no module is ever imported
    on behalf of the file.
    """

    def __init__(self, file, *, source: str = "data file"):
        super().__init__(file, encoding="bytes")
        self.source = source

    def find_class(self, module, name):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            allowed = ", ".join(f"{m}.{n}" for m, n in _ALLOWED)
            raise UnsafePickleError(
                f"refusing to load global '{module}.{name}' from {self.source}: data files may "
                f"only reference {allowed}. The file is not a genuine data-set pickle "
                "(it could run code); do not load it with pickle either."
            ) from None


def restricted_load(file, *, source: str = "data file"):
    """Unpickle from an open binary file through :class:`RestrictedUnpickler`."""
    return RestrictedUnpickler(file, source=source).load()


def restricted_loads(data: bytes, *, source: str = "data file"):
    """Unpickle ``data`` through :class:`RestrictedUnpickler`."""
    return restricted_load(io.BytesIO(data), source=source)
