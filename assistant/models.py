"""Answers and citations: what `ask --json` prints, what the TUI and eval consume."""

from __future__ import annotations

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
        "from the bundled model; higher is closer."
    )
    changed_since_indexed: bool = False


class Closest(BaseModel):
    """A nearby section offered when the assistant abstains."""

    path: str
    heading_path: list[str]
    start_line: int
    end_line: int
    score: float


class Answer(BaseModel):
    question: str
    searched_query: str = Field(description="What retrieval actually used (after follow-ups).")
    text: str = Field(description="The answer as plain text, quotes included.")
    citations: list[Citation] = Field(default_factory=list)
    abstained: bool = False
    missing_terms: list[str] = Field(
        default_factory=list, description="Question words the notes never mention."
    )
    closest: list[Closest] = Field(default_factory=list)
    reason: str = Field(default="", description="Why the assistant answered or abstained.")
    line_score: float = Field(
        default=-1.0,
        description="Highest cosine (-1..1) between the question and one line of the top "
        "sections: the similarity signal of the abstention rule.",
    )
    timings: dict[str, float] = Field(default_factory=dict, description="Milliseconds per stage.")
    notices: list[str] = Field(
        default_factory=list, description="Things the user should know (stale index, fallbacks)."
    )
