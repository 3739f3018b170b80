"""Where data sets live, and how a data set's files are found and read.

The data root is, in order: the explicit ``root`` argument, else the environment
variable ``$LAYERWISE_DATA``, else ``~/.cache/layerwise``.  A data set stored in a
root may be an extracted folder (``cifar-10-batches-py/``) or its archive
(``cifar-10-python.tar.gz``); ``root`` may also point at that folder or that
archive directly.  Archives are read in place, never extracted.
"""

from __future__ import annotations

import os
import posixpath
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DATA_ENV_VAR",
    "DataFileError",
    "DatasetLocation",
    "default_data_root",
    "resolve_data_root",
    "locate_dataset",
]

DATA_ENV_VAR = "LAYERWISE_DATA"
_ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar")
#: The largest data file read (CIFAR-100's train file is 155 MB): a larger one is refused before it is read.
MAX_FILE_BYTES = 256 << 20


class DataFileError(ValueError):
    """A data file exists but is corrupt, truncated or not in the expected format."""


def default_data_root() -> Path:
    """``$LAYERWISE_DATA`` if set (and non-empty), else ``~/.cache/layerwise``."""
    env = os.environ.get(DATA_ENV_VAR, "").strip()
    return Path(env).expanduser() if env else Path.home() / ".cache" / "layerwise"


def resolve_data_root(root: str | os.PathLike | None = None) -> Path:
    """The explicit ``root`` if given, else :func:`default_data_root`."""
    return Path(root).expanduser() if root is not None else default_data_root()


def _root_origin(root) -> str:
    if root is not None:
        return "the root argument"
    if os.environ.get(DATA_ENV_VAR, "").strip():
        return f"${DATA_ENV_VAR}"
    return f"the default (${DATA_ENV_VAR} is not set)"


def _check_size(what, size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise DataFileError(f"{what} is {size:,} bytes, more than the {MAX_FILE_BYTES:,} a data file of these "
                            "data sets has: it is not a genuine release; delete it and download it again")


@dataclass(frozen=True)
class DatasetLocation:
    """A found data set: ``kind`` is ``'dir'`` (a folder of files) or ``'tar'`` (an archive)."""

    kind: str
    path: Path

    def signature(self, names) -> tuple:
        """(path, inode, size, mtime) of the files ``names`` read from here: a cache key that
        changes whenever one of them is replaced."""
        files = [self.path] if self.kind == "tar" else [self.path / n for n in names]
        sig = []
        for f in files:
            try:
                st = f.stat()
                sig.append((str(f.resolve()), st.st_ino, st.st_size, st.st_mtime_ns))
            except OSError:
                sig.append((str(f), None, None, None))
        return (self.kind, tuple(sig))

    def iter_files(self, names):
        """Yield ``(basename, bytes)`` for each of the files ``names`` that is present.

        A folder is read in the order of ``names``; an archive in its own order, in a
        single streaming decompression pass (one file in memory at a time).  An
        unreadable archive, or a file larger than :data:`MAX_FILE_BYTES` (checked
        from its size or its archive header before anything is read), raises
        :class:`DataFileError`.
        """
        if self.kind == "dir":
            for n in names:
                f = self.path / n
                if f.is_file():
                    _check_size(f, f.stat().st_size)
                    yield n, f.read_bytes()
            return
        wanted, seen = set(names), set()
        try:
            # 'r|*' streams: one decompression pass, no seeking back through the gzip.
            with tarfile.open(self.path, "r|*") as tf:
                for member in tf:
                    base = posixpath.basename(member.name)
                    if member.isfile() and base in wanted and base not in seen:
                        seen.add(base)
                        _check_size(f"{self.path} member {member.name}", member.size)
                        yield base, tf.extractfile(member).read()     # at most member.size bytes
        except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
            if isinstance(exc, (FileNotFoundError, PermissionError)):
                raise
            raise DataFileError(
                f"{self.path} is corrupt or truncated ({type(exc).__name__}: {exc}). "
                "Delete it and download it again."
            ) from exc

    def check_complete(self, found, names) -> None:
        """Raise if some of ``names`` were not among the ``found`` files."""
        missing = [n for n in names if n not in found]
        if not missing:
            return
        if self.kind == "dir":
            raise FileNotFoundError(
                f"{', '.join(str(self.path / n) for n in missing)} missing: the folder {self.path} "
                "is incomplete. Extract the archive again or download the data set again."
            )
        raise DataFileError(
            f"{self.path} has no member named {', '.join(missing)} (expected {', '.join(names)}). "
            "It is truncated or not the right archive; delete it and download it again."
        )


def _is_archive(path: Path) -> bool:
    return path.name.endswith(_ARCHIVE_SUFFIXES)


def locate_dataset(
    root,
    *,
    title: str,
    dir_names,
    archive_names,
    markers,
    fix: str,
) -> DatasetLocation:
    """Find a data set under ``root`` (see :func:`resolve_data_root`).

    ``root`` may be a folder holding one of ``dir_names`` (folders) or
    ``archive_names`` (archives), such a folder itself (recognized by holding all
    of ``markers``, e.g. ``data_batch_1``), or an archive path.  ``dir_names``,
    ``archive_names`` and ``markers`` are sequences tried in order; they may pair
    up (``markers[i]`` identifies ``dir_names[i]``).  Extracted folders win over
    archives because they read faster.

    Raises FileNotFoundError saying where it looked and what to do (``fix``).
    """
    base = resolve_data_root(root)
    looked = []
    if base.is_file():
        if _is_archive(base):
            return DatasetLocation("tar", base)
        raise FileNotFoundError(
            f"{title}: {base} is a file but not a .tar.gz archive. "
            f"Pass the folder that holds the data set, or the archive itself. {fix}"
        )
    if base.is_dir():
        for marker_set in markers:
            if all((base / m).is_file() for m in marker_set):
                return DatasetLocation("dir", base)
        for d in dir_names:
            cand = base / d
            looked.append(f"{cand}/")
            if cand.is_dir():
                return DatasetLocation("dir", cand)
        for a in archive_names:
            cand = base / a
            looked.append(str(cand))
            if cand.is_file():
                return DatasetLocation("tar", cand)
    else:
        looked.append(f"{base} (does not exist)")
    raise FileNotFoundError(
        f"{title} not found. Data root {base} comes from {_root_origin(root)}; looked for: "
        f"{', '.join(looked)}. {fix}"
    )
