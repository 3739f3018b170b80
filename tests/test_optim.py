"""Update rules and learning-rate schedules of layerwise.optim.

Each rule is checked three ways: on a small example worked out by hand, against
a straightforward out-of-place transcription of its textbook formula (the
in-place kernels must give the same numbers, bit for bit where the operations
are the same), and against torch.optim when PyTorch is available.
"""

import math

import numpy as np
import pytest

from layerwise import optim
from layerwise.gradient_check import rel_error

RULES = ["sgd", "sgd_momentum", "sgd_nesterov_momentum", "adagrad", "rmsprop", "adam", "adamw"]


# --------------------------------------------------------------------------- hand-worked examples


def test_sgd_hand_example():
    w = np.array([1.0, -2.0])
    next_w, config = optim.sgd(w, np.array([0.5, 0.25]), {"learning_rate": 0.1})
    np.testing.assert_allclose(next_w, [0.95, -2.025], rtol=0, atol=1e-15)
    assert config["learning_rate"] == 0.1


def test_sgd_momentum_hand_example():
    # v = 0.9*0.5 - 0.1*2 = 0.25, w = 1 + 0.25; then v = 0.9*0.25 + 0.1*1 = 0.325, w = 1.575
    config = {"learning_rate": 0.1, "momentum": 0.9, "velocity": np.array([0.5])}
    w, config = optim.sgd_momentum(np.array([1.0]), np.array([2.0]), config)
    np.testing.assert_allclose(config["velocity"], [0.25], atol=1e-15)
    np.testing.assert_allclose(w, [1.25], atol=1e-15)
    w, config = optim.sgd_momentum(w, np.array([-1.0]), config)
    np.testing.assert_allclose(config["velocity"], [0.325], atol=1e-15)
    np.testing.assert_allclose(w, [1.575], atol=1e-15)


def test_sgd_nesterov_momentum_hand_example():
    # v_new = 0.9*0.5 - 0.1*2 = 0.25; w = 1 + 0.25 + 0.9*(0.25 - 0.5) = 1.025
    config = {"learning_rate": 0.1, "momentum": 0.9, "velocity": np.array([0.5])}
    w, config = optim.sgd_nesterov_momentum(np.array([1.0]), np.array([2.0]), config)
    np.testing.assert_allclose(config["velocity"], [0.25], atol=1e-15)
    np.testing.assert_allclose(w, [1.025], atol=1e-15)


def test_adagrad_hand_example():
    # cache = 4, w = 1 - 0.1*2/2 = 0.9; then cache = 4 + 9 = 13, w = 0.9 - 0.1*3/sqrt(13)
    config = {"learning_rate": 0.1, "epsilon": 0.0}
    w, config = optim.adagrad(np.array([1.0]), np.array([2.0]), config)
    np.testing.assert_allclose(w, [0.9], atol=1e-15)
    w, config = optim.adagrad(w, np.array([3.0]), config)
    np.testing.assert_allclose(config["cache"], [13.0], atol=1e-15)
    np.testing.assert_allclose(w, [0.9 - 0.3 / math.sqrt(13)], atol=1e-15)


def test_rmsprop_hand_example():
    # cache = 0.1*4 = 0.4; w = 1 - 0.1*2/sqrt(0.4) = 1 - sqrt(0.1)
    config = {"learning_rate": 0.1, "decay_rate": 0.9, "epsilon": 0.0}
    w, config = optim.rmsprop(np.array([1.0]), np.array([2.0]), config)
    np.testing.assert_allclose(config["cache"], [0.4], atol=1e-15)
    np.testing.assert_allclose(w, [1 - math.sqrt(0.1)], atol=1e-15)


