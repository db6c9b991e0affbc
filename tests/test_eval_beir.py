"""BEIR loading, writing a corpus as notes (cached), and mapping chunk hits back to docs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.eval import beir

FIXTURE = Path(__file__).parent / "fixtures" / "beir_tiny"


def test_load_corpus_queries_qrels():
    docs = list(beir.iter_corpus(FIXTURE))
    assert [d.id for d in docs] == ["d1", "d2", "d3", "d4", "d5", "D/6 weird id"]
    assert docs[0].title == "Application Load Balancer"
    assert beir.load_queries(FIXTURE)["q2"] == "serverless containers"
    assert beir.load_qrels(FIXTURE)["q3"] == {"d4": 2, "D/6 weird id": 1}


def test_check_dataset_names_missing_file(tmp_path):
    (tmp_path / "corpus.jsonl").write_text("")
    with pytest.raises(beir.BeirFormatError, match=r"queries\.jsonl"):
        beir.check_dataset(tmp_path)


def test_bad_jsonl_line_is_reported(tmp_path):
    (tmp_path / "corpus.jsonl").write_text('{"_id": "a", "text": "x"}\nnot json\n')
    with pytest.raises(beir.BeirFormatError, match=":2:"):
        list(beir.iter_corpus(tmp_path))


def test_doc_filename_safe_and_unique():
    ids = ["d1", "D1", "a/b", "a:b", "../../etc/passwd", "", " ", "x" * 500, "é"]
    names = [beir.doc_filename(i) for i in ids]
    assert len(set(names)) == len(ids)
    assert len({n.lower() for n in names}) == len(ids)  # case-insensitive filesystems
    for n in names:
        folder, base = n.split("/")
        assert len(folder) == 2 and base.endswith(".md") and ".." not in base
        assert len(base) < 100
        assert all(c.isalnum() or c in "._-" for c in base)


def test_doc_markdown():
    md = beir.doc_markdown(beir.Doc("x", "Title\nsplit", "line1\r\nline2\n"))
    assert md == "# Title split\n\nline1\nline2\n"
    assert beir.doc_markdown(beir.Doc("x", "", "just text")) == "just text\n"


def test_prepare_writes_notes_once(tmp_path):
    data = tmp_path / "ds"
    shutil.copytree(FIXTURE, data)
    cache = tmp_path / "cache"
    first = beir.prepare(data, cache_root=cache)
    assert not first.reused and first.documents == 6
    docmap = first.docmap()
    assert sorted(docmap.values()) == sorted(["d1", "d2", "d3", "d4", "d5", "D/6 weird id"])
    notes = sorted(p.relative_to(first.notes_dir).as_posix() for p in first.notes_dir.rglob("*.md"))
    assert notes == sorted(docmap)
    d1 = first.notes_dir / beir.doc_filename("d1")
    assert d1.read_text().startswith("# Application Load Balancer\n\nThe ALB routes")

    again = beir.prepare(data, cache_root=cache)
    assert again.reused and again.notes_dir == first.notes_dir

    # changed content -> a different cache folder
    with open(data / "corpus.jsonl", "a") as fh:
        fh.write(json.dumps({"_id": "d7", "title": "New", "text": "More."}) + "\n")
    changed = beir.prepare(data, cache_root=cache)
    assert not changed.reused and changed.cache_dir != first.cache_dir and changed.documents == 7


def test_doc_run_best_chunk_and_order():
    docmap = {"aa/x.md": "X", "bb/y.md": "Y", "cc/z.md": "Z"}
    hits = [
        ("bb/y.md", 0.9),
        ("aa/x.md", 0.8),
        ("bb/y.md", 0.7),
        ("zz/unknown.md", 0.6),
        ("cc/z.md", 0.5),
    ]
    assert beir.doc_run(hits, docmap, k=100) == {"Y": 100.0, "X": 99.0, "Z": 98.0}
    assert beir.doc_run(hits, docmap, k=2) == {"Y": 2.0, "X": 1.0}
    assert beir.max_score_run(hits, docmap) == {"Y": 0.9, "X": 0.8, "Z": 0.5}
