"""Answer regressions on the testers' folders: which answers a change moved, question by question.

bench/qa/<folder>/ holds a notes folder written by a tester in one style (LaTeX lecture notes, a
Zettelkasten, a Logseq graph, ...; `notes/`) and the questions the tester asked of it before
seeing any answer (`questions.json`: id, q, answerable, expect, and the tester's verdict on the
answer of the commit the folder was added at). These are not gold sets: the verdicts say how a
user judged one commit's answers. What this bench gives is the diff: every question whose outcome,
missing subject or cited lines differ from `bench/qa/baseline.json`, printed beside what the
tester expected, for a person to judge before accepting (`--accept` rewrites the baseline),
and a rough agreement figure (`agreement`) for the baseline and this run.

    python bench/bench_regress.py                  # all folders; diff against the baseline
    python bench/bench_regress.py --folders math   # some of them
    python bench/bench_regress.py --accept         # the diff is judged: make this the baseline

Indexes are fp32 (`ASSISTANT_PRECISION` unless set), cached under bench/out/qa/, so the same
commit gives the same answers on every CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from common import log

QA = common.REPO / "bench" / "qa"
BASELINE = QA / "baseline.json"


def folders() -> list[str]:
    return sorted(p.parent.name for p in QA.glob("*/questions.json"))


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--folders", nargs="+", choices=folders(), default=folders())
    p.add_argument("--accept", action="store_true", help="write these answers as the baseline")
    p.add_argument("--out", default="qa-answers.json", help="file under bench/out/")
    return p.parse_args()


def record(answer) -> dict:
    """What a person judges an answer by: its outcome, the subject it names missing, and the
    lines it quotes (or, declined, the closest sections it lists)."""
    return {
        "outcome": answer.outcome,
        "missing": list(answer.missing_terms),
        "cites": [f"{c.path}:{c.start_line}-{c.end_line}" for c in answer.citations],
    }


def ask(engine, question: str) -> dict:
    """The answer's record, or a usage error's ("When should I use dont?": a question the CLI
    rejects is an outcome a person judges too)."""
    from assistant.errors import UsageError

    try:
        return record(engine.ask(question))
    except UsageError as e:
        return {"outcome": "usage_error", "missing": [], "cites": [str(e)[:80]]}


def run_folder(name: str) -> dict[str, dict]:
    from assistant.engine import Engine
    from assistant.settings import load_settings

    questions = json.loads((QA / name / "questions.json").read_text())
    index = common.OUT / "qa" / f"{name}-{os.environ['ASSISTANT_PRECISION']}"
    settings = load_settings(notes=QA / name / "notes", index=index)
    engine = Engine(settings)
    try:
        if engine.stale_reason() is not None:
            log(f"{name}: indexing ...")
            engine.refresh()
        log(f"{name}: {len(questions)} questions")
        return {q["id"]: ask(engine, q["q"]) for q in questions}
    finally:
        engine.close()


def show(name: str, q: dict, old: dict | None, new: dict) -> None:
    print(f"\n{q['id']} ({'answerable' if q['answerable'] else 'uncovered'}; tester: "
          f"{q.get('verdict', '?')}) {q['q']}")  # fmt: skip
    print(f"  expect: {q.get('expect', '')}")
    for label, r in (("was", old), ("now", new)):
        if r is None:
            print(f"  {label}: (new question)")
            continue
        missing = f" missing {r['missing']}" if r["missing"] else ""
        print(f"  {label}: {r['outcome']}{missing} {' '.join(r['cites'])}")


_SPAN = re.compile(r"([^\s:;,()/][^:;,()]*?\.(?:md|txt|markdown|mdx|tex|org)):(\d+)(?:-(\d+))?")


def expected_spans(expect: str) -> list[tuple[str, int, int]]:
    """The "path:start-end" spans a tester's free-text expectation names ("a.md:12 or
    b.md:3-5 (row 4)"); a path may be given without its folder."""
    out = []
    for m in _SPAN.finditer(expect):
        path = m[1].strip().split(" / ")[-1].split(" or ")[-1].split(" + ")[-1]
        out.append((path, int(m[2]), int(m[3] or m[2])))
    return out


