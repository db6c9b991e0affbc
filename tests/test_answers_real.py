"""Answers on the bundled notes with the real model, SQLite and FAISS (integration).

One plain question per section, as a reader of the notes would ask it (kept apart from the
eval's gold set and the abstention calibration set), and questions the notes do not cover.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.engine import Engine
from assistant.options import AnswerOptions
from assistant.settings import load_settings
from corpus.quote import verify_quote
from corpus.read import read_note

pytestmark = pytest.mark.integration

PER_SECTION = [
    ("Can EFS be mounted in ECS tasks?", "Intro"),
    ("Is there a lab for deploying containers on ECS?", "Intro › Hands-on lab"),
    ("What does the ECS agent need on an EC2 instance?", "Intro › EC2 Launch Type"),
    ("Is Fargate serverless?", "Intro › Fargate Launch Type"),
    ("Which load balancer should I use with ECS?", "Intro › Load balancer integration"),
    (
        "What scaling policies does ECS service autoscaling support?",
        "Intro › ECS Service Autoscaling",
    ),
    (
        "How do I add EC2 instances when the ECS service scales?",
        "Intro › EC2 Launch Type – Auto Scaling EC2 Instance",
    ),
    ("What are managed node groups in EKS?", "Elastic Kubernetes Service - EKS"),
    (
        "Which CSI storage drivers can an EKS cluster use?",
        "Elastic Kubernetes Service - EKS › Amazon EKS – Data Volumes",
    ),
    ("What do I need to provide to App Runner?", "AWS APP Runner"),
]

OUT_OF_SCOPE = [
    ("How do I set the memory size of a Lambda function?", "Lambda"),
    ("How do DynamoDB streams work?", "DynamoDB"),
    ("How are AWS Savings Plans priced?", "Savings"),
]


@pytest.fixture(scope="module")
def engine(real_embedder, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    import shutil

    from corpus import BUNDLED_NOTES

    notes = tmp_path_factory.mktemp("notes")
    shutil.copy(BUNDLED_NOTES / "aws-containers.md", notes)
    eng = Engine(
        load_settings(notes=notes, index=tmp_path_factory.mktemp("idx") / "i"),
        embedder=real_embedder,
    )
    eng.ensure_ready()
    return eng


@pytest.mark.parametrize("question, section", PER_SECTION)
def test_each_section_is_quoted_for_its_plain_question(
    engine: Engine, question: str, section: str
) -> None:
    a = engine.ask(question)
    assert not a.abstained, a.reason
    cited = [" › ".join(c.heading_path) for c in a.citations]
    assert cited[0] == section, cited
    for c in a.citations:
        text = read_note(Path(c.absolute_path)).text
        assert verify_quote(text, c.start_line, c.end_line, c.quote)
        assert c.quote and not c.changed_since_indexed


@pytest.mark.parametrize("question, term", OUT_OF_SCOPE)
def test_abstains_on_what_the_notes_do_not_cover(engine: Engine, question: str, term: str) -> None:
    a = engine.ask(question)
    assert a.abstained, [c.heading_path for c in a.citations]
    assert a.citations == [] and a.closest
    assert any(term in m.split() for m in a.missing_terms), a.missing_terms  # "Savings Plans"
    assert f"don't mention {term}" in a.text or term in a.text


def test_partly_covered_question_names_the_missing_term(engine: Engine) -> None:
    a = engine.ask("EKS with Karpenter")
    assert not a.abstained
    assert a.missing_terms == ["Karpenter"]
    assert any(c.heading_path[0].startswith("Elastic Kubernetes Service") for c in a.citations)


def test_an_ordinary_word_the_notes_lack_is_not_said_unless_asked_for(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "Your notes don't mention look." opened "Do I have to look after servers with
    Fargate?": under the ordinary-word rule an answer does not say the ordinary words the
    notes lack (--explain does); with `ordinary_missing` on it says them. ("…of Fargate
    Spot?", asked here before, is now declined: the notes write Spot Instances only of EKS's
    nodes, never "Fargate Spot", the full name the compound rule reads.)"""
    for q, word in (
        ("Do I have to look after servers with Fargate?", "look"),
        ("What is the pricing of Spot Instances?", "pricing"),
    ):
        a = engine.ask(q, explain=True)
        assert a.outcome == "answered" and a.missing_terms == [] and a.citations, q
        assert "don't mention" not in a.text
        assert a.explain is not None and f"ordinary-word rule: {word}" in a.explain.decision
    monkeypatch.setattr(engine, "options", AnswerOptions(ordinary_missing=True))
    a = engine.ask("What is the pricing of Spot Instances?")
    assert "pricing" in a.missing_terms and a.outcome == "answered"
    assert a.text.startswith("Your notes don't mention pricing.")


