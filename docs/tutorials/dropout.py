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
# # Dropout
#
# Dropout (Srivastava et al., 2014) regularizes a network by randomly switching off hidden units
# during training: at every forward pass each unit is kept with probability $p$ and set to zero
# otherwise, so the network cannot rely on any single unit and in effect trains an ensemble of
# thinned sub-networks that share their weights. At test time all units are used.
#
# This tutorial looks at the forward and backward pass, checks the gradients of a network with
# dropout, and measures its regularizing effect: the gap between training and validation accuracy.
#
# **Which probability is `p`?** In layerwise it is always the probability of **keeping** a unit:
# `dropout_param["p"]` for the layer and `FullyConnectedNet(dropout_keep_ratio=p)` for the models,
# with `p = 1` meaning no dropout. (The older keyword `dropout=p` of some course versions is also a
# keep probability, with `dropout=0` meaning off.) Some libraries count the other way: PyTorch's
# `nn.Dropout(p)` *drops* with probability `p`. Keeping half the units is `p = 0.5` in both
# conventions, but `p = 0.8` keeps 80% here and drops 80% there.

# %% [markdown]
# ## The forward pass: inverted dropout
#
# With a mask $r_i \sim \text{Bernoulli}(p)$ drawn for every entry, training mode computes
#
# $$\text{out} = \frac{r \odot x}{p},$$
#
# and test mode returns $x$ unchanged. Dividing by $p$ during training ("inverted" dropout) keeps
# the expected value of every unit equal to its input, $\mathbb{E}[\text{out}_i] = x_i$, so nothing
# needs rescaling at test time. The cell below passes a `(500, 500)` array of values around 10
# through the layer: the training output keeps the mean, and about a fraction $1 - p$ of it is zero.

# %%
import numpy as np

from layerwise.layers import dropout_backward, dropout_forward

rng = np.random.default_rng(0)
x = rng.standard_normal((500, 500)) + 10
zero_fractions = {}
for p in (0.25, 0.4, 0.7):
    out, _ = dropout_forward(x, {"mode": "train", "p": p, "seed": 123})
    out_test, _ = dropout_forward(x, {"mode": "test", "p": p})
    zero_fractions[p] = float((out == 0).mean())
    print(f"keep p = {p}: input mean {x.mean():.3f}, train-mode mean {out.mean():.3f}, "
          f"test-mode mean {out_test.mean():.3f}, zeros in train mode {zero_fractions[p]:.3f} "
          f"(expected {1 - p:.2f}), zeros in test mode {(out_test == 0).mean():.3f}")

# %% [markdown]
# ## The backward pass
#
# The layer multiplies by the fixed (scaled) mask, so its gradient is the same product:
# $\partial L / \partial x = \bar y \odot r / p$ in train mode, and $\bar y$ in test mode. A numerical
# check needs the *same* mask at every evaluation; the `seed` entry of `dropout_param` makes the mask
# deterministic (drawn from a generator of its own, without touching NumPy's global one).

# %%
from layerwise.gradient_check import check_layer

x = rng.standard_normal((10, 10)) + 10


def forward(x):
    return dropout_forward(x, {"mode": "train", "p": 0.2, "seed": 123})


print(f"dropout dx: relative error {check_layer(forward, dropout_backward, [x], ['x'])['x']:.1e}")

# %% [markdown]
# ## Dropout in a network
#
# `FullyConnectedNet(..., dropout_keep_ratio=p)` adds a dropout layer after every hidden ReLU
# (never after the output layer). Its `seed` argument fixes the masks, which is what a gradient
# check of the whole model needs. The weights use He initialization: with very small weights some
# hidden unit's input tends to land within $h = 10^{-5}$ of ReLU's kink at zero, where the centered
# difference disagrees with the analytic gradient and the check reports a spurious error.

# %%
from layerwise.classifiers import FullyConnectedNet
from layerwise.gradient_check import eval_numerical_gradient, rel_error

