"""UCLA ECE C147/247 HW4 notebooks (optimization, batch normalization, dropout) run against layerwise.

Each test replays one notebook cell the way a student runs it, with only the
import prefix changed (``nndl.`` / ``utils.`` -> ``layerwise.courses.nndl.`` /
``layerwise.courses.utils.``): same calls, argument names, dict keys and seeds,
and asserts the values the notebook prints, to the notebook's precision.  The
notebook's unseeded cells are seeded here so the tests are repeatable.

Some printed values come from the student's own (buggy) code and are not the
course's intended results; the tests then assert the correct behaviour and say
so: "W3 relative error: 1.0" with reg = 3.14, and the test-time dropout output
that has zeros (test-time dropout is the identity).

Cells that need CIFAR-10 read it from ``$LAYERWISE_DATA`` (marked ``cifar``,
skipped without it); that archive was re-encoded from JPEG files, so training
results are compared with tolerances.  Long training cells run in a reduced
form (same calls, fewer epochs, weight scales or examples).
"""

import os

import numpy as np
import pytest

from layerwise.gradient_check import rel_error


def cifar_root():
    root = os.environ.get("LAYERWISE_DATA")
    if not root:
        pytest.skip("LAYERWISE_DATA is not set")
    if not any(os.path.exists(os.path.join(root, n)) for n in ("cifar-10-python.tar.gz", "cifar-10-batches-py")):
        pytest.skip(f"no CIFAR-10 release in $LAYERWISE_DATA={root}")
    return root


@pytest.fixture(scope="module")
def data():
    """``data = get_CIFAR10_data()``, the first cell of each of the three notebooks."""
    cifar_root()
    from layerwise.courses.utils.data_utils import get_CIFAR10_data

    return get_CIFAR10_data()


def small(data, num_train):
    return {
        'X_train': data['X_train'][:num_train],
        'y_train': data['y_train'][:num_train],
        'X_val': data['X_val'],
        'y_val': data['y_val'],
    }


def star(module):
    namespace = {}
    exec(f"from layerwise.courses.{module} import *", namespace)
    namespace.pop("__builtins__")
    return namespace


# --------------------------------------------------------------------------- imports

def test_star_imports_bring_what_the_course_modules_bring():
    from layerwise import classifiers, gradient_check, layer_utils, layers, optim, solver

    course_layers = {"affine_forward", "affine_backward", "relu_forward", "relu_backward",
                     "batchnorm_forward", "batchnorm_backward", "dropout_forward", "dropout_backward",
                     "svm_loss", "softmax_loss"}
    # nndl/fc_net.py star-imports layers and layer_utils.
    fc_net = star("nndl.fc_net")
    assert course_layers | {"affine_relu_forward", "affine_relu_backward", "TwoLayerNet",
                            "FullyConnectedNet"} <= set(fc_net)
    assert fc_net["batchnorm_forward"] is layers.batchnorm_forward
    assert fc_net["affine_relu_forward"] is layer_utils.affine_relu_forward
    assert fc_net["FullyConnectedNet"] is classifiers.FullyConnectedNet
    assert course_layers <= set(star("nndl.layers"))
    assert course_layers | {"affine_relu_forward", "affine_relu_backward"} <= set(star("nndl.layer_utils"))
    assert set(star("nndl.optim")) == {"sgd", "sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam"}
    assert star("nndl.optim")["adam"] is optim.adam
    assert {"affine_forward_test", "affine_backward_test", "relu_forward_test", "relu_backward_test",
            "affine_relu_test", "fc_net_test"} | course_layers <= set(star("nndl.layer_tests"))
    assert star("utils.solver")["Solver"] is solver.Solver
    assert {"eval_numerical_gradient", "eval_numerical_gradient_array"} <= set(star("utils.gradient_check"))
    assert star("utils.gradient_check")["eval_numerical_gradient"] is gradient_check.eval_numerical_gradient
    assert {"get_CIFAR10_data", "load_CIFAR10"} <= set(star("utils.data_utils"))
    assert "visualize_grid" in star("utils.vis_utils")
    # Every facade module declares __all__ and a docstring.
    import importlib

    for module in ("nndl", "nndl.layers", "nndl.layer_utils", "nndl.fc_net", "nndl.optim", "nndl.neural_net",
                   "nndl.layer_tests", "nn1", "nn1.layers", "nn1.layer_utils", "nn1.fc_net", "nn1.optim",
                   "nn1.solver", "utils", "utils.data_utils", "utils.gradient_check", "utils.solver",
                   "utils.vis_utils"):
        mod = importlib.import_module(f"layerwise.courses.{module}")
        assert mod.__doc__ and isinstance(mod.__all__, list), module
        assert all(hasattr(mod, name) for name in mod.__all__), module