def test_adam_hand_example_constant_gradient_moves_lr_per_step():
    # With a constant gradient g the bias-corrected moments are exactly g and g**2,
    # so (eps = 0) every step moves each weight by lr against the sign of g.
    g = np.array([3.0, -0.2, 1e-3])
    w = np.array([1.0, -1.0, 0.5])
    config = {"learning_rate": 0.01, "epsilon": 0.0}
    for step in range(1, 4):
        w, config = optim.adam(w, g, config)
        assert config["t"] == step
        np.testing.assert_allclose(w, [1 - 0.01 * step, -1 + 0.01 * step, 0.5 - 0.01 * step], atol=1e-14)
    # m after 3 steps: g * (1 - 0.9**3); v: g**2 * (1 - 0.999**3)
    np.testing.assert_allclose(config["m"], g * (1 - 0.9**3), rtol=1e-14)
    np.testing.assert_allclose(config["v"], g**2 * (1 - 0.999**3), rtol=1e-14)


def test_adam_first_step_uses_t_equal_one():
    # t is incremented before the bias correction: the first step is lr*g/(|g| + eps).
    w, config = optim.adam(np.array([0.0]), np.array([2.0]), {"learning_rate": 0.5, "epsilon": 1.0})
    assert config["t"] == 1
    np.testing.assert_allclose(w, [-0.5 * 2.0 / 3.0], atol=1e-15)


def test_adamw_hand_example():
    # Constant gradient, eps = 0: w_next = w*(1 - lr*wd) - lr*sign(g).
    config = {"learning_rate": 0.1, "weight_decay": 0.5, "epsilon": 0.0}
    w, config = optim.adamw(np.array([2.0, -4.0]), np.array([1.0, 1.0]), config)
    np.testing.assert_allclose(w, [2.0 * 0.95 - 0.1, -4.0 * 0.95 - 0.1], atol=1e-15)
    w, config = optim.adamw(w, np.array([1.0, 1.0]), config)
    np.testing.assert_allclose(w, [1.8 * 0.95 - 0.1, -3.9 * 0.95 - 0.1], atol=1e-15)


def test_adamw_without_decay_equals_adam():
    rng = np.random.default_rng(3)
    w1 = rng.standard_normal((7, 5))
    w2 = w1.copy()
    c1, c2 = {}, {"weight_decay": 0.0}
    for _ in range(3):
        dw = rng.standard_normal((7, 5))
        w1, c1 = optim.adam(w1, dw, c1)
        w2, c2 = optim.adamw(w2, dw, c2)
    np.testing.assert_array_equal(w1, w2)


# --------------------------------------------------------------------------- textbook references


def ref_sgd(w, dw, c):
    return w - c["learning_rate"] * dw


def ref_sgd_momentum(w, dw, c):
    c["velocity"] = c["momentum"] * c["velocity"] - c["learning_rate"] * dw
    return w + c["velocity"]


def ref_sgd_nesterov_momentum(w, dw, c):
    v = c["velocity"]
    v_new = c["momentum"] * v - c["learning_rate"] * dw
    c["velocity"] = v_new
    return w + v_new + c["momentum"] * (v_new - v)


def ref_adagrad(w, dw, c):
    c["cache"] = c["cache"] + dw**2
    return w - c["learning_rate"] * dw / (np.sqrt(c["cache"]) + c["epsilon"])


def ref_rmsprop(w, dw, c):
    d = c["decay_rate"]
    c["cache"] = d * c["cache"] + (1 - d) * dw**2
    return w - c["learning_rate"] * dw / (np.sqrt(c["cache"]) + c["epsilon"])


def ref_adam(w, dw, c):
    c["t"] += 1
    c["m"] = c["beta1"] * c["m"] + (1 - c["beta1"]) * dw
    mt = c["m"] / (1 - c["beta1"] ** c["t"])
    c["v"] = c["beta2"] * c["v"] + (1 - c["beta2"]) * (dw**2)
    vt = c["v"] / (1 - c["beta2"] ** c["t"])
    return w - c["learning_rate"] * mt / (np.sqrt(vt) + c["epsilon"])


def ref_adamw(w, dw, c):
    # the paper's formula: the decay acts on the weights before the step
    return ref_adam(w, dw, c) - c["learning_rate"] * c["weight_decay"] * w


