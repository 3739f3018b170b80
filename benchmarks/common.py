"""Shared helpers for the benchmark scripts: thread counts, matmul GFLOP/s, A/B timing."""

from __future__ import annotations

import os
import statistics
import time

import numpy as np


def blas_threads() -> int:
    """Threads NumPy's BLAS uses (threadpoolctl when installed, else the CPU count)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return os.cpu_count() or 1
    infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return int(infos[0]["num_threads"]) if infos else (os.cpu_count() or 1)


def blas_description() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown BLAS (install threadpoolctl to see it)"
    infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    if not infos:
        return "no BLAS found"
    i = infos[0]
    return f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}), threads: {i.get('num_threads')}"


def matmul_gflops(n: int = 2048, dtype=np.float32, repeats: int = 5) -> float:
    """Best-of-``repeats`` GFLOP/s of an n x n matrix product."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    out = np.empty((n, n), dtype=dtype)
    np.matmul(a, b, out=out)
    best = min(_timed(lambda: np.matmul(a, b, out=out)) for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def alternate(steps: dict, batch_size: int, rounds: int = 9, seconds: float = 0.25, warmup: int = 3,
              pause: float = 0.3) -> dict:
    """Time several step functions alternately (A B A B ...); returns ``{name: [images/s per round]}``.

    Alternating in one process makes the ratio robust to the machine's load
    changing during the run.  Each block rests ``pause`` seconds, runs
    ``warmup`` untimed steps, then times about ``seconds`` worth of steps (the
    count is set per step function from the first warm-up).  The rest matters:
    after a burst of work OpenBLAS threads keep spinning for about 0.1 s, which
    slows whichever library runs next (PyTorch's CNN step measured up to 1.6x
    slower without it, flattering the ratio); the untimed steps after it let
    the threads of the library under test wake up, as they stay awake in a
    training loop.
    """
    iters = {}
    for name, fn in steps.items():
        fn()
        start = time.perf_counter()
        for _ in range(warmup):
            fn()
        per_step = (time.perf_counter() - start) / warmup
        iters[name] = max(3, round(seconds / per_step))
    rates = {name: [] for name in steps}
    for _ in range(rounds):
        for name, fn in steps.items():
            time.sleep(pause)
            for _ in range(warmup):
                fn()
            start = time.perf_counter()
            for _ in range(iters[name]):
                fn()
            rates[name].append(batch_size * iters[name] / (time.perf_counter() - start))
    return rates


def layerwise_step(model, rule, X, y, optim_config):
    """One training step of a layerwise model: ``model.loss`` then ``rule`` on every parameter."""
    configs = {name: dict(optim_config) for name in model.params}

    def step():
        _, grads = model.loss(X, y)
        for name, w in model.params.items():
            model.params[name], configs[name] = rule(w, grads[name], configs[name])
    return step


def torch_step(torch, net, optimizer, X, y):
    """One training step of a PyTorch network: zero_grad, cross-entropy backward, optimizer step."""
    loss_fn = torch.nn.CrossEntropyLoss()
    tX, ty = torch.from_numpy(X), torch.from_numpy(y)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss_fn(net(tX), ty).backward()
        optimizer.step()
    return step


def torch_loss(torch, net, X, y) -> float:
    """PyTorch's cross-entropy of ``net`` on (X, y), for the scripts' same-network checks."""
    return torch.nn.functional.cross_entropy(net(torch.from_numpy(X)), torch.from_numpy(y)).item()


def print_initial_losses(losses: dict) -> None:
    """One line of the initial losses the same network gives on each side (they should agree)."""
    print("same network check, initial losses: " + ", ".join(f"{v:.6f} ({k})" for k, v in losses.items()))


def report(title: str, rates: dict, target: float, baseline: str = "pytorch") -> float:
    """Print median images/s of each step and the ratio to ``baseline``; return layerwise's ratio.

    The ratio is the median of the per-round ratios; the quartiles of those
    ratios show how much the machine moved during the run.  ``target`` is the
    ratio layerwise should reach.
    """
    medians = {name: statistics.median(r) for name, r in rates.items()}
    print(f"\n{title}")
    for name, median in medians.items():
        spread = (max(rates[name]) - min(rates[name])) / median
        print(f"  {name:12s} {median:10.0f} images/s   (spread {spread:.0%} over {len(rates[name])} rounds)")
    ratios = sorted(a / b for a, b in zip(rates["layerwise"], rates[baseline]))
    ratio = statistics.median(ratios)
    q1, _, q3 = statistics.quantiles(ratios, n=4, method="inclusive") if len(ratios) > 1 else (ratio, ratio, ratio)
    print(f"  ratio layerwise / {baseline}: {ratio:.2f}x (median of per-round ratios; quartiles {q1:.2f}-{q3:.2f})")
    print(f"  target: >= {target}x {baseline} -> {'met' if ratio >= target else 'NOT met'}")
    return ratio


def setup():
    """Print the machine's NumPy/BLAS/matmul figures; return the torch module set to NumPy's BLAS thread
    count, or None where PyTorch is not installed."""
    torch = setup_torch(blas_threads())
    print(f"NumPy {np.__version__}, {blas_description()}")
    print(f"matmul 2048x2048 float32: {matmul_gflops():.0f} GFLOP/s")
    if torch is not None:
        print(f"PyTorch {torch.__version__}, threads: {torch.get_num_threads()}")
    return torch


def setup_torch(threads: int):
    """Import torch with the given thread count, or return None when it is not installed."""
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: pip install torch==2.13.0 (CPU build) to compare.")
        return None
    torch.set_num_threads(threads)
    return torch