@pytest.mark.cifar
def test_data_cell_prints_the_six_splits(data, capsys):
    for k in data.keys():
        print(f"{k}: {data[k].shape} ")  # the notebook's line ends with a space
    assert capsys.readouterr().out.splitlines() == [
        "X_train: (49000, 3, 32, 32) ", "y_train: (49000,) ", "X_val: (1000, 3, 32, 32) ",
        "y_val: (1000,) ", "X_test: (1000, 3, 32, 32) ", "y_test: (1000,) "]


# --------------------------------------------------------------------------- optimization notebook

def _printed(out, label):
    """The numbers printed after ``label`` (e.g. 'dx error: '), in order."""
    return [float(line.split(label)[1]) for line in out.splitlines() if label in line]


def test_layer_tests_cell(capsys):
    from layerwise.courses.nndl.layer_tests import (affine_backward_test, affine_forward_test,
                                                    affine_relu_test, fc_net_test, relu_backward_test,
                                                    relu_forward_test)

    np.random.seed(4)
    affine_forward_test(); print('\n')
    affine_backward_test(); print('\n')
    relu_forward_test(); print('\n')
    relu_backward_test(); print('\n')
    affine_relu_test(); print('\n')
    fc_net_test()
    out = capsys.readouterr().out
    differences = _printed(out, "difference: ")
    assert abs(differences[0] - 9.769849468192957e-10) < 1e-14     # affine_forward
    assert abs(differences[1] - 4.999999798022158e-08) < 1e-15     # relu_forward
    # affine_backward (3), relu_backward (1), affine_relu (3): "should be less than 1e-9"
    # (printed: at most 4.6e-10, 3.3e-12 and 3.6e-10; random inputs, so a margin of 10)
    errors = [float(line.split("error: ")[1]) for line in out.splitlines()
              if "error: " in line and "relative" not in line]
    assert len(errors) == 7 and max(errors) < 1e-8
    losses = _printed(out, "Initial loss: ")
    assert abs(losses[0] - 2.303392659269333) < 0.05               # log(10) at weight_scale 5e-2
    relative = _printed(out, "relative error: ")
    assert len(relative) == 12
    # printed, reg 0: at most 2.9e-05 (W1).  With reg 3.14 the notebook shows "W3 relative
    # error: 1.0" from the student's own regularization bug; the library's is small.
    assert max(relative) < 1e-4


def _test_arrays():
    N, D = 4, 5
    w = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
    dw = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)
    return N, D, w, dw


def test_sgd_momentum_cell():
    from layerwise.courses.nndl.optim import sgd_momentum

    N, D, w, dw = _test_arrays()
    v = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    config = {'learning_rate': 1e-3, 'velocity': v}
    next_w, _ = sgd_momentum(w, dw, config=config)
    # The export shows the first entries: next_w [[0.1406, ...]], velocity [[0.5406, ...]].
    assert abs(next_w[0, 0] - 0.1406) < 1e-8 and abs(config['velocity'][0, 0] - 0.5406) < 1e-8
    v0 = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    expected_velocity = 0.9 * v0 - 1e-3 * dw
    expected_next_w = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D) + expected_velocity
    assert rel_error(next_w, expected_next_w) < 1e-8                 # "errors around 1e-8 or less"
    assert rel_error(expected_velocity, config['velocity']) < 1e-8


