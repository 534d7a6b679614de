"""Checkers for the exercises of notebook regression."""

__all__ = []
