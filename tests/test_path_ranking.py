"""Path ranking (`AnswerOptions.path_weight`): the candidates ranked a further time by the
question's words in their note's path, joined to the fusion; `rank_by_path` directly, then
with the real engine, store and chunker and the fast fake embedder."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import indexed_engine

from assistant.engine import Engine
from assistant.options import AnswerOptions
from index.retrieve import RRF_K, path_words, rank_by_path


def test_path_words_are_folders_and_file_name_without_suffix_or_plural_s() -> None:
    assert path_words("dendron.topic.special-notes.scratch-note.md") == [
        "dendron", "topic", "special", "note", "scratch", "note",
    ]  # fmt: skip
    assert path_words("git/Cherry_Pick-a-range.markdown") == ["git", "cherry", "pick", "a", "range"]
    assert path_words("aws/access-keys.md") == ["aws", "access", "key"]  # "ss" is no plural


def test_more_question_words_in_the_path_rank_first_and_ties_share_a_rank() -> None:
    paths = {
        1: "tmux/paste-the-last-copied-buffer.md",
        2: "tmux/paste-the-last-copied-buffer.md",  # a second piece of the same note
        3: "tmux/open-a-buffer-chooser.md",
        4: "vim/paste-from-a-register.md",
        5: "git/cherry-pick.md",
        6: "unix/list-buffers.md",
        7: "ruby/string-methods.md",
        8: "sql/window-functions.md",
    }
    ranks = rank_by_path(["paste", "copied", "buffer", "tmux"], paths)
    assert ranks[1] == ranks[2] == 1  # paste, copied, buffer and tmux
    assert ranks[3] == 3  # tmux and buffer: behind both pieces of the note holding four
    assert (ranks[6], ranks[4]) == (4, 5)  # one word each: fewer other words first
    assert 5 not in ranks  # holds none of them


def test_fewer_other_words_break_a_tie_and_common_path_words_count_for_nothing() -> None:
    paths = {1: "lookup/modifiers.md", 2: "lookup/modifiers-and-filters-in-depth.md", 3: "x.md"}
    paths |= {4: "y.md", 5: "z.md"}
    assert rank_by_path(["modifiers"], paths) == {1: 1, 2: 2}
    names = ["pause", "deploy", "logs", "domains"]
    common = {i: f"app-runner/{name}.md" for i, name in enumerate(names)}
    common |= {4: "ecs/pause-a-service.md", 5: "ecs/logs.md"}
    # "app" and "runner" are in four of the six paths: only "pause" tells them apart.
    assert rank_by_path(["pause", "app", "runner"], common) == {0: 1, 4: 2}


def test_one_note_among_the_candidates_ranks_nothing() -> None:
    assert rank_by_path(["scratch"], {1: "scratch.md", 2: "scratch.md"}) == {}


FILLER = "Notes are plain Markdown files kept in folders by topic."


def notes_folder(tmp: Path) -> Path:
    notes = tmp / "notes"
    (notes / "tmux").mkdir(parents=True)
    (notes / "vim").mkdir()
    (notes / "tmux" / "choose-buffer.md").write_text(
        "# Choose a buffer\n\nOpens an interactive list of what was copied before.\n",
        encoding="utf-8",
    )
    (notes / "vim" / "registers.md").write_text(
        "# Registers\n\nWhat was copied before is kept in numbered registers.\n",
        encoding="utf-8",
    )
    (notes / "filler.md").write_text(f"# Filler\n\n{FILLER}\n", encoding="utf-8")
    return notes


def engine(notes: Path, tmp: Path, options: AnswerOptions) -> Engine:
    return indexed_engine(notes, tmp / "index", options)


QUESTION = "How do I get back something I copied before in tmux?"


def test_the_note_filed_under_the_questions_word_gains_the_path_ranking(tmp_path: Path) -> None:
    notes = notes_folder(tmp_path)
    assert AnswerOptions().path_weight == 0.5
    hits = engine(notes, tmp_path, AnswerOptions()).search(QUESTION, k=3)
    by_path = {h.chunk.path: h for h in hits}
    assert by_path["tmux/choose-buffer.md"].path_rank == 1  # "tmux" is only in its path
    assert by_path["vim/registers.md"].path_rank is None
    for h in hits:  # the fused score: BM25 and dense at weight 1, the path ranking at 0.5
        ranks = [(1.0, h.lexical_rank), (1.0, h.dense_rank), (0.5, h.path_rank)]
        expected = sum(w / (RRF_K + r) for w, r in ranks if r is not None)
        assert h.score == pytest.approx(expected)
    assert hits[0].chunk.path == "tmux/choose-buffer.md"


def test_path_weight_zero_is_the_two_list_fusion(tmp_path: Path) -> None:
    notes = notes_folder(tmp_path)
    off = engine(notes, tmp_path, AnswerOptions(path_weight=0)).search(QUESTION, k=3)
    assert off and all(h.path_rank is None for h in off)
    assert off[0].chunk.path == "vim/registers.md"  # BM25 and dense alone rank it first
    for h in off:
        ranks = (h.lexical_rank, h.dense_rank)
        assert h.score == pytest.approx(sum(1 / (RRF_K + r) for r in ranks if r is not None))


def test_search_output_shows_the_path_rank_that_adds_to_the_score(tmp_path: Path) -> None:
    from assistant.output import format_hits

    notes = notes_folder(tmp_path)
    e = engine(notes, tmp_path, AnswerOptions())
    text = format_hits(e.search(QUESTION, k=3), color=False)
    first = text.split("\n")[0]
    assert first.startswith("1. tmux/choose-buffer.md") and ", path #1" in first
    assert ", path #" not in text.split("\n2. ")[1].split("\n")[0]  # vim/registers.md: none
    found = e.section_hits(e.search(QUESTION, k=3))  # search --json, the MCP search tool
    assert (found[0].path, found[0].path_rank, found[1].path_rank) == (
        "tmux/choose-buffer.md",
        1,
        None,
    )


def test_a_note_named_by_a_word_only_its_path_holds_is_found(tmp_path: Path) -> None:
    """ "What does 202401151030 say?" (a Zettelkasten note's ID, its file name) and "W12"
    (`2025-W12-retro.md`) found other notes: neither search reads paths, and the path ranking
    only reorders what they found. A word no section writes, or an ID (four digits or more),
    that at most three notes' paths hold names them: they rank first among the keyword matches
    (path ranking off: not), ahead of an index note that links to one by its ID."""
    notes = tmp_path / "notes"
    (notes / "zettel").mkdir(parents=True)
    (notes / "zettel" / "202401151030.md").write_text(
        "# Spaced repetition\n\nReview a card just before you would forget it.\n", "utf-8"
    )
    (notes / "zettel" / "202401151045.md").write_text(
        "# Interleaving\n\nMix topics in one session to learn them apart.\n", "utf-8"
    )
    # an index note writes the ID as a link: the ID still names its own note first
    (notes / "zettel" / "202401010900.md").write_text(
        "# Index\n\n- [[202401151030]] Spaced repetition\n- [[202401151045]]\n", "utf-8"
    )
    for week, good in (("2025-W08-retro", "pairing"), ("2025-W12-retro", "the release")):
        (notes / f"{week}.md").write_text(f"# Retro\n\nWent well: {good}.\n", "utf-8")
    for i in range(4):  # "journal" is in four paths: no note's name
        (notes / f"journal-{i}.md").write_text(f"# Day {i}\n\nNothing about {i}.\n", "utf-8")
    (notes / "filler.md").write_text(f"# Filler\n\n{FILLER}\n", encoding="utf-8")
    eng = engine(notes, tmp_path, AnswerOptions())
    for question, path in [
        ("What does 202401151030 say?", "zettel/202401151030.md"),
        ("what went well in W12", "2025-W12-retro.md"),
    ]:
        assert eng.search(question, k=3, mode="bm25")[0].chunk.path == path
        assert eng.search(question, k=3)[0].chunk.path == path
    assert not eng.search("journal", k=3, mode="bm25")  # no section writes it: nothing named
    only = eng.search("What does 202401151030 say?", k=3, mode="bm25", paths=["2025*"])
    assert all(h.chunk.path.startswith("2025") for h in only)
    off = engine(notes, tmp_path / "off", AnswerOptions(path_weight=0))
    found = off.search("What does 202401151030 say?", k=3, mode="bm25")
    assert [h.chunk.path for h in found] == ["zettel/202401010900.md"]  # only the index links


def test_a_year_in_a_path_names_no_note_a_section_writes_it_in(tmp_path: Path) -> None:
    """A year is no ID: "the week of 17 June 2024" put the two postmortems whose file names
    start "2024-" first among the keyword matches, ahead of the rota whose table writes the
    day, and the rota's lines were never scored (the answer declined)."""
    notes = tmp_path / "notes"
    (notes / "postmortems").mkdir(parents=True)
    for name in ("2024-02-email-delay", "2024-04-vpn-outage"):
        (notes / "postmortems" / f"{name}.md").write_text(
            f"# {name[8:]}\n\nWhat broke and why; on call that week: Sam.\n", "utf-8"
        )
    (notes / "rota.md").write_text(
        "# On-call rota\n\n| Week | Primary |\n|---|---|\n| 17 June 2024 | Priya |\n", "utf-8"
    )
    (notes / "filler.md").write_text(f"# Filler\n\n{FILLER}\n", encoding="utf-8")
    eng = engine(notes, tmp_path, AnswerOptions())
    found = eng.search("who is on call the week of 17 June 2024", k=3, mode="bm25")
    assert found[0].chunk.path == "rota.md"
