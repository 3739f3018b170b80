"""The CIFAR experiments run end to end (``--quick``) on a miniature archive in the real format."""

import json

import pytest

from layerwise.cli import main
from layerwise.data import clear_cache
from layerwise.data.synthetic import write_fake_cifar10


@pytest.fixture
def fake_cifar(tmp_path, monkeypatch):
    write_fake_cifar10(tmp_path / "data", num_per_batch=200)
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
