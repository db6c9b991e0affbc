"""How answers are shown in the chat (no app): note text stays literal, line for line."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from assistant.models import Answer, Citation
from tui.render import answer_parts


def quote_at(root, path: str, line: int) -> Citation:
    """Citation [1] of "the quote" at `line` of the note `path` under `root`."""
    return Citation(
        n=1, path=path, absolute_path=str(root / path), heading_path=["P"],
        start_line=line, end_line=line, quote="the quote", score=0.5,
    )  # fmt: skip


def test_a_quote_is_shown_exactly_as_its_lines() -> None:
    """Quotes were Markdown: its view collapsed runs of spaces, so indentation was drawn with
    a braille blank (U+2800), and code selected off the screen came out with those in it;
    blank lines needed one too, and a hard-break backslash before a blank line showed. A
    quote is now its note's lines as they are, tabs as spaces, no markup read."""
    quote = "**To pause**\n\n1. Open the console.\n    if x:\n\treturn  [b]y[/b]\n\nDone."
    c = Citation(
        n=1,
        path="p.md",
        absolute_path="/n/p.md",
        heading_path=["Pause"],
        start_line=3,
        end_line=9,
        quote=quote,
        score=0.5,
    )
    parts = answer_parts(Answer(question="q", searched_query="q", text=quote, citations=[c]))
    assert [p.kind for p in parts] == ["quote", "label"]
    assert parts[0].text.plain == quote.replace("\t", "    ")
    assert "\u2800" not in parts[0].text.plain and not parts[0].text.spans
    assert parts[1].text.plain == "[1] p.md:3-9 › Pause"
    # a quote cut inside its list says so under it, as the text answer does
    cut = c.model_copy(update={"continues_to": 14})
    parts = answer_parts(Answer(question="q", searched_query="q", text=quote, citations=[cut]))
    assert parts[1].text.plain == "[1] p.md:3-9 › Pause (goes on to line 14)"


def test_a_citation_whose_note_is_gone_says_deleted_under_the_answer(tmp_path) -> None:
    """As the sources panel says "(deleted)", the label under the answer says so too (a whole
    notes folder removed while the chat runs), not "changed since indexed"."""
    kept = tmp_path / "kept.md"
    kept.write_text("# K\n\nnew text\n")

    def cite(n: int, path) -> Citation:
        return Citation(
            n=n,
            path=path.name,
            absolute_path=str(path),
            heading_path=["K"],
            start_line=3,
            end_line=3,
            quote="old text",
            score=0.5,
            changed_since_indexed=True,
        )

    answer = Answer(
        question="q",
        searched_query="q",
        text="old text",
        citations=[cite(1, kept), cite(2, tmp_path / "gone.md")],
    )
    labels = [p.text.plain for p in answer_parts(answer) if p.kind == "label"]
    assert "changed since indexed" in labels[0] and "deleted" not in labels[0]
    assert "deleted since indexed" in labels[1] and "changed" not in labels[1]


def test_an_answer_not_yet_shown_takes_its_notes_as_they_are_now(tmp_path) -> None:
    """A refresh can recheck an answer's citations before the chat has composed its view
    (CI: "No nodes match 'Markdown'"): the answer then just holds the rechecked citations,
    which the view shows when it is composed."""
    from tui.widgets.conversation import AnswerView

    note = tmp_path / "p.md"
    note.write_text("# P\nmoved below\n\nthe quote\n", encoding="utf-8")
    c = quote_at(tmp_path, "p.md", 2)
    view = AnswerView(Answer(question="q", searched_query="q", text="the quote", citations=[c]))
    assert view.recheck(["p.md"]) is False  # nothing to re-render yet, and no error
    assert (view.answer.citations[0].start_line, view.given.citations[0].start_line) == (4, 2)
    assert view.recheck(["other.md"]) is False and view.answer.citations[0].start_line == 4


def test_a_renamed_note_is_followed_not_said_deleted(tmp_path) -> None:
    """A cited note renamed while the chat ran was said "(deleted)": the refresh names the old
    path and the new one, and the quote is followed to the new one (a renamed folder too);
    a later recheck (Ctrl+R, no paths) keeps it there; a note really gone is deleted."""
    from tui.render import recheck_citation

    notes = tmp_path / "notes"
    (notes / "docs").mkdir(parents=True)
    (notes / "docs" / "old.md").write_text("# P\n\nthe quote\n", encoding="utf-8")
    c = quote_at(notes, "docs/old.md", 3)
    (notes / "docs" / "old.md").rename(notes / "docs" / "new.md")
    (notes / "docs" / "new.md").write_text("# P\n\nadded\n\nthe quote\n", encoding="utf-8")
    now, changed, gone = recheck_citation(c, c, ["docs/old.md", "docs/new.md"])
    assert (now.path, now.start_line, changed, gone) == ("docs/new.md", 5, False, False)
    # answered while the note was gone (renamed just before): followed, no longer "changed"
    was_gone = c.model_copy(update={"changed_since_indexed": True})
    assert not recheck_citation(was_gone, was_gone, ["docs/new.md"])[0].changed_since_indexed
    assert now.absolute_path == str(notes / "docs" / "new.md")
    assert recheck_citation(c, now, None)[0].path == "docs/new.md"  # Ctrl+R: still found there
    (notes / "docs").rename(notes / "kept")
    moved, changed, gone = recheck_citation(c, now, ["docs", "kept"])
    assert (moved.path, changed, gone) == ("kept/new.md", False, False)
    (notes / "kept" / "new.md").unlink()
    assert recheck_citation(c, moved, ["kept/new.md"])[1:] == (True, True)


def test_a_quote_changed_after_it_moved_is_marked_where_it_was_last_seen(tmp_path) -> None:
    """Lines added above a quote, then the quote edited: the chat marked it changed but went
    back to the lines answered, so its preview highlighted two lines the quote never held."""
    from tui.render import recheck_citation

    note = tmp_path / "p.md"
    note.write_text("# P\n\nthe quote\n", encoding="utf-8")
    c = quote_at(tmp_path, "p.md", 3)
    note.write_text("# P\n\nnew\nlines\nthe quote\n", encoding="utf-8")
    moved, changed, _ = recheck_citation(c, c, ["p.md"])
    assert (moved.start_line, changed) == (5, False)
    note.write_text("# P\n\nnew\nlines\nthe quote, edited\n", encoding="utf-8")
    now, changed, gone = recheck_citation(c, moved, ["p.md"])
    assert (now.start_line, changed, gone) == (5, True, False)
