"""The Solver training engine and its checkpoints."""

import json
import os

import numpy as np
import pytest

from layerwise import checkpoint, optim
from layerwise.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from layerwise.data import AlternatingFlip, Compose, alternating_flip
from layerwise.gradient_check import eval_numerical_gradient, rel_error
from layerwise.solver import DivergenceError, Solver


class TinyNet:
    """affine - relu - [dropout] - affine - softmax in float64.

    Like the library's models it keeps state dicts: a running mean of the hidden
    activations in ``bn_params[0]`` and inverted dropout (keep probability ``p``)
    drawing its masks from NumPy's global generator via ``dropout_param``.
    """

    def __init__(self, D=8, H=32, C=3, keep=1.0, seed=0, weight_scale=0.3):
        rng = np.random.default_rng(seed)
        self.params = {
            "W1": weight_scale * rng.standard_normal((D, H)),
            "b1": np.zeros(H),
            "W2": weight_scale * rng.standard_normal((H, C)),
            "b2": np.zeros(C),
        }
        self.bn_params = [{"mode": "train"}]
        self.dropout_param = {"mode": "train", "p": keep}

    def loss(self, X, y=None):
        p = self.params
        X2 = X.reshape(X.shape[0], -1)
        a = X2 @ p["W1"] + p["b1"]
        h = np.maximum(a, 0)
        mask = None
        if y is not None:
            bn = self.bn_params[0]
            bn["running_mean"] = 0.9 * bn.get("running_mean", np.zeros(h.shape[1])) + 0.1 * h.mean(axis=0)
            keep = self.dropout_param["p"]
            if keep < 1:
                mask = (np.random.rand(*h.shape) < keep) / keep
                h = h * mask
        scores = h @ p["W2"] + p["b2"]
        if y is None:
            return scores
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        N = X.shape[0]
        loss = -log_probs[np.arange(N), y].mean()
        dscores = np.exp(log_probs)
        dscores[np.arange(N), y] -= 1
        dscores /= N
        dh = dscores @ p["W2"].T
        if mask is not None:
            dh *= mask
        da = dh * (a > 0)
        grads = {"W1": X2.T @ da, "b1": da.sum(axis=0), "W2": h.T @ dscores, "b2": dscores.sum(axis=0)}
        return loss, grads


def make_data(n_train=50, n_val=30, n_test=0, D=8, C=3, seed=0, noise=1.0):
    """Gaussian blobs: C class means in D dimensions plus noise."""
    rng = np.random.default_rng(seed)
    means = 2.0 * rng.standard_normal((C, D))

    def split(n):
        y = rng.integers(C, size=n)
        return means[y] + noise * rng.standard_normal((n, D)), y

    data = {}
    for name, n in (("train", n_train), ("val", n_val), ("test", n_test)):
        if n:
            data[f"X_{name}"], data[f"y_{name}"] = split(n)
    return data


def quiet(**kwargs):
    return {"verbose": False, "seed": 0, **kwargs}


def test_tiny_net_gradients_are_right():
    # The test model itself is gradient-checked so that the solver tests rest on it.
    model = TinyNet(D=4, H=6, C=3)
    X = np.random.default_rng(1).standard_normal((5, 4))
    y = np.array([0, 1, 2, 1, 0])
    _, grads = model.loss(X, y)
    for name, param in model.params.items():
        num = eval_numerical_gradient(lambda _: model.loss(X, y)[0], param, verbose=False)
        assert rel_error(num, grads[name]) < 1e-7, name


# --------------------------------------------------------------------------- training


def test_overfits_fifty_examples():
    data = make_data(n_train=50, noise=1.5)
    model = TinyNet(H=64)
    solver = Solver(model, data, **quiet(update_rule="adam", optim_config={"learning_rate": 2e-2},
                                        batch_size=25, num_epochs=40))
    solver.train()
    assert solver.train_acc_history[-1] == 1.0
    assert np.mean(solver.loss_history[-5:]) < 0.1 * np.mean(solver.loss_history[:5])
    assert len(solver.loss_history) == 40 * 2
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == 41  # after it. 1 + each epoch
    assert solver.best_val_acc == max(solver.val_acc_history)
    for name, value in solver.best_params.items():
        np.testing.assert_array_equal(model.params[name], value)
    assert [h["epoch"] for h in solver.history] == list(range(41))
    assert set(solver.history[0]) == {"epoch", "iteration", "loss", "train_acc", "val_acc", "lr", "seconds"}


def test_parameters_updated_in_place_and_data_not_copied():
    data = make_data()
    for v in data.values():
        v.flags.writeable = False  # the solver must never write to (or need to copy) the data
    model = TinyNet()
    arrays = dict(model.params)
    solver = Solver(model, data, **quiet(update_rule="sgd_momentum", num_epochs=2, batch_size=10))
    solver.train()
    assert solver.X_train is data["X_train"]
    for name, array in arrays.items():
        assert model.params[name] is array


