# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Matrix calculus, checked numerically
#
# Every backward pass in layerwise is the gradient of a scalar loss with respect to a matrix. This
# tutorial shows one systematic way to derive such gradients by hand, the *differential*, and checks
# every result against centered differences with `layerwise.gradient_check`. It ends with the two
# worked problems of the matrix-calculus homework: a linear autoencoder and the GP-LVM likelihood
# (the same two are in `examples/matrix_calculus.py` in the repository). No data set is needed.
#
# ## The method
#
# For a scalar $f$ of a matrix $X$ of shape `(m, n)`, the gradient $\nabla_X f$ is the matrix of the
# same shape with entries $\partial f / \partial X_{ij}$. It is defined by the first-order change of
# $f$ under a small change $dX$:
#
# $$df = \sum_{ij} (\nabla_X f)_{ij}\, dX_{ij} = \operatorname{tr}\!\big((\nabla_X f)^\top dX\big).$$
#
# So the recipe is: write $df$ with the usual rules ($d(AB) = dA\,B + A\,dB$, $d(X^\top) = (dX)^\top$,
# constants have zero differential), then rearrange it into the form $\operatorname{tr}(G^\top dX)$
# using $\operatorname{tr}(AB) = \operatorname{tr}(BA)$ and $\operatorname{tr}(A^\top) = \operatorname{tr}(A)$.
# Whatever stands in place of $G$ is the gradient. Two more rules cover everything below:
#
# $$d\log|K| = \operatorname{tr}(K^{-1} dK), \qquad d(K^{-1}) = -K^{-1}\, dK\, K^{-1}.$$
#
# The numerical check perturbs one entry at a time:
# $\partial f / \partial X_{ij} \approx (f(X + h E_{ij}) - f(X - h E_{ij})) / 2h$, and `rel_error`
# reports $\max |a - n| / \max(10^{-8}, |a| + |n|)$ between the analytic gradient $a$ and the
# numerical one $n$. In float64 with $h = 10^{-5}$ a correct gradient gives $10^{-8}$ or smaller.

# %%
import numpy as np

from layerwise.gradient_check import eval_numerical_gradient, rel_error

rng = np.random.default_rng(0)
checks = {}   # name -> relative error of the analytic gradient


def check(name, f, grad, X):
    """Compare grad(X) with the centered-difference gradient of f at X, and remember the error."""
    checks[name] = rel_error(grad(X), eval_numerical_gradient(f, X, verbose=False))
    print(f"{name:32s} relative error {checks[name]:.1e}")


# %% [markdown]
# ## Warm-up: least squares
#
# $f(w) = \|Xw - y\|^2$ with $X$: `(N, D)`, $w$: `(D,)`. With the residual $r = Xw - y$,
# $df = 2 r^\top dr = 2 r^\top X\, dw = \operatorname{tr}\big((2 X^\top r)^\top dw\big)$, so
#
# $$\nabla_w f = 2 X^\top (Xw - y) \qquad (D,).$$

# %%
X, y = rng.standard_normal((20, 5)), rng.standard_normal(20)
check("least squares dw",
      lambda w: float(np.sum((X @ w - y) ** 2)),
      lambda w: 2 * X.T @ (X @ w - y),
      rng.standard_normal(5))

# %% [markdown]
# ## The affine layer is matrix calculus
#
# Let scores $S = XW$ (`X: (N, D)`, `W: (D, C)`) feed any loss $L(S)$, and write
# $\bar S = \nabla_S L$, shape `(N, C)`, for its gradient with respect to the scores. Then
# $dL = \operatorname{tr}(\bar S^\top dS) = \operatorname{tr}(\bar S^\top X\, dW) =
# \operatorname{tr}\big((X^\top \bar S)^\top dW\big)$, and by the same steps with $dX$:
#
# $$\nabla_W L = X^\top \bar S \quad (D, C), \qquad \nabla_X L = \bar S\, W^\top \quad (N, D).$$
#
# This is exactly `affine_backward`, with $\bar S$ = `dout`. For the softmax loss
# $L = -\frac{1}{N}\sum_n \log \operatorname{softmax}(S_n)_{y_n}$ the upstream gradient is
# $\bar S = (P - Y)/N$, with $P$ the softmax probabilities and $Y$ the one-hot labels:

# %%
from layerwise.layers import softmax, softmax_loss

Xs = rng.standard_normal((30, 6))
labels = rng.integers(4, size=30)
Y = np.eye(4)[labels]
check("softmax loss dW = X^T (P - Y) / N",
      lambda W: softmax_loss(Xs @ W, labels)[0],
      lambda W: Xs.T @ (softmax(Xs @ W) - Y) / len(Xs),
      rng.standard_normal((6, 4)))

