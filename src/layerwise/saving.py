"""Trained models as files a user keeps: ``model.save(path)`` and :func:`load_model`.

A saved model is one pickle-free, checksummed ``.npz`` (see
:func:`layerwise.checkpoint.save_bundle`) holding the class and the constructor
call that built the model, its parameters, its state dicts (batchnorm running
statistics, dropout settings) and the preprocessing it was trained with (the
mean image the data had subtracted, ...).  ``load_model`` rebuilds the same
model: identical predictions, no code run from the file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import classifiers, nn  # noqa: F401  (defines, and so registers, every model class)
from .classifiers import neural_net  # noqa: F401
from .checkpoint import CheckpointError, load_bundle, restore_model_state
from .classifiers.base import MODEL_CLASSES, from_file

__all__ = ["load_model", "MODEL_FILE"]

#: The model file's name inside a run directory.
MODEL_FILE = "model.npz"


def load_model(path):
    """The model saved at ``path`` (a file written by ``model.save``, or a run directory holding ``model.npz``).

    Its ``preprocessing`` attribute holds what was saved with it.  NumPy's
    global generator is left as it was (rebuilding the model draws initial weights).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such model file or run directory: {path}")
    if path.is_dir():
        if not (path / MODEL_FILE).is_file():
            raise FileNotFoundError(f"{path} holds no {MODEL_FILE}: a run directory has one once its run has "
                                    f"finished (`layerwise resume {path}` finishes an interrupted run)")
        path = path / MODEL_FILE
    state = load_bundle(path)
    cls = MODEL_CLASSES.get(state.get("class"))
    if cls is None:
        raise CheckpointError(f"{path} holds a model of class {state.get('class')!r}; this version of layerwise "
                              f"loads {', '.join(sorted(MODEL_CLASSES))}")
    rng_state = np.random.get_state()
    try:
        model = cls(*from_file(state["args"]), **{k: from_file(v) for k, v in state["kwargs"].items()})
    finally:
        np.random.set_state(rng_state)
    model._load_arrays(state["params"], str(path))
    restore_model_state(model, state["model_state"], str(path))
    model.preprocessing = state["preprocessing"]
    return model
