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
# # Convolutional networks
#
# A fully connected layer treats an image as a flat vector and gives every pixel its own weight. A
# convolutional layer slides a small filter over the image instead: the same few weights are applied
# at every position, so the layer detects a pattern wherever it appears and has far fewer
# parameters. This tutorial goes through the convolution and max-pooling layers (a readable loop
# version and a fast one), spatial batch normalization, and a small convolutional network,
# `ThreeLayerConvNet`, trained end to end.
#
# **Data.** The 8x8 digits that ship inside the package by default; with
# `LAYERWISE_TUTORIAL_FULL=1` and `$LAYERWISE_DATA` pointing at CIFAR-10 the same cells run on
# CIFAR-10 (one epoch of the classic course setting). The numbers quoted in the text are those of the
# digits run.

# %%
import os
import time

import numpy as np

from layerwise.data import load_splits

FULL = os.environ.get("LAYERWISE_TUTORIAL_FULL") == "1" and bool(os.environ.get("LAYERWISE_DATA"))
data = load_splits("cifar10" if FULL else "digits", standardize=True)
print("data set:", "CIFAR-10" if FULL else "digits", "| training images:", data["X_train"].shape)
image_shape = data["X_train"].shape[1:]    # (C, H, W)

# %% [markdown]
# ## The convolution layer
#
# Inputs are `x: (N, C, H, W)`, filters `w: (F, C, HH, WW)` (F filters, each spanning all C input
# channels) and biases `b: (F,)`; `conv_param` holds the `stride` $s$ and the zero padding `pad` $p$.
# Each filter produces one output channel:
#
# $$\text{out}[n, f, i, j] = b_f + \sum_{c, u, v} x_{\text{pad}}[n, c,\, s i + u,\, s j + v]\; w[f, c, u, v],$$
#
# of shape `(N, F, H_out, W_out)` with
#
# $$H_{\text{out}} = 1 + \frac{H + 2p - HH}{s}, \qquad W_{\text{out}} = 1 + \frac{W + 2p - WW}{s}.$$
#
# A 3x3 filter with stride 1 and padding 1 keeps the spatial size ("same" padding); the layer refuses
# a geometry where the windows do not tile the padded input exactly. Below, two hand-made 3x3 filters
# respond to vertical and to horizontal intensity changes (edges) in a batch of digits.

# %%
from layerwise.layers import conv_backward, conv_backward_naive, conv_forward, conv_forward_naive

x = data["X_train"][:20].astype(np.float64)
C = image_shape[0]
sobel = np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])   # responds to vertical edges
edges = np.zeros((2, C, 3, 3))
edges[0, :], edges[1, :] = sobel, sobel.T                   # the same for every input channel
conv_param = {"stride": 1, "pad": 1}

start = time.perf_counter()
out_naive, cache_naive = conv_forward_naive(x, edges, np.zeros(2), conv_param)
naive_seconds = time.perf_counter() - start
start = time.perf_counter()
out_fast, cache_fast = conv_forward(x, edges, np.zeros(2), conv_param)
fast_seconds = time.perf_counter() - start
print("x", x.shape, "* w", edges.shape, "-> out", out_fast.shape)
try:   # with stride 2, a 3x3 window cannot tile an even-sized input exactly: refused, not silently cropped
    conv_forward(x, edges, np.zeros(2), {"stride": 2, "pad": 1})
except ValueError as error:
    print("stride 2:", error)

# %% [markdown]
# ## Naive and fast versions
#
# `conv_forward_naive` is the formula above written as four nested loops: easy to read, and the
# reference the fast version is tested against. `conv_forward` computes the same numbers by unfolding
# every input window into a column of one big matrix ("im2col") and doing a single matrix product
# for all filters and all positions. The two agree to rounding, and the fast one is many times
# faster even on this tiny batch:

# %%
from layerwise.gradient_check import check_layer, rel_error

