"""The command line: train on digits end to end, evaluate, resume, config errors, gradcheck."""

import json

import numpy as np
import pytest

import layerwise
from layerwise.checkpoint import load_verified_json, save_verified_json
from layerwise.cli import main
from layerwise.app.config import ConfigError, TrainConfig, apply_overrides, load_config, parse_value


def _same_params(run_a, run_b):
    a, b = layerwise.load_model(run_a), layerwise.load_model(run_b)
    return a.params.keys() == b.params.keys() and all(np.array_equal(a.params[k], b.params[k]) for k in a.params)


def _stopped_after_one_of_three_epochs(out_dir):
    """``out_dir/run``: a 3-epoch run as it is after being stopped at the end of epoch 1."""
    assert main(["train", "--out-dir", str(out_dir), "--name", "run", "--quiet", "--set", "num_epochs=1",
                 "--set", "hidden_dims=[32]"]) == 0
    config_path = out_dir / "run" / "config.json"
    config = load_verified_json(config_path)
    config["config"]["num_epochs"] = 3
    save_verified_json(config_path, config)      # as if it had been started for 3 epochs
    (out_dir / "run" / "summary.json").unlink()


def _train(tmp_path, *extra):
    code = main(["train", "--out-dir", str(tmp_path), "--name", "run", "--quiet",
                 "--set", "num_epochs=3", "--set", "hidden_dims=[32]", *extra])
    assert code == 0
    return tmp_path / "run"


def test_train_writes_a_complete_run_directory(tmp_path):
    run = _train(tmp_path)
    for name in ("config.json", "metrics.jsonl", "checkpoint.json", "model.npz", "summary.json",
                 "report.html"):
        assert (run / name).is_file(), name
    config = json.loads((run / "config.json").read_text())
    assert config["config"]["hidden_dims"] == [32] and config["config"]["seed"] == 0
    metrics = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [m["epoch"] for m in metrics][-1] == 3
    summary = json.loads((run / "summary.json").read_text())
    assert summary["best_val_acc"] > 0.5          # 8x8 digits: 10 classes, chance is 0.1
    assert "best validation accuracy" in (run / "report.html").read_text()
    model = layerwise.load_model(run)
    assert model.params["W1"].shape == (64, 32) and model.preprocessing["mean_image"].shape == (1, 8, 8)


def test_same_seed_same_results(tmp_path):
    a = _train(tmp_path / "a")
    b = _train(tmp_path / "b")
    assert _same_params(a, b)


def test_evaluate_matches_summary(tmp_path, capsys):
    run = _train(tmp_path, "--set", "learning_rate=0.03")  # its best validation accuracy is not the last one
    assert main(["evaluate", str(run), "--split", "test"]) == 0
    printed = float(capsys.readouterr().out.strip().split()[-1])
    summary = json.loads((run / "summary.json").read_text())
    assert printed == pytest.approx(summary["test_acc"], abs=5e-5)  # printed to 4 places
    # the best parameters together with the batchnorm statistics of the same evaluation
    assert main(["evaluate", str(run), "--split", "val"]) == 0
    assert float(capsys.readouterr().out.strip().split()[-1]) == pytest.approx(summary["best_val_acc"], abs=5e-5)  # printed to 4 places


def test_resume_continues_to_the_same_result(tmp_path):
    full = _train(tmp_path / "full")
    partial = tmp_path / "partial"
    _stopped_after_one_of_three_epochs(partial)
    checkpoint = json.loads((partial / "run" / "checkpoint.json").read_text())
    assert checkpoint  # written by the first epoch
    assert main(["resume", str(partial / "run"), "--quiet"]) == 0
    assert _same_params(full, partial / "run")


def test_unknown_config_key_is_one_line_error(tmp_path, capsys):
    code = main(["train", "--out-dir", str(tmp_path), "--set", "learning_rat=1e-3"])
    assert code == 2
    err = capsys.readouterr().err
    assert "unknown config key 'learning_rat' (did you mean 'learning_rate'?)" in err
    assert "Traceback" not in err


