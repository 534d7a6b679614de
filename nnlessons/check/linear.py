"""Checkers for the exercises of notebook linear."""

__all__ = []
