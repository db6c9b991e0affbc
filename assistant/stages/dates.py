"""Stage: the date rule's reading of a question that names a day ("what happened on
2024-04-23", "what did I do on March 5th?"), between finding that day's sections and deciding.

A line never says the day its daily note's name does, so the day's words are judged here, not
by the vocabulary rule: covered when sections of the day were found, one missing name when a
folder of daily notes has none, and no subject when the day is one end of a span ("since
April 15"). Which sections are the day's is the engine's to find (it reads the index);
`select.with_dated` puts them first."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from assistant.stages.decide import names_in, subject_terms
from assistant.stages.evidence import first_units, matching_lines, terms_in
from corpus.dates import (
    WHEN_WORDS,
    Day,
    any_same_day,
    asked_days,
    asks_when,
    date_words,
    day_phrases,
    day_stamp,
    day_words,
    days_in,
    entry_lines,
    month_alone,
    names_day,
    names_month,
    stamped_days,
    years_in,
)
from corpus.markdown import only_links
from corpus.models import Chunk
from index.models import Hit
from index.retrieve import TermInfo


@dataclass
class DayReading:
    """What the date rule makes of the question (`read_days`)."""

    coverage: list[TermInfo]
    """The question's terms with the day's words judged as the date rule judges them."""
    on_day: bool = False
    """The day's sections hold the question's other covered subject words: answered under
    `min_line` (`decide.decide`'s `on_day`)."""
    day_only: bool = False
    """The question names nothing but the day: its sections are quoted from their start."""
    no_day: list[str] = field(default_factory=list)
    """Days asked about, as written, that no note is of in a folder of daily notes: missing
    names (`decide.decide`'s `no_day`)."""
    dated: list[Hit] = field(default_factory=list)
    """The day's sections the rule puts first: those holding one of the question's other
    covered subject words, or every one when it names nothing but the day."""


def unlinked(chunk: Chunk) -> str:
    """A section's text without its lines of links alone: a daily note's "<< [[2026-11-10]] |
    [[2026-W46]] | [[2026-11-11]] >>" links to the next day's note, and says nothing of the
    day ("What did I do on November 11?", a day with no note, was answered from other days)."""
    return "\n".join(x for x in chunk.text.split("\n") if not only_links(x, wiki=True))


_RIVALS = 3
"""How many of the top sections found may hold the day and the question's other words, and
so put the day's sections holding none of them out of the date rule's first place."""


def of_a_year(days: Collection[Day]) -> bool:
    """Days asked about that span more than a month: a year's ("in 2024"), too many for all
    its sections to come first, or to search its days one by one."""
    return len(days) > 31


def asked(question: str) -> set[Day]:
    """The days the question asks about (`corpus.dates.asked_days`), not the ends of spans."""
    return {d for d, _ in asked_days(question)}


def read_days(
    question: str,
    coverage: Sequence[TermInfo],
    hits: Sequence[Hit],
    dated: Sequence[Hit],
    daily_notes: bool,
) -> DayReading:
    """The date rule's reading: `dated`, the sections of the days asked about that were
    found; `daily_notes`, whether the folder keeps notes named by a day alone. A day none is
    of is missing only there, and only when no retrieved section writes it ("the freeze is
    May 5"). A day one of the top sections writes (a table row dated 2024-07-01 for "…in
    July?") is covered, as a day's section found is."""
    no_day: list[str] = []
    days = asked(question)
    if not dated and daily_notes and days:
        written = "\n".join(unlinked(h.chunk) for h in hits)
        found = names_day(written, days) or names_month(written, question)
        no_day = [] if found else day_phrases(question)
    # a top section writing one of the days ("| 2024-07-01 | 19,690 |" for "…in July?")
    in_text = bool(days) and any(
        names_day(unlinked(h.chunk), days) for h in first_units(hits, _RIVALS)
    )
    said = day_words(question) if dated or no_day or in_text else set()
    local = list(coverage)
    if dated or in_text:  # the day is found: its words are covered
        local = [t.model_copy(update={"chunks": max(t.chunks, 1)}) if t.term in said else t
                 for t in local]  # fmt: skip
    elif no_day:  # the day is missing, as one name ("2024-04-23"), not word by word
        local = [t for t in local if t.term not in said]
    if spans := date_words(question) - said:  # "since April 15": no subject
        local = [t for t in local if t.term not in spans]
    if not dated:
        return DayReading(local, no_day=no_day)
    rest = [t for t in subject_terms(local) if t.covered and t.term not in said]
    held = list(dated)
    if month_alone(question) and any(
        names_month(h.chunk.text, question) for h in first_units(hits, _RIVALS)
    ):  # "Who is hosting the December book club?": "she'll host the December meeting"
        held = []
    wanted = {t.term for t in rest}
    year = of_a_year(days)

    def count(h: Hit) -> int:
        return len(terms_in([h], rest, 1)) if rest else 0

    found = [h for h in first_units(hits, _RIVALS) if h not in dated]
    rivals = [count(h) for h in found if _holds_day(h, days, year)]  # the day's other words
    by_month = [count(h) for h in found if names_month(h.chunk.text, question)]  # a month's
    # One holds the day and every other subject word ("the electricity meter reading in
    # April": the running log's "## April 2024" and the tax deadlines of April, none of its
    # other words, came before the meter table's 2024-04-01 row), or, of a month asked
    # without a day, the month as a word and more of them than any of the month's sections
    # ("What should I photograph before the inspection in January?": a November entry's
    # "photograph everything before the inspection in January", not the entries of January
    # 3 and 4; "What gift does Mum want for her birthday in August?": July 2's "Mum's
    # birthday is 14 August", not August's entries, which say neither).
    rival = bool(rest) and len(wanted) in [*rivals, *by_month]
    if rival:
        held = [h for h in held if terms_in([h], rest, 1)]
    elif rest and by_month and max(by_month) > max([*map(count, dated), 1]):
        held = [h for h in held if count(h) >= max(by_month)]  # (the day's counted only here)
    if year:  # too many sections to put all first: those holding the most of its words (all
        # of them, where another does: "the pH of bed 4 in 2024?" is the pH table's, dated
        # 03/04/2024, not the 2024 journal's line on bed 4), never all for the year alone
        counts = [len(terms_in([h], rest, 1)) if rest else 0 for h in held]
        top = len(wanted) if rival else max(counts, default=0)
        held = [h for h, n in zip(held, counts, strict=True) if n and n == top]
    elif rest and len(held) > 1 and len(wanted) in (counts := [count(h) for h in held]):
        # the day's sections holding every other word, where one does ("How many frames of
        # brood did Bramble have on 19 May?": the day's "## Bramble", not its "## Clover" and
        # "## Note to self", each under the day's title naming Bramble, quoted before it)
        held = [h for h, n in zip(held, counts, strict=True) if n == len(wanted)]
    on_day = bool(held) and {t.term for t in rest} <= terms_in(held, rest, len(held))
    return DayReading(local, on_day=on_day, day_only=not rest and not year, dated=held)


def _holds_day(h: Hit, days: set[Day], year: bool) -> bool:
    """Whether a section writes one of `days`, or for a year's days, the year."""
    if names_day(h.chunk.text, days):
        return True
    written = years_in(f"{day_text(h.chunk)} {h.chunk.text}")
    return year and any(d[0] in written for d in days)


def newest_or_oldest(
    question: str, hits: Sequence[Hit], coverage: Sequence[TermInfo], reach: int
) -> Hit | None:
    """The latest rule: for a question about the last (or first) time of something (`asks_when`:
    "when did I last change the oil?" of a log headed "## 2022-03-28 Oil change", "## 2024-05-06
    Oil change", which quoted 2022's first), the newest (or oldest) of the first `reach`
    sections that say their day (`day_text`, with its year) among those holding the most of the
    question's other subject words and every name it capitalises ("when did Ada last see Dr
    Fernandez?" quoted Maya's later visit to her, Ada's note never writing "Fernandez"); None
    when fewer than two such days are found."""
    when = asks_when(question)
    if when is None:
        return None
    subject = [t for t in subject_terms(coverage) if t.covered and t.term not in WHEN_WORDS]
    capitals = names_in(question)
    names = [t for t in subject if t.term in capitals]
    found: list[tuple[int, Day, Hit, set[Day]]] = []
    for h in hits[:reach]:
        days = [d for d in days_in(day_text(h.chunk)) if d[0] is not None]
        held = terms_in([h], subject, 1) if subject else set()
        if days and held and all(t.term in held for t in names):
            found.append((len(held), max(days) if when == "latest" else min(days), h, set(days)))
    most = max((n for n, *_ in found), default=0)
    found = [f for f in found if f[0] == most]
    if len({d for *_, days in found for d in days}) < 2:  # of two sections, or two entries
        return None
    pick = max if when == "latest" else min
    return pick(found, key=lambda f: f[1])[2]


def latest_entry(
    question: str, chunk: Chunk, scores: dict[int, float], coverage: Sequence[TermInfo]
) -> dict[int, float] | None:
    """The latest rule in a log kept as dated entries ("- 2024-09-30 call; we talked about
    his move…"): the section the rule found is quoted at its newest (or oldest) entry among
    those holding the most of the question's other subject words, as `entry_scores` quotes
    a day's; "What did I talk about with Tom last time?" quoted his February entry, the
    closest to the question. An entry that writes the question's "first" (or "last") itself
    is the one ("when did the first Sungold ripen?": "2024-07-02: first Sungold ripe!", not
    the sowing of Sungold in February). None if its entries are not stamped, or none holds
    such a word."""
    when = asks_when(question)
    stamped = {d for _, d in stamped_days(chunk.text.split("\n")) if d[0] is not None}
    if when is None or len(stamped) < 2:
        return None
    most = most_held(chunk, stamped, coverage)
    if not most:
        return None
    said = [d for d, text in most.items() if asks_when(text) == when]
    days = said or list(most)  # an entry that says so itself: "2024-07-02: first Sungold ripe!"
    return entry_scores(chunk, {max(days) if when == "latest" else min(days)}, scores)


def most_held(chunk: Chunk, days: Iterable[Day], coverage: Sequence[TermInfo]) -> dict[Day, str]:
    """Of the entries stamped with one of `days`, those holding the most of the question's
    subject words (as the notes write them), day -> the entry's text; empty when none holds
    one."""
    subject = [t for t in subject_terms(coverage) if t.covered and t.term not in WHEN_WORDS]
    lines = chunk.text.split("\n")
    days_of = sorted({d for _, d in stamped_days(lines) if any_same_day([d], days)})
    if not subject or not days_of:
        return {}
    texts = [" ".join(lines[i] for i in entry_lines(lines, [day])) for day in days_of]
    words = [t.near or t.term for t in subject]
    held = [len(m) for m in matching_lines(texts, words)]
    top = max(held)
    return {d: t for d, t, n in zip(days_of, texts, held, strict=True) if top and n == top}


def day_text(chunk: Chunk) -> str:
    """Where a section says which day it is: its note's path, its headings, and the stamps of
    the entries it holds, a journal kept in one file ("[2025-03-14 09:12] Pi day…": "what
    did I write on March 14 2025?" quoted other days' entries, the file's name and headings
    naming none)."""
    stamps = (day_stamp(d) for _, d in stamped_days(chunk.text.split("\n")))
    return " ".join([_named(chunk), *stamps])


def _named(chunk: Chunk) -> str:
    """A section's note path and headings: where a daily note or a journal's heading names
    its day."""
    return " ".join([chunk.path, *chunk.heading_path])


def entry_scores(chunk: Chunk, days: set[Day], scores: dict[int, float]) -> dict[int, float] | None:
    """A day's section found by its entries' stamps alone (not its note's name or headings) is
    quoted at the entries of the days asked about: their lines among `scores` (line ->
    cosine), or all of them alike when none is scored (a question of nothing but the day).
    None when the section is the day's by its name or headings, or holds no such entry."""
    if names_day(_named(chunk), days):
        return None
    at = set(entry_lines(chunk.text.split("\n"), days))
    if not at:
        return None
    kept = {i: v for i, v in scores.items() if i in at}
    return kept or dict.fromkeys(sorted(at), 1.0)
