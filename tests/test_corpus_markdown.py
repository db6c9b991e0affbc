"""Chunker: sections, exact spans, front matter, long-section splitting."""

from __future__ import annotations

import time

import pytest

from corpus import BUNDLED_NOTES
from corpus.markdown import CHUNKER_VERSION, chunk_note, says_nothing, section_at, sections
from corpus.models import HEADING_SEP, text_hash
from corpus.quote import verify_quote
from corpus.read import read_note, split_lines

SEED = BUNDLED_NOTES / "aws-containers.md"


def words(s: str) -> int:
    return len(s.split())


def big(s: str) -> int:  # a counter under which nothing is ever too long
    return 1


def spans(nc):
    return [(c.start_line, c.end_line, HEADING_SEP.join(c.heading_path)) for c in nc.chunks]


def check_text(text: str, nc) -> None:
    """Every chunk's text is exactly its lines (or a substring of its single line)."""
    lines = split_lines(text)
    for c in nc.chunks:
        joined = "\n".join(lines[c.start_line - 1 : c.end_line])
        assert c.text == joined or (c.start_line == c.end_line and c.text in joined), c
        assert c.content_hash == text_hash(c.embed_text())
    for c in nc.chunks[:20]:
        assert verify_quote(text, c.start_line, c.end_line, c.text)


SEED_SECTIONS = [
    (1, 5, "Intro"),
    (7, 9, "Intro › Hands-on lab"),
    (11, 22, "Intro › EC2 Launch Type"),
    (24, 25, "Intro › Fargate Launch Type"),
    (27, 30, "Intro › Load balancer integration"),
    (32, 41, "Intro › ECS Service Autoscaling"),
    (44, 52, "Intro › EC2 Launch Type – Auto Scaling EC2 Instance"),
    (55, 67, "Elastic Kubernetes Service - EKS"),
    (69, 76, "Elastic Kubernetes Service - EKS › Amazon EKS – Data Volumes"),
    (78, 80, "AWS APP Runner"),
]


def test_seed_notes_exact_spans():
    text = read_note(SEED).text
    lines = split_lines(text)
    assert len(lines) == 80
    nc = chunk_note("aws-containers.md", text, words, 256)
    assert spans(nc) == SEED_SECTIONS
    check_text(text, nc)
    for c in nc.chunks:
        assert c.path == "aws-containers.md"
        assert c.text.split("\n")[0].lstrip("#").strip() == c.heading_path[-1]
        assert c.text == "\n".join(lines[c.start_line - 1 : c.end_line])
        assert c.context == ""
    lb = nc.chunks[4]
    assert lb.text.split("\n")[1:] == [
        "- ALB - Preferred",
        "- NLB - Exceptional cases",
        "- ELB - Supported by not recommended, Fargate not supported",
    ]
    auto = nc.chunks[5]
    assert " - Types" in auto.text.split("\n")  # the one-space indent is kept verbatim
    assert auto.text.endswith("(predictable changes")  # unclosed parenthesis, last non-blank
    assert "from the ALB " in auto.text  # trailing space kept
    assert nc.title is None and nc.tags == []
    assert isinstance(CHUNKER_VERSION, int)


def test_seed_section_at():
    text = read_note(SEED).text
    assert section_at(text, 28) == (27, 30, ["Intro", "Load balancer integration"])
    assert section_at(text, 27) == (27, 30, ["Intro", "Load balancer integration"])
    assert section_at(text, 42) == (32, 41, ["Intro", "ECS Service Autoscaling"])  # blank after
    assert section_at(text, 80) == (78, 80, ["AWS APP Runner"])
    assert section_at(text, 81) is None
    assert section_at(text, 0) is None
    assert [(s.start, s.end, HEADING_SEP.join(s.heading_path)) for s in sections(text)] == (
        SEED_SECTIONS
    )


def test_seed_split_small_limit_is_exact_and_within_limit():
    text = read_note(SEED).text
    lines = split_lines(text)
    for limit in (20, 30, 60):
        nc = chunk_note("aws-containers.md", text, words, limit)
        check_text(text, nc)
        for c in nc.chunks:
            assert words(c.embed_text()) <= limit, (limit, c)
        # Whole-line pieces of a section never overlap and cover its non-blank lines.
        for start, end, head in SEED_SECTIONS:
            got = [c for c in nc.chunks if HEADING_SEP.join(c.heading_path) == head]
            covered = []
            for c in got:
                if c.start_line == c.end_line and c.text != lines[c.start_line - 1]:
                    continue  # a window piece
                covered.extend(range(c.start_line, c.end_line + 1))
            assert len(covered) == len(set(covered))
            want = {n for n in range(start, end + 1) if lines[n - 1].strip()}
            windows = {c.start_line for c in got if c.text != lines[c.start_line - 1]}
            assert want == set(covered) | windows


