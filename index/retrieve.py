"""Lexical (FTS5 BM25), dense (FAISS) and fused retrieval, plus the query-term lexicon checks.

Fusion is reciprocal-rank fusion: score = sum over retrievers of 1 / (rrf_k + rank), `RRF_K`
unless given. It needs no score calibration between BM25 and cosine, which is why it is the
default.
"""

from __future__ import annotations

import fnmatch
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from itertools import pairwise
from pathlib import PurePosixPath
from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel

from corpus import HEADING_SEP
from corpus.dates import Day, calendar_word, days_in
from index.models import Hit
from index.modes import RRF_K, Mode
from index.store import CJK, Store

DEPTH = 50

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves tell explain describe show give list summarize summarise recap mean means use
    used using get got does
    thing things way ways kind kinds also vs versus much many whats hows across along among
    amongst around behind beside besides beyond within without toward towards upon onto via
    per since though although unless whether either neither instead rather already always
    still yet even ever often usually really actually etc anything something everything
    nothing anyone someone everyone
    dont doesnt didnt isnt arent wasnt werent cant wont shouldnt couldnt wouldnt havent
    hasnt hadnt im ive youre youve theyre thats wheres whens whos""".split()
) | frozenset("何 誰 何時 何処 什么 怎么 怎样 哪里 哪儿 为什么 谁 吗 呢 吧 的 是 了".split())
"""English function words, and Chinese and Japanese question words and particles a question
is read with ("マイナンバーカードで何ができる？" said "Your notes don't mention 何")."""

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_NO_SUBJECT = re.compile(r"\bas well(?: as)?\b|\bet al\b")
"""Words that name no subject: "well" of "with Fargate as well as EC2", "et al." of "What does
Guo et al. say?" (read as names the notes lack)."""
_CONTRACTION = re.compile(r"(?<=[^\W_])(?:n['’]t|['’](?:re|ve|ll|d|m))\b", re.IGNORECASE)
"""A contraction's second word: "doesn't" is "doesnt" (a stopword), "you're" is "you"; not
"doesn" and "t" ("doesn" read as a subject word the notes lack) or "re"."""
_NOTE_SUFFIX = re.compile(r"(?<=[^\W_])\.(?:md|markdown|txt)\b")
"""The suffix of a note's file name in a question ("what does aws-containers.md say"): the
name is asked about, "md" is not (it read as a word the notes lack)."""


_KANA_RUN = re.compile(
    r"[\u3040-\u309f]+|[\u30a0-\u30ff\uff66-\uff9f]+|[^\u3040-\u30ff\uff66-\uff9f]+"
)
"""A run of hiragana, of katakana, or of anything else (kanji, Latin letters)."""


def _words_of(token: str) -> list[str]:
    """A token's words: itself, or for one mixing Japanese scripts ("ゴミの日はいつ", which
    the tokenizer reads as one) its katakana and kanji runs, the hiragana between them left
    out (particles, endings, "いつ"): "ゴミ", "日". A token of hiragana alone stays whole."""
    if not CJK.search(token):
        return [token]
    runs = _KANA_RUN.findall(token)
    kept = [r for r in runs if not re.fullmatch(r"[\u3040-\u309f]+", r)]
    return kept if len(runs) > 1 and kept else [token]


def query_terms(text: str) -> list[str]:
    """Lower-cased content words of a question, in order, without duplicates or stopwords
    (nor `_NO_SUBJECT`'s, while "well" alone may name something: "Well-Architected"; nor a
    note file name's suffix: "x.md" asks about "x"; a Japanese phrase as its words,
    `_words_of`). A capital letter on its own is a word too ("the normal range for K?",
    "the H's and T's", "Plan B"), not "A" or "I", unless "I" is a numeral (`_NUMERAL_I`:
    "meiosis I")."""
    out: list[str] = []
    text = _CONTRACTION.sub(lambda m: "nt" if m[0][0] in "nN" else "", text)
    letters = {m.lower() for m in _LETTER.findall(text)}
    if _NUMERAL_I.search(text):  # "meiosis I", "Type I and Type II": a numeral, no pronoun
        letters.add("i")
    tokens = _TOKEN.findall(_NOTE_SUFFIX.sub(" ", _NO_SUBJECT.sub(" ", text.lower())))
    for t in (w for token in tokens for w in _words_of(token)):
        short = len(t) < 2 and not t.isdigit() and not CJK.match(t) and t not in letters
        if (t in STOPWORDS and t not in letters) or short or t in out:
            continue
        out.append(t)
    return out


_LETTER = re.compile(r"(?<![\w'’.-])([B-HJ-Z])(?=['’]s\b|(?![\w'’.-]))")
"""A capital letter standing alone (a possessive's or plural's "'s" after it aside): "K", "B"."""


_NUMERAL_I = re.compile(
    r"(?<![\w'’.-])(?!(?:" + "|".join(sorted(STOPWORDS, key=len, reverse=True)) + r")\s)"
    r"[^\W\d_]{2,}\s+I(?=\s*(?:[?.!,;:)]|$)|\s+(?:and|or|vs|versus)\b)",
    re.IGNORECASE,
)
"""A capital "I" after a word that is no stopword, ending the question or a phrase of it:
the numeral of "What happens in meiosis I?", "Type I and Type II errors", "World War I",
not the pronoun of "How do I…", "Sarah and I", "the party I went to"."""

_JOINED = re.compile(r"[^\W_]+(?:[-.][^\W_]+)+")
"""Words written joined by "-" or ".": "t-test", "Pi-hole", "2.3.0"."""


def query_phrases(text: str) -> list[str]:
    """The question's joined words as phrases ("t test", "2 3 0"): the tokenizer splits
    "t-test" in the notes as in the question, so only the words' order tells it from "make
    test", and "[2.3.0]" from "2.4.0" ("t" alone is no term, "2" anchors nothing)."""
    out: list[str] = []
    for m in _JOINED.finditer(_NOTE_SUFFIX.sub(" ", text.lower())):
        phrase = " ".join(_TOKEN.findall(m[0]))
        if phrase not in out:
            out.append(phrase)
    return out


def fts_any(store: Store, terms: Sequence[str], phrases: Sequence[str] = ()) -> str:
    """An FTS5 MATCH expression OR-ing the terms and phrases (each quoted, so no FTS syntax
    leaks in; a quoted phrase matches its words side by side), each term searched as the
    notes were found to hold it (`Store.term_query`: its crude-stem prefix where only that
    matches)."""
    return " OR ".join([*(store.term_query(t) for t in terms), *(f'"{p}"' for p in phrases)])


def fts_and(terms: Sequence[str]) -> str:
    """An FTS5 MATCH expression requiring every term."""
    return " AND ".join(f'"{t}"' for t in terms)


_EXPORT_ID = re.compile(r" [0-9a-f]{32}(?=/|\.[^./]+$|$)")
"""The ID a Notion export writes after every page's name ("Meeting Notes 1a2b…(32)/"): a user
names the page as Notion shows it."""


def path_matches(path: str, glob: str) -> bool:
    """Whether `glob` takes the note at `path` (relative to the notes root): `*` also crosses
    `/`, and a plain folder name matches everything below it. A glob with no "/" but at its
    end matches a folder or file name at any depth, as in .gitignore: "Engineering*" takes
    `Acme Wiki 3f2a/Engineering 8e1d/…` (a Notion export nests every page a level down). A
    leading "./" is the notes folder itself ("./git/*" is "git/*", only at the top), as paths
    are given to `read`. Accents match however each side composes them: macOS names files
    decomposed ("Café" as "Cafe" + U+0301). A Notion export's page IDs may be left out
    (`_EXPORT_ID`)."""
    anchored = glob.startswith("./")
    while glob.startswith("./"):
        glob = glob[2:]
    path, glob = unicodedata.normalize("NFC", path), unicodedata.normalize("NFC", glob)
    name = glob.rstrip("/")
    bare = _EXPORT_ID.sub("", path)  # "Meeting Notes" takes "Meeting Notes 1a2b…/" too
    for p in {path, bare}:
        if fnmatch.fnmatchcase(p, glob) or p.startswith(name + "/") or p == glob:
            return True
        if (
            not anchored
            and "/" not in name
            and any(fnmatch.fnmatchcase(part, name) for part in p.split("/"))
        ):
            return True
    return False


def allowed_ids(store: Store, globs: Sequence[str] | None) -> set[int] | None:
    """Chunk ids whose path matches any glob (None means no restriction)."""
    if not globs:
        return None
    keep = [p for p in store.file_rows() if any(path_matches(p, g) for g in globs)]
    return set(store.ids_for_paths(keep))


def unmatched_globs(store: Store, globs: Sequence[str]) -> list[str]:
    """Of `globs`, those that match no indexed note: a search restricted to them finds nothing,
    which the user should hear is their glob's doing, not the notes'."""
    paths = list(store.file_rows()) if globs else []
    return [g for g in globs if not any(path_matches(p, g) for p in paths)]


