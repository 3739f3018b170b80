"""Downloads against a misbehaving HTTP server on 127.0.0.1: every failure bounded, named and clean."""

import hashlib
import http.server
import tarfile
import threading
import time

import pytest

from layerwise.data import download as dl
from layerwise.data.download import ChecksumError, DownloadError, download_file
from layerwise.data.paths import DataFileError, DatasetLocation

BODY = bytes(range(256)) * 40                      # 10 KiB
MD5 = hashlib.md5(BODY).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``/PATH`` by the behaviour the path names; counts requests per path."""

    def log_message(self, *args):                  # quiet
        pass

    def do_GET(self):
        counts = self.server.counts
        counts[self.path] = counts.get(self.path, 0) + 1
        behaviour = self.path.strip("/").split("?")[0]
        if behaviour == "missing":
            self.send_error(404, "Not Found")
        elif behaviour == "flaky":                    # 500 twice, then the file
            if counts[self.path] <= 2:
                self.send_error(500, "Internal Server Error")
            else:
                self._send(BODY)
        elif behaviour == "short":                   # announces more than it sends
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY) * 3))
            self.end_headers()
            self.wfile.write(BODY)
        elif behaviour == "trickle":                 # 16 bytes every 0.1 s, for ever (as long as one reads)
            self.send_response(200)
            self.send_header("Content-Length", str(10 ** 9))
            self.end_headers()
            try:
                for _ in range(600):
                    self.wfile.write(b"x" * 16)
                    self.wfile.flush()
                    time.sleep(0.1)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif behaviour == "huge-header":             # announces 5 GB
            self.send_response(200)
            self.send_header("Content-Length", str(5 * 10 ** 9))
            self.end_headers()
        elif behaviour == "endless":                 # no Content-Length, more bytes than allowed
            self.send_response(200)
            self.end_headers()
            try:
                for _ in range(100):
                    self.wfile.write(b"y" * 4096)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif behaviour == "hangup":                  # closes without any response
            self.close_connection = True
        else:
            self._send(BODY)

    def _send(self, body):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.counts = {}
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def _nothing_left(folder):
    return sorted(p.name for p in folder.iterdir()) == []


def _get(url, dest, **kwargs):
    return download_file(url, dest, progress=False, backoff=0.01, **kwargs)


def test_a_good_file_arrives_verified(server, tmp_path):
    _, base = server
    assert _get(f"{base}/file", tmp_path / "f", md5=MD5).read_bytes() == BODY


def test_404_names_the_url_and_is_not_retried(server, tmp_path):
    httpd, base = server
    with pytest.raises(DownloadError, match=rf"^downloading {base}/missing failed: the server answered HTTP 404 "
                                            r"Not Found; check the URL$"):
        _get(f"{base}/missing", tmp_path / "f")
    assert httpd.counts["/missing"] == 1 and _nothing_left(tmp_path)


def test_server_errors_are_retried_until_the_file_arrives(server, tmp_path):
    httpd, base = server
    assert _get(f"{base}/flaky", tmp_path / "f", md5=MD5).read_bytes() == BODY
    assert httpd.counts["/flaky"] == 3


def test_server_errors_beyond_the_retry_budget_name_the_url(server, tmp_path):
    httpd, base = server
    with pytest.raises(DownloadError, match=rf"^downloading {base}/flaky to \S+ failed after 2 attempt\(s\): "
                                            r"HTTPError: HTTP Error 500"):
        _get(f"{base}/flaky", tmp_path / "f", retries=1)
    assert httpd.counts["/flaky"] == 2 and _nothing_left(tmp_path)


def test_a_short_body_is_retried_then_reported_with_the_bytes_received(server, tmp_path):
    httpd, base = server
    with pytest.raises(DownloadError, match=rf"failed after 3 attempt\(s\): _Truncated: received 10240 of 30720 "
                                            rf"bytes from {base}/short"):
        _get(f"{base}/short", tmp_path / "f", retries=2)
    assert httpd.counts["/short"] == 3 and _nothing_left(tmp_path)


def test_a_trickling_server_is_cut_off_at_the_deadline(server, tmp_path):
    _, base = server
    start = time.monotonic()
    with pytest.raises(DownloadError, match=rf"^downloading {base}/trickle took longer than its deadline"):
        _get(f"{base}/trickle", tmp_path / "f", deadline=1.0, timeout=5)
    assert time.monotonic() - start < 3 and _nothing_left(tmp_path)


def test_a_size_over_the_limit_is_refused_before_the_body_is_read(server, tmp_path):
    httpd, base = server
    with pytest.raises(DownloadError, match=rf"^{base}/huge-header is 5,000,000,000 bytes, more than the "
                                            r"1,073,741,824 allowed; nothing was downloaded"):
        _get(f"{base}/huge-header", tmp_path / "f")
    assert httpd.counts["/huge-header"] == 1 and _nothing_left(tmp_path)


def test_a_body_without_length_is_cut_at_the_limit(server, tmp_path):
    _, base = server
    with pytest.raises(DownloadError, match=rf"^{base}/endless sent more than the 100,000 bytes allowed"):
        _get(f"{base}/endless", tmp_path / "f", max_bytes=100_000)
    assert _nothing_left(tmp_path)


def test_a_wrong_checksum_names_both_and_is_not_retried(server, tmp_path):
    httpd, base = server
    with pytest.raises(ChecksumError, match=rf"^{base}/file downloaded with MD5 {MD5}, expected 0+: the file is "
                                            r"corrupt or not the official release"):
        _get(f"{base}/file", tmp_path / "f", md5="0" * 32)
    assert httpd.counts["/file"] == 1 and _nothing_left(tmp_path)


def test_a_hangup_without_response_is_retried_then_named(server, tmp_path):
    httpd, base = server
    with pytest.raises(DownloadError, match=rf"^downloading {base}/hangup to \S+ failed after 2 attempt\(s\): "
                                            r"RemoteDisconnected"):
        _get(f"{base}/hangup", tmp_path / "f", retries=1)
    assert httpd.counts["/hangup"] == 2 and _nothing_left(tmp_path)


def test_a_killed_earlier_download_leaves_no_partial_file(server, tmp_path):
    _, base = server
    (tmp_path / ".f.abc123.tmp").write_bytes(b"half of an earlier download")
    _get(f"{base}/file", tmp_path / "f")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


# --------------------------------------------------------------------------- archive members

def _tar_with_member(path, name, declared_size):
    """A tar whose member's header declares ``declared_size`` bytes (its body is not that long)."""
    info = tarfile.TarInfo(name)
    info.size = declared_size
    with open(path, "wb") as f:
        f.write(info.tobuf(format=tarfile.GNU_FORMAT))
        f.write(b"\0" * 1024)


def test_an_archive_member_declaring_a_huge_size_is_refused_before_it_is_read(tmp_path):
    archive = tmp_path / "cifar-10-python.tar"
    _tar_with_member(archive, "cifar-10-batches-py/data_batch_1", 50 * 2 ** 30)
    with pytest.raises(DataFileError, match=r"member cifar-10-batches-py/data_batch_1 is 53,687,091,200 bytes, "
                                            r"more than the 268,435,456 a data file"):
        list(DatasetLocation("tar", archive).iter_files(["data_batch_1"]))


def test_a_huge_file_in_a_folder_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr("layerwise.data.paths.MAX_FILE_BYTES", 1000)
    (tmp_path / "data_batch_1").write_bytes(b"\0" * 1001)
    with pytest.raises(DataFileError, match=r"data_batch_1 is 1,001 bytes, more than the 1,000"):
        list(DatasetLocation("dir", tmp_path).iter_files(["data_batch_1"]))


def test_the_downloads_default_limits_are_finite():
    import inspect

    defaults = inspect.signature(dl.download_file).parameters
    assert defaults["deadline"].default == 1800.0 and defaults["max_bytes"].default == 1 << 30
