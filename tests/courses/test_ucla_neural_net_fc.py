"""UCLA ECE C147/247 HW3 notebooks (two_layer_nn, FC_nets) run against layerwise.

Each test replays one notebook cell the way a student runs it, with only the
import prefix changed (``nndl.`` / ``nn1.`` -> ``layerwise.courses.nndl.`` /
``layerwise.courses.nn1.``, ``cs231n.`` -> ``layerwise.courses.cs231n.``): same
calls, argument names, dict keys and seeds, and asserts the values the notebook
prints, to the notebook's precision.  The notebook's unseeded cells are seeded
here so the tests are repeatable; their printed values then serve as bounds
(gradient errors) or approximate targets (losses near log(10)).

Cells that need CIFAR-10 read it from ``$LAYERWISE_DATA`` (marked ``cifar``,
skipped without it).  That archive was re-encoded from JPEG files, so its
pixels differ a little from the official release: training curves are compared
with tolerances, not digit by digit.  Long training cells run in a reduced
form (same calls, fewer iterations or examples).
"""

import os

import numpy as np
import pytest

from layerwise.gradient_check import rel_error

LN10 = np.log(10)


def cifar_root():
    root = os.environ.get("LAYERWISE_DATA")
    if not root:
        pytest.skip("LAYERWISE_DATA is not set")
    if not any(os.path.exists(os.path.join(root, n)) for n in ("cifar-10-python.tar.gz", "cifar-10-batches-py")):
        pytest.skip(f"no CIFAR-10 release in $LAYERWISE_DATA={root}")
    return root


# --------------------------------------------------------------------------- matrix calculus (Problems 1 and 2)

def test_problem_1_gradient_of_the_reconstruction_error():
    # L = 1/2 ||W^T W x - x||^2, W: (m, n), m < n; the notebook's boxed result:
    # dL/dW = W x x^T W^T W + W W^T W x x^T - 2 W x x^T
    from layerwise.gradient_check import eval_numerical_gradient

    rng = np.random.default_rng(1)
    W = rng.standard_normal((3, 5))
    x = rng.standard_normal((5, 1))
    loss = lambda W: 0.5 * float(np.sum((W.T @ W @ x - x) ** 2))  # noqa: E731
    boxed = W @ x @ x.T @ W.T @ W + W @ W.T @ W @ x @ x.T - 2 * W @ x @ x.T
    assert rel_error(eval_numerical_gradient(loss, W, verbose=False), boxed) < 1e-7


def test_problem_2_gradient_of_the_gplvm_log_likelihood():
    # L = -D/2 log|K| - 1/2 tr(K^-1 Y Y^T), K = alpha X X^T + beta^-1 I; the notebook's result:
    # dL/dX = alpha K^-1 Y Y^T K^-1 X - alpha D K^-1 X
    from layerwise.gradient_check import eval_numerical_gradient

    rng = np.random.default_rng(2)
    N, Q, D, alpha, beta = 6, 2, 3, 0.8, 1.5
    X = rng.standard_normal((N, Q))
    Y = rng.standard_normal((N, D))

    def log_likelihood(X):
        K = alpha * X @ X.T + np.eye(N) / beta
        return float(-0.5 * D * np.linalg.slogdet(K)[1] - 0.5 * np.trace(np.linalg.solve(K, Y @ Y.T)))

    K_inv = np.linalg.inv(alpha * X @ X.T + np.eye(N) / beta)
    derived = alpha * K_inv @ Y @ Y.T @ K_inv @ X - alpha * D * K_inv @ X
    assert rel_error(eval_numerical_gradient(log_likelihood, X, verbose=False), derived) < 1e-7


# --------------------------------------------------------------------------- two_layer_nn: imports and toy model

def test_two_layer_nn_imports_are_the_library_objects():
    from layerwise.classifiers import neural_net
    from layerwise.courses.cs231n.data_utils import load_CIFAR10
    from layerwise.courses.cs231n.gradient_check import eval_numerical_gradient
    from layerwise.courses.cs231n.vis_utils import visualize_grid
    from layerwise.courses.nndl.neural_net import TwoLayerNet
    from layerwise import data, gradient_check, vis

    assert TwoLayerNet is neural_net.TwoLayerNet
    assert load_CIFAR10 is data.load_CIFAR10
    assert eval_numerical_gradient is gradient_check.eval_numerical_gradient
    assert visualize_grid is vis.visualize_grid


input_size, hidden_size, num_classes, num_inputs = 4, 10, 3, 5


