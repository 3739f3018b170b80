"""The dict of split arrays every loader returns."""

from __future__ import annotations

__all__ = ["DataSplits"]


class DataSplits(dict):
    """Split arrays keyed as the courses key them, metadata as attributes.

    Every value is an array (``X_train: (N, ...)``, ``y_train: (N,)``, ``X_val``,
    ``y_val``, ``X_test``, ``y_test``), so ``for k, v in data.items(): print(k, v.shape)``
    prints one line per split and nothing else.  What describes the data set rather
    than a split lives beside the dict:

    - ``class_names``: tuple of the class names, index = label;
    - ``mean_image``: the mean training image that was subtracted, or ``None``.

    ``copy()`` keeps the metadata; a plain ``dict(data)`` drops it.
    """

    def __init__(self, arrays=(), *, class_names=(), mean_image=None):
        super().__init__(arrays)
        self.class_names = tuple(class_names)
        self.mean_image = mean_image

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def copy(self) -> "DataSplits":
        return DataSplits(self, class_names=self.class_names, mean_image=self.mean_image)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}: {getattr(v, 'shape', '?')}" for k, v in self.items())
        return f"DataSplits({shapes}; {len(self.class_names)} classes)"
