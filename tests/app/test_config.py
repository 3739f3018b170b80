"""Run configs are validated at the boundary: one line per bad value, before any folder exists."""

import pytest

from layerwise.app.config import ConfigError, TrainConfig, config_from_dict
from layerwise.cli import main

BAD = [
    ({"num_training": 0}, "num_training must be an integer >= 1 or None, got 0"),
    ({"num_training": -5}, "num_training must be an integer >= 1 or None, got -5"),
    ({"batch_size": 0}, "batch_size must be an integer >= 1, got 0"),
    ({"num_epochs": 2.5}, "config key 'num_epochs' expects int or null; got 2.5"),
    ({"reg": -1}, "reg must be a non-negative finite number; got -1.0"),
    ({"weight_scale": -1}, "weight_scale must be a positive number, 'he' or 'xavier'; got -1.0"),
    ({"weight_scale": "kaiming"}, "weight_scale must be a positive number, 'he' or 'xavier'; got 'kaiming'"),
    ({"hidden_dims": [1.5]}, "every entry of hidden_dims must be an integer >= 1, got 1.5"),
    ({"hidden_dims": [64, 0]}, "every entry of hidden_dims must be an integer >= 1, got 0"),
    ({"hidden_dims": []}, r"hidden_dims must list at least one layer size for model 'fc'; got \[\]"),
    ({"learning_rate": -1e-3}, "learning_rate must be a positive finite number; got -0.001"),
    ({"learning_rate": float("inf")}, "learning_rate must be a positive finite number; got inf"),
    ({"lr_decay": 0}, "lr_decay must be a positive finite number; got 0.0"),
    ({"dropout_keep_ratio": 0}, r"dropout_keep_ratio \(the probability of keeping a unit\) must be in \(0, 1\]"),
    ({"name": "../x"}, r"name must be a plain folder name inside out_dir \(no '/' or '..'\); got '../x'"),
    ({"name": "a/b"}, r"name must be a plain folder name inside out_dir"),
    ({"seed": -1}, "seed must be an integer >= 0, got -1"),
    ({"patience": 0}, "patience must be an integer >= 1 or None, got 0"),
]


@pytest.mark.parametrize("values, message", BAD)
def test_bad_values_are_refused_with_one_line(values, message):
    with pytest.raises(ConfigError, match=f"^{message}"):
        config_from_dict(values)


def test_the_defaults_are_valid():
    assert config_from_dict({}) == TrainConfig()


def test_the_cli_refuses_before_making_a_folder(tmp_path, capsys):
    assert main(["train", "--out-dir", str(tmp_path / "runs"), "--name", "../escape", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "name must be a plain folder name" in err
    assert not (tmp_path / "runs").exists() and not (tmp_path / "escape").exists()


@pytest.mark.parametrize("values, message", [
    ({"model": "two_layer", "dropout_keep_ratio": 0.5},
     r"dropout_keep_ratio does not apply to model 'two_layer' \(it is used by fc, cnn\)"),
    ({"model": "two_layer", "normalization": "batchnorm"}, "normalization does not apply to model 'two_layer'"),
    ({"model": "fc", "blocks": [8, "pool"]}, r"blocks does not apply to model 'fc' \(it is used by cnn, "),
    ({"model": "two_layer", "hidden_dims": [64, 32]}, r"model 'two_layer' has one hidden layer: hidden_dims takes"),
    ({"num_epochs": 3, "num_iterations": 30}, "give num_epochs or num_iterations, not both"),
    ({"lr_decay": 0.9, "lr_schedule": "cosine"}, "give lr_decay or lr_schedule, not both"),
    ({"lr_schedule": "onecycle"}, r"lr_schedule must be one of step, step_iterations, cosine, warmup, triangular or null"),
    ({"lr": 1e-3}, r"unknown config key 'lr' \(did you mean 'learning_rate'\?\)"),
    ({"epochs": 3}, r"unknown config key 'epochs' \(did you mean 'num_epochs'\?\)"),
    ({"dropout": 0.5}, r"unknown config key 'dropout' \(did you mean 'dropout_keep_ratio'\?\)"),
    ({"wd": 1e-4}, r"unknown config key 'wd' \(did you mean 'reg'\?\)"),
    ({"given": []}, r"unknown config key 'given'"),
])
def test_keys_that_would_not_train_what_they_say_are_refused(values, message):
    with pytest.raises(ConfigError, match=message):
        config_from_dict(values)


def test_the_recorded_config_is_what_trains():
    two_layer = config_from_dict({"model": "two_layer"}).to_dict()
    assert two_layer["hidden_dims"] == [128] and two_layer["normalization"] is None
    assert two_layer["dropout_keep_ratio"] is None and two_layer["blocks"] is None
    cosine = config_from_dict({"lr_schedule": "cosine", "num_iterations": 40}).to_dict()
    assert cosine["lr_decay"] is None and cosine["num_epochs"] is None
    assert config_from_dict(two_layer).to_dict() == two_layer          # a recorded config reads back as itself


def test_schedules_iterations_and_the_data_folder_are_recorded(tmp_path, monkeypatch):
    import json

    from layerwise.data import write_fake_cifar10

    write_fake_cifar10(tmp_path / "data", num_per_batch=1000, seed=1, archive=True)
    monkeypatch.setenv("LAYERWISE_DATA", str(tmp_path / "data"))
    out = tmp_path / "runs"
    assert main(["train", "--dataset", "cifar10", "--out-dir", str(out), "--name", "c", "--quiet",
                 "--set", "num_training=100", "--set", "lr_schedule=cosine", "--set", "num_iterations=6",
                 "--set", "hidden_dims=[16]"]) == 0
    recorded = json.loads((out / "c" / "config.json").read_text())["config"]
    assert recorded["data_root"] == str((tmp_path / "data").resolve())
    assert recorded["lr_schedule"] == "cosine" and recorded["num_iterations"] == 6 and recorded["num_epochs"] is None
    metrics = [json.loads(line) for line in (out / "c" / "metrics.jsonl").read_text().splitlines()]
    assert metrics[-1]["iteration"] == 6
    monkeypatch.delenv("LAYERWISE_DATA")                               # evaluate needs no environment
    assert main(["evaluate", str(out / "c")]) == 0


def test_train_help_lists_every_key_with_its_default(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    for key in ("learning_rate=0.001", "lr_schedule=None", "num_iterations=None", "dropout_keep_ratio=1.0"):
        assert key in out


@pytest.mark.parametrize("name, text", [
    ("c.json", '{"learning_rate": 0.1, "learning_rate": 0.2}'),
    ("c.yaml", "learning_rate: 0.1\nlearning_rate: 0.2\n"),
    ("c.toml", "learning_rate = 0.1\nlearning_rate = 0.2\n"),
])
def test_a_key_given_twice_in_a_config_file_is_refused(tmp_path, name, text):
    from layerwise.app.config import load_config
    pytest.importorskip("yaml")
    (tmp_path / name).write_text(text)
    with pytest.raises(ConfigError, match=r"could not be parsed: .*(twice|already|defined|overwrite)"):
        load_config(tmp_path / name)
