"""Answers and citations: what `ask --json` prints, what the TUI and eval consume."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Citation(BaseModel):
    """One quoted span of one note. `quote` is lines start_line..end_line of the file, verbatim."""

    n: int = Field(description="1-based number shown as [n].")
    path: str = Field(description="Path relative to the notes root.")
    absolute_path: str
    heading_path: list[str]
    start_line: int = Field(description="1-based, inclusive.")
    end_line: int = Field(description="1-based, inclusive.")
    quote: str
    score: float = Field(
        description="Cosine similarity (-1..1) between the question and the cited section, "
        "from the bundled model; higher is closer (0 for keyword matches: no vectors yet)."
    )
    changed_since_indexed: bool = Field(
        default=False, description="The file's lines at this span differ from the indexed text."
    )
    continues_to: int | None = Field(
        default=None,
        description="The last line of the table, list or code block the quote stops inside, "
        "when it goes on past end_line (shown as '(goes on to line N)'); None: the quote ends "
        "where its block does, or is no part of one.",
    )
    excerpt: str | None = Field(
        default=None,
        description="The quote as shown when one of its lines is too long to read whole: the "
        "part that matched, cuts marked with '…' (start_line..end_line stay exact and `quote` "
        "stays whole). None: shown whole.",
    )


class SectionHit(BaseModel):
    """One ranked section of a search (`assistant search --json`, the MCP `search` tool):
    where it is and what it says."""

    rank: int
    path: str = Field(description="Note path relative to the notes folder.")
    absolute_path: str = Field(description="The note's absolute path, to open it.")
    start_line: int = Field(description="First line of the section (1-based).")
    end_line: int = Field(description="Last line of the section (inclusive).")
    heading_path: list[str] = Field(description="Headings from the top of the note down.")
    score: float = Field(description="Fused reciprocal-rank score (higher is better).")
    lexical_rank: int | None = Field(None, description="Rank in BM25 search (None: not found).")
    dense_rank: int | None = Field(None, description="Rank in vector search (None: not found).")
    path_rank: int | None = Field(
        None, description="Rank by the query's words in the note's path (None: none there)."
    )
    cosine: float | None = Field(
        None, description="Cosine similarity of the query and the section (None: not compared)."
    )
    text: str = Field(
        description="The section's text, verbatim: lines start_line..end_line, or, where one "
        "line is longer than the model reads (a pasted blob), the piece of that line this "
        "hit is."
    )


class Closest(BaseModel):
    """A nearby section offered when the assistant abstains."""

    path: str
    heading_path: list[str]
    start_line: int
    end_line: int
    score: float


class CandidateTrace(BaseModel):
    """One retrieved section as the answer weighed it (`ask --explain`)."""

    path: str
    heading_path: list[str]
    start_line: int
    end_line: int
    lexical_rank: int | None = Field(description="Rank in BM25 (FTS5), None if not retrieved.")
    dense_rank: int | None = Field(description="Rank in the vector search, None if not retrieved.")
    line_rank: int | None = Field(
        default=None,
        description="Rank by the best single line's cosine (line retrieval, option line_pool), "
        "None if not ranked so.",
    )
    path_rank: int | None = Field(
        default=None,
        description="Rank of its note by the question's words in its path (option "
        "path_weight), None if its path holds none of them.",
    )
    fused_score: float = Field(description="Reciprocal-rank fusion of the ranks.")
    dense_score: float | None = Field(description="Cosine of the question and the section.")
    best_line: float | None = Field(
        description="Highest cosine of the question and one line of it (None: not scored)."
    )
    quoted: bool = False


class QuoteTrace(BaseModel):
    """Why a quote starts and ends where it does: the rules that moved its span, in order."""

    n: int
    path: str
    start_line: int
    end_line: int
    rules: list[str]


class Explain(BaseModel):
    """How an answer was reached: the candidates, the decision, each quote's rules, the options."""

    decision: str = Field(description="answered or abstained, with the rule that decided.")
    line_score: float
    candidates: list[CandidateTrace]
    quotes: list[QuoteTrace]
    selection: str = Field(
        default="",
        description="Which sections were quoted and why: the best line's section, and those "
        "whose best line clears the companion floor (`line_margin`, `min_companion_line`), "
        "naming any the floor's `min_companion_line` part left out.",
    )
    parts: list[str] = Field(
        default_factory=list,
        description="Parts rule: for a question joining questions of its own, what each part "
        "found searched on its own (the section whose best line answers it, with that score), "
        "or why it was not searched.",
    )
    options: dict[str, float | int | bool]
    line_vectors: str = Field(
        default="own",
        description="What the line scores came from: own (each line embedded on its own), "
        "mixed (short lines on their own, long ones from their section's pass), pooled (from "
        "its section's pass; the `rescore_lines` best embedded on their own), or none "
        "(keyword matches: shares of the question's terms).",
    )


Outcome = Literal["answered", "partly_covered", "not_covered", "keyword_matches"]
Confidence = Literal["high", "medium", "low"]


class Answer(BaseModel):
    """One answer: what `ask --json` prints (README, "Answers and exit codes")."""

    question: str
    searched_query: str = Field(description="What retrieval actually used (after follow-ups).")
    text: str = Field(description="The answer as plain text, quotes included.")
    citations: list[Citation] = Field(default_factory=list)
    outcome: Outcome = Field(
        default="answered",
        description="answered: the quotes answer it; partly_covered: the quotes answer part of "
        "it and `missing_terms` names what the notes lack; not_covered: not in the notes "
        "(no quotes; `closest` lists the nearest sections, which are not answers); "
        "keyword_matches: the index is still being built (a first build's keyword preview), "
        "so the quotes come from sections that contain the question's words, not yet checked "
        "for meaning.",
    )
    confidence: Confidence = Field(
        default="medium",
        description="high: answered, and a line of the notes is close to the question "
        "(cosine >= 0.5); medium: answered less closely, or partly covered; low: not covered, "
        "or keyword matches.",
    )
    abstained: bool = Field(default=False, description="outcome == 'not_covered'.")
    missing_terms: list[str] = Field(
        default_factory=list,
        description="Subject words of the question the notes never mention (after stemming, "
        "allowing for typos), and names (a capitalised word, or one that is not ordinary "
        "English) they mention only in sections that do not answer it (`missing_elsewhere`). "
        "A missing name makes the outcome partly_covered; an ordinary word does not.",
    )
    missing_elsewhere: list[str] = Field(
        default_factory=list,
        description="Of `missing_terms`, those the notes use elsewhere, in no section the "
        "answer could quote.",
    )
    closest: list[Closest] = Field(default_factory=list)
    passed_over: list[str] = Field(
        default_factory=list,
        description="A follow-up asking only for more ('tell me more'): the sections the last "
        "answer quoted, passed over (path › heading path). Not covered then means nothing "
        "further, not nothing at all.",
    )
    reason: str = Field(default="", description="Why the assistant answered or abstained.")
    line_score: float = Field(
        default=-1.0,
        description="Highest cosine (-1..1) between the question and one line of the top "
        "sections: the similarity signal of the abstention rule (-1: not computed, as for "
        "keyword matches).",
    )
    timings: dict[str, float] = Field(default_factory=dict, description="Milliseconds per stage.")
    notices: list[str] = Field(
        default_factory=list, description="Things the user should know (stale index, fallbacks)."
    )
    explain: Explain | None = Field(
        default=None, description="The trace behind the answer, when asked for (`--explain`)."
    )
