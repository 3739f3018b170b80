"""Module-API layers, losses and the sequential container: values, gradients, views, errors, save/load."""

import os

import numpy as np
import pytest

from layerwise import nn
from layerwise.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error


def _layer_grad_errors(layer, x, seed=0, **forward_kwargs):
    """Relative errors of d(sum(out * dout))/d(x and every parameter): backward vs centered differences."""
    out = layer.forward(x, **forward_kwargs)
    dout = np.random.default_rng(seed).standard_normal(out.shape)
    dx = layer.backward(dout)
    errors = {"x": rel_error(dx, eval_numerical_gradient_array(lambda v: layer.forward(v, **forward_kwargs), x, dout))}
    for name, param in layer.params.items():
        # layer.params is read at every call, so perturbing the array in place changes the layer
        numeric = eval_numerical_gradient_array(lambda _: layer.forward(x, **forward_kwargs), param, dout)
        layer.forward(x, **forward_kwargs)
        layer.backward(dout)
        errors[name] = rel_error(layer.grads[name], numeric)
    return errors


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# ----------------------------------------------------------------------------- values


def test_fc_forward_flattens_input_and_matches_hand_computation():
    layer = nn.fc(6, 2, name="fc1")
    layer.params["fc1_w"] = np.arange(12.0).reshape(6, 2) / 10
    layer.params["fc1_b"] = np.array([1.0, -1.0])
    x = np.arange(12.0).reshape(2, 2, 3)  # flattens to rows [0..5] and [6..11]
    out = layer.forward(x)
    # row 0: sum_i i * w[i]; w[:, 0] = 0, .2, .4, ...; w[:, 1] = .1, .3, .5, ...
    expected0 = [sum(i * 2 * i / 10 for i in range(6)) + 1, sum(i * (2 * i + 1) / 10 for i in range(6)) - 1]
    assert np.allclose(out[0], expected0)
    dx = layer.backward(np.ones((2, 2)))
    assert dx.shape == (2, 2, 3)
    assert np.allclose(layer.grads["fc1_b"], [2, 2])


def test_activation_values_by_hand():
    x = np.array([[-2.0, -0.5, 0.0, 1.5]])
    assert np.array_equal(nn.relu().forward(x), [[0, 0, 0, 1.5]])
    assert np.allclose(nn.leaky_relu(negative_slope=0.1).forward(x), [[-0.2, -0.05, 0, 1.5]])
    assert np.allclose(nn.leaky_relu().forward(x), [[-0.02, -0.005, 0, 1.5]])  # default slope 0.01
    g = nn.gelu().forward(x)
    expected = [0.5 * v * (1 + np.tanh(np.sqrt(2 / np.pi) * (v + 0.044715 * v ** 3))) for v in x[0]]
    assert np.allclose(g[0], expected, rtol=1e-14)


def test_flatten_is_row_major_over_nhwc_and_backward_restores_shape():
    x = np.arange(2 * 2 * 2 * 3).reshape(2, 2, 2, 3).astype(float)
    layer = nn.flatten()
    out = layer.forward(x)
    assert out.shape == (2, 12) and np.array_equal(out[1], np.arange(12, 24))
    assert layer.backward(out).shape == x.shape


def _conv_nhwc_reference(x, w, b, stride, pad):
    """out[n, i, j, f] = sum_{u, v, c} xpad[n, i*s + u, j*s + v, c] * w[u, v, c, f] + b[f], by loops."""
    N, H, W, C = x.shape
    k, _, _, F = w.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    Ho, Wo = 1 + (H + 2 * pad - k) // stride, 1 + (W + 2 * pad - k) // stride
    out = np.zeros((N, Ho, Wo, F))
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                patch = xp[n, i * stride:i * stride + k, j * stride:j * stride + k, :]
                for f in range(F):
                    out[n, i, j, f] = np.sum(patch * w[:, :, :, f]) + b[f]
    return out


@pytest.mark.parametrize("stride,pad", [(1, 0), (1, 1), (2, 1)])
def test_conv_layer_matches_loop_reference_in_nhwc(rng, stride, pad):
    layer = nn.ConvLayer2D(3, 3, 4, stride=stride, padding=pad, name="c")
    assert layer.params["c_w"].shape == (3, 3, 3, 4) and layer.params["c_b"].shape == (4,)
    layer.params["c_b"] = rng.standard_normal(4)
    x = rng.standard_normal((2, 7, 7, 3))
    out = layer.forward(x)
    assert rel_error(out, _conv_nhwc_reference(x, layer.params["c_w"], layer.params["c_b"], stride, pad)) < 1e-10