def test_sgd_nesterov_momentum_cell():
    from layerwise.courses.nndl.optim import sgd_nesterov_momentum

    N, D, w, dw = _test_arrays()
    v = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    config = {'learning_rate': 1e-3, 'velocity': v}
    next_w, _ = sgd_nesterov_momentum(w, dw, config=config)
    # The export shows the first entries: next_w [[0.08714, ...]], velocity [[0.5406, ...]].
    assert abs(next_w[0, 0] - 0.08714) < 1e-8 and abs(config['velocity'][0, 0] - 0.5406) < 1e-8
    v0 = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    v_new = 0.9 * v0 - 1e-3 * dw
    expected_next_w = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D) + v_new + 0.9 * (v_new - v0)
    assert rel_error(next_w, expected_next_w) < 1e-8
    assert rel_error(v_new, config['velocity']) < 1e-8


def test_rmsprop_cell_with_the_course_key_a():
    from layerwise.courses.nndl.optim import rmsprop

    N, D, w, dw = _test_arrays()
    a = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    config = {'learning_rate': 1e-2, 'a': a}
    next_w, _ = rmsprop(w, dw, config=config)
    expected_next_w = np.asarray([
        [-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247],
        [-0.132737, -0.08078555, -0.02881884, 0.02316247, 0.07515774],
        [0.12716641, 0.17918792, 0.23122175, 0.28326742, 0.33532447],
        [0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619]])
    # Before the alias, layerwise ignored 'a' and printed -0.3000 for the first entry.
    assert rel_error(expected_next_w, next_w) < 1e-7
    # expected_cache = [[0.5976, ...]]: read back under the course's key
    assert 'cache' not in config
    assert abs(config['a'][0, 0] - 0.5976) < 1e-8
    a0 = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    assert rel_error(0.99 * a0 + 0.01 * dw ** 2, config['a']) < 1e-8


def test_adam_cell_with_the_course_keys_v_and_a():
    from layerwise.courses.nndl.optim import adam

    N, D, w, dw = _test_arrays()
    v = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    a = np.linspace(0.7, 0.5, num=N * D).reshape(N, D)
    config = {'learning_rate': 1e-2, 'v': v, 'a': a, 't': 5}
    next_w, _ = adam(w, dw, config=config)
    expected_next_w = np.asarray([
        [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977],
        [-0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929],
        [0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969],
        [0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459]])
    # (The export's OCR drops a digit in one copy of the cell: 0.4031188 for 0.44031188.)
    expected_a = np.asarray([
        [0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853],
        [0.64683452, 0.63628604, 0.6257431, 0.61520571, 0.60467385],
        [0.59414753, 0.58362676, 0.57311152, 0.56260183, 0.55209767],
        [0.54159906, 0.53110598, 0.52061845, 0.51013645, 0.49966]])
    # (and 0.5731152 for 0.57311152)
    # Before the alias, layerwise read 'v' as the second moment: -0.39987 instead of -0.40095.
    # "errors around 1e-7 or less": the reference has 8 decimals (0.01971428 alone is good to 1.3e-7)
    assert rel_error(expected_next_w, next_w) < 2e-7
    assert rel_error(expected_a, config['a']) < 1e-7
    # expected_v = [[0.48, ...]]: the first moment, under the course's key 'v'
    assert 'm' not in config
    assert abs(config['v'][0, 0] - 0.48) < 1e-8
    v0 = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    assert rel_error(0.9 * v0 + 0.1 * dw, config['v']) < 1e-8
    assert config['t'] == 6