def retrieve(
    store: Store,
    query: str,
    qvec: np.ndarray | Callable[[], np.ndarray] | None,
    *,
    k: int = 10,
    mode: Mode = "hybrid",
    paths: Sequence[str] | None = None,
    depth: int = DEPTH,
    all_common: bool = False,
    exact: bool = False,
    sections: bool = False,
    line_pool: int = 0,
    line_skip: Callable[[str], bool] | None = None,
    rrf_k: int = RRF_K,
    path_weight: float = 0.0,
    phrases: Sequence[str] = (),
    written: str | None = None,
) -> list[Hit]:
    """Top-k chunks for `query`; with `sections`, one per section (its best piece: a long
    section's pieces all carry its heading path, and would otherwise fill the list). `qvec`
    (the normalised query embedding) is needed unless bm25; it may be a function that waits
    for it, called only after the lexical search, so an embedding computed on another thread
    overlaps BM25.

    `all_common`: every query term is in a large share of the chunks, so ranking every chunk
    that has any of them is slow at 100k chunks (~150 ms) and tells BM25 little. BM25 then
    ranks the chunks having all of them, topped up from those lacking just one (each a few
    ms), and falls back to any of them only when those find nothing; dense search supplies
    the rest of the candidates. `exact` scans every vector even where the
    index is approximate (benchmarks comparing with published figures).

    `path_weight` (hybrid): the candidates' notes ranked by how many query terms their
    paths hold (`rank_by_path`) join the fusion at this weight; and (hybrid, bm25) the notes
    the question names by a word only their path holds (`named_by_path`) rank first among
    the keyword matches.

    `phrases` (`query_phrases`) join the terms in the keyword search that ranks every
    section having any of them. `written`: the question as the user wrote it, whose joined
    numbers ("3.2.2") the path ranking leaves out (`path_terms`; default `query`).

    Fewer than `k` hits among candidates a search filled (one long section's pieces filling
    them: a table of 1,500 rows held every "web server" match, and `search -k 5` gave one
    section) means searching again, four times as deep, until there are `k` or no more."""
    allowed = allowed_ids(store, paths)
    terms = query_terms(query)
    by_path = path_terms(query if written is None else written, terms)
    while True:
        lexical: list[tuple[int, float]] = []
        dense: list[tuple[int, float]] = []
        if mode in ("hybrid", "bm25"):
            tiers: list[str] = []
            if all_common and len(terms) > 1:
                tiers = [fts_and(terms)]
                if len(terms) > 2:  # then the sections lacking one of the terms
                    tiers += [fts_and([u for u in terms if u != t]) for t in terms]
            for fts in tiers:
                if len(lexical) < depth:
                    _top_up(lexical, store.lexical_search(fts, depth, allowed), depth)
            if not tiers or not lexical:
                match = fts_any(store, terms, phrases)
                _top_up(lexical, store.lexical_search(match, depth, allowed), depth)
            if path_weight and (named := named_by_path(store, by_path)):
                ids = [i for i in store.ids_for_paths(named) if allowed is None or i in allowed]
                first = dict.fromkeys(ids[:depth], 0.0)
                lexical = [*first.items(), *(h for h in lexical if h[0] not in first)][:depth]
        if mode in ("hybrid", "dense") and qvec is not None:
            vec = qvec() if callable(qvec) else qvec
            wide = max(depth, line_pool) if mode == "hybrid" else depth  # line retrieval's pool
            dense = store.dense_search(vec, wide, allowed, exact=exact)
        line_rank: dict[int, int] = {}
        if line_pool and mode == "hybrid" and dense:
            line_rank = rank_by_lines(store, lexical, dense[:line_pool], vec, line_skip)
        dense = dense[:depth]
        path_rank: dict[int, int] = {}
        if path_weight and mode == "hybrid":
            pool = dict.fromkeys(
                [*(cid for cid, _ in lexical), *(cid for cid, _ in dense), *line_rank]
            )
            path_rank = rank_by_path(by_path, store.paths_of(list(pool)))

        scores: dict[int, float] = {}
        lex_rank = {cid: r for r, (cid, _) in enumerate(lexical, 1)}
        dense_rank = {cid: r for r, (cid, _) in enumerate(dense, 1)}
        lex_score = dict(lexical)
        dense_score = dict(dense)
        if mode == "bm25":  # in the order found: sections with every common word come first
            ranked = lexical
        else:
            if mode == "dense":
                scores = dict(dense)
            else:
                for weight, ranks in ((1.0, lex_rank), (1.0, dense_rank), (1.0, line_rank),
                                      (path_weight, path_rank)):  # fmt: skip
                    for cid, r in ranks.items():
                        scores[cid] = scores.get(cid, 0.0) + weight / (rrf_k + r)
            ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        hits: list[Hit] = []
        seen: set[tuple[str, tuple[str, ...]]] = set()
        for at in range(0, len(ranked), k):  # usually one batch; more when pieces repeat
            batch = ranked[at : at + k]
            chunks = store.chunks([cid for cid, _ in batch])
            for cid, s in batch:
                if cid not in chunks:
                    continue
                c = chunks[cid]
                if sections:
                    if c.section in seen:
                        continue
                    seen.add(c.section)
                hits.append(
                    Hit(
                        chunk=c,
                        score=s,
                        lexical_rank=lex_rank.get(cid),
                        dense_rank=dense_rank.get(cid),
                        lexical_score=lex_score.get(cid),
                        dense_score=dense_score.get(cid),
                        line_rank=line_rank.get(cid),
                        path_rank=path_rank.get(cid),
                    )
                )
                if len(hits) == k:
                    return hits
            if not sections:
                break
        if len(hits) == k or not (len(lexical) >= depth or len(dense) >= depth):
            return hits
        depth *= 4  # the candidates a search filled held fewer than k sections
        if callable(qvec):  # computed by now
            qvec = qvec()


def rank_by_lines(
    store: Store,
    lexical: Sequence[tuple[int, float]],
    dense: Sequence[tuple[int, float]],
    qvec: np.ndarray,
    skip: Callable[[str], bool] | None = None,
) -> dict[int, int]:
    """Line retrieval: the candidates of both searches (chunk id -> 1-based rank) ranked by
    their best single line's cosine with the question, from the stored line vectors. A long
    section's one vector dilutes the paragraph that answers; its best line does not. Only
    candidates are scored, so the cost stays a few ms; those without stored line vectors
    are not ranked."""
    pool = list(dict.fromkeys([cid for cid, _ in lexical] + [cid for cid, _ in dense]))
    best = store.best_line_scores(pool, qvec, skip)
    ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
    return {cid: r for r, (cid, _) in enumerate(ranked, 1)}


def plain(word: str) -> str:
    """A word without a plural's s, so that "notes" in a question matches "note" in a path,
    nor accents, as BM25 reads words: "ysene" is the "Ysène" of `NPCs/Ysène Varlow.md`."""
    word = fold(word)
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


_PATH_DAY = re.compile(r"(?<!\d)\d{4}[-_.]\d{1,2}[-_.]\d{1,2}(?!\d)")


def path_words(path: str) -> list[str]:
    """The words of a note's path (folders and file name, the suffix dropped), lower-cased:
    `dendron.topic.special-notes.scratch-note.md` is dendron, topic, special, note, scratch,
    note. A day in it (`2024-03-12-churn-review.md`) is no words: its "2024" and "12" are not
    the numbers of "the week of 2024-12-23" (the date rule reads days in paths)."""
    bare = _PATH_DAY.sub(" ", _NOTE_SUFFIX.sub("", path.lower()))
    return [plain(w) for w in _TOKEN.findall(bare)]


def rank_by_path(terms: Sequence[str], paths: dict[int, str]) -> dict[int, int]:
    """Path ranking: chunk id -> 1-based rank among the candidates by the query terms their
    note's path holds (most first; fewer other path words break ties), for candidates whose
    path holds any. A note's file name is a title its author chose
    (`git/cherry-pick-a-range.md`, Dendron's `dendron.topic.lookup.modifiers.md`), often the
    one place its subject is named. Only words in fewer than half the candidates' paths
    count. Candidates that tie share a rank (the pieces of one note always do), so where
    every candidate is in one note nothing moves. Ranked over pieces, not notes: a note with
    several matching pieces pushes the next notes down, as in the other rankings (over
    distinct notes, calibration was a little worse: docs/evaluating.md, "Path ranking")."""
    notes = {p: path_words(p) for p in set(paths.values())}
    if len(notes) < 2:
        return {}
    wanted = {plain(t) for t in terms}
    # A word in half the candidates' paths or more (the AWS docs' "app-runner-developer-guide/"
    # for an App Runner question) tells them apart no more than no word does.
    wanted = {t for t in wanted if 2 * sum(t in words for words in notes.values()) < len(notes)}
    keys: dict[str, tuple[int, int]] = {}
    for path, words in notes.items():
        hits = len(wanted.intersection(words))
        if hits:
            keys[path] = (hits, -sum(w not in wanted for w in words))
    ordered = sorted((keys[p] for p in paths.values() if p in keys), reverse=True)
    rank: dict[tuple[int, int], int] = {}
    for at, key in enumerate(ordered, 1):
        rank.setdefault(key, at)  # ties share the first place they reach
    return {cid: rank[keys[p]] for cid, p in paths.items() if p in keys}


