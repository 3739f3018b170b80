"""Label smoothing in the softmax loss and batchnorm without a scale: values, gradients, PyTorch."""

import numpy as np
import pytest

from layerwise import layers as L
from layerwise.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error


@pytest.fixture
def rng():
    return np.random.default_rng(3)


def test_label_smoothing_loss_is_the_cross_entropy_against_smoothed_targets(rng):
    x, y = rng.standard_normal((6, 5)), rng.integers(5, size=6)
    e = 0.3
    q = np.full((6, 5), e / 5)
    q[np.arange(6), y] += 1 - e
    log_p = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    loss, dx = L.softmax_loss(x, y, label_smoothing=e)
    assert loss == pytest.approx(-np.mean(np.sum(q * log_p, axis=1)), rel=1e-12)
    np.testing.assert_allclose(dx, (np.exp(log_p) - q) / 6, rtol=1e-12, atol=1e-15)


def test_label_smoothing_zero_is_the_plain_loss(rng):
    x, y = rng.standard_normal((4, 3)), rng.integers(3, size=4)
    plain, dplain = L.softmax_loss(x, y)
    smooth, dsmooth = L.softmax_loss(x, y, label_smoothing=0.0)
    assert plain == smooth and np.array_equal(dplain, dsmooth)


def test_label_smoothing_gradcheck(rng):
    x, y = rng.standard_normal((7, 10)), rng.integers(10, size=7)
    _, dx = L.softmax_loss(x, y, label_smoothing=0.2)
    num = eval_numerical_gradient(lambda x: L.softmax_loss(x, y, label_smoothing=0.2)[0], x, verbose=False)
    # relative to the largest entry: a few entries are ~1e-6 and their own relative error is rounding
    assert np.abs(dx - num).max() / np.abs(dx).max() < 1e-8


def test_label_smoothing_is_stable_for_huge_scores():
    loss, dx = L.softmax_loss(np.array([[1e4, 0.0, -1e4]]), np.array([1]), label_smoothing=0.1)
    assert np.isfinite(loss) and np.all(np.isfinite(dx))


@pytest.mark.parametrize("bad", [-0.1, 1.0, True, "0.1"])
def test_label_smoothing_out_of_range_is_refused(bad):
    with pytest.raises(ValueError, match=r"label_smoothing must be a number in \[0, 1\)"):
        L.softmax_loss(np.zeros((2, 3)), np.array([0, 1]), label_smoothing=bad)


def test_batchnorm_without_scale_is_batchnorm_with_unit_scale(rng):
    x, beta = rng.standard_normal((20, 4)) * 3 + 1, rng.standard_normal(4)
    out, _ = L.batchnorm_forward(x, None, beta, {"mode": "train", "eps": 1e-12})
    ref, _ = L.batchnorm_forward(x, np.ones(4), beta, {"mode": "train", "eps": 1e-12})
    np.testing.assert_allclose(out, ref, rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("mode", ["train", "test"])
@pytest.mark.parametrize("backward", [L.batchnorm_backward, L.batchnorm_backward_alt])
def test_batchnorm_without_scale_gradcheck(backward, mode, rng):
    x, beta = rng.standard_normal((9, 3)), rng.standard_normal(3)
    bn = {"mode": mode, "running_mean": rng.standard_normal(3), "running_var": rng.random(3) + 0.5}
    dout = rng.standard_normal((9, 3))

    def forward(x, beta):
        return L.batchnorm_forward(x, None, beta, dict(bn))[0]
    _, cache = L.batchnorm_forward(x, None, beta, dict(bn))
    dx, dgamma, dbeta = backward(dout, cache)
    assert dgamma is None
    assert rel_error(dx, eval_numerical_gradient_array(lambda x: forward(x, beta), x, dout)) < 1e-8
    assert rel_error(dbeta, eval_numerical_gradient_array(lambda b: forward(x, b), beta, dout)) < 1e-8


def test_spatial_batchnorm_without_scale_gradcheck(rng):
    x, beta = rng.standard_normal((3, 2, 4, 5)), rng.standard_normal(2)
    dout = rng.standard_normal(x.shape)
    bn = {"mode": "train", "momentum": 0.6, "eps": 1e-12}
    _, cache = L.spatial_batchnorm_forward(x, None, beta, dict(bn))
    dx, dgamma, dbeta = L.spatial_batchnorm_backward(dout, cache)
    num = eval_numerical_gradient_array(lambda x: L.spatial_batchnorm_forward(x, None, beta, dict(bn))[0], x, dout)
    assert dgamma is None and rel_error(dx, num) < 1e-7
    np.testing.assert_allclose(dbeta, dout.sum(axis=(0, 2, 3)), rtol=1e-12)


def test_batchnorm_still_checks_the_shape_of_a_given_gamma():
    with pytest.raises(ValueError, match=r"gamma and beta must have shape \(3,\)"):
        L.batchnorm_forward(np.zeros((2, 3)), np.ones(2), np.zeros(3), {"mode": "train"})


torch = pytest.importorskip("torch")


def test_label_smoothing_matches_torch(rng):
    x = rng.standard_normal((16, 10)).astype(np.float32)
    y = rng.integers(10, size=16)
    loss, dx = L.softmax_loss(x, y, label_smoothing=0.2)
    tx = torch.tensor(x, requires_grad=True)
    theirs = torch.nn.functional.cross_entropy(tx, torch.tensor(y), label_smoothing=0.2)
    theirs.backward()
    assert loss == pytest.approx(theirs.item(), rel=1e-6)
    np.testing.assert_allclose(dx, tx.grad.numpy(), atol=1e-7)


def test_scale_free_spatial_batchnorm_matches_torch_batchnorm_with_frozen_weight(rng):
    x = rng.standard_normal((8, 4, 5, 5)).astype(np.float32) * 2 + 1
    beta = rng.standard_normal(4).astype(np.float32)
    dout = rng.standard_normal(x.shape).astype(np.float32)
    bn = {"mode": "train", "momentum": 0.6, "eps": 1e-5,
          "running_mean": np.zeros(4, np.float32), "running_var": np.ones(4, np.float32)}
    out, cache = L.spatial_batchnorm_forward(x, None, beta, bn)
    dx, _, dbeta = L.spatial_batchnorm_backward(dout, cache)
    layer = torch.nn.BatchNorm2d(4, eps=1e-5, momentum=1 - 0.6)   # PyTorch weighs the new statistic
    layer.weight.requires_grad_(False)
    with torch.no_grad():
        layer.bias.copy_(torch.tensor(beta))
    tx = torch.tensor(x, requires_grad=True)
    tout = layer(tx)
    tout.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, tout.detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(dx, tx.grad.numpy(), atol=1e-5)
    np.testing.assert_allclose(dbeta, layer.bias.grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(bn["running_mean"], layer.running_mean.numpy(), atol=1e-6)
    # PyTorch's running variance is unbiased (n / (n - 1)); ours is the biased one, as the course's.
    n = 8 * 5 * 5
    var = x.transpose(1, 0, 2, 3).reshape(4, -1).var(axis=1)
    np.testing.assert_allclose(bn["running_var"], 0.6 + 0.4 * var, rtol=1e-5)
    np.testing.assert_allclose(layer.running_var.numpy(), 0.6 + 0.4 * var * n / (n - 1), rtol=1e-5)