def test_cs231n_spelling_still_gives_cs231n_results():
    from layerwise.courses.cs231n.optim import adam, rmsprop

    N, D, w, dw = _test_arrays()
    m = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    v = np.linspace(0.7, 0.5, num=N * D).reshape(N, D)
    config = {'learning_rate': 1e-2, 'm': m, 'v': v, 't': 5}
    next_w, _ = adam(w, dw, config=config)
    assert abs(next_w[0, 0] - (-0.40094747)) < 1e-8 and abs(config['v'][0, 0] - 0.69966) < 1e-8
    N, D, w, dw = _test_arrays()
    config = {'learning_rate': 1e-2, 'cache': np.linspace(0.6, 0.9, num=N * D).reshape(N, D)}
    next_w, _ = rmsprop(w, dw, config=config)
    assert abs(next_w[0, 0] - (-0.39223849)) < 1e-8 and abs(config['cache'][0, 0] - 0.5976) < 1e-8


def test_unknown_optimizer_config_key_is_refused_naming_the_known_keys():
    from layerwise.courses.nndl.optim import adam, rmsprop

    N, D, w, dw = _test_arrays()
    with pytest.raises(ValueError) as info:
        rmsprop(w, dw, config={'learning_rate': 1e-2, 'beta': np.zeros((N, D))})
    message = str(info.value)
    assert "\n" not in message
    assert "unknown config key 'beta'" in message
    for key in ("learning_rate", "decay_rate", "epsilon", "cache", "a"):
        assert key in message
    with pytest.raises(ValueError, match=r"adam: unknown config key 'lr'.*known keys: learning_rate, beta1, "
                                         r"beta2, epsilon, t, m, v"):
        adam(w, dw, config={'lr': 1e-2})


@pytest.mark.cifar
def test_sgd_momentum_nesterov_training_cell(data):
    from layerwise.courses.nndl.fc_net import FullyConnectedNet
    from layerwise.courses.utils.solver import Solver

    num_train = 4000
    small_data = small(data, num_train)
    solvers = {}
    # Reduced: 2 of the 5 epochs.
    for update_rule in ['sgd', 'sgd_momentum', 'sgd_nesterov_momentum']:
        np.random.seed(10)
        model = FullyConnectedNet([100, 100, 100, 100], weight_scale=5e-2)
        solver = Solver(model, small_data, num_epochs=2, batch_size=100, update_rule=update_rule,
                        optim_config={'learning_rate': 1e-2}, verbose=False)
        solvers[update_rule] = solver
        solver.train()
    for update_rule, solver in solvers.items():
        assert len(solver.loss_history) == 80                           # the plot's iterations
        assert len(solver.train_acc_history) == len(solver.val_acc_history) == 3
        assert np.mean(solver.loss_history[-10:]) < solver.loss_history[0] - 1.0, update_rule
        assert solver.train_acc_history[-1] > 0.2, update_rule
    # Each rule keeps its own state per parameter under the course's key.
    assert all("velocity" in c for c in solvers['sgd_momentum'].optim_configs.values())


@pytest.mark.cifar
def test_final_accuracy_cells_reduced(data):
    from layerwise.courses.nndl.fc_net import FullyConnectedNet
    from layerwise.courses.utils.solver import Solver

    np.random.seed(12)
    # The training cell of the export is unreadable; the final cells' calls on a briefly trained model.
    model = FullyConnectedNet([200, 100], weight_scale=5e-2, use_batchnorm=True)
    solver = Solver(model, small(data, 5000), num_epochs=2, batch_size=100, update_rule='adam',
                    optim_config={'learning_rate': 1e-3}, verbose=False)
    solver.train()
    y_test_pred = np.argmax(model.loss(data['X_test']), axis=1)
    y_val_pred = np.argmax(model.loss(data['X_val']), axis=1)
    val_acc = np.mean(y_val_pred == data['y_val'])
    test_acc = np.mean(y_test_pred == data['y_test'])
    assert val_acc == solver.best_val_acc                # the best parameters are swapped in
    assert val_acc > 0.3 and test_acc > 0.3              # 0.584 / 0.553 after the full 10 epochs


