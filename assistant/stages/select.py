"""Stage: select sections. Which retrieved sections are quoted, and in what order.

A section that only leads into its subsections (`leads_in`) hands its place to them (the
engine opens them); the rest are chosen by how close their best line is to the best overall.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import PurePosixPath

from assistant.options import DEFAULT_OPTIONS, AnswerOptions
from assistant.stages.source import NotesSource
from corpus.dates import years_in
from corpus.lines import LineRoles
from corpus.markdown import introduces, says_nothing
from corpus.models import Chunk, note_title
from index.models import Hit
from index.retrieve import NUMBERED, TermInfo


def pick_sections(
    hits: Sequence[Hit],
    k: int,
    section_best: dict[int, float],
    opts: AnswerOptions = DEFAULT_OPTIONS,
) -> list[Hit]:
    """The hits worth quoting, best first: the section of the best line overall, plus any whose
    best line clears `companion_floor` (the other piece of a short section the model read in
    two, `_short_pair`, needs only to be within `quote_window` of the best line's piece:
    "When does the washing machine warranty run out?" quoted the line under an appliance
    table, not the table's piece, 0.34 to 0.40), and the first retrieved if its best line
    clears `first_floor`, at most k, the best line's own never cut off for the others
    ("Which ESP32 GPIO is SDA wired to?" lost the pinout table, the best line's, to three
    sections of a cheat sheet whose file name says "esp32", found before it). With
    `pieces` (the piece rule), a piece of a long table is quoted only if its best row is
    within `quote_window` of the table's best, as lines of a section too long to quote whole
    are: "what is the key to join lines in vim?" quoted twelve rows of a 52-row table (0.63)
    above the `J` row (0.73). (For every long section, calibration lost key phrases the
    other pieces held: AWS docs 0.671 → 0.646, til 0.702 → 0.681.)"""
    if not hits:
        return []
    scored = [h for h in hits if h.chunk.id in section_best]
    if not scored:
        return list(hits[:1])
    top = max(section_best.values())
    best = {h.chunk.id: section_best[h.chunk.id] for h in scored}  # type: ignore[index]
    floor = companion_floor(top, opts)
    lead = next(h for h in scored if best[h.chunk.id] == top).chunk
    chosen = [
        h
        for h in scored
        if best[h.chunk.id] >= floor
        or best[h.chunk.id] == top
        or (_short_pair(h.chunk, lead, opts) and best[h.chunk.id] >= top - opts.quote_window)
    ]
    if hits[0] not in chosen and best.get(hits[0].chunk.id, -1.0) >= first_floor(top, opts):
        chosen.insert(0, hits[0])
    if opts.pieces:  # a long table's pieces, as its rows: within quote_window of its best
        most: dict[tuple[str, tuple[str, ...]], float] = {}
        for h in chosen:
            most[h.chunk.section] = max(most.get(h.chunk.section, -1.0), best.get(h.chunk.id, -1.0))
        chosen = [
            h
            for h in chosen
            if h.chunk.id not in best
            or not _rows(h.chunk)
            or best[h.chunk.id] >= most[h.chunk.section] - opts.quote_window
        ]
    out = chosen[:k]
    if k > 0 and not any(best.get(h.chunk.id) == top for h in out):  # never cut off the best
        first = next((h for h in chosen if best.get(h.chunk.id) == top), None)  # line's section
        out = [h for n, h in enumerate(chosen) if n < k - 1 or h is first]
    return out


RARE_SHARE = 0.1
"""The named-quotes rule reads a name in at most this share of a folder's sections: in the
bundled notes' ten, "EC2" is in four, and "How does scaling the ECS service relate to
scaling the EC2 instances underneath it?" lost its ECS section."""


def naming_only(
    picked: Sequence[Hit],
    asked: Sequence[TermInfo],
    question: str,
    opts: AnswerOptions = DEFAULT_OPTIONS,
    labels: Callable[[str], str] | None = None,
    sections_total: int = 0,
) -> list[Hit]:
    """The named-quotes rule: when a picked section writes one of the names the question
    capitalises (`asked`: `decide.asked_names`; in its text, headings, note path or labels)
    that the notes write in at most `named_quotes` sections (and `RARE_SHARE` of the folder's
    `sections_total`), the further picked sections
    writing none of them are left out (never the first: "what gRPC port does the reports
    service use?" lost the reports service's ports, which list no gRPC port, to the auth
    service's). "what's the confirmation code for our hotel in Sintra?" quoted the Sintra
    note, then the road trip's lodging table and its codes. Not for a
    question of two (`decide.clauses`: "…seed ExUnit…, and … random numbers in Go?"), whose
    other part's section names another thing."""
    from assistant.stages.decide import clauses
    from assistant.stages.evidence import terms_in

    most = min(opts.named_quotes, RARE_SHARE * sections_total)
    asked = [t for t in asked if t.chunks <= most]
    if not asked or len(picked) < 2 or len(clauses(question)) > 1:
        return list(picked)
    naming = [h for h in picked if terms_in([h], asked, 1, labels)]
    if not naming:
        return list(picked)
    return [h for n, h in enumerate(picked) if n == 0 or h in naming]


def _short_pair(chunk: Chunk, lead: Chunk, opts: AnswerOptions) -> bool:
    """`chunk` and `lead` are the two pieces of one short section, split for the model (too
    many tokens, not too many lines: a table of model numbers): next to each other, and
    together no longer than `max_quote_lines` and the heading line. A long section's other
    pieces (a long table, a list of links) are not: quoted beside the best one, they were
    noise."""
    first, last = sorted((chunk, lead), key=lambda c: c.start_line)
    return (
        chunk is not lead
        and first.section == last.section
        and last.start_line - first.end_line <= 2
        and last.end_line - first.start_line + 1 <= opts.max_quote_lines + 1
    )


def _rows(chunk: Chunk) -> bool:
    """A piece of a table: most of its lines are rows."""
    lines = [x for x in chunk.text.split("\n") if x.strip()]
    return sum(x.lstrip().startswith("|") for x in lines) * 2 > len(lines)


def with_part_sections(picked: Sequence[Hit], part_picks: Sequence[Hit], k: int) -> list[Hit]:
    """The parts rule: each part's best section (`part_picks`) among those quoted, at most k in
    all; a piece of a long section is a section of its own here ("how many dives do I have
    and what's my deepest?": two pieces of one "Running totals"). One not yet quoted takes
    the place of the last quoted section no part needs (never the first: the whole
    question's best); where every place is needed, it is left out."""
    out = list(picked)
    needed = {h.chunk.id for h in part_picks}
    for hit in part_picks:
        if any(p.chunk.id == hit.chunk.id for p in out):
            continue
        if len(out) >= k:
            spare = [i for i, p in enumerate(out) if i > 0 and p.chunk.id not in needed]
            if not spare:
                continue
            del out[spare[-1]]
        out.append(hit)
    return out


def by_turns(hits: Sequence[Hit]) -> list[Hit]:
    """Hits taking turns by note, each note's in their order, the notes in the order they
    first come: the days of "What did I work on last week?" were its Monday's three
    sections, the k quotes used up before Tuesday."""
    notes: dict[str, list[Hit]] = {}
    for h in hits:
        notes.setdefault(h.chunk.path, []).append(h)
    rounds = max((len(v) for v in notes.values()), default=0)
    return [v[i] for i in range(rounds) for v in notes.values() if i < len(v)]


def best_piece_first(hits: Sequence[Hit], best: Mapping[int, float]) -> list[Hit]:
    """The hits grouped by section in the order their sections come, each section's pieces
    the one holding its best line (`best`: chunk id -> best line score) first: the date rule
    quotes a section once, by its first piece, and "How much did we spend on groceries in
    January 2024?" quoted the month's closing notes, ranked above the piece with its table."""
    pieces: dict[tuple[str, tuple[str, ...]], list[Hit]] = {}
    for h in hits:
        pieces.setdefault(h.chunk.section, []).append(h)
    return [
        h
        for group in pieces.values()
        for h in sorted(group, key=lambda h: -best.get(h.chunk.id or -1, -2.0))
    ]


def with_dated(
    picked: Sequence[Hit],
    dated: Sequence[Hit],
    k: int,
    other_day: Collection[tuple[str, tuple[str, ...]]] = (),
    day_only: bool = False,
    entries: Collection[int] = (),
) -> list[Hit]:
    """The date rule: sections whose note or heading is the day the question names ("what
    happened on 2024-04-23": `daily/2024-04-23.md`, "## 2024-04-23" in a journal) first, in
    the order given, then the others picked but those of `other_day` (sections of another
    day), at most k in all, each section once. A day's section of nothing but its heading
    ("# Tuesday 2026-12-02" over "## Standup"), or of no line that is evidence (a wiki
    export's breadcrumb, "Engineering / Incidents / 2024-03-12 Billing outage"), is no quote:
    it was cited alone. The day's notes take turns (`by_turns`): a week's days each have
    one before any has two. `day_only`
    (a question of nothing but the day, "what did I do last Wednesday?"): the day's sections
    alone; another note picked beside them matched nothing but the question's words for
    asking ("do", "did"), a failover runbook at 0.19. A piece of a journal kept in one file
    holding the day's entries (chunk ids in `entries`) is quoted beside another piece of the
    same section: the day's two entries fell in two pieces, and one was left out."""
    from assistant.stages.evidence import evidence_lines

    out: list[Hit] = []
    dated = by_turns([h for h in dated if evidence_lines(h.chunk, (), 1)])  # a breadcrumb: none
    others = [] if day_only and dated else [p for p in picked if p.chunk.section not in other_day]

    def key(h: Hit) -> tuple[str, tuple[str, ...]] | int | None:
        return h.chunk.id if h.chunk.id in entries else h.chunk.section

    for h in [*dated, *others]:
        if all(key(o) != key(h) for o in out):
            out.append(h)
    return out[:k]


def companion_floor(top: float, opts: AnswerOptions = DEFAULT_OPTIONS) -> float:
    """How close to the question a further section's best line must be to be quoted beside the
    best one: nearly as close as the best line (`line_margin`), and close in itself
    (`min_companion_line`). In a small folder, or for a weak best line, the margin alone let
    in sections sharing nothing with the question but a faint likeness."""
    return max(top - opts.line_margin, opts.min_companion_line)


def first_floor(top: float, opts: AnswerOptions = DEFAULT_OPTIONS) -> float:
    """How close to the question the first section retrieved must be to be quoted beside the
    best line's: within twice `line_margin` of it, and no less than `min_line`, the least a
    line answering alone needs ("Adding a new printer", 0.23, was quoted first for a question
    about distribution lists)."""
    return max(top - 2 * opts.line_margin, opts.min_line)


PROBLEM_HEADING = re.compile(r"^\W*(symptoms?|problems?|issues?|errors?)\b", re.IGNORECASE)
"""A heading that states a problem ("Symptom", 'Error: "Authentication failed"'): its section
repeats what the user asks, and the sections after it answer."""
ANSWER_HEADING = re.compile(
    r"^\W*(causes?|root cause|fix(es)?|solutions?|resolution|workarounds?|remedy"
    r"|holdings?|held|answers?|conclusions?|rulings?)\b",
    re.IGNORECASE,
)
"""A heading over what answers a problem ("Cause", "Fix", "Workaround"), or a case brief's
"Issue" ("Holding", "Conclusion")."""


def with_answers(
    picked: Sequence[Hit],
    section_best: dict[int, float],
    source: NotesSource,
    k: int,
    opts: AnswerOptions = DEFAULT_OPTIONS,
) -> tuple[list[Hit], list[Hit]]:
    """The problem rule: when the best line's section is headed as a problem ("Symptom",
    'Error: "Authentication failed"'), the sections after it in its note headed as its
    answer ("Cause", "Fix", "Workaround"), beside it or under it, are quoted right after it,
    up to the next problem beside it, at most k in all: "user account locks out every
    morning" quoted the Symptom line that repeats it (0.90) and not the Cause (0.60) and
    Fix (0.46) under the companion floor. Returns the sections to quote and those it added."""
    top = max(section_best.values(), default=None)
    lead = next((h for h in picked if section_best.get(h.chunk.id or -1) == top), None)
    if not opts.problem_answers or lead is None or not lead.chunk.heading_path:
        return list(picked), []
    path = lead.chunk.heading_path
    if not PROBLEM_HEADING.match(path[-1]):
        return list(picked), []
    found: list[Chunk] = []
    for c in source.chunks_after(lead.chunk.path, lead.chunk.start_line, 20):
        if c.heading_path == path:
            continue  # a later piece of the problem's own section
        if not c.heading_path:
            break
        beside = c.heading_path[:-1] == path[:-1]
        if beside and PROBLEM_HEADING.match(c.heading_path[-1]):
            break  # the next problem's
        if (beside or c.heading_path[:-1] == path) and ANSWER_HEADING.match(c.heading_path[-1]):
            found.append(c)
        elif len(c.heading_path) < len(path):
            break  # past the heading the problem is under
    if not found:
        return list(picked), []
    have = {h.chunk.id: h for h in picked}
    answers = [have.get(c.id) or Hit(chunk=c, score=0.0) for c in found if c.id is not None]
    added = [h for h in answers if h.chunk.id not in have]
    rest = [h for h in picked if h is not lead and h not in answers]
    return [lead, *answers, *rest][: max(k, 1)], added


def reading_order(
    hits: Sequence[Hit],
    section_best: dict[int, float] | None = None,
    margin: float | None = None,
) -> list[Hit]:
    """Pieces of one section together, in file order: a long section's pieces picked as lines
    44, 39 and 41-43 read as 39, 41-43, 44. The sections where their best piece ranked, or,
    given `section_best` (the order rule, `best_first`), by their best line, the closest to
    the question first: a note's one-line intro ranked above its "Ingredients" section for
    "carbonara ingredients", though the ingredients held the closer line."""
    groups: dict[tuple[str, tuple[str, ...]], list[Hit]] = {}
    for h in hits:
        groups.setdefault(h.chunk.section, []).append(h)
    order = list(groups.values())
    if section_best is not None:
        best = section_best

        def line(g: list[Hit]) -> float:
            return max(best.get(h.chunk.id or -1, -1.0) for h in g)

        if margin is None:
            order.sort(key=lambda g: -line(g))  # stable
        else:  # the first-margin rule: only a first section far below the best line gives way
            top = max(order, key=line)
            if line(top) - line(order[0]) > margin:
                order = [top, *(g for g in order if g is not top)]
    return [h for g in order for h in sorted(g, key=lambda h: h.chunk.start_line)]


def quote_order(
    hits: Sequence[Hit], section_best: dict[int, float], opts: AnswerOptions, ruled: bool
) -> list[Hit]:
    """The quoted sections' order (`reading_order`): closest line first with `best_first`;
    else retrieval order, the first giving way to the best line's section when it falls
    `first_margin` below it (the first-margin rule), unless a rule put it first (`ruled`)."""
    if opts.best_first:
        return reading_order(hits, section_best)
    if opts.first_margin < 1 and not ruled:
        return reading_order(hits, section_best, opts.first_margin)
    return reading_order(hits)


def leads_in(chunk: Chunk) -> bool:
    """A section whose own text only introduces its subsections: a heading with nothing under
    it, or with one line that introduces what follows (`introduces`: "Manage auto scaling
    using one of the following methods:"), thematic breaks aside; or the last piece of a long
    section that is only such a line ("Follow these steps to check stopped tasks for
    errors\\."). Quoted alone it answers nothing. Its heading line(s) are read from a parse of
    the chunk's own text (the file is not read at this stage), and only for a chunk of at
    most three lines that say something: a heading of one or two lines and one more."""
    lines = chunk.text.split("\n")
    said = [i for i, line in enumerate(lines) if not says_nothing(line)]
    if not chunk.heading_path or len(said) > 3:
        return False
    roles = LineRoles.of(lines, front_matter=False)
    if not roles.is_heading(0):  # a later piece of a long section: no heading line
        return len(said) == 1 and introduces(lines[said[0]])
    body = [i for i in said if not roles.is_heading(i)]
    return not body or (len(body) == 1 and introduces(lines[body[0]]))


def open_lead_ins(source: NotesSource, hits: list[Hit], opts: AnswerOptions) -> list[Hit]:
    """A section that only leads into its subsections ("... using one of the following
    methods:") takes its rank but hands its place to its first `lead_in_parts` subsections:
    those say what it introduces. Retrieval ranks such stubs high (a matching heading,
    little else), and in AWS-style docs they are common. The subsections count as the one
    section they stand for (`Hit.unit`) where the answer weighs the top few: three of them
    taking three places pushed the best match of a personal note out of the lines scored."""
    lead_ins = {h.chunk.id for h in hits if leads_in(h.chunk)}
    if not lead_ins:
        return hits
    retrieved = {h.chunk.id: h for h in hits}
    out: list[Hit] = []
    for h in hits:
        parts: list[Hit] = []
        if h.chunk.id in lead_ins:
            top = h.chunk.heading_path
            after = source.chunks_after(h.chunk.path, h.chunk.start_line, opts.lead_in_parts)
            for c in after:
                if c.heading_path[: len(top)] != top or len(c.heading_path) == len(top):
                    break  # past the section's subsections
                # its ranks, if retrieved on its own too; the lead-in's place either way
                own = retrieved.get(c.id) or Hit(chunk=c, score=h.score)
                parts.append(own.model_copy(update={"score": h.score, "lead_in": h.unit}))
        out.extend(parts or [h])
    # a subsection also retrieved on its own keeps only its first (higher) place
    firsts: dict[int | None, Hit] = {}
    for h in out:
        firsts.setdefault(h.chunk.id, h)
    return list(firsts.values())


def with_keyword_names(
    hits: Sequence[Hit],
    coverage: Sequence[TermInfo],
    question: str,
    common: set[str],
    opts: AnswerOptions = DEFAULT_OPTIONS,
    labels: Callable[[str], str] | None = None,
    sections_total: int = 0,
    beyond: Callable[[Collection[str], Collection[str]], Sequence[Chunk]] | None = None,
) -> tuple[list[Hit], Hit | None]:
    """The keyword-names rule: the section the keyword search ranks first among those
    mentioning every name of the question (`decide.is_name`) the first `evidence_sections`
    sections lack (of its first `HEADING_REACH`), when it is not among those, takes the last
    of their places, so its lines are scored and the names are not said to be missing; and it
    is quoted first (`with_named`). "what's Jamie's shirt number?" was declined, "The
    sections found don't mention Jamie": the squad table, second by keywords, wrote him. A
    terse note ("- SOC2 audit fieldwork Jul 7–18") reads to the model as little and ranked
    fifth; "when is the SOC2 audit fieldwork?" was declined, "The sections found don't
    mention SOC2, fieldwork". Not when a subject word of the question is in no note at all
    ("Azure Container Apps" of AWS docs): no section answers it all, and the rule only kept
    the question from its decline. Where that section is among them already but alone in
    naming those names, it is quoted first too ("what nucleofection program did I use?"
    quoted a day's note that names nothing the question asks, ranked first by meaning, not
    the one note that writes "nucleofection"). A name in `ubiquitous_share` of a folder's
    `sections_total` sections (50 or more) names nothing in particular there ("Dendron" in
    Dendron's notes, left out of a note about hashtags), as for the name rule. Where no
    candidate mentions them all, `beyond` (a keyword search for sections writing the names
    and another of the question's words, best first) finds the section beyond them: "What
    was the reference for my P87 working from home claim?" was declined, "don't mention
    P87", the one section writing it ranked out of the candidates by the eight sections of
    `home-aviva.md`; not one writing the name alone ("the root cause of the January
    outage?" of a release freeze table's "3 January"). Returns the hits and the section it
    moved, if any."""
    from assistant.stages.decide import is_name, reading, ubiquitous
    from assistant.stages.evidence import first_units, terms_in

    n = opts.evidence_sections
    ranked = [h for h in hits if h.lexical_rank is not None]
    if not opts.keyword_names or not ranked:
        return list(hits), None
    subject, names, common = reading(question, coverage, common, opts)
    if not all(t.covered for t in subject):
        return list(hits), None  # a word no note writes: no section answers it all
    first = min(ranked, key=lambda h: h.lexical_rank or 0)
    top = first_units(hits, n)
    asked = [
        t
        for t in subject
        if t.covered
        and is_name(t.term, names, common)
        and not ubiquitous(t, sections_total, opts)  # "dendron" in Dendron's notes
        and not years_in(t.term)  # a year is a day, the date rule's ("tax in 2024?" quoted
        # first a condo's HOA section, "went up from $260 in Jan 2024", as naming "2024")
    ]
    if any(h.unit == first.unit for h in top):  # scored already: first if alone in naming
        alone = (
            bool(asked)
            and {t.term for t in asked} <= terms_in([first], asked, 1, labels)
            and not any(terms_in([h], asked, 1, labels) for h in top if h.unit != first.unit)
        )
        return list(hits), first if alone else None
    if len({h.unit for h in top}) < n:
        return list(hits), None
    lacking = {t.term for t in asked} - terms_in(top, asked, n, labels)
    if not lacking:
        return list(hits), None
    naming = next(  # the keyword search's first section mentioning them all
        (
            h
            for h in sorted(ranked, key=lambda h: h.lexical_rank or 0)[:HEADING_REACH]
            if all(h.unit != t.unit for t in top) and lacking <= terms_in([h], asked, 1, labels)
        ),
        None,
    )
    others = sorted({t.term for t in subject if not t.term.isdigit()} - lacking)
    if naming is None and beyond is not None and others:  # beyond the candidates
        naming = next(
            (
                h
                for h in (Hit(chunk=c, score=0.0) for c in beyond(sorted(lacking), others))
                if all(h.unit != t.unit for t in top) and lacking <= terms_in([h], asked, 1, labels)
            ),
            None,
        )
    if naming is None:
        return list(hits), None
    return _in_last_place([h for h in hits if h.chunk.id != naming.chunk.id], top, naming), naming


def names_together(
    hits: Sequence[Hit],
    coverage: Sequence[TermInfo],
    asked: Collection[str],
    in_top: set[str],
    best: Hit,
    opts: AnswerOptions = DEFAULT_OPTIONS,
    labels: Callable[[str], str] | None = None,
) -> Hit | None:
    """The together rule, over the question's `asked` names (`decide.asked_names`) that the
    top `local_sections` sections mention (`in_top`): when the `best` section (its line
    answers best) lacks some, the first top section mentioning them all is quoted first
    ("progress on O1 in Q1": the Q1 OKRs' "O1" section, not Q2's; "what's the RSU offer from
    Figma?" quoted the Databricks offer, the Figma note being about its interviews). Where
    none does, nothing: "Compare Docker with Podman." asks of two notes (a version that said
    the names the best lacked were missing said "The sections found don't mention Docker"
    over the Docker note's quote)."""
    from assistant.stages.evidence import first_units, terms_in

    wanted = set(asked) & in_top
    joined = opts.split_words
    if not opts.together or not wanted or wanted <= terms_in([best], coverage, 1, labels, joined):
        return None
    for h in first_units(hits, opts.local_sections):
        if wanted <= terms_in([h], coverage, 1, labels, joined):
            return h
    return None


def _in_last_place(hits: Sequence[Hit], top: Sequence[Hit], h: Hit) -> list[Hit]:
    """`hits` with `h` in the last place of the `top` sections (`first_units`): its lines are
    scored with theirs."""
    last = top[-1].unit
    kept = [t for t in top if t.unit != last]
    return [*kept, h, *(t for t in hits if t not in kept and t is not h)]


HEADING_REACH = 10
"""How far down the retrieved sections the heading rule looks for one its headings name."""


def _heading_names(
    hits: Sequence[Hit], terms: Sequence[str], items: Sequence[str] = ()
) -> list[float]:
    """For each hit, 1 if its headings and note name every one of `terms`, else 0; or, where
    the question names `items` (numbered words of a series, "lecture 7", "problem 4"; codes,
    "2.3.1", "INC-2041": `decide.coded`), 0 unless they write each, a number as numbered
    ("Problem set 4 › Problem 4", not "Problem set 4 › Problem 1"): that names the item asked
    about, whatever else the question says ("what was the answer to problem 4?"); then 1
    and one more for each of the terms they name ("ADR-0006 › Status" for "status of ADR 6"
    before the ADR's title section, "[2.0.0] › Changed" for "what changed in 2.0.0"; a code
    other than a series' item may be in its text, the itinerary row of booking "HX-55821"), and a
    hundredth more for each other term its text writes ("The trick: …" of "LC 146 ›
    Approach" for "what's the trick for LC 146?", before its "Difficulty: Medium"). Beside a
    section named so, one whose text alone writes a series' item scores a half more than the
    terms its headings name, so it comes first only where they name more than the item's own
    sections do ("Debian 12 upgrade › What went wrong", whose text says "web-02: network did
    not come back", for "What went wrong on web-02 during the Debian upgrade?", not the host
    list's "## web-02"; "ADR-0009 › Status", superseding ADR-0006, never before "ADR-0006 ›
    Status")."""
    from assistant.stages.decide import numbers_of, writes
    from assistant.stages.evidence import matching_lines, named_as

    labels = [named_as(h.chunk) for h in hits]
    matched = matching_lines(labels, terms)
    if items:  # a code ("HX-55821", "2.3.1") may be written in the text too; a series' item
        written = [  # ("lecture 7", "ADR-0006") names its own sections in their headings,
            all(  # or as a row of a table of its series ("| 16 |" under "| Run | Seed |")
                writes(label, c) or int(n.group(2)) in numbers_of(h.chunk.text, n.group(1))
                if (n := NUMBERED.fullmatch(c))
                else writes(f"{label}\n{h.chunk.text}", c)
                for c in items
            )
            for label, h in zip(labels, hits, strict=True)
        ]
        said = matching_lines([h.chunk.text for h in hits], terms)  # ties: by the text
        beside = any(written)  # a series' item in the text only, beside its own section:
        mentioned = [  # by the other words its headings name
            beside and all(writes(f"{label}\n{h.chunk.text}", c) for c in items)
            for label, h in zip(labels, hits, strict=True)
        ]
        return [
            1 + len(m) + len(t - m) / 100 if w else len(m) + 0.5 if said_too else 0
            for w, said_too, m, t in zip(written, mentioned, matched, said, strict=True)
        ]
    return [int(len(m) == len(terms)) for m in matched]


def _best_named(hits: Sequence[Hit], named: Sequence[float]) -> Hit | None:
    """The first of the `hits` named best (`_heading_names`), if any is named at all."""
    best = max(named, default=0)
    return next((h for h, n in zip(hits, named, strict=True) if n == best), None) if best else None


def _heading_terms(
    coverage: Sequence[TermInfo], opts: AnswerOptions, items: Sequence[str]
) -> list[str] | None:
    """The subject terms the heading rule looks for in headings (`evidence.subject_as_written`),
    or None when the rule is off or they name too little (`evidence.specific`) and the
    question names no item (`_heading_names`)."""
    from assistant.stages.evidence import specific, subject_as_written

    terms = subject_as_written(coverage) or []
    return terms if opts.headings and (items or specific(terms)) else None


def with_heading_scored(
    hits: Sequence[Hit],
    coverage: Sequence[TermInfo],
    opts: AnswerOptions = DEFAULT_OPTIONS,
    items: Sequence[str] = (),
) -> list[Hit]:
    """The heading rule's reach: a section among the first `HEADING_REACH` whose headings and
    note name every subject term (`with_heading`), when none of the first `evidence_sections`
    is so named, takes the last of their places, so its lines are scored and the rule can
    quote it ("What are Ysene's secrets?": `NPCs/Ysène Varlow.md › Secrets` ranked fourth,
    and her manor and guild were quoted)."""
    from assistant.stages.evidence import first_units

    terms = _heading_terms(coverage, opts, items)
    if terms is None:
        return list(hits)
    top = first_units(hits, opts.evidence_sections)
    if len({h.unit for h in top}) < opts.evidence_sections:
        return list(hits)
    reach = hits[:HEADING_REACH]
    named = _heading_names(reach, terms, items)
    best = max(named, default=0)
    if not best or any(n == best for h, n in zip(reach, named, strict=True) if h in top):
        return list(hits)
    h = _best_named(reach, named)
    return _in_last_place(hits, top, h) if h is not None else list(hits)


def writes_codes(chunk: Chunk, codes: Sequence[str]) -> bool:
    """Whether a section writes every one of `codes` (`decide.section_writes`)."""
    from assistant.stages.decide import section_writes

    return bool(codes) and all(section_writes(chunk, c) for c in codes)


def under(chunk: Chunk, above: Chunk) -> bool:
    """Whether `above` is a section of the same note that `chunk` sits under: its properties
    (front matter) or a section whose headings lead to `chunk`'s."""
    if above.path != chunk.path or above.section == chunk.section:
        return False
    return above.properties or (
        0 < len(above.heading_path) < len(chunk.heading_path)
        and chunk.heading_path[: len(above.heading_path)] == above.heading_path
    )


def writes_in_note(
    chunk: Chunk, codes: Sequence[str], around: Sequence[Hit], opts: AnswerOptions
) -> bool:
    """Whether a section writes every one of `codes`, or (`code_notes`) a section of its
    note it sits under, among `around`, does: a note names its rig, cable or model once, at
    its top ("Main run is RG-213" over "## Connectors"; "rig: Icom IC-7300" in its front
    matter over "## FT8"), and what its sections say is of it."""
    if writes_codes(chunk, codes):
        return True
    return opts.code_notes and any(
        under(chunk, h.chunk) and writes_codes(h.chunk, codes) for h in around
    )


def code_first(
    hits: Sequence[Hit], codes: Sequence[str], opts: AnswerOptions, terms: Sequence[str] = ()
) -> Hit | None:
    """The code rule's first quote: the first of the top `evidence_sections` sections writing
    every one of `codes` (`writes_in_note`; a heading over nothing aside, and with
    `code_notes`, a note's properties, which name its subject and answer nothing, unless no
    other section does), the one whose note and headings (`named_as`) name most of the
    question's other `terms`, then one whose headings write the codes: "Who is fixing #412?"
    quoted a roadmap listing "#412" among others before the triage notes' "## #412 …" section,
    but "What went wrong on web-02 during the Debian upgrade?" is "Debian 12 upgrade › What
    went wrong", not the host list's "## web-02"."""
    from assistant.stages.decide import writes
    from assistant.stages.evidence import first_units, matching_lines, named_as

    if not codes:
        return None
    top = [h for h in first_units(hits, opts.evidence_sections) if not leads_in(h.chunk)]
    writing = [h for h in top if writes_in_note(h.chunk, codes, top, opts)]
    sections = [h for h in writing if not (opts.code_notes and h.chunk.properties)] or writing
    if not sections:
        return None
    others = [t for t in terms if not any(writes(t, c) or writes(c, t) for c in codes)]
    named = matching_lines([named_as(h.chunk) for h in sections], others)
    headed = [all(writes(" ".join(h.chunk.heading_path), c) for c in codes) for h in sections]
    best = min(  # "## #412 retry storm" before a roadmap listing "#412" among others
        range(len(sections)), key=lambda i: (-len(named[i]), not headed[i], i)
    )
    return sections[best]


def with_codes(
    picked: Sequence[Hit],
    first: Hit,
    also: Sequence[Hit],
    codes: Sequence[str],
    k: int,
    around: Sequence[Hit] = (),
    opts: AnswerOptions = DEFAULT_OPTIONS,
) -> list[Hit]:
    """The code rule's quotes: `first`, the picked sections writing every one of `codes`
    (`writes_in_note`, of the sections `around`; no section that writes none: "What was issue
    #1423 about?" also quoted a whistleblowing clause), then `also` (`code_sections`); one hit
    per section, at most k."""
    out: list[Hit] = []
    near = [*around, *picked]
    for h in [first, *(p for p in picked if writes_in_note(p.chunk, codes, near, opts)), *also]:
        if all(o.chunk.section != h.chunk.section for o in out):
            out.append(h)
    return out[:k]


def code_sections(
    hits: Sequence[Hit], codes: Sequence[str], found: Sequence[Chunk] = ()
) -> list[Hit]:
    """The other sections the code rule quotes when the question asks about nothing but its
    codes: those writing every one of them among the first `HEADING_REACH` hits, then among
    the keyword search's `found` ("What changed in Orbit 2.4.1?" quoted its "Fixed" list
    alone, not its "Security" one; "What was issue #1423 about?" the config reference, not
    the changelog's entry too). A heading over nothing ("## [2.4.1]" over its "### Fixed")
    says nothing. `with_codes` keeps one hit per section."""
    more = [*hits[:HEADING_REACH], *(Hit(chunk=c, score=0.0) for c in found)]
    return [h for h in more if not leads_in(h.chunk) and writes_codes(h.chunk, codes)]


def with_code_section(
    hits: Sequence[Hit],
    found: Sequence[Chunk],
    codes: Sequence[str],
    opts: AnswerOptions = DEFAULT_OPTIONS,
) -> list[Hit]:
    """The code rule's reach: where none of the first `evidence_sections` writes every one of
    the question's `codes` (`decide.references`: "3.2.2", "#1423"), the first section that
    does, among the first `HEADING_REACH` hits or else among the keyword search's `found`,
    takes the last of their places, so its lines are scored (and the code-line rule quotes the
    line writing it). "What does clause 3.2.2 say?" ranked the handbook's "3.2.2 Approved
    overtime…" fifth, under runbooks of Quill 3.x; "What was issue #1423 about?" put the
    changelog's "(#1423)" fourth, under "Known issues"."""
    from assistant.stages.evidence import first_units

    if not codes:
        return list(hits)
    top = first_units(hits, opts.evidence_sections)
    if any(writes_codes(h.chunk, codes) for h in top):
        return list(hits)
    ids = {h.chunk.id for h in hits}
    near = [h for h in hits[:HEADING_REACH] if writes_codes(h.chunk, codes)]
    far = [Hit(chunk=c, score=0.0) for c in found if c.id not in ids and writes_codes(c, codes)]
    pick = next((h for h in [*near, *far] if not leads_in(h.chunk)), None)
    if pick is None:
        return list(hits)
    if len({h.unit for h in top}) < opts.evidence_sections:
        return [*top, pick, *(h for h in hits if h not in top and h is not pick)]
    return _in_last_place(hits, top, pick)


def with_more_of(
    picked: Sequence[Hit], hits: Sequence[Hit], notes: Collection[str], k: int
) -> list[Hit]:
    """The more rule's sections: after "what else?", the retrieved sections of the `notes`
    the last answer quoted follow the `picked`, in retrieval order, at most k in all, however
    their lines score: they are the rest of the note that answered ("what did the physio
    advise?" quoted the note's first line; "what else?" its "What to do", whose line scored
    0.21)."""
    from assistant.stages.evidence import first_units

    rest = first_units([h for h in hits if h.chunk.path in notes], k)
    return [*picked, *(h for h in rest if h not in picked)][:k]


def with_named(
    picked: Sequence[Hit],
    named: Hit | None,
    k: int,
    best: Mapping[int, float] | None = None,
    floor: float = 0.0,
) -> list[Hit]:
    """The keyword-names rule's section (`with_keyword_names`) quoted first, at most k in all:
    it holds the names the question asks about, which the others lack. With `best` (chunk id
    -> its best line's score), only where that line scores `floor` (`min_line`) or more: "How
    much is the Year 4 residential?" quoted Mia's class and teacher first (her school note is
    headed "Year 4"; its best line 0.20), above the trip list's "Y4 residential … £245"."""
    if named is None or (best is not None and best.get(named.chunk.id or -1, -1.0) < floor):
        return list(picked)
    return [named, *(h for h in picked if h is not named)][:k]


def with_heading(
    picked: Sequence[Hit],
    hits: Sequence[Hit],
    section_best: dict[int, float],
    coverage: Sequence[TermInfo],
    k: int,
    opts: AnswerOptions = DEFAULT_OPTIONS,
    items: Sequence[str] = (),
) -> tuple[list[Hit], Hit | None]:
    """The heading rule: a scored section (among the evidence sections) whose headings and
    note name every subject term of the question, two or more or one with a digit
    (`evidence.specific`: "INC-2041: Checkout outage › Root cause" for "What was the root cause
    of the checkout outage?"; a Zettelkasten's `202306021030.md` for "What is note
    202306021030 about?"; or one writing the numbered item a question names, `_heading_names`),
    is quoted first unless the first picked is so named: its heading says it is what is
    asked, however its lines score (0.35: the outage's summary and "What went well" were
    quoted instead). Returns the sections to quote and the one the rule put first, if any."""
    picked = own_sections(picked, items)
    terms = _heading_terms(coverage, opts, items)
    if terms is None:
        return picked, None
    scored = [h for h in hits if h.chunk.id in section_best and h not in picked]
    named = _heading_names([*picked, *scored], terms, items)
    if named and named[0] and named[0] == max(named):
        h = None  # the first quoted is so named already
    else:
        h = _best_named([*picked, *scored], named)
    if h is None:
        return picked, None
    quoted = with_named(picked, h, k)
    return own_sections(quoted, items), h


def own_sections(hits: Sequence[Hit], items: Sequence[str]) -> list[Hit]:
    """The hits but those of another item of the kind of the `items` the question names
    (`decide.of_another_item`: another ADR's, version's or run's section says nothing of
    this one's; nor does its "Maria" of chapter 3 say what she said of chapter 5), or all of
    them when every one is."""
    from assistant.stages.decide import of_another_item

    if not items:
        return list(hits)
    return [h for h in hits if not of_another_item(h, items)] or list(hits)


def _called(title: str, name: str) -> bool:
    """Whether a note's title is `name` alone ("miso" of `pets/miso.md`): a note of its own."""
    return re.sub(r"[^\w]+", " ", title).strip().lower() == name


def of_siblings(
    hits: Sequence[Hit],
    names: Collection[str],
    opts: AnswerOptions = DEFAULT_OPTIONS,
    asked: Collection[str] = (),
) -> list[Hit]:
    """The sibling-heading rule: where headings side by side (the same note, the same headings
    above), or notes side by side (the same folder, their file names), are told apart by a
    name the question asks about (`decide.names_written`: one of them names it, and no
    section under the others writes it), the sections under the others are another's: "What
    dose of metoprolol does Mum take?" quoted `Medications › Sarah (me)`, found beside
    `Medications › Mum (Maggie)`; "What dose of Apoquel does Miso take?" quoted
    `pets/biscuit.md`, beside `pets/miso.md`. A name the note (or folder) writes across its
    sections tells none apart ("ECS" of `Intro › ECS Service Autoscaling` beside `Intro ›
    Load balancer integration`), nor does an ordinary word ("battery" of `UPS › Battery`
    beside `UPS › Runtime`, which says how long the UPS lasts on it), nor a note's top
    headings, its topics ("Kubernetes" of `Elastic Kubernetes Service - EKS` beside `Intro`,
    whose `Fargate Launch Type` says "serverless"), nor a heading that writes another of the
    question's words (`asked`), which says it is what is asked about ("Which ESP32 pins should
    I avoid?" of `Pins to avoid` beside `ESP32 to peripherals`). Read among the hits alone."""
    from assistant.stages.evidence import matching_lines, named_as

    names = sorted(names)
    if not opts.sibling_headings or not names:
        return []
    groups: dict[tuple[str, ...], list[tuple[Hit, str]]] = {}
    for h in hits:
        path = tuple(h.chunk.heading_path)
        for i in range(1, len(path)):  # a note's own top headings are its topics
            groups.setdefault((h.chunk.path, *path[:i]), []).append((h, path[i]))
        folder = str(PurePosixPath(h.chunk.path).parent)  # a note among its folder's notes
        groups.setdefault(("/", folder), []).append((h, note_title(h.chunk.path)))
    heads = sorted({head for g in groups.values() for _, head in g})
    named = dict(zip(heads, matching_lines(heads, names), strict=True))
    others = sorted(set(asked) - set(names))
    topical = dict(zip(heads, matching_lines(heads, others), strict=True)) if others else {}
    texts: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for h in hits:  # a section's retrieved pieces write what it writes
        texts.setdefault(h.chunk.section, [named_as(h.chunk)]).append(h.chunk.text)
    sections = list(texts)
    said = matching_lines(["\n".join(texts[s]) for s in sections], names)
    writes = dict(zip(sections, said, strict=True))
    out: set[int] = set()  # the hits left out, by identity
    for key, members in groups.items():
        naming = set().union(*(named[head] for _, head in members))
        if key[0] == "/":  # notes of a folder: one named by the name alone ("pets/miso.md")
            apart = {t for t in naming if any(_called(head, t) for _, head in members)}
        else:  # headings: no section under another heading writes the name
            apart = {
                t
                for t in naming
                if not any(
                    t in writes[h.chunk.section] for h, head in members if t not in named[head]
                )
            }
        out |= {
            id(h)
            for h, head in members
            if apart
            and not named[head] & naming
            and not writes[h.chunk.section] & apart
            and not topical.get(head)
        }
    return [h for h in hits if id(h) in out]
