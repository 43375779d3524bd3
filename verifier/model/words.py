"""Counting words, once for every message the tool writes (loader notices, findings, reports)."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``1 endpoint``, ``2 endpoints`` (``nouns`` for an irregular plural: ``1 policy``,
    ``2 policies``)."""
    return f"{count} {noun}" if count == 1 else f"{count} {nouns or noun + 's'}"


__all__ = ["plural"]
