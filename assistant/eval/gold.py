"""The gold set for the bundled notes: loading it, and (phase 2) running it through `ask`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from assistant.eval import CALIBRATION_FILE, GOLD_FILE

TIERS = ("direct", "paraphrase", "multi", "typo", "partial", "unanswerable")
HEADING_SEP = " › "


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    tier: str
    question: str
    expected: tuple[str, ...]
    """Heading paths (joined with " › ") of the sections that answer it; empty = abstain."""
    key_phrases: tuple[str, ...] = ()
    """Exact substrings of the notes the quoted answer must contain (matched case-insensitively)."""
    missing: tuple[str, ...] = field(default=())
    """Question terms the notes never mention, which the answer must name (partial questions)."""

    @property
    def answerable(self) -> bool:
        return bool(self.expected)


def load_questions(path: Path | str = GOLD_FILE) -> list[GoldQuestion]:
    """Read a gold/calibration JSONL file, validating each record."""
    out: list[GoldQuestion] = []
    seen: set[str] = set()
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            obj = json.loads(line)
            q = GoldQuestion(
                id=str(obj["id"]),
                tier=str(obj["tier"]),
                question=str(obj["question"]),
                expected=tuple(obj.get("expected", [])),
                key_phrases=tuple(obj.get("key_phrases", [])),
                missing=tuple(obj.get("missing", [])),
            )
            if q.tier not in TIERS:
                raise ValueError(f"{path}:{n}: unknown tier {q.tier!r}")
            if q.id in seen:
                raise ValueError(f"{path}:{n}: duplicate id {q.id!r}")
            if (q.tier == "unanswerable") != (not q.expected):
                raise ValueError(f"{path}:{n}: only unanswerable questions lack expected sections")
            seen.add(q.id)
            out.append(q)
    return out


def load_gold() -> list[GoldQuestion]:
    return load_questions(GOLD_FILE)


def load_calibration() -> list[GoldQuestion]:
    """Questions for tuning the abstention rule; never used to measure."""
    return load_questions(CALIBRATION_FILE)