def test_max_pooling_layer_matches_loop_reference(rng):
    x = rng.standard_normal((2, 4, 6, 3))
    out = nn.MaxPoolingLayer(2, 2).forward(x)
    expected = np.zeros((2, 2, 3, 3))
    for i in range(2):
        for j in range(3):
            expected[:, i, j, :] = x[:, 2 * i:2 * i + 2, 2 * j:2 * j + 2, :].max(axis=(1, 2))
    assert np.array_equal(out, expected)


def test_softmax_and_cross_entropy_by_hand():
    scores = np.array([[0.0, np.log(3.0)], [np.log(2.0), np.log(2.0)]])  # probabilities [1/4, 3/4], [1/2, 1/2]
    y = np.array([1, 0])
    assert np.allclose(nn.softmax(scores), [[0.25, 0.75], [0.5, 0.5]])
    ce = nn.cross_entropy()
    loss = ce.forward(scores, y)
    assert loss == pytest.approx(-(np.log(0.75) + np.log(0.5)) / 2, rel=1e-12)
    assert np.allclose(ce.backward(), np.array([[0.25, -0.25], [-0.5, 0.5]]) / 2)
    total = nn.cross_entropy(size_average=False)
    assert total.forward(scores, y) == pytest.approx(-(np.log(0.75) + np.log(0.5)), rel=1e-12)
    assert np.allclose(total.backward(), [[0.25, -0.25], [-0.5, 0.5]])


def test_cross_entropy_rejects_bad_labels():
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 1\]"):
        nn.cross_entropy().forward(np.zeros((2, 2)), np.array([0, 2]))
    with pytest.raises(RuntimeError, match="before forward"):
        nn.cross_entropy().backward()


# ----------------------------------------------------------------------------- dropout


def test_dropout_keeps_about_keep_prob_and_scales_by_its_inverse():
    x = np.ones((200, 500))
    out = nn.dropout(0.25, seed=3).forward(x, is_training=True)
    kept = out != 0
    assert abs(kept.mean() - 0.25) < 0.01
    assert np.allclose(out[kept], 4.0)


@pytest.mark.parametrize("keep_prob", [0, 1])
def test_dropout_keep_prob_zero_and_one_mean_no_dropout(keep_prob, rng):
    x = rng.standard_normal((4, 5))
    layer = nn.dropout(keep_prob)
    assert np.array_equal(layer.forward(x, is_training=True), x)
    assert np.array_equal(layer.backward(x), x)


def test_dropout_is_identity_at_evaluation_and_seed_fixes_the_mask(rng):
    x = rng.standard_normal((10, 20))
    layer = nn.dropout(0.5, seed=7)
    assert np.array_equal(layer.forward(x, is_training=False), x)
    a = layer.forward(x, is_training=True)
    b = layer.forward(x, is_training=True)
    assert np.array_equal(a, b)
    # a seed given to forward wins over the layer's, and draws what np.random.seed(seed); rand would
    c = layer.forward(x, is_training=True, seed=11)
    mask = (np.random.RandomState(11).rand(10, 20) < 0.5) / 0.5
    assert np.array_equal(c, x * mask)
    state = np.random.get_state()[1].copy()
    layer.forward(x, is_training=True)
    assert np.array_equal(np.random.get_state()[1], state), "a seeded mask must not touch the global generator"


def test_dropout_rejects_probability_outside_unit_interval():
    with pytest.raises(ValueError, match=r"keep_prob .* must be in \[0, 1\].*got 1.5"):
        nn.dropout(1.5)


# ----------------------------------------------------------------------------- gradient checks


def test_fc_gradcheck(rng):
    layer = nn.fc(12, 5, init_scale=0.5, name="fc1")
    layer.params["fc1_b"] = rng.standard_normal(5)
    errors = _layer_grad_errors(layer, rng.standard_normal((4, 3, 4)))
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("make", [nn.relu, nn.gelu, lambda: nn.leaky_relu(0.2), nn.flatten])
def test_activation_gradcheck(make, rng):
    x = rng.standard_normal((4, 3, 5))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the kinks of relu / leaky relu
    errors = _layer_grad_errors(make(), x)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("keep_prob", [0.25, 0.5, 0.8])
def test_dropout_gradcheck_with_fixed_seed(keep_prob, rng):
    errors = _layer_grad_errors(nn.dropout(keep_prob, seed=5), rng.standard_normal((6, 7)), is_training=True)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("stride,pad", [(1, 0), (1, 1), (2, 1)])
def test_conv_layer_gradcheck(rng, stride, pad):
    layer = nn.ConvLayer2D(2, 3, 3, stride=stride, padding=pad, init_scale=0.5, name="conv")
    layer.params["conv_b"] = rng.standard_normal(3)
    errors = _layer_grad_errors(layer, rng.standard_normal((2, 5, 5, 2)))
    assert max(errors.values()) < 1e-7, errors
    assert layer.grads["conv_w"].shape == (3, 3, 2, 3)


