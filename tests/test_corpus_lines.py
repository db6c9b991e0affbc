"""Line roles from the Markdown parse (`corpus.lines.LineRoles`): code is never a heading or
a list item (the quote rules that use them: tests/test_answer_rules.py)."""

from __future__ import annotations

from assistant.stages.shape import parent_start
from corpus.lines import LineRoles


def roles(text: str) -> LineRoles:
    return LineRoles.of(text.split("\n"))


def test_a_comment_in_a_fenced_code_block_is_no_heading() -> None:
    r = roles("# Install\n\n```bash\n# install the agent\nyum install -y ecs-init\n```\n## Next")
    assert [i for i in range(7) if r.is_heading(i)] == [0, 6]
    assert [i for i in range(7) if r.is_fence(i)] == [2, 5]
    assert [i for i in range(7) if r.in_code(i)] == [3, 4]
    assert r.fence_open(4) == 2 and r.fence_close(2) == 5 and r.fence_close(5) == 5


def test_a_tilde_fence_is_a_fence_and_a_backtick_line_inside_it_is_code() -> None:
    r = roles("~~~json\n```\n- key: value\n~~~\nAfter.")
    assert [i for i in range(5) if r.is_fence(i)] == [0, 3]
    assert [r.open_after(i) for i in range(5)] == [True, True, True, False, False]
    assert not r.is_item(2)  # a YAML-looking line in code is no list item


def test_an_unclosed_fence_runs_to_the_end() -> None:
    r = roles("Text\n\n```\ncode\nmore")
    assert r.is_fence(2) and r.fence_close(2) is None and r.open_after(4)
    assert not r.is_fence(4)


def test_an_indented_code_block_is_code_and_its_hash_lines_no_headings() -> None:
    r = roles("Run:\n\n    # a comment\n    make build\n\nDone.")
    assert r.in_code(2) and r.in_code(3) and not r.is_heading(2)
    assert not r.is_fence(2) and not r.open_after(3)  # no fence: nothing to close


def test_setext_headings_are_headings_text_and_underline() -> None:
    r = roles("Title\n=====\n\nText.\n\nSub\n---\nMore.")
    assert [i for i in range(8) if r.is_heading(i)] == [0, 1, 5, 6]


def test_a_nested_list_item_knows_its_parent_item() -> None:
    text = "- a\n  - b\n    - c\n  - d\n- e\n\n1. one\n   - two"
    r = roles(text)
    assert [i for i in range(8) if r.is_item(i)] == [0, 1, 2, 3, 4, 6, 7]
    assert [r.parent_item(i) for i in (0, 1, 2, 3, 4, 6, 7)] == [None, 0, 1, 0, None, None, 6]
    assert parent_start(r, 2, 0) == 0  # the outermost item in reach
    assert parent_start(r, 2, 1) == 1  # ... not above the chunk's first line
    assert parent_start(r, 5, 0) == 5  # no item: unchanged


def test_a_table_knows_its_header_row() -> None:
    r = roles("Intro.\n\n| Name | Value |\n|---|---|\n| a | 1 |\n| b | 2 |\n\nAfter.")
    assert [i for i in range(8) if r.in_table(i)] == [2, 3, 4, 5]
    assert [r.table_header(i) for i in range(8)] == [None, None, None, 2, 2, 2, None, None]
    assert [i for i in range(8) if r.is_table_rule(i)] == [3]


def test_a_callout_knows_its_title_and_a_plain_block_quote_has_none() -> None:
    r = roles("> [!tip]- Restore test\n> Once a month.\n> Diff it.\n\n> Quoted.\n> More.")
    assert [r.callout_title(i) for i in range(6)] == [None, 0, 0, None, None, None]
    r = roles("Intro.\n\n> [!NOTE]\n> GitHub alert.\n\n```\n> [!tip] in code\n> x\n```")
    assert [r.callout_title(i) for i in range(9)] == [
        None,
        None,
        None,
        2,
        None,
        None,
        None,
        None,
        None,
    ]


def test_roles_shifted_to_a_chunk_read_its_lines_from_its_first() -> None:
    r = roles("# H\n\n```\na\nb\n```").shifted(3)  # a chunk starting at file line 4, "a"
    assert r.open_after(-1) and r.fence_open(0) == -1 and r.fence_close(1) == 2
    assert r.is_heading(-3) and not r.is_heading(0)


def test_front_matter_is_no_thematic_break_or_heading() -> None:
    r = roles("---\ntitle: x\n---\n# H\nText")
    assert [i for i in range(5) if r.is_heading(i)] == [3]
    r = LineRoles.of("Text\n---".split("\n"), front_matter=False)  # a chunk's own text
    assert r.is_heading(0) and r.is_heading(1)


def test_lines_of_nothing_but_html_comment_are_comments() -> None:
    text = (
        "# Plan\n<!-- TODO: write it -->\n<!--\nrollback steps go here\n-->\n"
        "<!-- aside --> Deploy first.\n> <!-- quoted -->\n<div>\nshown\n</div>\n\n"
        "```html\n<!-- in code -->\n```\n<!-- never closed\nstill a comment"
    )
    r = roles(text)
    n = text.count("\n") + 1
    assert [i for i in range(n) if r.is_comment(i)] == [1, 2, 3, 4, 6, 14, 15]
    assert r.shifted(1).is_comment(0) and not r.shifted(1).is_comment(4)


def test_lines_of_nothing_but_obsidian_comment_are_comments() -> None:
    """ "%% remember to expense the taxi %%" was quoted as the answer, where the same words in
    "<!-- -->" were not: Obsidian never shows a "%%" comment, on one line or over several;
    words beside one, or "%%" in code, are shown."""
    text = (
        "# Day\nPaid the taxi.\n%% expense the taxi: 23.50 %%\nShown %% hidden %% shown\n"
        "%%\nprivate thoughts\n%%\nAfter.\n```\nprintf %% x %%\n```"
    )
    r = roles(text)
    n = text.count("\n") + 1
    assert [i for i in range(n) if r.is_comment(i)] == [2, 4, 5, 6]
