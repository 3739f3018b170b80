"""The object-layer course notebook (``lib/mlp`` + ``lib/cnn``, CIFAR-100 superclasses) run through
``layerwise.courses.lib``.

Each test replays one notebook cell the way a student runs it, with only the
import prefix changed: the same calls, argument names, dict keys and seeds,
and asserts what the cell prints (exact values where they are deterministic,
the cell's own thresholds for gradient checks).  Cells that need CIFAR-100
run on a small synthetic CIFAR-100 release written in the course's layout
(``data/cifar100/{train,test,meta}.mat``); the training cells run with the
same calls on fewer examples and epochs.
"""

import importlib

import numpy as np
import pytest

import layerwise.data
import layerwise.gradient_check
import layerwise.nn
from layerwise.courses.lib import datasets, grad_check, optim
from layerwise.courses.lib.cnn import cnn_models
from layerwise.courses.lib.cnn import layer_utils as cnn_layer_utils
from layerwise.courses.lib.mlp import fully_conn, layer_utils, train

# What a notebook of this course has after its first cell (Problem 2 imports all eight modules).
from layerwise.courses.lib.mlp.fully_conn import *  # noqa: F403
from layerwise.courses.lib.mlp.layer_utils import *  # noqa: F403
from layerwise.courses.lib.mlp.train import *  # noqa: F403
from layerwise.courses.lib.cnn.layer_utils import *  # noqa: F403
from layerwise.courses.lib.cnn.cnn_models import *  # noqa: F403
from layerwise.courses.lib.datasets import *  # noqa: F403
from layerwise.courses.lib.grad_check import *  # noqa: F403
from layerwise.courses.lib.optim import *  # noqa: F403

SUPERCLASSES = [
    "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables",
    "household_electrical_devices", "household_furniture", "insects", "large_carnivores",
    "large_man-made_outdoor_things", "large_natural_outdoor_scenes", "large_omnivores_and_herbivores",
    "medium_mammals", "non-insect_invertebrates", "people", "reptiles", "small_mammals", "trees",
    "vehicles_1", "vehicles_2",
]  # fmt: skip


# ----------------------------------------------------------------------------
# The facade modules
# ----------------------------------------------------------------------------

# The names each course module binds at top level (its own definitions, what it
# star-imports, and numpy as np).
LAYERS = {"np", "sequential", "flatten", "fc", "gelu", "dropout", "cross_entropy", "softmax", "reset_seed"}
OPTIM = {"np", "Optimizer", "SGD", "Adam"}
MLP_MODELS = {"Module", "TestFCGeLU", "SmallFullyConnectedNetwork", "DropoutNet", "TinyNet", "FullyConnectedNetwork"}
COURSE_NAMES = {
    "mlp.layer_utils": LAYERS,
    "mlp.fully_conn": LAYERS | MLP_MODELS,
    "mlp.train": LAYERS | OPTIM | {"compute_acc", "train_net"},
    "optim": OPTIM,
    "cnn.layer_utils": {"np", "sequential", "ConvLayer2D", "MaxPoolingLayer"},
    "cnn.cnn_models": LAYERS | MLP_MODELS | {"ConvLayer2D", "MaxPoolingLayer", "TestCNN", "SmallConvolutionalNetwork"},
    "datasets": {"np", "CIFAR100", "CIFAR100_data"},
    "grad_check": {"np", "rel_error", "eval_numerical_gradient", "eval_numerical_gradient_array"},
}


@pytest.mark.parametrize("module", sorted(COURSE_NAMES))
def test_star_import_brings_what_the_course_module_brings(module):
    facade = importlib.import_module(f"layerwise.courses.lib.{module}")
    namespace = {}
    exec(f"from layerwise.courses.lib.{module} import *", namespace)
    brought = set(namespace) - {"__builtins__"}
    assert COURSE_NAMES[module] <= brought, COURSE_NAMES[module] - brought
    assert brought == set(facade.__all__)
    assert namespace["np"] is np
    assert facade.__doc__ and "\n" not in facade.__doc__.strip()  # one-line docstring


def test_facades_re_export_the_canonical_objects():
    canonical = {**vars(layerwise.nn), **vars(layerwise.gradient_check)}
    canonical["CIFAR100_data"] = layerwise.data.CIFAR100_data
    for module in (layer_utils, fully_conn, train, optim, cnn_layer_utils, cnn_models, grad_check, datasets):
        for name in module.__all__:
            if name in ("np", "CIFAR100"):
                continue
            assert getattr(module, name) is canonical[name], f"{module.__name__}.{name}"


