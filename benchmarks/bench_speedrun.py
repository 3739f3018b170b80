"""Training throughput of the CIFAR-10 speedrun network: layerwise vs the same network in PyTorch (CPU).

Workload (d), float32, batch 512, SGD with Nesterov momentum 0.9:

    conv2x2(3->24, valid) - GELU                                   the whitening layer, 32x32 -> 31x31
    3 blocks, widths 64, 256, 256:
        conv3x3(same) - maxpool2 - batchnorm - GELU - conv3x3(same) - batchnorm - GELU
    maxpool3 - linear(256->10) - softmax cross-entropy

about 0.71 GFLOP per image per training step (forward 0.24, backward twice
that).  The layerwise side chains the public NCHW functions (``conv_forward``,
``max_pool_forward``, ``spatial_batchnorm_forward``, ``gelu_forward``,
``affine_forward``, ``softmax_loss`` and their backward passes) and updates
with ``optim.sgd_nesterov_momentum``.  The two alternate A B A B in one
process with rests; the script prints images/s, the ratio, the effective
GFLOP/s of each and NumPy's matmul GFLOP/s.

    python benchmarks/bench_speedrun.py [--rounds 5] [--batch 512] [--pause 1.0]
"""

from __future__ import annotations

import argparse
import resource
import statistics

import numpy as np

from common import alternate, matmul_gflops, print_initial_losses, report, setup, torch_loss, torch_step

from layerwise import layers, optim

WIDTHS = (64, 256, 256)
LR, MOMENTUM = 0.02, 0.9
TARGET = 1.0
SAME, VALID = {"stride": 1, "pad": 1}, {"stride": 1, "pad": 0}
POOL2 = {"pool_height": 2, "pool_width": 2, "stride": 2, "floor": True}   # 31 -> 15, as PyTorch floors
POOL3 = {"pool_height": 3, "pool_width": 3, "stride": 3}


def conv_shapes():
    """``(name, in_channels, out_channels, size, input side)`` of every convolution."""
    shapes, channels, side = [("whiten", 3, 24, 2, 32)], 24, 31
    for i, width in enumerate(WIDTHS):
        shapes.append((f"block{i}a", channels, width, 3, side))
        side //= 2
        shapes.append((f"block{i}b", width, width, 3, side))
        channels = width
    return shapes


def flops_per_image() -> float:
    """Multiply-adds x 2 of a forward pass, times 3 for forward + backward (the linear layer included)."""
    forward = 0
    for _, cin, cout, k, side in conv_shapes():   # (the convolutions run before each block's pooling)
        out = side - k + 1 if k == 2 else side
        forward += out * out * cout * cin * k * k
    return 3 * 2 * (forward + WIDTHS[-1] * 10)


def make_params(rng):
    params = {}
    for name, cin, cout, k, _ in conv_shapes():
        params[f"{name}.W"] = (rng.standard_normal((cout, cin, k, k)) * np.sqrt(2 / (cin * k * k))).astype(np.float32)
        params[f"{name}.b"] = np.zeros(cout, np.float32)
        if name != "whiten":
            params[f"{name}.gamma"], params[f"{name}.beta"] = np.ones(cout, np.float32), np.zeros(cout, np.float32)
    params["fc.W"] = (rng.standard_normal((WIDTHS[-1], 10)) * 0.01).astype(np.float32)
    params["fc.b"] = np.zeros(10, np.float32)
    return params


def layerwise_network(params, X, y):
    """``loss_and_grads()`` of the network over the public NCHW functions."""
    bn_params = {name: {"mode": "train", "momentum": 0.9} for name, *_ in conv_shapes()[1:]}

    def conv_bn_gelu(h, name, pool, tape):
        a, conv = layers.conv_forward(h, params[f"{name}.W"], params[f"{name}.b"], SAME)
        tape.append(("conv", name, conv))
        if pool:
            a, pooled = layers.max_pool_forward(a, POOL2)
            tape.append(("pool", name, pooled))
        a, bn = layers.spatial_batchnorm_forward(a, params[f"{name}.gamma"], params[f"{name}.beta"], bn_params[name])
        tape.append(("bn", name, bn))
        a, gelu = layers.gelu_forward(a)
        tape.append(("gelu", name, gelu))
        return a

    def loss_and_grads():
        tape = []
        h, conv = layers.conv_forward(X, params["whiten.W"], params["whiten.b"], VALID)
        tape.append(("conv", "whiten", conv))
        h, gelu = layers.gelu_forward(h)
        tape.append(("gelu", "whiten", gelu))
        for i in range(len(WIDTHS)):
            h = conv_bn_gelu(h, f"block{i}a", True, tape)
            h = conv_bn_gelu(h, f"block{i}b", False, tape)
        h, pooled = layers.max_pool_forward(h, POOL3)
        scores, fc = layers.affine_forward(h, params["fc.W"], params["fc.b"])
        loss, d = layers.softmax_loss(scores, y)
        grads = {}
        d, grads["fc.W"], grads["fc.b"] = layers.affine_backward(d, fc)
        d = layers.max_pool_backward(d, pooled)
        for kind, name, cache in reversed(tape):
            if kind == "gelu":
                d = layers.gelu_backward(d, cache)
            elif kind == "bn":
                d, grads[f"{name}.gamma"], grads[f"{name}.beta"] = layers.spatial_batchnorm_backward(d, cache)
            elif kind == "pool":
                d = layers.max_pool_backward(d, cache)
            else:   # the images need no gradient: the whitening layer skips dx, as PyTorch does
                d, grads[f"{name}.W"], grads[f"{name}.b"] = layers.conv_backward(d, cache,
                                                                                 compute_dx=name != "whiten")
        return loss, grads
    return loss_and_grads


