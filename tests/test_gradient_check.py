"""The gradient checker itself, and the worked matrix-calculus examples it verifies."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from layerwise.gradient_check import (
    check_layer,
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    grad_check_sparse,
    rel_error,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "matrix_calculus.py"


@pytest.fixture(scope="module")
def matrix_calculus():
    spec = importlib.util.spec_from_file_location("matrix_calculus", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rel_error_definition():
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.2])) == pytest.approx(0.2 / 4.2)
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(np.array([0.0]), np.array([1e-9])) == pytest.approx(0.1)  # the 1e-8 floor
    with pytest.raises(ValueError, match="shapes differ"):
        rel_error(np.zeros(2), np.zeros(3))


def test_numerical_gradient_of_quadratic_and_restores_x():
    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    x = np.array([0.5, -1.5])
    before = x.copy()
    grad = eval_numerical_gradient(lambda v: 0.5 * v @ A @ v, x, verbose=False)
    assert rel_error(grad, A @ before) < 1e-9
    assert np.array_equal(x, before)


def test_numerical_gradient_refuses_float32():
    with pytest.raises(TypeError, match="float64"):
        eval_numerical_gradient(lambda v: float(v.sum()), np.ones(3, dtype=np.float32), verbose=False)


def test_numerical_gradient_array_matches_jacobian_transpose_product():
    M = np.random.default_rng(0).standard_normal((3, 4))
    x = np.random.default_rng(1).standard_normal(4)
    df = np.random.default_rng(2).standard_normal(3)
    assert rel_error(eval_numerical_gradient_array(lambda v: M @ v, x, df), M.T @ df) < 1e-9


def test_grad_check_sparse_reports_small_and_large_errors(capsys):
    x = np.random.default_rng(3).standard_normal((5, 5))
    good = grad_check_sparse(lambda v: float(np.sum(v ** 3)), x, 3 * x ** 2, num_checks=5, seed=0)
    bad = grad_check_sparse(lambda v: float(np.sum(v ** 3)), x, 2 * x ** 2, num_checks=5, seed=0, verbose=False)
    assert max(good) < 1e-8 and min(bad) > 0.1
    assert "relative error" in capsys.readouterr().out


def test_check_layer_catches_a_wrong_backward():
    def forward(x, w):
        return x @ w, (x, w)

    def right(dout, cache):
        x, w = cache
        return dout @ w.T, x.T @ dout

    def wrong(dout, cache):
        x, w = cache
        return dout @ w.T, 2 * x.T @ dout

    x = np.random.default_rng(0).standard_normal((3, 4))
    w = np.random.default_rng(1).standard_normal((4, 2))
    assert max(check_layer(forward, right, [x, w]).values()) < 1e-9
    errors = check_layer(forward, wrong, [x, w], ["x", "w"])
    assert errors["x"] < 1e-9 and errors["w"] > 0.1


def test_matrix_calculus_examples(matrix_calculus):
    errors = matrix_calculus.check_examples()
    assert errors["autoencoder dW"] < 1e-8, errors
    assert errors["GP-LVM dX"] < 1e-7, errors