def _top_up(lexical: list[tuple[int, float]], more: list[tuple[int, float]], depth: int) -> None:
    """Append the new hits of `more`, best first (ties by id), until `lexical` holds `depth`."""
    seen = {cid for cid, _ in lexical}
    fresh = sorted((h for h in more if h[0] not in seen), key=lambda h: (-h[1], h[0]))
    lexical += fresh[: depth - len(lexical)]


class TermInfo(BaseModel):
    """How the notes cover one question term."""

    term: str
    chunks: int
    """Chunks containing the term after stemming (0 if none), counted only up to the
    threshold that makes a term `common`."""
    common: bool = False
    """In so many chunks (COMMON_MIN_CHUNKS and COMMON_SHARE) that it barely moves BM25 while
    costing the most to rank: left out of the lexical query when rarer terms are there."""
    near: str | None = None
    """What the notes call it, when the term itself is absent: a word within a small edit
    distance (a typo: "fargte"), or a heading phrase it abbreviates ("lb": "load balancer")."""
    near_rare: str | None = None
    """The words of `near` that are not common: what BM25 searches for the term. None when all
    of them are common (the term then counts as common)."""
    split: bool = False
    """`near` is the term split in two as the notes write it ("wifi" as "wi-fi", from
    "Wi-Fi"; `split_word`), not a typo or an abbreviation."""
    unread: str | None = None
    """A notes word a letter away that the typo-context rule did not read the term as: no
    note writes it beside the question's other names ("tokio" is not "tokyo")."""
    joined: bool = False
    """`near` is the one word the notes write for the term and the word beside it ("back" of
    "back up" as "backup"; `joined_pairs`), not a typo."""
    variant: bool = False
    """`near` is the term as the notes spell it, American or British ("harbor" as
    "harbour"; `spelling_variant`), not a typo."""
    derived: bool = False
    """`near` is the word the term is made of with an ending the stemmer leaves ("mouldy" of
    "mould"; `derived_from`), not a typo."""
    full: tuple[str, ...] = ()
    """The words a clipped word stands for (`CLIPPINGS`: "auth" -> authentication,
    authorization), when the question writes it on its own: a section writing one of them
    mentions the term."""

    @property
    def covered(self) -> bool:
        return self.chunks > 0 or self.near is not None


COMMON_MIN_CHUNKS = 5000
COMMON_SHARE = 0.05


NAME_TYPO_MIN_CHUNKS = 3
"""A word the user capitalised is read as a typo only of a word this many sections use, or
of one it writes with two letters side by side swapped (`swapped`: "Zhnag", "Zhang")."""


CLIPPINGS: dict[str, tuple[str, ...]] = {
    "admin": ("administrator", "administration"),
    "app": ("application",),
    "arg": ("argument",),
    "async": ("asynchronous",),
    "auth": ("authentication", "authorization", "authorisation"),
    "cert": ("certificate",),
    "cmd": ("command",),
    "config": ("configuration",),
    "db": ("database",),
    "dep": ("dependency",),
    "dest": ("destination",),
    "dev": ("development",),
    "dir": ("directory",),
    "docs": ("documentation",),
    "env": ("environment",),
    "func": ("function",),
    "img": ("image",),
    "impl": ("implementation",),
    "info": ("information",),
    "init": ("initialize", "initialise", "initialization", "initialisation"),
    "k8s": ("kubernetes",),
    "lib": ("library",),
    "msg": ("message",),
    "conn": ("connection",),
    "idx": ("index",),
    "repl": ("replication",),
    "txn": ("transaction",),
    "param": ("parameter",),
    "perf": ("performance",),
    "pkg": ("package",),
    "prod": ("production",),
    "regex": ("regular expression",),
    "regexp": ("regular expression",),
    "repo": ("repository",),
    "spec": ("specification",),
    "src": ("source",),
    "temp": ("temperature", "temporary"),
    "tmp": ("temporary",),
    "util": ("utility",),
    "var": ("variable",),
    "nvim": ("neovim",),
    # everyday writing's, as addresses, travel plans and lists write them ("Mt Fuji")
    "appt": ("appointment",),
    "approx": ("approximately",),
    "apt": ("apartment",),
    "ave": ("avenue",),
    "bday": ("birthday",),
    "binocs": ("binoculars",),
    "intro": ("introduction",),
    "mgr": ("manager",),
    "ppl": ("people",),
    "mic": ("microphone",),
    "qty": ("quantity",),
    "specs": ("specifications",),
    "stats": ("statistics",),
    "tbsp": ("tablespoon",),
    "tsp": ("teaspoon",),
    "vet": ("veterinarian",),
    "dept": ("department",),
    "govt": ("government",),
    "mgmt": ("management",),
    "mt": ("mount", "mountain"),
    "mtn": ("mountain",),
    "kcal": ("calorie", "calories"),
    "rd": ("road",),
    "ln": ("lane",),
    "blvd": ("boulevard",),
    "hwy": ("highway",),
    "st": ("street", "saint"),
    "xfmr": ("transformer",),
    "yr": ("year",),
    "yd": ("yard",),
    "hr": ("hour",),
    "mod": ("modification",),
    "sub": ("substitution", "substitute", "subscription"),
    "lang": ("language",),
    "misc": ("miscellaneous",),
    "pic": ("picture",),
    "sched": ("schedule",),
    "rep": ("repetition", "representative"),
    "vol": ("volume",),
    "calc": ("calculation", "calculator"),
    # units, as recipes, logs and tables write them ("1 kg fresh → 120 g dried")
    "kg": ("kilogram", "kilo"),
    "km": ("kilometre", "kilometer"),
    "cm": ("centimetre", "centimeter"),
    "mm": ("millimetre", "millimeter"),
    "ml": ("millilitre", "milliliter"),
    "oz": ("ounce",),
    "ft": ("foot", "feet"),
    "gal": ("gallon",),
    "qt": ("quart",),
    "wk": ("week",),
    # months, as tables and logs abbreviate them ("| Mar 2025 | 347 | £91.12 |"); not "may"
    "jan": ("january",),
    "feb": ("february",),
    "mar": ("march",),
    "apr": ("april",),
    "jun": ("june",),
    "jul": ("july",),
    "aug": ("august",),
    "sep": ("september",),
    "sept": ("september",),
    "oct": ("october",),
    "nov": ("november",),
    "dec": ("december",),
    # weekdays, as meal plans and timetables write them ("| Wed | Ramen |")
    "mon": ("monday",),
    "tue": ("tuesday",),
    "tues": ("tuesday",),
    "wed": ("wednesday",),
    "thu": ("thursday",),
    "thur": ("thursday",),
    "thurs": ("thursday",),
    "fri": ("friday",),
    "sat": ("saturday",),
    "sun": ("sunday",),
}
"""Clipped words of technical writing and the words they stand for: a user asks about "the
repo's auth config" of notes that write "repository", "authentication", "configuration". A
plural ("repos") is read as its singular: the notes are searched with porter stems. Month
names too: "what did we pay for electricity in March 2025?" of a table of "Mar 2025" rows
(and weekdays': "What's for dinner on Wednesday?" of a meal plan's "| Wed | Ramen |");
and everyday writing's: "Which side should I sit on to see Mount Fuji?" of "Mt Fuji is on
the right side" was declined, "Your notes don't mention Mount Fuji"; and units' ("How much
dried weight do I get from a kilo of fresh ceps?" said "The sections found don't mention
kilo" over "1 kg fresh → ~100 g dried")."""


def clipping(word: str) -> tuple[str, ...]:
    """The words `word` stands for if it is a clipping ("repo", or its plural "repos"), else
    (). A month's or weekday's has no plural: "Mars" is no "mar" ("Terraforming Mars")."""
    if found := CLIPPINGS.get(word):
        return found
    single = CLIPPINGS.get(word[:-1], ()) if word.endswith("s") else ()
    return () if single and calendar_word(single[0]) else single


def words_alone(text: str) -> set[str]:
    """The text's words written on their own, lower-cased: not inside an identifier joined by
    "-", "_", "." or "/" ("--link-dest", "auth_token", "src/app", "te-form"), where a word is
    part of a name, which the notes write as such or not at all."""
    return {w.lower() for w in re.findall(r"(?<![\w./-])[^\W_]+(?![\w/]|[-.]\w)", text)}


