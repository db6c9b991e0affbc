"""The gold harness, its thresholds check, the `assistant eval` commands and the BEIR runner.

Scoring logic is checked on hand-made results; the end-to-end runs use the real engine, store
and chunker with the fast fake embedder (the real-model run is `assistant eval` in CI).
"""

from __future__ import annotations

import functools
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.errors import UsageError
from assistant.eval import beir, gold
from assistant.eval import cli as eval_cli
from assistant.eval.gold import QuestionResult

FIXTURE = Path(__file__).parent / "fixtures" / "beir_tiny"
A, B, C = "Intro", "Intro › Hands-on lab", "AWS APP Runner"


def result(
    tier,
    expected,
    ranked,
    *,
    abstained=False,
    found=(),
    cited=(),
    missing=(),
    missing_expected=(),
    citations=1,
    valid=1,
    ms=10.0,
):
    return QuestionResult(
        id="x",
        tier=tier,
        question="q",
        expected=list(expected),
        abstained=abstained,
        ranked_sections=list(ranked),
        cited_sections=list(cited),
        key_phrases_found=list(found),
        citations=citations,
        citations_valid=valid,
        missing_terms=list(missing),
        missing_expected=list(missing_expected),
        latency_ms=ms,
    )


def test_summarize_hand_computed():
    rs = [
        result("direct", [A], [A, B], found=[True, True], cited=[A], ms=10),
        result("direct", [A], [B, C, A], found=[True, False], cited=[B], ms=20),
        # abstained on an answerable question: a miss although retrieval ranked it first
        result("paraphrase", [C], [C], abstained=True, found=[False], citations=0, valid=0, ms=30),
        result("multi", [A, B], [A, C, B], found=[True, True], cited=[A, B], ms=40),
        result("unanswerable", [], [A], abstained=True, citations=0, valid=0, ms=50),
        result("unanswerable", [], [A], abstained=False, citations=2, valid=1, ms=60),
    ]
    s = gold.summarize(rs)
    assert s["n"] == 6 and s["answerable"] == 4
    assert s["hit_at_1"] == pytest.approx(2 / 4)
    assert s["hit_at_3"] == pytest.approx(3 / 4)
    assert s["mrr_at_10"] == pytest.approx((1 + 1 / 3 + 0 + 1) / 4)
    assert s["retrieval"]["hit_at_1"] == pytest.approx(3 / 4)  # without the abstention gate
    assert s["both_at_3"] == 1.0
    assert s["key_phrase_recall"] == pytest.approx((1 + 0.5 + 0 + 1) / 4)
    assert s["answer_cites_expected"] == pytest.approx(2 / 4)
    assert s["citation_validity"] == pytest.approx(4 / 5)
    assert s["abstention_precision"] == pytest.approx(1 / 2)
    assert s["abstention_recall"] == pytest.approx(1 / 2)
    assert s["p50_ms"] == pytest.approx(35.0)
    assert s["missing_named"] is None


def test_missing_terms_named():
    ok = result(
        "partial",
        [C],
        [C],
        missing=["github", "repositori"],
        missing_expected=["github", "repository"],
    )
    bad = result("partial", [C], [C], missing=["straight"], missing_expected=["github"])
    assert ok.missing_named and not bad.missing_named
    assert gold.summarize([ok, bad])["missing_named"] == 0.5


def _report(h, b, d, tier_h=None, n=10):
    def mode(v, tv):
        return {
            "overall": {"mrr_at_10": v, "hit_at_3": v},
            "tiers": {
                "direct": {"mrr_at_10": tv, "answerable": n},
                "unanswerable": {"mrr_at_10": None, "answerable": 0},
            },
        }

    return {
        "modes": {
            "hybrid": mode(h, tier_h if tier_h is not None else h),
            "bm25": mode(b, b),
            "dense": mode(d, d),
        }
    }


