"""Stage: understand the query. Clean it, read a follow-up in the context of the last turn,
and the helpers that write it as the notes do (typos, abbreviations) for retrieval."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

from pydantic import BaseModel

from assistant.errors import UsageError
from assistant.output import ESCAPES, cut
from index.retrieve import NUMBERED, PARTICLE, STOPWORDS, TermInfo, query_terms


class Turn(BaseModel):
    """One earlier exchange, for follow-up questions."""

    question: str
    searched_query: str
    cited: list[tuple[str, tuple[str, ...]]] = []
    """The sections its answer quoted (`Chunk.section`: path, heading path), which "tell me
    more" passes over (`asks_for_more`)."""


MORE_WORDS = frozenset("else other others another further additional continue next rest".split())


def asks_for_more(question: str, history: Sequence[Turn]) -> bool:
    """ "tell me more", "what else?", "anything further?": a follow-up naming nothing but
    that it wants more of the last answer's subject (the more rule: the sections that
    answer quoted are passed over, not quoted again)."""
    return bool(history) and set(query_terms(question)) <= MORE_WORDS


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f]")
_FOLLOW_UP = re.compile(
    r"^\s*(and|also|what about|how about|what of|same for|and for|and in|and with|or)\b", re.I
)
_PRONOUN = re.compile(r"\b(it|its|this|that|they|them|those|these|there|one|ones)\b", re.I)


_MODIFIER = r"(?:ctrl|cmd|alt|shift|opt|option|meta|super|command|control|win|fn|hyper)"
_KEY = r"(?:<[\w-]+>|spc|ret|tab|del|esc|f\d{1,2}|[a-z0-9](?![\w])|[^\w\s<>\"'`])"
_CHORD = (
    rf"(?:(?:[cmsh]|{_MODIFIER})-)+{_KEY}"  # Emacs's "C-x", "M-%", "C-M-f", "Ctrl-a"
    rf"|(?:{_MODIFIER}\+)+(?:[a-z0-9](?![\w])|[a-z]{{2,}}|[^\w\s\"'`])"  # "Ctrl+Shift+P"
    r"|[⌘⌥⇧⌃]+[^\s\"'`]"  # a Mac's "⌘⇧L", "⌘,"
    r"|<(?:leader|localleader|[cmas]-[^>\s]+|cr|esc|tab|space|bs|f\d{1,2})>[^\s\"'`,?]*"  # vim
)
CHORDS = re.compile(rf"(?<![\w+<>-])(?:{_CHORD})(?:[ \t]+(?:{_CHORD}))*(?![\w+-])", re.IGNORECASE)
"""A key chord, or a run of them, as a cheat sheet writes one: "C-x C-e", "M-y",
"Ctrl+Shift+P", "⌘⇧L", "<leader>hs", "<C-w>"; not "C-suite" nor "T-shirt"."""


def chords(question: str) -> list[str]:
    """The question's key chords (`CHORDS`): "What does C-x C-e do?" asks where the notes
    write them, which no word of it names (single letters and symbols are no search term)."""
    return [m.group(0) for m in CHORDS.finditer(question)]


def empty_input(what: str) -> str:
    """The usage error for a question or query `clean_question` leaves empty ("", "   ",
    "???"): `what` is "question" or "query"."""
    return f"the {what} is empty: it has no letter or digit to search for"


def nothing_to_search(what: str, text: str) -> str:
    """The usage error for a question of nothing but question words and pronouns ("when?",
    "what about it?"): with no earlier turn to lean on it asks about nothing, and an answer
    to it would be a guess."""
    return (
        f"the {what} names nothing to search for ({cut(text, 40)!r} is all words such as 'what', "
        "'how' or 'it', or single letters): say what it is about"
    )


def searchable(text: str, what: str, max_chars: int) -> tuple[str, list[str]]:
    """`clean_question`, for a question or query asked on its own (no earlier turn): a
    UsageError if it is empty or names nothing to search for, checked before any indexing."""
    q, notices = clean_question(text, max_chars, what)
    if not q:
        raise UsageError(empty_input(what))
    if not query_terms(q) and not chords(q):  # "What does C-x C-e do?" names its chord
        raise UsageError(nothing_to_search(what, q))
    return q, notices


