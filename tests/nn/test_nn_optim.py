"""Optimizer objects: same trajectories as the functional rules, weight decay vs L2, Adam's state, errors."""

import copy

import numpy as np
import pytest

from layerwise import nn, optim

STEPS = 5


def _net(seed=0):
    rng = np.random.default_rng(seed)
    net = nn.sequential(nn.fc(4, 3, name="fc1"), nn.relu(), nn.fc(3, 2, name="fc2"))
    for name, value in net.params.items():
        net.params[name] = rng.standard_normal(value.shape)
    return net


def _grads(net, step):
    rng = np.random.default_rng(100 + step)
    return {name: rng.standard_normal(value.shape) for name, value in net.params.items()}


CASES = [
    (lambda net: nn.SGD(net, lr=0.1), optim.sgd, {"learning_rate": 0.1}),
    (lambda net: nn.SGDMomentum(net, lr=0.1, momentum=0.8), optim.sgd_momentum,
     {"learning_rate": 0.1, "momentum": 0.8}),
    (lambda net: nn.RMSProp(net, lr=0.01, decay_rate=0.9, eps=1e-6), optim.rmsprop,
     {"learning_rate": 0.01, "decay_rate": 0.9, "epsilon": 1e-6}),
    (lambda net: nn.Adam(net, lr=0.01, beta1=0.8, beta2=0.99, eps=1e-7), optim.adam,
     {"learning_rate": 0.01, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-7}),
]


@pytest.mark.parametrize("make,rule,config", CASES)
def test_optimizer_follows_the_functional_rule(make, rule, config):
    net = _net()
    reference = {name: value.copy() for name, value in net.params.items()}
    configs = {name: dict(config) for name in reference}
    opt = make(net)
    for step in range(STEPS):
        grads = _grads(net, step)
        for name, g in grads.items():
            net.assign_grads(name, g)
            reference[name], configs[name] = rule(reference[name], g, configs[name])
        opt.step()
        for name in reference:
            assert np.array_equal(net.params[name], reference[name]), (step, name)


def test_optimizer_accepts_a_model_and_walks_its_net():
    model = nn.SmallFullyConnectedNetwork()
    model.net.assign("fc2_w", np.ones((30, 7)))
    for name, value in model.params.items():
        model.net.assign_grads(name, np.ones_like(value))
    nn.SGD(model, lr=0.5).step()
    assert np.array_equal(model.params["fc2_w"], np.full((30, 7), 0.5))


def _adam_reference(theta, grads, lr, b1, b2, eps, wd):
    """Adam written out, with the course's decay: theta - lr * mhat / (sqrt(vhat) + eps) - wd * theta."""
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        theta = theta - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps) - wd * theta
    return theta


def test_adam_with_weight_decay_matches_the_written_out_formula_and_spares_biases():
    net = _net()
    start = {name: value.copy() for name, value in net.params.items()}
    history = {name: [] for name in start}
    opt = nn.Adam(net, lr=0.01, weight_decay=0.05)
    for step in range(STEPS):
        for name, g in _grads(net, step).items():
            net.assign_grads(name, g)
            history[name].append(g)
        opt.step()
    assert opt.t == STEPS
    for name in start:
        wd = 0.05 if name.endswith("_w") else 0.0
        expected = _adam_reference(start[name], history[name], 0.01, 0.9, 0.999, 1e-8, wd)
        assert np.allclose(net.params[name], expected, rtol=1e-12, atol=1e-14), name


def test_adam_state_is_inspectable_and_assignable():
    net = _net()
    opt = nn.Adam(net, lr=0.01)
    g = _grads(net, 0)
    for name, value in g.items():
        net.assign_grads(name, value)
    opt.step()
    opt.step()
    assert opt.t == 2 and sorted(opt.mt) == sorted(net.params) and sorted(opt.vt) == sorted(net.params)
    # after two steps with the same gradient: m = (1 - 0.9^2) g, v = (1 - 0.999^2) g^2
    assert np.allclose(opt.mt["fc1_w"], (1 - 0.9 ** 2) * g["fc1_w"])
    assert np.allclose(opt.vt["fc1_w"], (1 - 0.999 ** 2) * g["fc1_w"] ** 2)
    # resetting the state makes the next step a first step again: theta - lr * sign(g) (up to eps)
    before = {name: value.copy() for name, value in net.params.items()}
    opt.t = 0
    opt.mt = {name: np.zeros_like(value) for name, value in net.params.items()}
    opt.vt = {name: np.zeros_like(value) for name, value in net.params.items()}
    opt.step()
    assert opt.t == 1
    for name in before:
        assert np.allclose(net.params[name], before[name] - 0.01 * np.sign(g[name]), atol=1e-9)


