"""Where a training step's time goes: layerwise's layer functions beside PyTorch's operators, and the GEMM floor.

For one workload of ``bench_mlp.py``, ``bench_cnn.py`` or ``bench_speedrun.py``
the script prints three tables, in milliseconds per training step:

* layerwise: the time spent in each layer function and in the update rule
  (``cProfile`` over real steps, so caches and OpenBLAS's threads behave as
  in training); the rest of the step (Python, glue) is the last line;
* PyTorch: the self time of each operator (``torch.profiler``) for the same
  network, batch and update rule;
* the GEMM floor: NumPy's matrix products alone, on the products the step
  computes (for a convolution: ``[w | b] @ [cols; 1]``, ``dw`` and, where
  the step needs it, ``dx``, a 4 MiB block of columns at a time as the
  kernels run them; for an affine layer: ``x @ w``, ``x.T @ dout`` and
  ``dout @ w.T``), on warm data.  No step built on NumPy's matmul can take
  less; set it against PyTorch's convolution or matmul operators.

Workloads: ``a`` and ``b`` (the MLPs of ``bench_mlp.py``), ``c`` (``ConvNet``,
batch 64), ``c'`` (the same network chained over the public NCHW functions,
as a course notebook does) and ``d`` (the speedrun network, batch 512).
Run it on an otherwise idle machine; one run's figures move by 10-20% on a
shared host.

    python benchmarks/profile_steps.py --workload c [--steps 20]
    python benchmarks/profile_steps.py --workload d [--steps 3]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from pathlib import Path

import numpy as np

import bench_cnn
import bench_mlp
import bench_speedrun
from common import blas_description, blas_threads, matmul_gflops, setup_torch

import layerwise

COLUMN_BLOCK_BYTES = 4 << 20     # the block of unfolded columns the convolution kernels multiply at a time

# The functions whose cumulative time is shown: the layer kernels each workload calls (none calls another).
MLP_FUNCTIONS = ("affine_forward", "affine_backward", "batchnorm_forward", "batchnorm_backward_alt",
                 "relu_forward", "relu_backward", "softmax_loss", "sgd", "adam")
CONVNET_FUNCTIONS = ("conv_forward_chwn", "conv_backward_chwn", "max_pool_forward_chwn", "max_pool_backward_chwn",
                     "classifier_head", "sgd")
CHAIN_FUNCTIONS = ("conv_forward", "conv_backward", "relu_forward", "relu_backward", "max_pool_forward",
                   "max_pool_backward", "spatial_batchnorm_forward", "spatial_batchnorm_backward",
                   "gelu_forward", "gelu_backward", "affine_forward", "affine_backward", "softmax_loss", "sgd",
                   "sgd_nesterov_momentum")


def workload(name, torch):
    """``(batch, layerwise step, PyTorch step or None, functions to time, matrix products)`` of one workload."""
    rng = np.random.default_rng(0)
    if name in ("a", "b"):
        w = bench_mlp.WORKLOADS[name]
        X = rng.standard_normal((w["batch"], 3 * 32 * 32)).astype(np.float32)
        steps = bench_mlp.make_steps(w, X, rng.integers(10, size=w["batch"]), torch)
        return w["batch"], steps["layerwise"], steps.get("pytorch"), MLP_FUNCTIONS, \
            affine_products([3072] + w["hidden"] + [10], w["batch"])
    batch = 512 if name == "d" else bench_cnn.BATCH
    X = rng.standard_normal((batch, 3, 32, 32)).astype(np.float32)
    y = rng.integers(10, size=batch)
    if name == "d":
        steps, _ = bench_speedrun.make_steps(X, y, bench_speedrun.make_params(rng), torch)
        convs = [(cin, cout, k, side, 1 if k == 3 else 0) for _, cin, cout, k, side in bench_speedrun.conv_shapes()]
        return batch, steps["layerwise"], steps.get("pytorch"), CHAIN_FUNCTIONS, \
            conv_products(convs, batch, first_dx=False)
    steps, _ = bench_cnn.make_steps(X, y, "sgd", torch)
    convs = [(3, 32, 3, 32, 1), (32, 64, 3, 16, 1)]
    if name == "c":
        return batch, steps["layerwise"], steps.get("pytorch"), CONVNET_FUNCTIONS, \
            conv_products(convs, batch, first_dx=False)
    # the course chain computes the first layer's dx as well (conv_backward's default)
    return batch, steps["course_chain"], steps.get("pytorch"), CHAIN_FUNCTIONS, \
        conv_products(convs, batch, first_dx=True)


def affine_products(dims, batch):
    """``{label: (a shape, b shape, how many times)}`` of an MLP's forward, dw and dx products."""
    products = {}
    for i, (d_in, d_out) in enumerate(zip(dims[:-1], dims[1:])):
        label = f"affine {d_in}->{d_out}"
        products[f"{label}: forward"] = ((batch, d_in), (d_in, d_out), 1)
        products[f"{label}: dw"] = ((d_in, batch), (batch, d_out), 1)
        if i:
            products[f"{label}: dx"] = ((batch, d_out), (d_out, d_in), 1)
    return products