def test_typo_is_not_a_missing_term(engine: Engine) -> None:
    a = engine.ask("fargte launch type")
    assert not a.abstained and a.missing_terms == []
    assert a.citations[0].heading_path == ["Intro", "Fargate Launch Type"]


def test_follow_up_uses_the_previous_turn(engine: Engine) -> None:
    from assistant.stages.query import Turn

    first = engine.ask("Which load balancer is preferred for ECS?")
    follow = engine.ask(
        "and for Fargate?",
        history=[Turn(question=first.question, searched_query=first.searched_query)],
    )
    assert follow.searched_query != follow.question
    assert "balancer" in follow.searched_query and "fargate" in follow.searched_query.lower()


def test_a_comparison_of_two_notes_names_neither_missing(real_embedder, tmp_path: Path) -> None:
    """ "Compare Docker with Podman." of a note on each was "Partly covered. The sections
    found don't mention Docker." over the Docker note's quote (a first together rule said
    names the best line's section lacks were missing when no one section wrote them all)."""
    notes = tmp_path / "notes"
    notes.mkdir()
    for name, text in {
        "docker.md": "# Docker\n\nDocker runs containers through a daemon, dockerd, as root.\n",
        "podman.md": "# Podman\n\nPodman runs containers without a daemon and rootless.\n",
        "notes.md": "# Notes\n\nContainers share the host kernel.\n",
    }.items():
        (notes / name).write_text(text, encoding="utf-8")
    eng = Engine(load_settings(notes=notes, index=tmp_path / "idx"), embedder=real_embedder)
    eng.refresh()
    answer = eng.ask("Compare Docker with Podman.")
    assert answer.outcome == "answered" and answer.missing_terms == []
    assert {c.path for c in answer.citations} >= {"docker.md", "podman.md"}


def test_an_item_of_a_series_is_read_as_the_notes_number_it(real_embedder, tmp_path: Path) -> None:
    """A PhD student's notes: run 16 written only as "runs 15 and 16" and a table's row was
    declined; run 19, which no note has, was "partly covered" from a jogging log's "Long
    run"; "What did Maria say about chapter 5?" quoted the outline's chapter 5 as answered,
    Maria's words being of chapter 3. So it is now."""
    notes = tmp_path / "notes"
    notes.mkdir()
    for name, text in {
        "runs.md": "# Experiment log\n\n## run 14\n\nLearning rate 2e-4. ROUGE-L 33.1.\n\n"
        "## runs 15 and 16\n\n| Run | Seed | ROUGE-L |\n|---|---|---|\n| 15 | 42 | 32.8 |\n"
        "| 16 | 7 | 33.3 |\n\nSame config as run 14.\n\n## run 17\n\n"
        "Long-context eval of run 14: ROUGE-L 29.7.\n",
        "week-18.md": "# Training week 18\n\n## Saturday 4 May — Long run\n\n"
        "12.0 km in 1:06:00, average pace 5:30 /km. Heart rate avg 148.\n",
        "outline.md": "# Thesis outline\n\n## Chapter 3 — Sparse block attention\n\n"
        "The method: block-sparse attention with global tokens.\n\n"
        "## Chapter 5 — Conclusion\n\nLimitations and future work.\n",
        "supervisor.md": "# Supervisor meeting 2024-06-06\n\n## Chapter 3\n\n"
        "- Maria is happier with chapter 3 after the attention entropy analysis.\n",
    }.items():
        (notes / name).write_text(text, encoding="utf-8")
    eng = Engine(load_settings(notes=notes, index=tmp_path / "idx"), embedder=real_embedder)
    eng.refresh()
    sixteen = eng.ask("What ROUGE-L did run 16 get?")
    assert sixteen.outcome == "answered"
    assert any("| 16 | 7 | 33.3 |" in c.quote for c in sixteen.citations[:1])
    nineteen = eng.ask("What learning rate did run 19 use?")
    assert nineteen.outcome == "not_covered" and nineteen.missing_terms == ["run 19"]
    maria = eng.ask("What did Maria say about chapter 5?")
    assert maria.outcome != "answered" and "Maria" in maria.missing_terms
    assert eng.ask("What did Maria say about chapter 3?").citations[0].path == "supervisor.md"


