"""Checkers for the exercises of notebook backprop."""

__all__ = []