def test_same_seed_same_run_and_different_seed_different_run():
    data = make_data()

    def run(seed):
        model = TinyNet(keep=0.8)
        np.random.seed(5)  # dropout draws from the global generator
        solver = Solver(model, data, **quiet(update_rule="rmsprop", num_epochs=3, batch_size=10, seed=seed))
        solver.train()
        return solver, model

    (s1, m1), (s2, m2), (s3, _) = run(1), run(1), run(2)
    assert s1.loss_history == s2.loss_history
    for name in m1.params:
        np.testing.assert_array_equal(m1.params[name], m2.params[name])
    assert s1.loss_history != s3.loss_history


def _recording_rule():
    """A functional rule (plain SGD) that records the learning rate of every call."""
    seen = []

    def rule(w, dw, config=None):
        config = config if config is not None else {}
        config.setdefault("learning_rate", 1e-2)
        seen.append(config["learning_rate"])
        return w - config["learning_rate"] * dw, config

    return rule, seen


def test_lr_decay_per_epoch():
    data = make_data(n_train=40)
    rule, seen = _recording_rule()
    solver = Solver(TinyNet(), data, **quiet(update_rule=rule, optim_config={"learning_rate": 0.1},
                                            lr_decay=0.5, batch_size=20, num_epochs=3))
    solver.train()
    per_iteration = seen[::4]  # one call per parameter (4 parameters)
    assert per_iteration == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])
    assert all(c["learning_rate"] == pytest.approx(0.0125) for c in solver.optim_configs.values())
    assert [h["lr"] for h in solver.history] == pytest.approx([0.1, 0.05, 0.025, 0.0125])


def test_lr_decay_every_k_iterations():
    data = make_data(n_train=40)
    rule, seen = _recording_rule()
    solver = Solver(TinyNet(), data, **quiet(update_rule=rule, optim_config={"learning_rate": 1.0},
                                            lr_decay=0.1, lr_decay_every=3, batch_size=10, num_epochs=2))
    solver.train()
    assert seen[::4] == pytest.approx([1, 1, 1, 0.1, 0.1, 0.1, 0.01, 0.01])


