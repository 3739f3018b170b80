"""cs231n ``vis_utils``: image grids for weights and data, from :mod:`layerwise.vis`."""

from layerwise.vis import vis_grid, vis_nn, visualize_grid

__all__ = ["visualize_grid", "vis_grid", "vis_nn"]