X = rng.standard_normal((3, 8))     # small on purpose: two loss evaluations per parameter entry
y = rng.integers(10, size=3)
worst = 0.0
for keep in (1, 0.75, 0.5):
    np.random.seed(0)
    model = FullyConnectedNet([15, 10], input_dim=8, num_classes=10, dropout_keep_ratio=keep,
                              weight_scale="he", dtype=np.float64, seed=123)
    loss, grads = model.loss(X, y)
    errors = {}
    for name in sorted(grads):
        numeric = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name], verbose=False)
        errors[name] = rel_error(grads[name], numeric, floor=1e-3)
    worst = max(worst, *errors.values())
    print(f"keep {keep}: initial loss {loss:.3f}, largest relative error {max(errors.values()):.1e}")
print(f"worst relative error: {worst:.1e}")

# %% [markdown]
# ## Dropout as a regularizer
#
# Regularization matters when a model can fit the training set much better than the truth allows.
# To make that happen in seconds we use the library's synthetic images
# (`layerwise.data.make_classification_data`): each of the ten classes has a fixed random 8x8
# prototype, and every example is its class's prototype plus Gaussian noise, here with twice the
# prototype's standard deviation (`noise=2.0`). A net with 500 hidden units and only 200 training
# examples can memorize that noise perfectly, and memorized noise does not carry over to new
# examples. (With `LAYERWISE_TUTORIAL_FULL=1` and `$LAYERWISE_DATA` set, the first 500 CIFAR-10
# training images play this role instead; the numbers quoted are those of the synthetic run.)

# %%
import os

from layerwise.data import load_splits, make_classification_data

FULL = os.environ.get("LAYERWISE_TUTORIAL_FULL") == "1" and bool(os.environ.get("LAYERWISE_DATA"))
if FULL:
    data = load_splits("cifar10", num_training=500, standardize=True)
else:
    data = make_classification_data(num_train=200, num_val=300, num_test=300, shape=(1, 8, 8), noise=2.0,
                                    seed=0)
for name, array in data.items():
    print(f"{name:8s} {array.shape}")
D = int(np.prod(data["X_train"].shape[1:]))

# %% [markdown]
# The same network is trained three times from the same initial weights, keeping every unit
# (no dropout), half of them, and a quarter of them. `keep_best=False` keeps the final weights
# rather than the best ones, so that the last accuracies show where each run really ended.

# %%
from layerwise.solver import Solver

solvers = {}
for keep in (1, 0.5, 0.25):
    np.random.seed(0)
    net = FullyConnectedNet([500], input_dim=D, num_classes=data.num_classes, dropout_keep_ratio=keep,
                            weight_scale="he")
    solver = Solver(net, data, update_rule="adam", optim_config={"learning_rate": 1e-3}, num_epochs=50,
                    batch_size=50, seed=0, verbose=False, keep_best=False)
    solver.train()
    solvers[f"keep {keep}"] = solver
    print(f"keep {keep}: final training accuracy {solver.train_acc_history[-1]:.3f}, "
          f"final validation accuracy {solver.val_acc_history[-1]:.3f}")
val_gain = solvers["keep 0.5"].val_acc_history[-1] - solvers["keep 1"].val_acc_history[-1]
print(f"validation accuracy gained by keeping half the units: {val_gain:+.3f}")

# %% [markdown]
# What to look at in the curves below:
#
# - **Training accuracy** (middle) reaches 100% in every run: dropout does not stop the net from
#   fitting the training set, it changes *how* it fits it.
# - **Validation accuracy** (bottom) is where they differ. Without dropout it levels off around 84%;
#   keeping half the units ends about six points higher, and a quarter higher still. The gap between
#   training and validation accuracy, the measure of overfitting, shrinks accordingly.
# - **Training loss** (top) is noisier and higher with dropout: every minibatch sees a different
#   thinned network, and the loss is measured on that network, not on the full one.
#
# Dropout is no free lunch: with too small a keep probability the network underfits, and training
# takes longer to converge. The right value is found on the validation set, like any other
# hyperparameter.

# %%
from layerwise.vis import plot_training_comparison

plot_training_comparison(solvers, title="Dropout on 200 noisy training examples")

# %% [markdown]
# ## Things to try
#
# - Lower the noise to `noise=1.0`: is there still anything for dropout to gain?
# - Compare dropout with L2 regularization: train the `keep 1` net with `reg=0.1` or `reg=1.0`.
# - Add `normalization="batchnorm"` to the dropout nets: the two are often used together.
