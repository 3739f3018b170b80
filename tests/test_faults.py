"""Fault injection: a real `layerwise train` killed at 20 points, every stored file corrupted, malicious pickles.

The other faults have modules of their own: a misbehaving HTTP server in
``tests/data/test_faulty_server.py`` and the table of bad inputs in
``tests/test_bad_inputs.py``.
"""

import json
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

import layerwise
from layerwise.app.rundir import RunDirectory
from layerwise.cli import main
from layerwise.data import clear_cache, write_fake_cifar10

TRAIN = ["--quiet", "--set", "num_epochs=6", "--set", "hidden_dims=[32]", "--set", "seed=3"]

# Runs `layerwise` with every rename of a finished file (each atomic write ends with one) counted, and
# SIGKILLs itself just before or just after the K-th: a kill inside a write, at an exact point.
_DRIVER = """
import os, signal, sys
from layerwise.cli import main
kill_at, when, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
count = 0
def counted(real):
    def rename(src, dst, *args, **kwargs):
        global count
        count += 1
        with open(log, "a") as f:
            f.write(os.path.basename(str(dst)) + "\\n")
        if count == kill_at and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        real(src, dst, *args, **kwargs)
        if count == kill_at and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
    return rename
os.replace, os.rename = counted(os.replace), counted(os.rename)
sys.exit(main(sys.argv[4:]))
"""


def _drive(tmp, kill_at, when, out_dir):
    driver, log = tmp / "driver.py", tmp / f"renames-{kill_at}-{when}.log"
    driver.write_text(_DRIVER)
    proc = subprocess.run([sys.executable, str(driver), str(kill_at), when, str(log),
                           "train", "--out-dir", str(out_dir), "--name", "run", *TRAIN],
                          capture_output=True, text=True, timeout=120)
    return proc, log.read_text().split() if log.exists() else []


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run, and the names of the files its renames completed, in order."""
    tmp = tmp_path_factory.mktemp("reference")
    proc, renames = _drive(tmp, 0, "never", tmp / "out")
    assert proc.returncode == 0, proc.stderr
    return tmp / "out" / "run", renames


def _unhashed(names):
    """File names without the content hash that names each checkpoint's arrays file."""
    return [re.sub(r"-[0-9a-f]{12}\.npz$", ".npz", name) for name in names]


def _arrays_file(run):
    """The arrays file the run's checkpoint.json refers to (a stale one may lie beside it)."""
    return run / json.loads((run / "checkpoint.json").read_text())["arrays"]


def _same_run(run, reference_run):
    a, b = layerwise.load_model(run), layerwise.load_model(reference_run)
    assert a.params.keys() == b.params.keys()
    for key in a.params:
        assert np.array_equal(a.params[key], b.params[key]), key
    for key, value in RunDirectory.open(reference_run).read_summary().items():
        if key != "train_seconds":
            assert RunDirectory.open(run).read_summary()[key] == value, key


def _recover(out_dir, capsys):
    """What a user does after a crash: `layerwise resume RUN`, or `train` again if no run directory was made."""
    run = out_dir / "run"
    if run.exists():
        assert main(["resume", str(run), "--quiet"]) == 0, capsys.readouterr().err
    else:
        assert main(["train", "--out-dir", str(out_dir), "--name", "run", *TRAIN]) == 0
    assert not [p.name for p in out_dir.rglob("*.tmp")], "a temporary file survived the next start"
    assert sorted(p.name for p in out_dir.iterdir()) == ["run"]
    return run


# 16 kills at renames spread over the run (before a rename: the temporary file is complete but not in place;
# after: the file is in place but the next one, e.g. checkpoint.json after its arrays, is not)...
_RENAME_KILLS = [(fraction, when) for fraction, when in
                 zip(np.linspace(0, 1, 16), ["before", "after"] * 8)]


@pytest.mark.parametrize("fraction, when", _RENAME_KILLS,
                         ids=[f"{when}-rename-at-{fraction:.2f}" for fraction, when in _RENAME_KILLS])
def test_killed_during_a_write_resumes_bit_identical(tmp_path, capsys, reference, fraction, when):
    reference_run, renames = reference
    kill_at = 1 + round(fraction * (len(renames) - 1))
    proc, done = _drive(tmp_path, kill_at, when, tmp_path / "out")
    assert proc.returncode == -signal.SIGKILL, f"not killed at rename {kill_at} ({renames[kill_at - 1]})"
    assert _unhashed(done) == _unhashed(renames[:kill_at])
    _same_run(_recover(tmp_path / "out", capsys), reference_run)


