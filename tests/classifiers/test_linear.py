"""Linear classifiers: SVM and softmax losses (naive == vectorized, numerical gradients,
hand-worked values, PyTorch), SGD training, seeding and errors."""

import math
import warnings

import numpy as np
import pytest

from layerwise.classifiers.linear import LinearClassifier, LinearSVM, Softmax
from layerwise.classifiers.linear_svm import svm_loss_naive, svm_loss_vectorized
from layerwise.classifiers.softmax import softmax_loss_naive, softmax_loss_vectorized
from layerwise.gradient_check import eval_numerical_gradient, rel_error

LOSSES = {
    "svm": (svm_loss_naive, svm_loss_vectorized),
    "softmax": (softmax_loss_naive, softmax_loss_vectorized),
}


@pytest.fixture
def rng():
    return np.random.default_rng(231)


def _problem(rng, N=40, D=12, C=5, scale=1.0):
    W = rng.standard_normal((D, C)) * 0.1 * scale
    X = rng.standard_normal((N, D)) * 3
    y = rng.integers(0, C, N)
    return W, X, y


# --------------------------------------------------------------------------- losses

@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("reg", [0.0, 0.1])
def test_naive_equals_vectorized(rng, name, reg):
    naive, vectorized = LOSSES[name]
    W, X, y = _problem(rng)
    loss_n, grad_n = naive(W, X, y, reg)
    loss_v, grad_v = vectorized(W, X, y, reg)
    assert abs(loss_n - loss_v) <= 1e-10 * max(1.0, abs(loss_n))
    assert grad_n.shape == W.shape
    assert np.max(np.abs(grad_n - grad_v)) <= 1e-10 * max(1.0, np.max(np.abs(grad_n)))


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("which", [0, 1])
def test_gradient_matches_numerical_gradient(rng, name, which):
    fn = LOSSES[name][which]
    W, X, y = _problem(rng, N=15, D=6, C=4)
    if name == "svm":  # stay away from the hinge's kinks, where the derivative jumps
        scores = X @ W
        margins = scores - scores[np.arange(15), y][:, None] + 1
        margins[np.arange(15), y] = 1
        assert np.min(np.abs(margins)) > 1e-3
    reg = 0.3
    _, grad = fn(W, X, y, reg)
    numeric = eval_numerical_gradient(lambda w: fn(w, X, y, reg)[0], W.copy(), verbose=False)
    assert rel_error(grad, numeric) < 1e-7


def test_losses_at_zero_weights():
    # W = 0: every score is 0, so each wrong class has margin exactly 1 and the softmax is uniform.
    X = np.arange(12.0).reshape(4, 3)
    y = np.array([0, 1, 2, 3])
    W = np.zeros((3, 4))
    for fn in LOSSES["svm"]:
        assert fn(W, X, y, 1.0)[0] == pytest.approx(3.0, abs=1e-15)
    for fn in LOSSES["softmax"]:
        assert fn(W, X, y, 1.0)[0] == pytest.approx(math.log(4), abs=1e-15)


@pytest.mark.parametrize("name", LOSSES)
def test_regularization_convention_is_reg_times_sum_of_squares(name):
    # X = 0 makes the data term independent of W: only the penalty reg * sum(W**2) (gradient
    # 2 * reg * W, the linear-classifier convention of the course) depends on W.
    W = np.array([[0.5, -1.0], [2.0, 0.0]])
    X = np.zeros((3, 2))
    y = np.array([0, 1, 1])
    for fn in LOSSES[name]:
        loss0, _ = fn(W, X, y, 0.0)
        loss, grad = fn(W, X, y, 0.25)
        assert loss - loss0 == pytest.approx(0.25 * 5.25, abs=1e-14)
        assert np.allclose(grad, 2 * 0.25 * W, rtol=0, atol=1e-15)


def test_svm_hand_worked_example():
    # One example, scores [1, 2, 0.5] with y = 0: margins 2 - 1 + 1 = 2 and 0.5 - 1 + 1 = 0.5.
    X = np.array([[1.0, 0.0, 0.0]])
    W = np.array([[1.0, 2.0, 0.5], [0, 0, 0], [0, 0, 0]])
    for fn in LOSSES["svm"]:
        loss, grad = fn(W, X, np.array([0]), 0.0)
        assert loss == pytest.approx(2.5, abs=1e-15)
        assert np.allclose(grad[0], [-2.0, 1.0, 1.0], rtol=0, atol=1e-15)
        assert np.all(grad[1:] == 0)


@pytest.mark.parametrize("name", LOSSES)
def test_vectorized_loss_is_stable_for_huge_scores(rng, name):
    W, X, y = _problem(rng, N=20, D=5, C=4)
    W *= 1e4 / np.max(np.abs(X @ W))  # scores up to 1e4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, grad = LOSSES[name][1](W, X, y, 1e-3)
        loss_n, grad_n = LOSSES[name][0](W, X, y, 1e-3)
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    assert abs(loss - loss_n) <= 1e-10 * abs(loss_n)


