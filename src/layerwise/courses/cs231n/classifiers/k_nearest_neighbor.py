"""cs231n ``classifiers.k_nearest_neighbor``: :class:`~layerwise.classifiers.KNearestNeighbor`."""

from layerwise.classifiers.k_nearest_neighbor import KNearestNeighbor

__all__ = ["KNearestNeighbor"]
