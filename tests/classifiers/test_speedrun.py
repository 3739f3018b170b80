"""SpeedrunNet: shapes, gradients (float64 numerical checks), frozen parameters, saving."""

import numpy as np
import pytest

from layerwise import load_model
from layerwise.classifiers import SpeedrunNet
from layerwise.gradient_check import eval_numerical_gradient

SMALL = dict(input_dim=(1, 26, 26), widths=(2, 3, 3), dtype=np.float64, bn_eps=1e-5, seed=0)   # 26 -> 25, 12, 6, 3


@pytest.fixture
def batch():
    rng = np.random.default_rng(5)
    return rng.standard_normal((3, 1, 26, 26)), rng.integers(10, size=3)


def test_parameters_and_scores_have_the_documented_shapes():
    model = SpeedrunNet(seed=0)
    shapes = {k: v.shape for k, v in model.params.items()}
    assert shapes["whiten.W"] == (24, 3, 2, 2) and shapes["conv1.W"] == (64, 24, 3, 3)
    assert shapes["conv6.W"] == (256, 256, 3, 3) and shapes["norm6.beta"] == (256,) and shapes["fc.W"] == (256, 10)
    assert not [k for k in model.params if "gamma" in k]   # batchnorm without scale
    assert model.loss(np.zeros((2, 3, 32, 32), np.float32)).shape == (2, 10)
    # 3x3 convolutions start as identities on their first input channels
    np.testing.assert_array_equal(model.params["conv6.W"][:, :, 1, 1], np.eye(256, dtype=np.float32))


def test_the_gradient_of_every_parameter_matches_numerical_differentiation(batch):
    X, y = batch
    model = SpeedrunNet(**SMALL)
    model.init_whitening(X)
    model.frozen = set()
    loss, grads = model.loss(X, y)
    assert set(grads) == set(model.params)
    for name, value in model.params.items():
        num = eval_numerical_gradient(lambda _: model.loss(X, y)[0], value, verbose=False, h=1e-5)
        err = np.abs(num - grads[name]).max() / max(np.abs(num).max(), 1e-12)
        assert err < 1e-7, (name, err)


def test_frozen_parameters_get_no_gradient_and_the_rest_is_unchanged(batch):
    X, y = batch
    model = SpeedrunNet(**SMALL)
    _, full = model.loss(X, y)
    assert full["whiten.W"] is None and full["whiten.b"] is not None   # the whitening filters start frozen
    model.frozen.add("whiten.b")
    _, grads = model.loss(X, y)
    assert grads["whiten.b"] is None
    for name in model.params:
        if name not in model.frozen:
            np.testing.assert_allclose(grads[name], full[name], rtol=1e-12, atol=1e-15)


def test_init_whitening_sets_the_filters_from_the_images(batch):
    X, _ = batch
    model = SpeedrunNet(**SMALL)
    before = model.params["whiten.W"].copy()
    model.init_whitening(X)
    assert not np.allclose(before, model.params["whiten.W"])
    np.testing.assert_allclose(model.params["whiten.W"][4:], -model.params["whiten.W"][:4])


def test_label_smoothing_and_output_scale_reach_the_loss(batch):
    X, y = batch
    plain = SpeedrunNet(**SMALL, label_smoothing=0.0).loss(X, y)[0]
    smooth = SpeedrunNet(**SMALL, label_smoothing=0.5).loss(X, y)[0]
    assert plain != smooth
    scores = SpeedrunNet(**SMALL, output_scale=1.0).loss(X)
    np.testing.assert_allclose(SpeedrunNet(**SMALL, output_scale=0.5).loss(X), 0.5 * scores, rtol=1e-12)


def test_test_mode_scores_in_chunks_equal_one_pass(batch):
    X, _ = batch
    model = SpeedrunNet(**SMALL)
    whole = model.loss(X)
    model.score_batch_size = 1
    np.testing.assert_allclose(model.loss(X), whole, rtol=1e-12)


def test_a_saved_model_scores_the_same_after_loading(tmp_path, batch):
    X, y = batch
    model = SpeedrunNet(**SMALL)
    model.init_whitening(X)
    model.loss(X, y)                                    # moves the running statistics
    path = model.save(tmp_path / "speedrun.npz")
    np.testing.assert_array_equal(load_model(path).loss(X), model.loss(X))


def test_inputs_too_small_or_misshapen_are_refused():
    with pytest.raises(ValueError, match="16x16 inputs are too small"):
        SpeedrunNet(input_dim=(3, 16, 16))
    with pytest.raises(ValueError, match=r"X must have shape \(N, 3, 32, 32\)"):
        SpeedrunNet(seed=0).loss(np.zeros((2, 3, 28, 28)))


def test_running_stats_are_the_batchnorms_own_arrays():
    model = SpeedrunNet(input_dim=(1, 26, 26), widths=(4, 4, 4), dtype=np.float64, seed=0)
    stats = model.running_stats()
    assert list(stats)[:2] == ["norm1.running_mean", "norm1.running_var"] and len(stats) == 12
    assert stats["norm6.running_var"] is model.bn_params[5]["running_var"]
    stats["norm2.running_mean"][...] = 3.0
    assert np.all(model.bn_params[1]["running_mean"] == 3.0)