def test_config_types_and_files(tmp_path):
    assert parse_value("1e-3") == 1e-3 and parse_value("[1, 2]") == [1, 2] and parse_value("none") is None
    config = apply_overrides(TrainConfig(), ["num_epochs=4", "weight_scale=0.01", "normalization=null"])
    assert config.num_epochs == 4 and config.weight_scale == 0.01 and config.normalization is None
    with pytest.raises(ConfigError, match="'num_epochs' expects int or null; got 'many'"):
        apply_overrides(TrainConfig(), ["num_epochs=many"])
    with pytest.raises(ConfigError, match="dataset must be one of"):
        apply_overrides(TrainConfig(), ["dataset=mnist"])
    (tmp_path / "c.toml").write_text('model = "two_layer"\nhidden_dims = [16]\n')
    assert load_config(tmp_path / "c.toml").model == "two_layer"
    (tmp_path / "c.yaml").write_text("learning_rate: 0.01\nbatch_size: 32\n")
    assert load_config(tmp_path / "c.yaml").batch_size == 32
    (tmp_path / "bad.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="must hold a mapping"):
        load_config(tmp_path / "bad.yaml")


def test_gradcheck_command_passes(capsys):
    assert main(["gradcheck"]) == 0
    out = capsys.readouterr().out
    assert "batchnorm" in out and "conv" in out and "FAILED" not in out


def test_experiment_list(capsys):
    assert main(["experiment", "--list"]) == 0
    assert "cifar10_mlp" in capsys.readouterr().out


def test_resume_of_a_copied_run_writes_only_into_the_copy(tmp_path, monkeypatch):
    import shutil

    full = _train(tmp_path / "full")
    original = tmp_path / "A"
    _stopped_after_one_of_three_epochs(original)
    copy = tmp_path / "C"
    shutil.copytree(original / "run", copy)
    before = {p.name: p.read_bytes() for p in (original / "run").iterdir()}
    elsewhere = tmp_path / "B"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)                    # another working directory

    assert main(["resume", str(copy), "--quiet"]) == 0
    assert {p.name: p.read_bytes() for p in (original / "run").iterdir()} == before   # untouched
    assert list(elsewhere.iterdir()) == []                                           # nothing written here
    from layerwise.checkpoint import load_checkpoint
    assert load_checkpoint(copy / "checkpoint")["epoch"] == 3
    assert _same_params(full, copy)


def _one_error_line(capsys):
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


def test_damaged_run_files_give_one_line_naming_the_file(tmp_path, capsys):
    run = _train(tmp_path)
    capsys.readouterr()
    model = run / "model.npz"
    model.write_bytes(model.read_bytes()[:200])                      # truncated
    assert main(["evaluate", str(run)]) == 2
    assert f"{model} is not a layerwise file or is corrupt or truncated" in _one_error_line(capsys)
    config = run / "config.json"
    config.write_text(config.read_text().replace('"seed": 0', '"seed": 1'))    # edited by hand
    assert main(["evaluate", str(run)]) == 2
    assert f"{config} has been modified or is corrupt" in _one_error_line(capsys)
    config.write_text('{"config": {"dataset": ')                      # cut off mid-write
    assert main(["evaluate", str(run)]) == 2
    assert f"{config} is damaged (not valid JSON" in _one_error_line(capsys)


def test_a_full_disk_and_a_huge_size_give_one_line(tmp_path, capsys, monkeypatch):
    import errno
    import os

    from layerwise.app import runs

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "fsync", full)                           # every atomic write ends with an fsync
    assert main(["train", "--out-dir", str(tmp_path), "--name", "full", "--quiet", "--set", "num_epochs=1"]) == 2
    assert "no space left on the device writing" in _one_error_line(capsys)
    monkeypatch.undo()

    def huge(*args, **kwargs):
        raise MemoryError
    monkeypatch.setattr(runs, "build_model", huge)
    assert main(["train", "--out-dir", str(tmp_path), "--name", "huge", "--quiet"]) == 2
    assert "out of memory: the requested sizes" in _one_error_line(capsys)
    with pytest.raises(MemoryError):                                 # --debug shows the traceback
        main(["--debug", "train", "--out-dir", str(tmp_path), "--name", "huge2", "--quiet"])


def test_a_bug_keeps_its_traceback(tmp_path, monkeypatch):
    from layerwise.app import runs

    def bug(*args, **kwargs):
        raise AttributeError("a bug")
    monkeypatch.setattr(runs, "build_model", bug)
    with pytest.raises(AttributeError, match="a bug"):
        main(["train", "--out-dir", str(tmp_path), "--quiet"])


def test_ctrl_c_names_the_run_to_resume(tmp_path, capsys, monkeypatch):
    from layerwise.solver import Solver

    def interrupted(self):
        raise KeyboardInterrupt
    monkeypatch.setattr(Solver, "train", interrupted)
    assert main(["train", "--out-dir", str(tmp_path), "--name", "stopped", "--quiet"]) == 130
    assert f"interrupted; `layerwise resume {tmp_path / 'stopped'}` continues" in capsys.readouterr().err