def clean_question(text: str, max_chars: int, what: str = "question") -> tuple[str, list[str]]:
    """Strip escape sequences, control characters and surrounding space; truncate over-long
    questions (at a word boundary when one is near). A question without a letter or digit
    ("???") is empty: there is nothing to search for (dense search would rank every section
    anyway, and `search` listed ten at random)."""
    notices: list[str] = []
    # Undecodable input bytes (surrogate escapes) and lone surrogates become U+FFFD, then go.
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace").replace("\ufffd", " ")
    q = _CONTROL.sub(" ", ESCAPES.sub(" ", unicodedata.normalize("NFC", text)))
    q = re.sub(r"\s+", " ", q).strip()
    if not re.search(r"[^\W_]", q):
        return "", notices
    if len(q) > max_chars:
        cut = q[:max_chars]
        if q[max_chars].isalnum() and " " in cut[-40:]:
            cut = cut[: cut.rindex(" ")]  # do not leave half a word behind
        q = cut.rstrip()
        notices.append(f"{what} truncated to {max_chars} characters")
    return q, notices


def is_follow_up(question: str) -> bool:
    """A question that leans on the previous turn ("and for Fargate?", "what about EKS?",
    "why?": one that names nothing of its own)."""
    if chords(question):  # "What does C-x C-e do?" names what it asks about
        return False
    if _FOLLOW_UP.match(question) or set(query_terms(question)) <= MORE_WORDS:
        return True
    return len(query_terms(question)) <= 2 and bool(_PRONOUN.search(question))


def contextual_query(
    question: str,
    history: Sequence[Turn],
    subject: Callable[[str, str], str | None] | None = None,
    together: Callable[[str, str], bool] | None = None,
) -> str:
    """The query retrieval should use: a follow-up borrows the previous turn's terms. With
    `subject` (the new-subject rule; `subject(term, text)`: what kind of subject the term
    names in `text`, "name" or "path", or None), a follow-up that names a subject of its own
    asks about it instead of the last one of its kind: "How much salt goes in sourdough?"
    then "and in carbonara?" searches "salt goes carbonara", not "salt goes sourdough
    carbonara"; "What did Sarah from Acme say about pricing?" then "and Globex?" searches
    "say pricing globex", the name replaced and the topic (a note's path holds "pricing")
    kept. Where the last question had no subject of the new one's kind, its subject of the
    other kind is replaced, a name by a word a few notes' paths hold or the reverse: "What
    does Thrall'ek want?" then "and ysene?" (lower-case, named by `NPCs/Ysène Varlow.md`)
    searches "want ysene"; a word of many notes' paths ("topic": "lecture") replaces only a
    topic ("What is Belady's anomaly?" then "which lecture was that in?" keeps "belady"). A
    carried term's kind is read from the questions as the user wrote them: "and Loki?" after
    "Which port does Grafana use?" and "and Prometheus?" searched "prometheus loki", the
    last searched query ("port prometheus") holding no capital. A carried word a note's path
    holds beside the new subject's (`together(a, b)`) names that note with it and stays: "and
    on v2?" after "How do I export all my data?" searched "v2" alone, `data-export-v2.md`
    holding all three."""
    if not history or not is_follow_up(question):
        return question
    prev = history[-1].searched_query
    new_terms = [t for t in query_terms(question) if t not in MORE_WORDS]
    # A numbered item replaces the last one of its word ("what about day 4?" after "…day 3
    # in Kyoto?": "day 4 kyoto"); its word names which item, no new subject.
    items = {m.group(1).lower(): m.group(2) for m in NUMBERED.finditer(question)}
    old = {m.group(2) for m in NUMBERED.finditer(prev) if m.group(1).lower() in items}
    carried = [t for t in query_terms(prev) if t not in new_terms and t not in old]
    if subject is not None:
        kinds = {k for t in new_terms if t not in items and (k := subject(t, question))}
        written = " ".join([*(turn.question for turn in history), prev])  # as the user wrote it
        were = {t: subject(t, written) for t in carried}  # ("Prometheus", searched lower-case)
        specific = {"name", "path"}
        if kinds and kinds <= specific and not kinds & set(were.values()):  # "and ysene?"
            kinds = {k for k in were.values() if k in specific}  # the last one, of either kind
        named = [t for t in new_terms if t not in items and subject(t, question)]
        carried = [
            t
            for t in carried
            if were[t] not in kinds or (together and any(together(t, n) for n in named))
        ]
    return " ".join([*carried, *new_terms]) if new_terms else prev