def test_nested_list_items_keep_parent_as_context():
    text = read_note(SEED).text
    nc = chunk_note("aws-containers.md", text, words, 25)
    by_line = {c.start_line: c for c in nc.chunks}
    # "Managed Node Groups" children carry the item chain as context.
    c = by_line[60]
    assert c.context.split("\n") == ["- Node Types", "- Managed Node Groups"]
    assert "Node Types" in c.embed_text()
    assert c.heading_path == ["Elastic Kubernetes Service - EKS"]


def test_an_outline_item_that_is_a_heading_heads_a_section():
    """Logseq writes every line as a list item, its headings too: a bakery's `Recipe
    Costing.md` was one section cut by length, its citations under no heading, and "How much
    does a croissant cost to make?" never reached the croissant's costing. A top-level item
    that is a heading heads a section of its nested items; the page's items after them are
    the page's again; a heading nested deeper, or a list without one, is as before."""
    text = (
        "tags:: admin, money\n"
        "\n"
        "- how I cost: ingredients only\n"
        "\t- target: food cost under 30%\n"
        "- ## Sourdough loaf\n"
        "\t- batch = £13.36 / 24 = £0.56/loaf\n"
        "- ## Croissant\n"
        "\t- batch = £32.70 / 60 = £0.55 each\n"
        "\t\t- ### Butter\n"
        "\t\t- 2.75kg at £8.40\n"
        "- Overall food cost last month: 27%\n"
        "- TODO redo all costings in April\n"
    )
    got = [(s.start, s.end, s.heading_path) for s in sections(text, "Recipe Costing.md")]
    assert got == [
        (1, 4, []),
        (5, 6, ["Sourdough loaf"]),
        (7, 10, ["Croissant"]),
        (11, 12, []),
    ]
    nc = chunk_note("Recipe Costing.md", text, big, 256)
    check_text(text, nc)
    assert ("Croissant", 7) in [(HEADING_SEP.join(c.heading_path), c.start_line) for c in nc.chunks]
    plain = "- one\n- two\n  - ## nested heading\n"
    assert [s.heading_path for s in sections(plain, "p.md")] == [[]]


def test_preamble_setext_code_fence():
    text = "\n".join(
        [
            "",  # 1
            "Some intro text.",  # 2
            "",  # 3
            "Title",  # 4
            "=====",  # 5
            "body 1",  # 6
            "```",  # 7
            "# not a heading",  # 8
            "```",  # 9
            "",  # 10
            "Sub",  # 11
            "---",  # 12
            "",  # 13
            "    # indented code, not a heading",  # 14
            "> # quoted heading is content",  # 15
            "## Empty heading",  # 16
            "",  # 17
            "#### Deep jump",  # 18
            "text",  # 19
            "",  # 20
        ]
    )
    nc = chunk_note("n.md", text, words, 256)
    assert spans(nc) == [
        (2, 2, ""),
        (4, 9, "Title"),
        (11, 15, "Title › Sub"),
        (16, 16, "Title › Empty heading"),
        (18, 19, "Title › Empty heading › Deep jump"),
    ]
    assert nc.chunks[0].heading_path == []  # cited as the file has it, under no heading
    assert nc.chunks[0].embed_text() == "n\nSome intro text."  # embedded under the note's title
    check_text(text, nc)


def test_heading_inline_markup_is_plain_text():
    text = "# The `ecs` [docs](http://x) **now** ##\nbody\n"
    nc = chunk_note("n.md", text, words, 256)
    assert nc.chunks[0].heading_path == ["The ecs docs now"]


def test_a_heading_of_nothing_but_an_anchor_adds_no_level_to_heading_paths():
    """AWS docs' `### <a name="service-connect-concepts-general"></a>` showed as a heading path
    ending in raw HTML; an image heading showed its Markdown rather than its alt text."""
    text = (
        '# Service Connect\n\n## Concepts<a name="c"></a>\n\n### <a name="general"></a>\n\n'
        "The feature creates a network.\n\n### Terms\nx\n\n## ![Logo](l.png)\ny\n"
    )
    assert [s.heading_path for s in sections(text)] == [
        ["Service Connect"],
        ["Service Connect", "Concepts"],
        ["Service Connect", "Concepts"],  # the anchor-only heading: still its own section
        ["Service Connect", "Concepts", "Terms"],
        ["Service Connect", "Logo"],
    ]


