"""Training throughput of a small CNN: layerwise's ConvNet vs the same network in PyTorch (CPU), one process.

Workload (c) of SPEC section 12, float32, batch 64:

    conv3x3(3->32, pad 1)-relu-maxpool2 -> conv3x3(32->64, pad 1)-relu-maxpool2 -> affine(4096->10) -> softmax

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

from common import alternate, layerwise_step, report, setup, torch_step

from layerwise import optim
from layerwise.classifiers import ConvNet

BATCH = 64
LR = 1e-3
TARGET = 0.6  # ratio to PyTorch
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
    np.random.seed(0)
    model = ConvNet(input_dim=(3, 32, 32), blocks=(32, "pool", 64, "pool"), filter_size=3, hidden_dims=(),
                    num_classes=10, weight_scale="he", dtype=np.float32)
    config = {"learning_rate": LR, "momentum": 0.9} if args.rule == "sgd_momentum" else {"learning_rate": LR}
    steps = {"layerwise": layerwise_step(model, getattr(optim, args.rule), X, y, config)}
    if torch is not None:
        net = torch_network(torch, model)
        ours = model.loss(X, y)[0]
        theirs = torch.nn.functional.cross_entropy(net(torch.from_numpy(X)), torch.from_numpy(y)).item()
        print(f"same network check: initial loss {ours:.6f} (layerwise) vs {theirs:.6f} (PyTorch)")
        momentum = 0.9 if args.rule == "sgd_momentum" else 0.0
        steps["pytorch"] = torch_step(torch, net, torch.optim.SGD(net.parameters(), lr=LR, momentum=momentum), X, y)

    rates = alternate(steps, BATCH, rounds=args.rounds, seconds=args.seconds, pause=args.pause)
    title = TITLE.format(rule=args.rule)
    if torch is None:
        print(title, {k: f"{statistics.median(v):.0f} images/s" for k, v in rates.items()})
        return
    report(title, rates, TARGET)


if __name__ == "__main__":
    main()
