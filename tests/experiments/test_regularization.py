"""The regularization experiment: figures, summary, weight decay == L2 for SGD, dataset choice, quick run."""

import json
import os

import numpy as np
import pytest

from layerwise.experiments import regularization

pytest.importorskip("matplotlib")


def _tiny_data(seed=0):
    rng = np.random.default_rng(seed)

    def split(n):
        y = rng.integers(3, size=n)
        X = rng.standard_normal((n, 4, 4, 3)).astype(np.float32) * 0.3
        X[np.arange(n), 0, 0, y] += 2.0  # a learnable signal
        return X, y

    (X_train, y_train), (X_val, y_val) = split(48), split(24)
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}


def test_run_experiment_writes_figures_and_summary(tmp_path):
    lines = []
    summary = regularization.run_experiment(_tiny_data(), 3, tmp_path, epochs=2, baseline_epochs=2, batch_size=16,
                                            hidden_dim=8, dataset="synthetic", log=lines.append)
    names = ["baseline_accuracy", "weight_decay_vs_l2_sgd_val_acc", "weight_decay_vs_l2_sgd_train_acc",
             "weight_decay_vs_l2_adam_val_acc", "weight_decay_vs_l2_adam_train_acc", "l1_vs_l2_val_acc",
             "l1_vs_l2_loss", "l1_vs_l2_fc1_weights"]
    assert sorted(summary["figures"]) == sorted(names)
    for name in names:
        with open(tmp_path / f"{name}.png", "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n", name
    assert any(line.startswith("figure ") and "s of training" in line for line in lines)
    # SGD: weight decay and the matching L2 penalty give the same weights (to rounding); Adam: they do not.
    assert summary["sgd_max_weight_difference"] < 1e-5
    assert summary["adam_max_weight_difference"] > 1e-4
    sgd = [v for k, v in summary["runs"].items() if k.startswith("sgd")]
    assert sgd[0]["final_val_acc"] == sgd[1]["final_val_acc"]
    on_disk = json.loads((tmp_path / "results.json").read_text())
    assert on_disk["runs"].keys() == summary["runs"].keys()
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


def test_auto_prefers_cifar100_when_its_archive_is_present(tmp_path):
    from layerwise.data import cifar100_available

    assert not cifar100_available(tmp_path)
    (tmp_path / "cifar-100-python.tar.gz").write_bytes(b"")
    assert cifar100_available(tmp_path)


def test_missing_data_is_one_line(tmp_path, capsys):
    from layerwise.cli import main

    assert main(["experiment", "regularization", "--dataset", "cifar10", "--data-root", str(tmp_path / "empty"),
                 "--out", str(tmp_path / "out"), "--quick"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("layerwise experiment: error: CIFAR-10 not found.") and "empty" in err[0]


@pytest.mark.slow
@pytest.mark.cifar
def test_quick_run_on_real_cifar10(tmp_path):
    root = os.environ.get("LAYERWISE_DATA")
    if not root or not os.path.exists(os.path.join(root, "cifar-10-python.tar.gz")):
        pytest.skip("needs cifar-10-python.tar.gz in $LAYERWISE_DATA")
    assert regularization.main(["--dataset", "cifar10", "--out", str(tmp_path), "--quick"]) == 0
    summary = json.loads((tmp_path / "results.json").read_text())
    assert summary["num_train"] == 2000
    assert summary["runs"]["baseline_adam"]["best_val_acc"] > 0.2  # well above chance (0.1) after 2 epochs
