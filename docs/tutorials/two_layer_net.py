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
# # A two-layer network, layer by layer
#
# A network in layerwise is built from *layers*, and every layer is a pair of plain functions:
#
# - `X_forward(inputs...) -> (out, cache)` computes the output and keeps in `cache` whatever the
#   backward pass will need;
# - `X_backward(dout, cache) -> grads` receives the gradient of the loss with respect to `out`
#   (the *upstream* gradient) and returns the gradients with respect to each input.
#
# This tutorial builds a two-layer classifier `affine - relu - affine - softmax` from these pieces:
# it checks every backward pass against numerical derivatives, trains the net with the `Solver`,
# and reads the training curves and the learned first-layer weights to tell a badly tuned run from a
# good one.
#
# **Data.** By default everything runs on the 8x8 handwritten digits that ship inside the package
# (1,197 training, 300 validation and 300 test images), so the whole notebook takes a few seconds.
# Set `LAYERWISE_TUTORIAL_FULL=1` and point `$LAYERWISE_DATA` at a CIFAR-10 download to run the same
# cells on CIFAR-10; the numbers quoted in the text are those of the digits run.

# %%
import os

import numpy as np

from layerwise.data import load_splits

FULL = os.environ.get("LAYERWISE_TUTORIAL_FULL") == "1" and bool(os.environ.get("LAYERWISE_DATA"))
# standardize=True: mean image subtracted, then divided by the pixels' standard deviation, so the
# inputs have unit scale whatever the data set.
data = load_splits("cifar10" if FULL else "digits", standardize=True)
print("data set:", "CIFAR-10" if FULL else "digits")
for name, array in data.items():
    print(f"{name:8s} {array.shape}")
image_shape = data["X_train"].shape[1:]   # (C, H, W)
D = int(np.prod(image_shape))              # inputs per example once flattened
C = data.num_classes

# %% [markdown]
# Images are stored as `(N, C, H, W)`: the digits are `(N, 1, 8, 8)`, CIFAR-10 images `(N, 3, 32, 32)`.
#
# ## The affine layer
#
# An affine (fully connected) layer flattens each example to a row of $D$ numbers and maps it to $M$
# outputs. With $x$ of shape `(N, D)`, weights $w$ of shape `(D, M)` and a bias $b$ of shape `(M,)`:
#
# $$\text{out} = x\,w + b \qquad (N, M).$$
#
# Given the upstream gradient $\bar{y} = \partial L / \partial\,\text{out}$, also `(N, M)`, the chain
# rule gives
#
# $$\frac{\partial L}{\partial x} = \bar{y}\, w^\top \;(N, D), \qquad
#   \frac{\partial L}{\partial w} = x^\top \bar{y} \;(D, M), \qquad
#   \frac{\partial L}{\partial b} = \sum_{n} \bar{y}_{n,:} \;(M,).$$
#
# A useful habit: each gradient has the shape of the thing it is the gradient of, and there is only
# one way to multiply the available matrices to get that shape. Here is the layer on a batch of
# five images with ten outputs (the input keeps its image shape; the layer flattens it and hands
# `dx` back in the original shape):

# %%
from layerwise.layers import affine_backward, affine_forward

rng = np.random.default_rng(0)
x = data["X_train"][:5].astype(np.float64)
w = 0.1 * rng.standard_normal((D, 10))
b = np.zeros(10)
out, cache = affine_forward(x, w, b)
dout = rng.standard_normal(out.shape)
dx, dw, db = affine_backward(dout, cache)
print("x", x.shape, "-> out", out.shape)
print("dx", dx.shape, " dw", dw.shape, " db", db.shape)

# %% [markdown]
# ## Checking a backward pass numerically
#
# A derivative can be approximated by centered differences,
#
# $$\frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h},$$
#
# whose error shrinks like $h^2$. `layerwise.gradient_check` compares an analytic gradient $a$ with
# the numerical one $n$ through the *relative error* $\max_i |a_i - n_i| / \max(10^{-8}, |a_i| + |n_i|)$.
# In float64 with $h = 10^{-5}$, a correct backward pass gives relative errors around $10^{-8}$ or
# smaller; an error of $10^{-2}$ or more means a bug. `check_layer` does the whole comparison for a
# forward/backward pair, for every array input:

# %%
from layerwise.gradient_check import check_layer

small_x = rng.standard_normal((4, 3, 2, 2))   # keep it small: one forward pass per perturbed entry
small_w = rng.standard_normal((12, 5))
small_b = rng.standard_normal(5)
errors = check_layer(affine_forward, affine_backward, [small_x, small_w, small_b], ["x", "w", "b"])
for name, err in errors.items():
    print(f"affine d{name}: relative error {err:.1e}")

