"""The answer stages that read the index, run against a dict-backed `NotesSource` (no SQLite,
no model): lead-in hand-off, dense scores for lexical-only hits, line evidence."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pytest

from assistant.options import AnswerOptions
from assistant.stages.evidence import fill_dense_scores, line_evidence
from assistant.stages.select import open_lead_ins
from corpus.models import Chunk, text_hash
from index.models import Hit


def chunk(cid: int, heading: list[str], text: str, start: int) -> Chunk:
    return Chunk(
        id=cid,
        path="n.md",
        heading_path=heading,
        start_line=start,
        end_line=start + text.count("\n"),
        text=text,
        content_hash=text_hash(text),
    )


class DictSource:
    """A NotesSource over plain dicts."""

    def __init__(self, chunks: list[Chunk], vectors=None, lines=None) -> None:
        self.chunks = sorted(chunks, key=lambda c: c.start_line)
        self.vectors = vectors or {}
        self.lines = lines or {}

    def chunks_after(self, path: str, line: int, limit: int) -> list[Chunk]:
        return [c for c in self.chunks if c.path == path and c.start_line > line][:limit]

    def vectors_for_ids(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        return {i: self.vectors[i] for i in ids if i in self.vectors}

    def line_vectors(self, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        return {h: self.lines[h] for h in hashes if h in self.lines}


STUB = chunk(1, ["Scaling"], "## Scaling\nManage scaling using one of the following methods:", 1)
CONSOLE = chunk(2, ["Scaling", "Console"], "### Console\nOpen the console and pick a size.", 4)
CLI = chunk(3, ["Scaling", "CLI"], "### CLI\nRun aws ecs update-service.", 7)
NEXT = chunk(4, ["Pricing"], "## Pricing\nPay per second.", 10)


def test_a_lead_in_hands_its_place_to_its_subsections() -> None:
    src = DictSource([STUB, CONSOLE, CLI, NEXT])
    hits = [Hit(chunk=STUB, score=1.0), Hit(chunk=NEXT, score=0.5)]
    opened = open_lead_ins(src, hits, AnswerOptions())
    assert [h.chunk.id for h in opened] == [2, 3, 4]
    assert [h.chunk.id for h in open_lead_ins(src, hits, AnswerOptions(lead_in_parts=1))] == [2, 4]
    again = open_lead_ins(src, [Hit(chunk=CLI, score=1.0), *hits], AnswerOptions())
    assert [h.chunk.id for h in again] == [3, 2, 4]  # a subsection keeps its own higher place


def test_the_sections_that_answer_a_problem_are_quoted_after_it() -> None:
    """The problem rule: "user account locks out every morning" quoted the Symptom section
    that repeats it (0.90), not the Cause and Fix under the companion floor. The sections
    headed as a problem's answer, beside the problem or under it, come right after it, up to
    the next problem; not after a section headed otherwise, nor with the rule off."""
    from assistant.stages.select import with_answers

    t = ["Account locked"]
    symptom = chunk(1, [*t, "Symptom"], "## Symptom\nLocks out every morning.", 3)
    cause = chunk(2, [*t, "Cause"], "## Cause\nAn old phone keeps the password.", 6)
    fix = chunk(3, [*t, "Fix"], "## Fix\nRemove the account from the phone.", 9)
    other = chunk(4, [*t, "Symptom: VPN"], "## Symptom: VPN\nNo connect.", 12)
    its_fix = chunk(5, [*t, "Symptom: VPN", "Fix"], "### Fix\nReinstall.", 15)
    notes = chunk(6, ["Other"], "# Other\nUnrelated.", 18)
    src = DictSource([symptom, cause, fix, other, its_fix, notes])
    picked = [Hit(chunk=symptom, score=1.0), Hit(chunk=notes, score=0.5)]
    best = {1: 0.90, 6: 0.80}
    out, added = with_answers(picked, best, src, 3, AnswerOptions())
    assert [h.chunk.id for h in out] == [1, 2, 3] and [h.chunk.id for h in added] == [2, 3]
    out, _ = with_answers([Hit(chunk=other, score=1.0)], {4: 0.9}, src, 3, AnswerOptions())
    assert [h.chunk.id for h in out] == [4, 5]  # the fix under it, not another problem's
    off = AnswerOptions(problem_answers=False)
    assert with_answers(picked, best, src, 3, off) == (picked, [])
    assert with_answers([Hit(chunk=cause, score=1.0)], {2: 0.9}, src, 3, AnswerOptions())[1] == []
    # a case brief's Issue, answered by its Holding ("What is the measure of damages in
    # Hawkins v. McGee?" quoted the Issue that asks it, and the Rule, not the Holding)
    b = ["Hawkins v. McGee"]
    issue = chunk(7, [*b, "Issue"], "## Issue\nWhat is the measure of damages?", 8)
    facts = chunk(8, [*b, "Facts"], "## Facts\nA hairy hand.", 5)
    holding = chunk(9, [*b, "Holding"], "## Holding\nExpectation damages.", 11)
    rule = chunk(10, [*b, "Rule"], "## Rule\nPut him where the K would have.", 14)
    brief = DictSource([facts, issue, holding, rule])
    out, _ = with_answers([Hit(chunk=issue, score=1.0), Hit(chunk=rule, score=0.5)],
                          {7: 0.74, 10: 0.67}, brief, 3, AnswerOptions())  # fmt: skip
    assert [h.chunk.id for h in out] == [7, 9, 10]
    alone = [Hit(chunk=notes, score=1.0), Hit(chunk=other, score=0.5)]  # a problem, no answer
    assert with_answers(
        alone, {6: 0.5, 4: 0.9}, DictSource([other, notes]), 3, AnswerOptions()
    ) == (
        alone,
        [],
    )


def test_lexical_only_hits_get_their_cosine() -> None:
    q = np.array([1.0, 0.0], dtype=np.float32)
    src = DictSource([], vectors={4: np.array([0.6, 0.8], dtype=np.float32)})
    hits = [Hit(chunk=NEXT, score=0.5), Hit(chunk=CLI, score=0.4, dense_score=0.1)]
    fill_dense_scores(src, hits, q)
    assert abs(hits[0].dense_score - 0.6) < 1e-6 and hits[1].dense_score == 0.1


def test_line_evidence_uses_stored_line_vectors_and_embeds_what_is_missing() -> None:
    q = np.array([1.0, 0.0], dtype=np.float32)
    stored = {CONSOLE.content_hash: np.array([[0.9, 0.1]], dtype=np.float32)}
    src = DictSource([], lines=stored)
    asked: list[list[str]] = []

    def embed(texts: list[str]) -> list[np.ndarray]:
        asked.append(texts)
        return [np.array([0.2, 0.9], dtype=np.float32) for _ in texts]

    hits = [Hit(chunk=CONSOLE, score=1.0), Hit(chunk=CLI, score=0.9)]
    scores = line_evidence(src, hits, ["console"], q, AnswerOptions(), embed)
    assert list(scores) == [2, 3] and list(scores[2]) == [1] and list(scores[3]) == [1]
    assert abs(scores[2][1] - 0.9) < 1e-6 and abs(scores[3][1] - 0.2) < 1e-6
    assert asked == [[CLI.body_lines()[0][1]]]  # only the line without a stored vector
    one = line_evidence(src, hits, ["console"], q, AnswerOptions(evidence_sections=1), embed)
    assert list(one) == [2]


def test_a_note_s_title_alone_in_its_piece_is_no_evidence() -> None:
    """The title rule: "Gift ideas", a plain-text note's first line, alone in its piece (the
    2,876-character line of ideas below it was cut into pieces of its own), scored 0.72 for
    "gift idea for Dad" and was quoted alone. A title alone, the note going on after it, is
    no evidence; a note of one line, a sentence, a list item, or the rule off: as before."""
    q = np.array([1.0, 0.0], dtype=np.float32)
    title = chunk(1, [], "Gift ideas", 1)
    body = chunk(2, [], "Dad: a better headlamp for fishing, a cast-iron skillet.", 3)
    src = DictSource([title, body])

    def embed(texts: list[str]) -> list[np.ndarray]:
        return [np.array([0.9, 0.1], dtype=np.float32) for _ in texts]

    hits = [Hit(chunk=title, score=1.0), Hit(chunk=body, score=0.9)]
    assert list(line_evidence(src, hits, ["gift"], q, AnswerOptions(), embed)) == [2]
    off = AnswerOptions(titles=False)
    assert list(line_evidence(src, hits, ["gift"], q, off, embed)) == [1, 2]
    alone = DictSource([title])  # the whole note: its one line is what it says
    assert list(line_evidence(alone, hits[:1], ["gift"], q, AnswerOptions(), embed)) == [1]
    for text in ("Buy the headlamp.", "- Gift ideas", "Gift ideas:"):
        other = chunk(1, [], text, 1)
        src = DictSource([other, body])
        got = line_evidence(src, [Hit(chunk=other, score=1.0)], ["gift"], q, AnswerOptions(), embed)
        assert list(got) == [1], text


def test_pooled_line_vectors_have_their_best_lines_rescored_on_their_own() -> None:
    """Pooled rule: the `rescore_lines` best stored (pooled) lines are embedded on their own and
    scored so; the rest keep their pooled scores; own vectors are never re-embedded."""
    text = "## Deploy\nuse the console\nuse the cli\nuse the api"
    c = chunk(7, ["Deploy"], text, 1)
    q = np.array([1.0, 0.0], dtype=np.float32)
    pooled = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9]], dtype=np.float32)
    src = DictSource([], lines={c.content_hash: pooled})
    asked: list[list[str]] = []

    def embed(texts: list[str]) -> list[np.ndarray]:
        asked.append(texts)
        return [np.array([0.5, 0.5], dtype=np.float32) for _ in texts]

    hits = [Hit(chunk=c, score=1.0)]
    opts = AnswerOptions(rescore_lines=2)
    scores = line_evidence(src, hits, ["console"], q, opts, embed, pooled=True)
    body = c.body_lines()
    assert asked == [[body[0][1], body[1][1]]]  # the two best by pooled score
    assert scores[7] == pytest.approx({1: 0.5, 2: 0.5, 3: 0.1})
    asked.clear()
    own = line_evidence(src, hits, ["console"], q, opts, embed, pooled=False)
    assert asked == [] and own[7] == pytest.approx({1: 0.9, 2: 0.8, 3: 0.1})
    off = line_evidence(src, hits, ["console"], q, AnswerOptions(rescore_lines=0), embed, True)
    assert asked == [] and off == own


def test_relocate_follows_a_quote_that_moved_and_gives_up_on_one_that_changed() -> None:
    from assistant.stages.shape import relocate

    lines = ["# T", "", "a", "b", "", "x", "a", "b"]
    assert relocate(lines, 3, 4, "a\nb") == (3, 4)  # still there
    assert relocate(["# T", "new", *lines[1:]], 3, 4, "a\nb") == (4, 5)  # moved down one
    assert relocate(lines, 6, 7, "a\nb") == (7, 8)  # the nearest of two
    assert relocate(lines, 3, 4, "a\nc") is None  # held nowhere
    assert relocate(None, 3, 4, "a\nb") is None  # unreadable


def test_a_missing_word_is_said_as_the_user_wrote_it_hyphenated_word_whole() -> None:
    """ "Your notes don't mention popup." for "...in tmux with display-popup?": the subject is
    the command; a word written on its own as well stays itself."""
    from assistant.stages.query import original_words

    q = "How do I open a window in tmux with display-popup?"
    assert original_words(q, ["popup", "display"]) == ["display-popup"]
    assert original_words(q.replace("a window", "a popup"), ["popup"]) == ["popup"]
    assert original_words("hepatitis B vaccine schedule?", ["b"]) == ["hepatitis B"]
    assert original_words("what is B?", ["b"]) == ["B"]  # after a function word: alone
    flag = "What does the --auto-heal-containers flag of aws ecs create-service do?"
    assert original_words(flag, ["heal", "--auto-heal-containers"]) == ["--auto-heal-containers"]
    assert original_words("How do I use Karpenter with EKS?", ["karpenter"]) == ["Karpenter"]
    insanity = "What is the M'Naghten test, and what's O'Brien's view?"
    assert original_words(insanity, ["naghten", "brien", "test"]) == [
        "M'Naghten",
        "O'Brien",
        "test",
    ]


def test_a_missing_misspelt_word_is_said_as_the_notes_write_it() -> None:
    """ "how do i retyr a job from the dead leter queue" was searched as "retry" and answered
    "The sections found don't mention retyr": true of any section, and no help. A word read
    as the notes write it is named so; the engine passes no fix for a name the user
    capitalised ("ClickUp" read as "click" is still ClickUp)."""
    from assistant.stages.query import original_words

    q = "how do i retyr a job from the dead leter queue"
    assert original_words(q, ["retyr"]) == ["retyr"]
    assert original_words(q, ["retyr", "queue"], {"retyr": "retry"}) == ["retry", "queue"]


def test_days_named_from_today_are_read_as_those_days(monkeypatch) -> None:
    """ "What did I do yesterday?" quoted an older journal as if it were yesterday's: a day
    named from today is that day, said with its date; "today" only in a question about what
    was done or written ("what did I do today?" quoted yesterday's journal); a weekday
    alone and a span's end are not asked about."""
    import datetime as dt

    from corpus import dates

    monkeypatch.setattr(dates, "today", lambda: dt.date(2026, 12, 6))  # a Sunday
    assert dates.asked_days("What did I do yesterday?") == [
        ((2026, 12, 5), "yesterday (2026-12-05)")
    ]
    assert [d for d, _ in dates.asked_days("and the day before yesterday?")] == [(2026, 12, 4)]
    assert [d for d, _ in dates.asked_days("what happened last Friday")] == [(2026, 12, 4)]
    assert [d for d, _ in dates.asked_days("what did I note last sunday")] == [(2026, 11, 29)]
    assert [d for d, _ in dates.asked_days("last Monday's standup")] == [(2026, 11, 30)]
    assert dates.asked_days("what did I do today?") == [((2026, 12, 6), "today (2026-12-06)")]
    assert [d for d, _ in dates.asked_days("show me today's journal")] == [(2026, 12, 6)]
    # a week named from today is its seven days, Monday first ("What did I work on last
    # week?" said "Your notes don't mention last")
    last = dates.asked_days("What did I work on last week?")
    assert [d for d, _ in last] == [(2026, 11, d) for d in range(23, 30)]
    assert {w for _, w in last} == {"last week (2026-11-23 to 2026-11-29)"}
    assert next(d for d, _ in dates.asked_days("my focus this week")) == (2026, 11, 30)
    assert dates.asked_days("What changed since last week?") == []
    for none in ("How do I deploy today?", "on Monday", "What changed since yesterday?",
                 "What is the weather in Seattle today?"):  # fmt: skip
        assert dates.asked_days(none) == [], none
    assert dates.days_in("## Yesterday") == set()  # a note's words are read as written
    assert "yesterday" in dates.day_words("What did I do yesterday?")


def test_the_days_of_a_week_take_turns_for_the_quotes() -> None:
    """ "What did I work on last week?" quoted its Monday's Log, Tasks and Gratitude, the k
    quotes used up before Tuesday: the day's notes take turns, each note's sections in
    their order."""
    from assistant.stages.select import by_turns, with_dated

    def day(cid: int, path: str, heading: str) -> Hit:
        c = chunk(cid, [heading], f"## {heading}\n- did things", cid * 10)
        return Hit(chunk=c.model_copy(update={"path": path}), score=1.0)

    mon = [day(1, "Daily/11-23.md", "Log"), day(2, "Daily/11-23.md", "Tasks")]
    tue = [day(3, "Daily/11-24.md", "Log"), day(4, "Daily/11-24.md", "Tasks")]
    assert [h.chunk.id for h in by_turns([*mon, *tue])] == [1, 3, 2, 4]
    assert [h.chunk.id for h in with_dated([], [*mon, *tue], 3, day_only=True)] == [1, 3, 2]
    # a section in pieces is quoted by its first: the one holding its best line comes first
    from assistant.stages.select import best_piece_first

    jan = [day(5, "budget/2024-01.md", "Budget"), day(6, "budget/2024-01.md", "Budget")]
    best = {5: 0.63, 6: 0.71, 1: 0.9}
    got = best_piece_first([*jan, mon[0]], best)
    assert [h.chunk.id for h in got] == [6, 5, 1]
    assert [h.chunk.id for h in best_piece_first([*jan, mon[0]], {})] == [5, 6, 1]


def test_a_journal_s_entries_are_read_by_the_days_they_start_with() -> None:
    """jrnl writes "[2025-03-14 09:12] …", others "2025-09-28 16:00 …" or a list of
    "- 2024-05-01: …": a line that starts with a day is an entry's stamp, and the entry runs
    to the next one; a day inside a line, a version or an impossible month is none."""
    from corpus.dates import entry_lines, stamped_days

    lines = [
        "[2025-03-14 09:12] Pi day at work.", "Also: the dentist called.", "",
        "2025-03-14 21:30 Couldn't sleep.", "",
        "- 2025-03-15: released 2.0", "Moved the freeze to 2025-03-14.", "",
        "2025-13-40 not a day", "1.2.2025 a version?", "[2025-03-20] Ran ten miles.",
    ]  # fmt: skip
    assert [i for i, _ in stamped_days(lines)] == [0, 3, 5, 10]
    assert stamped_days(lines)[0][1] == (2025, 3, 14)
    assert entry_lines(lines, [(2025, 3, 14)]) == [0, 1, 3]
    assert entry_lines(lines, [(None, 3, 15)]) == [5, 6, 7, 8, 9]  # to the next stamp
    assert entry_lines(lines, [(2024, 3, 14)]) == []
    # a day in bold and nothing else starts an entry too: a log of "**jan 14** …" paragraphs
    # was quoted whole, six entries, for "What temperature should I set the soldering iron to?"
    bold = [
        "**jan 14** ordered 10x AO3400", "", "**mar 2** soldering iron tip pitted. 330°C",
        "- __Mon, March 4__ — met Sam", "**2024-01-20:** relay boot loop",
        "**Due: March 5** pay rent", "**Note** jan 3 is late", "**important** read this",
    ]  # fmt: skip
    assert stamped_days(bold) == [
        (0, (None, 1, 14)), (2, (None, 3, 2)), (3, (None, 3, 4)), (4, (2024, 1, 20))
    ]  # fmt: skip
    assert entry_lines(bold, [(None, 1, 14)]) == [0]
    from corpus.dates import day_stamp, days_in

    assert days_in(day_stamp((None, 1, 14))) == {(None, 1, 14)}
    assert day_stamp((2024, 1, 14)) == "2024-01-14"


def test_days_are_read_in_the_forms_notes_and_questions_write_them() -> None:
    """The date rule's reading of days: ISO-like numbers, day-first dotted numbers and a
    month's name with a day; "may" and "march" lowercase are words unless a preposition, an
    ordinal or a year makes them a day ("what did I do on march 5th" missed its journal)."""
    from corpus.dates import day_phrases, day_words, days_in, names_day, same_day

    assert days_in("what happened on 2024-04-23") == {(2024, 4, 23)}
    assert days_in("journals/2024_04_23.md and 2024/4/24") == {(2024, 4, 23), (2024, 4, 24)}
    assert days_in("on April 23rd?") == {(None, 4, 23)}
    assert days_in("23rd of April 2024, Dec 3") == {(2024, 4, 23), (None, 12, 3)}
    assert days_in("### Apr 23rd, 2024") == {(2024, 4, 23)}
    assert days_in("how may 2 tasks run, march 3 times; version 1.4.0; 2024-13-40") == set()
    assert days_in("May 5") == {(None, 5, 5)}
    # a month named alone, capitalised after the first word, is that month ("the root
    # cause of the March outage?" was declined, "Your notes don't mention March")
    from corpus.dates import asked_days

    march = {d for d, _ in asked_days("what was the root cause of the March outage?")}
    assert (None, 3, 12) in march and len(march) == 31
    assert asked_days("March the recruits to the gate") == []  # a verb, the first word
    assert asked_days("how may 2 tasks run") == []
    # lowercase, a word-month is a month after "on"/"in"/…, with an ordinal or with a year
    assert days_in("what did I do on march 5th") == {(None, 3, 5)}
    assert days_in("weight on march 25, mar 19th, may 2 2024") == {
        (None, 3, 25), (None, 3, 19), (2024, 5, 2)
    }  # fmt: skip
    assert days_in("19.03.2024") == {(2024, 3, 19)}  # day first, as Europe writes it
    # versions are no days; a weekday is part of the day; "in march 3 times" is no day
    assert days_in("version 1.4.2024, Home Assistant 2024.4.2, in march 3 times") == set()
    assert day_words("What did I do on Tuesday, March 5?") == {"tuesday", "march", "5"}
    # a day that is one end of a span is not asked about ("since April 15" asks of others)
    from corpus.dates import asked_days, date_words

    assert asked_days("What changed since April 15 or after 2024-04-23?") == []
    assert asked_days("between 2024-04-01 and 2024-04-05") == []
    assert [w for _, w in asked_days("on April 22 and April 23")] == ["April 22", "April 23"]
    assert date_words("since April 15") == {"april", "15"}
    assert same_day((None, 4, 23), (2024, 4, 23)) and not same_day((2023, 4, 23), (2024, 4, 23))
    assert names_day("daily/2024-04-23.md", {(None, 4, 23)})
    # a span of days writes each ("12-19 September 2025": "on 12 September" was declined)
    trip = days_in("With Mum, 12-19 September 2025.")
    assert (2025, 9, 12) in trip and (2025, 9, 15) in trip and len(trip) == 8
    assert days_in("Sep 3–5, 3rd to 4th of May") == {
        (None, 9, 3), (None, 9, 4), (None, 9, 5), (None, 5, 3), (None, 5, 4)
    }  # fmt: skip
    assert days_in("5-6 may be enough; runs 15-16") == set()
    # a month without a day asks of each of its days, written as the month
    assert len(asked_days("What broke in March 2024?")) == 31
    assert day_phrases("in March, during may 2023 or 2024-02?") == ["March", "may 2023", "2024-02"]
    assert asked_days("May I ask how may 2 tasks run since March?") == []
    assert [w for _, w in asked_days("on March 5")] == ["March 5"]
    assert day_words("what did I do on April 23rd, 2024?") == {"april", "23rd", "2024"}
    assert day_words("how may 2 tasks run") == set()


def test_the_days_sections_holding_no_other_word_give_way_to_one_holding_the_day_and_all() -> None:
    """ "What was the electricity meter reading in April?" quoted the running log's "## April
    2024" and April's tax deadlines first (the date rule), the meter table's 2024-04-01 row not
    at all: a top section holding the day and every other subject word keeps the day's
    sections that hold none of them out of first place; without one they still come first
    ("How far did I run in April?")."""
    from assistant.stages.dates import read_days
    from index.retrieve import TermInfo

    meter = chunk(1, ["Utilities", "Meter readings"], "## Meter readings\n| Date | "
                  "Electricity (kWh) |\n|---|---|\n| 2024-04-01 | 19,118 |", 3)  # fmt: skip
    runs = chunk(2, ["Running log", "April 2024"], "## April 2024\n- 2024-04-03 10 km", 3)
    taxes = chunk(3, ["Taxes", "Deadlines"], "## Deadlines\n- 2024-04-15 return due", 3)
    hits = [Hit(chunk=c, score=1.0) for c in (meter, runs, taxes)]
    dated = hits[1:]

    def cov(*words: str) -> list[TermInfo]:
        return [TermInfo(term=w, chunks=1) for w in words] + [TermInfo(term="april", chunks=0)]

    question = "What was the electricity meter reading in April?"
    reading = read_days(question, cov("electricity", "meter", "reading"), hits, dated, False)
    assert reading.dated == [] and not reading.on_day
    assert all(t.covered for t in reading.coverage)  # April: the meter table's row writes it
    reading = read_days("How far did I run in April?", cov("far", "run"), hits, dated, False)
    assert reading.dated == dated  # no other section holds "far" and "run" and the day
    # a month named alone, that a top section writes as a word: no date rule ("Who is hosting
    # the December book club?" quoted other people's December log entries first)
    from corpus.dates import month_alone

    assert month_alone("Who is hosting the December book club?")
    assert not month_alone("What broke in March 2024?") and not month_alone("in March?")
    maria = chunk(4, ["Maria", "Log"], "## Log\n- 2024-07-14 she'll host the December meeting", 20)
    cards = chunk(5, ["Marco", "Log"], "## Log\n- 2023-12-20 Christmas card arrived", 20)
    q = "Who is hosting the December book club?"
    hits2 = [Hit(chunk=c, score=1.0) for c in (maria, cards)]
    words = [TermInfo(term=w, chunks=2) for w in ("hosting", "book", "club")]
    assert read_days(q, words, hits2, hits2[1:], False).dated == []
    # a year: a day under a journal's other year is not of it, and a section writing the
    # year and every other word keeps the year's sections holding fewer out of first place
    from corpus.dates import names_day

    sept = {(2024, 9, d) for d in range(1, 31)}
    assert not names_day("garden/journal/2023.md Garden journal 2023 3 September", sept)
    assert names_day("garden/journal/2024.md Garden journal 2024 3 September", sept)
    assert names_day("3 September", sept)  # no year written: any year's
    table = chunk(6, ["Soil", "pH by bed"], "## pH by bed\n| Bed | Date | pH |\n| 4 | "
                  "03/04/2024 | 6.2 |", 5)  # fmt: skip
    journal = chunk(7, ["Journal 2024"], "# Journal 2024\n- 2024-06-01: bed 4 weeded", 1)
    hits3 = [Hit(chunk=c, score=1.0) for c in (table, journal)]
    ph = [TermInfo(term=w, chunks=2) for w in ("ph", "bed")]
    q3 = "what was the pH of bed 4 in 2024?"
    assert read_days(q3, ph, hits3, hits3[1:], False).dated == []
    sown = [TermInfo(term=w, chunks=2) for w in ("weeded", "bed")]
    assert read_days("when was bed 4 weeded in 2024?", sown, hits3, hits3[1:], False).dated == [
        hits3[1]
    ]
    nothing = [TermInfo(term="cucumbers", chunks=0)]  # the year alone: no first place
    assert read_days("cucumbers in 2024?", nothing, hits3, hits3[1:], False).dated == []
    # a section writing the month as a word and more of the other words than any of the
    # month's: "What gift does Mum want for her birthday in August?" quoted August's entries
    # (one wanting something), not July 2's "Mum's birthday is 14 August"
    july = chunk(8, ["2023-07-02"], "## 2023-07-02\nMum's birthday is 14 August. A casserole.", 20)
    aug = chunk(9, ["2023-08-18"], "## 2023-08-18\nAsked whether I want to lead the revamp.", 20)
    aug2 = chunk(10, ["2023-08-24"], "## 2023-08-24\nGym, then groceries.", 20)
    hits4 = [Hit(chunk=c, score=1.0) for c in (july, aug, aug2)]
    gift = [TermInfo(term=w, chunks=2) for w in ("want", "mum", "birthday")]
    q4 = "What gift does Mum want for her birthday in August?"
    assert read_days(q4, gift, hits4, hits4[1:], False).dated == []
    # none holding more than one: the month's entries first, as before
    once = chunk(11, ["2023-07-03"], "## 2023-07-03\nA birthday party, in August maybe.", 20)
    hits5 = [Hit(chunk=c, score=1.0) for c in (once, aug, aug2)]
    assert read_days(q4, gift, hits5, hits5[1:], False).dated == hits5[1:]
    # the day's sections holding every other word, where one does: "How many frames of
    # brood did Bramble have on 19 May?" quoted the day's "Note to self" and "Clover" too,
    # first, each under the day's title naming Bramble
    day = ["2024-05-19 — queen cells in Bramble"]
    note = chunk(12, [*day, "Note to self"], "## Note to self\n9 FoB on 4 May was the sign.", 18)
    bramble = chunk(13, [*day, "Bramble"], "## Bramble\n- QS. 10 frames of brood.", 4)
    clover = chunk(14, [*day, "Clover"], "## Clover\n5 FoB. fine.", 14)
    hits6 = [Hit(chunk=c, score=1.0) for c in (note, bramble, clover)]
    fob = [TermInfo(term=w, chunks=2) for w in ("frames", "brood", "bramble")]
    q6 = "How many frames of brood did Bramble have on 19 May?"
    assert read_days(q6, fob, hits6, hits6, False).dated == [hits6[1]]
    hits7 = [hits6[0], hits6[2]]  # none holds them all: the day's sections, as before
    assert read_days(q6, fob, hits7, hits7, False).dated == hits7


def test_a_question_about_the_last_time_quotes_the_newest_dated_section_first() -> None:
    """ "when did I last change the oil?" of a log headed "## 2022-03-28 Oil change" and "##
    2024-05-06 Oil change" quoted 2022's first: the latest rule puts first the newest (for
    "first", the oldest) section that says its day, among those holding most of the
    question's words."""
    from assistant.stages.dates import newest_or_oldest
    from corpus.dates import asks_when
    from corpus.models import Chunk, text_hash
    from index.models import Hit
    from index.retrieve import TermInfo

    def sec(i: int, head: str, text: str) -> Hit:
        body = f"## {head}\n{text}"
        c = Chunk(id=i, path="car.md", heading_path=["Car", head], start_line=i * 10,
                  end_line=i * 10 + 1, text=body, content_hash=text_hash(body))  # fmt: skip
        return Hit(chunk=c, score=1.0)

    log = [
        sec(1, "2022-03-28 Oil change", "5W-30, 4.2 l."),
        sec(2, "2025-06-14 Tyres", "Front."),
        sec(3, "2024-05-06 Oil change", "5W-30 again."),
        sec(4, "Notes", "Oil change yearly."),
    ]
    cov = [TermInfo(term="last", chunks=3), TermInfo(term="change", chunks=3),
           TermInfo(term="oil", chunks=3)]  # fmt: skip
    assert asks_when("when did I last change the oil?") == "latest"
    assert asks_when("when was the first oil change?") == "earliest"
    assert asks_when("what did I do last Friday?") is None and asks_when("oil change?") is None
    for verb in ("How long do idempotency keys last before they expire?",
                 "how long did the tyres last?", "How long does a battery last for?"):  # fmt: skip
        assert asks_when(verb) is None, verb  # "last" the verb
    # nor "first" or "last" making a name ("Which lender is good for first-time buyers with
    # FHA?" quoted a dated rates log first)
    for name in ("Which lender is good for first-time buyers?", "What's Dave's last name?",
                 "Where is the first aid kit?", "Who lives on the first floor?"):  # fmt: skip
        assert asks_when(name) is None, name
    assert asks_when("when was the first time I changed it?") == "earliest"
    newest = newest_or_oldest("when did I last change the oil?", log, cov, 10)
    assert newest is log[2]  # not the tyres of 2025: they hold no word of the question
    assert newest_or_oldest("when was the first oil change?", log, cov, 10) is log[0]
    assert newest_or_oldest("when did I change the oil?", log, cov, 10) is None
    assert newest_or_oldest("when did I last change the oil?", log[:1], cov, 10) is None
    # every name the question capitalises, or nothing: not another child's later visit
    visits = [sec(5, "2024-06-10 Ada - ear infection", "Drops."),
              sec(6, "2024-09-05 Maya - headaches", "Dr Fernandez: eyes.")]  # fmt: skip
    names = [TermInfo(term=t, chunks=2) for t in ("ada", "dr", "fernandez")]
    assert newest_or_oldest("when did Ada last see Dr Fernandez?", visits, names, 10) is None
    # a log kept as dated entries in one section: its newest entry ("What did I talk about
    # with Tom last time?" quoted his family, the log's February entry the closest of it)
    from assistant.stages.dates import latest_entry

    body = ("## Log\n- 2024-02-14 beer; he's burned out\n- 2024-09-30 call; we talked about "
            "his move\n- 2024-07-27 hiking; talked about the baby")  # fmt: skip
    tom = Chunk(id=7, path="people/tom.md", heading_path=["Tom", "Log"], start_line=20,
                end_line=23, text=body, content_hash=text_hash(body))  # fmt: skip
    talk = [TermInfo(term="talk", chunks=2), TermInfo(term="tom", chunks=4)]
    q = "What did I talk about with Tom last time?"
    assert newest_or_oldest(q, [Hit(chunk=tom, score=1.0)], talk, 10) is not None
    assert latest_entry(q, tom, {1: 0.6, 2: 0.4, 3: 0.5}, talk) == {2: 0.4}
    # the oldest among those holding "talk": not February's, which does not
    assert latest_entry("What did I first talk about with Tom?", tom, {}, talk) == {3: 1.0}
    assert latest_entry("What did I talk about with Tom?", tom, {1: 0.6}, talk) is None
    beer = [TermInfo(term="beer", chunks=1)]  # one entry holds it: that one
    assert latest_entry("When did I last have a beer with Tom?", tom, {}, beer) == {1: 1.0}
    ripe = [TermInfo(term="ripen", chunks=0)]  # no entry holds a covered word: as before
    assert latest_entry("When did the first Sungold ripen?", tom, {}, ripe) is None
    log = ("## 2024\n- 2024-01-20: chitting potatoes\n- 2024-02-28: sowed Sungold\n"
           "- 2024-07-02: first Sungold ripe!")  # fmt: skip
    garden = Chunk(id=8, path="garden/2024.md", heading_path=["2024"], start_line=1,
                   end_line=4, text=log, content_hash=text_hash(log))  # fmt: skip
    sungold = [TermInfo(term="sungold", chunks=2), TermInfo(term="ripen", chunks=0)]
    assert latest_entry("When did the first Sungold ripen?", garden, {}, sungold) == {3: 1.0}


def test_a_named_section_is_quoted_first_only_where_a_line_of_it_is_close() -> None:
    """ "How much is the Year 4 residential?" quoted Mia's class and teacher first, her school
    note headed "Year 4" (the keyword-names rule), its best line 0.20 under min_line, above
    the trip list's "Y4 residential … total £245": a named section goes first only where its
    best line scores min_line or more."""
    from assistant.stages.select import with_named

    trips = Hit(chunk=chunk(1, ["Trips"], "## Trips\n- Y4 residential: total £245", 1), score=1.0)
    mia = Hit(chunk=chunk(2, ["Mia (Year 4)"], "## Mia (Year 4)\nClass: Willow", 10), score=0.9)
    best = {1: 0.44, 2: 0.20}
    assert with_named([trips], mia, 3) == [mia, trips]  # no scores given: first, as before
    assert with_named([trips], mia, 3, best, 0.29) == [trips]
    assert with_named([trips], mia, 3, {**best, 2: 0.31}, 0.29) == [mia, trips]


def test_the_part_missing_rule_names_no_short_verb_nor_a_degree_the_notes_give_as_a_number() -> (
    None
):
    """ "wich cones go in the witness pack and where do they go" said "Your notes don't mention
    go", and "what scale do i have and how precise is it" said "don't mention precise" of a
    scale's "0.1g": a two-letter word names no subject, and a "how" degree is said by its
    value where the quoted sections write numbers. "…how much does it cost?" still names
    "cost", and a capitalised two-letter name ("UI") stays."""
    from assistant.stages.decide import part_lacking

    assert part_lacking("where do they go", ["go"], numbers=True) == []
    assert part_lacking("how precise is it", ["precise"], numbers=True) == []
    assert part_lacking("how precise is it", ["precise"], numbers=False) == ["precise"]
    assert part_lacking("how much does it cost", ["cost"], numbers=True) == ["cost"]
    assert part_lacking("and what about the UI", ["ui"], numbers=True) == ["ui"]


def test_the_price_rule_reads_a_price_only_where_the_quotes_write_one_for_the_thing() -> None:
    """ "How much did I pay for the Shimpo wheel?" quoted an equipment table whose wheel row
    writes no price, beside a kiln row's "$1,400", as if it answered: a table's row is one
    thing's. Prose writing an amount answers; a quote naming nothing the question names is
    no ruling; a two-part question is the part-missing rule's."""
    from assistant.stages.decide import unpriced

    table = (
        "| item | model | bought |\n|---|---|---|\n| kiln | Skutt | 2023-02, $1,400 |\n"
        "| wheel | Shimpo VL-Whisper | 2023-01 |"
    )
    q = "How much did I pay for the Shimpo wheel?"
    assert unpriced(q, [table])
    assert not unpriced(q, [table.replace("2023-01 |", "2023-01, $900 |")])
    assert not unpriced(q, ["- Shimpo wheel from the studio sale", "- paid £350 cash"])
    assert not unpriced(q, ["- the wheel is quiet"])  # names nothing the question names
    costs = "| Upgrade | Cost |\n|---|---|\n| Saddlebags | 45 |"
    assert not unpriced("How much does the Saddlebags upgrade cost?", [costs])
    assert unpriced("What did the KX2 cost?", ["- KX2 + EFHW + 6 m mast"])
    assert not unpriced("What's the KX2 and how much did it cost?", ["- KX2 + 6 m mast"])
    assert not unpriced("What's the KX2 used for?", ["- KX2 + 6 m mast"])


def test_the_price_rule_reads_a_table_whose_column_the_thing_heads() -> None:
    """ "What was the median single-family sale price in Q1 2024?" of a table headed
    "| metric | Q1 2024 |": the quarter heads a column, so its rows' amounts are its own."""
    from assistant.stages.decide import unpriced

    stats = (
        "| metric | Q1 2024 | Q1 2023 |\n|---|---|---|\n| median sale price | $542,000 | $515,000 |"
    )
    assert not unpriced("What was the median sale price in Q1 2024?", [stats])
    assert unpriced("What was the median sale price in Q1 2024?", [stats.replace("$", "")])


def test_the_quoted_notes_rule_names_what_no_quoted_note_writes() -> None:
    """ "How does button income work in Patchwork?" quoted a games log that never names
    Patchwork: a name no quoted note writes (path or text) is said missing; one written with
    an ending ("TLEs" of a note on "TLE") or in the note's path is written."""
    from assistant.stages.decide import unquoted_names

    log = "stats.md\n# stats\n- button income: 5 in the last game of Brass"
    q = "How does button income work in Patchwork or Brass?"
    assert unquoted_names(q, {"brass", "patchwork"}, [log]) == ["patchwork"]
    assert unquoted_names(q, {"patchwork"}, [log, "games/patchwork.md\n# rules"]) == []
    assert unquoted_names("my TLEs", {"tles"}, ["algo.md\n- a TLE means..."]) == []


def test_the_quoted_notes_rule_reads_a_misspelt_name_as_the_notes_spell_it() -> None:
    """ "What job did Micheal Doyle have?" of a note on Michael Doyle was partly covered,
    "don't mention Micheal", in a first version; nor is a word of a name said missing already
    said again, nor a code ("28BYJ48": the code rules')."""
    from assistant.stages.decide import unquoted_names

    note = "people/doyle.md\n# Doyle, Michael\n- labourer"
    q = "What job did Micheal Doyle have?"
    assert unquoted_names(q, {"micheal", "doyle"}, [note], {"micheal": "michael"}) == []
    assert unquoted_names(q, {"micheal"}, [note]) == ["micheal"]
    assert (
        unquoted_names("Gray Catbird?", {"gray", "catbird"}, [note], None, ["Gray Catbird"]) == []
    )
    assert unquoted_names("the 28BYJ48?", {"28byj48"}, [note]) == []