def init_toy_model():
    from layerwise.courses.nndl.neural_net import TwoLayerNet

    np.random.seed(0)
    return TwoLayerNet(input_size, hidden_size, num_classes, std=1e-1)


def init_toy_data():
    np.random.seed(1)
    X = 10 * np.random.randn(num_inputs, input_size)
    y = np.array([0, 1, 2, 2, 1])
    return X, y


def test_toy_forward_pass_scores():
    net = init_toy_model()
    X, y = init_toy_data()
    scores = net.loss(X)
    correct_scores = np.asarray([
        [-1.07260209, 0.05083871, -0.87253915],
        [-2.02778743, -0.10832494, -1.52641362],
        [-0.74225908, 0.15259725, -0.39578548],
        [-0.38172726, 0.10835902, -0.17328274],
        [-0.64417314, -0.18886813, -0.41106892]])
    difference = np.sum(np.abs(scores - correct_scores))
    assert difference < 1e-7                                   # "We get < 1e-7"
    assert abs(difference - 3.381231233889892e-08) < 1e-12     # the notebook's printed difference


def test_toy_forward_pass_loss_has_half_l2_factor():
    net = init_toy_model()
    X, y = init_toy_data()
    loss, _ = net.loss(X, y, reg=0.05)
    correct_loss = 1.071696123862817
    assert np.sum(np.abs(loss - correct_loss)) < 1e-12         # printed: 0.0


def test_toy_backward_pass_gradient_check():
    from layerwise.courses.cs231n.gradient_check import eval_numerical_gradient

    net = init_toy_model()
    X, y = init_toy_data()
    loss, grads = net.loss(X, y, reg=0.05)
    assert sorted(grads) == ["W1", "W2", "b1", "b2"]
    for param_name in grads:
        f = lambda W: net.loss(X, y, reg=0.05)[0]  # noqa: E731
        param_grad_num = eval_numerical_gradient(f, net.params[param_name], verbose=False)
        # printed: W2 3.0e-10, b2 1.8e-10, W1 1.3e-09, b1 3.2e-09 ("less than 1e-8 or so")
        assert rel_error(param_grad_num, grads[param_name]) < 1e-8, param_name


def test_toy_training_final_loss():
    # The notebook's state: init_toy_data() was run before, then cell [8] builds the
    # model (seed 0) and trains: the minibatches come from the global generator.
    X, y = init_toy_data()
    net = init_toy_model()
    stats = net.train(X, y, X, y, learning_rate=1e-1, reg=5e-6, num_iters=100, verbose=False)
    # printed: Final training loss: 0.014497865475252903 (the student's code also
    # regularized the biases, which moves the 10th digit)
    assert abs(stats["loss_history"][-1] - 0.014497865475252903) < 1e-8
    assert len(stats["loss_history"]) == 100
    # 5 examples, batch 200: every iteration is an "epoch" with an accuracy check
    assert len(stats["train_acc_history"]) == len(stats["val_acc_history"]) == 100
    assert stats["val_acc_history"][-1] == 1.0
    assert np.mean(net.predict(X) == y) == 1.0


# --------------------------------------------------------------------------- two_layer_nn: CIFAR-10

@pytest.fixture(scope="module")
def cifar_rows():
    """Cell [9]: load_CIFAR10, the course's split, mean subtraction, rows of 3072 (float64, as the course)."""
    from layerwise.courses.cs231n.data_utils import load_CIFAR10

    X_train, y_train, X_test, y_test = load_CIFAR10(cifar_root())
    num_training, num_validation, num_test = 49000, 1000, 1000
    X_val, y_val = X_train[num_training:num_training + num_validation], y_train[num_training:num_training + num_validation]
    X_train, y_train = X_train[:num_training], y_train[:num_training]
    X_test, y_test = X_test[:num_test], y_test[:num_test]
    mean_image = np.mean(X_train, axis=0)
    X_train = (X_train - mean_image).reshape(num_training, -1)
    X_val = (X_val - mean_image).reshape(num_validation, -1)
    X_test = (X_test - mean_image).reshape(num_test, -1)
    return X_train, y_train, X_val, y_val, X_test, y_test


@pytest.mark.cifar
def test_cifar_rows_shapes(cifar_rows):
    X_train, y_train, X_val, y_val, X_test, y_test = cifar_rows
    assert X_train.shape == (49000, 3072) and y_train.shape == (49000,)
    assert X_val.shape == (1000, 3072) and y_val.shape == (1000,)
    assert X_test.shape == (1000, 3072) and y_test.shape == (1000,)
    assert X_train.dtype == np.float64