def clipped_words(text: str) -> set[str]:
    """The `CLIPPINGS` the text writes as words of their own (`words_alone`)."""
    return {w for w in words_alone(text) if clipping(w)}


_T = TypeVar("_T")
_BY_GENERATION: dict[tuple[str, str, str | None], Any] = {}


def _per_generation(store: Store, name: str, build: Callable[[], _T]) -> _T:
    """`build()` once per index generation (`name` tells the readings of the notes' paths
    apart): they change only when a refresh does, and are read on every question."""
    key = (name, str(store.index_dir), store.generation)
    if key not in _BY_GENERATION:
        for old in [k for k in _BY_GENERATION if k[0] == name]:
            del _BY_GENERATION[old]  # one index at a time is usual: keep one
        _BY_GENERATION[key] = build()
    return _BY_GENERATION[key]


def note_path_words(store: Store) -> frozenset[str]:
    """The words of every indexed note's path (`path_words`), kept per index generation."""
    return frozenset(_notes_by_path_word(store))


def _notes_by_path_word(store: Store) -> dict[str, list[str]]:
    """Each word of the indexed notes' paths -> the notes whose path holds it, kept per index
    generation."""

    def build() -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for path, (h, _, _) in store.file_rows().items():
            for w in dict.fromkeys(path_words(path)) if h else ():
                out.setdefault(w, []).append(path)
        return out

    return _per_generation(store, "words", build)


NAMED_BY_PATH = 3
"""Most notes a word only paths hold may name for `named_by_path` to bring them in."""


_IN_COMPOUND = re.compile(r"[^\W_]*\d[^\W_]*(?:[.-][^\W_]+)+")
"""A number joined to others by "." or "-": a version "3.2.2", a clause "4.2.1", "INC-2041"."""


def path_terms(query: str, terms: Sequence[str]) -> list[str]:
    """The query terms a note's path is ranked by: not a bare number the question writes only
    inside a joined one. "What does clause 3.2.2 say?" put `quill-upgrade-3.md` and
    `orbit-upgrade-2x-to-3.md` first by their "3", and the handbook's "3.2 Overtime" out of
    the top ten; "lecture 7" still finds `lecture-07.md`."""
    inside = {t for m in _IN_COMPOUND.finditer(query.lower()) for t in _TOKEN.findall(m[0])}
    loose = set(_TOKEN.findall(_IN_COMPOUND.sub(" ", query.lower())))
    return [t for t in terms if not (t.isdigit() and t in inside and t not in loose)]


_YEAR = re.compile(r"(19|20)\d\d")
"""A year ("2024"), which a note's path and a question write as a date, not as an ID."""


def named_by_path(store: Store, terms: Sequence[str]) -> list[str]:
    """The notes a question names by a word only their path holds: no section writes it, and
    at most `NAMED_BY_PATH` notes' paths do (a Zettelkasten note asked for by the ID that is
    its file name, "What does 202401151030 say?"; "W12" of `2025-W12-retro.md`). Neither
    search could find them: the keyword search reads the notes' text, and the path ranking
    only reorders what the searches found. A word of four digits or more (an ID) names them
    even where sections write it: the notes linking to `[[202306021030]]` ranked first, the
    note itself not at all ("v4" of three til notes on v4 UUIDs is written by others too,
    and names them no more than its other words do). A year is no ID: "the week of 17 June
    2024" named `postmortems/2024-04-vpn-outage.md`, not the rota whose table writes it."""
    by_word = _notes_by_path_word(store)
    out: list[str] = []
    for t in terms:
        paths = by_word.get(plain(t), [])
        an_id = sum(c.isdigit() for c in t) >= 4 and not _YEAR.fullmatch(t)
        if paths and len(paths) <= NAMED_BY_PATH and (an_id or not store.term_count(t, cap=1)):
            out.extend(p for p in paths if p not in out)
    return out


def _heading_texts(store: Store) -> list[str]:
    """Every distinct heading path of the index and every note's file name (its stem), what
    the notes name their sections and notes by; kept per index generation, read once for
    the rules that read them (`numbered_words`, `heading_modifiers`)."""

    def build() -> list[str]:
        return [*store.distinct_headings(), *(PurePosixPath(p).stem for p in store.file_rows())]

    return _per_generation(store, "heading texts", build)


NUMBERED = re.compile(r"(?<![\w.])([^\W\d_]+)[ \t_#-]*0*(\d{1,4})(?![\w.]|-\d)")
"""A word and the number that follows it: "Session 12", "Lecture 01", "week3", "PS #4",
"LC 146"."""
_NUMBER = re.compile(r"\d+$")
_NUMBER_FIRST = re.compile(r"(\d{1,4})[ _-]+[^\W\d_]")
"""A file name that starts with its number in a series: `0002-event-bus.md`, `07 Memory.md`."""


def numbered_words(store: Store) -> dict[str, frozenset[str]]:
    """Words the notes number in series in their headings or file names, written with two
    numbers or more ("Session 12", "Session 13"; `Lecture 01 - Processes.md`, `Lecture 02 …`;
    a folder of files named by number first: `adr/0001-use-postgres.md`, `adr/0002-…`),
    lower-cased without accents, each with its numbers as written there ("01", "02": how a
    question's "lecture 7" is searched, `term_coverage`); kept per index generation. One
    number is a name's ("Python 3"), not a series."""

    def build() -> dict[str, frozenset[str]]:
        seen: dict[str, set[str]] = {}
        for text in _heading_texts(store):
            for m in NUMBERED.finditer(text):
                if m.group(1).lower() not in STOPWORDS:  # "Plans for 2024", "Notes in 2023"
                    seen.setdefault(fold(m.group(1)), set()).add(_NUMBER.search(m.group(0))[0])
        for path in store.file_rows():  # `adr/0002-event-bus.md`: "ADR 2" (adr-tools' layout)
            parts = PurePosixPath(path).parts
            first = _NUMBER_FIRST.match(parts[-1])
            if (
                first
                and len(parts) > 1
                and parts[-2].isalpha()
                and parts[-2].lower() not in STOPWORDS
            ):
                seen.setdefault(fold(parts[-2]), set()).add(first.group(1))
        return {
            w: frozenset(written)
            for w, written in seen.items()
            if len({int(n) for n in written}) >= 2
        }

    return _per_generation(store, "numbered", build)


def heading_modifiers(store: Store) -> dict[str, frozenset[str]]:
    """Each word of the notes' headings and file names -> the words written just before it
    there ("Car insurance", `travel-insurance.md`: insurance -> car, travel), lower-cased, a
    plural's s dropped, function words left out; kept per index generation."""

    def build() -> dict[str, frozenset[str]]:
        out: dict[str, set[str]] = {}
        for text in _heading_texts(store):
            for part in text.split(HEADING_SEP):
                words = [plain(w) for w in _TOKEN.findall(part.lower()) if not w.isdigit()]
                for before, word in pairwise(words):
                    if before not in STOPWORDS:
                        out.setdefault(word, set()).add(before)
        return {w: frozenset(b) for w, b in out.items()}

    return _per_generation(store, "modifiers", build)


def text_modifiers(store: Store, word: str) -> frozenset[str]:
    """The ordinary words the notes' text writes just before `word` ("binary tree", "spanning
    tree": tree -> binary, spanning), written in lower case (not a name: "AWS App Runner"), a
    plural's s dropped, function words left out."""
    return frozenset(
        plain(w) for w in store.words_before(word) if w.islower() and w not in STOPWORDS
    )


def note_days(store: Store) -> dict[str, frozenset[Day]]:
    """The indexed notes whose path names a day (`corpus.dates.days_in`): path -> its days,
    kept per index generation (the date rule reads them for every question naming a day)."""
    return _per_generation(
        store,
        "days",
        lambda: {
            p: frozenset(d) for p, (h, _, _) in store.file_rows().items() if h and (d := days_in(p))
        },
    )


def notes_with_path_word(store: Store, term: str) -> int:
    """How many indexed notes' paths hold `term` (`path_words`)."""
    return len(_notes_by_path_word(store).get(plain(term), []))


def share_a_path(store: Store, a: str, b: str) -> bool:
    """Whether some indexed note's path holds both words (`data-export-v2.md`: "export", "v2")."""
    by_word = _notes_by_path_word(store)
    return bool(set(by_word.get(plain(a), ())) & set(by_word.get(plain(b), ())))


WEB_WORDS = frozenset({"url", "urls", "link", "links", "website", "websites"})
"""What a question calls a web address: the notes mention them where they write one
(`term_coverage`; `assistant.stages.evidence.terms_in` for a section)."""


