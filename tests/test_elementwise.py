"""Blockwise, multi-threaded elementwise work: same bits as whole-array passes, any layout, any thread count."""

import multiprocessing
import os

import numpy as np
import pytest

from layerwise import elementwise


@pytest.fixture
def threads():
    """Set the thread count for one test and restore the default afterwards."""
    yield elementwise.set_num_threads
    elementwise.set_num_threads(elementwise._default_threads())


def _kernel(x, y, out, tmp, scale):
    np.multiply(x, x, out=tmp)
    tmp *= scale
    np.tanh(tmp, out=tmp)
    np.add(tmp, y, out=out)


def _expected(x, y, scale):
    return np.tanh(x * x * scale) + y


@pytest.mark.parametrize("n_threads", [1, 2, 3])
@pytest.mark.parametrize("size", [1, 1000, elementwise.BLOCK_BYTES // 4 * 9 + 7])
def test_blocks_give_the_bits_of_one_whole_array_pass(threads, n_threads, size):
    threads(n_threads)
    rng = np.random.default_rng(size)
    x, y = rng.standard_normal(size).astype(np.float32), rng.standard_normal(size).astype(np.float32)
    out = np.empty_like(x)
    elementwise.map_blocks(_kernel, (x, y), (out,), scratch=1, args=(np.float32(0.7),))
    assert np.array_equal(out, _expected(x, y, np.float32(0.7)))


def test_transposed_arrays_are_walked_in_memory_order(threads):
    threads(2)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 16, 16, 64)).transpose(3, 0, 1, 2)    # (N, C, H, W) view of a CHWN array
    y = rng.standard_normal((8, 16, 16, 64)).transpose(3, 0, 1, 2)
    out = np.empty_like(x)
    assert out.strides == x.strides
    elementwise.map_blocks(_kernel, (x, y), (out,), scratch=1, args=(0.3,))
    assert np.array_equal(out, _expected(x, y, 0.3))


def test_an_input_laid_out_differently_is_copied_into_the_outputs_layout(threads):
    threads(2)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((600, 900))
    y = np.asfortranarray(rng.standard_normal((600, 900)))
    sliced = rng.standard_normal((602, 902))[1:-1, 1:-1]             # a padded buffer's interior
    out = np.empty_like(x)
    seen = []

    def kernel(x, y, z, out, tmp, scale):
        seen.append((x.ndim, y.flags.c_contiguous, z.flags.c_contiguous))
        _kernel(x, y, out, tmp, scale)
        out += z

    elementwise.map_blocks(kernel, (x, y, sliced), (out,), scratch=1, args=(1.5,))
    assert set(seen) == {(1, True, True)} and len(seen) > 2
    assert np.array_equal(out, _expected(x, y, 1.5) + sliced)


def test_outputs_laid_out_differently_are_handed_over_whole(threads):
    threads(2)
    x = np.arange(6.0).reshape(2, 3)
    outs = (np.empty((2, 3)), np.empty((2, 3), order="F"))
    seen = []

    def kernel(x, a, b):
        seen.append(x.shape)
        np.negative(x, out=a)
        np.add(x, 1, out=b)

    elementwise.map_blocks(kernel, (x,), outs)
    assert seen == [(2, 3)]
    assert np.array_equal(outs[0], -x) and np.array_equal(outs[1], x + 1)


def test_inputs_of_another_shape_are_refused():
    with pytest.raises(ValueError, match=r"^map_blocks: every array must have the shape \(3,\), got \(4,\)$"):
        elementwise.map_blocks(lambda a, b: None, (np.zeros(4),), (np.zeros(3),))


def test_large_work_runs_on_several_threads(threads):
    threads(2)
    names = set()

    def kernel(x):
        import threading
        names.add(threading.current_thread().name)
        x += 1

    x = np.zeros(elementwise._PARALLEL_BYTES // 8 * 4)
    elementwise.map_blocks(kernel, (), (x,))
    assert np.all(x == 1)
    assert len(names) == 2


def test_small_work_stays_on_the_calling_thread(threads):
    threads(2)
    names = set()

    def kernel(x):
        import threading
        names.add(threading.current_thread().name)

    elementwise.map_blocks(kernel, (), (np.zeros(100),))
    assert len(names) == 1


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_thread_count_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match=r"^set_num_threads: n must be a positive integer, got "):
        elementwise.set_num_threads(bad)


def test_one_thread_unless_the_environment_asks_for_more(monkeypatch):
    monkeypatch.delenv("LAYERWISE_NUM_THREADS", raising=False)
    assert elementwise._default_threads() == 1
    monkeypatch.setenv("LAYERWISE_NUM_THREADS", "3")
    assert elementwise._default_threads() == 3
    monkeypatch.setenv("LAYERWISE_NUM_THREADS", "many")
    with pytest.raises(ValueError, match=r"^LAYERWISE_NUM_THREADS must be a positive integer, got 'many'$"):
        elementwise._default_threads()
    monkeypatch.setenv("LAYERWISE_NUM_THREADS", "0")
    with pytest.raises(ValueError, match=r"^LAYERWISE_NUM_THREADS must be a positive integer, got '0'$"):
        elementwise._default_threads()


def _child(queue):
    x = np.zeros(elementwise._PARALLEL_BYTES // 8 * 4)
    elementwise.map_blocks(lambda a: np.add(a, 2, out=a), (), (x,))
    queue.put(float(x.sum()) / x.size)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_makes_its_own_pool(threads):
    threads(2)
    elementwise.map_blocks(lambda a: np.add(a, 1, out=a), (), (np.zeros(elementwise._PARALLEL_BYTES // 8 * 4),))
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child, args=(queue,))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    assert queue.get(timeout=5) == 2.0
