"""`ask --explain`: the trace of an answer (candidates, decision, quote rules, options), with the
real engine, store and chunker and the fast fake embedder."""

from __future__ import annotations

from pathlib import Path

from fakes import FakeEmbedder

from assistant.engine import Engine
from assistant.options import AnswerOptions
from assistant.settings import load_settings


def engine(notes: Path, tmp: Path, options: AnswerOptions | None = None) -> Engine:
    e = Engine(load_settings(notes=notes, index=tmp / "index"), FakeEmbedder(), options)
    e.ensure_ready()
    return e


def test_explain_traces_candidates_decision_quotes_and_options(notes_dir: Path, tmp_path: Path):
    e = engine(notes_dir, tmp_path)
    plain = e.ask("Which load balancer is preferred for ECS?")
    assert plain.explain is None  # only when asked for
    a = e.ask("Which load balancer is preferred for ECS?", explain=True)
    assert a.citations == plain.citations  # explaining changes nothing
    t = a.explain
    assert t is not None and t.decision.startswith("answered")
    assert t.options == AnswerOptions().model_dump()
    ranked = [c for c in t.candidates if c.lexical_rank is not None]
    assert ranked and all(c.fused_score > 0 for c in t.candidates)
    quoted = {(c.path, tuple(c.heading_path)) for c in t.candidates if c.quoted}
    assert {(c.path, tuple(c.heading_path)) for c in a.citations} <= quoted
    assert [q.n for q in t.quotes] == [c.n for c in a.citations]
    assert all(q.rules for q in t.quotes)
    assert '"explain"' in a.model_dump_json()


def test_explain_names_the_rule_that_abstained(notes_dir: Path, tmp_path: Path):
    a = engine(notes_dir, tmp_path).ask("What is a Kubernetes DaemonSet?", explain=True)
    assert a.abstained and a.explain is not None
    decision = a.explain.decision
    assert decision.startswith("not covered (abstained): ") and a.reason in decision
    assert a.explain.quotes == []


def test_options_reach_the_pipeline(notes_dir: Path, tmp_path: Path):
    strict = engine(notes_dir, tmp_path, AnswerOptions(min_line=1.01))
    a = strict.ask("Which load balancer is preferred for ECS?", explain=True)
    assert a.abstained and "min_line" not in a.reason and "1.01" in a.reason
    assert a.explain is not None and a.explain.options["min_line"] == 1.01
