"""The one optimizer: rules per parameter, groups with their own rate and decay, state round trip."""

import numpy as np
import pytest

from layerwise import optim
from layerwise.optimizer import Lookahead, Optimizer


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


# --------------------------------------------------------------------------- frozen parameters, lookahead


def test_a_none_gradient_freezes_its_parameter_and_its_momentum():
    params, before = _params(), _params()
    opt = Optimizer(params, "sgd_momentum", {"learning_rate": 0.1}, weight_decay=0.01)
    for step in range(3):
        grads = _grads(step)
        grads["b1"] = None                      # frozen: neither a step nor the decay
        opt.step(grads)
    assert np.array_equal(params["b1"], before["b1"])
    assert "b1" not in opt.configs and not np.array_equal(params["W1"], before["W1"])
    grads = _grads(3)
    opt.step(grads)                             # thawed: it starts from zero velocity
    np.testing.assert_allclose(params["b1"], 0.99 * before["b1"] - 0.1 * grads["b1"], rtol=1e-15)


def optim_lookahead(params, every=5, alpha=0.5, rule="sgd_momentum"):
    return Lookahead(Optimizer(params, rule, {"learning_rate": 0.1}), every=every, alpha=alpha)


def test_lookahead_with_alpha_one_is_the_inner_optimizer():
    params, reference = _params(), _params()
    wrapped = optim_lookahead(params, every=2, alpha=1.0)
    plain = Optimizer(reference, "sgd_momentum", {"learning_rate": 0.1})
    for step in range(7):
        wrapped.step(_grads(step))
        plain.step(_grads(step))
    for name in params:
        np.testing.assert_allclose(params[name], reference[name], rtol=1e-15, atol=1e-15)


def test_lookahead_matches_a_hand_written_reference():
    params, w = _params(), _params()
    slow = {k: v.copy() for k, v in w.items()}
    velocity = {k: None for k in w}
    opt = optim_lookahead(params, every=2, alpha=0.5)
    for step in range(6):
        grads = _grads(step)
        opt.step(grads)
        for name in w:                          # sgd_momentum by hand: v = 0.9 v - lr g; w += v
            v = velocity[name] if velocity[name] is not None else np.zeros_like(w[name])
            velocity[name] = 0.9 * v - 0.1 * grads[name]
            w[name] = w[name] + velocity[name]
        if (step + 1) % 2 == 0:
            for name in w:
                slow[name] = slow[name] + 0.5 * (w[name] - slow[name])
                w[name] = slow[name].copy()
        for name in w:
            np.testing.assert_allclose(params[name], w[name], rtol=1e-13, atol=1e-14)
    assert opt.steps == 6
    for name in w:
        np.testing.assert_allclose(opt.slow[name], slow[name], rtol=1e-13, atol=1e-14)


def test_lookahead_alpha_can_follow_the_step_count_and_sync_keeps_the_average():
    params, before = _params(), _params()
    seen = []

    def alpha(steps):
        seen.append(steps)
        return 0.0                              # keep the slow weights: every sync resets to the start
    opt = optim_lookahead(params, every=3, alpha=alpha, rule="sgd")
    for step in range(6):
        opt.step(_grads(step))
    assert seen == [3, 6]
    for name in params:
        assert np.array_equal(params[name], before[name])
    opt.step(_grads(9))
    moved = {k: v.copy() for k, v in params.items()}
    opt.sync(alpha=0)                           # back to the slow weights, whatever the schedule says
    for name in params:
        assert np.array_equal(params[name], before[name]) and not np.array_equal(moved[name], before[name])
    assert seen == [3, 6]


def test_lookahead_passes_the_learning_rate_and_round_trips_its_state():
    params = _params()
    opt = optim_lookahead(params, every=2, alpha=0.5)
    assert opt.learning_rate == 0.1 and opt.params is params
    opt.learning_rate = 0.05
    assert opt.optimizer.learning_rate == 0.05
    for step in range(3):
        opt.step(_grads(step))
    state, saved = opt.state_dict(), {k: v.copy() for k, v in params.items()}
    for step in range(3, 6):
        opt.step(_grads(step))
    restored = optim_lookahead(saved, every=2, alpha=0.5)
    restored.load_state_dict(state)
    assert restored.steps == 3
    for step in range(3, 6):
        restored.step(_grads(step))
    for name in params:
        assert np.array_equal(saved[name], params[name])
    with pytest.raises(ValueError, match="Lookahead.load_state_dict: expected the dict of state_dict"):
        restored.load_state_dict({"steps": 1})


@pytest.mark.parametrize("call, message", [
    (lambda: optim_lookahead(_params(), alpha=1.5), r"Lookahead: alpha must be a number in \[0, 1\], got 1.5"),
    (lambda: optim_lookahead(_params(), alpha=True), r"Lookahead: alpha must be a number in \[0, 1\], got True"),
    (lambda: optim_lookahead(_params(), every=0), "every must be an integer >= 1"),
    (lambda: optim_lookahead(_params(), every=1, alpha=lambda s: -1).step(_grads(0)),
     r"Lookahead: alpha must be a number in \[0, 1\], got -1"),
])
def test_lookahead_refuses_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()
    with pytest.raises(TypeError, match="Lookahead wraps an optimizer with params and step"):
        Lookahead("sgd")


def test_lookahead_averages_buffers_that_are_replaced_between_steps():
    params = _params()
    stats = {"mean": np.zeros(3)}               # a batchnorm replaces its running mean at every step
    opt = Lookahead(Optimizer(params, "sgd", {"learning_rate": 0.1}), every=2, alpha=0.25,
                    buffers=lambda: {"norm.mean": stats["mean"]})
    after = []
    for step in range(4):
        stats["mean"] = stats["mean"] + step + 1.0
        opt.step(_grads(step))
        after.append(stats["mean"][0])
    # mean 1, then 3 -> slow 0 + 0.25 * 3 = 0.75; then 3.75, 7.75 -> slow 0.75 + 0.25 * 7 = 2.5
    assert after == [1.0, 0.75, 3.75, 2.5]
    assert np.array_equal(opt.state_dict()["slow_buffers"]["norm.mean"], np.full(3, 2.5))
    with pytest.raises(TypeError, match="Lookahead: buffers must be a function returning a mapping"):
        Lookahead(opt.optimizer, buffers={"norm.mean": np.zeros(3)})
