"""`assistant eval` (gold set on the bundled notes) and `assistant eval beir DIR`.

The main CLI attaches ``eval_cmd``. Only click is imported here at module level; the engine and
models load inside the commands.

Exit codes: 0 every floor met; 1 a figure is below its floor (regression.toml by default);
2 usage error; 3 index or model error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from assistant.params import GivenPath
from index.modes import MODES

MODE_CHOICE = click.Choice([*MODES, "all"])
ALL_MODES = MODES
EXIT_OK, EXIT_BELOW = 0, 1  # usage errors (2), index errors (3): as every command (handle_errors)


def _modes(mode: str) -> tuple[str, ...]:
    return ALL_MODES if mode == "all" else (mode,)


def _make_engine(notes: Path | None, index_dir: Path | None) -> Any:
    """The engine `assistant ask` would use for these flags (and its factory seam)."""
    from assistant.cli import make_engine

    return make_engine(notes, index_dir)


def _progress() -> Any:
    from assistant.output import ProgressLine

    return ProgressLine()


def _emit(report: dict[str, Any], text: str, as_json: bool, out: Path | None) -> None:
    payload = json.dumps(report, indent=2, ensure_ascii=False)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(payload + "\n", encoding="utf-8")
    click.echo(payload if as_json else text)
    if out is not None and not as_json:
        click.echo(f"\nFull report: {out}")


def _guard(fn):
    """One-line errors, the documented exit codes and Ctrl+C, as for every other command
    (`assistant.cli.handle_errors`, imported when called: that module attaches this one)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from assistant.cli import handle_errors

        return handle_errors(fn)(*args, **kwargs)

    return wrapper


@click.group(
    "eval", invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option(
    "--mode",
    type=MODE_CHOICE,
    default="hybrid",
    show_default=True,
    help="Retriever to evaluate; 'all' runs the three and compares them.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the full JSON report.")
@click.option(
    "--out",
    type=GivenPath(path_type=Path, dir_okay=False),
    default=None,
    help="Also write the full JSON report to FILE.",
)
@click.option(
    "--notes",
    type=GivenPath(path_type=Path, exists=True),
    default=None,
    help="Notes folder (default: as for `assistant ask`, the bundled notes the gold set is "
    "written for unless ASSISTANT_NOTES or the config file names another).",
)
@click.option(
    "--index",
    "index_dir",
    type=GivenPath(path_type=Path, file_okay=False),
    default=None,
    help="Index folder (default: as `assistant ask`).",
)
@click.option(
    "--gold",
    "gold_file",
    type=GivenPath(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="Question file (default: the bundled gold set).",
)
@click.option(
    "--thresholds",
    "thresholds_file",
    type=GivenPath(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="Floors to gate on (default: the committed regression.toml; exit 1 below any). "
    "The targets in thresholds.toml are printed beside each figure, not gated.",
)
@click.pass_context
@_guard
def eval_cmd(
    ctx: click.Context,
    mode: str,
    as_json: bool,
    out: Path | None,
    notes: Path | None,
    index_dir: Path | None,
    gold_file: Path | None,
    thresholds_file: Path | None,
) -> None:
    """Measure answer quality on the gold set; exit 1 if a figure is below its floor.

    Runs every gold question through the same path as `assistant ask` and reports, per tier
    and overall: Hit@1, Hit@3, MRR@10 on sections, both-sections-in-top-3, key-phrase recall,
    citation validity, abstention precision/recall and p50/p95 latency.

    Gates on the committed floors (regression.toml, as CI does) and prints the evaluation
    targets (thresholds.toml) beside each figure as "target (not gated)".

    `assistant eval beir DIR` measures retrieval on a BEIR-format dataset instead.
    """
    if ctx.invoked_subcommand is not None:
        return
    from assistant.eval import FLOORS_FILE, THRESHOLDS_FILE, gold

    questions = gold.load_questions(gold_file) if gold_file else gold.load_gold()
    thresholds = gold.load_thresholds(thresholds_file or FLOORS_FILE)
    targets = gold.load_thresholds(THRESHOLDS_FILE)
    engine = _make_engine(notes, index_dir)
    bar = _progress()
    try:
        engine.ensure_ready(progress=bar)
        report = gold.run_gold(engine, questions, _modes(mode), progress=bar)
    finally:
        bar.clear()
        engine.close()
    failures = gold.check_thresholds(report, thresholds)
    report["unmeasured"] = gold.unmeasured(report, thresholds)
    report["failures"] = failures
    report["passed"] = not failures
    table = gold.format_targets(report, thresholds, targets)
    _emit(report, gold.format_report(report, failures, table), as_json, out)
    sys.exit(EXIT_BELOW if failures else EXIT_OK)


@eval_cmd.command("beir")
@click.argument("dataset", type=GivenPath(path_type=Path, exists=True, file_okay=False))
@click.option(
    "--mode", type=MODE_CHOICE, default="all", show_default=True, help="Retriever(s) to score."
)
@click.option(
    "--limit-queries",
    type=click.IntRange(1),
    default=None,
    help="Score only the first N judged queries (the whole corpus is still indexed).",
)
@click.option("--split", default="test", show_default=True, help="Qrels split (qrels/SPLIT.tsv).")
@click.option(
    "--cache",
    "cache_root",
    type=GivenPath(path_type=Path, file_okay=False),
    default=None,
    help="Where to keep the notes and index built from the dataset "
    "(default: <user data dir>/beir).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report.")
@click.option(
    "--out",
    type=GivenPath(path_type=Path, dir_okay=False),
    default=None,
    help="Also write the JSON report to FILE.",
)
@_guard
def beir_cmd(
    dataset: Path,
    mode: str,
    limit_queries: int | None,
    split: str,
    cache_root: Path | None,
    as_json: bool,
    out: Path | None,
) -> None:
    """Score retrieval on a BEIR dataset folder: nDCG@10, Recall@100 (as pytrec_eval) and
    MRR@10 (as BEIR), per mode.

    DATASET holds corpus.jsonl, queries.jsonl and qrels/test.tsv. Each document becomes a note
    in a cache folder and is indexed with the product's chunker, model and store; a second run
    over the same dataset reuses that index instead of re-embedding.
    """
    from assistant.eval import beir

    bar = _progress()

    def log(msg: str) -> None:
        bar.clear()
        click.echo(msg, err=True)

    try:
        report = beir.run_beir(
            dataset,
            _modes(mode),
            split=split,
            limit_queries=limit_queries,
            cache_root=cache_root,
            progress=bar,
            log=log,
        )
    finally:
        bar.clear()
    _emit(report, beir.format_beir(report), as_json, out)


@eval_cmd.command("beir-from-notes")
@click.argument("notes", type=GivenPath(path_type=Path, exists=True, file_okay=False))
@click.argument("out", type=GivenPath(path_type=Path, file_okay=False))
def beir_from_notes_cmd(notes: Path, out: Path) -> None:
    """Build a known-item BEIR dataset in OUT from the NOTES folder (sections become documents,
    their headings queries), to time `assistant eval beir` on a corpus of your own."""
    from assistant.eval import beir

    made = beir.notes_to_beir(notes, out)
    click.echo(f"Wrote {made['documents']} documents and {made['queries']} queries to {out}")
