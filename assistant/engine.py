"""The assistant's public API: one object per notes folder that the CLI, the TUI and eval share.

It decides which notes and index to use, keeps the index fresh (building a missing one,
refreshing a stale one, repairing a broken one), retrieves, and composes answers.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import numpy as np

from assistant import examples, follow, paths
from assistant.embedders import Embedders, Embedding, timed
from assistant.errors import EngineError, UsageError
from assistant.models import Answer, Citation, SectionHit
from assistant.options import AnswerOptions
from assistant.output import cut, safe, span_label
from assistant.settings import Mode, Settings, check_model_folder
from assistant.stages import dates, decide, evidence, render, select, shape
from assistant.stages.explain import trace as explain_trace
from assistant.stages.query import (
    Turn,
    all_common,
    as_notes_write_it,
    asks_for_more,
    chords,
    clean_question,
    contextual_query,
    empty_input,
    lexical_query,
    nothing_to_search,
    original_words,
)
from corpus import BUNDLED_NOTES, HEADING_SEP
from corpus.dates import Day, any_same_day, is_day_name, names_day, names_other_day
from corpus.markdown import only_links
from corpus.models import Chunk
from corpus.scan import IGNORE_FILE, NotesMissing
from index import keywords, lifecycle
from index.embed import Embedder
from index.models import Hit, IndexInfo, Skipped, SyncReport
from index.retrieve import (
    NAMED_BY_PATH,
    TermInfo,
    abbreviated,
    allowed_ids,
    defines,
    heading_modifiers,
    joined_codes,
    joined_pairs,
    joined_words,
    note_days,
    notes_with_path_word,
    numbered_words,
    path_matches,
    query_phrases,
    query_terms,
    retrieve,
    share_a_path,
    spelled_out,
    term_coverage,
    text_modifiers,
    unmatched_globs,
    words_alone,
)
from index.store import (
    LOCK_NAME,
    IndexError_,
    IndexReadOnly,
    Store,
    read_manifest,
    read_only_reason,
)
from index.sync import LINE_KIND, IndexBusy, manifest_problem, sync, wipe, writer_lock

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): the stages of `index.sync.SyncProgress`, and "model" (0, 0)
when a refresh loads the index model first."""
OVERLAP_MIN_CHUNKS = 5_000
"""Sections from which the question is embedded on a second thread (see `_read_query`)."""
DATED_MOST = 5
"""Notes the date rule reads beyond the hits: a question's day names one daily note or a few."""
DAILY_NOTES_MIN = 3
"""Notes named by a day alone that make a folder one of daily notes (the date rule)."""