def term_coverage(
    store: Store,
    terms: Sequence[str],
    known: Callable[[str], bool] | None = None,
    names: Collection[str] = (),
    clipped: Collection[str] = (),
    splits: bool = False,
    unclip: bool = False,
    context: bool = False,
    alone: Collection[str] | None = None,
    joined: Mapping[str, str] | None = None,
    suffixed: bool = False,
    variants: bool = False,
    derived: bool = False,
) -> list[TermInfo]:
    """For each term: how many chunks mention it, or else the closest notes word (typos) or
    the heading phrase it abbreviates.

    With `variants` (the spelling-variant rule), a word the notes never write is read as
    its other spelling, American or British, where they write that (`spelling_variant`:
    "harbor" of "harbour"), before any clipping. With `derived` (the derived-word rule), a
    word out of the model's vocabulary (`known`) the notes never write is read as the word
    it is made of with "-y", "-ish" or "-age" (`derived_from`: "mouldy" of "mould").

    With `suffixed` (the part-suffix rule), a code of letters then digits the notes never
    write is read as the code they write with a letter or two after it (`suffixed_code`: a
    part's package, "LM317" of "LM317T", "NE555" of "NE555P").

    A term `known` to be a correctly spelt word is not corrected: when the notes lack
    "peering" it is absent, not a typo of "pending" (nor "talks" one of "tasks"). Short words
    may still abbreviate a heading phrase ("lb" is a word too). One of the `names` the user
    capitalised is a typo only of a word the notes use often, as written ("Fargte" of
    "fargate"), or of one it swaps two letters of ("Zhnag" of "Zhang", in one note):
    "Nomad" is a name they lack, not a typo of "nomand", itself a typo once in the AWS docs,
    and "Redis" is not "reds", once in til's notes (though "red" is in dozens).
    A `clipped` term (`clipped_words`) the notes never write is read as the full word they
    do ("repo" as "repository"), and carries its full words for the local coverage rule.
    With `splits`, a term the notes never write but hyphenate ("wifi" as "Wi-Fi") is read as
    those two words (`split_word`), before any typo.
    A number the notes write only with leading zeros is read as they write it ("lecture 7"
    of `Lecture 07 - Memory Management.md`; `number_forms`).
    A term no section writes but a note's path does (a folder `k8s/`, a file
    `sourdough.md`) is mentioned once, unless it abbreviates a heading phrase ("csi.md" of
    "Container Storage Interface"): the user named the notes with it, so it is no typo. A
    full word the notes never write ("kubernetes") is read, with `unclip`, as its clipping
    where they write that (`k8s/`, "repo" for "repository"). Only a term of the question's
    `words_alone` (when given) may abbreviate a heading phrase: the "te" of "te-form" is no
    initials of "Tortilla española".
    With `context` (the typo-context rule), a typo is read as the notes' word only where a
    note writes that word beside one of the question's other rare names (capitalised, or
    no ordinary word), when it has any, and the typo changes letters (`substituted`; a letter
    left out, added or two swapped is a slip: "confgure Nginx", "squat wieght"):
    "Which async runtime do I use in Rust, tokio?" is not about "tokyo" of a travel note;
    "How do I make a blockqoute?" names nothing else.
    A term the notes hold only by its crude-stem prefix ("thrasing": "thras"*) is a typo when
    a notes word is that near (`closest_word`: "thrashing"), not a form porter leaves apart
    ("autoscaling" where the notes write "autoscale").
    A word of a verb and its particle the notes never write but write joined (`joined`, from
    `joined_pairs`: "back" of "back up" where they write "backup") is read as that word."""
    out = []
    joined = joined or {}
    common_at = max(COMMON_MIN_CHUNKS, int(COMMON_SHARE * store.chunk_total())) if terms else 0
    paths = note_path_words(store) if terms else frozenset()
    counts = {t: store.term_count(t, cap=common_at) for t in terms}
    for t in terms:  # a web address the notes write is a URL ("What's the staging URL?")
        if not counts[t] and t in WEB_WORDS:
            counts[t] = store.term_count("https", cap=common_at) or store.term_count("http")
    context_names: list[str] | None = None  # read once, and only for a typo that needs them

    def named_(u: str) -> bool:
        """A name the notes write as such (not an ordinary word, "make", nor a typo the
        crude-stem prefix found, "increse"): context for a typo."""
        return (u in names or not (known and known(u))) and store.raw_count(u) > 0

    for at, t in enumerate(terms):
        n = counts[t]
        if n and not (known and known(t)) and store.term_query(t).endswith("*"):
            n = 0 if closest_word(store, t) else n  # "thrasing": "thras"* found "thrashing"
        unread = None
        in_path = not n and plain(t) in paths  # no typo, named by the user's own paths
        typed = not n and not in_path and t not in names and known is not None and not known(t)
        if (typed or (n and t not in names and known and not known(t))) and slip_of_stopword(t):
            continue  # "wht was the xgboost rmse": no subject "wht" for the notes to lack; nor
            # "befor", which the index stems as "before" and so finds ("befor printing")
        near = split_word(store, t) if splits and not n else None
        split = near is not None
        together = not n and near is None and t in joined
        if together:  # "back" of "back up", where the notes write "backup"
            near = joined[t]
        if not split and not together and t.isdigit():  # "lecture 7" of `Lecture 07 - Memory.md`
            near = _number_as_written(store, t, terms[at - 1] if at else "", n, paths)
        if not n and near is None and not split and not in_path and not (known and known(t)):
            near = closest_word(store, t, [*terms[max(0, at - 1) : at], *terms[at + 1 : at + 2]])
            few = NAME_TYPO_MIN_CHUNKS
            if (
                near
                and t in names
                and (store.raw_count(near) < few or damerau_levenshtein(fold(t), fold(near), 2) > 1)
                and not swapped(fold(t), fold(near))
            ):
                near = None  # "Tableau" is no "table", two letters away; "Zhnag" is "Zhang"
            if near and context and substituted(t, near):
                if context_names is None:
                    context_names = [u for u in terms if counts[u] < common_at and named_(u)]
                named = [u for u in context_names if u != t]
                if named and not store.cooccurs(near, named):
                    near, unread = None, near
        absent = not n and near is None and not split and not in_path  # no reading yet
        variant = made = False
        if variants and absent:  # "harbor" of notes writing "harbour"
            near = spelling_variant(store, t)
            variant = near is not None
        if derived and absent and near is None and not (known and known(t)):
            near = derived_from(store, t)  # "mouldy" of notes writing "mould"
            made = near is not None
        full = clipping(t) if t in clipped and not split else ()
        if not n and near is None and full:
            near = next((f for f in full if store.term_count(f, cap=1)), None)
        if suffixed and not n and near is None and not in_path:  # "lm317" of "LM317T"
            near = suffixed_code(store, t)
        if unclip and typed and near is None:
            near = clipped_of(store, t)  # "nitro" of "nitroglycerin"
            full = (near,) if near else full
        if unclip and not n and not in_path and near is None and not full:  # of k8s/ notes
            near = next(
                (
                    c
                    for c, words in CLIPPINGS.items()
                    if t in words or plain(t) in words
                    if c in paths or store.term_count(c, cap=1)
                ),
                None,
            )
            full = (near,) if near else ()  # --explain: "clipping rule: kubernetes: k8s"
        if not n and near is None and 2 <= len(t) <= 4 and t.isalpha() and t in (alone or {t}):
            near = heading_acronyms(store.headings_with_initials(t)).get(t)
        if near is None:
            n = n or int(in_path)
            out.append(TermInfo(term=t, chunks=n, common=n >= common_at, full=full, unread=unread))
            continue
        # "csi" read as "container storage interface": searching "container" as well as
        # "interface" ranks a large share of the sections and tells BM25 little.
        rare = [w for w in near.split() if store.term_count(w, cap=common_at) < common_at]
        near_rare = " ".join(rare) or None
        out.append(
            TermInfo(
                term=t,
                chunks=0,
                near=near,
                near_rare=near_rare,
                common=not rare,
                full=full,
                split=split,
                joined=together,
                variant=variant,
                derived=made,
            )
        )
    return out


def _number_as_written(
    store: Store, number: str, before: str, n: int, paths: Collection[str]
) -> str | None:
    """The form with leading zeros in which the notes write `number`: the form their series
    of `before` writes it in ("ADR 6" of `ADR-0006-auth.md`, though "6" is in other notes),
    or, for a number the notes never write bare, the form they do write."""
    forms = numbered_words(store).get(fold(before), frozenset()) if before else frozenset()
    if forms and number not in forms:
        return next((f for f in number_forms(number) if f in forms), None)
    if n:
        return None
    return next((f for f in number_forms(number) if f in paths or store.raw_count(f)), None)


