"""Module layers agree with PyTorch in float32 (forward and backward, 1e-5)."""

import numpy as np
import pytest

from layerwise import nn

torch = pytest.importorskip("torch")
F = torch.nn.functional

TOL = 1e-5


def _close(ours, theirs):
    theirs = theirs.detach().numpy()
    scale = max(1.0, float(np.abs(theirs).max()))
    assert ours.dtype == np.float32
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() <= TOL * scale, np.abs(ours - theirs).max()


@pytest.fixture
def rng():
    return np.random.default_rng(11)


def _t(a):
    return torch.tensor(a, requires_grad=True)


def test_fc_matches_torch_linear(rng):
    layer = nn.fc(12, 5, init_scale=0.5, name="fc1", dtype=np.float32)
    layer.params["fc1_b"] = rng.standard_normal(5).astype(np.float32)
    x = rng.standard_normal((8, 3, 4)).astype(np.float32)
    dout = rng.standard_normal((8, 5)).astype(np.float32)
    out = layer.forward(x)
    dx = layer.backward(dout)
    tx, tw, tb = _t(x), _t(layer.params["fc1_w"]), _t(layer.params["fc1_b"])
    tout = F.linear(tx.reshape(8, -1), tw.T, tb)
    tout.backward(torch.tensor(dout))
    _close(out, tout)
    _close(dx, tx.grad)
    _close(layer.grads["fc1_w"], tw.grad)
    _close(layer.grads["fc1_b"], tb.grad)


def test_gelu_matches_torch_tanh_gelu(rng):
    x = (3 * rng.standard_normal((6, 7))).astype(np.float32)
    dout = rng.standard_normal((6, 7)).astype(np.float32)
    layer = nn.gelu()
    out = layer.forward(x)
    dx = layer.backward(dout)
    tx = _t(x)
    tout = F.gelu(tx, approximate="tanh")
    tout.backward(torch.tensor(dout))
    _close(out, tout)
    _close(dx, tx.grad)


@pytest.mark.parametrize("size_average", [True, False])
def test_cross_entropy_matches_torch(rng, size_average):
    scores = (2 * rng.standard_normal((9, 6))).astype(np.float32)
    y = rng.integers(6, size=9)
    ce = nn.cross_entropy(size_average=size_average)
    loss = ce.forward(scores, y)
    dscores = ce.backward()
    ts = _t(scores)
    tloss = F.cross_entropy(ts, torch.tensor(y), reduction="mean" if size_average else "sum")
    tloss.backward()
    assert abs(loss - tloss.item()) <= TOL * max(1.0, abs(tloss.item()))
    _close(dscores, ts.grad)


def test_conv_and_pool_layers_match_torch_in_channels_last(rng):
    conv = nn.ConvLayer2D(3, 3, 4, stride=1, padding=1, init_scale=0.3, name="conv", dtype=np.float32)
    conv.params["conv_b"] = rng.standard_normal(4).astype(np.float32)
    pool = nn.MaxPoolingLayer(2, 2)
    x = rng.standard_normal((2, 6, 6, 3)).astype(np.float32)
    out = pool.forward(conv.forward(x))
    dout = rng.standard_normal(out.shape).astype(np.float32)
    dx = conv.backward(pool.backward(dout))

    tx, tw, tb = _t(x), _t(conv.params["conv_w"]), _t(conv.params["conv_b"])
    # NHWC -> NCHW and (k, k, C, F) -> (F, C, k, k)
    tout = F.max_pool2d(F.conv2d(tx.permute(0, 3, 1, 2), tw.permute(3, 2, 0, 1), tb, padding=1), 2, 2)
    tout = tout.permute(0, 2, 3, 1)
    tout.backward(torch.tensor(dout))
    _close(out, tout)
    _close(dx, tx.grad)
    _close(conv.grads["conv_w"], tw.grad)
    _close(conv.grads["conv_b"], tb.grad)
