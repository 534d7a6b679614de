"""Maintainer tools, one module each, run from the repository root as ``python -m tools.<name>``.

They are not part of the installed package (a learner never needs them):
``execute_notebooks`` re-runs notebooks in place, ``handouts`` writes the student
versions, ``student`` and ``links`` keep the committed ones and the launch links current,
``workspace`` lays out the learner's ``work/``, ``site`` builds the course website,
``build_mnist_subset`` rebuilds the shipped MNIST subset, ``lower_bounds`` pins every
lower bound for ``make test-oldest``. Tests import them as ``from tools import handouts``.
"""