def substituted(a: str, b: str) -> bool:
    """`b` is `a` with letters changed ("tokio", "tokyo"; "endnote", "enddate"): as often
    another word as a slip, unlike a letter left out or added, or two swapped side by side
    ("confgure", "wieght")."""
    return len(a) == len(b) and a != b and not swapped(a, b)


def swapped(a: str, b: str) -> bool:
    """`b` is `a` with two letters side by side swapped ("wieght", "weight"; "Zhnag",
    "Zhang"): a slip of the fingers, not another word. So a name the user capitalised is
    read as a typo of a notes word this near however rarely the notes write it: an author
    named in one literature note ("what did Zhnag et al show…" was declined, "Your notes
    don't mention Zhnag"), where a letter left out, added or changed may be another name
    ("Nomad" is not "nomand")."""
    if len(a) != len(b):
        return False
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and (a[diff[0]], a[diff[1]]) == (b[diff[1]], b[diff[0]])
    )


_SPACED_CODE = re.compile(
    r"(?<![\w.-])(\d{0,3}[^\W\d_]{1,5})(?:[ \t]+|-(?=\d+(?![.\w-])))(\d+)(?=[.\d]*(?![\w-]))"
)


def abbreviated(store: Store, question: str) -> tuple[str, dict[str, str]]:
    """The abbreviation rule: the question with the abbreviation the notes define for a phrase
    of it written after that phrase, in brackets, and each such phrase with its abbreviation.
    A phrase of two to four words, none a function word, is abbreviated where a line of the
    notes writes it beside its initials in capitals ("| OA | oxalic acid |" in a glossary, "the
    Model Penal Code (MPC)"; a word's own capitals count, "QBO" of "QuickBooks Online"): "How
    do I do the oxalic acid trickle?" was declined, "The sections found don't mention oxalic",
    of a hive log whose "## OA trickle" answers it. Longer phrases first; none the question
    writes abbreviated already."""
    words = list(re.finditer(r"[^\W\d_]+", question))
    asked = {m.group(0).lower() for m in words}
    found: dict[str, str] = {}
    after: dict[int, str] = {}  # the end of each phrase -> its abbreviation
    used: set[int] = set()
    for size in (4, 3, 2):
        for i in range(len(words) - size + 1):
            run = words[i : i + size]
            if used & set(range(i, i + size)) or any(
                m.group(0).lower() in STOPWORDS or len(m.group(0)) < 2 for m in run
            ):
                continue
            abbr = _defined_abbreviation(store, [m.group(0) for m in run], asked)
            if abbr is not None:
                found[" ".join(m.group(0) for m in run)] = abbr
                after[run[-1].end()] = abbr
                used |= set(range(i, i + size))
    if not after:
        return question, {}
    out, last = [], 0
    for end in sorted(after):
        out += [question[last:end], f" ({after[end]})"]
        last = end
    return "".join([*out, question[last:]]), found


MEANING_WORDS = frozenset(
    "mean means meaning meant stand stands definition define defined abbreviation acronym "
    "short note notes".split()
)
"""Words that ask what an abbreviation means ("What does DH mean in my notes?", "what does
BIAB stand for", "definition of DME"), beside it and the question's function words."""
_CAPITALS = re.compile(r"(?<![\w-])([A-Z][A-Z0-9]{1,5})(?![\w-])")


def spelled_out(store: Store, question: str) -> tuple[str, dict[str, str]]:
    """The abbreviation rule read the other way: a question asking only what an abbreviation
    means ("What does DH mean?", "what is BIAB?"), with the phrase a line of the notes writes
    beside it, whose initials it is, after it in brackets; and the abbreviation with that
    phrase. "What does DH mean in my notes?" was declined (best line 0.265) of a folder
    whose README writes "**DH** = dry hop" and whose brew logs write "DH 2 oz Citra" five
    times: the letters alone find the logs, the phrase finds the line that says it."""
    asked = list(_CAPITALS.finditer(question))
    rest = {t for t in query_terms(question) if t not in MEANING_WORDS}
    if len(asked) != 1 or rest - {asked[0][1].lower()} or sum(map(str.isalpha, asked[0][1])) < 2:
        return question, {}
    abbr, end = asked[0][1], asked[0].end()
    for text in store.texts_matching(abbr.lower()):
        for line in text.split("\n"):
            if phrase := _phrase_of(line, abbr):
                return f"{question[:end]} ({phrase}){question[end:]}", {abbr: phrase}
    return question, {}


def _phrase_of(line: str, abbr: str) -> str | None:
    """The words of `line` beside `abbr` whose initials it is ("**DH** = dry hop", "BIAB:
    brew in a bag", "dry malt extract (DME)"), counting function words or not, or None."""
    for m in re.finditer(rf"(?<![\w-]){re.escape(abbr)}(?![\w-])", line):
        after = re.match(r"[\W_]{1,6}?([^\W\d_][\w' -]*)", line[m.end() :])
        before = re.search(r"([\w' -]*[^\W\d_])\s*[(\[]\W{0,2}$", line[: m.start()])
        for words, forward in ((after, True), (before, False)):
            if words is None:
                continue
            run = re.findall(r"[^\W\d_]+", words.group(1))
            for n in range(2, min(len(run), len(abbr) + 4) + 1):
                part = run[:n] if forward else run[-n:]
                if _initials(part, abbr):
                    return " ".join(part)
    return None


def _initials(words: Sequence[str], abbr: str) -> bool:
    """Whether `abbr` is the first letters of `words`, with their function words or without
    them (and a word's own capitals: "QuickBooks Online", QBO), the phrase starting and
    ending on a word of its own."""
    if words[0].lower() in STOPWORDS or words[-1].lower() in STOPWORDS:
        return False
    own = [w for w in words if w.lower() not in STOPWORDS]
    return any(abbr.upper() in _initials_of(kept) for kept in (words, own))


def _initials_of(words: Sequence[str]) -> tuple[str, ...]:
    """The capitals that abbreviate `words`: each word's own capitals after its first letter
    ("QuickBooks Online": QBO), then each word's first letter alone (QO); once if the same."""
    camel = "".join(w[0] + "".join(c for c in w[1:] if c.isupper()) for w in words).upper()
    return tuple(dict.fromkeys((camel, "".join(w[0] for w in words).upper())))


def defines(found: Mapping[str, str]) -> Callable[[str], bool] | None:
    """Whether a line defines one of the abbreviations `abbreviated` found: it writes the
    phrase and its abbreviation ("| OA | oxalic acid |"); None for none found."""
    if not found:
        return None
    tests = [_definition(phrase.split(), abbr) for phrase, abbr in found.items()]
    return lambda line: any(t(line) for t in tests)


def _definition(phrase: Sequence[str], abbr: str) -> Callable[[str], bool]:
    """Whether a line writes `phrase` (any case, any joiner) beside `abbr` in capitals."""
    said = re.compile(r"\W+".join(map(re.escape, phrase)), re.IGNORECASE)
    beside = re.compile(rf"(?<![\w-]){re.escape(abbr)}(?![\w-])")
    return lambda line: bool(said.search(line) and beside.search(line))


def _defined_abbreviation(store: Store, phrase: Sequence[str], asked: set[str]) -> str | None:
    """The capitals a line of the notes writes beside `phrase` that are its initials (each
    word's first letter, or its own capitals), if any and the question does not write them."""
    for abbr in _initials_of(phrase):
        if len(abbr) < 2 or abbr.lower() in asked:
            continue
        query = '"' + " ".join(w.lower() for w in phrase) + '" AND ' + abbr.lower()
        defining = _definition(phrase, abbr)
        for text in store.texts_matching(query):
            if any(defining(line) for line in text.split("\n")):
                return abbr
    return None


def joined_codes(store: Store, question: str) -> str:
    """The question with a word and the number after it joined where the notes write them
    joined and never apart: "what is KR 2.3?" of notes writing "KR2.3" (searched "kr2",
    "3"; "kr" and "2" apart found every other quarter's KR2.1 and KR2.2), a part's number
    written with a hyphen ("DHT-22" of notes writing "DHT22": "Your notes don't mention
    DHT-22" over the DHT22's own section). A number they
    never write after the word is joined too where they join it to others ("KR 4.2" where
    they write KR1.1 to KR3.2): a code of theirs they do not have. A function word is never
    a code's ("when e is 3" of notes holding `Is64BitProcess` searched "is3")."""

    def join(m: re.Match[str]) -> str:
        word, number = m.group(1).lower(), m.group(2)
        if word in STOPWORDS or store.has_phrase((word, number)):
            return m.group(0)
        hyphen = "-" in m.group(0)  # "MO-13" of primers "MO-10" to "MO-12": as the notes write
        if store.raw_count(word + number) or (
            not hyphen and len(word) >= 2 and any(store.raw_terms(word + d) for d in "0123456789")
        ):
            return m.group(1) + number
        return m.group(0)

    return _SPACED_CODE.sub(join, question)


