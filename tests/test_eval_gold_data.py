"""The gold and calibration sets are well formed and point at real sections and phrases."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from assistant.eval import gold

NOTES = Path(__file__).resolve().parents[1] / "corpus" / "notes" / "aws-containers.md"
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def sections() -> dict[str, list[str]]:
    """Heading path -> the section's own lines (heading to the next heading)."""
    out: dict[str, list[str]] = {}
    stack: list[tuple[int, str]] = []
    current: str | None = None
    for line in NOTES.read_text(encoding="utf-8").splitlines():
        m = HEADING.match(line)
        if m:
            level = len(m.group(1))
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, m.group(2)))
            current = gold.HEADING_SEP.join(t for _, t in stack)
            out[current] = [line]
        elif current is not None:
            out[current].append(line)
    return out


SECTIONS = sections()
GOLD = gold.load_gold()
CALIB = gold.load_calibration()


def test_notes_sections_as_expected():
    assert len(SECTIONS) == 10
    assert "Intro › EC2 Launch Type – Auto Scaling EC2 Instance" in SECTIONS


@pytest.mark.parametrize("questions", [GOLD, CALIB], ids=["gold", "calibration"])
def test_expected_sections_and_key_phrases_exist(questions):
    for q in questions:
        for path in q.expected:
            assert path in SECTIONS, (q.id, path)
        text = "\n".join(line for p in q.expected for line in SECTIONS[p]).lower()
        for phrase in q.key_phrases:
            assert phrase.lower() in text, (q.id, phrase)
        for term in q.missing:
            assert term.lower() not in NOTES.read_text().lower(), (q.id, term)
        if q.answerable:
            assert q.key_phrases, q.id


def test_gold_set_shape():
    tiers = Counter(q.tier for q in GOLD)
    assert len(GOLD) >= 60
    assert tiers["unanswerable"] >= 12
    for tier in ("direct", "paraphrase", "multi", "typo"):
        assert tiers[tier] >= 8, tier
    assert all(len(q.expected) == 2 for q in GOLD if q.tier == "multi")
    targets = Counter(p for q in GOLD for p in q.expected)
    for path in SECTIONS:
        assert targets[path] >= 3, path


def test_calibration_is_separate():
    assert len(CALIB) >= 30
    gold_questions = {q.question.lower() for q in GOLD}
    assert not [q.id for q in CALIB if q.question.lower() in gold_questions]
    tiers = Counter(q.tier for q in CALIB)
    assert tiers["unanswerable"] >= 10 and tiers["partial"] >= 3
    assert len(CALIB) - tiers["unanswerable"] >= 15


def test_questions_do_not_copy_note_lines():
    lines = {
        re.sub(r"^[\s#*-]+", "", line).strip().lower()
        for body in SECTIONS.values()
        for line in body
    }
    lines.discard("")
    for q in GOLD:
        assert q.question.lower().rstrip("?. ") not in lines, q.id


_STOP = set(
    "a an the is are do does i my can to of for in on with what which how where who when be "
    "there it this that and or from me get at by as".split()
)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP}


def test_calibration_does_not_echo_gold_questions():
    """Calibration tunes the abstention rule; a near-copy of a gold question (same target, most
    words shared) would let the tuning see the test. Reword it instead."""
    echoes = []
    for c in CALIB:
        for g in GOLD:
            a, b = _words(c.question), _words(g.question)
            if c.expected == g.expected and a and len(a & b) / len(a | b) >= 0.6:
                echoes.append((c.id, g.id))
    assert not echoes
