"""Where a training step's time goes: layerwise's layer functions beside PyTorch's operators, and the GEMM floor.

For one workload of ``bench_cnn.py`` or ``bench_speedrun.py`` the script
prints three tables, each in milliseconds per training step:

* layerwise: the time spent in each layer function (every call timed inside
  real steps, so caches and OpenBLAS's threads behave as in training); the
  rest of the step (the update, Python) is the last line;
* PyTorch: the self time of each operator (``torch.profiler``) for the same
  network, batch and update rule;
* the GEMM floor: NumPy's matrix products alone, on the products the
  convolutions compute (forward ``[w | b] @ [cols; 1]``, ``dw``, and ``dx``
  where the step computes it), a 4 MiB block of columns at a time as the
  kernels run them, on warm data.  No convolution built on NumPy's matmul
  can take less; set it against PyTorch's convolution operators.

Workloads: ``c`` (``ConvNet``, batch 64), ``c'`` (the same network chained
over the public NCHW functions, as a course notebook does) and ``d`` (the
speedrun network, batch 512).  Run it on an otherwise idle machine; the
figures of one run move by 10-20% on a shared host.

    python benchmarks/profile_steps.py --workload c [--steps 20]
    python benchmarks/profile_steps.py --workload d [--steps 3]
"""

from __future__ import annotations

import argparse
import collections
import functools
import time

import numpy as np

import bench_cnn
import bench_speedrun
from common import blas_description, blas_threads, layerwise_step, matmul_gflops, setup_torch, torch_step

from layerwise import layers, optim
from layerwise.classifiers import ConvNet
from layerwise.layers import convolution

COLUMN_BLOCK_BYTES = 4 << 20     # the block the convolution kernels unfold and multiply at a time

# The functions timed for each workload: the kernels ConvNet calls, or the public functions a chain calls.
CONVNET_KERNELS = ("conv_forward_chwn", "conv_backward_chwn", "max_pool_forward_chwn", "max_pool_backward_chwn")
PUBLIC_FUNCTIONS = ("conv_forward", "conv_backward", "relu_forward", "relu_backward", "max_pool_forward",
                    "max_pool_backward", "spatial_batchnorm_forward", "spatial_batchnorm_backward",
                    "gelu_forward", "gelu_backward", "affine_forward", "affine_backward", "softmax_loss")


def timed_functions(module, names, totals):
    """Replace ``module.<name>`` by a wrapper that adds each call's seconds to ``totals[name]``."""
    for name in names:
        function = getattr(module, name)

        @functools.wraps(function)
        def wrapper(*args, _function=function, _name=name, **kwargs):
            start = time.perf_counter()
            try:
                return _function(*args, **kwargs)
            finally:
                totals[_name] += time.perf_counter() - start
        setattr(module, name, wrapper)


def workload(name, batch):
    """``(layerwise step, PyTorch step factory, conv layers, first conv computes dx, module, names)``."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((batch, 3, 32, 32)).astype(np.float32)
    y = rng.integers(10, size=batch)
    if name == "d":
        params = bench_speedrun.make_params(rng)
        step, _ = bench_speedrun.layerwise_step({k: v.copy() for k, v in params.items()}, X, y)

        def torch_factory(torch):
            net = bench_speedrun.torch_network(torch, params)
            sgd = torch.optim.SGD(net.parameters(), lr=bench_speedrun.LR, momentum=bench_speedrun.MOMENTUM,
                                  nesterov=True)
            return torch_step(torch, net, sgd, X, y)
        convs = [(cin, cout, k, side, 1 if k == 3 else 0) for _, cin, cout, k, side in bench_speedrun.conv_shapes()]
        return step, torch_factory, convs, False, layers, PUBLIC_FUNCTIONS
    np.random.seed(0)
    model = ConvNet(input_dim=(3, 32, 32), blocks=(32, "pool", 64, "pool"), filter_size=3, hidden_dims=(),
                    num_classes=10, weight_scale="he", dtype=np.float32)
    config = {"learning_rate": bench_cnn.LR}
    convs = [(3, 32, 3, 32, 1), (32, 64, 3, 16, 1)]

    def torch_factory(torch):
        net = bench_cnn.torch_network(torch, model)
        return torch_step(torch, net, torch.optim.SGD(net.parameters(), lr=bench_cnn.LR), X, y)
    if name == "c":
        return layerwise_step(model, optim.sgd, X, y, config), torch_factory, convs, False, convolution, \
            CONVNET_KERNELS
    params = {k: v.copy() for k, v in model.params.items()}
    step, _ = bench_cnn.course_chain_step(params, optim.sgd, X, y, config)
    return step, torch_factory, convs, True, layers, PUBLIC_FUNCTIONS


def profile_layerwise(step, module, names, steps):
    """ms per step in each timed function, and in the rest of the step."""
    totals = collections.defaultdict(float)
    timed_functions(module, names, totals)
    for _ in range(2):
        step()
    totals.clear()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    whole = time.perf_counter() - start
    rows = {name: seconds / steps * 1e3 for name, seconds in totals.items()}
    rows["(update, Python, the rest)"] = whole / steps * 1e3 - sum(rows.values())
    return rows, whole / steps * 1e3


def profile_torch(torch, step, steps):
    """ms per step of each operator's self time, and the whole step."""
    for _ in range(3):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    whole = (time.perf_counter() - start) / steps * 1e3
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step()
    rows = {e.key: e.self_cpu_time_total / 1e3 / steps for e in prof.key_averages()}
    return rows, whole