def test_check_thresholds_and_comparison():
    t = {"hybrid": {"hit_at_3": 0.9}, "compare": {"hybrid_mrr_at_least_parts": True}}
    assert gold.check_thresholds(_report(0.95, 0.9, 0.8), t) == []
    fails = gold.check_thresholds(_report(0.85, 0.9, 0.8), t)
    assert any("hit_at_3" in f for f in fails) and any("overall" in f for f in fails)
    fails = gold.check_thresholds(_report(0.95, 0.9, 0.8, tier_h=0.7), t)
    assert fails == ["hybrid MRR@10 on direct = 0.700 below the better part (0.900)"]
    # equal overall is not "strictly better"
    assert gold.check_thresholds(_report(0.9, 0.9, 0.8), t)
    # comparison only when all three modes ran; figures no mode reports fail
    one = {"modes": {"hybrid": _report(0.95, 0, 0)["modes"]["hybrid"]}}
    assert gold.check_thresholds(one, t) == []
    assert gold.check_thresholds(one, {"hybrid": {"nope": 1}}) == ["hybrid: nope was not measured"]
    assert gold.check_thresholds(one, {"hybrid": {"max_hit_at_3": 0.5}})
    # a figure the gold set has no questions for (only unanswerable ones: no ranking) is
    # said, not failed; a typo still fails
    none = {"modes": {"hybrid": {"overall": {"hit_at_1": None, "abstention_recall": 1.0}}}}
    gated = {"hybrid": {"hit_at_1": 0.8, "abstention_recall": 0.9}}
    assert gold.check_thresholds(none, gated) == []
    assert gold.unmeasured(none, gated) == ["hybrid hit_at_1"]
    said = {"modes": {}, "unmeasured": gold.unmeasured(none, gated)}
    assert "has no questions for them: hybrid hit_at_1" in gold.format_report(said, [])
    low = {"modes": {"hybrid": {"overall": {"hit_at_1": None, "abstention_recall": 0.5}}}}
    assert gold.check_thresholds(low, gated) == ["hybrid: abstention_recall = 0.500 below 0.9"]


def test_tier_comparison_tolerates_one_question_when_asked():
    t = {"compare": {"hybrid_mrr_at_least_parts": True, "tier_tolerance_questions": 1}}
    # 10 answerable questions: one question's worth is 0.1 of MRR
    assert gold.check_thresholds(_report(0.95, 0.9, 0.8, tier_h=0.81), t) == []
    fails = gold.check_thresholds(_report(0.95, 0.9, 0.8, tier_h=0.79), t)
    assert fails == [
        "hybrid MRR@10 on direct = 0.790 below the better part (0.900), "
        "more than 1 question(s) behind"
    ]
    # overall stays strict
    assert gold.check_thresholds(_report(0.9, 0.9, 0.8), t)


def test_targets_table_shows_floor_and_target_and_gates_only_floors():
    report = {"modes": {"hybrid": {"overall": {"hit_at_3": 0.93, "key_phrase_recall": 0.95}}}}
    floors = {"hybrid": {"hit_at_3": 0.91}}
    targets = {"hybrid": {"hit_at_3": 0.95, "key_phrase_recall": 0.9}}
    table = gold.format_targets(report, floors, targets)
    lines = table.splitlines()
    assert "floor (gated)" in lines[0] and "target (not gated)" in lines[0]
    hit = next(line for line in lines if "hit_at_3" in line)
    assert "0.930" in hit and "0.91" in hit and "0.95" in hit and "not met yet" in hit
    kp = next(line for line in lines if "key_phrase_recall" in line)
    assert kp.split()[3] == "-" and kp.endswith("target met")
    assert gold.check_thresholds(report, floors) == []
    assert gold.check_thresholds(report, targets)


def test_sections_named_with_their_file_in_a_folder_of_many_notes():
    class H:
        def __init__(self, path, hp):
            self.chunk = type("C", (), {"path": path, "heading_path": hp})()

    hits = [H("a.md", ["Details"]), H("b.md", ["Details"]), H("a.md", ["Details"]), H("c.md", [])]
    assert gold.ranked_sections(hits) == ["Details", ""]
    assert gold.ranked_sections(hits, with_file=True) == [
        "a.md › Details",
        "b.md › Details",
        "c.md",
    ]
    assert gold.names_files(["git/rebase.md › Rebase"]) and gold.names_files(["notes.markdown"])
    assert not gold.names_files(["Intro › Load balancer integration"])
    assert not gold.names_files([])


# --------------------------------------------------------------------------- end to end


@pytest.fixture
def fake_engine(notes_dir, tmp_path):
    from fakes import FakeEmbedder

    from assistant.engine import Engine
    from assistant.settings import load_settings

    def make(notes=None, index_dir=None):
        return Engine(
            load_settings(notes=notes or notes_dir, index=index_dir or tmp_path / "index"),
            embedder=FakeEmbedder(),
        )

    return make


