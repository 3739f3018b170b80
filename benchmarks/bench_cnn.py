"""Training throughput of a small CNN: layerwise's ConvNet vs the same network in PyTorch (CPU), one process.

Workload (c) of SPEC section 12, float32, batch 64:

    conv3x3(3->32, pad 1)-relu-maxpool2 -> conv3x3(32->64, pad 1)-relu-maxpool2 -> affine(4096->10) -> softmax

trained three ways: (c) ``ConvNet``; (c') the same network chained by hand
over the public NCHW layer functions (``conv_forward``, ``relu_forward``,
``max_pool_forward``, ``affine_forward``, ``softmax_loss`` and their
backward passes, then ``optim.sgd``), as a course notebook writes it; and
PyTorch.

A step is forward + backward + parameter update (the same rule on both
sides: plain SGD by default, ``--rule sgd_momentum`` for momentum 0.9).
PyTorch gets as many threads as NumPy's BLAS.  The two alternate A B A B in
one process and the script prints the median images/s of each and the median
of the per-round ratios, with NumPy's matmul GFLOP/s for context.

Between blocks the script pauses (``--pause``, default 0.3 s): after a burst
of work OpenBLAS's worker threads keep spinning for about a tenth of a
second, and OpenMP's for a shorter while, so whichever library runs right
after the other shares its cores with the spinning threads.  Without the
pause PyTorch's step measures up to 1.6x slower than it runs on its own,
which flatters the ratio; ``--pause 0`` shows that effect.

    python benchmarks/bench_cnn.py [--rounds 9] [--seconds 0.25] [--pause 0.3] [--rule sgd]
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np

from common import alternate, layerwise_step, print_initial_losses, report, setup, torch_loss, torch_step

from layerwise import layers, optim
from layerwise.classifiers import ConvNet

BATCH = 64
LR = 1e-3
TARGET = 1.2        # (c) ratio to PyTorch
CHAIN_TARGET = 0.8  # (c')
TITLE = ("(c) CNN conv3x3(3->32)-relu-pool2-conv3x3(32->64)-relu-pool2-affine(4096->10), batch 64, float32, {rule}")


def torch_network(torch, model):
    """The same network in PyTorch, starting from the layerwise model's weights."""
    nn = torch.nn
    net = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(64 * 8 * 8, 10))
    p = model.params
    with torch.no_grad():
        for layer, i in ((net[0], 1), (net[3], 2)):
            layer.weight.copy_(torch.from_numpy(p[f"W{i}"]))
            layer.bias.copy_(torch.from_numpy(p[f"b{i}"]))
        net[7].weight.copy_(torch.from_numpy(np.ascontiguousarray(p["W3"].T)))
        net[7].bias.copy_(torch.from_numpy(p["b3"]))
    return net.train()


def course_chain_step(params, rule, X, y, optim_config):
    """(c'): one training step written over the public NCHW functions, layer by layer."""
    conv_param, pool_param = {"stride": 1, "pad": 1}, {"pool_height": 2, "pool_width": 2, "stride": 2}
    configs = {name: dict(optim_config) for name in params}

    def loss_and_grads():
        p = params
        a1, conv1 = layers.conv_forward(X, p["W1"], p["b1"], conv_param)
        r1, relu1 = layers.relu_forward(a1)
        h1, pool1 = layers.max_pool_forward(r1, pool_param)
        a2, conv2 = layers.conv_forward(h1, p["W2"], p["b2"], conv_param)
        r2, relu2 = layers.relu_forward(a2)
        h2, pool2 = layers.max_pool_forward(r2, pool_param)
        scores, fc = layers.affine_forward(h2, p["W3"], p["b3"])
        loss, dscores = layers.softmax_loss(scores, y)
        grads = {}
        dh2, grads["W3"], grads["b3"] = layers.affine_backward(dscores, fc)
        da2 = layers.relu_backward(layers.max_pool_backward(dh2, pool2), relu2)
        dh1, grads["W2"], grads["b2"] = layers.conv_backward(da2, conv2)
        da1 = layers.relu_backward(layers.max_pool_backward(dh1, pool1), relu1)
        _, grads["W1"], grads["b1"] = layers.conv_backward(da1, conv1)
        return loss, grads

    def step():
        _, grads = loss_and_grads()
        for name, w in params.items():
            params[name], configs[name] = rule(w, grads[name], configs[name])
    return step, loss_and_grads


def make_steps(X, y, rule, torch):
    """The steps of (c) ``'layerwise'``, (c') ``'course_chain'`` and, where torch is given, ``'pytorch'``,
    all from the same initial weights; and a function giving their initial losses (call it before any step)."""
    np.random.seed(0)
    model = ConvNet(input_dim=(3, 32, 32), blocks=(32, "pool", 64, "pool"), filter_size=3, hidden_dims=(),
                    num_classes=10, weight_scale="he", dtype=np.float32)
    config = {"learning_rate": LR, "momentum": 0.9} if rule == "sgd_momentum" else {"learning_rate": LR}
    chain_params = {name: value.copy() for name, value in model.params.items()}
    chain_step, chain_loss = course_chain_step(chain_params, getattr(optim, rule), X, y, config)
    steps = {"layerwise": layerwise_step(model, getattr(optim, rule), X, y, config), "course_chain": chain_step}
    net = None
    if torch is not None:
        net = torch_network(torch, model)
        momentum = 0.9 if rule == "sgd_momentum" else 0.0
        steps["pytorch"] = torch_step(torch, net, torch.optim.SGD(net.parameters(), lr=LR, momentum=momentum), X, y)

    def initial_losses():
        losses = {"ConvNet": model.loss(X, y)[0], "the NCHW functions chained": chain_loss()[0]}
        if net is not None:
            losses["PyTorch"] = torch_loss(torch, net, X, y)
        return losses
    return steps, initial_losses


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=9, help="A B rounds (default 9)")
    parser.add_argument("--seconds", type=float, default=0.25, help="timed seconds per block (default 0.25)")
    parser.add_argument("--pause", type=float, default=0.3, help="seconds of rest before each block (default 0.3)")
    parser.add_argument("--rule", choices=("sgd", "sgd_momentum"), default="sgd")
    args = parser.parse_args(argv)

    torch = setup()

    rng = np.random.default_rng(0)
    X = rng.standard_normal((BATCH, 3, 32, 32)).astype(np.float32)
    y = rng.integers(10, size=BATCH)
    steps, initial_losses = make_steps(X, y, args.rule, torch)
    print_initial_losses(initial_losses())

    rates = alternate(steps, BATCH, rounds=args.rounds, seconds=args.seconds, pause=args.pause)
    title = TITLE.format(rule=args.rule)
    if torch is None:
        print(title, {k: f"{statistics.median(v):.0f} images/s" for k, v in rates.items()})
        return
    report(title, {"layerwise": rates["layerwise"], "pytorch": rates["pytorch"]}, TARGET)
    report("(c') the same network chained over the public NCHW functions, as a course notebook does",
           {"layerwise": rates["course_chain"], "pytorch": rates["pytorch"]}, CHAIN_TARGET)


if __name__ == "__main__":
    main()
