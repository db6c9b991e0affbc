"""A first `assistant index` of a real folder, as a new user runs it, against an earlier commit
built in the same run (the live-notes issue's target: wall time and peak RSS at most half of
commit 49ca00c's on the 1,873-file til-jbranchaud folder).

One run measures, back to back:
  1. the baseline commit (default 49ca00c), checked out in a temporary git worktree and run
     with the same venv (PYTHONPATH pointing at the worktree);
  2. this checkout with line_vectors=mixed (the default: short lines embedded on their own,
     long ones pooled from the section pass), own (each line on its own) and pooled (every
     line from the section pass);
each as a child process `assistant index --notes DIR --index FRESH` with ASSISTANT_PRECISION
set (fp32 unless --precision bf16), a fresh ASSISTANT_HOME (no config file; the ONNX query-model
export that `assistant index` runs after a build is part of the run, as on a first use, unless
--export-present exports it beforehand, untimed) and a fresh index folder. The notes are read in
place (`assistant index` never writes to the notes folder); --limit copies the first N notes.

Figures per run: wall time (spawn to exit); peak RSS as the kernel reports it for the child
(`os.wait4`'s ru_maxrss: the highest resident set of the child or of any process it waited
for, each taken alone); and the highest sum of the RSS of the child and its descendants,
sampled from /proc every 50 ms (differs from the first only if a helper process overlaps).

    python bench/bench_first_index.py                          # til-jbranchaud, fp32
    python bench/bench_first_index.py --limit 200              # a quick look
    python bench/bench_first_index.py --corpus DIR --precision bf16
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from common import Report, log

TIL = common.REPO.parent / "shared" / "corpora" / "til-jbranchaud"
ENTRY = "import sys; from assistant.cli import main; sys.exit(main())"
WHICH = "import assistant, corpus, index\nfor m in (assistant, index, corpus): print(m.__file__)"
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--corpus", type=Path, default=TIL)
    p.add_argument("--limit", type=int, default=None, help="only the first N notes (by path)")
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    p.add_argument("--baseline", default="49ca00c", help="the commit to compare with")
    p.add_argument(
        "--runs",
        nargs="+",
        default=["baseline", "mixed", "own", "pooled"],
        metavar="RUN",
        help="baseline, mixed, own, pooled, or COMMIT:KIND (another commit's build, "
        "e.g. the one before a change)",
    )
    p.add_argument(
        "--export-present",
        action="store_true",
        help="export the ONNX query model before the runs (untimed), as on a second index",
    )
    return p.parse_args()


# ----------------------------------------------------------------------------- measuring
def _descendants(pid: int) -> list[int]:
    """`pid` and every process below it, from /proc/*/stat parent links."""
    parent: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    # after the ")" closing the command name: state, ppid, ...
                    parent[int(d)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = [pid], [pid]
    while frontier:
        frontier = [c for c, p in parent.items() if p in frontier]
        tree += frontier
    return tree


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE_KIB
    except (OSError, IndexError, ValueError):
        return 0


def run_measured(cmd: list[str], env: dict[str, str], cwd: Path, log_path: Path) -> dict:
    """Run `cmd`; its wall time, kernel peak RSS (wait4) and sampled process-tree peak RSS."""
    with open(log_path, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=err)
        tree_peak = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal tree_peak
            while not stop.wait(0.05):
                tree_peak = max(tree_peak, sum(_rss_kib(p) for p in _descendants(proc.pid)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        out = proc.stdout.read()  # type: ignore[union-attr]
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "rc": proc.returncode,
        "wall_s": wall,
        "peak_rss_mib": usage.ru_maxrss / 1024,  # Linux: KiB
        "tree_peak_mib": tree_peak / 1024,
        "stdout": out.decode("utf-8", "replace"),
    }


def check_code(code: Path, env: dict[str, str]) -> None:
    """The child must import `assistant`, `index` and `corpus` from `code`, not the install."""
    out = subprocess.run(
        [sys.executable, "-c", WHICH], env=env, cwd=code, capture_output=True, text=True, check=True
    ).stdout.split()
    wrong = [f for f in out if not Path(f).resolve().is_relative_to(code.resolve())]
    if wrong:
        raise SystemExit(f"child imports {wrong} instead of the code under {code}")
    log(f"child imports from {Path(out[0]).parent.parent}")


# ----------------------------------------------------------------------------- runs
def main() -> None:
    args = parse_args()
    common.print_machine()
    work = Path(tempfile.mkdtemp(prefix="bench-first-index-"))
    worktrees: list[Path] = []
    try:
        notes = args.corpus
        if args.limit:
            notes = work / "notes"
            common.copy_corpus(args.corpus, notes, args.limit)
        n_files = len(common.note_files(notes))
        codes = {"mixed": common.REPO, "own": common.REPO, "pooled": common.REPO}
        refs = {args.baseline: "baseline"} if "baseline" in args.runs else {}
        refs |= {r.split(":")[0]: r.split(":")[0] for r in args.runs if ":" in r}
        for ref, name in refs.items():
            tree = work / f"wt-{name}"
            add = ["worktree", "add", "--detach", str(tree), ref]
            subprocess.run(["git", "-C", str(common.REPO), *add], check=True, capture_output=True)
            worktrees.append(tree)
            codes[name] = tree
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")} | {
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "ASSISTANT_PRECISION": args.precision,
        }
        shared_home = work / "home-shared"
        if args.export_present:
            log("exporting the ONNX query model once (untimed) ...")
            env = base_env | {"PYTHONPATH": str(common.REPO), "ASSISTANT_HOME": str(shared_home)}
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "from assistant.engine import Engine\n"
                    "from assistant.settings import load_settings\n"
                    "Engine(load_settings()).export_query_model()",
                ],
                env=env,
                cwd=common.REPO,
                check=True,
            )
        results: dict[str, dict] = {}
        for i, name in enumerate(args.runs):
            code = codes[name.split(":")[0]]
            home = shared_home if args.export_present else work / f"home-{i}"
            env = base_env | {"PYTHONPATH": str(code), "ASSISTANT_HOME": str(home)}
            if name != "baseline":
                env["ASSISTANT_LINE_VECTORS"] = name.split(":")[-1]
            check_code(code, env)
            cmd = [sys.executable, "-c", ENTRY, "index", "--json"]
            cmd += ["--notes", str(notes), "--index", str(work / f"idx-{i}")]
            log(f"{name}: first index of {n_files} notes ({args.precision}) ...")
            r = run_measured(cmd, env, code, work / f"run-{i}.log")
            if r["rc"] != 0:
                sys.stderr.write((work / f"run-{i}.log").read_text(errors="replace")[-3000:])
                raise SystemExit(f"{name}: assistant index exited {r['rc']}")
            report = json.loads(r.pop("stdout"))
            r.update(sections=report["chunks"], lines=report["lines_embedded"])
            log(
                f"{name}: {r['wall_s']:.1f} s, peak RSS {r['peak_rss_mib']:.0f} MiB "
                f"(tree {r['tree_peak_mib']:.0f} MiB)"
            )
            results[name] = r
        print_table(args, n_files, results)
    finally:
        for tree in worktrees:
            subprocess.run(
                ["git", "-C", str(common.REPO), "worktree", "remove", "--force", str(tree)],
                check=False,
            )
        shutil.rmtree(work, ignore_errors=True)


LABELS = {
    "mixed": "this checkout, line_vectors=mixed",
    "own": "this checkout, line_vectors=own",
    "pooled": "this checkout, line_vectors=pooled",
}


def print_table(args: argparse.Namespace, n_files: int, results: dict[str, dict]) -> None:
    export = "export present" if args.export_present else "ONNX export included"
    rep = Report(
        f"bench_first_index: first `assistant index` of {n_files} notes of {args.corpus.name}, "
        f"{args.precision}, {export}"
    )
    base = results.get("baseline")
    for name, r in results.items():
        label = f"commit {args.baseline}" if name == "baseline" else LABELS.get(name, name)
        rep.note(f"{label}: {r['sections']} sections, {r['lines']} lines embedded")
        rep.add(f"  {name}: wall s", r["wall_s"], "{:.1f}", key=f"{name}_wall_s")
        rep.add(f"  {name}: peak RSS MiB", r["peak_rss_mib"], "{:.0f}", key=f"{name}_rss_mib")
        rep.add(
            f"  {name}: process-tree peak RSS MiB (sampled)",
            r["tree_peak_mib"],
            "{:.0f}",
            key=f"{name}_tree_mib",
        )
        if base is not None and name != "baseline":
            wall = r["wall_s"] / base["wall_s"]
            rss = max(r["peak_rss_mib"], r["tree_peak_mib"]) / max(
                base["peak_rss_mib"], base["tree_peak_mib"]
            )
            rep.add(f"  {name}: wall ratio", wall, "{:.2f}", "<= 0.5", wall <= 0.5)
            rep.add(f"  {name}: peak RSS ratio", rss, "{:.2f}", "<= 0.5", rss <= 0.5)
    rep.note("runs back to back in one process; the machine may be shared (see load average)")
    rep.print()
    rep.save(f"first_index_{args.corpus.name}_{args.precision}", {"runs": results})


if __name__ == "__main__":
    main()