def test_lr_schedule_sets_rate_before_every_iteration():
    data = make_data(n_train=40)
    rule, seen = _recording_rule()
    schedule = lambda it, epoch, base: base / (it + 1) + epoch  # noqa: E731
    solver = Solver(TinyNet(), data, **quiet(update_rule=rule, optim_config={"learning_rate": 0.5},
                                            lr_schedule=schedule, batch_size=10, num_epochs=2))
    solver.train()
    assert seen[::4] == pytest.approx([0.5 / (i + 1) + i // 4 for i in range(8)])


def test_named_cosine_schedule_spans_the_run():
    data = make_data(n_train=40)
    rule, seen = _recording_rule()
    solver = Solver(TinyNet(), data, **quiet(update_rule=rule, optim_config={"learning_rate": 1.0},
                                            lr_schedule="cosine", batch_size=10, num_epochs=5))
    assert solver.lr_schedule == optim.CosineDecay(total_iterations=20)
    solver.train()
    lrs = seen[::4]
    assert lrs[0] == 1.0 and lrs[10] == pytest.approx(0.5)
    assert lrs[-1] == pytest.approx(0.5 * (1 + np.cos(np.pi * 19 / 20)))


def test_lr_schedule_and_decay_are_exclusive():
    with pytest.raises(ValueError, match="either lr_schedule or lr_decay"):
        Solver(TinyNet(), make_data(), **quiet(lr_schedule="cosine", lr_decay=0.9))


def test_early_stopping_on_validation_accuracy():
    data = make_data()
    # learning rate 0: validation accuracy never improves after the first measurement
    solver = Solver(TinyNet(), data, **quiet(optim_config={"learning_rate": 0.0}, patience=2,
                                            batch_size=10, num_epochs=10))
    solver.train()
    assert solver.stopped_early
    assert solver.epoch == 2
    assert len(solver.val_acc_history) == 3
    assert len(solver.loss_history) == 2 * 5


def test_augment_applies_to_training_batches_only():
    data = make_data(n_train=40, n_val=20, n_test=20)
    model = TinyNet()
    seen = {"train": [], "eval": []}
    original_loss = model.loss

    def loss(X, y=None):
        seen["eval" if y is None else "train"].append(X.max())
        return original_loss(X, y)

    model.loss = loss
    calls = []

    def augment(X, rng):
        calls.append((X.shape, rng))
        return X + 1000.0

    solver = Solver(model, data, **quiet(augment=augment, batch_size=10, num_epochs=2,
                                        optim_config={"learning_rate": 0.0}))
    solver.train()
    assert len(calls) == solver.num_iterations == 8
    assert all(shape == (10, 8) and rng is solver.rng for shape, rng in calls)
    assert min(seen["train"]) > 900  # every training batch was augmented
    assert max(seen["eval"]) < 100  # accuracy checks (train, val, test) never are


def _model_whose_loss_turns(value, at_call):
    """A TinyNet whose training loss is ``value`` (a number, or a function of the true loss) at call ``at_call``."""
    model = TinyNet()
    original_loss = model.loss
    count = [0]

    def loss(X, y=None):
        if y is None:
            return original_loss(X)
        count[0] += 1
        true_value, grads = original_loss(X, y)
        if count[0] != at_call:
            return true_value, grads
        return (value(true_value) if callable(value) else value), grads

    model.loss = loss
    return model


def test_a_verbose_solver_says_why_it_stopped(capsys):
    data = make_data(n_train=40)
    solver = Solver(_model_whose_loss_turns(np.inf, at_call=7), data, batch_size=10, num_epochs=3,
                    optim_config={"learning_rate": 0.05}, print_every=1000)
    solver.train()
    assert "Stopped: the training loss became inf at iteration 7 of 12" in capsys.readouterr().err


def test_nan_loss_by_default_ends_training_and_keeps_the_best_parameters(capsys):
    data = make_data(n_train=40)
    model = _model_whose_loss_turns(np.inf, at_call=7)
    solver = Solver(model, data, **quiet(batch_size=10, num_epochs=3, optim_config={"learning_rate": 0.05}))
    solver.train()   # no exception: a notebook's search over learning rates goes on
    assert solver.diverged.startswith("the training loss became inf at iteration 7 of 12")
    assert capsys.readouterr().err == ""     # quiet; a verbose Solver says so (below)
    assert solver.iteration == 6 and len(solver.loss_history) == 6 and len(solver.val_acc_history) == 2
    for name, value in model.params.items():   # the best evaluation's parameters, all finite
        assert np.array_equal(value, solver.best_params[name]) and np.isfinite(value).all()
    with pytest.raises(ValueError, match="on_divergence must be 'stop' or 'raise', got 'ignore'"):
        Solver(TinyNet(), data, on_divergence="ignore")


def test_nan_loss_stops_with_a_clear_message():
    data = make_data(n_train=40)
    model = _model_whose_loss_turns(np.nan, at_call=7)
    solver = Solver(model, data, **quiet(batch_size=10, num_epochs=3, optim_config={"learning_rate": 0.05},
                                         on_divergence="raise"))
    before = {k: v.copy() for k, v in model.params.items()}
    with pytest.raises(DivergenceError, match=r"loss became nan at iteration 7 of 12 \(epoch 2 of 3\).*"
                                              r"learning rate 0.05.*Lower the learning rate"):
        solver.train()
    assert issubclass(DivergenceError, ValueError) and issubclass(DivergenceError, FloatingPointError)
    assert len(solver.loss_history) == 6
    assert not np.array_equal(before["W1"], model.params["W1"])


def test_unknown_keyword_arguments_are_named():
    with pytest.raises(ValueError, match=r"Unrecognized arguments 'batchsize' \(did you mean 'batch_size'\?\), "
                                         r"'frobnicate'.*accepted: update_rule"):
        Solver(TinyNet(), make_data(), batchsize=10, frobnicate=True)


@pytest.mark.parametrize(
    "change, error, message",
    [
        (lambda d: d.pop("X_val"), ValueError, "data is missing X_val"),
        (lambda d: d.update(y_train=d["y_train"][:-1]), ValueError,
         r"X_train has 50 examples.*y_train has shape \(49,\)"),
        (lambda d: d.update(y_train=d["y_train"].astype(float)), ValueError,
         "y_train must hold integer class labels"),
        (lambda d: d.update(X_test=d["X_val"]), ValueError, "only one of X_test and y_test"),
        (lambda d: d["X_val"].__setitem__((3, 2), np.nan), ValueError,
         r"X_val contains NaN or inf values \(1 examples, the first at index 3\)"),
        (lambda d: d["y_train"].__setitem__(5, -1), ValueError, r"y_train holds negative labels \(min -1\)"),
    ],
)
def test_bad_data_is_explained(change, error, message):
    data = make_data()
    change(data)
    with pytest.raises(error, match=message):
        Solver(TinyNet(), data, **quiet())


def test_bad_settings_are_explained():
    data = make_data()
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1, got 0"):
        Solver(TinyNet(), data, batch_size=0)
    with pytest.raises(ValueError, match="unknown update rule 'adamm'.*sgd_momentum"):
        Solver(TinyNet(), data, update_rule="adamm")
    with pytest.raises(TypeError, match="'params' dict and a loss"):
        Solver(object(), data)
    with pytest.raises(ValueError, match="lr_decay must be a positive number"):
        Solver(TinyNet(), data, lr_decay=-1)


def test_check_accuracy_counts_correct_predictions():
    class Oracle:
        params = {}

        def loss(self, X, y=None):
            return np.eye(3)[X[:, 0].astype(int)]  # predicts the class stored in column 0

    X = np.zeros((250, 2))
    y = np.arange(250) % 3
    X[:, 0] = y
    X[:7, 0] = (y[:7] + 1) % 3  # 7 wrong
    solver = Solver(Oracle(), {"X_train": X, "y_train": y, "X_val": X, "y_val": y}, **quiet())
    assert solver.check_accuracy(X, y) == pytest.approx(243 / 250)
    assert solver.check_accuracy(X, y, batch_size=7) == pytest.approx(243 / 250)
    assert solver.check_accuracy(X[7:], y[7:], num_samples=40) == 1.0
    sub = solver.check_accuracy(X, y, num_samples=100)
    assert sub * 100 == round(sub * 100) and sub >= 0.93  # at most 7 of 100 distinct rows wrong


def test_test_set_is_evaluated_at_the_end_with_the_best_parameters():
    data = make_data(n_test=40)
    solver = Solver(TinyNet(), data, **quiet(update_rule="adam", optim_config={"learning_rate": 1e-2},
                                            batch_size=10, num_epochs=3))
    solver.train()
    assert solver.test_acc == solver.check_accuracy(data["X_test"], data["y_test"])
    assert 0 < solver.test_acc <= 1


def test_num_iterations(tmp_path):
    data = make_data(n_train=40)
    solver = Solver(TinyNet(), data, **quiet(num_iterations=7, batch_size=8, checkpoint_name=tmp_path / "ck"))
    assert solver.iterations_per_epoch == 5 and solver.num_epochs == 2
    solver.train()  # one epoch and a partial one, evaluated at the end and checkpointed
    assert len(solver.loss_history) == 7 and solver.epoch == 1 and len(solver.val_acc_history) == 3
    assert load_checkpoint(tmp_path / "ck")["iteration"] == 7
    assert Solver.resume(tmp_path / "ck", TinyNet(), data).num_iterations == 7
    with pytest.raises(ValueError, match="either num_epochs or num_iterations"):
        Solver(TinyNet(), data, num_epochs=2, num_iterations=7)


@pytest.mark.parametrize("keep_best", [True, False])
def test_keep_best(tmp_path, keep_best):
    data = make_data(noise=3.0)
    model = TinyNet()
    solver = Solver(model, data, **quiet(update_rule="sgd", optim_config={"learning_rate": 0.5}, batch_size=5,
                                        num_epochs=6, keep_best=keep_best, checkpoint_name=tmp_path / "ck"))
    solver.train()
    final = load_checkpoint(tmp_path / "ck")["params"]  # written after the last iteration
    assert solver.val_acc_history[-1] < solver.best_val_acc  # (the noisy run peaks before its end)
    expected = solver.best_params if keep_best else final
    for name in model.params:
        assert np.array_equal(model.params[name], expected[name])


@pytest.mark.parametrize("keep_best", [True, False])
def test_keep_best_restores_the_batchnorm_statistics_of_the_best_evaluation(tmp_path, keep_best):
    fc_net = pytest.importorskip("layerwise.classifiers.fc_net")
    data = make_data(noise=3.0, seed=2)
    np.random.seed(0)
    model = fc_net.FullyConnectedNet([12], input_dim=8, num_classes=3, normalization="batchnorm", dtype=np.float64)
    seen = {}  # epoch -> running mean after that epoch's evaluation

    def record(solver):
        seen[solver.epoch] = model.bn_params[0]["running_mean"].copy()

    solver = Solver(model, data, **quiet(update_rule="sgd", optim_config={"learning_rate": 0.5}, batch_size=5,
                                        num_epochs=6, keep_best=keep_best, checkpoint_name=tmp_path / "ck",
                                        on_epoch_end=record))
    solver.train()
    best_epoch = [h["epoch"] for h in solver.history if h["val_acc"] == solver.best_val_acc][0]
    assert 1 <= best_epoch < 6  # the noisy run peaks at an epoch end before the last one
    best_mean = solver.best_model_state["bn_params"][0]["running_mean"]
    assert np.array_equal(best_mean, seen[best_epoch])
    assert not np.array_equal(best_mean, seen[6])
    expected = seen[best_epoch] if keep_best else seen[6]
    assert np.array_equal(model.bn_params[0]["running_mean"], expected)
    # checkpoints carry it, for `layerwise evaluate` and for resuming
    saved = load_checkpoint(tmp_path / "ck")["best_model_state"]["bn_params"][0]["running_mean"]
    assert np.array_equal(saved, seen[best_epoch])


def test_on_epoch_end_callback():
    seen = []

    def callback(solver):
        seen.append((solver.epoch, solver.history[-1]["val_acc"]))

    solver = Solver(TinyNet(), make_data(), **quiet(batch_size=10, num_epochs=3, on_epoch_end=callback))
    solver.train()
    assert seen == [(e, solver.val_acc_history[e]) for e in (1, 2, 3)]


def test_verbose_prints_course_style_lines_without_progress_bar(capsys):
    solver = Solver(TinyNet(), make_data(), verbose=True, progress_bar=False, seed=0,
                    batch_size=10, num_epochs=2, print_every=3)
    solver.train()
    out = capsys.readouterr().out
    assert "(Iteration 1 / 10) loss: " in out and "(Iteration 4 / 10) loss: " in out
    assert "(Iteration 2 / 10)" not in out
    assert "(Epoch 0 / 2) train acc: " in out and "(Epoch 2 / 2) train acc: " in out


def test_verbose_shows_a_progress_bar(capsys):
    pytest.importorskip("tqdm")
    solver = Solver(TinyNet(), make_data(), verbose=True, seed=0, batch_size=10, num_epochs=2)
    solver.train()
    captured = capsys.readouterr()
    assert "10/10" in captured.err and "loss=" in captured.err and "val_acc=" in captured.err
    assert "(Epoch 2 / 2) train acc: " in captured.out
    assert "(Iteration" not in captured.out


class ScaledSGD:
    """An optimizer object of its own: SGD with a state counter, following the engine protocol."""

    def __init__(self, params, lr):
        self.params = params
        self.learning_rate = lr
        self.steps = 0
        self.lrs = []

    def step(self, grads):
        self.steps += 1
        self.lrs.append(self.learning_rate)
        for name, w in self.params.items():
            w -= self.learning_rate * grads[name]

    def state_dict(self):
        return {"steps": self.steps, "learning_rate": self.learning_rate}

    def load_state_dict(self, state):
        self.steps = state["steps"]
        self.learning_rate = state["learning_rate"]


def test_updater_object_protocol(tmp_path):
    model = TinyNet()
    opt = ScaledSGD(model.params, 0.1)
    solver = Solver(model, make_data(n_train=40), **quiet(update_rule=opt, lr_decay=0.5, batch_size=20,
                                                             num_epochs=2, checkpoint_name=tmp_path / "c"))
    solver.train()
    assert opt.steps == 4 and opt.lrs == pytest.approx([0.1, 0.1, 0.05, 0.05])
    assert solver.optim_configs is None
    state = load_checkpoint(tmp_path / "c")
    assert state["optimizer"] == {"steps": 4, "learning_rate": 0.025}
    assert state["config"]["requires"] == ["update_rule"]
    with pytest.raises(ValueError, match="custom update_rule.*pass it again"):
        Solver.resume(tmp_path / "c", TinyNet(), make_data(n_train=40))
    with pytest.raises(ValueError, match="optim_config configures functional update rules"):
        Solver(model, make_data(), update_rule=ScaledSGD(model.params, 0.1), optim_config={"learning_rate": 1})


# --------------------------------------------------------------------------- checkpoints


RESUME_KWARGS = dict(update_rule="adam", optim_config={"learning_rate": 5e-3}, lr_decay=0.9,
                     batch_size=10, num_epochs=5, num_train_samples=20, verbose=False, seed=7)


class Interrupt(Exception):
    pass


def _interrupt_after(epoch):
    def callback(solver):
        if solver.epoch == epoch:
            raise Interrupt

    return callback


@pytest.mark.parametrize("shuffle", [False, True])
def test_resume_is_bit_identical_to_an_uninterrupted_run(tmp_path, shuffle):
    data = make_data(n_train=50, n_val=20, n_test=20)
    augment = lambda X, rng: X + 0.1 * rng.standard_normal(X.shape)  # noqa: E731
    kwargs = dict(RESUME_KWARGS, shuffle=shuffle, augment=augment)

    np.random.seed(3)
    full_model = TinyNet(keep=0.7)
    full = Solver(full_model, data, checkpoint_name=tmp_path / "full", **kwargs)
    full.train()

    np.random.seed(3)
    stopped = Solver(TinyNet(keep=0.7), data, checkpoint_name=tmp_path / "run",
                     on_epoch_end=_interrupt_after(2), **kwargs)
    with pytest.raises(Interrupt):
        stopped.train()
    np.random.seed(99)  # whatever happens to the global generator in between

    model = TinyNet(keep=0.7, seed=123)  # a fresh model: every parameter comes from the checkpoint
    resumed = Solver.resume(tmp_path / "run", model, data, augment=augment)
    assert resumed.epoch == 2 and resumed.iteration == 10
    resumed.train()

    for name in full_model.params:
        assert np.array_equal(model.params[name], full_model.params[name]), name
    assert np.array_equal(model.bn_params[0]["running_mean"], full_model.bn_params[0]["running_mean"])
    assert resumed.loss_history == full.loss_history
    assert resumed.train_acc_history == full.train_acc_history
    assert resumed.val_acc_history == full.val_acc_history
    assert resumed.best_val_acc == full.best_val_acc and resumed.test_acc == full.test_acc
    for name in full.optim_configs:
        for key in ("m", "v"):
            assert np.array_equal(resumed.optim_configs[name][key], full.optim_configs[name][key])
        assert resumed.optim_configs[name]["t"] == full.optim_configs[name]["t"] == 25
    # The resumed run kept writing the same checkpoint.
    assert load_checkpoint(tmp_path / "run")["iteration"] == 25


def test_resume_with_fully_connected_net_batchnorm_and_dropout(tmp_path):
    fc_net = pytest.importorskip("layerwise.classifiers.fc_net")
    data = make_data(n_train=40, n_val=20)

    def build():
        np.random.seed(0)
        return fc_net.FullyConnectedNet([12, 10], input_dim=8, num_classes=3, dropout_keep_ratio=0.8,
                                        normalization="batchnorm", dtype=np.float64)

    kwargs = dict(RESUME_KWARGS, num_epochs=4)
    full_model = build()
    Solver(full_model, data, **kwargs).train()

    stopped_model = build()
    with pytest.raises(Interrupt):
        Solver(stopped_model, data, checkpoint_name=tmp_path / "c", on_epoch_end=_interrupt_after(2),
               **kwargs).train()
    model = build()
    Solver.resume(tmp_path / "c", model, data).train()
    for name in full_model.params:
        assert np.array_equal(model.params[name], full_model.params[name]), name
    for mine, theirs in zip(model.bn_params, full_model.bn_params):
        assert np.array_equal(mine["running_mean"], theirs["running_mean"])
        assert np.array_equal(mine["running_var"], theirs["running_var"])


def test_checkpoint_files_are_pickle_free_and_readable(tmp_path):
    solver = Solver(TinyNet(), make_data(), checkpoint_name=tmp_path / "ck", **dict(RESUME_KWARGS, num_epochs=1))
    solver.train()
    doc = json.loads((tmp_path / "ck.json").read_text())
    assert doc["format"] == "layerwise-checkpoint" and doc["version"] == 2 and len(doc["sha256"]) == 64
    assert doc["state"]["epoch"] == 1 and doc["state"]["config"]["update_rule"] == "adam"
    with np.load(tmp_path / doc["arrays"], allow_pickle=False) as npz:
        assert np.array_equal(npz["best_params/W1"], solver.best_params["W1"])
        assert npz["optimizer/configs/W1/m"].shape == (8, 32)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["ck.json", doc["arrays"]])


def test_checkpoint_round_trip_preserves_types(tmp_path):
    state = {
        "a": np.arange(6, dtype=np.float32).reshape(2, 3),
        "s": np.float32(1.5),
        "nested": {"list": [1, 2.5, None, "x", True, np.zeros(2, dtype=np.int8)], "big": 2**100},
        "empty": {},
    }
    save_checkpoint(tmp_path / "rt", state)
    back = load_checkpoint(tmp_path / "rt.json")
    assert back["a"].dtype == np.float32 and np.array_equal(back["a"], state["a"])
    assert type(back["s"]) is np.float32 and back["s"] == 1.5
    assert back["nested"]["list"][:5] == [1, 2.5, None, "x", True] and back["nested"]["big"] == 2**100
    assert back["nested"]["list"][5].dtype == np.int8 and back["empty"] == {}
    with pytest.raises(TypeError, match="object array"):
        save_checkpoint(tmp_path / "bad", {"o": np.array([object()])})
    with pytest.raises(TypeError, match="cannot store a set"):
        save_checkpoint(tmp_path / "bad", {"o": {1, 2}})


@pytest.mark.parametrize("stage", ["arrays", "json"])
def test_failed_write_leaves_the_previous_checkpoint_intact(tmp_path, monkeypatch, stage):
    save_checkpoint(tmp_path / "ck", {"w": np.ones(1000), "epoch": 1})

    if stage == "arrays":  # crash half-way through writing the arrays
        def broken(f, arrays):
            f.write(b"PK\x03\x04 partial")
            raise OSError("disk full")

        monkeypatch.setattr(checkpoint, "_write_npz", broken)
    else:  # crash after the new arrays file is in place, before the JSON is replaced
        real_replace = os.replace

        def broken(src, dst):
            if str(dst).endswith(".json"):
                raise OSError("killed")
            real_replace(src, dst)

        monkeypatch.setattr(os, "replace", broken)

    with pytest.raises(OSError):
        save_checkpoint(tmp_path / "ck", {"w": np.zeros(1000), "epoch": 2})
    state = load_checkpoint(tmp_path / "ck")
    assert state["epoch"] == 1 and np.array_equal(state["w"], np.ones(1000))
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]

    monkeypatch.undo()  # the next successful save commits and cleans up leftovers
    killed = [".ck.json.k1ll3d.tmp", ".ck.arrays-0123456789ab.npz.k1ll3d.tmp"]  # as left by kill -9
    others = ["ck.best.arrays-0123456789ab.npz", ".ck.best.json.x.tmp", "ck.best.json"]  # another checkpoint
    for name in killed + others:
        (tmp_path / name).write_bytes(b"x")
    save_checkpoint(tmp_path / "ck", {"w": np.zeros(3), "epoch": 3})
    assert load_checkpoint(tmp_path / "ck")["epoch"] == 3
    assert len(list(tmp_path.glob("ck.arrays-*.npz"))) == 1
    remaining = {p.name for p in tmp_path.iterdir()}
    assert not remaining & set(killed) and set(others) <= remaining


