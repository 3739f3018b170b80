"""Convolution and pooling kernels: fast vs loop-based ``_naive`` versions, and peak memory of ConvNet training.

Part 1 times forward + backward of each kernel on the shapes of workload (c)
(batch 64, float32): conv3x3 3->32 on 32x32, conv3x3 32->64 on 16x16, 2x2
max and average pooling of both conv outputs.  The naive kernels take
seconds per image, so they run on ``--naive-batch`` images and are scaled
per image.  Each figure is the best of several runs.  Three columns: the naive NCHW reference, the public fast NCHW
functions (``conv_forward`` ...), and the (C, H, W, N) kernels with a
workspace, which is what ``ConvNet`` runs.

Part 2 trains CIFAR-shaped ConvNets for a few steps in a fresh process and
reports its peak resident memory (``resource.getrusage`` maxrss) next to
the memory before training, so the difference is what training costs.

    python benchmarks/bench_kernels.py [--reps 5] [--naive-batch 1] [--skip-memory]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

from common import blas_description, matmul_gflops

from layerwise.layers import convolution as CL

BATCH = 64
POOL = {"pool_height": 2, "pool_width": 2, "stride": 2}
CONV = {"stride": 1, "pad": 1}


def _best_time(fn, reps):
    """Best of ``reps`` runs after one warm-up: the figure least disturbed by other processes."""
    fn()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _conv_kernels(C, F, H):
    def make(N, rng):
        x = rng.standard_normal((N, C, H, H)).astype(np.float32)
        w = (0.1 * rng.standard_normal((F, C, 3, 3))).astype(np.float32)
        b = np.zeros(F, np.float32)
        dout = rng.standard_normal((N, F, H, H)).astype(np.float32)
        dout_chwn = np.ascontiguousarray(dout.transpose(1, 2, 3, 0))
        x_chwn = np.ascontiguousarray(x.transpose(1, 2, 3, 0))
        ws = CL.Workspace()

        def naive():
            CL.conv_backward_naive(dout, CL.conv_forward_naive(x, w, b, CONV)[1])

        def fast():
            CL.conv_backward(dout, CL.conv_forward(x, w, b, CONV)[1])

        def chwn():
            CL.conv_backward_chwn(dout_chwn, CL.conv_forward_chwn(x_chwn, w, b, CONV, ws)[1])
        return naive, fast, chwn
    return make


def _pool_kernels(kind, C, H):
    forward_naive, backward_naive, forward, backward, forward_chwn, backward_chwn = {
        "max": (CL.max_pool_forward_naive, CL.max_pool_backward_naive, CL.max_pool_forward, CL.max_pool_backward,
                CL.max_pool_forward_chwn, CL.max_pool_backward_chwn),
        "avg": (CL.avg_pool_forward_naive, CL.avg_pool_backward_naive, CL.avg_pool_forward, CL.avg_pool_backward,
                CL.avg_pool_forward_chwn, CL.avg_pool_backward_chwn),
    }[kind]

    def make(N, rng):
        x = rng.standard_normal((N, C, H, H)).astype(np.float32)
        dout = rng.standard_normal((N, C, H // 2, H // 2)).astype(np.float32)
        x_chwn = np.ascontiguousarray(x.transpose(1, 2, 3, 0))
        dout_chwn = np.ascontiguousarray(dout.transpose(1, 2, 3, 0))
        ws = CL.Workspace()

        def naive():
            backward_naive(dout, forward_naive(x, POOL)[1])

        def fast():
            backward(dout, forward(x, POOL)[1])

        def chwn():
            if kind == "max":
                backward_chwn(dout_chwn, forward_chwn(x_chwn, POOL, ws=ws)[1])
            else:
                backward_chwn(dout_chwn, forward_chwn(x_chwn, POOL)[1])
        return naive, fast, chwn
    return make


KERNELS = [
    ("conv 3x3, 3->32, 32x32", _conv_kernels(3, 32, 32)),
    ("conv 3x3, 32->64, 16x16", _conv_kernels(32, 64, 16)),
    ("max pool 2x2, 32ch 32x32", _pool_kernels("max", 32, 32)),
    ("max pool 2x2, 64ch 16x16", _pool_kernels("max", 64, 16)),
    ("avg pool 2x2, 32ch 32x32", _pool_kernels("avg", 32, 32)),
    ("avg pool 2x2, 64ch 16x16", _pool_kernels("avg", 64, 16)),
]


def kernel_table(reps, naive_batch):
    rng = np.random.default_rng(0)
    print(f"\nforward + backward, ms per image (fast kernels on batch {BATCH}, naive on batch {naive_batch}, "
          f"scaled per image)")
    header = f"{'kernel':26s} {'naive':>10s} {'fast NCHW':>10s} {'fast CHWN':>10s} {'speed-up':>9s} {'(CHWN)':>8s}"
    print(header)
    print("-" * len(header))
    worst = float("inf")
    for name, make in KERNELS:
        naive, _, _ = make(naive_batch, rng)
        t_naive = _best_time(naive, max(1, reps // 5)) / naive_batch
        _, fast, chwn = make(BATCH, rng)
        t_fast = _best_time(fast, reps) / BATCH
        t_chwn = _best_time(chwn, reps) / BATCH
        worst = min(worst, t_naive / t_fast)
        print(f"{name:26s} {t_naive * 1e3:10.3f} {t_fast * 1e3:10.4f} {t_chwn * 1e3:10.4f} "
              f"{t_naive / t_fast:8.0f}x {t_naive / t_chwn:7.0f}x")
    print(f"smallest speed-up of the public fast kernels: {worst:.0f}x (target >= 100x, SPEC 12)")


# ----------------------------------------------------------------------------- memory

MEMORY_RUNS = {
    "ConvNet, workload (c)": dict(blocks=(32, "pool", 64, "pool"), hidden_dims=()),
    "ConvNet(**CIFAR10_CONVNET)": None,
}


def _rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def memory_child(name, steps, train_size):
    """Runs in a fresh process: build data and model, train a few steps, print JSON."""
    from layerwise import optim
    from layerwise.classifiers.cnn import CIFAR10_CONVNET, ConvNet

    rng = np.random.default_rng(0)
    X = rng.standard_normal((train_size, 3, 32, 32)).astype(np.float32)
    y = rng.integers(10, size=train_size)
    config = MEMORY_RUNS[name] or CIFAR10_CONVNET
    model = ConvNet(input_dim=(3, 32, 32), **config)
    configs = {k: {"learning_rate": 1e-3} for k in model.params}
    before = _rss_mb()

    def step():
        idx = rng.integers(train_size, size=BATCH)
        _, grads = model.loss(X[idx], y[idx])
        for k, w in model.params.items():
            model.params[k], configs[k] = optim.sgd_momentum(w, grads[k], configs[k])

    step()   # the first step allocates the workspaces
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024     # KiB on Linux
    params_mb = sum(p.nbytes for p in model.params.values()) / 2 ** 20
    print(json.dumps(dict(before=before, peak=peak, params=params_mb, step=seconds)))


def memory_table(steps, train_size):
    print(f"\npeak memory of ConvNet training (batch {BATCH}, float32, SGD momentum, {steps} steps, "
          f"{train_size} CIFAR-shaped training images = {train_size * 3072 * 4 / 2 ** 20:.0f} MiB)")
    header = (f"{'model':28s} {'params MiB':>10s} {'RSS before':>11s} {'peak RSS':>9s} {'training':>9s} "
              f"{'median ms/step':>15s}")
    print(header)
    print("-" * len(header))
    for name in MEMORY_RUNS:
        out = subprocess.run([sys.executable, __file__, "--memory-child", name, "--steps", str(steps),
                              "--train-size", str(train_size)], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{name:28s} {r['params']:10.1f} {r['before']:10.0f}M {r['peak']:8.0f}M "
              f"{r['peak'] - r['before']:8.0f}M {r['step'] * 1e3:15.0f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=10, help="timed repetitions of each fast kernel (default 10)")
    parser.add_argument("--naive-batch", type=int, default=2, help="images for the naive kernels (default 2)")
    parser.add_argument("--steps", type=int, default=10, help="training steps of the memory runs (default 10)")
    parser.add_argument("--train-size", type=int, default=5000, help="training images held in memory (default 5000)")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child, args.steps, args.train_size)
        return

    print(f"NumPy {np.__version__}, {blas_description()}; matmul 2048x2048 float32: {matmul_gflops():.0f} GFLOP/s")
    kernel_table(args.reps, args.naive_batch)
    if not args.skip_memory:
        memory_table(args.steps, args.train_size)


if __name__ == "__main__":
    main()
