"""The restricted unpickler admits CIFAR's data and nothing that can run code."""

import builtins
import io
import os
import pickle
import subprocess
import warnings

import numpy as np
import pytest

from layerwise.data import RestrictedUnpickler, UnsafePickleError, restricted_load, restricted_loads


def test_is_a_pickle_unpickler_subclass():
    assert issubclass(RestrictedUnpickler, pickle.Unpickler)
    assert issubclass(UnsafePickleError, pickle.UnpicklingError)


def test_round_trips_cifar_like_content():
    x = np.arange(2 * 3072, dtype=np.uint8).reshape(2, 3072)
    d = {b"data": x, b"labels": [3, 9], b"batch_label": b"training batch 1 of 5", b"filenames": [b"a.png", b""]}
    for protocol in (2, 3, 4):
        out = restricted_loads(pickle.dumps(d, protocol=protocol))
        assert set(out) == set(d)
        np.testing.assert_array_equal(out[b"data"], x)
        assert out[b"data"].dtype == np.uint8
        assert out[b"labels"] == [3, 9] and out[b"filenames"] == [b"a.png", b""]


def test_reads_numpy1_global_name_without_importing_numpy_core():
    """The official files name numpy.core.multiarray._reconstruct (NumPy 1 spelling)."""
    x = np.arange(12, dtype=np.uint8).reshape(3, 4)
    blob = pickle.dumps({b"data": x}, protocol=2)
    old = blob.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    assert b"numpy.core.multiarray\n_reconstruct" in old
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy 2 warns when numpy.core is touched
        out = restricted_loads(old)
    np.testing.assert_array_equal(out[b"data"], x)


def test_python2_strings_come_back_as_bytes():
    # Hand-assembled protocol-2 pickle of {'data': 5} as Python 2 writes it (SHORT_BINSTRING key).
    blob = b"\x80\x02}q\x00U\x04dataq\x01K\x05s."
    assert restricted_loads(blob) == {b"data": 5}


class _Evil:
    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _touch(path):  # a global of this test module: also refused
    open(path, "w").close()


@pytest.mark.parametrize("protocol", [0, 2, 4])
def test_os_system_is_refused_and_nothing_runs(tmp_path, protocol):
    marker = tmp_path / "ran"
    blob = pickle.dumps({b"data": _Evil(os.system, f"touch {marker}")}, protocol=protocol)
    with pytest.raises(UnsafePickleError, match=r"refusing to load global '(posix|nt|os)\.system' from evil\.pkl"):
        restricted_loads(blob, source="evil.pkl")
    assert not marker.exists()
    # ...while plain pickle would indeed have run it: the test above tests something real.
    pickle.loads(blob)
    assert marker.exists()


@pytest.mark.parametrize(
    "payload, name",
    [
        # protocol 2 writes Python 2 module names
        (lambda m: _Evil(subprocess.call, ["touch", str(m)]), r"(subprocess|commands)\.call"),
        (lambda m: _Evil(builtins.eval, f"open({str(m)!r}, 'w')"), r"(builtins|__builtin__)\.eval"),
        (lambda m: _Evil(_touch, str(m)), r"([\w.]*\.)?test_safe_pickle\._touch"),
        (lambda m: _Evil(np.load, str(m)), r"numpy\.load"),
    ],
)
def test_other_callables_are_refused(tmp_path, payload, name):
    marker = tmp_path / "ran"
    blob = pickle.dumps([1, payload(marker)], protocol=2)
    with pytest.raises(pickle.UnpicklingError, match=rf"refusing to load global '{name}'"):
        restricted_load(io.BytesIO(blob))
    assert not marker.exists()


def test_codecs_stand_in_only_decodes_latin1_text():
    import _codecs

    blob = pickle.dumps(_Evil(_codecs.encode, "abc", "rot13"), protocol=2)
    with pytest.raises(UnsafePickleError, match=r"only the latin-1 encoding"):
        restricted_loads(blob)


def test_bytes_stand_in_refuses_arguments():
    blob = pickle.dumps(_Evil(bytes, 10**12), protocol=2)  # would allocate a terabyte
    with pytest.raises(UnsafePickleError, match=r"only bytes\(\) is allowed"):
        restricted_loads(blob)
