"""Every functional layer agrees with PyTorch (float32, forward and backward, 1e-5)."""

import numpy as np
import pytest

from layerwise import layers as L

torch = pytest.importorskip("torch")
F = torch.nn.functional

TOL = 1e-5


def _close(ours, theirs, tol=TOL):
    theirs = theirs.detach().numpy()
    scale = max(1.0, float(np.abs(theirs).max()))
    assert ours.dtype == np.float32
    assert np.abs(ours - theirs).max() <= tol * scale, np.abs(ours - theirs).max()


def _run(np_inputs, torch_fn):
    tensors = [torch.tensor(a, requires_grad=True) for a in np_inputs]
    out = torch_fn(*tensors)
    return tensors, out


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def test_affine_matches_torch_linear(rng):
    x = rng.standard_normal((16, 3, 4, 4)).astype(np.float32)
    w = rng.standard_normal((48, 10)).astype(np.float32)
    b = rng.standard_normal(10).astype(np.float32)
    out, cache = L.affine_forward(x, w, b)
    dout = rng.standard_normal(out.shape).astype(np.float32)
    dx, dw, db = L.affine_backward(dout, cache)
    (tx, tw, tb), tout = _run([x, w, b], lambda x, w, b: F.linear(x.reshape(16, -1), w.T, b))
    tout.backward(torch.tensor(dout))
    _close(out, tout)
    _close(dx, tx.grad)
    _close(dw, tw.grad)
    _close(db, tb.grad)


@pytest.mark.parametrize("ours, theirs", [
    ((L.relu_forward, L.relu_backward), F.relu),
    ((lambda x: L.leaky_relu_forward(x, 0.1), L.leaky_relu_backward), lambda x: F.leaky_relu(x, 0.1)),
    ((L.sigmoid_forward, L.sigmoid_backward), torch.sigmoid),
    ((L.tanh_forward, L.tanh_backward), torch.tanh),
    ((L.gelu_forward, L.gelu_backward), lambda x: F.gelu(x, approximate="tanh")),
], ids=["relu", "leaky_relu", "sigmoid", "tanh", "gelu"])
def test_activations_match_torch(ours, theirs, rng):
    forward, backward = ours
    x = (3 * rng.standard_normal((32, 50))).astype(np.float32)
    out, cache = forward(x)
    dout = rng.standard_normal(out.shape).astype(np.float32)
    dx = backward(dout, cache)
    (tx,), tout = _run([x], theirs)
    tout.backward(torch.tensor(dout))
    _close(out, tout)
    _close(dx, tx.grad)


def test_batchnorm_matches_torch_in_train_and_test_mode(rng):
    x = (2 + 3 * rng.standard_normal((64, 20))).astype(np.float32)
    gamma = rng.standard_normal(20).astype(np.float32)
    beta = rng.standard_normal(20).astype(np.float32)
    bn_param = {"mode": "train", "momentum": 0.9}
    out, cache = L.batchnorm_forward(x, gamma, beta, bn_param)
    dout = rng.standard_normal(out.shape).astype(np.float32)
    grads = L.batchnorm_backward_alt(dout, cache)
    running_mean, running_var = torch.zeros(20), torch.ones(20)
    bn_param_t = {"mode": "train", "running_mean": np.zeros(20, np.float32), "running_var": np.ones(20, np.float32)}
    L.batchnorm_forward(x, gamma, beta, bn_param_t)
    (tx, tg, tb), tout = _run([x, gamma, beta], lambda x, g, b: F.batch_norm(
        x, running_mean, running_var, g, b, training=True, momentum=0.1, eps=1e-5))
    tout.backward(torch.tensor(dout))
    _close(out, tout)
    for ours, theirs in zip(grads, (tx.grad, tg.grad, tb.grad)):
        _close(ours, theirs, tol=1e-4)   # sums over 64 rows in float32
    # PyTorch's running variance is the unbiased one; ours (the course's) is biased.
    _close(bn_param_t["running_mean"], running_mean)
    n = x.shape[0]
    _close(bn_param_t["running_var"], 0.9 * torch.ones(20) + 0.1 * (running_var - 0.9) / 0.1 * (n - 1) / n)

    bn_param_t["mode"] = "test"
    out_test, _ = L.batchnorm_forward(x, gamma, beta, bn_param_t)
    tout_test = F.batch_norm(torch.tensor(x), torch.tensor(bn_param_t["running_mean"]),
                             torch.tensor(bn_param_t["running_var"]), torch.tensor(gamma), torch.tensor(beta),
                             training=False, eps=1e-5)
    _close(out_test, tout_test)


def test_layernorm_matches_torch(rng):
    x = (1 + 2 * rng.standard_normal((8, 30))).astype(np.float32)
    gamma = rng.standard_normal(30).astype(np.float32)
    beta = rng.standard_normal(30).astype(np.float32)
    out, cache = L.layernorm_forward(x, gamma, beta, {})
    dout = rng.standard_normal(out.shape).astype(np.float32)
    grads = L.layernorm_backward(dout, cache)
    (tx, tg, tb), tout = _run([x, gamma, beta], lambda x, g, b: F.layer_norm(x, (30,), g, b, eps=1e-5))
    tout.backward(torch.tensor(dout))
    _close(out, tout)
    for ours, theirs in zip(grads, (tx.grad, tg.grad, tb.grad)):
        _close(ours, theirs)


def test_softmax_loss_matches_torch_cross_entropy(rng):
    x = (5 * rng.standard_normal((50, 10))).astype(np.float32)
    y = rng.integers(10, size=50)
    loss, dx = L.softmax_loss(x, y)
    (tx,), tloss = _run([x], lambda x: F.cross_entropy(x, torch.tensor(y)))
    tloss.backward()
    assert abs(loss - tloss.item()) < TOL * max(1, abs(loss))
    _close(dx, tx.grad)


def test_svm_loss_matches_torch_multi_margin_loss(rng):
    x = rng.standard_normal((50, 10)).astype(np.float32)
    y = rng.integers(10, size=50)
    loss, dx = L.svm_loss(x, y)
    # torch averages the hinge terms over the C classes as well; ours sums them.
    (tx,), tloss = _run([x], lambda x: 10 * F.multi_margin_loss(x, torch.tensor(y), margin=1.0))
    tloss.backward()
    assert abs(loss - tloss.item()) < TOL * max(1, abs(loss))
    _close(dx, tx.grad)


def test_dropout_matches_torch_semantics(rng):
    x = rng.standard_normal((100, 100)).astype(np.float32)
    out, cache = L.dropout_forward(x, {"mode": "train", "p": 0.8, "seed": 0})
    mask = out != 0
    # Same mask, PyTorch's convention (drop probability 1 - p, scale 1/p): x * mask / p.
    expected = torch.tensor(x) * torch.tensor(mask, dtype=torch.float32) / 0.8
    _close(out, expected)
    dx = L.dropout_backward(np.ones_like(x), cache)
    _close(dx, torch.tensor(mask, dtype=torch.float32) / 0.8)