VERB_PARTICLES = ("over", "up", "down", "in", "out", "back", "off")
"""The particles a verb takes ("fail over", "set up", "log in")."""
PARTICLE = re.compile(
    rf"\b([A-Za-z]{{2,}}?)(?:ing|ed|s)?[ \t]+({'|'.join(VERB_PARTICLES)})\b", re.IGNORECASE
)
"""A verb and its particle ("failing over", "set up", "roll back")."""
_JOINED_VERB = re.compile(rf"([a-z]{{2,}}?)({'|'.join(VERB_PARTICLES)})")
"""A verb and its particle written as one word ("login", "setup", "checkout")."""


def joined_words(store: Store, question: str) -> list[str]:
    """The one word the notes write for a verb and its particle in the question, for the
    keyword search: "what should I watch out for before failing over the billing database?"
    of a runbook on "failover" (BM25 found "failing" and nothing of the runbook) searches
    "failover" too; "set up" "setup", "roll back" "rollback". The verb is read without its
    ending ("failing", "rolled") or a doubled letter ("setting")."""
    return list(dict.fromkeys(joined_pairs(store, question).values()))


def joined_pairs(store: Store, question: str) -> dict[str, str]:
    """`joined_words` by the question's words they join (lower-cased: "back" and "up" ->
    "backup"): a word of the pair the notes never write is read as the one word they do
    (`term_coverage`), not said to be missing ("How do I back up my notes?" of notes with
    "Backup:" was declined, "Your notes don't mention back")."""
    out: dict[str, str] = {}
    for m in PARTICLE.finditer(question):
        for verb in dict.fromkeys([m.group(1), m.group(1)[:-1], m.group(0).split()[0]]):
            word = (verb + m.group(2)).lower()
            if len(verb) >= 2 and word not in question.lower() and store.raw_count(word):
                for part in (m.group(0).split()[0], m.group(2)):
                    out.setdefault(part.lower(), word)
                break
    return out


def split_word(store: Store, term: str) -> str | None:
    """The two words the notes join with a hyphen for a word they never write whole: "wifi"
    -> "wi-fi" (from "Wi-Fi"; searched as that phrase), "ebook" -> "e-book". A hyphen spells
    one word two ways; two words apart may name something else ("work tree" is not git's
    "worktree"). Neither may be a stopword; of several splits, the pair the notes write most.
    A ticket's number written whole ("inc2099") splits where its letters end ("INC-2099"),
    and so does a code the notes write with a space ("lc146" of `LC 146 LRU Cache.md`), or a
    number and its unit the notes write apart ("350F" of "350 °F", "1.6kg" of "1.6 kg": "Your
    notes don't mention 6kg"), or thousands written out ("96k" of "$96,000"); a verb and its
    particle written as one ("login", "setup", "checkout") splits into the two words the notes
    write ("log in": "Your notes don't mention login" of "Kevin would log in at /admin"), the
    joined-words rule's other way round; and a part's number the notes hyphenate anywhere
    ("hcsr04" of "HC-SR04", "28byj48" of "28BYJ-48"). None when there is none."""
    ticket = re.fullmatch(r"(\d{0,3}[^\W\d_]{2,})(\d{2,})", term)
    if ticket:
        a, b = ticket.groups()
        found = (
            store.raw_count(a)
            and store.raw_count(b)
            and (store.hyphenated_count(a, b) or store.has_phrase((a, b)))
        )
        if found:
            return f"{a}-{b}"
    unit = re.fullmatch(r"(\d+)([^\W\d_]{1,3})", term)
    if unit:  # a number and its unit written together ("350f", "6kg" of "1.6kg")
        a, b = unit.groups()
        found = store.raw_count(a) and store.raw_count(b) and store.has_phrase((a, b))
        if not found and b == "k" and store.has_phrase((a, "000")):  # "96k" of "$96,000"
            return f"{a},000"
        return f"{a}-{b}" if found else None
    if not term.isalnum() or term.isdigit() or len(term) < 4:
        return None
    verb = _JOINED_VERB.fullmatch(term)
    if verb and verb.group(1) not in STOPWORDS and store.has_phrase(verb.groups()):
        # a verb and its particle the notes write apart: "login" of "Kevin would log in"
        return " ".join(verb.groups())
    best, most = None, 0
    for i in range(1, len(term) - 1):
        a, b = term[:i], term[i:]
        if a in STOPWORDS or b in STOPWORDS or not (store.raw_count(a) and store.raw_count(b)):
            continue
        n = store.hyphenated_count(a, b)
        if n > most:
            best, most = f"{a}-{b}", n
    return best


def heading_acronyms(headings: Iterable[str]) -> dict[str, str]:
    """Initials -> the phrase of 2-4 heading words they abbreviate ("lb" -> "load balancer").

    Only headings are read: they are where notes name things, and there are few of them. When
    several phrases share initials, the most frequent wins (then the first seen)."""
    counts: dict[str, dict[str, int]] = {}
    parts = (part for heading in headings for part in heading.split(HEADING_SEP))
    for part in parts:
        words = [w.lower() for w in re.findall(r"[^\W_]+", part)]
        for size in (2, 3, 4):
            for i in range(len(words) - size + 1):
                run = words[i : i + size]
                if any(w in STOPWORDS for w in run):
                    continue
                key = "".join(w[0] for w in run)
                phrase = " ".join(run)
                by_phrase = counts.setdefault(key, {})
                by_phrase[phrase] = by_phrase.get(phrase, 0) + 1
    return {k: max(v.items(), key=lambda kv: kv[1])[0] for k, v in counts.items()}


def slip_of_stopword(term: str) -> bool:
    """A slip typing one of the question's own words (`_SLIP_STOPWORDS`): one letter left out
    ("wht"), one added, or two neighbours swapped ("waht", "wiht"). Not a letter changed
    (`substituted`): it reads too many names as "what". The caller keeps words of the
    vocabulary ("form") and names the user capitalised."""
    return any(
        damerau_levenshtein(term, stop, 1) == 1 and not substituted(term, stop)
        for stop in _SLIP_STOPWORDS
    )


_SLIP_STOPWORDS = ("what", "which", "where", "when", "does", "that", "this", "there",
                   "their", "these", "those", "have", "from", "about", "with", "would",
                   "could", "should", "before", "after", "because", "between", "without",
                   "during")  # fmt: skip
"""The question's own words, four letters or more: a slip of a shorter one ("hwo", "teh") is
as likely a name the notes lack ("aws" is one from "was")."""


def number_forms(number: str) -> list[str]:
    """The ways notes write a number of one or two digits with leading zeros, up to four
    digits: "7" as "07", "007", "0007" (`ADR-0007`). Not the reverse: "07" of "2026-12-07"
    is no "7" (it was searched as "2026-12-7")."""
    if len(number) > 2 or number.startswith("0"):
        return []
    return ["0" * z + number for z in range(1, 5 - len(number))]


_PART_CODE = re.compile(r"[a-z]+\d+")
"""A part's or model's code, letters then digits: "lm317", "ne555", "esp32"."""


def suffixed_code(store: Store, term: str) -> str | None:
    """The notes word that is `term`, a code of letters then digits (`_PART_CODE`), with one
    or two letters after it (a part's package or grade: "lm317t", "ne555p"), the one the
    notes write most; None for any other term."""
    if not _PART_CODE.fullmatch(term):
        return None
    found = [w for w in store.raw_terms(term) if re.fullmatch(re.escape(term) + r"[a-z]{1,2}", w)]
    return max(found, key=lambda w: (store.raw_count(w), w), default=None)


CLIPPED_MIN = 5
"""Fewest letters a clipped word the notes write in full has (`clipped_of`): "nitro", not
"mara" of "marathon"."""


def clipped_of(store: Store, term: str) -> str | None:
    """The one word the notes write that `term`, no word of the model's vocabulary, begins and
    that is three letters longer or more: the word it clips, as shorthand does ("nitro" of
    "nitroglycerin", "benzo" of "benzodiazepines"; "What are the contraindications for
    nitro?" said "Your notes don't mention nitro" above the card that answers it). None where
    no such word is written, or several are (their plurals aside)."""
    if len(term) < CLIPPED_MIN or not term.isalpha():
        return None
    found = {
        w.removesuffix("s")
        for w in store.raw_terms(term)
        if w.isalpha() and len(w) >= len(term) + 3
    }
    if len(found) != 1:
        return None
    word = found.pop()
    return word if store.raw_count(word) else word + "s"