class Engine:
    """A notes folder, its index and the models, opened lazily."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        options: AnswerOptions | None = None,
    ) -> None:
        """`options`: every threshold and switch of answer composition (default: calibrated)."""
        self.settings = settings
        self.options = options or AnswerOptions()
        root = settings.notes or BUNDLED_NOTES
        root = Path(root).expanduser()
        if not root.exists():
            raise UsageError(f"notes folder {root} does not exist")
        if not (root.is_dir() or root.is_file()):
            raise UsageError(f"notes path {root} is not a folder or a file")
        self.notes_root = root.resolve()
        self.index_dir = (
            Path(settings.index).expanduser() if settings.index else paths.default_index_dir(root)
        )
        self.models = Embedders(settings, embedder)
        self._store: Store | None = None
        self.notices: list[str] = []
        self.unread_now: list[Skipped] = []
        """What the last freshness check's scan could not read (an unreadable folder)."""
        self._executor: ThreadPoolExecutor | None = None

    def twin(self) -> Engine:
        """Another engine over the same notes, index, settings and options, for another thread
        (the chat's live refresh): it opens its own SQLite connection and shares this engine's
        models, so a model either engine loaded is not loaded again (nothing is loaded here)."""
        twin = Engine(self.settings, options=self.options)
        twin.notes_root, twin.index_dir = self.notes_root, self.index_dir
        twin.models = self.models
        return twin

    # ---------------------------------------------------------------- models
    def index_embedder(self) -> Embedder:
        return self.models.index_embedder()

    def query_embedder(self) -> Embedder:
        return self.models.query_embedder()

    def model_id(self) -> str:
        """The configured model's identity, without loading it."""
        return self.models.model_id()

    def common_words(self) -> set[str]:
        return self.models.common_words()

    def _common(self, question: str) -> set[str]:
        """The ordinary words, as `question` reads them: with the clipping rule, a clipping of
        ordinary words ("temp") is one too, so its lack names nothing; and so is a misspelt
        ordinary word ("refernce", `decide.misspelt_ordinary`)."""
        common = self.common_words()
        if self.options.clippings:
            common = common | decide.ordinary_clippings(common, decide.clippings_asked(question))
        return common | decide.misspelt_ordinary(question, common)

    def coverage(self, text: str) -> list[TermInfo]:
        """The question's terms read against the notes (counts, typos, abbreviations, clipped
        words). A word the user capitalised is a name: a typo only of a word the notes use
        often."""
        clipped = decide.clippings_asked(text) if self.options.clippings else ()
        return term_coverage(
            self.store(),
            query_terms(text),
            self.models.spelt_right,
            decide.names_in(text, first=True),
            clipped,
            self.options.split_words,
            unclip=self.options.clippings,
            context=self.options.typo_context,
            alone=words_alone(text),
            joined=joined_pairs(self.store(), text) if self.options.joined_words else None,
            suffixed=self.options.part_suffixes,
            variants=self.options.spelling_variants,
            derived=self.options.derived_words,
        )

    # ---------------------------------------------------------------- index lifecycle
    def store(self) -> Store:
        """The index's database; while a first build has written only its keyword preview
        (index/keywords.py), the preview (`Store.keywords_only`). A preview held open is let go
        once the build's manifest exists: the preview then describes a build that has ended."""
        if self._store is not None and self._store.keywords_only and read_manifest(self.index_dir):
            self.close()
        if self._store is None:
            self._store = keywords.open_preview(self.index_dir)
        if self._store is None:
            try:
                self._store = Store.open(self.index_dir, create=False)
            except IndexError_ as e:
                raise EngineError(str(e)) from e
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def stale_reason(self) -> str | None:
        """Why the index must be (re)built before answering, or None if it is fresh.
        Raises UsageError if the notes folder itself is gone (renamed, unmounted)."""
        self.unread_now = []
        with _notes_present():
            return lifecycle.stale_reason(
                self.index_dir,
                self.notes_root,
                self.model_id(),
                self.store,
                self.models.precision(),
                self.unread_now,
            )

    def refresh(
        self,
        progress: Progress | None = None,
        wait: bool = True,
        export: bool = True,
        lines: bool = True,
        verify: bool = False,
    ) -> SyncReport:
        """Build or update the index (takes the write lock; raises IndexBusy if wait=False).

        With `export`, the ONNX model `ask` uses is exported first if missing (once per model;
        about a second for a BERT, written from its weights), before a bf16 build loads torch,
        so the two never stack in memory; an fp32 build embeds with that export itself
        (docs/evaluating.md, "First index: time and memory"). The TUI passes False and calls
        `export_query_model` in the background.
        `lines=False` skips the single-line vectors that only `ask` uses (retrieval benchmarks).
        `verify` re-checks the whole database first (`assistant index` does; an automatic
        refresh trusts an index the last run closed cleanly, and verifies after a crash).
        """
        self.close()
        # A model folder that is not there is said before the lock file is made (a first
        # build would leave one behind in a new index folder).
        check_model_folder(self.settings)
        try:
            # Lock first: a busy index is reported at once, before loading the model.
            with writer_lock(self.index_dir, timeout=-1 if wait else 0):
                if export:
                    self.export_query_model()
                # Loading takes seconds, once: say so rather than leave the last stage shown.
                # A bf16 model loads only if something is to be embedded (DeferredEmbedder).
                announce = (lambda: progress("model", 0, 0)) if progress is not None else None
                embedder = self.models.index_embedder(defer=True, on_load=announce)
                with _notes_present():
                    report = sync(
                        self.index_dir,
                        self.notes_root,
                        embedder,
                        progress=progress,
                        lines=lines,
                        verify=verify,
                        line_vectors=self.settings.line_vectors,
                        keywords_min=keywords.KEYWORDS_MIN_SECTIONS,
                        precision=self.models.precision(),
                    )
        except IndexError_ as e:
            raise EngineError(str(e)) from e
        return report

    def export_query_model(self) -> None:
        self.models.export_query_model()

    def ensure_ready(
        self, progress: Progress | None = None, export: bool = True, lines: bool = True
    ) -> SyncReport | None:
        """Make the index answerable: build if missing, refresh if stale, never wait on a lock.
        `lines=False` leaves the line vectors to a later refresh (the chat's live notes do
        them in the background; answers meanwhile embed the lines they need)."""
        reason = self.stale_reason()
        if reason is None:
            reason = self._vector_file_problem()
        if reason is None:
            return None
        try:
            report = self.refresh(progress=progress, wait=False, export=export, lines=lines)
        except IndexBusy:
            if read_manifest(self.index_dir) is None:
                if self.previewing():
                    self.notices.append(
                        "the index is being built by another process: keyword matches until "
                        "it is ready"
                    )
                    return None
                raise EngineError(
                    "the index is being built by another assistant process; try again shortly"
                ) from None
            self.notices.append(
                "a refresh is running in another process; answering from the last index"
            )
            return None
        except EngineError as e:  # a read-only folder can still be read, if only notes moved on
            if not isinstance(e.__cause__, IndexReadOnly) or not self._servable():
                raise
            self.notices.append(
                f"the index could not be refreshed ({reason}): {e}; answering from the last "
                "consistent index"
            )
            return None
        self.notices.extend(f"index repaired: {r}" for r in report.repaired)
        return report

    def no_notes(self) -> str | None:
        """What to tell a user whose index holds no notes (an empty folder, or none of its
        files a note), so "Not in your notes." is not all they see; None when it holds some."""
        try:
            if self.store().counts()[0]:
                return None
            skipped = self.store().skipped_rows()
        except EngineError:
            return None
        if skipped:  # a note that could not be read: its name is right, so say why instead
            (path, reason), more = sorted(skipped.items())[0], len(skipped) - 1
            also = f" (and {more} more)" if more else ""
            return f"no notes in {self.notes_root}: skipped {safe(path)!r}: {reason}{also}"
        return (
            f"no notes in {self.notes_root} (only Markdown (.md, .markdown, .mdx, …) and .txt "
            f"files are read; hidden folders and {IGNORE_FILE} patterns are skipped)"
        )

    def previewing(self) -> bool:
        """Whether this engine reads a first build's keyword preview (answers by keywords);
        looks again while there is neither a manifest nor a preview open (one may appear)."""
        if self._store is not None and not self._store.keywords_only:
            if read_manifest(self.index_dir) is not None:
                return False
            self.close()
        try:
            return self.store().keywords_only
        except EngineError:
            return False

    def skipped_notes(self) -> list[Skipped]:
        """The notes the index recorded as skipped at its last refresh (unreadable, binary)."""
        try:
            rows = self.store().skipped_rows()
        except EngineError:
            return []
        return [Skipped(path=p, reason=r) for p, r in sorted(rows.items())]

    def lines_missing(self) -> bool:
        """Whether some section still lacks its stored line vectors."""
        try:
            return self.store().line_vectors_missing()
        except EngineError:
            return False

    def _servable(self) -> bool:
        """Whether the index as it stands can answer: made for this model and chunker, whole
        (one generation), its vectors readable. Only the notes may have moved on."""
        manifest = read_manifest(self.index_dir)
        if manifest is None or manifest_problem(manifest, self.model_id(), manifest.dim):
            return False
        try:
            if self.store().generation != manifest.generation:
                return False
        except EngineError:
            return False
        return self._vector_file_problem() is None

    def _vector_file_problem(self) -> str | None:
        """Why the current FAISS file cannot be served (loads it: answering needs it anyway)."""
        try:
            store = self.store()
            store.vector_index()
            manifest = read_manifest(self.index_dir)
            if manifest is not None and manifest.dim != store.dim():
                return f"index dimension {manifest.dim} != stored vectors' {store.dim()}"
            return store.vector_problem
        except Exception as e:  # damaged vectors in SQLite, unreadable database
            return f"index unreadable: {e}"

    def check(self) -> list[str]:
        """Problems with the index (empty: consistent with itself and with the notes);
        read-only (`index/lifecycle.check_index`)."""
        with _notes_present():
            return lifecycle.check_index(self.index_dir, self.notes_root, self.model_id())

    def read_only(self) -> str | None:
        """Why the index folder cannot be written ("Read-only file system"), or None: such
        an index answers as it stands, but cannot be refreshed or repaired there."""
        return read_only_reason(self.index_dir)

    def drop(self) -> None:
        """Delete this notes folder's index (the notes are untouched)."""
        self.close()
        drop_index(self.index_dir)

    def info(self) -> IndexInfo:
        try:
            return self.store().info()
        except EngineError as e:
            return lifecycle.broken_index_info(self.index_dir, str(self.notes_root), str(e))

    # ---------------------------------------------------------------- questions
    def embed_query(self, text: str) -> np.ndarray:
        return self.query_embedder().embed([text])[0]

    def search(
        self,
        query: str,
        k: int = 10,
        mode: Mode | None = None,
        paths: Sequence[str] | None = None,
        qvec: np.ndarray | None = None,
    ) -> list[Hit]:
        """Top-k sections for `query`, understood as `ask` understands a question (typos and
        abbreviations searched as the notes write them). `qvec` skips embedding.

        One hit per section, its best piece: a long section split into pieces that all match
        (its heading path is in each) would otherwise fill the list with itself."""
        mode = "bm25" if self.store().keywords_only else mode or self.settings.mode
        joined = joined_words(self.store(), query) if self.options.joined_words else []
        if qvec is not None or mode == "bm25":
            coverage = self.coverage(query)
            return self._retrieve(query, coverage, qvec, k, mode, paths, True, joined)
        coverage, embedding = self._read_query(query)
        return self._retrieve(query, coverage, embedding.result, k, mode, paths, True, joined)

    def path_notices(self, globs: Sequence[str], name: str) -> list[str]:
        """A notice for each path glob that matches no indexed note (`name`: how the surface
        calls the argument, `--path` or `paths`); call after the index is ready."""
        unmatched = unmatched_globs(self.store(), globs)
        return [f"{name} {cut(g, 200)!r} matches no notes" for g in unmatched]

    def _read_query(self, text: str) -> tuple[list[TermInfo], Embedding]:
        """The query read against the notes (`term_coverage`), and its embedding (as the notes
        write it) being computed.

        From OVERLAP_MIN_CHUNKS sections, the embedding of the text as typed starts on a second
        thread at once: ONNX and SQLite both release the GIL, so on two cores it overlaps the
        term counts and BM25 (at 100k sections the three take similar time). A typo or
        abbreviation the notes write otherwise means embedding the corrected text instead,
        still overlapping BM25."""
        self.query_embedder()  # loaded here: imports on two threads at once only contend
        if self.store().chunk_total() < OVERLAP_MIN_CHUNKS:  # SQLite's part takes ~1 ms
            coverage = self.coverage(text)
            return coverage, Embedding.now(self.embed_query, as_notes_write_it(text, coverage))
        typed = self._in_background(text)
        try:
            coverage = self.coverage(text)
        except BaseException:
            typed.wait()
            raise
        wanted = as_notes_write_it(text, coverage)
        if wanted == text:
            return coverage, typed
        typed.wait()
        return coverage, self._in_background(wanted)

    def _in_background(self, text: str) -> Embedding:
        """Embed `text` on the engine's second thread (one worker, made on first use)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="embed")
        return Embedding(self._executor.submit(timed, self.embed_query, text))

    def _retrieve(
        self,
        text: str,
        coverage: Sequence[TermInfo],
        qvec: np.ndarray | Callable[[], np.ndarray] | None,
        k: int,
        mode: Mode,
        paths: Sequence[str] | None,
        sections: bool = False,
        joined: Sequence[str] = (),
    ) -> list[Hit]:
        """Hybrid retrieval for `text` already read against the notes (`term_coverage`);
        `joined`: words the keyword search looks for too (the joined-words rule)."""
        phrases = query_phrases(as_notes_write_it(text, coverage)) if self.options.phrases else []
        return retrieve(
            self.store(),
            " ".join([lexical_query(coverage), *joined]),
            qvec,
            k=k,
            mode=mode,
            paths=paths,
            all_common=all_common(coverage),
            sections=sections,
            line_pool=self.options.line_pool,
            line_skip=only_links if self.options.links else None,
            rrf_k=self.options.rrf_k,
            path_weight=self.options.path_weight,
            phrases=phrases,
            written=text,
        )

    def ask(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        k: int | None = None,
        mode: Mode | None = None,
        paths: Sequence[str] | None = None,
        explain: bool = False,
    ) -> Answer:
        """Answer from the current index (call ensure_ready first to refresh it). `explain`
        attaches the trace: candidates, the deciding rule, each quote's rules, the options."""
        opts = self.options
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        q, notices = clean_question(question, self.settings.max_question_chars)
        if not q:
            raise UsageError(empty_input("question"))
        k = k or self.settings.k
        mode = mode or self.settings.mode
        searched = contextual_query(
            q,
            history,
            self._subject if opts.new_subject else None,
            lambda a, b: share_a_path(self.store(), a, b),
        )
        searched = joined_codes(self.store(), searched)  # "KR 2.3" as the notes' "KR2.3"
        abbreviations: dict[str, str] = {}  # "oxalic acid" written "OA" (the abbreviation rule)
        spelled: dict[str, str] = {}  # "DH" asked of, written "dry hop" (its other way)
        if opts.abbreviations:
            searched, abbreviations = abbreviated(self.store(), searched)
            searched, spelled = spelled_out(self.store(), searched)
        joined = joined_words(self.store(), searched) if opts.joined_words else []
        terms = query_terms(searched)
        if not terms and not chords(searched):  # a key chord is searched for as written
            raise UsageError(nothing_to_search("question", q))
        by_keywords = self.store().keywords_only  # a first build's preview: no vectors yet
        series = numbered_words(self.store()) if any(c.isdigit() for c in searched) else ()
        numbered = decide.series_in(searched, series)  # "lecture 7" of a numbered series
        codes = decide.coded(searched)  # "2.3.1", "INC-2041", "KR2.3"
        refs = decide.references(searched) if opts.codes else []  # and "#1423": the code rule
        writing: list[Chunk] = []  # the sections the code rule's keyword search found
        items = [*numbered, *codes]  # what the heading rule names sections by
        kind = "none" if by_keywords else self.store().meta(LINE_KIND) or "own"
        by_name: Hit | None = None  # the keyword-names rule's section
        headed: Hit | None = None  # the heading rule's
        if by_keywords:
            coverage = self.coverage(searched)
            common = self._common(searched)
            hits = self._retrieve(
                searched, coverage, None, max(10, k * 3), "bm25", paths, joined=joined
            )
        else:
            coverage, embedding = self._read_query(searched)  # the question embeds meanwhile
            common = self._common(searched)  # ordinary words, as this question reads them
            hits = self._retrieve(
                searched, coverage, embedding.result, max(10, k * 3), mode, paths, joined=joined
            )
            hits = select.open_lead_ins(self.store(), hits, opts) if opts.lead_in_sections else hits
            if items:  # a note named "P12 - Nimbus Retail" before one writing "P12" in passing
                hits = select.with_heading_scored(hits, coverage, opts, items)
            hits, by_name = select.with_keyword_names(
                hits, coverage, searched, common, opts, self._labels,
                self.store().chunk_total(), lambda n, o: self._naming(n, o, paths),
            )  # fmt: skip
            if by_name is None and not items:
                hits = select.with_heading_scored(hits, coverage, opts, items)
            if refs:  # the code rule: a section writing the clause or issue asked about
                writing = self._writing(refs, paths)
                hits = select.with_code_section(hits, writing, refs, opts)
            qvec = embedding.result()
            evidence.fill_dense_scores(self.store(), hits, qvec)
            timings["embed_ms"] = embedding.seconds * 1000  # on its own thread, overlapping:
        total = self.store().chunk_total()
        beside = select.of_siblings(  # the sibling-heading rule
            hits,
            decide.names_written(searched, coverage, common, opts),
            opts,
            [t.term for t in coverage],
        )
        if len(beside) == len(hits):
            beside = []
        left = {id(h) for h in beside}
        hits = [h for h in hits if id(h) not in left]
        by_name = None if id(by_name) in left else by_name
        shown: set[tuple[str, tuple[str, ...]]] = set()
        if opts.more and asks_for_more(q, history):  # the more rule
            shown = set(history[-1].cited)
            hits = [h for h in hits if h.chunk.section not in shown]
        timings["retrieve_ms"] = (time.perf_counter() - t0) * 1000  # reading + searching
        t2 = time.perf_counter()
        unsaid_props: list[str] = []  # the property rule's sections, for --explain
        todo_sections: list[Chunk] = []  # the to-do rule's, for --explain
        if by_keywords:
            line_scores = evidence.keyword_evidence(hits, terms, opts)
        else:
            line_scores = evidence.line_evidence(
                self.store(), hits, terms, qvec, opts, self.models.embed_lines,
                kind == "pooled", unsaid_props, todo_sections, defines(abbreviations),
            )  # fmt: skip
        code_notes: list[str] = []
        if opts.code_lines:  # the code-line rule: "KR2.3" quoted at the line that writes it
            line_scores, code_notes = evidence.with_code_lines(line_scores, hits, refs or codes)
        row_notes: list[str] = []
        if opts.row_labels:  # the row-label rule: "total" quoted at the "| **total** |" row
            subject = [t.term for t in decide.subject_terms(coverage)]
            line_scores, row_notes = evidence.with_row_labels(
                line_scores, hits, subject, words_alone(searched), evidence.measured(q)
            )
        section_best = {cid: max(v.values()) for cid, v in line_scores.items() if v}
        best_line = max(section_best.values(), default=-1.0)
        in_top = evidence.terms_in(  # another item's sections answer nothing of this one's,
            select.own_sections(  # nor does a section only marked unwritten ("TODO")
                [h for h in hits if not evidence.unwritten(h.chunk)], items
            ),
            coverage, opts.local_sections, self._mentions, joined=opts.split_words,
        )  # fmt: skip
        in_top = set(in_top) | {  # a top section writing "OA" mentions "oxalic", "acid"
            w for phrase, a in [*abbreviations.items(), *((p, a) for a, p in spelled.items())]
            if a.lower() in in_top for w in query_terms(phrase)
        }  # fmt: skip
        # the names the user capitalised: the together rule's and the named-quotes rule's
        capitals = decide.asked_names(searched, coverage, common, opts, total)
        together: Hit | None = None  # the together rule's section
        if opts.together and section_best and not by_name:
            best = max(hits, key=lambda h: section_best.get(h.chunk.id or -1, -2.0))
            together = select.names_together(
                hits, coverage, capitals, in_top, best, opts, self._labels
            )
        # No section found (a --path matching no note): none to lack a word the notes use.
        local = decide.localise(coverage, searched, common, in_top) if hits else coverage
        short = opts.whole_line and best_line < opts.min_line  # the whole-line rule, only
        whole_hit = (  # where the best line falls short
            evidence.section_with_every_term(hits, local, opts, self._labels) if short else None
        )
        whole = whole_hit is not None or (
            short and evidence.line_with_every_code(hits, refs, opts)  # the code rule
        )
        dated: list[Hit] = []
        days: set[Day] = set()
        reading = dates.DayReading(local)
        if opts.dates:  # the date rule
            # a follow-up naming no day asks of the last one's ("and deadlift?" after "what
            # did I squat on November 12?"); one naming its own, of that day alone
            day_text = q if dates.asked(q) else searched
            days = dates.asked(day_text)
            dated = self._dated_sections(days, hits, paths) if days else []
            unscored = [h for h in dated if h.chunk.properties and h.chunk.id not in line_scores]
            if unscored and not by_keywords:  # a daily note's properties are the day's only
                line_scores.update(  # with evidence the property rule leaves: "What did I do
                    evidence.line_evidence(  # on November 12?" quoted "mood: 6, sleep: 6h"
                        self.store(), unscored, terms, qvec, opts, self.models.embed_lines,
                        kind == "pooled",
                    )
                )  # fmt: skip
            dated = [h for h in dated if not h.chunk.properties or line_scores.get(h.chunk.id)]
            dated = select.best_piece_first(dated, section_best)
            daily = bool(days) and not dated and self._keeps_days()
            reading = dates.read_days(day_text, local, hits, dated, daily)
            local, dated = reading.coverage, reading.dated
        quoted_notes = {p for p, _ in shown}  # the more rule: the last answer's notes
        more_of = any(
            h.chunk.path in quoted_notes for h in evidence.first_units(hits, opts.evidence_sections)
        )
        store = self.store()
        siblings = (
            decide.sibling_names(
                searched,
                coverage,
                common,
                heading_modifiers(store),
                (lambda w: text_modifiers(store, w))
                if opts.text_siblings and best_line < opts.uncovered_phrase_line
                else None,
            )
            if opts.siblings and any(not t.covered for t in coverage)
            else []
        )
        decision = decide.decide(
            searched, local, hits, best_line, common, opts, total, by_keywords, whole,
            reading.on_day, reading.no_day, numbered, more_of, siblings,
            None if by_keywords else self._said_otherwise(searched, hits, opts),
            {t.term for t in coverage if t.covered and t.term not in in_top},
        )  # fmt: skip
        if shown and decision.abstain:  # the more rule: nothing further, not a word lacking
            decision.missing, decision.names = [], []
            decision.reason = f"nothing more than the last answer quoted ({decision.reason})"
        lacking = {*decision.missing, *decision.names}  # as query terms, before the user's words
        anywhere = {t.term for t in coverage if t.covered}
        named = decide.names_in(q)  # a name stays as written: "ClickUp", not "click"
        fixes = {t.term: t.near for t in coverage if t.near and t.term not in named}
        anywhere |= {  # a compound some note writes as written ("Umbrella Health", "Z-hop"),
            c  # its words side by side, or as one word ("P3"): in the notes, only not in
            for c in decision.compounds  # the sections found
            if (
                (words := re.findall(r"[^\W_]+", c.lower())) == [c.lower()]
                and c.lower() in anywhere
            )
            or (len(words) > 1 and self.store().has_phrase(words))
        }
        nowhere = original_words(q, [t for t in decision.missing if t not in anywhere], fixes)
        decision.abbreviations = [f"{p}: {a}" for p, a in abbreviations.items()] + [
            f"{a}: {p}" for a, p in spelled.items()
        ]
        decision.elsewhere = [  # a hyphenated word with a part in no note is in none
            w  # ("English-Romanian": "Romanian" is in no note, though "English" is)
            for w in original_words(q, [t for t in decision.missing if t in anywhere], fixes)
            if w not in nowhere
        ]
        decision.missing = original_words(q, decision.missing, fixes)
        decision.names = original_words(q, decision.names, fixes)
        if not hits and (empty := self.no_notes()):
            self.notices.append(empty)
        closest = render.closest_of(hits)
        citations: list[Citation] = []
        pieces: list[tuple[Citation, list[str]]] = []
        picked: list[Hit] = []
        answering: list[Hit] = []  # the problem rule's
        newest: Hit | None = None  # the latest rule's section
        part_notes: list[str] = []
        date_notes: list[str] = []
        unnamed: list[str] = []  # the named-quotes rule's
        coded: Hit | None = None  # the code rule's section
        again: dict[int, dict[int, float]] = {}  # the parts rule's, of sections quoted already
        if not decision.abstain:
            picked = select.pick_sections(hits, k, section_best, opts)
            picked, answering = select.with_answers(picked, section_best, self.store(), k, opts)
            named_only = select.naming_only(
                picked,
                [t for t in local if t.term in capitals],
                searched,
                opts,
                self._labels,
                total,
            )
            unnamed = [span_label(h.chunk) for h in picked if h not in named_only]
            picked = named_only
            picked = select.with_named(picked, by_name or together, k, section_best, opts.min_line)
            picked = select.with_named(picked, whole_hit, k)  # the line the answer rests on
            subject = [t.near or t.term for t in decide.subject_terms(local)]
            coded = select.code_first(hits, refs, opts, subject)  # the code rule
            if coded is not None:
                every = decide.asks_of_codes(local, refs, common)
                also = select.code_sections(hits, refs, writing) if every else []
                picked = select.with_codes(picked, coded, also, refs, k, hits, opts)
                for h in picked:  # one not scored is quoted at the lines writing them
                    if not line_scores.get(h.chunk.id or -1):
                        line_scores[h.chunk.id or -1] = evidence.code_line_scores(h.chunk, refs)
            if more_of:  # under min_line, only the rest of the notes the last answer quoted
                kept = [] if decision.more else picked
                picked = select.with_more_of(kept, hits, quoted_notes, k)
            picked, headed = select.with_heading(picked, hits, section_best, local, k, opts, items)
            newest = (  # the latest rule: "when did I last …" of a dated log
                dates.newest_or_oldest(q, hits, local, select.HEADING_REACH)
                if opts.latest and not days
                else None
            )
            picked = select.with_named(picked, newest, k)
            if newest is not None and newest.chunk.id is not None:  # a log's newest entry
                scores = line_scores.get(newest.chunk.id, {})
                at = dates.latest_entry(q, newest.chunk, scores, local)
                if at is not None:
                    line_scores[newest.chunk.id] = at
            if opts.parts and not by_keywords:
                part_picks, part_notes, unanswered = self._part_sections(
                    searched, lacking, picked, k, mode, paths, kind == "pooled"
                )
                decide.with_unanswered_parts(decision, original_words(q, unanswered, fixes))
                quoted_ids = {h.chunk.id for h in picked}
                again = {h.chunk.id or -1: s for h, s in part_picks if h.chunk.id in quoted_ids}
                new = [h for h, _ in part_picks if h.chunk.id not in quoted_ids]
                picked = select.with_part_sections(picked, new, k)
                for h, scores in part_picks:  # a part's section is quoted at the part's lines
                    if h in picked and h.chunk.id not in quoted_ids:
                        line_scores[h.chunk.id] = scores  # type: ignore[index]
            if reading.day_only:  # each of the day's sections quoted from its start
                line_scores.update({h.chunk.id or 0: {} for h in dated})
            elif dated:
                missing_scores = [h for h in dated if not line_scores.get(h.chunk.id)]
                if missing_scores and not by_keywords:
                    line_scores.update(
                        evidence.line_evidence(
                            self.store(), missing_scores, terms, qvec, opts,
                            self.models.embed_lines, kind == "pooled",
                        )
                    )  # fmt: skip
            entries: set[int] = set()  # pieces of a journal in one file: its day's entries
            for h in dated:
                on = days  # a year's entries: those holding the question's words, if any
                if dates.of_a_year(days):
                    on = set(dates.most_held(h.chunk, days, local))
                scored = (
                    dates.entry_scores(h.chunk, on, line_scores.get(h.chunk.id or 0, {}))
                    if on
                    else None
                )
                if scored is not None:
                    line_scores[h.chunk.id or 0] = scored
                    entries.add(h.chunk.id or 0)
            if dated:
                other_day = [
                    h.chunk.section
                    for h in picked
                    if names_other_day(dates.day_text(h.chunk), days)
                ]
                picked = select.with_dated(picked, dated, k, other_day, reading.day_only, entries)
                date_notes = [span_label(c) for c in (h.chunk for h in dated if h in picked)]
            ruled = any(  # a rule's own first section stays first
                h is not None and h in picked
                for h in (by_name, headed, together, newest, coded, whole_hit)
            ) or bool(date_notes)
            picked = select.quote_order(picked, section_best, opts, ruled)
            citations, pieces = shape.quote_sections(
                picked, line_scores, self.abs_path, opts, terms, again
            )
            if opts.prices and decide.unpriced(q, [c.quote for c in citations]):
                decision.unpriced = bool(decide.missing_here(decision, ["price"]))
            if opts.quoted_names and citations and capitals:
                notes_text = [
                    f"{path}\n{self._note_text(path)}"
                    for path in dict.fromkeys(c.path for c in citations)
                ]
                near = {t.term: t.near for t in coverage if t.near}  # "micheal": michael
                lacking = decide.unquoted_names(
                    searched, capitals, notes_text, near, decision.missing
                )
                said = decide.missing_here(decision, original_words(q, lacking, fixes))
                decision.unquoted = said
        by_name_label, headed_label, together_label, newest_label, coded_label, whole_label = (
            span_label(h.chunk) if h is not None and h in picked else ""  # for --explain
            for h in (by_name, headed, together, newest, coded, whole_hit)
        )
        answer_text = render.render_text(
            citations,
            decision.abstain,
            decision.missing,
            closest,
            decision.elsewhere,
            outcome=decision.outcome,
            more=bool(shown),
        )
        timings["compose_ms"] = (time.perf_counter() - t2) * 1000
        timings["total_ms"] = (time.perf_counter() - t0) * 1000
        passed_over = [HEADING_SEP.join([p, *h]) for p, h in sorted(shown)]
        return Answer(
            question=q,
            searched_query=as_notes_write_it(searched, coverage),  # typos as the notes spell them
            text=answer_text,
            citations=citations,
            outcome=decision.outcome,
            confidence=decide.confidence(decision, best_line),
            abstained=decision.abstain,
            missing_terms=decision.missing,
            missing_elsewhere=decision.elsewhere,
            closest=closest if decision.abstain else [],
            passed_over=passed_over,
            reason=decision.reason,
            line_score=-1.0 if by_keywords else round(best_line, 4),
            timings={k_: round(v, 2) for k_, v in timings.items()},
            notices=[*self.take_notices(), *notices],
            explain=explain_trace(
                decision,
                best_line,
                hits,
                section_best,
                picked,
                pieces,
                citations,
                opts,
                kind,
                part_notes,
                date_notes,
                passed_over,
                by_name_label,
                headed_label,
                together_label,
                code_notes,
                newest_label,
                unnamed,
                coded_label,
                [span_label(h.chunk) for h in beside],
                unsaid_props,
                [span_label(h.chunk) for h in answering if h in picked],
                [span_label(c) for c in todo_sections],
                row_notes,
                whole_label,
            )
            if explain
            else None,
        )

    def _keeps_days(self) -> bool:
        """Whether the folder keeps daily notes, DAILY_NOTES_MIN or more notes named by a day
        alone (`corpus.dates.is_day_name`): a day asked about that none is of is then
        missing, not merely unwritten."""
        daily = [p for p in note_days(self.store()) if is_day_name(PurePosixPath(p).stem)]
        return len(daily) >= DAILY_NOTES_MIN

    def _writing(self, codes: Sequence[str], paths: Sequence[str] | None) -> list[Chunk]:
        """The code rule's keyword search: sections holding the codes' numbers side by side,
        best first (`select.with_code_section` keeps those writing them as asked)."""
        phrases = [
            '"' + " ".join(re.findall(r"[^\W_]+", c.lower().removeprefix("v"))) + '"' for c in codes
        ]
        return self._found(" AND ".join(phrases), 20, paths)

    def _naming(
        self, names: Collection[str], others: Collection[str], paths: Sequence[str] | None
    ) -> list[Chunk]:
        """The keyword-names rule's search beyond the candidates: sections mentioning every
        one of `names` and one of the question's `others` words, best first by keywords, at
        most `select.HEADING_REACH`."""
        store = self.store()
        other = " OR ".join(store.term_query(o) for o in others)
        match = " AND ".join([*(store.term_query(n) for n in names), f"({other})"])
        return self._found(match, select.HEADING_REACH, paths)

    def _found(self, match: str, k: int, paths: Sequence[str] | None) -> list[Chunk]:
        """The sections a keyword search (FTS5 `match`) finds, best first, at most `k`."""
        store = self.store()
        found = store.lexical_search(match, k, allowed_ids(store, paths))
        chunks = store.chunks([cid for cid, _ in found])
        return [chunks[cid] for cid, _ in found if cid in chunks]

    def _said_otherwise(
        self, question: str, hits: Sequence[Hit], opts: AnswerOptions
    ) -> Callable[[str], float]:
        """For the asked-noun rule: how close a word alone comes to a line of the top sections
        (`local_sections`), each line alone, at most 60: a word the notes say in other words
        ("temperature" of "375g water (~30°C)") is no missing thing; nor is a typo of an
        ordinary word ("temprature", `decide.misspelt_ordinary`: 1.0)."""
        typos = decide.misspelt_ordinary(question, self.common_words())
        top: list[np.ndarray] = []  # the top lines' vectors, embedded at the first word asked

        def closest(word: str) -> float:
            if word in typos:
                return 1.0
            if not top:
                lines = [
                    text
                    for h in evidence.first_units(hits, opts.local_sections)
                    for _, text in h.chunk.body_lines(titled=False)
                ][:60]
                top.append(np.stack(self.models.embed_lines(lines)) if lines else np.empty(0))
            if not top[0].size:
                return 0.0
            return float((top[0] @ self.models.embed_lines([word])[0]).max())

        return closest

    def _dated_sections(
        self, days: set[Day], hits: Sequence[Hit], paths: Sequence[str] | None
    ) -> list[Hit]:
        """The date rule's sections: among the hits and beyond them (a question's "April 23rd"
        shares no word with `daily/2024-04-23.md`), those whose note path or heading path
        names one of `days`, the hits' order first, at most DATED_MOST notes looked up."""
        store = self.store()
        found = [h for h in hits if names_day(dates.day_text(h.chunk), days)]
        notes = [
            p
            for p, named in note_days(store).items()
            if any_same_day(named, days) and (not paths or any(path_matches(p, g) for g in paths))
        ]
        ids = {h.chunk.id for h in found}
        phrases = [f'"{d[1]:02d} {d[2]:02d}"' if d[0] is None else f'"{d[0]} {d[1]:02d} {d[2]:02d}"'
                   for d in days]  # fmt: skip
        if dates.of_a_year(days) and all(d[0] is not None for d in days):  # its year's number
            phrases = [f'"{y}"' for y in sorted({d[0] for d in days})]
        headed = store.lexical_search(" OR ".join(phrases), 50, allowed_ids(store, paths))
        extra = [c for p in notes[:DATED_MOST] for c in store.chunks_for_path(p)]
        extra += store.chunks([cid for cid, _ in headed]).values()
        for c in extra:
            if c.id not in ids and names_day(dates.day_text(c), days):
                found.append(Hit(chunk=c, score=0.0))
                ids.add(c.id)
        return found

    def _part_sections(
        self,
        question: str,
        lacking: set[str],
        quoted: Sequence[Hit],
        k: int,
        mode: Mode,
        paths: Sequence[str] | None,
        pooled: bool,
    ) -> tuple[list[tuple[Hit, dict[int, float]]], list[str], list[str]]:
        """The parts rule: for each question the question joins (`decide.clauses`) that names
        nothing the notes lack, the section whose best line answers that part best, with its
        line scores against the part, if that line clears `min_companion_line` and the section
        is not `quoted` already; what each part found, for `--explain`; and (`part_missing`,
        the part-missing rule) the words the notes lack of each part no line answers, under
        `min_line` ("What's the shower valve model and how much does it cost?": cost).

        Not "a quoted section nearly as close to the part answers it": asked "…, and how do I
        stop tracking a file altogether while keeping it on disk?", a note on ignoring files
        scored 0.52 beside the untracking note's 0.57 (calibration, docs/evaluating.md)."""
        parts = decide.clauses(question)
        if len(parts) < 2:
            return [], [], []
        opts, store = self.options, self.store()
        picks: list[tuple[Hit, dict[int, float]]] = []
        notes: list[str] = []
        unanswered: list[str] = []
        numbers = any(c.isdigit() for h in quoted for c in h.chunk.text)  # part_lacking's
        for part in parts:
            terms = query_terms(part)
            if not terms or lacking & set(terms):
                notes.append(f"{part!r}: not searched (names what the notes lack)")
                continue
            coverage, embedding = self._read_query(part)
            hits = self._retrieve(part, coverage, embedding.result, max(10, k * 3), mode, paths)
            hits = select.open_lead_ins(store, hits, opts) if opts.lead_in_sections else hits
            qvec = embedding.result()
            evidence.fill_dense_scores(store, hits, qvec)
            scores = evidence.line_evidence(
                store, hits, terms, qvec, opts, self.models.embed_lines, pooled
            )
            best = {cid: max(v.values()) for cid, v in scores.items() if v}
            top = max(best, key=best.__getitem__, default=None)
            if top is None or best[top] < opts.min_companion_line:
                lack = [t.term for t in decide.subject_terms(coverage) if not t.covered]
                lack = decide.part_lacking(part, lack, numbers)
                if opts.part_missing and lack and (top is None or best[top] < opts.min_line):
                    unanswered += lack
                    notes.append(
                        f"{part!r}: no line scores >= min_line, and no note writes "
                        f"{', '.join(lack)} (part-missing rule)"
                    )
                    continue
                notes.append(f"{part!r}: no line scores >= min_companion_line")
                continue
            hit = next(h for h in hits if h.chunk.id == top)
            label = span_label(hit.chunk)  # fmt: skip
            picks.append((hit, scores[top]))
            if any(h.chunk.id == hit.chunk.id for h in quoted):
                notes.append(
                    f"{part!r}: {label} ({best[top]:.2f}), quoted already; "
                    "its own lines too, where the quote leaves them out"
                )
                continue
            notes.append(f"{part!r}: {label} ({best[top]:.2f})")
        return picks, notes, unanswered

    def _subject(self, term: str, text: str) -> str | None:
        """The new-subject rule's test: what kind of subject `term` names in `text`, a name
        the user wrote capitalised ("ECS", "Acme"), a word the paths of a few notes hold
        (`recipes/carbonara.md`, `NPCs/Ysène Varlow.md`: "path") or of many (a folder of
        lectures, `OS/Lecture 08 - Virtual Memory.md`: "topic"); None for neither."""
        if term in decide.names_in(text):
            return "name"
        notes = notes_with_path_word(self.store(), term)
        return None if not notes else "path" if notes <= NAMED_BY_PATH else "topic"

    def take_notices(self) -> list[str]:
        """Engine notices not yet shown: each is attached to one answer only."""
        out, self.notices, self.models.notices = [*self.models.notices, *self.notices], [], []
        return out

    # ---------------------------------------------------------------- notes access
    def section_hits(self, hits: Sequence[Hit]) -> list[SectionHit]:
        """Search hits as the CLI's `--json` and the MCP server give them (`SectionHit`)."""
        return [
            SectionHit(
                rank=n,
                path=h.chunk.path,
                absolute_path=str(self.abs_path(h.chunk.path)),
                start_line=h.chunk.start_line,
                end_line=h.chunk.end_line,
                heading_path=h.chunk.heading_path,
                score=round(h.score, 6),
                lexical_rank=h.lexical_rank,
                dense_rank=h.dense_rank,
                path_rank=h.path_rank,
                cosine=None if h.dense_score is None else round(h.dense_score, 4),
                text=h.chunk.text,
            )
            for n, h in enumerate(hits, 1)
        ]

    def abs_path(self, rel: str) -> Path:
        return follow.abs_path(self.notes_root, rel)

    def note_lines(self, rel: str) -> list[str]:
        """Every line of an indexed note, as it is on disk now (`follow.note_lines`)."""
        store = self.store()
        indexed = {p for p, (h, _, _) in store.file_rows().items() if h}
        return follow.note_lines(self.notes_root, rel, indexed, store.skipped_rows())

    def section(self, rel: str, line: int) -> tuple[int, int, list[str], list[str]] | None:
        """The note section containing `line` as (start, end, heading_path, all file lines)."""
        return follow.section(self.abs_path(rel), line)

    def _note_text(self, rel: str) -> str:
        """A quoted note as the index holds it, for the quoted-notes rule: its labels and each
        section's heading path and text. The answer's own snapshot, not the disk: no second
        read of the file, and a note deleted since is no error."""
        store = self.store()
        chunks = store.chunks_for_path(rel)
        return "\n".join([store.note_labels(rel), *(c.embed_text() for c in chunks)])

    def _labels(self, path: str) -> str:
        """A note's front-matter title, aliases and tags, as one text (the local coverage
        rule)."""
        return self.store().note_labels(path)

    def _mentions(self, path: str) -> str:
        """What a note says of each of its sections, for the local coverage rule: its labels
        and, with `note_top` (the note-top rule), its top section ("**Read:** Jan 2024
        (audiobook + Kindle)" above its Highlights), as its front matter is. Not its name:
        the whole-line rule reads a note's labels as what it is called."""
        labels = self._labels(path)
        return f"{labels}\n{self.store().note_top(path)}" if self.options.note_top else labels

    def example_questions(self, n: int = 4) -> list[str]:
        """Questions built from the notes' own headings, for an empty conversation."""
        try:
            headings = self.store().sample_headings()
        except EngineError:
            return []
        return examples.from_headings(headings, n)