def test_duplicate_citations_counts_overlapping_lines_of_one_file():
    from types import SimpleNamespace as C

    cites = [
        C(path="a.md", start_line=3, end_line=6),
        C(path="b.md", start_line=3, end_line=6),  # other file: not a duplicate
        C(path="a.md", start_line=6, end_line=8),  # shares line 6 with the first
        C(path="a.md", start_line=9, end_line=9),  # adjacent, not overlapping
    ]
    assert gold.duplicate_citations(cites) == 1
    assert gold.duplicate_citations([]) == 0


def test_run_gold_end_to_end(fake_engine):
    questions = [q for q in gold.load_gold() if q.id in {"g01", "g34", "g44", "g58"}]
    engine = fake_engine()
    engine.ensure_ready()
    report = gold.run_gold(engine, questions, ["bm25", "hybrid"])
    for mode in ("bm25", "hybrid"):
        res = report["modes"][mode]
        assert res["overall"]["n"] == 4
        assert res["overall"]["citation_validity"] == 1.0
        assert {q["id"] for q in res["questions"]} == {q.id for q in questions}
        for q in res["questions"]:
            assert all(isinstance(s, str) and s for s in q["ranked_sections"])
            assert q["outcome"] in {"answered", "partly_covered", "not_covered"}
            assert (q["outcome"] == "not_covered") == q["abstained"]
    # the plainest question is found even by the fake embedder's lexical half
    g01 = next(q for q in report["modes"]["bm25"]["questions"] if q["id"] == "g01")
    assert g01["ranked_sections"][0] == "Intro › Load balancer integration"
    text = gold.format_report(report, [])
    assert "mode: hybrid" in text and "MRR@10" in text and "All thresholds met." in text


def test_cli_exit_codes_and_outputs(monkeypatch, tmp_path):
    from fakes import fake_engine

    small = tmp_path / "gold.jsonl"
    small.write_text(
        "".join(line for line in gold.GOLD_FILE.read_text().splitlines(keepends=True)[:3])
    )
    lax = tmp_path / "lax.toml"
    lax.write_text("[hybrid]\ncitation_validity = 1.0\n")
    strict = tmp_path / "strict.toml"
    strict.write_text("[hybrid]\nhit_at_1 = 1.01\n")
    runner = CliRunner()
    obj = {"engine_factory": fake_engine}  # the CLI's seam: engines with the fake embedder
    out = tmp_path / "out" / "report.json"
    r = runner.invoke(
        eval_cli.eval_cmd,
        ["--gold", str(small), "--thresholds", str(lax), "--out", str(out)],
        obj=obj,
    )
    assert r.exit_code == 0, r.output
    assert "mode: hybrid" in r.output and "All thresholds met." in r.output
    saved = json.loads(out.read_text())
    assert saved["passed"] is True and list(saved["modes"]) == ["hybrid"]

    r = runner.invoke(
        eval_cli.eval_cmd, ["--gold", str(small), "--thresholds", str(strict), "--json"], obj=obj
    )
    assert r.exit_code == 1
    data = json.loads(r.output)
    assert data["passed"] is False and data["failures"]

    r = runner.invoke(eval_cli.eval_cmd, ["--mode", "nope"], obj=obj)
    assert r.exit_code == 2

    # no --thresholds: gated on the committed floors, the targets printed beside the figures
    calls: list[str] = []
    real_load = gold.load_thresholds
    monkeypatch.setattr(
        gold, "load_thresholds", lambda p: calls.append(Path(p).name) or real_load(p)
    )
    r = runner.invoke(eval_cli.eval_cmd, ["--gold", str(small)], obj=obj)
    assert calls == ["regression.toml", "thresholds.toml"]
    assert "target (not gated)" in r.output


BAD_GOLD = [
    ('{"id": "a", "tier": "direct", ', "1: not valid JSON"),
    ('["a", "direct"]', "1: a question is a JSON object, not list"),
    ('{"id": "a", "tier": "direct", "expected": ["x"]}', "1: 'question' is missing"),
    ('{"id": "a", "tier": "easy", "question": "q?", "expected": ["x"]}', "unknown tier 'easy'"),
    ('{"id": "a", "tier": "direct", "question": "q?", "expected": "x.md › X"}',
     "'expected' must be a list of strings"),  # it was split into characters
    ('{"id": "a", "tier": "partial", "question": "q?", "expected": ["x"], "missing": "y"}',
     "'missing' must be a list of strings"),
    ("", ": no questions"),  # an empty set measured nothing and passed
]  # fmt: skip


