"""layerwise: neural networks from first principles in NumPy.

Every layer is a pair of functions: ``X_forward(...) -> (out, cache)`` and
``X_backward(dout, cache) -> grads``.  Models, update rules, the Solver, the
module API and the command line are thin layers over those kernels.
"""

from . import memory
from ._version import __version__

if memory._wanted():
    memory.keep_freed_memory()

__all__ = ["__version__", "load_model"]


def load_model(path):
    """The model saved at ``path`` by ``model.save(path)``, or the best model of a run directory."""
    from .saving import load_model as load  # importing the models only when a model is loaded

    return load(path)
