"""The classic course experiments: each runs with --quick on the digits, writes its plots and sensible numbers."""

import json

import numpy as np
import pytest

from layerwise.experiments import batchnorm_init, dropout, init_depth, label_noise, optimizers, overfit, two_layer_net

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CLASSIC = ("optimizers", "batchnorm_init", "dropout", "init_depth", "overfit", "label_noise", "two_layer_net")


def _run(module, tmp_path, *extra):
    """Run ``module.main`` quickly on digits; returns (exit code, results.json, printed text)."""
    pytest.importorskip("matplotlib")
    code = module.main(["--quick", "--out", str(tmp_path), *extra])
    return code, json.loads((tmp_path / "results.json").read_text())


def _is_png(path):
    return path.is_file() and path.read_bytes()[:8] == PNG_SIGNATURE


def test_experiments_are_listed_with_their_summaries(capsys):
    from layerwise.cli import main
    assert main(["experiment", "--list"]) == 0
    listing = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line.strip()}
    for name in CLASSIC:
        assert name in listing and len(listing[name].split()) > 3, listing.get(name)


def test_optimizers(tmp_path, capsys):
    code, results = _run(optimizers, tmp_path)
    assert code == 0
    for name in ("optimizers_loss.png", "optimizers_train_acc.png", "optimizers_val_acc.png"):
        assert _is_png(tmp_path / name), name
    runs = results["runs"]
    assert list(runs) == ["sgd", "sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam"]
    iterations = results["num_epochs"] * (1197 // results["batch_size"])          # 1197 digits for training
    for rule, r in runs.items():
        assert len(r["loss_history"]) == iterations and not r["diverged"]
        assert len(r["val_acc_history"]) == results["num_epochs"] + 1           # after iteration 1, every epoch
        assert r["learning_rate"] == optimizers.LEARNING_RATES[rule]
    # With a small weight scale plain SGD barely moves in 3 epochs; momentum and Adam do.
    assert runs["sgd"]["final_loss"] > 2.2                                      # ~ln(10): still guessing
    assert runs["sgd_momentum"]["final_loss"] < runs["sgd"]["final_loss"]
    assert runs["adam"]["final_loss"] < runs["sgd"]["final_loss"] - 0.5
    assert runs["adam"]["val_acc"] > 0.5
    out = capsys.readouterr().out
    assert "adam" in out and " s" in out                                        # table with wall times


def test_optimizers_rejects_unknown_rules(tmp_path):
    with pytest.raises(SystemExit) as exc:
        optimizers.main(["--rules", "sgd,adamax", "--out", str(tmp_path)])
    assert exc.value.code == 2


def test_batchnorm_init(tmp_path):
    code, results = _run(batchnorm_init, tmp_path)
    assert code == 0 and _is_png(tmp_path / "batchnorm_init.png")
    base, bn = results["runs"]["baseline"], results["runs"]["batchnorm"]
    scales = [r["weight_scale"] for r in base]
    assert scales == pytest.approx(np.logspace(-4, 0, 5).tolist())
    # Tiny weights: the plain 8-layer net's signal vanishes (chance accuracy); batchnorm rescues it.
    assert base[0]["best_val_acc"] < 0.2
    assert bn[0]["best_val_acc"] > base[0]["best_val_acc"] + 0.15
    assert np.mean([r["best_val_acc"] for r in bn]) > np.mean([r["best_val_acc"] for r in base]) + 0.2
    # Weights of scale 1 through 8 layers: the plain net's loss explodes, batchnorm keeps it sane.
    assert base[-1]["final_loss"] is None or base[-1]["final_loss"] > 100
    assert bn[-1]["final_loss"] < 100
    # The fixed-scale comparison: both nets' curves, drawn together.
    assert _is_png(tmp_path / "batchnorm_curves.png")
    curves = results["curves"]
    assert list(curves) == ["baseline", "batchnorm"]
    for hist in curves.values():
        assert len(hist["train_acc_history"]) == len(hist["val_acc_history"]) == 3  # epoch 0 and two epochs
        assert len(hist["loss_history"]) > 0


def test_dropout(tmp_path):
    code, results = _run(dropout, tmp_path)
    assert code == 0 and _is_png(tmp_path / "dropout.png")
    runs = results["runs"]
    assert [r["keep_ratio"] for r in runs.values()] == [1, 0.5, 0.25]
    no_dropout = runs["no dropout"]
    # 100 training images: the plain net fits them better than it generalizes.
    assert no_dropout["train_acc"] > no_dropout["val_acc"]
    for r in runs.values():
        assert r["gap"] == pytest.approx(r["train_acc"] - r["val_acc"])
        assert len(r["train_acc_history"]) == results["num_epochs"] + 1
        assert r["val_acc"] > 0.5                                                  # all of them learn


def test_dropout_rejects_bad_keep_ratios(tmp_path, capsys):
    with pytest.raises(SystemExit):
        dropout.main(["--keep", "1,0", "--out", str(tmp_path)])
    assert "keep probabilities in (0, 1]" in capsys.readouterr().err


def test_init_depth(tmp_path):
    code, results = _run(init_depth, tmp_path)
    assert code == 0
    assert _is_png(tmp_path / "init_depth.png") and _is_png(tmp_path / "init_depth_scales.png")
    three, five = results["runs"]["3-layer"], results["runs"]["5-layer"]
    for r in (three, five):
        grid = np.array([[np.nan if v is None else v for v in row] for row in r["train_acc"]])
        assert grid.shape == (3, 4)
        assert r["cells_at_100"] == int(np.sum(grid == 1.0))
        assert r["cells_diverged"] == int(np.isnan(grid).sum())
        # weight scale 1e-3: the signal vanishes, nothing beyond chance on 50 images
        assert np.nanmax(grid[:, 0]) <= 0.2
    assert three["cells_at_100"] >= 1
    assert three["cells_at_100"] >= five["cells_at_100"]                        # the deeper net is pickier


def test_overfit_reaches_full_training_accuracy(tmp_path, capsys):
    code, results = _run(overfit, tmp_path)
    assert code == 0 and _is_png(tmp_path / "overfit.png")
    assert results["num_examples"] == 50
    for name in ("3-layer", "5-layer"):
        r = results["runs"][name]
        assert r["train_acc"] == 1.0 and not r["diverged"]
        assert r["final_loss"] < 0.2
        assert r["val_acc"] < 0.9                                                  # memorized, not learned
        assert 1 <= r["epoch_reached_100"] <= results["num_epochs"]
    assert "sanity check passed" in capsys.readouterr().out


def test_overfit_reports_a_failed_check(tmp_path, capsys):
    code, results = _run(overfit, tmp_path, "--epochs", "1")          # 2 iterations cannot memorize 50 images
    assert code == 1
    assert all(r["train_acc"] < 1.0 for r in results["runs"].values())
    assert "sanity check FAILED: 3-layer, 5-layer" in capsys.readouterr().out


def test_label_noise(tmp_path):
    code, results = _run(label_noise, tmp_path)
    assert code == 0 and _is_png(tmp_path / "label_noise.png")
    runs = results["runs"]
    assert list(runs) == ["0", "0.5", "1"]
    # A randomized label keeps its true value with probability 1/10.
    assert runs["0"]["labels_changed"] == 0
    assert runs["0.5"]["labels_changed"] == pytest.approx(0.5 * 0.9, abs=0.05)
    assert runs["1"]["labels_changed"] == pytest.approx(0.9, abs=0.05)
    assert runs["0"]["test_acc"] > 0.9
    assert runs["0"]["test_acc"] > runs["0.5"]["test_acc"] > runs["1"]["test_acc"]
    assert runs["1"]["test_acc"] < 0.3                                             # nothing left to learn
    assert runs["0"]["train_acc_true"] == runs["0"]["train_acc_noisy"]


def test_randomize_labels():
    y = np.arange(10_000) % 10
    assert np.array_equal(label_noise.randomize_labels(y, 0.0, 10), y)
    noisy = label_noise.randomize_labels(y, 1.0, 10, seed=1)
    assert noisy.dtype == y.dtype and noisy.min() >= 0 and noisy.max() <= 9
    assert np.mean(noisy != y) == pytest.approx(0.9, abs=0.02)
    assert np.bincount(noisy, minlength=10) == pytest.approx(np.full(10, 1000), abs=150)   # uniform labels
    partial = label_noise.randomize_labels(y, 0.3, 10, seed=1)
    assert np.mean(partial != y) == pytest.approx(0.3 * 0.9, abs=0.02)
    assert np.array_equal(partial, label_noise.randomize_labels(y, 0.3, 10, seed=1))      # seeded
    with pytest.raises(ValueError, match=r"fraction of randomized labels must be in \[0, 1\], got 1.5"):
        label_noise.randomize_labels(y, 1.5, 10)


def test_two_layer_net_sub_optimal_vs_tuned(tmp_path):
    code, results = _run(two_layer_net, tmp_path)
    assert code == 0
    for name in ("two_layer_net_weights.png", "two_layer_net_curves.png"):
        assert _is_png(tmp_path / name), name
    sub, tuned = results["runs"]["sub-optimal"], results["runs"]["tuned"]
    assert results["num_iters"] == 100 and len(sub["loss_history"]) == 100
    assert sub["val_acc"] < 0.2 < 0.5 < tuned["val_acc"]     # 100 iterations: chance vs well on the way
    assert tuned["loss_history"][-1] < sub["loss_history"][-1] - 0.5