def test_cifar100_reader_returns_the_raw_release(course_data_dir, fake_release):
    data_train, labels_train, data_test, labels_test, label_names = CIFAR100(course_data_dir)
    assert data_train.dtype == np.uint8 and data_train.shape == (300, 32, 32, 3)
    assert data_test.shape == (100, 32, 32, 3)
    np.testing.assert_array_equal(data_train, fake_release["x_train"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(labels_train, fake_release["coarse_train"])
    np.testing.assert_array_equal(labels_test, fake_release["coarse_test"])
    assert list(label_names) == SUPERCLASSES


# ----------------------------------------------------------------------------
# Data: "Loading the data (CIFAR-100 with 20 superclasses)"
# ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fake_release(tmp_path_factory):
    """A 400-image CIFAR-100 release, MATLAB format, its .mat files straight in ``data/cifar100``."""
    pytest.importorskip("scipy")
    root = tmp_path_factory.mktemp("cifar100")
    fake = layerwise.data.write_fake_cifar100(root, num_train=300, num_test=100, fmt="matlab",
                                              coarse_names=SUPERCLASSES, seed=5)
    course_dir = root / "data" / "cifar100"
    course_dir.parent.mkdir()
    fake["path"].rename(course_dir)
    fake["course_dir"] = course_dir
    return fake


@pytest.fixture(scope="module")
def course_data_dir(fake_release):
    return str(fake_release["course_dir"]) + "/"


@pytest.fixture(scope="module")
def data(course_data_dir):
    # The course's split is 40000 / 10000 of 50000 images; the synthetic release has 300.
    return CIFAR100_data(course_data_dir, num_validation=100)


@pytest.fixture(scope="module")
def data_dict(data):
    return {
        "data_train": (data["data_train"], data["labels_train"]),
        "data_val": (data["data_val"], data["labels_val"]),
        "data_test": (data["data_test"], data["labels_test"]),
    }


def _print_data(data):
    """The loading cell's loop over the data dict."""
    for k, v in data.items():
        if type(v) == np.ndarray:  # noqa: E721 - the cell's own test
            print("Name: {} Shape: {}, {}".format(k, v.shape, type(v)))
        else:
            print("{}: {}".format(k, v))


def test_loading_cell_prints_the_course_keys_and_shapes(data, capsys):
    _print_data(data)
    lines = capsys.readouterr().out.splitlines()
    arrays = "<class 'numpy.ndarray'>"
    assert lines[:6] == [
        f"Name: data_train Shape: (200, 32, 32, 3), {arrays}",
        f"Name: labels_train Shape: (200,), {arrays}",
        f"Name: data_val Shape: (100, 32, 32, 3), {arrays}",
        f"Name: labels_val Shape: (100,), {arrays}",
        f"Name: data_test Shape: (100, 32, 32, 3), {arrays}",
        f"Name: labels_test Shape: (100,), {arrays}",
    ]
    assert lines[6].startswith("label_names: ") and all(repr(name) in lines[6] for name in SUPERCLASSES)
    assert lines[7:] == [f"Name: mean_image Shape: (1, 1, 1, 3), {arrays}", f"Name: std_image Shape: (1, 1, 1, 3), {arrays}"]
    label_names = data["label_names"]
    mean_image = data["mean_image"][0]
    std_image = data["std_image"][0]
    assert list(label_names) == SUPERCLASSES
    assert mean_image.shape == std_image.shape == (1, 1, 3)


def test_loading_cell_prints_label_names_as_a_list(data, capsys):
    print("{}: {}".format("label_names", data["label_names"]))
    assert capsys.readouterr().out.startswith("label_names: ['aquatic_mammals', 'fish', ")


def test_first_image_cell_recovers_the_pixels_and_names_the_label(data, fake_release):
    mean_image, std_image = data["mean_image"][0], data["std_image"][0]
    idx = 0
    image_data = data["data_train"][idx]
    image_data = ((image_data * std_image + mean_image) * 255).astype(np.int32)
    pixels = fake_release["x_train"][idx].reshape(3, 32, 32).transpose(1, 2, 0).astype(np.int32)
    assert np.abs(image_data - pixels).max() <= 1  # float32 round trip, truncated by astype
    label = data["label_names"][data["labels_train"][idx]]
    assert label == SUPERCLASSES[fake_release["coarse_train"][idx]]


def test_data_shape_cell(data, data_dict, capsys):
    print("Data shape:", data_dict["data_train"][0].shape)
    print("Flattened data input size:", np.prod(data["data_train"].shape[1:]))
    print("Number of data classes:", max(data["labels_train"]) + 1)
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == ["Data shape: (200, 32, 32, 3)", "Flattened data input size: 3072"]
    assert out.splitlines()[2] == f"Number of data classes: {data['labels_train'].max() + 1}"


# ----------------------------------------------------------------------------
# Problem 1: standard layers
# ----------------------------------------------------------------------------

def test_fc_forward_cell():
    input_bz = 3
    input_dim = (7, 6, 4)
    output_dim = 4
    input_size = input_bz * np.prod(input_dim)
    weight_size = output_dim * np.prod(input_dim)
    flatten_layer = flatten(name="flatten_test")
    single_fc = fc(np.prod(input_dim), output_dim, init_scale=0.02, name="fc_test")
    x = np.linspace(-0.1, 0.4, num=input_size).reshape(input_bz, *input_dim)
    w = np.linspace(-0.2, 0.2, num=weight_size).reshape(np.prod(input_dim), output_dim)
    b = np.linspace(-0.3, 0.3, num=output_dim)
    single_fc.params[single_fc.w_name] = w
    single_fc.params[single_fc.b_name] = b
    out = single_fc.forward(flatten_layer.forward(x))
    correct_out = np.array([[0.63910291, 0.83740057, 1.03569824, 1.23399591],
                            [0.61401587, 0.82903823, 1.04406058, 1.25908294],
                            [0.58892884, 0.82067589, 1.05242293, 1.28416997]])
    assert rel_error(out, correct_out) == pytest.approx(4.02601593296122e-09, rel=1e-5)


def test_fc_backward_cell():
    np.random.seed(8)
    inp = np.random.randn(15, 2, 2, 3)
    w = np.random.randn(12, 15)
    b = np.random.randn(15)
    dout = np.random.randn(15, 15)
    flatten_layer = flatten(name="flatten_test")
    x = flatten_layer.forward(inp)
    single_fc = fc(np.prod(x.shape[1:]), 15, init_scale=5e-2, name="fc_test")
    single_fc.params[single_fc.w_name] = w
    single_fc.params[single_fc.b_name] = b
    dx_num = eval_numerical_gradient_array(lambda x: single_fc.forward(x), x, dout)
    dw_num = eval_numerical_gradient_array(lambda w: single_fc.forward(x), w, dout)
    db_num = eval_numerical_gradient_array(lambda b: single_fc.forward(x), b, dout)
    single_fc.forward(x)
    dx = single_fc.backward(dout)
    dinp = flatten_layer.backward(dx)
    assert rel_error(dx_num, dx) < 1e-8  # "around 1e-9"
    assert rel_error(dw_num, single_fc.grads[single_fc.w_name]) < 1e-8  # "around 1e-10"
    assert rel_error(db_num, single_fc.grads[single_fc.b_name]) < 1e-8
    assert dinp.shape == inp.shape == (15, 2, 2, 3)


def test_gelu_forward_cell():
    x = np.linspace(-1.5, 1.5, num=12).reshape(3, 4)
    out = gelu(name="gelu_f").forward(x)
    correct_out = np.array([[-0.10042842, -0.13504766, -0.16231757, -0.1689214],
                            [-0.13960493, -0.06078651, 0.07557713, 0.26948598],
                            [0.51289678, 0.79222788, 1.09222506, 1.39957158]])
    assert rel_error(out, correct_out) == pytest.approx(1.8037541876132445e-08, rel=1e-6)


def test_gelu_backward_cell():
    np.random.seed(10)
    x = np.random.randn(15, 15)
    dout = np.random.randn(*x.shape)
    gelu_b = gelu(name="gelu_b")
    dx_num = eval_numerical_gradient_array(lambda x: gelu_b.forward(x), x, dout)
    gelu_b.forward(x)
    dx = gelu_b.backward(dout)
    assert rel_error(dx_num, dx) < 1e-7  # the cell allows 1e-4; the notebook shows 2.6e-09


def test_dropout_forward_cell(capsys):
    np.random.seed(11)
    x = np.random.randn(100, 100) + 5.0
    for p in [0, 0.25, 0.50, 0.75, 1]:
        dropout_f = dropout(keep_prob=p)
        out = dropout_f.forward(x, True)
        out_test = dropout_f.forward(x, False)
        zeros = (out == 0).sum() / out.size
        assert (out_test == 0).sum() / out_test.size == 0.0
        np.testing.assert_array_equal(out_test, x)  # testing time: identity
        if p in (0, 1):  # keep_prob 0 or 1: no dropout, the means print identically
            np.testing.assert_array_equal(out, x)
            assert zeros == 0.0
        else:
            assert abs(zeros - (1 - p)) < 0.02  # notebook: 0.7567, 0.504, 0.2445
            assert abs(out.mean() - x.mean()) < 0.3  # kept units scaled by 1 / p
            kept = out != 0
            np.testing.assert_allclose(out[kept], x[kept] / p)


def test_dropout_backward_cell():
    np.random.seed(12)
    x = np.random.randn(5, 5) + 5
    dout = np.random.randn(*x.shape)
    keep_prob = 0.75
    dropout_b = dropout(keep_prob, seed=100)
    out = dropout_b.forward(x, True, seed=1)
    dx = dropout_b.backward(dout)
    dx_num = eval_numerical_gradient_array(lambda xx: dropout_b.forward(xx, True, seed=1), x, dout)
    assert rel_error(dx, dx_num) < 1e-10
    assert 0 < (out == 0).sum() < out.size  # the seeded mask drops some units, not all


def test_fc_gelu_cell():
    np.random.seed(13)
    x = np.random.randn(3, 5, 3)
    w = np.random.randn(15, 5)
    b = np.random.randn(5)
    dout = np.random.randn(3, 5)
    tiny_net = TestFCGeLU()
    tiny_net.net.assign("fc1_w", w)
    tiny_net.net.assign("fc1_b", b)
    out = tiny_net.forward(x)
    dx = tiny_net.backward(dout)
    dw = tiny_net.net.get_grads("fc1_w")
    db = tiny_net.net.get_grads("fc1_b")
    dx_num = eval_numerical_gradient_array(lambda x: tiny_net.forward(x), x, dout)
    dw_num = eval_numerical_gradient_array(lambda w: tiny_net.forward(x), w, dout)
    db_num = eval_numerical_gradient_array(lambda b: tiny_net.forward(x), b, dout)
    assert out.shape == (3, 5)
    for analytic, numeric in ((dx, dx_num), (dw, dw_num), (db, db_num)):
        assert rel_error(numeric, analytic) < 1e-7


def test_cross_entropy_cell():
    np.random.seed(19)
    num_classes, num_inputs = 6, 100
    x = 0.001 * np.random.randn(num_inputs, num_classes)
    y = np.random.randint(num_classes, size=num_inputs)
    test_loss = cross_entropy()
    dx_num = eval_numerical_gradient(lambda x: test_loss.forward(x, y), x, verbose=0)
    loss = test_loss.forward(x, y)
    dx = test_loss.backward()
    assert loss == pytest.approx(1.792, abs=1e-3)  # log(6) for tiny scores
    assert rel_error(dx_num, dx) < 5e-8  # "at the scale of 1e-8"


def _print_gradient_errors(model, loss_func, feats, y):
    """The gradient loop of the small-network cells; returns the printed lines."""
    lines = []
    for layer in model.net.layers:
        if not layer.params:
            continue
        for name in sorted(layer.grads):
            f = lambda _: loss_func.forward(model.forward(feats), y)  # noqa: E731
            grad_num = eval_numerical_gradient(f, layer.params[name], verbose=False)
            lines.append((name, rel_error(grad_num, layer.grads[name])))
    return lines


def test_small_fully_connected_network_cell():
    seed = 1234
    np.random.seed(seed=seed)
    model = SmallFullyConnectedNetwork()
    loss_func = cross_entropy()
    N, D, = 4, 4
    H, C, = 30, 7
    std = 0.02
    x = np.random.randn(N, D)
    y = np.random.randint(C, size=N)

    w1_std = abs(model.net.get_params("fc1_w").std() - std)
    b1 = model.net.get_params("fc1_b").std()
    w2_std = abs(model.net.get_params("fc2_w").std() - std)
    b2 = model.net.get_params("fc2_b").std()
    assert w1_std < std / 10 and w2_std < std / 10
    assert np.all(b1 == 0) and np.all(b2 == 0)

    w1 = np.linspace(-0.7, 0.3, num=D * H).reshape(D, H)
    w2 = np.linspace(-0.2, 0.2, num=H * C).reshape(H, C)
    b1 = np.linspace(-0.6, 0.2, num=H)
    b2 = np.linspace(-0.9, 0.1, num=C)
    model.net.assign("fc1_w", w1)
    model.net.assign("fc1_b", b1)
    model.net.assign("fc2_w", w2)
    model.net.assign("fc2_b", b2)
    feats = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
    scores = model.forward(feats)
    # The first four of the seven columns the notebook prints.
    first_columns = np.asarray([[-2.33881897, -1.92174121, -1.50466344, -1.08758567],
                                [-1.57214916, -1.1857013, -0.79925345, -0.41280559],
                                [-0.80178618, -0.44604469, -0.0903032, 0.26543829],
                                [-0.00331319, 0.32124836, 0.64580991, 0.97037146]])
    assert scores.shape == (N, C)
    assert np.sum(np.abs(scores[:, :4] - first_columns)) < 1e-6

    y = np.asarray([0, 5, 1, 4])
    loss = loss_func.forward(scores, y)
    dLoss = loss_func.backward()
    assert abs(loss - 2.4248995879903195) < 1e-10

    model.backward(dLoss)
    errors = _print_gradient_errors(model, loss_func, feats, y)
    assert [name for name, _ in errors] == ["fc1_b", "fc1_w", "fc2_b", "fc2_w"]
    assert all(error < 1e-6 for _, error in errors), errors  # notebook: 5.06e-09 ... 2.50e-08


def test_dropout_net_cell():
    seed = 1234
    np.random.seed(seed=seed)
    N, D, C = 3, 15, 10
    X = np.random.randn(N, D)
    y = np.random.randint(C, size=(N,))
    for keep_prob in [0, 0.25, 0.5]:
        np.random.seed(seed=seed)
        model = DropoutNet(keep_prob=keep_prob, seed=seed)
        loss_func = cross_entropy()
        output = model.forward(X, True, seed=seed)
        loss = loss_func.forward(output, y)
        dLoss = loss_func.backward()
        model.backward(dLoss)
        grads = model.net.grads
        checked = []
        for name in sorted(grads):
            if name not in model.net.params.keys():
                continue
            f = lambda _: loss_func.forward(model.forward(X, True, seed=seed), y)  # noqa: E731
            grad_num = eval_numerical_gradient(f, model.net.params[name], verbose=False)
            assert rel_error(grad_num, grads[name]) < 1e-3, (keep_prob, name)
            checked.append(name)
        assert checked == ["fc1_b", "fc1_w", "fc2_b", "fc2_w", "fc3_b", "fc3_w"]
        assert np.isfinite(loss)


# ----------------------------------------------------------------------------
# Problem 1: "Training a Network" (reduced: the synthetic release, 3 epochs)
# ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_net_results(data_dict):
    seed = 123
    np.random.seed(seed=seed)
    model = TinyNet()
    loss_f = cross_entropy()
    optimizer = SGD(model.net, 0.1)
    batch_size = 100
    epochs = 3  # the notebook: 5
    lr_decay = 0.99
    lr_decay_every = 100
    results = train_net(data_dict, model, loss_f, optimizer, batch_size, epochs,
                        lr_decay, lr_decay_every, show_every=10000, verbose=True)
    return model, results


def test_tiny_net_training_cell(tiny_net_results, data_dict):
    model, results = tiny_net_results
    opt_params, loss_hist, train_acc_hist, val_acc_hist = results
    assert len(loss_hist) == 3 * 2  # 200 training images, batch 100
    assert len(train_acc_hist) == len(val_acc_hist) == 3
    # Training accuracy is measured on the whole training set, as the course's 0.31825 of 40000 shows.
    X_train, y_train = data_dict["data_train"]
    assert train_acc_hist[-1] * len(y_train) == pytest.approx(round(train_acc_hist[-1] * len(y_train)))
    assert train_acc_hist[-1] > 0.5 > train_acc_hist[0]  # 200 random images are memorized
    assert loss_hist[0] == pytest.approx(np.log(20), abs=0.2)


def test_stored_param_names_cell(tiny_net_results, capsys):
    opt_params = tiny_net_results[1][0]
    print(opt_params.keys())
    assert capsys.readouterr().out == "dict_keys(['fc1_w', 'fc1_b', 'fc2_w', 'fc2_b'])\n"


def test_load_params_into_a_new_network_cell(tiny_net_results, data, capsys):
    opt_params, _, _, val_acc_hist = tiny_net_results[1]
    model = TinyNet()
    model.net.load(opt_params)
    assert capsys.readouterr().out.splitlines() == [
        "Loading Params: fc1_w Shape: (3072, 512)",
        "Loading Params: fc1_b Shape: (512,)",
        "Loading Params: fc2_w Shape: (512, 20)",
        "Loading Params: fc2_b Shape: (20,)",
    ]
    val_acc = compute_acc(model, data["data_val"], data["labels_val"])
    test_acc = compute_acc(model, data["data_test"], data["labels_test"])
    assert val_acc == max(val_acc_hist)  # the notebook: 33.33% after loading, its best epoch's 0.3333
    assert 0 <= test_acc <= 1


def test_learning_curves_cell(tiny_net_results):
    plt = pytest.importorskip("matplotlib.pyplot")
    opt_params, loss_hist, train_acc_hist, val_acc_hist = tiny_net_results[1]
    plt.subplot(2, 1, 1)
    loss_hist_ = loss_hist[1::100]
    plt.plot(loss_hist_, "-o")
    plt.subplot(2, 1, 2)
    plt.plot(train_acc_hist, "-o", label="Training")
    plt.plot(val_acc_hist, "-o", label="Validation")
    plt.legend(loc="lower right")
    assert len(plt.gca().lines) == 2
    plt.close("all")


# ----------------------------------------------------------------------------
# Optimizers and regularization
# ----------------------------------------------------------------------------

def test_sgd_weight_decay_cell():
    np.random.seed(seed=1234)
    N, D = 4, 5
    test_sgd = sequential(fc(N, D, name="sgd_fc"))
    w = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
    dw = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)
    test_sgd.layers[0].params = {"sgd_fc_w": w}
    test_sgd.layers[0].grads = {"sgd_fc_w": dw}
    test_sgd_wd = SGD(test_sgd, 1e-3, 1e-4)
    test_sgd_wd.step()
    updated_w = test_sgd.layers[0].params["sgd_fc_w"]
    expected_updated_w = np.asarray([
        [-0.39936, -0.34678632, -0.29421263, -0.24163895, -0.18906526],
        [-0.13649158, -0.08391789, -0.03134421, 0.02122947, 0.07380316],
        [0.12637684, 0.17895053, 0.23152421, 0.28409789, 0.33667158],
        [0.38924526, 0.44181895, 0.49439263, 0.54696632, 0.59954]])
    assert rel_error(updated_w, expected_updated_w) == pytest.approx(8.677112905190533e-08, rel=1e-6)


def test_adam_cell():
    np.random.seed(seed=1234)
    N, D = 4, 5
    test_adam = sequential(fc(N, D, name="adam_fc"))
    w = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
    dw = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)
    m = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    v = np.linspace(0.7, 0.5, num=N * D).reshape(N, D)
    test_adam.layers[0].params = {"adam_fc_w": w}
    test_adam.layers[0].grads = {"adam_fc_w": dw}
    opt_adam = Adam(test_adam, 1e-2, 0.9, 0.999, t=5)
    opt_adam.mt = {"adam_fc_w": m}
    opt_adam.vt = {"adam_fc_w": v}
    opt_adam.step()
    updated_w = test_adam.layers[0].params["adam_fc_w"]
    mt = opt_adam.mt["adam_fc_w"]
    vt = opt_adam.vt["adam_fc_w"]
    expected_updated_w = np.asarray([
        [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977],
        [-0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929],
        [0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969],
        [0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459]])
    expected_v = np.asarray([
        [0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853],
        [0.64683452, 0.63628604, 0.6257431, 0.61520571, 0.60467385],
        [0.59414753, 0.58362676, 0.57311152, 0.56260183, 0.55209767],
        [0.54159906, 0.53110598, 0.52061845, 0.51013645, 0.49966]])
    expected_m = np.asarray([
        [0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474],
        [0.57736842, 0.59684211, 0.61631579, 0.63578947, 0.65526316],
        [0.67473684, 0.69421053, 0.71368421, 0.73315789, 0.75263158],
        [0.77210526, 0.79157895, 0.81105263, 0.83052632, 0.85]])
    assert rel_error(expected_updated_w, updated_w) == pytest.approx(1.1395691798535431e-07, rel=1e-6)
    assert rel_error(expected_m, mt) == pytest.approx(4.214963193114416e-09, rel=1e-6)
    assert rel_error(expected_v, vt) == pytest.approx(4.208314038113071e-09, rel=1e-6)
    assert opt_adam.t == 6


