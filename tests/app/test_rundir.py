"""One object owns a run directory: runs moved or copied resume where they are, every file is verified."""

import shutil
from pathlib import Path

import numpy as np
import pytest

import layerwise
from layerwise.app.rundir import RunDirectory
from layerwise.checkpoint import CheckpointError, load_verified_json, save_verified_json
from layerwise.cli import main


def _files(folder):
    """Every file under ``folder`` with its bytes."""
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _same_params(run_a, run_b):
    a, b = layerwise.load_model(run_a), layerwise.load_model(run_b)
    return a.params.keys() == b.params.keys() and all(np.array_equal(a.params[k], b.params[k]) for k in a.params)


def _stopped_run(out_dir, name="a"):
    """``out_dir/name``: a 3-epoch run as it is when stopped after its checkpoint of epoch 1."""
    assert main(["train", "--out-dir", str(out_dir), "--name", name, "--quiet",
                 "--set", "num_epochs=1", "--set", "hidden_dims=[24]"]) == 0
    run = RunDirectory.open(out_dir / name)
    config = run.read_config()
    config["config"]["num_epochs"] = 3
    save_verified_json(run.file(run.CONFIG), config)
    run.file(run.SUMMARY).unlink()
    run.file(run.MODEL).unlink()
    return run.path


def test_a_copied_run_resumed_from_elsewhere_writes_only_inside_the_copy(tmp_path, monkeypatch):
    (tmp_path / "A").mkdir()
    monkeypatch.chdir(tmp_path / "A")
    original = _stopped_run(Path("runs")).resolve()       # a relative --out-dir, as users type it
    before = _files(original)
    copy = tmp_path / "C"
    shutil.copytree(original, copy)
    (tmp_path / "B").mkdir()
    monkeypatch.chdir(tmp_path / "B")

    assert main(["resume", str(copy), "--quiet"]) == 0
    assert _files(original) == before                      # the original is untouched
    assert not list((tmp_path / "B").iterdir())            # nothing written in the working directory
    assert RunDirectory.open(copy).read_summary()["epochs"] == 3

    monkeypatch.chdir(tmp_path)
    assert main(["train", "--out-dir", "full", "--name", "a", "--quiet", "--set", "num_epochs=3",
                 "--set", "hidden_dims=[24]"]) == 0
    assert _same_params(copy, tmp_path / "full" / "a")     # the copy ends as an uninterrupted run
    assert main(["evaluate", str(copy)]) == 0


def test_a_moved_run_resumes_and_the_old_path_is_not_recreated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    original = _stopped_run(tmp_path / "runs")
    moved = tmp_path / "elsewhere" / "moved"
    moved.parent.mkdir()
    original.rename(moved)
    assert main(["resume", str(moved), "--quiet"]) == 0
    assert not original.exists()
    assert RunDirectory.open(moved).finished()


@pytest.mark.parametrize("name", [RunDirectory.CONFIG, RunDirectory.SUMMARY])
def test_an_edited_json_file_is_refused_naming_it(tmp_path, name):
    assert main(["train", "--out-dir", str(tmp_path), "--name", "a", "--quiet", "--set", "num_epochs=1"]) == 0
    run = RunDirectory.open(tmp_path / "a")
    path = run.file(name)
    text = path.read_text()
    edited = text.replace('"num_epochs": 1', '"num_epochs": 7') if name == run.CONFIG else \
        text.replace('"epochs": 1', '"epochs": 7')
    assert edited != text
    path.write_text(edited)
    with pytest.raises(CheckpointError, match=f"^{path} has been modified or is corrupt"):
        load_verified_json(path)


def test_opening_a_folder_that_is_not_a_run(tmp_path):
    with pytest.raises(FileNotFoundError, match=f"{tmp_path} is not a run directory: {tmp_path / 'config.json'}"):
        RunDirectory.open(tmp_path)


def test_unused_names_count_up_and_create_refuses_an_existing_folder(tmp_path):
    first = RunDirectory.unused(tmp_path, "r")
    assert first.path == tmp_path / "r" and not first.path.exists()
    first.create({"config": {}})
    second = RunDirectory.unused(tmp_path, "r")
    assert second.path == tmp_path / "r-2"
    with pytest.raises(FileExistsError):
        first.create({"config": {}})
    assert first.read_config() == {"config": {}}


def test_an_unfinished_run_says_how_to_finish_it(tmp_path):
    run = RunDirectory.unused(tmp_path, "r")
    run.create({"config": {}})
    assert not run.finished() and not run.has_checkpoint()
    with pytest.raises(FileNotFoundError, match=r"model.npz is missing: the run has not finished \(`layerwise resume"):
        run.load_model()


def test_temporaries_of_a_killed_writer_are_removed(tmp_path):
    run = RunDirectory.unused(tmp_path, "r")
    run.create({"config": {}})
    (run.path / ".summary.json.abc123.tmp").write_text("{")
    (run.path / "keep.txt").write_text("mine")
    assert run.remove_temporaries() == [".summary.json.abc123.tmp"]
    assert sorted(p.name for p in run.path.iterdir()) == ["config.json", "keep.txt"]
