"""Training throughput of fully connected networks: layerwise vs PyTorch (CPU), one process.

Workloads (SPEC section 12), with the ratio to PyTorch each must reach:
  (a) MLP 3072-100-10, batch 200, float32, SGD                               >= 1.2x
  (b) MLP 3072-512-512-512-10 with batchnorm, batch 256, float32, Adam       >= 1.0x

A step is forward + backward + parameter update on one minibatch.  Both
libraries use the same thread count and alternate round by round.

    python benchmarks/bench_mlp.py [--workloads ab] [--rounds 9] [--seconds 0.25] [--pause 0.3]
"""

from __future__ import annotations

import argparse

import numpy as np

from common import alternate, layerwise_step, report, setup, torch_step

from layerwise import optim
from layerwise.classifiers import FullyConnectedNet


def torch_mlp(torch, dims, batchnorm):
    layers = []
    for d_in, d_out in zip(dims[:-2], dims[1:-1]):
        layers += [torch.nn.Linear(d_in, d_out)]
        if batchnorm:
            layers += [torch.nn.BatchNorm1d(d_out, eps=1e-5, momentum=0.1)]
        layers += [torch.nn.ReLU()]
    layers += [torch.nn.Linear(dims[-2], dims[-1])]
    return torch.nn.Sequential(*layers).train()


WORKLOADS = {
    "a": dict(title="(a) MLP 3072-100-10, batch 200, SGD", hidden=[100], batch=200, batchnorm=False,
              rule="sgd", lr=1e-3, target=1.2),
    "b": dict(title="(b) MLP 3072-512-512-512-10 + batchnorm, batch 256, Adam", hidden=[512, 512, 512], batch=256,
              batchnorm=True, rule="adam", lr=1e-3, target=1.0),
}


def make_steps(w, X, y, torch):
    """The training steps of workload ``w`` on (X, y): ``'layerwise'`` and, with torch, ``'pytorch'``."""
    np.random.seed(0)
    model = FullyConnectedNet(w["hidden"], normalization="batchnorm" if w["batchnorm"] else None,
                              weight_scale="he", dtype=np.float32)
    steps = {"layerwise": layerwise_step(model, getattr(optim, w["rule"]), X, y, {"learning_rate": w["lr"]})}
    if torch is not None:
        torch.manual_seed(0)
        net = torch_mlp(torch, [3072] + w["hidden"] + [10], w["batchnorm"])
        opt_cls = torch.optim.SGD if w["rule"] == "sgd" else torch.optim.Adam
        steps["pytorch"] = torch_step(torch, net, opt_cls(net.parameters(), lr=w["lr"]), X, y)
    return steps


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", default="ab", help="which workloads to run (default: ab)")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--seconds", type=float, default=0.25, help="timed seconds per block (default 0.25)")
    parser.add_argument("--pause", type=float, default=0.3, help="seconds of rest before each block")
    args = parser.parse_args(argv)

    torch = setup()

    rng = np.random.default_rng(0)
    ratios = {}
    for key in args.workloads:
        w = WORKLOADS[key]
        X = rng.standard_normal((w["batch"], 3 * 32 * 32)).astype(np.float32)
        y = rng.integers(10, size=w["batch"])
        rates = alternate(make_steps(w, X, y, torch), w["batch"], rounds=args.rounds, seconds=args.seconds,
                          pause=args.pause)
        if torch is not None:
            ratios[key] = report(w["title"], rates, w["target"])
        else:
            print(w["title"], {k: f"{np.median(v):.0f} images/s" for k, v in rates.items()})
    if ratios:
        print("\nsummary: " + ", ".join(f"({k}) {r:.2f}x PyTorch" for k, r in ratios.items()))


if __name__ == "__main__":
    main()
