"""Fetch the official CIFAR archives, safely.

A download streams into a temporary file next to its destination, checks the
byte count and the published MD5 checksum, and only then renames it into place
(``os.replace``, atomic), so an interrupted or corrupt download never leaves a
file that looks complete.  Network failures are retried with exponential backoff.
"""

from __future__ import annotations

import hashlib
import http.client
import math
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
    "DownloadError",
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


class DownloadError(OSError):
    """A download failed for good: not found, too large, too slow, or out of attempts."""


class _Truncated(OSError):
    """The connection ended before Content-Length bytes arrived (retried)."""


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, urllib.error.HTTPError):  # 4xx will not get better; 408/429/5xx may
        return exc.code in (408, 429) or exc.code >= 500
    return isinstance(exc, (OSError, http.client.HTTPException)) and not isinstance(exc, DownloadError)


def _progress_bar(total, desc, enabled):
    if enabled:
        try:
            from tqdm.auto import tqdm
        except ImportError:  # the bar is a nicety: download without it
            pass
        else:
            return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=desc)
    return None


def _fetch_once(url, dest: Path, md5, timeout, progress, stop_at, max_bytes) -> None:
    def check_deadline():
        if time.monotonic() > stop_at:
            raise DownloadError(f"downloading {url} took longer than its deadline; nothing was saved. The server "
                                "is too slow: try again later, or pass a larger deadline")

    # atomic_open: the file appears at dest only when the block ends without an exception.
    with atomic_open(dest, "wb") as out, \
            urlopen(url, timeout=max(min(timeout, stop_at - time.monotonic()), 0.1)) as resp:
        digest = hashlib.md5(usedforsecurity=False)
        received = 0
        length = resp.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        if total is not None and total > max_bytes:
            raise DownloadError(f"{url} is {total:,} bytes, more than the {max_bytes:,} allowed; nothing was "
                                "downloaded. Check the URL (or pass a larger max_bytes)")
        bar = _progress_bar(total, dest.name, progress)
        try:
            # read1: whatever has arrived, so that the deadline is checked even while a server trickles
            while chunk := resp.read1(_CHUNK):
                received += len(chunk)
                if received > max_bytes:
                    raise DownloadError(f"{url} sent more than the {max_bytes:,} bytes allowed; nothing was "
                                        "saved. Check the URL (or pass a larger max_bytes)")
                out.write(chunk)
                digest.update(chunk)
                if bar is not None:
                    bar.update(len(chunk))
                check_deadline()
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


def download_file(url, dest, *, md5=None, retries=3, timeout=60, deadline=1800.0, max_bytes=1 << 30,
                  progress=True, backoff=2.0) -> Path:
    """Download ``url`` to ``dest`` atomically, verifying ``md5`` when given.

    Retries up to ``retries`` times on network errors, server errors (5xx, 408,
    429) and truncated transfers, waiting ``backoff * 2**attempt`` seconds in
    between.  ``timeout`` bounds each network read; ``deadline`` (seconds, None:
    none) bounds the whole call, retries included, so a server that trickles
    bytes cannot hold it forever; a body over ``max_bytes`` is refused, from its
    Content-Length before it is read.  A checksum mismatch, a client error (404)
    or a size over the limit is not retried.  Every error names the URL; on
    failure nothing is left at ``dest`` or beside it (also not the temporary
    file of an earlier download that was killed).
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    for stale in dest.parent.glob(f".{dest.name}.*.tmp"):   # a killed download's partial file
        stale.unlink(missing_ok=True)
    stop_at = time.monotonic() + (math.inf if deadline is None else deadline)
    for attempt in range(retries + 1):
        try:
            _fetch_once(url, dest, md5, timeout, progress, stop_at, max_bytes)
            return dest
        except (ChecksumError, DownloadError):
            raise
        except Exception as exc:
            if isinstance(exc, urllib.error.HTTPError) and not _retryable(exc):
                raise DownloadError(f"downloading {url} failed: the server answered HTTP {exc.code} "
                                    f"{exc.reason}; check the URL") from None
            if not _retryable(exc):
                raise
            pause = backoff * 2**attempt
            if attempt == retries or time.monotonic() + pause > stop_at:
                raise DownloadError(
                    f"downloading {url} to {dest} failed after {attempt + 1} attempt(s): "
                    f"{type(exc).__name__}: {exc}. Check the network connection (or download the file "
                    f"by hand into {dest.parent})."
                ) from exc
            time.sleep(pause)
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
    :func:`download_file` (``retries``, ``timeout``, ``deadline``, ``max_bytes``,
    ``progress``, ``backoff``).
    """
    return _download_archive(root, "cifar-10-python.tar.gz", url, md5, force, **kwargs)


def download_cifar100(root=None, *, force=False, url=CIFAR100_URL, md5=CIFAR100_MD5, **kwargs) -> Path:
    """Fetch ``cifar-100-python.tar.gz`` (161 MB) into ``root``; see :func:`download_cifar10`."""
    return _download_archive(root, "cifar-100-python.tar.gz", url, md5, force, **kwargs)