_LEAD = re.compile(r"^(?:(?:\(|\+|->|(?:or|and|also)\b)\s*)+")
_NOTION_ID = re.compile(r" [0-9a-f]{32}(?=\.md$|/)")


def same_file(cited: str, expected: str) -> bool:
    """Whether a cited path is the file a tester's expectation names: the same path, or its
    end ("ticklist.md" of "log/ticklist.md"), written after "or", "+", "also" or "->", and
    for a Notion export without the page ids its names end in."""
    cited = _NOTION_ID.sub("", cited)
    t = _LEAD.sub("", expected.split(" -> ")[-1])
    return cited == t or cited.endswith("/" + t) or t.endswith(" " + cited)


def agrees(q: dict, r: dict) -> bool | None:
    """Whether an answer does what the tester expected, roughly: an answerable question's
    answer cites a line of a span its expectation names (None when it names none), an
    uncovered one is declined or partly covered."""
    if not q["answerable"]:
        return r["outcome"] in ("not_covered", "partly_covered")
    spans = expected_spans(q.get("expect", ""))
    if not spans:
        return None
    for cite in r["cites"] if r["outcome"] in ("answered", "partly_covered") else []:
        m = re.match(r"(.+):(\d+)-(\d+)$", cite)
        for path, s, e in spans if m else []:
            if same_file(m[1], path) and int(m[2]) <= e and int(m[3]) >= s:
                return True
    return False


def agreement(answers: dict[str, dict], folders: list[str]) -> str:
    """One line: answerable questions whose answer cites an expected line, uncovered ones
    declined or partly covered (a rough figure: expectations are the testers' free text)."""
    counts = {True: [0, 0], False: [0, 0]}
    for name in folders:
        for q in json.loads((QA / name / "questions.json").read_text()):
            ok = agrees(q, answers[name][q["id"]])
            if ok is not None:
                counts[q["answerable"]][0] += ok
                counts[q["answerable"]][1] += 1
    (a, an), (u, un) = counts[True], counts[False]
    return (
        f"answerable citing an expected line: {a} of {an}; "
        f"uncovered declined or partly covered: {u} of {un}"
    )


def ignored(names: list[str]) -> list[str]:
    """Files of these folders that git would not commit: an unanchored `build/` rule once
    kept a tester's `build/` notes out of the repository, so the baseline had answers the
    committed folder could not give. `--accept` refuses while any exist."""
    paths = [str(QA / n) for n in names]
    run = subprocess.run(
        ["git", "ls-files", "--others", "--ignored", "--exclude-standard", "--", *paths],
        cwd=common.REPO,
        capture_output=True,
        text=True,
    )
    return [f for f in run.stdout.splitlines() if "/notes/" in f]


def main() -> None:
    args = parse_args()
    if lost := ignored(args.folders):
        print(f"{len(lost)} notes git ignores, e.g. {lost[0]}: fix .gitignore", file=sys.stderr)
        if args.accept:
            sys.exit(2)
    os.environ.setdefault("ASSISTANT_PRECISION", "fp32")
    baseline = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    now: dict[str, dict] = {}
    moved = total = 0
    for name in args.folders:
        now[name] = run_folder(name)
        questions = json.loads((QA / name / "questions.json").read_text())
        for q in questions:
            total += 1
            old = baseline.get(name, {}).get(q["id"])
            if old != now[name][q["id"]]:
                moved += 1
                show(name, q, old, now[name][q["id"]])
    print(f"\n{moved} of {total} answers differ from {BASELINE.relative_to(common.REPO)}")
    if all(f in baseline for f in args.folders):
        print(f"baseline: {agreement(baseline, args.folders)}")
    print(f"now:      {agreement(now, args.folders)}")
    out = common.OUT / args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
    if args.accept:
        BASELINE.write_text(json.dumps({**baseline, **now}, indent=1, sort_keys=True) + "\n")
        print(f"baseline updated: {BASELINE.relative_to(common.REPO)}")


if __name__ == "__main__":
    main()
