"""Checkpoint files: both the JSON state and the arrays are verified before use."""

import json

import numpy as np
import pytest

from layerwise.checkpoint import CheckpointError, load_checkpoint, save_checkpoint


def _state():
    return {"epoch": 14, "lr": 1e-3, "nan": float("nan"), "history": [{"val_acc": 0.5}], "W": np.arange(6.0)}


def test_round_trip(tmp_path):
    path = save_checkpoint(tmp_path / "ck", _state())
    state = load_checkpoint(tmp_path / "ck")
    assert state["epoch"] == 14 and np.isnan(state["nan"]) and np.array_equal(state["W"], np.arange(6.0))
    assert json.loads(path.read_text())["version"] == 2


@pytest.mark.parametrize("edit", [
    lambda doc: doc["state"].__setitem__("epoch", 74),                     # a changed counter
    lambda doc: doc["state"]["history"][0].__setitem__("val_acc", 0.9),    # a changed history entry
    lambda doc: doc["state"].pop("lr"),                                    # a removed entry
])
def test_an_edited_state_is_refused_naming_the_file(tmp_path, edit):
    path = save_checkpoint(tmp_path / "ck", _state())
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc))
    with pytest.raises(CheckpointError, match=r"checkpoint .*ck\.json has been modified or is corrupt"):
        load_checkpoint(tmp_path / "ck")


def test_a_version_1_checkpoint_without_the_state_checksum_still_loads(tmp_path):
    path = save_checkpoint(tmp_path / "ck", _state())
    doc = json.loads(path.read_text())
    doc["version"] = 1
    del doc["state_sha256"]
    path.write_text(json.dumps(doc))
    assert load_checkpoint(tmp_path / "ck")["epoch"] == 14
