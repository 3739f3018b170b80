"""Fetch the official CIFAR archives, safely.

A download streams into a temporary file next to its destination, checks the
byte count and the published MD5 checksum, and only then renames it into place
(``os.replace``, atomic), so an interrupted or corrupt download never leaves a
file that looks complete.  Network failures are retried with exponential backoff.
"""

from __future__ import annotations

import hashlib
import http.client
import time
import urllib.error
from pathlib import Path
from urllib.request import urlopen

from ..fileio import atomic_open
from .paths import DataFileError, resolve_data_root

__all__ = [
    "CIFAR10_URL",
    "CIFAR10_MD5",
    "CIFAR100_URL",
    "CIFAR100_MD5",
    "ChecksumError",
    "download_file",
    "download_cifar10",
    "download_cifar100",
]

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
CIFAR100_URL = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
CIFAR100_MD5 = "eb9058c3a382ffc7106e4002c42a8d85"

_CHUNK = 1 << 20


class ChecksumError(DataFileError):
    """A downloaded file does not have the published checksum."""


class _Truncated(OSError):
    """The connection ended before Content-Length bytes arrived (retried)."""


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, urllib.error.HTTPError):  # 4xx will not get better; 408/429/5xx may
        return exc.code in (408, 429) or exc.code >= 500
    return isinstance(exc, (OSError, http.client.HTTPException))


def _progress_bar(total, desc, enabled):
    if enabled:
        try:
            from tqdm.auto import tqdm
        except ImportError:  # the bar is a nicety: download without it
            pass
        else:
            return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=desc)
    return None


def _fetch_once(url, dest: Path, md5, timeout, progress) -> None:
    # atomic_open: the file appears at dest only when the block ends without an exception.
    with atomic_open(dest, "wb") as out, urlopen(url, timeout=timeout) as resp:
        digest = hashlib.md5(usedforsecurity=False)
        received = 0
        length = resp.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        bar = _progress_bar(total, dest.name, progress)
        try:
            while chunk := resp.read(_CHUNK):
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                if bar is not None:
                    bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
        if total is not None and received != total:
            raise _Truncated(f"received {received} of {total} bytes from {url}")
        if md5 is not None and digest.hexdigest() != md5.lower():
            raise ChecksumError(
                f"{url} downloaded with MD5 {digest.hexdigest()}, expected {md5}: the file is corrupt "
                "or not the official release. Nothing was saved; try again later or check the URL."
            )


def download_file(url, dest, *, md5=None, retries=3, timeout=60, progress=True, backoff=2.0) -> Path:
    """Download ``url`` to ``dest`` atomically, verifying ``md5`` when given.

    Retries up to ``retries`` times on network errors and truncated transfers,
    waiting ``backoff * 2**attempt`` seconds in between.  A checksum mismatch is
    not retried.  On failure nothing is left at ``dest`` or beside it.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(retries + 1):
        try:
            _fetch_once(url, dest, md5, timeout, progress)
            return dest
        except ChecksumError:
            raise
        except Exception as exc:
            if not _retryable(exc):
                raise
            if attempt == retries:
                raise OSError(
                    f"downloading {url} to {dest} failed after {attempt + 1} attempt(s): "
                    f"{type(exc).__name__}: {exc}. Check the network connection (or download the file "
                    f"by hand into {dest.parent})."
                ) from exc
            time.sleep(backoff * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _download_archive(root, name, url, md5, force, **kwargs) -> Path:
    dest = resolve_data_root(root) / name
    if dest.is_file() and not force:
        return dest  # loading never checks MD5: local copies may legitimately differ
    return download_file(url, dest, md5=md5, **kwargs)


def download_cifar10(root=None, *, force=False, url=CIFAR10_URL, md5=CIFAR10_MD5, **kwargs) -> Path:
    """Fetch ``cifar-10-python.tar.gz`` (163 MB) into ``root`` (default ``$LAYERWISE_DATA``,
    else ``~/.cache/layerwise``) and return its path.

    An archive already there is kept unless ``force``.  ``kwargs`` go to
    :func:`download_file` (``retries``, ``timeout``, ``progress``, ``backoff``).
    """
    return _download_archive(root, "cifar-10-python.tar.gz", url, md5, force, **kwargs)


def download_cifar100(root=None, *, force=False, url=CIFAR100_URL, md5=CIFAR100_MD5, **kwargs) -> Path:
    """Fetch ``cifar-100-python.tar.gz`` (161 MB) into ``root``; see :func:`download_cifar10`."""
    return _download_archive(root, "cifar-100-python.tar.gz", url, md5, force, **kwargs)