def gemm_floor(convs, batch, first_dx, repeats=5):
    """ms per step of the convolutions' matrix products alone, column block by column block, warm."""
    rng = np.random.default_rng(1)
    rows = {}
    for i, (cin, cout, k, side, pad) in enumerate(convs):
        out_side = side + 2 * pad - k + 1
        K, M = cin * k * k, out_side * out_side * batch
        block = max(1, min(M, COLUMN_BLOCK_BYTES // (4 * (K + 1))))     # columns of one unfolded block
        cols = rng.standard_normal((K + 1, block)).astype(np.float32)
        d = rng.standard_normal((cout, block)).astype(np.float32)
        products = {"forward": (rng.standard_normal((cout, K + 1)).astype(np.float32), cols),
                    "dw": (cols, d.T)}                                        # operands as the kernels pass them
        if i or first_dx:
            products["dx"] = (rng.standard_normal((K, cout)).astype(np.float32), d)
        for what, (a, b) in products.items():
            a @ b
            best = min(_seconds(lambda: a @ b) for _ in range(repeats))
            rows[f"conv {cin}->{cout} {k}x{k} on {side}x{side}: {what}"] = best * M / block * 1e3
    return rows


def _seconds(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def print_table(title, rows, whole=None, top=None, share=0.01):
    total = sum(rows.values()) if whole is None else whole
    print(f"\n{title}")
    shown = sorted(rows.items(), key=lambda kv: -kv[1])
    other = 0.0
    for name, ms in shown[:top]:
        if top is not None and ms < share * total:
            other += ms
            continue
        print(f"  {ms:8.2f} ms  {ms / total:5.1%}  {name}")
    other += sum(ms for _, ms in shown[top:]) if top is not None else 0.0
    if other:
        print(f"  {other:8.2f} ms  {other / total:5.1%}  (other operators)")
    print(f"  {total:8.2f} ms  per step" + ("" if whole is None else " (wall clock, unprofiled)"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workload", choices=("c", "c'", "d"), default="c")
    parser.add_argument("--steps", type=int, default=None, help="profiled steps (default 20, 3 for d)")
    args = parser.parse_args(argv)
    batch = 512 if args.workload == "d" else bench_cnn.BATCH
    steps = args.steps or (3 if args.workload == "d" else 20)

    torch = setup_torch(blas_threads())
    print(f"NumPy {np.__version__}, {blas_description()}; matmul 2048x2048 float32: {matmul_gflops():.0f} GFLOP/s")
    step, torch_factory, convs, first_dx, module, names = workload(args.workload, batch)
    rows, whole = profile_layerwise(step, module, names, steps)
    print_table(f"layerwise, workload ({args.workload}), batch {batch}: ms per step in each function", rows, whole)
    if torch is not None:
        time.sleep(0.5)         # let OpenBLAS's threads go to sleep before PyTorch runs
        rows, whole = profile_torch(torch, torch_factory(torch), steps)
        print_table(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads: ms per step in each "
                    "operator (self time; the profiler adds its own overhead)", rows, whole, top=12)
    floor = gemm_floor(convs, batch, first_dx)
    print_table("GEMM floor: NumPy's matmul alone on the convolutions' products, 4 MiB column blocks, warm",
                floor)


if __name__ == "__main__":
    main()
