"""UCLA ``utils.solver``: the :class:`~layerwise.solver.Solver`."""

from layerwise.solver import Solver

__all__ = ["Solver"]