# %% [markdown]
# ## Problem 1: a linear autoencoder
#
# An encoder $W$ of shape `(m, n)` with $m < n$ compresses $x \in \mathbb{R}^n$ to $Wx \in \mathbb{R}^m$,
# and the decoder $W^\top$ maps it back. The reconstruction error is
#
# $$f(W) = \tfrac12 \|W^\top W x - x\|^2.$$
#
# Where it is zero, $W^\top W x = x$: the input is rebuilt exactly from its $m$-dimensional code,
# which therefore keeps all of its information (with $m < n$ that can hold for inputs in an
# $m$-dimensional subspace only, never for all of $\mathbb{R}^n$). $W$ appears twice, once in the
# encoder and once in the decoder, and the gradient is the sum of the two paths. With
# $r = W^\top W x - x$:
#
# $$df = r^\top d(W^\top W x) = r^\top (dW)^\top W x + r^\top W^\top dW\, x.$$
#
# Each term is a scalar, so it equals its trace and its transpose:
# $r^\top (dW)^\top W x = \operatorname{tr}\big((W x r^\top)^\top dW\big)$ and
# $r^\top W^\top dW x = \operatorname{tr}\big(x\, r^\top W^\top dW\big) = \operatorname{tr}\big((W r x^\top)^\top dW\big)$.
# Hence
#
# $$\nabla_W f = W x\, r^\top + W r\, x^\top \qquad (m, n).$$

# %%
m, n = 3, 6
x = rng.standard_normal(n)
W0 = rng.standard_normal((m, n))


def reconstruction_error(W):
    r = W.T @ (W @ x) - x
    return 0.5 * float(r @ r)


def reconstruction_grad(W):
    r = W.T @ (W @ x) - x
    return np.outer(W @ x, r) + np.outer(W @ r, x)


check("autoencoder dW (both paths)", reconstruction_error, reconstruction_grad, W0)

# %% [markdown]
# What a wrong derivation looks like: forget the decoder path (keep only $W x r^\top$) and the check
# fails by many orders of magnitude. A relative error near 1 means the gradient is wrong, not
# imprecise.

# %%
wrong_error = rel_error(np.outer(W0 @ x, W0.T @ (W0 @ x) - x),
                        eval_numerical_gradient(reconstruction_error, W0, verbose=False))
print(f"one path only: relative error {wrong_error:.1e}")

# %% [markdown]
# ## Problem 2: the GP-LVM log-likelihood
#
# The Gaussian-process latent variable model explains $N$ observations $Y$ (`(N, D)`) by latent points
# $X$ (`(N, Q)`) through the kernel matrix $K = \alpha X X^\top + \beta^{-1} I$ (`(N, N)`, symmetric
# positive definite). Up to a constant, the log-likelihood is
#
# $$L(X) = -\frac{D}{2}\log|K| - \frac12 \operatorname{tr}(K^{-1} Y Y^\top).$$
#
# First the differential with respect to $K$, by the two rules above:
#
# $$dL = -\frac{D}{2}\operatorname{tr}(K^{-1} dK) + \frac12 \operatorname{tr}(K^{-1} dK\, K^{-1} Y Y^\top)
#      = \operatorname{tr}(G\, dK), \qquad G = -\frac{D}{2} K^{-1} + \frac12 K^{-1} Y Y^\top K^{-1},$$
#
# and $G$ is symmetric. Then $dK = \alpha (dX\, X^\top + X\, dX^\top)$, so
# $dL = \alpha \operatorname{tr}(G\, dX\, X^\top) + \alpha \operatorname{tr}(G X\, dX^\top) =
# 2\alpha \operatorname{tr}\big((G X)^\top dX\big)$, using the cyclic property and $G = G^\top$:
#
# $$\nabla_X L = 2\alpha\, G X \qquad (N, Q).$$
#
# In code, $\log|K|$ comes from `np.linalg.slogdet` (stable where the determinant itself would over-
# or underflow) and $K^{-1} Y Y^\top$ from a linear solve rather than an explicit inverse.

# %%
N, Q, D = 8, 2, 3
Yg = rng.standard_normal((N, D))
alpha, beta = 0.7, 2.0


def gplvm_log_likelihood(X):
    K = alpha * X @ X.T + np.eye(N) / beta
    return float(-0.5 * D * np.linalg.slogdet(K)[1] - 0.5 * np.trace(np.linalg.solve(K, Yg @ Yg.T)))


def gplvm_grad(X):
    K_inv = np.linalg.inv(alpha * X @ X.T + np.eye(N) / beta)
    G = -0.5 * D * K_inv + 0.5 * K_inv @ Yg @ Yg.T @ K_inv
    return 2 * alpha * G @ X


check("GP-LVM dX", gplvm_log_likelihood, gplvm_grad, rng.standard_normal((N, Q)))

# %% [markdown]
# ## Summary
#
# Every correct derivation above agrees with the numerical gradient to a few $10^{-9}$ or better;
# the one-path mistake is off by order 1. The same check guards every layer of the library: when you
# derive a backward pass, compare it with `eval_numerical_gradient` (or `check_layer` for a
# forward/backward pair) before you train anything with it.

# %%
print(f"worst relative error of the correct gradients: {max(checks.values()):.1e}")
print(f"relative error of the one-path mistake: {wrong_error:.1e}")

# %% [markdown]
# ## Things to try
#
# - Derive $\nabla_W$ of $\tfrac12\|W^\top x - x\|^2$ for a square $W$ (the "autoencoder" without an
#   encoder) and check it the same way.
# - Subtract a penalty $\tfrac{\lambda}{2}\|X\|_F^2$ from the GP-LVM log-likelihood (a Gaussian prior
#   on the latent points): what does it change in the gradient?
