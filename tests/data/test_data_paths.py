"""Where data are looked for."""

from pathlib import Path

from layerwise.data import DATA_ENV_VAR, default_data_root, resolve_data_root


def test_default_root_env_then_home(monkeypatch, tmp_path):
    assert DATA_ENV_VAR == "LAYERWISE_DATA"
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("LAYERWISE_DATA", str(tmp_path / "data"))
    assert default_data_root() == tmp_path / "data"
    monkeypatch.setenv("LAYERWISE_DATA", "~/elsewhere")
    assert default_data_root() == tmp_path / "elsewhere"
    monkeypatch.setenv("LAYERWISE_DATA", "  ")  # blank counts as unset
    assert default_data_root() == tmp_path / ".cache" / "layerwise"
    monkeypatch.delenv("LAYERWISE_DATA")
    assert default_data_root() == tmp_path / ".cache" / "layerwise"


def test_explicit_root_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("LAYERWISE_DATA", str(tmp_path / "env"))
    assert resolve_data_root(tmp_path / "explicit") == tmp_path / "explicit"
    assert resolve_data_root(str(tmp_path)) == tmp_path
    assert resolve_data_root() == tmp_path / "env"
    assert isinstance(resolve_data_root(), Path)
