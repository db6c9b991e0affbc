"""The answer's pure rules (no index, no model): names vs ordinary words, evidence lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.options import DEFAULT_OPTIONS, AnswerOptions
from assistant.stages.decide import decide, is_common, phrases
from assistant.stages.evidence import evidence_lines
from assistant.stages.select import leads_in, reading_order
from assistant.stages.shape import merge_adjacent, quote_span, run_on
from corpus.lines import LineRoles
from corpus.markdown import introduces, only_links, only_markup, points_elsewhere
from corpus.models import Chunk, head, note_title, text_hash
from index.models import Hit
from index.retrieve import TermInfo

COMMON = {"practice", "optimize", "color", "analyze", "center", "license", "deploy", "password"}


def test_inflected_and_british_spellings_are_ordinary_words() -> None:
    for word in ("passwords", "deploying", "practise", "optimised", "colours", "analyse"):
        assert is_common(word, COMMON), word
    assert is_common("centre", COMMON) and is_common("licence", COMMON)
    for name in ("istio", "karpenter", "dynamodb"):
        assert not is_common(name, COMMON), name
    # a superlative ("which competitor is cheapest?" read "cheapest" as a typo of "cheaper")
    words = COMMON | {"cheap", "large", "busy"}
    assert all(is_common(w, words) for w in ("cheapest", "largest", "busiest"))
    assert not is_common("cheaper", words)  # "-er" stays a name's ending: "docker", "kuber"
    assert not is_common("dest", words | {"d", "de"})  # rsync's --link-dest: a name
    # a verb made of an adjective in -e ("when did the first Sungold ripen?" was declined)
    assert is_common("ripen", words | {"ripe"}) and not is_common("ripen", words)


def chunk(text: str, heading: list[str]) -> Chunk:
    return Chunk(
        path="n.md",
        heading_path=heading,
        start_line=1,
        end_line=text.count("\n") + 1,
        text=text,
        content_hash=text_hash(text),
        id=1,
    )


def evidence_texts(c: Chunk, terms: list[str]) -> list[str]:
    """The lines of `c` that `evidence_lines` scores (at most 10), as written in the note."""
    lines = c.text.split("\n")
    return [lines[c.body_lines()[n][0]] for n in evidence_lines(c, terms, 10)]


FILLER = [f"Filler line {i} about something else." for i in range(14)]


def long_section(heading: str, tail: list[str]) -> Chunk:
    """A section too long to quote whole: its heading, 14 filler lines, then `tail` (whose
    first line is index 15 of the chunk's text, file line 16)."""
    return chunk("\n".join([f"## {heading}", *FILLER, *tail]), [heading])


def test_body_lines_skip_the_heading_and_blanks_and_carry_the_heading_path() -> None:
    c = chunk("## Scaling\n\n- Step scaling\n  - by alarm\nplain line", ["Intro", "Scaling"])
    assert c.body_lines() == [
        (2, "Intro › Scaling: Step scaling"),
        (3, "Intro › Scaling: by alarm"),
        (4, "Intro › Scaling: plain line"),
    ]


def test_lines_under_no_heading_stand_under_their_notes_title() -> None:
    """An outliner's page says what it is about only in its file name: "What is Lena allergic
    to?" was answered by "alias:: Lena Hoffmann", the one line naming Lena, not by "Allergic
    to hazelnuts" (a Logseq graph). A section under no heading is embedded, and its lines
    read, under the note's title; its citation still shows no heading."""
    text = "alias:: Lena Hoffmann\n\n- Allergic to hazelnuts"
    c = chunk(text, []).model_copy(update={"path": "pages/Lena.md"})
    assert c.body_lines() == [
        (0, "Lena: alias:: Lena Hoffmann"),
        (2, "Lena: Allergic to hazelnuts"),
    ]
    assert c.embed_text() == f"Lena\n{text}" and c.heading == ""
    assert note_title("notes/dendron.topic.special-notes.md") == "dendron topic special notes"
    assert note_title("journals/2024_03_22.md") == "2024 03 22"
    # a Zettelkasten's or a Notion export's ID is no title word
    assert note_title("202303031100 Ideas on naming.md") == "Ideas on naming"
    assert note_title("Wiki 3f2a9c1e4b7d4e0f8a6b1c2d3e4f5a6b.md") == "Wiki"
    assert note_title("20230303.md") == "" and head([], "20230303.md") == []
    assert head(["Intro"], "pages/Lena.md") == ["Intro"]  # a heading is what stands above


def test_evidence_lines_prefer_lexical_matches_when_a_section_is_long() -> None:
    lines = [f"- item {i}" for i in range(20)] + ["- Fargate runs tasks"]
    c = chunk("## S\n" + "\n".join(lines), ["S"])
    picked = evidence_lines(c, ["fargate"], 5)
    assert len(picked) == 5
    assert c.body_lines()[picked[-1]][1] == "S: Fargate runs tasks"
    assert evidence_lines(c, ["fargate"], 50) == list(range(21))


def test_lines_that_only_link_elsewhere_are_no_evidence() -> None:
    """A "Topics" list names every subject of a guide: "+ [Container agent management using
    the AWS CLI](...)" out-scored the paragraph that says what the agent is."""
    for line in (
        "+ [Installing the agent](ecs-agent-install.md)",
        "1. [Step one](one.md)",
        "* [a](a.md), [b](b.md)",
        "![Diagram of the agent](agent.png)",
        "https://github.com/aws/amazon-ecs-agent",
        "<https://example.com/x>",
        "- [Agent][1]",
    ):
        assert only_links(line), line
    for line in (
        "The agent connects container instances to your cluster.",
        "For details, see [Installing the agent](ecs-agent-install.md)\\.",
        "- Deploy Docker on ECS - https://app.pluralsight.com/labs/x",
        "**Topics**",
    ):
        assert not only_links(line), line
    text = (
        "# Agent\nThe agent connects container instances to your cluster.\n\n**Topics**\n"
        "+ [Installing the agent](install.md)\n+ [Agent management using the CLI](cli.md)"
    )
    kept = evidence_texts(chunk(text, ["Agent"]), ["agent"])
    assert kept == ["The agent connects container instances to your cluster."]
    assert evidence_lines(chunk("# Topics\n+ [A](a.md)\n+ [B](b.md)", ["Topics"]), [], 10) == []


def test_a_link_to_a_web_page_is_a_bookmark_and_evidence() -> None:
    """A folder of saved links: "do I have the helm chart best practices link?" quoted a
    cooking page, the bookmark line "- [Helm chart best practices](https://helm.sh/…)" being
    a line that only links. With the bookmark rule a link to a web page (or a bare web
    address) is evidence, and the list that introduces such links is not navigation; links
    to other notes, images and wiki links still are."""
    from corpus.markdown import web_link

    for line in ("- [Helm chart best practices](https://helm.sh/docs/)", "1. [A](https://a.io)",
                 "- https://litestream.io/", "* <https://example.com/x>"):  # fmt: skip
        assert web_link(line), line
    # not a paragraph's lone link: a til note's "[source](http://stackoverflow.com/…/how-to-
    # show-first-commit-by-git-log)" scored 0.86 by its address and was quoted alone
    for line in ("+ [Installing the agent](install.md)", "- ![Diagram](https://x.io/a.png)",
                 "- [[Wiki page]]", "- [](https://x.io)", "[source](http://stackoverflow.com/q)",
                 "https://litestream.io/"):  # fmt: skip
        assert not web_link(line), line
    text = (
        "# Kubernetes\nSaved links:\n- [Network Policy Recipes](https://github.com/a/b)\n"
        "- https://kubernetes.io/docs/pod-lifecycle/\n- [Agent](agent.md)"
    )
    c = chunk(text, ["Kubernetes"])
    lines = text.split("\n")
    kept = [lines[c.body_lines()[n][0]] for n in evidence_lines(c, [], 10, bookmarks=True)]
    assert kept == lines[1:4]  # the intro to the bookmarks, and the bookmarks
    assert evidence_lines(c, [], 10) == []  # the rule off: all navigation


def test_a_line_that_only_points_to_its_links_is_no_evidence() -> None:
    """Asked "What is a scratch note for?" of Dendron's notes, the first quote was "To learn
    more about scratch notes, see: [[Scratch Note]]": the question's words, and nothing about
    them. A line whose words send the reader to the links that end it is navigation; a line
    whose link is the value asked for ("provider: [GitHub](…)") stays evidence."""
    pointer = "To learn more about scratch notes, see: [[Scratch Note|dendron://site/scratch]]"
    assert points_elsewhere(pointer, wiki=True)
    assert not points_elsewhere(pointer)  # a wiki link only counts as one in wiki mode
    assert points_elsewhere("Reference: [API docs](https://example.com/api)")
    assert points_elsewhere("- See also: [A](a.md), [B](b.md)")
    # an arrow at the links: "Can Maren swim?" was answered by the question the author left
    assert points_elsewhere("- does she know how to swim?? → [[continuity-fixes]]", wiki=True)
    assert points_elsewhere("- travel time -> [[continuity-fixes]]", wiki=True)
    assert not points_elsewhere("- Harrowgate → Veyle: 4 days by road", wiki=True)
    # a fact before the arrow's words: "Who is the mayor of Thornwick?" never quoted this
    mayor = "Council of 5, led by Mayor Osric Fenn (useless). Watch → [[Captain Harrow]]."
    assert not points_elsewhere(mayor, wiki=True)
    # a synthesis note's sources, quoted first for "Which habit strategies worked for me?"
    assert points_elsewhere("Sources: [[Atomic Habits]], [[Deep Work]]", wiki=True)
    assert points_elsewhere("up:: [[Habits MOC]]", wiki=True)
    assert points_elsewhere("- Marco's conditions: see [[Marco Bellini#Q3 budget]]", True)
    assert points_elsewhere("See [[Q3 Budget]].", True) and points_elsewhere("cf. [x](x.md)")
    # a label over a transclusion: the text shown is another note's (an Obsidian vault's
    # "Embed of the decisions: ![[…]]" was quoted alone, as the answer)
    assert points_elsewhere("Embed of the decisions: ![[Meeting 2024-04-18#Decisions]]", True)
    assert points_elsewhere("- h1ToTitle: ![[dendron.topic.doctor#h1totitle,1:#*]]", True)
    assert not points_elsewhere("Decided: ![[chart.png]] and a rollback plan", wiki=True)
    for line in (
        "Supported wiki syntax: [[Wiki Links]]",  # a link, not a transclusion: the value
        "App Runner supports one source code repository provider: [GitHub](https://github.com/)",
        "For details, see [Installing the agent](ecs-agent-install.md)\\.",  # no colon
        "See: [docs](https://a.example) and then restart the agent.",  # words after the link
        "Read the note: it explains [[scratch]] in full.",
    ):
        assert not points_elsewhere(line, wiki=True), line
    text = "## Details\nA scratch note is a scratchpad for thoughts.\n\n" + pointer + "\n"
    kept = evidence_texts(chunk(text, ["Details"]), ["scratch"])
    assert kept == ["A scratch note is a scratchpad for thoughts."]
    assert len(evidence_lines(chunk(text, ["Details"]), ["scratch"], 10, links=False)) == 2


def test_a_line_with_no_word_of_its_own_is_no_evidence() -> None:
    """An Obsidian daily-note template's "## Gratitude" over an empty "1. " was quoted, alone,
    as what the user wrote under gratitude: the line's vector is its heading's. Empty list
    items and tasks, fences and lone punctuation are never scored; items that say something
    ("- [x] call the bank") are."""
    blank = chunk("## Gratitude\n1. ", ["Gratitude"])
    assert evidence_lines(blank, ["gratitude"], 10) == []
    text = "## Tasks\n- [ ] \n- [x] call the bank\n* \n```\n}\n```\n1. Sunny run"
    assert evidence_texts(chunk(text, ["Tasks"]), ["bank"]) == [
        "- [x] call the bank",
        "1. Sunny run",
    ]


def test_lines_of_nothing_but_html_comment_are_no_evidence() -> None:
    """A section of only a comment ("## Rollback plan" over "<!-- TODO: write the rollback
    plan -->") says nothing a reader sees: it has no line to score, so it is never quoted as
    an answer; a comment beside words, or in code, is still read."""
    todo = chunk("## Rollback plan\n<!-- TODO: write the rollback plan -->", ["Rollback plan"])
    assert evidence_lines(todo, ["rollback"], 10) == []
    assert evidence_lines(todo, ["rollback"], 10, comments=False) == [0]
    text = (
        "## Deploy\n<!--\nold steps: restart the web tier\n-->\n"
        "<!-- aside --> Restart the workers first.\n```html\n<!-- keep this marker -->\n```"
    )
    kept = evidence_texts(chunk(text, ["Deploy"]), ["restart"])
    assert kept == [
        "<!-- aside --> Restart the workers first.",
        "```html",
        "<!-- keep this marker -->",
    ]
    taxi = chunk("## Monday\n- GP at 08:40\n%% expense the taxi: 23.50 %%", ["Monday"])
    assert evidence_texts(taxi, ["taxi"]) == ["- GP at 08:40"]  # Obsidian's comment too


def test_a_wiki_exports_breadcrumb_and_footer_are_no_evidence() -> None:
    """A Notion-style export: "Engineering / Runbooks / Postgres failover" above the title was
    a section of its own, quoted alone, and the footer "Last edited by Priya Nair on
    2024-10-02 · Page ID db0001" scored 0.81 for "postgres failover" under the page's title:
    neither is evidence. A menu path inside a section ("Settings > Privacy") still is."""
    crumb = Chunk(path="r.md", heading_path=[], start_line=1, end_line=1,
                  text="Engineering / Runbooks / Postgres failover",
                  content_hash="x")  # fmt: skip
    assert evidence_texts(crumb, ["postgres"]) == []
    page = chunk("# Postgres failover\n1. Run the failover.\n---\nLast edited by Priya on "
                 "2024-10-02 · Page ID db0001", ["Postgres failover"])  # fmt: skip
    assert evidence_texts(page, ["postgres"]) == ["1. Run the failover."]
    menu = chunk("## Location\nSettings > Privacy > Location Services", ["Location"])
    assert evidence_texts(menu, ["location"]) == ["Settings > Privacy > Location Services"]


def test_a_british_spelling_does_not_make_a_question_unanswerable() -> None:
    """ "practise" is an ordinary word: with a similar line the question is answered; the
    notes lack it, which an ordinary word does not make partial (and, under the ordinary-word
    rule, is not said: `unsaid`; with `ordinary_missing` on, it is)."""
    q = "Where can I practise deploying containers?"
    cov = [
        TermInfo(term="practise", chunks=0),
        TermInfo(term="deploying", chunks=1),
        TermInfo(term="containers", chunks=3),
    ]
    hit = Hit(chunk=chunk("## Lab\n- Deploy Docker containers", ["Lab"]), score=1.0)
    d = decide(q, cov, [hit], best_line=0.6, common=COMMON | {"containers"})
    assert not d.abstain and d.missing == [] and d.outcome == "answered"
    assert d.unsaid == ["practise"]
    said = AnswerOptions(ordinary_missing=True)
    d = decide(q, cov, [hit], best_line=0.6, common=COMMON | {"containers"}, opts=said)
    assert not d.abstain and d.missing == ["practise"] and d.outcome == "answered"
    assert d.unsaid == []
    # a partly covered answer says the name it lacks, not the ordinary words beside it
    # ("Your notes don't mention lisinopril, take.")
    cov4 = [TermInfo(term="dose", chunks=2), TermInfo(term="lisinopril", chunks=0),
            TermInfo(term="take", chunks=0), TermInfo(term="metformin", chunks=2)]  # fmt: skip
    dose = chunk("## Medications\n- Metformin 500 mg twice daily", ["Medications"])
    q4 = "What dose of Lisinopril do I take with metformin?"
    d4 = decide(q4, cov4, [Hit(chunk=dose, score=1.0)], best_line=0.6,
                common=COMMON | {"dose", "take"})  # fmt: skip
    assert d4.outcome == "partly_covered" and d4.missing == ["lisinopril"], d4
    assert d4.unsaid == ["take"]
    # a short token the notes lack ("zmv", zsh's renamer) is too ambiguous to decline on and
    # is said, the answer still "answered" (docs/evaluating.md: hiding it, or calling the
    # answer partly covered, measured worse)
    cov3 = [TermInfo(term="rename", chunks=2), TermInfo(term="zmv", chunks=0)]
    d3 = decide("How do I rename files with zmv?", cov3, [hit], best_line=0.6, common=COMMON)
    assert d3.outcome == "answered" and d3.missing == ["zmv"] and d3.unsaid == []
    # a bare number is not said either: "paper 1" of notes that write "P1" ("Your notes
    # don't mention 1." above a table row that answers it, a teacher's notes)
    cov5 = [TermInfo(term="room", chunks=2), TermInfo(term="paper", chunks=0),
            TermInfo(term="1", chunks=0)]  # fmt: skip
    d5 = decide("Which room is mock paper 1 in?", cov5, [hit], best_line=0.6,
                common=COMMON | {"room", "paper"})  # fmt: skip
    assert d5.outcome == "answered" and d5.missing == [] and "1" in d5.unsaid, d5
    cov6 = [TermInfo(term="fix", chunks=2), TermInfo(term="1500", chunks=0)]  # an item's number
    d6 = decide("What did issue #1500 fix?", cov6, [hit], best_line=0.6, common=COMMON | {"fix"})
    assert d6.missing == ["#1500"] and d6.unsaid == [], d6  # an issue the lab says nothing of
    assert d6.abstain and d6.asked == []  # an item, no asked noun (--explain said it was)
    # ... while a question about a name the notes never mention still abstains
    cov2 = [TermInfo(term="nomad", chunks=0), TermInfo(term="jobs", chunks=0)]
    d2 = decide("How do Nomad jobs work?", cov2, [hit], best_line=0.6, common=COMMON | {"jobs"})
    assert d2.abstain and "nomad" in d2.missing


def test_abbreviations_are_read_from_the_notes_own_headings() -> None:
    from index.retrieve import heading_acronyms

    found = heading_acronyms(["Intro › Load balancer integration", "AWS App Runner", "App Runner"])
    assert found["lb"] == "load balancer"
    assert found["lbi"] == "load balancer integration"
    assert found["ar"] == "app runner"
    assert "il" not in found, "a phrase never spans two headings of a path"


def test_a_section_that_only_leads_into_its_subsections_is_recognised() -> None:
    lead = "Manage auto scaling using one of the following methods:"
    assert leads_in(chunk(f"## Manage auto scaling\n\n{lead}\n\n------", ["A", "Manage"]))
    assert leads_in(chunk("### Intro", ["Intro"]))  # a heading with nothing under it
    assert leads_in(chunk(f"Manage\n------\n{lead}\n* * *", ["Manage"]))  # setext heading
    assert not leads_in(chunk("#### Fargate Launch Type\n- Serverless", ["Fargate Launch Type"]))
    assert not leads_in(chunk(f"## Manage\n{lead}\n- one way", ["Manage"]))
    steps = "Follow these steps to check stopped tasks for errors\\."
    assert leads_in(chunk(f"{steps}\n\n------", ["Checking"]))  # the last piece of a section
    assert not leads_in(chunk(f"Tasks stop for many reasons.\n{steps}", ["Checking"]))
    assert not leads_in(chunk(lead, []))  # text before the first heading


def test_quotes_leave_out_thematic_breaks_at_either_end() -> None:
    c = chunk("#### [ Console ]\n\n------\nOpen the console.\nChoose Pause.\n\n------", ["Console"])
    assert quote_span(c, {}) == (4, 5)


def test_pieces_of_one_section_are_cited_together_in_file_order() -> None:
    def hit(path: str, heading: list[str], start: int) -> Hit:
        c = chunk("x", heading).model_copy(update={"path": path, "start_line": start})
        return Hit(chunk=c, score=1.0)

    a44, b10, a39, a41 = (
        hit("a.md", ["A"], 44),
        hit("b.md", ["B"], 10),
        hit("a.md", ["A"], 39),
        hit("a.md", ["A"], 41),
    )
    got = reading_order([a44, b10, a39, a41])
    assert [(h.chunk.path, h.chunk.start_line) for h in got] == [
        ("a.md", 39),
        ("a.md", 41),
        ("a.md", 44),
        ("b.md", 10),
    ]


def test_quoted_sections_come_closest_line_first() -> None:
    """ "carbonara ingredients" cited the note's one-line intro ("Serves 2.") first, ranked
    above the ingredients, though their lines were the closer: the order rule puts the
    sections in order of their best line, a section's pieces still together in file order;
    off, retrieval order."""
    intro, ingredients, method, piece = hit(1), hit(2), hit(3), hit(4)
    piece = piece.model_copy(update={"chunk": ingredients.chunk.model_copy(update={"id": 4})})
    best = {1: 0.52, 2: 0.61, 3: 0.40, 4: 0.30}
    ids = [h.chunk.id for h in reading_order([intro, ingredients, method, piece], best)]
    assert ids == [2, 4, 1, 3]
    assert [h.chunk.id for h in reading_order([intro, method, ingredients])] == [1, 3, 2]
    # the first-margin rule: retrieval order, unless the first falls far below the best line
    order = [intro, method, ingredients, piece]
    assert [h.chunk.id for h in reading_order(order, best, 0.05)] == [2, 4, 1, 3]
    assert [h.chunk.id for h in reading_order(order, best, 0.12)] == [1, 3, 2, 4]


def test_a_quote_ending_on_a_lead_in_runs_on_through_what_it_introduces() -> None:
    """ "Service discovery consists of the following components:" quoted alone says nothing."""
    c = long_section(
        "Concepts",
        [
            "Discovery consists of the following components:",
            "+ namespace",
            "+ service",
            "",
            "A new paragraph after the list.",
        ],
    )
    lead = 15  # index of the lead-in line in c.text
    start, end = quote_span(c, {lead: 0.9, 1: 0.1})
    assert (start, end) == (lead + 1, lead + 3)  # the lead-in and its two items, 1-based


def test_a_quote_ending_inside_the_list_its_lead_in_introduces_runs_on_through_it() -> None:
    """ "How do we deaccession an object?" quoted "Process:" and step 1 of 5, its window
    holding no other step: a quote ending on an item of a list that a lead-in of its own
    introduces runs on to the list's end. Not a quote whose list has no lead-in in it."""
    steps = ["Process:", "1. Curator writes a proposal", "2. Board votes", "3. Offer it first",
             "", "Cooling-off: two months."]  # fmt: skip
    c = long_section("Deaccessioning", steps)
    lead = 15  # index of "Process:" in c.text
    assert quote_span(c, {lead + 1: 0.9, lead: 0.85, 1: 0.1}) == (lead + 1, lead + 4)
    bare = long_section("Deaccessioning", steps[1:])
    assert quote_span(bare, {lead: 0.9, 1: 0.1}) == (lead + 1, lead + 1)  # no lead-in


def test_a_quote_ending_on_a_label_line_over_a_list_runs_on_through_the_list() -> None:
    """ "what are the fifa 11+ warmup exercises" quoted Part 1's list and ended on "Part 2 —
    strength/balance (pick 3)", none of Part 2's exercises quoted: a short line of its own
    directly over a list labels it, as a colon would. Not a label with a blank line before
    its list, nor a clause, an item or a table row."""
    from assistant.stages.shape import labels_list
    from corpus.lines import LineRoles

    tail = ["Part 1 — running (pairs)", "- jog", "- hip out", "- hip in", "- circling",
            "- contact", "- quick", "", "Part 2 — strength/balance (pick 3)", "- plank",
            "- nordics", "- squats", "- jumping", "", "Key: knees over toes."]  # fmt: skip
    scores = {15: 0.9, 16: 0.85, 17: 0.85, 23: 0.85, 1: 0.1}  # indexes in c.text
    assert quote_span(long_section("Warm-up", tail), scores) == (16, 27)  # to the cap
    apart = [*tail[:9], "", *tail[9:]]  # a blank line between the label and its list
    assert quote_span(long_section("Warm-up", apart), scores) == (16, 24)
    lines = ["Part 2", "", "- plank", "Once warm,", "- jog", "- b", "  SCHEDULED: <2024-03-18>",
             "- c", "The end."]  # fmt: skip
    roles = LineRoles.of(lines)
    assert not any(labels_list(lines, roles, i) for i in (0, 3, 4, 6, 8))
    assert labels_list(["Part 2", "- plank"], LineRoles.of(["Part 2", "- plank"]), 0)


def test_a_quote_ending_on_a_bold_label_runs_on_through_what_it_labels() -> None:
    """AWS docs title each procedure with a bold line ("**Custom schedulers**", "**To view
    your scheduled tasks**"); a quote ending on one showed the title without its text."""
    c = long_section(
        "Scheduling",
        [
            "You can run tasks at set intervals with EventBridge.",
            "",
            "**Custom schedulers**",
            "",
            "You can write your own scheduler that calls StartTask.",
            "",
            "**Placement**",
        ],
    )
    start, end = quote_span(c, {15: 0.9, 17: 0.85})
    assert (start, end) == (16, 20)  # through the paragraph that "Custom schedulers" labels
    assert introduces("**Items that App Runner doesn't delete:**") and introduces("__Note__")
    assert not introduces("**Bold** words inside a sentence.")
    assert introduces("The following use cases are supported for ECS Anywhere\\.")
    assert not introduces("See the following topic. Then run it.")
    assert introduces("Follow these steps to check stopped tasks for errors\\.")
    assert introduces("To create a service using defined parameters, follow these steps\\.")
    assert not introduces("After you complete these steps, the service is ready\\.")
    assert introduces("<summary>Why not use a personal token in CI?</summary>")
    assert introduces("<details><summary>E3001: build failed</summary>")
    assert not introduces("<summary>")  # its text on the lines under it: not this line


def test_a_quote_ending_on_a_details_summary_runs_on_through_its_body() -> None:
    """ "Why shouldn't we use a personal token in CI?" quoted `<details>` and its
    `<summary>Why not use a personal token in CI?</summary>` alone: the summary restates the
    question, the body folded under it answers."""
    c = long_section(
        "Tokens",
        [
            "<details>",
            "<summary>Why not use a personal token in CI?</summary>",
            "",
            "Personal tokens are revoked when you leave the company.",
            "</details>",
            "",
            "Another paragraph.",
        ],
    )
    start, end = quote_span(c, {15: 0.5, 16: 0.9})
    assert (start, end) == (16, 20)  # through the body and the closing tag


def test_a_quote_never_stops_inside_a_code_block() -> None:
    c = long_section("Policy", ["Use this policy.", "```", "{", "}", "```"])
    assert quote_span(c, {15: 0.9, 17: 0.85}) == (16, 20)  # runs on to the closing fence
    long_code = [f"  line {i}," for i in range(20)]
    c = long_section("Policy", ["Use this policy.", "```", *long_code, "```"])
    assert quote_span(c, {15: 0.9, 17: 0.85}) == (16, 16)  # the block cannot fit: left out


def test_a_quote_from_inside_a_code_block_starts_at_its_fence() -> None:
    """The best line of a long section can be a line of code: quoted from there, the block lost
    its opening fence and showed as prose."""
    code = ["```", "aws ecs list-clusters", "aws ecs describe-clusters --clusters demo", "```"]
    c = long_section("CLI", ["Run:", *code, "Done."])
    best = 18  # "aws ecs describe-clusters ...", inside the block
    assert quote_span(c, {best: 0.9}) == (17, 20)  # the fence through the closing fence
    long_code = ["```", *[f"  step {i}" for i in range(20)], "```"]
    c = long_section("CLI", long_code)
    s, e = quote_span(c, {35: 0.9})  # too far into the block for its fence to fit
    assert s == 36 and e <= 36 + 11


def test_a_list_item_leading_into_a_code_block_closes_it_under_the_paragraph_rule() -> None:
    """ "3. Client config:" over a 12-line config file was quoted alone ("a code block too long
    to close left out"): a list item is no paragraph, so the paragraph rule's allowance was
    not its. An item that introduces the block after it now closes it as a paragraph does."""
    block = ["```ini", *[f"Key{i} = {i}" for i in range(10)], "```"]  # 12 lines
    c = long_section("Peer", ["1. Generate keys", "2. Add the peer", "3. Client config:", "",
                              *block])  # fmt: skip
    why: list[str] = []
    assert quote_span(c, {17: 0.9}, why=why) == (18, 31)  # the item through the closing fence
    assert "end: the code block closed (paragraph rule)" in why
    s, e = quote_span(c, {17: 0.9}, opts=AnswerOptions(code_after_paragraph=0))
    assert (s, e) == (18, 18)  # the rule off: the block is left out
    # the item must introduce it: "2. Add the peer" is no lead-in
    assert quote_span(c, {16: 0.9})[1] < 31


def test_a_finding_and_a_lead_in_close_the_block_they_introduce_under_the_paragraph_rule() -> None:
    """A CTF writeup's "how do I exploit a SUID systemctl binary?" quoted the finding and
    "make a service that runs as root:", the unit file after it left out ("a code block too
    long to close"): two paragraphs are not one. A quote ending on a lead-in to the block
    closes it within `code_after_paragraph` lines too; one ending on a line that introduces
    nothing does not."""
    note = (
        "## privesc: SUID systemctl\n\n`find / -perm -4000 2>/dev/null` -> /bin/systemctl is SUID"
        "\n\nmake a service that runs as root:\n\n```\nTF=$(mktemp).service\necho '[Service]\n"
        'Type=oneshot\nExecStart=/bin/sh -c "chmod +s /bin/bash"\n[Install]\n'
        "WantedBy=multi-user.target' > $TF\n/bin/systemctl link $TF\n"
        "/bin/systemctl enable --now $TF\n```\nthen `/bin/bash -p` -> root\n"
    )
    c = chunk(note, ["Box", "privesc: SUID systemctl"])
    scores = {2: 0.727, 4: 0.664, 7: 0.618, 8: 0.619, 9: 0.643, 10: 0.643, 11: 0.656,
              12: 0.644, 13: 0.705, 14: 0.665}  # fmt: skip
    why: list[str] = []
    assert quote_span(c, scores, why=why) == (3, 16)  # the finding through the closing fence
    assert "end: the code block closed (paragraph rule)" in why
    plain = chunk(note.replace("runs as root:", "runs as root."), ["Box", "privesc"])
    assert quote_span(plain, scores)[1] < 16  # no lead-in: the block left out, as before


def test_a_quote_of_a_code_block_from_its_fence_closes_it_under_the_paragraph_rule() -> None:
    """A quote starting at a block's fence (its best line inside) ended inside the block when
    the block ran past 12 lines, its fence left open; as a paragraph and its block may, it
    now closes a block within `code_after_paragraph` lines (longer ones stay a window)."""
    block = ["```json", *[f'  "key{i}": {i},' for i in range(14)], "```"]  # 16 lines
    c = long_section("Keys", ["Run:", "", *block])
    why: list[str] = []
    assert quote_span(c, {24: 0.9}, why=why) == (18, 33)  # fence through the closing fence
    assert "end: the code block closed (paragraph rule)" in why
    s, e = quote_span(c, {24: 0.9}, opts=AnswerOptions(code_after_paragraph=0))
    assert (s, e) == (18, 25)  # the rule off: the block is left open


def test_a_quote_of_table_rows_starts_at_the_header_row() -> None:
    """Rows quoted alone ("|  `host`  |  Yes  |  No  |") do not say what their columns mean."""
    table = [
        "| Network mode | Linux | Windows |",
        "| --- | --- | --- |",
        *[f"| mode{i} | Yes | No |" for i in range(6)],
    ]
    c = long_section("Modes", table)
    best = 20  # "| mode3 | Yes | No |"
    assert quote_span(c, {best: 0.9}) == (16, 21)  # header, rule and rows through the best
    rows = [f"| mode{i} | Yes | No |" for i in range(20)]
    c = long_section("Modes", [*table[:2], *rows])
    start, _ = quote_span(c, {34: 0.9})  # the header is too far above to fit
    assert start == 35


def test_a_quote_inside_a_callout_starts_at_its_title() -> None:
    """ "> Update the DNS record db.internal ..." was quoted without "> [!danger] Database
    failover" above it, the line that says what the block is about."""
    callout = [
        "> [!danger] Database failover",
        "> Promote the replica only after fencing the old primary.",
        "> Update the DNS record db.internal to the new primary.",
        "> Then rerun the migrations check.",
    ]
    c = long_section("Runbook", callout)
    why: list[str] = []
    assert quote_span(c, {17: 0.9}, why=why) == (16, 19)  # title through the callout's end
    assert "start: callout title, line 16" in why
    plain = [line.replace(" [!danger]", "") for line in callout]  # a plain block quote
    assert quote_span(long_section("Runbook", plain), {17: 0.9})[0] == 18
    far = [callout[0], *[f"> Check {i}." for i in range(14)], callout[2]]
    assert quote_span(long_section("Runbook", far), {30: 0.9})[0] > 16  # too far above to fit


def test_a_chunk_that_starts_inside_a_long_code_block_is_quoted_with_its_fences_balanced() -> None:
    """A long code block is split across chunks; in a later piece the first fence closes the
    block. Counted as an opening one, a quote of the piece lost the next block's last line."""
    text = "\n".join(['    "b": 2', "}", "```", "", "Then run it:", "```bash", "deploy", "```"])
    c = chunk(text, ["Policy"])  # a later piece: no heading line
    file = ["# Policy", "```json", "{", '    "a": 1,', *text.split("\n")]
    in_file = LineRoles.of(file).shifted(4)  # the chunk's lines as the file's parse reads them
    whole = AnswerOptions(piece_window=False)  # the piece whole, as before that rule
    assert quote_span(c, {0: 0.9}, in_file, whole) == (1, 8)  # whole, both blocks closed
    lines = ["# Policy", "```json", "{", '    "b": 2', "}", "```", "After."]
    assert [LineRoles.of(lines).open_after(i - 1) for i in range(len(lines))] == [
        False, False, True, True, True, True, False
    ]  # fmt: skip


def test_quotes_of_one_section_that_nearly_touch_are_shown_as_one() -> None:
    """ "[1] lines 38-45, [2] lines 47-54" of one section read as one quote of 38-54; a bold
    label ending one piece and the list it labels starting the next are joined too."""
    from assistant.models import Citation

    file = [f"line {i}" for i in range(1, 61)]

    def cite(start: int, end: int, heading: str = "A", path: str = "/n/a.md") -> Citation:
        return Citation(
            n=0,
            path=path.rsplit("/", 1)[-1],
            absolute_path=path,
            heading_path=[heading],
            start_line=start,
            end_line=end,
            quote="\n".join(file[start - 1 : end]),
            score=0.5 if start < 40 else 0.7,
        )

    got = merge_adjacent(
        [cite(38, 45), cite(47, 54), cite(58, 59), cite(60, 60, "B"), cite(1, 2, path="/n/b.md")],
        lambda p: file if p == "/n/a.md" else None,
    )
    assert [(c.n, c.start_line, c.end_line) for c in got] == [
        (1, 38, 54),  # joined across one blank-or-other line
        (2, 58, 59),  # three lines apart: kept apart
        (3, 60, 60),  # another section
        (4, 1, 2),
    ]
    assert got[0].quote == "\n".join(file[37:54]) and got[0].score == 0.7
    changed = cite(47, 54).model_copy(update={"changed_since_indexed": True})
    assert len(merge_adjacent([cite(38, 45), changed], lambda p: file)) == 2
    # a merged quote goes on where its last piece did, if past its end
    on = [cite(38, 45).model_copy(update={"continues_to": 50}), cite(47, 54)]
    assert merge_adjacent(on, lambda p: file)[0].continues_to is None
    on[1] = on[1].model_copy(update={"continues_to": 57})
    assert merge_adjacent(on, lambda p: file)[0].continues_to == 57


def test_a_quote_cut_inside_a_table_list_or_code_block_says_it_goes_on() -> None:
    """ "What random encounters can happen in the fen?" quoted 10 of a d12 table's 12 rows,
    and nothing said the table went on: the citation names the block's last line, "(goes on to
    line 19)"; a quote ending where its block does, or in a paragraph, says nothing."""
    from assistant.models import Citation
    from assistant.stages.render import render_text
    from assistant.stages.shape import goes_on

    rows = [f"| {i} | thing {i} |" for i in range(1, 6)]
    note = ["# Fen", "", "| d6 | what |", "|---|---|", *rows, "", "Prose.", "More prose.", ""]
    note += ["- a", "  - a1", "- b", "", "- c", "", "After.", "```", "x = 1", "y = 2", "```"]
    roles = LineRoles.of(note)
    assert goes_on(note, roles, 6) == 9  # the table's row 2 of 5: it goes on to row 5
    assert goes_on(note, roles, 9) is None  # its last row
    assert goes_on(note, roles, 11) is None  # a paragraph
    assert goes_on(note, roles, 15) == 18  # a list, nested items and a loose one
    assert goes_on(note, roles, 18) is None
    assert goes_on(note, roles, 22) == 23 and goes_on(note, roles, 23) is None  # code
    c = Citation(n=1, path="Fen.md", absolute_path="/x/Fen.md", heading_path=["Fen"],
                 start_line=3, end_line=6, quote="\n".join(note[2:6]), score=0.5,
                 continues_to=9)  # fmt: skip
    assert (
        render_text([c], False, [], []).split("\n")[-1]
        == "[1] Fen.md:3-6 › Fen (goes on to line 9)"
    )


def test_a_quote_does_not_end_on_a_list_of_links() -> None:
    """ "ECS Anywhere provides support for ... **Topics** + [External instance registration
    issues](#...)": the links are navigation, not part of the answer."""
    text = (
        "# Troubleshooting\nECS Anywhere registers external instances.\n\n**Topics**\n"
        "+ [Registration issues](#registration)\n+ [Network issues](#network)"
    )
    assert quote_span(chunk(text, ["Troubleshooting"]), {}) == (2, 2)
    links = "# Topics\n+ [Registration issues](#registration)\n+ [Network issues](#network)"
    assert quote_span(chunk(links, ["Topics"]), {}) == (2, 3)  # nothing else: kept
    said = "# Agent\nSee these:\n+ [Install](install.md) \\(Linux\\)\n+ [Update](update.md)"
    assert quote_span(chunk(said, ["Agent"]), {}) == (2, 4)  # a list only partly of links
    topics = "# Managing\n**Topics**\n+ [Creating](create.md)\n+ [Deleting](delete.md)"
    assert quote_span(chunk(topics, ["Managing"]), {}) == (2, 4)  # never a lone "**Topics**"
    # a footer of links under a note's last bullet is no item of its list (a Foam note)
    foam = (
        "# Broadcast join\n- auto under 10MB\n- force it: broadcast(small)\n\nLinks: [[moc-spark]]"
    )
    assert quote_span(chunk(foam, ["Broadcast join"]), {}) == (2, 3)
    kept = evidence_texts(chunk(text, ["Troubleshooting"]), [])
    assert kept == ["ECS Anywhere registers external instances."]  # the label is no evidence


def test_a_quote_ending_its_chunk_on_a_lead_in_runs_on_into_the_file() -> None:
    """ "Service discovery consists of the following components:" ended its chunk, the list in
    the next one: the quote was the lead-in alone."""
    file = [
        "## Service discovery",
        "Service discovery consists of the following components:",
        "+ namespace",
        "+ service",
        "",
        "A new paragraph.",
        "## Next",
    ]
    assert run_on(file, 2, 2) == 4  # through the list, not the next paragraph
    assert run_on(file, 3, 4) == 4  # no lead-in at the end: unchanged
    assert run_on([*file[:2], "## Next"], 2, 2) == 2  # a heading follows: nothing to run on to
    long = ["Do this:", *[f"+ step {i}" for i in range(30)]]
    assert run_on(long, 1, 1) == DEFAULT_OPTIONS.max_quote_lines  # never past the cap


def test_overlapping_quotes_of_one_section_are_shown_once() -> None:
    from assistant.models import Citation

    file = [f"line {i}" for i in range(1, 21)]

    def cite(start: int, end: int) -> Citation:
        quote = "\n".join(file[start - 1 : end])
        return Citation(
            n=0, path="a.md", absolute_path="/a.md", heading_path=["A"], start_line=start,
            end_line=end, quote=quote, score=0.5,
        )  # fmt: skip

    got = merge_adjacent([cite(2, 6), cite(5, 9)], lambda p: file)
    assert [(c.start_line, c.end_line) for c in got] == [(2, 9)]
    assert got[0].quote == "\n".join(file[1:9])


def test_prepositions_are_neither_searched_nor_reported_missing() -> None:
    """ "across" or "within" say nothing about the subject: "Your notes don't mention spread,
    traffic, across" read as if the notes lacked a topic called "across"."""
    from index.retrieve import query_terms

    q = "How do I spread traffic across my tasks within a cluster, without downtime?"
    assert query_terms(q) == ["spread", "traffic", "tasks", "cluster", "downtime"]


def test_a_question_about_a_name_the_notes_lack_needs_a_named_subject_they_have() -> None:
    """In a large corpus every ordinary word is covered: "scale a deployment" matched
    "How do I scale a deployment on Heroku?", which was answered from ECS docs."""
    hit = Hit(chunk=chunk("## Scaling\n- Scale the ECS service", ["Scaling"]), score=1.0)
    common = COMMON | {"scale", "deployment", "logs", "send", "container"}

    def cov(**chunks: int) -> list[TermInfo]:
        return [TermInfo(term=t, chunks=n) for t, n in chunks.items()]

    heroku = decide(
        "How do I scale a deployment on Heroku?",
        cov(scale=9, deployment=9, heroku=0),
        [hit],
        best_line=0.6,
        common=common,
    )
    assert heroku.abstain and heroku.missing == ["heroku"]
    loki = decide(  # about ECS, which the notes name: answered, naming Loki as missing
        "How do I send ECS container logs to Loki?",
        cov(send=9, ecs=9, container=9, logs=9, loki=0),
        [hit],
        best_line=0.6,
        common=common,
    )
    assert not loki.abstain and loki.missing == ["loki"]
    # capitalised only where it is a name: "Azure Container Apps", not "a container"
    azure = decide(
        "How do I scale a container on Azure Container Apps?",
        cov(scale=9, container=9, azure=0, apps=3),
        [hit],
        best_line=0.6,
        common=common | {"apps"},
    )
    assert azure.abstain
    # a question's first word is capitalised anyway, but "EKS" is still written as a name
    eks = decide(
        "EKS with Karpenter", cov(eks=3, karpenter=0), [hit], best_line=0.6, common=common | {"eks"}
    )
    assert not eks.abstain and eks.missing == ["karpenter"]
    # a short capitalised token the vocabulary holds ("VM") is too ambiguous to count as a
    # name (one it lacks is an acronym: test_an_acronym_the_notes_never_write_is_a_missing…)
    vm = decide(
        "What may the host VM do for the container?",
        cov(host=3, vm=0, container=9),
        [hit],
        best_line=0.6,
        common=common | {"host", "vm"},
    )
    assert not vm.abstain


def test_phrases_know_which_of_their_words_were_capitalised() -> None:
    subject = ["push", "gitlab", "container", "registry", "ci"]
    found = phrases("How do I push to the GitLab container registry from CI?", subject)
    assert [(p.terms, set(p.capitalised)) for p in found] == [
        (("push",), set()),
        (("gitlab", "container", "registry"), {"gitlab"}),
        (("ci",), {"ci"}),
    ]
    first, fargate = phrases("Containers on Fargate?", ["containers", "fargate"])
    assert not first.capitalised  # the first word of a question is capitalised anyway
    assert fargate.capitalised == {"fargate"}


def test_a_lead_in_runs_on_into_a_code_block_whose_first_line_is_a_comment() -> None:
    """ "Run the following commands:" then a fenced block opening with `# install the agent`:
    the `#` line is a shell comment inside the fence, not the next heading."""
    file = [
        "## Setup",
        "Run the following commands:",
        "",
        "```sh",
        "# install the agent",
        "sudo yum install -y agent",
        "```",
        "",
        "## Next",
    ]
    assert run_on(file, 2, 2) == 7
    assert run_on([*file[:2], "", "# Real heading", "text"], 2, 2) == 2  # a heading: stop


def test_options_switch_rules_off_without_patching() -> None:
    from assistant.options import AnswerOptions

    file = ["## S", "Do the following:", "+ one", "+ two"]
    assert run_on(file, 2, 2) == 4
    assert run_on(file, 2, 2, AnswerOptions(lead_in_run_on=False)) == 2
    text = "# T\nECS Anywhere registers external instances.\n\n**Topics**\n+ [A](#a)\n+ [B](#b)"
    assert quote_span(chunk(text, ["T"]), {}) == (2, 2)
    assert quote_span(chunk(text, ["T"]), {}, opts=AnswerOptions(links=False)) == (2, 6)
    long = "# L\n" + "\n".join([*FILLER, "The answer is 42.", *FILLER])
    scores = {i: 0.1 for i in range(1, 30)} | {15: 0.9}
    assert quote_span(chunk(long, ["L"]), scores, opts=AnswerOptions(max_quote_lines=3)) == (
        16,
        16,
    )
    why: list[str] = []
    quote_span(chunk(long, ["L"]), scores, why=why)
    assert why and why[0].startswith("best line 16")


def line_with_every_term(*args: Any) -> bool:
    """Whether the whole-line rule holds (`evidence.section_with_every_term`)."""
    from assistant.stages.evidence import section_with_every_term

    return section_with_every_term(*args) is not None


def hit(cid: int, path: str = "n.md") -> Hit:
    c = chunk(f"# H{cid}\ntext {cid}", [f"H{cid}"]).model_copy(update={"id": cid, "path": path})
    return Hit(chunk=c, score=1.0 / cid)


def test_pick_sections_keeps_near_best_lines_and_reinserts_a_close_top_hit() -> None:
    from assistant.options import AnswerOptions
    from assistant.stages.select import pick_sections

    hits = [hit(1), hit(2), hit(3), hit(4)]
    best = {1: 0.50, 2: 0.70, 3: 0.62, 4: 0.40}
    got = [h.chunk.id for h in pick_sections(hits, 3, best)]
    assert got == [1, 2, 3]  # 2 and 3 within 0.12 of the best; top hit 1 within 0.24
    assert [h.chunk.id for h in pick_sections(hits, 3, {**best, 1: 0.40})] == [2, 3]
    assert [h.chunk.id for h in pick_sections(hits, 1, best)] == [2]  # at most k, the best's
    # found after k others near it, the best line's section is still quoted ("Which ESP32
    # GPIO is SDA wired to?" lost the pinout table to three cheat-sheet sections)
    crowd = {1: 0.55, 2: 0.56, 3: 0.57, 4: 0.60}
    assert [h.chunk.id for h in pick_sections(hits, 3, crowd)] == [1, 2, 4]
    tight = AnswerOptions(line_margin=0.05)
    assert [h.chunk.id for h in pick_sections(hits, 3, best, tight)] == [2]
    assert [h.chunk.id for h in pick_sections(hits, 3, {})] == [1]  # nothing scored: top hit
    assert pick_sections([], 3, best) == []
    # the top hit within twice the margin of a weak best line, but under min_line (0.29):
    # "Adding a new printer" (0.23) quoted first for a question about distribution lists
    weak = {1: 0.23, 2: 0.40, 3: 0.20, 4: 0.10}
    assert [h.chunk.id for h in pick_sections(hits, 3, weak)] == [2]
    assert [h.chunk.id for h in pick_sections(hits, 3, {**weak, 1: 0.30})] == [1, 2]
    low = AnswerOptions(min_line=0.2)
    assert [h.chunk.id for h in pick_sections(hits, 3, weak, low)] == [1, 2]


def test_the_other_piece_of_a_short_section_needs_only_the_quote_window() -> None:
    """A short section embedded in two pieces (an appliance table of model numbers, too many
    tokens for one): "When does the washing machine warranty run out?" scored the line under
    the table 0.40 and the table's piece 0.34, under the companion floor (0.45), so only the
    line was quoted. The other piece of a section that fits in `max_quote_lines` needs only
    to be within `quote_window`; a piece of a longer section (a long table, a list of links)
    or of another section still needs the floor."""
    from assistant.stages.select import pick_sections

    def piece(cid: int, heading: str, start: int, end: int) -> Hit:
        c = chunk(f"text {cid}", [heading]).model_copy(
            update={"id": cid, "path": "house.md", "start_line": start, "end_line": end}
        )
        return Hit(chunk=c, score=1.0 / cid)

    line, table = piece(1, "Appliances", 12, 12), piece(2, "Appliances", 1, 10)
    hits = [line, table, piece(3, "Boiler", 20, 24)]
    best = {1: 0.40, 2: 0.34, 3: 0.38}
    assert [h.chunk.id for h in pick_sections(hits, 3, best)] == [1, 2]
    assert [h.chunk.id for h in pick_sections(hits, 3, {**best, 2: 0.31})] == [1]
    longer = [line, piece(4, "Appliances", 13, 26)]  # 15 lines together: no short section
    assert [h.chunk.id for h in pick_sections(longer, 3, {1: 0.40, 4: 0.36})] == [1]


def test_a_further_section_needs_a_line_close_in_itself() -> None:
    """Asked "What does the VPN use?" of four notes, the WireGuard line (0.42) came with a
    firewall rule scored 0.30: within the margin of a weak best line, but like the question in
    nothing. A further section's best line must also reach `min_companion_line`."""
    from assistant.options import AnswerOptions
    from assistant.stages.explain import _selection_text
    from assistant.stages.select import pick_sections

    hits = [hit(1), hit(2, "firewall.md"), hit(3)]
    weak = {1: 0.42, 2: 0.30, 3: 0.46}
    # 3 holds the best line, 1 is the top hit (kept within twice the margin), 2 is left out
    assert [h.chunk.id for h in pick_sections(hits, 3, weak)] == [1, 3]
    off = AnswerOptions(min_companion_line=0.0)
    assert [h.chunk.id for h in pick_sections(hits, 3, {1: 0.42, 2: 0.30}, off)] == [1, 2]
    assert [h.chunk.id for h in pick_sections(hits, 3, {1: 0.42, 2: 0.30})] == [1]
    strong = {1: 0.70, 2: 0.60}  # a close line in itself is quoted as before
    assert [h.chunk.id for h in pick_sections(hits, 3, strong)] == [1, 2]
    said = _selection_text(hits, {1: 0.42, 2: 0.30}, {1}, AnswerOptions())
    assert "min_companion_line 0.45" in said
    assert said.endswith("left out by min_companion_line: firewall.md:1-2 › H2 (0.30)")
    assert "left out" not in _selection_text(hits, {1: 0.42, 2: 0.30}, {1}, off)


def test_render_text_quotes_cites_and_abstains_plainly() -> None:
    from assistant.models import Citation, Closest
    from assistant.stages.render import render_text

    c = Citation(
        n=1,
        path="n.md",
        absolute_path="/x/n.md",
        heading_path=["Intro", "LB"],
        start_line=3,
        end_line=4,
        quote="- ALB\n- NLB",
        score=0.5,
    )
    text = render_text([c], False, [], [])
    assert text.split("\n") == [
        "From your notes, Intro › LB:",
        "> - ALB",
        "> - NLB",
        "[1] n.md:3-4 › Intro › LB",
    ]
    near = Closest(path="n.md", heading_path=["Intro"], start_line=1, end_line=9, score=0.2)
    out = render_text([], True, ["Heroku"], [near])
    assert out.split("\n") == [
        "Not in your notes. Your notes don't mention Heroku.",
        "Closest matches (not answers):",
        "  - n.md:1-9 › Intro",
    ]
    assert "From your notes" not in out
    assert render_text([], True, [], []) == "Not in your notes."
    blob = "x" * 2000  # a pasted blob's one "word" is said in brief
    assert (
        render_text([], True, [blob], [])
        == f"Not in your notes. Your notes don't mention {'x' * 39}…."
    )
    # partly covered: the covered part quoted, the missing names said first, each as it is
    # missing (from the whole folder, or from the sections found)
    partly = render_text(
        [c], False, ["Loki", "rebased"], [], elsewhere=["rebased"], outcome="partly_covered"
    )
    assert partly.split("\n")[:3] == [
        "Partly covered. Your notes don't mention Loki. The sections found don't mention rebased.",
        "",
        "From your notes, Intro › LB:",
    ]
    # an ordinary word the notes lack is said, without calling the answer partial
    plain = render_text([c], False, ["pricing"], [])
    assert plain.split("\n")[0] == "Your notes don't mention pricing."


def test_local_coverage_a_name_only_elsewhere_in_the_folder_is_missing() -> None:
    """ "rebased" is in the notes, but none of the top sections mentions it: the answer names
    it as missing (from the sections found), and an ordinary word is never reported."""
    from assistant.stages.decide import localise
    from assistant.stages.evidence import terms_in

    hits = [
        Hit(chunk=chunk("## Branches\nCompare two branches with git diff.", ["Branches"]), score=1),
        Hit(chunk=chunk("## Log\nShow the log of a branch.", ["Log"]), score=0.9),
    ]
    cov = [
        TermInfo(term="rebased", chunks=20),
        TermInfo(term="branch", chunks=90),
        TermInfo(term="compare", chunks=5),
    ]
    top = terms_in(hits, cov, sections=3)
    assert top == {"branch", "compare"}
    q = "How do I compare a branch after it was rebased?"
    local = localise(cov, q, COMMON | {"branch"}, top)
    assert [t.term for t in local if not t.covered] == ["rebased"]
    d = decide(q, local, hits, 0.6, COMMON | {"branch"})
    assert not d.abstain and d.missing == ["rebased"] and d.outcome == "partly_covered"
    # an ordinary word the top sections lack stays covered: it names no subject
    assert localise(cov, "compare rebased", COMMON | {"rebased"}, top)[0].covered


def test_local_coverage_a_clipped_word_is_mentioned_by_its_full_word() -> None:
    """ "auth" is in the notes, and the top section writes "authentication": it mentions the
    term, which is no missing name ("The sections found don't mention auth" was said)."""
    from assistant.stages.decide import localise
    from assistant.stages.evidence import terms_in

    hits = [Hit(chunk=chunk("## Access\nTurn on authentication for the vault.", ["A"]), score=1)]
    auth = TermInfo(term="auth", chunks=20, full=("authentication", "authorization"))
    assert terms_in(hits, [auth], sections=3) == {"auth"}
    assert terms_in(hits, [auth.model_copy(update={"full": ()})], sections=3) == set()
    q = "How do I turn on auth for the vault?"
    assert localise([auth], q, COMMON, {"auth"})[0].covered
    # the other way round: a clipping the section writes mentions its full word ("What time
    # is the Saturday shift?" of "| Sat | 8-11am | Jen |" said "don't mention Saturday")
    shifts = [
        Hit(chunk=chunk("## Shifts\n| Day | Time |\n|---|---|\n| Sat | 8-11am |", ["S"]), score=1)
    ]
    saturday = TermInfo(term="saturday", chunks=2)
    assert terms_in(shifts, [saturday], sections=3) == {"saturday"}


def test_local_coverage_a_hyphenated_word_mentions_the_word_written_whole() -> None:
    """ "pihole" is in the folder (`pihole -t` in another section), and the top section is
    headed "Pi-hole": it mentions the term ("The sections found don't mention pihole" was
    said, over a quote from the Pi-hole note). Without the split-word rule it does not."""
    from assistant.stages.evidence import terms_in

    hits = [Hit(chunk=chunk("## Pi-hole\nUpstream DNS is 127.0.0.1#5335.", ["Pi-hole"]), score=1)]
    pihole = TermInfo(term="pihole", chunks=2)
    assert terms_in(hits, [pihole], sections=3, joined=True) == {"pihole"}
    assert terms_in(hits, [pihole], sections=3) == set()
    # only a hyphen inside a word joins: "pi - hole" is two words
    apart = [Hit(chunk=chunk("## Pi - hole\nUpstream DNS.", ["Pi - hole"]), score=1)]
    assert terms_in(apart, [pihole], sections=3, joined=True) == set()


def test_local_coverage_a_numbered_host_mentions_its_name() -> None:
    """ "At what battery percentage does the NAS shut down?" said "The sections found don't
    mention NAS" over "At 30% battery: pve1, pve2 and nas01 shut down": a name numbered at
    its end mentions the name (the split-word rule); a version or a lone letter does not."""
    from assistant.stages.evidence import terms_in

    text = "## Shutdown order\nAt 30% battery: pve1, pve2 and nas01 shut down. See v1.2, h264."
    hits = [Hit(chunk=chunk(text, ["Shutdown order"]), score=1)]
    cov = [TermInfo(term=t, chunks=2) for t in ("nas", "pve", "v", "h")]
    assert terms_in(hits, cov, sections=3, joined=True) == {"nas", "pve"}
    assert terms_in(hits, cov, sections=3) == set()


def test_a_callouts_title_is_no_evidence_its_lines_are() -> None:
    """ "> [!todo] Before the contract ends" scored 0.67 for "When does my internet contract
    end?", above the line with the contract's end date: a callout's title over lines of its
    own heads them, as a heading does. A callout of a title alone still says it."""
    text = (
        "## Outages\n| Date | Duration |\n| --- | --- |\n| 2024-05-30 | 40 min |\n\n"
        "> [!todo] Before the contract ends\n> Compare with Odido in February 2025.\n\n"
        "> [!warning] Never reboot the ONT during a firmware update"
    )
    c = chunk(text, ["Outages"])
    got = evidence_texts(c, ["contract"])
    assert "> [!todo] Before the contract ends" not in got
    assert "> Compare with Odido in February 2025." in got
    assert "> [!warning] Never reboot the ONT during a firmware update" in got
    off = [
        c.text.split("\n")[c.body_lines()[n][0]] for n in evidence_lines(c, [], 10, markup=False)
    ]
    assert "> [!todo] Before the contract ends" in off


def test_local_coverage_a_lowercase_typo_of_an_ordinary_word_is_that_word() -> None:
    """ "isue" read as "issue" is an ordinary word, not a name only elsewhere in the folder
    ("Your notes don't mention isue" was said); "ClickUp" read as "click" stays a name."""
    from assistant.stages.decide import localise

    cov = [
        TermInfo(term="isue", chunks=0, near="issue"),
        TermInfo(term="clickup", chunks=0, near="click"),
    ]
    common = COMMON | {"issue", "click"}
    q = "Is it a timezone isue, and can tasks be pushed to ClickUp?"
    local = {t.term: t for t in localise(cov, q, common, in_top=set())}
    assert local["isue"].covered and local["isue"].near == "issue"
    assert not local["clickup"].covered


def test_an_identifier_no_top_section_writes_is_missing_though_its_words_are_there() -> None:
    """The compound rule: "pg_advisory_lock" is three words the notes use, but no top section
    writes the function, so the answer is partly covered, naming it; a section that writes it
    (any joiner) covers it; words joined by "-" are left to the term rules; off: answered."""
    from assistant.options import AnswerOptions
    from assistant.stages.decide import missing_compounds

    q = "How do I take a pg_advisory_lock so that two workers don't run the same job?"
    about = [Hit(chunk=chunk("## Locks\nOne worker runs the job: advisory locks.", ["L"]), score=1)]
    cov = [TermInfo(term=t, chunks=5) for t in ("pg", "advisory", "lock", "workers", "job")]
    d = decide(q, cov, about, 0.6, COMMON)
    assert not d.abstain and d.outcome == "partly_covered"
    assert d.missing == ["pg_advisory_lock"] and d.names == ["pg_advisory_lock"]
    assert d.compounds == ["pg_advisory_lock"]
    from assistant.stages.explain import _decision_text

    assert _decision_text(d, 0.6, DEFAULT_OPTIONS).endswith(
        "; compound rule: none of the top 3 sections writes pg_advisory_lock"
    )
    off = decide(q, cov, about, 0.6, COMMON, AnswerOptions(compounds=False))
    assert off.outcome == "answered" and off.missing == []
    writes = [Hit(chunk=chunk("## Locks\nselect pg_advisory_lock(42);", ["L"]), score=1)]
    assert decide(q, cov, writes, 0.6, COMMON).outcome == "answered"
    spaced = [Hit(chunk=chunk("## Locks\nThe PG Advisory Lock functions.", ["L"]), score=1)]
    assert missing_compounds(q, spaced, 3) == []
    found = missing_compounds("Set up lazy.nvim, e.g. v1.2 on Node.js?", [], 3)
    assert found == ["lazy.nvim", "Node.js"]
    assert missing_compounds("a latency-sensitive, slimmed-down git filter-repo", [], 3) == []
    # one-letter names, which query terms leave out ("how does A* search work" was answered
    # about binary search): missing unless a top section writes them
    letters = "How does A* compare to the Z algorithm, C++ and a B-tree? A good one?"
    assert missing_compounds(letters, [], 3) == ["A*", "Z algorithm", "C++", "B-tree"]
    # no letter of "A/B test", nor a letter before a function word ("vitamin K for bleeding"
    # was partly covered, "Your notes don't mention K for")
    assert missing_compounds("the checkout A/B test; vitamin K for bleeding", [], 3) == []
    binary = [Hit(chunk=chunk("## Search\nSELECT data* FROM t; a z-algorithm", ["S"]), score=1)]
    assert missing_compounds("how does A* or the Z algorithm work", binary, 3) == ["A*"]
    # a letter of a formula is no name ("what is H = X(X^TX)^{-1}X^T called…" said "Your
    # notes don't mention T called")
    assert missing_compounds("what is X^T called, and x_{i} or \\T values?", [], 3) == []
    # an item's number ("what was my status on problem 560?" was answered with a problems
    # log holding no 560): missing unless a top section writes the number, in any words
    log = [Hit(chunk=chunk("## Log\n| 416. Partition | failed |\n| 0084. Histogram | ok |",
                           ["Log"]), score=1)]  # fmt: skip
    assert missing_compounds("what was my status on problem 560?", log, 3) == ["problem 560"]
    assert missing_compounds("what was my status on problem 84?", log, 3) == []
    assert missing_compounds("How do I scale to 10 replicas, like #123?", [], 3) == []


def test_a_full_name_no_top_section_writes_is_missing_though_each_name_is_there() -> None:
    """A personal CRM: "When did I last talk to Anna Schmidt?" was answered from Hannah
    Schmidt's note (Anna being Anna Keller's name), "When is Anna Becker's birthday?" from a
    table of birthdays: words capitalised one after another are one name, missing where no
    top section writes them together, with any joiner ("anna-schmidt.md"), or in order in its
    note's path ("What does the Dendron Preview give me?" of `dendron.topic.preview.md`). A
    sentence's first word is not part of a name ("Can App Runner…")."""
    from assistant.stages.decide import full_names, missing_compounds

    assert full_names("When did I last talk to Anna Schmidt?") == ["Anna Schmidt"]
    assert full_names("Can App Runner deploy? Is Docker Swarm there?") == [
        "App Runner",
        "Docker Swarm",
    ]
    assert full_names("When is Anna Keller's birthday on Tuesday March 5?") == ["Anna Keller"]
    assert full_names("Where does Priya work?") == []

    def note(path: str, text: str) -> Hit:
        c = chunk(text, [text.split("\n")[0].lstrip("# ")])
        return Hit(chunk=c.model_copy(update={"path": path}), score=1)

    hannah = note("people/hannah-schmidt.md", "# Hannah Schmidt\nHusband: Markus.")
    anna = note("people/anna-keller.md", "# Anna Keller\nKids: Lena.")
    q = "When did I last talk to Anna Schmidt?"
    assert missing_compounds(q, [hannah, anna], 3) == ["Anna Schmidt"]
    cov = [TermInfo(term=t, chunks=3) for t in ("last", "talk", "anna", "schmidt")]
    d = decide(q, cov, [hannah, anna], 0.6, COMMON)
    assert d.outcome == "partly_covered" and d.missing == ["Anna Schmidt"], d
    assert missing_compounds("When is Anna Keller's birthday?", [hannah, anna], 3) == []
    preview = note("dendron.topic.preview.md", "## Summary\nA rich HTML preview.")
    assert missing_compounds("What does the Dendron Preview give me?", [preview], 3) == []
    tom = note("people/tom-becker.md", "# Tom Becker\nBirthday: 30 Nov.")
    assert missing_compounds("whens Tom Beckers birthday", [tom], 3) == []  # no apostrophe
    fatima = note("people/fatima-hassan.md", "# Fatima Hassan\nMoving to Munich.")
    typo = {"fatma": "fatima"}  # as the typo rule read it
    assert missing_compounds("what does Fatma Hassan want?", [fatima], 3, (), typo) == []
    assert missing_compounds("what does Fatma Hassan want?", [fatima], 3) == ["Fatma Hassan"]
    runner = note("app-runner/python.md", "# Using the Python platform\nApp Runner runs it.")
    q3 = "Which updates does App Runner apply to my Python App Runner service?"
    assert missing_compounds(q3, [runner], 3) == []  # two names: Python's App Runner
    assert missing_compounds("Can I use Fargate Live Migration?", [runner], 3) == [
        "Fargate Live Migration"
    ]
    song = note("songs/dont-look-back.md", "# Don't Look Back in Anger\nI sing lead.")
    assert missing_compounds("who sings lead on Dont Look Back in Anger?", [song], 3) == []


def test_a_quoted_section_naming_none_of_the_questions_rare_names_is_left_out() -> None:
    """The named-quotes rule (travel plans): "what's the confirmation code for our hotel in
    Sintra?" quoted the Sintra note, then another trip's lodging table and its codes. Where
    a picked section writes a rare name the question capitalises, the further ones writing
    none of them are left out (never the first: the reports service's ports, which list no
    gRPC port, are what "what gRPC port does the reports service use?" is about); not for a
    name written all over (a qualifier, "EC2"), nor for a question of two parts, nor with
    the rule off; and not when no section names it."""
    from assistant.stages.select import naming_only

    sintra = Hit(chunk=chunk("## Sintra\nDay trip by train, back by 7.", ["Sintra"]), score=1)
    lodging = Hit(chunk=chunk("## Lodging\n| Hotel | Code |\n| El Tovar | XTN-1 |", ["Lodging"]),
                  score=1)  # fmt: skip
    q = "What's the confirmation code for our hotel in Sintra?"
    rare = [TermInfo(term="sintra", chunks=3)]
    assert naming_only([sintra, lodging], rare, q, sections_total=100) == [sintra]
    assert naming_only([lodging, sintra], rare, q, sections_total=100) == [lodging, sintra]
    assert naming_only([sintra, lodging], rare, q, sections_total=10) == [sintra, lodging]
    assert naming_only(
        [sintra, lodging], [TermInfo(term="sintra", chunks=40)], q, sections_total=2000
    ) == [
        sintra,
        lodging,
    ]
    assert naming_only([sintra, lodging], rare, q, AnswerOptions(named_quotes=0), None, 100) == [
        sintra,
        lodging,
    ]
    two = q + ", and where did we park?"
    two = two.replace("?,", ";")
    assert naming_only([sintra, lodging], rare, two, sections_total=100) == [sintra, lodging]
    assert naming_only([lodging], rare, q) == [lodging]
    nowhere = [TermInfo(term="porto", chunks=2)]
    assert naming_only([sintra, lodging], nowhere, q, sections_total=100) == [sintra, lodging]


def test_a_long_sections_pieces_are_quoted_as_its_lines() -> None:
    """ "what is the key to join lines in vim?" quoted twelve rows of a 52-row table (a piece
    whose best row scored 0.63) above the `J` row (0.73, a later piece of the same section):
    pieces of one table are quoted only within `quote_window` of its best, as its lines
    are; another section keeps the companion margin, and so do pieces of prose. Off, as
    before."""
    from assistant.stages.select import pick_sections

    def piece(cid: int, start: int, heading: str = "Normal mode") -> Hit:
        c = chunk("| key | action |", ["Vim", heading]).model_copy(
            update={"id": cid, "path": "vim.md", "start_line": start, "end_line": start + 11}
        )
        return Hit(chunk=c, score=1.0 / cid)

    early, late, other = piece(1, 14), piece(2, 45), piece(3, 60, "Macros")
    best = {1: 0.63, 2: 0.73, 3: 0.63}
    assert pick_sections([early, late, other], 3, best) == [late, other]
    off = AnswerOptions(pieces=False)
    assert pick_sections([early, late, other], 3, best, off) == [early, late, other]
    near = {1: 0.68, 2: 0.73, 3: 0.63}  # within 0.08 of the section's best: kept
    assert pick_sections([early, late, other], 3, near) == [early, late, other]
    prose = [h.model_copy(update={"chunk": h.chunk.model_copy(update={"text": "Some words."})})
             for h in (early, late, other)]  # fmt: skip
    assert pick_sections(prose, 3, best) == prose


def test_a_section_its_headings_name_further_down_is_scored() -> None:
    """ "What are Ysene's secrets?" quoted her manor and her guild: `NPCs/Ysène Varlow.md ›
    Secrets` ranked fourth, so its lines were never scored and the heading rule could not
    quote it. A section among the first ten whose headings and note name every subject term
    takes the last of the top three places; not when one of those is so named, nor off."""
    from assistant.stages.select import with_heading_scored

    def sec(cid: int, path: str, heading: list[str]) -> Hit:
        c = chunk("Some text.", heading).model_copy(update={"id": cid, "path": path})
        return Hit(chunk=c, score=1.0 / cid)

    manor = sec(1, "Locations/Varlow Manor.md", ["Varlow Manor"])
    guild = sec(2, "Factions/Velvet Hand.md", ["The Velvet Hand", "Leadership"])
    overview = sec(3, "Campaign overview.md", ["Overview", "Big secrets"])
    secrets = sec(4, "NPCs/Ysène Varlow.md", ["Ysène Varlow", "Secrets"])
    hits = [manor, guild, overview, secrets]
    cov = [TermInfo(term="ysene", chunks=5), TermInfo(term="secrets", chunks=3)]
    assert with_heading_scored(hits, cov) == [manor, guild, secrets, overview]
    assert with_heading_scored(hits, cov, AnswerOptions(headings=False)) == hits
    named = [manor, secrets, overview, guild]  # one of the top three is so named already
    assert with_heading_scored(named, cov) == named
    one = [TermInfo(term="secrets", chunks=3)]  # one plain word: too weak a name
    assert with_heading_scored(hits, one) == hits


def test_an_ordinary_word_naming_one_of_several_siblings_is_a_missing_name() -> None:
    """ "when does the boat insurance renew?" of notes headed "Car insurance" and "Travel
    insurance" quoted the car's renewal date, "high": "boat" is an ordinary word, and the
    ordinary-word rule says nothing of one the notes lack. Before a word their headings write
    after two or more other words, it names which one is asked about (the sibling rule)."""
    from assistant.stages.decide import sibling_names

    mods = {"insurance": {"car", "travel", "home"}, "exam": {"history"}}
    cov = [TermInfo(term="boat", chunks=0), TermInfo(term="insurance", chunks=4),
           TermInfo(term="renew", chunks=3)]  # fmt: skip
    q = "when does the boat insurance renew?"
    assert sibling_names(q, cov, COMMON | {"boat"}, mods) == ["boat"]
    assert sibling_names(q, cov, COMMON | {"boat"}, {"insurance": {"car"}}) == []  # one
    apart = "is the boat covered by my insurance?"  # not side by side
    assert sibling_names(apart, cov, COMMON | {"boat"}, mods) == []
    for owned in ("when does the boat's insurance renew?", "when does the boat’s insurance renew"):
        assert sibling_names(owned, cov, COMMON | {"boat"}, mods) == ["boat"]  # a possessive
    c = chunk("## Renewal\nRenewal date: 14 September 2025", ["Car insurance", "Renewal"])
    h = [Hit(chunk=c, score=1.0)]
    d = decide(q, cov, h, 0.6, COMMON | {"boat"}, siblings=["boat"])
    assert d.abstain and d.missing == ["boat"] and d.siblings == ["boat"]
    assert not decide(q, cov, h, 0.6, COMMON | {"boat"}).abstain  # the rule's doing
    rigid = [TermInfo(term="rigid", chunks=1), TermInfo(term="mechanical", chunks=0),
             TermInfo(term="parts", chunks=3)]  # fmt: skip
    kinds = {"part": {"rigid", "loose", "moving"}}
    common = COMMON | {"rigid", "mechanical", "parts", "steel"}
    assert sibling_names("how do I parent rigid mechanical parts?", rigid, common, kinds) == []
    steel = [TermInfo(term="steel", chunks=1), *rigid[1:]]  # a word before that is no kind
    assert sibling_names("steel mechanical parts?", steel, common, kinds) == ["mechanical"]


def test_the_sibling_rule_reads_the_notes_text_for_ordinary_words() -> None:
    """ "Does my home insurance cover flood damage?" of notes writing "water damage" and
    "accidental damage", never "flood", quoted the policy's cover list (the text-sibling
    rule). Only ordinary words written before it count ("AWS App Runner" names no kind of
    app), and only before an ordinary word the user did not capitalise ("try ECS")."""
    from assistant.stages.decide import sibling_names

    cov = [TermInfo(term="flood", chunks=0), TermInfo(term="damage", chunks=4),
           TermInfo(term="cover", chunks=3)]  # fmt: skip
    q = "Does my home insurance cover flood damage?"
    common = COMMON | {"flood", "water", "accidental", "damage"}
    text = {"damage": {"water", "accidental"}}
    assert sibling_names(q, cov, common, {}, lambda w: text.get(w, set())) == ["flood"]
    assert sibling_names(q, cov, common, {}) == []  # headings alone: none
    assert sibling_names(q, cov, common, {}, lambda w: {"water", "xyzzy"}) == []  # no word
    ecs = [TermInfo(term="try", chunks=0), TermInfo(term="ecs", chunks=9)]
    to_try = "Is there somewhere to try ECS hands on?"
    assert sibling_names(to_try, ecs, common | {"try", "ecs"}, {}, lambda w: {"a", "b"}) == []
    hops = [TermInfo(term="hops", chunks=0), TermInfo(term="away", chunks=9)]
    far = "notes two or three hops away"  # "right away", "far away": no kinds of "away"
    assert sibling_names(far, hops, common | {"hops", "away"}, {}, lambda w: {"right", "far"}) == []
    owned = [TermInfo(term="friend", chunks=0), TermInfo(term="car", chunks=9)]
    drive = "Am I insured to drive my friend's car?"  # an owner names no kind of car
    assert sibling_names(drive, owned, common | {"friend", "car"}, {}, lambda w: {"a", "b"}) == []
    other = [TermInfo(term="another", chunks=0), TermInfo(term="branch", chunks=9)]
    onto = "cherry-pick onto another branch"  # "another" names no kind of branch
    assert sibling_names(onto, other, common | {"another"}, {"branch": {"main", "dev"}}) == []
    # a quantifier names no kind ("after every rate change" beside "slower rate"): "How do I
    # calculate the drip rate?" was declined, "drip" read as a missing name
    drip = [TermInfo(term="drip", chunks=0), TermInfo(term="rate", chunks=2)]
    words = common | {"drip", "rate", "slower", "every", "faster"}
    q = "How do I calculate the drip rate?"
    assert sibling_names(q, drip, words, {}, lambda w: {"slower", "every"}) == []
    assert sibling_names(q, drip, words, {}, lambda w: {"slower", "faster"}) == ["drip"]
    # nor an adverb: "is it worth running?" of "long running txns", "images running"
    worth = [TermInfo(term="worth", chunks=0), TermInfo(term="running", chunks=2)]
    q = "How many consumer replicas is it worth running?"
    run = words | {"worth", "running", "long", "images"}
    assert sibling_names(q, worth, run, {}, lambda w: {"long", "images"}) == []
    # nor a state anything of the kind may be in: "How do I roll back a broken release?"
    # was declined, "don't mention broken", of notes writing "minor" and "patch release";
    # nor an adverb of degree: "significantly better" of "confidence better"
    broken = [TermInfo(term="broken", chunks=0), TermInfo(term="release", chunks=2)]
    q = "How do I roll back a broken release?"
    rel = words | {"broken", "release", "minor", "patch", "roll"}
    assert sibling_names(q, broken, rel, {}, lambda w: {"minor", "patch"}) == []
    assert sibling_names(q.replace("broken", "hotfix"), [TermInfo(term="hotfix", chunks=0),
                         broken[1]], rel | {"hotfix"}, {}, lambda w: {"minor", "patch"}) == [
        "hotfix"
    ]  # fmt: skip
    much = [TermInfo(term="significantly", chunks=0), TermInfo(term="better", chunks=2)]
    q = "Was CTC-align significantly better than co-teaching?"
    more = words | {"significantly", "better", "confidence", "loss"}
    assert sibling_names(q, much, more, {}, lambda w: {"confidence", "loss"}) == []
    # a superlative names no kind: "Which account has the lowest rate?" of notes writing
    # "bonus rate" and "variable rate" was declined, "lowest" read as a missing name
    lowest = [TermInfo(term="lowest", chunks=0), TermInfo(term="rate", chunks=2)]
    q = "Which account has the lowest rate?"
    words |= {"lowest", "lower", "bonus", "variable", "forest", "fire", "bush", "house"}
    assert sibling_names(q, lowest, words, {}, lambda w: {"bonus", "variable"}) == []
    assert sibling_names(q, lowest, words, {"rate": {"bonus", "variable"}}) == []  # headings
    fire = [TermInfo(term="forest", chunks=0), TermInfo(term="fire", chunks=2)]
    q = "What caused the forest fire?"  # no superlative: no "forester" beside it
    assert sibling_names(q, fire, words, {}, lambda w: {"bush", "house"}) == ["forest"]
    # a word before a particle is a verb: "authorisation times out" of "lead time", "capture
    # time" is no kind of time
    times = [TermInfo(term="authorisation", chunks=0), TermInfo(term="times", chunks=2)]
    q = "What happens if a payment authorisation times out?"
    both = words | {"authorisation", "times", "lead", "capture"}
    assert sibling_names(q, times, both, {}, lambda w: {"lead", "capture"}) == []
    # a verb after "I", "to", "can": "How do I treat low blood sugar?" of "bed low", "use low"
    low = [TermInfo(term="treat", chunks=0), TermInfo(term="low", chunks=2)]
    q = "How do I treat low blood sugar?"
    assert sibling_names(q, low, words | {"treat", "low"}, {}, lambda w: {"bed", "use"}) == []
    # and after "who": "How do I thank a donor who gave food?" of "baby food", "canned food"
    gave = [TermInfo(term="gave", chunks=0), TermInfo(term="food", chunks=2)]
    q = "How do I thank a donor who gave food?"
    foods = words | {"gave", "food", "baby", "canned"}
    assert sibling_names(q, gave, foods, {}, lambda w: {"baby", "canned"}) == []
    # but "do" after "I" is the verb itself, and what it does is its object: "How do I do
    # duplicate stitch?" of notes headed "Kitchener stitch", "Dropped stitch" quoted both
    dup = [TermInfo(term="duplicate", chunks=0), TermInfo(term="stitch", chunks=2)]
    stitches = {"stitch": {"kitchener", "dropped"}}
    for q in ("How do I do duplicate stitch?", "how to do duplicate stitch"):
        assert sibling_names(q, dup, words | {"duplicate", "stitch"}, stitches) == ["duplicate"]


def test_a_number_of_a_series_no_top_section_writes_is_a_missing_name() -> None:
    """ "what happened in session 14" of a campaign's notes of sessions 12 and 13 quoted both
    (the "14" of `2024-03-14 Session 12.md`): where the notes number a word in series ("Session
    12", "Session 13"), that word and its number is a name, written with its number or not
    at all; a question of nothing else is not covered. Off the series, or written (leading
    zeros, "#" aside), as before."""
    from assistant.stages.decide import missing_compounds, series_in

    def sec(path: str, heading: str, text: str) -> Hit:
        c = chunk(f"# {heading}\n{text}", [heading]).model_copy(update={"path": path})
        return Hit(chunk=c, score=1)

    twelve = sec("Sessions/2024-03-14 Session 12.md", "Session 12 — The Lighthouse", "Players.")
    thirteen = sec("Sessions/2024-03-28 Session 13.md", "Session 13", "Met Captain Venn.")
    found = [twelve, thirteen]

    def missing(q: str, hits: list[Hit], series: set[str]) -> list[str]:
        return missing_compounds(q, hits, 3, series_in(q, series))

    assert missing("what happened in session 14", found, {"session"}) == ["session 14"]
    assert missing("what happened in session 12?", found, {"session"}) == []
    assert missing("what happened in Session #13", found, {"session"}) == []
    assert missing("what happened in session 1?", found, {"session"}) == ["session 1"]
    assert missing("what happened in session 14", found, set()) == []  # no series
    cov = [TermInfo(term="happened", chunks=2), TermInfo(term="session", chunks=2),
           TermInfo(term="14", chunks=1)]  # fmt: skip
    d = decide("what happened in session 14", cov, found, 0.5, COMMON, numbered=["session 14"])
    assert d.abstain and d.missing == ["session 14"]
    lecture = [sec("OS/Lecture 07 - Scheduling.md", "Lecture 7", "Round robin.")]
    assert missing("what was in lecture 7?", lecture, {"lecture"}) == []


def test_a_numbered_item_is_written_among_others_of_its_series() -> None:
    """ "What ROUGE-L did run 16 get?" was declined: the notes wrote it only under "runs 15
    and 16" and as the row "| 16 |" of a table whose first column is "Run", and "Same config
    as run 14" there made the section another run's. A plural with a list or a range, or a
    row under the series word's column, writes each of its numbers; the heading rule puts
    that section first."""
    from assistant.stages.decide import another_item, numbers_of, writes
    from assistant.stages.select import with_heading

    assert numbers_of("runs 15 and 16", "run") == {15, 16}
    assert numbers_of("lectures 3–5 and 9", "lecture") == {3, 4, 5, 9}
    assert numbers_of("runs 15, #16 & 18; run 14", "run") == {15, 16, 18}
    assert numbers_of("session 2024-05-03 and runs", "session") == set()  # no range of days
    table = "| Run # | Seed | ROUGE-L |\n|---|---|---|\n| 15 | 42 | 32.8 |\n| #16 | 7 | 33.3 |"
    assert numbers_of(table, "run") == {15, 16}
    assert numbers_of(table, "seed") == {42, 7}
    assert numbers_of(table.replace("Run #", "Model"), "run") == set()
    assert writes("## runs 15 and 16\nSame config as run 14.", "run 16")
    assert not writes("## runs 15 and 16", "run 17") and writes("run-14", "run 14")
    assert not another_item(f"Same config as run 14.\n{table}", "run 16")
    assert another_item(table, "run 12")  # the rows are of runs 15 and 16

    def at(cid: int, heads: list[str], text: str) -> Hit:
        return Hit(chunk=chunk(text, heads).model_copy(update={"id": cid}), score=1)

    fourteen = at(1, ["Log", "run 14"], "Learning rate 2e-4. ROUGE-L 33.1.")
    rows = at(2, ["Log", "seeds"], f"{table}\nSame config as run 14.")
    asked = [TermInfo(term=t, chunks=2) for t in ("rouge", "l", "run", "16")]
    assert with_heading([fourteen], [fourteen, rows], {1: 0.6, 2: 0.4}, asked, 3,
                        items=["run 16"]) == ([rows], rows)  # fmt: skip


def test_a_numbered_item_missing_where_the_rest_is_only_another_items_is_not_covered() -> None:
    """ "What learning rate did run 19 use?" of an experiment log (runs 14 and 17) and a
    running log ("Long run … Heart rate avg 148") was partly covered, quoting the jog: a top
    section that neither writes the item nor holds another phrase of the question whole
    ("learning rate", not its "rate" alone) says nothing of it, as another run's does not."""

    def sec(heading: str, text: str) -> Hit:
        return Hit(chunk=chunk(f"## {heading}\n{text}", ["Log", heading]), score=1)

    runs = [sec("run 14", "- learning rate: 2e-4"), sec("run 17", "ROUGE-L drops to 29.7.")]
    jog = sec("Long run", "12.0 km in 1:06:00. Heart rate avg 148.")
    cov = [TermInfo(term=t, chunks=2) for t in ("learning", "rate", "run", "19")]
    q = "What learning rate did run 19 use?"
    d = decide(q, cov, [jog, *runs], 0.48, COMMON, numbered=["run 19"])
    assert d.abstain and d.names == ["run 19"] and "other items" in d.reason
    sweep = sec("Sweep", "Swept the learning rate for every block size.")
    d = decide(q, cov, [sweep, *runs], 0.48, COMMON, numbered=["run 19"])
    assert d.outcome == "partly_covered" and d.names == ["run 19"]


def test_two_items_asked_about_keep_both_their_sections() -> None:
    """ "What did P1 and P2 say about parking?" was declined, "don't mention P1, P2", its
    closest matches both participants' Parking sections: P1's note was another item's than
    P2 and P2's than P1. A section writing one of the items asked about is its own; one
    writing only others' (P3's) is not."""
    from assistant.stages.decide import of_another_item
    from assistant.stages.select import own_sections

    def note(p: str, text: str) -> Hit:
        c = chunk(f"## Parking\n{text}", [f"{p} — rep", "Parking"])
        return Hit(chunk=c.model_copy(update={"path": f"{p.lower()}.md"}), score=1)

    p1, p2, p3 = (
        note("P1", "- loses receipts"),
        note("P2", "- company card"),
        note("P3", "- 6 days"),
    )
    items = ["P1", "P2"]
    assert not of_another_item(p1, items) and not of_another_item(p2, items)
    assert of_another_item(p3, items)
    assert own_sections([p1, p3, p2], items) == [p1, p2]
    assert own_sections([p1, p3], ["P2"]) == [p1, p3]  # all another's: all kept, as before


def test_a_command_line_option_no_top_section_writes_is_a_missing_name() -> None:
    """ "What does the --auto-heal-containers flag of aws ecs create-service do?" (the AWS
    docs have no such flag) was answered from sections about containers and services: an
    option is an exact name. A section writing it (dashes or not, any joiner) covers it."""
    from assistant.stages.decide import missing_compounds

    q = "What does the --auto-heal-containers flag of aws ecs create-service do?"
    about = [Hit(chunk=chunk("## Services\nContainers of a service heal.", ["S"]), score=1)]
    cov = [TermInfo(term=t, chunks=5) for t in ("auto", "heal", "containers", "flag", "aws")]
    d = decide(q, cov, about, 0.6, COMMON)
    assert d.outcome == "partly_covered" and d.names == ["--auto-heal-containers"]
    writes = [Hit(chunk=chunk("## Flags\nSet autoHealContainers to true.", ["F"]), score=1)]
    assert missing_compounds(q, writes, 3) == []
    assert missing_compounds("git log --oneline -n 5 --", [], 3) == ["--oneline"]


def test_a_ticket_number_no_top_section_writes_is_a_missing_name() -> None:
    """ "what was the root cause of INC-2099" of a work log that has INC-2041 was answered
    (the outcome `answered`, "Your notes don't mention INC-2099." beside the other incident's
    quote): a ticket's number is an exact name, as a model's is ("GPT-3" of notes on GPT-2
    and GPT-3.5 was answered from them, "high")."""
    from assistant.stages.decide import missing_compounds

    log = [
        Hit(
            chunk=chunk("## Log\n- INC-2041 checkout latency, root cause: pool size", ["L"]),
            score=1,
        )
    ]
    q = "what was the root cause of INC-2099"
    cov = [TermInfo(term=t, chunks=5) for t in ("root", "cause", "inc")] + [
        TermInfo(term="2099", chunks=0)
    ]
    d = decide(q, cov, log, 0.6, COMMON)  # the only section is another incident's
    assert d.outcome == "not_covered" and d.names == ["INC-2099"] and "other items" in d.reason
    runbook = [Hit(chunk=chunk("## Root cause analysis\n- Five whys, then a fix.", ["R"]), score=1)]
    d = decide(q, cov, [*log, *runbook], 0.6, COMMON)
    assert d.outcome == "partly_covered" and d.names == ["INC-2099"]
    assert missing_compounds("root cause of INC-2041?", log, 3) == []
    assert missing_compounds("CVE-2024-3094 in python 3.11", [], 3) == ["CVE-2024-3094"]
    gpt = [Hit(chunk=chunk("## GPT-2\n1.5B parameters; GPT-3.5 and GPT-30 later.", ["G"]), score=1)]
    assert missing_compounds("How many parameters does GPT-3 have?", gpt, 3) == ["GPT-3"]
    assert missing_compounds("How many parameters does GPT-2 have?", gpt, 3) == []
    # a postmortem headed "INC-2077: …", in a note whose path names it, writes it
    headed = Hit(
        chunk=chunk("## Root cause\nA stale key.", ["INC-2077: split brain", "Root cause"]),
        score=1,
    )
    in_path = Hit(chunk=headed.chunk.model_copy(update={"heading_path": ["Root cause"],
                  "path": "pm/2025-03-04-INC-2077-split-brain.md"}), score=1)  # fmt: skip
    assert missing_compounds("root cause of INC-2077", [headed], 3) == []
    assert missing_compounds("root cause of INC-2077", [in_path], 3) == []
    # nothing but the missing number: not covered, not "partly covered"
    only = decide("INC-2099", [TermInfo(term="inc", chunks=5), TermInfo(term="2099", chunks=0)],
                  log, 0.6, COMMON)  # fmt: skip
    assert only.abstain and only.names == ["INC-2099"]


def test_a_host_version_or_address_no_top_section_writes_is_a_missing_name() -> None:
    """ "what is the IP of db-prod-04.internal?" of an inventory listing db-prod-01 to 03 was
    answered with high confidence from the table, as if the host existed; so were an IP
    address and "What changed in version 2.5.0?" of a changelog that ends at 2.4.0. A host's,
    version's or address's number is an exact name, matched number by number ("2.5.0" is not
    in "12.5.0" nor in "250"); a decimal ("3.11") and a day ("19.03.2024") are not."""
    from assistant.stages.decide import missing_compounds

    text = "## DB\n| db-prod-01.internal | 10.20.4.11 |\nrelease 12.5.0 took 250 ms, then v1.4.2"
    hosts = [Hit(chunk=chunk(text, ["DB"]), score=1)]
    q = "is db-prod-04.internal at 10.20.4.99 or 10.20.4.11 on 2.5.0, 1.4.2 or python 3.11?"
    assert missing_compounds(q, hosts, 3) == ["db-prod-04", "10.20.4.99", "2.5.0"]
    assert missing_compounds("what is the IP of db-prod-01.internal?", hosts, 3) == []
    assert missing_compounds("what happened on 19.03.2024", [], 3) == []


def test_a_version_of_a_name_is_written_where_one_section_holds_both() -> None:
    """ "What's new in Orbit 3.1.0?" of a changelog ending at Orbit 3.0.0 was answered, high
    confidence, from Quill's 3.1.0 release notes. A capitalised name and the version after it
    are one thing: written where one top section holds the version (or a release under it:
    "2.4" of "[2.4.1]") and the name in its text, headings or note path. "v2" of "v2.4.1" is
    no name of its own for the local coverage rule."""
    from assistant.stages.decide import localise, missing_compounds, versions_of_names

    quill = Hit(chunk=chunk("## New\n- SAML sign-on", ["Quill 3.1.0", "New"]), score=1)
    orbit = Hit(
        chunk=chunk("## [2.4.1] - 2024-03-12\n- Fixed CVE-2024-27316", ["Orbit", "[2.4.1]"]),
        score=1,
    )
    top = [quill, orbit]
    assert missing_compounds("What's new in Orbit 3.1.0?", top, 3) == ["Orbit 3.1.0"]
    assert missing_compounds("What's new in Quill 3.1.0?", top, 3) == []
    assert missing_compounds("What changed in Orbit 2.4?", top, 3) == []  # 2.4.1 is a 2.4
    assert missing_compounds("What changed in Orbit 2.4.10?", top, 3) == ["Orbit 2.4.10"]
    assert missing_compounds("Which CVE was fixed in Orbit v2.4.1?", top, 3) == []
    assert versions_of_names("In 2.4.1, what did Python 3.12 change?") == [("Python", "3.12")]
    v2 = [TermInfo(term="v2", chunks=4), TermInfo(term="cve", chunks=3)]
    assert localise(v2, "Which CVE was fixed in v2.4.1?", COMMON, {"cve"}) == v2


def test_a_two_letter_capitalised_word_is_no_missing_name() -> None:
    """ "what is the IP of the pi-hole" of notes that write "Pi-hole at 192.168.1.2" was
    "Partly covered. Your notes don't mention IP.": two capital letters name no subject
    (IP, VM, OS), as a short lowercase token does not; three do ("EKS", "NAS")."""
    from assistant.stages.decide import is_name

    assert not is_name("ip", {"ip"}, COMMON) and is_name("nas", {"nas"}, COMMON)
    net = [Hit(chunk=chunk("## Home network\n- Pi-hole at 192.168.1.2", ["Home network"]), score=1)]
    cov = [
        TermInfo(term="ip", chunks=0),
        TermInfo(term="pi", chunks=3),
        TermInfo(term="hole", chunks=3),
    ]
    d = decide("what is the IP of the pi-hole", cov, net, 0.6, COMMON)
    assert d.outcome == "answered" and d.missing == ["ip"]
    # a short code of letters and digits names one thing: "What are our Q4 OKRs?" of OKRs
    # for Q1 to Q3 was answered from Q1's
    from assistant.stages.decide import is_neutral

    assert not any(is_neutral(c) for c in ("q4", "w12", "ec2", "s3"))
    assert all(is_neutral(c) for c in ("ip", "lb", "53", "1099"))
    assert all(is_neutral(c) for c in ("22nd", "1st", "3rd", "4th"))  # "on the 22nd"
    # a year names one thing too: "What did I deduct on my 2021 taxes?" quoted 2022-2024's
    assert not is_neutral("2021") and not is_neutral("1999")
    okrs = [Hit(chunk=chunk("## Q1 OKRs\n- Activation to 40%", ["Q1 OKRs"]), score=1)]
    q4 = [TermInfo(term="q4", chunks=0), TermInfo(term="okrs", chunks=4)]
    assert decide("What are our Q4 OKRs?", q4, okrs, 0.6, COMMON).names == ["q4"]


def test_a_term_all_over_the_folder_anchors_nothing_for_the_name_rule() -> None:
    """ "How do I install Dendron with pnpm?" in Dendron's own notes: "dendron" is in most
    sections, so the covered phrase names nothing in particular and the question is declined;
    in a folder where it is rare it anchors the phrase (partly covered, naming pnpm)."""
    q = "How do I install Dendron with Pnpm?"
    hits = [Hit(chunk=chunk("## Install\nnpm install dendron", ["Install"]), score=1.0)]

    def cov(n: int) -> list[TermInfo]:
        return [
            TermInfo(term="install", chunks=100),
            TermInfo(term="dendron", chunks=n),
            TermInfo(term="pnpm", chunks=0),
        ]

    everywhere = decide(q, cov(4000), hits, 0.7, COMMON | {"install"}, sections_total=6876)
    assert everywhere.abstain and everywhere.outcome == "not_covered"
    rare = decide(q, cov(40), hits, 0.7, COMMON | {"install"}, sections_total=6876)
    assert not rare.abstain and rare.missing == ["pnpm"] and rare.outcome == "partly_covered"
    # a small folder: every term is in a large share of ten sections; the share means nothing
    small = decide(q, cov(4), hits, 0.7, COMMON | {"install"}, sections_total=10)
    assert not small.abstain


def test_a_question_joining_a_covered_question_is_partly_covered_not_declined() -> None:
    """The clause rule: "…multiple vaults, and can a vault be stored in Supabase?" joins two
    questions; the first uses only words the notes have, though all of them are all over the
    folder (nothing anchors it for the name rule), so the answer is partly covered, naming
    Supabase. One question with the same words is still declined, and so is the joined one
    with the rule off or when the other clause also lacks a word."""
    import re

    from assistant.options import AnswerOptions
    from assistant.stages.decide import Decision, clauses

    hits = [Hit(chunk=chunk("## Vaults\nUse several vaults.", ["Vaults"]), score=1.0)]
    cov = [
        TermInfo(term="use", chunks=3000),
        TermInfo(term="cases", chunks=2000),
        TermInfo(term="multiple", chunks=2500),
        TermInfo(term="vaults", chunks=4000),
        TermInfo(term="vault", chunks=4000),
        TermInfo(term="stored", chunks=2000),
        TermInfo(term="supabase", chunks=0),
        TermInfo(term="encrypted", chunks=0),
    ]
    common = COMMON | {"use", "cases", "multiple", "vaults", "vault", "stored", "encrypted"}

    def decide_(q: str, **kw) -> Decision:  # the coverage of the question's own words
        words = set(re.findall(r"\w+", q.lower()))
        return decide(q, [t for t in cov if t.term in words], hits, 0.75, common, **kw)

    joined = "What are the use cases for multiple vaults, and can a vault be stored in Supabase?"
    assert clauses(joined) == [
        "What are the use cases for multiple vaults",
        "can a vault be stored in Supabase?",
    ]
    d = decide_(joined, sections_total=6876)
    assert not d.abstain and d.outcome == "partly_covered" and d.missing == ["supabase"]
    assert d.clause  # --explain names the clause rule as what let it through
    off = AnswerOptions(clauses=False)
    assert decide_(joined, opts=off, sections_total=6876).abstain
    one = "Can a multiple vault be stored in Supabase?"
    assert decide_(one, sections_total=6876).abstain
    both = "What are the use cases for encrypted vaults, and can a vault be stored in Supabase?"
    assert decide_(both, sections_total=6876).abstain


def test_confidence_reads_the_outcome_and_the_best_line() -> None:
    from assistant.stages.decide import Decision, confidence

    assert confidence(Decision(False, [], "answered"), 0.62) == "high"
    assert confidence(Decision(False, [], "answered"), 0.41) == "medium"
    assert confidence(Decision(False, ["Loki"], "partly", names=["Loki"]), 0.9) == "medium"
    assert confidence(Decision(False, ["pricing"], "answered"), 0.62) == "high"
    assert confidence(Decision(True, [], "no line"), 0.9) == "low"


def test_a_question_ending_a_piece_makes_room_for_its_answer_in_the_next(tmp_path) -> None:
    """The question rule across pieces: a transcript embedded in pieces ended one on the
    interviewer's "What goes in the free-text box?", the answer opening the next; the quote
    of eleven lines ending on the question had no room to run on. It starts at a later
    paragraph instead, leaving room for the answer (never past the question's own)."""
    from pathlib import Path

    from assistant.stages.shape import NoteReader, cite

    turn = [f"Line {i} of a long turn about the morning." for i in range(9)]
    lines = ["# Interview", "", "**Q:** Tell me about the morning?", "", *turn, "",
             "**Q:** What goes in the free-text box?", "",  # file line 15
             "**Maria:** Everything. Family contacts,", "tea with two sugars.", ""]  # fmt: skip
    note = tmp_path / "maria.md"
    note.write_text("\n".join(lines), encoding="utf-8")
    text = "\n".join(lines[:15])  # file lines 1-15, ending on the question
    c = Chunk(path="maria.md", heading_path=["Interview"], start_line=1, end_line=15,
              text=text, content_hash=text_hash(text), id=1)  # fmt: skip
    scores = {4: 0.58, 14: 0.62}
    why: list[list[str]] = []
    (q,) = cite(1, Hit(chunk=c, score=1.0), scores, NoteReader(), lambda r: Path(note), why=why)
    assert (q.start_line, q.end_line) == (15, 18)
    assert "start: line 15, room for the answer to the question it ends on" in why[0]
    # room enough already: the start stays, even mid-paragraph (it moved to the question's
    # paragraph, the lines before it lost)
    from assistant.stages.shape import answer_room
    from corpus.lines import LineRoles

    para = ["# Notes", "", "A paragraph's first line,", "its second, where the quote starts,",
            "and its last.", "", "Another one.", "Is it the question?", "", "Yes."]  # fmt: skip
    assert answer_room(para, LineRoles.of(para), 4, 8, 8) == 4
    # a question after the best line (the transcript's next one) keeps the quote's start
    (q,) = cite(1, Hit(chunk=c, score=1.0), {4: 0.62, 14: 0.58}, NoteReader(), lambda r: Path(note))
    assert q.start_line == 5


def test_a_line_too_long_to_embed_is_quoted_whole_once_and_not_flagged_changed(
    tmp_path,
) -> None:
    """A window of an over-long line (the chunker cuts such a line at whitespace) is cited as
    the whole line, with an excerpt around the part that matched; the file is unchanged."""
    from pathlib import Path

    from assistant.stages.shape import NoteReader, cite, merge_adjacent

    rules = " ".join(f"-A INPUT -p tcp --dport {1000 + i} -j ACCEPT" for i in range(200))
    note = tmp_path / "fw.md"
    note.write_text(f"# Firewall\n\n{rules}\n", encoding="utf-8")
    line = rules
    parts = [line[:3000], line[3000:6000]]

    def hit_of(i: int, p: str) -> Hit:
        c = Chunk(path="fw.md", heading_path=["Firewall"], start_line=3, end_line=3, text=p,
                  content_hash=text_hash(p), id=i)  # fmt: skip
        return Hit(chunk=c, score=1.0)

    hits = [hit_of(i, p) for i, p in enumerate(parts)]
    read = NoteReader()
    cites = [c for n, h in enumerate(hits, 1) for c in cite(n, h, {}, read, lambda rel: Path(note))]
    for c in cites:
        assert c.quote == line and not c.changed_since_indexed
        assert c.excerpt and c.excerpt.endswith(" …") and len(c.excerpt) < len(line)
    assert cites[1].excerpt.startswith("… ")
    merged = merge_adjacent(cites, read)
    assert len(merged) == 1 and merged[0].quote == line
    assert merged[0].excerpt is not None and parts[0].strip() in merged[0].excerpt
    # windows that cover a line of 1,696 characters whole: shown as its start, not whole
    mid = line[:1696].rsplit(" ", 1)[0]
    note.write_text(f"# Firewall\n\n{mid}\n", encoding="utf-8")
    halves = [mid[:900].rsplit(" ", 1)[0], mid[len(mid[:900].rsplit(" ", 1)[0]) :]]
    read = NoteReader()
    both = [c for n, h in enumerate([hit_of(i, p) for i, p in enumerate(halves)], 1)
            for c in cite(n, h, {}, read, lambda rel: Path(note))]  # fmt: skip
    merged = merge_adjacent(both, read)
    assert len(merged) == 1 and merged[0].quote == mid
    shown = merged[0].excerpt or ""
    assert shown.endswith(" …") and mid.startswith(shown.removesuffix(" …")) and len(shown) < 1010
    # a window of a line of 960 characters (too long for the model, not to read) is shown
    # whole: an Evernote table row cut at its first window hid the answer after it
    short = line[:960].rsplit(" ", 1)[0]
    note.write_text(f"# Firewall\n\n{short}\n", encoding="utf-8")
    read = NoteReader()
    one = cite(1, hit_of(0, short[:500].rsplit(" ", 1)[0]), {}, read, lambda rel: Path(note))
    assert one[0].quote == short and one[0].excerpt is None


def test_an_over_long_line_quoted_with_the_line_before_it_is_still_shown_as_an_excerpt(
    tmp_path,
) -> None:
    """A 7,217-character line of iptables rules under its lead-in ("Copied from
    `iptables-save` on gw01:") was printed whole: the lead-in's quote ran on over it, merged
    with the line's own quote, and a quote of several lines had no excerpt. Each over-long
    line of a quote is now shown as the windows of it that matched, the rest whole; two
    windows of the line are one citation, not a repeat of itself."""
    from pathlib import Path

    from assistant.stages.shape import NoteReader, _without_repeats, cite, merge_adjacent

    rules = " ".join(f"-A INPUT -p tcp --dport {1000 + i} -j ACCEPT" for i in range(200))
    note = tmp_path / "fw.md"
    note.write_text(f"# Firewall\n\nCopied from the gateway:\n\n{rules}\n", encoding="utf-8")
    far = [rules[:1000], rules[5000:6000]]  # two windows that do not touch

    def hit(i: int, start: int, text: str) -> Hit:
        c = Chunk(path="fw.md", heading_path=["Firewall"], start_line=start, end_line=start,
                  text=text, content_hash=text_hash(text), id=i)  # fmt: skip
        return Hit(chunk=c, score=1.0)

    read = NoteReader()
    lead = cite(1, hit(0, 3, "Copied from the gateway:"), {}, read, lambda rel: Path(note))
    assert (lead[0].start_line, lead[0].end_line) == (3, 5)  # ran on over the long line
    head = (lead[0].excerpt or "").split("\n")  # shown as its start, the lead-in whole
    assert head[0] == "Copied from the gateway:" and head[2].endswith(" …")
    assert rules.startswith(head[2].removesuffix(" …")) and len(head[2]) <= 1002
    windows = [c for i, w in enumerate(far, 2) for c in cite(i, hit(i, 5, w), {}, read,
               lambda rel: Path(note))]  # fmt: skip
    rules_of: list[list[str]] = [[], []]
    once, why = _without_repeats(windows, rules_of)
    assert len(once) == 1 and "two windows of the long line at fw.md:5" in why[0][0]
    shown = once[0].excerpt or ""
    assert far[0].strip() in shown and far[1].strip() in shown and " … " in shown
    assert len(shown) < len(rules) / 2
    merged = merge_adjacent(lead + once, read)
    assert len(merged) == 1 and merged[0].quote == f"Copied from the gateway:\n\n{rules}"
    excerpt = (merged[0].excerpt or "").split("\n")
    assert excerpt[0] == "Copied from the gateway:" and excerpt[2] == shown


def test_a_quote_ends_at_its_paragraph_and_runs_on_through_the_code_it_introduces() -> None:
    """A short note's prose introduces the command that answers: the quote of its best line
    ends with the paragraph, then takes the code block after it (within
    `code_after_paragraph` lines); with the rule off it stops at the best lines."""
    from assistant.options import AnswerOptions

    body = [
        "Each replacement can be the result of an expression.",
        "To increment every number in the buffer,",
        "search for numbers and use `\\=` with submatch:",
        "",
        "```vim",
        ":%s/\\d\\+/\\=submatch(0)+1/g",
        "```",
        "",
        *[f"Unrelated remark {i}." for i in range(12)],
    ]
    c = long_section("Increment", body)
    scores = {15: 0.8} | {i: 0.1 for i in range(16, 34)}
    why: list[str] = []
    assert quote_span(c, scores, why=why) == (16, 22)  # paragraph, then the block
    assert "end: through the code block that follows the paragraph" in why
    off = AnswerOptions(code_after_paragraph=0)
    assert quote_span(c, scores, opts=off) == (16, 16)
    # a line written right under the block's fence goes with it ("careful, on an idle
    # primary this grows forever" under the replica's lag query was left out)
    body[7] = "careful: it counts every number, line numbers too."
    why = []
    assert quote_span(long_section("Increment", body), scores, why=why) == (16, 22)
    assert "end: the lines written right under the code block" not in why  # a paragraph
    body.insert(8, "")  # of its own, the remarks after it; alone, it goes with the block
    assert quote_span(long_section("Increment", body), scores, why=why) == (16, 23)
    assert "end: the lines written right under the code block" in why
    body[7] = "to decrement them instead:"  # a lead-in to another block is that block's
    assert quote_span(long_section("Increment", body), scores) == (16, 22)


def test_a_quote_leaves_room_for_the_rest_of_its_best_lines_paragraph() -> None:
    """The best-paragraph rule: lines as close to the question as the best one, further up,
    would start the quote so early that the best line ends it mid-sentence, before the command
    its paragraph introduces. The quote starts at a later paragraph instead, so the paragraph
    and its code block fit; off, the quote ends on the best line as before."""
    from assistant.options import AnswerOptions

    text = "\n".join(
        [
            "# Trim Old Images",  # 1
            "",
            "Old images pile up on a build host that nobody",  # 3
            "cleans, and the disk fills up over a few weeks.",  # 4
            "",
            "Prune removes what no container uses.",  # 6
            "",
            "For instance, to remove dangling images only,",  # 8
            "I run this:",
            "",
            "```sh",  # 11
            "docker image prune",
            "```",
            "",
            "To remove every unused image that is older than a day, run it",  # 15 (best)
            "with a filter:",
            "",
            "```sh",  # 18
            'docker image prune -a --filter "until=24h"',
            "```",  # 20
            "",
            "Add it to cron.",
        ]
    )
    c = chunk(text, ["Trim Old Images"])
    scores = {2: 0.80, 3: 0.78, 5: 0.70, 7: 0.74, 14: 0.81, 15: 0.6}
    why: list[str] = []
    assert quote_span(c, scores, why=why) == (6, 20)  # from a later paragraph, through the block
    assert "start: line 6, room for the best line's paragraph" in why
    plain = AnswerOptions(best_paragraph=False, sentence_start=False)
    assert quote_span(c, scores, opts=plain) == (4, 15)
    # The sentence rule alone: line 4 only ends the sentence line 3 begins, so it starts at 6,
    # and it ends where the sentence of line 15 does ("with a filter:").
    assert quote_span(c, scores, opts=AnswerOptions(best_paragraph=False)) == (6, 16)
    # the best line's paragraph and its block fit already: the start stays where it was
    assert quote_span(c, {7: 0.80, 14: 0.81}) == (8, 20)


def test_a_quote_whose_best_line_is_code_keeps_that_line_and_closes_its_block() -> None:
    """The best-paragraph rule for a best line in a code block: lines as close further up
    started the quote so early that its block could not close within `max_quote_lines`, and
    the block, best line and all, was left out. The quote now starts at the first later
    paragraph that lets the block close (here the command before the lead-in); off, the best
    line is lost."""
    from assistant.options import AnswerOptions

    text = "\n".join(
        [
            "# Argument List Too Long",  # 1
            "",
            "I tried to empty a folder of a few hundred thousand images",  # 3
            "with a glob:",
            "",
            "```",  # 6
            "$ rm images/*",
            "```",
            "",
            "Instead of deleting them, rm printed this message:",  # 10
            "",
            "```",  # 12
            "/bin/rm: cannot execute [Argument list too long]",  # 13 (best)
            "cannot remove more than the limit",
            "```",  # 15
            "",
            "Unrelated closing remark.",
        ]
    )
    c = chunk(text, ["Argument List Too Long"])
    scores = {2: 0.80, 3: 0.74, 6: 0.60, 9: 0.70, 12: 0.85, 13: 0.5, 16: 0.1}
    why: list[str] = []
    assert quote_span(c, scores, why=why) == (6, 15)  # the command, lead-in, whole block
    assert "start: line 6, room for the best line's code block" in why
    off = quote_span(c, scores, opts=AnswerOptions(best_paragraph=False, code_after_paragraph=0))
    assert off[1] < 13  # the block, and the best line in it, left out
    # off, the quote ends on the lead-in to the block, which the paragraph rule closes
    assert quote_span(c, scores, opts=AnswerOptions(best_paragraph=False)) == (3, 15)


def test_a_best_line_in_a_long_block_is_quoted_with_its_lead_in_and_whole_block() -> None:
    """til's "Display Free Disk Space": the best line, `df -h`, opens a 10-line output block
    after "Here is the output from a linode box of mine:"; lead-in and block take 13 lines,
    one more than a quote, so the quote ended on the lead-in, best line and block left out.
    From its lead-in a block closes within `code_after_paragraph`, as the paragraph rule lets
    a paragraph's block close."""
    text = "\n".join(
        [
            "# Display Free Disk Space",  # 1
            "",
            "The df utility displays the free disk space",  # 3
            "on a file system.",
            "",
            "Use df with the -h flag for human-readable sizes.",  # 6
            "",
            "Here is the output from a box of mine:",  # 8
            "",
            "```bash",  # 10
            "df -h",  # 11 (best)
            *[f"/dev/sd{i}  20G  3.8G  16G  20% /mnt/{i}" for i in range(9)],  # 12-20
            "```",  # 21
        ]
    )
    c = chunk(text, ["Display Free Disk Space"])
    scores = {2: 0.80, 5: 0.78, 7: 0.70, 10: 0.85}
    why: list[str] = []
    assert quote_span(c, scores, why=why) == (8, 21)  # the lead-in through the closing fence
    assert "start: line 8, room for the best line's code block" in why


def test_a_paragraph_and_the_long_code_block_after_it_are_quoted_whole() -> None:
    """The paragraph rule, when the best lines run into the code block after one paragraph:
    a block too long to close within `max_quote_lines` is still closed within
    `code_after_paragraph` lines rather than left out (it is what the paragraph introduces);
    with the rule off, or after more than one paragraph, it is left out as before."""
    from assistant.options import AnswerOptions

    block = ["```html", "<div>", *[f"  <p>line {i}</p>" for i in range(10)], "</div>", "```"]
    head = ["# Submit", "", "Tie a button to a form it is not inside", "with its form property."]
    text = "\n".join([*head, "", *block, "", "With this setup the button submits.", *FILLER])
    c = chunk(text, ["Submit"])
    scores = {2: 0.84, 3: 0.83, 7: 0.82, 10: 0.81}
    why: list[str] = []
    assert quote_span(c, scores, why=why) == (3, 19)  # the paragraph and the whole block
    assert "end: the code block closed (paragraph rule)" in why
    assert quote_span(c, scores, opts=AnswerOptions(code_after_paragraph=0)) == (3, 4)
    two = text.replace("with its form property.", "with its form property.\n\nA second one.")
    assert quote_span(chunk(two, ["Submit"]), scores) == (3, 6)  # two paragraphs: left out


def test_a_best_line_in_a_table_keeps_its_rows_and_its_quote_starts_at_the_header_row() -> None:
    """Asked "What are the allowed values of the cron hour field?", the answer quoted only a
    table's header row "| field | allowed |": the command rule cut the quote to the best
    line's "paragraph" to make room for an example block below, and a table row has none.
    A best line in a table or list item is left to the quote's own shaping. And a quote
    that began on the table's rule ("|-------|", scored as if it said something) starts at
    its header row; the rule is no evidence."""
    from assistant.stages.shape import command_piece

    text = "\n".join(
        [
            "## Cron syntax",  # 1
            "",
            "| field | allowed |",  # 3
            "|-------|---------|",
            "| minute | 0-59 |",  # 5
            "| hour | 0-23 |",
            "",
            "Examples:",  # 8
            "",
            "```",
            "*/15 * * * * /usr/local/bin/sync.sh",
            "```",
        ]
    )
    c = chunk(text, ["Cron syntax"])
    roles = LineRoles.of(text.split("\n"), front_matter=False)
    scores = {2: 0.63, 4: 0.58, 5: 0.62, 7: 0.51, 10: 0.52}
    span = quote_span(c, scores, roles, DEFAULT_OPTIONS.model_copy(update={"max_quote_lines": 4}))
    assert span == (3, 6)  # header row through the hour row
    assert command_piece(c, scores, roles, span) is None
    rule_first = {3: 0.60, 5: 0.62}  # the rule scored: the quote still starts at the header
    assert (
        quote_span(c, rule_first, roles, DEFAULT_OPTIONS.model_copy(update={"max_quote_lines": 4}))[
            0
        ]
        == 3
    )
    assert "|-------|---------|" not in evidence_texts(c, ["hour"])


def test_the_command_a_later_lead_in_introduces_is_quoted_beside_the_best_paragraph(
    tmp_path,
) -> None:
    """The command rule: the best line opens the note, the command comes after an example
    block, past `max_quote_lines`; the lead-in's paragraph scores within `command_window`, so
    the quote is the best paragraph and the lead-in with its block, two quotes of whole lines
    within 12 lines (also when the first quote stopped inside the lead-in's paragraph). A best
    line in a code block keeps its block whole, as the first quote ("rm: Argument list too
    long", then "we can figure out the max length with the following command:"). Off, or too
    far below the best line: one quote as before."""
    from pathlib import Path

    from assistant.options import AnswerOptions
    from assistant.stages.shape import NoteReader, cite, command_piece

    text = "\n".join(
        [
            "# Increment All The Numbers",  # 1
            "",
            "Substitution can do more than replace static text:",  # 3 (best line)
            "each replacement can be an expression, so all numbers",
            "in the buffer can be incremented at once.",  # 5
            "",
            "Given the following text in our buffer:",  # 7
            "",
            "```",
            "1 2 a b c 45 123 1982",  # 10
            "```",
            "",
            "We can run the following substitution command:",  # 13
            "",
            "```",
            ":%s/\\d\\+/\\=submatch(0)+1/g",  # 16
            "```",
            "",
            "This transforms all digits in the buffer.",  # 19
        ]
    )
    c = chunk(text, ["Increment All The Numbers"])
    roles = LineRoles.of(text.split("\n"), front_matter=False)
    scores = {2: 0.80, 3: 0.60, 6: 0.73, 9: 0.45, 12: 0.70, 15: 0.52, 18: 0.60}
    span = quote_span(c, scores, roles)
    assert span == (3, 11)  # the best lines and the example: the command is left out
    why: list[str] = []
    assert command_piece(c, scores, roles, span, why=why) == ((3, 5), (13, 17))
    assert why and why[0].startswith("command rule: the lead-in at line 13")
    assert command_piece(c, scores, roles, span, AnswerOptions(command_piece=False)) is None
    # a quote cut inside the lead-in's paragraph (before its block) gives it up to the rule
    assert command_piece(c, scores, roles, (3, 13)) == ((3, 5), (13, 17))
    low = scores | {12: 0.60}  # 0.20 below the best line: not among its best lines
    assert command_piece(c, low, roles, span) is None
    in_code = scores | {9: 0.90}  # the best line is the example's code: its block answers
    assert command_piece(c, in_code, roles, quote_span(c, in_code, roles)) is None
    # the example's code scores best but the lead-in nearly as well (the question restates
    # the problem the block shows): the block with its lead-in, then the command
    shown = scores | {9: 0.82}
    assert command_piece(c, shown, roles, (7, 11)) == ((7, 11), (13, 17))

    note = tmp_path / "n.md"
    note.write_text(text + "\n", encoding="utf-8")
    hit = Hit(chunk=c, score=1.0)
    rules: list[list[str]] = []
    cites = cite(1, hit, scores, NoteReader(), lambda rel: Path(note), why=rules)
    assert [(x.n, x.start_line, x.end_line) for x in cites] == [(1, 3, 5), (2, 13, 17)]
    assert cites[1].quote.endswith(":%s/\\d\\+/\\=submatch(0)+1/g\n```")
    assert not any(x.changed_since_indexed for x in cites)
    # --explain: each quote its own rules; how the first span ended before the cut is gone
    first, second = rules
    assert first[0].startswith("best line") and first[-1].startswith("command rule")
    assert not any(r.startswith("end:") for r in first)
    assert second == [first[-1]]


def test_a_lead_in_runs_on_through_a_code_block_whose_first_line_is_a_comment() -> None:
    """The issue's case: "Run the following commands:" then a fenced block opening with a
    shell comment. Read as a heading, the `#` line stopped the run-on before the block."""
    file = ["## Setup", "Run the following commands:", "```bash", "# install the agent"]
    file += ["yum install -y ecs-init", "```", "", "## Next", "Other."]
    assert run_on(file, 2, 2) == 6  # through the closing fence


def test_a_setext_heading_is_not_quoted() -> None:
    text = "\n".join(["Scaling", "=======", *[f"Line {i} of text." for i in range(20)]])
    start, _ = quote_span(chunk(text, ["Scaling"]), {})
    assert start == 3  # the first line after the heading's text and underline


def test_a_list_marker_in_code_is_no_parent_item() -> None:
    """Terminal output listing resources in a fenced block: the best line's quote does not
    widen to a "parent item" that is only more output."""
    body = ["```", *[f"output {i}" for i in range(14)]]
    body += ["- Virtual private cloud  [Complete]", "  - Private subnets  [Complete]", "```"]
    text = "\n".join(["# Deploy", "", *body])
    best = text.split("\n").index("  - Private subnets  [Complete]")
    start, _ = quote_span(chunk(text, ["Deploy"]), {best: 0.9})
    assert start == best + 1  # 1-based: the best line itself, no parent


def test_a_line_of_wiki_links_is_no_evidence_but_a_list_of_them_stays_quoted() -> None:
    """A wiki's link line ("- [[prioritySymbols|…priority-symbols]]") was quoted alone as the
    answer about priority symbols: it names a page without saying anything. It is no evidence
    now; a list of wiki links after a lead-in is still quoted (the list is the answer)."""
    assert only_links("- [[prioritySymbols|dendron://site/topic.priority-symbols]]", wiki=True)
    assert only_links("![[dendron.topic.schema.lib]]", wiki=True)
    assert not only_links("- [[prioritySymbols|dendron://site/topic.priority-symbols]]")
    assert not only_links("Share and discuss [[schemas|topic.schema]].", wiki=True)
    text = (
        "## Task Display\nThe symbols shown for each priority are set in the config.\n"
        "- [[prioritySymbols|dendron://site/topic.priority-symbols]]\n"
        "- [[statusSymbols|dendron://site/topic.status-symbols]]"
    )
    c = chunk(text, ["Task Display"])
    kept = evidence_texts(c, ["priority"])
    assert kept == ["The symbols shown for each priority are set in the config."]
    assert evidence_lines(c, ["priority"], 10, links=False) == [0, 1, 2]
    listed = ["Dendron supports the following symbols:", "- [[Wiki Links|a]]", "- [[Refs|b]]"]
    roles = LineRoles.of(listed)
    from assistant.stages.shape import _drop_trailing_links

    assert _drop_trailing_links(listed, roles, 0, 2) == 2
    # a changelog's link reference definitions after its last version's list are never shown:
    # they go, though the list before them is a list (its links would stay)
    tail = ["- Feature flags", "", "[2.3.1]: https://git.example.com/c/v2.3.0...v2.3.1"]
    assert _drop_trailing_links(tail, LineRoles.of(tail), 0, 2) == 0
    only = ["[a]: https://a.example", "[b]: https://b.example"]
    assert _drop_trailing_links(only, LineRoles.of(only), 0, 1) == 1  # nothing else: kept


def test_a_line_of_nothing_but_tags_is_no_evidence() -> None:
    """ "#rust", a note's tag line under its title, was quoted alone as the first answer to a
    Rust question: it files the note and says nothing. A line of #tags is a line of links
    (the link rule), as is a Logseq block reference alone ("((uuid))", quoted as the answer
    about a salary raise) or a block's "id::" anchor; a heading, a C include, a shebang or a
    line with words around a tag is not."""
    assert only_links("#homelab #networking", wiki=True) and only_links("- #todo", wiki=True)
    for line in ("# Heading", "#include <stdio.h>", "#!/bin/bash", "Tags: #rust", "see #42"):
        assert not only_links(line, wiki=True), line
    # an outline's block reference and a block's anchor are links too (Logseq)
    assert only_links("- ((65f1c2a0-1234-4abc-9def-0123456789ab))", wiki=True)
    assert only_links("  id:: 65f1c2a0-1234-4abc-9def-0123456789ab", wiki=True)
    assert not only_links("See ((65f1c2a0-1234-4abc-9def-0123456789ab)) for the fix", wiki=True)
    c = chunk("## Rust snippets\n#rust #snippets\nBorrow one element mutably at a time.", ["R"])
    assert evidence_texts(c, ["rust"]) == ["Borrow one element mutably at a time."]
    assert evidence_lines(c, ["rust"], 10, links=False) == [0, 1]


def test_a_citation_key_or_an_id_link_with_its_title_is_no_evidence() -> None:
    """A Zettelkasten's literature note opens on its pandoc citation key ("[@press2022alibi]"),
    which scored 0.48 for "What is ALiBi?" and was quoted alone; its index note's "-
    [[202303031100]] ALiBi" (an ID link, the note's title after it) was quoted first. Both
    only point elsewhere. A sentence after an ID link, or a citation inside a sentence, says
    something; an e-mail address in brackets is no citation."""
    for line, wiki in [
        ("[@press2022alibi]", False),
        ("[see @vaswani2017; @press2022alibi, p. 3]", True),
        ("- [[202303031100]] ALiBi", True),
        ("[[202303031100]] ALiBi, [[202303101000]] RoPE", True),
        ("- [[202303031100|ALiBi]] Train short, test long", True),
    ]:
        assert only_links(line, wiki), line
    for line, wiki in [
        ("ALiBi beats sinusoidal PE [@press2022alibi].", False),
        ("mail [ops@example.com]", False),
        ("- [[202303031100]] ALiBi removes position embeddings. Trains faster.", True),
        ("- [[202303031100]] ALiBi", False),  # not a wiki
        ("- [[2023]] a year", True),  # no Zettelkasten ID
    ]:
        assert not only_links(line, wiki), line
    c = chunk("# ALiBi\n\n[@press2022alibi]\n\nNo positional embeddings at all.", ["ALiBi"])
    assert evidence_texts(c, ["alibi"]) == ["No positional embeddings at all."]


def test_a_quote_does_not_end_on_a_line_pointing_to_links() -> None:
    """Every zettelkasten note's quote ended on its "Links: [[…]] [[…]]" line: a line whose
    words only point to the links after them is navigation at a quote's end too ("Related:"
    as well); "supports one source code repository provider: [GitHub](…)" is no pointer."""
    from assistant.stages.shape import _drop_trailing_links

    note = ["Half of new material is lost within an hour.", "Each review flattens the curve.", "",
            "Links: [[202403041230 Spaced repetition]] [[202403051010 Forgetting]]"]  # fmt: skip
    assert _drop_trailing_links(note, LineRoles.of(note), 0, 3) == 1
    assert points_elsewhere("Related: [[Anki]]", wiki=True)
    assert not points_elsewhere("supports one source code repository provider: [GitHub](g)")


def test_a_quote_does_not_end_on_a_line_of_tags() -> None:
    """Bear answers ended on the note's tag line ("#finance/budget #finance"): it files the
    note and says nothing. A line with words beside its tags ("Costs #finance") is kept."""
    from assistant.stages.shape import _drop_trailing_links

    note = ["Rent is 1,800 a month.", "Groceries 600.", "", "#finance/budget #finance"]
    assert _drop_trailing_links(note, LineRoles.of(note), 0, 3) == 1
    worded = [*note[:3], "Costs #finance"]
    assert _drop_trailing_links(worded, LineRoles.of(worded), 0, 3) == 3


def test_local_coverage_a_note_path_mentions_its_words() -> None:
    """ "How can I see how much disk space is free on a Linux box?" was declined ("The
    sections found don't mention Linux") though the top sections answer it and one is filed
    as `linux/show-used-and-available-system-memory.md`: a note's path mentions its words."""
    from assistant.stages.evidence import terms_in

    filed = chunk("## Free memory\nRun `free -h` to see used and free memory.", ["Free memory"])
    hits = [Hit(chunk=filed.model_copy(update={"path": "linux/show-free-memory.md"}), score=1)]
    cov = [TermInfo(term="linux", chunks=22), TermInfo(term="md", chunks=0)]
    assert terms_in(hits, cov, sections=3) == {"linux"}
    assert terms_in([Hit(chunk=filed, score=1)], cov, sections=3) == set()


def test_a_name_joined_by_an_apostrophe_is_one_name() -> None:
    """ "What does Thrall'ek want?" then "and Ysène?" searched "ek want ysène": the "ek" of
    Thrall'ek, lower-case, was no name, so the new-subject rule carried it. Every part of a
    capitalised word joined by an apostrophe is the name; a lower-case contraction is none."""
    from assistant.stages.decide import names_in

    assert names_in("What does Thrall'ek want?") == {"thrall", "ek"}
    assert names_in("Did O’Brien sign?") == {"o", "brien"}
    assert names_in("Where's the file? I don't know") == {"i"}
    assert names_in("Is Ysène's cane a wand?") == {"ysène", "s"}


def test_a_title_before_a_name_is_no_name() -> None:
    """ "What did Professor Delgado say would be on the final?" was partly covered, "Your notes
    don't mention Professor Delgado", of notes writing "Prof. Delgado"; "Justice Black" of
    "Black, J., concurring". A title is said before a name, and notes abbreviate it: the
    name alone is one. A title with no name after it is a word as any other."""
    from assistant.stages.decide import decide, names_in

    assert names_in("What did Professor Delgado say?") == {"delgado"}
    assert names_in("What did Justice Black write in International Shoe?") == {
        "black", "international", "shoe"
    }  # fmt: skip
    assert names_in("Is Dr Patel in on Monday?") == {"patel", "monday"}
    assert names_in("Which Professor taught Torts?") == {"professor", "torts"}  # no name after
    cov = [TermInfo(term="professor", chunks=0), TermInfo(term="delgado", chunks=2),
           TermInfo(term="final", chunks=2)]  # fmt: skip
    hits = [Hit(chunk=chunk("Prof. Delgado said easements are on the final.", ["L"]), score=1)]
    q = "What did Professor Delgado say would be on the final?"
    d = decide(q, cov, hits, 0.6, COMMON | {"professor", "final"})
    assert not d.abstain and d.names == [] and d.outcome == "answered"


def test_a_path_word_is_read_without_its_accents() -> None:
    """ "and ysene?" (no accent on a keyboard without one) was named by no note's path, though
    `NPCs/Ysène Varlow.md` is hers: paths are matched as BM25 reads words, accents aside; and
    the numbers of a day in a path are not its words."""
    from index.retrieve import path_words, rank_by_path

    assert path_words("NPCs/Ysène Varlow.md") == ["npc", "ysene", "varlow"]
    paths = {1: "NPCs/Ysène Varlow.md", 2: "Locations/Saltmarch.md", 3: "NPCs/Pip.md"}
    assert rank_by_path(["ysene"], paths) == {1: 1}
    # a day in a path is no words: "the week of 2024-12-23" named `2024-03-12-churn-review.md`
    # first by its "2024" and "12"
    assert path_words("meetings/2024-03-12-churn-review.md") == ["meeting", "churn", "review"]
    days = {1: "meetings/2024-03-12-churn-review.md", 2: "forecast.md", 3: "notes/2024.md"}
    assert rank_by_path(["week", "2024", "12", "23"], days) == {3: 1}


def test_a_question_in_another_language_names_only_by_its_long_words() -> None:
    """ "Wie lange darf ein Job auf dem Cluster maximal laufen?" was declined, "Your notes don't
    mention Wie, darf, laufen, Cluster" (German verbs and function words are no English, so
    they read as names; German capitalises every noun). A question of six words or more,
    under 15% of them English function words, is read as another language: a word the
    notes lack is a name only with seven letters or more ("Sauerteigbrot"), and its short
    covered words anchor nothing. Off, or an English question, as before."""
    from assistant.stages.decide import in_another_language

    assert in_another_language("Wie lange darf ein Job auf dem Cluster maximal laufen?")
    assert in_another_language("Quand est-ce que la réunion a lieu ?")
    assert not in_another_language("Does Dendron support Haskell notebooks?")
    assert not in_another_language("ecs svc scaling metric")  # too short to tell
    assert not in_another_language("can tasks share a network file system")
    assert not in_another_language("problem 7 of problem set 4")  # numbers are no words
    # English keywords: no word of another language ("AES256" went unsaid as missing)
    assert not in_another_language("hashcat mode for Kerberos AES256 etype 18 hashes?")
    assert in_another_language("Welche Ports braucht der Ingress Controller im Cluster?")
    c = chunk("## Rechencluster\nMaximal 48 Stunden pro Job.", ["Rechencluster"])
    h = [Hit(chunk=c, score=1.0)]

    def cov(**words: int) -> list[TermInfo]:
        return [TermInfo(term=w, chunks=n) for w, n in words.items()]

    q = "Wie lange darf ein Job auf dem Cluster maximal laufen?"
    asked = cov(wie=3, lange=2, darf=0, ein=5, job=4, auf=5, dem=5, cluster=2, maximal=2, laufen=0)
    d = decide(q, asked, h, best_line=0.48, common=COMMON)
    assert d.outcome == "answered" and d.other_language and not d.missing
    off = AnswerOptions(other_languages=False)
    assert decide(q, asked, h, best_line=0.48, common=COMMON, opts=off).abstain
    bread = "Wie backe ich ein gutes Sauerteigbrot im Ofen?"
    words = cov(wie=3, backe=0, ich=4, ein=5, gutes=0, sauerteigbrot=0, im=2, ofen=0)
    d = decide(bread, words, h, 0.35, COMMON)
    assert d.abstain and d.missing == ["sauerteigbrot"]
    assert decide(q, asked, h, best_line=0.2, common=COMMON).abstain  # the line still counts


def test_as_well_as_names_no_subject() -> None:
    """ "Does autoscaling work with Fargate as well as EC2?" said "Your notes don't mention
    well.": the "well" of "as well (as)" is a function word; "Well-Architected" keeps it."""
    from index.retrieve import query_terms

    assert query_terms("Does autoscaling work with Fargate as well as EC2?") == [
        "autoscaling",
        "work",
        "fargate",
        "ec2",
    ]
    assert query_terms("Is logging covered as well?") == ["logging", "covered"]
    # a capital letter standing alone is a word ("What are the H's and T's?" was a usage
    # error, "names nothing to search for"; "the normal range for K?" searched no K)
    assert query_terms("What are the H's and T's?") == ["h", "t"]
    assert query_terms("What's the normal range for K?") == ["normal", "range", "k"]
    assert query_terms("Is A faster than I? a t-test") == ["faster", "test"]
    # a numeral "I" after a word, ending a phrase ("What happens in meiosis I?" quoted
    # Meiosis II first: the "I" was dropped), not the pronoun
    assert query_terms("What happens in meiosis I?") == ["happens", "meiosis", "i"]
    assert query_terms("Type I and Type II errors") == ["type", "i", "ii", "errors"]
    assert query_terms("What did Sarah and I do?") == ["sarah"]
    assert query_terms("Where was the party I went to?") == ["party", "went"]
    assert "well" in query_terms("What is the AWS Well-Architected Framework?")
    # nor is "et al." a name the notes lack ("What does Guo et al. say about calibration?")
    assert query_terms("What does Guo et al. say about calibration?") == [
        "guo",
        "say",
        "calibration",
    ]
    # nor a contraction typed without its apostrophe ("who sings lead on Dont Look Back in
    # Anger?" said "Your notes don't mention Dont", "whens Tom Beckers birthday" "whens")
    assert query_terms("whens the gig, and why dont we play it?") == ["gig", "play"]
    # nor half of one typed with it ("If the primary doesn't acknowledge…" said "doesn" was
    # not in the notes; "they've" gave "ve"), while "O'Reilly" stays one name's two words
    asked = "If on-call doesn't ack, who's paged? They've said"
    assert query_terms(asked) == "call ack paged said".split()
    assert query_terms("you’re sure we'll see O'Reilly") == ["sure", "see", "reilly"]


def test_a_note_file_name_asks_about_the_name_not_its_suffix() -> None:
    """ "What does aws-containers.md say about the preferred load balancer?" said "Your notes
    don't mention md.": a note's suffix is part of its file name, not a word asked about;
    "md" on its own still is."""
    from index.retrieve import query_terms

    assert query_terms("What does aws-containers.md say about ALB?") == [
        "aws",
        "containers",
        "say",
        "alb",
    ]
    assert query_terms("Where is todo.TXT or the git.markdown note?") == ["todo", "git", "note"]
    assert "md" in query_terms("How do I write md tables?")


def test_closest_matches_name_each_section_once() -> None:
    """Two pieces of one over-long line share its span: "huge.md:3 › Huge" was listed twice
    among the closest matches; and its section's heading piece ("huge.md:1") with them."""
    from assistant.stages.render import closest_of

    long_line = chunk("A very long line of firewall rules.", ["Huge"]).model_copy(
        update={"start_line": 3, "end_line": 3}
    )
    piece = long_line.model_copy(update={"id": 2})
    other = chunk("Something else.", ["Other"]).model_copy(update={"start_line": 5, "id": 3})
    hits = [Hit(chunk=c, score=1 - i / 10) for i, c in enumerate((long_line, piece, other))]
    assert [(c.start_line, c.heading_path) for c in closest_of(hits)] == [
        (3, ["Huge"]),
        (5, ["Other"]),
    ]
    # The heading line of that section, a piece of its own, is the same section: not listed.
    heading = chunk("# Huge", ["Huge"]).model_copy(update={"start_line": 1, "id": 4})
    hits.insert(2, Hit(chunk=heading, score=0.85))
    assert [c.heading_path for c in closest_of(hits)] == [["Huge"], ["Other"]]


def test_local_coverage_a_note_front_matter_title_mentions_its_words() -> None:
    """A note titled in its front matter ("title: Capybara Handbook"; Dendron titles every
    note so) mentions "capybara", though its sections are headed "Feeding"."""
    from assistant.stages.evidence import terms_in

    fed = chunk("## Feeding\nThey eat grass, about 3 kg a day.", ["Feeding"])
    cov = [TermInfo(term="capybara", chunks=1), TermInfo(term="rodent", chunks=1)]
    labels = {"n.md": "Capybara Handbook rodent"}.get
    assert terms_in([Hit(chunk=fed, score=1)], cov, 3, labels) == {"capybara", "rodent"}
    assert terms_in([Hit(chunk=fed, score=1)], cov, 3) == set()


def test_a_style_or_script_block_is_no_evidence() -> None:
    """A notebook export's `<style scoped>` block (CSS for its DataFrame tables) was quoted
    as the answer about survival rates: the rendered note never shows it (the comment
    rule), nor a `<script>`; a table after it is read."""
    text = (  # as nbconvert writes it: the blank line ends the HTML block, the CSS is "code"
        "## Survival\n<div>\n<style scoped>\n    .dataframe tbody tr th {\n"
        "        vertical-align: middle;\n    }\n\n    .dataframe thead th {\n"
        "        text-align: right;\n    }\n</style>\n"
        "<table><tr><td>female first class survival 0.97</td></tr></table>\n</div>"
    )
    got = evidence_texts(chunk(text, ["Survival"]), ["survival"])
    assert not any("align" in g or "dataframe" in g for g in got), got
    assert any("0.97" in g for g in got)
    off = evidence_lines(chunk(text, ["Survival"]), ["survival"], 10, comments=False)
    assert len(off) > len(got)


def test_a_quote_neither_starts_nor_ends_on_an_html_comment() -> None:
    text = (
        "## Ops\n<!-- markdownlint-disable -->\nThe pager rotation changes every Monday.\n"
        "<!--\nTODO: add holiday rules\n-->"
    )
    assert quote_span(chunk(text, ["Ops"]), {}) == (3, 3)
    assert quote_span(chunk(text, ["Ops"]), {}, opts=AnswerOptions(comments=False)) == (2, 6)
    long = long_section("Ops", ["The pager rotation changes every Monday.", "<!-- TODO -->"])
    assert quote_span(long, {15: 0.9, 16: 0.89}) == (16, 16)


MDX = """## Retries
<Tabs>
<TabItem value="py" label="Python">

```python
@task(retries=5, backoff="exponential")
<Tabs>
```

</TabItem>
</Tabs>

The default backoff is exponential, starting at one second."""


def test_lines_of_tags_or_macros_alone_are_no_evidence() -> None:
    """An MDX page's "<Tabs>" scored 0.74 for "What is the default backoff strategy?" by its
    heading alone, and the quote ran through the tabs' code and left out the sentence that
    answers; a Logseq "{{query (and (todo TODO LATER) [[work]])}}" was quoted alone as the
    open TODOs. Tags or macros alone outside code are no evidence (the markup rule); in code,
    or with words beside them, they are."""
    for line in ("<Tabs>", "</TabItem>", '<TabItem value="go" label="Go">', "<details>",
                 '<img src="arch.png" alt="Architecture" />', "- {{query (todo TODO)}}",
                 "{{embed [[Kubernetes]]}}", '{{< figure src="a.png" >}}', "{% include x.html %}",
                 "import Tabs from '@theme/Tabs';", "export const meta = {draft: true};",
                 "{/* hidden */}", "  collapsed:: true", "  :LOGBOOK:", "  :END:",
                 "  CLOCK: [2026-11-10 Tue 09:12]--[2026-11-10 Tue 12:40] =>  03:28",
                 "\t  id:: 6601f0c2-4b1a-4e2f-9c11-2a7d3e5b8f01",
                 "\t- ((6601F0C2-4b1a-4e2f-9c11-2a7d3e5b8f01))"):  # fmt: skip
        assert only_markup(line), line
    for line in ("<summary>How long are dead jobs kept?</summary>", "Press <kbd>Ctrl</kbd>+C",
                 "if a < b and c > d", "import numpy as np", "export the data", "",
                 "role:: Engineering Manager", "id:: EMP-0042",
                 "- see ((6601f0c2-4b1a-4e2f-9c11-2a7d3e5b8f01)) for the decision"):  # fmt: skip
        assert not only_markup(line), line
    got = evidence_texts(chunk(MDX, ["Retries"]), ["backoff"])
    assert got == [
        "```python",
        '@task(retries=5, backoff="exponential")',
        "<Tabs>",  # in code: what the code says
        "The default backoff is exponential, starting at one second.",
    ]
    c = chunk(MDX, ["Retries"])
    assert len(evidence_lines(c, ["backoff"], 10, markup=False)) == 8
    # a quote neither starts nor ends on them
    assert quote_span(c, {}) == (5, 13)
    assert quote_span(c, {}, opts=AnswerOptions(markup=False)) == (2, 13)
    tail = chunk("## Install\nRun `brew install ferry`.\n</TabItem>\n</Tabs>", ["Install"])
    assert quote_span(tail, {1: 0.8}) == (2, 2)
    # a notes app's query block shows its results, never its words ("What are my open
    # tasks?" quoted "TASK FROM \"Projects\" WHERE !completed", "high")
    home = '## Open tasks\n```dataview\nTASK FROM "Projects" WHERE !completed\n```\nSee shed.'
    assert evidence_texts(chunk(home, ["Open tasks"]), ["tasks"]) == ["See shed."]
    code = home.replace("dataview", "sql")
    assert evidence_texts(chunk(code, ["Open tasks"]), ["tasks"])[1].startswith("TASK")
    # ... nor does a quote start or end on one ("When is the Q1 tax payment due?" quoted the
    # dashboard's query above the reminder)
    assert quote_span(chunk(home, ["Open tasks"]), {}) == (5, 5)
    assert quote_span(chunk(code, ["Open tasks"]), {}) == (2, 5)  # code of its own: kept
    assert quote_span(chunk(home, ["Open tasks"]), {}, opts=AnswerOptions(markup=False)) == (2, 5)


UPGRADING = """## From 1.x to 2.x

Ferry 2.0 changed the database schema and the default port.

=== "PostgreSQL"

    1. Stop all workers and `ferryd` replicas.
    2. Back up the database.
    3. Run `ferryd migrate --from 1` with the 2.x binary.
    4. Start `ferryd` 2.x, then the workers with a 2.x client.

=== "Redis"

    Redis data cannot be migrated in place. Drain all queues on 1.x first.

!!! warning "Port change"
    The default port moved from 7400 (1.x) to 7420 (2.x)."""


def test_a_content_tab_or_admonition_title_runs_on_through_its_block() -> None:
    """ "What are the steps to upgrade PostgreSQL from 1.x to 2.x?" was answered with
    `=== "PostgreSQL"` alone (0.85, by its heading): the steps indented under it were left
    out. A line titling the indented block under it, as MkDocs writes tabs and admonitions,
    leads in: the quote runs on through the block (the lead-in rule)."""
    c = chunk(UPGRADING, ["Upgrading", "From 1.x to 2.x"])
    assert quote_span(c, {4: 0.85, 6: 0.6, 13: 0.3}) == (5, 10)
    neither = AnswerOptions(lead_in_run_on=False, tabs=False)
    assert quote_span(c, {4: 0.85, 6: 0.6}, opts=neither) == (5, 5)
    # the tab rule alone quotes the tab whole, its title and the steps under it
    assert quote_span(c, {4: 0.85, 6: 0.6}, opts=AnswerOptions(lead_in_run_on=False)) == (5, 10)
    assert quote_span(c, {15: 0.8, 16: 0.5, 6: 0.2}) == (16, 17)  # an admonition's title


def test_a_link_reference_definition_is_no_evidence() -> None:
    """ "Is there a web dashboard?" quoted "[mysql]: https://github.com/…/issues/212", the
    target of a "[MySQL][mysql]" link above it, which the reader never sees."""
    assert only_links("[mysql]: https://github.com/ferry/ferry/issues/212")
    assert only_links('[1]: <https://example.com/a> "Title"')
    assert not only_links("[note]: this is not a definition")


def test_a_setext_heading_is_no_evidence_as_a_hash_heading_is_none() -> None:
    """A setext heading's text and underline are no lines of the section's own: a section
    "Kubernetes upgrade procedure\\n====" over an unrelated line must not score its heading."""
    text = "Kubernetes upgrade\n==================\n\nLunch is at noon."
    assert evidence_texts(chunk(text, ["Kubernetes upgrade"]), ["kubernetes"]) == [
        "Lunch is at noon."
    ]
    atx = chunk("# Kubernetes upgrade\n\nLunch is at noon.", ["Kubernetes upgrade"])
    assert evidence_texts(atx, ["kubernetes"]) == ["Lunch is at noon."]
    piece = chunk("Lunch is at noon.\nDrinks at five.", ["Kubernetes upgrade"])  # a later piece
    assert evidence_texts(piece, []) == ["Lunch is at noon.", "Drinks at five."]
    # a later piece of a long code block: its "# comment" lines are code, still evidence
    code = chunk("pip install x\n# upgrade the cluster\nkubectl apply -f up.yaml\n```", ["K"])
    assert evidence_texts(code, []) == [
        "pip install x",
        "# upgrade the cluster",
        "kubectl apply -f up.yaml",
    ]  # fmt: skip  (the closing fence says nothing)


def test_an_html_heading_is_no_evidence_as_a_hash_heading_is_none() -> None:
    """A note titled "<h1>WireGuard VPN</h1>" scored that line above every line under it for
    any WireGuard question (0.67), so quotes started at the title. An HTML heading on a line
    of its own is a heading; in code, or beside other words, it is text."""
    text = "<h1>WireGuard VPN</h1>\n\n<p>Home VPN.</p>\n\nEnable forwarding first."
    assert evidence_texts(chunk(text, []), []) == ["<p>Home VPN.</p>", "Enable forwarding first."]
    assert evidence_texts(chunk('  <H2 id="x">Setup</H2>\nRun it.', []), []) == ["Run it."]
    kept = "```html\n<h1>Title</h1>\n```\nThe <h1>Title</h1> tag is the page's."
    assert "<h1>Title</h1>" in evidence_texts(chunk(kept, []), [])
    assert len(evidence_texts(chunk(kept, []), [])) == 3  # the "```html" fence, code, text


def test_a_sentence_begun_inside_a_line_starts_the_quote_there_when_no_more_fits() -> None:
    """ "How do I check why a file is being ignored?" quoted from "check-ignore` is a command
    ...": its sentence begins in the line above, after another sentence's end ("... more
    obscure. Fortunately, `git"), and going back to where that other sentence begins did not
    fit. The quote starts at the line the sentence begins in."""
    tail = [
        "",
        "There are a few places where you can list the files that git",  # 17
        "should ignore. The most common is the gitignore file. The other",  # 18
        "places can be more obscure. Fortunately, `git",  # 19
        "check-ignore` is a command that shows you where.",  # 20
        *[f"Line {i} of more text about it." for i in range(10)],  # 21-30
    ]
    c = long_section("Ignored", tail)
    why: list[str] = []
    assert quote_span(c, {19: 0.9, 29: 0.85}, why=why) == (19, 30)
    assert why[-1].endswith("after the end of another")


def test_a_quote_starts_where_its_first_lines_sentence_begins() -> None:
    """The sentence rule: in a hard-wrapped paragraph, a quote whose best line continues a
    sentence from the line above starts at that sentence's first line ("The prefix key ...",
    not "following key is ..."), a list item's wrapped text at the item; a line after a
    sentence's end starts the quote itself. Off: the quote starts at its best line."""
    from assistant.options import AnswerOptions

    tail = [
        "",
        "The prefix key tells an active session that the",  # 17
        "following key is a command. It can be changed",  # 18
        "in the config file.",  # 19
        "",
        "- An item whose text is wrapped over",  # 21
        "  two lines of the list.",  # 22
    ]
    c = long_section("Prefix", tail)
    why: list[str] = []
    assert quote_span(c, {17: 0.9}, why=why) == (17, 19)
    assert why[-1] == "start: line 17, where the first line's sentence begins"
    assert quote_span(c, {17: 0.9}, opts=AnswerOptions(sentence_start=False)) == (18, 19)
    assert quote_span(c, {18: 0.9}) == (17, 19)  # "in the config file." ends that sentence
    assert quote_span(c, {21: 0.9})[0] == 21  # the item's first line
    ended = long_section("Prefix", ["", "It is a command.", "It can be changed."])
    assert quote_span(ended, {17: 0.9}) == (18, 18)  # the line above ends a sentence
    # A first line that only ends a sentence begun above it, before the best line: the quote
    # starts after it (not back at that sentence's start, which would lengthen the quote).
    tail = ["", "Changes made in an interactive", "rebase are applied.", "", "Run git rebase."]
    frag = long_section("Rebase", tail)
    why = []
    assert quote_span(frag, {17: 0.85, 19: 0.9}, why=why) == (20, 20)  # file lines
    assert why[-1] == "start: line 20, after a sentence begun above ends"
    off = AnswerOptions(sentence_start=False)
    assert quote_span(frag, {17: 0.85, 19: 0.9}, opts=off) == (18, 20)


def test_a_quote_cut_for_the_command_rule_ends_where_a_sentence_does() -> None:
    """The command rule cuts the best paragraph so that it and the command fit in
    `max_quote_lines`; the cut falls on the last line that ends a sentence, never mid-way
    through one ("Thus you can enforce it now and clean up")."""
    from assistant.options import AnswerOptions
    from assistant.stages.shape import command_piece

    text = "\n".join(
        [
            "# T",  # 1
            "",
            "Adding a constraint with not valid skips the check.",  # 3 (best line)
            "It tells Postgres the existing rows need no check.",
            "Thus you can enforce it now and clean up",  # 5
            "the rows that conflict with it",
            "later, at your own pace.",  # 7
            "",
            "Eventually you can validate it with this command:",  # 9
            "",
            "```",  # 11
            "alter table t validate constraint c;",
            "select 1;",
            "select 2;",
            "select 3;",
            "select 4;",
            "```",  # 17
        ]
    )
    c = chunk(text, ["T"])
    roles = LineRoles.of(text.split("\n"), front_matter=False)
    scores = {2: 0.8, 3: 0.6, 4: 0.5, 8: 0.7}
    assert command_piece(c, scores, roles, (3, 7)) == ((3, 4), (9, 17))
    off = AnswerOptions(sentence_start=False)
    assert command_piece(c, scores, roles, (3, 7), off) == ((3, 5), (9, 17))


def test_a_quote_its_length_limit_cuts_ends_where_a_sentence_does() -> None:
    """The sentence rule at a quote's end: the twelve-line limit cut a paragraph mid-sentence
    ("... you'll see there is only one commit in the"). The quote runs on to where that
    sentence ends; if it ends too far on, the quote ends after the last sentence it holds
    whole, never before its best line. Off: cut where the limit falls."""
    from assistant.options import AnswerOptions

    head = [f"Line {i} says one thing." for i in range(9)]  # file lines 3-11
    text = "\n".join(
        ["# Clone", "", *head, "", "After a clone you will see only one commit in the",
         "history. Depending on the size of the repo,", "the clone is quicker."]
    )  # fmt: skip
    c = chunk(text, ["Clone"])
    why: list[str] = []
    assert quote_span(c, {2: 0.9, 13: 0.85}, why=why) == (3, 15)
    assert why[-1] == "end: line 15, where the last line's sentence ends"
    off = AnswerOptions(sentence_start=False)
    assert quote_span(c, {2: 0.9, 13: 0.85}, opts=off) == (3, 14)
    short = AnswerOptions(code_after_paragraph=12)  # no room to end the sentence: cut back
    why = []
    assert quote_span(c, {2: 0.9, 13: 0.85}, opts=short, why=why) == (3, 11)
    assert why[-1] == "end: line 11, after the last sentence it holds whole"
    # no sentence ends in the rest of the paragraph (a recipe's unpunctuated method): as cut
    bare = text.replace("the clone is quicker.", "clone is quicker")
    assert quote_span(chunk(bare, ["Clone"]), {2: 0.9, 13: 0.85}, opts=short) == (3, 14)


def test_a_quote_ending_on_a_question_runs_on_through_its_answer() -> None:
    """The question rule: "What does Tom want from the app for handover?" of an interview
    quoted the interviewer's line that repeats it, not Tom's answer in the next turn. A
    quote ending on a line that asks a question runs on through the block after it; not a
    question in code, nor with the rule off."""
    from assistant.options import AnswerOptions

    turns = [
        "**Interviewer:** What do you want from the app for handover?",  # 16
        "",
        "**Tom:** Reporting. I want to see who handed over,",  # 18
        "and whether anything was flagged.",
        "",
        "**Interviewer:** How long do you keep the sheets?",  # 21
        "",
        "**Tom:** They are shredded at the end of the shift.",
    ]
    c = long_section("Interview", ["", *turns])
    why: list[str] = []
    assert quote_span(c, {16: 0.9}, why=why) == (17, 20)
    assert "end: ran on through the answer to the question it ends on" in why
    assert quote_span(c, {16: 0.9}, opts=AnswerOptions(question_run_on=False)) == (17, 17)
    # lines as close before it leave no room for the answer: the quote starts at the question
    assert quote_span(c, {6: 0.85, 16: 0.9}) == (17, 20)
    assert quote_span(c, {6: 0.85, 16: 0.9}, opts=AnswerOptions(question_run_on=False)) == (7, 17)
    code = long_section("Shell", ["", "```", "read -p 'Continue?'", "echo yes", "```"])
    assert quote_span(code, {17: 0.9})[1] == 20  # the block closed, no more


def test_a_passage_and_its_attribution_are_quoted_together() -> None:
    """The attribution rule: "what quote did Hemingway write about defeat?" of a commonplace
    book quoted "— Hemingway, [[The Old Man and the Sea]]" without the passage above it, and a
    passage's quote stopped before its "— Author" line. A quote starting at an attribution
    starts at its passage; one ending on a passage keeps the attribution below it."""
    from assistant.options import AnswerOptions

    tail = [
        "",
        "> We suffer more often in imagination than in reality.",  # 17
        "— Seneca, Letters from a Stoic, Letter 13",
        "",
        "> But man is not made for defeat.",  # 20
        "> A man can be destroyed but not defeated.",
        "— Hemingway, The Old Man and the Sea",  # 22
        "",
        "Thought: most of these are about fear.",
    ]
    c = long_section("On courage", tail)
    why: list[str] = []
    assert quote_span(c, {21: 0.9}, why=why) == (20, 22)
    assert "start: the passage it attributes, line 20" in why
    assert quote_span(c, {16: 0.9}, why=why) == (17, 18)
    assert why[-1] == "end: line 18, the passage's attribution"
    off = AnswerOptions(attribution=False)
    assert quote_span(c, {21: 0.9}, opts=off) == (22, 22)
    assert quote_span(c, {16: 0.9}, opts=off) == (17, 18)  # the paragraph rule's, there


def test_a_link_that_ends_a_sentence_is_no_trailing_link() -> None:
    """The link rule leaves out a trailing line of links, but not one that ends the sentence
    the line above began ("Its base offering is a state hook --" over "[`useState`](…)."):
    that link is what the sentence names."""
    lines = [
        "# Hooks",
        "",
        "Projects using React 16.8+ have hooks. The Hooks",
        "API's base offering is a state hook --",
        "[`useState`](https://reactjs.org/hooks).",
    ]
    assert quote_span(chunk("\n".join(lines), ["Hooks"]), {}) == (3, 5)
    ended = [
        *lines[:3],
        "API's base offering is a state hook.",
        "[useState](https://reactjs.org/hooks)",
    ]
    assert quote_span(chunk("\n".join(ended), ["Hooks"]), {}) == (3, 4)  # a link after it


def test_the_repeat_rule_says_where_else_a_quote_is() -> None:
    """A repeat (trailing spaces aside) is left out and said in the rules of the quote kept,
    also when the command rule cut two quotes from one section."""
    from assistant.models import Citation
    from assistant.stages.shape import _without_repeats

    def cited(path: str, line: int, quote: str) -> Citation:
        return Citation(
            n=1, path=path, absolute_path="/n/" + path, heading_path=["H"],
            start_line=line, end_line=line, quote=quote, score=0.5,
        )  # fmt: skip

    quotes = [cited("a.md", 3, "Why."), cited("a.md", 9, "run it  "), cited("b.md", 4, "run it")]
    kept, rules = _without_repeats(quotes, [["best line 3"], ["command rule"], ["whole"]])
    assert kept == quotes[:2]
    assert rules == [
        ["best line 3"],
        ["command rule", "repeat rule: also word for word at b.md:4 (left out)"],
    ]
    # under another heading the same words say another thing: a journal's entry per date
    dated = [q.model_copy(update={"heading_path": ["Journal", d]}) for q, d in
             zip(quotes[1:], ["2024-03-15", "2024-03-29"], strict=True)]  # fmt: skip
    assert _without_repeats(dated, [["a"], ["b"]])[0] == dated
    # of copies, the note whose name the copy's extends is cited, in the copy's place
    copy, original = cited("bio (1).md", 5, "Osmosis."), cited("bio.md", 5, "Osmosis.")
    kept, rules = _without_repeats([quotes[0], copy, original], [["a"], ["b"], ["c"]])
    assert [c.path for c in kept] == ["a.md", "bio.md"] and kept[1].n == copy.n
    assert rules[1] == ["b", "repeat rule: also word for word at bio (1).md:5 (left out)"]


TMUX_NOTE = """# Access Past Copy Buffer History

Each time you perform a copy within tmux using its built-in
copy functionality, the text that you
copied to the buffer is recorded in the server's history.

_Note: you may have the mouse configured to copy to a tmux buffer._

So, while `tmux paste-buffer` will
only paste in the most recently copied value to a tmux buffer, you can still
access more of the history.

Run `tmux choose-buffer` to open an interactive
prompt that lists the tmux buffer history in reverse chronological order (most
recent to oldest).

You can navigate up and down through these buffers until you find the one that
contains what you're looking for.

See `man tmux` for more details."""


def test_the_next_command_rule_quotes_the_command_after_the_problem() -> None:
    """til's notes state the problem, then the command that solves it: "how do I paste
    something copied earlier" matched "only paste in the most recently copied value" best,
    and the quote stopped there, before `tmux choose-buffer`. The paragraph after the best
    line's, holding code, is quoted too, the start moving on to fit; not without the rule,
    and not when the next paragraph holds no code."""
    c = chunk(TMUX_NOTE, ["Access Past Copy Buffer History"])
    scores = {2: 0.8, 3: 0.8, 4: 0.8, 8: 0.82, 9: 0.85, 10: 0.8, 12: 0.6, 13: 0.5}
    why: list[str] = []
    assert quote_span(c, scores, opts=AnswerOptions(next_command=False)) == (3, 11)
    assert quote_span(c, scores, why=why) == (7, 15)  # the first paragraph left out to fit
    assert any(w.startswith("next command") for w in why)
    no_code = TMUX_NOTE.replace("`tmux choose-buffer`", "the chooser")
    assert quote_span(chunk(no_code, ["Access"]), scores) == (3, 11)
    # a list's last item, then the block it describes ("rclone command for the monthly ssd
    # backup" quoted the list, not the commands under it)
    backup = (
        "# Backups\n\n3-2-1-ish:\n1. Laptop\n2. Dropbox\n3. Monthly: rclone to the SSD\n\n"
        "```sh\nrclone sync ~/Biz /Volumes/T7/Biz\n```\n\nRestore test: April.\n"
        + "\n".join(f"- old drive {n}: wiped" for n in range(6))
    )
    ranks = {5: 0.74, 2: 0.5, 8: 0.6, 11: 0.3, 12: 0.2}
    assert quote_span(chunk(backup, ["Backups"]), ranks) == (3, 10)
    off = AnswerOptions(next_command=False)
    assert quote_span(chunk(backup, ["Backups"]), ranks, opts=off) == (3, 6)


def test_a_parts_best_lines_in_a_section_quoted_already_are_quoted_too(tmp_path: Path) -> None:
    """ "why did I need a doctor to sign my dive medical form, and who signed it?" quoted lines
    9-12 (who signed) and not line 8 (the asthma "YES" that needed it): the part's best section
    was "quoted already", though not at its lines. The part's lines (`again`) are quoted
    too, in file order, unless the section's quote holds them."""
    from assistant.stages.shape import quote_sections

    body = [f"- filler line {n}" for n in range(20)]
    body[3] = "- answered YES to asthma: needed a physician to sign"
    body[16] = "- Dr. Reyes signed it 2023-01-30"
    text = "\n".join(["## Medical", *body])
    note = tmp_path / "medical.md"
    note.write_text(text + "\n")
    c = chunk(text, ["Medical"]).model_copy(update={"path": "medical.md"})
    h = Hit(chunk=c, score=1.0)
    whole = {17: 0.8, 4: 0.3}  # the whole question's best: who signed
    part = {4: 0.7, 17: 0.2}  # the part's: why it was needed
    cited, _ = quote_sections([h], {c.id: whole}, lambda p: tmp_path / p)
    assert [(q.start_line, q.end_line) for q in cited] == [(18, 18)]
    both, _ = quote_sections([h], {c.id: whole}, lambda p: tmp_path / p, again={c.id: part})
    assert [(q.start_line, q.end_line) for q in both] == [(5, 5), (18, 18)]
    held, _ = quote_sections([h], {c.id: whole}, lambda p: tmp_path / p, again={c.id: whole})
    assert [(q.start_line, q.end_line) for q in held] == [(18, 18)]  # its quote holds them


def test_each_part_of_a_joined_question_keeps_its_best_section() -> None:
    """Asked "How do I make git ignore my local edits to a tracked file, and how do I stop
    tracking a file while keeping it on disk?", three notes about ignoring files outscored the
    one about untracking: the second question went unanswered. The parts rule quotes the best
    section of each part, in the place of the last section no part needs."""
    from assistant.stages.decide import clauses
    from assistant.stages.select import with_part_sections

    q = "How do I ignore edits to a tracked file, and how do I stop tracking it?"
    assert clauses(q) == ["How do I ignore edits to a tracked file", "how do I stop tracking it?"]
    assert len(clauses("What are daily notes and scratch notes for?")) == 1
    one, two, three, four = hit(1), hit(2), hit(3), hit(4)
    ids = lambda hits: [h.chunk.id for h in hits]  # noqa: E731
    assert ids(with_part_sections([one, two, three], [one, four], 3)) == [1, 2, 4]
    assert ids(with_part_sections([one, two], [four], 3)) == [1, 2, 4]  # room left: added
    assert ids(with_part_sections([one, two, three], [two], 3)) == [1, 2, 3]  # already quoted
    # the whole question's best section keeps its place; a needed one is never displaced
    assert ids(with_part_sections([one, two], [two, four], 2)) == [1, 2]
    assert ids(with_part_sections([one], [four], 1)) == [1]
    # a piece of a section already quoted is quoted too: its lines are another piece's
    # ("how many dives do I have now and what's my deepest?" of one "Running totals")
    piece = hit(5).model_copy(update={"chunk": two.chunk.model_copy(update={"id": 5})})
    assert ids(with_part_sections([one, two], [piece], 3)) == [1, 2, 5]


def test_a_line_holding_every_term_of_the_question_answers_it() -> None:
    """ "When was I sick with the flu?" was declined ("no line is similar enough (0.28 <
    0.29)") though a row of the notes' table reads "| 2026-11-16 | … | sick, flu |": a table
    row reads to the model as numbers. A line of a top section that holds every subject term
    (two or more, each covered) answers under `min_line` (the whole-line rule)."""
    from assistant.stages.evidence import section_with_every_term

    table = (
        "## Log\n| date | weight | note |\n| --- | --- | --- |\n| 2026-11-16 | 78.1 | sick, flu |"
    )
    h = Hit(chunk=chunk(table, ["Log"]), score=1.0)
    cov = [TermInfo(term="sick", chunks=1), TermInfo(term="flu", chunks=1)]
    assert line_with_every_term([h], cov, DEFAULT_OPTIONS)
    assert not line_with_every_term([h], cov[:1], DEFAULT_OPTIONS)  # one term: no evidence
    # ... unless it is a code: "5xx" (0.28) was declined though a runbook is named for it
    alert = Hit(chunk=chunk("## Alert\nFires when 2% of requests return 5xx.", ["A"]), score=1)
    assert line_with_every_term([alert], [TermInfo(term="5xx", chunks=4)], DEFAULT_OPTIONS)
    # ... or the note's front matter names it: "who is Tob?" of a note aliased "Tob"
    tobin = Hit(chunk=chunk("# Tobin Vale\nSera's younger brother.", ["Tobin Vale"]), score=1)
    tob = [TermInfo(term="tob", chunks=1)]
    assert not line_with_every_term([tobin], tob, DEFAULT_OPTIONS)
    aliases = {"n.md": "Tobin Vale\nTob\nLittle Vale"}.get
    assert line_with_every_term([tobin], tob, DEFAULT_OPTIONS, lambda p: aliases(p) or "")
    # ... or its file name does: "What is note 202401151400 about?" of `202401151400.md`
    body = chunk("# Global tokens\nNo position at all.", ["Global tokens"])
    zettel = Hit(chunk=body.model_copy(update={"path": "zk/202401151400.md"}), score=1)
    named = [TermInfo(term="202401151400", chunks=1)]  # a path word counts as mentioned once
    assert line_with_every_term([zettel], named, DEFAULT_OPTIONS)
    other = [TermInfo(term="202401151401", chunks=1)]
    assert not line_with_every_term([zettel], other, DEFAULT_OPTIONS)
    cold = [*cov, TermInfo(term="cold", chunks=2)]  # covered, but not in that line
    assert not line_with_every_term([h], cold, DEFAULT_OPTIONS)
    missing = [*cov, TermInfo(term="covid", chunks=0)]  # a term the notes lack
    assert not line_with_every_term([h], missing, DEFAULT_OPTIONS)
    q = "When was I sick with the flu?"
    d = decide(q, cov, [h], best_line=0.28, common=COMMON, whole_line=True)
    assert d.outcome == "answered" and d.whole_line
    assert decide(q, cov, [h], best_line=0.28, common=COMMON).abstain
    assert not decide(q, cov, [h], best_line=0.5, common=COMMON, whole_line=True).whole_line
    # the section holding that line is the one the rule found, quoted first: "What did Jonas
    # say about süffig?" quoted another client's section (0.27) and left out Jonas's line
    other_note = Hit(chunk=chunk("## Imperatives\nUse the imperative.", ["Brandt"]), score=1.0)
    assert section_with_every_term([other_note, h], cov, DEFAULT_OPTIONS) is h
    assert section_with_every_term([other_note], cov, DEFAULT_OPTIONS) is None


def test_a_whole_piece_of_a_long_section_is_explained_as_a_piece() -> None:
    """--explain said "whole: the section fits in 12 lines" of 11 table rows cut from a
    48-line section: a later piece (no heading line of its own) says it is one."""
    why: list[str] = []
    rows = "\n".join(f"| 2026-11-{d:02} | 78 kg |" for d in range(1, 6))
    piece = chunk(rows, ["Body Metrics", "Measurements"]).model_copy(
        update={"start_line": 43, "end_line": 47}
    )
    quote_span(piece, {0: 0.5}, opts=AnswerOptions(piece_window=False), why=why)
    assert why[0] == "whole: this piece (lines 43-47) of a longer section fits in 12 lines"
    why = []
    quote_span(chunk("## Measurements\n" + rows, ["Measurements"]), {1: 0.5}, why=why)
    assert why[0] == "whole: the section fits in 12 lines"


JOURNAL = """- Standup
\t- billing-api error rate up after the v2.4.0 deploy
- Design review: rate limiter for public API
\t- options
\t\t- token bucket in Redis
\t\t- sliding window log
\t- decision: token bucket, 100 req/s per API key
- [[Bathroom Renovation]]
\t- Marek invoiced the remaining 1200 EUR
\t\t- paid by bank transfer"""


def test_an_outline_is_quoted_by_whole_top_level_items() -> None:
    """A Logseq journal of bullets (no heading) was quoted whole because it fits in 12 lines,
    the bathroom and the standup with the rate-limit decision; and a quote from its parent
    bullet ("Design review: …") left out the child that answers ("decision: …"). An outline
    is quoted by whole top-level items: the best line's item with its children, and the
    items beside it holding a line nearly as close. A later piece of a long section under a
    heading likewise (`outline_sections`: a piece of twelve of a book's highlights under
    Readwise's "## Highlights" was quoted whole for one). A short section under a heading of
    its own, a flat list, or the rule off: as before."""
    c = chunk(JOURNAL, [])
    assert quote_span(c, {2: 0.7, 0: 0.2, 7: 0.1}) == (3, 7)  # the item whole, its child too
    assert quote_span(c, {8: 0.6, 2: 0.2}) == (8, 10)  # "paid by bank transfer" with it
    assert quote_span(c, {2: 0.7, 8: 0.66}) == (3, 10)  # the next item holds a close line
    off = AnswerOptions(outline=False, piece_window=False)
    assert quote_span(c, {2: 0.7, 0: 0.2}, opts=off) == (1, 10)  # the whole short section
    flat = chunk("- ALB - Preferred\n- NLB - Exceptional cases\n- ELB - not recommended", [])
    assert quote_span(flat, {0: 0.7, 2: 0.3}, opts=AnswerOptions(piece_window=False)) == (1, 3)
    assert quote_span(flat, {0: 0.7, 2: 0.3}) == (1, 1)  # under no heading: its best item
    headed = chunk("## Journal\n### Tuesday\n" + JOURNAL, ["Journal", "Tuesday"])
    assert quote_span(headed, {4: 0.7, 2: 0.2}) == (3, 12)
    piece = chunk(JOURNAL, ["Book", "Highlights"])  # no heading line: a later piece
    assert quote_span(piece, {2: 0.7, 0: 0.2, 7: 0.1}) == (3, 7)
    whole = AnswerOptions(outline_sections=False, piece_window=False)
    assert quote_span(piece, {2: 0.7, 0: 0.2, 7: 0.1}, opts=whole) == (1, 10)


def test_an_outline_page_s_properties_are_an_item_of_their_own() -> None:
    """ "Who gave me the chana masala recipe?" crashed (StopIteration): the best line was the
    Logseq page's property "source:: Meera's mum", above its first bullet, in no item. The
    page's properties are quoted as an item of their own, with the items beside them that
    hold a line nearly as close."""
    page = "source:: Meera's mum, via WhatsApp\n\n- Ingredients\n\t- 2 cans chickpeas\n"
    page += "- Method\n\t- simmer 20 min"
    c = chunk(page, [])
    assert quote_span(c, {0: 0.6, 3: 0.3, 5: 0.2}) == (1, 1)
    assert quote_span(c, {0: 0.6, 3: 0.58}) == (1, 4)  # the next item holds a close line
    assert quote_span(c, {5: 0.6, 0: 0.2}) == (5, 6)


WORKFLOWY = """- Life admin
  - Money
    - Emergency fund
      - Target: 6 months of expenses
        - Top up 300 per month
  - House
    - Loft insulation
      - Recommended 270 mm"""

WORK = (
    "- Work\n  - Billing platform\n"
    + "".join(
        f"    - Phase {n}\n" + "".join(f"      - step {n}.{i}\n" for i in range(4))
        for n in (1, 2, 3)
    )
    + "  - Hiring\n    - Take-home exercise\n      - Time limit: 3 hours"
)


def test_an_outline_of_one_top_item_is_quoted_by_the_items_below_it() -> None:
    """Workflowy and Dynalist export a note as one top bullet ("- Life admin") over
    everything, so the outline rule (two top-level items or more) never applied: "how much
    should I top up the emergency fund?" quoted the four parent bullets and not "Top up 300
    per month" under them. Such an outline is read at its first level of two items or more,
    the single bullet above them (the note's title) no item; an item too long to quote whole
    is read the same way, by the items nested in it."""
    c = chunk(WORKFLOWY, [])
    assert quote_span(c, {2: 0.6, 4: 0.5, 0: 0.7}) == (2, 5)  # "Money", whole; not the title
    assert quote_span(c, {7: 0.6, 2: 0.2}) == (6, 8)
    w = chunk(WORK, [])
    lines = WORK.split("\n")
    phase3 = lines.index("    - Phase 3")
    assert quote_span(w, {phase3 + 2: 0.6, 0: 0.3}) == (phase3 + 1, phase3 + 5)  # in Billing
    assert quote_span(w, {len(lines) - 1: 0.6}) == (len(lines) - 2, len(lines))  # Hiring whole
    off = AnswerOptions(outline=False, piece_window=False)
    assert quote_span(c, {2: 0.6, 4: 0.5, 0: 0.7}, opts=off) == (1, 8)  # the short section


def test_a_parent_item_too_far_above_does_not_push_the_best_line_out() -> None:
    """ "What does RefCell do?" quoted lines 3-14 from the parent item of a long outline and
    left out line 17, the best line: a quote starts at its best line's parent item only when
    the best line still fits."""
    text = "## Rust\n- Ownership\n" + "".join(f"  - point {i}\n" for i in range(14))
    text += "  - RefCell<T> moves borrow checking to runtime."
    c = chunk(text, ["Rust"])
    best = text.split("\n").index("  - RefCell<T> moves borrow checking to runtime.")
    start, end = quote_span(c, {best: 0.8, 2: 0.2})
    assert start <= best + 1 <= end


def test_a_table_header_row_is_no_evidence() -> None:
    """ "Is the office closed on July 19?" quoted "| Date | Holiday | Office closed? |" alone:
    the header row matched the question's words best, and said nothing of July 19. It names
    the columns, as a heading names a section; its rows are the evidence (a row quoted brings
    the header along: the table-header start rule)."""
    md = (
        "# Holidays\n"
        "| Date | Holiday | Office closed? |\n"
        "| --- | --- | --- |\n"
        "| July 19 | Summer Day | yes |\n"
        "| December 24 | Christmas Eve | yes |"
    )
    got = evidence_texts(chunk(md, ["Holidays"]), ["office", "closed", "july"])
    assert got == ["| July 19 | Summer Day | yes |", "| December 24 | Christmas Eve | yes |"]


def test_a_quote_among_a_long_tables_rows_starts_at_its_header_in_an_earlier_piece(
    tmp_path,
) -> None:
    """A service catalog's table, embedded in pieces: "What port is auth-service on?" quoted
    the rows of a later piece, the columns unnamed ("| auth-service | identity-team | … |
    8000 | 1 |"). The quote starts at the header row in the earlier piece while it stays
    within `max_quote_lines`; from further down the table, the rows alone."""
    from assistant.stages.shape import header_above
    from corpus.lines import LineRoles

    rows = [f"| svc-{i} | team | {8000 + i} |" for i in range(30)]
    lines = ["# Catalog", "", "| Service | Owner | Port |", "| --- | --- | --- |", *rows]
    roles = LineRoles.of(lines)
    why: list[str] = []
    assert header_above(roles, 10, 14, why=why) == 3
    assert why == ["start: table header row, line 3, in an earlier piece"]
    assert header_above(roles, 25, 27) == 25  # 25 lines with the header: the rows alone
    assert header_above(roles, 3, 8) == 3 and header_above(roles, 1, 2) == 1
    # through `cite`: a later piece of the table, quoted from the file, starts at its header
    from pathlib import Path

    from assistant.stages.shape import NoteReader, cite

    note = tmp_path / "catalog.md"
    note.write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = "\n".join(lines[9:14])
    piece = Chunk(path="catalog.md", heading_path=["Catalog"], start_line=10, end_line=14,
                  text=text, content_hash=text_hash(text), id=1)  # fmt: skip
    cited = cite(1, Hit(chunk=piece, score=1.0), {1: 0.6}, NoteReader(), lambda rel: Path(note))
    assert (cited[0].start_line, cited[0].end_line) == (3, 11)  # down to the best row
    assert cited[0].quote.startswith("| Service | Owner | Port |")


def test_the_keyword_search_s_first_section_holding_the_names_the_top_lack_is_quoted() -> None:
    """ "when is the SOC2 audit fieldwork?" was declined ("The sections found don't mention
    SOC2, fieldwork") though the keyword search ranked a terse inbox note first: its bullets
    read to the model as little, and it ranked fifth by fusion. The keyword search's first
    section among those mentioning every name of the question the top sections lack takes
    the last of their places and is quoted first; where none does, or with the rule off,
    nothing moves."""
    from assistant.stages.select import with_keyword_names, with_named

    def at(cid: int, text: str, lexical: int | None) -> Hit:
        c = chunk(text, [f"N{cid}"]).model_copy(update={"id": cid, "path": f"n{cid}.md"})
        return Hit(chunk=c, score=1.0 / cid, lexical_rank=lexical)

    hits = [
        at(1, "The audit plan for the year.", 2),
        at(2, "Audit committee members.", 3),
        at(3, "Fieldwork checklist template.", None),
        at(4, "Quarterly audit notes.", 4),
        at(5, "- SOC2 audit fieldwork Jul 7-18", 1),
    ]
    cov = [TermInfo(term=t, chunks=3) for t in ("soc2", "audit", "fieldwork")]
    q = "when is the SOC2 audit fieldwork?"
    moved, named = with_keyword_names(hits, cov, q, {"audit", "fieldwork"})
    assert [h.chunk.id for h in moved] == [1, 2, 5, 3, 4] and named is hits[4]
    assert [h.chunk.id for h in with_named(moved[:3], named, 3)] == [5, 1, 2]
    off = AnswerOptions(keyword_names=False)
    assert with_keyword_names(hits, cov, q, {"audit", "fieldwork"}, off) == (hits, None)
    # the top sections mention every name already: nothing moves
    held = [*hits[:2], at(3, "SOC2 fieldwork dates.", None), *hits[3:]]
    assert with_keyword_names(held, cov, q, {"audit", "fieldwork"}) == (held, None)
    # a subject word no note writes: no section answers it all, nothing moves
    azure = [*cov, TermInfo(term="azure", chunks=0)]
    assert with_keyword_names(hits, azure, q + " on Azure", {"audit"}) == (hits, None)
    # a year is no name to look for: "How much was the property tax in 2024?" quoted first a
    # condo's HOA section, "went up in Jan 2024"
    tax = [at(1, "Property tax 2023: $3,900.", 2), at(2, "Tax notes.", 3),
           at(3, "Insurance.", None), at(4, "HOA dues went up in Jan 2024.", 1)]  # fmt: skip
    years = [TermInfo(term=t, chunks=3) for t in ("property", "tax", "2024")]
    assert with_keyword_names(tax, years, "property tax in 2024?", {"property", "tax"}) == (
        tax,
        None,
    )
    # among the top sections already, alone in naming the names: quoted first, nothing moves
    # ("what nucleofection program did I use?" quoted a day's note naming nothing asked)
    top = [hits[0], hits[4], *hits[1:4]]
    assert with_keyword_names(top, cov, q, {"audit", "fieldwork"}) == (top, hits[4])
    # ... not when another top section names them too: the lines' scores decide
    both = [hits[0], hits[4], at(6, "SOC2 fieldwork dates.", None), *hits[1:4]]
    assert with_keyword_names(both, cov, q, {"audit", "fieldwork"}) == (both, None)
    # the keyword search's first section lacks them, its second writes them all: that one
    second = [*hits[:4], at(5, "- SOC2 audit fieldwork Jul 7-18", 2), at(7, "Audit audit.", 1)]
    moved, named = with_keyword_names(second, cov, q, {"audit", "fieldwork"})
    assert named is second[4] and [h.chunk.id for h in moved][:3] == [1, 2, 5]
    # no candidate writes them: a keyword search for the names alone finds one beyond them
    # ("my P87 working from home claim": `home-aviva.md`'s sections took every place)
    found = [*(h.model_copy(update={"lexical_rank": None}) for h in hits[:3]), hits[3]]
    far = [at(8, "Audit audit.", None).chunk, at(9, "Claimed via SOC2 fieldwork.", None).chunk]
    asked: list[tuple[list[str], list[str]]] = []
    moved, named = with_keyword_names(
        found, cov, q, {"audit", "fieldwork"},
        beyond=lambda n, o: asked.append((list(n), list(o))) or far,
    )  # fmt: skip
    # the names, and another of the question's words (not a name's passing mention)
    assert asked == [(["soc2"], ["audit", "fieldwork"])]
    assert named is not None and named.chunk.id == 9
    assert [h.chunk.id for h in moved] == [1, 2, 9, 3, 4]
    none = with_keyword_names(found, cov, q, {"audit", "fieldwork"}, beyond=lambda n, o: [])
    assert none == (found, None)


def test_a_section_whose_headings_name_the_question_is_quoted_first() -> None:
    """ "What was the root cause of the checkout outage?" quoted the postmortem's Summary and
    "What went well": its "Root cause" section's line scored 0.35, under the companion floor.
    A scored section whose headings and note name every subject term (two or more, or one with
    a digit) is quoted first when none picked is so named; off, or with a term no heading
    names, as before."""
    from assistant.stages.select import with_heading

    def at(cid: int, leaf: str) -> Hit:
        c = chunk(f"## {leaf}\nSome text {cid}.", ["INC-2041: Checkout outage", leaf])
        return Hit(chunk=c.model_copy(update={"id": cid, "path": "pm/inc-2041.md"}), score=1)

    summary, cause, well = at(1, "Summary"), at(2, "Root cause"), at(3, "What went well")
    best = {1: 0.64, 2: 0.35, 3: 0.55}
    cov = [TermInfo(term=t, chunks=3) for t in ("root", "cause", "checkout", "outage")]
    picked, added = with_heading([summary, well], [summary, cause, well], best, cov, 3)
    assert picked == [cause, summary, well] and added is cause
    off = AnswerOptions(headings=False)
    assert with_heading([summary, well], [summary, cause, well], best, cov, 3, off)[1] is None
    more = [*cov, TermInfo(term="fix", chunks=2)]  # "fix" is in no heading
    assert with_heading([summary, well], [summary, cause, well], best, more, 3)[1] is None
    assert with_heading([summary], [summary, cause], {1: 0.6}, cov, 3)[1] is None  # unscored
    # "what happened in session 14?": "happened" phrases the question, the note names the rest
    # (it quoted session 15's prep note, "Not played yet.", a closer line)
    c14 = chunk("## Summary\nThe party reached the library.", ["Session 14", "Summary"])
    s14 = Hit(chunk=c14.model_copy(update={"id": 7, "path": "Sessions/Session 14.md"}), score=1)
    prep = at(8, "Prep")
    asked = [TermInfo(term=t, chunks=2) for t in ("happened", "session", "14")]
    assert with_heading([prep], [s14, prep], {7: 0.22, 8: 0.48}, asked, 3)[1] is s14
    # one term names it when it holds a digit: "What is note 202306021030 about?" of a
    # Zettelkasten's `202306021030.md` (an index note linking to it read closer); a plain word
    # alone is too weak ("Summary" heads every note)
    cz = chunk("# Gated attention\nv1 with the gate gets 99.0% copy accuracy.", ["Gated attention"])
    zettel = Hit(chunk=cz.model_copy(update={"id": 9, "path": "zk/202306021030.md"}), score=1)
    note = [TermInfo(term="202306021030", chunks=3)]
    assert with_heading([prep], [zettel, prep], {9: 0.16, 8: 0.49}, note, 3)[1] is zettel
    plain = [TermInfo(term="summary", chunks=3)]
    assert with_heading([prep], [summary, prep], {1: 0.2, 8: 0.49}, plain, 3)[1] is None
    # picked, but not first: quoted first ("What was the root cause…" quoted its Summary first)
    picked, moved = with_heading([summary, cause, well], [summary, cause, well], best, cov, 3)
    assert picked == [cause, summary, well] and moved is cause

    # a numbered item of a series names the section by its number, whatever else is asked
    # ("what was the answer to problem 4?": "Problem set 4 › Problem 1" names "problem", "4")
    def item(cid: int, leaf: str) -> Hit:
        c = chunk(f"## {leaf}\nSteps.", ["Problem set 4", leaf])
        return Hit(chunk=c.model_copy(update={"id": cid, "path": "Problem set 4.md"}), score=1)

    due, p1, p4 = item(20, "Due"), item(21, "Problem 1"), item(24, "Problem 4")
    asked = [TermInfo(term=t, chunks=3) for t in ("answer", "problem", "4")]
    scores = {20: 0.53, 21: 0.5, 24: 0.49}
    assert with_heading([due, p1, p4], [due, p1, p4], scores, asked, 3, items=["problem 4"]) == (
        [p4, due],  # "Problem 1" is another problem's: it says nothing of problem 4
        p4,
    )
    assert with_heading([due, p1], [due, p1, p4], scores, asked, 3)[1] is None


def test_a_series_item_in_a_sections_text_names_it_by_the_other_words_asked() -> None:
    """ "What went wrong on web-02 during the Debian upgrade?" quoted the host list's
    "## web-02" (its hardware) first, and never "Debian 12 upgrade › What went wrong", whose
    text says "web-02: network did not come back": both the heading rule and the code rule
    went by the section headed by the host. A section whose text writes the item comes first
    where its headings name more of the question's other words; an item's own section still
    comes before another one's that mentions it."""
    from assistant.stages.select import code_first, with_heading

    def sec(cid: int, path: str, heading: list[str], text: str) -> Hit:
        c = chunk(text, heading).model_copy(update={"id": cid, "path": path})
        return Hit(chunk=c, score=1.0)

    host = sec(1, "nodes.md", ["Nodes", "web-02"], "## web-02\n- Dell R630, 64GB RAM")
    log = sec(2, "upgrade.md", ["Debian 12 upgrade", "What went wrong"],
              "## What went wrong\n- web-02: network did not come back, eth0 -> eno1")  # fmt: skip
    words = ("went", "wrong", "web", "02", "debian", "upgrade")
    asked = [TermInfo(term=t, chunks=2) for t in words]
    scores = {1: 0.38, 2: 0.56}
    items = ["web-02"]
    assert with_heading([host, log], [host, log], scores, asked, 3, items=items)[1] is log
    assert code_first([host, log], items, DEFAULT_OPTIONS, list(words)) is log
    assert code_first([host, log], items, DEFAULT_OPTIONS) is host  # no other word: its own
    # with no section of its own, a mention puts nothing first ("Why did traefik refuse to
    # start after restoring dock-01?": the note's intro "Reverse proxy on dock-01" came first)
    intro = sec(3, "traefik.md", ["traefik"], "# traefik\nReverse proxy on dock-01.")
    gotcha = sec(4, "traefik.md", ["traefik", "gotchas"], "## gotchas\n- acme.json 600")
    start = [TermInfo(term=t, chunks=2) for t in ("traefik", "start", "dock", "01")]
    assert with_heading([gotcha, intro], [gotcha, intro], {4: 0.6, 3: 0.5}, start, 3,
                        items=["dock-01"])[1] is None  # fmt: skip
    # "What is the status of ADR 6?": ADR-0009's Status, superseding it, is not ADR 6's
    own = sec(6, "ADR-0006-auth.md", ["ADR-0006: Auth", "Status"], "## Status\nAccepted.")
    other = sec(9, "ADR-0009-oidc.md", ["ADR-0009: OIDC", "Status"],
                "## Status\nAccepted. Supersedes ADR-0006.")  # fmt: skip
    status = [TermInfo(term=t, chunks=2) for t in ("status", "adr", "6")]
    picked = with_heading(
        [other, own], [other, own], {9: 0.6, 6: 0.5}, status, 3, items=["ADR-0006"]
    )
    assert picked[1] is own


def test_a_version_or_code_names_its_sections_and_no_other_ones() -> None:
    """ "What changed in 2.3.1?" quoted the changelog's "[2.3.0] › Changed" alone (its line
    read closer), and "what changed in version 2.0.0" its "Added" before its "Changed". A
    code the question names (a version, "INC-2041": `coded`) names the sections whose headings
    write it, the one naming most of the question's other words first, and another version's
    sections are not quoted beside them; a question naming no code, as before."""
    from assistant.stages.decide import another_item, coded
    from assistant.stages.select import with_heading

    assert coded("What changed in 2.3.1?") == ["2.3.1"]
    assert coded("root cause of INC-2041, on 2024-05-02?") == ["INC-2041"]
    assert coded("what is asyncio.TaskGroup?") == []
    assert another_item("Changelog [2.3.0] - 2024-04-15 Changed", "2.3.1")
    assert not another_item("Changelog [2.3.1] - 2024-05-02 Fixed", "2.3.1")
    assert not another_item("Changelog Unreleased Added", "2.3.1")
    assert another_item("ADR-0009-observability Status", "adr 6")
    assert not another_item("ADR-0006-auth Status", "adr 6")  # leading zeros aside
    assert another_item("INC-2040 Timeline", "INC-2041") and not another_item("Runbook", "INC-2041")

    def entry(cid: int, version: str, leaf: str) -> Hit:
        c = chunk(f"### {leaf}\n- item {cid}", ["Changelog", f"[{version}] - 2024-01-0{cid}", leaf])
        return Hit(chunk=c.model_copy(update={"id": cid, "path": "CHANGELOG.md"}), score=1)

    fixed, changed0, added, changed = (
        entry(1, "2.3.1", "Fixed"),
        entry(2, "2.3.0", "Changed"),
        entry(3, "2.0.0", "Added"),
        entry(4, "2.0.0", "Changed"),
    )
    asked = [TermInfo(term=t, chunks=3) for t in ("changed", "2", "3", "1")]
    scores = {1: 0.15, 2: 0.42, 3: 0.3, 4: 0.2}
    hits = [fixed, changed0, added]
    assert with_heading([changed0], hits, scores, asked, 3, items=["2.3.1"]) == ([fixed], fixed)
    assert with_heading([changed0], hits, scores, asked, 3)[1] is None  # no code: as before
    asked = [TermInfo(term=t, chunks=3) for t in ("changed", "version", "2", "0", "0")]
    assert with_heading([added], [added, changed], scores, asked, 3, items=["2.0.0"]) == (
        [changed, added],
        changed,
    )
    # a version no section writes: other versions' sections are not quoted for it, and when
    # the top sections are all other versions', the question is not covered
    asked = [TermInfo(term=t, chunks=3) for t in ("changed", "2", "4", "0")]
    intro = Hit(chunk=chunk("All notable changes.", ["Changelog"]), score=1)
    assert with_heading([changed0, intro], hits, scores, asked, 3, items=["2.4.0"])[0] == [intro]
    d = decide("What changed in 2.4.0?", asked, [fixed, changed0, added], 0.42, COMMON)
    assert d.abstain and d.missing == ["2.4.0"] and "other items" in d.reason
    d = decide("What changed in 2.4.0?", asked, [fixed, intro, added], 0.42, COMMON)
    assert not d.abstain and d.names == ["2.4.0"]  # partly covered: the intro is no version
    # the whole-line rule reads a section's headings too: "what was added in 1.4.0?" of
    # "[1.4.0] › Added", whose list items read to the model as little

    added14 = entry(5, "1.4.0", "Added")
    asked = [TermInfo(term=t, chunks=3) for t in ("added", "1", "4", "0")]
    assert line_with_every_term([added14], asked, DEFAULT_OPTIONS)
    assert not line_with_every_term([added], asked, DEFAULT_OPTIONS)


def test_a_table_row_is_read_with_its_header_and_headings() -> None:
    """ "What voltage was used for the FITC channel on the FACSCanto?" was declined (its
    row "| FITC | 480 |" scored 0.20): the row says FITC, its header "Channel | Voltage",
    the heading "BD FACSCanto II". The whole-line rule reads a row with both, and a later
    piece of a long table with the header row it carries as context."""
    from assistant.stages.evidence import rows_read_whole

    text = (
        "## Cytometer settings (BD FACSCanto II)\n\n| Channel | Voltage |\n| --- | --- |\n"
        "| FSC | 350 |\n| FITC | 480 |\n\nCompensation with single-stained controls."
    )
    c = chunk(text, ["Exp-048", "Cytometer settings (BD FACSCanto II)"])
    head = "Exp-048 Cytometer settings (BD FACSCanto II) | Channel | Voltage |"
    assert rows_read_whole(c) == [f"{head} | FSC | 350 |", f"{head} | FITC | 480 |"]
    asked = [TermInfo(term=t, chunks=2) for t in ("voltage", "fitc", "channel", "facscanto")]
    assert line_with_every_term([Hit(chunk=c, score=1)], asked, DEFAULT_OPTIONS)
    other = [*asked[:3], TermInfo(term="fortessa", chunks=1)]  # another cytometer's
    assert not line_with_every_term([Hit(chunk=c, score=1)], other, DEFAULT_OPTIONS)
    piece = chunk("| PE | 410 |\n| APC | 500 |", ["Settings"]).model_copy(
        update={"context": "| Channel | Voltage |"}
    )
    assert rows_read_whole(piece) == [
        "Settings | Channel | Voltage | | PE | 410 |",
        "Settings | Channel | Voltage | | APC | 500 |",
    ]
    assert rows_read_whole(chunk("| a | b |", ["x"])) == []  # no header: no table


def test_a_capitalised_name_is_quoted_from_a_section_that_writes_it() -> None:
    """ "what's the RSU offer from Figma?" quoted the Databricks offer, answered, though the
    Figma note was among the top sections (about its interviews); "progress on O1 in Q1"
    quoted Q2's O1. The together rule: where the best line's section lacks a capitalised
    name another top section writes, the first top section writing them all is quoted
    first; where none does, nothing. Off, as before."""
    from assistant.stages.select import names_together

    def at(cid: int, heading: str, text: str) -> Hit:
        c = chunk(text, [heading]).model_copy(update={"id": cid, "path": f"{heading}.md"})
        return Hit(chunk=c, score=1.0 / cid)

    offer = at(1, "Databricks", "## Offer\n- RSU: $320,000 over 4 years")
    figma = at(2, "Figma", "applied 2025-03-12, recruiter Hannah Lee")
    stripe = at(3, "Stripe", "## Offer\n- RSU: $200,000")
    cov = [TermInfo(term=t, chunks=3) for t in ("rsu", "offer", "figma", "databricks")]
    hits = [offer, figma, stripe]
    in_top = {"rsu", "offer", "figma"}
    assert names_together(hits, cov, {"figma"}, in_top, offer) is figma
    # two names no one section writes ("Compare Docker with Podman."): nothing, and neither
    # is said missing (a first version said "The sections found don't mention Docker")
    both = {"figma", "databricks"}
    assert names_together(hits, cov, both, in_top | both, offer) is None
    # the best writes them: nothing to do; off: nothing either
    assert names_together(hits, cov, {"databricks"}, in_top, offer) is None
    off = AnswerOptions(together=False)
    assert names_together(hits, cov, {"figma"}, in_top, offer, off) is None
    # a name no top section writes is the local coverage rule's, not this one's
    assert names_together(hits, cov, {"stripe2"}, in_top, offer) is None


def test_the_together_rule_reads_only_names_the_user_capitalised() -> None:
    """ "Is there a serverless option for running Kubernetes worker capacity?" was answered
    from the EKS section, which says Fargate, not "serverless": a word rare in English
    ("serverless", "timezone") is answered about in other words as often as not."""
    from assistant.stages.decide import asked_names

    cov = [TermInfo(term=t, chunks=3) for t in ("serverless", "kubernetes", "worker", "figma")]
    q = "Is there a serverless option for running Kubernetes worker capacity at Figma?"
    assert asked_names(q, cov, COMMON | {"worker", "option"}) == {"kubernetes", "figma"}
    # a day's or month's name is no one's: the shop's hours write "Sat 7:30–14:00"
    days = [TermInfo(term=t, chunks=2) for t in ("opening", "hours", "saturday", "priya")]
    q = "What are the opening hours on Saturday, Priya?"
    assert asked_names(q, days, COMMON | {"opening", "hours"}) == {"priya"}


def test_a_dotted_code_is_a_compound_and_an_item_of_its_kind() -> None:
    """ "what is KR 4.2?" of OKRs with KR1.1 to KR3.2 was answered from them: "KR4.2" is a
    code (`coded`), missing where no top section writes it, said once (not "kr4, KR4.2");
    a section listing last quarter's KR2.1 and KR2.2 is another item's for "KR2.3"."""
    from assistant.stages.decide import another_item, coded

    assert coded("what is KR4.2?") == ["KR4.2"] and coded("use py3.11") == ["py3.11"]
    assert coded("Python 3.11 or v1.4") == []
    assert another_item("O2 Improve retention\n- KR2.1 Logo churn\n- KR2.2 Ship", "KR2.3")
    assert not another_item("3. KR2.3 Onboarding checklist", "KR2.3")
    okrs = [Hit(chunk=chunk("## O1\n- KR1.1 Launch\n- KR3.2 Hire", ["2025-Q1 OKRs"]), score=1)]
    cov = [TermInfo(term="kr4", chunks=0), TermInfo(term="2", chunks=9)]
    d = decide("what is KR4.2?", cov, okrs, 0.5, COMMON)
    assert d.abstain and d.missing == ["KR4.2"] and d.names == ["KR4.2"]


def test_a_line_writing_the_code_asked_about_is_its_sections_best() -> None:
    """ "what is KR 2.3?" quoted "KR2.1 …" and "KR2.2 …", which the model read closer than
    "3. KR2.3 Onboarding checklist …": a line writing every code the question names scores
    as its section's best line; no code, or the rule off at the engine, as before."""
    from assistant.stages.evidence import with_code_lines

    text = "## Q2\n1. KR2.1 Activation rate\n2. KR2.2 Sample dataset\n3. KR2.3 Onboarding"
    c = chunk(text, ["2025-Q2 OKRs"]).model_copy(update={"id": 5, "path": "okrs/q2.md"})
    scores = {5: {1: 0.55, 2: 0.5, 3: 0.3}}
    out, raised = with_code_lines(scores, [Hit(chunk=c, score=1)], ["KR2.3"])
    assert out[5] == {1: 0.55, 2: 0.5, 3: 0.55} and raised == ["okrs/q2.md:4"]
    assert scores[5][3] == 0.3  # the scores given are left as they were
    assert with_code_lines(scores, [Hit(chunk=c, score=1)], []) == (scores, [])
    assert with_code_lines(scores, [Hit(chunk=c, score=1)], ["KR4.2"]) == (scores, [])


def test_a_negated_ordinary_word_is_ordinary() -> None:
    """ "which items are still unchecked on the launch checklist?" was partly covered, "Your
    notes don't mention unchecked", the checklist quoted: "unchecked" is no whole word of the
    model's vocabulary, but "checked" is."""
    common = {"checked", "blocking", "valid", "cord"}
    assert is_common("unchecked", common) and is_common("nonblocking", common)
    assert is_common("invalid", common) and not is_common("india", common)
    assert not is_common("unix", common)  # too little left to be a word


def test_of_an_items_sections_the_one_whose_text_says_the_rest_is_first() -> None:
    """ "what's the trick for LC 146?" quoted "Difficulty: Medium. Tags: …", the title section
    of LC 146, not its Approach, "The trick: hash map …": both name the item and nothing
    else of the question in their headings; the one whose text does is first."""
    from assistant.stages.select import with_heading

    def at(cid: int, leaf: str | None, text: str) -> Hit:
        heads = ["LC 146 LRU Cache", *([leaf] if leaf else [])]
        c = chunk(text, heads).model_copy(update={"id": cid, "path": "lc/LC 146 LRU Cache.md"})
        return Hit(chunk=c, score=1)

    title = at(1, None, "Difficulty: Medium. Tags: hash map, linked list.")
    approach = at(2, "Approach", "The trick: hash map from key to node + a linked list.")
    asked = [TermInfo(term=t, chunks=3) for t in ("trick", "lc", "146")]
    picked, first = with_heading([title], [title, approach], {1: 0.6, 2: 0.5}, asked, 3,
                                 items=["LC 146"])  # fmt: skip
    assert first is approach and picked == [approach, title]


def test_a_year_or_a_form_the_notes_lack_is_missing() -> None:
    """ "What did I deduct on my 2021 taxes?" of notes named "Taxes 2022" to "Taxes 2024"
    was answered from them, nothing said missing; "Did I get a 1099-SA?" was `answered`
    under "Your notes don't mention 1099-SA.". A number before a word the notes number in
    series is an item of it ("taxes 2021"), and a form's number with its letters is a
    compound."""
    from assistant.stages.decide import coded, series_in, writes

    assert series_in("What did I deduct on my 2021 taxes?", {"taxes"}) == ["taxes 2021"]
    # not where the number completes a code before it: "problem 3(b) on the STAT 610 problem
    # set" said "Your notes don't mention problem 610"; "HW 4 problem 5", "problem 4"
    assert series_in("problem 3(b) on the STAT 610 problem set?", {"problem"}) == ["problem 3"]
    assert series_in("the singular values in HW 4 problem 5?", {"problem"}) == ["problem 5"]
    assert series_in("Taxes 2021", {"taxes"}) == ["Taxes 2021"]
    assert series_in("my 2021 taxes", {"lecture"}) == []
    assert coded("Did I get a 1099-SA?") == ["1099-SA"] and coded("a 1099-K") == ["1099-K"]
    # a statute's or rule's section with its subsections; not a problem's part, "3(b)"
    assert coded("what does § 2-201(3)(a) say?") == ["2-201(3)(a)"]
    assert coded("1332(a) or Rule 12(b)(6)?") == ["1332(a)", "12(b)(6)"]
    assert coded("problem 3(b) of f(x)") == []
    assert writes("- **Specially manufactured goods — § 2-201(3)(a):** goods", "2-201(3)(a)")
    assert not writes("§ 2-201(3)(b); § 12-201(3)(a)", "2-201(3)(a)")
    assert writes("Rule 12 (b)(6) motions", "12(b)(6)")
    assert coded("on python 3.11, e.g. at 3pm") == [] and coded("GPT-3 or GPT-4?") == [
        "GPT-3",
        "GPT-4",
    ]
    taxes = [Hit(chunk=chunk("## Deductions\n- Mortgage interest", ["Taxes 2022"]), score=1)]
    cov = [TermInfo(term=t, chunks=3) for t in ("deduct", "2021", "taxes")]
    d = decide("What did I deduct on my 2021 taxes?", cov, taxes, 0.6, COMMON,
               numbered=["taxes 2021"])  # fmt: skip
    assert d.abstain and d.missing == ["taxes 2021"]


def test_the_whole_line_rule_reads_a_line_with_its_headings() -> None:
    """ "Did we itemize in 2022?" was declined (0.27 < 0.29) though "not enough to itemize"
    is under "Taxes 2022": a line is read with its section's headings."""

    c = chunk("## Deductions\nTook the standard deduction: not enough to itemize.", ["Taxes 2022",
              "Deductions"])  # fmt: skip
    asked = [TermInfo(term=t, chunks=3) for t in ("itemize", "2022")]
    assert line_with_every_term([Hit(chunk=c, score=1)], asked, DEFAULT_OPTIONS)
    other = [TermInfo(term=t, chunks=3) for t in ("itemize", "2023")]
    assert not line_with_every_term([Hit(chunk=c, score=1)], other, DEFAULT_OPTIONS)


def test_a_code_in_a_sections_text_names_it() -> None:
    """ "Which hotel was booking ref HX-55821?" quoted another trip's hotel list, the row
    writing HX-55821 scoring under it: a code (not a series' item) names the sections whose
    text writes it, as headings do; a series' item ("ADR 6") only by headings or note."""
    from assistant.stages.select import with_heading

    def at(cid: int, path: str, heads: list[str], text: str) -> Hit:
        return Hit(chunk=chunk(text, heads).model_copy(update={"id": cid, "path": path}), score=1)

    swiss = at(1, "swiss/hotels.md", ["Hotels"], "- Zermatt: Hotel Alpina, ref SW-10234")
    row = "| Date | Hotel | Booking ref |\n|--|--|--|\n| 10-11 | Gracery | HX-55821 |"
    japan = at(2, "japan/itinerary.md", ["Itinerary"], row)
    asked = [TermInfo(term=t, chunks=2) for t in ("hotel", "booking", "ref", "hx", "55821")]
    out = with_heading([swiss], [swiss, japan], {1: 0.56, 2: 0.32}, asked, 3, items=["HX-55821"])
    assert out == ([japan, swiss], japan)
    log = at(3, "log.md", ["Log"], "Read ADR 6 again before the review.")
    adr = [TermInfo(term=t, chunks=2) for t in ("status", "adr", "6")]
    assert with_heading([log], [log], {3: 0.5}, adr, 3, items=["adr 6"])[1] is None


def test_a_misspelt_ordinary_word_is_no_name() -> None:
    """ "whats the booking refernce for hotel kanra" was partly covered, "Your notes don't
    mention refernce", the notes never writing "reference": a lower-case word of seven
    letters or more one letter from an ordinary word is that word misspelt."""
    from assistant.stages.decide import misspelt_ordinary

    common = {"reference", "receive", "booking", "hotel"}
    q = "whats the booking refernce for hotel kanra, recieve Tailscle"
    assert misspelt_ordinary(q, common) == {"refernce", "recieve"}
    assert misspelt_ordinary("the jria board", {"jira"}) == set()  # short: a name as often
    # shorter, a doubled letter typed once ("whats the adress of the hotel in Porto?")
    assert misspelt_ordinary("whats the adress, comit", {"address", "commit"}) == {
        "adress",
        "comit",
    }
    assert misspelt_ordinary("the hotl", {"hotel"}) == set()  # another slip: no
    # or a letter typed twice ("How offten do the dogs get NexGard?": "don't mention offten")
    assert misspelt_ordinary("How offten, or rarely?", {"often"}) == {"offten"}


def test_a_flashcards_answer_is_quoted_with_its_question() -> None:
    """A student's flashcards: "which organelle is the site of photosynthesis?" quoted "A: Site
    of photosynthesis; contains chlorophyll…" alone, the organelle named on its "Q:" line
    above. A quote starting at an answer line starts at its question (an FAQ's "**Q:**" too),
    not at a line that is no question."""
    cards = [f"Q: What does organelle {i} do?\nA: It does thing {i}.\n" for i in range(8)]
    text = "## Flashcards\n" + "\n".join(cards)
    c = chunk(text, ["Flashcards"])
    at = text.split("\n").index("A: It does thing 5.")
    assert quote_span(c, {at: 0.8, 2: 0.3}) == (at, at + 1)  # 1-based: its Q: line first
    faq = "## FAQ\n" + "\n".join(f"**Q:** Is {i} ok?\n\n**A:** Yes {i}.\n" for i in range(8))
    c2 = chunk(faq, ["FAQ"])
    at2 = faq.split("\n").index("**A:** Yes 6.")
    assert quote_span(c2, {at2: 0.8, 2: 0.3}) == (at2 - 1, at2 + 1)
    plain = "## Notes\n" + "\n".join(f"Line {i} says a thing.\n" for i in range(8)) + "\nA: alone"
    c3 = chunk(plain, ["Notes"])
    at3 = plain.split("\n").index("A: alone")
    assert quote_span(c3, {at3: 0.8, 2: 0.3}) == (at3 + 1, at3 + 1)


def test_the_one_line_rule_quotes_a_short_sections_standout_line_alone() -> None:
    """The one-line rule (off by default): a ten-card section fits in 12 lines and was quoted
    whole for "why do metals conduct electricity"; with `one_line`, a best line leading the
    next by that much is quoted with its card's question, the rest left out; a close second
    keeps the whole section."""
    cards = [f"Q: Card {i}?\nA: Answer {i}.\n" for i in range(4)]
    c = chunk("## Bonding\n" + "\n".join(cards).rstrip(), ["Bonding"])
    scores = {2: 0.3, 5: 0.35, 8: 0.32, 11: 0.8}  # the fourth card's answer (line 12)
    assert quote_span(c, scores) == (2, 12)  # off: whole
    on = AnswerOptions(one_line=0.2)
    why: list[str] = []
    assert quote_span(c, scores, opts=on, why=why) == (11, 12)
    assert any(r.startswith("one-line rule") for r in why)
    assert quote_span(c, scores | {5: 0.7}, opts=on) == (2, 12)  # a close second


def test_a_line_of_tags_alone_is_no_part_of_a_quote() -> None:
    """Bear writes a note's tags on the line under its title: "How often do I water the
    monstera?" was quoted from "#home/plants", the tag line first. A line of nothing but
    #tags files the note and says nothing: a quote does not start on it (nor end: the link
    rule)."""
    text = "# Plants\n#home/plants\n\nMy plants, Sundays.\nmonstera: water when dry\npothos: trim"
    c = chunk(text, ["Plants"])
    assert quote_span(c, {4: 0.7, 5: 0.3}) == (4, 6)
    assert quote_span(c, {4: 0.7, 5: 0.3}, opts=AnswerOptions(links=False)) == (2, 6)


def test_a_quote_under_a_label_line_starts_at_the_label() -> None:
    """A plain-text medication note: "What are Karen's allergies?" quoted the lines under
    "ME:" without it, the writer's penicillin allergy read as Karen's. A quote starting under
    a short label ending in ":" in the same block starts at the label (the label rule); a
    list under "Ingredients:" likewise; a sentence ending in ":" two blocks up is no label."""
    text = (
        "MEDS\n"
        "\n"
        "ME:\n"
        "  lisinopril 10mg morning\n"
        "  allergies: penicillin\n"
        "KAREN:\n"
        "  levothyroxine 50mcg\n"
        "  allergies: sulfa\n"
        "\n"
        "DR. PATEL (both of us):\n"
        "  clinic on Elm St, Tuesdays\n"
    ) + "\nrefill reminder set\n" * 5
    c = chunk(text, [])
    scores = {3: 0.5, 4: 0.55, 6: 0.4, 7: 0.56}  # ME's lines within quote_window of the best
    why: list[str] = []
    assert quote_span(c, scores, opts=AnswerOptions(outline=False), why=why)[0] == 3
    assert any("the label it is under" in r for r in why)
    off = AnswerOptions(outline=False, labels=False)
    assert quote_span(c, scores, opts=off)[0] == 4
    recipe = "# Bread\n\nIngredients:\n- flour 500g\n- water 350g\n- salt 10g\n\nBake at 230C."
    long = chunk("\n".join([recipe] + ["", "Some more text here."] * 6), ["Bread"])
    assert quote_span(long, {4: 0.6, 5: 0.3, 1: 0.1})[0] == 3
    # a bold line is a label too ("**Cooper's (COHA)**" over its list: which hawk it tells of)
    hawks = "# ID\n\n**Cooper's (COHA)**\n- big head\n- tail **rounded**\n\nOther notes."
    bold = chunk("\n".join([hawks] + ["", "Some more text here."] * 6), ["ID"])
    assert quote_span(bold, {4: 0.6, 3: 0.3, 1: 0.1})[0] == 3
    prose = "## Notes\n\nThe plan was as follows:\n\nWe met on Monday.\nIt went well." + (
        "\n\nFiller line." * 8
    )
    assert quote_span(chunk(prose, ["Notes"]), {4: 0.6, 5: 0.3, 7: 0.1})[0] == 5


def test_a_best_line_opening_an_indented_block_in_code_takes_its_body() -> None:
    """ "What user do I ssh into docker01 as?" quoted "Host docker01" alone, its "User me" the
    next line: a best line in code that opens an indented block (an ssh config's host, a YAML
    key) is quoted with the lines indented under it (the body rule), within max_quote_lines."""
    hosts = [f"Host h{i}\n    HostName 10.0.0.{i}\n    User u{i}\n" for i in range(12)]
    text = "## ~/.ssh/config\n```\n" + "\n".join(hosts) + "```"
    c = chunk(text, ["~/.ssh/config"])
    at = text.split("\n").index("Host h3")  # the code block closes 34 lines on
    assert quote_span(c, {at: 0.7, 2: 0.3}) == (at + 1, at + 3)
    assert quote_span(c, {at: 0.7, 2: 0.3}, opts=AnswerOptions(block_body=False)) == (
        at + 1,
        at + 1,
    )
    # a line indented under nothing: as before
    assert quote_span(c, {at + 2: 0.7, 2: 0.3}) == (at + 3, at + 3)
    # a quote from a block's first line into its body runs to the block's end ("Which port
    # does radarr use?" quoted "radarr:" down to its volumes, not its "ports:" after them)
    service = "  radarr:\n    image: radarr\n    volumes:\n      - ./radarr:/config\n    ports:\n"
    others = "".join(f"  app{i}:\n    image: app{i}\n" for i in range(8))
    compose = "## compose\n```yaml\nservices:\n" + service + "      - 7878:7878\n" + others + "```"
    c = chunk(compose, ["compose"])
    assert quote_span(c, {6: 0.6, 3: 0.55, 1: 0.1}) == (2, 9)  # from its fence
    assert quote_span(c, {6: 0.6, 3: 0.55, 1: 0.1}, opts=AnswerOptions(block_body=False)) == (2, 7)


def test_a_question_none_of_whose_phrases_the_notes_cover_is_declined() -> None:
    """ "What is my insulin dose?" of notes on metformin's dose quoted the medication table,
    "high", and "what's the microwave model?" the car's make and model: "insulin" is an
    ordinary word, never held against an answer. When no phrase of the question is covered
    for want of one word (half or more of each is in no note) and what the notes do write is
    all ordinary, the question is declined (the phrase rule), unless a line scores
    `uncovered_phrase_line` or more; a name or code the notes write holds it up."""
    from assistant.options import AnswerOptions

    table = chunk("## Medications\n| Medication | Dose |\n|--|--|\n| Metformin | 500 mg |", ["M"])
    hits = [Hit(chunk=table, score=1.0)]
    cov = [TermInfo(term="insulin", chunks=0), TermInfo(term="dose", chunks=3)]
    common = COMMON | {"insulin", "dose"}
    d = decide("What is my insulin dose?", cov, hits, 0.48, common)  # its best line, 0.48
    assert d.abstain and d.missing == ["insulin"] and "no phrase" in d.reason
    off = decide("What is my insulin dose?", cov, hits, 0.48, common,
                 AnswerOptions(uncovered_phrases=False))  # fmt: skip
    assert not off.abstain
    # a line this close says it in other words: "When is my dentist appointment?" of "Dentist
    # called to reschedule… moved my cleaning to May 3rd" (0.65) was declined
    dentist = [TermInfo(term="dentist", chunks=1), TermInfo(term="appointment", chunks=0)]
    words = COMMON | {"dentist", "appointment"}
    assert not decide("When is my dentist appointment?", dentist, hits, 0.65, words).abstain
    assert decide("When is my dentist appointment?", dentist, hits, 0.57, words).abstain
    # a covered phrase of its own: as before ("the recipe for apple pie", notes lacking "recipe")
    pie = [TermInfo(term="recipe", chunks=0), TermInfo(term="apple", chunks=2),
           TermInfo(term="pie", chunks=2)]  # fmt: skip
    assert not decide("the recipe for apple pie?", pie, hits, 0.6, COMMON | {"recipe"}).abstain
    # several words in no note: the user's own wording ("Is there a way to avoid
    # provisioning machines entirely?" of notes on Fargate, answered before, was declined)
    own = [TermInfo(term=t, chunks=0) for t in ("avoid", "machines", "entirely")]
    worded = decide("a way to avoid provisioning machines entirely?",
                    [*own, TermInfo(term="provisioning", chunks=2)], hits, 0.6,
                    COMMON | {"avoid", "machines", "entirely", "provisioning"})  # fmt: skip
    assert not worded.abstain
    # a code the notes write: "What caused INC2099?" of notes that never say "caused"
    inc = [TermInfo(term="caused", chunks=0), TermInfo(term="inc2099", chunks=1)]
    assert not decide("What caused INC2099?", inc, hits, 0.6, COMMON | {"caused"}).abstain
    # ... but not a name on most of the folder's pages: "How do I uninstall rivet?" of a CLI's
    # docs ("rivet" in 82 of 108 sections) quoted "Prints the rivet cache dir."
    rivet = [TermInfo(term="uninstall", chunks=0), TermInfo(term="rivet", chunks=82)]
    q, words = "How do I uninstall rivet?", COMMON | {"uninstall"}
    assert decide(q, rivet, hits, 0.5, words, sections_total=108).abstain
    assert not decide(q, rivet, hits, 0.5, words, sections_total=500).abstain  # under 1 in 5


def test_a_question_none_of_whose_subject_words_the_notes_write_is_declined() -> None:
    """A bakery's "Who is our pest control contractor?" was answered from the oven's service
    contract (best line 0.40): every subject word is in no note, but several, so the phrase
    rule (for want of one word) let it through. With `uncovered_all` a question none of whose
    subject words is in any note is declined however many they are; one word the notes write
    beside them keeps it answered (the user's own wording of what they say otherwise)."""
    from assistant.options import AnswerOptions

    oven = chunk("## OvenCare\noven service contract £480/yr, call 0800 123", ["OvenCare"])
    hits = [Hit(chunk=oven, score=1.0)]
    words = ("pest", "control", "contractor")
    cov = [TermInfo(term=t, chunks=0) for t in words]
    common = COMMON | set(words) | {"oven"}
    d = decide("Who is our pest control contractor?", cov, hits, 0.40, common)
    assert d.abstain and "each word is in no note" in d.reason
    off = AnswerOptions(uncovered_all=False)
    assert not decide("Who is our pest control contractor?", cov, hits, 0.40, common, off).abstain
    assert not decide("Who is our pest control contractor?", cov, hits, 0.62, common).abstain
    beside = [*cov, TermInfo(term="oven", chunks=2)]
    assert not decide("Who is our oven pest control contractor?", beside, hits, 0.4, common).abstain


def test_headings_told_apart_by_a_name_the_question_asks_about_leave_the_others_out() -> None:
    """ "What dose of metoprolol does Mum take?" quoted `Medications › Sarah (me)`, found
    beside `Medications › Mum (Maggie)`: the sibling-heading rule leaves out the sections
    under headings beside one naming a name the question asks about, which no section under
    the others writes. A name written across the note ("ECS") tells none apart, an ordinary
    word is no name (the engine passes `decide.names_written`), two names asked keep both."""
    from assistant.stages.select import of_siblings

    def at(cid: int, heads: list[str], text: str) -> Hit:
        c = chunk(text, heads).model_copy(update={"id": cid, "path": "medications.md"})
        return Hit(chunk=c, score=1.0 / cid)

    sarah = at(1, ["Medications", "Sarah (me)"], "| Metoprolol | 47.5 mg |")
    mum = at(2, ["Medications", "Mum (Maggie)"], "| Levothyroxine | 75 micrograms |")
    leo = at(3, ["Medications", "Leo"], "| Salbutamol | 2 puffs |")
    hits = [sarah, mum, leo]
    assert of_siblings(hits, {"mum", "metoprolol"}) == [sarah, leo]
    assert of_siblings(hits, {"mum", "leo"}) == [sarah]  # both asked: both kept
    assert of_siblings(hits, {"metoprolol"}) == []  # no heading names it
    assert of_siblings(hits, {"mum"}, AnswerOptions(sibling_headings=False)) == []
    # a name written under another heading tells none apart: it is no one section's
    says = at(4, ["Medications", "Leo"], "Same inhaler as Mum had as a child.")
    assert of_siblings([sarah, mum, says], {"mum"}) == []
    # "ECS" named by one heading, written under another: the note's subject, no owner
    ecs = [
        at(5, ["Intro", "ECS Service Autoscaling"], "Scale the desired task count."),
        at(6, ["Intro", "EC2 Launch Type"], "EC2 instances run the ECS agent."),
        at(7, ["Intro", "Load balancer integration"], "- NLB - Exceptional cases"),
    ]
    assert of_siblings(ecs, {"ecs", "nlb"}) == []

    # notes of a folder, one of them the name's own ("pets/miso.md"): the others writing
    # none of it are another's ("What dose of Apoquel does Miso take?" quoted Biscuit's)
    def note(cid: int, path: str, heads: list[str], text: str) -> Hit:
        return Hit(chunk=chunk(text, heads).model_copy(update={"id": cid, "path": path}), score=1)

    biscuit = note(10, "pets/biscuit.md", ["Biscuit", "Medications"], "Apoquel 16 mg daily.")
    miso = note(11, "pets/miso.md", ["Miso", "Meds"], "Methimazole 2.5 mg twice daily.")
    shared = note(12, "pets/vet-visits.md", ["Vet visits"], "2024-05-14 Miso: dental.")
    assert of_siblings([biscuit, miso, shared], {"miso", "apoquel"}) == [biscuit]
    assert of_siblings([biscuit, shared], {"miso"}) == []  # no note of its own: nothing
    # a note's top headings are its topics: "Kubernetes" of one tells none apart
    eks = at(8, ["Elastic Kubernetes Service - EKS"], "Managed node groups, or Fargate.")
    fargate = at(9, ["Intro", "Fargate Launch Type"], "Serverless: no instances to manage.")
    assert of_siblings([eks, fargate], {"kubernetes"}) == []
    # a heading writing another of the question's words is what is asked about: "Which
    # ESP32 pins should I avoid?" of `Pins to avoid` beside `ESP32 to peripherals`
    wired = at(13, ["Weather Station Pinout", "ESP32 to peripherals"], "| SDA | GPIO21 |")
    avoid = at(14, ["Weather Station Pinout", "Pins to avoid"], "- GPIO6 to GPIO11: flash.")
    assert of_siblings([wired, avoid], {"esp32"}) == [avoid]
    assert of_siblings([wired, avoid], {"esp32"}, asked=["esp32", "pins", "avoid"]) == []


def test_a_quoted_passage_is_a_reference_and_an_apostrophe_no_quote() -> None:
    """`passages`: words the question quotes, four or more, in straight or curly quotes; an
    apostrophe ("Mum's … Leo's") opens none, a short quote ("set -e") is no passage, and the
    codes outside the passage are read as before."""
    from assistant.stages.decide import passages, references, writes

    q = "Which book says 'You do not rise to the level of your goals' (v2.4.1)?"
    assert passages(q) == ['"You do not rise to the level of your goals"']
    assert references(q) == ['"You do not rise to the level of your goals"', "v2.4.1"]
    assert passages("Where did I write “the map is not the territory”?") == [
        '"the map is not the territory"'
    ]
    assert passages("What did Mum's GP and Leo's nurse say?") == []
    assert passages('what does "set -e" do?') == []
    said = '"You do not rise to the level of your goals"'
    assert writes("> You do NOT rise to the level\n> of your goals. You fall…", said)
    assert not writes("you do not rise to the level of your goalscoring", said)


def test_a_full_name_is_written_with_a_middle_name_between() -> None:
    """ "What colour are Magistrate Penrake's eyes?" said "Your notes don't mention
    Magistrate Penrake" of a note headed "Magistrate Hollis Penrake": a full name is written
    with a middle name or initial between its words, or with any joiner or none; not with
    two words between, nor inside another word."""
    from assistant.stages.decide import writes

    assert writes("# Magistrate Hollis Penrake", "Magistrate Penrake")
    assert writes("John A. Smith", "John Smith") and writes("anna-schmidt.md", "Anna Schmidt")
    assert not writes("Umbrella and Acme Health", "Umbrella Health")
    assert not writes("Johnny Smithers", "John Smith")


TABS = """## Package managers

{{< tabs >}}
{{< tab "macOS" >}}
```sh
brew install rivet
```
{{< /tab >}}
{{< tab "Linux" >}}
```sh
sudo apt install rivet
```
{{< /tab >}}
{{< /tabs >}}"""


def test_a_quote_keeps_to_the_content_tab_asked_of() -> None:
    """ "How do I install rivet on macOS?" of a Hugo page quoted brew, then the Linux tab's
    apt command (the tab rule): a tab whose title the question names is quoted alone, else
    the tab holding the best line when no line nearly as close is in another; MkDocs's and
    Docusaurus's tabs alike. Off, or a question naming no tab, the section as before."""
    from assistant.stages.shape import tab_spans

    c = chunk(TABS, ["Package managers"])
    assert quote_span(c, {}, terms=["install", "macos"]) == (5, 7)
    assert quote_span(c, {}, terms=["linux"]) == (10, 12)
    assert quote_span(c, {}, terms=["install"]) == (5, 12)
    assert quote_span(c, {5: 0.7, 10: 0.6}) == (5, 7)  # the best line's tab, none as close
    assert quote_span(c, {5: 0.7, 10: 0.65}) == (5, 12)  # a line as close in the other
    off = AnswerOptions(tabs=False)
    assert quote_span(c, {}, opts=off, terms=["macos"]) == (5, 12)
    mkdocs = '=== "macOS"\n\n    brew install rivet\n\n=== "Linux"\n\n    apt install rivet\nAfter.'
    assert tab_spans(mkdocs.split("\n")) == [(0, 2), (4, 6)]
    docusaurus = '<Tabs>\n<TabItem value="mac" label="macOS">\nbrew\n</TabItem>\n</Tabs>'
    assert tab_spans(docusaurus.split("\n")) == [(1, 3)]


def test_the_thing_a_question_asks_of_a_named_thing_is_said_missing() -> None:
    """ "What's Tyler's phone number?" of a client note naming Tyler, no phone, was answered
    from it, "high": "phone" is an ordinary word, and the ordinary-word rule leaves such words
    unsaid (the notes may put them otherwise). The asked-noun rule says it, and the answer is
    partly covered, where the question asks for what a possessive owns or the thing of "what"
    before its verb, of a name the notes write; not where a line of the top sections comes
    `asked_noun_line` close to the word alone (said otherwise), nor of no name."""
    from assistant.options import AnswerOptions
    from assistant.stages.decide import noun_slot

    assert noun_slot("What's Tyler's phone number?", "phone")
    assert noun_slot("What language do people speak in Veyle?", "language")
    assert noun_slot("What car does Anna Keller drive?", "car")
    assert noun_slot("How many Kafka brokers do we run?", "brokers")
    assert not noun_slot("How do I roll back after it's fully rolled out?", "fully")  # "it is"
    assert not noun_slot("Is there a way to avoid provisioning machines?", "avoid")
    assert not noun_slot("What caused INC2099?", "caused")
    acme = chunk("## Acme Bakery\n- contact: Rosa\n- her nephew Tyler does the Instagram", ["A"])
    hits = [Hit(chunk=acme, score=1.0)]
    cov = [TermInfo(term="tyler", chunks=1), TermInfo(term="phone", chunks=0),
           TermInfo(term="number", chunks=2)]  # fmt: skip
    words = COMMON | {"phone", "number"}
    q = "What's Tyler's phone number?"
    d = decide(q, cov, hits, 0.5, words, otherwise=lambda w: 0.19)
    assert not d.abstain and d.names == ["phone"] and d.missing == ["phone"]
    assert d.asked == ["phone"]  # --explain: "asked-noun rule: phone, …"
    said = decide(q, cov, hits, 0.5, words, otherwise=lambda w: 0.45)  # a line says it
    assert said.names == [] and said.unsaid == ["phone"]
    off = decide(q, cov, hits, 0.5, words, AnswerOptions(asked_nouns=False))
    assert off.names == [] and off.unsaid == ["phone"]
    nobody = [TermInfo(term="childminder", chunks=1), *cov[1:]]
    plain = decide(
        "What's the childminder's phone number?", nobody, hits, 0.5, words | {"childminder"}
    )
    assert plain.names == []  # no name the notes write: the notes may put it otherwise
    # "whats Priya's phone number" of a buddy list, where a packing list writes "phone": a
    # word some note writes, but none of the top sections, is said too (`asked_nouns_here`)
    there = [cov[0], TermInfo(term="phone", chunks=1), cov[2]]
    here = decide(q, there, hits, 0.5, words, otherwise=lambda w: 0.19, not_here={"phone"})
    assert here.names == ["phone"] and here.outcome == "partly_covered"
    assert here.asked_here == ["phone"] and here.asked == []  # --explain tells them apart
    assert decide(q, there, hits, 0.5, words, otherwise=lambda w: 0.19).names == []
    off = AnswerOptions(asked_nouns_here=False)
    was = decide(q, there, hits, 0.5, words, off, otherwise=lambda w: 0.19, not_here={"phone"})
    assert was.names == [] and was.outcome == "answered"


def test_a_quote_ending_on_a_code_comment_takes_the_command_under_it() -> None:
    """ "How do I delete local git branches that are gone on the remote?" of a cheat sheet's
    24-line block ended on "# delete local branches that are gone on remote", the command
    under it left out: a quote ending on a comment in code runs on through the command to the
    next blank or comment line (the next-command rule)."""
    pairs = [("undo last commit", "git reset --soft HEAD~1"),
             ("delete local branches that are gone", "git fetch -p && git branch -D x"),
             *[(f"tip {n}", f"git tip{n}") for n in range(8)]]  # fmt: skip
    body = "\n\n".join(f"# {c}\n{cmd}" for c, cmd in pairs)
    c = chunk(f"### git\n```bash\n{body}\n```", ["git"])
    # line 5 (0-based) is the comment "# delete local branches that are gone"
    assert c.text.split("\n")[5] == "# delete local branches that are gone"
    assert quote_span(c, {5: 0.8, 2: 0.72}) == (2, 7)
    off = AnswerOptions(next_command=False)
    assert quote_span(c, {5: 0.8, 2: 0.72}, opts=off) == (2, 6)


def test_a_measure_the_top_sections_give_a_number_for_is_no_asked_thing() -> None:
    """ "What size is the empty vector band in colony PCR?" of "Expected empty vector band =
    312 bp" was partly covered, "Your notes don't mention size": a measure's word (size,
    temperature, cost, …) the top sections write as a number is left unsaid by the asked-noun
    rule; without a number there, said."""
    band = chunk("## Colony PCR\nExpected empty vector band = 312 bp.", ["Colony PCR"])
    cov = [TermInfo(term="size", chunks=0), TermInfo(term="band", chunks=2),
           TermInfo(term="pcr", chunks=2)]  # fmt: skip
    q = "What size is the empty vector band in colony PCR?"
    words = COMMON | {"size", "band", "empty", "vector", "colony"}
    d = decide(q, cov, [Hit(chunk=band, score=1.0)], 0.6, words, otherwise=lambda w: 0.1)
    assert d.names == [] and d.unsaid == ["size"]
    vague = chunk("## Colony PCR\nExpected empty vector band is short.", ["Colony PCR"])
    d = decide(q, cov, [Hit(chunk=vague, score=1.0)], 0.6, words, otherwise=lambda w: 0.1)
    assert d.names == ["size"]
    # a word for the kinds of a thing, which notes list by name: "what scaling policies can a
    # service use?" of notes listing "Target Tracking", "Step Scaling"
    kinds = [TermInfo(term="scaling", chunks=2), TermInfo(term="policies", chunks=0),
             TermInfo(term="ecs", chunks=3)]  # fmt: skip
    listed = chunk("## ECS Service Autoscaling\n- Target Tracking\n- Step Scaling", ["A"])
    q = "What scaling policies can an ECS service use?"
    d = decide(q, kinds, [Hit(chunk=listed, score=1.0)], 0.6, words | {"policies", "scaling"},
               otherwise=lambda w: 0.1)  # fmt: skip
    assert d.names == [] and d.unsaid == ["policies"]


def test_a_name_the_user_capitalised_holds_up_an_uncovered_phrase() -> None:
    """ "What does Maya's husband do?" of "Partner: Tunde, a structural engineer" was
    declined by the phrase rule, "husband" in no note and "maya" an ordinary word to the
    model's vocabulary: a name the user capitalised holds the question up as a rarer word
    does. "fiancé" is "fiance", an ordinary word, its accent aside."""
    from assistant.stages.decide import is_common

    note = chunk("## Family\n- Partner: Tunde, a structural engineer", ["Maya Okafor", "Family"])
    cov = [TermInfo(term="maya", chunks=3), TermInfo(term="husband", chunks=0)]
    words = COMMON | {"maya", "husband"}
    hits = [Hit(chunk=note, score=1.0)]
    assert not decide("What does Maya's husband do?", cov, hits, 0.45, words).abstain
    assert decide("what does maya's husband do?", cov, hits, 0.45, words).abstain  # a word
    assert is_common("fiancé", {"fiance"}) and not is_common("fiancé", set())


def test_a_camelcase_name_mentions_its_words() -> None:
    """ "What is the default Kafka topic retention?" of a runbook `# KafkaConsumerLagHigh`
    quoted its Fix section first (the together rule found no section naming Kafka): with the
    split-word rule a CamelCase name mentions each of its words."""
    from assistant.stages.evidence import terms_in

    c = chunk("## retention\ntopics default to 7 days", ["KafkaConsumerLagHigh", "retention"])
    cov = [TermInfo(term="kafka", chunks=2), TermInfo(term="retention", chunks=1)]
    hits = [Hit(chunk=c, score=1.0)]
    assert terms_in(hits, cov, 1, joined=True) == {"kafka", "retention"}
    assert terms_in(hits, cov, 1) == {"retention"}


def test_a_piece_of_no_whole_headed_section_is_quoted_near_its_best_line() -> None:
    """ "What is lexical priority?" of a glossary of twenty definitions under one heading
    quoted six of them, lines 20-30: the piece the chunker cut them into fits in 12 lines and
    was quoted whole. A piece that is no whole headed section (a later piece of a long
    section, or a note under no heading) is quoted at its best line and the lines nearly as
    close (the piece-window rule); a whole section that fits, whole, as before; the rule off,
    the piece whole."""
    defs = "\n\n".join(f"**Term {i}** — definition {i}." for i in range(6))
    piece = chunk(defs, ["Glossary"])  # a later piece: no heading line of its own
    assert quote_span(piece, {8: 0.83, 0: 0.4}) == (9, 9)
    assert quote_span(piece, {8: 0.83, 0: 0.4}, opts=AnswerOptions(piece_window=False)) == (1, 11)
    journal = chunk("- Standup\n- Lunch with Ana\n- Fixed the billing bug", [])  # no heading
    assert quote_span(journal, {2: 0.7, 0: 0.3}) == (3, 3)
    whole = chunk("## Glossary\n" + defs, ["Glossary"])
    assert quote_span(whole, {10: 0.83, 2: 0.4}) == (2, 12)  # a whole section: whole


def test_a_section_writes_the_code_its_note_names_above_it() -> None:
    """The note-context code rule. "What connectors do I use on the RG-213?" quoted "Main
    run is RG-213, 100 ft." alone: "## Connectors" below it never repeats the cable's name;
    "What USB MOD level do I use on the IC-7300?" quoted the front matter naming the rig,
    not "## FT8" under it."""
    from assistant.stages.select import code_first, with_codes
    from corpus.models import PROPERTIES

    def sec(text: str, heading: list[str], n: int, path: str = "coax.md", **kw: str) -> Hit:
        c = chunk(text, heading).model_copy(update={"id": n, "path": path, **kw})
        return Hit(chunk=c, score=1.0 / n)

    top = sec("# Shack wiring\n\nMain run is RG-213, 100 ft.", ["Shack wiring"], 1)
    below = sec("## Connectors\nPL-259 crimp ones.", ["Shack wiring", "Connectors"], 2)
    other = sec("## Connectors\nN-type.", ["Dish", "Connectors"], 3, path="dish.md")
    codes, on = ["RG-213"], DEFAULT_OPTIONS
    off = AnswerOptions(code_notes=False)
    hits = [top, below, other]
    assert code_first(hits, codes, on) is top
    assert with_codes([below, other], top, [], codes, 3, hits, on) == [top, below]
    assert with_codes([below, other], top, [], codes, 3, hits, off) == [top]
    props = sec("rig: Icom IC-7300", [], 1, path="rig.md", context=PROPERTIES)
    ft8 = sec("## FT8\n- USB MOD level 30%", ["Rig settings", "FT8"], 2, path="rig.md")
    hits = [props, ft8]
    assert code_first(hits, ["IC-7300"], on) is ft8  # the properties name the rig, no more
    assert code_first(hits, ["IC-7300"], off) is props
    assert code_first([props], ["IC-7300"], on) is props  # nothing else writes it


def test_a_to_do_line_is_no_evidence_unless_the_question_asks_about_to_dos() -> None:
    """The to-do rule. "TODO: what's the difference btwn flippase and scramblase?? look up"
    scored 0.82 for "What's the difference between flippase and scramblase?" and was quoted,
    "high", as the answer: it says the notes lack one."""
    from assistant.stages.evidence import scored_lines

    text = "\n".join(
        [
            "## Lipid rafts",
            "cholesterol + sphingolipid rich patches, more ordered.",
            "TODO: what's the difference btwn flippase and scramblase?? look up",
            "- [ ] **FIXME**: find out why the raft diagram is wrong",
            "- todo list for the week is in the other note",
            "TODO certs expiring: vpn.contoso.com (2024-11), wildcard (2025-01)",
        ]
    )
    c = chunk(text, ["Lipid rafts"])
    assert evidence_texts(c, []) == text.split("\n")[1:]
    lines = text.split("\n")
    kept = [lines[c.body_lines()[n][0]] for n in evidence_lines(c, [], 10, todos=False)]
    assert kept == [lines[1], lines[4], lines[5]]  # a to-do holding a fact stays evidence
    hits = [Hit(chunk=c, score=1.0)]
    found: list[Chunk] = []
    chosen = scored_lines(hits, ["flippase", "scramblase"], DEFAULT_OPTIONS, todo_out=found)
    assert len(chosen[0][2]) == 3 and found == [c]
    assert len(scored_lines(hits, ["todos", "left"], DEFAULT_OPTIONS)[0][2]) == 5  # asked
    off = AnswerOptions(todo_lines=False)
    assert len(scored_lines(hits, ["flippase"], off)[0][2]) == 5
    cover = [
        TermInfo(term=t, covered=True, chunks=1, common=False) for t in ("flippase", "scramblase")
    ]
    assert not line_with_every_term(hits, cover, DEFAULT_OPTIONS)  # the whole-line rule too
    assert line_with_every_term(hits, cover, off)


def test_a_full_name_is_written_by_a_section_heading_some_of_its_words() -> None:
    """The headed-name rule. "What firmware is on the Heltec Meshtastic boards?" of
    "# Meshtastic" over "Two Heltec V3 boards" was partly covered, "Your notes don't mention
    Heltec Meshtastic", while quoting that line; a team list writing "Anna Keller" and
    "Hannah Schmidt" still writes no Anna Schmidt."""
    from assistant.stages.decide import missing_compounds

    mesh = chunk("# Meshtastic\n\nTwo Heltec V3 boards. Firmware 2.3.2.", ["Meshtastic"])
    team = chunk("## Team\n- Anna Keller\n- Hannah Schmidt", ["Team"])
    q = "What firmware is on the Heltec Meshtastic boards?"
    assert missing_compounds(q, [Hit(chunk=mesh, score=1.0)], 3) == []
    assert missing_compounds(q, [Hit(chunk=mesh, score=1.0)], 3, headed=False) == [
        "Heltec Meshtastic"
    ]
    lisbon = chunk("# Lisbon\n\nMetro: pay by card at the gates.", ["Lisbon"])
    card = "How much does the Lisbon Card cost?"  # a card the notes never name
    assert missing_compounds(card, [Hit(chunk=lisbon, score=1.0)], 3) == ["Lisbon Card"]
    asked = "When did I last talk to Anna Schmidt?"
    assert missing_compounds(asked, [Hit(chunk=team, score=1.0)], 3) == ["Anna Schmidt"]


def test_a_table_row_labelled_with_the_questions_words_scores_as_its_sections_best() -> None:
    """The row-label rule. "What's the total budget for Japan in dollars?" quoted a 13-row
    budget table from its header to the food row: the "| **total** |" row below scored 0.69
    to "IC top-ups" 0.78 and was left out. A row whose first cell holds only words of the
    question is the row asked about; "trains (total)" names more than "total"."""
    from assistant.stages.evidence import ROW_LEAD, row_label, with_row_labels
    from index.retrieve import words_alone

    rows = [
        "| item | USD |",
        "|---|---:|",
        "| trains (total) | 267 |",
        "| IC top-ups/local | 133 |",
        "| **total** | **7,280** |",
    ]
    c = chunk("\n".join(["## Budget", *rows]), ["Budget"])
    assert row_label(rows[4]) == {"total"} and row_label("total: 7,280") == set()
    scores = {c.id: {3: 0.60, 4: 0.78, 5: 0.69}}
    out, raised = with_row_labels(scores, [Hit(chunk=c, score=1.0)], ["total", "budget"])
    assert out[c.id][5] == 0.78 + ROW_LEAD and out[c.id][3] == 0.60 and raised == ["n.md:6"]
    assert with_row_labels(scores, [Hit(chunk=c, score=1.0)], ["budget"])[0] == scores
    # the best over the section's pieces: a cut list split from the prose below it
    prose = c.model_copy(update={"id": 2, "text": "Drawer opening ended up 23 1/2."})
    both = {**scores, 2: {0: 0.90}}
    pieces = [Hit(chunk=c, score=1.0), Hit(chunk=prose, score=0.9)]
    assert with_row_labels(both, pieces, ["total"])[0][c.id][5] == 0.90 + ROW_LEAD
    # a word inside an identifier labels no row ("pro" of "legacy_pro")
    pro = chunk(
        "## By plan\n| plan | AUC |\n|---|---|\n| pro | 0.83 |\n| legacy_pro | 0.70 |", ["P"]
    )
    hit, ranks = [Hit(chunk=pro, score=1.0)], {pro.id: {3: 0.5, 4: 0.7}}
    alone = words_alone("How does it do on legacy_pro customers?")
    assert with_row_labels(ranks, hit, ["legacy", "pro", "customers"], alone)[1] == []
    assert with_row_labels(ranks, hit, ["legacy", "pro", "customers"])[1] == ["n.md:4"]
    # a number written with a unit labels a lookup table's row ("no deco limit at 60ft?")
    from assistant.stages.evidence import measured

    assert measured("no deco limit at 60ft on the rdp table?") == {"60", "ft"}
    assert measured("#12 THHN in 3/4 EMT, 2 kg, v2.5, 60x") == {"12", "2", "kg"}
    rdp = chunk("## RDP\n| depth ft | NDL min |\n|---|---|\n| 50 | 80 |\n| 60 | 55 |", ["R"])
    hit, ranks = [Hit(chunk=rdp, score=1.0)], {rdp.id: {1: 0.5, 3: 0.3, 4: 0.3}}
    assert with_row_labels(ranks, hit, ["deco", "limit"], None, {"60", "ft"})[1] == ["n.md:5"]
    assert with_row_labels(ranks, hit, ["deco", "limit"])[1] == []
    # a cell asked for by row and column: a word of the first cell and one of the header
    policy = chunk(
        "## Cover\n| Coverage | Limit | Deductible |\n|---|---|---|\n| Property | $21M | $25k |\n"
        "| Wind/hail | incl. | 2% of value |",
        ["C"],
    )
    hit, ranks = [Hit(chunk=policy, score=1.0)], {policy.id: {1: 0.44, 3: 0.3, 4: 0.38}}
    assert with_row_labels(ranks, hit, ["deductible", "hail", "damage"])[1] == ["n.md:5"]
    assert with_row_labels(ranks, hit, ["hail", "damage"])[1] == []  # the header names neither
    week = chunk("## Wk\n| day | longest stretch |\n|---|---|\n| Mon 13 | 4h10 |", ["W"])
    hit, ranks = [Hit(chunk=week, score=1.0)], {week.id: {1: 0.5, 3: 0.3}}
    assert with_row_labels(ranks, hit, ["longest", "stretch", "may", "13"])[1] == []  # a day


def test_an_issue_or_a_names_version_no_top_section_writes_is_missing() -> None:
    """ "What did we decide about #430?" quoted #419's decision, "answered" (a bare number is
    too ambiguous to count, and "#430" had no word before it); "When will we support Python
    3.14?" was answered from "drop 3.8 in 3.0", a two-part version read as no compound. And
    the code rule quotes first the section headed by the issue, not a roadmap listing it."""
    from assistant.stages.decide import missing_compounds
    from assistant.stages.select import code_first

    triage = chunk("## #419 max_attempts off by one\n- decided: confirmed, P1.", ["#419"])
    hits = [Hit(chunk=triage, score=1.0)]
    assert missing_compounds("What did we decide about #430?", hits, 3) == ["#430"]
    assert missing_compounds("What did we decide about #419?", hits, 3) == []
    cov = [TermInfo(term="decide", chunks=2), TermInfo(term="430", chunks=0)]
    d = decide("What did we decide about #430?", cov, hits, best_line=0.6, common=COMMON)
    assert d.abstain and d.missing == ["#430"], d
    roadmap = chunk("## Python support\n- drop 3.8 in 3.0, min 3.9", ["Python support"])
    q = "When will we support Python 3.14?"
    assert missing_compounds(q, [Hit(chunk=roadmap, score=1.0)], 3) == ["Python 3.14"]
    listing = chunk("## 2.6\n- fix #412, #415", ["Roadmap", "2.6"])
    headed = chunk("## #412 retry storm\nJana takes it.", ["Triage", "#412 retry storm"])
    picks = [
        Hit(chunk=listing, score=1.0),
        Hit(chunk=headed.model_copy(update={"id": 2}), score=0.9),
    ]
    assert code_first(picks, ["#412"], DEFAULT_OPTIONS) is picks[1]


def test_a_code_and_the_word_for_its_kind_before_it_are_one_name() -> None:
    """ "What was bug LF-045 about?" was partly covered, "don't mention LF-045", quoting a bug
    list's "Format: ID — summary — status", the one top section writing "bug": the word just
    before a code names its kind, no other subject, and a question of nothing else is not
    covered ("What is LF-045?" was declined already)."""
    from assistant.stages.decide import kinds_of

    assert kinds_of("What was bug LF-045 about?", ["LF-045"]) == {"bug"}
    assert kinds_of("What is LF-045?", ["LF-045"]) == set()  # "is": a function word
    intro = chunk("# Bug list\nFormat: ID — summary — status", ["Bug list"])
    fixed = chunk("## Fixed\n- **LF-014** — GC spike — FIXED 0.4", ["Bug list", "Fixed"])
    hits = [Hit(chunk=intro, score=1.0), Hit(chunk=fixed, score=0.9)]
    cov = [TermInfo(term="bug", chunks=3), TermInfo(term="lf", chunks=2)]
    cov += [TermInfo(term="045", chunks=0)]
    d = decide("What was bug LF-045 about?", cov, hits, best_line=0.5, common=COMMON)
    assert d.abstain and d.names == ["LF-045"], d
    # another subject beside it still answers, partly
    cov += [TermInfo(term="spike", chunks=2)]
    d = decide("Was bug LF-045 a spike?", cov, hits, best_line=0.5, common=COMMON)
    assert not d.abstain and d.names == ["LF-045"], d


def test_a_names_word_for_its_kind_is_left_out_where_the_notes_write_the_rest() -> None:
    """ "How long are the breaks in the Pomodoro Technique?" of "## Pomodoro" was declined,
    "Your notes don't mention Pomodoro Technique" (and "How do I avoid the Marshall Attack?"
    of "## Marshall (8...d5)"); a word that ends a name saying what kind of thing it is may be
    left out, not a thing of its own ("Lisbon Card"). A typo in an identifier is read as the
    notes write it ("evnts_raw" of "events_raw" was said missing while quoted)."""
    from assistant.stages.decide import kind_words, missing_compounds

    pom = chunk("## Pomodoro\n25 min work, 5 min break.", ["Pomodoro"])
    q = "How long are the breaks in the Pomodoro Technique?"
    assert missing_compounds(q, [Hit(chunk=pom, score=1.0)], 3) == []
    assert kind_words(q) == {"technique"}
    cov = [
        TermInfo(term=t, chunks=n) for t, n in (("breaks", 1), ("pomodoro", 1), ("technique", 0))
    ]
    d = decide(q, cov, [Hit(chunk=pom, score=1.0)], best_line=0.7, common=COMMON | {"technique"})
    assert d.outcome == "answered", d
    lisbon = chunk("# Lisbon\nMetro: pay by card.", ["Lisbon"])
    card = "How much does the Lisbon Card cost?"
    assert missing_compounds(card, [Hit(chunk=lisbon, score=1.0)], 3) == ["Lisbon Card"]
    raw = chunk("## Gotchas\nthe events_raw full scan is ~4 TB", ["Gotchas"])
    typo = "how much does a scan of evnts_raw cost?"
    hits = [Hit(chunk=raw, score=1.0)]
    assert missing_compounds(typo, hits, 3, fixes={"evnts": "events"}) == []
    assert missing_compounds(typo, hits, 3) == ["evnts_raw"]


def test_a_word_for_what_a_value_is_is_no_asked_thing_the_notes_lack() -> None:
    """ "What job did John Brown have?" of "1911: labourer at the gasworks" was partly
    covered, "Your notes don't mention job": notes write the value, not the word for it."""
    from assistant.stages.decide import asked_nouns

    c = chunk("## John Brown\n- 1911: labourer at the gasworks", ["John Brown"])
    subject = [TermInfo(term="john", chunks=1), TermInfo(term="brown", chunks=1)]
    names = {"john", "brown"}
    q = "What job did John Brown have?"
    assert asked_nouns(q, ["job"], subject, names, [Hit(chunk=c, score=1.0)]) == []
    bortle = "What Bortle class is Crickley Hill?"  # "Bortle 4"
    assert asked_nouns(bortle, ["class"], subject, names, [Hit(chunk=c, score=1.0)]) == []
    asked = "What instrument did John Brown play?"
    assert asked_nouns(asked, ["instrument"], subject, names, [Hit(chunk=c, score=1.0)]) == [
        "instrument"
    ]


def test_a_placeholder_in_words_is_no_evidence() -> None:
    """ "What are the advantages of the bishop pair?" quoted "## Bishop pair" over "Not written
    up yet.", "high": a placeholder in words, as "TODO" is one in a word."""
    for line in ("Not written up yet.", "not yet written", "TODO", "_TBD_"):
        assert evidence_texts(chunk(f"## Bishop pair\n{line}", ["Bishop pair"]), []) == []
    said = "Not written up in detail: the pair wins open positions."
    assert evidence_texts(chunk(f"## Bishop pair\n{said}", ["Bishop pair"]), []) == [said]


def test_a_first_name_and_an_initial_is_a_person_not_a_letters_name() -> None:
    """ "What target grade does Ollie B have?" said "Your notes don't mention B have": a class
    list's "Ollie B" is a first name and a surname's initial; "B-tree" and "R language" stay
    a letter's names."""
    from assistant.stages.decide import missing_compounds

    assert missing_compounds("What target grade does Ollie B have?", [], 3) == []
    assert missing_compounds("Where does Jack T sit?", [], 3) == []
    # a letter naming a unit, then a verb ("Does unit B have a cosigner?": "B have")
    assert missing_compounds("Does unit B have a cosigner? Does C take cash?", [], 3) == []
    assert missing_compounds("and what total N came out of it?", [], 3) == []  # "N came"
    # a letter a word before it names ("What was my vitamin D level?" said "don't mention D
    # level"; "hepatitis B vaccine" said "B vaccine")
    labs = "What was my vitamin D level, and when was my hepatitis B vaccine?"
    assert missing_compounds(labs, [], 3) == []
    assert missing_compounds("Is R language good?", [], 3) == ["R language"]
    assert missing_compounds("How does a B-tree split?", [], 3) == ["B-tree"]


def test_an_items_number_before_its_verb_and_not_in_a_thousands_group() -> None:
    """ "How many downloads did episode 39 get?" was answered from a stats table of episodes
    41 and 44: the item's number has its verb after it, and "2,040" writes no episode 40."""
    from assistant.stages.decide import missing_compounds

    stats = chunk("| ep | downloads |\n| 41 | 2,140 |\n| 44 | 2,040 |", ["Stats"])
    hits = [Hit(chunk=stats, score=1.0)]
    assert missing_compounds("How many downloads did episode 39 get?", hits, 3) == ["episode 39"]
    assert missing_compounds("How many downloads did episode 40 get?", hits, 3) == ["episode 40"]
    assert missing_compounds("How many downloads did episode 41 get?", hits, 3) == []
    assert missing_compounds("How do I scale to 10 replicas?", hits, 3) == []  # a count


def test_a_language_the_answer_is_in_is_no_name() -> None:
    """ "What's the French word for saucepan?" quoted a README's "Coffee Break French podcast"
    first (the together rule: the one section writing the name "French"), and "How do I tell
    the time in French?" was answered from it, the name covered; a language after "in",
    "the" or "a" names the answer's language, no subject."""
    from assistant.stages.decide import names_in

    assert names_in("What's the French word for saucepan?") == set()
    assert names_in("How do I tell the time in French?") == {"i"}
    assert "french" in names_in("Is French press coffee better?")


def test_a_number_and_its_unit_written_apart_mention_them_as_one() -> None:
    """ "What's the SKU for the 4oz tins?" of "4 oz black tin, SKU 4TINBLK" said "The
    sections found don't mention 4oz"."""
    from assistant.stages.evidence import terms_in

    c = chunk("## Tins\n- 4 oz black tin, SKU 4TINBLK", ["Tins"])
    cover = [TermInfo(term="4oz", chunks=1), TermInfo(term="sku", chunks=2)]
    assert terms_in([Hit(chunk=c, score=1.0)], cover, 3, joined=True) == {"4oz", "sku"}
    assert terms_in([Hit(chunk=c, score=1.0)], cover, 3) == {"sku"}


def test_a_mountains_title_is_left_out_of_its_name() -> None:
    """ "How much is the Mt Rainier park entrance fee?" said "Your notes don't mention Mt
    Rainier" over a quote writing "Rainier": "Mt", like "Prof.", is a title notes leave out."""
    from assistant.stages.decide import full_names, missing_compounds

    park = chunk("## Permits\n- Rainier: annual pass covers entry", ["Permits"])
    q = "How much is the Mt Rainier park entrance fee?"
    assert full_names(q) == [] and missing_compounds(q, [Hit(chunk=park, score=1.0)], 3) == []
    assert full_names("When did Anna Schmidt call?") == ["Anna Schmidt"]


def test_an_acronym_the_notes_never_write_is_a_missing_name() -> None:
    """ "What's the normal range for TSH?" of a nurse's lab values that never write "TSH" was
    partly covered, quoting the other labs: a word of two or three letters is too short to
    be a name unless the question writes it in capitals and the model's vocabulary lacks it,
    an acronym ("TSH", "NPS", "RTO"); where the question lacks nothing else and names nothing
    the notes cover, it is not in them. Not a vocabulary word ("What's the IP of the
    printer?" of notes writing its address), nor beside ordinary words the notes lack too."""
    from assistant.stages.decide import acronym

    h = Hit(chunk=chunk("## Labs\n- Na 135-145\n- K 3.5-5.0", ["Lab values"]), score=1.0)
    cov = [TermInfo(term="normal", chunks=4), TermInfo(term="range", chunks=4),
           TermInfo(term="tsh", chunks=0)]  # fmt: skip
    words = COMMON | {"normal", "range", "behalf", "ip", "printer"}
    q = "What's the normal range for TSH?"
    assert acronym("tsh", q, words) and not acronym("tsh", q.lower(), words)
    d = decide(q, cov, [h], best_line=0.34, common=words)
    assert d.abstain and "tsh" in d.missing
    assert not decide(q.lower(), cov, [h], best_line=0.34, common=words).abstain  # lowercase
    # beside ordinary words the notes lack too, as likely said otherwise (an "EC2 instance")
    more = [*cov, TermInfo(term="behalf", chunks=0)]
    assert not decide(q + " on behalf of", more, [h], best_line=0.34, common=words).abstain
    ip = [TermInfo(term="ip", chunks=0), TermInfo(term="printer", chunks=3)]
    assert not decide("What's the IP of the printer?", ip, [h], best_line=0.5, common=words).abstain


def test_dated_lines_in_a_code_block_are_no_journal_entries() -> None:
    """ "What were my practice scores?" quoted a note down to the first line of its fenced log
    of "2026-10-04  39/50" lines, no score in it: the lines were read as a journal's entries,
    the lines before the first an item of their own. Lines of code are one block."""
    text = (
        "# Driving theory test\n\n- 50 questions, pass mark 43\n- £23, book online\n\n"
        "practice scores:\n```\n2026-10-04  39/50\n2026-10-11  44/50\n2026-10-19  46/50\n```"
    )
    c = chunk(text, ["Driving theory test"])
    scores = {2: 0.5, 3: 0.45, 5: 0.6, 7: 0.55, 8: 0.5, 9: 0.5}
    assert quote_span(c, scores) == (3, 11)


def test_a_property_naming_only_the_code_asked_about_is_no_evidence() -> None:
    """ "What does error E1042 mean and how do I fix it?" quoted `code: E1042` alone (0.81),
    over the error's description and steps: a front-matter value that is a number or code
    of the question's own words names what is asked about and says nothing of it; a value
    without a digit may answer, and one the question does not write does."""
    from assistant.stages.evidence import echoes

    asked = {"error", "e1042", "fix", "version", "4", "3", "done"}
    assert echoes("code: E1042", asked) and echoes('version: "4.3"', asked)
    assert not echoes("status: done", asked) and not echoes("version: 4.2", asked)
    assert not echoes("released: 2024-01-23", asked) and not echoes("code:", asked)
    assert not echoes("- E1042", asked)