def test_a_notes_front_matter_properties_are_quoted(real_embedder, tmp_path: Path) -> None:
    """A people folder keeps a birthday in each note's front matter: "When is Anna Keller's
    birthday?" quoted her Family and Interests sections, the property never searched; a
    daily note's `sleep: 7.25h` likewise. The properties are a section of their own now,
    quoted at their lines; the recipe's method still answers how it is made."""
    notes = tmp_path / "notes"
    for name, text in {
        "people/anna-keller.md": "---\nid: c1bs7wsjfbhb0zipaywqv1\nname: Anna Keller\n"
        "city: Berlin\nbirthday: 1990-03-14\ntags: [friend]\n---\n# Anna Keller\n\n"
        "## Family\n\n- Partner: Jonas Weber (architect)\n- Kids: Lena (6), Felix (3)\n\n"
        "## Interests\n\n- Bouldering, sourdough baking\n",
        "people/tom-becker.md": "---\nname: Tom Becker\ncity: Hamburg\nbirthday: 1987-07-02\n"
        "---\n# Tom Becker\n\n## Family\n\n- Married to Ines, one son (Paul)\n",
        "daily/2026-11-03.md": "---\ndate: 2026-11-03\nmood: 6\nsleep: 7.25h\n---\n"
        "# Tuesday, November 3, 2026\n\n## Log\n\n- 09:00 Northwind onsite interviews.\n",
        "recipes/carbonara.md": "---\ntitle: Carbonara\nservings: 2\nrating: 5\n---\n"
        "# Carbonara\n\n## Method\n\n1. Whisk eggs and pecorino.\n2. Toss with hot "
        "spaghetti and guanciale off the heat.\n",
    }.items():
        (notes / name).parent.mkdir(parents=True, exist_ok=True)
        (notes / name).write_text(text, encoding="utf-8")
    eng = Engine(load_settings(notes=notes, index=tmp_path / "idx"), embedder=real_embedder)
    eng.refresh()
    for question, path, line in [
        ("When is Anna Keller's birthday?", "people/anna-keller.md", "birthday: 1990-03-14"),
        ("How many hours did I sleep on Nov 3?", "daily/2026-11-03.md", "sleep: 7.25h"),
        ("How many servings does the carbonara make?", "recipes/carbonara.md", "servings: 2"),
    ]:
        a = eng.ask(question)
        assert a.outcome == "answered", (question, a.text)
        assert a.citations[0].path == path, (question, a.text)
        props = [c for c in a.citations if line in c.quote]  # quoted, maybe after the log
        assert props and props[0].path == path, (question, a.text)
        assert verify_quote(read_note(notes / path).text, props[0].start_line,
                            props[0].end_line, props[0].quote)  # fmt: skip
    day = eng.ask("What did I do on November 3?")  # the day's sections: not its mood
    assert day.citations and all(c.heading_path for c in day.citations), day.text
    how = eng.ask("How do I make carbonara?")
    assert how.citations[0].heading_path == ["Carbonara", "Method"], how.text
    # the property rule: under its note's title a property scores high for any question
    # about the note (a flash-card deck's "monotonic stack: ease: 2.5", 0.78, quoted for
    # "when should I use a monotonic stack?"); a line that says nothing of the question on
    # its own is no evidence
    card = notes / "algo/monotonic-stack.md"
    card.parent.mkdir()
    card.write_text("---\ntags: [stack]\nease: 2.5\ninterval_days: 7\n---\n# Monotonic "
                    "Stack\n\nUse it for any next greater element question: each index is "
                    "pushed and popped once, O(n).\n")  # fmt: skip
    eng.refresh()
    when = "when should I use a monotonic stack?"
    assert [c.start_line for c in eng.ask(when).citations] == [8], eng.ask(when).text
    told = eng.ask(when, explain=True).explain
    assert told is not None and "property rule: front-matter lines " in told.selection
    assert told.selection.count("algo/monotonic-stack.md:3,4") == 1, told.selection  # not 2
    # nor is a property whose value is the code the question names: "code: E1042" scored
    # 0.81 and was quoted alone for "What does error E1042 mean and how do I fix it?"
    err = notes / "errors/E1042.md"
    err.parent.mkdir()
    err.write_text("---\ncode: E1042\narea: desktop sync\n---\n# E1042 — sync conflict\n\n"
                   'Customer sees "E1042: This file was changed in two places". The client '
                   "made a conflicted copy next to the original.\n\n## Troubleshooting\n\n"
                   "1. Ask which version they want to keep.\n2. Delete or rename the "
                   "conflicted copy.\n")  # fmt: skip
    eng.refresh()
    fix = eng.ask("What does error E1042 mean and how do I fix it?", explain=True)
    assert fix.citations and all(c.start_line > 4 for c in fix.citations), fix.text
    assert fix.explain is not None and "errors/E1042.md:2" in fix.explain.selection
    eng.options = AnswerOptions(property_line=0.0)
    assert 3 in [c.start_line for c in eng.ask(when).citations], eng.ask(when).text