def test_front_matter():
    text = "---\ntitle: My Note\ntags: [aws, ecs]\n---\n\n# Head\nbody\n"
    nc = chunk_note("n.md", text, words, 256)
    assert nc.title == "My Note"
    assert nc.tags == ["aws", "ecs"]
    assert spans(nc) == [(6, 7, "Head")]
    assert "title" not in nc.chunks[0].text
    # Text right after the front matter is a preamble section with real line numbers.
    text2 = "---\ntags: a, b\n---\nhello\n"
    nc2 = chunk_note("n.md", text2, words, 256)
    assert nc2.tags == ["a", "b"]
    assert spans(nc2) == [(4, 4, "")]
    assert section_at(text2, 2) is None


def test_toml_front_matter():
    """Hugo's TOML front matter ("+++") was chunked whole as the note's first section, and
    quoted as the answer to "How do I make carbonara?" (title, date and tags, not the
    recipe). Its properties (`servings`) are a section of their own; its title, tags and
    the post's own date make none."""
    text = '+++\ntitle = "Carbonara"\ndate = 2022-10-02\ntags = ["pasta"]\n+++\n\nIntro.\n'
    nc = chunk_note("n.md", text, words, 256)
    assert (nc.title, nc.tags, spans(nc)) == ("Carbonara", ["pasta"], [(7, 7, "")])
    served = text.replace("date = 2022-10-02", "servings = 2")
    assert spans(chunk_note("n.md", served, words, 256)) == [(3, 3, ""), (7, 7, "")]
    # Malformed TOML is still front matter, with no fields; "---" does not close "+++".
    nc = chunk_note("n.md", "+++\ntitle = [\n+++\nbody\n", words, 256)
    assert (nc.title, spans(nc)) == (None, [(4, 4, "")])
    nc = chunk_note("n.md", "+++\ntitle = 'x'\n---\nbody\n", words, 256)
    assert [c.start_line for c in nc.chunks] == [1]


def test_front_matter_properties_are_a_section_from_the_first_that_says_something():
    """A note's properties (`birthday:`, `sleep:`) are quoted at their lines: a section with
    an empty heading path from the first field other than title, tags and aliases whose
    value says something to the last (a field's listed lines with it); ids, timestamps,
    booleans and empty values say nothing (Dendron's `id`, `updated`, `desc: ''`)."""
    from corpus.markdown import property_span

    person = (
        "---\nid: c1bs7wsjfbhb0zipaywqv1\ntitle: Anna Keller\ncity: Berlin\nkids:\n"
        "  - Lena\n  - Felix\ndesc: ''\nupdated: 1639999999999\ntags: [friend]\n---\n# Anna\n"
    )
    nc = chunk_note("anna.md", person, words, 256)
    assert spans(nc) == [(4, 7, ""), (12, 12, "Anna")]
    assert nc.chunks[0].text == "city: Berlin\nkids:\n  - Lena\n  - Felix"
    assert (nc.title, nc.tags) == ("Anna Keller", ["friend"])
    dendron = (
        "---\nid: 4bb85076-4b6f-4ac7-a4d1-0e8cd4e5a8f4\ntitle: Preview\ndesc: ''\n"
        "updated: 1639999999999\ncreated: 1639999999999\nstub: false\n---\nBody.\n"
    )
    assert property_span(split_lines(dendron)) is None
    assert spans(chunk_note("d.md", dendron, words, 256)) == [(9, 9, "")]
    described = dendron.replace("desc: ''", "desc: >-\n  Preview a note as it is published.")
    assert property_span(split_lines(described)) is None  # a summary of the note: no property
    owned = dendron.replace("desc: ''", "desc: Preview a note.\nowner: Docs team")
    assert property_span(split_lines(owned)) == (4, 4)  # 0-based: owner alone
    # a list on one line is no prose however long ("Which paper is by Kenton Lee?" was told
    # the notes never mention him): a paper's five authors are a property
    authors = "Jane Smith, Kenton Lee, Maria Garcia, Wei Chen, Tom Brown"
    paper = dendron.replace("desc: ''", f"authors: {authors}")
    assert property_span(split_lines(paper)) == (3, 3)
    flow = dendron.replace("desc: ''", f"authors: [{authors}]")
    assert property_span(split_lines(flow)) == (3, 3)
    said = dendron.replace("desc: ''", "desc: Notes on caching, with examples of what goes wrong")
    assert property_span(split_lines(said)) is None  # a sentence with a comma is still prose
    # a Jekyll post's categories are its tags and its cover image no property: "How do I get
    # my sourdough starter to rise faster?" quoted `categories: [cooking]` … `image: …`
    post = (
        "---\nlayout: post\ntitle: Sourdough starter diary\ndate: 2020-05-01\n"
        "categories: [cooking]\ntags: [sourdough, starter]\nimage: /assets/img/starter.jpg\n"
        "---\n\nThird attempt at a starter.\n"
    )
    assert property_span(split_lines(post)) is None
    nc = chunk_note("_posts/2020-05-01-starter.md", post, words, 256)
    assert nc.tags == ["sourdough", "starter", "cooking"]
    # a site's layout fields say nothing of the note (Hugo's weight, Docusaurus', Jekyll's)
    laid = split_lines("---\nsidebar_position: 2\nslug: /deploy\nnav_order: 3\n---\n# D\n")
    assert property_span(laid) is None
    hugo = split_lines('+++\ntitle = "Rotate"\nweight = 30\nowner = "Platform team"\n+++\n')
    assert property_span(hugo) == (3, 3)
    weighed = split_lines("---\nmood: 6\nweight: 78.4\n---\n# Day\n")  # a person's, in YAML
    assert property_span(weighed) == (1, 2)
    assert property_span(split_lines("# No front matter\nkey: value\n")) is None
    # the note's own date is no property; what its path writes is no news (a person's name)
    daily = split_lines("---\ndate: 2026-11-24\nmood: 8\nsleep: 3h\n---\n# Tuesday\n")
    assert property_span(daily, "Daily/2026-11-24.md") == (2, 3)
    person = split_lines("---\nname: Anna Keller\ncity: Berlin\n---\n# Anna\n")
    assert property_span(person, "people/anna-keller.md") == (2, 2)
    assert property_span(person, "people/ak.md") == (1, 2)
    numbered = split_lines("---\nsession: 12\nin_game_date: 3 Frostmoot\n---\n# Recap\n")
    assert property_span(numbered, "sessions/Session 12 — The Drowned Abbey.md") == (2, 2)
    assert property_span(numbered, "sessions/Session 13 — Ashes.md") == (1, 2)
    nested = split_lines("---\npods:\n  airtable:\n    features: recAuJ7JgBtNuPZ3n\n---\nx\n")
    assert property_span(nested) is None  # a nested id says nothing either
    long = "---\n" + "\n".join(f"k{i}: value number {i}" for i in range(200)) + "\n---\n# T\n"
    nc = chunk_note("l.md", long, words, 64)
    check_text(long, nc)
    assert nc.chunks[0].start_line == 2 and nc.chunks[-2].end_line == 201