@pytest.fixture(scope="module")
def small_data_dict(data):
    num_train = 200  # the notebook: 20000 of 40000; here all 200
    return {
        "data_train": (data["data_train"][:num_train], data["labels_train"][:num_train]),
        "data_val": (data["data_val"], data["labels_val"]),
        "data_test": (data["data_test"], data["labels_test"]),
    }


def _fc_run(small_data_dict, make_optimizer, max_epochs=2, **kwargs):
    """One run of the comparison cells: reset the seed, build, train with train_net's default batch size."""
    reset_seed(seed=1234)
    model = FullyConnectedNetwork()
    results = train_net(small_data_dict, model, cross_entropy(), make_optimizer(model),
                        max_epochs=max_epochs, show_every=10000, **kwargs)
    return model, results


@pytest.fixture(scope="module")
def sgd_runs(small_data_dict):
    _, results_sgd = _fc_run(small_data_dict, lambda m: SGD(m.net, 0.01), verbose=True)
    _, results_sgdw = _fc_run(small_data_dict, lambda m: SGD(m.net, 0.01, 1e-4), verbose=True)
    return results_sgd, results_sgdw


def test_sgd_and_sgd_with_weight_decay_cell(sgd_runs):
    (_, loss_hist_sgd, train_sgd, val_sgd), (_, loss_hist_sgdw, train_sgdw, val_sgdw) = sgd_runs
    # No batch_size given: the course's 100, so 200 images make 2 iterations per epoch
    # (the notebook: 20000 images, 50 epochs, "Iteration 1 / 10000").
    assert len(loss_hist_sgd) == len(loss_hist_sgdw) == 2 * 2
    assert len(train_sgd) == len(val_sgd) == len(train_sgdw) == len(val_sgdw) == 2
    # Same seed, same first minibatch: both runs print the same first loss, as in the notebook.
    assert loss_hist_sgd[0] == loss_hist_sgdw[0]
    assert loss_hist_sgd[-1] != loss_hist_sgdw[-1]