def test_a_part_of_a_question_no_line_answers_is_named_missing(
    real_embedder, tmp_path: Path
) -> None:
    """The part-missing rule. "What's the shower valve model and how much does it cost?"
    quoted the valve's model, "answered", though no note says what it costs: the part no
    line answers, naming a word no note writes, makes it partly covered. A part some line
    answers does not."""
    from fakes import write_notes

    notes = write_notes(
        tmp_path / "notes",
        {
            "Bathroom.md": "# Bathroom\n\n## Fixtures\n- toilet: Toto Drake II\n"
            "- shower valve: Grohe thermostatic, rough-in model 34 726\n- fan: Panasonic 80 CFM\n",
            "Marco.md": "# Marco\n\nphone:: 555-0142\n\nSent proof of insurance.\n",
        },
    )
    eng = Engine(load_settings(notes=notes, index=tmp_path / "idx"), embedder=real_embedder)
    eng.refresh()
    q = "What's the shower valve model and how much does it cost?"
    a = eng.ask(q)
    assert a.outcome == "partly_covered" and a.missing_terms == ["cost"], a.text
    assert "34 726" in a.citations[0].quote
    off = Engine(
        load_settings(notes=notes, index=tmp_path / "idx"),
        embedder=real_embedder,
        options=AnswerOptions(part_missing=False),
    )
    assert off.ask(q).outcome == "answered"
    both = eng.ask("What's the shower valve model and what is Marco's phone number?")
    assert both.outcome == "answered", both.text


def test_a_price_the_quotes_do_not_write_is_named_missing(real_embedder, tmp_path: Path) -> None:
    """The price rule, end to end: the equipment table is quoted for the wheel, the answer is
    partly covered ("The sections found don't mention price."), --explain names the rule,
    and with the rule off it is answered as before."""
    from fakes import write_notes

    notes = write_notes(
        tmp_path / "notes",
        {
            "equipment.md": "# Equipment\n\n| item | model | bought | notes |\n|---|---|---|---|\n"
            "| kiln | Skutt KM-1027 | 2023-02, used, $1,400 | 3 elements replaced |\n"
            "| wheel | Shimpo VL-Whisper | 2023-01 | quiet, splash pan cracked |\n"
            "| scale | My Weigh iBalance 5500 | 2023-05 | 0.1g |\n",
        },
    )
    q = "How much did I pay for the Shimpo wheel?"
    eng = Engine(load_settings(notes=notes, index=tmp_path / "idx"), embedder=real_embedder)
    eng.refresh()
    a = eng.ask(q, explain=True)
    assert a.outcome == "partly_covered" and a.missing_terms == ["price"], a.text
    assert "The sections found don't mention price." in a.text
    assert a.explain is not None and "price rule" in a.explain.decision
    assert eng.ask("How much did I pay for the Skutt kiln?").outcome == "answered"
    off = Engine(
        load_settings(notes=notes, index=tmp_path / "idx"),
        embedder=real_embedder,
        options=AnswerOptions(prices=False),
    )
    assert off.ask(q).outcome == "answered"


def test_a_name_no_quoted_note_writes_is_named_missing(real_embedder, tmp_path: Path) -> None:
    """The quoted-notes rule, end to end: asked about a game the notes name only in a
    wishlist, the answer quotes the rules of another and says "The sections found don't
    mention Patchwork."; --explain names the rule; off, it is answered as before."""
    from fakes import write_notes

    notes = write_notes(
        tmp_path / "notes",
        {
            "azul.md": "# Azul\n\n## Scoring\n- income: each tile placed scores its row and "
            "column\n- end game bonus for complete rows\n",
            "wishlist.md": "# Wishlist\n\n- Patchwork (two players)\n- Cascadia\n",
        },
    )
    q = "How does income scoring work in Patchwork?"
    eng = Engine(load_settings(notes=notes, index=tmp_path / "idx"), embedder=real_embedder)
    eng.refresh()
    a = eng.ask(q, explain=True)
    assert [c.path for c in a.citations] == ["azul.md"], a.text
    assert a.outcome == "partly_covered" and a.missing_terms == ["Patchwork"], a.text
    assert "The sections found don't mention Patchwork." in a.text
    assert a.explain is not None and "quoted-notes rule" in a.explain.decision
    off = Engine(
        load_settings(notes=notes, index=tmp_path / "idx"),
        embedder=real_embedder,
        options=AnswerOptions(quoted_names=False),
    )
    assert off.ask(q).outcome == "answered"