def test_losses_match_pytorch(rng):
    torch = pytest.importorskip("torch")
    W, X, y = _problem(rng, N=30, D=8, C=6)
    reg = 0.05
    for name, reference in [
        ("softmax", lambda s, t: torch.nn.functional.cross_entropy(s, t)),
        # multi_margin_loss averages over the C classes as well as the batch
        ("svm", lambda s, t: torch.nn.functional.multi_margin_loss(s, t, p=1, margin=1.0) * s.shape[1]),
    ]:
        Wt = torch.tensor(W, dtype=torch.float64, requires_grad=True)
        loss_t = reference(torch.tensor(X) @ Wt, torch.tensor(y)) + reg * (Wt * Wt).sum()
        loss_t.backward()
        loss, grad = LOSSES[name][1](W, X, y, reg)
        assert loss == pytest.approx(loss_t.item(), rel=1e-12)
        assert rel_error(grad, Wt.grad.numpy()) < 1e-10


def test_loss_errors(rng):
    W, X, y = _problem(rng, N=6, D=4, C=3)
    for fn in (*LOSSES["svm"], *LOSSES["softmax"]):
        with pytest.raises(ValueError, match=r"X must have shape \(N, 4\) to match W \(4, 3\), got \(6, 5\)"):
            fn(W, np.zeros((6, 5)), y, 0.0)
        with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\].*got values from 0 to 3"):
            fn(W, X, np.array([0, 1, 2, 3, 0, 0]), 0.0)
        with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\].*got values from -1"):
            fn(W, X, np.array([0, 1, 2, -1, 0, 0]), 0.0)
        with pytest.raises(ValueError, match=r"y must have shape \(6,\)"):
            fn(W, X, y[:5], 0.0)
        with pytest.raises(ValueError, match="labels must be integers, got dtype float64"):
            fn(W, X, y.astype(float), 0.0)
        with pytest.raises(ValueError, match=r"W must have shape \(D, C\)"):
            fn(W.ravel(), X, y, 0.0)
        X_nan = X.copy()
        X_nan[2, 1] = np.nan
        with pytest.raises(ValueError, match="NaN or infinity"):
            fn(W, X_nan, y, 0.0)


# --------------------------------------------------------------------------- training

def _blobs(rng, N=600, D=10, C=3):
    centers = rng.standard_normal((C, D)) * 4
    y = rng.integers(0, C, N)
    X = centers[y] + rng.standard_normal((N, D))
    return np.hstack([X, np.ones((N, 1))]), y


@pytest.mark.parametrize("cls", [LinearSVM, Softmax])
def test_training_learns_separable_blobs(rng, cls):
    X, y = _blobs(rng)
    clf = cls(seed=0)
    history = clf.train(X, y, learning_rate=1e-2, reg=1e-3, num_iters=300, batch_size=100)
    assert len(history) == 300
    assert np.mean(history[-20:]) < 0.5 * np.mean(history[:5])
    assert clf.W.shape == (11, 3)
    pred = clf.predict(X)
    assert pred.shape == (600,) and np.issubdtype(pred.dtype, np.integer)
    assert np.mean(pred == y) > 0.95


@pytest.mark.parametrize("cls", [LinearSVM, Softmax])
def test_training_is_reproducible(rng, cls):
    X, y = _blobs(rng, N=200)
    runs = []
    for _ in range(2):
        clf = cls(seed=7)
        runs.append((clf.train(X, y, num_iters=20, batch_size=50), clf.W.copy()))
    assert runs[0][0] == runs[1][0] and np.array_equal(runs[0][1], runs[1][1])
    # Without a seed the global generator is used, as in the course notebooks.
    global_runs = []
    for _ in range(2):
        np.random.seed(3)
        clf = cls()
        global_runs.append(clf.train(X, y, num_iters=20, batch_size=50))
    assert global_runs[0] == global_runs[1]
    np.random.seed(3)
    W0 = 0.001 * np.random.randn(11, 3)
    assert np.array_equal(W0, _initial_W(cls, X, y, seed=3))


def _initial_W(cls, X, y, seed):
    np.random.seed(seed)
    clf = cls()
    clf.train(X, y, learning_rate=1e-300, num_iters=1, batch_size=1)  # W moves by at most ~1e-300
    return clf.W


def test_training_keeps_float32(rng):
    X, y = _blobs(rng, N=100)
    clf = Softmax(seed=1)
    clf.train(X.astype(np.float32), y, num_iters=5)
    assert clf.W.dtype == np.float32


def test_training_errors(rng):
    X, y = _blobs(rng, N=50)
    with pytest.raises(ValueError, match="not trained; call train"):
        LinearSVM().predict(X)
    with pytest.raises(ValueError, match=r"y must hold 50 non-negative integer labels"):
        LinearSVM().train(X, -y - 1)
    with pytest.raises(ValueError, match=r"X must have shape \(N, D\)"):
        Softmax().train(X.reshape(50, 1, 11), y)
    with pytest.raises(ValueError, match="num_iters must be an integer >= 1, got 0"):
        Softmax().train(X, y, num_iters=0)
    with pytest.raises(ValueError, match="learning_rate must be a positive number"):
        Softmax().train(X, y, learning_rate=-1.0)
    clf = Softmax(seed=0)
    clf.train(X, y, num_iters=2)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\] for the 3 classes of the current W"):
        clf.train(X, np.full(50, 5), num_iters=2)
    with pytest.raises(ValueError, match=r"X must have shape \(N, 11\), got \(50, 4\)"):
        clf.predict(X[:, :4])
    with pytest.raises(FloatingPointError, match="lower the learning rate"), np.errstate(all="ignore"):
        LinearSVM(seed=0).train(X * 1e200, y, learning_rate=1e200, num_iters=5)
    with pytest.raises(NotImplementedError, match="use LinearSVM or Softmax"):
        LinearClassifier().train(X, y)