def layerwise_step(params, X, y):
    loss_and_grads = layerwise_network(params, X, y)
    configs = {name: {"learning_rate": LR, "momentum": MOMENTUM} for name in params}

    def step():
        _, grads = loss_and_grads()
        for name, w in params.items():
            params[name], configs[name] = optim.sgd_nesterov_momentum(w, grads[name], configs[name])
    return step, loss_and_grads


def torch_network(torch, params):
    """The same network in PyTorch, from the same initial weights."""
    nn = torch.nn
    modules = [nn.Conv2d(3, 24, 2), nn.GELU(approximate="tanh")]  # layerwise's GELU is the tanh form
    for i, width in enumerate(WIDTHS):
        cin = 24 if i == 0 else WIDTHS[i - 1]
        modules += [nn.Conv2d(cin, width, 3, padding=1), nn.MaxPool2d(2), nn.BatchNorm2d(width, momentum=0.1),
                    nn.GELU(approximate="tanh"), nn.Conv2d(width, width, 3, padding=1),
                    nn.BatchNorm2d(width, momentum=0.1),
                    nn.GELU(approximate="tanh")]
    modules += [nn.MaxPool2d(3), nn.Flatten(), nn.Linear(WIDTHS[-1], 10)]
    net = nn.Sequential(*modules)
    convs = [m for m in net if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        for conv, (name, *_) in zip(convs, conv_shapes()):
            conv.weight.copy_(torch.from_numpy(params[f"{name}.W"]))
            conv.bias.copy_(torch.from_numpy(params[f"{name}.b"]))
        net[-1].weight.copy_(torch.from_numpy(np.ascontiguousarray(params["fc.W"].T)))
        net[-1].bias.copy_(torch.from_numpy(params["fc.b"]))
    return net.train()


def make_steps(X, y, params, torch):
    """The steps of (d), ``'layerwise'`` and, where torch is given, ``'pytorch'``, both from ``params``;
    and a function giving their initial losses (call it before any step)."""
    step, loss_and_grads = layerwise_step({k: v.copy() for k, v in params.items()}, X, y)
    steps, net = {"layerwise": step}, None
    if torch is not None:
        net = torch_network(torch, params)
        steps["pytorch"] = torch_step(torch, net, torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM,
                                                                 nesterov=True), X, y)

    def initial_losses():
        losses = {"layerwise": loss_and_grads()[0]}
        if net is not None:
            losses["PyTorch"] = torch_loss(torch, net, X, y)
        return losses
    return steps, initial_losses


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="A B rounds (default 5)")
    parser.add_argument("--batch", type=int, default=512, help="images per step (default 512)")
    parser.add_argument("--seconds", type=float, default=1.0, help="timed seconds per block, at least 3 steps")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds of rest before each block (default 1)")
    args = parser.parse_args(argv)

    torch = setup()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((args.batch, 3, 32, 32)).astype(np.float32)
    y = rng.integers(10, size=args.batch)
    steps, initial_losses = make_steps(X, y, make_params(rng), torch)
    if torch is not None:       # a layerwise step at batch 512 takes seconds: check only against PyTorch
        print_initial_losses(initial_losses())
    rates = alternate(steps, args.batch, rounds=args.rounds, seconds=args.seconds, warmup=1, pause=args.pause)
    gflop, peak = flops_per_image() / 1e9, matmul_gflops()
    title = (f"(d) speedrun network, batch {args.batch}, float32, SGD + Nesterov momentum; "
             f"{gflop:.2f} GFLOP per image per step")
    for name, r in rates.items():
        effective = statistics.median(r) * gflop
        print(f"  {name:12s} effective {effective:6.1f} GFLOP/s = {effective / peak:.0%} of matmul ({peak:.0f} GFLOP/s)")
    print(f"  peak resident memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")
    if torch is not None:
        report(title, rates, TARGET)
    else:
        print(title, {k: f"{statistics.median(v):.1f} images/s" for k, v in rates.items()})


if __name__ == "__main__":
    main()
