"""Checking that a quote is a verbatim slice of a note's lines (DESIGN invariant 1)."""

from __future__ import annotations

from corpus.read import split_lines

__all__ = ["quote_lines", "verify_quote"]


def quote_lines(file_text: str, start: int, end: int) -> str | None:
    """Lines `start..end` (1-based, inclusive) of a note joined by "\\n"; None if out of range."""
    lines = split_lines(file_text)
    if start < 1 or end < start or end > len(lines):
        return None
    return "\n".join(lines[start - 1 : end])


def verify_quote(file_text: str, start: int, end: int, quote: str) -> bool:
    """True if `quote` is exactly lines `start..end` of `file_text` joined by "\\n", or, for a
    one-line span, a substring of that line (window chunks of an over-long line)."""
    joined = quote_lines(file_text, start, end)
    if joined is None:
        return False
    return quote == joined or (start == end and bool(quote) and quote in joined)
