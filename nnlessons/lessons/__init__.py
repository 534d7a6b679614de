"""Helpers of individual notebooks, one module per notebook topic."""
