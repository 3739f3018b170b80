"""Experiments of the courses, each runnable as ``layerwise experiment NAME``.

Every experiment module has a one-line docstring summary and a
``main(argv=None) -> int`` that parses its own options, prints its figures
and writes its plots.  The machinery behind ``layerwise train`` lives in
:mod:`layerwise.app`.
"""
