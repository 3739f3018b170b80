"""Run configs are validated at the boundary: one line per bad value, before any folder exists."""

import pytest

from layerwise.app.config import ConfigError, TrainConfig, config_from_dict
from layerwise.cli import main

BAD = [
    ({"num_training": 0}, "num_training must be an integer >= 1 or None, got 0"),
    ({"num_training": -5}, "num_training must be an integer >= 1 or None, got -5"),
    ({"batch_size": 0}, "batch_size must be an integer >= 1, got 0"),
    ({"num_epochs": 2.5}, "config key 'num_epochs' expects int; got 2.5"),
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