@pytest.mark.cifar
def test_cifar_running_sgd_reduced(cifar_rows, capsys):
    from layerwise.courses.nndl.neural_net import TwoLayerNet

    X_train, y_train, X_val, y_val, _, _ = cifar_rows
    # The global generator as the notebook leaves it before cell [10]: the toy data
    # (seed 1), then cell [8] (model at seed 0, 100 toy minibatches).  Cell [10]'s
    # initial weights and minibatches are then the notebook's.
    X, y = init_toy_data()
    toy = init_toy_model()
    toy.train(X, y, X, y, learning_rate=1e-1, reg=5e-6, num_iters=100, verbose=False)

    net = TwoLayerNet(32 * 32 * 3, 50, 10)
    # reduced: 201 of the 1000 iterations (the printed losses at 0, 100, 200)
    stats = net.train(X_train, y_train, X_val, y_val, num_iters=201, batch_size=200,
                      learning_rate=1e-4, learning_rate_decay=0.95, reg=0.25, verbose=True)
    lines = capsys.readouterr().out.splitlines()
    printed = {int(line.split()[1]): float(line.split("loss ")[1]) for line in lines}
    notebook = {0: 2.302757518613176, 100: 2.302120160170799, 200: 2.2956136025577862}
    assert sorted(printed) == sorted(notebook)
    for it, value in notebook.items():
        assert abs(printed[it] - value) < 3e-3, (it, printed[it], value)
    assert abs(printed[0] - notebook[0]) < 1e-4      # same initial weights and first minibatch
    # Epochs of 49000 / 200 = 245 iterations counted from iteration 0: the full run checks at
    # 0, 245, 490, 735, 980 (cell [11] shows five accuracies); these 201 iterations only at 0.
    assert len(stats["train_acc_history"]) == len(stats["val_acc_history"]) == 1
    assert abs(stats["train_acc_history"][0] - 0.095) <= 0.02   # cell [11]: [0.095, 0.15, ...]
    val_acc = (net.predict(X_val) == y_val).mean()
    assert 0.1 < val_acc < 0.3                       # still on the plateau at 201 iterations (0.283 at 1000)


@pytest.mark.cifar
def test_cifar_tuned_net_reduced_and_test_accuracy(cifar_rows):
    from layerwise.courses.cs231n.vis_utils import visualize_grid
    from layerwise.courses.nndl.neural_net import TwoLayerNet

    X_train, y_train, X_val, y_val, X_test, y_test = cifar_rows
    np.random.seed(0)
    input_size, hidden_size, num_classes = 32 * 32 * 3, 50, 10
    # Cell [30] reduced to its best pair (lr 1.6e-3, decay 0.93: 0.502 val) and 300 iterations.
    net = TwoLayerNet(input_size, hidden_size, num_classes)
    stats = net.train(X_train, y_train, X_val, y_val, num_iters=300, batch_size=200,
                      learning_rate=1.6e-3, learning_rate_decay=0.93, reg=0.25, verbose=False)
    val_acc = (net.predict(X_val) == y_val).mean()
    assert val_acc > 0.35
    assert stats["loss_history"][-1] < 1.9
    # Cell [34]: test accuracy (0.469 in the notebook)
    test_acc = (net.predict(X_test) == y_test).mean()
    assert test_acc > 0.35

    # Cell [31]: show_net_weights
    W1 = net.params["W1"]
    W1 = W1.T.reshape(32, 32, 3, -1).transpose(3, 0, 1, 2)
    grid = visualize_grid(W1, padding=3).astype("uint8")
    assert grid.shape == (8 * 32 + 7 * 3, 8 * 32 + 7 * 3, 3)
    assert grid.max() > 200 and grid.min() < 50


# --------------------------------------------------------------------------- FC_nets: modular layers

def test_fc_nets_star_import_brings_the_course_names():
    namespace = {}
    exec("from layerwise.courses.nn1.fc_net import *", namespace)
    for name in ("affine_forward", "affine_backward", "relu_forward", "relu_backward", "svm_loss",
                 "softmax_loss", "affine_relu_forward", "affine_relu_backward", "batchnorm_forward",
                 "dropout_forward", "TwoLayerNet", "FullyConnectedNet"):
        assert name in namespace, name
    from layerwise import classifiers, layers

    assert namespace["affine_forward"] is layers.affine_forward
    assert namespace["FullyConnectedNet"] is classifiers.FullyConnectedNet
    for module in ("optim", "solver", "layers", "layer_utils"):
        exec(f"from layerwise.courses.nn1.{module} import *", {})


