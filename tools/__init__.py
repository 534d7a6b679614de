"""Maintainer tools, one module each, run from the repository root as ``python -m tools.<name>``.

They are not part of the installed package (a learner never needs them).
Tests import them as ``from tools import handouts``.
"""
