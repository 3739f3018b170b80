"""Downloads, offline: file:// URLs and a stand-in opener. Nothing half-written may ever remain."""

import hashlib
import io
import os
import urllib.error

import numpy as np
import pytest

from layerwise.data import (
    ChecksumError,
    download_cifar10,
    download_cifar100,
    download_file,
    load_CIFAR10,
    write_fake_cifar10,
)
from layerwise.data import download as dl


def md5_of(data):
    return hashlib.md5(data).hexdigest()


def test_published_checksums_and_urls():
    assert dl.CIFAR10_MD5 == "c58f30108f718f92721af3b95e74349a"
    assert dl.CIFAR100_MD5 == "eb9058c3a382ffc7106e4002c42a8d85"
    assert dl.CIFAR10_URL.endswith("/cifar-10-python.tar.gz")
    assert dl.CIFAR100_URL.endswith("/cifar-100-python.tar.gz")


class FakeResponse:
    """What urlopen returns, serving ``body`` (optionally announcing a different length)."""

    def __init__(self, body, length=None, fail_after=None, fail_with=None):
        self._stream = io.BytesIO(body)
        self.headers = {"Content-Length": str(len(body) if length is None else length)}
        self._fail_after, self._fail_with = fail_after, fail_with

    def read(self, n=-1):
        if self._fail_after is not None and self._stream.tell() >= self._fail_after:
            raise self._fail_with
        return self._stream.read(min(n, 1000) if n > 0 else n)  # small chunks: several reads

    read1 = read

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class Opener:
    """Replays a script of responses/exceptions, recording the calls."""

    def __init__(self, *script):
        self.script, self.calls = list(script), 0

    def __call__(self, url, timeout=None):
        self.calls += 1
        step = self.script.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step


def listing(folder):
    return sorted(p.name for p in folder.iterdir())


def test_download_from_file_url_then_load(tmp_path):
    source = write_fake_cifar10(tmp_path / "server", num_per_batch=4, seed=7)
    blob = source["path"].read_bytes()
    root = tmp_path / "data"
    old_umask = os.umask(0o022)
    try:
        path = download_cifar10(root, url=source["path"].as_uri(), md5=md5_of(blob), progress=False)
    finally:
        os.umask(old_umask)
    assert path == root / "cifar-10-python.tar.gz"
    assert path.stat().st_mode & 0o777 == 0o644  # ordinary permissions, not a private temp file's
    assert path.read_bytes() == blob
    assert listing(root) == ["cifar-10-python.tar.gz"]  # no temporary file left over
    np.testing.assert_array_equal(load_CIFAR10(root)[1], source["y_train"])


def test_progress_bar_is_shown(tmp_path, capsys):
    pytest.importorskip("tqdm")
    src = tmp_path / "blob.bin"
    src.write_bytes(b"x" * 5000)
    download_file(src.as_uri(), tmp_path / "out" / "blob.bin", md5=md5_of(b"x" * 5000), progress=True)
    assert "blob.bin" in capsys.readouterr().err


def test_checksum_mismatch_leaves_nothing(tmp_path):
    src = tmp_path / "blob.bin"
    src.write_bytes(b"not the real archive")
    root = tmp_path / "data"
    with pytest.raises(ChecksumError, match=r"downloaded with MD5 [0-9a-f]{32}, expected c58f3010.*Nothing was saved"):
        download_cifar10(root, url=src.as_uri(), progress=False)  # checks the published MD5
    assert listing(root) == []


def test_checksum_error_is_not_retried(tmp_path, monkeypatch):
    opener = Opener(FakeResponse(b"abc"), FakeResponse(b"abc"))
    monkeypatch.setattr(dl, "urlopen", opener)
    with pytest.raises(ChecksumError):
        download_file("https://example.invalid/a", tmp_path / "a", md5="0" * 32, progress=False, backoff=0)
    assert opener.calls == 1


def test_transient_failures_are_retried(tmp_path, monkeypatch):
    body = b"payload" * 100
    opener = Opener(urllib.error.URLError("connection reset"), TimeoutError("slow"), FakeResponse(body))
    monkeypatch.setattr(dl, "urlopen", opener)
    monkeypatch.setattr(dl.time, "sleep", lambda s: None)
    path = download_cifar100(tmp_path, url="https://example.invalid/c100", md5=md5_of(body), progress=False)
    assert opener.calls == 3
    assert path == tmp_path / "cifar-100-python.tar.gz" and path.read_bytes() == body
    assert listing(tmp_path) == ["cifar-100-python.tar.gz"]


def test_truncated_transfer_is_retried_then_reported(tmp_path, monkeypatch):
    body = b"0123456789" * 300
    short = [FakeResponse(body[:1000], length=len(body)) for _ in range(3)]
    opener = Opener(*short)
    monkeypatch.setattr(dl, "urlopen", opener)
    with pytest.raises(OSError, match=r"failed after 3 attempt\(s\).*received 1000 of 3000 bytes"):
        download_file("https://example.invalid/x", tmp_path / "x", retries=2, backoff=0, progress=False)
    assert opener.calls == 3
    assert listing(tmp_path) == []


def test_http_404_is_not_retried(tmp_path, monkeypatch):
    opener = Opener(urllib.error.HTTPError("https://example.invalid/x", 404, "Not Found", {}, None))
    monkeypatch.setattr(dl, "urlopen", opener)
    with pytest.raises(dl.DownloadError, match=r"^downloading https://example.invalid/x failed: the server "
                                               r"answered HTTP 404 Not Found; check the URL$"):
        download_file("https://example.invalid/x", tmp_path / "x", backoff=0, progress=False)
    assert opener.calls == 1 and listing(tmp_path) == []


def test_interrupted_download_leaves_nothing(tmp_path, monkeypatch):
    response = FakeResponse(b"z" * 10000, fail_after=3000, fail_with=KeyboardInterrupt())
    monkeypatch.setattr(dl, "urlopen", Opener(response))
    with pytest.raises(KeyboardInterrupt):
        download_file("https://example.invalid/z", tmp_path / "z", progress=False)
    assert listing(tmp_path) == []


def test_failed_download_keeps_an_existing_file_intact(tmp_path, monkeypatch):
    dest = tmp_path / "cifar-10-python.tar.gz"
    dest.write_bytes(b"old content")
    monkeypatch.setattr(dl, "urlopen", Opener(FakeResponse(b"new, but corrupt")))
    with pytest.raises(ChecksumError):
        download_cifar10(tmp_path, force=True, progress=False)
    assert dest.read_bytes() == b"old content" and listing(tmp_path) == ["cifar-10-python.tar.gz"]


def test_existing_archive_is_not_downloaded_again(tmp_path, monkeypatch):
    """A local copy is kept even if its checksum differs (e.g. a re-encoded offline copy)."""
    dest = tmp_path / "cifar-10-python.tar.gz"
    dest.write_bytes(b"local copy")
    opener = Opener()
    monkeypatch.setattr(dl, "urlopen", opener)
    assert download_cifar10(tmp_path) == dest
    assert opener.calls == 0 and dest.read_bytes() == b"local copy"


def test_default_root_is_the_environment_variable(tmp_path, monkeypatch):
    body = b"archive bytes"
    monkeypatch.setenv("LAYERWISE_DATA", str(tmp_path / "env-root"))
    monkeypatch.setattr(dl, "urlopen", Opener(FakeResponse(body)))
    path = download_cifar10(md5=md5_of(body), progress=False)
    assert path == tmp_path / "env-root" / "cifar-10-python.tar.gz" and path.read_bytes() == body