print(f"forward: naive vs fast relative error {rel_error(out_naive, out_fast):.1e}; "
      f"naive {naive_seconds * 1e3:.1f} ms, fast {fast_seconds * 1e3:.2f} ms")
dout = np.random.default_rng(0).standard_normal(out_fast.shape)
dx_n, dw_n, db_n = conv_backward_naive(dout, cache_naive)
dx_f, dw_f, db_f = conv_backward(dout, cache_fast)
print(f"backward: dx {rel_error(dx_n, dx_f):.1e}, dw {rel_error(dw_n, dw_f):.1e}, "
      f"db {rel_error(db_n, db_f):.1e}")

# %% [markdown]
# The backward pass follows from the forward formula: every output element sends
# $\bar y[n, f, i, j]\, w[f]$ back to the input window it read, and $\bar y[n, f, i, j]$ times that
# window to the filter $w[f]$; $\partial L / \partial b_f$ is the sum of $\bar y[:, f]$. A numerical
# check of both versions on a small problem:

# %%
rng = np.random.default_rng(1)
xs, ws, bs = rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
conv_errors = {}
for name, (fwd, bwd) in {"naive": (conv_forward_naive, conv_backward_naive),
                         "fast": (conv_forward, conv_backward)}.items():
    errors = check_layer(fwd, bwd, [xs, ws, bs, {"stride": 1, "pad": 1}], ["x", "w", "b"])
    conv_errors[name] = max(errors.values())
    print(f"conv {name}: " + ", ".join(f"d{k} {v:.1e}" for k, v in errors.items()))

# %% [markdown]
# ## Max pooling
#
# A 2x2 max pool with stride 2 keeps the largest value of each 2x2 window of every channel, halving
# the height and width: `(N, C, H, W) -> (N, C, H/2, W/2)`. It has no parameters. Its gradient goes
# entirely to the entry that was the maximum of its window (the others did not influence the output).

# %%
from layerwise.layers import (max_pool_backward, max_pool_backward_naive, max_pool_forward,
                              max_pool_forward_naive)

pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
pooled, _ = max_pool_forward(out_fast, pool_param)
print("conv output", out_fast.shape, "-> pooled", pooled.shape)
xp = rng.standard_normal((3, 2, 8, 8))
pool_errors = {}
for name, (fwd, bwd) in {"naive": (max_pool_forward_naive, max_pool_backward_naive),
                         "fast": (max_pool_forward, max_pool_backward)}.items():
    pool_errors[name] = check_layer(fwd, bwd, [xp, pool_param], ["x"])["x"]
    print(f"max pool {name}: dx relative error {pool_errors[name]:.1e}")

# %% [markdown]
# ## Spatial batch normalization
#
# For convolutional features, batch normalization keeps one $\gamma_c$, $\beta_c$ per *channel* and
# computes the statistics of channel $c$ over the batch and both spatial axes, $N \cdot H \cdot W$
# values: a filter's response should be normalized the same way wherever in the image it is. In
# shapes: `x: (N, C, H, W)`, `gamma, beta: (C,)`. After the layer (train mode) every channel has mean
# $\beta_c$ and standard deviation $\gamma_c$:

# %%
from layerwise.layers import spatial_batchnorm_backward, spatial_batchnorm_forward

xb = 4 * rng.standard_normal((10, 3, 4, 5)) + 10
gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([0.0, -1.0, 4.0])
out, _ = spatial_batchnorm_forward(xb, gamma, beta, {"mode": "train"})
channel_mean = np.round(out.mean(axis=(0, 2, 3)), 3) + 0.0    # + 0.0 prints -0.0 as 0.0
print("per-channel mean", channel_mean, " std", np.round(out.std(axis=(0, 2, 3)), 3))
sbn_errors = check_layer(spatial_batchnorm_forward, spatial_batchnorm_backward,
                         [xb[:2], gamma, beta, {"mode": "train"}], ["x", "gamma", "beta"])
print("spatial batchnorm: " + ", ".join(f"d{k} {v:.1e}" for k, v in sbn_errors.items()))