REFERENCES = {name: globals()["ref_" + name] for name in RULES}
STATE = {
    "sgd": (),
    "sgd_momentum": ("velocity",),
    "sgd_nesterov_momentum": ("velocity",),
    "adagrad": ("cache",),
    "rmsprop": ("cache",),
    "adam": ("m", "v"),
    "adamw": ("m", "v"),
}
HYPER = {
    "sgd": {"learning_rate": 0.05},
    "sgd_momentum": {"learning_rate": 0.05, "momentum": 0.8},
    "sgd_nesterov_momentum": {"learning_rate": 0.05, "momentum": 0.8},
    "adagrad": {"learning_rate": 0.05, "epsilon": 1e-8},
    "rmsprop": {"learning_rate": 0.01, "decay_rate": 0.9, "epsilon": 1e-8},
    "adam": {"learning_rate": 0.01, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-8, "t": 0},
    "adamw": {"learning_rate": 0.01, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-8, "t": 0, "weight_decay": 0.1},
}


def _reference_run(name, w, grads):
    config = dict(HYPER[name])
    for key in STATE[name]:
        config[key] = np.zeros_like(w)
    for dw in grads:
        w = REFERENCES[name](w, dw, config)
    return w, config


# 70_001 elements span several cache blocks of the in-place kernels (float64 and float32).
SHAPES = [(3,), (4, 5), (7, 10_001)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", RULES)
def test_in_place_update_matches_textbook_formula_float64(name, shape):
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal(shape)
    grads = [rng.standard_normal(shape) for _ in range(5)]
    expected_w, expected_config = _reference_run(name, w0.copy(), grads)

    w = w0.copy()
    config = dict(HYPER[name])
    rule = optim.get_update_rule(name)
    for dw in grads:
        next_w, config = rule(w, dw, config)
        assert next_w is w  # updated in place
    if name in ("adam", "adamw"):  # same math, bias corrections folded into scalars: equal to rounding
        assert rel_error(w, expected_w) < 1e-12
    else:  # same operations in the same order: same bits
        np.testing.assert_array_equal(w, expected_w)
    for key in STATE[name]:
        np.testing.assert_array_equal(config[key], expected_config[key])
    if "t" in config:
        assert config["t"] == 5


@pytest.mark.parametrize("name", RULES)
def test_in_place_update_matches_textbook_formula_float32(name):
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal((33, 1000)).astype(np.float32)
    grads = [rng.standard_normal((33, 1000)).astype(np.float32) for _ in range(3)]
    expected_w, _ = _reference_run(name, w0.copy(), grads)
    assert expected_w.dtype == np.float32
    w, config = w0.copy(), dict(HYPER[name])
    for dw in grads:
        w, config = optim.get_update_rule(name)(w, dw, config)
    assert w.dtype == np.float32
    if name in ("adam", "adamw"):
        np.testing.assert_allclose(w, expected_w, rtol=1e-6, atol=1e-7)
    else:
        np.testing.assert_array_equal(w, expected_w)


@pytest.mark.parametrize("name", RULES)
def test_non_contiguous_and_read_only_parameters(name):
    rng = np.random.default_rng(2)
    base = rng.standard_normal((6, 8))
    grads = [rng.standard_normal((8, 6)) for _ in range(2)]
    expected, _ = _reference_run(name, base.T.copy(), grads)

    w, config = base.T, dict(HYPER[name])  # a transposed view: updated in place, unblocked
    for dw in grads:
        next_w, config = optim.get_update_rule(name)(w, dw, config)
        assert next_w is w
    assert rel_error(base.T, expected) < 1e-12

    frozen = base.T.copy()
    frozen.flags.writeable = False
    before = frozen.copy()
    next_w, _ = optim.get_update_rule(name)(frozen, grads[0], dict(HYPER[name]))
    assert next_w is not frozen
    np.testing.assert_array_equal(frozen, before)
    next_list, _ = optim.get_update_rule(name)(before.tolist(), grads[0], dict(HYPER[name]))
    np.testing.assert_array_equal(next_list, next_w)


@pytest.mark.parametrize("name", RULES)
def test_defaults_filled_with_setdefault(name):
    rule = optim.get_update_rule(name)
    _, config = rule(np.ones(3), np.ones(3))
    for key, value in rule.defaults.items():
        if key != "t":
            assert config[key] == value
    _, config = rule(np.ones(3), np.ones(3), {"learning_rate": 0.123})
    assert config["learning_rate"] == 0.123  # caller's values are kept


def test_documented_defaults():
    assert optim.sgd.defaults == {"learning_rate": 1e-2}
    assert optim.sgd_momentum.defaults == {"learning_rate": 1e-2, "momentum": 0.9}
    assert optim.rmsprop.defaults == {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8}
    assert optim.adam.defaults == {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "t": 0}
    assert optim.adamw.defaults["weight_decay"] == 1e-2


def test_unknown_rule_lists_the_rules():
    with pytest.raises(ValueError, match=r"unknown update rule 'adamm'.*sgd, sgd_momentum.*adam, adamw"):
        optim.get_update_rule("adamm")
    assert optim.get_update_rule(optim.adam) is optim.adam


def test_gradient_shape_mismatch_is_explained():
    with pytest.raises(ValueError, match=r"gradient shape \(3, 2\) does not match parameter shape \(2, 3\)"):
        optim.adam(np.zeros((2, 3)), np.zeros((3, 2)))


def test_scratch_stays_out_of_the_config_and_threads_do_not_change_results():
    from layerwise import elementwise

    rng = np.random.default_rng(3)
    w0, dw = rng.standard_normal((700, 900)), rng.standard_normal((700, 900))  # several blocks per thread
    results = []
    for threads in (1, 2, 3):
        elementwise.set_num_threads(threads)
        try:
            config, w = {}, w0.copy()
            for _ in range(3):
                w, config = optim.adam(w, dw, config)
        finally:
            elementwise.set_num_threads(elementwise._default_threads())
        assert sorted(config) == ["beta1", "beta2", "epsilon", "learning_rate", "m", "t", "v"]
        results.append(w)
    assert np.array_equal(results[0], results[1]) and np.array_equal(results[0], results[2])


# --------------------------------------------------------------------------- config keys


@pytest.mark.parametrize("name", RULES)
def test_unknown_config_key_is_refused_naming_the_known_keys(name):
    rule = optim.get_update_rule(name)
    with pytest.raises(ValueError) as info:
        rule(np.ones(3), np.ones(3), {"learning_rte": 0.1})
    message = str(info.value)
    assert "\n" not in message
    assert f"{name}: unknown config key 'learning_rte' (did you mean 'learning_rate'?)" in message
    for key in set(rule.defaults) | set(STATE[name]):
        assert key in message
    # Scratch keys (leading underscore) and every documented key are accepted.
    config = {key: value for key, value in HYPER[name].items()}
    config["_mine"] = object()
    rule(np.ones(3), np.ones(3), config)
    assert set(STATE[name]) | set(rule.defaults) <= set(rule.known_keys)


def test_unknown_key_checked_before_anything_changes():
    w = np.ones(3)
    config = {"learning_rate": 0.1, "momentum": 0.5, "velocty": np.zeros(3)}
    with pytest.raises(ValueError, match="did you mean 'velocity'"):
        optim.sgd_momentum(w, np.ones(3), config)
    np.testing.assert_array_equal(w, np.ones(3))
    assert "velocity" not in config


def test_rmsprop_ucla_spelling_a_is_the_cache():
    rng = np.random.default_rng(5)
    w0, cache0 = rng.standard_normal((3, 4)), rng.random((3, 4))
    grads = [rng.standard_normal((3, 4)) for _ in range(3)]
    ucla = {"learning_rate": 1e-2, "a": cache0.copy()}
    cs231n = {"learning_rate": 1e-2, "cache": cache0.copy()}
    w_ucla, w_cs = w0.copy(), w0.copy()
    for dw in grads:  # the state stays under the caller's key from step to step
        w_ucla, ucla = optim.rmsprop(w_ucla, dw, ucla)
        w_cs, cs231n = optim.rmsprop(w_cs, dw, cs231n)
        assert "cache" not in ucla and "a" not in cs231n
    np.testing.assert_array_equal(w_ucla, w_cs)
    np.testing.assert_array_equal(ucla["a"], cs231n["cache"])


def test_adam_ucla_spelling_v_first_moment_a_second():
    rng = np.random.default_rng(6)
    w0, m0, v0 = rng.standard_normal((2, 5)), rng.standard_normal((2, 5)), rng.random((2, 5))
    grads = [rng.standard_normal((2, 5)) for _ in range(3)]
    for name in ("adam", "adamw"):
        rule = optim.get_update_rule(name)
        ucla = {"learning_rate": 1e-2, "v": m0.copy(), "a": v0.copy(), "t": 5}
        cs231n = {"learning_rate": 1e-2, "m": m0.copy(), "v": v0.copy(), "t": 5}
        w_ucla, w_cs = w0.copy(), w0.copy()
        for dw in grads:
            w_ucla, ucla = rule(w_ucla, dw, ucla)
            w_cs, cs231n = rule(w_cs, dw, cs231n)
            assert "m" not in ucla and "a" not in cs231n
        np.testing.assert_array_equal(w_ucla, w_cs)
        np.testing.assert_array_equal(ucla["v"], cs231n["m"])     # first moment
        np.testing.assert_array_equal(ucla["a"], cs231n["v"])     # second moment
        assert ucla["t"] == cs231n["t"] == 8


def test_cs231n_spelling_unchanged_when_no_a():
    # A config with 'v' and no 'a' is cs231n's: 'v' is Adam's second moment.
    config = {"learning_rate": 0.1, "v": np.full(2, 4.0), "epsilon": 0.0}
    optim.adam(np.zeros(2), np.full(2, 2.0), config)
    np.testing.assert_allclose(config["m"], [0.2, 0.2])
    np.testing.assert_allclose(config["v"], [0.999 * 4 + 0.001 * 4] * 2)


def test_mixed_spellings_are_refused_and_the_config_is_left_as_given():
    with pytest.raises(ValueError, match=r"rmsprop: config mixes the UCLA spelling \('a'\) with the cs231n key\(s\) 'cache'"):
        optim.rmsprop(np.ones(2), np.ones(2), {"a": np.ones(2), "cache": np.ones(2)})
    with pytest.raises(ValueError, match="adam: config mixes the UCLA spelling"):
        optim.adam(np.ones(2), np.ones(2), {"a": np.ones(2), "m": np.ones(2)})
    config = {"learning_rate": 0.1, "v": np.ones(2), "a": np.ones(2)}
    with pytest.raises(ValueError, match="gradient shape"):
        optim.adam(np.ones(2), np.ones(3), config)
    assert "m" not in config and "a" in config and "v" in config    # still in the caller's spelling


# --------------------------------------------------------------------------- PyTorch


@pytest.mark.parametrize("name", RULES)
def test_rules_match_torch_optim(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    w0 = rng.standard_normal((5, 4))
    grads = [rng.standard_normal((5, 4)) for _ in range(6)]
    h = HYPER[name]
    p = torch.tensor(w0.copy(), requires_grad=True)
    make = {
        "sgd": lambda: torch.optim.SGD([p], lr=h["learning_rate"]),
        "sgd_momentum": lambda: torch.optim.SGD([p], lr=h["learning_rate"], momentum=h["momentum"]),
        "sgd_nesterov_momentum": lambda: torch.optim.SGD(
            [p], lr=h["learning_rate"], momentum=h["momentum"], nesterov=True
        ),
        "adagrad": lambda: torch.optim.Adagrad([p], lr=h["learning_rate"], eps=h["epsilon"]),
        "rmsprop": lambda: torch.optim.RMSprop([p], lr=h["learning_rate"], alpha=h["decay_rate"], eps=h["epsilon"]),
        "adam": lambda: torch.optim.Adam([p], lr=h["learning_rate"], betas=(h["beta1"], h["beta2"]), eps=h["epsilon"]),
        "adamw": lambda: torch.optim.AdamW(
            [p], lr=h["learning_rate"], betas=(h["beta1"], h["beta2"]), eps=h["epsilon"],
            weight_decay=h["weight_decay"],
        ),
    }
    opt = make[name]()
    w, config = w0.copy(), dict(h)
    for dw in grads:
        p.grad = torch.tensor(dw)
        opt.step()
        w, config = optim.get_update_rule(name)(w, dw, config)
    assert rel_error(w, p.detach().numpy()) < 1e-10


# --------------------------------------------------------------------------- schedules


def test_step_decay_per_epoch():
    s = optim.StepDecay(decay_rate=0.5, every_epochs=2)
    assert [s(100, e, 1.0) for e in range(5)] == [1.0, 1.0, 0.5, 0.5, 0.25]


def test_iteration_step_decay():
    s = optim.IterationStepDecay(decay_rate=0.1, every_iterations=10)
    assert s(0, 0, 2.0) == 2.0
    assert s(9, 0, 2.0) == 2.0
    assert s(10, 3, 2.0) == pytest.approx(0.2)
    assert s(25, 3, 2.0) == pytest.approx(0.02)


def test_cosine_decay_with_warmup():
    s = optim.CosineDecay(total_iterations=110, warmup_iterations=10, min_lr=0.1)
    assert s(0, 0, 1.0) == pytest.approx(0.1)  # (0 + 1) / 10
    assert s(4, 0, 1.0) == pytest.approx(0.5)
    assert s(9, 0, 1.0) == pytest.approx(1.0)
    assert s(10, 0, 1.0) == pytest.approx(1.0)  # cosine starts at base_lr
    assert s(60, 0, 1.0) == pytest.approx(0.55)  # halfway: (1 + 0.1) / 2
    assert s(110, 0, 1.0) == pytest.approx(0.1)
    assert s(500, 0, 1.0) == pytest.approx(0.1)  # stays at min_lr
    assert optim.CosineDecay(total_iterations=4)(2, 0, 2.0) == pytest.approx(1.0)


def test_cosine_decay_needs_its_length():
    with pytest.raises(ValueError, match="total_iterations"):
        optim.CosineDecay()(0, 0, 1.0)


def test_linear_warmup():
    s = optim.LinearWarmup(warmup_iterations=4)
    assert [s(i, 0, 2.0) for i in range(6)] == [0.5, 1.0, 1.5, 2.0, 2.0, 2.0]


def test_get_schedule_by_name_and_round_trip():
    s = optim.get_schedule("cosine", total_iterations=50, warmup_iterations=5)
    assert isinstance(s, optim.CosineDecay)
    again = optim.get_schedule(s.to_config())
    assert again == s
    assert s.to_config() == {"name": "cosine", "total_iterations": 50, "warmup_iterations": 5, "min_lr": 0.0}
    f = lambda it, ep, lr: lr  # noqa: E731
    assert optim.get_schedule(f) is f


def test_schedule_errors_are_explained():
    with pytest.raises(ValueError, match=r"unknown learning-rate schedule 'linear'.*step, step_iterations, cosine"):
        optim.get_schedule("linear")
    with pytest.raises(ValueError, match=r"unknown argument\(s\) decay for schedule 'step'.*decay_rate"):
        optim.get_schedule("step", decay=0.5)
    with pytest.raises(ValueError, match=r"StepDecay: every_epochs must be an integer >= 1, got 0"):
        optim.StepDecay(0.5, every_epochs=0)
    with pytest.raises(ValueError, match=r"LinearWarmup: warmup_iterations must be an integer >= 1, got True"):
        optim.LinearWarmup(warmup_iterations=True)     # a bool is not a count


def test_triangular_rises_to_the_peak_then_falls_linearly():
    s = optim.Triangular(total_iterations=100, start=0.2, end=0.1, peak_fraction=0.25)  # peak at 25
    base = 2.0
    assert s(0, 0, base) == pytest.approx(0.4, abs=1e-15)  # start * base
    assert s(25, 0, base) == base  # the peak
    assert s(100, 0, base) == pytest.approx(0.2, abs=1e-15)  # end * base
    assert s(12, 0, base) == pytest.approx(2.0 * (0.2 + 0.8 * 12 / 25), abs=1e-15)
    assert s(50, 0, base) == pytest.approx(1.4, abs=1e-15)  # a third of the way down: 2 * (1 - 0.9 / 3)
    assert s(75, 0, base) == pytest.approx(0.8, abs=1e-15)
    up = [s(i, 0, base) for i in range(26)]
    down = [s(i, 0, base) for i in range(25, 101)]
    np.testing.assert_allclose(np.diff(up), 1.6 / 25, rtol=1e-12)  # linear: constant steps
    np.testing.assert_allclose(np.diff(down), -1.8 / 75, rtol=1e-12)
    assert s(101, 0, base) == s(1000, 7, base) == s(100, 0, base)  # clamped after the run
    assert s(30, 99, base) == s(30, 0, base)  # the epoch plays no part
    assert s(30, 0, 4.0) == pytest.approx(2 * s(30, 0, 2.0), rel=1e-15)  # proportional to base_lr


def test_triangular_peak_is_rounded_down_and_defaults_are_the_speedruns():
    s = optim.Triangular(total_iterations=10)  # start 0.2, end 0.07, peak_fraction 0.23: peak at int(2.3) = 2
    assert (s.start, s.end, s.peak_fraction) == (0.2, 0.07, 0.23)
    assert [s(i, 0, 1.0) for i in (0, 1, 2)] == pytest.approx([0.2, 0.6, 1.0], abs=1e-15)
    assert s(6, 0, 1.0) == pytest.approx(1 - 0.93 * 4 / 8, abs=1e-15)
    assert s(10, 0, 1.0) == pytest.approx(0.07, abs=1e-15)
    flat = optim.Triangular(total_iterations=8, start=1.0, end=1.0)
    assert all(flat(i, 0, 0.5) == 0.5 for i in range(12))


def test_triangular_by_name_and_round_trip():
    s = optim.get_schedule("triangular", total_iterations=40, start=0.1, end=0.0, peak_fraction=0.5)
    assert isinstance(s, optim.Triangular)
    assert s.to_config() == {"name": "triangular", "total_iterations": 40, "start": 0.1, "end": 0.0,
                             "peak_fraction": 0.5}
    again = optim.get_schedule(s.to_config())
    assert again == s and [again(i, 0, 1.0) for i in range(45)] == [s(i, 0, 1.0) for i in range(45)]
    assert s(20, 0, 1.0) == 1.0 and s(40, 0, 1.0) == 0.0
    assert optim.get_schedule("triangular") == optim.Triangular()
    assert optim.get_schedule("triangular").total_iterations is None


def test_triangular_errors_are_explained():
    with pytest.raises(ValueError, match=r"Triangular needs total_iterations"):
        optim.Triangular()(0, 0, 1.0)
    with pytest.raises(ValueError, match=r"Triangular: total_iterations must be an integer >= 1, got 0"):
        optim.Triangular(total_iterations=0)
    with pytest.raises(ValueError, match=r"Triangular: start must be a non-negative number, got -0.1"):
        optim.Triangular(total_iterations=10, start=-0.1)
    with pytest.raises(ValueError, match=r"Triangular: end must be a non-negative number, got nan"):
        optim.Triangular(total_iterations=10, end=float("nan"))
    with pytest.raises(ValueError, match=r"Triangular: peak_fraction must be a non-negative number, got True"):
        optim.Triangular(total_iterations=10, peak_fraction=True)
    with pytest.raises(ValueError, match=r"Triangular: peak_fraction is a fraction of the run, in \[0, 1\]; got 1.5"):
        optim.Triangular(total_iterations=10, peak_fraction=1.5)
    with pytest.raises(ValueError, match=r"unknown argument\(s\) peak for schedule 'triangular'"):
        optim.get_schedule("triangular", peak=0.3)