# --------------------------------------------------------------------------- batch normalization notebook

def test_batchnorm_forward_train_cell():
    from layerwise.courses.nndl.layers import batchnorm_forward

    np.random.seed(3)
    N, D1, D2, D3 = 200, 50, 60, 3
    X = np.random.randn(N, D1)
    W1 = np.random.randn(D1, D2)
    W2 = np.random.randn(D2, D3)
    a = np.maximum(0, X.dot(W1)).dot(W2)
    assert np.all(a.std(axis=0) > 10)                     # before: stds [32.7 29.4 37.4]
    a_norm, _ = batchnorm_forward(a, np.ones(D3), np.zeros(D3), {'mode': 'train'})
    # printed means [-2.5e-16 -4.7e-17 -3.7e-17], stds [1. 0.99999999 1.]
    assert np.all(np.abs(a_norm.mean(axis=0)) < 1e-12)
    assert np.all(np.abs(a_norm.std(axis=0) - 1) < 1e-7)
    gamma = np.asarray([1.0, 2.0, 3.0])
    beta = np.asarray([11.0, 12.0, 13.0])
    a_norm, _ = batchnorm_forward(a, gamma, beta, {'mode': 'train'})
    # printed means [11. 12. 13.], stds [1. 1.99999999 2.99999999]
    assert np.all(np.abs(a_norm.mean(axis=0) - beta) < 1e-10)
    assert np.all(np.abs(a_norm.std(axis=0) - gamma) < 1e-7)


def test_batchnorm_forward_test_cell():
    from layerwise.courses.nndl.layers import batchnorm_forward

    np.random.seed(4)
    N, D1, D2, D3 = 200, 50, 60, 3
    W1 = np.random.randn(D1, D2)
    W2 = np.random.randn(D2, D3)
    bn_param = {'mode': 'train'}
    gamma = np.ones(D3)
    beta = np.zeros(D3)
    for t in np.arange(50):
        X = np.random.randn(N, D1)
        a = np.maximum(0, X.dot(W1)).dot(W2)
        batchnorm_forward(a, gamma, beta, bn_param)
    bn_param['mode'] = 'test'
    X = np.random.randn(N, D1)
    a = np.maximum(0, X.dot(W1)).dot(W2)
    a_norm, _ = batchnorm_forward(a, gamma, beta, bn_param)
    # printed means [0.116 -0.095 0.072], stds [1.060 0.923 0.994]: close to 0 and 1, noisier
    assert np.all(np.abs(a_norm.mean(axis=0)) < 0.2)
    assert np.all(np.abs(a_norm.std(axis=0) - 1) < 0.15)


def test_batchnorm_backward_cell():
    from layerwise.courses.nndl.layers import batchnorm_backward, batchnorm_forward
    from layerwise.courses.utils.gradient_check import eval_numerical_gradient_array

    np.random.seed(5)
    N, D = 4, 5
    x = 5 * np.random.randn(N, D) + 12
    gamma = np.random.randn(D)
    beta = np.random.randn(D)
    dout = np.random.randn(N, D)
    bn_param = {'mode': 'train'}
    fx = lambda x: batchnorm_forward(x, gamma, beta, bn_param)[0]  # noqa: E731
    fg = lambda a: batchnorm_forward(x, gamma, beta, bn_param)[0]  # noqa: E731
    fb = lambda b: batchnorm_forward(x, gamma, beta, bn_param)[0]  # noqa: E731
    dx_num = eval_numerical_gradient_array(fx, x, dout)
    da_num = eval_numerical_gradient_array(fg, gamma, dout)
    db_num = eval_numerical_gradient_array(fb, beta, dout)
    _, cache = batchnorm_forward(x, gamma, beta, bn_param)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    # printed: 5.6e-10, 2.7e-11, 5.0e-11
    assert rel_error(dx_num, dx) < 1e-8
    assert rel_error(da_num, dgamma) < 1e-9
    assert rel_error(db_num, dbeta) < 1e-9