# ...and 4 kills of `python -m layerwise train` by the clock: at start-up, and once epochs 1, 3 and 5
# are checkpointed, wherever the process then is.
@pytest.mark.parametrize("epoch", [0, 1, 3, 5], ids=lambda e: f"after-epoch-{e}" if e else "at-start-up")
def test_killed_by_the_clock_resumes_bit_identical(tmp_path, capsys, reference, epoch):
    out_dir = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "layerwise", "train", "--out-dir", str(out_dir), "--name", "run",
                             *TRAIN], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoint = out_dir / "run" / "checkpoint.json"
    try:
        deadline = time.time() + 60
        while epoch and time.time() < deadline and proc.poll() is None:
            try:
                if json.loads(checkpoint.read_text())["state"]["epoch"] >= epoch:
                    break
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    _same_run(_recover(out_dir, capsys), reference[0])


# --------------------------------------------------------------------------- corrupted files

def _truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _append(path):
    path.write_bytes(path.read_bytes() + b"\x00garbage")


def _empty(path):
    path.write_bytes(b"")


def _edit_value(path):
    """A plausible edit: JSON with one number changed, or an archive with one array changed (still valid files)."""
    if path.suffix == ".json":
        doc = json.loads(path.read_text())
        text = json.dumps(doc)
        for old, new in (('"epoch": 3', '"epoch": 5'), ('"num_epochs": 6', '"num_epochs": 60'),
                         ('"epochs": 6', '"epochs": 60')):
            if old in text:
                path.write_text(text.replace(old, new))
                return
        raise AssertionError(f"nothing to edit in {path}")
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k].copy() for k in npz.files}
    key = next(k for k in sorted(arrays) if arrays[k].dtype.kind == "f" and arrays[k].size)
    arrays[key].flat[0] += 1.0
    np.savez(path, **arrays)


def _delete(path):
    path.unlink()


_CORRUPTIONS = {"truncate": _truncate, "flip-byte": _flip_byte, "append": _append, "empty": _empty,
                "edit-value": _edit_value, "delete": _delete}


@pytest.fixture(scope="module")
def finished_and_stopped(tmp_path_factory, reference):
    """A finished run, and the same run stopped after the checkpoint of epoch 3 (both pristine copies)."""
    tmp = tmp_path_factory.mktemp("runs")
    shutil.copytree(reference[0], tmp / "finished")
    _, renames = reference
    third_checkpoint = [i for i, name in enumerate(renames, 1) if name == "checkpoint.json"][2]
    proc, _ = _drive(tmp, third_checkpoint, "after", tmp / "stopped-out")
    assert proc.returncode == -signal.SIGKILL
    return tmp / "finished", tmp / "stopped-out" / "run"


# (file, the run it is damaged in, the command that reads it)
_STORED_FILES = [("config.json", "finished", "evaluate"), ("summary.json", "finished", "resume"),
                 ("model.npz", "finished", "evaluate"), ("config.json", "stopped", "resume"),
                 ("checkpoint.json", "stopped", "resume"), ("checkpoint.arrays", "stopped", "resume")]
_CASES = [(f, run, cmd, c) for f, run, cmd in _STORED_FILES for c in _CORRUPTIONS
          if not (c == "delete" and f in ("summary.json", "checkpoint.json"))]   # those deletions are recoveries


@pytest.mark.parametrize("name, which, command, corruption", _CASES,
                         ids=[f"{c}-{f}-{w}" for f, w, _, c in _CASES])