def test_sgd_with_l1_regularization_cell(small_data_dict, sgd_runs):
    _, results_sgd_l1 = _fc_run(small_data_dict, lambda m: SGD(m.net, 0.01), verbose=True,
                                regularization="l1", reg_lambda=1e-3)
    opt_params_sgd_l1, loss_hist_sgd_l1, train_acc_hist_sgd_l1, val_acc_hist_sgd_l1 = results_sgd_l1
    loss_hist_sgd = sgd_runs[0][1]
    # The reported loss includes the penalty lambda * sum |w| of the weights.
    assert loss_hist_sgd_l1[0] > loss_hist_sgd[0] + 1e-3
    assert len(val_acc_hist_sgd_l1) == 2 and sorted(opt_params_sgd_l1) == sorted(sgd_runs[0][0])


def test_sgd_with_l2_regularization_cell_takes_lambda_as_regularization(small_data_dict, sgd_runs):
    l2_lambda = 1e-3
    _, results_sgd_l2 = _fc_run(small_data_dict, lambda m: SGD(m.net, 0.01), verbose=False,
                                regularization=l2_lambda)
    _, spelled_out = _fc_run(small_data_dict, lambda m: SGD(m.net, 0.01), verbose=False,
                             regularization="l2", reg_lambda=l2_lambda)
    assert results_sgd_l2[1] == spelled_out[1]  # a bare number is the L2 strength
    assert results_sgd_l2[1][0] > sgd_runs[0][1][0]  # and it is applied