def test_jekyll_highlight_tags_are_code_fences():
    """In a Jekyll post, a shell comment inside `{% highlight bash %}` became a heading ("How
    long did restoring take?" was cited under "› compare with the live copy"). The tags read as
    the fences they stand for; the lines stay as written; an unclosed tag changes nothing."""
    text = (
        "# Restore drill\n\nRun this:\n\n{% highlight bash %}\n# compare with the live copy\n"
        "restic restore latest\n{% endhighlight %}\n\n## Timing\n\n12 GB in 40 minutes.\n"
    )
    nc = chunk_note("p.markdown", text, words, 256)
    assert spans(nc) == [(1, 8, "Restore drill"), (10, 12, "Restore drill › Timing")]
    assert "{% highlight bash %}" in nc.chunks[0].text
    unclosed = "# A\n\n{% highlight bash %}\n# B\nx\n"
    assert spans(chunk_note("p.md", unclosed, words, 256)) == [(1, 3, "A"), (4, 5, "B")]


def test_names_the_front_matter_gives_are_labels():
    """Fields other than title, tags and aliases count when their values are names: two to
    four capitalised words, particles between them aside, no digits or links."""
    from corpus.markdown import front_matter_names

    data = {
        "author": "John Ousterhout",
        "attendees": ["Priya Shah", "Tom Berg", "me"],
        "composer": "Ludwig van Beethoven",
        "title": "Not Counted Here",
        "status": "Accepted",  # one word: a state, not a name
        "desc": "How to use the Dendron CLI",  # prose
        "note": "go to the Store",
        "id": "Abc 123",
        "source": "Https://Example.Com",
        "created": 1636492098692,
    }
    assert front_matter_names(data) == [
        "John Ousterhout",
        "Priya Shah",
        "Tom Berg",
        "Ludwig van Beethoven",
    ]
    nc = chunk_note(
        "b.md", "---\ntitle: APOSD\nauthor: John Ousterhout\n---\n# Deep\nx\n", words, 256
    )
    assert nc.names == ["John Ousterhout"] and nc.labels == "APOSD John Ousterhout"


