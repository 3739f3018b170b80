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


# --------------------------------------------------------------------------- against PyTorch

def _torch_twin(torch, model):
    """The same network in PyTorch (float64, tanh GELU as ours), holding ``model``'s weights."""
    nn = torch.nn
    p = {k: torch.tensor(v) for k, v in model.params.items()}
    whiten = nn.Conv2d(model.input_dim[0], len(p["whiten.b"]), model.whiten_size, dtype=torch.float64)
    layers, norms = [whiten, nn.GELU(approximate="tanh")], []
    with torch.no_grad():
        whiten.weight.copy_(p["whiten.W"]), whiten.bias.copy_(p["whiten.b"])
        for j in range(1, 7):
            W = p[f"conv{j}.W"]
            conv = nn.Conv2d(W.shape[1], W.shape[0], 3, padding=1, bias=False, dtype=torch.float64)
            conv.weight.copy_(W)
            bn = model.bn_params[j - 1]
            norm = nn.BatchNorm2d(W.shape[0], eps=bn["eps"], momentum=1 - bn["momentum"], dtype=torch.float64)
            norm.weight.requires_grad = False
            norm.bias.copy_(p[f"norm{j}.beta"])
            norms.append(norm)
            layers += [conv] + ([nn.MaxPool2d(2)] if j % 2 else []) + [norm, nn.GELU(approximate="tanh")]
        fc = nn.Linear(*p["fc.W"].shape, bias=False, dtype=torch.float64)
        fc.weight.copy_(p["fc.W"].T)
    net = nn.Sequential(*layers, nn.MaxPool2d(3), nn.Flatten(), fc)
    names = {"whiten.W": whiten.weight, "whiten.b": whiten.bias, "fc.W": fc.weight}
    for j in range(1, 7):
        names[f"conv{j}.W"] = layers[[i for i, m in enumerate(layers) if isinstance(m, nn.Conv2d)][j]].weight
        names[f"norm{j}.beta"] = norms[j - 1].bias
    return net, names, norms


def test_loss_gradients_and_running_statistics_match_pytorch(batch):
    torch = pytest.importorskip("torch")
    X, y = batch
    model = SpeedrunNet(**SMALL)
    model.init_whitening(X)
    model.frozen = set()
    net, names, norms = _torch_twin(torch, model)
    loss, grads = model.loss(X, y)
    scores = net(torch.tensor(X)) * model.output_scale
    expected = torch.nn.functional.cross_entropy(scores, torch.tensor(y), label_smoothing=model.label_smoothing)
    expected.backward()
    assert loss == pytest.approx(expected.item(), rel=1e-12)
    for name, param in names.items():
        torch_grad = param.grad.numpy().T if name == "fc.W" else param.grad.numpy()
        np.testing.assert_allclose(grads[name], torch_grad, rtol=1e-9, atol=1e-12, err_msg=name)
    for bn, norm in zip(model.bn_params, norms):
        np.testing.assert_allclose(bn["running_mean"], norm.running_mean.numpy(), rtol=1e-12, atol=1e-15)
        # PyTorch averages the unbiased batch variance, we the biased one (the course's convention):
        # test mode is compared on our statistics
        with torch.no_grad():
            norm.running_var.copy_(torch.tensor(bn["running_var"]))
    net.eval()
    with torch.no_grad():
        np.testing.assert_allclose(model.loss(X), (net(torch.tensor(X)) * model.output_scale).numpy(), rtol=1e-10)


def test_training_steps_with_bias_groups_match_pytorch_sgd_nesterov(batch):
    """Three steps of SGD + Nesterov, the normalization biases at 64x the rate: ours against torch.optim.SGD."""
    torch = pytest.importorskip("torch")
    from layerwise.optimizer import Optimizer
    X, y = batch
    model = SpeedrunNet(**SMALL)
    model.init_whitening(X)
    net, names, _ = _torch_twin(torch, model)
    lr, mu = 0.05, 0.85
    ours = Optimizer(model.params, "sgd_nesterov_momentum", {"learning_rate": lr, "momentum": mu},
                     groups=[{"params": lambda name: name.startswith("norm"), "lr_mult": 64.0}])
    biases = [p for k, p in names.items() if k.startswith("norm")]
    others = [p for k, p in names.items() if not k.startswith("norm") and k != "whiten.W"]
    names["whiten.W"].requires_grad = False
    theirs = torch.optim.SGD([{"params": biases, "lr": 64 * lr}, {"params": others, "lr": lr}],
                             momentum=mu, nesterov=True)
    for _ in range(3):
        _, grads = model.loss(X, y)
        ours.step(grads)
        theirs.zero_grad(set_to_none=True)
        scores = net(torch.tensor(X)) * model.output_scale
        torch.nn.functional.cross_entropy(scores, torch.tensor(y), label_smoothing=model.label_smoothing).backward()
        theirs.step()
    for name, param in names.items():
        value = param.detach().numpy().T if name == "fc.W" else param.detach().numpy()
        np.testing.assert_allclose(model.params[name], value, rtol=1e-9, atol=1e-12, err_msg=name)
    assert np.abs(model.params["norm1.beta"]).max() > 1e-3           # the steps moved the weights