def test_affine_forward():
    from layerwise.courses.nn1.fc_net import affine_forward

    num_inputs, input_shape, output_dim = 2, (4, 5, 6), 3
    input_size = num_inputs * np.prod(input_shape)
    weight_size = output_dim * np.prod(input_shape)
    x = np.linspace(-0.1, 0.5, num=input_size).reshape(num_inputs, *input_shape)
    w = np.linspace(-0.2, 0.3, num=weight_size).reshape(np.prod(input_shape), output_dim)
    b = np.linspace(-0.3, 0.1, num=output_dim)
    out, _ = affine_forward(x, w, b)
    correct_out = np.array([[1.49834967, 1.70660132, 1.91485297],
                            [3.25553199, 3.5141327, 3.77273342]])
    difference = rel_error(out, correct_out)
    assert abs(difference - 9.7698500479884e-10) < 1e-14     # printed difference (the reference's rounding)


def test_affine_backward():
    from layerwise.courses.cs231n.gradient_check import eval_numerical_gradient_array
    from layerwise.courses.nn1.fc_net import affine_backward, affine_forward

    np.random.seed(18)
    x = np.random.randn(10, 2, 3)
    w = np.random.randn(6, 5)
    b = np.random.randn(5)
    dout = np.random.randn(10, 5)
    dx_num = eval_numerical_gradient_array(lambda x: affine_forward(x, w, b)[0], x, dout)
    dw_num = eval_numerical_gradient_array(lambda w: affine_forward(x, w, b)[0], w, dout)
    db_num = eval_numerical_gradient_array(lambda b: affine_forward(x, w, b)[0], b, dout)
    _, cache = affine_forward(x, w, b)
    dx, dw, db = affine_backward(dout, cache)
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    # printed: 1.9e-10, 1.2e-10, 5.5e-12 ("around 1e-10")
    assert rel_error(dx_num, dx) < 1e-9
    assert rel_error(dw_num, dw) < 1e-9
    assert rel_error(db_num, db) < 1e-10


def test_relu_forward():
    from layerwise.courses.nn1.fc_net import relu_forward

    x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)
    out, _ = relu_forward(x)
    correct_out = np.array([[0., 0., 0., 0.],
                            [0., 0., 0.04545455, 0.13636364],
                            [0.22727273, 0.31818182, 0.40909091, 0.5]])
    assert abs(rel_error(out, correct_out) - 4.999999798022158e-08) < 1e-15   # printed difference


def test_relu_backward():
    from layerwise.courses.cs231n.gradient_check import eval_numerical_gradient_array
    from layerwise.courses.nn1.fc_net import relu_backward, relu_forward

    np.random.seed(23)
    x = np.random.randn(10, 10)
    dout = np.random.randn(*x.shape)
    dx_num = eval_numerical_gradient_array(lambda x: relu_forward(x)[0], x, dout)
    _, cache = relu_forward(x)
    dx = relu_backward(dout, cache)
    assert rel_error(dx_num, dx) < 1e-11                     # printed: 3.3e-12 ("around 1e-12")


def test_affine_relu_sandwich():
    from layerwise.courses.cs231n.gradient_check import eval_numerical_gradient_array
    from layerwise.courses.nndl.layer_utils import affine_relu_backward, affine_relu_forward

    np.random.seed(24)
    x = np.random.randn(2, 3, 4)
    w = np.random.randn(12, 10)
    b = np.random.randn(10)
    dout = np.random.randn(2, 10)
    out, cache = affine_relu_forward(x, w, b)
    dx, dw, db = affine_relu_backward(dout, cache)
    dx_num = eval_numerical_gradient_array(lambda x: affine_relu_forward(x, w, b)[0], x, dout)
    dw_num = eval_numerical_gradient_array(lambda w: affine_relu_forward(x, w, b)[0], w, dout)
    db_num = eval_numerical_gradient_array(lambda b: affine_relu_forward(x, w, b)[0], b, dout)
    # printed: 2.4e-11, 2.6e-09, 1.9e-11
    assert rel_error(dx_num, dx) < 1e-8
    assert rel_error(dw_num, dw) < 1e-8
    assert rel_error(db_num, db) < 1e-8