def test_front_matter_aliases_are_labels():
    """Obsidian's `aliases` (a list or one string) name the note too: they are among the
    labels its sections are searched by. A description is not (tried: docs/evaluating.md)."""
    text = "---\ntitle: Kubernetes\naliases: [k8s, kube]\ndesc: 'Orchestration'\n---\nx\n"
    nc = chunk_note("n.md", text, words, 256)
    assert nc.aliases == ["k8s", "kube"] and nc.labels == "Kubernetes k8s kube"
    one = chunk_note("n.md", "---\nalias: K8s\ntags: [ops]\n---\nx\n", words, 256)
    assert (one.aliases, one.labels) == (["K8s"], "K8s ops")
    assert chunk_note("n.md", "# Head\nbody\n", words, 256).labels == ""


def test_only_front_matter_and_malformed_yaml():
    assert chunk_note("n.md", "---\ntitle: x\n---\n", words, 256).chunks == []
    nc = chunk_note("n.md", "---\ntitle: [unclosed\n: : :\n---\nbody\n", words, 256)
    assert spans(nc) == [(5, 5, "")]
    assert nc.title in (None, "[unclosed")
    # An unclosed front matter is not front matter: the file is ordinary Markdown.
    nc = chunk_note("n.md", "---\ntitle: x\n", words, 256)
    assert [c.start_line for c in nc.chunks] == [1]


@pytest.mark.parametrize("text", ["", "\n", "\n\n   \n", "\t\n"])
def test_empty_notes_have_no_chunks(text):
    assert chunk_note("n.md", text, words, 256).chunks == []


def test_headings_fifty_deep():
    lines = []
    for i in range(50):
        level = i % 6 + 1
        lines += ["#" * level + f" H{i}", f"text {i}", ""]
    text = "\n".join(lines)
    nc = chunk_note("n.md", text, words, 256)
    assert len(nc.chunks) == 50
    for i, c in enumerate(nc.chunks):
        assert (c.start_line, c.end_line) == (3 * i + 1, 3 * i + 2)
        assert c.heading_path[-1] == f"H{i}"
        assert len(c.heading_path) == i % 6 + 1
    check_text(text, nc)


def test_nesting_fifty_deep_lists_and_quotes():
    lst = "\n".join("  " * i + f"- item {i}" for i in range(50))
    quotes = "\n".join("> " * (i + 1) + f"q{i}" for i in range(50))
    text = f"# Lists\n{lst}\n\n# Quotes\n{quotes}\n"
    nc = chunk_note("n.md", text, big, 256)
    assert spans(nc) == [(1, 51, "Lists"), (53, 103, "Quotes")]
    # And split with a small limit: still exact, within limit, no recursion error.
    nc = chunk_note("n.md", text, words, 12)
    check_text(text, nc)
    assert all(words(c.embed_text()) <= 12 for c in nc.chunks)
    covered = {n for c in nc.chunks for n in range(c.start_line, c.end_line + 1)}
    assert covered == {*range(1, 52), *range(53, 104)}
    # The nearest ancestor items are kept as context, the farthest dropped to fit.
    (deep,) = [c for c in nc.chunks if c.start_line <= 51 <= c.end_line]
    assert deep.context.split("\n")[-1] == f"- item {deep.start_line - 3}"
    assert words(f"Lists {deep.context}") <= 12 // 2
    nc = chunk_note("n.md", text, words, 40)
    (deep,) = [c for c in nc.chunks if c.start_line <= 51 <= c.end_line]
    assert deep.context.split("\n")[-1] == f"- item {deep.start_line - 3}"
    assert len(deep.context.split("\n")) > 5


def test_deeper_nesting_than_markdown_it_default_keeps_later_headings():
    # markdown-it's default maxNesting (20 levels, a list nests 2 per level) would swallow "# B".
    lst = "\n".join("  " * i + f"- item {i}" for i in range(90))
    text = f"# A\n{lst}\n# B\nbody\n"
    nc = chunk_note("n.md", text, big, 10_000)
    assert spans(nc) == [(1, 91, "A"), (92, 93, "B")]