SPELLINGS: dict[str, str] = {
    "gray": "grey", "tire": "tyre", "aluminum": "aluminium", "mold": "mould",
    "plow": "plough", "jewelry": "jewellery", "pajamas": "pyjamas", "program": "programme",
    "cozy": "cosy", "skeptic": "sceptic", "skeptical": "sceptical", "artifact": "artefact",
    "mustache": "moustache", "curb": "kerb", "sulfur": "sulphur", "yogurt": "yoghurt",
    "whiskey": "whisky", "donut": "doughnut", "airplane": "aeroplane", "math": "maths",
    "inquiry": "enquiry", "judgment": "judgement", "aging": "ageing", "omelet": "omelette",
    "maneuver": "manoeuvre", "ax": "axe",
}  # fmt: skip
"""American and British spellings no pattern of `_SPELLING_PATTERNS` makes."""
_SPELLING_PAIRS = {**SPELLINGS, **{b: a for a, b in SPELLINGS.items()}}  # each way

_OR_ENDING = r"(?=rs?$|r(?:ed|ing|ite|ites|ful|hood|less|ist|ists|able|al)$)"
"""What may follow the "o"/"ou" of -or/-our: "harbor", "colourist", "favorite"."""

_SPELLING_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"(?<=[a-z]{3})o" + _OR_ENDING, "ou"),  # harbor, harbour
    (r"(?<=[a-z]{3})ou" + _OR_ENDING, "o"),
    (r"(?<=[a-z]{3})er(?=s?$)", "re"),  # center, centre; meter, metre
    (r"(?<=[a-z]{3})re(?=s?$)", "er"),
    (r"(?<=[a-z]{2}[iy])z(?=e|ing|ation)", "s"),  # organize, analyze
    (r"(?<=[a-z]{2}[iy])s(?=e|ing|ation)", "z"),
    (r"(?<=[a-z]{3})og(?=s?$)", "ogue"),  # catalog, catalogue
    (r"(?<=[a-z]{3})ogue(?=s?$)", "og"),
    (r"(?<=[a-z]{3}en)s(?=es?$)", "c"),  # license, licence; defense, defence
    (r"(?<=[a-z]{3}en)c(?=es?$)", "s"),
    (r"^([a-z]*[aeiou][a-z]*[aeiou])l(ed|ing|ers?)$", r"\1ll\2"),  # traveled, travelled
    (r"^([a-z]*[aeiou][a-z]*[aeiou])ll(ed|ing|ers?)$", r"\1l\2"),  # not "filled", "filed"
    (r"(?:(?<=[^aeiou])|^)[ao]e(?=[b-df-hj-np-tv-z][a-z])", "e"),  # paediatric, pediatric
)
"""Where American and British spelling differ by a rule: -or/-our, -er/-re, -ize/-ise,
-og/-ogue, -ense/-ence, a doubled "l" before an ending in a word of two syllables or more,
"ae"/"oe" for "e" before a consonant. A stem before each keeps short words apart ("four" is
no "for", "size" no "sise", "canoe" no "cane")."""


def derived_from(store: Store, term: str) -> str | None:
    """The word the notes write that `term` is made of with "-y", "-ish" or "-age", endings
    the porter stemmer leaves on ("mouldy": mould, "fleshy": flesh, "bluish": blue, "muddy":
    mud, "shrinkage": shrink): "how do I stop the wet palette getting mouldy" was declined,
    "don't mention mouldy", of notes writing "no mould", and "B-Mix shrinkage" of "shrink:
    12%". Five letters or more; None when the notes write none."""
    if not term.isalpha() or len(term) < 5:
        return None
    stem = term[:-1] if term.endswith("y") else term[:-3] if term.endswith(("ish", "age")) else ""
    if len(stem) < 3:
        return None
    forms = [stem, stem + "e"] + ([stem[:-1]] if stem[-1] == stem[-2] else [])
    return next((f for f in forms if store.raw_count(f)), None)


def spelling_variant(store: Store, term: str) -> str | None:
    """The notes' spelling of `term`, a word they never write, where the two are American and
    British spellings of one word ("harbor" of notes writing "harbour": "How much is the
    harbor permit?" was declined, "Your notes don't mention harbor", though a British or an
    American may write either, and the model reads both as words): a pair of `SPELLINGS`,
    or a rule of `_SPELLING_PATTERNS`, or "e" written "ae" or "oe" ("anemia", "anaemia").
    The first the notes write, as written or in the plural or singular; None when none is."""
    if not term.isalpha() or (len(term) < 4 and term not in _SPELLING_PAIRS):
        return None
    single = term.removesuffix("s")
    forms = [_SPELLING_PAIRS[term]] if term in _SPELLING_PAIRS else []
    if single != term and single in _SPELLING_PAIRS:
        forms.append(_SPELLING_PAIRS[single] + "s")
    forms += [re.sub(p, r, term, count=1) for p, r in _SPELLING_PATTERNS]
    if len(term) >= 5:  # "anemia" of "anaemia", "estrogen" of "oestrogen"; "pets" no "poets"
        forms += [
            term[:i] + v + term[i + 1 :]
            for i in range(len(term) - 1)
            if term[i] == "e"
            and (i == 0 or term[i - 1] not in "aeiou")
            and term[i + 1] not in "aeiou"
            for v in ("ae", "oe")
        ]
    for form in dict.fromkeys(f for f in forms if f != term):
        for written in (form, form + "s", form.removesuffix("s")):
            if written != term and store.raw_count(written):
                return written
    return None


_TWO_EDITS = 9
"""Fewest letters a word has for a typo of two edits of any kind ("trnsfektion" of
"transfection"); shorter, only two letters left out ("corkage" is no typo of "corsages")."""


def closest_word(store: Store, term: str, beside: Sequence[str] = ()) -> str | None:
    """A vocabulary word within edit distance 1 (2 for words of 7+ letters) that shares the
    term's first two letters, the one the notes write most among equally near ones, unless
    another of them the notes write next to a word `beside` the term in the question ("dc for
    bog fevr": "bog fever", not "fear", which the notes write as often); or else
    the term with two of its first three letters swapped ("lsit" for "list", "cdoe" for
    "code"): a transposition there is as common a typo as any, while other edits that near
    the start read too many names as words ("pnpm" as "npm"). Nor is a word a typo of one it
    differs from only in its last letter, added or changed: that is how words are made from
    words ("systemd" from "system", not a typo of "systems"; "repot" is not "repo"). Nor is
    a word one with two of its letters changed, however long (`_two_letters_changed`:
    "transduction" is another method than "transfection"), nor one two edits away that is
    longer than it: a typo drops letters more than it adds them, and "measles" is not "meals",
    nor "statins" "status"; and of fewer than `_TWO_EDITS` letters, two edits away only for
    two letters left out ("corkage" is not "corsages", a letter changed and one added). Words
    are compared as BM25 matches them, accents aside, and case-folded: "grosse" and "grösse"
    (Swiss German, or a keyboard without ß) are "große"."""
    if len(term) < 4 or term.isdigit():
        return None
    limit = 2 if len(term) >= 7 else 1
    typed = fold(term)
    near = [
        (d, cand)
        for cand in store.raw_terms(term[:2])
        if cand != term
        and abs(len(spelt := fold(cand)) - len(typed)) <= limit  # "große" as "grosse"
        and (spelt == typed or not _last_letter_apart(typed, spelt))
        and (d := damerau_levenshtein(typed, spelt, limit)) <= limit
        and not (d == 2 and (_two_letters_changed(typed, spelt) or len(typed) > len(spelt)))
        and not (d == 2 and len(typed) < _TWO_EDITS and len(spelt) != len(typed) + 2)
    ]
    if near:  # of the nearest, the word the notes write most ("taks": task, not tabs)
        least = min(d for d, _ in near)
        tied = [cand for d, cand in near if d == least]
        if len(tied) > 1 and beside:
            paired = [
                c
                for c in tied
                if any(store.has_phrase(p) for b in beside for p in ((b, c), (c, b)))
            ]
            tied = paired or tied
        return max(tied, key=store.raw_count)
    for swapped in dict.fromkeys(
        (term[1] + term[0] + term[2:], term[0] + term[2] + term[1] + term[3:])
    ):
        if swapped != term and store.raw_count(swapped):
            return swapped
    return None


def _two_letters_changed(a: str, b: str) -> bool:
    """`b` is `a` with two letters changed in place, not swapped: a word of its own more
    often than a slip, which leaves out, adds or swaps a letter, or changes one."""
    return (
        len(a) == len(b)
        and substituted(a, b)
        and sum(x != y for x, y in zip(a, b, strict=True)) == 2
    )


def fold(word: str) -> str:
    """A word case-folded ("ß" as "ss") without its accents, as FTS5's tokenizer drops them."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _last_letter_apart(term: str, word: str) -> bool:
    """`term` is `word` with one letter added at its end, or its last letter changed; not
    its last letter doubled, a slip ("rothh" is "roth")."""
    if term == word + word[-1:]:
        return False
    return term[:-1] == word or (len(term) == len(word) and term[:-1] == word[:-1])


def damerau_levenshtein(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance, stopping early once it exceeds `limit`."""
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]
