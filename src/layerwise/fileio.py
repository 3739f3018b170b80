"""Atomic file writes: a reader sees the old file or the complete new one, never a partial one."""

from __future__ import annotations

import contextlib
import json
import math
import os
import stat
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["atomic_open", "atomic_write_bytes", "atomic_write_json", "json_ready"]


@contextlib.contextmanager
def atomic_open(path, mode: str = "wb", fsync: bool = True):
    """Open a temporary file beside ``path`` for writing; on success it replaces ``path``.

    If the block raises, the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, _new_file_mode(path))     # mkstemp makes files owner-only
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            if fsync:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as err:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(err, OSError) and err.errno is not None and err.filename is None:
            err.filename = str(path)            # fsync and write errors name no file
        raise


def atomic_write_bytes(path, data: bytes, fsync: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, ``os.replace``)."""
    with atomic_open(path, "wb", fsync=fsync) as f:
        f.write(data)
    return Path(path)


def json_ready(value):
    """``value`` with NumPy scalars and arrays as JSON numbers and lists, non-finite numbers as null."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [json_ready(v) for v in value]
    if isinstance(value, (np.generic, float)):
        value = int(value) if isinstance(value, np.integer) else float(value)
        return None if isinstance(value, float) and not math.isfinite(value) else value
    return value


def atomic_write_json(path, value, fsync: bool = True) -> Path:
    """``value`` (see :func:`json_ready`) as indented JSON at ``path``, atomically."""
    return atomic_write_bytes(path, (json.dumps(json_ready(value), indent=2) + "\n").encode(), fsync=fsync)


def _new_file_mode(path: Path) -> int:
    """An existing file's permissions, else what ``open`` would give a new file (0o666 less the umask)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