def test_fully_connected_net_with_batchnorm_gradient_check():
    from layerwise.courses.nndl.fc_net import FullyConnectedNet
    from layerwise.courses.utils.gradient_check import eval_numerical_gradient

    np.random.seed(6)
    N, D, H1, H2, C = 2, 15, 20, 30, 10
    X = np.random.randn(N, D)
    y = np.random.randint(C, size=(N,))
    for reg in [0, 3.14]:
        model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, reg=reg, weight_scale=5e-2,
                                  dtype=np.float64, use_batchnorm=True)
        loss, grads = model.loss(X, y)
        if reg == 0:
            assert abs(loss - 2.3214776413153135) < 0.3               # printed initial loss: log(10) + noise
        assert sorted(grads) == ["W1", "W2", "W3", "b1", "b2", "b3", "beta1", "beta2", "gamma1", "gamma2"]
        for name in sorted(grads):
            f = lambda _: model.loss(X, y)[0]  # noqa: E731
            grad_num = eval_numerical_gradient(f, model.params[name], verbose=False, h=1e-5)
            if name in ("b1", "b2"):
                # A bias before batchnorm has no effect: both gradients are zero, and the
                # notebook's "b1 relative error: 0.0022" compares rounding noise.
                assert np.abs(grad_num).max() < 1e-8 and np.abs(grads[name]).max() < 1e-12
            else:
                # "Our relative error for W1 is on the order of 1e-4" (tiny entries of the
                # first layers' gradients are at the numerical noise); the notebook's
                # "W3 relative error: 1.0" at reg 3.14 is the student's bug.
                assert rel_error(grad_num, grads[name]) < (1e-3 if name in ("W1", "W2") else 1e-6), (reg, name)


@pytest.mark.cifar
def test_deep_net_with_and_without_batchnorm_cell(data):
    from layerwise.courses.nndl.fc_net import FullyConnectedNet
    from layerwise.courses.utils.solver import Solver

    np.random.seed(7)
    hidden_dims = [100, 100, 100, 100, 100]
    small_data = small(data, 1000)
    weight_scale = 2e-2
    bn_model = FullyConnectedNet(hidden_dims, weight_scale=weight_scale, use_batchnorm=True)
    model = FullyConnectedNet(hidden_dims, weight_scale=weight_scale, use_batchnorm=False)
    # Reduced: 5 of the 10 epochs.
    bn_solver = Solver(bn_model, small_data, num_epochs=5, batch_size=50, update_rule='adam',
                       optim_config={'learning_rate': 1e-3}, verbose=False, print_every=200)
    bn_solver.train()
    solver = Solver(model, small_data, num_epochs=5, batch_size=50, update_rule='adam',
                    optim_config={'learning_rate': 1e-3}, verbose=False, print_every=200)
    solver.train()
    # (Iteration 1 / 200) loss: 2.294970 (batchnorm) and 2.302627 (baseline)
    assert abs(bn_solver.loss_history[0] - 2.294970) < 0.1
    assert abs(solver.loss_history[0] - 2.302627) < 0.01
    assert len(bn_solver.loss_history) == 100 and len(bn_solver.train_acc_history) == 6
    # Batchnorm trains faster: epoch 5 train acc 0.628 vs 0.462 in the notebook.
    assert bn_solver.train_acc_history[-1] > solver.train_acc_history[-1]
    assert bn_solver.train_acc_history[-1] > 0.45