def test_max_pooling_layer_gradcheck(rng):
    x = rng.permutation(2 * 4 * 4 * 3).reshape(2, 4, 4, 3) / 7.0  # distinct values: no ties in a window
    errors = _layer_grad_errors(nn.MaxPoolingLayer(2, 2), x)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("size_average", [True, False])
def test_cross_entropy_gradcheck(size_average, rng):
    scores = rng.standard_normal((5, 4))
    y = rng.integers(4, size=5)
    ce = nn.cross_entropy(size_average=size_average)
    ce.forward(scores, y)
    numeric = eval_numerical_gradient(lambda s: ce.forward(s, y), scores, verbose=False)
    ce.forward(scores, y)
    assert rel_error(ce.backward(), numeric) < 1e-7


def test_sequential_gradcheck_through_conv_pool_fc(rng):
    net = nn.sequential(
        nn.ConvLayer2D(3, 3, 4, padding=1, init_scale=0.3, name="conv1"), nn.relu("r1"), nn.MaxPoolingLayer(2, 2),
        nn.flatten(), nn.fc(4 * 3 * 3, 6, init_scale=0.3, name="fc1"), nn.gelu("g"),
        nn.fc(6, 3, init_scale=0.3, name="fc2"),
    )
    x = rng.standard_normal((2, 6, 6, 3))
    y = np.array([0, 2])
    loss_func = nn.cross_entropy()

    def loss(_=None):
        return loss_func.forward(net.forward(x), y)

    loss()
    dx = net.backward(loss_func.backward())
    assert rel_error(dx, eval_numerical_gradient(lambda _: loss(), x, verbose=False), floor=1e-3) < 1e-6
    for name, param in net.params.items():
        numeric = eval_numerical_gradient(loss, param, verbose=False)
        assert rel_error(net.grads[name], numeric, floor=1e-3) < 1e-6, name


def test_backward_without_dx_skips_the_leading_layers_but_keeps_parameter_grads(rng):
    net = nn.sequential(nn.flatten(), nn.fc(6, 4, name="fc1"), nn.relu(), nn.fc(4, 2, name="fc2"))
    x = rng.standard_normal((3, 2, 3))
    dout = rng.standard_normal((3, 2))
    net.forward(x)
    dx = net.backward(dout)
    full = {k: v.copy() for k, v in net.grads.items()}
    assert dx.shape == x.shape
    net.forward(x)
    net.layers[0].meta = None  # flatten's backward would now fail: it must not be called
    assert net.backward(dout, compute_dx=False) is None
    for name, grad in full.items():
        assert np.array_equal(net.grads[name], grad), name


# ----------------------------------------------------------------------------- sequential views and access


def test_sequential_views_are_live_and_follow_replaced_param_dicts(rng):
    net = nn.sequential(nn.fc(3, 2, name="fc1"), nn.relu(), nn.fc(2, 2, name="fc2"))
    assert list(net.params) == ["fc1_w", "fc1_b", "fc2_w", "fc2_b"]
    w = rng.standard_normal((3, 2))
    b = rng.standard_normal(2)
    net.layers[0].params = {"fc1_w": w, "fc1_b": b}
    assert net.params["fc1_w"] is w and net.get_params("fc1_b") is b
    x = rng.standard_normal((4, 3))
    h = np.maximum(x @ w + b, 0)
    assert np.allclose(net.forward(x), h @ net.params["fc2_w"] + net.params["fc2_b"])
    new = np.ones((2, 2))
    net.params["fc2_w"] = new  # assigning through the view stores into the owning layer
    assert net.layers[2].params["fc2_w"] is new
    net.backward(np.ones((4, 2)))
    assert net.get_grads("fc2_b") is net.layers[2].grads["fc2_b"]
    assert np.allclose(net.grads["fc2_b"], [4, 4])


def test_assign_stores_value_and_rejects_unknown_names_and_shapes(rng):
    model = nn.TestFCGeLU()
    w = rng.standard_normal((15, 5))
    model.net.assign("fc1_w", w)
    assert model.net.get_params("fc1_w") is w
    with pytest.raises(ValueError, match=r"unknown parameter name 'fc9_w'.*fc1_w"):
        model.net.assign("fc9_w", w)
    with pytest.raises(ValueError, match=r"'fc1_w' has shape \(15, 5\), the value has shape \(5, 15\)"):
        model.net.assign("fc1_w", w.T)
    with pytest.raises(KeyError):
        model.net.params["nope"]
    with pytest.raises(ValueError, match="unknown parameter name 'nope'"):
        model.net.get_grads("nope")