@pytest.mark.parametrize("line, said", BAD_GOLD)
def test_a_gold_file_it_cannot_take_is_a_usage_error_naming_file_and_line(
    tmp_path, line: str, said: str
):
    """A malformed gold file was a traceback and exit 1, read by CI as "below threshold"."""
    from fakes import fake_engine

    bad = tmp_path / "gold.jsonl"
    bad.write_text(line + "\n", encoding="utf-8")
    r = CliRunner().invoke(
        eval_cli.eval_cmd, ["--gold", str(bad)], obj={"engine_factory": fake_engine}
    )
    assert r.exit_code == 2, r.output
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"assistant: error: {bad}"), r.stderr
    assert said in lines[0], r.stderr
    bad.write_bytes(b"\xff\xfe{")
    r = CliRunner().invoke(
        eval_cli.eval_cmd, ["--gold", str(bad)], obj={"engine_factory": fake_engine}
    )
    assert r.exit_code == 2 and "not UTF-8 text" in r.stderr


@pytest.mark.parametrize(
    "toml, said",
    [
        ("[hybird]\nhit_at_3 = 0.9\n", "unknown table or key 'hybird'"),  # gated on nothing
        ("hit_at_3 = 0.9\n", "unknown table or key 'hit_at_3'"),
        ('[hybrid]\nhit_at_3 = "high"\n', "[hybrid] hit_at_3 must be a number"),
        ("[hybrid\n", "not valid TOML"),
    ],
)
def test_a_thresholds_file_it_cannot_take_is_a_usage_error(tmp_path, toml: str, said: str):
    path = tmp_path / "t.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(UsageError, match=re.escape(said)):
        gold.load_thresholds(path)


def test_a_gold_question_the_assistant_refuses_is_named(tmp_path):
    from fakes import fake_engine

    path = tmp_path / "gold.jsonl"
    path.write_text('{"id": "q7", "tier": "unanswerable", "question": "when?"}\n')
    r = CliRunner().invoke(
        eval_cli.eval_cmd, ["--gold", str(path)], obj={"engine_factory": fake_engine}
    )
    assert r.exit_code == 2 and r.stderr.startswith("assistant: error: question 'q7': ")


def test_ctrl_c_during_eval_is_interrupted_exit_130(monkeypatch):
    """It printed click's "Aborted!" and exited 1, read by CI as "below threshold"."""
    from fakes import fake_engine

    def interrupted(*a, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(gold, "run_gold", interrupted)
    r = CliRunner().invoke(eval_cli.eval_cmd, [], obj={"engine_factory": fake_engine})
    assert r.exit_code == 130 and r.stderr == "assistant: interrupted\n"


def test_main_cli_attaches_eval():
    from assistant.cli import cli

    assert cli.get_command(None, "eval") is eval_cli.eval_cmd


def test_beir_runner_caches_index(tmp_path):
    from fakes import FakeEmbedder

    data = tmp_path / "ds"
    shutil.copytree(FIXTURE, data)
    emb = FakeEmbedder()
    first = beir.run_beir(data, cache_root=tmp_path / "cache", embedder=emb)
    assert first["documents"] == 6 and first["queries"] == 3
    assert first["chunks_embedded"] > 0 and not first["notes_reused"]
    for mode in ("bm25", "dense", "hybrid"):
        s = first["modes"][mode]
        for key in ("ndcg@10", "recall@100", "mrr@10"):
            assert 0.0 <= s[key] <= 1.0
    # every judged doc is among the 6 retrieved docs for the lexical run of q1
    assert first["modes"]["bm25"]["recall@100"] > 0
    calls = emb.texts_embedded
    second = beir.run_beir(data, cache_root=tmp_path / "cache", embedder=emb, limit_queries=1)
    assert second["notes_reused"] and second["chunks_embedded"] == 0
    assert second["queries"] == 1
    assert emb.texts_embedded - calls == 1  # only the one query was embedded
    assert "nDCG@10" in beir.format_beir(second)


def test_beir_cli(monkeypatch, tmp_path):
    from fakes import FakeEmbedder

    monkeypatch.setattr(beir, "run_beir", functools.partial(beir.run_beir, embedder=FakeEmbedder()))
    r = CliRunner().invoke(
        eval_cli.eval_cmd,
        ["beir", str(FIXTURE), "--mode", "bm25", "--cache", str(tmp_path / "c"), "--json"],
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.output[r.output.index("{") :])
    assert list(data["modes"]) == ["bm25"]
    r = CliRunner().invoke(eval_cli.eval_cmd, ["beir", str(tmp_path)])
    assert r.exit_code == 2
