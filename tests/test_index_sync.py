"""Incremental indexing on a real SQLite + FAISS store with the fast fake embedder."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from fakes import FakeEmbedder

from assistant.engine import Engine
from assistant.options import AnswerOptions
from assistant.settings import load_settings
from assistant.stages.evidence import line_evidence
from assistant.stages.select import open_lead_ins
from corpus.models import head
from corpus.read import read_note, split_lines
from index.retrieve import RRF_K
from index.store import Store, read_manifest
from index.sync import sync, writer_lock


def make_engine(
    notes: Path, index: Path, emb: FakeEmbedder | None = None, options: AnswerOptions | None = None
) -> Engine:
    """Own line vectors: the counts of texts embedded below are one per line (mixed ones,
    the default, have their own test: the fake has no token states to pool). `options`: an
    AnswerOptions, a rule switched off."""
    settings = load_settings(notes=notes, index=index, line_vectors="own")
    return Engine(settings, embedder=emb or FakeEmbedder(), options=options)


def engine_over(
    tmp_path: Path, files: dict[str, str], options: AnswerOptions | None = None
) -> Engine:
    """An engine over a notes folder of these files (name -> text), indexed."""
    for name, text in files.items():
        write(tmp_path / "notes" / name, text)
    eng = make_engine(tmp_path / "notes", tmp_path / "idx", options=options)
    eng.refresh()
    return eng


def write(p: Path, text: str) -> None:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    # Make sure mtime moves even on coarse-grained file systems.
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "notes"
    write(d / "a.md", "# Alpha\nalpha one\n\n## Beta\nbeta two\n")
    write(d / "sub" / "b.md", "# Gamma\ngamma three\n")
    write(d / "c.txt", "plain text note about delta\n")
    return d


def test_first_build_embeds_everything_then_nothing(folder: Path, tmp_path: Path) -> None:
    emb = FakeEmbedder()
    eng = make_engine(folder, tmp_path / "idx", emb)
    r = eng.refresh()
    assert (r.added, r.updated, r.removed, r.unchanged) == (3, 0, 0, 0)
    # 4 sections, and each section's one body line for the answer's line evidence
    assert r.chunks == 4 and r.chunks_embedded == 4 and r.lines_embedded == 4
    assert emb.texts_embedded == 8
    r2 = eng.refresh()
    assert (r2.added, r2.updated, r2.removed, r2.unchanged) == (0, 0, 0, 3)
    assert emb.texts_embedded == 8, "an unchanged folder must not re-embed anything"
    assert eng.stale_reason() is None
    assert eng.check() == []


def test_a_repeated_line_is_embedded_once_and_stored_for_each_section(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    for name in ("a", "b", "c"):  # one heading and line in three files, a line of its own each
        write(notes / f"{name}.md", f"# Example\nRun it:\n\n{name} differs here\n")
    emb = FakeEmbedder()
    eng = make_engine(notes, tmp_path / "idx", emb)
    r = eng.refresh()
    assert r.chunks == 3 and r.lines_embedded == 6
    assert emb.texts_embedded == 3 + 4  # 3 sections; "Example: Run it:" once, 3 others
    store = Store.open(tmp_path / "idx", create=False)
    try:
        chunks = [store.chunks_for_path(f"{n}.md")[0] for n in "abc"]
        mats = store.line_vectors(c.content_hash for c in chunks)
        first = [mats[c.content_hash][0] for c in chunks]
        assert all(np.array_equal(first[0], v) for v in first)
        assert np.allclose(first[0], emb.embed(["Example: Run it:"])[0], atol=1e-3)  # float16
    finally:
        store.close()


def test_edit_reembeds_only_changed_sections(folder: Path, tmp_path: Path) -> None:
    emb = FakeEmbedder()
    eng = make_engine(folder, tmp_path / "idx", emb)
    eng.refresh()
    before = emb.texts_embedded
    write(folder / "a.md", "# Alpha\nalpha one\n\n## Beta\nbeta two, edited\n")
    assert eng.stale_reason() == "a.md changed"
    r = eng.refresh()
    assert (r.added, r.updated, r.removed, r.unchanged) == (0, 1, 0, 2)
    assert (r.chunks_embedded, r.lines_embedded) == (1, 1)
    assert emb.texts_embedded - before == 2, "only the edited section (and its line) again"
    hits = eng.search("edited", mode="bm25")
    assert hits and hits[0].chunk.heading_path == ["Alpha", "Beta"]
    assert eng.check() == []


def test_add_delete_and_rename(folder: Path, tmp_path: Path) -> None:
    emb = FakeEmbedder()
    eng = make_engine(folder, tmp_path / "idx", emb)
    eng.refresh()
    n0 = emb.texts_embedded
    (folder / "sub" / "b.md").rename(folder / "sub" / "renamed.md")
    r = eng.refresh()
    assert r.renamed == 1 and r.removed == 0 and r.added == 0
    assert emb.texts_embedded == n0, "a renamed file with unchanged content re-embeds nothing"
    write(folder / "new.md", "# Epsilon\nepsilon five\n")
    (folder / "c.txt").unlink()
    r = eng.refresh()
    assert (r.added, r.removed) == (1, 1)
    assert emb.texts_embedded == n0 + 2  # the new section and its one line
    store = Store.open(tmp_path / "idx", create=False)
    paths = sorted(store.file_rows())
    assert paths == ["a.md", "new.md", "sub/renamed.md"]
    assert store.vector_index().ntotal == store.counts()[1] == 4
    assert not eng.search("delta", mode="bm25"), "a deleted note leaves the index"
    store.close()
    assert eng.check() == []


def test_chunk_text_is_the_files_lines(folder: Path, tmp_path: Path) -> None:
    eng = make_engine(folder, tmp_path / "idx")
    eng.refresh()
    store = Store.open(tmp_path / "idx", create=False)
    for path in store.file_rows():
        lines = split_lines(read_note(folder / path).text)
        for c in store.chunks_for_path(path):
            assert c.text == "\n".join(lines[c.start_line - 1 : c.end_line])
    store.close()


def test_manifest_records_parameters(folder: Path, tmp_path: Path) -> None:
    eng = make_engine(folder, tmp_path / "idx")
    eng.refresh()
    m = read_manifest(tmp_path / "idx")
    assert m is not None
    assert m.model_id == "fake-hash-embedder" and m.dim == 64 and m.precision == "fp32"
    store = Store.open(tmp_path / "idx", create=False)
    assert store.generation == m.generation
    assert (tmp_path / "idx" / f"vectors-{m.generation}.faiss").exists()
    store.close()


def test_foreign_manifest_triggers_rebuild(folder: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    make_engine(folder, idx).refresh()
    data = json.loads((idx / "manifest.json").read_text())
    data["model_id"] = "some-other-model"
    (idx / "manifest.json").write_text(json.dumps(data))
    eng = make_engine(folder, idx)
    assert "model" in (eng.stale_reason() or "")
    r = eng.refresh()
    assert any("rebuilt" in x for x in r.repaired)
    assert r.chunks == 4 and eng.check() == []


def test_missing_vector_file_is_repaired_without_reembedding(folder: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    emb = FakeEmbedder()
    eng = make_engine(folder, idx, emb)
    eng.refresh()
    for f in idx.glob("vectors-*.faiss"):
        f.unlink()
    problems = eng.check()
    assert any("vector file" in p for p in problems)
    n = emb.texts_embedded
    r = eng.refresh()
    assert r.repaired and emb.texts_embedded == n
    assert eng.check() == []


def test_search_path_filter(folder: Path, tmp_path: Path) -> None:
    eng = make_engine(folder, tmp_path / "idx")
    eng.refresh()
    all_paths = {h.chunk.path for h in eng.search("alpha gamma delta beta", k=10)}
    assert all_paths == {"a.md", "sub/b.md", "c.txt"}
    only = {h.chunk.path for h in eng.search("alpha gamma delta beta", k=10, paths=["sub/*"])}
    assert only == {"sub/b.md"}
    folder_prefix = {h.chunk.path for h in eng.search("gamma", k=10, paths=["sub"])}
    assert folder_prefix == {"sub/b.md"}
    for mode in ("bm25", "dense"):
        got = {h.chunk.path for h in eng.search("alpha", k=10, mode=mode, paths=["*.txt"])}
        assert got <= {"c.txt"}


def test_hybrid_fuses_ranks(folder: Path, tmp_path: Path) -> None:
    eng = make_engine(folder, tmp_path / "idx")
    eng.refresh()
    hits = eng.search("gamma three", k=4)
    top = hits[0]
    assert top.chunk.path == "sub/b.md"
    assert top.lexical_rank == 1 and top.dense_rank == 1
    assert top.score == pytest.approx(2 / (RRF_K + 1))
    assert RRF_K == AnswerOptions().rrf_k == 5
    wide = Engine(eng.settings, embedder=FakeEmbedder(), options=AnswerOptions(rrf_k=60))
    assert wide.search("gamma three", k=4)[0].score == pytest.approx(2 / 61)


def test_list_and_drop(folder: Path, tmp_path: Path, assistant_home: Path) -> None:
    from assistant.engine import list_indexes

    eng = Engine(load_settings(notes=folder), embedder=FakeEmbedder())
    eng.refresh()
    assert str(eng.index_dir).startswith(str(assistant_home))
    infos = list_indexes()
    assert len(infos) == 1 and infos[0].files == 3 and infos[0].notes_root == str(folder.resolve())
    assert infos[0].problem is None
    moved = folder.rename(folder.with_name("moved"))  # the notes folder is gone: say so
    problem = list_indexes()[0].problem or ""
    assert "notes folder no longer exists" in problem
    hint = f"`assistant index --drop --index {eng.index_dir}` removes it"
    assert hint in problem  # a command that works without the notes folder
    from assistant.cli import cli

    res = CliRunner().invoke(cli, ["index", "--drop", "--json", "--index", str(eng.index_dir)])
    assert res.exit_code == 0 and not eng.index_dir.exists(), res.output
    assert json.loads(res.output) == {"removed": str(eng.index_dir)}  # was plain text
    moved.rename(folder)
    eng.close()
    eng.refresh()
    eng.drop()
    assert list_indexes() == []
    assert (folder / "a.md").exists(), "dropping an index never touches notes"


def test_stale_after_mtime_only_change_is_cheap(folder: Path, tmp_path: Path) -> None:
    emb = FakeEmbedder()
    eng = make_engine(folder, tmp_path / "idx", emb)
    eng.refresh()
    n = emb.texts_embedded
    time.sleep(0.01)
    os.utime(folder / "a.md")
    r = eng.refresh()
    assert r.unchanged == 3 and emb.texts_embedded == n
    assert eng.stale_reason() is None


def test_line_vectors_are_stored_backfilled_and_pruned(folder: Path, tmp_path: Path) -> None:
    """Each section's single lines are embedded at index time, so `ask` embeds none of them."""
    emb = FakeEmbedder()
    eng = make_engine(folder, tmp_path / "idx", emb)
    eng.refresh()
    store = eng.store()
    chunks = list(store.chunks(store._chunk_ids().tolist()).values())
    stored = store.line_vectors(c.content_hash for c in chunks)
    for c in chunks:
        texts = [t for _, t in c.body_lines()]
        assert stored[c.content_hash].shape == (len(texts), emb.dim)
        assert (abs(stored[c.content_hash] - emb.embed(texts)) < 1e-2).all()  # float16 storage

    before = emb.texts_embedded
    eng.ask("alpha one")
    assert emb.texts_embedded - before == 1, "only the question is embedded"

    # An index from before line vectors (or a build killed before them) still answers, and the
    # next refresh fills them in without re-embedding any section.
    with store.transaction():
        store.conn.execute("DELETE FROM line_vectors")
    before = emb.texts_embedded
    assert eng.ask("alpha one").citations
    assert emb.texts_embedded - before > 1, "missing line vectors are embedded on the fly"
    assert any("4 sections without line vectors" in p for p in eng.check())
    r = eng.refresh()
    assert (r.chunks_embedded, r.lines_embedded) == (0, 4)
    assert eng.check() == []

    # Line vectors of sections that left the notes are dropped.
    write(folder / "a.md", "# Alpha\nalpha one, changed\n")
    eng.refresh()
    store = eng.store()
    kept = store.conn.execute("SELECT count(*) FROM line_vectors").fetchone()[0]
    assert kept == store.counts()[1] == 3

    # An orphan left by a run killed between its commits: an automatic refresh prunes only what
    # it deleted itself (cheap at 100k), a verified one (`assistant index`) sweeps the table.
    with store.transaction():
        store.put_line_vectors([("orphan-hash", np.zeros((1, emb.dim), np.float32))])
    eng.refresh()
    count = "SELECT count(*) FROM line_vectors"
    assert eng.store().conn.execute(count).fetchone()[0] == 4
    eng.refresh(verify=True)
    assert eng.store().conn.execute(count).fetchone()[0] == 3


