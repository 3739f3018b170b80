"""Elementwise work in cache-sized blocks, optionally spread over threads.

A chain of elementwise passes over arrays larger than the cache -- an update
rule's dozen passes over a weight matrix, GELU's polynomial and tanh -- is
bound by memory traffic when each pass streams every operand from RAM.
:func:`map_blocks` runs the whole chain on one block of ``BLOCK_BYTES`` per
operand at a time, so the operands stay in the L2 cache from one pass to the
next, and can hand the blocks to a pool of threads (NumPy's ufuncs release
the GIL).  Each element goes through the same operations in
the same order as in a whole-array pass: the results are bit-identical,
whatever the number of threads.

Threads are opt-in: ``LAYERWISE_NUM_THREADS=N`` in the environment or
:func:`set_num_threads`.  The default is one.  On the 2-core machines the
benchmarks ran on, a GELU over 16 M floats took 50 ms on two threads against
69 ms on one. Inside training steps, though, two threads gained nothing: the
speedrun network ran at 104 against 105 images/s, and Adam steps on an MLP
were even 7% slower.  After each multithreaded BLAS call OpenBLAS's idle
worker keeps spinning on the other core for about 0.1 s, so the second
thread finds its core taken.  ``OPENBLAS_THREAD_TIMEOUT`` (read when NumPy
loads) shortens the spin, but the steps measured no faster with it either
(``benchmarks/README.md``).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["BLOCK_BYTES", "map_blocks", "num_threads", "set_num_threads"]

# Bytes of each operand per block: the 4-6 operands of a kernel then fit in L2
# together (about 1.5x faster than whole-array passes on one core).
BLOCK_BYTES = 1 << 17
# Below this many bytes per operand the work runs on the calling thread alone:
# handing blocks to the pool costs tens of microseconds.
_PARALLEL_BYTES = 1 << 22

_state = threading.local()      # per thread: scratch buffers, and whether it is a pool worker
_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_key = None              # (process id, workers) the pool was made for
_threads = None


def _default_threads() -> int:
    env = os.environ.get("LAYERWISE_NUM_THREADS")
    if not env:
        return 1
    try:
        threads = int(env)
    except ValueError:
        threads = 0
    if threads < 1:
        raise ValueError(f"LAYERWISE_NUM_THREADS must be a positive integer, got {env!r}")
    return threads


def num_threads() -> int:
    """Threads that :func:`map_blocks` uses (the calling thread included)."""
    global _threads
    if _threads is None:
        _threads = _default_threads()
    return _threads


def set_num_threads(n: int) -> None:
    """Use ``n`` threads (at least 1) for elementwise work from now on."""
    global _threads, _pool
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"set_num_threads: n must be a positive integer, got {n!r}")
    with _pool_lock:
        _threads = int(n)
        if _pool is not None:
            _pool.shutdown(wait=False)
            _pool = None


def _worker_pool(workers: int) -> ThreadPoolExecutor:
    """The shared pool of ``workers`` helper threads (re-made in a forked child, where its threads are gone)."""
    global _pool, _pool_key
    with _pool_lock:
        if _pool is None or _pool_key != (os.getpid(), workers):
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="layerwise",
                                       initializer=_mark_worker)
            _pool_key = (os.getpid(), workers)
        return _pool


def _mark_worker():
    _state.worker = True


def _scratch(n: int, size: int, dtype) -> list:
    """``n`` scratch arrays of ``size`` elements owned by the calling thread, reused from call to call."""
    if n == 0:
        return []
    buffers = getattr(_state, "scratch", None) or []
    if len(buffers) < n or buffers[0].size < size or buffers[0].dtype != dtype:
        buffers = _state.scratch = [np.empty(size, dtype) for _ in range(max(n, len(buffers)))]
    return [b[:size] for b in buffers[:n]]


def _flat_views(arrays):
    """1-D views, in memory order, of same-shape arrays laid out alike (C order or a transposed C-contiguous
    array), else None."""
    first = arrays[0]
    order = sorted(range(first.ndim), key=lambda axis: -first.strides[axis])
    flats = []
    for a in arrays:
        t = a.transpose(order)
        if a.shape != first.shape or not t.flags.c_contiguous:
            return None
        flats.append(t.reshape(-1))
    return flats


def map_blocks(kernel, inputs, outputs, scratch: int = 0, args=(), dtype=None) -> None:
    """Run ``kernel(*inputs, *outputs, *scratch, *args)`` over aligned blocks of the arrays.

    inputs: arrays the kernel only reads; outputs: arrays it writes (or
    updates in place), made by the caller -- ``np.empty_like(x)`` keeps x's
    layout.  All have one shape.  ``scratch``: how many work arrays of a
    block's size the kernel gets, of ``dtype`` (default: the first output's).
    The kernel must be elementwise -- element i of each output depends only on
    element i of the arrays -- and use only NumPy calls, which release the
    GIL, so that blocks can run on the :func:`num_threads` threads.  An input laid out differently from the outputs (a strided slice, the
    other transpose) is first copied into their layout: one pass, where
    walking mismatched strides would slow every operation of the kernel.
    Outputs laid out differently from each other are handed to the kernel
    whole, on the calling thread.
    """
    outputs = list(outputs)
    dtype = np.dtype(dtype or outputs[0].dtype)
    inputs = [np.asarray(a) for a in inputs]
    flat_out = _flat_views(outputs)
    if flat_out is None:
        kernel(*inputs, *outputs, *(np.empty(outputs[0].shape, dtype) for _ in range(scratch)), *args)
        return
    flat_in = []
    for a in inputs:
        if a.shape != outputs[0].shape:
            raise ValueError(f"map_blocks: every array must have the shape {outputs[0].shape}, got {a.shape}")
        flat = _flat_views([outputs[0], a])
        if flat is None:
            copy = np.empty_like(outputs[0], dtype=a.dtype)
            np.copyto(copy, a)
            flat = _flat_views([outputs[0], copy])
        flat_in.append(flat[1])
    flats = flat_in + flat_out
    size = outputs[0].size
    block = max(1, BLOCK_BYTES // max(f.itemsize for f in flats))

    def run(start, stop):
        work = _scratch(scratch, min(block, stop - start), dtype)
        for lo in range(start, stop, block):
            hi = min(stop, lo + block)
            kernel(*(f[lo:hi] for f in flats), *(w[:hi - lo] for w in work), *args)

    threads = num_threads()
    if threads == 1 or size * dtype.itemsize < _PARALLEL_BYTES or getattr(_state, "worker", False):
        run(0, size)
        return
    # Contiguous shares of whole blocks, one per thread; the calling thread takes the first.
    blocks = -(-size // block)
    bounds = [min(size, (blocks * i // threads) * block) for i in range(threads + 1)]
    pool = _worker_pool(threads - 1)
    futures = [pool.submit(run, bounds[i], bounds[i + 1]) for i in range(1, threads) if bounds[i] < bounds[i + 1]]
    run(bounds[0], bounds[1])
    for f in futures:
        f.result()