def test_sgd_with_weight_decay_equals_sgd_with_l2_penalty():
    """Weight decay ``theta <- theta - lr*grad - wd*theta`` and an L2 penalty ``lam * sum(theta**2)``
    (gradient ``2*lam*theta``, so ``theta <- theta - lr*grad - lr*2*lam*theta``) are the same SGD update
    when ``lr * 2 * lam = wd``, i.e. ``lam = wd / (2 * lr)``.  Both act on the weights, not the biases."""
    lr, wd = 0.05, 0.01
    lam = wd / (2 * lr)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((8, 4))
    y = rng.integers(7, size=8)
    decayed = nn.SmallFullyConnectedNetwork(init_scale=0.3, seed=0)
    penalized = nn.SmallFullyConnectedNetwork(init_scale=0.3, seed=0)
    opt_decay = nn.SGD(decayed, lr=lr, weight_decay=wd)
    opt_l2 = nn.SGD(penalized, lr=lr)
    loss_func = nn.cross_entropy()
    for _ in range(10):
        loss_func.forward(decayed.forward(X), y)
        decayed.backward(loss_func.backward())
        opt_decay.step()
        loss_func.forward(penalized.forward(X), y)
        penalized.backward(loss_func.backward())
        nn.regularize(penalized.net, "l2", lam)
        opt_l2.step()
        for name in decayed.params:
            assert np.allclose(decayed.params[name], penalized.params[name], rtol=1e-12, atol=1e-15), name
    assert not np.allclose(decayed.params["fc1_w"], nn.SmallFullyConnectedNetwork(init_scale=0.3, seed=0)
                           .params["fc1_w"])  # training moved the weights


def test_adam_weight_decay_differs_from_adam_with_l2_penalty():
    """With Adam the penalty's gradient is divided by sqrt(v): it no longer acts as ``wd * theta``."""
    lr, wd = 0.01, 0.01
    lam = wd / (2 * lr)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((8, 4))
    y = rng.integers(7, size=8)
    decayed = nn.SmallFullyConnectedNetwork(init_scale=0.3, seed=0)
    penalized = nn.SmallFullyConnectedNetwork(init_scale=0.3, seed=0)
    opt_decay = nn.Adam(decayed, lr=lr, weight_decay=wd)
    opt_l2 = nn.Adam(penalized, lr=lr)
    loss_func = nn.cross_entropy()
    for _ in range(10):
        loss_func.forward(decayed.forward(X), y)
        decayed.backward(loss_func.backward())
        opt_decay.step()
        loss_func.forward(penalized.forward(X), y)
        penalized.backward(loss_func.backward())
        nn.regularize(penalized.net, "l2", lam)
        opt_l2.step()
    diff = np.abs(decayed.params["fc1_w"] - penalized.params["fc1_w"]).max()
    assert diff > 1e-3, diff


def test_learning_rate_property_and_step_without_gradients():
    net = _net()
    opt = nn.SGD(net, lr=0.1)
    opt.learning_rate = 0.2
    assert opt.lr == 0.2
    with pytest.raises(ValueError, match=r"SGD.step: no gradient for parameter 'fc1_w' \(gradients for \[\]\); "
                                         r"run the backward pass first"):
        opt.step()
    with pytest.raises(ValueError, match="weight_decay must be in"):
        nn.SGD(net, weight_decay=1.5)
    with pytest.raises(TypeError, match="optimizers take a sequential network or a model with .net"):
        nn.Adam(object())


def test_optimizer_state_survives_replacing_a_layer_param_dict():
    net = _net()
    opt = nn.SGDMomentum(net, lr=0.1, momentum=0.5)
    for name, value in net.params.items():
        net.assign_grads(name, np.ones_like(value))
    opt.step()
    net.layers[0].params = copy.deepcopy(net.layers[0].params)  # new arrays, same names
    before = net.params["fc1_w"].copy()
    opt.step()
    # v1 = -0.1; v2 = 0.5 * v1 - 0.1 = -0.15
    assert np.allclose(net.params["fc1_w"], before - 0.15)


def _train(net, opt, steps, first_step=0):
    for step in range(first_step, first_step + steps):
        for name, g in _grads(net, step).items():
            net.assign_grads(name, g)
        opt.step()


@pytest.mark.parametrize("make,rule,config", CASES)
def test_state_dict_round_trip_continues_bit_identically(make, rule, config):
    net = _net()
    opt = make(net)
    _train(net, opt, 2)
    saved, saved_params = opt.state_dict(), copy.deepcopy(net.params)
    _train(net, opt, 3, first_step=2)  # the uninterrupted run

    restored_net = _net(seed=1)
    for name, value in saved_params.items():
        restored_net.assign(name, value)
    restored = type(opt)(restored_net, lr=123.0)  # hyperparameters come from the state dict
    restored.load_state_dict(saved)
    assert restored.lr == opt.lr
    _train(restored_net, restored, 3, first_step=2)
    for name in net.params:
        assert np.array_equal(restored_net.params[name], net.params[name]), name
    if isinstance(opt, nn.Adam):
        assert restored.t == opt.t == 5


def test_state_dict_is_a_copy_and_refuses_another_optimizer_class():
    net = _net()
    opt = nn.Adam(net, lr=0.01)
    _train(net, opt, 1)
    state = opt.state_dict()
    assert state["rule"] == "adam" and state["configs"]["fc1_w"]["t"] == 1
    saved_m = state["configs"]["fc1_w"]["m"].copy()
    _train(net, opt, 1, first_step=1)
    assert np.array_equal(state["configs"]["fc1_w"]["m"], saved_m)  # later steps do not change it
    assert not np.array_equal(opt.mt["fc1_w"], saved_m)
    with pytest.raises(ValueError, match=r"SGDMomentum.load_state_dict: the state was saved by an optimizer with "
                                         r"rule 'adam'; this one uses 'sgd_momentum'"):
        nn.SGDMomentum(net).load_state_dict(state)