# %% [markdown]
# ## A three-layer convolutional network
#
# `ThreeLayerConvNet` is `conv - relu - 2x2 max pool - affine - relu - affine - softmax`. With
# `num_filters` $F$ filters of size $k$ (stride 1, "same" padding) on `(C, H, W)` images its
# parameters are `W1: (F, C, k, k)`, `b1: (F,)`, `W2: (F * H/2 * W/2, hidden_dim)`, `b2`,
# `W3: (hidden_dim, num_classes)` and `b3`. First a gradient check of a tiny one, in float64:

# %%
from layerwise.classifiers import ThreeLayerConvNet
from layerwise.gradient_check import eval_numerical_gradient

np.random.seed(0)   # the weights are drawn from NumPy's global generator
tiny = ThreeLayerConvNet(input_dim=image_shape, num_filters=3, filter_size=3, hidden_dim=7,
                         weight_scale=1e-1, dtype=np.float64)
X2, y2 = data["X_train"][:2], data["y_train"][:2]
loss, grads = tiny.loss(X2, y2)
model_errors = {}
for name in sorted(grads):
    numeric = eval_numerical_gradient(lambda _: tiny.loss(X2, y2)[0], tiny.params[name], verbose=False)
    model_errors[name] = rel_error(grads[name], numeric, floor=1e-3)
    print(f"{name} {tiny.params[name].shape}: relative error {model_errors[name]:.1e}")
print(f"worst relative error: {max(model_errors.values()):.1e}")

# %% [markdown]
# ## Training it
#
# Now a real one: 16 filters of 3x3 and 50 hidden units on the digits (on CIFAR-10: the classic
# 32 filters of 7x7 and 100 hidden units, for one epoch), trained with Adam. The model keeps its
# activations in a `(C, H, W, N)` layout internally so that each convolution is one matrix product
# over the whole batch: on the digits an epoch takes a fraction of a second.

# %%
from layerwise.solver import Solver

settings = (dict(num_filters=32, filter_size=7, hidden_dim=100, weight_scale=1e-3), 1) if FULL else \
           (dict(num_filters=16, filter_size=3, hidden_dim=50, weight_scale=1e-1), 10)
np.random.seed(0)
model = ThreeLayerConvNet(input_dim=image_shape, num_classes=data.num_classes, **settings[0])
print(model)
solver = Solver(model, data, update_rule="adam", optim_config={"learning_rate": 1e-3}, num_epochs=settings[1],
                batch_size=50, seed=0, verbose=False)
start = time.perf_counter()
solver.train()
print(f"trained {solver.num_epochs} epochs in {time.perf_counter() - start:.1f} s")
print(f"best validation accuracy: {solver.best_val_acc:.3f}, test accuracy: {solver.test_acc:.3f}")

# %% [markdown]
# The curves should show the loss falling steadily and the validation accuracy tracking the training
# accuracy closely (no overfitting yet). The net ends above 90% validation accuracy on the digits.

# %%
from layerwise.vis import plot_first_layer_weights, plot_history

plot_history(solver, title="ThreeLayerConvNet")

# %% [markdown]
# The learned first-layer filters, `W1` of shape `(F, C, k, k)`, drawn one per tile (each rescaled to
# its own range, black the most negative weight and white the most positive). On the digits they are
# just 3x3 grey patches: light-dark contrasts in various directions, each filter's response map
# marking where such a contrast occurs. The 7x7 colour filters of a net trained on CIFAR-10 are
# larger and easier to read.

# %%
plot_first_layer_weights(model.params["W1"], padding=1)

# %% [markdown]
# ## Things to try
#
# - Compare with the fully connected nets of the other tutorials: how many parameters does this net
#   have, and how many does a two-layer net with the same validation accuracy need?
# - Use `layerwise.classifiers.ConvNet` to build deeper networks, e.g.
#   `ConvNet(input_dim=image_shape, blocks=(16, 16, "pool", 32, "pool"), normalization="batchnorm")`.