def test_long_section_split_at_blocks():
    para = [f"para{i} word word word" for i in range(3)]  # 4 words per line
    text = "\n".join(
        [
            "# Long",  # 1
            *para,  # 2-4
            "",  # 5
            "- a one",  # 6
            "- b two",  # 7
            "  - b child one",  # 8
            "  - b child two",  # 9
            "- c three",  # 10
            "",  # 11
            "```",  # 12
            "code line one",  # 13
            "code line two",  # 14
            "```",  # 15
            "",  # 16
            "| x | y |",  # 17
            "|---|---|",  # 18
            "| 1 | 2 |",  # 19
        ]
    )
    whole = chunk_note("n.md", text, words, 1000)
    assert spans(whole) == [(1, 19, "Long")]
    nc = chunk_note("n.md", text, words, 16)
    check_text(text, nc)
    assert all(words(c.embed_text()) <= 16 for c in nc.chunks)
    got = [(c.start_line, c.end_line) for c in nc.chunks]
    assert len(got) > 1
    # Pieces are whole blocks where they fit, in order, never overlapping, covering every
    # non-blank line; blocks that fit are never cut.
    assert got[0][0] == 1
    flat = [n for s, e in got for n in range(s, e + 1)]
    assert flat == sorted(set(flat))
    nonblank = {n for n in range(1, 20) if split_lines(text)[n - 1].strip()}
    assert nonblank <= set(flat)
    assert all(
        split_lines(text)[s - 1].strip() and split_lines(text)[e - 1].strip() for s, e in got
    )
    for block in ((2, 4), (12, 15), (17, 19)):  # paragraph, code, table
        assert any(s <= block[0] and block[1] <= e for s, e in got), block
    assert all(c.heading_path == ["Long"] for c in nc.chunks)


def test_long_list_item_children_get_parent_context():
    kids = [f"  - child {i} " + "w " * 5 for i in range(6)]
    text = "\n".join(["## S", "- parent item here", *kids, "- sibling"])
    nc = chunk_note("n.md", text, words, 20)
    check_text(text, nc)
    assert all(words(c.embed_text()) <= 20 for c in nc.chunks)
    child_chunks = [c for c in nc.chunks if c.start_line >= 3 and c.end_line <= 8]
    assert child_chunks
    assert all(c.context == "- parent item here" for c in child_chunks)
    assert nc.chunks[-1].text == "- sibling" or nc.chunks[-1].text.endswith("- sibling")


def test_single_line_windows():
    line = " ".join(f"w{i}" for i in range(1000))
    text = f"# H\n{line}\nafter\n"
    nc = chunk_note("n.md", text, words, 50)
    check_text(text, nc)
    wins = [c for c in nc.chunks if c.start_line == 2]
    assert len(wins) > 1
    assert all(c.end_line == 2 for c in wins)
    assert all(words(c.embed_text()) <= 50 for c in nc.chunks)
    # Windows break at whitespace and together hold every word of the line, in order.
    assert " ".join(" ".join(c.text.split()) for c in wins) == line
    assert all(not c.text.startswith(" ") for c in wins)


def test_an_inline_image_too_long_to_embed_is_no_piece():
    """A notebook exported to Markdown writes each plot inline, `![png](data:image/png;
    base64,…)`, 50-300 KB on one line: its windows of base64 were hundreds of pieces, quoted
    as answers and crowding the notes out of the top sections. A line that is only an image
    or a link and too long to embed is no piece; its caption, and a short image, are."""
    blob = "iVBORw0KGgoAAAANSUhEUgAA" + "QUJDRA" * 20_000
    text = (
        f"# Loss\n\nThe loss drops fast.\n\n![png](data:image/png;base64,{blob})\n\n"
        "*Figure: the loss curve.*\n\n![png](output_12_0.png)\n"
    )
    nc = chunk_note("n.md", text, words, 50)
    assert all("base64" not in c.text for c in nc.chunks)
    held = {n for c in nc.chunks for n in range(c.start_line, c.end_line + 1)}
    assert {3, 7, 9} <= held and 5 not in held
    long_text = f"# Loss\n\nThe loss {'drops ' * 60}fast.\n"  # prose too long still windows
    assert len(chunk_note("n.md", long_text, words, 50).chunks) > 1