def test_search_reads_typos_and_abbreviations_as_the_notes_write_them(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    write(notes / "a.md", "# Load balancer integration\nALB is preferred.\n")
    write(notes / "b.md", "# Fargate launch type\nServerless containers.\n")
    eng = make_engine(notes, tmp_path / "idx")
    eng.refresh()
    assert eng.search("lb", mode="bm25")[0].chunk.path == "a.md"
    assert eng.search("fargte", mode="bm25")[0].chunk.path == "b.md"
    assert eng.ask("which lb is preferred?").citations[0].path == "a.md"


def test_the_index_leaves_the_openmp_thread_count_alone(folder: Path, tmp_path: Path) -> None:
    """FAISS searches one query on one thread, but OpenMP's count is process-wide (torch uses it
    too): once left at 1, every embedding after the first search ran on one core."""
    import subprocess
    import sys

    code = (
        "import faiss, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
        "from tests.test_index_sync import make_engine\n"
        "from pathlib import Path\n"
        "faiss.omp_set_num_threads(2)\n"
        f"eng = make_engine(Path({str(folder)!r}), Path({str(tmp_path / 'idx')!r}))\n"
        "eng.refresh()\n"
        "assert eng.search('alpha', mode='dense')\n"
        "print(faiss.omp_get_max_threads())\n"
    )
    root = Path(__file__).resolve().parent.parent
    r = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "2"


def test_a_damaged_line_vector_row_is_embedded_afresh(folder: Path, tmp_path: Path) -> None:
    emb = FakeEmbedder()
    eng = make_engine(folder, tmp_path / "idx", emb)
    eng.refresh()
    store = eng.store()
    with store.transaction():
        store.conn.execute("UPDATE line_vectors SET vecs = x'0102030405'")
    before = emb.texts_embedded
    assert eng.ask("alpha one").citations
    assert emb.texts_embedded - before > 1


def test_full_database_check_on_explicit_index_or_after_a_crash_only(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole-database check costs seconds at 100k sections: an automatic refresh after an
    edit trusts an index the last run closed cleanly; `assistant index` (verify) and a run
    after an interrupted one always check."""
    calls: list[int] = []
    real = Store.structure_problems

    def counting(self, dim):
        calls.append(1)
        return real(self, dim)

    monkeypatch.setattr(Store, "structure_problems", counting)
    eng = make_engine(folder, tmp_path / "idx")
    eng.refresh()
    calls.clear()
    write(folder / "a.md", "# Alpha\nalpha one, edited\n")
    eng.refresh()
    assert calls == []
    eng.refresh(verify=True)
    assert calls == [1]
    store = eng.store()
    with store.transaction():
        store.set_meta(generation="interrupted")
    eng.close()
    eng.refresh()
    assert calls == [1, 1]


def test_very_common_words_are_left_out_of_bm25_when_rarer_ones_are_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 100k chunks ranking every chunk with a frequent word dominated search time."""
    import index.retrieve

    notes = tmp_path / "notes"
    for i in range(6):
        write(notes / f"n{i}.md", f"# Service {i}\naws service note {i}\n")
    write(notes / "lb.md", "# Load balancer\naws service behind an ALB\n")
    eng = make_engine(notes, tmp_path / "idx")
    eng.refresh()
    monkeypatch.setattr(index.retrieve, "COMMON_MIN_CHUNKS", 5)
    cov = index.retrieve.term_coverage(eng.store(), ["aws", "service", "alb"])
    assert [t.common for t in cov] == [True, True, False]
    from assistant.stages.query import lexical_query

    assert lexical_query(cov) == "alb"
    assert eng.search("aws service alb", mode="bm25")[0].chunk.path == "lb.md"
    # all common: chunks with every word first, the rest after
    hits = eng.search("aws service", mode="bm25", k=10)
    assert len(hits) == 7


def test_all_common_questions_top_up_from_sections_lacking_one_word_not_from_any(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "What must run on an EC2 instance in the EC2 launch type?" at 100k chunks: every word
    common, too few sections with all of them, and ranking every section with any of them
    took ~150 ms. The sections lacking one word come next; "any" only when those are none."""
    import index.retrieve

    notes = tmp_path / "notes"
    texts = {f"all{i}": "aws service cluster" for i in range(4)}
    texts |= {
        "s0": "aws service",
        "s1": "aws service",
        "c0": "aws cluster",
        "c1": "service cluster",
    }
    texts |= {"z0": "cluster", "z1": "aws"} | {f"d{i}": "delta" for i in range(5)}
    for name, text in texts.items():
        write(notes / f"{name}.md", f"# {name}\n{text} note\n")
    eng = make_engine(notes, tmp_path / "idx")
    eng.refresh()
    monkeypatch.setattr(index.retrieve, "COMMON_MIN_CHUNKS", 5)
    ran: list[str] = []
    real = Store.lexical_search

    def spy(self, match, *a, **kw):
        ran.append(match)
        return real(self, match, *a, **kw)

    monkeypatch.setattr(Store, "lexical_search", spy)
    hits = [h.chunk.path for h in eng.search("aws service cluster", mode="bm25", k=20)]
    assert sorted(hits[:4]) == [f"all{i}.md" for i in range(4)]
    assert sorted(hits[4:]) == ["c0.md", "c1.md", "s0.md", "s1.md"]
    assert ran and not any(" OR " in m for m in ran)
    ran.clear()
    hits = [h.chunk.path for h in eng.search("aws delta", mode="bm25", k=20)]
    assert " OR " in ran[-1] and "d0.md" in hits and "z1.md" in hits


def test_real_words_are_not_corrected_and_common_words_of_an_expansion_not_searched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "peering" absent from the notes is not a typo of "pending"; "pendng" is. "csi" read as
    "container storage interface" searches BM25 for the rarer words only."""
    import index.retrieve
    from assistant.stages.query import lexical_query

    notes = tmp_path / "notes"
    write(notes / "p.md", "# Pending work\npending items\n")
    write(notes / "csi.md", "# Container Storage Interface\ndrivers for volumes\n")
    for i in range(5):
        write(notes / f"c{i}.md", f"# Container {i}\ncontainer note {i}\n")
    eng = make_engine(notes, tmp_path / "idx")
    eng.refresh()
    cov = index.retrieve.term_coverage(eng.store(), ["peering", "pendng"], eng.models.spelt_right)
    assert [t.near for t in cov] == [None, "pending"]
    assert eng.search("vpc peering", mode="bm25") == []
    monkeypatch.setattr(index.retrieve, "COMMON_MIN_CHUNKS", 5)
    cov = index.retrieve.term_coverage(eng.store(), ["csi", "drivers"], eng.models.spelt_right)
    assert cov[0].near == "container storage interface"
    assert cov[0].near_rare == "storage interface" and not cov[0].common
    assert lexical_query(cov) == "storage interface drivers"
    assert eng.search("csi", mode="bm25")[0].chunk.path == "csi.md"


def test_a_section_that_only_leads_into_its_subsections_hands_its_place_to_them(
    tmp_path: Path,
) -> None:
    """AWS-style docs: "## Pause your service / Pause using one of the following methods: /
    ------ / #### [ Console ] ..." was quoted as the answer, saying nothing."""
    from index.models import Hit

    notes = tmp_path / "notes"
    write(
        notes / "pause.md",
        "# Pausing a service\nPausing stops billing for compute.\n\n"
        "## Pause your service\n\nPause your service using one of the following methods:\n\n"
        "------\n#### [ Console ]\n\nOpen the console and choose Pause.\n\n"
        "------\n#### [ CLI ]\n\nRun the pause-service command.\n\n------\n"
        "## Resume\nChoose Resume.\n",
    )
    eng = make_engine(notes, tmp_path / "idx")
    eng.refresh()
    by_leaf = {c.heading_path[-1]: c for c in eng.store().chunks_for_path("pause.md")}
    stub, resume = by_leaf["Pause your service"], by_leaf["Resume"]
    opened = open_lead_ins(
        eng.store(), [Hit(chunk=stub, score=1.0), Hit(chunk=resume, score=0.5)], eng.options
    )
    assert [h.chunk.heading_path[-1] for h in opened] == ["[ Console ]", "[ CLI ]", "Resume"]
    cli_first = [Hit(chunk=by_leaf["[ CLI ]"], score=1.0), Hit(chunk=stub, score=0.9)]
    again = open_lead_ins(
        eng.store(), cli_first, eng.options
    )  # a subsection retrieved itself keeps its place
    assert [h.chunk.heading_path[-1] for h in again] == ["[ CLI ]", "[ Console ]"]
    answer = eng.ask("pause your service methods", mode="bm25")
    quoted = [c.heading_path[-1] for c in answer.citations]
    assert "Pause your service" not in quoted and "[ Console ]" in quoted
    assert not any("------" in c.quote for c in answer.citations)
    # The subsections stand for the one section that handed them its place: where the
    # answer weighs the top few sections (line evidence, local coverage), they count as one,
    # so the next section retrieved is still weighed ("# Users and permissions", a bare
    # heading lifted by its file name, pushed the SSH note that answered out of the lines).
    from assistant.stages.evidence import first_units, scored_lines

    console = Hit(chunk=by_leaf["[ Console ]"], score=0.2, lexical_rank=7, dense_rank=3)
    opened = open_lead_ins(
        eng.store(),
        [Hit(chunk=stub, score=1.0), Hit(chunk=resume, score=0.5), console],
        eng.options,
    )
    assert [h.chunk.heading_path[-1] for h in opened] == ["[ Console ]", "[ CLI ]", "Resume"]
    assert (opened[0].lexical_rank, opened[0].dense_rank, opened[0].score) == (7, 3, 1.0)
    assert opened[0].unit == opened[1].unit == stub.section != opened[2].unit
    assert [h.chunk.id for h in first_units(opened, 1)] == [opened[0].chunk.id, opened[1].chunk.id]
    two = eng.options.model_copy(update={"evidence_sections": 2})
    weighed = [h.chunk.heading_path[-1] for _, h, _ in scored_lines(opened, ["resume"], two)]
    assert weighed == ["[ Console ]", "[ CLI ]", "Resume"]


def test_a_section_of_nothing_but_links_is_passed_over_for_one_that_says_something(
    tmp_path: Path,
) -> None:
    """A guide's "Topics" list matched "What is the container agent?" best and was quoted as
    the answer: "+ [Container agent management using the AWS CLI](...)"."""
    notes = tmp_path / "notes"
    write(
        notes / "topics.md",
        "# Container agent topics\n"
        "+ [Installing the container agent](install.md)\n"
        "+ [Updating the container agent](update.md)\n"
        "+ [Container agent configuration](config.md)\n",
    )
    write(notes / "agent.md", "# Agent\nThe container agent connects instances to a cluster.\n")
    eng = make_engine(notes, tmp_path / "idx")
    eng.refresh()
    hits = eng.search("container agent", mode="bm25")
    assert hits[0].chunk.path == "topics.md"  # retrieval still ranks the list first ...
    answer = eng.ask("container agent", mode="bm25")
    assert not answer.abstained
    assert [c.path for c in answer.citations] == ["agent.md"]  # ... but it is not quoted


def test_a_question_embedded_on_a_second_thread_gets_the_same_results(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large indexes embed the question while SQLite reads it: same hits, same answers, typos
    still embedded as the notes write them, and an embedder error still reaches the caller."""
    import assistant.engine as engine_module

    eng = make_engine(folder, tmp_path / "idx")
    eng.refresh()
    questions = ["alpha one", "gamma thre", "plain delta note", "beta"]

    def results() -> list:
        return [
            ([h.chunk.id for h in eng.search(q)], eng.ask(q).model_dump(exclude={"timings"}))
            for q in questions
        ]

    inline = results()
    monkeypatch.setattr(engine_module, "OVERLAP_MIN_CHUNKS", 0)
    assert results() == inline

    def broken(texts, progress=None):
        raise RuntimeError("model fell over")

    monkeypatch.setattr(eng.query_embedder(), "embed", broken)
    with pytest.raises(RuntimeError, match="model fell over"):
        eng.search("alpha")


def test_example_questions_name_subjects_spread_over_the_notes(tmp_path: Path) -> None:
    """Generic headings ("Intro", "Next steps") and tab labels make poor examples, and the
    first file's first headings say nothing of the rest of the folder."""
    notes = tmp_path / "notes"
    for i in range(8):
        write(
            notes / f"guide{i}.md",
            f"# Intro\nhello\n\n## Topic {i} setup\nsteps\n\n## [ Console ]\nclick\n\n"
            f"## Topic {i} limits\nten\n\n## Next steps\nmore\n",
        )
    eng = make_engine(notes, tmp_path / "idx")
    eng.ensure_ready()
    assert eng.example_questions(4) == [f"Tell me about Topic {i} setup." for i in (0, 2, 4, 6)]
    text = "# Intro\nx\n\n## Alpha\na\n\n## Beta\nb\n\n## Gamma\nc\n\n## See also\nd\n"
    assert two_examples(tmp_path, text) == ALPHA_BETA
    # Dendron's notes offered "Tell me about Example.": a heading that names no subject alone.
    text = "# Example\nx\n\n## Usage\ny\n\n## Alpha\na\n\n## Beta\nb\n"
    assert two_examples(tmp_path / "ex", text) == ALPHA_BETA
    # "Tell me about Pancakes 🥞." and "… Applications — notes.": the subject, as one asks it.
    text = "# Alpha 🥞\nx\n\n## Beta — notes\ny\n"
    assert two_examples(tmp_path / "emoji", text) == ALPHA_BETA


ALPHA_BETA = ["Tell me about Alpha.", "Tell me about Beta."]


def two_examples(tmp_path: Path, text: str) -> list[str]:
    """The first two example questions of a folder of one note of this text."""
    write(tmp_path / "one" / "n.md", text)
    eng = make_engine(tmp_path / "one", tmp_path / "idx1")
    eng.ensure_ready()
    return eng.example_questions(2)


def test_example_questions_skip_sections_of_links(tmp_path: Path) -> None:
    """The bundled notes' first example was "Tell me about Hands-on lab.", a
    section of lab links that answers nothing ("Not in your notes."): lists of links are no
    examples."""
    text = (
        "# Intro\nx\n\n## Hands-on lab\n- Deploy Docker on ECS - https://labs.example/1\n"
        "- [Auto Scaling lab](https://labs.example/2)\n\n## Alpha\na\n\n## Beta\nb\n"
    )
    assert two_examples(tmp_path, text) == ALPHA_BETA


def test_a_quote_ending_on_a_lead_in_runs_on_through_the_code_it_introduces(
    tmp_path: Path,
) -> None:
    """ "Run these commands:" ended a chunk that also held the code block's opening fence (the
    block itself was too long for the chunk): the quote stopped on the lead-in."""
    commands = "\n".join(f"sudo step-{i} --flag value{i} --more a b c d e f" for i in range(5))
    text = (
        "# Setup\n\n"
        + "Prepare the host before you install anything on it at all. " * 3
        + f"\n\nRun these commands:\n\n```\n{commands}\n```\n\n## Reboot\nThen reboot.\n"
    )
    notes = tmp_path / "notes"
    write(notes / "setup.md", text)
    eng = make_engine(notes, tmp_path / "idx", FakeEmbedder(max_tokens=40))
    eng.refresh()
    first = eng.store().chunks_for_path("setup.md")[0]
    assert first.text.endswith("Run these commands:\n\n```")  # the case this is about
    [cited] = eng.ask("prepare the host commands", mode="bm25").citations
    assert (cited.start_line, cited.end_line) == (3, 13)
    assert cited.quote.endswith(f"{commands}\n```")
    assert cited.quote == "\n".join(split_lines(text)[2:13])


def test_the_last_piece_of_a_section_that_only_asks_to_follow_steps_hands_its_place_on(
    tmp_path: Path,
) -> None:
    """ "Follow these steps to check stopped tasks for errors\\." was quoted alone: the steps
    are in the subsections after it ("[ Console ]", "[ CLI ]")."""
    from index.models import Hit

    notes = tmp_path / "notes"
    write(
        notes / "stopped.md",
        "# Checking stopped tasks\n\n"
        + "Stopped tasks show why they stopped in the console for an hour after. " * 3
        + "\n\nFollow these steps to check stopped tasks for errors\\.\n\n------\n"
        "#### [ Console ]\n\n1. Open the console and choose the stopped task for its errors.\n\n"
        "------\n#### [ CLI ]\n\n1. Run describe-tasks on the stopped task for its errors.\n",
    )
    eng = make_engine(notes, tmp_path / "idx", FakeEmbedder(max_tokens=40))
    eng.refresh()
    chunks = eng.store().chunks_for_path("stopped.md")
    [lead] = [c for c in chunks if c.text.startswith("Follow these steps")]
    opened = open_lead_ins(eng.store(), [Hit(chunk=lead, score=1.0)], eng.options)
    assert [h.chunk.heading_path[-1] for h in opened] == ["[ Console ]", "[ CLI ]"]
    answer = eng.ask("check stopped task errors", mode="bm25")
    assert not answer.abstained
    assert not any(c.quote.startswith("Follow these steps") for c in answer.citations)
    assert "[ Console ]" in [c.heading_path[-1] for c in answer.citations]


def test_search_lists_each_section_once_however_many_pieces_match(tmp_path: Path) -> None:
    """ "update the agent" listed six pieces of one long section, whose heading path every
    piece carries, before the guide's other sections."""
    notes = tmp_path / "notes"
    paragraphs = "\n\n".join(
        f"Step {i}: download package {i} and verify its signature with the key." for i in range(8)
    )
    write(notes / "external.md", f"# Updating the agent on external hosts\n\n{paragraphs}\n")
    write(notes / "console.md", "# Updating the agent in the console\nChoose Update agent.\n")
    eng = make_engine(notes, tmp_path / "idx", FakeEmbedder(max_tokens=40))
    eng.refresh()
    assert len(eng.store().chunks_for_path("external.md")) > 2  # the case this is about
    for mode in ("bm25", "dense", "hybrid"):
        hits = eng.search("updating the agent", k=5, mode=mode)
        sections = [(h.chunk.path, h.chunk.heading) for h in hits]
        assert len(sections) == len(set(sections)) == 2, mode


def test_a_capitalised_word_is_a_name_not_a_typo_of_a_rare_notes_word(tmp_path: Path) -> None:
    """ "Nomad" was read as a typo of "nomand", a typo once in the AWS docs, and the question
    about Nomad was answered from them. A capitalised word is a typo only of a word the notes
    write often, and only one edit away."""
    notes = tmp_path / "notes"
    write(notes / "jobs.md", "# Jobs\nThe zorbaxx scheduler runs batch jobs.\n")
    eng = make_engine(notes, tmp_path / "idx")
    eng.refresh()
    typed = {t.term: t for t in eng.coverage("how do i run batch jobs on zorbax")}
    assert typed["zorbax"].near == "zorbaxx"  # lower case: a typo of a notes word
    named = {t.term: t for t in eng.coverage("How do I run batch jobs on Zorbax?")}
    assert named["zorbax"].near is None and not named["zorbax"].covered
    assert "Zorbax" in eng.ask("How do I run batch jobs on Zorbax?").missing_terms
    # ... but two letters side by side swapped are a slip however rare the word: "what did
    # Zhnag et al show…" was declined of one literature note on "Zhang et al. 2017"
    write(notes / "zhang.md", "# Zhang et al. 2017\n- DNNs can fit random labels\n")
    eng.refresh()
    assert {t.term: t for t in eng.coverage("What did Zhnag show?")}["zhnag"].near == "zhang"
    assert {t.term: t for t in eng.coverage("What did Zhag show?")}["zhag"].near is None
    # ... but a capitalised typo of a word the notes use often is still read as one
    for i in range(3):
        write(notes / f"fargate{i}.md", f"# Fargate {i}\nFargate runs tasks without servers.\n")
    eng.refresh()
    assert {t.term: t for t in eng.coverage("Does Fargte run batch jobs?")}["fargte"].near == (
        "fargate"
    )
    # ... one edit away only: "Tableau" was read as "table", two away and in every HTML table
    for i in range(3):
        write(notes / f"eda{i}.md", f"# EDA {i}\nThe churn table, table {i}.\n")
    eng.refresh()
    assert {t.term: t for t in eng.coverage("Which Tableau dashboard?")}["tableau"].near is None
    assert {t.term: t for t in eng.coverage("Which Tabel is it?")}["tabel"].near == "table"
    # ... first in the question too: "Tableau pricing" was searched as "tablet pricing"
    for i in range(3):
        write(notes / f"dev{i}.md", f"# Devices {i}\nThe tablet app, tablet {i}.\n")
    eng.refresh()
    assert {t.term: t for t in eng.coverage("Tableau pricing")}["tableau"].near is None
    assert {t.term: t for t in eng.coverage("Tablte apps")}["tablte"].near == "tablet"


def test_a_name_is_not_a_typo_of_a_rare_word_whose_stem_is_common(tmp_path: Path) -> None:
    """ "Redis" was read as a typo of "reds", once in til's notes, because the porter stem
    "red" is in dozens of them; the question about Redis was then not declined."""
    files = {f"red{i}.md": f"# Red {i}\nA red button {i}.\n" for i in range(3)}
    eng = engine_over(tmp_path, {"colors.md": "# Colors\nI prefer greens and reds.\n", **files})
    assert eng.store().raw_count("reds") == 1 and eng.store().raw_count("red") == 3
    typed = {t.term: t for t in eng.coverage("how do i configure redis")}
    assert typed["redis"].near == "reds"  # lower case: still a typo of a notes word
    named = {t.term: t for t in eng.coverage("How do I configure Redis?")}
    assert named["redis"].near is None and not named["redis"].covered


def test_a_transposed_letter_near_the_start_is_a_typo_too(tmp_path: Path) -> None:
    """ "lsit" and "cdoe" (two of the first three letters swapped) were not read as "list" and
    "code": the search for a close word only looked at words sharing the first two letters.
    Other edits there stay unread: "pnpm" is not "npm"."""
    md, js = "# Markdown\nA task list and inline code.\n", "# Install\nRun npm install.\n"
    eng = engine_over(tmp_path, {"md.md": md, "js.md": js})
    near = {t.term: t.near for t in eng.coverage("make a task lsit with inline cdoe via pnpm")}
    assert near["lsit"] == "list" and near["cdoe"] == "code" and near["pnpm"] is None


def test_a_slip_typing_a_question_word_is_that_word(tmp_path: Path) -> None:
    """ "wht was the xgboost cv rmse" said "Your notes don't mention wht", and "waht is the
    visiblity timout default" was searched as "wait is …": a question word typed with a
    letter left out, added or swapped is that word, searched for nothing. A word of the
    vocabulary ("form"), a capitalised name, or a slip of a short word ("aws", "was") is
    read as before."""
    from index.retrieve import slip_of_stopword

    assert all(slip_of_stopword(w) for w in ("wht", "waht", "whta", "wiht", "thier", "shuold"))
    # "how do i clean the PEI sheet befor printing": "The sections found don't mention befor"
    assert all(slip_of_stopword(w) for w in ("befor", "aftr", "becuase", "wihtout"))
    assert not any(slip_of_stopword(w) for w in ("aws", "teh", "hwo", "what", "xgboost"))
    eng = engine_over(tmp_path, {"w.md": "# Workers\nThe wait before a retry is 30 s.\n"})
    terms = [t.term for t in eng.coverage("wht is the waht for a retry, in the form")]
    assert terms == ["retry", "form"], terms
    assert [t.term for t in eng.coverage("Is Wht a retry?")] == ["wht", "retry"]  # a name
    # the question's first word, capitalised as any first word is: a slip of "What"
    assert [t.term for t in eng.coverage("Wht is the retry wait?")] == ["retry", "wait"]
    assert "wht" not in eng.ask("wht is the retry wait?").missing_terms
    # one the index stems as its word ("befor" as "before", which the notes write) is it too
    assert [t.term for t in eng.coverage("retry wait befor printing")] == ["retry", "wait",
                                                                        "printing"]  # fmt: skip


def test_of_equally_near_notes_words_a_typo_reads_as_the_one_written_most(
    tmp_path: Path,
) -> None:
    """ "taks" is one edit from "tabs" and from "task": the first in the vocabulary's order
    was taken; the notes' most frequent one is the likelier meant."""
    files = {f"y{i}.md": f"# Common {i}\nThe zorbeyn runs {i}.\n" for i in range(3)}
    eng = engine_over(tmp_path, {"x.md": "# Rare\nOne zorbexn here.\n", **files})
    assert {t.term: t.near for t in eng.coverage("what is a zorbezn")}["zorbezn"] == "zorbeyn"


def test_a_typo_is_no_plural_of_a_three_letter_word(tmp_path: Path) -> None:
    """ "taks" read as the plural of "tak" (a whole word of the model's vocabulary) was spelt
    right, so never read as "tasks": "Your notes don't mention taks." Inflections of words of
    four letters or more still count ("deploying")."""
    eng = engine_over(tmp_path, {"t.md": "# Tasks\nRun tasks on Fargate.\n"})
    assert "tak" in eng.common_words() and not eng.models.spelt_right("taks")
    assert eng.models.spelt_right("deploying") and eng.models.spelt_right("uses")
    assert {t.term: t.near for t in eng.coverage("run ECS taks")}["taks"] == "tasks"
    # nor is an "-ed" form missing its doubled consonant ("snaped" of notes writing "snapped")
    assert not any(eng.models.spelt_right(w) for w in ("snaped", "stoping", "writen", "hiden"))
    assert all(eng.models.spelt_right(w) for w in ("snapped", "hoped", "opened", "helped"))
    chain = engine_over(tmp_path / "c", {"fix.md": "# Fixes\n## Snapped chain\nQuick link.\n"})
    assert {t.term: t.near for t in chain.coverage("fix a snaped chain")}["snaped"] == "snapped"
    # ... nor a word with a consonant doubled inside it ("carying": "cary" is a word)
    assert not any(eng.models.spelt_right(w) for w in ("carying", "begining", "occured"))
    assert all(eng.models.spelt_right(w) for w in ("caring", "filed", "hoping", "taped"))
    wire = engine_over(tmp_path / "w", {"w.md": "# Derating\nFor 4-6 current-carrying: 80%.\n"})
    assert {t.term: t.near for t in wire.coverage("current carying")}["carying"] == "carrying"


def test_a_word_that_differs_from_a_notes_word_only_at_its_end_is_no_typo(
    tmp_path: Path,
) -> None:
    """ "systemd" was read as a typo of "systems" (its last letter changed) and "repot" of
    "repo" (a letter added at the end), so "How do I set up a systemd timer?" was answered
    from notes about other systems. Words are made that way; typos inside a word still read
    as the notes word ("sytems" as "systems")."""
    md = "# Systems\nOld systems run a backup script from the repo every night.\n"
    eng = engine_over(tmp_path, {"s.md": md})
    near = {t.term: t.near for t in eng.coverage("set up a systemd timer to repot sytems")}
    assert near["systemd"] is None and near["repot"] is None and near["sytems"] == "systems"
    # ... but a doubled last letter is a slip: "rothh" of notes writing "Roth"
    assert {t.term: t.near for t in eng.coverage("the repoo")}["repoo"] == "repo"


def test_a_word_with_two_letters_changed_is_another_word_not_a_typo(tmp_path: Path) -> None:
    """ "How did I do the transduction of RPE1 cells?" was searched as "transfection" (two
    letters changed, within the two edits a long word's typo may make) and answered from
    the transfection protocol: another method. Two letters changed in place is another
    word; a letter left out and one changed, or two swapped, still read as a typo."""
    md = "# RPE1\nTransfection of RPE1 cells with Lipofectamine, then a recovery day.\n"
    eng = engine_over(tmp_path, {"exp.md": md})
    near = {t.term: t.near for t in eng.coverage("transduction trnsfektion recovry")}
    assert near["transduction"] is None
    assert near["trnsfektion"] == "transfection" and near["recovry"] == "recovery"
    # a shorter word two edits away is another word ("Does the venue charge a corkage fee?"
    # searched "corsages" of a florist's table and said "don't mention corsages")
    florist = engine_over(tmp_path / "f", {"florist.md": "# Florist\n| corsages | 3 | 35 |\n"})
    assert {t.term: t.near for t in florist.coverage("corkage fee")}["corkage"] is None
    assert "transduction" in eng.ask("How did I do the transduction of RPE1 cells?").missing_terms


def test_a_word_two_edits_away_and_longer_is_another_word_not_a_typo(tmp_path: Path) -> None:
    """ "When was my last measles vaccine?" was searched as "meals vaccine" and "Am I taking
    any statins?" as "status": a word two edits from a notes word and longer than it is
    another word (a typo drops letters more than it adds them); one shorter still reads as
    a typo ("accomodaton" is "accommodation")."""
    md = "# Health\nTake metformin with meals. Check the status page. Accommodation booked.\n"
    eng = engine_over(tmp_path, {"h.md": md})
    near = {t.term: t.near for t in eng.coverage("measles statins accomodaton")}
    assert near["measles"] is None and near["statins"] is None
    assert near["accomodaton"] == "accommodation"


def test_a_ticket_number_written_whole_is_read_as_the_notes_write_it(tmp_path: Path) -> None:
    """ "What caused INC2099?" of notes that write "INC-2099" was "Not in your notes …
    don't mention INC2099": a ticket's number without its hyphen splits where its letters
    end, as the split-word rule splits "wifi"."""
    md = "# INC-2099 flaky backup job\n\nThe volume ran out of inodes.\n"
    eng = engine_over(tmp_path, {"runbooks/incident.md": md})
    assert {t.term: t.near for t in eng.coverage("What caused INC2099?")}["inc2099"] == "inc-2099"
    assert eng.ask("What caused INC2099?").citations[0].path == "runbooks/incident.md"
    assert {t.term: t.near for t in eng.coverage("What caused INC2100?")}["inc2100"] is None


def test_a_clipped_word_is_covered_by_the_full_word_the_notes_write(tmp_path: Path) -> None:
    """ "How do I set up auth for a private vault?" was answered as partly covered, "The
    sections found don't mention auth", though the section quoted says "authentication". A
    clipping the notes never write reads as the full word (and is searched as it); inside an
    identifier ("--link-dest") it is part of a name; the clipping rule off: read as before."""
    from assistant.options import AnswerOptions

    md = "# Vaults\nA private vault needs authentication: set the repository's token.\n"
    eng = engine_over(tmp_path, {"v.md": md})
    cov = {t.term: t for t in eng.coverage("How do I set up auth for a private vault's repo?")}
    assert cov["auth"].near == "authentication" and cov["auth"].covered
    assert cov["repo"].near == "repository" and cov["repo"].full == ("repository",)
    answer = eng.ask("How do I set up auth for a private vault?", explain=True)
    assert answer.missing_terms == [] and answer.explain is not None
    assert "; clipping rule: auth: authentication or authorization" in answer.explain.decision
    assert {t.term: t.near for t in eng.coverage("our repos")}["repos"] == "repository"
    certs = engine_over(tmp_path / "c", {"c.md": "# TLS\nRenew the certificates monthly.\n"})
    assert {t.term: t.near for t in certs.coverage("renew the certs")}["certs"] == "certificate"
    assert eng.coverage("rsync with --link-dest")[-1].full == ()
    off = make_engine(tmp_path / "notes", tmp_path / "idx", options=AnswerOptions(clippings=False))
    assert not {t.term: t for t in off.coverage("set up auth")}["auth"].covered
    assert "auth" in off.ask("How do I set up auth for a private vault?").missing_terms


def test_a_clipping_capitalised_mid_sentence_is_a_name(tmp_path: Path) -> None:
    """ "how much did i pay Dev in 2023" was read as "development" (the clipping rule) and quoted
    a contract clause and expense categories, not "Dev Ramos ... paid him $7,400 in 2023": a
    clipping the question capitalises mid-sentence is a name; the first word, a month's
    abbreviation ("Mar 2025") and a lower-case "dev" are still clippings."""
    from assistant.stages.decide import clippings_asked

    assert clippings_asked("how much did i pay Dev in 2023") == set()
    assert clippings_asked("Dev server: which port?") == {"dev"}
    assert clippings_asked("what was the bill in Mar 2025 on the dev box") == {"mar", "dev"}
    md = {
        "tax/1099s.md": "Sending: Dev Ramos (subcontractor) - paid him $7,400 in 2023.\n",
        "dev.md": "# Development setup\n\nThe development server pays no rent in 2023.\n",
    }
    eng = engine_over(tmp_path, md)
    dev = {t.term: t for t in eng.coverage("how much did i pay Dev in 2023")}["dev"]
    assert dev.full == () and dev.near is None and dev.covered
    assert {t.term: t for t in eng.coverage("set up the dev server")}["dev"].full == (
        "development",
    )


def test_a_clipping_of_ordinary_words_the_notes_lack_is_no_missing_name(tmp_path: Path) -> None:
    """ "what temp do I bake sourdough at" of a recipe that writes "250 °C" was partly
    covered, "Your notes don't mention temp.": "temp" is no vocabulary word, so it read as a
    name. A clipping whose full words are all ordinary (temperature, temporary) is an ordinary
    word; one that stands for a word the model's vocabulary lacks ("async": asynchronous) is
    still a missing name, and so is "temp" with the clipping rule off."""
    from assistant.options import AnswerOptions
    from assistant.stages.decide import ordinary_clippings

    common = {"temperature", "temporary", "repository"}
    assert ordinary_clippings(common, {"temp", "repos", "k8s"}) == {"temp", "repos"}
    md = "# Sourdough\n\n## Method\n\nBake the sourdough at 250 °C for 20 minutes.\n"
    eng = engine_over(tmp_path, {"bread.md": md})
    answer = eng.ask("what temp do I bake sourdough at", explain=True)
    assert answer.outcome == "answered" and answer.missing_terms == []
    assert answer.explain is not None and "ordinary-word rule: temp" in answer.explain.decision
    named = eng.ask("how do I bake sourdough async")
    assert named.outcome != "answered" and named.missing_terms == ["async"]
    off = make_engine(tmp_path / "notes", tmp_path / "idx", options=AnswerOptions(clippings=False))
    assert off.ask("what temp do I bake sourdough at").outcome == "partly_covered"


def test_a_word_only_a_note_path_holds_is_mentioned_and_a_full_word_read_as_its_clipping(
    tmp_path: Path,
) -> None:
    """ "k8s" asked of notes filed under `k8s/` was "Not in your notes. Your notes don't mention
    k8s.", and "…restart a deployment in kubernetes?" partly covered, though the answer was
    the kubectl note in that folder. A word of a note's path counts as a mention; a full word
    the notes never write is read as its clipping where they write that (the clipping rule's
    other way; off with it)."""
    from assistant.options import AnswerOptions

    md = "# kubectl cheatsheet\n\nRestart a deployment: `kubectl rollout restart deploy/x`.\n"
    pay = "# Checkout\n\nTimeout during auth: the order is held.\n"
    files = {"k8s/kubectl.md": md, "git.md": "# Git\nThe repo is big.\n", "pay.md": pay}
    eng = engine_over(tmp_path, files)
    cov = {t.term: t for t in eng.coverage("k8s deployment in kubernetes, repository")}
    assert cov["k8s"].covered and cov["k8s"].chunks == 1 and cov["k8s"].near is None
    assert cov["kubernetes"].near == "k8s" and cov["kubernetes"].covered
    assert cov["repository"].near == "repo"  # written in a section's text
    british = {t.term: t for t in eng.coverage("payment authorisation")}["authorisation"]
    assert british.near == "auth"  # British spelling too: it was said missing of "auth"
    a = eng.ask("How do I restart a deployment in kubernetes?", explain=True)
    assert a.outcome == "answered" and a.citations[0].path == "k8s/kubectl.md"
    assert a.explain is not None and "clipping rule: kubernetes: k8s" in a.explain.decision
    off = make_engine(tmp_path / "notes", tmp_path / "idx", options=AnswerOptions(clippings=False))
    assert not {t.term: t for t in off.coverage("kubernetes")}["kubernetes"].covered
    assert {t.term: t for t in off.coverage("k8s")}["k8s"].covered  # the path still names it
    # a month's name is read as the abbreviation a table writes ("March" of "| Mar 2025 |")
    bills = (
        "# Electricity\n\n| Month | kWh |\n| --- | --- |\n| Feb 2025 | 395 |\n| Mar 2025 | 347 |\n"
    )
    power = engine_over(tmp_path / "bills", {"electricity.md": bills})
    march = {t.term: t for t in power.coverage("electricity in March 2025")}["march"]
    assert march.near == "mar" and march.covered
    assert "Mar 2025 | 347" in power.ask("kWh of electricity in March 2025?").citations[0].quote
    # shorthand of personal notes: "When are we allowed to make substitutions?" was declined,
    # "don't mention substitutions", of a league's "**Unlimited subs** at: throw-ins, …"
    rules = "# League rules\n\n- **Unlimited subs** at: throw-ins, goal kicks, halftime\n"
    league = engine_over(tmp_path / "league", {"rules.md": rules})
    subs = {t.term: t for t in league.coverage("make substitutions")}["substitutions"]
    assert subs.near == "sub" and subs.covered
    # a weekday's ("What's for dinner on Wednesday?" of "| Wed | Ramen |" was declined)
    plan = engine_over(tmp_path / "plan", {"plan.md": "# Plan\n\n| Day | Dinner |\n|---|---|\n"
                       "| Mon | Dal |\n| Wed | Ramen |\n"})  # fmt: skip
    wednesday = {t.term: t for t in plan.coverage("dinner on Wednesday")}["wednesday"]
    assert wednesday.near == "wed" and wednesday.covered
    from index.retrieve import clipping

    assert clipping("mars") == () and clipping("repos") == ("repository",)  # "Terraforming Mars"
    # and everyday writing's: "Mount Fuji" of "Mt Fuji" was said missing, and declined
    trip = engine_over(tmp_path / "trip", {"transit.md": "# Transit\n- Mt Fuji: right side\n"})
    mount = {t.term: t for t in trip.coverage("see Mount Fuji")}["mount"]
    assert mount.near == "mt" and mount.covered
    # and units': "from a kilo of fresh ceps?" of "1 kg fresh → ~100 g dried"
    dry = engine_over(tmp_path / "dry", {"drying.md": "# Drying\n- 1 kg fresh → ~100 g dried\n"})
    kilo = {t.term: t for t in dry.coverage("a kilo of fresh ceps")}["kilo"]
    assert kilo.near == "kg" and kilo.covered and clipping("kg") == ("kilogram", "kilo")
    # shorthand no clipping list holds: a word out of the model's vocabulary that begins one
    # word the notes write ("What are the contraindications for nitro?" said "Your notes
    # don't mention nitro" above the nitroglycerin card); not where it begins several
    card = engine_over(tmp_path / "card", {"ntg.md": "# Nitroglycerin\nNo PDE5 inhibitors.\n",
                       "o2.md": "# Oxygen\nmarathons and marathoners\n"})  # fmt: skip
    nitro = {t.term: t for t in card.coverage("contraindications for nitro")}["nitro"]
    assert nitro.near == "nitroglycerin" and nitro.covered
    assert {t.term: t for t in card.coverage("what did Marat say")}["marat"].near is None
    # a street's kind ("Why did 5 Pine Lane sit?" dropped the note headed "5 Pine Ln")
    assert clipping("ln") == ("lane",) and clipping("blvd") == ("boulevard",)
    # "Which binoculars do I use?" of "Binocs: Vortex 8x42" was declined; "microphone" of "mic"
    gear = engine_over(
        tmp_path / "gear", {"gear.md": "# Gear\n- Binocs: Vortex 8x42\n- mic: SM7B\n"}
    )
    cov = {t.term: t for t in gear.coverage("binoculars and microphone")}
    assert cov["binoculars"].near == "binocs" and cov["microphone"].near == "mic"
    # "What modifications did I make to Flax?": "Your notes don't mention modifications", of
    # a pattern's "## Mods I made"; "yards" of "420 yds", "hours" of "2 hrs"
    flax = engine_over(tmp_path / "flax", {"flax.md": "# Flax\n## Mods I made\n- 420 yds\n"
                       "- blocked 2 hrs\n"})  # fmt: skip
    cov = {t.term: t for t in flax.coverage("modifications, yards, hours")}
    assert all(cov[w].covered for w in ("modifications", "yards", "hours")), cov


def test_a_word_the_notes_write_in_two_is_read_as_the_two(tmp_path: Path) -> None:
    """ "How do I reset the wifi?" of a note headed "Wi-Fi" was answered as partly covered,
    "Your notes don't mention wifi". A word the notes never write whole but join with a
    hyphen reads as those two words (searched as them, covered); a stopword part does not
    count ("therapist" is not "the rapist"), nor a pair the notes write apart or only with a
    space; the split-word rule off: read as before."""
    from assistant.options import AnswerOptions

    md = (
        "# Home\n\n## Wi-Fi\n\nTo reset the Wi-Fi, hold the button for ten seconds.\n\n"
        "## Reading\n\nThe e-book reader charges overnight. Ask the rapist about wi and fi.\n"
        "The work tree holds the checked-out files.\n"
    )
    eng = engine_over(tmp_path, {"home.md": md})
    cov = {t.term: t for t in eng.coverage("reset the wifi of my ebook, therapist")}
    assert cov["wifi"].near == "wi-fi" and cov["wifi"].split and cov["wifi"].covered
    assert cov["ebook"].near == "e-book" and cov["ebook"].split
    assert not cov["therapist"].split
    # Two words apart may name something else: git's "worktree" is not the "work tree".
    assert not {t.term: t for t in eng.coverage("a git worktree")}["worktree"].split
    assert not {t.term: t for t in eng.coverage("buttonten")}["buttonten"].split  # apart
    answer = eng.ask("How do I reset the wifi?", explain=True)
    assert answer.missing_terms == [] and answer.outcome == "answered"
    assert answer.citations[0].heading_path[-1] == "Wi-Fi"
    assert answer.explain is not None
    assert "; split-word rule: wifi: wi-fi" in answer.explain.decision
    off = make_engine(
        tmp_path / "notes", tmp_path / "idx", options=AnswerOptions(split_words=False)
    )
    assert not {t.term: t for t in off.coverage("reset the wifi")}["wifi"].covered
    assert "wifi" in off.ask("How do I reset the wifi?").missing_terms


def test_a_notes_aliases_are_searched_and_an_old_index_learns_them(
    tmp_path: Path,
) -> None:
    """A note with `aliases: [bramble]` was not found for "bramble" (only title and tags were
    searched): "Your notes don't mention bramble". Aliases are labels now, and
    an index built before them has them after its next refresh, with nothing embedded again."""
    from index.sync import LABELS_KIND

    md = (
        "---\ntitle: Pi cluster\naliases: [bramble]\ndesc: cluster runbook\n---\n\n"
        "## Upgrades\n\nDrain each node before the version bump.\n"
    )
    eng = engine_over(tmp_path, {"kube.md": md, "other.md": "# Other\n\nnothing here\n"})
    assert eng.search("bramble", mode="bm25")[0].chunk.path == "kube.md"
    assert eng.store().note_labels("kube.md") == "Pi cluster bramble"
    assert "bramble" not in eng.ask("How do I upgrade the bramble nodes?").missing_terms
    store = eng.store()
    with store.transaction():  # as an index built before: title and tags only
        store.set_note_labels("kube.md", "Pi cluster")
        store.set_meta(**{LABELS_KIND: "1"})
    assert eng.search("bramble", mode="bm25") == []
    report = eng.refresh()
    assert report.chunks_embedded == 0 and report.lines_embedded == 0 and not report.changed
    assert eng.store().note_labels("kube.md") == "Pi cluster bramble"
    assert eng.search("bramble", mode="bm25")[0].chunk.path == "kube.md"
    assert eng.check() == []  # the full-text index agrees with the sections


def test_names_the_front_matter_gives_are_searched_and_an_old_index_learns_them(
    tmp_path: Path,
) -> None:
    """ "What does Ousterhout mean by deep modules?" was declined, "Your notes don't mention
    Ousterhout", though the book's note says `author: John Ousterhout` in its front matter.
    Names its fields give are labels now (an index built before learns them at its next
    refresh, nothing embedded again); prose fields are not."""
    from index.sync import LABELS_KIND

    md = (
        "---\ntitle: A Philosophy of Software Design\nauthor: John Ousterhout\n"
        "desc: notes on chapters I liked\n---\n\n"
        "## Modules Should Be Deep\n\nThe best modules hide a lot behind a simple interface.\n"
    )
    other = "# Interfaces\n\nA shallow class adds an interface and hides little.\n"
    eng = engine_over(tmp_path, {"books/aposd.md": md, "other.md": other})
    labels = "A Philosophy of Software Design John Ousterhout"
    assert eng.store().note_labels("books/aposd.md") == labels
    answer = eng.ask("What does Ousterhout mean by deep modules?")
    assert answer.outcome == "answered" and "Ousterhout" not in answer.missing_terms
    assert answer.citations[0].path == "books/aposd.md"
    # a prose field (a description) is no label, nor a property
    assert eng.search("chapters", mode="bm25") == []
    store = eng.store()
    with store.transaction():  # as an index built before: title, tags and aliases only
        store.set_note_labels("books/aposd.md", "A Philosophy of Software Design")
        store.set_meta(**{LABELS_KIND: "2"})
    assert [h.chunk.heading_path for h in eng.search("Ousterhout", mode="bm25")] == [[]]
    report = eng.refresh()
    assert report.chunks_embedded == 0 and report.lines_embedded == 0 and not report.changed
    assert eng.store().note_labels("books/aposd.md") == labels
    found = eng.search("Ousterhout", mode="bm25")
    assert ["Modules Should Be Deep"] in [h.chunk.heading_path for h in found]


def test_line_evidence_covers_every_retrieved_piece_of_its_top_sections(tmp_path: Path) -> None:
    """ "What is the idle timeout of an ECS Exec session?": the line that answers was in the
    4th hit, a piece of the 1st hit's section, and was never compared with the question."""
    from index.models import Hit

    notes = tmp_path / "notes"
    body = "\n\n".join(
        f"+ Consideration {i} about sessions and their many limits." for i in range(6)
    )
    write(
        notes / "exec.md",
        f"# Considerations\n\n{body}\n\n+ The session idle timeout is 20 minutes.\n",
    )
    write(notes / "b.md", "# Prerequisites\nInstall the plugin.\n")
    write(notes / "c.md", "# Limits\nSessions count against a quota.\n")
    eng = make_engine(notes, tmp_path / "idx", FakeEmbedder(max_tokens=40))
    eng.refresh()
    pieces = eng.store().chunks_for_path("exec.md")
    assert len(pieces) >= 2  # the case this is about
    others = [eng.store().chunks_for_path(p)[0] for p in ("b.md", "c.md")]
    hits = [Hit(chunk=c, score=1.0) for c in [pieces[0], *others, pieces[-1]]]
    qvec = eng.embed_query("idle timeout")
    scores = line_evidence(
        eng.store(), hits, ["idle", "timeout"], qvec, eng.options, eng.query_embedder().embed
    )
    assert pieces[-1].id in scores and scores[pieces[-1].id]


def test_an_index_from_before_the_line_vector_setting_keeps_its_own_line_vectors(
    folder: Path, tmp_path: Path
) -> None:
    """Indexes built before `line_vectors` existed hold own line vectors and no record of the
    kind: an upgrade refreshes them without embedding a line again."""
    index_dir = tmp_path / "idx"
    with writer_lock(index_dir):
        first = sync(index_dir, folder, FakeEmbedder())
    assert first.lines_embedded > 0
    store = Store.open(index_dir)
    with store.transaction():
        store.conn.execute("DELETE FROM meta WHERE key = 'line_vectors'")  # as an old version
    store.close()
    with writer_lock(index_dir):
        again = sync(index_dir, folder, FakeEmbedder())
    assert again.lines_embedded == 0


def test_pooled_line_vectors_come_from_the_section_pass_and_a_change_of_kind_remakes_them(
    folder: Path, tmp_path: Path
) -> None:
    """line_vectors="pooled": one pass per section gives its lines too (no second pass over
    single lines); switching the setting either way makes every line vector afresh."""
    from assistant.engine import Engine
    from assistant.settings import load_settings

    emb = FakeEmbedder()
    pooled = Engine(load_settings(notes=folder, index=tmp_path / "idx", line_vectors="pooled"), emb)
    r = pooled.refresh()
    store = pooled.store()
    assert store.meta("line_vectors") == "pooled"
    chunks = list(store.chunks(store._chunk_ids().tolist()).values())
    stored = store.line_vectors(c.content_hash for c in chunks)
    for c in chunks:
        text = c.embed_text()
        words = [text[a:b] for a, b in c.body_line_spans()]
        above = " › ".join(head(c.heading_path, c.path))  # a note's title under no heading
        assert words == [t.removeprefix(f"{above}: ") for _, t in c.body_lines()]
        assert (abs(stored[c.content_hash] - emb.embed(words)) < 1e-2).all()
    assert r.lines_embedded == sum(len(c.body_lines()) for c in chunks)
    assert pooled.refresh().lines_embedded == 0  # nothing to redo
    pooled.close()
    own = Engine(load_settings(notes=folder, index=tmp_path / "idx", line_vectors="own"), emb)
    r = own.refresh()
    assert r.chunks_embedded == 0 and r.lines_embedded == sum(len(c.body_lines()) for c in chunks)
    assert own.store().meta("line_vectors") == "own"
    assert own.check() == []


def test_mixed_line_vectors_embed_short_lines_alone_and_pool_long_ones(tmp_path: Path) -> None:
    """line_vectors="mixed" (the default): a line shorter than MIXED_OWN_CHARS gets its own
    vector ("heading: line" embedded alone), a longer one its pooled vector (the fake pools by
    embedding the line's span of the section text); an own index switched to mixed keeps its
    vectors, and mixed switched to own remakes them."""
    from index.embed import embed_with_lines
    from index.sync import MIXED_OWN_CHARS

    notes = tmp_path / "notes"
    long = "the long line about capacity providers " * 8
    assert len(long) > MIXED_OWN_CHARS
    write(notes / "a.md", f"# Scaling\nshort line on tasks\n{long}\n")
    emb = FakeEmbedder()
    mixed = Engine(load_settings(notes=notes, index=tmp_path / "idx"), emb)
    assert mixed.settings.line_vectors == "mixed"
    mixed.refresh()
    store = mixed.store()
    assert store.meta("line_vectors") == "mixed"
    (c,) = store.chunks_for_path("a.md")
    got = store.line_vectors([c.content_hash])[c.content_hash]
    (_, short_text), (_, long_text) = c.body_lines()
    assert len(short_text) < MIXED_OWN_CHARS <= len(long_text)
    _, (pooled,) = embed_with_lines(emb, [c.embed_text()], [c.body_line_spans()])
    own = emb.embed([short_text, long_text])
    assert np.allclose(got[0], own[0], atol=1e-3) and not np.allclose(got[0], pooled[0], atol=1e-2)
    assert np.allclose(got[1], pooled[1], atol=1e-3) and not np.allclose(got[1], own[1], atol=1e-2)
    mixed.close()

    own_idx = tmp_path / "own"
    first = Engine(load_settings(notes=notes, index=own_idx, line_vectors="own"), emb)
    assert first.refresh().lines_embedded == 2
    first.close()
    switched = Engine(load_settings(notes=notes, index=own_idx, line_vectors="mixed"), emb)
    assert switched.refresh().lines_embedded == 0  # own vectors serve mixed as they are
    assert switched.store().meta("line_vectors") == "mixed"
    switched.close()
    back = Engine(load_settings(notes=notes, index=own_idx, line_vectors="own"), emb)
    assert back.refresh().lines_embedded == 2  # mixed ones are not own: made afresh
    back.close()


def test_a_mixed_build_reports_its_short_lines_after_the_sections(tmp_path: Path) -> None:
    """With mixed line vectors a batch's short lines are embedded after its sections: progress
    says so ("lines" up to every distinct short line) instead of sitting at "embed: N of N"."""
    notes = tmp_path / "notes"
    for i in range(3):
        write(notes / f"n{i}.md", f"# Note\nfirst line {i}\nsecond line {i}\nshared line\n")
    seen: list[tuple[str, int, int]] = []
    emb = FakeEmbedder()
    with writer_lock(tmp_path / "idx"):
        sync(tmp_path / "idx", notes, emb, progress=lambda *a: seen.append(a), line_vectors="mixed")
    embeds = [i for i, (stage, _, _) in enumerate(seen) if stage == "embed"]
    after = [(d, t) for stage, d, t in seen[embeds[-1] :] if stage == "lines"]
    assert after, seen
    assert after[-1][0] == after[-1][1] == 7  # each distinct "Note: <line>" once


def test_refresh_exports_the_query_model_before_loading_the_index_model(
    folder: Path, tmp_path: Path
) -> None:
    """The export's moment of ~300 MiB must not stack on a build's memory (peak RSS of a first
    `assistant index`); with export=False (the TUI) nothing is exported."""
    eng = make_engine(folder, tmp_path / "idx")
    order: list[str] = []
    load = eng.models.index_embedder
    eng.models.export_query_model = lambda: order.append("export")  # type: ignore[method-assign]
    eng.models.index_embedder = lambda **k: order.append("model") or load(**k)  # type: ignore[method-assign]
    eng.refresh()
    assert order[:2] == ["export", "model"]
    order.clear()
    eng.refresh(export=False)
    assert "export" not in order


def test_a_deferred_model_loads_before_the_update_starts(tmp_path: Path) -> None:
    """With the bf16 model loaded on first need, Ctrl+Q while the chat said "loading the
    model…" left the database a generation ahead of its manifest (`index --check`: "an
    update was interrupted"): the load ran inside the update. `sync` has a deferred model
    ready before it marks the update started, and only when there is something to embed."""

    class Deferred(FakeEmbedder):
        def __init__(self) -> None:
            super().__init__()
            self.at_ready: list[bool] = []  # was the index consistent when it loaded?

        def ready(self) -> None:
            manifest = read_manifest(tmp_path / "idx")
            store = Store.open(tmp_path / "idx")
            try:
                self.at_ready.append(
                    manifest is not None and manifest.generation == store.generation
                )
            finally:
                store.close()

    notes = tmp_path / "notes"
    write(notes / "a.md", "# A\nFargate runs tasks without servers.\n")
    sync(tmp_path / "idx", notes, FakeEmbedder())
    emb = Deferred()
    write(notes / "a.md", "# A\nFargate runs tasks without managing servers.\n")
    sync(tmp_path / "idx", notes, emb)
    assert emb.at_ready == [True]
    (notes / "a.md").rename(notes / "b.md")  # nothing to embed: no load
    sync(tmp_path / "idx", notes, emb)
    assert emb.at_ready == [True]


def test_a_change_of_precision_rebuilds_the_index(tmp_path: Path) -> None:
    """The manifest records the precision the vectors were made in; a reader with another
    one sees the index as stale and the next refresh makes every vector again in it (not a
    mix of old bf16 sections and new fp32 ones), as a change of model does."""

    class Bf16Fake(FakeEmbedder):
        precision = "bf16"

    notes = tmp_path / "notes"
    write(notes / "a.md", "# A\nFargate runs tasks without servers.\n")
    first = make_engine(notes, tmp_path / "idx")
    first.refresh()
    assert read_manifest(tmp_path / "idx").precision == "fp32"
    assert first.stale_reason() is None
    first.close()

    emb = Bf16Fake()
    second = make_engine(notes, tmp_path / "idx", emb)
    assert second.stale_reason() == "index built in fp32, precision now bf16"
    report = second.refresh()
    assert any("precision now bf16" in r for r in report.repaired)
    assert report.chunks_embedded == 1 and emb.texts_embedded >= 1
    assert read_manifest(tmp_path / "idx").precision == "bf16"
    assert second.stale_reason() is None
    second.close()


def test_auto_precision_takes_an_index_made_in_either(tmp_path: Path) -> None:
    """Only a precision the user asked for is required of the index: "auto" (the default)
    may resolve otherwise on another CPU, and that is no reason to redo every vector."""
    from assistant.embedders import Embedders

    def asked(value: str) -> str | None:
        return Embedders(load_settings(notes=tmp_path, precision=value)).precision()

    assert asked("auto") is None
    assert asked("fp32") == "fp32" and asked("bf16") == "bf16"


def test_an_index_folder_inside_the_notes_is_never_read_as_notes(folder: Path) -> None:
    """`--index notes/idx`: a Markdown file in the index folder (a README someone put there)
    was indexed and cited. The scan leaves the index folder out, and the index stays fresh."""
    eng = make_engine(folder, folder / "idx")
    eng.refresh()
    write(folder / "idx" / "planted.md", "# Planted\nzebra crossing\n")
    assert eng.stale_reason() is None
    report = eng.refresh()
    assert report.added == 0
    assert "idx/planted.md" not in eng.store().file_rows()
    assert not eng.search("zebra crossing", mode="bm25")


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_questions_are_embedded_in_fp32_whoever_built_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, precision: str
) -> None:
    """A process that has just built the index reuses its embedder for questions only in fp32:
    a bf16 one would give the chat (or `eval`) right after a first build other answers than
    every later start, which embeds questions with the fp32 ONNX query model."""
    import index.onnx_embed
    from assistant.embedders import Embedders

    built, loaded = FakeEmbedder(), FakeEmbedder()
    built.precision = precision
    monkeypatch.setattr(index.onnx_embed, "load_index_embedder", lambda *a, **k: built)
    monkeypatch.setattr(index.onnx_embed, "load_query_embedder", lambda *a, **k: (loaded, None))
    models = Embedders(load_settings(notes=tmp_path))
    assert models.index_embedder() is built
    assert models.query_embedder() is (built if precision == "fp32" else loaded)


def test_line_vectors_of_an_older_line_text_are_embedded_again_sections_kept(
    tmp_path: Path,
) -> None:
    """Line vectors embedded under the leaf heading alone (`LINE_TEXT_VERSION` 1) read the lines
    of a subsection without its note's title. An index holding them is stale; its refresh
    embeds again the lines of sections under two headings or more (only their text changed)
    and no section."""
    from assistant.engine import Engine
    from assistant.settings import load_settings
    from corpus.models import LINE_TEXT_VERSION

    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "carbonara.md").write_text(
        "# Carbonara\n\nServes 2.\n\n## Ingredients\n\n- spaghetti\n- guanciale\n"
    )
    eng = Engine(load_settings(notes=folder, index=tmp_path / "idx"), FakeEmbedder())
    eng.refresh()
    assert eng.store().meta("line_text") == LINE_TEXT_VERSION == "2"
    assert eng.stale_reason() is None
    with eng.store().transaction():
        eng.store().set_meta(line_text="1")
    eng.close()
    assert "single-line vectors of an older version" in (eng.stale_reason() or "")
    r = eng.refresh()
    assert r.chunks_embedded == 0 and r.lines_embedded == 2  # "Carbonara › Ingredients: …"
    assert eng.stale_reason() is None and eng.store().meta("line_text") == "2"
    store = eng.store()
    chunks = list(store.chunks(store._chunk_ids().tolist()).values())
    stored = store.line_vectors(c.content_hash for c in chunks)
    for c in chunks:
        texts = [t for _, t in c.body_lines()]
        assert (abs(stored[c.content_hash] - FakeEmbedder().embed(texts)) < 1e-2).all()


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_a_long_section_does_not_crowd_other_sections_out_of_search(
    tmp_path: Path, mode: str
) -> None:
    """A table of 1,500 "web server" rows (its pieces filling every search's 50 candidates;
    5,000 rows here, for the fake embedder's longer pieces) left `search "web server" -k 5`
    with one section, though the nginx note says "web server" word for word: the search goes
    deeper until it has k sections or no more."""
    rows = "".join(f"| host{i} | 10.0.{i // 250}.{i % 250} | web server |\n" for i in range(5000))
    eng = engine_over(
        tmp_path,
        {
            "inventory.md": "# Inventory\n\n## Servers\n\n| name | ip | role |\n|---|---|---|\n"
            + rows,
            "web.md": "# Web\n\n## Nginx\n\nThe nginx web server config lives in /etc/nginx.\n",
            "db.md": "# DB\n\n## Postgres\n\nThe postgres server runs on db1.\n",
        },
    )
    assert eng.store().chunk_total() > 100  # the table alone fills 50 candidates twice over
    hits = eng.search("web server", k=5, mode=mode)  # type: ignore[arg-type]
    sections = {(h.chunk.path, tuple(h.chunk.heading_path)) for h in hits}
    # every section there is (inventory, web and db, each with a title section); keywords
    # find the four that hold "web" or "server" ("# DB" alone does not)
    assert len(sections) == len(hits) == (4 if mode == "bm25" else 5)
    assert ("web.md", ("Web", "Nginx")) in sections
    assert len(eng.search("web server", k=200, mode="bm25")) == 4  # no more than there are


def test_a_typo_is_read_as_a_notes_word_only_beside_the_questions_other_names(
    tmp_path: Path,
) -> None:
    """ "Which async runtime do I use in Rust, tokio?" was searched as "... Rust, tokyo?" (a
    travel note's word a letter away), so tokio was never said to be missing. A typo is read
    as the notes word only where a note writes it beside one of the question's other names;
    a question with none ("how was tokio in may?") still reads it so; the rule off: as before."""
    from assistant.options import AnswerOptions

    files = {
        "rust.md": "# Rust\n\nUse cargo to build the Rust crate.\n",
        "japan.md": "# Japan\n\nThe Tokyo trip in May: ramen every day.\n",
    }
    eng = engine_over(tmp_path, files)
    cov = {t.term: t for t in eng.coverage("Which runtime do I use in Rust, tokio?")}
    assert cov["tokio"].near is None and cov["tokio"].unread == "tokyo"
    assert {t.term: t.near for t in eng.coverage("how was tokio in may?")}["tokio"] == "tokyo"
    assert {t.term: t.near for t in eng.coverage("Japan tokio ramen")}["tokio"] == "tokyo"
    # two letters swapped, or one left out, are a typo whatever else the question names
    assert {t.term: t.near for t in eng.coverage("Rust crate biuld")}["biuld"] == "build"
    assert {t.term: t.near for t in eng.coverage("Rust crate buld")}["buld"] == "build"
    # a typo of a phrasing word ("confgure") is no missing name where the top sections lack it
    two = {
        "nginx.md": "# Nginx\n\nRuns on Ubuntu 22.04.\n",
        "wg.md": "# WG\n\nTo configure a peer.\n",
    }
    nginx = engine_over(tmp_path / "n", two)
    assert "confgure" not in nginx.ask("How do I confgure Nginx on Ubuntu?").missing_terms
    answer = eng.ask("Which runtime do I use in Rust, tokio?", explain=True)
    assert "tokio" in answer.missing_terms and answer.explain is not None
    assert "; typo-context rule: tokio: tokyo (not read" in answer.explain.decision
    off = make_engine(
        tmp_path / "notes", tmp_path / "idx", options=AnswerOptions(typo_context=False)
    )
    assert {t.term: t.near for t in off.coverage("Rust tokio")}["tokio"] == "tokyo"


def test_a_question_naming_a_day_quotes_that_days_notes_first(tmp_path: Path) -> None:
    """ "what happened on 2024-04-23" quoted the 04-27 and 04-22 daily notes (their lines are
    closer in meaning: a line never says the day its note's name does), and "what did I do on
    April 23rd?" was declined ("Your notes don't mention April, 23rd"). The notes and journal
    headings of the day named are quoted first, those of other days left out; the rule off:
    as before."""
    from assistant.options import AnswerOptions

    files = {
        "daily/2024-04-22.md": "# 2024-04-22\n\nFixed the flaky billing test at 10:00.\n",
        "daily/2024-04-23.md": "# 2024-04-23\n\nPi-hole stopped resolving local names.\n",
        "daily/2024-04-27.md": "# 2024-04-27\n\nUpgraded Postgres at 02:00, done by 03:10.\n",
        "journal.md": "# Journal\n\n## 2024-04-23\n\nUpdated the CV.\n\n## 2024-04-24\n\nRest.\n",
    }
    eng = engine_over(tmp_path, files)
    for question in ("what happened on 2024-04-23", "what did I do on April 23rd?"):
        answer = eng.ask(question, explain=True)
        assert answer.outcome == "answered", question
        cited = [(c.path, c.heading_path[-1]) for c in answer.citations]
        assert set(cited) == {("daily/2024-04-23.md", "2024-04-23"), ("journal.md", "2024-04-23")}
        assert all(h == "2024-04-23" for _, h in cited), cited  # no other day's notes
        assert answer.explain is not None and "date rule: first the day" in answer.explain.selection
    # a day no note is of, in a folder of daily notes, is missing as one name; not one a
    # note's text writes ("the freeze is May 5"), nor with dated names that are no daily
    # notes (meetings), nor one end of a span
    write(tmp_path / "notes" / "plan.md", "# Plan\n\nThe feature freeze is May 5.\n")
    eng.refresh()
    assert eng.ask("When is the feature freeze, May 5?").outcome == "answered"
    assert "April" not in eng.ask("What did I do after April 23?").missing_terms
    none = eng.ask("what happened on 2024-04-25?", explain=True)
    assert none.outcome == "not_covered" and "2024-04-25" in none.missing_terms
    assert (
        none.explain is not None and "date rule: no note is of 2024-04-25" in none.explain.decision
    )
    # nor does a link to the next day's note write that day ("<< [[2024-04-23]] |
    # [[2024-04-25]] >>": "What did I do on November 11?" was answered from other days)
    write(tmp_path / "notes" / "daily" / "2024-04-24.md", "# 2024-04-24\n\nRest.\n\n"
          "<< [[2024-04-23]] | [[2024-04-25]] >>\n")  # fmt: skip
    eng.refresh()
    linked = eng.ask("what happened on 2024-04-25?")
    assert linked.outcome == "not_covered" and "2024-04-25" in linked.missing_terms
    off = make_engine(tmp_path / "notes", tmp_path / "idx", options=AnswerOptions(dates=False))
    assert off.ask("what did I do on April 23rd?").outcome == "not_covered"


def test_a_later_piece_of_a_long_table_is_found_by_its_header_s_words(tmp_path: Path) -> None:
    """ "What's the MAC of docker01?": the row is in a later piece of a long table, whose
    header row ("| Host | IP | MAC |") is that piece's context, which BM25 did not read. It
    does, and an index built before is rebuilt for it (the full-text index alone, nothing
    embedded again) at the next refresh."""
    import sqlite3

    rows = "".join(f"| host{i:02d} | 10.0.0.{i} | aa:bb:cc:00:00:{i:02x} |\n" for i in range(90))
    eng = engine_over(tmp_path, {"hosts.md": f"# Hosts\n\n| Host | IP | MAC |\n|--|--|--|\n{rows}"})
    store = eng.store()
    pieces = store.chunks_for_path("hosts.md")
    assert len(pieces) > 1 and pieces[-1].context.startswith("| Host | IP | MAC |")
    found = {cid for cid, _ in store.lexical_search("mac AND host89", 10)}
    assert found == {pieces[-1].id}
    # an index whose full-text table predates the context column
    db = sqlite3.connect(tmp_path / "idx" / "index.sqlite")
    db.executescript(
        "DROP TABLE chunks_fts; CREATE VIRTUAL TABLE chunks_fts USING fts5(heading, text, meta, "
        "content='chunks', content_rowid='id', tokenize='porter unicode61'); "
        "INSERT INTO chunks_fts(chunks_fts) VALUES('rebuild');"
    )
    db.close()
    old = make_engine(tmp_path / "notes", tmp_path / "idx")
    assert not old.store().lexical_search("mac AND host89", 10)
    reason = old.stale_reason()
    assert reason is not None and "full-text index of an older version" in reason
    old.refresh()
    assert {cid for cid, _ in old.store().lexical_search("mac AND host89", 10)} == found


def test_the_engine_quotes_the_newest_dated_section_for_the_last_time(tmp_path: Path) -> None:
    """The engine wires the latest rule: "when did I last change the oil?" of a log quoted
    2022's oil change first; the rule off, its order is retrieval's."""
    from assistant.options import AnswerOptions

    log = (
        "# Car log\n\n## 2022-03-28 Oil change\n\nOil change: 5W-30.\n\n"
        "## 2023-04-02 Tyres\n\nFront tyres.\n\n## 2024-05-06 Oil change\n\nOil change again.\n"
    )
    eng = engine_over(tmp_path, {"car.md": log})
    answer = eng.ask("when did I last change the oil?", explain=True)
    assert answer.citations[0].heading_path[-1] == "2024-05-06 Oil change"
    assert answer.explain is not None and "latest rule: first" in answer.explain.selection
    first = eng.ask("when was the first oil change?")
    assert first.citations[0].heading_path[-1] == "2022-03-28 Oil change"
    off = make_engine(tmp_path / "notes", tmp_path / "idx", options=AnswerOptions(latest=False))
    said = off.ask("when did I last change the oil?", explain=True)
    assert said.explain is not None and "latest rule" not in said.explain.selection


def test_a_follow_up_keeps_a_word_a_note_s_path_holds_beside_its_subject(tmp_path: Path) -> None:
    """ "and on v2?" after "How do I export all my data?" of `data-export.md` and
    `data-export-v2.md` searched "v2" alone: the engine keeps a carried word a note's path
    holds beside the follow-up's new subject."""
    from assistant.stages.query import Turn
    from index.retrieve import share_a_path

    files = {
        "data-export.md": "# Exporting data\n\nSettings, then Export. CSV or JSON.\n",
        "data-export-v2.md": "# Exporting data (v2)\n\nAdmin console, then Export to CSV.\n",
        "billing.md": "# Billing\n\nInvoices monthly.\n",
    }
    eng = engine_over(tmp_path, files)
    assert share_a_path(eng.store(), "export", "v2") and not share_a_path(
        eng.store(), "v2", "billing"
    )
    first = eng.ask("How do I export all my data?")
    turn = Turn(question=first.question, searched_query=first.searched_query)
    assert eng.ask("and on v2?", history=[turn]).searched_query == "export data v2"


def test_a_question_naming_a_month_quotes_that_months_sections_first(tmp_path: Path) -> None:
    """ "What broke in March 2024?" of an incident log headed "## 2024-03-03 — tank degraded"
    was declined, "Your notes don't mention March": a month without a day ("in March", "March
    2024", "2024-03") asks of each of its days. A folder of daily notes with none of that
    month has it missing; not where a note names the month ("the freeze is in June")."""
    files = {
        "incidents.md": "# Things that broke\n\n## 2024-01-20 — Watchtower\n\nNextcloud stuck "
        "in maintenance mode.\n\n## 2024-03-03 — tank degraded\n\nZFS scrub found checksum "
        "errors.\n\n## 2024-03-22 — Pi-hole SD card died\n\nReflashed onto an SSD.\n",
        "daily/2024-04-22.md": "# 2024-04-22\n\nFixed the flaky billing test.\n",
        "daily/2024-04-23.md": "# 2024-04-23\n\nUpgraded Postgres.\n",
        "daily/2024-04-24.md": "# 2024-04-24\n\nRest.\n",
    }
    eng = engine_over(tmp_path, files)
    for question in ("What broke in March 2024?", "what broke in march?", "What broke in 2024-03?"):
        answer = eng.ask(question)
        assert answer.outcome == "answered", question
        heads = {c.heading_path[-1][:10] for c in answer.citations}
        assert heads == {"2024-03-03", "2024-03-22"}, (question, heads)
    none = eng.ask("What did I do in May 2024?")
    assert none.outcome == "not_covered" and "May 2024" in none.missing_terms
    write(tmp_path / "notes" / "plan.md", "# Plan\n\nThe feature freeze is in June.\n")
    eng.refresh()
    assert "June" not in eng.ask("What happens in June?").missing_terms


def test_a_note_of_a_month_is_of_each_of_its_days(tmp_path: Path) -> None:
    """ "How much did we spend on groceries in January 2024?" of monthly budget notes
    (`budget/2024-01.md`, "# Budget Jan 2024") quoted February's and March's tables: a month
    written with its year and no day, in a path or a heading, is each of its days, so the date
    rule quotes January's note and leaves out the other months' (`month_days`)."""
    from corpus.dates import _days_of, month_days, names_day, names_other_day

    jan = set(_days_of(2024, 1))
    assert len(month_days("budget/2024-01.md")) == len(month_days("Budget Jan 2024")) == 31
    assert month_days("journals/2024-01-15.md") == month_days("15 Jan 2024") == set()
    assert names_day("budget/2024-01.md Budget Jan 2024", jan)
    assert names_other_day("budget/2024-02.md Budget Feb 2024", jan)
    assert not names_other_day("budget/rules.md How we budget", jan)
    row = "| Category | Budget | Actual |\n|---|---|---|\n| Groceries | 650 | {} |\n"
    files = {
        f"budget/2024-0{n}.md": f"# Budget {m} 2024\n\n{row.format(a)}"
        for n, m, a in ((1, "Jan", 731), (2, "Feb", 612), (3, "Mar", 668))
    }
    eng = engine_over(tmp_path, files, AnswerOptions(min_line=0.05))
    answer = eng.ask("How much did we spend on groceries in January 2024?")
    assert [c.path for c in answer.citations] == ["budget/2024-01.md"]
    assert "| Groceries | 650 | 731 |" in answer.citations[0].quote
    eng.close()


def test_a_month_is_mentioned_by_the_dates_a_section_writes(tmp_path: Path) -> None:
    """ "What was my gas meter reading in July?" was declined, "The sections found don't
    mention July", over a table of readings dated 2024-07-01: a day a top section writes is
    covered (the date rule's order: `test_stages`)."""
    files = {
        "home/utilities.md": "# Utilities\n\n## Meter readings\n\n| Date | Electricity (kWh) "
        "| Gas (m3) |\n|---|---|---|\n| 2024-01-01 | 18,402 | 7,210.4 |\n| 2024-04-01 | 19,118 "
        "| 7,655.9 |\n| 2024-07-01 | 19,690 | 7,801.3 |\n",
        "fitness/running-log.md": "# Running log\n\n## April 2024\n\n- 2024-04-03 10 km easy\n"
        "- 2024-04-10 12 km tempo\n",
        "finance/taxes.md": "# Taxes\n\n## Deadlines\n\n- 2024-04-15 federal return due\n",
    }
    low = AnswerOptions(min_line=0.05)  # the fake embedder's cosines are low: not the rule here
    eng = engine_over(tmp_path, files, low)
    july = eng.ask("What was my gas meter reading in July?")
    assert july.outcome == "answered" and "July" not in july.missing_terms, july.missing_terms
    assert "| 2024-07-01 | 19,690 | 7,801.3 |" in july.citations[0].quote
    assert "April" not in eng.ask("What was the electricity meter reading in April?").missing_terms


def test_a_url_is_mentioned_by_the_web_address_a_section_writes(tmp_path: Path) -> None:
    """ "What's the staging URL?" of a Notion wiki said "Partly covered. Your notes don't
    mention URL." over "Staging runs at https://staging.acme.dev": a web address is a URL, a
    link and a website; a section without one does not mention them."""
    files = {
        "wiki/environments.md": "# Environments\n\nStaging runs at https://staging.acme.dev "
        "behind the VPN.\n",
        "wiki/oncall.md": "# On-call\n\nThe staging pager rotates weekly.\n",
    }
    eng = engine_over(tmp_path, files, AnswerOptions(min_line=0.05))
    url = eng.ask("What's the staging URL?")
    assert url.outcome == "answered" and url.missing_terms == [], url.missing_terms
    assert "https://staging.acme.dev" in url.citations[0].quote
    files["wiki/environments.md"] = "# Environments\n\nStaging runs behind the VPN.\n"
    none = engine_over(tmp_path / "without", files, AnswerOptions(min_line=0.05))
    assert none.ask("What's the staging URL?").missing_terms == ["URL"]  # no address anywhere


def test_an_email_address_or_phone_number_mentions_an_email_or_a_phone() -> None:
    """ "whats Alejandro's email for orders" was partly covered, "don't mention email", over
    "contact Alejandro Ruiz, 509-555-0143, orders@mesakitchen.example": a section writing an
    email address mentions an email (and an address), one writing a phone number a phone
    (and a number, a cell); a date, an IP address or a version is no phone number."""
    from assistant.stages.evidence import terms_in
    from corpus.models import Chunk, text_hash
    from index.models import Hit
    from index.retrieve import TermInfo

    def mentions(text: str, words: str) -> set[str]:
        c = Chunk(path="c.md", heading_path=["C"], start_line=1, end_line=1, text=text,
                  content_hash=text_hash(text), id=1)  # fmt: skip
        cov = [TermInfo(term=w, chunks=1) for w in words.split()]
        return terms_in([Hit(chunk=c, score=1.0)], cov, 1)

    line = "contact Alejandro Ruiz, 509-555-0143, orders@mesakitchen.example"
    assert mentions(line, "email phone cell fax") == {"email", "phone", "cell"}
    others = ("2024-05-13 to 2024-05-20", "host 10.10.10.51", "v1.2.3", "811 ticket 24-0409-77310")
    for other in others:
        assert mentions(other, "email phone") == set(), other


def test_a_verb_and_its_particle_are_searched_as_the_word_the_notes_write(
    tmp_path: Path,
) -> None:
    """An engineering wiki: "what should I watch out for before failing over the billing
    database?" never found the runbook on "failover" (BM25 searched "failing"). The keyword
    search looks for the joined word too, where the notes write it, and a word of the pair
    the notes never write ("failing") is read as it: no "failing" said missing, the question
    embedded (and shown "searched for") as the notes write it."""
    from index.retrieve import joined_words

    files = {
        "runbooks/db.md": "# Postgres failover\n\nWarning: no failover during invoicing.\n",
        "services/billing.md": "# Billing\n\nThe billing database holds invoices.\n",
    }
    eng = engine_over(tmp_path, files)
    q = "what should I watch out for before failing over the billing database?"
    assert joined_words(eng.store(), q) == ["failover"]
    assert joined_words(eng.store(), "how do I set up the database?") == []  # no "setup"
    found = [h.chunk.path for h in eng.search(q, k=5, mode="bm25")]
    assert "runbooks/db.md" in found, found
    off = make_engine(
        tmp_path / "notes", tmp_path / "idx", options=AnswerOptions(joined_words=False)
    )
    assert "runbooks/db.md" not in [h.chunk.path for h in off.search(q, k=5, mode="bm25")]
    answer = eng.ask(q)
    assert answer.searched_query == q.replace("failing over", "failover")
    assert answer.missing_terms == []


def test_a_word_of_a_verb_and_its_particle_the_notes_write_joined_is_not_missing(
    tmp_path: Path,
) -> None:
    """A Zettelkasten's "How do I back up my notes?" of a note with "Backup: git repo pushed
    every evening" was declined, "Your notes don't mention back": the joined word was only
    searched. "back" is now read as "backup" (covered, embedded so), as a typo is."""
    files = {
        "202311041530 Plain text.md": "# Plain text\n\nBackup: git repo pushed every evening\n",
        "202311051200 Habits.md": "# Habits\n\nAfter coffee, write one note.\n",
    }
    eng = engine_over(tmp_path, files)
    q = "How do I back up my notes?"
    back = next(t for t in eng.coverage(q) if t.term == "back")
    assert back.covered and back.near == "backup" and back.joined
    answer = eng.ask(q, k=1)
    assert "back" not in answer.missing_terms
    assert answer.searched_query == "How do I backup my notes?"
    off = make_engine(
        tmp_path / "notes", tmp_path / "idx", options=AnswerOptions(joined_words=False)
    )
    assert not next(t for t in off.coverage(q) if t.term == "back").covered


def test_a_folder_of_files_numbered_first_is_a_series_its_name_numbers(tmp_path: Path) -> None:
    """adr-tools writes `adr/0002-event-bus.md` headed "# 2. NATS for internal events": "ADR 2"
    was no item of a series (only headings and file names were read for "word + number"), so
    "Why was ADR 2 superseded?" was declined. The folder's name numbers its files."""
    from assistant.stages.decide import another_item, writes
    from index.retrieve import numbered_words

    files = {
        "adr/0001-use-postgres.md": "# 1. Use PostgreSQL\n\n## Status\n\nAccepted\n",
        "adr/0002-event-bus.md": "# 2. NATS for internal events\n\n## Status\n\nSuperseded\n",
        "notes/07-misc.md": "# Misc\n\nOne file numbered in its folder is no series.\n",
    }
    eng = engine_over(tmp_path, files)
    series = numbered_words(eng.store())
    assert series["adr"] == frozenset({"0001", "0002"}) and "notes" not in series
    assert writes("adr/0002-event-bus.md", "ADR 2")
    assert not writes("adr/0002-event-bus.md", "ADR 3")
    assert another_item("adr/0001-use-postgres.md", "ADR 2")


def test_a_question_naming_a_year_quotes_that_years_entries_holding_its_words(
    tmp_path: Path,
) -> None:
    """A gardener's "when did I sow tomatoes in 2024?" quoted the crop page's advice ("Sow
    indoors late Feb"), and "…plant the garlic in 2023?" likewise: a year named after "in"
    asks of its days, as a month does; of the year's sections and entries, those holding the
    most of the question's other words come first. "the 2018 World Cup" names no year so."""
    from corpus.dates import asked_days

    assert len(asked_days("when did I sow tomatoes in 2024?")) == 366
    assert asked_days("Who won the 2018 FIFA World Cup?") == []
    files = {
        "garden/tomatoes.md": "# Tomatoes\n\n## Sowing\n\nSow tomatoes indoors late Feb.\n",
        "garden/journal/2024.md": "# Garden journal 2024\n\n- 2024-01-20: chitting potatoes\n"
        "- 2024-02-28: sowed tomatoes Sungold\n- 2024-05-08: tomatoes planted out\n",
        "garden/journal/2023.md": "# Garden journal 2023\n\n### 20 March\n\nPlanted onions."
        "\n\n### 28 October\n\nPlanted garlic, 50 cloves.\n",
    }
    low = AnswerOptions(min_line=0.05)  # the fake embedder's cosines are low: not the rule here
    eng = engine_over(tmp_path, files, low)
    sow = eng.ask("when did I sow tomatoes in 2024?")
    assert sow.citations[0].quote == "- 2024-02-28: sowed tomatoes Sungold", sow.citations
    garlic = eng.ask("when did I plant the garlic in 2023?")
    assert garlic.citations[0].quote == "Planted garlic, 50 cloves.", garlic.citations


def test_a_section_only_marked_unwritten_is_no_answer(tmp_path: Path) -> None:
    """A cheat sheet's "# k9s" over "TODO" was the answer to "what is the k9s shortcut to view
    logs" ("> TODO", scored 0.65 by its heading): a placeholder alone is no evidence, and
    the subject only such a section names is missing from what can be quoted."""
    files = {
        "k8s/k9s.md": "# k9s\n\nTODO\n",
        "k8s/kubectl.md": "# kubectl\n\n## Pods\n\n- `kubectl logs -f <pod>` follow logs of "
        "a pod\n- `kubectl get pods -o wide` pods with node\n",
        "git/bisect.md": "# git bisect\n\n_TBD_\n",
    }
    eng = engine_over(tmp_path, files)
    answer = eng.ask("what is the k9s shortcut to view logs")
    assert all(c.quote.strip() not in ("TODO", "_TBD_") for c in answer.citations)
    assert answer.outcome != "answered" and "k9s" in answer.missing_terms, answer


def test_a_word_typed_without_its_sharp_s_or_accents_is_the_notes_word(tmp_path: Path) -> None:
    """ "grosse der springform" and "grösse …" (Swiss German, or a keyboard without ß) were
    "Your notes don't mention grosse" over notes that write "Größe"; accents alone were
    already matched, as BM25 drops them ("kasekuchen" finds "Käsekuchen")."""
    from index.retrieve import closest_word

    files = {
        "kuchen.md": "# Zwetschgenkuchen\n\nGröße der Springform: 26 cm.\n",
        "other.md": "# Grasse\n\nA town in Provence. Grasse grasse grasse.\n",
    }
    eng = engine_over(tmp_path, files)
    store = eng.store()
    assert closest_word(store, "grosse") == "große"
    assert closest_word(store, "grösse") == "große"  # not "grasse", one letter away
    answer = eng.ask("grosse der springform?")
    assert answer.searched_query == "große der springform?"
    assert answer.citations and answer.citations[0].path == "kuchen.md"


def test_of_equally_near_words_the_one_the_notes_write_beside_the_next_word(
    tmp_path: Path,
) -> None:
    """ "dc for bog fevr" read "fevr" as "fear" (one edit, as "fever" is, and written as often):
    of equally near words, one the notes write next to a word beside the typo in the question
    ("bog fever") is the typo's word; without such a pair, the one written most."""
    from index.retrieve import closest_word

    files = {
        "fen.md": "# Grey Fen\n\nDisease: bog fever, DC 12 CON save.\n",
        "rules.md": "# Conditions\n\nFrightened: source of fear in sight.\n",
        "kaelith.md": "# Kaelith\n\nFear: deep water.\n",
    }
    store = engine_over(tmp_path, files).store()
    assert closest_word(store, "fevr", ["bog"]) == "fever"
    assert closest_word(store, "fevr") == "fear"  # in two notes
    assert closest_word(store, "fevr", ["save"]) == "fear"  # "fever, DC 12 CON save": not beside


def test_words_the_notes_number_in_series(tmp_path: Path) -> None:
    """The compound rule's series: words a heading or a file name writes with two numbers or
    more ("Session 12", `Lecture 01 - Processes.md`), not a name written with one ("Python
    3"), nor a date's numbers."""
    from index.retrieve import numbered_words

    files = {
        "Sessions/2024-03-14 Session 12.md": "# Session 12\n\nThe lighthouse.\n",
        "Sessions/2024-03-28.md": "# Session #13\n\nThe letter.\n",
        "OS/Lecture 01 - Processes.md": "# Processes\n\nfork().\n",
        "OS/Lecture 02 - Threads.md": "# Threads\n\nPthreads.\n",
        "py.md": "# Python 3\n\nUse Python 3.12 on 7 hosts.\n",
        "lc/LC 146 LRU Cache.md": "# LC 146 LRU Cache\n\nA hash map and a list.\n",
        "lc/LC 200 Number of Islands.md": "# LC 200\n\nDFS over the grid.\n",
        "plans.md": "# Plans for 2024\n\n## Plans for 2025\n\nMore.\n",  # no series "for"
    }
    eng = engine_over(tmp_path, files)
    assert numbered_words(eng.store()) == {
        "session": {"12", "13"},
        "lecture": {"01", "02"},
        "lc": {"146", "200"},
    }

    # a number the notes write with leading zeros: "lecture 1" is "Lecture 01"
    answer = eng.ask("what is in lecture 1?")
    assert answer.searched_query == "what is in lecture 01?"
    assert answer.citations[0].path == "OS/Lecture 01 - Processes.md"
    assert eng.ask("what happened in session 14?").outcome == "not_covered"
    # ... never the reverse: the "07" of a day is no "7" (it was searched as "2026-12-7")
    assert eng.ask("what was on 2026-12-07?").searched_query == "what was on 2026-12-07?"


def test_a_numbered_item_is_searched_as_its_series_writes_it(tmp_path: Path) -> None:
    """ "status of adr 6" quoted ADR-0009's status and said the notes lack "adr 6": the "6"
    was searched as written, since other notes write "6" ("6 months"). A number after a word
    the notes number in series is searched as the series writes it ("0006"), and another
    item's section is not quoted beside its own."""
    files = {
        "adr/ADR-0006-auth.md": "# ADR-0006: Auth with Cognito\n\n## Status\n\nSuperseded.\n",
        "adr/ADR-0009-observability.md": "# ADR-0009: Observability\n\n## Status\n\nAccepted.\n",
        "plans.md": "# Plans\n\nRevisit the status of the auth service in 6 months.\n",
    }
    eng = engine_over(tmp_path, files)
    answer = eng.ask("status of adr 6")
    assert answer.searched_query == "status of adr 0006"
    assert answer.outcome == "answered"
    paths = [c.path for c in answer.citations]
    assert paths[0] == "adr/ADR-0006-auth.md" and "adr/ADR-0009-observability.md" not in paths
    assert eng.ask("revisit in 6 months").searched_query == "revisit in 6 months"  # no series


def test_a_code_written_joined_is_searched_joined(tmp_path: Path) -> None:
    """ "what is KR 2.3?" of notes writing "KR2.3" searched "kr", "2" and "3" and quoted last
    quarter's KR2.1 and KR2.2; "lc146" of notes writing "LC 146" was "Your notes don't
    mention lc146". A word and a number are searched as the notes write them: joined where
    they join them (or join the word to other numbers: "KR 4.2"), apart where they part."""
    from index.retrieve import joined_codes

    files = {
        "okrs/2024-Q4.md": "# 2024-Q4 OKRs\n\n- KR2.1 Logo churn\n- KR2.2 Ship Slack alerts\n",
        "okrs/2025-Q2.md": "# 2025-Q2 OKRs\n\n1. KR2.3 Onboarding checklist above 25%\n",
        "lc/LC 146 LRU Cache.md": "# LC 146 LRU Cache\n\n## Approach\n\nHash map and a list.\n",
        "py.md": "# Python\n\nUse Python 3 for scripts.\n",
        "ps.md": "# PowerShell\n\n`[Environment]::Is64BitProcess` says which.\n",
    }
    eng = engine_over(tmp_path, files)
    store = eng.store()
    assert joined_codes(store, "how do I attack RSA when e is 3?").endswith("e is 3?")
    assert joined_codes(store, "what is KR 2.3?") == "what is KR2.3?"
    assert joined_codes(store, "what is KR 4.2?") == "what is KR4.2?"  # their convention
    assert joined_codes(store, "Python 3 scripts") == "Python 3 scripts"  # written apart
    assert joined_codes(store, "LC 146 approach") == "LC 146 approach"
    answer = eng.ask("what is KR 2.3?")
    assert answer.searched_query == "what is KR2.3?"
    assert [c.path for c in answer.citations] == ["okrs/2025-Q2.md"]
    assert eng.ask("what is KR 4.2?").outcome == "not_covered"
    assert eng.ask("whats the approach for lc146").citations[0].path == "lc/LC 146 LRU Cache.md"


def test_a_number_and_its_unit_written_together_are_the_notes_number_and_unit(
    tmp_path: Path,
) -> None:
    """ "how long do I cook a 1.6kg chicken?" of notes writing "A 1.6 kg chicken" was "Not in
    your notes … don't mention 6kg", and "which recipe is 350F?" of "350 °F" the same: a
    number glued to its unit is searched as the notes write them apart; not a unit they never
    write after that number ("10k" of "10 km"); thousands as the notes write them out."""
    from index.retrieve import split_word

    files = {
        "roast.md": "# Roast chicken\n\nA 1.6 kg chicken: about 1 hour 25 minutes.\n",
        "bread.md": "# Banana bread\n\nOven to 175 °C (350 °F). Run 10 km after.\n",
        "deals.md": "# Globex\n\nAmount: $96,000, monthly billing refused.\n",
    }
    eng = engine_over(tmp_path, files)
    store = eng.store()
    assert split_word(store, "6kg") == "6-kg" and split_word(store, "350f") == "350-f"
    assert split_word(store, "10k") is None and split_word(store, "23rd") is None
    # thousands written out: "Is monthly billing allowed for a $96k deal?" said "Your notes
    # don't mention 96k" of "$96,000"
    assert split_word(store, "96k") == "96,000" and split_word(store, "97k") is None
    assert "96k" not in eng.ask("Is monthly billing allowed for a $96k deal?").missing_terms
    answer = eng.ask("how long do I cook a 1.6kg chicken?")
    assert answer.outcome == "answered" and answer.citations[0].path == "roast.md"
    assert eng.ask("which recipe is 350F?").citations[0].path == "bread.md"


def test_the_engine_reads_a_misspelt_ordinary_word_as_ordinary(tmp_path: Path) -> None:
    """The engine wires the misspelling rule into the ordinary words each question is read
    with: "refernce" of notes that never write "reference" was a missing name."""
    eng = engine_over(tmp_path, {"trip.md": "# Kyoto\n\nHotel Kanra, booking BK-20931744.\n"})
    assert "reference" in eng.common_words()
    assert "refernce" in eng._common("whats the booking refernce for hotel kanra")
    assert "refernce" not in eng.common_words()  # the question's reading, not the vocabulary


def test_a_follow_up_naming_no_day_asks_of_the_last_ones(tmp_path: Path) -> None:
    """ "and deadlift?" after "what did I squat on November 12?" quoted the 26th's deadlift PR
    too: the date rule read the day from the follow-up alone. A follow-up naming no day asks
    of the last question's; one naming its own day asks of that one alone."""
    from assistant.stages.query import Turn

    files = {
        "log/2026-11-12.md": "# 2026-11-12\n\n## Workout\n\nSquat 100 kg. Deadlift 130 kg.\n",
        "log/2026-11-17.md": "# 2026-11-17\n\n## Workout\n\nSquat 102 kg.\n",
        "log/2026-11-26.md": "# 2026-11-26\n\n## Deadlift\n\nDeadlift 140 kg: a deadlift PR.\n",
    }
    eng = engine_over(tmp_path, files)
    first = eng.ask("what did I squat on November 12?")
    turn = Turn(question=first.question, searched_query=first.searched_query)
    follow = eng.ask("and deadlift?", history=[turn])
    assert {c.path for c in follow.citations} == {"log/2026-11-12.md"}, follow.text
    other = eng.ask("and on November 17?", history=[turn])
    assert {c.path for c in other.citations} == {"log/2026-11-17.md"}, other.text


def test_the_sibling_rule_reads_the_notes_headings_and_file_names(tmp_path: Path) -> None:
    """The sibling rule's words: each word of the headings and file names with the words
    written before it ("Car insurance", `home-insurance.md`); "when does the boat insurance
    renew?" is then not covered, a car's renewal date no answer to it."""
    from index.retrieve import heading_modifiers

    files = {
        "car.md": "# Car insurance\n\n## Renewal\n\nRenews on 14 September 2025.\n",
        "travel.md": "# Travel insurance\n\n## Renewal\n\nRenews on 20 June 2025.\n",
        "home-insurance.md": "# Policy\n\n## Renewal\n\nRenews on 1 May 2025.\n",
    }
    eng = engine_over(tmp_path, files)
    assert heading_modifiers(eng.store())["insurance"] == {"car", "travel", "home"}
    boat = eng.ask("when does the boat insurance renew?", explain=True)
    assert boat.abstained and "boat" in boat.missing_terms
    assert boat.explain is not None and "sibling rule: boat" in boat.explain.decision
    assert not eng.ask("when does the car insurance renew?").abstained


def test_the_text_sibling_rule_reads_the_words_written_before_a_word(tmp_path: Path) -> None:
    """The text-sibling rule's words: those the notes' text writes just before a word, in
    lower case (ordinary words, not "AWS"), function words left out; "flood damage" is then
    not covered by a policy that lists water and accidental damage, and with the rule off the
    sibling rule reads headings alone."""
    from index.retrieve import text_modifiers

    files = {
        "home.md": "# Home policy\n\n## Cover\n\nWater damage from burst pipes is covered.\n"
        "Cover for accidental damage is an add-on.\nThe damage excess is £350.\n"
        "AWS damage is none.\n",
    }
    eng = engine_over(tmp_path, files)
    assert text_modifiers(eng.store(), "damage") == {
        "accidental"
    }  # "Water" opens a line, "AWS" a name
    files["home.md"] += "\nWe had water damage in 2023 and storm damages in 2021.\n"
    (tmp_path / "notes" / "home.md").write_text(files["home.md"])
    near = AnswerOptions(uncovered_phrase_line=1.0)  # the fake model's lines score high
    eng = engine_over(tmp_path, files, near)
    assert text_modifiers(eng.store(), "damage") == {"accidental", "water", "storm"}
    flood = eng.ask("Does my home policy cover flood damage?", explain=True)
    assert "flood" in flood.missing_terms
    assert flood.explain is not None and "sibling rule: flood" in flood.explain.decision
    # off, or a line as close as uncovered_phrase_line (it says it in other words): none
    for opts in (
        near.model_copy(update={"text_siblings": False}),
        AnswerOptions(uncovered_phrase_line=-1),
    ):
        off = make_engine(tmp_path / "notes", tmp_path / "idx", options=opts)
        assert "flood" not in off.ask("Does my home policy cover flood damage?").missing_terms


def test_yesterday_is_the_day_before_today(tmp_path: Path, monkeypatch) -> None:
    """ "What did I do yesterday?" in a folder of daily notes quotes yesterday's note, and
    says when there is none, rather than quote another day's."""
    import datetime as dt

    from corpus import dates

    files = {
        "daily/2024-04-22.md": "# 2024-04-22\n\nFixed the flaky billing test at 10:00.\n",
        "daily/2024-04-23.md": "# 2024-04-23\n\nPi-hole stopped resolving local names.\n",
        "daily/2024-04-27.md": "# 2024-04-27\n\nUpgraded Postgres at 02:00, done by 03:10.\n",
        "habits.md": "# What I do\n\nI do push-ups daily; I did yoga before.\n",  # no day's
    }
    eng = engine_over(tmp_path, files)
    monkeypatch.setattr(dates, "today", lambda: dt.date(2024, 4, 24))
    answer = eng.ask("What did I do yesterday?")
    assert answer.outcome == "answered"
    assert {c.path for c in answer.citations} == {"daily/2024-04-23.md"}
    monkeypatch.setattr(dates, "today", lambda: dt.date(2024, 4, 26))
    none = eng.ask("What did I do yesterday?")
    assert none.outcome == "not_covered" and "yesterday (2024-04-25)" in none.missing_terms
    # a day's note under a title of its own: the title alone is no quote
    write(tmp_path / "notes" / "daily/2024-04-25.md", "# Thursday\n\n## Standup\n\nShipped.\n")
    eng.refresh()
    quotes = [c.quote for c in eng.ask("What did I do yesterday?").citations]
    assert quotes and "# Thursday" not in quotes, quotes


def test_a_question_naming_only_a_day_quotes_its_outline_whole(tmp_path: Path) -> None:
    """ "what did I do on march 5th" of a Logseq journal quoted its best top-level item only
    (the outline rule); a question that names nothing but the day asks for all of it."""
    journal = "- Standup\n\t- billing errors up\n- Gym\n\t- squat 100 kg\n- Read DDIA\n"
    eng = engine_over(tmp_path, {"journals/2024_03_05.md": journal, "pages/Gym.md": "- squat\n"})
    answer = eng.ask("what did I do on march 5th")
    first = answer.citations[0]
    assert (first.path, first.start_line, first.end_line) == ("journals/2024_03_05.md", 1, 5)


def test_a_journal_kept_in_one_file_is_quoted_at_the_day_s_entries(tmp_path: Path) -> None:
    """ "what did I write on March 14 2025" of a jrnl file (entries "[2025-03-14 09:12] …",
    no headings) quoted other days' entries, and the day's two entries fell in two pieces of
    the file, one left out. Its entries' stamps make a piece the day's, it is quoted by whole
    entries at the day's, and each piece holding them is quoted; the rule off: as before."""
    from assistant.options import AnswerOptions

    filler = " ".join(f"word{i}" for i in range(120))  # long entries: the file is cut in pieces
    jrnl = (
        f"[2025-03-10 08:00] Monday. {filler}\n\n"
        f"[2025-03-12 19:00] Wednesday. Fixed the garage door.\n\n"
        f"[2025-03-14 09:12] Pi day at work. Brought an apple pie for the team. {filler}\n"
        "Also: the dentist moved my cleaning to April 2.\n\n"
        f"[2025-03-14 21:30] Couldn't sleep, thinking about the staff role. {filler}\n\n"
        "[2025-03-20 07:45] Ran ten miles.\n"
    )
    eng = engine_over(tmp_path, {"jrnl.txt": jrnl, "pies.md": "# Pies\n\nApple pie: six apples.\n"})
    pieces = eng.store().chunks_for_path("jrnl.txt")
    assert len(pieces) >= 2  # the day's entries in more than one piece
    for q in ("what did I write on March 14 2025", "what happened on 2025-03-14?"):
        answer = eng.ask(q)
        cited = [(c.path, c.start_line, c.end_line) for c in answer.citations]
        assert cited[0][0] == "jrnl.txt", (q, cited)
        lines = {n for p, a, b in cited if p == "jrnl.txt" for n in range(a, b + 1)}
        assert {5, 6, 8} <= lines and not lines & {1, 3, 10}, (q, cited)  # the day's alone
    off = make_engine(tmp_path / "notes", tmp_path / "idx", options=AnswerOptions(dates=False))
    cited = [
        (c.start_line, c.end_line) for c in off.ask("what did I write on March 14 2025").citations
    ]
    assert not any(a <= 5 <= b and a <= 8 <= b for a, b in cited)


def test_an_abbreviation_of_a_note_title_its_file_name_gives_is_read_as_it(
    tmp_path: Path,
) -> None:
    """ "what does DDIA say about snapshot isolation" of a Logseq page filed as
    `pages/Designing Data-Intensive Applications.md` (no heading: its file name is its title)
    was "Partly covered. Your notes don't mention DDIA.": abbreviations were read from
    headings only. A note's file name is a heading too."""
    md = "- Snapshot isolation: each transaction reads a consistent snapshot\n- Write skew\n"
    eng = engine_over(tmp_path, {"pages/Designing Data-Intensive Applications.md": md})
    cov = {t.term: t for t in eng.coverage("what does DDIA say about snapshot isolation")}
    assert cov["ddia"].near == "designing data intensive applications"
    assert "DDIA" not in eng.ask("what does DDIA say about snapshot isolation").missing_terms


def test_a_word_inside_a_hyphenated_one_abbreviates_no_heading(tmp_path: Path) -> None:
    """ "What is the te-form of 行く?" was searched as "What is the tortilla española-form of
    行く?": the "te" of "te-form" read as the initials of a note titled "Tortilla española".
    Initials stand alone; "te" on its own still reads as them."""
    eng = engine_over(
        tmp_path,
        {
            "tortilla.md": "# Tortilla española\n\nSix eggs, four potatoes.\n",
            "japanese.md": "# Grammar\n\n## て-form\n\nThe form for requests.\n",
        },
    )
    assert {t.term: t for t in eng.coverage("What is the te-form of 行く?")}["te"].near is None
    assert {t.term: t for t in eng.coverage("How many eggs in a te?")}["te"].near == (
        "tortilla española"
    )
    answer = eng.ask("What is the te-form of 行く?")
    assert answer.searched_query is None or "tortilla" not in answer.searched_query


def test_summarize_phrases_the_question_and_names_nothing_missing(tmp_path: Path) -> None:
    """ "Summarize the Kafka consumer fix" was "Partly covered. Your notes don't mention
    Summarize.": the verb is no whole word of the model's vocabulary, so it read as a name.
    Like "explain" or "list" it phrases the question."""
    md = "# Runbook\n\n## Kafka consumer stuck\n\nFix: restart the consumer pods one by one.\n"
    eng = engine_over(tmp_path, {"runbook.md": md})
    for verb in ("Summarize", "Summarise", "Recap"):
        answer = eng.ask(f"{verb} the Kafka consumer fix")
        assert verb not in answer.missing_terms
        assert answer.outcome != "partly_covered"


def test_a_path_glob_matches_accents_however_composed(tmp_path: Path) -> None:
    """`--path 'Café*'` matched no note named on macOS, which writes "Café" decomposed
    ("Cafe" and a combining accent); nor the other way round."""
    from index.retrieve import path_matches

    nfd, nfc = "Cafe\u0301-Liste.md", "Caf\u00e9-Liste.md"
    assert path_matches(nfd, "Caf\u00e9*") and path_matches(nfc, "Cafe\u0301*")
    eng = engine_over(tmp_path, {nfd: "# Flat white\n\nOrder a flat white at Nomad.\n"})
    assert [h.chunk.path for h in eng.search("flat white", paths=["Caf\u00e9*"])] == [nfd]


def test_tell_me_more_passes_over_what_the_last_answer_quoted(tmp_path: Path) -> None:
    """ "tell me more" and "what else is there?" in the chat returned the very quote before
    them: the follow-up borrowed the last question's words and found the same section."""
    from assistant.stages.query import Turn, asks_for_more
    from assistant.stages.render import NOTHING_MORE

    md = (
        "# Bread\n\n## Sourdough starter\n\nFeed the sourdough starter flour and water daily.\n\n"
        "## Sourdough baking\n\nBake the sourdough loaf at 250 degrees for 40 minutes.\n"
    )
    eng = engine_over(tmp_path, {"bread.md": md})
    first = eng.ask("How do I feed the sourdough starter?")
    assert first.citations, first.reason
    turn = Turn(
        question=first.question,
        searched_query=first.searched_query,
        cited=[(c.path, tuple(c.heading_path)) for c in first.citations],
    )
    for more in ("tell me more", "what else?", "anything else?"):
        assert asks_for_more(more, [turn])
        answer = eng.ask(more, history=[turn], explain=True)
        quoted = {(c.path, tuple(c.heading_path)) for c in answer.citations}
        assert not quoted & set(turn.cited), (more, quoted)
        assert answer.explain and "more rule: passed over" in answer.explain.selection
        assert answer.passed_over == [f"bread.md › {' › '.join(h)}" for _, h in turn.cited]
        if answer.abstained:  # nothing further is no missing word, nor "not in your notes"
            assert not answer.missing_terms and answer.text.startswith(NOTHING_MORE)
    assert not asks_for_more("and for Fargate?", [turn]) and not asks_for_more("tell me more", [])
    # a section about something else is all that is left: nothing further, said as such
    two = {"bread.md": "# Bread\n\nFeed the starter daily.\n", "tax.md": "# Taxes\n\nBy April.\n"}
    lone = engine_over(tmp_path / "lone", two)
    fed = lone.ask("How do I feed the starter?")
    was = Turn(question=fed.question, searched_query=fed.searched_query,
               cited=[(c.path, tuple(c.heading_path)) for c in fed.citations])  # fmt: skip
    nothing = lone.ask("tell me more", history=[was])
    assert nothing.abstained and nothing.text.startswith(NOTHING_MORE), nothing.text
    # the rest of a note the last answer quoted is more, however its lines score (the more
    # rule answers under min_line): "what else?" after the physio note's first line
    strict = AnswerOptions(min_line=0.99)
    knee = {
        "physio.md": "# Physio\n\nThe doctor.\n\n## What to do\n\nSquat to parallel.\n",
        "tax.md": "# Taxes\n\nBy April.\n",
    }
    rest = engine_over(tmp_path / "knee", knee)
    rest.options = strict
    asked = "what did the doctor advise?"  # "advise": in no line, so no whole-line rule
    seen = Turn(question=asked, searched_query=asked, cited=[("physio.md", ("Physio",))])
    more = rest.ask("what else?", history=[seen], explain=True)
    assert [(c.path, c.heading_path) for c in more.citations] == [
        ("physio.md", ["Physio", "What to do"])
    ]
    assert more.explain is not None and "(more rule)" in more.explain.decision
    assert not lone.ask("What is a flat white?").text.startswith(NOTHING_MORE)
    off = make_engine(tmp_path / "notes", tmp_path / "idx", options=AnswerOptions(more=False))
    again = off.ask("tell me more", history=[turn])
    assert {(c.path, tuple(c.heading_path)) for c in again.citations} == set(turn.cited)


def test_a_path_glob_without_a_slash_matches_at_any_depth() -> None:
    """`--path 'Engineering*'` matched nothing in a Notion export, whose every page lies a
    level down (`Acme Wiki 3f2a/Engineering 8e1d/…`). As in .gitignore, a name with no "/"
    matches a folder or file at any depth; one with a "/", or "./", from the top."""
    from index.retrieve import path_matches

    page = "Acme Wiki 3f2a/Engineering 8e1d/Onboarding 9c.md"
    assert path_matches(page, "Engineering*") and path_matches(page, "Engineering 8e1d/")
    assert path_matches(page, "Onboarding*.md") and path_matches("a/git/x.md", "git")
    assert not path_matches(page, "Engineering*/x.md") and not path_matches(page, "./Eng*")
    assert not path_matches(page, "Marketing*") and not path_matches("gitlab/x.md", "git")
    # a page named as Notion shows it, without the export's 32-digit ID ("Meeting Notes"
    # matched nothing; only "Meeting Notes*" did)
    wiki, meetings = "a" * 32, "0123456789abcdef" * 2
    minutes = f"Wiki {wiki}/Meeting Notes {meetings}/March 12 sync {wiki}.md"
    assert path_matches(minutes, "Meeting Notes") and path_matches(minutes, "Meeting Notes/")
    assert path_matches(minutes, "Wiki/Meeting Notes") and path_matches(minutes, "March 12 sync.md")
    assert not path_matches(minutes, "Meeting") and not path_matches(minutes, "./Meeting Notes")


def test_a_clause_or_issue_the_question_names_is_quoted_where_a_section_writes_it(
    tmp_path: Path,
) -> None:
    """The code rule. "What does clause 3.2.2 say?" was declined (its line scored 0.23, the
    runbooks named "…-3.md" ranked first) and "What was issue #1423 about?" answered from
    a whistleblowing clause ("issue" read as "concerns"). A section writing every clause,
    version or issue number the question names is scored and quoted first, with the other
    sections found writing them and none that do not; a line writing them answers under
    `min_line`. A version of a name is that name's: Quill's 3.1.0 is no Orbit 3.1.0."""
    files = {
        "handbook/03-hours.md": "# Working hours\n\n## 3.2 Overtime\n\n3.2.1 Overtime must be "
        "approved in advance.\n\n3.2.2 Approved overtime is compensated as time off in lieu."
        "\n\n## 3.3 Remote work\n\n3.3.1 Remote work up to 3 days a week.\n",
        "runbooks/upgrade-3.md": "# Upgrade to 3.x\n\n## Steps\n\nRun the 3.0 migration, "
        "then say so in the channel.\n",
        "handbook/08-conduct.md": "# Conduct\n\n## Concerns\n\nIssues and concerns can be "
        "raised anonymously.\n",
        "orbit/CHANGELOG.md": "# Orbit changelog\n\n## [2.4.1]\n\n### Fixed\n\n- Login "
        "session timed out after 5 minutes (#1423).\n\n### Security\n\n- Fixed "
        "CVE-2024-27316.\n\n## [2.4.0]\n\n### Added\n\n- JWT validation (#1388).\n",
        "quill/v3.1.0.md": "# Quill 3.1.0\n\n## New\n\n- SAML sign-on.\n",
    }
    eng = engine_over(tmp_path, files, AnswerOptions(min_line=0.9))  # no line clears it
    clause = eng.ask("What does clause 3.2.2 say?", explain=True)
    assert clause.outcome == "answered", clause.explain.decision if clause.explain else ""
    assert [c.path for c in clause.citations] == ["handbook/03-hours.md"]
    assert "3.2.2 Approved overtime" in clause.citations[0].quote
    issue = eng.ask("What was issue #1423 about?", explain=True)
    assert [c.path for c in issue.citations] == ["orbit/CHANGELOG.md"]
    assert "(#1423)" in issue.citations[0].quote
    assert issue.explain is not None and "code rule: first" in issue.explain.selection
    release = eng.ask("What changed in Orbit 2.4.1?")
    assert [c.heading_path[-1] for c in release.citations] == ["Fixed", "Security"]
    assert "Orbit 3.1.0" in eng.ask("What's new in Orbit 3.1.0?").missing_terms
    off = engine_over(tmp_path / "off", files, AnswerOptions(min_line=0.9, codes=False))
    assert off.ask("What does clause 3.2.2 say?").outcome == "not_covered"


def test_a_number_written_inside_a_version_does_not_rank_notes_by_path() -> None:
    """ "What does clause 3.2.2 say?" put `quill-upgrade-3.md` and `orbit-upgrade-2x-to-3.md`
    first by the "3" of their names, and the handbook's "3.2 Overtime" out of the top ten: a
    number the question writes only inside a joined one ranks no path; "lecture 7" still
    does, and a ticket's "INC-2041" is its own name."""
    from index.retrieve import path_terms, query_terms

    def terms(q: str) -> list[str]:
        return path_terms(q, query_terms(q))

    assert terms("What does clause 3.2.2 say?") == ["clause", "say"]
    assert terms("what did lecture 7 cover, and 3.2?") == ["lecture", "7", "cover"]
    assert terms("What was INC-2041?") == ["inc", "2041"]
    assert terms("python 3 and 3.12") == ["python", "3"]


def test_a_typo_the_crude_stem_prefix_also_finds_is_read_as_the_notes_word(
    tmp_path: Path,
) -> None:
    """ "what is thrasing?" was declined: "thras"* found "thrashing", so the word counted as in
    the notes and was never corrected, yet BM25 searched "thrasing" and found nothing. A form
    porter leaves apart with no notes word that near ("autoscaling" where the notes write
    "autoscale") is still found by its prefix, in the count and in the search."""
    eng = engine_over(
        tmp_path,
        {
            "os.md": "# OS\nQ: What is thrashing?\nA: More time paging than executing.\n",
            "k8s.md": "# Nodes\nThe cluster can autoscale its node groups.\n",
            "other.md": "# Other\nNothing about memory here.\n",
        },
    )
    cov = {t.term: t for t in eng.coverage("what is thrasing and autoscaling")}
    assert cov["thrasing"].near == "thrashing"
    assert cov["autoscaling"].near is None and cov["autoscaling"].chunks == 1
    store = eng.store()
    assert store.term_query("autoscaling") == '"autoscal"*'
    assert store.term_query("cluster") == '"cluster"'
    hits = eng.search("autoscaling", mode="bm25")
    assert [h.chunk.path for h in hits] == ["k8s.md"]
    assert eng.search("thrasing", mode="bm25")[0].chunk.path == "os.md"
    # an adjective or a practitioner of the noun the notes write, six letters before "-ic"
    # or "-ist" ("What am I allergic to?" of "## Allergies" was declined: no note says
    # "allergic"); a shorter stem ("organ" of "organic") is too loose to read so
    health = engine_over(
        tmp_path / "health",
        {"allergies.md": "# Allergies\n\n- Penicillin: hives.\n\n## Cardiology\n\nEcho normal.\n"},
    )
    assert {t.term: t.chunks for t in health.coverage("What am I allergic to?")}["allergic"] > 0
    assert health.store().term_query("cardiologist") == '"cardiolog"*'
    assert health.store().term_query("organic") == '"organic"'
    # a value written with its unit's symbol, which the tokenizer reads as a letter ("10kΩ"
    # is one token): "What colour bands does a 10k resistor have?" was told "Your notes
    # don't mention 10k", "When should I use 2.2k pull-ups?" declined
    maker = engine_over(
        tmp_path / "maker",
        {
            "colours.md": "# Resistor colour codes\n\n| Value | Bands |\n|---|---|\n"
            "| 10kΩ | brown black orange |\n",
            "i2c.md": "# I2C\n\n## Pull-ups\n\nLong wires: go down to 2.2kΩ. Bulk: 470µF.\n",
        },
        AnswerOptions(min_line=0.0),
    )
    assert maker.store().term_count("10k") == 1 and maker.store().term_count("470") == 1
    assert maker.store().term_count("22k") == 0
    for q in ("What colour bands does a 10k resistor have?", "When should I use 2.2k pull-ups?"):
        a = maker.ask(q)
        assert a.outcome == "answered" and a.missing_terms == [], a


def test_a_word_written_joined_is_searched_as_its_parts_side_by_side(tmp_path: Path) -> None:
    """ "When do you use a t-test instead of a z-test?" searched "test" alone ("t" is no term):
    `make test` outranked the flashcard that asks it, and "What changed in version 2.3.0?"
    quoted 2.4.0's changes. A word joined by "-" or "." is also searched as a phrase; the
    `phrases` option switches it off."""
    from index.retrieve import query_phrases

    assert query_phrases("Use a t-test, not a Z-Test, in 2.3.0 (see notes.md)") == [
        "t test",
        "z test",
        "2 3 0",
    ]
    assert query_phrases("what does stats.md say") == []
    files = {
        "build.md": "# Build\n`make test` runs the test suite.\nA test per module.\n",
        "stats.md": "# Stats\nQ: When do you use a t-test?\nA: When sigma is unknown.\n",
        "CHANGELOG.md": "# Changelog\n## [2.4.0]\nChanged the 3 retries to 2.\n"
        "Dropped version 0 of the API.\n\n## [2.3.0]\nAdded rate limits.\n",
    }
    eng = engine_over(tmp_path, files)
    first = eng.search("When do you use a t-test?", mode="bm25")[0]
    assert first.chunk.path == "stats.md"
    version = eng.search("What changed in version 2.3.0?", mode="bm25")[0]
    assert version.chunk.heading_path[-1] == "[2.3.0]"
    off = make_engine(tmp_path / "notes", tmp_path / "idx", options=AnswerOptions(phrases=False))
    assert off.search("When do you use a t-test?", mode="bm25")[0].chunk.path == "build.md"
    off_version = off.search("What changed in version 2.3.0?", mode="bm25")[0]
    assert off_version.chunk.heading_path[-1] == "[2.4.0]"


def test_a_family_members_question_is_not_answered_from_anothers_section(tmp_path: Path) -> None:
    """The sibling-heading rule, end to end: "What dose of metoprolol does Mum take?" of a
    medication list with a section per person quoted Sarah's metoprolol, not Mum's list;
    "Is Mum allergic to penicillin?" Sarah's penicillin allergy. Off, as before."""
    files = {
        "medications.md": "# Medications\n\n## Sarah (me)\n\n- Metoprolol 47.5 mg each "
        "morning.\n- Rosuvastatin 10 mg in the evening.\n\n## Mum (Maggie)\n\n- Levothyroxine "
        "75 micrograms before breakfast.\n- Amlodipine 5 mg once daily.\n\n## Leo\n\n- "
        "Salbutamol inhaler, 2 puffs as needed.\n",
        "allergies.md": "# Allergies\n\n## Sarah\n\n- Penicillin: hives at 19.\n\n## Mum\n\n"
        "- Sulfa drugs: rash in 2016.\n",
    }
    eng = engine_over(tmp_path, files, AnswerOptions(min_line=0.0))
    dose = eng.ask("What dose of metoprolol does Mum take?", explain=True)
    assert dose.outcome == "not_covered" and "metoprolol" in dose.missing_terms
    assert {c.heading_path[-1] for c in dose.closest} == {"Mum", "Mum (Maggie)"}
    assert dose.explain is not None and "sibling-heading rule: left out" in dose.explain.selection
    allergy = eng.ask("Is Mum allergic to penicillin?")
    heads = [c.heading_path[-1] for c in allergy.citations]
    assert heads[0] == "Mum" and "Sarah" not in heads
    off = engine_over(tmp_path / "off", files, AnswerOptions(min_line=0.0, sibling_headings=False))
    assert "Sarah" in [
        c.heading_path[-1] for c in off.ask("Is Mum allergic to penicillin?").citations
    ]


def test_a_notes_top_lines_are_said_of_every_section_of_it(tmp_path: Path) -> None:
    """The note-top rule: "At what Kindle location is the highlight 'You do not rise to the
    level of your goals'?" was declined, "Kindle" being in none of the top sections: the
    note's "**Read:** Jan 2024 (audiobook + Kindle)" line is above its Highlights section.
    A note's top section labels every section of it, as its front matter does. Off, as
    before."""
    files = {
        "books/atomic-habits.md": "# Atomic Habits\n\n**Author:** James Clear\n**Read:** Jan "
        "2024 (audiobook + Kindle)\n\n## Highlights\n\n> You do not rise to the level of your "
        "goals. You fall to the level of your systems.\n— location 312\n\n## Notes\n\n- "
        "Four laws: make it obvious, attractive, easy, satisfying.\n",
        "books/deep-work.md": "# Deep Work\n\n**Read:** 2023 (paper)\n\n## Highlights\n\n> "
        "Clarity about what matters provides clarity about what does not.\n— location 88\n",
    }
    q = "At what Kindle location is the highlight 'You do not rise to the level of your goals'?"
    eng = engine_over(tmp_path, files, AnswerOptions(min_line=0.0, local_sections=1))
    a = eng.ask(q)
    assert a.outcome == "answered", a.text
    assert a.citations[0].heading_path == ["Atomic Habits", "Highlights"]
    off = engine_over(
        tmp_path / "off", files, AnswerOptions(min_line=0.0, local_sections=1, note_top=False)
    )
    assert off.ask(q).outcome != "answered"


def test_a_passage_the_question_quotes_is_answered_where_a_note_writes_it(tmp_path: Path) -> None:
    """The code rule reads a quoted passage of four words or more as it reads "#1423":
    "Which book says 'Every action you take is a vote…'?" was answered from a goals note
    ranked first (its path holds "goals"), the Highlights second. The section writing the
    passage, with any punctuation or line break between its words, is quoted first and alone;
    a short quote ('dry run') is no passage. Off, as before."""
    files = {
        "books/atomic-habits.md": "# Atomic Habits\n\n## Highlights\n\n> Every action you "
        "take is a\n> vote for the type of person you wish to become.\n— location 577\n",
        "goals.md": "# Goals\n\n## Reading\n\nRead 20 books; every action counts, take notes "
        "on each type of book.\n",
    }
    eng = engine_over(tmp_path, files, AnswerOptions(min_line=0.9))  # no line clears it
    q = "Which book says 'Every action you take is a vote for the type of person'?"
    a = eng.ask(q, explain=True)
    assert a.outcome == "answered", a.text
    assert [c.path for c in a.citations] == ["books/atomic-habits.md"]
    assert (
        a.explain is not None and "code rule: first books/atomic-habits.md" in a.explain.selection
    )
    assert eng.ask("Which book says 'dry run'?").outcome == "not_covered"
    off = engine_over(tmp_path / "off", files, AnswerOptions(min_line=0.9, codes=False))
    assert off.ask(q).outcome == "not_covered"


def test_chinese_and_japanese_words_are_found_inside_the_tokenizers_runs(tmp_path: Path) -> None:
    """The full-text tokenizer reads a run of Chinese or Japanese characters as one token:
    "what does 在留 mean?" said "Your notes don't mention 在留" (on seven lines), `search
    --mode bm25 在留` found nothing, and "ゴミの日はいつ？" was declined as "ゴミの日はいつ". A
    Chinese or Japanese word is searched and counted as the tokens holding it; a Japanese
    question is read as its katakana and kanji words; one kanji is a term, and a
    two-character word names something (豚汁 missing is said, not answered around)."""
    from assistant.stages.decide import is_neutral
    from index.retrieve import query_terms

    files = {
        "手続き/在留カード更新.md": "# 在留カード更新（Residence card renewal）\n\n## 必要書類\n\n"
        "1. 在留期間更新許可申請書 (application form)\n2. パスポート and 在留カード\n",
        "生活/ゴミの日.md": "# ゴミの日 (Garbage days)\n\n## 可燃ごみ\n\n- 毎週 火曜日・金曜日 — "
        "burnable garbage on Tuesday and Friday\n",
        "料理/味噌汁.md": "# 味噌汁 Miso soup\n\n- 出汁 500ml, 味噌 大さじ2\n",
    }
    eng = engine_over(tmp_path, files, AnswerOptions(min_line=0.0))
    store = eng.store()
    assert store.term_count("在留") == 2 and store.term_count("豚汁") == 0
    hits = eng.search("在留", k=3, mode="bm25")
    assert hits and hits[0].chunk.path == "手続き/在留カード更新.md"
    assert "在留" not in eng.ask("what does 在留 mean?").missing_terms
    assert query_terms("ゴミの日はいつ？") == ["ゴミ", "日"]
    assert query_terms("What is the kun reading of 違?") == ["kun", "reading", "違"]
    assert query_terms("おみくじ") == ["おみくじ"]  # hiragana alone: one word
    assert query_terms("マイナンバーカードで何ができる？") == ["マイナンバーカード"]  # 何: "what"
    garbage = eng.ask("ゴミの日はいつ？")
    assert garbage.outcome == "answered" and garbage.citations[0].path == "生活/ゴミの日.md"
    assert not is_neutral("豚汁") and is_neutral("svc")
    soup = eng.ask("How do I make 豚汁?")
    assert soup.outcome == "not_covered" and "豚汁" in soup.missing_terms


def test_a_hyphenated_word_with_a_part_in_no_note_is_said_to_be_in_none(tmp_path: Path) -> None:
    """ "What BLEU did the Transformer get on WMT16 English-Romanian?" said "The sections
    found don't mention … English-Romanian", as though the notes wrote it elsewhere: they
    write "English" (in another note), never "Romanian". Such a word is in no note."""
    files = {
        "papers/vaswani.md": "# Attention Is All You Need\n\n## Results\n\nWMT14 EN-DE: 28.4 "
        "BLEU (big model).\n",
        "admin/reading.md": "# Reading list\n\n- An English grammar book.\n",
    }
    eng = engine_over(tmp_path, files, AnswerOptions(min_line=0.0, local_sections=1))
    a = eng.ask("What BLEU did the Transformer get on WMT16 English-Romanian?")
    assert a.citations == [] or a.citations[0].path == "papers/vaswani.md"
    assert "English-Romanian" in a.missing_terms
    assert "English-Romanian" not in a.missing_elsewhere


def test_a_name_of_two_words_some_note_writes_is_not_said_to_be_in_none(tmp_path: Path) -> None:
    """ "What did Sarah say about Umbrella Health in the pipeline review?" said "Your notes
    don't mention Umbrella Health", which three notes write: the compound rule's name, in
    no top section, is in the notes (its words side by side), so "The sections found don't
    mention" it; a name no note writes so is in none."""
    files = {
        "reviews/q3-pipeline.md": "# Q3 pipeline review with Sarah\n\n## Acme\n\nSarah said "
        "Acme needs a pilot plan by Friday; she asked about the pipeline review notes.\n",
        "accounts/umbrella.md": "# Accounts\n\n## Hospitals\n\nUmbrella Health renews in May; "
        "champion is Dr. Lee.\n",
    }
    eng = engine_over(tmp_path, files, AnswerOptions(min_line=0.0))
    reviews = ["reviews/*"]  # the sections found: the review's, which never write the name
    a = eng.ask("What did Sarah say about Umbrella Health in the pipeline review?", paths=reviews)
    assert "Umbrella Health" in a.missing_terms and "Umbrella Health" in a.missing_elsewhere
    b = eng.ask("What did Sarah say about Initech Health in the pipeline review?", paths=reviews)
    assert "Initech Health" in b.missing_terms and "Initech Health" not in b.missing_elsewhere
    # joined by a hyphen as the notes write it ("What Z-hop do I use for PLA?": the filament
    # note writes "Z-hop" for PETG), likewise
    files["print/petg.md"] = "# PETG\n\n## Settings\n\nZ-hop 0.4 mm, retraction 1 mm.\n"
    files["print/pla.md"] = "# PLA\n\n## Settings\n\nNozzle 210 C, bed 60 C.\n"
    eng = engine_over(tmp_path / "print", files, AnswerOptions(min_line=0.0))
    c = eng.ask("What Z-hop do I use for PLA?", paths=["print/pla.md"])
    assert "Z-hop" in c.missing_terms and "Z-hop" in c.missing_elsewhere, c
    # one word, an item of a series ("How does P3 handle policy exceptions?" said "Your notes
    # don't mention P3", of a folder with P3's session note)
    files = {
        "p3.md": "# P3 — controller\n\n## Month-end\n\nClose takes 6 days.\n",
        "p1.md": "# P1 — sales rep\n\n## Parking\n\nLoses parking receipts.\n",
        "p2.md": "# P2 — manager\n\n## Parking\n\nPays with the company card.\n",
        "guide.md": "# Discussion guide\n\n## Exceptions\n\nAsk how policy exceptions go.\n",
    }
    eng = engine_over(tmp_path / "uxr", files, AnswerOptions(min_line=0.0))
    d = eng.ask("How does P3 handle policy exceptions?", paths=["guide.md"])
    assert "P3" in d.missing_terms and "P3" in d.missing_elsewhere, d


def test_a_sections_title_above_its_headings_is_stored(tmp_path: Path) -> None:
    """What a section was embedded as is what the store gives back: a note whose headings
    start at "##" keeps its title (`Chunk.title`) through the index, so evidence embedded
    again at question time reads the same text."""
    text = "---\ntitle: Keeping a starter alive\n---\n\n## Feeding\n\nFeed it daily.\n"
    eng = engine_over(tmp_path, {"starter.md": text})
    [stored] = eng.store().chunks_for_path("starter.md")
    assert stored.title == "Keeping a starter alive"
    assert stored.embed_text().startswith("Keeping a starter alive › Feeding\n")
    eng.close()


def test_a_verb_and_particle_written_as_one_word_are_the_notes_two_words(tmp_path: Path) -> None:
    """ "How do I set up login for Decap CMS?" of notes writing "Kevin would log in at /admin"
    was "Partly covered … don't mention login": a word of a verb and its particle the notes
    write apart reads as those words (the joined-words rule the other way round); not a
    function word and a particle ("within"), nor a pair the notes never write."""
    from index.retrieve import split_word

    files = {
        "cms.md": "# Decap CMS\n\nUse Netlify Identity for auth. Kevin would log in at /admin.\n",
        "misc.md": "# Misc\n\nWithin a week, check out the shop.\n",
    }
    eng = engine_over(tmp_path, files)
    store = eng.store()
    assert split_word(store, "login") == "log in" and split_word(store, "checkout") == "check out"
    assert split_word(store, "within") is None and split_word(store, "signup") is None
    answer = eng.ask("How do I set up login for Decap CMS?")
    assert "login" not in answer.missing_terms and answer.citations[0].path == "cms.md"
    eng.close()


def test_a_part_code_is_read_as_the_notes_code_with_its_package_suffix(tmp_path: Path) -> None:
    """The part-suffix rule. "How is the output voltage of the LM317 supply set?" of notes
    writing "LM317T on a heatsink" was declined, "Your notes don't mention voltage, LM317":
    a code of letters then digits is the code the notes write with a letter or two after
    it; not one with more, nor a word ("lm3170" is another part; off with the rule)."""
    from assistant.options import AnswerOptions

    psu = "# Bench supply\n\nLM317T on a heatsink. Output set by R1=240Ω and R2=2.2kΩ.\n"
    eng = engine_over(tmp_path, {"psu.md": psu, "other.md": "# Parts\n- LM3170X spare\n"})
    cov = {t.term: t for t in eng.coverage("LM317 supply, NE555")}
    assert cov["lm317"].near == "lm317t" and cov["lm317"].covered
    assert not cov["ne555"].covered
    off = make_engine(
        tmp_path / "notes", tmp_path / "idx", options=AnswerOptions(part_suffixes=False)
    )
    assert not {t.term: t for t in off.coverage("LM317 supply")}["lm317"].covered


def test_a_word_is_read_as_the_notes_spell_it_american_or_british(tmp_path: Path) -> None:
    """The spelling-variant rule. "How much is the harbor permit?" of notes writing
    "Harbour" was declined, "Your notes don't mention harbor": a word the notes never write
    is read as its other spelling where they write that, each way, in the plural too; not a
    short word as another ("four" is no "for"), nor a word the notes write; off with the rule.
    """
    from assistant.options import AnswerOptions

    files = {
        "harbour.md": "# Harbour scout\n\n- Permit: Harbour Commissioners, £150 for the day.\n",
        "post.md": "# Post\n\nThe colorist grades in the center bay. Gray card first.\n"
        "Anaemia card. We travelled by canoe. Organised the catalogue. Cane for props.\n",
    }
    eng = engine_over(tmp_path, files)
    cov = {t.term: t for t in eng.coverage("harbors colourist centre grey anemia canoe")}
    assert cov["harbors"].near == "harbour" and cov["harbors"].variant
    assert cov["colourist"].near == "colorist" and cov["centre"].near == "center"
    assert cov["grey"].near == "gray" and cov["anemia"].near == "anaemia"
    more = {t.term: t for t in eng.coverage("traveled organized catalog")}
    assert more["traveled"].covered and more["organized"].covered  # stemmed or read so
    assert more["catalog"].near == "catalogue"
    assert cov["canoe"].near is None and not cov["canoe"].variant  # the notes write it
    answer = eng.ask("How much is the harbor permit?", explain=True)
    assert not answer.abstained and answer.citations[0].path == "harbour.md"
    assert "harbor" not in answer.missing_terms and answer.explain is not None
    assert "spelling-variant rule: harbor: harbour" in answer.explain.decision
    off = make_engine(
        tmp_path / "notes", tmp_path / "idx", options=AnswerOptions(spelling_variants=False)
    )
    assert not {t.term: t for t in off.coverage("harbor")}["harbor"].covered


def test_a_word_made_with_y_or_ish_is_read_as_the_word_the_notes_write(tmp_path: Path) -> None:
    """The derived-word rule. "how do I stop the wet palette getting mouldy" was declined,
    "don't mention mouldy", of notes writing "no mould": the stemmer leaves "-y" on, and a
    word that differs from a notes word only at its end is no typo. A word out of the model's
    vocabulary made of a notes word with "-y", "-ish" or "-age" is read as it ("shrinkage");
    not a vocabulary word ("party" is no "part"), nor with the rule off."""
    from assistant.options import AnswerOptions

    md = (
        "# Wet palette\n\n- a drop of Milton in the water = no mould\n- part: blue sponge\n"
        "- shrink: 12%\n"
    )
    eng = engine_over(tmp_path, {"wet.md": md})
    cov = {t.term: t for t in eng.coverage("getting mouldy with a bluish party shrinkage")}
    assert cov["mouldy"].near == "mould" and cov["mouldy"].derived
    assert cov["shrinkage"].near == "shrink" and cov["shrinkage"].derived
    assert cov["bluish"].near == "blue" and cov["party"].near is None
    answer = eng.ask("how do I stop the wet palette getting mouldy", explain=True)
    assert "mouldy" not in answer.missing_terms and answer.explain is not None
    assert "derived-word rule: mouldy: mould" in answer.explain.decision
    off = make_engine(
        tmp_path / "notes", tmp_path / "idx", options=AnswerOptions(derived_words=False)
    )
    assert not {t.term: t for t in off.coverage("mouldy")}["mouldy"].covered


def test_a_part_number_is_read_with_or_without_its_hyphen_as_the_notes_write_it(
    tmp_path: Path,
) -> None:
    """Part numbers are written both ways: "How long between DHT-22 reads?" said "Your notes
    don't mention DHT-22" over the DHT22's section, and "What's the range of the HCSR04?"
    and "…the 28BYJ48?" were declined of notes headed "HC-SR04" and "28BYJ-48"."""
    from index.retrieve import joined_codes, split_word

    files = {
        "sensors.md": "# Sensors\n\n## DHT22\n\n- min 2s between reads\n\n"
        "## HC-SR04 ultrasonic\n\n- range 2cm-400cm\n\n## 28BYJ-48 stepper\n\n- 2048 steps\n",
        "log.md": "# Log\n\nGPT-3 wrote it. COVID 19 week.\n",
    }
    eng = engine_over(tmp_path, files)
    store = eng.store()
    assert joined_codes(store, "How long between DHT-22 reads?") == "How long between DHT22 reads?"
    assert joined_codes(store, "what did GPT-3 say") == "what did GPT-3 say"  # written apart
    assert joined_codes(store, "COVID-19 rules") == "COVID-19 rules"
    assert joined_codes(store, "the DHT-11?") == "the DHT-11?"  # no "DHT11": as written
    assert split_word(store, "hcsr04") == "hc-sr04" and split_word(store, "28byj48") == "28byj-48"
    assert split_word(store, "esp32") is None  # written nowhere
    for q, line in [
        ("How long between DHT-22 reads?", "min 2s between reads"),
        ("What's the range of the HCSR04?", "range 2cm-400cm"),
    ]:
        a = eng.ask(q)
        assert a.outcome == "answered" and line in a.citations[0].quote, a.text


def test_a_word_ending_in_ss_is_not_searched_as_a_shorter_prefix(tmp_path: Path) -> None:
    """ "compass" counted as written in a boat's notes that write "compacts" and
    "companionway": its crude stem "compas"* is stemmed again by the index, to "compa"*. A
    word's double "s" is its own; its plural still finds it."""
    files = {"boat.md": "# Boat\n\nThe bilge pump compacts nothing. Companionway steps.\n"}
    eng = engine_over(tmp_path, files, AnswerOptions())
    cov = {t.term: t for t in eng.coverage("compass bearings, companionways")}
    assert not cov["compass"].covered
    assert cov["companionways"].covered
    other = engine_over(tmp_path / "b", {"nav.md": "# Nav\n\nHand bearing compass.\n"})
    assert {t.term: t for t in other.coverage("compasses")}["compasses"].covered


def test_an_abbreviation_asked_of_is_searched_as_the_phrase_the_notes_spell_it(
    tmp_path: Path,
) -> None:
    """ "What does DH mean in my notes?" was declined (best line 0.265) of a brew log whose
    README writes "**DH** = dry hop" and whose batches write "DH 2 oz Citra": a question
    asking only what an abbreviation means is searched with the phrase a line writes beside
    it, whose initials it is (the abbreviation rule read the other way)."""
    from index.retrieve import spelled_out

    files = {
        "README.md": "# Brew log\n\n## Abbrevs\n\n- **BIAB** = brew in a bag\n"
        "- **FWH** = first wort hop, **DH** = dry hop\n- **KS** = kettle sour\n",
        "b05.md": "# B05 NEIPA\n\n## Hops\n\n- DH #1: 2 oz Citra day 2\n- DH #2: 2 oz Mosaic\n",
        "b09.md": "# B09 APA\n\nCascade 2 oz WP 20 min; DH 2 oz Centennial day 4.\n",
        "b12.md": "# B12 Hazy\n\n- DH 4 oz Citra + 2 oz Nelson day 7\n",
        "sync.md": "# Sync\n\nQuickBooks Online (QBO) sync fails when the token expires.\n",
    }
    eng = engine_over(tmp_path, files, AnswerOptions())
    store = eng.store()
    q = "What does DH mean in my notes?"
    assert spelled_out(store, q) == ("What does DH (dry hop) mean in my notes?", {"DH": "dry hop"})
    assert spelled_out(store, "what does BIAB stand for")[1] == {"BIAB": "brew in a bag"}
    assert spelled_out(store, "What is QBO?")[1] == {"QBO": "QuickBooks Online"}  # before it
    assert spelled_out(store, "How much DH in B05?")[1] == {}  # asks more than its meaning
    assert spelled_out(store, "What does WP mean?")[1] == {}  # no phrase of its initials
    a = eng.ask(q, explain=True)
    assert a.outcome == "answered" and a.citations[0].path == "README.md", a.text
    assert "**DH** = dry hop" in a.citations[0].quote
    assert a.explain is not None and "abbreviation rule: DH: dry hop" in a.explain.decision


def test_a_phrase_the_notes_abbreviate_is_searched_as_its_abbreviation(tmp_path: Path) -> None:
    """ "How do I do the oxalic acid trickle?" was declined, "The sections found don't mention
    oxalic", of a hive log whose glossary writes "| OA | oxalic acid |" and whose "## OA
    trickle" answers it: a phrase a line of the notes writes beside its initials in capitals
    is searched with them too (the abbreviation rule), and a section writing them mentions
    the phrase's words."""
    from index.retrieve import abbreviated

    files = {
        "glossary.md": "# Abbreviations\n\n| abbr | meaning |\n|---|---|\n| OA | oxalic acid |\n",
        "treatments.md": "# Treatments\n\n## OA trickle\n\n1. warm the syrup\n"
        "2. 5 ml per seam of bees\n\n## Apivar\n\nStrips in for 6 weeks.\n",
        "sync.md": "# Sync\n\nQBO (QuickBooks Online) sync fails when the token expires.\n",
    }
    opts = AnswerOptions(min_line=0.0)
    eng = engine_over(tmp_path, files, opts)
    store = eng.store()
    q = "How do I do the oxalic acid trickle?"
    assert abbreviated(store, q) == (
        "How do I do the oxalic acid (OA) trickle?",
        {"oxalic acid": "OA"},
    )
    assert abbreviated(store, "Why does the QuickBooks Online sync fail?")[1] == {
        "QuickBooks Online": "QBO"  # a word's own capitals
    }
    assert abbreviated(store, "Is OA the oxalic acid one?")[1] == {}  # written already
    assert abbreviated(store, "How do I mix the acid trickle?")[1] == {}  # not defined
    a = eng.ask(q, explain=True)
    assert a.outcome != "not_covered" and a.citations[0].path == "treatments.md", a.text
    assert a.explain is not None and "abbreviation rule: oxalic acid: OA" in a.explain.decision
    off = engine_over(tmp_path / "off", files, AnswerOptions(min_line=0.0, abbreviations=False))
    b = off.ask(q)
    assert b.outcome == "not_covered" or b.citations[0].path != "treatments.md", b.text


def test_the_whole_line_rule_s_section_is_quoted_first(tmp_path: Path) -> None:
    """ "What did Jonas say about süffig?" was answered by the whole-line rule (one line writes
    both) but quoted first another client's section, whose cosine was higher, and left the
    line out: the section the rule found is the one the answer rests on, quoted first."""
    files = {
        "clients.md": "# Clients\n\n## Brandt\n\nJonas prefers the imperative. Jonas again.\n\n"
        "## Lumen\n\nJonas wants short copy, Jonas says.\n",
        "queries.md": "# Queries\n\n## Q-02\n\nHopfenhaus: süffig? Jonas: easy-drinking.\n",
    }
    eng = engine_over(tmp_path, files, AnswerOptions(min_line=0.99))
    a = eng.ask("What did Jonas say about süffig?", explain=True)
    assert a.outcome == "answered" and a.citations[0].path == "queries.md", a.text
    assert a.explain is not None and "whole-line rule: first queries.md" in a.explain.selection


def test_a_note_deleted_after_indexing_is_no_error_for_the_quoted_notes_rule(
    tmp_path: Path,
) -> None:
    """The quoted-notes rule reads each quoted note as the index holds it, not from disk: a
    note deleted since the index saw it (no refresh yet) is no traceback."""
    files = {"games.md": "# Games\n\n## Azul\n- income: tiles score their row\n",
             "wish.md": "# Wishlist\n- Patchwork\n"}  # fmt: skip
    eng = engine_over(tmp_path, files)
    (tmp_path / "notes" / "games.md").unlink()
    answer = eng.ask("How does income scoring work in Patchwork?")
    assert answer.outcome in ("answered", "partly_covered", "not_covered"), answer.text
    assert "income" in eng._note_text("games.md")  # the snapshot's text, the file gone
