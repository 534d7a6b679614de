"""Checkers for the exercises of notebook digits."""

__all__ = []
