"""The question sets for real notes folders (bench/*_gold.jsonl, *_calibration.jsonl): their
shape, calibration kept apart from gold, and (where the folder is on this machine) every
expected section and key phrase present in the notes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from assistant.eval import gold
from tests.test_eval_gold_data import _words

BENCH = Path(__file__).resolve().parents[1] / "bench"
CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
FOLDERS = {
    "til": CORPORA / "til-jbranchaud" / "notes",
    "dendron": CORPORA / "dendron-vault" / "notes",
}


def sets(name: str) -> tuple[list[gold.GoldQuestion], list[gold.GoldQuestion]]:
    return (
        gold.load_questions(BENCH / f"{name}_gold.jsonl"),
        gold.load_questions(BENCH / f"{name}_calibration.jsonl"),
    )


@pytest.mark.parametrize("name", list(FOLDERS))
def test_shape(name: str) -> None:
    for questions, answerable, files in (
        (sets(name)[0], 50, 30),
        (sets(name)[1], 40, 0),
    ):
        tiers = Counter(q.tier for q in questions)
        assert len(questions) - tiers["unanswerable"] >= answerable, name
        assert tiers["unanswerable"] >= 15, name
        for tier in ("direct", "paraphrase", "multi", "typo", "partial"):
            assert tiers[tier] >= 5, (name, tier)
        assert len({e.split(gold.HEADING_SEP)[0] for q in questions for e in q.expected}) >= files
        assert all(gold.names_files(q.expected) for q in questions if q.expected)
        assert all(q.missing for q in questions if q.tier == "partial")


@pytest.mark.parametrize("name", list(FOLDERS))
def test_calibration_does_not_echo_gold(name: str) -> None:
    """Tuning on a near-copy of a gold question (same sections, most words shared) would let
    the tuning see the test."""
    g, c = sets(name)
    gold_texts = {q.question.lower() for q in g}
    assert not [q.id for q in c if q.question.lower() in gold_texts]
    echoes = [
        (cq.id, gq.id)
        for cq in c
        for gq in g
        if set(cq.expected) & set(gq.expected)
        and len(_words(cq.question) & _words(gq.question))
        / max(1, len(_words(cq.question) | _words(gq.question)))
        >= 0.6
    ]
    assert not echoes


@pytest.mark.parametrize("name", list(FOLDERS))
def test_sections_and_phrases_exist_in_the_folder(name: str) -> None:
    root = FOLDERS[name]
    if not root.is_dir():
        pytest.skip(f"{root} is not on this machine")
    from corpus.markdown import sections

    cache: dict[str, tuple[list[str], list]] = {}
    problems = []
    for q in [*sets(name)[0], *sets(name)[1]]:
        texts = []
        for ex in q.expected:
            path, *heading_path = ex.split(gold.HEADING_SEP)
            if path not in cache:
                text = (root / path).read_text(encoding="utf-8")
                cache[path] = (text.split("\n"), sections(text))
            lines, secs = cache[path]
            found = [s for s in secs if s.heading_path == heading_path]
            if not found:
                problems.append((q.id, ex))
            texts += ["\n".join(lines[s.start - 1 : s.end]).lower() for s in found]
        problems += [(q.id, p) for p in q.key_phrases if not any(p.lower() in t for t in texts)]
    assert not problems
