"""Checkers for the exercises of notebook forward."""

__all__ = []
