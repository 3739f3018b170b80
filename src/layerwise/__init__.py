"""layerwise: neural networks from first principles in NumPy.

Every layer is a pair of functions: ``X_forward(...) -> (out, cache)`` and
``X_backward(dout, cache) -> grads``.  Models, update rules, the Solver, the
module API and the command line are thin layers over those kernels.
"""

__version__ = "0.1.0"
