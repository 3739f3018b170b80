"""The CIFAR experiments run end to end (``--quick``) on a miniature archive in the real format."""

import json

import pytest

from layerwise.cli import main
from layerwise.data import clear_cache
from layerwise.data.synthetic import write_fake_cifar10


@pytest.fixture
def fake_cifar(tmp_path, monkeypatch):
    write_fake_cifar10(tmp_path / "data", num_per_batch=600)   # --quick of features takes 3,000
    monkeypatch.setenv("LAYERWISE_DATA", str(tmp_path / "data"))
    clear_cache()
    yield tmp_path
    clear_cache()


def _runs(out):
    return json.loads((out / "results.json").read_text())["runs"]


def test_mlp_experiment_quick(fake_cifar):
    out = fake_cifar / "mlp"
    assert main(["experiment", "cifar10_mlp", "--quick", "--runs", "course,fc", "--out", str(out)]) == 0
    runs = _runs(out)
    assert list(runs) == ["course", "fc"]
    for name, r in runs.items():
        assert r["run"] == name and 0 <= r["val_acc"] <= 1 and 0 <= r["test_acc"] <= 1 and r["epochs"] == 1
    assert (out / "fc_history.png").stat().st_size > 1000
    # A later command adds its runs to the same file; a run made again replaces its entry.
    first_fc = runs["fc"]
    assert main(["experiment", "cifar10_mlp", "--quick", "--runs", "two_layer,fc", "--out", str(out),
                 "--seed", "1"]) == 0
    runs = _runs(out)
    assert sorted(runs) == ["course", "fc", "two_layer"] and runs["fc"] != first_fc
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_cnn_experiment_quick(fake_cifar):
    out = fake_cifar / "cnn"
    assert main(["experiment", "cifar10_cnn", "--quick", "--out", str(out)]) == 0
    runs = _runs(out)
    assert list(runs) == ["small", "best"] and runs["small"]["dataset"] == "cifar10"
    for name in ("best_filters.png", "best_confusion.png", "small_accuracy.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_run_is_refused(fake_cifar, capsys):
    with pytest.raises(SystemExit):
        main(["experiment", "cifar10_mlp", "--runs", "resnet"])
    assert "expected a comma-separated subset of course, two_layer, fc, fc_bn_dropout, got 'resnet'" \
        in capsys.readouterr().err


def test_features_experiment_quick(fake_cifar):
    out = fake_cifar / "features"
    assert main(["experiment", "features", "--quick", "--out", str(out)]) == 0
    result = json.loads((out / "results.json").read_text())
    assert result["split"] == [2000, 500, 500] and result["feature_dim"] == 144 + 10
    for model in ("svm", "net"):
        assert 0 <= result[model]["test_acc"] <= 1 and result[model]["val_acc"] >= 0
    for name in ("svm_misclassified.png", "net_confusion.png", "net_history.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_knn_experiment_quick(fake_cifar, capsys):
    out = fake_cifar / "knn"
    assert main(["experiment", "knn", "--quick", "--num-folds", "3", "--out", str(out)]) == 0
    result = json.loads((out / "results.json").read_text())
    assert (result["num_train"], result["num_test"]) == (500, 50)
    assert sorted(result["distance_seconds"]) == ["no_loops", "one_loop", "two_loops"]
    cv = result["cross_validation"]
    assert sorted(map(int, cv)) == [1, 3, 5, 8, 10, 12, 15, 20] and all(len(v) == 3 for v in cv.values())
    assert str(result["best_k"]) in cv and 0 <= result["test_acc"] <= 1
    printed = capsys.readouterr().out
    # the three distance computations agree (float64 rows of raw pixels)
    differences = [float(line.rsplit(" ", 1)[1]) for line in printed.splitlines() if "Frobenius" in line]
    assert len(differences) == 2 and max(differences) < 1e-6
    assert (out / "knn_cross_validation.png").stat().st_size > 1000


def test_regularization_experiment_quick(fake_cifar):
    out = fake_cifar / "regularization"
    assert main(["experiment", "regularization", "--quick", "--out", str(out)]) == 0
    summary = json.loads((out / "results.json").read_text())
    assert summary["dataset"] == "cifar10" and summary["num_train"] == 2000   # no CIFAR-100 in the data root
    assert {"baseline_adam", "sgd weight_decay=0.0001", "sgd L2 lambda=0.005", "none", "L1 lambda=1e-4"} \
        <= set(summary["runs"])
    # with lam = wd / (2 lr) SGD's weight decay and L2 penalty make the same updates; Adam's do not
    assert summary["sgd_max_weight_difference"] < 1e-5 < summary["adam_max_weight_difference"]
    for name, figure in summary["figures"].items():
        assert (out / f"{name}.png").stat().st_size > 1000 and figure["seconds"] >= 0


def test_speedrun_experiment_quick(fake_cifar):
    out = fake_cifar / "speedrun"
    assert main(["experiment", "cifar10_speedrun", "--quick", "--seeds", "0,1", "--out", str(out)]) == 0
    results = json.loads((out / "results.json").read_text())
    assert [r["seed"] for r in results["runs"]] == [0, 1]
    for r in results["runs"]:
        assert all(0 <= r[k] <= 1 for k in ("test_acc", "test_acc_mirror", "test_acc_tta"))
        assert r["iterations"] == 20 and r["seconds"] > 0 and r["peak_memory_gib"] > 0   # 2 epochs of 10 steps
    values = [r["test_acc_tta"] for r in results["runs"]]
    assert results["mean_test_acc_tta"] == pytest.approx(sum(values) / 2)
    for name in ("confusion_seed0.png", "history_seed1.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_speedrun_bad_seeds_are_one_clear_line(fake_cifar, capsys):
    with pytest.raises(SystemExit):
        main(["experiment", "cifar10_speedrun", "--quick", "--seeds", "a,b"])
    assert "--seeds expects comma-separated integers, e.g. 0,1; got 'a,b'" in capsys.readouterr().err