@pytest.mark.cifar
def test_batchnorm_and_initialization_cells_reduced(data):
    from layerwise.courses.nndl.fc_net import FullyConnectedNet
    from layerwise.courses.utils.solver import Solver

    hidden_dims = [50, 50, 50, 50, 50, 50, 50]
    small_data = small(data, 1000)
    bn_solvers = {}
    solvers = {}
    # Reduced: 3 of the 20 weight scales (the smallest, a middle one and the largest), 2 epochs.
    weight_scales = np.logspace(-4, 0, num=20)[[0, 12, 19]]
    np.random.seed(9)
    for i, weight_scale in enumerate(weight_scales):
        bn_model = FullyConnectedNet(hidden_dims, weight_scale=weight_scale, use_batchnorm=True)
        model = FullyConnectedNet(hidden_dims, weight_scale=weight_scale, use_batchnorm=False)
        bn_solver = Solver(bn_model, small_data, num_epochs=2, batch_size=50, update_rule='adam',
                           optim_config={'learning_rate': 1e-3}, verbose=False, print_every=200)
        bn_solver.train()
        bn_solvers[weight_scale] = bn_solver
        solver = Solver(model, small_data, num_epochs=2, batch_size=50, update_rule='adam',
                        optim_config={'learning_rate': 1e-3}, verbose=False, print_every=200)
        solver.train()
        solvers[weight_scale] = solver

    # Cell [11]: the plotted summaries.
    best_train_accs, bn_best_train_accs = [], []
    final_train_loss, bn_final_train_loss = [], []
    for ws in weight_scales:
        best_train_accs.append(max(solvers[ws].train_acc_history))
        bn_best_train_accs.append(max(bn_solvers[ws].train_acc_history))
        final_train_loss.append(np.mean(solvers[ws].loss_history[-100:]))
        bn_final_train_loss.append(np.mean(bn_solvers[ws].loss_history[-100:]))
    # With a 1e-4 scale the plain 7-layer net cannot start learning, the batchnorm one can.
    assert best_train_accs[0] < 0.15 < bn_best_train_accs[0]
    # At scale 1 the plain net's loss is huge but finite (the course hits log(0) there).
    assert np.isfinite(final_train_loss[-1]) and final_train_loss[-1] > 10
    assert bn_final_train_loss[-1] < final_train_loss[-1]


# --------------------------------------------------------------------------- dropout notebook

def test_dropout_forward_cell():
    from layerwise.courses.nndl.layers import dropout_forward

    np.random.seed(4)
    x = np.random.randn(500, 500) + 10
    for p in [0.3, 0.6, 0.75]:
        out, _ = dropout_forward(x, {'mode': 'train', 'p': p})
        out_test, _ = dropout_forward(x, {'mode': 'test', 'p': p})
        # p keeps: "Fraction of train-time output set to zero" 0.699 / 0.401 / 0.252
        assert abs((out == 0).mean() - (1 - p)) < 0.01
        assert abs(out.mean() - x.mean()) < 0.05          # inverted dropout keeps the mean (~10.0)
        # Test time is the identity (the notebook's student code also zeroed units there).
        assert np.array_equal(out_test, x) and (out_test == 0).mean() == 0


def test_dropout_backward_cell():
    from layerwise.courses.nndl.layers import dropout_backward, dropout_forward
    from layerwise.courses.utils.gradient_check import eval_numerical_gradient_array

    np.random.seed(5)
    x = np.random.randn(10, 10) + 10
    dout = np.random.randn(*x.shape)
    dropout_param = {'mode': 'train', 'p': 0.8, 'seed': 123}
    out, cache = dropout_forward(x, dropout_param)
    dx = dropout_backward(dout, cache)
    dx_num = eval_numerical_gradient_array(lambda xx: dropout_forward(xx, dropout_param)[0], x, dout)
    assert rel_error(dx, dx_num) < 1e-9                   # printed: 5.4e-11