def test_l2_lambda_that_matches_weight_decay_gives_the_same_curve(small_data_dict, sgd_runs):
    # The cell's question: with SGD(lr=0.01) and weight decay 1e-4, which lambda gives
    # EXACTLY the weight-decay curve?  Penalty lambda * sum w**2 has gradient 2 * lambda * w.
    weight_decay, lr = 1e-4, 0.01
    _, results_l2 = _fc_run(small_data_dict, lambda m: SGD(m.net, lr), verbose=False,
                                   regularization=weight_decay / (2 * lr))
    reset_seed(seed=1234)
    initial = FullyConnectedNetwork()
    penalty = weight_decay / (2 * lr) * sum(float(np.sum(v.astype(np.float64) ** 2))
                                            for k, v in initial.params.items() if k.endswith("_w"))
    loss_hist_sgdw = sgd_runs[1][1]
    # Same updates; the L2 run's loss also reports the penalty.
    assert results_l2[1][0] == pytest.approx(loss_hist_sgdw[0] + penalty, rel=1e-5)
    assert results_l2[2] == sgd_runs[1][2] and results_l2[3] == sgd_runs[1][3]
    opt_params_sgdw = sgd_runs[1][0]
    for name, value in results_l2[0].items():
        np.testing.assert_allclose(value, opt_params_sgdw[name], rtol=1e-5, atol=1e-7, err_msg=name)