def test_a_loss_that_explodes_fails_the_run_but_keeps_the_last_good_state(tmp_path, capsys):
    assert main(["train", "--out-dir", str(tmp_path), "--name", "hot", "--quiet", "--set", "num_epochs=3",
                 "--set", "learning_rate=1000.0", "--set", "normalization=null"]) == 2
    err = _one_error_line(capsys)
    assert "over 100x its first value" in err and "training diverged" in err and str(tmp_path / "hot") in err
    summary = json.loads((tmp_path / "hot" / "summary.json").read_text())
    assert "over 100x its first value" in summary["diverged"]
    assert main(["evaluate", str(tmp_path / "hot")]) == 0      # the best parameters before it, still usable


def test_evaluate_prints_per_class_accuracy_and_draws_the_confusion_matrix(tmp_path, capsys):
    run = _train(tmp_path)
    capsys.readouterr()
    assert main(["evaluate", str(run), "--split", "test"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    per_class = {line.split()[0]: float(line.split()[1]) for line in lines[:10]}
    assert list(per_class) == [str(d) for d in range(10)] and all(0 <= a <= 1 for a in per_class.values())
    assert (run / "confusion_test.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    overall = float(lines[-1].split()[-1])
    assert min(per_class.values()) <= overall <= max(per_class.values())


def test_predict_classifies_image_files_and_arrays_like_the_model(tmp_path, capsys):
    from PIL import Image

    from layerwise.data import load_digits_data

    run = _train(tmp_path)
    capsys.readouterr()
    data = load_digits_data(seed=0)                              # the run's data: digits, seed 0
    pixels = np.rint((data["X_test"][:4] + data.mean_image) * 255).astype(np.uint8)  # back to 8-bit images
    Image.fromarray(pixels[0, 0]).save(tmp_path / "digit.png")
    np.save(tmp_path / "batch.npy", pixels[1:4, 0])                # (3, 8, 8): grey, no channel axis
    assert main(["predict", str(run), str(tmp_path / "digit.png"), str(tmp_path / "batch.npy"), "--top", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["digit.png", "batch.npy[0]", "batch.npy[1]", "batch.npy[2]"]
    model = layerwise.load_model(run)
    expected = model.predict(pixels.astype(np.float32) / 255 - data.mean_image)
    for line, label in zip(lines, expected):
        first, second = line.split(": ")[1].split(", ")
        assert first.split()[0] == str(label) and 1 >= float(first.split()[1]) >= float(second.split()[1]) >= 0
    np.save(tmp_path / "wrong.npy", np.zeros((2, 28, 28)))
    assert main(["predict", str(run), str(tmp_path / "wrong.npy")]) == 2
    assert "expected images of 1x8x8" in capsys.readouterr().err


def test_the_report_is_one_self_contained_page(tmp_path):
    import base64
    import re

    run = _train(tmp_path)
    page = (run / "report.html").read_text()
    sources = re.findall(r"<img src='([^']*)'", page)
    assert len(sources) >= 4                                   # curves, confusion, sample and misclassified images
    for src in sources:                                        # every image is inside the page, and a PNG
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    for text in ("Confusion matrix (test split)", "Accuracy per class (test split)", "parameters", " s;",
                 "the 8x8 digits shipped with layerwise", "Misclassified test images", "Sample test images"):
        assert text in page, text
    assert len(re.findall(r"<tr><td>\d</td><td>\d+</td><td>[01]\.\d{4}</td></tr>", page)) == 10  # per class


def test_resume_says_where_it_resumes_and_leaves_a_finished_run_alone(tmp_path, capsys):
    run = _train(tmp_path)
    summary = (run / "summary.json").read_bytes()
    capsys.readouterr()
    assert main(["resume", str(run), "--quiet"]) == 0
    assert f"{run} has finished" in capsys.readouterr().out and (run / "summary.json").read_bytes() == summary

    (run / "summary.json").unlink()                   # as if stopped after its last checkpoint
    (run / ".metrics.jsonl.x1y2z3.tmp").write_text("half a line")     # ... while writing a file
    config = load_verified_json(run / "config.json")
    config["config"]["num_epochs"] = 5                # ... of a longer run
    save_verified_json(run / "config.json", config)
    assert main(["resume", str(run), "--quiet"]) == 0
    assert f"resuming {run} at epoch 3 of 5" in capsys.readouterr().out
    assert not list(run.glob(".*.tmp"))               # the killed writer's temporary file is cleaned

    for path in run.glob("checkpoint*"):              # killed before its first checkpoint
        path.unlink()
    (run / "summary.json").unlink()
    assert main(["resume", str(run), "--quiet"]) == 0
    assert "stopped before its first checkpoint: training it from the start" in capsys.readouterr().out
    assert json.loads((run / "summary.json").read_text())["epochs"] == 5


def test_evaluate_refuses_other_data_than_the_run_was_trained_on(tmp_path, capsys):
    run = _train(tmp_path)
    config = load_verified_json(run / "config.json")
    assert len(config["data_fingerprint"]) == 16
    config["config"]["seed"] = 1                        # the digits split with another seed: other data
    save_verified_json(run / "config.json", config)
    capsys.readouterr()
    assert main(["evaluate", str(run)]) == 2
    assert "are not the data" in capsys.readouterr().err


def test_the_report_renders_in_a_browser_with_every_image(tmp_path, page_title_in_chromium):
    run = _train(tmp_path)
    assert page_title_in_chromium(run / "report.html") == "images:4 broken:0"


def test_a_missing_optional_dependency_is_one_line_naming_the_extra(tmp_path, capsys, monkeypatch):
    import sys

    run = _train(tmp_path)
    (tmp_path / "x.png").write_bytes(b"")
    monkeypatch.setitem(sys.modules, "PIL", None)
    capsys.readouterr()
    assert main(["predict", str(run), str(tmp_path / "x.png")]) == 2
    assert "reading image files needs Pillow: pip install 'layerwise[tools]'" in _one_error_line(capsys)


def test_a_tracked_run_is_in_mlflow_and_resume_goes_on_logging_into_it(tmp_path, capsys, monkeypatch):
    mlflow = pytest.importorskip("mlflow", reason="the mlflow extra is not installed")
    from layerwise.app.rundir import RunDirectory

    write_metrics = RunDirectory.write_metrics

    def stopped_after_epoch_two(self, history):
        write_metrics(self, history)
        if history[-1]["epoch"] == 2:
            raise KeyboardInterrupt
    monkeypatch.setattr(RunDirectory, "write_metrics", stopped_after_epoch_two)
    train = ["train", "--out-dir", str(tmp_path), "--name", "run", "--quiet", "--track", "mlflow",
             "--set", "num_epochs=4", "--set", "hidden_dims=[32]"]
    assert main(train) == 130
    tracking = load_verified_json(tmp_path / "run" / "tracking.json")
    assert tracking["tracking_uri"] == f"sqlite:///{tmp_path.resolve() / 'mlflow.db'}"   # beside the runs
    client = mlflow.MlflowClient(tracking["tracking_uri"])
    stopped = client.get_run(tracking["run_id"])
    assert stopped.info.status == "KILLED" and stopped.info.run_name == "run"
    assert stopped.data.params["hidden_dims"] == "[32]" and stopped.data.tags["dataset"] == "digits"
    assert "checkpoint.json" in [a.path for a in client.list_artifacts(tracking["run_id"])]

    monkeypatch.setattr(RunDirectory, "write_metrics", write_metrics)
    assert main(["resume", str(tmp_path / "run"), "--quiet"]) == 0
    run = client.get_run(tracking["run_id"])
    assert run.info.status == "FINISHED"
    epochs = [m.value for m in client.get_metric_history(tracking["run_id"], "epoch")]
    assert epochs == [0, 1, 2, 3, 4]                       # each evaluation once, before and after the stop
    summary = load_verified_json(tmp_path / "run" / "summary.json")
    assert run.data.metrics["best_val_acc"] == pytest.approx(summary["best_val_acc"])
    artifacts = {a.path for a in client.list_artifacts(tracking["run_id"])}
    assert {"model.npz", "report.html", "summary.json", "metrics.jsonl"} <= artifacts
    capsys.readouterr()
    assert main(["runs", str(tmp_path)]) == 0              # MLflow's copies of the run are not runs
    assert capsys.readouterr().out.count("finished") == 1


def test_tracking_without_mlflow_is_one_line_naming_the_extra(tmp_path, capsys, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "mlflow.tracking", None)
    assert main(["train", "--out-dir", str(tmp_path), "--quiet", "--track", "mlflow"]) == 2
    assert capsys.readouterr().err.strip() == \
        "layerwise train: error: tracking needs MLflow: pip install 'layerwise[mlflow]'"
    assert list(tmp_path.iterdir()) == []                   # refused before a run directory was made