# %% [markdown]
# ## ReLU
#
# The rectified linear unit is applied elementwise, $\text{out} = \max(0, x)$, so its gradient
# passes the upstream gradient where the input was positive and blocks it elsewhere:
# $\partial L / \partial x = \bar{y} \odot [x > 0]$. A unit whose input is negative for every example
# receives no gradient at all: it is "dead", and stays so.

# %%
from layerwise.layers import relu_backward, relu_forward

errors = check_layer(relu_forward, relu_backward, [rng.standard_normal((6, 7))], ["x"])
print(f"relu dx: relative error {errors['x']:.1e}")

# %% [markdown]
# ## The softmax loss
#
# The last affine layer produces class scores $s$ of shape `(N, C)`. Softmax turns each row into
# probabilities and the loss is the average negative log-probability of the correct class $y_n$:
#
# $$p_{n,j} = \frac{e^{s_{n,j}}}{\sum_k e^{s_{n,k}}}, \qquad
#   L = -\frac{1}{N}\sum_n \log p_{n, y_n}, \qquad
#   \frac{\partial L}{\partial s_{n,j}} = \frac{p_{n,j} - [j = y_n]}{N}.$$
#
# With tiny scores all classes are equally likely, so the loss starts at $\log C$: $\log 10 \approx 2.303$
# for ten classes. Seeing that number at initialization is the first sanity check of any classifier.

# %%
from layerwise.gradient_check import eval_numerical_gradient, rel_error
from layerwise.layers import softmax_loss

scores = 1e-3 * rng.standard_normal((50, C))
labels = rng.integers(C, size=50)
loss, dscores = softmax_loss(scores, labels)
numeric = eval_numerical_gradient(lambda s: softmax_loss(s, labels)[0], scores, verbose=False)
print(f"loss {loss:.4f} (log C = {np.log(C):.4f})")
print(f"softmax dscores: relative error {rel_error(dscores, numeric):.1e}")

# %% [markdown]
# ## The two-layer network
#
# `TwoLayerNet` chains these layers: `affine - relu - affine - softmax`. Its parameters are
# `W1: (D, H)`, `b1: (H,)`, `W2: (H, C)`, `b2: (C,)`, drawn as `weight_scale * randn` with zero biases.
# `model.loss(X)` returns the scores `(N, C)`; `model.loss(X, y)` returns the loss and a dict of
# gradients keyed like `model.params`. With `reg > 0` the loss also holds the L2 penalty
# $\tfrac{1}{2}\,\text{reg}\,(\|W_1\|^2 + \|W_2\|^2)$, whose gradient is $\text{reg}\cdot W$.
#
# The whole model is checked the same way: perturb one parameter entry, recompute the loss.
# The model computes in float64 by default, which the numerical check needs.

# %%
from layerwise.classifiers import TwoLayerNet

np.random.seed(0)  # the weights are drawn from NumPy's global generator
model = TwoLayerNet(input_dim=D, hidden_dim=10, num_classes=C, weight_scale=1e-2)
for name, p in model.params.items():
    print(f"{name}: {p.shape}")

X_small, y_small = data["X_train"][:8], data["y_train"][:8]
worst = 0.0
for reg in (0.0, 0.7):
    model.reg = reg
    loss, grads = model.loss(X_small, y_small)
    print(f"reg = {reg}: loss {loss:.4f}")
    for name in sorted(grads):
        numeric = eval_numerical_gradient(lambda _: model.loss(X_small, y_small)[0], model.params[name],
                                          verbose=False)
        strict, floored = rel_error(grads[name], numeric), rel_error(grads[name], numeric, floor=1e-3)
        worst = max(worst, floored)
        print(f"  {name} relative error {strict:.1e} (floor 1e-3: {floored:.1e})")
print(f"worst relative error (floor 1e-3): {worst:.1e}")

# %% [markdown]
# Without regularization the initial loss is close to $\log 10$; the penalty adds to it. `W2`, `b1`
# and `b2` agree to about $10^{-8}$ or better, but `W1` shows a much larger relative error (of the
# order of $10^{-5}$ without regularization). That is not a bug. The numerical estimate carries
# rounding noise of roughly $\varepsilon_{\text{float64}} |L| / h \approx 10^{-11}$, and some
# entries of the true gradient are not much larger than that: the weights attached to border pixels
# that are blank in almost every digit image. Relative to such a tiny number, the noise is large.
# The cell below finds the worst entry: its gradient is of the order of $10^{-7}$ and its pixel has
# the same value in all eight images.
#
# That is why whole-model checks pass a `floor` to `rel_error`: entries larger than the floor are
# compared relatively, smaller ones absolutely. With `floor=1e-3` every parameter agrees to better
# than $10^{-6}$.