def test_adam_weight_decay_vs_l2_cell(small_data_dict):
    _, results_adam_wd = _fc_run(small_data_dict, lambda m: Adam(m.net, lr=1e-4, weight_decay=1e-6), verbose=False)
    reg_lambda_l2 = 1e-4
    _, results_adam_l2 = _fc_run(small_data_dict, lambda m: Adam(m.net, lr=1e-4), verbose=False,
                                 regularization="l2", reg_lambda=reg_lambda_l2)
    opt_params_adam_wd, loss_hist_adam_wd, train_acc_hist_adam_wd, val_acc_hist_adam_wd = results_adam_wd
    opt_params_adam_l2, loss_hist_adam_l2, train_acc_hist_adam_l2, val_acc_hist_adam_l2 = results_adam_l2
    assert len(loss_hist_adam_wd) == len(loss_hist_adam_l2) == 4
    assert len(val_acc_hist_adam_wd) == len(val_acc_hist_adam_l2) == 2
    # Adam's weight decay bypasses the moments, L2 goes through them: the runs differ.
    assert loss_hist_adam_wd[1:] != loss_hist_adam_l2[1:]


def test_train_net_requires_max_epochs_in_the_course_call_form(small_data_dict):
    model = FullyConnectedNetwork()
    with pytest.raises(TypeError, match="missing required argument 'max_epochs'"):
        train_net(small_data_dict, model, cross_entropy(), SGD(model.net, 0.01), show_every=10000)