def test_fully_connected_net_with_dropout_gradient_check():
    from layerwise.courses.nndl.fc_net import FullyConnectedNet
    from layerwise.courses.utils.gradient_check import eval_numerical_gradient

    # (seeded away from a ReLU kink: an input within h of 0 spoils the numerical gradient)
    np.random.seed(8)
    N, D, H1, H2, C = 2, 15, 20, 30, 10
    X = np.random.randn(N, D)
    y = np.random.randint(C, size=(N,))
    notebook_loss = {0: 2.3051948273987857, 0.25: 2.3126468345657742, 0.5: 2.302437587710995}
    for dropout in [0, 0.25, 0.5]:
        model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C,
                                  weight_scale=5e-2, dtype=np.float64,
                                  dropout=dropout, seed=123)
        assert model.use_dropout == (dropout > 0)
        loss, grads = model.loss(X, y)
        assert abs(loss - notebook_loss[dropout]) < 0.05
        for name in sorted(grads):
            f = lambda _: model.loss(X, y)[0]  # noqa: E731
            grad_num = eval_numerical_gradient(f, model.params[name], verbose=False, h=1e-5)
            # "Our W1 gradient relative error is on the order of 1e-6"; printed at most 1.5e-05
            assert rel_error(grad_num, grads[name]) < 1e-5, (dropout, name)


@pytest.mark.cifar
def test_dropout_as_a_regularizer_cell(data):
    from layerwise.courses.nndl.fc_net import FullyConnectedNet
    from layerwise.courses.utils.solver import Solver

    num_train = 500
    small_data = small(data, num_train)
    solvers = {}
    dropout_choices = [0, 0.6]
    for dropout in dropout_choices:
        np.random.seed(7)
        model = FullyConnectedNet([100, 100, 100], dropout=dropout)
        # Reduced: 15 of the 25 epochs.
        solver = Solver(model, small_data, num_epochs=15, batch_size=100, update_rule='adam',
                        optim_config={'learning_rate': 5e-4}, verbose=False, print_every=100)
        solver.train()
        solvers[dropout] = solver
    # (Iteration 1 / 125) loss: 2.300804 and 2.301328
    assert abs(solvers[0].loss_history[0] - 2.300804) < 0.02
    assert abs(solvers[0.6].loss_history[0] - 2.301328) < 0.02
    # Cell [8]: the last accuracies.  Without dropout the net memorizes the 500 examples
    # (0.834 at epoch 15, 0.978 at 25); keeping 60% of the units slows that down.
    train_accs = [solvers[d].train_acc_history[-1] for d in dropout_choices]
    val_accs = [solvers[d].val_acc_history[-1] for d in dropout_choices]
    assert train_accs[0] > 0.75 and train_accs[1] < train_accs[0] - 0.1
    assert all(0.15 < acc < 0.4 for acc in val_accs)


@pytest.mark.cifar
def test_final_part_cell_reduced(data):
    from layerwise.courses.nndl.fc_net import FullyConnectedNet
    from layerwise.courses.utils.solver import Solver

    np.random.seed(13)
    # The cell's hidden_dims and optimizer did not survive the export; its other
    # settings, a net with batchnorm and dropout, 2 of the 50 epochs on 5,000 examples.
    hidden_dims = [200, 200]
    weight_scale = 0.01
    learning_rate = 1e-4
    lr_decay = 0.92
    optim = 'adam'
    model = FullyConnectedNet(hidden_dims, weight_scale=weight_scale, dropout=0.8, use_batchnorm=True)
    solver = Solver(model, small(data, 5000), num_epochs=2,
                    batch_size=100, update_rule=optim,
                    optim_config={'learning_rate': learning_rate},
                    lr_decay=lr_decay, verbose=False, print_every=100)
    solver.train()
    assert solver.optim_configs['W1']['learning_rate'] == pytest.approx(learning_rate * lr_decay ** 2)
    y_test_pred = np.argmax(model.loss(data['X_test']), axis=1)
    y_val_pred = np.argmax(model.loss(data['X_val']), axis=1)
    assert np.mean(y_val_pred == data['y_val']) > 0.3
    assert np.mean(y_test_pred == data['y_test']) > 0.3
