"""The course notebooks' own module paths, as thin facades over the canonical layerwise API.

Each subpackage mirrors one course's module layout (for example
``layerwise.courses.cs231n.classifiers.fc_net``), so a notebook runs with only
its import prefix changed.  Facades re-export; they never re-implement.
"""
