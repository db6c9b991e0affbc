"""The `ask --explain` trace of one answer, built from what the stages already computed."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.models import CandidateTrace, Citation, Explain, QuoteTrace
from assistant.options import AnswerOptions
from assistant.output import span_label
from assistant.stages.decide import Decision
from assistant.stages.select import companion_floor, first_floor
from index.models import Hit


def trace(
    decision: Decision,
    best_line: float,
    hits: Sequence[Hit],
    section_best: dict[int, float],
    picked: Sequence[Hit],
    pieces: Sequence[tuple[Citation, list[str]]],
    citations: Sequence[Citation],
    opts: AnswerOptions,
    line_vectors: str = "own",
    parts: Sequence[str] = (),
    dated: Sequence[str] = (),
    passed_over: Sequence[str] = (),
    by_name: str = "",
    headed: str = "",
    together: str = "",
    code_lines: Sequence[str] = (),
    newest: str = "",
    unnamed: Sequence[str] = (),
    coded: str = "",
    beside: Sequence[str] = (),
    unsaid_props: Sequence[str] = (),
    answering: Sequence[str] = (),
    todos: Sequence[str] = (),
    rows: Sequence[str] = (),
    whole: str = "",
) -> Explain:
    """The `--explain` trace of one answer, from what the pipeline already computed.
    `dated`: the sections the date rule put first; `passed_over`: the sections the more rule
    left out (the last answer quoted them); `by_name`: the section the keyword-names rule
    moved up and quoted first; `headed`: the one the heading rule quoted first; `together`:
    the one the together rule quoted first; `code_lines`: the lines the code-line rule
    scored as their section's best; `newest`: the one the latest rule quoted first;
    `unnamed`: those the named-quotes rule left out; `coded`: the one the code rule quoted
    first; `beside`: those the sibling-heading rule left out; `unsaid_props`: the properties
    whose lines the property rule took for no evidence; `answering`: the sections the problem
    rule quoted after the problem they answer; `todos`: the sections whose to-do lines the
    to-do rule took for no evidence; `whole`: the one the whole-line rule quoted first."""
    quoted = {h.chunk.id for h in picked}
    quotes = []
    for c in citations:  # a merged quote carries the rules of every piece inside it
        inside = [
            r
            for q, r in pieces
            if q.path == c.path and c.start_line <= q.start_line and q.end_line <= c.end_line
        ]
        merged = ["merged with a nearby quote of the same section"] if len(inside) > 1 else []
        quotes.append(
            QuoteTrace(
                n=c.n,
                path=c.path,
                start_line=c.start_line,
                end_line=c.end_line,
                rules=[r for rs in inside for r in rs] + merged,
            )
        )
    return Explain(
        decision=_decision_text(decision, best_line, opts)
        + (
            f"; to-do rule: to-do lines of {', '.join(todos)} are no evidence (the question "
            "asks about no to-dos)"
            if todos
            else ""
        ),
        line_score=round(best_line, 4),
        candidates=[
            CandidateTrace(
                path=h.chunk.path,
                heading_path=h.chunk.heading_path,
                start_line=h.chunk.start_line,
                end_line=h.chunk.end_line,
                lexical_rank=h.lexical_rank,
                dense_rank=h.dense_rank,
                line_rank=h.line_rank,
                path_rank=h.path_rank,
                fused_score=round(h.score, 6),
                dense_score=None if h.dense_score is None else round(h.dense_score, 4),
                best_line=None
                if section_best.get(h.chunk.id or -1) is None
                else round(section_best[h.chunk.id or -1], 4),
                quoted=h.chunk.id in quoted,
            )
            for h in hits
        ],
        quotes=quotes,
        selection=(_selection_text(hits, section_best, quoted, opts) if picked else "")
        + (f"; date rule: first the day the question names, {', '.join(dated)}" if dated else "")
        + (
            f"; keyword-names rule: first {by_name}, ranked first by keywords and mentioning "
            "the question's names the top sections lack"
            if by_name
            else ""
        )
        + (
            f"; heading rule: first {headed}, whose headings name every subject word"
            if headed
            else ""
        )
        + (
            f"; whole-line rule: first {whole}, a line of which holds every subject word"
            if whole
            else ""
        )
        + (
            f"; code-line rule: {', '.join(code_lines)} scored as their section's best line, "
            "writing the code the question names"
            if code_lines
            else ""
        )
        + (
            f"; row-label rule: {', '.join(rows)} scored as their section's best line, "
            "their first cell naming only words of the question"
            if rows
            else ""
        )
        + (
            f"; code rule: first {coded}, the top section writing every clause, version, "
            "issue number, key chord or passage the question names (or, the note-context "
            "code rule, under a section of its note, or its properties, that does)"
            if coded
            else ""
        )
        + (
            f"; together rule: first {together}, the top section naming every name the "
            "question asks about, which the best line's section lacks"
            if together
            else ""
        )
        + (
            f"; latest rule: first {newest}, the newest (or oldest) dated section found for a "
            "question about the last (or first) time"
            if newest
            else ""
        )
        + (
            f"; named-quotes rule: left out {', '.join(unnamed)}, writing none of the rare "
            "names the question capitalises that another quoted section writes"
            if unnamed
            else ""
        )
        + (
            f"; sibling-heading rule: left out {', '.join(beside)}, under a heading beside one "
            "naming what the question asks about, which they do not write"
            if beside
            else ""
        )
        + (
            f"; property rule: front-matter lines {', '.join(dict.fromkeys(unsaid_props))} are "
            "no evidence, "
            f"saying nothing of the question without their note's title (< {opts.property_line}"
            ", or a number or code it writes)"
            if unsaid_props
            else ""
        )
        + (
            f"; problem rule: {', '.join(answering)} quoted after the section headed as the "
            "problem they answer"
            if answering
            else ""
        )
        + (
            f"; more rule: passed over what the last answer quoted, {', '.join(passed_over)}"
            if passed_over
            else ""
        ),
        parts=list(parts),
        options=opts.model_dump(),
        line_vectors=(
            f"pooled; the {opts.rescore_lines} best lines re-scored on their own"
            if line_vectors == "pooled" and opts.rescore_lines
            else line_vectors
        ),
    )


def _selection_text(
    hits: Sequence[Hit], section_best: dict[int, float], quoted: set, opts: AnswerOptions
) -> str:
    """The section rule in numbers, and the sections `min_companion_line` kept out."""
    top = max(section_best.values(), default=-1.0)
    floor = companion_floor(top, opts)
    out = (
        f"the best line's section, and any whose best line scores >= {floor:.2f} (within "
        f"line_margin {opts.line_margin} of {top:.2f}, and at least min_companion_line "
        f"{opts.min_companion_line}), and the first one retrieved if its best line scores "
        f">= {first_floor(top, opts):.2f} (within twice line_margin, and at least min_line "
        f"{opts.min_line})" + (", closest first" if opts.best_first else ", in retrieval order")
    )
    kept_out = [
        f"{span_label(h.chunk)} ({best:.2f})"
        for h in hits
        if h.chunk.id not in quoted
        and (best := section_best.get(h.chunk.id or -1)) is not None
        and top - opts.line_margin <= best < opts.min_companion_line
    ]
    if kept_out:
        out += "; left out by min_companion_line: " + ", ".join(kept_out)
    return out


def _decision_text(decision: Decision, best_line: float, opts: AnswerOptions) -> str:
    """The outcome and the rule that decided it, with the local coverage rule's work."""
    elsewhere = [
        t
        for t in decision.elsewhere
        if not (decision.unpriced and t == "price") and t not in decision.unquoted
    ]
    local = (
        f"; local coverage: {', '.join(elsewhere)} in the notes but in none of the "
        f"top {opts.local_sections} sections (headings, text or file paths)"
        if elsewhere
        else ""
    )
    if decision.unquoted:
        local += (
            f"; quoted-notes rule: no quoted note writes {', '.join(decision.unquoted)}, a name "
            "the question asks about"
        )
    if decision.unpriced:
        local += (
            "; price rule: the question asks what a thing it names costs, and the quotes name "
            "it but write no amount of money"
        )
    if decision.other_language:
        local += (
            "; other-language rule: read as a question in another language than English, so "
            "only its words of seven letters or more the notes lack counted as names"
        )
    if decision.siblings:
        local += (
            f"; sibling rule: {', '.join(decision.siblings)} (an ordinary word the notes lack, "
            "before a word their headings, file names or text write after several others) read as "
            "a name"
        )
    if decision.clippings:
        local += f"; clipping rule: {', '.join(decision.clippings)}"
    if decision.abbreviations:
        local += (
            f"; abbreviation rule: {', '.join(decision.abbreviations)} (as a line of the "
            "notes abbreviates it)"
        )
    if decision.splits:
        local += f"; split-word rule: {', '.join(decision.splits)} (as the notes write it)"
    if decision.variants:
        local += f"; spelling-variant rule: {', '.join(decision.variants)} (as the notes spell it)"
    if decision.derived:
        local += f"; derived-word rule: {', '.join(decision.derived)} (the word it is made of)"
    if decision.joined:
        local += f"; joined-words rule: {', '.join(decision.joined)} (as the notes write it)"
    if decision.no_day:
        local += f"; date rule: no note is of {', '.join(decision.no_day)}"
    if decision.unread:
        local += (
            f"; typo-context rule: {', '.join(decision.unread)} (not read as that word: no "
            "note writes it beside the question's other names)"
        )
    if decision.abstain:
        return f"not covered (abstained): {decision.reason}{local}"
    if decision.keywords:
        return (
            "keyword matches: the index's vectors are still being built, so sections were "
            "found by BM25 alone and their lines weighed by the share of the question's terms "
            f"they hold; the vocabulary rule passed{local}"
        )
    passed = (
        f"the best line scores {best_line:.2f} < min_line {opts.min_line}, but a line of a top "
        "section holds every subject term of the question (whole-line rule), or writes every "
        "clause, version, issue number or passage it names (code rule)"
        if decision.whole_line
        else f"the best line scores {best_line:.2f} < min_line {opts.min_line}, but notes of "
        "the day the question names hold its other subject words (date rule)"
        if decision.on_day
        else f"the best line scores {best_line:.2f} < min_line {opts.min_line}, but a section "
        "left is of a note the last answer quoted (more rule)"
        if decision.more
        else f"the best line scores {best_line:.2f} >= min_line {opts.min_line}"
    )
    if decision.compounds:
        local += (
            f"; compound rule: none of the top {opts.local_sections} sections writes "
            f"{', '.join(decision.compounds)}"
        )
    if decision.asked:
        local += (
            f"; asked-noun rule: {', '.join(decision.asked)}, the thing the question asks of a "
            f"name the notes write, is in no note and no top line says it (asked_noun_line "
            f"{opts.asked_noun_line})"
        )
    if decision.asked_here:
        local += (
            f"; asked-noun rule in the sections found: {', '.join(decision.asked_here)}, the "
            f"thing the question asks of a name the notes write, is in other notes but none of "
            f"the top {opts.local_sections} sections, and no top line says it"
        )
    if decision.names:
        covered = (
            "another question it joins uses only words the notes have (clause rule)"
            if decision.clause
            else "another phrase of the question is covered"
        )
        return (
            f"partly covered: {', '.join(decision.names)} missing, but {covered}, and "
            f"{passed}{local}"
        )
    if decision.unsaid:
        local += (
            f"; ordinary-word rule: {', '.join(decision.unsaid)} not in the notes (ordinary "
            "words, not said: the notes may put them otherwise)"
        )
    return f"answered: the vocabulary rule passed, and {passed}{local}"