def test_svm_and_softmax_losses():
    from layerwise.courses.cs231n.gradient_check import eval_numerical_gradient
    from layerwise.courses.nn1.fc_net import softmax_loss, svm_loss

    np.random.seed(25)
    num_classes, num_inputs = 10, 50
    x = 0.001 * np.random.randn(num_inputs, num_classes)
    y = np.random.randint(num_classes, size=num_inputs)
    dx_num = eval_numerical_gradient(lambda x: svm_loss(x, y)[0], x, verbose=False)
    loss, dx = svm_loss(x, y)
    assert abs(loss - 9.000230416932016) < 1e-2             # "Loss should be around 9"
    assert rel_error(dx_num, dx) < 1e-8                      # printed: 8.2e-10 ("should be 1e-9")
    dx_num = eval_numerical_gradient(lambda x: softmax_loss(x, y)[0], x, verbose=False)
    loss, dx = softmax_loss(x, y)
    assert abs(loss - 2.302608600826777) < 1e-3              # "Loss should be 2.3"
    assert rel_error(dx_num, dx) < 1e-7                      # printed: 7.3e-09 ("should be 1e-8")


# --------------------------------------------------------------------------- FC_nets: TwoLayerNet and Solver

def test_two_layer_net_cell():
    from layerwise.courses.cs231n.gradient_check import eval_numerical_gradient
    from layerwise.courses.nn1.fc_net import TwoLayerNet

    np.random.seed(53)
    N, D, H, C = 3, 5, 50, 7
    X = np.random.randn(N, D)
    y = np.random.randint(C, size=N)
    std = 1e-2
    model = TwoLayerNet(input_dim=D, hidden_dims=H, num_classes=C, weight_scale=std)

    # Testing initialization
    assert abs(model.params["W1"].std() - std) < std / 10
    assert np.all(model.params["b1"] == 0)
    assert abs(model.params["W2"].std() - std) < std / 10
    assert np.all(model.params["b2"] == 0)

    # Testing test-time forward pass (the export shows the first six columns of the reference)
    model.params["W1"] = np.linspace(-0.7, 0.3, num=D * H).reshape(D, H)
    model.params["b1"] = np.linspace(-0.1, 0.9, num=H)
    model.params["W2"] = np.linspace(-0.3, 0.4, num=H * C).reshape(H, C)
    model.params["b2"] = np.linspace(-0.9, 0.1, num=C)
    X = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
    scores = model.loss(X)
    correct_scores = np.asarray(
        [[11.53165108, 12.2917344, 13.05181771, 13.81190102, 14.57198434, 15.33206765],
         [12.05769098, 12.74614105, 13.43459113, 14.1230412, 14.81149128, 15.49994135],
         [12.58373087, 13.20054771, 13.81736455, 14.43418138, 15.05099822, 15.66781506]])
    assert scores.shape == (N, C)
    assert np.abs(scores[:, :6] - correct_scores).sum() < 1e-6

    # Testing training loss (no regularization), then with model.reg = 1.0 (0.5 * reg * sum(W**2))
    y = np.asarray([0, 5, 1])
    loss, grads = model.loss(X, y)
    assert abs(loss - 3.4702243556) < 1e-10
    model.reg = 1.0
    loss, grads = model.loss(X, y)
    assert abs(loss - 26.5948426952) < 1e-10

    for reg in [0.0, 0.7]:
        model.reg = reg
        loss, grads = model.loss(X, y)
        for name in sorted(grads):
            f = lambda _: model.loss(X, y)[0]  # noqa: E731
            grad_num = eval_numerical_gradient(f, model.params[name], verbose=False)
            # printed: at most 2.5e-07 (W1, reg 0.7)
            assert rel_error(grad_num, grads[name]) < 1e-6, (reg, name)


def test_two_layer_net_default_and_course_keywords():
    from layerwise.courses.nn1.fc_net import TwoLayerNet

    model = TwoLayerNet()
    assert model.params["W1"].shape == (3072, 100) and model.params["W2"].shape == (100, 10)
    model = TwoLayerNet(hidden_dims=200, num_classes=10, reg=5)
    assert model.params["W1"].shape == (3072, 200) and model.reg == 5
    # The course's constructor also has dropout=0 (keep probability; 0: no dropout).
    assert not TwoLayerNet(dropout=0).use_dropout
    assert TwoLayerNet(dropout=0.5).dropout_param["p"] == 0.5


