"""Data files that ship with nnlessons (see LICENSE-MNIST.md for the MNIST files)."""
