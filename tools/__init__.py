"""Maintainer tools of nnlessons, run from the repository root as ``python -m tools.<name>``."""
