"""How answers become Markdown for the chat (no app): note text stays literal, line for line."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from markdown_it import MarkdownIt

from assistant.models import Answer, Citation
from tui.render import BLANK, answer_markdown


def test_a_quote_with_blank_lines_keeps_its_lines_and_shows_no_stray_backslash() -> None:
    """A hard-break backslash before a blank line ends a paragraph and shows literally: the
    AWS docs' "**To pause your service**" then a blank line read "**To pause ...**\\". And the
    chat showed no gap for a blank line (paragraphs of a block quote are not spaced): a blank
    line is a line of its own, holding a braille blank."""
    quote = "**To pause**\n\n1. Open the console.\n1. Choose Pause.\n\nDone."
    c = Citation(
        n=1,
        path="p.md",
        absolute_path="/n/p.md",
        heading_path=["Pause"],
        start_line=3,
        end_line=8,
        quote=quote,
        score=0.5,
    )
    md = answer_markdown(Answer(question="q", searched_query="q", text=quote, citations=[c]))
    html = MarkdownIt("commonmark").render(md)
    assert "\\" not in html  # every escape and break was read as one, none shown
    assert html.count("<br />") == 5  # each of the six lines on its own line
    assert html.count(f"{BLANK}<br />") == 2  # the two blank lines kept
    for shown in ("**To pause**", "1. Open the console.", "1. Choose Pause.", "Done."):
        assert shown in html