def test_sequential_rejects_duplicate_parameter_names():
    with pytest.raises(ValueError, match=r"parameter name 'fc_w' is used by two layers"):
        nn.sequential(nn.fc(2, 2), nn.fc(2, 2))


def test_layer_reports_missing_parameter_after_replacing_params():
    layer = nn.fc(2, 2, name="fc1")
    layer.params = {"W": np.zeros((2, 2)), "b": np.zeros(2)}
    with pytest.raises(ValueError, match=r"layer 'fc1' needs parameter 'fc1_w'"):
        layer.forward(np.zeros((1, 2)))


def test_conv_layer_rejects_channels_first_input():
    with pytest.raises(ValueError, match=r"expected images of shape \(N, H, W, 3\).*got shape \(2, 3, 8, 8\)"):
        nn.ConvLayer2D(3, 3, 4).forward(np.zeros((2, 3, 8, 8)))


@pytest.mark.parametrize("k, stride, pad, size", [(3, 1, 0, 8), (4, 2, 1, 8), (4, 2, 3, 28), (5, 1, 2, 7)])
def test_conv_layer_output_size_is_what_forward_returns(k, stride, pad, size):
    layer = nn.ConvLayer2D(2, k, 5, stride=stride, padding=pad)
    expected = [3, 1 + (size + 2 * pad - k) // stride, 1 + (size + 2 * pad - k) // stride, 5]
    assert layer.get_output_size((3, size, size, 2)) == expected
    assert list(layer.forward(np.zeros((3, size, size, 2))).shape) == expected


def test_conv_layer_output_size_rejects_what_forward_rejects():
    layer = nn.ConvLayer2D(1, 3, 2, stride=2, name="c")
    with pytest.raises(ValueError, match="ConvLayer2D 'c': windows of height 3 with stride 2 do not tile"):
        layer.get_output_size((1, 8, 9, 1))
    with pytest.raises(ValueError, match=r"expected an input shape \(N, H, W, C\), got \(8, 8\)"):
        layer.get_output_size((8, 8))


def test_load_copies_converts_and_prints(capsys, rng):
    net = nn.sequential(nn.fc(3, 2, name="fc1", dtype=np.float32))
    values = {"fc1_w": rng.standard_normal((3, 2)), "fc1_b": rng.standard_normal(2)}
    net.load(values)
    printed = capsys.readouterr().out
    assert "fc1_w" in printed and "(3, 2)" in printed and "fc1_b" in printed
    assert net.params["fc1_w"].dtype == np.float32 and net.params["fc1_w"] is not values["fc1_w"]
    assert np.allclose(net.params["fc1_w"], values["fc1_w"], rtol=1e-6)


def test_load_checks_everything_before_changing_anything(rng):
    net = nn.sequential(nn.fc(3, 2, name="fc1"), nn.fc(2, 4, name="fc2"))
    before = {k: v.copy() for k, v in net.params.items()}
    good = {k: rng.standard_normal(v.shape) for k, v in before.items()}
    with pytest.raises(ValueError, match=r"shape mismatch for 'fc2_w': the network has \(2, 4\).* \(4, 2\)"):
        net.load({**good, "fc2_w": np.zeros((4, 2))})
    with pytest.raises(ValueError, match=r"holds parameters \['fc3_w'\] that this network does not have"):
        net.load({**good, "fc3_w": np.zeros(1)})
    with pytest.raises(ValueError, match=r"lacks parameters \['fc2_b'\]; pass strict=False"):
        net.load({k: v for k, v in good.items() if k != "fc2_b"})
    for name, value in before.items():
        assert np.array_equal(net.params[name], value), name
    net.load({"fc1_w": good["fc1_w"]}, strict=False, verbose=False)
    assert np.array_equal(net.params["fc1_w"], good["fc1_w"])
    assert np.array_equal(net.params["fc2_w"], before["fc2_w"])


def test_save_load_roundtrip_is_pickle_free_and_atomic(tmp_path, rng):
    model = nn.TestCNN()
    for name, value in model.params.items():
        model.params[name] = rng.standard_normal(value.shape)
    path = model.net.save(tmp_path / "weights")
    assert path == tmp_path / "weights.npz"
    assert sorted(os.listdir(tmp_path)) == ["weights.npz"]  # no temporary file left behind
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == sorted(model.params)
    other = nn.TestCNN()
    other.net.load(path, verbose=False)
    for name in model.params:
        assert np.array_equal(other.params[name], model.params[name])
    x = rng.standard_normal((2, 8, 8, 3))
    assert np.array_equal(other.forward(x), model.forward(x))