# ----------------------------------------------------------------------------
# Problem 2: convolution and max pooling layers
# ----------------------------------------------------------------------------

def test_conv_output_size_cell(capsys):
    input_image = np.zeros([32, 28, 28, 3])
    in_channels = input_image.shape[-1]
    k_size = 4
    n_filt = 16
    conv_layer = ConvLayer2D(in_channels, k_size, n_filt, stride=2, padding=3)
    output_size = conv_layer.get_output_size(input_image.shape)
    print("Received {} and expected [32, 16, 16, 16]".format(output_size))
    assert capsys.readouterr().out == "Received [32, 16, 16, 16] and expected [32, 16, 16, 16]\n"
    assert list(conv_layer.forward(input_image[:1]).shape) == [1] + output_size[1:]


def test_conv_forward_cell():
    input_image = np.linspace(-0.1, 0.4, num=1 * 8 * 8 * 1).reshape([1, 8, 8, 1])
    in_channels, k_size, n_filt = 1, 5, 2
    weight_size = k_size * k_size * in_channels * n_filt
    bias_size = n_filt
    single_conv = ConvLayer2D(in_channels, k_size, n_filt, stride=1, padding=0, name="conv_test")
    w = np.linspace(-0.2, 0.2, num=weight_size).reshape(k_size, k_size, in_channels, n_filt)
    b = np.linspace(-0.3, 0.3, num=bias_size)
    single_conv.params[single_conv.w_name] = w
    single_conv.params[single_conv.b_name] = b
    out = single_conv.forward(input_image)
    correct_out = np.array([[
        [[-0.03874312, 0.57000324], [-0.03955296, 0.57081309], [-0.04036281, 0.57162293], [-0.04117266, 0.57243278]],
        [[-0.0452219, 0.57648202], [-0.04603175, 0.57729187], [-0.04684159, 0.57810172], [-0.04765144, 0.57891156]],
        [[-0.05170068, 0.5829608], [-0.05251053, 0.58377065], [-0.05332038, 0.5845805], [-0.05413022, 0.58539035]],
        [[-0.05817946, 0.58943959], [-0.05898931, 0.59024943], [-0.05979916, 0.59105928], [-0.06060901, 0.59186913]],
    ]])
    assert out.shape == (1, 4, 4, 2)
    assert rel_error(out, correct_out) == pytest.approx(5.110565335399418e-08, rel=1e-6)


def test_conv_backward_cell():
    np.random.seed(36)
    img = np.random.randn(15, 8, 8, 3)
    w = np.random.randn(4, 4, 3, 12)
    b = np.random.randn(12)
    dout = np.random.randn(15, 4, 4, 12)
    single_conv = ConvLayer2D(input_channels=3, kernel_size=4, number_filters=12, stride=2, padding=1,
                              name="conv_test")
    single_conv.params[single_conv.w_name] = w
    single_conv.params[single_conv.b_name] = b
    dimg_num = eval_numerical_gradient_array(lambda x: single_conv.forward(img), img, dout)
    dw_num = eval_numerical_gradient_array(lambda w: single_conv.forward(img), w, dout)
    db_num = eval_numerical_gradient_array(lambda b: single_conv.forward(img), b, dout)
    single_conv.forward(img)
    dimg = single_conv.backward(dout)
    dw = single_conv.grads[single_conv.w_name]
    db = single_conv.grads[single_conv.b_name]
    assert rel_error(dimg_num, dimg) < 1e-6  # notebook: 3.2e-08
    assert rel_error(dw_num, dw) < 1e-6  # notebook: 9.9e-09
    assert rel_error(db_num, db) < 1e-6
    assert dimg.shape == img.shape


def test_max_pooling_forward_cell():
    input_image = np.linspace(-0.1, 0.4, num=64).reshape([1, 8, 8, 1])
    maxpool = MaxPoolingLayer(pool_size=4, stride=2, name="maxpool_test")
    out = maxpool.forward(input_image)
    correct_out = np.array([[[[0.11428571], [0.13015873], [0.14603175]],
                             [[0.24126984], [0.25714286], [0.27301587]],
                             [[0.36825397], [0.38412698], [0.4]]]])
    assert out.shape == (1, 3, 3, 1)
    assert rel_error(out, correct_out) == pytest.approx(1.8750000280978013e-08, rel=1e-6)


def test_max_pooling_backward_cell():
    np.random.seed(42)
    img = np.random.randn(15, 8, 8, 3)
    dout = np.random.randn(15, 3, 3, 3)
    maxpool = MaxPoolingLayer(pool_size=4, stride=2, name="maxpool_test")
    dimg_num = eval_numerical_gradient_array(lambda x: maxpool.forward(img), img, dout)
    maxpool.forward(img)
    dimg = maxpool.backward(dout)
    assert rel_error(dimg_num, dimg) < 1e-8  # "around 1e-8"; notebook: 3.3e-12
    assert dimg.shape == img.shape


