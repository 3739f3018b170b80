"""The ``lib`` package of the course built from layer objects (``lib/mlp``, ``lib/cnn``), over ``layerwise.nn``.

A notebook of that course runs with only its import prefix changed::

    from layerwise.courses.lib.mlp.fully_conn import *   # was: from lib.mlp.fully_conn import *
    from layerwise.courses.lib.cnn.cnn_models import *   # was: from lib.cnn.cnn_models import *

Each module re-exports the canonical objects (layers, models, optimizers,
``train_net``, the CIFAR-100 loader, gradient checks) under the course's module
names; a star import brings the names the course's module brings, ``np``
included.  Nothing is re-implemented here.
"""