@pytest.mark.slow
def test_twenty_megabyte_single_line_note():
    word = "container "
    text = word * (20_000_000 // len(word))
    calls = []

    def counting(s: str) -> int:
        calls.append(len(s))
        return len(s.split())

    t0 = time.perf_counter()
    nc = chunk_note("big.md", text, counting, 256)
    elapsed = time.perf_counter() - t0
    assert elapsed < 10
    assert max(calls) < 20 * 256 + 1  # never tokenises megabytes at once
    assert len(nc.chunks) > 1000
    assert all(c.start_line == c.end_line == 1 for c in nc.chunks)
    assert all(words(c.embed_text()) <= 256 for c in nc.chunks)
    assert sum(c.text.count("container") for c in nc.chunks) == len(text) // len(word)
    for c in nc.chunks[:50]:
        assert verify_quote(text, 1, 1, c.text)


def test_huge_heading_is_capped_in_path():
    text = "# " + "x " * 100_000 + "\nbody\n"
    nc = chunk_note("n.md", text, words, 256)
    assert all(len(HEADING_SEP.join(c.heading_path)) <= 200 for c in nc.chunks)
    check_text(text, nc)
    assert nc.chunks[-1].text.endswith("body")


def test_counter_is_never_given_whole_big_sections_and_tiny_limit_terminates():
    text = "# H\n" + "\n".join("word " * 30 for _ in range(300))
    nc = chunk_note("n.md", text, words, 3)
    check_text(text, nc)
    assert nc.chunks
    small = "# H\n" + "\n".join("word " * 3 for _ in range(100))
    nc = chunk_note("n.md", small, big, 256)
    assert spans(nc) == [(1, 101, "H")]
    # Over 20 characters per allowed token: split without asking the counter.
    nc = chunk_note("n.md", text, big, 256)
    assert len(nc.chunks) > 1
    check_text(text, nc)


FRAGMENTS = [
    "# H1",
    "## H2 `code`",
    "### H3",
    "###### H6",
    "####### not a heading",
    "Setext",
    "===",
    "---",
    "",
    "",
    "   ",
    "para words here and there",
    "- item",
    "  - child",
    "    - grandchild",
    " - one-space item",
    "1. ordered",
    "   1. nested ordered",
    "> quote",
    "> > deeper # quote",
    "```",
    "~~~",
    "    indented code",
    "| a | b |",
    "|---|---|",
    "<div>",
    "</div>",
    "[ref]: http://example.com",
    "\ttab line",
    "long " * 40,
    "x" * 300,
    "unclosed (paren – en dash",
]


@pytest.mark.parametrize("seed", range(40))
def test_fuzz_invariants(seed):
    import random

    rng = random.Random(seed)
    lines = [rng.choice(FRAGMENTS) for _ in range(rng.randrange(1, 120))]
    if rng.random() < 0.2:
        lines = ["---", "title: t", "---", *lines]
    text = "\n".join(lines) + rng.choice(["", "\n"])
    limit = rng.choice([8, 16, 40, 256])
    file_lines = split_lines(text)
    nc = chunk_note("f.md", text, words, limit)
    check_text(text, nc)
    prev_end = 0
    covered: set[int] = set()
    for c in nc.chunks:
        assert 1 <= c.start_line <= c.end_line <= len(file_lines)
        assert file_lines[c.start_line - 1].strip() and file_lines[c.end_line - 1].strip()
        whole = c.text == "\n".join(file_lines[c.start_line - 1 : c.end_line])
        if whole:
            assert c.start_line > prev_end  # whole-line pieces never overlap
            prev_end = c.end_line
            covered.update(range(c.start_line, c.end_line + 1))
        else:
            covered.add(c.start_line)
            prev_end = max(prev_end, c.start_line - 1)
        head = HEADING_SEP.join(c.heading_path)
        if words(head) + words(c.context) < limit:
            assert words(c.embed_text()) <= limit, c
    # Every body line that says something is in some chunk (front matter and a thematic break
    # standing alone excluded; the fuzz writes no link too long to embed).
    fm = 0
    if file_lines[:1] == ["---"]:
        closing = [i for i, ln in enumerate(file_lines[1:], 2) if ln in ("---", "...")]
        fm = closing[0] if closing else 0
    for i, ln in enumerate(file_lines, 1):
        if i > fm and not says_nothing(ln):
            assert i in covered, (i, ln)
    # section_at agrees with whole sections.
    for s in sections(text):
        assert section_at(text, s.start) == (s.start, s.end, s.heading_path)


@pytest.mark.parametrize(
    "lead_in",
    [
        "Discovery consists of the following components:",
        "**Discovery components**",
        "Discovery has the following components\\.",
    ],
)
def test_a_lead_in_stays_with_the_list_it_introduces_when_a_long_section_is_split(
    lead_in: str,
) -> None:
    """ "Service discovery consists of the following components:" (or a bold label) ended one
    piece and its list began the next, so a quote of it showed the lead-in alone."""
    intro = " ".join(["filler"] * 14)
    text = (
        "# Concepts\n\n"
        f"{intro}.\n\n"
        f"{lead_in}\n\n"
        "- namespace groups the services\n"
        "- service holds the records\n"
        "- instance is one task\n"
    )
    nc = chunk_note("n.md", text, words, 28)
    assert len(nc.chunks) >= 2
    lead = next(c for c in nc.chunks if lead_in in c.text)
    assert "- namespace groups the services" in lead.text
    assert not any(c.text.rstrip().endswith(lead_in) for c in nc.chunks)
    lines = text.split("\n")
    for c in nc.chunks:  # spans are still exact
        assert c.text == "\n".join(lines[c.start_line - 1 : c.end_line])


def test_a_thematic_break_is_never_a_chunk_of_its_own() -> None:
    """AWS docs end each tab of a section with "------"; when the text before it filled a piece,
    the break became a chunk that said nothing and was still retrieved (its heading matched)."""
    para = " ".join(["word"] * 12)
    text = f"# Console\n\n{para}.\n\n{para}.\n\n------\n\n## Next\n\n{para}.\n"
    sizes = set()
    for max_tokens in range(14, 40):
        nc = chunk_note("n.md", text, words, max_tokens)
        sizes.add(len(nc.chunks))
        for c in nc.chunks:
            assert any(ch.isalnum() for ch in c.text), (max_tokens, c)
    assert max(sizes) > 2  # some budgets do split the first section


def test_rows_of_a_long_table_keep_its_header_row_as_context() -> None:
    """A "Document history" or parameter table split across chunks: rows alone ("| host | Yes
    | No |") were embedded without what their columns mean."""
    header = "| Network mode | Linux | Windows | Description |"
    rows = [
        f"| mode{i} | Yes | No | the task uses mode {i} with a few more words |" for i in range(12)
    ]
    text = "\n".join(["# Modes", "", "Intro text.", "", header, "| --- | --- | --- | --- |", *rows])
    nc = chunk_note("n.md", text, words, 60)
    table = [c for c in nc.chunks if c.text.startswith("|")]
    assert len(table) > 2
    assert all(c.context == header for c in table)
    assert all(header in c.embed_text() for c in table)
    check_text(text, nc)


def test_a_lead_in_stays_with_a_long_table_it_introduces() -> None:
    """ "Use the following table to determine the package to download:" ended one piece, and
    the table (its rows split off with the header row as context) began the next."""
    intro = " ".join(["filler"] * 14)
    header = "| Package | Architecture |"
    rows = [f"| pkg{i} | arch{i} with a few words |" for i in range(12)]
    lead_in = "Use the following table to determine the package to download:"
    text = "\n".join(["# Updates", "", f"{intro}.", "", lead_in, header, "| --- | --- |", *rows])
    nc = chunk_note("n.md", text, words, 40)
    lead = next(c for c in nc.chunks if lead_in in c.text)
    assert header in lead.text
    check_text(text, nc)


def test_a_note_whose_headings_start_below_level_one_has_its_title_above_them() -> None:
    """A Jekyll post's "## Feeding schedule" is about the sourdough starter its front-matter
    title names; a Dendron note's "## Summary" about what its file name says. Such a note's
    sections are embedded, and their lines read, under its title (the front matter's, then
    the file name's words it does not repeat); citations keep the file's own headings."""
    post = "---\ntitle: Keeping a starter alive\n---\n\n## Feeding schedule\n\nFeed 1:1:1 daily.\n"
    [c] = chunk_note("_posts/2024-03-01-sourdough-starter.md", post, big, 256).chunks
    assert c.title == "Keeping a starter alive 2024 03 01 sourdough"  # "starter" once
    assert c.heading_path == ["Feeding schedule"] and c.heading == "Feeding schedule"
    assert c.embed_text().startswith(f"{c.title}{HEADING_SEP}Feeding schedule\n")
    assert c.body_lines()[0][1].startswith(f"{c.title}{HEADING_SEP}Feeding schedule: Feed")
    dendron = "---\ntitle: Preview\n---\n## Summary\n\nShows a note.\n"
    [d] = chunk_note("dendron.topic.preview.md", dendron, big, 256).chunks
    assert d.title == "Preview dendron topic"  # the file name's words it does not repeat
    # no front-matter title: a file of "###" sections stands under its headings alone
    [o] = chunk_note("aws-containers.md", "### Intro\n\nECS runs tasks.\n", big, 256).chunks
    assert o.title == "" and o.embed_text() == "Intro\n### Intro\n\nECS runs tasks."
    # a note with a level-1 heading (setext too) has its title in its heading path
    for text in (
        "# Starter\n\n## Feeding\n\nDaily.\n",
        "Starter\n=======\n\n## Feeding\n\nDaily.\n",
    ):
        assert {c.title for c in chunk_note("s.md", text, big, 256).chunks} == {""}
    # a section under no heading stands under the file name's title alone (`head`)
    pre, _ = chunk_note(
        "notes/starter.md", "Intro line.\n\n## Feeding\n\nDaily.\n", big, 256
    ).chunks
    assert pre.title == "" and pre.embed_text() == "starter\nIntro line."