def correct_spelling(text: str, fixes: dict[str, str]) -> str:
    """`text` with each misspelt word replaced by the notes' word it is closest to."""
    if not fixes:
        return text
    return re.sub(r"[^\W_]+", lambda m: fixes.get(m.group(0).lower(), m.group(0)), text)


def as_notes_write_it(text: str, coverage: Sequence[TermInfo]) -> str:
    """`text` with misspelt words ("fargte") and abbreviations ("lb") as the notes write them:
    what is embedded for dense search. A verb and its particle the notes write as one word
    are that word ("back up my notes" -> "backup my notes"; `TermInfo.joined`)."""
    joined = {t.term: t.near for t in coverage if t.joined and t.near}
    if joined:
        text = PARTICLE.sub(
            lambda m: next(
                (joined[w.lower()] for w in m.group(0).split() if w.lower() in joined), m.group(0)
            ),
            text,
        )
    return correct_spelling(text, {t.term: t.near for t in coverage if t.near and not t.joined})


def lexical_query(coverage: Sequence[TermInfo]) -> str:
    """The BM25 query: each term, or what the notes call it; the most common words only when
    nothing rarer is asked (ranking every section with "aws" in it is slow and tells little)."""
    rare = [t for t in coverage if not t.common]
    if not rare:
        return " ".join(t.near or t.term for t in coverage)
    return " ".join(t.near_rare or t.term for t in rare)


def all_common(coverage: Sequence[TermInfo]) -> bool:
    return bool(coverage) and all(t.common for t in coverage)


_HYPHENATED = re.compile(r"-*[^\W_]+(?:-[^\W_]+)+|[^\W\d_]{1,2}['’][^\W\d_]{3,}")
"""A hyphenated word, an option, or a name joined at an apostrophe ("M'Naghten", "O'Brien";
not "don't", "Harrow's", "they'll": three letters at least after it)."""


def original_words(
    question: str, terms: Sequence[str], fixes: dict[str, str] | None = None
) -> list[str]:
    """Terms as the user wrote them ("daemonset" -> "DaemonSet"), each once, or as `fixes`
    has them: a misspelt word searched as the notes write it is named so ("The sections found
    don't mention retry", not "retyr": that they lack the typo says nothing). A word the user
    wrote only inside a hyphenated one is that whole word: "Your notes don't mention
    display-popup", not "popup" (the question's subject is the tmux command), and a part of
    an option is the option (`--auto-heal-containers`), and a part of a name joined at an
    apostrophe is the name ("M'Naghten", not "Naghten"), and a capital letter is written with
    the word before it ("hepatitis B vaccine schedule" said "Your notes don't mention B")."""
    fixes = fixes or {}
    words = {w.lower(): w for w in re.findall(r"[^\W_]+", question)}
    alone = {w.lower() for w in re.findall(r"(?<![\w'’-])[^\W_]+(?![\w-])", question)}
    for whole in _HYPHENATED.findall(question):
        for part in re.findall(r"[^\W_]+", whole):
            if part.lower() not in alone:
                words.setdefault(f"-{part.lower()}", whole)
    for letter in {t for t in terms if len(t) == 1 and t.isalpha()}:  # "hepatitis B"
        before = re.search(rf"([^\W\d_]{{3,}})\s+{letter.upper()}\b", question)
        if before and before[1].lower() not in STOPWORDS:
            words[letter] = f"{before[1]} {letter.upper()}"
    out = [fixes.get(t) or words.get(f"-{t}", words.get(t, t)) for t in terms]
    return list(dict.fromkeys(out))
