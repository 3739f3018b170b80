"""Matrix calculus checked numerically: two worked examples.

Run ``python examples/matrix_calculus.py``: each analytic gradient is compared
with centered differences and the relative error is printed.

1. Linear autoencoder reconstruction error, W: (m, n), x: (n,)
       f(W) = 0.5 * ||W^T W x - x||^2,   r = W^T W x - x
       df = r^T (dW^T W x + W^T dW x)  =>  grad_W f = W x r^T + W r x^T

2. GP-LVM log-likelihood, X: (N, Q) latent points, Y: (N, D) observations
       L(X) = -D/2 log|K| - 1/2 tr(K^-1 Y Y^T),   K = alpha X X^T + beta^-1 I
       dL/dK = -D/2 K^-1 + 1/2 K^-1 Y Y^T K^-1   (symmetric, call it G)
       dK = alpha (dX X^T + X dX^T)  =>  grad_X L = 2 alpha G X
"""

import numpy as np

from layerwise.gradient_check import eval_numerical_gradient, rel_error


def autoencoder_loss(W, x):
    """f(W) = 0.5 * ||W^T W x - x||^2."""
    r = W.T @ (W @ x) - x
    return 0.5 * float(r @ r)


def autoencoder_grad(W, x):
    """grad_W f = W x r^T + W r x^T with r = W^T W x - x."""
    r = W.T @ (W @ x) - x
    return np.outer(W @ x, r) + np.outer(W @ r, x)


def gplvm_log_likelihood(X, Y, alpha, beta):
    """L(X) = -D/2 log|K| - 1/2 tr(K^-1 Y Y^T), K = alpha X X^T + I / beta."""
    N, D = Y.shape
    K = alpha * X @ X.T + np.eye(N) / beta
    _, logdet = np.linalg.slogdet(K)
    return float(-0.5 * D * logdet - 0.5 * np.trace(np.linalg.solve(K, Y @ Y.T)))


def gplvm_grad(X, Y, alpha, beta):
    """grad_X L = 2 alpha G X, G = -D/2 K^-1 + 1/2 K^-1 Y Y^T K^-1."""
    N, D = Y.shape
    K_inv = np.linalg.inv(alpha * X @ X.T + np.eye(N) / beta)
    KiY = K_inv @ Y
    G = -0.5 * D * K_inv + 0.5 * KiY @ KiY.T
    return 2 * alpha * G @ X


def check_examples(seed=0):
    """Return the relative errors of both analytic gradients against centered differences."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((4, 6))
    x = rng.standard_normal(6)
    num_W = eval_numerical_gradient(lambda W: autoencoder_loss(W, x), W, verbose=False)
    X = rng.standard_normal((8, 2))
    Y = rng.standard_normal((8, 3))
    alpha, beta = 0.7, 2.0
    num_X = eval_numerical_gradient(lambda X: gplvm_log_likelihood(X, Y, alpha, beta), X, verbose=False)
    return {
        "autoencoder dW": rel_error(autoencoder_grad(W, x), num_W),
        "GP-LVM dX": rel_error(gplvm_grad(X, Y, alpha, beta), num_X),
    }


if __name__ == "__main__":
    for name, err in check_examples().items():
        print(f"{name:16s} relative error {err:.2e}")
