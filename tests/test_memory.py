"""Allocator tuning: on by default under glibc, off on request."""

import subprocess
import sys

import pytest

from layerwise import memory


def test_glibc_takes_the_setting():
    if not sys.platform.startswith("linux"):
        pytest.skip("glibc only")
    assert memory.keep_freed_memory() is True


@pytest.mark.parametrize("env, wanted", [
    ({}, True),
    ({"LAYERWISE_KEEP_FREED_MEMORY": "0"}, False),
    ({"LAYERWISE_KEEP_FREED_MEMORY": "off"}, False),
    ({"LAYERWISE_KEEP_FREED_MEMORY": "1"}, True),
    ({"MALLOC_MMAP_THRESHOLD_": "65536"}, False),   # the user tuned glibc: leave it alone
    ({"MALLOC_TRIM_THRESHOLD_": "65536"}, False),
])
def test_the_environment_decides(monkeypatch, env, wanted):
    for name in ("LAYERWISE_KEEP_FREED_MEMORY", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert memory._wanted() is wanted


def test_freed_arrays_are_reused_without_new_page_faults():
    """After one large array is freed, the next one of the same size touches no fresh page."""
    if not sys.platform.startswith("linux"):
        pytest.skip("glibc only")
    code = (
        "import resource, numpy as np, layerwise\n"
        "def step():\n"
        "    a = np.ones(64 * 2**20 // 8)\n"
        "    return float(a[-1])\n"
        "step()\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
        "step(); step()\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)\n"
    )
    faults = {}
    for setting in ("1", "0"):
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={"LAYERWISE_KEEP_FREED_MEMORY": setting, "PATH": ""})
        faults[setting] = int(run.stdout)
    assert faults["1"] < 100 < faults["0"]
