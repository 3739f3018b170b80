"""The application core behind the ``layerwise`` command: configs, runs, sweeps, reports.

- :mod:`.config`: ``TrainConfig``, the typed run configuration, and the
  YAML / TOML / JSON reader;
- :mod:`.runs`: train, resume and evaluate a run directory and write its report;
- :mod:`.sweep`: hyperparameter searches (Optuna, optionally on Ray);
- :mod:`.gradcheck`: the table of numerical gradient checks.
"""