def test_corrupt_checkpoints_are_detected(tmp_path):
    json_path = save_checkpoint(tmp_path / "ck", {"w": np.arange(100.0), "epoch": 1})
    npz_path = tmp_path / json.loads(json_path.read_text())["arrays"]
    good_json, good_npz = json_path.read_bytes(), npz_path.read_bytes()

    corrupted = bytearray(good_npz)
    corrupted[len(corrupted) // 2] ^= 0xFF
    npz_path.write_bytes(bytes(corrupted))
    with pytest.raises(CheckpointError, match="do not match the SHA-256.*corrupt or truncated"):
        load_checkpoint(json_path)

    npz_path.write_bytes(good_npz[:-100])
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_checkpoint(json_path)

    npz_path.write_bytes(good_npz)
    json_path.write_bytes(good_json[: len(good_json) // 2])
    with pytest.raises(CheckpointError, match="corrupt or truncated.*not valid JSON"):
        load_checkpoint(json_path)

    json_path.write_bytes(good_json)
    npz_path.unlink()
    with pytest.raises(CheckpointError, match=r"\.npz is missing \(checkpoint .*ck\.json refers to it\)"):
        load_checkpoint(json_path)

    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "nothing")
    (tmp_path / "other.json").write_text('{"format": "something else"}')
    with pytest.raises(CheckpointError, match="not a layerwise checkpoint"):
        load_checkpoint(tmp_path / "other.json")


def test_resume_into_a_different_model_is_refused(tmp_path):
    data = make_data()
    Solver(TinyNet(), data, checkpoint_name=tmp_path / "ck", **dict(RESUME_KWARGS, num_epochs=1)).train()
    with pytest.raises(CheckpointError, match=r"parameter 'W1' is float64\[8, 32\] in .* but float64\[8, 16\]"):
        Solver.resume(tmp_path / "ck", TinyNet(H=16), data)
    with pytest.raises(CheckpointError, match="written for 50 training examples but data has 40"):
        Solver.resume(tmp_path / "ck", TinyNet(), make_data(n_train=40))


def test_a_loss_far_above_its_first_value_counts_as_divergence():
    data = make_data(n_train=40)
    model = _model_whose_loss_turns(lambda true: true * 1e4, at_call=5)
    solver = Solver(model, data, **quiet(batch_size=10, num_epochs=3, divergence_factor=100))
    solver.train()
    assert solver.diverged.startswith("the training loss became") and "over 100x its first value" in solver.diverged
    assert solver.iteration == 4
    plain = Solver(TinyNet(), data, **quiet(batch_size=10, num_epochs=3))   # off by default: only NaN/inf
    assert plain.config.divergence_factor is None
    with pytest.raises(ValueError, match="divergence_factor must be a number > 1 or None, got 0.5"):
        Solver(TinyNet(), data, divergence_factor=0.5)


def test_repr_says_what_trains_and_how_far():
    solver = Solver(TinyNet(), make_data(n_train=40), **quiet(update_rule="adam", batch_size=10, num_epochs=2))
    assert repr(solver).startswith("Solver(TinyNet, 40 training examples, update_rule=adam, learning_rate=0.001, "
                                   "batch_size=10, num_epochs=2; iteration 0 of 8")


def test_labels_outside_the_models_classes_are_refused():
    data = make_data(n_train=40)
    data["y_val"] = data["y_val"].copy()
    data["y_val"][3] = 7                                   # TinyNet scores 3 classes
    with pytest.raises(ValueError, match=r"y_val holds labels up to 7 but the model scores 3 classes \(labels 0..2\)"):
        Solver(TinyNet(), data)


def test_a_diverging_run_says_so_once_without_numpy_overflow_warnings():
    import warnings

    data = make_data(n_train=40)
    solver = Solver(TinyNet(weight_scale=3.0), data, **quiet(batch_size=10, num_epochs=20,
                                                             optim_config={"learning_rate": 1e8}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # any warning fails the test
        solver.train()
    assert solver.diverged and "training diverged" in solver.diverged


# --------------------------------------------------------------------------- per-example augmentation, triangular


class RecordingPerExample:
    """A per_example transform that records what the Solver hands it and returns the batch plus 0."""

    per_example = True

    def __init__(self):
        self.calls = []

    def __call__(self, X, rng, indices=None, epoch=None):
        self.calls.append({"X": np.array(X, copy=True), "indices": np.array(indices, copy=True),
                           "epoch": epoch, "rng": rng})
        return X + 0.0


def test_per_example_augment_gets_the_gathered_indices_and_the_epoch():
    data = make_data(n_train=43, n_val=10)  # 43 // 10: four iterations per epoch, three examples left over
    aug = RecordingPerExample()
    solver = Solver(TinyNet(), data, **quiet(augment=aug, shuffle=True, batch_size=10, num_epochs=3))
    solver.train()
    assert solver.iterations_per_epoch == 4 and len(aug.calls) == solver.num_iterations == 12
    for t, call in enumerate(aug.calls):
        assert call["epoch"] == t // solver.iterations_per_epoch
        assert call["rng"] is solver.rng
        assert call["indices"].shape == (10,) and np.issubdtype(call["indices"].dtype, np.integer)
        np.testing.assert_array_equal(call["X"], data["X_train"][call["indices"]])
    for epoch in range(3):  # shuffle=True: one epoch's batches are distinct examples of one permutation
        seen = np.concatenate([c["indices"] for c in aug.calls[4 * epoch: 4 * epoch + 4]])
        assert len(set(seen.tolist())) == 40
    assert not np.array_equal(aug.calls[0]["indices"], aug.calls[4]["indices"])  # reshuffled each epoch


def test_per_example_augment_without_shuffle_and_with_a_partial_last_epoch():
    data = make_data(n_train=40, n_val=10)
    aug = RecordingPerExample()
    solver = Solver(TinyNet(), data, **quiet(augment=aug, batch_size=10, num_iterations=6))
    solver.train()
    assert [c["epoch"] for c in aug.calls] == [0, 0, 0, 0, 1, 1]
    for call in aug.calls:
        np.testing.assert_array_equal(call["X"], data["X_train"][call["indices"]])


def test_the_model_trains_on_the_alternating_flip_of_its_batches():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((20, 2, 2, 2))
    data = {"X_train": X, "y_train": rng.integers(3, size=20), "X_val": X[:5], "y_val": np.zeros(5, int)}
    model = TinyNet(D=8)
    seen, original_loss = [], model.loss

    def loss(X, y=None):
        if y is not None:
            seen.append(X.copy())
        return original_loss(X, y)

    model.loss = loss
    record = RecordingPerExample()
    solver = Solver(model, data, **quiet(augment=Compose(record, AlternatingFlip(seed=4)), shuffle=True,
                                        batch_size=5, num_epochs=2, optim_config={"learning_rate": 0.0}))
    solver.train()
    assert len(seen) == len(record.calls) == 8
    for batch, call in zip(seen, record.calls):
        np.testing.assert_array_equal(batch, alternating_flip(X[call["indices"]], call["indices"], call["epoch"],
                                                              seed=4))


def test_a_plain_augment_is_still_called_with_two_arguments():
    data = make_data(n_train=40)
    calls = []

    def augment(X, rng):  # no **kwargs: keyword arguments would raise TypeError
        calls.append(X.shape)
        return X

    class Plain:
        per_example = False

        def __call__(self, X, rng):
            calls.append("object")
            return X

    Solver(TinyNet(), data, **quiet(augment=augment, shuffle=True, batch_size=10, num_epochs=1)).train()
    Solver(TinyNet(), data, **quiet(augment=Plain(), shuffle=True, batch_size=10, num_epochs=1)).train()
    assert calls == [(10, 8)] * 4 + ["object"] * 4


def test_triangular_schedule_spans_the_run():
    data = make_data(n_train=40)
    rule, seen = _recording_rule()
    solver = Solver(TinyNet(), data, **quiet(update_rule=rule, optim_config={"learning_rate": 1.0},
                                            lr_schedule="triangular", batch_size=10, num_epochs=5))
    assert solver.lr_schedule == optim.Triangular(total_iterations=20)
    assert solver.lr_schedule.total_iterations == solver.num_iterations == 20
    solver.train()
    s = optim.Triangular(total_iterations=20)
    np.testing.assert_allclose(seen[::4], [s(i, 0, 1.0) for i in range(20)], rtol=1e-15)
    assert seen[0] == pytest.approx(0.2)  # start * base_lr
    assert seen[4 * int(0.23 * 20)] == 1.0  # the peak, at iteration 4
    assert solver.learning_rate == pytest.approx(0.07)  # after the last step: end * base_lr


@pytest.mark.parametrize("spec", [{"name": "triangular", "start": 0.5, "peak_fraction": 0.5},
                                  optim.Triangular(start=0.5, peak_fraction=0.5)])
def test_triangular_from_a_dict_or_object_gets_the_run_length(spec):
    solver = Solver(TinyNet(), make_data(n_train=40), **quiet(optim_config={"learning_rate": 0.1},
                                                             lr_schedule=spec, batch_size=10, num_iterations=7))
    assert solver.lr_schedule == optim.Triangular(total_iterations=7, start=0.5, peak_fraction=0.5)
    assert solver.lr_schedule.total_iterations == solver.num_iterations == 7
    given = optim.Triangular(total_iterations=100)
    other = Solver(TinyNet(), make_data(n_train=40), **quiet(optim_config={"learning_rate": 0.1},
                                                            lr_schedule=given, batch_size=10, num_iterations=7))
    assert other.lr_schedule.total_iterations == 100  # an explicit length is kept
