"""Runs: model sizes are checked against the machine's memory before anything is allocated."""

import numpy as np
import pytest

from layerwise.app import runs
from layerwise.app.config import ConfigError, TrainConfig


@pytest.mark.parametrize("settings", [
    dict(model="fc", hidden_dims=[100, 50], normalization=None),
    dict(model="two_layer", hidden_dims=[40]),
    dict(model="cnn", blocks=[8, "pool", 16, 16, "pool"], hidden_dims=[30], normalization=None),
    dict(model="three_layer_cnn", blocks=[16], hidden_dims=[50]),
])
def test_parameter_count_is_the_models(settings):
    config = TrainConfig(**settings).resolved()
    model = runs.build_model(config, (3, 16, 16), 10)
    assert runs.parameter_count(config, (3, 16, 16), 10) == sum(v.size for v in model.params.values())


def test_a_model_too_large_for_memory_is_refused_before_allocating(monkeypatch):
    config = TrainConfig(model="fc", hidden_dims=[10 ** 9]).resolved()
    allocated = []
    monkeypatch.setattr(np.random, "randn", lambda *shape: allocated.append(shape))
    with pytest.raises(ConfigError, match=r"^the fc model with hidden_dims=\[1000000000\] has 3,083,000,000,010 "
                                          r"parameters, about 45,940 GiB to train, but this machine has [\d,]+ GiB "
                                          r"of memory; ask for smaller sizes$"):
        runs.build_model(config, (3, 32, 32), 10)
    assert allocated == []
