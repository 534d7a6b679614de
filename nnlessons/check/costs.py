"""Checkers for the exercises of notebook costs."""

__all__ = []
