"""The one optimizer: rules per parameter, groups with their own rate and decay, state round trip."""

import numpy as np
import pytest

from layerwise import optim
from layerwise.optimizer import Optimizer


def _params(seed=0):
    rng = np.random.default_rng(seed)
    return {"W1": rng.standard_normal((3, 4)), "b1": rng.standard_normal(4), "W2": rng.standard_normal((4, 2))}


def _grads(step):
    rng = np.random.default_rng(100 + step)
    return {k: rng.standard_normal(v.shape) for k, v in _params().items()}


def test_follows_the_rule_with_one_config_per_parameter():
    params, reference = _params(), _params()
    configs = {name: {"learning_rate": 0.01} for name in reference}
    opt = Optimizer(params, "adam", {"learning_rate": 0.01})
    for step in range(4):
        grads = _grads(step)
        opt.step(grads)
        for name in reference:
            reference[name], configs[name] = optim.adam(reference[name], grads[name], configs[name])
    for name in params:
        assert np.array_equal(params[name], reference[name])
    assert opt.configs["W1"]["t"] == 4 and opt.learning_rate == 0.01


def test_groups_scale_the_rate_and_decay_their_parameters():
    params, before = _params(), _params()
    opt = Optimizer(params, "sgd", {"learning_rate": 0.1},
                    groups=[{"params": lambda n: n.startswith("b"), "lr_mult": 4.0},
                            {"params": ["W2"], "weight_decay": 0.01}])
    grads = _grads(0)
    opt.step(grads)
    np.testing.assert_allclose(params["W1"], before["W1"] - 0.1 * grads["W1"], rtol=1e-15)
    np.testing.assert_allclose(params["b1"], before["b1"] - 0.4 * grads["b1"], rtol=1e-15)
    np.testing.assert_allclose(params["W2"], 0.99 * before["W2"] - 0.1 * grads["W2"], rtol=1e-15)
    opt.learning_rate = 0.05                     # the multiplier follows the base rate
    assert opt.configs["b1"]["learning_rate"] == pytest.approx(0.2) and opt.configs["W1"]["learning_rate"] == 0.05


def test_decoupled_decay_follows_the_learning_rate():
    params, before = _params(), _params()
    opt = Optimizer(params, "sgd", {"learning_rate": 0.5}, weight_decay=0.1, decoupled=True)
    grads = _grads(0)
    opt.step(grads)
    np.testing.assert_allclose(params["W1"], (1 - 0.5 * 0.1) * before["W1"] - 0.5 * grads["W1"], rtol=1e-15)


def test_state_round_trip_continues_bit_identically():
    params = _params()
    opt = Optimizer(params, "sgd_momentum", {"learning_rate": 0.1})
    opt.step(_grads(0))
    state, saved = opt.state_dict(), {k: v.copy() for k, v in params.items()}
    opt.step(_grads(1))
    restored_params = saved
    restored = Optimizer(restored_params, "sgd_momentum", {"learning_rate": 9.0})
    restored.load_state_dict(state)
    restored.step(_grads(1))
    for name in params:
        assert np.array_equal(restored_params[name], params[name])
    assert dict(restored.state("velocity")).keys() == params.keys()


@pytest.mark.parametrize("call, message", [
    (lambda: Optimizer([1, 2]), "Optimizer needs a mapping of named parameters, got list"),
    (lambda: Optimizer(_params(), groups=[{"names": ["W1"]}]), "a parameter group is a dict with 'params'"),
    (lambda: Optimizer(_params(), groups=[{"params": ["W1"], "lr_mult": -1}]), "lr_mult must be a non-negative"),
    (lambda: Optimizer(_params(), weight_decay=1.0), r"weight_decay must be in \[0, 1\)"),
    (lambda: Optimizer(_params()).step({"W1": np.zeros((3, 4))}), "no gradient for parameter 'b1'"),
    (lambda: Optimizer(_params()).step(), r"step\(\) needs the gradients"),
    (lambda: Optimizer(_params(), "adam").load_state_dict(Optimizer(_params(), "sgd").state_dict()),
     "saved by an optimizer with rule 'sgd'; this one uses 'adam'"),
])
def test_errors_say_what_to_do(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()


@pytest.mark.parametrize("lr", [-1, float("nan"), float("inf"), "fast"])
def test_a_bad_learning_rate_is_refused(lr):
    with pytest.raises(ValueError, match="learning_rate must be a finite number >= 0, got"):
        Optimizer(_params(), "sgd", {"learning_rate": lr})


def test_repr_names_the_rule_and_its_hyperparameters():
    from layerwise import nn
    assert repr(Optimizer(_params(), "adam", {"learning_rate": 0.01})) == \
        "Optimizer(rule=adam, learning_rate=0.01, 3 parameters)"
    model = nn.TinyNet(input_dim=4, hidden_dim=3, num_classes=2)
    assert repr(nn.SGDMomentum(model, lr=0.1)) == "SGDMomentum(rule=sgd_momentum, learning_rate=0.1, momentum=0.9, 4 parameters)"