def test_small_cnn_cell():
    seed = 1234
    np.random.seed(seed=seed)
    model = TestCNN()
    loss_func = cross_entropy()
    B, H, W, iC = 4, 8, 8, 3
    k = 3
    oC, Hi, O = 3, 27, 5
    std = 0.02
    x = np.random.randn(B, H, W, iC)
    y = np.random.randint(O, size=B)

    w1_std = abs(model.net.get_params("conv_w").std() - std)
    b1 = model.net.get_params("conv_b").std()
    w2_std = abs(model.net.get_params("fc_w").std() - std)
    b2 = model.net.get_params("fc_b").std()
    assert w1_std < std / 10 and w2_std < std / 10
    assert np.all(b1 == 0) and np.all(b2 == 0)

    w1 = np.linspace(-0.7, 0.3, num=k * k * iC * oC).reshape(k, k, iC, oC)
    w2 = np.linspace(-0.2, 0.2, num=Hi * O).reshape(Hi, O)
    b1 = np.linspace(-0.6, 0.2, num=oC)
    b2 = np.linspace(-0.9, 0.1, num=O)
    model.net.assign("conv_w", w1)
    model.net.assign("conv_b", b1)
    model.net.assign("fc_w", w2)
    model.net.assign("fc_b", b2)
    feats = np.linspace(-5.5, 4.5, num=B * H * W * iC).reshape(B, H, W, iC)
    scores = model.forward(feats)
    correct_scores = np.asarray([[-13.85107294, -11.52845818, -9.20584342, -6.88322866, -4.5606139],
                                 [-11.44514171, -10.21200524, -8.97886878, -7.74573231, -6.51259584],
                                 [-9.03921048, -8.89555231, -8.75189413, -8.60823596, -8.46457778],
                                 [-6.63327925, -7.57909937, -8.52491949, -9.4707396, -10.41655972]])
    assert np.sum(np.abs(scores - correct_scores)) < 1e-6

    y = np.asarray([0, 2, 1, 4])
    loss = loss_func.forward(scores, y)
    dLoss = loss_func.backward()
    assert abs(loss - 4.56046848799693) < 1e-10

    model.backward(dLoss)
    errors = _print_gradient_errors(model, loss_func, feats, y)
    assert [name for name, _ in errors] == ["conv_b", "conv_w", "fc_b", "fc_w"]
    assert all(error < 1e-6 for _, error in errors), errors  # notebook: 2.97e-09 ... 3.89e-07


# ----------------------------------------------------------------------------
# Problem 2: "Training the Network" (reduced: 100 images, 1 epoch), filters, confusion matrix
# ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cnn_run(data):
    data_dict = {
        "data_train": (data["data_train"][:100], data["labels_train"][:100]),
        "data_val": (data["data_val"][:50], data["labels_val"][:50]),
        "data_test": (data["data_test"], data["labels_test"]),
    }
    seed = 123
    np.random.seed(seed=seed)
    model = SmallConvolutionalNetwork()
    loss_f = cross_entropy()
    optimizer = Adam(model.net, 1e-3)
    batch_size = 10
    epochs = 1  # the notebook: 5
    lr_decay = .999
    lr_decay_every = 10
    regularization = "none"
    reg_lambda = 0.01
    results = train_net(data_dict, model, loss_f, optimizer, batch_size, epochs,
                        lr_decay, lr_decay_every, show_every=4000, verbose=True, regularization=regularization,
                        reg_lambda=reg_lambda)
    return model, optimizer, results


def test_cnn_training_cell(cnn_run):
    model, optimizer, results = cnn_run
    opt_params, loss_hist, train_acc_hist, val_acc_hist = results
    assert len(loss_hist) == 100 // 10
    assert len(train_acc_hist) == len(val_acc_hist) == 1
    assert optimizer.t == 10
    assert optimizer.lr == pytest.approx(1e-3 * 0.999)  # decayed every 10 iterations
    assert set(opt_params) >= {"conv1_w", "conv1_b", "conv2_w", "conv2_b"}
    assert all(np.isfinite(loss_hist))


def test_filter_visualization_cell(cnn_run):
    model = cnn_run[0]
    fil = model.net.get_params("conv1_w")
    rows = fil.shape[-1] // 4
    ncols = 4
    h, w, c, n = fil.shape
    fil = fil.reshape(n, h, w, c)
    i = np.ones((n, 1, w, c))
    j = np.concatenate((fil, i), axis=1)
    i = np.ones((n, j.shape[1], 1, c))
    j = np.concatenate((i, j), axis=2)
    n, h, w, c = j.shape
    im_array = j.reshape(rows, ncols, h, w, c).swapaxes(1, 2).reshape(h * rows, w * ncols, c)
    assert c == 3 and n % 4 == 0
    assert im_array.shape == (h * rows, w * ncols, 3)


def test_confusion_matrix_cell(cnn_run, data_dict):
    model = cnn_run[0]
    data_val, labels_val = data_dict["data_test"]
    output = model.forward(data_val, False)
    scores = softmax(output)
    pred = np.argmax(scores, axis=1)
    confusion_matrix = np.zeros((20, 20))
    for I in range(0, labels_val.shape[0]):  # noqa: E741 - the cell's name
        gt = labels_val[I]
        pr = pred[I]
        confusion_matrix[gt][pr] += 1
    row_sums = confusion_matrix.sum(axis=1)
    assert output.shape == (100, 20)
    np.testing.assert_allclose(scores.sum(axis=1), 1, rtol=1e-5)
    assert confusion_matrix.sum() == 100
    np.testing.assert_array_equal(row_sums, np.bincount(labels_val, minlength=20))
    assert np.trace(confusion_matrix) == np.sum(pred == labels_val)