def test_every_corruption_of_every_stored_file_is_one_line_naming_it(tmp_path, capsys, finished_and_stopped,
                                                                      name, which, command, corruption):
    source = dict(zip(("finished", "stopped"), finished_and_stopped))[which]
    run = tmp_path / "run"
    shutil.copytree(source, run)
    path = _arrays_file(run) if name == "checkpoint.arrays" else run / name
    before = {p.name: p.read_bytes() for p in run.iterdir() if p != path}
    _CORRUPTIONS[corruption](path)
    capsys.readouterr()
    if corruption == "append" and name == "model.npz":
        # bytes after a zip archive's end are outside it: the state read is the one written, intact
        assert main([command, str(run), "--quiet"] if command == "resume" else [command, str(run)]) == 0
        return
    assert main([command, str(run), "--quiet"] if command == "resume" else [command, str(run)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"layerwise {command}: error: ") and str(path) in err, err
    assert any(word in err for word in ("corrupt", "damaged", "modified", "missing", "truncated")), err
    # nothing was overwritten with the damaged state
    assert {p.name: p.read_bytes() for p in run.iterdir() if p.name in before} == before


def test_deleting_the_summary_or_the_checkpoint_is_recovered(tmp_path, capsys, finished_and_stopped, reference):
    finished, stopped = finished_and_stopped
    for source, name in ((finished, "summary.json"), (stopped, "checkpoint.json")):
        run = tmp_path / name
        shutil.copytree(source, run)
        (run / name).unlink()
        assert main(["resume", str(run), "--quiet"]) == 0
        _same_run(run, reference[0])


# --------------------------------------------------------------------------- malicious pickles

class _Payload:
    """Unpickling this calls ``func(*args)``: what a malicious data file does."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _pickles(marker):
    import builtins

    touch = f"open({str(marker)!r}, 'w').close()"
    return {
        "os.system-p0": (pickle.dumps(_Payload(os.system, f"touch {marker}"), protocol=0), r"(posix|os)\.system"),
        "os.system-p2": (pickle.dumps(_Payload(os.system, f"touch {marker}"), protocol=2), r"(posix|os)\.system"),
        "os.system-p5": (pickle.dumps(_Payload(os.system, f"touch {marker}"), protocol=5), r"(posix|os)\.system"),
        "subprocess.call": (pickle.dumps(_Payload(subprocess.call, ["touch", str(marker)]), protocol=2),
                            r"(subprocess|commands)\.call"),
        "builtins.eval": (pickle.dumps(_Payload(builtins.eval, touch), protocol=4), r"builtins\.eval"),
        "builtins.exec": (pickle.dumps(_Payload(builtins.exec, touch), protocol=4), r"builtins\.exec"),
        "builtins.getattr": (pickle.dumps(_Payload(getattr, "text", "upper"), protocol=4), r"builtins\.getattr"),
        "shutil.rmtree": (pickle.dumps(_Payload(shutil.rmtree, str(marker.parent / "nothing")), protocol=2),
                          r"shutil\.rmtree"),
        "pickle.loads-nested": (pickle.dumps(_Payload(pickle.loads, pickle.dumps(_Payload(os.system, "true"))),
                                             protocol=2), r"(_?pickle)\.loads"),
        "in-the-labels": (pickle.dumps({b"data": np.zeros((2, 3072), np.uint8),
                                        b"labels": _Payload(os.system, f"touch {marker}")}, protocol=2),
                          r"(posix|os)\.system"),
        "numpy.load": (pickle.dumps(_Payload(np.load, str(marker)), protocol=2), r"numpy\.load"),
    }


_PICKLE_IDS = list(_pickles(Path("/nonexistent")))


@pytest.mark.parametrize("payload", _PICKLE_IDS)
def test_a_malicious_cifar_batch_is_refused_and_nothing_runs(tmp_path, capsys, payload):
    marker = tmp_path / "ran"
    blob, global_name = _pickles(marker)[payload]
    write_fake_cifar10(tmp_path / "data", num_per_batch=20, seed=0, archive=False)
    folder = next((tmp_path / "data").rglob("data_batch_1")).parent
    (folder / "data_batch_1").write_bytes(blob)
    clear_cache()
    code = main(["train", "--out-dir", str(tmp_path / "out"), "--quiet", "--set", "dataset=cifar10",
                 "--set", f"data_root={tmp_path / 'data'}", "--set", "num_epochs=1"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert re.search(rf"refusing to load global '{global_name}' from \S+/data_batch_1: ", err), err
    assert not marker.exists() and not (tmp_path / "out").exists()


def _object_array_npz(path, marker):
    """An .npz whose array is a pickled object array: loading it with pickles allowed runs the payload."""
    with zipfile.ZipFile(path, "w") as archive:
        with archive.open("W1.npy", "w") as member:
            np.lib.format.write_array(member, np.array([_Payload(os.system, f"touch {marker}")], dtype=object),
                                      allow_pickle=True)


@pytest.mark.parametrize("target", ["model.npz", "checkpoint.arrays"])
def test_object_arrays_in_stored_archives_are_refused_and_nothing_runs(tmp_path, capsys, finished_and_stopped,
                                                                       target):
    marker = tmp_path / "ran"
    finished, stopped = finished_and_stopped
    run = tmp_path / "run"
    shutil.copytree(finished if target == "model.npz" else stopped, run)
    path = run / "model.npz" if target == "model.npz" else _arrays_file(run)
    _object_array_npz(path, marker)
    command = ["evaluate", str(run)] if target == "model.npz" else ["resume", str(run), "--quiet"]
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and "Traceback" not in err, err
    assert "allow_pickle" not in err, err     # never NumPy's advice to load it with pickling on
    if target == "model.npz":
        assert "holds pickled Python objects, which layerwise never loads" in err, err
    else:                                     # the arrays' recorded SHA-256 refuses it before NumPy reads it
        assert "do not match the SHA-256" in err, err
    assert not marker.exists()
    with pytest.raises(ValueError, match="allow_pickle"):    # the file does hold a pickle: the test is real
        np.load(path, allow_pickle=False)["W1"]
