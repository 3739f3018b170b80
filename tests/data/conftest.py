"""Shared fixtures for the data tests: isolated data roots and tiny fake CIFAR releases."""

import pytest

from layerwise.data import clear_cache, write_fake_cifar10


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test decodes its files itself (and the decoded arrays do not outlive it)."""
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def no_data_env(monkeypatch, tmp_path):
    """No $LAYERWISE_DATA and an empty home: nothing real can be found by accident."""
    monkeypatch.delenv("LAYERWISE_DATA", raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
def fake10_tar(tmp_path):
    """A fake cifar-10-python.tar.gz (20 images per batch) in tmp_path/tar."""
    return write_fake_cifar10(tmp_path / "tar", num_per_batch=20, seed=1, archive=True)


@pytest.fixture
def fake10_dir(tmp_path):
    """A fake extracted cifar-10-batches-py/ (20 images per batch) in tmp_path/dir."""
    return write_fake_cifar10(tmp_path / "dir", num_per_batch=20, seed=2, archive=False)
