"""Line retrieval (`AnswerOptions.line_pool`): the candidates of BM25 and dense search ranked a
third time by their best stored line, fused with the other two; with the real engine, store and
chunker and the fast fake embedder."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import indexed_engine

from assistant.engine import Engine
from assistant.options import AnswerOptions
from index.retrieve import RRF_K

FILLER = [
    "Placement strategies spread tasks across zones for availability.",
    "Capacity providers manage scaling of the underlying instances.",
    "Task definitions describe the containers, ports and volumes.",
    "Service discovery registers tasks in a private namespace.",
    "Log drivers forward container output to a destination.",
    "Secrets are injected as environment variables at start.",
]


def notes_folder(tmp: Path) -> Path:
    notes = tmp / "notes"
    notes.mkdir()
    answer = "An exec session closes after an idle timeout of 20 minutes."
    long = "\n\n".join([*FILLER[:3], answer])
    (notes / "ecs.md").write_text(
        "# Considerations\n\n" + long + "\n\n" + "\n\n".join(FILLER[3:]) + "\n\n"
        "# Exec sessions\n\nStart a shell in a running container with execute-command.\n\n"
        "# Links\n\n- [Idle timeout settings](timeout.md)\n- [Exec session docs](exec.md)\n",
        encoding="utf-8",
    )
    return notes


ON = AnswerOptions(line_pool=100)


def engine(notes: Path, tmp: Path, options: AnswerOptions = ON) -> Engine:
    return indexed_engine(notes, tmp / "index", options)


QUESTION = "What is the idle timeout of an exec session?"


def test_a_long_sections_answering_line_ranks_it_and_joins_the_fusion(tmp_path: Path) -> None:
    notes = notes_folder(tmp_path)
    hits = engine(notes, tmp_path).search(QUESTION, k=5)
    by_heading = {h.chunk.heading_path[-1]: h for h in hits}
    best = by_heading["Considerations"]
    assert best.line_rank == 1  # its one answering line beats every other section's lines
    for h in hits:  # the fused score is the sum over the three rankings
        ranks = (h.lexical_rank, h.dense_rank, h.line_rank)
        assert h.score == pytest.approx(sum(1 / (RRF_K + r) for r in ranks if r is not None))


def test_line_pool_zero_the_default_is_the_two_list_fusion(tmp_path: Path) -> None:
    notes = notes_folder(tmp_path)
    assert AnswerOptions().line_pool == 0
    off = engine(notes, tmp_path, AnswerOptions()).search(QUESTION, k=5)
    assert off and all(h.line_rank is None for h in off)
    for h in off:
        ranks = (h.lexical_rank, h.dense_rank)
        assert h.score == pytest.approx(sum(1 / (RRF_K + r) for r in ranks if r is not None))
    assert engine(notes, tmp_path).search(QUESTION, k=5, mode="bm25")[0].line_rank is None


def test_a_line_of_nothing_but_links_ranks_nothing_under_the_link_rule(tmp_path: Path) -> None:
    notes = notes_folder(tmp_path)
    q = "Idle timeout settings and exec session docs"

    def links_rank(options: AnswerOptions) -> int | None:
        hits = engine(notes, tmp_path, options).search(q, k=5)
        return next(h.line_rank for h in hits if h.chunk.heading_path == ["Links"])

    assert links_rank(ON) is None  # every line of it only links elsewhere
    assert links_rank(AnswerOptions(line_pool=100, links=False)) is not None


def test_explain_shows_each_candidates_line_rank(tmp_path: Path) -> None:
    a = engine(notes_folder(tmp_path), tmp_path).ask(QUESTION, explain=True)
    assert a.explain is not None and a.explain.options["line_pool"] == 100
    assert any(c.line_rank == 1 for c in a.explain.candidates)
