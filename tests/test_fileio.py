"""Atomic writes leave the old file intact on failure and give new files normal permissions."""

import os
import stat

import pytest

from layerwise.fileio import atomic_open, atomic_write_bytes


def test_failed_write_keeps_old_content_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "f.txt"
    atomic_write_bytes(target, b"old")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_open(target) as f:
            f.write(b"half of the new")
            raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f.txt"]


def test_new_file_permissions_follow_umask_and_existing_mode_is_kept(tmp_path):
    umask = os.umask(0o022)
    try:
        new = atomic_write_bytes(tmp_path / "new.bin", b"x")
        assert stat.S_IMODE(new.stat().st_mode) == 0o644
        os.chmod(new, 0o600)
        atomic_write_bytes(new, b"y")
        assert stat.S_IMODE(new.stat().st_mode) == 0o600 and new.read_bytes() == b"y"
    finally:
        os.umask(umask)