def conv_products(convs, batch, first_dx):
    """The same for convolutions ``(cin, cout, k, side, pad)``: per 4 MiB block of columns, times the blocks."""
    products = {}
    for i, (cin, cout, k, side, pad) in enumerate(convs):
        out_side = side + 2 * pad - k + 1
        K, M = cin * k * k, out_side * out_side * batch
        block = max(1, min(M, COLUMN_BLOCK_BYTES // (4 * (K + 1))))
        label = f"conv {cin}->{cout} {k}x{k} on {side}x{side}"
        products[f"{label}: forward"] = ((cout, K + 1), (K + 1, block), M / block)
        products[f"{label}: dw"] = ((K + 1, block), (cout, block, "T"), M / block)   # cols @ dout.T
        if i or first_dx:
            products[f"{label}: dx"] = ((K, cout), (cout, block), M / block)
    return products


def gemm_floor(products, repeats=5):
    """ms per step of each product alone: the best of ``repeats`` timings on warm operands."""
    rng = np.random.default_rng(1)
    rows = {}
    for label, (a_shape, b_shape, times) in products.items():
        a = rng.standard_normal(a_shape).astype(np.float32)
        b = rng.standard_normal(b_shape[:2]).astype(np.float32)
        if b_shape[2:] == ("T",):
            b = b.T         # a transposed view, as the kernels pass it
        a @ b
        rows[label] = min(_seconds(lambda: a @ b) for _ in range(repeats)) * times * 1e3
    return rows


def ms_per_step(step, steps, warmup=3):
    """Wall-clock milliseconds per call of ``step``, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        step()
    return _seconds(lambda: [step() for _ in range(steps)]) / steps * 1e3


def profile_layerwise(step, functions, steps):
    """ms per step spent in each of ``functions`` (cumulative time), and the whole step unprofiled."""
    whole = ms_per_step(step, steps)
    profiler = cProfile.Profile()
    profiled = _seconds(lambda: profiler.runcall(lambda: [step() for _ in range(steps)])) / steps * 1e3
    package = str(Path(layerwise.__file__).parent)
    rows = {}
    for (filename, _, function), (_, _, _, cumulative, _) in pstats.Stats(profiler).stats.items():
        if function in functions and filename.startswith(package):
            rows[function] = rows.get(function, 0.0) + cumulative / steps * 1e3
    rows["(the rest: Python, glue)"] = max(0.0, profiled - sum(rows.values()))
    return rows, whole


def profile_torch(torch, step, steps):
    """ms per step of each operator's self time, and the whole step unprofiled."""
    whole = ms_per_step(step, steps)
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step()
    return {e.key: e.self_cpu_time_total / 1e3 / steps for e in prof.key_averages()}, whole


def _seconds(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def print_table(title, rows, whole=None, share=0.0):
    """Rows largest first; those under ``share`` of the total are summed into one line."""
    total = sum(rows.values())
    print(f"\n{title}")
    small = 0.0
    for name, ms in sorted(rows.items(), key=lambda kv: -kv[1]):
        if ms < share * total:
            small += ms
        else:
            print(f"  {ms:8.2f} ms  {ms / total:5.1%}  {name}")
    if small:
        print(f"  {small:8.2f} ms  {small / total:5.1%}  (the other operators)")
    print(f"  {total:8.2f} ms  in all" + ("" if whole is None else f"; {whole:.2f} ms per step unprofiled"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workload", choices=("a", "b", "c", "c'", "d"), default="c")
    parser.add_argument("--steps", type=int, default=None, help="profiled steps (default 20, 3 for d)")
    args = parser.parse_args(argv)
    steps = args.steps or (3 if args.workload == "d" else 20)

    torch = setup_torch(blas_threads())
    print(f"NumPy {np.__version__}, {blas_description()}; matmul 2048x2048 float32: {matmul_gflops():.0f} GFLOP/s")
    batch, step, reference_step, functions, products = workload(args.workload, torch)
    rows, whole = profile_layerwise(step, functions, steps)
    print_table(f"layerwise, workload ({args.workload}), batch {batch}: ms per step in each function", rows, whole)
    if reference_step is not None:
        time.sleep(0.5)         # OpenBLAS's threads go to sleep before PyTorch runs
        rows, whole = profile_torch(torch, reference_step, steps)
        print_table(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads: ms per step in each "
                    "operator (self time)", rows, whole, share=0.01)
    print_table("GEMM floor: NumPy's matmul alone on the step's matrix products, warm", gemm_floor(products))


if __name__ == "__main__":
    main()