@pytest.fixture(scope="module")
def data():
    """Cell [7]: get_CIFAR10_data() with the course's six arrays."""
    cifar_root()
    from layerwise.courses.cs231n.data_utils import get_CIFAR10_data

    return get_CIFAR10_data()


@pytest.mark.cifar
def test_fc_nets_data_cell(data, capsys):
    for k in data.keys():
        print(f"{k}: {data[k].shape}")
    assert capsys.readouterr().out.splitlines() == [
        "X_train: (49000, 3, 32, 32)", "y_train: (49000,)", "X_val: (1000, 3, 32, 32)",
        "y_val: (1000,)", "X_test: (1000, 3, 32, 32)", "y_test: (1000,)"]


@pytest.mark.cifar
def test_solver_cell_reduced(data):
    from layerwise.courses.cs231n.solver import Solver
    from layerwise.courses.nn1.fc_net import TwoLayerNet

    np.random.seed(70)
    # Reduced: 5,000 training examples and 2 epochs instead of 49,000 and 10.
    reduced = {"X_train": data["X_train"][:5000], "y_train": data["y_train"][:5000],
               "X_val": data["X_val"], "y_val": data["y_val"]}
    model = TwoLayerNet(hidden_dims=200, num_classes=10, reg=5)
    solver = Solver(model, reduced,
                    update_rule='sgd',
                    optim_config={
                        'learning_rate': 1e-3,
                    },
                    lr_decay=0.95,
                    num_epochs=2, batch_size=100,
                    print_every=100, progress_bar=False, verbose=False)
    solver.train()
    # (Iteration 1 / 4900) loss: 3.840819 -- log(10) plus 0.5 * 5 * sum(W**2) at weight_scale 1e-3
    assert abs(solver.loss_history[0] - 3.840819) < 0.03
    # Cell [71] plots these: one accuracy per epoch plus the first iteration's.
    assert len(solver.loss_history) == 100
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == 3
    assert solver.val_acc_history[-1] > 0.28                 # 0.421 after epoch 1 on all 49,000


def test_fully_connected_net_gradient_check():
    from layerwise.courses.cs231n.gradient_check import eval_numerical_gradient
    from layerwise.courses.nn1.fc_net import FullyConnectedNet

    np.random.seed(133)
    N, D, H1, H2, C = 2, 15, 20, 30, 10
    X = np.random.randn(N, D)
    y = np.random.randint(C, size=(N,))
    notebook_loss = {0: 2.304311293062037, 3.14: 7.284732427349271}
    for reg in [0, 3.14]:
        model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C,
                                  reg=reg, weight_scale=5e-2, dtype=np.float64)
        loss, grads = model.loss(X, y)
        # reg 0: log(10) and noise; reg 3.14: plus 0.5 * 3.14 * sum(W**2) ~ 4.7
        assert abs(loss - notebook_loss[reg]) < (0.05 if reg == 0 else 1.0), (reg, loss)
        assert sorted(grads) == ["W1", "W2", "W3", "b1", "b2", "b3"]
        for name in sorted(grads):
            f = lambda _: model.loss(X, y)[0]  # noqa: E731
            grad_num = eval_numerical_gradient(f, model.params[name], verbose=False, h=1e-5)
            # printed: at most 1.4e-06 (W2, reg 0)
            assert rel_error(grad_num, grads[name]) < 1e-5, (reg, name)


@pytest.mark.cifar
def test_overfit_small_data_cell(data):
    from layerwise.courses.cs231n.solver import Solver
    from layerwise.courses.nn1.fc_net import FullyConnectedNet

    np.random.seed(139)
    num_train = 50
    small_data = {
        'X_train': data['X_train'][:num_train],
        'y_train': data['y_train'][:num_train],
        'X_val': data['X_val'],
        'y_val': data['y_val'],
    }
    weight_scale = 1e-2
    learning_rate = 1e-2
    model = FullyConnectedNet([100, 100], weight_scale=weight_scale, dtype=np.float64)
    solver = Solver(model, small_data,
                    print_every=10, num_epochs=20, batch_size=25,
                    update_rule='sgd',
                    optim_config={
                        'learning_rate': learning_rate,
                    },
                    verbose=False)
    solver.train()
    # (Iteration 1 / 40) loss: 2.288274 ... (Epoch 20 / 20) train acc: 1.000000
    assert len(solver.loss_history) == 40
    assert abs(solver.loss_history[0] - 2.288274) < 0.15
    assert solver.train_acc_history[-1] == 1.0
    assert solver.loss_history[-1] < 0.3