# %%
model.reg = 0.0
_, grads = model.loss(X_small, y_small)
numeric = eval_numerical_gradient(lambda _: model.loss(X_small, y_small)[0], model.params["W1"], verbose=False)
entry_errors = np.abs(grads["W1"] - numeric) / np.maximum(1e-8, np.abs(grads["W1"]) + np.abs(numeric))
pixel, unit = np.unravel_index(entry_errors.argmax(), entry_errors.shape)
print(f"worst entry W1[{pixel}, {unit}]: analytic {grads['W1'][pixel, unit]:.3e}, "
      f"numeric {numeric[pixel, unit]:.3e}")
print("that pixel in the eight images:", np.round(X_small.reshape(8, -1)[:, pixel], 5))

# %% [markdown]
# ## Training with the Solver
#
# The `Solver` runs minibatch stochastic gradient descent: at each iteration it draws `batch_size`
# training examples, calls `model.loss(X_batch, y_batch)` and hands the gradients to an update rule
# (here plain SGD, $w \leftarrow w - \eta\,\nabla_w L$). After the first iteration and after every epoch
# (one pass's worth of minibatches) it measures the accuracy on (a sample of) the training set and on
# the validation set, keeps the parameters with the best validation accuracy, and at the end copies
# them back into the model and measures the test accuracy. `lr_decay=0.95` multiplies the learning
# rate by 0.95 after every epoch.
#
# We train the same network twice: once with a learning rate that is too small, once with a
# suitable one.

# %%
from layerwise.solver import Solver

solvers = {}
for lr in (1e-2, 3e-1):
    np.random.seed(0)
    net = TwoLayerNet(input_dim=D, hidden_dim=50, num_classes=C, weight_scale=1e-2)
    solver = Solver(net, data, update_rule="sgd", optim_config={"learning_rate": lr}, lr_decay=0.95,
                    num_epochs=20, batch_size=50, seed=0, verbose=False)
    solver.train()
    solvers[f"lr={lr:g}"] = solver
    print(f"lr={lr:g}: best validation accuracy {solver.best_val_acc:.3f}, test accuracy {solver.test_acc:.3f}")
best_solver = solvers["lr=0.3"]
print(f"best validation accuracy: {best_solver.best_val_acc:.3f}")

# %% [markdown]
# ## Reading the curves
#
# `layerwise.vis.plot_training_comparison` draws, for each run, the loss at every iteration and the
# training and validation accuracy after every epoch. What to look for:
#
# - **Loss.** It should fall steeply at first and then flatten. A loss that creeps down along a
#   nearly straight line, still close to $\log 10$ after many iterations, is the mark of a learning
#   rate that is too small: that is the `lr=0.01` run, which ends below 50% validation accuracy.
#   A loss that jumps up or becomes NaN means a learning rate that is too large.
# - **Accuracy gap.** Training and validation accuracy close together and both low: the model
#   underfits (train longer, raise the learning rate, or add capacity). Training accuracy far above
#   validation accuracy: it overfits (regularize, or get more data). The `lr=0.3` run reaches about
#   97% on validation with training accuracy only a few points higher.

# %%
from layerwise.vis import plot_first_layer_weights, plot_history, plot_training_comparison

plot_training_comparison(solvers, title="Same net, two learning rates")

# %% [markdown]
# `plot_history` shows one run on its own, with the loss and both accuracies side by side:

# %%
plot_history(best_solver, title="lr = 0.3")

# %% [markdown]
# ## First-layer weights
#
# Each column of `W1` holds the $D$ weights one hidden unit applies to the input image, so it can be
# drawn as an image of the input's shape: it is the pattern that excites that unit most.
# `plot_first_layer_weights` draws all the columns side by side (each rescaled to its own range).
# After too little training (left) the weights still look mostly like the random noise they started
# as; in the well-trained net (right) they are smoother and many units show digit-like shapes, the
# ring of a 0 or the stroke of a 1, as light-on-dark or dark-on-light patterns.

# %%
plot_first_layer_weights({name: s.model.params["W1"] for name, s in solvers.items()},
                         image_shape=image_shape)

# %% [markdown]
# ## Things to try
#
# - Raise the learning rate to 3 or 10: what does the loss curve do, and what does `solver.diverged` say?
# - Give the net `hidden_dim=500` and train on only the first 100 training images: how large does the
#   gap between the training and validation accuracy become, and does `reg=0.1` close it?