@contextmanager
def _notes_present() -> Iterator[None]:
    """The notes folder vanishing after start-up (a rename, an unmounted drive) is the user's
    to fix, said in one line (`notes folder not found: ...`), as a missing --notes is."""
    try:
        yield
    except NotesMissing as e:
        raise UsageError(str(e)) from None


def list_indexes() -> list[IndexInfo]:
    """Every index under the user data directory."""
    return lifecycle.list_indexes(paths.indexes_root())


def drop_index(index_dir: Path) -> None:
    """Remove an index folder. A folder holding no index files (a notes folder, a project) is
    "no index", as a missing one is: nothing is removed. Beside other files, only the index's
    own files go, its lock file included: a dropped index leaves nothing behind. A folder
    holding only the lock file is the start of an index and goes. Never under a running
    build (its write lock is taken, without waiting: `IndexBusy`)."""
    index_dir = Path(index_dir)
    try:
        names = {p.name for p in index_dir.iterdir()}
    except (FileNotFoundError, NotADirectoryError):
        names = set()
    own = lifecycle.index_file_names(names)
    if not own - {LOCK_NAME} and names != {LOCK_NAME}:
        # A folder of nothing but the lock is a first build stopped before it wrote anything:
        # dropped as an index. A lock beside other files may be another tool's: kept.
        raise UsageError(f"no index at {index_dir}")
    with writer_lock(index_dir, timeout=0):  # a build running: IndexBusy, nothing removed
        if names == own:
            shutil.rmtree(index_dir)
            return
        wipe(index_dir)
        (index_dir / LOCK_NAME).unlink(missing_ok=True)
