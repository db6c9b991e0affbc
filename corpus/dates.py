"""Calendar days written in text: a question's "on 2024-04-23" or "April 23rd", a daily note's
file name (`daily/2024-04-23.md`, Logseq's `journals/2024_04_23.md`) or a journal's heading
("## 2024-04-23", "### Apr 23rd, 2024")."""

from __future__ import annotations

import re

Day = tuple[int | None, int, int]
"""(year or None when not written, month, day)."""

_MONTHS = {
    name: n
    for n, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        1,
    )
    for name in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_NUMERIC = re.compile(r"(?<![\d.])(\d{4})[-_./](\d{1,2})[-_./](\d{1,2})(?![\d])")
_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"
_NAMED = re.compile(
    rf"(?:\b(on|in|since|by|before|after|until|from|of)\s+)?"
    rf"\b(?:{_ORDINAL}\s+(?:of\s+)?({_MONTH})\.?|({_MONTH})\.?\s+{_ORDINAL})(?![\w:])"
    r"(?:,?\s+(\d{4})(?!\d))?",
    re.IGNORECASE,
)
_DOTTED = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d.])")
"""A day as Europe writes it: 19.03.2024 (day first)."""
_VERBS = {"may", "mar", "march", "jan", "sep", "dec", "oct"}
"""Month names that are also words ("how may 2 tasks…"): lowercase, a month only after "on",
"in", "since" and the like ("on march 5"), or with an ordinal or a year ("march 5th")."""


def days_in(text: str) -> set[Day]:
    """The calendar days `text` writes: ISO-like numbers (2024-04-23, 2024_04_23, 2024/4/23)
    and a month's name with a day ("April 23", "23rd of April 2024", "Apr 23rd, 2024")."""
    out: set[Day] = set()
    for y, m, d in _NUMERIC.findall(text):
        _add(out, int(y), int(m), int(d))
    for d, m, y in _DOTTED.findall(text):
        _add(out, int(y), int(m), int(d))
    for match in _NAMED.finditer(text):
        if not _a_month(match):
            continue
        _, day1, month1, month2, day2, year = match.groups()
        month = month1 or month2
        _add(out, int(year) if year else None, _MONTHS[month.lower()], int(day1 or day2))
    return out


def _a_month(match: re.Match[str]) -> bool:
    """Whether a `_NAMED` match is a day, not a word that spells a month ("may 2")."""
    before, _, month1, month2, _, year = match.groups()
    month = month1 or month2
    if month.lower() not in _VERBS or month[0].isupper():
        return True
    return bool(before or year or re.search(r"\d(?:st|nd|rd|th)\b", match.group(0), re.I))


def _add(out: set[Day], year: int | None, month: int, day: int) -> None:
    if 1 <= month <= 12 and 1 <= day <= 31:
        out.add((year, month, day))


def same_day(a: Day, b: Day) -> bool:
    """The same calendar day, a year left unwritten matching any."""
    return a[1:] == b[1:] and (a[0] is None or b[0] is None or a[0] == b[0])


def names_day(text: str, days: set[Day]) -> bool:
    """Whether `text` (a note's path, a heading) writes one of `days`."""
    return any(same_day(a, b) for a in days_in(text) for b in days)


def day_phrases(text: str) -> list[str]:
    """The days `text` writes, as it writes them: "2024-04-23", "April 23rd"."""
    spans = [m.group(0) for m in [*_NUMERIC.finditer(text), *_DOTTED.finditer(text)]]
    spans += [
        m.group(0)[len(m.group(1) or "") :].strip() for m in _NAMED.finditer(text) if _a_month(m)
    ]
    return spans


def day_words(text: str) -> set[str]:
    """The words (lower-cased) that write `text`'s days: "april", "23rd", "2024", "04"."""
    return {w.lower() for s in day_phrases(text) for w in re.findall(r"[^\W_]+", s)}
