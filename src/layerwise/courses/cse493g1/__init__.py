"""UW CSE 493G1's module layout (a copy of cs231n's): each module re-exports :mod:`layerwise.courses.cs231n`'s."""

__all__ = []
